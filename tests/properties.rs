//! Property tests: tables nobody chose — random declared types (none among them, and a
//! NOCASE collation), random values of every storage class in any column (NULLs,
//! duplicates, integers in TEXT columns, text in INTEGER ones, binary fractions, NUMERIC
//! with a scale, BLOBs, dates and times in every text form SQLite's date functions accept) —
//! served, and checked against SQL on the same file: keyset pages in every column's order,
//! forwards and backwards, equal `ORDER BY` on the rowid table, on a WITHOUT ROWID table
//! with a compound key (one part NOCASE) and on a view whose key the model file names;
//! views without a key page with offset cursors in every order, every row once;
//! `totalCount` equals `count(*)`; every filter operator on values the columns hold selects
//! what SQL selects. A failing case shrinks to a small table: keep it as a regression case.

mod common;

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use common::walk::{Oracle, Walk};
use proptest::prelude::*;
use relaylite::App;
use relaylite::datetime;
use relaylite::db::DbConfig;
use relaylite::limits::Limits;
use rusqlite::types::Value as Sql;
use serde_json::{Value, json};

/// A value as SQL text, of any storage class.
#[derive(Debug, Clone)]
enum Stored {
    Null,
    Int(i64),
    Real(f64),
    Text(String),
    Blob(Vec<u8>),
}

impl Stored {
    fn sql(&self) -> String {
        match self {
            Stored::Null => "NULL".into(),
            Stored::Int(i) => i.to_string(),
            Stored::Real(f) => format!("{f:e}"),
            Stored::Text(s) => format!("'{}'", s.replace('\'', "''")),
            Stored::Blob(b) => {
                format!("X'{}'", b.iter().map(|x| format!("{x:02X}")).collect::<String>())
            }
        }
    }
}

fn stored() -> impl Strategy<Value = Stored> {
    prop_oneof![
        Just(Stored::Null),
        (-3i64..4).prop_map(Stored::Int),
        prop_oneof![Just(i64::MAX), Just(i64::MIN), Just(1i64 << 40)].prop_map(Stored::Int),
        prop_oneof![
            Just(0.5),
            Just(-1.25),
            Just(2.0),
            Just(0.1),
            Just(1e300),
            Just(-0.0),
            Just(3.0000000000000004)
        ]
        .prop_map(Stored::Real),
        prop_oneof![
            Just(""),
            Just("a"),
            Just("B"),
            Just("10"),
            Just("9"),
            Just("é"),
            Just("a b"),
            Just("1.5")
        ]
        .prop_map(|s| Stored::Text(s.to_string())),
        prop::collection::vec(any::<u8>(), 0..3).prop_map(Stored::Blob),
        // Dates and times in forms SQLite's date functions accept, some the same instant.
        prop_oneof![
            Just("2024-01-02"),
            Just("2024-01-02 03:04:05"),
            Just("2024-01-02T03:04:05"),
            Just("2024-01-02 03:04:05.000"),
            Just("2024-01-02 03:04:05.5"),
            Just("2024-01-01 23:04:05-04:00"),
            Just("1996-07-04 00:00:00.000"),
            Just("03:04:05"),
            Just("03:04"),
            Just("2024-01-02 03:04"),
        ]
        .prop_map(|s| Stored::Text(s.to_string())),
    ]
}

const TYPES: [&str; 11] = [
    "INTEGER",
    "REAL",
    "TEXT",
    "NUMERIC(10,2)",
    "BLOB",
    "",
    "VARCHAR(5)",
    "DATETIME",
    "DATE",
    "TIME",
    "TEXT COLLATE NOCASE",
];

#[derive(Debug, Clone)]
struct Case {
    types: Vec<&'static str>,
    rows: Vec<Vec<Stored>>,
    /// Rows of the WITHOUT ROWID table: its compound key (an integer, a NOCASE text; a
    /// repeated key is left out, as SQLite's `INSERT OR IGNORE` leaves it) and `c0`.
    keyed: Vec<(i64, &'static str, Stored)>,
}

fn case() -> impl Strategy<Value = Case> {
    let key_text = prop::sample::select(&["a", "A", "b", "B ", "é", "É", "", "10", "9"][..]);
    let keyed = prop::collection::vec((-2i64..3, key_text, stored()), 0..20);
    let table =
        prop::collection::vec(prop::sample::select(&TYPES[..]), 1..3).prop_flat_map(|types| {
            let width = types.len();
            prop::collection::vec(prop::collection::vec(stored(), width), 0..30)
                .prop_map(move |rows| (types.clone(), rows))
        });
    (table, keyed).prop_map(|((types, rows), keyed)| Case { types, rows, keyed })
}

fn database(case: &Case) -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!("relaylite-prop-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let path = dir.join(format!("{}.sqlite3", N.fetch_add(1, Ordering::Relaxed)));
    let _ = std::fs::remove_file(&path);
    let columns: Vec<String> =
        case.types.iter().enumerate().map(|(i, t)| format!("c{i} {t}")).collect();
    let mut sql = format!("CREATE TABLE t (id INTEGER PRIMARY KEY, {});", columns.join(", "));
    let names: Vec<String> = (0..case.types.len()).map(|i| format!("c{i}")).collect();
    sql.push_str(&format!("CREATE VIEW v AS SELECT {} FROM t;", names.join(", ")));
    sql.push_str(
        "CREATE VIEW agg AS SELECT c0 AS g, count(*) AS n, total(id) AS s FROM t GROUP BY c0;",
    );
    sql.push_str(&format!("CREATE VIEW vr AS SELECT id AS rid, {} FROM t;", names.join(", ")));
    sql.push_str(&format!("CREATE VIEW kv AS SELECT id AS vid, {} FROM t;", names.join(", ")));
    sql.push_str(&format!(
        "CREATE TABLE w (k1 INTEGER, k2 TEXT COLLATE NOCASE, c0 {}, PRIMARY KEY (k1, k2)) WITHOUT ROWID;",
        case.types[0]
    ));
    for (i, row) in case.rows.iter().enumerate() {
        let values: Vec<String> = row.iter().map(Stored::sql).collect();
        sql.push_str(&format!("INSERT INTO t VALUES ({}, {});", i + 1, values.join(", ")));
    }
    for (k1, k2, c0) in &case.keyed {
        let k2 = Stored::Text(k2.to_string()).sql();
        sql.push_str(&format!("INSERT OR IGNORE INTO w VALUES ({k1}, {k2}, {});", c0.sql()));
    }
    rusqlite::Connection::open(&path).and_then(|c| c.execute_batch(&sql)).expect("load");
    path
}

/// The root connection of `table`.
fn connection(walk: &Walk<'_>, table: &str) -> String {
    let schema = walk.app.schema();
    let t = schema.model.tables.iter().find(|t| t.name == table).expect("the table");
    t.root.as_ref().expect("a root connection").name.clone()
}

/// A view's rows, paged `size` at a time with offset cursors: every row once.
fn view_pages_through(walk: &Walk<'_>, view: &str, size: usize) -> usize {
    let conn = connection(walk, view);
    let query = format!(
        "query ($after: String) {{ {conn}(first: {size}, after: $after) {{ totalCount edges {{ cursor }} pageInfo {{ hasNextPage endCursor }} }} }}"
    );
    let (mut cursors, mut after) = (Vec::new(), Value::Null);
    loop {
        let d = walk.data(&query, json!({ "after": after }));
        let page = &d[conn.as_str()];
        cursors
            .extend(page["edges"].as_array().expect("edges").iter().map(|e| e["cursor"].clone()));
        if page["pageInfo"]["hasNextPage"] != json!(true) {
            let total = page["totalCount"].as_u64().expect("totalCount") as usize;
            assert_eq!(total, cursors.len(), "the view's totalCount");
            let mut distinct: Vec<String> = cursors.iter().map(Value::to_string).collect();
            distinct.sort();
            distinct.dedup();
            assert_eq!(distinct.len(), cursors.len(), "each row of the view once");
            return cursors.len();
        }
        after = page["pageInfo"]["endCursor"].clone();
    }
}

/// A stored value as a GraphQL literal of a column served as `scalar`, and as the SQL
/// value the filter binds; `None` where the scalar cannot hold it.
fn literal(value: &Stored, scalar: &str) -> Option<(String, Sql)> {
    match (scalar, value) {
        ("Int", Stored::Int(i)) if i32::try_from(*i).is_ok() => {
            Some((i.to_string(), Sql::Integer(*i)))
        }
        ("Float", Stored::Int(i)) if i32::try_from(*i).is_ok() => {
            Some((i.to_string(), Sql::Integer(*i)))
        }
        ("Float", Stored::Real(f)) => Some((format!("{f:?}"), Sql::Real(*f))),
        ("String", Stored::Text(t)) => Some((json!(t).to_string(), Sql::Text(t.clone()))),
        ("Date", Stored::Text(t)) if datetime::fromisoformat_date(t).is_some() => {
            Some((json!(t).to_string(), Sql::Text(t.clone())))
        }
        ("Time", Stored::Text(t)) if datetime::fromisoformat_time(t).is_some() => {
            Some((json!(t).to_string(), Sql::Text(t.clone())))
        }
        // A filter's offset is dropped, as the original drops it (BEHAVIOURS.md): its wall time.
        ("DateTime", Stored::Text(t)) => {
            datetime::isoparse(t).map(|(d, _)| (json!(t).to_string(), Sql::Text(d.storage())))
        }
        _ => None,
    }
}

/// Every comparison operator of every column's filter (but a BLOB column's), on values the
/// column holds, selects the rows SQL's comparison selects: dates and times compared as the
/// instants SQLite's stored forms denote, through relaylite's SQL functions.
fn filters_select_what_sql_selects(walk: &Walk<'_>, case: &Case) {
    let model = &walk.app.schema().model;
    let table = model.tables.iter().find(|t| t.name == "t").expect("t");
    for i in 0..case.types.len() {
        let c = table.column(&format!("c{i}")).expect("column");
        // A BLOB column's strings also find the bytes they are base64 of: tests/views.rs.
        if table.columns[c].scalar == relaylite::model::Scalar::Blob {
            continue;
        }
        let scalar = table.columns[c].scalar.graphql();
        let ops = table.columns[c].scalar.filter().expect("a filter").ops;
        let through = |x: &str| match table.columns[c].scalar.comparable() {
            Some(kind) => format!("{}({x})", kind.sql_function()),
            None => x.to_string(),
        };
        let values: Vec<_> =
            case.rows.iter().filter_map(|r| literal(&r[i], scalar)).take(3).collect();
        for (a, (lit, sql_value)) in values.iter().enumerate() {
            let (other, other_sql) = &values[(a + 1) % values.len()];
            let mut cases = vec![
                (format!("eq: {lit}"), "= ?", vec![sql_value.clone()]),
                (format!("nEq: {lit}"), "!= ?", vec![sql_value.clone()]),
                (format!("gt: {lit}"), "> ?", vec![sql_value.clone()]),
                (format!("lte: {lit}"), "<= ?", vec![sql_value.clone()]),
                (format!("gte: {lit}"), ">= ?", vec![sql_value.clone()]),
                (format!("lt: {lit}"), "< ?", vec![sql_value.clone()]),
                (
                    format!("in: [{lit}, {other}]"),
                    "IN (?, ?)",
                    vec![sql_value.clone(), other_sql.clone()],
                ),
                (
                    format!("notIn: [{lit}, {other}]"),
                    "NOT IN (?, ?)",
                    vec![sql_value.clone(), other_sql.clone()],
                ),
            ];
            if let rusqlite::types::Value::Text(t) = sql_value {
                // The value's first character and a wildcard, and the value itself.
                let prefix: String = t.chars().take(1).chain(['%']).collect();
                for pattern in [prefix, t.clone()] {
                    let (lit, bound) = (json!(pattern).to_string(), Sql::Text(pattern));
                    cases.push((format!("like: {lit}"), "LIKE ?", vec![bound.clone()]));
                    cases.push((format!("notlike: {lit}"), "NOT LIKE ?", vec![bound.clone()]));
                    cases.push((format!("ilike: {lit}"), "ILIKE", vec![bound]));
                }
            }
            for (op, cmp, params) in cases {
                if !ops.iter().any(|o| op.starts_with(&format!("{}:", o.name()))) {
                    continue;
                }
                let query = format!(
                    "{{ allTs(filter: {{c{i}: {{{op}}}}}) {{ totalCount edges {{ node {{ id }} }} }} }}"
                );
                let d = walk.data(&query, json!({}));
                let got: Vec<Value> = d["allTs"]["edges"]
                    .as_array()
                    .expect("edges")
                    .iter()
                    .map(|e| e["node"]["id"].clone())
                    .collect();
                // SQLAlchemy's `ilike` on SQLite.
                let condition = match cmp {
                    "ILIKE" => format!("lower(c{i}) LIKE lower(?)"),
                    _ => {
                        format!("{} {}", through(&format!("c{i}")), cmp.replace('?', &through("?")))
                    }
                };
                let rows =
                    walk.sql(&format!("SELECT id FROM t WHERE {condition} ORDER BY id"), &params);
                let expected: Vec<Value> = rows
                    .iter()
                    .map(|r| match &r[0] {
                        rusqlite::types::Value::Integer(n) => {
                            json!(common::walk::global_id_of("T", &n.to_string()))
                        }
                        other => panic!("{other:?}"),
                    })
                    .collect();
                assert_eq!(got, expected, "{query}");
                assert_eq!(d["allTs"]["totalCount"], json!(expected.len()), "{query}");
            }
        }
    }
}

/// A view without a key, paged with offset cursors in each column's order, forwards and
/// backwards: the rows SQL's `ORDER BY` gives (ties in the order of the view's columns, of
/// which the first is the row's id).
fn view_pages_in_every_order(walk: &Walk<'_>) {
    let schema = walk.app.schema();
    let view = schema.model.tables.iter().find(|t| t.name == "vr").expect("vr");
    let conn = &view.root.as_ref().expect("a root").name;
    for (c, stem) in view.sort_names.iter().enumerate() {
        let Some(stem) = stem else { continue };
        let column = match view.columns[c].scalar.comparable() {
            Some(kind) => format!("{}({})", kind.sql_function(), view.columns[c].name),
            None => view.columns[c].name.clone(),
        };
        for dir in ["ASC", "DESC"] {
            let rows = walk.sql(&format!("SELECT rid FROM vr ORDER BY {column} {dir}, rid"), &[]);
            let expected: Vec<Value> = rows
                .iter()
                .map(|r| match r[0] {
                    Sql::Integer(i) => json!(i),
                    _ => panic!("rid"),
                })
                .collect();
            for (arg, cursor_arg, more, next) in [
                ("first", "after", "hasNextPage", "endCursor"),
                ("last", "before", "hasPreviousPage", "startCursor"),
            ] {
                let query = format!(
                    "query ($c: String) {{ {conn}(sort: [{stem}_{dir}], {arg}: 3, {cursor_arg}: $c) {{ edges {{ node {{ rid }} }} pageInfo {{ {more} {next} }} }} }}"
                );
                let (mut got, mut cursor) = (Vec::new(), Value::Null);
                loop {
                    let d = walk.data(&query, json!({ "c": cursor }));
                    let page = &d[conn.as_str()];
                    let rids = page["edges"]
                        .as_array()
                        .expect("edges")
                        .iter()
                        .map(|e| e["node"]["rid"].clone());
                    match arg {
                        "first" => got.extend(rids),
                        _ => got.splice(0..0, rids).for_each(drop),
                    }
                    if page["pageInfo"][more] != json!(true) {
                        break;
                    }
                    cursor = page["pageInfo"][next].clone();
                }
                assert_eq!(got, expected, "{conn} by {stem}_{dir}, {arg}");
            }
        }
    }
}

/// The model reflection gives the file, with the view `kv` keyed by `vid`: its printed
/// model file, edited as a user would.
fn keyed_view_model(path: &std::path::Path) -> String {
    let app = App::new(DbConfig::sqlite(path.to_path_buf())).expect("app");
    let printed = relaylite::model::file::print(&app.schema().model, "a test");
    let at = printed.find("table = \"kv\"\n").expect("the view's type");
    let (head, tail) = printed.split_at(at);
    let tail = tail.replacen("cursors = \"offset\"", "cursors = \"keyset\"", 1);
    format!("{head}key = [\"vid\"]\n{tail}")
}

fn check(case: &Case) {
    let path = database(case);
    let file = keyed_view_model(&path);
    let config = DbConfig::sqlite(path.clone());
    let app = App::open(config, Limits::default(), Some(("model.toml".into(), file)))
        .expect("the model file");
    let walk = Walk { app: &app, oracle: Oracle::Sqlite(&path) };
    let schema = app.schema();
    let mut keyset: Vec<&str> =
        common::walk::roots(&schema.model).map(|(_, t)| t.name.as_str()).collect();
    keyset.sort();
    assert_eq!(keyset, ["kv", "t", "w"], "the tables paged with keyset cursors");
    walk.every_table_pages_through_with_cursors();
    walk.every_column_pages_through_in_its_order();
    filters_select_what_sql_selects(&walk, case);
    assert_eq!(view_pages_through(&walk, "v", 4), case.rows.len());
    view_pages_in_every_order(&walk);
    let groups = walk.sql("SELECT count(*) FROM agg", &[]);
    assert_eq!(vec![vec![Sql::Integer(view_pages_through(&walk, "agg", 3) as i64)]], groups);
    let _ = std::fs::remove_file(&path);
}

/// 96 cases in `cargo test`; `PROPTEST_CASES=5000` for a longer search.
fn config() -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES").ok().and_then(|n| n.parse().ok());
    ProptestConfig { cases: cases.unwrap_or(96), ..ProptestConfig::default() }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn keyset_and_offset_pages_equal_sql_on_any_table(case in case()) {
        check(&case);
    }
}
