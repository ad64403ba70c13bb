//! The model: what relaylite serves, as one value. Tables with their columns and keys (read
//! from the database), and for each served table the GraphQL type, fields, relationships and
//! connection settings the schema, the SQL and the SDL are all derived from.
//!
//! Derived from what a database's catalogue says (`derive`: names by `names`, scalars by
//! `scalar`) and replaced, table by table, by a model file (`file`); the tutorial's API is
//! the embedded file `tutorial.toml`. A crate of its own below the database and GraphQL
//! layers: the value knows no schema types, no SQL text and no driver (the catalogue
//! readers that fill a `Catalog` are the database crate's).

pub mod access;
pub mod datetime;
pub mod derive;
pub mod file;
pub mod names;
pub mod scalar;

pub use access::Access;
pub use derive::Catalog;
pub use scalar::Scalar;

/// Index of a table in `Model::tables`.
pub type TableId = usize;

#[derive(Debug, Clone, PartialEq)]
pub struct Model {
    /// Every table and view relaylite can read, served or not (a many-to-many relationship
    /// goes through a junction table that may have no type of its own).
    pub tables: Vec<Table>,
    /// GraphiQL's opening query; derived from the schema when the model file gives none.
    pub example_query: Option<String>,
    /// The SQL the database speaks.
    pub dialect: Dialect,
    /// Who may read what (the model file's `[access]` and `[[roles]]`); `None`: everybody
    /// reads everything served.
    pub access: Option<Access>,
}

/// What a view is not: a table's rows have an identity (its key, or the rowid); a view's
/// have none unless the model file names one. (A `WITHOUT ROWID` table and a virtual table
/// that reads like one are tables here: the first has its key, the second its rowid.)
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TableKind {
    Table,
    View,
}

/// The SQL a database speaks, where SQLite and PostgreSQL differ: placeholders, NULL
/// equality, case-insensitive LIKE, how a JSON list of keys becomes rows, and which
/// stored values need a cast to come back in a form rows can hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Dialect {
    #[default]
    Sqlite,
    Postgres,
}

impl Dialect {
    /// Whether NULLs come first in an ascending order (SQLite) rather than last (PostgreSQL).
    pub fn nulls_first(self) -> bool {
        self == Dialect::Sqlite
    }

    /// Whether a value's storage class is its own rather than its column's (SQLite's: a
    /// BLOB column may hold TEXT, which a string then finds as well as the bytes).
    pub fn typed_per_value(self) -> bool {
        self == Dialect::Sqlite
    }

    /// Whether a date-time with an offset is bound as the UTC instant it denotes
    /// (PostgreSQL's `timestamptz` compares instants), rather than as written (SQLite's
    /// text, which the date functions read with its offset).
    pub fn binds_utc(self) -> bool {
        self == Dialect::Postgres
    }
}

/// A table or view, and the GraphQL type that shows its rows.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    /// The name in SQL.
    pub name: String,
    pub kind: TableKind,
    /// The database's columns in their order, then the rowid when it identifies the rows.
    pub columns: Vec<Column>,
    /// The columns whose values identify a row: the primary key, or the rowid; none for a
    /// view, whose rows have no identity (no `Node`, offset cursors only).
    pub key: Vec<usize>,
    /// The key columns of its ordered (btree) indexes, in index order, up to the first
    /// expression (on SQLite, then the rowid's column where the index ends with it): what
    /// PostgreSQL's per-parent statement's form, and where a keyset page's parts seek,
    /// depend on.
    pub indexes: Vec<Vec<usize>>,
    /// Whether the table is served (has a GraphQL type).
    pub served: bool,
    pub type_name: String,
    /// The root connection field on `Query`, if any.
    pub root: Option<ConnectionOptions>,
    /// The fields of the type, in order: columns and relationships.
    pub fields: Vec<Field>,
    /// `<COLUMN>_ASC` / `_DESC` names of the sort enum, by column (`None`: not sortable).
    pub sort_names: Vec<Option<String>>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    /// The name in SQL (`rowid` for the rowid pseudo-column).
    pub name: String,
    /// The declared type, as the database prints it (`PRAGMA table_xinfo`, `format_type`).
    pub declared: String,
    /// The kind served: `reflected`, or what a model file's `type` makes it.
    pub scalar: Scalar,
    /// The kind reflection reads the declared type as.
    pub reflected: Scalar,
    pub not_null: bool,
    /// Position in the primary key (1-based), 0 when not part of it.
    pub pk: usize,
    /// The rowid pseudo-column, read when a table has no primary key.
    pub rowid: bool,
}

/// A field of a type: a column's value, or a relationship.
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    pub name: String,
    pub source: Source,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Source {
    Column(usize),
    Relation(Relationship),
}

/// How a row of one table leads to rows of another: one join (`hops` has one step) for a
/// foreign key in either direction, two for a many-to-many through a junction table.
#[derive(Debug, Clone, PartialEq)]
pub struct Relationship {
    pub target: TableId,
    pub shape: Shape,
    pub hops: Vec<Hop>,
}

/// One join: columns of the table reached so far equal to columns of `table`.
#[derive(Debug, Clone, PartialEq)]
pub struct Hop {
    pub table: TableId,
    /// Pairs of (column of the previous table, column of `table`).
    pub on: Vec<(usize, usize)>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Shape {
    /// At most one related row: an object field.
    Object,
    /// A connection, with its own settings.
    Connection(ConnectionOptions),
    /// A plain list of every related row.
    List,
}

/// What a connection field offers beyond `first`/`last`/`before`/`after`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectionOptions {
    /// The field's name (for a root connection; a relationship's is its field's).
    pub name: String,
    pub sort: bool,
    pub filter: bool,
    /// `totalCount` on the connection (the rows its filter matches, whatever the page).
    pub total_count: bool,
    /// `nodes` beside `edges`.
    pub nodes: bool,
    pub cursors: Cursors,
}

/// What a connection's cursors hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cursors {
    /// A row's position (`arrayconnection:N`), as graphql-relay makes them: page k costs O(k)
    /// and positions shift when rows are inserted.
    Offset,
    /// The row's sort values and key: a page seeks where the last one ended.
    Keyset,
}

impl ConnectionOptions {
    /// Everything graphene-sqlalchemy has (sort, filter) and what it lacks (counts,
    /// `nodes`, keyset cursors): reflection's default, with no original to match.
    pub fn all(name: String) -> ConnectionOptions {
        ConnectionOptions {
            name,
            sort: true,
            filter: true,
            total_count: true,
            nodes: true,
            cursors: Cursors::Keyset,
        }
    }
}

impl Model {
    /// The served table whose type is named `type_name`.
    pub fn by_type(&self, type_name: &str) -> Option<TableId> {
        self.tables.iter().position(|t| t.served && t.type_name == type_name)
    }
}

impl Table {
    /// Rows of this table have an identity (a key): its type implements `Node`.
    pub fn is_node(&self) -> bool {
        !self.key.is_empty()
    }

    /// The column named `name`, as SQLite resolves names: ignoring ASCII case.
    pub fn column(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c.name.eq_ignore_ascii_case(name))
    }

    /// The values of the table's sort enum, in the schema's order: each sortable column
    /// ascending, then descending — `(column, descending, stem)`. The schema names them
    /// from it and a plan reads a value's position back through it.
    pub fn sort_values(&self) -> impl Iterator<Item = (usize, bool, &str)> {
        let sortable = self.sort_names.iter().enumerate();
        sortable
            .filter_map(|(c, stem)| stem.as_deref().map(|s| (c, s)))
            .flat_map(|(c, stem)| [(c, false, stem), (c, true, stem)])
    }

    /// The columns a total order ends with: the key, or every column of a view.
    pub fn tie_break(&self) -> Vec<usize> {
        match self.key.is_empty() {
            true => (0..self.columns.len()).collect(),
            false => self.key.clone(),
        }
    }
}

impl Relationship {
    /// The columns of the parent table the relationship starts from.
    pub fn from_columns(&self) -> Vec<usize> {
        self.hops[0].on.iter().map(|(from, _)| *from).collect()
    }

    /// The junction table of a many-to-many, if this is one.
    pub fn through(&self) -> Option<&Hop> {
        (self.hops.len() > 1).then(|| &self.hops[0])
    }
}

/// The tutorial's model file, built into the binary (its database is `relaylite-db`'s).
pub const TUTORIAL: &str = include_str!("tutorial.toml");

/// The model for a database whose catalogue is `catalog`: a model file's when one is given
/// (its name and text), the tutorial's when the database's tables are exactly those of
/// `tutorial` (the tutorial database's catalogue), and reflection's otherwise.
pub fn load(
    catalog: Catalog,
    tutorial: Option<&Catalog>,
    file: Option<(&str, &str)>,
) -> Result<Model, String> {
    match file {
        Some((name, text)) => file::read(name, text, &catalog),
        None if tutorial.is_some_and(|t| same_tables(t, &catalog)) => {
            file::read("tutorial.toml (built in)", TUTORIAL, &catalog)
        }
        None => Ok(derive::derive(&catalog)),
    }
}

/// Whether two catalogues have the same tables and columns, each column of the same kind
/// (whatever the database calls its type).
fn same_tables(a: &Catalog, b: &Catalog) -> bool {
    let shape = |c: &Catalog| -> Vec<(String, String, Scalar, usize)> {
        let columns = |t: &Table| {
            t.columns
                .iter()
                .map(|c| (t.name.clone(), c.name.clone(), c.scalar, c.pk))
                .collect::<Vec<_>>()
        };
        c.tables.iter().flat_map(columns).collect()
    };
    shape(a) == shape(b)
}
