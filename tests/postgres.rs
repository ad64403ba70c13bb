//! The PostgreSQL backend against a real server: `RELAYLITE_TEST_PG` names one (`.ci/run`
//! starts a throw-away cluster with `tests/pg/cluster.sh`). Without it each test says it
//! skipped and passes. Each test loads its own database, named after the test.
//!
//! The conformance corpus runs on the tutorial's tables as the original's models make them
//! on PostgreSQL; where the original's own answer differs there, `tests/pg/expected/` holds
//! it (`tests/pg/DIFFERENCES.md` says why). Chinook runs the same walk as on SQLite, checked
//! against SQL on the same PostgreSQL database.

mod common;

use std::path::Path;

use common::walk::{Oracle, Walk};
use relaylite::App;
use relaylite::db::{DbConfig, statements_run};
use serde_json::json;

/// The server's URL, or `None` (and a note) when the tests are to be skipped.
fn server(test: &str) -> Option<String> {
    match std::env::var("RELAYLITE_TEST_PG") {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            eprintln!("{test}: skipped, RELAYLITE_TEST_PG names no PostgreSQL server");
            None
        }
    }
}

/// `url` with its database name replaced by `name`.
fn with_database(url: &str, name: &str) -> String {
    let (base, _) = url.rsplit_once('/').expect("a URL ending in /database");
    format!("{base}/{name}")
}

/// A fresh database `name` on the server, loaded from `sql_file` (relative to the crate);
/// its URL.
fn database(url: &str, name: &str, sql_file: &str) -> String {
    let mut admin = postgres::Client::connect(url, postgres::NoTls).expect("connect");
    for statement in
        [format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"), format!("CREATE DATABASE {name}")]
    {
        admin.batch_execute(&statement).expect("create database");
    }
    let db_url = with_database(url, name);
    let sql = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(sql_file))
        .expect("sql file");
    let mut client = postgres::Client::connect(&db_url, postgres::NoTls).expect("connect");
    client.batch_execute(&sql).expect("load");
    db_url
}

fn app(db_url: &str) -> App {
    App::new(DbConfig::postgres(db_url, &[], "public", 4).expect("config")).expect("app")
}

#[test]
fn the_tutorial_answers_as_the_original_does_on_postgresql() {
    let Some(url) = server("tutorial") else { return };
    let db = database(&url, "relaylite_tutorial", "tests/pg/tutorial.sql");
    let app = std::sync::Arc::new(app(&db));
    let sdl = relaylite::schema::sdl::print_sdl(app.schema());
    let expected = std::fs::read_to_string(common::conformance_dir().join("schema.graphql"))
        .expect("schema.graphql");
    assert_eq!(format!("{sdl}\n"), expected, "the tutorial's SDL");
    let addr = common::serve(app);
    let overrides = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/pg/expected");
    let (cases, failures) = common::corpus::differences(addr, Some(&overrides));
    assert!(cases >= 100, "corpus has {cases} cases");
    assert!(failures.is_empty(), "{} of {cases} differ:\n{}", failures.len(), failures.join("\n"));
}

fn chinook(test: &str) -> Option<(String, App)> {
    let url = server(test)?;
    let db = database(&url, &format!("relaylite_chinook_{test}"), "tests/pg/chinook.sql");
    let app = app(&db);
    Some((db, app))
}

#[test]
fn chinook_walks_as_on_sqlite() {
    let Some((db, app)) = chinook("walk") else { return };
    let walk = Walk { app: &app, oracle: Oracle::Postgres(db) };
    walk.every_table_pages_through_with_cursors();
    walk.every_node_round_trips();
    walk.every_relationship_equals_its_join();
    walk.every_column_sorts_and_filters_like_sql();
    walk.every_column_pages_through_in_its_order();
}

#[test]
fn chinook_runs_a_constant_number_of_statements_per_level() {
    let Some((_, app)) = chinook("statements") else { return };
    let walk = Walk { app: &app, oracle: Oracle::Sqlite(Path::new("unused")) };
    let count = |first: usize| {
        let query = format!(
            "{{ allArtists(first: {first}) {{ edges {{ node {{ name albums(first: 3) {{ totalCount edges {{ node {{ title tracks(first: 5) {{ nodes {{ name genre {{ name }} }} }} }} }} }} }} }} }} }}"
        );
        let before = statements_run();
        let d = walk.data(&query, json!({}));
        assert!(d["allArtists"]["edges"].as_array().is_some_and(|e| e.len() == first));
        statements_run() - before
    };
    assert_eq!(count(3), count(200));
}
