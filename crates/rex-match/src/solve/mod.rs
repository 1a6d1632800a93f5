//! The exact solver.
//!
//! # Formulation
//!
//! Cycles use the *cycle formulation*: every feasible cycle of at most K arcs (distinct
//! exclusive groups, requests only) is a binary column. Chains use the *position-indexed chain
//! formulation* (PICEF, Dickerson, Manlove, Plaut, Sandholm & Trimble, EC 2016): a binary column
//! per arc and position, with flow rows linking position `p` to `p + 1`. Rows are one packing row
//! per exclusive group (at most one vertex of a group receives; an offer gives at most once).
//! Together these are the strongest compact-for-chains formulation in the literature, and its LP
//! bound is tight on kidney-exchange instances.
//!
//! # Algorithm
//!
//! *Pairs only.* With cycles of at most 2 arcs, no chains and no exclusive group of several
//! vertices, the problem is a maximum matching of the mutual pairs. Under `count`, `pairs`
//! solves it in polynomial time with Edmonds' blossom algorithm and proves the matching
//! maximum by a Tutte–Berge bound; under `weight` with integer weights, `pairs_weighted`
//! runs the primal-dual blossom algorithm and proves the matching maximum by its duals. The
//! proof's value is the solution's `bound`, equal to its objective. None of the steps below
//! runs. Otherwise:
//!
//! *`count` pools, first.* With cycles of at most 3 arcs and every exclusive group one vertex,
//! `cover_first` computes the *cover bound* before anything else: the optimum with cycles and
//! chains of any length, an assignment problem solved exactly (under 2 s at 10,000 pairs and 24
//! million arcs, with the packing below) and proven by its duals, which are checked on every
//! arc (see `cover`). On dense pools it equals the optimum with short cycles (on every Saidman
//! pool measured, see BENCHMARKS.md). Any solution worth it uses only arcs its duals leave
//! *tight* and covers every request of positive dual, so a greedy packing of tight cycles and
//! chains, hardest requests first, with a repair step for those it leaves uncovered, often
//! reaches it: on a third of the 211 shared instances and on the three 10,000-pair Saidman
//! pools measured. Such a packing is a solution of the whole graph, so it is optimal, and the
//! solve ends before any cycle is counted or enumerated. Otherwise the solve goes on as below,
//! with the packing to fall back on: a solve stopped by the time limit returns the better of
//! the two, with the tighter bound.
//!
//! *Large pools.* With cycles of at most 3 arcs and more than a million of them
//! (`prep::SEARCH_ABOVE`, or fewer under the memory limit), the `search` path takes over:
//! above that size, an enumerated pool whose LP bound is not its optimum spends minutes in
//! integer programs over millions of cycles. Whether it does is decided up front, by
//! counting those cycles exactly on adjacency bitsets (`search::more_cycles_than`, a
//! popcount per arc, stopping at the cap) instead of enumerating until the cap. There, when
//! the cover step ran and its packing fell short, `sparse_subgraphs` first solves subgraphs of
//! a few dozen tight arcs per vertex exactly with the usual pipeline; each solution is one of
//! the whole graph, so one worth the bound is optimal. Otherwise (sparse pools, and most
//! modified-Saidman ones, whose optimum is below the bound) the search path runs: column
//! generation whose pricing searches the graph (adjacency bitsets masked by the duals) for
//! cycles of positive reduced cost, started from the best solution of the cover step (its
//! first master is worth it) and stabilised by the cover's duals; it solves the model of the
//! master's own columns for an incumbent (optimal when it reaches the LP bound), and only
//! then, if needed, lists by the same search the cycles that reduced-cost fixing cannot rule
//! out and solves that restricted model with steps 2 to 5 (see `search` for the proof).
//! `RootLp::Search` forces this path on any graph, without the cover step, and
//! `RootLp::Cover` forces the cover step, its subgraphs and then the seeded search path (for
//! tests).
//!
//! *Smaller pools* go through the steps below.
//!
//! Each step is one (private) function of this module, named after its phase: `reduce`,
//! `root_lp`, `dive`, `restricted_mip` (with `converge_root_lp`) and `fixed_mip`; any of them
//! can settle the solve, and `Run::finish` turns the settled `Outcome` into a [`Solution`].
//!
//! 1. *Reduction.* Only arcs on some feasible cycle (found by enumeration from each cycle's
//!    smallest vertex, pruned by a backward search) or at some feasible chain position (layers of
//!    walks from the offers) become columns; every other arc is dropped.
//! 2. *Root LP.* Small models (at most 1,000 columns) get their whole LP relaxation at once.
//!    Larger ones are solved by column generation over a restricted set of columns: each
//!    round adds the best positive-reduced-cost column of every row and up to `max(100, rows)`
//!    more by reduced cost (ties broken by a fixed scrambling of column ids) until none prices
//!    out (3 to 6 rounds on the 600-pair Trimble instances). The LP value `UB` bounds the
//!    optimum (rounded down when every weight is an integer).
//! 3. *Integral root or dive.* If the root LP's optimum is integral and reaches `UB`, it is
//!    optimal. Otherwise a dive on the root LP (fix fractional columns to 1 or 0, re-solve
//!    warm, and price new columns in whenever a fixing would lose `UB`; see `master::dive`)
//!    looks for an integral solution of value `UB`, which is optimal. On kidney-exchange
//!    instances one of the two almost always succeeds (210 of the 211 benchmark instances;
//!    the other, kep_solver's `test7`, has an LP bound of 62 and an optimum of 61): no integer
//!    program.
//! 4. *Restricted integer program.* Otherwise HiGHS solves the MIP over the generated columns
//!    (all columns for a whole root LP: then its optimum is the optimum), warm-started from
//!    the dive and without the columns that reduced costs rule out (step 5's argument over
//!    the master's columns). If its value reaches `UB`, it is optimal.
//! 5. *Reduced-cost fixing (fixed MIP).* Otherwise, with `LB` the value found (by the dive or
//!    step 4) and `d` the optimal LP duals, any solution better than `LB` uses only columns of
//!    reduced cost `> LB - UB` (`>= LB + 1 - UB` for integral weights), since its value is at
//!    most `UB` plus the sum of its columns' reduced costs, all `<= 0`. Those columns (and
//!    `LB`'s) are collected and the MIP over them is solved, warm-started from `LB`'s
//!    solution. Its optimum is the proven optimum.
//!
//! # Determinism and tie-breaking
//!
//! The result (everything in [`Solution`] except [`Stats`] timings) is a function
//! of the graph, the parameters and the rex version only: columns are enumerated in a canonical
//! order (cycles by smallest vertex index then lexicographically, chain columns by position then
//! arc), column-generation ties are broken by column id, HiGHS runs single-threaded with a fixed
//! seed, the search path's local search runs beside it on a second thread but reads no clock and
//! is taken in at fixed points of the main thread (`search::Model::root_lp`), and the output is
//! canonical (each cycle starts at its smallest vertex index, cycles are
//! sorted, chains are sorted by offer). When several solutions are optimal, the one returned is
//! the first found on that canonical model (the root LP's vertex, the dive's end, or the first
//! HiGHS proves optimal), all deterministic: replaying a matching therefore needs
//! the same graph, parameters and rex version, which the hub records with every round. A solve
//! stopped by its time limit depends on the machine's speed and is not reproducible (unless its
//! [`Clock`] is a fake one, as in the tests).

mod cover;
mod ffi;
mod improve;
mod master;
mod pairs;
mod pairs_weighted;
mod prep;
mod search;

use crate::clock::{Clock, WallClock};
use crate::graph::{Graph, VertexId, VertexKind};
use crate::params::{Objective, Params, MAX_CHAIN_CAP, MAX_CYCLE_CAP};
use crate::solution::{Progress, Solution, Stats, Status};
use master::{ColId, MipResult, Root, Rows};
use prep::Prepared;
use std::ops::ControlFlow::{self, Break, Continue};
use std::time::Duration;

/// Why a solve could not run.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SolveError {
    /// A parameter is out of range.
    #[error("{0}")]
    BadParams(String),
    /// The model would be too large to build within the solver's bounds.
    #[error("{0}")]
    TooLarge(String),
    /// The LP/MIP solver failed.
    #[error("the MIP solver failed: {0}")]
    Solver(String),
}

/// Solves to proven optimality (or to the time limit). See the module notes.
pub fn solve(graph: &Graph, params: &Params) -> Result<Solution, SolveError> {
    solve_with_progress(graph, params, &|_| {})
}

/// Like [`solve`], calling `on_progress` at every phase change and column-generation round.
pub fn solve_with_progress(
    graph: &Graph,
    params: &Params,
    on_progress: &(dyn Fn(&Progress) + Sync),
) -> Result<Solution, SolveError> {
    solve_forced(
        graph,
        params,
        RootLp::BySize,
        &WallClock::new(),
        on_progress,
    )
}

/// Like [`solve_with_progress`], with the time read from `clock`: the time limit, the
/// progress reports' `elapsed` and [`Stats::elapsed`] are measured on it. A fake clock makes a
/// solve stopped by its time limit reproducible (HiGHS is still given what is left of the
/// budget as its own time limit, in real seconds).
pub fn solve_with_clock(
    graph: &Graph,
    params: &Params,
    clock: &dyn Clock,
    on_progress: &(dyn Fn(&Progress) + Sync),
) -> Result<Solution, SolveError> {
    solve_forced(graph, params, RootLp::BySize, clock, on_progress)
}

/// Like [`solve_with_progress`], with the way of solving the root LP forced.
#[doc(hidden)]
pub fn solve_with(
    graph: &Graph,
    params: &Params,
    how: RootLp,
    on_progress: &(dyn Fn(&Progress) + Sync),
) -> Result<Solution, SolveError> {
    solve_forced(graph, params, how, &WallClock::new(), on_progress)
}

/// Like [`solve_with_clock`], with the way of solving the root LP forced.
#[doc(hidden)]
pub fn solve_forced(
    graph: &Graph,
    params: &Params,
    how: RootLp,
    clock: &dyn Clock,
    on_progress: &(dyn Fn(&Progress) + Sync),
) -> Result<Solution, SolveError> {
    check_params(params)?;
    let mut run = Run {
        graph,
        params,
        deadline: Deadline::new(clock, params.time_limit),
        on_progress,
        stats: Stats {
            arcs: graph.arcs().len(),
            ..Stats::default()
        },
        incumbent: None,
        bound: None,
    };
    if search::applies(params) {
        match how {
            RootLp::Search => return search::solve(run, search::Start::Master, None, None),
            RootLp::SearchFromNothing => {
                return search::solve(run, search::Start::Empty, None, None)
            }
            _ => {}
        }
    }
    if matches!(how, RootLp::BySize | RootLp::Enumerate) && pairs_only(graph, params) {
        return Ok(run.match_pairs());
    }
    // `count` pools with K <= 3 (any K when forced): the cover bound and its tight packing,
    // before anything else. A packing worth the bound settles the solve before any cycle is
    // counted or enumerated: a third of the 211 shared instances (70: 45 of PrefLib's 100, 15
    // of the 36 Saidman ones, 10 of kep_solver's 37; a 600-pair Saidman instance in 12-21 ms
    // instead of 0.5-0.9 s; BENCHMARKS.md, "seventeenth pass") and the 10,000-pair Saidman
    // pools. Otherwise the solve goes on with its packing to fall back on: a stopped solve
    // returns the better of the two.
    let cover_step = how == RootLp::Cover || (how == RootLp::BySize && search::applies(params));
    let (mut fallback, mut cover) = if cover_step {
        match cover_first(&mut run)? {
            Covered::Settled(solution) => return Ok(solution),
            Covered::Open(found, cover) => (found, cover),
        }
    } else {
        (None, None)
    };
    // Large pools: more than `SEARCH_ABOVE` cycles go to the search path, without
    // enumerating up to the cap first (and the forced cover step goes there on any graph).
    let large = match how {
        RootLp::Cover => true,
        RootLp::BySize if search::applies(params) => {
            run.report("counting cycles");
            match search::more_cycles_than(
                graph,
                params.max_cycle,
                prep::search_above(params),
                &run.deadline,
            ) {
                Ok(over) => over,
                Err(Stop::Error(e)) => return Err(e),
                Err(Stop::Timeout) => {
                    let outcome = Outcome::stopped(None, naive_bound(graph, params));
                    return Ok(better_of(run.finish(None, outcome), fallback));
                }
            }
        }
        _ => false,
    };
    let mut how = how;
    if large {
        // The sparse subgraphs of the cover's tight arcs, then the search path seeded with
        // the best solution found.
        if let Some(found) = cover.take() {
            match sparse_subgraphs(&mut run, found, fallback)? {
                Covered::Settled(solution) => return Ok(solution),
                Covered::Open(found, rest) => (fallback, cover) = (found, rest),
            }
        }
        if search::applies(params) {
            return search_after_cover(run, fallback, cover);
        }
        // Cycles longer than the search handles (the cover step forced): the enumeration,
        // which starts from nothing, the progress line still showing what the cover found.
        if let Some(s) = &fallback {
            run.found(s.objective);
        }
        how = RootLp::BySize;
    }
    let prep = match reduce(&mut run) {
        Ok(Continue(prep)) => prep,
        Ok(Break(outcome)) => return Ok(better_of(run.finish(None, outcome), fallback)),
        // More cycles than the enumeration holds, which the count did not foresee.
        Err(SolveError::TooLarge(_)) if how == RootLp::BySize && search::applies(params) => {
            run.stats = Stats {
                arcs: graph.arcs().len(),
                cover_bound: run.stats.cover_bound,
                ..Stats::default()
            };
            return search_after_cover(run, fallback, cover);
        }
        Err(e) => return Err(e),
    };
    let outcome = pipeline(&mut run, &prep, how)?;
    Ok(better_of(run.finish(Some(&prep), outcome), fallback))
}

/// Why a step of the pipeline stopped early.
pub(crate) enum Stop {
    Error(SolveError),
    Timeout,
}

/// The time budget of one solve, on the caller's clock.
#[derive(Clone, Copy)]
pub(crate) struct Deadline<'a> {
    clock: &'a dyn Clock,
    start: Duration,
    limit: Option<Duration>,
}

impl<'a> Deadline<'a> {
    pub(crate) fn new(clock: &'a dyn Clock, limit: Option<Duration>) -> Self {
        Deadline {
            clock,
            start: clock.now(),
            limit,
        }
    }

    /// Time since the solve started.
    pub(crate) fn elapsed(&self) -> Duration {
        self.clock.now().saturating_sub(self.start)
    }

    /// What is left of the budget (`None`: no limit).
    pub(crate) fn remaining(&self) -> Option<Duration> {
        self.limit.map(|l| l.saturating_sub(self.elapsed()))
    }

    /// `Timeout` once the budget is spent.
    pub(crate) fn check(&self) -> Result<(), Stop> {
        match self.remaining() {
            Some(left) if left.is_zero() => Err(Stop::Timeout),
            _ => Ok(()),
        }
    }
}

fn check_params(params: &Params) -> Result<(), SolveError> {
    if params.max_cycle == 1 || params.max_cycle > MAX_CYCLE_CAP {
        return Err(SolveError::BadParams(format!(
            "the longest cycle must be 0 (no cycles) or 2 to {MAX_CYCLE_CAP} arcs, not {}",
            params.max_cycle
        )));
    }
    if params.max_chain > MAX_CHAIN_CAP {
        return Err(SolveError::BadParams(format!(
            "the longest chain must be 0 (no chains) to {MAX_CHAIN_CAP} arcs, not {}",
            params.max_chain
        )));
    }
    if let Some(t) = params.time_limit {
        if t.is_zero() {
            return Err(SolveError::BadParams(
                "the time limit must be positive".into(),
            ));
        }
    }
    Ok(())
}

/// Whether the solve is a maximum matching of the mutual pairs (see `pairs` and
/// `pairs_weighted`): cycles of at most 2 arcs, no chain possible, no exclusive group of
/// several vertices (which would make two pairs conflict), and the `count` objective or the
/// `weight` objective with integer weights (of at most [`MAX_MATCHING_WEIGHT`] in absolute
/// value, so that the weighted matching's arithmetic is exact).
fn pairs_only(graph: &Graph, params: &Params) -> bool {
    params.max_cycle == 2
        && (params.max_chain == 0 || graph.offer_count() == 0)
        && graph.group_sizes().iter().all(|&size| size == 1)
        && match params.objective {
            Objective::Count => true,
            Objective::Weight => graph
                .arcs()
                .iter()
                .all(|a| a.weight.fract() == 0.0 && a.weight.abs() <= MAX_MATCHING_WEIGHT),
        }
}

/// The largest arc weight (in absolute value) for which the weighted matching is used: sums
/// and doubled duals of 10^7 such weights stay far inside `i64`.
const MAX_MATCHING_WEIGHT: f64 = (1u64 << 40) as f64;

/// Models of at most this many columns (cycles and chain arc-positions) get their whole root
/// LP at once, without column generation. Measured on the 139 PrefLib and kep_solver
/// instances (best of 3): up to ~1,000 columns the two ways take the same time (within noise,
/// 0.7 to 3 ms); above, column generation is faster on most (up to 4x on PrefLib 00036-71,
/// 1,595 columns; 0.70 s against 1.11 s over all 139).
const WHOLE_LP_COLUMNS: u64 = 1_000;

/// Objective values within this of each other are equal (values are sums of weights).
const TOL: f64 = 1e-6;

/// How the root LP is solved: by model size, or (for tests, which must cover both ways on
/// small graphs) forced. A forced way also forces the LP pipeline where the pairs-only
/// matching (`pairs`) would otherwise settle the solve, so tests can compare the two.
#[doc(hidden)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RootLp {
    BySize,
    Whole,
    ColumnGeneration,
    /// The search path (`search`: pricing by graph search, reduced-cost fixing by search)
    /// even on small graphs, where it applies (K <= 3); otherwise as `BySize`.
    Search,
    /// As `Search`, but starting the fixing from the empty solution instead of the optimum
    /// over the root master's columns (so that every fixing round runs); for tests.
    SearchFromNothing,
    /// The cover bound, its tight packing and its sparse subgraphs first (`cover_first`,
    /// `sparse_subgraphs`), where they apply, even on small graphs; if they do not settle the
    /// solve, the search path seeded with their solution (K <= 3), else `BySize`.
    Cover,
    /// As `BySize`, but never the cover step nor the search path: the cycles are enumerated
    /// (or the solve fails with `TooLarge`). For the exact solve of a large neighbourhood
    /// (`improve::lns`), which runs inside the search path and must not start it again.
    Enumerate,
}

/// One solve under way: its inputs, its clock and listener, and what it has established so
/// far, which the progress reports show.
struct Run<'a> {
    graph: &'a Graph,
    params: &'a Params,
    deadline: Deadline<'a>,
    on_progress: &'a (dyn Fn(&Progress) + Sync),
    stats: Stats,
    /// Value of the best solution found (`None` before the first).
    incumbent: Option<f64>,
    /// Best proven upper bound, rounded down for integral weights (`None` before the root LP).
    bound: Option<f64>,
}

/// What the pipeline settles on: the chosen columns, their value, and the bound proven.
struct Outcome {
    chosen: Vec<ColId>,
    objective: f64,
    /// Proven upper bound on the optimum; ignored when `optimal`.
    bound: f64,
    optimal: bool,
}

impl Outcome {
    /// `chosen`, worth `objective`, is proven optimal.
    fn optimal(chosen: Vec<ColId>, objective: f64) -> Self {
        Outcome {
            chosen,
            objective,
            bound: objective,
            optimal: true,
        }
    }

    /// Stopped (by the time limit or the MIP solver's) with `best`, if any, and `bound`.
    fn stopped(best: Option<&MipResult>, bound: f64) -> Self {
        Outcome {
            chosen: best.map(|b| b.chosen.clone()).unwrap_or_default(),
            objective: best.map_or(0.0, |b| b.objective),
            bound,
            optimal: false,
        }
    }

    /// `best` is optimal if `proven`, else the best known with the bound `ub`.
    fn of(best: &MipResult, ub: f64, proven: bool) -> Self {
        if proven {
            Outcome::optimal(best.chosen.clone(), best.objective)
        } else {
            Outcome::stopped(Some(best), ub)
        }
    }
}

/// A phase's result: what it hands to the next phase, or the solve's [`Outcome`].
type Phase<T> = Result<ControlFlow<Outcome, T>, SolveError>;

/// Unwraps a [`Phase`]: its value, or a return of the settled outcome.
macro_rules! settle {
    ($phase:expr) => {
        match $phase? {
            Continue(value) => value,
            Break(outcome) => return Ok(outcome),
        }
    };
}

/// Maps a step's stop: an error ends the solve with it, a timeout settles it on `on_timeout`.
fn on_stop<T>(stop: Stop, on_timeout: impl FnOnce() -> Outcome) -> Phase<T> {
    match stop {
        Stop::Error(e) => Err(e),
        Stop::Timeout => Ok(Break(on_timeout())),
    }
}

impl Run<'_> {
    /// Reports the state of the solve, entering or inside `phase`.
    fn report(&self, phase: &'static str) {
        self.report_with(phase, self.incumbent, self.bound);
    }

    /// Reports `phase` with an incumbent and a bound that a phase holding `self` immutably
    /// knows better than `self` does.
    fn report_with(&self, phase: &'static str, incumbent: Option<f64>, bound: Option<f64>) {
        (self.on_progress)(&Progress {
            incumbent,
            bound,
            elapsed: self.deadline.elapsed(),
            phase,
        });
    }

    /// Records a solution worth `objective`: the incumbent is the best found so far, so a
    /// phase that finds less than an earlier one leaves it as it is.
    fn found(&mut self, objective: f64) {
        self.incumbent = Some(self.incumbent.map_or(objective, |i| i.max(objective)));
    }

    /// The bound proven so far (set by [`root_lp`] before anything can use it).
    fn ub(&self) -> f64 {
        self.bound.unwrap_or(f64::INFINITY)
    }

    /// Pairs only: a maximum(-weight) matching of the 2-cycles, proven maximum by its
    /// Tutte–Berge bound (`count`, see `pairs`) or its duals (`weight`, see `pairs_weighted`).
    /// The maximum matching takes well under a second at 10,000 pairs and does not consult the
    /// time limit; the weighted one checks it between stages and, stopped, returns its matching
    /// with the duals' bound.
    fn match_pairs(mut self) -> Solution {
        self.report("matching pairs");
        let (pairs, edges, objective, bound, optimal) = match self.params.objective {
            Objective::Count => {
                let m = pairs::maximum_matching(self.graph);
                let objective = 2.0 * m.pairs.len() as f64;
                (m.pairs, m.edges, objective, 2.0 * m.bound as f64, true)
            }
            Objective::Weight => {
                let (n, edges) = pairs_weighted::pair_edges(self.graph);
                let deadline = &self.deadline;
                let mut stop = || deadline.check().is_err();
                let m = pairs_weighted::maximum_weight_matching(n, &edges, &mut stop);
                let (weight, bound) = (m.weight as f64, m.bound as f64);
                (m.pairs, edges.len(), weight, bound, m.optimal)
            }
        };
        let cycles: Vec<Vec<VertexId>> = pairs
            .iter()
            .map(|&(u, v)| vec![VertexId(u), VertexId(v)])
            .collect();
        self.stats.arcs_after_reduction = 2 * edges;
        self.stats.cycles_enumerated = edges;
        self.stats.lp_bound = bound;
        self.incumbent = Some(objective);
        self.bound = Some(bound);
        self.report("matching pairs");
        let recomputed = objective_value(self.graph, self.params.objective, &cycles, &[]);
        assert!(
            (recomputed - objective).abs() <= TOL * objective.abs().max(1.0),
            "matching objective {objective} differs from the pairs' value {recomputed}"
        );
        let mut stats = self.stats;
        stats.elapsed = self.deadline.elapsed();
        let status = if optimal {
            Status::Optimal
        } else {
            Status::TimeLimit {
                gap: (bound - objective) / bound.abs().max(1.0),
            }
        };
        Solution {
            cycles,
            chains: Vec::new(),
            objective,
            bound,
            status,
            stats,
        }
    }

    /// A solution of given cycles and chains (each a feasible exchange of the graph, already
    /// in canonical order, as [`cover::Packing`] gives them), worth what they are worth; its
    /// `bound` and `status` are the caller's to set.
    fn solution_of(&self, cycles: Vec<Vec<VertexId>>, chains: Vec<Vec<VertexId>>) -> Solution {
        let objective = objective_value(self.graph, self.params.objective, &cycles, &chains);
        let mut stats = self.stats.clone();
        stats.elapsed = self.deadline.elapsed();
        Solution {
            cycles,
            chains,
            objective,
            bound: objective,
            status: Status::Optimal,
            stats,
        }
    }

    /// Turns the outcome's columns into canonical cycles and chains and assembles the
    /// [`Solution`]. `prep` is `None` when the solve stopped before the reduction ended (then
    /// nothing was chosen).
    fn finish(&self, prep: Option<&Prepared>, outcome: Outcome) -> Solution {
        let Outcome {
            chosen,
            objective,
            bound,
            optimal,
        } = outcome;
        let graph = self.graph;
        let mut cycles: Vec<Vec<VertexId>> = Vec::new();
        let mut chains: Vec<Vec<VertexId>> = Vec::new();
        if let Some(prep) = prep {
            let nc = prep.cycles.len();
            // Successor of a vertex at a position, from the chosen chain columns.
            let mut next: std::collections::BTreeMap<(u32, u8), u32> = Default::default();
            for &id in &chosen {
                if (id as usize) < nc {
                    cycles.push(
                        prep.cycles
                            .get(id as usize)
                            .iter()
                            .map(|&v| VertexId(v))
                            .collect(),
                    );
                } else {
                    let cv = prep.chain_vars[id as usize - nc];
                    let a = graph.arcs()[cv.arc as usize];
                    let previous = next.insert((a.from.0, cv.pos), a.to.0);
                    assert!(
                        previous.is_none(),
                        "two chain arcs leave one vertex at one position"
                    );
                }
            }
            let used_chain_arcs = next.len();
            let mut walked = 0;
            for (&(from, pos), &to) in next.range(..) {
                if pos != 1 {
                    continue;
                }
                debug_assert_eq!(graph.vertices()[from as usize].kind, VertexKind::Offer);
                let mut chain = vec![VertexId(from), VertexId(to)];
                let mut p = 1u8;
                walked += 1;
                while let Some(&w) = next.get(&(chain[chain.len() - 1].0, p + 1)) {
                    chain.push(VertexId(w));
                    p += 1;
                    walked += 1;
                }
                chains.push(chain);
            }
            assert_eq!(
                walked, used_chain_arcs,
                "every chosen chain arc lies on a chain from an offer"
            );
        }
        cycles.sort();
        chains.sort();
        let recomputed = objective_value(graph, self.params.objective, &cycles, &chains);
        assert!(
            (recomputed - objective).abs() <= 1e-6 * objective.abs().max(1.0),
            "solver objective {objective} differs from the chosen exchanges' value {recomputed}"
        );
        let bound = if optimal {
            recomputed
        } else {
            bound.max(recomputed)
        };
        let mut stats = self.stats.clone();
        stats.elapsed = self.deadline.elapsed();
        let status = if optimal {
            Status::Optimal
        } else {
            Status::TimeLimit {
                gap: (bound - recomputed) / bound.abs().max(1.0),
            }
        };
        Solution {
            cycles,
            chains,
            objective: recomputed,
            bound,
            status,
            stats,
        }
    }
}

/// The reduced model that phases 2 to 5 work on: the columns and the rows of the master
/// problems.
struct Reduced<'a> {
    graph: &'a Graph,
    prep: &'a Prepared,
    rows: Rows,
    /// Columns of the whole model: cycles, then chain arc-positions.
    total: u64,
}

impl Reduced<'_> {
    /// A proven LP value as a bound: rounded down when every weight is an integer.
    fn round_bound(&self, b: f64) -> f64 {
        if self.prep.integral {
            (b + 1e-6).floor()
        } else {
            b
        }
    }

    /// The least reduced cost a column of a solution better than `lb` can have, given an LP
    /// bound `lp`: such a solution is worth at most `lp` plus its columns' reduced costs (all
    /// `<= 0` under optimal duals), and at least `lb + 1` when weights are integers.
    fn reduced_cost_floor(&self, lb: f64, lp: f64) -> f64 {
        if self.prep.integral {
            lb + 1.0 - lp - TOL
        } else {
            lb - lp - TOL
        }
    }

    /// Column generation (or the whole LP, when `start` holds every column) from `start`,
    /// stopping early once the LP value reaches `target`; reports each round.
    fn solve_root(&self, run: &Run, start: &[ColId], target: f64) -> Result<Root, Stop> {
        master::solve_root(
            self.graph,
            self.prep,
            &self.rows,
            start,
            target,
            master::FirstSolve::by_size(self.rows.count),
            &run.deadline,
            &mut |_, _| run.report("root LP"),
        )
    }
}

/// Phases 2 to 5 on the reduced model; each may settle the solve.
fn pipeline(run: &mut Run, prep: &Prepared, how: RootLp) -> Result<Outcome, SolveError> {
    let model = Reduced {
        graph: run.graph,
        prep,
        rows: Rows::new(run.graph, prep, run.params.max_chain),
        total: (prep.cycles.len() + prep.chain_vars.len()) as u64,
    };
    tracing::debug!(
        cycles = prep.cycles.len(),
        chain_columns = prep.chain_vars.len(),
        rows = model.rows.count,
        elapsed = ?run.deadline.elapsed(),
        "prepared"
    );
    let mut root = settle!(root_lp(run, &model, how));
    let dived = settle!(dive(run, &model, &mut root));
    let first = settle!(restricted_mip(run, &model, &root, dived));
    settle!(converge_root_lp(run, &model, &mut root, &first));
    fixed_mip(run, &model, &root, first)
}

/// Out-degrees (about, each way) of the sparse subgraphs of tight arcs that
/// `sparse_subgraphs` solves, in order.
const SPARSE_DEGREES: [u64; 2] = [16, 32];

/// The most arcs a sparse subgraph may have to be solved: past that its root LP (mostly the
/// chain columns of its arcs) costs more than the search path (see BENCHMARKS.md).
const MAX_SPARSE_ARCS: usize = 150_000;

/// What the cover step established.
enum Covered {
    /// The solve is settled: optimal, or stopped by the time limit.
    Settled(Solution),
    /// Not settled: the solve goes on, with the best solution found (if any) to fall back on,
    /// whose `bound` is the cover bound, and the cover itself, whose duals certify that bound
    /// (`Cover::vertex_duals`), when it was computed.
    Open(Option<Solution>, Option<cover::Cover>),
}

/// `count` pools, first: the cover bound (cycles and chains of any length, proven by its
/// duals) and, with K <= 3, the tight packing (see `cover`). The packing is a solution of the
/// whole graph, so one worth the bound is optimal. Stopped by the time limit, the solve ends
/// with the packing and the cover bound. Otherwise, when the step does not apply or the
/// packing falls short, the solve goes on with the packing (to fall back on), the cover, and
/// the bound in `run.stats.cover_bound`, nothing else of this left in `run`.
fn cover_first(run: &mut Run) -> Result<Covered, SolveError> {
    if !cover::applies(run.graph, run.params) {
        return Ok(Covered::Open(None, None));
    }
    run.report("cover bound");
    let deadline = run.deadline;
    let Some(cover) = cover::cover(run.graph, run.params, &mut || deadline.check().is_err()) else {
        let outcome = Outcome::stopped(None, naive_bound(run.graph, run.params));
        return Ok(Covered::Settled(run.finish(None, outcome)));
    };
    if let Err(e) = cover.verify(run.graph, run.params) {
        debug_assert!(false, "{e}");
        tracing::warn!(error = %e, "the cover bound failed its check; not used");
        return Ok(Covered::Open(None, None));
    }
    let bound = cover.value as f64;
    run.bound = Some(bound);
    run.report("cover bound");
    let mut best: Option<Solution> = None;
    // (The packing's two bitsets of tight arcs: n^2 / 4 bytes, kept within half the limit.)
    let bitsets = cover::Cover::packing_bytes(run.graph);
    if run.params.max_cycle <= 3 && run.params.memory_limit.is_none_or(|l| bitsets <= l / 2) {
        let packing = cover.pack(run.graph, run.params, &mut || deadline.check().is_err());
        let solution = run.solution_of(packing.cycles, packing.chains);
        tracing::debug!(objective = solution.objective, bound, "tight packing");
        // (Built from the graph's arcs by construction; checked, since it may settle the solve.)
        match crate::oracle::check_solution(run.graph, run.params, &solution) {
            Ok(()) => best = Some(solution),
            Err(e) => {
                debug_assert!(false, "the tight packing is infeasible: {e}");
                tracing::warn!(error = %e, "the tight packing is infeasible; not used");
            }
        }
    }
    Ok(cover_concluded(run, cover, best))
}

/// Large `count` pools, after an open `cover_first`: the exact optimum of sparse subgraphs of
/// the cover's tight arcs, a few dozen per vertex (see `cover`), each a solution of the whole
/// graph, so one worth the cover bound is optimal. Ends as `cover_first` does, with the best
/// of them and `best` (the packing).
fn sparse_subgraphs(
    run: &mut Run,
    cover: cover::Cover,
    mut best: Option<Solution>,
) -> Result<Covered, SolveError> {
    let bound = cover.value as f64;
    run.bound = Some(bound);
    run.incumbent = best.as_ref().map(|b| b.objective);
    let deadline = run.deadline;
    for degree in SPARSE_DEGREES {
        if run.incumbent.is_some_and(|found| found + TOL >= bound) {
            break;
        }
        if run.deadline.check().is_err() {
            break;
        }
        let keep = cover.sparse_arcs(run.graph, degree);
        if keep.len() > MAX_SPARSE_ARCS {
            break;
        }
        let sub = run.graph.with_arcs(&keep);
        let cap = prep::cycle_cap(run.params);
        match search::more_cycles_than(&sub, run.params.max_cycle, cap, &run.deadline) {
            Ok(false) => {}
            Ok(true) | Err(Stop::Timeout) => break,
            Err(Stop::Error(e)) => return Err(e),
        }
        let mut sub_run = Run {
            graph: &sub,
            params: run.params,
            deadline,
            on_progress: run.on_progress,
            stats: Stats::default(),
            incumbent: run.incumbent,
            bound: run.bound,
        };
        let solution = match reduce(&mut sub_run)? {
            Continue(prep) => {
                let outcome = pipeline(&mut sub_run, &prep, RootLp::BySize)?;
                sub_run.finish(Some(&prep), outcome)
            }
            Break(outcome) => sub_run.finish(None, outcome),
        };
        tracing::debug!(
            degree,
            arcs = sub.arcs().len(),
            objective = solution.objective,
            bound,
            "sparse subgraph"
        );
        if best
            .as_ref()
            .is_none_or(|b| solution.objective > b.objective)
        {
            run.incumbent = Some(solution.objective);
            best = Some(solution);
        }
    }
    Ok(cover_concluded(run, cover, best))
}

/// The end of a cover step: `best` (if any) with the cover bound, settled when it is worth the
/// bound (optimal) or the time is up, else open, `run` left as the step found it but for
/// `run.stats.cover_bound`.
fn cover_concluded(run: &mut Run, cover: cover::Cover, best: Option<Solution>) -> Covered {
    let bound = cover.value as f64;
    run.bound = None;
    run.incumbent = None;
    let stats = Stats {
        arcs: run.graph.arcs().len(),
        cover_bound: Some(bound),
        elapsed: run.deadline.elapsed(),
        ..best.as_ref().map(|b| b.stats.clone()).unwrap_or_default()
    };
    let mut solution = match best {
        Some(solution) => Solution { stats, ..solution },
        None => Solution {
            cycles: Vec::new(),
            chains: Vec::new(),
            objective: 0.0,
            bound,
            status: Status::Optimal,
            stats,
        },
    };
    let gap = (bound - solution.objective) / bound.abs().max(1.0);
    if solution.objective + TOL >= bound {
        solution.bound = solution.objective;
        solution.status = Status::Optimal;
        return Covered::Settled(solution);
    }
    solution.bound = bound;
    solution.status = Status::TimeLimit { gap };
    if run.deadline.check().is_err() {
        solution.stats.elapsed = run.deadline.elapsed();
        return Covered::Settled(solution);
    }
    run.stats.cover_bound = Some(bound);
    Covered::Open(Some(solution), Some(cover))
}

/// The search path after an open cover step: seeded with its best solution (`fallback`) and
/// stabilised by the cover's certificate; the better of its answer and `fallback`.
fn search_after_cover(
    run: Run<'_>,
    fallback: Option<Solution>,
    cover: Option<cover::Cover>,
) -> Result<Solution, SolveError> {
    let duals = cover.map(|c| c.vertex_duals(run.graph));
    let solution = search::solve(
        run,
        search::Start::Master,
        fallback.as_ref(),
        duals.as_deref(),
    )?;
    Ok(better_of(solution, fallback))
}

/// The solve's `solution`, or the cover's `fallback` when the solve was stopped with less: the
/// better solution with the tighter of the two proven bounds (and the reason of the stop).
fn better_of(solution: Solution, fallback: Option<Solution>) -> Solution {
    let Some(fallback) = fallback else {
        return solution;
    };
    if solution.status == Status::Optimal {
        return solution;
    }
    let out_of_memory = matches!(solution.status, Status::MemoryLimit { .. });
    let bound = solution.bound.min(fallback.bound);
    let mut best = if fallback.objective > solution.objective {
        Solution {
            stats: solution.stats,
            ..fallback
        }
    } else {
        solution
    };
    best.bound = bound.max(best.objective);
    let gap = (best.bound - best.objective) / best.bound.abs().max(1.0);
    best.status = if best.objective + TOL >= best.bound {
        Status::Optimal
    } else if out_of_memory {
        Status::MemoryLimit { gap }
    } else {
        Status::TimeLimit { gap }
    };
    best
}

/// Phase 1, *reduce*: enumerates the feasible cycles and chain positions and drops every arc
/// on none (see `prep::prepare`). Stopped by the time limit, the solve ends with nothing
/// found and the bound that needs no preparation.
fn reduce(run: &mut Run) -> Phase<Prepared> {
    run.report("reducing");
    let prep = match prep::prepare(run.graph, run.params, &run.deadline) {
        Ok(prep) => prep,
        Err(stop) => {
            return on_stop(stop, || {
                Outcome::stopped(None, naive_bound(run.graph, run.params))
            })
        }
    };
    run.stats.arcs_after_reduction = prep.useful_arcs;
    run.stats.cycles_enumerated = prep.cycles.len();
    Ok(Continue(prep))
}

/// Phase 2, *root LP*: the LP relaxation, whole for small models (or as `how` forces), else by
/// column generation, which stops as soon as the LP reaches the trivial bound (every group
/// receiving its best in-arc). Sets the bound: the trivial one, and the LP value once column
/// generation has converged.
fn root_lp(run: &mut Run, model: &Reduced, how: RootLp) -> Phase<Root> {
    let whole = match how {
        RootLp::BySize
        | RootLp::Search
        | RootLp::SearchFromNothing
        | RootLp::Cover
        | RootLp::Enumerate => model.total <= WHOLE_LP_COLUMNS,
        RootLp::Whole => true,
        RootLp::ColumnGeneration => false,
    };
    let mut ub = model.round_bound(model.prep.trivial_bound);
    run.bound = Some(ub);
    run.report("root LP");
    let everything: Vec<ColId> = if whole {
        (0..model.total as ColId).collect()
    } else {
        Vec::new()
    };
    let root = match model.solve_root(run, &everything, ub) {
        Ok(root) => root,
        Err(stop) => return on_stop(stop, || Outcome::stopped(None, ub)),
    };
    run.stats.pricing_rounds = root.rounds;
    run.stats.lp_bound = root.lp_value;
    if root.converged {
        ub = ub.min(model.round_bound(root.lp_value));
    }
    run.bound = Some(ub);
    Ok(Continue(root))
}

/// Phase 3, *dive*: when the root LP reaches the bound, its optimum if integral, else a dive
/// on it (see `master::dive`) looks for an integral solution of the bound's value, which is
/// optimal and settles the solve. Otherwise the dive's solution, if any, is handed on as a
/// lower bound and a start.
fn dive(run: &mut Run, model: &Reduced, root: &mut Root) -> Phase<Option<MipResult>> {
    let ub = run.ub();
    if root.lp_value < ub - TOL {
        return Ok(Continue(None));
    }
    run.report("diving");
    let found = match master::integral(&root.columns, &root.values) {
        Some(chosen) => Some(chosen),
        None => {
            match master::dive(
                model.graph,
                model.prep,
                &model.rows,
                root,
                ub,
                &run.deadline,
            ) {
                Ok(found) => found,
                Err(stop) => return on_stop(stop, || Outcome::stopped(None, ub)),
            }
        }
    };
    let Some(chosen) = found else {
        return Ok(Continue(None));
    };
    let objective: f64 = chosen.iter().map(|&id| model.prep.column_weight(id)).sum();
    if objective >= ub - TOL {
        return Ok(Break(Outcome::optimal(chosen, objective)));
    }
    run.found(objective);
    Ok(Continue(Some(MipResult {
        chosen,
        objective,
        bound: ub,
        optimal: false,
    })))
}

/// Phase 4, *restricted MIP*: the integer program over the columns the root LP generated
/// (every column after a whole root LP: then its optimum is the optimum), warm-started from
/// the dive. When the bound is tight, as it usually is, they hold an optimal solution, which
/// settles the solve. With a lower bound `LB` from the dive, only columns of reduced cost
/// `> LB - LP` (under the master's duals, which are dual feasible for it) can be part of a
/// better solution over them; the others are left out, the dive's own columns stay.
fn restricted_mip(
    run: &mut Run,
    model: &Reduced,
    root: &Root,
    dived: Option<MipResult>,
) -> Phase<MipResult> {
    run.report("restricted MIP");
    let ub = run.ub();
    let floor = dived.as_ref().map_or(f64::NEG_INFINITY, |d| {
        model.reduced_cost_floor(d.objective, root.lp_value)
    });
    let mut columns: Vec<ColId> = root
        .columns
        .iter()
        .copied()
        .filter(|&id| {
            model
                .rows
                .reduced_cost(model.graph, model.prep, id, &root.duals)
                >= floor
        })
        .chain(dived.iter().flat_map(|d| d.chosen.iter().copied()))
        .collect();
    columns.sort_unstable();
    columns.dedup();
    tracing::debug!(columns = columns.len(), "restricted MIP");
    run.stats.mip_solves += 1;
    run.stats.mip_columns = columns.len();
    run.stats.columns_fixed = (model.total - columns.len() as u64) as usize;
    let start = dived.as_ref().map_or(&[][..], |d| &d.chosen[..]);
    let mut first = match master::solve_mip(
        model.graph,
        model.prep,
        &model.rows,
        &columns,
        start,
        &run.deadline,
    ) {
        Ok(first) => first,
        Err(stop) => return on_stop(stop, || Outcome::stopped(dived.as_ref(), ub)),
    };
    if let Some(d) = dived {
        if d.objective > first.objective + TOL {
            first.chosen = d.chosen;
            first.objective = d.objective;
        }
    }
    run.found(first.objective);
    run.report("restricted MIP");
    let complete = columns.len() as u64 == model.total;
    if !first.optimal || complete || first.objective >= ub - TOL {
        let proven = first.optimal && (complete || first.objective >= ub - TOL);
        return Ok(Break(Outcome::of(&first, ub, proven)));
    }
    Ok(Continue(first))
}

/// Phase 4, continued: when column generation stopped at the trivial bound (phase 2), it
/// resumes from its columns to the end, so that its duals prove the LP bound and can fix
/// columns in phase 5. The tighter bound may prove the restricted MIP's solution optimal.
fn converge_root_lp(
    run: &mut Run,
    model: &Reduced,
    root: &mut Root,
    first: &MipResult,
) -> Phase<()> {
    if root.converged {
        return Ok(Continue(()));
    }
    let ub = run.ub();
    run.report("root LP");
    *root = match model.solve_root(run, &root.columns, f64::INFINITY) {
        Ok(root) => root,
        Err(stop) => return on_stop(stop, || Outcome::stopped(Some(first), ub)),
    };
    run.stats.pricing_rounds += root.rounds;
    run.stats.lp_bound = root.lp_value;
    let ub = ub.min(model.round_bound(root.lp_value));
    run.bound = Some(ub);
    if first.objective >= ub - TOL {
        return Ok(Break(Outcome::optimal(
            first.chosen.clone(),
            first.objective,
        )));
    }
    Ok(Continue(()))
}

/// Phase 5, *fixed MIP* (reduced-cost fixing): with `LB` the restricted MIP's value and the
/// root LP's optimal duals, a solution better than `LB` uses only columns of reduced cost
/// `> LB - UB` (`>= LB + 1 - UB` for integral weights). The integer program over those columns
/// (and the incumbent's, to warm-start it) has the optimum as its optimum. Stopped by the time
/// limit, its bound over the kept columns, or `LB`, bounds the optimum.
fn fixed_mip(
    run: &mut Run,
    model: &Reduced,
    root: &Root,
    first: MipResult,
) -> Result<Outcome, SolveError> {
    let ub = run.ub();
    let lb = first.objective;
    let threshold = model.reduced_cost_floor(lb, root.lp_value);
    let total = model.total;
    // The incumbent's columns stay too, so that it can warm-start the integer program.
    let mut in_set = vec![false; total as usize];
    for &c in &first.chosen {
        in_set[c as usize] = true;
    }
    for id in 0..total as ColId {
        if !in_set[id as usize]
            && model
                .rows
                .reduced_cost(model.graph, model.prep, id, &root.duals)
                >= threshold
        {
            in_set[id as usize] = true;
        }
    }
    let columns: Vec<ColId> = (0..total as ColId)
        .filter(|&c| in_set[c as usize])
        .collect();
    run.stats.mip_solves += 1;
    run.stats.mip_columns = columns.len();
    run.stats.columns_fixed = (total - columns.len() as u64) as usize;
    run.report("full MIP");
    let second = match master::solve_mip(
        model.graph,
        model.prep,
        &model.rows,
        &columns,
        &first.chosen,
        &run.deadline,
    ) {
        Ok(second) => second,
        Err(Stop::Error(e)) => return Err(e),
        Err(Stop::Timeout) => MipResult {
            chosen: Vec::new(),
            objective: f64::NEG_INFINITY,
            bound: f64::INFINITY,
            optimal: false,
        },
    };
    let (optimal, mip_bound) = (second.optimal, second.bound);
    let best = if second.objective > first.objective + TOL {
        second
    } else {
        first
    };
    if optimal {
        return Ok(Outcome::optimal(best.chosen, best.objective));
    }
    // Stopped: no solution outside the kept columns beats `lb`, so the global bound is the
    // larger of `lb` and the MIP's bound over the kept columns.
    Ok(Outcome {
        chosen: best.chosen,
        objective: best.objective,
        bound: model.round_bound(mip_bound.max(lb)).min(ub),
        optimal: false,
    })
}

/// An upper bound needing no preparation: every group receives at most once, at its best in-arc.
fn naive_bound(graph: &Graph, params: &Params) -> f64 {
    let mut best = vec![0.0f64; graph.groups().len()];
    for a in graph.arcs() {
        let w = match params.objective {
            Objective::Count => 1.0,
            Objective::Weight => a.weight,
        };
        let g = graph.vertex(a.to).group as usize;
        best[g] = best[g].max(w);
    }
    best.iter().sum()
}

/// The objective value of a set of cycles and chains (no feasibility check).
pub fn objective_value(
    graph: &Graph,
    objective: Objective,
    cycles: &[Vec<VertexId>],
    chains: &[Vec<VertexId>],
) -> f64 {
    let arc_value = |u: VertexId, v: VertexId| match objective {
        Objective::Count => 1.0,
        Objective::Weight => graph.arc(u, v).map_or(f64::NAN, |a| a.weight),
    };
    let mut total = 0.0;
    for c in cycles {
        for i in 0..c.len() {
            total += arc_value(c[i], c[(i + 1) % c.len()]);
        }
    }
    for p in chains {
        for w in p.windows(2) {
            total += arc_value(w[0], w[1]);
        }
    }
    total
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::GraphBuilder;

    fn graph(n: usize, offers: usize, arcs: &[(u32, u32, f64)]) -> Graph {
        let mut b = GraphBuilder::new();
        for i in 0..n {
            b.add_request(format!("p{i}")).unwrap();
        }
        for i in 0..offers {
            b.add_offer(format!("o{i}")).unwrap();
        }
        for &(u, v, w) in arcs {
            b.add_arc(VertexId(u), VertexId(v), w).unwrap();
        }
        b.build().unwrap()
    }

    fn check(g: &Graph, k: usize, l: usize, objective: Objective, expected: f64) -> Solution {
        let params = Params {
            max_cycle: k,
            max_chain: l,
            objective,
            time_limit: None,
            memory_limit: None,
        };
        let s = solve(g, &params).unwrap();
        assert_eq!(s.status, Status::Optimal);
        assert!(
            (s.objective - expected).abs() < 1e-9,
            "got {} want {expected}",
            s.objective
        );
        s
    }

    #[test]
    fn triangle_beats_two_cycle_when_long_cycles_allowed() {
        // 0<->1 and 0->1->2->0 share vertices; a 3-cycle uses 3 arcs.
        let g = graph(3, 0, &[(0, 1, 1.0), (1, 0, 1.0), (1, 2, 1.0), (2, 0, 1.0)]);
        let s = check(&g, 3, 0, Objective::Count, 3.0);
        assert_eq!(s.cycles, vec![vec![VertexId(0), VertexId(1), VertexId(2)]]);
        check(&g, 2, 0, Objective::Count, 2.0);
    }

    #[test]
    fn chains_count_their_arcs_and_respect_the_cap() {
        // o -> 0 -> 1 -> 2: a chain of 3 arcs.
        let g = graph(3, 1, &[(3, 0, 1.0), (0, 1, 1.0), (1, 2, 1.0)]);
        let s = check(&g, 3, 3, Objective::Count, 3.0);
        assert_eq!(s.chains.len(), 1);
        check(&g, 3, 2, Objective::Count, 2.0);
        check(&g, 3, 0, Objective::Count, 0.0);
    }

    #[test]
    fn weights_and_fractional_lp() {
        // An odd cycle of 2-cycles makes the LP fractional: 0<->1, 1<->2, 2<->0 with K = 2.
        let g = graph(
            3,
            0,
            &[
                (0, 1, 1.0),
                (1, 0, 1.0),
                (1, 2, 1.0),
                (2, 1, 1.0),
                (2, 0, 1.0),
                (0, 2, 1.0),
            ],
        );
        let s = check(&g, 2, 0, Objective::Count, 2.0);
        assert_eq!(s.bound, 2.0);
        let g = graph(
            3,
            0,
            &[
                (0, 1, 1.5),
                (1, 0, 1.5),
                (1, 2, 1.0),
                (2, 1, 1.25),
                (2, 0, 1.0),
                (0, 2, 1.0),
            ],
        );
        check(&g, 2, 0, Objective::Weight, 3.0);
    }

    /// A pool whose LP has more rows than `master::FirstSolve::by_size` leaves to the simplex:
    /// column generation takes its first LP by interior point and crossover, and the pipeline
    /// still proves the search path's optimum, with the same bytes whatever the arcs' order.
    #[test]
    fn an_interior_point_first_lp_proves_the_search_path_s_optimum() {
        use rand::seq::SliceRandom;
        use rand::SeedableRng;
        let (n, offers) = (3_000, 150);
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
        let g = master::tests::random_graph(&mut rng, n, offers, 2.5 / n as f64);
        let mut arcs: Vec<(u32, u32, f64)> = g
            .arcs()
            .iter()
            .map(|a| (a.from.0, a.to.0, a.weight))
            .collect();
        arcs.shuffle(&mut rng);
        let shuffled = graph(n, offers, &arcs);
        for objective in [Objective::Count, Objective::Weight] {
            let params = Params {
                max_cycle: 3,
                max_chain: 3,
                objective,
                time_limit: None,
                memory_limit: None,
            };
            let clock = WallClock::new();
            let prep = prep::prepare(&g, &params, &Deadline::new(&clock, None))
                .unwrap_or_else(|_| panic!("{objective:?}: preparation stopped"));
            let rows = Rows::new(&g, &prep, params.max_chain).count;
            assert_eq!(
                master::FirstSolve::by_size(rows),
                master::FirstSolve::InteriorPoint,
                "{rows} rows"
            );
            let piped = solve_with(&g, &params, RootLp::ColumnGeneration, &|_| {}).unwrap();
            let searched = solve_with(&g, &params, RootLp::Search, &|_| {}).unwrap();
            assert_eq!(piped.status, Status::Optimal, "{objective:?}");
            assert_eq!(searched.status, Status::Optimal, "{objective:?}");
            assert!(
                (piped.objective - searched.objective).abs() < 1e-6,
                "{objective:?}: pipeline {} but search path {}",
                piped.objective,
                searched.objective
            );
            crate::oracle::check_solution(&g, &params, &piped)
                .unwrap_or_else(|e| panic!("{objective:?}: infeasible: {e}"));
            let again = solve_with(&shuffled, &params, RootLp::ColumnGeneration, &|_| {}).unwrap();
            assert_eq!(
                (&again.cycles, &again.chains, again.objective),
                (&piped.cycles, &piped.chains, piped.objective),
                "{objective:?}: the arcs' order changes the result"
            );
        }
    }

    #[test]
    fn empty_and_bad_params() {
        let g = graph(0, 0, &[]);
        check(&g, 3, 3, Objective::Count, 0.0);
        let bad = Params {
            max_cycle: 1,
            ..Params::default()
        };
        assert!(matches!(solve(&g, &bad), Err(SolveError::BadParams(_))));
    }
}
