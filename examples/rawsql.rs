//! Times SQL statements run directly on the bundled SQLite, for "relaylite against raw SQL"
//! figures: `rawsql STATEMENTS.json DB [N]`, where the file holds `[{"sql": …, "params": […]}]`
//! (as `--log-sql` printed them). Every column of every row is read; prints the median of N
//! runs of all the statements, after one warm-up, in milliseconds.

use rusqlite::types::Value;

fn main() {
    let mut args = std::env::args().skip(1);
    let (Some(file), Some(db)) = (args.next(), args.next()) else {
        eprintln!("usage: rawsql STATEMENTS.json DB [N]");
        std::process::exit(2);
    };
    let n: usize = args.next().and_then(|s| s.parse().ok()).unwrap_or(5);
    let text = std::fs::read_to_string(&file).expect("statements file");
    let statements: Vec<serde_json::Value> = serde_json::from_str(&text).expect("a JSON list");
    let conn =
        rusqlite::Connection::open_with_flags(&db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .expect("database");
    let mut times: Vec<f64> = (0..=n).map(|_| run(&conn, &statements)).collect();
    times.remove(0);
    times.sort_by(f64::total_cmp);
    println!("{:.3}", times[times.len() / 2]);
}

/// Runs every statement once, reading every cell; the milliseconds it took.
fn run(conn: &rusqlite::Connection, statements: &[serde_json::Value]) -> f64 {
    let start = std::time::Instant::now();
    for s in statements {
        let mut stmt = conn.prepare_cached(s["sql"].as_str().expect("sql")).expect("prepare");
        let params: Vec<Value> = s["params"].as_array().into_iter().flatten().map(param).collect();
        let columns = stmt.column_count();
        let mut rows = stmt.query(rusqlite::params_from_iter(params)).expect("query");
        while let Some(row) = rows.next().expect("step") {
            for i in 0..columns {
                std::hint::black_box(row.get_ref(i).expect("cell"));
            }
        }
    }
    start.elapsed().as_secs_f64() * 1000.0
}

fn param(v: &serde_json::Value) -> Value {
    match v {
        serde_json::Value::Null => Value::Null,
        serde_json::Value::Number(n) => match n.as_i64() {
            Some(i) => Value::Integer(i),
            None => Value::Real(n.as_f64().unwrap_or(0.0)),
        },
        serde_json::Value::String(s) => Value::Text(s.clone()),
        other => Value::Text(other.to_string()),
    }
}
