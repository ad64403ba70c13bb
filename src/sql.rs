//! A small SELECT builder: statements as data, rendered to `(text, params)`.
//!
//! It knows no GraphQL. Identifiers come only from the model's static names and from
//! aliases this file makes itself; every value is a bound parameter. The shapes mirror
//! the SQL SQLAlchemy emits for the original, so SQLite plans and orders rows the same way.

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
pub type Columns = u64;

pub const ALL_COLUMNS: Columns = Columns::MAX;

/// A column of a table occurrence in the FROM clause.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Col {
    /// Index into `Select::sources`.
    pub source: usize,
    pub column: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CmpOp {
    Eq,
    Gt,
    Gte,
    Lt,
    Lte,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    True,
    False,
    Cmp(Col, CmpOp, Param),
    IsNull(Col),
    In(Col, Vec<Param>),
    NotIn(Col, Vec<Param>),
    Like(Col, Param),
    NotLike(Col, Param),
    /// `lower(col) LIKE lower(?)`, SQLAlchemy's `ilike` on SQLite.
    ILike(Col, Param),
    Not(Box<Expr>),
    And(Vec<Expr>),
    Or(Vec<Expr>),
    /// `EXISTS (SELECT 1 …)` over a subquery, which may refer to this select's columns.
    Exists(Box<Select>),
    /// A column of this select equal to a column of the select enclosing it.
    Correlate {
        inner: Col,
        outer: Col,
    },
}

/// A table occurrence: the root table or an inner join on `left = right`.
#[derive(Debug, Clone, PartialEq)]
struct Source {
    table: TableId,
    on: Option<(Col, Col)>,
}

/// One SELECT over a root table with inner joins, a WHERE of ANDed clauses, ORDER BY and
/// LIMIT/OFFSET. The selected columns are always all of the root table's, in model order.
#[derive(Debug, Clone, PartialEq)]
pub struct Select {
    /// 0 for a statement; n for a subquery nested n deep (its aliases carry the depth).
    depth: usize,
    sources: Vec<Source>,
    pub filter: Vec<Expr>,
    pub distinct: bool,
    pub order: Vec<(Col, bool)>,
    /// The root table's columns to select.
    pub columns: Columns,
}

impl Select {
    pub fn from(table: TableId) -> Self {
        Self::nested(table, 0)
    }

    /// A subquery of a select at `depth - 1`.
    pub fn nested(table: TableId, depth: usize) -> Self {
        Select {
            depth,
            sources: vec![Source { table, on: None }],
            filter: Vec::new(),
            distinct: false,
            order: Vec::new(),
            columns: ALL_COLUMNS,
        }
    }

    pub fn depth(&self) -> usize {
        self.depth
    }

    pub fn table_of(&self, source: usize) -> TableId {
        self.sources[source].table
    }

    /// Adds `JOIN table AS alias ON left = table.column` and returns the new source.
    pub fn join(&mut self, table: TableId, left: Col, column: usize) -> usize {
        let source = self.sources.len();
        self.sources.push(Source { table, on: Some((left, Col { source, column })) });
        source
    }

    fn alias(&self, source: usize) -> String {
        let table = TABLES[self.sources[source].table].name;
        if self.depth > 0 {
            return format!("{table}_q{}_{source}", self.depth);
        }
        if source == 0 {
            return table.to_string();
        }
        let n = self.sources[..=source]
            .iter()
            .filter(|s| s.table == self.sources[source].table)
            .count();
        format!("{table}_{}", n - usize::from(self.sources[0].table == self.sources[source].table))
    }

    fn col(&self, c: Col, out: &mut String) {
        let _ = write!(
            out,
            "{}.{}",
            self.alias(c.source),
            TABLES[self.sources[c.source].table].columns[c.column].name
        );
    }

    fn from_clause(&self, out: &mut String) {
        let root = TABLES[self.sources[0].table].name;
        let _ = write!(out, " FROM {root}");
        if self.depth > 0 {
            let _ = write!(out, " AS {}", self.alias(0));
        }
        for (i, s) in self.sources.iter().enumerate().skip(1) {
            let _ = write!(out, " JOIN {} AS {} ON ", TABLES[s.table].name, self.alias(i));
            if let Some((left, right)) = s.on {
                self.col(right, out);
                out.push_str(" = ");
                self.col(left, out);
            }
        }
    }

    fn where_clause(&self, out: &mut String, params: &mut Vec<Param>, outer: Option<&Select>) {
        if self.filter.is_empty() {
            return;
        }
        out.push_str(" WHERE ");
        for (i, e) in self.filter.iter().enumerate() {
            if i > 0 {
                out.push_str(" AND ");
            }
            self.expr(e, out, params, outer);
        }
    }

    fn columns(&self, out: &mut String) {
        for i in 0..TABLES[self.sources[0].table].columns.len() {
            if i > 0 {
                out.push_str(", ");
            }
            if self.columns & (1 << i) == 0 {
                out.push_str("NULL");
                continue;
            }
            self.col(Col { source: 0, column: i }, out);
        }
    }

    /// `SELECT count(*)` of the rows this select returns.
    pub fn count(&self) -> (String, Vec<Param>) {
        let (inner, params) = self.rows(None);
        (format!("SELECT count(*) FROM ({inner})"), params)
    }

    /// The rows, ordered, with an optional `(limit, offset)`.
    pub fn rows(&self, page: Option<(usize, usize)>) -> (String, Vec<Param>) {
        let mut out = String::from("SELECT ");
        let mut params = Vec::new();
        if self.distinct {
            out.push_str("DISTINCT ");
        }
        self.columns(&mut out);
        self.from_clause(&mut out);
        self.where_clause(&mut out, &mut params, None);
        if !self.order.is_empty() {
            out.push_str(" ORDER BY ");
            for (i, (c, desc)) in self.order.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                self.col(*c, &mut out);
                out.push_str(if *desc { " DESC" } else { " ASC" });
            }
        }
        if let Some((limit, offset)) = page {
            out.push_str(" LIMIT ? OFFSET ?");
            params.push(Param::Int(limit as i64));
            params.push(Param::Int(offset as i64));
        }
        (out, params)
    }

    fn expr(&self, e: &Expr, out: &mut String, params: &mut Vec<Param>, outer: Option<&Select>) {
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
                self.expr(inner, out, params, outer);
                out.push(')');
            }
            Expr::And(items) | Expr::Or(items) => {
                let sep = if matches!(e, Expr::And(_)) { " AND " } else { " OR " };
                out.push('(');
                for (i, x) in items.iter().enumerate() {
                    if i > 0 {
                        out.push_str(sep);
                    }
                    self.expr(x, out, params, outer);
                }
                out.push(')');
            }
            Expr::Exists(sub) => {
                out.push_str("EXISTS (SELECT 1");
                sub.from_clause(out);
                sub.where_clause(out, params, Some(self));
                out.push(')');
            }
            Expr::Correlate { inner, outer: outer_col } => {
                self.col(*inner, out);
                out.push_str(" = ");
                match outer {
                    Some(o) => o.col(*outer_col, out),
                    None => out.push_str("NULL"),
                }
            }
        }
    }
}

/// The fixed statement shapes' texts, built once each: they are asked for on every request.
fn memo(
    kind: u8,
    table: TableId,
    column: usize,
    columns: Columns,
    build: impl FnOnce() -> String,
) -> &'static str {
    type Key = (u8, TableId, usize, Columns);
    static TEXTS: OnceLock<Mutex<HashMap<Key, &'static str>>> = OnceLock::new();
    let texts = TEXTS.get_or_init(|| Mutex::new(HashMap::new()));
    let mut texts = texts.lock().unwrap_or_else(|e| e.into_inner());
    // A handful of texts per model, leaked once: they live as long as the process anyway.
    texts
        .entry((kind, table, column, columns))
        .or_insert_with(|| Box::leak(build().into_boxed_str()))
}

/// `SELECT <columns> FROM table WHERE table.key IN (<json list>)`: rows by key, one
/// statement whatever the number of keys (the list is one JSON parameter).
pub fn by_keys(table: TableId, key: usize, columns: Columns) -> &'static str {
    memo(0, table, key, columns, || {
        let t = &TABLES[table];
        format!(
            "SELECT {} FROM {} WHERE {}.{} IN (SELECT value FROM json_each(?))",
            column_list(table, t.name, columns),
            t.name,
            t.name,
            t.columns[key].name
        )
    })
}

/// `SELECT <columns> FROM table WHERE table.pk = ?`, for `node(id:)`.
pub fn by_pk(table: TableId, columns: Columns) -> &'static str {
    memo(1, table, 0, columns, || {
        let t = &TABLES[table];
        format!(
            "SELECT {} FROM {} WHERE {}.{} = ?",
            column_list(table, t.name, columns),
            t.name,
            t.name,
            t.pk_name()
        )
    })
}

/// The children of a list of parents (a JSON list of keys), in primary-key (rowid) order:
/// the order the original's lazy loads return them in. The caller stops reading once every
/// parent has the rows its page needs, so on a table without an index on the foreign key
/// one scan serves every parent, and stops early.
pub fn children(child: TableId, fk: usize, columns: Columns) -> &'static str {
    memo(2, child, fk, columns, || {
        let t = &TABLES[child];
        format!(
            "SELECT {cols} FROM {name} WHERE {name}.{fk} IN (SELECT value FROM json_each(?)) ORDER BY {name}.{pk}",
            cols = column_list(child, t.name, columns),
            name = t.name,
            pk = t.pk_name(),
            fk = t.columns[fk].name,
        )
    })
}

fn column_list(table: TableId, alias: &str, columns: Columns) -> String {
    let cols = TABLES[table].columns.iter().enumerate();
    let list: Vec<String> = cols
        .map(|(i, c)| {
            if columns & (1 << i) == 0 { "NULL".to_string() } else { format!("{alias}.{}", c.name) }
        })
        .collect();
    list.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{DEPARTMENT, EMPLOYEE};

    #[test]
    fn renders_joins_filters_and_pages() {
        let mut s = Select::from(EMPLOYEE);
        let d = s.join(DEPARTMENT, Col { source: 0, column: 3 }, 0);
        s.filter.push(Expr::Cmp(
            Col { source: d, column: 1 },
            CmpOp::Eq,
            Param::Text("Engineering".into()),
        ));
        s.filter.push(Expr::Not(Box::new(Expr::IsNull(Col { source: 0, column: 1 }))));
        s.order.push((Col { source: 0, column: 1 }, false));
        let (text, params) = s.rows(Some((10, 5)));
        assert_eq!(
            text,
            "SELECT employee.id, employee.name, employee.hired_on, employee.department_id, employee.role_id \
             FROM employee JOIN department AS department_1 ON department_1.id = employee.department_id \
             WHERE department_1.name = ? AND NOT (employee.name IS NULL) ORDER BY employee.name ASC LIMIT ? OFFSET ?"
        );
        assert_eq!(params, [Param::Text("Engineering".into()), Param::Int(10), Param::Int(5)]);
    }

    #[test]
    fn subqueries_correlate_with_their_enclosing_select() {
        let mut s = Select::from(DEPARTMENT);
        let mut sub = Select::nested(EMPLOYEE, 1);
        sub.filter.push(Expr::Correlate {
            inner: Col { source: 0, column: 3 },
            outer: Col { source: 0, column: 0 },
        });
        sub.filter.push(Expr::Cmp(
            Col { source: 0, column: 1 },
            CmpOp::Eq,
            Param::Text("Roy".into()),
        ));
        s.filter.push(Expr::Not(Box::new(Expr::Exists(Box::new(sub)))));
        let (text, _) = s.rows(None);
        assert!(text.ends_with(
            "WHERE NOT (EXISTS (SELECT 1 FROM employee AS employee_q1_0 WHERE employee_q1_0.department_id = department.id AND employee_q1_0.name = ?))"
        ), "{text}");
    }

    #[test]
    fn self_joins_get_numbered_aliases() {
        let mut s = Select::from(DEPARTMENT);
        let e1 = s.join(EMPLOYEE, Col { source: 0, column: 0 }, 3);
        let e2 = s.join(EMPLOYEE, Col { source: 0, column: 0 }, 3);
        assert_eq!(
            (s.alias(e1), s.alias(e2)),
            ("employee_1".to_string(), "employee_2".to_string())
        );
    }
}
