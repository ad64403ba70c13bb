//! Keyset cursors: a cursor holds its row's sort values and key, so the next page seeks
//! where this one ended — with an index, at any depth — instead of counting past every row
//! before it, and rows inserted meanwhile shift nothing.
//!
//! A cursor is base64 of `["k1", signature, [values…]]`: a version, the connection and
//! order it belongs to (a cursor of another connection or sort is refused, not misread),
//! and one value per order term. "After" and "before" are comparisons in the order's own
//! sense, NULLs placed as the database places them (SQLite: first ascending; PostgreSQL:
//! last ascending).

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::Value as Json;

use crate::db::sql::{CmpOp, Expr, Term};
use crate::db::{Cell, Param, Row};
use crate::model::{Dialect, Model, Table};

const VERSION: &str = "k1";

/// The most parts a cursor's rows are read in (SQLite takes 500 in one compound select).
const MAX_PARTS: usize = 16;

/// The cursors of one connection field under one order.
pub struct Keyset {
    signature: String,
    order: Vec<(Term, bool)>,
    /// Whether every order term's column is declared NOT NULL: then a row value
    /// comparison, which SQLite runs on an index, says "after".
    not_null: bool,
    /// Whether each order term's column is: then a seek towards the NULLs has a range.
    not_nulls: Vec<bool>,
    /// Whether the database orders NULLs before every value ascending (SQLite) or after.
    nulls_first: bool,
    /// Whether an index begins with the order's first two columns: then where no one range
    /// holds the rows past a cursor beyond the first column's, parts each seek on it.
    parted: bool,
}

impl Keyset {
    /// `connection` names the field (`Query.allArtists`, `Artist.albums`).
    pub fn new(connection: &str, model: &Model, table: &Table, order: &[(Term, bool)]) -> Keyset {
        let terms: Vec<String> = order
            .iter()
            .map(|(t, desc)| {
                format!("{}:{}", table.columns[t.column].name, if *desc { "DESC" } else { "ASC" })
            })
            .collect();
        let not_null = order.iter().all(|(t, _)| table.columns[t.column].not_null);
        // A column compared through a function (a date on SQLite) is in no index.
        let plain = |t: &Term| t.through.is_none() || model.dialect == Dialect::Postgres;
        let parted = match order {
            [(a, _), (b, _), ..] if plain(a) && plain(b) => {
                table.indexes.iter().any(|index| index.starts_with(&[a.column, b.column]))
            }
            _ => false,
        };
        Keyset {
            signature: format!("{connection}|{}", terms.join(",")),
            order: order.to_vec(),
            not_null,
            not_nulls: order.iter().map(|(t, _)| table.columns[t.column].not_null).collect(),
            nulls_first: model.dialect.nulls_first(),
            parted,
        }
    }

    /// The cursor of `row` (which holds the order's columns).
    pub fn cursor(&self, row: &Row) -> String {
        let values: Vec<Json> = self.order.iter().map(|(t, _)| value(t, &row[t.column])).collect();
        let doc = serde_json::json!([VERSION, self.signature, values]);
        STANDARD.encode(doc.to_string())
    }

    /// The values a cursor holds, or why it is not one of this connection's.
    fn values(&self, cursor: &str) -> Result<Vec<Param>, String> {
        let refused = |why: &str| format!("Cursor \"{cursor}\" {why}.");
        let decoded =
            STANDARD.decode(cursor).ok().and_then(|b| serde_json::from_slice::<Json>(&b).ok());
        let Some(Json::Array(parts)) = decoded else {
            return Err(refused("is not a cursor of this connection"));
        };
        match parts.as_slice() {
            [Json::String(v), Json::String(sig), Json::Array(values)] if v == VERSION => {
                if *sig != self.signature || values.len() != self.order.len() {
                    return Err(refused("belongs to another connection or another sort order"));
                }
                values.iter().map(param).collect::<Option<_>>().ok_or_else(|| refused("is damaged"))
            }
            _ => Err(refused("is not a cursor of this connection")),
        }
    }

    /// The conditions `after` and `before` put on the rows.
    pub fn seek(&self, after: Option<&str>, before: Option<&str>) -> Result<Seek, String> {
        let mut seek = Seek::default();
        let cursors = [(after, false), (before, true)];
        for (cursor, backward) in cursors.into_iter().filter_map(|(c, b)| Some((c?, b))) {
            match self.beyond(&self.values(cursor)?, backward) {
                Beyond::One(e) => seek.filter.push(e),
                Beyond::Parts(parts) if seek.parts.is_empty() => seek.parts = parts,
                Beyond::Parts(parts) => seek.filter.push(Expr::Or(parts)),
            }
        }
        Ok(seek)
    }

    /// Rows strictly after (or, `backward`, before) the row whose order values are `v`.
    fn beyond(&self, v: &[Param], backward: bool) -> Beyond {
        let ascending = |desc: bool| desc == backward;
        let all_same = self.order.iter().all(|(_, d)| ascending(*d) == ascending(self.order[0].1));
        if self.not_null && all_same && !v.contains(&Param::Null) {
            let terms = self.order.iter().map(|(t, _)| *t).collect();
            let op = if ascending(self.order[0].1) { CmpOp::Gt } else { CmpOp::Lt };
            return Beyond::One(Expr::Row(terms, op, v.to_vec()));
        }
        // (a beyond) OR (a = and b beyond) OR …, each column compared in its own direction.
        let mut any = Vec::new();
        for i in 0..self.order.len() {
            let (term, desc) = self.order[i];
            let up = ascending(desc);
            let Some(step) = step(term, &v[i], up, up == self.nulls_first) else { continue };
            let mut all: Vec<Expr> =
                (0..i).map(|j| Expr::Is(self.order[j].0, v[j].clone())).collect();
            all.push(step);
            any.push(Expr::And(all));
        }
        if any.is_empty() {
            return Beyond::One(Expr::False);
        }
        match self.bound(v, backward) {
            // A range over two columns or more seeks as far as parts would.
            Some((bound, n)) if n > 1 || !self.parted => {
                Beyond::One(Expr::And(vec![bound, Expr::Or(any)]))
            }
            bound => {
                let mut parts: Vec<Expr> = any.iter().cloned().flat_map(alternatives).collect();
                // Each part is a statement of its own within one: a sort of many terms (a
                // client may repeat them) reads its rows as one condition.
                match (parts.len(), bound) {
                    (1, _) => Beyond::One(parts.remove(0)),
                    (n, Some((bound, _))) if n > MAX_PARTS => {
                        Beyond::One(Expr::And(vec![bound, Expr::Or(any)]))
                    }
                    (n, None) if n > MAX_PARTS => Beyond::One(Expr::Or(parts)),
                    _ => Beyond::Parts(parts),
                }
            }
        }
    }

    /// A range that every row beyond `v` is in, implied by the exact condition but one an
    /// index can seek to (an `OR` alone makes the database walk the index from its start, so
    /// page k would cost O(k)): on the first order column, or on the row value of the
    /// longest prefix of columns that run its way, where no NULL can come past a value —
    /// `(status, placed) >= (?, ?)`, so that an index of both seeks into the first value's
    /// rows rather than walking them. None where no single range holds the rows: where
    /// NULLs come after every value of the first column in the walk's direction.
    fn bound(&self, v: &[Param], backward: bool) -> Option<(Expr, usize)> {
        let up = self.order[0].1 == backward;
        let ranged = |j: usize| {
            let (_, desc) = self.order[j];
            let nulls_after = up != self.nulls_first;
            (desc == backward) == up && v[j] != Param::Null && (!nulls_after || self.not_nulls[j])
        };
        let prefix = (0..self.order.len()).take_while(|&j| ranged(j)).count();
        let op = if up { CmpOp::Gte } else { CmpOp::Lte };
        match prefix {
            0 => None,
            1 => Some((Expr::Cmp(self.order[0].0, op, v[0].clone()), 1)),
            n => {
                let terms = self.order[..n].iter().map(|(t, _)| *t).collect();
                Some((Expr::Row(terms, op, v[..n].to_vec()), n))
            }
        }
    }
}

/// Where a cursor's rows are: one condition, or disjoint parts that are each a range of an
/// index on the order's columns, where no single range holds them all (past the last
/// value, NULLs come after every value in the walk's direction).
#[derive(Debug, PartialEq)]
enum Beyond {
    One(Expr),
    Parts(Vec<Expr>),
}

/// The conditions a page's cursors put on its rows: `filter` on all of them, and the rows
/// in one of `parts` when there are parts — a page then read as the first rows of each part
/// (each an index seek), merged, which a condition `part OR part` is not.
#[derive(Default)]
pub struct Seek {
    pub filter: Vec<Expr>,
    pub parts: Vec<Expr>,
}

impl Seek {
    /// All of it as conditions, for a statement that reads every parent's rows at once.
    pub fn into_filter(mut self) -> Vec<Expr> {
        if !self.parts.is_empty() {
            self.filter.push(Expr::Or(self.parts));
        }
        self.filter
    }
}

/// `(a = v0 AND … AND (x beyond OR x IS NULL))` as its two disjoint alternatives; any other
/// condition as itself.
fn alternatives(e: Expr) -> Vec<Expr> {
    match e {
        Expr::And(mut all) if matches!(all.last(), Some(Expr::Or(_))) => {
            let Some(Expr::Or(last)) = all.pop() else { return vec![Expr::And(all)] };
            last.into_iter()
                .map(|alt| Expr::And(all.iter().cloned().chain([alt]).collect()))
                .collect()
        }
        other => vec![other],
    }
}

/// A column strictly beyond `v`, walking `up` (to greater values) or down, with NULLs
/// before every value in that walk (`nulls_before`) or after: `None` when nothing can be
/// (beyond a NULL that ends the walk).
fn step(term: Term, v: &Param, up: bool, nulls_before: bool) -> Option<Expr> {
    let not_null = Expr::Not(Box::new(Expr::IsNull(term.column)));
    let beyond = Expr::Cmp(term, if up { CmpOp::Gt } else { CmpOp::Lt }, v.clone());
    Some(match (v, nulls_before) {
        (Param::Null, true) => not_null,
        (Param::Null, false) => return None,
        (_, true) => beyond,
        (_, false) => Expr::Or(vec![beyond, Expr::IsNull(term.column)]),
    })
}

/// A cell as a cursor holds it: as the order compares it (a date by its canonical text).
fn value(term: &Term, cell: &Cell) -> Json {
    match (cell, term.through) {
        (Cell::Text(s), Some(kind)) => {
            Json::String(kind.canonical(s).unwrap_or_else(|| s.to_string()))
        }
        (Cell::Null, _) => Json::Null,
        (Cell::Int(i), _) => Json::from(*i),
        (Cell::Real(f), _) => serde_json::Number::from_f64(*f).map_or(Json::Null, Json::Number),
        (Cell::Text(s), None) => Json::String(s.to_string()),
        (Cell::Blob(b), _) => serde_json::json!({ "blob": STANDARD.encode(b) }),
    }
}

fn param(v: &Json) -> Option<Param> {
    Some(match v {
        Json::Null => Param::Null,
        Json::Number(n) => n.as_i64().map(Param::Int).or(n.as_f64().map(Param::Real))?,
        Json::String(s) => Param::Text(s.clone()),
        Json::Object(o) => Param::Blob(STANDARD.decode(o.get("blob")?.as_str()?).ok()?),
        Json::Bool(_) | Json::Array(_) => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Column, Scalar, TableKind};

    fn table() -> Table {
        let column = |name: &str, not_null| Column {
            name: name.into(),
            declared: "TEXT".into(),
            scalar: Scalar::String,
            reflected: Scalar::String,
            not_null,
            pk: 0,
            rowid: false,
        };
        Table {
            name: "t".into(),
            kind: TableKind::Table,
            columns: vec![column("id", true), column("name", false)],
            key: vec![0],
            indexes: Vec::new(),
            served: true,
            type_name: "T".into(),
            root: None,
            fields: Vec::new(),
            sort_names: Vec::new(),
        }
    }

    fn model() -> Model {
        Model { tables: Vec::new(), example_query: None, dialect: Default::default(), access: None }
    }

    #[test]
    fn cursors_round_trip_and_refuse_what_is_not_theirs() {
        let order = [(Term::of(1), true), (Term::of(0), false)];
        let k = Keyset::new("Query.allTs", &model(), &table(), &order);
        let row: Vec<Cell> = vec![Cell::Int(7), Cell::Text("Zoë".into())];
        let c = k.cursor(&row);
        assert_eq!(k.values(&c), Ok(vec![Param::Text("Zoë".into()), Param::Int(7)]));
        let other = Keyset::new(
            "Query.allTs",
            &model(),
            &table(),
            &[(Term::of(1), false), (Term::of(0), false)],
        );
        assert!(other.values(&c).unwrap_err().contains("another sort order"));
        assert!(k.values("garbage").unwrap_err().contains("is not a cursor"));
        assert!(k.values(&STANDARD.encode("[\"k1\",\"x\"]")).is_err());
    }

    #[test]
    fn after_compares_each_column_in_its_direction_with_nulls_in_place() {
        let order = [(Term::of(1), true), (Term::of(0), false)];
        let k = Keyset::new("Query.allTs", &model(), &table(), &order);
        let e = k.beyond(&[Param::Null, Param::Int(3)], false);
        // name DESC puts NULLs last: past a NULL name only the key moves on.
        assert_eq!(
            e,
            Beyond::One(Expr::And(vec![
                Expr::Is(Term::of(1), Param::Null),
                Expr::Cmp(Term::of(0), CmpOp::Gt, Param::Int(3))
            ]))
        );
        // Past a name, ascending: a range the index seeks to, then the exact condition. No
        // NULL name follows a name ascending (SQLite puts them first), so the range goes on
        // into the name's own rows: `(name, id) >= ('m', 3)`.
        let up = Keyset::new(
            "Query.allTs",
            &model(),
            &table(),
            &[(Term::of(1), false), (Term::of(0), false)],
        );
        let v = [Param::Text("m".into()), Param::Int(3)];
        let Beyond::One(Expr::And(parts)) = up.beyond(&v, false) else { panic!("no range") };
        let terms = vec![Term::of(1), Term::of(0)];
        assert_eq!(parts[0], Expr::Row(terms.clone(), CmpOp::Gte, v.to_vec()));
        // Before a name (walking down, NULLs after it): only the key's column is NOT NULL,
        // and the name's column cannot bound a walk its NULLs end: no single range.
        assert!(matches!(up.beyond(&v, true), Beyond::Parts(_)));
        // Mixed directions: the range is the first column's alone.
        let mixed = Keyset::new(
            "Query.allTs",
            &model(),
            &table(),
            &[(Term::of(1), false), (Term::of(0), true)],
        );
        let Beyond::One(Expr::And(parts)) = mixed.beyond(&v, false) else { panic!("no range") };
        assert_eq!(parts[0], Expr::Cmp(Term::of(1), CmpOp::Gte, Param::Text("m".into())));
        // Descending on a nullable column, NULLs follow every value: no single range, but
        // three disjoint ones (before the name, the NULLs, the name's own rows past the key).
        let m = || Param::Text("m".into());
        assert_eq!(
            k.beyond(&v, false),
            Beyond::Parts(vec![
                Expr::And(vec![Expr::Cmp(Term::of(1), CmpOp::Lt, m())]),
                Expr::And(vec![Expr::IsNull(1)]),
                Expr::And(vec![
                    Expr::Is(Term::of(1), m()),
                    Expr::Cmp(Term::of(0), CmpOp::Gt, Param::Int(3))
                ]),
            ])
        );
        let mut indexed = table();
        indexed.indexes = vec![vec![1, 0]];
        let k2 = Keyset::new("Query.allTs", &model(), &indexed, &order);
        assert!(k2.parted);
        assert!(
            matches!(k2.beyond(&v, false), Beyond::Parts(p) if p.len() == 3),
            "{:?}",
            k2.beyond(&v, false)
        );
        let only_keys = Keyset::new("Query.allTs", &model(), &table(), &[(Term::of(0), false)]);
        assert_eq!(
            only_keys.beyond(&[Param::Int(3)], false),
            Beyond::One(Expr::Row(vec![Term::of(0)], CmpOp::Gt, vec![Param::Int(3)]))
        );
        assert_eq!(
            only_keys.beyond(&[Param::Int(3)], true),
            Beyond::One(Expr::Row(vec![Term::of(0)], CmpOp::Lt, vec![Param::Int(3)]))
        );
    }
}
