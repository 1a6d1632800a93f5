//! Witnessing with the `rex` binary: finality in `rex node sync`, a witness policy set in the
//! log, and a gossip file exported by one state and imported by another.

use crate::common;

use common::{one_line, rex, serve, states};
use std::path::Path;

/// Runs `rex ARGS` and returns its stdout; fails with its stderr if it did not succeed.
fn ok(args: &[&str], data: &Path) -> String {
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

#[test]
fn finality_and_gossip_through_the_binary() {
    let tmp = tempfile::tempdir().expect("temporary directory");
    let d = tmp.path();
    let hub = serve(&d.join("hub"));
    let [us, ru] = states(d, &hub, ["US", "RU"]);
    // No agreement: no witness, nothing to wait for.
    let synced = ok(&["node", "sync"], &us);
    assert!(synced.contains("final: checkpoint 2"), "{synced}");

    // The US asks for Russia's cosignature: its own statement is not final until Russia
    // cosigns a checkpoint that holds it.
    let set = ok(
        &[
            "node",
            "witness-policy",
            "--witness",
            "RU",
            "--threshold",
            "1",
        ],
        &us,
    );
    assert!(set.contains("set its witness policy"), "{set}");
    let synced = ok(&["node", "sync"], &us);
    assert!(
        synced.contains("not final: the statements from index 2 on") && synced.contains("[RU]"),
        "{synced}"
    );
    let shown = ok(&["request", "show"], &us);
    assert!(shown.contains("not final: log entries 2 to 2"), "{shown}");
    ok(&["node", "sync"], &ru);
    let synced = ok(&["node", "sync"], &us);
    assert!(synced.contains("final: checkpoint 3"), "{synced}");

    // Russia's cosigned checkpoint, handed over as a file, checks at the US node.
    let file = d.join("ru.gossip");
    ok(
        &[
            "node",
            "checkpoint",
            "export",
            "--out",
            file.to_str().unwrap(),
        ],
        &ru,
    );
    let imported = ok(
        &["node", "checkpoint", "import", file.to_str().unwrap()],
        &us,
    );
    assert!(
        imported.contains("US imported RU's checkpoint 3"),
        "{imported}"
    );
    // A damaged file: one line naming it, exit 2.
    std::fs::write(&file, "{\"format\": \"rex-gossip/v1\"").unwrap();
    let out = rex()
        .args(["node", "checkpoint", "import"])
        .arg(&file)
        .arg("--data")
        .arg(&us)
        .output()
        .expect("run rex");
    let line = one_line(&out.stderr, "import of a damaged gossip file");
    assert_eq!(out.status.code(), Some(2), "{line}");
    assert!(
        line.contains("ru.gossip") && line.contains("not a gossip file"),
        "{line}"
    );
}
