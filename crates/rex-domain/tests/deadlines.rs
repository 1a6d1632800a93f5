//! Deadlines that run by themselves ([`rex_domain::deadline`]), by moving the clock: what falls
//! due when, the hub's `deadline_missed`, extensions, cures, and the suspension of filing.

use crate::world;

use rex_domain::{
    Action, Answer, BreachOf, Deadline, Deadlines, Event, ExtensionReason, Milestone, Severity,
    TermsDraft,
};
use world::{check, terms, World, DAY, T0};

/// Standard deadlines, prosecution at home counting.
fn with_deadlines(members: &[&str], deadlines: Deadlines) -> TermsDraft {
    TermsDraft {
        deadlines: Some(deadlines),
        ..terms(members)
    }
}

/// The hub's turn, as its engine takes it: every statement due now, applied in order; returns
/// the events, rendered one per line.
fn hub_runs(w: &mut World) -> String {
    let due = w.reg.due_actions(w.now, usize::MAX);
    let mut events: Vec<Event> = Vec::new();
    for action in due {
        events.extend(w.hub(action).unwrap().events);
    }
    invariant(w);
    w.render(&events)
}

/// The index of what is due agrees with what is due, at every time from now on: `overdue`
/// (what an auditor asks) finds something exactly when `due_actions` has something.
fn invariant(w: &World) {
    for ahead in [
        0,
        DAY,
        10 * DAY,
        31 * DAY,
        61 * DAY,
        91 * DAY,
        200 * DAY,
        800 * DAY,
    ] {
        let t = w.now + ahead;
        assert_eq!(
            w.reg.overdue(t).is_some(),
            !w.reg.due_actions(t, usize::MAX).is_empty(),
            "at now + {} days: overdue {:?}, due {:?}",
            ahead / DAY,
            w.reg.overdue(t),
            w.reg.due_actions(t, usize::MAX)
        );
    }
}

#[test]
fn a_missed_answer_is_a_breach_of_the_custodian_cured_by_a_late_answer() {
    let mut w = World::new(&["RU", "US"]);
    let a = w.agreement(with_deadlines(&["RU", "US"], Deadlines::STANDARD));
    let r = w.file("US", "RU", a, Severity::Serious, false);
    let due = w.now + 60 * DAY;
    assert_eq!(w.reg.request(&r).unwrap().answer_due, Some(due));
    assert_eq!(
        w.reg.deadline_due(&Deadline::Answer { request: r }),
        Some(due)
    );
    invariant(&w);

    w.now = due - 1;
    assert!(hub_runs(&mut w).is_empty());
    let missed = Action::DeadlineMissed {
        deadline: Deadline::Answer { request: r },
    };
    let msg = check(w.hub(missed.clone()), "not_allowed");
    assert!(msg.contains("not before"), "{msg}");
    // Only the hub records a missed deadline.
    check(w.act("US", missed.clone()), "not_allowed");

    w.now = due;
    assert_eq!(
        hub_runs(&mut w),
        "DeadlineMissed { deadline: Answer { request: r1 }, party: RU }"
    );
    // Recorded once: it is no longer due.
    let msg = check(w.hub(missed), "not_allowed");
    assert!(msg.contains("not awaited"), "{msg}");
    let b = w.reg.breaches();
    assert_eq!(b.len(), 1);
    assert_eq!((b[0].party.as_str(), b[0].due, b[0].at), ("RU", due, due));
    assert!(b[0].is_open());
    assert_eq!(w.reg.open_breaches(&a, &b[0].party), 1);

    // RU answers late: the breach stays on record, cured.
    w.now = due + 3 * DAY;
    let story = w.story(
        "RU",
        Action::RequestAnswered {
            request: r,
            answer: Answer::Surrender,
        },
    );
    assert_eq!(
        story,
        "RequestAnswered { request: r1, answer: Surrender }\n\
         BreachCured { party: RU, of: Deadline(Answer { request: r1 }) }"
    );
    assert_eq!(w.reg.breaches()[0].cured_at, Some(due + 3 * DAY));
    assert_eq!(w.reg.open_breaches(&a, &w.reg.breaches()[0].party), 0);
    invariant(&w);
    w.replays_the_same();
}

#[test]
fn the_custodian_extends_once_before_the_deadline_with_a_reason() {
    let mut w = World::new(&["RU", "US"]);
    let a = w.agreement(with_deadlines(&["RU", "US"], Deadlines::STANDARD));
    let r = w.file("US", "RU", a, Severity::Serious, false);
    let due = w.now + 60 * DAY;
    let extend = |reason| Action::AnswerExtended { request: r, reason };
    // Only the custodian extends.
    let msg = check(
        w.act("US", extend(ExtensionReason::ForceMajeure)),
        "not_allowed",
    );
    assert!(msg.contains("only the custodian RU"), "{msg}");

    w.now += 10 * DAY;
    assert_eq!(
        w.story("RU", extend(ExtensionReason::CourtProceedings)),
        "AnswerExtended { request: r1 }"
    );
    let req = w.reg.request(&r).unwrap();
    assert_eq!(req.answer_due, Some(due + 30 * DAY));
    let e = req.extension.unwrap();
    assert_eq!(
        (e.reason, e.at, e.previous_due),
        (ExtensionReason::CourtProceedings, w.now, due)
    );
    let msg = check(
        w.act("RU", extend(ExtensionReason::ForceMajeure)),
        "not_allowed",
    );
    assert!(msg.contains("already extended once"), "{msg}");
    invariant(&w);

    // The old deadline passes without a breach; the new one does not.
    w.now = due;
    assert!(hub_runs(&mut w).is_empty());
    w.now = due + 30 * DAY;
    assert_eq!(hub_runs(&mut w).lines().count(), 1);
    w.replays_the_same();
}

#[test]
fn an_extension_needs_the_agreement_to_allow_it_and_the_deadline_to_run() {
    let mut w = World::new(&["RU", "US"]);
    let none = w.agreement(terms(&["RU", "US"]));
    let no_ext = w.agreement(TermsDraft {
        signing_deadline: T0 + 31 * DAY,
        ..with_deadlines(
            &["RU", "US"],
            Deadlines {
                extension_days: 0,
                ..Deadlines::STANDARD
            },
        )
    });
    let std = w.agreement(TermsDraft {
        signing_deadline: T0 + 32 * DAY,
        ..with_deadlines(&["RU", "US"], Deadlines::STANDARD)
    });
    let r_none = w.file("US", "RU", none, Severity::Serious, false);
    let r_no_ext = w.file("US", "RU", no_ext, Severity::Serious, false);
    let r_std = w.file("US", "RU", std, Severity::Serious, false);
    assert_eq!(w.reg.request(&r_none).unwrap().answer_due, None);
    let reason = ExtensionReason::FurtherInformation;
    for (request, words) in [
        (r_none, "sets no answer deadline"),
        (r_no_ext, "allows no extension"),
    ] {
        let msg = check(
            w.act("RU", Action::AnswerExtended { request, reason }),
            "not_allowed",
        );
        assert!(msg.contains(words), "{msg}");
    }
    w.now += 60 * DAY;
    check(
        w.act(
            "RU",
            Action::AnswerExtended {
                request: r_std,
                reason,
            },
        ),
        "deadline_passed",
    );
    // An answered request has no deadline left to extend.
    w.answer(r_none, Answer::Surrender);
    check(
        w.act(
            "RU",
            Action::AnswerExtended {
                request: r_none,
                reason,
            },
        ),
        "not_allowed",
    );
}

#[test]
fn a_withdrawn_request_stops_its_answer_deadline() {
    let mut w = World::new(&["RU", "US"]);
    let a = w.agreement(with_deadlines(&["RU", "US"], Deadlines::STANDARD));
    let r = w.file("US", "RU", a, Severity::Serious, false);
    w.act("US", Action::RequestWithdrawn { request: r })
        .unwrap();
    assert_eq!(w.reg.deadline_due(&Deadline::Answer { request: r }), None);
    w.now += 61 * DAY;
    assert!(hub_runs(&mut w).is_empty());
    assert!(w.reg.breaches().is_empty());
}

/// Surrender within 10 days of go; prosecution opened within 30 days of binding, charged and
/// judged by their due dates from go; each missed one a breach of the giver, cured by the late
/// step. Prosecution legs answer to their milestones, not to the execution deadline.
#[test]
fn execution_deadlines_surrender_and_milestones() {
    let mut w = World::new(&["RU", "US"]);
    let a = w.agreement(with_deadlines(&["RU", "US"], Deadlines::STANDARD));
    let (r1, r2, x) = w.binding_pair(a, Answer::Surrender, Answer::ProsecutionAtHome);
    let binding = w.now;
    let milestone = |m| Deadline::Milestone {
        exchange: x,
        request: r2,
        milestone: m,
    };
    assert_eq!(
        w.reg.deadline_due(&milestone(Milestone::Opened)),
        Some(binding + 30 * DAY)
    );
    assert_eq!(w.reg.deadline_due(&milestone(Milestone::Charged)), None);
    invariant(&w);

    // The US opens in time; RU is ready, the US verifies: go is due at once.
    w.now += 5 * DAY;
    let step = |request, m: Option<Milestone>| match m {
        Some(milestone) => Action::MilestoneRecorded {
            exchange: x,
            request,
            milestone,
        },
        None => Action::LegReady {
            exchange: x,
            request,
        },
    };
    w.act("US", step(r2, Some(Milestone::Opened))).unwrap();
    w.ready_and_verified(x, r1);
    assert_eq!(w.reg.go_due(), vec![x]);
    assert_eq!(hub_runs(&mut w), "Go(x1)");
    let go = w.now;
    let surrender = Deadline::Surrender {
        exchange: x,
        request: r1,
    };
    assert_eq!(w.reg.deadline_due(&surrender), Some(go + 10 * DAY));
    assert_eq!(
        w.reg.deadline_due(&milestone(Milestone::Charged)),
        Some(go + 180 * DAY)
    );
    assert_eq!(
        w.reg.deadline_due(&milestone(Milestone::Verdict)),
        Some(go + 730 * DAY)
    );
    assert_eq!(w.reg.deadline_due(&milestone(Milestone::Opened)), None);

    // RU does not deliver in 10 days: in breach; it delivers a day late and cures it.
    w.now = go + 10 * DAY;
    assert_eq!(
        hub_runs(&mut w),
        "DeadlineMissed { deadline: Surrender { exchange: x1, request: r1 }, party: RU }"
    );
    w.now += DAY;
    let events = w
        .act(
            "RU",
            Action::LegDelivered {
                exchange: x,
                request: r1,
            },
        )
        .unwrap()
        .events;
    assert!(
        w.render(&events)
            .contains("BreachCured { party: RU, of: Deadline(Surrender"),
        "{}",
        w.render(&events)
    );
    w.act(
        "US",
        Action::LegReceived {
            exchange: x,
            request: r1,
        },
    )
    .unwrap();

    // The execution deadline (60 days from binding) passes: the surrender leg is complete,
    // and the prosecution leg answers to its milestones, so nothing is due.
    w.now = binding + 60 * DAY;
    assert!(hub_runs(&mut w).is_empty());

    // The US does not charge within 180 days of go: in breach until it does.
    w.now = go + 180 * DAY;
    assert_eq!(
        hub_runs(&mut w),
        "DeadlineMissed { deadline: Milestone { exchange: x1, request: r2, milestone: Charged }, party: US }"
    );
    w.now += 2 * DAY;
    w.act("US", step(r2, Some(Milestone::Charged))).unwrap();
    w.act("US", step(r2, Some(Milestone::Verdict))).unwrap();
    let b = w.reg.breaches();
    assert_eq!(b.len(), 2);
    assert!(b.iter().all(|b| !b.is_open()), "{b:?}");
    assert!(w.reg.running_deadlines().next().is_none());
    invariant(&w);
    w.replays_the_same();
}

/// The execution deadline's breach is cured by the step the state owed, and another breach of
/// the same leg is never recorded.
#[test]
fn an_execution_breach_is_cured_by_the_owed_step() {
    let mut w = World::new(&["RU", "US"]);
    let a = w.agreement(terms(&["RU", "US"]));
    let (r1, r2, x) = w.binding_pair(a, Answer::Surrender, Answer::Surrender);
    let deadline = w.reg.exchange(&x).unwrap().execution_deadline.unwrap();
    w.now = deadline;
    let events = hub_runs(&mut w);
    assert_eq!(events.lines().count(), 2, "{events}");
    assert!(w.reg.breaches().iter().all(|b| b.is_open()));
    w.now += DAY;
    let events = w
        .act(
            "RU",
            Action::LegReady {
                exchange: x,
                request: r1,
            },
        )
        .unwrap()
        .events;
    assert_eq!(
        w.render(&events),
        "LegAdvanced { exchange: x1, request: r1, stage: Ready }\n\
         BreachCured { party: RU, of: Execution { exchange: x1, request: r1 } }"
    );
    // Now the US owes the verification of r1, but a leg carries one execution breach.
    assert!(hub_runs(&mut w).is_empty());
    let open: Vec<BreachOf> = w
        .reg
        .breaches()
        .iter()
        .filter(|b| b.is_open())
        .map(|b| b.of)
        .collect();
    assert_eq!(
        open,
        vec![BreachOf::Execution {
            exchange: x,
            request: r2
        }]
    );
    w.replays_the_same();
}

/// After N uncured breaches a state files nothing more under the agreement until it cures one;
/// the other members file as before.
#[test]
fn uncured_breaches_suspend_filing_until_a_cure() {
    let mut w = World::new(&["RU", "US"]);
    let a = w.agreement(with_deadlines(
        &["RU", "US"],
        Deadlines {
            suspend_after_breaches: Some(1),
            ..Deadlines::STANDARD
        },
    ));
    let r = w.file("US", "RU", a, Severity::Serious, false);
    w.now += 60 * DAY;
    hub_runs(&mut w);
    let metadata = w.metadata("RU", "US", a, Severity::Serious, false);
    let file = |tag: &str| Action::RequestFiled {
        metadata: metadata.clone(),
        dossier: World::dossier(tag),
    };
    let msg = check(w.act("RU", file("one")), "not_allowed");
    assert!(
        msg.contains("RU may file no new request") && msg.contains("1 uncured breaches"),
        "{msg}"
    );
    // The state in good standing files.
    w.file("US", "RU", a, Severity::Serious, false);
    // RU cures by answering, and files again.
    w.answer(
        r,
        Answer::Refused {
            ground: rex_domain::RefusalGround::InsufficientEvidence,
        },
    );
    w.act("RU", file("two")).unwrap();
    w.replays_the_same();
}
