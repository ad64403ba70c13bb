//! Execution: walks the plan and fetches each level of the tree for all of its parents at
//! once, so the number of SQL statements depends on the query's shape, never on row counts.
//!
//! This file holds the walk's state (the limits it counts against, the errors it collects)
//! and the root fields; connections (`connection.rs`) and objects with their relationships
//! (`object.rs`) are the levels below. Field errors carry their response path and are
//! sorted at the end as graphql-core sorts them (by locations, path, message), so the order
//! they were found in never shows. No file of execution holds SQL text.

use std::time::Instant;

use crate::access::RowRules;
use crate::db::{Db, DbError};
use crate::exec::introspect;
use crate::exec::keys;
use crate::exec::page::{bounds_only, node_plans, selects};
use crate::exec::plan::{FieldArgs, FieldPlan, ObjectPlan, Plan, Sub};
use crate::exec::relay;
use crate::graphql::error::{GraphQLError, Limit, PathSeg};
use crate::json::Value;
use crate::limits::{self, Limits};
use crate::model::{Cursors, Model, TableId};
use crate::schema::{ConnectionField, Kind, Meta, QueryField, Resolver, RowField, Schema};

pub(super) type Path = Vec<PathSeg>;

pub struct Executor<'a> {
    pub(super) schema: &'a Schema,
    pub(super) model: &'a Model,
    pub(super) db: &'a Db,
    pub(super) limits: &'a Limits,
    /// The rows each table lets this request read.
    pub(super) rules: &'a RowRules,
    pub(super) errors: Vec<GraphQLError>,
    /// Rows read so far, against `limits.max_nodes`.
    rows_read: u64,
    /// Statements run so far, against `limits.max_statements`.
    statements: u64,
    /// Response values (object fields) made so far, against `limits.max_values`.
    values: u64,
    /// When the request runs out of time: checked as each level is built.
    deadline: Instant,
    /// Set when the request must stop (time or size limit): the whole answer is this error.
    abort: Option<GraphQLError>,
}

/// Runs the plan: `(data, errors)`, or the error that stopped the whole request.
pub fn execute(
    schema: &Schema,
    db: &Db,
    limits: &Limits,
    (plan, rules): (&Plan, &RowRules),
    deadline: Instant,
) -> Result<(Value, Vec<GraphQLError>), GraphQLError> {
    let mut ex = Executor {
        schema,
        model: &schema.model,
        db,
        limits,
        rules,
        errors: Vec::new(),
        rows_read: 0,
        statements: 0,
        values: 0,
        deadline,
        abort: None,
    };
    let data = ex.root(&plan.root);
    // Sorting many errors takes time too.
    ex.in_time();
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

pub(super) fn key(path: &Path, f: &FieldPlan) -> Path {
    let mut p = path.clone();
    p.push(PathSeg::Key(f.key.to_string()));
    p
}

pub(super) fn index(path: &Path, i: usize) -> Path {
    let mut p = path.clone();
    p.push(PathSeg::Index(i));
    p
}

/// Whether running `plan` takes one SQL statement at most, so that it needs no transaction
/// to read one snapshot: one `node`, or one root connection that counts nothing, with no
/// relationship under either.
pub fn one_statement(model: &Model, plan: &Plan) -> bool {
    let mut statements = 0;
    for f in &plan.root.fields {
        let plans: Vec<&ObjectPlan> = match (f.resolver, &f.sub) {
            (Resolver::Query(QueryField::Node), Sub::Abstract(plans)) => plans.iter().collect(),
            (Resolver::Query(QueryField::Connection(t)), _) => {
                let offset =
                    model.tables[t].root.as_ref().is_some_and(|c| c.cursors == Cursors::Offset);
                let page = f.args.as_ref().ok().and_then(FieldArgs::connection).map(|c| &c.page);
                let counted = page.is_some_and(|p| offset && p.needs_count());
                // A keyset page read as its bounds takes several statements.
                let bounds = page.is_some_and(|p| !offset && bounds_only(f, p));
                if counted || bounds || selects(f, ConnectionField::TotalCount) {
                    return false;
                }
                node_plans(f)
            }
            (Resolver::Query(_), _) => return false,
            _ => continue,
        };
        statements += 1;
        if statements > 1 || plans.iter().any(|p| level_statements(p) > 0) {
            return false;
        }
    }
    true
}

/// How many statements resolving `plan` on a non-empty list of rows runs: one per
/// relationship field, whatever the number of rows.
pub(super) fn level_statements(plan: &ObjectPlan) -> u64 {
    plan.fields
        .iter()
        .filter(|f| matches!(f.resolver, Resolver::Row(RowField::Relation(..))))
        .count() as u64
}

impl<'a> Executor<'a> {
    pub(super) fn error(&mut self, path: Path, f: &FieldPlan, message: impl Into<String>) {
        self.located(path, GraphQLError::new(message, f.locations.clone()));
    }

    /// An error at `path`, keeping the locations it has (argument errors name the argument).
    /// Each error counts against `--max-values` as it stands in the answer: its path (a
    /// value a step) and itself; once the request is stopped, no more are kept.
    pub(super) fn located(&mut self, path: Path, e: GraphQLError) {
        if self.abort.is_none() && self.take_values(path.len() + 1) {
            self.errors.push(e.with_path(path));
        }
    }

    pub(super) fn stop(&mut self, e: GraphQLError) {
        self.abort.get_or_insert(e);
    }

    /// A failed statement that served `n` parents: one field error each, or the request
    /// stops if the statement was interrupted.
    pub(super) fn db_errors(
        &mut self,
        n: usize,
        path: &dyn Fn(usize) -> Path,
        f: &FieldPlan,
        e: DbError,
    ) {
        if e.interrupted {
            self.stop(crate::limits::database_error(e, self.limits));
            return;
        }
        for i in 0..n {
            self.error(path(i), f, e.message.clone());
        }
    }

    pub(super) fn db_error(&mut self, path: Path, f: &FieldPlan, e: DbError) {
        if e.interrupted {
            self.stop(crate::limits::database_error(e, self.limits));
        } else {
            self.error(path, f, e.message);
        }
    }

    /// Counts `n` more rows read; false (and the request stopped) past `--max-nodes`.
    pub(super) fn take_rows(&mut self, n: usize) -> bool {
        self.rows_read = self.rows_read.saturating_add(n as u64);
        if self.rows_read > self.limits.max_nodes {
            let what = format!("A response of more than {} rows", self.limits.max_nodes);
            self.stop(limits::exceeded(&what, Limit::Nodes, self.limits.max_nodes));
        }
        self.abort.is_none()
    }

    /// Counts `n` statements about to run; false (and the request stopped, before running
    /// them) past `--max-statements`.
    pub(super) fn take_statements(&mut self, n: u64) -> bool {
        self.statements = self.statements.saturating_add(n);
        let max = self.limits.max_statements;
        if self.statements > max {
            let what = format!("A request of more than {max} SQL statements");
            self.stop(limits::exceeded(&what, Limit::Statements, max));
        }
        self.abort.is_none()
    }

    /// Counts `n` response values about to be made; false (and the request stopped) past
    /// `--max-values`.
    pub(super) fn take_values(&mut self, n: usize) -> bool {
        self.values = self.values.saturating_add(n as u64);
        let max = self.limits.max_values;
        if self.values > max {
            let what = format!("A response of more than {max} values");
            self.stop(limits::exceeded(&what, Limit::Values, max));
        }
        self.abort.is_none()
    }

    /// False (and the request stopped) past the request's deadline: looked at before each
    /// level is built, where the time that no statement bounds is spent.
    pub(super) fn in_time(&mut self) -> bool {
        if Instant::now() > self.deadline {
            self.stop(limits::timed_out(self.limits));
        }
        self.abort.is_none()
    }

    /// Checks, before a level runs, that its statements fit: the ones counted as they run
    /// are then already allowed for.
    pub(super) fn fits_statements(&mut self, n: u64) -> bool {
        let fits = self.take_statements(n);
        self.statements -= n;
        fits
    }

    /// Rows this request may still read.
    pub(super) fn rows_left(&self) -> u64 {
        self.limits.max_nodes.saturating_sub(self.rows_read)
    }

    fn root(&mut self, plan: &ObjectPlan) -> Value {
        let sql_fields = plan.fields.iter().filter(|f| matches!(f.resolver, Resolver::Query(_)));
        if !self.fits_statements(sql_fields.count() as u64)
            || !self.take_values(plan.fields.len())
            || !self.in_time()
        {
            return Value::Null;
        }
        let mut out = Vec::with_capacity(plan.fields.len());
        for f in &plan.fields {
            let path = key(&Vec::new(), f);
            let v = match f.resolver {
                Resolver::Query(QueryField::Node) => self.node(f, path),
                Resolver::Query(QueryField::Connection(t)) => self.root_connection(t, f, path),
                Resolver::Meta(Meta::Typename) => Value::Str(self.schema.name(plan.type_id).into()),
                Resolver::Meta(_) => self.introspection(f, path),
                // Not fields of `Query`.
                Resolver::Row(_)
                | Resolver::Connection(_)
                | Resolver::Edge(_)
                | Resolver::PageInfo(_) => Value::Null,
            };
            out.push((f.key.clone(), v));
        }
        Value::Object(out)
    }

    fn introspection(&mut self, f: &FieldPlan, path: Path) -> Value {
        let Some(args) = self.args(f, &path) else {
            return Value::Null;
        };
        let left = self.limits.max_values.saturating_sub(self.values);
        match introspect::resolve_root(self.schema, f, args.lookup(), left) {
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

    pub(super) fn args<'p>(&mut self, f: &'p FieldPlan, path: &Path) -> Option<&'p FieldArgs> {
        match &f.args {
            Ok(a) => Some(a),
            Err(e) => {
                self.located(path.clone(), e.clone());
                None
            }
        }
    }

    // ---- Query.node ----------------------------------------------------------------

    fn node(&mut self, f: &FieldPlan, path: Path) -> Value {
        let Some(id) = self.args(f, &path).and_then(FieldArgs::lookup) else {
            return Value::Null;
        };
        let (type_name, key_text) = match relay::parse_global_id(id) {
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
        let (Sub::Abstract(plans), Some(type_id)) = (&f.sub, self.schema.table_types[table]) else {
            return Value::Null;
        };
        let Some(plan) = plans.iter().find(|p| p.type_id == type_id) else {
            return Value::Null;
        };
        // A key that cannot be one of this table's (a compound key that is no JSON array of
        // the right length) finds nothing, as an unknown key does.
        let Some(params) = keys::params(&self.model.tables[table], &key_text) else {
            return Value::Null;
        };
        let needed = self.needed(table, &[plan]);
        let rule = self.rules.of(table);
        let (text, params) = self.schema.sql.by_key(self.model, table, &needed, (params, rule));
        if !self.take_statements(1) {
            return Value::Null;
        }
        let rows = match self.db.query(&text, &params) {
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
        Value::Row(self.objects(table, &[row], plan, &|_| path.clone()), 0)
    }

    fn node_table(&self, type_name: &str) -> Option<TableId> {
        let t = self.schema.table_of(self.schema.type_id(type_name)?)?;
        self.model.tables[t].is_node().then_some(t)
    }
}

/// The field error `node(id:)` raises for a type name that is not a model type.
fn not_a_node(schema: &Schema, name: &str) -> String {
    let Some(t) = schema.type_id(name) else {
        return format!("Relay Node \"{name}\" not found in schema");
    };
    let ty = schema.ty(t);
    let builtin =
        name.starts_with("__") || matches!(name, "ID" | "String" | "Boolean" | "Int" | "Float");
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
