//! SQLite access: opening and creating the database, reading its model, running statements.
//!
//! With `model/reflect.rs`, the only code that calls rusqlite. Request connections are
//! read-only and cached per thread (SQLite readers share the file), with their prepared
//! statements cached too, so a request costs no open and no re-prepare; each has the
//! functions that compare stored dates and times as instants. `--log-sql` echoes each
//! statement to stderr.

use std::cell::RefCell;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

use rusqlite::types::ValueRef;
use rusqlite::{Connection, OpenFlags};

use crate::datetime;
use crate::model::{self, Model};

pub use crate::model::scalar::{Cell, Param};

pub mod sql;

pub type Row = Vec<Cell>;

/// Where the database is and how to talk to it; cheap to clone into every worker.
#[derive(Debug, Clone)]
pub struct DbConfig {
    pub path: PathBuf,
    pub log_sql: bool,
}

pub struct Db {
    conn: Connection,
    log_sql: bool,
}

#[derive(Debug)]
pub struct DbError {
    pub message: String,
    /// The statement was stopped because the request ran out of time.
    pub interrupted: bool,
}

impl DbError {
    pub fn new(message: impl Into<String>) -> DbError {
        DbError { message: message.into(), interrupted: false }
    }

    /// The error a client sees: a timeout names its limit.
    pub fn into_error(self, limits: &crate::limits::Limits) -> crate::graphql::error::GraphQLError {
        if self.interrupted {
            return crate::limits::exceeded(
                "The time this request took",
                "--timeout-ms",
                limits.timeout_ms,
            );
        }
        crate::graphql::error::GraphQLError::bare(self.message)
    }
}

impl std::fmt::Display for DbError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl From<rusqlite::Error> for DbError {
    fn from(e: rusqlite::Error) -> Self {
        let interrupted = matches!(
            &e,
            rusqlite::Error::SqliteFailure(f, _) if f.code == rusqlite::ErrorCode::OperationInterrupted
        );
        DbError { message: e.to_string(), interrupted }
    }
}

/// How long a request waits for a writer holding the file before it fails.
const BUSY_TIMEOUT: std::time::Duration = std::time::Duration::from_millis(2000);

thread_local! {
    static CONNECTIONS: RefCell<HashMap<PathBuf, Db>> = RefCell::new(HashMap::new());
    /// When the running request must stop; SQLite's progress handler checks it.
    static DEADLINE: std::cell::Cell<Option<std::time::Instant>> = const { std::cell::Cell::new(None) };
    static STATEMENTS: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

/// How many statements this thread has run: tests check that a query's count depends on
/// its shape, not on how many rows it touches.
pub fn statements_run() -> u64 {
    STATEMENTS.with(|c| c.get())
}

impl Db {
    /// Opens a read-only connection for serving queries.
    pub fn open_read_only(config: &DbConfig) -> Result<Db, DbError> {
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let mut conn = Connection::open_with_flags(&config.path, flags)?;
        conn.set_prepared_statement_cache_capacity(64);
        // A writer holding the file gets a moment to finish before a request fails.
        conn.busy_timeout(BUSY_TIMEOUT)?;
        // Every 1,000 virtual-machine steps SQLite asks whether the request is out of time.
        let out_of_time =
            || DEADLINE.with(|d| d.get().is_some_and(|t| std::time::Instant::now() > t));
        conn.progress_handler(1000, Some(out_of_time))?;
        register_functions(&conn)?;
        Ok(Db { conn, log_sql: config.log_sql })
    }

    /// A database in memory with the tutorial's tables and rows: what `relaylite schema`
    /// and `relaylite model` describe when there is no database file.
    pub fn tutorial() -> Result<Db, DbError> {
        let conn = Connection::open_in_memory()?;
        conn.execute_batch(model::TUTORIAL_SQL)?;
        register_functions(&conn)?;
        Ok(Db { conn, log_sql: false })
    }

    /// Runs `f` with this thread's read-only connection to `config.path`, opening it once.
    pub fn with_thread_connection<T>(
        config: &DbConfig,
        f: impl FnOnce(&Db) -> T,
    ) -> Result<T, DbError> {
        CONNECTIONS.with(|cell| {
            let mut map = cell.borrow_mut();
            if !map.contains_key(&config.path) {
                map.insert(config.path.clone(), Db::open_read_only(config)?);
            }
            match map.get(&config.path) {
                Some(db) => Ok(f(db)),
                None => Err(DbError::new("connection cache lost its entry")),
            }
        })
    }

    /// Runs `f` inside one read transaction: every statement of a request sees the same
    /// snapshot, and SQLite takes its file lock once per request, not once per statement.
    pub fn read<T>(
        &self,
        timeout: std::time::Duration,
        f: impl FnOnce() -> T,
    ) -> Result<T, DbError> {
        if !self.conn.is_autocommit() {
            // A transaction left open by a failure must not poison this connection.
            let _ = self.conn.execute_batch("ROLLBACK");
        }
        DEADLINE.with(|d| d.set(std::time::Instant::now().checked_add(timeout)));
        let result = self.transaction(f);
        DEADLINE.with(|d| d.set(None));
        result
    }

    fn transaction<T>(&self, f: impl FnOnce() -> T) -> Result<T, DbError> {
        self.conn.prepare_cached("BEGIN")?.execute([])?;
        let out = f();
        if let Err(e) = self.conn.prepare_cached("COMMIT").and_then(|mut s| s.execute([])) {
            let _ = self.conn.execute_batch("ROLLBACK");
            return Err(e.into());
        }
        Ok(out)
    }

    /// SQLite's schema version: it changes whenever a table, view or index does.
    pub fn schema_version(&self) -> Result<i64, DbError> {
        let mut stmt = self.conn.prepare_cached("PRAGMA schema_version")?;
        Ok(stmt.query_row([], |r| r.get(0))?)
    }

    /// The schema version if SQLite can read it at once: a writer holding the file makes
    /// this `None` rather than a wait.
    pub fn schema_version_now(&self) -> Option<i64> {
        self.conn.busy_timeout(std::time::Duration::ZERO).ok()?;
        let version = self.schema_version().ok();
        self.conn.busy_timeout(BUSY_TIMEOUT).ok()?;
        version
    }

    /// The model for this database: a model file's (its name and text) when given,
    /// otherwise what `model::load` derives. Every served table is read from once, so a
    /// file that is unreadable or not a database fails here rather than at a request.
    pub fn model(&self, file: Option<(&str, &str)>) -> Result<Model, DbError> {
        let model = model::load(&self.conn, file).map_err(DbError::new)?;
        for t in model.tables.iter().filter(|t| t.served) {
            self.query(&format!("SELECT 1 FROM {} LIMIT 1", sql::ident(&t.name)), &[])?;
        }
        Ok(model)
    }

    pub fn query(&self, sql: &str, params: &[Param]) -> Result<Vec<Row>, DbError> {
        let mut out = Vec::new();
        self.query_each(sql, params, |row| {
            out.push(row);
            true
        })?;
        Ok(out)
    }

    /// Runs a statement and hands each row to `f` until it returns false; SQLite stops
    /// there, so a caller that has what it needs reads no further.
    pub fn query_each(
        &self,
        sql: &str,
        params: &[Param],
        mut f: impl FnMut(Row) -> bool,
    ) -> Result<(), DbError> {
        STATEMENTS.with(|c| c.set(c.get() + 1));
        if self.log_sql {
            eprintln!("SQL {sql} {params:?}");
        }
        let mut stmt = self.conn.prepare_cached(sql)?;
        let bound: Vec<rusqlite::types::Value> = params.iter().map(to_sql).collect();
        let mut rows = stmt.query(rusqlite::params_from_iter(bound.iter()))?;
        let width = rows.as_ref().map(|s| s.column_count()).unwrap_or(0);
        while let Some(row) = rows.next()? {
            let mut cells = Vec::with_capacity(width);
            for i in 0..width {
                cells.push(from_sql(row.get_ref(i)?));
            }
            if !f(cells) {
                break;
            }
        }
        Ok(())
    }
}

/// `relaylite_date`, `relaylite_time`, `relaylite_datetime`: stored text in any form SQLite's
/// date functions accept, written one way per instant so that `=`, `<` and ORDER BY compare
/// instants; anything else comes back as it was.
fn register_functions(conn: &Connection) -> rusqlite::Result<()> {
    use rusqlite::functions::FunctionFlags;
    let flags = FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC;
    for name in [datetime::SQL_DATE, datetime::SQL_TIME, datetime::SQL_DATETIME] {
        conn.create_scalar_function(name, 1, flags, move |ctx| {
            let value = ctx.get_raw(0);
            let canonical = match value {
                ValueRef::Text(t) => {
                    std::str::from_utf8(t).ok().and_then(|s| datetime::canonical(name, s))
                }
                _ => None,
            };
            Ok(match canonical {
                Some(c) => rusqlite::types::Value::Text(c),
                None => rusqlite::types::Value::try_from(value)?,
            })
        })?;
    }
    Ok(())
}

fn to_sql(p: &Param) -> rusqlite::types::Value {
    match p {
        Param::Null => rusqlite::types::Value::Null,
        Param::Int(i) => rusqlite::types::Value::Integer(*i),
        Param::Real(f) => rusqlite::types::Value::Real(*f),
        Param::Text(s) => rusqlite::types::Value::Text(s.clone()),
        Param::Blob(b) => rusqlite::types::Value::Blob(b.clone()),
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
    tx.execute_batch(model::TUTORIAL_SQL)?;
    tx.commit()?;
    Ok(Prepared::Created)
}

#[derive(Debug, PartialEq, Eq)]
pub enum Prepared {
    Created,
    Existing,
}
