//! Execution: walks the plan and fetches each level of the tree for all of its parents at
//! once, so the number of SQL statements depends on the query's shape, never on row counts.
//!
//! A list of rows is resolved field by field (a column of values per field), each
//! relationship with one statement for the whole list, then zipped into objects. Field
//! errors carry their response path and are sorted at the end as graphql-core sorts them
//! (by locations, path, message), so the order they were found in never shows. Statements,
//! rows and response values are counted against their limits before each level runs. This
//! file holds no SQL text.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::rc::Rc;

use crate::datetime::DateTime;
use crate::db::sql::{self, Columns, Param, Select};
use crate::db::{Cell, Db, DbError, Row};
use crate::exec::filter;
use crate::exec::introspect;
use crate::exec::plan::{FieldPlan, ObjectPlan, Plan, Sub};
use crate::exec::relay::{self, PageArgs, Window};
use crate::graphql::error::{GraphQLError, PathSeg};
use crate::graphql::input::{Args, Input};
use crate::json::Value;
use crate::limits::{self, Limits};
use crate::model::{ColumnType, RelationKind, TABLES, TableId};
use crate::schema::{Kind, Meta, Resolver, Schema};

type Path = Vec<PathSeg>;

pub struct Executor<'a> {
    schema: &'a Schema,
    db: &'a Db,
    limits: &'a Limits,
    errors: Vec<GraphQLError>,
    /// Rows read so far, against `limits.max_nodes`.
    rows_read: u64,
    /// Statements run so far, against `limits.max_statements`.
    statements: u64,
    /// Response values (object fields) made so far, against `limits.max_values`.
    values: u64,
    /// Set when the request must stop (time or size limit): the whole answer is this error.
    abort: Option<GraphQLError>,
}

/// Runs the plan: `(data, errors)`, or the error that stopped the whole request.
pub fn execute(
    schema: &Schema,
    db: &Db,
    limits: &Limits,
    plan: &Plan<'_>,
) -> Result<(Value, Vec<GraphQLError>), GraphQLError> {
    let mut ex = Executor {
        schema,
        db,
        limits,
        errors: Vec::new(),
        rows_read: 0,
        statements: 0,
        values: 0,
        abort: None,
    };
    let data = ex.root(&plan.root);
    if let Some(e) = ex.abort {
        return Err(e);
    }
    // graphql-core's `build_response`: "deterministic, since we might have been using
    // parallel execution".
    ex.errors.sort_by(|a, b| {
        (&a.locations, &a.path, &a.message).cmp(&(&b.locations, &b.path, &b.message))
    });
    Ok((data, ex.errors))
}

fn key(path: &Path, f: &FieldPlan<'_>) -> Path {
    let mut p = path.clone();
    p.push(PathSeg::Key(f.key.to_string()));
    p
}

fn index(path: &Path, i: usize) -> Path {
    let mut p = path.clone();
    p.push(PathSeg::Index(i));
    p
}

/// How many statements resolving `plan` on a non-empty list of rows runs: one per
/// relationship field, whatever the number of rows.
fn level_statements(plan: &ObjectPlan<'_>) -> u64 {
    plan.fields.iter().filter(|f| matches!(f.def.resolver, Resolver::Relation(..))).count() as u64
}

impl<'a> Executor<'a> {
    fn error(&mut self, path: Path, f: &FieldPlan<'_>, message: impl Into<String>) {
        self.located(path, GraphQLError::new(message, f.locations.clone()));
    }

    /// An error at `path`, keeping the locations it has (argument errors name the argument).
    fn located(&mut self, path: Path, e: GraphQLError) {
        self.errors.push(e.with_path(path));
    }

    fn stop(&mut self, e: GraphQLError) {
        self.abort.get_or_insert(e);
    }

    /// A failed statement that served `n` parents: one field error each, or the request
    /// stops if the statement was interrupted.
    fn db_errors(&mut self, n: usize, path: &dyn Fn(usize) -> Path, f: &FieldPlan<'_>, e: DbError) {
        if e.interrupted {
            self.stop(e.into_error(self.limits));
            return;
        }
        for i in 0..n {
            self.error(path(i), f, e.message.clone());
        }
    }

    fn db_error(&mut self, path: Path, f: &FieldPlan<'_>, e: DbError) {
        if e.interrupted {
            self.stop(e.into_error(self.limits));
        } else {
            self.error(path, f, e.message);
        }
    }

    /// Counts `n` more rows read; false (and the request stopped) past `--max-nodes`.
    fn take_rows(&mut self, n: usize) -> bool {
        self.rows_read = self.rows_read.saturating_add(n as u64);
        if self.rows_read > self.limits.max_nodes {
            let what = format!("A response of more than {} rows", self.limits.max_nodes);
            self.stop(limits::exceeded(&what, "--max-nodes", self.limits.max_nodes));
        }
        self.abort.is_none()
    }

    /// Counts `n` statements about to run; false (and the request stopped, before running
    /// them) past `--max-statements`.
    fn take_statements(&mut self, n: u64) -> bool {
        self.statements = self.statements.saturating_add(n);
        let max = self.limits.max_statements;
        if self.statements > max {
            let what = format!("A request of more than {max} SQL statements");
            self.stop(limits::exceeded(&what, "--max-statements", max));
        }
        self.abort.is_none()
    }

    /// Counts `n` response values about to be made; false (and the request stopped) past
    /// `--max-values`.
    fn take_values(&mut self, n: usize) -> bool {
        self.values = self.values.saturating_add(n as u64);
        let max = self.limits.max_values;
        if self.values > max {
            let what = format!("A response of more than {max} values");
            self.stop(limits::exceeded(&what, "--max-values", max));
        }
        self.abort.is_none()
    }

    /// Checks, before a level runs, that its statements fit: the ones counted as they run
    /// are then already allowed for.
    fn fits_statements(&mut self, n: u64) -> bool {
        let fits = self.take_statements(n);
        self.statements -= n;
        fits
    }

    /// Rows this request may still read.
    fn rows_left(&self) -> u64 {
        self.limits.max_nodes.saturating_sub(self.rows_read)
    }

    fn root(&mut self, plan: &ObjectPlan<'_>) -> Value {
        let sql_fields = plan
            .fields
            .iter()
            .filter(|f| matches!(f.def.resolver, Resolver::Node | Resolver::RootConnection(_)));
        if !self.fits_statements(sql_fields.count() as u64) || !self.take_values(plan.fields.len())
        {
            return Value::Null;
        }
        let mut out = Vec::with_capacity(plan.fields.len());
        for f in &plan.fields {
            let path = key(&Vec::new(), f);
            let v = match f.def.resolver {
                Resolver::Node => self.node(f, path),
                Resolver::RootConnection(t) => self.root_connection(t, f, path),
                Resolver::Meta(Meta::Typename) => Value::Str(self.schema.name(plan.type_id).into()),
                Resolver::Meta(_) => self.introspection(f, path),
                _ => Value::Null,
            };
            out.push((f.key.clone(), v));
        }
        Value::Object(out)
    }

    fn introspection(&mut self, f: &FieldPlan<'_>, path: Path) -> Value {
        let Some(args) = self.args(f, &path) else {
            return Value::Null;
        };
        let left = self.limits.max_values.saturating_sub(self.values);
        match introspect::resolve_root(self.schema, f, args, left) {
            Some((value, made)) => {
                self.values += made;
                value
            }
            None => {
                self.take_values(usize::MAX);
                Value::Null
            }
        }
    }

    fn args<'p>(&mut self, f: &'p FieldPlan<'_>, path: &Path) -> Option<&'p Args> {
        match &f.args {
            Ok(a) => Some(a),
            Err(e) => {
                self.located(path.clone(), e.clone());
                None
            }
        }
    }

    // ---- Query.node ----------------------------------------------------------------

    fn node(&mut self, f: &FieldPlan<'_>, path: Path) -> Value {
        let Some(args) = self.args(f, &path) else {
            return Value::Null;
        };
        let id = args.string("id").unwrap_or_default();
        let (type_name, pk) = match relay::parse_global_id(id) {
            Ok(x) => x,
            Err(msg) => {
                self.error(path, f, msg);
                return Value::Null;
            }
        };
        let Some(table) = self.node_table(&type_name) else {
            let msg = not_a_node(self.schema, &type_name);
            self.error(path, f, msg);
            return Value::Null;
        };
        let Sub::Abstract(plans) = &f.sub else {
            return Value::Null;
        };
        let type_id = self.schema.table_types[table];
        let Some(plan) = plans.iter().find(|p| p.type_id == type_id) else {
            return Value::Null;
        };
        let text = sql::by_pk(table, &needed(table, &[plan]));
        if !self.take_statements(1) {
            return Value::Null;
        }
        let rows = match self.db.query(text, &[Param::Text(pk)]) {
            Ok(r) => r,
            Err(e) => {
                self.db_error(path, f, e);
                return Value::Null;
            }
        };
        if !self.take_rows(rows.len()) {
            return Value::Null;
        }
        let Some(row) = rows.first() else {
            return Value::Null;
        };
        let values = self.objects(table, &[row], plan, &|_| path.clone());
        values.into_iter().next().unwrap_or(Value::Null)
    }

    fn node_table(&self, type_name: &str) -> Option<TableId> {
        self.schema.type_id(type_name).and_then(|t| self.schema.table_of(t))
    }

    // ---- connections -----------------------------------------------------------------

    fn root_connection(&mut self, table: TableId, f: &FieldPlan<'_>, path: Path) -> Value {
        let Some(args) = self.args(f, &path) else {
            return Value::Null;
        };
        let mut select = Select::from(table);
        select.columns = needed(table, &node_plans(f));
        if let Some(Input::List(items)) = args.get("sort") {
            for item in items {
                if let Input::Enum(name) = item
                    && let Some(order) = sort_key(table, name)
                {
                    select.order.push(order);
                }
            }
        }
        if let Some(filter_value @ Input::Object(_)) = args.get("filter")
            && let Err(msg) = filter::apply(&mut select, filter_value, self.limits)
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
            let cap = self.rows_left().saturating_add(1) as usize;
            let limit = page.first.map(|n| (n as usize).saturating_add(1)).unwrap_or(cap).min(cap);
            let (text, params) = select.rows(Some((limit, 0)));
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

    fn counted_page(
        &self,
        select: &Select,
        page: &PageArgs,
    ) -> Result<(Window, Vec<Row>), DbError> {
        let (text, params) = select.count();
        let count = match self.db.query(&text, &params)?.first().and_then(|r| r.first()) {
            Some(Cell::Int(n)) => *n as usize,
            _ => 0,
        };
        let window = page.window(count);
        if window.is_empty() {
            return Ok((window, Vec::new()));
        }
        // Past the rows this request may still read, one more row is enough to notice.
        let limit = window.len().min(self.rows_left().saturating_add(1) as usize);
        let (text, params) = select.rows(Some((limit, window.start)));
        Ok((window, self.db.query(&text, &params)?))
    }

    /// Builds connection objects, one per page, resolving the nodes of all pages together.
    fn connections(
        &mut self,
        table: TableId,
        pages: &[(Window, Vec<Row>)],
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
                Resolver::PageInfo => {
                    let per_page = cf.sub.object().map_or(0, |p| p.fields.len());
                    self.take_values(pages.len() * per_page);
                    pages.iter().map(|(w, _)| page_info(self.schema, cf, w)).collect()
                }
                Resolver::Edges => {
                    let edge_path = |p: usize, i: usize| index(&key(&path(p), cf), i);
                    self.edges(table, pages, cf, &edge_path)
                }
                Resolver::Meta(Meta::Typename) => {
                    vec![Value::Str(self.schema.name(plan.type_id).into()); pages.len()]
                }
                _ => vec![Value::Null; pages.len()],
            };
            columns.push(column);
        }
        zip_objects(plan, columns, pages.len())
    }

    fn edges(
        &mut self,
        table: TableId,
        pages: &[(Window, Vec<Row>)],
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
                Resolver::EdgeCursor => owners
                    .iter()
                    .map(|(p, i)| Value::Str(relay::cursor(pages[*p].0.start + i).into()))
                    .collect(),
                Resolver::EdgeNode => match ef.sub.object() {
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
                _ => vec![Value::Null; rows.len()],
            };
            columns.push(column);
        }
        let mut edges = zip_objects(plan, columns, rows.len()).into_iter();
        pages
            .iter()
            .map(|(_, rows)| Value::List(edges.by_ref().take(rows.len()).collect()))
            .collect()
    }

    // ---- objects ---------------------------------------------------------------------

    /// Resolves `plan` on each row of `table`; `path(i)` is the path of row `i`.
    fn objects(
        &mut self,
        table: TableId,
        rows: &[&Row],
        plan: &ObjectPlan<'_>,
        path: &dyn Fn(usize) -> Path,
    ) -> Vec<Value> {
        let t = &TABLES[table];
        let level = if rows.is_empty() { 0 } else { level_statements(plan) };
        if !self.take_values(rows.len().saturating_mul(plan.fields.len()))
            || !self.fits_statements(level)
        {
            return vec![Value::Null; rows.len()];
        }
        let mut columns: Vec<Vec<Value>> = Vec::with_capacity(plan.fields.len());
        for f in &plan.fields {
            let column = match f.def.resolver {
                Resolver::GlobalId(_) => rows
                    .iter()
                    .map(|r| Value::Str(relay::global_id(t.type_name, &cell_text(&r[t.pk])).into()))
                    .collect(),
                Resolver::Column(_, c) => {
                    let mut out = Vec::with_capacity(rows.len());
                    for (i, r) in rows.iter().enumerate() {
                        match column_value(&r[c], t.columns[c].ty, c == t.pk) {
                            Ok(v) => out.push(v),
                            Err(msg) => {
                                self.error(key(&path(i), f), f, msg);
                                out.push(Value::Null);
                            }
                        }
                    }
                    out
                }
                Resolver::Relation(_, r) => {
                    let field_path = |i: usize| key(&path(i), f);
                    match t.relationships[r].kind {
                        RelationKind::ManyToOne => self.many_to_one(table, r, rows, f, &field_path),
                        RelationKind::OneToMany => self.one_to_many(table, r, rows, f, &field_path),
                    }
                }
                Resolver::Meta(Meta::Typename) => vec![Value::Str(t.type_name.into()); rows.len()],
                _ => vec![Value::Null; rows.len()],
            };
            columns.push(column);
        }
        zip_objects(plan, columns, rows.len())
    }

    fn many_to_one(
        &mut self,
        table: TableId,
        r: usize,
        rows: &[&Row],
        f: &FieldPlan<'_>,
        path: &dyn Fn(usize) -> Path,
    ) -> Vec<Value> {
        let rel = &TABLES[table].relationships[r];
        let target = &TABLES[rel.target];
        let mut keys: Vec<i64> = rows.iter().filter_map(|row| int_key(&row[rel.column])).collect();
        keys.sort_unstable();
        keys.dedup();
        let mut out = vec![Value::Null; rows.len()];
        let (Some(plan), false) = (f.sub.object(), keys.is_empty()) else {
            return out;
        };
        if !self.take_statements(1) {
            return out;
        }
        let text = sql::by_keys(rel.target, target.pk, &needed(rel.target, &[plan]));
        let fetched = match self.db.query(text, &[json_list(&keys)]) {
            Ok(fetched) if self.take_rows(fetched.len()) => fetched,
            Ok(_) => return out,
            Err(e) => {
                self.db_errors(rows.len(), path, f, e);
                return out;
            }
        };
        let by_key: KeyMap<&Row> =
            fetched.iter().filter_map(|row| Some((int_key(&row[target.pk])?, row))).collect();
        // One child per parent occurrence, so each keeps its own response path.
        let mut owners = Vec::new();
        let mut children = Vec::new();
        for (i, row) in rows.iter().enumerate() {
            if let Some(child) = int_key(&row[rel.column]).and_then(|k| by_key.get(&k)) {
                owners.push(i);
                children.push(*child);
            }
        }
        let values = self.objects(rel.target, &children, plan, &|j| path(owners[j]));
        for (i, v) in owners.into_iter().zip(values) {
            out[i] = v;
        }
        out
    }

    fn one_to_many(
        &mut self,
        table: TableId,
        r: usize,
        rows: &[&Row],
        f: &FieldPlan<'_>,
        path: &dyn Fn(usize) -> Path,
    ) -> Vec<Value> {
        let t = &TABLES[table];
        let rel = &t.relationships[r];
        let mut out = vec![Value::Null; rows.len()];
        let page = match &f.args {
            Ok(args) => page_args(args),
            Err(e) => {
                for i in 0..rows.len() {
                    self.located(path(i), e.clone());
                }
                return out;
            }
        };
        if let Err(msg) = page.check() {
            for i in 0..rows.len() {
                self.error(path(i), f, msg.clone());
            }
            return out;
        }
        if !self.take_statements(1) {
            return out;
        }
        let keys: Vec<Option<i64>> = rows.iter().map(|row| int_key(&row[t.pk])).collect();
        let mut columns = needed(rel.target, &node_plans(f));
        columns.insert(rel.column);
        let budget = self.rows_left().saturating_add(1);
        match self.child_pages(rel.target, rel.column, &columns, &keys, &page, budget) {
            Ok((pages, read)) if self.take_rows(read) => {
                let values = self.connections(rel.target, &pages, f, path);
                for (i, v) in values.into_iter().enumerate() {
                    out[i] = v;
                }
            }
            Ok(_) => {}
            Err(e) => self.db_errors(rows.len(), path, f, e),
        }
        out
    }

    /// Each parent's page of children, from one statement for all parents. Without cursors
    /// or `last`, `first + 1` rows per parent tell everything, and reading stops as soon as
    /// every parent has them; otherwise each parent's children are all read and sliced here.
    fn child_pages(
        &self,
        child: TableId,
        fk: usize,
        columns: &Columns,
        keys: &[Option<i64>],
        page: &PageArgs,
        budget: u64,
    ) -> Result<(Vec<Page>, usize), DbError> {
        let mut distinct: Vec<i64> = keys.iter().flatten().copied().collect();
        distinct.sort_unstable();
        distinct.dedup();
        let wanted = match (page.needs_count(), page.first) {
            (false, Some(n)) => usize::try_from(n).unwrap_or(usize::MAX).saturating_add(1),
            _ => usize::MAX,
        };
        let mut by_parent: KeyMap<Vec<Row>> = KeyMap::default();
        let mut read: u64 = 0;
        if !distinct.is_empty() && wanted > 0 {
            let mut full = 0;
            self.db.query_each(
                sql::children(child, fk, columns),
                &[json_list(&distinct)],
                |row| {
                    if let Some(parent) = int_key(&row[fk]) {
                        let rows = by_parent.entry(parent).or_default();
                        if rows.len() < wanted {
                            rows.push(row);
                            if rows.len() == wanted {
                                full += 1;
                            }
                        }
                    }
                    read += 1;
                    full < distinct.len() && read < budget
                },
            )?;
        }
        // Each parent's rows move into its last page; a parent listed twice gets copies.
        let mut left: KeyMap<usize> = KeyMap::default();
        for k in keys.iter().flatten() {
            *left.entry(*k).or_default() += 1;
        }
        let mut pages = Vec::with_capacity(keys.len());
        for k in keys {
            let rows = match k {
                Some(k) => match left.get_mut(k) {
                    Some(n) if *n > 1 => {
                        *n -= 1;
                        by_parent.get(k).cloned().unwrap_or_default()
                    }
                    _ => by_parent.remove(k).unwrap_or_default(),
                },
                None => Vec::new(),
            };
            let window = page.window(rows.len());
            let mut rows = rows;
            rows.truncate(window.end);
            rows.drain(..window.start);
            pages.push((window, rows));
        }
        Ok((pages, read as usize))
    }
}

/// A page of a connection: its window on the full list, and the rows it shows.
type Page = (Window, Vec<Row>);

/// Rows by primary key. Keys are integers the database produced, so a multiply is hash
/// enough; SipHash's defence against chosen keys buys nothing here.
type KeyMap<V> = HashMap<i64, V, BuildHasherDefault<KeyHasher>>;

#[derive(Default)]
struct KeyHasher(u64);

impl Hasher for KeyHasher {
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0.rotate_left(8) ^ u64::from(*b)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        }
    }

    fn write_i64(&mut self, i: i64) {
        self.0 = (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// The columns of `table` that resolving `plans` reads: the key, the columns asked for and
/// the foreign keys of the relationships asked for.
fn needed(table: TableId, plans: &[&ObjectPlan<'_>]) -> Columns {
    let t = &TABLES[table];
    let mut columns = Columns::default();
    columns.insert(t.pk);
    for field in plans.iter().flat_map(|p| p.fields.iter()) {
        match field.def.resolver {
            Resolver::Column(_, c) => columns.insert(c),
            Resolver::Relation(_, r) if t.relationships[r].kind == RelationKind::ManyToOne => {
                columns.insert(t.relationships[r].column)
            }
            _ => {}
        }
    }
    columns
}

/// The node plans under a connection field (`edges { node { … } }`, any aliases).
fn node_plans<'p, 's>(connection: &'p FieldPlan<'s>) -> Vec<&'p ObjectPlan<'s>> {
    let edges = connection.sub.object().into_iter().flat_map(|c| c.fields.iter());
    let nodes = edges
        .filter(|f| f.def.resolver == Resolver::Edges)
        .filter_map(|f| f.sub.object())
        .flat_map(|e| e.fields.iter());
    nodes.filter(|f| f.def.resolver == Resolver::EdgeNode).filter_map(|f| f.sub.object()).collect()
}

fn zip_objects(plan: &ObjectPlan<'_>, columns: Vec<Vec<Value>>, n: usize) -> Vec<Value> {
    let mut objects: Vec<Vec<(Rc<str>, Value)>> =
        (0..n).map(|_| Vec::with_capacity(plan.fields.len())).collect();
    for (f, column) in plan.fields.iter().zip(columns) {
        for (obj, v) in objects.iter_mut().zip(column) {
            obj.push((f.key.clone(), v));
        }
    }
    objects.into_iter().map(Value::Object).collect()
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
                Resolver::HasNextPage => Value::Bool(w.has_next_page),
                Resolver::HasPreviousPage => Value::Bool(w.has_previous_page),
                Resolver::StartCursor if !w.is_empty() => Value::Str(relay::cursor(w.start).into()),
                Resolver::EndCursor if !w.is_empty() => Value::Str(relay::cursor(w.end - 1).into()),
                Resolver::Meta(Meta::Typename) => Value::Str(schema.name(plan.type_id).into()),
                _ => Value::Null,
            };
            (pf.key.clone(), v)
        })
        .collect();
    Value::Object(fields)
}

fn page_args(args: &Args) -> PageArgs {
    PageArgs {
        before: args.string("before").map(str::to_string),
        after: args.string("after").map(str::to_string),
        first: args.int("first"),
        last: args.int("last"),
    }
}

/// `NAME_ASC` → (name column, ascending).
fn sort_key(table: TableId, name: &str) -> Option<(usize, bool)> {
    let (column, dir) = name.rsplit_once('_')?;
    let c = TABLES[table].columns.iter().position(|c| c.name.eq_ignore_ascii_case(column))?;
    Some((c, dir == "DESC"))
}

fn int_key(c: &Cell) -> Option<i64> {
    match c {
        Cell::Int(i) => Some(*i),
        _ => None,
    }
}

fn json_list(keys: &[i64]) -> Param {
    Param::Text(format!("[{}]", keys.iter().map(i64::to_string).collect::<Vec<_>>().join(",")))
}

fn cell_text(c: &Cell) -> String {
    match c {
        Cell::Null => "None".into(),
        Cell::Int(i) => i.to_string(),
        Cell::Real(f) => crate::graphql::pyrepr::float_repr(*f),
        Cell::Text(s) => s.to_string(),
        Cell::Blob(b) => String::from_utf8_lossy(b).into_owned(),
    }
}

/// A column's cell as the GraphQL scalar the schema gives it.
fn column_value(c: &Cell, ty: ColumnType, pk: bool) -> Result<Value, String> {
    Ok(match (c, ty) {
        (Cell::Null, _) => Value::Null,
        (_, _) if pk => Value::Str(cell_text(c).into()),
        (Cell::Int(i), ColumnType::Integer) => Value::Int(*i),
        (Cell::Real(f), ColumnType::Integer) if f.fract() == 0.0 => Value::Int(*f as i64),
        (_, ColumnType::Integer) => {
            return Err(format!("Int cannot represent non-integer value: {}", cell_text(c)));
        }
        (Cell::Text(s), ColumnType::Varchar) => Value::Str(s.clone()),
        (_, ColumnType::Varchar) => Value::Str(cell_text(c).into()),
        (Cell::Text(s), ColumnType::DateTime) => match DateTime::from_storage(s) {
            Some(d) => Value::Str(d.to_string().into()),
            None => {
                return Err(format!(
                    "Invalid isoformat string: {}",
                    crate::graphql::pyrepr::str_repr(s)
                ));
            }
        },
        (_, ColumnType::DateTime) => {
            return Err("fromisoformat: argument must be str".into());
        }
    })
}

/// The field error `node(id:)` raises for a type name that is not a model type.
fn not_a_node(schema: &Schema, name: &str) -> String {
    let Some(t) = schema.type_id(name) else {
        return format!("Relay Node \"{name}\" not found in schema");
    };
    let ty = schema.ty(t);
    let builtin = name.starts_with("__") || matches!(name, "ID" | "String" | "Boolean" | "Int");
    match &ty.kind {
        Kind::Object { .. } if builtin => {
            "'GraphQLObjectType' object has no attribute 'graphene_type'".into()
        }
        Kind::Enum { .. } if builtin => {
            "'GraphQLEnumType' object has no attribute 'graphene_type'".into()
        }
        Kind::Scalar(_) if builtin => {
            "'GraphQLScalarType' object has no attribute 'graphene_type'".into()
        }
        Kind::Scalar(_) => "'ScalarOptions' object has no attribute 'interfaces'".into(),
        Kind::Enum { .. } => "'EnumOptions' object has no attribute 'interfaces'".into(),
        Kind::InputObject { .. } => {
            "'InputObjectTypeOptions' object has no attribute 'interfaces'".into()
        }
        Kind::Object { .. } | Kind::Interface { .. } => {
            format!("ObjectType \"{name}\" does not implement the \"Node\" interface.")
        }
    }
}
