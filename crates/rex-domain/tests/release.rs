//! Release instruments: where an agreement requires them, the hub declares go only when the
//! giver of every surrender leg has recorded the domestic instrument that allows the release.

use crate::world;

use rex_domain::{
    Action, Answer, Digest, InstrumentKind, Milestone, ReleaseInstrument, Severity, TermsDraft,
};
use world::{check, terms, World};

fn instrument(authority: &str) -> ReleaseInstrument {
    ReleaseInstrument {
        kind: InstrumentKind::DeportationOrder,
        authority: authority.into(),
        document_sha256: Digest::of(b"order no. 17"),
    }
}

#[test]
fn go_waits_for_the_release_instrument_of_every_surrender_leg() {
    let mut w = World::new(&["RU", "US"]);
    let a = w.agreement(TermsDraft {
        release_instrument_required: true,
        ..terms(&["RU", "US"])
    });
    let r1 = w.file("US", "RU", a, Severity::Serious, false);
    let r2 = w.file("RU", "US", a, Severity::Serious, false);
    w.answer(r1, Answer::Surrender);
    w.answer(r2, Answer::ProsecutionAtHome);
    let x = w.propose(&[r1, r2]);
    let release = |request, authority: &str| Action::ReleaseRecorded {
        exchange: x,
        request,
        instrument: instrument(authority),
    };
    // Not before the exchange is binding.
    check(w.act("RU", release(r1, "Moscow City Court")), "not_allowed");
    w.sign_exchange(x);
    w.act(
        "US",
        Action::MilestoneRecorded {
            exchange: x,
            request: r2,
            milestone: Milestone::Opened,
        },
    )
    .unwrap();
    w.act(
        "RU",
        Action::LegReady {
            exchange: x,
            request: r1,
        },
    )
    .unwrap();
    w.act(
        "US",
        Action::LegVerified {
            exchange: x,
            request: r1,
        },
    )
    .unwrap();
    // Every leg is ready, but the surrender has no instrument: go is not due, and refused.
    assert!(w.reg.go_due().is_empty());
    let msg = check(w.hub(Action::Go { exchange: x }), "not_allowed");
    assert!(
        msg.contains(&format!("the leg of request {r1} has none")),
        "{msg}"
    );

    // Only the giver records it, only on a surrender, with a real authority, once.
    let msg = check(w.act("US", release(r1, "a court")), "not_allowed");
    assert!(msg.contains("only the giver RU"), "{msg}");
    let msg = check(w.act("US", release(r2, "a court")), "not_allowed");
    assert!(msg.contains("prosecution at home"), "{msg}");
    check(w.act("RU", release(r1, " ")), "invalid");
    check(w.act("RU", release(r1, "court\u{7}")), "invalid");
    check(w.act("RU", release(r1, &"x".repeat(201))), "invalid");
    assert_eq!(
        w.story("RU", release(r1, "Moscow City Court")),
        "ReleaseRecorded { exchange: x1, request: r1 }"
    );
    let msg = check(w.act("RU", release(r1, "Moscow City Court")), "not_allowed");
    assert!(msg.contains("already recorded"), "{msg}");
    assert_eq!(
        w.reg.exchange(&x).unwrap().instruments[&r1],
        instrument("Moscow City Court")
    );
    assert_eq!(w.reg.go_due(), vec![x]);
    w.hub(Action::Go { exchange: x }).unwrap();
    w.replays_the_same();
}

#[test]
fn without_the_requirement_go_does_not_wait_and_a_release_is_still_recorded() {
    let mut w = World::new(&["RU", "US"]);
    let a = w.agreement(terms(&["RU", "US"]));
    let (r1, r2, x) = w.binding_pair(a, Answer::Surrender, Answer::Surrender);
    w.act(
        "US",
        Action::ReleaseRecorded {
            exchange: x,
            request: r2,
            instrument: instrument("Department of Justice"),
        },
    )
    .unwrap();
    w.ready_and_verified(x, r1);
    w.ready_and_verified(x, r2);
    assert_eq!(w.reg.go_due(), vec![x]);
    w.hub(Action::Go { exchange: x }).unwrap();
    // After go, a release comes too late.
    let msg = check(
        w.act(
            "RU",
            Action::ReleaseRecorded {
                exchange: x,
                request: r1,
                instrument: instrument("Moscow City Court"),
            },
        ),
        "not_allowed",
    );
    assert!(msg.contains("already declared"), "{msg}");
}
