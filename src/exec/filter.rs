//! The `filter` argument, turned into WHERE clauses that select what graphene-sqlalchemy 3's
//! joins select.
//!
//! The original joins the related table for a many-to-one filter and for each `contains`
//! entry (with DISTINCT), and flattens the clauses of all entries of an `and`/`or` list into
//! one AND/OR. Its joins are inner, so a relationship named anywhere in the filter must exist
//! whatever `or` branch it sits in. The same rows come from semi-joins: each relationship's
//! existence becomes a top-level `key IN (SELECT …)`, and each clause on a related row one
//! more — one scan per level instead of a product of fan-outs. Errors are the original's texts.

use crate::db::sql::{CmpOp, Expr, Param, Select, SubQuery};
use crate::graphql::input::Input;
use crate::limits::{self, Limits};
use crate::model::{self, RelationKind, TABLES, TableId};

/// Applies `filter` (an input object of `select`'s table's filter type) to `select`.
pub fn apply(select: &mut Select, filter: &Input, limits: &Limits) -> Result<(), String> {
    check_sizes(filter, limits)?;
    let mut exists = Vec::new();
    let clauses = clauses(select.table, filter, &mut exists)?;
    select.filter.extend(exists);
    select.filter.extend(clauses);
    Ok(())
}

/// The clauses `filter` puts on a row of `table`. What its relationship filters require to
/// exist for that row (the original's inner joins) is added to `exists`.
fn clauses(table: TableId, filter: &Input, exists: &mut Vec<Expr>) -> Result<Vec<Expr>, String> {
    let Input::Object(fields) = filter else {
        return Err("'NoneType' object has no attribute 'items'".into());
    };
    let t = &TABLES[table];
    let mut out = Vec::new();
    for (name, value) in fields {
        match name.as_str() {
            "and" | "or" => {
                let mut all = Vec::new();
                for item in list(value)? {
                    all.extend(clauses(table, item, exists)?);
                }
                if !all.is_empty() {
                    out.push(if name == "and" { Expr::And(all) } else { Expr::Or(all) });
                }
            }
            _ => {
                if let Some(c) = t.columns.iter().position(|c| model::field_name(c.name) == *name) {
                    out.extend(column_clauses(c, c == t.pk, value)?);
                } else if let Some(r) = t.relationships.iter().position(|r| r.name == name) {
                    out.extend(relation_clauses(table, r, value, exists)?);
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

/// `expr` once, however many filters ask for the same relationship to exist.
fn require(exists: &mut Vec<Expr>, expr: Expr) {
    if !exists.contains(&expr) {
        exists.push(expr);
    }
}

/// `column IN (SELECT select FROM table WHERE filter)`.
fn semi_join(column: usize, table: TableId, select: usize, filter: Vec<Expr>) -> Expr {
    Expr::InQuery(vec![column], Box::new(SubQuery { table, select: vec![select], filter }))
}

fn relation_clauses(
    table: TableId,
    r: usize,
    value: &Input,
    exists: &mut Vec<Expr>,
) -> Result<Vec<Expr>, String> {
    let rel = &TABLES[table].relationships[r];
    match rel.kind {
        RelationKind::ManyToOne => {
            // The joined row is unique, so each clause on it can test it on its own.
            let target_pk = TABLES[rel.target].pk;
            let mut target_exists = Vec::new();
            let inner = clauses(rel.target, value, &mut target_exists)?;
            require(exists, semi_join(rel.column, rel.target, target_pk, target_exists));
            Ok(inner
                .into_iter()
                .map(|e| semi_join(rel.column, rel.target, target_pk, vec![e]))
                .collect())
        }
        RelationKind::OneToMany => {
            let Input::Object(ops) = value else {
                return Err("'NoneType' object has no attribute 'items'".into());
            };
            let mut out = Vec::new();
            for (op, entries) in ops {
                match op.as_str() {
                    "containsExactly" => {
                        out.push(contains_exactly(table, r, list(entries)?)?);
                    }
                    _ => out.extend(contains(table, r, list(entries)?, exists)?),
                }
            }
            Ok(out)
        }
    }
}

/// `contains`: each entry is a join of its own in the original, so the parent must have a
/// child (and what that child's filter joins), and some child must match some entry.
fn contains(
    table: TableId,
    r: usize,
    entries: &[Input],
    exists: &mut Vec<Expr>,
) -> Result<Option<Expr>, String> {
    let rel = &TABLES[table].relationships[r];
    let pk = TABLES[table].pk;
    let mut any = Vec::new();
    for entry in entries {
        let mut child_exists = Vec::new();
        let inner = clauses(rel.target, entry, &mut child_exists)?;
        require(exists, semi_join(pk, rel.target, rel.column, child_exists.clone()));
        if !inner.is_empty() {
            // The child that matches must also be one whose own joins exist.
            child_exists.push(Expr::And(inner));
            any.push(semi_join(pk, rel.target, rel.column, child_exists));
        }
    }
    Ok((!any.is_empty()).then_some(Expr::Or(any)))
}

/// `containsExactly`, as graphene-sqlalchemy's docs define it (the original only raises
/// NotImplementedError): the parent's related rows are exactly those the entries match —
/// every entry matches at least one related row, and every related row matches an entry.
fn contains_exactly(table: TableId, r: usize, entries: &[Input]) -> Result<Expr, String> {
    let rel = &TABLES[table].relationships[r];
    let (pk, child_pk) = (TABLES[table].pk, TABLES[rel.target].pk);
    // The children an entry matches, each with what the entry's own joins require.
    let mut matching = Vec::new();
    for entry in entries {
        let mut filter = Vec::new();
        let inner = clauses(rel.target, entry, &mut filter)?;
        filter.extend(inner);
        matching.push(filter);
    }
    let mut unmatched = vec![Expr::Not(Box::new(Expr::IsNull(rel.column)))];
    if !matching.is_empty() {
        let any = matching.iter().map(|m| semi_join(child_pk, rel.target, child_pk, m.clone()));
        unmatched.push(Expr::Not(Box::new(Expr::Or(any.collect()))));
    }
    let mut all = vec![Expr::Not(Box::new(semi_join(pk, rel.target, rel.column, unmatched)))];
    all.extend(matching.into_iter().map(|m| semi_join(pk, rel.target, rel.column, m)));
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

fn column_clauses(col: usize, pk: bool, ops: &Input) -> Result<Vec<Expr>, String> {
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
