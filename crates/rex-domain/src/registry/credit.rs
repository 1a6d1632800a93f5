//! Deferred reciprocity ([`crate::CreditTerms`]): unconditional offers (`offer_made`,
//! `offer_withdrawn`), each state's committed balance, and the credit check of a round's
//! chains.
//!
//! A state's *committed balance* under an agreement is what it gives less what it receives
//! over the agreement's exchanges that have not lapsed (proposed, binding or completed), every
//! leg counted as if done: cycles move nothing, and each chain moves one handover of credit
//! from its last receiver to its offerer. It stays within `±max_outstanding`:
//! - an offer is refused when the offerer's balance plus its open offers would pass the limit,
//!   so every open offer can be used at once (a lapse can still return an offer whose request
//!   another chain had used in its middle; the matching then starts chains at only as many of
//!   a state's offers as its room allows, the first by request id);
//! - a round is refused when one of its chains would take its offerer above the limit or its
//!   last receiver below it, the round's earlier chains counted.

use super::{not_found, Event, Registry};
use crate::exchange::{ExchangeProposal, ExchangeStatus};
use crate::id::{AgreementId, PartyId, RequestId, UnixSeconds};
use crate::rejection::Rejection;
use crate::request::RequestStatus;
use std::collections::BTreeMap;

impl Registry {
    /// `party`'s committed balance under `agreement` (see the module notes): positive when it is
    /// owed handovers, negative when it owes.
    pub fn credit_balance(&self, agreement: &AgreementId, party: PartyId) -> i64 {
        self.credit_balances(agreement)
            .get(&party)
            .copied()
            .unwrap_or(0)
    }

    /// Every nonzero committed balance under `agreement`, by state.
    pub fn credit_balances(&self, agreement: &AgreementId) -> BTreeMap<PartyId, i64> {
        let mut balances = BTreeMap::new();
        for x in self
            .exchanges
            .values()
            .filter(|x| x.proposal.agreement == *agreement && x.status != ExchangeStatus::Lapsed)
        {
            if let Some((offerer, last)) = x.proposal.credit_moved() {
                *balances.entry(offerer).or_insert(0) += 1;
                *balances.entry(last).or_insert(0) -= 1;
            }
        }
        balances.retain(|_, b| *b != 0);
        balances
    }

    /// The requests under `agreement` on which `party` holds an open unconditional offer.
    pub fn open_offers(&self, agreement: &AgreementId, party: PartyId) -> Vec<RequestId> {
        self.requests
            .values()
            .filter(|r| {
                r.metadata.agreement == *agreement
                    && r.metadata.custodian == party
                    && r.open_offer()
            })
            .map(|r| r.id)
            .collect()
    }

    /// `offer_made`: the custodian offers a pooled request unconditionally, under an agreement
    /// with credit, within its limit counting its other open offers.
    pub(super) fn make_offer(
        &mut self,
        me: PartyId,
        request: &RequestId,
        now: UnixSeconds,
    ) -> Result<Vec<Event>, Rejection> {
        let r = self
            .requests
            .get(request)
            .ok_or_else(|| not_found("request", request))?;
        let custodian = r.metadata.custodian;
        let agreement = r.metadata.agreement;
        if custodian != me {
            return Err(Rejection::not_allowed(format!(
                "only the custodian {custodian} offers request {request}, not {me}"
            )));
        }
        if r.offered.is_some() {
            return Err(Rejection::not_allowed(format!(
                "request {request} is already offered"
            )));
        }
        if r.status != RequestStatus::Pooled {
            return Err(Rejection::not_allowed(format!(
                "only a request in the pool (answered surrender or prosecution at home) can be \
                 offered; {request} is not"
            )));
        }
        let limit = self
            .agreements
            .get(&agreement)
            .and_then(|a| a.terms.credit.as_ref())
            .map(|c| c.max_outstanding)
            .ok_or_else(|| {
                Rejection::not_allowed(format!(
                    "agreement {agreement} allows no credit, so no unconditional offer"
                ))
            })?;
        let balance = self.credit_balance(&agreement, me);
        let offers = self.open_offers(&agreement, me).len() as i64;
        if balance + offers + 1 > i64::from(limit) {
            return Err(Rejection::not_allowed(format!(
                "{me} is owed {balance} handovers and holds {offers} open offers under \
                 agreement {agreement}; one more would pass its credit limit of {limit}"
            )));
        }
        if let Some(r) = self.requests.get_mut(request) {
            r.offered = Some(now);
        }
        Ok(vec![Event::OfferMade { request: *request }])
    }

    /// `offer_withdrawn`: the custodian withdraws its offer of a request still in the pool.
    pub(super) fn withdraw_offer(
        &mut self,
        me: PartyId,
        request: &RequestId,
    ) -> Result<Vec<Event>, Rejection> {
        let r = self
            .requests
            .get_mut(request)
            .ok_or_else(|| not_found("request", request))?;
        if r.metadata.custodian != me {
            return Err(Rejection::not_allowed(format!(
                "only the custodian {} withdraws the offer of request {request}, not {me}",
                r.metadata.custodian
            )));
        }
        if r.offered.is_none() || r.status != RequestStatus::Pooled {
            return Err(Rejection::not_allowed(format!(
                "request {request} holds no offer that can still be withdrawn (offered and in \
                 the pool)"
            )));
        }
        r.offered = None;
        Ok(vec![Event::OfferWithdrawn { request: *request }])
    }

    /// Refuses a round whose chains, taken in order after the exchanges already committed,
    /// would take an offerer above its agreement's credit limit or a last receiver below it.
    pub(super) fn check_round_credit(
        &self,
        proposals: &[ExchangeProposal],
    ) -> Result<(), Rejection> {
        let mut balances: BTreeMap<AgreementId, BTreeMap<PartyId, i64>> = BTreeMap::new();
        for p in proposals {
            let Some((offerer, last)) = p.credit_moved() else {
                continue;
            };
            let limit = self
                .agreements
                .get(&p.agreement)
                .and_then(|a| a.terms.credit.as_ref())
                .map_or(0, |c| i64::from(c.max_outstanding));
            let b = balances
                .entry(p.agreement)
                .or_insert_with(|| self.credit_balances(&p.agreement));
            *b.entry(offerer).or_insert(0) += 1;
            *b.entry(last).or_insert(0) -= 1;
            for (party, what) in [(offerer, "be owed"), (last, "owe")] {
                let balance = b.get(&party).copied().unwrap_or(0);
                if balance.abs() > limit {
                    return Err(Rejection::not_allowed(format!(
                        "chain {} would have {party} {what} {} handovers under agreement {}, \
                         beyond its credit limit of {limit}",
                        p.id,
                        balance.abs(),
                        p.agreement
                    )));
                }
            }
        }
        Ok(())
    }
}
