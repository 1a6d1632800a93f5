//! Matching rounds are idempotent, and can run on a schedule of the hub's clock: a round
//! that proposes nothing appends nothing, whoever asks for it and however often.

use std::time::Duration;

use axum::http::StatusCode;
use rex_domain::{Action, Answer, Digest, DossierRef, RequestId};
use rex_testkit::{metadata, terms, TestHub};

/// An agreement in force between US and RU, and one exchangeable request each way: a round
/// has exactly one exchange to propose.
async fn two_exchangeable_requests(t: &TestHub) -> [RequestId; 2] {
    let agreement = t.agreement_in_force("US", "RU").await;
    let mut requests = Vec::new();
    for (requester, custodian) in [("US", "RU"), ("RU", "US")] {
        let metadata = metadata(requester, custodian, agreement);
        let (e, _) = t
            .act(
                requester,
                Action::RequestFiled {
                    metadata,
                    dossier: DossierRef {
                        sha256: Digest::of(requester.as_bytes()),
                        size: 1000,
                    },
                },
            )
            .await;
        requests.push(RequestId::from_digest(&e.payload_digest()));
    }
    for (custodian, request) in [("RU", requests[0]), ("US", requests[1])] {
        t.act(
            custodian,
            Action::RequestAnswered {
                request,
                answer: Answer::Surrender,
            },
        )
        .await;
    }
    [requests[0], requests[1]]
}

#[tokio::test]
async fn a_round_with_nothing_to_propose_appends_nothing() {
    let t = TestHub::new(&["RU", "US"]).await;
    // Nothing filed: nothing to match, nothing logged, and the answer says so.
    let size = t.tree_size();
    let empty = t.operator("/v1/admin/match", "").await;
    assert_eq!(empty.status, StatusCode::OK, "{}", empty.json);
    assert_eq!(empty.json, serde_json::json!({"round": null}));
    assert_eq!(t.tree_size(), size);

    let requests = two_exchangeable_requests(&t).await;
    let size = t.tree_size();
    let first = t.operator("/v1/admin/match", "").await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.json);
    let answer: rex_hub::MatchAnswer = serde_json::from_value(first.json).unwrap();
    let receipt = answer.round.expect("a round with a proposal is logged");
    assert_eq!((receipt.index, receipt.tree_size), (size, size + 1));
    let registry = t.state().registry().await;
    let exchanges: Vec<_> = registry.exchanges().collect();
    assert_eq!(exchanges.len(), 1);
    assert!(requests
        .iter()
        .all(|r| exchanges[0].proposal.cycle.contains(r)));

    // Asked again (an operator's retry, a second operator, a loop): the requests are in an
    // exchange already, nothing is proposed, nothing appended.
    for _ in 0..3 {
        let again = t.operator("/v1/admin/match", "").await;
        assert_eq!(again.json, serde_json::json!({"round": null}));
    }
    assert_eq!(t.tree_size(), size + 1);
    assert_eq!(t.state().registry().await.exchanges().count(), 1);
}

#[tokio::test]
async fn rounds_run_on_the_hubs_clock_when_scheduled() {
    let hour = 3600;
    let t = TestHub::with_config(&["RU", "US"], |c| {
        c.match_every = Some(Duration::from_secs(hour));
    })
    .await;
    let requests = two_exchangeable_requests(&t).await;
    // Every batch checks the schedule, as the idle tick does: these statements' batches ran
    // before the first round was due (an hour after the start), so nothing was matched.
    assert_eq!(t.state().registry().await.exchanges().count(), 0);
    let size = t.tree_size();

    t.clock.advance(hour);
    let exchange = t
        .wait_for_registry("the scheduled round", |r| r.exchanges().next().cloned())
        .await;
    assert!(requests.iter().all(|r| exchange.proposal.cycle.contains(r)));
    assert_eq!(t.tree_size(), size + 1, "one round, one entry");

    // An hour later the round has nothing to propose: the next statement's batch (which checks
    // the schedule too) is the only thing appended.
    t.clock.advance(hour);
    let (_, receipt) = t
        .act(
            "US",
            Action::AgreementProposed {
                terms: terms(&["RU", "US"]),
            },
        )
        .await;
    assert_eq!((receipt.index, receipt.tree_size), (size + 1, size + 2));
    assert_eq!(t.state().registry().await.exchanges().count(), 1);
}
