//! Deadlines that run by themselves, as an auditor sees them: a real hub records a missed
//! answer deadline on its own when its clock passes it, and the replay of `rex log verify`
//! catches a hub that leaves a due statement unlogged.

use rex_domain::{Action, AgreementId, Deadline, DossierRef, RequestId, DUE_GRACE_SECONDS};
use rex_node::{Error, Node, Trust};
use rex_testkit::{metadata, node_clock, party, terms, HandLog, LoopbackHub, DAY, T0};

#[test]
fn a_real_hub_records_a_missed_answer_by_itself_and_the_audit_agrees() {
    let tmp = tempfile::tempdir().unwrap();
    let mut hub = LoopbackHub::new(&[]);
    let node = |code: &str| {
        rex_node::init_with_clock(party(code), &hub.url(), &tmp.path().join(code), node_clock)
            .unwrap()
    };
    let (mut us, mut ru): (Node, Node) = (node("US"), node("RU"));
    hub.register([&us, &ru].map(|n| n.public_keys().unwrap()));
    let s = us
        .submit(Action::AgreementProposed {
            terms: terms(&["RU", "US"]),
        })
        .unwrap();
    let agreement = AgreementId::from_digest(&s.digest);
    ru.submit(Action::AgreementSigned { agreement }).unwrap();
    let (request, _) = us
        .file_request((*metadata("US", "RU", agreement)).clone(), b"US dossier")
        .unwrap();
    let due = us.registry().unwrap().request(&request).unwrap().answer_due;
    assert_eq!(due, Some(T0 + 60 * DAY));

    hub.clock().advance(60 * DAY);
    let state = hub.hub();
    let party_in_breach = hub.block_on(
        state.wait_for_registry("the hub to record the missed answer deadline", |r| {
            r.breaches().first().map(|b| b.party)
        }),
    );
    assert_eq!(party_in_breach, party("RU"));

    let state = hub.hub().state();
    let keys = state.keys();
    let text = format!(
        "{}quorum 0\n",
        rex_node::trust::hub_lines(keys.checkpoint.verifier(), keys.statement.verifying_key())
            .unwrap()
    );
    let report = rex_node::verify_log(&hub.url(), &Trust::parse(&text).unwrap()).unwrap();
    let b = report.registry.breaches();
    assert_eq!(b.len(), 1);
    assert_eq!(
        b[0].of.to_string(),
        format!("the answer to request {request}")
    );
    assert_eq!(b[0].due, T0 + 60 * DAY);
}

/// A log written by hand with the hub's key: two states, an agreement with the standard
/// deadlines, a request filed at `T0`.
struct Log {
    log: HandLog,
    request: RequestId,
}

impl Log {
    fn new() -> Log {
        let mut log = HandLog::new(&["RU", "US"]);
        let agreement = AgreementId::from_digest(&log.push(
            "US",
            T0,
            Action::AgreementProposed {
                terms: terms(&["RU", "US"]),
            },
        ));
        log.push("RU", T0, Action::AgreementSigned { agreement });
        let request = RequestId::from_digest(&log.push(
            "US",
            T0,
            Action::RequestFiled {
                metadata: metadata("US", "RU", agreement),
                dossier: DossierRef {
                    sha256: rex_domain::Digest::of(b"dossier"),
                    size: 100,
                },
            },
        ));
        Log { log, request }
    }

    fn push(&mut self, actor: &str, time: u64, action: Action) -> rex_domain::Digest {
        self.log.push(actor, time, action)
    }

    fn replay(&self) -> Result<rex_node::audit::Replay, Error> {
        rex_node::audit::replay(&self.log.entries, self.log.hub.verifying_key(), true)
    }
}

#[test]
fn an_auditor_catches_a_hub_that_skips_a_missed_deadline() {
    let due = T0 + 60 * DAY;
    let later = |log: &mut Log, time: u64| {
        log.push(
            "US",
            time,
            Action::WitnessPolicySet {
                policy: rex_domain::WitnessPolicy::AgreementPartners,
            },
        );
    };

    // Within the grace the hub is allowed to be late.
    let mut log = Log::new();
    later(&mut log, due + DUE_GRACE_SECONDS - 1);
    if let Err(e) = log.replay() {
        panic!("{e}");
    }

    // Past it, with the breach still unlogged: evidence.
    let mut log = Log::new();
    later(&mut log, due + DUE_GRACE_SECONDS);
    let message = match log.replay() {
        Err(Error::Evidence(m)) => m,
        other => panic!("expected evidence, got {:?}", other.map(|r| r.registry)),
    };
    assert_eq!(
        message,
        format!(
            "entry 5 is dated {}, but the hub never logged the missed deadline of the answer \
             to request {}, due at {due}: it skipped a statement that fell due",
            due + DUE_GRACE_SECONDS,
            log.request
        )
    );

    // The honest hub logged it when it fell due, even after downtime.
    let mut log = Log::new();
    let deadline = Deadline::Answer {
        request: log.request,
    };
    log.push("hub", due + 5 * DAY, Action::DeadlineMissed { deadline });
    later(&mut log, due + 5 * DAY);
    let replay = log.replay().unwrap();
    let b = replay.registry.breaches();
    assert_eq!((b.len(), b[0].party), (1, party("RU")));

    // A hub that invents a breach before its time is refused by the replay itself.
    let mut log = Log::new();
    log.push("hub", due - 1, Action::DeadlineMissed { deadline });
    let message = match log.replay() {
        Err(Error::Evidence(m)) => m,
        other => panic!("expected evidence, got {:?}", other.map(|r| r.registry)),
    };
    assert!(message.contains("not before"), "{message}");
}
