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
        if !page.contains("after") && !page.contains("before") {
            nested_alone(counted, read, page);
        }
    }
    // A relationship's cursors, from the tracks of the first album (ten of them), each
    // then sought under every album, in the key's order and in a nullable one.
    for sort in ["", "sort: [COMPOSER_DESC], "] {
        let query = format!(
            "{{ allAlbums(first: 1) {{ nodes {{ tracks({sort}first: 10) {{ edges {{ cursor }} }} }} }} }}"
        );
        let first = data(read, &query);
        let cursor =
            |i: usize| first["allAlbums"]["nodes"][0]["tracks"]["edges"][i]["cursor"].clone();
        let (after, before) = (cursor(3), cursor(8));
        let pages = [
            format!("({sort}after: {after}, first: 3)"),
            format!("({sort}after: {after})"),
            format!("({sort}after: {after}, first: 0)"),
            format!("({sort}before: {before}, last: 4)"),
            format!("({sort}before: {before})"),
            format!("({sort}after: {after}, before: {before}, first: 2)"),
            format!("({sort}after: {after}, first: 3, last: 2)"),
        ];
        for page in &pages {
            nested_alone(counted, read, page);
        }
    }
}

/// Under thirty albums (about 300 tracks, past the hundred rows `counted` may read), each
/// album's `tracks{page}` shows the `pageInfo` and `totalCount` that `read` works out from
/// its rows: its cursors from the page's bounds alone (two rows an album, unless sliced at
/// both ends), its flags from a count (no row).
fn nested_alone(counted: SocketAddr, read: SocketAddr, page: &str) {
    let nested = |extra: &str| {
        format!(
            "{{ allAlbums(first: 30) {{ nodes {{ tracks{page} {{ totalCount {extra} }} }} }} }}"
        )
    };
    let strip = |d: Value| -> Vec<Value> {
        let nodes = d["allAlbums"]["nodes"].as_array().cloned().unwrap_or_default();
        let of = |n: &Value| json!([n["tracks"]["totalCount"], n["tracks"]["pageInfo"]]);
        nodes.iter().map(of).collect()
    };
    let expected = strip(data(read, &nested(&format!("{INFO} nodes {{ trackId }}"))));
    assert_eq!(expected.len(), 30, "{page}");
    let shown = expected.iter().any(|e| e[1]["endCursor"].is_string());
    assert!(shown || page.contains("first: 0"), "{page}: {expected:?}");
    // Sliced at both ends (`first` with `last`), a page is read whole: `first` rows and one.
    let both = page.contains("first") && page.contains("last");
    let server = if both { read } else { counted };
    assert_eq!(strip(data(server, &nested(INFO))), expected, "{page}");
    let flags = "pageInfo { hasNextPage hasPreviousPage }";
    let flags_of = |v: &Value| {
        let info = &v[1];
        json!([v[0], {"hasNextPage": info["hasNextPage"], "hasPreviousPage": info["hasPreviousPage"]}])
    };
    let alone: Vec<Value> = strip(data(counted, &nested(flags)));
    assert_eq!(alone, expected.iter().map(flags_of).collect::<Vec<_>>(), "{page}");
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
