//! Large dense pools at K = 3, L = 3, `count` (issue 12, deliverables 1 and 3): seeded Saidman
//! and modified-Saidman pools solved exactly by `rex_match::solve`, which takes the search path
//! (pricing by graph search, reduced-cost fixing by search) where enumerating every cycle would
//! be too big. Target: every pool of 800, 1,000 and 2,000 pairs proven optimal within 60 s.
//!
//! Run: `cargo bench -p rex-kep --bench dense` (defaults: both models, 800, 1,000 and 2,000
//! pairs, 5 % and 25 % altruists, seeds 1 to 3). `REX_BENCH_MODELS` (comma-separated:
//! `saidman`, `modified`, `sparse`), `REX_BENCH_PAIRS` (comma-separated sizes),
//! `REX_BENCH_SHARES` (altruist shares in per cent) and `REX_BENCH_SEEDS` (comma-separated)
//! choose the pools; `REX_BENCH_PATH=enumerate|search` forces one path (default: the solver
//! chooses); `REX_BENCH_LIMIT` is the time limit in seconds (default 600).
//!
//! Prints one line per pool: its size, the solve's wall time (the pool is generated in memory,
//! not read from a file: `rex match` on the written files measures that), objective, bound,
//! status and counters. Timings are for this machine and load.

use std::time::{Duration, Instant};

use rex_kep::generate::{generate, Config, Model};
use rex_match::solve::{solve_with, RootLp};
use rex_match::{Objective, Params};

fn list<T: std::str::FromStr>(name: &str, default: &str) -> Vec<T> {
    let s = std::env::var(name).unwrap_or_else(|_| default.to_owned());
    s.split(',')
        .map(|x| {
            x.trim()
                .parse()
                .unwrap_or_else(|_| panic!("{name}: {x:?} cannot be parsed"))
        })
        .collect()
}

fn main() {
    let models: Vec<String> = list("REX_BENCH_MODELS", "saidman,modified");
    let sizes: Vec<usize> = list("REX_BENCH_PAIRS", "800,1000,2000");
    let shares: Vec<u32> = list("REX_BENCH_SHARES", "5,25");
    let seeds: Vec<u64> = list("REX_BENCH_SEEDS", "1,2,3");
    let limit: f64 = list("REX_BENCH_LIMIT", "600")[0];
    let how = match std::env::var("REX_BENCH_PATH").as_deref() {
        Ok("enumerate") => RootLp::ColumnGeneration,
        Ok("search") => RootLp::Search,
        Ok(other) => panic!("REX_BENCH_PATH={other:?}: enumerate or search"),
        Err(_) => RootLp::BySize,
    };
    let params = Params {
        max_cycle: 3,
        max_chain: 3,
        objective: Objective::Count,
        time_limit: Some(Duration::from_secs_f64(limit)),
        ..Params::default()
    };
    println!("model pairs altruists% seed | arcs | seconds | objective bound status | lp_bound rounds cycles_listed mip_columns mip_solves");
    for name in &models {
        let model = Model::from_name(name).unwrap_or_else(|| panic!("{name:?} is not a model"));
        for &pairs in &sizes {
            for &share in &shares {
                for &seed in &seeds {
                    let config = Config {
                        model,
                        pairs,
                        altruist_share: f64::from(share) / 100.0,
                        seed,
                    };
                    let pool = generate(&config).expect("valid configuration");
                    let graph = pool.to_graph().expect("a generated pool is a valid graph");
                    let t = Instant::now();
                    let result = solve_with(&graph, &params, how, &|_| {});
                    let seconds = t.elapsed().as_secs_f64();
                    match result {
                        Ok(s) => println!(
                            "{name} {pairs} {share} {seed} | {} | {seconds:.2} | {} {} {} | {:.3} {} {} {} {}",
                            graph.arcs().len(),
                            s.objective,
                            s.bound,
                            s.status.as_str(),
                            s.stats.lp_bound,
                            s.stats.pricing_rounds,
                            s.stats.cycles_enumerated,
                            s.stats.mip_columns,
                            s.stats.mip_solves
                        ),
                        Err(e) => println!(
                            "{name} {pairs} {share} {seed} | {} | {seconds:.2} | error: {e}",
                            graph.arcs().len()
                        ),
                    }
                }
            }
        }
    }
}
