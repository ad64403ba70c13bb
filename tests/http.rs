//! GraphQL over HTTP on a real socket: transports, GraphiQL and its assets, errors.

mod common;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::{Arc, OnceLock};

use common::{HttpResponse, post_json, request};
use relaylite::App;
use relaylite::db::DbConfig;
use relaylite::http::HttpOptions;
use relaylite::limits::Limits;
use serde_json::json;

fn server() -> SocketAddr {
    static ADDR: OnceLock<SocketAddr> = OnceLock::new();
    *ADDR.get_or_init(|| common::start_server(&common::fixture_db("http")))
}

const FIRST_TWO: &str = "{ allEmployees(first: 2) { edges { node { name } } } }";
const FIRST_TWO_DATA: &str =
    r#"{"data":{"allEmployees":{"edges":[{"node":{"name":"Peter"}},{"node":{"name":"Roy"}}]}}}"#;

fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[test]
fn post_json_answers_with_data() {
    let r = post_json(server(), &json!({ "query": FIRST_TWO }));
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-type"), Some("application/json"));
    assert_eq!(r.text(), FIRST_TWO_DATA);
}

#[test]
fn post_application_graphql_takes_the_body_as_the_query() {
    let r = request(
        server(),
        "POST",
        "/graphql",
        &[("Content-Type", "application/graphql")],
        FIRST_TWO.as_bytes(),
    );
    assert_eq!((r.status, r.text().as_str()), (200, FIRST_TWO_DATA));
}

#[test]
fn get_with_query_variables_and_operation_name() {
    let q = "query A { allRoles(first: 1) { edges { node { name } } } } query B($id: ID!) { node(id: $id) { id } }";
    let target = format!(
        "/graphql?query={}&variables={}&operationName=B",
        encode(q),
        encode(r#"{"id": "Um9sZTox"}"#)
    );
    let r = request(server(), "GET", &target, &[("Accept", "application/json")], b"");
    assert_eq!((r.status, r.text().as_str()), (200, r#"{"data":{"node":{"id":"Um9sZTox"}}}"#));
}

#[test]
fn get_cannot_run_mutations() {
    let target = format!("/graphql?query={}", encode("mutation { x }"));
    let r = request(server(), "GET", &target, &[], b"");
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["errors"][0]["message"], "mutations are not allowed when using GET");
}

#[test]
fn browsers_get_graphiql_and_its_assets() {
    let r =
        request(server(), "GET", "/graphql", &[("Accept", "text/html,application/xhtml+xml")], b"");
    assert_eq!(r.status, 200);
    assert!(r.header("content-type").is_some_and(|t| t.starts_with("text/html")));
    let page = r.text();
    let assets = [
        "/static/vendor/graphiql.css",
        "/static/vendor/react.production.min.js",
        "/static/vendor/react-dom.production.min.js",
        "/static/vendor/graphiql.umd.js",
        "/static/graphiql.js",
    ];
    for asset in assets {
        assert!(page.contains(asset), "page links {asset}");
        let a = request(server(), "GET", asset, &[], b"");
        assert_eq!(a.status, 200, "{asset}");
        assert!(a.body.len() > 100, "{asset} has content");
        // Each with its own type: a browser takes a stylesheet only as text/css.
        let ty = if asset.ends_with(".css") { "text/css" } else { "text/javascript" };
        assert_eq!(a.header("content-type"), Some(&*format!("{ty}; charset=utf-8")), "{asset}");
    }
    assert!(!page.contains("https://"), "the page loads nothing from the internet");
    assert!(
        page.contains(r#"<script id="example-query" type="application/json">"{\n  allEmployees(sort: [NAME_ASC, ID_ASC]) {\n"#),
        "opens with the example app's query: {page}"
    );
    let script = request(server(), "GET", "/static/graphiql.js", &[], b"").text();
    assert!(!script.contains("allEmployees"), "nothing in static/ names a table");
}

#[test]
fn unknown_paths_are_404() {
    for path in ["/", "/graphql/", "/static/nope.js", "/static/../Cargo.toml", "/graphiql"] {
        let r = request(server(), "GET", path, &[], b"");
        assert_eq!(r.status, 404, "{path}");
        assert_eq!(r.json()["errors"][0]["message"], "Not Found");
    }
}

#[test]
fn other_methods_are_405_with_allow() {
    let r = request(server(), "PUT", "/graphql", &[], b"");
    assert_eq!(r.status, 405);
    assert_eq!(r.header("allow"), Some("GET, POST"));
    assert_eq!(r.json()["errors"][0]["message"], "GraphQL only supports GET and POST requests.");
}

/// Request headers, body, and the message the answer must carry.
type Case<'a> = (&'a [(&'a str, &'a str)], &'a [u8], &'a str);

#[test]
fn transport_errors_are_json_400s_with_the_original_messages() {
    let cases: [Case; 7] = [
        (
            &[("Content-Type", "application/json")],
            b"{not json",
            "Unable to parse request body as JSON",
        ),
        (&[("Content-Type", "text/plain")], b"{ a }", "Unsupported content type"),
        (&[("Content-Type", "application/json")], b"{}", "No GraphQL query found in the request"),
        (
            &[("Content-Type", "application/json")],
            br#"{"query": "{ a }", "variables": [1]}"#,
            "Variables must be a JSON object",
        ),
        (
            &[("Content-Type", "application/json")],
            br#"{"query": "{ __typename }", "operationName": "Nope"}"#,
            "Unknown operation named \"Nope\".",
        ),
        (
            &[("Content-Type", "application/json")],
            br#"{"query": 5}"#,
            "Provided GraphQL query must be a string or DocumentNode, got <class 'int'>",
        ),
        (
            &[("Content-Type", "application/json")],
            br#"{"query": "{ __typename }", "operationName": 5}"#,
            "Must provide a valid operation name.",
        ),
    ];
    for (headers, body, message) in cases {
        let r = request(server(), "POST", "/graphql", headers, body);
        assert_eq!(r.status, 400, "{message}");
        assert_eq!(r.header("content-type"), Some("application/json"));
        assert_eq!(r.json(), json!({"errors": [{"message": message}]}));
    }
}

#[test]
fn graphql_response_json_clients_get_400_without_data_for_invalid_documents() {
    let headers =
        [("Content-Type", "application/json"), ("Accept", "application/graphql-response+json")];
    let r = request(
        server(),
        "POST",
        "/graphql",
        &headers,
        br#"{"query": "{ allEmployees { nope } }"}"#,
    );
    assert_eq!(r.status, 400);
    assert_eq!(r.header("content-type"), Some("application/graphql-response+json"));
    assert!(r.json().get("data").is_none());
    let r = request(server(), "POST", "/graphql", &headers, br#"{"query": "{ __typename }"}"#);
    assert_eq!((r.status, r.text().as_str()), (200, r#"{"data":{"__typename":"Query"}}"#));
}

#[test]
fn concurrent_requests_all_succeed() {
    let addr = server();
    let threads: Vec<_> = (0..16)
        .map(|_| {
            std::thread::spawn(move || {
                (0..10).all(|_| {
                    post_json(addr, &json!({ "query": FIRST_TWO })).text() == FIRST_TWO_DATA
                })
            })
        })
        .collect();
    for t in threads {
        assert!(t.join().expect("thread"), "every response is the same data");
    }
}

/// Writes `head` and `body` completely before reading anything, as Python's http.client and
/// requests do, then reads the response to the end: (status, headers, body).
fn write_all_then_read(addr: SocketAddr, head: &str, body: &[u8]) -> (u16, String, Vec<u8>) {
    let mut s = TcpStream::connect(addr).expect("connect");
    s.write_all(head.as_bytes()).expect("write head");
    for chunk in body.chunks(64 * 1024) {
        s.write_all(chunk).expect("the server takes the whole body");
    }
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).expect("read the response");
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").expect("header end");
    let head = String::from_utf8_lossy(&raw[..split]).to_ascii_lowercase();
    let status = head.split(' ').nth(1).and_then(|s| s.parse().ok()).expect("status");
    (status, head, raw[split + 4..].to_vec())
}

fn post_head(length: usize, extra: &str) -> String {
    format!(
        "POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n{extra}\
         Content-Length: {length}\r\n\r\n"
    )
}

/// A server refusing bodies over 1 MiB, whatever the default.
fn small_body_server() -> SocketAddr {
    static ADDR: OnceLock<SocketAddr> = OnceLock::new();
    *ADDR.get_or_init(|| {
        let limits = Limits { max_body: 1 << 20, ..Limits::default() };
        common::start_server_with(&common::fixture_db("http-max-body"), limits)
    })
}

#[test]
fn a_body_over_max_body_written_whole_still_reads_its_413() {
    let body = vec![b' '; 20 << 20];
    // Chunked, the server learns the size only as the body comes.
    let mut chunked = format!("{:x}\r\n", body.len()).into_bytes();
    chunked.extend_from_slice(&body);
    chunked.extend_from_slice(b"\r\n0\r\n\r\n");
    let chunked_head = "POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\
                        Transfer-Encoding: chunked\r\n\r\n";
    for (head, body) in [(post_head(body.len(), ""), &body), (chunked_head.into(), &chunked)] {
        let (status, head, reply) = write_all_then_read(small_body_server(), &head, body);
        assert_eq!(status, 413, "{head}");
        assert!(head.contains("connection: close"), "{head}");
        let reply: serde_json::Value = serde_json::from_slice(&reply).expect("JSON");
        let message = reply["errors"][0]["message"].as_str().unwrap_or_default();
        assert!(message.contains("--max-body"), "{message}");
    }
}

#[test]
fn a_body_announced_too_large_gets_413_without_being_sent() {
    // Beyond what the server would drain, and a client waiting for 100 Continue: either way
    // the answer comes from the headers alone, so these clients never send a byte of body.
    for (length, extra) in [(100 << 20, ""), (2 << 20, "Expect: 100-continue\r\n")] {
        let head = post_head(length, extra);
        let (status, head, _) = write_all_then_read(small_body_server(), &head, b"");
        assert_eq!(status, 413, "{length} {extra}");
        assert!(head.contains("connection: close"), "{head}");
    }
}

/// A server of its own with `options`, on a fresh fixture named `name`.
fn server_with(name: &str, options: HttpOptions) -> SocketAddr {
    let app = App::new(DbConfig::sqlite(common::fixture_db(name))).expect("app");
    common::serve_with(Arc::new(app), options)
}

fn cors_headers(r: &HttpResponse) -> Vec<&str> {
    let cors =
        r.headers.iter().filter(|(k, _)| k.to_ascii_lowercase().starts_with("access-control-"));
    cors.map(|(k, _)| k.as_str()).collect()
}

const APP: &str = "https://app.example";

fn preflight(addr: SocketAddr, origin: &str) -> HttpResponse {
    let headers = [
        ("Origin", origin),
        ("Access-Control-Request-Method", "POST"),
        ("Access-Control-Request-Headers", "content-type, x-trace"),
    ];
    request(addr, "OPTIONS", "/graphql", &headers, b"")
}

fn post_from(addr: SocketAddr, origin: &str, body: &[u8]) -> HttpResponse {
    let headers = [("Origin", origin), ("Content-Type", "application/json")];
    request(addr, "POST", "/graphql", &headers, body)
}

#[test]
fn cors_answers_listed_origins_only() {
    let options = HttpOptions {
        cors: vec![APP.into(), "http://localhost:3000".into()],
        ..Default::default()
    };
    let addr = server_with("cors-list", options);
    let r = preflight(addr, APP);
    assert_eq!(r.status, 204);
    assert_eq!(r.header("access-control-allow-origin"), Some(APP));
    assert_eq!(r.header("access-control-allow-methods"), Some("GET, POST, OPTIONS"));
    assert_eq!(r.header("access-control-allow-headers"), Some("content-type, x-trace"));
    assert!(r.header("access-control-max-age").is_some_and(|a| a.parse::<u32>().is_ok()));
    assert!(r.header("vary").is_some_and(|v| v.contains("Origin")), "{:?}", r.headers);

    let r = post_from(addr, APP, br#"{"query": "{ __typename }"}"#);
    assert_eq!((r.status, r.text().as_str()), (200, r#"{"data":{"__typename":"Query"}}"#));
    assert_eq!(r.header("access-control-allow-origin"), Some(APP));
    assert_eq!(r.header("vary"), Some("Origin"));
    let r = post_from(addr, APP, b"{not json");
    assert_eq!((r.status, r.header("access-control-allow-origin")), (400, Some(APP)));

    for other in ["https://evil.example", "https://app.example.evil", "null"] {
        // Answered as a plain OPTIONS, as with CORS off: no preflight's 204, no grant.
        let r = preflight(addr, other);
        assert_eq!((r.status, r.header("allow")), (200, Some("GET, POST, OPTIONS")), "{other}");
        assert_eq!(cors_headers(&r), Vec::<&str>::new(), "{other}");
        let r = post_from(addr, other, br#"{"query": "{ __typename }"}"#);
        assert_eq!(r.status, 200, "{other}");
        assert_eq!(cors_headers(&r), Vec::<&str>::new(), "{other}");
    }
}

#[test]
fn cors_star_allows_any_origin() {
    let addr =
        server_with("cors-star", HttpOptions { cors: vec!["*".into()], ..Default::default() });
    let r = preflight(addr, "https://anyone.example");
    assert_eq!((r.status, r.header("access-control-allow-origin")), (204, Some("*")));
    let target = format!("/graphql?query={}", encode("{ __typename }"));
    let r = request(addr, "GET", &target, &[("Origin", "https://anyone.example")], b"");
    assert_eq!((r.status, r.header("access-control-allow-origin")), (200, Some("*")));
}

#[test]
fn cors_is_off_by_default() {
    let r = preflight(server(), APP);
    assert_eq!(r.status, 200);
    assert_eq!(r.header("allow"), Some("GET, POST, OPTIONS"));
    assert_eq!(cors_headers(&r), Vec::<&str>::new());
    let r = post_from(server(), APP, br#"{"query": "{ __typename }"}"#);
    assert_eq!(cors_headers(&r), Vec::<&str>::new());
    assert_eq!(r.header("vary"), None);
}

/// Every type's fields: an answer of some kilobytes, well over the gzip threshold.
const LARGE: &[u8] = br#"{"query": "{ __schema { types { name fields { name description } } } }"}"#;

fn post_accepting(encoding: Option<&str>, body: &[u8]) -> HttpResponse {
    let mut headers = vec![("Content-Type", "application/json")];
    headers.extend(encoding.map(|e| ("Accept-Encoding", e)));
    request(server(), "POST", "/graphql", &headers, body)
}

fn gunzip(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(bytes).read_to_end(&mut out).expect("valid gzip");
    out
}

#[test]
fn large_answers_are_gzipped_for_clients_that_take_gzip() {
    let plain = post_accepting(None, LARGE);
    assert_eq!(plain.status, 200);
    assert!(plain.body.len() > 4096, "{} bytes", plain.body.len());
    assert_eq!(plain.header("content-encoding"), None);
    assert_eq!(plain.header("vary"), Some("Accept-Encoding"));
    for accept in ["gzip", "deflate, gzip;q=0.5, br", "br;q=1.0, *"] {
        let r = post_accepting(Some(accept), LARGE);
        assert_eq!(r.header("content-encoding"), Some("gzip"), "{accept}");
        assert_eq!(r.header("vary"), Some("Accept-Encoding"), "{accept}");
        assert!(r.body.len() < plain.body.len() / 3, "{accept}: {} bytes", r.body.len());
        assert_eq!(gunzip(&r.body), plain.body, "{accept}");
    }
}

#[test]
fn refused_gzip_and_small_answers_go_out_as_they_are() {
    let plain = post_accepting(None, LARGE);
    for accept in ["gzip;q=0", "gzip; q=0.000, deflate", "identity", "*;q=0", "gzip;q=nonsense"] {
        let r = post_accepting(Some(accept), LARGE);
        assert_eq!(r.header("content-encoding"), None, "{accept}");
        assert_eq!(r.body, plain.body, "{accept}");
    }
    let r = post_accepting(Some("gzip"), br#"{"query": "{ __typename }"}"#);
    assert_eq!(r.text(), r#"{"data":{"__typename":"Query"}}"#);
    assert_eq!((r.header("content-encoding"), r.header("vary")), (None, None));
}

/// Every employee of the benchmark database with its department and role: 2.5 MB of JSON.
const EVERY_EMPLOYEE: &str = "{ allEmployees { edges { cursor node { id name hiredOn department { name } role { name } } } } }";

#[test]
fn answers_past_a_chunk_stream_in_pieces_and_read_whole() {
    let app = App::new(DbConfig::sqlite(common::bench_db())).expect("app");
    let expected = match relaylite::run(
        &app,
        &relaylite::Request { query: Some(EVERY_EMPLOYEE.into()), ..Default::default() },
    ) {
        relaylite::Outcome::Executed { data, errors } => {
            relaylite::response_json(Some(&data), &errors)
        }
        other => panic!("{other:?}"),
    };
    assert!(expected.len() > 2 * relaylite::json::CHUNK, "{} bytes", expected.len());
    let addr = common::serve(Arc::new(app));
    let body = serde_json::to_vec(&json!({ "query": EVERY_EMPLOYEE })).expect("json");
    for accept in [None, Some("gzip")] {
        let mut headers = vec![("Content-Type", "application/json")];
        headers.extend(accept.map(|a| ("Accept-Encoding", a)));
        let r = request(addr, "POST", "/graphql", &headers, &body);
        assert_eq!(r.status, 200);
        assert_eq!(r.header("transfer-encoding"), Some("chunked"), "{accept:?}");
        assert_eq!(r.header("content-length"), None, "{accept:?}");
        assert_eq!(r.header("vary"), Some("Accept-Encoding"), "{accept:?}");
        assert_eq!(r.header("content-encoding"), accept, "{accept:?}");
        let text = match accept {
            Some(_) => gunzip(&r.body),
            None => r.body,
        };
        assert!(text == expected.as_bytes(), "{accept:?}: {} bytes, not the answer", text.len());
    }
    // Under a chunk, an answer still goes whole, with its length.
    let r = post_json(
        addr,
        &json!({ "query": "{ allEmployees(first: 100) { edges { node { name } } } }" }),
    );
    assert!(r.header("content-length").is_some_and(|n| n == r.body.len().to_string()));
}

#[test]
fn graphiql_assets_are_gzipped_and_decode_to_the_files() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("static");
    let gzip = [("Accept-Encoding", "gzip")];
    for _ in 0..2 {
        let r = request(server(), "GET", "/static/vendor/graphiql.umd.js", &gzip, b"");
        assert_eq!((r.status, r.header("content-encoding")), (200, Some("gzip")));
        let file = std::fs::read(dir.join("vendor/graphiql.umd.js")).expect("asset");
        assert_eq!(gunzip(&r.body), file);
    }
    let small = request(server(), "GET", "/static/graphiql.js", &gzip, b"");
    assert_eq!(small.header("content-encoding"), None);
    assert_eq!(small.body, std::fs::read(dir.join("graphiql.js")).expect("asset"));
}

/// Starts the real binary with `args` on a free port; returns it and its address.
fn spawn_binary(args: &[&str]) -> (std::process::Child, SocketAddr) {
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_relaylite"))
        .args(args)
        .args(["--listen", "127.0.0.1:0"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    let addr = common::startup_address(&mut child);
    (child, addr)
}

#[test]
fn log_requests_writes_one_line_per_request() {
    let db = common::fixture_db("access-log");
    let db = db.to_str().expect("utf-8 path");
    let (child, addr) = spawn_binary(&["--log-requests", "--db", db]);
    let named = json!({
        "query": "query Two { allEmployees(first: 2) { edges { node { name } } } }",
        "operationName": "Two",
    });
    let answer = post_json(addr, &named);
    assert_eq!(answer.text(), FIRST_TWO_DATA);
    let missing = request(addr, "GET", "/nope?x=1", &[], b"");
    let pid = child.id().to_string();
    std::process::Command::new("kill").args(["-TERM", &pid]).status().expect("kill");
    let out = child.wait_with_output().expect("wait");
    let stderr = String::from_utf8_lossy(&out.stderr);
    let lines: Vec<Vec<&str>> = stderr
        .lines()
        .filter(|l| !l.starts_with("relaylite:"))
        .map(|l| l.split(' ').collect())
        .collect();
    assert_eq!(lines.len(), 2, "{stderr}");
    let posted = answer.body.len().to_string();
    assert_eq!(lines[0][..4], ["POST", "/graphql", "200", posted.as_str()], "{stderr}");
    assert_eq!(lines[0][5..], ["Two"], "{stderr}");
    let missing_len = missing.body.len().to_string();
    assert_eq!(lines[1][..4], ["GET", "/nope", "404", missing_len.as_str()], "{stderr}");
    assert_eq!(lines[1][5..], ["-"], "{stderr}");
    for line in &lines {
        let ms = line[4].strip_suffix("ms").expect("milliseconds");
        assert!(ms.parse::<f64>().is_ok_and(|ms| ms >= 0.0), "{ms}");
        assert_eq!(ms.split_once('.').map(|(_, d)| d.len()), Some(2), "{ms}");
    }
}

#[test]
fn cors_takes_origins_and_refuses_what_is_not_one() {
    let help = std::process::Command::new(env!("CARGO_BIN_EXE_relaylite"))
        .arg("--help")
        .output()
        .expect("run");
    let help = String::from_utf8_lossy(&help.stdout);
    assert!(help.contains("--cors ORIGIN") && help.contains("--log-requests"), "{help}");
    for bad in ["app.example", "https://app.example/", "https://app.example/graphql", ""] {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_relaylite"))
            .args(["--cors", bad])
            .output()
            .expect("run");
        assert_eq!(out.status.code(), Some(2), "{bad}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("--cors") && stderr.contains("not an origin"), "{bad}: {stderr}");
    }
}

#[test]
fn large_bodies_more_than_the_server_holds_at_once_are_all_answered() {
    // Each 3 MB body needs one of the few permits large bodies share; twelve at once wait
    // their turn rather than fail.
    let addr = server();
    let body = format!(r#"{{"query": "{{ __typename }}", "pad": "{}"}}"#, "x".repeat(3 << 20));
    let clients: Vec<_> = (0..12)
        .map(|_| {
            let body = body.clone();
            std::thread::spawn(move || {
                let headers = [("Content-Type", "application/json")];
                request(addr, "POST", "/graphql", &headers, body.as_bytes())
            })
        })
        .collect();
    for c in clients {
        let r = c.join().expect("client");
        assert_eq!((r.status, r.text()), (200, r#"{"data":{"__typename":"Query"}}"#.into()));
    }
}
