//! `rex-match`: exact packing of reciprocal cycles and chains (the kidney-exchange problem).
//!
//! Pure and deterministic, no async, no I/O: the instance-file readers are the `rex-kep` crate,
//! so that `rex-domain`, which solves every matching round, builds no parsers. The solver reads
//! no environment variables and prints nothing: everything it depends on is in [`Params`], the
//! time comes from a [`Clock`] the caller may pass (the wall clock by default; a fake one makes a
//! solve stopped by its time limit reproducible in tests), progress goes to the caller's
//! callback, and debugging detail to `tracing` events. See [`solve()`] for the algorithm and the
//! tie-breaking rule.

pub mod clock;
pub mod graph;
pub mod oracle;
pub mod params;
pub mod solution;

pub use clock::{Clock, WallClock};
pub use graph::{Arc, Graph, GraphBuilder, GraphError, Vertex, VertexId, VertexKind};
pub use params::{Objective, Params};
pub use solution::{Progress, Solution, Stats, Status};
pub mod solve;

pub use solve::{objective_value, solve, solve_with_clock, solve_with_progress, SolveError};
