//! One error type for everything a client sees: `message`, `locations`, `path`.
//!
//! graphql-core orders error keys `message, locations, path` and leaves out the ones it does
//! not have; `GraphQLError::to_json` does the same, so every stage just builds values.

use crate::json::Value;

/// A 1-based line and column, counted in Unicode code points as graphql-core counts them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Pos {
    pub line: u32,
    pub column: u32,
}

/// One step of a response path: an object key or a list index. Ordered as Python orders
/// path items, which graphql-core sorts errors by: keys by code point, indexes by number.
/// (Python cannot compare a key with an index; no two errors at one location have paths
/// that differ that way, so the derived order of the variants serves.)
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PathSeg {
    Key(String),
    Index(usize),
}

#[derive(Clone, Debug, PartialEq)]
pub struct GraphQLError {
    pub message: String,
    pub locations: Vec<Pos>,
    pub path: Vec<PathSeg>,
    /// The limit it reports, when it reports one: what the metrics count it as. Not part
    /// of the answer.
    pub limit: Option<Limit>,
}

/// What one request may cost, each limit named by the command-line flag that sets it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Limit {
    Body,
    Query,
    Tokens,
    Depth,
    Statements,
    Nodes,
    Values,
    List,
    Like,
    Timeout,
    Connections,
    ReadTimeout,
    Workers,
    Queue,
}

impl Limit {
    pub fn flag(self) -> &'static str {
        match self {
            Limit::Body => "--max-body",
            Limit::Query => "--max-query",
            Limit::Tokens => "--max-tokens",
            Limit::Depth => "--max-depth",
            Limit::Statements => "--max-statements",
            Limit::Nodes => "--max-nodes",
            Limit::Values => "--max-values",
            Limit::List => "--max-list",
            Limit::Like => "--max-like",
            Limit::Timeout => "--timeout-ms",
            Limit::Connections => "--max-connections",
            Limit::ReadTimeout => "--read-timeout-ms",
            Limit::Workers => "--workers",
            Limit::Queue => "--max-queue",
        }
    }
}

impl GraphQLError {
    pub fn new(message: impl Into<String>, locations: Vec<Pos>) -> Self {
        GraphQLError { message: message.into(), locations, path: Vec::new(), limit: None }
    }

    pub fn at(message: impl Into<String>, pos: Pos) -> Self {
        Self::new(message, vec![pos])
    }

    pub fn bare(message: impl Into<String>) -> Self {
        Self::new(message, Vec::new())
    }

    /// The same error, pointing at `locations` (a field's, for an error found in its
    /// arguments' values).
    pub fn at_all(mut self, locations: Vec<Pos>) -> Self {
        self.locations = locations;
        self
    }

    pub fn with_path(mut self, path: Vec<PathSeg>) -> Self {
        self.path = path;
        self
    }

    pub fn to_json(&self) -> Value {
        let mut fields = vec![("message".into(), Value::Str(self.message.as_str().into()))];
        if !self.locations.is_empty() {
            let locations = self
                .locations
                .iter()
                .map(|p| {
                    Value::Object(vec![
                        ("line".into(), Value::Int(p.line.into())),
                        ("column".into(), Value::Int(p.column.into())),
                    ])
                })
                .collect();
            fields.push(("locations".into(), Value::List(locations)));
        }
        if !self.path.is_empty() {
            let path = self
                .path
                .iter()
                .map(|seg| match seg {
                    PathSeg::Key(k) => Value::Str(k.as_str().into()),
                    PathSeg::Index(i) => Value::Int(*i as i64),
                })
                .collect();
            fields.push(("path".into(), Value::List(path)));
        }
        Value::Object(fields)
    }
}
