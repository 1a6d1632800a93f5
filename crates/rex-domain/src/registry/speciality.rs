//! The rule of speciality and the bar on onward transfer, after a surrender: the giver's
//! `consent_given`, and the receiver's `prosecution_extended` and `onward_transferred`, each
//! refused unless the surrender or a consent of the giver covers it.

use super::{not_found, Event, Registry};
use crate::exchange::{Consent, Leg, LegKind, LegStage, Speciality};
use crate::id::{ExchangeId, PartyId, RequestId, UnixSeconds};
use crate::offence::Offence;
use crate::officer::Officers;
use crate::rejection::Rejection;

/// What a receiver does with a surrendered subject that speciality governs.
#[derive(Debug, Clone, Copy)]
pub(super) enum Act<'a> {
    /// Prosecution for these offences.
    Prosecute(&'a [Offence]),
    /// Transfer to this state.
    Transfer(PartyId),
}

fn canonical(offences: &[Offence]) -> Result<(), Rejection> {
    if offences.is_empty() || !offences.windows(2).all(|w| w[0] < w[1]) {
        return Err(Rejection::invalid(
            "offences",
            "give at least one offence category, sorted and without repeats",
        ));
    }
    Ok(())
}

impl Registry {
    /// The surrender leg of `request` in `exchange`, once delivered, with the offences it was
    /// surrendered for; `me` must be its `role` ("giver" or "receiver").
    fn delivered_leg(
        &self,
        me: PartyId,
        exchange: &ExchangeId,
        request: &RequestId,
        giver: bool,
    ) -> Result<(Leg, Vec<Offence>, Speciality), Rejection> {
        let x = self
            .exchanges
            .get(exchange)
            .ok_or_else(|| not_found("exchange", exchange))?;
        let i = x
            .leg_index(request)
            .ok_or_else(|| not_found("leg", format!("{exchange}/{request}")))?;
        let leg = x.proposal.legs[i];
        let (who, role) = if giver {
            (leg.giver, "giver")
        } else {
            (leg.receiver, "receiver")
        };
        if who != me {
            return Err(Rejection::not_allowed(format!(
                "only the {role} {who} acts under speciality on the leg of request {request}, \
                 not {me}"
            )));
        }
        if leg.kind != LegKind::Surrender
            || !matches!(x.stages[i], LegStage::Delivered | LegStage::Received)
        {
            return Err(Rejection::not_allowed(format!(
                "speciality governs a subject once surrendered; the leg of request {request} \
                 is {} {}",
                leg.kind.as_str(),
                x.stages[i].as_str()
            )));
        }
        let offences = self
            .requests
            .get(request)
            .map(|r| r.metadata.offences.clone())
            .ok_or_else(|| not_found("request", request))?;
        let record = x.speciality.get(request).cloned().unwrap_or_default();
        Ok((leg, offences, record))
    }

    fn speciality_mut(
        &mut self,
        exchange: &ExchangeId,
        request: &RequestId,
    ) -> Option<&mut Speciality> {
        Some(
            self.exchanges
                .get_mut(exchange)?
                .speciality
                .entry(*request)
                .or_default(),
        )
    }

    /// `consent_given`: the giver of a delivered surrender consents to prosecution for more
    /// offences, or to a transfer to a third state.
    pub(super) fn give_consent(
        &mut self,
        me: PartyId,
        exchange: &ExchangeId,
        request: &RequestId,
        consent: &Consent,
        acted_by: Officers,
        now: UnixSeconds,
    ) -> Result<Vec<Event>, Rejection> {
        let (leg, surrendered, record) = self.delivered_leg(me, exchange, request, true)?;
        match consent {
            Consent::Offences { offences } => {
                canonical(offences)?;
                if let Some(o) = offences
                    .iter()
                    .find(|o| surrendered.contains(o) || record.consented_offences.contains(o))
                {
                    return Err(Rejection::not_allowed(format!(
                        "{} is already covered on the leg of request {request}",
                        o.as_str()
                    )));
                }
            }
            Consent::OnwardTransfer { to } => {
                if !self.parties.contains_key(to) {
                    return Err(Rejection::UnknownParty(to.to_string()));
                }
                if *to == leg.receiver || record.consented_transfers.contains(to) {
                    return Err(Rejection::not_allowed(format!(
                        "a transfer to {to} needs no new consent on the leg of request {request}"
                    )));
                }
            }
        }
        self.step_act(exchange, me, acted_by, now);
        let s = self
            .speciality_mut(exchange, request)
            .ok_or_else(|| not_found("exchange", exchange))?;
        match consent {
            Consent::Offences { offences } => s.consented_offences.extend(offences),
            Consent::OnwardTransfer { to } => {
                s.consented_transfers.insert(*to);
            }
        }
        Ok(vec![Event::ConsentGiven {
            exchange: *exchange,
            request: *request,
        }])
    }

    /// `prosecution_extended` and `onward_transferred`: the receiver of a delivered surrender
    /// prosecutes the subject for offences, or transfers it, within what the surrender and the
    /// giver's consents cover.
    pub(super) fn speciality_act(
        &mut self,
        me: PartyId,
        exchange: &ExchangeId,
        request: &RequestId,
        act: Act<'_>,
        acted_by: Officers,
        now: UnixSeconds,
    ) -> Result<Vec<Event>, Rejection> {
        let (leg, surrendered, record) = self.delivered_leg(me, exchange, request, false)?;
        if let Some(to) = record.transferred_to {
            return Err(Rejection::not_allowed(format!(
                "the subject of request {request} was transferred to {to}"
            )));
        }
        match act {
            Act::Prosecute(offences) => {
                canonical(offences)?;
                if let Some(o) = offences
                    .iter()
                    .find(|o| !surrendered.contains(o) && !record.consented_offences.contains(o))
                {
                    return Err(Rejection::not_allowed(format!(
                        "speciality: {} is neither what request {request} surrendered the subject \
                         for nor consented to by {}; ask {} for its consent",
                        o.as_str(),
                        leg.giver,
                        leg.giver
                    )));
                }
            }
            Act::Transfer(to) => {
                if !record.consented_transfers.contains(&to) {
                    return Err(Rejection::not_allowed(format!(
                        "onward transfer to {to} needs the consent of {}, which surrendered the \
                         subject of request {request}",
                        leg.giver
                    )));
                }
            }
        }
        self.step_act(exchange, me, acted_by, now);
        let s = self
            .speciality_mut(exchange, request)
            .ok_or_else(|| not_found("exchange", exchange))?;
        Ok(match act {
            Act::Prosecute(offences) => {
                s.prosecuted_for.extend(offences);
                vec![Event::ProsecutionExtended {
                    exchange: *exchange,
                    request: *request,
                }]
            }
            Act::Transfer(to) => {
                s.transferred_to = Some(to);
                vec![Event::OnwardTransferred {
                    exchange: *exchange,
                    request: *request,
                    to,
                }]
            }
        })
    }

    /// Records `me`'s act on `exchange` with the officers who signed it.
    fn step_act(
        &mut self,
        exchange: &ExchangeId,
        me: PartyId,
        acted_by: Officers,
        now: UnixSeconds,
    ) {
        if let Some(x) = self.exchanges.get_mut(exchange) {
            x.acts.push(crate::exchange::ExchangeAct {
                party: me,
                step: None,
                at: now,
                acted_by,
            });
        }
    }
}
