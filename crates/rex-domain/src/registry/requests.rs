//! Requests: filing (with the screening catalogue's metadata rules), answering and withdrawing.

use super::{not_found, Event, Registry};
use crate::id::{Digest, PartyId, RequestId, UnixSeconds};
use crate::law::{self, CheckRecord, Outcome, ProfilesUsed};
use crate::rejection::Rejection;
use crate::request::{
    Answer, DossierRef, RefusalGround, Request, RequestMetadata, RequestStatus, Route,
};

impl Registry {
    /// `request_filed`: the requester files a request, screened against its agreement.
    pub(super) fn file_request(
        &mut self,
        me: PartyId,
        metadata: &RequestMetadata,
        dossier: &DossierRef,
        digest: Digest,
        now: UnixSeconds,
    ) -> Result<Vec<Event>, Rejection> {
        if metadata.requester != me {
            return Err(Rejection::not_allowed(format!(
                "{me} cannot file a request as requester {}",
                metadata.requester
            )));
        }
        if dossier.size == 0 {
            return Err(Rejection::invalid("dossier", "empty"));
        }
        let (route, screening, profiles) = self.screen(me, metadata)?;
        self.check_not_suspended(me, &metadata.agreement)?;
        let answer_due = self
            .agreements
            .get(&metadata.agreement)
            .and_then(|a| a.terms.deadlines)
            .map(|d| now.saturating_add(crate::agreement::days(d.answer_days)));
        let id = RequestId::from_digest(&digest);
        if self.requests.contains_key(&id) {
            return Err(Rejection::Conflict(format!("request {id}")));
        }
        let failed = screening
            .iter()
            .find(|c| matches!(c.outcome, Outcome::Failed { .. }))
            .map(|c| c.check);
        self.requests.insert(
            id,
            Request {
                id,
                metadata: metadata.clone(),
                dossier: *dossier,
                filed_at: now,
                route,
                screening,
                profiles,
                answer: None,
                answer_due,
                extension: None,
                offered: None,
                status: match failed {
                    Some(_) => RequestStatus::Refused(RefusalGround::Screening),
                    None => RequestStatus::AwaitingAnswer,
                },
            },
        );
        let mut events = vec![Event::RequestFiled(id)];
        if let Some(check) = failed {
            events.push(Event::RequestScreenedOut { request: id, check });
        }
        Ok(events)
    }

    /// Screening of a filing by `me`. An unknown agreement, or a requester outside it, is
    /// refused outright (there is nothing to screen); otherwise the catalogue's metadata rules
    /// run against the profiles in force ([`crate::law::screen`]) and are recorded, failed ones
    /// included.
    fn screen(
        &self,
        me: PartyId,
        metadata: &RequestMetadata,
    ) -> Result<(Route, Vec<CheckRecord>, ProfilesUsed), Rejection> {
        let id = metadata.agreement;
        let a = self
            .agreements
            .get(&id)
            .ok_or_else(|| not_found("agreement", id))?;
        if !a.terms.is_member(me) {
            return Err(Rejection::NotMember {
                actor: me.to_string(),
                what: format!("agreement {id}"),
            });
        }
        let requester = self.profile(&metadata.requester);
        let custodian = self.profile(&metadata.custodian);
        let records = law::screen(law::Screen {
            metadata,
            terms: &a.terms,
            in_force: a.in_force(),
            requester: requester.map(|p| &p.profile),
            custodian: custodian.map(|p| &p.profile),
        });
        let route = if law::prosecution_only(metadata, custodian.map(|p| &p.profile)) {
            Route::ProsecutionOnly
        } else {
            Route::Any
        };
        let used = ProfilesUsed {
            requester: requester.map(|p| p.version),
            custodian: custodian.map(|p| p.version),
        };
        Ok((route, records, used))
    }

    /// Request `request`, when `me` is its custodian and it awaits an answer; otherwise the
    /// refusal, which says what only the custodian does (`act`: `" answers"`, `"'s node
    /// evaluates"`, …).
    pub(super) fn open_request_of_custodian(
        &self,
        me: PartyId,
        request: &RequestId,
        act: &str,
    ) -> Result<&Request, Rejection> {
        let r = self
            .requests
            .get(request)
            .ok_or_else(|| not_found("request", request))?;
        if r.metadata.custodian != me {
            return Err(Rejection::not_allowed(format!(
                "only the custodian {}{act} request {request}, not {me}",
                r.metadata.custodian
            )));
        }
        if r.status != RequestStatus::AwaitingAnswer {
            return Err(Rejection::not_allowed(format!(
                "request {request} is not awaiting an answer"
            )));
        }
        Ok(r)
    }

    /// `request_answered`: the custodian answers; a surrender or prosecution at home pools
    /// the request.
    pub(super) fn answer_request(
        &mut self,
        me: PartyId,
        request: &RequestId,
        answer: &Answer,
    ) -> Result<Vec<Event>, Rejection> {
        let r = self.open_request_of_custodian(me, request, " answers")?;
        if let Answer::Refused {
            ground: RefusalGround::Screening,
        } = answer
        {
            return Err(Rejection::invalid(
                "answer",
                "the screening ground is the catalogue's own; refuse with the ground that applies",
            ));
        }
        if answer.is_exchangeable() {
            if let Some(c) = r.blocking_check() {
                return Err(Rejection::not_allowed(match &c.outcome {
                    Outcome::Awaiting {
                        party, role: None, ..
                    } => format!(
                        "request {request} cannot be answered as exchangeable: check {} awaits \
                         {party}'s node (screening_evaluated)",
                        c.check
                    ),
                    Outcome::Awaiting { party, .. } => format!(
                        "request {request} cannot be answered as exchangeable: check {} awaits \
                         a decision by {party}",
                        c.check
                    ),
                    _ => format!(
                        "request {request} cannot be answered as exchangeable: check {} failed",
                        c.check
                    ),
                }));
            }
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

    /// `request_withdrawn`: the requester withdraws a request not yet in an exchange.
    pub(super) fn withdraw_request(
        &mut self,
        me: PartyId,
        request: &RequestId,
    ) -> Result<Vec<Event>, Rejection> {
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
}
