//! Competing requests ([`crate::competing`]): the custodian's subject tags, the index of open
//! requests sharing one, the custodian's decision, a deferred request reopened when the one
//! preferred over it closes, and the refusal of a second binding exchange for one person.

use super::{not_found, Event, Registry};
use crate::competing::{Factor, Others, MAX_COMPETING};
use crate::exchange::ExchangeStatus;
use crate::id::{Digest, ExchangeId, PartyId, RequestId};
use crate::law::{Check, CheckRecord, Outcome};
use crate::officer::Role;
use crate::rejection::Rejection;
use crate::request::{Answer, RefusalGround, Request, RequestStatus};
use std::collections::BTreeSet;

/// A `competition_decided` as the registry reads it.
pub(super) struct Decision<'a> {
    pub(super) requests: &'a [RequestId],
    pub(super) preferred: RequestId,
    pub(super) others: Others,
    pub(super) factors: &'a [Factor],
    pub(super) grounds: Digest,
}

/// Whether a request is still open to competition: not refused, withdrawn or fulfilled.
fn open(status: &RequestStatus) -> bool {
    matches!(
        status,
        RequestStatus::AwaitingAnswer | RequestStatus::Pooled | RequestStatus::InExchange(_)
    )
}

/// Records `outcome` for the competing-request check of `r`, adding the check if it is not
/// there yet (the screening stays in catalogue order).
fn set_check(r: &mut Request, outcome: Outcome, decision: Option<Digest>) {
    match r
        .screening
        .iter_mut()
        .find(|c| c.check == Check::CompetingRequest)
    {
        Some(c) => {
            c.outcome = outcome;
            c.decision = decision;
        }
        None => {
            r.screening.push(CheckRecord {
                check: Check::CompetingRequest,
                outcome,
                decision,
            });
            r.screening.sort_by_key(|c| c.check);
        }
    }
}

fn list(requests: &BTreeSet<RequestId>) -> String {
    requests
        .iter()
        .map(RequestId::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

impl Registry {
    /// The subject tag the custodian logged for `request`, if it did.
    pub fn subject_tag(&self, request: &RequestId) -> Option<&Digest> {
        self.competition.tags.get(request)
    }

    /// The open requests to the same custodian whose subject tag equals `request`'s, itself
    /// included, sorted; empty when it has no tag or is closed.
    pub fn sharing_tag(&self, request: &RequestId) -> Vec<RequestId> {
        let (Some(tag), Some(r)) = (
            self.competition.tags.get(request),
            self.requests.get(request),
        ) else {
            return Vec::new();
        };
        self.competition
            .open
            .get(&(r.metadata.custodian, *tag))
            .filter(|set| set.contains(request))
            .map(|set| set.iter().copied().collect())
            .unwrap_or_default()
    }

    /// The request preferred over `request`, if `request` was deferred in its favour.
    pub fn deferred_for(&self, request: &RequestId) -> Option<&RequestId> {
        self.competition.deferred.get(request)
    }

    /// `subject_tagged`: the custodian's node logs the tag of an open request it has not
    /// tagged, not yet in a binding exchange; equal tags of its open requests raise
    /// `competing_request` on every one not in a binding exchange (a signature that would make
    /// a second exchange binding for the person is refused: [`Registry::second_binding`]).
    pub(super) fn tag_subject(
        &mut self,
        me: PartyId,
        request: &RequestId,
        tag: Digest,
    ) -> Result<Vec<Event>, Rejection> {
        let r = self
            .requests
            .get(request)
            .ok_or_else(|| not_found("request", request))?;
        if r.metadata.custodian != me {
            return Err(Rejection::not_allowed(format!(
                "only the custodian {} tags the subject of request {request}, not {me}",
                r.metadata.custodian
            )));
        }
        if !open(&r.status) || self.in_binding(&r.status) {
            return Err(Rejection::not_allowed(format!(
                "request {request} is closed or in a binding exchange: its subject is tagged \
                 while it awaits an answer, is pooled or is in a proposed exchange"
            )));
        }
        if self.competition.tags.contains_key(request) {
            return Err(Rejection::Conflict(format!(
                "the subject of request {request} is already tagged"
            )));
        }
        self.competition.tags.insert(*request, tag);
        let group = self.competition.open.entry((me, tag)).or_default();
        group.insert(*request);
        let group = group.clone();
        let mut events = vec![Event::SubjectTagged { request: *request }];
        if group.len() >= 2 {
            self.raise_competition(me, &group);
            events.push(Event::CompetingRequests {
                requests: group.into_iter().collect(),
            });
        }
        Ok(events)
    }

    /// Whether a request with this status is in a binding exchange.
    fn in_binding(&self, status: &RequestStatus) -> bool {
        matches!(status, RequestStatus::InExchange(x)
            if self.exchanges.get(x).is_some_and(|e| e.status != ExchangeStatus::Proposed))
    }

    /// Every request of `group` not in a binding exchange awaits a (new) decision of `custodian`.
    fn raise_competition(&mut self, custodian: PartyId, group: &BTreeSet<RequestId>) {
        let reason = format!(
            "{} open requests to {custodian} share the subject's tag ({}): a person of \
             {custodian} decides which is preferred",
            group.len(),
            list(group)
        );
        for id in group {
            let binding = self
                .requests
                .get(id)
                .is_none_or(|r| self.in_binding(&r.status));
            let Some(r) = self.requests.get_mut(id) else {
                continue;
            };
            if !binding {
                set_check(
                    r,
                    Outcome::Awaiting {
                        party: custodian,
                        role: Some(Role::Approver),
                        reason: reason.clone(),
                    },
                    None,
                );
                self.competition.deferred.remove(id);
            }
        }
    }

    /// `competition_decided`: the custodian names every open request sharing a tag, prefers
    /// one, and refuses or defers the others. Every check comes before the first change.
    pub(super) fn decide_competition(
        &mut self,
        me: PartyId,
        d: Decision<'_>,
        statement: Digest,
    ) -> Result<Vec<Event>, Rejection> {
        let bad = |reason: String| Err(Rejection::invalid("competition", reason));
        if d.requests.len() > MAX_COMPETING || !d.requests.windows(2).all(|w| w[0] < w[1]) {
            return bad(format!(
                "the requests must be sorted and distinct, at most {MAX_COMPETING}"
            ));
        }
        if !d.requests.contains(&d.preferred) {
            return bad(format!(
                "the preferred request {} is not among those named",
                d.preferred
            ));
        }
        if d.factors.is_empty() || !d.factors.windows(2).all(|w| w[0] < w[1]) {
            return bad("name at least one factor, sorted and distinct".into());
        }
        let mut tag = None;
        for id in d.requests {
            let r = self
                .requests
                .get(id)
                .ok_or_else(|| not_found("request", id))?;
            if r.metadata.custodian != me {
                return Err(Rejection::not_allowed(format!(
                    "only the custodian {} decides on request {id}, not {me}",
                    r.metadata.custodian
                )));
            }
            let Some(t) = self.competition.tags.get(id) else {
                return Err(Rejection::not_allowed(format!(
                    "the subject of request {id} is not tagged"
                )));
            };
            if *tag.get_or_insert(*t) != *t {
                return Err(Rejection::not_allowed(format!(
                    "request {id} does not share the subject's tag of request {}",
                    d.requests[0]
                )));
            }
        }
        let Some(tag) = tag else {
            return bad("name at least one request".into());
        };
        let group = self
            .competition
            .open
            .get(&(me, tag))
            .cloned()
            .unwrap_or_default();
        let named: BTreeSet<RequestId> = d.requests.iter().copied().collect();
        if named != group {
            return Err(Rejection::not_allowed(format!(
                "the open requests sharing this tag are {}; the decision names {}",
                list(&group),
                list(&named)
            )));
        }
        // A deferred request awaits the closing of the preferred one, not a decision.
        let awaits = |id: &RequestId| {
            !self.competition.deferred.contains_key(id)
                && self.requests.get(id).is_some_and(|r| {
                    r.screening.iter().any(|c| {
                        c.check == Check::CompetingRequest
                            && matches!(c.outcome, Outcome::Awaiting { .. })
                    })
                })
        };
        if !d.requests.iter().any(awaits) {
            return Err(Rejection::not_allowed(format!(
                "no competition awaits a decision among {}",
                list(&named)
            )));
        }
        let others: BTreeSet<RequestId> = named
            .iter()
            .copied()
            .filter(|id| *id != d.preferred)
            .collect();
        for id in &others {
            if let Some(RequestStatus::InExchange(x)) = self.requests.get(id).map(|r| r.status) {
                return Err(Rejection::not_allowed(format!(
                    "request {id} is in exchange {x}: prefer it, or decide once it lapses"
                )));
            }
        }
        let factors = d
            .factors
            .iter()
            .map(Factor::as_str)
            .collect::<Vec<_>>()
            .join(", ");
        let preferred = d.preferred;
        if let Some(r) = self.requests.get_mut(&preferred) {
            let reason = if others.is_empty() {
                format!(
                    "decided by {me}: no other open request shares the tag (factors: {factors}; \
                     grounds sha256 {})",
                    d.grounds
                )
            } else {
                format!(
                    "preferred by {me} over {} (factors: {factors}; grounds sha256 {})",
                    list(&others),
                    d.grounds
                )
            };
            set_check(r, Outcome::Passed { reason }, Some(statement));
        }
        self.competition.deferred.remove(&preferred);
        let mut events = vec![Event::CompetitionDecided {
            preferred,
            others: d.others,
        }];
        for id in &others {
            let Some(r) = self.requests.get_mut(id) else {
                continue;
            };
            match d.others {
                Others::Refuse => {
                    set_check(
                        r,
                        Outcome::Failed {
                            reason: format!(
                                "{me} preferred request {preferred} (factors: {factors}; grounds \
                                 sha256 {})",
                                d.grounds
                            ),
                        },
                        Some(statement),
                    );
                    r.status = RequestStatus::Refused(RefusalGround::CompetingRequest);
                    events.push(Event::RequestScreenedOut {
                        request: *id,
                        check: Check::CompetingRequest,
                    });
                }
                Others::Defer => {
                    set_check(
                        r,
                        Outcome::Awaiting {
                            party: me,
                            role: Some(Role::Approver),
                            reason: format!(
                                "deferred by {me} in favour of request {preferred} (factors: \
                                 {factors}; grounds sha256 {}); reopens when it is closed",
                                d.grounds
                            ),
                        },
                        Some(statement),
                    );
                    self.competition.deferred.insert(*id, preferred);
                }
            }
        }
        Ok(events)
    }

    /// After every statement: a request that closed leaves the index of open tags, and the
    /// requests deferred in its favour await a new decision.
    pub(super) fn after_competition(&mut self, events: &mut Vec<Event>) {
        let mut closed = Vec::new();
        for e in events.iter() {
            match e {
                Event::RequestWithdrawn(r)
                | Event::RequestFulfilled(r)
                | Event::RequestScreenedOut { request: r, .. }
                | Event::RequestAnswered {
                    request: r,
                    answer: Answer::Refused { .. },
                } => closed.push(*r),
                _ => {}
            }
        }
        for id in closed {
            let Some(tag) = self.competition.tags.get(&id).copied() else {
                continue;
            };
            let Some(r) = self.requests.get(&id) else {
                continue;
            };
            if open(&r.status) {
                continue;
            }
            let custodian = r.metadata.custodian;
            if let Some(group) = self.competition.open.get_mut(&(custodian, tag)) {
                group.remove(&id);
                if group.is_empty() {
                    self.competition.open.remove(&(custodian, tag));
                }
            }
            self.competition.deferred.remove(&id);
            let reopened: Vec<RequestId> = self
                .competition
                .deferred
                .iter()
                .filter(|(_, p)| **p == id)
                .map(|(d, _)| *d)
                .collect();
            for d in reopened {
                self.competition.deferred.remove(&d);
                if let Some(r) = self.requests.get_mut(&d) {
                    set_check(
                        r,
                        Outcome::Awaiting {
                            party: custodian,
                            role: Some(Role::Approver),
                            reason: format!(
                                "reopened: request {id}, preferred over it, was closed; a \
                                 person of {custodian} decides anew"
                            ),
                        },
                        None,
                    );
                }
                events.push(Event::CompetitionReopened {
                    request: d,
                    preferred: id,
                });
            }
        }
    }

    /// Why the signature that makes `exchange` binding must be refused, if it must: one of its
    /// requests shares the subject's tag with a request in another binding exchange, or with
    /// another request of the same exchange.
    pub(super) fn second_binding(&self, exchange: &ExchangeId) -> Option<String> {
        let x = self.exchanges.get(exchange)?;
        for id in &x.proposal.cycle {
            let (Some(tag), Some(r)) = (self.competition.tags.get(id), self.requests.get(id))
            else {
                continue;
            };
            let Some(group) = self.competition.open.get(&(r.metadata.custodian, *tag)) else {
                continue;
            };
            for other in group.iter().filter(|o| *o != id) {
                let Some(RequestStatus::InExchange(y)) = self.requests.get(other).map(|q| q.status)
                else {
                    continue;
                };
                let binding = y == *exchange
                    || self
                        .exchanges
                        .get(&y)
                        .is_some_and(|e| e.status == ExchangeStatus::Binding);
                if binding {
                    let place = if y == *exchange {
                        "in this exchange too".to_string()
                    } else {
                        format!("in binding exchange {y}")
                    };
                    return Some(format!(
                        "request {id} names the same person to {} as request {other}, {place}: \
                         a person is never in two binding exchanges",
                        r.metadata.custodian
                    ));
                }
            }
        }
        None
    }
}
