//! What the solver returns.

use crate::graph::VertexId;
use std::time::Duration;

/// How good the returned solution is known to be.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Status {
    /// Proven optimal: `objective == bound` (within the objective's precision).
    Optimal,
    /// The time limit stopped the search; `gap = (bound - objective) / max(1, |bound|)`.
    TimeLimit {
        /// Relative gap between the best solution and the bound.
        gap: f64,
    },
    /// The search stopped because the model its proof needed next would exceed
    /// [`Params::memory_limit`](crate::Params::memory_limit); the best solution found and the
    /// bound proven by then, `gap` as for [`Status::TimeLimit`].
    MemoryLimit {
        /// Relative gap between the best solution and the bound.
        gap: f64,
    },
}

impl Status {
    /// `"optimal"`, `"time_limit"` or `"memory_limit"`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Status::Optimal => "optimal",
            Status::TimeLimit { .. } => "time_limit",
            Status::MemoryLimit { .. } => "memory_limit",
        }
    }

    /// The relative gap between the solution and the bound: 0 when optimal.
    pub fn gap(&self) -> f64 {
        match *self {
            Status::Optimal => 0.0,
            Status::TimeLimit { gap } | Status::MemoryLimit { gap } => gap,
        }
    }
}

/// Counters and timings of one solve. Timings vary between runs; everything else in a
/// [`Solution`] does not.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Stats {
    /// Arcs in the input graph.
    pub arcs: usize,
    /// Arcs left after dropping those on no feasible cycle or chain.
    pub arcs_after_reduction: usize,
    /// Feasible cycles enumerated.
    pub cycles_enumerated: usize,
    /// Column-generation rounds at the root.
    pub pricing_rounds: usize,
    /// Root LP bound (before rounding for integral objectives); for a solve settled by the
    /// cover bound, the root LP of the sparse subgraph that reached it.
    pub lp_bound: f64,
    /// The cover bound (the optimum with cycles and chains of any length, proven by its
    /// duals), when the solve computed it: large `count` pools (see the `solve` module notes).
    pub cover_bound: Option<f64>,
    /// Columns (cycles and chain arc-positions) in the final integer program.
    pub mip_columns: usize,
    /// Columns left out of the final integer program by reduced-cost fixing.
    pub columns_fixed: usize,
    /// Integer programs solved.
    pub mip_solves: usize,
    /// Wall time of the whole solve.
    pub elapsed: Duration,
}

/// The chosen exchanges. Cycles start at their smallest vertex index and are sorted; chains
/// start at their offer and are sorted by it.
#[derive(Debug, Clone, PartialEq)]
pub struct Solution {
    /// Cycles: `[v1, .., vk]` means arcs `v1 -> v2 -> .. -> vk -> v1`.
    pub cycles: Vec<Vec<VertexId>>,
    /// Chains: `[offer, p1, .., pk]` means arcs `offer -> p1 -> .. -> pk` (k arcs).
    pub chains: Vec<Vec<VertexId>>,
    /// Objective value of the chosen exchanges.
    pub objective: f64,
    /// Best proven upper bound on the objective.
    pub bound: f64,
    /// Optimal, or stopped by the time limit.
    pub status: Status,
    /// Counters and timings.
    pub stats: Stats,
}

/// A snapshot of a running solve, for progress displays.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Progress {
    /// Best objective found so far (`None` before the first solution).
    pub incumbent: Option<f64>,
    /// Best upper bound so far (`None` before the root LP).
    pub bound: Option<f64>,
    /// Time since the solve started.
    pub elapsed: Duration,
    /// What the solver is doing now.
    pub phase: &'static str,
}
