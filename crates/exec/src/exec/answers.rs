//! Answers that depend on nothing but their document and the schema — introspection, which
//! GraphiQL sends on every page load and which on a catalogue of thousands of tables is
//! megabytes — kept as JSON text per schema (a schema change starts a new one), written
//! once and then served without building anything. Bounded in answers and bytes.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// At most this many answers, and this many bytes of them and of the documents they
/// answer (a client's document may be megabytes of comments), per schema.
const MAX_ANSWERS: usize = 32;
const MAX_BYTES: usize = 64 << 20;

/// Kept answers by query text, then operation name.
#[derive(Default)]
pub struct Answers(Mutex<Kept>);

/// A document's kept answers, by operation name.
type ByName = Vec<(Option<String>, Arc<str>)>;

#[derive(Default)]
struct Kept {
    by_query: HashMap<String, ByName>,
    answers: usize,
    bytes: usize,
}

impl Answers {
    /// The answer kept for `query`'s operation `operation`, if any.
    pub fn get(&self, query: &str, operation: Option<&str>) -> Option<Arc<str>> {
        let kept = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let by_name = kept.by_query.get(query)?;
        by_name.iter().find(|(n, _)| n.as_deref() == operation).map(|(_, text)| text.clone())
    }

    /// Keeps `text` as the answer to `query`'s operation `operation`, while there is room.
    pub fn keep(&self, query: &str, operation: Option<&str>, text: Arc<str>) {
        let mut kept = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let by_name = kept.by_query.get(query).map_or(&[][..], |v| v.as_slice());
        if by_name.iter().any(|(n, _)| n.as_deref() == operation) {
            return; // Another thread wrote it first.
        }
        let bytes = query.len() + text.len();
        if kept.answers >= MAX_ANSWERS || kept.bytes + bytes > MAX_BYTES {
            return;
        }
        (kept.answers, kept.bytes) = (kept.answers + 1, kept.bytes + bytes);
        let entry = kept.by_query.entry(query.to_string()).or_default();
        entry.push((operation.map(str::to_string), text));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_kept_are_bounded_in_number_and_bytes() {
        let answers = Answers::default();
        for i in 0..MAX_ANSWERS + 5 {
            answers.keep(&format!("q{i}"), None, Arc::from("{}"));
        }
        assert!(answers.get("q0", None).is_some());
        assert!(answers.get(&format!("q{MAX_ANSWERS}"), None).is_none(), "no room");
        assert!(answers.get("q0", Some("Named")).is_none(), "by operation too");
        let big = Answers::default();
        big.keep("big", None, Arc::from("x".repeat(MAX_BYTES + 1)));
        assert!(big.get("big", None).is_none(), "too many bytes");
        // The document counts too: a small answer to a document of comments.
        let padded = format!("{{ __typename }}#{}", " ".repeat(MAX_BYTES));
        big.keep(&padded, None, Arc::from("{}"));
        assert!(big.get(&padded, None).is_none(), "the document's bytes count");
    }
}
