//! Pairs only (K = 2, no chains): the matching paths (maximum matching under `count`,
//! maximum-weight matching under `weight` with integer weights) against the brute-force oracle
//! and against the LP/MIP pipeline on random graphs, their proofs, and their determinism under
//! arc shuffling.
//!
//! `solve` takes the matching path for these parameters; `solve_with` with a forced root LP
//! takes the LP/MIP pipeline, which is what the matching is compared with. Random cases are
//! seeded; `REX_PAIRS_CASES=<n>` runs `n` seeds per size instead of the default.

use rand::seq::SliceRandom;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rex_match::oracle::{brute_force, check_solution};
use rex_match::solve::{solve_with, RootLp};
use rex_match::{
    solve, solve_with_clock, Clock, Graph, GraphBuilder, Objective, Params, Solution, Status,
    VertexId,
};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

fn pairs_only() -> Params {
    Params {
        max_cycle: 2,
        max_chain: 0,
        objective: Objective::Count,
        time_limit: None,
        memory_limit: None,
    }
}

fn weighted() -> Params {
    Params {
        objective: Objective::Weight,
        ..pairs_only()
    }
}

fn cases() -> u64 {
    std::env::var("REX_PAIRS_CASES")
        .ok()
        .map_or(300, |s| s.parse().expect("REX_PAIRS_CASES is a number"))
}

/// `n` requests (and `offers` offers, which K = 2 without chains never uses), arcs with
/// probability `density`, mutual with probability about `density^2`.
fn random_arcs(rng: &mut ChaCha8Rng, n: usize, offers: usize, density: f64) -> Vec<(u32, u32)> {
    let mut arcs = Vec::new();
    for u in 0..n + offers {
        for v in 0..n {
            if u != v && rng.random_bool(density) {
                arcs.push((u as u32, v as u32));
            }
        }
    }
    arcs
}

fn build(n: usize, offers: usize, arcs: &[(u32, u32)]) -> Graph {
    let weighted: Vec<(u32, u32, f64)> = arcs.iter().map(|&(u, v)| (u, v, 1.0)).collect();
    build_weighted(n, offers, &weighted)
}

fn build_weighted(n: usize, offers: usize, arcs: &[(u32, u32, f64)]) -> Graph {
    let mut b = GraphBuilder::new();
    for i in 0..n {
        b.add_request(format!("r{i}")).unwrap();
    }
    for j in 0..offers {
        b.add_offer(format!("o{j}")).unwrap();
    }
    for &(u, v, w) in arcs {
        b.add_arc(VertexId(u), VertexId(v), w).unwrap();
    }
    b.build().unwrap()
}

fn render(sol: &Solution) -> String {
    format!(
        "cycles {:?} chains {:?} objective {} bound {} status {:?}",
        sol.cycles, sol.chains, sol.objective, sol.bound, sol.status
    )
}

/// The matching path's solution, checked: optimal, objective = bound, feasible.
fn matched(g: &Graph) -> Solution {
    matched_with(g, &pairs_only())
}

fn matched_with(g: &Graph, p: &Params) -> Solution {
    let sol = solve(g, p).unwrap();
    assert_eq!(sol.status, Status::Optimal);
    assert_eq!(sol.objective, sol.bound, "{}", render(&sol));
    assert_eq!(sol.stats.mip_solves, 0, "the matching path solves no MIP");
    assert_eq!(
        sol.stats.pricing_rounds, 0,
        "the matching path solves no LP"
    );
    check_solution(g, p, &sol).unwrap_or_else(|e| panic!("{e}: {}", render(&sol)));
    assert!(sol.cycles.iter().all(|c| c.len() == 2 && c[0] < c[1]));
    sol
}

#[test]
fn matching_agrees_with_brute_force_and_the_mip_on_small_random_graphs() {
    let mut failures = Vec::new();
    for seed in 0..cases() {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let n = rng.random_range(2..=12usize);
        let offers = rng.random_range(0..=2usize);
        let density = rng.random_range(0.2..0.9);
        let g = build(n, offers, &random_arcs(&mut rng, n, offers, density));
        let sol = matched(&g);
        let oracle = brute_force(&g, &pairs_only()).unwrap();
        let mip = solve_with(&g, &pairs_only(), RootLp::Whole, &|_| {}).unwrap();
        if sol.objective != oracle || mip.objective != oracle {
            failures.push(format!(
                "seed {seed}: matching {}, MIP {}, brute force {oracle}",
                sol.objective, mip.objective
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Larger graphs than the oracle can take, where blossoms and failed searches abound: the
/// matching must be worth what the LP/MIP pipeline proves optimal.
#[test]
fn matching_agrees_with_the_mip_on_larger_random_graphs() {
    let mut failures = Vec::new();
    for seed in 0..cases() / 3 {
        let mut rng = ChaCha8Rng::seed_from_u64(1_000_000 + seed);
        let n = rng.random_range(20..=70usize);
        // Sparse to dense: around one mutual neighbour per vertex up to a dense core.
        let density = rng.random_range(0.08..0.5);
        let g = build(n, 0, &random_arcs(&mut rng, n, 0, density));
        let sol = matched(&g);
        let mip = solve_with(&g, &pairs_only(), RootLp::ColumnGeneration, &|_| {}).unwrap();
        assert_eq!(mip.status, Status::Optimal);
        if sol.objective != mip.objective {
            failures.push(format!(
                "seed {seed} ({n} requests, density {density:.2}): matching {}, MIP {}",
                sol.objective, mip.objective
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Random integer weights, zero and negative ones included (a pair worth 0 or less is never
/// worth taking): the weighted matching against brute force and both ways of the pipeline.
#[test]
fn weighted_matching_agrees_with_brute_force_and_the_mip() {
    let mut failures = Vec::new();
    for seed in 0..cases() {
        let mut rng = ChaCha8Rng::seed_from_u64(2_000_000 + seed);
        let n = rng.random_range(2..=12usize);
        let density = rng.random_range(0.2..0.9);
        let low = if rng.random_bool(0.3) { -3 } else { 1 };
        let high = if rng.random_bool(0.5) { 3 } else { 30 };
        let arcs: Vec<(u32, u32, f64)> = random_arcs(&mut rng, n, 0, density)
            .into_iter()
            .map(|(u, v)| (u, v, f64::from(rng.random_range(low..=high))))
            .collect();
        let g = build_weighted(n, 0, &arcs);
        let sol = matched_with(&g, &weighted());
        let oracle = brute_force(&g, &weighted()).unwrap();
        let mip = solve_with(&g, &weighted(), RootLp::Whole, &|_| {}).unwrap();
        if sol.objective != oracle || mip.objective != oracle {
            failures.push(format!(
                "seed {seed}: matching {}, MIP {}, brute force {oracle}",
                sol.objective, mip.objective
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn weighted_matching_agrees_with_the_mip_on_larger_random_graphs() {
    let mut failures = Vec::new();
    for seed in 0..cases() / 3 {
        let mut rng = ChaCha8Rng::seed_from_u64(3_000_000 + seed);
        let n = rng.random_range(20..=60usize);
        let density = rng.random_range(0.08..0.5);
        let arcs: Vec<(u32, u32, f64)> = random_arcs(&mut rng, n, 0, density)
            .into_iter()
            .map(|(u, v)| (u, v, f64::from(rng.random_range(1..=20u32))))
            .collect();
        let g = build_weighted(n, 0, &arcs);
        let sol = matched_with(&g, &weighted());
        let mip = solve_with(&g, &weighted(), RootLp::ColumnGeneration, &|_| {}).unwrap();
        assert_eq!(mip.status, Status::Optimal);
        if sol.objective != mip.objective {
            failures.push(format!(
                "seed {seed} ({n} requests): matching {}, MIP {}",
                sol.objective, mip.objective
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// A clock that reads zero `n` times, then one hour: a solve with a one-minute limit runs out
/// at its `n`-th reading.
struct RunsOutAt {
    readings: AtomicU64,
    n: u64,
}

impl Clock for RunsOutAt {
    fn now(&self) -> Duration {
        if self.readings.fetch_add(1, Ordering::SeqCst) < self.n {
            Duration::ZERO
        } else {
            Duration::from_secs(3600)
        }
    }
}

/// The weighted matching checks the time limit between stages: stopped at any reading of its
/// clock, it returns a feasible matching and a valid bound (the duals'), and once the clock
/// never runs out, the optimum.
#[test]
fn weighted_matching_stopped_by_the_time_limit_returns_a_matching_and_a_bound() {
    for seed in 0..40 {
        let mut rng = ChaCha8Rng::seed_from_u64(4_000_000 + seed);
        let n = rng.random_range(6..=12usize);
        let arcs: Vec<(u32, u32, f64)> = random_arcs(&mut rng, n, 0, 0.6)
            .into_iter()
            .map(|(u, v)| (u, v, f64::from(rng.random_range(1..=9u32))))
            .collect();
        let g = build_weighted(n, 0, &arcs);
        let p = Params {
            memory_limit: None,
            time_limit: Some(Duration::from_secs(60)),
            ..weighted()
        };
        let oracle = brute_force(&g, &weighted()).unwrap();
        let mut stopped = 0;
        for readings in 1..=40 {
            let clock = RunsOutAt {
                readings: AtomicU64::new(0),
                n: readings,
            };
            let sol = solve_with_clock(&g, &p, &clock, &|_| {}).unwrap();
            check_solution(&g, &p, &sol).unwrap_or_else(|e| panic!("seed {seed}: {e}"));
            assert!(
                sol.objective <= oracle && oracle <= sol.bound,
                "seed {seed}, {readings} readings: {} <= {oracle} <= {}",
                sol.objective,
                sol.bound
            );
            match sol.status {
                Status::Optimal => assert_eq!(sol.objective, oracle, "seed {seed}"),
                Status::TimeLimit { gap } => {
                    stopped += 1;
                    assert!(gap >= 0.0, "seed {seed}: gap {gap}");
                }
                Status::MemoryLimit { .. } => panic!("seed {seed}: no memory limit: {sol:?}"),
            }
        }
        let last = solve_with_clock(
            &g,
            &p,
            &RunsOutAt {
                readings: AtomicU64::new(0),
                n: u64::MAX,
            },
            &|_| {},
        )
        .unwrap();
        assert_eq!((last.objective, last.status), (oracle, Status::Optimal));
        assert!(
            stopped > 0 || g.arcs().is_empty(),
            "seed {seed}: never stopped"
        );
    }
}

/// Blossoms by construction: odd cycles of mutual pairs with stems, where a greedy start
/// matches the wrong edges.
#[test]
fn odd_cycles_and_stems() {
    let mutual = |edges: &[(u32, u32)]| -> Vec<(u32, u32)> {
        edges.iter().flat_map(|&(u, v)| [(u, v), (v, u)]).collect()
    };
    // A 5-cycle 0..4 with a stem 4 - 5 - 6 and another 0 - 7: 4 pairs (8 handovers).
    let g = build(
        8,
        0,
        &mutual(&[
            (0, 1),
            (1, 2),
            (2, 3),
            (3, 4),
            (4, 0),
            (4, 5),
            (5, 6),
            (0, 7),
        ]),
    );
    assert_eq!(matched(&g).objective, 8.0);
    // Two triangles joined by a path: 0-1-2-0, 2-3, 3-4, 4-5-6-4: 7 vertices, 3 pairs.
    let g = build(
        7,
        0,
        &mutual(&[
            (0, 1),
            (1, 2),
            (2, 0),
            (2, 3),
            (3, 4),
            (4, 5),
            (5, 6),
            (6, 4),
        ]),
    );
    assert_eq!(matched(&g).objective, 6.0);
    // A one-way arc is no pair; no pairs, nothing to match.
    let g = build(3, 0, &[(0, 1), (1, 2), (2, 0)]);
    let sol = matched(&g);
    assert_eq!((sol.objective, sol.cycles.len()), (0.0, 0));
}

#[test]
fn same_result_under_arc_shuffling() {
    for seed in 0..20 {
        let mut rng = ChaCha8Rng::seed_from_u64(7_000 + seed);
        let n = rng.random_range(30..=120usize);
        let mut arcs: Vec<(u32, u32, f64)> = random_arcs(&mut rng, n, 0, 0.3)
            .into_iter()
            .map(|(u, v)| (u, v, f64::from(rng.random_range(1..=3u32))))
            .collect();
        let first: Vec<String> = [pairs_only(), weighted()]
            .iter()
            .map(|p| render(&matched_with(&build_weighted(n, 0, &arcs), p)))
            .collect();
        for _ in 0..3 {
            arcs.shuffle(&mut rng);
            for (p, first) in [pairs_only(), weighted()].iter().zip(&first) {
                let again = render(&matched_with(&build_weighted(n, 0, &arcs), p));
                assert_eq!(&again, first, "seed {seed} {:?}", p.objective);
            }
        }
    }
}

/// Where the matching does not apply, the pipeline still runs: chains allowed with offers,
/// fractional weights, exclusive groups of two.
#[test]
fn other_problems_keep_the_pipeline() {
    let arcs: Vec<(u32, u32)> = vec![(0, 1), (1, 0), (2, 3), (3, 2), (4, 0)];
    let g = build(4, 1, &arcs);
    let chains = Params {
        max_chain: 2,
        ..pairs_only()
    };
    let sol = solve(&g, &chains).unwrap();
    assert_eq!(sol.objective, brute_force(&g, &chains).unwrap());
    let fractional: Vec<(u32, u32, f64)> = arcs.iter().map(|&(u, v)| (u, v, 0.5)).collect();
    let g = build_weighted(4, 1, &fractional);
    let sol = solve(&g, &weighted()).unwrap();
    assert_eq!((sol.objective, sol.status), (2.0, Status::Optimal));
    // Requests 0 and 2 in one group: only one of the two pairs.
    let mut b = GraphBuilder::new();
    for (id, group) in [("a", "g"), ("b", "b"), ("c", "g"), ("d", "d")] {
        b.add_request_in_group(id, group).unwrap();
    }
    for (u, v) in [(0, 1), (1, 0), (2, 3), (3, 2)] {
        b.add_arc(VertexId(u), VertexId(v), 1.0).unwrap();
    }
    let g = b.build().unwrap();
    assert_eq!(solve(&g, &pairs_only()).unwrap().objective, 2.0);
}
