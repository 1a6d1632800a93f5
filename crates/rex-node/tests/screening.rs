//! The custodian's node evaluates the dossier rules of the screening catalogue through a real
//! hub on loopback: the facts come from the dossier it decrypts, the log gets verdicts that
//! name rules, and no fact of the dossier reaches the hub.

use rex_domain::{
    Action, AgreementId, Answer, Check, DossierFacts, Limitation, Offence, Outcome, ProfileDraft,
    RequestStatus, StateProfile, Statute, StructuredDossier, DOSSIER_FORMAT,
};
use rex_node::Node;
use rex_testkit::{metadata, node_clock, party, terms, LoopbackHub};

fn profile() -> StateProfile {
    StateProfile::new(ProfileDraft {
        surrenders_nationals: false,
        min_penalty_months: 12,
        min_sentence_months: 4,
        statutes: Offence::ALL
            .iter()
            .map(|o| Statute {
                category: *o,
                reference: format!("art. {o}"),
            })
            .collect(),
        limitations: vec![Limitation {
            category: Offence::IllegalAccess,
            years: 15,
        }],
        min_age: 16,
        death_penalty: false,
        assurances_required: Vec::new(),
        exclusions: Vec::new(),
    })
    .unwrap()
}

fn dossier(facts: DossierFacts) -> Vec<u8> {
    serde_json::to_vec(&StructuredDossier {
        format: DOSSIER_FORMAT.into(),
        facts,
        text: "Identity: a ransomware operator known as 'Kreios'. Warrant of 2021-06-01.".into(),
        attachments: Vec::new(),
    })
    .unwrap()
}

struct World {
    _tmp: tempfile::TempDir,
    hub: LoopbackHub,
    us: Node,
    ru: Node,
    de: Node,
    agreement: AgreementId,
}

fn world() -> World {
    let tmp = tempfile::tempdir().unwrap();
    let mut hub = LoopbackHub::new(&[]);
    let node = |code: &str| {
        rex_node::init_with_clock(party(code), &hub.url(), &tmp.path().join(code), node_clock)
            .unwrap()
    };
    let (mut us, mut ru, de) = (node("US"), node("RU"), node("DE"));
    hub.register([&us, &ru, &de].map(|n| n.public_keys().unwrap()));
    ru.submit(Action::ProfilePublished { profile: profile() })
        .unwrap();
    let s = us
        .submit(Action::AgreementProposed {
            terms: terms(&["RU", "US"]),
        })
        .unwrap();
    let agreement = AgreementId::from_digest(&s.digest);
    ru.submit(Action::AgreementSigned { agreement }).unwrap();
    World {
        _tmp: tmp,
        hub,
        us,
        ru,
        de,
        agreement,
    }
}

#[test]
fn the_custodians_node_evaluates_the_dossier_and_no_fact_reaches_the_hub() {
    let mut w = world();
    let facts = DossierFacts {
        offence_date: Some("2019-03-07".into()),
        born: Some("1987-11-23".into()),
        final_judgment_same_acts: Some(false),
        amnesty: Some(false),
        identity: None,
    };
    let (request, _) =
        w.us.file_request(
            (*metadata("US", "RU", w.agreement)).clone(),
            &dossier(facts),
        )
        .unwrap();
    let awaited = Node::awaiting_evaluation(&w.ru.registry().unwrap(), party("RU"), &request);
    assert_eq!(
        awaited,
        vec![
            Check::Limitation,
            Check::AgeAtOffence,
            Check::NeBisInIdem,
            Check::Amnesty
        ]
    );
    // Only RU's node has anything to evaluate; the requester's node has nothing awaiting it.
    assert!(w.us.evaluate_screening(&request).unwrap().is_none());
    // DE can neither read the dossier nor is anything awaited of it.
    assert!(w.de.evaluate_screening(&request).unwrap().is_none());

    let s =
        w.ru.evaluate_screening(&request)
            .unwrap()
            .expect("evaluated");
    let reg = w.us.registry().unwrap();
    let r = reg.request(&request).unwrap();
    for check in awaited {
        let c = r.screening.iter().find(|c| c.check == check).unwrap();
        assert!(matches!(c.outcome, Outcome::Passed { .. }), "{c:?}");
        assert_eq!(c.decision, Some(s.digest));
    }
    // Nothing left for the node; the answer goes through.
    assert!(w.ru.evaluate_screening(&request).unwrap().is_none());
    w.ru.submit(Action::RequestAnswered {
        request,
        answer: Answer::Surrender,
    })
    .unwrap();
    assert_eq!(
        w.us.registry().unwrap().request(&request).unwrap().status,
        RequestStatus::Pooled
    );
    // Every statement the hub logged, decoded: the verdicts are there, no fact of the dossier
    // (which the hub holds only as age ciphertext).
    let payloads = logged_payloads(&w.hub);
    assert!(
        payloads.iter().any(|p| p.contains("screening_evaluated")
            && p.contains("within the limitation period of 15 years (illegal_access)")),
        "the node's verdicts are in the log"
    );
    for fact in ["2019-03-07", "1987-11-23", "Kreios"] {
        assert!(
            payloads.iter().all(|p| !p.contains(fact)),
            "{fact} reached the hub's log"
        );
    }
}

/// The payload of every entry in the hub's log, as text.
fn logged_payloads(hub: &LoopbackHub) -> Vec<String> {
    use rex_store::HubStore as _;
    let store = rex_store::SqliteStore::open(hub.database_path()).unwrap();
    let size = store.size().unwrap();
    store
        .entries(0, size)
        .unwrap()
        .iter()
        .map(|bytes| {
            let entry = rex_domain::LogEntry::parse(bytes).unwrap();
            String::from_utf8(entry.envelope.payload).unwrap()
        })
        .collect()
}

#[test]
fn a_time_barred_request_is_refused_by_the_nodes_verdict() {
    let mut w = world();
    let facts = DossierFacts {
        offence_date: Some("2001-01-01".into()),
        born: Some("1980-01-01".into()),
        final_judgment_same_acts: Some(false),
        amnesty: Some(false),
        identity: None,
    };
    let (request, _) =
        w.us.file_request(
            (*metadata("US", "RU", w.agreement)).clone(),
            &dossier(facts),
        )
        .unwrap();
    w.ru.evaluate_screening(&request)
        .unwrap()
        .expect("evaluated");
    let reg = w.us.registry().unwrap();
    let r = reg.request(&request).unwrap();
    assert_eq!(
        r.status,
        RequestStatus::Refused(rex_domain::RefusalGround::Screening)
    );
    let failed = r.blocking_check().unwrap();
    assert_eq!(failed.check, Check::Limitation);
    assert!(
        failed
            .outcome
            .reason()
            .contains("(15 years, illegal_access) has run out"),
        "{failed:?}"
    );
}

fn identified(family: &str, given: &str) -> Vec<u8> {
    dossier(DossierFacts {
        offence_date: Some("2019-03-07".into()),
        born: Some("1987-11-23".into()),
        final_judgment_same_acts: Some(false),
        amnesty: Some(false),
        identity: Some(rex_domain::SubjectIdentity {
            family_name: family.into(),
            given_names: given.into(),
        }),
    })
}

#[test]
fn two_states_ask_for_one_person_and_the_hub_sees_equal_tags_never_the_name() {
    let mut w = world();
    let s =
        w.de.submit(Action::AgreementProposed {
            terms: terms(&["DE", "RU"]),
        })
        .unwrap();
    let de_ru = AgreementId::from_digest(&s.digest);
    w.ru.submit(Action::AgreementSigned { agreement: de_ru })
        .unwrap();
    let (us, _) =
        w.us.file_request(
            (*metadata("US", "RU", w.agreement)).clone(),
            &identified("Petrov", "Aleksandr Igorevich"),
        )
        .unwrap();
    let (de, _) =
        w.de.file_request(
            (*metadata("DE", "RU", de_ru)).clone(),
            &identified(" PETROV", "aleksandr  igorevich"),
        )
        .unwrap();
    // Only the custodian's node tags: the requester's has nothing to tag.
    assert!(w.us.tag_subject(&us).unwrap().is_none());
    // The custodian's node tags as it evaluates the dossier rules, once.
    w.ru.evaluate_screening(&us).unwrap().expect("evaluated");
    w.ru.evaluate_screening(&de).unwrap().expect("evaluated");
    assert!(w.ru.tag_subject(&us).unwrap().is_none(), "tagged once");
    let reg = w.us.registry().unwrap();
    let (t1, t2) = (reg.subject_tag(&us).unwrap(), reg.subject_tag(&de).unwrap());
    assert_eq!(t1, t2, "the same person, spelt differently, has one tag");
    for r in [us, de] {
        let c = reg.request(&r).unwrap().blocking_check().unwrap();
        assert_eq!(c.check, Check::CompetingRequest, "{c:?}");
    }
    // The custodian decides: its grounds stay on its node, their digest goes to the log.
    let grounds =
        w.ru.keep_grounds(b"Petrov's acts were committed mostly against US victims.")
            .unwrap();
    let mut requests = vec![us, de];
    requests.sort();
    w.ru.submit(Action::CompetitionDecided {
        requests,
        preferred: us,
        others: rex_domain::Others::Refuse,
        factors: vec![rex_domain::Factor::Seriousness, rex_domain::Factor::Place],
        grounds_sha256: grounds,
    })
    .unwrap();
    let reg = w.de.registry().unwrap();
    assert_eq!(
        reg.request(&de).unwrap().status,
        RequestStatus::Refused(rex_domain::RefusalGround::CompetingRequest)
    );
    assert!(reg.request(&us).unwrap().blocking_check().is_none());
    let payloads = logged_payloads(&w.hub);
    let tagged: Vec<&String> = payloads
        .iter()
        .filter(|p| p.contains("\"subject_tagged\""))
        .collect();
    assert_eq!(tagged.len(), 2);
    assert!(tagged.iter().all(|p| p.contains(&t1.to_string())));
    for word in [
        "Petrov",
        "PETROV",
        "petrov",
        "Aleksandr",
        "aleksandr",
        "Igorevich",
        "igorevich",
        "1987-11-23",
        "US victims",
    ] {
        assert!(
            payloads.iter().all(|p| !p.contains(word)),
            "{word} reached the hub's log"
        );
    }
}

#[test]
fn a_dossier_without_identity_is_read_once_and_tagged_never() {
    let mut w = world();
    let (request, _) =
        w.us.file_request(
            (*metadata("US", "RU", w.agreement)).clone(),
            &dossier(DossierFacts::default()),
        )
        .unwrap();
    let reg = w.ru.registry().unwrap();
    assert!(w.ru.awaiting_tag(&reg, &request));
    assert!(w.ru.tag_subject(&request).unwrap().is_none());
    assert!(!w.ru.awaiting_tag(&reg, &request), "marked as read");
    assert!(w.ru.registry().unwrap().subject_tag(&request).is_none());
}
