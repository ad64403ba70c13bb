//! Per-parent pages two ways, timed on one database: relaylite's one scan (every parent's
//! rows in one statement, in the page's order, kept per parent in Rust until each parent's
//! page is full) against a window function (`ROW_NUMBER() OVER (PARTITION BY …)`, SQLite
//! keeping only each parent's first rows). Both read every column into owned values, as
//! relaylite does; the rows kept are checked equal before timing.
//!
//!   cargo run --release -p relaylite-compare --example pages -- DB CHILD FK ORDER FIRST [RUNS]
//!
//! CHILD is the related table, FK its column pointing at the parent, ORDER the page's sort
//! (an SQL order term list such as `"Name" ASC`; the child's rowid is appended as the tie
//! break), FIRST the page size. The parents are every distinct FK value.

use rusqlite::types::Value;
use rusqlite::{Connection, params};
use std::collections::HashMap;
use std::time::{Duration, Instant};

type Pages = HashMap<String, Vec<Vec<Value>>>;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [db, child, fk, order, first, rest @ ..] = args.as_slice() else {
        eprintln!("usage: pages DB CHILD FK ORDER FIRST [RUNS]");
        std::process::exit(2);
    };
    let first: usize = first.parse().expect("FIRST is a number");
    let runs: usize = rest.first().and_then(|s| s.parse().ok()).unwrap_or(50);
    let conn = Connection::open(db).expect("open the database");
    let q = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
    let (child, fk) = (q(child), q(fk));
    let parents = parents(&conn, &child, &fk);
    let scan = format!(
        "SELECT *, {fk} FROM {child} WHERE {fk} IN (SELECT value FROM json_each(?1)) \
         ORDER BY {order}, rowid"
    );
    let window = format!(
        "SELECT * FROM (SELECT *, {fk}, ROW_NUMBER() OVER (PARTITION BY {fk} ORDER BY {order}, \
         rowid) AS rn FROM {child} WHERE {fk} IN (SELECT value FROM json_each(?1))) \
         WHERE rn <= ?2 ORDER BY {fk}, rn"
    );
    let a = one_scan(&conn, &scan, &parents, first);
    let b = windowed(&conn, &window, &parents, first);
    assert_eq!(a, b, "the two ways keep different rows");
    let rows: usize = a.values().map(Vec::len).sum();
    let t_scan = median(runs, || one_scan(&conn, &scan, &parents, first));
    let t_window = median(runs, || windowed(&conn, &window, &parents, first));
    println!(
        "{} parents, first {first}, {rows} rows kept: one scan {:.3} ms, window {:.3} ms \
         (window / scan = {:.2})",
        parents.1,
        ms(t_scan),
        ms(t_window),
        t_window.as_secs_f64() / t_scan.as_secs_f64()
    );
}

/// The distinct parent keys as a JSON list, and how many there are.
fn parents(conn: &Connection, child: &str, fk: &str) -> (String, usize) {
    let sql = format!(
        "SELECT json_group_array(k), count(*) FROM (SELECT DISTINCT {fk} AS k FROM {child} WHERE {fk} IS NOT NULL)"
    );
    conn.query_row(&sql, [], |r| Ok((r.get(0)?, r.get::<_, i64>(1)? as usize)))
        .expect("list the parents")
}

fn one_scan(conn: &Connection, sql: &str, parents: &(String, usize), first: usize) -> Pages {
    let mut stmt = conn.prepare_cached(sql).expect("prepare");
    let width = stmt.column_count();
    let mut rows = stmt.query(params![parents.0]).expect("query");
    let (mut pages, mut full) = (Pages::new(), 0);
    while let Some(row) = rows.next().expect("step") {
        let owner = format!("{:?}", row.get::<_, Value>(width - 1).expect("key"));
        let page = pages.entry(owner).or_default();
        if page.len() < first {
            page.push(read(row, width - 1));
            full += usize::from(page.len() == first);
            if full == parents.1 {
                break;
            }
        }
    }
    pages
}

fn windowed(conn: &Connection, sql: &str, parents: &(String, usize), first: usize) -> Pages {
    let mut stmt = conn.prepare_cached(sql).expect("prepare");
    let width = stmt.column_count() - 1;
    let mut rows = stmt.query(params![parents.0, first as i64]).expect("query");
    let mut pages = Pages::new();
    while let Some(row) = rows.next().expect("step") {
        let owner = format!("{:?}", row.get::<_, Value>(width - 1).expect("key"));
        pages.entry(owner).or_default().push(read(row, width - 1));
    }
    pages
}

fn read(row: &rusqlite::Row<'_>, width: usize) -> Vec<Value> {
    (0..width).map(|i| row.get(i).expect("column")).collect()
}

fn median<T>(runs: usize, mut f: impl FnMut() -> T) -> Duration {
    let mut times: Vec<Duration> = (0..runs.max(1))
        .map(|_| {
            let start = Instant::now();
            std::hint::black_box(f());
            start.elapsed()
        })
        .collect();
    times.sort();
    times[times.len() / 2]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
