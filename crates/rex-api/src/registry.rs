//! `GET /v1/registry`: the registry as of the last durable batch, metadata only (the registry
//! holds nothing else). A node does not act on it (it replays the log instead); it is for
//! people and tools that want the state without replaying.

use std::collections::{BTreeMap, BTreeSet};

use rex_domain::{
    Actor, AgreementId, AgreementTerms, Answer, BreachOf, CheckRecord, Deadline, Digest,
    DossierRef, ExchangeId, ExchangeProposal, ExchangeStatus, ExtensionReason, LegStage, Milestone,
    PartyId, ProfilesUsed, PublicKeyFile, RefusalGround, Registry, ReleaseInstrument, RequestId,
    RequestMetadata, RequestStatus, Route, StateProfile, WitnessPolicy,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::schema;

/// The whole registry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RegistrySnapshot {
    /// The sequence number the hub's next own statement will carry.
    pub hub_next_seq: u64,
    /// The registered states.
    pub parties: Vec<PartyRecord>,
    /// Every agreement, in force or not.
    pub agreements: Vec<AgreementRecord>,
    /// Every request (its metadata, never its dossier).
    pub requests: Vec<RequestRecord>,
    /// Every exchange proposed.
    pub exchanges: Vec<ExchangeRecord>,
    /// The profile in force of each state that published one.
    pub profiles: Vec<ProfileRecord>,
    /// Every breach recorded, in order, cured or not.
    pub breaches: Vec<BreachRecord>,
    /// Every deadline that runs, soonest first.
    pub deadlines: Vec<DeadlineRecord>,
}

/// What a breach is of, or what a deadline is for (`rex_domain::BreachOf`,
/// `rex_domain::Deadline`), tagged by `kind`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Owed {
    /// The custodian's answer to a request.
    Answer {
        /// The request (`req_...`).
        #[schema(value_type = String)]
        request: RequestId,
    },
    /// The delivery of a surrender leg after go.
    Surrender {
        /// The exchange (`xch_...`).
        #[schema(value_type = String)]
        exchange: ExchangeId,
        /// The leg's request.
        #[schema(value_type = String)]
        request: RequestId,
    },
    /// A milestone of a prosecution-at-home leg.
    Milestone {
        /// The exchange (`xch_...`).
        #[schema(value_type = String)]
        exchange: ExchangeId,
        /// The leg's request.
        #[schema(value_type = String)]
        request: RequestId,
        /// `opened`, `charged` or `verdict`.
        #[schema(value_type = String)]
        milestone: Milestone,
    },
    /// The leg's next step at the exchange's execution deadline.
    Execution {
        /// The exchange (`xch_...`).
        #[schema(value_type = String)]
        exchange: ExchangeId,
        /// The leg's request.
        #[schema(value_type = String)]
        request: RequestId,
    },
}

impl From<Deadline> for Owed {
    fn from(d: Deadline) -> Self {
        match d {
            Deadline::Answer { request } => Owed::Answer { request },
            Deadline::Surrender { exchange, request } => Owed::Surrender { exchange, request },
            Deadline::Milestone {
                exchange,
                request,
                milestone,
            } => Owed::Milestone {
                exchange,
                request,
                milestone,
            },
        }
    }
}

impl From<BreachOf> for Owed {
    fn from(b: BreachOf) -> Self {
        match b {
            BreachOf::Deadline(d) => d.into(),
            BreachOf::Execution { exchange, request } => Owed::Execution { exchange, request },
        }
    }
}

/// A recorded breach (`rex_domain::Breach`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct BreachRecord {
    /// The agreement (`agr_...`).
    #[schema(value_type = String)]
    pub agreement: AgreementId,
    /// The state in breach.
    #[schema(value_type = String)]
    pub party: PartyId,
    /// What it owed.
    pub of: Owed,
    /// When it was due.
    pub due: u64,
    /// When the hub recorded the breach.
    pub at: u64,
    /// When the state did what it owed (or it became moot); absent while uncured.
    pub cured_at: Option<u64>,
}

/// A deadline that runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct DeadlineRecord {
    /// When it falls due (unix seconds, hub clock).
    pub due: u64,
    /// What is owed.
    pub of: Owed,
}

/// A custodian's extension of its answer deadline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ExtensionRecord {
    /// Why: `decision_pending`, `further_information`, `court_proceedings`, `force_majeure`.
    #[schema(value_type = String)]
    pub reason: ExtensionReason,
    /// When the hub accepted it.
    pub at: u64,
    /// The answer deadline before it.
    pub previous_due: u64,
}

/// A registered state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PartyRecord {
    /// The public key file its node exported.
    #[schema(value_type = schema::PublicKeys)]
    pub keys: PublicKeyFile,
    /// The sequence number of its last accepted statement (0 before the first).
    pub last_seq: u64,
    /// When the hub registered it (unix seconds).
    pub registered_at: u64,
    /// Whose cosignatures make a checkpoint final for it (`witness_policy_set`; its
    /// agreement partners until it sets one).
    #[schema(value_type = schema::WitnessPolicyBody)]
    pub witness_policy: WitnessPolicy,
}

/// An agreement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AgreementRecord {
    /// Its id (`agr_...`).
    #[schema(value_type = String)]
    pub id: AgreementId,
    /// The member that proposed it.
    #[schema(value_type = String)]
    pub proposer: PartyId,
    /// The terms.
    #[schema(value_type = schema::Terms)]
    pub terms: AgreementTerms,
    /// When the hub accepted the proposal.
    pub proposed_at: u64,
    /// Members that have signed, the proposer included.
    #[schema(value_type = Vec<String>)]
    pub signed: BTreeSet<PartyId>,
    /// When the last member signed, if all have.
    pub in_force_since: Option<u64>,
    /// The reciprocity ledger: what each state gave each other under it (complete legs),
    /// derived from the log.
    pub ledger: Vec<LedgerRow>,
    /// Each nonzero committed balance under deferred reciprocity (`rex_domain::Registry::
    /// credit_balances`): handovers a state gives less those it receives over the exchanges
    /// that have not lapsed; within the credit limit either way.
    pub credit_balances: Vec<CreditBalance>,
}

/// A state's committed balance under an agreement with credit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CreditBalance {
    /// The state.
    #[schema(value_type = String)]
    pub party: PartyId,
    /// Positive when it is owed handovers, negative when it owes.
    pub balance: i64,
}

/// What one state gave another under an agreement (`rex_domain::Tally`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct LedgerRow {
    /// The state that gave.
    #[schema(value_type = String)]
    pub giver: PartyId,
    /// The state that received.
    #[schema(value_type = String)]
    pub receiver: PartyId,
    /// Subjects surrendered, receipt confirmed.
    pub surrendered: u32,
    /// Subjects prosecuted at home to a verdict.
    pub prosecuted: u32,
}

/// A request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RequestRecord {
    /// Its id (`req_...`).
    #[schema(value_type = String)]
    pub id: RequestId,
    /// Its metadata, in clear.
    #[schema(value_type = schema::Metadata)]
    pub metadata: RequestMetadata,
    /// The encrypted dossier's digest and size.
    #[schema(value_type = schema::Dossier)]
    pub dossier: DossierRef,
    /// When the hub accepted the filing.
    pub filed_at: u64,
    /// What screening allows the custodian to answer.
    pub route: RouteName,
    /// The custodian's answer, once given.
    #[schema(value_type = Option<schema::AnswerBody>)]
    pub answer: Option<Answer>,
    /// Where it stands.
    pub status: RequestState,
    /// The screening catalogue's record, in catalogue order.
    #[schema(value_type = Vec<schema::CheckRecordBody>)]
    pub screening: Vec<CheckRecord>,
    /// The profile versions it was screened against.
    #[schema(value_type = schema::ProfilesUsedBody)]
    pub profiles: ProfilesUsed,
    /// When the custodian's answer is due, where the agreement sets deadlines.
    pub answer_due: Option<u64>,
    /// The custodian's extension of that deadline, if any.
    pub extension: Option<ExtensionRecord>,
    /// When the custodian offered it unconditionally (until withdrawn), under an agreement
    /// with credit.
    pub offered: Option<u64>,
}

/// A version of a state's profile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ProfileRecord {
    /// The state.
    #[schema(value_type = String)]
    pub party: PartyId,
    /// Its version (1, 2, …).
    pub version: u32,
    /// When the hub accepted it.
    pub since: u64,
    /// The profile.
    #[schema(value_type = schema::ProfileBody)]
    pub profile: StateProfile,
}

/// What screening at filing allows the custodian to answer (`rex_domain::Route`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RouteName {
    /// Surrender, prosecution at home, or refusal.
    Any,
    /// Own-national bar: prosecution at home or refusal only.
    ProsecutionOnly,
}

/// Where a request stands (`rex_domain::RequestStatus`), tagged by `state`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum RequestState {
    /// Filed and screened; the custodian has not answered.
    AwaitingAnswer,
    /// Refused by the custodian (final).
    Refused {
        /// Why.
        #[schema(value_type = schema::RefusalGroundName)]
        ground: RefusalGround,
    },
    /// Exchangeable and free: in the matching pool.
    Pooled,
    /// Part of a proposed or binding exchange.
    InExchange {
        /// The exchange (`xch_...`).
        #[schema(value_type = String)]
        exchange: ExchangeId,
    },
    /// Its leg of a completed exchange is done (final).
    Fulfilled {
        /// The exchange (`xch_...`).
        #[schema(value_type = String)]
        exchange: ExchangeId,
    },
    /// Withdrawn by the requester (final).
    Withdrawn,
}

/// Where an exchange stands (`rex_domain::ExchangeStatus`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ExchangeState {
    /// Waiting for signatures.
    Proposed,
    /// Every member signed: binding, being executed.
    Binding,
    /// Every leg complete (final).
    Completed,
    /// The deadline passed without every signature (final).
    Lapsed,
}

/// An exchange.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ExchangeRecord {
    /// Its id (`xch_...`), the proposal's.
    #[schema(value_type = String)]
    pub id: ExchangeId,
    /// The proposal, as the hub proposed it.
    #[schema(value_type = schema::Proposal)]
    pub proposal: ExchangeProposal,
    /// The proposal's digest (hex), which every signature names.
    #[schema(value_type = String)]
    pub digest: Digest,
    /// When the hub accepted the matching round.
    pub proposed_at: u64,
    /// The states on the cycle.
    #[schema(value_type = Vec<String>)]
    pub parties: BTreeSet<PartyId>,
    /// Those that signed.
    #[schema(value_type = Vec<String>)]
    pub signed: BTreeSet<PartyId>,
    /// Where it stands.
    pub status: ExchangeState,
    /// When it became binding.
    pub binding_since: Option<u64>,
    /// By when it must be executed.
    pub execution_deadline: Option<u64>,
    /// When the hub declared go.
    pub go_at: Option<u64>,
    /// The stage of each leg, in the order of `proposal.legs`.
    #[schema(value_type = Vec<schema::LegStageName>)]
    pub stages: Vec<LegStage>,
    /// Breaches recorded by the hub: request id to the state that owed its leg's next step.
    #[schema(value_type = BTreeMap<String, String>)]
    pub breaches: BTreeMap<RequestId, PartyId>,
    /// The release instrument each giver recorded on its surrender leg, by request.
    #[schema(value_type = BTreeMap<String, schema::ReleaseInstrumentBody>)]
    pub instruments: BTreeMap<RequestId, ReleaseInstrument>,
    /// Consents and later acts under the rule of speciality, by the request of a delivered
    /// surrender leg.
    #[schema(value_type = BTreeMap<String, SpecialityRecord>)]
    pub speciality: BTreeMap<RequestId, SpecialityRecord>,
}

/// The speciality record of a surrender leg (`rex_domain::Speciality`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SpecialityRecord {
    /// Offences the giver consented to beyond those surrendered for.
    #[schema(value_type = Vec<schema::OffenceName>)]
    pub consented_offences: Vec<rex_domain::Offence>,
    /// States the giver consented to a transfer to.
    #[schema(value_type = Vec<String>)]
    pub consented_transfers: Vec<PartyId>,
    /// Offences the receiver recorded prosecuting the subject for.
    #[schema(value_type = Vec<schema::OffenceName>)]
    pub prosecuted_for: Vec<rex_domain::Offence>,
    /// The state the subject was transferred to, if any.
    #[schema(value_type = Option<String>)]
    pub transferred_to: Option<PartyId>,
}

impl From<Route> for RouteName {
    fn from(r: Route) -> Self {
        match r {
            Route::Any => RouteName::Any,
            Route::ProsecutionOnly => RouteName::ProsecutionOnly,
        }
    }
}

impl From<RouteName> for Route {
    fn from(r: RouteName) -> Self {
        match r {
            RouteName::Any => Route::Any,
            RouteName::ProsecutionOnly => Route::ProsecutionOnly,
        }
    }
}

impl From<RequestStatus> for RequestState {
    fn from(s: RequestStatus) -> Self {
        match s {
            RequestStatus::AwaitingAnswer => RequestState::AwaitingAnswer,
            RequestStatus::Refused(ground) => RequestState::Refused { ground },
            RequestStatus::Pooled => RequestState::Pooled,
            RequestStatus::InExchange(exchange) => RequestState::InExchange { exchange },
            RequestStatus::Fulfilled(exchange) => RequestState::Fulfilled { exchange },
            RequestStatus::Withdrawn => RequestState::Withdrawn,
        }
    }
}

impl From<RequestState> for RequestStatus {
    fn from(s: RequestState) -> Self {
        match s {
            RequestState::AwaitingAnswer => RequestStatus::AwaitingAnswer,
            RequestState::Refused { ground } => RequestStatus::Refused(ground),
            RequestState::Pooled => RequestStatus::Pooled,
            RequestState::InExchange { exchange } => RequestStatus::InExchange(exchange),
            RequestState::Fulfilled { exchange } => RequestStatus::Fulfilled(exchange),
            RequestState::Withdrawn => RequestStatus::Withdrawn,
        }
    }
}

impl From<ExchangeStatus> for ExchangeState {
    fn from(s: ExchangeStatus) -> Self {
        match s {
            ExchangeStatus::Proposed => ExchangeState::Proposed,
            ExchangeStatus::Binding => ExchangeState::Binding,
            ExchangeStatus::Completed => ExchangeState::Completed,
            ExchangeStatus::Lapsed => ExchangeState::Lapsed,
        }
    }
}

impl From<ExchangeState> for ExchangeStatus {
    fn from(s: ExchangeState) -> Self {
        match s {
            ExchangeState::Proposed => ExchangeStatus::Proposed,
            ExchangeState::Binding => ExchangeStatus::Binding,
            ExchangeState::Completed => ExchangeStatus::Completed,
            ExchangeState::Lapsed => ExchangeStatus::Lapsed,
        }
    }
}

impl RegistrySnapshot {
    /// The snapshot of `registry`.
    pub fn of(registry: &Registry) -> Self {
        RegistrySnapshot {
            // The hub is always registered: its next sequence number always exists.
            hub_next_seq: registry.next_seq(Actor::Hub).unwrap_or(1),
            parties: registry
                .parties()
                .map(|p| PartyRecord {
                    keys: p.keys.clone(),
                    last_seq: p.last_seq,
                    registered_at: p.registered_at,
                    witness_policy: p.witness_policy.clone(),
                })
                .collect(),
            agreements: registry
                .agreements()
                .map(|a| AgreementRecord {
                    id: a.id,
                    proposer: a.proposer,
                    terms: a.terms.clone(),
                    proposed_at: a.proposed_at,
                    signed: a.signed.clone(),
                    in_force_since: a.in_force_since,
                    ledger: registry
                        .ledger(&a.id)
                        .given
                        .iter()
                        .map(|((giver, receiver), t)| LedgerRow {
                            giver: *giver,
                            receiver: *receiver,
                            surrendered: t.surrendered,
                            prosecuted: t.prosecuted,
                        })
                        .collect(),
                    credit_balances: registry
                        .credit_balances(&a.id)
                        .into_iter()
                        .map(|(party, balance)| CreditBalance { party, balance })
                        .collect(),
                })
                .collect(),
            requests: registry
                .requests()
                .map(|r| RequestRecord {
                    id: r.id,
                    metadata: r.metadata.clone(),
                    dossier: r.dossier,
                    filed_at: r.filed_at,
                    route: r.route.into(),
                    answer: r.answer,
                    status: r.status.into(),
                    screening: r.screening.clone(),
                    profiles: r.profiles,
                    answer_due: r.answer_due,
                    offered: r.offered,
                    extension: r.extension.map(|e| ExtensionRecord {
                        reason: e.reason,
                        at: e.at,
                        previous_due: e.previous_due,
                    }),
                })
                .collect(),
            exchanges: registry
                .exchanges()
                .map(|x| ExchangeRecord {
                    id: x.proposal.id,
                    proposal: x.proposal.clone(),
                    digest: x.digest,
                    proposed_at: x.proposed_at,
                    parties: x.parties.clone(),
                    signed: x.signed.clone(),
                    status: x.status.into(),
                    binding_since: x.binding_since,
                    execution_deadline: x.execution_deadline,
                    go_at: x.go_at,
                    stages: x.stages.clone(),
                    breaches: x.breaches.clone(),
                    instruments: x.instruments.clone(),
                    speciality: x
                        .speciality
                        .iter()
                        .map(|(r, s)| {
                            (
                                *r,
                                SpecialityRecord {
                                    consented_offences: s
                                        .consented_offences
                                        .iter()
                                        .copied()
                                        .collect(),
                                    consented_transfers: s
                                        .consented_transfers
                                        .iter()
                                        .copied()
                                        .collect(),
                                    prosecuted_for: s.prosecuted_for.iter().copied().collect(),
                                    transferred_to: s.transferred_to,
                                },
                            )
                        })
                        .collect(),
                })
                .collect(),
            profiles: registry
                .profiles_in_force()
                .map(|(party, v)| ProfileRecord {
                    party: *party,
                    version: v.version,
                    since: v.since,
                    profile: v.profile.clone(),
                })
                .collect(),
            breaches: registry
                .breaches()
                .iter()
                .map(|b| BreachRecord {
                    agreement: b.agreement,
                    party: b.party,
                    of: b.of.into(),
                    due: b.due,
                    at: b.at,
                    cured_at: b.cured_at,
                })
                .collect(),
            deadlines: registry
                .running_deadlines()
                .map(|(due, d)| DeadlineRecord { due, of: d.into() })
                .collect(),
        }
    }
}
