//! Exchanges: the hub's matching rounds, signatures that make them binding, lapse, go,
//! breaches, and each leg's steps.

use super::{not_found, Event, Registry, MAX_PROPOSALS_PER_ROUND};
use crate::exchange::{
    Exchange, ExchangeAct, ExchangeProposal, ExchangeStatus, LegKind, LegStage, LegStep,
    ReleaseInstrument,
};
use crate::id::{Digest, ExchangeId, PartyId, RequestId, UnixSeconds};
use crate::officer::Officers;
use crate::rejection::Rejection;
use crate::request::RequestStatus;
use std::collections::{BTreeMap, BTreeSet};

impl Registry {
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

    /// `matching_round`: the hub proposes exchanges, each exactly the canonical proposal of
    /// its cycle.
    pub(super) fn matching_round(
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
            let canonical = p.canonical(self, time)?;
            if canonical != *p {
                return Err(Rejection::BadStatement(format!(
                    "proposal {} is not the canonical proposal for its {} (expected {})",
                    p.id,
                    if p.chain { "chain" } else { "cycle" },
                    canonical.id
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
        self.check_round_credit(proposals)?;
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
                    instruments: BTreeMap::new(),
                    speciality: BTreeMap::new(),
                    acts: Vec::new(),
                },
            );
            events.push(Event::ExchangeProposed(p.id));
        }
        Ok(events)
    }

    /// `exchange_lapsed`: the hub lapses a proposed exchange at its deadline; its requests go
    /// back to the pool.
    pub(super) fn lapse(
        &mut self,
        exchange: &ExchangeId,
        now: UnixSeconds,
    ) -> Result<Vec<Event>, Rejection> {
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

    /// `go`: the hub declares go on a binding exchange whose every leg is ready.
    pub(super) fn go(
        &mut self,
        exchange: &ExchangeId,
        now: UnixSeconds,
    ) -> Result<Vec<Event>, Rejection> {
        let required = self
            .exchanges
            .get(exchange)
            .and_then(|x| self.agreements.get(&x.proposal.agreement))
            .is_some_and(|a| a.terms.release_instrument_required);
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
        if let Some(request) = x.missing_release(required) {
            return Err(Rejection::not_allowed(format!(
                "go before every surrender leg has its release instrument: the leg of request \
                 {request} has none (release_recorded)"
            )));
        }
        x.go_at = Some(now);
        Ok(vec![Event::Go(*exchange)])
    }

    /// `breach_recorded`: the hub records who owes the next step of a leg unfinished at the
    /// execution deadline.
    pub(super) fn breach(
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
        let breach = crate::deadline::Breach {
            agreement: x.proposal.agreement,
            party,
            of: crate::deadline::BreachOf::Execution {
                exchange: *exchange,
                request: *request,
            },
            due: x.execution_deadline.unwrap_or_default(),
            at: now,
            stage: Some(x.stages[i]),
            cured_at: None,
        };
        self.record_breach(breach);
        Ok(vec![Event::BreachRecorded {
            exchange: *exchange,
            request: *request,
            party,
        }])
    }

    /// `release_recorded`: the giver of a surrender leg records the domestic instrument that
    /// allows the release, once, before go.
    pub(super) fn record_release(
        &mut self,
        me: PartyId,
        exchange: &ExchangeId,
        request: &RequestId,
        instrument: &ReleaseInstrument,
        acted_by: Officers,
        now: UnixSeconds,
    ) -> Result<Vec<Event>, Rejection> {
        instrument.validate()?;
        let x = self.exchange_of(exchange, me)?;
        let i = x
            .leg_index(request)
            .ok_or_else(|| not_found("leg", format!("{exchange}/{request}")))?;
        let leg = x.proposal.legs[i];
        if x.status != ExchangeStatus::Binding {
            return Err(Rejection::not_allowed(format!(
                "exchange {exchange} is not binding"
            )));
        }
        if leg.kind != LegKind::Surrender {
            return Err(Rejection::not_allowed(format!(
                "the leg of request {request} is a prosecution at home: nobody is released"
            )));
        }
        if leg.giver != me {
            return Err(Rejection::not_allowed(format!(
                "only the giver {} records the release on the leg of request {request}, not {me}",
                leg.giver
            )));
        }
        if x.go_at.is_some() {
            return Err(Rejection::not_allowed(format!(
                "go was already declared for exchange {exchange}; a release is recorded before it"
            )));
        }
        if x.instruments.contains_key(request) {
            return Err(Rejection::not_allowed(format!(
                "a release instrument is already recorded on the leg of request {request}"
            )));
        }
        let x = self
            .exchanges
            .get_mut(exchange)
            .ok_or_else(|| not_found("exchange", exchange))?;
        x.instruments.insert(*request, instrument.clone());
        x.acts.push(ExchangeAct {
            party: me,
            step: None,
            at: now,
            acted_by,
        });
        Ok(vec![Event::ReleaseRecorded {
            exchange: *exchange,
            request: *request,
        }])
    }

    /// A leg action (`leg_ready`, `leg_verified`, `leg_delivered`, `leg_received`,
    /// `milestone_recorded`): the giver or receiver moves its leg one step.
    pub(super) fn leg_step(
        &mut self,
        me: PartyId,
        exchange: &ExchangeId,
        request: &RequestId,
        step: LegStep,
        acted_by: Officers,
        now: UnixSeconds,
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
        x.acts.push(ExchangeAct {
            party: me,
            step: Some((*request, step)),
            at: now,
            acted_by,
        });
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

    /// `exchange_signed`: a member signs the proposal's digest; the last signature makes the
    /// exchange binding and starts its execution window.
    pub(super) fn sign_exchange(
        &mut self,
        me: PartyId,
        exchange: &ExchangeId,
        proposal_sha256: &Digest,
        acted_by: Officers,
        now: UnixSeconds,
    ) -> Result<Vec<Event>, Rejection> {
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
        if x.signed.len() + 1 == x.parties.len() {
            if let Some(why) = self.second_binding(exchange) {
                return Err(Rejection::not_allowed(why));
            }
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
        x.acts.push(ExchangeAct {
            party: me,
            step: None,
            at: now,
            acted_by,
        });
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
}
