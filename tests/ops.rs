//! What a load balancer and an operator see, over real sockets: `/health` follows the
//! database and answers while slow queries hold every worker, and probes stay out of the
//! access log.

mod common;

use std::io::Read;
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{post_json, request};
use relaylite::App;
use relaylite::db::DbConfig;
use relaylite::limits::Limits;
use serde_json::json;

fn server(db: &std::path::Path, limits: &[(&str, u64)]) -> (Arc<App>, std::net::SocketAddr) {
    let mut l = Limits::default();
    for (flag, value) in limits {
        assert!(l.set(flag, *value), "{flag}");
    }
    let config = DbConfig { path: db.to_path_buf(), log_sql: false };
    let app = Arc::new(App::open(config, l, None).expect("app"));
    (app.clone(), common::serve(app))
}

fn health(addr: std::net::SocketAddr) -> common::HttpResponse {
    request(addr, "GET", "/health", &[], b"")
}

#[test]
fn health_follows_the_database_file() {
    let db = common::fixture_db("health");
    let (_, addr) = server(&db, &[]);
    let r = health(addr);
    assert_eq!((r.status, r.header("Cache-Control")), (200, Some("no-store")));
    let body = r.json();
    assert_eq!(body["status"], "ok", "{body}");
    assert_eq!(body["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!((body["running"].as_u64(), body["waiting"].as_u64()), (Some(0), Some(0)));
    let head = request(addr, "HEAD", "/health", &[], b"");
    assert_eq!((head.status, head.body.len()), (200, 0));
    let post = request(addr, "POST", "/health", &[], b"");
    assert_eq!((post.status, post.header("Allow")), (405, Some("GET, HEAD")));

    // Overwritten with bytes that are no database: SQLite opens it, then refuses to read.
    std::fs::write(&db, vec![b'x'; 8192]).expect("overwrite");
    let r = health(addr);
    assert_eq!(r.status, 503, "{}", r.text());
    assert_eq!(r.json(), json!({"status": "unavailable", "error": "file is not a database"}));
    // Deleted: a read-only open fails (a cached connection would still read the old file).
    std::fs::remove_file(&db).expect("delete");
    let r = health(addr);
    assert_eq!(r.status, 503, "{}", r.text());
    let error = r.json()["error"].as_str().unwrap_or_default().to_string();
    assert!(error.starts_with("unable to open database file"), "{error}");
}

#[test]
fn health_answers_while_slow_queries_hold_every_worker() {
    let limits = [("--workers", 1), ("--max-queue", 1), ("--timeout-ms", 2000)];
    let (app, addr) = server(&common::bench_db(), &limits);
    // Each alias scans the employees six times over; together they take seconds.
    let aliases: Vec<String> = (0..60)
        .map(|i| {
            let filter = common::deep_filter(6 + i % 2);
            format!("a{i}: allEmployees(filter: {filter}) {{ edges {{ cursor }} }}")
        })
        .collect();
    let slow = json!({ "query": format!("{{ {} }}", aliases.join(" ")) });
    let clients: Vec<_> = (1..=2)
        .map(|i| {
            let slow = slow.clone();
            let client = std::thread::spawn(move || post_json(addr, &slow).status);
            common::wait_until("the server holds the slow requests", || {
                app.load.running() + app.load.waiting() == i
            });
            client
        })
        .collect();
    assert_eq!((app.load.running(), app.load.waiting()), (1, 1));
    assert_eq!(post_json(addr, &json!({"query": "{ __typename }"})).status, 503, "saturated");
    let started = Instant::now();
    let r = health(addr);
    assert!(started.elapsed() < Duration::from_millis(900), "{:?}", started.elapsed());
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!((r.json()["running"].as_u64(), r.json()["waiting"].as_u64()), (Some(1), Some(1)));
    assert!(clients.iter().all(|c| !c.is_finished()), "answered before the slow requests");
    for c in clients {
        assert_eq!(c.join().expect("slow client"), 200);
    }
}

#[test]
fn probes_stay_out_of_the_access_log() {
    let db = common::fixture_db("ops-log");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_relaylite"))
        .args(["--listen", "127.0.0.1:0", "--log-requests", "--db"])
        .arg(&db)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut line = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(child.stdout.take().expect("stdout")),
        &mut line,
    )
    .expect("start-up line");
    let addr: std::net::SocketAddr = line
        .trim()
        .rsplit(' ')
        .next()
        .and_then(|url| url.trim_start_matches("http://").trim_end_matches("/graphql").parse().ok())
        .expect("address");
    assert_eq!(health(addr).status, 200);
    assert_eq!(post_json(addr, &json!({"query": "{ __typename }"})).status, 200);
    let _ = child.kill();
    let _ = child.wait();
    let mut log = String::new();
    child.stderr.take().expect("stderr").read_to_string(&mut log).expect("log");
    let lines: Vec<&str> = log.lines().filter(|l| l.contains(" /")).collect();
    assert_eq!(lines.len(), 1, "{log}");
    assert!(lines[0].starts_with("POST /graphql 200 "), "{log}");
}
