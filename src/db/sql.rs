//! A small SELECT builder: statements as data, rendered to `(text, params)`.
//!
//! It knows no GraphQL. Identifiers come only from the model and are always quoted; every
//! value is a bound parameter. A filter through a relationship is an uncorrelated
//! `IN (SELECT …)` semi-join rather than a join: SQLite runs each subquery once, so a filter
//! costs one scan per level instead of multiplying by the fan-out of every level.

use std::collections::HashMap;
use std::fmt::Write;
use std::sync::{Mutex, OnceLock};

use crate::model::{TABLES, TableId};

/// A bound value.
#[derive(Debug, Clone, PartialEq)]
pub enum Param {
    Null,
    Int(i64),
    Text(String),
}

/// A set of a table's columns, by index. Columns outside the set are selected as NULL, so
/// rows keep the model's layout but SQLite never reads what the query does not need.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Columns(Vec<u64>);

impl Columns {
    /// Every column of a table of `n` columns.
    pub fn all(n: usize) -> Columns {
        let mut c = Columns::default();
        for i in 0..n {
            c.insert(i);
        }
        c
    }

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
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CmpOp {
    Eq,
    Gt,
    Gte,
    Lt,
    Lte,
}

/// A condition on one row of the table of the select (or subquery) it belongs to; columns
/// are indexes into that table's columns.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    True,
    False,
    Cmp(usize, CmpOp, Param),
    IsNull(usize),
    In(usize, Vec<Param>),
    NotIn(usize, Vec<Param>),
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
    /// Columns to order by, descending when true.
    pub order: Vec<(usize, bool)>,
    /// The columns to select (the others come back as NULL).
    pub columns: Columns,
}

/// `"name"`, with any `"` inside doubled: any table or column name is safe in SQL text.
pub fn ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// How a table is named in the statement being written: the root by its own name, each
/// subquery by an alias of its depth (`s1`, `s2`, …), which no outer reference can see.
#[derive(Clone, Copy)]
struct Scope {
    table: TableId,
    depth: usize,
}

impl Scope {
    fn alias(self) -> String {
        match self.depth {
            0 => ident(TABLES[self.table].name),
            d => format!("s{d}"),
        }
    }

    fn col(self, column: usize, out: &mut String) {
        let name = ident(TABLES[self.table].columns[column].name);
        let _ = write!(out, "{}.{name}", self.alias());
    }

    fn from(self, out: &mut String) {
        let _ = write!(out, " FROM {}", ident(TABLES[self.table].name));
        if self.depth > 0 {
            let _ = write!(out, " AS {}", self.alias());
        }
    }

    fn filter(self, filter: &[Expr], out: &mut String, params: &mut Vec<Param>) {
        for (i, e) in filter.iter().enumerate() {
            out.push_str(if i == 0 { " WHERE " } else { " AND " });
            self.expr(e, out, params);
        }
    }

    fn expr(self, e: &Expr, out: &mut String, params: &mut Vec<Param>) {
        match e {
            Expr::True => out.push_str("1 = 1"),
            Expr::False => out.push_str("1 != 1"),
            Expr::Cmp(c, op, p) => {
                self.col(*c, out);
                out.push_str(match op {
                    CmpOp::Eq => " = ?",
                    CmpOp::Gt => " > ?",
                    CmpOp::Gte => " >= ?",
                    CmpOp::Lt => " < ?",
                    CmpOp::Lte => " <= ?",
                });
                params.push(p.clone());
            }
            Expr::IsNull(c) => {
                self.col(*c, out);
                out.push_str(" IS NULL");
            }
            Expr::In(c, items) | Expr::NotIn(c, items) => {
                self.col(*c, out);
                out.push_str(if matches!(e, Expr::In(..)) { " IN (" } else { " NOT IN (" });
                for (i, p) in items.iter().enumerate() {
                    out.push_str(if i > 0 { ", ?" } else { "?" });
                    params.push(p.clone());
                }
                out.push(')');
            }
            Expr::Like(c, p) | Expr::NotLike(c, p) => {
                self.col(*c, out);
                out.push_str(if matches!(e, Expr::Like(..)) { " LIKE ?" } else { " NOT LIKE ?" });
                params.push(p.clone());
            }
            Expr::ILike(c, p) => {
                out.push_str("lower(");
                self.col(*c, out);
                out.push_str(") LIKE lower(?)");
                params.push(p.clone());
            }
            Expr::Not(inner) => {
                out.push_str("NOT (");
                self.expr(inner, out, params);
                out.push(')');
            }
            Expr::And(items) | Expr::Or(items) => {
                let sep = if matches!(e, Expr::And(_)) { " AND " } else { " OR " };
                out.push('(');
                for (i, x) in items.iter().enumerate() {
                    if i > 0 {
                        out.push_str(sep);
                    }
                    self.expr(x, out, params);
                }
                out.push(')');
            }
            Expr::InQuery(columns, sub) => self.in_query(columns, sub, out, params),
        }
    }

    fn in_query(
        self,
        columns: &[usize],
        sub: &SubQuery,
        out: &mut String,
        params: &mut Vec<Param>,
    ) {
        let inner = Scope { table: sub.table, depth: self.depth + 1 };
        // One column, or a row value `(a, b)` against a subquery of as many columns.
        let row = columns.len() != 1;
        out.push_str(if row { "(" } else { "" });
        self.col_list(columns, out);
        out.push_str(if row { ") IN (SELECT " } else { " IN (SELECT " });
        inner.col_list(&sub.select, out);
        inner.from(out);
        inner.filter(&sub.filter, out, params);
        out.push(')');
    }

    fn col_list(self, columns: &[usize], out: &mut String) {
        for (i, c) in columns.iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            self.col(*c, out);
        }
    }
}

impl Select {
    pub fn from(table: TableId) -> Self {
        let columns = Columns::all(TABLES[table].columns.len());
        Select { table, filter: Vec::new(), order: Vec::new(), columns }
    }

    fn scope(&self) -> Scope {
        Scope { table: self.table, depth: 0 }
    }

    /// `SELECT count(*)` of the rows this select returns.
    pub fn count(&self) -> (String, Vec<Param>) {
        let mut out = String::from("SELECT count(*)");
        let mut params = Vec::new();
        self.scope().from(&mut out);
        self.scope().filter(&self.filter, &mut out, &mut params);
        (out, params)
    }

    /// The rows, ordered, with an optional `(limit, offset)`.
    pub fn rows(&self, page: Option<(usize, usize)>) -> (String, Vec<Param>) {
        let scope = self.scope();
        let mut out = String::from("SELECT ");
        out.push_str(&column_list(self.table, &scope.alias(), &self.columns));
        let mut params = Vec::new();
        scope.from(&mut out);
        scope.filter(&self.filter, &mut out, &mut params);
        for (i, (c, desc)) in self.order.iter().enumerate() {
            out.push_str(if i == 0 { " ORDER BY " } else { ", " });
            scope.col(*c, &mut out);
            out.push_str(if *desc { " DESC" } else { " ASC" });
        }
        if let Some((limit, offset)) = page {
            out.push_str(" LIMIT ? OFFSET ?");
            params.push(Param::Int(limit as i64));
            params.push(Param::Int(offset as i64));
        }
        (out, params)
    }
}

/// The fixed statement shapes' texts, built once each: they are asked for on every request.
fn memo(
    kind: u8,
    table: TableId,
    column: usize,
    columns: &Columns,
    build: impl FnOnce() -> String,
) -> &'static str {
    type Key = (u8, TableId, usize, Columns);
    static TEXTS: OnceLock<Mutex<HashMap<Key, &'static str>>> = OnceLock::new();
    let texts = TEXTS.get_or_init(|| Mutex::new(HashMap::new()));
    let mut texts = texts.lock().unwrap_or_else(|e| e.into_inner());
    // A handful of texts per model, leaked once: they live as long as the process anyway.
    texts
        .entry((kind, table, column, columns.clone()))
        .or_insert_with(|| Box::leak(build().into_boxed_str()))
}

/// `SELECT <columns> FROM table WHERE table.key IN (<json list>)`: rows by key, one
/// statement whatever the number of keys (the list is one JSON parameter).
pub fn by_keys(table: TableId, key: usize, columns: &Columns) -> &'static str {
    memo(0, table, key, columns, || {
        let t = &TABLES[table];
        let name = ident(t.name);
        format!(
            "SELECT {} FROM {name} WHERE {name}.{} IN (SELECT value FROM json_each(?))",
            column_list(table, &name, columns),
            ident(t.columns[key].name)
        )
    })
}

/// `SELECT <columns> FROM table WHERE table.pk = ?`, for `node(id:)`.
pub fn by_pk(table: TableId, columns: &Columns) -> &'static str {
    memo(1, table, 0, columns, || {
        let t = &TABLES[table];
        let name = ident(t.name);
        format!(
            "SELECT {} FROM {name} WHERE {name}.{} = ?",
            column_list(table, &name, columns),
            ident(t.pk_name())
        )
    })
}

/// The children of a list of parents (a JSON list of keys), in primary-key (rowid) order:
/// the order the original's lazy loads return them in. The caller stops reading once every
/// parent has the rows its page needs, so on a table without an index on the foreign key
/// one scan serves every parent, and stops early.
pub fn children(child: TableId, fk: usize, columns: &Columns) -> &'static str {
    memo(2, child, fk, columns, || {
        let t = &TABLES[child];
        let name = ident(t.name);
        format!(
            "SELECT {cols} FROM {name} WHERE {name}.{fk} IN (SELECT value FROM json_each(?)) ORDER BY {name}.{pk}",
            cols = column_list(child, &name, columns),
            pk = ident(t.pk_name()),
            fk = ident(t.columns[fk].name),
        )
    })
}

fn column_list(table: TableId, alias: &str, columns: &Columns) -> String {
    let cols = TABLES[table].columns.iter().enumerate();
    let list: Vec<String> = cols
        .map(|(i, c)| match columns.contains(i) {
            true => format!("{alias}.{}", ident(c.name)),
            false => "NULL".to_string(),
        })
        .collect();
    list.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{DEPARTMENT, EMPLOYEE};

    #[test]
    fn renders_semi_joins_filters_and_pages() {
        let mut s = Select::from(EMPLOYEE);
        let named = Expr::Cmp(1, CmpOp::Eq, Param::Text("Engineering".into()));
        let sub = SubQuery { table: DEPARTMENT, select: vec![0], filter: vec![named] };
        s.filter.push(Expr::InQuery(vec![3], Box::new(sub)));
        s.filter.push(Expr::Not(Box::new(Expr::IsNull(1))));
        s.order.push((1, false));
        let (text, params) = s.rows(Some((10, 5)));
        assert_eq!(
            text,
            "SELECT \"employee\".\"id\", \"employee\".\"name\", \"employee\".\"hired_on\", \
             \"employee\".\"department_id\", \"employee\".\"role_id\" FROM \"employee\" \
             WHERE \"employee\".\"department_id\" IN (SELECT s1.\"id\" FROM \"department\" AS s1 \
             WHERE s1.\"name\" = ?) AND NOT (\"employee\".\"name\" IS NULL) \
             ORDER BY \"employee\".\"name\" ASC LIMIT ? OFFSET ?"
        );
        assert_eq!(params, [Param::Text("Engineering".into()), Param::Int(10), Param::Int(5)]);
    }

    #[test]
    fn nested_subqueries_get_their_own_aliases_and_row_values() {
        let inner = SubQuery { table: EMPLOYEE, select: vec![3], filter: vec![] };
        let outer = SubQuery {
            table: DEPARTMENT,
            select: vec![0, 1],
            filter: vec![Expr::InQuery(vec![0], Box::new(inner))],
        };
        let mut s = Select::from(DEPARTMENT);
        s.filter.push(Expr::InQuery(vec![0, 1], Box::new(outer)));
        let (text, _) = s.count();
        assert_eq!(
            text,
            "SELECT count(*) FROM \"department\" WHERE (\"department\".\"id\", \"department\".\"name\") \
             IN (SELECT s1.\"id\", s1.\"name\" FROM \"department\" AS s1 WHERE s1.\"id\" IN \
             (SELECT s2.\"department_id\" FROM \"employee\" AS s2))"
        );
    }

    #[test]
    fn identifiers_are_quoted_whatever_they_hold() {
        assert_eq!(ident("name"), "\"name\"");
        assert_eq!(ident("we\"ird name"), "\"we\"\"ird name\"");
    }

    #[test]
    fn column_sets_hold_any_number_of_columns() {
        let mut c = Columns::default();
        c.insert(3);
        c.insert(130);
        assert!(c.contains(3) && c.contains(130));
        assert!(!c.contains(4) && !c.contains(64) && !c.contains(1000));
        assert!(Columns::all(65).contains(64));
    }
}
