//! Connections: a root connection's page (sorted, filtered, sliced by relay's rules, or
//! sought by keyset cursors), and the `pageInfo`, `edges`, `nodes` and `totalCount` of any
//! number of pages at once — their nodes resolved together, a level of the walk like any
//! list of rows.

use super::execute::{Executor, Path, index, key};
use super::keyset::{Keyset, Seek};
use super::object::level;
use super::page::{
    CursorKind, Page, backward, bounds_only, by_page, keyset_window, node_plans, order, owners,
    reads_rows, rows_of, selects, turn, window_by_count,
};
use crate::db::sql::{Expr, Select};
use crate::db::{Cell, DbError, Row, Rows};
use crate::exec::filter;
use crate::exec::plan::FieldArgs;
use crate::exec::plan::{FieldPlan, ObjectPlan};
use crate::exec::relay::{PageArgs, Window};
use crate::json::{Column, Value};
use crate::model::{Cursors, TableId};
use crate::schema::{ConnectionField, EdgeField, Meta, PageInfoField, Resolver, Schema};

impl Executor<'_> {
    pub(super) fn root_connection(&mut self, table: TableId, f: &FieldPlan, path: Path) -> Value {
        let Some(args) = self.args(f, &path).and_then(FieldArgs::connection) else {
            return Value::Null;
        };
        let model = self.model;
        let t = &model.tables[table];
        let Some(options) = &t.root else {
            return Value::Null;
        };
        let mut select = Select::from(model, table);
        select.filter.extend_from_slice(self.rules.of(table));
        select.order = order(t, &args.sort);
        select.columns = self.needed(table, &node_plans(f));
        select.columns.extend(select.order.iter().map(|(term, _)| term.column));
        if let Some(filter_value) = &args.filter
            && let Err(e) = filter::apply(model, &mut select, filter_value, self.limits, self.rules)
        {
            self.located(path, e.at_all(f.locations.clone()));
            return Value::Null;
        }
        let page = &args.page;
        let keyset = (options.cursors == Cursors::Keyset)
            .then(|| Keyset::new(&format!("Query.{}", options.name), self.model, t, &select.order));
        let seek = match &keyset {
            Some(k) => k.seek(page.after.as_deref(), page.before.as_deref()),
            None => Ok(Seek::default()),
        };
        let seek = match page.check().and(seek) {
            Ok(seek) => seek,
            Err(msg) => {
                self.error(path, f, msg);
                return Value::Null;
            }
        };
        let wants_total = selects(f, ConnectionField::TotalCount);
        // `totalCount` alone is one COUNT, and so is an offset connection's `pageInfo`
        // without its rows: no row is read.
        let reads = reads_rows(f, keyset.is_some());
        let by_count = window_by_count(f, keyset.is_some());
        let counted = (reads && keyset.is_none() && page.needs_count()) || wants_total || by_count;
        let bounds = keyset.is_some() && bounds_only(f, page);
        if !self.take_statements(u64::from(reads) + u64::from(counted)) {
            return Value::Null;
        }
        let fetched = match (reads, keyset.is_some()) {
            (true, true) if bounds => self.keyset_bounds(select, seek, page, wants_total),
            (false, _) => {
                let count = if counted { self.count(&select).map(Some) } else { Ok(None) };
                count.map(|count| Page {
                    window: page.window(count.unwrap_or(0)),
                    rows: Rows::default(),
                    total: count.filter(|_| wants_total),
                })
            }
            (true, true) => self.keyset_page(select, seek, page, wants_total),
            (true, false) => self.offset_page(&select, page, wants_total),
        };
        match fetched {
            Ok(page) => {
                if !self.take_rows(page.rows.len()) {
                    return Value::Null;
                }
                let cursors = keyset.map_or(CursorKind::Offset, CursorKind::Keyset);
                let pages = [page];
                self.connections(table, &pages, f, &|_| path.clone(), &cursors)
                    .pop()
                    .unwrap_or(Value::Null)
            }
            Err(e) => {
                self.db_error(path, f, e);
                Value::Null
            }
        }
    }

    fn count(&self, select: &Select) -> Result<usize, DbError> {
        let (text, params) = select.count(self.model);
        Ok(match self.db.query(&text, &params)?.first().and_then(|r| r.first()) {
            Some(Cell::Int(n)) => usize::try_from(*n).unwrap_or(0),
            _ => 0,
        })
    }

    /// The rows this request may still read, plus one to notice going past them.
    fn cap(&self) -> usize {
        usize::try_from(self.rows_left().saturating_add(1)).unwrap_or(usize::MAX)
    }

    /// graphql-relay's slicing: with cursors or `last` the rows are counted first; without,
    /// `first + 1` rows tell whether more exist.
    fn offset_page(
        &self,
        select: &Select,
        page: &PageArgs,
        wants_total: bool,
    ) -> Result<Page, DbError> {
        let total = match page.needs_count() || wants_total {
            true => Some(self.count(select)?),
            false => None,
        };
        let (window, rows) = match (page.needs_count(), total) {
            (true, Some(count)) => {
                let window = page.window(count);
                let rows = match window.is_empty() {
                    true => Rows::default(),
                    false => {
                        let limit = window.len().min(self.cap());
                        let (text, params) = select.rows(self.model, Some((limit, window.start)));
                        self.db.query(&text, &params)?
                    }
                };
                (window, rows)
            }
            _ => {
                let wanted = page
                    .first
                    .map_or(usize::MAX, |n| usize::try_from(n).unwrap_or(0).saturating_add(1));
                let (text, params) = select.rows(self.model, Some((wanted.min(self.cap()), 0)));
                let mut rows = self.db.query(&text, &params)?;
                let window = page.window(rows.len());
                rows.slice(0..window.len());
                (window, rows)
            }
        };
        Ok(Page { window, rows, total: total.filter(|_| wants_total) })
    }

    /// A page sought from its cursors: the rows after `after` and before `before`, the
    /// first `first` of them (or the last `last`, read backwards), one more telling whether
    /// the page goes on.
    fn keyset_page(
        &self,
        select: Select,
        seek: Seek,
        page: &PageArgs,
        wants_total: bool,
    ) -> Result<Page, DbError> {
        let (select, total, n) = self.keyset_start(select, seek.filter, page, wants_total)?;
        let wanted = n.map_or(usize::MAX, |n| n.saturating_add(1));
        let rows = self.sought(&select, &seek.parts, (wanted.min(self.cap()), 0))?;
        Ok(keyset_window(rows, page, total))
    }

    /// Where both readings of a keyset page start: the total when asked for (before the
    /// cursors narrow the rows), the rows narrowed by the cursors' `filter` and, for a page
    /// read from its end, ordered the other way round; and the page's size in that order.
    fn keyset_start(
        &self,
        mut select: Select,
        filter: Vec<Expr>,
        page: &PageArgs,
        wants_total: bool,
    ) -> Result<(Select, Option<usize>, Option<usize>), DbError> {
        let total = match wants_total {
            true => Some(self.count(&select)?),
            false => None,
        };
        select.filter.extend(filter);
        let backward = backward(page);
        if backward {
            turn(&mut select.order);
        }
        let n = if backward { page.last } else { page.first };
        Ok((select, total, n.map(|n| usize::try_from(n).unwrap_or(0))))
    }

    /// Rows `offset..offset + limit` of `select`'s order, among the rows in one of `parts`
    /// (when there are parts).
    fn sought(
        &self,
        select: &Select,
        parts: &[Expr],
        range: (usize, usize),
    ) -> Result<Rows, DbError> {
        let (text, params) = match parts.is_empty() {
            true => select.rows(self.model, Some(range)),
            false => select.rows_in_parts(self.model, parts, range),
        };
        self.db.query(&text, &params)
    }

    /// A keyset page of which only `pageInfo` is shown (`bounds_only`): its first row, its
    /// last and whether another follows are all its cursors and flags need, so only they
    /// are read — by an offset into the order, or as the first row of the order reversed —
    /// not the page itself, which may be every row of the table. The first read is counted
    /// by the caller, each further one (two at most) before it runs; the page holds its
    /// first row and, when another, its last.
    fn keyset_bounds(
        &mut self,
        select: Select,
        seek: Seek,
        page: &PageArgs,
        wants_total: bool,
    ) -> Result<Page, DbError> {
        let (select, total, n) = self.keyset_start(select, seek.filter, page, wants_total)?;
        let backward = backward(page);
        let parts = &seek.parts;
        let mut rows = self.sought(&select, parts, (1, 0))?;
        let none = Rows::default;
        let (end, more) = match (rows.first(), n) {
            (None, _) => (none(), false),
            (Some(_), Some(0)) => {
                rows.slice(0..0);
                (none(), true)
            }
            _ if !self.take_statements(1) => (none(), false),
            // The first row is the page: whether a second follows is all that is left.
            (Some(_), Some(1)) => (none(), !self.sought(&select, parts, (1, 1))?.is_empty()),
            (Some(first), Some(n)) => {
                let mut tail = self.sought(&select, parts, (2, n - 1))?;
                match tail.len() {
                    // Fewer than `n` rows: the page ends where the order does.
                    0 if !self.take_statements(1) => (none(), false),
                    0 => (self.last_sought(&select, parts, first)?, false),
                    len => {
                        tail.slice(0..1);
                        (tail, len > 1)
                    }
                }
            }
            (Some(first), None) => (self.last_sought(&select, parts, first)?, false),
        };
        rows.append(end);
        if backward {
            rows.reverse();
        }
        let (has_previous_page, has_next_page) = (backward && more, !backward && more);
        let window = Window { start: 0, end: rows.len(), has_previous_page, has_next_page };
        Ok(Page { window, rows, total })
    }

    /// The last row of `select`'s order among the rows in one of `parts` (the first of the
    /// order reversed), unless it is `first`.
    fn last_sought(&self, select: &Select, parts: &[Expr], first: &Row) -> Result<Rows, DbError> {
        let mut reversed = select.clone();
        turn(&mut reversed.order);
        let mut last = self.sought(&reversed, parts, (1, 0))?;
        if last.first() == Some(first) {
            last.slice(0..0);
        }
        Ok(last)
    }

    /// Builds connection objects, one per page, resolving the nodes of all pages together.
    pub(super) fn connections(
        &mut self,
        table: TableId,
        pages: &[Page],
        f: &FieldPlan,
        path: &dyn Fn(usize) -> Path,
        cursors: &CursorKind,
    ) -> Vec<Value> {
        let Some(plan) = f.sub.object() else {
            return vec![Value::Null; pages.len()];
        };
        if !self.take_values(pages.len().saturating_mul(plan.fields.len())) {
            return vec![Value::Null; pages.len()];
        }
        let mut columns: Vec<Column> = Vec::with_capacity(plan.fields.len());
        for cf in &plan.fields {
            let column = match cf.resolver {
                Resolver::Connection(ConnectionField::PageInfo) => {
                    let per_page = cf.sub.object().map_or(0, |p| p.fields.len());
                    self.take_values(pages.len().saturating_mul(per_page));
                    pages.iter().map(|p| page_info(self.schema, cf, p, cursors)).collect()
                }
                Resolver::Connection(ConnectionField::Edges) => {
                    let edge_path = |p: usize, i: usize| index(&key(&path(p), cf), i);
                    self.edges(table, pages, cf, &edge_path, cursors)
                }
                Resolver::Connection(ConnectionField::Nodes) => {
                    let node_path = |p: usize, i: usize| index(&key(&path(p), cf), i);
                    self.nodes(table, pages, cf.sub.object(), &node_path)
                }
                Resolver::Connection(ConnectionField::TotalCount) => {
                    pages.iter().map(|p| Value::Int(p.total.unwrap_or(0) as i64)).collect()
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
            columns.push(Column::Values(column));
        }
        let connections = level(plan, columns, vec![false; pages.len()]);
        (0..pages.len()).map(|p| Value::Row(connections.clone(), p)).collect()
    }

    /// `nodes`: each page's objects as a list.
    fn nodes(
        &mut self,
        table: TableId,
        pages: &[Page],
        plan: Option<&ObjectPlan>,
        path: &dyn Fn(usize, usize) -> Path,
    ) -> Vec<Value> {
        let Some(plan) = plan else {
            return vec![Value::Null; pages.len()];
        };
        let owners = owners(pages);
        let rows = rows_of(pages);
        let objects = self.objects(table, &rows, plan, &|j| path(owners[j].0, owners[j].1));
        by_page(pages).map(|range| Value::Rows(objects.clone(), range)).collect()
    }

    fn edges(
        &mut self,
        table: TableId,
        pages: &[Page],
        f: &FieldPlan,
        path: &dyn Fn(usize, usize) -> Path,
        cursors: &CursorKind,
    ) -> Vec<Value> {
        let Some(plan) = f.sub.object() else {
            return vec![Value::Null; pages.len()];
        };
        let owners = owners(pages);
        let rows = rows_of(pages);
        if !self.take_values(rows.len().saturating_mul(plan.fields.len())) {
            return vec![Value::Null; pages.len()];
        }
        let mut columns: Vec<Column> = Vec::with_capacity(plan.fields.len());
        for ef in &plan.fields {
            let column = match ef.resolver {
                Resolver::Edge(EdgeField::Cursor) => Column::Values(
                    owners
                        .iter()
                        .map(|(p, i)| Value::Str(cursors.cursor(&pages[*p], *i).into()))
                        .collect(),
                ),
                Resolver::Edge(EdgeField::Node) => match ef.sub.object() {
                    Some(node_plan) => {
                        let node_path = |j: usize| {
                            let (p, i) = owners[j];
                            key(&path(p, i), ef)
                        };
                        Column::Level(self.objects(table, &rows, node_plan, &node_path))
                    }
                    None => Column::Values(vec![Value::Null; rows.len()]),
                },
                Resolver::Meta(Meta::Typename) => {
                    Column::Values(vec![
                        Value::Str(self.schema.name(plan.type_id).into());
                        rows.len()
                    ])
                }
                // Not fields of an edge type.
                Resolver::Query(_)
                | Resolver::Row(_)
                | Resolver::Connection(_)
                | Resolver::PageInfo(_)
                | Resolver::Meta(_) => Column::Values(vec![Value::Null; rows.len()]),
            };
            columns.push(column);
        }
        let edges = level(plan, columns, vec![false; rows.len()]);
        by_page(pages).map(|range| Value::Rows(edges.clone(), range)).collect()
    }
}

fn page_info(schema: &Schema, f: &FieldPlan, page: &Page, cursors: &CursorKind) -> Value {
    let Some(plan) = f.sub.object() else {
        return Value::Null;
    };
    // The window, not the rows: an offset page worked out from its count has none.
    let (w, last) = (&page.window, page.window.len().checked_sub(1));
    let fields = plan
        .fields
        .iter()
        .map(|pf| {
            let v = match pf.resolver {
                Resolver::PageInfo(field) => match (field, last) {
                    (PageInfoField::HasNextPage, _) => Value::Bool(w.has_next_page),
                    (PageInfoField::HasPreviousPage, _) => Value::Bool(w.has_previous_page),
                    (PageInfoField::StartCursor, Some(_)) => {
                        Value::Str(cursors.cursor(page, 0).into())
                    }
                    (PageInfoField::EndCursor, Some(i)) => {
                        Value::Str(cursors.cursor(page, i).into())
                    }
                    (PageInfoField::StartCursor | PageInfoField::EndCursor, None) => Value::Null,
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
