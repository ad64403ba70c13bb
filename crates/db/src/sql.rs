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

/// `"name"`, with any `"` inside doubled: any table or column name is safe in SQL text.
pub fn ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// The depth that names a many-to-many's junction table in the statement that reads
/// through it: an alias no filter's subqueries use.
const JUNCTION: usize = usize::MAX;

/// How a table is named in the statement being written: the root by its own name, each
/// subquery by an alias of its depth (`s1`, `s2`, …), which no outer reference can see.
#[derive(Clone, Copy)]
struct Scope<'m> {
    model: &'m Model,
    table: TableId,
    depth: usize,
}

impl<'m> Scope<'m> {
    fn alias(self) -> String {
        match self.depth {
            0 => ident(&self.model.tables[self.table].name),
            JUNCTION => "relaylite_junction".into(),
            d => format!("s{d}"),
        }
    }

    fn dialect(self) -> Dialect {
        self.model.dialect
    }

    /// A placeholder for `p`, bound in the order placeholders appear in the text.
    fn mark(self, p: &Param, out: &mut String, params: &mut Vec<Param>) {
        params.push(p.clone());
        match self.dialect() {
            Dialect::Sqlite => out.push('?'),
            Dialect::Postgres => {
                let _ = write!(out, "${}", params.len());
            }
        }
    }

    fn col(self, column: usize, out: &mut String) {
        let col = &self.model.tables[self.table].columns[column];
        // The rowid is a keyword, not a name: quoted, it would name a column called rowid.
        let name = if col.rowid { col.name.clone() } else { ident(&col.name) };
        let _ = write!(out, "{}.{name}", self.alias());
    }

    fn term(self, term: Term, out: &mut String) {
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

    fn from(self, out: &mut String) {
        let _ = write!(out, " FROM {}", ident(&self.model.tables[self.table].name));
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

    fn order(self, order: &[(Term, bool)], out: &mut String) {
        for (i, (term, desc)) in order.iter().enumerate() {
            out.push_str(if i == 0 { " ORDER BY " } else { ", " });
            self.term(*term, out);
            out.push_str(if *desc { " DESC" } else { " ASC" });
        }
    }

    fn expr(self, e: &Expr, out: &mut String, params: &mut Vec<Param>) {
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

    fn in_query(
        self,
        columns: &[usize],
        sub: &SubQuery,
        out: &mut String,
        params: &mut Vec<Param>,
    ) {
        let inner = Scope { model: self.model, table: sub.table, depth: self.depth + 1 };
        self.row_value(columns, out);
        out.push_str(" IN (SELECT ");
        inner.col_list(&sub.select, out);
        inner.from(out);
        inner.filter(&sub.filter, out, params);
        out.push(')');
    }

    /// One column, or a row value `(a, b)` for several.
    fn row_value(self, columns: &[usize], out: &mut String) {
        let row = columns.len() != 1;
        out.push_str(if row { "(" } else { "" });
        self.col_list(columns, out);
        out.push_str(if row { ")" } else { "" });
    }

    fn col_list(self, columns: &[usize], out: &mut String) {
        for (i, c) in columns.iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            self.col(*c, out);
        }
    }

    /// Every column of the table in the model's order, those outside `columns` as NULL.
    fn select_list(self, columns: &Columns, out: &mut String) {
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
    fn read(self, column: usize, out: &mut String) {
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

    fn read_list(self, columns: &[usize], out: &mut String) {
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
    fn in_json(self, columns: &[usize], keys: &Param, out: &mut String, params: &mut Vec<Param>) {
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
fn json_key_part(
    column: &relaylite_model::Column,
    v: &str,
    (i, n): (usize, usize),
    out: &mut String,
) {
    let path = if n == 1 { "#>> '{}'".into() } else { format!("->> {i}") };
    let _ = write!(out, "CAST({v} {path} AS {})", column.declared);
}

/// How a PostgreSQL column is read so that a row can hold it.
enum PostgresRead {
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

fn postgres_read(col: &relaylite_model::Column) -> PostgresRead {
    match (postgres_reads_as_is(&col.declared), col.scalar) {
        (true, _) => PostgresRead::AsIs,
        (false, relaylite_model::Scalar::Float | relaylite_model::Scalar::Numeric { .. }) => {
            PostgresRead::Cast("float8")
        }
        (false, relaylite_model::Scalar::DateTimeTz) => PostgresRead::Utc,
        (false, _) => PostgresRead::Cast("text"),
    }
}

impl Select {
    pub fn from(model: &Model, table: TableId) -> Self {
        let mut columns = Columns::default();
        columns.extend(0..model.tables[table].columns.len());
        Select { table, filter: Vec::new(), order: Vec::new(), columns }
    }

    fn scope<'m>(&self, model: &'m Model) -> Scope<'m> {
        Scope { model, table: self.table, depth: 0 }
    }

    /// `SELECT count(*)` of the rows this select returns.
    pub fn count(&self, model: &Model) -> (String, Vec<Param>) {
        let mut out = String::from("SELECT count(*)");
        let mut params = Vec::new();
        self.scope(model).from(&mut out);
        self.scope(model).filter(&self.filter, &mut out, &mut params);
        (out, params)
    }

    /// The first `limit` rows, ordered, of those in one of `parts` (disjoint conditions):
    /// each part read on its own to `limit` rows — each a seek on an index of the order,
    /// where `part OR part` would have the database gather every matching row to sort them
    /// — and the parts' rows merged by the order's terms, which each part also selects as
    /// they are (on PostgreSQL the columns read are cast and converted, and would not order
    /// as the column does).
    pub fn rows_in_parts(
        &self,
        model: &Model,
        parts: &[Expr],
        limit: usize,
    ) -> (String, Vec<Param>) {
        let scope = self.scope(model);
        let width = model.tables[self.table].columns.len();
        let mut out = String::from("SELECT ");
        for c in 0..width {
            let _ = write!(out, "{}relaylite_c{c}", if c > 0 { ", " } else { "" });
        }
        out.push_str(" FROM (");
        let mut params = Vec::new();
        let bound = Param::Int(i64::try_from(limit).unwrap_or(i64::MAX));
        for (i, part) in parts.iter().enumerate() {
            out.push_str(if i == 0 { "" } else { " UNION ALL " });
            out.push_str("SELECT * FROM (SELECT ");
            // Each column by its position: a table's own names (a column called `null`
            // beside the NULLs of columns not read) could be taken for another's.
            for c in 0..width {
                out.push_str(if c > 0 { ", " } else { "" });
                match self.columns.contains(c) {
                    true => scope.read(c, &mut out),
                    false => out.push_str("NULL"),
                }
                let _ = write!(out, " AS relaylite_c{c}");
            }
            for (o, (term, _)) in self.order.iter().enumerate() {
                out.push_str(", ");
                scope.term(*term, &mut out);
                let _ = write!(out, " AS relaylite_o{o}");
            }
            scope.from(&mut out);
            let mut filter = self.filter.clone();
            filter.push(part.clone());
            scope.filter(&filter, &mut out, &mut params);
            scope.order(&self.order, &mut out);
            out.push_str(" LIMIT ");
            scope.mark(&bound, &mut out, &mut params);
            let _ = write!(out, ") AS relaylite_part{i}");
        }
        out.push_str(") AS relaylite_page");
        for (o, (_, desc)) in self.order.iter().enumerate() {
            out.push_str(if o == 0 { " ORDER BY " } else { ", " });
            let _ = write!(out, "relaylite_o{o}{}", if *desc { " DESC" } else { " ASC" });
        }
        out.push_str(" LIMIT ");
        scope.mark(&bound, &mut out, &mut params);
        // Each part binds the filter's values again: a long `in` list read once instead.
        if params.len() > MAX_PARAMS_IN_PARTS {
            let mut one = self.clone();
            one.filter.push(Expr::Or(parts.to_vec()));
            return one.rows(model, Some((limit, 0)));
        }
        (out, params)
    }

    /// The rows, ordered, with an optional `(limit, offset)`.
    pub fn rows(&self, model: &Model, page: Option<(usize, usize)>) -> (String, Vec<Param>) {
        let scope = self.scope(model);
        let mut out = String::from("SELECT ");
        scope.select_list(&self.columns, &mut out);
        let mut params = Vec::new();
        scope.from(&mut out);
        scope.filter(&self.filter, &mut out, &mut params);
        scope.order(&self.order, &mut out);
        if let Some((limit, offset)) = page {
            out.push_str(" LIMIT ");
            scope.mark(
                &Param::Int(i64::try_from(limit).unwrap_or(i64::MAX)),
                &mut out,
                &mut params,
            );
            out.push_str(" OFFSET ");
            scope.mark(
                &Param::Int(i64::try_from(offset).unwrap_or(i64::MAX)),
                &mut out,
                &mut params,
            );
        }
        (out, params)
    }
}

/// The most values a statement read in parts may bind (the bundled SQLite takes 250,000).
const MAX_PARAMS_IN_PARTS: usize = 100_000;

/// The statements run on every request, by shape: their texts are built once per schema.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Shape {
    ByKey(TableId, Columns),
    Related(TableId, usize, Columns, Vec<(Term, bool)>, Option<usize>),
}

/// Statement texts by shape, for the life of one schema (a schema change makes a new one).
/// Shapes come from clients (columns, orders, a page size), so only the first `MAX_TEXTS`
/// are kept: the few a client sends over and over are among them.
#[derive(Default)]
pub struct Texts(RwLock<HashMap<Shape, Arc<str>>>);

const MAX_TEXTS: usize = 4096;

impl Texts {
    fn get(&self, shape: Shape, build: impl FnOnce() -> String) -> Arc<str> {
        if let Some(text) = self.0.read().ok().and_then(|m| m.get(&shape).cloned()) {
            return text;
        }
        let text: Arc<str> = build().into();
        if let Ok(mut m) = self.0.write()
            && m.len() < MAX_TEXTS
        {
            m.insert(shape, text.clone());
        }
        text
    }

    /// `SELECT <columns> FROM table WHERE (key) = (?, …)`, for `node(id:)`.
    pub fn by_key(&self, model: &Model, table: TableId, columns: &Columns) -> Arc<str> {
        self.get(Shape::ByKey(table, columns.clone()), || {
            let scope = Scope { model, table, depth: 0 };
            let key = &model.tables[table].key;
            let mut out = String::from("SELECT ");
            scope.select_list(columns, &mut out);
            scope.from(&mut out);
            out.push_str(" WHERE ");
            scope.row_value(key, &mut out);
            // The key's values are the only parameters: placeholders without values here.
            let mut marks = (String::new(), Vec::new());
            for i in 0..key.len() {
                marks.0.push_str(if i > 0 { ", " } else { "" });
                scope.mark(&Param::Null, &mut marks.0, &mut marks.1);
            }
            let _ = match key.len() {
                1 => write!(out, " = {}", marks.0),
                _ => write!(out, " = ({})", marks.0),
            };
            out
        })
    }

    /// The rows a relationship reaches from a list of parents (`keys`, one JSON parameter of
    /// their keys), each row followed by the values that say which parent it belongs to (the
    /// columns the first join reaches), filtered and in `order`; at most `per_parent` rows
    /// a parent where the dialect does better asking for that (see `RelatedText::text`).
    /// Texts without a filter are kept; a filter's text changes with its values.
    #[allow(clippy::too_many_arguments)]
    pub fn related(
        &self,
        model: &Model,
        table: TableId,
        field: usize,
        rel: &Relationship,
        columns: &Columns,
        (filter, order): (&[Expr], &[(Term, bool)]),
        per_parent: Option<usize>,
        keys: Param,
    ) -> (Arc<str>, Vec<Param>) {
        let per_parent = per_parent.filter(|_| model.dialect == Dialect::Postgres);
        let mut params = Vec::new();
        let query = RelatedText { rel, columns, order, per_parent };
        if !filter.is_empty() {
            let text = query.text(model, (filter, &keys), &mut params);
            return (text.into(), params);
        }
        let shape = Shape::Related(table, field, columns.clone(), order.to_vec(), per_parent);
        let build = || query.text(model, (&[], &keys), &mut Vec::new());
        (self.get(shape, build), vec![keys])
    }
}

/// The statement of `Texts::related`.
struct RelatedText<'a> {
    rel: &'a Relationship,
    columns: &'a Columns,
    order: &'a [(Term, bool)],
    per_parent: Option<usize>,
}

impl RelatedText<'_> {
    /// One scan in the page order, which the reader stops once every parent's page is full:
    /// SQLite then stops too. PostgreSQL reads and sorts every matching row whatever the
    /// page, so there each parent's first `per_parent` rows come from a `LIMIT` per parent
    /// where an index orders them, else are numbered by a window and only those sent
    /// (BENCHMARKS.md measures the ways on both databases).
    fn text(
        &self,
        model: &Model,
        (filter, keys): (&[Expr], &Param),
        params: &mut Vec<Param>,
    ) -> String {
        if let Some(n) = self.per_parent.filter(|_| self.index_orders_pages(model)) {
            return self.lateral(model, n, (filter, keys), params);
        }
        let target = Scope { model, table: self.rel.target, depth: 0 };
        let (link, columns_of_link) = link(model, self.rel);
        let mut out = String::from("SELECT ");
        target.select_list(self.columns, &mut out);
        out.push_str(", ");
        link.read_list(&columns_of_link, &mut out);
        let Some(n) = self.per_parent else {
            related_from(model, self.rel, (filter, keys), &mut out, params);
            target.order(self.order, &mut out);
            return out;
        };
        out.push_str(", ROW_NUMBER() OVER (PARTITION BY ");
        link.col_list(&columns_of_link, &mut out);
        target.order(self.order, &mut out);
        out.push_str(") AS relaylite_rn");
        related_from(model, self.rel, (filter, keys), &mut out, params);
        // The page size (the client's `first`, a number) is written in, not bound, so that
        // PostgreSQL plans for it; `Texts` keeps a bounded number of such texts.
        format!(
            "SELECT * FROM ({out}) AS relaylite_page WHERE relaylite_rn <= {n} ORDER BY relaylite_rn"
        )
    }

    /// Whether an index of the target begins with the link columns (in any order: each
    /// equals the parent's value) and goes on with the first column of the page order that
    /// is not one of them: then each parent's page is a range of that index, which a
    /// `LIMIT` per parent stops reading at. A junction's rows are not the target's, so a
    /// many-to-many relationship never qualifies.
    fn index_orders_pages(&self, model: &Model) -> bool {
        if self.rel.through().is_some() {
            return false;
        }
        let (_, link) = link(model, self.rel);
        let next = self.order.iter().map(|(t, _)| t.column).find(|c| !link.contains(c));
        model.tables[self.rel.target].indexes.iter().any(|index| {
            let Some((head, rest)) = index.split_at_checked(link.len()) else { return false };
            link.iter().all(|c| head.contains(c)) && next.is_none_or(|c| rest.first() == Some(&c))
        })
    }

    /// On PostgreSQL, with an index that orders the pages: for each parent, its first `n`
    /// rows by a `LIMIT`ed query of its own, which reads only those (BENCHMARKS.md).
    fn lateral(
        &self,
        model: &Model,
        n: usize,
        (filter, keys): (&[Expr], &Param),
        params: &mut Vec<Param>,
    ) -> String {
        let target = Scope { model, table: self.rel.target, depth: 0 };
        let (_, link) = link(model, self.rel);
        let mut out = String::from("SELECT relaylite_page.* FROM json_array_elements(CAST(");
        target.mark(keys, &mut out, params);
        out.push_str(" AS json)) AS relaylite_parent(v) CROSS JOIN LATERAL (SELECT ");
        target.select_list(self.columns, &mut out);
        out.push_str(", ");
        target.read_list(&link, &mut out);
        target.from(&mut out);
        for (i, &c) in link.iter().enumerate() {
            out.push_str(if i == 0 { " WHERE " } else { " AND " });
            target.col(c, &mut out);
            out.push_str(" = ");
            let column = &model.tables[self.rel.target].columns[c];
            json_key_part(column, "relaylite_parent.v", (i, link.len()), &mut out);
        }
        for e in filter {
            out.push_str(" AND ");
            target.expr(e, &mut out, params);
        }
        target.order(self.order, &mut out);
        // The page size (the client's `first`, a number) is written in, not bound, so that
        // PostgreSQL plans for it; `Texts` keeps a bounded number of such texts.
        let _ = write!(out, " LIMIT {n}) AS relaylite_page");
        out
    }
}

/// How many rows a relationship reaches from each of a list of parents (`keys`, one JSON
/// parameter of their keys): rows of a parent's link values and its count.
pub fn related_count(
    model: &Model,
    rel: &Relationship,
    filter: &[Expr],
    keys: Param,
) -> (String, Vec<Param>) {
    let (link, columns) = link(model, rel);
    let mut out = String::from("SELECT ");
    link.read_list(&columns, &mut out);
    out.push_str(", count(*)");
    let mut params = Vec::new();
    related_from(model, rel, (filter, &keys), &mut out, &mut params);
    out.push_str(" GROUP BY ");
    link.col_list(&columns, &mut out);
    (out, params)
}

/// Where a related row says which parent it belongs to: the columns the first join
/// reaches, on the target row itself or on the junction.
fn link<'m>(model: &'m Model, rel: &Relationship) -> (Scope<'m>, Vec<usize>) {
    let columns: Vec<usize> = rel.hops[0].on.iter().map(|p| p.1).collect();
    match rel.through() {
        None => (Scope { model, table: rel.target, depth: 0 }, columns),
        Some(junction) => (Scope { model, table: junction.table, depth: JUNCTION }, columns),
    }
}

/// ` FROM … WHERE (link) IN (json) AND <filter>`: the rows a relationship reaches from the
/// parents whose keys `keys` lists.
fn related_from(
    model: &Model,
    rel: &Relationship,
    (filter, keys): (&[Expr], &Param),
    out: &mut String,
    params: &mut Vec<Param>,
) {
    let target = Scope { model, table: rel.target, depth: 0 };
    let (link, columns) = link(model, rel);
    link.from(out);
    if rel.through().is_some() {
        let _ = write!(out, " JOIN {} ON ", ident(&model.tables[rel.target].name));
        for (i, (far, to)) in rel.hops[1].on.iter().enumerate() {
            out.push_str(if i > 0 { " AND " } else { "" });
            target.col(*to, out);
            out.push_str(" = ");
            link.col(*far, out);
        }
    }
    out.push_str(" WHERE ");
    link.in_json(&columns, keys, out, params);
    for e in filter {
        out.push_str(" AND ");
        target.expr(e, out, params);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use relaylite_model::{Column, Model, Scalar, Table, TableKind};

    fn table(name: &str, columns: &[&str], key: usize) -> Table {
        let columns = columns
            .iter()
            .map(|c| Column {
                name: c.to_string(),
                declared: "TEXT".into(),
                scalar: Scalar::String,
                reflected: Scalar::String,
                not_null: false,
                pk: 0,
                rowid: false,
            })
            .collect();
        Table {
            name: name.into(),
            kind: TableKind::Table,
            columns,
            key: vec![key],
            indexes: Vec::new(),
            served: true,
            type_name: name.into(),
            root: None,
            fields: Vec::new(),
            sort_names: Vec::new(),
        }
    }

    fn model() -> Model {
        let employee = table("employee", &["id", "name", "hired on", "department_id"], 0);
        let department = table("department", &["id", "name"], 0);
        Model { tables: vec![employee, department], example_query: None, dialect: Dialect::Sqlite }
    }

    #[test]
    fn renders_semi_joins_filters_and_pages() {
        let m = model();
        let mut s = Select::from(&m, 0);
        let named = Expr::Cmp(Term::of(1), CmpOp::Eq, Param::Text("Engineering".into()));
        let sub = SubQuery { table: 1, select: vec![0], filter: vec![named] };
        s.filter.push(Expr::InQuery(vec![3], Box::new(sub)));
        s.filter.push(Expr::Not(Box::new(Expr::IsNull(1))));
        s.order.push((Term { column: 2, through: Some(Temporal::Date) }, false));
        let (text, params) = s.rows(&m, Some((10, 5)));
        assert_eq!(
            text,
            "SELECT \"employee\".\"id\", \"employee\".\"name\", \"employee\".\"hired on\", \
             \"employee\".\"department_id\" FROM \"employee\" \
             WHERE \"employee\".\"department_id\" IN (SELECT s1.\"id\" FROM \"department\" AS s1 \
             WHERE s1.\"name\" = ?) AND NOT (\"employee\".\"name\" IS NULL) \
             ORDER BY relaylite_date(\"employee\".\"hired on\") ASC LIMIT ? OFFSET ?"
        );
        assert_eq!(params, [Param::Text("Engineering".into()), Param::Int(10), Param::Int(5)]);
    }

    #[test]
    fn nested_subqueries_get_their_own_aliases_and_row_values() {
        let m = model();
        let inner = SubQuery { table: 0, select: vec![3], filter: vec![] };
        let outer = SubQuery {
            table: 1,
            select: vec![0, 1],
            filter: vec![Expr::InQuery(vec![0], Box::new(inner))],
        };
        let mut s = Select::from(&m, 1);
        s.filter.push(Expr::InQuery(vec![0, 1], Box::new(outer)));
        let (text, _) = s.count(&m);
        assert_eq!(
            text,
            "SELECT count(*) FROM \"department\" WHERE (\"department\".\"id\", \"department\".\"name\") \
             IN (SELECT s1.\"id\", s1.\"name\" FROM \"department\" AS s1 WHERE s1.\"id\" IN \
             (SELECT s2.\"department_id\" FROM \"employee\" AS s2))"
        );
    }

    #[test]
    fn postgresql_pages_per_parent_by_limit_where_an_index_orders_them() {
        let mut m = model();
        m.dialect = Dialect::Postgres;
        m.tables[0].columns.iter_mut().for_each(|c| c.declared = "text".into());
        // (department_id, name): pages of a department's employees by name are its ranges.
        m.tables[0].indexes = vec![vec![0], vec![3, 1]];
        let rel = relaylite_model::Relationship {
            target: 0,
            shape: relaylite_model::Shape::List,
            hops: vec![relaylite_model::Hop { table: 0, on: vec![(0, 3)] }],
        };
        let mut columns = Columns::default();
        columns.extend([0, 1]);
        let text = |m: &Model, order: &[(Term, bool)]| {
            let query = RelatedText { rel: &rel, columns: &columns, order, per_parent: Some(3) };
            let filter = [Expr::Not(Box::new(Expr::IsNull(1)))];
            let mut params = Vec::new();
            let text = query.text(m, (&filter, &Param::Text("[1]".into())), &mut params);
            (text, params.len())
        };
        let by_name = [(Term::of(1), true), (Term::of(0), false)];
        assert_eq!(
            text(&m, &by_name),
            (
                "SELECT relaylite_page.* FROM json_array_elements(CAST($1 AS json)) \
                 AS relaylite_parent(v) CROSS JOIN LATERAL (SELECT \"employee\".\"id\", \
                 \"employee\".\"name\", NULL, NULL, \"employee\".\"department_id\" \
                 FROM \"employee\" WHERE \"employee\".\"department_id\" = \
                 CAST(relaylite_parent.v #>> '{}' AS text) AND NOT (\"employee\".\"name\" IS NULL) \
                 ORDER BY \"employee\".\"name\" DESC, \"employee\".\"id\" ASC LIMIT 3) \
                 AS relaylite_page"
                    .to_string(),
                1
            )
        );
        // The link column first in the order is one value per parent: the index still fits.
        let by_link_then_name = [(Term::of(3), false), (Term::of(1), false)];
        assert!(text(&m, &by_link_then_name).0.contains("LATERAL"));
        // By "hired on", no index gives a parent's rows in order: the window numbers them.
        let (by_date, _) = text(&m, &[(Term::of(2), false)]);
        assert!(by_date.contains("ROW_NUMBER() OVER") && !by_date.contains("LATERAL"));
        // The window's parents are searched for in the index that begins with the link...
        let searched = "WHERE \"employee\".\"department_id\" = ANY(ARRAY(SELECT \
             CAST(v #>> '{}' AS text) FROM json_array_elements(CAST($1 AS json)) AS j(v))) AND";
        assert!(by_date.contains(searched), "{by_date}");
        // ...and joined to the table's rows where none does.
        m.tables[0].indexes = vec![vec![0], vec![1, 3]];
        let (by_date, _) = text(&m, &[(Term::of(2), false)]);
        let joined = "WHERE \"employee\".\"department_id\" IN (SELECT \
             CAST(v #>> '{}' AS text) FROM json_array_elements(CAST($1 AS json)) AS j(v)) AND";
        assert!(by_date.contains(joined), "{by_date}");
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
    }

    #[test]
    fn statement_texts_kept_are_bounded_whatever_shapes_clients_send() {
        let texts = Texts::default();
        for table in 0..MAX_TEXTS + 10 {
            let text = texts.get(Shape::ByKey(table, Columns::default()), || table.to_string());
            assert_eq!(*text, table.to_string());
        }
        assert_eq!(texts.0.read().map(|m| m.len()).ok(), Some(MAX_TEXTS));
        assert_eq!(&*texts.get(Shape::ByKey(0, Columns::default()), || "new".into()), "0", "kept");
    }

    #[test]
    fn rows_in_parts_merge_index_ranges_unless_their_values_would_be_too_many() {
        let m = model();
        let mut s = Select::from(&m, 0);
        s.order.push((Term::of(1), true));
        let parts = [Expr::IsNull(1), Expr::Cmp(Term::of(1), CmpOp::Lt, Param::Text("m".into()))];
        let (text, params) = s.rows_in_parts(&m, &parts, 5);
        assert_eq!(text.matches("UNION ALL").count(), 1, "{text}");
        assert_eq!(params, [Param::Int(5), Param::Text("m".into()), Param::Int(5), Param::Int(5)]);
        // Merged by the order's own values, which each part selects beside the columns read.
        assert!(text.contains("\"employee\".\"name\" AS relaylite_o0 FROM"), "{text}");
        assert!(text.ends_with(") AS relaylite_page ORDER BY relaylite_o0 DESC LIMIT ?"), "{text}");
        // On PostgreSQL a value equal to the cursor's is sought by `=`, which an index serves
        // (`IS NOT DISTINCT FROM` it does not).
        let mut pg = model();
        pg.dialect = Dialect::Postgres;
        let mut s = Select::from(&pg, 0);
        s.order.push((Term::of(1), true));
        let tie = Expr::And(vec![
            Expr::Is(Term::of(1), Param::Text("m".into())),
            Expr::Is(Term::of(2), Param::Null),
        ]);
        let (text, _) = s.rows_in_parts(&pg, &[tie, Expr::IsNull(1)], 5);
        let sought = "WHERE (\"employee\".\"name\" = $1 AND \"employee\".\"hired on\" IS NULL)";
        assert!(text.contains(sought), "{text}");
        let mut s = Select::from(&m, 0);
        s.order.push((Term::of(1), true));
        // An `in` list bound once per part would pass the bound: one condition instead.
        let many: Vec<Param> = (0..60_000).map(Param::Int).collect();
        s.filter.push(Expr::In(Term::of(0), many));
        let (text, params) = s.rows_in_parts(&m, &parts, 5);
        assert!(!text.contains("UNION ALL") && text.contains(" OR "));
        assert_eq!(params.len(), 60_000 + 1 + 2);
    }
}
