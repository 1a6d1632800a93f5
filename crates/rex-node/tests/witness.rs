//! Split views: an operator serves two copies of one hub's data directory (the same keys), the
//! United States on one and Russia on the other, and lets each branch grow on its own. Each
//! node alone sees a consistent log; once a cosigned checkpoint crosses from one state to the
//! other (a gossip file), every node that sees both detects the fork, keeps both signed
//! checkpoints as evidence, and names both roots at its next sync.
//!
//! Finality: a checkpoint is final for a state when a quorum of its witnesses cosigned it;
//! one that waits too long raises the alarm (the node's clock is the test's).
//!
//! Everything is real: two hubs on loopback, their SQLite files, the nodes' stores, signatures.

use rex_domain::{Action, AgreementId, Offence, PartyId, Quorum, TermsDraft, WitnessPolicy};
use rex_node::{Error, Gossip, Node, DEFAULT_ALARM_AFTER};
use rex_testkit::{node_clock, party, LoopbackHub, T0};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

fn terms(members: &[&str], max_penalty_months_floor: u32) -> rex_domain::AgreementTerms {
    let members: Vec<PartyId> = members.iter().map(|m| party(m)).collect();
    let offences = [Offence::IllegalAccess, Offence::RansomwareExtortion];
    let draft = TermsDraft::standard(&members, &offences, T0);
    rex_domain::AgreementTerms::new(TermsDraft {
        min_penalty_months: max_penalty_months_floor,
        ..draft
    })
    .unwrap()
}

/// Points the node in `dir` at another hub, as a network under the operator's control would
/// (the node keeps the keys it pinned: the copy has the same ones).
fn point_at(dir: &Path, url: &str) -> Node {
    let db = rusqlite::Connection::open(dir.join("node.sqlite")).unwrap();
    db.execute("UPDATE meta SET value = ?1 WHERE key = 'hub_url'", [url])
        .unwrap();
    drop(db);
    rex_node::open_with_clock(dir, node_clock).unwrap()
}

/// The US proposes an agreement with Russia, Russia signs it: in force.
fn us_ru_agreement(us: &mut Node, ru: &mut Node) {
    let s = us
        .submit(Action::AgreementProposed {
            terms: terms(&["RU", "US"], 12),
        })
        .unwrap();
    ru.submit(Action::AgreementSigned {
        agreement: AgreementId::from_digest(&s.digest),
    })
    .unwrap();
}

/// Two hubs on one set of keys: `a` serves the US, `b` (a copy made after the agreement came
/// into force) serves Russia. DE stays on `a`.
struct Split {
    _tmp: tempfile::TempDir,
    a: LoopbackHub,
    b: LoopbackHub,
    us: Node,
    ru: Node,
    de: Node,
}

impl Split {
    /// Each branch grows by one statement, a proposal of its own: the same size, different
    /// roots.
    fn diverge(&mut self) {
        self.us
            .submit(Action::AgreementProposed {
                terms: terms(&["DE", "US"], 12),
            })
            .unwrap();
        self.ru
            .submit(Action::AgreementProposed {
                terms: terms(&["DE", "RU"], 24),
            })
            .unwrap();
    }

    fn new() -> Split {
        let tmp = tempfile::tempdir().unwrap();
        let mut a = LoopbackHub::new(&[]);
        let node = |code: &str| {
            rex_node::init_with_clock(party(code), &a.url(), &tmp.path().join(code), node_clock)
                .unwrap()
        };
        let (mut us, mut ru, mut de) = (node("US"), node("RU"), node("DE"));
        a.register([&us, &ru, &de].map(|n| n.public_keys().unwrap()));
        us_ru_agreement(&mut us, &mut ru);
        for n in [&mut us, &mut ru, &mut de] {
            n.sync().unwrap();
        }
        let b = a.copy();
        drop(ru);
        let ru = point_at(&tmp.path().join("RU"), &b.url());
        Split {
            _tmp: tmp,
            a,
            b,
            us,
            ru,
            de,
        }
    }

    fn dir(&self) -> &Path {
        self._tmp.path()
    }
}

fn evidence<T: std::fmt::Debug>(r: Result<T, Error>) -> String {
    match r {
        Err(Error::Evidence(m)) => m,
        other => panic!("expected evidence of a split view, got {other:?}"),
    }
}

/// The root of the checkpoint a node holds, as its note writes it (base64).
fn root(node: &Node) -> String {
    node.checkpoint().unwrap().unwrap().0.root().to_string()
}

fn gossip(node: &Node) -> Vec<u8> {
    serde_json::to_vec(&node.export_gossip().unwrap()).unwrap()
}

#[test]
fn a_split_view_of_the_same_size_is_detected_by_every_node_once_a_checkpoint_crosses() {
    let mut w = Split::new();
    // Each branch grows by one statement: the same size, different roots.
    w.diverge();
    // Alone, each node sees nothing wrong: this is the hole.
    let (us_sync, ru_sync) = (w.us.sync().unwrap(), w.ru.sync().unwrap());
    assert_eq!(us_sync.size, ru_sync.size);
    let (us_root, ru_root) = (root(&w.us), root(&w.ru));
    assert_ne!(us_root, ru_root);

    // Russia's cosigned checkpoint reaches the US: the import itself finds the split view.
    let found = evidence(w.us.import_gossip(&gossip(&w.ru)));
    for needle in [&us_root, &ru_root, "split view", "cosigned by RU"] {
        assert!(found.contains(needle), "{needle} not in: {found}");
    }
    // Kept before it was said: both signed notes, in the store.
    let kept = w.us.evidence().unwrap();
    assert_eq!(kept.len(), 1);
    let notes = [&kept[0].a.note, &kept[0].b.note];
    assert!(notes.iter().any(|n| n.contains(&us_root)));
    assert!(notes.iter().any(|n| n.contains(&ru_root)));
    // Every later sync of the US fails naming both roots, also after the node is reopened.
    let us_dir = w.dir().join("US");
    drop(std::mem::replace(
        &mut w.us,
        rex_node::open_with_clock(&us_dir, node_clock).unwrap(),
    ));
    let at_sync = evidence(w.us.sync());
    assert!(
        at_sync.contains(&us_root) && at_sync.contains(&ru_root),
        "{at_sync}"
    );

    // Russia has seen nothing yet; the US's gossip (its checkpoint and the evidence) reaches it.
    w.ru.sync().unwrap();
    let found = evidence(w.ru.import_gossip(&gossip(&w.us)));
    assert!(
        found.contains(&us_root) && found.contains(&ru_root),
        "{found}"
    );
    let at_sync = evidence(w.ru.sync());
    assert!(
        at_sync.contains(&us_root) && at_sync.contains(&ru_root),
        "{at_sync}"
    );
    // Neither node cosigned the other branch.
    drop(w.a);
    drop(w.b);
}

#[test]
fn a_fork_of_different_sizes_is_detected_by_every_node_at_its_next_sync() {
    let mut w = Split::new();
    // The US branch grows by two statements, the Russian one by one.
    for floor in [12, 24] {
        w.us.submit(Action::AgreementProposed {
            terms: terms(&["DE", "US"], floor),
        })
        .unwrap();
    }
    w.ru.submit(Action::AgreementProposed {
        terms: terms(&["DE", "RU"], 12),
    })
    .unwrap();
    let (us, ru) = (w.us.sync().unwrap(), w.ru.sync().unwrap());
    assert_eq!(us.size, ru.size + 1);
    let (us_root, ru_root) = (root(&w.us), root(&w.ru));

    // The files cross both ways, as states that gossip do; each import is checked against the
    // hub the importer talks to, which cannot prove one branch extends the other.
    let (from_us, from_ru) = (gossip(&w.us), gossip(&w.ru));
    let at_us = evidence(w.us.import_gossip(&from_ru));
    let at_ru = evidence(w.ru.import_gossip(&from_us));
    for found in [&at_us, &at_ru] {
        assert!(found.contains("fork"), "{found}");
        assert!(
            found.contains(&us_root) && found.contains(&ru_root),
            "{found}"
        );
    }
    for n in [&mut w.us, &mut w.ru] {
        let at_sync = evidence(n.sync());
        assert!(
            at_sync.contains(&us_root) && at_sync.contains(&ru_root),
            "{at_sync}"
        );
    }
    // DE, on the US branch, learns of it from the US's file, which now carries the evidence.
    let at_de = evidence(w.de.import_gossip(&gossip(&w.us)));
    assert!(
        at_de.contains(&us_root) && at_de.contains(&ru_root),
        "{at_de}"
    );
    assert!(evidence(w.de.sync()).contains(&ru_root));
}

#[test]
fn a_foreign_checkpoint_is_checked_again_at_every_sync() {
    let mut w = Split::new();
    // Russia's checkpoint crosses while both branches are still one: nothing to find.
    let imported = w.us.import_gossip(&gossip(&w.ru)).unwrap();
    assert_eq!(imported.party, party("RU"));
    assert_eq!(imported.size, imported.held);
    // Then the branches part. The US imported nothing new, but its next sync checks the
    // checkpoint it keeps from Russia against what its hub now serves: consistent, since
    // Russia's old checkpoint is a prefix of both branches.
    w.ru.submit(Action::AgreementProposed {
        terms: terms(&["DE", "RU"], 12),
    })
    .unwrap();
    w.us.submit(Action::AgreementProposed {
        terms: terms(&["DE", "US"], 12),
    })
    .unwrap();
    w.us.sync().unwrap();
    // Russia's new checkpoint crosses and is kept; the import finds the fork at once, and so
    // would any later sync.
    w.ru.sync().unwrap();
    let ru_root = root(&w.ru);
    assert!(evidence(w.us.import_gossip(&gossip(&w.ru))).contains(&ru_root));
    assert!(evidence(w.us.sync()).contains(&ru_root));
}

#[test]
fn an_honest_exchange_of_gossip_finds_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let mut hub = LoopbackHub::new(&[]);
    let node = |code: &str| {
        rex_node::init_with_clock(party(code), &hub.url(), &tmp.path().join(code), node_clock)
            .unwrap()
    };
    let (mut us, mut ru) = (node("US"), node("RU"));
    hub.register([&us, &ru].map(|n| n.public_keys().unwrap()));
    us.sync().unwrap();
    ru.sync().unwrap();
    us.submit(Action::AgreementProposed {
        terms: terms(&["RU", "US"], 12),
    })
    .unwrap();
    // Russia is behind, the US ahead: each file is checked by consistency, both hold.
    let from_ru = gossip(&ru);
    let from_us = gossip(&us);
    us.import_gossip(&from_ru).unwrap();
    ru.import_gossip(&from_us).unwrap();
    us.sync().unwrap();
    ru.sync().unwrap();
    assert!(us.evidence().unwrap().is_empty() && ru.evidence().unwrap().is_empty());
}

#[test]
fn a_gossip_file_that_does_not_check_is_refused_and_changes_nothing() {
    let w = Split::new();
    let mut us = w.us;
    let good: Gossip = w.ru.export_gossip().unwrap();
    let refused = |us: &mut Node, g: &Gossip| -> String {
        match us.import_gossip(&serde_json::to_vec(g).unwrap()) {
            Err(e @ Error::Input(_)) => e.to_string(),
            other => panic!("expected a refused file, got {other:?}"),
        }
    };
    // RU's line replaced by one DE made: not Russia's cosignature.
    let by_de = w.de.export_gossip().unwrap();
    let forged = Gossip {
        checkpoint: by_de.checkpoint.clone(),
        ..good.clone()
    };
    let m = refused(&mut us, &forged);
    assert!(m.contains("no valid cosignature by RU"), "{m}");
    // A checkpoint that is not the pinned hub's (its text altered under the hub's signature).
    let altered = Gossip {
        checkpoint: good.checkpoint.replacen('\n', "x\n", 1),
        ..good.clone()
    };
    let m = refused(&mut us, &altered);
    assert!(
        m.contains("not a checkpoint of the hub this node pins"),
        "{m}"
    );
    // A state's own file, an unknown format, garbage.
    let own = us.export_gossip().unwrap();
    let m = refused(&mut us, &own);
    assert!(m.contains("own"), "{m}");
    let m = refused(
        &mut us,
        &Gossip {
            format: "rex-gossip/v0".into(),
            ..good.clone()
        },
    );
    assert!(m.contains("format"), "{m}");
    assert!(matches!(us.import_gossip(b"[]"), Err(Error::Input(_))));
    assert!(us.evidence().unwrap().is_empty());
    us.sync().unwrap();
}

/// The US node's clock in the finality test: a number the test moves.
static US_NOW: AtomicU64 = AtomicU64::new(T0);

fn us_clock() -> u64 {
    US_NOW.load(Ordering::SeqCst)
}

#[test]
fn a_checkpoint_is_final_only_with_its_quorum_and_a_long_wait_raises_the_alarm() {
    let tmp = tempfile::tempdir().unwrap();
    let mut hub = LoopbackHub::new(&[]);
    let init = |code: &str, clock: fn() -> u64| {
        rex_node::init_with_clock(party(code), &hub.url(), &tmp.path().join(code), clock).unwrap()
    };
    let mut us = init("US", us_clock);
    let (mut ru, mut de) = (init("RU", node_clock), init("DE", node_clock));
    hub.register([&us, &ru, &de].map(|n| n.public_keys().unwrap()));
    // Time moves for the US node and the hub together (Russia and Germany stay at T0).
    let at = |t: u64| {
        US_NOW.store(t, Ordering::SeqCst);
        hub.clock().set(t);
    };
    // No agreement in force: the US has no witness, nothing to wait for.
    let r = us.sync().unwrap();
    assert_eq!(
        r.finality.quorum,
        Quorum {
            witnesses: vec![],
            threshold: 0
        }
    );
    assert_eq!(r.finality.final_size, r.size);

    // With the US–RU agreement in force, Russia is the US's witness. Russia cosigned the
    // checkpoint of its own signature: final for the US.
    us_ru_agreement(&mut us, &mut ru);
    let r = us.sync().unwrap();
    assert_eq!(r.finality.quorum.witnesses, vec![party("RU")]);
    assert_eq!(r.finality.cosigned_by, vec![party("RU")]);
    assert_eq!(
        (r.finality.final_size, r.finality.alarm.clone()),
        (r.size, None)
    );
    let settled = r.size;

    // The US acts again: only its own cosignature is on the new checkpoint. Not final.
    us.submit(Action::WitnessPolicySet {
        policy: WitnessPolicy::AgreementPartners,
    })
    .unwrap();
    let r = us.sync().unwrap();
    assert_eq!(r.finality.final_size, settled);
    assert_eq!(r.finality.missing(), vec![party("RU")]);
    assert_eq!(r.finality.alarm, None);
    assert_eq!(us.final_size().unwrap(), settled);
    // An hour passes: not yet past the limit. A second more, and the sync raises the alarm,
    // naming the missing witness and the statements not final.
    at(T0 + DEFAULT_ALARM_AFTER);
    assert_eq!(us.sync().unwrap().finality.alarm, None);
    at(T0 + DEFAULT_ALARM_AFTER + 1);
    let alarm = us.sync().unwrap().finality.alarm.expect("an alarm");
    for needle in [
        "alarm",
        "[RU]",
        "did not",
        &format!("from index {settled} on"),
    ] {
        assert!(alarm.contains(needle), "{needle} not in: {alarm}");
    }
    // Russia syncs and cosigns: final, the alarm is over.
    ru.sync().unwrap();
    let r = us.sync().unwrap();
    assert_eq!((r.finality.final_size, r.finality.alarm), (r.size, None));
    let (final_checkpoint, final_note) = us.final_checkpoint().unwrap().unwrap();
    assert_eq!(final_checkpoint.size(), r.size);
    assert!(final_note.to_string().contains("\u{2014} RU "));

    // The US now asks for Germany only: Russia's cosignature no longer counts.
    us.set_alarm_after(60);
    let s = us
        .submit(Action::WitnessPolicySet {
            policy: WitnessPolicy::Threshold {
                witnesses: vec![party("DE")],
                threshold: 1,
            },
        })
        .unwrap();
    ru.sync().unwrap();
    let r = us.sync().unwrap();
    assert_eq!(r.size, s.tree_size);
    assert_eq!(r.finality.quorum.witnesses, vec![party("DE")]);
    assert!(r.finality.cosigned_by.is_empty());
    assert!(r.finality.final_size < r.size);
    at(T0 + DEFAULT_ALARM_AFTER + 62);
    assert!(us.sync().unwrap().finality.alarm.unwrap().contains("[DE]"));
    de.sync().unwrap();
    let r = us.sync().unwrap();
    assert_eq!(r.finality.cosigned_by, vec![party("DE")]);
    assert_eq!((r.finality.final_size, r.finality.alarm), (r.size, None));
}

/// A busy log: the checkpoint the hub serves is newer than any a witness has synced to, so
/// no served checkpoint ever carries the quorum. A witness that cosigned a smaller tree,
/// consistent with the served one, vouched for that prefix (`GET /v1/cosigned`): the US's
/// statements up to there are final, not none of them.
#[test]
fn a_witness_that_cosigned_an_earlier_tree_makes_that_prefix_final() {
    let tmp = tempfile::tempdir().unwrap();
    let mut hub = LoopbackHub::new(&[]);
    let init = |code: &str| {
        rex_node::init_with_clock(party(code), &hub.url(), &tmp.path().join(code), node_clock)
            .unwrap()
    };
    let (mut us, mut ru) = (init("US"), init("RU"));
    hub.register([&us, &ru].map(|n| n.public_keys().unwrap()));
    us_ru_agreement(&mut us, &mut ru);
    let before = us.sync().unwrap().finality.final_size;
    // The US acts; Russia syncs (and cosigns) while the US acts on: the US never sees
    // Russia's checkpoint as the latest one.
    let policy = Action::WitnessPolicySet {
        policy: WitnessPolicy::AgreementPartners,
    };
    us.submit(policy.clone()).unwrap();
    let cosigned = ru.sync().unwrap().size;
    assert!(cosigned > before);
    us.submit(policy.clone()).unwrap();
    us.submit(policy).unwrap();
    let r = us.sync().unwrap();
    assert!(r.size > cosigned);
    assert!(r.finality.cosigned_by.is_empty());
    assert_eq!(r.finality.vouched, vec![(party("RU"), cosigned)]);
    assert_eq!(r.finality.missing(), vec![party("RU")]);
    assert_eq!(r.finality.final_size, cosigned);
    let (checkpoint, note) = us.final_checkpoint().unwrap().unwrap();
    assert_eq!(checkpoint.size(), cosigned);
    assert!(note.to_string().contains("\u{2014} RU "), "{note}");
    // Russia's newer cosignature covers the whole tree.
    ru.sync().unwrap();
    let r = us.sync().unwrap();
    assert_eq!(r.finality.vouched, vec![(party("RU"), r.size)]);
    assert_eq!(r.finality.final_size, r.size);
}

#[test]
fn evidence_reaches_the_states_on_the_same_branch_through_the_hub() {
    let mut w = Split::new();
    w.diverge();
    w.us.sync().unwrap();
    w.ru.sync().unwrap();
    let (us_root, ru_root) = (root(&w.us), root(&w.ru));
    // Germany, on the US branch, never sees a gossip file: it syncs cleanly.
    w.de.sync().unwrap();
    evidence(w.us.import_gossip(&gossip(&w.ru)));
    // The US's next sync posts the evidence to its hub (and still fails); Germany's next sync
    // reads it there, checks both signatures and the conflict itself, and fails naming both.
    evidence(w.us.sync());
    let at_de = evidence(w.de.sync());
    assert!(
        at_de.contains(&us_root) && at_de.contains(&ru_root),
        "{at_de}"
    );
    assert!(at_de.contains("listed by the hub"), "{at_de}");
    assert_eq!(w.de.evidence().unwrap().len(), 1);
}
