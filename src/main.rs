//! The `relaylite` command: serve, model, schema, init (options in `options.rs`). The only
//! place the process exits.

use std::process::ExitCode;
use std::sync::Arc;

use relaylite::db::{self, Prepared};
use relaylite::options::{self, Options};
use relaylite::{App, http, schema};

/// jemalloc, with a background thread that returns freed memory to the system after a
/// second: the allocator every pool thread shares, so one large request's memory does not
/// stay with whichever thread ran it (glibc kept ~330 MB after the memory battery of
/// BENCHMARKS.md; this keeps ~20 MB). `_RJEM_MALLOC_CONF` overrides it.
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

#[unsafe(export_name = "_rjem_malloc_conf")]
pub static MALLOC_CONF: &[u8] = b"background_thread:true,dirty_decay_ms:1000,muzzy_decay_ms:0\0";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let env = |name: &str| std::env::var_os(name).map(|v| v.to_string_lossy().into_owned());
    let options = match options::parse(&args, env) {
        Ok(o) => o,
        Err(msg) => {
            eprintln!("relaylite: {msg}");
            return ExitCode::from(2);
        }
    };
    match options.command.as_str() {
        "help" => {
            print!("{}", options::help());
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

fn fail(options: &Options, e: impl std::fmt::Display) -> ExitCode {
    eprintln!("relaylite: database {}: {e}", options.source());
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
    let source = options.source();
    match (options.command.as_str(), schema::build(model.clone())) {
        ("model", _) => print!("{}", relaylite::model::file::print(&model, &source)),
        (_, Ok(schema)) => match &options.role {
            None => println!("{}", schema::sdl::print_sdl(&schema)),
            Some(name) => match schema.roles.iter().find(|r| r.name == *name) {
                Some(role) => println!("{}", schema::sdl::print_sdl(&role.schema)),
                None => {
                    let known: Vec<&str> = schema.roles.iter().map(|r| r.name.as_str()).collect();
                    let e = format!(
                        "--role {name}: the model names no such role (roles: {})",
                        known.join(", ")
                    );
                    return fail(options, e);
                }
            },
        },
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
    // The app outlives the runtime's work: PostgreSQL connections close by running a runtime
    // of their own, which cannot start inside this one.
    let kept = app.clone();
    let code = runtime.block_on(async move {
        let (listener, addr) = match http::bind(options.listen).await {
            Ok(x) => x,
            Err(e) => {
                eprintln!("relaylite: cannot listen on {}: {e}", options.listen);
                return ExitCode::FAILURE;
            }
        };
        println!("relaylite serving {} on http://{addr}/graphql", options.source());
        if !addr.ip().to_canonical().is_loopback() && app.auth.is_none() {
            // Without a model file's `[access]` nothing checks who asks: every table served
            // is readable by anyone who reaches the port.
            eprintln!(
                "relaylite: warning: {addr} is not a loopback address, no model file's [access] section says who may read what, and every table {} serves is public to whoever reaches it",
                options.source()
            );
        }
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
    });
    drop(kept);
    code
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
