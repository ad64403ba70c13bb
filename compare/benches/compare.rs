//! The four-way in-process comparison: relaylite's executor, async-graphql, juniper and the
//! hand-written floor, on the bench database (Q1–Q3, the introspection query) and on the
//! fixture database (the example app's query). Before timing, every implementation's answer
//! is checked to be the same JSON as relaylite's (introspection: relaylite and the floor;
//! the framework schemas declare only what the benchmark queries use).
//!
//! Run from the repository root with `cargo bench` (which builds this crate in its own
//! target directory) or here with `cargo bench --bench compare`.

use std::sync::{Arc, Mutex};

use criterion::{Criterion, criterion_group, criterion_main};
use relaylite::db::DbConfig;
use relaylite::{App, Outcome, Request};
use relaylite_compare::{Rows, agql, databases, floor::Floor, juni, queries};

fn relaylite_json(app: &App, query: &str) -> String {
    let req = Request { query: Some(query.to_string()), ..Request::default() };
    match relaylite::run(app, &req) {
        Outcome::Executed { data, errors } => relaylite::response_json(Some(&data), &errors),
        other => panic!("relaylite failed: {other:?}"),
    }
}

fn parsed(json: &str) -> serde_json::Value {
    serde_json::from_str(json).unwrap_or_else(|e| panic!("not JSON ({e}): {json}"))
}

fn canonical(json: &str) -> String {
    let v: serde_json::Value =
        serde_json::from_str(json).unwrap_or_else(|e| panic!("not JSON ({e}): {json}"));
    serde_json::to_string(&v).unwrap_or_default()
}

struct Contestants {
    app: App,
    floor: Floor,
    agql: agql::AgSchema,
    juniper: juni::JuSchema,
    juniper_rows: Arc<Mutex<Rows>>,
}

fn contestants(db: &std::path::Path, introspection: &str) -> Contestants {
    let app = App::new(DbConfig::sqlite(db.to_path_buf())).expect("app");
    let introspection_json = relaylite_json(&app, introspection);
    Contestants {
        floor: Floor::new(Rows::open(db), introspection_json),
        agql: agql::schema(Rows::open(db)),
        juniper: juni::schema(),
        juniper_rows: Arc::new(Mutex::new(Rows::open(db))),
        app,
    }
}

fn compare(c: &mut Criterion) {
    let (bench_db, fixture_db) = databases();
    let queries = queries();
    let introspection = queries
        .iter()
        .find(|(n, _)| *n == "introspection")
        .map(|(_, q)| q.clone())
        .unwrap_or_default();
    let bench = contestants(&bench_db, &introspection);
    let fixture = contestants(&fixture_db, &introspection);
    let runtime =
        tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");

    for (name, query) in &queries {
        let k = if *name == "fixture" { &fixture } else { &bench };
        let ours = relaylite_json(&k.app, query);
        let floor = k.floor.run(name);
        let ag = runtime.block_on(agql::run(&k.agql, query));
        let ju = juni::run(&k.juniper, &k.juniper_rows, query);
        assert_eq!(canonical(&floor), canonical(&ours), "{name}: floor differs from relaylite");
        if *name == "introspection" {
            for (who, answer) in [("async-graphql", &ag), ("juniper", &ju)] {
                assert!(
                    answer.starts_with("{\"data\":{\"__schema\"") && !answer.contains("\"errors\""),
                    "{who}: {answer}"
                );
            }
        } else {
            // async-graphql may emit an object's keys in the order its futures completed
            // (a field that resolves without awaiting comes first), so its answer is compared
            // as a JSON value; every other answer must match key for key.
            assert_eq!(parsed(&ag), parsed(&ours), "{name}: async-graphql differs from relaylite");
            assert_eq!(canonical(&ju), canonical(&ours), "{name}: juniper differs from relaylite");
        }
        let mut group = c.benchmark_group(*name);
        group.bench_function("relaylite", |b| b.iter(|| relaylite_json(&k.app, query)));
        group.bench_function("floor", |b| b.iter(|| k.floor.run(name)));
        group.bench_function("async-graphql", |b| {
            b.iter(|| runtime.block_on(agql::run(&k.agql, query)))
        });
        group.bench_function("juniper", |b| {
            b.iter(|| juni::run(&k.juniper, &k.juniper_rows, query))
        });
        group.finish();
    }
    // Filters through relationships: relaylite only (the framework apps have no filters).
    let mut group = c.benchmark_group("filters");
    for levels in [2, 3, 6] {
        let path =
            format!("{}/../benches/queries/filter{levels}.graphql", env!("CARGO_MANIFEST_DIR"));
        let query = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        let answer = relaylite_json(&bench.app, &query);
        assert!(!answer.contains("\"errors\""), "filter{levels}: {answer}");
        group.bench_function(format!("relaylite {levels} levels"), |b| {
            b.iter(|| relaylite_json(&bench.app, &query))
        });
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(30).measurement_time(std::time::Duration::from_secs(3)).warm_up_time(std::time::Duration::from_secs(1));
    targets = compare
}
criterion_main!(benches);
