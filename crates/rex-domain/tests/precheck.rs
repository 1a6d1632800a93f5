//! Replaying a log with its parsing and signatures checked ahead, in batches, on every core
//! (`precheck_all` + `Registry::apply_prechecked`) gives exactly what `Registry::apply` gives,
//! refusals included.

mod world;

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
