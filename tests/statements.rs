//! SQL statements per query depend on the query's shape, never on page sizes or row counts
//! (the bench database: 20 departments, 50 roles, 20,000 employees).

mod common;

use relaylite::db::{DbConfig, statements_run};
use relaylite::{App, Outcome, Request};

/// Runs `query` and returns how many statements it took; fails on any error.
fn statements(app: &App, query: &str) -> u64 {
    let before = statements_run();
    match relaylite::run(app, &Request { query: Some(query.into()), ..Request::default() }) {
        Outcome::Executed { errors, .. } if errors.is_empty() => {}
        other => panic!("{query}: {other:?}"),
    }
    statements_run() - before
}

fn bench_query(name: &str) -> String {
    std::fs::read_to_string(format!(
        "{}/benches/queries/{name}.graphql",
        env!("CARGO_MANIFEST_DIR")
    ))
    .expect("query")
}

#[test]
fn statements_per_query_depend_on_its_shape_not_on_page_sizes() {
    let app = App::new(DbConfig::sqlite(common::bench_db())).expect("app");
    let q1 = bench_query("q1");
    let q3 = bench_query("q3");
    assert_eq!(statements(&app, &q1), 3, "Q1: page, departments, roles");
    assert_eq!(statements(&app, &bench_query("q2")), 2, "Q2: employee, department");
    assert_eq!(statements(&app, &q3), 3, "Q3: departments, employees, roles");
    for n in [1, 10, 1000] {
        assert_eq!(statements(&app, &q1.replace("first: 100", &format!("first: {n}"))), 3);
        assert_eq!(statements(&app, &q3.replace("first: 50", &format!("first: {n}"))), 3);
    }
    let paged = "{ allDepartments(last: 5) { edges { node { employees(last: 3, after: \"YXJyYXljb25uZWN0aW9uOjE=\") { edges { node { role { name } department { name } } } } } } } }";
    assert_eq!(statements(&app, paged), 5, "count and page, employees, roles, departments");
    let deep = "{ allEmployees(first: 200) { edges { node { department { employees(first: 5) { edges { node { role { roles(first: 2) { edges { node { name } } } } } } } } } } } }";
    assert_eq!(statements(&app, deep), 5, "one statement per level");
}

/// Runs `query` on `app`; its data, or its first error's message.
fn answer(app: &App, query: &str) -> Result<serde_json::Value, String> {
    match relaylite::run(app, &Request { query: Some(query.into()), ..Request::default() }) {
        Outcome::Executed { data, errors } if errors.is_empty() => {
            Ok(serde_json::from_str(&data.to_json_string()).expect("json"))
        }
        Outcome::Executed { errors, .. } => Err(errors[0].message.clone()),
        other => panic!("{query}: {other:?}"),
    }
}

#[test]
fn total_count_alone_reads_no_rows() {
    // The bench tables and one more: reflected, not the tutorial's, so with totalCount.
    let db = common::sqlite_once(
        "bench-reflected",
        "benches/bench.sql",
        "CREATE TABLE extra (id INTEGER PRIMARY KEY);",
    );
    let app = App::new(DbConfig::sqlite(db.clone())).expect("app");
    let count = "{ allEmployees { totalCount } }";
    assert_eq!(statements(&app, count), 1, "one COUNT");
    assert_eq!(statements(&app, "{ allEmployees { __typename } }"), 0, "nothing to read");
    let nested = "{ allDepartments { edges { node { employees { totalCount } } } } }";
    assert_eq!(statements(&app, nested), 2, "departments, then one COUNT … GROUP BY");
    // A count of more rows than --max-nodes lets a request read is no read of them.
    let mut limits = relaylite::limits::Limits::default();
    assert!(limits.set("--max-nodes", 100));
    let small = App::open(DbConfig::sqlite(db), limits, None).expect("app");
    let d = answer(&small, count).expect("answered");
    assert_eq!(d["allEmployees"]["totalCount"], 20000);
    let d = answer(
        &small,
        "{ allDepartments(first: 2) { edges { node { employees { totalCount } } } } }",
    );
    let totals = &d.expect("answered")["allDepartments"]["edges"];
    assert_eq!(totals[0]["node"]["employees"]["totalCount"], 1000);
    let rows = answer(&small, "{ allEmployees { totalCount edges { cursor } } }");
    assert!(rows.is_err_and(|m| m.contains("--max-nodes")), "rows still counted");
}

/// A relationship's `pageInfo` alone reads no row for its flags (one `COUNT … GROUP BY`,
/// past the cursor when there is one) and two rows a parent for its cursors, whatever
/// `first`: 20 departments of 1,000 employees answer under `--max-nodes 100`.
#[test]
fn a_relationships_page_info_alone_reads_its_bounds_at_most() {
    let db = common::sqlite_once(
        "bench-reflected",
        "benches/bench.sql",
        "CREATE TABLE extra (id INTEGER PRIMARY KEY);",
    );
    let mut limits = relaylite::limits::Limits::default();
    assert!(limits.set("--max-nodes", 100));
    let app = App::open(DbConfig::sqlite(db), limits, None).expect("app");
    let nested = |args: &str, shown: &str| {
        format!("{{ allDepartments {{ nodes {{ employees({args}) {{ {shown} }} }} }} }}")
    };
    let flags = "pageInfo { hasNextPage hasPreviousPage }";
    assert_eq!(statements(&app, &nested("first: 500", flags)), 2, "departments, one COUNT");
    let total = format!("totalCount {flags}");
    assert_eq!(statements(&app, &nested("last: 500", &total)), 2, "the same COUNT for both");
    let first = answer(
        &app,
        "{ allDepartments(first: 1) { nodes { employees(first: 3) { edges { cursor } } } } }",
    );
    let cursor =
        first.expect("answered")["allDepartments"]["nodes"][0]["employees"]["edges"][2]["cursor"]
            .clone();
    // Ids 1 to 60 are three employees of each department: 997 follow the cursor in each.
    let after = |n: usize| format!("after: {cursor}, first: {n}");
    assert_eq!(statements(&app, &nested(&after(997), &total)), 3, "a COUNT past the cursor, all");
    for (n, more) in [(997, false), (996, true)] {
        let d = answer(&app, &nested(&after(n), flags)).expect("answered");
        let nodes = d["allDepartments"]["nodes"].as_array().cloned().unwrap_or_default();
        assert_eq!(nodes.len(), 20);
        assert!(nodes.iter().all(|n| n["employees"]["pageInfo"]["hasNextPage"] == more), "{d}");
    }
    let cursors = "pageInfo { startCursor endCursor hasNextPage }";
    assert_eq!(statements(&app, &nested("first: 500", cursors)), 2, "departments, employees");
    let d = answer(&app, &nested("first: 500", cursors)).expect("20 + 2 × 20 rows kept");
    let info = &d["allDepartments"]["nodes"][0]["employees"]["pageInfo"];
    assert!(info["startCursor"].is_string() && info["startCursor"] != info["endCursor"], "{d}");
    // The rows themselves are still counted.
    let rows = answer(&app, &nested("first: 500", "nodes { id }"));
    assert!(rows.is_err_and(|m| m.contains("--max-nodes")), "rows still counted");
}

#[test]
fn introspection_is_written_once_per_schema_and_then_served_as_kept() {
    let case: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string("tests/conformance/cases/introspection_full.json").expect("case"),
    )
    .expect("json");
    let (query, name) = (case["query"].as_str().expect("query"), case["operationName"].as_str());
    let app = App::new(DbConfig::sqlite(common::fixture_db("introspection-kept"))).expect("app");
    let run = |name: Option<&str>| {
        let req = Request {
            query: Some(query.into()),
            operation_name: name.map(str::to_string),
            ..Request::default()
        };
        match relaylite::run(&app, &req) {
            Outcome::Executed { data, errors } if errors.is_empty() => data.to_json_string(),
            other => panic!("{other:?}"),
        }
    };
    assert!(app.schema().answers.get(query, name).is_none());
    let first = run(name);
    let kept = app.schema().answers.get(query, name).expect("kept after the first answer");
    assert_eq!(*kept, first);
    assert_eq!(run(name), first, "the same bytes again");
    let expected = serde_json::to_string(&case["response"]["data"]).expect("json");
    assert_eq!(first, expected, "the original's answer");
    // Kept by operation name too: another name is another answer (here none: an error).
    assert!(app.schema().answers.get(query, Some("Other")).is_none());
    // An operation with variables is not kept: they may change its answer.
    let typed = "query ($n: String!) { __type(name: $n) { name } }";
    let mut req = Request { query: Some(typed.into()), ..Request::default() };
    req.variables.insert("n".into(), serde_json::json!("Department"));
    assert!(
        matches!(relaylite::run(&app, &req), Outcome::Executed { ref errors, .. } if errors.is_empty())
    );
    assert!(app.schema().answers.get(typed, None).is_none());
    // An empty answer is not kept as text: a strict client is sent no `data` for it.
    let empty = "{ __typename @include(if: false) }";
    let req = Request { query: Some(empty.into()), ..Request::default() };
    match relaylite::run(&app, &req) {
        Outcome::Executed { data, errors } => {
            assert_eq!((data, errors.len()), (relaylite::json::Value::Object(Vec::new()), 0))
        }
        other => panic!("{other:?}"),
    }
}

/// The rows a statement returns and the virtual-machine steps SQLite took for them.
fn steps(
    db: &std::path::Path,
    (sql, params): &(String, Vec<relaylite::db::Param>),
) -> (Vec<i64>, i32) {
    use relaylite::db::Param;
    use rusqlite::types::Value as Sql;
    let conn = rusqlite::Connection::open(db).expect("open");
    let mut stmt = conn.prepare(sql).unwrap_or_else(|e| panic!("{sql}: {e}"));
    let values: Vec<Sql> = params
        .iter()
        .map(|p| match p {
            Param::Null => Sql::Null,
            Param::Int(i) => Sql::Integer(*i),
            Param::Real(f) => Sql::Real(*f),
            Param::Text(t) => Sql::Text(t.clone()),
            Param::Blob(b) => Sql::Blob(b.clone()),
        })
        .collect();
    let ids: Vec<i64> = stmt
        .query_map(rusqlite::params_from_iter(values), |r| r.get(0))
        .and_then(|rows| rows.collect())
        .expect("rows");
    (ids, stmt.get_status(rusqlite::StatementStatus::VmStep))
}

/// A database of `tables` whose `orders` hold `rows` (SQL value lists), and its app.
fn orders(name: &str, tables: &str, rows: &[String]) -> (std::path::PathBuf, App) {
    let extra = format!("{tables} INSERT INTO orders VALUES {};", rows.join(", "));
    let db = common::sqlite_once(name, "", &extra);
    let app = App::new(DbConfig::sqlite(db.clone())).expect("app");
    (db, app)
}

/// The ids `sql` selects, run straight on `db`.
fn selected_ids(db: &std::path::Path, sql: &str) -> Vec<i64> {
    let conn = rusqlite::Connection::open(db).expect("open");
    let mut stmt = conn.prepare(sql).unwrap_or_else(|e| panic!("{sql}: {e}"));
    stmt.query_map([], |r| r.get(0)).and_then(|r| r.collect()).expect("rows")
}

#[test]
fn a_keyset_page_past_nulls_seeks_instead_of_sorting_the_table() {
    use relaylite::db::Cell;
    use relaylite::db::sql::{Expr, Select, Term};
    // 20,000 orders, one in ten with no date, the dates indexed; pages by date, newest first,
    // where SQLite puts the NULLs last: no single index range holds the rows past a cursor.
    let rows: Vec<String> = (1..=20_000)
        .map(|i| match i % 10 {
            0 => format!("({i}, NULL)"),
            _ => format!("({i}, '2024-{:02}-{:02} {:05}')", 1 + i % 12, 1 + i % 28, i),
        })
        .collect();
    let tables = "CREATE TABLE orders (id INTEGER PRIMARY KEY, placed TEXT); CREATE INDEX orders_placed ON orders (placed);";
    let (db, app) = orders("keyset-seek", tables, &rows);
    let schema = app.schema();
    let model = &schema.model;
    let t = model.tables.iter().position(|t| t.name == "orders").expect("orders");
    let (id, placed) = (0, 1);
    let order = vec![(Term::of(placed), true), (Term::of(id), false)];
    let keyset =
        relaylite::exec::keyset::Keyset::new("Query.allOrders", model, &model.tables[t], &order);
    let middle: Vec<Cell> = vec![Cell::Int(10_001), Cell::Text("2024-06-10 10001".into())];
    let seek = keyset.seek(Some(&keyset.cursor(&middle)), None).expect("seek");
    assert_eq!(seek.parts.len(), 3, "before the date, the NULLs, the date's later keys");
    let mut select = Select::from(model, t);
    select.order = order;
    let in_parts = select.rows_in_parts(model, &seek.parts, (21, 0));
    let (ids, seeking) = steps(&db, &in_parts);
    // The same page read with one condition, `part OR part`: every row past the cursor is
    // gathered and sorted to keep 21.
    select.filter.push(Expr::Or(seek.parts.clone()));
    let (all_ids, sorting) = steps(&db, &select.rows(model, Some((21, 0))));
    assert_eq!(ids, all_ids, "the same page");
    assert_eq!(ids.len(), 21);
    assert!(seeking < 2_000, "{seeking} steps for 21 rows");
    assert!(sorting > 10 * seeking, "the condition alone: {sorting} steps");
}

#[test]
fn a_keyset_page_of_two_columns_seeks_into_the_first_columns_ties() {
    use relaylite::db::Cell;
    use relaylite::db::sql::{Select, Term};
    // 20,000 orders of two statuses, indexed on (status, placed); pages by status, then date:
    // the cursor stands in the middle of 10,000 orders of one status.
    let rows: Vec<String> = (1..=20_000)
        .map(|i| {
            format!(
                "({i}, '{}', '2024-{:02}-{:02} {:05}')",
                ["a", "b"][i % 2],
                1 + i % 12,
                1 + i % 28,
                i
            )
        })
        .collect();
    let tables = "CREATE TABLE orders (id INTEGER PRIMARY KEY, status TEXT NOT NULL, placed TEXT); CREATE INDEX orders_status_placed ON orders (status, placed);";
    let (db, app) = orders("keyset-two-columns", tables, &rows);
    let schema = app.schema();
    let model = &schema.model;
    let t = model.tables.iter().position(|t| t.name == "orders").expect("orders");
    let (id, status, placed) = (0, 1, 2);
    let order = vec![(Term::of(status), false), (Term::of(placed), false), (Term::of(id), false)];
    let keyset =
        relaylite::exec::keyset::Keyset::new("Query.allOrders", model, &model.tables[t], &order);
    let middle: Vec<Cell> =
        vec![Cell::Int(10_001), Cell::Text("b".into()), Cell::Text("2024-06-10 10001".into())];
    let seek = keyset.seek(Some(&keyset.cursor(&middle)), None).expect("seek");
    let mut select = Select::from(model, t);
    select.order = order;
    select.filter = seek.into_filter();
    let (ids, walked) = steps(&db, &select.rows(model, Some((21, 0))));
    let expected = selected_ids(
        &db,
        "SELECT id FROM orders WHERE (status, placed, id) > ('b', '2024-06-10 10001', 10001) ORDER BY status, placed, id LIMIT 21",
    );
    assert_eq!(ids, expected, "the page past the cursor");
    assert!(walked < 2_000, "{walked} steps for 21 rows past 5,000 of the same status");

    // Status ascending, dates descending: no row value holds the rows past the cursor, but
    // the index of both seeks each part (a later status; the status's earlier dates; …).
    let order = vec![(Term::of(status), false), (Term::of(placed), true), (Term::of(id), false)];
    let keyset =
        relaylite::exec::keyset::Keyset::new("Query.allOrders", model, &model.tables[t], &order);
    let seek = keyset.seek(Some(&keyset.cursor(&middle)), None).expect("seek");
    assert!(seek.filter.is_empty() && seek.parts.len() > 1, "read in parts");
    let mut select = Select::from(model, t);
    select.order = order;
    let (ids, mixed) = steps(&db, &select.rows_in_parts(model, &seek.parts, (21, 0)));
    let sql = "SELECT id FROM orders WHERE status > 'b' OR (status = 'b' AND (placed < '2024-06-10 10001' OR placed IS NULL OR (placed = '2024-06-10 10001' AND id > 10001))) ORDER BY status, placed DESC, id LIMIT 21";
    let expected = selected_ids(&db, sql);
    assert_eq!(ids, expected, "the mixed page past the cursor");
    assert!(mixed < 2_000, "{mixed} steps for 21 rows, the order's directions mixed");
}
