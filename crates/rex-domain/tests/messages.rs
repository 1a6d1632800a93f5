//! Direct dialogue: every path of a message's evidence chain, every refusal, and that the
//! state of a message is the same when the log is replayed.

use crate::world;

use ed25519_dalek::SigningKey;
use expect_test::expect;
use rex_domain::{
    ActedBy, Action, Actor, Answer, Conversation, ConversationName, Digest, DossierRef, Envelope,
    MessageId, MessageRejectionReason, MessageState, OfficerId, PartyId, Registry, Rejection,
    RequestId, Severity, Statement,
};
use world::{key_of, party, terms, World, DAY};

/// US, RU, DE and CN registered; a US–RU agreement in force with one US request to RU, and
/// a US message to RU about it (acknowledgement due in a day).
struct Fixture {
    w: World,
    r: RequestId,
    m: MessageId,
}

fn ciphertext(tag: &str) -> DossierRef {
    DossierRef {
        sha256: Digest::of(tag.as_bytes()),
        size: 1234,
    }
}

fn free(name: &str) -> Conversation {
    Conversation::Free {
        name: ConversationName::new(name).unwrap(),
    }
}

fn sent(conversation: Conversation, to: &[&str], ack_by: u64) -> Action {
    Action::MessageSent {
        conversation,
        to: to.iter().map(|p| party(p)).collect(),
        ciphertext: ciphertext("message"),
        ack_by,
        acted_by: ActedBy::NoOfficer,
    }
}

fn send_by(actor: &str, action: Action, w: &mut World) -> MessageId {
    let applied = w.act(actor, action).unwrap();
    MessageId::from_digest(&applied.digest)
}

fn fixture() -> Fixture {
    let mut w = World::new(&["CN", "DE", "RU", "US"]);
    let a = w.agreement(terms(&["RU", "US"]));
    let r = w.file("US", "RU", a, Severity::Serious, false);
    let m = send_by(
        "US",
        sent(Conversation::Request { request: r }, &["RU"], w.now + DAY),
        &mut w,
    );
    Fixture { w, r, m }
}

fn delivered() -> Fixture {
    let mut f = fixture();
    act_by("RU", Action::MessageDelivered { message: f.m }, &mut f).unwrap();
    f
}

fn read() -> Fixture {
    let mut f = delivered();
    act_by("RU", read_by(f.m, Some("ru-liaison-1")), &mut f).unwrap();
    f
}

fn read_by(message: MessageId, officer: Option<&str>) -> Action {
    Action::MessageRead {
        message,
        officer: officer.map(|o| OfficerId::new(o).unwrap()),
    }
}

fn ack(message: MessageId) -> Action {
    Action::MessageAcknowledged {
        message,
        acted_by: ActedBy::NoOfficer,
    }
}

fn reject(message: MessageId, reason: MessageRejectionReason) -> Action {
    Action::MessageRejected {
        message,
        reason,
        acted_by: ActedBy::NoOfficer,
    }
}

fn act(f: &mut Fixture, actor: &str, action: Action) -> Result<(), Rejection> {
    f.w.act(actor, action).map(|_| ())
}

/// [`act`] with the fixture last, so that the action may read it first.
fn act_by(actor: &str, action: Action, f: &mut Fixture) -> Result<(), Rejection> {
    act(f, actor, action)
}

/// The hub records every negative that has come due, as the hub's engine does.
fn hub_records_due(w: &mut World) -> Vec<(MessageId, PartyId)> {
    let due = w.reg.not_acknowledged_due(w.now);
    for (message, recipient) in &due {
        w.hub(Action::MessageNotAcknowledged {
            message: *message,
            recipient: *recipient,
        })
        .unwrap();
    }
    due
}

fn state(f: &Fixture, recipient: &str) -> MessageState {
    f.w.reg.message(&f.m).unwrap().recipients[&party(recipient)].state()
}

#[test]
fn the_evidence_chain_in_time() {
    let mut f = fixture();
    assert_eq!(state(&f, "RU"), MessageState::Submitted);
    let mut story = Vec::new();
    let steps: Vec<(&str, Action)> = vec![
        ("RU", Action::MessageDelivered { message: f.m }),
        ("RU", read_by(f.m, Some("ru-liaison-1"))),
        ("RU", ack(f.m)),
    ];
    for (actor, action) in steps {
        let line = f.w.story(actor, action);
        story.push(format!("{actor}: {line} => {}", state(&f, "RU")));
    }
    // Answered in time: nothing is due at the deadline.
    f.w.now += DAY;
    assert_eq!(f.w.reg.not_acknowledged_due(f.w.now), vec![]);
    expect![[r#"
        RU: MessageDelivered { message: m1, party: RU } => delivered
        RU: MessageRead { message: m1, party: RU } => read
        RU: MessageAnswered { message: m1, party: RU, answer: Acknowledged, late: false } => acknowledged"#]]
    .assert_eq(&story.join("\n"));
    let m = f.w.reg.message(&f.m).unwrap();
    let e = &m.recipients[&party("RU")];
    assert_eq!(
        e.read.as_ref().unwrap().1.as_ref().unwrap().as_str(),
        "ru-liaison-1"
    );
    assert_eq!(m.from, party("US"));
    assert_eq!(m.conversation, Conversation::Request { request: f.r });
}

#[test]
fn a_rejection_in_time_names_its_reason() {
    let mut f = delivered();
    act_by(
        "RU",
        reject(f.m, MessageRejectionReason::WrongConversation),
        &mut f,
    )
    .unwrap();
    assert_eq!(
        state(&f, "RU"),
        MessageState::Rejected(MessageRejectionReason::WrongConversation)
    );
    assert_eq!(state(&f, "RU").to_string(), "rejected (wrong_conversation)");
}

#[test]
fn the_hub_records_a_missing_acknowledgement_and_a_late_one_follows() {
    let mut f = read();
    // Not before the deadline.
    f.w.now += DAY - 1;
    assert_eq!(f.w.reg.not_acknowledged_due(f.w.now), vec![]);
    world::check(
        f.w.hub(Action::MessageNotAcknowledged {
            message: f.m,
            recipient: party("RU"),
        }),
        "not_allowed",
    );
    f.w.now += 1;
    assert_eq!(hub_records_due(&mut f.w), vec![(f.m, party("RU"))]);
    assert_eq!(state(&f, "RU"), MessageState::NotAcknowledged);
    // Recorded once.
    assert_eq!(f.w.reg.not_acknowledged_due(f.w.now + DAY), vec![]);
    // The late acknowledgement is accepted, and the negative stays.
    f.w.now += 3600;
    let applied = f.w.act("RU", ack(f.m)).unwrap();
    assert_eq!(
        f.w.render(&applied.events),
        "MessageAnswered { message: m1, party: RU, answer: Acknowledged, late: true }"
    );
    assert_eq!(state(&f, "RU"), MessageState::LateAcknowledged);
    let e = &f.w.reg.message(&f.m).unwrap().recipients[&party("RU")];
    assert_eq!(e.not_acknowledged_at, Some(world::T0 + DAY));
    assert_eq!(e.answer.unwrap().1, world::T0 + DAY + 3600);
}

#[test]
fn a_late_rejection_and_an_undelivered_message_past_its_deadline() {
    let mut f = fixture();
    f.w.now += DAY;
    hub_records_due(&mut f.w);
    assert_eq!(state(&f, "RU"), MessageState::NotAcknowledged);
    // Delivery after the negative does not undo it.
    act_by("RU", Action::MessageDelivered { message: f.m }, &mut f).unwrap();
    assert_eq!(state(&f, "RU"), MessageState::NotAcknowledged);
    act_by(
        "RU",
        reject(f.m, MessageRejectionReason::Incomplete),
        &mut f,
    )
    .unwrap();
    assert_eq!(
        state(&f, "RU"),
        MessageState::LateRejected(MessageRejectionReason::Incomplete)
    );
    assert_eq!(state(&f, "RU").to_string(), "late rejected (incomplete)");
}

#[test]
fn each_recipient_has_its_own_chain() {
    let mut f = fixture();
    let first = f.m;
    let m = send_by(
        "US",
        sent(free("liaison-2026"), &["DE", "RU"], f.w.now + 2 * DAY),
        &mut f.w,
    );
    f.m = m;
    act_by("DE", Action::MessageDelivered { message: m }, &mut f).unwrap();
    act_by("DE", ack(m), &mut f).unwrap();
    act_by("RU", Action::MessageDelivered { message: m }, &mut f).unwrap();
    f.w.now += 2 * DAY;
    // Of the second message only RU is due, since DE answered; the first message (to RU,
    // due a day earlier) comes first.
    assert_eq!(
        hub_records_due(&mut f.w),
        vec![(first, party("RU")), (m, party("RU"))]
    );
    assert_eq!(state(&f, "DE"), MessageState::Acknowledged);
    assert_eq!(state(&f, "RU"), MessageState::NotAcknowledged);
    assert_eq!(f.w.reg.not_acknowledged_due(f.w.now), vec![]);
}

#[test]
fn replaying_the_log_gives_the_same_states() {
    let mut f = read();
    let m2 = send_by(
        "RU",
        sent(free("ops"), &["CN", "US"], f.w.now + DAY),
        &mut f.w,
    );
    act_by("US", Action::MessageDelivered { message: m2 }, &mut f).unwrap();
    act_by("US", reject(m2, MessageRejectionReason::Unreadable), &mut f).unwrap();
    f.w.now += DAY;
    hub_records_due(&mut f.w);
    act_by("RU", ack(f.m), &mut f).unwrap();
    f.w.replays_the_same();
    let states = |reg: &Registry| -> Vec<String> {
        reg.messages()
            .flat_map(|m| {
                m.recipients
                    .iter()
                    .map(move |(p, e)| format!("{} {p}: {}", m.id, e.state()))
            })
            .collect()
    };
    let mut got = f.w.alias(&states(&f.w.reg).join("\n"));
    got = got.replace(&m2.to_string(), "m2");
    let mut lines: Vec<&str> = got.lines().collect();
    lines.sort();
    expect![[r#"
        m1 RU: late acknowledged
        m2 CN: not acknowledged
        m2 US: rejected (unreadable)"#]]
    .assert_eq(&lines.join("\n"));
}

/// One case: what is done to which fixture, the expected code and a fragment of the message.
type Case = (
    &'static str,
    fn() -> Fixture,
    fn(&mut Fixture) -> Result<(), Rejection>,
    &'static str,
    &'static str,
);

fn signed_by(f: &mut Fixture, statement: Statement, key: &SigningKey) -> Result<(), Rejection> {
    let e = Envelope::sign_statement(&statement, key);
    f.w.submit(&e).map(|_| ())
}

/// A `message_sent` by US with these fields changed by `edit`.
fn us_sends(f: &mut Fixture, edit: fn(&mut Fixture, &mut Action)) -> Result<(), Rejection> {
    let mut action = sent(
        Conversation::Request { request: f.r },
        &["RU"],
        f.w.now + DAY,
    );
    edit(f, &mut action);
    act(f, "US", action)
}

fn set_to(action: &mut Action, parties: &[&str]) {
    if let Action::MessageSent { to, .. } = action {
        *to = parties.iter().map(|p| party(p)).collect();
    }
}

fn set_conversation(action: &mut Action, c: Conversation) {
    if let Action::MessageSent { conversation, .. } = action {
        *conversation = c;
    }
}

/// A payload signed by RU whose JSON is `json` (to reach the parser's own checks).
fn ru_payload(f: &mut Fixture, json: String) -> Result<(), Rejection> {
    let seq = f.w.reg.next_seq(Actor::Party(party("RU"))).unwrap();
    let payload = format!(
        r#"{{"actor":"RU","seq":{seq},"time":{},"action":{json}}}"#,
        f.w.now
    );
    let e = Envelope::sign(
        rex_domain::STATEMENT_PAYLOAD_TYPE,
        payload.into_bytes(),
        &key_of("RU"),
    );
    f.w.submit(&e).map(|_| ())
}

fn cases() -> Vec<Case> {
    vec![
        (
            "a state delivering a message not addressed to it",
            fixture,
            |f| act(f, "CN", Action::MessageDelivered { message: f.m }),
            "not_allowed",
            "only a recipient of message m1 takes message_delivered; CN is not one",
        ),
        (
            "the sender acknowledging its own message",
            delivered,
            |f| act(f, "US", ack(f.m)),
            "not_allowed",
            "US is not one",
        ),
        (
            "a state reading a message not addressed to it",
            delivered,
            |f| act(f, "DE", read_by(f.m, None)),
            "not_allowed",
            "only a recipient of message m1 takes message_read",
        ),
        (
            "a state acknowledging for another",
            delivered,
            |f| {
                let s = f.w.statement(Actor::Party(party("RU")), ack(f.m));
                signed_by(f, s, &key_of("CN"))
            },
            "wrong_key",
            "is not the key registered to RU",
        ),
        (
            "a replayed delivery",
            fixture,
            |f| {
                let s = f.w.statement(
                    Actor::Party(party("RU")),
                    Action::MessageDelivered { message: f.m },
                );
                let e = f.w.envelope(&s);
                f.w.submit(&e).unwrap();
                f.w.submit(&e).map(|_| ())
            },
            "replay",
            "seq",
        ),
        (
            "a second delivery",
            delivered,
            |f| act(f, "RU", Action::MessageDelivered { message: f.m }),
            "not_allowed",
            "message m1 was already delivered to RU",
        ),
        (
            "an acknowledgement before delivery",
            fixture,
            |f| act(f, "RU", ack(f.m)),
            "not_allowed",
            "message_acknowledged before message_delivered",
        ),
        (
            "a rejection before delivery",
            fixture,
            |f| act(f, "RU", reject(f.m, MessageRejectionReason::Other)),
            "not_allowed",
            "message_rejected before message_delivered",
        ),
        (
            "a reading before delivery",
            fixture,
            |f| act(f, "RU", read_by(f.m, None)),
            "not_allowed",
            "message_read before message_delivered",
        ),
        (
            "a second reading",
            read,
            |f| act(f, "RU", read_by(f.m, Some("ru-liaison-2"))),
            "not_allowed",
            "message m1 was already read at RU",
        ),
        (
            "a second answer",
            read,
            |f| {
                act(f, "RU", ack(f.m))?;
                act(f, "RU", reject(f.m, MessageRejectionReason::Other))
            },
            "not_allowed",
            "RU already answered message m1",
        ),
        (
            "an answer to an unknown message",
            fixture,
            |f| {
                let m = MessageId::from_digest(&Digest::of(b"nothing"));
                act(f, "RU", ack(m))
            },
            "not_found",
            "no message msg_",
        ),
        (
            "a state recording a missing acknowledgement",
            fixture,
            |f| {
                f.w.now += DAY;
                act(
                    f,
                    "RU",
                    Action::MessageNotAcknowledged {
                        message: f.m,
                        recipient: party("RU"),
                    },
                )
            },
            "not_allowed",
            "only the hub takes message_not_acknowledged, not RU",
        ),
        (
            "the hub recording a missing acknowledgement before the deadline",
            fixture,
            |f| {
                act(
                    f,
                    "hub",
                    Action::MessageNotAcknowledged {
                        message: f.m,
                        recipient: party("RU"),
                    },
                )
            },
            "not_allowed",
            "is due for acknowledgement at",
        ),
        (
            "the hub recording a missing acknowledgement after the answer",
            read,
            |f| {
                act(f, "RU", ack(f.m))?;
                f.w.now += DAY;
                act(
                    f,
                    "hub",
                    Action::MessageNotAcknowledged {
                        message: f.m,
                        recipient: party("RU"),
                    },
                )
            },
            "not_allowed",
            "RU answered message m1; there is nothing to record",
        ),
        (
            "the hub recording a missing acknowledgement twice",
            fixture,
            |f| {
                f.w.now += DAY;
                let due = Action::MessageNotAcknowledged {
                    message: f.m,
                    recipient: party("RU"),
                };
                act(f, "hub", due.clone())?;
                act(f, "hub", due)
            },
            "not_allowed",
            "is already recorded",
        ),
        (
            "the hub recording a missing acknowledgement by a non-recipient",
            fixture,
            |f| {
                f.w.now += DAY;
                act(
                    f,
                    "hub",
                    Action::MessageNotAcknowledged {
                        message: f.m,
                        recipient: party("CN"),
                    },
                )
            },
            "not_allowed",
            "CN is not a recipient of message m1",
        ),
        (
            "the hub sending a message",
            fixture,
            |f| act(f, "hub", sent(free("x"), &["RU"], f.w.now + DAY)),
            "not_allowed",
            "the hub does not take message_sent for a state",
        ),
        (
            "a message to no one",
            fixture,
            |f| us_sends(f, |_, a| set_to(a, &[])),
            "invalid",
            "a message has 1 to 64 recipients, not 0",
        ),
        (
            "a message to the sender itself",
            fixture,
            |f| {
                us_sends(f, |_, a| {
                    set_conversation(a, free("self"));
                    set_to(a, &["RU", "US"]);
                })
            },
            "invalid",
            "US cannot send a message to itself",
        ),
        (
            "recipients out of order",
            fixture,
            |f| {
                us_sends(f, |_, a| {
                    set_conversation(a, free("order"));
                    set_to(a, &["RU", "DE"]);
                })
            },
            "invalid",
            "sorted, without duplicates",
        ),
        (
            "a recipient twice",
            fixture,
            |f| us_sends(f, |_, a| set_to(a, &["RU", "RU"])),
            "invalid",
            "sorted, without duplicates",
        ),
        (
            "an unregistered recipient",
            fixture,
            |f| {
                us_sends(f, |_, a| {
                    set_conversation(a, free("fr"));
                    set_to(a, &["FR"]);
                })
            },
            "unknown_party",
            "unknown party FR",
        ),
        (
            "an empty ciphertext",
            fixture,
            |f| {
                us_sends(f, |_, a| {
                    if let Action::MessageSent { ciphertext, .. } = a {
                        ciphertext.size = 0;
                    }
                })
            },
            "invalid",
            "the ciphertext is empty",
        ),
        (
            "an acknowledgement deadline already passed",
            fixture,
            |f| {
                us_sends(f, |f, a| {
                    if let Action::MessageSent { ack_by, .. } = a {
                        *ack_by = f.w.now;
                    }
                })
            },
            "deadline_passed",
            "has passed",
        ),
        (
            "an acknowledgement deadline beyond a year",
            fixture,
            |f| {
                us_sends(f, |f, a| {
                    if let Action::MessageSent { ack_by, .. } = a {
                        *ack_by = f.w.now + 367 * DAY;
                    }
                })
            },
            "invalid",
            "must be at most 366 days after the message",
        ),
        (
            "a message on a request by a state not party to it",
            fixture,
            |f| {
                let action = sent(
                    Conversation::Request { request: f.r },
                    &["RU"],
                    f.w.now + DAY,
                );
                act(f, "DE", action)
            },
            "not_member",
            "DE is not a member of request r1",
        ),
        (
            "a message on a request to a state not party to it",
            fixture,
            |f| us_sends(f, |_, a| set_to(a, &["DE", "RU"])),
            "not_allowed",
            "DE is not a party to request r1",
        ),
        (
            "a message on an unknown request",
            fixture,
            |f| {
                us_sends(f, |_, a| {
                    set_conversation(
                        a,
                        Conversation::Request {
                            request: RequestId::from_digest(&Digest::of(b"none")),
                        },
                    )
                })
            },
            "not_found",
            "no request req_",
        ),
        (
            "a message on an unknown exchange",
            fixture,
            |f| {
                us_sends(f, |_, a| {
                    set_conversation(
                        a,
                        Conversation::Exchange {
                            exchange: rex_domain::ExchangeId::from_digest(&Digest::of(b"none")),
                        },
                    )
                })
            },
            "not_found",
            "no exchange exc_",
        ),
        (
            "a conversation name with a space (it is in clear in the log)",
            fixture,
            |f| {
                ru_payload(
                    f,
                    format!(
                        r#"{{"type":"message_sent","conversation":{{"kind":"free","name":"a b"}},"to":["US"],"ciphertext":{{"sha256":"{}","size":1}},"ack_by":{},"acted_by":"no_officer"}}"#,
                        Digest::of(b"x"),
                        f.w.now + DAY
                    ),
                )
            },
            "bad_statement",
            "invalid conversation name",
        ),
        (
            "a message that does not say whether an officer signed",
            fixture,
            |f| {
                ru_payload(
                    f,
                    format!(
                        r#"{{"type":"message_sent","conversation":{{"kind":"free","name":"ab"}},"to":["US"],"ciphertext":{{"sha256":"{}","size":1}},"ack_by":{}}}"#,
                        Digest::of(b"x"),
                        f.w.now + DAY
                    ),
                )
            },
            "bad_statement",
            "missing field `acted_by`",
        ),
        (
            "an unknown rejection reason",
            delivered,
            |f| {
                let json = format!(
                    r#"{{"type":"message_rejected","message":"{}","reason":"bored","acted_by":"no_officer"}}"#,
                    f.m
                );
                ru_payload(f, json)
            },
            "bad_statement",
            "unknown variant `bored`",
        ),
        (
            "an officer id that is a name with spaces",
            delivered,
            |f| {
                let json = format!(
                    r#"{{"type":"message_read","message":"{}","officer":"Ivan Petrov"}}"#,
                    f.m
                );
                ru_payload(f, json)
            },
            "bad_statement",
            "invalid officer id",
        ),
    ]
}

#[test]
fn every_refusal() {
    for (what, fixture, attempt, code, fragment) in cases() {
        let mut f = fixture();
        f.w.before_last_submit = None;
        let err = match attempt(&mut f) {
            Err(e) => e,
            Ok(()) => panic!("{what}: accepted, expected {code}"),
        };
        assert_eq!(err.code(), code, "{what}: {err}");
        let msg = f.w.alias(&err.to_string());
        assert!(msg.contains(fragment), "{what}: {msg:?} lacks {fragment:?}");
        let before =
            f.w.before_last_submit
                .take()
                .unwrap_or_else(|| panic!("{what}: refused without submitting anything"));
        assert_eq!(f.w.reg, before, "{what}: a refusal changed the registry");
    }
}

#[test]
fn a_message_on_an_exchange_goes_to_its_parties() {
    let mut w = World::new(&["CN", "RU", "US"]);
    let a = w.agreement(terms(&["CN", "RU", "US"]));
    let r1 = w.file("US", "RU", a, Severity::Serious, false);
    let r2 = w.file("RU", "US", a, Severity::Grave, true);
    w.answer(r1, Answer::Surrender);
    w.answer(r2, Answer::ProsecutionAtHome);
    let x = w.propose(&[r1, r2]);
    let to_ru = sent(Conversation::Exchange { exchange: x }, &["RU"], w.now + DAY);
    w.act("US", to_ru).unwrap();
    let to_cn = sent(
        Conversation::Exchange { exchange: x },
        &["CN", "RU"],
        w.now + DAY,
    );
    world::check(w.act("US", to_cn), "not_allowed");
    let from_cn = sent(Conversation::Exchange { exchange: x }, &["US"], w.now + DAY);
    world::check(w.act("CN", from_cn), "not_member");
}
