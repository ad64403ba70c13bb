//! Chinook, a real-world database nobody here designed, served as reflection derives it and
//! checked against SQL on the same file: every table pages through with cursors, every node
//! round-trips, every relationship equals its join, every column sorts and filters, and the
//! statements per level stay constant.

mod common;

use std::path::PathBuf;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use relaylite::db::{DbConfig, statements_run};
use relaylite::model::{Model, Shape, Source, Table};
use relaylite::{App, Outcome, Request};
use rusqlite::types::Value as Sql;
use serde_json::{Value, json};

fn chinook() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("relaylite-chinook-{}", std::process::id()));
    let path = dir.join("chinook.sqlite3");
    static BUILT: std::sync::Once = std::sync::Once::new();
    BUILT.call_once(|| {
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temp dir");
        let sql = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/realdb/chinook.sql"
        ))
        .expect("chinook.sql");
        rusqlite::Connection::open(&path).and_then(|c| c.execute_batch(&sql)).expect("chinook db");
    });
    path
}

fn app() -> App {
    App::new(DbConfig { path: chinook(), log_sql: false }).expect("chinook app")
}

fn sql(query: &str, params: &[Sql]) -> Vec<Vec<Sql>> {
    let conn = rusqlite::Connection::open(chinook()).expect("open");
    let mut stmt = conn.prepare(query).unwrap_or_else(|e| panic!("{query}: {e}"));
    let width = stmt.column_count();
    stmt.query_map(rusqlite::params_from_iter(params), |r| (0..width).map(|i| r.get(i)).collect())
        .and_then(|rows| rows.collect())
        .unwrap_or_else(|e| panic!("{query}: {e}"))
}

/// Runs a query in process; its data, failing on any error.
fn data(app: &App, query: &str, variables: Value) -> Value {
    let Value::Object(variables) = variables else { panic!("variables") };
    let req = Request { query: Some(query.into()), variables, ..Request::default() };
    match relaylite::run(app, &req) {
        Outcome::Executed { data, errors } if errors.is_empty() => {
            serde_json::from_str(&data.to_json_string()).expect("json")
        }
        other => panic!("{query}: {other:?}"),
    }
}

fn q(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// The global ID of a row with key `values`, as relaylite documents it.
fn global_id(table: &Table, values: &[Sql]) -> String {
    let text = match values {
        [Sql::Integer(i)] => i.to_string(),
        [Sql::Text(s)] => s.clone(),
        many => {
            let parts: Vec<Value> = many
                .iter()
                .map(|v| match v {
                    Sql::Integer(i) => json!(i),
                    Sql::Text(s) => json!(s),
                    other => panic!("{other:?}"),
                })
                .collect();
            serde_json::to_string(&parts).expect("json")
        }
    };
    STANDARD.encode(format!("{}:{text}", table.type_name))
}

fn key_list(table: &Table) -> String {
    let cols: Vec<String> = table.key.iter().map(|&c| q(&table.columns[c].name)).collect();
    cols.join(", ")
}

/// The served node tables with a root connection.
fn roots(model: &Model) -> impl Iterator<Item = (usize, &Table)> {
    model.tables.iter().enumerate().filter(|(_, t)| t.served && t.root.is_some() && t.is_node())
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
    let sdl = relaylite::schema::sdl::print_sdl(app.schema());
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
    let app = app();
    let model = &app.schema().model;
    for (_, table) in roots(model) {
        let conn = &table.root.as_ref().expect("root").name;
        let query = format!(
            "query ($after: String) {{ {conn}(first: 397, after: $after) {{ edges {{ node {{ id }} }} pageInfo {{ hasNextPage endCursor }} }} }}"
        );
        let mut ids: Vec<Value> = Vec::new();
        let mut after = Value::Null;
        loop {
            let d = data(&app, &query, json!({ "after": after }));
            let c = &d[conn.as_str()];
            ids.extend(
                c["edges"].as_array().expect("edges").iter().map(|e| e["node"]["id"].clone()),
            );
            if c["pageInfo"]["hasNextPage"] != json!(true) {
                break;
            }
            after = c["pageInfo"]["endCursor"].clone();
        }
        let keys = sql(
            &format!("SELECT {k} FROM {} ORDER BY {k}", q(&table.name), k = key_list(table)),
            &[],
        );
        let expected: Vec<Value> = keys.iter().map(|k| json!(global_id(table, k))).collect();
        assert_eq!(ids, expected, "{conn}");
    }
}

#[test]
fn every_node_round_trips() {
    let app = app();
    let model = &app.schema().model;
    for (_, table) in roots(model) {
        let field = table
            .fields
            .iter()
            .find(|f| f.name != "id" && matches!(f.source, Source::Column(_)))
            .expect("a column field");
        let keys = sql(
            &format!(
                "SELECT {k} FROM {} ORDER BY {k} DESC LIMIT 3",
                q(&table.name),
                k = key_list(table)
            ),
            &[],
        );
        for key in keys {
            let id = global_id(table, &key);
            let query = format!(
                "query ($id: ID!) {{ node(id: $id) {{ id ... on {} {{ {} }} }} }}",
                table.type_name, field.name
            );
            let d = data(&app, &query, json!({ "id": id }));
            assert_eq!(d["node"]["id"], json!(id), "{}", table.type_name);
            assert!(d["node"].get(&field.name).is_some(), "{}", table.type_name);
        }
    }
}

/// The related keys of the parent with key `parent`, by SQL along the relationship's joins.
fn related_keys(
    model: &Model,
    table: &Table,
    rel: &relaylite::model::Relationship,
    parent: &[Sql],
) -> Vec<Vec<Sql>> {
    let target = &model.tables[rel.target];
    let from: Vec<usize> = rel.hops[0].on.iter().map(|p| p.0).collect();
    let link = sql(
        &format!(
            "SELECT {} FROM {} WHERE ({}) = ({})",
            from.iter().map(|&c| q(&table.columns[c].name)).collect::<Vec<_>>().join(", "),
            q(&table.name),
            key_list(table),
            vec!["?"; parent.len()].join(", ")
        ),
        parent,
    );
    let link = link.into_iter().next().expect("the parent");
    let tk: Vec<String> =
        target.key.iter().map(|&c| format!("t.{}", q(&target.columns[c].name))).collect();
    let (from_sql, cond_cols): (String, Vec<String>) = match rel.hops.len() {
        1 => (
            format!("{} AS t", q(&target.name)),
            rel.hops[0].on.iter().map(|p| format!("t.{}", q(&target.columns[p.1].name))).collect(),
        ),
        _ => {
            let j = &model.tables[rel.hops[0].table];
            let on: Vec<String> = rel.hops[1]
                .on
                .iter()
                .map(|p| {
                    format!("t.{} = j.{}", q(&target.columns[p.1].name), q(&j.columns[p.0].name))
                })
                .collect();
            (
                format!(
                    "{} AS j JOIN {} AS t ON {}",
                    q(&j.name),
                    q(&target.name),
                    on.join(" AND ")
                ),
                rel.hops[0].on.iter().map(|p| format!("j.{}", q(&j.columns[p.1].name))).collect(),
            )
        }
    };
    let query = format!(
        "SELECT {tk} FROM {from_sql} WHERE ({}) = ({}) ORDER BY {tk}",
        cond_cols.join(", "),
        vec!["?"; link.len()].join(", "),
        tk = tk.join(", ")
    );
    sql(&query, &link)
}

#[test]
fn every_relationship_equals_its_join() {
    let app = app();
    let model = &app.schema().model;
    for (_, table) in roots(model) {
        let conn = &table.root.as_ref().expect("root").name;
        for field in &table.fields {
            let Source::Relation(rel) = &field.source else { continue };
            let target = &model.tables[rel.target];
            let selection = match rel.shape {
                Shape::Object => format!("{} {{ id }}", field.name),
                _ => format!("{}(first: 100000) {{ edges {{ node {{ id }} }} }}", field.name),
            };
            let query =
                format!("{{ {conn}(first: 40) {{ edges {{ node {{ id {selection} }} }} }} }}");
            let d = data(&app, &query, json!({}));
            let parents = sql(
                &format!(
                    "SELECT {k} FROM {} ORDER BY {k} LIMIT 40",
                    q(&table.name),
                    k = key_list(table)
                ),
                &[],
            );
            let edges = d[conn.as_str()]["edges"].as_array().expect("edges");
            assert_eq!(edges.len(), parents.len());
            for (edge, parent) in edges.iter().zip(&parents) {
                let expected: Vec<Value> = related_keys(model, table, rel, parent)
                    .iter()
                    .map(|k| json!(global_id(target, k)))
                    .collect();
                let got: Vec<Value> = match rel.shape {
                    Shape::Object => edge["node"][&field.name]["id"]
                        .as_str()
                        .map(|id| json!(id))
                        .into_iter()
                        .collect(),
                    _ => edge["node"][&field.name]["edges"]
                        .as_array()
                        .expect("edges")
                        .iter()
                        .map(|e| e["node"]["id"].clone())
                        .collect(),
                };
                assert_eq!(
                    got, expected,
                    "{}.{} of {}",
                    table.type_name, field.name, edge["node"]["id"]
                );
            }
        }
    }
}

#[test]
fn every_column_sorts_and_filters_like_sql() {
    let app = app();
    let model = &app.schema().model;
    for (_, table) in roots(model) {
        let conn = &table.root.as_ref().expect("root").name;
        for field in &table.fields {
            let Source::Column(c) = field.source else { continue };
            let Some(stem) = &table.sort_names[c] else { continue };
            let column = q(&table.columns[c].name);
            for dir in ["ASC", "DESC"] {
                let query = format!(
                    "{{ {conn}(sort: [{stem}_{dir}], first: 25) {{ edges {{ node {{ id }} }} }} }}"
                );
                let d = data(&app, &query, json!({}));
                let ids: Vec<Value> = d[conn.as_str()]["edges"]
                    .as_array()
                    .expect("edges")
                    .iter()
                    .map(|e| e["node"]["id"].clone())
                    .collect();
                let keys = sql(
                    &format!(
                        "SELECT {k} FROM {} ORDER BY {column} {dir}, {k} LIMIT 25",
                        q(&table.name),
                        k = key_list(table)
                    ),
                    &[],
                );
                let expected: Vec<Value> =
                    keys.iter().map(|k| json!(global_id(table, k))).collect();
                assert_eq!(ids, expected, "{conn} sorted by {stem}_{dir}");
            }
            // `eq` on a value the server itself rendered finds the rows SQL finds.
            let first = format!(
                "{{ {conn}(first: 1, filter: {{{name}: {{nEq: null}}}}, sort: [{stem}_DESC]) {{ edges {{ node {{ {name} }} }} }} }}",
                name = field.name
            );
            let d = data(&app, &first, json!({}));
            let Some(value) = d[conn.as_str()]["edges"][0]["node"].get(&field.name).cloned() else {
                continue;
            };
            let ty = if table.columns[c].pk > 0 { "ID" } else { table.columns[c].scalar.graphql() };
            let query = format!(
                "query ($v: {ty}) {{ {conn}(first: 100000, filter: {{{}: {{eq: $v}}}}) {{ edges {{ node {{ id }} }} }} }}",
                field.name
            );
            let d = data(&app, &query, json!({ "v": value }));
            let ids: Vec<Value> = d[conn.as_str()]["edges"]
                .as_array()
                .expect("edges")
                .iter()
                .map(|e| e["node"]["id"].clone())
                .collect();
            let max = sql(
                &format!(
                    "SELECT {column} FROM {} WHERE {column} IS NOT NULL ORDER BY {column} DESC LIMIT 1",
                    q(&table.name)
                ),
                &[],
            );
            let keys = sql(
                &format!(
                    "SELECT {k} FROM {} WHERE {column} = ? ORDER BY {k}",
                    q(&table.name),
                    k = key_list(table)
                ),
                &max[0],
            );
            let expected: Vec<Value> = keys.iter().map(|k| json!(global_id(table, k))).collect();
            assert!(!ids.is_empty(), "{conn} filtered by {} = {value}", field.name);
            assert_eq!(ids, expected, "{conn} filtered by {} = {value}", field.name);
        }
    }
}

#[test]
fn statements_per_level_stay_constant() {
    let app = app();
    let count = |first: usize| {
        let query = "{ allArtists(first: FIRST) { edges { node { name albums { edges { node { title artist { name } tracks { edges { node { genre { name } mediaType { name } playlists { edges { node { name } } } } } } } } } } } } }"
            .replace("FIRST", &first.to_string());
        let before = statements_run();
        data(&app, &query, json!({}));
        statements_run() - before
    };
    let levels = 7; // artists, albums, artist, tracks, genre, media type, playlists
    for first in [1, 20, 275] {
        assert_eq!(count(first), levels, "first: {first}");
    }
}
