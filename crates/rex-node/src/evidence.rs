//! The evidence of one statement: what the desk's evidence view shows, and the bundle that a
//! court checks years later without the hub.
//!
//! **On the node** ([`Node::statement_evidence`]): the entry at an index is fetched from the
//! hub with the hub's inclusion proof, and the proof is verified here against a checkpoint this
//! node verified itself (its last final checkpoint when that covers the entry, else the one it
//! holds): the hub's word is never taken, and a proof that does not verify is reported as
//! such, not as an error that hides it. Signers are checked under the keys of the node's own
//! replay: the state's node key, and each officer's certified key, role and validity at the
//! hub's acceptance time.
//!
//! **The bundle** ([`Bundle`], format [`BUNDLE_FORMAT`]) is one JSON file:
//!
//! ```json
//! {"format":"rex-evidence/v1",
//!  "about":"entry 12: US seq 4 request_answered",
//!  "checkpoint":"<the signed checkpoint note, with every cosignature the node holds>",
//!  "statement":{"index":12,"entry":"<the log entry, exactly>","inclusion":["<base64>", …]},
//!  "support":[{"index":0,"entry":"…","inclusion":[…]}, …]}
//! ```
//!
//! `entry` is the log entry's bytes exactly (`{"time":…,"envelope":<DSSE envelope>}`, ASCII
//! JSON, so a JSON string holds it byte for byte); `inclusion` is its RFC 6962 inclusion proof
//! in the checkpoint's tree. `support` holds the statements the signatures rest on, each with
//! its own inclusion proof in the same tree: the `party_registered` statement of the signing
//! state and of every state whose cosignature the note carries (signed by the hub's statement
//! key), and the `officer_certified` statement of each officer named, with its
//! `officer_revoked` when there is one. That is at most a few entries: the bundle is bounded
//! whatever the log's size. `about` is for people and is not trusted.
//!
//! [`verify_bundle`] checks it offline under keys pinned from outside the hub ([`Trust`]):
//! the checkpoint under the pinned checkpoint key; every entry's inclusion; the registrations
//! under the pinned statement key; the statement's signature under its state's registered key
//! (or the hub's under the pinned statement key); each officer's signature under its certified
//! key, certified before the statement, valid and in its role at the acceptance time, and not
//! revoked before it by a revocation in the bundle; and a quorum of the pinned witnesses'
//! cosignatures. What a bundle cannot show is a revocation it leaves out: the hub refused the
//! statement if the officer had been revoked, and every full replay (`rex log verify`) checks
//! that again.

use crate::audit::{cosigners, fetch_entries, parse_entry, LogEntry};
use crate::client::{decode_hashes, HubClient};
use crate::node::Node;
use crate::trust::Trust;
use crate::Error;
use rex_domain::officer::officer_message;
use rex_domain::{
    Action, Actor, Digest, ExchangeId, MessageId, OfficerId, Officers, PartyId, Registry,
    RequestId, Role, Signing, Statement, STATEMENT_PAYLOAD_TYPE,
};
use rex_tlog::{leaf_hash, verify_inclusion, Checkpoint, Hash, SignedNote, VerifyingKey};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The `format` of an evidence bundle.
pub const BUNDLE_FORMAT: &str = "rex-evidence/v1";

/// The largest bundle [`verify_bundle`] reads: a statement is at most 1 MiB, and the support
/// entries are few.
pub const MAX_BUNDLE_BYTES: usize = 16 << 20;

/// The most support entries a bundle may carry.
pub const MAX_SUPPORT: usize = 256;

/// One statement of the log as a page lists it: where it is, who signed it, what it concerns.
/// Read from entries the node's sync verified (each hashes to its leaf under a checkpoint).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Logged {
    /// The leaf index.
    pub index: u64,
    /// The hub's acceptance time.
    pub time: u64,
    /// The signer.
    pub actor: Actor,
    /// Its sequence number.
    pub seq: u64,
    /// The action's name.
    pub action: &'static str,
    /// The payload's SHA-256.
    pub digest: Digest,
    /// The requests it concerns (filed, answered, or a leg of).
    pub requests: Vec<RequestId>,
    /// The exchanges it concerns (proposed, signed, executed).
    pub exchanges: Vec<ExchangeId>,
    /// The messages it concerns (sent, or a receipt of).
    pub messages: Vec<MessageId>,
    /// The state it registers (`party_registered`).
    pub registers: Option<PartyId>,
    /// The officers it certifies or revokes, or who signed it (drafter, approver).
    pub officers: Vec<OfficerId>,
}

impl Logged {
    /// What the entry at `index` says, without checking its signatures (the sync checked the
    /// entry against the tree; the replay checked the signatures).
    pub fn of(index: u64, entry: &LogEntry) -> Option<Logged> {
        let statement = Statement::from_bytes(&entry.envelope.payload).ok()?;
        let digest = entry.envelope.payload_digest();
        let mut l = Logged {
            index,
            time: entry.time,
            actor: statement.actor,
            seq: statement.seq,
            action: statement.action.name(),
            digest,
            requests: Vec::new(),
            exchanges: Vec::new(),
            messages: Vec::new(),
            registers: None,
            officers: Vec::new(),
        };
        if let Some(Officers::FourEyes { drafter, approver }) = &statement.acted_by {
            l.officers = vec![drafter.clone(), approver.clone()];
        }
        if let Some((x, r, _)) = statement.action.leg_step() {
            l.exchanges.push(x);
            l.requests.push(r);
        }
        match statement.action {
            Action::PartyRegistered { keys } => l.registers = Some(keys.party()),
            Action::MatchingRound { proposals } => {
                for p in proposals {
                    l.exchanges.push(p.id);
                    l.requests.extend(p.legs.iter().map(|leg| leg.request));
                }
            }
            Action::ExchangeLapsed { exchange }
            | Action::Go { exchange }
            | Action::ExchangeSigned { exchange, .. } => l.exchanges.push(exchange),
            Action::BreachRecorded { exchange, request } => {
                l.exchanges.push(exchange);
                l.requests.push(request);
            }
            Action::RequestFiled { .. } => l.requests.push(RequestId::from_digest(&digest)),
            Action::RequestAnswered { request, .. }
            | Action::RequestWithdrawn { request }
            | Action::ScreeningRaised { request, .. }
            | Action::ScreeningEvaluated { request, .. }
            | Action::DecisionRecorded { request, .. }
            | Action::AnswerExtended { request, .. }
            | Action::SubjectTagged { request, .. }
            | Action::OfferMade { request }
            | Action::OfferWithdrawn { request } => {
                l.requests.push(request);
            }
            Action::ReleaseRecorded {
                exchange, request, ..
            }
            | Action::ConsentGiven {
                exchange, request, ..
            }
            | Action::ProsecutionExtended {
                exchange, request, ..
            }
            | Action::OnwardTransferred {
                exchange, request, ..
            } => {
                l.exchanges.push(exchange);
                l.requests.push(request);
            }
            Action::DeadlineMissed { deadline } => {
                l.requests.push(deadline.request());
                if let rex_domain::Deadline::Surrender { exchange, .. }
                | rex_domain::Deadline::Milestone { exchange, .. } = deadline
                {
                    l.exchanges.push(exchange);
                }
            }
            Action::MessageSent { .. } => l.messages.push(MessageId::from_digest(&digest)),
            Action::MessageDelivered { message }
            | Action::MessageRead { message, .. }
            | Action::MessageAcknowledged { message, .. }
            | Action::MessageRejected { message, .. }
            | Action::MessageNotAcknowledged { message, .. } => l.messages.push(message),
            Action::OfficerCertified { officer, .. } | Action::OfficerRevoked { officer } => {
                l.officers.push(officer);
            }
            Action::CompetitionDecided { requests, .. } => l.requests.extend(requests),
            _ => {}
        }
        Some(l)
    }
}

/// The statements of a run of verified entries, from index `first` on.
pub fn index_entries(first: u64, entries: &[LogEntry]) -> Vec<Logged> {
    entries
        .iter()
        .enumerate()
        .filter_map(|(k, e)| Logged::of(first + k as u64, e))
        .collect()
}

/// One signature of a statement, as the node checked it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signer {
    /// `US's node`, `the hub`, or the officer's id.
    pub who: String,
    /// `node key`, `hub statement key`, `drafter`, `approver`.
    pub signed_as: String,
    /// The key's id (hex SHA-256 of the public key).
    pub key: String,
    /// The officer's certified roles, for an officer.
    pub roles: Vec<Role>,
    /// The index of the officer's `officer_certified` statement (or of the state's
    /// registration), when the node's log index shows it.
    pub certified_at: Option<u64>,
    /// The index of the officer's `officer_revoked` statement, if any.
    pub revoked_at: Option<u64>,
    /// Whether the signature verifies under that key and, for an officer, the certificate
    /// was valid, unrevoked and in the role at the statement's acceptance time.
    pub valid: bool,
    /// What the node found, in words.
    pub state: String,
}

/// Where a statement's inclusion stands, as the node checked the hub's proof.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Inclusion {
    /// The hub's proof leads from the entry to the checkpoint's root.
    Verified,
    /// It does not, or the hub did not serve it: why.
    Failed(String),
}

/// The evidence of one statement, checked on the node ([`Node::statement_evidence`]).
#[derive(Debug, Clone)]
pub struct StatementEvidence {
    /// The leaf index.
    pub index: u64,
    /// The entry as the hub served it.
    pub entry: LogEntry,
    /// Its bytes.
    pub raw: Vec<u8>,
    /// The statement.
    pub statement: Statement,
    /// The payload's SHA-256 (the statement's digest).
    pub digest: Digest,
    /// The entry's leaf hash.
    pub leaf: Hash,
    /// The checkpoint the inclusion was checked against.
    pub checkpoint: Checkpoint,
    /// Its note, with the cosignatures the node holds.
    pub note: SignedNote,
    /// Whether that checkpoint is final for this state (a quorum of its witnesses).
    pub is_final: bool,
    /// The hub's inclusion proof, checked.
    pub inclusion: Inclusion,
    /// The proof itself (empty when it failed).
    pub proof: Vec<Hash>,
    /// The registered states whose cosignature on the checkpoint verifies.
    pub cosigned_by: Vec<PartyId>,
    /// Every signature of the envelope.
    pub signers: Vec<Signer>,
    /// The statements the signatures rest on, each with its proof, for the bundle: the
    /// registration of the signer and of each cosigner, the officers' certifications and
    /// revocations. `Err` names a support entry whose proof failed.
    pub support: Result<Vec<Proven>, String>,
}

/// An entry with its inclusion proof, as a bundle carries it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Proven {
    /// The leaf index.
    pub index: u64,
    /// The entry's bytes, exactly (ASCII JSON).
    pub entry: String,
    /// The inclusion proof in the checkpoint's tree, base64 hashes.
    pub inclusion: Vec<String>,
}

/// An evidence bundle (see the module's note).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Bundle {
    /// [`BUNDLE_FORMAT`].
    pub format: String,
    /// For people; not trusted.
    pub about: String,
    /// The signed checkpoint note with its cosignatures.
    pub checkpoint: String,
    /// The statement, with its proof.
    pub statement: Proven,
    /// The statements its signatures rest on, with their proofs.
    pub support: Vec<Proven>,
}

impl Bundle {
    /// The bundle as pretty JSON, ending in a newline.
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self)
            .unwrap_or_else(|e| unreachable!("a bundle always serialises: {e}"));
        s.push('\n');
        s
    }
}

fn proofs(list: &[Hash]) -> Vec<String> {
    list.iter().map(Hash::to_base64).collect()
}

fn entry_text(index: u64, raw: &[u8]) -> Result<String, Error> {
    String::from_utf8(raw.to_vec())
        .map_err(|_| Error::Evidence(format!("entry {index} is not UTF-8 JSON")))
}

impl StatementEvidence {
    /// The bundle of this evidence; refused when a proof failed (the node does not hand over
    /// what it could not check).
    pub fn bundle(&self) -> Result<Bundle, Error> {
        if let Inclusion::Failed(why) = &self.inclusion {
            return Err(Error::Evidence(format!(
                "no bundle for entry {}: {why}",
                self.index
            )));
        }
        let support = self
            .support
            .clone()
            .map_err(|why| Error::Evidence(format!("no bundle for entry {}: {why}", self.index)))?;
        Ok(Bundle {
            format: BUNDLE_FORMAT.to_owned(),
            about: format!(
                "entry {}: {} seq {} {}",
                self.index,
                self.statement.actor,
                self.statement.seq,
                self.statement.action.name()
            ),
            checkpoint: self.note.to_string(),
            statement: Proven {
                index: self.index,
                entry: entry_text(self.index, &self.raw)?,
                inclusion: proofs(&self.proof),
            },
            support,
        })
    }
}

impl Node {
    /// The evidence of the statement at `index`, checked on this node: the entry and the
    /// hub's inclusion proof fetched from the hub, the proof verified against this node's last
    /// final checkpoint when it covers the entry, else against the checkpoint it holds;
    /// cosigners and signers under the keys of `registry` (this node's replay), with the
    /// indices of registrations and certifications from `log` (this node's index of the
    /// verified log). A statement beyond every checkpoint the node holds is refused, saying so.
    pub fn statement_evidence(
        &self,
        index: u64,
        registry: &Registry,
        log: &[Logged],
    ) -> Result<StatementEvidence, Error> {
        let held = self.checkpoint()?;
        let mut fin = self.final_checkpoint()?;
        // The final note was kept when the checkpoint became final; the one held may carry
        // cosignatures that came later, over the same text: take them too.
        if let (Some((_, f)), Some((_, h))) = (fin.as_mut(), held.as_ref()) {
            if f.text() == h.text() {
                for s in h.signatures() {
                    let present = f
                        .signatures()
                        .iter()
                        .any(|x| x.name() == s.name() && x.key_id() == s.key_id());
                    if !present {
                        f.add_signature(s.clone())
                            .map_err(|e| Error::Local(e.to_string()))?;
                    }
                }
            }
        }
        let (checkpoint, note, is_final) = match (fin, held) {
            (Some((c, n)), _) if index < c.size() => (c, n, true),
            (_, Some((c, n))) if index < c.size() => (c, n, false),
            (_, held) => {
                return Err(Error::Input(format!(
                    "entry {index} is not in a checkpoint this node holds yet (it holds {} entries); it will be after a sync that finds it",
                    held.map_or(0, |(c, _)| c.size())
                )))
            }
        };
        // Cosignatures the node's note lacks (a witness cosigned after the node fetched it),
        // from what the hub lists each state cosigned: kept only over the very same text, and
        // each one is verified below (`cosigners`) and by whoever checks the bundle.
        let mut note = note;
        for item in self.client.cosigned().unwrap_or_default() {
            let Ok(theirs) = SignedNote::parse(&item.note) else {
                continue;
            };
            if theirs.text() != note.text() {
                continue;
            }
            for s in theirs.signatures() {
                let present = note
                    .signatures()
                    .iter()
                    .any(|x| x.name() == s.name() && x.key_id() == s.key_id());
                if !present {
                    let _ = note.add_signature(s.clone());
                }
            }
        }
        let size = checkpoint.size();
        let raw = fetch_entries(&self.client, index, index + 1, size)?
            .remove(&index)
            .ok_or_else(|| Error::Evidence(format!("the hub does not serve entry {index}")))?;
        let entry = parse_entry(index, &raw)?;
        let statement = Statement::from_bytes(&entry.envelope.payload)
            .map_err(|e| Error::Evidence(format!("entry {index} holds no statement: {e}")))?;
        let leaf = leaf_hash(&raw);
        let (inclusion, proof) = match prove(&self.client, index, size, leaf, checkpoint.root()) {
            Ok(proof) => (Inclusion::Verified, proof),
            Err(why) => (Inclusion::Failed(why), Vec::new()),
        };
        let cosigned_by = cosigners(&checkpoint, &note, registry);
        let signers = signers(&entry, &statement, registry, log);
        let support = self.support(&statement, &cosigned_by, log, index, size, &checkpoint);
        Ok(StatementEvidence {
            index,
            digest: entry.envelope.payload_digest(),
            entry,
            raw,
            statement,
            leaf,
            checkpoint,
            note,
            is_final,
            inclusion,
            proof,
            cosigned_by,
            signers,
            support,
        })
    }

    /// The support entries of a statement, each fetched and its proof verified.
    fn support(
        &self,
        statement: &Statement,
        cosigned_by: &[PartyId],
        log: &[Logged],
        index: u64,
        size: u64,
        checkpoint: &Checkpoint,
    ) -> Result<Vec<Proven>, String> {
        let mut wanted: Vec<u64> = Vec::new();
        let mut parties: Vec<PartyId> = cosigned_by.to_vec();
        if let Actor::Party(p) = statement.actor {
            parties.push(p);
        }
        for l in log.iter().filter(|l| l.index < size) {
            if l.registers.is_some_and(|p| parties.contains(&p)) {
                wanted.push(l.index);
            }
        }
        if let Actor::Party(p) = statement.actor {
            // The officers who signed besides the node: a drafter and an approver, or a
            // liaison officer on a message act.
            let mut signers: Vec<&OfficerId> =
                statement.action.message_officer().into_iter().collect();
            if let Some(Officers::FourEyes { drafter, approver }) = &statement.acted_by {
                signers.extend([drafter, approver]);
            }
            for l in log.iter().filter(|l| l.index < size && l.index != index) {
                let about_officer = matches!(l.action, "officer_certified" | "officer_revoked")
                    && l.actor == Actor::Party(p)
                    && l.officers.iter().any(|o| signers.contains(&o));
                if about_officer {
                    wanted.push(l.index);
                }
            }
        }
        wanted.sort_unstable();
        wanted.dedup();
        wanted.truncate(MAX_SUPPORT);
        let mut out = Vec::with_capacity(wanted.len());
        for i in wanted {
            let raw = fetch_entries(&self.client, i, i + 1, size)
                .map_err(|e| e.to_string())?
                .remove(&i)
                .ok_or_else(|| format!("the hub does not serve entry {i}"))?;
            let proof = prove(&self.client, i, size, leaf_hash(&raw), checkpoint.root())?;
            out.push(Proven {
                index: i,
                entry: entry_text(i, &raw).map_err(|e| e.to_string())?,
                inclusion: proofs(&proof),
            });
        }
        Ok(out)
    }
}

/// The hub's inclusion proof of entry `index` (leaf hash `leaf`) in the tree of `size`,
/// verified against `root`; or why not.
fn prove(
    client: &HubClient,
    index: u64,
    size: u64,
    leaf: Hash,
    root: Hash,
) -> Result<Vec<Hash>, String> {
    let proof = client.inclusion(index, size).map_err(|e| {
        format!(
            "the hub did not serve the inclusion proof of entry {index} in the tree of {size}: {e}"
        )
    })?;
    verify_inclusion(index, size, leaf, &proof, root).map_err(|_| {
        format!("the hub's inclusion proof of entry {index} does not lead to the root of checkpoint {size}")
    })?;
    Ok(proof)
}

/// Each signature of the entry's envelope, checked under `registry`'s keys.
fn signers(
    entry: &LogEntry,
    statement: &Statement,
    registry: &Registry,
    log: &[Logged],
) -> Vec<Signer> {
    let envelope = &entry.envelope;
    let mut out = Vec::new();
    match statement.actor {
        Actor::Hub => {
            let key = registry.hub_key();
            let valid = envelope.is_signed_by(key);
            out.push(Signer {
                who: "the hub".into(),
                signed_as: "hub statement key".into(),
                key: rex_domain::keys::KeyId::of(key).to_string(),
                roles: Vec::new(),
                certified_at: None,
                revoked_at: None,
                valid,
                state: if valid {
                    "signature verified under the hub's statement key".into()
                } else {
                    "signature does NOT verify under the hub's statement key".into()
                },
            });
        }
        Actor::Party(p) => {
            let registered = log.iter().find(|l| l.registers == Some(p)).map(|l| l.index);
            let (key, valid) = match registry.party(&p) {
                Some(party) => (
                    party.keys.keyid().to_string(),
                    envelope.is_signed_by(party.keys.signing_key()),
                ),
                None => (String::new(), false),
            };
            out.push(Signer {
                who: format!("{p}'s node"),
                signed_as: "node key".into(),
                key,
                roles: Vec::new(),
                certified_at: registered,
                revoked_at: None,
                valid,
                state: if valid {
                    format!("signature verified under the key registered for {p}")
                } else {
                    format!("signature does NOT verify under the key registered for {p}")
                },
            });
            if let Some(Officers::FourEyes { drafter, approver }) = &statement.acted_by {
                for (i, (signing, id)) in
                    [(Signing::Drafter, drafter), (Signing::Approver, approver)]
                        .into_iter()
                        .enumerate()
                {
                    out.push(officer_signer(entry, p, signing, id, i + 1, registry, log));
                }
            }
            if let Some(id) = statement.action.message_officer() {
                out.push(officer_signer(
                    entry,
                    p,
                    Signing::Liaison,
                    id,
                    1,
                    registry,
                    log,
                ));
            }
        }
    }
    out
}

fn officer_signer(
    entry: &LogEntry,
    party: PartyId,
    signing: Signing,
    id: &OfficerId,
    position: usize,
    registry: &Registry,
    log: &[Logged],
) -> Signer {
    let at = |action: &str| {
        log.iter()
            .find(|l| {
                l.action == action && l.actor == Actor::Party(party) && l.officers.contains(id)
            })
            .map(|l| l.index)
    };
    let mut signer = Signer {
        who: id.to_string(),
        signed_as: signing.as_str().into(),
        key: String::new(),
        roles: Vec::new(),
        certified_at: at("officer_certified"),
        revoked_at: at("officer_revoked"),
        valid: false,
        state: String::new(),
    };
    let Some(officer) = registry.officer(&party, id) else {
        signer.state = format!("no officer {id} certified by {party}");
        return signer;
    };
    signer.key = officer.key.keyid().to_string();
    signer.roles = officer.roles.clone();
    let time = entry.time;
    let message = officer_message(signing, party, id, &entry.envelope.payload_digest());
    let verified = entry
        .envelope
        .signatures
        .get(position)
        .and_then(|s| ed25519_dalek::Signature::from_slice(&s.sig).ok())
        .is_some_and(|sig| officer.key.0.verify_strict(&message, &sig).is_ok());
    let (in_role, _) = signing.allowed(&officer.roles);
    let problem = if !verified {
        Some("signature does NOT verify under the certified key".to_owned())
    } else if time < officer.not_before || time >= officer.not_after {
        Some(format!(
            "certificate not valid at the statement's time ({} to {}, accepted at {time})",
            officer.not_before, officer.not_after
        ))
    } else if officer.revoked_at.is_some_and(|r| r <= time) {
        Some("revoked before the statement".to_owned())
    } else if !in_role {
        Some(format!("holds no role to sign as {}", signing.as_str()))
    } else {
        None
    };
    signer.valid = problem.is_none();
    signer.state = problem.unwrap_or_else(|| {
        let later = match officer.revoked_at {
            Some(r) => format!("; revoked later, at {r}"),
            None => String::new(),
        };
        format!("signature verified; certified and valid at the statement's time{later}")
    });
    signer
}

/// What [`verify_bundle`] proved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    /// The log's origin.
    pub origin: String,
    /// The statement's index.
    pub index: u64,
    /// The checkpoint's size.
    pub size: u64,
    /// The checkpoint's root.
    pub root: Hash,
    /// The statement.
    pub statement: Statement,
    /// Its digest.
    pub digest: Digest,
    /// The hub's acceptance time.
    pub time: u64,
    /// Who signed, in words (`US's node`, `officer jroe (drafter)`).
    pub signed_by: Vec<String>,
    /// The pinned witnesses that cosigned.
    pub cosigned_by: Vec<PartyId>,
    /// Witnesses pinned.
    pub witnesses: usize,
    /// Cosignatures required.
    pub quorum: usize,
}

impl Verified {
    /// One line saying what the bundle proves.
    pub fn describe(&self) -> String {
        let witnessed = if self.witnesses == 0 {
            "no witness pinned, cosignatures not checked".to_owned()
        } else {
            let by: Vec<&str> = self.cosigned_by.iter().map(PartyId::as_str).collect();
            format!(
                "checkpoint cosigned by {} ({} of {} pinned witnesses, {} required)",
                if by.is_empty() {
                    "no pinned witness".to_owned()
                } else {
                    by.join(", ")
                },
                by.len(),
                self.witnesses,
                self.quorum
            )
        };
        format!(
            "evidence verified: entry {} of the log {} is {} seq {} {} (statement SHA-256 {}), accepted at {}, signed by {}; it is in checkpoint {} (root {}) signed by the pinned key; {witnessed}",
            self.index,
            self.origin,
            self.statement.actor,
            self.statement.seq,
            self.statement.action.name(),
            self.digest,
            self.time,
            self.signed_by.join(", "),
            self.size,
            self.root.to_hex().get(..16).unwrap_or_default(),
        )
    }
}

fn bad(message: impl Into<String>) -> Error {
    Error::Evidence(message.into())
}

/// Checks an evidence bundle offline, under the keys of `trust` only (see the module's
/// note). Every failure is one line saying what is wrong.
pub fn verify_bundle(bytes: &[u8], trust: &Trust) -> Result<Verified, Error> {
    if bytes.len() > MAX_BUNDLE_BYTES {
        return Err(Error::Input(format!(
            "the bundle has {} bytes, more than the {MAX_BUNDLE_BYTES} an evidence bundle may have",
            bytes.len()
        )));
    }
    let format = serde_json::from_slice::<serde_json::Value>(bytes)
        .ok()
        .and_then(|v| v.get("format")?.as_str().map(str::to_owned));
    match format.as_deref() {
        Some(BUNDLE_FORMAT) => {}
        Some(other) => {
            return Err(Error::Input(format!(
                "the bundle's format is {other:?}; this rex reads {BUNDLE_FORMAT:?}"
            )))
        }
        None => {
            return Err(Error::Input(format!(
            "not an evidence bundle: a JSON object with \"format\": {BUNDLE_FORMAT:?} was expected"
        )))
        }
    }
    let bundle: Bundle = serde_json::from_slice(bytes)
        .map_err(|e| Error::Input(format!("the evidence bundle is malformed: {e}")))?;
    if bundle.support.len() > MAX_SUPPORT {
        return Err(Error::Input(format!(
            "the bundle has {} support entries, more than {MAX_SUPPORT}",
            bundle.support.len()
        )));
    }
    let note = SignedNote::parse(&bundle.checkpoint)
        .map_err(|e| bad(format!("the bundle's checkpoint is not a signed note: {e}")))?;
    let checkpoint = Checkpoint::open(&note, trust.checkpoint_key()).map_err(|e| {
        bad(format!(
            "the bundle's checkpoint is not signed by the pinned checkpoint key {}: {e}",
            trust.checkpoint_key()
        ))
    })?;
    let size = checkpoint.size();
    let included = |p: &Proven| -> Result<LogEntry, Error> {
        let i = p.index;
        if i >= size {
            return Err(bad(format!(
                "entry {i} is beyond checkpoint {size}, which cannot prove it"
            )));
        }
        let proof = decode_hashes(&p.inclusion).ok_or_else(|| {
            bad(format!(
                "entry {i}: the inclusion proof is not base64 hashes"
            ))
        })?;
        verify_inclusion(i, size, leaf_hash(p.entry.as_bytes()), &proof, checkpoint.root())
            .map_err(|_| {
                bad(format!(
                    "entry {i}: the inclusion proof does not lead from the entry to the root of checkpoint {size} (the entry or the proof was altered)"
                ))
            })?;
        parse_entry(i, p.entry.as_bytes())
    };
    let entry = included(&bundle.statement)?;
    let index = bundle.statement.index;
    if entry.envelope.payload_type != STATEMENT_PAYLOAD_TYPE {
        return Err(bad(format!(
            "entry {index} is not a rex statement (payload type {:?})",
            entry.envelope.payload_type
        )));
    }
    let statement = Statement::from_bytes(&entry.envelope.payload)
        .map_err(|e| bad(format!("entry {index} holds no statement: {e}")))?;

    // The support: registrations under the pinned statement key, then certifications under
    // the registered keys.
    let mut registered: BTreeMap<PartyId, (u64, VerifyingKey)> = BTreeMap::new();
    let mut certified: BTreeMap<OfficerId, (u64, u64, Action)> = BTreeMap::new();
    let mut revoked: BTreeMap<OfficerId, u64> = BTreeMap::new();
    let mut support: Vec<(u64, LogEntry)> = Vec::with_capacity(bundle.support.len());
    for p in &bundle.support {
        support.push((p.index, included(p)?));
    }
    support.sort_by_key(|(i, _)| *i);
    for (i, e) in &support {
        let Ok(s) = Statement::from_bytes(&e.envelope.payload) else {
            return Err(bad(format!("support entry {i} holds no statement")));
        };
        if let Action::PartyRegistered { keys } = &s.action {
            e.envelope
                .open_statement(&trust.statements_key())
                .map_err(|_| {
                    bad(format!(
                        "support entry {i}: the registration of {} is not signed by the pinned statement key",
                        keys.party()
                    ))
                })?;
            registered.insert(keys.party(), (*i, *keys.signing_key()));
        }
    }
    for (i, e) in &support {
        let Ok(s) = Statement::from_bytes(&e.envelope.payload) else {
            continue;
        };
        let Actor::Party(p) = s.actor else { continue };
        let check_signer = || -> Result<(), Error> {
            let (at, key) = registered.get(&p).ok_or_else(|| {
                bad(format!(
                    "support entry {i}: the bundle holds no registration of {p}, its signer"
                ))
            })?;
            if at > i || !e.envelope.is_signed_by(key) {
                return Err(bad(format!(
                    "support entry {i}: not signed by the key registered for {p} before it"
                )));
            }
            Ok(())
        };
        match &s.action {
            Action::OfficerCertified { officer, .. } => {
                check_signer()?;
                certified.insert(officer.clone(), (*i, e.time, s.action.clone()));
            }
            Action::OfficerRevoked { officer } => {
                check_signer()?;
                revoked.insert(officer.clone(), *i);
            }
            _ => {}
        }
    }

    // The statement's signer.
    let mut signed_by = Vec::new();
    match statement.actor {
        Actor::Hub => {
            if !entry.envelope.is_signed_by(&trust.statements_key()) {
                return Err(bad(format!(
                    "entry {index}: the hub's statement is not signed by the pinned statement key"
                )));
            }
            signed_by.push("the hub's statement key".to_owned());
        }
        Actor::Party(p) => {
            let (at, key) = registered.get(&p).ok_or_else(|| {
                bad(format!(
                    "the bundle holds no registration of {p}, the statement's signer"
                ))
            })?;
            if *at > index {
                return Err(bad(format!(
                    "{p} was registered at entry {at}, after the statement"
                )));
            }
            if !entry.envelope.is_signed_by(key) {
                return Err(bad(format!(
                    "entry {index}: the statement's signature does not verify under the key registered for {p} (entry {at}); the statement was altered or signed by another"
                )));
            }
            signed_by.push(format!("{p}'s node"));
            // One officer's signature, at position `k` of the envelope, checked against its
            // certificate in the bundle as the registry checks it.
            let officer = |signing: Signing, id: &OfficerId, k: usize| -> Result<String, Error> {
                let who = format!("officer {id} of {p} ({})", signing.as_str());
                let Some((
                    at,
                    since,
                    Action::OfficerCertified {
                        party,
                        roles,
                        key,
                        not_before,
                        not_after,
                        ..
                    },
                )) = certified.get(id)
                else {
                    return Err(bad(format!(
                        "{who}: the bundle holds no certification of this officer"
                    )));
                };
                if *party != p || *at > index || *since > entry.time {
                    return Err(bad(format!(
                        "{who}: certified at entry {at}, not by {p} before the statement"
                    )));
                }
                if entry.time < *not_before || entry.time >= *not_after {
                    return Err(bad(format!(
                        "{who}: the certificate (entry {at}) is valid from {not_before} to {not_after}, the statement was accepted at {}",
                        entry.time
                    )));
                }
                if let Some(r) = revoked.get(id).filter(|r| **r < index) {
                    return Err(bad(format!(
                        "{who}: revoked at entry {r}, before the statement"
                    )));
                }
                let (in_role, _) = signing.allowed(roles);
                if !in_role {
                    return Err(bad(format!(
                        "{who}: the certificate gives no role to sign as {}",
                        signing.as_str()
                    )));
                }
                let message = officer_message(signing, p, id, &entry.envelope.payload_digest());
                let ok = entry.envelope.signatures.get(k).is_some_and(|s| {
                    ed25519_dalek::Signature::from_slice(&s.sig)
                        .is_ok_and(|sig| key.0.verify_strict(&message, &sig).is_ok())
                });
                if !ok {
                    return Err(bad(format!(
                        "{who}: the signature does not verify under the certified key (entry {at})"
                    )));
                }
                Ok(format!("{who}, certified at entry {at}"))
            };
            let expected = statement.signatures();
            if entry.envelope.signatures.len() != expected {
                return Err(bad(format!(
                    "entry {index} needs {expected} signatures and carries {}",
                    entry.envelope.signatures.len()
                )));
            }
            if let Some(id) = statement.action.message_officer() {
                signed_by.push(officer(Signing::Liaison, id, 1)?);
            }
            match &statement.acted_by {
                Some(Officers::FourEyes { drafter, approver }) => {
                    signed_by.push(officer(Signing::Drafter, drafter, 1)?);
                    signed_by.push(officer(Signing::Approver, approver, 2)?);
                }
                Some(Officers::NoOfficer) => signed_by.push("no officer (no_officer)".into()),
                None => {}
            }
        }
    }

    // The witnesses.
    let mut cosigned_by = Vec::new();
    let mut missing = Vec::new();
    for (id, w) in trust.witnesses() {
        if note.has_cosignature(&checkpoint, w) {
            cosigned_by.push(*id);
        } else {
            missing.push(id.to_string());
        }
    }
    if cosigned_by.len() < trust.quorum() {
        return Err(bad(format!(
            "checkpoint {size} is cosigned by {} of the {} pinned witnesses, {} required; missing: {}",
            cosigned_by.len(),
            trust.witnesses().len(),
            trust.quorum(),
            missing.join(", ")
        )));
    }
    Ok(Verified {
        origin: checkpoint.origin().to_owned(),
        index,
        size,
        root: checkpoint.root(),
        digest: entry.envelope.payload_digest(),
        time: entry.time,
        statement,
        signed_by,
        cosigned_by,
        witnesses: trust.witnesses().len(),
        quorum: trust.quorum(),
    })
}
