//! `rex message send|list|show|ack` between two states through `rex hub serve`, with each
//! receipt shown to the sender, and one-line errors.

use crate::common;

use common::{fails_on as fails, ok_on as ok, rex, serve, states};

/// The message id in `US sent message msg_… (seq …)`.
fn message_id(sent: &str) -> String {
    sent.split_whitespace()
        .find(|w| w.starts_with("msg_"))
        .unwrap_or_else(|| panic!("no message id in {sent:?}"))
        .to_owned()
}

#[test]
fn two_states_talk_and_every_receipt_reaches_the_sender() {
    let tmp = tempfile::tempdir().expect("temporary directory");
    let d = tmp.path();
    let hub = serve(&d.join("hub"));
    let [us, ru, de] = states(d, &hub, ["US", "RU", "DE"]);
    let body = d.join("body.txt");
    std::fs::write(
        &body,
        "Please confirm the transfer date.\nRegards, US liaison\n",
    )
    .unwrap();
    let body = body.to_str().unwrap();

    let sent = ok(
        &[
            "message",
            "send",
            "--to",
            "RU",
            "--conversation",
            "liaison-2026",
            "--subject",
            "Transfer date",
            "--body-file",
            body,
            "--ack-within",
            "3",
        ],
        &us,
    );
    assert!(sent.starts_with("US sent message msg_"), "{sent}");
    let id = message_id(&sent);
    let listed = ok(&["message", "list"], &us);
    assert!(
        listed.contains(&format!("{id} sent US -> RU on conversation liaison-2026"))
            && listed.contains(": RU submitted"),
        "{listed}"
    );

    // RU's list fetches the message and logs its delivery.
    let listed = ok(&["message", "list"], &ru);
    assert!(
        listed.contains("RU logged the delivery of 1 new message")
            && listed.contains(&format!("{id} received US -> RU"))
            && listed.contains(": RU delivered"),
        "{listed}"
    );
    let shown = ok(&["message", "show", &id, "--officer", "ru-liaison-1"], &ru);
    assert!(shown.starts_with("RU logged message_read\n"), "{shown}");
    assert!(
        shown.contains("subject: Transfer date")
            && shown.contains("Please confirm the transfer date.\nRegards, US liaison"),
        "{shown}"
    );
    assert!(ok(&["message", "list"], &us).contains(": RU read"));
    // The sender reads its own archive copy; nothing is logged.
    let archive = ok(&["message", "show", &id], &us);
    assert!(!archive.contains("logged"), "{archive}");
    assert!(archive.contains("subject: Transfer date"), "{archive}");

    let acked = ok(&["message", "ack", &id], &ru);
    assert!(
        acked.starts_with(&format!("RU acknowledged message {id} (acknowledged)")),
        "{acked}"
    );
    assert!(ok(&["message", "list"], &us).contains(": RU acknowledged"));

    // A second message, rejected with a reason.
    let sent = ok(
        &[
            "message",
            "send",
            "--to",
            "RU",
            "--conversation",
            "liaison-2026",
            "--subject",
            "Annex",
            "--body-file",
            body,
        ],
        &us,
    );
    let second = message_id(&sent);
    let early = fails(&["message", "ack", &second], &ru, 2);
    assert!(early.contains("open it first"), "{early}");
    ok(&["message", "show", &second], &ru);
    let bad = fails(&["message", "ack", &second, "--reject", "bored"], &ru, 2);
    assert!(
        bad.contains("\"bored\" is not one of unreadable, wrong_recipient"),
        "{bad}"
    );
    let rejected = ok(&["message", "ack", &second, "--reject", "incomplete"], &ru);
    assert!(
        rejected.contains("rejected message") && rejected.contains("(rejected (incomplete))"),
        "{rejected}"
    );
    let listed = ok(&["message", "list"], &us);
    assert!(
        listed.contains(&format!("{second} sent US -> RU"))
            && listed.contains(": RU rejected (incomplete)"),
        "{listed}"
    );

    // An outside audit replays the log and finds the same chains.
    for node in [&us, &ru, &de] {
        ok(&["node", "sync"], node);
    }
    let vkeys = rex()
        .args(["hub", "vkeys", "--data"])
        .arg(d.join("hub"))
        .output()
        .expect("run rex");
    let trust = d.join("hub.trust");
    std::fs::write(&trust, &vkeys.stdout).unwrap();
    let audit = rex()
        .args(["log", "verify", "--hub", &hub.url, "--trust"])
        .arg(&trust)
        .output()
        .expect("run rex");
    let audit = String::from_utf8_lossy(&audit.stdout);
    assert!(
        audit.contains("2 messages (recipients: 1 acknowledged, 1 rejected)"),
        "{audit}"
    );

    // A third state sees none of it.
    assert!(ok(&["message", "list"], &de).contains("no messages"));
    let denied = fails(&["message", "show", &id], &de, 1);
    assert!(
        denied.contains("DE is neither sender nor recipient"),
        "{denied}"
    );

    // Bad input: one line, exit 2.
    let line = fails(
        &[
            "message",
            "send",
            "--to",
            "RU",
            "--subject",
            "x",
            "--body-file",
            body,
        ],
        &us,
        2,
    );
    assert!(
        line.contains("exactly one of --request, --exchange, --conversation"),
        "{line}"
    );
    let line = fails(
        &[
            "message",
            "send",
            "--to",
            "US",
            "--conversation",
            "self",
            "--subject",
            "x",
            "--body-file",
            body,
        ],
        &us,
        2,
    );
    assert!(
        line.contains("US cannot send a message to itself"),
        "{line}"
    );
    let line = fails(
        &[
            "message",
            "send",
            "--to",
            "RU",
            "--conversation",
            "a b",
            "--subject",
            "x",
            "--body-file",
            body,
        ],
        &us,
        2,
    );
    assert!(line.contains("invalid conversation name"), "{line}");
    let line = fails(&["message", "show", "msg_00"], &us, 2);
    assert!(line.contains("message id"), "{line}");
}
