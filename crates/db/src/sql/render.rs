//! Rendering: how a table is named in the statement being written (`Scope`), and how its
//! columns, conditions, orders and key lists are spelled in each dialect — the one place
//! that writes a column's name or a dialect's syntax into SQL text.

use super::*;

/// How a table is named in the statement being written: the root by its own name, each
/// subquery by an alias of its depth (`s1`, `s2`, …), which no outer reference can see.
#[derive(Clone, Copy)]
pub(super) struct Scope<'m> {
    pub(super) model: &'m Model,
    pub(super) table: TableId,
    pub(super) depth: usize,
}

impl<'m> Scope<'m> {
    pub(super) fn alias(self) -> String {
        match self.depth {
            0 => ident(&self.model.tables[self.table].name),
            JUNCTION => "relaylite_junction".into(),
            d => format!("s{d}"),
        }
    }

    pub(super) fn dialect(self) -> Dialect {
        self.model.dialect
    }

    /// A placeholder for `p`, bound in the order placeholders appear in the text.
    pub(super) fn mark(self, p: &Param, out: &mut String, params: &mut Vec<Param>) {
        params.push(p.clone());
        match self.dialect() {
            Dialect::Sqlite => out.push('?'),
            Dialect::Postgres => {
                let _ = write!(out, "${}", params.len());
            }
        }
    }

    pub(super) fn col(self, column: usize, out: &mut String) {
        let col = &self.model.tables[self.table].columns[column];
        // The rowid is a keyword, not a name: quoted, it would name a column called rowid.
        let name = if col.rowid { col.name.clone() } else { ident(&col.name) };
        let _ = write!(out, "{}.{name}", self.alias());
    }

    pub(super) fn term(self, term: Term, out: &mut String) {
        // PostgreSQL's dates and times are typed: they compare as instants already.
        match term.through.filter(|_| self.dialect() == Dialect::Sqlite) {
            Some(kind) => {
                let _ = write!(out, "{}(", kind.sql_function());
                self.col(term.column, out);
                out.push(')');
            }
            None => self.col(term.column, out),
        }
    }

    pub(super) fn from(self, out: &mut String) {
        let _ = write!(out, " FROM {}", ident(&self.model.tables[self.table].name));
        if self.depth > 0 {
            let _ = write!(out, " AS {}", self.alias());
        }
    }

    pub(super) fn filter(self, filter: &[Expr], out: &mut String, params: &mut Vec<Param>) {
        for (i, e) in filter.iter().enumerate() {
            out.push_str(if i == 0 { " WHERE " } else { " AND " });
            self.expr(e, out, params);
        }
    }

    pub(super) fn order(self, order: &[(Term, bool)], out: &mut String) {
        for (i, (term, desc)) in order.iter().enumerate() {
            out.push_str(if i == 0 { " ORDER BY " } else { ", " });
            self.term(*term, out);
            out.push_str(if *desc { " DESC" } else { " ASC" });
        }
    }

    pub(super) fn expr(self, e: &Expr, out: &mut String, params: &mut Vec<Param>) {
        match e {
            Expr::True => out.push_str("1 = 1"),
            Expr::False => out.push_str("1 != 1"),
            Expr::Cmp(t, op, p) => {
                self.term(*t, out);
                out.push_str(op.sql());
                self.mark(p, out, params);
            }
            // PostgreSQL searches no index for `IS NOT DISTINCT FROM`, its spelling of
            // SQLite's `IS`: a value there is compared by `=`, which means the same.
            Expr::Is(t, Param::Null) => {
                self.term(*t, out);
                out.push_str(" IS NULL");
            }
            Expr::Is(t, p) => {
                self.term(*t, out);
                out.push_str(match self.dialect() {
                    Dialect::Sqlite => " IS ",
                    Dialect::Postgres => " = ",
                });
                self.mark(p, out, params);
            }
            Expr::Row(terms, op, values) => {
                out.push('(');
                for (i, t) in terms.iter().enumerate() {
                    out.push_str(if i > 0 { ", " } else { "" });
                    self.term(*t, out);
                }
                out.push(')');
                out.push_str(op.sql());
                out.push('(');
                for (i, p) in values.iter().enumerate() {
                    out.push_str(if i > 0 { ", " } else { "" });
                    self.mark(p, out, params);
                }
                out.push(')');
            }
            Expr::IsNull(c) => {
                self.col(*c, out);
                out.push_str(" IS NULL");
            }
            Expr::In(t, items) | Expr::NotIn(t, items) => {
                self.term(*t, out);
                out.push_str(if matches!(e, Expr::In(..)) { " IN (" } else { " NOT IN (" });
                for (i, p) in items.iter().enumerate() {
                    out.push_str(if i > 0 { ", " } else { "" });
                    self.mark(p, out, params);
                }
                out.push(')');
            }
            Expr::Like(c, p) | Expr::NotLike(c, p) => {
                self.col(*c, out);
                out.push_str(if matches!(e, Expr::Like(..)) { " LIKE " } else { " NOT LIKE " });
                self.mark(p, out, params);
            }
            Expr::ILike(c, p) => match self.dialect() {
                Dialect::Sqlite => {
                    out.push_str("lower(");
                    self.col(*c, out);
                    out.push_str(") LIKE lower(");
                    self.mark(p, out, params);
                    out.push(')');
                }
                Dialect::Postgres => {
                    self.col(*c, out);
                    out.push_str(" ILIKE ");
                    self.mark(p, out, params);
                }
            },
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

    pub(super) fn in_query(
        self,
        columns: &[usize],
        sub: &SubQuery,
        out: &mut String,
        params: &mut Vec<Param>,
    ) {
        // Subqueries never refer out, so one under the junction may start at `s1` again.
        let depth = self.depth.checked_add(1).filter(|d| *d != JUNCTION).unwrap_or(1);
        let inner = Scope { model: self.model, table: sub.table, depth };
        self.row_value(columns, out);
        out.push_str(" IN (SELECT ");
        inner.col_list(&sub.select, out);
        inner.from(out);
        inner.filter(&sub.filter, out, params);
        out.push(')');
    }

    /// One column, or a row value `(a, b)` for several.
    pub(super) fn row_value(self, columns: &[usize], out: &mut String) {
        let row = columns.len() != 1;
        out.push_str(if row { "(" } else { "" });
        self.col_list(columns, out);
        out.push_str(if row { ")" } else { "" });
    }

    pub(super) fn col_list(self, columns: &[usize], out: &mut String) {
        for (i, c) in columns.iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            self.col(*c, out);
        }
    }

    /// Every column of the table in the model's order, those outside `columns` as NULL.
    pub(super) fn select_list(self, columns: &Columns, out: &mut String) {
        for i in 0..self.model.tables[self.table].columns.len() {
            if i > 0 {
                out.push_str(", ");
            }
            match columns.contains(i) {
                true => self.read(i, out),
                false => out.push_str("NULL"),
            }
        }
    }

    /// A column as a statement's result holds it: PostgreSQL values of types rows have no
    /// cell for come back as float8 or as text, a timestamptz as its UTC wall time.
    pub(super) fn read(self, column: usize, out: &mut String) {
        let col = &self.model.tables[self.table].columns[column];
        let how = match self.dialect() {
            Dialect::Sqlite => PostgresRead::AsIs,
            Dialect::Postgres => postgres_read(col),
        };
        match how {
            PostgresRead::AsIs => self.col(column, out),
            PostgresRead::Cast(ty) => {
                out.push_str("CAST(");
                self.col(column, out);
                let _ = write!(out, " AS {ty})");
            }
            PostgresRead::Utc => {
                out.push_str("to_char(");
                self.col(column, out);
                out.push_str(" AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US')");
            }
        }
    }

    pub(super) fn read_list(self, columns: &[usize], out: &mut String) {
        for (i, c) in columns.iter().enumerate() {
            out.push_str(if i > 0 { ", " } else { "" });
            self.read(*c, out);
        }
    }

    /// `(columns) IN (<rows of a JSON list>)`: the row among a JSON list of keys (of arrays,
    /// for a key of several columns), one parameter whatever its length. PostgreSQL reads
    /// each value back as its column's type. There a single column that begins an index is
    /// matched by `= ANY(ARRAY(…))` instead: PostgreSQL reads `IN` as a semi-join, which it
    /// often plans as a scan of the whole table, but `ANY` of a list as a search of the
    /// index for each key (an unindexed column keeps `IN`, whose hashed semi-join does not
    /// compare each row with every key).
    pub(super) fn in_json(
        self,
        columns: &[usize],
        keys: &Param,
        out: &mut String,
        params: &mut Vec<Param>,
    ) {
        let table = &self.model.tables[self.table];
        let searched = self.dialect() == Dialect::Postgres
            && matches!(columns, [c] if table.indexes.iter().any(|i| i.first() == Some(c)));
        self.row_value(columns, out);
        out.push_str(if searched { " = ANY(ARRAY(SELECT " } else { " IN (SELECT " });
        match self.dialect() {
            Dialect::Sqlite => {
                match columns.len() {
                    1 => out.push_str("value"),
                    n => {
                        let parts: Vec<String> = (0..n).map(|i| format!("value ->> {i}")).collect();
                        out.push_str(&parts.join(", "));
                    }
                }
                out.push_str(" FROM json_each(");
            }
            Dialect::Postgres => {
                for (i, &c) in columns.iter().enumerate() {
                    out.push_str(if i > 0 { ", " } else { "" });
                    json_key_part(&table.columns[c], "v", (i, columns.len()), out);
                }
                out.push_str(" FROM json_array_elements(CAST(");
            }
        }
        self.mark(keys, out, params);
        out.push_str(match self.dialect() {
            Dialect::Sqlite => "))",
            Dialect::Postgres => " AS json)) AS j(v))",
        });
        out.push_str(if searched { ")" } else { "" });
    }
}

/// On PostgreSQL, part `i` of `n` of a key in the JSON value `v`, as `column`'s type.
pub(super) fn json_key_part(
    column: &relaylite_model::Column,
    v: &str,
    (i, n): (usize, usize),
    out: &mut String,
) {
    let path = if n == 1 { "#>> '{}'".into() } else { format!("->> {i}") };
    let _ = write!(out, "CAST({v} {path} AS {})", column.declared);
}

/// How a PostgreSQL column is read so that a row can hold it.
pub(super) enum PostgresRead {
    /// As it is: booleans, integers, floats, text, bytes.
    AsIs,
    /// Cast to this type: numbers to float8, everything else to its text.
    Cast(&'static str),
    /// A timestamptz as the UTC time it denotes, in the text form SQLite's are stored in.
    Utc,
}

/// Whether a PostgreSQL column of this declared type (as `format_type` prints it) comes back
/// as it is: the types a row's `Cell` holds without a cast.
pub fn postgres_reads_as_is(declared: &str) -> bool {
    const NATIVE: &[&str] = &[
        "boolean",
        "smallint",
        "integer",
        "bigint",
        "real",
        "double precision",
        "text",
        "bytea",
        "name",
    ];
    NATIVE.contains(&declared)
        || declared.starts_with("character varying")
        || declared.starts_with("character(")
        || declared == "character"
}

pub(super) fn postgres_read(col: &relaylite_model::Column) -> PostgresRead {
    match (postgres_reads_as_is(&col.declared), col.scalar) {
        (true, _) => PostgresRead::AsIs,
        (false, relaylite_model::Scalar::Float | relaylite_model::Scalar::Numeric { .. }) => {
            PostgresRead::Cast("float8")
        }
        (false, relaylite_model::Scalar::DateTimeTz) => PostgresRead::Utc,
        (false, _) => PostgresRead::Cast("text"),
    }
}
