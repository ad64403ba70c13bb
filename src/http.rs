//! The HTTP face: hyper 1 on tokio, `/graphql` with the original server's rules, GraphiQL
//! and its static files, all embedded in the binary.
//!
//! The only file that knows HTTP. It turns a request into a `crate::Request` exactly as
//! graphql-server 3 reads one (JSON body, GET parameters), runs it, and maps the `Outcome`
//! to a status and body. Where the original answers with a plain-text 400, relaylite sends
//! the same status with `{"errors": [{"message": …}]}`.
//!
//! Beyond those rules, all off or invisible by default: CORS for listed origins (`--cors`),
//! gzip for large answers, and an access log (`--log-requests`). For load balancers and
//! operators, `/health` answers whether the database does, beside the query pool, and
//! `/metrics` counts every other request (`metrics.rs`).

use std::convert::Infallible;
use std::io::Write;
use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use flate2::Compression;
use flate2::write::GzEncoder;
use http_body_util::{BodyExt, Full};
use hyper::body::{Body, Bytes, Incoming};
use hyper::header::{
    ACCEPT, ACCEPT_ENCODING, ACCESS_CONTROL_ALLOW_HEADERS, ACCESS_CONTROL_ALLOW_METHODS,
    ACCESS_CONTROL_ALLOW_ORIGIN, ACCESS_CONTROL_MAX_AGE, ACCESS_CONTROL_REQUEST_HEADERS,
    ACCESS_CONTROL_REQUEST_METHOD, ALLOW, CACHE_CONTROL, CONNECTION, CONTENT_ENCODING,
    CONTENT_TYPE, EXPECT, HeaderMap, HeaderValue, ORIGIN, RETRY_AFTER, VARY,
};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use hyper_util::rt::TokioTimer;
use serde_json::Value as Json;
use tokio::net::TcpListener;
use tokio::sync::{OwnedSemaphorePermit, Semaphore, watch};
use tokio::time::Instant;

mod body;

use body::{Chunks, RespBody};

use crate::graphql::error::GraphQLError;
use crate::json::{self, Value};
use crate::metrics::{Failure, Kind, Metrics, Observed};
use crate::pool::Pool;
use crate::{App, Outcome};

/// Embedded static files: path under `/static/`, content type, bytes.
static ASSETS: [(&str, &str, &[u8]); 6] = [
    ("graphiql.js", "text/javascript; charset=utf-8", include_bytes!("../static/graphiql.js")),
    (
        "vendor/graphiql.umd.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../static/vendor/graphiql.umd.js"),
    ),
    (
        "vendor/graphiql.css",
        "text/css; charset=utf-8",
        include_bytes!("../static/vendor/graphiql.css"),
    ),
    (
        "vendor/react.production.min.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../static/vendor/react.production.min.js"),
    ),
    (
        "vendor/react-dom.production.min.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../static/vendor/react-dom.production.min.js"),
    ),
    (
        "vendor/LICENSE.graphiql",
        "text/plain; charset=utf-8",
        include_bytes!("../static/vendor/LICENSE.graphiql"),
    ),
];
static GRAPHIQL_HTML: &str = include_str!("../static/graphiql.html");

/// GraphiQL's page, opening with the example query of the schema served now (JSON in a
/// script element, with `<` escaped so no text can end the element).
fn graphiql_page(app: &App) -> Vec<u8> {
    let query = crate::schema::example::example_query(&app.schema().model);
    let json = serde_json::to_string(&query).unwrap_or_default().replace('<', "\\u003c");
    let placeholder = r#">"{ __typename }"</script>"#;
    GRAPHIQL_HTML.replacen(placeholder, &format!(">{json}</script>"), 1).into_bytes()
}
/// Each asset of `ASSETS` gzipped, made on first request: GraphiQL's script is 1 MB, too
/// much to compress per request and too much to send uncompressed over a slow link.
static GZIPPED_ASSETS: [OnceLock<Option<Bytes>>; 6] = [const { OnceLock::new() }; 6];

/// Past `--max-body`, how many more bytes of a body the server reads and throws away before
/// it answers 413 (nginx's "lingering close"). Clients that write the whole body before they
/// read (Python's http.client and requests, among others) are reset if the server closes
/// while they write, and report a broken pipe instead of the 413. The bound keeps a client
/// from making the server read for ever: 64 MiB is well past any body sent by mistake, and
/// the read timeout bounds the time as well.
const DRAIN_MAX: u64 = 64 << 20;

/// Bodies past this size are large: at most `LARGE_BODIES` of them are read and held at a
/// time (the others wait, within `--read-timeout-ms`). `--max-body` is high so that any
/// request the original answers is answered; this keeps 1,024 clients from each making
/// the server hold hundreds of megabytes.
const LARGE_BODY: u64 = 1 << 20;
const LARGE_BODIES: usize = 4;

/// Bodies up to this size are never gzipped: the saving on a few hundred bytes does not
/// pay for the compressor's set-up, and gzip's framing alone is 18 bytes.
const GZIP_MIN: usize = 1024;

/// The compression level for GraphQL answers, which are compressed per request. Measured
/// on the benchmark's Q3 answer (61 kB, 0.58 ms to run): level 1 makes 4.2 kB in 0.08 ms,
/// the default level 6 makes 3.6 kB in 0.28 ms, level 9 the same in 0.45 ms. Level 1 keeps
/// almost all of the saving for a seventh of the run's time instead of half of it.
const GZIP_LEVEL: u32 = 1;

/// How long `/health` waits for the database's answer. A database that cannot answer a
/// trivial read within a second cannot serve queries either; and Kubernetes' probes give
/// up after one second unless told otherwise.
const CHECK_TIMEOUT: Duration = Duration::from_secs(1);

/// How long a browser may cache a preflight's answer: two hours, Chromium's ceiling.
const CORS_MAX_AGE: &str = "7200";

type Resp = Response<RespBody>;

/// What the server does beyond the GraphQL rules, from the command line; all off by default.
#[derive(Debug, Clone, Default)]
pub struct HttpOptions {
    /// Origins whose pages may call `/graphql` from a browser (`--cors`); `*` allows any.
    /// Empty: no CORS headers at all.
    pub cors: Vec<String>,
    /// Write one line per request to stderr (`--log-requests`).
    pub log_requests: bool,
}

/// Accepts connections until `shutdown` resolves, serving each on its own task; then stops
/// accepting, lets in-flight requests finish (up to 10 s) and returns. At most
/// `--max-connections` connections are open at once: past that, new ones wait in the
/// listen queue; idle or slow clients are dropped after `--read-timeout-ms`.
pub async fn serve(
    app: Arc<App>,
    listener: TcpListener,
    options: HttpOptions,
    shutdown: impl std::future::Future<Output = ()>,
) -> std::io::Result<()> {
    let max = app.limits.max_connections.clamp(1, u64::from(u32::MAX >> 3)) as u32;
    let threads = crate::pool::threads(app.limits.workers);
    let queue = usize::try_from(app.limits.max_queue).unwrap_or(usize::MAX).min(1 << 20);
    let pool = Pool::new(threads, queue, app.load.clone())?;
    let large_bodies = Arc::new(Semaphore::new(LARGE_BODIES));
    let (metrics, checking) = (Metrics::default(), Arc::new(Semaphore::new(1)));
    let server = Arc::new(Server { pool, threads, app, options, large_bodies, metrics, checking });
    let permits = Arc::new(Semaphore::new(max as usize));
    let (stop, _) = watch::channel(false);
    tokio::pin!(shutdown);
    loop {
        let permit = tokio::select! {
            p = permits.clone().acquire_owned() => p.map_err(std::io::Error::other)?,
            () = &mut shutdown => break,
        };
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(e) => {
                    // Out of file descriptors and the like: wait, don't die.
                    eprintln!("relaylite: accept failed: {e}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let server = server.clone();
        let mut stopping = stop.subscribe();
        tokio::spawn(async move {
            let _permit = permit;
            let read_timeout = Duration::from_millis(server.app.limits.read_timeout_ms);
            let service = service_fn(move |req| {
                let server = server.clone();
                async move { Ok::<_, Infallible>(handle(&server, req).await) }
            });
            let mut builder = http1::Builder::new();
            builder.timer(TokioTimer::new()).header_read_timeout(read_timeout);
            let conn = builder.serve_connection(TokioIo::new(stream), service);
            tokio::pin!(conn);
            tokio::select! {
                _ = conn.as_mut() => {}
                _ = stopping.changed() => {
                    conn.as_mut().graceful_shutdown();
                    let _ = conn.await;
                }
            }
        });
    }
    let _ = stop.send(true);
    let drained = permits.acquire_many(max);
    let _ = tokio::time::timeout(Duration::from_secs(10), drained).await;
    Ok(())
}

/// Binds `addr` (port 0 picks a free port) and returns the listener and its real address.
pub async fn bind(addr: SocketAddr) -> std::io::Result<(TcpListener, SocketAddr)> {
    let listener = TcpListener::bind(addr).await?;
    let local = listener.local_addr()?;
    Ok((listener, local))
}

/// What every connection shares: the app, the threads that run its queries, the options.
struct Server {
    app: Arc<App>,
    pool: Pool,
    /// The pool's threads.
    threads: usize,
    options: HttpOptions,
    /// Permits for holding a body larger than `LARGE_BODY`.
    large_bodies: Arc<Semaphore>,
    metrics: Metrics,
    /// The one permit for a database check (`check_database`).
    checking: Arc<Semaphore>,
}

/// Every request, counted in the metrics, with its access-log line when `--log-requests`
/// is on.
async fn handle(server: &Server, req: Request<Incoming>) -> Resp {
    // A load balancer's probes and a scraper's requests are not clients' requests: they are
    // neither logged, counted nor queued, so that they see the instance as it is and leave
    // the log and the numbers to clients.
    match req.uri().path() {
        "/health" => return health(server, req.method()).await,
        "/metrics" => return metrics(server, req.method()).await,
        _ => {}
    }
    let started = std::time::Instant::now();
    let logged =
        server.options.log_requests.then(|| (req.method().clone(), req.uri().path().to_string()));
    let resp = route(server, req).await;
    let status = resp.status().as_u16();
    let mut seen = resp.extensions().get::<Observed>().copied().unwrap_or_default();
    seen.failure = seen.failure.or_else(|| Failure::of_status(status));
    server.metrics.record(status, &seen, started.elapsed());
    if let Some((method, path)) = logged {
        log_request(&method, &path, &resp, started);
    }
    resp
}

async fn route(server: &Server, req: Request<Incoming>) -> Resp {
    let path = req.uri().path();
    if let Some(asset) = path.strip_prefix("/static/") {
        return match ASSETS.iter().position(|(p, _, _)| *p == asset) {
            Some(i) if req.method() == Method::GET => {
                let mut r = static_file(server, i, req.headers()).await;
                r.extensions_mut().insert(Observed { kind: Kind::Graphiql, ..Observed::default() });
                r
            }
            Some(_) => method_not_allowed("GET"),
            None => not_found(),
        };
    }
    if path != "/graphql" {
        return not_found();
    }
    let origin = allowed_origin(&server.options.cors, req.headers());
    let preflight = origin.is_some() && req.headers().contains_key(ACCESS_CONTROL_REQUEST_METHOD);
    let mut resp = match *req.method() {
        Method::GET | Method::POST => graphql(server, req).await,
        Method::OPTIONS if preflight => preflight_response(req.headers()),
        Method::OPTIONS => {
            let mut r = bytes_response(StatusCode::OK, "text/plain; charset=utf-8", b"");
            r.headers_mut().insert(ALLOW, HeaderValue::from_static("GET, POST, OPTIONS"));
            r
        }
        _ => method_not_allowed("GET, POST"),
    };
    add_cors(&server.options.cors, origin, resp.headers_mut());
    resp
}

/// `GET /health` (or `HEAD`): 200 with `{"status": "ok", …}` and the query pool's load when
/// the database answers a trivial read, 503 with the reason when it does not.
async fn health(server: &Server, method: &Method) -> Resp {
    if method != Method::GET && method != Method::HEAD {
        return get_or_head_only();
    }
    let load = &server.app.load;
    let answered = check_database(server).await.and_then(|checks| {
        match checks.iter().any(|c| c.error.is_none()) {
            true => Ok(()),
            false => Err(checks
                .iter()
                .filter_map(|c| c.error.as_ref())
                .cloned()
                .collect::<Vec<_>>()
                .join("; ")),
        }
    });
    let (status, body) = match answered {
        Ok(()) => (
            StatusCode::OK,
            serde_json::json!({
                "status": "ok",
                "version": env!("CARGO_PKG_VERSION"),
                "workers": server.threads,
                "running": load.running(),
                "waiting": load.waiting(),
            }),
        ),
        Err(e) => (
            StatusCode::SERVICE_UNAVAILABLE,
            serde_json::json!({"status": "unavailable", "error": e}),
        ),
    };
    let mut r = bytes_response(status, "application/json", body.to_string().as_bytes());
    r.headers_mut().insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

/// `GET /metrics` (or `HEAD`): the metrics in Prometheus' text format, with whether the
/// database answers now.
async fn metrics(server: &Server, method: &Method) -> Resp {
    if method != Method::GET && method != Method::HEAD {
        return get_or_head_only();
    }
    if let Ok(checks) = check_database(server).await {
        for c in checks {
            server.metrics.database_up(c.role, &c.url, c.error.is_none());
            if let Some(pool) = c.connections {
                server.metrics.database_connections(c.role, &c.url, pool);
            }
        }
    }
    let text = server.metrics.render(server.threads, &server.app.load);
    let mut r = bytes_response(StatusCode::OK, crate::metrics::CONTENT_TYPE, text.as_bytes());
    r.headers_mut().insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

fn get_or_head_only() -> Resp {
    let mut r = error_response(StatusCode::METHOD_NOT_ALLOWED, "Only GET and HEAD here.");
    r.headers_mut().insert(ALLOW, HeaderValue::from_static("GET, HEAD"));
    r
}

/// Whether the database answers, asked on one of tokio's blocking threads: not on the
/// query pool, whose threads and queue slow queries may all hold while the database is
/// fine, and not on an async worker, which never waits on SQLite. One check runs at a
/// time (its permit is released when it ends, not when its caller stops waiting), so
/// probes sent to a database that hangs hold one thread, not one each. Bounded by
/// `CHECK_TIMEOUT`; a check that overruns it still ends within SQLite's busy timeout.
async fn check_database(server: &Server) -> Result<Vec<crate::app::ServerCheck>, String> {
    let app = server.app.clone();
    let checking = server.checking.clone();
    let check = async move {
        let permit = checking.acquire_owned().await.map_err(|e| e.to_string())?;
        let blocking = tokio::task::spawn_blocking(move || {
            let _one = permit;
            app.check_database()
        });
        blocking.await.map_err(|_| "the database check failed".to_string())
    };
    tokio::time::timeout(CHECK_TIMEOUT, check)
        .await
        .unwrap_or_else(|_| Err(format!("no answer from the database within {CHECK_TIMEOUT:?}")))
}

/// An embedded file, gzipped when the client takes gzip. The first such request compresses
/// the file on a pool thread (a megabyte takes tens of milliseconds, too long for the async
/// side); when the pool is full it goes out uncompressed rather than waiting.
async fn static_file(server: &Server, i: usize, headers: &HeaderMap) -> Resp {
    let (_, ty, bytes) = ASSETS[i];
    let mut r = Response::new(RespBody::from(Full::new(Bytes::from_static(bytes))));
    r.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static(ty));
    if bytes.len() <= GZIP_MIN {
        return r;
    }
    add_vary(r.headers_mut(), "Accept-Encoding");
    if !accepts_gzip(headers) {
        return r;
    }
    let gzipped = match GZIPPED_ASSETS[i].get() {
        Some(done) => done.clone(),
        None => {
            let job =
                move || GZIPPED_ASSETS[i].get_or_init(|| gzip(bytes, 9).map(Bytes::from)).clone();
            match server.pool.submit(job) {
                Ok(answer) => answer.await.ok().flatten(),
                Err(_) => None,
            }
        }
    };
    if let Some(gz) = gzipped {
        *r.body_mut() = Full::new(gz).into();
        r.headers_mut().insert(CONTENT_ENCODING, HeaderValue::from_static("gzip"));
    }
    r
}

/// What the async side reads of a request before its body; the rest of graphql-server's
/// reading (JSON, parameters) happens with the GraphQL work, on a pool thread.
struct Head {
    content_type: String,
    query_string: String,
    /// The client takes `application/graphql-response+json`: errors are 400s.
    strict: bool,
    via_get: bool,
    gzip_ok: bool,
}

impl Head {
    fn of(req: &Request<Incoming>) -> Head {
        let header = |name| req.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or("");
        Head {
            content_type: header(CONTENT_TYPE).to_ascii_lowercase(),
            query_string: req.uri().query().unwrap_or("").to_string(),
            strict: header(ACCEPT).contains("application/graphql-response+json"),
            via_get: req.method() == Method::GET,
            gzip_ok: accepts_gzip(req.headers()),
        }
    }
}

/// The request's `operationName`, kept on its response for the access log.
#[derive(Clone)]
struct OperationName(String);

async fn graphql(server: &Server, req: Request<Incoming>) -> Resp {
    let head = Head::of(&req);
    let wants_html = req
        .headers()
        .get(ACCEPT)
        .is_some_and(|v| v.to_str().is_ok_and(|v| v.contains("text/html")));
    if head.via_get && wants_html {
        let page = graphiql_page(&server.app);
        let mut r = bytes_response(StatusCode::OK, "text/html; charset=utf-8", &page);
        r.extensions_mut().insert(Observed { kind: Kind::Graphiql, ..Observed::default() });
        return r;
    }
    let body = match head.via_get {
        true => ReadBody::default(),
        false => match read_body(req, &server.app.limits, &server.large_bodies).await {
            Ok(body) => body,
            Err(resp) => return resp,
        },
    };
    let app = server.app.clone();
    let (reply, answered) = tokio::sync::oneshot::channel();
    // The body's memory (and its permit, for a large one) lives until the job is done.
    let job = move || answer(&app, &head, &body.bytes, reply);
    let (mut resp, operation) = run_on_pool(server, job, answered).await;
    if let Some(name) = operation.filter(|_| server.options.log_requests) {
        resp.extensions_mut().insert(OperationName(name));
    }
    resp
}

/// Runs `job` on a pool thread, where the request is read, run, written and compressed:
/// SQL blocks, and so do parsing a large body and compressing a large answer. The job
/// sends its answer on `answered` (a large one while it still writes the body).
async fn run_on_pool(
    server: &Server,
    job: impl FnOnce() + Send + 'static,
    answered: tokio::sync::oneshot::Receiver<Answer>,
) -> (Resp, Option<String>) {
    match server.pool.submit(job) {
        Ok(_done) => match answered.await {
            Ok(answer) => {
                let operation = answer.operation.clone();
                (answer.into_response(), operation)
            }
            Err(_) => {
                (error_response(StatusCode::INTERNAL_SERVER_ERROR, "Internal server error"), None)
            }
        },
        Err(_) => {
            let limit = server.app.limits.max_queue;
            let e = crate::limits::exceeded("The requests waiting to run", "--max-queue", limit);
            let mut r = error_response(StatusCode::SERVICE_UNAVAILABLE, &e.message);
            r.headers_mut().insert(RETRY_AFTER, HeaderValue::from_static("1"));
            (r, None)
        }
    }
}

/// Reads the request as graphql-server does, runs it and writes the answer on `reply`, with
/// what the metrics count of it: the statements it ran are this thread's count, before and
/// after.
fn answer(app: &App, head: &Head, body: &[u8], reply: Reply) {
    let request = match request_data(head, body)
        .and_then(|mut data| to_graphql_request(&mut data, head.via_get))
    {
        Ok(r) => r,
        Err(msg) => return drop(reply.send(Answer::error(StatusCode::BAD_REQUEST, &msg))),
    };
    let before = crate::db::statements_run();
    let deadline = crate::deadline(&app.limits);
    let outcome = crate::run(app, &request);
    let statements = crate::db::statements_run().saturating_sub(before);
    let seen = Observed::of(&request, &outcome, app.limits.max_tokens, statements);
    let operation = request.operation_name;
    let finish = move |mut answer: Answer| {
        answer.operation = operation;
        answer.seen = seen;
        answer
    };
    match graphql_response(outcome, head.strict) {
        Err((status, message)) => drop(reply.send(finish(Answer::error(status, &message)))),
        Ok(parts) => write_answer(parts, head.gzip_ok, deadline, &app.limits, (reply, finish)),
    }
}

/// Where a pool thread sends its answer.
type Reply = tokio::sync::oneshot::Sender<Answer>;

/// Writes a GraphQL answer by `deadline`. A small one goes whole (gzipped when over
/// `GZIP_MIN` and the client takes gzip); one that grows past `json::CHUNK` is streamed: its
/// head leaves with the first chunk and the rest follows as it is written, so neither its
/// text nor its gzipped copy is ever held whole. The writer waits for a slow client until
/// the deadline, which the wait moves (the writing's own time is bounded, not the
/// reader's), and queues the rest past it. Past the (moved) deadline, an answer not yet
/// begun is the timeout error; one begun is cut short.
fn write_answer(
    parts: Parts,
    gzip_ok: bool,
    deadline: std::time::Instant,
    limits: &crate::limits::Limits,
    (reply, finish): (Reply, impl FnOnce(Answer) -> Answer),
) {
    let (status, content_type) = (parts.status, parts.content_type);
    let mut head = Some((reply, finish));
    let mut stream: Option<Chunks> = None;
    let mut out = String::with_capacity(4096);
    let written = {
        let mut flush = |text: &mut String| {
            let chunks = stream.get_or_insert_with(|| {
                let (chunks, body) = Chunks::new(gzip_ok, GZIP_LEVEL, deadline);
                if let Some((reply, finish)) = head.take() {
                    let mut answer = Answer::new(status, content_type, Vec::new());
                    (answer.stream, answer.negotiated, answer.gzipped) =
                        (Some(body), true, gzip_ok);
                    let _ = reply.send(finish(answer));
                }
                chunks
            });
            let sent = chunks.send(text.as_bytes());
            text.clear();
            sent.map_err(|_| json::TimedOut)
        };
        let mut clock = json::Clock::until(deadline).flushing(&mut flush);
        crate::write_response(parts.data.as_ref(), &parts.errors, &mut out, &mut clock)
    };
    match (written, stream, head) {
        // Dropped unfinished, a stream ends in an error: the connection is cut.
        (Ok(()), Some(chunks), _) => drop(chunks.finish(out.as_bytes())),
        (Err(json::TimedOut), Some(_), _) | (_, None, None) => {}
        (Ok(()), None, Some((reply, finish))) => {
            let answer = Answer::new(status, content_type, out.into_bytes()).encoded(gzip_ok);
            let _ = reply.send(finish(answer));
        }
        (Err(json::TimedOut), None, Some((reply, finish))) => {
            let body = crate::timed_out_json(parts.data.is_some(), limits);
            let _ = reply.send(finish(Answer::new(status, content_type, body.into_bytes())));
        }
    }
}

/// The request's fields: GET parameters, a JSON body, or an `application/graphql` body.
fn request_data(head: &Head, body: &[u8]) -> Result<serde_json::Map<String, Json>, String> {
    let data = if head.via_get {
        query_params(&head.query_string)?
    } else if head.content_type.contains("application/json") {
        match serde_json::from_slice::<Json>(body) {
            Ok(Json::Object(map)) => map,
            Ok(_) => return Err("The request body must be a JSON object".into()),
            Err(_) => return Err("Unable to parse request body as JSON".into()),
        }
    } else if head.content_type.split(';').next().unwrap_or("").trim() == "application/graphql" {
        let mut map = query_params(&head.query_string)?;
        let text = std::str::from_utf8(body).map_err(|_| "Request body is not valid UTF-8")?;
        map.insert("query".into(), Json::String(text.to_string()));
        map
    } else {
        return Err("Unsupported content type".into());
    };
    for (key, name) in [("variables", "Variables"), ("extensions", "Extensions")] {
        if data.get(key).is_some_and(|v| !v.is_null() && !v.is_object()) {
            return Err(format!("{name} must be a JSON object"));
        }
    }
    Ok(data)
}

/// A response built on a pool thread: plain data, so it can cross to the async side.
struct Answer {
    status: StatusCode,
    content_type: &'static str,
    body: Vec<u8>,
    /// The body, streamed instead: `body` is then empty.
    stream: Option<RespBody>,
    /// The body is gzipped.
    gzipped: bool,
    /// The body is large enough that its encoding depends on `Accept-Encoding`.
    negotiated: bool,
    /// The request's `operationName`, for the access log.
    operation: Option<String>,
    /// What the metrics count of the request.
    seen: Observed,
}

impl Answer {
    fn new(status: StatusCode, content_type: &'static str, body: Vec<u8>) -> Answer {
        Answer {
            status,
            content_type,
            body,
            stream: None,
            gzipped: false,
            negotiated: false,
            operation: None,
            seen: Observed::default(),
        }
    }

    /// `{"errors": [{"message": …}]}` with `status`.
    fn error(status: StatusCode, message: &str) -> Answer {
        let body = crate::response_json(None, &[GraphQLError::bare(message)]);
        Answer::new(status, "application/json", body.into_bytes())
    }

    /// Gzips a body over `GZIP_MIN` when the client takes gzip. Should compression fail,
    /// the body goes out as it is.
    fn encoded(mut self, gzip_ok: bool) -> Answer {
        if self.body.len() <= GZIP_MIN {
            return self;
        }
        self.negotiated = true;
        if let Some(gz) = gzip_ok.then(|| gzip(&self.body, GZIP_LEVEL)).flatten() {
            self.body = gz;
            self.gzipped = true;
        }
        self
    }

    fn into_response(self) -> Resp {
        let body = match self.stream {
            Some(stream) => stream,
            None => RespBody::from(Full::new(Bytes::from(self.body))),
        };
        let mut r = Response::new(body);
        *r.status_mut() = self.status;
        let headers = r.headers_mut();
        headers.insert(CONTENT_TYPE, HeaderValue::from_static(self.content_type));
        if self.negotiated {
            add_vary(headers, "Accept-Encoding");
        }
        if self.gzipped {
            headers.insert(CONTENT_ENCODING, HeaderValue::from_static("gzip"));
        }
        r.extensions_mut().insert(self.seen);
        r
    }
}

/// Why a body was not read.
enum BodyError {
    TooLarge,
    TimedOut,
    Broken,
}

/// A request body, and for a large one the permit under which it is held.
#[derive(Default)]
struct ReadBody {
    bytes: Bytes,
    _permit: Option<OwnedSemaphorePermit>,
}

/// The request body, or the 4xx that refuses it: 413 past `--max-body`, 408 past
/// `--read-timeout-ms`, 400 for a body hyper could not decode.
async fn read_body(
    req: Request<Incoming>,
    limits: &crate::limits::Limits,
    large: &Arc<Semaphore>,
) -> Result<ReadBody, Resp> {
    let deadline = Instant::now() + Duration::from_millis(limits.read_timeout_ms);
    let expects_continue = req
        .headers()
        .get(EXPECT)
        .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"100-continue"));
    // The Content-Length; zero for a chunked body, whose length shows only as it arrives.
    let announced = req.body().size_hint().lower();
    let body = req.into_body();
    let result = if announced > limits.max_body {
        // A client waiting for 100 Continue has sent no body yet and never will: answer now.
        if announced <= DRAIN_MAX && !expects_continue {
            drain(body, deadline).await;
        }
        Err(BodyError::TooLarge)
    } else {
        collect_body(body, limits.max_body, deadline, large).await
    };
    result.map_err(|e| match e {
        BodyError::TooLarge => {
            let e = crate::limits::exceeded("The request body", "--max-body", limits.max_body);
            let mut r = error_response(StatusCode::PAYLOAD_TOO_LARGE, &e.message);
            // The body may not have been read to its end: the connection cannot carry on.
            r.headers_mut().insert(CONNECTION, HeaderValue::from_static("close"));
            r
        }
        BodyError::TimedOut => {
            let e = crate::limits::exceeded(
                "The time to send the body",
                "--read-timeout-ms",
                limits.read_timeout_ms,
            );
            error_response(StatusCode::REQUEST_TIMEOUT, &e.message)
        }
        BodyError::Broken => {
            error_response(StatusCode::BAD_REQUEST, "The request body could not be read")
        }
    })
}

/// Reads the body whole, up to `limit` bytes; past it, drains the rest and refuses. Past
/// `LARGE_BODY` bytes it waits for one of the few permits that large bodies share, so the
/// memory all bodies hold stays bounded however many clients send large ones at once.
async fn collect_body(
    mut body: Incoming,
    limit: u64,
    deadline: Instant,
    large: &Arc<Semaphore>,
) -> Result<ReadBody, BodyError> {
    let mut buf = Vec::new();
    let mut permit = None;
    loop {
        let frame = match tokio::time::timeout_at(deadline, body.frame()).await {
            Err(_) => return Err(BodyError::TimedOut),
            Ok(None) => return Ok(ReadBody { bytes: Bytes::from(buf), _permit: permit }),
            Ok(Some(Err(_))) => return Err(BodyError::Broken),
            Ok(Some(Ok(frame))) => frame,
        };
        let Ok(data) = frame.into_data() else { continue };
        let seen = (buf.len() + data.len()) as u64;
        if seen > limit {
            drain(body, deadline).await;
            return Err(BodyError::TooLarge);
        }
        if seen > LARGE_BODY && permit.is_none() {
            let wait = tokio::time::timeout_at(deadline, large.clone().acquire_owned()).await;
            permit = Some(wait.map_err(|_| BodyError::TimedOut)?.map_err(|_| BodyError::Broken)?);
        }
        buf.extend_from_slice(&data);
    }
}

/// Reads and throws away the rest of a refused body, so that a client still writing it
/// reads the 413 instead of a reset: until the body ends, `DRAIN_MAX` bytes have been
/// thrown away, the deadline passes or the client goes.
async fn drain(mut body: Incoming, deadline: Instant) {
    let mut seen = 0;
    while seen <= DRAIN_MAX {
        match tokio::time::timeout_at(deadline, body.frame()).await {
            Ok(Some(Ok(frame))) => seen += frame.data_ref().map_or(0, |d| d.len() as u64),
            _ => return,
        }
    }
}

/// GET parameters as graphql-server reads them: `variables` and `extensions` are JSON.
fn query_params(qs: &str) -> Result<serde_json::Map<String, Json>, String> {
    let mut map = serde_json::Map::new();
    for pair in qs.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let (k, v) = (percent_decode(k), percent_decode(v));
        if map.contains_key(&k) {
            continue;
        }
        let value = if (k == "variables" || k == "extensions") && !v.is_empty() {
            serde_json::from_str(&v)
                .map_err(|_| "Unable to parse request body as JSON".to_string())?
        } else {
            Json::String(v)
        };
        map.insert(k, value);
    }
    Ok(map)
}

/// `application/x-www-form-urlencoded` decoding: `+` is a space, `%XX` a byte.
fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < b.len() => {
                let hex = std::str::from_utf8(&b[i + 1..i + 3])
                    .ok()
                    .and_then(|h| u8::from_str_radix(h, 16).ok());
                match hex {
                    Some(v) => {
                        out.push(v);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Checks the request's fields as graphql-server does and moves them into the GraphQL
/// request.
fn to_graphql_request(
    data: &mut serde_json::Map<String, Json>,
    via_get: bool,
) -> Result<crate::Request, String> {
    let query = match data.remove("query") {
        None | Some(Json::Null) => None,
        Some(Json::String(s)) => Some(s),
        Some(other) => {
            return Err(format!(
                "Provided GraphQL query must be a string or DocumentNode, got <class '{}'>",
                python_type(&other)
            ));
        }
    };
    let (operation_name, invalid_operation_name) = match data.remove("operationName") {
        None | Some(Json::Null) => (None, false),
        Some(Json::String(s)) => (Some(s), false),
        Some(_) => (None, true),
    };
    let variables = match data.remove("variables") {
        Some(Json::Object(m)) => m,
        _ => serde_json::Map::new(),
    };
    Ok(crate::Request { query, variables, operation_name, invalid_operation_name, via_get })
}

fn python_type(v: &Json) -> &'static str {
    match v {
        Json::Bool(_) => "bool",
        Json::Number(n) if n.is_f64() => "float",
        Json::Number(_) => "int",
        Json::Array(_) => "list",
        Json::Object(_) => "dict",
        Json::String(_) => "str",
        Json::Null => "NoneType",
    }
}

/// A GraphQL answer before it is written: its status, content type, `data` (left out for
/// strict clients when null or empty) and errors.
struct Parts {
    status: StatusCode,
    content_type: &'static str,
    data: Option<Value>,
    errors: Vec<GraphQLError>,
}

/// What `outcome` answers: the parts of a GraphQL answer, or a request-level error's
/// status and message.
fn graphql_response(outcome: Outcome, strict: bool) -> Result<Parts, (StatusCode, String)> {
    let (status, data, errors) = match outcome {
        Outcome::BadRequest(msg) => return Err((StatusCode::BAD_REQUEST, msg)),
        Outcome::Unavailable(msg) => return Err((StatusCode::SERVICE_UNAVAILABLE, msg)),
        Outcome::Invalid(errors) if strict => (StatusCode::BAD_REQUEST, None, errors),
        Outcome::Invalid(errors) => (StatusCode::OK, Some(Value::Null), errors),
        Outcome::Executed { data, errors } => {
            // The original leaves `data` out for strict clients when it is null or empty.
            let empty =
                matches!(&data, Value::Null) || matches!(&data, Value::Object(f) if f.is_empty());
            (StatusCode::OK, if strict && empty { None } else { Some(data) }, errors)
        }
    };
    let content_type =
        if strict { "application/graphql-response+json" } else { "application/json" };
    Ok(Parts { status, content_type, data, errors })
}

/// Whether `Accept-Encoding` takes gzip: listed (or `x-gzip`, or `*` when gzip is not
/// listed) with a non-zero q-value. A q-value that does not parse counts as a refusal.
fn accepts_gzip(headers: &HeaderMap) -> bool {
    let mut star = false;
    for value in headers.get_all(ACCEPT_ENCODING) {
        let Ok(value) = value.to_str() else { continue };
        for item in value.split(',') {
            let mut parts = item.split(';');
            let coding = parts.next().unwrap_or("").trim().to_ascii_lowercase();
            let q = parts
                .filter_map(|p| p.trim().split_once('='))
                .find(|(k, _)| k.trim().eq_ignore_ascii_case("q"))
                .map_or(Some(1.0), |(_, v)| v.trim().parse::<f32>().ok());
            let wanted = q.is_some_and(|q| q > 0.0);
            match coding.as_str() {
                "gzip" | "x-gzip" => return wanted,
                "*" => star = wanted,
                _ => {}
            }
        }
    }
    star
}

/// `bytes` gzipped at `level` (0-9), or `None` should the encoder fail.
fn gzip(bytes: &[u8], level: u32) -> Option<Vec<u8>> {
    let mut encoder = GzEncoder::new(Vec::with_capacity(bytes.len() / 4), Compression::new(level));
    encoder.write_all(bytes).ok()?;
    encoder.finish().ok()
}

/// Adds `name` to the response's `Vary` list.
fn add_vary(headers: &mut HeaderMap, name: &'static str) {
    let value = match headers.get(VARY).and_then(|v| v.to_str().ok()) {
        Some(old) => HeaderValue::from_str(&format!("{old}, {name}")),
        None => Ok(HeaderValue::from_static(name)),
    };
    if let Ok(v) = value {
        headers.insert(VARY, v);
    }
}

/// The `Access-Control-Allow-Origin` a `/graphql` response carries: `*` when `--cors *`,
/// the request's `Origin` when listed, else none.
fn allowed_origin(cors: &[String], headers: &HeaderMap) -> Option<HeaderValue> {
    if cors.iter().any(|o| o == "*") {
        return Some(HeaderValue::from_static("*"));
    }
    let origin = headers.get(ORIGIN)?;
    cors.iter().any(|o| o.as_bytes() == origin.as_bytes()).then(|| origin.clone())
}

/// Adds the allowed origin, if any. With a list of origins every answer varies by
/// `Origin`, even one without CORS headers, so that no cache hands it to a listed origin.
fn add_cors(cors: &[String], origin: Option<HeaderValue>, headers: &mut HeaderMap) {
    if cors.is_empty() {
        return;
    }
    if let Some(origin) = origin {
        headers.insert(ACCESS_CONTROL_ALLOW_ORIGIN, origin);
    }
    if !cors.iter().any(|o| o == "*") {
        add_vary(headers, "Origin");
    }
}

/// The answer to a CORS preflight from an allowed origin: the methods `/graphql` takes,
/// and the request headers the browser asked for (or the two a GraphQL client sends).
fn preflight_response(headers: &HeaderMap) -> Resp {
    let mut r = Response::new(RespBody::from(Full::new(Bytes::new())));
    *r.status_mut() = StatusCode::NO_CONTENT;
    let out = r.headers_mut();
    out.insert(ACCESS_CONTROL_ALLOW_METHODS, HeaderValue::from_static("GET, POST, OPTIONS"));
    match headers.get(ACCESS_CONTROL_REQUEST_HEADERS) {
        Some(asked) => {
            out.insert(ACCESS_CONTROL_ALLOW_HEADERS, asked.clone());
            add_vary(out, "Access-Control-Request-Headers");
        }
        None => {
            let usual = HeaderValue::from_static("content-type, accept");
            out.insert(ACCESS_CONTROL_ALLOW_HEADERS, usual);
        }
    }
    out.insert(ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static(CORS_MAX_AGE));
    r
}

/// One access-log line: method, path, status, body bytes, milliseconds to the response
/// (not to its last byte on the wire), operationName or `-`. Formatted first and written
/// with one call, so that lines from concurrent requests never interleave.
fn log_request(method: &Method, path: &str, resp: &Resp, started: std::time::Instant) {
    let ms = started.elapsed().as_secs_f64() * 1000.0;
    // A streamed answer's size is not known when its head is: `-`, as common log formats.
    let bytes = resp.body().size_hint().exact().map_or("-".into(), |n| n.to_string());
    let name = resp.extensions().get::<OperationName>().map(|n| loggable(&n.0));
    let line = format!(
        "{method} {path} {} {bytes} {ms:.2}ms {}\n",
        resp.status().as_u16(),
        name.as_deref().unwrap_or("-")
    );
    // A closed or full stderr must not fail the request it logs.
    let _ = std::io::stderr().lock().write_all(line.as_bytes());
}

/// An operationName as the log shows it: a GraphQL name as it is; anything else (which
/// names no operation) quoted with escapes and cut short, so that a client cannot write
/// lines of its own into the log.
fn loggable(name: &str) -> String {
    let mut chars = name.chars();
    let is_name = chars.next().is_some_and(|c| c == '_' || c.is_ascii_alphabetic())
        && chars.all(|c| c == '_' || c.is_ascii_alphanumeric());
    if is_name && name.len() <= 256 {
        return name.to_string();
    }
    format!("{:?}", name.chars().take(64).collect::<String>())
}

fn error_response(status: StatusCode, message: &str) -> Resp {
    let body = crate::response_json(None, &[GraphQLError::bare(message)]);
    bytes_response(status, "application/json", body.as_bytes())
}

fn not_found() -> Resp {
    error_response(StatusCode::NOT_FOUND, "Not Found")
}

fn method_not_allowed(allow: &'static str) -> Resp {
    let mut r = error_response(
        StatusCode::METHOD_NOT_ALLOWED,
        "GraphQL only supports GET and POST requests.",
    );
    r.headers_mut().insert(ALLOW, HeaderValue::from_static(allow));
    r
}

fn bytes_response(status: StatusCode, content_type: &str, body: &[u8]) -> Resp {
    let mut r = Response::new(RespBody::from(Full::new(Bytes::copy_from_slice(body))));
    *r.status_mut() = status;
    if let Ok(v) = HeaderValue::from_str(content_type) {
        r.headers_mut().insert(CONTENT_TYPE, v);
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_form_encoding() {
        assert_eq!(percent_decode("a+b%20c%7B%7D%zz%"), "a b c{}%zz%");
    }

    #[test]
    fn reads_get_parameters() {
        let m = query_params("query=%7B+a+%7D&variables=%7B%22x%22%3A1%7D&query=ignored")
            .expect("valid");
        assert_eq!(m["query"], Json::String("{ a }".into()));
        assert_eq!(m["variables"]["x"], Json::from(1));
        assert!(query_params("variables=%7Bbad").is_err());
    }
}
