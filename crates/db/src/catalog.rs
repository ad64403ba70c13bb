//! Reading SQLite's own catalogue into a `Catalog`: `PRAGMA table_list`, `table_xinfo`,
//! `foreign_key_list`, `index_list`, and one scan per untyped column for the storage
//! classes it holds. Facts only: `model::derive` names them.

use std::collections::{HashMap, HashSet};

use rusqlite::Connection;

use relaylite_model::derive::{Catalog, ForeignKey};
use relaylite_model::{Column, Dialect, Scalar, Table, TableId, TableKind};

type Result<T> = std::result::Result<T, String>;

fn sql_error(e: rusqlite::Error) -> String {
    e.to_string()
}

/// Reads the catalogue of the `main` schema. Tables come sorted by name, so every name
/// derived from them is the same whatever order SQLite lists them in.
pub fn catalog(conn: &Connection) -> Result<Catalog> {
    let mut stmt = conn
        .prepare("SELECT name, type FROM pragma_table_list WHERE schema = 'main' ORDER BY name")
        .map_err(sql_error)?;
    let listed: Vec<(String, String)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .and_then(|rows| rows.collect())
        .map_err(sql_error)?;
    let mut tables = Vec::new();
    for (name, ty) in listed {
        let kind = match ty.as_str() {
            _ if name.starts_with("sqlite_") => continue,
            "table" => TableKind::Table,
            "view" => TableKind::View,
            // A virtual table is served when it reads like a table; shadow tables never.
            "virtual" if readable(conn, &name) => TableKind::Table,
            _ => continue,
        };
        tables.push(table(conn, name, kind)?);
    }
    let mut foreign_keys = Vec::new();
    // SQLite resolves table names ignoring ASCII case.
    let by_name: HashMap<String, TableId> =
        tables.iter().enumerate().map(|(i, t)| (t.name.to_ascii_lowercase(), i)).collect();
    for t in 0..tables.len() {
        foreign_keys.extend(table_foreign_keys(conn, (&tables, &by_name), t)?);
    }
    Ok(Catalog { tables, foreign_keys, dialect: Dialect::Sqlite, enums: Vec::new() })
}

fn readable(conn: &Connection, table: &str) -> bool {
    conn.prepare(&format!("SELECT * FROM {} LIMIT 0", crate::sql::ident(table))).is_ok()
}

fn table(conn: &Connection, name: String, kind: TableKind) -> Result<Table> {
    let mut stmt = conn
        .prepare_cached("SELECT name, type, \"notnull\", pk, hidden FROM pragma_table_xinfo(?)")
        .map_err(sql_error)?;
    let rows: Vec<(String, String, bool, i64, i64)> = stmt
        .query_map([&name], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)))
        .and_then(|rows| rows.collect())
        .map_err(sql_error)?;
    let mut columns: Vec<Column> = rows
        .into_iter()
        // Hidden columns of virtual tables are arguments, not data.
        .filter(|(.., hidden)| *hidden != 1)
        .map(|(name, declared, not_null, pk, _)| Column {
            pk: usize::try_from(pk).unwrap_or(0),
            scalar: Scalar::from_declared(&declared),
            reflected: Scalar::from_declared(&declared),
            // An INTEGER PRIMARY KEY is the rowid: never NULL, whatever it declares.
            not_null: not_null || (pk == 1 && declared.eq_ignore_ascii_case("INTEGER")),
            name,
            declared,
            rowid: false,
        })
        .collect();
    for column in columns.iter_mut().filter(|c| c.declared.trim().is_empty()) {
        column.scalar = stored_kind(conn, &name, &column.name);
    }
    let mut pk: Vec<usize> = (0..columns.len()).filter(|&c| columns[c].pk > 0).collect();
    pk.sort_by_key(|&c| columns[c].pk);
    if pk.is_empty() && kind != TableKind::View {
        pk.push(columns.len());
        columns.push(rowid_column(&columns));
    }
    Ok(Table {
        type_name: String::new(),
        name,
        kind,
        columns,
        key: pk,
        indexes: Vec::new(),
        served: false,
        root: None,
        fields: Vec::new(),
        sort_names: Vec::new(),
    })
}

/// The kind of a column without a declared type (every computed column of a view has
/// none), from the storage classes of all its values (one scan; an index or a sample would
/// see some classes and not others): integers of 32 bits → `Int`, other numbers → `Float`
/// (as a BIGINT is), any BLOB → base64 `String`, text or nothing to go by → `String`.
/// SQLAlchemy reads such a column as BLOB, whose base64 text no filter string would find.
fn stored_kind(conn: &Connection, table: &str, column: &str) -> Scalar {
    let sql = format!(
        "SELECT typeof(v), min(v), max(v) FROM (SELECT {} AS v FROM {}) GROUP BY 1",
        crate::sql::ident(column),
        crate::sql::ident(table)
    );
    let classes: Vec<(String, Option<i64>, Option<i64>)> = match conn.prepare(&sql) {
        Ok(mut stmt) => stmt
            .query_map([], |r| {
                let int = |i| r.get::<_, i64>(i).ok();
                Ok((r.get(0)?, int(1), int(2)))
            })
            .and_then(|rows| rows.collect())
            .unwrap_or_default(),
        Err(_) => Vec::new(),
    };
    let has = |class: &str| classes.iter().any(|(c, ..)| c == class);
    let fits = |n: Option<i64>| n.is_some_and(|n| i32::try_from(n).is_ok());
    let small = classes.iter().all(|(c, lo, hi)| c != "integer" || (fits(*lo) && fits(*hi)));
    match (has("blob"), has("text"), has("real"), has("integer")) {
        (true, ..) => Scalar::Blob,
        (false, true, ..) | (false, false, false, false) => Scalar::String,
        (false, false, true, _) => Scalar::Float,
        (false, false, false, true) if small => Scalar::Int,
        (false, false, false, true) => Scalar::Float,
    }
}

/// The rowid, under the first of its three names that no column has taken.
fn rowid_column(columns: &[Column]) -> Column {
    let taken = |n: &str| columns.iter().any(|c| c.name.eq_ignore_ascii_case(n));
    let name = ["rowid", "_rowid_", "oid"].into_iter().find(|n| !taken(n)).unwrap_or("rowid");
    Column {
        name: name.into(),
        declared: "INTEGER".into(),
        scalar: Scalar::Int,
        reflected: Scalar::Int,
        not_null: true,
        pk: 0,
        rowid: true,
    }
}

type Tables<'a> = (&'a [Table], &'a HashMap<String, TableId>);

fn table_foreign_keys(
    conn: &Connection,
    tables: Tables<'_>,
    t: TableId,
) -> Result<Vec<ForeignKey>> {
    let mut stmt = conn
        .prepare_cached("SELECT id, \"table\", \"from\", \"to\" FROM pragma_foreign_key_list(?) ORDER BY id, seq")
        .map_err(sql_error)?;
    let rows: Vec<(i64, String, String, Option<String>)> = stmt
        .query_map([&tables.0[t].name], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .and_then(|rows| rows.collect())
        .map_err(sql_error)?;
    let mut out = Vec::new();
    let mut ids: Vec<i64> = rows.iter().map(|r| r.0).collect();
    ids.dedup();
    for id in ids {
        let parts: Vec<&(i64, String, String, Option<String>)> =
            rows.iter().filter(|r| r.0 == id).collect();
        if let Some(fk) = foreign_key(conn, tables, t, &parts) {
            out.push(fk);
        }
    }
    Ok(out)
}

/// One foreign key, if it can be followed: its target exists and its target columns (the
/// primary key when `to` is NULL) are a unique key, so a row points at one row at most.
fn foreign_key(
    conn: &Connection,
    (tables, by_name): Tables<'_>,
    t: TableId,
    parts: &[&(i64, String, String, Option<String>)],
) -> Option<ForeignKey> {
    let target = *by_name.get(&parts.first()?.1.to_ascii_lowercase())?;
    let columns: Option<Vec<usize>> = parts.iter().map(|p| tables[t].column(&p.2)).collect();
    let target_columns: Option<Vec<usize>> = match parts.iter().all(|p| p.3.is_none()) {
        // No target columns named: the target's primary key (a rowid cannot be referenced).
        true => {
            let key = &tables[target].key;
            let by_key = key.len() == parts.len() && !tables[target].columns[key[0]].rowid;
            by_key.then(|| key.clone())
        }
        false => parts.iter().map(|p| tables[target].column(p.3.as_deref()?)).collect(),
    };
    let (columns, target_columns) = (columns?, target_columns?);
    unique(conn, &tables[target], &target_columns).then_some(ForeignKey {
        table: t,
        columns,
        target,
        target_columns,
    })
}

/// Whether `columns` of `table` are its primary key or the columns of a unique index.
fn unique(conn: &Connection, table: &Table, columns: &[usize]) -> bool {
    let as_set = |cols: &[usize]| cols.iter().copied().collect::<HashSet<usize>>();
    if as_set(&table.key) == as_set(columns) {
        return true;
    }
    let Ok(mut stmt) = conn.prepare_cached(
        "SELECT il.name FROM pragma_index_list(?) AS il WHERE il.\"unique\" AND NOT il.partial",
    ) else {
        return false;
    };
    let indexes: Vec<String> = stmt
        .query_map([&table.name], |r| r.get(0))
        .and_then(|rows| rows.collect())
        .unwrap_or_default();
    indexes.iter().any(|index| {
        let Ok(mut stmt) = conn.prepare_cached("SELECT name FROM pragma_index_info(?)") else {
            return false;
        };
        let names: Vec<Option<String>> = stmt
            .query_map([index], |r| r.get(0))
            .and_then(|rows| rows.collect())
            .unwrap_or_default();
        let cols: Option<Vec<usize>> = names.iter().map(|n| table.column(n.as_deref()?)).collect();
        cols.is_some_and(|cols| as_set(&cols) == as_set(columns))
    })
}
