//! What to solve: cycle and chain caps, objective, time limit.

use std::time::Duration;

/// Largest cycle cap accepted. Above 3, cycles are enumerated, and their number grows like `d^K`.
pub const MAX_CYCLE_CAP: usize = 8;
/// Largest chain cap accepted (positions of the chain formulation).
pub const MAX_CHAIN_CAP: usize = 12;

/// What the solver maximises.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Objective {
    /// The number of arcs used: a cycle of k requests counts k, a chain `offer -> p1 -> p2`
    /// counts 2 (every handover counts once, the offer's own included).
    #[default]
    Count,
    /// The total weight of the arcs used.
    Weight,
}

/// Parameters of one solve.
#[derive(Debug, Clone, PartialEq)]
pub struct Params {
    /// Longest cycle, in arcs (0 = no cycles, otherwise 2..=[`MAX_CYCLE_CAP`]).
    pub max_cycle: usize,
    /// Longest chain, in arcs, the offer's own handover included (0 = no chains).
    pub max_chain: usize,
    /// What to maximise.
    pub objective: Objective,
    /// Stop after this long and report the best solution found with its gap.
    pub time_limit: Option<Duration>,
    /// The most memory, in bytes, the model may be estimated to need (the graph's arcs and
    /// the columns of the formulation); a solve that would need more stops with
    /// [`SolveError::TooLarge`](crate::SolveError::TooLarge) before allocating it. `None`: no
    /// limit.
    pub memory_limit: Option<u64>,
}

/// The default [`Params::memory_limit`]: 8 GiB.
pub const DEFAULT_MEMORY_LIMIT: u64 = 8 << 30;

impl Default for Params {
    fn default() -> Self {
        Self {
            max_cycle: 3,
            max_chain: 3,
            objective: Objective::Count,
            time_limit: None,
            memory_limit: Some(DEFAULT_MEMORY_LIMIT),
        }
    }
}
