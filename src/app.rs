//! The served application: the database, the limits, and the schema derived from the
//! database's tables (or a model file) — rebuilt, without a restart, when another process
//! changes those tables.
//!
//! A request reads the schema version SQLite keeps (`PRAGMA schema_version`) inside the
//! transaction it reads in anyway; a different version makes the next request rebuild the
//! schema. PostgreSQL has no version a request could read for nothing: one thread per app
//! watches the primary's catalogue instead, off the request path. Requests already running
//! keep the schema they started with (an `Arc`); a replaced schema is freed when the last of
//! them ends.

use std::sync::{Arc, Mutex, RwLock, Weak};
use std::time::Duration;

use crate::auth::{Auth, Denied, Session};
use crate::db::{Db, DbConfig, DbError};
use crate::limits::Limits;
use crate::pool::Load;
use crate::schema::{self, Schema};

/// Everything a request needs, built at start-up.
pub struct App {
    served: Arc<RwLock<Served>>,
    /// Held while a schema is rebuilt, so that one rebuild serves every waiting request.
    rebuilding: Mutex<()>,
    pub db: DbConfig,
    pub limits: Limits,
    /// What the server's query threads are doing (all zero outside a server).
    pub load: Arc<Load>,
    /// The model file the schema was read with: its name and text.
    model_file: Option<(String, String)>,
    /// How tokens are checked, when the model file says who may read what.
    pub auth: Option<Auth>,
}

/// The schema served now, and the database schema version it was built from (or, when a
/// rebuild failed, the version that failed: it is not tried again).
#[derive(Clone)]
struct Served {
    schema: Arc<Schema>,
    version: i64,
}

impl App {
    /// Reads the database's model (the model file's, when given) and derives the schema.
    pub fn open(
        db: DbConfig,
        limits: Limits,
        model_file: Option<(String, String)>,
    ) -> Result<App, String> {
        let conn = Db::open(&db).map_err(|e| e.to_string())?;
        // Read first: a change while the model is read shows to the watcher.
        let postgres = matches!(db.database, crate::db::Database::Postgres(_));
        let seen = postgres.then(|| catalogue_version(&db)).flatten();
        let (schema, version) = conn
            .read(Duration::from_secs(60), || build(&conn, &model_file))
            .map_err(|e| e.to_string())??;
        let auth = schema.model.access.as_ref().map(Auth::new).transpose()?;
        if db.set_role && (!postgres || auth.is_none()) {
            let e = "--pg-set-role runs a request as its token's role: it needs PostgreSQL and a model file's [access] section";
            return Err(e.into());
        }
        let served = Arc::new(RwLock::new(Served { schema, version }));
        if postgres {
            let (served, db, file) = (Arc::downgrade(&served), db.clone(), model_file.clone());
            std::thread::Builder::new()
                .name("relaylite-catalogue".into())
                .spawn(move || watch(&served, &db, &file, seen))
                .map_err(|e| e.to_string())?;
        }
        let load = Arc::default();
        Ok(App { served, rebuilding: Mutex::new(()), db, limits, load, model_file, auth })
    }

    /// An app for `db` with the default limits and the model reflection derives.
    pub fn new(db: DbConfig) -> Result<App, String> {
        App::open(db, Limits::default(), None)
    }

    /// The schema requests run against now.
    pub fn schema(&self) -> Arc<Schema> {
        self.served.read().unwrap_or_else(|e| e.into_inner()).schema.clone()
    }

    /// Who a request with the `Authorization` header `header` runs as: nobody in particular
    /// (`None`) when the model names no roles, else the role its token names.
    pub fn session(&self, header: Option<&str>) -> Result<Option<Session>, Denied> {
        self.auth.as_ref().map(|auth| auth.session(header)).transpose()
    }

    /// Whether `version` (read in a request's transaction) is not the served schema's.
    pub(crate) fn changed(&self, version: i64) -> bool {
        self.served.read().unwrap_or_else(|e| e.into_inner()).version != version
    }

    /// Rebuilds the schema from the tables as `db` sees them now, unless another request
    /// already did. A model file that no longer fits the tables is reported, and the old
    /// schema keeps serving.
    pub(crate) fn rebuild(&self, db: &Db, timeout: std::time::Duration) {
        let _one = self.rebuilding.lock().unwrap_or_else(|e| e.into_inner());
        let result = db.read(timeout, || -> Result<(i64, Result<Arc<Schema>, String>), DbError> {
            let version = db.schema_version()?;
            if !self.changed(version) {
                return Ok((version, Ok(self.schema())));
            }
            let built = build(db, &self.model_file).map(|(schema, _)| schema);
            Ok((version, built))
        });
        let (version, schema) = match result.and_then(|r| r) {
            Ok((version, Ok(schema))) => (version, schema),
            Ok((version, Err(e))) => {
                eprintln!(
                    "relaylite: the database's tables changed, and {e}; still serving the previous schema"
                );
                (version, self.schema())
            }
            Err(e) => {
                eprintln!("relaylite: cannot read the changed database schema: {e}");
                return;
            }
        };
        *self.served.write().unwrap_or_else(|e| e.into_inner()) = Served { schema, version };
    }
}

/// How often an app serving PostgreSQL reads the catalogue's fingerprint, and how long one
/// read (or, when it moved, reading the model again) may take.
const WATCH_EVERY: Duration = Duration::from_secs(2);
const WATCH_TIMEOUT: Duration = Duration::from_secs(2);
const REBUILD_TIMEOUT: Duration = Duration::from_secs(30);

/// The primary's catalogue version, when it can be read.
fn catalogue_version(db: &DbConfig) -> Option<i64> {
    Db::open_primary(db).and_then(|conn| conn.catalogue_version(WATCH_TIMEOUT)).ok()
}

/// Every `WATCH_EVERY`, the primary's catalogue fingerprint (one statement, bounded by its
/// own timeout); when it moved from the one `seen`, the model is read again from the
/// primary and its schema served. One reader, of one server: replicas that lag never flip
/// the served schema back, and no request waits for it. Ends with the app.
fn watch(
    served: &Weak<RwLock<Served>>,
    db: &DbConfig,
    model_file: &Option<(String, String)>,
    mut seen: Option<i64>,
) {
    loop {
        std::thread::sleep(WATCH_EVERY);
        let Some(served) = served.upgrade() else { return };
        let Ok(conn) = Db::open_primary(db) else { continue };
        let Ok(now) = conn.catalogue_version(WATCH_TIMEOUT) else { continue };
        if seen == Some(now) {
            continue;
        }
        match conn.read(REBUILD_TIMEOUT, || build(&conn, model_file)) {
            Ok(Ok((schema, _))) => {
                served.write().unwrap_or_else(|e| e.into_inner()).schema = schema
            }
            Ok(Err(e)) => eprintln!(
                "relaylite: the database's tables changed, and {e}; still serving the previous schema"
            ),
            // Not read: tried again at the next look.
            Err(_) => continue,
        }
        seen = Some(now);
    }
}

/// The model and schema for the database `db` reads (inside a transaction), and the
/// schema version they belong to.
fn build(db: &Db, model_file: &Option<(String, String)>) -> Result<(Arc<Schema>, i64), String> {
    let version = db.schema_version().map_err(|e| e.to_string())?;
    let file = model_file.as_ref().map(|(name, text)| (name.as_str(), text.as_str()));
    let model = db.model(file).map_err(|e| e.to_string())?;
    let schema = schema::build(model)?;
    Ok((Arc::new(schema), version))
}

/// What a health check found of one database server.
#[derive(Debug)]
pub struct ServerCheck {
    /// `primary` or `replica`.
    pub role: &'static str,
    /// The file's path, or the URL without its password.
    pub url: String,
    /// Why it did not answer, when it did not.
    pub error: Option<String>,
    /// A PostgreSQL server's pool: connections open, and of those idle.
    pub connections: Option<(u32, u32)>,
}

impl App {
    /// Whether each database server answers a trivial read now, for `/health` and
    /// `/metrics`: the SQLite file through a fresh connection (a cached one keeps reading a
    /// file deleted or replaced since it opened), each PostgreSQL server at once on a
    /// thread of its own. Blocks: call it off the async side.
    pub fn check_database(&self) -> Vec<ServerCheck> {
        match &self.db.database {
            crate::db::Database::Sqlite(path) => {
                let answered = Db::open(&self.db).and_then(|db| db.schema_version());
                let error = answered.err().map(|e| e.to_string());
                let url = path.display().to_string();
                vec![ServerCheck { role: "primary", url, error, connections: None }]
            }
            crate::db::Database::Postgres(servers) => std::thread::scope(|scope| {
                let checks: Vec<_> =
                    servers.servers.iter().map(|s| (s, scope.spawn(|| s.check()))).collect();
                checks
                    .into_iter()
                    .map(|(s, check)| ServerCheck {
                        role: s.role.name(),
                        url: s.url.clone(),
                        error: check
                            .join()
                            .unwrap_or_else(|_| Err("the check failed".into()))
                            .err(),
                        connections: Some(s.pool_state()),
                    })
                    .collect()
            }),
        }
    }
}
