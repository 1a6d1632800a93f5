//! `rex node officer-key create|certify|revoke|list`, `rex node require-four-eyes` and the
//! `--drafter`/`--approver` options of a binding act, through `rex hub serve`, with one-line
//! errors.

use crate::common;

use common::{bilateral, fails_on as fails, file_on, ok_on as ok, rex, serve, states, word};

#[test]
fn officers_sign_a_binding_act_and_the_hub_holds_a_state_to_four_eyes() {
    let tmp = tempfile::tempdir().expect("temporary directory");
    let d = tmp.path();
    let hub = serve(&d.join("hub"));
    let [us, ru] = states(d, &hub, ["US", "RU"]);
    let agreement = bilateral(&us, &ru);
    let dossier = d.join("dossier.txt");
    std::fs::write(&dossier, "identity, facts, warrant").unwrap();
    let filed = file_on(&us, "RU", &agreement, &dossier, &[]);
    let request = word(&filed, "req_");

    // RU makes and certifies two officer keys, then requires four-eyes.
    for (handle, role) in [("ru-case", "case-officer"), ("ru-approver", "approver")] {
        let made = ok(&["node", "officer-key", "create", handle], &ru);
        assert!(
            made.starts_with(&format!("officer key {handle} of RU created")),
            "{made}"
        );
        let certified = ok(
            &["node", "officer-key", "certify", handle, "--role", role],
            &ru,
        );
        assert!(
            certified.starts_with(&format!("RU certified officer {handle} as ")),
            "{certified}"
        );
    }
    let required = ok(&["node", "require-four-eyes"], &ru);
    assert!(required.contains("requires four-eyes"), "{required}");
    let listed = ok(&["node", "officer-key", "list"], &ru);
    assert!(
        listed.contains("ru-approver approver key ")
            && listed.contains("ru-case case_officer key ")
            && listed.contains("RU requires four-eyes"),
        "{listed}"
    );

    // The other side reads the same from its own replay of the log.
    let seen = ok(&["node", "officer-key", "list", "--party", "RU"], &us);
    assert_eq!(seen, listed);
    let line = fails(&["node", "officer-key", "list", "--party", "FR"], &us, 2);
    assert!(line.contains("FR is not a registered state"), "{line}");

    // The node alone is refused, and so is the case officer as approver: one line each.
    let answer = ["request", "answer", &request, "surrender"];
    let line = fails(&answer, &ru, 1);
    assert!(
        line.contains("hub refused (four_eyes)") && line.contains("no officer signed"),
        "{line}"
    );
    let swapped: Vec<&str> = answer
        .iter()
        .copied()
        .chain(["--drafter", "ru-approver", "--approver", "ru-case"])
        .collect();
    let line = fails(&swapped, &ru, 1);
    assert!(line.contains("holds no approver role"), "{line}");
    let alone: Vec<&str> = answer
        .iter()
        .copied()
        .chain(["--drafter", "ru-case"])
        .collect();
    let line = fails(&alone, &ru, 2);
    assert!(line.contains("--approver"), "{line}");
    let unknown: Vec<&str> = answer
        .iter()
        .copied()
        .chain(["--drafter", "ru-case", "--approver", "ru-nobody"])
        .collect();
    let line = fails(&unknown, &ru, 2);
    assert!(line.contains("no key for officer ru-nobody"), "{line}");

    // Drafter and approver: accepted.
    let both: Vec<&str> = answer
        .iter()
        .copied()
        .chain(["--drafter", "ru-case", "--approver", "ru-approver"])
        .collect();
    let answered = ok(&both, &ru);
    assert!(
        answered.starts_with(&format!("RU answered {request}")),
        "{answered}"
    );

    // A revoked approver signs no more.
    let revoked = ok(&["node", "officer-key", "revoke", "ru-approver"], &ru);
    assert!(
        revoked.starts_with("RU revoked officer ru-approver"),
        "{revoked}"
    );
    let listed = ok(&["node", "officer-key", "list"], &ru);
    assert!(listed.contains("ru-approver approver key "), "{listed}");
    assert!(listed.contains("revoked at"), "{listed}");
    let line = fails(&["node", "officer-key", "revoke", "ru-approver"], &ru, 1);
    assert!(line.contains("revoked already"), "{line}");
    let line = fails(
        &["node", "officer-key", "certify", "ru-x", "--role", "admin"],
        &ru,
        2,
    );
    assert!(line.contains("no key for officer ru-x"), "{line}");
    let line = fails(
        &[
            "node",
            "officer-key",
            "certify",
            "ru-case",
            "--role",
            "judge",
        ],
        &ru,
        2,
    );
    assert!(line.contains("\"judge\" is not case_officer"), "{line}");

    // An exchange: RU asks the US too, the US answers (it does not require four-eyes), the
    // operator runs a round, and RU's exchange acts need two officers again.
    ok(&["node", "officer-key", "create", "ru-approver-2"], &ru);
    ok(
        &[
            "node",
            "officer-key",
            "certify",
            "ru-approver-2",
            "--role",
            "approver",
        ],
        &ru,
    );
    let filed = file_on(&ru, "US", &agreement, &dossier, &[]);
    let ru_asks = word(&filed, "req_");
    ok(&["request", "answer", &ru_asks, "surrender"], &us);
    let out = rex()
        .args(["hub", "match", "--hub", &hub.url, "--operator-key"])
        .arg(d.join("hub").join("operator.key"))
        .output()
        .expect("run rex");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let exchange = word(&ok(&["exchange", "show"], &ru), "exc_");
    let officers = ["--drafter", "ru-case", "--approver", "ru-approver-2"];
    let line = fails(&["exchange", "sign", &exchange], &ru, 1);
    assert!(line.contains("hub refused (four_eyes)"), "{line}");
    let sign: Vec<&str> = ["exchange", "sign", &exchange]
        .into_iter()
        .chain(officers)
        .collect();
    let signed = ok(&sign, &ru);
    assert!(
        signed.starts_with(&format!("RU signed exchange {exchange}")),
        "{signed}"
    );
    ok(&["exchange", "sign", &exchange], &us);
    let line = fails(
        &["exchange", "ready", &exchange, "--request", &request],
        &ru,
        1,
    );
    assert!(line.contains("hub refused (four_eyes)"), "{line}");
    let ready: Vec<&str> = ["exchange", "ready", &exchange, "--request", &request]
        .into_iter()
        .chain(officers)
        .collect();
    let done = ok(&ready, &ru);
    assert!(
        done.starts_with(&format!("RU declared the subject of {request} ready")),
        "{done}"
    );

    // The release instrument: a binding act too; the document stays on RU's node.
    let order = d.join("order.pdf");
    std::fs::write(&order, "deportation order no. 17").unwrap();
    let release = |kind: &'static str| -> Vec<String> {
        [
            "exchange",
            "release",
            &exchange,
            "--request",
            &request,
            "--kind",
            kind,
            "--authority",
            "Moscow City Court",
            "--document",
            order.to_str().unwrap(),
        ]
        .into_iter()
        .map(str::to_owned)
        .collect()
    };
    let args = release("amnesty");
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let line = fails(&args, &ru, 2);
    assert!(
        line.contains("no instrument kind \"amnesty\"; expected one of pardon"),
        "{line}"
    );
    let args = release("deportation_order");
    let mut args: Vec<&str> = args.iter().map(String::as_str).collect();
    let line = fails(&args, &ru, 1);
    assert!(line.contains("hub refused (four_eyes)"), "{line}");
    args.extend(officers);
    let done = ok(&args, &ru);
    assert!(
        done.starts_with(&format!(
            "RU recorded the deportation_order releasing the subject of {request}"
        )),
        "{done}"
    );
    let shown = ok(&["exchange", "show", &exchange], &us);
    assert!(
        shown.contains("(release: deportation_order by Moscow City Court)"),
        "{shown}"
    );
    let sha = rex_domain::Digest::of(b"deportation order no. 17");
    assert!(ru.join("grounds").join(sha.to_string()).exists());

    // Speciality: nothing before delivery, and a consent is for offences or a transfer.
    let line = fails(
        &[
            "exchange",
            "prosecute",
            &exchange,
            "--request",
            &request,
            "--offences",
            "computer_related_fraud",
        ],
        &us,
        1,
    );
    assert!(line.contains("once surrendered"), "{line}");
    let line = fails(
        &[
            "exchange",
            "consent",
            &exchange,
            "--request",
            &request,
            "--offences",
            "computer_related_fraud",
            "--onward-to",
            "DE",
        ],
        &ru,
        2,
    );
    assert!(line.contains("cannot be used with"), "{line}");
}
