//! PostgreSQL sessions: a pooled connection, its prepared statements, and the two
//! conversions between rows and PostgreSQL's wire values.
//!
//! A session drives tokio-postgres's connection itself, on the calling thread, as the
//! synchronous `postgres` crate does — but it can pipeline: a transaction's `BEGIN` goes out
//! with its first statement, and `COMMIT` is sent without waiting for its answer, so a
//! request of n statements costs n round trips, not n + 2.
//!
//! Parameters travel as text, typed by the server from where they stand in the statement
//! (`"id" = $1` makes `$1` the column's type), so a value binds as SQLAlchemy's would with
//! no type table here. Results arrive in binary; the SQL builder casts every type rows
//! cannot hold to `float8` or `text`, so a handful of decoders cover every column.

use std::collections::HashMap;
use std::error::Error as StdError;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use std::future::{Future, poll_fn};
use std::pin::pin;
use std::task::{Context, Poll};

use futures_util::{StreamExt, future};
use tokio::runtime::Runtime;
use tokio_postgres::tls::NoTlsStream;
use tokio_postgres::types::{Format, FromSql, IsNull, ToSql, Type, to_sql_checked};
use tokio_postgres::{Client, Connection, NoTls, Socket, Statement};

use std::fmt::Write;

use super::{Cell, DbError, Param, RunAs};

/// Prepared statements kept per connection; past this the cache starts over.
const STATEMENTS_KEPT: usize = 256;

/// Where a transaction run as a role keeps the token's claims for row-level security
/// policies (`current_setting('request.jwt.claims')`), bound as a value.
const SET_CLAIMS: &str = "SELECT set_config('request.jwt.claims', $1, true)";

/// A fingerprint of what the model is read from in the served schema: its tables' columns
/// with their types, its constraints and indexes, and every enum's labels — a hash of the
/// catalogue's text, PostgreSQL's stand-in for SQLite's schema version.
const FINGERPRINT: &str = "SELECT hashtextextended(coalesce(string_agg(x, ',' ORDER BY x), ''), 0) \
     FROM (SELECT format('%s %s %s %s %s %s', c.relname, c.relkind, a.attnum, a.attname, \
     format_type(a.atttypid, a.atttypmod), a.attnotnull) FROM pg_class c \
     JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_attribute a ON a.attrelid = c.oid \
     WHERE n.nspname = $1 AND a.attnum > 0 AND NOT a.attisdropped \
     UNION ALL SELECT format('%s %s', co.conname, pg_get_constraintdef(co.oid)) \
     FROM pg_constraint co JOIN pg_namespace n ON n.oid = co.connamespace WHERE n.nspname = $1 \
     UNION ALL SELECT format('%s %s', pg_get_indexdef(i.indexrelid), i.indisvalid) FROM pg_index i \
     JOIN pg_class c ON c.oid = i.indrelid JOIN pg_namespace n ON n.oid = c.relnamespace \
     WHERE n.nspname = $1 \
     UNION ALL SELECT format('%s %s %s', t.typname, e.enumsortorder, e.enumlabel) FROM pg_enum e \
     JOIN pg_type t ON t.oid = e.enumtypid) AS catalog(x)";

/// One pooled connection and the statements prepared on it.
pub struct Session {
    link: Link,
    client: Client,
    /// The `BEGIN` of a transaction `begin` opened, until it goes out with the first
    /// statement.
    opening: Option<String>,
    statements: HashMap<String, Statement>,
    /// When the running request must stop, and the statement timeout last set for it.
    deadline: Option<(Instant, Duration)>,
    /// The session's own statement timeout, which bounds a statement run outside a
    /// transaction: set on first need, and again only when it is too far off.
    session_timeout: Option<Duration>,
    /// A statement of the transaction failed: PostgreSQL refuses the rest of it.
    failed: bool,
    /// Who the request's transactions run as, when not the login.
    run_as: Option<RunAs>,
    schema: String,
    /// The server's connection generation when this connection was made.
    generation: u64,
    /// The server's current one: a connection lost to the server ends its generation.
    current: Arc<AtomicU64>,
}

/// Makes and checks connections for r2d2: each starts in UTC with ISO dates, the schema to
/// serve first on its search path, and read-only transactions by default (a statement run
/// outside `begin` is its own read-only transaction).
#[derive(Debug)]
pub struct Manager {
    config: tokio_postgres::Config,
    setup: String,
    schema: String,
    generation: Arc<AtomicU64>,
}

impl Manager {
    /// `generation` is the server's connection generation, which its `Server` moves on.
    pub fn new(url: &str, schema: &str, generation: Arc<AtomicU64>) -> Result<Manager, String> {
        let mut config: tokio_postgres::Config =
            url.parse().map_err(|e| format!("{}: {e}", super::redact(url)))?;
        config.connect_timeout(Duration::from_secs(2));
        config.application_name("relaylite");
        let setup = format!(
            "SET TIME ZONE 'UTC'; SET DateStyle = 'ISO, YMD'; SET search_path = {}, pg_catalog; \
             SET default_transaction_read_only = on",
            super::sql::ident(schema)
        );
        Ok(Manager { config, setup, schema: schema.to_string(), generation })
    }
}

impl r2d2::ManageConnection for Manager {
    type Connection = Session;
    type Error = DbError;

    fn connect(&self) -> Result<Session, DbError> {
        // Read first: a connection never belongs to a generation newer than its server.
        let generation = self.generation.load(Ordering::Relaxed);
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| DbError::new(format!("a runtime for the connection: {e}")))?;
        let (client, connection) = runtime.block_on(self.config.connect(NoTls))?;
        let mut link = Link { runtime, connection: Some(connection) };
        link.wait(client.batch_execute(&self.setup))?;
        Ok(Session {
            link,
            client,
            opening: None,
            statements: HashMap::new(),
            deadline: None,
            session_timeout: None,
            failed: false,
            run_as: None,
            schema: self.schema.clone(),
            generation,
            current: self.generation.clone(),
        })
    }

    fn is_valid(&self, session: &mut Session) -> Result<(), DbError> {
        session.batch("")
    }

    fn has_broken(&self, session: &mut Session) -> bool {
        session.is_stale()
    }
}

impl From<tokio_postgres::Error> for DbError {
    fn from(e: tokio_postgres::Error) -> Self {
        let code = e.code().map(|c| c.code().to_string()).unwrap_or_default();
        // The server, a connection or the network failed, rather than the statement.
        let lost = e.is_closed()
            || e.source().is_some_and(|s| s.is::<std::io::Error>())
            || code.starts_with("08")
            || code.starts_with("57P");
        let message = match e.as_db_error() {
            Some(db) => db.message().to_string(),
            None => e.to_string(),
        };
        DbError { message, interrupted: code == "57014", lost }
    }
}

impl Session {
    /// Whether the connection is known to be gone (the server closed it) or suspect (it is
    /// older than a connection to the same server that was lost), without asking.
    pub fn is_stale(&self) -> bool {
        self.client.is_closed() || self.generation < self.current.load(Ordering::Relaxed)
    }

    /// Passes `result` on; a lost connection first ends its generation (once, however many
    /// connections of the generation are lost), so the older pooled ones are not handed out.
    fn noting<T>(&self, result: Result<T, DbError>) -> Result<T, DbError> {
        if result.as_ref().is_err_and(|e| e.lost) {
            self.current.fetch_max(self.generation + 1, Ordering::Relaxed);
        }
        result
    }

    /// The schema this session serves.
    pub fn schema(&self) -> &str {
        &self.schema
    }

    /// Starts the request's read-only transaction with one snapshot (REPEATABLE READ, which
    /// hot standbys allow too), its statements bounded by `timeout` in all.
    pub fn begin(&mut self, timeout: Duration, run_as: Option<RunAs>) -> Result<(), DbError> {
        self.deadline = Some((Instant::now() + timeout, timeout));
        self.run_as = run_as;
        let started = self.start(timeout);
        self.noting(started)
    }

    /// Opens the transaction with the next statement, which goes out right behind it (and,
    /// with a role to run as, behind the role and the claims, which the new transaction of a
    /// request whose statement failed takes again).
    fn start(&mut self, timeout: Duration) -> Result<(), DbError> {
        let ms = timeout.as_millis().max(1);
        let mut opening = format!(
            "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; SET LOCAL statement_timeout = {ms}"
        );
        if let Some(run_as) = &self.run_as {
            let _ = write!(opening, "; SET LOCAL ROLE {}", crate::sql::ident(&run_as.role));
        }
        self.opening = Some(opening);
        self.failed = false;
        Ok(())
    }

    /// Runs statements of the simple protocol, waiting for their answer.
    fn batch(&mut self, text: &str) -> Result<(), DbError> {
        self.link.wait(self.client.batch_execute(text))
    }

    /// Sends statements of the simple protocol without waiting for their answer.
    fn send(&mut self, text: &str) -> Result<(), DbError> {
        self.link.send(self.client.batch_execute(text))
    }

    /// Readies the session for a request of one statement, which needs no transaction to
    /// read one snapshot: no BEGIN or COMMIT, one round trip in all. The statement is
    /// bounded by the session's statement timeout, set again only when it is more than a
    /// tenth off `timeout` (as `bound_by_deadline` allows).
    pub fn single(&mut self, timeout: Duration) -> Result<(), DbError> {
        self.deadline = None;
        self.run_as = None;
        self.failed = false;
        let near = |set: Duration| set.mul_f64(0.9) <= timeout && timeout <= set.mul_f64(1.1);
        if self.session_timeout.is_some_and(near) {
            return Ok(());
        }
        let ms = timeout.as_millis().max(1);
        let set = self.batch(&format!("SET statement_timeout = {ms}"));
        // Kept only once set: a failed SET leaves the session's timeout as it was.
        self.session_timeout = set.is_ok().then_some(timeout).or(self.session_timeout);
        self.noting(set)
    }

    /// The served schema's catalogue fingerprint (`FINGERPRINT`), read as one statement
    /// within `timeout`.
    pub fn fingerprint(&mut self, timeout: Duration) -> Result<i64, DbError> {
        self.single(timeout)?;
        let mut version = 0;
        let schema = Param::Text(self.schema.clone());
        self.query_each(FINGERPRINT, &[schema], |row| {
            if let Some(Cell::Int(v)) = row.first() {
                version = *v;
            }
            false
        })?;
        Ok(version)
    }

    /// Ends the transaction `begin` started, if a statement opened it, without waiting for
    /// PostgreSQL's answer: a read-only transaction has nothing left to fail, and the reply
    /// need not wait a round trip.
    pub fn commit(&mut self) -> Result<(), DbError> {
        self.deadline = None;
        self.run_as = None;
        if self.opening.take().is_some() {
            return Ok(());
        }
        let end = if self.failed { "ROLLBACK" } else { "COMMIT" };
        let sent = self.send(end);
        self.noting(sent)
    }

    /// Bounds the next statement by the request's time left: set again only once a tenth
    /// of it has gone, so a quick request pays no extra round trip. After a failed
    /// statement (a value its column's type refuses, say) the rest of the request runs in a
    /// new transaction, as SQLite would go on after it.
    fn bound_by_deadline(&mut self) -> Result<(), DbError> {
        let Some((deadline, set)) = self.deadline else { return Ok(()) };
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(DbError { message: "timeout".into(), interrupted: true, lost: false });
        }
        if self.failed {
            self.send("ROLLBACK")?;
            self.deadline = Some((deadline, left));
            return self.start(left);
        }
        if left < set.mul_f64(0.9) {
            let ms = left.as_millis().max(1);
            let set = format!("SET LOCAL statement_timeout = {ms}");
            match &mut self.opening {
                Some(opening) => *opening = format!("{opening}; {set}"),
                None => self.batch(&set)?,
            }
            self.deadline = Some((deadline, left));
        }
        Ok(())
    }

    /// Runs a statement and hands each row to `f` until it returns false.
    pub fn query_each(
        &mut self,
        sql: &str,
        params: &[Param],
        f: impl FnMut(&mut Vec<Cell>) -> bool,
    ) -> Result<(), DbError> {
        let result = self.bound_by_deadline().and_then(|()| self.run(sql, params, f));
        self.failed |= result.is_err() && self.deadline.is_some();
        self.noting(result)
    }

    /// Runs a statement, behind the transaction's `BEGIN` when it is the first.
    fn run(
        &mut self,
        sql: &str,
        params: &[Param],
        mut f: impl FnMut(&mut Vec<Cell>) -> bool,
    ) -> Result<(), DbError> {
        let stmt = self.statement(sql)?;
        let width = stmt.columns().len();
        let claims = match (&self.opening, self.run_as.as_ref().map(|r| r.claims.clone())) {
            (Some(_), Some(claims)) => Some((self.statement(SET_CLAIMS)?, claims)),
            _ => None,
        };
        let opening = self.opening.take();
        let client = &self.client;
        self.link.wait(async {
            let query = client.query_raw(&stmt, params.iter().map(Text));
            let set_claims = async {
                match &claims {
                    Some((set, claims)) => client.query(set, &[claims]).await.map(drop),
                    None => Ok(()),
                }
            };
            let rows = match &opening {
                Some(begin) => {
                    // Polled in order: BEGIN is queued first, then the claims, then the
                    // statement: one round trip.
                    let (begun, set, rows) =
                        future::join3(client.batch_execute(begin), set_claims, query).await;
                    begun?;
                    set?;
                    rows?
                }
                None => query.await?,
            };
            let mut rows = pin!(rows);
            let mut cells = Vec::with_capacity(width);
            while let Some(row) = rows.next().await {
                let row = row?;
                cells.clear();
                for i in 0..width {
                    cells.push(row.try_get::<_, Decoded>(i)?.0);
                }
                if !f(&mut cells) {
                    break;
                }
            }
            Ok::<(), tokio_postgres::Error>(())
        })
    }

    fn statement(&mut self, sql: &str) -> Result<Statement, DbError> {
        if let Some(s) = self.statements.get(sql) {
            return Ok(s.clone());
        }
        let stmt = self.link.wait(self.client.prepare(sql))?;
        if self.statements.len() >= STATEMENTS_KEPT {
            self.statements.clear();
        }
        self.statements.insert(sql.to_string(), stmt.clone());
        Ok(stmt)
    }
}

/// A connection and the runtime whose reactor its socket is registered with, driven only
/// while a call on it runs: no task, no thread of its own, no wake-up of another thread.
struct Link {
    runtime: Runtime,
    /// Gone once it ended: the client's calls then fail as on a closed connection.
    connection: Option<Connection<Socket, NoTlsStream>>,
}

impl Link {
    /// Runs `call` to its end, driving the connection meanwhile.
    fn wait<T, E: Into<DbError>>(
        &mut self,
        call: impl Future<Output = Result<T, E>>,
    ) -> Result<T, DbError> {
        let mut call = pin!(call);
        let connection = &mut self.connection;
        self.runtime.block_on(poll_fn(|cx| {
            drive(connection, cx);
            match call.as_mut().poll(cx) {
                Poll::Ready(result) => Poll::Ready(result.map_err(Into::into)),
                Poll::Pending if connection.is_none() => Poll::Ready(Err(DbError {
                    message: "the connection to the server was closed".into(),
                    interrupted: false,
                    lost: true,
                })),
                Poll::Pending => Poll::Pending,
            }
        }))
    }

    /// Starts `call` and drives the connection once, which writes its messages; its answer
    /// is read, and dropped, when the link is next used.
    fn send<T>(
        &mut self,
        call: impl Future<Output = Result<T, tokio_postgres::Error>>,
    ) -> Result<(), DbError> {
        let mut call = pin!(call);
        let connection = &mut self.connection;
        self.runtime.block_on(poll_fn(|cx| {
            if let Poll::Ready(Err(e)) = call.as_mut().poll(cx) {
                return Poll::Ready(Err(e.into()));
            }
            drive(connection, cx);
            Poll::Ready(Ok(()))
        }))
    }
}

/// Lets the connection do what it can now: write what calls queued, hand answers to their
/// calls. Its own messages (notices) are dropped; once it ends, it is gone.
fn drive(connection: &mut Option<Connection<Socket, NoTlsStream>>, cx: &mut Context<'_>) {
    while let Some(c) = connection {
        match c.poll_message(cx) {
            Poll::Ready(Some(Ok(_))) => {}
            Poll::Ready(Some(Err(_)) | None) => *connection = None,
            Poll::Pending => break,
        }
    }
}

/// A parameter sent as text, for the server to read as the type its place calls for.
#[derive(Debug)]
struct Text<'a>(&'a Param);

impl ToSql for Text<'_> {
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut bytes::BytesMut,
    ) -> Result<IsNull, Box<dyn StdError + Sync + Send>> {
        let text = match self.0 {
            Param::Null => return Ok(IsNull::Yes),
            Param::Int(i) => i.to_string(),
            Param::Real(f) if f.is_nan() => "NaN".into(),
            Param::Real(f) if f.is_infinite() => {
                if *f > 0.0 { "Infinity" } else { "-Infinity" }.into()
            }
            Param::Real(f) => f.to_string(),
            Param::Text(s) => s.clone(),
            Param::Blob(b) if *ty == Type::BYTEA => {
                b.iter().fold(String::from("\\x"), |s, byte| s + &format!("{byte:02x}"))
            }
            Param::Blob(b) => String::from_utf8_lossy(b).into_owned(),
        };
        out.extend_from_slice(text.as_bytes());
        Ok(IsNull::No)
    }

    fn accepts(_: &Type) -> bool {
        true
    }

    fn encode_format(&self, _ty: &Type) -> Format {
        Format::Text
    }

    to_sql_checked!();
}

/// A result value as a row holds it.
struct Decoded(Cell);

impl<'a> FromSql<'a> for Decoded {
    fn from_sql(ty: &Type, raw: &'a [u8]) -> Result<Self, Box<dyn StdError + Sync + Send>> {
        Ok(Decoded(match *ty {
            Type::BOOL => Cell::Int(i64::from(bool::from_sql(ty, raw)?)),
            Type::INT2 => Cell::Int(i64::from(i16::from_sql(ty, raw)?)),
            Type::INT4 => Cell::Int(i64::from(i32::from_sql(ty, raw)?)),
            Type::INT8 => Cell::Int(i64::from_sql(ty, raw)?),
            Type::OID => Cell::Int(i64::from(u32::from_sql(ty, raw)?)),
            // A real's shortest decimal, as PostgreSQL prints it for psycopg2: 0.1, not
            // 0.10000000149011612.
            Type::FLOAT4 => Cell::Real(f32::from_sql(ty, raw)?.to_string().parse()?),
            Type::FLOAT8 => Cell::Real(f64::from_sql(ty, raw)?),
            Type::BYTEA => Cell::Blob(raw.into()),
            // Text in every other case: text types are their UTF-8 bytes in binary too,
            // and the builder casts the rest to text.
            _ => Cell::Text(std::str::from_utf8(raw)?.into()),
        }))
    }

    fn from_sql_null(_: &Type) -> Result<Self, Box<dyn StdError + Sync + Send>> {
        Ok(Decoded(Cell::Null))
    }

    fn accepts(_: &Type) -> bool {
        true
    }
}
