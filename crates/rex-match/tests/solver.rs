//! The solver against the brute-force oracle on random small graphs, its determinism and its
//! edge cases. (kep_solver's published optima on its `medium-*` instances are checked in
//! `crates/rex-kep/tests/kep_solver_optima.rs`, where the instance readers are.)
//!
//! Random cases are seeded: a failure prints its seed, and `REX_SOLVER_SEED=<seed>` replays that
//! one case alone. `REX_SOLVER_CASES=<n>` runs `n` seeds instead of the default.

use rand::seq::SliceRandom;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rex_match::oracle::{brute_force, check_solution};
use rex_match::solve::{solve_with, RootLp};
use rex_match::{
    solve, Graph, GraphBuilder, Objective, Params, Solution, SolveError, Status, VertexId,
    VertexKind,
};

/// Seeds run by [`solver_agrees_with_brute_force_on_random_graphs`] by default; each seed is one
/// graph solved under both objectives, each with the whole root LP and by column generation.
const DEFAULT_CASES: u64 = 320;

/// Objective comparisons allow `1e-6 * max(1, |value|)`.
fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-6 * b.abs().max(1.0)
}

fn params(max_cycle: usize, max_chain: usize, objective: Objective) -> Params {
    Params {
        max_cycle,
        max_chain,
        objective,
        time_limit: None,
        memory_limit: None,
    }
}

/// The graph in a form that can be read in a failure message and typed back into a test.
fn describe(g: &Graph) -> String {
    let mut s = String::from("vertices (index id kind group):");
    for (i, v) in g.vertices().iter().enumerate() {
        let kind = match v.kind {
            VertexKind::Request => "request",
            VertexKind::Offer => "offer",
        };
        s += &format!("\n  {i} {} {kind} {:?}", v.id, g.groups()[v.group as usize]);
    }
    s += "\narcs (from, to, weight):\n  ";
    let arcs: Vec<String> = g
        .arcs()
        .iter()
        .map(|a| format!("({}, {}, {:?})", a.from.0, a.to.0, a.weight))
        .collect();
    s += &arcs.join(", ");
    s
}

/// Everything in a [`Solution`] that must not vary between runs (the stats' timings may).
fn render(sol: &Solution) -> String {
    format!(
        "cycles {:?}\nchains {:?}\nobjective {:?} bound {:?} status {:?}",
        sol.cycles, sol.chains, sol.objective, sol.bound, sol.status
    )
}

/// Solves, and checks the answer is optimal, feasible, and worth what the oracle says. Returns
/// the solution, or a message naming what went wrong.
fn solve_and_check(g: &Graph, p: &Params) -> Result<Solution, String> {
    solve_and_check_with(g, p, RootLp::BySize)
}

/// [`solve_and_check`] with the root LP solved one given way.
fn solve_and_check_with(g: &Graph, p: &Params, how: RootLp) -> Result<Solution, String> {
    let sol = solve_with(g, p, how, &|_| {}).map_err(|e| format!("solve failed: {e:?}"))?;
    if sol.status != Status::Optimal {
        return Err(format!(
            "status {:?}, expected Optimal\n{}",
            sol.status,
            render(&sol)
        ));
    }
    check_solution(g, p, &sol)
        .map_err(|e| format!("infeasible solution: {e}\n{}", render(&sol)))?;
    let expected = brute_force(g, p).expect("graph small enough for the oracle");
    if !close(sol.objective, expected) {
        return Err(format!(
            "solver objective {} but brute force finds {expected}\n{}",
            sol.objective,
            render(&sol)
        ));
    }
    Ok(sol)
}

/// `check` for hand-made cases: the solve must succeed and be worth `expected`.
fn check(g: &Graph, p: &Params, expected: f64) -> Solution {
    let sol = solve_and_check(g, p).unwrap_or_else(|e| panic!("{p:?}: {e}\n{}", describe(g)));
    assert!(
        close(sol.objective, expected),
        "{p:?}: objective {}, expected {expected}\n{}",
        sol.objective,
        describe(g)
    );
    sol
}

/// One random case: the graph's vertices and arcs (in insertion order) and its caps.
struct Case {
    graph: Graph,
    /// Rebuilds the same graph with the arcs inserted in another order.
    arcs: Vec<(u32, u32, f64)>,
    vertices: Vec<(String, VertexKind, Option<String>)>,
    max_cycle: usize,
    max_chain: usize,
}

impl Case {
    /// 4..=12 vertices of which 0..=3 offers at random positions, some requests paired into
    /// exclusive groups of two, arcs with a random density, integer weights 1..=9 or fractional
    /// weights, K in 2..=4 and L in 0..=3.
    fn random(seed: u64) -> Case {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let n = rng.random_range(4..=12usize);
        let offers = rng.random_range(0..=3usize);
        let mut kinds: Vec<VertexKind> = (0..n)
            .map(|i| {
                if i < offers {
                    VertexKind::Offer
                } else {
                    VertexKind::Request
                }
            })
            .collect();
        kinds.shuffle(&mut rng);
        let requests: Vec<usize> = (0..n)
            .filter(|&i| kinds[i] == VertexKind::Request)
            .collect();
        let mut paired = requests.clone();
        paired.shuffle(&mut rng);
        let pairs = rng.random_range(0..=requests.len() / 3);
        let mut group: Vec<Option<String>> = vec![None; n];
        for (j, two) in paired.chunks(2).take(pairs).enumerate() {
            if two.len() == 2 {
                group[two[0]] = Some(format!("g{j}"));
                group[two[1]] = Some(format!("g{j}"));
            }
        }
        let vertices: Vec<(String, VertexKind, Option<String>)> = (0..n)
            .map(|i| {
                let id = match kinds[i] {
                    VertexKind::Request => format!("r{i}"),
                    VertexKind::Offer => format!("o{i}"),
                };
                (id, kinds[i], group[i].clone())
            })
            .collect();
        let density = rng.random_range(0.1..0.6);
        let integral = rng.random_bool(0.5);
        let mut arcs = Vec::new();
        for u in 0..n {
            for &v in &requests {
                if u != v && rng.random_bool(density) {
                    let w = if integral {
                        f64::from(rng.random_range(1..=9u32))
                    } else {
                        rng.random_range(0.01..10.0)
                    };
                    arcs.push((u as u32, v as u32, w));
                }
            }
        }
        let max_cycle = rng.random_range(2..=4usize);
        let max_chain = rng.random_range(0..=3usize);
        let graph = build(&vertices, &arcs);
        Case {
            graph,
            arcs,
            vertices,
            max_cycle,
            max_chain,
        }
    }
}

fn build(vertices: &[(String, VertexKind, Option<String>)], arcs: &[(u32, u32, f64)]) -> Graph {
    let mut b = GraphBuilder::new();
    for (id, kind, group) in vertices {
        match (kind, group) {
            (VertexKind::Offer, _) => b.add_offer(id.as_str()),
            (VertexKind::Request, Some(g)) => b.add_request_in_group(id.as_str(), g),
            (VertexKind::Request, None) => b.add_request(id.as_str()),
        }
        .unwrap();
    }
    for &(u, v, w) in arcs {
        b.add_arc(VertexId(u), VertexId(v), w).unwrap();
    }
    b.build().unwrap()
}

/// The seeds to run: `REX_SOLVER_SEED` alone if set, else `0..REX_SOLVER_CASES` (default
/// [`DEFAULT_CASES`]).
fn seeds() -> Vec<u64> {
    let var = |name: &str| {
        std::env::var(name).ok().map(|s| {
            s.parse::<u64>()
                .unwrap_or_else(|_| panic!("{name}={s:?} is not a number"))
        })
    };
    match var("REX_SOLVER_SEED") {
        Some(seed) => vec![seed],
        None => (0..var("REX_SOLVER_CASES").unwrap_or(DEFAULT_CASES)).collect(),
    }
}

#[test]
fn solver_agrees_with_brute_force_on_random_graphs() {
    let mut failures = Vec::new();
    let mut solves = 0;
    for seed in seeds() {
        let case = Case::random(seed);
        // Small graphs get the whole root LP by default; column generation (the way of large
        // models) must be right too.
        for how in [RootLp::Whole, RootLp::ColumnGeneration] {
            for objective in [Objective::Count, Objective::Weight] {
                let p = params(case.max_cycle, case.max_chain, objective);
                solves += 1;
                if let Err(e) = solve_and_check_with(&case.graph, &p, how) {
                    failures.push(format!(
                        "seed {seed} (replay: REX_SOLVER_SEED={seed}), K={} L={} {objective:?} \
                         {how:?}: {e}\n{}",
                        p.max_cycle,
                        p.max_chain,
                        describe(&case.graph)
                    ));
                }
            }
        }
    }
    assert_agree(&failures, solves, "pipeline");
}

#[test]
fn solving_is_deterministic_and_ignores_arc_insertion_order() {
    for seed in 0..40u64 {
        let case = Case::random(seed);
        let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x5eed);
        let mut shuffled = case.arcs.clone();
        shuffled.shuffle(&mut rng);
        let other = build(&case.vertices, &shuffled);
        assert_eq!(other, case.graph, "seed {seed}: builder is not canonical");
        for objective in [Objective::Count, Objective::Weight] {
            let p = params(case.max_cycle, case.max_chain, objective);
            let solve_once = |g: &Graph| {
                render(&solve(g, &p).unwrap_or_else(|e| panic!("seed {seed} {p:?}: {e:?}")))
            };
            let first = solve_once(&case.graph);
            let again = solve_once(&case.graph);
            let reordered = solve_once(&other);
            assert_eq!(
                first,
                again,
                "seed {seed} {p:?}: two solves differ\n{}",
                describe(&case.graph)
            );
            assert_eq!(
                first,
                reordered,
                "seed {seed} {p:?}: arc insertion order changes the result\n{}",
                describe(&case.graph)
            );
        }
    }
}

/// Requests `r0..r{requests}` then offers `o0..`, arcs by vertex index.
fn small(requests: usize, offers: usize, arcs: &[(u32, u32, f64)]) -> Graph {
    let mut vertices: Vec<(String, VertexKind, Option<String>)> = (0..requests)
        .map(|i| (format!("r{i}"), VertexKind::Request, None))
        .collect();
    vertices.extend((0..offers).map(|i| (format!("o{i}"), VertexKind::Offer, None)));
    build(&vertices, arcs)
}

#[test]
fn graphs_without_exchanges_are_worth_nothing() {
    let cases = [
        ("empty graph", small(0, 0, &[])),
        ("offers only", small(0, 3, &[])),
        ("no arcs", small(4, 2, &[])),
    ];
    for (what, g) in &cases {
        for p in [
            params(3, 3, Objective::Count),
            params(2, 0, Objective::Weight),
            params(0, 2, Objective::Count),
            params(0, 0, Objective::Count),
        ] {
            let sol = check(g, &p, 0.0);
            assert!(
                sol.cycles.is_empty() && sol.chains.is_empty(),
                "{what} {p:?}: {}",
                render(&sol)
            );
            assert!(close(sol.bound, 0.0), "{what} {p:?}: {}", render(&sol));
        }
    }
}

#[test]
fn caps_of_zero_switch_cycles_or_chains_off() {
    // A 3-cycle 0 -> 1 -> 2 -> 0, and offer 4 -> 3 -> 0 -> 1 competing for 0 and 1.
    let g = small(
        4,
        1,
        &[
            (0, 1, 1.0),
            (1, 2, 1.0),
            (2, 0, 1.0),
            (4, 3, 1.0),
            (3, 0, 1.0),
        ],
    );
    let chains_only = check(&g, &params(0, 3, Objective::Count), 3.0);
    assert!(chains_only.cycles.is_empty(), "{}", render(&chains_only));
    assert_eq!(chains_only.chains.len(), 1, "{}", render(&chains_only));
    let cycles_only = check(&g, &params(3, 0, Objective::Count), 3.0);
    assert!(cycles_only.chains.is_empty(), "{}", render(&cycles_only));
    assert_eq!(cycles_only.cycles.len(), 1, "{}", render(&cycles_only));
    // Both allowed: the cycle plus the chain 4 -> 3.
    check(&g, &params(3, 3, Objective::Count), 4.0);
    check(&g, &params(0, 0, Objective::Count), 0.0);
}

#[test]
fn out_of_range_caps_are_rejected() {
    let g = small(3, 1, &[(0, 1, 1.0), (1, 0, 1.0), (3, 2, 1.0)]);
    for (k, l, needle) in [(1, 2, "cycle"), (9, 2, "cycle"), (3, 13, "chain")] {
        match solve(&g, &params(k, l, Objective::Count)) {
            Err(SolveError::BadParams(msg)) => assert!(
                msg.to_lowercase().contains(needle),
                "K={k} L={l}: message {msg:?} does not mention {needle:?}"
            ),
            other => panic!("K={k} L={l}: expected BadParams, got {other:?}"),
        }
    }
}

/// Seeds run by [`search_path_agrees_with_brute_force_on_random_graphs`]: each one graph
/// (K capped at 3, where the search path applies) solved under both objectives.
const SEARCH_CASES: u64 = 400;

/// The search path (pricing by graph search, reduced-cost fixing by search; the way of large
/// dense pools), forced on small graphs: the oracle's optimum, proven, every time. Both with
/// its incumbent from the master's columns (or the root LP's best packing, when better: then a
/// fixing round that lowers the bound to the packing's worth proves it optimal) and from
/// nothing (so that the fixing rounds at the LP bound and at the incumbent plus one both run,
/// on most graphs where the bound is not tight).
#[test]
fn search_path_agrees_with_brute_force_on_random_graphs() {
    let mut failures = Vec::new();
    let mut solves = 0;
    let seeds: Vec<u64> = match std::env::var("REX_SOLVER_SEED") {
        Ok(_) => seeds(),
        Err(_) => (0..SEARCH_CASES).collect(),
    };
    for seed in seeds {
        let case = Case::random(seed);
        for objective in [Objective::Count, Objective::Weight] {
            let p = params(case.max_cycle.min(3), case.max_chain, objective);
            for how in [RootLp::Search, RootLp::SearchFromNothing] {
                solves += 1;
                if let Err(e) = solve_and_check_with(&case.graph, &p, how) {
                    failures.push(format!(
                        "seed {seed} (replay: REX_SOLVER_SEED={seed}), K={} L={} \
                         {objective:?} {how:?}: {e}\n{}",
                        p.max_cycle,
                        p.max_chain,
                        describe(&case.graph)
                    ));
                }
            }
        }
    }
    assert!(solves >= 2, "no solves ran");
    assert_agree(&failures, solves, "search-path");
}

/// A random graph of `n` requests and `offers` offers beyond the oracle's reach, with arcs of
/// probability `density` and weights 1..=4 (or 1 under `count`).
fn medium(seed: u64, n: usize, offers: usize, density: f64) -> (Graph, Vec<(u32, u32, f64)>) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut arcs = Vec::new();
    for u in 0..n + offers {
        for v in 0..n {
            if u != v && rng.random_bool(density) {
                arcs.push((u as u32, v as u32, f64::from(rng.random_range(1..=4u32))));
            }
        }
    }
    (small(n, offers, &arcs), arcs)
}

/// On graphs too large for the oracle (20 to 80 requests, past one 64-bit word of the
/// bitsets), the search path and the enumeration of every cycle prove the same optimum: seeds
/// 0 to 29 here, 30 to 59 in the next test (halves, so that the suite's two threads share the
/// work: one test of all 60 took 512 s on a slow machine, the longest of the suite).
#[test]
fn search_path_agrees_with_enumeration_on_medium_graphs() {
    agrees_with_enumeration_on_medium_graphs(0..30);
}

/// The second half of [`search_path_agrees_with_enumeration_on_medium_graphs`].
#[test]
fn search_path_agrees_with_enumeration_on_more_medium_graphs() {
    agrees_with_enumeration_on_medium_graphs(30..60);
}

fn agrees_with_enumeration_on_medium_graphs(seeds: std::ops::Range<u64>) {
    assert!(!seeds.is_empty());
    for seed in seeds {
        let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0xbeef);
        let n = rng.random_range(20..=80usize);
        let offers = rng.random_range(0..=n / 8);
        let density = rng.random_range(0.05..0.3);
        let (g, _) = medium(seed, n, offers, density);
        for objective in [Objective::Count, Objective::Weight] {
            let p = params(3, rng.random_range(0..=3usize), objective);
            let listed = solve_with(&g, &p, RootLp::ColumnGeneration, &|_| {}).unwrap();
            assert_eq!(listed.status, Status::Optimal, "seed {seed} {p:?}");
            // (From nothing on every other seed: the slowest way, for the suite's time.)
            let ways: &[RootLp] = if seed % 2 == 0 {
                &[RootLp::Search, RootLp::SearchFromNothing]
            } else {
                &[RootLp::Search]
            };
            for &how in ways {
                let searched = solve_with(&g, &p, how, &|_| {}).unwrap();
                assert_eq!(
                    searched.status,
                    Status::Optimal,
                    "seed {seed} {p:?} {how:?}"
                );
                assert!(
                    close(searched.objective, listed.objective),
                    "seed {seed} {p:?} {how:?}: search path {} but enumeration {}",
                    searched.objective,
                    listed.objective
                );
                check_solution(&g, &p, &searched)
                    .unwrap_or_else(|e| panic!("seed {seed} {p:?} {how:?}: infeasible: {e}"));
            }
        }
    }
}

/// The search path gives the same result bytes on every run and whatever order the arcs were
/// inserted in.
#[test]
fn search_path_is_deterministic_and_ignores_arc_insertion_order() {
    for seed in 0..30u64 {
        let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x5eed);
        let n = rng.random_range(10..=50usize);
        let (g, mut arcs) = medium(seed, n, n / 10, 0.2);
        arcs.shuffle(&mut rng);
        let other = small(n, n / 10, &arcs);
        assert_eq!(other, g, "seed {seed}: builder is not canonical");
        for (objective, how) in [Objective::Count, Objective::Weight]
            .into_iter()
            .flat_map(|o| [(o, RootLp::Search), (o, RootLp::SearchFromNothing)])
            // (From nothing on every third seed: the slowest way, for the suite's time.)
            .filter(|&(_, how)| how == RootLp::Search || seed % 3 == 0)
        {
            let p = params(3, 3, objective);
            let once = |g: &Graph| {
                render(
                    &solve_with(g, &p, how, &|_| {})
                        .unwrap_or_else(|e| panic!("seed {seed} {p:?} {how:?}: {e:?}")),
                )
            };
            let first = once(&g);
            assert_eq!(
                first,
                once(&g),
                "seed {seed} {p:?} {how:?}: two solves differ"
            );
            assert_eq!(
                first,
                once(&other),
                "seed {seed} {p:?} {how:?}: arc insertion order changes the result"
            );
        }
    }
}

/// A graph with more cycles than the memory limit lets the enumeration hold goes straight to
/// the search path (decided by counting them up front) and gets the enumeration's optimum.
#[test]
fn more_cycles_than_the_cap_take_the_search_path_with_the_same_optimum() {
    for seed in 0..6u64 {
        let (g, _) = medium(seed, 80, 6, 0.35);
        for objective in [Objective::Count, Objective::Weight] {
            let unlimited = params(3, 3, objective);
            let listed = solve_with(&g, &unlimited, RootLp::Enumerate, &|_| {}).unwrap();
            assert!(
                listed.stats.cycles_enumerated > 4096,
                "seed {seed}: {} cycles, too few for the cap",
                listed.stats.cycles_enumerated
            );
            // A cap of 4,096 cycles.
            let capped = Params {
                memory_limit: Some(4096 * 256),
                ..unlimited
            };
            let searched = solve_with(&g, &capped, RootLp::BySize, &|_| {})
                .unwrap_or_else(|e| panic!("seed {seed} {objective:?}: {e}"));
            assert_eq!(
                searched.status,
                Status::Optimal,
                "seed {seed} {objective:?}"
            );
            assert!(
                searched.stats.cycles_enumerated < listed.stats.cycles_enumerated,
                "seed {seed} {objective:?}: not the search path"
            );
            assert!(
                close(searched.objective, listed.objective),
                "seed {seed} {objective:?}: {} searched, {} enumerated",
                searched.objective,
                listed.objective
            );
            check_solution(&g, &capped, &searched)
                .unwrap_or_else(|e| panic!("seed {seed} {objective:?}: infeasible: {e}"));
        }
    }
}

/// A pool of over a million cycles of at most 3 arcs is not enumerated, however much memory
/// the limit allows (it is searched; under `count` the cover bound settles this one), and
/// every request is still exchanged: the optimum of a graph this dense.
#[test]
fn over_a_million_cycles_are_searched_not_enumerated() {
    let n = 220;
    let (g, arcs) = medium(7, n, 0, 0.75);
    let mut adj = vec![vec![false; n]; n];
    for &(u, v, _) in &arcs {
        adj[u as usize][v as usize] = true;
    }
    // Cycles counted from their smallest vertex: 2-cycles, then 3-cycles both ways round.
    let mut cycles = 0u64;
    for a in 0..n {
        for b in a + 1..n {
            cycles += u64::from(adj[a][b] && adj[b][a]);
            for c in b + 1..n {
                cycles += u64::from(adj[a][b] && adj[b][c] && adj[c][a]);
                cycles += u64::from(adj[a][c] && adj[c][b] && adj[b][a]);
            }
        }
    }
    assert!(cycles > 1_000_000, "{cycles} cycles, too few for the test");
    let p = Params {
        memory_limit: Some(64 << 30),
        ..params(3, 3, Objective::Count)
    };
    let solution = solve_with(&g, &p, RootLp::BySize, &|_| {}).unwrap();
    assert!(
        (solution.stats.cycles_enumerated as u64) < cycles,
        "all {cycles} cycles enumerated"
    );
    assert_eq!(solution.status, Status::Optimal);
    assert!(
        close(solution.objective, n as f64),
        "{}",
        solution.objective
    );
    check_solution(&g, &p, &solution).unwrap();
}

/// A model over the memory limit stops with one line naming the limit, on both paths, rather
/// than growing until the system kills it. (Weighted: a `count` pool this dense is settled by
/// the cover bound and its packing first, which need no model.)
#[test]
fn a_model_over_the_memory_limit_is_refused_in_one_line() {
    let (g, _) = medium(3, 40, 4, 0.3);
    for how in [RootLp::Search, RootLp::BySize] {
        let p = Params {
            memory_limit: Some(4096),
            ..params(3, 3, Objective::Weight)
        };
        match solve_with(&g, &p, how, &|_| {}) {
            Err(SolveError::TooLarge(msg)) => {
                assert!(msg.contains("memory limit"), "{how:?}: {msg}");
                assert!(!msg.contains('\n'), "{how:?}: {msg}");
            }
            other => panic!("{how:?}: expected TooLarge, got {other:?}"),
        }
        let roomy = Params {
            memory_limit: Some(1 << 30),
            ..params(3, 3, Objective::Weight)
        };
        let sol = solve_with(&g, &roomy, how, &|_| {}).unwrap();
        assert_eq!(sol.status, Status::Optimal, "{how:?}");
    }
}

/// Past its root LP, the search path does not fail for lack of memory: when the model of a
/// fixing round would exceed the limit, it stops with the best solution found and the bound
/// proven so far, `MemoryLimit`. Raising the limit step by step on each graph goes from the
/// one-line refusal (the graph itself does not fit) to that stop to the proven optimum, never
/// back, and every answer is feasible with a bound at least the optimum. (Under such limits a
/// neighbourhood of the local search is as large as its graph, and its enumeration is refused
/// too: it must not take the search path, which started neighbourhoods of its own without end.)
#[test]
fn a_fixing_round_over_the_memory_limit_stops_with_the_best_known() {
    let mut stopped = 0;
    for seed in 0..12u64 {
        let (g, _) = medium(seed, 11, 2, 0.35);
        for objective in [Objective::Count, Objective::Weight] {
            let p = params(3, 2, objective);
            let opt = brute_force(&g, &p).expect("small enough for the oracle");
            // 0: refused, 1: stopped at the memory limit, 2: optimal.
            let mut stage = 0;
            let mut limit = 1u64 << 10;
            while limit < 1 << 28 {
                let what = format!("seed {seed} {objective:?}, memory limit {limit} B");
                let p = Params {
                    memory_limit: Some(limit),
                    ..p.clone()
                };
                let now = match solve_with(&g, &p, RootLp::SearchFromNothing, &|_| {}) {
                    Err(SolveError::TooLarge(msg)) => {
                        assert!(!msg.contains('\n'), "{what}: {msg}");
                        0
                    }
                    Err(e) => panic!("{what}: {e}"),
                    Ok(sol) => {
                        check_solution(&g, &p, &sol).unwrap_or_else(|e| panic!("{what}: {e}"));
                        assert!(sol.objective <= opt + 1e-6, "{what}: {sol:?}");
                        assert!(sol.bound >= opt - 1e-6, "{what}: {sol:?}");
                        match sol.status {
                            Status::MemoryLimit { gap } => {
                                assert!(gap > 0.0, "{what}: {sol:?}");
                                assert!(sol.bound > sol.objective, "{what}: {sol:?}");
                                stopped += 1;
                                1
                            }
                            Status::Optimal => {
                                assert!((sol.objective - opt).abs() <= 1e-6, "{what}");
                                2
                            }
                            Status::TimeLimit { .. } => panic!("{what}: no time limit: {sol:?}"),
                        }
                    }
                };
                assert!(now >= stage, "{what}: back from stage {stage} to {now}");
                stage = now;
                limit += limit / 8;
            }
            assert_eq!(stage, 2, "seed {seed} {objective:?}: never solved");
        }
    }
    assert!(
        stopped >= 10,
        "only {stopped} solves stopped at the memory limit"
    );
}

/// The cover path (the cover bound proven by its duals, then a packing of tight cycles and
/// chains or the exact optimum of sparse subgraphs of tight arcs; the way of large dense
/// `count` pools), forced on small graphs: the oracle's optimum, proven, every time, and on
/// many of them settled by the cover bound itself.
#[test]
fn cover_path_agrees_with_brute_force_on_random_graphs() {
    let mut failures = Vec::new();
    let (mut solves, mut by_cover) = (0, 0);
    for seed in 0..SEARCH_CASES {
        let case = Case::random(seed);
        let p = params(case.max_cycle, case.max_chain, Objective::Count);
        solves += 1;
        match solve_and_check_with(&case.graph, &p, RootLp::Cover) {
            Ok(sol) => by_cover += usize::from(sol.stats.cover_bound == Some(sol.objective)),
            Err(e) => failures.push(format!(
                "seed {seed} (replay: REX_SOLVER_SEED={seed}), K={} L={}: {e}\n{}",
                p.max_cycle,
                p.max_chain,
                describe(&case.graph)
            )),
        }
    }
    assert_agree(&failures, solves, "cover-path");
    assert!(
        by_cover >= 50,
        "only {by_cover} of {solves} solves were settled by the cover bound"
    );
}

/// By size, a small `count` pool without exclusive groups of several vertices and with cycles
/// of at most 3 arcs first tries the cover bound and its tight packing: where the packing is
/// worth the bound the solve ends there, before any cycle is enumerated or any LP solved;
/// elsewhere the pipeline runs after it. Both ways give the oracle's optimum, proven.
#[test]
fn by_size_the_cover_settles_some_small_pools_before_enumerating() {
    let mut failures = Vec::new();
    let (mut solves, mut settled, mut after) = (0, 0, 0);
    for seed in seeds() {
        let case = Case::random(seed);
        let vertices: Vec<_> = case
            .vertices
            .iter()
            .map(|(id, kind, _)| (id.clone(), *kind, None))
            .collect();
        let g = build(&vertices, &case.arcs);
        let p = params(case.max_cycle.min(3), case.max_chain, Objective::Count);
        solves += 1;
        match solve_and_check_with(&g, &p, RootLp::BySize) {
            // (The pairs-only matching, which comes first.)
            Ok(sol) if sol.stats.cover_bound.is_none() => {}
            Ok(sol)
                if sol.stats.cover_bound == Some(sol.objective)
                    && sol.stats.cycles_enumerated == 0
                    && sol.stats.arcs_after_reduction == 0 =>
            {
                settled += 1
            }
            Ok(_) => after += 1,
            Err(e) => failures.push(format!(
                "seed {seed} (replay: REX_SOLVER_SEED={seed}), K={} L={}: {e}\n{}",
                p.max_cycle,
                p.max_chain,
                describe(&g)
            )),
        }
    }
    assert_agree(&failures, solves, "by-size (cover first)");
    // (A single replayed seed takes one way only.)
    if solves >= 100 {
        assert!(
            settled >= solves / 10 && after >= solves / 10,
            "of {solves} solves, {settled} settled by the cover, {after} by the pipeline after it"
        );
    }
}

/// On dense graphs beyond the oracle (60 to 120 requests), the cover path proves the
/// enumeration's optimum, settled by the cover bound on most, and gives the same result
/// bytes on every run and whatever order the arcs were inserted in.
#[test]
fn cover_path_agrees_with_enumeration_and_is_deterministic_on_dense_graphs() {
    let mut by_cover = 0;
    for seed in 0..24u64 {
        let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0xc0fe);
        let n = rng.random_range(60..=120usize);
        let (g, mut arcs) = medium(seed, n, n / 20, rng.random_range(0.15..0.4));
        let p = params(3, 3, Objective::Count);
        let listed = solve_with(&g, &p, RootLp::ColumnGeneration, &|_| {}).unwrap();
        let covered = solve_with(&g, &p, RootLp::Cover, &|_| {}).unwrap();
        assert_eq!(covered.status, Status::Optimal, "seed {seed}");
        assert!(
            close(covered.objective, listed.objective),
            "seed {seed}: cover path {} but enumeration {}",
            covered.objective,
            listed.objective
        );
        check_solution(&g, &p, &covered).unwrap_or_else(|e| panic!("seed {seed}: {e}"));
        by_cover += usize::from(covered.stats.cover_bound == Some(covered.objective));
        arcs.shuffle(&mut rng);
        let other = small(n, n / 20, &arcs);
        let again = solve_with(&other, &p, RootLp::Cover, &|_| {}).unwrap();
        assert_eq!(
            render(&again),
            render(&covered),
            "seed {seed}: not deterministic"
        );
    }
    assert!(
        by_cover >= 12,
        "only {by_cover} of 24 settled by the cover bound"
    );
}

/// Fails, naming how many of `solves` disagreed with the oracle and the first few, when any did.
fn assert_agree(failures: &[String], solves: usize, what: &str) {
    assert!(
        failures.is_empty(),
        "{} of {solves} {what} solves disagree with the oracle; the first ones:\n\n{}",
        failures.len(),
        failures[..failures.len().min(5)].join("\n\n")
    );
}
