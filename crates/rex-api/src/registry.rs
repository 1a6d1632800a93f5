//! `GET /v1/registry`: the registry as of the last durable batch, metadata only (the registry
//! holds nothing else). A node does not act on it (it replays the log instead); it is for
//! people and tools that want the state without replaying.

use std::collections::{BTreeMap, BTreeSet};

use rex_domain::{
    Actor, AgreementId, AgreementTerms, Answer, CheckRecord, Digest, DossierRef, ExchangeId,
    ExchangeProposal, ExchangeStatus, LegStage, PartyId, ProfilesUsed, PublicKeyFile,
    RefusalGround, Registry, RequestId, RequestMetadata, RequestStatus, Route, StateProfile,
    WitnessPolicy,
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
        }
    }
}
