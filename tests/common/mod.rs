//! Test support: a fixture database on disk, a real server on 127.0.0.1, and a minimal
//! HTTP/1.1 client over a plain TCP socket.

#![allow(dead_code)]

pub mod access;
pub mod corpus;
pub mod page_info;
pub mod walk;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use relaylite::App;
use relaylite::db::DbConfig;
use relaylite::http::HttpOptions;
use relaylite::limits::Limits;

/// A fresh SQLite file loaded with the conformance fixture, in its own temp directory.
pub fn fixture_db(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("relaylite-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join("fixture.sqlite3");
    let sql = std::fs::read_to_string(conformance_dir().join("fixture.sql")).expect("fixture.sql");
    let conn = rusqlite::Connection::open(&path).expect("open fixture");
    conn.execute_batch(&sql).expect("load fixture");
    path
}

pub fn conformance_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/conformance")
}

/// Starts relaylite on an ephemeral port in a background thread; returns its address.
pub fn start_server(db: &Path) -> SocketAddr {
    start_server_with(db, Limits::default())
}

/// Same, with other limits.
pub fn start_server_with(db: &Path, limits: Limits) -> SocketAddr {
    serve(open(db, limits))
}

/// Limits with each `(flag, value)` set as on the command line, the defaults otherwise.
pub fn limits(flags: &[(&str, u64)]) -> Limits {
    let mut limits = Limits::default();
    for (flag, value) in flags {
        assert!(limits.set(flag, *value), "{flag}");
    }
    limits
}

/// Serves the SQLite file `db` with the limits `flags` set (`common::limits`): the app, to
/// watch its load, and its address.
pub fn serve_db(db: &Path, flags: &[(&str, u64)]) -> (Arc<App>, SocketAddr) {
    let app = open(db, limits(flags));
    (app.clone(), serve(app))
}

fn open(db: &Path, limits: Limits) -> Arc<App> {
    let config = DbConfig::sqlite(db.to_path_buf());
    Arc::new(App::open(config, limits, None).expect("app"))
}

/// Serves `app` on an ephemeral port; the caller keeps the app to watch its load.
pub fn serve(app: Arc<App>) -> SocketAddr {
    serve_with(app, HttpOptions::default())
}

/// Same, with other HTTP options (CORS, the access log).
pub fn serve_with(app: Arc<App>, options: HttpOptions) -> SocketAddr {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        runtime.block_on(async move {
            let (listener, addr) =
                relaylite::http::bind(SocketAddr::from(([127, 0, 0, 1], 0))).await.expect("bind");
            tx.send(addr).expect("send addr");
            let _ = relaylite::http::serve(app, listener, options, std::future::pending()).await;
        });
    });
    rx.recv_timeout(Duration::from_secs(10)).expect("server started")
}

/// The address a spawned relaylite prints in its start-up line (`relaylite serving … on
/// http://ADDR/graphql`), read from its stdout.
pub fn startup_address(child: &mut std::process::Child) -> SocketAddr {
    let mut line = String::new();
    let stdout = child.stdout.take().expect("stdout");
    std::io::BufRead::read_line(&mut std::io::BufReader::new(stdout), &mut line)
        .expect("start-up line");
    line.trim()
        .rsplit(' ')
        .next()
        .and_then(|url| url.trim_start_matches("http://").trim_end_matches("/graphql").parse().ok())
        .expect("address")
}

pub struct HttpResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl HttpResponse {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }
}

/// Sends one request (`Connection: close`) and reads the whole response.
pub fn request(
    addr: SocketAddr,
    method: &str,
    target: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> HttpResponse {
    let mut stream = TcpStream::connect(addr).expect("connect");
    stream.set_read_timeout(Some(Duration::from_secs(30))).expect("timeout");
    let mut head = format!("{method} {target} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
    stream.write_all(head.as_bytes()).expect("write head");
    stream.write_all(body).expect("write body");
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).expect("read response");
    parse_response(&raw)
}

fn parse_response(raw: &[u8]) -> HttpResponse {
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").expect("header end");
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut lines = head.split("\r\n");
    let status_line = lines.next().expect("status line");
    let status: u16 =
        status_line.split(' ').nth(1).and_then(|s| s.parse().ok()).expect("status code");
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| {
            l.split_once(':').map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        })
        .collect();
    let mut body = raw[split + 4..].to_vec();
    let chunked = headers
        .iter()
        .any(|(k, v)| k.eq_ignore_ascii_case("transfer-encoding") && v.contains("chunked"));
    if chunked {
        body = dechunk(&body);
    }
    HttpResponse { status, headers, body }
}

fn dechunk(mut data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(line_end) = data.windows(2).position(|w| w == b"\r\n") {
        let size = usize::from_str_radix(String::from_utf8_lossy(&data[..line_end]).trim(), 16)
            .unwrap_or(0);
        if size == 0 {
            break;
        }
        out.extend_from_slice(&data[line_end + 2..line_end + 2 + size]);
        data = &data[line_end + 2 + size + 2..];
    }
    out
}

pub fn post_json(addr: SocketAddr, body: &serde_json::Value) -> HttpResponse {
    let bytes = serde_json::to_vec(body).expect("encode");
    request(addr, "POST", "/graphql", &[("Content-Type", "application/json")], &bytes)
}

/// The message of a GraphQL answer's first error; empty when it has none.
pub fn message(body: &serde_json::Value) -> String {
    body["errors"][0]["message"].as_str().unwrap_or_default().to_string()
}

/// Order-sensitive JSON text: serde_json keeps insertion order with `preserve_order`.
pub fn ordered(v: &serde_json::Value) -> String {
    serde_json::to_string(v).expect("encode")
}

/// Waits until `ready` holds, polling: for tests that must know the server reached a state
/// before they go on. The 60 s bound only keeps a broken server from hanging the test; it
/// says nothing about speed.
pub fn wait_until(what: &str, mut ready: impl FnMut() -> bool) {
    let started = std::time::Instant::now();
    while !ready() {
        assert!(started.elapsed() < Duration::from_secs(60), "never reached: {what}");
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// A query no SQLite finishes: the count of a view whose rows never end (every role, for
/// each number of an endless recursive count). Only `--timeout-ms` stops it, so an answer
/// to it is the event that the timeout struck, whatever the machine's speed. Served from
/// `endless_db()`.
pub const ENDLESS: &str = "{ allEndlesses { totalCount } }";

/// The conformance fixture (4 roles) and the view `endless` that `ENDLESS` counts, built
/// once per test process. The view's first row comes at once, as serving it needs (each
/// served table is read from once at start-up), and its column keeps `roles.name`'s
/// declared type, so that nothing reads it to the end to type it.
pub fn endless_db() -> PathBuf {
    let view = "CREATE VIEW endless AS
        WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n)
        SELECT roles.name AS name FROM n, roles;";
    sqlite_once("endless", "tests/conformance/fixture.sql", view)
}

/// The benchmark database (20 departments, 50 roles, 20,000 employees), built once per
/// test process.
pub fn bench_db() -> PathBuf {
    sqlite_once("bench", "benches/bench.sql", "")
}

/// A SQLite file made once per test process from `sql_file` (relative to the crate; none
/// when empty) and then `extra`; `name` tells apart the files one process makes.
pub fn sqlite_once(name: &str, sql_file: &str, extra: &str) -> PathBuf {
    static BUILT: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());
    let dir = std::env::temp_dir().join(format!("relaylite-{name}-{}", std::process::id()));
    let path = dir.join(format!("{name}.sqlite3"));
    let mut built = BUILT.lock().unwrap_or_else(|e| e.into_inner());
    if !built.iter().any(|b| b == name) {
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temp dir");
        let sql = match sql_file {
            "" => String::new(),
            _ => std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(sql_file))
                .expect(sql_file),
        };
        let conn = rusqlite::Connection::open(&path).expect("open");
        conn.execute_batch(&sql).expect(sql_file);
        conn.execute_batch(extra).expect("extra SQL");
        built.push(name.to_string());
    }
    path
}
