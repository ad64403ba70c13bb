//! A small SELECT builder: statements as data, rendered to `(text, params)` from the model.
//!
//! It knows no GraphQL. Identifiers come only from the model and are always quoted; every
//! value is a bound parameter. A filter through a relationship is an uncorrelated
//! `IN (SELECT …)` semi-join rather than a join: SQLite runs each subquery once, so a filter
//! costs one scan per level instead of multiplying by the fan-out of every level.

use std::collections::HashMap;
use std::fmt::Write;
use std::sync::{Arc, RwLock};

use relaylite_model::datetime::Temporal;
use relaylite_model::scalar::Param;
use relaylite_model::{Dialect, Model, Relationship, TableId};

/// A set of a table's columns, by index. Columns outside the set are selected as NULL, so
/// rows keep the model's layout but SQLite never reads what the query does not need.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Columns(Vec<u64>);

impl Columns {
    pub fn insert(&mut self, column: usize) {
        let word = column / 64;
        if self.0.len() <= word {
            self.0.resize(word + 1, 0);
        }
        self.0[word] |= 1 << (column % 64);
    }

    pub fn contains(&self, column: usize) -> bool {
        self.0.get(column / 64).is_some_and(|w| w & (1 << (column % 64)) != 0)
    }

    pub fn extend(&mut self, columns: impl IntoIterator<Item = usize>) {
        for c in columns {
            self.insert(c);
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CmpOp {
    Eq,
    Gt,
    Gte,
    Lt,
    Lte,
}

impl CmpOp {
    fn sql(self) -> &'static str {
        match self {
            CmpOp::Eq => " = ",
            CmpOp::Gt => " > ",
            CmpOp::Gte => " >= ",
            CmpOp::Lt => " < ",
            CmpOp::Lte => " <= ",
        }
    }
}

/// A column as a condition or an order reads it: as stored, or through a function that
/// makes stored dates and times comparable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Term {
    pub column: usize,
    pub through: Option<Temporal>,
}

impl Term {
    pub fn of(column: usize) -> Term {
        Term { column, through: None }
    }
}

/// A condition on one row of the table of the select (or subquery) it belongs to.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    True,
    False,
    Cmp(Term, CmpOp, Param),
    /// `term IS ?`: equality in which NULL equals NULL.
    Is(Term, Param),
    /// `(terms…) > (?, …)`: a row value comparison, which SQLite runs on an index.
    Row(Vec<Term>, CmpOp, Vec<Param>),
    IsNull(usize),
    In(Term, Vec<Param>),
    NotIn(Term, Vec<Param>),
    Like(usize, Param),
    NotLike(usize, Param),
    /// `lower(col) LIKE lower(?)`, SQLAlchemy's `ilike` on SQLite.
    ILike(usize, Param),
    Not(Box<Expr>),
    And(Vec<Expr>),
    Or(Vec<Expr>),
    /// `(columns…) IN (SELECT …)`: the row's columns are among a subquery's rows. The
    /// subquery never refers to the row, so SQLite evaluates it once.
    InQuery(Vec<usize>, Box<SubQuery>),
}

/// `SELECT <select columns> FROM table WHERE <filter>`, inside an `Expr::InQuery`.
#[derive(Debug, Clone, PartialEq)]
pub struct SubQuery {
    pub table: TableId,
    pub select: Vec<usize>,
    pub filter: Vec<Expr>,
}

/// One SELECT over a table: a WHERE of ANDed clauses, ORDER BY and LIMIT/OFFSET.
#[derive(Debug, Clone, PartialEq)]
pub struct Select {
    pub table: TableId,
    pub filter: Vec<Expr>,
    /// What to order by, descending when true.
    pub order: Vec<(Term, bool)>,
    /// The columns to select (the others come back as NULL).
    pub columns: Columns,
}

/// Conditions on the rows a relationship reaches: on the target's rows, and on the rows of
/// the junction a many-to-many goes through (whose rows, the links, a role may be allowed
/// only some of).
#[derive(Debug, Clone, Copy, Default)]
pub struct Reached<'a> {
    pub target: &'a [Expr],
    pub junction: &'a [Expr],
}

impl Reached<'_> {
    fn is_empty(self) -> bool {
        self.target.is_empty() && self.junction.is_empty()
    }
}

/// `"name"`, with any `"` inside doubled: any table or column name is safe in SQL text.
pub fn ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// The depth that names a many-to-many's junction table in the statement that reads
/// through it: an alias no filter's subqueries use.
const JUNCTION: usize = usize::MAX;

mod related;
mod render;
mod select;
#[cfg(test)]
mod tests;

pub use related::{Texts, related_count};

pub use render::postgres_reads_as_is;
