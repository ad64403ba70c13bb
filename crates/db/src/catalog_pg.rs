//! Reading PostgreSQL's catalogue (`pg_class`, `pg_attribute`, `pg_constraint`) into the
//! same `Catalog` SQLite's reader gives, so naming, model files and everything derived from
//! them work unchanged.
//!
//! It reads through `Db`'s statements like any request, so it needs no driver of its own.
//! Types map as graphene-sqlalchemy maps PostgreSQL's; the declared type kept is the one
//! PostgreSQL prints (`format_type`), which statements cast key values to.

use std::collections::HashMap;

use relaylite_model::derive::{Catalog, ForeignKey};
use relaylite_model::names::{self, RESERVED_TYPES, unused};
use relaylite_model::scalar::{Element, EnumType};
use relaylite_model::{Column, Dialect, Scalar, Table, TableKind};

use crate::{Cell, Db, Param, Row, Rows};

type Result<T> = std::result::Result<T, String>;

const TABLES: &str = "SELECT c.oid, c.relname, c.relkind FROM pg_class c \
     JOIN pg_namespace n ON n.oid = c.relnamespace \
     WHERE n.nspname = $1 AND c.relkind IN ('r', 'p', 'v', 'm', 'f') AND NOT c.relispartition \
     ORDER BY c.relname";

/// Each column: name, printed type, NOT NULL, and of its base type (a domain's underlying
/// one): name, kind (`e` for an enum), the element type's name for an array, and its oid.
const COLUMNS: &str = "SELECT a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull, \
     b.typname, CAST(b.typtype AS text), coalesce(e.typname, ''), CAST(b.oid AS int8) \
     FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid \
     JOIN pg_type b ON b.oid = CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE t.oid END \
     LEFT JOIN pg_type e ON e.oid = b.typelem AND b.typcategory = 'A' \
     WHERE a.attrelid = CAST($1 AS oid) AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum";

const ENUM_LABELS: &str =
    "SELECT enumlabel FROM pg_enum WHERE enumtypid = CAST($1 AS oid) ORDER BY enumsortorder";

const PRIMARY_KEY: &str = "SELECT a.attname FROM pg_constraint c \
     CROSS JOIN LATERAL unnest(c.conkey) WITH ORDINALITY AS k(attnum, ord) \
     JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum \
     WHERE c.conrelid = CAST($1 AS oid) AND c.contype = 'p' ORDER BY k.ord";

const FOREIGN_KEYS: &str = "SELECT c.conname, t.relname, a.attname, fa.attname FROM pg_constraint c \
     JOIN pg_class t ON t.oid = c.confrelid \
     CROSS JOIN LATERAL unnest(c.conkey, c.confkey) WITH ORDINALITY AS k(from_num, to_num, ord) \
     JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.from_num \
     JOIN pg_attribute fa ON fa.attrelid = c.confrelid AND fa.attnum = k.to_num \
     WHERE c.conrelid = CAST($1 AS oid) AND c.contype = 'f' \
     AND t.relnamespace = c.connamespace ORDER BY c.conname, k.ord";

/// Each valid, non-partial btree index's key columns (`INCLUDE` columns left out), in
/// order; an expression's position has no name.
const INDEXES: &str = "SELECT ic.relname, coalesce(a.attname, '') FROM pg_index i \
     JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_am am ON am.oid = ic.relam \
     CROSS JOIN LATERAL unnest(CAST(i.indkey AS int2[])) WITH ORDINALITY AS k(attnum, ord) \
     LEFT JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum \
     WHERE i.indrelid = CAST($1 AS oid) AND i.indisvalid AND i.indpred IS NULL \
     AND am.amname = 'btree' AND k.ord <= i.indnkeyatts ORDER BY ic.relname, k.ord";

fn text(row: &Row, i: usize) -> String {
    match row.get(i) {
        Some(Cell::Text(s)) => s.to_string(),
        _ => String::new(),
    }
}

/// An integer column (an oid) as the text a parameter takes.
fn number(row: &Row, i: usize) -> String {
    match row.get(i) {
        Some(Cell::Int(n)) => n.to_string(),
        _ => String::new(),
    }
}

fn flag(row: &Row, i: usize) -> bool {
    matches!(row.get(i), Some(Cell::Int(1)))
}

/// Reads the catalogue of `schema`. Tables come sorted by name, as SQLite's do.
pub fn catalog(db: &Db, schema: &str) -> Result<Catalog> {
    let q = |sql: &str, p: &str| db.query(sql, &[Param::Text(p.into())]).map_err(|e| e.to_string());
    let mut tables = Vec::new();
    let mut oids = Vec::new();
    let mut enums = Enums::default();
    for row in q(TABLES, schema)?.iter() {
        let kind = match text(row, 2).as_str() {
            "v" | "m" => TableKind::View,
            _ => TableKind::Table,
        };
        let oid = number(row, 0);
        tables.push(table(&q, &mut enums, &oid, text(row, 1), kind)?);
        oids.push(oid);
    }
    let by_name: HashMap<&str, usize> =
        tables.iter().enumerate().map(|(i, t)| (t.name.as_str(), i)).collect();
    let mut foreign_keys = Vec::new();
    for (t, oid) in oids.iter().enumerate() {
        let rows = q(FOREIGN_KEYS, oid)?;
        let mut names: Vec<String> = rows.iter().map(|r| text(r, 0)).collect();
        names.dedup();
        for name in names {
            let parts: Vec<&Row> = rows.iter().filter(|r| text(r, 0) == name).collect();
            foreign_keys.extend(foreign_key((&tables, &by_name), t, &parts));
        }
    }
    let enums = enums.0.into_iter().map(|(_, e)| e).collect();
    Ok(Catalog { tables, foreign_keys, dialect: Dialect::Postgres, enums })
}

/// The enum types read so far, by oid: each read once, shared by its columns.
#[derive(Default)]
struct Enums(Vec<(String, &'static EnumType)>);

impl Enums {
    fn get(
        &mut self,
        q: &impl Fn(&str, &str) -> Result<Rows>,
        oid: &str,
        sql_name: &str,
    ) -> Result<&'static EnumType> {
        if let Some((_, e)) = self.0.iter().find(|(o, _)| o == oid) {
            return Ok(e);
        }
        let taken =
            |n: &str| RESERVED_TYPES.contains(&n) || self.0.iter().any(|(_, e)| e.name == n);
        let name = unused(&names::enum_type(sql_name), taken);
        let mut values: Vec<(String, String)> = Vec::new();
        for row in q(ENUM_LABELS, oid)?.iter() {
            let label = text(row, 0);
            let value = unused(&names::enum_value(&label), |n| values.iter().any(|(v, _)| v == n));
            values.push((value, label));
        }
        let filter = format!("Default{name}EnumFilter");
        let e = interned(EnumType { name, filter, values });
        self.0.push((oid.to_string(), e));
        Ok(e)
    }
}

/// The one copy of `e` kept for the process. A scalar names its enum type by a plain
/// reference, so a type lives as long as the process; kept once per distinct type, a schema
/// read again after each migration adds nothing.
fn interned(e: EnumType) -> &'static EnumType {
    type Kept = std::collections::HashSet<&'static EnumType>;
    static TYPES: std::sync::OnceLock<std::sync::Mutex<Kept>> = std::sync::OnceLock::new();
    let mut types = TYPES.get_or_init(Default::default).lock().unwrap_or_else(|e| e.into_inner());
    if let Some(kept) = types.get(&e) {
        return kept;
    }
    let kept: &'static EnumType = Box::leak(Box::new(e));
    types.insert(kept);
    kept
}

fn table(
    q: &impl Fn(&str, &str) -> Result<Rows>,
    enums: &mut Enums,
    oid: &str,
    name: String,
    kind: TableKind,
) -> Result<Table> {
    let mut columns = Vec::new();
    for r in q(COLUMNS, oid)?.iter() {
        let base = text(r, 3);
        let scalar = match (text(r, 4).as_str(), text(r, 5)) {
            ("e", _) => Scalar::Enum(enums.get(q, &number(r, 6), &base)?),
            (_, element) if !element.is_empty() => Scalar::Array(array_of(&element)),
            _ => scalar(&base),
        };
        columns.push(Column {
            name: text(r, 0),
            scalar,
            reflected: scalar,
            declared: text(r, 1),
            not_null: flag(r, 2),
            pk: 0,
            rowid: false,
        });
    }
    let mut key = Vec::new();
    for (i, row) in q(PRIMARY_KEY, oid)?.iter().enumerate() {
        let Some(c) = columns.iter().position(|c| c.name == text(row, 0)) else { continue };
        columns[c].pk = i + 1;
        key.push(c);
    }
    let indexes = indexes(&q(INDEXES, oid)?, &columns);
    Ok(Table {
        type_name: String::new(),
        name,
        kind,
        columns,
        key,
        indexes,
        served: false,
        root: None,
        fields: Vec::new(),
        sort_names: Vec::new(),
    })
}

/// Rows of `INDEXES` as column lists, each cut at its first expression (the columns before
/// it still order the index) and left out when that leaves none.
fn indexes(rows: &Rows, columns: &[Column]) -> Vec<Vec<usize>> {
    let position = |row: &Row| columns.iter().position(|c| c.name == text(row, 1));
    let rows: Vec<&Row> = rows.iter().collect();
    rows.chunk_by(|a, b| text(a, 0) == text(b, 0))
        .map(|index| index.iter().map_while(|r| position(r)).collect::<Vec<usize>>())
        .filter(|index| !index.is_empty())
        .collect()
}

/// A foreign key to a table of the same schema. PostgreSQL only lets a foreign key name
/// a primary key or unique columns, so every one can be followed.
fn foreign_key(
    (tables, by_name): (&[Table], &HashMap<&str, usize>),
    t: usize,
    parts: &[&Row],
) -> Option<ForeignKey> {
    let target = *by_name.get(text(parts.first()?, 1).as_str())?;
    let find = |table: &Table, name: String| table.columns.iter().position(|c| c.name == name);
    let columns: Option<Vec<usize>> = parts.iter().map(|r| find(&tables[t], text(r, 2))).collect();
    let target_columns: Option<Vec<usize>> =
        parts.iter().map(|r| find(&tables[target], text(r, 3))).collect();
    Some(ForeignKey { table: t, columns: columns?, target, target_columns: target_columns? })
}

/// graphene-sqlalchemy's conversion of a PostgreSQL type (by its base type's name).
fn scalar(base: &str) -> Scalar {
    match base {
        "int2" | "int4" => Scalar::Int,
        // SQLAlchemy's BigInteger, which graphene-sqlalchemy makes a Float.
        "int8" | "float4" | "float8" | "numeric" => Scalar::Float,
        "bool" => Scalar::Boolean,
        "date" => Scalar::Date,
        "time" | "timetz" => Scalar::Time,
        "timestamp" => Scalar::DateTime,
        "timestamptz" => Scalar::DateTimeTz,
        "json" | "jsonb" => Scalar::Json,
        "bytea" => Scalar::Blob,
        "uuid" => Scalar::Uuid,
        _ => Scalar::String,
    }
}

/// What an array of `element` (a base type's name) holds, as a GraphQL list item.
fn array_of(element: &str) -> Element {
    match scalar(element) {
        Scalar::Int => Element::Int,
        Scalar::Float => Element::Float,
        Scalar::Boolean => Element::Boolean,
        _ => Element::String,
    }
}
