//! The life of exchanges, told through signed statements applied to a registry.

use crate::world;

use expect_test::expect;
use rex_domain::{
    Action, Answer, ExchangeProposal, ExchangeStatus, Milestone, Registry, RequestStatus, Severity,
};
use world::{check, terms, World, DAY};

/// The US–RU bilateral, from agreement to completed exchange: RU surrenders the subject of r1
/// to the US; the US, barred from surrendering its own national, prosecutes the subject of r2 at
/// home.
#[test]
fn bilateral_happy_path() {
    let mut w = World::new(&["US", "RU"]);
    let mut story = Vec::new();
    let mut say = |w: &mut World, actor: &str, action: Action| {
        let line = w.story(actor, action);
        story.push(format!("{actor}: {}", line.replace('\n', "\n    ")));
    };

    let draft = terms(&["RU", "US"]);
    say(
        &mut w,
        "US",
        Action::AgreementProposed {
            terms: rex_domain::AgreementTerms::new(draft).unwrap(),
        },
    );
    let agreement = w.reg.agreements().next().unwrap().id;
    say(&mut w, "RU", Action::AgreementSigned { agreement });

    w.now += DAY;
    let m1 = w.metadata("US", "RU", agreement, Severity::Serious, false);
    say(
        &mut w,
        "US",
        Action::RequestFiled {
            metadata: m1,
            dossier: World::dossier("us-1"),
        },
    );
    let m2 = w.metadata("RU", "US", agreement, Severity::Grave, true);
    say(
        &mut w,
        "RU",
        Action::RequestFiled {
            metadata: m2,
            dossier: World::dossier("ru-1"),
        },
    );
    let (r1, r2) = {
        let mut ids: Vec<_> = w
            .reg
            .requests()
            .map(|r| (r.filed_at, r.metadata.requester, r.id))
            .collect();
        ids.sort();
        let find = |p: &str| ids.iter().find(|x| x.1.as_str() == p).unwrap().2;
        (find("US"), find("RU"))
    };
    assert_eq!(
        w.reg.request(&r2).unwrap().route,
        rex_domain::Route::ProsecutionOnly
    );

    w.now += DAY;
    say(
        &mut w,
        "RU",
        Action::RequestAnswered {
            request: r1,
            answer: Answer::Surrender,
        },
    );
    say(
        &mut w,
        "US",
        Action::RequestAnswered {
            request: r2,
            answer: Answer::ProsecutionAtHome,
        },
    );

    let proposal = ExchangeProposal::for_cycle(&w.reg, &[r2, r1], w.now).unwrap();
    let exchange = proposal.id;
    let digest = proposal.digest();
    say(
        &mut w,
        "hub",
        Action::MatchingRound {
            proposals: vec![proposal],
        },
    );
    for p in ["US", "RU"] {
        say(
            &mut w,
            p,
            Action::ExchangeSigned {
                exchange,
                proposal_sha256: digest,
            },
        );
    }
    assert_eq!(
        w.reg.exchange(&exchange).unwrap().status,
        ExchangeStatus::Binding
    );

    w.now += DAY;
    say(
        &mut w,
        "RU",
        Action::LegReady {
            exchange,
            request: r1,
        },
    );
    say(
        &mut w,
        "US",
        Action::LegVerified {
            exchange,
            request: r1,
        },
    );
    say(
        &mut w,
        "US",
        Action::MilestoneRecorded {
            exchange,
            request: r2,
            milestone: Milestone::Opened,
        },
    );
    say(&mut w, "hub", Action::Go { exchange });
    say(
        &mut w,
        "RU",
        Action::LegDelivered {
            exchange,
            request: r1,
        },
    );
    say(
        &mut w,
        "US",
        Action::LegReceived {
            exchange,
            request: r1,
        },
    );
    w.now += 90 * DAY;
    for milestone in [Milestone::Charged, Milestone::Verdict] {
        say(
            &mut w,
            "US",
            Action::MilestoneRecorded {
                exchange,
                request: r2,
                milestone,
            },
        );
    }

    expect![[r#"
        US: AgreementProposed(A1)
        RU: AgreementSigned { agreement: A1, party: RU }
            AgreementInForce(A1)
        US: RequestFiled(r1)
        RU: RequestFiled(r2)
        RU: RequestAnswered { request: r1, answer: Surrender }
        US: RequestAnswered { request: r2, answer: ProsecutionAtHome }
        hub: ExchangeProposed(x1)
        US: ExchangeSigned { exchange: x1, party: US }
        RU: ExchangeSigned { exchange: x1, party: RU }
            ExchangeBinding(x1)
        RU: LegAdvanced { exchange: x1, request: r1, stage: Ready }
        US: LegAdvanced { exchange: x1, request: r1, stage: Verified }
        US: LegAdvanced { exchange: x1, request: r2, stage: Opened }
        hub: Go(x1)
        RU: LegAdvanced { exchange: x1, request: r1, stage: Delivered }
        US: LegAdvanced { exchange: x1, request: r1, stage: Received }
        US: LegAdvanced { exchange: x1, request: r2, stage: Charged }
        US: LegAdvanced { exchange: x1, request: r2, stage: Verdict }
            ExchangeCompleted(x1)
            RequestFulfilled(r2)
            RequestFulfilled(r1)"#]]
    .assert_eq(&story.join("\n"));

    let x = w.reg.exchange(&exchange).unwrap();
    assert_eq!(x.status, ExchangeStatus::Completed);
    assert_eq!(x.execution_deadline, Some(world::T0 + 2 * DAY + 60 * DAY));
    for r in [r1, r2] {
        assert_eq!(
            w.reg.request(&r).unwrap().status,
            RequestStatus::Fulfilled(exchange)
        );
    }

    // Anyone holding the hub key and the log rebuilds the same registry.
    let mut replay = Registry::new(w.hub.verifying_key());
    for (envelope, at) in &w.log {
        replay.apply(envelope, *at).unwrap();
    }
    assert_eq!(replay, w.reg);
}

/// Three states in a ring, as at Ankara: the US gets from RU, RU from CN, CN from the US.
#[test]
fn three_state_cycle() {
    let mut w = World::new(&["CN", "RU", "US"]);
    let a = w.agreement(terms(&["CN", "RU", "US"]));
    let us_from_ru = w.file("US", "RU", a, Severity::Grave, false);
    let ru_from_cn = w.file("RU", "CN", a, Severity::Serious, false);
    let cn_from_us = w.file("CN", "US", a, Severity::Grave, false);
    for r in [us_from_ru, ru_from_cn, cn_from_us] {
        w.answer(r, Answer::Surrender);
    }

    // No two of them form a cycle: each bilateral pair lacks its return request.
    check(
        ExchangeProposal::for_cycle(&w.reg, &[us_from_ru, ru_from_cn], w.now),
        "not_allowed",
    );
    // Any rotation gives the same proposal.
    let p =
        ExchangeProposal::for_cycle(&w.reg, &[us_from_ru, cn_from_us, ru_from_cn], w.now).unwrap();
    let q =
        ExchangeProposal::for_cycle(&w.reg, &[ru_from_cn, us_from_ru, cn_from_us], w.now).unwrap();
    assert_eq!(p, q);
    assert_eq!(p.parties().len(), 3);

    let x = w.propose(&[us_from_ru, cn_from_us, ru_from_cn]);
    w.sign_exchange(x);
    let legs = w.reg.exchange(&x).unwrap().proposal.legs.clone();
    for leg in &legs {
        w.act(
            &leg.giver.to_string(),
            Action::LegReady {
                exchange: x,
                request: leg.request,
            },
        )
        .unwrap();
    }
    // All-or-nothing: two of three legs verified is not enough for go.
    for leg in &legs[..2] {
        w.act(
            &leg.receiver.to_string(),
            Action::LegVerified {
                exchange: x,
                request: leg.request,
            },
        )
        .unwrap();
    }
    let msg = check(w.hub(Action::Go { exchange: x }), "not_allowed");
    assert!(
        msg.contains("go before every leg is ready and verified"),
        "{msg}"
    );
    assert!(w.reg.go_due().is_empty());
    let last = legs[2];
    w.act(
        &last.receiver.to_string(),
        Action::LegVerified {
            exchange: x,
            request: last.request,
        },
    )
    .unwrap();
    assert_eq!(w.reg.go_due(), vec![x]);
    w.hub(Action::Go { exchange: x }).unwrap();
    for leg in &legs {
        w.act(
            &leg.giver.to_string(),
            Action::LegDelivered {
                exchange: x,
                request: leg.request,
            },
        )
        .unwrap();
    }
    let mut done = Vec::new();
    for leg in &legs {
        let a = w
            .act(
                &leg.receiver.to_string(),
                Action::LegReceived {
                    exchange: x,
                    request: leg.request,
                },
            )
            .unwrap();
        done.push(w.render(&a.events));
    }
    expect![[r#"
        LegAdvanced { exchange: x1, request: r2, stage: Received }
        LegAdvanced { exchange: x1, request: r1, stage: Received }
        LegAdvanced { exchange: x1, request: r3, stage: Received }
        ExchangeCompleted(x1)
        RequestFulfilled(r2)
        RequestFulfilled(r1)
        RequestFulfilled(r3)"#]]
    .assert_eq(&done.join("\n"));
}

/// A proposal that not every member signs by its deadline lapses, and its requests go back to
/// the pool, where the next round may propose them again.
#[test]
fn lapse_at_deadline_returns_requests_to_the_pool() {
    let mut w = World::new(&["RU", "US"]);
    let a = w.agreement(terms(&["RU", "US"]));
    let r1 = w.file("US", "RU", a, Severity::Serious, false);
    let r2 = w.file("RU", "US", a, Severity::Serious, false);
    w.answer(r1, Answer::Surrender);
    w.answer(r2, Answer::Surrender);
    let x = w.propose(&[r1, r2]);
    let digest = w.reg.exchange(&x).unwrap().digest;
    let deadline = w.reg.exchange(&x).unwrap().proposal.deadline;
    assert_eq!(deadline, w.now + 7 * DAY);
    w.act(
        "US",
        Action::ExchangeSigned {
            exchange: x,
            proposal_sha256: digest,
        },
    )
    .unwrap();

    w.now = deadline - 1;
    assert!(w.reg.lapse_due(w.now).is_empty());
    let msg = check(w.hub(Action::ExchangeLapsed { exchange: x }), "not_allowed");
    assert!(msg.contains("not before"), "{msg}");

    w.now = deadline;
    check(
        w.act(
            "RU",
            Action::ExchangeSigned {
                exchange: x,
                proposal_sha256: digest,
            },
        ),
        "deadline_passed",
    );
    assert_eq!(w.reg.lapse_due(w.now), vec![x]);
    expect![[r#"
        ExchangeLapsed(x1)
        RequestReturnedToPool(r2)
        RequestReturnedToPool(r1)"#]]
    .assert_eq(&w.story("hub", Action::ExchangeLapsed { exchange: x }));
    for r in [r1, r2] {
        assert_eq!(w.reg.request(&r).unwrap().status, RequestStatus::Pooled);
    }
    // Lapsed is final; signing it is refused.
    check(
        w.act(
            "RU",
            Action::ExchangeSigned {
                exchange: x,
                proposal_sha256: digest,
            },
        ),
        "not_allowed",
    );
    // The same cycle, proposed again later, is a new exchange with a new deadline.
    let again = w.propose(&[r1, r2]);
    assert_ne!(again, x);
    assert_eq!(
        w.reg.exchange(&again).unwrap().proposal.deadline,
        deadline + 7 * DAY
    );
}

/// A withdrawn request leaves the pool; one in an exchange cannot be withdrawn.
#[test]
fn withdrawal() {
    let mut w = World::new(&["RU", "US"]);
    let a = w.agreement(terms(&["RU", "US"]));
    let r1 = w.file("US", "RU", a, Severity::Serious, false);
    let r2 = w.file("RU", "US", a, Severity::Serious, false);
    let r3 = w.file("US", "RU", a, Severity::Serious, false);
    for r in [r1, r2, r3] {
        w.answer(r, Answer::Surrender);
    }
    check(
        w.act("RU", Action::RequestWithdrawn { request: r3 }),
        "not_allowed",
    );
    w.act("US", Action::RequestWithdrawn { request: r3 })
        .unwrap();
    assert_eq!(w.reg.request(&r3).unwrap().status, RequestStatus::Withdrawn);
    check(
        ExchangeProposal::for_cycle(&w.reg, &[r3, r2], w.now),
        "not_allowed",
    );
    w.propose(&[r1, r2]);
    check(
        w.act("US", Action::RequestWithdrawn { request: r1 }),
        "not_allowed",
    );
}

/// An exchange not executed by its deadline: the hub records a breach on each unfinished leg,
/// naming the state that owed its next step; a leg finished late keeps its breach on record.
#[test]
fn missed_execution_deadline_records_breaches() {
    let mut w = World::new(&["RU", "US"]);
    let a = w.agreement(terms(&["RU", "US"]));
    let r1 = w.file("US", "RU", a, Severity::Serious, false);
    let r2 = w.file("RU", "US", a, Severity::Serious, false);
    w.answer(r1, Answer::Surrender);
    w.answer(r2, Answer::ProsecutionAtHome);
    let x = w.propose(&[r1, r2]);
    w.sign_exchange(x);
    let deadline = w.reg.exchange(&x).unwrap().execution_deadline.unwrap();
    // RU declares its subject ready; the US neither verifies it nor opens its prosecution.
    w.act(
        "RU",
        Action::LegReady {
            exchange: x,
            request: r1,
        },
    )
    .unwrap();

    w.now = deadline - 1;
    assert!(w.reg.breach_due(w.now).is_empty());
    let msg = check(
        w.hub(Action::BreachRecorded {
            exchange: x,
            request: r1,
        }),
        "not_allowed",
    );
    assert!(msg.contains("not before"), "{msg}");
    // Only the hub records breaches.
    check(
        w.act(
            "RU",
            Action::BreachRecorded {
                exchange: x,
                request: r1,
            },
        ),
        "not_allowed",
    );

    w.now = deadline;
    let mut due = w.reg.breach_due(w.now);
    due.sort();
    let mut both = vec![(x, r1), (x, r2)];
    both.sort();
    assert_eq!(due, both);
    // The surrender leg is ready: its receiver (US) owes the verification. The prosecution
    // leg is pending: its giver (US) owes the opening.
    expect![[r#"BreachRecorded { exchange: x1, request: r1, party: US }"#]].assert_eq(&w.story(
        "hub",
        Action::BreachRecorded {
            exchange: x,
            request: r1,
        },
    ));
    let msg = check(
        w.hub(Action::BreachRecorded {
            exchange: x,
            request: r1,
        }),
        "not_allowed",
    );
    assert!(msg.contains("already recorded"), "{msg}");
    assert_eq!(w.reg.breach_due(w.now), vec![(x, r2)]);

    // The US verifies late; the breach stays, and nothing new is due on that leg.
    w.act(
        "US",
        Action::LegVerified {
            exchange: x,
            request: r1,
        },
    )
    .unwrap();
    w.hub(Action::BreachRecorded {
        exchange: x,
        request: r2,
    })
    .unwrap();
    assert!(w.reg.breach_due(w.now).is_empty());
    let breaches = &w.reg.exchange(&x).unwrap().breaches;
    assert_eq!(breaches.len(), 2);
    assert!(breaches.values().all(|p| p.as_str() == "US"));
    assert_eq!(
        w.reg.exchange(&x).unwrap().status,
        ExchangeStatus::Binding,
        "a breach does not end the exchange"
    );
}
