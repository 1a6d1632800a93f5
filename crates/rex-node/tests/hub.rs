//! The node against a real hub over HTTP on loopback: the hub (`rex_hub`) runs in this
//! process, the nodes talk to it with their blocking client. Tampering is done the way an
//! insider would: by writing to the hub's SQLite database behind its back.

use rex_domain::{
    Action, AgreementId, Answer, Envelope, MetadataDraft, Offence, PartyId, RequestId, Severity,
    Statement, TermsDraft,
};
use rex_node::{Error, Node};
use rex_testkit::{node_clock, party, LoopbackHub, T0};

/// The hub's database, opened behind its back.
fn db(hub: &LoopbackHub) -> rusqlite::Connection {
    rusqlite::Connection::open(hub.database_path()).unwrap()
}

/// A hub with US, RU and DE registered, a bilateral US–RU agreement in force, and two
/// requests filed and answered.
struct World {
    _tmp: tempfile::TempDir,
    hub: LoopbackHub,
    us: Node,
    ru: Node,
    de: Node,
    agreement: AgreementId,
    us_asks: RequestId,
    ru_asks: RequestId,
}

fn terms(members: &[&str]) -> rex_domain::AgreementTerms {
    let members: Vec<PartyId> = members.iter().map(|m| party(m)).collect();
    let offences = [
        Offence::IllegalAccess,
        Offence::ComputerRelatedFraud,
        Offence::RansomwareExtortion,
    ];
    rex_domain::AgreementTerms::new(TermsDraft {
        max_cycle: 2,
        prosecution_at_home_counts: true,
        ..TermsDraft::standard(&members, &offences, T0)
    })
    .unwrap()
}

fn draft(requester: &str, custodian: &str, agreement: AgreementId, own: bool) -> MetadataDraft {
    MetadataDraft {
        requester: party(requester),
        custodian: party(custodian),
        agreement,
        offences: vec![Offence::IllegalAccess, Offence::RansomwareExtortion],
        max_penalty_months: 240,
        severity: Severity::Grave,
        subject_is_custodian_national: own,
        sentence_remaining_months: None,
    }
}

impl World {
    fn new() -> World {
        let tmp = tempfile::tempdir().unwrap();
        let mut hub = LoopbackHub::new(&[]);
        let node = |code: &str| {
            rex_node::init_with_clock(party(code), &hub.url(), &tmp.path().join(code), node_clock)
                .unwrap()
        };
        let (mut us, mut ru, de) = (node("US"), node("RU"), node("DE"));
        hub.register([&us, &ru, &de].map(|n| n.public_keys().unwrap()));
        let s = us
            .submit(Action::AgreementProposed {
                terms: terms(&["RU", "US"]),
            })
            .unwrap();
        let agreement = AgreementId::from_digest(&s.digest);
        ru.submit(Action::AgreementSigned { agreement }).unwrap();
        let (us_asks, _) = us
            .file_request(
                draft("US", "RU", agreement, true),
                b"US dossier: two ransomware operators",
            )
            .unwrap();
        let (ru_asks, _) = ru
            .file_request(
                draft("RU", "US", agreement, false),
                b"RU dossier: a carding administrator",
            )
            .unwrap();
        ru.submit(Action::RequestAnswered {
            request: us_asks,
            answer: Answer::ProsecutionAtHome,
        })
        .unwrap();
        us.submit(Action::RequestAnswered {
            request: ru_asks,
            answer: Answer::Surrender,
        })
        .unwrap();
        World {
            _tmp: tmp,
            hub,
            us,
            ru,
            de,
            agreement,
            us_asks,
            ru_asks,
        }
    }

    /// The log index of the US's receipt for `action`.
    fn us_entry(&self, action: &str) -> u64 {
        self.us
            .receipts()
            .unwrap()
            .into_iter()
            .find(|r| r.action == action)
            .unwrap()
            .index
    }
}

/// The keys of `hub` pinned as a trust file pins them (`rex hub vkeys`), with these witnesses.
fn pinned(hub: &LoopbackHub, witnesses: &[&Node]) -> rex_node::Trust {
    let state = hub.hub().state();
    let keys = state.keys();
    let mut text =
        rex_node::trust::hub_lines(keys.checkpoint.verifier(), keys.statement.verifying_key())
            .unwrap();
    for n in witnesses {
        let vkey = rex_node::trust::witness_vkey(&n.public_keys().unwrap()).unwrap();
        text.push_str(&format!("witness {vkey}\n"));
    }
    rex_node::Trust::parse(&text).unwrap()
}

fn evidence<T: std::fmt::Debug>(r: Result<T, Error>) -> String {
    match r {
        Err(Error::Evidence(m)) => m,
        other => panic!("expected evidence of tampering, got {other:?}"),
    }
}

#[test]
fn the_story_verifies_and_every_receipt_holds() {
    let mut w = World::new();
    let client = rex_node::HubClient::new(&w.hub.url())
        .unwrap()
        .signing_with(rex_node::RequestKey::new(
            "operator",
            w.hub.operator_key(),
            &w.hub.origin(),
            rex_testkit::node_clock,
        ));
    assert!(client.run_matching_round().unwrap().is_some());
    // Nothing left to match: a second round logs nothing.
    assert_eq!(client.run_matching_round().unwrap(), None);
    let reg = w.us.registry().unwrap();
    let x = reg
        .exchanges()
        .next()
        .expect("an exchange proposed")
        .clone();
    assert!(x.proposal.cycle.contains(&w.us_asks) && x.proposal.cycle.contains(&w.ru_asks));
    for n in [&mut w.us, &mut w.ru] {
        n.submit(Action::ExchangeSigned {
            exchange: x.proposal.id,
            proposal_sha256: x.digest,
        })
        .unwrap();
    }
    // A state that is not part of the exchange cannot act on it.
    let err =
        w.de.submit(Action::LegReady {
            exchange: x.proposal.id,
            request: w.ru_asks,
        })
        .unwrap_err();
    assert!(
        matches!(&err, Error::Refused { code, .. } if code == "not_member"),
        "{err}"
    );
    // Each party reads the dossier addressed to it; a third state cannot.
    assert_eq!(
        w.ru.read_dossier(&w.us_asks).unwrap(),
        b"US dossier: two ransomware operators"
    );
    assert_eq!(
        w.us.read_dossier(&w.us_asks).unwrap(),
        b"US dossier: two ransomware operators"
    );
    // The hub does not even serve it to DE (which could not decrypt it anyway).
    let err = w.de.read_dossier(&w.us_asks).unwrap_err();
    assert!(
        matches!(&err, Error::Refused { code, message } if code == "forbidden" && message.contains("DE neither uploaded")),
        "{err}"
    );
    for n in [&mut w.us, &mut w.ru, &mut w.de] {
        let r = n.sync().unwrap();
        assert_eq!(r.cosigned, Ok(()));
    }
    let trust = pinned(&w.hub, &[&w.us, &w.ru, &w.de]);
    let report = rex_node::verify_log(&w.hub.url(), &trust).unwrap();
    assert_eq!(report.rounds_checked, 1);
    assert_eq!(report.proposals_checked, 1);
    assert_eq!(report.cosigned_by, [party("US"), party("RU"), party("DE")]);
    let agreements: Vec<AgreementId> = report.registry.agreements().map(|a| a.id).collect();
    assert_eq!(agreements, [w.agreement]);
}

#[test]
fn a_state_cannot_sign_for_another() {
    let w = World::new();
    // RU's node signs a statement that claims to come from the US.
    let ru_seed = std::fs::read_to_string(w.ru.dir().join("ed25519.key")).unwrap();
    use base64::Engine as _;
    let seed: [u8; 32] = base64::engine::general_purpose::STANDARD
        .decode(ru_seed.trim())
        .unwrap()
        .try_into()
        .unwrap();
    let ru_key = ed25519_dalek::SigningKey::from_bytes(&seed);
    let next = w.us.client().next_seq(party("US")).unwrap();
    let forged = Statement::new(
        party("US"),
        next,
        T0,
        Action::RequestWithdrawn { request: w.us_asks },
    );
    let err =
        w.us.client()
            .post_statement(&Envelope::sign_statement(&forged, &ru_key))
            .unwrap_err();
    assert!(
        matches!(&err, Error::Refused { code, .. } if code == "wrong_key" || code == "bad_signature"),
        "{err}"
    );
}

#[test]
fn an_altered_entry_is_named() {
    let mut w = World::new();
    let i = w.us_entry("request_filed");
    let db = db(&w.hub);
    let data: Vec<u8> = db
        .query_row("SELECT data FROM entries WHERE idx = ?1", [i as i64], |r| {
            r.get(0)
        })
        .unwrap();
    let altered = String::from_utf8(data)
        .unwrap()
        .replacen("\"time\":", "\"time\":1", 1);
    db.execute(
        "UPDATE entries SET data = ?2 WHERE idx = ?1",
        rusqlite::params![i as i64, altered.into_bytes()],
    )
    .unwrap();
    let message = evidence(w.us.sync());
    assert!(message.contains(&format!("entry {i} altered")), "{message}");
    let message = evidence(rex_node::verify_log(&w.hub.url(), &pinned(&w.hub, &[])));
    assert!(message.contains(&format!("entry {i} altered")), "{message}");
}

#[test]
fn deleted_entries_are_named() {
    let mut w = World::new();
    let last = w.us_entry("request_answered");
    let db = db(&w.hub);
    db.execute("DELETE FROM entries WHERE idx >= ?1", [last as i64 - 1])
        .unwrap();
    let message = evidence(w.us.sync());
    assert!(
        message.contains(&format!("entry {last} missing")),
        "{message}"
    );
    let message = evidence(rex_node::verify_log(&w.hub.url(), &pinned(&w.hub, &[])));
    assert!(
        message.contains(&format!("entry {last} missing")),
        "{message}"
    );
}

#[test]
fn swapped_entries_are_named() {
    let mut w = World::new();
    let a = w.us_entry("request_filed");
    let b = a + 1;
    let db = db(&w.hub);
    db.execute_batch(&format!(
        "UPDATE entries SET idx = -1 WHERE idx = {a};
         UPDATE entries SET idx = {a} WHERE idx = {b};
         UPDATE entries SET idx = {b} WHERE idx = -1;"
    ))
    .unwrap();
    let message = evidence(w.us.sync());
    assert!(message.contains("entries reordered"), "{message}");
    assert!(
        message.contains(&format!("entry {a} is now at {b}")),
        "{message}"
    );
    let message = evidence(rex_node::verify_log(&w.hub.url(), &pinned(&w.hub, &[])));
    assert!(message.contains("entries reordered"), "{message}");
}

/// An insider rolls the hub's whole database back to an earlier tree (entries, tree hashes,
/// checkpoints and cosignatures beyond it deleted) and restarts the hub. What is left is a
/// log the hub really signed: on start the hub replays it and finds the tree equal to its
/// latest checkpoint, so it has no way to tell, and serves it. An audit from scratch
/// (`verify_log`) trusts nothing the hub says but remembers nothing either: it verifies the
/// shorter log. A node that holds a later checkpoint names the rollback.
#[test]
fn a_shrunk_log_is_named_after_a_restart() {
    let mut w = World::new();
    w.us.sync().unwrap();
    let size = w.us.checkpoint().unwrap().unwrap().0.size();
    let keep = size - 3;
    w.hub.stop();
    let db = db(&w.hub);
    let kept_note: String = db
        .query_row(
            "SELECT note FROM checkpoints WHERE size = ?1",
            [keep],
            |r| r.get(0),
        )
        .expect("the hub signed a checkpoint of every size, one statement per batch");
    drop(db);
    w.hub.roll_back_to(keep);

    // The hub serves the shorter log.
    if let Err(e) = w.hub.try_start() {
        panic!("the hub refused a log it signed itself: {e}");
    }
    let report = rex_node::verify_log(&w.hub.url(), &pinned(&w.hub, &[])).unwrap();
    assert_eq!(report.size, keep);
    let verifier: rex_tlog::NoteVerifier =
        w.us.client().hub_info().unwrap().note_vkey.parse().unwrap();
    let kept = rex_tlog::SignedNote::parse(&kept_note).unwrap();
    let kept = rex_tlog::Checkpoint::open(&kept, &verifier).unwrap();
    assert_eq!(
        report.root,
        kept.root(),
        "the audit verified the checkpoint the hub signed at {keep}"
    );

    // The node remembers the longer tree.
    let message = evidence(w.us.sync());
    assert!(
        message.contains(&format!("(tree shrank from {size} to {keep})")),
        "{message}"
    );
}

/// Invariant 7 against a lying hub: it signs, with its own key, a matching round that leaves
/// out the reciprocal pair the solver would propose. The state machine accepts it (an empty
/// set of proposals breaks no cycle rule), so only the audit's recomputation can catch it, and
/// it must name the entry.
#[test]
fn a_matching_round_the_solver_would_not_propose_is_named() {
    let w = World::new();
    let state = w.hub.hub().state();
    let registry = w.hub.block_on(state.registry());
    let seq = registry.next_seq(rex_domain::Actor::Hub).unwrap_or(1);
    let now = w.hub.hub().now();
    let forged = Envelope::sign_statement(
        &Statement::new(
            rex_domain::Actor::Hub,
            seq,
            now,
            Action::MatchingRound { proposals: vec![] },
        ),
        &state.keys().statement,
    );
    let client = rex_node::HubClient::new(&w.hub.url()).unwrap();
    let receipt = client.post_statement(&forged).unwrap();
    let message = evidence(rex_node::verify_log(&w.hub.url(), &pinned(&w.hub, &[])));
    assert!(
        message.contains(&format!(
            "entry {}: the hub's matching round [] is not the replay's [",
            receipt.index
        )),
        "{message}"
    );
}

/// `registry` keeps its replay between calls and replays only what was added since: what it
/// gives is what a fresh node, which replays the whole log, gives.
#[test]
fn the_registry_kept_between_calls_is_the_whole_log_replayed() {
    let mut w = World::new();
    let before = w.us.registry().unwrap();
    let (asked, _) =
        w.ru.file_request(
            draft("RU", "US", w.agreement, false),
            b"RU dossier: a second carding administrator",
        )
        .unwrap();
    w.us.submit(Action::RequestAnswered {
        request: asked,
        answer: Answer::Surrender,
    })
    .unwrap();
    let kept = w.us.registry().unwrap();
    assert!(before.request(&asked).is_none());
    assert_eq!(
        kept.request(&asked).map(|r| r.answer),
        Some(Some(Answer::Surrender))
    );
    let fresh = rex_node::open_with_clock(w.us.dir(), node_clock)
        .unwrap()
        .registry()
        .unwrap();
    assert_eq!(kept, fresh);
    // And after a sync, which keeps its own replay.
    w.us.sync().unwrap();
    w.ru.submit(Action::RequestWithdrawn { request: asked })
        .unwrap();
    assert_eq!(
        w.us.registry().unwrap(),
        rex_node::open_with_clock(w.us.dir(), node_clock)
            .unwrap()
            .registry()
            .unwrap()
    );
}

/// An entry added since the replay kept, altered at the hub: the entries no longer give the
/// checkpoint's root, so the node reads the whole log again and names the entry.
#[test]
fn an_entry_altered_after_the_kept_replay_is_named() {
    let mut w = World::new();
    w.us.registry().unwrap();
    let (asked, _) =
        w.ru.file_request(
            draft("RU", "US", w.agreement, false),
            b"RU dossier: a third carding administrator",
        )
        .unwrap();
    let i =
        w.ru.receipts()
            .unwrap()
            .into_iter()
            .rev()
            .find(|r| r.action == "request_filed")
            .unwrap()
            .index;
    let db = db(&w.hub);
    let data: Vec<u8> = db
        .query_row("SELECT data FROM entries WHERE idx = ?1", [i as i64], |r| {
            r.get(0)
        })
        .unwrap();
    let altered = String::from_utf8(data)
        .unwrap()
        .replacen("\"time\":", "\"time\":1", 1);
    db.execute(
        "UPDATE entries SET data = ?2 WHERE idx = ?1",
        rusqlite::params![i as i64, altered.into_bytes()],
    )
    .unwrap();
    let message = evidence(w.us.registry());
    assert!(message.contains(&format!("entry {i} altered")), "{message}");
    assert!(!message.contains(&asked.to_string()), "{message}");
}
