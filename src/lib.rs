//! relaylite: a relay GraphQL API in graphene-sqlalchemy's shape for any SQLite or PostgreSQL
//! database (by default the graphene-sqlalchemy tutorial's, in SQLite), with a GraphQL
//! interpreter of its own.
//!
//! The [`model`] (reflected, or read from a model file) becomes one [`schema`], which the
//! [`app`] replaces when the database's tables change. A request flows through one module
//! per stage, each reading that schema:
//!
//! [`http`] → [`pool`] → [`graphql::parse`] → [`graphql::validate`] (both remembered per
//! query text by [`cache`]) → [`exec::plan`] → [`exec::execute`] (with [`exec::relay`],
//! [`exec::filter`], [`exec::keys`], [`exec::introspect`], [`db::sql`], [`db`]) → [`json`] →
//! [`http`].
//!
//! [`run`] is the in-process entry point that the HTTP server, the tests and the benches
//! share; it applies the original server's (graphql-server 3) rules for what becomes an
//! HTTP 400, a request-level error or a field error.

pub mod app;
pub mod auth;
pub mod cache;
pub mod http;
pub mod metrics;
pub mod options;
pub mod pool;

pub use app::App;
// The lower layers, crates of their own, under the paths the rest of the code reads them by.
pub use relaylite_exec::{datetime, db, exec, graphql, json, limits, model, schema};
use std::time::{Duration, Instant};

use db::Db;
use exec::{execute, plan};
use graphql::ast::{self, NoOperation, OperationKind};
use graphql::error::{GraphQLError, Limit};
use json::Value;

/// A GraphQL request as the transport delivered it.
#[derive(Debug, Default, Clone)]
pub struct Request {
    pub query: Option<String>,
    pub variables: serde_json::Map<String, serde_json::Value>,
    pub operation_name: Option<String>,
    /// `operationName` was given but is not a string.
    pub invalid_operation_name: bool,
    /// GET requests may not run mutations.
    pub via_get: bool,
    /// Who asks, when the model says who may read what (`auth`): the request runs on that
    /// role's schema and rows.
    pub session: Option<auth::Session>,
}

/// What became of a request.
#[derive(Debug)]
pub enum Outcome {
    /// The request itself is unusable: HTTP 400 with this message.
    BadRequest(String),
    /// The document did not parse or validate: `data` is null (strict clients get a 400).
    Invalid(Vec<GraphQLError>),
    /// Execution ran, or could not start (`data` null): the ordinary 200 answer.
    Executed { data: Value, errors: Vec<GraphQLError> },
    /// No database server answers: HTTP 503 with this message, for a load balancer to try
    /// another instance.
    Unavailable(String),
    /// The request's token does not let it run: HTTP 401 or 403.
    Denied(auth::Denied),
}

/// When a request that starts now must be answered by: `--timeout-ms` bounds the whole of
/// it, statements, building the answer and writing it.
pub fn deadline(limits: &limits::Limits) -> Instant {
    Instant::now() + Duration::from_millis(limits.timeout_ms)
}

/// Parses, validates, plans and executes one request.
pub fn run(app: &App, req: &Request) -> Outcome {
    let Some(query) = req.query.as_deref().filter(|q| !q.is_empty()) else {
        return Outcome::BadRequest("No GraphQL query found in the request".into());
    };
    let limits = &app.limits;
    if query.len() as u64 > limits.max_query {
        let what = format!("A query document of {} bytes", query.len());
        return Outcome::Invalid(vec![limits::exceeded(&what, Limit::Query, limits.max_query)]);
    }
    let role = req.session.as_ref().map_or("", |s| s.role.as_str());
    let entry = cache::entry(query, limits.max_tokens, role);
    let doc = match &entry.parsed {
        Ok(doc) => doc,
        Err(e) => return Outcome::Invalid(vec![e.clone()]),
    };
    if req.invalid_operation_name {
        return Outcome::BadRequest("Must provide a valid operation name.".into());
    }
    let kind = match operation_kind(doc, req.operation_name.as_deref()) {
        Ok(kind) => kind,
        Err(outcome) => return outcome,
    };
    if req.via_get && kind == OperationKind::Mutation {
        return Outcome::BadRequest("mutations are not allowed when using GET".into());
    }
    let deadline = deadline(limits);
    let timeout = deadline.saturating_duration_since(Instant::now());
    let answered = Db::with_connection(&app.db, |db| {
        // One rebuild at most: a schema that changes again mid-request is the next one's.
        match against_schema(app, db, &entry, req, deadline) {
            Err(Changed) => {
                app.rebuild(db, timeout);
                against_schema(app, db, &entry, req, deadline).unwrap_or_else(|Changed| {
                    Outcome::Executed {
                        data: Value::Null,
                        errors: vec![GraphQLError::bare(
                            "The database's tables changed while the request ran; send it again.",
                        )],
                    }
                })
            }
            Ok(outcome) => outcome,
        }
    });
    answered.unwrap_or_else(|e| match e.lost {
        true => Outcome::Unavailable(e.message),
        false => {
            Outcome::Executed { data: Value::Null, errors: vec![limits::database_error(e, limits)] }
        }
    })
}

/// The database's tables changed since the schema was built.
struct Changed;

/// Validates, plans and executes against the schema served now; `Changed` when the
/// transaction that would run the plan sees tables that schema was not built from.
fn against_schema(
    app: &App,
    db: &Db,
    entry: &cache::Entry,
    req: &Request,
    deadline: Instant,
) -> Result<Outcome, Changed> {
    let limits = &app.limits;
    let (served, rules) = match for_session(&app.schema(), req.session.as_ref(), limits) {
        Ok(role) => role,
        Err(denied) => return Ok(Outcome::Denied(denied)),
    };
    let schema = &*served;
    let valid = match entry.validated(&served) {
        Ok(v) => v,
        // What the tables gained since the schema was built is no error: a document the
        // schema turns away costs one look at the schema version before it is.
        Err(_) if db.schema_version_now().is_some_and(|v| app.changed(v)) => return Err(Changed),
        Err(errors) => return Ok(Outcome::Invalid(errors)),
    };
    let doc = valid.document();
    let op = plan::operation(doc, req.operation_name.as_deref()).ok();
    if let Some(op) = op
        && let Err(e) = limits::check_operation(doc, op, limits)
    {
        return Ok(Outcome::Invalid(vec![e]));
    }
    let no_variables = op.is_some_and(|op| op.variables.is_empty());
    let plan = match entry.plan(&served, &valid, req.operation_name.as_deref(), &req.variables) {
        Ok(p) => p,
        Err(errors) => return Ok(Outcome::Executed { data: Value::Null, errors }),
    };
    if !plan.reads_tables() {
        // Nothing to read: no transaction either, so a writer's lock holds this up never.
        if db.schema_version_now().is_some_and(|v| app.changed(v)) {
            return Err(Changed);
        }
        let kept = plan.introspection_only() && no_variables;
        return Ok(introspection(schema, db, limits, (&plan, kept, req), deadline));
    }
    let timeout = deadline.saturating_duration_since(Instant::now());
    let run = || {
        match db.schema_version() {
            Ok(version) if app.changed(version) => return Err(Changed),
            _ => {}
        }
        Ok(execute::execute(schema, db, limits, (&plan, &rules), deadline))
    };
    // `--pg-set-role`: the transaction runs as the token's role, with its claims.
    let run_as = req.session.as_ref().filter(|_| app.db.set_role).map(|s| db::RunAs {
        role: s.role.clone(),
        claims: serde_json::Value::Object(s.claims.clone()).to_string(),
    });
    let result = match (execute::one_statement(&schema.model, &plan), &run_as) {
        (true, None) => db.read_one(timeout, run),
        _ => db.read_as(timeout, run_as.as_ref(), run),
    };
    Ok(match result {
        Ok(Err(Changed)) => return Err(Changed),
        Ok(Ok(Ok((data, errors)))) => Outcome::Executed { data, errors },
        Ok(Ok(Err(e))) => Outcome::Executed { data: Value::Null, errors: vec![e] },
        Err(e) => {
            Outcome::Executed { data: Value::Null, errors: vec![limits::database_error(e, limits)] }
        }
    })
}

/// The schema and row rules a request runs on: the whole schema when the model names no
/// roles, else the session's role's, its rules resolved from the token's claims.
fn for_session(
    full: &std::sync::Arc<schema::Schema>,
    session: Option<&auth::Session>,
    limits: &limits::Limits,
) -> Result<(std::sync::Arc<schema::Schema>, relaylite_exec::access::RowRules), auth::Denied> {
    if full.model.access.is_none() {
        return Ok((full.clone(), Default::default()));
    }
    let Some(session) = session else {
        return Err(auth::Denied::Unauthorized("A token is required".into()));
    };
    let Some(role) = full.roles.iter().find(|r| r.name == session.role) else {
        let msg = format!("The token's role '{}' is not one of this server's", session.role);
        return Err(auth::Denied::Forbidden(msg));
    };
    let rules = role.resolve(full, &session.claims, limits).map_err(auth::Denied::Forbidden)?;
    Ok((role.schema.clone(), rules))
}

/// Runs a plan that reads no table. An introspection-only operation without variables
/// (`kept`) answers the same for the same schema: its text is kept on the schema and served
/// again without building anything.
fn introspection(
    schema: &schema::Schema,
    db: &Db,
    limits: &limits::Limits,
    (plan, kept, req): (&plan::Plan, bool, &Request),
    deadline: Instant,
) -> Outcome {
    let (query, name) = (req.query.as_deref().unwrap_or_default(), req.operation_name.as_deref());
    if let Some(text) = kept.then(|| schema.answers.get(query, name)).flatten() {
        return Outcome::Executed { data: Value::Raw(text), errors: Vec::new() };
    }
    // An empty answer stays a value: strict clients are sent no `data` for it.
    let empty = |data: &Value| matches!(data, Value::Object(f) if f.is_empty());
    match execute::execute(schema, db, limits, (plan, &Default::default()), deadline) {
        Ok((data, errors)) if kept && errors.is_empty() && !empty(&data) => {
            let mut text = String::with_capacity(4096);
            if data.write_by(&mut text, &mut json::Clock::until(deadline)).is_err() {
                return Outcome::Executed {
                    data: Value::Null,
                    errors: vec![limits::timed_out(limits)],
                };
            }
            let text: std::sync::Arc<str> = text.into();
            schema.answers.keep(query, name, text.clone());
            Outcome::Executed { data: Value::Raw(text), errors }
        }
        Ok((data, errors)) => Outcome::Executed { data, errors },
        Err(e) => Outcome::Executed { data: Value::Null, errors: vec![e] },
    }
}

/// graphql-server's `_get_operation_type`, checked before validation, with its answers to
/// a missing operation.
fn operation_kind(doc: &ast::Document, name: Option<&str>) -> Result<OperationKind, Outcome> {
    doc.operation(name).map(|op| op.kind).map_err(|missing| match missing {
        NoOperation::Ambiguous => Outcome::Executed {
            data: Value::Null,
            errors: vec![GraphQLError::bare(
                "Must provide operation name if query contains multiple operations.",
            )],
        },
        NoOperation::Unknown => Outcome::BadRequest(format!(
            "Unknown operation named \"{}\".",
            name.unwrap_or_default()
        )),
        NoOperation::Empty => Outcome::BadRequest("Can't get GraphQL operation type".into()),
    })
}

/// The response body text: `{"data": …, "errors": […]}`, each part only when present.
pub fn response_json(data: Option<&Value>, errors: &[GraphQLError]) -> String {
    let mut out = String::with_capacity(4096);
    let _ = write_response(data, errors, &mut out, &mut json::Clock::unbounded());
    out
}

/// The answer to a request that ran out of time: `data` null (when it has `data` at all)
/// and the error naming `--timeout-ms`.
pub fn timed_out_json(with_data: bool, limits: &limits::Limits) -> String {
    response_json(with_data.then_some(&Value::Null), &[limits::timed_out(limits)])
}

/// Writes `{"data": …, "errors": […]}` into `out`, each part only when present, by `clock`
/// (which may take the text in pieces as it grows).
pub fn write_response(
    data: Option<&Value>,
    errors: &[GraphQLError],
    out: &mut String,
    clock: &mut json::Clock<'_>,
) -> Result<(), json::TimedOut> {
    out.push('{');
    if let Some(d) = data {
        out.push_str("\"data\":");
        d.write_by(out, clock)?;
    }
    if !errors.is_empty() {
        if data.is_some() {
            out.push(',');
        }
        out.push_str("\"errors\":[");
        for (i, e) in errors.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            e.to_json().write_by(out, clock)?;
        }
        out.push(']');
    }
    out.push('}');
    Ok(())
}
