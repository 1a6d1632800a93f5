//! The registry: every party, agreement, request and exchange, changed only by
//! [`Registry::apply`] on a signed statement.
//!
//! This module holds the state, its accessors and the checks every statement passes (actor,
//! key, signature, sequence number, clock); each action's transition lives with its concern:
//! parties and agreements (`agreements`), requests (`requests`), exchanges and matching
//! rounds (`exchanges`), messages and their evidence (`messages`), profiles, raised checks
//! and decisions (`law`), deadlines, breaches and what falls due for the hub (`dues`),
//! speciality and onward transfer after a surrender (`speciality`), and the parallel precheck
//! used to replay long logs (`precheck`).

mod agreements;
mod competing;
mod credit;
mod dues;
mod exchanges;
mod law;
mod messages;
mod officers;
mod precheck;
mod requests;
mod speciality;

pub use precheck::{precheck_all, Prechecked, PRECHECK_BATCH};

use crate::agreement::Agreement;
use crate::dsse::Envelope;
use crate::exchange::{Exchange, LegStage};
use crate::id::{
    Actor, AgreementId, Digest, ExchangeId, MessageId, PartyId, RequestId, UnixSeconds,
};
use crate::keys::{KeyId, PublicKeyFile};
use crate::message::{Message, MessageAnswer, OfficerId};
use crate::officer::{Officer, Officers};
use crate::rejection::Rejection;
use crate::request::{Answer, Request};
use crate::statement::{Action, Statement};
use crate::witness::{Quorum, WitnessPolicy};
use ed25519_dalek::VerifyingKey;
use std::collections::BTreeMap;

/// How far ahead of the hub's clock a statement may be dated.
pub const MAX_CLOCK_SKEW_SECONDS: u64 = 300;
/// How far behind the hub's clock a statement may be dated: a node signs just before it
/// submits, so a statement a day old (or dated 0) is a wrong clock or a statement held back.
pub const MAX_STATEMENT_AGE_SECONDS: u64 = 86_400;
/// Most proposals one matching round may carry.
pub const MAX_PROPOSALS_PER_ROUND: usize = 10_000;

/// A registered state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Party {
    /// Its public keys.
    pub keys: PublicKeyFile,
    /// The sequence number of its last accepted statement (0 before the first).
    pub last_seq: u64,
    /// When the hub registered it.
    pub registered_at: UnixSeconds,
    /// Whose cosignatures make a checkpoint final for it (its agreement partners until it
    /// sets another).
    pub witness_policy: WitnessPolicy,
}

/// What an accepted statement changed, in order. The hub turns these into notifications; tests
/// read them as the story of the system.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// A state was registered.
    PartyRegistered(PartyId),
    /// An agreement was proposed (and signed by its proposer).
    AgreementProposed(AgreementId),
    /// A member signed an agreement.
    AgreementSigned {
        /// The agreement.
        agreement: AgreementId,
        /// The member.
        party: PartyId,
    },
    /// Every member has signed: the agreement is in force.
    AgreementInForce(AgreementId),
    /// A request was filed and passed screening.
    RequestFiled(RequestId),
    /// The custodian answered.
    RequestAnswered {
        /// The request.
        request: RequestId,
        /// The answer.
        answer: Answer,
    },
    /// The requester withdrew a request.
    RequestWithdrawn(RequestId),
    /// A matching round proposed an exchange.
    ExchangeProposed(ExchangeId),
    /// A member signed an exchange.
    ExchangeSigned {
        /// The exchange.
        exchange: ExchangeId,
        /// The member.
        party: PartyId,
    },
    /// Every member signed: the exchange is binding.
    ExchangeBinding(ExchangeId),
    /// The exchange lapsed at its deadline.
    ExchangeLapsed(ExchangeId),
    /// A request of a lapsed exchange is back in the pool.
    RequestReturnedToPool(RequestId),
    /// The hub declared go.
    Go(ExchangeId),
    /// A leg was unfinished at the execution deadline: `party` owed its next step.
    BreachRecorded {
        /// The exchange.
        exchange: ExchangeId,
        /// The leg's request.
        request: RequestId,
        /// The state in breach.
        party: PartyId,
    },
    /// A leg moved on.
    LegAdvanced {
        /// The exchange.
        exchange: ExchangeId,
        /// The leg's request.
        request: RequestId,
        /// Its new stage.
        stage: LegStage,
    },
    /// Every leg is complete.
    ExchangeCompleted(ExchangeId),
    /// A state set its witness policy.
    WitnessPolicySet(PartyId),
    /// A request of a completed exchange is fulfilled.
    RequestFulfilled(RequestId),
    /// A message was sent.
    MessageSent(MessageId),
    /// A recipient's node logged the delivery of a message.
    MessageDelivered {
        /// The message.
        message: MessageId,
        /// The recipient.
        party: PartyId,
    },
    /// A recipient opened a message for the first time.
    MessageRead {
        /// The message.
        message: MessageId,
        /// The recipient.
        party: PartyId,
    },
    /// A recipient acknowledged or rejected a message; `late` when after the hub's negative
    /// evidence.
    MessageAnswered {
        /// The message.
        message: MessageId,
        /// The recipient.
        party: PartyId,
        /// Acknowledged or rejected.
        answer: MessageAnswer,
        /// Whether the hub had already recorded it as not acknowledged.
        late: bool,
    },
    /// A state certified an officer's key.
    OfficerCertified {
        /// The state.
        party: PartyId,
        /// The officer.
        officer: OfficerId,
    },
    /// A state revoked an officer's key.
    OfficerRevoked {
        /// The state.
        party: PartyId,
        /// The officer.
        officer: OfficerId,
    },
    /// A state now requires four-eyes on its binding acts.
    FourEyesRequired(PartyId),
    /// A state published a version of its profile.
    ProfilePublished {
        /// The state.
        party: PartyId,
        /// The version (1, 2, …).
        version: u32,
    },
    /// A custodian raised a check for its person to decide.
    ScreeningRaised {
        /// The request.
        request: RequestId,
        /// The check.
        check: crate::law::Check,
    },
    /// The custodian's node evaluated checks on the dossier.
    ScreeningEvaluated {
        /// The request.
        request: RequestId,
    },
    /// A person decided a check.
    DecisionRecorded {
        /// The request.
        request: RequestId,
        /// The check.
        check: crate::law::Check,
        /// Whether it passed.
        passed: bool,
    },
    /// A check failed: the request is refused, naming it.
    RequestScreenedOut {
        /// The request.
        request: RequestId,
        /// The check that failed first.
        check: crate::law::Check,
    },
    /// The hub recorded that a recipient did not answer by the deadline.
    MessageNotAcknowledged {
        /// The message.
        message: MessageId,
        /// The recipient.
        party: PartyId,
    },
    /// The custodian extended its answer deadline.
    AnswerExtended {
        /// The request.
        request: RequestId,
    },
    /// The hub recorded a missed deadline: `party` is in breach.
    DeadlineMissed {
        /// The deadline.
        deadline: crate::deadline::Deadline,
        /// The state that owed the act.
        party: PartyId,
    },
    /// A giver recorded the release instrument of a surrender leg.
    ReleaseRecorded {
        /// The exchange.
        exchange: ExchangeId,
        /// The leg's request.
        request: RequestId,
    },
    /// The giver of a surrender consented to more offences or to an onward transfer.
    ConsentGiven {
        /// The exchange.
        exchange: ExchangeId,
        /// The leg's request.
        request: RequestId,
    },
    /// The receiver of a surrender recorded prosecuting the subject for offences.
    ProsecutionExtended {
        /// The exchange.
        exchange: ExchangeId,
        /// The leg's request.
        request: RequestId,
    },
    /// The receiver of a surrender transferred the subject to a third state.
    OnwardTransferred {
        /// The exchange.
        exchange: ExchangeId,
        /// The leg's request.
        request: RequestId,
        /// The third state.
        to: PartyId,
    },
    /// A state did what a breach of it had left undone.
    BreachCured {
        /// The state.
        party: PartyId,
        /// What the breach was of.
        of: crate::deadline::BreachOf,
    },
    /// The custodian's node logged a request's subject tag.
    SubjectTagged {
        /// The request.
        request: RequestId,
    },
    /// Open requests to one custodian share a subject tag: each awaits the custodian's
    /// decision (`competing_request`).
    CompetingRequests {
        /// Every open request sharing the tag, sorted.
        requests: Vec<RequestId>,
    },
    /// The custodian decided a competition.
    CompetitionDecided {
        /// The preferred request.
        preferred: RequestId,
        /// The others, refused or deferred.
        others: crate::competing::Others,
    },
    /// The request preferred over a deferred one was closed: the deferred one awaits a new
    /// decision.
    CompetitionReopened {
        /// The deferred request.
        request: RequestId,
        /// The preferred request that was closed.
        preferred: RequestId,
    },
    /// The custodian offered a request unconditionally.
    OfferMade {
        /// The request.
        request: RequestId,
    },
    /// The custodian withdrew its offer.
    OfferWithdrawn {
        /// The request.
        request: RequestId,
    },
}

/// An accepted statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applied {
    /// SHA-256 of the payload bytes ([`Envelope::payload_digest`]).
    pub digest: Digest,
    /// The statement as parsed.
    pub statement: Statement,
    /// What changed.
    pub events: Vec<Event>,
}

/// The hub's state, and anyone's replay of it from the log. See the crate notes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registry {
    hub_key: VerifyingKey,
    hub_last_seq: u64,
    parties: BTreeMap<PartyId, Party>,
    agreements: BTreeMap<AgreementId, Agreement>,
    requests: BTreeMap<RequestId, Request>,
    exchanges: BTreeMap<ExchangeId, Exchange>,
    messages: BTreeMap<MessageId, Message>,
    /// Messages with a recipient still to answer, by acknowledgement deadline: an index over
    /// `messages`, so that the hub's due negatives cost what is due, not every message.
    ack_deadlines: std::collections::BTreeSet<(UnixSeconds, MessageId)>,
    /// Every officer each state certified, revoked ones included (an id is used once).
    officers: BTreeMap<PartyId, BTreeMap<OfficerId, Officer>>,
    /// The states that require four-eyes on their binding acts.
    four_eyes: std::collections::BTreeSet<PartyId>,
    /// Every version of each state's profile, oldest first.
    profiles: BTreeMap<PartyId, Vec<crate::law::ProfileVersion>>,
    /// What falls due for the hub to record, by when: present exactly while it is owed
    /// ([`dues`]), so that the hub's due statements and an auditor's check of them cost what is
    /// due.
    dues: std::collections::BTreeSet<(UnixSeconds, crate::deadline::Due)>,
    /// The same index by what is due.
    due_at: BTreeMap<crate::deadline::Due, UnixSeconds>,
    /// Every breach recorded, in order.
    breaches: Vec<crate::deadline::Breach>,
    /// The position in `breaches` of the breach of each thing (one breach per thing).
    breach_index: BTreeMap<crate::deadline::BreachOf, usize>,
    /// Subject tags and the open requests sharing each ([`competing`]).
    competition: crate::competing::Competition,
}

pub(super) fn not_found(kind: &'static str, id: impl ToString) -> Rejection {
    Rejection::NotFound {
        kind,
        id: id.to_string(),
    }
}

impl Registry {
    /// An empty registry that trusts `hub_key` for the hub's own statements (registering
    /// parties first of all).
    pub fn new(hub_key: VerifyingKey) -> Self {
        Registry {
            hub_key,
            hub_last_seq: 0,
            parties: BTreeMap::new(),
            agreements: BTreeMap::new(),
            requests: BTreeMap::new(),
            exchanges: BTreeMap::new(),
            messages: BTreeMap::new(),
            ack_deadlines: std::collections::BTreeSet::new(),
            officers: BTreeMap::new(),
            four_eyes: std::collections::BTreeSet::new(),
            profiles: BTreeMap::new(),
            dues: std::collections::BTreeSet::new(),
            due_at: BTreeMap::new(),
            breaches: Vec::new(),
            breach_index: BTreeMap::new(),
            competition: crate::competing::Competition::default(),
        }
    }

    /// The hub's statement key.
    pub fn hub_key(&self) -> &VerifyingKey {
        &self.hub_key
    }

    /// A registered state.
    pub fn party(&self, id: &PartyId) -> Option<&Party> {
        self.parties.get(id)
    }

    /// All registered states, by code.
    pub fn parties(&self) -> impl Iterator<Item = &Party> {
        self.parties.values()
    }

    /// An agreement.
    pub fn agreement(&self, id: &AgreementId) -> Option<&Agreement> {
        self.agreements.get(id)
    }

    /// All agreements, by id.
    pub fn agreements(&self) -> impl Iterator<Item = &Agreement> {
        self.agreements.values()
    }

    /// A request.
    pub fn request(&self, id: &RequestId) -> Option<&Request> {
        self.requests.get(id)
    }

    /// All requests, by id.
    pub fn requests(&self) -> impl Iterator<Item = &Request> {
        self.requests.values()
    }

    /// An exchange.
    pub fn exchange(&self, id: &ExchangeId) -> Option<&Exchange> {
        self.exchanges.get(id)
    }

    /// All exchanges, by id.
    pub fn exchanges(&self) -> impl Iterator<Item = &Exchange> {
        self.exchanges.values()
    }

    /// A message.
    pub fn message(&self, id: &MessageId) -> Option<&Message> {
        self.messages.get(id)
    }

    /// All messages, by id.
    pub fn messages(&self) -> impl Iterator<Item = &Message> {
        self.messages.values()
    }

    /// An officer `party` certified (revoked or not).
    pub fn officer(&self, party: &PartyId, officer: &OfficerId) -> Option<&Officer> {
        self.officers.get(party)?.get(officer)
    }

    /// Every officer `party` certified, by id.
    pub fn officers(&self, party: &PartyId) -> impl Iterator<Item = &Officer> {
        self.officers
            .get(party)
            .into_iter()
            .flat_map(|o| o.values())
    }

    /// The profile `party` has in force now (its latest version), if it published one.
    pub fn profile(&self, party: &PartyId) -> Option<&crate::law::ProfileVersion> {
        self.profiles.get(party)?.last()
    }

    /// Every state's profile in force, by state.
    pub fn profiles_in_force(
        &self,
    ) -> impl Iterator<Item = (&PartyId, &crate::law::ProfileVersion)> {
        self.profiles
            .iter()
            .filter_map(|(p, v)| Some((p, v.last()?)))
    }

    /// Version `version` of `party`'s profile.
    pub fn profile_version(
        &self,
        party: &PartyId,
        version: u32,
    ) -> Option<&crate::law::ProfileVersion> {
        self.profiles
            .get(party)?
            .get(usize::try_from(version).ok()?.checked_sub(1)?)
    }

    /// Whether `party` requires four-eyes on its binding acts (`four_eyes_required`).
    pub fn requires_four_eyes(&self, party: &PartyId) -> bool {
        self.four_eyes.contains(party)
    }

    /// What `party`'s witness policy asks for now: which states must cosign a checkpoint, and
    /// how many of them, for it to be final for `party`. `None` for an unregistered party.
    pub fn quorum(&self, party: &PartyId) -> Option<Quorum> {
        let p = self.parties.get(party)?;
        Some(match &p.witness_policy {
            WitnessPolicy::AgreementPartners => {
                let witnesses: std::collections::BTreeSet<PartyId> = self
                    .agreements
                    .values()
                    .filter(|a| a.in_force() && a.terms.is_member(*party))
                    .flat_map(|a| a.terms.members.iter().copied())
                    .filter(|m| m != party && self.parties.contains_key(m))
                    .collect();
                Quorum {
                    threshold: witnesses.len(),
                    witnesses: witnesses.into_iter().collect(),
                }
            }
            WitnessPolicy::Threshold {
                witnesses,
                threshold,
            } => Quorum {
                witnesses: witnesses.clone(),
                threshold: *threshold as usize,
            },
        })
    }

    /// The sequence number the next statement of `actor` must carry, if it is known.
    pub fn next_seq(&self, actor: Actor) -> Option<u64> {
        match actor {
            Actor::Hub => Some(self.hub_last_seq + 1),
            Actor::Party(p) => self.parties.get(&p).map(|p| p.last_seq + 1),
        }
    }

    /// Applies one signed statement at the hub's time `now`, or refuses it and changes nothing.
    ///
    /// Checks, in order: the envelope's shape; the payload parses; the actor is registered; the
    /// envelope's key hint names the actor's key (`wrong_key`); the signature verifies strictly
    /// under the actor's key (`bad_signature`); `seq` is the actor's next (`replay`,
    /// `seq_gap`); `time` is not ahead of `now` by more than [`MAX_CLOCK_SKEW_SECONDS`] nor behind
    /// it by more than [`MAX_STATEMENT_AGE_SECONDS`]; the
    /// action is the hub's or a state's as it should be; a binding act's officers meet the
    /// four-eyes rule ([`crate::officer`], `four_eyes`); and the transition is allowed from the
    /// current state. Only then does anything change, and the actor's sequence number with it.
    pub fn apply(&mut self, envelope: &Envelope, now: UnixSeconds) -> Result<Applied, Rejection> {
        self.apply_prechecked(Prechecked::new(envelope.clone())?, now)
    }

    /// [`Registry::apply`] on an envelope whose costly checks ran ahead, possibly on another
    /// thread ([`Prechecked`], [`precheck_all`]). Same checks, same outcome: a signature found
    /// valid ahead under the actor's key is not verified again; under any other key (or none),
    /// it is verified here.
    pub fn apply_prechecked(
        &mut self,
        checked: Prechecked,
        now: UnixSeconds,
    ) -> Result<Applied, Rejection> {
        let Prechecked {
            envelope,
            statement,
            digest,
            verified_under,
            officers_verified_under,
        } = checked;
        let actor = statement.actor;
        let (key, last_seq) = match actor {
            Actor::Hub => (&self.hub_key, self.hub_last_seq),
            Actor::Party(p) => {
                let party = self
                    .parties
                    .get(&p)
                    .ok_or_else(|| Rejection::UnknownParty(p.to_string()))?;
                (party.keys.signing_key(), party.last_seq)
            }
        };
        let hint = &envelope.signatures[0].keyid;
        if !hint.is_empty() && *hint != KeyId::of(key).to_string() {
            return Err(Rejection::WrongKey {
                actor: actor.to_string(),
                keyid: hint.clone(),
            });
        }
        if verified_under.as_ref() != Some(key) && !envelope.is_signed_by(key) {
            return Err(Rejection::BadSignature {
                actor: actor.to_string(),
            });
        }
        let expected = last_seq + 1;
        if statement.seq != expected {
            let (actor, got) = (actor.to_string(), statement.seq);
            return Err(if got < expected {
                Rejection::Replay {
                    actor,
                    got,
                    expected,
                }
            } else {
                Rejection::SeqGap {
                    actor,
                    got,
                    expected,
                }
            });
        }
        if statement.time > now.saturating_add(MAX_CLOCK_SKEW_SECONDS)
            || statement.time < now.saturating_sub(MAX_STATEMENT_AGE_SECONDS)
        {
            return Err(Rejection::TimeSkew {
                time: statement.time,
                now,
            });
        }
        match (actor, statement.action.by_hub()) {
            (Actor::Hub, false) => {
                return Err(Rejection::not_allowed(format!(
                    "the hub does not take {} for a state",
                    statement.action.name()
                )))
            }
            (Actor::Party(p), true) => {
                return Err(Rejection::not_allowed(format!(
                    "only the hub takes {}, not {p}",
                    statement.action.name()
                )))
            }
            _ => {}
        }
        self.check_officers(&envelope, &statement, digest, officers_verified_under, now)?;
        let mut events = self.transition(&statement, digest, now)?;
        self.after_events(&mut events, now);
        self.after_competition(&mut events);
        match actor {
            Actor::Hub => self.hub_last_seq = statement.seq,
            Actor::Party(p) => {
                if let Some(party) = self.parties.get_mut(&p) {
                    party.last_seq = statement.seq;
                }
            }
        }
        Ok(Applied {
            digest,
            statement,
            events,
        })
    }

    /// Validates the action against the current state, then changes it: one method per
    /// action, in the submodule of its concern. Every check comes before the first change, so
    /// a refusal leaves the registry as it was.
    fn transition(
        &mut self,
        statement: &Statement,
        digest: Digest,
        now: UnixSeconds,
    ) -> Result<Vec<Event>, Rejection> {
        // `apply` has checked that state actions come from a party.
        let party = statement.actor.party();
        let me = || party.ok_or_else(|| Rejection::not_allowed("a state action by the hub"));
        let acted_by = || statement.acted_by.clone().unwrap_or(Officers::NoOfficer);
        match &statement.action {
            Action::PartyRegistered { keys } => self.register(keys, now),
            Action::MatchingRound { proposals } => {
                self.matching_round(proposals, statement.time, now)
            }
            Action::ExchangeLapsed { exchange } => self.lapse(exchange, now),
            Action::Go { exchange } => self.go(exchange, now),
            Action::BreachRecorded { exchange, request } => self.breach(exchange, request, now),
            Action::AgreementProposed { terms } => {
                self.propose_agreement(me()?, terms, digest, now)
            }
            Action::AgreementSigned { agreement } => self.sign_agreement(me()?, agreement, now),
            Action::RequestFiled { metadata, dossier } => {
                self.file_request(me()?, metadata, dossier, digest, now)
            }
            Action::RequestAnswered { request, answer } => {
                self.answer_request(me()?, request, answer)
            }
            Action::RequestWithdrawn { request } => self.withdraw_request(me()?, request),
            Action::WitnessPolicySet { policy } => self.set_witness_policy(me()?, policy),
            Action::ExchangeSigned {
                exchange,
                proposal_sha256,
            } => self.sign_exchange(me()?, exchange, proposal_sha256, acted_by(), now),
            Action::LegReady { .. }
            | Action::LegVerified { .. }
            | Action::LegDelivered { .. }
            | Action::LegReceived { .. }
            | Action::MilestoneRecorded { .. } => {
                let me = me()?;
                let Some((exchange, request, step)) = statement.action.leg_step() else {
                    unreachable!("every leg action has a leg step");
                };
                self.leg_step(me, &exchange, &request, step, acted_by(), now)
            }
            Action::MessageSent {
                conversation,
                to,
                ciphertext,
                ack_by,
                acted_by,
            } => self.send_message(
                me()?,
                messages::Sent {
                    conversation,
                    to,
                    ciphertext,
                    ack_by: *ack_by,
                    acted_by: acted_by.clone(),
                },
                digest,
                now,
            ),
            Action::MessageDelivered { message } => {
                self.recipient_act(me()?, message, messages::RecipientAct::Delivered, now)
            }
            Action::MessageRead { message, officer } => {
                self.recipient_act(me()?, message, messages::RecipientAct::Read(officer), now)
            }
            Action::MessageAcknowledged { message, acted_by } => self.recipient_act(
                me()?,
                message,
                messages::RecipientAct::Answered(MessageAnswer::Acknowledged, acted_by),
                now,
            ),
            Action::MessageRejected {
                message,
                reason,
                acted_by,
            } => self.recipient_act(
                me()?,
                message,
                messages::RecipientAct::Answered(MessageAnswer::Rejected(*reason), acted_by),
                now,
            ),
            Action::MessageNotAcknowledged { message, recipient } => {
                self.not_acknowledged(message, *recipient, now)
            }
            Action::OfficerCertified {
                party,
                officer,
                roles,
                key,
                not_before,
                not_after,
            } => self.certify_officer(
                me()?,
                officers::Certificate {
                    party: *party,
                    officer,
                    roles,
                    key: *key,
                    not_before: *not_before,
                    not_after: *not_after,
                },
                now,
            ),
            Action::OfficerRevoked { officer } => self.revoke_officer(me()?, officer, now),
            Action::FourEyesRequired => self.require_four_eyes(me()?),
            Action::ProfilePublished { profile } => self.publish_profile(me()?, profile, now),
            Action::ScreeningRaised { request, check } => self.raise_check(me()?, request, *check),
            Action::ScreeningEvaluated {
                request,
                evaluations,
            } => self.record_evaluations(me()?, request, evaluations, digest),
            Action::DecisionRecorded {
                request,
                check,
                passed,
                grounds_sha256,
            } => self.record_decision(me()?, request, *check, *passed, *grounds_sha256, digest),
            Action::AnswerExtended { request, reason } => {
                self.extend_answer(me()?, request, *reason, now)
            }
            Action::DeadlineMissed { deadline } => self.miss_deadline(deadline, now),
            Action::ReleaseRecorded {
                exchange,
                request,
                instrument,
            } => self.record_release(me()?, exchange, request, instrument, acted_by(), now),
            Action::ConsentGiven {
                exchange,
                request,
                consent,
            } => self.give_consent(me()?, exchange, request, consent, acted_by(), now),
            Action::ProsecutionExtended {
                exchange,
                request,
                offences,
            } => self.speciality_act(
                me()?,
                exchange,
                request,
                speciality::Act::Prosecute(offences),
                acted_by(),
                now,
            ),
            Action::OnwardTransferred {
                exchange,
                request,
                to,
            } => self.speciality_act(
                me()?,
                exchange,
                request,
                speciality::Act::Transfer(*to),
                acted_by(),
                now,
            ),
            Action::SubjectTagged { request, tag } => self.tag_subject(me()?, request, *tag),
            Action::CompetitionDecided {
                requests,
                preferred,
                others,
                factors,
                grounds_sha256,
            } => self.decide_competition(
                me()?,
                competing::Decision {
                    requests,
                    preferred: *preferred,
                    others: *others,
                    factors,
                    grounds: *grounds_sha256,
                },
                digest,
            ),
            Action::OfferMade { request } => self.make_offer(me()?, request, now),
            Action::OfferWithdrawn { request } => self.withdraw_offer(me()?, request),
        }
    }
}
