//! The screening catalogue ([`rex_domain::law`]): every metadata rule with a passing and a
//! failing case in one table, filed through a real registry with really signed statements;
//! then profiles superseding each other, raised checks and signed decisions, and the gate on
//! exchangeable answers.

use crate::world;

use rex_domain::law;
use rex_domain::{
    Action, AgreementTerms, Answer, AssuranceKind, Check, DossierFacts, Event, Exclusion,
    ExclusionKind, MetadataDraft, Offence, Outcome, ProfileDraft, RefusalGround, Request,
    RequestMetadata, RequestStatus, Route, Severity, StateProfile, Statute, TermsDraft, Verdict,
    DOSSIER_FORMAT,
};
use world::{check, party, terms, World};

/// A profile that makes every category a crime, excludes none, and keeps the usual thresholds.
fn base_profile() -> ProfileDraft {
    ProfileDraft {
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
        limitations: Vec::new(),
        min_age: 14,
        death_penalty: false,
        assurances_required: Vec::new(),
        exclusions: Vec::new(),
    }
}

/// One row: what the states published and agreed, what is filed, and what one check says.
struct Case {
    name: &'static str,
    /// The US (requester) profile, if any.
    us: Option<fn(&mut ProfileDraft)>,
    /// The RU (custodian) profile, if any.
    ru: Option<fn(&mut ProfileDraft)>,
    /// Changes to the agreement's terms; `sign: false` leaves it not in force.
    terms: fn(&mut TermsDraft),
    sign: bool,
    /// Changes to the filing's metadata (US asks RU for illegal_access + ransomware_extortion,
    /// 240 months, not RU's national).
    metadata: fn(&mut MetadataDraft),
    /// The check, and what it must say: `None` when it does not apply to this filing.
    check: Check,
    expect: Option<(&'static str, &'static str)>,
}

fn no_terms(_: &mut TermsDraft) {}
fn no_metadata(_: &mut MetadataDraft) {}

fn cases() -> Vec<Case> {
    let c = |name, check, expect| Case {
        name,
        us: None,
        ru: None,
        terms: no_terms,
        sign: true,
        metadata: no_metadata,
        check,
        expect,
    };
    vec![
        c(
            "an agreement in force is a legal basis",
            Check::LegalBasis,
            Some(("passed", "in force between US and RU")),
        ),
        Case {
            sign: false,
            ..c(
                "an agreement not signed by all is none",
                Check::LegalBasis,
                Some(("failed", "not in force")),
            )
        },
        c(
            "charges the agreement covers",
            Check::OffenceCovered,
            Some(("passed", "covered")),
        ),
        Case {
            metadata: |m| m.offences = vec![Offence::CopyrightInfringement],
            ..c(
                "a charge the agreement does not cover",
                Check::OffenceCovered,
                Some(("failed", "copyright_infringement is not covered")),
            )
        },
        c(
            "no profile: the agreement stands for the custodian's law",
            Check::DualCriminality,
            Some(("passed", "RU publishes no profile")),
        ),
        Case {
            ru: Some(|_| {}),
            ..c(
                "every charge maps to a custodian statute",
                Check::DualCriminality,
                Some(("passed", "maps to a statute of RU")),
            )
        },
        Case {
            ru: Some(|p| {
                p.statutes
                    .retain(|s| s.category != Offence::RansomwareExtortion)
            }),
            ..c(
                "a charge that is no crime in the custodian's law",
                Check::DualCriminality,
                Some(("failed", "ransomware_extortion is not a crime in RU's law")),
            )
        },
        c(
            "a penalty above both thresholds",
            Check::PenaltyThreshold,
            Some(("passed", "240 months meets the threshold of 12")),
        ),
        Case {
            metadata: |m| m.max_penalty_months = 6,
            ..c(
                "a penalty below the agreement's threshold",
                Check::PenaltyThreshold,
                Some(("failed", "6 months is below the threshold of 12")),
            )
        },
        Case {
            ru: Some(|p| p.min_penalty_months = 300),
            ..c(
                "a penalty below the custodian's own threshold",
                Check::PenaltyThreshold,
                Some((
                    "failed",
                    "below the threshold of 300 (agreement 12, RU 300)",
                )),
            )
        },
        c(
            "prosecution: no sentence to check",
            Check::RemainingSentence,
            None,
        ),
        Case {
            ru: Some(|_| {}),
            metadata: |m| m.sentence_remaining_months = Some(24),
            ..c(
                "enforcement: enough of the sentence remains",
                Check::RemainingSentence,
                Some(("passed", "24 months meets the threshold of 4")),
            )
        },
        Case {
            ru: Some(|_| {}),
            metadata: |m| m.sentence_remaining_months = Some(2),
            ..c(
                "enforcement: too little of the sentence remains",
                Check::RemainingSentence,
                Some(("failed", "2 months is below RU's threshold of 4")),
            )
        },
        c(
            "a foreign subject",
            Check::OwnNationalBar,
            Some(("passed", "not a national of RU")),
        ),
        Case {
            metadata: |m| m.subject_is_custodian_national = true,
            ..c(
                "an own national where prosecution at home counts",
                Check::OwnNationalBar,
                Some(("passed", "prosecution at home only")),
            )
        },
        Case {
            terms: |t| t.prosecution_at_home_counts = false,
            metadata: |m| m.subject_is_custodian_national = true,
            ..c(
                "an own national where prosecution at home does not count",
                Check::OwnNationalBar,
                Some(("failed", "own-national bar")),
            )
        },
        Case {
            ru: Some(|p| p.surrenders_nationals = true),
            terms: |t| t.prosecution_at_home_counts = false,
            metadata: |m| m.subject_is_custodian_national = true,
            ..c(
                "an own national of a state that surrenders its nationals",
                Check::OwnNationalBar,
                Some(("passed", "RU surrenders its own nationals")),
            )
        },
        Case {
            ru: Some(|_| {}),
            ..c(
                "no category excluded",
                Check::ExcludedCategory,
                Some(("passed", "excludes no category charged")),
            )
        },
        Case {
            ru: Some(|p| {
                p.exclusions = vec![Exclusion {
                    category: Offence::IllegalAccess,
                    kind: ExclusionKind::Political,
                }]
            }),
            ..c(
                "a category the custodian treats as political",
                Check::ExcludedCategory,
                Some(("failed", "RU treats illegal_access as a political offence")),
            )
        },
        Case {
            us: Some(|_| {}),
            ru: Some(|p| p.assurances_required = vec![AssuranceKind::NoDeathPenalty]),
            ..c(
                "no death penalty in the requester's law",
                Check::DeathPenaltyAssurance,
                None,
            )
        },
        Case {
            us: Some(|p| p.death_penalty = true),
            ru: Some(|_| {}),
            ..c(
                "a death penalty, and a custodian that requires no assurance",
                Check::DeathPenaltyAssurance,
                Some(("passed", "RU requires no assurance")),
            )
        },
        Case {
            us: Some(|p| p.death_penalty = true),
            ru: Some(|p| {
                p.assurances_required = vec![
                    AssuranceKind::NoDeathPenalty,
                    AssuranceKind::LifeSentenceReview,
                ]
            }),
            ..c(
                "a death penalty, and a custodian that requires assurances",
                Check::DeathPenaltyAssurance,
                Some((
                    "awaiting",
                    "RU decides whether its assurances (no death penalty, life sentence review)",
                )),
            )
        },
    ]
}

fn outcome_name(o: &Outcome) -> &'static str {
    match o {
        Outcome::Passed { .. } => "passed",
        Outcome::Failed { .. } => "failed",
        Outcome::Awaiting { .. } => "awaiting",
    }
}

fn publish(w: &mut World, code: &str, edit: fn(&mut ProfileDraft)) {
    let mut p = base_profile();
    edit(&mut p);
    let profile = StateProfile::new(p).unwrap();
    w.act(code, Action::ProfilePublished { profile }).unwrap();
}

/// Files the case's request and returns the registry's record of it.
fn file(case: &Case) -> (World, Request) {
    let mut w = World::new(&["RU", "US"]);
    if let Some(edit) = case.us {
        publish(&mut w, "US", edit);
    }
    if let Some(edit) = case.ru {
        publish(&mut w, "RU", edit);
    }
    let mut t = terms(&["RU", "US"]);
    (case.terms)(&mut t);
    let agreement = if case.sign {
        w.agreement(t)
    } else {
        let terms = AgreementTerms::new(t).unwrap();
        let d = w
            .act("RU", Action::AgreementProposed { terms })
            .unwrap()
            .digest;
        rex_domain::AgreementId::from_digest(&d)
    };
    let mut m = (*w.metadata("US", "RU", agreement, Severity::Serious, false)).clone();
    (case.metadata)(&mut m);
    let metadata = RequestMetadata::new(m).unwrap();
    let applied = w
        .act(
            "US",
            Action::RequestFiled {
                metadata,
                dossier: World::dossier("case"),
            },
        )
        .unwrap_or_else(|e| panic!("{}: filing refused: {e}", case.name));
    let Event::RequestFiled(id) = applied.events[0] else {
        panic!("{:?}", applied.events)
    };
    let r = w.reg.request(&id).unwrap().clone();
    (w, r)
}

#[test]
fn every_rule_passes_and_fails_as_its_row_says() {
    let cases = cases();
    // Every metadata rule has a row that passes and one that does not.
    for rule in Check::ALL
        .into_iter()
        .filter(|c| c.evaluator() == rex_domain::Evaluator::Hub)
    {
        let says = |o: &str| {
            cases
                .iter()
                .any(|c| c.check == rule && c.expect.is_some_and(|(x, _)| x == o))
        };
        assert!(says("passed"), "no passing row for {rule}");
        assert!(
            says("failed") || says("awaiting"),
            "no failing row for {rule}"
        );
    }
    for case in &cases {
        let (_, r) = file(case);
        let record = r.screening.iter().find(|c| c.check == case.check);
        match (case.expect, record) {
            (None, None) => {}
            (None, Some(rec)) => panic!("{}: {} should not apply: {rec:?}", case.name, case.check),
            (Some(_), None) => panic!("{}: no record of {}", case.name, case.check),
            (Some((outcome, words)), Some(rec)) => {
                assert_eq!(
                    outcome_name(&rec.outcome),
                    outcome,
                    "{}: {rec:?}",
                    case.name
                );
                assert!(
                    rec.outcome.reason().contains(words),
                    "{}: {:?} lacks {words:?}",
                    case.name,
                    rec.outcome.reason()
                );
            }
        }
        // A failed check refuses the request on the spot; nothing else does.
        let failed = r
            .screening
            .iter()
            .any(|c| matches!(c.outcome, Outcome::Failed { .. }));
        let refused = r.status == RequestStatus::Refused(RefusalGround::Screening);
        assert_eq!(failed, refused, "{}: {:?}", case.name, r.status);
        // The catalogue's order, each rule at most once.
        assert!(
            r.screening.windows(2).all(|p| p[0].check < p[1].check),
            "{}",
            case.name
        );
    }
}

#[test]
fn a_failed_check_is_an_event_naming_it() {
    let case = cases()
        .into_iter()
        .find(|c| c.name == "a charge that is no crime in the custodian's law")
        .unwrap();
    let (mut w, r) = file(&case);
    assert!(w.reg.request(&r.id).is_some());
    // The custodian cannot answer it at all: it is refused already.
    let err = check(
        w.act(
            "RU",
            Action::RequestAnswered {
                request: r.id,
                answer: Answer::Surrender,
            },
        ),
        "not_allowed",
    );
    assert!(err.contains("not awaiting an answer"), "{err}");
    // Its filing produced the event that names the check.
    let replayed = {
        let mut fresh = World::new(&[]);
        fresh.reg = rex_domain::Registry::new(w.hub.verifying_key());
        let mut events = Vec::new();
        for (e, t) in &w.log {
            events.extend(fresh.reg.apply(e, *t).unwrap().events);
        }
        events
    };
    assert!(replayed.contains(&Event::RequestScreenedOut {
        request: r.id,
        check: Check::DualCriminality
    }));
}

/// The June 2021 pair with profiles: RU does not surrender its nationals, the US has the
/// death penalty, RU requires assurances.
fn june_2021() -> (World, rex_domain::AgreementId) {
    let mut w = World::new(&["RU", "US"]);
    publish(&mut w, "US", |p| {
        p.death_penalty = true;
        p.surrenders_nationals = true;
    });
    publish(&mut w, "RU", |p| {
        p.assurances_required = vec![AssuranceKind::NoDeathPenalty]
    });
    let a = w.agreement(terms(&["RU", "US"]));
    (w, a)
}

#[test]
fn an_awaited_decision_gates_the_answer_until_the_custodian_decides() {
    let (mut w, a) = june_2021();
    let r = w.file("US", "RU", a, Severity::Serious, false);
    let gated = |w: &mut World| {
        w.act(
            "RU",
            Action::RequestAnswered {
                request: r,
                answer: Answer::Surrender,
            },
        )
    };
    let err = check(gated(&mut w), "not_allowed");
    assert!(
        err.contains("check death_penalty_assurance awaits a decision by RU"),
        "{err}"
    );
    // The requester cannot decide for the custodian.
    let decide = |passed: bool| Action::DecisionRecorded {
        request: r,
        check: Check::DeathPenaltyAssurance,
        passed,
        grounds_sha256: rex_domain::Digest::of(b"the assurance of 2021-06-20 is adequate"),
    };
    let err = check(w.act("US", decide(true)), "not_allowed");
    assert!(err.contains("awaits RU's decision, not US's"), "{err}");
    // The custodian raises a political-offence objection: now two checks await it.
    w.act(
        "RU",
        Action::ScreeningRaised {
            request: r,
            check: Check::PoliticalOffence,
        },
    )
    .unwrap();
    // Raised once only, and never a hub rule.
    check(
        w.act(
            "RU",
            Action::ScreeningRaised {
                request: r,
                check: Check::PoliticalOffence,
            },
        ),
        "conflict",
    );
    let err = check(
        w.act(
            "RU",
            Action::ScreeningRaised {
                request: r,
                check: Check::DualCriminality,
            },
        ),
        "not_allowed",
    );
    assert!(err.contains("computed by the hub"), "{err}");
    let applied = w.act("RU", decide(true)).unwrap();
    let record = |w: &World, c: Check| {
        w.reg
            .request(&r)
            .unwrap()
            .screening
            .iter()
            .find(|x| x.check == c)
            .unwrap()
            .clone()
    };
    let dp = record(&w, Check::DeathPenaltyAssurance);
    assert!(matches!(dp.outcome, Outcome::Passed { .. }), "{dp:?}");
    assert_eq!(dp.decision, Some(applied.digest));
    // A decided check is decided for good.
    let err = check(w.act("RU", decide(false)), "not_allowed");
    assert!(err.contains("already decided"), "{err}");
    // RU's node has not evaluated the dossier rules yet.
    let err = check(gated(&mut w), "not_allowed");
    assert!(
        err.contains("check limitation awaits RU's node (screening_evaluated)"),
        "{err}"
    );
    evaluate_all(&mut w, r, &facts_clean());
    // The political objection still gates the answer.
    let err = check(gated(&mut w), "not_allowed");
    assert!(err.contains("political_offence awaits"), "{err}");
    // A refusal needs no decision, but never the catalogue's own ground.
    check(
        w.act(
            "RU",
            Action::RequestAnswered {
                request: r,
                answer: Answer::Refused {
                    ground: RefusalGround::Screening,
                },
            },
        ),
        "invalid",
    );
    w.act(
        "RU",
        Action::DecisionRecorded {
            request: r,
            check: Check::PoliticalOffence,
            passed: true,
            grounds_sha256: rex_domain::Digest::of(b"ransomware is an ordinary-law crime"),
        },
    )
    .unwrap();
    gated(&mut w).unwrap();
    assert_eq!(w.reg.request(&r).unwrap().status, RequestStatus::Pooled);
}

fn facts_clean() -> DossierFacts {
    DossierFacts {
        offence_date: Some("2020-05-01".into()),
        born: Some("1990-01-01".into()),
        final_judgment_same_acts: Some(false),
        amnesty: Some(false),
        identity: None,
    }
}

/// RU's node evaluates the dossier rules of `r` with `facts`, on the world's day.
fn evaluate_all(
    w: &mut World,
    r: rex_domain::RequestId,
    facts: &DossierFacts,
) -> rex_domain::Applied {
    let req = w.reg.request(&r).unwrap().clone();
    let profile = w
        .reg
        .profile_version(&req.metadata.custodian, req.profiles.custodian.unwrap())
        .unwrap()
        .profile
        .clone();
    let evaluations = law::evaluate(&req.metadata, &profile, facts, w.now);
    w.act(
        &req.metadata.custodian.to_string(),
        Action::ScreeningEvaluated {
            request: r,
            evaluations,
        },
    )
    .unwrap()
}

/// The node's rules, as a pure function: one row per verdict of each.
#[test]
fn the_nodes_rules_pass_fail_and_refer_as_their_rows_say() {
    let w = World::new(&[]);
    let a = rex_domain::AgreementId::from_digest(&rex_domain::Digest::of(b"a"));
    let metadata = w.metadata("US", "RU", a, Severity::Serious, false);
    let mut profile = base_profile();
    profile.min_age = 16;
    profile.limitations = vec![
        rex_domain::Limitation {
            category: Offence::IllegalAccess,
            years: 5,
        },
        rex_domain::Limitation {
            category: Offence::RansomwareExtortion,
            years: 10,
        },
    ];
    let profile = StateProfile::new(profile).unwrap();
    // 2025-06-15, the world's day.
    let today = world::T0;
    type Edit = fn(&mut DossierFacts);
    let rows: [(&str, Edit, Check, Verdict, &str); 12] = [
        (
            "within the longest period",
            |_| {},
            Check::Limitation,
            Verdict::Passed,
            "within the limitation period of 10 years (ransomware_extortion)",
        ),
        (
            "past the longest period",
            |f| f.offence_date = Some("2015-06-14".into()),
            Check::Limitation,
            Verdict::Failed,
            "(10 years, ransomware_extortion) has run out",
        ),
        (
            "on the anniversary, run out",
            |f| f.offence_date = Some("2015-06-15".into()),
            Check::Limitation,
            Verdict::Failed,
            "has run out",
        ),
        (
            "a day before the anniversary",
            |f| f.offence_date = Some("2015-06-16".into()),
            Check::Limitation,
            Verdict::Passed,
            "within",
        ),
        (
            "no offence date",
            |f| f.offence_date = None,
            Check::Limitation,
            Verdict::Referred,
            "states no offence date",
        ),
        (
            "of age",
            |_| {},
            Check::AgeAtOffence,
            Verdict::Passed,
            "of the age of criminal responsibility (16)",
        ),
        (
            "under age",
            |f| f.born = Some("2004-05-02".into()),
            Check::AgeAtOffence,
            Verdict::Failed,
            "under the age of criminal responsibility (16)",
        ),
        (
            "no date of birth",
            |f| f.born = None,
            Check::AgeAtOffence,
            Verdict::Referred,
            "no date of birth",
        ),
        (
            "not judged",
            |_| {},
            Check::NeBisInIdem,
            Verdict::Passed,
            "no final judgment",
        ),
        (
            "judged already",
            |f| f.final_judgment_same_acts = Some(true),
            Check::NeBisInIdem,
            Verdict::Failed,
            "a final judgment was given",
        ),
        (
            "amnesty unknown",
            |f| f.amnesty = None,
            Check::Amnesty,
            Verdict::Referred,
            "a person decides",
        ),
        (
            "amnestied",
            |f| f.amnesty = Some(true),
            Check::Amnesty,
            Verdict::Failed,
            "an amnesty covers",
        ),
    ];
    for (name, edit, check, verdict, words) in rows {
        let mut facts = facts_clean();
        edit(&mut facts);
        let out = law::evaluate(&metadata, &profile, &facts, today);
        assert_eq!(
            out.iter().map(|e| e.check).collect::<Vec<_>>(),
            vec![
                Check::Limitation,
                Check::AgeAtOffence,
                Check::NeBisInIdem,
                Check::Amnesty
            ],
            "{name}"
        );
        let e = out.iter().find(|e| e.check == check).unwrap();
        assert_eq!(e.verdict, verdict, "{name}: {e:?}");
        assert!(
            e.reason.contains(words),
            "{name}: {:?} lacks {words:?}",
            e.reason
        );
        // A reason names rules, never the dossier's facts.
        for fact in [&facts.offence_date, &facts.born].into_iter().flatten() {
            assert!(!e.reason.contains(fact.as_str()), "{name}: {:?}", e.reason);
        }
    }
    // No period for the categories charged: nothing can run out.
    let mut none = (*profile).clone();
    none.limitations.clear();
    let none = StateProfile::new(none).unwrap();
    let out = law::evaluate(&metadata, &none, &DossierFacts::default(), today);
    assert_eq!(out[0].verdict, Verdict::Passed, "{:?}", out[0]);
}

#[test]
fn structured_dossiers_state_facts_and_free_text_states_none() {
    let doc = serde_json::json!({
        "format": DOSSIER_FORMAT,
        "facts": {"offence_date": "2020-05-01", "born": "1990-01-01"},
        "text": "Identity, facts, warrant."
    });
    let facts = DossierFacts::parse(doc.to_string().as_bytes()).unwrap();
    assert_eq!(facts.offence_date.as_deref(), Some("2020-05-01"));
    assert_eq!(facts.amnesty, None);
    assert_eq!(
        DossierFacts::parse(b"Identity: J. Doe. Warrant of 2021.").unwrap(),
        DossierFacts::default()
    );
    let mut bad = doc.clone();
    bad["facts"]["born"] = "1990-13-01".into();
    let e = DossierFacts::parse(bad.to_string().as_bytes()).unwrap_err();
    assert!(e.to_string().contains("born"), "{e}");
    let mut bad = doc;
    bad["facts"]["shoe_size"] = 44.into();
    assert!(DossierFacts::parse(bad.to_string().as_bytes()).is_err());
}

#[test]
fn only_the_custodians_node_evaluates_and_a_referral_goes_to_a_person() {
    let (mut w, a) = june_2021();
    let r = w.file("US", "RU", a, Severity::Serious, false);
    let ev = |check: Check, verdict: Verdict| rex_domain::Evaluation {
        check,
        verdict,
        reason: "by the rule".into(),
    };
    // The requester cannot evaluate for the custodian.
    let err = check(
        w.act(
            "US",
            Action::ScreeningEvaluated {
                request: r,
                evaluations: vec![ev(Check::Amnesty, Verdict::Passed)],
            },
        ),
        "not_allowed",
    );
    assert!(err.contains("only the custodian RU's node"), "{err}");
    // Nor can the node settle a person's check, or the hub's.
    let err = check(
        w.act(
            "RU",
            Action::ScreeningEvaluated {
                request: r,
                evaluations: vec![ev(Check::DeathPenaltyAssurance, Verdict::Passed)],
            },
        ),
        "not_allowed",
    );
    assert!(err.contains("does not await RU's node"), "{err}");
    // Out of order, or an empty reason: refused.
    check(
        w.act(
            "RU",
            Action::ScreeningEvaluated {
                request: r,
                evaluations: vec![
                    ev(Check::Amnesty, Verdict::Passed),
                    ev(Check::Limitation, Verdict::Passed),
                ],
            },
        ),
        "invalid",
    );
    // A person cannot decide a check that awaits the node.
    let err = check(
        w.act(
            "RU",
            Action::DecisionRecorded {
                request: r,
                check: Check::Limitation,
                passed: true,
                grounds_sha256: rex_domain::Digest::of(b"g"),
            },
        ),
        "not_allowed",
    );
    assert!(err.contains("awaits RU's node"), "{err}");
    // The node refers the amnesty question; a person of RU then decides it.
    let mut facts = facts_clean();
    facts.amnesty = None;
    evaluate_all(&mut w, r, &facts);
    let amnesty = w
        .reg
        .request(&r)
        .unwrap()
        .screening
        .iter()
        .find(|c| c.check == Check::Amnesty)
        .unwrap()
        .clone();
    assert!(
        matches!(amnesty.outcome, Outcome::Awaiting { role: Some(_), .. }),
        "{amnesty:?}"
    );
    // Evaluated once only.
    check(
        w.act(
            "RU",
            Action::ScreeningEvaluated {
                request: r,
                evaluations: vec![ev(Check::Limitation, Verdict::Passed)],
            },
        ),
        "not_allowed",
    );
    w.act(
        "RU",
        Action::DecisionRecorded {
            request: r,
            check: Check::Amnesty,
            passed: true,
            grounds_sha256: rex_domain::Digest::of(b"the 2024 amnesty law does not cover it"),
        },
    )
    .unwrap();
}

#[test]
fn a_failed_node_verdict_refuses_the_request() {
    let (mut w, a) = june_2021();
    let r = w.file("US", "RU", a, Severity::Serious, false);
    let mut facts = facts_clean();
    facts.final_judgment_same_acts = Some(true);
    let applied = evaluate_all(&mut w, r, &facts);
    assert!(applied.events.contains(&Event::RequestScreenedOut {
        request: r,
        check: Check::NeBisInIdem
    }));
    assert_eq!(
        w.reg.request(&r).unwrap().status,
        RequestStatus::Refused(RefusalGround::Screening)
    );
}

#[test]
fn a_failed_decision_refuses_the_request_naming_the_check() {
    let (mut w, a) = june_2021();
    let r = w.file("US", "RU", a, Severity::Serious, false);
    let applied = w
        .act(
            "RU",
            Action::DecisionRecorded {
                request: r,
                check: Check::DeathPenaltyAssurance,
                passed: false,
                grounds_sha256: rex_domain::Digest::of(b"no assurance was given"),
            },
        )
        .unwrap();
    assert!(applied.events.contains(&Event::RequestScreenedOut {
        request: r,
        check: Check::DeathPenaltyAssurance
    }));
    let req = w.reg.request(&r).unwrap();
    assert_eq!(req.status, RequestStatus::Refused(RefusalGround::Screening));
    assert!(matches!(
        req.blocking_check().unwrap().outcome,
        Outcome::Failed { .. }
    ));
}

#[test]
fn a_decision_is_a_binding_act_that_says_who_acted() {
    let (w, _) = june_2021();
    let s = w.statement(
        "RU".parse().unwrap(),
        Action::DecisionRecorded {
            request: rex_domain::RequestId::from_digest(&rex_domain::Digest::of(b"r")),
            check: Check::PoliticalOffence,
            passed: true,
            grounds_sha256: rex_domain::Digest::of(b"g"),
        },
    );
    assert!(s.action.is_binding());
    assert_eq!(s.acted_by, Some(rex_domain::Officers::NoOfficer));
}

#[test]
fn a_request_keeps_the_profile_versions_it_was_screened_against() {
    let (mut w, a) = june_2021();
    let before = w.file("US", "RU", a, Severity::Serious, false);
    // RU drops its assurance requirement and maps ransomware to no statute.
    publish(&mut w, "RU", |p| {
        p.statutes
            .retain(|s| s.category != Offence::RansomwareExtortion)
    });
    assert_eq!(w.reg.profile(&party("RU")).unwrap().version, 2);
    assert_eq!(
        w.reg.profile_version(&party("RU"), 1).unwrap().version,
        1,
        "every version is kept"
    );
    w.now += 1;
    let mut m = (*w.metadata("US", "RU", a, Severity::Serious, false)).clone();
    m.max_penalty_months = 239; // another request, not the same digest
    let after = w
        .act(
            "US",
            Action::RequestFiled {
                metadata: RequestMetadata::new(m).unwrap(),
                dossier: World::dossier("after"),
            },
        )
        .unwrap();
    let Event::RequestFiled(after) = after.events[0] else {
        panic!()
    };
    let old = w.reg.request(&before).unwrap();
    let new = w.reg.request(&after).unwrap();
    assert_eq!(old.profiles.custodian, Some(1));
    assert_eq!(new.profiles.custodian, Some(2));
    assert_eq!(new.profiles.requester, Some(1));
    // The old request still awaits its assurance decision; the new one failed dual
    // criminality under the new version.
    assert_eq!(old.status, RequestStatus::AwaitingAnswer);
    assert_eq!(new.status, RequestStatus::Refused(RefusalGround::Screening));
}

#[test]
fn the_own_national_route_follows_the_custodians_profile() {
    let mut w = World::new(&["RU", "US"]);
    let a = w.agreement(terms(&["RU", "US"]));
    let barred = w.file("RU", "US", a, Severity::Serious, true);
    assert_eq!(
        w.reg.request(&barred).unwrap().route,
        Route::ProsecutionOnly
    );
    publish(&mut w, "US", |p| p.surrenders_nationals = true);
    w.now += 1;
    let mut m = (*w.metadata("RU", "US", a, Severity::Serious, true)).clone();
    m.max_penalty_months = 200;
    let applied = w
        .act(
            "RU",
            Action::RequestFiled {
                metadata: RequestMetadata::new(m).unwrap(),
                dossier: World::dossier("US national"),
            },
        )
        .unwrap();
    let Event::RequestFiled(free) = applied.events[0] else {
        panic!()
    };
    assert_eq!(w.reg.request(&free).unwrap().route, Route::Any);
}

#[test]
fn profiles_are_validated_on_the_wire() {
    let good = serde_json::to_value(base_profile()).unwrap();
    assert!(serde_json::from_value::<StateProfile>(good.clone()).is_ok());
    let bad = |edit: &dyn Fn(&mut serde_json::Value), words: &str| {
        let mut v = good.clone();
        edit(&mut v);
        let e = serde_json::from_value::<StateProfile>(v).unwrap_err();
        assert!(e.to_string().contains(words), "{e} lacks {words:?}");
    };
    bad(
        &|v| v["statutes"][0]["reference"] = "".into(),
        "statute reference",
    );
    bad(
        &|v| v["statutes"][0]["reference"] = "x".repeat(121).into(),
        "statute reference",
    );
    bad(
        &|v| {
            let s = v["statutes"].as_array_mut().unwrap();
            s.swap(0, 1);
        },
        "sorted",
    );
    bad(&|v| v["min_age"] = 30.into(), "minimum age 30");
    bad(&|v| v["min_penalty_months"] = 1201.into(), "at most 1200");
    bad(
        &|v| v["limitations"] = serde_json::json!([{"category": "illegal_access", "years": 0}]),
        "limitation of 0 years",
    );
    bad(
        &|v| {
            v["exclusions"] = serde_json::json!([
                {"category": "illegal_access", "kind": "political"},
                {"category": "illegal_access", "kind": "fiscal"}
            ])
        },
        "one per category",
    );
    bad(&|v| v["surprise"] = true.into(), "unknown field");
}
