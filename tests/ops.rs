//! What a load balancer and an operator see, over real sockets: `/health` follows the
//! database and answers while slow queries hold every worker, `/metrics` counts exactly
//! the requests sent, in Prometheus' text format, and probes stay out of the access log.

mod common;

use std::io::Read;

use common::{post_json, request};
use serde_json::json;

fn health(addr: std::net::SocketAddr) -> common::HttpResponse {
    request(addr, "GET", "/health", &[], b"")
}

#[test]
fn health_follows_the_database_file() {
    let db = common::fixture_db("health");
    let addr = common::start_server(&db);
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
fn health_gives_up_on_a_locked_database_within_a_second() {
    let db = common::fixture_db("health-locked");
    let (app, addr) = common::serve_db(&db, &[("--workers", 1)]);
    let writer = rusqlite::Connection::open(&db).expect("open");
    writer.execute_batch("BEGIN EXCLUSIVE").expect("lock");
    // The yardstick: two queries, one after the other on the only worker, each waiting on
    // the lock through SQLite's busy timeout (2 s); the second is answered twice that after
    // the first began.
    let roles = json!({ "query": "{ allRoles { edges { cursor } } }" });
    let queries: Vec<_> = (1..=2)
        .map(|i| {
            let roles = roles.clone();
            let query = std::thread::spawn(move || post_json(addr, &roles));
            common::wait_until("the server holds the queries", || {
                app.load.running() + app.load.waiting() == i
            });
            query
        })
        .collect();
    // Probes at once: each waits for the one check (or its own turn) at most a second, so
    // all give up before the second query has. Probes that queued for the check, each
    // waiting out the one before, would answer after it.
    let probes: Vec<_> = (0..4).map(|_| std::thread::spawn(move || health(addr))).collect();
    for probe in probes {
        let r = probe.join().expect("probe");
        assert_eq!(r.status, 503, "{}", r.text());
        assert!(
            r.json()["error"].as_str().is_some_and(|e| e.contains("no answer")),
            "{}",
            r.text()
        );
    }
    assert!(!queries[1].is_finished(), "the probes answered after a query gave up on the lock");
    writer.execute_batch("COMMIT").expect("unlock");
    // Each is answered: with the roles, or the lock's error had it waited out its busy
    // timeout before the commit; which one is not this test's business.
    for query in queries {
        assert_eq!(query.join().expect("query").status, 200);
    }
    common::wait_until("healthy once the writer commits", || health(addr).status == 200);
}

#[test]
fn health_answers_while_slow_queries_hold_every_worker() {
    let limits = [("--workers", 1), ("--max-queue", 1), ("--timeout-ms", 5000)];
    let (app, addr) = common::serve_db(&common::endless_db(), &limits);
    // A query that only --timeout-ms ends holds the only worker; a quick one waits in the
    // queue behind it.
    let queries = [common::ENDLESS, "{ allRoles { edges { cursor } } }"];
    let clients: Vec<_> = (1..=2)
        .map(|i| {
            let query = json!({ "query": queries[i - 1] });
            let client = std::thread::spawn(move || post_json(addr, &query));
            common::wait_until("the server holds the slow requests", || {
                app.load.running() + app.load.waiting() == i
            });
            client
        })
        .collect();
    assert_eq!((app.load.running(), app.load.waiting()), (1, 1));
    assert_eq!(post_json(addr, &json!({"query": "{ __typename }"})).status, 503, "saturated");
    // Answered, not refused as the query above was, and counting the requests it did not
    // wait for: neither queued behind them nor run after them.
    let r = health(addr);
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!((r.json()["running"].as_u64(), r.json()["waiting"].as_u64()), (Some(1), Some(1)));
    let m = scrape(addr);
    assert_eq!(value(&m, "relaylite_errors_total", &[("kind", "overloaded")]), Some(1.0));
    let load = ["relaylite_pool_threads", "relaylite_pool_running", "relaylite_pool_waiting"]
        .map(|name| value(&m, name, &[]));
    assert_eq!(load, [Some(1.0), Some(1.0), Some(1.0)]);
    assert!(clients.iter().all(|c| !c.is_finished()), "answered before the slow requests");
    let answers: Vec<_> = clients.into_iter().map(|c| c.join().expect("slow client")).collect();
    assert_eq!((answers[0].status, answers[1].status), (200, 200));
    let stopped = common::message(&answers[0].json());
    assert!(stopped.contains("--timeout-ms"), "{stopped}");
    let roles = answers[1].json()["data"]["allRoles"]["edges"].as_array().map(Vec::len);
    assert_eq!(roles, Some(4), "{}", answers[1].text());
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
    let addr = common::startup_address(&mut child);
    assert_eq!(health(addr).status, 200);
    assert_eq!(request(addr, "GET", "/metrics", &[], b"").status, 200);
    assert_eq!(post_json(addr, &json!({"query": "{ __typename }"})).status, 200);
    let _ = child.kill();
    let _ = child.wait();
    let mut log = String::new();
    child.stderr.take().expect("stderr").read_to_string(&mut log).expect("log");
    let lines: Vec<&str> = log.lines().filter(|l| l.contains(" /")).collect();
    assert_eq!(lines.len(), 1, "{log}");
    assert!(lines[0].starts_with("POST /graphql 200 "), "{log}");
}

/// One sample of the text exposition: name, labels, value.
type Sample = (String, Vec<(String, String)>, f64);

/// Parses Prometheus' text format (0.0.4) strictly: every line is `# HELP`, `# TYPE` or a
/// sample of a declared family, names and labels well formed, values numbers; histogram
/// buckets rise to `+Inf`, which equals `_count`.
fn parse_metrics(text: &str) -> Vec<Sample> {
    let name_ok = |n: &str| {
        n.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == ':')
            && n.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
    };
    let mut types: Vec<(String, String)> = Vec::new();
    let mut samples = Vec::new();
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("# HELP ") {
            let (name, _) = rest.split_once(' ').expect("HELP name text");
            assert!(name_ok(name), "{line}");
        } else if let Some(rest) = line.strip_prefix("# TYPE ") {
            let (name, ty) = rest.split_once(' ').expect("TYPE name type");
            assert!(name_ok(name) && ["counter", "gauge", "histogram"].contains(&ty), "{line}");
            types.push((name.into(), ty.into()));
        } else {
            let sample = parse_sample(line);
            assert!(name_ok(&sample.0), "{line}");
            let declared = types.iter().any(|(family, ty)| {
                sample.0 == *family
                    || ty == "histogram"
                        && ["_bucket", "_sum", "_count"]
                            .iter()
                            .any(|s| sample.0 == format!("{family}{s}"))
            });
            assert!(declared, "a sample of a declared family: {line}");
            samples.push(sample);
        }
    }
    for (family, _) in types.iter().filter(|(_, ty)| ty == "histogram") {
        let buckets: Vec<&Sample> =
            samples.iter().filter(|s| s.0 == format!("{family}_bucket")).collect();
        for pair in
            buckets.windows(2).filter(|w| w[0].1[..w[0].1.len() - 1] == w[1].1[..w[1].1.len() - 1])
        {
            assert!(pair[0].2 <= pair[1].2, "cumulative buckets: {pair:?}");
        }
        for inf in
            buckets.iter().filter(|b| b.1.last().is_some_and(|(k, v)| k == "le" && v == "+Inf"))
        {
            let labels = &inf.1[..inf.1.len() - 1];
            let count = samples.iter().find(|s| s.0 == format!("{family}_count") && s.1 == labels);
            assert_eq!(count.map(|c| c.2), Some(inf.2), "+Inf bucket equals the count");
        }
    }
    samples
}

fn parse_sample(line: &str) -> Sample {
    let (series, value) = line.rsplit_once(' ').unwrap_or_else(|| panic!("sample: {line}"));
    let value: f64 = match value {
        "+Inf" => f64::INFINITY,
        v => v.parse().unwrap_or_else(|_| panic!("value: {line}")),
    };
    let Some((name, labels)) = series.split_once('{') else {
        return (series.into(), Vec::new(), value);
    };
    let mut rest = labels.strip_suffix('}').unwrap_or_else(|| panic!("labels: {line}"));
    let mut pairs = Vec::new();
    while !rest.is_empty() {
        let (key, after) = rest.split_once("=\"").unwrap_or_else(|| panic!("label: {line}"));
        let mut value = String::new();
        let mut chars = after.char_indices();
        let end = loop {
            match chars.next() {
                Some((_, '\\')) => value.push(chars.next().map(|(_, c)| c).unwrap_or('\\')),
                Some((i, '"')) => break i,
                Some((_, c)) => value.push(c),
                None => panic!("unterminated label: {line}"),
            }
        };
        pairs.push((key.to_string(), value));
        rest = after[end + 1..].strip_prefix(',').unwrap_or(&after[end + 1..]);
    }
    (name.into(), pairs, value)
}

fn value(samples: &[Sample], name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    samples
        .iter()
        .find(|(n, l, _)| {
            n == name
                && l.len() == labels.len()
                && labels.iter().all(|(k, v)| l.iter().any(|(lk, lv)| lk == k && lv == v))
        })
        .map(|s| s.2)
}

fn scrape(addr: std::net::SocketAddr) -> Vec<Sample> {
    let r = request(addr, "GET", "/metrics", &[], b"");
    assert_eq!(r.status, 200);
    assert_eq!(r.header("Content-Type"), Some("text/plain; version=0.0.4; charset=utf-8"));
    parse_metrics(&r.text())
}

#[test]
fn metrics_count_exactly_the_requests_sent() {
    let db = common::fixture_db("metrics");
    let (app, addr) =
        common::serve_db(&db, &[("--workers", 3), ("--max-depth", 4), ("--max-body", 4096)]);
    let two = "{ allEmployees { edges { cursor } } allRoles { edges { cursor } } }";
    // The statements that query runs, counted in this process on this thread.
    let before = relaylite::db::statements_run();
    let req = relaylite::Request { query: Some(two.into()), ..Default::default() };
    assert!(matches!(relaylite::run(&app, &req), relaylite::Outcome::Executed { .. }));
    let statements = relaylite::db::statements_run() - before;
    assert_eq!(statements, 2);

    let empty = scrape(addr);
    assert_eq!(value(&empty, "relaylite_sql_statements_total", &[]), Some(0.0));
    assert_eq!(value(&empty, "relaylite_errors_total", &[("kind", "database")]), Some(0.0));
    let json = [("Content-Type", "application/json")];
    let post = |q: &str| post_json(addr, &json!({ "query": q })).status;
    assert_eq!(post(two), 200);
    assert_eq!(post(two), 200);
    assert_eq!(post("{ __schema { queryType { name } } }"), 200);
    assert_eq!(post("{ nope }"), 200);
    assert_eq!(post("{ allEmployees { edges { node { department { name } } } } }"), 200);
    assert_eq!(request(addr, "POST", "/graphql", &json, b"{not json").status, 400);
    assert_eq!(request(addr, "POST", "/graphql", &json, &[b' '; 5000]).status, 413);
    assert_eq!(request(addr, "GET", "/graphql", &[("Accept", "text/html")], b"").status, 200);
    assert_eq!(request(addr, "GET", "/nowhere", &[], b"").status, 404);
    assert_eq!(health(addr).status, 200);

    let m = scrape(addr);
    let requests = |code: &str, kind: &str| {
        value(&m, "relaylite_http_requests_total", &[("code", code), ("kind", kind)])
    };
    assert_eq!(requests("200", "query"), Some(4.0), "two runs, one invalid, one over a limit");
    assert_eq!(requests("200", "introspection"), Some(1.0));
    assert_eq!(requests("200", "graphiql"), Some(1.0));
    for code in ["400", "413", "404"] {
        assert_eq!(requests(code, "other"), Some(1.0), "{code}");
    }
    let total: f64 = m.iter().filter(|s| s.0 == "relaylite_http_requests_total").map(|s| s.2).sum();
    assert_eq!(total, 9.0, "neither /health nor /metrics is counted");
    let count =
        |kind| value(&m, "relaylite_http_request_duration_seconds_count", &[("kind", kind)]);
    assert_eq!(
        (count("query"), count("introspection"), count("other")),
        (Some(4.0), Some(1.0), Some(3.0))
    );
    let statements = statements as f64 * 2.0;
    assert_eq!(value(&m, "relaylite_sql_statements_total", &[]), Some(statements));
    let errors = |kind| value(&m, "relaylite_errors_total", &[("kind", kind)]);
    for (kind, n) in [
        ("validation", 1.0),
        ("limit", 1.0),
        ("request", 1.0),
        ("body_too_large", 1.0),
        ("field", 0.0),
        ("timeout", 0.0),
        ("database", 0.0),
        ("overloaded", 0.0),
        ("internal", 0.0),
    ] {
        assert_eq!(errors(kind), Some(n), "{kind}");
    }
    assert_eq!(value(&m, "relaylite_pool_threads", &[]), Some(3.0));
    assert_eq!(value(&m, "relaylite_pool_running", &[]), Some(0.0));
    let url = db.display().to_string();
    let up = [("role", "primary"), ("url", url.as_str())];
    assert_eq!(value(&m, "relaylite_database_up", &up), Some(1.0));
    std::fs::write(&db, vec![b'x'; 8192]).expect("overwrite");
    assert_eq!(value(&scrape(addr), "relaylite_database_up", &up), Some(0.0));
}
