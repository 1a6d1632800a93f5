//! What the `rex` binary's tests share: the harness of `rex-testkit`, bound to the binary
//! built for these tests (whose path only this crate's tests know).

// Each test crate uses a different part of this module.
#![allow(dead_code, unused_imports)]

use std::path::{Path, PathBuf};

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

/// States with a node each in `d/<code>`, registered at `hub`: their data directories.
pub fn states<const N: usize>(d: &Path, hub: &ServedHub, codes: [&str; N]) -> [PathBuf; N] {
    codes.map(|p| {
        let node = d.join(p);
        rex()
            .args(["node", "init", "--party", p, "--hub", &hub.url, "--data"])
            .arg(&node)
            .assert()
            .success();
        rex()
            .args(["hub", "party", "add", "--hub", &hub.url, "--operator-key"])
            .arg(d.join("hub").join("operator.key"))
            .arg(node.join("public-keys.json"))
            .assert()
            .success();
        node
    })
}

/// An agreement in force between the US (`us`, which proposes it) and Russia (`ru`) on
/// illegal access: its id.
pub fn bilateral(us: &Path, ru: &Path) -> String {
    let proposed = ok_on(
        &[
            "agreement",
            "propose",
            "--members",
            "US,RU",
            "--offences",
            "illegal_access",
        ],
        us,
    );
    let agreement = word(&proposed, "agr_");
    ok_on(&["agreement", "sign", &agreement], ru);
    agreement
}

/// The first word of `text` that starts with `prefix` (an id a command printed).
pub fn word(text: &str, prefix: &str) -> String {
    text.split_whitespace()
        .map(|w| w.trim_end_matches([':', ',']))
        .find(|w| w.starts_with(prefix))
        .unwrap_or_else(|| panic!("no {prefix} in {text:?}"))
        .to_owned()
}

/// The arguments of `rex request file` for an illegal-access request to `custodian` under
/// `agreement` (120 months, serious) with the dossier at `dossier`; a test adds its own.
pub fn file_args(custodian: &str, agreement: &str, dossier: &Path) -> Vec<String> {
    [
        "request",
        "file",
        "--custodian",
        custodian,
        "--agreement",
        agreement,
        "--offences",
        "illegal_access",
        "--max-penalty-months",
        "120",
        "--severity",
        "serious",
        "--dossier",
    ]
    .into_iter()
    .map(str::to_owned)
    .chain([dossier.to_string_lossy().into_owned()])
    .collect()
}

/// `rex request file` with [`file_args`] and `extra`, on the node at `data`: its output.
pub fn file_on(
    data: &Path,
    custodian: &str,
    agreement: &str,
    dossier: &Path,
    extra: &[&str],
) -> String {
    let mut args = file_args(custodian, agreement, dossier);
    args.extend(extra.iter().map(|a| a.to_string()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    ok_on(&args, data)
}
