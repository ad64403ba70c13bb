//! Limits on what one request may cost, each with a command-line flag.
//!
//! Declared once as a table — flag, help text, default — from which the CLI parses the
//! flags, `--help` lists them and a test checks the README's table. Limits bound work, not
//! shape: statements, rows and response values are counted as a request runs (and checked
//! before each level of it), so a small answer never trips them. Every default lets through
//! any request the original answers within one second on the benchmark database (measured
//! by `benches/limits_rule.py`); stricter settings are one flag away.

use std::collections::HashMap;

use crate::graphql::ast::{Definition, Document, Operation, Selection, SelectionSet};
use crate::graphql::error::{GraphQLError, Limit};

#[derive(Debug, Clone, PartialEq)]
pub struct Limits {
    pub max_body: u64,
    pub max_query: u64,
    pub max_tokens: u64,
    pub max_depth: u64,
    pub max_statements: u64,
    pub max_nodes: u64,
    pub max_values: u64,
    pub max_list: u64,
    pub max_like: u64,
    pub timeout_ms: u64,
    pub max_connections: u64,
    pub read_timeout_ms: u64,
    pub workers: u64,
    pub max_queue: u64,
}

type Field = fn(&mut Limits) -> &mut u64;

/// `(limit, default, help, field)` for every limit.
pub const FLAGS: [(Limit, u64, &str, Field); 14] = [
    (Limit::Body, 512 << 20, "request body bytes (larger: HTTP 413)", |l| &mut l.max_body),
    (Limit::Query, 16 << 20, "query document bytes", |l| &mut l.max_query),
    (Limit::Tokens, 100_000, "lexical tokens in a query document", |l| &mut l.max_tokens),
    (Limit::Depth, 500, "nesting depth of selections, through fragments", |l| &mut l.max_depth),
    (Limit::Statements, 5_000, "SQL statements one request may run", |l| &mut l.max_statements),
    (Limit::Nodes, 200_000, "rows one request may read or show (a row under N parents: N)", |l| {
        &mut l.max_nodes
    }),
    (Limit::Values, 2_000_000, "values (object fields) in one response", |l| &mut l.max_values),
    (Limit::List, 100_000, "items in an `in`/`notIn` filter list", |l| &mut l.max_list),
    (Limit::Like, 50_000, "bytes in a `like`/`ilike`/`notlike` pattern", |l| &mut l.max_like),
    (
        Limit::Timeout,
        10_000,
        "time one request may run: its SQL, building and writing its answer",
        |l| &mut l.timeout_ms,
    ),
    (Limit::Connections, 1_024, "open client connections; more wait to be accepted", |l| {
        &mut l.max_connections
    }),
    (Limit::ReadTimeout, 10_000, "time to send request headers or body", |l| {
        &mut l.read_timeout_ms
    }),
    (
        Limit::Workers,
        0,
        "threads running queries, each with its own connection (0: four per core)",
        |l| &mut l.workers,
    ),
    (Limit::Queue, 1_024, "requests waiting for a free worker; more get HTTP 503", |l| {
        &mut l.max_queue
    }),
];

impl Default for Limits {
    fn default() -> Limits {
        let mut l = Limits {
            max_body: 0,
            max_query: 0,
            max_tokens: 0,
            max_depth: 0,
            max_statements: 0,
            max_nodes: 0,
            max_values: 0,
            max_list: 0,
            max_like: 0,
            timeout_ms: 0,
            max_connections: 0,
            read_timeout_ms: 0,
            workers: 0,
            max_queue: 0,
        };
        for (_, default, _, field) in FLAGS {
            *field(&mut l) = default;
        }
        l
    }
}

impl Limits {
    /// Sets the limit `flag` names, if it names one.
    pub fn set(&mut self, flag: &str, value: u64) -> bool {
        match FLAGS.iter().find(|(limit, ..)| limit.flag() == flag) {
            Some((_, _, _, field)) => {
                *field(self) = value;
                true
            }
            None => false,
        }
    }
}

/// The error for a request over `limit`, set to `value`.
pub fn exceeded(what: &str, limit: Limit, value: u64) -> GraphQLError {
    let flag = limit.flag();
    let mut e = GraphQLError::bare(format!("{what} exceeds the limit of {value} ({flag})."));
    e.limit = Some(limit);
    e
}

/// The error for a request that ran out of time.
pub fn timed_out(limits: &Limits) -> GraphQLError {
    exceeded("The time this request took", Limit::Timeout, limits.timeout_ms)
}

/// The error a client sees for a failed statement: a statement stopped at the deadline names
/// the time limit.
pub fn database_error(e: crate::db::DbError, limits: &Limits) -> GraphQLError {
    match e.interrupted {
        true => timed_out(limits),
        false => GraphQLError::bare(e.message),
    }
}

/// Checks the nesting depth of the operation to run, expanding fragments with memoised
/// depths so a document that multiplies fragments cannot make the check itself slow.
pub fn check_operation(
    doc: &Document,
    op: &Operation,
    limits: &Limits,
) -> Result<(), GraphQLError> {
    let fragments: HashMap<&str, &SelectionSet> = doc
        .definitions
        .iter()
        .filter_map(|d| match d {
            Definition::Fragment(f) => Some((f.name.value.as_str(), &f.selection_set)),
            _ => None,
        })
        .collect();
    let depth = set_depth(&op.selection_set, &fragments, &mut HashMap::new());
    if depth > limits.max_depth {
        let what = format!("A selection nesting depth of {depth}");
        return Err(exceeded(&what, Limit::Depth, limits.max_depth));
    }
    Ok(())
}

fn set_depth<'d>(
    set: &'d SelectionSet,
    fragments: &HashMap<&'d str, &'d SelectionSet>,
    memo: &mut HashMap<&'d str, u64>,
) -> u64 {
    let mut depth = 0;
    for sel in &set.items {
        let inner = match sel {
            Selection::Field(f) => set_depth(&f.selection_set, fragments, memo) + 1,
            Selection::InlineFragment(i) => set_depth(&i.selection_set, fragments, memo),
            Selection::FragmentSpread(s) => {
                let name = s.name.value.as_str();
                match memo.get(name) {
                    Some(d) => *d,
                    None => {
                        // Valid documents have no fragment cycles; mark first anyway.
                        memo.insert(name, 0);
                        let d = fragments.get(name).map_or(0, |f| set_depth(f, fragments, memo));
                        memo.insert(name, d);
                        d
                    }
                }
            }
        };
        depth = depth.max(inner);
    }
    depth
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(q: &str, limits: &Limits) -> Result<(), String> {
        let doc = crate::graphql::parse::parse(q).map_err(|e| e.message)?;
        let Definition::Operation(op) = &doc.definitions[0] else {
            return Err("no operation".into());
        };
        check_operation(&doc, op, limits).map_err(|e| e.message)
    }

    #[test]
    fn defaults_come_from_the_flag_table() {
        let l = Limits::default();
        assert_eq!((l.max_body, l.max_depth, l.timeout_ms), (512 << 20, 500, 10_000));
        let mut m = l.clone();
        assert!(m.set("--max-depth", 3));
        assert!(!m.set("--nope", 3));
        assert_eq!(m.max_depth, 3);
    }

    #[test]
    fn exceeded_errors_name_their_flag() {
        let e = exceeded("A response of more than 3 rows", Limit::Nodes, 3);
        assert_eq!(e.limit, Some(Limit::Nodes));
        assert!(e.message.ends_with("exceeds the limit of 3 (--max-nodes)."), "{}", e.message);
        assert_eq!(GraphQLError::bare("It exceeds the limit of 3 (--max-nodes).").limit, None);
    }

    #[test]
    fn depth_counts_through_fragments() {
        let l = Limits { max_depth: 3, ..Limits::default() };
        assert!(check("{ a { b { c } } }", &l).is_ok());
        assert_eq!(
            check("{ ...F } fragment F on Query { a { b { c { d } } } }", &l),
            Err("A selection nesting depth of 4 exceeds the limit of 3 (--max-depth).".into())
        );
    }

    #[test]
    fn fragment_bombs_are_measured_without_expanding_them() {
        let mut q = String::from("{ ...F0 }");
        for i in 0..40 {
            q.push_str(&format!(
                " fragment F{i} on Query {{ a {{ ...F{n} ...F{n} }} }}",
                n = i + 1
            ));
        }
        q.push_str(" fragment F40 on Query { a }");
        let l = Limits { max_depth: 40, ..Limits::default() };
        let err = check(&q, &l).expect_err("41 deep, 2^40 wide");
        assert!(err.contains("depth of 41"), "{err}");
    }
}
