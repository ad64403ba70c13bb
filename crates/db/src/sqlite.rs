//! SQLite connections: read-only, one per serving thread (SQLite readers share the file),
//! with their prepared statements cached, so a request costs no open and no re-prepare.
//!
//! Each connection has the functions that compare stored dates and times as instants, and
//! a progress handler that stops a statement once the request is out of time.

use std::cell::{Cell as StdCell, RefCell};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rusqlite::types::{Value, ValueRef};
use rusqlite::{Connection, OpenFlags};

use relaylite_model::datetime::Temporal;

use super::{Cell, DbError, Param, Prepared};

/// The tutorial's tables and rows, built into the binary: the tables are the conformance
/// corpus's (the contract says what SQLAlchemy creates), the rows the example app's.
const TUTORIAL_TABLES: &str = include_str!("../../../tests/conformance/schema.sql");
const TUTORIAL_ROWS: &str = include_str!("tutorial_rows.sql");

/// How long a request waits for a writer holding the file before it fails.
const BUSY_TIMEOUT: Duration = Duration::from_millis(2000);

thread_local! {
    static CONNECTIONS: RefCell<HashMap<PathBuf, std::rc::Rc<Connection>>> = RefCell::new(HashMap::new());
    /// When the running request must stop; SQLite's progress handler checks it.
    static DEADLINE: StdCell<Option<Instant>> = const { StdCell::new(None) };
}

impl From<rusqlite::Error> for DbError {
    fn from(e: rusqlite::Error) -> Self {
        let interrupted = matches!(
            &e,
            rusqlite::Error::SqliteFailure(f, _) if f.code == rusqlite::ErrorCode::OperationInterrupted
        );
        DbError { message: e.to_string(), interrupted, lost: false }
    }
}

/// Opens a read-only connection for serving queries.
pub fn open_read_only(path: &Path) -> Result<Connection, DbError> {
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let mut conn = Connection::open_with_flags(path, flags)?;
    conn.set_prepared_statement_cache_capacity(64);
    // A writer holding the file gets a moment to finish before a request fails.
    conn.busy_timeout(BUSY_TIMEOUT)?;
    // Every 1,000 virtual-machine steps SQLite asks whether the request is out of time.
    let out_of_time = || DEADLINE.with(|d| d.get().is_some_and(|t| Instant::now() > t));
    conn.progress_handler(1000, Some(out_of_time))?;
    register_functions(&conn)?;
    Ok(conn)
}

/// A database in memory with the tutorial's tables and rows.
pub fn tutorial() -> Result<Connection, DbError> {
    let conn = Connection::open_in_memory()?;
    conn.execute_batch(TUTORIAL_TABLES)?;
    conn.execute_batch(TUTORIAL_ROWS)?;
    register_functions(&conn)?;
    Ok(conn)
}

/// This thread's read-only connection to `path`, opened once.
pub fn thread_connection(path: &Path) -> Result<std::rc::Rc<Connection>, DbError> {
    CONNECTIONS.with(|cell| {
        let mut map = cell.borrow_mut();
        if let Some(conn) = map.get(path) {
            return Ok(conn.clone());
        }
        let conn = std::rc::Rc::new(open_read_only(path)?);
        map.insert(path.to_path_buf(), conn.clone());
        Ok(conn)
    })
}

/// Runs `f` inside one read transaction: every statement of a request sees the same
/// snapshot, and SQLite takes its file lock once per request, not once per statement.
pub fn read<T>(conn: &Connection, timeout: Duration, f: impl FnOnce() -> T) -> Result<T, DbError> {
    if !conn.is_autocommit() {
        // A transaction left open by a failure must not poison this connection.
        let _ = conn.execute_batch("ROLLBACK");
    }
    DEADLINE.with(|d| d.set(Instant::now().checked_add(timeout)));
    let result = transaction(conn, f);
    DEADLINE.with(|d| d.set(None));
    result
}

/// The deadline this thread's statements stop at: a thread that reads on its behalf runs
/// `until` it.
pub(crate) fn deadline() -> Option<Instant> {
    DEADLINE.with(StdCell::get)
}

/// Runs `f` with this thread's statements stopping at `deadline`.
pub(crate) fn until<T>(deadline: Option<Instant>, f: impl FnOnce() -> T) -> T {
    DEADLINE.with(|d| d.set(deadline));
    let out = f();
    DEADLINE.with(|d| d.set(None));
    out
}

fn transaction<T>(conn: &Connection, f: impl FnOnce() -> T) -> Result<T, DbError> {
    conn.prepare_cached("BEGIN")?.execute([])?;
    let out = f();
    if let Err(e) = conn.prepare_cached("COMMIT").and_then(|mut s| s.execute([])) {
        let _ = conn.execute_batch("ROLLBACK");
        return Err(e.into());
    }
    Ok(out)
}

/// SQLite's schema version: it changes whenever a table, view or index does.
pub fn schema_version(conn: &Connection) -> Result<i64, DbError> {
    let mut stmt = conn.prepare_cached("PRAGMA schema_version")?;
    Ok(stmt.query_row([], |r| r.get(0))?)
}

/// The schema version if SQLite can read it at once: a writer holding the file makes
/// this `None` rather than a wait.
pub fn schema_version_now(conn: &Connection) -> Option<i64> {
    conn.busy_timeout(Duration::ZERO).ok()?;
    let version = schema_version(conn).ok();
    conn.busy_timeout(BUSY_TIMEOUT).ok()?;
    version
}

/// Runs a statement and hands each row to `f` until it returns false; SQLite stops
/// there, so a caller that has what it needs reads no further.
pub fn query_each(
    conn: &Connection,
    sql: &str,
    params: &[Param],
    mut f: impl FnMut(&mut Vec<Cell>) -> bool,
) -> Result<(), DbError> {
    let mut stmt = conn.prepare_cached(sql)?;
    let bound: Vec<Value> = params.iter().map(to_sql).collect();
    let mut rows = stmt.query(rusqlite::params_from_iter(bound.iter()))?;
    let width = rows.as_ref().map(|s| s.column_count()).unwrap_or(0);
    let mut cells = Vec::with_capacity(width);
    while let Some(row) = rows.next()? {
        cells.clear();
        for i in 0..width {
            cells.push(from_sql(row.get_ref(i)?));
        }
        if !f(&mut cells) {
            break;
        }
    }
    Ok(())
}

/// `relaylite_date`, `relaylite_time`, `relaylite_datetime`: stored text in any form SQLite's
/// date functions accept, written one way per instant so that `=`, `<` and ORDER BY compare
/// instants; anything else comes back as it was.
fn register_functions(conn: &Connection) -> rusqlite::Result<()> {
    use rusqlite::functions::FunctionFlags;
    let flags = FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC;
    for kind in Temporal::ALL {
        conn.create_scalar_function(kind.sql_function(), 1, flags, move |ctx| {
            let value = ctx.get_raw(0);
            let canonical = match value {
                ValueRef::Text(t) => std::str::from_utf8(t).ok().and_then(|s| kind.canonical(s)),
                _ => None,
            };
            Ok(match canonical {
                Some(c) => Value::Text(c),
                None => Value::try_from(value)?,
            })
        })?;
    }
    Ok(())
}

fn to_sql(p: &Param) -> Value {
    match p {
        Param::Null => Value::Null,
        Param::Int(i) => Value::Integer(*i),
        Param::Real(f) => Value::Real(*f),
        Param::Text(s) => Value::Text(s.clone()),
        Param::Blob(b) => Value::Blob(b.clone()),
    }
}

fn from_sql(v: ValueRef<'_>) -> Cell {
    match v {
        ValueRef::Null => Cell::Null,
        ValueRef::Integer(i) => Cell::Int(i),
        ValueRef::Real(f) => Cell::Real(f),
        ValueRef::Text(t) => Cell::Text(match std::str::from_utf8(t) {
            Ok(s) => s.into(),
            Err(_) => String::from_utf8_lossy(t).as_ref().into(),
        }),
        ValueRef::Blob(b) => Cell::Blob(b.into()),
    }
}

/// Creates the file with the tutorial's tables and rows when it does not exist. An
/// existing file is never changed.
pub fn prepare(path: &Path) -> Result<Prepared, DbError> {
    if path.exists() {
        return Ok(Prepared::Existing);
    }
    let mut conn = Connection::open(path)?;
    let tx = conn.transaction()?;
    tx.execute_batch(TUTORIAL_TABLES)?;
    tx.execute_batch(TUTORIAL_ROWS)?;
    tx.commit()?;
    Ok(Prepared::Created)
}
