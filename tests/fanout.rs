//! A related row under many parents is built once and shared: a fan-out through
//! many-to-many relationships is refused from the rows it fetched, before the answer is
//! expanded (a counting allocator in this binary shows what the request allocated), and a
//! shared subtree's field errors stand at every place the subtree does.

mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::path::PathBuf;

use relaylite::db::DbConfig;
use relaylite::limits::Limits;
use relaylite::{App, Outcome, Request};
use serde_json::{Value, json};

/// Counts what the thread that asked for counting allocates: the bytes in all, and the
/// most it held at once.
struct Counting;

thread_local! {
    static COUNTING: Cell<bool> = const { Cell::new(false) };
    static LIVE: Cell<u64> = const { Cell::new(0) };
    static PEAK: Cell<u64> = const { Cell::new(0) };
    static TOTAL: Cell<u64> = const { Cell::new(0) };
}

fn counted(grow: u64, shrink: u64) {
    if COUNTING.with(Cell::get) {
        let live = LIVE.with(|l| l.get()).saturating_add(grow).saturating_sub(shrink);
        LIVE.with(|l| l.set(live));
        PEAK.with(|p| p.set(p.get().max(live)));
        TOTAL.with(|t| t.set(t.get() + grow));
    }
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        counted(layout.size() as u64, 0);
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        counted(0, layout.size() as u64);
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        counted(new_size as u64, layout.size() as u64);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Runs `query` in-process, counting this thread's allocations: the response's JSON, the
/// bytes allocated in all and the most held at once.
fn run_counted(app: &App, query: &str) -> (Value, u64, u64) {
    let req = Request { query: Some(query.into()), ..Request::default() };
    // Once first, so that the schema's and the statements' caches are not counted.
    let _ = relaylite::run(app, &req);
    LIVE.with(|l| l.set(0));
    PEAK.with(|p| p.set(0));
    TOTAL.with(|t| t.set(0));
    COUNTING.with(|c| c.set(true));
    let body = match relaylite::run(app, &req) {
        Outcome::Executed { data, errors } => relaylite::response_json(Some(&data), &errors),
        other => panic!("not executed: {other:?}"),
    };
    COUNTING.with(|c| c.set(false));
    let json = serde_json::from_str(&body).expect("json");
    (json, TOTAL.with(Cell::get), PEAK.with(Cell::get))
}

fn app(path: PathBuf, limits: Limits) -> App {
    App::open(DbConfig::sqlite(path), limits, None).expect("app")
}

fn with(flag: &str, value: u64) -> Limits {
    let mut limits = Limits::default();
    assert!(limits.set(flag, value), "{flag}");
    limits
}

/// 1,000 items with 5 tags each out of 200: every tag is on 25 items.
fn items_and_tags() -> PathBuf {
    let mut sql = String::from(
        "CREATE TABLE item (id INTEGER PRIMARY KEY, name TEXT);
         CREATE TABLE tag (id INTEGER PRIMARY KEY, name TEXT);
         CREATE TABLE item_tag (item_id INTEGER NOT NULL REFERENCES item (id),
           tag_id INTEGER NOT NULL REFERENCES tag (id), PRIMARY KEY (item_id, tag_id));
         WITH RECURSIVE n(value) AS (SELECT 1 UNION ALL SELECT value + 1 FROM n WHERE value < 1000)
         INSERT INTO item SELECT value, 'item ' || value FROM n;
         INSERT INTO tag SELECT id, 'tag ' || id FROM item WHERE id <= 200;",
    );
    for k in 0..5 {
        sql.push_str(&format!(
            "INSERT INTO item_tag SELECT id, (id * 7 + {k} * 41) % 200 + 1 FROM item;"
        ));
    }
    common::sqlite_once("items-and-tags", "", &sql)
}

fn chinook() -> PathBuf {
    common::sqlite_once("fanout-chinook", "tests/realdb/chinook.sql", "")
}

const PLAYLISTS: &str = "{ allPlaylists { nodes { tracks { nodes { playlists { nodes { tracks { nodes { trackId } } } } } } } } }";
const ITEMS: &str = "{ allItems { nodes { tags { nodes { items { nodes { tags { nodes { items { nodes { id } } } } } } } } } } }";

/// Bytes a refused fan-out may allocate in all, and hold at once: a few times what the rows
/// it fetched take (Chinook's three link levels: 26,145 rows), where expanding the answer
/// took tens of gigabytes.
const MAX_ALLOCATED: u64 = 64 << 20;
const MAX_HELD: u64 = 16 << 20;

#[test]
fn fan_outs_are_refused_from_their_fetched_rows_before_they_are_expanded() {
    for (name, path, query) in
        [("chinook", chinook(), PLAYLISTS), ("items and tags", items_and_tags(), ITEMS)]
    {
        // The rows the answer would show, as it expands them, pass --max-nodes first; with
        // that lifted, its values pass --max-values. Neither is built to be counted.
        for (limits, flag) in [
            (Limits::default(), "(--max-nodes)."),
            (with("--max-nodes", u64::MAX), "(--max-values)."),
        ] {
            let (body, total, peak) = run_counted(&app(path.clone(), limits), query);
            assert_eq!(body["data"], Value::Null, "{name}");
            assert!(common::message(&body).ends_with(flag), "{name}: {}", common::message(&body));
            eprintln!("{name}, refused {flag}: {total} bytes allocated, at most {peak} held");
            assert!(total < MAX_ALLOCATED, "{name}: {total} bytes allocated");
            assert!(peak < MAX_HELD, "{name}: {peak} bytes held at once");
        }
    }
    // The same shape with small pages is answered as before.
    let small = "{ allPlaylists(first: 2) { nodes { name tracks(first: 1) { nodes { name playlists(first: 2) { nodes { name tracks(first: 1) { nodes { trackId } } } } } } } } }";
    let (body, _, _) = run_counted(&app(chinook(), Limits::default()), small);
    let expected = json!({"allPlaylists": {"nodes": [
        {"name": "Music", "tracks": {"nodes": [{"name": "For Those About To Rock (We Salute You)",
          "playlists": {"nodes": [{"name": "Music", "tracks": {"nodes": [{"trackId": "1"}]}},
                                  {"name": "Music", "tracks": {"nodes": [{"trackId": "1"}]}}]}}]}},
        {"name": "Movies", "tracks": {"nodes": []}}]}});
    assert_eq!(body, json!({ "data": expected }));
}

const PETS: &str = "
CREATE TABLE owner (id INTEGER PRIMARY KEY, n INTEGER);
CREATE TABLE pet (id INTEGER PRIMARY KEY, owner_id INTEGER REFERENCES owner (id),
  weight INTEGER NOT NULL);
INSERT INTO owner VALUES (1, 'oops'), (2, 7);
INSERT INTO pet VALUES (1, 1, 3), (2, 1, 'heavy'), (3, 1, 4), (4, 2, 5), (5, NULL, 6);
";

/// Every path in `data` at which `leaf` is null, as a list of keys and indexes.
fn nulls_at(data: &Value, leaf: &str, at: &mut Vec<Value>, out: &mut Vec<Value>) {
    match data {
        Value::Object(fields) => {
            for (k, v) in fields {
                at.push(json!(k));
                if k == leaf && v.is_null() {
                    out.push(Value::Array(at.clone()));
                }
                nulls_at(v, leaf, at, out);
                at.pop();
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                at.push(json!(i));
                nulls_at(v, leaf, at, out);
                at.pop();
            }
        }
        _ => {}
    }
}

#[test]
fn a_shared_subtree_has_its_field_errors_at_every_place_it_stands() {
    let path = common::sqlite_once("pets", "", PETS);
    let app = app(path, Limits::default());
    // Owner 1 (whose `n` is text) stands under pets 1-3, at two levels; pet 2's weight
    // (text in a NOT NULL column) nulls pet 2 wherever owner 1's pets are listed.
    let query = "{ allPets { nodes { owner { n pets { nodes { weight owner { n } } } } } } }";
    let (body, _, _) = run_counted(&app, query);
    let pet = |w: Option<i64>| match w {
        Some(w) => json!({"weight": w, "owner": {"n": null}}),
        None => Value::Null,
    };
    let first = json!({"n": null, "pets": {"nodes": [pet(Some(3)), pet(None), pet(Some(4))]}});
    let second = json!({"n": 7, "pets": {"nodes": [{"weight": 5, "owner": {"n": 7}}]}});
    let expected = json!({"allPets": {"nodes": [
        {"owner": first}, {"owner": first}, {"owner": first}, {"owner": second}, {"owner": null}]}});
    assert_eq!(body["data"], expected);

    let errors = body["errors"].as_array().expect("errors");
    let paths: Vec<&Value> = errors.iter().map(|e| &e["path"]).collect();
    let mut wanted = Vec::new();
    nulls_at(&body["data"], "n", &mut Vec::new(), &mut wanted);
    for p in 0..3 {
        let node = |i: usize| json!(["allPets", "nodes", p, "owner", "pets", "nodes", i]);
        let weight = node(1).as_array().map(|a| [a.clone(), vec![json!("weight")]].concat());
        wanted.push(Value::Array(weight.unwrap_or_default()));
        // Pet 2 is null, but its other fields are resolved all the same, errors and all,
        // as before shared subtrees.
        wanted.push(json!(["allPets", "nodes", p, "owner", "pets", "nodes", 1, "owner", "n"]));
    }
    let mut got: Vec<String> = paths.iter().map(|p| p.to_string()).collect();
    let mut wanted: Vec<String> = wanted.iter().map(Value::to_string).collect();
    got.sort();
    wanted.sort();
    wanted.dedup();
    assert_eq!(got, wanted);
    for e in errors {
        let text = e["message"].as_str().unwrap_or_default();
        assert!(text.contains("'oops'") || text.contains("'heavy'"), "{text}");
    }
}

#[test]
fn the_deadline_bounds_building_and_writing_not_only_statements() {
    let path = common::sqlite_once("pets-deadline", "", PETS);
    // No statement runs for `__typename`: only the executor's own clock can stop it.
    let (body, _, _) = run_counted(&app(path, with("--timeout-ms", 0)), "{ __typename }");
    assert_eq!(body["data"], Value::Null);
    assert!(common::message(&body).ends_with("(--timeout-ms)."), "{}", common::message(&body));

    // Writing, as the server writes: an answer still being written at its deadline stops,
    // and the answer is the timeout error.
    use relaylite::json::{Clock, Value as Answer};
    let data = Answer::List(vec![Answer::Object(Vec::new()); 100_000]);
    let past = std::time::Instant::now();
    let mut text = String::new();
    let written = relaylite::write_response(Some(&data), &[], &mut text, &mut Clock::until(past));
    assert!(written.is_err(), "stopped past its deadline");
    let text = relaylite::timed_out_json(true, &Limits::default());
    let body: Value = serde_json::from_str(&text).expect("json");
    assert_eq!(body["data"], Value::Null);
    assert!(common::message(&body).ends_with("(--timeout-ms)."), "{text}");
    let mut later = Clock::until(past + std::time::Duration::from_secs(60));
    let mut text = String::new();
    relaylite::write_response(Some(&data), &[], &mut text, &mut later).expect("in time");
    assert_eq!(text.len(), "{\"data\":[]}".len() + 3 * 100_000 - 1);
}

#[test]
fn a_parent_that_links_to_nothing_has_an_empty_page_beside_parents_that_link() {
    let sql = "CREATE TABLE parent (id INTEGER PRIMARY KEY, name TEXT, code TEXT UNIQUE);
        CREATE TABLE child (id INTEGER PRIMARY KEY, label TEXT, parent_code TEXT REFERENCES parent (code));
        INSERT INTO parent VALUES (1, 'N', NULL), (2, 'A', 'a'), (3, 'M', NULL);
        INSERT INTO child VALUES (1, 'x', 'a'), (2, 'y', 'a');";
    let app = app(common::sqlite_once("null-links", "", sql), Limits::default());
    let query = "{ allParents { edges { node { name children { totalCount edges { node { label } } } } } } }";
    let (body, _, _) = run_counted(&app, query);
    let empty = json!({"totalCount": 0, "edges": []});
    let two =
        json!({"totalCount": 2, "edges": [{"node": {"label": "x"}}, {"node": {"label": "y"}}]});
    let expected = json!({"allParents": {"edges": [
        {"node": {"name": "N", "children": empty}},
        {"node": {"name": "A", "children": two}},
        {"node": {"name": "M", "children": empty}}]}});
    assert_eq!(body, json!({ "data": expected }));
}
