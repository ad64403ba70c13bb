//! The PostgreSQL backend against a real server: `RELAYLITE_TEST_PG` names one (`.ci/run`
//! starts a throw-away cluster with `tests/pg/cluster.sh`). Each test needs it, so each is
//! `#[ignore]`d with that reason: a plain `cargo test` lists them as ignored, and
//! `cargo test --test postgres -- --ignored` runs them (`.ci/run` does), failing when no
//! server is named or it does not answer. Each test loads its own database, named after
//! the test.
//!
//! The conformance corpus runs on the tutorial's tables as the original's models make them
//! on PostgreSQL; where the original's own answer differs there, `tests/pg/expected/` holds
//! it (`tests/pg/DIFFERENCES.md` says why). Chinook runs the same walk as on SQLite, checked
//! against SQL on the same PostgreSQL database.

mod common;

use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use common::walk::{Oracle, Walk};
use relaylite::App;
use relaylite::db::{Database, DbConfig, Servers, statements_run};
use serde_json::{Value, json};

/// Why each test here is ignored unless asked for.
const NEEDS_PG: &str = "needs PostgreSQL: set RELAYLITE_TEST_PG (see .ci/run)";

/// The server's URL. A test run without one fails: it was asked for (`--ignored`), so it
/// must not pass without having run.
fn server() -> String {
    match std::env::var("RELAYLITE_TEST_PG") {
        Ok(url) if !url.is_empty() => url,
        _ => panic!("{NEEDS_PG}: it names no server (`tests/pg/cluster.sh start DIR` starts one)"),
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
    database_of(url, name, &sql_of(sql_file))
}

/// The text of `sql_file` (relative to the crate).
fn sql_of(sql_file: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(sql_file)).expect(sql_file)
}

/// A fresh database `name` on the server, loaded with `sql`; its URL.
fn database_of(url: &str, name: &str, sql: &str) -> String {
    let mut admin = postgres::Client::connect(url, postgres::NoTls).expect("connect");
    for statement in
        [format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"), format!("CREATE DATABASE {name}")]
    {
        admin.batch_execute(&statement).expect("create database");
    }
    let db_url = with_database(url, name);
    let mut client = postgres::Client::connect(&db_url, postgres::NoTls).expect("connect");
    client.batch_execute(sql).expect("load");
    db_url
}

fn app(db_url: &str) -> App {
    App::new(DbConfig::postgres(db_url, &[], "public", 4).expect("config")).expect("app")
}

#[test]
#[ignore = "needs PostgreSQL: set RELAYLITE_TEST_PG (see .ci/run)"]
fn the_tutorial_answers_as_the_original_does_on_postgresql() {
    let url = server();
    let db = database(&url, "relaylite_tutorial", "tests/pg/tutorial.sql");
    let app = std::sync::Arc::new(app(&db));
    let sdl = relaylite::schema::sdl::print_sdl(&app.schema());
    let expected = std::fs::read_to_string(common::conformance_dir().join("schema.graphql"))
        .expect("schema.graphql");
    assert_eq!(format!("{sdl}\n"), expected, "the tutorial's SDL");
    let addr = common::serve(app);
    let overrides = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/pg/expected");
    let (cases, failures) = common::corpus::differences(addr, Some(&overrides));
    assert!(cases >= 100, "corpus has {cases} cases");
    assert!(failures.is_empty(), "{} of {cases} differ:\n{}", failures.len(), failures.join("\n"));
}

#[test]
#[ignore = "needs PostgreSQL: set RELAYLITE_TEST_PG (see .ci/run)"]
fn datetime_filters_with_an_offset_compare_instants_as_the_original_does_on_postgresql() {
    let url = server();
    let db = database(&url, "relaylite_offsets", "tests/pg/tutorial.sql");
    let app = app(&db);
    let walk = Walk { app: &app, oracle: Oracle::Postgres(db.clone()) };
    let mut client = postgres::Client::connect(&db, postgres::NoTls).expect("connect");
    // psycopg2 sends an aware datetime as a timestamptz, a naive one as a timestamp, and
    // the timestamp column meets a timestamptz in the session's zone, UTC.
    let values = [
        ("2020-01-02T03:04:05+02:00", "timestamptz"),
        ("2020-01-02T05:04:05+02", "timestamptz"),
        ("2020-01-01T22:04:05-0500", "timestamptz"),
        ("2020-01-02T03:04:05Z", "timestamptz"),
        ("2020-01-02T03:04:05", "timestamp"),
    ];
    for (value, sql_type) in values {
        for (op, sql_op) in [("eq", "="), ("nEq", "<>"), ("gt", ">"), ("lte", "<=")] {
            let q = format!(
                "{{ allEmployees(filter: {{hiredOn: {{{op}: \"{value}\"}}}}) {{ edges {{ node {{ id }} }} }} }}"
            );
            let d = walk.data(&q, json!({}));
            let got = d["allEmployees"]["edges"].as_array().expect("edges").len();
            let sql = format!(
                "SELECT count(*) FROM employee WHERE hired_on {sql_op} CAST($1::text AS {sql_type})"
            );
            let expected: i64 = client.query_one(&sql, &[&value]).expect("count").get(0);
            assert_eq!(i64::try_from(got), Ok(expected), "{op} {value}");
        }
    }
}

/// PostgreSQL's own types: an enum (with labels graphene renames), uuid keys and a foreign
/// key on one, arrays, timestamptz, bigint, numeric, jsonb, bytea, real, with NULLs; and a
/// foreign key of two columns (uuid, text) with an index that orders each parent's rows.
const TYPES: &str = r#"
CREATE TYPE mood AS ENUM ('sad', 'ok', 'inProgress');
CREATE TABLE owner (id uuid PRIMARY KEY, name text);
CREATE TABLE thing (
  id uuid PRIMARY KEY, owner_id uuid REFERENCES owner (id), feeling mood, tags text[],
  scores integer[], flags boolean[], big bigint, price numeric(10,2), stamp timestamptz,
  day date, at time, doc jsonb, raw bytea, flag boolean, r real, serial uuid);
INSERT INTO owner VALUES ('00000000-0000-0000-0000-000000000001', 'Ann'),
  ('00000000-0000-0000-0000-000000000002', 'Bob');
INSERT INTO thing VALUES
  ('a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '00000000-0000-0000-0000-000000000001', 'inProgress',
   '{a,"b c","d\"e",NULL}', '{1,2}', '{t,f}', 9007199254740992, 12.50, '2024-01-02 03:04:05.5+02',
   '2024-01-02', '10:11:12', '{"x": [1, 2]}', '\x0102', true, 0.1, 'ffffffff-0000-0000-0000-000000000000'),
  ('b0eebc99-9c0b-4ef8-bb6d-6bb9bd380a12', NULL, NULL, NULL, '{}', NULL, NULL, NULL, NULL,
   NULL, NULL, NULL, NULL, NULL, NULL, NULL),
  ('c0eebc99-9c0b-4ef8-bb6d-6bb9bd380a13', '00000000-0000-0000-0000-000000000002', 'sad',
   '{z}', '{3}', '{f}', -1, 0.99, '1999-12-31 23:59:59+00', '1999-12-31', '00:00:00',
   '[1, "two"]', '\x', false, -2.5, '00000000-0000-0000-0000-0000000000aa');
CREATE TABLE shelf (owner_id uuid REFERENCES owner (id), label text, PRIMARY KEY (owner_id, label));
CREATE TABLE book (id integer PRIMARY KEY, owner_id uuid, label text, title text,
  FOREIGN KEY (owner_id, label) REFERENCES shelf);
CREATE INDEX book_on_shelf ON book (label, owner_id, id);
INSERT INTO shelf VALUES ('00000000-0000-0000-0000-000000000001', 'x'),
  ('00000000-0000-0000-0000-000000000001', 'y "z"'), ('00000000-0000-0000-0000-000000000002', 'x');
INSERT INTO book SELECT n, CASE WHEN n % 3 = 2 THEN '00000000-0000-0000-0000-000000000002'
  ELSE '00000000-0000-0000-0000-000000000001' END::uuid, CASE WHEN n % 3 = 1 THEN 'y "z"'
  WHEN n % 7 = 0 THEN NULL ELSE 'x' END, 'Book ' || n FROM generate_series(1, 20) AS n;
"#;

#[test]
#[ignore = "needs PostgreSQL: set RELAYLITE_TEST_PG (see .ci/run)"]
fn postgresql_types_show_as_graphene_sqlalchemy_shows_them() {
    let url = server();
    let db = database_of(&url, "relaylite_types", TYPES);
    let app = app(&db);
    let sdl = relaylite::schema::sdl::print_sdl(&app.schema());
    for expected in [
        "  feeling: Mood\n  tags: [String]\n  scores: [Int]\n  flags: [Boolean]\n  big: Float\n  price: Float\n  stamp: DateTime\n  day: Date\n  at: Time\n  doc: JSONString\n  raw: String\n  flag: Boolean\n  r: Float\n  serial: UUID\n",
        "\"\"\"An enumeration.\"\"\"\nenum Mood {\n  SAD\n  OK\n  IN_PROGRESS\n}",
        "  feeling: DefaultMoodEnumFilter\n",
        "input DefaultMoodEnumFilter {\n  eq: Mood\n  in: [Mood]\n  nEq: Mood\n  notIn: [Mood]\n}",
        "  serial: DefaultUUIDScalarFilter\n",
        "scalar UUID",
    ] {
        assert!(sdl.contains(expected), "{expected}\nnot in\n{sdl}");
    }
    assert!(!sdl.contains("tags: StringFilter"), "arrays have no filter");
    let schema = app.schema();
    let book = schema.model.tables.iter().find(|t| t.name == "book").expect("book");
    assert_eq!(book.indexes, [vec![2, 1, 0], vec![0]], "book_on_shelf, then book_pkey");
    // The printed model reads back into the same schema.
    let printed = relaylite::model::file::print(&app.schema().model, "types");
    let config = DbConfig::postgres(&db, &[], "public", 2).expect("config");
    let again = App::open(config, Default::default(), Some(("types.toml".into(), printed)));
    let again = again.expect("the printed model serves");
    assert_eq!(relaylite::schema::sdl::print_sdl(&again.schema()), sdl);
    let walk = Walk { app: &app, oracle: Oracle::Postgres(db) };
    let d = walk.data(
        "{ allThings(first: 1) { nodes { feeling tags scores flags big price stamp day at doc raw flag r serial owner { name } } } }",
        json!({}),
    );
    assert_eq!(
        d["allThings"]["nodes"][0],
        json!({"feeling": "IN_PROGRESS", "tags": ["a", "b c", "d\"e", null], "scores": [1, 2],
               "flags": [true, false], "big": 9007199254740992.0, "price": 12.5,
               "stamp": "2024-01-02T01:04:05.500000+00:00", "day": "2024-01-02", "at": "10:11:12",
               "doc": "{\"x\": [1, 2]}", "raw": "AQI=", "flag": true, "r": 0.1,
               "serial": "ffffffff-0000-0000-0000-000000000000", "owner": {"name": "Ann"}})
    );
    let q = "query ($s: UUID, $m: [Mood]) { allThings(filter: {serial: {eq: $s}, feeling: {in: $m}}) { totalCount } }";
    let vars = json!({"s": "{FFFFFFFF-0000-0000-0000-000000000000}", "m": ["IN_PROGRESS", "OK"]});
    assert_eq!(walk.data(q, vars)["allThings"]["totalCount"], json!(1));
    // Enum values written in the document, each bound as its label: one row each, the
    // third value none.
    for (value, count) in [("SAD", 1), ("IN_PROGRESS", 1), ("OK", 0)] {
        let q = format!("{{ allThings(filter: {{feeling: {{eq: {value}}}}}) {{ totalCount }} }}");
        assert_eq!(walk.data(&q, json!({}))["allThings"]["totalCount"], json!(count), "{value}");
    }
    walk.everything();
}

/// Indexes that hand a parent's related rows over in a page order: with them relaylite
/// reads each parent's page by a `LIMIT` of its own, without them by a window.
const ORDER_INDEXES: &str = r#"
    CREATE INDEX track_album_id ON "Track" ("AlbumId", "TrackId");
    CREATE INDEX track_album_name ON "Track" ("AlbumId", "Name");
    CREATE INDEX track_genre_name ON "Track" ("GenreId", "Name") INCLUDE ("Composer");
    CREATE INDEX album_artist_title ON "Album" ("ArtistId", lower("Title"), "AlbumId");
    CREATE INDEX line_invoice_id ON "InvoiceLine" ("InvoiceId", "InvoiceLineId");
    CREATE INDEX line_track_id ON "InvoiceLine" ("TrackId", "InvoiceLineId");
"#;

/// Chinook with `ORDER_INDEXES`, so that its walk reads pages both ways.
fn chinook(test: &str) -> (String, App) {
    let sql = sql_of("tests/pg/chinook.sql") + ORDER_INDEXES;
    let db = database_of(&server(), &format!("relaylite_chinook_{test}"), &sql);
    let app = app(&db);
    (db, app)
}

#[test]
#[ignore = "needs PostgreSQL: set RELAYLITE_TEST_PG (see .ci/run)"]
fn pages_read_through_an_index_answer_as_pages_numbered_by_a_window() {
    let (indexed, with_indexes) = chinook("indexed");
    let plain = database(&server(), "relaylite_chinook_plain", "tests/pg/chinook.sql");
    let without = app(&plain);
    let model = &with_indexes.schema().model;
    let columns_of = |table: &str, index: &[&str]| {
        let t = model.tables.iter().find(|t| t.name == table).expect("table");
        let c = |name: &&str| t.columns.iter().position(|c| c.name == *name).expect("column");
        (t, index.iter().map(c).collect::<Vec<usize>>())
    };
    // Key columns in order, without INCLUDE's, and cut at an expression: Album's
    // ("ArtistId", lower("Title"), "AlbumId") reads as its IFK_AlbumArtistId does.
    for (table, index, times) in [
        ("Track", &["AlbumId", "Name"][..], 1),
        ("Track", &["GenreId", "Name"], 1),
        ("Album", &["ArtistId"], 2),
        ("Track", &["TrackId"], 1),
    ] {
        let (t, index) = columns_of(table, index);
        let found = t.indexes.iter().filter(|i| **i == index).count();
        assert_eq!(found, times, "{table} {index:?} in {:?}", t.indexes);
    }
    // A keyset cursor holds the order's values: one from any album seeks in every album.
    let walk = Walk { app: &with_indexes, oracle: Oracle::Postgres(indexed.clone()) };
    let first = "{ allAlbums(first: 1, sort: [TITLE_DESC]) { edges { node { tracks(first: 1, sort: [NAME_ASC]) { edges { cursor } } } } } }";
    let d = walk.data(first, json!({}));
    let cursor = &d["allAlbums"]["edges"][0]["node"]["tracks"]["edges"][0]["cursor"];
    let cursor = cursor.as_str().expect("a cursor");
    let album =
        |a: &str| format!("{{ allAlbums(first: 80) {{ edges {{ node {{ title {a} }} }} }} }}");
    let page = "edges { cursor node { name } } pageInfo { hasNextPage hasPreviousPage }";
    let queries = [
        album(&format!("tracks(first: 3, sort: [NAME_DESC]) {{ {page} }}")),
        album(&format!("tracks(first: 2, sort: [TRACK_ID_DESC]) {{ {page} }}")),
        album(&format!("tracks(first: 4, filter: {{name: {{ilike: \"%a%\"}}}}) {{ {page} }}")),
        album(&format!("tracks(first: 2, sort: [NAME_ASC], after: \"{cursor}\") {{ {page} }}")),
        album(&format!("tracks(last: 2, sort: [NAME_ASC], before: \"{cursor}\") {{ {page} }}")),
        album(&format!("tracks(first: 1, sort: [MILLISECONDS_ASC]) {{ {page} }}")),
        format!("{{ allGenres {{ edges {{ node {{ tracks(first: 5, sort: [NAME_ASC]) {{ {page} }} }} }} }} }}"),
        "{ allArtists(first: 100) { edges { node { albums(first: 1, sort: [TITLE_ASC]) { nodes { title } } } } } }".into(),
        "{ allInvoices(first: 100) { edges { node { invoiceLines(first: 2) { totalCount nodes { unitPrice } } } } } }".into(),
    ];
    let expected = Walk { app: &without, oracle: Oracle::Postgres(plain) };
    for query in &queries {
        assert!(walk.data(query, json!({})) == expected.data(query, json!({})), "{query}");
    }
}

/// `pageInfo` without its rows, as on SQLite (`tests/page_info.rs`): a root keyset page's
/// bounds read by offsets and the order reversed, also in parts.
#[test]
#[ignore = "needs PostgreSQL: set RELAYLITE_TEST_PG (see .ci/run)"]
fn page_info_alone_reads_the_bounds_of_a_page_as_on_sqlite() {
    let (db, read) = chinook("page_info");
    let config = DbConfig::postgres(&db, &[], "public", 4).expect("config");
    let strict = App::open(config, common::limits(&[("--max-nodes", 100)]), None).expect("app");
    let (counted, read) = (common::serve(Arc::new(strict)), common::serve(Arc::new(read)));
    common::page_info::chinook_pages_alone(counted, read);
    common::page_info::chinook_orders_alone(counted, read);
}

/// Row rules on PostgreSQL, through its own statement forms (a `LIMIT` per parent where an
/// index orders the pages): each customer reads its own rows on every path, and a junction's
/// rule picks the links a many-to-many reads, as on SQLite.
#[test]
#[ignore = "needs PostgreSQL: set RELAYLITE_TEST_PG (see .ci/run)"]
fn access_rules_hold_on_every_path_as_on_sqlite() {
    let (db, _) = chinook("access");
    let config = DbConfig::postgres(&db, &[], "public", 4).expect("config");
    let limits = relaylite::limits::Limits::default();
    let app = App::open(config, limits, common::access::model_file()).expect("app");
    let addr = common::serve(Arc::new(app));
    common::access::rows_on_every_path(addr);
    common::access::nodes(addr);
    let config = DbConfig::postgres(&db, &[], "public", 4).expect("config");
    let limits = relaylite::limits::Limits::default();
    let model = Some(common::access::model_with_link_roles());
    let app = App::open(config, limits, model).expect("app");
    common::access::junction_links(common::serve(Arc::new(app)));
}

/// `--pg-set-role`: the transaction runs as the token's role with its claims in
/// `request.jwt.claims`, so a row-level security policy of the database's own (here on
/// `Invoice`, for which the model file then needs no rule) restricts the rows too — on the
/// one-statement path as well, which then runs in a transaction.
#[test]
#[ignore = "needs PostgreSQL: set RELAYLITE_TEST_PG (see .ci/run)"]
fn pg_set_role_lets_the_databases_row_level_security_apply() {
    let (db, _) = chinook("rls");
    let mut admin = postgres::Client::connect(&db, postgres::NoTls).expect("connect");
    admin
        .batch_execute(
            r#"DO $$ BEGIN CREATE ROLE customer NOLOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$;
            DO $$ BEGIN CREATE ROLE anonymous NOLOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$;
            GRANT USAGE ON SCHEMA public TO customer, anonymous;
            GRANT SELECT ON ALL TABLES IN SCHEMA public TO customer, anonymous;
            ALTER TABLE "Invoice" ENABLE ROW LEVEL SECURITY;
            CREATE POLICY own_invoices ON "Invoice" TO customer USING
              ("CustomerId" = (current_setting('request.jwt.claims', true)::json->>'customer_id')::int);"#,
        )
        .expect("roles and policy");
    let (name, text) = common::access::model_file().expect("model file");
    let text = text.replace("rows.Invoice = \"{ customerId: { eq: $jwt_customer_id } }\"\n", "");
    let serve_with = |set_role: bool| {
        let mut config = DbConfig::postgres(&db, &[], "public", 4).expect("config");
        config.set_role = set_role;
        let limits = relaylite::limits::Limits::default();
        let app = App::open(config, limits, Some((name.clone(), text.clone()))).expect("app");
        common::serve(Arc::new(app))
    };
    let (with_rls, without) = (serve_with(true), serve_with(false));
    let token = common::access::customer(3);
    let own = common::access::sql_ids("SELECT InvoiceId FROM Invoice WHERE CustomerId = ?", 3);
    for query in [
        "{ allInvoices { totalCount nodes { invoiceId } } }",
        "{ allInvoices(first: 1000) { nodes { invoiceId } } }",
    ] {
        let d = common::access::data(with_rls, Some(&token), query);
        assert_eq!(common::access::ids(&d["allInvoices"]["nodes"], "invoiceId"), own, "{query}");
        let d = common::access::data(without, Some(&token), query);
        assert_eq!(d["allInvoices"]["nodes"].as_array().map(Vec::len), Some(412), "{query}");
    }
    // The anonymous role reads what its grants allow, as itself.
    let d = common::access::data(with_rls, None, "{ allAlbums { totalCount } }");
    assert_eq!(d["allAlbums"]["totalCount"], 347);
}

#[test]
#[ignore = "needs PostgreSQL: set RELAYLITE_TEST_PG (see .ci/run)"]
fn chinook_walks_as_on_sqlite() {
    let (db, app) = chinook("walk");
    let walk = Walk { app: &app, oracle: Oracle::Postgres(db) };
    walk.everything();
}

#[test]
#[ignore = "needs PostgreSQL: set RELAYLITE_TEST_PG (see .ci/run)"]
fn chinook_runs_a_constant_number_of_statements_per_level() {
    let (_, app) = chinook("statements");
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

/// A throw-away cluster of `tests/pg/cluster.sh` in a directory of its own: a primary of its
/// own, or a streaming replica of the test server. Stopped and removed when dropped.
struct Cluster {
    dir: String,
    url: String,
}

/// `tests/pg/cluster.sh ARGS` (or the one `.ci/run` names); the last line it prints.
fn cluster_sh(args: &[&str]) -> String {
    let out = Command::new(cluster_script()).args(args).output().expect("cluster.sh");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "cluster.sh {args:?}: {err}");
    String::from_utf8_lossy(&out.stdout).lines().last().unwrap_or("").trim().to_string()
}

impl Cluster {
    fn new(args: impl Fn(&str) -> Vec<String>) -> Cluster {
        let out = Command::new("mktemp").arg("-d").output().expect("mktemp");
        let dir = String::from_utf8_lossy(&out.stdout).trim().to_string();
        let args = args(&dir);
        let url = cluster_sh(&args.iter().map(String::as_str).collect::<Vec<_>>());
        Cluster { dir, url }
    }

    fn primary() -> Cluster {
        Cluster::new(|dir| vec!["start".into(), dir.into()])
    }

    fn replica_of(primary: &str) -> Cluster {
        let replica = Cluster::new(|dir| vec!["replica".into(), dir.into(), primary.into()]);
        cluster_sh(&["catch-up", &replica.dir]);
        replica
    }

    fn stop(&self) {
        cluster_sh(&["stop", &self.dir]);
    }

    fn start_again(&self) {
        cluster_sh(&["start-existing", &self.dir]);
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ =
            Command::new("bash").args([&cluster_script(), "stop", &self.dir, "immediate"]).output();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn cluster_script() -> String {
    std::env::var("RELAYLITE_TEST_PG_CLUSTER")
        .unwrap_or_else(|_| concat!(env!("CARGO_MANIFEST_DIR"), "/tests/pg/cluster.sh").into())
}

fn servers(app: &App) -> Arc<Servers> {
    match &app.db.database {
        Database::Postgres(servers) => servers.clone(),
        Database::Sqlite(_) => panic!("not PostgreSQL"),
    }
}

const QUICK: &str = "{ allEmployees(first: 2) { edges { node { name department { name } } } } }";

/// A request's status and body.
fn ask(addr: std::net::SocketAddr, query: &str) -> (u16, Value) {
    let r = common::post_json(addr, &json!({ "query": query }));
    (r.status, r.json())
}

fn answered(addr: std::net::SocketAddr) -> bool {
    let (status, body) = ask(addr, QUICK);
    status == 200
        && body.get("errors").is_none()
        && body["data"]["allEmployees"]["edges"][1].is_object()
}

/// Requests from `clients` threads: from once they are under way, while `during` runs and
/// until `after` more have been sent; how many were sent and how many were not answered in
/// full.
fn load_while(
    addr: std::net::SocketAddr,
    clients: usize,
    after: usize,
    during: impl FnOnce(),
) -> (usize, usize) {
    let (stop, sent, failed) = (
        Arc::new(AtomicBool::new(false)),
        Arc::new(AtomicUsize::new(0)),
        Arc::new(AtomicUsize::new(0)),
    );
    let threads: Vec<_> = (0..clients)
        .map(|_| {
            let (stop, sent, failed) = (stop.clone(), sent.clone(), failed.clone());
            std::thread::spawn(move || {
                while !stop.load(Ordering::SeqCst) {
                    if !answered(addr) {
                        failed.fetch_add(1, Ordering::SeqCst);
                    }
                    sent.fetch_add(1, Ordering::SeqCst);
                }
            })
        })
        .collect();
    common::wait_until("requests under way", || sent.load(Ordering::SeqCst) >= clients);
    during();
    let then = sent.load(Ordering::SeqCst);
    common::wait_until("requests after", || sent.load(Ordering::SeqCst) >= then + after);
    stop.store(true, Ordering::SeqCst);
    threads.into_iter().for_each(|t| t.join().expect("client"));
    (sent.load(Ordering::SeqCst), failed.load(Ordering::SeqCst))
}

#[test]
#[ignore = "needs PostgreSQL: set RELAYLITE_TEST_PG (see .ci/run)"]
fn reads_spread_over_replicas_survive_losing_them_and_fall_back_to_the_primary() {
    let url = server();
    let name = "relaylite_replicas";
    let db = database(&url, name, "tests/pg/tutorial.sql");
    let replicas = [Cluster::replica_of(&url), Cluster::replica_of(&url)];
    let urls: Vec<String> = replicas.iter().map(|r| with_database(&r.url, name)).collect();
    let app = Arc::new(
        App::new(DbConfig::postgres(&db, &urls, "public", 4).expect("config")).expect("app"),
    );
    let servers = servers(&app);
    let served = |i: usize| servers.servers[i].served();
    let addr = common::serve(app.clone());
    let base = [served(0), served(1), served(2)];
    for _ in 0..40 {
        assert!(answered(addr));
    }
    assert_eq!(served(0), base[0], "the primary reads nothing while replicas answer");
    assert!(served(1) - base[1] >= 15 && served(2) - base[2] >= 15, "round robin");

    // Forty requests after it stopped: twenty at least go its way, round robin.
    let (sent, failed) = load_while(addr, 4, 40, || replicas[0].stop());
    assert_eq!(failed, 0, "{failed} of {sent} requests failed while a replica stopped");
    assert!(!servers.servers[1].up() && servers.servers[2].up());

    replicas[1].stop();
    let before = served(0);
    for _ in 0..10 {
        assert!(answered(addr), "the primary answers when no replica does");
    }
    assert!(served(0) >= before + 10);

    // A replica back up serves again once its down time (5 s) is over: requests, each
    // answered, until one is its.
    replicas[0].start_again();
    let before = served(1);
    common::wait_until("the replica started again serves", || {
        assert!(answered(addr));
        served(1) > before
    });

    // Health answers while any server does; metrics show each server, the stopped one down.
    let get = |path: &str| common::request(addr, "GET", path, &[], b"");
    assert_eq!(get("/health").status, 200);
    let metrics = get("/metrics").text();
    let up = |role: &str, url: &str, v: u8| {
        let redacted = relaylite::db::redact(url);
        format!("relaylite_database_up{{role=\"{role}\",url=\"{redacted}\"}} {v}")
    };
    for line in [up("primary", &db, 1), up("replica", &urls[0], 1), up("replica", &urls[1], 0)] {
        assert!(metrics.contains(&line), "{line} not in\n{metrics}");
    }
    assert!(metrics.contains("relaylite_database_connections{role=\"primary\""), "{metrics}");
}

/// A view whose second row takes an hour: a query no test waits out. The first row comes at
/// once, as serving the view needs (each served table is read from once at start-up).
const SLOW: &str = "
CREATE TABLE employee (id integer PRIMARY KEY, name text);
INSERT INTO employee VALUES (1, 'Ann'), (2, 'Bob');
CREATE VIEW slow AS SELECT id,
  CASE WHEN id = 1 THEN 'awake' ELSE CAST(pg_sleep(3600) AS text) END AS nap FROM employee;
";

/// How many of relaylite's sessions on the server of `admin` are there, and in `pg_sleep`.
fn sessions(admin: &mut postgres::Client) -> (i64, i64) {
    let row = admin
        .query_one(
            "SELECT count(*), count(*) FILTER (WHERE wait_event = 'PgSleep') FROM pg_stat_activity
             WHERE application_name = 'relaylite'",
            &[],
        )
        .expect("pg_stat_activity");
    (row.get(0), row.get(1))
}

#[test]
#[ignore = "needs PostgreSQL: set RELAYLITE_TEST_PG (see .ci/run)"]
fn timeouts_lost_connections_and_a_server_gone_are_clean_errors_then_recovered_from() {
    // A cluster of its own, to stop and start; RELAYLITE_TEST_PG says PostgreSQL is here.
    let _ = server();
    let own = Cluster::primary();
    let db = database_of(&own.url, "relaylite_hardening", SLOW);
    let config = || DbConfig::postgres(&db, &[], "public", 2).expect("config");
    let slow = "{ allSlows { edges { node { nap } } } }";

    // A statement past --timeout-ms is stopped by the server: a GraphQL error naming the
    // flag. Only the limit can end it (a missed one would run into `request`'s 30 s).
    let limits = relaylite::limits::Limits { timeout_ms: 300, ..Default::default() };
    let short = common::serve(Arc::new(App::open(config(), limits, None).expect("app")));
    let (status, body) = ask(short, slow);
    assert_eq!(status, 200);
    assert!(common::message(&body).contains("--timeout-ms"), "{body}");
    assert!(answered_on(short), "the connection serves the next request");

    // Every pooled connection terminated by the server: the next request still answers,
    // and the server is not passed over. Two connections sit in the pool, so the retry
    // after the first dead one must not be handed the second. No --timeout-ms to speak of
    // here: the slow request below ends only when the server goes away.
    let limits = relaylite::limits::Limits { timeout_ms: 3_600_000, ..Default::default() };
    let app = Arc::new(App::open(config(), limits, None).expect("app"));
    let servers = servers(&app);
    let addr = common::serve(app);
    assert!(answered_on(addr));
    servers
        .with_session(|_| (servers.with_session(|_| ((), false)).expect("a second"), false))
        .expect("a first");
    assert_eq!(servers.servers[0].pool_state(), (2, 2), "two idle connections");
    let mut admin = postgres::Client::connect(&db, postgres::NoTls).expect("admin");
    admin
        .batch_execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'relaylite'")
        .expect("terminate");
    common::wait_until("the pooled connections ended", || sessions(&mut admin).0 == 0);
    assert!(answered_on(addr), "a terminated pooled connection is replaced");
    assert!(servers.servers[0].up(), "the server answered, so it is not marked down");

    // The server going away mid-request (while it sleeps in the view): never a hang or a
    // 500, but a 503. The lost connection makes the request run again (it only reads), on
    // the next server that answers; there is none, for a server shutting down takes no
    // new connection.
    let slow_request = std::thread::spawn(move || ask(addr, slow));
    common::wait_until("the slow request reached the view", || sessions(&mut admin).1 == 1);
    drop(admin);
    own.stop();
    let (status, body) = slow_request.join().expect("slow request");
    assert_eq!(status, 503, "{body}");
    let message = common::message(&body);
    assert!(message.starts_with("No database server answers"), "{message}");
    let (status, _) = ask(addr, QUICK);
    assert_eq!(status, 503, "no server: unavailable");

    // Back again: requests answer once it is.
    own.start_again();
    assert!(answered_on(addr), "recovered when the database returned");
}

/// `answered` against a server on the hardening database, whose employees have no
/// department.
fn answered_on(addr: std::net::SocketAddr) -> bool {
    let (status, body) = ask(addr, "{ allEmployees(first: 2) { edges { node { name } } } }");
    status == 200
        && body.get("errors").is_none()
        && body["data"]["allEmployees"]["edges"][1].is_object()
}

/// A view that tells how the statement reading it ran: in a transaction of its own (at the
/// server's default isolation, READ COMMITTED) or in the REPEATABLE READ one a request of
/// several statements begins, whether read-only, and the statement timeout in force.
const PROBE: &str = "CREATE VIEW probe AS
  SELECT current_setting('transaction_isolation') = 'read committed' AS alone,
  current_setting('transaction_read_only') AS read_only,
  current_setting('statement_timeout') AS timeout;
CREATE TABLE item (id integer PRIMARY KEY); INSERT INTO item VALUES (1);";

#[test]
#[ignore = "needs PostgreSQL: set RELAYLITE_TEST_PG (see .ci/run)"]
fn a_request_of_one_statement_runs_without_a_transaction_and_still_only_reads() {
    let url = server();
    let db = database_of(&url, "relaylite_one_statement", PROBE);
    let addr = common::serve(Arc::new(app(&db)));
    for _ in 0..3 {
        let (_, body) = ask(addr, "{ allProbes { nodes { alone readOnly timeout } } }");
        let probe = &body["data"]["allProbes"]["nodes"][0];
        assert_eq!(probe["alone"], json!(true), "one statement, no BEGIN before it: {body}");
        assert_eq!(probe["readOnly"], json!("on"), "{body}");
        assert!(probe["timeout"].as_str().is_some_and(|t| t.ends_with("s")), "{body}");
    }
    // Two statements (the rows and their count) read one snapshot, in one transaction.
    let (_, body) = ask(addr, "{ allProbes { totalCount nodes { alone readOnly } } }");
    let probe = &body["data"]["allProbes"]["nodes"][0];
    assert_eq!(probe["alone"], json!(false), "a transaction begun before: {body}");
    assert_eq!(probe["readOnly"], json!("on"), "{body}");
    // A key lookup is one statement; with a relationship under it, two.
    let id = common::walk::global_id_of("Item", "1");
    let (_, body) =
        ask(addr, &format!("{{ node(id: \"{id}\") {{ id }} allProbes {{ nodes {{ alone }} }} }}"));
    assert_eq!(body["data"]["allProbes"]["nodes"][0]["alone"], json!(false), "{body}");
}

#[test]
#[ignore = "needs PostgreSQL: set RELAYLITE_TEST_PG (see .ci/run)"]
fn a_transaction_ends_though_its_commit_is_not_waited_for() {
    let url = server();
    let db = database_of(&url, "relaylite_commit", PROBE);
    // A pool of one and no server around it: nothing else uses the session afterwards.
    let config = DbConfig::postgres(&db, &[], "public", 1).expect("config");
    let probes = relaylite::db::Db::with_connection(&config, |conn| {
        conn.read(Duration::from_secs(10), || {
            let alone = "SELECT alone FROM probe";
            [conn.query(alone, &[]), conn.query(alone, &[])]
        })
    });
    let probes = probes.expect("session").expect("transaction");
    for rows in probes {
        // Both statements ran in the transaction: its BEGIN went out before the first.
        let rows = rows.expect("probe");
        assert_eq!(rows.iter().collect::<Vec<_>>(), [[relaylite::db::Cell::Int(0)]]);
    }
    let mut admin = postgres::Client::connect(&db, postgres::NoTls).expect("admin");
    let mut states = || -> (i64, i64) {
        let row = admin
            .query_one(
                "SELECT count(*), count(*) FILTER (WHERE state <> 'idle') FROM pg_stat_activity
                 WHERE application_name = 'relaylite' AND datname = current_database()",
                &[],
            )
            .expect("pg_stat_activity");
        (row.get(0), row.get(1))
    };
    // The session is there, and COMMIT reached it: it is not left in its transaction.
    common::wait_until("the transaction ended", || states() == (1, 0));
}

#[test]
#[ignore = "needs PostgreSQL: set RELAYLITE_TEST_PG (see .ci/run)"]
fn a_migration_on_the_primary_shows_within_seconds_while_every_request_succeeds() {
    let url = server();
    let sql = "CREATE TABLE item (id integer PRIMARY KEY, name text); INSERT INTO item VALUES (1, 'one');";
    let db = database_of(&url, "relaylite_migration", sql);
    let addr = common::serve(Arc::new(app(&db)));
    let stop = Arc::new(AtomicBool::new(false));
    let (sent, failed) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let load = {
        let (stop, sent, failed) = (stop.clone(), sent.clone(), failed.clone());
        std::thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                let (status, body) = ask(addr, "{ allItems { edges { node { name } } } }");
                sent.fetch_add(1, Ordering::Relaxed);
                if status != 200 || body.get("errors").is_some() {
                    failed.fetch_add(1, Ordering::Relaxed);
                }
            }
        })
    };
    let mut admin = postgres::Client::connect(&db, postgres::NoTls).expect("admin");
    admin
        .batch_execute(
            "ALTER TABLE item ADD COLUMN mood text DEFAULT 'calm';
             CREATE TABLE review (id integer PRIMARY KEY, stars integer);
             INSERT INTO review VALUES (1, 5);",
        )
        .expect("migrate");
    let both = "{ allItems { edges { node { mood } } } allReviews { edges { node { stars } } } }";
    common::wait_until("the new column and table served", || {
        let (status, body) = ask(addr, both);
        status == 200 && body["data"]["allReviews"]["edges"][0]["node"]["stars"] == json!(5)
    });
    let (_, body) = ask(addr, both);
    assert_eq!(body["data"]["allItems"]["edges"][0]["node"]["mood"], json!("calm"), "{body}");
    stop.store(true, Ordering::Relaxed);
    load.join().expect("load");
    assert!(sent.load(Ordering::Relaxed) > 0);
    assert_eq!(failed.load(Ordering::Relaxed), 0, "requests during the migration failed");
}

#[test]
#[ignore = "needs PostgreSQL: set RELAYLITE_TEST_PG (see .ci/run)"]
fn another_schema_is_served_with_schema() {
    let url = server();
    let sql =
        "CREATE SCHEMA sales; CREATE TABLE sales.customer (id integer PRIMARY KEY, name text);
               INSERT INTO sales.customer VALUES (1, 'Ann');
               CREATE TABLE public.customer (id integer PRIMARY KEY, other text);";
    let db = database_of(&url, "relaylite_schema", sql);
    let config = DbConfig::postgres(&db, &[], "sales", 2).expect("config");
    let app = App::new(config).expect("app");
    let walk = Walk { app: &app, oracle: Oracle::Postgres(db) };
    let d = walk.data("{ allCustomers { edges { node { name } } } }", json!({}));
    assert_eq!(d, json!({"allCustomers": {"edges": [{"node": {"name": "Ann"}}]}}));
}

#[test]
#[ignore = "needs PostgreSQL: set RELAYLITE_TEST_PG (see .ci/run)"]
fn the_server_stops_cleanly_on_sigterm_and_when_it_cannot_listen() {
    let url = server();
    let db = database(&url, "relaylite_stop", "tests/pg/tutorial.sql");
    let spawn = |listen: &str| {
        Command::new(env!("CARGO_BIN_EXE_relaylite"))
            .args(["--db", &db, "--listen", listen])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("spawn")
    };
    let mut child = spawn("127.0.0.1:0");
    let addr = common::startup_address(&mut child);
    assert!(answered(addr));
    // A second server on the same address cannot listen: it says so and exits 1.
    let taken = spawn(&addr.to_string()).wait_with_output().expect("second server");
    let stderr = String::from_utf8_lossy(&taken.stderr);
    assert_eq!(taken.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("cannot listen") && !stderr.contains("panicked"), "{stderr}");
    let pid = child.id().to_string();
    Command::new("kill").args(["-TERM", &pid]).status().expect("kill");
    let out = child.wait_with_output().expect("stopped");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}
