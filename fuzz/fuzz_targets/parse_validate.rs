//! Any text through the parser and validator: errors are fine, panics and hangs are not.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use relaylite::schema::Schema;

/// The tutorial's schema, from the tutorial's tables in memory.
fn schema() -> &'static Schema {
    static SCHEMA: OnceLock<Schema> = OnceLock::new();
    SCHEMA.get_or_init(|| {
        let db = relaylite::db::Db::tutorial().expect("tutorial database");
        let model = db.model(None).expect("tutorial model");
        relaylite::schema::build(model).expect("tutorial schema")
    })
}

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(doc) = relaylite::graphql::parse::parse(text) {
            let _ = relaylite::graphql::validate::validate(schema(), std::rc::Rc::new(doc));
        }
    }
});
