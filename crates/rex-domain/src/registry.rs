//! The registry: every party, agreement, request and exchange, changed only by
//! [`Registry::apply`] on a signed statement.

use crate::agreement::Agreement;
use crate::dsse::{pae, Envelope};
use crate::exchange::{Exchange, ExchangeProposal, ExchangeStatus, LegStage, LegStep};
use crate::id::{Actor, AgreementId, Digest, ExchangeId, PartyId, RequestId, UnixSeconds};
use crate::keys::{KeyId, PublicKeyFile};
use crate::rejection::Rejection;
use crate::request::{Answer, Request, RequestStatus, Route};
use crate::statement::{Action, Statement};
use ed25519_dalek::VerifyingKey;
use std::collections::{BTreeMap, BTreeSet};

/// How far ahead of the hub's clock a statement may be dated.
pub const MAX_CLOCK_SKEW_SECONDS: u64 = 300;
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
    /// A request of a completed exchange is fulfilled.
    RequestFulfilled(RequestId),
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
}

fn not_found(kind: &'static str, id: impl ToString) -> Rejection {
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

    /// The sequence number the next statement of `actor` must carry, if it is known.
    pub fn next_seq(&self, actor: Actor) -> Option<u64> {
        match actor {
            Actor::Hub => Some(self.hub_last_seq + 1),
            Actor::Party(p) => self.parties.get(&p).map(|p| p.last_seq + 1),
        }
    }

    /// Proposed exchanges whose deadline has come: the hub should lapse them.
    pub fn lapse_due(&self, now: UnixSeconds) -> Vec<ExchangeId> {
        self.exchanges
            .values()
            .filter(|x| x.status == ExchangeStatus::Proposed && now >= x.proposal.deadline)
            .map(|x| x.proposal.id)
            .collect()
    }

    /// Binding exchanges without go whose every leg is ready for it: the hub should declare go.
    pub fn go_due(&self) -> Vec<ExchangeId> {
        self.exchanges
            .values()
            .filter(|x| {
                x.status == ExchangeStatus::Binding
                    && x.go_at.is_none()
                    && x.stages.iter().all(LegStage::ready_for_go)
            })
            .map(|x| x.proposal.id)
            .collect()
    }

    /// Legs of binding exchanges unfinished at their execution deadline and not yet recorded
    /// as breached: the hub should record a breach for each, as `(exchange, request)`.
    pub fn breach_due(&self, now: UnixSeconds) -> Vec<(ExchangeId, RequestId)> {
        self.exchanges
            .values()
            .filter(|x| {
                x.status == ExchangeStatus::Binding
                    && x.execution_deadline.is_some_and(|d| now >= d)
            })
            .flat_map(|x| {
                x.proposal
                    .legs
                    .iter()
                    .zip(&x.stages)
                    .filter(|(leg, stage)| {
                        leg.owed_by(**stage, x.go_at.is_some()).is_some()
                            && !x.breaches.contains_key(&leg.request)
                    })
                    .map(|(leg, _)| (x.proposal.id, leg.request))
            })
            .collect()
    }

    /// Applies one signed statement at the hub's time `now`, or refuses it and changes nothing.
    ///
    /// Checks, in order: the envelope's shape; the payload parses; the actor is registered; the
    /// envelope's key hint names the actor's key (`wrong_key`); the signature verifies strictly
    /// under the actor's key (`bad_signature`); `seq` is the actor's next (`replay`,
    /// `seq_gap`); `time` is not ahead of `now` by more than [`MAX_CLOCK_SKEW_SECONDS`]; the
    /// action is the hub's or a state's as it should be; and the transition is allowed from the
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
        if statement.time > now.saturating_add(MAX_CLOCK_SKEW_SECONDS) {
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
        let events = self.transition(&statement, digest, now)?;
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

    /// Validates the action against the current state, then changes it. Every check comes
    /// before the first change, so a refusal leaves the registry as it was.
    fn transition(
        &mut self,
        statement: &Statement,
        digest: Digest,
        now: UnixSeconds,
    ) -> Result<Vec<Event>, Rejection> {
        // `apply` has checked that state actions come from a party.
        let party = statement.actor.party();
        let me = || party.ok_or_else(|| Rejection::not_allowed("a state action by the hub"));
        match &statement.action {
            Action::PartyRegistered { keys } => self.register(keys, now),
            Action::MatchingRound { proposals } => {
                self.matching_round(proposals, statement.time, now)
            }
            Action::ExchangeLapsed { exchange } => self.lapse(exchange, now),
            Action::Go { exchange } => self.go(exchange, now),
            Action::BreachRecorded { exchange, request } => self.breach(exchange, request, now),
            Action::AgreementProposed { terms } => {
                let me = me()?;
                if !terms.is_member(me) {
                    return Err(Rejection::NotMember {
                        actor: me.to_string(),
                        what: "the agreement it proposes".into(),
                    });
                }
                if let Some(m) = terms.members.iter().find(|m| !self.parties.contains_key(m)) {
                    return Err(Rejection::UnknownParty(m.to_string()));
                }
                if now >= terms.signing_deadline {
                    return Err(Rejection::DeadlinePassed {
                        deadline: terms.signing_deadline,
                        now,
                    });
                }
                let id = AgreementId::from_digest(&digest);
                if self.agreements.contains_key(&id) {
                    return Err(Rejection::Conflict(format!("agreement {id}")));
                }
                self.agreements.insert(
                    id,
                    Agreement {
                        id,
                        proposer: me,
                        terms: terms.clone(),
                        proposed_at: now,
                        signed: BTreeSet::from([me]),
                        in_force_since: None,
                    },
                );
                Ok(vec![Event::AgreementProposed(id)])
            }
            Action::AgreementSigned { agreement } => {
                let me = me()?;
                let a = self
                    .agreements
                    .get_mut(agreement)
                    .ok_or_else(|| not_found("agreement", agreement))?;
                if !a.terms.is_member(me) {
                    return Err(Rejection::NotMember {
                        actor: me.to_string(),
                        what: format!("agreement {agreement}"),
                    });
                }
                if a.signed.contains(&me) {
                    return Err(Rejection::not_allowed(format!(
                        "{me} already signed agreement {agreement}"
                    )));
                }
                if now >= a.terms.signing_deadline {
                    return Err(Rejection::DeadlinePassed {
                        deadline: a.terms.signing_deadline,
                        now,
                    });
                }
                a.signed.insert(me);
                let mut events = vec![Event::AgreementSigned {
                    agreement: *agreement,
                    party: me,
                }];
                if a.signed.len() == a.terms.members.len() {
                    a.in_force_since = Some(now);
                    events.push(Event::AgreementInForce(*agreement));
                }
                Ok(events)
            }
            Action::RequestFiled { metadata, dossier } => {
                let me = me()?;
                if metadata.requester != me {
                    return Err(Rejection::not_allowed(format!(
                        "{me} cannot file a request as requester {}",
                        metadata.requester
                    )));
                }
                if dossier.size == 0 {
                    return Err(Rejection::invalid("dossier", "empty"));
                }
                let route = self.screen(me, metadata)?;
                let id = RequestId::from_digest(&digest);
                if self.requests.contains_key(&id) {
                    return Err(Rejection::Conflict(format!("request {id}")));
                }
                self.requests.insert(
                    id,
                    Request {
                        id,
                        metadata: metadata.clone(),
                        dossier: *dossier,
                        filed_at: now,
                        route,
                        answer: None,
                        status: RequestStatus::AwaitingAnswer,
                    },
                );
                Ok(vec![Event::RequestFiled(id)])
            }
            Action::RequestAnswered { request, answer } => {
                let me = me()?;
                let r = self
                    .requests
                    .get(request)
                    .ok_or_else(|| not_found("request", request))?;
                if r.metadata.custodian != me {
                    return Err(Rejection::not_allowed(format!(
                        "only the custodian {} answers request {request}, not {me}",
                        r.metadata.custodian
                    )));
                }
                if r.status != RequestStatus::AwaitingAnswer {
                    return Err(Rejection::not_allowed(format!(
                        "request {request} is not awaiting an answer"
                    )));
                }
                if *answer == Answer::Surrender && r.route == Route::ProsecutionOnly {
                    return Err(Rejection::not_allowed(format!(
                        "own-national bar: {me} may only prosecute the subject of {request} at home"
                    )));
                }
                let counts = self
                    .agreements
                    .get(&r.metadata.agreement)
                    .is_some_and(|a| a.terms.prosecution_at_home_counts);
                if *answer == Answer::ProsecutionAtHome && !counts {
                    return Err(Rejection::not_allowed(format!(
                        "agreement {} does not count prosecution at home as reciprocation",
                        r.metadata.agreement
                    )));
                }
                let r = self
                    .requests
                    .get_mut(request)
                    .ok_or_else(|| not_found("request", request))?;
                r.answer = Some(*answer);
                r.status = match answer {
                    Answer::Refused { ground } => RequestStatus::Refused(*ground),
                    Answer::Surrender | Answer::ProsecutionAtHome => RequestStatus::Pooled,
                };
                Ok(vec![Event::RequestAnswered {
                    request: *request,
                    answer: *answer,
                }])
            }
            Action::RequestWithdrawn { request } => {
                let me = me()?;
                let r = self
                    .requests
                    .get_mut(request)
                    .ok_or_else(|| not_found("request", request))?;
                if r.metadata.requester != me {
                    return Err(Rejection::not_allowed(format!(
                        "only the requester {} withdraws request {request}, not {me}",
                        r.metadata.requester
                    )));
                }
                if !matches!(
                    r.status,
                    RequestStatus::AwaitingAnswer | RequestStatus::Pooled
                ) {
                    return Err(Rejection::not_allowed(format!(
                        "request {request} can no longer be withdrawn"
                    )));
                }
                r.status = RequestStatus::Withdrawn;
                Ok(vec![Event::RequestWithdrawn(*request)])
            }
            Action::ExchangeSigned {
                exchange,
                proposal_sha256,
            } => {
                let me = me()?;
                let x = self.exchange_of(exchange, me)?;
                if x.status != ExchangeStatus::Proposed {
                    return Err(Rejection::not_allowed(format!(
                        "exchange {exchange} is no longer open for signature"
                    )));
                }
                if now >= x.proposal.deadline {
                    return Err(Rejection::DeadlinePassed {
                        deadline: x.proposal.deadline,
                        now,
                    });
                }
                if x.signed.contains(&me) {
                    return Err(Rejection::not_allowed(format!(
                        "{me} already signed exchange {exchange}"
                    )));
                }
                if *proposal_sha256 != x.digest {
                    return Err(Rejection::DigestMismatch {
                        exchange: exchange.to_string(),
                        expected: x.digest.to_string(),
                        got: proposal_sha256.to_string(),
                    });
                }
                let window = self
                    .agreements
                    .get(&x.proposal.agreement)
                    .map(|a| a.terms.execution_window)
                    .ok_or_else(|| not_found("agreement", x.proposal.agreement))?;
                let x = self
                    .exchanges
                    .get_mut(exchange)
                    .ok_or_else(|| not_found("exchange", exchange))?;
                x.signed.insert(me);
                let mut events = vec![Event::ExchangeSigned {
                    exchange: *exchange,
                    party: me,
                }];
                if x.signed == x.parties {
                    x.status = ExchangeStatus::Binding;
                    x.binding_since = Some(now);
                    x.execution_deadline = Some(now.saturating_add(window));
                    events.push(Event::ExchangeBinding(*exchange));
                }
                Ok(events)
            }
            Action::LegReady { .. }
            | Action::LegVerified { .. }
            | Action::LegDelivered { .. }
            | Action::LegReceived { .. }
            | Action::MilestoneRecorded { .. } => {
                let me = me()?;
                let Some((exchange, request, step)) = statement.action.leg_step() else {
                    unreachable!("every leg action has a leg step");
                };
                self.leg_step(me, &exchange, &request, step)
            }
        }
    }

    /// An exchange `me` is a party to.
    fn exchange_of(&self, exchange: &ExchangeId, me: PartyId) -> Result<&Exchange, Rejection> {
        let x = self
            .exchanges
            .get(exchange)
            .ok_or_else(|| not_found("exchange", exchange))?;
        if !x.parties.contains(&me) {
            return Err(Rejection::NotMember {
                actor: me.to_string(),
                what: format!("exchange {exchange}"),
            });
        }
        Ok(x)
    }

    fn register(
        &mut self,
        keys: &PublicKeyFile,
        now: UnixSeconds,
    ) -> Result<Vec<Event>, Rejection> {
        let p = keys.party();
        if self.parties.contains_key(&p) {
            return Err(Rejection::Conflict(format!("party {p}")));
        }
        let keyid = keys.keyid();
        if keyid == KeyId::of(&self.hub_key)
            || self.parties.values().any(|q| q.keys.keyid() == keyid)
        {
            return Err(Rejection::Conflict(format!("a party with key {keyid}")));
        }
        self.parties.insert(
            p,
            Party {
                keys: keys.clone(),
                last_seq: 0,
                registered_at: now,
            },
        );
        Ok(vec![Event::PartyRegistered(p)])
    }

    /// Automatic screening of a filing by `me`: the agreement is in force and admits both
    /// states, every offence is covered, the penalty meets the threshold; the own-national bar
    /// routes the request to prosecution at home, which the agreement must then count.
    fn screen(
        &self,
        me: PartyId,
        metadata: &crate::request::RequestMetadata,
    ) -> Result<Route, Rejection> {
        let id = metadata.agreement;
        let a = self
            .agreements
            .get(&id)
            .ok_or_else(|| not_found("agreement", id))?;
        let t = &a.terms;
        if !t.is_member(me) {
            return Err(Rejection::NotMember {
                actor: me.to_string(),
                what: format!("agreement {id}"),
            });
        }
        let fail = |reason: String| Err(Rejection::ScreeningFailed(reason));
        if !a.in_force() {
            return fail(format!("agreement {id} is not in force"));
        }
        if !t.is_member(metadata.custodian) {
            return fail(format!(
                "custodian {} is not a member of agreement {id}",
                metadata.custodian
            ));
        }
        if let Some(o) = metadata.offences.iter().find(|o| !t.covers(**o)) {
            return fail(format!("offence {o} is not covered by agreement {id}"));
        }
        if metadata.max_penalty_months < t.min_penalty_months {
            return fail(format!(
                "maximum penalty {} months is below the agreement's threshold of {}",
                metadata.max_penalty_months, t.min_penalty_months
            ));
        }
        if metadata.subject_is_custodian_national {
            if !t.prosecution_at_home_counts {
                return fail(format!(
                    "own-national bar: {} may only prosecute at home, which agreement {id} does \
                     not count as reciprocation",
                    metadata.custodian
                ));
            }
            return Ok(Route::ProsecutionOnly);
        }
        Ok(Route::Any)
    }

    fn matching_round(
        &mut self,
        proposals: &[ExchangeProposal],
        time: UnixSeconds,
        now: UnixSeconds,
    ) -> Result<Vec<Event>, Rejection> {
        if proposals.len() > MAX_PROPOSALS_PER_ROUND {
            return Err(Rejection::BadStatement(format!(
                "{} proposals exceed the {MAX_PROPOSALS_PER_ROUND} of one round",
                proposals.len()
            )));
        }
        let mut used = BTreeSet::new();
        for p in proposals {
            // The proposal must be exactly the one its cycle gives, dated by this statement.
            let canonical = ExchangeProposal::for_cycle(self, &p.cycle, time)?;
            if canonical != *p {
                return Err(Rejection::BadStatement(format!(
                    "proposal {} is not the canonical proposal for its cycle (expected {})",
                    p.id, canonical.id
                )));
            }
            if now >= p.deadline {
                return Err(Rejection::DeadlinePassed {
                    deadline: p.deadline,
                    now,
                });
            }
            if self.exchanges.contains_key(&p.id) {
                return Err(Rejection::Conflict(format!("exchange {}", p.id)));
            }
            for r in &p.cycle {
                if !used.insert(*r) {
                    return Err(Rejection::not_allowed(format!(
                        "request {r} is in two proposals of one round"
                    )));
                }
            }
        }
        let mut events = Vec::with_capacity(proposals.len());
        for p in proposals {
            for r in &p.cycle {
                if let Some(r) = self.requests.get_mut(r) {
                    r.status = RequestStatus::InExchange(p.id);
                }
            }
            self.exchanges.insert(
                p.id,
                Exchange {
                    proposal: p.clone(),
                    digest: p.digest(),
                    proposed_at: now,
                    parties: p.parties(),
                    signed: BTreeSet::new(),
                    status: ExchangeStatus::Proposed,
                    binding_since: None,
                    execution_deadline: None,
                    go_at: None,
                    stages: vec![LegStage::Pending; p.legs.len()],
                    breaches: BTreeMap::new(),
                },
            );
            events.push(Event::ExchangeProposed(p.id));
        }
        Ok(events)
    }

    fn lapse(&mut self, exchange: &ExchangeId, now: UnixSeconds) -> Result<Vec<Event>, Rejection> {
        let x = self
            .exchanges
            .get_mut(exchange)
            .ok_or_else(|| not_found("exchange", exchange))?;
        if x.status != ExchangeStatus::Proposed {
            return Err(Rejection::not_allowed(format!(
                "only a proposed exchange lapses; {exchange} is not"
            )));
        }
        if now < x.proposal.deadline {
            return Err(Rejection::not_allowed(format!(
                "exchange {exchange} lapses at {}, not before (now {now})",
                x.proposal.deadline
            )));
        }
        x.status = ExchangeStatus::Lapsed;
        let mut events = vec![Event::ExchangeLapsed(*exchange)];
        for r in &x.proposal.cycle {
            if let Some(req) = self.requests.get_mut(r) {
                debug_assert_eq!(req.status, RequestStatus::InExchange(*exchange));
                req.status = RequestStatus::Pooled;
                events.push(Event::RequestReturnedToPool(*r));
            }
        }
        Ok(events)
    }

    fn go(&mut self, exchange: &ExchangeId, now: UnixSeconds) -> Result<Vec<Event>, Rejection> {
        let x = self
            .exchanges
            .get_mut(exchange)
            .ok_or_else(|| not_found("exchange", exchange))?;
        if x.status != ExchangeStatus::Binding {
            return Err(Rejection::not_allowed(format!(
                "go needs a binding exchange; {exchange} is not"
            )));
        }
        if x.go_at.is_some() {
            return Err(Rejection::not_allowed(format!(
                "go was already declared for exchange {exchange}"
            )));
        }
        if let Some(i) = x.stages.iter().position(|s| !s.ready_for_go()) {
            return Err(Rejection::not_allowed(format!(
                "go before every leg is ready and verified: the leg of request {} is {}",
                x.proposal.legs[i].request,
                x.stages[i].as_str()
            )));
        }
        x.go_at = Some(now);
        Ok(vec![Event::Go(*exchange)])
    }

    fn breach(
        &mut self,
        exchange: &ExchangeId,
        request: &RequestId,
        now: UnixSeconds,
    ) -> Result<Vec<Event>, Rejection> {
        let x = self
            .exchanges
            .get_mut(exchange)
            .ok_or_else(|| not_found("exchange", exchange))?;
        let i = x
            .leg_index(request)
            .ok_or_else(|| not_found("leg", format!("{exchange}/{request}")))?;
        if x.status != ExchangeStatus::Binding {
            return Err(Rejection::not_allowed(format!(
                "a breach is recorded only on a binding exchange; {exchange} is not"
            )));
        }
        match x.execution_deadline {
            Some(deadline) if now >= deadline => {}
            deadline => {
                return Err(Rejection::not_allowed(format!(
                    "exchange {exchange} is due for execution at {}, not before (now {now})",
                    deadline.unwrap_or_default()
                )))
            }
        }
        if x.breaches.contains_key(request) {
            return Err(Rejection::not_allowed(format!(
                "a breach is already recorded on the leg of request {request}"
            )));
        }
        let leg = x.proposal.legs[i];
        let Some(party) = leg.owed_by(x.stages[i], x.go_at.is_some()) else {
            return Err(Rejection::not_allowed(format!(
                "the leg of request {request} owes nothing at stage {}",
                x.stages[i].as_str()
            )));
        };
        x.breaches.insert(*request, party);
        Ok(vec![Event::BreachRecorded {
            exchange: *exchange,
            request: *request,
            party,
        }])
    }

    fn leg_step(
        &mut self,
        me: PartyId,
        exchange: &ExchangeId,
        request: &RequestId,
        step: LegStep,
    ) -> Result<Vec<Event>, Rejection> {
        let x = self.exchange_of(exchange, me)?;
        let i = x
            .leg_index(request)
            .ok_or_else(|| not_found("leg", format!("{exchange}/{request}")))?;
        if x.status != ExchangeStatus::Binding {
            return Err(Rejection::not_allowed(format!(
                "exchange {exchange} is not binding"
            )));
        }
        let leg = x.proposal.legs[i];
        let (who, role) = if step.by_giver() {
            (leg.giver, "giver")
        } else {
            (leg.receiver, "receiver")
        };
        if who != me {
            return Err(Rejection::not_allowed(format!(
                "only the {role} {who} takes {} on the leg of request {request}, not {me}",
                step.name()
            )));
        }
        let from = x.stages[i];
        let Some(to) = step.next(leg.kind, from) else {
            return Err(Rejection::not_allowed(format!(
                "{} is not allowed on a {} leg at stage {}",
                step.name(),
                leg.kind.as_str(),
                from.as_str()
            )));
        };
        if step == LegStep::Delivered && x.go_at.is_none() {
            return Err(Rejection::not_allowed(format!(
                "delivery before the hub declared go for exchange {exchange}"
            )));
        }
        let x = self
            .exchanges
            .get_mut(exchange)
            .ok_or_else(|| not_found("exchange", exchange))?;
        x.stages[i] = to;
        let mut events = vec![Event::LegAdvanced {
            exchange: *exchange,
            request: *request,
            stage: to,
        }];
        if x.stages.iter().all(LegStage::is_complete) {
            x.status = ExchangeStatus::Completed;
            events.push(Event::ExchangeCompleted(*exchange));
            for r in &x.proposal.cycle {
                if let Some(req) = self.requests.get_mut(r) {
                    req.status = RequestStatus::Fulfilled(*exchange);
                    events.push(Event::RequestFulfilled(*r));
                }
            }
        }
        Ok(events)
    }
}

/// An envelope with the costly, registry-free part of [`Registry::apply`] done: its shape
/// checked, its statement parsed, its payload hashed and, optionally, its signature verified
/// under a candidate key. Building these for many envelopes parallelises ([`precheck_all`]);
/// applying them stays sequential. The fields are private, so a `Prechecked` that claims a
/// verified signature was verified.
#[derive(Debug, Clone)]
pub struct Prechecked {
    envelope: Envelope,
    statement: Statement,
    digest: Digest,
    verified_under: Option<VerifyingKey>,
}

impl Prechecked {
    /// Checks the envelope's shape and parses its statement; the signature is left for
    /// [`Prechecked::verify`] or for [`Registry::apply_prechecked`].
    pub fn new(envelope: Envelope) -> Result<Self, Rejection> {
        envelope.check_shape()?;
        let statement = Statement::from_bytes(&envelope.payload)?;
        Ok(Prechecked {
            digest: envelope.payload_digest(),
            envelope,
            statement,
            verified_under: None,
        })
    }

    /// Verifies the signature under `key` (the key the actor is expected to have) and
    /// remembers it if it holds. Returns whether it did.
    pub fn verify(&mut self, key: &VerifyingKey) -> bool {
        let ok = self.envelope.is_signed_by(key);
        self.verified_under = ok.then_some(*key);
        ok
    }

    /// The parsed statement.
    pub fn statement(&self) -> &Statement {
        &self.statement
    }

    /// The envelope.
    pub fn envelope(&self) -> &Envelope {
        &self.envelope
    }
}

/// Prechecks a run of envelopes, in order, on every core: parses every statement, then
/// verifies every signature under the key its actor is expected to hold: the hub's key, or the
/// key of the first `party_registered` statement for that state in `registry` or earlier in
/// `envelopes`. A wrong guess costs only speed: [`Registry::apply_prechecked`] then verifies
/// again under the key the registry really holds.
///
/// Signatures are verified in batches of [`PRECHECK_BATCH`] (`ed25519_dalek::verify_batch`,
/// about twice as fast per signature); a batch that fails is verified one by one with
/// `verify_strict`, so a bad signature is still found and named. Batch verification accepts
/// every signature `verify_strict` accepts, and a few more that only the key's holder can
/// make (a small-order or torsioned `R`); it never accepts a forgery under a registered key
/// (registered keys are never small-order). The hub checks every submission strictly, so an
/// honest hub's log holds none of those.
pub fn precheck_all(
    registry: &Registry,
    envelopes: Vec<Envelope>,
) -> Vec<Result<Prechecked, Rejection>> {
    use rayon::prelude::*;
    let mut checked: Vec<Result<Prechecked, Rejection>> =
        envelopes.into_par_iter().map(Prechecked::new).collect();
    let mut keys: BTreeMap<PartyId, VerifyingKey> = registry
        .parties
        .iter()
        .map(|(id, p)| (*id, *p.keys.signing_key()))
        .collect();
    for c in checked.iter().flatten() {
        if let (Actor::Hub, Action::PartyRegistered { keys: file }) =
            (c.statement.actor, &c.statement.action)
        {
            keys.entry(file.party()).or_insert(*file.signing_key());
        }
    }
    let hub_key = registry.hub_key;
    let key_of = |c: &Prechecked| match c.statement.actor {
        Actor::Hub => Some(hub_key),
        Actor::Party(p) => keys.get(&p).copied(),
    };
    checked.par_chunks_mut(PRECHECK_BATCH).for_each(|chunk| {
        let batch: Vec<(&mut Prechecked, VerifyingKey)> = chunk
            .iter_mut()
            .flatten()
            .filter_map(|c| key_of(c).map(|k| (c, k)))
            .collect();
        verify_batch(batch);
    });
    checked
}

/// Envelopes whose signatures [`precheck_all`] verifies together.
pub const PRECHECK_BATCH: usize = 64;

/// Verifies each envelope's signature under its key: all at once, or one by one if that fails.
fn verify_batch(mut batch: Vec<(&mut Prechecked, VerifyingKey)>) {
    let messages: Vec<Vec<u8>> = batch
        .iter()
        .map(|(c, _)| pae(c.envelope.payload_type.as_bytes(), &c.envelope.payload))
        .collect();
    let signatures: Option<Vec<ed25519_dalek::Signature>> = batch
        .iter()
        .map(|(c, _)| ed25519_dalek::Signature::from_slice(&c.envelope.signatures[0].sig).ok())
        .collect();
    let keys: Vec<VerifyingKey> = batch.iter().map(|(_, k)| *k).collect();
    let all_good = !keys.iter().any(VerifyingKey::is_weak)
        && signatures.is_some_and(|signatures| {
            let messages: Vec<&[u8]> = messages.iter().map(Vec::as_slice).collect();
            ed25519_dalek::verify_batch(&messages, &signatures, &keys).is_ok()
        });
    for (c, key) in &mut batch {
        if all_good {
            c.verified_under = Some(*key);
        } else {
            c.verify(key);
        }
    }
}
