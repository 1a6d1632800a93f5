//! Officers' keys certified in the log, and four-eyes on binding acts: every refusal, the
//! requirement, and that a replay of the log decides the same.

use crate::world;

use ed25519_dalek::SigningKey;
use rex_domain::log::replay;
use rex_domain::{
    ActedBy, Action, Actor, Answer, Applied, Envelope, Event, OfficerId, OfficerKey, Officers,
    PartyId, Rejection, RequestId, Role, Severity, Signing, Statement,
};
use world::{check, key_of, party, terms, World, DAY};

fn id(s: &str) -> OfficerId {
    OfficerId::new(s).unwrap()
}

/// `party` certifies officer `name` (key `key_of(name)`) with `roles`, valid a year from now.
fn certificate(w: &World, state: &str, name: &str, roles: &[Role]) -> Action {
    Action::OfficerCertified {
        party: party(state),
        officer: id(name),
        roles: roles.to_vec(),
        key: OfficerKey(key_of(name).verifying_key()),
        not_before: w.now,
        not_after: w.now + 365 * DAY,
    }
}

/// US and RU under an agreement; RU has a US request to answer. US certifies a case officer
/// and an approver, RU likewise.
struct Fixture {
    w: World,
    r: RequestId,
}

fn fixture() -> Fixture {
    let mut w = World::new(&["DE", "RU", "US"]);
    let a = w.agreement(terms(&["RU", "US"]));
    let r = w.file("US", "RU", a, Severity::Serious, false);
    for (state, name, roles) in [
        ("RU", "ru-case", &[Role::CaseOfficer][..]),
        ("RU", "ru-approver", &[Role::Approver]),
        ("RU", "ru-liaison", &[Role::Liaison]),
        ("US", "us-case", &[Role::CaseOfficer]),
        ("US", "us-approver", &[Role::CaseOfficer, Role::Approver]),
    ] {
        let c = certificate(&w, state, name, roles);
        w.act(state, c).unwrap();
    }
    Fixture { w, r }
}

/// `state` takes a binding `action` naming `drafter` and `approver`, whose signatures are made
/// with the keys named `drafter_key` and `approver_key`.
fn four_eyes(
    w: &mut World,
    state: &str,
    action: Action,
    (drafter, drafter_key): (&str, &str),
    (approver, approver_key): (&str, &str),
) -> Result<Applied, Rejection> {
    let s = w
        .statement(Actor::Party(party(state)), action)
        .with_officers(id(drafter), id(approver));
    let mut e = w.envelope(&s);
    e.add_officer_signature(
        Signing::Drafter,
        party(state),
        &id(drafter),
        &key_of(drafter_key),
    );
    e.add_officer_signature(
        Signing::Approver,
        party(state),
        &id(approver),
        &key_of(approver_key),
    );
    w.submit(&e)
}

fn answer(r: RequestId) -> Action {
    Action::RequestAnswered {
        request: r,
        answer: Answer::Surrender,
    }
}

/// RU answers with a drafter and an approver, each signing with their own key.
fn ru_answers(f: &mut Fixture, drafter: &str, approver: &str) -> Result<Applied, Rejection> {
    let r = f.r;
    four_eyes(
        &mut f.w,
        "RU",
        answer(r),
        (drafter, drafter),
        (approver, approver),
    )
}

#[test]
fn certificates_are_in_the_registry() {
    let f = fixture();
    let o = f.w.reg.officer(&party("US"), &id("us-approver")).unwrap();
    assert_eq!(o.roles, vec![Role::CaseOfficer, Role::Approver]);
    assert_eq!(o.key.0, key_of("us-approver").verifying_key());
    assert!(o.valid_at(f.w.now) && !o.valid_at(f.w.now + 365 * DAY));
    let ids: Vec<String> =
        f.w.reg
            .officers(&party("RU"))
            .map(|o| o.id.to_string())
            .collect();
    assert_eq!(ids, ["ru-approver", "ru-case", "ru-liaison"]);
    assert!(f.w.reg.officer(&party("US"), &id("ru-case")).is_none());
}

/// A certificate with its state or key changed.
fn edit(mut a: Action, f: impl FnOnce(&mut PartyId, &mut OfficerKey)) -> Action {
    if let Action::OfficerCertified { party, key, .. } = &mut a {
        f(party, key);
    }
    a
}

#[test]
fn certificates_and_revocations_refused() {
    let mut f = fixture();
    let w = &mut f.w;
    let now = w.now;
    let cert =
        |officer: &str, roles: &[Role], not_before: u64, not_after: u64| Action::OfficerCertified {
            party: party("US"),
            officer: id(officer),
            roles: roles.to_vec(),
            key: OfficerKey(key_of(officer).verifying_key()),
            not_before,
            not_after,
        };
    let year = now + 365 * DAY;
    let cases: Vec<(&str, Action, &str, &str)> = vec![
        (
            "US",
            edit(cert("us-new", &[Role::Approver], now, year), |p, _| {
                *p = party("RU")
            }),
            "not_allowed",
            "US cannot certify an officer of RU",
        ),
        (
            "US",
            cert("us-case", &[Role::Approver], now, year),
            "conflict",
            "officer us-case of US already exists",
        ),
        (
            "US",
            edit(cert("us-new", &[Role::Approver], now, year), |_, k| {
                *k = OfficerKey(key_of("ru-approver").verifying_key())
            }),
            "conflict",
            "certified to officer ru-approver of RU",
        ),
        (
            "US",
            edit(cert("us-new", &[Role::Approver], now, year), |_, k| {
                *k = OfficerKey(key_of("US").verifying_key())
            }),
            "invalid",
            "a state's node key",
        ),
        (
            "US",
            cert("us-new", &[Role::Approver], now, now),
            "invalid",
            "is not after not_before",
        ),
        (
            "US",
            cert("us-new", &[Role::Approver], now, now + 800 * DAY),
            "invalid",
            "longer than 732 days",
        ),
        (
            "US",
            cert("us-new", &[Role::Approver], now - 2 * DAY, now - DAY),
            "invalid",
            "has passed",
        ),
        (
            "US",
            cert("us-new", &[], now, year),
            "invalid",
            "at least one role",
        ),
        (
            "US",
            cert("us-new", &[Role::Approver, Role::CaseOfficer], now, year),
            "invalid",
            "not sorted and distinct",
        ),
        (
            "US",
            cert("us-new", &[Role::Approver, Role::Approver], now, year),
            "invalid",
            "not sorted and distinct",
        ),
        (
            "US",
            cert("us-new", &[Role::Approver, Role::Admin], now, year),
            "invalid",
            "an officer who is admin holds no other role",
        ),
        (
            "US",
            cert("us-new", &[Role::Liaison, Role::Auditor], now, year),
            "invalid",
            "an officer who is auditor holds no other role",
        ),
        (
            "US",
            Action::OfficerRevoked {
                officer: id("us-nobody"),
            },
            "not_found",
            "no officer us-nobody of US",
        ),
        (
            "RU",
            Action::OfficerRevoked {
                officer: id("us-case"),
            },
            "not_found",
            "no officer us-case of RU",
        ),
    ];
    for (state, action, code, says) in cases {
        let before = w.reg.clone();
        let message = check(w.act(state, action.clone()), code);
        assert!(message.contains(says), "{action:?}: {message}");
        assert_eq!(w.reg, before, "a refusal changes nothing");
    }
    // An admin and an auditor alone are fine; a revocation is once.
    w.act("US", cert("us-admin", &[Role::Admin], now, year))
        .unwrap();
    w.act("US", cert("us-auditor", &[Role::Auditor], now, year))
        .unwrap();
    let revoke = Action::OfficerRevoked {
        officer: id("us-case"),
    };
    let applied = w.act("US", revoke.clone()).unwrap();
    assert_eq!(
        applied.events,
        vec![Event::OfficerRevoked {
            party: party("US"),
            officer: id("us-case")
        }]
    );
    check(w.act("US", revoke), "not_allowed");
    // A revoked officer's id is not certified again.
    check(
        w.act("US", cert("us-case", &[Role::CaseOfficer], now, year)),
        "conflict",
    );
}

#[test]
fn four_eyes_accepted_with_two_officers() {
    let mut f = fixture();
    let applied = ru_answers(&mut f, "ru-case", "ru-approver").unwrap();
    assert_eq!(
        applied.statement.acted_by,
        Some(Officers::FourEyes {
            drafter: id("ru-case"),
            approver: id("ru-approver")
        })
    );
    // An approver may draft too, for another approver.
    let r2 = {
        let a = f.w.reg.request(&f.r).unwrap().metadata.agreement;
        f.w.file("RU", "US", a, Severity::Serious, false)
    };
    four_eyes(
        &mut f.w,
        "US",
        answer(r2),
        ("us-approver", "us-approver"),
        ("us-case", "us-case"),
    )
    .map(|_| ())
    .expect_err("a case officer is no approver");
    let c = certificate(&f.w, "US", "us-approver-2", &[Role::Approver]);
    f.w.act("US", c).unwrap();
    four_eyes(
        &mut f.w,
        "US",
        answer(r2),
        ("us-approver", "us-approver"),
        ("us-approver-2", "us-approver-2"),
    )
    .unwrap();
}

#[test]
fn four_eyes_refusals() {
    let f0 = fixture();
    let now = f0.w.now;
    // Each case: what to do to the fixture first, then RU's answer, the code and the words.
    type Setup = fn(&mut World);
    let nothing: Setup = |_| {};
    type Signer<'a> = (&'a str, &'a str);
    let cases: Vec<(&str, Setup, Signer, Signer, &str, &str)> = vec![
        (
            "the same officer twice",
            nothing,
            ("ru-approver", "ru-approver"),
            ("ru-approver", "ru-approver"),
            "four_eyes",
            "officer ru-approver is both drafter and approver",
        ),
        (
            "a drafter as approver without the role",
            nothing,
            ("ru-approver", "ru-approver"),
            ("ru-case", "ru-case"),
            "four_eyes",
            "approver ru-case of RU: holds no approver role",
        ),
        (
            "a liaison officer drafts",
            nothing,
            ("ru-liaison", "ru-liaison"),
            ("ru-approver", "ru-approver"),
            "four_eyes",
            "drafter ru-liaison of RU: holds no case_officer or approver role",
        ),
        (
            "a revoked approver",
            |w| {
                w.act(
                    "RU",
                    Action::OfficerRevoked {
                        officer: OfficerId::new("ru-approver").unwrap(),
                    },
                )
                .unwrap();
            },
            ("ru-case", "ru-case"),
            ("ru-approver", "ru-approver"),
            "four_eyes",
            "approver ru-approver of RU: revoked at",
        ),
        (
            "an expired approver",
            |w| w.now += 365 * DAY,
            ("ru-case", "ru-case"),
            ("ru-approver", "ru-approver"),
            "four_eyes",
            "expired at",
        ),
        (
            "an approver whose certificate is not valid yet",
            |w| {
                let c = Action::OfficerCertified {
                    party: party("RU"),
                    officer: OfficerId::new("ru-later").unwrap(),
                    roles: vec![Role::Approver],
                    key: OfficerKey(key_of("ru-later").verifying_key()),
                    not_before: w.now + DAY,
                    not_after: w.now + 30 * DAY,
                };
                w.act("RU", c).unwrap();
            },
            ("ru-case", "ru-case"),
            ("ru-later", "ru-later"),
            "four_eyes",
            "approver ru-later of RU: not valid before",
        ),
        (
            "another state's officer by its id",
            nothing,
            ("ru-case", "ru-case"),
            ("us-approver", "us-approver"),
            "four_eyes",
            "approver us-approver of RU: no such officer certified by RU",
        ),
        (
            "another state's officer's key under a certified id",
            nothing,
            ("ru-case", "ru-case"),
            ("ru-approver", "us-approver"),
            "four_eyes",
            "approver ru-approver of RU: the envelope's signature 3 does not verify",
        ),
        (
            "an uncertified key",
            nothing,
            ("ru-case", "ru-someone"),
            ("ru-approver", "ru-approver"),
            "four_eyes",
            "drafter ru-case of RU: the envelope's signature 2 does not verify",
        ),
    ];
    for (what, setup, drafter, approver, code, says) in cases {
        let mut f = Fixture {
            w: f0.w.clone(),
            r: f0.r,
        };
        setup(&mut f.w);
        let before = f.w.reg.clone();
        let r = f.r;
        let message = check(
            four_eyes(&mut f.w, "RU", answer(r), drafter, approver),
            code,
        );
        assert!(message.contains(says), "{what}: {message}");
        assert_eq!(f.w.reg, before, "{what}: a refusal changes nothing");
    }
    assert_eq!(f0.w.now, now);
}

/// Envelopes built by hand: one officer's signature, a drafter's signature reused as an
/// approval, officers on a statement that is no binding act.
#[test]
fn four_eyes_envelopes_refused() {
    let mut f = fixture();
    let r = f.r;
    let ru = Actor::Party(party("RU"));
    let named =
        f.w.statement(ru, answer(r))
            .with_officers(id("ru-case"), id("ru-approver"));
    let signed_by_node = f.w.envelope(&named);

    // One officer's signature: two signatures in all.
    let mut one = signed_by_node.clone();
    one.add_officer_signature(
        Signing::Drafter,
        party("RU"),
        &id("ru-case"),
        &key_of("ru-case"),
    );
    let message = check(f.w.submit(&one), "bad_envelope");
    assert!(message.contains("2 signatures"), "{message}");

    // A drafter's signature put where the approval goes: the role is in the signed bytes.
    let mut reused = signed_by_node.clone();
    reused.add_officer_signature(
        Signing::Drafter,
        party("RU"),
        &id("ru-case"),
        &key_of("ru-case"),
    );
    reused.add_officer_signature(
        Signing::Drafter,
        party("RU"),
        &id("ru-approver"),
        &key_of("ru-approver"),
    );
    let message = check(f.w.submit(&reused), "four_eyes");
    assert!(message.contains("approver ru-approver"), "{message}");

    // Signatures of another statement (the same act, another seq).
    let mut other = named.clone();
    other.time += 1;
    let mut stale = f.w.envelope(&other);
    stale.add_officer_signature(
        Signing::Drafter,
        party("RU"),
        &id("ru-case"),
        &key_of("ru-case"),
    );
    stale.add_officer_signature(
        Signing::Approver,
        party("RU"),
        &id("ru-approver"),
        &key_of("ru-approver"),
    );
    let mut moved = signed_by_node.clone();
    moved
        .signatures
        .extend(stale.signatures[1..].iter().cloned());
    check(f.w.submit(&moved), "four_eyes");

    // The node's signature alone on a statement that names officers.
    check(f.w.submit(&signed_by_node), "bad_envelope");

    // Three signatures on a statement that names no officer.
    let plain = f.w.statement(ru, answer(r));
    let mut extra = f.w.envelope(&plain);
    extra.add_officer_signature(
        Signing::Drafter,
        party("RU"),
        &id("ru-case"),
        &key_of("ru-case"),
    );
    extra.add_officer_signature(
        Signing::Approver,
        party("RU"),
        &id("ru-approver"),
        &key_of("ru-approver"),
    );
    let message = check(f.w.submit(&extra), "bad_envelope");
    assert!(
        message.contains("names no officer: exactly one"),
        "{message}"
    );

    // Officers named on an act that is not binding, and no_officer there too.
    for acted_by in [
        Officers::NoOfficer,
        Officers::FourEyes {
            drafter: id("ru-case"),
            approver: id("ru-approver"),
        },
    ] {
        let mut s = f.w.statement(ru, Action::FourEyesRequired);
        let three = matches!(acted_by, Officers::FourEyes { .. });
        s.acted_by = Some(acted_by);
        let mut e = f.w.envelope(&s);
        if three {
            e.add_officer_signature(
                Signing::Drafter,
                party("RU"),
                &id("ru-case"),
                &key_of("ru-case"),
            );
            e.add_officer_signature(
                Signing::Approver,
                party("RU"),
                &id("ru-approver"),
                &key_of("ru-approver"),
            );
        }
        let message = check(f.w.submit(&e), "invalid");
        assert!(
            message.contains("acted_by is for binding acts only"),
            "{message}"
        );
    }

    // After all that, the genuine envelope is accepted.
    let mut good = signed_by_node;
    good.add_officer_signature(
        Signing::Drafter,
        party("RU"),
        &id("ru-case"),
        &key_of("ru-case"),
    );
    good.add_officer_signature(
        Signing::Approver,
        party("RU"),
        &id("ru-approver"),
        &key_of("ru-approver"),
    );
    f.w.submit(&good).unwrap();
}

#[test]
fn a_state_that_requires_four_eyes_refuses_node_only_binding_acts() {
    let mut f = fixture();
    let r = f.r;
    let ru = Actor::Party(party("RU"));
    // Before the requirement, the node alone may answer (the CLI's scripted form)...
    let mut w2 = f.w.clone();
    let applied = w2.act("RU", answer(r)).unwrap();
    assert_eq!(applied.statement.acted_by, Some(Officers::NoOfficer));
    // ... and the form without acted_by, as logs written before officers hold it.
    let mut legacy = f.w.statement(ru, answer(r));
    legacy.acted_by = None;
    let mut w3 = f.w.clone();
    let e = w3.envelope(&legacy);
    w3.submit(&e).unwrap();

    let applied = f.w.act("RU", Action::FourEyesRequired).unwrap();
    assert_eq!(applied.events, vec![Event::FourEyesRequired(party("RU"))]);
    assert!(f.w.reg.requires_four_eyes(&party("RU")));
    assert!(!f.w.reg.requires_four_eyes(&party("US")));
    check(f.w.act("RU", Action::FourEyesRequired), "not_allowed");

    let message = check(f.w.act("RU", answer(r)), "four_eyes");
    assert_eq!(
        message,
        "four-eyes: RU requires a drafter's and an approver's signatures on request_answered, \
         and no officer signed"
    );
    let legacy = {
        let mut s = f.w.statement(ru, answer(r));
        s.acted_by = None;
        f.w.envelope(&s)
    };
    check(f.w.submit(&legacy), "four_eyes");
    // Acts that are not binding still need only the node.
    let c = certificate(&f.w, "RU", "ru-case-2", &[Role::CaseOfficer]);
    f.w.act("RU", c).unwrap();
    ru_answers(&mut f, "ru-case-2", "ru-approver").unwrap();
}

#[test]
fn every_binding_act_of_an_exchange_takes_four_eyes() {
    let mut w = World::new(&["RU", "US"]);
    let a = w.agreement(terms(&["RU", "US"]));
    let r1 = w.file("US", "RU", a, Severity::Serious, false);
    let r2 = w.file("RU", "US", a, Severity::Serious, false);
    for state in ["RU", "US"] {
        let lower = state.to_lowercase();
        let c = certificate(&w, state, &format!("{lower}-case"), &[Role::CaseOfficer]);
        w.act(state, c).unwrap();
        let c = certificate(&w, state, &format!("{lower}-approver"), &[Role::Approver]);
        w.act(state, c).unwrap();
        w.act(state, Action::FourEyesRequired).unwrap();
    }
    let by = |w: &mut World, state: &str, action: Action| {
        let lower = state.to_lowercase();
        let (d, ap) = (format!("{lower}-case"), format!("{lower}-approver"));
        // Node-only is refused, then four eyes pass.
        check(w.act(state, action.clone()), "four_eyes");
        four_eyes(w, state, action, (&d, &d), (&ap, &ap)).unwrap()
    };
    by(&mut w, "RU", answer(r1));
    by(&mut w, "US", answer(r2));
    let x = w.propose(&[r1, r2]);
    let digest = w.reg.exchange(&x).unwrap().digest;
    for state in ["RU", "US"] {
        by(
            &mut w,
            state,
            Action::ExchangeSigned {
                exchange: x,
                proposal_sha256: digest,
            },
        );
    }
    let (giver1, giver2) = ("RU", "US");
    by(
        &mut w,
        giver1,
        Action::LegReady {
            exchange: x,
            request: r1,
        },
    );
    by(
        &mut w,
        giver2,
        Action::LegReady {
            exchange: x,
            request: r2,
        },
    );
    by(
        &mut w,
        "US",
        Action::LegVerified {
            exchange: x,
            request: r1,
        },
    );
    by(
        &mut w,
        "RU",
        Action::LegVerified {
            exchange: x,
            request: r2,
        },
    );
    w.hub(Action::Go { exchange: x }).unwrap();
    by(
        &mut w,
        giver1,
        Action::LegDelivered {
            exchange: x,
            request: r1,
        },
    );
    by(
        &mut w,
        "US",
        Action::LegReceived {
            exchange: x,
            request: r1,
        },
    );
    by(
        &mut w,
        giver2,
        Action::LegDelivered {
            exchange: x,
            request: r2,
        },
    );
    let applied = by(
        &mut w,
        "RU",
        Action::LegReceived {
            exchange: x,
            request: r2,
        },
    );
    assert!(
        applied.events.contains(&Event::ExchangeCompleted(x)),
        "{:?}",
        applied.events
    );

    // The exchange keeps who signed each act, in log order: two signatures, eight steps.
    let acts = &w.reg.exchange(&x).unwrap().acts;
    assert_eq!(acts.len(), 10);
    assert_eq!((acts[0].party, acts[0].step), (party("RU"), None));
    assert_eq!(
        (acts[9].party, acts[9].step),
        (party("RU"), Some((r2, rex_domain::LegStep::Received)))
    );
    assert_eq!(
        acts[9].acted_by,
        Officers::FourEyes {
            drafter: id("ru-case"),
            approver: id("ru-approver")
        }
    );

    // The replay of the log decides the same, from the log alone.
    let entries = w.replays_the_same();

    // A log whose last entry lost its approver's signature does not replay.
    let mut tampered = entries.clone();
    let last = tampered.last_mut().unwrap();
    let forged = SigningKey::from_bytes(&[9; 32]);
    let statement = Statement::from_bytes(&last.envelope.payload).unwrap();
    let mut e: Envelope = last.envelope.clone();
    e.signatures.pop();
    e.add_officer_signature(Signing::Approver, party("RU"), &id("ru-approver"), &forged);
    last.envelope = e;
    let err = replay(key_of("hub").verifying_key(), &tampered, |_| {
        Ok::<(), String>(())
    })
    .map(|_| ())
    .unwrap_err();
    let text = err.to_string();
    assert!(text.contains("four-eyes"), "{text}");
    assert_eq!(statement.actor, Actor::Party(party("RU")));
}

/// A message act of `state` naming its liaison officer `officer`, signed by the node and by the
/// key named `key`.
fn by_liaison(
    w: &mut World,
    state: &str,
    action: Action,
    officer: &str,
    key: &str,
) -> Result<Applied, Rejection> {
    let s = w.statement(Actor::Party(party(state)), action);
    let mut e = w.envelope(&s);
    e.add_officer_signature(Signing::Liaison, party(state), &id(officer), &key_of(key));
    w.submit(&e)
}

fn message_to(to: &[&str], officer: Option<&str>, ack_by: u64) -> Action {
    Action::MessageSent {
        conversation: rex_domain::Conversation::Free {
            name: rex_domain::ConversationName::new("liaison").unwrap(),
        },
        to: to.iter().map(|p| party(p)).collect(),
        ciphertext: rex_domain::DossierRef {
            sha256: rex_domain::Digest::of(b"ciphertext"),
            size: 100,
        },
        ack_by,
        acted_by: officer.map_or(ActedBy::NoOfficer, |o| ActedBy::Officer(id(o))),
    }
}

#[test]
fn messages_signed_by_a_liaison_officer_and_every_refusal() {
    let mut f = fixture();
    let c = certificate(&f.w, "US", "us-liaison", &[Role::Liaison]);
    f.w.act("US", c).unwrap();
    let w = &mut f.w;
    let day = w.now + DAY;

    // RU's liaison officer signs a message to the US: accepted, and the registry says who.
    let sent = by_liaison(
        w,
        "RU",
        message_to(&["US"], Some("ru-liaison"), day),
        "ru-liaison",
        "ru-liaison",
    )
    .unwrap();
    let m = rex_domain::MessageId::from_digest(&sent.digest);
    assert_eq!(
        w.reg.message(&m).unwrap().acted_by,
        ActedBy::Officer(id("ru-liaison"))
    );

    // The US acknowledges it through its own liaison officer, after delivery.
    w.act("US", Action::MessageDelivered { message: m })
        .unwrap();
    let ack = |officer: &str| Action::MessageAcknowledged {
        message: m,
        acted_by: ActedBy::Officer(id(officer)),
    };
    // Not by Russia's officer, though its signature is genuine; not by a case officer.
    let another = check(
        by_liaison(w, "US", ack("ru-liaison"), "ru-liaison", "ru-liaison"),
        "officer_signature",
    );
    assert!(
        another.contains("no such officer certified by US"),
        "{another}"
    );
    let role = check(
        by_liaison(w, "US", ack("us-case"), "us-case", "us-case"),
        "officer_signature",
    );
    assert!(role.contains("holds no liaison role"), "{role}");
    // Nor with another key than the certified one.
    let forged = check(
        by_liaison(w, "US", ack("us-liaison"), "us-liaison", "us-case"),
        "officer_signature",
    );
    assert!(forged.contains("does not verify"), "{forged}");
    by_liaison(w, "US", ack("us-liaison"), "us-liaison", "us-liaison").unwrap();
    let e = &w.reg.message(&m).unwrap().recipients[&party("US")];
    assert_eq!(e.answered_by, Some(id("us-liaison")));

    // Recipients are inside the signed bytes: the officer's signature of a message to the US
    // does not carry over to the same message addressed to the US and Germany.
    let s = w.statement(
        Actor::Party(party("RU")),
        message_to(&["US"], Some("ru-liaison"), day),
    );
    let signed = {
        let mut e = w.envelope(&s);
        e.add_officer_signature(
            Signing::Liaison,
            party("RU"),
            &id("ru-liaison"),
            &key_of("ru-liaison"),
        );
        e
    };
    let widened = Statement {
        action: message_to(&["DE", "US"], Some("ru-liaison"), day),
        ..s
    };
    let mut moved = w.envelope(&widened);
    moved.signatures.push(signed.signatures[1].clone());
    let text = check(w.submit(&moved), "officer_signature");
    assert!(text.contains("liaison ru-liaison of RU"), "{text}");

    // A statement naming an officer carries exactly two signatures; one naming none, one.
    let bare = w.envelope(&w.statement(
        Actor::Party(party("RU")),
        message_to(&["US"], Some("ru-liaison"), day),
    ));
    check(w.submit(&bare), "bad_envelope");
    let mut extra =
        w.envelope(&w.statement(Actor::Party(party("RU")), message_to(&["US"], None, day)));
    extra.add_officer_signature(
        Signing::Liaison,
        party("RU"),
        &id("ru-liaison"),
        &key_of("ru-liaison"),
    );
    check(w.submit(&extra), "bad_envelope");

    // Revoked, the officer signs no more.
    w.act(
        "RU",
        Action::OfficerRevoked {
            officer: id("ru-liaison"),
        },
    )
    .unwrap();
    let revoked = check(
        by_liaison(
            w,
            "RU",
            message_to(&["US"], Some("ru-liaison"), day),
            "ru-liaison",
            "ru-liaison",
        ),
        "officer_signature",
    );
    assert!(revoked.contains("revoked"), "{revoked}");
    // The node alone still may, and says so.
    w.act("RU", message_to(&["US"], None, day)).unwrap();

    // A replay of the log decides the same.
    w.replays_the_same();
}
