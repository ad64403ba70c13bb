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

/// Catalogues of more tables than this are read by two connections at once: each table's
/// pragmas are a statement SQLite prepares anew, the bulk of start-up on a big catalogue.
const SHARED_FROM: usize = 256;

/// Reads the catalogue of the `main` schema. Tables come sorted by name, so every name
/// derived from them is the same whatever order SQLite lists them in.
pub fn catalog(conn: &Connection) -> Result<Catalog> {
    read(conn, SHARED_FROM)
}

/// The catalogue, read by two connections when there are more than `shared_from` tables.
fn read(conn: &Connection, shared_from: usize) -> Result<Catalog> {
    let mut stmt = conn
        .prepare("SELECT name, type FROM pragma_table_list WHERE schema = 'main' ORDER BY name")
        .map_err(sql_error)?;
    let listed: Vec<(String, String)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .and_then(|rows| rows.collect())
        .map_err(sql_error)?;
    let mut kinds = Vec::new();
    for (name, ty) in listed {
        let kind = match ty.as_str() {
            _ if name.starts_with("sqlite_") => continue,
            "table" => TableKind::Table,
            "view" => TableKind::View,
            // A virtual table is served when it reads like a table; shadow tables never.
            "virtual" if readable(conn, &name)? => TableKind::Table,
            _ => continue,
        };
        kinds.push((name, kind));
    }
    let indexed = indexed_tables(conn)?;
    let mut helper = (kinds.len() > shared_from).then(|| helper(conn)).flatten();
    let tables = in_two(conn, &mut helper, &kinds, |c, (name, kind)| {
        let indexed = indexed.contains(&name.to_ascii_lowercase());
        table(c, name.clone(), (*kind, indexed))
    })?;
    // SQLite resolves table names ignoring ASCII case.
    let by_name: HashMap<String, TableId> =
        tables.iter().enumerate().map(|(i, t)| (t.name.to_ascii_lowercase(), i)).collect();
    let ids: Vec<TableId> = (0..tables.len()).collect();
    let foreign_keys =
        in_two(conn, &mut helper, &ids, |c, &t| table_foreign_keys(c, (&tables, &by_name), t))?;
    let foreign_keys = foreign_keys.into_iter().flatten().collect();
    Ok(Catalog { tables, foreign_keys, dialect: Dialect::Sqlite, enums: Vec::new() })
}

/// A second connection to `conn`'s file, in a transaction that sees the same schema version
/// as `conn`'s (which is in its own): `None` for a database in memory, or when the schema
/// changed in between (the catalogue is then read by `conn` alone).
fn helper(conn: &Connection) -> Option<Connection> {
    let path = conn.path().filter(|p| !p.is_empty())?;
    let other = crate::sqlite::open_read_only(std::path::Path::new(path)).ok()?;
    other.execute_batch("BEGIN").ok()?;
    let version = |c: &Connection| crate::sqlite::schema_version(c).ok();
    (version(&other).is_some() && version(&other) == version(conn)).then_some(other)
}

/// `read` of every item, in order: the second half by `helper` on a thread of its own
/// while `conn` reads the first, when there is a helper.
fn in_two<I: Sync, T: Send>(
    conn: &Connection,
    helper: &mut Option<Connection>,
    items: &[I],
    read: impl Fn(&Connection, &I) -> Result<T> + Sync,
) -> Result<Vec<T>> {
    let Some(other) = helper.take() else {
        return items.iter().map(|i| read(conn, i)).collect();
    };
    let (first, second) = items.split_at(items.len() / 2);
    let read = &read;
    // The helper's statements stop when the reader's would (start-up's or a reload's).
    let deadline = crate::sqlite::deadline();
    let (other, rest, out) = std::thread::scope(|s| {
        let back = s.spawn(move || {
            let rest: Result<Vec<T>> =
                crate::sqlite::until(deadline, || second.iter().map(|i| read(&other, i)).collect());
            (other, rest)
        });
        let out: Result<Vec<T>> = first.iter().map(|i| read(conn, i)).collect();
        let (other, rest) = back.join().map_err(|_| "reading the catalogue failed".to_string())?;
        Ok::<_, String>((other, rest, out))
    })?;
    *helper = Some(other);
    let mut out = out?;
    out.extend(rest?);
    Ok(out)
}

/// Whether a virtual table reads like a table: not when no statement can read it (its
/// module is not in this SQLite); an error when one can but its first row cannot be read
/// (the module's own tables gone), as a view that cannot be read fails the catalogue.
fn readable(conn: &Connection, table: &str) -> Result<bool> {
    let sql = format!("SELECT 1 FROM {} LIMIT 1", crate::sql::ident(table));
    let Ok(mut stmt) = conn.prepare(&sql) else {
        return Ok(false);
    };
    stmt.query([]).and_then(|mut rows| rows.next().map(|_| true)).map_err(sql_error)
}

/// The tables that have an index (in lower case): only theirs are asked for, each ask a
/// statement SQLite prepares.
fn indexed_tables(conn: &Connection) -> Result<HashSet<String>> {
    let mut stmt = conn
        .prepare("SELECT DISTINCT lower(tbl_name) FROM sqlite_schema WHERE type = 'index'")
        .map_err(sql_error)?;
    stmt.query_map([], |r| r.get(0)).and_then(|rows| rows.collect()).map_err(sql_error)
}

fn table(conn: &Connection, name: String, (kind, indexed): (TableKind, bool)) -> Result<Table> {
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
    let indexes = match kind {
        TableKind::Table if indexed => indexes(conn, &name, &columns, &pk)?,
        _ => Vec::new(),
    };
    Ok(Table {
        type_name: String::new(),
        name,
        kind,
        columns,
        key: pk,
        indexes,
        served: false,
        root: None,
        fields: Vec::new(),
        sort_names: Vec::new(),
    })
}

/// The columns of each of a table's indexes that are not partial, in index order, up to the
/// first expression, then the key's columns where the index ends with them (every index of a
/// rowid table ends with the rowid, of a table without rowid with its primary key): what a
/// keyset page's parts may each seek on.
fn indexes(
    conn: &Connection,
    table: &str,
    columns: &[Column],
    key: &[usize],
) -> Result<Vec<Vec<usize>>> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT il.seq, ii.cid, ii.name, ii.key FROM pragma_index_list(?1) AS il, pragma_index_xinfo(il.name) AS ii WHERE NOT il.partial ORDER BY il.seq, ii.seqno",
        )
        .map_err(sql_error)?;
    type Part = (i64, i64, Option<String>, bool);
    let rows: Vec<Part> = stmt
        .query_map([table], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .and_then(|rows| rows.collect())
        .map_err(sql_error)?;
    // The rowid, as the column that is it (an INTEGER PRIMARY KEY) or as its own.
    let rowid = match key {
        [k] if columns[*k].rowid || columns[*k].declared.eq_ignore_ascii_case("INTEGER") => {
            Some(*k)
        }
        _ => None,
    };
    let column = |(_, cid, name, ordered): &Part| match cid {
        -1 => rowid,
        _ => columns
            .iter()
            .position(|c| Some(&c.name) == name.as_ref())
            // Past its own columns, an index holds the key's, which order its ties; the
            // primary key of a table without rowid holds the row's other columns, which not.
            .filter(|c| *ordered || key.contains(c)),
    };
    Ok(rows
        .chunk_by(|a, b| a.0 == b.0)
        .map(|index| index.iter().map_while(column).collect::<Vec<usize>>())
        .filter(|index| !index.is_empty())
        .collect())
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Read by two connections, a catalogue is what one connection reads: the same tables
    /// in the same order, and foreign keys that cross from one half to the other.
    #[test]
    fn a_catalogue_read_in_two_is_the_catalogue_read_in_one() {
        let dir = std::env::temp_dir().join(format!("relaylite-catalog-{}", std::process::id()));
        let _ = std::fs::create_dir_all(&dir);
        let path = dir.join("two.sqlite3");
        let _ = std::fs::remove_file(&path);
        let conn = Connection::open(&path).expect("open");
        let mut sql =
            String::from("CREATE TABLE a0 (id INTEGER PRIMARY KEY, z0_id REFERENCES z0);");
        for i in 1..40 {
            sql.push_str(&format!(
                "CREATE TABLE a{i} (id INTEGER PRIMARY KEY, x, a_id INTEGER REFERENCES a{}(id));",
                i - 1
            ));
            sql.push_str(&format!("CREATE VIEW v{i} AS SELECT id, x + 1 AS y FROM a{i};"));
            sql.push_str(&format!("CREATE TABLE z{i} (k TEXT UNIQUE, a_k TEXT REFERENCES a1(x));"));
        }
        sql.push_str("CREATE TABLE z0 (id INTEGER PRIMARY KEY);");
        conn.execute_batch(&sql).expect("tables");
        drop(conn);
        let conn = crate::sqlite::open_read_only(&path).expect("read-only");
        conn.execute_batch("BEGIN").expect("begin");
        assert!(helper(&conn).is_some(), "a file has a second connection");
        let one = format!("{:?}", read(&conn, usize::MAX).expect("one"));
        let two = format!("{:?}", read(&conn, 0).expect("two"));
        assert!(one.contains("a39") && one.contains("z39"), "{one}");
        assert_eq!(one, two);
        let memory = Connection::open_in_memory().expect("memory");
        assert!(helper(&memory).is_none(), "a database in memory has none");
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// Each index as the columns it orders by, up to an expression, then the rowid's column
    /// where the index ends with it; partial indexes and views left out.
    #[test]
    fn indexes_are_read_as_the_columns_they_order() {
        let conn = Connection::open_in_memory().expect("memory");
        conn.execute_batch(
            "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b INT, c TEXT);
             CREATE INDEX t_ab ON t (a, b DESC);
             CREATE INDEX t_expr ON t (c, lower(a), b);
             CREATE INDEX t_partial ON t (b) WHERE b > 0;
             CREATE TABLE k (code TEXT PRIMARY KEY, x INT);
             CREATE INDEX k_x ON k (x);
             CREATE TABLE w (code TEXT PRIMARY KEY, x INT) WITHOUT ROWID;
             CREATE INDEX w_x ON w (x);
             CREATE TABLE r (x INT, y INT);
             CREATE INDEX r_y ON r (y);
             CREATE TABLE none (x INT);
             CREATE VIEW v AS SELECT * FROM t;",
        )
        .expect("tables");
        let catalog = catalog(&conn).expect("catalog");
        let of = |name: &str| {
            let t = catalog.tables.iter().find(|t| t.name == name).expect(name);
            let names = |index: &Vec<usize>| -> Vec<&str> {
                index.iter().map(|&c| t.columns[c].name.as_str()).collect()
            };
            let mut indexes: Vec<Vec<&str>> = t.indexes.iter().map(names).collect();
            indexes.sort();
            indexes
        };
        assert_eq!(of("t"), [vec!["a", "b", "id"], vec!["c"]]);
        // A TEXT key is no rowid: its table's indexes end with a rowid no column holds.
        assert_eq!(of("k"), [vec!["code"], vec!["x"]]);
        // Without rowid, an index ends with the primary key's columns, and the primary key
        // (the table itself) orders by its own.
        assert_eq!(of("w"), [vec!["code"], vec!["x", "code"]]);
        assert_eq!(of("r"), [vec!["y", "rowid"]]);
        assert!(of("none").is_empty() && of("v").is_empty());
    }
}
