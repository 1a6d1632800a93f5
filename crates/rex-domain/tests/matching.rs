//! Matching rounds: the compatibility graph built from the pool, and proposals from the solver.
//!
//! The graph tests need no solver. The `round_*` tests call `rex_match::solve`; they fail with
//! "not yet implemented" until the solver lands.

use crate::world;

use expect_test::expect;
use rex_domain::{
    compatibility_graph, matching_round, Action, AgreementId, Answer, RefusalGround, RequestStatus,
    Severity,
};
use world::{terms, World};

fn render_graph(w: &World, agreement: &AgreementId) -> String {
    let g = compatibility_graph(&w.reg, agreement);
    let name = |i: usize| w.alias(&g.requests[i].to_string());
    let mut lines: Vec<String> = g
        .graph
        .arcs()
        .iter()
        .map(|a| format!("{} -> {}", name(a.from.index()), name(a.to.index())))
        .collect();
    lines.sort();
    let mut vertices: Vec<String> = (0..g.requests.len()).map(name).collect();
    vertices.sort();
    format!("vertices: {}\n{}", vertices.join(" "), lines.join("\n"))
}

/// US and RU under one agreement, CN–US under another.
fn pool() -> (World, AgreementId, AgreementId) {
    let mut w = World::new(&["CN", "RU", "US"]);
    let a = w.agreement(terms(&["RU", "US"]));
    let b = w.agreement(terms(&["CN", "US"]));
    let r1 = w.file("US", "RU", a, Severity::Serious, false);
    let r2 = w.file("RU", "US", a, Severity::Grave, false);
    let r3 = w.file("US", "RU", a, Severity::Minor, false); // not similar to r2
    let r4 = w.file("RU", "US", a, Severity::Serious, false); // refused
    let r5 = w.file("CN", "US", b, Severity::Serious, false); // other agreement
                                                              // A sixth request, never answered: it must never be matched.
    w.file("US", "RU", a, Severity::Serious, false);
    for r in [r1, r2, r3, r5] {
        w.answer(r, Answer::Surrender);
    }
    w.answer(
        r4,
        Answer::Refused {
            ground: RefusalGround::PoliticalOffence,
        },
    );
    (w, a, b)
}

#[test]
fn graph_has_an_arc_where_the_receiver_gives_a_similar_subject() {
    let (w, a, b) = pool();
    expect![[r#"
        vertices: r1 r2 r3
        r1 -> r2
        r2 -> r1"#]]
    .assert_eq(&render_graph(&w, &a));
    // r5 alone under the CN–US agreement: a vertex, no arc.
    expect![[r#"
        vertices: r5
    "#]]
    .assert_eq(&render_graph(&w, &b));
}

#[test]
fn graph_of_an_agreement_not_in_force_is_empty() {
    let (mut w, _, _) = pool();
    let t = rex_domain::AgreementTerms::new(terms(&["RU", "US"])).unwrap();
    let d = w
        .act("US", Action::AgreementProposed { terms: t })
        .unwrap()
        .digest;
    let pending = AgreementId::from_digest(&d);
    assert!(compatibility_graph(&w.reg, &pending).requests.is_empty());
}

#[test]
fn graph_drops_requests_already_in_an_exchange() {
    let (mut w, a, _) = pool();
    let r1r2: Vec<_> = w
        .reg
        .requests()
        .filter(|r| {
            let n = w.alias(&r.id.to_string());
            n == "r1" || n == "r2"
        })
        .map(|r| r.id)
        .collect();
    w.propose(&r1r2);
    expect![[r#"
        vertices: r3
    "#]]
    .assert_eq(&render_graph(&w, &a));
}

#[test]
fn round_proposes_the_bilateral_and_the_hub_can_sign_it() {
    let (mut w, _, _) = pool();
    let proposals = matching_round(&w.reg, w.now).expect("solver");
    let cycles: Vec<String> = proposals
        .iter()
        .map(|p| w.alias(&format!("{:?}", p.cycle)))
        .collect();
    expect!["[r1, r2]"].assert_eq(&cycles.join("\n"));
    let ids: Vec<_> = proposals.iter().map(|p| p.id).collect();
    w.hub(Action::MatchingRound { proposals }).unwrap();
    for id in ids {
        for r in &w.reg.exchange(&id).unwrap().proposal.cycle {
            assert_eq!(
                w.reg.request(r).unwrap().status,
                RequestStatus::InExchange(id)
            );
        }
    }
    // Nothing left to match.
    assert!(matching_round(&w.reg, w.now).expect("solver").is_empty());
}

/// Three states where a bilateral competes with a ring through it: the ring fulfils more
/// requests, so it wins.
#[test]
fn round_prefers_the_ring_that_fulfils_more_requests() {
    let mut w = World::new(&["CN", "RU", "US"]);
    let a = w.agreement(terms(&["CN", "RU", "US"]));
    let us_from_ru = w.file("US", "RU", a, Severity::Serious, false);
    let ru_from_us = w.file("RU", "US", a, Severity::Serious, false);
    let ru_from_cn = w.file("RU", "CN", a, Severity::Serious, false);
    let cn_from_us = w.file("CN", "US", a, Severity::Serious, false);
    for r in [us_from_ru, ru_from_us, ru_from_cn, cn_from_us] {
        w.answer(r, Answer::Surrender);
    }
    let proposals = matching_round(&w.reg, w.now).expect("solver");
    assert_eq!(proposals.len(), 1);
    let mut got = proposals[0].cycle.clone();
    got.sort();
    let mut want = vec![us_from_ru, ru_from_cn, cn_from_us];
    want.sort();
    assert_eq!(got, want);
    // Same registry, same round: the matching is reproducible.
    assert_eq!(matching_round(&w.reg, w.now).expect("solver"), proposals);
}
