//! What the `rex` binary's tests share: the harness of `rex-testkit`, bound to the binary
//! built for these tests (whose path only this crate's tests know).

// Each test crate uses a different part of this module.
#![allow(dead_code, unused_imports)]

use std::path::Path;

pub use rex_testkit::binary::{one_line, ServedHub};

/// The `rex` binary built for these tests.
pub const REX: &str = env!("CARGO_BIN_EXE_rex");

/// A `rex` command with the environment the tests assume (see [`rex_testkit::binary::command`]).
pub fn rex() -> assert_cmd::Command {
    rex_testkit::binary::command(REX)
}

/// `rex hub serve` on `dir`, on a port the system picks, killed when dropped.
pub fn serve(dir: &Path) -> ServedHub {
    ServedHub::start(REX, dir)
}

/// Runs `rex ARGS --data DATA` and returns its stdout; fails with its stderr if it did not
/// succeed.
pub fn ok_on(args: &[&str], data: &Path) -> String {
    let out = rex()
        .args(args)
        .arg("--data")
        .arg(data)
        .output()
        .expect("run rex");
    assert!(
        out.status.success(),
        "rex {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8")
}

/// Runs `rex ARGS --data DATA`, which must fail with `code`, and returns its one line.
pub fn fails_on(args: &[&str], data: &Path, code: i32) -> String {
    let out = rex()
        .args(args)
        .arg("--data")
        .arg(data)
        .output()
        .expect("run rex");
    let line = one_line(&out.stderr, &format!("rex {args:?}"));
    assert_eq!(out.status.code(), Some(code), "{line}");
    line
}
