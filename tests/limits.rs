//! Every limit, exceeded over a real socket: a clear error naming the limit and its flag,
//! never a 500 or a hang; and the defaults leave ordinary queries alone.

mod common;

use common::{post_json, request};
use relaylite::limits::Limits;
use serde_json::{Value, json};

fn strict() -> Limits {
    let mut l = Limits::default();
    for (flag, value) in [
        ("--max-body", 4096),
        ("--max-query", 2048),
        ("--max-tokens", 200),
        ("--max-depth", 6),
        ("--max-aliases", 3),
        ("--max-root-fields", 3),
        ("--max-nodes", 10),
        ("--max-page", 5),
        ("--max-list", 4),
        ("--max-like", 8),
    ] {
        assert!(l.set(flag, value));
    }
    l
}

fn message(v: &Value) -> String {
    v["errors"][0]["message"].as_str().unwrap_or_default().to_string()
}

fn query(addr: std::net::SocketAddr, q: &str) -> (u16, Value) {
    let r = post_json(addr, &json!({ "query": q }));
    assert_ne!(r.status, 500, "{q}");
    (r.status, r.json())
}

#[test]
fn document_limits_refuse_before_execution() {
    let addr = common::start_server_with(&common::fixture_db("limits-doc"), strict());
    let big_body = format!(r#"{{"query": "{{ __typename }}", "pad": "{}"}}"#, "x".repeat(5000));
    let r = request(
        addr,
        "POST",
        "/graphql",
        &[("Content-Type", "application/json")],
        big_body.as_bytes(),
    );
    assert_eq!(r.status, 413);
    assert!(message(&r.json()).contains("--max-body"));

    let cases = [
        (format!("{{ __typename }} # {}", "x".repeat(3000)), "--max-query"),
        (format!("{{ {} }}", "a ".repeat(300)), "Document contains more than 200 tokens. Parsing aborted."),
        ("{ allEmployees { edges { node { department { employees { edges { node { name } } } } } } } }".into(), "--max-depth"),
        ("{ a: __typename b: __typename c: __typename d: __typename }".into(), "--max-aliases"),
        ("{ __typename ... on Query { __typename } allRoles(first: 1) { edges { cursor } } node(id: \"x\") { id } }".into(), "--max-root-fields"),
    ];
    for (q, expected) in cases {
        let (status, body) = query(addr, &q);
        assert_eq!(status, 200, "{expected}");
        assert_eq!(body["data"], Value::Null, "{expected}");
        assert!(message(&body).contains(expected), "{expected}: {}", message(&body));
    }
}

#[test]
fn execution_limits_name_their_flag() {
    let addr = common::start_server_with(&common::fixture_db("limits-exec"), strict());
    let (_, body) = query(addr, "{ allEmployees { edges { node { id } } } }");
    assert_eq!(body["data"], Value::Null);
    assert!(message(&body).contains("--max-nodes"), "{body}");
    let (_, body) = query(addr, "{ allEmployees(first: 6) { edges { node { id } } } }");
    assert_eq!(body["data"]["allEmployees"], Value::Null);
    assert!(message(&body).contains("--max-page"), "{body}");
    let (_, body) = query(
        addr,
        r#"{ allEmployees(first: 5, filter: {id: {in: [1, 2, 3, 4, 5]}}) { edges { cursor } } }"#,
    );
    assert!(message(&body).contains("--max-list"), "{body}");
    let (_, body) = query(
        addr,
        r#"{ allEmployees(first: 5, filter: {name: {like: "%123456789%"}}) { edges { cursor } } }"#,
    );
    assert!(message(&body).contains("--max-like"), "{body}");
    let (_, body) = query(addr, "{ allEmployees(first: 5) { edges { node { name } } } }");
    assert_eq!(body["data"]["allEmployees"]["edges"].as_array().map(Vec::len), Some(5), "{body}");
}

#[test]
fn a_hundred_thousand_item_in_list_is_a_clean_error_under_the_defaults() {
    let addr = common::start_server(&common::fixture_db("limits-list"));
    let items: Vec<String> = (0..100_000).map(|i| i.to_string()).collect();
    let q = format!(
        "{{ allEmployees(filter: {{id: {{in: [{}]}}}}) {{ edges {{ cursor }} }} }}",
        items.join(",")
    );
    let (status, body) = query(addr, &q);
    assert_eq!(status, 200);
    assert!(message(&body).contains("exceeds the limit"), "{}", message(&body));
}

#[test]
fn defaults_keep_ordinary_answers_including_introspection() {
    let addr = common::start_server(&common::fixture_db("limits-defaults"));
    let intro: Value = serde_json::from_str(
        &std::fs::read_to_string(common::conformance_dir().join("cases/introspection_full.json"))
            .expect("case"),
    )
    .expect("json");
    let r =
        post_json(addr, &json!({ "query": intro["query"], "operationName": "IntrospectionQuery" }));
    assert_eq!(r.json(), intro["response"]);
}

#[test]
fn a_slow_query_is_stopped_inside_sqlite() {
    let mut limits = Limits::default();
    limits.set("--timeout-ms", 50);
    let addr = common::start_server_with(&common::fixture_db("limits-time"), limits);
    let q = format!(
        "{{ allDepartments(filter: {}) {{ edges {{ node {{ name }} }} }} }}",
        common::slow_filter(9)
    );
    let started = std::time::Instant::now();
    let (status, body) = query(addr, &q);
    assert_eq!(status, 200);
    assert_eq!(body["data"], Value::Null, "{body}");
    assert!(message(&body).contains("--timeout-ms"), "{body}");
    assert!(started.elapsed() < std::time::Duration::from_secs(5), "stopped promptly");
    let (_, body) = query(addr, "{ allRoles { edges { node { name } } } }");
    assert_eq!(
        body["data"]["allRoles"]["edges"].as_array().map(Vec::len),
        Some(4),
        "the next request runs: {body}"
    );
}
