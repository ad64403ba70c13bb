//! GraphQL over HTTP on a real socket: transports, GraphiQL and its assets, errors.

mod common;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::OnceLock;

use common::{post_json, request};
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
        let ty = a.header("content-type").unwrap_or_default();
        assert!(ty.starts_with("text/css") || ty.starts_with("text/javascript"), "{asset}: {ty}");
    }
    assert!(!page.contains("https://"), "the page loads nothing from the internet");
    let script = request(server(), "GET", "/static/graphiql.js", &[], b"").text();
    assert!(
        script.contains("allEmployees(sort: [NAME_ASC, ID_ASC])"),
        "opens with the example query"
    );
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
