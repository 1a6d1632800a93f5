//! Times `rex match`'s work on instance files, in a fresh process as the benchmark does:
//! `cargo run --release -p rex-kep --example solve_time -- FILE... [--repeat N]`.
//! Prints one line per file: reading and solving seconds of the first solve, the minimum over
//! `N` further solves of the same graph, the objective and the solver's stats.

use rex_match::{solve, Params};
use std::time::Instant;

fn main() {
    let mut files = Vec::new();
    let mut repeat = 0usize;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        if a == "--repeat" {
            repeat = args.next().and_then(|n| n.parse().ok()).unwrap_or(0);
        } else {
            files.push(a);
        }
    }
    let params = Params {
        time_limit: Some(std::time::Duration::from_secs(120)),
        memory_limit: None,
        ..Params::default()
    };
    for f in files {
        let t = Instant::now();
        let graph = rex_kep::read_file(std::path::Path::new(&f)).expect("readable instance");
        let read_s = t.elapsed().as_secs_f64();
        let t = Instant::now();
        let s = solve(&graph, &params).expect("solvable");
        let first = t.elapsed().as_secs_f64();
        let mut best = f64::INFINITY;
        for _ in 0..repeat {
            let t = Instant::now();
            let again = solve(&graph, &params).expect("solvable");
            best = best.min(t.elapsed().as_secs_f64());
            assert_eq!(again.objective, s.objective);
        }
        println!(
            "{f}\tread {read_s:.6}\tsolve {first:.6}\trepeat-min {best:.6}\tobj {}\t{:?}\t{:?}",
            s.objective, s.status, s.stats
        );
    }
}
