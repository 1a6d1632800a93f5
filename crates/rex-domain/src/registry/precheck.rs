//! The parallel precheck: parsing, hashing and batch signature verification of many
//! envelopes ahead of a sequential replay.

use super::Registry;
use crate::dsse::{pae, Envelope};
use crate::id::{Actor, Digest, PartyId};
use crate::message::OfficerId;
use crate::officer::{officer_message, Officers, Signing};
use crate::rejection::Rejection;
use crate::statement::{Action, Statement};
use ed25519_dalek::VerifyingKey;
use std::collections::BTreeMap;

/// An envelope with the costly, registry-free part of [`Registry::apply`] done: its shape
/// checked, its statement parsed, its payload hashed and, optionally, its signature verified
/// under a candidate key. Building these for many envelopes parallelises ([`precheck_all`]);
/// applying them stays sequential. The fields are private to the registry, so a `Prechecked` that claims a
/// verified signature was verified.
#[derive(Debug, Clone)]
pub struct Prechecked {
    pub(super) envelope: Envelope,
    pub(super) statement: Statement,
    pub(super) digest: Digest,
    pub(super) verified_under: Option<VerifyingKey>,
    /// The keys under which the drafter's and the approver's signatures were found valid
    /// ahead ([`crate::officer::officer_message`] for the statement's actor, officers and
    /// digest), if they were checked.
    pub(super) officers_verified_under: Option<[VerifyingKey; 2]>,
}

impl Prechecked {
    /// Checks the envelope's shape and parses its statement; the signature is left for
    /// [`Prechecked::verify`] or for [`Registry::apply_prechecked`].
    pub fn new(envelope: Envelope) -> Result<Self, Rejection> {
        envelope.check_shape()?;
        let statement = Statement::from_bytes(&envelope.payload)?;
        let expected = statement.signatures();
        if envelope.signatures.len() != expected {
            return Err(Rejection::BadEnvelope(format!(
                "{} signatures for a statement {}",
                envelope.signatures.len(),
                match expected {
                    3 => "naming a drafter and an approver: three, the signer's first",
                    2 => "naming a liaison officer: two, the signer's first",
                    _ => "that names no officer: exactly one",
                }
            )));
        }
        Ok(Prechecked {
            digest: envelope.payload_digest(),
            envelope,
            statement,
            verified_under: None,
            officers_verified_under: None,
        })
    }

    /// Verifies the signature under `key` (the key the actor is expected to have) and
    /// remembers it if it holds. Returns whether it did.
    pub fn verify(&mut self, key: &VerifyingKey) -> bool {
        let ok = self.envelope.is_signed_by(key);
        self.verified_under = ok.then_some(*key);
        ok
    }

    /// Verifies the drafter's and the approver's signatures under `keys` (the keys their
    /// certificates are expected to hold) and remembers them if both hold. Returns whether
    /// they did; `false` for a statement that names no officers.
    pub fn verify_officers(&mut self, keys: [VerifyingKey; 2]) -> bool {
        let (Some(Officers::FourEyes { drafter, approver }), Actor::Party(party)) =
            (&self.statement.acted_by, self.statement.actor)
        else {
            return false;
        };
        let ok = [(Signing::Drafter, drafter), (Signing::Approver, approver)]
            .into_iter()
            .zip(&self.envelope.signatures[1..])
            .zip(keys)
            .all(|(((signing, officer), sig), key)| {
                let message = officer_message(signing, party, officer, &self.digest);
                ed25519_dalek::Signature::from_slice(&sig.sig)
                    .is_ok_and(|sig| key.verify_strict(&message, &sig).is_ok())
            });
        self.officers_verified_under = ok.then_some(keys);
        ok
    }

    /// The parsed statement.
    pub fn statement(&self) -> &Statement {
        &self.statement
    }

    /// The envelope.
    pub fn envelope(&self) -> &Envelope {
        &self.envelope
    }
}

/// Prechecks a run of envelopes, in order, on every core: parses every statement, then
/// verifies every signature under the key its actor is expected to hold: the hub's key, or the
/// key of the first `party_registered` statement for that state in `registry` or earlier in
/// `envelopes`. A wrong guess costs only speed: [`Registry::apply_prechecked`] then verifies
/// again under the key the registry really holds.
///
/// Signatures are verified in batches of [`PRECHECK_BATCH`] (`ed25519_dalek::verify_batch`,
/// about twice as fast per signature); a batch that fails is verified one by one with
/// `verify_strict`, so a bad signature is still found and named. Batch verification accepts
/// every signature `verify_strict` accepts, and a few more that only the key's holder can
/// make (a small-order or torsioned `R`); it never accepts a forgery under a registered key
/// (registered keys are never small-order). The hub checks every submission strictly, so an
/// honest hub's log holds none of those.
///
/// A binding act's officers' signatures are verified ahead too (strictly, in parallel), under
/// the keys certified for them in `registry` or earlier in `envelopes`; `apply_prechecked`
/// verifies again under the key the registry holds whenever that guess was wrong or absent.
pub fn precheck_all(
    registry: &Registry,
    envelopes: Vec<Envelope>,
) -> Vec<Result<Prechecked, Rejection>> {
    use rayon::prelude::*;
    let mut checked: Vec<Result<Prechecked, Rejection>> =
        envelopes.into_par_iter().map(Prechecked::new).collect();
    let mut keys: BTreeMap<PartyId, VerifyingKey> = registry
        .parties
        .iter()
        .map(|(id, p)| (*id, *p.keys.signing_key()))
        .collect();
    for c in checked.iter().flatten() {
        if let (Actor::Hub, Action::PartyRegistered { keys: file }) =
            (c.statement.actor, &c.statement.action)
        {
            keys.entry(file.party()).or_insert(*file.signing_key());
        }
    }
    let hub_key = registry.hub_key;
    let key_of = |c: &Prechecked| match c.statement.actor {
        Actor::Hub => Some(hub_key),
        Actor::Party(p) => keys.get(&p).copied(),
    };
    // Officers' keys the same way: those certified in `registry` or earlier in `envelopes`
    // (an id is certified once, so the first certificate is the one).
    let mut officer_keys: BTreeMap<(PartyId, OfficerId), VerifyingKey> = registry
        .officers
        .iter()
        .flat_map(|(p, os)| os.values().map(move |o| ((*p, o.id.clone()), o.key.0)))
        .collect();
    for c in checked.iter().flatten() {
        if let (Actor::Party(p), Action::OfficerCertified { officer, key, .. }) =
            (c.statement.actor, &c.statement.action)
        {
            officer_keys.entry((p, officer.clone())).or_insert(key.0);
        }
    }
    checked.par_iter_mut().flatten().for_each(|c| {
        if let (Some(Officers::FourEyes { drafter, approver }), Actor::Party(p)) =
            (&c.statement.acted_by, c.statement.actor)
        {
            let d = officer_keys.get(&(p, drafter.clone()));
            let a = officer_keys.get(&(p, approver.clone()));
            if let (Some(d), Some(a)) = (d, a) {
                c.verify_officers([*d, *a]);
            }
        }
    });
    checked.par_chunks_mut(PRECHECK_BATCH).for_each(|chunk| {
        let batch: Vec<(&mut Prechecked, VerifyingKey)> = chunk
            .iter_mut()
            .flatten()
            .filter_map(|c| key_of(c).map(|k| (c, k)))
            .collect();
        verify_batch(batch);
    });
    checked
}

/// Envelopes whose signatures [`precheck_all`] verifies together.
pub const PRECHECK_BATCH: usize = 64;

/// Verifies each envelope's signature under its key: all at once, or one by one if that fails.
fn verify_batch(mut batch: Vec<(&mut Prechecked, VerifyingKey)>) {
    let messages: Vec<Vec<u8>> = batch
        .iter()
        .map(|(c, _)| pae(c.envelope.payload_type.as_bytes(), &c.envelope.payload))
        .collect();
    let signatures: Option<Vec<ed25519_dalek::Signature>> = batch
        .iter()
        .map(|(c, _)| ed25519_dalek::Signature::from_slice(&c.envelope.signatures[0].sig).ok())
        .collect();
    let keys: Vec<VerifyingKey> = batch.iter().map(|(_, k)| *k).collect();
    let all_good = !keys.iter().any(VerifyingKey::is_weak)
        && signatures.is_some_and(|signatures| {
            let messages: Vec<&[u8]> = messages.iter().map(Vec::as_slice).collect();
            ed25519_dalek::verify_batch(&messages, &signatures, &keys).is_ok()
        });
    for (c, key) in &mut batch {
        if all_good {
            c.verified_under = Some(*key);
        } else {
            c.verify(key);
        }
    }
}
