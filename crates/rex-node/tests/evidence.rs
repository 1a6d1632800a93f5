//! Evidence bundles through a real hub on loopback: a binding act signed by two officers is
//! exported by the node (`Node::statement_evidence`, checked against its own checkpoint), then
//! checked offline (`verify_bundle`) under pinned keys only; every alteration a forger or a
//! lying hub could make fails with a line that says what is wrong.

use rex_domain::{Action, AgreementId, Answer, OfficerId, Role};
use rex_node::evidence::{Bundle, Inclusion, BUNDLE_FORMAT};
use rex_node::{verify_bundle, Error, Node, Trust};
use rex_testkit::{metadata, node_clock, party, terms, LoopbackHub, T0};

fn id(s: &str) -> OfficerId {
    OfficerId::new(s).unwrap()
}

/// US and RU under an agreement; the US asks RU for a person; RU, which requires four eyes,
/// answers with a drafter's and an approver's signatures. Both nodes synced twice, so each
/// holds a checkpoint with the other's cosignature.
struct World {
    _tmp: tempfile::TempDir,
    hub: LoopbackHub,
    us: Node,
    ru: Node,
    /// The log index of RU's answer.
    answer: u64,
}

impl World {
    fn new() -> World {
        let tmp = tempfile::tempdir().unwrap();
        let mut hub = LoopbackHub::new(&[]);
        let node = |code: &str| {
            rex_node::init_with_clock(party(code), &hub.url(), &tmp.path().join(code), node_clock)
                .unwrap()
        };
        let (mut us, mut ru) = (node("US"), node("RU"));
        hub.register([&us, &ru].map(|n| n.public_keys().unwrap()));
        let s = us
            .submit(Action::AgreementProposed {
                terms: terms(&["RU", "US"]),
            })
            .unwrap();
        let agreement = AgreementId::from_digest(&s.digest);
        ru.submit(Action::AgreementSigned { agreement }).unwrap();
        let (request, _) = us
            .file_request(
                (*metadata("US", "RU", agreement)).clone(),
                b"US dossier: a ransomware operator",
            )
            .unwrap();
        let year = T0 + 365 * 86_400;
        for (name, role) in [
            ("ru-case", Role::CaseOfficer),
            ("ru-approver", Role::Approver),
        ] {
            ru.create_officer_key(&id(name)).unwrap();
            ru.certify_officer(&id(name), &[role], T0, year).unwrap();
        }
        ru.submit(Action::FourEyesRequired).unwrap();
        let answer = ru
            .submit_four_eyes(
                Action::RequestAnswered {
                    request,
                    answer: Answer::ProsecutionAtHome,
                },
                &id("ru-case"),
                &id("ru-approver"),
            )
            .unwrap()
            .index;
        let mut w = World {
            _tmp: tmp,
            hub,
            us,
            ru,
            answer,
        };
        for _ in 0..2 {
            w.us.sync().unwrap();
            w.ru.sync().unwrap();
        }
        w
    }

    /// The bundle of entry `index`, exported by RU's node.
    fn bundle(&mut self, index: u64) -> Result<Bundle, Error> {
        let (_, registry, log) = self.ru.sync_indexed()?;
        self.ru.statement_evidence(index, &registry, &log)?.bundle()
    }

    /// A trust file pinning this hub's keys and both states as witnesses, both required.
    fn trust(&self) -> Trust {
        let mut text = hub_lines(&self.hub);
        for n in [&self.us, &self.ru] {
            let vkey = rex_node::trust::witness_vkey(&n.public_keys().unwrap()).unwrap();
            text.push_str(&format!("witness {vkey}\n"));
        }
        text.push_str("quorum 2\n");
        Trust::parse(&text).unwrap()
    }
}

fn hub_lines(hub: &LoopbackHub) -> String {
    let state = hub.hub().state();
    let keys = state.keys();
    rex_node::trust::hub_lines(keys.checkpoint.verifier(), keys.statement.verifying_key()).unwrap()
}

/// What `verify_bundle` says of `bundle`: `Ok(line)` or the one-line error.
fn check(bundle: &Bundle, trust: &Trust) -> Result<String, String> {
    verify_bundle(bundle.to_json().as_bytes(), trust)
        .map(|v| v.describe())
        .map_err(|e| e.to_string())
}

#[test]
fn a_bundle_of_a_four_eyes_act_verifies_offline_and_says_what_it_proves() {
    let mut w = World::new();
    let bundle = w.bundle(w.answer).unwrap();
    assert_eq!(bundle.format, BUNDLE_FORMAT);
    // RU's and US's registrations and both officers' certificates: four support entries.
    assert_eq!(bundle.support.len(), 4, "{bundle:?}");
    let trust = w.trust();
    let line = check(&bundle, &trust).unwrap();
    for part in [
        &format!("entry {} of the log", w.answer),
        "is RU seq",
        "request_answered",
        "signed by RU's node, officer ru-case of RU (drafter), certified at entry",
        "officer ru-approver of RU (approver), certified at entry",
        "cosigned by US, RU (2 of 2 pinned witnesses, 2 required)",
    ] {
        assert!(line.contains(part), "{part:?} not in {line:?}");
    }
    // The hub is not needed to check it: stop it and check again.
    w.hub.stop();
    assert_eq!(check(&bundle, &trust), Ok(line));
    w.hub.start();
}

#[test]
fn the_evidence_on_the_node_names_signers_roles_and_finality() {
    let mut w = World::new();
    let (_, registry, log) = w.ru.sync_indexed().unwrap();
    let e = w.ru.statement_evidence(w.answer, &registry, &log).unwrap();
    assert_eq!(e.inclusion, Inclusion::Verified);
    assert!(e.is_final, "RU's witness, the US, cosigned");
    let mut cosigned = e.cosigned_by.clone();
    cosigned.sort();
    assert_eq!(cosigned, [party("RU"), party("US")]);
    let who: Vec<(&str, &str, bool)> = e
        .signers
        .iter()
        .map(|s| (s.who.as_str(), s.signed_as.as_str(), s.valid))
        .collect();
    assert_eq!(
        who,
        [
            ("RU's node", "node key", true),
            ("ru-case", "drafter", true),
            ("ru-approver", "approver", true)
        ]
    );
    assert_eq!(e.signers[2].roles, [Role::Approver]);
    assert!(e.signers[1].certified_at.is_some_and(|i| i < w.answer));
}

#[test]
fn a_statement_beyond_the_checkpoint_held_has_no_evidence_yet() {
    let mut w = World::new();
    let (report, registry, log) = w.ru.sync_indexed().unwrap();
    let beyond = report.size;
    // The US acts; RU has not synced since, so its checkpoint does not hold the new entry.
    w.us.submit(Action::FourEyesRequired).unwrap();
    let err =
        w.ru.statement_evidence(beyond, &registry, &log)
            .unwrap_err();
    assert!(
        matches!(&err, Error::Input(m) if m.contains(&format!("entry {beyond} is not in a checkpoint this node holds yet (it holds {beyond} entries)"))),
        "{err:?}"
    );
}

#[test]
fn every_alteration_of_a_bundle_fails_with_a_precise_line() {
    let mut w = World::new();
    let good = w.bundle(w.answer).unwrap();
    let trust = w.trust();
    let i = w.answer;
    let fails = |edit: &dyn Fn(&mut Bundle), trust: &Trust, expected: &str| {
        let mut b = good.clone();
        edit(&mut b);
        let err = check(&b, trust).unwrap_err();
        assert!(err.contains(expected), "{expected:?} not in {err:?}");
    };

    // The statement altered: its acceptance time, or one byte of the signed payload.
    fails(
        &|b| b.statement.entry = b.statement.entry.replacen("{\"time\":", "{\"time\":1", 1),
        &trust,
        &format!("entry {i}: the inclusion proof does not lead from the entry to the root"),
    );
    fails(
        &|b| {
            let at = b.statement.entry.find("\"payload\":\"").unwrap() + 12;
            let mut bytes = b.statement.entry.clone().into_bytes();
            bytes[at] = if bytes[at] == b'A' { b'B' } else { b'A' };
            b.statement.entry = String::from_utf8(bytes).unwrap();
        },
        &trust,
        &format!("entry {i}: the inclusion proof does not lead"),
    );
    // A wrong proof: one hash replaced, or the proof of another entry.
    fails(
        &|b| b.statement.inclusion[0] = rex_tlog::Hash::from_slice(&[7; 32]).unwrap().to_base64(),
        &trust,
        &format!("entry {i}: the inclusion proof does not lead"),
    );
    fails(
        &|b| b.statement.inclusion = b.support[0].inclusion.clone(),
        &trust,
        &format!("entry {i}: the inclusion proof does not lead"),
    );
    // The certification of an officer left out.
    fails(
        &|b| b.support.retain(|p| !is_certificate(p)),
        &trust,
        "officer ru-case of RU (drafter): the bundle holds no certification of this officer",
    );
    // A checkpoint signed by another key: another hub's pinned keys.
    let other = LoopbackHub::new(&[]);
    let mut text = hub_lines(&other);
    for n in [&w.us, &w.ru] {
        let vkey = rex_node::trust::witness_vkey(&n.public_keys().unwrap()).unwrap();
        text.push_str(&format!("witness {vkey}\n"));
    }
    fails(
        &|_| {},
        &Trust::parse(&text).unwrap(),
        "the bundle's checkpoint is not signed by the pinned checkpoint key",
    );
    // A cosignature missing under a quorum of two: RU's line taken out of the note.
    fails(
        &|b| {
            b.checkpoint = b
                .checkpoint
                .lines()
                .filter(|l| !l.starts_with("\u{2014} RU "))
                .map(|l| format!("{l}\n"))
                .collect();
        },
        &trust,
        &format!(
            "checkpoint {} is cosigned by 1 of the 2 pinned witnesses, 2 required; missing: RU",
            w.ru.checkpoint().unwrap().unwrap().0.size()
        ),
    );
    // Not a bundle, or another version.
    assert!(verify_bundle(b"{}", &trust)
        .unwrap_err()
        .to_string()
        .contains("not an evidence bundle"));
    let v2 = good.to_json().replace(BUNDLE_FORMAT, "rex-evidence/v2");
    assert_eq!(
        verify_bundle(v2.as_bytes(), &trust)
            .unwrap_err()
            .to_string(),
        "the bundle's format is \"rex-evidence/v2\"; this rex reads \"rex-evidence/v1\""
    );
    // And the good one still verifies.
    assert!(check(&good, &trust).is_ok());
}

/// Whether a support entry is an `officer_certified` statement.
fn is_certificate(p: &rex_node::evidence::Proven) -> bool {
    let entry = rex_domain::LogEntry::parse(p.entry.as_bytes()).unwrap();
    matches!(
        rex_domain::Statement::from_bytes(&entry.envelope.payload)
            .unwrap()
            .action,
        Action::OfficerCertified { .. }
    )
}

/// A message sent by a liaison officer: the bundle carries the officer's certificate and the
/// offline check verifies the officer's signature; one without it, or with that signature
/// altered, fails.
#[test]
fn a_bundle_of_a_message_checks_the_liaison_officers_signature() {
    let mut w = World::new();
    let year = T0 + 365 * 86_400;
    w.ru.create_officer_key(&id("ru-liaison")).unwrap();
    w.ru.certify_officer(&id("ru-liaison"), &[Role::Liaison], T0, year)
        .unwrap();
    let request = w.ru.registry().unwrap().requests().next().unwrap().id;
    let (_, sent) =
        w.ru.send_message_as(
            rex_node::Outgoing {
                conversation: rex_domain::Conversation::Request { request },
                to: vec![party("US")],
                subject: "Assurances".into(),
                body: "On the assurances you asked for.".into(),
                ack_within: 86_400,
            },
            Some(&id("ru-liaison")),
        )
        .unwrap();
    for _ in 0..2 {
        w.us.sync().unwrap();
        w.ru.sync().unwrap();
    }
    let bundle = w.bundle(sent.index).unwrap();
    let trust = w.trust();
    let line = check(&bundle, &trust).unwrap();
    assert!(
        line.contains(
            "signed by RU's node, officer ru-liaison of RU (liaison), certified at entry"
        ),
        "{line}"
    );

    // The audit of the whole log counts it.
    let report = rex_node::verify_log(&w.hub.url(), &trust).unwrap();
    assert_eq!(report.liaison_acts, 1);

    // Without the officer's certificate.
    let mut bare = bundle.clone();
    bare.support.retain(|p| !is_certificate(p));
    assert_eq!(
        check(&bare, &trust).unwrap_err(),
        "officer ru-liaison of RU (liaison): the bundle holds no certification of this officer"
    );
    // The officer's signature altered: the entry no longer matches its leaf.
    let mut forged = bundle.clone();
    let mut entry: serde_json::Value = serde_json::from_str(&forged.statement.entry).unwrap();
    let sig = entry["envelope"]["signatures"][1]["sig"]
        .as_str()
        .unwrap()
        .to_owned();
    let flipped = if sig.starts_with('A') { "B" } else { "A" };
    entry["envelope"]["signatures"][1]["sig"] = format!("{flipped}{}", &sig[1..]).into();
    forged.statement.entry = entry.to_string();
    assert!(check(&forged, &trust).is_err());
}
