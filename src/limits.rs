//! Limits on what one request may cost, each with a command-line flag.
//!
//! Declared once as a table — flag, help text, default — from which the CLI parses the
//! flags, `--help` lists them and the README's table is written. Defaults leave every
//! ordinary query answered as the original answers it (pages of a few thousand rows, the
//! introspection query); stricter settings are one flag away.

use std::collections::HashMap;

use crate::ast::{Definition, Document, Operation, Selection, SelectionSet};
use crate::error::GraphQLError;

#[derive(Debug, Clone, PartialEq)]
pub struct Limits {
    pub max_body: u64,
    pub max_query: u64,
    pub max_tokens: u64,
    pub max_depth: u64,
    pub max_aliases: u64,
    pub max_root_fields: u64,
    pub max_nodes: u64,
    pub max_page: u64,
    pub max_list: u64,
    pub max_like: u64,
    pub timeout_ms: u64,
    pub max_connections: u64,
    pub read_timeout_ms: u64,
    pub workers: u64,
    pub max_queue: u64,
}

type Field = fn(&mut Limits) -> &mut u64;

/// `(flag, default, help)` for every limit.
pub const FLAGS: [(&str, u64, &str, Field); 15] = [
    ("--max-body", 1 << 20, "request body bytes (larger: HTTP 413)", |l| &mut l.max_body),
    ("--max-query", 256 * 1024, "query document bytes", |l| &mut l.max_query),
    ("--max-tokens", 20_000, "lexical tokens in a query document", |l| &mut l.max_tokens),
    ("--max-depth", 25, "nesting depth of selections, through fragments", |l| &mut l.max_depth),
    ("--max-aliases", 100, "aliased fields in an operation, through fragments", |l| {
        &mut l.max_aliases
    }),
    ("--max-root-fields", 50, "fields at the root of an operation", |l| &mut l.max_root_fields),
    ("--max-nodes", 200_000, "rows a response may hold, counted as they are read", |l| {
        &mut l.max_nodes
    }),
    ("--max-page", 100_000, "largest `first` or `last`", |l| &mut l.max_page),
    ("--max-list", 10_000, "items in an `in`/`notIn` filter list", |l| &mut l.max_list),
    ("--max-like", 1_000, "characters in a `like`/`ilike`/`notlike` pattern", |l| &mut l.max_like),
    ("--timeout-ms", 10_000, "time one request may run, enforced inside SQLite", |l| {
        &mut l.timeout_ms
    }),
    ("--max-connections", 1_024, "open client connections; more wait to be accepted", |l| {
        &mut l.max_connections
    }),
    ("--read-timeout-ms", 10_000, "time to send request headers or body", |l| {
        &mut l.read_timeout_ms
    }),
    (
        "--workers",
        0,
        "threads running queries, each with its own connection (0: four per core)",
        |l| &mut l.workers,
    ),
    ("--max-queue", 1_024, "requests waiting for a free worker; more get HTTP 503", |l| {
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
            max_aliases: 0,
            max_root_fields: 0,
            max_nodes: 0,
            max_page: 0,
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
        match FLAGS.iter().find(|(f, ..)| *f == flag) {
            Some((_, _, _, field)) => {
                *field(self) = value;
                true
            }
            None => false,
        }
    }
}

/// The error for a request over `flag`'s limit.
pub fn exceeded(what: &str, flag: &str, limit: u64) -> GraphQLError {
    GraphQLError::bare(format!("{what} exceeds the limit of {limit} ({flag})."))
}

/// What an operation costs once its fragments are expanded.
#[derive(Debug, Default, Clone, Copy)]
struct Cost {
    depth: u64,
    aliases: u64,
}

/// Checks depth, aliases and root fields of the operation to run, expanding fragments with
/// memoised costs so a document that multiplies fragments cannot make the check itself slow.
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
    let mut memo = HashMap::new();
    let cost = set_cost(&op.selection_set, &fragments, &mut memo);
    if cost.depth > limits.max_depth {
        return Err(exceeded(
            &format!("A selection nesting depth of {}", cost.depth),
            "--max-depth",
            limits.max_depth,
        ));
    }
    if cost.aliases > limits.max_aliases {
        return Err(exceeded(
            &format!("{} aliased fields", cost.aliases),
            "--max-aliases",
            limits.max_aliases,
        ));
    }
    let roots = root_fields(&op.selection_set, &fragments, &mut Vec::new());
    if roots > limits.max_root_fields {
        return Err(exceeded(
            &format!("{roots} root fields"),
            "--max-root-fields",
            limits.max_root_fields,
        ));
    }
    Ok(())
}

fn set_cost<'d>(
    set: &'d SelectionSet,
    fragments: &HashMap<&'d str, &'d SelectionSet>,
    memo: &mut HashMap<&'d str, Cost>,
) -> Cost {
    let mut cost = Cost::default();
    for sel in &set.items {
        let inner = match sel {
            Selection::Field(f) => {
                let sub = set_cost(&f.selection_set, fragments, memo);
                let aliased = u64::from(f.alias.is_some());
                Cost { depth: sub.depth + 1, aliases: sub.aliases.saturating_add(aliased) }
            }
            Selection::InlineFragment(i) => set_cost(&i.selection_set, fragments, memo),
            Selection::FragmentSpread(s) => {
                let name = s.name.value.as_str();
                match memo.get(name) {
                    Some(c) => *c,
                    None => {
                        // Valid documents have no fragment cycles; mark first anyway.
                        memo.insert(name, Cost::default());
                        let c = fragments
                            .get(name)
                            .map(|f| set_cost(f, fragments, memo))
                            .unwrap_or_default();
                        memo.insert(name, c);
                        c
                    }
                }
            }
        };
        cost.depth = cost.depth.max(inner.depth);
        cost.aliases = cost.aliases.saturating_add(inner.aliases);
    }
    cost
}

fn root_fields<'d>(
    set: &'d SelectionSet,
    fragments: &HashMap<&'d str, &'d SelectionSet>,
    seen: &mut Vec<&'d str>,
) -> u64 {
    let mut n: u64 = 0;
    for sel in &set.items {
        n = n.saturating_add(match sel {
            Selection::Field(_) => 1,
            Selection::InlineFragment(i) => root_fields(&i.selection_set, fragments, seen),
            Selection::FragmentSpread(s) if !seen.contains(&s.name.value.as_str()) => {
                seen.push(&s.name.value);
                fragments
                    .get(s.name.value.as_str())
                    .map(|f| root_fields(f, fragments, seen))
                    .unwrap_or(0)
            }
            Selection::FragmentSpread(_) => 0,
        });
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(q: &str, limits: &Limits) -> Result<(), String> {
        let doc = crate::parse::parse(q).map_err(|e| e.message)?;
        let Definition::Operation(op) = &doc.definitions[0] else {
            return Err("no operation".into());
        };
        check_operation(&doc, op, limits).map_err(|e| e.message)
    }

    #[test]
    fn defaults_come_from_the_flag_table() {
        let l = Limits::default();
        assert_eq!((l.max_body, l.max_depth, l.timeout_ms), (1 << 20, 25, 10_000));
        let mut m = l.clone();
        assert!(m.set("--max-depth", 3));
        assert!(!m.set("--nope", 3));
        assert_eq!(m.max_depth, 3);
    }

    #[test]
    fn depth_aliases_and_root_fields_count_through_fragments() {
        let mut l = Limits::default();
        l.max_depth = 3;
        assert!(check("{ a { b { c } } }", &l).is_ok());
        assert_eq!(
            check("{ ...F } fragment F on Query { a { b { c { d } } } }", &l),
            Err("A selection nesting depth of 4 exceeds the limit of 3 (--max-depth).".into())
        );
        l.max_aliases = 2;
        assert!(check("{ x: a ...F } fragment F on Query { y: a z: a }", &l).is_err());
        l.max_root_fields = 2;
        assert!(check("{ a b ... on Query { c } }", &l).is_err());
    }

    #[test]
    fn fragment_bombs_are_counted_without_expanding_them() {
        let mut q = String::from("{ ...F0 }");
        for i in 0..40 {
            q.push_str(&format!(" fragment F{i} on Query {{ a: x ...F{n} ...F{n} }}", n = i + 1));
        }
        q.push_str(" fragment F40 on Query { a: x }");
        let l = Limits::default();
        let err = check(&q, &l).expect_err("2^40 aliases");
        assert!(err.contains("--max-aliases"), "{err}");
    }
}
