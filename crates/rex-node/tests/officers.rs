//! Officers' keys and four-eyes through a real hub on loopback: keys made at the node (0600),
//! certified and revoked in the log, binding acts signed by a drafter and an approver, every
//! refusal answered by the hub, and an audit of the log (`rex log verify`) that replays the
//! same checks.

use base64::Engine as _;
use ed25519_dalek::SigningKey;
use rex_domain::{Action, AgreementId, Answer, OfficerId, RequestId, Role, Signing, Statement};
use rex_node::{Error, HubClient, Node};
use rex_testkit::{metadata, node_clock, party, terms, LoopbackHub, T0};
use std::os::unix::fs::PermissionsExt as _;
use std::path::PathBuf;

const HOUR: u64 = 3600;

fn id(s: &str) -> OfficerId {
    OfficerId::new(s).unwrap()
}

/// US and RU under an agreement, a US request to RU. RU's officers: a case officer, two
/// approvers, one approver certified for an hour only, one to be revoked; US has an approver.
/// RU requires four-eyes.
struct World {
    tmp: tempfile::TempDir,
    hub: LoopbackHub,
    us: Node,
    ru: Node,
    request: RequestId,
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
        for (state, name, roles, not_after) in [
            ("RU", "ru-case", &[Role::CaseOfficer][..], year),
            ("RU", "ru-approver", &[Role::Approver], year),
            ("RU", "ru-hour", &[Role::Approver], T0 + HOUR),
            ("RU", "ru-leaving", &[Role::Approver], year),
            ("US", "us-approver", &[Role::Approver], year),
        ] {
            let node = if state == "RU" { &mut ru } else { &mut us };
            node.create_officer_key(&id(name)).unwrap();
            node.certify_officer(&id(name), roles, T0, not_after)
                .unwrap();
        }
        ru.revoke_officer(&id("ru-leaving")).unwrap();
        ru.submit(Action::FourEyesRequired).unwrap();
        World {
            tmp,
            hub,
            us,
            ru,
            request,
        }
    }

    fn answer(&self) -> Action {
        Action::RequestAnswered {
            request: self.request,
            answer: Answer::ProsecutionAtHome,
        }
    }

    /// `rex log verify`'s audit, with the hub's and both states' keys pinned.
    fn audit(&mut self) -> rex_node::LogReport {
        let state = self.hub.hub().state();
        let keys = state.keys();
        let mut trust =
            rex_node::trust::hub_lines(keys.checkpoint.verifier(), keys.statement.verifying_key())
                .unwrap();
        for n in [&self.us, &self.ru] {
            let vkey = rex_node::trust::witness_vkey(&n.public_keys().unwrap()).unwrap();
            trust.push_str(&format!("witness {vkey}\n"));
        }
        self.us.sync().unwrap();
        self.ru.sync().unwrap();
        let trust = rex_node::Trust::parse(&trust).unwrap();
        rex_node::verify_log(&self.hub.url(), &trust).unwrap()
    }

    fn dir(&self, code: &str) -> PathBuf {
        self.tmp.path().join(code)
    }

    /// A key file of the node in `dir`, read as a test holding the machine would.
    fn seed(path: PathBuf) -> SigningKey {
        let text = std::fs::read_to_string(path).unwrap();
        let seed: [u8; 32] = base64::engine::general_purpose::STANDARD
            .decode(text.trim())
            .unwrap()
            .try_into()
            .unwrap();
        SigningKey::from_bytes(&seed)
    }

    /// RU's answer signed by RU's node key and by the officers' keys given, posted as is.
    fn post_raw(&self, officers: &[(Signing, &str)]) -> Error {
        let seq = self
            .ru
            .registry()
            .unwrap()
            .next_seq(party("RU").into())
            .unwrap();
        let mut s = Statement::new(party("RU"), seq, T0, self.answer());
        if let [(_, d), (_, a), ..] = officers {
            s = s.with_officers(id(d), id(a));
        } else if let [(_, d)] = officers {
            s = s.with_officers(id(d), id("ru-approver"));
        }
        let node_key = World::seed(self.dir("RU").join("ed25519.key"));
        let mut e = rex_domain::Envelope::sign_statement(&s, &node_key);
        for (signing, name) in officers {
            let key = World::seed(self.dir("RU").join("officers").join(format!("{name}.key")));
            e.add_officer_signature(*signing, party("RU"), &id(name), &key);
        }
        HubClient::new(&self.hub.url())
            .unwrap()
            .post_statement(&e)
            .unwrap_err()
    }
}

/// The hub's refusal code and message.
fn refused(e: Error) -> (String, String) {
    match e {
        Error::Refused { code, message } => (code, message),
        other => panic!("not a refusal of the hub: {other}"),
    }
}

#[test]
fn officer_keys_are_secret_files_and_certified_in_the_log() {
    let w = World::new();
    let path = w.dir("RU").join("officers").join("ru-case.key");
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let dir_mode = std::fs::metadata(path.parent().unwrap())
        .unwrap()
        .permissions()
        .mode()
        & 0o777;
    assert_eq!(dir_mode, 0o700);
    let e = w.ru.create_officer_key(&id("ru-case")).unwrap_err();
    assert!(e.to_string().contains("has a key already"), "{e}");

    // The other state reads the certificates from its own replay of the log.
    let reg = w.us.registry().unwrap();
    let o = reg.officer(&party("RU"), &id("ru-case")).unwrap();
    assert_eq!(o.key, w.ru.officer_key(&id("ru-case")).unwrap());
    assert_eq!(o.roles, vec![Role::CaseOfficer]);
    assert!(reg
        .officer(&party("RU"), &id("ru-leaving"))
        .unwrap()
        .revoked_at
        .is_some());
    assert!(reg.requires_four_eyes(&party("RU")));
    assert!(!reg.requires_four_eyes(&party("US")));
}

#[test]
fn the_hub_takes_two_officers_and_refuses_every_other_form() {
    let mut w = World::new();
    let answer = w.answer();

    // The node alone: RU requires four-eyes.
    let (code, message) = refused(w.ru.submit(answer.clone()).unwrap_err());
    assert_eq!(code, "four_eyes");
    assert!(message.contains("no officer signed"), "{message}");

    // One officer's signature.
    let (code, message) = refused(w.post_raw(&[(Signing::Drafter, "ru-case")]));
    assert_eq!(code, "bad_envelope", "{message}");

    // The same officer twice (the node refuses to send it; the hub refuses it too).
    let e =
        w.ru.submit_four_eyes(answer.clone(), &id("ru-approver"), &id("ru-approver"))
            .unwrap_err();
    assert!(matches!(e, Error::Input(_)), "{e}");
    let (code, message) = refused(w.post_raw(&[
        (Signing::Drafter, "ru-approver"),
        (Signing::Approver, "ru-approver"),
    ]));
    assert_eq!(code, "four_eyes");
    assert!(message.contains("both drafter and approver"), "{message}");

    let cases = [
        (
            "ru-approver",
            "ru-case",
            "approver ru-case of RU: holds no approver role",
        ),
        (
            "ru-case",
            "ru-leaving",
            "approver ru-leaving of RU: revoked at",
        ),
    ];
    for (drafter, approver, says) in cases {
        let e =
            w.ru.submit_four_eyes(answer.clone(), &id(drafter), &id(approver))
                .unwrap_err();
        let (code, message) = refused(e);
        assert_eq!(code, "four_eyes", "{message}");
        assert!(message.contains(says), "{message}");
    }

    // Another state's officer: its key copied into RU's node, under its own id.
    std::fs::copy(
        w.dir("US").join("officers").join("us-approver.key"),
        w.dir("RU").join("officers").join("us-approver.key"),
    )
    .unwrap();
    let (code, message) = refused(
        w.ru.submit_four_eyes(answer.clone(), &id("ru-case"), &id("us-approver"))
            .unwrap_err(),
    );
    assert_eq!(code, "four_eyes");
    assert!(
        message.contains("approver us-approver of RU: no such officer certified by RU"),
        "{message}"
    );

    // An expired approver: the hub's clock passes the end of its certificate.
    w.hub.clock().advance(2 * HOUR);
    let (code, message) = refused(
        w.ru.submit_four_eyes(answer.clone(), &id("ru-case"), &id("ru-hour"))
            .unwrap_err(),
    );
    assert_eq!(code, "four_eyes");
    assert!(
        message.contains("approver ru-hour of RU: expired at"),
        "{message}"
    );

    // Two officers, each in their role: accepted.
    w.ru.submit_four_eyes(answer, &id("ru-case"), &id("ru-approver"))
        .unwrap();
    let reg = w.us.registry().unwrap();
    assert!(reg.request(&w.request).unwrap().answer.is_some());

    // Anyone's audit replays the same checks from the log alone.
    let report = w.audit();
    assert_eq!(report.registry, w.us.registry().unwrap());
    assert_eq!(
        report.binding_acts,
        rex_node::BindingActs {
            by_officers: 1,
            by_node: 0
        }
    );
    assert!(report
        .registry
        .request(&w.request)
        .unwrap()
        .answer
        .is_some());
}

#[test]
fn a_state_that_does_not_require_four_eyes_still_acts_node_only() {
    let mut w = World::new();
    let agreement =
        w.us.registry()
            .unwrap()
            .request(&w.request)
            .unwrap()
            .metadata
            .agreement;
    let (r2, _) =
        w.ru.file_request((*metadata("RU", "US", agreement)).clone(), b"RU dossier")
            .unwrap();
    let answer = Action::RequestAnswered {
        request: r2,
        answer: Answer::Surrender,
    };
    // Officers of US may sign; the node alone may too, and the statement says so.
    let e =
        w.us.submit_four_eyes(answer.clone(), &id("us-approver"), &id("us-nobody"))
            .unwrap_err();
    assert!(
        e.to_string().contains("no key for officer us-nobody"),
        "{e}"
    );
    w.us.submit(answer).unwrap();
    assert!(w
        .ru
        .registry()
        .unwrap()
        .request(&r2)
        .unwrap()
        .answer
        .is_some());
    assert_eq!(
        w.audit().binding_acts,
        rex_node::BindingActs {
            by_officers: 0,
            by_node: 1
        }
    );
    // Officers sign binding acts only.
    let e =
        w.us.submit_four_eyes(Action::FourEyesRequired, &id("us-approver"), &id("us-x"))
            .unwrap_err();
    assert!(e.to_string().contains("not a binding act"), "{e}");
}

#[test]
fn a_whole_exchange_under_four_eyes_through_the_hub() {
    let mut w = World::new();
    w.us.create_officer_key(&id("us-case")).unwrap();
    w.us.certify_officer(&id("us-case"), &[Role::CaseOfficer], T0, T0 + 86_400)
        .unwrap();
    w.us.submit(Action::FourEyesRequired).unwrap();
    let agreement =
        w.us.registry()
            .unwrap()
            .request(&w.request)
            .unwrap()
            .metadata
            .agreement;
    let (ru_asks, _) =
        w.ru.file_request((*metadata("RU", "US", agreement)).clone(), b"RU dossier")
            .unwrap();
    let us_asks = w.request;
    let (us_officers, ru_officers) = (
        (id("us-case"), id("us-approver")),
        (id("ru-case"), id("ru-approver")),
    );
    let act = |node: &mut Node, officers: &(OfficerId, OfficerId), action: Action| {
        node.submit_four_eyes(action, &officers.0, &officers.1)
            .unwrap_or_else(|e| panic!("{e}"));
    };
    let surrender = |request| Action::RequestAnswered {
        request,
        answer: Answer::Surrender,
    };
    act(&mut w.ru, &ru_officers, surrender(us_asks));
    act(&mut w.us, &us_officers, surrender(ru_asks));
    let client = HubClient::new(&w.hub.url())
        .unwrap()
        .signing_with(rex_node::RequestKey::new(
            "operator",
            w.hub.operator_key(),
            &w.hub.origin(),
            node_clock,
        ));
    assert!(client.run_matching_round().unwrap().is_some());
    let x = w.us.registry().unwrap().exchanges().next().unwrap().clone();
    let exchange = x.proposal.id;
    let signed = Action::ExchangeSigned {
        exchange,
        proposal_sha256: x.digest,
    };
    // The node alone cannot sign the exchange for either state.
    let (code, _) = refused(w.us.submit(signed.clone()).unwrap_err());
    assert_eq!(code, "four_eyes");
    act(&mut w.us, &us_officers, signed.clone());
    act(&mut w.ru, &ru_officers, signed);
    let leg = |request| (exchange, request);
    let (e1, r1) = leg(us_asks); // RU gives to the US
    let (e2, r2) = leg(ru_asks); // the US gives to RU
    act(
        &mut w.ru,
        &ru_officers,
        Action::LegReady {
            exchange: e1,
            request: r1,
        },
    );
    act(
        &mut w.us,
        &us_officers,
        Action::LegReady {
            exchange: e2,
            request: r2,
        },
    );
    act(
        &mut w.us,
        &us_officers,
        Action::LegVerified {
            exchange: e1,
            request: r1,
        },
    );
    act(
        &mut w.ru,
        &ru_officers,
        Action::LegVerified {
            exchange: e2,
            request: r2,
        },
    );
    let hub = w.hub.hub();
    w.hub
        .block_on(hub.wait_for_registry("go", |r| r.exchange(&exchange)?.go_at));
    act(
        &mut w.ru,
        &ru_officers,
        Action::LegDelivered {
            exchange: e1,
            request: r1,
        },
    );
    act(
        &mut w.us,
        &us_officers,
        Action::LegReceived {
            exchange: e1,
            request: r1,
        },
    );
    act(
        &mut w.us,
        &us_officers,
        Action::LegDelivered {
            exchange: e2,
            request: r2,
        },
    );
    act(
        &mut w.ru,
        &ru_officers,
        Action::LegReceived {
            exchange: e2,
            request: r2,
        },
    );
    let report = w.audit();
    assert_eq!(
        report.registry.exchange(&exchange).unwrap().status,
        rex_domain::ExchangeStatus::Completed
    );
    // Two answers, two exchange signatures, eight leg steps: each signed by two officers.
    assert_eq!(
        report.binding_acts,
        rex_node::BindingActs {
            by_officers: 12,
            by_node: 0
        }
    );
}
