//! The rule of speciality and the bar on onward transfer: once the subject of a surrender is
//! delivered, the receiver prosecutes it only for what it was surrendered for, and transfers
//! it to no third state, unless the giver consents in the log.

use crate::world;

use rex_domain::{Action, Answer, Consent, Offence};
use world::{check, terms, World};

#[test]
fn the_receiver_acts_only_within_the_surrender_and_the_givers_consents() {
    let mut w = World::new(&["DE", "RU", "US"]);
    let a = w.agreement(terms(&["RU", "US"]));
    let (r1, r2, x) = w.binding_pair(a, Answer::Surrender, Answer::Surrender);
    w.ready_and_verified(x, r1);
    w.ready_and_verified(x, r2);
    let prosecute = |request, offences: &[Offence]| Action::ProsecutionExtended {
        exchange: x,
        request,
        offences: offences.to_vec(),
    };
    let consent = |request, consent| Action::ConsentGiven {
        exchange: x,
        request,
        consent,
    };
    let transfer = |to: &str| Action::OnwardTransferred {
        exchange: x,
        request: r1,
        to: world::party(to),
    };
    // Nothing before the subject is delivered.
    let msg = check(
        w.act("US", prosecute(r1, &[Offence::IllegalAccess])),
        "not_allowed",
    );
    assert!(msg.contains("once surrendered"), "{msg}");
    w.hub(Action::Go { exchange: x }).unwrap();
    w.act(
        "RU",
        Action::LegDelivered {
            exchange: x,
            request: r1,
        },
    )
    .unwrap();

    // What the request surrendered the subject for needs no consent.
    w.act(
        "US",
        prosecute(r1, &[Offence::IllegalAccess, Offence::RansomwareExtortion]),
    )
    .unwrap();
    let msg = check(
        w.act("US", prosecute(r1, &[Offence::ComputerRelatedFraud])),
        "not_allowed",
    );
    assert!(
        msg.contains("speciality: computer_related_fraud")
            && msg.contains("ask RU for its consent"),
        "{msg}"
    );
    // Only the giver consents, to what is not covered yet, in canonical form.
    let fraud = Consent::Offences {
        offences: vec![Offence::ComputerRelatedFraud],
    };
    let msg = check(w.act("US", consent(r1, fraud.clone())), "not_allowed");
    assert!(msg.contains("only the giver RU"), "{msg}");
    check(
        w.act(
            "RU",
            consent(
                r1,
                Consent::Offences {
                    offences: vec![Offence::IllegalAccess],
                },
            ),
        ),
        "not_allowed",
    );
    check(
        w.act("RU", consent(r1, Consent::Offences { offences: vec![] })),
        "invalid",
    );
    // Not on a leg not yet delivered.
    check(w.act("US", consent(r2, fraud.clone())), "not_allowed");
    assert_eq!(
        w.story("RU", consent(r1, fraud)),
        "ConsentGiven { exchange: x1, request: r1 }"
    );
    w.act("US", prosecute(r1, &[Offence::ComputerRelatedFraud]))
        .unwrap();

    // Onward transfer: refused without consent, allowed with it, once.
    let msg = check(w.act("US", transfer("DE")), "not_allowed");
    assert!(msg.contains("needs the consent of RU"), "{msg}");
    check(
        w.act(
            "RU",
            consent(
                r1,
                Consent::OnwardTransfer {
                    to: world::party("FR"),
                },
            ),
        ),
        "unknown_party",
    );
    w.act(
        "RU",
        consent(
            r1,
            Consent::OnwardTransfer {
                to: world::party("DE"),
            },
        ),
    )
    .unwrap();
    assert_eq!(
        w.story("US", transfer("DE")),
        "OnwardTransferred { exchange: x1, request: r1, to: DE }"
    );
    let msg = check(
        w.act("US", prosecute(r1, &[Offence::IllegalAccess])),
        "not_allowed",
    );
    assert!(msg.contains("was transferred to DE"), "{msg}");
    let s = &w.reg.exchange(&x).unwrap().speciality[&r1];
    assert_eq!(s.transferred_to, Some(world::party("DE")));
    assert_eq!(s.prosecuted_for.len(), 3);
    w.replays_the_same();
}
