//! SQLite access: opening, creating and checking the database, and running statements.
//!
//! The only file that calls rusqlite. Request connections are read-only and cached per
//! thread (SQLite readers share the file), with their prepared statements cached too, so a
//! request costs no open and no re-prepare. `--log-sql` echoes each statement to stderr.

use std::cell::RefCell;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

use rusqlite::types::ValueRef;
use rusqlite::{Connection, OpenFlags};

use crate::datetime::DateTime;
use crate::db::sql::Param;
use crate::model::{self, TABLES};

pub mod sql;

/// A value read from SQLite.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Null,
    Int(i64),
    Real(f64),
    Text(std::rc::Rc<str>),
    Blob(Vec<u8>),
}

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
        conn.busy_timeout(std::time::Duration::from_millis(2000))?;
        // Every 1,000 virtual-machine steps SQLite asks whether the request is out of time.
        let out_of_time =
            || DEADLINE.with(|d| d.get().is_some_and(|t| std::time::Instant::now() > t));
        conn.progress_handler(1000, Some(out_of_time))?;
        Ok(Db { conn, log_sql: config.log_sql })
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

fn to_sql(p: &Param) -> rusqlite::types::Value {
    match p {
        Param::Null => rusqlite::types::Value::Null,
        Param::Int(i) => rusqlite::types::Value::Integer(*i),
        Param::Text(s) => rusqlite::types::Value::Text(s.clone()),
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
        ValueRef::Blob(b) => Cell::Blob(b.to_vec()),
    }
}

/// Creates the tables and the tutorial's rows when the file does not exist; otherwise
/// checks that the tables match the model. Never drops, rewrites or migrates anything.
pub fn prepare(path: &Path) -> Result<Prepared, DbError> {
    if path.exists() {
        let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
        check_tables(&conn)?;
        return Ok(Prepared::Existing);
    }
    let mut conn = Connection::open(path)?;
    let tx = conn.transaction()?;
    for statement in model::create_statements() {
        tx.execute(&statement, [])?;
    }
    let now = DateTime::now_utc();
    for (table, values) in model::seed_rows(&now) {
        let t = &TABLES[table];
        let cols: Vec<&str> = t.columns.iter().map(|c| c.name).collect();
        let marks = vec!["?"; cols.len()].join(", ");
        let sql = format!("INSERT INTO {} ({}) VALUES ({marks})", t.name, cols.join(", "));
        let bound: Vec<rusqlite::types::Value> = values.iter().map(to_sql).collect();
        tx.execute(&sql, rusqlite::params_from_iter(bound.iter()))?;
    }
    tx.commit()?;
    Ok(Prepared::Created)
}

/// Opens the file the way requests will (read-only) and reads from every model table, so a
/// file that is unreadable, not a database, or locked for good fails at start-up.
pub fn check_readable(path: &Path) -> Result<(), DbError> {
    let db = Db::open_read_only(&DbConfig { path: path.to_path_buf(), log_sql: false })?;
    for t in TABLES.iter() {
        db.query(&format!("SELECT 1 FROM {} LIMIT 1", t.name), &[])?;
    }
    Ok(())
}

#[derive(Debug, PartialEq, Eq)]
pub enum Prepared {
    Created,
    Existing,
}

/// Every model table must exist with every model column and its declared type.
fn check_tables(conn: &Connection) -> Result<(), DbError> {
    for t in TABLES.iter() {
        let mut stmt = conn.prepare("SELECT name, type FROM pragma_table_info(?)")?;
        let found: Vec<(String, String)> = stmt
            .query_map([t.name], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?
            .collect::<Result<_, _>>()?;
        if found.is_empty() {
            return Err(DbError::new(format!("table `{}` is missing", t.name)));
        }
        for c in t.columns {
            match found.iter().find(|(n, _)| n.eq_ignore_ascii_case(c.name)) {
                None => {
                    return Err(DbError::new(format!(
                        "table `{}` has no column `{}`",
                        t.name, c.name
                    )));
                }
                Some((_, ty)) if !ty.eq_ignore_ascii_case(c.ty.sql()) => {
                    return Err(DbError::new(format!(
                        "column `{}.{}` is {ty}, the model expects {}",
                        t.name,
                        c.name,
                        c.ty.sql()
                    )));
                }
                Some(_) => {}
            }
        }
    }
    Ok(())
}
