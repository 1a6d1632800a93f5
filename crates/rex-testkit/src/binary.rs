//! The `rex` binary's harness: running it, and a hub served by `rex hub serve` as a child
//! process (for what only a process shows: its output, its exit, a SIGKILL).
//!
//! The binary's path is the caller's (`env!("CARGO_BIN_EXE_rex")`, which only the binary's
//! own tests know).

use std::io::{BufRead as _, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// How long [`ServedHub::start`] waits for the hub's announcement: far beyond a start-up on
/// the slowest machine, so that only a hub that never announces itself reaches it.
const PATIENCE: Duration = Duration::from_secs(60);

/// A command for the binary at `bin` with the environment the tests assume: backtraces on, so
/// that a panic would show (and fail the one-line checks) rather than hide; no `RUST_LOG`.
pub fn command(bin: &str) -> assert_cmd::Command {
    let mut c = assert_cmd::Command::new(bin);
    c.env("RUST_BACKTRACE", "1").env_remove("RUST_LOG");
    c
}

/// `rex hub serve --data DIR --listen 127.0.0.1:0`, killed when dropped.
pub struct ServedHub {
    child: Child,
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    /// The log's origin line, as the hub announced it.
    pub origin: String,
    /// Every line the hub wrote on stderr after its announcement, collected by a thread.
    lines: mpsc::Receiver<String>,
}

impl ServedHub {
    /// Starts `bin hub serve` on `dir` and waits for its line
    /// `rex hub: serving ORIGIN on http://ADDR`.
    pub fn start(bin: &str, dir: &Path) -> ServedHub {
        let mut child = Command::new(bin)
            .args(["hub", "serve", "--listen", "127.0.0.1:0", "--data"])
            .arg(dir)
            .env("RUST_BACKTRACE", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("spawning {bin} hub serve: {e}"));
        let stderr = child.stderr.take().expect("piped stderr");
        let (tx, lines) = mpsc::channel();
        // Reads stderr to its end, so that the hub never blocks on a full pipe.
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let mut seen = Vec::new();
        loop {
            let line = match lines.recv_timeout(PATIENCE) {
                Ok(line) => line,
                Err(e) => {
                    // Best effort: the panic below is what matters.
                    let _ = child.kill();
                    let status = child.wait().ok();
                    panic!(
                        "rex hub serve did not announce itself ({e}; exit {status:?}); stderr:\n{}",
                        seen.join("\n")
                    );
                }
            };
            if let Some(rest) = line.strip_prefix("rex hub: serving ") {
                let (origin, url) = rest
                    .rsplit_once(" on ")
                    .unwrap_or_else(|| panic!("unexpected announcement {line:?}"));
                assert!(url.starts_with("http://127.0.0.1:"), "{line}");
                return ServedHub {
                    child,
                    url: url.to_owned(),
                    origin: origin.to_owned(),
                    lines,
                };
            }
            seen.push(line);
        }
    }

    /// The child's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Sends SIGKILL (what `Child::kill` sends on unix) and reaps the process.
    pub fn kill(mut self) {
        self.child.kill().expect("SIGKILL the hub");
        self.child.wait().expect("reap the hub");
    }

    /// What the hub wrote on stderr so far after its announcement.
    pub fn stderr_so_far(&self) -> Vec<String> {
        self.lines.try_iter().collect()
    }
}

impl Drop for ServedHub {
    fn drop(&mut self) {
        // Cleanup of a child that `kill` may have reaped already: nothing to check.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Asserts that `stderr` is exactly one line, `rex: ...`, with no panic nor backtrace in it,
/// and returns it without the newline.
pub fn one_line(stderr: &[u8], context: &str) -> String {
    let text = String::from_utf8_lossy(stderr);
    assert!(
        text.ends_with('\n') && text.matches('\n').count() == 1,
        "{context}: stderr is not exactly one line:\n{text}"
    );
    let line = text.trim_end_matches('\n');
    assert!(line.starts_with("rex: "), "{context}: {line:?}");
    for bad in [
        "panicked",
        "backtrace",
        "RUST_BACKTRACE",
        "Error {",
        "Error(",
    ] {
        assert!(!line.contains(bad), "{context}: {line:?} contains {bad:?}");
    }
    line.to_owned()
}
