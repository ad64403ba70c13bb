//! Connections: a root connection's page (sorted, filtered, sliced by relay's rules), and
//! the `pageInfo` and `edges` of any number of pages at once — their nodes resolved
//! together, a level of the walk like any list of rows.
//!
//! Every order is total: the sort asked for, then the key (or, for a view, every column),
//! so offset cursors never skip or repeat a row.

use super::execute::{Executor, Path, index, key};
use crate::db::sql::{Select, Term};
use crate::db::{Cell, DbError, Row};
use crate::exec::filter;
use crate::exec::plan::FieldPlan;
use crate::exec::relay::{self, PageArgs, Window};
use crate::graphql::input::{Args, Input};
use crate::json::Value;
use crate::model::{Table, TableId};
use crate::schema::{ConnectionField, EdgeField, Meta, PageInfoField, Resolver, Schema};

/// A page of a connection: its window on the full list, and the rows it shows.
pub(super) type Page = (Window, Vec<Row>);

impl Executor<'_> {
    pub(super) fn root_connection(
        &mut self,
        table: TableId,
        f: &FieldPlan<'_>,
        path: Path,
    ) -> Value {
        let Some(args) = self.args(f, &path) else {
            return Value::Null;
        };
        let model = self.model;
        let mut select = Select::from(model, table);
        select.columns = self.needed(table, &node_plans(f));
        select.order = order(&model.tables[table], args);
        if let Some(filter_value @ Input::Object(_)) = args.get("filter")
            && let Err(msg) = filter::apply(model, &mut select, filter_value, self.limits)
        {
            self.error(path, f, msg);
            return Value::Null;
        }
        let page = page_args(args);
        if let Err(msg) = page.check() {
            self.error(path, f, msg);
            return Value::Null;
        }
        if !self.take_statements(1 + u64::from(page.needs_count())) {
            return Value::Null;
        }
        let fetched = if page.needs_count() {
            self.counted_page(&select, &page)
        } else {
            // Without cursors or `last`, `first + 1` rows tell whether more exist; and no
            // more than the rows this request may still read, plus one to notice.
            let cap = usize::try_from(self.rows_left().saturating_add(1)).unwrap_or(usize::MAX);
            let wanted =
                page.first.map_or(cap, |n| usize::try_from(n).unwrap_or(0).saturating_add(1));
            let (text, params) = select.rows(model, Some((wanted.min(cap), 0)));
            self.db.query(&text, &params).map(|rows| (page.window(rows.len()), rows))
        };
        match fetched {
            Ok((window, mut rows)) => {
                rows.truncate(window.len());
                if !self.take_rows(rows.len()) {
                    return Value::Null;
                }
                let pages = [(window, rows)];
                self.connections(table, &pages, f, &|_| path.clone()).pop().unwrap_or(Value::Null)
            }
            Err(e) => {
                self.db_error(path, f, e);
                Value::Null
            }
        }
    }

    fn counted_page(&self, select: &Select, page: &PageArgs) -> Result<Page, DbError> {
        let (text, params) = select.count(self.model);
        let count = match self.db.query(&text, &params)?.first().and_then(|r| r.first()) {
            Some(Cell::Int(n)) => usize::try_from(*n).unwrap_or(0),
            _ => 0,
        };
        let window = page.window(count);
        if window.is_empty() {
            return Ok((window, Vec::new()));
        }
        // Past the rows this request may still read, one more row is enough to notice.
        let cap = usize::try_from(self.rows_left().saturating_add(1)).unwrap_or(usize::MAX);
        let (text, params) = select.rows(self.model, Some((window.len().min(cap), window.start)));
        Ok((window, self.db.query(&text, &params)?))
    }

    /// Builds connection objects, one per page, resolving the nodes of all pages together.
    pub(super) fn connections(
        &mut self,
        table: TableId,
        pages: &[Page],
        f: &FieldPlan<'_>,
        path: &dyn Fn(usize) -> Path,
    ) -> Vec<Value> {
        let Some(plan) = f.sub.object() else {
            return vec![Value::Null; pages.len()];
        };
        if !self.take_values(pages.len().saturating_mul(plan.fields.len())) {
            return vec![Value::Null; pages.len()];
        }
        let mut columns: Vec<Vec<Value>> = Vec::with_capacity(plan.fields.len());
        for cf in &plan.fields {
            let column = match cf.def.resolver {
                Resolver::Connection(ConnectionField::PageInfo) => {
                    let per_page = cf.sub.object().map_or(0, |p| p.fields.len());
                    self.take_values(pages.len().saturating_mul(per_page));
                    pages.iter().map(|(w, _)| page_info(self.schema, cf, w)).collect()
                }
                Resolver::Connection(ConnectionField::Edges) => {
                    let edge_path = |p: usize, i: usize| index(&key(&path(p), cf), i);
                    self.edges(table, pages, cf, &edge_path)
                }
                Resolver::Meta(Meta::Typename) => {
                    vec![Value::Str(self.schema.name(plan.type_id).into()); pages.len()]
                }
                // Not fields of a connection type.
                Resolver::Query(_)
                | Resolver::Row(_)
                | Resolver::Edge(_)
                | Resolver::PageInfo(_)
                | Resolver::Meta(_) => vec![Value::Null; pages.len()],
            };
            columns.push(column);
        }
        super::object::zip_objects(plan, columns, pages.len(), &[])
    }

    fn edges(
        &mut self,
        table: TableId,
        pages: &[Page],
        f: &FieldPlan<'_>,
        path: &dyn Fn(usize, usize) -> Path,
    ) -> Vec<Value> {
        let Some(plan) = f.sub.object() else {
            return vec![Value::Null; pages.len()];
        };
        // Every edge of every page, as (page, index in page).
        let owners: Vec<(usize, usize)> = pages
            .iter()
            .enumerate()
            .flat_map(|(p, (_, rows))| (0..rows.len()).map(move |i| (p, i)))
            .collect();
        let rows: Vec<&Row> = pages.iter().flat_map(|(_, rows)| rows.iter()).collect();
        if !self.take_values(rows.len().saturating_mul(plan.fields.len())) {
            return vec![Value::Null; pages.len()];
        }
        let mut columns: Vec<Vec<Value>> = Vec::with_capacity(plan.fields.len());
        for ef in &plan.fields {
            let column = match ef.def.resolver {
                Resolver::Edge(EdgeField::Cursor) => owners
                    .iter()
                    .map(|(p, i)| Value::Str(relay::cursor(pages[*p].0.start + i).into()))
                    .collect(),
                Resolver::Edge(EdgeField::Node) => match ef.sub.object() {
                    Some(node_plan) => {
                        let node_path = |j: usize| {
                            let (p, i) = owners[j];
                            key(&path(p, i), ef)
                        };
                        self.objects(table, &rows, node_plan, &node_path)
                    }
                    None => vec![Value::Null; rows.len()],
                },
                Resolver::Meta(Meta::Typename) => {
                    vec![Value::Str(self.schema.name(plan.type_id).into()); rows.len()]
                }
                // Not fields of an edge type.
                Resolver::Query(_)
                | Resolver::Row(_)
                | Resolver::Connection(_)
                | Resolver::PageInfo(_)
                | Resolver::Meta(_) => vec![Value::Null; rows.len()],
            };
            columns.push(column);
        }
        let mut edges = super::object::zip_objects(plan, columns, rows.len(), &[]).into_iter();
        pages
            .iter()
            .map(|(_, rows)| Value::List(edges.by_ref().take(rows.len()).collect()))
            .collect()
    }
}

/// The node plans under a connection field (`edges { node { … } }`, any aliases).
pub(super) fn node_plans<'p, 's>(
    connection: &'p FieldPlan<'s>,
) -> Vec<&'p crate::exec::plan::ObjectPlan<'s>> {
    let edges = connection.sub.object().into_iter().flat_map(|c| c.fields.iter());
    let nodes = edges
        .filter(|f| f.def.resolver == Resolver::Connection(ConnectionField::Edges))
        .filter_map(|f| f.sub.object())
        .flat_map(|e| e.fields.iter());
    nodes
        .filter(|f| f.def.resolver == Resolver::Edge(EdgeField::Node))
        .filter_map(|f| f.sub.object())
        .collect()
}

fn page_info(schema: &Schema, f: &FieldPlan<'_>, w: &Window) -> Value {
    let Some(plan) = f.sub.object() else {
        return Value::Null;
    };
    let fields = plan
        .fields
        .iter()
        .map(|pf| {
            let v = match pf.def.resolver {
                Resolver::PageInfo(field) => match field {
                    PageInfoField::HasNextPage => Value::Bool(w.has_next_page),
                    PageInfoField::HasPreviousPage => Value::Bool(w.has_previous_page),
                    PageInfoField::StartCursor if !w.is_empty() => {
                        Value::Str(relay::cursor(w.start).into())
                    }
                    PageInfoField::EndCursor if !w.is_empty() => {
                        Value::Str(relay::cursor(w.end - 1).into())
                    }
                    PageInfoField::StartCursor | PageInfoField::EndCursor => Value::Null,
                },
                Resolver::Meta(Meta::Typename) => Value::Str(schema.name(plan.type_id).into()),
                // Not fields of `PageInfo`.
                Resolver::Query(_)
                | Resolver::Row(_)
                | Resolver::Connection(_)
                | Resolver::Edge(_)
                | Resolver::Meta(_) => Value::Null,
            };
            (pf.key.clone(), v)
        })
        .collect();
    Value::Object(fields)
}

pub(super) fn page_args(args: &Args) -> PageArgs {
    PageArgs {
        before: args.string("before").map(str::to_string),
        after: args.string("after").map(str::to_string),
        first: args.int("first"),
        last: args.int("last"),
    }
}

/// The order a connection's rows come in: the `sort` asked for (enum values such as
/// `NAME_ASC`), then the table's tie-break, ascending.
pub(super) fn order(table: &Table, args: &Args) -> Vec<(Term, bool)> {
    let term = |c: usize| Term { column: c, through: table.columns[c].scalar.comparable() };
    let mut order: Vec<(Term, bool)> = Vec::new();
    if let Some(Input::List(items)) = args.get("sort") {
        for item in items {
            let Input::Enum(name) = item else { continue };
            let found = table.sort_names.iter().enumerate().find_map(|(c, stem)| {
                let rest = name.strip_prefix(stem.as_deref()?)?;
                match rest {
                    "_ASC" => Some((c, false)),
                    "_DESC" => Some((c, true)),
                    _ => None,
                }
            });
            if let Some((c, desc)) = found {
                order.push((term(c), desc));
            }
        }
    }
    for c in table.tie_break() {
        if !order.iter().any(|(t, _)| t.column == c) {
            order.push((term(c), false));
        }
    }
    order
}
