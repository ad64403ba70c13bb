//! Per-parent pages three ways on PostgreSQL, timed side by side on one database:
//!
//! - **scan**: relaylite's one scan, the statement its PostgreSQL dialect sends
//!   (`WHERE fk IN (SELECT CAST(v #>> '{}' AS …) FROM json_array_elements(CAST($1 AS json))
//!   AS j(v)) ORDER BY <page order>`), rows streamed and kept per parent in Rust until every
//!   parent's page is full (stopping early saves decoding, not the server's work);
//! - **window**: `ROW_NUMBER() OVER (PARTITION BY fk ORDER BY <page order>)` with `rn <= $2`,
//!   the server keeping only each parent's first rows;
//! - **lateral**: `json_array_elements(…) CROSS JOIN LATERAL (SELECT … WHERE fk = v ORDER BY
//!   <page order> LIMIT $2)`, one small ordered query per parent;
//! - **lateral, literal**: the same with the page size written into the text (`LIMIT 50`):
//!   a prepared statement's generic plan does not know `$2` (PostgreSQL assumes a LIMIT
//!   parameter keeps a tenth of the rows), and may pick another plan than for the number.
//!
//! Every statement is prepared once (relaylite's own session: its statement cache, its
//! decoding of every column into owned cells); the select list reads every column as
//! relaylite's does (numeric as float8, timestamps and other types as text). The kept rows
//! are checked equal, then each way runs a warm-up and RUNS timed runs, interleaved with
//! each other and with a bare `SELECT 1` (round i starts with way i mod 5); every timed run
//! ends with that `SELECT 1`, which waits out the rows a stopped scan leaves on the wire.
//! Medians are printed.
//!
//!   cargo run --release -p relaylite-compare --example pages_pg -- URL CHILD FK ORDER FIRST [RUNS]
//!
//! CHILD is the related table, FK its column pointing at the parent, ORDER the page's sort
//! (SQL order terms such as `"Name" DESC`; the primary key is appended as the tie break
//! unless it is there), FIRST the page size. The parents are every distinct FK value, sent
//! as one JSON list in key order. `PLANS=1` also prints each statement's plan (EXPLAIN with
//! the parameters, so a custom plan).

use r2d2::ManageConnection;
use relaylite::db::postgres::{Manager, Session};
use relaylite::db::{Cell, Param};
use std::collections::HashMap;
use std::time::{Duration, Instant};

/// A row of its own, as the pages compared here keep them.
type Row = Vec<Cell>;

type Pages = HashMap<i64, Vec<Row>>;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [url, child, fk, order, first, rest @ ..] = args.as_slice() else {
        eprintln!("usage: pages_pg URL CHILD FK ORDER FIRST [RUNS]");
        std::process::exit(2);
    };
    let first: usize = first.parse().expect("FIRST is a number");
    let runs: usize = rest.first().and_then(|s| s.parse().ok()).unwrap_or(50);
    // A connection of its own: no pool whose connection generation could move on.
    let manager = Manager::new(url, "public", Default::default()).expect("the URL");
    let mut db = manager.connect().expect("connect");
    let q = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
    let (table, fk_name) = (child.as_str(), fk.as_str());
    let (child, fk) = (q(child), q(fk));

    // The select list as relaylite's PostgreSQL dialect reads a whole row.
    let columns = all(
        &mut db,
        "SELECT column_name, data_type FROM information_schema.columns \
         WHERE table_schema = 'public' AND table_name = $1 ORDER BY ordinal_position",
        &[Param::Text(table.into())],
    );
    let mut select = Vec::new();
    let mut fk_type = String::new();
    for c in &columns {
        let (name, ty) = (text(&c[0]), text(&c[1]));
        if name == fk_name {
            fk_type = ty.clone();
        }
        select.push(read(&q(&name), &ty));
    }
    assert!(!fk_type.is_empty(), "no column {fk_name} in {table}");
    let select = select.join(", ");
    let key = all(
        &mut db,
        "SELECT a.attname::text FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid \
         AND a.attnum = ANY(i.indkey) WHERE i.indrelid = CAST($1 AS regclass) AND i.indisprimary",
        &[Param::Text(child.clone())],
    );
    let mut order_terms: Vec<String> = order.split(',').map(|t| t.trim().to_string()).collect();
    for k in &key {
        let k = q(&text(&k[0]));
        let term_column = |t: &String| t.split_whitespace().next().map(str::to_string);
        if !order_terms.iter().any(|t| term_column(t).as_deref() == Some(k.as_str())) {
            order_terms.push(format!("{k} ASC"));
        }
    }
    let order = order_terms.join(", ");
    let indexes: Vec<String> = all(
        &mut db,
        "SELECT indexname::text || regexp_replace(indexdef, '^.* USING btree ', '') \
         FROM pg_indexes WHERE schemaname = 'public' AND tablename = $1 ORDER BY indexname",
        &[Param::Text(table.into())],
    )
    .iter()
    .map(|r| text(&r[0]))
    .collect();
    let parents = &all(
        &mut db,
        &format!(
            "SELECT CAST(json_agg(k ORDER BY k) AS text), count(*) \
             FROM (SELECT DISTINCT {fk} AS k FROM {child} WHERE {fk} IS NOT NULL) d"
        ),
        &[],
    )[0];
    let (keys, n_parents) = (text(&parents[0]), int(&parents[1]) as usize);

    let in_json = format!(
        "{fk} IN (SELECT CAST(v #>> '{{}}' AS {fk_type}) \
         FROM json_array_elements(CAST($1 AS json)) AS j(v))"
    );
    let scan = format!("SELECT {select}, {fk} FROM {child} WHERE {in_json} ORDER BY {order}");
    let window = format!(
        "SELECT * FROM (SELECT {select}, {fk} AS relaylite_owner, ROW_NUMBER() OVER \
         (PARTITION BY {fk} ORDER BY {order}) AS relaylite_rn FROM {child} WHERE {in_json}) s \
         WHERE relaylite_rn <= $2"
    );
    let lateral = format!(
        "SELECT c.* FROM json_array_elements(CAST($1 AS json)) AS j(v) CROSS JOIN LATERAL \
         (SELECT {select}, {fk} AS relaylite_owner FROM {child} \
         WHERE {fk} = CAST(j.v #>> '{{}}' AS {fk_type}) ORDER BY {order} LIMIT $2) c"
    );
    let lateral_literal = lateral.replace("LIMIT $2) c", &format!("LIMIT {first}) c"));
    let json = Param::Text(keys);
    let limit = Param::Int(first as i64);
    let scan_params = [json.clone()];
    let page_params = [json, limit];

    if std::env::var_os("PLANS").is_some() {
        for (name, sql, params) in [
            ("scan", &scan, &scan_params[..]),
            ("window", &window, &page_params[..]),
            ("lateral", &lateral, &page_params[..]),
            ("lateral, literal", &lateral_literal, &scan_params[..]),
        ] {
            println!("-- {name}: {sql}");
            for line in all(&mut db, &format!("EXPLAIN (COSTS OFF) {sql}"), params) {
                println!("   {}", text(&line[0]));
            }
        }
    }

    let a = one_scan(&mut db, &scan, &scan_params, n_parents, first);
    let b = pages(&mut db, &window, &page_params, true);
    let c = pages(&mut db, &lateral, &page_params, false);
    assert_eq!(a, b, "the scan and the window keep different rows");
    assert_eq!(a, c, "the scan and LATERAL keep different rows");
    let d = pages(&mut db, &lateral_literal, &scan_params, false);
    assert_eq!(a, d, "the scan and LATERAL with a literal LIMIT keep different rows");
    let rows: usize = a.values().map(Vec::len).sum();

    let mut ways: [&mut dyn FnMut(&mut Session) -> Pages; 4] = [
        &mut |db| one_scan(db, &scan, &scan_params, n_parents, first),
        &mut |db| pages(db, &window, &page_params, true),
        &mut |db| pages(db, &lateral, &page_params, false),
        &mut |db| pages(db, &lateral_literal, &scan_params, false),
    ];
    for _ in 0..10 {
        for way in ways.iter_mut() {
            std::hint::black_box(way(&mut db));
        }
    }
    // Rows the scan stops before still reach the connection, which drops them while it
    // waits for the next statement's answer: each timed run ends with `SELECT 1` so that
    // this falls in the run that caused it (a round trip added to every way, printed alone).
    let mut times: [Vec<Duration>; 5] = Default::default();
    for i in 0..runs.max(1) {
        for j in 0..5 {
            let w = (i + j) % 5;
            let start = Instant::now();
            if w < 4 {
                std::hint::black_box(ways[w](&mut db));
            }
            all(&mut db, "SELECT 1", &[]);
            times[w].push(start.elapsed());
        }
    }
    let [s, w, l, ll, one] = times.map(median);
    println!(
        "{table} by {fk_name}, {order}, first {first}: {n_parents} parents, {rows} rows kept; \
         indexes: {}",
        indexes.join(", ")
    );
    println!(
        "  scan {:.3} ms, window {:.3} ms, lateral {:.3} ms, lateral literal {:.3} ms \
         (medians of {runs}, each with SELECT 1 alone {:.3} ms)\n  window / scan = {:.2}, \
         lateral / scan = {:.2}, lateral literal / scan = {:.2}",
        ms(s),
        ms(w),
        ms(l),
        ms(ll),
        ms(one),
        w.as_secs_f64() / s.as_secs_f64(),
        l.as_secs_f64() / s.as_secs_f64(),
        ll.as_secs_f64() / s.as_secs_f64()
    );
}

/// How relaylite's PostgreSQL dialect reads a column of this type (`postgres_read`).
fn read(col: &str, ty: &str) -> String {
    match ty {
        _ if relaylite::db::sql::postgres_reads_as_is(ty) => col.to_string(),
        "numeric" => format!("CAST({col} AS float8)"),
        "timestamp with time zone" => {
            format!("to_char({col} AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US')")
        }
        _ => format!("CAST({col} AS text)"),
    }
}

/// relaylite's loop: rows in page order, each parent's first `first` kept, reading stops
/// once every parent has them.
fn one_scan(db: &mut Session, sql: &str, params: &[Param], parents: usize, first: usize) -> Pages {
    let (mut pages, mut full) = (Pages::new(), 0);
    db.query_each(sql, params, |row| {
        let mut row = std::mem::take(row);
        let owner = int(&row.pop().expect("the owner"));
        let page = pages.entry(owner).or_default();
        if page.len() < first {
            page.push(row);
            full += usize::from(page.len() == first);
        }
        full < parents
    })
    .expect("the scan");
    pages
}

/// Every row the statement returns is kept, under the parent its last column (after the
/// row number, for the window) names. The window's rows are put in row-number order, which
/// the statement does not promise (they come in it anyway).
fn pages(db: &mut Session, sql: &str, params: &[Param], numbered: bool) -> Pages {
    let mut pages = Pages::new();
    let mut numbers: HashMap<i64, Vec<i64>> = HashMap::new();
    db.query_each(sql, params, |row| {
        let mut row = std::mem::take(row);
        let rn = if numbered { int(&row.pop().expect("the row number")) } else { 0 };
        let owner = int(&row.pop().expect("the owner"));
        if numbered {
            numbers.entry(owner).or_default().push(rn);
        }
        pages.entry(owner).or_default().push(row);
        true
    })
    .expect("the statement");
    for (owner, rns) in numbers {
        if !rns.is_sorted() {
            let page = pages.get_mut(&owner).expect("a page");
            let mut rows: Vec<(i64, Row)> = rns.into_iter().zip(page.drain(..)).collect();
            rows.sort_by_key(|r| r.0);
            page.extend(rows.into_iter().map(|r| r.1));
        }
    }
    pages
}

fn all(db: &mut Session, sql: &str, params: &[Param]) -> Vec<Row> {
    let mut rows = Vec::new();
    db.query_each(sql, params, |row| {
        rows.push(std::mem::take(row));
        true
    })
    .unwrap_or_else(|e| panic!("{sql}: {}", e.message));
    rows
}

fn text(c: &Cell) -> String {
    match c {
        Cell::Text(s) => s.to_string(),
        other => panic!("not text: {other:?}"),
    }
}

fn int(c: &Cell) -> i64 {
    match c {
        Cell::Int(i) => *i,
        other => panic!("not an integer: {other:?}"),
    }
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
