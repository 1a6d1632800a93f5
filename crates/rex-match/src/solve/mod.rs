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
//! 5. *Reduced-cost fixing.* Otherwise, with `LB` the value found (by the dive or step 4) and
//!    `d` the optimal LP duals, any solution better than `LB` uses only columns of reduced cost
//!    `> LB - UB` (`>= LB + 1 - UB` for integral weights), since its value is at most `UB` plus
//!    the sum of its columns' reduced costs, all `<= 0`. Those columns (and `LB`'s) are
//!    collected and the MIP over them is solved, warm-started from `LB`'s solution. Its optimum
//!    is the proven optimum.
//!
//! # Determinism and tie-breaking
//!
//! The result (everything in [`Solution`] except [`Stats`](crate::Stats) timings) is a function
//! of the graph, the parameters and the rex version only: columns are enumerated in a canonical
//! order (cycles by smallest vertex index then lexicographically, chain columns by position then
//! arc), column-generation ties are broken by column id, HiGHS runs single-threaded with a fixed
//! seed, and the output is canonical (each cycle starts at its smallest vertex index, cycles are
//! sorted, chains are sorted by offer). When several solutions are optimal, the one returned is
//! the first found on that canonical model (the root LP's vertex, the dive's end, or the first
//! HiGHS proves optimal), all deterministic: replaying a matching therefore needs
//! the same graph, parameters and rex version, which the hub records with every round. A solve
//! stopped by its time limit depends on the machine's speed and is not reproducible.

mod ffi;
mod master;
mod prep;

use crate::graph::{Graph, VertexId, VertexKind};
use crate::params::{Objective, Params, MAX_CHAIN_CAP, MAX_CYCLE_CAP};
use crate::solution::{Progress, Solution, Stats, Status};
use master::{ColId, Rows};
use std::time::{Duration, Instant};
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

/// Why the pipeline stopped early.
pub(crate) enum Stop {
    Error(SolveError),
    Timeout,
}

/// The wall-clock budget of one solve.
pub(crate) struct Deadline {
    pub(crate) start: Instant,
    limit: Option<Duration>,
}

impl Deadline {
    fn remaining(&self) -> Option<Duration> {
        self.limit.map(|l| l.saturating_sub(self.start.elapsed()))
    }

    fn check(&self, _phase: &str) -> Result<(), Stop> {
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

/// Models of at most this many columns (cycles and chain arc-positions) get their whole root
/// LP at once, without column generation. Measured on the 139 PrefLib and kep_solver
/// instances (best of 3): up to ~1,000 columns the two ways take the same time (within noise,
/// 0.7 to 3 ms); above, column generation is faster on most (up to 4x on PrefLib 00036-71,
/// 1,595 columns; 0.70 s against 1.11 s over all 139).
const WHOLE_LP_COLUMNS: u64 = 1_000;

/// How the root LP is solved: by model size, or (for tests, which must cover both ways on
/// small graphs) forced.
#[doc(hidden)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RootLp {
    BySize,
    Whole,
    ColumnGeneration,
}

/// Like [`solve`], calling `on_progress` at every phase change and column-generation round.
pub fn solve_with_progress(
    graph: &Graph,
    params: &Params,
    on_progress: &(dyn Fn(&Progress) + Sync),
) -> Result<Solution, SolveError> {
    solve_with(graph, params, RootLp::BySize, on_progress)
}

/// Like [`solve_with_progress`], with the way of solving the root LP forced.
#[doc(hidden)]
pub fn solve_with(
    graph: &Graph,
    params: &Params,
    how: RootLp,
    on_progress: &(dyn Fn(&Progress) + Sync),
) -> Result<Solution, SolveError> {
    check_params(params)?;
    let deadline = Deadline {
        start: Instant::now(),
        limit: params.time_limit,
    };
    let mut stats = Stats {
        arcs: graph.arcs().len(),
        ..Stats::default()
    };
    let mut incumbent: Option<f64> = None;
    let mut bound: Option<f64>;
    let report = |phase: &'static str, incumbent: Option<f64>, bound: Option<f64>| {
        on_progress(&Progress {
            incumbent,
            bound,
            elapsed: deadline.start.elapsed(),
            phase,
        })
    };
    report("reducing", None, None);
    let stopped = |stats: Stats, best: Option<(Vec<ColId>, f64)>, bound: f64| (stats, best, bound);
    let prep = match prep::prepare(graph, params, &deadline) {
        Ok(p) => p,
        Err(Stop::Error(e)) => return Err(e),
        Err(Stop::Timeout) => {
            let (stats, _, b) = stopped(stats, None, naive_bound(graph, params));
            return Ok(finish(
                graph,
                params,
                None,
                &[],
                0.0,
                b,
                false,
                stats,
                &deadline,
            ));
        }
    };
    stats.arcs_after_reduction = prep.useful_arcs;
    stats.cycles_enumerated = prep.cycles.len();
    let rows = Rows::new(graph, &prep, params.max_chain);
    if std::env::var_os("REX_MATCH_TRACE").is_some() {
        eprintln!(
            "prepared: {} cycles, {} chain columns, {} rows at {:?}",
            prep.cycles.len(),
            prep.chain_vars.len(),
            rows.count,
            deadline.start.elapsed()
        );
    }
    let round_bound = |b: f64| if prep.integral { (b + 1e-6).floor() } else { b };

    let total = (prep.cycles.len() + prep.chain_vars.len()) as u64;
    let whole = match how {
        RootLp::BySize => total <= WHOLE_LP_COLUMNS,
        RootLp::Whole => true,
        RootLp::ColumnGeneration => false,
    };
    let mut ub = round_bound(prep.trivial_bound);
    bound = Some(ub);
    report("root LP", None, bound);
    let root_lp = |start: &[ColId], target: f64, ub: f64| {
        master::solve_root(
            graph,
            &prep,
            &rows,
            start,
            target,
            &deadline,
            &mut |_, _| report("root LP", None, Some(ub)),
        )
    };
    // Stopped by the time limit before any solution: the empty packing, with the bound so far.
    let nothing_found = |prep: &prep::Prepared, ub: f64, stats: Stats| {
        finish(
            graph,
            params,
            Some(prep),
            &[],
            0.0,
            ub,
            false,
            stats,
            &deadline,
        )
    };
    let everything: Vec<ColId> = if whole {
        (0..total as ColId).collect()
    } else {
        Vec::new()
    };
    let mut root = match root_lp(&everything, ub, ub) {
        Ok(r) => r,
        Err(Stop::Error(e)) => return Err(e),
        Err(Stop::Timeout) => return Ok(nothing_found(&prep, ub, stats)),
    };
    stats.pricing_rounds = root.rounds;
    stats.lp_bound = root.lp_value;
    if root.converged {
        ub = ub.min(round_bound(root.lp_value));
    }
    bound = Some(ub);
    let tol = 1e-6;

    // The root LP's optimum is often integral, and otherwise a dive on it often reaches the
    // bound: either proves optimality without an integer program.
    let mut dived: Option<master::MipResult> = None;
    if root.lp_value >= ub - tol {
        report("diving", incumbent, bound);
        let found = match master::integral(&root.columns, &root.values) {
            Some(chosen) => Some(chosen),
            None => match master::dive(graph, &prep, &rows, &mut root, ub, &deadline) {
                Ok(d) => d,
                Err(Stop::Error(e)) => return Err(e),
                Err(Stop::Timeout) => return Ok(nothing_found(&prep, ub, stats)),
            },
        };
        if let Some(chosen) = found {
            let objective: f64 = chosen.iter().map(|&id| prep.column_weight(id)).sum();
            if objective >= ub - tol {
                return Ok(finish(
                    graph,
                    params,
                    Some(&prep),
                    &chosen,
                    objective,
                    objective,
                    true,
                    stats,
                    &deadline,
                ));
            }
            incumbent = Some(objective);
            dived = Some(master::MipResult {
                chosen,
                objective,
                bound: ub,
                optimal: false,
            });
        }
    }
    let done = |first: &master::MipResult, ub: f64, proven: bool, stats: Stats| {
        finish(
            graph,
            params,
            Some(&prep),
            &first.chosen,
            first.objective,
            if proven { first.objective } else { ub },
            proven,
            stats,
            &deadline,
        )
    };

    let first = {
        {
            // The first integer program runs over the generated columns: when the bound is
            // tight, as it usually is, they hold an optimal solution. With a lower bound `LB`
            // from the dive, only columns of reduced cost `> LB - LP` (under the master's
            // duals, which are dual feasible for it) can be part of a better solution over
            // them; the dive's own columns stay, to start from.
            report("restricted MIP", incumbent, bound);
            let floor = dived.as_ref().map_or(f64::NEG_INFINITY, |d| {
                if prep.integral {
                    d.objective + 1.0 - root.lp_value - tol
                } else {
                    d.objective - root.lp_value - tol
                }
            });
            let mut columns: Vec<ColId> = root
                .columns
                .iter()
                .copied()
                .filter(|&id| rows.reduced_cost(graph, &prep, id, &root.duals) >= floor)
                .chain(dived.iter().flat_map(|d| d.chosen.iter().copied()))
                .collect();
            columns.sort_unstable();
            columns.dedup();
            if std::env::var_os("REX_MATCH_TRACE").is_some() {
                eprintln!("first MIP: {} columns", columns.len());
            }
            stats.mip_solves += 1;
            stats.mip_columns = columns.len();
            stats.columns_fixed = (total - columns.len() as u64) as usize;
            let start = dived.as_ref().map_or(&[][..], |d| &d.chosen[..]);
            let mut first = match master::solve_mip(graph, &prep, &rows, &columns, start, &deadline)
            {
                Ok(r) => r,
                Err(Stop::Error(e)) => return Err(e),
                Err(Stop::Timeout) => match dived {
                    Some(d) => return Ok(done(&d, ub, false, stats)),
                    None => return Ok(nothing_found(&prep, ub, stats)),
                },
            };
            if let Some(d) = dived {
                if d.objective > first.objective + tol {
                    first.chosen = d.chosen;
                    first.objective = d.objective;
                }
            }
            incumbent = Some(first.objective);
            report("restricted MIP", incumbent, bound);
            // Over every column (the whole root LP), the first integer program's optimum is the
            // optimum.
            let complete = columns.len() as u64 == total;
            if !first.optimal || complete || first.objective >= ub - tol {
                let proven = first.optimal && (complete || first.objective >= ub - tol);
                return Ok(done(&first, ub, proven, stats));
            }
            if !root.converged {
                // Column generation stopped at the trivial bound: finish it, so that its duals
                // prove the LP bound and can fix columns.
                report("root LP", incumbent, bound);
                root = match root_lp(&root.columns, f64::INFINITY, ub) {
                    Ok(r) => r,
                    Err(Stop::Error(e)) => return Err(e),
                    Err(Stop::Timeout) => return Ok(done(&first, ub, false, stats)),
                };
                stats.pricing_rounds += root.rounds;
                stats.lp_bound = root.lp_value;
                ub = ub.min(round_bound(root.lp_value));
                bound = Some(ub);
                if first.objective >= ub - tol {
                    return Ok(done(&first, ub, true, stats));
                }
            }
            first
        }
    };

    // Reduced-cost fixing: keep every column that could be part of a better solution.
    let lb = first.objective;
    let threshold = if prep.integral {
        lb + 1.0 - root.lp_value - tol
    } else {
        lb - root.lp_value - tol
    };
    // The incumbent's columns stay too, so that it can warm-start the integer program.
    let mut in_set = vec![false; total as usize];
    for &c in &first.chosen {
        in_set[c as usize] = true;
    }
    for id in 0..total as ColId {
        if !in_set[id as usize] && rows.reduced_cost(graph, &prep, id, &root.duals) >= threshold {
            in_set[id as usize] = true;
        }
    }
    let columns: Vec<ColId> = (0..total as ColId)
        .filter(|&c| in_set[c as usize])
        .collect();
    stats.mip_solves += 1;
    stats.mip_columns = columns.len();
    stats.columns_fixed = (total - columns.len() as u64) as usize;
    report("full MIP", incumbent, bound);
    let second = match master::solve_mip(graph, &prep, &rows, &columns, &first.chosen, &deadline) {
        Ok(r) => r,
        Err(Stop::Error(e)) => return Err(e),
        Err(Stop::Timeout) => master::MipResult {
            chosen: Vec::new(),
            objective: f64::NEG_INFINITY,
            bound: f64::INFINITY,
            optimal: false,
        },
    };
    let best = if second.objective > first.objective + tol {
        &second
    } else {
        &first
    };
    if second.optimal {
        return Ok(finish(
            graph,
            params,
            Some(&prep),
            &best.chosen,
            best.objective,
            best.objective,
            true,
            stats,
            &deadline,
        ));
    }
    // Stopped: no solution outside the kept columns beats `lb`, so the global bound is the
    // larger of `lb` and the MIP's bound over the kept columns.
    let global = round_bound(second.bound.max(lb)).min(ub);
    Ok(finish(
        graph,
        params,
        Some(&prep),
        &best.chosen,
        best.objective,
        global,
        false,
        stats,
        &deadline,
    ))
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

/// Turns chosen columns into canonical cycles and chains and assembles the [`Solution`].
#[allow(clippy::too_many_arguments)]
fn finish(
    graph: &Graph,
    params: &Params,
    prep: Option<&prep::Prepared>,
    chosen: &[ColId],
    objective: f64,
    bound: f64,
    optimal: bool,
    mut stats: Stats,
    deadline: &Deadline,
) -> Solution {
    let mut cycles: Vec<Vec<VertexId>> = Vec::new();
    let mut chains: Vec<Vec<VertexId>> = Vec::new();
    if let Some(prep) = prep {
        let nc = prep.cycles.len();
        // Successor of a vertex at a position, from the chosen chain columns.
        let mut next: std::collections::BTreeMap<(u32, u8), u32> = Default::default();
        for &id in chosen {
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
    let recomputed = objective_value(graph, params.objective, &cycles, &chains);
    assert!(
        (recomputed - objective).abs() <= 1e-6 * objective.abs().max(1.0),
        "solver objective {objective} differs from the chosen exchanges' value {recomputed}"
    );
    let bound = if optimal {
        recomputed
    } else {
        bound.max(recomputed)
    };
    stats.elapsed = deadline.start.elapsed();
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
