//! A matching round: the compatibility graph of the pooled requests, solved by `rex-match`, and
//! mapped back to exchange proposals.
//!
//! Vertices are the pooled (exchangeable, not yet in an exchange) requests of one agreement in
//! force, in request-id order. An arc `r -> q` (weight 1) exists when the requester of `r` is the
//! custodian of `q` (having received in `r`, it gives in `q`) and the two subjects are similar
//! under the agreement's rule. Requests of different agreements never share a cycle, so each
//! agreement is solved on its own, in agreement-id order, with its own longest cycle,
//! maximising the number of requests fulfilled. Everything is a function of the registry, so
//! anyone replaying the log gets the same graphs and, with the solver's deterministic
//! tie-breaking and no time limit, the same proposals.
//!
//! **Chains within credit limits.** Where the agreement allows credit ([`CreditTerms`]), each
//! open unconditional offer is an offer vertex with one arc to its request, and a chain is
//! `offer -> q1 -> .. -> qn`: the custodian of `q1` gives without an immediate return, and the
//! requester of `qn` receives without giving. The credit limit bounds how many chains may end
//! at a state (its *room*: the limit plus its committed balance), which the solver cannot say
//! by itself (its chains may end anywhere). So the graph makes a chain's end explicit: each
//! state with room gets that many *end vertices* (at most one per offer), with an arc from
//! each of its pooled requests, and the weights make a chain worth its requests only if it
//! ends at one: with `L` the agreement's longest chain and `M = L + 2`, an offer arc weighs
//! `1 - M`, an arc into an end vertex `M`, every other arc 1, and the solver (objective
//! `weight`, chains of at most `L + 1` arcs) maximises the total weight. Then:
//! - a chain `offer, q1..qn, end` weighs `(1 - M) + (n - 1) + M = n`, the requests it fulfils,
//!   as a cycle of `k` requests weighs `k`;
//! - a chain without an end vertex weighs `n - M < 0` (`n <= L + 1`), so no optimal solution
//!   holds one (dropping it frees its vertices and gains weight);
//! - end vertices have no out-arc, so they sit on no cycle, and each is used at most once.
//!
//! Hence the optimal solutions are exactly the packings of cycles and credit-respecting chains
//! (at most `room` ending at each state) of the most requests. Offers are already within their
//! offerer's limit ([`crate::Registry::open_offers`]: an offer is refused beyond it), and the
//! registry checks every round's chains against the limits again.

use crate::agreement::{AgreementTerms, CreditTerms};
use crate::exchange::ExchangeProposal;
use crate::id::{AgreementId, PartyId, RequestId, UnixSeconds};
use crate::request::{RequestMetadata, RequestStatus};
use crate::Registry;
use rex_match::{Graph, GraphBuilder, Objective, Params, SolveError, VertexId};
use std::collections::BTreeMap;

/// Why there is no arc `r -> q` between two requests of one agreement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NoArc {
    /// The requester of `r` is not the custodian of `q`.
    NotCustodian,
    /// The two subjects are not similar under the agreement's rule.
    NotSimilar,
}

/// The arc rule, the one place it is written: `r -> q` when the requester of `r` is the
/// custodian of `q` (having received in `r`, it gives in `q`) and the two subjects are similar
/// under the agreement's rule. The graph is built with it and a proposal's cycle is checked
/// with it, so the hub can only propose cycles of the graph.
pub(crate) fn arc(
    terms: &AgreementTerms,
    r: &RequestMetadata,
    q: &RequestMetadata,
) -> Result<(), NoArc> {
    if r.requester != q.custodian {
        return Err(NoArc::NotCustodian);
    }
    if !terms.similarity.similar(r.severity, q.severity) {
        return Err(NoArc::NotSimilar);
    }
    Ok(())
}

/// The compatibility graph of one agreement, with what stands behind each vertex.
#[derive(Debug, Clone, PartialEq)]
pub struct CompatibilityGraph {
    /// The agreement.
    pub agreement: AgreementId,
    /// Vertex `i < requests.len()` is `requests[i]`; then one offer vertex per `offers`
    /// entry, then one end vertex per `ends` entry.
    pub graph: Graph,
    /// The pooled requests, in id order.
    pub requests: Vec<RequestId>,
    /// The requests with an open unconditional offer, in id order (none without credit).
    pub offers: Vec<RequestId>,
    /// The state each end vertex lets a chain end at, in state order, each repeated as often
    /// as its room allows (none without credit).
    pub ends: Vec<PartyId>,
    /// The agreement's longest chain, 0 without credit.
    pub max_chain: u8,
}

impl CompatibilityGraph {
    /// The weight of an arc into an end vertex (`M` of the module notes); offer arcs weigh
    /// `1 - M`.
    fn end_weight(max_chain: u8) -> f64 {
        f64::from(max_chain) + 2.0
    }
}

/// The compatibility graph of `agreement`'s pooled requests (empty if it is not in force).
pub fn compatibility_graph(registry: &Registry, agreement: &AgreementId) -> CompatibilityGraph {
    let in_force = registry.agreement(agreement).filter(|a| a.in_force());
    let pooled: Vec<_> = match in_force {
        Some(_) => registry
            .requests()
            .filter(|r| {
                // A pooled request awaiting a decision on a competing request (the only check
                // that can open after an exchangeable answer) waits out of the matching.
                r.metadata.agreement == *agreement
                    && r.status == RequestStatus::Pooled
                    && r.blocking_check().is_none()
            })
            .collect(),
        None => Vec::new(),
    };
    let mut builder = GraphBuilder::new();
    let mut by_custodian: BTreeMap<PartyId, Vec<usize>> = BTreeMap::new();
    let mut by_requester: BTreeMap<PartyId, Vec<usize>> = BTreeMap::new();
    let mut vertices: Vec<VertexId> = Vec::with_capacity(pooled.len());
    for (i, r) in pooled.iter().enumerate() {
        // Request ids are map keys, hence distinct.
        let v = builder
            .add_request(r.id.to_string())
            .unwrap_or_else(|e| unreachable!("distinct request ids: {e}"));
        vertices.push(v);
        by_custodian
            .entry(r.metadata.custodian)
            .or_default()
            .push(i);
        by_requester
            .entry(r.metadata.requester)
            .or_default()
            .push(i);
    }
    let mut offers = Vec::new();
    let mut ends = Vec::new();
    let mut max_chain = 0;
    if let Some(a) = in_force {
        let add = |builder: &mut GraphBuilder, from, to, w| {
            builder
                .add_arc(from, to, w)
                .unwrap_or_else(|e| unreachable!("arcs between vertices added: {e}"));
        };
        for (i, r) in pooled.iter().enumerate() {
            for &j in by_custodian
                .get(&r.metadata.requester)
                .map_or(&[][..], Vec::as_slice)
            {
                // Candidates are indexed by custodian; the rule decides.
                if arc(&a.terms, &r.metadata, &pooled[j].metadata).is_ok() {
                    add(&mut builder, vertices[i], vertices[j], 1.0);
                }
            }
        }
        if let Some(credit) = &a.terms.credit {
            max_chain = credit.max_chain;
            let m = CompatibilityGraph::end_weight(max_chain);
            let offered;
            (offered, ends) = chain_ends(registry, agreement, credit, &pooled);
            for i in offered {
                let q = pooled[i].id;
                let o = builder
                    .add_offer(format!("offer:{q}"))
                    .unwrap_or_else(|e| unreachable!("distinct offer ids: {e}"));
                add(&mut builder, o, vertices[i], 1.0 - m);
                offers.push(q);
            }
            for (k, party) in ends.iter().enumerate() {
                let e = builder
                    .add_request(format!("end:{party}:{k}"))
                    .unwrap_or_else(|e| unreachable!("distinct end ids: {e}"));
                for &i in by_requester.get(party).map_or(&[][..], Vec::as_slice) {
                    add(&mut builder, vertices[i], e, m);
                }
            }
        }
    }
    CompatibilityGraph {
        agreement: *agreement,
        graph: builder
            .build()
            .unwrap_or_else(|e| unreachable!("one weight per arc: {e}")),
        requests: pooled.iter().map(|r| r.id).collect(),
        offers,
        ends,
        max_chain,
    }
}

/// The open offers that fit their offerer's room, as indices into `pooled` (all of them, as offers are refused beyond
/// it; the first ones by id otherwise), and the end vertices: each state with room, repeated
/// `min(room, offers, its pooled requests)` times.
fn chain_ends(
    registry: &Registry,
    agreement: &AgreementId,
    credit: &CreditTerms,
    pooled: &[&crate::request::Request],
) -> (Vec<usize>, Vec<PartyId>) {
    let limit = i64::from(credit.max_outstanding);
    let balances = registry.credit_balances(agreement);
    let balance = |p: &PartyId| balances.get(p).copied().unwrap_or(0);
    let mut used: BTreeMap<PartyId, i64> = BTreeMap::new();
    let mut offers = Vec::new();
    for (i, r) in pooled.iter().enumerate().filter(|(_, r)| r.open_offer()) {
        let g = r.metadata.custodian;
        let n = used.entry(g).or_insert(0);
        if balance(&g) + *n < limit {
            *n += 1;
            offers.push(i);
        }
    }
    let mut receivers: BTreeMap<PartyId, i64> = BTreeMap::new();
    for r in pooled {
        *receivers.entry(r.metadata.requester).or_insert(0) += 1;
    }
    let mut ends = Vec::new();
    if !offers.is_empty() {
        for (party, count) in receivers {
            let room = (limit + balance(&party))
                .min(offers.len() as i64)
                .min(count);
            for _ in 0..room.max(0) {
                ends.push(party);
            }
        }
    }
    (offers, ends)
}

/// The solver parameters for an agreement's longest cycle: exact, no chains, no time limit (a
/// time limit would make the result depend on the machine, and the round not replayable).
pub fn params(max_cycle: u8) -> Params {
    Params {
        max_cycle: usize::from(max_cycle),
        max_chain: 0,
        objective: Objective::Count,
        time_limit: None,
        memory_limit: Some(rex_match::params::DEFAULT_MEMORY_LIMIT),
    }
}

/// The solver parameters for a graph with chains (see the module notes): chains of at most
/// `max_chain + 1` arcs, the `weight` objective.
fn chain_params(max_cycle: u8, max_chain: u8) -> Params {
    Params {
        max_chain: usize::from(max_chain) + 1,
        objective: Objective::Weight,
        ..params(max_cycle)
    }
}

/// The proposals of a matching round at `now` (deadline `now` + commit window). The hub signs
/// them in a `matching_round` statement dated `now`; [`Registry::apply`] re-derives each proposal
/// from its cycle or chain and refuses any that differ, or chains beyond a credit limit.
pub fn matching_round(
    registry: &Registry,
    now: UnixSeconds,
) -> Result<Vec<ExchangeProposal>, SolveError> {
    let mut proposals = Vec::new();
    let infeasible = |what: &str, e: crate::rejection::Rejection| {
        SolveError::Solver(format!("the solver returned an infeasible {what}: {e}"))
    };
    for a in registry.agreements().filter(|a| a.in_force()) {
        let g = compatibility_graph(registry, &a.id);
        if g.graph.arcs().is_empty() {
            continue;
        }
        let params = if g.offers.is_empty() {
            params(a.terms.max_cycle)
        } else {
            chain_params(a.terms.max_cycle, g.max_chain)
        };
        let solution = rex_match::solve(&g.graph, &params)?;
        for cycle in &solution.cycles {
            let ids: Vec<RequestId> = cycle.iter().map(|v| g.requests[v.index()]).collect();
            let p = ExchangeProposal::for_cycle(registry, &ids, now)
                .map_err(|e| infeasible("cycle", e))?;
            proposals.push(p);
        }
        let n = g.requests.len();
        for chain in &solution.chains {
            // `offer, q1 .. qn, end`: the end vertex is what makes the chain worth taking.
            let ends_right = chain.len() >= 3
                && chain
                    .last()
                    .is_some_and(|v| v.index() >= n + g.offers.len());
            let ids: Vec<RequestId> = chain
                .iter()
                .skip(1)
                .take(chain.len().saturating_sub(2))
                .filter(|v| v.index() < n)
                .map(|v| g.requests[v.index()])
                .collect();
            if !ends_right || ids.len() + 2 != chain.len() {
                return Err(SolveError::Solver(format!(
                    "the solver returned a chain without an end vertex: {:?}",
                    g.graph.ids(chain)
                )));
            }
            let p = ExchangeProposal::for_chain(registry, &ids, now)
                .map_err(|e| infeasible("chain", e))?;
            proposals.push(p);
        }
    }
    Ok(proposals)
}
