//! Where a solve reads the time.
//!
//! The solver reads the time for three things only: its time limit, the `elapsed` of its
//! [`Progress`](crate::Progress) reports and [`Stats::elapsed`](crate::Stats::elapsed). All
//! three go through a [`Clock`], so that a test can stop a solve at any point of its pipeline,
//! or watch its progress, without depending on the machine's speed or the build profile.

use std::time::{Duration, Instant};

/// A monotonic clock.
pub trait Clock: Sync {
    /// The time since this clock's origin; never smaller than an earlier reading.
    fn now(&self) -> Duration;
}

/// The real clock (monotonic wall time), with its origin where it was made.
#[derive(Debug, Clone, Copy)]
pub struct WallClock {
    origin: Instant,
}

impl WallClock {
    /// A clock reading zero now.
    pub fn new() -> Self {
        WallClock {
            origin: Instant::now(),
        }
    }
}

impl Default for WallClock {
    fn default() -> Self {
        WallClock::new()
    }
}

impl Clock for WallClock {
    fn now(&self) -> Duration {
        self.origin.elapsed()
    }
}
