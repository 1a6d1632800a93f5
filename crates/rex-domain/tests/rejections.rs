//! Every way a statement is refused, and that a refusal changes nothing.

use crate::world;

use ed25519_dalek::SigningKey;
use rex_domain::{
    Action, Actor, AgreementTerms, Answer, Envelope, ExchangeId, ExchangeProposal, Milestone,
    RequestId, Severity, Statement, WitnessPolicy,
};
use world::{check, key_of, party, terms, World, DAY};

/// A US–RU world with an agreement in force, two answered requests (r1: US asks RU, surrender;
/// r2: RU asks US for a US national, prosecution at home) and their exchange proposed, plus CN
/// registered and a member of the agreement but not of the exchange.
struct Fixture {
    w: World,
    r1: RequestId,
    r2: RequestId,
    x: ExchangeId,
}

fn proposed() -> Fixture {
    let mut w = World::new(&["CN", "RU", "US"]);
    let a = w.agreement(terms(&["CN", "RU", "US"]));
    let r1 = w.file("US", "RU", a, Severity::Serious, false);
    let r2 = w.file("RU", "US", a, Severity::Grave, true);
    w.answer(r1, Answer::Surrender);
    w.answer(r2, Answer::ProsecutionAtHome);
    let x = w.propose(&[r1, r2]);
    Fixture { w, r1, r2, x }
}

fn binding() -> Fixture {
    let mut f = proposed();
    f.w.sign_exchange(f.x);
    f
}

/// One case: a fixture, what is done to it, the expected code and a fragment of the message.
type Case = (
    &'static str,
    fn() -> Fixture,
    fn(&mut Fixture) -> Result<(), rex_domain::Rejection>,
    &'static str,
    &'static str,
);

fn act(f: &mut Fixture, actor: &str, action: Action) -> Result<(), rex_domain::Rejection> {
    f.w.act(actor, action).map(|_| ())
}

/// Signs `statement` with `key` and submits it.
fn signed_by(
    f: &mut Fixture,
    statement: Statement,
    key: &SigningKey,
) -> Result<(), rex_domain::Rejection> {
    let e = Envelope::sign_statement(&statement, key);
    f.w.submit(&e).map(|_| ())
}

fn ru(f: &Fixture, action: Action) -> Statement {
    f.w.statement(Actor::Party(party("RU")), action)
}

/// A threshold witness policy.
fn threshold(witnesses: &[&str], threshold: u32) -> Action {
    Action::WitnessPolicySet {
        policy: WitnessPolicy::Threshold {
            witnesses: witnesses.iter().map(|w| party(w)).collect(),
            threshold,
        },
    }
}

fn cases() -> Vec<Case> {
    vec![
        (
            "a witness policy naming the state itself",
            proposed,
            |f| act(f, "US", threshold(&["RU", "US"], 1)),
            "invalid",
            "US cannot witness its own checkpoints",
        ),
        (
            "a witness policy asking for no cosignature",
            proposed,
            |f| act(f, "US", threshold(&["CN", "RU"], 0)),
            "invalid",
            "threshold 0 is not between 1 and the 2 witnesses listed",
        ),
        (
            "a witness policy asking for more cosignatures than it lists",
            proposed,
            |f| act(f, "US", threshold(&["CN", "RU"], 3)),
            "invalid",
            "threshold 3 is not between 1 and the 2 witnesses listed",
        ),
        (
            "a witness policy listing a witness twice",
            proposed,
            |f| act(f, "US", threshold(&["RU", "RU"], 1)),
            "invalid",
            "sorted, without duplicates",
        ),
        (
            "a witness policy listing no witness",
            proposed,
            |f| act(f, "US", threshold(&[], 1)),
            "invalid",
            "lists 1 to 64 witnesses, not 0",
        ),
        (
            "a witness policy naming an unregistered state",
            proposed,
            |f| act(f, "US", threshold(&["DE"], 1)),
            "unknown_party",
            "DE",
        ),
        (
            "a party signing for another",
            binding,
            |f| {
                let s = ru(
                    f,
                    Action::LegReady {
                        exchange: f.x,
                        request: f.r1,
                    },
                );
                signed_by(f, s, &key_of("US"))
            },
            "wrong_key",
            "is not the key registered to RU",
        ),
        (
            "another key behind the victim's key id",
            binding,
            |f| {
                let s = ru(
                    f,
                    Action::LegReady {
                        exchange: f.x,
                        request: f.r1,
                    },
                );
                let mut e = Envelope::sign_statement(&s, &key_of("US"));
                e.signatures[0].keyid =
                    f.w.reg
                        .party(&party("RU"))
                        .unwrap()
                        .keys
                        .keyid()
                        .to_string();
                f.w.submit(&e).map(|_| ())
            },
            "bad_signature",
            "RU",
        ),
        (
            "a flipped signature bit",
            binding,
            |f| {
                let s = ru(
                    f,
                    Action::LegReady {
                        exchange: f.x,
                        request: f.r1,
                    },
                );
                let mut e = f.w.envelope(&s);
                e.signatures[0].sig[10] ^= 1;
                f.w.submit(&e).map(|_| ())
            },
            "bad_signature",
            "",
        ),
        (
            "a payload edited after signing",
            binding,
            |f| {
                let s = ru(
                    f,
                    Action::LegReady {
                        exchange: f.x,
                        request: f.r1,
                    },
                );
                let mut e = f.w.envelope(&s);
                let text = String::from_utf8(e.payload.clone()).unwrap();
                e.payload = text.replace("leg_ready", "leg_delivered").into_bytes();
                f.w.submit(&e).map(|_| ())
            },
            "bad_signature",
            "",
        ),
        (
            "no signature",
            binding,
            |f| {
                let s = ru(
                    f,
                    Action::LegReady {
                        exchange: f.x,
                        request: f.r1,
                    },
                );
                let mut e = f.w.envelope(&s);
                e.signatures.clear();
                f.w.submit(&e).map(|_| ())
            },
            "bad_envelope",
            "0 signatures",
        ),
        (
            "another payload type",
            binding,
            |f| {
                let s = ru(
                    f,
                    Action::LegReady {
                        exchange: f.x,
                        request: f.r1,
                    },
                );
                let e = Envelope::sign("application/json", s.to_bytes(), &key_of("RU"));
                f.w.submit(&e).map(|_| ())
            },
            "bad_envelope",
            "payload type",
        ),
        (
            "a payload that is not a statement",
            binding,
            |f| {
                let e = Envelope::sign(
                    rex_domain::STATEMENT_PAYLOAD_TYPE,
                    br#"{"actor":"RU"}"#.to_vec(),
                    &key_of("RU"),
                );
                f.w.submit(&e).map(|_| ())
            },
            "bad_statement",
            "missing field",
        ),
        (
            "an unregistered state",
            binding,
            |f| {
                let s = Statement::new(
                    party("FR"),
                    1,
                    f.w.now,
                    Action::LegReady {
                        exchange: f.x,
                        request: f.r1,
                    },
                );
                signed_by(f, s, &key_of("FR"))
            },
            "unknown_party",
            "FR",
        ),
        (
            "a replayed statement",
            binding,
            |f| {
                let (old, _) = f.w.log.last().unwrap().clone();
                f.w.submit(&old).map(|_| ())
            },
            "replay",
            "was already used",
        ),
        (
            "a seq skipping ahead",
            binding,
            |f| {
                let mut s = ru(
                    f,
                    Action::LegReady {
                        exchange: f.x,
                        request: f.r1,
                    },
                );
                s.seq += 1;
                let e = f.w.envelope(&s);
                f.w.submit(&e).map(|_| ())
            },
            "seq_gap",
            "skips ahead",
        ),
        (
            "a statement from the future",
            binding,
            |f| {
                let mut s = ru(
                    f,
                    Action::LegReady {
                        exchange: f.x,
                        request: f.r1,
                    },
                );
                s.time += 3600;
                let e = f.w.envelope(&s);
                f.w.submit(&e).map(|_| ())
            },
            "time_skew",
            "ahead of the hub clock",
        ),
        (
            "a statement dated 0",
            binding,
            |f| {
                let mut s = ru(
                    f,
                    Action::LegReady {
                        exchange: f.x,
                        request: f.r1,
                    },
                );
                s.time = 0;
                let e = f.w.envelope(&s);
                f.w.submit(&e).map(|_| ())
            },
            "time_skew",
            "behind the hub clock",
        ),
        (
            "a statement dated more than a day back",
            binding,
            |f| {
                let mut s = ru(
                    f,
                    Action::LegReady {
                        exchange: f.x,
                        request: f.r1,
                    },
                );
                s.time -= DAY + 1;
                let e = f.w.envelope(&s);
                f.w.submit(&e).map(|_| ())
            },
            "time_skew",
            "behind the hub clock",
        ),
        (
            "a state declaring go",
            binding,
            |f| act(f, "RU", Action::Go { exchange: f.x }),
            "not_allowed",
            "only the hub",
        ),
        (
            "the hub acting for a state",
            binding,
            |f| {
                act(
                    f,
                    "hub",
                    Action::LegReady {
                        exchange: f.x,
                        request: f.r1,
                    },
                )
            },
            "not_allowed",
            "the hub does not",
        ),
        (
            "an answer by the requester",
            proposed,
            |f| {
                let a = f.w.reg.agreements().next().unwrap().id;
                let r = f.w.file("US", "RU", a, Severity::Serious, false);
                act(
                    f,
                    "US",
                    Action::RequestAnswered {
                        request: r,
                        answer: Answer::Surrender,
                    },
                )
            },
            "not_allowed",
            "only the custodian RU answers",
        ),
        (
            "an answer by a third state",
            proposed,
            |f| {
                let a = f.w.reg.agreements().next().unwrap().id;
                let r = f.w.file("US", "RU", a, Severity::Serious, false);
                act(
                    f,
                    "CN",
                    Action::RequestAnswered {
                        request: r,
                        answer: Answer::Surrender,
                    },
                )
            },
            "not_allowed",
            "only the custodian RU answers",
        ),
        (
            "a second answer",
            proposed,
            |f| {
                act(
                    f,
                    "RU",
                    Action::RequestAnswered {
                        request: f.r1,
                        answer: Answer::Surrender,
                    },
                )
            },
            "not_allowed",
            "not awaiting an answer",
        ),
        (
            "surrender of an own national",
            proposed,
            |f| {
                let a = f.w.reg.agreements().next().unwrap().id;
                let r = f.w.file("RU", "US", a, Severity::Serious, true);
                act(
                    f,
                    "US",
                    Action::RequestAnswered {
                        request: r,
                        answer: Answer::Surrender,
                    },
                )
            },
            "not_allowed",
            "own-national bar",
        ),
        (
            "signing an exchange one is not part of",
            proposed,
            |f| {
                let d = f.w.reg.exchange(&f.x).unwrap().digest;
                act(
                    f,
                    "CN",
                    Action::ExchangeSigned {
                        exchange: f.x,
                        proposal_sha256: d,
                    },
                )
            },
            "not_member",
            "CN is not a member of exchange",
        ),
        (
            "acting on a leg of an exchange one is not part of",
            binding,
            |f| {
                act(
                    f,
                    "CN",
                    Action::LegReady {
                        exchange: f.x,
                        request: f.r1,
                    },
                )
            },
            "not_member",
            "CN is not a member",
        ),
        (
            "signing different proposal bytes",
            proposed,
            |f| {
                let mut p = f.w.reg.exchange(&f.x).unwrap().proposal.clone();
                p.deadline += 1;
                act(
                    f,
                    "US",
                    Action::ExchangeSigned {
                        exchange: f.x,
                        proposal_sha256: p.digest(),
                    },
                )
            },
            "digest_mismatch",
            "differs from the digest",
        ),
        (
            "signing an exchange twice",
            proposed,
            |f| {
                let d = f.w.reg.exchange(&f.x).unwrap().digest;
                act(
                    f,
                    "US",
                    Action::ExchangeSigned {
                        exchange: f.x,
                        proposal_sha256: d,
                    },
                )?;
                act(
                    f,
                    "US",
                    Action::ExchangeSigned {
                        exchange: f.x,
                        proposal_sha256: d,
                    },
                )
            },
            "not_allowed",
            "already signed",
        ),
        (
            "a leg step before the exchange is binding",
            proposed,
            |f| {
                act(
                    f,
                    "RU",
                    Action::LegReady {
                        exchange: f.x,
                        request: f.r1,
                    },
                )
            },
            "not_allowed",
            "not binding",
        ),
        (
            "go before any leg is ready",
            binding,
            |f| act(f, "hub", Action::Go { exchange: f.x }),
            "not_allowed",
            "go before every leg is ready and verified",
        ),
        (
            "go with a surrender leg ready but not verified",
            binding,
            |f| {
                act(
                    f,
                    "RU",
                    Action::LegReady {
                        exchange: f.x,
                        request: f.r1,
                    },
                )?;
                act(
                    f,
                    "US",
                    Action::MilestoneRecorded {
                        exchange: f.x,
                        request: f.r2,
                        milestone: Milestone::Opened,
                    },
                )?;
                act(f, "hub", Action::Go { exchange: f.x })
            },
            "not_allowed",
            "is ready",
        ),
        (
            "go with the prosecution not opened",
            binding,
            |f| {
                act(
                    f,
                    "RU",
                    Action::LegReady {
                        exchange: f.x,
                        request: f.r1,
                    },
                )?;
                act(
                    f,
                    "US",
                    Action::LegVerified {
                        exchange: f.x,
                        request: f.r1,
                    },
                )?;
                act(f, "hub", Action::Go { exchange: f.x })
            },
            "not_allowed",
            "is pending",
        ),
        (
            "delivery before go",
            binding,
            |f| {
                act(
                    f,
                    "RU",
                    Action::LegReady {
                        exchange: f.x,
                        request: f.r1,
                    },
                )?;
                act(
                    f,
                    "US",
                    Action::LegVerified {
                        exchange: f.x,
                        request: f.r1,
                    },
                )?;
                act(
                    f,
                    "RU",
                    Action::LegDelivered {
                        exchange: f.x,
                        request: f.r1,
                    },
                )
            },
            "not_allowed",
            "delivery before the hub declared go",
        ),
        (
            "the giver verifying its own subject",
            binding,
            |f| {
                act(
                    f,
                    "RU",
                    Action::LegReady {
                        exchange: f.x,
                        request: f.r1,
                    },
                )?;
                act(
                    f,
                    "RU",
                    Action::LegVerified {
                        exchange: f.x,
                        request: f.r1,
                    },
                )
            },
            "not_allowed",
            "only the receiver US",
        ),
        (
            "verification before ready",
            binding,
            |f| {
                act(
                    f,
                    "US",
                    Action::LegVerified {
                        exchange: f.x,
                        request: f.r1,
                    },
                )
            },
            "not_allowed",
            "at stage pending",
        ),
        (
            "a milestone out of order",
            binding,
            |f| {
                act(
                    f,
                    "US",
                    Action::MilestoneRecorded {
                        exchange: f.x,
                        request: f.r2,
                        milestone: Milestone::Charged,
                    },
                )
            },
            "not_allowed",
            "milestone charged is not allowed",
        ),
        (
            "a verdict straight after opening",
            binding,
            |f| {
                act(
                    f,
                    "US",
                    Action::MilestoneRecorded {
                        exchange: f.x,
                        request: f.r2,
                        milestone: Milestone::Opened,
                    },
                )?;
                act(
                    f,
                    "US",
                    Action::MilestoneRecorded {
                        exchange: f.x,
                        request: f.r2,
                        milestone: Milestone::Verdict,
                    },
                )
            },
            "not_allowed",
            "milestone verdict",
        ),
        (
            "a milestone on a surrender leg",
            binding,
            |f| {
                act(
                    f,
                    "RU",
                    Action::MilestoneRecorded {
                        exchange: f.x,
                        request: f.r1,
                        milestone: Milestone::Opened,
                    },
                )
            },
            "not_allowed",
            "surrender leg",
        ),
        (
            "a leg that is not in the exchange",
            binding,
            |f| {
                let a = f.w.reg.agreements().next().unwrap().id;
                let r = f.w.file("US", "RU", a, Severity::Serious, false);
                act(
                    f,
                    "RU",
                    Action::LegReady {
                        exchange: f.x,
                        request: r,
                    },
                )
            },
            "not_found",
            "no leg",
        ),
        (
            "a filing in another state's name",
            proposed,
            |f| {
                let a = f.w.reg.agreements().next().unwrap().id;
                let metadata = f.w.metadata("US", "RU", a, Severity::Serious, false);
                act(
                    f,
                    "CN",
                    Action::RequestFiled {
                        metadata,
                        dossier: World::dossier("x"),
                    },
                )
            },
            "not_allowed",
            "cannot file a request as requester US",
        ),
        (
            "a proposal by a non-member",
            proposed,
            |f| {
                let t = AgreementTerms::new(terms(&["RU", "US"])).unwrap();
                act(f, "CN", Action::AgreementProposed { terms: t })
            },
            "not_member",
            "CN is not a member",
        ),
        (
            "a signing deadline more than a year away",
            proposed,
            |f| {
                let mut t = terms(&["RU", "US"]);
                t.signing_deadline = f.w.now + 367 * DAY;
                let t = AgreementTerms::new(t).unwrap();
                act(f, "US", Action::AgreementProposed { terms: t })
            },
            "invalid",
            "signing deadline",
        ),
        (
            "a signing deadline of 2^64 - 1",
            proposed,
            |f| {
                let mut t = terms(&["RU", "US"]);
                t.signing_deadline = u64::MAX;
                let t = AgreementTerms::new(t).unwrap();
                act(f, "US", Action::AgreementProposed { terms: t })
            },
            "invalid",
            "at most 366 days after",
        ),
        (
            "signing an agreement twice",
            proposed,
            |f| {
                let a = f.w.reg.agreements().next().unwrap().id;
                act(f, "RU", Action::AgreementSigned { agreement: a })
            },
            "not_allowed",
            "already signed agreement",
        ),
        (
            "signing an agreement after its deadline",
            proposed,
            |f| {
                let t = AgreementTerms::new(terms(&["RU", "US"])).unwrap();
                let d =
                    f.w.act("US", Action::AgreementProposed { terms: t })
                        .unwrap()
                        .digest;
                f.w.now += 31 * DAY;
                act(
                    f,
                    "RU",
                    Action::AgreementSigned {
                        agreement: rex_domain::AgreementId::from_digest(&d),
                    },
                )
            },
            "deadline_passed",
            "has passed",
        ),
        (
            "a proposal the hub altered",
            binding,
            |f| {
                let a = f.w.reg.agreements().next().unwrap().id;
                let r3 = f.w.file("US", "RU", a, Severity::Serious, false);
                let r4 = f.w.file("RU", "US", a, Severity::Serious, false);
                f.w.answer(r3, Answer::Surrender);
                f.w.answer(r4, Answer::Surrender);
                let p = ExchangeProposal::for_cycle(&f.w.reg, &[r3, r4], f.w.now).unwrap();
                let altered = ExchangeProposal::new(
                    p.agreement,
                    p.cycle.clone(),
                    p.legs.clone(),
                    p.deadline + DAY,
                );
                act(
                    f,
                    "hub",
                    Action::MatchingRound {
                        proposals: vec![altered],
                    },
                )
            },
            "bad_statement",
            "not the canonical proposal",
        ),
        (
            "a proposal reusing requests already in an exchange",
            binding,
            |f| {
                let x = f.w.reg.exchange(&f.x).unwrap().proposal.clone();
                act(f, "hub", Action::MatchingRound { proposals: vec![x] })
            },
            "not_allowed",
            "is not in the pool",
        ),
        (
            "registering a state twice",
            proposed,
            |f| {
                let keys = f.w.reg.party(&party("RU")).unwrap().keys.clone();
                act(f, "hub", Action::PartyRegistered { keys })
            },
            "conflict",
            "party RU already exists",
        ),
    ]
}

#[test]
fn every_rejection() {
    for (what, fixture, attempt, code, fragment) in cases() {
        let mut f = fixture();
        f.w.before_last_submit = None;
        let result = attempt(&mut f);
        let err = match result {
            Err(e) => e,
            Ok(()) => panic!("{what}: accepted, expected {code}"),
        };
        assert_eq!(err.code(), code, "{what}: {err}");
        let msg = f.w.alias(&err.to_string());
        assert!(msg.contains(fragment), "{what}: {msg:?} lacks {fragment:?}");
        // Lowercase, except where a message opens with a party code.
        let first = msg.split(' ').next().unwrap_or("");
        let is_party = first.len() == 2 && first.bytes().all(|b| b.is_ascii_uppercase());
        assert!(
            is_party || !msg.starts_with(char::is_uppercase),
            "{what}: {msg:?}"
        );
        // The refused statement (the attempt's last, after any it needed first) left the
        // registry as it found it.
        let before =
            f.w.before_last_submit
                .take()
                .unwrap_or_else(|| panic!("{what}: refused without submitting anything"));
        assert_eq!(f.w.reg, before, "{what}: a refusal changed the registry");
    }
}

#[test]
fn a_refusal_does_not_consume_the_seq() {
    let mut f = binding();
    let seq = f.w.reg.next_seq(Actor::Party(party("US"))).unwrap();
    check(
        f.w.act(
            "US",
            Action::LegVerified {
                exchange: f.x,
                request: f.r1,
            },
        ),
        "not_allowed",
    );
    assert_eq!(f.w.reg.next_seq(Actor::Party(party("US"))), Some(seq));
    f.w.act(
        "RU",
        Action::LegReady {
            exchange: f.x,
            request: f.r1,
        },
    )
    .unwrap();
    f.w.act(
        "US",
        Action::LegVerified {
            exchange: f.x,
            request: f.r1,
        },
    )
    .unwrap();
    assert_eq!(f.w.reg.next_seq(Actor::Party(party("US"))), Some(seq + 1));
}
