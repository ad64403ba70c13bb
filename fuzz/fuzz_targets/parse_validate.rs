//! Any text through the parser and validator: errors are fine, panics and hangs are not.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(doc) = relaylite::graphql::parse::parse(text) {
            let _ = relaylite::graphql::validate::validate(relaylite::schema::get(), std::rc::Rc::new(doc));
        }
    }
});
