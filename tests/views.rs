//! Views and columns without a declared type, checked against SQL on Chinook with two views
//! over it. A view has no key: rows alike in every column are the rule (a projection, an
//! aggregate), so it pages with offset cursors, which name positions, unless the model file
//! names its key (`key = [...]`, as PostGraphile's `@primaryKey`); then it has keyset
//! cursors, `Node` and IDs like a table. A column without a type (every computed column of
//! a view) is typed by the values it holds, and a filter compares as SQLite stores values.

mod common;

use std::path::{Path, PathBuf};

use relaylite::db::{Db, DbConfig};
use relaylite::limits::Limits;
use relaylite::{App, Outcome, Request};
use serde_json::{Value, json};

const VIEWS: &str = "
CREATE TABLE tag (id INTEGER PRIMARY KEY, label);
INSERT INTO tag VALUES (1, 'news'), (2, 'x y'), (3, NULL);
CREATE TABLE mixed (id INTEGER PRIMARY KEY, data BLOB);
INSERT INTO mixed VALUES (1, 'news'), (2, X'9DEC2C'), (3, 'other'), (4, X'00');
CREATE TABLE late (id INTEGER PRIMARY KEY, v);
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1200)
  INSERT INTO late SELECT i, CASE WHEN i > 1100 THEN 'text' || i ELSE i END FROM n;
CREATE INDEX late_v ON late (v);
CREATE VIEW Big AS SELECT TrackId * 10000000000 AS ms FROM Track;
CREATE VIEW GenrePrice AS SELECT GenreId, UnitPrice FROM Track;
CREATE VIEW CustomerNote AS
  SELECT CustomerId, CASE WHEN Company IS NULL THEN '' ELSE 'company' END AS note, Total
  FROM Customer JOIN (SELECT CustomerId AS c, SUM(Total) AS Total FROM Invoice GROUP BY CustomerId)
  ON c = CustomerId;";

fn chinook() -> PathBuf {
    common::sqlite_once("views-chinook", "tests/realdb/chinook.sql", VIEWS)
}

fn data(app: &App, query: &str, variables: Value) -> Value {
    let req = Request {
        query: Some(query.into()),
        variables: variables.as_object().cloned().unwrap_or_default(),
        ..Request::default()
    };
    match relaylite::run(app, &req) {
        Outcome::Executed { data, errors } if errors.is_empty() => {
            serde_json::from_str(&data.to_json_string()).expect("json")
        }
        other => panic!("{query}: {other:?}"),
    }
}

/// Every node of `connection` (whose nodes select `fields`), `first` at a time from each
/// page's end cursor; and every cursor seen.
fn page_through(
    app: &App,
    connection: &str,
    fields: &str,
    first: u32,
) -> (Vec<Value>, Vec<String>) {
    let query = format!(
        "query ($after: String) {{ {connection}(first: {first}, after: $after) {{ edges {{ cursor node {{ {fields} }} }} pageInfo {{ hasNextPage endCursor }} }} }}"
    );
    let (mut nodes, mut cursors, mut after) = (Vec::new(), Vec::new(), Value::Null);
    loop {
        let d = data(app, &query, json!({ "after": after }));
        let page = &d[connection];
        for edge in page["edges"].as_array().expect("edges") {
            nodes.push(edge["node"].clone());
            cursors.push(edge["cursor"].as_str().expect("cursor").to_string());
        }
        if page["pageInfo"]["hasNextPage"] != json!(true) {
            return (nodes, cursors);
        }
        after = page["pageInfo"]["endCursor"].clone();
    }
}

fn sql_rows(path: &Path, sql: &str) -> Vec<Value> {
    let conn = rusqlite::Connection::open(path).expect("open");
    let mut stmt = conn.prepare(sql).expect("prepare");
    let width = stmt.column_count();
    let rows = stmt.query_map([], |r| {
        (0..width)
            .map(|i| {
                Ok(match r.get_ref(i)? {
                    rusqlite::types::ValueRef::Integer(n) => json!(n),
                    rusqlite::types::ValueRef::Real(f) => json!(f),
                    rusqlite::types::ValueRef::Text(t) => json!(String::from_utf8_lossy(t)),
                    _ => Value::Null,
                })
            })
            .collect::<rusqlite::Result<Vec<Value>>>()
    });
    rows.expect("query").map(|r| Value::Array(r.expect("row"))).collect()
}

#[test]
fn a_view_without_a_key_pages_with_offset_cursors_through_every_row() {
    let path = chinook();
    let app = App::new(DbConfig::sqlite(path.clone())).expect("app");
    let d = data(&app, "{ allGenrePrices(first: 3) { edges { cursor } } }", json!({}));
    let first: Vec<&Value> =
        d["allGenrePrices"]["edges"].as_array().expect("edges").iter().collect();
    assert_eq!(first.len(), 3);
    assert!(first[0] != first[1] && first[1] != first[2], "three rows, three cursors: {d}");

    let (nodes, cursors) = page_through(&app, "allGenrePrices", "genreId unitPrice", 100);
    let mut cursors_sorted = cursors.clone();
    cursors_sorted.sort();
    cursors_sorted.dedup();
    assert_eq!(cursors_sorted.len(), cursors.len(), "every cursor names one row");
    let served: Vec<Value> = nodes.iter().map(|n| json!([n["genreId"], n["unitPrice"]])).collect();
    let expected =
        sql_rows(&path, "SELECT GenreId, UnitPrice FROM GenrePrice ORDER BY GenreId, UnitPrice");
    assert_eq!(served.len(), 3_503, "every row of the view, once");
    assert_eq!(served, expected, "in the view's order: every column, ascending");
    let sdl = relaylite::schema::sdl::print_sdl(&app.schema());
    assert!(sdl.contains("type GenrePrice {"), "no Node without a key");
}

fn model_with_key(path: &Path) -> String {
    let db = Db::open(&DbConfig::sqlite(path.to_path_buf())).expect("db");
    let model = db
        .read(std::time::Duration::from_secs(10), || db.model(None))
        .expect("read")
        .expect("model");
    let printed = relaylite::model::file::print(&model, "a test");
    let at = printed.find("table = \"CustomerNote\"\n").expect("the view's type");
    let (head, tail) = printed.split_at(at);
    let tail = tail.replacen("cursors = \"offset\"", "cursors = \"keyset\"", 1);
    format!("{head}key = [\"CustomerId\"]\n{tail}")
}

fn app_with(path: &Path, file: &str) -> Result<App, String> {
    let config = DbConfig::sqlite(path.to_path_buf());
    App::open(config, Limits::default(), Some(("model.toml".into(), file.into())))
}

#[test]
fn a_view_whose_key_the_model_names_has_keyset_cursors_ids_and_nodes() {
    let path = chinook();
    let file = model_with_key(&path);
    let app = app_with(&path, &file).unwrap_or_else(|e| panic!("{e}\n{file}"));
    let sdl = relaylite::schema::sdl::print_sdl(&app.schema());
    assert!(sdl.contains("type CustomerNote implements Node"), "{sdl}");

    let (nodes, cursors) = page_through(&app, "allCustomerNotes", "id customerId note total", 7);
    let ids: Vec<Value> = nodes.iter().map(|n| json!([n["customerId"]])).collect();
    let expected = sql_rows(&path, "SELECT CustomerId FROM CustomerNote ORDER BY CustomerId");
    assert_eq!(ids, expected, "keyset pages in key order, every row once");
    assert!(cursors.iter().all(|c| !c.is_empty()));

    // Each row's global ID finds it again.
    for n in nodes.iter().take(5) {
        let d = data(
            &app,
            "query ($id: ID!) { node(id: $id) { ... on CustomerNote { customerId total } } }",
            json!({ "id": n["id"] }),
        );
        assert_eq!(d["node"]["customerId"], n["customerId"]);
        assert_eq!(d["node"]["total"], n["total"]);
    }

    // The model the app serves prints its key, and reads back as the same model.
    let printed = relaylite::model::file::print(&app.schema().model, "a test");
    assert!(printed.contains("key = [\"CustomerId\"]"), "{printed}");
    let again = app_with(&path, &printed).expect("the printed model");
    assert_eq!(again.schema().model, app.schema().model);
}

#[test]
fn a_key_or_keyset_cursors_the_database_cannot_have_are_start_up_errors() {
    let path = chinook();
    let file = model_with_key(&path);
    let cases = [
        (
            file.replace("key = [\"CustomerId\"]", "key = [\"Nope\"]"),
            "`key` names `Nope`, which is not a column of view `CustomerNote`",
        ),
        (
            file.replace("key = [\"CustomerId\"]\n", ""),
            "keyset cursors need rows with a key, and a view has none",
        ),
        (
            file.replace("table = \"Album\"\n", "table = \"Album\"\nkey = [\"Title\"]\n"),
            "`key` names a view's key; `Album` has its own",
        ),
    ];
    for (text, expected) in cases {
        let e = app_with(&path, &text).err().expect("an error");
        assert!(e.contains(expected) && e.contains("model.toml:"), "{e}");
    }
}

fn count(path: &Path, sql: &str) -> i64 {
    let conn = rusqlite::Connection::open(path).expect("open");
    conn.query_row(sql, [], |r| r.get(0)).expect("count")
}

#[test]
fn a_column_without_a_type_is_typed_by_its_values_and_filters_find_what_it_stores() {
    let path = chinook();
    let app = App::new(DbConfig::sqlite(path.clone())).expect("app");
    let sdl = relaylite::schema::sdl::print_sdl(&app.schema());
    assert!(sdl.contains("  note: String\n") && sdl.contains("  total: Float\n"), "{sdl}");
    assert!(sdl.contains("  label: String\n"), "{sdl}");
    // Every value counts, whatever order an index or a scan gives them in: text after
    // 1,100 integers makes a String; integers past 32 bits a Float, as a BIGINT is.
    assert!(sdl.contains("type Late implements Node {\n  \"\"\"The ID of the object\"\"\"\n  id: ID!\n  v: String\n"), "{sdl}");
    assert!(sdl.contains("type Big {\n  ms: Float\n"), "{sdl}");
    let d = data(
        &app,
        "{ allLates(last: 1) { nodes { v } } allBigs(first: 1) { nodes { ms } } }",
        json!({}),
    );
    assert_eq!(d["allLates"]["nodes"][0]["v"], json!("text1200"));
    assert_eq!(d["allBigs"]["nodes"][0]["ms"], json!(10_000_000_000.0));

    let total = |filter: &str| {
        let d = data(
            &app,
            &format!("{{ allCustomerNotes(filter: {filter}) {{ totalCount }} }}"),
            json!({}),
        );
        d["allCustomerNotes"]["totalCount"].as_i64().expect("count")
    };
    let sql = |cond: &str| count(&path, &format!("SELECT count(*) FROM CustomerNote WHERE {cond}"));
    assert_eq!(total("{note: {eq: \"\"}}"), sql("note = ''"));
    assert_eq!(total("{note: {eq: \"\"}}"), 49);
    assert_eq!(total("{note: {in: [\"\", \"company\"]}}"), sql("note IN ('', 'company')"));
    assert_eq!(total("{note: {notIn: [\"company\"]}}"), sql("note NOT IN ('company')"));
    assert_eq!(total("{total: {gt: 40}}"), sql("Total > 40"));
    let d = data(&app, "{ allCustomerNotes(first: 1) { nodes { total } } }", json!({}));
    assert_eq!(d["allCustomerNotes"]["nodes"][0]["total"], json!(39.62), "a SUM is a number");

    // Text in an untyped column: a string that happens to be base64 finds its row too.
    // A BLOB column holding text and bytes: a string finds the text equal to it and the
    // bytes whose base64 it is ("news" is both; X'9DEC2C' shows as "news").
    for (connection, field, filter, shown) in [
        ("allTags", "label", "eq: \"news\"", json!(["news"])),
        ("allTags", "label", "eq: \"x y\"", json!(["x y"])),
        ("allTags", "label", "like: \"new%\"", json!(["news"])),
        ("allTags", "label", "in: [\"news\", \"x y\"]", json!(["news", "x y"])),
        ("allTags", "label", "nEq: \"news\"", json!(["x y"])),
        ("allMixeds", "data", "eq: \"news\"", json!(["news", "news"])),
        ("allMixeds", "data", "eq: \"other\"", json!(["other"])),
        ("allMixeds", "data", "in: [\"AA==\", \"other\"]", json!(["other", "AA=="])),
        ("allMixeds", "data", "notIn: [\"news\"]", json!(["other", "AA=="])),
        ("allMixeds", "data", "like: \"ne%\"", json!(["news"])),
    ] {
        let query = format!(
            "{{ {connection}(filter: {{{field}: {{{filter}}}}}) {{ nodes {{ {field} }} }} }}"
        );
        let d = data(&app, &query, json!({}));
        let nodes = d[connection]["nodes"].as_array().expect("nodes");
        let got: Vec<&Value> = nodes.iter().map(|n| &n[field]).collect();
        assert_eq!(json!(got), shown, "{query}");
    }
    // The model says how it typed them, so a user can pin the type.
    let printed = relaylite::model::file::print(&app.schema().model, "a test");
    assert!(
        printed.contains("{ name = \"total\", column = \"Total\", type = \"Float\" }"),
        "{printed}"
    );
    assert!(
        printed.contains("{ name = \"label\", column = \"label\", type = \"String\" }"),
        "{printed}"
    );
}
