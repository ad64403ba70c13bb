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
