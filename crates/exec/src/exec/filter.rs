//! The `filter` argument, turned into WHERE clauses that select what graphene-sqlalchemy 3's
//! joins select.
//!
//! The original joins the related table for a many-to-one filter and for each `contains`
//! entry (with DISTINCT), and flattens the clauses of all entries of an `and`/`or` list into
//! one AND/OR. Its joins are inner, so a relationship named anywhere in the filter must exist
//! whatever `or` branch it sits in. The same rows come from semi-joins: each relationship's
//! existence becomes a top-level `key IN (SELECT …)`, and each clause on a related row one
//! more — one scan per level instead of a product of fan-outs. Errors are the original's texts.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use crate::access::RowRules;
use crate::db::sql::{CmpOp, Expr, Select, SubQuery, Term};
use crate::graphql::error::{GraphQLError, Limit};
use crate::graphql::input::Input;
use crate::limits::{self, Limits};
use crate::model::scalar::{FilterOp, Param};
use crate::model::{Dialect, Model, Relationship, Scalar, Shape, Source, TableId};

/// Applies `filter` (an input object of `select`'s table's filter type) to `select`.
pub fn apply(
    model: &Model,
    select: &mut Select,
    filter: &Input,
    limits: &Limits,
    rules: &RowRules,
) -> Result<(), GraphQLError> {
    select.filter.extend(conditions(model, select.table, filter, limits, rules)?);
    Ok(())
}

/// The conditions `filter` puts on rows of `table`, to be ANDed. A related row it tests
/// is one `rules` lets the request read: rows it may not read exist for no filter.
pub fn conditions(
    model: &Model,
    table: TableId,
    filter: &Input,
    limits: &Limits,
    rules: &RowRules,
) -> Result<Vec<Expr>, GraphQLError> {
    check_sizes(filter, limits)?;
    let mut exists = Vec::new();
    let clauses =
        Filters { model, rules }.clauses(table, filter, &mut exists).map_err(GraphQLError::bare)?;
    exists.extend(clauses);
    Ok(without_implied(exists))
}

/// ANDed conditions without the semi-joins another one implies: `cols IN (SELECT s FROM t
/// WHERE a)` goes when `cols IN (SELECT s FROM t WHERE a AND b)` is there too. A relationship
/// named in a filter must exist (the original's inner join) and some clause tests the row
/// it reaches: the clause's semi-join alone says both, and the database builds one set of
/// keys instead of two.
fn without_implied(all: Vec<Expr>) -> Vec<Expr> {
    let implies = |b: &Expr, a: &Expr| match (b, a) {
        (Expr::InQuery(bc, bq), Expr::InQuery(ac, aq)) => {
            bc == ac
                && (bq.table, &bq.select) == (aq.table, &aq.select)
                && bq.filter.len() > aq.filter.len()
                && aq.filter.iter().all(|e| bq.filter.contains(e))
        }
        _ => false,
    };
    let implied = |i: usize| all.iter().enumerate().any(|(j, b)| j != i && implies(b, &all[i]));
    let keep: Vec<bool> = (0..all.len()).map(|i| !implied(i)).collect();
    all.into_iter().zip(keep).filter_map(|(e, k)| k.then_some(e)).collect()
}

struct Filters<'m> {
    model: &'m Model,
    rules: &'m RowRules,
}

/// `expr` once, however many filters ask for the same relationship to exist.
fn require(exists: &mut Vec<Expr>, expr: Expr) {
    if !exists.contains(&expr) {
        exists.push(expr);
    }
}

fn list(value: &Input) -> Result<&[Input], String> {
    match value {
        Input::List(items) => Ok(items),
        _ => Err("'NoneType' object is not iterable".into()),
    }
}

impl Filters<'_> {
    /// The clauses `filter` puts on a row of `table`. What its relationship filters require
    /// to exist for that row (the original's inner joins) is added to `exists`.
    fn clauses(
        &self,
        table: TableId,
        filter: &Input,
        exists: &mut Vec<Expr>,
    ) -> Result<Vec<Expr>, String> {
        let Input::Object(fields) = filter else {
            return Err("'NoneType' object has no attribute 'items'".into());
        };
        let t = &self.model.tables[table];
        let mut out = Vec::new();
        for (name, value) in fields {
            if name == "and" || name == "or" {
                let mut all = Vec::new();
                for item in list(value)? {
                    all.extend(self.clauses(table, item, exists)?);
                }
                if !all.is_empty() {
                    out.push(if name == "and" { Expr::And(all) } else { Expr::Or(all) });
                }
                continue;
            }
            match t.fields.iter().find(|f| f.name == *name).map(|f| &f.source) {
                Some(Source::Column(c)) => out.extend(self.column_clauses(table, *c, value)?),
                Some(Source::Relation(rel)) => {
                    out.extend(self.relation_clauses(rel, value, exists)?)
                }
                None => {}
            }
        }
        Ok(out)
    }

    /// "This row relates to a row of the relationship's target for which `filter` holds",
    /// as semi-joins along the relationship's joins. With `non_null`, rows whose link is
    /// NULL are left out of the subquery, so that `NOT IN` over it means what it says.
    fn related(&self, rel: &Relationship, mut filter: Vec<Expr>, non_null: bool) -> Expr {
        filter.extend_from_slice(self.rules.of(rel.target));
        let to_target = |from: Vec<usize>, to: Vec<usize>, filter| {
            Expr::InQuery(from, Box::new(SubQuery { table: rel.target, select: to, filter }))
        };
        let first = &rel.hops[0];
        let from: Vec<usize> = first.on.iter().map(|p| p.0).collect();
        let near: Vec<usize> = first.on.iter().map(|p| p.1).collect();
        let mut inner = match rel.through() {
            None => filter,
            Some(junction) => {
                let far: Vec<usize> = rel.hops[1].on.iter().map(|p| p.0).collect();
                let to: Vec<usize> = rel.hops[1].on.iter().map(|p| p.1).collect();
                let mut links = vec![to_target(far, to, filter)];
                // Only the links the request may read relate the rows.
                links.extend_from_slice(self.rules.of(junction.table));
                links
            }
        };
        if non_null {
            inner.extend(near.iter().map(|&c| Expr::Not(Box::new(Expr::IsNull(c)))));
        }
        let table = first.table;
        Expr::InQuery(from, Box::new(SubQuery { table, select: near, filter: inner }))
    }

    fn relation_clauses(
        &self,
        rel: &Relationship,
        value: &Input,
        exists: &mut Vec<Expr>,
    ) -> Result<Vec<Expr>, String> {
        if rel.shape == Shape::Object {
            // The joined row is unique, so each clause on it can test it on its own.
            let mut target_exists = Vec::new();
            let inner = self.clauses(rel.target, value, &mut target_exists)?;
            require(exists, self.related(rel, target_exists, false));
            return Ok(inner.into_iter().map(|e| self.related(rel, vec![e], false)).collect());
        }
        let Input::Object(ops) = value else {
            return Err("'NoneType' object has no attribute 'items'".into());
        };
        let mut out = Vec::new();
        for (op, entries) in ops {
            match op.as_str() {
                "containsExactly" => out.push(self.contains_exactly(rel, list(entries)?)?),
                _ => out.extend(self.contains(rel, list(entries)?, exists)?),
            }
        }
        Ok(out)
    }

    /// `contains`: each entry is a join of its own in the original, so the parent must have
    /// a related row (and what that row's filter joins), and some such row must match some
    /// entry.
    fn contains(
        &self,
        rel: &Relationship,
        entries: &[Input],
        exists: &mut Vec<Expr>,
    ) -> Result<Option<Expr>, String> {
        let mut any = Vec::new();
        for entry in entries {
            let mut child_exists = Vec::new();
            let inner = self.clauses(rel.target, entry, &mut child_exists)?;
            require(exists, self.related(rel, child_exists.clone(), false));
            if !inner.is_empty() {
                // The row that matches must also be one whose own joins exist.
                child_exists.push(Expr::And(inner));
                any.push(self.related(rel, child_exists, false));
            }
        }
        Ok((!any.is_empty()).then_some(Expr::Or(any)))
    }

    /// `containsExactly`, as graphene-sqlalchemy's docs define it (the original only raises
    /// NotImplementedError): the parent's related rows are exactly those the entries match —
    /// every entry matches at least one related row, and every related row matches an entry.
    fn contains_exactly(&self, rel: &Relationship, entries: &[Input]) -> Result<Expr, String> {
        let target = &self.model.tables[rel.target];
        let key = target.tie_break();
        // The related rows an entry matches, each with what the entry's own joins require.
        let mut matching = Vec::new();
        for entry in entries {
            let mut filter = Vec::new();
            let inner = self.clauses(rel.target, entry, &mut filter)?;
            filter.extend(inner);
            matching.push(filter);
        }
        let mut unmatched = Vec::new();
        if !matching.is_empty() {
            let one_of = matching.iter().map(|m| {
                let sub = SubQuery { table: rel.target, select: key.clone(), filter: m.clone() };
                Expr::InQuery(key.clone(), Box::new(sub))
            });
            unmatched.push(Expr::Not(Box::new(Expr::Or(one_of.collect()))));
        }
        let mut all = vec![Expr::Not(Box::new(self.related(rel, unmatched, true)))];
        all.extend(matching.into_iter().map(|m| self.related(rel, m, false)));
        Ok(Expr::And(all))
    }

    fn column_clauses(&self, table: TableId, c: usize, ops: &Input) -> Result<Vec<Expr>, String> {
        let Input::Object(ops) = ops else {
            return Err("'NoneType' object has no attribute 'items'".into());
        };
        let column = &self.model.tables[table].columns[c];
        let term = Term { column: c, through: column.scalar.comparable() };
        // Primary keys are compared as IDs, as text (SQLite converts for an INTEGER key).
        let bind = |v: &Input| match v {
            Input::Int(i) if column.pk > 0 => Param::Text(i.to_string()),
            v => bind(column.scalar, v, self.model.dialect),
        };
        // A value compares as SQLite stores it: in a BLOB column a string finds the TEXT
        // equal to it and the BLOB whose base64 it is (as the column shows blobs). A
        // PostgreSQL bytea holds bytes only: its base64 alone.
        let per_value = self.model.dialect.typed_per_value();
        let equals = |v: &Input| -> Vec<Param> {
            match (v, column.scalar) {
                (Input::String(s), Scalar::Blob) if per_value => {
                    let bytes = STANDARD.decode(s).ok().map(Param::Blob);
                    std::iter::once(Param::Text(s.clone())).chain(bytes).collect()
                }
                (v, _) => vec![bind(v)],
            }
        };
        let equal_to = |v: &Input| {
            let mut any: Vec<Expr> =
                equals(v).into_iter().map(|p| Expr::Cmp(term, CmpOp::Eq, p)).collect();
            match any.len() {
                1 => any.remove(0),
                _ => Expr::Or(any),
            }
        };
        // Where values are typed each their own (SQLite), a pattern is text, whatever the
        // column holds.
        let pattern = |v: &Input| match v {
            Input::String(s) if per_value => Param::Text(s.clone()),
            v => bind(v),
        };
        let mut out = Vec::new();
        for (name, v) in ops {
            // The schema offers no other fields: validation turned any other away.
            let Some(op) = FilterOp::named(name) else { continue };
            let clause = match op {
                FilterOp::Eq if *v == Input::Null => Expr::IsNull(c),
                FilterOp::Eq => equal_to(v),
                FilterOp::NEq if *v == Input::Null => Expr::Not(Box::new(Expr::IsNull(c))),
                FilterOp::NEq => Expr::Not(Box::new(equal_to(v))),
                FilterOp::In | FilterOp::NotIn => {
                    let Input::List(items) = v else {
                        return Err("IN expression list, SELECT construct, or bound parameter object expected, got None.".into());
                    };
                    let params: Vec<Param> = items.iter().flat_map(equals).collect();
                    match (op, params.is_empty()) {
                        (FilterOp::In, true) => Expr::False,
                        (FilterOp::In, false) => Expr::In(term, params),
                        (_, true) => Expr::True,
                        (_, false) => Expr::NotIn(term, params),
                    }
                }
                // SQLAlchemy refuses to compare None with anything but (in)equality.
                _ if *v == Input::Null => return Err(NONE_OPERATORS.into()),
                FilterOp::Gt => Expr::Cmp(term, CmpOp::Gt, bind(v)),
                FilterOp::Gte => Expr::Cmp(term, CmpOp::Gte, bind(v)),
                FilterOp::Lt => Expr::Cmp(term, CmpOp::Lt, bind(v)),
                FilterOp::Lte => Expr::Cmp(term, CmpOp::Lte, bind(v)),
                FilterOp::Like => Expr::Like(c, pattern(v)),
                FilterOp::NotLike => Expr::NotLike(c, pattern(v)),
                FilterOp::ILike => Expr::ILike(c, pattern(v)),
            };
            out.push(clause);
        }
        Ok(out)
    }
}

/// `--max-list` and `--max-like`, anywhere in the filter: one list becomes one bound
/// parameter per item, and SQLite refuses long patterns with a less helpful error.
fn check_sizes(filter: &Input, limits: &Limits) -> Result<(), GraphQLError> {
    let Input::Object(fields) = filter else {
        if let Input::List(items) = filter {
            for item in items {
                check_sizes(item, limits)?;
            }
        }
        return Ok(());
    };
    for (name, value) in fields {
        match (FilterOp::named(name), value) {
            (Some(op), Input::List(items))
                if op.takes_list() && items.len() as u64 > limits.max_list =>
            {
                let what = format!("A list of {} values", items.len());
                return Err(limits::exceeded(&what, Limit::List, limits.max_list));
            }
            (Some(FilterOp::Like | FilterOp::ILike | FilterOp::NotLike), Input::String(p))
                if p.len() as u64 > limits.max_like =>
            {
                let what = format!("A pattern of {} bytes", p.len());
                return Err(limits::exceeded(&what, Limit::Like, limits.max_like));
            }
            _ => check_sizes(value, limits)?,
        }
    }
    Ok(())
}

const NONE_OPERATORS: &str = "Only '=', '!=', 'is_()', 'is_not()', 'is_distinct_from()', 'is_not_distinct_from()' operators can be used with None/True/False";

/// A filter value, coerced by the schema to this scalar, as the statement binds it.
/// A datetime's offset is dropped on SQLite, where SQLAlchemy stores the wall time, and
/// converts it to UTC on PostgreSQL (whose sessions relaylite runs in UTC), where the
/// original's driver sends the instant.
fn bind(scalar: Scalar, input: &Input, dialect: Dialect) -> Param {
    match input {
        Input::Null => Param::Null,
        Input::Int(i) if scalar == Scalar::String || scalar == Scalar::Blob => {
            Param::Text(i.to_string())
        }
        Input::Int(i) => Param::Int(*i),
        Input::Float(f) => Param::Real(*f),
        // A BLOB column shows its bytes as base64: the same text finds them again.
        Input::String(s) if scalar == Scalar::Blob => match STANDARD.decode(s) {
            Ok(bytes) => Param::Blob(bytes),
            Err(_) => Param::Text(s.clone()),
        },
        // Dates, times and JSON arrive in the canonical text their filters compare.
        Input::String(s) => Param::Text(s.clone()),
        Input::DateTime(d, offset) => match dialect.binds_utc() {
            true => Param::Text(d.shifted(-offset).storage()),
            false => Param::Text(d.storage()),
        },
        Input::Boolean(b) => Param::Int(i64::from(*b)),
        // The database knows the label, not the GraphQL name. (Only an enum column's
        // filters take an enum: their operands are of its type, declared in its order.)
        Input::Enum(value) => match scalar {
            Scalar::Enum(e) => {
                e.values.get(*value).map_or(Param::Null, |(_, l)| Param::Text(l.clone()))
            }
            _ => Param::Null,
        },
        Input::List(_) | Input::Object(_) => Param::Null,
    }
}
