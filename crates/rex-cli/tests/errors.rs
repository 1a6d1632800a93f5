//! Errors of the `rex` binary: bad input gets exactly one line on stderr (`rex: ...`, no
//! panic, no backtrace, no debug dump) and exit code 2; any other failure one line and exit
//! code 1 (`Failure` in `src/main.rs`). Nothing is printed on stdout.
//!
//! Each case is data: the arguments, the exit code, and words the line must hold (the file,
//! the parameter, the hub's refusal code), so that "one line" cannot be an empty one.

use crate::common;

use common::{one_line, rex, serve};
use std::ffi::OsString;
use std::path::Path;

/// Bad input.
const INPUT: i32 = 2;
/// Anything else.
const OTHER: i32 = 1;

/// Runs `rex ARGS`, asserts the exit code, one line on stderr holding every one of `says`,
/// and nothing on stdout. Returns the line.
fn check<S: AsRef<std::ffi::OsStr>>(args: &[S], code: i32, says: &[&str]) -> String {
    let args: Vec<OsString> = args.iter().map(|a| a.as_ref().to_owned()).collect();
    let context = format!(
        "rex {}",
        args.iter()
            .map(|a| a.to_string_lossy())
            .collect::<Vec<_>>()
            .join(" ")
    );
    let output = rex().args(&args).output().expect("run rex");
    let line = one_line(&output.stderr, &context);
    assert_eq!(output.status.code(), Some(code), "{context}: {line}");
    assert!(
        output.stdout.is_empty(),
        "{context}: stdout {:?}",
        String::from_utf8_lossy(&output.stdout)
    );
    for s in says {
        assert!(line.contains(s), "{context}: {line:?} does not say {s:?}");
    }
    line
}

/// `DIR/NAME` as an argument.
fn at(dir: &Path, name: &str) -> OsString {
    dir.join(name).into_os_string()
}

/// `args` followed by `--data DATA`.
fn with_data(args: &[&str], data: &OsString) -> Vec<OsString> {
    let mut out: Vec<OsString> = args.iter().map(OsString::from).collect();
    out.extend(["--data".into(), data.clone()]);
    out
}

/// A well-formed agreement proposal between US and RU (add `--data`).
const PROPOSE: &[&str] = &[
    "agreement",
    "propose",
    "--members",
    "US,RU",
    "--offences",
    "illegal_access",
];

fn write(dir: &Path, name: &str, text: &str) -> OsString {
    std::fs::write(dir.join(name), text).expect("write test file");
    at(dir, name)
}

#[test]
fn match_bad_input() {
    let tmp = tempfile::tempdir().expect("temporary directory");
    let d = tmp.path();
    let good = write(d, "good.input", "2 2\n0 1 1\n1 0 1\n-1 -1 -1\n");
    let bad_arc = write(d, "bad.input", "2 1\n0 5 1\n-1 -1 -1\n");
    let bad_json = write(d, "bad.json", "{not json");
    let bad_wmd = write(d, "bad.wmd", "# garbage\nnot a wmd file at all\n");
    let missing = at(d, "missing.input");
    let m = |rest: &[&str], file: &OsString| -> Vec<OsString> {
        let mut v: Vec<OsString> = vec!["match".into(), file.clone()];
        v.extend(rest.iter().map(OsString::from));
        v
    };

    // The instance itself works: these failures are the arguments'.
    rex()
        .arg("match")
        .arg(&good)
        .assert()
        .success()
        .stdout(predicates::str::contains("status     optimal"));

    check(&m(&[], &missing), INPUT, &["missing.input", "cannot read"]);
    check(&m(&[], &bad_arc), INPUT, &["bad.input:2:", "out of range"]);
    check(&m(&[], &bad_json), INPUT, &["bad.json:1:"]);
    check(&m(&[], &bad_wmd), INPUT, &["bad.wmd"]);
    check(&m(&[], &at(d, "x.unknown")), INPUT, &["unknown file type"]);
    check(
        &m(&["--max-cycle", "1"], &good),
        INPUT,
        &["longest cycle", "not 1"],
    );
    check(
        &m(&["--max-cycle", "99"], &good),
        INPUT,
        &["longest cycle", "not 99"],
    );
    check(
        &m(&["--max-chain", "99"], &good),
        INPUT,
        &["longest chain", "not 99"],
    );
    check(&m(&["--time-limit", "0"], &good), INPUT, &["--time-limit"]);
    check(
        &m(&["--time-limit", "NaN"], &good),
        INPUT,
        &["--time-limit"],
    );
    // What clap refuses is bad input too, and one line like the rest.
    check(
        &m(&["--max-cycle", "abc"], &good),
        INPUT,
        &[
            "invalid value 'abc'",
            "--max-cycle",
            "see `rex match --help`",
        ],
    );
    check(&m(&["--max-cycle", "-1"], &good), INPUT, &["'-1'"]);
    check(
        &m(&["--objective", "best"], &good),
        INPUT,
        &["'best'", "possible values: count, weight"],
    );
    check(&m(&["--bogus"], &good), INPUT, &["'--bogus'"]);
    check(&["match"], INPUT, &["required", "<FILE>"]);
    // A file name that is not UTF-8 is a valid argument, next to a bad one.
    let latin1 = std::os::unix::ffi::OsStringExt::from_vec(b"caf\xe9.input".to_vec());
    check(&m(&["--bogus"], &latin1), INPUT, &["'--bogus'"]);
    check(&m(&[], &latin1), INPUT, &["caf"]);
    check(&["no-such-command"], INPUT, &["'no-such-command'"]);
}

#[test]
fn node_commands_bad_input() {
    let tmp = tempfile::tempdir().expect("temporary directory");
    let d = tmp.path();
    let node = at(d, "node");
    let nowhere = at(d, "does-not-exist");
    let init = |party: &str, hub: &str| -> Vec<OsString> {
        let mut v: Vec<OsString> = ["node", "init", "--party", party, "--hub", hub, "--data"]
            .iter()
            .map(OsString::from)
            .collect();
        v.push(node.clone());
        v
    };
    // The party code is checked before anything else is done.
    for bad in ["usa", "us", "U1", ""] {
        check(
            &init(bad, "http://127.0.0.1:1"),
            INPUT,
            &["invalid party id"],
        );
    }
    check(
        &init("US", "ftp://hub.example"),
        INPUT,
        &["must start with http://"],
    );
    // Nothing listens on port 1: not the user's input, exit 1.
    check(
        &init("US", "http://127.0.0.1:1"),
        OTHER,
        &["hub at http://127.0.0.1:1/v1/hub"],
    );
    assert!(
        !d.join("node").exists(),
        "a failed init left a node directory"
    );
    check(
        &["node", "init", "--party", "US"],
        INPUT,
        &["required", "--hub", "--data"],
    );

    // An absurd deadline is refused before any node is opened.
    let mut absurd = PROPOSE.to_vec();
    absurd.extend(["--signing-days", "99999999999999"]);
    check(
        &with_data(&absurd, &nowhere),
        INPUT,
        &["--signing-days 99999999999999", "1 to 366 days"],
    );

    // Every command that opens a node, pointed at a directory that does not exist.
    let no_node = "holds no node (run `rex node init` first)";
    let commands: &[&[&str]] = &[
        &["node", "export-keys"],
        &["node", "sync"],
        &["agreement", "list"],
        PROPOSE,
        &["agreement", "sign", "agr_00000000000000000000000000000000"],
        &["request", "show"],
        &[
            "request",
            "withdraw",
            "req_00000000000000000000000000000000",
        ],
        &["exchange", "show", "exc_00000000000000000000000000000000"],
        &["node", "checkpoint", "export"],
        &["node", "checkpoint", "import", "ru.gossip"],
        &["node", "witness-policy", "--agreement-partners"],
        &[
            "node",
            "witness-policy",
            "--witness",
            "RU",
            "--threshold",
            "1",
        ],
    ];
    for c in commands {
        check(&with_data(c, &nowhere), INPUT, &["does-not-exist", no_node]);
    }
    // A witness policy says which one it is; a duration is a duration.
    check(
        &with_data(&["node", "witness-policy"], &nowhere),
        INPUT,
        &["--agreement-partners", "--threshold"],
    );
    check(
        &with_data(&["node", "witness-policy", "--threshold", "1"], &nowhere),
        INPUT,
        &["--witness"],
    );

    // Arguments are checked before the node is opened.
    let propose = |members: &str, offences: &str| -> Vec<OsString> {
        let args = [
            "agreement",
            "propose",
            "--members",
            members,
            "--offences",
            offences,
        ];
        with_data(&args, &nowhere)
    };
    check(&propose("US,RUS", "illegal_access"), INPUT, &["\"RUS\""]);
    check(&propose("US,RU", "hacking"), INPUT, &["\"hacking\""]);
    let mut sign: Vec<OsString> = vec!["agreement".into(), "sign".into(), "--data".into()];
    sign.extend([nowhere.clone(), "agr_xyz".into()]);
    check(&sign, INPUT, &["invalid agreement id", "agr_xyz"]);
}

#[test]
fn hub_and_log_commands_bad_input() {
    let tmp = tempfile::tempdir().expect("temporary directory");
    let d = tmp.path();
    let hub = at(d, "hub");
    std::fs::create_dir(d.join("hub")).expect("hub directory");
    let add = |dir: &OsString, keyfile: OsString| -> Vec<OsString> {
        vec![
            "hub".into(),
            "party".into(),
            "add".into(),
            "--data".into(),
            dir.clone(),
            keyfile,
        ]
    };
    check(&add(&hub, at(d, "missing.json")), INPUT, &["missing.json"]);
    let not_json = write(d, "not-json.json", "this is not a key file\n");
    check(
        &add(&hub, not_json),
        INPUT,
        &["not-json.json", "invalid public key file"],
    );
    let wrong_shape = write(d, "shape.json", "{\"party\": \"US\"}\n");
    check(
        &add(&hub, wrong_shape),
        INPUT,
        &["shape.json", "invalid public key file"],
    );
    let bad_party = write(
        d,
        "party.json",
        &valid_key_file().replace("\"party\": \"US\"", "\"party\": \"usa\""),
    );
    check(&add(&hub, bad_party), INPUT, &["party.json"]);
    // A mistyped hub directory is refused, not made into a new hub.
    let good = write(d, "good.json", &valid_key_file());
    check(
        &add(&at(d, "typo"), good.clone()),
        INPUT,
        &["typo", "does not exist"],
    );
    assert!(
        !d.join("typo").exists(),
        "party add created a hub in a mistyped directory"
    );
    rex()
        .args([
            OsString::from("hub"),
            "party".into(),
            "add".into(),
            "--data".into(),
        ])
        .arg(&hub)
        .arg(&good)
        .assert()
        .success()
        .stdout(predicates::str::contains("registered US"));
    check(&add(&hub, good), OTHER, &["refused"]);

    check(&["hub", "serve", "--data"], INPUT, &["--data"]);
    let mut serve: Vec<OsString> = vec!["hub".into(), "serve".into(), "--data".into()];
    serve.extend([hub.clone(), "--listen".into(), "not-an-address".into()]);
    check(&serve, INPUT, &["'not-an-address'", "--listen"]);
    let mut key: Vec<OsString> = vec!["hub".into(), "serve".into(), "--data".into()];
    key.extend([
        hub.clone(),
        "--operator-key-pub".into(),
        "no-such-key".into(),
    ]);
    check(
        &key,
        INPUT,
        &[
            "--operator-key-pub no-such-key",
            "neither a base64 public key",
        ],
    );
    for bad in ["0s", "10", "5 minutes", "99999d"] {
        let mut every: Vec<OsString> = vec!["hub".into(), "serve".into(), "--data".into()];
        every.extend([hub.clone(), "--match-every".into(), bad.into()]);
        check(&every, INPUT, &["--match-every", bad]);
    }

    // Nothing listens on port 1 (the keys to trust are well-formed).
    let signer = rex_tlog::NoteSigner::new(
        "rex-hub/00000000",
        rex_tlog::SigningKey::from_bytes(&[1; 32]),
    )
    .expect("a signer");
    let trust = write(
        d,
        "hub.trust",
        &rex_node::trust::hub_lines(signer.verifier(), *signer.verifier().key())
            .expect("trust lines"),
    );
    let verify = |url: &str| -> Vec<OsString> {
        let mut v: Vec<OsString> = ["log", "verify", "--hub", url, "--trust"]
            .iter()
            .map(OsString::from)
            .collect();
        v.push(trust.clone());
        v
    };
    check(
        &verify("http://127.0.0.1:1"),
        OTHER,
        &["hub at http://127.0.0.1:1/checkpoint"],
    );
    check(&verify("127.0.0.1:1"), INPUT, &["http://"]);
}

/// A key file that parses, for `US`.
fn valid_key_file() -> String {
    rex_testkit::key_file("US").to_json()
}

/// Against a live hub: what it refuses comes back as one line naming the hub's code.
#[test]
fn refusals_by_a_live_hub() {
    let tmp = tempfile::tempdir().expect("temporary directory");
    let d = tmp.path();
    let hub_dir = d.join("hub");
    let hub = serve(&hub_dir);
    let node = at(d, "us");
    rex()
        .args(["node", "init", "--party", "US", "--hub", &hub.url, "--data"])
        .arg(&node)
        .assert()
        .success()
        .stdout(predicates::str::contains("node US initialised"));

    // Initialised but never registered: the hub does not know US.
    check(
        &with_data(PROPOSE, &node),
        OTHER,
        &["hub refused (not_found)", "US"],
    );

    // A second node in the same directory.
    let init = ["node", "init", "--party", "US", "--hub", &hub.url];
    check(&with_data(&init, &node), INPUT, &["already holds a node"]);

    // The serving hub is the log's only writer: no offline import, no second hub.
    let keys = at(d, "us/public-keys.json");
    let mut add: Vec<OsString> = vec!["hub".into(), "party".into(), "add".into(), "--data".into()];
    add.extend([hub_dir.clone().into_os_string(), keys]);
    check(
        &add,
        OTHER,
        &[
            "a rex hub is serving",
            "rex hub party add --hub URL --operator-key FILE KEYFILE",
        ],
    );
    let mut serve: Vec<OsString> = vec!["hub".into(), "serve".into(), "--data".into()];
    serve.extend([
        hub_dir.clone().into_os_string(),
        "--listen".into(),
        "127.0.0.1:0".into(),
    ]);
    let line = check(&serve, OTHER, &["is in use by another rex hub process"]);
    assert!(!line.contains("adding a party"), "{line}");
    // The port is taken.
    let port = hub.url.trim_start_matches("http://").to_owned();
    let mut taken: Vec<OsString> = vec!["hub".into(), "serve".into(), "--data".into()];
    taken.extend([at(d, "other-hub"), "--listen".into(), port.clone().into()]);
    check(&taken, OTHER, &["cannot listen on", &port]);

    // The hub still serves, and says the same about US to anyone.
    let client = rex_node::HubClient::new(&hub.url).expect("hub URL");
    match client.next_seq(rex_domain::PartyId::new("US").expect("party")) {
        Err(rex_node::Error::Refused { code, .. }) => assert_eq!(code, "not_found"),
        other => panic!("next-seq of an unregistered party: {other:?}"),
    }

    // Without the operator's key: clap refuses; with a key that is not the operator's, the hub
    // does, and says why.
    let unsigned: Vec<OsString> = ["hub", "party", "add", "--hub", &hub.url, "k.json"]
        .iter()
        .map(OsString::from)
        .collect();
    check(&unsigned, INPUT, &["--operator-key"]);
    let stranger = d.join("stranger.key");
    {
        use std::io::Write as _;
        use std::os::unix::fs::OpenOptionsExt as _;
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&stranger)
            .expect("a key file");
        writeln!(f, "{}", "A".repeat(43) + "=").expect("write the key");
    }
    let mut wrong: Vec<OsString> = ["hub", "party", "add", "--hub", &hub.url, "--operator-key"]
        .iter()
        .map(OsString::from)
        .collect();
    wrong.extend([stranger.into_os_string(), at(d, "us/public-keys.json")]);
    check(
        &wrong,
        OTHER,
        &["hub refused (unauthenticated)", "not operator's"],
    );

    // Registered on the running hub, signed with the operator's key: once, not twice.
    let mut live: Vec<OsString> = ["hub", "party", "add", "--hub", &hub.url, "--operator-key"]
        .iter()
        .map(OsString::from)
        .collect();
    live.push(hub_dir.join("operator.key").into_os_string());
    live.push(at(d, "us/public-keys.json"));
    let output = rex().args(&live).output().expect("run rex");
    assert!(output.status.success(), "{output:?}");
    assert!(
        String::from_utf8_lossy(&output.stdout).contains("registered US"),
        "{output:?}"
    );
    assert_eq!(
        client
            .next_seq(rex_domain::PartyId::new("US").expect("party"))
            .expect("US is registered"),
        1
    );
    check(&live, OTHER, &["hub refused", "US"]);

    // A matching round, signed by the operator: nothing to match, nothing logged.
    let before = client.checkpoint().expect("the checkpoint");
    let round = rex()
        .args(["hub", "match", "--hub", &hub.url, "--operator-key"])
        .arg(hub_dir.join("operator.key"))
        .output()
        .expect("run rex");
    assert!(round.status.success(), "{round:?}");
    assert!(
        String::from_utf8_lossy(&round.stdout).contains("nothing to match"),
        "{round:?}"
    );
    assert_eq!(client.checkpoint().expect("the checkpoint"), before);
}
