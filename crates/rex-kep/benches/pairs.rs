//! Pairs only at national scale: a seeded Saidman pool solved at K = 2 without chains by the
//! maximum-matching path of `rex-match` (issue 12, deliverable 4; target: 10,000 pairs within
//! 5 s on the 2-core benchmark machine).
//!
//! Run: `cargo bench -p rex-kep --bench pairs` (defaults: 10,000 pairs, 5 % altruists, seed
//! 1). `REX_BENCH_PAIRS`, `REX_BENCH_SEED` and `REX_BENCH_MODEL` (`saidman`, `modified`,
//! `sparse`) change the pool; `REX_BENCH_REPEAT` (default 3) the number of timed solves.
//! `REX_BENCH_OBJECTIVE=weight` solves under the `weight` objective (all weights are 1 in
//! these pools, so the optimum is the same; the algorithm is the weighted one).
//! `REX_BENCH_FILES=DIR` also writes the pool as Trimble files to `DIR` and times reading them
//! back, the way `rex match` starts. `REX_BENCH_MIP=1` also solves it once by the LP/MIP
//! pipeline that K = 2 went through before the matching (root LP forced to column
//! generation), for comparison.
//!
//! Prints the pool's size, the time to generate it and to build the graph, and for each solve
//! its wall time, objective, bound and status. Timings are for this machine and load: compare
//! runs made on the same machine only.

use std::time::Instant;

use rex_kep::generate::{generate, Config, Model};
use rex_match::solve::{solve_with, RootLp};
use rex_match::{solve, Objective, Params, Status};

fn var<T: std::str::FromStr>(name: &str, default: T) -> T {
    match std::env::var(name) {
        Ok(s) => s
            .parse()
            .unwrap_or_else(|_| panic!("{name}={s:?} cannot be parsed")),
        Err(_) => default,
    }
}

fn main() {
    let pairs: usize = var("REX_BENCH_PAIRS", 10_000);
    let seed: u64 = var("REX_BENCH_SEED", 1);
    let repeat: usize = var("REX_BENCH_REPEAT", 3);
    let model_name: String = var("REX_BENCH_MODEL", "saidman".to_owned());
    let model = Model::from_name(&model_name)
        .unwrap_or_else(|| panic!("REX_BENCH_MODEL={model_name:?} is not a model"));
    let config = Config {
        model,
        pairs,
        altruist_share: 0.05,
        seed,
    };

    let t = Instant::now();
    let pool = generate(&config).expect("valid configuration");
    let generated = t.elapsed();
    let t = Instant::now();
    let graph = pool.to_graph().expect("a generated pool is a valid graph");
    let built = t.elapsed();
    println!(
        "pool: {model} {pairs} pairs, {} altruists, {} pair arcs, {} altruist arcs, seed {seed}",
        pool.altruists,
        pool.pair_arcs.len(),
        pool.altruist_arcs.len()
    );
    println!(
        "generate {:.3} s, build graph {:.3} s",
        generated.as_secs_f64(),
        built.as_secs_f64()
    );

    if let Ok(dir) = std::env::var("REX_BENCH_FILES") {
        let prefix = std::path::Path::new(&dir).join(format!("{model}-{pairs}-{seed}"));
        let input = prefix.with_extension("input");
        let write =
            |path: &std::path::Path, f: &dyn Fn(&mut dyn std::io::Write) -> std::io::Result<()>| {
                let mut file = std::fs::File::create(path).expect("create file");
                f(&mut file).expect("write file");
            };
        write(&input, &|w| pool.write_input(w));
        write(&prefix.with_extension("ndds"), &|w| pool.write_ndds(w));
        let t = Instant::now();
        let read = rex_kep::read_file(&input).expect("read back");
        println!(
            "read {} ({} arcs): {:.3} s",
            input.display(),
            read.arcs().len(),
            t.elapsed().as_secs_f64()
        );
        assert_eq!(read, graph, "the file reads back as the generated graph");
    }

    let params = Params {
        max_cycle: 2,
        max_chain: 0,
        objective: match var("REX_BENCH_OBJECTIVE", "count".to_owned()).as_str() {
            "count" => Objective::Count,
            "weight" => Objective::Weight,
            other => panic!("REX_BENCH_OBJECTIVE={other:?} is not count or weight"),
        },
        time_limit: None,
        memory_limit: None,
    };
    if var("REX_BENCH_MIP", 0u8) == 1 {
        let t = Instant::now();
        let sol = solve_with(&graph, &params, RootLp::ColumnGeneration, &|_| {}).expect("solve");
        println!(
            "LP/MIP pipeline: {:.3} s, objective {}, bound {}, status {}, LP bound {}, {} MIPs",
            t.elapsed().as_secs_f64(),
            sol.objective,
            sol.bound,
            sol.status.as_str(),
            sol.stats.lp_bound,
            sol.stats.mip_solves
        );
    }
    let mut first = None;
    for run in 1..=repeat {
        let t = Instant::now();
        let sol = solve(&graph, &params).expect("solve");
        let secs = t.elapsed().as_secs_f64();
        assert_eq!(sol.status, Status::Optimal);
        println!(
            "solve {run}: {secs:.3} s, objective {}, bound {}, {} pairs matched of {} mutual pairs, status {}",
            sol.objective,
            sol.bound,
            sol.cycles.len(),
            sol.stats.cycles_enumerated,
            sol.status.as_str()
        );
        let rendered = format!("{:?} {} {}", sol.cycles, sol.objective, sol.bound);
        match &first {
            None => first = Some(rendered),
            Some(f) => assert_eq!(f, &rendered, "the same result every time"),
        }
    }
}
