//! The `relaylite` command: serve, init, schema. The only place the process exits.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use relaylite::db::{self, DbConfig, Prepared};
use relaylite::http::HttpOptions;
use relaylite::limits::{FLAGS, Limits};
use relaylite::{App, http, schema};

const USAGE: &str = "\
relaylite — the graphene-sqlalchemy tutorial's relay GraphQL API over SQLite

Usage:
  relaylite [serve] [--db PATH] [--listen ADDR] [--cors ORIGIN]... [--log-requests]
                    [--log-sql] [LIMITS]
  relaylite init [--db PATH]
  relaylite schema
  relaylite --help

Commands:
  serve    Serve /graphql (and GraphiQL in a browser). The default command.
  init     Create the database with the tutorial's tables and rows if it does not exist.
  schema   Print the GraphQL schema (SDL) and exit.

Options:
  --db PATH        SQLite database file [default: database.sqlite3 in this directory].
                   The default file is created with the tutorial's tables and rows when
                   missing; a file named with --db must exist (create one with `init`).
                   An existing file is never changed, and must have the model's tables.
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
    listen: SocketAddr,
    log_sql: bool,
    http: HttpOptions,
    limits: Limits,
}

fn parse_args(args: &[String]) -> Result<Options, String> {
    let mut o = Options {
        command: "serve".into(),
        db: PathBuf::from("database.sqlite3"),
        db_given: false,
        listen: SocketAddr::from(([127, 0, 0, 1], 5000)),
        log_sql: false,
        http: HttpOptions::default(),
        limits: Limits::default(),
    };
    let mut it = args.iter();
    let mut first = true;
    while let Some(a) = it.next() {
        match a.as_str() {
            "serve" | "init" | "schema" if first => o.command = a.clone(),
            "-h" | "--help" => o.command = "help".into(),
            "--db" => {
                o.db = it.next().ok_or("--db needs a path")?.into();
                o.db_given = true;
            }
            "--listen" => {
                let v = it.next().ok_or("--listen needs an address like 127.0.0.1:5000")?;
                o.listen = v.parse().map_err(|_| {
                    format!("--listen: `{v}` is not an address like 127.0.0.1:5000")
                })?;
            }
            "--log-sql" => o.log_sql = true,
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
        "schema" => {
            println!("{}", schema::sdl::print_sdl(schema::get()));
            ExitCode::SUCCESS
        }
        "init" => match db::prepare(&options.db) {
            Ok(Prepared::Created) => {
                println!("created {} with the tutorial's rows", options.db.display());
                ExitCode::SUCCESS
            }
            Ok(Prepared::Existing) => {
                println!(
                    "{} already exists and matches the model; left unchanged",
                    options.db.display()
                );
                ExitCode::SUCCESS
            }
            Err(e) => fail(&options, e),
        },
        _ => serve(options),
    }
}

fn fail(options: &Options, e: db::DbError) -> ExitCode {
    eprintln!("relaylite: database {}: {e}", options.db.display());
    ExitCode::FAILURE
}

fn serve(options: Options) -> ExitCode {
    if options.db_given && !options.db.exists() {
        let path = options.db.display();
        eprintln!(
            "relaylite: database {path} does not exist (create it with `relaylite init --db {path}`)"
        );
        return ExitCode::FAILURE;
    }
    if let Err(e) = db::prepare(&options.db).and_then(|_| db::check_readable(&options.db)) {
        return fail(&options, e);
    }
    let config = DbConfig { path: options.db.clone(), log_sql: options.log_sql };
    let app = Arc::new(App::with_limits(config, options.limits.clone()));
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
        println!("relaylite serving {} on http://{addr}/graphql", options.db.display());
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
