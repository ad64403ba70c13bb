//! The conformance corpus, recorded from the Python original, replayed over real HTTP.
//!
//! One test walks `tests/conformance/cases/*.json` (the shared corpus) and `tests/cases/*.json`
//! (cases of our own, recorded from the original with `tests/differential/record.py`) — adding
//! a case is adding a file — and compares status and body JSON, including key order, as the
//! corpus README prescribes.

mod common;

use serde_json::{Value, json};

#[test]
fn every_corpus_case_matches_the_original() {
    let db = common::fixture_db("conformance");
    let addr = common::start_server(&db);
    let root = common::conformance_dir();
    let dirs = [root.join("cases"), root.join("../cases")];
    let mut paths: Vec<_> = dirs
        .iter()
        .flat_map(|d| std::fs::read_dir(d).expect("cases dir").map(|e| e.expect("entry").path()))
        .collect();
    paths.sort();
    let mut failures = Vec::new();
    for path in &paths {
        let case: Value = serde_json::from_str(&std::fs::read_to_string(path).expect("read case"))
            .expect("case JSON");
        let mut request = serde_json::Map::new();
        for key in ["query", "variables", "operationName"] {
            if let Some(v) = case.get(key) {
                request.insert(key.into(), v.clone());
            }
        }
        let resp = common::post_json(addr, &Value::Object(request));
        let expected = match &case["response"] {
            Value::Null => json!({"errors": [{"message": case["body"]}]}),
            v => v.clone(),
        };
        let status = case["status"].as_u64().unwrap_or(0) as u16;
        let got: Value = serde_json::from_slice(&resp.body).unwrap_or(Value::Null);
        if resp.status != status || common::ordered(&got) != common::ordered(&expected) {
            let (got, want) = (common::ordered(&got), common::ordered(&expected));
            let at = got.bytes().zip(want.bytes()).take_while(|(a, b)| a == b).count();
            let from = at.saturating_sub(80);
            failures.push(format!(
                "{}: status {} (want {status}); bodies differ at byte {at}\n  got:  …{}\n  want: …{}",
                path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(),
                resp.status,
                got.get(from..(at + 120).min(got.len())).unwrap_or(&got),
                want.get(from..(at + 120).min(want.len())).unwrap_or(&want),
            ));
        }
        if resp.status == 200 && resp.header("content-type") != case["content_type"].as_str() {
            failures.push(format!(
                "{}: content type {:?}",
                path.display(),
                resp.header("content-type")
            ));
        }
    }
    assert!(paths.len() >= 100, "corpus has {} cases", paths.len());
    assert!(
        failures.is_empty(),
        "{} of {} cases differ:\n{}",
        failures.len(),
        paths.len(),
        failures.join("\n")
    );
}

#[test]
fn printed_schema_is_byte_identical_to_the_original() {
    let expected = std::fs::read_to_string(common::conformance_dir().join("schema.graphql"))
        .expect("schema.graphql");
    let app = relaylite::App::new(relaylite::db::DbConfig::sqlite(common::fixture_db("sdl")))
        .expect("app");
    let ours = relaylite::schema::sdl::print_sdl(app.schema());
    assert_eq!(format!("{ours}\n"), expected);
}
