//! `pageInfo` without its rows: the checks both databases run (`tests/page_info.rs`,
//! `tests/postgres.rs`), each against a server that may read few rows and one that reads
//! the page whole.

use std::net::SocketAddr;

use serde_json::{Value, json};

pub const INFO: &str = "pageInfo { hasNextPage hasPreviousPage startCursor endCursor }";

/// The data of an answer that has no errors.
pub fn data(addr: SocketAddr, query: &str) -> Value {
    let body = super::post_json(addr, &json!({ "query": query })).json();
    assert_eq!(body.get("errors"), None, "{query}: {body}");
    body["data"].clone()
}

/// On Chinook (keyset cursors, `totalCount`): a root connection's `pageInfo` and
/// `totalCount` alone, from `counted` (which may read only a hundred rows), are what
/// `read` answers beside the page's rows, for every kind of page; and a relationship's.
pub fn chinook_pages_alone(counted: SocketAddr, read: SocketAddr) {
    let cursors = data(read, "{ allTracks(first: 11) { edges { cursor } } }");
    let cursor = |i: usize| cursors["allTracks"]["edges"][i]["cursor"].clone();
    let (after, before) = (cursor(4), cursor(10));
    // A nullable order: after a cursor, the rows past its value and the NULLs are two
    // ranges, read in parts.
    let sorted = data(read, "{ allTracks(first: 11, sort: [COMPOSER_DESC]) { edges { cursor } } }");
    let sorted_cursor = |i: usize| sorted["allTracks"]["edges"][i]["cursor"].clone();
    let (s_after, s_before) = (sorted_cursor(4), sorted_cursor(10));
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
        format!("(sort: [COMPOSER_DESC], after: {s_after}, first: 3)"),
        format!("(sort: [COMPOSER_DESC], after: {s_after})"),
        format!("(sort: [COMPOSER_DESC], before: {s_before}, last: 3)"),
        "(sort: [COMPOSER_DESC], last: 2)".into(),
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
        // A relationship's keyset pages with cursors are still read whole, within the
        // default limits.
        assert_eq!(strip(data(read, &nested(""))), expected, "{page}");
        // Their flags alone: of a page that would be read whole (no `first` or `last`),
        // from a count, no track read (`counted` may read a hundred rows; the forty albums'
        // tracks are several hundred); of one with either, from at most one row more.
        let flags = "pageInfo { hasNextPage hasPreviousPage }";
        let query = format!(
            "{{ allAlbums(first: 40) {{ nodes {{ tracks{page} {{ totalCount {flags} }} }} }} }}"
        );
        let server = if page.is_empty() { counted } else { read };
        let alone: Vec<Value> = strip(data(server, &query));
        let flags_of = |v: &Value| {
            let info = &v[1];
            json!([v[0], {"hasNextPage": info["hasNextPage"], "hasPreviousPage": info["hasPreviousPage"]}])
        };
        assert_eq!(alone, expected.iter().map(flags_of).collect::<Vec<_>>(), "{page}");
    }
}

/// The same for other kinds of key and order on Chinook: a compound key (`PlaylistTrack`),
/// a date-time order (compared as instants), a REAL order and a nullable TEXT one.
pub fn chinook_orders_alone(counted: SocketAddr, read: SocketAddr) {
    let orders = [
        ("allPlaylistTracks", ""),
        ("allPlaylistTracks", "sort: [TRACK_ID_DESC], "),
        ("allInvoices", "sort: [INVOICE_DATE_DESC], "),
        ("allInvoices", "sort: [TOTAL_ASC], "),
        ("allInvoices", "sort: [BILLING_STATE_DESC], "),
    ];
    for (connection, sort) in orders {
        let first =
            data(read, &format!("{{ {connection}({sort}first: 11) {{ edges {{ cursor }} }} }}"));
        let cursor = |i: usize| first[connection]["edges"][i]["cursor"].clone();
        let (after, before) = (cursor(4), cursor(10));
        let pages = [
            String::new(),
            "first: 3, ".into(),
            "first: 1, ".into(),
            "last: 2, ".into(),
            "first: 100000, ".into(),
            format!("after: {after}, first: 2, "),
            format!("after: {after}, "),
            format!("before: {before}, last: 3, "),
        ];
        for page in &pages {
            let args = format!("({sort}{page})").replace(", )", ")").replace("()", "");
            let query = |extra: &str| format!("{{ {connection}{args} {{ {INFO} {extra} }} }}");
            let expected = data(read, &query("edges { cursor }"))[connection]["pageInfo"].clone();
            assert!(expected.is_object(), "{connection}{args}");
            assert_eq!(
                data(counted, &query(""))[connection]["pageInfo"],
                expected,
                "{connection}{args}"
            );
        }
    }
}
