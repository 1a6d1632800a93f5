//! Pinned audits: `verify_log` with the keys of a trust file, against a real hub on loopback.
//! The hub lies the way an insider or an impostor would: it rewrites its SQLite database
//! behind its own back and signs the new history with its real keys, or it is another hub
//! whose parties are named like the real ones. Keys pinned ahead and the states' required
//! cosignatures must catch both; the hub's own keys alone cannot.

use rex_domain::{Action, AgreementId};
use rex_node::{Error, Node, Trust};
use rex_testkit::{key_file, node_clock, party, terms, LoopbackHub};

/// A hub with US, RU and DE registered, an agreement proposed by the US and signed by RU, and
/// every node synced (so every state cosigned the latest checkpoint).
struct World {
    tmp: tempfile::TempDir,
    hub: LoopbackHub,
    us: Node,
    ru: Node,
    de: Node,
}

impl World {
    fn new() -> World {
        let tmp = tempfile::tempdir().unwrap();
        let (hub, mut nodes) = hub_with_nodes(&tmp, "real");
        let de = nodes.pop().unwrap();
        let mut ru = nodes.pop().unwrap();
        let mut us = nodes.pop().unwrap();
        let s = us
            .submit(Action::AgreementProposed {
                terms: terms(&["RU", "US"]),
            })
            .unwrap();
        ru.submit(Action::AgreementSigned {
            agreement: AgreementId::from_digest(&s.digest),
        })
        .unwrap();
        let mut w = World {
            tmp,
            hub,
            us,
            ru,
            de,
        };
        w.sync_all();
        w
    }

    fn sync_all(&mut self) {
        for n in [&mut self.us, &mut self.ru, &mut self.de] {
            assert_eq!(n.sync().unwrap().cosigned, Ok(()));
        }
    }

    fn nodes(&self) -> [&Node; 3] {
        [&self.us, &self.ru, &self.de]
    }
}

/// A fresh hub with nodes US, RU and DE (in `tmp/<name>-<code>`) registered on it.
fn hub_with_nodes(tmp: &tempfile::TempDir, name: &str) -> (LoopbackHub, Vec<Node>) {
    let mut hub = LoopbackHub::new(&[]);
    let nodes: Vec<Node> = ["US", "RU", "DE"]
        .iter()
        .map(|code| {
            let dir = tmp.path().join(format!("{name}-{code}"));
            rex_node::init_with_clock(party(code), &hub.url(), &dir, node_clock).unwrap()
        })
        .collect();
    hub.register(nodes.iter().map(|n| n.public_keys().unwrap()));
    (hub, nodes)
}

/// The `checkpoint` and `statements` lines for `hub`, as `rex hub vkeys` prints them.
fn hub_lines(hub: &LoopbackHub) -> String {
    let state = hub.hub().state();
    let keys = state.keys();
    rex_node::trust::hub_lines(keys.checkpoint.verifier(), keys.statement.verifying_key()).unwrap()
}

/// The cosignature vkey of `node`, as `rex node export-keys --vkey` prints it.
fn vkey(node: &Node) -> rex_tlog::NoteVerifier {
    rex_node::trust::witness_vkey(&node.public_keys().unwrap()).unwrap()
}

/// A trust file: `hub`'s keys, a witness line per node, and the quorum if given.
fn trust(hub: &LoopbackHub, witnesses: &[&Node], quorum: Option<usize>) -> Trust {
    let mut text = hub_lines(hub);
    for n in witnesses {
        text.push_str(&format!("witness {}\n", vkey(n)));
    }
    if let Some(k) = quorum {
        text.push_str(&format!("quorum {k}\n"));
    }
    Trust::parse(&text).unwrap()
}

fn evidence<T: std::fmt::Debug>(r: Result<T, Error>) -> String {
    match r {
        Err(Error::Evidence(m)) => m,
        other => panic!("expected evidence, got {other:?}"),
    }
}

#[test]
fn an_honest_hub_passes_with_every_witness_required() {
    let w = World::new();
    let report = rex_node::verify_log(&w.hub.url(), &trust(&w.hub, &w.nodes(), None)).unwrap();
    assert_eq!(report.size, 5);
    assert_eq!(report.cosigned_by, [party("US"), party("RU"), party("DE")]);
    assert_eq!((report.witnesses, report.quorum), (3, 3));
    assert_eq!(report.registry.parties().count(), 3);
}

#[test]
fn a_missing_quorum_fails_naming_who_is_missing() {
    let mut w = World::new();
    // The US acts again: its receipt's checkpoint carries its cosignature only, until the
    // others sync.
    w.us.submit(Action::AgreementProposed {
        terms: terms(&["DE", "US"]),
    })
    .unwrap();
    let url = w.hub.url();
    let message = evidence(rex_node::verify_log(&url, &trust(&w.hub, &w.nodes(), None)));
    assert_eq!(
        message,
        "checkpoint 6 is cosigned by 1 of the 3 pinned witnesses (US), 3 required; \
         missing: RU, DE"
    );
    let message = evidence(rex_node::verify_log(
        &url,
        &trust(&w.hub, &w.nodes(), Some(2)),
    ));
    assert!(
        message.contains("1 of the 3 pinned witnesses (US), 2 required"),
        "{message}"
    );
    let report = rex_node::verify_log(&url, &trust(&w.hub, &w.nodes(), Some(1))).unwrap();
    assert_eq!(report.cosigned_by, [party("US")]);

    w.ru.sync().unwrap();
    let report = rex_node::verify_log(&url, &trust(&w.hub, &w.nodes(), Some(2))).unwrap();
    assert_eq!(report.cosigned_by, [party("US"), party("RU")]);
}

/// An insider rolls the hub's database back by one entry (RU's signature of the agreement) and
/// has the hub append something else in its place (a registration it signs itself), so that
/// the log has the same size, a different root, and valid signatures by the hub's real keys
/// throughout. The hub's keys alone pass it; the states' required cosignatures do not, because
/// no honest node cosigns a checkpoint that forks from the one it holds.
#[test]
fn a_rolled_back_and_resigned_history_is_refused() {
    let mut w = World::new();
    let all = trust(&w.hub, &w.nodes(), None);
    let before = rex_node::verify_log(&w.hub.url(), &all).unwrap();
    let size = before.size;
    let keep = size - 1;

    w.hub.stop();
    w.hub.roll_back_to(keep);
    if let Err(e) = w.hub.try_start() {
        panic!("the hub refused a log it signed itself: {e}");
    }
    // In RU's signature's place, a state the states never saw registered.
    w.hub.register([key_file("FR")]);

    // Signed throughout by the hub's real keys: pinning them alone does not tell.
    let keys_only = rex_node::verify_log(&w.hub.url(), &trust(&w.hub, &[], None)).unwrap();
    assert_eq!(keys_only.size, size);
    assert_ne!(keys_only.root, before.root, "the history was rewritten");
    assert!(keys_only.registry.party(&party("FR")).is_some());

    // The witnesses do.
    let message = evidence(rex_node::verify_log(&w.hub.url(), &all));
    assert_eq!(
        message,
        format!(
            "checkpoint {size} is cosigned by 0 of the 3 pinned witnesses (none), 3 required; \
             missing: US, RU, DE"
        )
    );
    // And they refuse to cosign it: the US node keeps both signed trees as evidence.
    let message = evidence(w.us.sync());
    assert!(
        message.contains(&format!(
            "split view: the hub signed two different trees of {size} entries"
        )),
        "{message}"
    );
    let message = evidence(rex_node::verify_log(&w.hub.url(), &all));
    assert!(message.contains("missing: US, RU, DE"), "{message}");
}

/// Another hub, its own keys, its own states named US, RU and DE, each of which cosigned its
/// log: a log as valid as the real one, under the wrong keys.
#[test]
fn an_impostor_hub_is_refused() {
    let w = World::new();
    let (impostor, mut fakes) = hub_with_nodes(&w.tmp, "impostor");
    for n in &mut fakes {
        assert_eq!(n.sync().unwrap().cosigned, Ok(()));
    }
    let fakes: Vec<&Node> = fakes.iter().collect();
    let url = impostor.url();
    // Internally consistent: under its own keys it passes.
    rex_node::verify_log(&url, &trust(&impostor, &fakes, None)).unwrap();

    // The real hub's keys pinned: its checkpoint key is not the pinned one, and the audit says
    // which key the impostor presents (it took no key from there).
    let real = trust(&w.hub, &w.nodes(), None);
    let message = evidence(rex_node::verify_log(&url, &real));
    let presented = impostor
        .hub()
        .state()
        .keys()
        .checkpoint
        .verifier()
        .to_string();
    assert!(
        message.starts_with(&format!(
            "the hub presents checkpoint key {presented}, the pinned key is {}",
            real.checkpoint_key()
        )),
        "{message}"
    );
    assert!(
        message.contains("the hub presents statement key"),
        "{message}"
    );

    // The impostor's hub keys pinned by mistake, but the real states' cosignature keys: every
    // witness is named, registered under another key and missing.
    let mixed = {
        let mut text = hub_lines(&impostor);
        for n in w.nodes() {
            text.push_str(&format!("witness {}\n", vkey(n)));
        }
        Trust::parse(&text).unwrap()
    };
    let message = evidence(rex_node::verify_log(&url, &mixed));
    for (fake, real) in fakes.iter().zip(w.nodes()) {
        let p = real.party();
        let says = format!(
            "witness {p}: the log registers {p} with key {}, the pinned key is {}",
            vkey(fake),
            vkey(real)
        );
        assert!(message.contains(&says), "{says:?} not in {message:?}");
    }
    assert!(
        message.contains(
            "cosigned by 0 of the 3 pinned witnesses (none), 3 required; missing: US, RU, DE"
        ),
        "{message}"
    );
}

/// A pinned statement key that is not the hub's: the hub's own statements (every
/// registration) fail the replay, and the audit says which key the hub presents.
#[test]
fn a_wrong_statement_key_fails_the_replay() {
    let w = World::new();
    let real = trust(&w.hub, &[], None);
    let other = rex_tlog::SigningKey::from_bytes(&[7; 32]).verifying_key();
    let wrong = Trust::new(
        real.checkpoint_key().clone(),
        rex_node::trust::statements_vkey(real.origin(), other).unwrap(),
        vec![],
        None,
    )
    .unwrap();
    let message = evidence(rex_node::verify_log(&w.hub.url(), &wrong));
    assert!(
        message.starts_with(&format!(
            "the hub presents statement key {}, the pinned key is {}",
            real.statements_vkey(),
            wrong.statements_vkey()
        )),
        "{message}"
    );
    assert!(message.contains("entry 0"), "{message}");
}

/// A pinned witness the log does not know is a finding even when no cosignature is required.
#[test]
fn a_pinned_witness_the_log_does_not_register_is_named() {
    let w = World::new();
    let fr = rex_node::trust::witness_vkey(&key_file("FR")).unwrap();
    let text = format!("{}witness {fr}\nquorum 0\n", hub_lines(&w.hub));
    let message = evidence(rex_node::verify_log(
        &w.hub.url(),
        &Trust::parse(&text).unwrap(),
    ));
    assert_eq!(message, "witness FR is not a state registered in this log");
}
