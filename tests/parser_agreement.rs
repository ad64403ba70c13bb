//! relaylite's parser against graphql-parser, on every query of the corpus and our cases.
//!
//! relaylite parses with its own lexer and parser (graphql-parser's tree has no positions
//! for arguments or values, and keeps object fields in a map, so graphql-core's error
//! locations and duplicate-field checks could not be reproduced on it). graphql-parser
//! stays as an independent oracle: both must accept and reject the same documents, except
//! where graphql-core 3.2.14 (which relaylite follows) differs on purpose — descriptions
//! on operations, type-system definitions in a request, and its nesting limit.

use serde_json::Value;

fn queries() -> Vec<(String, String)> {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/tests");
    let mut out = Vec::new();
    for dir in ["conformance/cases", "cases"] {
        let entries = std::fs::read_dir(format!("{root}/{dir}")).expect("cases");
        for e in entries {
            let path = e.expect("entry").path();
            let case: Value =
                serde_json::from_str(&std::fs::read_to_string(&path).expect("read")).expect("json");
            if let Some(q) = case["query"].as_str() {
                out.push((path.display().to_string(), q.to_string()));
            }
        }
    }
    out
}

/// Cases where graphql-core 3.2.14, and so relaylite, parses differently by design.
const GRAPHQL_CORE_ONLY: [&str; 4] = [
    "syntax_descriptions_on_operations",
    "syntax_description_on_shorthand",
    "syntax_nested_too_deeply",
    "rule_executable_definitions",
];

fn graphql_core_only(name: &str) -> bool {
    GRAPHQL_CORE_ONLY.iter().any(|c| name.ends_with(&format!("/{c}.json")))
}

#[test]
fn both_parsers_accept_and_reject_the_same_documents() {
    let mut checked = 0;
    for (name, query) in queries() {
        if graphql_core_only(&name) {
            continue;
        }
        let ours = relaylite::graphql::parse::parse(&query).is_ok();
        let theirs = graphql_parser::parse_query::<String>(&query).is_ok();
        assert_eq!(ours, theirs, "{name}: relaylite {ours}, graphql-parser {theirs}\n{query}");
        checked += 1;
    }
    assert!(checked > 100, "checked {checked} documents");
}
