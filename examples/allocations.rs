//! Counts what one request allocates, in-process, answer text included:
//! `cargo run --release --example allocations -- QUERY_FILE DATABASE`.
//!
//! A counting global allocator around the system's: the number of allocations, the bytes
//! allocated in all, and the most held at once, for the second of two runs (the first fills
//! the schema's and the statements' caches).

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

use relaylite::db::DbConfig;
use relaylite::{App, Outcome, Request};

struct Counting;

static COUNT: AtomicU64 = AtomicU64::new(0);
static TOTAL: AtomicU64 = AtomicU64::new(0);
static LIVE: AtomicU64 = AtomicU64::new(0);
static PEAK: AtomicU64 = AtomicU64::new(0);

fn grew(bytes: u64) {
    COUNT.fetch_add(1, Relaxed);
    TOTAL.fetch_add(bytes, Relaxed);
    let live = LIVE.fetch_add(bytes, Relaxed) + bytes;
    PEAK.fetch_max(live, Relaxed);
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        grew(layout.size() as u64);
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size() as u64, Relaxed);
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LIVE.fetch_sub(layout.size() as u64, Relaxed);
        grew(new_size as u64);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

fn main() {
    let mut args = std::env::args().skip(1);
    let (Some(file), Some(db)) = (args.next(), args.next()) else {
        eprintln!("usage: allocations QUERY_FILE DATABASE");
        std::process::exit(2);
    };
    let query = std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{file}: {e}"));
    let app = App::new(DbConfig::sqlite(db)).expect("app");
    let req = Request { query: Some(query), ..Request::default() };
    let run = || match relaylite::run(&app, &req) {
        Outcome::Executed { data, errors } => relaylite::response_json(Some(&data), &errors),
        other => panic!("{other:?}"),
    };
    let _ = run();
    let (count, total, live) = (COUNT.load(Relaxed), TOTAL.load(Relaxed), LIVE.load(Relaxed));
    PEAK.store(live, Relaxed);
    let answer = run();
    println!(
        "{file}: {} allocations, {} bytes allocated, {} bytes held at most, answer {} bytes",
        COUNT.load(Relaxed) - count,
        TOTAL.load(Relaxed) - total,
        PEAK.load(Relaxed) - live,
        answer.len()
    );
}
