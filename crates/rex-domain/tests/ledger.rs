//! The reciprocity ledger, derived from the log: a leg counts for its giver once complete.

use crate::world;

use rex_domain::{Action, Answer, Tally, TermsDraft};
use world::{party, terms, World, T0};

#[test]
fn a_leg_counts_for_its_giver_once_complete() {
    let mut w = World::new(&["RU", "US"]);
    let a = w.agreement(terms(&["RU", "US"]));
    let other = w.agreement(TermsDraft {
        signing_deadline: T0 + 31 * 86_400,
        ..terms(&["RU", "US"])
    });
    let (r1, r2, x) = w.binding_pair(a, Answer::Surrender, Answer::ProsecutionAtHome);
    assert!(w.reg.ledger(&a).given.is_empty());
    w.act(
        "US",
        Action::MilestoneRecorded {
            exchange: x,
            request: r2,
            milestone: rex_domain::Milestone::Opened,
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
    w.hub(Action::Go { exchange: x }).unwrap();
    w.act(
        "RU",
        Action::LegDelivered {
            exchange: x,
            request: r1,
        },
    )
    .unwrap();
    // Delivered is not yet given: the receiver has not confirmed receipt.
    assert!(w.reg.ledger(&a).given.is_empty());
    w.act(
        "US",
        Action::LegReceived {
            exchange: x,
            request: r1,
        },
    )
    .unwrap();
    let l = w.reg.ledger(&a);
    assert_eq!(
        l.tally(party("RU"), party("US")),
        Tally {
            surrendered: 1,
            prosecuted: 0
        }
    );
    assert_eq!((l.balance(party("RU")), l.balance(party("US"))), (1, -1));
    // The US prosecutes at home to a verdict: the balance evens.
    for m in [
        rex_domain::Milestone::Charged,
        rex_domain::Milestone::Verdict,
    ] {
        w.act(
            "US",
            Action::MilestoneRecorded {
                exchange: x,
                request: r2,
                milestone: m,
            },
        )
        .unwrap();
    }
    let l = w.reg.ledger(&a);
    assert_eq!(l.tally(party("US"), party("RU")).prosecuted, 1);
    assert_eq!((l.balance(party("RU")), l.balance(party("US"))), (0, 0));
    assert!(w.reg.ledger(&other).given.is_empty(), "per agreement");
    w.replays_the_same();
}
