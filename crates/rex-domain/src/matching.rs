//! A matching round: the compatibility graph of the pooled requests, solved by `rex-match`, and
//! mapped back to exchange proposals.
//!
//! Vertices are the pooled (exchangeable, not yet in an exchange) requests of one agreement in
//! force, in request-id order. An arc `r -> q` (weight 1) exists when the requester of `r` is the
//! custodian of `q` (having received in `r`, it gives in `q`) and the two subjects are similar
//! under the agreement's rule. Requests of different agreements never share a cycle, so each
//! agreement is solved on its own, in agreement-id order, with its own longest cycle and no
//! chains (no credit yet), maximising the number of requests fulfilled. Everything is a function
//! of the registry, so anyone replaying the log gets the same graphs and, with the solver's
//! deterministic tie-breaking and no time limit, the same proposals.

use crate::agreement::AgreementTerms;
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

/// The compatibility graph of one agreement, with the request behind each vertex.
#[derive(Debug, Clone, PartialEq)]
pub struct CompatibilityGraph {
    /// The agreement.
    pub agreement: AgreementId,
    /// Vertex `i` is `requests[i]`, named by its id.
    pub graph: Graph,
    /// The pooled requests, in id order.
    pub requests: Vec<RequestId>,
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
    }
    if let Some(a) = in_force {
        for (i, r) in pooled.iter().enumerate() {
            for &j in by_custodian
                .get(&r.metadata.requester)
                .map_or(&[][..], Vec::as_slice)
            {
                // Candidates are indexed by custodian; the rule decides.
                if arc(&a.terms, &r.metadata, &pooled[j].metadata).is_ok() {
                    builder
                        .add_arc(vertices[i], vertices[j], 1.0)
                        .unwrap_or_else(|e| unreachable!("arcs between requests: {e}"));
                }
            }
        }
    }
    CompatibilityGraph {
        agreement: *agreement,
        graph: builder
            .build()
            .unwrap_or_else(|e| unreachable!("unit weights never conflict: {e}")),
        requests: pooled.iter().map(|r| r.id).collect(),
    }
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

/// The proposals of a matching round at `now` (deadline `now` + commit window). The hub signs
/// them in a `matching_round` statement dated `now`; [`Registry::apply`] re-derives each proposal
/// from its cycle and refuses any that differ.
pub fn matching_round(
    registry: &Registry,
    now: UnixSeconds,
) -> Result<Vec<ExchangeProposal>, SolveError> {
    let mut proposals = Vec::new();
    for a in registry.agreements().filter(|a| a.in_force()) {
        let g = compatibility_graph(registry, &a.id);
        if g.graph.arcs().is_empty() {
            continue;
        }
        let solution = rex_match::solve(&g.graph, &params(a.terms.max_cycle))?;
        for cycle in &solution.cycles {
            let ids: Vec<RequestId> = cycle.iter().map(|v| g.requests[v.index()]).collect();
            let p = ExchangeProposal::for_cycle(registry, &ids, now).map_err(|e| {
                SolveError::Solver(format!("the solver returned an infeasible cycle: {e}"))
            })?;
            proposals.push(p);
        }
    }
    Ok(proposals)
}
