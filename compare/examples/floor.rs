//! Runs the floor for one query in a loop, for profilers: `cargo run --release --example floor -- q3 2000`.

use relaylite_compare::{Rows, databases, floor::Floor};

fn main() {
    let mut args = std::env::args().skip(1);
    let name = args.next().unwrap_or_else(|| "q3".into());
    let n: usize = args.next().and_then(|s| s.parse().ok()).unwrap_or(1000);
    let (bench, _) = databases();
    let floor = Floor::new(Rows::open(&bench), String::new());
    let start = std::time::Instant::now();
    for _ in 0..n {
        std::hint::black_box(floor.run(&name));
    }
    eprintln!("floor {name}: {:?} per run", start.elapsed() / n.max(1) as u32);
}
