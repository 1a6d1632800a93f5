//! The exact solver. (Algorithm notes follow in the full implementation.)

use crate::graph::{Graph, VertexId};
use crate::params::{Objective, Params};
use crate::solution::{Progress, Solution};

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

/// Like [`solve`], calling `on_progress` at every phase change.
pub fn solve_with_progress(
    graph: &Graph,
    params: &Params,
    on_progress: &(dyn Fn(&Progress) + Sync),
) -> Result<Solution, SolveError> {
    let _ = (graph, params, on_progress);
    Err(SolveError::Solver("not yet implemented".into()))
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
