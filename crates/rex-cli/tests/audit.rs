//! Pinned audits through the `rex` binary: `rex hub vkeys` and `rex node export-keys --vkey`
//! print the keys an outside auditor pins, `rex log verify --trust FILE` (or the same keys as
//! flags) audits a served hub with them and requires the witnesses' cosignatures, and every
//! bad trust file or flag is one line with exit code 2.

use crate::common;

use common::{one_line, rex, serve};
use std::ffi::OsString;
use std::path::Path;

/// Runs `rex ARGS` and returns its stdout; panics with its stderr when it fails.
fn ok<S: AsRef<std::ffi::OsStr>>(args: &[S]) -> String {
    let output = rex().args(args).output().expect("run rex");
    assert!(
        output.status.success(),
        "rex {:?}: {}",
        args.iter()
            .map(|a| a.as_ref().to_owned())
            .collect::<Vec<_>>(),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("UTF-8 output")
}

/// Runs `rex ARGS`, asserts exit `code`, one line on stderr holding every one of `says`, and
/// nothing on stdout. Returns the line.
fn fails<S: AsRef<std::ffi::OsStr>>(args: &[S], code: i32, says: &[&str]) -> String {
    let context = format!(
        "rex {:?}",
        args.iter()
            .map(|a| a.as_ref().to_owned())
            .collect::<Vec<_>>()
    );
    let output = rex().args(args).output().expect("run rex");
    // `log verify` reports its stages on stderr before it fails: the error is the last line.
    let stderr = String::from_utf8_lossy(&output.stderr);
    let last = stderr
        .lines()
        .filter(|l| !l.starts_with("rex log verify: "))
        .collect::<Vec<_>>()
        .join("\n");
    let line = one_line(format!("{last}\n").as_bytes(), &context);
    assert_eq!(output.status.code(), Some(code), "{context}: {line}");
    assert!(
        output.stdout.is_empty(),
        "{context}: stdout {:?}",
        output.stdout
    );
    for s in says {
        assert!(line.contains(s), "{context}: {line:?} does not say {s:?}");
    }
    line
}

fn os(parts: &[&dyn AsRef<std::ffi::OsStr>]) -> Vec<OsString> {
    parts.iter().map(|p| p.as_ref().to_owned()).collect()
}

/// `rex node init` for `code` against `url`, in `dir/<code>`; returns the data directory.
fn init(dir: &Path, code: &str, url: &str) -> OsString {
    let data = dir.join(code).into_os_string();
    ok(&os(&[
        &"node", &"init", &"--party", &code, &"--hub", &url, &"--data", &data,
    ]));
    data
}

/// `rex hub party add`, signed with the operator key the hub in `hub_dir` made.
fn register(hub_dir: &Path, url: &str, keyfile: &Path) {
    let operator_key = hub_dir.join("operator.key");
    ok(&os(&[
        &"hub",
        &"party",
        &"add",
        &"--hub",
        &url,
        &"--operator-key",
        &operator_key,
        &keyfile,
    ]));
}

#[test]
fn an_auditor_pins_the_keys_the_binary_prints() {
    let tmp = tempfile::tempdir().expect("temporary directory");
    let d = tmp.path();
    let hub_dir = d.join("hub");
    let hub = serve(&hub_dir);
    let us = init(d, "US", &hub.url);
    let ru = init(d, "RU", &hub.url);
    for node in [&us, &ru] {
        let keyfile = Path::new(node).join("public-keys.json");
        register(&hub_dir, &hub.url, &keyfile);
    }
    for node in [&us, &ru] {
        let synced = ok(&os(&[&"node", &"sync", &"--data", node]));
        assert!(synced.contains("cosigned"), "{synced}");
    }

    // The hub's two lines, offline from its key files, named by its origin.
    let vkeys = ok(&os(&[&"hub", &"vkeys", &"--data", &hub_dir]));
    let lines: Vec<&str> = vkeys.lines().collect();
    assert_eq!(lines.len(), 2, "{vkeys}");
    assert!(
        lines[0].starts_with(&format!("checkpoint {}+", hub.origin)),
        "{vkeys}"
    );
    assert!(
        lines[1].starts_with(&format!("statements {}/statements+", hub.origin)),
        "{vkeys}"
    );
    // What the hub presents is the same checkpoint key (the audit takes none from there).
    let presented = rex_node::HubClient::new(&hub.url)
        .and_then(|c| c.hub_info())
        .expect("GET /v1/hub");
    assert_eq!(lines[0], format!("checkpoint {}", presented.note_vkey));

    // Each state's cosignature key, named by its code.
    let vkey = |node: &OsString| {
        let out = ok(&os(&[&"node", &"export-keys", &"--data", node, &"--vkey"]));
        assert_eq!(out.lines().count(), 1, "{out}");
        out.trim_end().to_owned()
    };
    let (us_vkey, ru_vkey) = (vkey(&us), vkey(&ru));
    assert!(us_vkey.starts_with("US+"), "{us_vkey}");
    assert!(ru_vkey.starts_with("RU+"), "{ru_vkey}");

    let trust = d.join("hub.trust");
    std::fs::write(
        &trust,
        format!("# our hub\n{vkeys}witness {us_vkey}\nwitness {ru_vkey}\n"),
    )
    .expect("write the trust file");
    let audit = ok(&os(&[
        &"log", &"verify", &"--hub", &hub.url, &"--trust", &trust,
    ]));
    assert!(
        audit.contains("checkpoint cosigned by US, RU (2 of 2 pinned witnesses, 2 required)"),
        "{audit}"
    );
    // The same keys as flags.
    let audit = ok(&os(&[
        &"log",
        &"verify",
        &"--hub",
        &hub.url,
        &"--checkpoint-key",
        &lines[0].trim_start_matches("checkpoint "),
        &"--statements-key",
        &lines[1].trim_start_matches("statements "),
        &"--witness",
        &us_vkey,
    ]));
    assert!(
        audit.contains("checkpoint cosigned by US (1 of 1 pinned witnesses, 1 required)"),
        "{audit}"
    );

    // A third state joins: the new checkpoint is cosigned by nobody yet.
    let de = init(d, "DE", &hub.url);
    let keyfile = Path::new(&de).join("public-keys.json");
    register(&hub_dir, &hub.url, &keyfile);
    let verify = os(&[&"log", &"verify", &"--hub", &hub.url, &"--trust", &trust]);
    fails(
        &verify,
        1,
        &["is cosigned by 0 of the 2 pinned witnesses (none), 2 required; missing: US, RU"],
    );
    ok(&os(&[&"node", &"sync", &"--data", &us]));
    fails(&verify, 1, &["(US), 2 required; missing: RU"]);
    let mut one = verify.clone();
    one.extend(["--quorum".into(), "1".into()]);
    let audit = ok(&one);
    assert!(
        audit.contains("checkpoint cosigned by US (1 of 2 pinned witnesses, 1 required)"),
        "{audit}"
    );
    // A witness added on the command line is required too.
    let mut more = verify.clone();
    more.extend(["--witness".into(), vkey(&de).into()]);
    fails(&more, 1, &["3 required; missing: RU, DE"]);
}

#[test]
fn bad_trust_files_and_flags_are_one_line() {
    let tmp = tempfile::tempdir().expect("temporary directory");
    let d = tmp.path();
    let signer = rex_tlog::NoteSigner::new(
        "rex-hub/00000000",
        rex_tlog::SigningKey::from_bytes(&[1; 32]),
    )
    .expect("a signer");
    let checkpoint = signer.verifier().to_string();
    let hub_lines = rex_node::trust::hub_lines(signer.verifier(), *signer.verifier().key())
        .expect("trust lines");
    let statements = hub_lines
        .lines()
        .nth(1)
        .and_then(|l| l.strip_prefix("statements "))
        .expect("a statements line")
        .to_owned();
    let file = |name: &str, text: &str| {
        let path = d.join(name);
        std::fs::write(&path, text).expect("write a trust file");
        path.into_os_string()
    };
    let url = "http://127.0.0.1:1";
    let verify = |rest: &[&dyn AsRef<std::ffi::OsStr>]| {
        let mut v = os(&[&"log", &"verify", &"--hub", &url]);
        v.extend(os(rest));
        v
    };

    let typo = file("typo.trust", &format!("{hub_lines}witnes US+00000000+AA\n"));
    fails(
        &verify(&[&"--trust", &typo]),
        2,
        &["typo.trust: line 3: unknown keyword \"witnes\""],
    );
    let quorum = file("quorum.trust", &format!("{hub_lines}quorum 1\n"));
    fails(
        &verify(&[&"--trust", &quorum]),
        2,
        &["quorum.trust: line 3: quorum 1 needs at least 1 witnesses, 0 listed"],
    );
    fails(
        &verify(&[&"--trust", &d.join("missing.trust")]),
        2,
        &["missing.trust: "],
    );
    let good = file("good.trust", &hub_lines);
    fails(
        &verify(&[&"--trust", &good, &"--witness", &"nope"]),
        2,
        &["--witness \"nope\" is not a vkey"],
    );
    fails(
        &verify(&[&"--trust", &good, &"--quorum", &"2"]),
        2,
        &["quorum 2 needs at least 2 witnesses, 0 listed"],
    );
    fails(
        &verify(&[
            &"--checkpoint-key",
            &"nope",
            &"--statements-key",
            &statements,
        ]),
        2,
        &["--checkpoint-key \"nope\" is not a vkey"],
    );
    fails(
        &verify(&[
            &"--checkpoint-key",
            &checkpoint,
            &"--statements-key",
            &checkpoint,
        ]),
        2,
        &["the statements key is named \"rex-hub/00000000\""],
    );
    // What clap refuses: no keys, half the keys, both forms.
    fails(&verify(&[]), 2, &["--trust"]);
    fails(
        &verify(&[&"--checkpoint-key", &checkpoint]),
        2,
        &["--statements-key"],
    );
    fails(
        &verify(&[&"--trust", &good, &"--checkpoint-key", &checkpoint]),
        2,
        &["--checkpoint-key", "cannot be used with"],
    );
    // A directory without hub keys.
    fails(
        &os(&[&"hub", &"vkeys", &"--data", &d.join("nowhere")]),
        2,
        &["nowhere/keys holds no hub keys", "rex hub serve --data DIR"],
    );
}

#[test]
fn an_evidence_bundle_is_exported_by_a_node_and_verified_without_the_hub() {
    let tmp = tempfile::tempdir().expect("temporary directory");
    let d = tmp.path();
    let hub_dir = d.join("hub");
    let hub = serve(&hub_dir);
    let us = init(d, "US", &hub.url);
    let ru = init(d, "RU", &hub.url);
    for node in [&us, &ru] {
        register(
            &hub_dir,
            &hub.url,
            &Path::new(node).join("public-keys.json"),
        );
    }
    for node in [&us, &ru, &us] {
        ok(&os(&[&"node", &"sync", &"--data", node]));
    }
    let vkeys = ok(&os(&[&"hub", &"vkeys", &"--data", &hub_dir]));
    let mut text = vkeys.clone();
    for node in [&us, &ru] {
        let vkey = ok(&os(&[&"node", &"export-keys", &"--data", node, &"--vkey"]));
        text.push_str(&format!("witness {vkey}"));
    }
    let trust = d.join("hub.trust");
    std::fs::write(&trust, text).expect("write the trust file");

    // The registration of RU, entry 1, exported by the US node.
    let bundle = d.join("entry-1.json");
    let export = os(&[
        &"log",
        &"evidence",
        &"export",
        &"--data",
        &us,
        &"--index",
        &"1",
        &"--out",
        &bundle,
    ]);
    let said = ok(&export);
    assert!(
        said.starts_with("evidence of entry 1 (hub seq 2 party_registered) written to")
            && said.contains("checked against checkpoint 2 (final)"),
        "{said}"
    );
    fails(&export, 2, &["exists; choose another file"]);
    let beyond = os(&[
        &"log",
        &"evidence",
        &"export",
        &"--data",
        &us,
        &"--index",
        &"9",
        &"--out",
        &d.join("x"),
    ]);
    fails(
        &beyond,
        2,
        &["entry 9 is not in a checkpoint this node holds yet"],
    );

    // Checked with the hub gone.
    hub.kill();
    let verify = |file: &Path| os(&[&"log", &"evidence", &"verify", &file, &"--trust", &trust]);
    let line = ok(&verify(&bundle));
    assert!(
        line.starts_with("evidence verified: entry 1 of the log")
            && line.contains("is hub seq 2 party_registered")
            && line
                .trim_end()
                .ends_with("checkpoint cosigned by US, RU (2 of 2 pinned witnesses, 2 required)"),
        "{line}"
    );
    let text = std::fs::read_to_string(&bundle).expect("the bundle");
    let altered = d.join("altered.json");
    std::fs::write(
        &altered,
        text.replacen("{\\\"time\\\":", "{\\\"time\\\":1", 1),
    )
    .expect("write");
    fails(
        &verify(&altered),
        1,
        &["entry 1: the inclusion proof does not lead from the entry to the root of checkpoint 2"],
    );
    let junk = d.join("junk.json");
    std::fs::write(&junk, "[1, 2]").expect("write");
    fails(&verify(&junk), 2, &["not an evidence bundle"]);
}
