//! Competing requests ([`rex_domain::competing`]): the custodian's subject tags, equal tags
//! gating every request that shares them, the custodian's decision (refuse or defer), a deferred
//! request reopened when the preferred one closes, and a person never in two binding exchanges;
//! each refusal in one table, and every story replayed.

use crate::world;

use rex_domain::{
    Action, Answer, Check, Digest, DossierFacts, Factor, Others, Outcome, RefusalGround, RequestId,
    RequestStatus, Severity, StructuredDossier, SubjectIdentity, TagKey,
};
use world::{check, terms, World};

/// Three states under one agreement: US and DE each ask RU for someone, US asks DE for someone.
struct Setup {
    w: World,
    /// US asks RU.
    us_ru: RequestId,
    /// DE asks RU.
    de_ru: RequestId,
    /// US asks DE.
    us_de: RequestId,
}

fn setup() -> Setup {
    let mut w = World::new(&["DE", "RU", "US"]);
    let a = w.agreement(terms(&["DE", "RU", "US"]));
    let us_ru = w.file("US", "RU", a, Severity::Serious, false);
    let de_ru = w.file("DE", "RU", a, Severity::Serious, false);
    let us_de = w.file("US", "DE", a, Severity::Serious, false);
    Setup {
        w,
        us_ru,
        de_ru,
        us_de,
    }
}

fn person() -> Digest {
    Digest::of(b"the same person, as RU's key tags it")
}

fn tag(request: RequestId, tag: Digest) -> Action {
    Action::SubjectTagged { request, tag }
}

fn decide(requests: &[RequestId], preferred: RequestId, others: Others) -> Action {
    let mut requests = requests.to_vec();
    requests.sort();
    Action::CompetitionDecided {
        requests,
        preferred,
        others,
        factors: vec![Factor::Seriousness, Factor::Place],
        grounds_sha256: Digest::of(b"the grounds, kept at RU's node"),
    }
}

/// The competing-request check of `r`: its outcome's name and reason.
fn competing(w: &World, r: RequestId) -> Option<(&'static str, String)> {
    let c = w
        .reg
        .request(&r)?
        .screening
        .iter()
        .find(|c| c.check == Check::CompetingRequest)?;
    Some(match &c.outcome {
        Outcome::Passed { reason } => ("passed", w.alias(reason)),
        Outcome::Failed { reason } => ("failed", w.alias(reason)),
        Outcome::Awaiting { reason, .. } => ("awaiting", w.alias(reason)),
    })
}

/// RU tags both of its requests with the same tag: both compete.
fn competing_pair(s: &mut Setup) {
    s.w.act("RU", tag(s.us_ru, person())).unwrap();
    s.w.act("RU", tag(s.de_ru, person())).unwrap();
}

/// One refusal: who tries what after which prelude, and the refusal's code and words.
struct Refusal {
    name: &'static str,
    prelude: fn(&mut Setup),
    actor: &'static str,
    action: fn(&Setup) -> Action,
    code: &'static str,
    words: &'static str,
}

fn nothing(_: &mut Setup) {}

fn refusals() -> Vec<Refusal> {
    vec![
        Refusal {
            name: "a requester tries to tag its own request",
            prelude: nothing,
            actor: "US",
            action: |s| tag(s.us_ru, person()),
            code: "not_allowed",
            words: "only the custodian RU tags the subject",
        },
        Refusal {
            name: "a custodian tags another state's request",
            prelude: nothing,
            actor: "RU",
            action: |s| tag(s.us_de, person()),
            code: "not_allowed",
            words: "only the custodian DE tags the subject",
        },
        Refusal {
            name: "a tag twice",
            prelude: |s| {
                s.w.act("RU", tag(s.us_ru, person())).unwrap();
            },
            actor: "RU",
            action: |s| tag(s.us_ru, Digest::of(b"another")),
            code: "conflict",
            words: "already tagged",
        },
        Refusal {
            name: "a tag on a withdrawn request",
            prelude: |s| {
                let r = s.us_ru;
                s.w.act("US", Action::RequestWithdrawn { request: r })
                    .unwrap();
            },
            actor: "RU",
            action: |s| tag(s.us_ru, person()),
            code: "not_allowed",
            words: "is closed or in a binding exchange",
        },
        Refusal {
            name: "a requester decides",
            prelude: competing_pair,
            actor: "US",
            action: |s| decide(&[s.us_ru, s.de_ru], s.us_ru, Others::Refuse),
            code: "not_allowed",
            words: "only the custodian RU decides",
        },
        Refusal {
            name: "a decision naming requests that do not share the tag",
            prelude: |s| {
                competing_pair(s);
                let r = s.us_de;
                s.w.act("DE", tag(r, person())).unwrap();
            },
            actor: "RU",
            action: |s| decide(&[s.us_ru, s.de_ru, s.us_de], s.us_ru, Others::Refuse),
            code: "not_allowed",
            words: "only the custodian DE decides",
        },
        Refusal {
            name: "a decision on a request not tagged",
            prelude: |s| {
                s.w.act("RU", tag(s.us_ru, person())).unwrap();
            },
            actor: "RU",
            action: |s| decide(&[s.us_ru, s.de_ru], s.us_ru, Others::Refuse),
            code: "not_allowed",
            words: "the subject of request r2 is not tagged",
        },
        Refusal {
            name: "a decision on requests with different tags",
            prelude: |s| {
                s.w.act("RU", tag(s.us_ru, person())).unwrap();
                s.w.act("RU", tag(s.de_ru, Digest::of(b"someone else")))
                    .unwrap();
            },
            actor: "RU",
            action: |s| decide(&[s.us_ru, s.de_ru], s.us_ru, Others::Refuse),
            code: "not_allowed",
            words: "does not share the subject's tag",
        },
        Refusal {
            name: "a decision leaving out a request that shares the tag",
            prelude: competing_pair,
            actor: "RU",
            action: |s| decide(&[s.us_ru], s.us_ru, Others::Refuse),
            code: "not_allowed",
            words: "the open requests sharing this tag are",
        },
        Refusal {
            name: "a decision where nothing competes",
            prelude: |s| {
                s.w.act("RU", tag(s.us_ru, person())).unwrap();
            },
            actor: "RU",
            action: |s| decide(&[s.us_ru], s.us_ru, Others::Refuse),
            code: "not_allowed",
            words: "no competition awaits a decision",
        },
        Refusal {
            name: "a decision naming no factor",
            prelude: competing_pair,
            actor: "RU",
            action: |s| match decide(&[s.us_ru, s.de_ru], s.us_ru, Others::Refuse) {
                Action::CompetitionDecided {
                    requests,
                    preferred,
                    others,
                    grounds_sha256,
                    ..
                } => Action::CompetitionDecided {
                    requests,
                    preferred,
                    others,
                    factors: Vec::new(),
                    grounds_sha256,
                },
                _ => unreachable!(),
            },
            code: "invalid",
            words: "at least one factor",
        },
        Refusal {
            name: "a preferred request the decision does not name",
            prelude: competing_pair,
            actor: "RU",
            action: |s| decide(&[s.us_ru, s.de_ru], s.us_de, Others::Refuse),
            code: "invalid",
            words: "is not among those named",
        },
        Refusal {
            name: "a competing check raised by hand",
            prelude: nothing,
            actor: "RU",
            action: |s| Action::ScreeningRaised {
                request: s.us_ru,
                check: Check::CompetingRequest,
            },
            code: "not_allowed",
            words: "raised by equal subject tags",
        },
        Refusal {
            name: "a competing check decided as a plain decision",
            prelude: competing_pair,
            actor: "RU",
            action: |s| Action::DecisionRecorded {
                request: s.us_ru,
                check: Check::CompetingRequest,
                passed: true,
                grounds_sha256: Digest::of(b"g"),
            },
            code: "not_allowed",
            words: "decided by competition_decided",
        },
        Refusal {
            name: "an exchangeable answer while the competition awaits",
            prelude: competing_pair,
            actor: "RU",
            action: |s| Action::RequestAnswered {
                request: s.us_ru,
                answer: Answer::Surrender,
            },
            code: "not_allowed",
            words: "competing_request",
        },
    ]
}

#[test]
fn every_refusal_is_refused_as_its_row_says_and_changes_nothing() {
    for case in refusals() {
        let mut s = setup();
        (case.prelude)(&mut s);
        let action = (case.action)(&s);
        let before = s.w.reg.clone();
        let message = check(s.w.act(case.actor, action), case.code);
        let message = s.w.alias(&message);
        assert!(
            message.contains(case.words),
            "{}: {message:?} does not say {:?}",
            case.name,
            case.words
        );
        assert_eq!(
            s.w.reg, before,
            "{}: a refusal changed the registry",
            case.name
        );
    }
}

#[test]
fn equal_tags_gate_both_requests_until_the_custodian_prefers_one_and_refuses_the_other() {
    let mut s = setup();
    let story = s.w.story("RU", tag(s.us_ru, person()));
    assert_eq!(story, "SubjectTagged { request: r1 }");
    assert_eq!(
        competing(&s.w, s.us_ru),
        None,
        "one tag alone competes with nothing"
    );
    let story = s.w.story("RU", tag(s.de_ru, person()));
    assert_eq!(
        story,
        "SubjectTagged { request: r2 }\nCompetingRequests { requests: [r2, r1] }".replace(
            "[r2, r1]",
            &{
                let mut v = [s.us_ru, s.de_ru];
                v.sort();
                format!("[{}]", v.map(|r| s.w.alias(&r.to_string())).join(", "))
            }
        )
    );
    for r in [s.us_ru, s.de_ru] {
        let (outcome, reason) = competing(&s.w, r).unwrap();
        assert_eq!(outcome, "awaiting");
        assert!(
            reason.contains("2 open requests to RU share the subject's tag"),
            "{reason}"
        );
        let blocking = s.w.reg.request(&r).unwrap().blocking_check().unwrap().check;
        assert_eq!(blocking, Check::CompetingRequest);
    }
    // Neither is answerable as exchangeable; a refusal on another ground is still possible.
    let story =
        s.w.story("RU", decide(&[s.us_ru, s.de_ru], s.de_ru, Others::Refuse));
    assert!(
        story.starts_with("CompetitionDecided { preferred: r2, others: Refuse }"),
        "{story}"
    );
    assert!(
        story.contains("RequestScreenedOut { request: r1, check: CompetingRequest }"),
        "{story}"
    );
    let (outcome, reason) = competing(&s.w, s.de_ru).unwrap();
    assert_eq!(outcome, "passed");
    assert!(
        reason.contains("preferred by RU over r1 (factors: seriousness, place; grounds sha256"),
        "{reason}"
    );
    let (outcome, reason) = competing(&s.w, s.us_ru).unwrap();
    assert_eq!(outcome, "failed");
    assert!(reason.contains("RU preferred request r2"), "{reason}");
    assert_eq!(
        s.w.reg.request(&s.us_ru).unwrap().status,
        RequestStatus::Refused(RefusalGround::CompetingRequest)
    );
    s.w.answer(s.de_ru, Answer::Surrender);
    assert_eq!(
        s.w.reg.request(&s.de_ru).unwrap().status,
        RequestStatus::Pooled
    );
    assert_eq!(
        s.w.reg.sharing_tag(&s.de_ru),
        vec![s.de_ru],
        "the refused one left the index"
    );
    s.w.replays_the_same();
}

#[test]
fn a_deferred_request_waits_and_reopens_when_the_preferred_one_is_withdrawn() {
    let mut s = setup();
    competing_pair(&mut s);
    let story =
        s.w.story("RU", decide(&[s.us_ru, s.de_ru], s.us_ru, Others::Defer));
    assert_eq!(story, "CompetitionDecided { preferred: r1, others: Defer }");
    let (outcome, reason) = competing(&s.w, s.de_ru).unwrap();
    assert_eq!(outcome, "awaiting");
    assert!(
        reason.contains("deferred by RU in favour of request r1"),
        "{reason}"
    );
    assert_eq!(s.w.reg.deferred_for(&s.de_ru), Some(&s.us_ru));
    assert_eq!(
        s.w.reg.request(&s.de_ru).unwrap().status,
        RequestStatus::AwaitingAnswer
    );
    // No second decision while nothing reopened it.
    let refused =
        s.w.act("RU", decide(&[s.us_ru, s.de_ru], s.de_ru, Others::Refuse));
    check(refused, "not_allowed");
    let story =
        s.w.story("US", Action::RequestWithdrawn { request: s.us_ru });
    assert!(
        story.contains("CompetitionReopened { request: r2, preferred: r1 }"),
        "{story}"
    );
    let (outcome, reason) = competing(&s.w, s.de_ru).unwrap();
    assert_eq!(outcome, "awaiting");
    assert!(
        reason.contains("reopened: request r1, preferred over it, was closed"),
        "{reason}"
    );
    // Alone now: the custodian decides anew, naming only it.
    let story = s.w.story("RU", decide(&[s.de_ru], s.de_ru, Others::Refuse));
    assert_eq!(
        story,
        "CompetitionDecided { preferred: r2, others: Refuse }"
    );
    let (outcome, reason) = competing(&s.w, s.de_ru).unwrap();
    assert_eq!(outcome, "passed");
    assert!(
        reason.contains("no other open request shares the tag"),
        "{reason}"
    );
    s.w.answer(s.de_ru, Answer::Surrender);
    s.w.replays_the_same();
}

#[test]
fn a_pooled_request_that_comes_to_compete_leaves_the_matching_until_decided() {
    let mut s = setup();
    s.w.act("RU", tag(s.us_ru, person())).unwrap();
    s.w.answer(s.us_ru, Answer::Surrender);
    let agreement = s.w.reg.request(&s.us_ru).unwrap().metadata.agreement;
    let pooled = |w: &World| rex_domain::compatibility_graph(&w.reg, &agreement).requests;
    assert!(pooled(&s.w).contains(&s.us_ru));
    s.w.act("RU", tag(s.de_ru, person())).unwrap();
    assert_eq!(competing(&s.w, s.us_ru).unwrap().0, "awaiting");
    assert!(
        !pooled(&s.w).contains(&s.us_ru),
        "awaiting a decision, out of the matching"
    );
    s.w.act("RU", decide(&[s.us_ru, s.de_ru], s.us_ru, Others::Defer))
        .unwrap();
    assert!(pooled(&s.w).contains(&s.us_ru));
    s.w.replays_the_same();
}

#[test]
fn equal_tags_of_different_custodians_do_not_compete() {
    let mut s = setup();
    s.w.act("RU", tag(s.us_ru, person())).unwrap();
    let story = s.w.story("DE", tag(s.us_de, person()));
    assert_eq!(story, "SubjectTagged { request: r3 }");
    assert_eq!(competing(&s.w, s.us_ru), None);
    assert_eq!(competing(&s.w, s.us_de), None);
    s.w.replays_the_same();
}

#[test]
fn a_third_request_reopens_a_decided_competition() {
    let mut s = setup();
    competing_pair(&mut s);
    s.w.act("RU", decide(&[s.us_ru, s.de_ru], s.us_ru, Others::Defer))
        .unwrap();
    let a = s.w.reg.request(&s.us_ru).unwrap().metadata.agreement;
    let third = s.w.file("DE", "RU", a, Severity::Serious, false);
    s.w.act("RU", tag(third, person())).unwrap();
    for r in [s.us_ru, s.de_ru, third] {
        let (outcome, reason) = competing(&s.w, r).unwrap();
        assert_eq!(outcome, "awaiting");
        assert!(reason.contains("3 open requests to RU"), "{reason}");
    }
    assert_eq!(s.w.reg.deferred_for(&s.de_ru), None);
    s.w.replays_the_same();
}

/// US ↔ RU and DE ↔ RU, each a two-state cycle, RU giving the same person in both.
fn two_exchanges() -> (Setup, RequestId, RequestId) {
    let mut s = setup();
    let a = s.w.reg.request(&s.us_ru).unwrap().metadata.agreement;
    let ru_us = s.w.file("RU", "US", a, Severity::Serious, false);
    let ru_de = s.w.file("RU", "DE", a, Severity::Serious, false);
    s.w.act("RU", tag(s.us_ru, person())).unwrap();
    for r in [s.us_ru, ru_us, ru_de] {
        s.w.answer(r, Answer::Surrender);
    }
    (s, ru_us, ru_de)
}

#[test]
fn a_person_is_never_in_two_binding_exchanges() {
    let (mut s, ru_us, ru_de) = two_exchanges();
    let x1 = s.w.propose(&[s.us_ru, ru_us]);
    s.w.sign_exchange(x1);
    // RU's node had not tagged DE's request before it was pooled and proposed (an older node,
    // a dossier without identity): it tags it now, in the proposed exchange.
    s.w.answer(s.de_ru, Answer::Surrender);
    let x2 = s.w.propose(&[s.de_ru, ru_de]);
    let story = s.w.story("RU", tag(s.de_ru, person()));
    assert!(story.contains("CompetingRequests"), "{story}");
    let digest = s.w.reg.exchange(&x2).unwrap().digest;
    let sign = |exchange| Action::ExchangeSigned {
        exchange,
        proposal_sha256: digest,
    };
    s.w.act("DE", sign(x2)).unwrap();
    // The last signature would make it binding: refused, naming the other exchange.
    let last = s.w.statement("RU".parse().unwrap(), sign(x2));
    let envelope = s.w.envelope(&last);
    let message = check(s.w.submit(&envelope), "not_allowed");
    let message = s.w.alias(&message);
    assert!(
        message.contains("names the same person to RU as request r1, in binding exchange x1"),
        "{message}"
    );
    assert!(message.contains("a person is never in two binding exchanges"));
    // A hub that appended it anyway is caught by every replay.
    let mut entries = s.w.replays_the_same();
    entries.push(rex_domain::log::LogEntry {
        time: s.w.now,
        envelope,
    });
    let replayed = rex_domain::log::replay(world::key_of("hub").verifying_key(), &entries, |_| {
        Ok::<(), String>(())
    });
    let err = replayed.expect_err("the replay refuses the second binding exchange");
    assert!(
        format!("{err:?}").contains("a person is never in two binding exchanges"),
        "{err:?}"
    );
}

#[test]
fn the_dossier_identity_is_optional_and_older_dossiers_keep_their_bytes() {
    let facts = DossierFacts {
        offence_date: Some("2021-05-07".into()),
        ..DossierFacts::default()
    };
    let old = StructuredDossier::new(facts.clone(), "text".into(), Vec::new());
    let bytes = serde_json::to_string(&old).unwrap();
    assert_eq!(
        bytes,
        r#"{"format":"rex-dossier/v1","facts":{"offence_date":"2021-05-07"},"text":"text"}"#
    );
    let with = StructuredDossier::new(
        DossierFacts {
            identity: Some(SubjectIdentity {
                family_name: "Ivanov".into(),
                given_names: "Ivan".into(),
            }),
            ..facts
        },
        "text".into(),
        Vec::new(),
    );
    let parsed = DossierFacts::parse(&serde_json::to_vec(&with).unwrap()).unwrap();
    assert_eq!(parsed.identity.unwrap().family_name, "Ivanov");
    let bad = br#"{"format":"rex-dossier/v1","facts":{"identity":{"family_name":" - ","given_names":"x"}},"text":""}"#;
    assert!(
        DossierFacts::parse(bad).is_err(),
        "a name of punctuation only"
    );
}

#[test]
fn trivial_spelling_differences_collide_and_other_keys_or_persons_do_not() {
    let key = TagKey::derive(b"RU's signing seed");
    let id = |family: &str, given: &str| SubjectIdentity {
        family_name: family.into(),
        given_names: given.into(),
    };
    let born = Some("1987-11-23");
    let base = key.tag(&id("Smith", "Jean-Luc"), born);
    for (family, given) in [
        ("  SMITH ", "jean luc"),
        ("Smith", "Jean  Luc"),
        ("ＳＭＩＴＨ", "JEAN-LUC"),
        ("smith.", "Jean, Luc"),
    ] {
        assert_eq!(
            key.tag(&id(family, given), born),
            base,
            "{family:?} {given:?}"
        );
    }
    for (family, given, born) in [
        ("Smyth", "Jean-Luc", born),
        ("Smith", "Jean-Luc", Some("1987-11-24")),
        ("Smith", "Jean-Luc", None),
        ("Jean-Luc", "Smith", born),
    ] {
        assert_ne!(
            key.tag(&id(family, given), born),
            base,
            "{family:?} {given:?} {born:?}"
        );
    }
    let other = TagKey::derive(b"DE's signing seed");
    assert_ne!(
        other.tag(&id("Smith", "Jean-Luc"), born),
        base,
        "keyed per state"
    );
    assert_eq!(
        String::from_utf8(id("ＳＭＩＴＨ", " Jean-Luc ").canonical(born)).unwrap(),
        "rex-identity/v1\nsmith\njean luc\n1987-11-23"
    );
}
