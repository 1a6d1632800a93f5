//! Statements: every action of a state or of the hub, as a typed payload, and its canonical
//! bytes.
//!
//! # Wire form
//!
//! A statement is compact JSON with the fields in this order:
//!
//! ```json
//! {"actor":"US","seq":7,"time":1717000000,"action":{"type":"agreement_signed","agreement":"agr_…"}}
//! ```
//!
//! `actor` is the signer (a party code, or `"hub"`), `seq` its per-actor sequence number (1, 2, …
//! with no gaps; the hub refuses a replay), `time` the signer's clock in unix seconds, and
//! `action` one of [`Action`], tagged by `type`. Unknown fields are refused. A binding act
//! ([`Action::is_binding`]) may end with `"acted_by"`: `"no_officer"`, or the drafter and
//! approver whose signatures the envelope carries ([`crate::officer`]); no other statement
//! has it. A binding act without it is the form written before officers existed, and reads as
//! no officer.
//!
//! # Which bytes count
//!
//! [`Statement::to_bytes`] is deterministic (fixed field order, no maps, no floats), but it is
//! only how a *signer* produces bytes. The bytes that count are the DSSE payload exactly as
//! signed: the hub verifies the signature over them, hashes them
//! ([`crate::Envelope::payload_digest`]), logs them, and derives object ids from that hash.
//! Receivers parse the payload and never re-serialise it to verify or to hash.

use crate::agreement::AgreementTerms;
use crate::competing::{Factor, Others};
use crate::deadline::{Deadline, ExtensionReason};
use crate::exchange::{Consent, ExchangeProposal, LegStep, Milestone, ReleaseInstrument};
use crate::id::{
    Actor, AgreementId, Digest, ExchangeId, MessageId, PartyId, RequestId, UnixSeconds,
};
use crate::keys::PublicKeyFile;
use crate::law::{Check, Evaluation, StateProfile};
use crate::message::{ActedBy, Conversation, MessageRejectionReason, OfficerId};
use crate::offence::Offence;
use crate::officer::{OfficerKey, Officers, Role};
use crate::rejection::Rejection;
use crate::request::{Answer, DossierRef, RequestMetadata};
use crate::witness::WitnessPolicy;
use serde::{Deserialize, Serialize};

/// One signed act.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Statement {
    /// Who signs it.
    pub actor: Actor,
    /// The actor's sequence number: one more than its last accepted statement (the first is 1).
    pub seq: u64,
    /// The signer's clock, unix seconds. Deadlines are judged by the hub's clock, not this.
    pub time: UnixSeconds,
    /// What is done.
    pub action: Action,
    /// On a binding act, which officers signed besides the node ([`crate::officer`]); absent
    /// on every other statement, and on binding acts written before officers existed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acted_by: Option<Officers>,
}

/// Every action, with its payload. Wire form: an object tagged by `type` (the snake_case
/// variant name, [`Action::name`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum Action {
    /// Hub: register a state with the public keys its node exported.
    PartyRegistered {
        /// The imported key file.
        keys: PublicKeyFile,
    },
    /// Hub: the proposals of one matching round (possibly none). The deadline of each proposal
    /// is this statement's `time` plus its agreement's commit window.
    MatchingRound {
        /// Vertex-disjoint proposals, each feasible.
        proposals: Vec<ExchangeProposal>,
    },
    /// Hub: a proposal's deadline passed without every signature; its requests return to the
    /// pool.
    ExchangeLapsed {
        /// The exchange.
        exchange: ExchangeId,
    },
    /// Hub: every leg is ready and verified (surrender) or opened (prosecution); surrender legs
    /// may now be delivered.
    Go {
        /// The exchange.
        exchange: ExchangeId,
    },
    /// Hub: a binding exchange's execution deadline passed with this leg unfinished; the state
    /// that owed its next step is in breach (the registry names it, from the leg's stage).
    BreachRecorded {
        /// The exchange.
        exchange: ExchangeId,
        /// The leg's request.
        request: RequestId,
    },
    /// A member proposes an agreement (and so signs it). Its id is derived from this statement.
    AgreementProposed {
        /// The terms.
        terms: AgreementTerms,
    },
    /// A member signs an agreement.
    AgreementSigned {
        /// The agreement.
        agreement: AgreementId,
    },
    /// A requester files a request. Its id is derived from this statement.
    RequestFiled {
        /// Metadata in clear.
        metadata: RequestMetadata,
        /// Digest and size of the dossier encrypted to requester and custodian.
        dossier: DossierRef,
    },
    /// The custodian answers a request.
    RequestAnswered {
        /// The request.
        request: RequestId,
        /// Exchangeable (by surrender or by prosecution at home) or refused.
        answer: Answer,
    },
    /// The requester withdraws a request that is not in an exchange.
    RequestWithdrawn {
        /// The request.
        request: RequestId,
    },
    /// A member of an exchange signs its proposal.
    ExchangeSigned {
        /// The exchange.
        exchange: ExchangeId,
        /// [`ExchangeProposal::digest`] of the proposal as the signer read it.
        proposal_sha256: Digest,
    },
    /// A giver declares the subject of a surrender leg ready.
    LegReady {
        /// The exchange.
        exchange: ExchangeId,
        /// The leg's request.
        request: RequestId,
    },
    /// A receiver verifies the identity of the subject of a ready surrender leg.
    LegVerified {
        /// The exchange.
        exchange: ExchangeId,
        /// The leg's request.
        request: RequestId,
    },
    /// A giver hands the subject over, after go.
    LegDelivered {
        /// The exchange.
        exchange: ExchangeId,
        /// The leg's request.
        request: RequestId,
    },
    /// A receiver confirms receipt; the surrender leg is complete.
    LegReceived {
        /// The exchange.
        exchange: ExchangeId,
        /// The leg's request.
        request: RequestId,
    },
    /// A giver records a milestone of a prosecution-at-home leg.
    MilestoneRecorded {
        /// The exchange.
        exchange: ExchangeId,
        /// The leg's request.
        request: RequestId,
        /// Opened, charged or verdict, in that order.
        milestone: Milestone,
    },
    /// A state says whose cosignatures make a checkpoint final for it
    /// ([`crate::witness`]); until it does, its agreement partners'.
    WitnessPolicySet {
        /// The policy.
        policy: WitnessPolicy,
    },
    /// A state sends a message ([`crate::message`]). Its id is derived from this statement.
    MessageSent {
        /// What it is about.
        conversation: Conversation,
        /// The recipient states: registered, sorted, distinct, not the sender.
        to: Vec<PartyId>,
        /// Digest and size of the `age` ciphertext, encrypted to every recipient and the
        /// sender.
        ciphertext: DossierRef,
        /// By when each recipient must acknowledge or reject it (hub clock, unix seconds).
        ack_by: UnixSeconds,
        /// Whether an officer signed too.
        acted_by: ActedBy,
    },
    /// A recipient's node fetched the message, checked its digest and decrypted it.
    MessageDelivered {
        /// The message.
        message: MessageId,
    },
    /// A recipient opened the message for the first time.
    MessageRead {
        /// The message.
        message: MessageId,
        /// The officer who opened it, if the node knows.
        officer: Option<OfficerId>,
    },
    /// A recipient acknowledges the message.
    MessageAcknowledged {
        /// The message.
        message: MessageId,
        /// Whether an officer signed too.
        acted_by: ActedBy,
    },
    /// A recipient rejects the message.
    MessageRejected {
        /// The message.
        message: MessageId,
        /// Why.
        reason: MessageRejectionReason,
        /// Whether an officer signed too.
        acted_by: ActedBy,
    },
    /// Hub: the message's acknowledgement deadline passed without an answer from this
    /// recipient (negative evidence).
    MessageNotAcknowledged {
        /// The message.
        message: MessageId,
        /// The recipient that did not answer.
        recipient: PartyId,
    },
    /// A state certifies the key of one of its officers ([`crate::officer`]).
    OfficerCertified {
        /// The officer's state: the signer (named so that the certificate reads alone).
        party: PartyId,
        /// The officer's id, never used before by this state.
        officer: OfficerId,
        /// Its roles, sorted and distinct; an admin or an auditor holds no other.
        roles: Vec<Role>,
        /// Its Ed25519 public key, certified to no other officer.
        key: OfficerKey,
        /// Valid from (unix seconds, inclusive).
        not_before: UnixSeconds,
        /// Valid until (unix seconds, exclusive).
        not_after: UnixSeconds,
    },
    /// A state revokes one of its officers' keys, for good.
    OfficerRevoked {
        /// The officer.
        officer: OfficerId,
    },
    /// A state requires, from now on and for good, two officers' signatures on each of its
    /// binding acts.
    FourEyesRequired,
    /// A state publishes the profile of its law that screening applies ([`crate::law`]); it
    /// supersedes the previous one for requests filed from now on.
    ProfilePublished {
        /// The profile.
        profile: StateProfile,
    },
    /// The custodian raises a check that a person of it must decide (political offence,
    /// persecution risk, protection status, conduct-level dual criminality).
    ScreeningRaised {
        /// The request.
        request: RequestId,
        /// The check.
        check: Check,
    },
    /// The custodian's node evaluates, on the dossier it alone can read, the checks that await
    /// it; what the dossier does not settle it refers to a person.
    ScreeningEvaluated {
        /// The request.
        request: RequestId,
        /// One per check, in catalogue order.
        evaluations: Vec<Evaluation>,
    },
    /// The state a check awaits decides it, with the digest of its written grounds, which stay
    /// at its node (a binding act).
    DecisionRecorded {
        /// The request.
        request: RequestId,
        /// The check.
        check: Check,
        /// Passed (`true`) or failed, which refuses the request.
        passed: bool,
        /// SHA-256 of the written grounds.
        grounds_sha256: Digest,
    },
    /// The custodian extends its answer deadline by the agreement's extension, once, before it
    /// passes ([`crate::deadline`]).
    AnswerExtended {
        /// The request.
        request: RequestId,
        /// Why, from a closed list.
        reason: ExtensionReason,
    },
    /// The giver of a surrender leg records the domestic instrument that allows the release
    /// (a binding act), before go; where the agreement requires it, go waits for every one.
    ReleaseRecorded {
        /// The exchange.
        exchange: ExchangeId,
        /// The leg's request.
        request: RequestId,
        /// Kind, authority, and the SHA-256 of the document (which stays with the giver).
        instrument: ReleaseInstrument,
    },
    /// The giver of a delivered surrender consents to prosecution for more offences or to a
    /// transfer to a third state (a binding act; the rule of speciality).
    ConsentGiven {
        /// The exchange.
        exchange: ExchangeId,
        /// The leg's request.
        request: RequestId,
        /// What it consents to.
        consent: Consent,
    },
    /// The receiver of a delivered surrender prosecutes the subject for these offences: each
    /// one surrendered for or consented to by the giver (a binding act).
    ProsecutionExtended {
        /// The exchange.
        exchange: ExchangeId,
        /// The leg's request.
        request: RequestId,
        /// The offences, sorted and distinct.
        offences: Vec<Offence>,
    },
    /// The receiver of a delivered surrender transfers the subject to a third state the giver
    /// consented to (a binding act), once.
    OnwardTransferred {
        /// The exchange.
        exchange: ExchangeId,
        /// The leg's request.
        request: RequestId,
        /// The third state.
        to: PartyId,
    },
    /// Hub: a deadline of the agreement passed with its act undone; the state that owed it is
    /// in breach (the registry names it) until it does it.
    DeadlineMissed {
        /// The deadline.
        deadline: Deadline,
    },
    /// The custodian's node logs the keyed tag of a request's subject ([`crate::competing`]):
    /// equal tags of its open requests are the same person to it; the hub sees only the tag.
    SubjectTagged {
        /// The request.
        request: RequestId,
        /// HMAC-SHA256 of the subject's canonical identity under the custodian's tag key.
        tag: Digest,
    },
    /// The custodian decides between the open requests that share a subject tag (a binding
    /// act): it prefers one; the others are refused or deferred.
    CompetitionDecided {
        /// Every open request sharing the tag, sorted.
        requests: Vec<RequestId>,
        /// The one preferred.
        preferred: RequestId,
        /// What becomes of the others.
        others: Others,
        /// The factors weighed, sorted, at least one.
        factors: Vec<Factor>,
        /// SHA-256 of the written grounds, which stay at the custodian's node.
        grounds_sha256: Digest,
    },
    /// The custodian offers a pooled request unconditionally (a binding act): under an
    /// agreement with credit the matching may start a chain at it, the custodian giving
    /// without an immediate return, within its credit limit.
    OfferMade {
        /// The request.
        request: RequestId,
    },
    /// The custodian withdraws its unconditional offer of a request still in the pool.
    OfferWithdrawn {
        /// The request.
        request: RequestId,
    },
}

impl Action {
    /// The wire tag (`type`).
    pub fn name(&self) -> &'static str {
        match self {
            Action::PartyRegistered { .. } => "party_registered",
            Action::MatchingRound { .. } => "matching_round",
            Action::ExchangeLapsed { .. } => "exchange_lapsed",
            Action::Go { .. } => "go",
            Action::BreachRecorded { .. } => "breach_recorded",
            Action::AgreementProposed { .. } => "agreement_proposed",
            Action::AgreementSigned { .. } => "agreement_signed",
            Action::RequestFiled { .. } => "request_filed",
            Action::RequestAnswered { .. } => "request_answered",
            Action::RequestWithdrawn { .. } => "request_withdrawn",
            Action::ExchangeSigned { .. } => "exchange_signed",
            Action::LegReady { .. } => "leg_ready",
            Action::LegVerified { .. } => "leg_verified",
            Action::LegDelivered { .. } => "leg_delivered",
            Action::LegReceived { .. } => "leg_received",
            Action::MilestoneRecorded { .. } => "milestone_recorded",
            Action::WitnessPolicySet { .. } => "witness_policy_set",
            Action::MessageSent { .. } => "message_sent",
            Action::MessageDelivered { .. } => "message_delivered",
            Action::MessageRead { .. } => "message_read",
            Action::MessageAcknowledged { .. } => "message_acknowledged",
            Action::MessageRejected { .. } => "message_rejected",
            Action::MessageNotAcknowledged { .. } => "message_not_acknowledged",
            Action::OfficerCertified { .. } => "officer_certified",
            Action::OfficerRevoked { .. } => "officer_revoked",
            Action::FourEyesRequired => "four_eyes_required",
            Action::ProfilePublished { .. } => "profile_published",
            Action::ScreeningRaised { .. } => "screening_raised",
            Action::ScreeningEvaluated { .. } => "screening_evaluated",
            Action::DecisionRecorded { .. } => "decision_recorded",
            Action::AnswerExtended { .. } => "answer_extended",
            Action::DeadlineMissed { .. } => "deadline_missed",
            Action::ReleaseRecorded { .. } => "release_recorded",
            Action::ConsentGiven { .. } => "consent_given",
            Action::ProsecutionExtended { .. } => "prosecution_extended",
            Action::OnwardTransferred { .. } => "onward_transferred",
            Action::SubjectTagged { .. } => "subject_tagged",
            Action::CompetitionDecided { .. } => "competition_decided",
            Action::OfferMade { .. } => "offer_made",
            Action::OfferWithdrawn { .. } => "offer_withdrawn",
        }
    }

    /// Whether only the hub may take this action (otherwise only a state may).
    pub fn by_hub(&self) -> bool {
        matches!(
            self,
            Action::PartyRegistered { .. }
                | Action::MatchingRound { .. }
                | Action::ExchangeLapsed { .. }
                | Action::Go { .. }
                | Action::BreachRecorded { .. }
                | Action::MessageNotAcknowledged { .. }
                | Action::DeadlineMissed { .. }
        )
    }

    /// Whether this is one of the hub's statements that fall due by themselves (go, a lapse,
    /// a breach, a missed deadline, a missing acknowledgement): the ones an auditor expects
    /// the hub to log on time ([`crate::Registry::overdue`]).
    pub fn is_due(&self) -> bool {
        self.by_hub()
            && !matches!(
                self,
                Action::PartyRegistered { .. } | Action::MatchingRound { .. }
            )
    }

    /// Whether this is a binding act, which officers may sign and a state may require them to
    /// ([`crate::officer`]): answering a request, signing an exchange, every execution step,
    /// deciding a screening check.
    pub fn is_binding(&self) -> bool {
        matches!(
            self,
            Action::RequestAnswered { .. }
                | Action::ExchangeSigned { .. }
                | Action::LegReady { .. }
                | Action::LegVerified { .. }
                | Action::LegDelivered { .. }
                | Action::LegReceived { .. }
                | Action::MilestoneRecorded { .. }
                | Action::DecisionRecorded { .. }
                | Action::ReleaseRecorded { .. }
                | Action::ConsentGiven { .. }
                | Action::ProsecutionExtended { .. }
                | Action::OnwardTransferred { .. }
                | Action::CompetitionDecided { .. }
                | Action::OfferMade { .. }
        )
    }

    /// The liaison officer who signed this message act (sent, acknowledged, rejected) besides
    /// the node, if one did ([`crate::message::ActedBy`]).
    pub fn message_officer(&self) -> Option<&OfficerId> {
        match self {
            Action::MessageSent { acted_by, .. }
            | Action::MessageAcknowledged { acted_by, .. }
            | Action::MessageRejected { acted_by, .. } => acted_by.officer(),
            _ => None,
        }
    }

    /// The leg step this action takes, with its exchange and request, if it is one.
    pub fn leg_step(&self) -> Option<(ExchangeId, RequestId, LegStep)> {
        match *self {
            Action::LegReady { exchange, request } => Some((exchange, request, LegStep::Ready)),
            Action::LegVerified { exchange, request } => {
                Some((exchange, request, LegStep::Verified))
            }
            Action::LegDelivered { exchange, request } => {
                Some((exchange, request, LegStep::Delivered))
            }
            Action::LegReceived { exchange, request } => {
                Some((exchange, request, LegStep::Received))
            }
            Action::MilestoneRecorded {
                exchange,
                request,
                milestone,
            } => Some((exchange, request, LegStep::Milestone(milestone))),
            _ => None,
        }
    }
}

impl Statement {
    /// A statement. A binding act says that no officer signed (`acted_by: no_officer`);
    /// [`Statement::with_officers`] names them instead.
    pub fn new(actor: impl Into<Actor>, seq: u64, time: UnixSeconds, action: Action) -> Self {
        let acted_by = action.is_binding().then_some(Officers::NoOfficer);
        Statement {
            actor: actor.into(),
            seq,
            time,
            action,
            acted_by,
        }
    }

    /// The same statement, naming a drafter and an approver (a binding act's four eyes).
    pub fn with_officers(mut self, drafter: OfficerId, approver: OfficerId) -> Self {
        self.acted_by = Some(Officers::FourEyes { drafter, approver });
        self
    }

    /// How many signatures its envelope carries: the signer's, then a drafter's and an
    /// approver's on a binding act that names them, or a liaison officer's on a message act
    /// that names one.
    pub fn signatures(&self) -> usize {
        if matches!(self.acted_by, Some(Officers::FourEyes { .. })) {
            3
        } else if self.action.message_officer().is_some() {
            2
        } else {
            1
        }
    }

    /// The bytes a signer signs: compact JSON, fields in declaration order. See the module notes
    /// on why receivers never call this to verify.
    pub fn to_bytes(&self) -> Vec<u8> {
        serde_json::to_vec(self)
            .unwrap_or_else(|e| unreachable!("a statement always serialises: {e}"))
    }

    /// Parses a payload, validating every value in it.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, Rejection> {
        serde_json::from_slice(bytes).map_err(|e| Rejection::BadStatement(e.to_string()))
    }
}
