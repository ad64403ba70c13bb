//! Database access, whichever database: opening, reading its model, running statements
//! inside one read transaction per request.
//!
//! `Db` is the one seam between the executor and a database: a closed enum of SQLite's
//! thread-cached connection and a pooled PostgreSQL session, matched once per operation.
//! Below it, `sqlite.rs` and `postgres.rs` run statements and `catalog.rs` reads SQLite's
//! catalogue through the same rusqlite connection; above it, what differs between the
//! databases is the model's `Dialect`. `--log-sql` echoes each statement to stderr.

use std::cell::{Cell as StdCell, RefCell};
use std::path::PathBuf;
use std::rc::Rc;
use std::sync::Arc;
use std::time::Duration;

use relaylite_model::{self as model, Model};

pub use relaylite_model::scalar::{Cell, Param};

pub mod catalog;
pub mod catalog_pg;
pub mod postgres;
mod rows;
pub mod servers;
pub mod sql;
pub mod sqlite;

pub use servers::Servers;

pub use rows::{Row, Rows};

/// Which database a server reads and how to talk to it; cheap to clone into every worker.
#[derive(Debug, Clone)]
pub struct DbConfig {
    pub database: Database,
    pub log_sql: bool,
    /// `--pg-set-role`: a request with a role runs its PostgreSQL transaction as that role,
    /// with the token's claims where row-level security policies read them.
    pub set_role: bool,
}

/// Who a PostgreSQL transaction runs as: a database role its login may become (`SET LOCAL
/// ROLE`), and the claims its row-level security policies read (`request.jwt.claims`, the
/// convention PostgREST and PostGraphile share), as JSON text.
#[derive(Debug, Clone)]
pub struct RunAs {
    pub role: String,
    pub claims: String,
}

#[derive(Debug, Clone)]
pub enum Database {
    /// A SQLite file.
    Sqlite(PathBuf),
    /// A PostgreSQL primary and its replicas.
    Postgres(Arc<Servers>),
}

impl DbConfig {
    pub fn sqlite(path: impl Into<PathBuf>) -> DbConfig {
        DbConfig { database: Database::Sqlite(path.into()), log_sql: false, set_role: false }
    }

    /// A PostgreSQL database: its primary's URL, its replicas', the schema to serve and
    /// the connections each server's pool may open.
    pub fn postgres(
        primary: &str,
        replicas: &[String],
        schema: &str,
        pool_size: u32,
    ) -> Result<DbConfig, String> {
        let servers = Servers::new(primary, replicas, schema, pool_size)?;
        let database = Database::Postgres(Arc::new(servers));
        Ok(DbConfig { database, log_sql: false, set_role: false })
    }
}

/// Whether `text` names a PostgreSQL database rather than a file.
pub fn is_postgres_url(text: &str) -> bool {
    text.starts_with("postgres://") || text.starts_with("postgresql://")
}

/// A URL with its password replaced, fit for logs.
pub fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else { return url.to_string() };
    let Some((credentials, host)) = rest.split_once('@') else { return url.to_string() };
    match credentials.split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
        None => url.to_string(),
    }
}

/// A connection a request reads through.
pub struct Db {
    conn: Conn,
    log_sql: bool,
}

enum Conn {
    Sqlite(Rc<rusqlite::Connection>),
    /// A session, and whether its connection was lost (so the request may run elsewhere).
    Postgres(Box<RefCell<servers::Pooled>>, StdCell<bool>),
}

#[derive(Debug)]
pub struct DbError {
    pub message: String,
    /// The statement was stopped because the request ran out of time.
    pub interrupted: bool,
    /// The connection or the server failed, not the statement.
    pub lost: bool,
}

impl DbError {
    pub fn new(message: impl Into<String>) -> DbError {
        DbError { message: message.into(), interrupted: false, lost: false }
    }
}

impl std::fmt::Display for DbError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for DbError {}

thread_local! {
    static STATEMENTS: StdCell<u64> = const { StdCell::new(0) };
}

/// How many statements this thread has run: tests check that a query's count depends on
/// its shape, not on how many rows it touches.
pub fn statements_run() -> u64 {
    STATEMENTS.with(|c| c.get())
}

impl Db {
    fn new(conn: Conn, config: &DbConfig) -> Db {
        Db { conn, log_sql: config.log_sql }
    }

    /// A connection of its own, outside any request: to read the model at start-up.
    pub fn open(config: &DbConfig) -> Result<Db, DbError> {
        match &config.database {
            Database::Sqlite(path) => {
                Ok(Db::new(Conn::Sqlite(Rc::new(sqlite::open_read_only(path)?)), config))
            }
            Database::Postgres(servers) => {
                let mut pooled = None;
                servers.with_session(|s| {
                    pooled = Some(s);
                    ((), false)
                })?;
                let pooled = pooled.ok_or_else(|| DbError::new("no session"))?;
                Ok(Db::new(
                    Conn::Postgres(Box::new(RefCell::new(pooled)), StdCell::new(false)),
                    config,
                ))
            }
        }
    }

    /// A connection of its own to the primary (the SQLite file): where one reader watches
    /// the catalogue and reads the model again when it changed.
    pub fn open_primary(config: &DbConfig) -> Result<Db, DbError> {
        match &config.database {
            Database::Sqlite(_) => Db::open(config),
            Database::Postgres(servers) => {
                let pooled = servers.primary_session()?;
                let conn = Conn::Postgres(Box::new(RefCell::new(pooled)), StdCell::new(false));
                Ok(Db::new(conn, config))
            }
        }
    }

    /// A number that changes whenever the catalogue the model is read from does, read
    /// within `timeout`: SQLite's schema version, PostgreSQL's catalogue fingerprint.
    pub fn catalogue_version(&self, timeout: Duration) -> Result<i64, DbError> {
        match &self.conn {
            Conn::Sqlite(conn) => sqlite::schema_version(conn),
            Conn::Postgres(session, _) => {
                session.borrow_mut().fingerprint(timeout).map_err(|e| self.noted(e))
            }
        }
    }

    /// A database in memory with the tutorial's tables and rows: what `relaylite schema`
    /// and `relaylite model` describe when there is no database.
    pub fn tutorial() -> Result<Db, DbError> {
        let conn = Conn::Sqlite(Rc::new(sqlite::tutorial()?));
        Ok(Db { conn, log_sql: false })
    }

    /// Runs `f` with a connection for one request: this thread's SQLite connection, or a
    /// pooled PostgreSQL session — on the next server when a server is lost mid-request.
    pub fn with_connection<T>(
        config: &DbConfig,
        mut f: impl FnMut(&Db) -> T,
    ) -> Result<T, DbError> {
        match &config.database {
            Database::Sqlite(path) => {
                let conn = sqlite::thread_connection(path)?;
                Ok(f(&Db::new(Conn::Sqlite(conn), config)))
            }
            Database::Postgres(servers) => servers.with_session(|session| {
                let db = Db::new(
                    Conn::Postgres(Box::new(RefCell::new(session)), StdCell::new(false)),
                    config,
                );
                let out = f(&db);
                (out, db.lost())
            }),
        }
    }

    fn lost(&self) -> bool {
        match &self.conn {
            Conn::Sqlite(_) => false,
            Conn::Postgres(_, lost) => lost.get(),
        }
    }

    /// Notes an error that lost the connection, and passes it on.
    fn noted(&self, e: DbError) -> DbError {
        if let Conn::Postgres(_, lost) = &self.conn {
            lost.set(lost.get() || e.lost);
        }
        e
    }

    /// Runs `f` inside one read transaction: every statement of a request sees the same
    /// snapshot, and every statement stops when `timeout` has passed.
    pub fn read<T>(&self, timeout: Duration, f: impl FnOnce() -> T) -> Result<T, DbError> {
        self.read_as(timeout, None, f)
    }

    /// `read`, on PostgreSQL as `run_as` says when given (SQLite has no roles).
    pub fn read_as<T>(
        &self,
        timeout: Duration,
        run_as: Option<&RunAs>,
        f: impl FnOnce() -> T,
    ) -> Result<T, DbError> {
        match &self.conn {
            Conn::Sqlite(conn) => sqlite::read(conn, timeout, f),
            Conn::Postgres(session, _) => {
                session.borrow_mut().begin(timeout, run_as.cloned()).map_err(|e| self.noted(e))?;
                let out = f();
                session.borrow_mut().commit().map_err(|e| self.noted(e))?;
                Ok(out)
            }
        }
    }

    /// Runs `f`, which runs one statement at most, within `timeout`: as `read`, but
    /// PostgreSQL needs no transaction for one statement's snapshot.
    pub fn read_one<T>(&self, timeout: Duration, f: impl FnOnce() -> T) -> Result<T, DbError> {
        match &self.conn {
            Conn::Sqlite(conn) => sqlite::read(conn, timeout, f),
            Conn::Postgres(session, _) => {
                session.borrow_mut().single(timeout).map_err(|e| self.noted(e))?;
                Ok(f())
            }
        }
    }

    /// A number that changes whenever the tables do: SQLite's schema version. PostgreSQL
    /// has none to read cheaply; its schema is read at start-up.
    pub fn schema_version(&self) -> Result<i64, DbError> {
        match &self.conn {
            Conn::Sqlite(conn) => sqlite::schema_version(conn),
            Conn::Postgres(..) => Ok(0),
        }
    }

    /// The schema version if it can be read at once (a SQLite writer holding the file
    /// makes this `None` rather than a wait).
    pub fn schema_version_now(&self) -> Option<i64> {
        match &self.conn {
            Conn::Sqlite(conn) => sqlite::schema_version_now(conn),
            Conn::Postgres(..) => Some(0),
        }
    }

    /// The model for this database: a model file's (its name and text) when given,
    /// otherwise what `model::load` derives. A database that cannot be read fails here
    /// rather than at a request: on SQLite reading the catalogue resolves every view and
    /// virtual table already; on PostgreSQL every served table is read from once (a table
    /// the role may not read).
    pub fn model(&self, file: Option<(&str, &str)>) -> Result<Model, DbError> {
        let catalog = match &self.conn {
            Conn::Sqlite(conn) => catalog::catalog(conn),
            Conn::Postgres(session, _) => {
                let schema = session.borrow().schema().to_string();
                catalog_pg::catalog(self, &schema)
            }
        };
        let catalog = catalog.map_err(DbError::new)?;
        let tutorial =
            sqlite::tutorial().map_err(|e| e.to_string()).and_then(|c| catalog::catalog(&c));
        let model = model::load(catalog, tutorial.ok().as_ref(), file).map_err(DbError::new)?;
        if let Conn::Postgres(..) = self.conn {
            for t in model.tables.iter().filter(|t| t.served) {
                self.query(&format!("SELECT 1 FROM {} LIMIT 1", sql::ident(&t.name)), &[])?;
            }
        }
        Ok(model)
    }

    pub fn query(&self, sql: &str, params: &[Param]) -> Result<Rows, DbError> {
        let mut out = Rows::default();
        self.query_each(sql, params, |row| {
            out.keep(row);
            true
        })?;
        Ok(out)
    }

    /// Runs a statement and hands each row to `f` until it returns false; the database
    /// stops there (SQLite) or the rest is dropped unread (PostgreSQL). The row comes in a
    /// buffer the next row is read into: `Rows::keep` takes its cells to keep them.
    pub fn query_each(
        &self,
        sql: &str,
        params: &[Param],
        f: impl FnMut(&mut Vec<Cell>) -> bool,
    ) -> Result<(), DbError> {
        STATEMENTS.with(|c| c.set(c.get() + 1));
        if self.log_sql {
            eprintln!("SQL {sql} {params:?}");
        }
        match &self.conn {
            Conn::Sqlite(conn) => sqlite::query_each(conn, sql, params, f),
            Conn::Postgres(session, _) => {
                session.borrow_mut().query_each(sql, params, f).map_err(|e| self.noted(e))
            }
        }
    }
}

pub use sqlite::prepare;

#[derive(Debug, PartialEq, Eq)]
pub enum Prepared {
    Created,
    Existing,
}
