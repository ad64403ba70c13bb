//! The `filter` argument, turned into joins and WHERE clauses the way graphene-sqlalchemy 3
//! builds them.
//!
//! Semantics follow the original's `execute_filters`: a many-to-one filter adds an inner
//! join; each `contains` entry adds an inner join of the related table and makes the query
//! DISTINCT; the clauses of all entries of an `and`/`or` list are flattened into one
//! AND/OR. Errors are the texts the original's field error carries.

use crate::input::Input;
use crate::limits::{self, Limits};
use crate::model::{self, RelationKind, TABLES, TableId};
use crate::sql::{CmpOp, Col, Expr, Param, Select};

/// Applies `filter` (an input object of `table`'s filter type) to `select`.
pub fn apply(select: &mut Select, filter: &Input, limits: &Limits) -> Result<(), String> {
    check_sizes(filter, limits)?;
    let clauses = clauses(select, 0, filter)?;
    select.filter.extend(clauses);
    Ok(())
}

fn clauses(select: &mut Select, source: usize, filter: &Input) -> Result<Vec<Expr>, String> {
    let Input::Object(fields) = filter else {
        return Err("'NoneType' object has no attribute 'items'".into());
    };
    let table = &TABLES[select.table_of(source)];
    let mut out = Vec::new();
    for (name, value) in fields {
        match name.as_str() {
            "and" | "or" => {
                let items = list(value)?;
                let mut all = Vec::new();
                for item in items {
                    all.extend(clauses(select, source, item)?);
                }
                if !all.is_empty() {
                    out.push(if name == "and" { Expr::And(all) } else { Expr::Or(all) });
                }
            }
            _ => {
                if let Some(c) =
                    table.columns.iter().position(|c| model::field_name(c.name) == *name)
                {
                    let pk = c == table.pk;
                    out.extend(column_clauses(Col { source, column: c }, pk, value)?);
                } else if let Some(r) = table.relationships.iter().position(|r| r.name == name) {
                    out.extend(relation_clauses(
                        select,
                        source,
                        select.table_of(source),
                        r,
                        value,
                    )?);
                }
            }
        }
    }
    Ok(out)
}

fn list(value: &Input) -> Result<&[Input], String> {
    match value {
        Input::List(items) => Ok(items),
        _ => Err("'NoneType' object is not iterable".into()),
    }
}

fn relation_clauses(
    select: &mut Select,
    source: usize,
    table: TableId,
    r: usize,
    value: &Input,
) -> Result<Vec<Expr>, String> {
    let rel = &TABLES[table].relationships[r];
    match rel.kind {
        RelationKind::ManyToOne => {
            let target_pk = TABLES[rel.target].pk;
            let joined = select.join(rel.target, Col { source, column: rel.column }, target_pk);
            clauses(select, joined, value)
        }
        RelationKind::OneToMany => {
            let Input::Object(ops) = value else {
                return Err("'NoneType' object has no attribute 'items'".into());
            };
            let mut out = Vec::new();
            for (op, entries) in ops {
                if op == "containsExactly" {
                    out.push(contains_exactly(select, source, table, r, list(entries)?)?);
                    continue;
                }
                let mut any = Vec::new();
                for entry in list(entries)? {
                    let pk = TABLES[table].pk;
                    let joined = select.join(rel.target, Col { source, column: pk }, rel.column);
                    select.distinct = true;
                    let inner = clauses(select, joined, entry)?;
                    if !inner.is_empty() {
                        any.push(Expr::And(inner));
                    }
                }
                if !any.is_empty() {
                    out.push(Expr::Or(any));
                }
            }
            Ok(out)
        }
    }
}

/// `containsExactly`, as graphene-sqlalchemy's docs define it (the original only raises
/// NotImplementedError): the parent's related rows are exactly those the entries match —
/// every entry matches at least one related row, and every related row matches an entry.
fn contains_exactly(
    select: &Select,
    source: usize,
    table: TableId,
    r: usize,
    entries: &[Input],
) -> Result<Expr, String> {
    let rel = &TABLES[table].relationships[r];
    let target = &TABLES[rel.target];
    let depth = select.depth() + 1;
    let parent_pk = Col { source, column: TABLES[table].pk };
    let related = |depth: usize| {
        let mut sub = Select::nested(rel.target, depth);
        sub.filter.push(Expr::Correlate {
            inner: Col { source: 0, column: rel.column },
            outer: parent_pk,
        });
        sub
    };
    // A related row (of the subquery at `depth`) that matches one entry.
    let matches = |entry: &Input| -> Result<Expr, String> {
        let mut m = Select::nested(rel.target, depth + 1);
        m.filter.push(Expr::Correlate {
            inner: Col { source: 0, column: target.pk },
            outer: Col { source: 0, column: target.pk },
        });
        let inner = clauses(&mut m, 0, entry)?;
        m.filter.extend(inner);
        Ok(Expr::Exists(Box::new(m)))
    };
    let mut all = Vec::new();
    let mut others = related(depth);
    let any: Vec<Expr> = entries.iter().map(matches).collect::<Result<_, _>>()?;
    if !any.is_empty() {
        others.filter.push(Expr::Not(Box::new(Expr::Or(any))));
    }
    all.push(Expr::Not(Box::new(Expr::Exists(Box::new(others)))));
    for entry in entries {
        let mut found = related(depth);
        let inner = clauses(&mut found, 0, entry)?;
        found.filter.extend(inner);
        all.push(Expr::Exists(Box::new(found)));
    }
    Ok(Expr::And(all))
}

/// `--max-list` and `--max-like`, anywhere in the filter: one list becomes one bound
/// parameter per item, and SQLite refuses long patterns with a less helpful error.
fn check_sizes(filter: &Input, limits: &Limits) -> Result<(), String> {
    let Input::Object(fields) = filter else {
        if let Input::List(items) = filter {
            for item in items {
                check_sizes(item, limits)?;
            }
        }
        return Ok(());
    };
    for (name, value) in fields {
        match (name.as_str(), value) {
            ("in" | "notIn", Input::List(items)) if items.len() as u64 > limits.max_list => {
                let what = format!("A list of {} values", items.len());
                return Err(limits::exceeded(&what, "--max-list", limits.max_list).message);
            }
            ("like" | "ilike" | "notlike", Input::String(p))
                if p.chars().count() as u64 > limits.max_like =>
            {
                let what = format!("A pattern of {} characters", p.chars().count());
                return Err(limits::exceeded(&what, "--max-like", limits.max_like).message);
            }
            _ => check_sizes(value, limits)?,
        }
    }
    Ok(())
}

const NONE_OPERATORS: &str = "Only '=', '!=', 'is_()', 'is_not()', 'is_distinct_from()', 'is_not_distinct_from()' operators can be used with None/True/False";

fn column_clauses(col: Col, pk: bool, ops: &Input) -> Result<Vec<Expr>, String> {
    let Input::Object(ops) = ops else {
        return Err("'NoneType' object has no attribute 'items'".into());
    };
    let mut out = Vec::new();
    for (op, v) in ops {
        let value = || param(v, pk);
        let clause = match op.as_str() {
            "eq" if *v == Input::Null => Expr::IsNull(col),
            "eq" => Expr::Cmp(col, CmpOp::Eq, value()),
            "nEq" if *v == Input::Null => Expr::Not(Box::new(Expr::IsNull(col))),
            "nEq" => Expr::Not(Box::new(Expr::Cmp(col, CmpOp::Eq, value()))),
            "in" | "notIn" => {
                let Input::List(items) = v else {
                    return Err(format!(
                        "IN expression list, SELECT construct, or bound parameter object expected, got {}.",
                        "None"
                    ));
                };
                let params: Vec<Param> = items.iter().map(|x| param(x, pk)).collect();
                match (op.as_str(), params.is_empty()) {
                    ("in", true) => Expr::False,
                    ("in", false) => Expr::In(col, params),
                    (_, true) => Expr::True,
                    (_, false) => Expr::NotIn(col, params),
                }
            }
            "gt" | "gte" | "lt" | "lte" => {
                if *v == Input::Null {
                    return Err(NONE_OPERATORS.into());
                }
                let cmp = match op.as_str() {
                    "gt" => CmpOp::Gt,
                    "gte" => CmpOp::Gte,
                    "lt" => CmpOp::Lt,
                    _ => CmpOp::Lte,
                };
                Expr::Cmp(col, cmp, value())
            }
            // SQLAlchemy refuses to compare None with anything but (in)equality.
            "like" | "notlike" | "ilike" if *v == Input::Null => return Err(NONE_OPERATORS.into()),
            "like" => Expr::Like(col, value()),
            "notlike" => Expr::NotLike(col, value()),
            "ilike" => Expr::ILike(col, value()),
            _ => continue,
        };
        out.push(clause);
    }
    Ok(out)
}

/// A filter value as SQLAlchemy binds it: IDs and strings as text, DATETIME as its
/// storage text.
fn param(v: &Input, pk: bool) -> Param {
    match v {
        Input::Null => Param::Null,
        Input::Int(i) if !pk => Param::Int(*i),
        Input::Int(i) => Param::Text(i.to_string()),
        Input::String(s) => Param::Text(s.clone()),
        Input::DateTime(d) => Param::Text(d.storage()),
        Input::Boolean(b) => Param::Int(i64::from(*b)),
        Input::Float(f) => Param::Text(f.to_string()),
        Input::Enum(e) => Param::Text(e.clone()),
        Input::List(_) | Input::Object(_) => Param::Null,
    }
}
