//! `rex match FILE` as a user runs it: the human report, the `--json` object and the progress
//! lines on stderr.

use crate::common;

use common::rex;
use serde_json::Value;
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

/// Progress lines, forced at every solver event (the hidden `--progress-events`), so that
/// their format is checked whatever the machine's speed: a solve's stop at the time limit and
/// the once-a-second ticker are tested with fake clocks (in `rex-match`'s `tests/clock.rs` and
/// this crate's `matching` unit tests).
#[test]
fn progress_lines_name_the_phase_the_incumbent_and_the_bound() {
    let dir = tempfile::tempdir().unwrap();
    let file = small_instance(dir.path());
    let (json, stderr) = json_of(&["--progress-events", "--time-limit", "600"], &file);
    assert_eq!(json["objective"], 7.0);
    assert_eq!(json["status"], "optimal");
    let lines: Vec<&str> = stderr.lines().collect();
    assert!(lines.len() >= 2, "one line per solver event: {stderr:?}");
    let mut phases = Vec::new();
    for line in &lines {
        // `rex match:    0.0s  root LP         incumbent        -  bound        7`
        let rest = line
            .strip_prefix("rex match: ")
            .unwrap_or_else(|| panic!("progress line {line:?}"));
        let (seconds, rest) = rest.trim_start().split_once("s  ").unwrap();
        assert!(seconds.parse::<f64>().is_ok_and(|s| s >= 0.0), "{line:?}");
        let (phase, rest) = rest.split_once(" incumbent ").unwrap();
        let (incumbent, bound) = rest.split_once("  bound ").unwrap();
        for number in [incumbent.trim(), bound.trim()] {
            assert!(number == "-" || number.parse::<f64>().is_ok(), "{line:?}");
        }
        phases.push(phase.trim());
    }
    // (This small `count` pool is settled by the cover bound and its tight packing, before
    // any cycle is counted.)
    assert_eq!(phases[0], "cover bound", "{stderr}");
    assert!(!phases.contains(&"counting cycles"), "{stderr}");
}

/// K = 2 without chains is a matching: the 2-cycle only, proven optimal, under both objectives.
#[test]
fn pairs_only_is_matched_and_proven() {
    let dir = tempfile::tempdir().unwrap();
    let file = small_instance(dir.path());
    for objective in ["count", "weight"] {
        let (json, _) = json_of(
            &[
                "--max-cycle",
                "2",
                "--max-chain",
                "0",
                "--objective",
                objective,
            ],
            &file,
        );
        assert_eq!(json["objective"], 2.0, "{objective}");
        assert_eq!(json["bound"], 2.0, "{objective}");
        assert_eq!(json["status"], "optimal", "{objective}");
        assert_eq!(
            json["cycles"],
            serde_json::json!([["0", "1"]]),
            "{objective}"
        );
        assert_eq!(json["chains"], serde_json::json!([]), "{objective}");
    }
}

/// `rex kep generate` writes a pool that `rex match` solves, the same bytes for the same seed;
/// a bad share is one line on stderr and exit code 2.
#[test]
fn generated_pools_are_seeded_and_solvable() {
    let dir = tempfile::tempdir().unwrap();
    let generate = |name: &str, seed: &str| {
        let prefix = dir.path().join(name);
        let output = rex()
            .args(["kep", "generate", "--model", "modified", "--pairs", "40"])
            .args(["--altruists", "0.25", "--seed", seed, "--out"])
            .arg(&prefix)
            .output()
            .unwrap();
        assert!(output.status.success(), "{output:?}");
        let stdout = String::from_utf8(output.stdout).unwrap();
        assert!(
            stdout.contains("40 pairs") && stdout.contains("13 altruists"),
            "{stdout}"
        );
        let read = |suffix: &str| std::fs::read(dir.path().join(format!("{name}.{suffix}")));
        (read("input").unwrap(), read("ndds").unwrap())
    };
    let one = generate("a", "3");
    assert_eq!(one, generate("b", "3"));
    assert_ne!(one, generate("c", "4"));
    let (json, _) = json_of(&[], &dir.path().join("a.input"));
    assert_eq!(json["status"], "optimal");
    assert_eq!(json["offers"], 13);

    let output = rex()
        .args(["kep", "generate", "--model", "saidman", "--pairs", "10"])
        .args(["--altruists", "1.5", "--out"])
        .arg(dir.path().join("bad"))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("altruist share"), "{stderr}");
}
