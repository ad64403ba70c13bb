//! A per-thread cache of parsed and validated documents, keyed by the query text, with the
//! plans of their operations that take no variables.
//!
//! Clients send the same few queries over and over; parsing, validating and planning them
//! again is pure waste. Each worker thread keeps its own cache (no locks), bounded in entries
//! and in the size of the texts it keeps, and drops the least recently used entry when full.
//! A plan depends only on the document, the variables and the schema, so one without
//! variables is reused for as long as the schema is the same. An entry holds its schema
//! weakly: a schema a migration replaced is freed once no request runs on it.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use std::sync::{Arc, Weak};

use crate::exec::plan::{self, Plan};
use crate::graphql::ast::Document;
use crate::graphql::error::GraphQLError;
use crate::graphql::parse;
use crate::graphql::validate::{self, Valid};
use crate::schema::Schema;

const MAX_ENTRIES: usize = 256;
/// Longer texts are rare and would make the cache's memory unbounded in practice.
const MAX_QUERY_LEN: usize = 16 * 1024;

/// A query text's parse result, and its validation once asked for.
pub struct Entry {
    pub parsed: Result<Rc<Document>, GraphQLError>,
    /// The token limit it was parsed under (a cached entry is only reused under the same).
    max_tokens: u64,
    /// The schema the validation and plans below were made for: a schema change (the
    /// database's tables changed) makes them stale. Weak, yet never confused with a newer
    /// schema: its allocation (not the schema's contents) outlives the schema, so no other
    /// schema can take its address while the entry names it.
    schema: RefCell<Weak<Schema>>,
    validated: RefCell<Option<Result<Valid, Vec<GraphQLError>>>>,
    /// Plans of variable-free operations, by operation name.
    plans: RefCell<Vec<(Option<String>, Rc<Plan>)>>,
}

impl Entry {
    /// Forgets what was made for another schema.
    fn against(&self, schema: &Arc<Schema>) {
        if !std::ptr::eq(self.schema.borrow().as_ptr(), Arc::as_ptr(schema)) {
            *self.schema.borrow_mut() = Arc::downgrade(schema);
            self.validated.borrow_mut().take();
            self.plans.borrow_mut().clear();
        }
    }

    /// Validates on first use; later calls return the same answer.
    pub fn validated(&self, schema: &Arc<Schema>) -> Result<Valid, Vec<GraphQLError>> {
        self.against(schema);
        if let Some(v) = self.validated.borrow().as_ref() {
            return v.clone();
        }
        let result = match &self.parsed {
            Ok(doc) => validate::validate(schema, doc.clone()),
            Err(e) => Err(vec![e.clone()]),
        };
        *self.validated.borrow_mut() = Some(result.clone());
        result
    }

    /// The plan for the chosen operation; built once when the operation declares no
    /// variables (then nothing else can change it), built each time otherwise.
    pub fn plan(
        &self,
        schema: &Arc<Schema>,
        valid: &Valid,
        operation_name: Option<&str>,
        variables: &serde_json::Map<String, serde_json::Value>,
    ) -> Result<Rc<Plan>, Vec<GraphQLError>> {
        self.against(schema);
        let name = operation_name.map(str::to_string);
        if let Some((_, p)) = self.plans.borrow().iter().find(|(n, _)| *n == name) {
            return Ok(p.clone());
        }
        let plan = Rc::new(plan::plan(schema, valid, operation_name, variables)?);
        let takes_variables = plan::operation(valid.document(), operation_name)
            .map(|op| !op.variables.is_empty())
            .unwrap_or(true);
        if !takes_variables {
            self.plans.borrow_mut().push((name, plan.clone()));
        }
        Ok(plan)
    }
}

struct Cache {
    entries: HashMap<String, (Rc<Entry>, u64)>,
    clock: u64,
}

thread_local! {
    static CACHE: RefCell<Cache> = RefCell::new(Cache { entries: HashMap::new(), clock: 0 });
}

/// The entry for `query` sent as `role` ("" without roles), parsing it if this thread has
/// not seen it recently.
pub fn entry(query: &str, max_tokens: u64, role: &str) -> Rc<Entry> {
    // Each role has a schema of its own, so an entry of its own: roles taking turns do not
    // validate the same text again and again.
    let keyed;
    let key = match role.is_empty() {
        true => query,
        false => {
            keyed = role_key(query, role);
            keyed.as_str()
        }
    };
    let fresh = || {
        Rc::new(Entry {
            parsed: parse::parse_limited(query, max_tokens).map(Rc::new),
            max_tokens,
            schema: RefCell::new(Weak::new()),
            validated: RefCell::new(None),
            plans: RefCell::new(Vec::new()),
        })
    };
    if query.len() > MAX_QUERY_LEN {
        return fresh();
    }
    CACHE.with(|cell| {
        let mut cache = cell.borrow_mut();
        cache.clock += 1;
        let now = cache.clock;
        if let Some((entry, used)) = cache.entries.get_mut(key)
            && entry.max_tokens == max_tokens
        {
            *used = now;
            return entry.clone();
        }
        if cache.entries.len() >= MAX_ENTRIES {
            let oldest =
                cache.entries.iter().min_by_key(|(_, (_, used))| *used).map(|(k, _)| k.clone());
            if let Some(k) = oldest {
                cache.entries.remove(&k);
            }
        }
        let entry = fresh();
        cache.entries.insert(key.to_string(), (entry.clone(), now));
        entry
    })
}

/// `query`'s key when sent as a role: the role's name, unambiguously before the text.
fn role_key(query: &str, role: &str) -> String {
    format!("{}\u{0}{role}\u{0}{query}", role.len())
}

/// The entry for `query` sent as `role` if this thread holds one, without parsing: for the
/// metrics, which look at the document a request just ran.
pub fn cached(query: &str, max_tokens: u64, role: &str) -> Option<Rc<Entry>> {
    CACHE.with(|cell| {
        let cache = cell.borrow();
        let keyed = (!role.is_empty()).then(|| role_key(query, role));
        let (entry, _) = cache.entries.get(keyed.as_deref().unwrap_or(query))?;
        (entry.max_tokens == max_tokens).then(|| entry.clone())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_queries_share_one_entry_and_the_cache_stays_bounded() {
        let a = entry("{ __typename }", 100, "");
        let b = entry("{ __typename }", 100, "");
        assert!(Rc::ptr_eq(&a, &b));
        for i in 0..(MAX_ENTRIES + 10) {
            entry(&format!("{{ a{i}: __typename }}"), 100, "");
        }
        CACHE.with(|c| assert_eq!(c.borrow().entries.len(), MAX_ENTRIES));
        assert!(cached("{ a3: __typename }", 100, "").is_none(), "dropped, the oldest");
        assert!(cached(&format!("{{ a{MAX_ENTRIES}: __typename }}"), 100, "").is_some());
        let long = format!("{{ __typename }}{}", " ".repeat(MAX_QUERY_LEN));
        assert!(!Rc::ptr_eq(&entry(&long, 100, ""), &entry(&long, 100, "")));
    }
}
