//! Runs one benchmark query (or a `.graphql` file) in a loop, for profilers:
//! `cargo run --release --example profile -- q3 2000`.
//! With `MODEL` (a model file) and `AUTHORIZATION` (the header's value) set, each run also
//! checks the token and runs as its role, as a server with access control does.

use relaylite::db::DbConfig;
use relaylite::{App, Request};

fn main() {
    let mut args = std::env::args().skip(1);
    let name = args.next().unwrap_or_else(|| "q3".into());
    let n: usize = args.next().and_then(|s| s.parse().ok()).unwrap_or(1000);
    let db = args.next().unwrap_or_else(|| "target/bench.sqlite3".into());
    // A benchmark query by name, or any query file by its path.
    let path = match name.ends_with(".graphql") {
        true => name.clone(),
        false => format!("benches/queries/{name}.graphql"),
    };
    let query = std::fs::read_to_string(path).unwrap_or_default();
    let model = std::env::var("MODEL").ok().map(|path| {
        let text = std::fs::read_to_string(&path).expect("model file");
        (path, text)
    });
    let app = App::open(DbConfig::sqlite(db), Default::default(), model).expect("app");
    let authorization = std::env::var("AUTHORIZATION").ok();
    let mut req = Request { query: Some(query), ..Request::default() };
    let start = std::time::Instant::now();
    for _ in 0..n {
        req.session = app.session(authorization.as_deref()).expect("a token the model takes");
        // Serialize, as the HTTP layer does, so the work compares with the floor's.
        let body = match relaylite::run(&app, &req) {
            relaylite::Outcome::Executed { data, errors } => {
                relaylite::response_json(Some(&data), &errors)
            }
            _ => String::new(),
        };
        std::hint::black_box(body);
    }
    eprintln!("{name}: {:?} per run", start.elapsed() / n.max(1) as u32);
}
