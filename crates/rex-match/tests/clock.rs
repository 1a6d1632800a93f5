//! The time limit and the progress reports, driven by a fake clock: a solve stopped at any
//! reading of its clock, in any phase, returns a feasible solution and a valid bound, and the
//! same stop gives the same answer. Nothing here depends on the machine's speed or the build
//! profile. (HiGHS is given what is left of the budget as its own limit, in real seconds: the
//! fake budgets below leave it minutes, which these small models never need.)

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rex_match::oracle::{brute_force, check_solution};
use rex_match::solve::{solve_forced, solve_with, RootLp};
use rex_match::{
    Clock, Graph, GraphBuilder, Objective, Params, Progress, Solution, Status, VertexId,
};
use std::collections::BTreeSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Duration;

/// A clock that reads zero `n` times, then `limit` for ever: a solve started on it (its first
/// reading) runs out of a budget of `limit` at its `n`-th reading. `n = u64::MAX` never does.
struct RunsOutAt {
    readings: AtomicU64,
    n: u64,
    limit: Duration,
}

impl RunsOutAt {
    fn new(n: u64, limit: Duration) -> Self {
        RunsOutAt {
            readings: AtomicU64::new(0),
            n,
            limit,
        }
    }

    fn readings(&self) -> u64 {
        self.readings.load(Ordering::SeqCst)
    }
}

impl Clock for RunsOutAt {
    fn now(&self) -> Duration {
        if self.readings.fetch_add(1, Ordering::SeqCst) < self.n {
            Duration::ZERO
        } else {
            self.limit
        }
    }
}

/// A clock that advances by `step` at every reading.
struct Ticking {
    readings: AtomicU64,
    step: Duration,
}

impl Clock for Ticking {
    fn now(&self) -> Duration {
        let k = self.readings.fetch_add(1, Ordering::SeqCst);
        self.step * u32::try_from(k).expect("few readings")
    }
}

/// A budget that a fake clock spends, and that leaves HiGHS minutes of real time until then.
const LIMIT: Duration = Duration::from_secs(3600);

/// K = 3, L = 2 under `objective`, a budget of [`LIMIT`] (which only the fake clocks spend),
/// no memory limit.
fn params(objective: Objective) -> Params {
    Params {
        max_cycle: 3,
        max_chain: 2,
        objective,
        time_limit: Some(LIMIT),
        memory_limit: None,
    }
}

/// A random graph: `n` requests and `offers` offers, arcs with probability `density`, integer
/// weights 1..=4.
fn random_graph(seed: u64, n: usize, offers: usize, density: f64) -> Graph {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut b = GraphBuilder::new();
    for i in 0..n {
        b.add_request(format!("p{i}")).unwrap();
    }
    for i in 0..offers {
        b.add_offer(format!("o{i}")).unwrap();
    }
    for u in 0..n + offers {
        for v in 0..n {
            if u != v && rng.random_bool(density) {
                let w = f64::from(rng.random_range(1..=4u32));
                b.add_arc(VertexId(u as u32), VertexId(v as u32), w)
                    .unwrap();
            }
        }
    }
    b.build().unwrap()
}

/// Everything in a [`Solution`] that must not vary between runs.
fn render(sol: &Solution) -> String {
    format!(
        "cycles {:?}\nchains {:?}\nobjective {:?} bound {:?} status {:?}",
        sol.cycles, sol.chains, sol.objective, sol.bound, sol.status
    )
}

/// Solves on `clock`, returning the solution and the reports (phase and incumbent), in order.
fn solve_on(
    g: &Graph,
    p: &Params,
    how: RootLp,
    clock: &dyn Clock,
) -> (Solution, Vec<(&'static str, Option<f64>)>) {
    let reports = Mutex::new(Vec::new());
    let sol = solve_forced(g, p, how, clock, &|progress: &Progress| {
        reports
            .lock()
            .unwrap()
            .push((progress.phase, progress.incumbent));
    })
    .unwrap_or_else(|e| panic!("{p:?}: {e}"));
    (sol, reports.into_inner().unwrap())
}

/// Stops the solve of `g` at every reading of its clock in turn and checks each answer against
/// the optimum `opt`; returns the phases in which a stop left the solve unproven.
fn stop_everywhere(
    what: &str,
    g: &Graph,
    p: &Params,
    how: RootLp,
    opt: f64,
) -> BTreeSet<&'static str> {
    let full = RunsOutAt::new(u64::MAX, LIMIT);
    let (unlimited, _) = solve_on(g, p, how, &full);
    assert_eq!(unlimited.status, Status::Optimal, "{what}");
    assert_eq!(
        unlimited.stats.elapsed,
        Duration::ZERO,
        "{what}: a frozen clock"
    );
    let readings = full.readings();
    let mut stopped_in = BTreeSet::new();
    for n in 1..=readings {
        let clock = RunsOutAt::new(n, LIMIT);
        let (sol, reports) = solve_on(g, p, how, &clock);
        let phases: Vec<_> = reports.iter().map(|&(phase, _)| phase).collect();
        let at = format!("{what}, stopped at reading {n} of {readings}");
        check_solution(g, p, &sol).unwrap_or_else(|e| panic!("{at}: {e}\n{}", render(&sol)));
        assert!(sol.objective <= opt + 1e-6, "{at}: {}", render(&sol));
        // Nothing found before the stop is lost: the answer is worth every incumbent shown.
        for &(phase, incumbent) in &reports {
            assert!(
                incumbent.is_none_or(|i| sol.objective >= i - 1e-9),
                "{at}: {phase} showed an incumbent of {incumbent:?}, the answer is worth less\n{}",
                render(&sol)
            );
        }
        assert!(
            sol.bound >= opt - 1e-6,
            "{at}: bound below the optimum {opt}\n{}",
            render(&sol)
        );
        match sol.status {
            Status::Optimal => {
                assert!(
                    (sol.objective - opt).abs() <= 1e-6,
                    "{at}: {}",
                    render(&sol)
                );
                assert_eq!(sol.bound, sol.objective, "{at}");
            }
            Status::TimeLimit { gap } => {
                assert!(gap >= 0.0, "{at}: {}", render(&sol));
                assert_eq!(
                    sol.stats.elapsed,
                    LIMIT,
                    "{at}: stopped before the budget ran out: {phases:?}\n{}",
                    render(&sol)
                );
                let last = phases.last();
                stopped_in.insert(*last.unwrap_or_else(|| panic!("{at}: no report before")));
            }
            Status::MemoryLimit { .. } => panic!("{at}: no memory limit\n{}", render(&sol)),
        }
        // The same stop, the same answer.
        let (again, _) = solve_on(g, p, how, &RunsOutAt::new(n, LIMIT));
        assert_eq!(render(&again), render(&sol), "{at}: not reproducible");
    }
    // Stopped at the reading after its last one, the solve ends as without a limit.
    let (last, _) = solve_on(g, p, how, &RunsOutAt::new(readings + 1, LIMIT));
    assert_eq!(render(&last), render(&unlimited), "{what}");
    assert_eq!(
        render(&unlimited),
        render(&solve_with(g, p, how, &|_| {}).unwrap()),
        "{what}: the clock changed the answer"
    );
    stopped_in
}

/// Every phase of the pipeline can be stopped by the time limit, and each stop leaves a
/// feasible solution, a bound at least the optimum and the right status.
#[test]
fn a_solve_stopped_at_any_reading_of_its_clock_returns_a_valid_answer() {
    let mut stopped_in = BTreeSet::new();
    let mut cases = 0;
    for seed in 0..60u64 {
        let g = random_graph(seed, 9 + (seed % 4) as usize, (seed % 3) as usize, 0.3);
        for objective in [Objective::Count, Objective::Weight] {
            let p = params(objective);
            let opt = brute_force(&g, &p).expect("small enough for the oracle");
            // (By size, `count` pools first try the cover bound and its tight packing.)
            for how in [RootLp::Whole, RootLp::ColumnGeneration, RootLp::BySize] {
                let what = format!("seed {seed} {objective:?} {how:?}");
                stopped_in.extend(stop_everywhere(&what, &g, &p, how, opt));
                cases += 1;
            }
        }
    }
    let all: BTreeSet<&str> = [
        "counting cycles",
        "cover bound",
        "reducing",
        "root LP",
        "diving",
        "restricted MIP",
        "full MIP",
    ]
    .into();
    assert_eq!(stopped_in, all, "phases stopped in, over {cases} cases");
}

/// The search path too (its incumbent from the master's columns, or from nothing so that the
/// fixing rounds run): a stop at any reading of its clock leaves a valid answer.
#[test]
fn a_search_path_solve_stopped_at_any_reading_returns_a_valid_answer() {
    let mut stopped_in = BTreeSet::new();
    for seed in 0..20u64 {
        let g = random_graph(seed, 9 + (seed % 4) as usize, (seed % 3) as usize, 0.3);
        for objective in [Objective::Count, Objective::Weight] {
            let p = params(objective);
            let opt = brute_force(&g, &p).expect("small enough for the oracle");
            for how in [RootLp::Search, RootLp::SearchFromNothing] {
                let what = format!("seed {seed} {objective:?} {how:?}");
                stopped_in.extend(stop_everywhere(&what, &g, &p, how, opt));
            }
        }
    }
    for phase in ["root LP", "fixing"] {
        assert!(
            stopped_in.contains(phase),
            "never stopped in {phase}: {stopped_in:?}"
        );
    }
}

/// Progress reports and the solution's elapsed time come from the caller's clock, and a
/// budget measured on it stops the solve.
#[test]
fn progress_and_the_time_limit_follow_the_callers_clock() {
    let g = random_graph(3, 40, 3, 0.15);
    let mut p = Params {
        max_cycle: 3,
        max_chain: 3,
        objective: Objective::Count,
        memory_limit: None,
        time_limit: None,
    };
    let step = Duration::from_secs(100);
    let clock = Ticking {
        readings: AtomicU64::new(0),
        step,
    };
    let reports: Mutex<Vec<Progress>> = Mutex::default();
    let on_progress = |progress: &Progress| reports.lock().unwrap().push(*progress);
    let sol = rex_match::solve_with_clock(&g, &p, &clock, &on_progress).unwrap();
    assert_eq!(sol.status, Status::Optimal);
    let reports = std::mem::take(&mut *reports.lock().unwrap());
    // (A `count` pool: the cover bound comes first.)
    assert_eq!(reports[0].phase, "cover bound");
    assert_eq!(
        reports[0].elapsed, step,
        "the first reading after the start"
    );
    for w in reports.windows(2) {
        assert!(w[0].elapsed < w[1].elapsed, "{reports:?}");
    }
    let readings = clock.readings.load(Ordering::SeqCst);
    assert_eq!(
        sol.stats.elapsed,
        step * (readings as u32 - 1),
        "the last reading"
    );
    assert!(readings > 4, "{readings} readings: too few to stop halfway");

    // A budget of half the readings stops the solve there, with the last report before it.
    p.time_limit = Some(step * (readings as u32 / 2));
    let clock = Ticking {
        readings: AtomicU64::new(0),
        step,
    };
    let stopped = rex_match::solve_with_clock(&g, &p, &clock, &|_| {}).unwrap();
    assert!(
        matches!(stopped.status, Status::TimeLimit { .. }),
        "{}",
        render(&stopped)
    );
    assert!(stopped.stats.elapsed >= p.time_limit.unwrap());
    assert!(stopped.objective <= sol.objective && stopped.bound >= sol.objective);
}

/// The cover path too (the cover bound, the tight packing and the sparse subgraphs, forced on
/// small graphs): a stop at any reading of its clock leaves a valid answer.
#[test]
fn a_cover_path_solve_stopped_at_any_reading_returns_a_valid_answer() {
    let mut stopped_in = BTreeSet::new();
    for seed in 0..20u64 {
        let g = random_graph(seed, 9 + (seed % 4) as usize, (seed % 3) as usize, 0.3);
        let p = params(Objective::Count);
        let opt = brute_force(&g, &p).expect("small enough for the oracle");
        let what = format!("seed {seed} cover");
        stopped_in.extend(stop_everywhere(&what, &g, &p, RootLp::Cover, opt));
    }
    assert!(
        stopped_in.contains("cover bound"),
        "never stopped in the cover bound: {stopped_in:?}"
    );
    // The search path's column generation, where a stop returns a rounding of its LPs.
    assert!(
        stopped_in.contains("root LP"),
        "never stopped in the search path's root LP: {stopped_in:?}"
    );
}

/// Cycles of 4 arcs, beyond the search path: an open cover step hands over to the enumeration,
/// which starts from nothing. Stopped there, the solve still returns the cover step's solution
/// (or better) with the cover bound (or a tighter one).
#[test]
fn a_cover_step_s_solution_outlives_a_stopped_enumeration() {
    let mut handed_over = 0;
    for seed in 0..20u64 {
        let g = random_graph(seed, 9 + (seed % 4) as usize, (seed % 3) as usize, 0.3);
        let p = Params {
            max_cycle: 4,
            ..params(Objective::Count)
        };
        let opt = brute_force(&g, &p).expect("small enough for the oracle");
        let what = format!("seed {seed} cover, K = 4");
        let stopped_in = stop_everywhere(&what, &g, &p, RootLp::Cover, opt);
        if stopped_in.iter().any(|&phase| phase != "cover bound") {
            handed_over += 1;
        }
    }
    assert!(
        handed_over >= 5,
        "only {handed_over} graphs stopped after the cover step"
    );
}

/// The progress line's incumbent is the best solution found so far: once reported it never
/// goes down nor disappears, whichever way the solve goes (the cover step handing over to the
/// search path, the search path's root LP, master model and fixing rounds, the pipeline's
/// dive and integer programs), and the answer is worth at least the last one reported.
#[test]
fn the_reported_incumbent_never_goes_down() {
    let mut followed = 0;
    for seed in 0..30u64 {
        let g = random_graph(seed, 12 + (seed % 20) as usize, (seed % 4) as usize, 0.25);
        for objective in [Objective::Count, Objective::Weight] {
            let p = params(objective);
            for (how, k) in [
                (RootLp::Cover, 3),
                (RootLp::Cover, 4),
                (RootLp::Search, 3),
                (RootLp::SearchFromNothing, 3),
                (RootLp::BySize, 3),
            ] {
                let p = Params { max_cycle: k, ..p };
                let what = format!("seed {seed} {objective:?} {how:?} K = {k}");
                let clock = RunsOutAt::new(u64::MAX, LIMIT);
                let seen = Mutex::new(Vec::new());
                let sol = solve_forced(&g, &p, how, &clock, &|progress: &Progress| {
                    seen.lock()
                        .unwrap()
                        .push((progress.phase, progress.incumbent));
                })
                .unwrap_or_else(|e| panic!("{what}: {e}"));
                let seen = seen.into_inner().unwrap();
                for w in seen.windows(2) {
                    let ((_, Some(before)), (phase, after)) = (w[0], w[1]) else {
                        continue;
                    };
                    let after = after.unwrap_or_else(|| {
                        panic!("{what}: the incumbent {before} disappeared in {phase}: {seen:?}")
                    });
                    assert!(
                        after >= before - 1e-9,
                        "{what}: the incumbent went down from {before} to {after} in {phase}: \
                         {seen:?}"
                    );
                }
                if let Some(last) = seen.iter().filter_map(|&(_, i)| i).next_back() {
                    assert!(sol.objective >= last - 1e-9, "{what}: {seen:?}");
                    followed += 1;
                }
            }
        }
    }
    assert!(
        followed > 100,
        "only {followed} solves reported an incumbent"
    );
}
