//! Hostile and broken input, faults and server robustness, over real sockets: nothing
//! crashes, hangs, leaks or changes the database.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use common::{message, post_json, request};
use relaylite::App;
use serde_json::{Value, json};

#[test]
fn no_request_changes_the_database() {
    let db = common::fixture_db("readonly");
    let before = std::fs::read(&db).expect("read");
    let addr = common::start_server(&db);
    // Each is answered as data (or the original's error), never run as SQL.
    let attempts = [
        (
            r#"{ allEmployees(filter: {name: {eq: "'; DROP TABLE employee; --"}}) { edges { cursor } } }"#,
            json!({"allEmployees": {"edges": []}}),
        ),
        (
            r#"{ allEmployees(filter: {name: {like: "%'); DELETE FROM employee; --"}}) { edges { cursor } } }"#,
            json!({"allEmployees": {"edges": []}}),
        ),
        (
            r#"{ node(id: "RW1wbG95ZWU6MTsgREVMRVRFIEZST00gZW1wbG95ZWU=") { id } }"#,
            json!({"node": null}),
        ),
        (r#"mutation { deleteEverything }"#, Value::Null),
        (
            r#"{ allEmployees(sort: [NAME_ASC], filter: {id: {in: ["1); DROP TABLE roles; --"]}}) { edges { cursor } } }"#,
            json!({"allEmployees": {"edges": []}}),
        ),
    ];
    for (q, data) in attempts {
        let r = post_json(addr, &json!({ "query": q }));
        assert_eq!(r.status, 200, "{q}");
        assert_eq!(r.json()["data"], data, "{q}");
    }
    let r = post_json(
        addr,
        &json!({ "query": "{ allEmployees { edges { cursor } } allRoles { edges { cursor } } }" }),
    );
    assert_eq!(r.json()["data"]["allEmployees"]["edges"].as_array().map(Vec::len), Some(13));
    assert_eq!(std::fs::read(&db).expect("read"), before, "the file is byte for byte the same");
}

#[test]
fn broken_http_and_bodies_get_4xx_with_json() {
    let addr = common::start_server(&common::fixture_db("broken"));
    let json_headers = [("Content-Type", "application/json")];
    let deep = format!(
        "{{\"query\": \"{{ __typename }}\", \"variables\": {{\"a\": {}1{}}}}}",
        "[".repeat(10_000),
        "]".repeat(10_000)
    );
    type Headers<'a> = &'a [(&'a str, &'a str)];
    let bodies: [(Headers, Vec<u8>); 6] = [
        (&json_headers, b"{\"query\": \"{ __typename }\xff\xfe\"}".to_vec()),
        (&json_headers, deep.into_bytes()),
        (&json_headers, b"[{\"query\": \"{ __typename }\"}]".to_vec()),
        (&json_headers, b"\"{ __typename }\"".to_vec()),
        (&[("Content-Type", "application/graphql")], b"{ __typename \xff }".to_vec()),
        (&[("Content-Type", "multipart/form-data; boundary=x")], b"--x--".to_vec()),
    ];
    for (headers, body) in bodies {
        let r = request(addr, "POST", "/graphql", headers, &body);
        assert_eq!(r.status, 400, "{}", r.text());
        assert!(!message(&r.json()).is_empty());
    }
    for path in [
        "/static/%2e%2e/Cargo.toml",
        "/static/..%2fCargo.toml",
        "/static//etc/passwd",
        "/static/vendor/../../src/main.rs",
    ] {
        assert_eq!(request(addr, "GET", path, &[], b"").status, 404, "{path}");
    }
    let mut s = TcpStream::connect(addr).expect("connect");
    s.write_all(b"GARBAGE / NOT-HTTP\r\n\r\n").expect("write");
    let mut reply = String::new();
    let _ = s.read_to_string(&mut reply);
    assert!(reply.starts_with("HTTP/1.1 400"), "{reply}");
}

#[test]
fn idle_and_slow_clients_starve_nobody() {
    let limits = common::limits(&[("--read-timeout-ms", 300), ("--max-connections", 64)]);
    let addr = common::start_server_with(&common::fixture_db("idle"), limits);
    // Hundreds of sockets that never send a byte, and one that stops mid-header: more than
    // the server holds at once, so this request waits in the listen queue until
    // --read-timeout-ms has dropped those ahead of it. Were they never dropped, it would
    // never be answered (`request` gives up after 30 s).
    let mut idle: Vec<TcpStream> = (0..200).filter_map(|_| TcpStream::connect(addr).ok()).collect();
    let mut slow = TcpStream::connect(addr).expect("connect");
    slow.write_all(b"POST /graphql HTTP/1.1\r\nHost: x\r\n").expect("write");
    let r = post_json(addr, &json!({ "query": "{ __typename }" }));
    assert_eq!(r.text(), r#"{"data":{"__typename":"Query"}}"#);
    // Every one of them was closed by the server (the read timeout is a hang guard).
    for (i, socket) in idle.iter_mut().chain([&mut slow]).enumerate() {
        socket.set_read_timeout(Some(Duration::from_secs(30))).expect("timeout");
        let mut reply = Vec::new();
        let closed = socket.read_to_end(&mut reply);
        assert!(closed.is_ok(), "socket {i} was not closed: {closed:?}");
        assert_eq!(String::from_utf8_lossy(&reply), "", "socket {i}");
    }
}

#[test]
fn a_locked_database_gives_an_error_not_a_hang() {
    let db = common::fixture_db("locked");
    let addr = common::start_server(&db);
    let writer = rusqlite::Connection::open(&db).expect("open");
    writer.execute_batch("BEGIN EXCLUSIVE").expect("lock");
    // Answered while the writer still holds the lock (it commits only below), with the
    // lock's error; a hang would end in `request`'s 30 s read timeout.
    let r = post_json(addr, &json!({ "query": "{ allRoles { edges { cursor } } }" }));
    assert_eq!(r.status, 200);
    assert!(message(&r.json()).contains("locked"), "{}", r.text());
    writer.execute_batch("COMMIT").expect("unlock");
    let r = post_json(addr, &json!({ "query": "{ allRoles { edges { cursor } } }" }));
    assert_eq!(r.json()["data"]["allRoles"]["edges"].as_array().map(Vec::len), Some(4));
}

#[test]
fn rows_written_by_another_process_show_in_the_next_request() {
    let db = common::fixture_db("fresh");
    let addr = common::start_server(&db);
    let count = || {
        post_json(addr, &json!({ "query": "{ allRoles { edges { cursor } } }" })).json()["data"]["allRoles"]["edges"].as_array().map(Vec::len)
    };
    assert_eq!(count(), Some(4));
    rusqlite::Connection::open(&db)
        .and_then(|c| c.execute("INSERT INTO roles VALUES (5, 'auditor')", []))
        .expect("insert");
    assert_eq!(count(), Some(5));
}

#[test]
fn sigterm_lets_the_request_in_flight_finish() {
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_relaylite"))
        .args(["serve", "--listen", "127.0.0.1:0", "--timeout-ms", "3000", "--db"])
        .arg(common::endless_db())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("spawn");
    let addr = common::startup_address(&mut child);
    // A query that runs until --timeout-ms stops it is in flight when the signal arrives.
    let client = std::thread::spawn(move || post_json(addr, &json!({ "query": common::ENDLESS })));
    common::wait_until("the query is running", || {
        let metrics = request(addr, "GET", "/metrics", &[], b"").text();
        metrics.lines().any(|l| l == "relaylite_pool_running 1")
    });
    let pid = child.id().to_string();
    std::process::Command::new("kill").args(["-TERM", &pid]).status().expect("kill");
    assert!(!client.is_finished(), "the signal was sent while the query ran");
    let r = client.join().expect("client");
    assert_eq!(r.status, 200, "the request in flight was answered");
    assert!(message(&r.json()).contains("--timeout-ms"), "{}", r.text());
    let status = child.wait().expect("wait");
    assert!(status.success(), "clean exit: {status:?}");
    assert!(TcpStream::connect(addr).is_err(), "no longer listening");
}

/// Requests that need the database, which wait on a writer's lock inside SQLite's busy
/// handler (up to two seconds) until the writer commits; returns once the server has them.
fn blocked_requests(
    app: &App,
    addr: std::net::SocketAddr,
    n: usize,
) -> Vec<std::thread::JoinHandle<Value>> {
    (1..=n)
        .map(|i| {
            let handle = std::thread::spawn(move || {
                post_json(addr, &json!({ "query": "{ allRoles { edges { cursor } } }" })).json()
            });
            // One at a time, so each finds the pool as the one before left it.
            common::wait_until("the server holds the slow requests", || {
                app.load.running() + app.load.waiting() == i
            });
            handle
        })
        .collect()
}

#[test]
fn a_cheap_query_is_answered_while_slow_ones_run() {
    let db = common::fixture_db("pool");
    let (app, addr) = common::serve_db(&db, &[("--workers", 4)]);
    let writer = rusqlite::Connection::open(&db).expect("open");
    writer.execute_batch("BEGIN EXCLUSIVE").expect("lock");
    // Two slow requests: as many as the test server has async workers.
    let slow = blocked_requests(&app, addr, 2);
    assert_eq!(app.load.running(), 2);
    let r = post_json(addr, &json!({ "query": "{ __typename }" }));
    assert_eq!(r.text(), r#"{"data":{"__typename":"Query"}}"#);
    let page = request(addr, "GET", "/graphql", &[("Accept", "text/html")], b"");
    assert_eq!(page.status, 200);
    assert!(slow.iter().all(|h| !h.is_finished()), "answered before the slow requests");
    writer.execute_batch("COMMIT").expect("unlock");
    for h in slow {
        let body = h.join().expect("slow request");
        assert_eq!(body["data"]["allRoles"]["edges"].as_array().map(Vec::len), Some(4), "{body}");
    }
}

#[test]
fn past_the_queue_requests_get_503_at_once() {
    let db = common::fixture_db("queue");
    let (app, addr) = common::serve_db(&db, &[("--workers", 1), ("--max-queue", 1)]);
    let writer = rusqlite::Connection::open(&db).expect("open");
    writer.execute_batch("BEGIN EXCLUSIVE").expect("lock");
    // One request holds the only worker, one waits in the queue.
    let waiting = blocked_requests(&app, addr, 2);
    assert_eq!((app.load.running(), app.load.waiting()), (1, 1));
    let r = post_json(addr, &json!({ "query": "{ __typename }" }));
    assert_eq!(r.status, 503);
    assert_eq!(r.header("Retry-After"), Some("1"));
    assert!(message(&r.json()).contains("--max-queue"), "{}", r.text());
    assert!(waiting.iter().all(|h| !h.is_finished()), "refused without waiting");
    writer.execute_batch("COMMIT").expect("unlock");
    for h in waiting {
        let body = h.join().expect("waiting request");
        assert_eq!(body["data"]["allRoles"]["edges"].as_array().map(Vec::len), Some(4), "{body}");
    }
}
