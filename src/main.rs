//! The `relaylite` command: serve, model, schema, init. The only place the process exits.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use relaylite::db::{self, DbConfig, Prepared};
use relaylite::http::HttpOptions;
use relaylite::limits::{FLAGS, Limits};
use relaylite::{App, http, schema};

const USAGE: &str = "\
relaylite — a relay GraphQL API, in graphene-sqlalchemy's shape, for any SQLite or
PostgreSQL database (by default the graphene-sqlalchemy tutorial's, in SQLite)

Usage:
  relaylite [serve] [--db PATH|URL] [--replica URL]... [--schema NAME] [--pool-size N]
                    [--model FILE] [--listen ADDR] [--cors ORIGIN]...
                    [--log-requests] [--log-sql] [LIMITS]
  relaylite model [--db PATH|URL] [--schema NAME]
  relaylite schema [--db PATH|URL] [--schema NAME] [--model FILE]
  relaylite init [--db PATH]
  relaylite --help

Commands:
  serve    Serve /graphql (and GraphiQL in a browser). The default command.
  model    Print the model relaylite derives from the database (TOML), to edit and
           serve with --model.
  schema   Print the GraphQL schema (SDL) and exit.
  init     Create the database with the tutorial's tables and rows if it does not exist.

Options:
  --db PATH        SQLite database file [default: database.sqlite3 in this directory].
                   The default file is created with the tutorial's tables and rows when
                   missing; a file named with --db must exist (create one with `init`).
                   An existing file is never changed. A database whose tables are the
                   tutorial's gets the tutorial's API; any other, what reflection derives.
                   (`model` and `schema` without --db and without the default file: the
                   tutorial's.)
  --db URL         A PostgreSQL database instead: postgres://user:password@host:port/name
                   (libpq's URL; sslmode is not supported). Its schema is read at start-up.
  --replica URL    A read replica of that database (streaming from it); repeat for more.
                   Requests read from the replicas in turn, from the primary when none
                   answers; a server that fails is passed over for 5 s.
  --schema NAME    The PostgreSQL schema to serve [default: public].
  --pool-size N    PostgreSQL connections per server [default: one per query thread].
  --model FILE     Serve the model in FILE (as `relaylite model` prints it) instead of
                   the derived one: names, fields, relationships, what is hidden.
  --listen ADDR    Address to listen on [default: 127.0.0.1:5000]; port 0 picks a free one.
  --cors ORIGIN    Let pages from ORIGIN (like https://app.example.com) call /graphql
                   from a browser; repeat for more origins, or give * for any. Off by
                   default: no CORS headers at all.
  --log-requests   Write one line per request to stderr: method, path, status, response
                   bytes, milliseconds, operationName (or -).
  --log-sql        Write every SQL statement to stderr, one line each, starting `SQL `.
  -h, --help       Show this help.

Limits (each takes a number; the default is in brackets):
";

fn help() -> String {
    let mut out = String::from(USAGE);
    for (flag, default, text, _) in FLAGS {
        out.push_str(&format!("  {flag:<20} {text} [{default}]\n"));
    }
    out
}

struct Options {
    command: String,
    db: PathBuf,
    db_given: bool,
    model: Option<PathBuf>,
    listen: SocketAddr,
    log_sql: bool,
    http: HttpOptions,
    limits: Limits,
    replicas: Vec<String>,
    schema: String,
    pool_size: Option<u32>,
}

fn parse_args(args: &[String]) -> Result<Options, String> {
    let mut o = Options {
        command: "serve".into(),
        db: PathBuf::from("database.sqlite3"),
        db_given: false,
        model: None,
        listen: SocketAddr::from(([127, 0, 0, 1], 5000)),
        log_sql: false,
        http: HttpOptions::default(),
        limits: Limits::default(),
        replicas: Vec::new(),
        schema: "public".into(),
        pool_size: None,
    };
    let mut it = args.iter();
    let mut first = true;
    while let Some(a) = it.next() {
        match a.as_str() {
            "serve" | "init" | "schema" | "model" if first => o.command = a.clone(),
            "-h" | "--help" => o.command = "help".into(),
            "--db" => {
                o.db = it.next().ok_or("--db needs a path")?.into();
                o.db_given = true;
            }
            "--model" => o.model = Some(it.next().ok_or("--model needs a file")?.into()),
            "--listen" => {
                let v = it.next().ok_or("--listen needs an address like 127.0.0.1:5000")?;
                o.listen = v.parse().map_err(|_| {
                    format!("--listen: `{v}` is not an address like 127.0.0.1:5000")
                })?;
            }
            "--log-sql" => o.log_sql = true,
            "--replica" => o.replicas.push(postgres_url("--replica", it.next())?),
            "--schema" => o.schema = it.next().ok_or("--schema needs a name")?.clone(),
            "--pool-size" => {
                let v = it.next().ok_or("--pool-size needs a number")?;
                let n = v.parse().ok().filter(|&n: &u32| n > 0);
                o.pool_size = Some(n.ok_or(format!("--pool-size: `{v}` is not a number above 0"))?);
            }
            "--log-requests" => o.http.log_requests = true,
            "--cors" => o.http.cors.push(origin(it.next())?),
            other => match FLAGS.iter().find(|(f, ..)| *f == other) {
                Some((flag, _, _, field)) => {
                    let v = it.next().ok_or(format!("{flag} needs a number"))?;
                    *field(&mut o.limits) =
                        v.parse().map_err(|_| format!("{flag}: `{v}` is not a number"))?;
                }
                None => return Err(format!("unexpected argument `{other}` (see --help)")),
            },
        }
        first = false;
    }
    Ok(o)
}

/// A PostgreSQL URL given to `flag`.
fn postgres_url(flag: &str, value: Option<&String>) -> Result<String, String> {
    let v = value.ok_or(format!("{flag} needs a URL like postgres://user@host/db"))?;
    match db::is_postgres_url(v) {
        true => Ok(v.clone()),
        false => Err(format!("{flag}: `{v}` is not a URL like postgres://user@host/db")),
    }
}

impl Options {
    fn postgres(&self) -> Option<&str> {
        self.db.to_str().filter(|d| db::is_postgres_url(d))
    }

    /// The database to serve: a PostgreSQL URL's, or the SQLite file's.
    fn db_config(&self) -> Result<DbConfig, String> {
        let mut config = match self.postgres() {
            Some(url) => {
                let threads = relaylite::pool::threads(self.limits.workers);
                let size = self.pool_size.unwrap_or(u32::try_from(threads).unwrap_or(u32::MAX));
                DbConfig::postgres(url, &self.replicas, &self.schema, size)?
            }
            None if !self.replicas.is_empty() => {
                return Err("--replica needs --db to name a PostgreSQL database".into());
            }
            None => DbConfig::sqlite(&self.db),
        };
        config.log_sql = self.log_sql;
        Ok(config)
    }
}

/// A `--cors` value: `*`, or an origin as browsers send it (scheme://host[:port], no path),
/// since anything else would never equal a request's `Origin` and silently allow nothing.
fn origin(value: Option<&String>) -> Result<String, String> {
    let v = value.ok_or("--cors needs an origin like https://app.example.com, or *")?;
    let well_formed = v.split_once("://").is_some_and(|(scheme, host)| {
        !scheme.is_empty()
            && scheme.chars().all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
            && !host.is_empty()
            && !host.contains(['/', '?', '#'])
            && !host.chars().any(char::is_whitespace)
    });
    if v == "*" || well_formed {
        Ok(v.clone())
    } else {
        Err(format!("--cors: `{v}` is not an origin like https://app.example.com (no path), or *"))
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let options = match parse_args(&args) {
        Ok(o) => o,
        Err(msg) => {
            eprintln!("relaylite: {msg}");
            return ExitCode::from(2);
        }
    };
    match options.command.as_str() {
        "help" => {
            print!("{}", help());
            ExitCode::SUCCESS
        }
        "schema" | "model" => print_model(&options),
        "init" => match db::prepare(&options.db) {
            Ok(Prepared::Created) => {
                println!("created {} with the tutorial's rows", options.db.display());
                ExitCode::SUCCESS
            }
            Ok(Prepared::Existing) => {
                println!("{} already exists; left unchanged", options.db.display());
                ExitCode::SUCCESS
            }
            Err(e) => fail(&options, e),
        },
        _ => serve(options),
    }
}

/// The database served, for people: a file's path or a URL without its password.
fn app_source(options: &Options) -> String {
    match options.postgres() {
        Some(url) => db::redact(url),
        None => options.db.display().to_string(),
    }
}

fn fail(options: &Options, e: impl std::fmt::Display) -> ExitCode {
    eprintln!("relaylite: database {}: {e}", app_source(options));
    ExitCode::FAILURE
}

/// The model file named by `--model`: its name (for errors) and text.
fn model_file(options: &Options) -> Result<Option<(String, String)>, String> {
    let Some(path) = &options.model else {
        return Ok(None);
    };
    let text =
        std::fs::read_to_string(path).map_err(|e| format!("model file {}: {e}", path.display()))?;
    Ok(Some((path.display().to_string(), text)))
}

/// `relaylite model` and `relaylite schema`: the model as TOML, or the schema as SDL, for
/// the database named (or the default file, or the built-in tutorial when there is none).
fn print_model(options: &Options) -> ExitCode {
    let file = match model_file(options) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("relaylite: {e}");
            return ExitCode::FAILURE;
        }
    };
    let db = match options.db_given || options.db.exists() {
        true => options.db_config().map_err(db::DbError::new).and_then(|c| db::Db::open(&c)),
        false => db::Db::tutorial(),
    };
    let named = file.as_ref().map(|(n, t)| (n.as_str(), t.as_str()));
    let model =
        match db.and_then(|db| db.read(std::time::Duration::from_secs(60), || db.model(named))?) {
            Ok(m) => m,
            Err(e) => return fail(options, e),
        };
    let source = app_source(options);
    match (options.command.as_str(), schema::build(model.clone())) {
        ("model", _) => print!("{}", relaylite::model::file::print(&model, &source)),
        (_, Ok(schema)) => println!("{}", schema::sdl::print_sdl(&schema)),
        (_, Err(e)) => return fail(options, e),
    }
    ExitCode::SUCCESS
}

fn serve(options: Options) -> ExitCode {
    if options.db_given && !options.db.exists() && options.postgres().is_none() {
        let path = options.db.display();
        eprintln!(
            "relaylite: database {path} does not exist (create it with `relaylite init --db {path}`)"
        );
        return ExitCode::FAILURE;
    }
    if options.postgres().is_none()
        && let Err(e) = db::prepare(&options.db)
    {
        return fail(&options, e);
    }
    let opened = options.db_config().and_then(|config| {
        let file = model_file(&options)?;
        App::open(config, options.limits.clone(), file)
    });
    let app = match opened {
        Ok(app) => Arc::new(app),
        Err(e) => return fail(&options, e),
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("relaylite: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(async move {
        let (listener, addr) = match http::bind(options.listen).await {
            Ok(x) => x,
            Err(e) => {
                eprintln!("relaylite: cannot listen on {}: {e}", options.listen);
                return ExitCode::FAILURE;
            }
        };
        println!("relaylite serving {} on http://{addr}/graphql", app_source(&options));
        match http::serve(app, listener, options.http, shutdown_signal()).await {
            Ok(()) => {
                eprintln!("relaylite: stopped");
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("relaylite: {e}");
                ExitCode::FAILURE
            }
        }
    })
}

/// SIGINT or SIGTERM: stop accepting and let in-flight requests finish.
async fn shutdown_signal() {
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        () = terminate => {}
    }
    eprintln!("relaylite: shutting down, finishing requests in flight");
}
