//! The numbers `/metrics` exposes, in Prometheus' text format: requests by status and kind,
//! their latency, SQL statements, errors by kind, the query pool's load, and whether each
//! database answers.
//!
//! prometheus-client holds the values in atomics (a family adds a read lock and a hash of
//! its few labels), so counting a request costs a handful of atomic operations. The kinds
//! of request and of error are closed sets, read off what the request became (`Outcome`),
//! so that label values stay few and are documented in the README.

use std::time::Duration;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

use crate::graphql::ast::{Definition, Document, Selection, SelectionSet};
use crate::graphql::error::Limit;
use crate::json::Value;
use crate::pool::Load;
use crate::{Outcome, Request};

/// What a request asked for: the `kind` label of requests and their latency.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Kind {
    /// A GraphQL operation that may read tables.
    Query,
    /// A GraphQL operation that selects only `__schema`, `__type` and `__typename`.
    Introspection,
    /// GraphiQL's page and its static files.
    Graphiql,
    /// Anything else: no operation to run, unknown paths, preflights.
    #[default]
    Other,
}

/// Why a request failed: the `kind` label of `relaylite_errors_total`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Failure {
    /// An unusable request: HTTP 400, or no operation to run.
    Request,
    /// The document does not parse or validate, or its variables do not fit.
    Validation,
    /// Execution ran with field errors.
    Field,
    /// Over a limit (`--max-*`, `--read-timeout-ms`), other than the three below.
    Limit,
    /// Out of `--timeout-ms`.
    Timeout,
    /// The database could not be read at all (open, begin, or its tables changed).
    Database,
    /// Every worker busy and the queue full: HTTP 503.
    Overloaded,
    /// Past `--max-body`: HTTP 413.
    BodyTooLarge,
    /// A request that failed inside the server: HTTP 500.
    Internal,
    /// A token missing, invalid or naming no role of the server: HTTP 401 or 403.
    Denied,
}

impl Kind {
    fn label(self) -> &'static str {
        match self {
            Kind::Query => "query",
            Kind::Introspection => "introspection",
            Kind::Graphiql => "graphiql",
            Kind::Other => "other",
        }
    }
}

impl Failure {
    const ALL: [Failure; 10] = [
        Failure::Request,
        Failure::Validation,
        Failure::Field,
        Failure::Limit,
        Failure::Timeout,
        Failure::Database,
        Failure::Overloaded,
        Failure::BodyTooLarge,
        Failure::Internal,
        Failure::Denied,
    ];

    fn label(self) -> &'static str {
        match self {
            Failure::Request => "request",
            Failure::Validation => "validation",
            Failure::Field => "field",
            Failure::Limit => "limit",
            Failure::Timeout => "timeout",
            Failure::Database => "database",
            Failure::Overloaded => "overloaded",
            Failure::BodyTooLarge => "body_too_large",
            Failure::Internal => "internal",
            Failure::Denied => "denied",
        }
    }

    /// The failure an answer's status alone tells, for answers made before any GraphQL.
    pub fn of_status(status: u16) -> Option<Failure> {
        match status {
            400 => Some(Failure::Request),
            408 => Some(Failure::Limit),
            401 | 403 => Some(Failure::Denied),
            413 => Some(Failure::BodyTooLarge),
            500 => Some(Failure::Internal),
            503 => Some(Failure::Overloaded),
            _ => None,
        }
    }
}

/// What the GraphQL side learnt about a request, carried on its response to where it is
/// counted.
#[derive(Clone, Copy, Debug, Default)]
pub struct Observed {
    pub kind: Kind,
    pub failure: Option<Failure>,
    /// SQL statements the request ran.
    pub statements: u64,
}

impl Observed {
    /// A GraphQL request that ran to `outcome`, having run `statements` statements. Reads
    /// the document from this thread's cache, where running it left it (a document too
    /// long to be cached counts as a query).
    pub fn of(req: &Request, outcome: &Outcome, max_tokens: u64, statements: u64) -> Observed {
        let role = req.session.as_ref().map_or("", |s| s.role.as_str());
        let doc = req.query.as_deref().and_then(|q| crate::cache::cached(q, max_tokens, role));
        let kind = match doc.as_ref().map(|e| e.parsed.as_ref()) {
            Some(Ok(doc)) => operation_kind(doc, req.operation_name.as_deref()),
            Some(Err(_)) | None => Some(Kind::Query),
        };
        let failure = match kind {
            None => Some(Failure::Request),
            Some(_) => failure(outcome),
        };
        Observed { kind: kind.unwrap_or(Kind::Other), failure, statements }
    }
}

/// The kind of the operation `name` picks (the only one when `None`); `None` when it picks
/// none, which the request then fails for.
fn operation_kind(doc: &Document, name: Option<&str>) -> Option<Kind> {
    let op = doc.operation(name).ok()?;
    Some(match only_introspection(doc, &op.selection_set, 0) {
        true => Kind::Introspection,
        false => Kind::Query,
    })
}

/// Whether `set` selects only `__` fields, through fragments (depth-bounded: an invalid
/// document may spread fragments in a cycle).
fn only_introspection(doc: &Document, set: &SelectionSet, depth: usize) -> bool {
    depth < 16
        && set.items.iter().all(|s| match s {
            Selection::Field(f) => f.name.value.starts_with("__"),
            Selection::InlineFragment(i) => only_introspection(doc, &i.selection_set, depth + 1),
            Selection::FragmentSpread(spread) => doc.definitions.iter().any(|d| {
                matches!(d, Definition::Fragment(f) if f.name.value == spread.name.value
                    && only_introspection(doc, &f.selection_set, depth + 1))
            }),
        })
}

/// The failure `outcome` reports, if any: by the first error, as graphql-core orders them.
fn failure(outcome: &Outcome) -> Option<Failure> {
    let (errors, data_null) = match outcome {
        Outcome::BadRequest(_) => return Some(Failure::Request),
        Outcome::Unavailable(_) => return Some(Failure::Database),
        Outcome::Denied(_) => return Some(Failure::Denied),
        Outcome::Invalid(errors) => (errors, true),
        Outcome::Executed { data, errors } => (errors, matches!(data, Value::Null)),
    };
    let first = errors.first()?;
    Some(match first.limit {
        Some(Limit::Timeout) => Failure::Timeout,
        Some(_) => Failure::Limit,
        None if matches!(outcome, Outcome::Invalid(_)) => Failure::Validation,
        None if !first.path.is_empty() || !data_null => Failure::Field,
        // Before execution: variables that do not fit point at their definitions, a
        // database that cannot be read points nowhere.
        None if first.locations.is_empty() => Failure::Database,
        None => Failure::Validation,
    })
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    code: u16,
    kind: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct KindLabel {
    kind: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct DatabaseLabels {
    role: String,
    url: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ConnectionLabels {
    role: String,
    url: String,
    state: &'static str,
}

/// Latency buckets, seconds: 100 µs to 10 s in steps of 1, 2.5, 5.
const BUCKETS: [f64; 16] = [
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
    5.0, 10.0,
];

/// The server's metrics; one per server.
pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: Family<KindLabel, Histogram, fn() -> Histogram>,
    statements: Counter,
    errors: Family<KindLabel, Counter>,
    pool: [Gauge; 3],
    databases: Family<DatabaseLabels, Gauge>,
    connections: Family<ConnectionLabels, Gauge>,
    /// GraphQL requests by the role their token named (roles come from the model file: a
    /// bounded set, whatever the tokens).
    roles: Family<RoleLabel, Counter>,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RoleLabel {
    role: String,
}

impl Default for Metrics {
    fn default() -> Metrics {
        let m = Metrics {
            registry: Registry::default(),
            requests: Family::default(),
            latency: Family::new_with_constructor(|| Histogram::new(BUCKETS)),
            statements: Counter::default(),
            errors: Family::default(),
            pool: Default::default(),
            databases: Family::default(),
            connections: Family::default(),
            roles: Family::default(),
        };
        // Every kind of error from the start, so that a rate over it is never missing.
        for f in Failure::ALL {
            let _ = m.errors.get_or_create(&KindLabel { kind: f.label() });
        }
        m.register()
    }
}

impl Metrics {
    fn register(mut self) -> Metrics {
        let r = &mut self.registry;
        let help = "HTTP requests answered, by status code and kind (query, introspection, graphiql, other)";
        r.register("relaylite_http_requests", help, self.requests.clone());
        let help = "Time from a request's head to its answer being ready, by kind";
        r.register("relaylite_http_request_duration_seconds", help, self.latency.clone());
        let help = "SQL statements run for requests";
        r.register("relaylite_sql_statements", help, self.statements.clone());
        let help = "Failed requests, by kind (request, validation, field, limit, timeout, database, overloaded, body_too_large, internal)";
        r.register("relaylite_errors", help, self.errors.clone());
        let [threads, running, waiting] = &self.pool;
        r.register("relaylite_pool_threads", "Threads running queries", threads.clone());
        r.register("relaylite_pool_running", "Requests on a query thread now", running.clone());
        r.register(
            "relaylite_pool_waiting",
            "Requests queued for a query thread now",
            waiting.clone(),
        );
        let help = "Whether the database answered a trivial read at this scrape (1) or not (0), by role and URL";
        r.register("relaylite_database_up", help, self.databases.clone());
        let help = "PostgreSQL connections in each server's pool now, open and of those idle";
        r.register("relaylite_database_connections", help, self.connections.clone());
        let help = "GraphQL requests by the role their token named (where the model names roles)";
        r.register("relaylite_role_requests", help, self.roles.clone());
        self
    }

    /// Counts one answered request.
    pub fn record(&self, code: u16, seen: &Observed, elapsed: Duration) {
        let kind = seen.kind.label();
        self.requests.get_or_create(&RequestLabels { code, kind }).inc();
        self.latency.get_or_create(&KindLabel { kind }).observe(elapsed.as_secs_f64());
        if seen.statements > 0 {
            self.statements.inc_by(seen.statements);
        }
        if let Some(f) = seen.failure {
            self.errors.get_or_create(&KindLabel { kind: f.label() }).inc();
        }
    }

    /// Counts a request that ran as `role`.
    pub fn role(&self, role: &str) {
        self.roles.get_or_create(&RoleLabel { role: role.into() }).inc();
    }

    /// Sets whether the database at `url` answered just now: one series per server, `role`
    /// `primary` or `replica` (SQLite has one file, its path, as `primary`); a URL must carry
    /// no password.
    pub fn database_up(&self, role: &str, url: &str, up: bool) {
        let labels = DatabaseLabels { role: role.into(), url: url.into() };
        self.databases.get_or_create(&labels).set(i64::from(up));
    }

    /// Sets how many connections a PostgreSQL server's pool holds now, and how many idle.
    pub fn database_connections(&self, role: &str, url: &str, (open, idle): (u32, u32)) {
        for (state, n) in [("open", open), ("idle", idle)] {
            let labels = ConnectionLabels { role: role.into(), url: url.into(), state };
            self.connections.get_or_create(&labels).set(i64::from(n));
        }
    }

    /// The text exposition, with the pool's size and load as they are now.
    pub fn render(&self, threads: usize, load: &Load) -> String {
        let [size, running, waiting] = &self.pool;
        size.set(i64::try_from(threads).unwrap_or(i64::MAX));
        running.set(i64::try_from(load.running()).unwrap_or(i64::MAX));
        waiting.set(i64::try_from(load.waiting()).unwrap_or(i64::MAX));
        let mut out = String::new();
        // Writing to a String cannot fail.
        let _ = prometheus_client::encoding::prometheus_text::encode(&mut out, &self.registry);
        out
    }
}

/// The content type of `Metrics::render`'s text.
pub const CONTENT_TYPE: &str = prometheus_client::encoding::prometheus_text::CONTENT_TYPE;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graphql::error::{GraphQLError, PathSeg, Pos};

    fn kind(query: &str, name: Option<&str>) -> Option<Kind> {
        operation_kind(&crate::graphql::parse::parse(query).expect("parses"), name)
    }

    #[test]
    fn introspection_is_an_operation_of_only_double_underscore_fields() {
        assert_eq!(
            kind("{ __schema { types { name } } __typename }", None),
            Some(Kind::Introspection)
        );
        let spread = "query Q { ...F } fragment F on Query { ... on Query { __type(name: \"X\") { name } } }";
        assert_eq!(kind(spread, None), Some(Kind::Introspection));
        assert_eq!(kind("{ __typename allRoles { edges { cursor } } }", None), Some(Kind::Query));
        let two = "query A { __typename } query B { allRoles { edges { cursor } } }";
        assert_eq!(kind(two, Some("A")), Some(Kind::Introspection));
        assert_eq!(kind(two, Some("B")), Some(Kind::Query));
        assert_eq!(kind(two, None), None, "no operation to run");
        assert_eq!(kind(two, Some("C")), None);
        let cycle = "{ ...F } fragment F on Query { ...G } fragment G on Query { ...F }";
        assert_eq!(kind(cycle, None), Some(Kind::Query));
    }

    #[test]
    fn errors_are_classified_by_what_failed() {
        let at = Pos { line: 1, column: 3 };
        let executed =
            |data, e: GraphQLError| failure(&Outcome::Executed { data, errors: vec![e] });
        let limit = crate::limits::exceeded("A response of more than 3 rows", Limit::Nodes, 3);
        let timeout = crate::limits::exceeded("The time this request took", Limit::Timeout, 9);
        let cases = [
            (failure(&Outcome::BadRequest("No GraphQL query".into())), Failure::Request),
            (
                failure(&Outcome::Invalid(vec![GraphQLError::at("Cannot query", at)])),
                Failure::Validation,
            ),
            (failure(&Outcome::Invalid(vec![limit.clone()])), Failure::Limit),
            (executed(Value::Null, limit), Failure::Limit),
            (executed(Value::Null, timeout), Failure::Timeout),
            (
                executed(Value::Null, GraphQLError::at("Variable '$id' of required type", at)),
                Failure::Validation,
            ),
            (
                executed(Value::Null, GraphQLError::bare("file is not a database")),
                Failure::Database,
            ),
            (
                executed(
                    Value::Object(vec![]),
                    GraphQLError::at("Int cannot represent", at)
                        .with_path(vec![PathSeg::Key("a".into())]),
                ),
                Failure::Field,
            ),
        ];
        for (got, want) in cases {
            assert_eq!(got, Some(want));
        }
        assert_eq!(failure(&Outcome::Executed { data: Value::Null, errors: vec![] }), None);
    }
}
