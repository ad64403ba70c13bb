//! The PostgreSQL servers requests read from: a primary and its read replicas, a pool of
//! connections each (r2d2).
//!
//! Reads go round-robin to the replicas that are up, then to the primary. A server whose
//! connection fails is marked down for a while and the request runs again on the next one:
//! requests only read, so running one again is always safe.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::DbError;
use super::postgres::Manager;

/// How long a server that failed is passed over.
const DOWN_FOR: Duration = Duration::from_secs(5);
/// How long a request waits for a connection to one server before trying the next.
const CONNECT_WAIT: Duration = Duration::from_secs(2);
/// How long a health check waits for a connection to one server.
const CHECK_WAIT: Duration = Duration::from_millis(500);

pub type Pooled = r2d2::PooledConnection<Manager>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Primary,
    Replica,
}

impl Role {
    pub fn name(self) -> &'static str {
        match self {
            Role::Primary => "primary",
            Role::Replica => "replica",
        }
    }
}

pub struct Server {
    pub role: Role,
    /// The server's URL without its password, for logs and metrics.
    pub url: String,
    pool: r2d2::Pool<Manager>,
    down_until: Mutex<Option<Instant>>,
    /// Requests this server answered.
    served: AtomicU64,
}

impl Server {
    /// Whether the server is not passed over now.
    pub fn up(&self) -> bool {
        self.down_until.lock().map_or(true, |d| d.is_none_or(|t| Instant::now() >= t))
    }

    fn mark_down(&self, why: &str) {
        if let Ok(mut d) = self.down_until.lock() {
            if d.is_none_or(|t| Instant::now() >= t) {
                eprintln!(
                    "relaylite: {} {} is down for {DOWN_FOR:?}: {why}",
                    self.role.name(),
                    self.url
                );
            }
            *d = Some(Instant::now() + DOWN_FOR);
        }
    }

    fn mark_up(&self) {
        if let Ok(mut d) = self.down_until.lock() {
            *d = None;
        }
    }

    /// Requests this server answered.
    pub fn served(&self) -> u64 {
        self.served.load(Ordering::Relaxed)
    }

    /// Connections open and idle in this server's pool.
    pub fn pool_state(&self) -> (u32, u32) {
        let s = self.pool.state();
        (s.connections, s.idle_connections)
    }
}

pub struct Servers {
    pub servers: Vec<Server>,
    next: AtomicUsize,
}

impl std::fmt::Debug for Servers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let urls: Vec<&str> = self.servers.iter().map(|s| s.url.as_str()).collect();
        write!(f, "Servers({urls:?})")
    }
}

impl Servers {
    /// The pools for `primary` and `replicas` (none connects until a request needs it),
    /// each of up to `pool_size` connections, reading schema `schema`.
    pub fn new(
        primary: &str,
        replicas: &[String],
        schema: &str,
        pool_size: u32,
    ) -> Result<Servers, String> {
        let mut servers = Vec::new();
        let all = std::iter::once((Role::Primary, primary))
            .chain(replicas.iter().map(|r| (Role::Replica, r.as_str())));
        for (role, url) in all {
            // Moved on by a session that loses its connection: the pool's older ones most
            // likely died with it (a restart ends them all), so they are dropped unused.
            let generation = Arc::new(AtomicU64::new(0));
            let pool = r2d2::Pool::builder()
                .max_size(pool_size.max(1))
                .min_idle(Some(0))
                .connection_timeout(CONNECT_WAIT)
                .test_on_check_out(false)
                .error_handler(Box::new(r2d2::NopErrorHandler))
                .build_unchecked(Manager::new(url, schema, generation.clone())?);
            let url = super::redact(url);
            let (down_until, served) = (Mutex::new(None), AtomicU64::new(0));
            servers.push(Server { role, url, pool, down_until, served });
        }
        Ok(Servers { servers, next: AtomicUsize::new(0) })
    }

    /// The order a request tries the servers in: the replicas that are up, starting with
    /// the next in turn, then the primary, then the replicas marked down (a last resort).
    fn order(&self) -> Vec<&Server> {
        let replicas: Vec<&Server> =
            self.servers.iter().filter(|s| s.role == Role::Replica).collect();
        let start = match replicas.len() {
            0 => 0,
            n => self.next.fetch_add(1, Ordering::Relaxed) % n,
        };
        let rotated = replicas.iter().cycle().skip(start).take(replicas.len());
        let (up, down): (Vec<&Server>, Vec<&Server>) = rotated.partition(|s| s.up());
        let primary = self.servers.iter().filter(|s| s.role == Role::Primary);
        up.into_iter().chain(primary).chain(down).collect()
    }

    /// Runs `f` on a session of the first server that gives one. `f` says whether the
    /// connection was lost while it ran; then `f` runs again on a new connection to the same
    /// server (pooled connections die together when a server restarts, so every older one
    /// is dropped), and after a second loss the server is marked down and `f` runs on the
    /// next, unless none is left.
    pub fn with_session<T>(&self, mut f: impl FnMut(Pooled) -> (T, bool)) -> Result<T, DbError> {
        let order = self.order();
        let mut last_error = String::from("no database server is configured");
        for (i, server) in order.iter().enumerate() {
            let last = i + 1 == order.len();
            for attempt in 0..2 {
                let session = match server.session(CONNECT_WAIT) {
                    Ok(s) => s,
                    Err(e) => {
                        server.mark_down(&e);
                        last_error = format!("{} {}: {e}", server.role.name(), server.url);
                        break;
                    }
                };
                let (out, lost) = f(session);
                if !lost {
                    server.mark_up();
                    server.served.fetch_add(1, Ordering::Relaxed);
                    return Ok(out);
                }
                if attempt == 1 {
                    server.mark_down("its connection was lost during a request");
                    if last {
                        return Ok(out);
                    }
                }
            }
        }
        Err(DbError {
            message: format!("No database server answers ({last_error})."),
            interrupted: false,
            lost: true,
        })
    }
}

impl Servers {
    /// A session on the primary alone: what one reader of the catalogue needs, so that
    /// replicas that lag never make it see an older schema.
    pub fn primary_session(&self) -> Result<Pooled, DbError> {
        let primary = self.servers.iter().find(|s| s.role == Role::Primary);
        let primary = primary.ok_or_else(|| DbError::new("no primary is configured"))?;
        primary.session(CONNECT_WAIT).map_err(DbError::new)
    }
}

impl Server {
    /// Whether the server answers a trivial read now (marking it up or down for requests
    /// to come): the error when it does not.
    pub fn check(&self) -> Result<(), String> {
        let answered = self
            .session(CHECK_WAIT)
            .and_then(|mut s| s.query_each("SELECT 1", &[], |_| true).map_err(|e| e.to_string()));
        match &answered {
            Ok(()) => self.mark_up(),
            Err(e) => self.mark_down(e),
        }
        answered
    }

    /// A pooled session whose connection is not stale: the pool hands out idle connections
    /// unchecked (checking costs a round trip), so one the server ended while it sat idle,
    /// or one older than a lost connection, is dropped here, and the pool discards it.
    fn session(&self, wait: Duration) -> Result<Pooled, String> {
        for _ in 0..=self.pool.max_size() {
            let session = self.pool.get_timeout(wait).map_err(|e| e.to_string())?;
            if !session.is_stale() {
                return Ok(session);
            }
        }
        Err("every pooled connection is closed".into())
    }
}
