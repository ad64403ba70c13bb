//! The HTTP face: hyper 1 on tokio, `/graphql` with the original server's rules, GraphiQL
//! and its static files, all embedded in the binary.
//!
//! The only module that knows HTTP. It turns a request into a `crate::Request` exactly as
//! graphql-server 3 reads one (JSON body, GET parameters), runs it, and maps the `Outcome`
//! to a status and body. Where the original answers with a plain-text 400, relaylite sends
//! the same status with `{"errors": [{"message": …}]}`. This file holds the listener, its
//! connections, shutdown and the routes; each concern behind them has a file of its own
//! (`graphql`, `read`, `respond`, `body`, `assets`, `ops`), which share these imports.
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
    ACCESS_CONTROL_REQUEST_METHOD, ALLOW, AUTHORIZATION, CACHE_CONTROL, CONNECTION,
    CONTENT_ENCODING, CONTENT_TYPE, EXPECT, HeaderMap, HeaderValue, ORIGIN, RETRY_AFTER, VARY,
    WWW_AUTHENTICATE,
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

mod assets;
mod body;
mod graphql;
mod ops;
mod read;
mod respond;

use assets::*;
use body::{Chunks, RespBody};
use graphql::*;
use ops::*;
use read::*;
use respond::*;

use crate::graphql::error::{GraphQLError, Limit};
use crate::json::{self, Value};
use crate::metrics::{Failure, Kind, Metrics, Observed};
use crate::pool::Pool;
use crate::{App, Outcome};

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
    if let Some(role) = resp.extensions().get::<RoleName>() {
        server.metrics.role(&role.0);
    }
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
