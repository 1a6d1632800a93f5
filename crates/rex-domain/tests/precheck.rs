//! Replaying a log with its parsing and signatures checked ahead, in batches, on every core
//! (`precheck_all` + `Registry::apply_prechecked`) gives exactly what `Registry::apply` gives,
//! refusals included.

use crate::world;

use rex_domain::{precheck_all, Action, AgreementTerms, Registry, PRECHECK_BATCH};
use world::{terms, World};

/// A log of a few hundred statements: registrations, then agreement proposals by turns.
fn long_log() -> World {
    let mut w = World::new(&["CN", "DE", "RU", "US"]);
    for i in 0..3 * PRECHECK_BATCH + 7 {
        let (me, other) = [("US", "RU"), ("RU", "CN"), ("DE", "US"), ("CN", "DE")][i % 4];
        w.act(
            me,
            Action::AgreementProposed {
                terms: AgreementTerms::new(terms(&[me, other])).unwrap(),
            },
        )
        .unwrap();
    }
    w
}

/// Replays `log` the fast way: every entry's outcome (`Ok` or the rejection code), and the
/// registry at the end.
fn replay_prechecked(w: &World, log: &[(rex_domain::Envelope, u64)]) -> (Vec<String>, Registry) {
    let mut registry = Registry::new(w.hub.verifying_key());
    let checked = precheck_all(&registry, log.iter().map(|(e, _)| e.clone()).collect());
    let outcomes = checked
        .into_iter()
        .zip(log)
        .map(
            |(c, (_, at))| match c.and_then(|c| registry.apply_prechecked(c, *at)) {
                Ok(_) => "ok".to_owned(),
                Err(r) => r.code().to_owned(),
            },
        )
        .collect();
    (outcomes, registry)
}

/// The same, one `apply` at a time.
fn replay_plain(w: &World, log: &[(rex_domain::Envelope, u64)]) -> (Vec<String>, Registry) {
    let mut registry = Registry::new(w.hub.verifying_key());
    let outcomes = log
        .iter()
        .map(|(e, at)| match registry.apply(e, *at) {
            Ok(_) => "ok".to_owned(),
            Err(r) => r.code().to_owned(),
        })
        .collect();
    (outcomes, registry)
}

#[test]
fn a_clean_log_replays_the_same() {
    let w = long_log();
    let (outcomes, registry) = replay_prechecked(&w, &w.log);
    assert!(outcomes.iter().all(|o| o == "ok"), "{outcomes:?}");
    assert_eq!(registry, w.reg);
}

#[test]
fn a_bad_signature_in_a_batch_is_refused_and_its_neighbours_are_not() {
    let w = long_log();
    let mut log = w.log.clone();
    // Entry 70 is in the second batch: flip a bit of its signature. Entry 71 is signed by RU
    // with US's key: a valid signature, under the wrong key.
    log[70].0.signatures[0].sig[5] ^= 1;
    let us = w.log[71].0.clone();
    let statement = rex_domain::Statement::from_bytes(&us.payload).unwrap();
    assert_ne!(statement.actor.to_string(), "US");
    log[71].0 = rex_domain::Envelope::sign_statement(&statement, &world::key_of("US"));
    log[71].0.signatures[0].keyid.clear();

    let fast = replay_prechecked(&w, &log);
    let plain = replay_plain(&w, &log);
    assert_eq!(fast.0[70], "bad_signature");
    assert_eq!(fast.0[71], "bad_signature");
    // The actor's next statements are then a sequence gap; everything else is accepted.
    assert_eq!(fast.0[69], "ok");
    assert_eq!(fast.0[72], "ok");
    assert_eq!(fast, plain);
}

/// Officers' signatures are checked ahead too, under the keys the certificates in the log
/// give: an act naming an officer whose certificate was refused (its key guessed ahead all
/// the same), a forged approval, and valid acts come out as `apply` says, one at a time.
#[test]
fn officers_signatures_checked_ahead_give_the_same_outcomes() {
    use rex_domain::{Answer, OfficerId, OfficerKey, Role, Severity, Signing};
    let mut w = World::new(&["RU", "US"]);
    let a = w.agreement(terms(&["RU", "US"]));
    let requests: Vec<_> = (0..3)
        .map(|_| w.file("US", "RU", a, Severity::Serious, false))
        .collect();
    let id = |s: &str| OfficerId::new(s).unwrap();
    let certify = |name: &str, roles: Vec<Role>, now: u64| Action::OfficerCertified {
        party: world::party("RU"),
        officer: id(name),
        roles,
        key: OfficerKey(world::key_of(name).verifying_key()),
        not_before: now,
        not_after: now + 86_400,
    };
    let now = w.now;
    w.act("RU", certify("ru-case", vec![Role::CaseOfficer], now))
        .unwrap();
    w.act("RU", certify("ru-approver", vec![Role::Approver], now))
        .unwrap();
    // Refused (an admin holds no other role), so ru-boss is no officer.
    let refused = w.statement(
        rex_domain::Actor::Party(world::party("RU")),
        certify("ru-boss", vec![Role::Approver, Role::Admin], now),
    );
    let refused = w.envelope(&refused);
    assert!(w.submit(&refused).is_err());
    let mut log = w.log.clone();
    log.push((refused, now));
    // Refused statements use no sequence number, so the refused ones share the next one.
    let seq = w.reg.next_seq(world::party("RU").into()).unwrap();
    let acts = [
        (requests[0], "ru-approver", seq, "ru-approver"),
        (requests[1], "ru-boss", seq + 1, "ru-boss"),
        (requests[1], "ru-approver", seq + 1, "ru-forger"),
        (requests[2], "ru-approver", seq + 1, "ru-approver"),
    ];
    for (request, approver, seq, approver_key) in acts {
        let s = rex_domain::Statement::new(
            world::party("RU"),
            seq,
            now,
            Action::RequestAnswered {
                request,
                answer: Answer::Surrender,
            },
        )
        .with_officers(id("ru-case"), id(approver));
        let mut e = w.envelope(&s);
        e.add_officer_signature(
            Signing::Drafter,
            world::party("RU"),
            &id("ru-case"),
            &world::key_of("ru-case"),
        );
        e.add_officer_signature(
            Signing::Approver,
            world::party("RU"),
            &id(approver),
            &world::key_of(approver_key),
        );
        log.push((e, now));
    }
    let fast = replay_prechecked(&w, &log);
    let plain = replay_plain(&w, &log);
    let n = log.len();
    assert_eq!(
        fast.0[n - 5..],
        ["invalid", "ok", "four_eyes", "four_eyes", "ok"].map(String::from),
        "{:?}",
        fast.0
    );
    assert_eq!(fast, plain);
}
