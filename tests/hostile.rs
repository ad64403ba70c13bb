//! Databases nobody would design on purpose, built here: compound and TEXT keys, no primary
//! key, `WITHOUT ROWID`, views, names with spaces, quotes, keywords, leading digits and
//! non-ASCII letters, names the schema itself uses, 101 columns, two foreign keys to one
//! table, a self-reference, an FTS5 table — and values that do not fit their declared type.

mod common;

use std::path::PathBuf;

use common::walk::Walk;
use relaylite::App;
use relaylite::db::DbConfig;
use serde_json::{Value, json};

const SCHEMA: &str = r#"
PRAGMA foreign_keys = OFF;
CREATE TABLE "orders" ("order id" TEXT PRIMARY KEY, "2fa" TEXT, "Zoë" TEXT, "we""ird" INTEGER);
CREATE TABLE "order details" (
  "order id" TEXT REFERENCES "orders" ("order id"), "line" INTEGER, "qty" INTEGER NOT NULL,
  "select" TEXT, PRIMARY KEY ("order id", "line"));
CREATE TABLE shipment (id INTEGER PRIMARY KEY, "order id" TEXT, line INTEGER, sent DATETIME,
  FOREIGN KEY ("order id", line) REFERENCES "order details" ("order id", "line"));
CREATE TABLE log (message TEXT, level INTEGER);
CREATE TABLE kv (k TEXT PRIMARY KEY, v BLOB) WITHOUT ROWID;
CREATE VIEW big_orders AS SELECT "order id", qty FROM "order details" WHERE qty > 1;
CREATE TABLE team (id INTEGER PRIMARY KEY, name TEXT);
CREATE TABLE "match" (id INTEGER PRIMARY KEY, home_id INTEGER REFERENCES team (id),
  away_id INTEGER REFERENCES team (id), played_on DATE);
CREATE TABLE person (id INTEGER PRIMARY KEY, name TEXT, mentor_id INTEGER REFERENCES person (id));
CREATE TABLE "Query" (id INTEGER PRIMARY KEY, x TEXT);
CREATE TABLE "PageInfo" (id INTEGER PRIMARY KEY, y TEXT);
CREATE VIRTUAL TABLE docs USING fts5(title, body);
CREATE TABLE note (id INTEGER PRIMARY KEY, body TEXT, "null" TEXT);
INSERT INTO note VALUES (1, 'a', 'z'), (2, NULL, NULL), (3, 'c', 'x'), (4, 'd', NULL), (5, 'e', 'y'), (6, 'f', 'x'), (7, NULL, 'w'), (8, 'h', NULL), (9, 'i', 'v'), (10, 'j', 'u');
INSERT INTO orders VALUES ('A-1', 'yes', 'Ångström', 1), ('B,2', NULL, 'Zoë', 2), ('C "3"', 'no', NULL, NULL);
INSERT INTO "order details" VALUES ('A-1', 1, 2, 'x'), ('A-1', 2, 1, NULL), ('B,2', 1, 5, 'y');
INSERT INTO shipment VALUES (1, 'A-1', 2, '2024-01-02T10:00'), (2, 'A-1', 2, '2024-01-03'), (3, 'B,2', 1, NULL), (4, 'Z', 9, NULL);
INSERT INTO log VALUES ('started', 1), ('warned', 2), (NULL, 3);
INSERT INTO kv VALUES ('a', x'00ff10'), ('b', x'');
INSERT INTO team VALUES (1, 'Reds'), (2, 'Blues');
INSERT INTO "match" VALUES (1, 1, 2, '2024-05-01'), (2, 2, 1, '2024-06-01'), (3, 1, 2, NULL);
INSERT INTO person VALUES (1, 'Ann', NULL), (2, 'Bob', 1), (3, 'Cid', 1), (4, 'Dee', 2);
INSERT INTO "Query" VALUES (1, 'q');
INSERT INTO "PageInfo" VALUES (1, 'p');
INSERT INTO docs VALUES ('GraphQL', 'a query language'), ('SQLite', 'an embedded database');
"#;

fn database(name: &str, sql: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("relaylite-hostile-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join("hostile.sqlite3");
    rusqlite::Connection::open(&path).and_then(|c| c.execute_batch(sql)).expect("hostile db");
    path
}

fn wide_schema() -> String {
    let columns: Vec<String> = (1..=100).map(|i| format!("c{i} INTEGER")).collect();
    let values: Vec<String> = (1..=100).map(|i| i.to_string()).collect();
    format!(
        "{SCHEMA} CREATE TABLE wide (id INTEGER PRIMARY KEY, {}); INSERT INTO wide VALUES (1, {});",
        columns.join(", "),
        values.join(", ")
    )
}

fn app(path: &std::path::Path) -> App {
    App::new(DbConfig::sqlite(path.to_path_buf())).expect("hostile app")
}

#[test]
fn hostile_names_become_valid_unused_graphql_names() {
    let path = database("names", &wide_schema());
    let app = app(&path);
    let sdl = relaylite::schema::sdl::print_sdl(&app.schema());
    for expected in [
        "type Order implements Node",
        "type OrderDetail implements Node",
        "  _2fa: String\n",
        "  zo_: String\n",
        "  weIrd: Int\n",
        "  select: String\n",
        "type Query2 implements Node",
        "type PageInfo2 implements Node",
        "type BigOrder {",
        "type Doc implements Node",
        "  matchesByHomeId(",
        "  matchesByAwayId(",
        "  mentor: Person\n",
        "  people(",
        "  c100: Int\n",
        "  orderDetail: OrderDetail\n",
        "  shipments(",
    ] {
        assert!(sdl.contains(expected), "missing `{expected}` in:\n{sdl}");
    }
    for shadow in ["DocsData", "DocsIdx", "DocsContent", "DocsConfig", "DocsDocsize"] {
        assert!(!sdl.contains(shadow), "FTS5 shadow table {shadow} served");
    }
}

#[test]
fn hostile_tables_page_round_trip_relate_sort_and_filter_like_sql() {
    let path = database("walk", &wide_schema());
    let app = app(&path);
    let walk = Walk { app: &app, oracle: common::walk::Oracle::Sqlite(&path) };
    walk.everything();
}

#[test]
fn views_page_without_ids_and_are_no_nodes() {
    let path = database("views", SCHEMA);
    let app = app(&path);
    let walk = Walk { app: &app, oracle: common::walk::Oracle::Sqlite(&path) };
    let d = walk.data(
        "{ allBigOrders(sort: [QTY_DESC]) { edges { cursor node { orderId qty } } } }",
        json!({}),
    );
    let edges = &d["allBigOrders"]["edges"];
    assert_eq!(edges[0]["node"], json!({"orderId": "B,2", "qty": 5}));
    assert_eq!(edges[1]["node"], json!({"orderId": "A-1", "qty": 2}));
    // A view's rows have no key: its cursors hold every column, and still page.
    let next = walk.data(
        "query ($c: String) { allBigOrders(sort: [QTY_DESC], first: 1, after: $c) { edges { node { orderId } } } }",
        json!({ "c": edges[0]["cursor"] }),
    );
    assert_eq!(next["allBigOrders"]["edges"], json!([{"node": {"orderId": "A-1"}}]));
    let id = base64_id("BigOrder:1");
    let r = relaylite::run(&app, &request(&format!("{{ node(id: \"{id}\") {{ __typename }} }}")));
    let relaylite::Outcome::Executed { errors, .. } = r else { panic!("{r:?}") };
    assert_eq!(
        errors[0].message,
        "ObjectType \"BigOrder\" does not implement the \"Node\" interface."
    );
}

#[test]
fn compound_text_and_rowid_keys_make_ids_that_round_trip() {
    let path = database("keys", SCHEMA);
    let app = app(&path);
    let walk = Walk { app: &app, oracle: common::walk::Oracle::Sqlite(&path) };
    let d = walk.data("{ allOrderDetails { edges { node { id line order { id weIrd } } } } allLogs(last: 1) { edges { node { id level } } } allKvs { edges { node { id v } } } }", json!({}));
    let first = &d["allOrderDetails"]["edges"][0]["node"];
    assert_eq!(first["id"], json!(base64_id(r#"OrderDetail:["A-1",1]"#)));
    assert_eq!(first["order"], json!({"id": base64_id("Order:A-1"), "weIrd": 1}));
    assert_eq!(d["allLogs"]["edges"][0]["node"], json!({"id": base64_id("Log:3"), "level": 3}));
    assert_eq!(d["allKvs"]["edges"][0]["node"], json!({"id": base64_id("Kv:a"), "v": "AP8Q"}));
    let node = walk.data(
        "query ($id: ID!) { node(id: $id) { ... on Order { orderId _2fa details: orderDetails { edges { node { line } } } } } }",
        json!({ "id": base64_id("Order:B,2") }),
    );
    assert_eq!(
        node["node"],
        json!({"orderId": "B,2", "_2fa": null, "details": {"edges": [{"node": {"line": "1"}}]}})
    );
    let missing = walk.data("{ node(id: \"T3JkZXJEZXRhaWw6WzFd\") { id } }", json!({}));
    assert_eq!(missing["node"], Value::Null, "a compound key of the wrong length finds nothing");
}

#[test]
fn full_text_tables_read_like_tables() {
    let path = database("fts", SCHEMA);
    let app = app(&path);
    let walk = Walk { app: &app, oracle: common::walk::Oracle::Sqlite(&path) };
    let d = walk.data(
        "{ allDocs(filter: {title: {like: \"SQL%\"}}) { edges { node { title body } } } }",
        json!({}),
    );
    assert_eq!(
        d["allDocs"]["edges"],
        json!([{"node": {"title": "SQLite", "body": "an embedded database"}}])
    );
}

const BAD_VALUES: &str = r#"
CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER, f REAL, d DATETIME, b BOOLEAN, j JSON,
  s VARCHAR, nn INTEGER NOT NULL);
INSERT INTO t VALUES (1, 7, 1.5, '2020-01-02 03:04:05', 1, '{"a": [1, 2]}', 'ok', 1);
INSERT INTO t VALUES (2, 'abc', 9e999, 'yesterday', 'maybe', '{bad', x'00', 2);
INSERT INTO t VALUES (3, 3000000000, -9e999, '2020-01-02T03:04:05.5+01:00', 0, 'null', 'fine', 'x');
"#;

fn request(query: &str) -> relaylite::Request {
    relaylite::Request { query: Some(query.into()), ..relaylite::Request::default() }
}

fn base64_id(text: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(text)
}

#[test]
fn values_that_do_not_fit_their_type_are_field_errors_and_the_rest_stands() {
    let path = database("values", BAD_VALUES);
    let app = app(&path);
    let query = "{ allTs { edges { node { id n f d b j s } } } other: allTs(last: 1) { edges { node { id nn } } } }";
    let relaylite::Outcome::Executed { data, errors } = relaylite::run(&app, &request(query))
    else {
        panic!("not executed")
    };
    let data: Value = serde_json::from_str(&data.to_json_string()).expect("json");
    assert_eq!(
        data["allTs"]["edges"][0]["node"],
        json!({"id": base64_id("T:1"), "n": 7, "f": 1.5, "d": "2020-01-02T03:04:05", "b": true, "j": "{\"a\": [1, 2]}", "s": "ok"})
    );
    assert_eq!(
        data["allTs"]["edges"][1]["node"],
        json!({"id": base64_id("T:2"), "n": null, "f": null, "d": null, "b": null, "j": null, "s": null})
    );
    assert_eq!(
        data["allTs"]["edges"][2]["node"],
        json!({"id": base64_id("T:3"), "n": null, "f": null, "d": "2020-01-02T02:04:05.500000", "b": false, "j": "null", "s": "fine"})
    );
    assert_eq!(
        data["other"]["edges"],
        json!([{"node": null}]),
        "a non-null field's error nulls its object"
    );
    let messages: Vec<(&str, Value)> = errors
        .iter()
        .map(|e| {
            let path: Vec<Value> = e
                .path
                .iter()
                .map(|p| match p {
                    relaylite::graphql::error::PathSeg::Key(k) => json!(k),
                    relaylite::graphql::error::PathSeg::Index(i) => json!(i),
                })
                .collect();
            (e.message.as_str(), Value::Array(path))
        })
        .collect();
    let expected = [
        (
            "Int cannot represent non-integer value: 'abc'",
            json!(["allTs", "edges", 1, "node", "n"]),
        ),
        (
            "Float cannot represent non numeric value: inf",
            json!(["allTs", "edges", 1, "node", "f"]),
        ),
        ("DateTime cannot represent value: 'yesterday'", json!(["allTs", "edges", 1, "node", "d"])),
        (
            "Boolean cannot represent a non boolean value: 'maybe'",
            json!(["allTs", "edges", 1, "node", "b"]),
        ),
        ("JSONString cannot represent value: '{bad'", json!(["allTs", "edges", 1, "node", "j"])),
        ("String cannot represent value: b'\\x00'", json!(["allTs", "edges", 1, "node", "s"])),
        (
            "Int cannot represent non 32-bit signed integer value: 3000000000",
            json!(["allTs", "edges", 2, "node", "n"]),
        ),
        (
            "Float cannot represent non numeric value: -inf",
            json!(["allTs", "edges", 2, "node", "f"]),
        ),
        ("Int cannot represent non-integer value: 'x'", json!(["other", "edges", 0, "node", "nn"])),
    ];
    for (message, path) in &expected {
        assert!(
            messages.iter().any(|(m, p)| m == message && p == path),
            "no `{message}` at {path}: {messages:?}"
        );
    }
    assert_eq!(messages.len(), expected.len(), "{messages:?}");
}

#[test]
fn graphiqls_example_query_runs_on_any_schema() {
    for (name, sql) in [("example", SCHEMA.to_string()), ("example-values", BAD_VALUES.into())] {
        let path = database(name, &sql);
        let app = app(&path);
        let query = relaylite::schema::example::example_query(&app.schema().model);
        let r = relaylite::run(&app, &request(&query));
        assert!(matches!(r, relaylite::Outcome::Executed { .. }), "{query}: {r:?}");
    }
}
