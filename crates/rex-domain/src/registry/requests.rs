//! Requests: filing (with automatic screening), answering and withdrawing.

use super::{not_found, Event, Registry};
use crate::id::{Digest, PartyId, RequestId, UnixSeconds};
use crate::rejection::Rejection;
use crate::request::{Answer, DossierRef, Request, RequestMetadata, RequestStatus, Route};

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

    /// Automatic screening of a filing by `me`: the agreement is in force and admits both
    /// states, every offence is covered, the penalty meets the threshold; the own-national bar
    /// routes the request to prosecution at home, which the agreement must then count.
    fn screen(&self, me: PartyId, metadata: &RequestMetadata) -> Result<Route, Rejection> {
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

    /// `request_answered`: the custodian answers; a surrender or prosecution at home pools
    /// the request.
    pub(super) fn answer_request(
        &mut self,
        me: PartyId,
        request: &RequestId,
        answer: &Answer,
    ) -> Result<Vec<Event>, Rejection> {
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
