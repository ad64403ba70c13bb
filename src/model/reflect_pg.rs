//! Reading a model from PostgreSQL's catalogue (`pg_class`, `pg_attribute`,
//! `pg_constraint`) into the same `Catalog` SQLite's reflection gives, so naming, model
//! files and everything derived from them work unchanged.
//!
//! It reads through `Db`'s statements like any request, so it needs no driver of its own.
//! Types map as graphene-sqlalchemy maps PostgreSQL's; the declared type kept is the one
//! PostgreSQL prints (`format_type`), which statements cast key values to.

use super::reflect::{Catalog, ForeignKey};
use super::{Column, Scalar, Table, TableKind};
use crate::db::sql::Dialect;
use crate::db::{Cell, Db, Param, Row};

type Result<T> = std::result::Result<T, String>;

const TABLES: &str = "SELECT c.oid, c.relname, c.relkind FROM pg_class c \
     JOIN pg_namespace n ON n.oid = c.relnamespace \
     WHERE n.nspname = $1 AND c.relkind IN ('r', 'p', 'v', 'm', 'f') AND NOT c.relispartition \
     ORDER BY c.relname";

const COLUMNS: &str = "SELECT a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull, \
     coalesce(b.typname, t.typname), t.typtype = 'e' OR b.typtype = 'e', t.typcategory = 'A' \
     FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid \
     LEFT JOIN pg_type b ON b.oid = nullif(t.typbasetype, 0) \
     WHERE a.attrelid = CAST($1 AS oid) AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum";

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

fn text(row: &Row, i: usize) -> String {
    match row.get(i) {
        Some(Cell::Text(s)) => s.to_string(),
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
    for row in q(TABLES, schema)? {
        let kind = match text(&row, 2).as_str() {
            "v" | "m" => TableKind::View,
            _ => TableKind::Table,
        };
        let oid = match row.first() {
            Some(Cell::Int(o)) => o.to_string(),
            _ => continue,
        };
        tables.push(table(&q, &oid, text(&row, 1), kind)?);
        oids.push(oid);
    }
    let mut foreign_keys = Vec::new();
    for (t, oid) in oids.iter().enumerate() {
        let rows = q(FOREIGN_KEYS, oid)?;
        let mut names: Vec<String> = rows.iter().map(|r| text(r, 0)).collect();
        names.dedup();
        for name in names {
            let parts: Vec<&Row> = rows.iter().filter(|r| text(r, 0) == name).collect();
            foreign_keys.extend(foreign_key(&tables, t, &parts));
        }
    }
    Ok(Catalog { tables, foreign_keys, dialect: Dialect::Postgres })
}

fn table(
    q: &impl Fn(&str, &str) -> Result<Vec<Row>>,
    oid: &str,
    name: String,
    kind: TableKind,
) -> Result<Table> {
    let mut columns: Vec<Column> = q(COLUMNS, oid)?
        .iter()
        .map(|r| Column {
            name: text(r, 0),
            scalar: scalar(&text(r, 3), flag(r, 4), flag(r, 5)),
            declared: text(r, 1),
            not_null: flag(r, 2),
            pk: 0,
            rowid: false,
        })
        .collect();
    let mut key = Vec::new();
    for (i, row) in q(PRIMARY_KEY, oid)?.iter().enumerate() {
        let Some(c) = columns.iter().position(|c| c.name == text(row, 0)) else { continue };
        columns[c].pk = i + 1;
        key.push(c);
    }
    Ok(Table {
        type_name: String::new(),
        name,
        kind,
        columns,
        key,
        served: false,
        root: None,
        fields: Vec::new(),
        sort_names: Vec::new(),
    })
}

/// A foreign key to a table of the same schema. PostgreSQL only lets a foreign key name
/// a primary key or unique columns, so every one can be followed.
fn foreign_key(tables: &[Table], t: usize, parts: &[&Row]) -> Option<ForeignKey> {
    let target_name = text(parts.first()?, 1);
    let target = tables.iter().position(|x| x.name == target_name)?;
    let find = |table: &Table, name: String| table.columns.iter().position(|c| c.name == name);
    let columns: Option<Vec<usize>> = parts.iter().map(|r| find(&tables[t], text(r, 2))).collect();
    let target_columns: Option<Vec<usize>> =
        parts.iter().map(|r| find(&tables[target], text(r, 3))).collect();
    Some(ForeignKey { table: t, columns: columns?, target, target_columns: target_columns? })
}

/// graphene-sqlalchemy's conversion of a PostgreSQL type (by its base type's name).
fn scalar(base: &str, _enum: bool, _array: bool) -> Scalar {
    match base {
        "int2" | "int4" => Scalar::Int,
        // SQLAlchemy's BigInteger, which graphene-sqlalchemy makes a Float.
        "int8" | "float4" | "float8" | "numeric" => Scalar::Float,
        "bool" => Scalar::Boolean,
        "date" => Scalar::Date,
        "time" | "timetz" => Scalar::Time,
        "timestamp" | "timestamptz" => Scalar::DateTime,
        "json" | "jsonb" => Scalar::Json,
        "bytea" => Scalar::Blob,
        _ => Scalar::String,
    }
}
