//! Witness policies: what each state requires of the cosignatures on a checkpoint, as the log
//! records it.

use crate::world;

use rex_domain::{Action, Event, Quorum, WitnessPolicy};
use world::{party, terms, World};

fn quorum(w: &World, code: &str) -> Quorum {
    w.reg.quorum(&party(code)).unwrap()
}

fn of(codes: &[&str], threshold: usize) -> Quorum {
    Quorum {
        witnesses: codes.iter().map(|c| party(c)).collect(),
        threshold,
    }
}

#[test]
fn the_quorum_follows_the_agreements_in_force_and_the_policy_in_the_log() {
    let mut w = World::new(&["CN", "DE", "RU", "US"]);
    // No agreement in force: no partner, nothing to wait for.
    assert_eq!(quorum(&w, "US"), of(&[], 0));
    w.agreement(terms(&["RU", "US"]));
    assert_eq!(quorum(&w, "US"), of(&["RU"], 1));
    w.agreement(terms(&["DE", "RU", "US"]));
    assert_eq!(quorum(&w, "US"), of(&["DE", "RU"], 2));
    assert_eq!(quorum(&w, "CN"), of(&[], 0));
    let applied = w
        .act(
            "US",
            Action::WitnessPolicySet {
                policy: WitnessPolicy::Threshold {
                    witnesses: vec![party("CN"), party("DE"), party("RU")],
                    threshold: 2,
                },
            },
        )
        .unwrap();
    assert_eq!(applied.events, vec![Event::WitnessPolicySet(party("US"))]);
    assert_eq!(quorum(&w, "US"), of(&["CN", "DE", "RU"], 2));
    // Russia's stays its partners'.
    assert_eq!(quorum(&w, "RU"), of(&["DE", "US"], 2));
    w.act(
        "US",
        Action::WitnessPolicySet {
            policy: WitnessPolicy::AgreementPartners,
        },
    )
    .unwrap();
    assert_eq!(quorum(&w, "US"), of(&["DE", "RU"], 2));
    assert!(w.reg.quorum(&party("FR")).is_none());
}

#[test]
fn the_policy_has_one_wire_form() {
    let policy = WitnessPolicy::Threshold {
        witnesses: vec![party("DE"), party("RU")],
        threshold: 1,
    };
    let json = serde_json::to_string(&Action::WitnessPolicySet { policy }).unwrap();
    assert_eq!(
        json,
        r#"{"type":"witness_policy_set","policy":{"kind":"threshold","witnesses":["DE","RU"],"threshold":1}}"#
    );
    let partners = serde_json::to_string(&WitnessPolicy::AgreementPartners).unwrap();
    assert_eq!(partners, r#"{"kind":"agreement_partners"}"#);
    assert!(serde_json::from_str::<WitnessPolicy>(r#"{"kind":"everyone"}"#).is_err());
}
