//! An offset connection's `pageInfo` asked for without its rows reads no row: worked out
//! from the count (one `COUNT`, or one `COUNT … GROUP BY` for a relationship under many
//! parents), it is the `pageInfo` worked out from the rows, for every kind of page. So a
//! client can ask where a list of a million rows ends without `--max-nodes` refusing it.

mod common;

use serde_json::{Value, json};

const INFO: &str = "pageInfo { hasNextPage hasPreviousPage startCursor endCursor }";

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

fn data(addr: std::net::SocketAddr, query: &str) -> Value {
    let body = common::post_json(addr, &json!({ "query": query })).json();
    assert_eq!(body.get("errors"), None, "{query}: {body}");
    body["data"].clone()
}

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
/// `totalCount`: a root connection's page is read as its first and last rows and whether
/// one more follows, whatever its size.
#[test]
fn page_info_and_total_count_alone_on_chinook() {
    let db = common::sqlite_once("page-info-chinook", "tests/realdb/chinook.sql", "");
    let (_, counted) = common::serve_db(&db, &[("--max-nodes", 100)]);
    let (_, read) = common::serve_db(&db, &[]);
    let cursors = data(read, "{ allTracks(first: 11) { edges { cursor } } }");
    let cursor = |i: usize| cursors["allTracks"]["edges"][i]["cursor"].clone();
    let (after, before) = (cursor(4), cursor(10));
    let pages = [
        String::new(),
        "(first: 2)".into(),
        "(first: 1)".into(),
        "(first: 0)".into(),
        "(last: 1)".into(),
        "(last: 5000)".into(),
        "(first: 5000)".into(),
        "(first: 3, last: 2)".into(),
        format!("(after: {after}, first: 3)"),
        format!("(after: {after})"),
        format!("(before: {before}, last: 4)"),
        format!("(before: {before})"),
        format!("(after: {after}, before: {before}, first: 2)"),
    ];
    for page in &pages {
        let root = |extra: &str| format!("{{ allTracks{page} {{ totalCount {INFO} {extra} }} }}");
        let expected = data(read, &root("edges { cursor }"))["allTracks"].clone();
        let alone = data(counted, &root(""))["allTracks"].clone();
        assert_eq!(alone["pageInfo"], expected["pageInfo"], "{page}");
        assert_eq!(alone["totalCount"], expected["totalCount"], "{page}");

        // A cursor is its connection's: the relationship's pages are the ones without.
        if page.contains("after") || page.contains("before") {
            continue;
        }
        let nested = |extra: &str| {
            format!(
                "{{ allAlbums(first: 40) {{ nodes {{ tracks{page} {{ totalCount {INFO} {extra} }} }} }} }}"
            )
        };
        let strip = |d: Value| -> Vec<Value> {
            let nodes = d["allAlbums"]["nodes"].as_array().cloned().unwrap_or_default();
            let of = |n: &Value| json!([n["tracks"]["totalCount"], n["tracks"]["pageInfo"]]);
            nodes.iter().map(of).collect()
        };
        let expected = strip(data(read, &nested("nodes { trackId }")));
        assert_eq!(expected.len(), 40, "{page}");
        // A relationship's keyset pages are still read whole, within the default limits.
        assert_eq!(strip(data(read, &nested(""))), expected, "{page}");
    }
}
