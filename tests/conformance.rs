//! The conformance corpus, recorded from the Python original, replayed over real HTTP.
//!
//! One test walks `tests/conformance/cases/*.json` (the shared corpus) and `tests/cases/*.json`
//! (cases of our own, recorded from the original with `tests/differential/record.py`) — adding
//! a case is adding a file — and compares status and body JSON, including key order, as the
//! corpus README prescribes.

mod common;

#[test]
fn every_corpus_case_matches_the_original() {
    let db = common::fixture_db("conformance");
    let addr = common::start_server(&db);
    let (cases, failures) = common::corpus::differences(addr, None);
    assert!(cases >= 100, "corpus has {cases} cases");
    assert!(
        failures.is_empty(),
        "{} of {cases} cases differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn printed_schema_is_byte_identical_to_the_original() {
    let expected = std::fs::read_to_string(common::conformance_dir().join("schema.graphql"))
        .expect("schema.graphql");
    let app = relaylite::App::new(relaylite::db::DbConfig::sqlite(common::fixture_db("sdl")))
        .expect("app");
    let ours = relaylite::schema::sdl::print_sdl(&app.schema());
    assert_eq!(format!("{ours}\n"), expected);
}
