//! A connection's `pageInfo` asked for without its rows reads none, or almost none: an
//! offset connection's is worked out from the count (one `COUNT`, or one `COUNT … GROUP BY`
//! for a relationship under many parents), a root keyset connection's from its first and
//! last rows. Either is the `pageInfo` worked out from the rows, for every kind of page; so
//! a client can ask where a list of a million rows ends without `--max-nodes` refusing it.

mod common;

use common::page_info::{INFO, data};
use serde_json::Value;

/// `arrayconnection:4`, `:10` and `:19990` as cursors.
const PAGES: [&str; 9] = [
    "",
    "(first: 5)",
    "(first: 0)",
    "(last: 3)",
    "(first: 100000)",
    r#"(after: "YXJyYXljb25uZWN0aW9uOjQ=")"#,
    r#"(after: "YXJyYXljb25uZWN0aW9uOjEw", first: 3)"#,
    r#"(before: "YXJyYXljb25uZWN0aW9uOjEw", last: 2)"#,
    r#"(after: "YXJyYXljb25uZWN0aW9uOjE5OTkw", last: 4)"#,
];

#[test]
fn page_info_alone_is_counted_and_is_the_page_info_of_the_rows() {
    let db = common::bench_db();
    // 20,000 employees: reading them would be refused under 1,000 rows.
    let (_, counted) = common::serve_db(&db, &[("--max-nodes", 1000), ("--max-statements", 3)]);
    let (_, read) = common::serve_db(&db, &[]);
    for page in PAGES {
        let alone = format!("{{ allEmployees{page} {{ {INFO} }} }}");
        let rows = format!("{{ allEmployees{page} {{ {INFO} edges {{ cursor }} }} }}");
        let expected = data(read, &rows)["allEmployees"]["pageInfo"].clone();
        assert!(expected.is_object(), "{rows}");
        assert_eq!(data(counted, &alone)["allEmployees"]["pageInfo"], expected, "{alone}");

        // Under 20 departments of about 1,000 employees each.
        let nested = |extra: &str| {
            format!(
                "{{ allDepartments {{ edges {{ node {{ employees{page} {{ {INFO} {extra} }} }} }} }} }}"
            )
        };
        let infos = |d: &Value| -> Vec<Value> {
            let edges = d["allDepartments"]["edges"].as_array().cloned().unwrap_or_default();
            edges.iter().map(|e| e["node"]["employees"]["pageInfo"].clone()).collect()
        };
        let expected = infos(&data(read, &nested("edges { cursor }")));
        assert_eq!(expected.len(), 20, "{page}");
        assert_eq!(infos(&data(counted, &nested(""))), expected, "{page}");
    }
}

/// The same on a reflected database, whose connections have keyset cursors and
/// `totalCount` (`common::page_info`; `tests/postgres.rs` runs it on PostgreSQL).
#[test]
fn page_info_and_total_count_alone_on_chinook() {
    let db = common::sqlite_once("page-info-chinook", "tests/realdb/chinook.sql", "");
    let (_, counted) = common::serve_db(&db, &[("--max-nodes", 100)]);
    let (_, read) = common::serve_db(&db, &[]);
    common::page_info::chinook_pages_alone(counted, read);
    common::page_info::chinook_orders_alone(counted, read);
}

/// A page read as its bounds counts what it reads: the statements it runs (not the most it
/// might), each before it runs, and each row once.
#[test]
fn a_page_read_as_its_bounds_counts_what_it_reads() {
    let db = common::sqlite_once("page-info-bounds", "tests/realdb/chinook.sql", "");
    let (_, strict) = common::serve_db(&db, &[("--max-nodes", 1), ("--max-statements", 2)]);
    // The first row, then whether a second follows: two statements, one row.
    let d = data(strict, "{ allTracks(first: 1) { pageInfo { hasNextPage endCursor } } }");
    assert_eq!(d["allTracks"]["pageInfo"]["hasNextPage"], true, "{d}");
    // One row in all: the first, (past it, no `n`-th,) then the last, the same row again.
    let (_, three) = common::serve_db(&db, &[("--max-nodes", 1), ("--max-statements", 3)]);
    let one = |page: &str| {
        format!(
            "{{ allTracks({page}filter: {{trackId: {{eq: 7}}}}) {{ pageInfo {{ startCursor endCursor }} }} }}"
        )
    };
    for page in ["", "first: 5, "] {
        let info = data(three, &one(page))["allTracks"]["pageInfo"].clone();
        let (start, end) = (&info["startCursor"], &info["endCursor"]);
        assert!(start.is_string() && start == end, "{page}: {info}");
    }
    // A second statement is one too many, refused before it runs.
    let (_, one_statement) = common::serve_db(&db, &[("--max-statements", 1)]);
    let body = common::post_json(one_statement, &serde_json::json!({ "query": one("") })).json();
    assert!(common::message(&body).contains("--max-statements"), "{body}");
}
