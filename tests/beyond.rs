//! What graphene-sqlalchemy's users asked for and never got, on Chinook (where reflection
//! turns it all on): `totalCount`, sort and filter on relationship connections, keyset
//! cursors, `nodes` — alone and together, checked against SQL, statements counted.

mod common;

use std::path::PathBuf;

use common::walk::Walk;
use relaylite::db::{DbConfig, statements_run};
use relaylite::{App, Outcome, Request};
use rusqlite::types::Value as Sql;
use serde_json::{Value, json};

fn chinook() -> PathBuf {
    // Some NULLs to page across: three customers with no company would be too few.
    let nulls = "UPDATE Customer SET Company = NULL WHERE CustomerId % 3 = 0";
    common::sqlite_once("beyond", "tests/realdb/chinook.sql", nulls)
}

fn app() -> App {
    App::new(DbConfig::sqlite(chinook())).expect("app")
}

fn walk(app: &App) -> Walk<'_> {
    static PATH: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    Walk { app, oracle: common::walk::Oracle::Sqlite(PATH.get_or_init(chinook)) }
}

fn ints(rows: Vec<Vec<Sql>>) -> Vec<i64> {
    rows.iter()
        .map(|r| match r[0] {
            Sql::Integer(i) => i,
            ref other => panic!("{other:?}"),
        })
        .collect()
}

fn errors(app: &App, query: &str, variables: Value) -> Vec<String> {
    let Value::Object(variables) = variables else { panic!("variables") };
    let req = Request { query: Some(query.into()), variables, ..Request::default() };
    match relaylite::run(app, &req) {
        Outcome::Executed { errors, .. } => errors.into_iter().map(|e| e.message).collect(),
        other => panic!("{other:?}"),
    }
}

#[test]
fn total_count_counts_what_the_filter_matches_whatever_the_page() {
    let app = app();
    let w = walk(&app);
    let d = w.data(
        "{ allTracks(first: 2, filter: {unitPrice: {gt: 1}}) { totalCount edges { cursor } } allArtists(first: 30) { edges { node { artistId albums(first: 1, filter: {title: {like: \"%a%\"}}) { totalCount } } } } }",
        json!({}),
    );
    let tracks = ints(w.sql("SELECT count(*) FROM Track WHERE UnitPrice > 1", &[]));
    assert_eq!(d["allTracks"]["totalCount"], json!(tracks[0]));
    for edge in d["allArtists"]["edges"].as_array().expect("edges") {
        let id = edge["node"]["artistId"].as_str().expect("id").parse::<i64>().expect("int");
        let n = ints(w.sql(
            "SELECT count(*) FROM Album WHERE ArtistId = ? AND Title LIKE '%a%'",
            &[Sql::Integer(id)],
        ));
        assert_eq!(edge["node"]["albums"]["totalCount"], json!(n[0]), "artist {id}");
    }
}

#[test]
fn relationship_connections_sort_and_filter_like_the_root() {
    let app = app();
    let w = walk(&app);
    let d = w.data(
        "{ allArtists(first: 60) { edges { node { artistId albums(sort: [TITLE_DESC], filter: {title: {like: \"%Live%\"}}, first: 3) { edges { node { albumId } } } } } } }",
        json!({}),
    );
    let mut seen = 0;
    for edge in d["allArtists"]["edges"].as_array().expect("edges") {
        let id: i64 = edge["node"]["artistId"].as_str().expect("id").parse().expect("int");
        let want = ints(w.sql("SELECT AlbumId FROM Album WHERE ArtistId = ? AND Title LIKE '%Live%' ORDER BY Title DESC, AlbumId LIMIT 3", &[Sql::Integer(id)]));
        let got: Vec<i64> = edge["node"]["albums"]["edges"]
            .as_array()
            .expect("edges")
            .iter()
            .map(|e| e["node"]["albumId"].as_str().expect("id").parse().expect("int"))
            .collect();
        assert_eq!(got, want, "artist {id}");
        seen += got.len();
    }
    assert!(seen > 3, "some artists have live albums");
}

/// Pages through `allCustomers` with `sort` by keyset cursors, forwards with `first` and
/// backwards with `last`, and compares with SQL's order.
fn page_through(app: &App, sort: &str, sql_order: &str) {
    let customers = ("allCustomers", "customerId", "Customer", "CustomerId");
    let runs = [(7, false), (7, true), (59, false), (1, true)];
    page_through_in(app, customers, sort, sql_order, &runs);
}

/// The same through any connection (its name, its key's field, its table and key column),
/// in pages of each size, forwards or (`true`) backwards.
fn page_through_in(
    app: &App,
    (connection, field, table, key): (&str, &str, &str, &str),
    sort: &str,
    sql_order: &str,
    runs: &[(usize, bool)],
) {
    let w = walk(app);
    let want = ints(w.sql(&format!("SELECT {key} FROM {table} ORDER BY {sql_order}"), &[]));
    for &(size, backward) in runs {
        let (arg, cursor_arg, info) = match backward {
            false => ("first", "after", "hasNextPage endCursor"),
            true => ("last", "before", "hasPreviousPage startCursor"),
        };
        let query = format!(
            "query ($c: String) {{ {connection}(sort: [{sort}], {arg}: {size}, {cursor_arg}: $c) {{ nodes {{ {field} }} pageInfo {{ {info} }} }} }}"
        );
        let mut got: Vec<i64> = Vec::new();
        let mut cursor = Value::Null;
        loop {
            let d = w.data(&query, json!({ "c": cursor }));
            let c = &d[connection];
            let mut page: Vec<i64> = c["nodes"]
                .as_array()
                .expect("nodes")
                .iter()
                .map(|n| n[field].as_str().expect("id").parse().expect("int"))
                .collect();
            assert!(page.len() <= size, "{sort}: a page of {}", page.len());
            if backward {
                page.extend(got);
                got = page;
            } else {
                got.extend(page);
            }
            let (more, next) = match backward {
                false => (&c["pageInfo"]["hasNextPage"], &c["pageInfo"]["endCursor"]),
                true => (&c["pageInfo"]["hasPreviousPage"], &c["pageInfo"]["startCursor"]),
            };
            if *more != json!(true) {
                break;
            }
            cursor = next.clone();
        }
        assert_eq!(got, want, "{sort}, pages of {size}, backward: {backward}");
    }
}

#[test]
fn keyset_cursors_page_through_any_order_both_ways() {
    let app = app();
    page_through(&app, "CUSTOMER_ID_ASC", "CustomerId");
    page_through(&app, "COUNTRY_ASC, CITY_DESC", "Country, City DESC, CustomerId");
    // NULLs first ascending and last descending, as SQLite orders them.
    page_through(&app, "COMPANY_ASC", "Company, CustomerId");
    page_through(
        &app,
        "COMPANY_DESC, SUPPORT_REP_ID_ASC",
        "Company DESC, SupportRepId, CustomerId",
    );
    // Ascending on SQLite, NULLs come first: the range past a cursor is the row value of
    // every column, nullable or not (`(Country, Company, CustomerId) >= (?, ?, ?)`).
    page_through(&app, "COUNTRY_ASC, COMPANY_ASC", "Country, Company, CustomerId");
    page_through(&app, "COMPANY_ASC, STATE_ASC", "Company, State, CustomerId");
    page_through(&app, "STATE_DESC, COMPANY_DESC", "State DESC, Company DESC, CustomerId");
    // Descending, NULLs come last: past a composer, its media type's tracks of no composer
    // still follow, so the range stops at the (NOT NULL) media type.
    let tracks = ("allTracks", "trackId", "Track", "TrackId");
    let sql = "MediaTypeId DESC, Composer DESC, TrackId";
    let runs = [(400, false), (1000, true)];
    page_through_in(&app, tracks, "MEDIA_TYPE_ID_DESC, COMPOSER_DESC", sql, &runs);
    // An index of the column then the rowid, the order's directions mixed (the key always
    // ascends): read in parts, each a seek of that index.
    let sql = "MediaTypeId DESC, TrackId";
    page_through_in(&app, tracks, "MEDIA_TYPE_ID_DESC", sql, &runs);
    page_through_in(&app, tracks, "ALBUM_ID_DESC", "AlbumId DESC, TrackId", &runs);
}

#[test]
fn a_cursor_of_another_sort_connection_or_a_tampered_one_is_refused() {
    let app = app();
    let w = walk(&app);
    let d = w.data("{ allCustomers(first: 1, sort: [CITY_ASC]) { pageInfo { endCursor } } allArtists(first: 1) { pageInfo { endCursor } } }", json!({}));
    let city = d["allCustomers"]["pageInfo"]["endCursor"].clone();
    let artist = d["allArtists"]["pageInfo"]["endCursor"].clone();
    let query = "query ($c: String) { allCustomers(first: 1, after: $c) { edges { cursor } } }";
    for (cursor, why) in [
        (city, "belongs to another connection or another sort order"),
        (artist, "belongs to another connection or another sort order"),
        (json!("YXJyYXljb25uZWN0aW9uOjE="), "is not a cursor of this connection"),
        (json!("bm90IGpzb24="), "is not a cursor of this connection"),
    ] {
        let errs = errors(&app, query, json!({ "c": cursor }));
        assert_eq!(errs.len(), 1, "{cursor}: {errs:?}");
        assert!(errs[0].contains(why), "{cursor}: {errs:?}");
    }
}

#[test]
fn everything_together_under_two_hundred_parents_in_a_constant_number_of_statements() {
    let app = app();
    let w = walk(&app);
    let count = |first: usize| {
        let query = format!(
            "{{ allTracks(first: {first}, sort: [NAME_ASC]) {{ totalCount pageInfo {{ endCursor }} edges {{ node {{ trackId \
             playlists(sort: [NAME_DESC], filter: {{name: {{like: \"%s%\"}}}}, first: 2) {{ totalCount nodes {{ name }} pageInfo {{ hasNextPage endCursor }} }} \
             invoiceLines(first: 1, sort: [UNIT_PRICE_DESC]) {{ totalCount edges {{ node {{ invoice {{ total }} }} }} }} }} }} }} }}"
        );
        let before = statements_run();
        let d = w.data(&query, json!({}));
        (statements_run() - before, d)
    };
    // count and page; playlists with their counts; invoice lines with theirs; invoices.
    let (n, d) = count(200);
    assert_eq!(n, 7);
    assert_eq!(count(3).0, 7);
    let tracks = d["allTracks"]["edges"].as_array().expect("edges");
    assert_eq!(tracks.len(), 200);
    for edge in tracks.iter().take(40) {
        let id: i64 = edge["node"]["trackId"].as_str().expect("id").parse().expect("int");
        let names: Vec<Value> = w
            .sql("SELECT p.Name FROM PlaylistTrack j JOIN Playlist p ON p.PlaylistId = j.PlaylistId WHERE j.TrackId = ? AND p.Name LIKE '%s%' ORDER BY p.Name DESC, p.PlaylistId LIMIT 2", &[Sql::Integer(id)])
            .into_iter()
            .map(|r| match &r[0] {
                Sql::Text(s) => json!({ "name": s }),
                other => panic!("{other:?}"),
            })
            .collect();
        let playlists = &edge["node"]["playlists"];
        assert_eq!(playlists["nodes"], Value::Array(names), "track {id}");
        let total = ints(w.sql("SELECT count(*) FROM PlaylistTrack j JOIN Playlist p ON p.PlaylistId = j.PlaylistId WHERE j.TrackId = ? AND p.Name LIKE '%s%'", &[Sql::Integer(id)]));
        assert_eq!(playlists["totalCount"], json!(total[0]), "track {id}");
        assert_eq!(playlists["pageInfo"]["hasNextPage"], json!(total[0] > 2), "track {id}");
    }
    // The next page of one track's playlists, from its end cursor.
    let first = &tracks
        .iter()
        .find(|e| e["node"]["playlists"]["pageInfo"]["hasNextPage"] == json!(true))
        .expect("a track with more")["node"];
    let id = first["trackId"].as_str().expect("id");
    let next = w.data(
        "query ($id: ID!, $c: String) { node(id: $id) { ... on Track { playlists(sort: [NAME_DESC], filter: {name: {like: \"%s%\"}}, first: 2, after: $c) { nodes { name } } } } }",
        json!({ "id": common::walk::global_id_of("Track", id), "c": first["playlists"]["pageInfo"]["endCursor"] }),
    );
    let all: Vec<Value> = w
        .sql("SELECT p.Name FROM PlaylistTrack j JOIN Playlist p ON p.PlaylistId = j.PlaylistId WHERE j.TrackId = ? AND p.Name LIKE '%s%' ORDER BY p.Name DESC, p.PlaylistId LIMIT 2 OFFSET 2", &[Sql::Integer(id.parse().expect("int"))])
        .into_iter()
        .map(|r| match &r[0] {
            Sql::Text(s) => json!({ "name": s }),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(next["node"]["playlists"]["nodes"], Value::Array(all));
}

#[test]
fn the_tutorial_keeps_all_of_it_off() {
    let sdl = relaylite::schema::sdl::print_sdl(
        &App::new(DbConfig::sqlite(common::fixture_db("beyond-tutorial"))).expect("app").schema(),
    );
    assert!(!sdl.contains("totalCount") && !sdl.contains("nodes:"), "{sdl}");
}
