//! Direct dialogue between nodes through a real hub on loopback: sending, delivery, reading,
//! acknowledgement and rejection, the hub's negative evidence on its clock and a late
//! acknowledgement after it, who can fetch and decrypt a message, and that an audit of the
//! log (`rex log verify`) recomputes every message's state.

use rex_domain::{
    ActedBy, Action, AgreementId, Conversation, ConversationName, Digest, DossierRef, MessageId,
    MessageRejectionReason, MessageState, OfficerId, PartyId, RequestId,
};
use rex_node::{Delivery, Error, Node, Outgoing};
use rex_testkit::{metadata, node_clock, party, terms, LoopbackHub};
use std::collections::BTreeMap;

/// A hub with US, RU and DE registered, a US–RU agreement in force and a US request to RU.
struct World {
    tmp: tempfile::TempDir,
    hub: LoopbackHub,
    us: Node,
    ru: Node,
    de: Node,
    request: RequestId,
}

impl World {
    fn new() -> World {
        let tmp = tempfile::tempdir().unwrap();
        let mut hub = LoopbackHub::new(&[]);
        let node = |code: &str| {
            rex_node::init_with_clock(party(code), &hub.url(), &tmp.path().join(code), node_clock)
                .unwrap()
        };
        let (mut us, mut ru, de) = (node("US"), node("RU"), node("DE"));
        hub.register([&us, &ru, &de].map(|n| n.public_keys().unwrap()));
        let s = us
            .submit(Action::AgreementProposed {
                terms: terms(&["RU", "US"]),
            })
            .unwrap();
        let agreement = AgreementId::from_digest(&s.digest);
        ru.submit(Action::AgreementSigned { agreement }).unwrap();
        let (request, _) = us
            .file_request(
                (*metadata("US", "RU", agreement)).clone(),
                b"US dossier: a ransomware operator",
            )
            .unwrap();
        World {
            tmp,
            hub,
            us,
            ru,
            de,
            request,
        }
    }

    fn outgoing(&self, to: &[&str], subject: &str, ack_within: u64) -> Outgoing {
        Outgoing {
            conversation: Conversation::Request {
                request: self.request,
            },
            to: to.iter().map(|p| party(p)).collect(),
            subject: subject.into(),
            body: format!("{subject}: the text of the letter.\nSecond line."),
            ack_within,
        }
    }
}

fn states(node: &Node, id: &MessageId) -> Vec<(PartyId, MessageState)> {
    node.message(id).unwrap().states()
}

#[test]
fn a_message_is_delivered_read_and_acknowledged_with_every_receipt_in_the_log() {
    let mut w = World::new();
    let out = w.outgoing(&["RU"], "Assurances on detention", 14 * 86_400);
    let (id, sent) = w.us.send_message(out).unwrap();
    assert_eq!(id, MessageId::from_digest(&sent.digest));
    assert_eq!(
        states(&w.us, &id),
        vec![(party("RU"), MessageState::Submitted)]
    );

    // RU fetches its new messages: the delivery is logged once.
    assert_eq!(w.ru.deliver_messages().unwrap().delivered, vec![id]);
    assert_eq!(w.ru.deliver_messages().unwrap(), Delivery::default());
    assert_eq!(
        states(&w.us, &id),
        vec![(party("RU"), MessageState::Delivered)]
    );

    // The first opening logs the reading, naming the officer; a second logs nothing.
    let officer = OfficerId::new("ru-liaison-1").unwrap();
    let opened = w.ru.open_message(&id, Some(officer.clone())).unwrap();
    assert_eq!(opened.logged, vec!["message_read"]);
    assert_eq!(opened.letter.subject, "Assurances on detention");
    assert!(opened
        .letter
        .body
        .starts_with("Assurances on detention: the text"));
    assert_eq!(opened.letter.from, party("US"));
    let again = w.ru.open_message(&id, None).unwrap();
    assert!(again.logged.is_empty());
    let m = w.us.message(&id).unwrap().message;
    assert_eq!(
        m.recipients[&party("RU")].read.as_ref().unwrap().1,
        Some(officer)
    );
    assert_eq!(states(&w.us, &id), vec![(party("RU"), MessageState::Read)]);

    // The sender's own archive copy decrypts, and opening it logs nothing.
    let archive = w.us.open_message(&id, None).unwrap();
    assert!(archive.logged.is_empty());
    assert_eq!(archive.letter, opened.letter);

    let (state, _) = w.ru.answer_message(&id, None).unwrap();
    assert_eq!(state, MessageState::Acknowledged);
    assert_eq!(
        states(&w.us, &id),
        vec![(party("RU"), MessageState::Acknowledged)]
    );
    // Only once, and never by the sender.
    let twice = w.ru.answer_message(&id, None).unwrap_err();
    assert!(
        twice.to_string().contains("RU already acknowledged"),
        "{twice}"
    );
    let sender = w.us.answer_message(&id, None).unwrap_err();
    assert!(
        sender.to_string().contains("only its recipients"),
        "{sender}"
    );

    // The subject is nowhere in the log: it travels inside the ciphertext.
    let size = w.hub.hub().tree_size();
    let store = w.hub.hub().state().store().clone();
    for (i, entry) in store.entries(0, size).unwrap().iter().enumerate() {
        let logged = rex_domain::LogEntry::parse(entry).unwrap();
        let payload = String::from_utf8_lossy(&logged.envelope.payload);
        assert!(!payload.contains("Assurances"), "entry {i}: {payload}");
    }
    // Every receipt of the chain is in the log, signed by its own state.
    let actions: Vec<String> =
        w.ru.receipts()
            .unwrap()
            .into_iter()
            .map(|r| r.action)
            .collect();
    assert!(actions.ends_with(&[
        "message_delivered".to_owned(),
        "message_read".to_owned(),
        "message_acknowledged".to_owned()
    ]));
}

#[test]
fn recipients_answer_each_for_itself_and_a_rejection_names_its_reason() {
    let mut w = World::new();
    let out = Outgoing {
        conversation: Conversation::Free {
            name: ConversationName::new("liaison-2026").unwrap(),
        },
        ..w.outgoing(&["RU", "DE"], "Meeting of the liaison officers", 86_400)
    };
    let (id, _) = w.us.send_message(out).unwrap();
    // Opening delivers and reads at once.
    let opened = w.de.open_message(&id, None).unwrap();
    assert_eq!(opened.logged, vec!["message_delivered", "message_read"]);
    assert_eq!(opened.letter.to, vec![party("DE"), party("RU")]);
    w.de.answer_message(&id, Some(MessageRejectionReason::WrongRecipient))
        .unwrap();
    // RU cannot answer before its node logged the delivery.
    let early = w.ru.answer_message(&id, None).unwrap_err();
    assert!(early.is_input(), "{early}");
    assert!(early.to_string().contains("open it first"), "{early}");
    w.ru.open_message(&id, None).unwrap();
    w.ru.answer_message(&id, None).unwrap();
    assert_eq!(
        states(&w.us, &id),
        vec![
            (
                party("DE"),
                MessageState::Rejected(MessageRejectionReason::WrongRecipient)
            ),
            (party("RU"), MessageState::Acknowledged)
        ]
    );
    let views = w.us.messages().unwrap();
    assert_eq!(views.len(), 1);
    assert_eq!(
        views[0].describe_states(),
        "DE rejected (wrong_recipient), RU acknowledged"
    );
}

#[test]
fn the_hub_records_a_missing_acknowledgement_and_a_late_one_is_kept_as_late() {
    let mut w = World::new();
    // An hour to answer: the nodes' clock stays at T0 and their statements stay within the
    // day the hub accepts behind its own clock.
    let (id, _) =
        w.us.send_message(w.outgoing(&["RU"], "Urgent", 3600))
            .unwrap();
    w.ru.open_message(&id, None).unwrap();
    w.hub.clock().advance(3600);
    let hub = w.hub.hub();
    let recorded = w.hub.block_on(
        hub.wait_for_registry("the hub to record the missing acknowledgement", |r| {
            r.message(&id)?.recipients[&party("RU")].not_acknowledged_at
        }),
    );
    assert_eq!(recorded, rex_testkit::T0 + 3600);
    assert_eq!(
        states(&w.us, &id),
        vec![(party("RU"), MessageState::NotAcknowledged)]
    );
    let (state, _) = w.ru.answer_message(&id, None).unwrap();
    assert_eq!(state, MessageState::LateAcknowledged);
    assert_eq!(
        states(&w.us, &id),
        vec![(party("RU"), MessageState::LateAcknowledged)]
    );
    // The negative stays in the log, signed by the hub.
    let m = w.us.message(&id).unwrap().message;
    assert_eq!(
        m.recipients[&party("RU")].not_acknowledged_at,
        Some(recorded)
    );
}

#[test]
fn a_state_not_addressed_can_neither_fetch_nor_decrypt_a_message() {
    let mut w = World::new();
    let (id, _) =
        w.us.send_message(w.outgoing(&["RU"], "Only for RU", 86_400))
            .unwrap();
    let sha =
        w.us.message(&id)
            .unwrap()
            .message
            .ciphertext
            .sha256
            .to_string();

    // DE's node refuses to open it, and the hub refuses to serve it to DE.
    let refused = w.de.open_message(&id, None).unwrap_err();
    assert!(matches!(refused, Error::Denied(_)), "{refused}");
    assert!(refused
        .to_string()
        .contains("DE is neither sender nor recipient"));
    let served = w.de.client().get_dossier(&sha).unwrap_err();
    assert!(
        matches!(&served, Error::Refused { code, message } if code == "forbidden" && message.contains("DE neither uploaded")),
        "{served}"
    );
    // Handed the ciphertext anyway (the sender fetches it), DE's age key cannot open it,
    // while RU's and the sender's can.
    let ciphertext = w.us.client().get_dossier(&sha).unwrap();
    let key = |code: &str| -> age::x25519::Identity {
        std::fs::read_to_string(w.tmp.path().join(code).join("age.key"))
            .unwrap()
            .trim()
            .parse()
            .unwrap()
    };
    assert!(age::decrypt(&key("DE"), &ciphertext).is_err());
    assert!(age::decrypt(&key("RU"), &ciphertext).is_ok());
    assert!(age::decrypt(&key("US"), &ciphertext).is_ok());
    // Nor can DE log receipts for it: the hub refuses.
    let err =
        w.de.submit(Action::MessageDelivered { message: id })
            .unwrap_err();
    assert!(
        matches!(&err, Error::Refused { code, .. } if code == "not_allowed"),
        "{err}"
    );
}

#[test]
fn the_hub_refuses_an_acknowledgement_before_delivery_and_a_second_reading() {
    let mut w = World::new();
    let (id, _) =
        w.us.send_message(w.outgoing(&["RU"], "Order", 86_400))
            .unwrap();
    let refused = |r: Result<rex_node::Submitted, Error>| match r {
        Err(Error::Refused { code, message }) => format!("{code}: {message}"),
        other => panic!("expected a refusal, got {other:?}"),
    };
    let early = refused(w.ru.submit(Action::MessageAcknowledged {
        message: id,
        acted_by: ActedBy::NoOfficer,
    }));
    assert!(
        early.starts_with("not_allowed: message_acknowledged before message_delivered"),
        "{early}"
    );
    w.ru.open_message(&id, None).unwrap();
    let second = refused(w.ru.submit(Action::MessageRead {
        message: id,
        officer: None,
    }));
    assert!(second.contains("already read at RU"), "{second}");
}

#[test]
fn an_audit_of_the_log_recomputes_every_message_state() {
    let mut w = World::new();
    let (a, _) =
        w.us.send_message(w.outgoing(&["RU"], "First", 3600))
            .unwrap();
    let (b, _) =
        w.us.send_message(w.outgoing(&["RU"], "Second", 86_400))
            .unwrap();
    w.ru.deliver_messages().unwrap();
    w.ru.answer_message(&b, Some(MessageRejectionReason::Incomplete))
        .unwrap();
    w.hub.clock().advance(3600);
    let hub = w.hub.hub();
    w.hub
        .block_on(hub.wait_for_registry("the missing acknowledgement", |r| {
            r.message(&a)?.recipients[&party("RU")].not_acknowledged_at
        }));
    for n in [&mut w.us, &mut w.ru, &mut w.de] {
        n.sync().unwrap();
    }
    let state = w.hub.hub().state();
    let keys = state.keys();
    let mut trust =
        rex_node::trust::hub_lines(keys.checkpoint.verifier(), keys.statement.verifying_key())
            .unwrap();
    for n in [&w.us, &w.ru, &w.de] {
        let vkey = rex_node::trust::witness_vkey(&n.public_keys().unwrap()).unwrap();
        trust.push_str(&format!("witness {vkey}\n"));
    }
    let trust = rex_node::Trust::parse(&trust).unwrap();
    let report = rex_node::verify_log(&w.hub.url(), &trust).unwrap();
    let audited: BTreeMap<MessageId, Vec<(PartyId, MessageState)>> = report
        .registry
        .messages()
        .map(|m| {
            (
                m.id,
                m.recipients.iter().map(|(p, e)| (*p, e.state())).collect(),
            )
        })
        .collect();
    let seen: BTreeMap<MessageId, Vec<(PartyId, MessageState)>> =
        w.us.messages()
            .unwrap()
            .into_iter()
            .map(|v| (v.message.id, v.states()))
            .collect();
    assert_eq!(audited, seen);
    assert_eq!(
        audited[&a],
        vec![(party("RU"), MessageState::NotAcknowledged)]
    );
    assert_eq!(
        audited[&b],
        vec![(
            party("RU"),
            MessageState::Rejected(MessageRejectionReason::Incomplete)
        )]
    );
}

#[test]
fn a_message_that_does_not_open_is_not_delivered_and_holds_up_no_other() {
    let mut w = World::new();
    // US uploads a ciphertext that is not encrypted to RU and names it in a message, past its
    // own node's checks; then a proper message follows.
    let stranger = age::x25519::Identity::generate().to_public();
    let bad = age::encrypt(&stranger, b"not for RU").unwrap();
    w.us.client().post_dossier(&bad).unwrap();
    let s =
        w.us.submit(Action::MessageSent {
            conversation: Conversation::Request { request: w.request },
            to: vec![party("RU")],
            ciphertext: DossierRef {
                sha256: Digest::of(&bad),
                size: bad.len() as u64,
            },
            ack_by: rex_testkit::T0 + 86_400,
            acted_by: ActedBy::NoOfficer,
        })
        .unwrap();
    let bad_id = MessageId::from_digest(&s.digest);
    let (good, _) =
        w.us.send_message(w.outgoing(&["RU"], "Fine", 86_400))
            .unwrap();
    let delivery = w.ru.deliver_messages().unwrap();
    assert_eq!(delivery.delivered, vec![good]);
    assert_eq!(delivery.undeliverable.len(), 1);
    let (id, why) = &delivery.undeliverable[0];
    assert_eq!(*id, bad_id);
    assert!(why.contains("is not encrypted to RU"), "{why}");
    assert_eq!(
        states(&w.us, &bad_id),
        vec![(party("RU"), MessageState::Submitted)]
    );
    assert_eq!(
        states(&w.us, &good),
        vec![(party("RU"), MessageState::Delivered)]
    );
}

#[test]
fn a_node_refuses_to_send_what_it_should_not() {
    let mut w = World::new();
    let check = |w: &mut World, out: Outgoing, fragment: &str| {
        let err = w.us.send_message(out).unwrap_err();
        assert!(err.is_input(), "{err}");
        assert!(
            err.to_string().contains(fragment),
            "{err} lacks {fragment:?}"
        );
    };
    let out = w.outgoing(&[], "x", 3600);
    check(&mut w, out, "at least one recipient");
    let out = w.outgoing(&["US"], "x", 3600);
    check(&mut w, out, "US cannot send a message to itself");
    let out = w.outgoing(&["RU"], "  ", 3600);
    check(&mut w, out, "the subject must be one line, not empty");
    let out = w.outgoing(&["RU"], "two\nlines", 3600);
    check(&mut w, out, "the subject must be one line");
    let out = w.outgoing(&["RU"], &"x".repeat(201), 3600);
    check(&mut w, out, "longer than 200 characters");
    let out = w.outgoing(&["RU"], "x", 0);
    check(&mut w, out, "must be in the future");
    let out = w.outgoing(&["FR"], "x", 3600);
    check(&mut w, out, "FR is not registered at the hub");
    // Nothing was logged for any of them.
    assert!(w.us.messages().unwrap().is_empty());
    // The hub refuses a recipient that is no party to the request.
    let err =
        w.us.send_message(w.outgoing(&["DE", "RU"], "x", 3600))
            .unwrap_err();
    assert!(
        matches!(&err, Error::Refused { code, message } if code == "not_allowed" && message.contains("DE is not a party to request")),
        "{err}"
    );
}

#[test]
fn each_state_keeps_its_archive_and_reads_it_without_the_hub() {
    let mut w = World::new();
    let (id, _) =
        w.us.send_message(w.outgoing(&["RU"], "Archived", 86_400))
            .unwrap();
    w.ru.open_message(&id, None).unwrap();
    let sha = w.us.message(&id).unwrap().message.ciphertext.sha256;
    // An insider deletes the ciphertext at the hub.
    let db = rusqlite::Connection::open(w.hub.database_path()).unwrap();
    let deleted = db
        .execute("DELETE FROM dossiers WHERE sha256 = ?1", [sha.0.to_vec()])
        .unwrap();
    assert_eq!(deleted, 1);
    assert!(w.us.client().get_dossier(&sha.to_string()).is_err());
    // Sender and recipient still read it, from their archives, checked against the log.
    assert_eq!(
        w.us.open_message(&id, None).unwrap().letter.subject,
        "Archived"
    );
    assert_eq!(
        w.ru.open_message(&id, None).unwrap().letter.subject,
        "Archived"
    );
}

#[test]
fn a_statement_naming_another_messages_ciphertext_is_not_delivered() {
    let mut w = World::new();
    let (original, _) =
        w.us.send_message(w.outgoing(&["RU"], "From US", 86_400))
            .unwrap();
    assert_eq!(w.ru.deliver_messages().unwrap().delivered, vec![original]);
    // DE reads the digest in the log and names the same ciphertext in a message of its own to
    // RU, as if it had written it.
    let ciphertext = w.us.message(&original).unwrap().message.ciphertext;
    let s =
        w.de.submit(Action::MessageSent {
            conversation: Conversation::Free {
                name: ConversationName::new("borrowed").unwrap(),
            },
            to: vec![party("RU")],
            ciphertext,
            ack_by: rex_testkit::T0 + 86_400,
            acted_by: ActedBy::NoOfficer,
        })
        .unwrap();
    let forged = MessageId::from_digest(&s.digest);
    let delivery = w.ru.deliver_messages().unwrap();
    assert_eq!(delivery.delivered, vec![]);
    let (id, why) = &delivery.undeliverable[0];
    assert_eq!(*id, forged);
    assert!(why.contains("does not match its statement"), "{why}");
    let opened = w.ru.open_message(&forged, None).unwrap_err();
    assert!(matches!(opened, Error::Evidence(_)), "{opened}");
    // DE itself cannot read what it named: the hub serves a message's ciphertext only for a
    // message its uploader sent.
    let err = w.de.open_message(&forged, None).unwrap_err();
    assert!(
        matches!(&err, Error::Refused { code, .. } if code == "forbidden"),
        "{err}"
    );
    // Nor would a recipient without the letter in its archive get it from the hub.
    let served = w.ru.client().get_dossier(&ciphertext.sha256.to_string());
    assert!(served.is_ok(), "RU is a recipient of the original");
}

#[test]
fn a_liaison_officer_signs_messages_and_the_hub_refuses_another_states_officer_or_a_revoked_one() {
    use rex_domain::Role;
    let mut w = World::new();
    let (until, officer) = (rex_testkit::T0 + 365 * 86_400, |s: &str| {
        OfficerId::new(s).unwrap()
    });
    for (node, id) in [(&mut w.us, "us-liaison"), (&mut w.ru, "ru-liaison")] {
        node.create_officer_key(&officer(id)).unwrap();
        node.certify_officer(&officer(id), &[Role::Liaison], rex_testkit::T0 - 60, until)
            .unwrap();
    }
    // Sent by the US's liaison officer, acknowledged by Russia's: each act names its officer,
    // whose signature the hub checked.
    let out = w.outgoing(&["RU"], "Escort", 86_400);
    let (id, _) =
        w.us.send_message_as(out, Some(&officer("us-liaison")))
            .unwrap();
    w.ru.deliver_messages().unwrap();
    w.ru.answer_message_as(&id, None, Some(&officer("ru-liaison")))
        .unwrap();
    let m = w.us.message(&id).unwrap().message;
    assert_eq!(m.acted_by, ActedBy::Officer(officer("us-liaison")));
    assert_eq!(
        m.recipients[&party("RU")].answered_by,
        Some(officer("ru-liaison"))
    );

    // Russia's node holding the US officer's very key: its signature on a Russian message is
    // refused, for the US certified it, not Russia.
    let key = |code: &str, id: &str| {
        w.tmp
            .path()
            .join(code)
            .join("officers")
            .join(format!("{id}.key"))
    };
    std::fs::copy(key("US", "us-liaison"), key("RU", "us-liaison")).unwrap();
    let size = w.hub.hub().tree_size();
    let refused =
        w.ru.send_message_as(
            w.outgoing(&["US"], "Forged", 86_400),
            Some(&officer("us-liaison")),
        )
        .unwrap_err();
    match refused {
        Error::Refused { code, message } => {
            assert_eq!(code, "officer_signature");
            assert!(
                message.contains("no such officer certified by RU"),
                "{message}"
            );
        }
        e => panic!("expected the hub's refusal, got {e}"),
    }
    // Revoked, the US officer signs no more; the node alone still may, and says so.
    w.us.revoke_officer(&officer("us-liaison")).unwrap();
    let size_after_revocation = w.hub.hub().tree_size();
    assert_eq!(
        size_after_revocation,
        size + 1,
        "only the revocation was logged"
    );
    let revoked =
        w.us.send_message_as(
            w.outgoing(&["RU"], "Late", 86_400),
            Some(&officer("us-liaison")),
        )
        .unwrap_err();
    assert!(
        matches!(&revoked, Error::Refused { code, message } if code == "officer_signature" && message.contains("revoked")),
        "{revoked}"
    );
    assert_eq!(w.hub.hub().tree_size(), size_after_revocation);
    let (plain, _) =
        w.us.send_message(w.outgoing(&["RU"], "Plain", 86_400))
            .unwrap();
    assert_eq!(
        w.us.message(&plain).unwrap().message.acted_by,
        ActedBy::NoOfficer
    );
    // A key the node does not hold: refused before anything is encrypted or uploaded.
    let missing =
        w.us.send_message_as(
            w.outgoing(&["RU"], "Nobody", 86_400),
            Some(&officer("nobody")),
        )
        .unwrap_err();
    assert!(
        missing.to_string().contains("no key for officer nobody"),
        "{missing}"
    );
}
