//! Exchanges: proposals (cycles of requests) with their canonical bytes, legs and their stages,
//! and the record the registry keeps.

use crate::id::{AgreementId, Digest, ExchangeId, PartyId, RequestId, UnixSeconds};
use crate::matching::{arc, NoArc};
use crate::officer::Officers;
use crate::rejection::Rejection;
use crate::request::{Answer, RequestStatus};
use crate::Registry;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// How a leg's giver reciprocates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LegKind {
    /// The giver hands the subject over to the receiver.
    Surrender,
    /// The giver prosecutes the subject at home.
    ProsecutionAtHome,
}

/// One leg of an exchange: in request `request`, `giver` (its custodian) gives to `receiver`
/// (its requester).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Leg {
    /// The request this leg fulfils.
    pub request: RequestId,
    /// The custodian.
    pub giver: PartyId,
    /// The requester.
    pub receiver: PartyId,
    /// Surrender or prosecution at home, from the custodian's answer.
    pub kind: LegKind,
}

impl Leg {
    /// Who owes this leg's next step at `stage`, with `go` declared or not: the giver or the
    /// receiver, or nobody when the leg is complete or waits, verified, for the hub's go (then
    /// the lateness is on another leg). This is the state in breach if the execution deadline
    /// passes with the leg at `stage`.
    pub fn owed_by(&self, stage: LegStage, go: bool) -> Option<PartyId> {
        use LegStage as S;
        match (self.kind, stage) {
            (LegKind::Surrender, S::Pending) => Some(self.giver),
            (LegKind::Surrender, S::Ready) => Some(self.receiver),
            (LegKind::Surrender, S::Verified) => go.then_some(self.giver),
            (LegKind::Surrender, S::Delivered) => Some(self.receiver),
            (LegKind::ProsecutionAtHome, S::Pending | S::Opened | S::Charged) => Some(self.giver),
            _ => None,
        }
    }
}

/// A prosecution milestone, recorded in this order by the prosecuting state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Milestone {
    /// Proceedings opened.
    Opened,
    /// The subject charged.
    Charged,
    /// A verdict given (the leg is then complete).
    Verdict,
}

/// The kind of domestic instrument that allows a giver to release its subject.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InstrumentKind {
    /// A pardon.
    Pardon,
    /// A commutation of a sentence.
    Commutation,
    /// A deportation (or expulsion) order.
    DeportationOrder,
    /// A court decision allowing the surrender.
    CourtDecision,
}

impl InstrumentKind {
    /// Every kind, in wire order.
    pub const ALL: [InstrumentKind; 4] = [
        InstrumentKind::Pardon,
        InstrumentKind::Commutation,
        InstrumentKind::DeportationOrder,
        InstrumentKind::CourtDecision,
    ];

    /// The wire name.
    pub fn as_str(&self) -> &'static str {
        match self {
            InstrumentKind::Pardon => "pardon",
            InstrumentKind::Commutation => "commutation",
            InstrumentKind::DeportationOrder => "deportation_order",
            InstrumentKind::CourtDecision => "court_decision",
        }
    }
}

impl std::str::FromStr for InstrumentKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| {
                let all: Vec<&str> = Self::ALL.iter().map(|k| k.as_str()).collect();
                format!(
                    "no instrument kind {s:?}; expected one of {}",
                    all.join(", ")
                )
            })
    }
}

/// The longest name of an authority in a release instrument, in characters.
pub const MAX_AUTHORITY_CHARS: usize = 200;

/// The domestic instrument that allows a giver to release the subject of a surrender leg
/// (`release_recorded`): its kind, the authority that issued it, and the SHA-256 of the
/// document, which stays with the giver.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReleaseInstrument {
    /// Pardon, commutation, deportation order or court decision.
    pub kind: InstrumentKind,
    /// Who issued it, e.g. "Presidential Administration" or "Moscow City Court".
    pub authority: String,
    /// SHA-256 of the document.
    pub document_sha256: Digest,
}

impl ReleaseInstrument {
    /// Refuses an authority that is empty, longer than [`MAX_AUTHORITY_CHARS`], or holds a
    /// control character.
    pub fn validate(&self) -> Result<(), Rejection> {
        let a = &self.authority;
        if a.trim().is_empty()
            || a.chars().count() > MAX_AUTHORITY_CHARS
            || a.chars().any(char::is_control)
        {
            return Err(Rejection::invalid(
                "release instrument",
                format!(
                    "the authority must be 1 to {MAX_AUTHORITY_CHARS} characters without \
                     control characters"
                ),
            ));
        }
        Ok(())
    }
}

/// What the giver of a surrender consents to afterwards (the rule of speciality and the bar
/// on onward transfer): the receiver may prosecute the subject only for the offences it was
/// surrendered for, and transfer it to no third state, unless the giver consents.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Consent {
    /// Prosecution for these offences too (sorted, distinct, none already surrendered for).
    Offences {
        /// The offence categories.
        offences: Vec<crate::offence::Offence>,
    },
    /// Transfer of the subject to this state.
    OnwardTransfer {
        /// The third state.
        to: PartyId,
    },
}

/// The speciality record of a surrender leg, after delivery.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Speciality {
    /// Offences the giver consented to beyond those surrendered for.
    pub consented_offences: BTreeSet<crate::offence::Offence>,
    /// States the giver consented to a transfer to.
    pub consented_transfers: BTreeSet<PartyId>,
    /// Offences the receiver recorded prosecuting the subject for (`prosecution_extended`).
    pub prosecuted_for: BTreeSet<crate::offence::Offence>,
    /// The state the receiver transferred the subject to, if it did.
    pub transferred_to: Option<PartyId>,
}

impl Milestone {
    /// The stable wire name.
    pub fn as_str(&self) -> &'static str {
        match self {
            Milestone::Opened => "opened",
            Milestone::Charged => "charged",
            Milestone::Verdict => "verdict",
        }
    }

    /// The leg stage this milestone leads to.
    pub fn stage(&self) -> LegStage {
        match self {
            Milestone::Opened => LegStage::Opened,
            Milestone::Charged => LegStage::Charged,
            Milestone::Verdict => LegStage::Verdict,
        }
    }
}

/// Where a leg stands. Surrender: pending -> ready (giver) -> verified (receiver) -> (hub: go) ->
/// delivered (giver) -> received (receiver). Prosecution at home: pending -> opened -> charged
/// -> verdict, all by the giver.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LegStage {
    /// Nothing done yet.
    Pending,
    /// Surrender: the giver declared the subject ready.
    Ready,
    /// Surrender: the receiver verified the subject's identity.
    Verified,
    /// Surrender: the giver handed the subject over (after go).
    Delivered,
    /// Surrender: the receiver confirmed receipt (complete).
    Received,
    /// Prosecution: proceedings opened.
    Opened,
    /// Prosecution: subject charged.
    Charged,
    /// Prosecution: verdict given (complete).
    Verdict,
}

/// A step on a leg, as a statement asks for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LegStep {
    /// `leg_ready`.
    Ready,
    /// `leg_verified`.
    Verified,
    /// `leg_delivered`.
    Delivered,
    /// `leg_received`.
    Received,
    /// `milestone_recorded`.
    Milestone(Milestone),
}

impl LegStep {
    /// Whether the giver (otherwise the receiver) takes this step.
    pub fn by_giver(&self) -> bool {
        !matches!(self, LegStep::Verified | LegStep::Received)
    }

    /// The stage this step leads to from `from` on a leg of `kind`, if allowed. Delivery also
    /// needs the hub's go, which the registry checks.
    pub fn next(&self, kind: LegKind, from: LegStage) -> Option<LegStage> {
        use LegStage as S;
        match (kind, from, self) {
            (LegKind::Surrender, S::Pending, LegStep::Ready) => Some(S::Ready),
            (LegKind::Surrender, S::Ready, LegStep::Verified) => Some(S::Verified),
            (LegKind::Surrender, S::Verified, LegStep::Delivered) => Some(S::Delivered),
            (LegKind::Surrender, S::Delivered, LegStep::Received) => Some(S::Received),
            (LegKind::ProsecutionAtHome, S::Pending, LegStep::Milestone(Milestone::Opened)) => {
                Some(S::Opened)
            }
            (LegKind::ProsecutionAtHome, S::Opened, LegStep::Milestone(Milestone::Charged)) => {
                Some(S::Charged)
            }
            (LegKind::ProsecutionAtHome, S::Charged, LegStep::Milestone(Milestone::Verdict)) => {
                Some(S::Verdict)
            }
            _ => None,
        }
    }

    /// The wire name of the statement that takes this step.
    pub fn name(&self) -> &'static str {
        match self {
            LegStep::Ready => "leg_ready",
            LegStep::Verified => "leg_verified",
            LegStep::Delivered => "leg_delivered",
            LegStep::Received => "leg_received",
            LegStep::Milestone(Milestone::Opened) => "milestone opened",
            LegStep::Milestone(Milestone::Charged) => "milestone charged",
            LegStep::Milestone(Milestone::Verdict) => "milestone verdict",
        }
    }
}

impl LegKind {
    /// The stable wire name.
    pub fn as_str(&self) -> &'static str {
        match self {
            LegKind::Surrender => "surrender",
            LegKind::ProsecutionAtHome => "prosecution_at_home",
        }
    }
}

impl LegStage {
    /// The stable wire name.
    pub fn as_str(&self) -> &'static str {
        match self {
            LegStage::Pending => "pending",
            LegStage::Ready => "ready",
            LegStage::Verified => "verified",
            LegStage::Delivered => "delivered",
            LegStage::Received => "received",
            LegStage::Opened => "opened",
            LegStage::Charged => "charged",
            LegStage::Verdict => "verdict",
        }
    }

    /// Whether the leg is complete.
    pub fn is_complete(&self) -> bool {
        matches!(self, LegStage::Received | LegStage::Verdict)
    }

    /// Whether the leg is far enough along for the hub's go: a surrendered subject verified by
    /// the receiver, or proceedings at home opened.
    pub fn ready_for_go(&self) -> bool {
        !matches!(self, LegStage::Pending | LegStage::Ready)
    }
}

/// A proposed exchange: a cycle of requests of one agreement, each giver receiving in the next
/// request; or, under an agreement with credit, a *chain* started by an unconditional offer,
/// in which the last requester receives without giving. Every member signs
/// [`ExchangeProposal::digest`] before the deadline.
///
/// Wire form: `{"id","agreement","cycle","chain","legs","deadline"}`, `chain` present (`true`)
/// only for a chain, so a cycle's bytes are those it had before chains existed. The *canonical bytes* are the
/// compact JSON of the same object without `id`, fields in that order; the digest is their
/// SHA-256 and the id its first 16 bytes, so the id commits to the content. A parsed proposal
/// whose id does not match is refused.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ExchangeProposal {
    /// Derived from the digest.
    pub id: ExchangeId,
    /// The agreement all requests fall under.
    pub agreement: AgreementId,
    /// The requests, starting at the smallest id: arcs `cycle[i] -> cycle[i+1]` (the requester
    /// of `cycle[i]` is the custodian of `cycle[i+1]`), and the last back to the first. For a
    /// chain, the path from the offered request, without the arc back.
    pub cycle: Vec<RequestId>,
    /// Whether this is a chain: the custodian of the first request gives it on its
    /// unconditional offer, and the requester of the last receives without giving.
    pub chain: bool,
    /// One leg per request, in cycle order.
    pub legs: Vec<Leg>,
    /// Unix time by which every member must have signed.
    pub deadline: UnixSeconds,
}

#[derive(Serialize)]
struct ProposalBody<'a> {
    agreement: &'a AgreementId,
    cycle: &'a [RequestId],
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    chain: bool,
    legs: &'a [Leg],
    deadline: UnixSeconds,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ProposalWire {
    id: ExchangeId,
    agreement: AgreementId,
    cycle: Vec<RequestId>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    chain: bool,
    legs: Vec<Leg>,
    deadline: UnixSeconds,
}

impl ExchangeProposal {
    /// The proposal for `cycle` (in any rotation) as `registry` stands at `now`: legs from the
    /// requests and their answers, deadline `now` + the agreement's commit window.
    ///
    /// Refused unless the cycle is feasible: 2 to `max_cycle` distinct pooled requests of one
    /// agreement in force, each requester the custodian of the next request, neighbours similar
    /// under the agreement's rule, and surrender or prosecution at home admitted by the terms.
    pub fn for_cycle(
        registry: &Registry,
        cycle: &[RequestId],
        now: UnixSeconds,
    ) -> Result<Self, Rejection> {
        Self::feasible(registry, cycle, false, now)
    }

    /// The proposal for the chain `path` as `registry` stands at `now`: the custodian of
    /// `path[0]` gives it on its unconditional offer, each requester gives in the next request,
    /// and the last requester receives without giving.
    ///
    /// Refused unless the chain is feasible: 1 to the agreement's `max_chain` distinct pooled
    /// requests of one agreement in force that allows credit, the first offered by its
    /// custodian, each requester the custodian of the next request, neighbours similar. The
    /// credit limits are the registry's to check, over a whole round
    /// ([`crate::Registry::credit_balance`]).
    pub fn for_chain(
        registry: &Registry,
        path: &[RequestId],
        now: UnixSeconds,
    ) -> Result<Self, Rejection> {
        Self::feasible(registry, path, true, now)
    }

    /// The canonical proposal of `self`'s requests, cycle or chain, at `now`.
    pub fn canonical(&self, registry: &Registry, now: UnixSeconds) -> Result<Self, Rejection> {
        Self::feasible(registry, &self.cycle, self.chain, now)
    }

    fn feasible(
        registry: &Registry,
        cycle: &[RequestId],
        chain: bool,
        now: UnixSeconds,
    ) -> Result<Self, Rejection> {
        let what = if chain { "chain" } else { "cycle" };
        let bad = |reason: String| {
            Err(Rejection::not_allowed(format!(
                "infeasible {what}: {reason}"
            )))
        };
        if cycle.is_empty() {
            return bad("empty".into());
        }
        let mut requests = Vec::with_capacity(cycle.len());
        for id in cycle {
            let r = registry.request(id).ok_or_else(|| Rejection::NotFound {
                kind: "request",
                id: id.to_string(),
            })?;
            if r.status != RequestStatus::Pooled {
                return bad(format!("request {id} is not in the pool"));
            }
            if let Some(c) = r.blocking_check() {
                return bad(format!("request {id} awaits its check {}", c.check));
            }
            requests.push(r);
        }
        let agreement_id = requests[0].metadata.agreement;
        let agreement = registry
            .agreement(&agreement_id)
            .filter(|a| a.in_force())
            .ok_or_else(|| {
                Rejection::not_allowed(format!("agreement {agreement_id} is not in force"))
            })?;
        let terms = &agreement.terms;
        let (min, max) = if chain {
            let Some(credit) = &terms.credit else {
                return bad(format!("agreement {agreement_id} allows no credit"));
            };
            (1, usize::from(credit.max_chain))
        } else {
            (2, usize::from(terms.max_cycle))
        };
        if cycle.len() < min || cycle.len() > max {
            return bad(format!(
                "{} requests, the agreement allows {min} to {max}",
                cycle.len(),
            ));
        }
        let distinct: BTreeSet<_> = cycle.iter().collect();
        if distinct.len() != cycle.len() {
            return bad("a request appears twice".into());
        }
        if chain && requests[0].offered.is_none() {
            return bad(format!(
                "request {} carries no unconditional offer of its custodian",
                cycle[0]
            ));
        }
        for (i, r) in requests.iter().enumerate() {
            if r.metadata.agreement != agreement_id {
                return bad(format!("request {} is under another agreement", r.id));
            }
            if chain && i + 1 == requests.len() {
                break;
            }
            let next = requests[(i + 1) % requests.len()];
            match arc(terms, &r.metadata, &next.metadata) {
                Ok(()) => {}
                Err(NoArc::NotCustodian) => {
                    return bad(format!(
                        "the requester of {} is not the custodian of {}",
                        r.id, next.id
                    ))
                }
                Err(NoArc::NotSimilar) => {
                    return bad(format!("{} and {} are not similar", r.id, next.id))
                }
            }
        }
        // A cycle starts at the smallest id so that every rotation gives the same bytes; a
        // chain at its offer.
        let start = if chain {
            0
        } else {
            (0..cycle.len()).min_by_key(|&i| cycle[i]).unwrap_or(0)
        };
        let mut legs = Vec::with_capacity(cycle.len());
        for i in 0..cycle.len() {
            let r = requests[(start + i) % cycle.len()];
            let kind = match r.answer {
                Some(Answer::Surrender) => LegKind::Surrender,
                Some(Answer::ProsecutionAtHome) if terms.prosecution_at_home_counts => {
                    LegKind::ProsecutionAtHome
                }
                _ => return bad(format!("request {} is not exchangeable", r.id)),
            };
            legs.push(Leg {
                request: r.id,
                giver: r.metadata.custodian,
                receiver: r.metadata.requester,
                kind,
            });
        }
        let cycle: Vec<RequestId> = legs.iter().map(|l| l.request).collect();
        Ok(ExchangeProposal::build(
            agreement_id,
            cycle,
            chain,
            legs,
            now.saturating_add(terms.commit_window),
        ))
    }

    /// What a chain moves on the credit ledger: its offerer (the giver of its first leg) gives
    /// one handover more than it receives, its last receiver one fewer; `None` for a cycle.
    pub fn credit_moved(&self) -> Option<(PartyId, PartyId)> {
        if !self.chain {
            return None;
        }
        Some((self.legs.first()?.giver, self.legs.last()?.receiver))
    }

    /// A proposal with its id derived from the content. No feasibility check: see
    /// [`ExchangeProposal::for_cycle`].
    pub fn new(
        agreement: AgreementId,
        cycle: Vec<RequestId>,
        legs: Vec<Leg>,
        deadline: UnixSeconds,
    ) -> Self {
        Self::build(agreement, cycle, false, legs, deadline)
    }

    /// A proposal, cycle or chain, with its id derived from the content. No feasibility check.
    pub fn build(
        agreement: AgreementId,
        cycle: Vec<RequestId>,
        chain: bool,
        legs: Vec<Leg>,
        deadline: UnixSeconds,
    ) -> Self {
        let mut p = ExchangeProposal {
            id: ExchangeId::from_digest(&Digest([0; 32])),
            agreement,
            cycle,
            chain,
            legs,
            deadline,
        };
        p.id = ExchangeId::from_digest(&p.digest());
        p
    }

    /// The canonical bytes every member signs the digest of (see the type's notes).
    pub fn canonical_bytes(&self) -> Vec<u8> {
        serde_json::to_vec(&ProposalBody {
            agreement: &self.agreement,
            cycle: &self.cycle,
            chain: self.chain,
            legs: &self.legs,
            deadline: self.deadline,
        })
        .unwrap_or_else(|e| unreachable!("a proposal always serialises: {e}"))
    }

    /// SHA-256 of the canonical bytes.
    pub fn digest(&self) -> Digest {
        Digest::of(&self.canonical_bytes())
    }

    /// The states on the cycle or chain (on a cycle each gives and receives).
    pub fn parties(&self) -> BTreeSet<PartyId> {
        self.legs
            .iter()
            .flat_map(|l| [l.giver, l.receiver])
            .collect()
    }
}

impl Serialize for ExchangeProposal {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        ProposalWire {
            id: self.id,
            agreement: self.agreement,
            cycle: self.cycle.clone(),
            chain: self.chain,
            legs: self.legs.clone(),
            deadline: self.deadline,
        }
        .serialize(s)
    }
}

impl<'de> Deserialize<'de> for ExchangeProposal {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let w = ProposalWire::deserialize(d)?;
        let p = ExchangeProposal::build(w.agreement, w.cycle, w.chain, w.legs, w.deadline);
        if p.id != w.id {
            return Err(serde::de::Error::custom(format!(
                "exchange id {} does not match the proposal's digest (expected {})",
                w.id, p.id
            )));
        }
        Ok(p)
    }
}

/// Where an exchange stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ExchangeStatus {
    /// Waiting for signatures.
    Proposed,
    /// Every member signed: binding, being executed.
    Binding,
    /// Every leg complete (final).
    Completed,
    /// The deadline passed without every signature; its requests went back to the pool (final).
    Lapsed,
}

/// An exchange as the registry holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exchange {
    /// The proposal, as the hub proposed it.
    pub proposal: ExchangeProposal,
    /// Its digest, which every signature must name.
    pub digest: Digest,
    /// When the hub accepted the matching round.
    pub proposed_at: UnixSeconds,
    /// The states on the cycle.
    pub parties: BTreeSet<PartyId>,
    /// Those that signed.
    pub signed: BTreeSet<PartyId>,
    /// Where it stands.
    pub status: ExchangeStatus,
    /// When it became binding.
    pub binding_since: Option<UnixSeconds>,
    /// By when it must be executed: binding time + the agreement's execution window.
    pub execution_deadline: Option<UnixSeconds>,
    /// When the hub declared go.
    pub go_at: Option<UnixSeconds>,
    /// The stage of each leg, in the order of `proposal.legs`.
    pub stages: Vec<LegStage>,
    /// Breaches recorded by the hub: the request of each leg found unfinished at the execution
    /// deadline, with the state that owed its next step. A leg may still be completed late;
    /// its breach stays on record.
    pub breaches: BTreeMap<RequestId, PartyId>,
    /// The release instrument each giver recorded on its surrender leg, by request.
    pub instruments: BTreeMap<RequestId, ReleaseInstrument>,
    /// Consents and later acts under the rule of speciality, by the request of a delivered
    /// surrender leg.
    pub speciality: BTreeMap<RequestId, Speciality>,
    /// The states' acts on it, in log order: each signature of the proposal and each step on
    /// a leg, when the hub accepted it and which officers signed it for the state.
    pub acts: Vec<ExchangeAct>,
}

/// One state's act on an exchange as the log holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExchangeAct {
    /// The acting state.
    pub party: PartyId,
    /// `None` for its signature of the proposal; otherwise the leg's request and the step.
    pub step: Option<(RequestId, LegStep)>,
    /// When the hub accepted it (log time).
    pub at: UnixSeconds,
    /// Who signed it besides the state's node: no officer, or a drafter and an approver.
    pub acted_by: Officers,
}

impl Exchange {
    /// The first surrender leg without a release instrument, where the agreement requires one
    /// (`required`): what go waits for besides the legs' stages.
    pub fn missing_release(&self, required: bool) -> Option<RequestId> {
        if !required {
            return None;
        }
        self.proposal
            .legs
            .iter()
            .find(|l| l.kind == LegKind::Surrender && !self.instruments.contains_key(&l.request))
            .map(|l| l.request)
    }

    /// The index of the leg for `request`.
    pub fn leg_index(&self, request: &RequestId) -> Option<usize> {
        self.proposal
            .legs
            .iter()
            .position(|l| l.request == *request)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leg_steps() {
        use LegStage as S;
        let s = LegKind::Surrender;
        let p = LegKind::ProsecutionAtHome;
        let m = LegStep::Milestone;
        let check = |kind, from, step: LegStep, to: Option<LegStage>| {
            assert_eq!(step.next(kind, from), to, "{kind:?} {from:?} {step:?}");
        };
        check(s, S::Pending, LegStep::Ready, Some(S::Ready));
        check(s, S::Ready, LegStep::Verified, Some(S::Verified));
        check(s, S::Verified, LegStep::Delivered, Some(S::Delivered));
        check(s, S::Delivered, LegStep::Received, Some(S::Received));
        check(s, S::Pending, LegStep::Verified, None);
        check(s, S::Ready, LegStep::Delivered, None);
        check(s, S::Ready, LegStep::Ready, None);
        check(s, S::Pending, m(Milestone::Opened), None);
        check(p, S::Pending, m(Milestone::Opened), Some(S::Opened));
        check(p, S::Opened, m(Milestone::Charged), Some(S::Charged));
        check(p, S::Charged, m(Milestone::Verdict), Some(S::Verdict));
        check(p, S::Pending, m(Milestone::Charged), None);
        check(p, S::Opened, m(Milestone::Verdict), None);
        check(p, S::Pending, LegStep::Ready, None);
    }

    #[test]
    fn proposal_id_commits_to_content() {
        let a = AgreementId::from_digest(&Digest::of(b"a"));
        let r1 = RequestId::from_digest(&Digest::of(b"1"));
        let r2 = RequestId::from_digest(&Digest::of(b"2"));
        let (us, ru) = (PartyId::new("US").unwrap(), PartyId::new("RU").unwrap());
        let legs = vec![
            Leg {
                request: r1,
                giver: ru,
                receiver: us,
                kind: LegKind::Surrender,
            },
            Leg {
                request: r2,
                giver: us,
                receiver: ru,
                kind: LegKind::ProsecutionAtHome,
            },
        ];
        let p = ExchangeProposal::new(a, vec![r1, r2], legs, 100);
        let json = serde_json::to_string(&p).unwrap();
        assert_eq!(serde_json::from_str::<ExchangeProposal>(&json).unwrap(), p);
        let later = json.replace("\"deadline\":100", "\"deadline\":101");
        let err = serde_json::from_str::<ExchangeProposal>(&later).unwrap_err();
        assert!(err.to_string().contains("does not match"), "{err}");
        assert!(String::from_utf8(p.canonical_bytes())
            .unwrap()
            .starts_with("{\"agreement\":"));
    }
}
