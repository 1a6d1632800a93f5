//! Deferred reciprocity as an auditor sees it: the replay of `rex log verify` recomputes every
//! matching round, chains included, and refuses a round whose chains pass a credit limit.

use rex_domain::{
    matching_round, Action, AgreementId, AgreementTerms, Answer, CreditTerms, DossierRef,
    ExchangeProposal, Registry, RequestId, TermsDraft,
};
use rex_node::Error;
use rex_testkit::{metadata, terms, HandLog, T0};

/// CN and the US each hold someone RU asks for, and offer them unconditionally, under an
/// agreement whose credit limit is 1: RU may end one chain, not two.
struct Pool {
    log: HandLog,
    offered: [RequestId; 2],
}

fn pool() -> Pool {
    let mut log = HandLog::new(&["CN", "RU", "US"]);
    let members = ["CN", "RU", "US"];
    let terms = AgreementTerms::new(TermsDraft {
        credit: Some(CreditTerms {
            max_outstanding: 1,
            max_chain: 3,
        }),
        ..(*terms(&members)).clone()
    })
    .unwrap();
    let agreement =
        AgreementId::from_digest(&log.push("CN", T0, Action::AgreementProposed { terms }));
    for m in ["RU", "US"] {
        log.push(m, T0, Action::AgreementSigned { agreement });
    }
    let mut offered = Vec::new();
    for custodian in ["CN", "US"] {
        let request = RequestId::from_digest(&log.push(
            "RU",
            T0,
            Action::RequestFiled {
                metadata: metadata("RU", custodian, agreement),
                dossier: DossierRef {
                    sha256: rex_domain::Digest::of(custodian.as_bytes()),
                    size: 100,
                },
            },
        ));
        log.push(
            custodian,
            T0,
            Action::RequestAnswered {
                request,
                answer: Answer::Surrender,
            },
        );
        log.push(custodian, T0, Action::OfferMade { request });
        offered.push(request);
    }
    Pool {
        log,
        offered: [offered[0], offered[1]],
    }
}

impl Pool {
    fn registry(&self) -> Registry {
        rex_node::audit::replay(&self.log.entries, self.log.hub.verifying_key(), true)
            .unwrap()
            .registry
    }

    /// The auditor's replay, recomputing every matching round (as `rex log verify` does) or
    /// only applying each statement.
    fn replay(&self, recompute_rounds: bool) -> Result<rex_node::audit::Replay, Error> {
        rex_node::audit::replay(
            &self.log.entries,
            self.log.hub.verifying_key(),
            recompute_rounds,
        )
    }

    fn evidence(&self, recompute_rounds: bool) -> String {
        match self.replay(recompute_rounds) {
            Err(Error::Evidence(m)) => m,
            other => panic!("expected evidence, got {:?}", other.map(|r| r.registry)),
        }
    }
}

#[test]
fn the_audit_recomputes_a_round_with_a_chain() {
    let mut p = pool();
    let proposals = matching_round(&p.registry(), T0).unwrap();
    assert_eq!(proposals.len(), 1, "{proposals:?}");
    assert!(proposals[0].chain);
    p.log.push("hub", T0, Action::MatchingRound { proposals });
    let replay = p.replay(true).unwrap();
    let a = replay.registry.agreements().next().unwrap().id;
    assert_eq!(replay.registry.credit_balances(&a).len(), 2);
}

#[test]
fn the_audit_catches_a_round_beyond_a_credit_limit() {
    let mut p = pool();
    let reg = p.registry();
    let both: Vec<ExchangeProposal> = p
        .offered
        .iter()
        .map(|r| ExchangeProposal::for_chain(&reg, &[*r], T0).unwrap())
        .collect();
    p.log
        .push("hub", T0, Action::MatchingRound { proposals: both });
    // The statement itself is refused, solver or not.
    let message = p.evidence(false);
    assert!(
        message.contains("would have RU owe 2 handovers") && message.contains("credit limit of 1"),
        "{message}"
    );
    assert!(p.evidence(true).contains("entry"), "with the solver too");
}

#[test]
fn the_audit_catches_a_round_that_is_not_the_optimum() {
    // One chain is allowed and either offer could start it; the solver's tie-breaking picks
    // one, and a hub that proposes the other (a feasible round, within the limit) is caught
    // by the recomputation.
    let mut p = pool();
    let reg = p.registry();
    let honest = matching_round(&reg, T0).unwrap();
    let other = p
        .offered
        .iter()
        .find(|r| honest[0].cycle[0] != **r)
        .copied()
        .unwrap();
    let bent = ExchangeProposal::for_chain(&reg, &[other], T0).unwrap();
    p.log.push(
        "hub",
        T0,
        Action::MatchingRound {
            proposals: vec![bent],
        },
    );
    assert!(p.replay(false).is_ok(), "feasible within the limit");
    let message = p.evidence(true);
    assert!(message.contains("is not the replay's"), "{message}");
}
