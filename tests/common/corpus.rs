//! The conformance corpus as data: every case file replayed against a server, compared by
//! status and body JSON (key order included) as the corpus README prescribes.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde_json::{Value, json};

/// Every case file: the shared corpus's and ours, sorted.
pub fn case_paths() -> Vec<PathBuf> {
    let root = super::conformance_dir();
    let dirs = [root.join("cases"), root.join("../cases")];
    let mut paths: Vec<_> = dirs
        .iter()
        .flat_map(|d| std::fs::read_dir(d).expect("cases dir").map(|e| e.expect("entry").path()))
        .collect();
    paths.sort();
    paths
}

/// Replays every case against `addr`: how many there are, and a line for each that differs.
/// A case file of the same name in `overrides` replaces a case's expected answer (the
/// original's own answer on another database).
pub fn differences(addr: SocketAddr, overrides: Option<&Path>) -> (usize, Vec<String>) {
    let paths = case_paths();
    let mut failures = Vec::new();
    for path in &paths {
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let read = |p: &Path| -> Value {
            serde_json::from_str(&std::fs::read_to_string(p).expect("read case"))
                .expect("case JSON")
        };
        let case = read(path);
        let expected_case = match overrides.map(|d| d.join(&name)).filter(|p| p.exists()) {
            Some(p) => read(&p),
            None => case.clone(),
        };
        let mut request = serde_json::Map::new();
        for key in ["query", "variables", "operationName"] {
            if let Some(v) = case.get(key) {
                request.insert(key.into(), v.clone());
            }
        }
        let resp = super::post_json(addr, &Value::Object(request));
        let expected = match &expected_case["response"] {
            Value::Null => json!({"errors": [{"message": expected_case["body"]}]}),
            v => v.clone(),
        };
        let status = expected_case["status"].as_u64().unwrap_or(0) as u16;
        let got: Value = serde_json::from_slice(&resp.body).unwrap_or(Value::Null);
        if resp.status != status || super::ordered(&got) != super::ordered(&expected) {
            let (got, want) = (super::ordered(&got), super::ordered(&expected));
            let at = got.bytes().zip(want.bytes()).take_while(|(a, b)| a == b).count();
            let from = at.saturating_sub(80);
            failures.push(format!(
                "{name}: status {} (want {status}); bodies differ at byte {at}\n  got:  …{}\n  want: …{}",
                resp.status,
                got.get(from..(at + 120).min(got.len())).unwrap_or(&got),
                want.get(from..(at + 120).min(want.len())).unwrap_or(&want),
            ));
        }
        if resp.status == 200 && resp.header("content-type") != case["content_type"].as_str() {
            failures.push(format!("{name}: content type {:?}", resp.header("content-type")));
        }
    }
    (paths.len(), failures)
}
