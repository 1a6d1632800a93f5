//! Invariant 6, on the real binary: SIGKILL of `rex hub serve` in the middle of a burst of
//! submissions loses no acknowledged statement.
//!
//! States are registered offline with `rex hub party add`, the hub is served by `rex hub serve`
//! as a child process, and several threads (one state each, each with its own sequence
//! numbers) post really signed statements as fast as the hub acknowledges them, keeping every
//! receipt. Once enough receipts have come back the hub is killed with SIGKILL while posts are
//! still in flight, and served again on the same directory. Then every receipt must hold
//! against the restarted hub: its entry is at its index with the very bytes it had, its
//! checkpoint is consistent with the new one (by the hub's own proofs, checked with
//! `rex-tlog`), the registry replays (`rex log verify`), and the hub takes each state's next
//! statement where the log says it left off.

use crate::common;

use common::{rex, serve};
use predicates::str::contains;
use rex_domain::{Action, Actor, AgreementTerms, Envelope, Offence, Statement, TermsDraft};
use rex_node::audit::{fetch_checkpoint, fetch_log_at, open_checkpoint, HubKeys};
use rex_node::{Error, HubClient, Receipt};
use rex_testkit::{key_of, party, write_key_file};
use rex_tlog::{leaf_hash, verify_consistency, verify_inclusion, SigningKey};
use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The states posting, one thread each.
const STATES: [&str; 8] = ["BR", "CN", "DE", "FR", "IN", "JP", "RU", "US"];

/// Receipts to wait for before the kill.
const KILL_AFTER: usize = 600;

/// State `i`'s statement key, the one its key file holds.
fn key(i: usize) -> SigningKey {
    key_of(STATES[i])
}

/// The time statements are dated with: the hub in the child process runs on the system clock
/// (a binary has no other), and refuses statements dated ahead of it.
fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("after 1970")
        .as_secs()
}

/// A bilateral agreement between `me` and the next state, open for signature for 30 days.
fn proposal(i: usize, time: u64) -> Action {
    let members = [party(STATES[i]), party(STATES[(i + 1) % STATES.len()])];
    let offences = [Offence::IllegalAccess, Offence::RansomwareExtortion];
    let terms = AgreementTerms::new(TermsDraft {
        prosecution_at_home_counts: true,
        ..TermsDraft::standard(&members, &offences, time)
    })
    .expect("valid terms");
    Action::AgreementProposed { terms }
}

/// A statement the hub acknowledged, with what was sent.
struct Acked {
    seq: u64,
    envelope: Envelope,
    receipt: Receipt,
}

/// What one posting thread saw: its receipts, then the error that stopped it.
struct Burst {
    acked: Vec<Acked>,
    error: Error,
    /// The failed post was sent before the kill was ordered: it was in flight.
    in_flight: bool,
}

/// Posts statement after statement for state `i` until one fails.
fn burst(i: usize, url: String, acked: Arc<AtomicUsize>, killed: Arc<AtomicBool>) -> Burst {
    let client = HubClient::new(&url).expect("hub URL");
    let signer = key(i);
    let me = party(STATES[i]);
    let mut out = Vec::new();
    for seq in 1.. {
        let time = now();
        let envelope =
            Envelope::sign_statement(&Statement::new(me, seq, time, proposal(i, time)), &signer);
        let before_kill = !killed.load(Ordering::SeqCst);
        match client.post_statement(&envelope) {
            Ok(receipt) => {
                out.push(Acked {
                    seq,
                    envelope,
                    receipt,
                });
                acked.fetch_add(1, Ordering::SeqCst);
            }
            Err(error) => {
                return Burst {
                    acked: out,
                    error,
                    in_flight: before_kill,
                }
            }
        }
    }
    unreachable!("the sequence numbers ran out")
}

#[test]
fn sigkill_mid_burst_loses_no_acknowledged_statement() {
    let started = Instant::now();
    let tmp = tempfile::tempdir().expect("temporary directory");
    let hub_dir = tmp.path().join("hub");
    std::fs::create_dir(&hub_dir).expect("hub directory");

    // The operator registers every state offline, from the key file its node exports.
    for code in STATES {
        let file = write_key_file(tmp.path(), code);
        rex()
            .args(["hub", "party", "add", "--data"])
            .arg(&hub_dir)
            .arg(&file)
            .assert()
            .success()
            .stdout(contains(format!("registered {code} ")));
    }

    let hub = serve(&hub_dir);
    let client = HubClient::new(&hub.url).expect("hub URL");
    let info = client.hub_info().expect("GET /v1/hub");
    // Pinned before the crash, as a node pins them at `rex node init`.
    let pinned = HubKeys::from_info(&info).expect("hub keys");
    let (registered, _) = fetch_checkpoint(&client, &pinned).expect("first checkpoint");
    assert_eq!(
        registered.size(),
        STATES.len() as u64,
        "one entry per state"
    );

    // The burst.
    let acked = Arc::new(AtomicUsize::new(0));
    let killed = Arc::new(AtomicBool::new(false));
    let threads: Vec<_> = (0..STATES.len())
        .map(|i| {
            let (url, acked, killed) = (hub.url.clone(), Arc::clone(&acked), Arc::clone(&killed));
            std::thread::spawn(move || burst(i, url, acked, killed))
        })
        .collect();
    // A bound no working hub comes near (it acknowledges hundreds of statements a second),
    // so that a slow machine makes this test slower, not red.
    let deadline = Instant::now() + Duration::from_secs(120);
    while acked.load(Ordering::SeqCst) < KILL_AFTER {
        assert!(
            Instant::now() < deadline,
            "only {} receipts in 120 s; hub stderr: {:?}",
            acked.load(Ordering::SeqCst),
            hub.stderr_so_far()
        );
        assert!(
            threads.iter().all(|t| !t.is_finished()),
            "a posting thread stopped before the kill"
        );
        std::thread::sleep(Duration::from_millis(2));
    }
    killed.store(true, Ordering::SeqCst);
    hub.kill();
    let bursts: Vec<Burst> = threads
        .into_iter()
        .map(|t| t.join().expect("posting thread"))
        .collect();

    // The kill really happened mid-burst: every thread was stopped by it, by a transport
    // error (not a refusal), and some of those posts were already on their way.
    for (b, code) in bursts.iter().zip(STATES) {
        assert!(
            matches!(b.error, Error::Hub { .. }),
            "{code} stopped on {} rather than on the kill",
            b.error
        );
    }
    let in_flight = bursts.iter().filter(|b| b.in_flight).count();
    assert!(
        in_flight > 0,
        "no post was in flight when the hub was killed: {:?}",
        bursts
            .iter()
            .map(|b| b.error.to_string())
            .collect::<Vec<_>>()
    );
    let receipts: usize = bursts.iter().map(|b| b.acked.len()).sum();
    assert!(receipts >= KILL_AFTER, "{receipts} receipts");

    // Served again on the same directory: same keys, and a log that holds every receipt.
    let hub = serve(&hub_dir);
    let client = HubClient::new(&hub.url).expect("hub URL");
    assert_eq!(
        client.hub_info().expect("GET /v1/hub"),
        info,
        "hub keys changed"
    );
    let (checkpoint, note) = fetch_checkpoint(&client, &pinned).expect("checkpoint after restart");
    let size = checkpoint.size();
    // Every entry is checked against the checkpoint's root (tiles and entry bundles).
    let log = fetch_log_at(&client, checkpoint.clone(), note).expect("the log after restart");
    assert_eq!(log.raw.len() as u64, size);

    let mut consistent = BTreeSet::new();
    for (b, code) in bursts.iter().zip(STATES) {
        for a in &b.acked {
            let r = &a.receipt;
            let what = format!("{code} seq {} (receipt for entry {})", a.seq, r.index);
            assert_eq!(
                r.statement_sha256,
                a.envelope.payload_digest().to_string(),
                "{what}"
            );
            let (theirs, _) = open_checkpoint(&r.checkpoint, &pinned)
                .unwrap_or_else(|e| panic!("{what}: receipt checkpoint: {e}"));
            let m = theirs.size();
            assert_eq!(r.tree_size, m, "{what}");
            assert!(
                r.index < m && m <= size,
                "{what}: tree of {m}, log of {size}"
            );

            // The entry at the receipt's index is this statement...
            let entry = &log.raw[r.index as usize];
            assert_eq!(log.entries[r.index as usize].envelope, a.envelope, "{what}");
            // ... with the very bytes the receipt's checkpoint committed to: the receipt's
            // own inclusion proof (the hub serves it again, unchanged) leads from the entry
            // now at that index to the root of the receipt's checkpoint.
            let proof = client
                .inclusion(r.index, m)
                .unwrap_or_else(|e| panic!("{what}: inclusion proof: {e}"));
            let proof_b64: Vec<String> = proof.iter().map(|h| h.to_base64()).collect();
            assert_eq!(proof_b64, r.inclusion, "{what}: inclusion proof changed");
            verify_inclusion(r.index, m, leaf_hash(entry), &proof, theirs.root())
                .unwrap_or_else(|e| panic!("{what}: entry not included in its checkpoint: {e}"));

            // The receipt's checkpoint is a prefix of the new one (once per size).
            if consistent.insert(m) {
                if m == size {
                    assert_eq!(theirs.root(), checkpoint.root(), "{what}: fork at {m}");
                } else {
                    let proof = client
                        .consistency(m, size)
                        .unwrap_or_else(|e| panic!("{what}: consistency proof: {e}"));
                    verify_consistency(m, size, theirs.root(), checkpoint.root(), &proof)
                        .unwrap_or_else(|e| {
                            panic!("{what}: checkpoint {size} is not consistent with {m}: {e}")
                        });
                }
            }
        }
    }

    // The registry replays from the log, every signature and transition, from scratch, under
    // the hub's keys as its key files hold them (no state cosigned: no witness is required).
    let vkeys = rex()
        .args(["hub", "vkeys", "--data"])
        .arg(&hub_dir)
        .output()
        .expect("rex hub vkeys");
    assert!(vkeys.status.success(), "rex hub vkeys: {vkeys:?}");
    let trust = tmp.path().join("hub.trust");
    std::fs::write(&trust, &vkeys.stdout).expect("write the trust file");
    rex()
        .args(["log", "verify", "--hub", &hub.url, "--trust"])
        .arg(&trust)
        .assert()
        .success()
        .stdout(contains(format!(
            "log verified: {size} entries hash to checkpoint {size}"
        )))
        .stdout(contains(format!("{} parties", STATES.len())));

    // The hub picks up each state where its log left off: the next sequence number follows
    // the state's last logged statement (acknowledged or not), and a new statement is taken.
    for (i, (b, code)) in bursts.iter().zip(STATES).enumerate() {
        let me = party(code);
        let logged = log
            .entries
            .iter()
            .map(|e| {
                Statement::from_bytes(&e.envelope.payload).expect("every entry holds a statement")
            })
            .filter(|s| s.actor == Actor::from(me))
            .map(|s| s.seq)
            .max()
            .unwrap_or(0);
        let last_acked = b.acked.last().map_or(0, |a| a.seq);
        assert!(
            logged >= last_acked,
            "{code}: logged {logged} < acked {last_acked}"
        );
        // An unacknowledged statement may or may not have been made durable: at most one per
        // state, since each state had at most one in flight.
        assert!(
            logged <= last_acked + 1,
            "{code}: logged {logged}, acked {last_acked}"
        );
        let next = client.next_seq(me).expect("next seq");
        assert_eq!(next, logged + 1, "{code}");
        let time = now();
        let envelope =
            Envelope::sign_statement(&Statement::new(me, next, time, proposal(i, time)), &key(i));
        let r = client
            .post_statement(&envelope)
            .unwrap_or_else(|e| panic!("{code} after restart: {e}"));
        assert!(r.index >= size, "{code}: a new statement at {}", r.index);
    }
    hub.kill();

    eprintln!(
        "crash test: {receipts} receipts before SIGKILL ({in_flight} posts in flight), log of \
         {size} after restart ({} statements durable but never acknowledged), {:.1} s",
        size - STATES.len() as u64 - receipts as u64,
        started.elapsed().as_secs_f64()
    );
}
