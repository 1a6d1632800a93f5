//! Officers: certificates, revocations, the four-eyes requirement, and the check of a binding
//! act's officers' signatures ([`crate::officer`]).

use super::{not_found, Event, Registry};
use crate::dsse::Envelope;
use crate::id::{Actor, Digest, PartyId, UnixSeconds};
use crate::message::OfficerId;
use crate::officer::{
    check_roles, officer_message, Officer, OfficerKey, Officers, Role, Signing,
    MAX_OFFICER_VALIDITY_SECONDS,
};
use crate::rejection::Rejection;
use crate::statement::Statement;

/// The fields of an `officer_certified` statement.
pub(super) struct Certificate<'a> {
    pub party: PartyId,
    pub officer: &'a OfficerId,
    pub roles: &'a [Role],
    pub key: OfficerKey,
    pub not_before: UnixSeconds,
    pub not_after: UnixSeconds,
}

impl Registry {
    /// `officer_certified`: `me` certifies one of its officers' keys.
    pub(super) fn certify_officer(
        &mut self,
        me: PartyId,
        c: Certificate<'_>,
        now: UnixSeconds,
    ) -> Result<Vec<Event>, Rejection> {
        if c.party != me {
            return Err(Rejection::not_allowed(format!(
                "{me} cannot certify an officer of {}",
                c.party
            )));
        }
        check_roles(c.roles)?;
        let validity = |reason: String| Rejection::invalid("officer validity", reason);
        if c.not_after <= c.not_before {
            return Err(validity(format!(
                "not_after {} is not after not_before {}",
                c.not_after, c.not_before
            )));
        }
        if c.not_after - c.not_before > MAX_OFFICER_VALIDITY_SECONDS {
            return Err(validity(format!(
                "longer than {} days",
                MAX_OFFICER_VALIDITY_SECONDS / 86_400
            )));
        }
        if c.not_after <= now {
            return Err(validity(format!(
                "not_after {} has passed (now {now})",
                c.not_after
            )));
        }
        if self.officer(&me, c.officer).is_some() {
            // An id is certified once, revoked or not, so that a signature naming it names
            // one key for good; a new key takes a new id.
            return Err(Rejection::Conflict(format!(
                "officer {} of {me}",
                c.officer
            )));
        }
        if self
            .parties
            .values()
            .any(|p| *p.keys.signing_key() == c.key.0)
        {
            return Err(Rejection::invalid(
                "officer key",
                "it is a state's node key; an officer's key is its own",
            ));
        }
        if let Some(o) = self
            .officers
            .values()
            .flat_map(|o| o.values())
            .find(|o| o.key == c.key)
        {
            return Err(Rejection::Conflict(format!(
                "key {} (certified to officer {} of {})",
                c.key.keyid(),
                o.id,
                o.party
            )));
        }
        self.officers.entry(me).or_default().insert(
            c.officer.clone(),
            Officer {
                id: c.officer.clone(),
                party: me,
                roles: c.roles.to_vec(),
                key: c.key,
                not_before: c.not_before,
                not_after: c.not_after,
                certified_at: now,
                revoked_at: None,
            },
        );
        Ok(vec![Event::OfficerCertified {
            party: me,
            officer: c.officer.clone(),
        }])
    }

    /// `officer_revoked`: `me` revokes one of its officers, for good.
    pub(super) fn revoke_officer(
        &mut self,
        me: PartyId,
        officer: &OfficerId,
        now: UnixSeconds,
    ) -> Result<Vec<Event>, Rejection> {
        let o = self
            .officers
            .get_mut(&me)
            .and_then(|o| o.get_mut(officer))
            .ok_or_else(|| not_found("officer", format!("{officer} of {me}")))?;
        if o.revoked_at.is_some() {
            return Err(Rejection::not_allowed(format!(
                "officer {officer} of {me} is revoked already"
            )));
        }
        o.revoked_at = Some(now);
        Ok(vec![Event::OfficerRevoked {
            party: me,
            officer: officer.clone(),
        }])
    }

    /// `four_eyes_required`: from now on, `me`'s binding acts need two officers.
    pub(super) fn require_four_eyes(&mut self, me: PartyId) -> Result<Vec<Event>, Rejection> {
        if !self.four_eyes.insert(me) {
            return Err(Rejection::not_allowed(format!(
                "{me} requires four-eyes already"
            )));
        }
        Ok(vec![Event::FourEyesRequired(me)])
    }

    /// The officers' signatures on a statement whose signer's signature is checked: a message
    /// act naming a liaison officer carries that officer's signature (the envelope's second;
    /// refused as `officer_signature`); and the four-eyes rule: `acted_by` only
    /// on binding acts; officers where the state requires them; and named officers that are
    /// two, certified by the acting state, valid at `now`, in their roles, whose signatures
    /// (the envelope's second and third) verify. The envelope has three signatures exactly
    /// when the statement names officers ([`super::Prechecked::new`]). A signature found valid
    /// ahead under the certified key (`verified_under`, by [`super::precheck_all`]) is not
    /// verified again; under any other key, or none, it is verified here.
    pub(super) fn check_officers(
        &self,
        envelope: &Envelope,
        statement: &Statement,
        digest: Digest,
        verified_under: Option<[ed25519_dalek::VerifyingKey; 2]>,
        now: UnixSeconds,
    ) -> Result<(), Rejection> {
        let binding = statement.action.is_binding();
        let Actor::Party(me) = statement.actor else {
            return match statement.acted_by {
                None => Ok(()),
                Some(_) => Err(Rejection::invalid(
                    "statement",
                    "the hub's statements have no acted_by",
                )),
            };
        };
        if let Some(officer) = statement.action.message_officer() {
            self.check_officer_signature(
                envelope,
                me,
                Signing::Liaison,
                officer,
                1,
                digest,
                None,
                now,
            )
            .map_err(Rejection::OfficerSignature)?;
        }
        let (drafter, approver) = match (&statement.acted_by, binding) {
            (Some(_), false) => {
                return Err(Rejection::invalid(
                    "statement",
                    format!(
                        "acted_by is for binding acts only, not {}",
                        statement.action.name()
                    ),
                ))
            }
            (None | Some(Officers::NoOfficer), true) => {
                return if self.four_eyes.contains(&me) {
                    Err(Rejection::FourEyes(format!(
                        "{me} requires a drafter's and an approver's signatures on {}, and no \
                         officer signed",
                        statement.action.name()
                    )))
                } else {
                    Ok(())
                };
            }
            (None, false) => return Ok(()),
            (Some(Officers::FourEyes { drafter, approver }), true) => (drafter, approver),
        };
        if drafter == approver {
            return Err(Rejection::FourEyes(format!(
                "officer {drafter} is both drafter and approver; two distinct officers sign"
            )));
        }
        for (i, (signing, id)) in [(Signing::Drafter, drafter), (Signing::Approver, approver)]
            .into_iter()
            .enumerate()
        {
            let ahead = verified_under.map(|keys| keys[i]);
            self.check_officer_signature(envelope, me, signing, id, i + 1, digest, ahead, now)
                .map_err(Rejection::FourEyes)?;
        }
        Ok(())
    }

    /// One officer's signature on a statement of `me` with payload digest `digest`: `id` is an
    /// officer `me` certified, not revoked, valid at `now`, holding the role `signing` needs,
    /// and the envelope's signature `at` verifies strictly under its certified key over
    /// [`officer_message`] (or was found valid ahead under that key: `ahead`). Says what is
    /// wrong otherwise.
    #[allow(clippy::too_many_arguments)]
    fn check_officer_signature(
        &self,
        envelope: &Envelope,
        me: PartyId,
        signing: Signing,
        id: &OfficerId,
        at: usize,
        digest: Digest,
        ahead: Option<ed25519_dalek::VerifyingKey>,
        now: UnixSeconds,
    ) -> Result<(), String> {
        let who = format!("{} {id} of {me}", signing.as_str());
        let officer = self
            .officer(&me, id)
            .ok_or_else(|| format!("{who}: no such officer certified by {me}"))?;
        if let Some(at) = officer.revoked_at {
            return Err(format!("{who}: revoked at {at}"));
        }
        if now < officer.not_before {
            return Err(format!(
                "{who}: not valid before {} (now {now})",
                officer.not_before
            ));
        }
        if now >= officer.not_after {
            return Err(format!(
                "{who}: expired at {} (now {now})",
                officer.not_after
            ));
        }
        let (allowed, needed) = signing.allowed(&officer.roles);
        if !allowed {
            return Err(format!("{who}: holds no {needed} role"));
        }
        let message = officer_message(signing, me, id, &digest);
        let verified = ahead.is_some_and(|key| key == officer.key.0)
            || envelope.signatures.get(at).is_some_and(|s| {
                ed25519_dalek::Signature::from_slice(&s.sig)
                    .is_ok_and(|sig| officer.key.0.verify_strict(&message, &sig).is_ok())
            });
        if !verified {
            return Err(format!(
                "{who}: the envelope's signature {} does not verify under the officer's \
                 certified key as a {} signature of this statement",
                at + 1,
                signing.as_str()
            ));
        }
        Ok(())
    }
}
