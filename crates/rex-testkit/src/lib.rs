//! `rex-testkit`: what the tests of rex's crates share to run a hub. A dev-dependency only.
//!
//! **Key design decision: one way to start a hub in a test.** Every hub a test runs in process
//! is a [`TestHub`]: a temporary data directory, a [`rex_hub::ManualClock`] starting at [`T0`],
//! reached through its router in process (`oneshot`, as axum recommends) or served on
//! `127.0.0.1:0`, stopped cleanly and restarted on the same directory and port. Synchronous
//! tests (the node's blocking client) drive the same hub through [`LoopbackHub`], which owns a
//! tokio runtime. The hub is opened and served in exactly one place (`start`), so a change
//! of the hub's start-up API is one edit here and none in the tests.
//!
//! Further decisions:
//!
//! - Time is the test's: the hub runs on a manual clock and a node on [`node_clock`]; no test
//!   that uses this crate needs the wall clock. Only the tests of the `rex` binary, whose hub
//!   runs in a child process ([`binary::ServedHub`]), live on system time.
//! - Keys are derived from names ([`key_of`]), so a test can sign for any party without
//!   passing keys around, and failures replay.
//! - Waiting is bounded by an outcome, not by a duration: [`TestHub::wait_for_registry`] polls
//!   until a condition holds and fails after a generous bound, so a slow machine only makes a
//!   test slower, never wrong.

pub mod binary;
mod fixtures;
mod hub;
mod loopback;
mod start;

pub use crate::fixtures::{
    key_file, key_of, metadata, node_clock, party, terms, write_key_file, HandLog, DAY, T0,
};
pub use crate::hub::{fast_commit, Answer, TestHub};
pub use crate::loopback::LoopbackHub;
