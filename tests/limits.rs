//! Every limit, exceeded over a real socket: a clear error naming the limit and its flag,
//! never a 500 or a hang; and the defaults leave ordinary queries alone.

mod common;

use common::{message, post_json, request};
use relaylite::db::{DbConfig, statements_run};
use relaylite::limits::Limits;
use relaylite::{App, Outcome, Request};
use serde_json::{Value, json};

fn strict() -> Limits {
    common::limits(&[
        ("--max-body", 4096),
        ("--max-query", 2048),
        ("--max-tokens", 200),
        ("--max-depth", 6),
        ("--max-statements", 3),
        ("--max-nodes", 10),
        ("--max-values", 60),
        ("--max-list", 4),
        ("--max-like", 8),
    ])
}

fn query(addr: std::net::SocketAddr, q: &str) -> (u16, Value) {
    let r = post_json(addr, &json!({ "query": q }));
    assert_ne!(r.status, 500, "{q}");
    (r.status, r.json())
}

fn edges(body: &Value, field: &str) -> Option<usize> {
    body["data"][field]["edges"].as_array().map(Vec::len)
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
    let cases = [
        ("{ allEmployees { edges { node { id } } } }", "--max-nodes"),
        (
            "{ a: allRoles(first: 1) { edges { cursor } } b: allRoles(first: 1) { edges { cursor } } c: allRoles(first: 1) { edges { cursor } } d: allRoles(first: 1) { edges { cursor } } }",
            "--max-statements",
        ),
        (
            "{ allEmployees(first: 3) { edges { node { department { name } role { name } } } } allRoles(first: 1, last: 1) { edges { cursor } } }",
            "--max-statements",
        ),
        (
            "{ allRoles(first: 4) { edges { node { a: name b: name c: name d: name e: name f: name g: name h: name i: name j: name k: name l: name m: name n: name o: name } } } }",
            "--max-values",
        ),
        (
            r#"{ allEmployees(first: 5, filter: {id: {in: [1, 2, 3, 4, 5]}}) { edges { cursor } } }"#,
            "--max-list",
        ),
        (
            r#"{ allEmployees(first: 5, filter: {name: {like: "%123456789%"}}) { edges { cursor } } }"#,
            "--max-like",
        ),
    ];
    for (q, flag) in cases {
        let (status, body) = query(addr, q);
        assert_eq!(status, 200, "{flag}");
        assert!(message(&body).contains(flag), "{flag}: {body}");
    }
    let (_, body) = query(addr, "{ allEmployees(first: 5) { edges { node { name } } } }");
    assert_eq!(edges(&body, "allEmployees"), Some(5), "{body}");
}

#[test]
fn many_aliases_of_a_connection_are_refused_before_any_statement_runs() {
    let config = DbConfig::sqlite(common::bench_db());
    let aliases: Vec<String> = (0..10_000)
        .map(|i| {
            format!(
                "a{i}: allEmployees(filter: {{name: {{like: \"%zz%\"}}}}) {{ edges {{ cursor }} }}"
            )
        })
        .collect();
    let q = format!("{{ {} }}", aliases.join(" "));
    let limits = common::limits(&[("--max-tokens", 1_000_000)]);
    let app = App::open(config, limits, None).expect("app");
    let before = statements_run();
    let outcome = relaylite::run(&app, &Request { query: Some(q), ..Request::default() });
    let Outcome::Executed { data, errors } = outcome else {
        panic!("{outcome:?}");
    };
    assert!(matches!(data, relaylite::json::Value::Null));
    assert!(errors[0].message.contains("--max-statements"), "{errors:?}");
    assert_eq!(statements_run(), before, "refused before running any");
}

#[test]
fn a_huge_in_list_is_a_clean_error_under_the_defaults() {
    let addr = common::start_server(&common::fixture_db("limits-list"));
    let items: Vec<i64> = (0..100_001).collect();
    let r = post_json(
        addr,
        &json!({
            "query": "query ($ids: [ID]) { allEmployees(filter: {id: {in: $ids}}) { edges { cursor } } }",
            "variables": { "ids": items },
        }),
    );
    assert_eq!(r.status, 200);
    assert!(message(&r.json()).contains("--max-list"), "{}", message(&r.json()));
    // At the limit it is answered: past SQLite's default of 32,766 parameters a statement.
    let items: Vec<i64> = (1..=100_000).collect();
    let r = post_json(
        addr,
        &json!({
            "query": "query ($ids: [ID]) { allEmployees(filter: {id: {in: $ids}}) { edges { node { name } } } }",
            "variables": { "ids": items },
        }),
    );
    let body = r.json();
    assert_eq!(body["errors"], Value::Null, "{}", message(&body));
    let (_, all) = query(addr, "{ allEmployees { edges { cursor } } }");
    assert_eq!(edges(&body, "allEmployees"), edges(&all, "allEmployees"), "every employee");
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
    // The "everything" page relay clients send, forwards and backwards.
    for arg in ["first", "last"] {
        let q = format!("{{ allRoles({arg}: 2147483647) {{ edges {{ node {{ name }} }} }} }}");
        let (_, body) = query(addr, &q);
        assert_eq!(edges(&body, "allRoles"), Some(4), "{arg}: {body}");
        let q = format!(
            "{{ allDepartments {{ edges {{ node {{ employees({arg}: 2147483647) {{ edges {{ cursor }} }} }} }} }} }}"
        );
        let (_, body) = query(addr, &q);
        assert_eq!(body.get("errors"), None, "{arg}: {body}");
    }
    // A fragment reused under many aliases: 300 aliases, 2,400 fields once expanded.
    let aliases: Vec<String> = (0..300)
        .map(|i| format!("e{i}: allEmployees(first: 1) {{ edges {{ node {{ ...F }} }} }}"))
        .collect();
    let q = format!(
        "{{ {} }} fragment F on Employee {{ id name hiredOn departmentId roleId department {{ name }} role {{ name }} }}",
        aliases.join(" ")
    );
    let (_, body) = query(addr, &q);
    assert_eq!(body.get("errors"), None, "{}", message(&body));
    assert_eq!(body["data"]["e299"]["edges"][0]["node"]["role"]["name"], "engineer");
}

#[test]
fn a_slow_query_is_stopped_inside_sqlite() {
    let limits = common::limits(&[("--timeout-ms", 50)]);
    let addr = common::start_server_with(&common::endless_db(), limits);
    // One statement that never ends: only the timeout, striking inside SQLite, answers it
    // (were it missed, `request` would give up after 30 s).
    let (status, body) = query(addr, common::ENDLESS);
    assert_eq!(status, 200);
    assert_eq!(body["data"], Value::Null, "{body}");
    assert!(message(&body).contains("--timeout-ms"), "{body}");
    let (_, body) = query(addr, "{ allRoles { edges { node { name } } } }");
    assert_eq!(edges(&body, "allRoles"), Some(4), "the next request runs: {body}");
}
