//! The law in the loop ([`crate::law`]): publishing a state's profile, raising a check for a
//! person to decide, the custodian node's evaluation of the dossier rules, and a person's
//! decision.

use super::{not_found, Event, Registry};
use crate::id::{Digest, PartyId, RequestId, UnixSeconds};
use crate::law::{
    Check, CheckRecord, Evaluation, Outcome, ProfileVersion, StateProfile, Verdict, MAX_REASON_LEN,
};
use crate::officer::Role;
use crate::rejection::Rejection;
use crate::request::{RefusalGround, RequestStatus};

impl Registry {
    /// `profile_published`: `me` publishes a new version of its profile.
    pub(super) fn publish_profile(
        &mut self,
        me: PartyId,
        profile: &StateProfile,
        now: UnixSeconds,
    ) -> Result<Vec<Event>, Rejection> {
        let versions = self.profiles.entry(me).or_default();
        let version = versions.last().map_or(1, |v| v.version + 1);
        versions.push(ProfileVersion {
            version,
            since: now,
            profile: profile.clone(),
        });
        Ok(vec![Event::ProfilePublished { party: me, version }])
    }

    /// `screening_raised`: the custodian of an open request raises a check for its person to
    /// decide. Only a person's check, once, while the request awaits its answer.
    pub(super) fn raise_check(
        &mut self,
        me: PartyId,
        request: &RequestId,
        check: Check,
    ) -> Result<Vec<Event>, Rejection> {
        if check == Check::CompetingRequest {
            return Err(Rejection::not_allowed(
                "competing_request is raised by equal subject tags (subject_tagged), not by hand",
            ));
        }
        if !check.raisable() {
            return Err(Rejection::not_allowed(format!(
                "{check} is computed by the hub from the metadata; a person decides only \
                 political_offence, persecution_risk, protection_status or \
                 conduct_dual_criminality"
            )));
        }
        let r = self.open_request_of_custodian(me, request, " raises a check on")?;
        if r.screening.iter().any(|c| c.check == check) {
            return Err(Rejection::Conflict(format!(
                "check {check} on request {request}"
            )));
        }
        let r = self
            .requests
            .get_mut(request)
            .ok_or_else(|| not_found("request", request))?;
        r.screening.push(CheckRecord {
            check,
            outcome: Outcome::Awaiting {
                party: me,
                role: Some(Role::Approver),
                reason: format!("raised by {me}: a person of {me} decides"),
            },
            decision: None,
        });
        r.screening.sort_by_key(|c| c.check);
        Ok(vec![Event::ScreeningRaised {
            request: *request,
            check,
        }])
    }

    /// `screening_evaluated`: the custodian's node signs its verdicts on the checks that await
    /// it (no role: the node's own); a referred check then awaits a person of the custodian,
    /// and a failed one refuses the request.
    pub(super) fn record_evaluations(
        &mut self,
        me: PartyId,
        request: &RequestId,
        evaluations: &[Evaluation],
        statement: Digest,
    ) -> Result<Vec<Event>, Rejection> {
        let r = self.open_request_of_custodian(me, request, "'s node evaluates")?;
        if evaluations.is_empty() || !evaluations.windows(2).all(|w| w[0].check < w[1].check) {
            return Err(Rejection::invalid(
                "evaluations",
                "at least one, in catalogue order, one per check",
            ));
        }
        for e in evaluations {
            if e.reason.trim().is_empty()
                || e.reason.len() > MAX_REASON_LEN
                || e.reason.chars().any(char::is_control)
            {
                return Err(Rejection::invalid(
                    "evaluations",
                    format!(
                        "the reason of {} must be 1 to {MAX_REASON_LEN} printable bytes",
                        e.check
                    ),
                ));
            }
            let awaits_node = r.screening.iter().any(|c| {
                c.check == e.check
                    && matches!(&c.outcome, Outcome::Awaiting { party, role: None, .. } if *party == me)
            });
            if !awaits_node {
                return Err(Rejection::not_allowed(format!(
                    "check {} on request {request} does not await {me}'s node",
                    e.check
                )));
            }
        }
        let r = self
            .requests
            .get_mut(request)
            .ok_or_else(|| not_found("request", request))?;
        let mut failed = None;
        for e in evaluations {
            for c in r.screening.iter_mut().filter(|c| c.check == e.check) {
                let reason = format!("{me}'s node: {}", e.reason);
                c.outcome = match e.verdict {
                    Verdict::Passed => Outcome::Passed { reason },
                    Verdict::Failed => {
                        failed.get_or_insert(e.check);
                        Outcome::Failed { reason }
                    }
                    Verdict::Referred => Outcome::Awaiting {
                        party: me,
                        role: Some(Role::Approver),
                        reason,
                    },
                };
                c.decision = Some(statement);
            }
        }
        let mut events = vec![Event::ScreeningEvaluated { request: *request }];
        if let Some(check) = failed {
            r.status = RequestStatus::Refused(RefusalGround::Screening);
            events.push(Event::RequestScreenedOut {
                request: *request,
                check,
            });
        }
        Ok(events)
    }

    /// `decision_recorded`: the state a check awaits decides it. A failed decision refuses the
    /// request, naming the check.
    pub(super) fn record_decision(
        &mut self,
        me: PartyId,
        request: &RequestId,
        check: Check,
        passed: bool,
        grounds: Digest,
        statement: Digest,
    ) -> Result<Vec<Event>, Rejection> {
        if check == Check::CompetingRequest {
            return Err(Rejection::not_allowed(
                "a competing request is decided by competition_decided, naming every request \
                 that shares the tag",
            ));
        }
        let r = self
            .requests
            .get(request)
            .ok_or_else(|| not_found("request", request))?;
        let Some(record) = r.screening.iter().find(|c| c.check == check) else {
            return Err(Rejection::not_allowed(format!(
                "check {check} is not raised on request {request}"
            )));
        };
        let Outcome::Awaiting { party, role, .. } = &record.outcome else {
            return Err(Rejection::not_allowed(format!(
                "check {check} on request {request} is already decided"
            )));
        };
        if role.is_none() {
            return Err(Rejection::not_allowed(format!(
                "check {check} on request {request} awaits {party}'s node, which evaluates it \
                 on the dossier (screening_evaluated); a person decides only what it refers"
            )));
        }
        if *party != me {
            return Err(Rejection::not_allowed(format!(
                "check {check} on request {request} awaits {party}'s decision, not {me}'s"
            )));
        }
        if r.status != RequestStatus::AwaitingAnswer {
            return Err(Rejection::not_allowed(format!(
                "request {request} is not awaiting an answer"
            )));
        }
        let r = self
            .requests
            .get_mut(request)
            .ok_or_else(|| not_found("request", request))?;
        for c in r.screening.iter_mut().filter(|c| c.check == check) {
            let grounds = grounds.to_string();
            c.outcome = if passed {
                Outcome::Passed {
                    reason: format!("decided by {me}, grounds sha256 {grounds}"),
                }
            } else {
                Outcome::Failed {
                    reason: format!("decided by {me}, grounds sha256 {grounds}"),
                }
            };
            c.decision = Some(statement);
        }
        let mut events = vec![Event::DecisionRecorded {
            request: *request,
            check,
            passed,
        }];
        if !passed {
            r.status = RequestStatus::Refused(RefusalGround::Screening);
            events.push(Event::RequestScreenedOut {
                request: *request,
                check,
            });
        }
        Ok(events)
    }
}
