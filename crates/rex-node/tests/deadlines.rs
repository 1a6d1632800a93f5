//! Deadlines that run by themselves, as an auditor sees them: a real hub records a missed
//! answer deadline on its own when its clock passes it, and the replay of `rex log verify`
//! catches a hub that leaves a due statement unlogged.

use ed25519_dalek::SigningKey;
use rex_domain::log::LogEntry;
use rex_domain::{
    Action, Actor, AgreementId, Deadline, DossierRef, Envelope, RequestId, Statement,
    DUE_GRACE_SECONDS,
};
use rex_node::{Error, Node, Trust};
use rex_testkit::{key_file, key_of, metadata, node_clock, party, terms, LoopbackHub, DAY, T0};

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
    hub: SigningKey,
    entries: Vec<LogEntry>,
    seqs: std::collections::BTreeMap<String, u64>,
    request: RequestId,
}

impl Log {
    fn new() -> Log {
        let mut log = Log {
            hub: SigningKey::from_bytes(&[9; 32]),
            entries: Vec::new(),
            seqs: Default::default(),
            request: RequestId::from_digest(&rex_domain::Digest::of(b"none")),
        };
        for code in ["RU", "US"] {
            log.push(
                "hub",
                T0,
                Action::PartyRegistered {
                    keys: key_file(code),
                },
            );
        }
        let agreement = AgreementId::from_digest(&log.push(
            "US",
            T0,
            Action::AgreementProposed {
                terms: terms(&["RU", "US"]),
            },
        ));
        log.push("RU", T0, Action::AgreementSigned { agreement });
        log.request = RequestId::from_digest(&log.push(
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
        log
    }

    /// Signs `action` for `actor` at `time` and appends it; returns the payload's digest.
    fn push(&mut self, actor: &str, time: u64, action: Action) -> rex_domain::Digest {
        let seq = self.seqs.entry(actor.to_owned()).or_insert(0);
        *seq += 1;
        let who: Actor = actor.parse().unwrap();
        let statement = Statement::new(who, *seq, time, action);
        let key = if actor == "hub" {
            self.hub.clone()
        } else {
            key_of(actor)
        };
        let envelope = Envelope::sign_statement(&statement, &key);
        let digest = envelope.payload_digest();
        self.entries.push(LogEntry { time, envelope });
        digest
    }

    fn replay(&self) -> Result<rex_node::audit::Replay, Error> {
        rex_node::audit::replay(&self.entries, self.hub.verifying_key(), true)
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
