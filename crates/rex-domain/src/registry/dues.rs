//! Deadlines and breaches ([`crate::deadline`]): the index of what falls due for the hub, kept
//! up to date after every statement; `answer_extended`; `deadline_missed`; cures; and the
//! suspension of filing that an agreement may attach to breaches.

use super::{not_found, Event, Registry};
use crate::agreement::{days, Deadlines};
use crate::deadline::{Breach, BreachOf, Deadline, Due, Extension, ExtensionReason};
use crate::exchange::{Exchange, ExchangeStatus, Leg, LegKind, LegStage, Milestone};
use crate::id::{AgreementId, ExchangeId, PartyId, RequestId, UnixSeconds};
use crate::rejection::Rejection;
use crate::request::RequestStatus;
use crate::statement::Action;
use std::collections::BTreeSet;

/// Whether a prosecution-at-home leg at `stage` has reached `milestone`.
fn reached(stage: LegStage, milestone: Milestone) -> bool {
    let rank = |s: LegStage| match s {
        LegStage::Opened => 1,
        LegStage::Charged => 2,
        LegStage::Verdict => 3,
        _ => 0,
    };
    rank(stage) >= rank(milestone.stage())
}

/// The legs of `x` owed past its execution deadline and not yet breached, with who owes them.
/// Under an agreement with deadlines, prosecution-at-home legs answer to their milestones'
/// due dates instead.
fn execution_owed(x: &Exchange, deadlines: bool) -> impl Iterator<Item = (&Leg, PartyId)> {
    x.proposal
        .legs
        .iter()
        .zip(&x.stages)
        .filter(move |(leg, _)| !(deadlines && leg.kind == LegKind::ProsecutionAtHome))
        .filter(|(leg, _)| !x.breaches.contains_key(&leg.request))
        .filter_map(|(leg, stage)| Some((leg, leg.owed_by(*stage, x.go_at.is_some())?)))
}

impl Registry {
    fn set_due(&mut self, due: Due, at: UnixSeconds) {
        if let Some(old) = self.due_at.insert(due, at) {
            self.dues.remove(&(old, due));
        }
        self.dues.insert((at, due));
    }

    /// Sets `due` at `at` unless it is due already (then since when stays).
    fn keep_due(&mut self, due: Due, at: UnixSeconds) {
        if !self.due_at.contains_key(&due) {
            self.set_due(due, at);
        }
    }

    fn clear_due(&mut self, due: Due) {
        if let Some(old) = self.due_at.remove(&due) {
            self.dues.remove(&(old, due));
        }
    }

    fn deadlines_of(&self, agreement: &AgreementId) -> Option<Deadlines> {
        self.agreements.get(agreement)?.terms.deadlines
    }

    /// Brings the index of what is due, and the cures of breaches, up to date with what
    /// `events` changed; a cure adds its event.
    pub(super) fn after_events(&mut self, events: &mut Vec<Event>, now: UnixSeconds) {
        let mut requests = BTreeSet::new();
        let mut exchanges = BTreeSet::new();
        for e in events.iter() {
            match e {
                Event::RequestFiled(r)
                | Event::RequestWithdrawn(r)
                | Event::RequestReturnedToPool(r)
                | Event::RequestFulfilled(r)
                | Event::RequestAnswered { request: r, .. }
                | Event::RequestScreenedOut { request: r, .. }
                | Event::AnswerExtended { request: r } => {
                    requests.insert(*r);
                }
                Event::ExchangeProposed(x)
                | Event::ExchangeSigned { exchange: x, .. }
                | Event::ExchangeBinding(x)
                | Event::ExchangeLapsed(x)
                | Event::Go(x)
                | Event::BreachRecorded { exchange: x, .. }
                | Event::LegAdvanced { exchange: x, .. }
                | Event::ReleaseRecorded { exchange: x, .. }
                | Event::ExchangeCompleted(x) => {
                    exchanges.insert(*x);
                }
                Event::DeadlineMissed { deadline, .. } => match deadline {
                    Deadline::Answer { request } => {
                        requests.insert(*request);
                    }
                    Deadline::Surrender { exchange, .. } | Deadline::Milestone { exchange, .. } => {
                        exchanges.insert(*exchange);
                    }
                },
                _ => {}
            }
        }
        for r in requests {
            self.refresh_request(r, now, events);
        }
        for x in exchanges {
            self.refresh_exchange(x, now, events);
        }
    }

    fn refresh_request(&mut self, id: RequestId, now: UnixSeconds, events: &mut Vec<Event>) {
        let Some(r) = self.requests.get(&id) else {
            return;
        };
        let deadline = Deadline::Answer { request: id };
        let awaiting = r.status == RequestStatus::AwaitingAnswer;
        let missed = self
            .breach_index
            .contains_key(&BreachOf::Deadline(deadline));
        match r.answer_due {
            Some(at) if awaiting && !missed => self.set_due(Due::Deadline(deadline), at),
            _ => self.clear_due(Due::Deadline(deadline)),
        }
        if !awaiting {
            self.cure(BreachOf::Deadline(deadline), now, events);
        }
    }

    fn refresh_exchange(&mut self, id: ExchangeId, now: UnixSeconds, events: &mut Vec<Event>) {
        let Some(x) = self.exchanges.get(&id) else {
            return;
        };
        let deadlines = self.deadlines_of(&x.proposal.agreement);
        let binding = x.status == ExchangeStatus::Binding;
        let lapse = (x.status == ExchangeStatus::Proposed).then_some(x.proposal.deadline);
        let release_required = self
            .agreements
            .get(&x.proposal.agreement)
            .is_some_and(|a| a.terms.release_instrument_required);
        let go = binding
            && x.go_at.is_none()
            && x.stages.iter().all(LegStage::ready_for_go)
            && x.missing_release(release_required).is_none();
        let execution = match x.execution_deadline {
            Some(d) if binding && execution_owed(x, deadlines.is_some()).next().is_some() => {
                Some(d.max(now))
            }
            _ => None,
        };
        // Each leg's deadlines (when due, if at all), then the breaches its stage cures.
        let mut legs: Vec<(Deadline, Option<UnixSeconds>)> = Vec::new();
        let mut cures: Vec<BreachOf> = Vec::new();
        for (leg, &stage) in x.proposal.legs.iter().zip(&x.stages) {
            let request = leg.request;
            match leg.kind {
                LegKind::Surrender => {
                    let delivered = matches!(stage, LegStage::Delivered | LegStage::Received);
                    let due = deadlines
                        .zip(x.go_at)
                        .filter(|_| binding && !delivered)
                        .map(|(d, go)| go.saturating_add(days(d.surrender_days)));
                    let deadline = Deadline::Surrender {
                        exchange: id,
                        request,
                    };
                    legs.push((deadline, due));
                    if delivered {
                        cures.push(BreachOf::Deadline(deadline));
                    }
                }
                LegKind::ProsecutionAtHome => {
                    for milestone in [Milestone::Opened, Milestone::Charged, Milestone::Verdict] {
                        let from = match milestone {
                            Milestone::Opened => x.binding_since,
                            _ => x.go_at,
                        };
                        let due = deadlines
                            .zip(from)
                            .filter(|_| binding && !reached(stage, milestone))
                            .map(|(d, from)| {
                                from.saturating_add(days(match milestone {
                                    Milestone::Opened => d.opened_days,
                                    Milestone::Charged => d.charged_days,
                                    Milestone::Verdict => d.verdict_days,
                                }))
                            });
                        let deadline = Deadline::Milestone {
                            exchange: id,
                            request,
                            milestone,
                        };
                        legs.push((deadline, due));
                        if reached(stage, milestone) {
                            cures.push(BreachOf::Deadline(deadline));
                        }
                    }
                }
            }
            let execution = BreachOf::Execution {
                exchange: id,
                request,
            };
            if let Some(&i) = self.breach_index.get(&execution) {
                if self.breaches[i].stage != Some(stage) {
                    cures.push(execution);
                }
            }
        }
        match lapse {
            Some(at) => self.set_due(Due::Lapse(id), at),
            None => self.clear_due(Due::Lapse(id)),
        }
        if go {
            self.keep_due(Due::Go(id), now);
        } else {
            self.clear_due(Due::Go(id));
        }
        match execution {
            Some(at) => self.keep_due(Due::Execution(id), at),
            None => self.clear_due(Due::Execution(id)),
        }
        for (deadline, due) in legs {
            let missed = self
                .breach_index
                .contains_key(&BreachOf::Deadline(deadline));
            match due {
                Some(at) if !missed => self.set_due(Due::Deadline(deadline), at),
                _ => self.clear_due(Due::Deadline(deadline)),
            }
        }
        for of in cures {
            self.cure(of, now, events);
        }
    }

    /// Marks the breach of `of`, if one is open, cured at `now`.
    fn cure(&mut self, of: BreachOf, now: UnixSeconds, events: &mut Vec<Event>) {
        let Some(&i) = self.breach_index.get(&of) else {
            return;
        };
        let b = &mut self.breaches[i];
        if b.cured_at.is_none() {
            b.cured_at = Some(now);
            events.push(Event::BreachCured { party: b.party, of });
        }
    }

    pub(super) fn record_breach(&mut self, breach: Breach) {
        self.breach_index.insert(breach.of, self.breaches.len());
        self.breaches.push(breach);
    }

    /// `deadline_missed`: the hub records that a deadline passed with its act undone; the state
    /// that owed it is in breach.
    pub(super) fn miss_deadline(
        &mut self,
        deadline: &Deadline,
        now: UnixSeconds,
    ) -> Result<Vec<Event>, Rejection> {
        let due = Due::Deadline(*deadline);
        let Some(&at) = self.due_at.get(&due) else {
            return Err(Rejection::not_allowed(format!(
                "{deadline} is not awaited by any deadline"
            )));
        };
        if now < at {
            return Err(Rejection::not_allowed(format!(
                "{deadline} is due at {at}, not before (now {now})"
            )));
        }
        let (agreement, party) = match *deadline {
            Deadline::Answer { request } => {
                let r = self
                    .requests
                    .get(&request)
                    .ok_or_else(|| not_found("request", request))?;
                (r.metadata.agreement, r.metadata.custodian)
            }
            Deadline::Surrender { exchange, request }
            | Deadline::Milestone {
                exchange, request, ..
            } => {
                let x = self
                    .exchanges
                    .get(&exchange)
                    .ok_or_else(|| not_found("exchange", exchange))?;
                let i = x
                    .leg_index(&request)
                    .ok_or_else(|| not_found("leg", format!("{exchange}/{request}")))?;
                (x.proposal.agreement, x.proposal.legs[i].giver)
            }
        };
        self.clear_due(due);
        self.record_breach(Breach {
            agreement,
            party,
            of: BreachOf::Deadline(*deadline),
            due: at,
            at: now,
            stage: None,
            cured_at: None,
        });
        Ok(vec![Event::DeadlineMissed {
            deadline: *deadline,
            party,
        }])
    }

    /// `answer_extended`: the custodian extends its answer deadline, once, before it passes,
    /// with a reason, by the agreement's extension.
    pub(super) fn extend_answer(
        &mut self,
        me: PartyId,
        request: &RequestId,
        reason: ExtensionReason,
        now: UnixSeconds,
    ) -> Result<Vec<Event>, Rejection> {
        let r = self.open_request_of_custodian(me, request, " extends the answer deadline of")?;
        let agreement = r.metadata.agreement;
        let (Some(d), Some(due)) = (self.deadlines_of(&agreement), r.answer_due) else {
            return Err(Rejection::not_allowed(format!(
                "agreement {agreement} sets no answer deadline to extend"
            )));
        };
        if d.extension_days == 0 {
            return Err(Rejection::not_allowed(format!(
                "agreement {agreement} allows no extension of the answer deadline"
            )));
        }
        if r.extension.is_some() {
            return Err(Rejection::not_allowed(format!(
                "the answer deadline of request {request} was already extended once"
            )));
        }
        if now >= due {
            return Err(Rejection::DeadlinePassed { deadline: due, now });
        }
        let r = self
            .requests
            .get_mut(request)
            .ok_or_else(|| not_found("request", request))?;
        r.extension = Some(Extension {
            reason,
            at: now,
            previous_due: due,
        });
        r.answer_due = Some(due.saturating_add(days(d.extension_days)));
        Ok(vec![Event::AnswerExtended { request: *request }])
    }

    /// Refuses a filing by `me` under `agreement` while it holds as many uncured breaches under
    /// it as the agreement suspends filing at.
    pub(super) fn check_not_suspended(
        &self,
        me: PartyId,
        agreement: &AgreementId,
    ) -> Result<(), Rejection> {
        let Some(limit) = self
            .deadlines_of(agreement)
            .and_then(|d| d.suspend_after_breaches)
        else {
            return Ok(());
        };
        let open = self.open_breaches(agreement, &me);
        if open >= limit as usize {
            return Err(Rejection::not_allowed(format!(
                "{me} may file no new request under agreement {agreement}: it has {open} uncured \
                 breaches and the agreement suspends filing at {limit}; cure one by doing what \
                 it owed (rex agreement show lists them)"
            )));
        }
        Ok(())
    }

    /// Every breach recorded, in order.
    pub fn breaches(&self) -> &[Breach] {
        &self.breaches
    }

    /// How many uncured breaches `party` holds under `agreement`.
    pub fn open_breaches(&self, agreement: &AgreementId, party: &PartyId) -> usize {
        self.breaches
            .iter()
            .filter(|b| b.is_open() && b.agreement == *agreement && b.party == *party)
            .count()
    }

    /// When `deadline` falls due, while it runs (not yet met nor missed).
    pub fn deadline_due(&self, deadline: &Deadline) -> Option<UnixSeconds> {
        self.due_at.get(&Due::Deadline(*deadline)).copied()
    }

    /// Every deadline that runs, soonest first.
    pub fn running_deadlines(&self) -> impl Iterator<Item = (UnixSeconds, Deadline)> + '_ {
        self.dues.iter().filter_map(|(at, due)| match due {
            Due::Deadline(d) => Some((*at, *d)),
            _ => None,
        })
    }

    /// The hub's statements due at `now`, soonest due first, at most `limit`: go, lapses,
    /// breaches of execution deadlines, missed deadlines, then missing acknowledgements of
    /// messages. Reads an index ordered by due time, so the cost is what is due.
    pub fn due_actions(&self, now: UnixSeconds, limit: usize) -> Vec<Action> {
        let mut out = Vec::new();
        for (_, due) in self.dues.iter().take_while(|(at, _)| *at <= now) {
            if out.len() >= limit {
                break;
            }
            match *due {
                Due::Lapse(exchange) => out.push(Action::ExchangeLapsed { exchange }),
                Due::Go(exchange) => out.push(Action::Go { exchange }),
                Due::Execution(exchange) => {
                    if let Some(x) = self.exchanges.get(&exchange) {
                        let deadlines = self.deadlines_of(&x.proposal.agreement).is_some();
                        out.extend(execution_owed(x, deadlines).map(|(leg, _)| {
                            Action::BreachRecorded {
                                exchange,
                                request: leg.request,
                            }
                        }));
                    }
                }
                Due::Deadline(deadline) => out.push(Action::DeadlineMissed { deadline }),
            }
        }
        if out.len() < limit {
            out.extend(
                self.not_acknowledged_due(now)
                    .into_iter()
                    .map(|(message, recipient)| Action::MessageNotAcknowledged {
                        message,
                        recipient,
                    }),
            );
        }
        out.truncate(limit);
        out
    }

    /// The earliest hub statement due at or before `before` and not logged, with what it is:
    /// an auditor asks this before each entry that is not itself such a statement, at the
    /// entry's time less [`crate::deadline::DUE_GRACE_SECONDS`], and anything it gets is a
    /// statement the hub skipped.
    pub fn overdue(&self, before: UnixSeconds) -> Option<(UnixSeconds, String)> {
        let due = self
            .dues
            .first()
            .filter(|(at, _)| *at <= before)
            .map(|(at, due)| (*at, due.to_string()));
        let ack = self
            .ack_deadlines
            .first()
            .filter(|(at, _)| *at <= before)
            .map(|(at, m)| (*at, format!("the negative evidence on message {m}")));
        due.into_iter().chain(ack).min_by_key(|(at, _)| *at)
    }

    /// Proposed exchanges whose deadline has come: the hub should lapse them.
    pub fn lapse_due(&self, now: UnixSeconds) -> Vec<ExchangeId> {
        self.due_actions(now, usize::MAX)
            .into_iter()
            .filter_map(|a| match a {
                Action::ExchangeLapsed { exchange } => Some(exchange),
                _ => None,
            })
            .collect()
    }

    /// Binding exchanges without go whose every leg is ready for it: the hub should declare go.
    pub fn go_due(&self) -> Vec<ExchangeId> {
        self.dues
            .iter()
            .filter_map(|(_, due)| match due {
                Due::Go(x) => Some(*x),
                _ => None,
            })
            .collect()
    }

    /// Legs of binding exchanges unfinished at their execution deadline and not yet recorded
    /// as breached: the hub should record a breach for each, as `(exchange, request)`.
    pub fn breach_due(&self, now: UnixSeconds) -> Vec<(ExchangeId, RequestId)> {
        self.due_actions(now, usize::MAX)
            .into_iter()
            .filter_map(|a| match a {
                Action::BreachRecorded { exchange, request } => Some((exchange, request)),
                _ => None,
            })
            .collect()
    }
}
