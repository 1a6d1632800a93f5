//! Parties and agreements: registering a state, proposing and signing an agreement.

use super::{not_found, Event, Party, Registry};
use crate::agreement::{Agreement, AgreementTerms, MAX_SIGNING_SECONDS};
use crate::id::{AgreementId, Digest, PartyId, UnixSeconds};
use crate::keys::{KeyId, PublicKeyFile};
use crate::rejection::Rejection;
use crate::witness::{WitnessPolicy, MAX_WITNESSES};
use std::collections::BTreeSet;

impl Registry {
    /// `witness_policy_set`: a state says whose cosignatures make a checkpoint final for it.
    /// A threshold policy lists registered states other than itself, sorted, without
    /// duplicates, at most [`MAX_WITNESSES`], and asks for at least one and at most all.
    pub(super) fn set_witness_policy(
        &mut self,
        me: PartyId,
        policy: &WitnessPolicy,
    ) -> Result<Vec<Event>, Rejection> {
        if let WitnessPolicy::Threshold {
            witnesses,
            threshold,
        } = policy
        {
            let invalid = |reason: String| Rejection::Invalid {
                what: "witness policy",
                reason,
            };
            if witnesses.is_empty() || witnesses.len() > MAX_WITNESSES {
                return Err(invalid(format!(
                    "a threshold policy lists 1 to {MAX_WITNESSES} witnesses, not {}",
                    witnesses.len()
                )));
            }
            if !witnesses.windows(2).all(|w| w[0] < w[1]) {
                return Err(invalid(
                    "the witnesses must be sorted, without duplicates".into(),
                ));
            }
            if witnesses.contains(&me) {
                return Err(invalid(format!("{me} cannot witness its own checkpoints")));
            }
            if let Some(w) = witnesses.iter().find(|w| !self.parties.contains_key(w)) {
                return Err(Rejection::UnknownParty(w.to_string()));
            }
            let n = witnesses.len();
            if *threshold == 0 || *threshold as usize > n {
                return Err(invalid(format!(
                    "threshold {threshold} is not between 1 and the {n} witnesses listed"
                )));
            }
        }
        let party = self
            .parties
            .get_mut(&me)
            .ok_or_else(|| Rejection::UnknownParty(me.to_string()))?;
        party.witness_policy = policy.clone();
        Ok(vec![Event::WitnessPolicySet(me)])
    }

    /// `party_registered`: the hub registers a state's public keys.
    pub(super) fn register(
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
                witness_policy: WitnessPolicy::default(),
            },
        );
        Ok(vec![Event::PartyRegistered(p)])
    }

    /// `agreement_proposed`: a member proposes terms and signs them by proposing.
    pub(super) fn propose_agreement(
        &mut self,
        me: PartyId,
        terms: &AgreementTerms,
        digest: Digest,
        now: UnixSeconds,
    ) -> Result<Vec<Event>, Rejection> {
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
        if terms.signing_deadline - now > MAX_SIGNING_SECONDS {
            return Err(Rejection::invalid(
                "agreement terms",
                format!(
                    "signing deadline {} must be at most {} days after the proposal ({now})",
                    terms.signing_deadline,
                    MAX_SIGNING_SECONDS / 86_400
                ),
            ));
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

    /// `agreement_signed`: a member signs; the last signature puts the agreement in force.
    pub(super) fn sign_agreement(
        &mut self,
        me: PartyId,
        agreement: &AgreementId,
        now: UnixSeconds,
    ) -> Result<Vec<Event>, Rejection> {
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
}
