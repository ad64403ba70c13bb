//! Chinook, a real-world database nobody here designed, served as reflection derives it and
//! checked against SQL on the same file: every table pages through with cursors, every node
//! round-trips, every relationship equals its join, every column sorts and filters, and the
//! statements per level stay constant.

mod common;

use std::path::PathBuf;

use common::walk::{Walk, roots};
use relaylite::App;
use relaylite::db::{DbConfig, statements_run};
use serde_json::json;

fn chinook() -> PathBuf {
    common::sqlite_once("chinook", "tests/realdb/chinook.sql", "")
}

fn app() -> App {
    App::new(DbConfig::sqlite(chinook())).expect("chinook app")
}

fn walk(app: &App) -> Walk<'_> {
    static PATH: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    Walk { app, oracle: common::walk::Oracle::Sqlite(PATH.get_or_init(chinook)) }
}

#[test]
fn chinook_reflects_into_the_expected_api() {
    let app = app();
    let model = &app.schema().model;
    let fields = |ty: &str| -> Vec<String> {
        let t = &model.tables[model.by_type(ty).expect(ty)];
        t.fields.iter().map(|f| f.name.clone()).collect()
    };
    assert_eq!(roots(model).count(), 11);
    assert!(fields("Customer").contains(&"supportRep".to_string()));
    assert!(fields("Employee").contains(&"customers".to_string()));
    assert!(
        fields("Employee").contains(&"employee".to_string()),
        "ReportsTo: the column's name is taken"
    );
    assert!(fields("Employee").contains(&"employees".to_string()));
    assert!(
        fields("Playlist").contains(&"tracks".to_string()),
        "many-to-many through PlaylistTrack"
    );
    assert!(fields("Track").contains(&"playlists".to_string()));
    let sdl = relaylite::schema::sdl::print_sdl(&app.schema());
    assert!(
        sdl.contains("allInvoiceLines(sort: [InvoiceLineSortEnum] = [INVOICE_LINE_ID_ASC]"),
        "{sdl}"
    );
    assert!(sdl.contains("  unitPrice: Float!\n"), "NUMERIC(10,2) NOT NULL");
    assert!(sdl.contains("  invoiceDate: DateTime!\n"));
    assert!(sdl.contains("type PlaylistTrack implements Node"));
}

#[test]
fn every_table_pages_through_with_cursors() {
    walk(&app()).every_table_pages_through_with_cursors();
}

#[test]
fn every_node_round_trips() {
    walk(&app()).every_node_round_trips();
}

#[test]
fn every_relationship_equals_its_join() {
    walk(&app()).every_relationship_equals_its_join();
}

#[test]
fn every_column_sorts_and_filters_like_sql() {
    walk(&app()).every_column_sorts_and_filters_like_sql();
}

#[test]
fn statements_per_level_stay_constant() {
    let app = app();
    let count = |first: usize| {
        let query = "{ allArtists(first: FIRST) { edges { node { name albums { edges { node { title artist { name } tracks { edges { node { genre { name } mediaType { name } playlists { edges { node { name } } } } } } } } } } } } }"
            .replace("FIRST", &first.to_string());
        let before = statements_run();
        walk(&app).data(&query, json!({}));
        statements_run() - before
    };
    let levels = 7; // artists, albums, artist, tracks, genre, media type, playlists
    for first in [1, 20, 275] {
        assert_eq!(count(first), levels, "first: {first}");
    }
}

#[test]
fn graphiqls_example_query_runs() {
    let app = app();
    let query = relaylite::schema::example::example_query(&app.schema().model);
    assert!(query.contains("allAlbums(first: 10)") && query.contains("artist {"), "{query}");
    let d = walk(&app).data(&query, json!({}));
    assert_eq!(d["allAlbums"]["edges"][0]["node"]["artist"]["id"], "QXJ0aXN0OjE=", "{query}");
}

#[test]
fn every_column_pages_through_in_its_order() {
    walk(&app()).every_column_pages_through_in_its_order();
}
