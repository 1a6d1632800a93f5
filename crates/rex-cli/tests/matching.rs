//! `rex match FILE` as a user runs it: the human report, the `--json` object, progress on
//! stderr for a solve longer than a second, and the time limit.

mod common;

use common::rex;
use serde_json::Value;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// A Trimble instance with a known optimum: the 2-cycle 0 <-> 1, the 3-cycle 2 -> 3 -> 4 -> 2,
/// and the chain n0 -> 5 -> 6 (7 handovers), plus an arc 1 -> 2 that joins nothing feasible.
fn small_instance(dir: &Path) -> PathBuf {
    let pairs = "7 7\n0 1 1\n1 0 1\n2 3 1\n3 4 1\n4 2 1\n1 2 1\n5 6 1\n-1 -1 -1\n";
    let file = dir.join("small.input");
    std::fs::write(&file, pairs).unwrap();
    std::fs::write(dir.join("small.ndds"), "1 1\n0 5 1\n-1 -1 -1\n").unwrap();
    file
}

fn json_of(args: &[&str], file: &Path) -> (Value, String) {
    let output = rex()
        .arg("match")
        .arg(file)
        .args(args)
        .arg("--json")
        .output()
        .expect("run rex match");
    assert!(output.status.success(), "rex match failed: {output:?}");
    let json: Value = serde_json::from_slice(&output.stdout).expect("one JSON object");
    (json, String::from_utf8_lossy(&output.stderr).into_owned())
}

#[test]
fn json_reports_the_optimum_and_the_exchanges_by_file_ids() {
    let dir = tempfile::tempdir().unwrap();
    let file = small_instance(dir.path());
    let (json, stderr) = json_of(&[], &file);
    assert_eq!(json["objective"], 7.0);
    assert_eq!(json["bound"], 7.0);
    assert_eq!(json["status"], "optimal");
    assert!(json["seconds"].as_f64().is_some_and(|s| s >= 0.0));
    assert_eq!(
        json["cycles"],
        serde_json::json!([["0", "1"], ["2", "3", "4"]])
    );
    assert_eq!(json["chains"], serde_json::json!([["n0", "5", "6"]]));
    assert!(stderr.is_empty(), "a short solve prints nothing: {stderr}");

    // K = 2 drops the 3-cycle; L = 1 cuts the chain to the offer's own handover.
    let (json, _) = json_of(&["--max-cycle", "2", "--max-chain", "1"], &file);
    assert_eq!(json["objective"], 3.0);
    assert_eq!(json["chains"], serde_json::json!([["n0", "5"]]));
}

#[test]
fn the_human_report_gives_objective_bound_status_time_then_exchanges() {
    let dir = tempfile::tempdir().unwrap();
    let file = small_instance(dir.path());
    let output = rex().arg("match").arg(&file).output().unwrap();
    assert!(output.status.success());
    let text = String::from_utf8(output.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "objective  7");
    assert_eq!(lines[1], "bound      7");
    assert_eq!(lines[2], "status     optimal");
    assert!(lines[3].starts_with("time       ") && lines[3].ends_with(" s"));
    for exchange in ["  0 -> 1 -> 0", "  2 -> 3 -> 4 -> 2", "  n0 -> 5 -> 6"] {
        assert!(lines.contains(&exchange), "missing {exchange:?} in\n{text}");
    }
}

/// A dense random instance (fixed seed): 400 pairs, each arc present with probability 1/2,
/// about 2.7 million 3-cycles (a debug build needs ~6 s to solve it, a release build ~1 s).
fn dense_instance(dir: &Path) -> PathBuf {
    let n = 400u64;
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut arcs = Vec::new();
    for u in 0..n {
        for v in 0..n {
            // xorshift64
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            if u != v && state.is_multiple_of(2) {
                arcs.push((u, v));
            }
        }
    }
    let mut text = format!("{n} {}\n", arcs.len());
    for (u, v) in arcs {
        writeln!(text, "{u} {v} 1").unwrap();
    }
    text.push_str("-1 -1 -1\n");
    let file = dir.join("dense.input");
    std::fs::write(&file, text).unwrap();
    file
}

#[test]
fn a_long_solve_shows_progress_and_stops_at_the_time_limit() {
    let dir = tempfile::tempdir().unwrap();
    let file = dense_instance(dir.path());
    let (json, stderr) = json_of(&["--time-limit", "2.5"], &file);
    let seconds = json["seconds"].as_f64().unwrap();
    assert!(
        seconds > 1.2,
        "the instance solved in {seconds} s: too easy to show progress, make it larger"
    );
    assert!(
        seconds < 10.0,
        "the time limit of 2.5 s was not kept: {seconds} s"
    );
    let progress: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("rex match:"))
        .collect();
    assert!(
        !progress.is_empty(),
        "no progress line on stderr: {stderr:?}"
    );
    for line in &progress {
        assert!(
            line.contains("incumbent") && line.contains("bound") && line.contains('s'),
            "progress line {line:?}"
        );
    }
    let objective = json["objective"].as_f64().unwrap();
    let bound = json["bound"].as_f64().unwrap();
    assert!(
        bound >= objective,
        "bound {bound} below objective {objective}"
    );
    match json["status"].as_str().unwrap() {
        "optimal" => assert_eq!(bound, objective),
        "time_limit" => {
            let gap = json["gap"].as_f64().unwrap();
            assert!(gap >= 0.0 && (bound - objective - gap * bound.max(1.0)).abs() < 1e-6);
        }
        other => panic!("status {other}"),
    }
}
