//! Any text as a request against the conformance fixture: parse, validate, plan, execute and
//! write the response, with the default limits. Errors are fine; panics and hangs are not.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use relaylite::db::DbConfig;
use relaylite::{App, Outcome, Request};

fn app() -> &'static App {
    static APP: OnceLock<App> = OnceLock::new();
    APP.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("relaylite-fuzz-{}", std::process::id()));
        let _ = std::fs::create_dir_all(&dir);
        let path = dir.join("fixture.sqlite3");
        let sql = include_str!("../../tests/conformance/fixture.sql");
        let _ = std::fs::remove_file(&path);
        if let Ok(conn) = rusqlite::Connection::open(&path) {
            let _ = conn.execute_batch(sql);
        }
        App::new(DbConfig { path, log_sql: false }).expect("the fixture database")
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let req = Request { query: Some(text.to_string()), ..Request::default() };
    if let Outcome::Executed { data, errors } = relaylite::run(app(), &req) {
        let _ = relaylite::response_json(Some(&data), &errors);
    }
});
