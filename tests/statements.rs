//! SQL statements per query depend on the query's shape, never on page sizes or row counts
//! (the bench database: 20 departments, 50 roles, 20,000 employees).

mod common;

use relaylite::db::{DbConfig, statements_run};
use relaylite::{App, Outcome, Request};

/// Runs `query` and returns how many statements it took; fails on any error.
fn statements(app: &App, query: &str) -> u64 {
    let before = statements_run();
    match relaylite::run(app, &Request { query: Some(query.into()), ..Request::default() }) {
        Outcome::Executed { errors, .. } if errors.is_empty() => {}
        other => panic!("{query}: {other:?}"),
    }
    statements_run() - before
}

fn bench_query(name: &str) -> String {
    std::fs::read_to_string(format!(
        "{}/benches/queries/{name}.graphql",
        env!("CARGO_MANIFEST_DIR")
    ))
    .expect("query")
}

#[test]
fn statements_per_query_depend_on_its_shape_not_on_page_sizes() {
    let app = App::new(DbConfig::sqlite(common::bench_db())).expect("app");
    let q1 = bench_query("q1");
    let q3 = bench_query("q3");
    assert_eq!(statements(&app, &q1), 3, "Q1: page, departments, roles");
    assert_eq!(statements(&app, &bench_query("q2")), 2, "Q2: employee, department");
    assert_eq!(statements(&app, &q3), 3, "Q3: departments, employees, roles");
    for n in [1, 10, 1000] {
        assert_eq!(statements(&app, &q1.replace("first: 100", &format!("first: {n}"))), 3);
        assert_eq!(statements(&app, &q3.replace("first: 50", &format!("first: {n}"))), 3);
    }
    let paged = "{ allDepartments(last: 5) { edges { node { employees(last: 3, after: \"YXJyYXljb25uZWN0aW9uOjE=\") { edges { node { role { name } department { name } } } } } } } }";
    assert_eq!(statements(&app, paged), 5, "count and page, employees, roles, departments");
    let deep = "{ allEmployees(first: 200) { edges { node { department { employees(first: 5) { edges { node { role { roles(first: 2) { edges { node { name } } } } } } } } } } } }";
    assert_eq!(statements(&app, deep), 5, "one statement per level");
}

/// Runs `query` on `app`; its data, or its first error's message.
fn answer(app: &App, query: &str) -> Result<serde_json::Value, String> {
    match relaylite::run(app, &Request { query: Some(query.into()), ..Request::default() }) {
        Outcome::Executed { data, errors } if errors.is_empty() => {
            Ok(serde_json::from_str(&data.to_json_string()).expect("json"))
        }
        Outcome::Executed { errors, .. } => Err(errors[0].message.clone()),
        other => panic!("{query}: {other:?}"),
    }
}

#[test]
fn total_count_alone_reads_no_rows() {
    // The bench tables and one more: reflected, not the tutorial's, so with totalCount.
    let db = common::sqlite_once(
        "bench-reflected",
        "benches/bench.sql",
        "CREATE TABLE extra (id INTEGER PRIMARY KEY);",
    );
    let app = App::new(DbConfig::sqlite(db.clone())).expect("app");
    let count = "{ allEmployees { totalCount } }";
    assert_eq!(statements(&app, count), 1, "one COUNT");
    assert_eq!(statements(&app, "{ allEmployees { __typename } }"), 0, "nothing to read");
    let nested = "{ allDepartments { edges { node { employees { totalCount } } } } }";
    assert_eq!(statements(&app, nested), 2, "departments, then one COUNT … GROUP BY");
    // A count of more rows than --max-nodes lets a request read is no read of them.
    let mut limits = relaylite::limits::Limits::default();
    assert!(limits.set("--max-nodes", 100));
    let small = App::open(DbConfig::sqlite(db), limits, None).expect("app");
    let d = answer(&small, count).expect("answered");
    assert_eq!(d["allEmployees"]["totalCount"], 20000);
    let d = answer(
        &small,
        "{ allDepartments(first: 2) { edges { node { employees { totalCount } } } } }",
    );
    let totals = &d.expect("answered")["allDepartments"]["edges"];
    assert_eq!(totals[0]["node"]["employees"]["totalCount"], 1000);
    let rows = answer(&small, "{ allEmployees { totalCount edges { cursor } } }");
    assert!(rows.is_err_and(|m| m.contains("--max-nodes")), "rows still counted");
}

#[test]
fn introspection_is_written_once_per_schema_and_then_served_as_kept() {
    let case: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string("tests/conformance/cases/introspection_full.json").expect("case"),
    )
    .expect("json");
    let (query, name) = (case["query"].as_str().expect("query"), case["operationName"].as_str());
    let app = App::new(DbConfig::sqlite(common::fixture_db("introspection-kept"))).expect("app");
    let run = |name: Option<&str>| {
        let req = Request {
            query: Some(query.into()),
            operation_name: name.map(str::to_string),
            ..Request::default()
        };
        match relaylite::run(&app, &req) {
            Outcome::Executed { data, errors } if errors.is_empty() => data.to_json_string(),
            other => panic!("{other:?}"),
        }
    };
    assert!(app.schema().answers.get(query, name).is_none());
    let first = run(name);
    let kept = app.schema().answers.get(query, name).expect("kept after the first answer");
    assert_eq!(*kept, first);
    assert_eq!(run(name), first, "the same bytes again");
    let expected = serde_json::to_string(&case["response"]["data"]).expect("json");
    assert_eq!(first, expected, "the original's answer");
    // Kept by operation name too: another name is another answer (here none: an error).
    assert!(app.schema().answers.get(query, Some("Other")).is_none());
    // An operation with variables is not kept: they may change its answer.
    let typed = "query ($n: String!) { __type(name: $n) { name } }";
    let mut req = Request { query: Some(typed.into()), ..Request::default() };
    req.variables.insert("n".into(), serde_json::json!("Department"));
    assert!(
        matches!(relaylite::run(&app, &req), Outcome::Executed { ref errors, .. } if errors.is_empty())
    );
    assert!(app.schema().answers.get(typed, None).is_none());
}
