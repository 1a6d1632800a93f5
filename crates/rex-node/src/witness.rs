//! Witnessing: what a node learns from the checkpoints other states cosigned, and what it keeps
//! when the hub is caught showing two histories.
//!
//! A hub that serves one history to the United States and another to Russia passes every check
//! each node makes alone: each branch is consistent with itself. Only a checkpoint that crosses
//! from one state to the other reveals it, so checkpoints cross two ways, as in Certificate
//! Transparency's gossip and Sigsum's witnesses:
//!
//! - **directly**, because the hub may be the liar: `rex node checkpoint export` writes a
//!   gossip file ([`Gossip`]: the node's latest checkpoint with its own cosignature, and the
//!   evidence it holds) and the other state's `rex node checkpoint import` checks it. The
//!   imported checkpoint is kept and checked again at every sync.
//! - through the hub's cosignatures on the checkpoint it serves (finality, below).
//!
//! Two checkpoints signed by the hub's key conflict when they have the same size and different
//! roots, or when the hub gives no valid consistency proof between their sizes. Then the node
//! keeps both signed notes ([`Evidence`], in its store, before it says anything), and every
//! later sync fails naming both roots: a split view needs a person, not a retry.

use crate::audit::{cosigners, open_checkpoint};
use crate::node::Node;
use crate::Error;
use rex_domain::{PartyId, Quorum, Registry};
use rex_tlog::{verify_consistency, Checkpoint, Cosigner, NoteVerifier, SignatureKind, SignedNote};
use serde::{Deserialize, Serialize};

pub use crate::store::{Evidence, Witnessed};

/// The store's key for the checkpoint beyond the final one that waits longest, and since when:
/// `"SIZE UNIX"`, or empty.
const UNWITNESSED_SINCE: &str = "unwitnessed_since";

/// The `format` of a gossip file.
pub const GOSSIP_FORMAT: &str = "rex-gossip/v1";

/// The largest gossip file a node reads.
pub const MAX_GOSSIP_BYTES: usize = 1 << 20;

/// The most pieces of evidence one gossip file may carry.
pub const MAX_GOSSIP_EVIDENCE: usize = 64;

/// What one state hands another directly, without the hub: its latest verified checkpoint with
/// its own cosignature, and the evidence of a split view it holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Gossip {
    /// [`GOSSIP_FORMAT`].
    pub format: String,
    /// The state that cosigned `checkpoint`.
    pub party: String,
    /// The checkpoint note, signed by the hub and cosigned by `party`.
    pub checkpoint: String,
    /// Pairs of conflicting checkpoints, both signed by the hub.
    #[serde(default)]
    pub evidence: Vec<EvidencePair>,
}

/// Two signed checkpoint notes that cannot both be true.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EvidencePair {
    /// One signed note.
    pub a: String,
    /// The other.
    pub b: String,
}

/// What [`Node::import_gossip`] found (when it found no conflict).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Imported {
    /// The state whose cosigned checkpoint it was.
    pub party: PartyId,
    /// Its size.
    pub size: u64,
    /// Its root, base64.
    pub root: String,
    /// The checkpoint this node holds, against which it was checked (0: none yet).
    pub held: u64,
}

impl Evidence {
    /// One line naming both checkpoints, both roots and where each came from.
    pub fn describe(&self) -> String {
        let (a, b) = (&self.a, &self.b);
        if a.size == b.size {
            format!(
                "split view: the hub signed two different trees of {} entries, root {} ({}) and root {} ({}); both signed checkpoints are kept as evidence",
                a.size, a.root, a.from, b.root, b.from
            )
        } else {
            format!(
                "fork: checkpoint {} (root {}, {}) and checkpoint {} (root {}, {}) are not consistent (the hub gives no valid consistency proof between them); both signed checkpoints are kept as evidence",
                a.size, a.root, a.from, b.size, b.root, b.from
            )
        }
    }

    /// The two notes, as a gossip file carries them.
    pub fn pair(&self) -> EvidencePair {
        EvidencePair {
            a: self.a.note.clone(),
            b: self.b.note.clone(),
        }
    }
}

/// A checkpoint opened under the hub's pinned key, and where it came from.
#[derive(Debug, Clone)]
pub(crate) struct Seen {
    pub(crate) checkpoint: Checkpoint,
    pub(crate) note: SignedNote,
    pub(crate) from: String,
}

impl Seen {
    pub(crate) fn new(checkpoint: Checkpoint, note: SignedNote, from: String) -> Seen {
        Seen {
            checkpoint,
            note,
            from,
        }
    }

    fn witnessed(&self) -> Witnessed {
        Witnessed {
            size: self.checkpoint.size(),
            root: self.checkpoint.root().to_string(),
            note: self.note.to_string(),
            from: self.from.clone(),
        }
    }
}

impl Node {
    /// Whether `a` and `b`, both opened under the hub's key, conflict: the same size with
    /// different roots, or no valid consistency proof from the hub between their sizes (a hub
    /// that will not prove that a tree it signed extends another it signed has shown two
    /// histories). Returns the evidence, not yet kept.
    pub(crate) fn conflict(&self, a: &Seen, b: &Seen) -> Result<Option<Evidence>, Error> {
        let (small, large) = if a.checkpoint.size() <= b.checkpoint.size() {
            (&a.checkpoint, &b.checkpoint)
        } else {
            (&b.checkpoint, &a.checkpoint)
        };
        let (m, n) = (small.size(), large.size());
        let consistent = if m == n {
            small.root() == large.root()
        } else if m == 0 {
            true
        } else {
            match self.client.consistency(m, n) {
                Ok(proof) => verify_consistency(m, n, small.root(), large.root(), &proof).is_ok(),
                Err(Error::Refused { code, .. }) if code == "not_found" => false,
                Err(e) => return Err(e),
            }
        };
        Ok((!consistent).then(|| Evidence {
            a: a.witnessed(),
            b: b.witnessed(),
            found_at: (self.clock)(),
        }))
    }

    /// Keeps `evidence` durably, then returns the error that reports it: nothing is said that
    /// a crash could lose.
    pub(crate) fn keep(&self, evidence: &Evidence) -> Result<Error, Error> {
        self.store.add_evidence(evidence)?;
        Ok(Error::Evidence(evidence.describe()))
    }

    /// The evidence of a split view this node holds, oldest first.
    pub fn evidence(&self) -> Result<Vec<Evidence>, Error> {
        self.store.evidence()
    }

    /// Fails with every piece of evidence held, if there is any.
    pub(crate) fn refuse_if_evidence(&self) -> Result<(), Error> {
        let held = self.store.evidence()?;
        if held.is_empty() {
            return Ok(());
        }
        Err(Error::evidence(
            held.iter().map(Evidence::describe).collect(),
        ))
    }

    /// Checks every checkpoint another state cosigned and this node imported against `current`
    /// (the checkpoint the hub serves now) and keeps what conflicts.
    pub(crate) fn check_foreign(&self, current: &Seen) -> Result<(), Error> {
        for (party, text) in self.store.foreign()? {
            let (checkpoint, note) = open_checkpoint(&text, &self.hub)?;
            let seen = Seen::new(
                checkpoint,
                note,
                format!("cosigned by {party}, from a gossip file"),
            );
            if let Some(e) = self.conflict(current, &seen)? {
                self.store.add_evidence(&e)?;
            }
        }
        Ok(())
    }

    /// Shares the evidence this node holds with the hub (`POST /v1/evidence`, where the other
    /// states read it), then checks what the hub lists against `current` (the checkpoint the
    /// hub serves now): a listed checkpoint signed by the pinned key that conflicts with it
    /// (or a listed pair of one size with two roots) is kept here too. Posting is best effort:
    /// the hub may be the liar, so the node keeps its own evidence and gossip carries it.
    pub(crate) fn exchange_evidence(&self, current: &Seen) -> Result<(), Error> {
        for e in self.store.evidence()? {
            let _ = self.client.post_evidence(&e.a.note, &e.b.note);
        }
        let listed = self.client.evidence()?;
        for (i, pair) in listed.iter().take(MAX_GOSSIP_EVIDENCE).enumerate() {
            let from = format!("evidence {} listed by the hub", i + 1);
            let (Ok((ca, na)), Ok((cb, nb))) = (
                open_checkpoint(&pair.a, &self.hub),
                open_checkpoint(&pair.b, &self.hub),
            ) else {
                continue;
            };
            let (a, b) = (Seen::new(ca, na, from.clone()), Seen::new(cb, nb, from));
            let same_size = a.checkpoint.size() == b.checkpoint.size();
            let found = [
                same_size
                    .then(|| self.conflict(&a, &b))
                    .transpose()?
                    .flatten(),
                self.conflict(current, &a)?,
                self.conflict(current, &b)?,
            ];
            for e in found.into_iter().flatten() {
                self.store.add_evidence(&e)?;
            }
        }
        Ok(())
    }

    /// The gossip file of this node: the checkpoint it holds (verified at its last sync or
    /// receipt) with a fresh cosignature of its own, and every piece of evidence it holds.
    pub fn export_gossip(&self) -> Result<Gossip, Error> {
        let (checkpoint, mut note) = self.checkpoint()?.ok_or_else(|| {
            Error::Input(format!(
                "{} holds no checkpoint yet (run `rex node sync` first)",
                self.party
            ))
        })?;
        let cosigner = Cosigner::new(self.party.as_str(), self.key.clone())
            .map_err(|e| Error::Local(e.to_string()))?;
        let cosignature = cosigner
            .cosign(&checkpoint, (self.clock)())
            .map_err(|e| Error::Local(e.to_string()))?;
        // Only the hub's signature and this state's: others' lines are theirs to gossip.
        let mut own = SignedNote::new(note.text()).map_err(|e| Error::Local(e.to_string()))?;
        for s in note.signatures() {
            if s.name() == self.hub.note.name() && s.key_id() == self.hub.note.key_id() {
                own.add_signature(s.clone())
                    .map_err(|e| Error::Local(e.to_string()))?;
            }
        }
        own.add_signature(cosignature.to_note_signature())
            .map_err(|e| Error::Local(e.to_string()))?;
        note = own;
        Ok(Gossip {
            format: GOSSIP_FORMAT.to_owned(),
            party: self.party.to_string(),
            checkpoint: note.to_string(),
            evidence: self.store.evidence()?.iter().map(Evidence::pair).collect(),
        })
    }

    /// Checks a gossip file another state exported: its checkpoint must be signed by the hub
    /// this node pins and cosigned by that state under the key this node's own replay of the
    /// log registers for it; every pair of evidence must be signed by the hub too. The
    /// checkpoint is kept (and checked again at every sync); each checkpoint in the file is
    /// checked against the one this node holds, and a pair that is a split view by itself is
    /// kept as it is. Conflicts are kept as evidence, then reported as [`Error::Evidence`].
    pub fn import_gossip(&mut self, bytes: &[u8]) -> Result<Imported, Error> {
        if bytes.len() > MAX_GOSSIP_BYTES {
            return Err(Error::Input(format!(
                "the gossip file has {} bytes, more than the {MAX_GOSSIP_BYTES} a node reads",
                bytes.len()
            )));
        }
        let gossip: Gossip = serde_json::from_slice(bytes)
            .map_err(|e| Error::Input(format!("not a gossip file: {e}")))?;
        if gossip.format != GOSSIP_FORMAT {
            return Err(Error::Input(format!(
                "the gossip file's format is {:?}, this node reads {GOSSIP_FORMAT:?}",
                gossip.format
            )));
        }
        if gossip.evidence.len() > MAX_GOSSIP_EVIDENCE {
            return Err(Error::Input(format!(
                "the gossip file carries {} pieces of evidence, more than {MAX_GOSSIP_EVIDENCE}",
                gossip.evidence.len()
            )));
        }
        let party = PartyId::new(&gossip.party).map_err(|e| {
            Error::Input(format!(
                "the gossip file names {:?}, not a party: {e}",
                gossip.party
            ))
        })?;
        if party == self.party {
            return Err(Error::Input(format!(
                "the gossip file is {party}'s own: import the file another state exported"
            )));
        }
        let pinned = |text: &str, what: &str| {
            open_checkpoint(text, &self.hub).map_err(|e| {
                Error::Input(format!(
                    "the gossip file's {what} is not a checkpoint of the hub this node pins ({}): {e}",
                    self.hub.note
                ))
            })
        };
        let (checkpoint, note) = pinned(&gossip.checkpoint, "checkpoint")?;
        let mut pairs = Vec::with_capacity(gossip.evidence.len());
        for (i, pair) in gossip.evidence.iter().enumerate() {
            let what = format!("evidence {}", i + 1);
            pairs.push((pinned(&pair.a, &what)?, pinned(&pair.b, &what)?));
        }
        let registry = self.registry()?;
        let key = registry
            .party(&party)
            .ok_or_else(|| {
                Error::Input(format!(
                    "the gossip file is from {party}, which this node's log does not register"
                ))
            })?
            .keys
            .signing_key();
        let verifier = NoteVerifier::new(party.as_str(), SignatureKind::CosignatureV1, *key)
            .map_err(|e| Error::Local(e.to_string()))?;
        if !note.has_cosignature(&checkpoint, &verifier) {
            return Err(Error::Input(format!(
                "the gossip file's checkpoint {} carries no valid cosignature by {party} (its key {})",
                checkpoint.size(),
                verifier
            )));
        }
        let theirs = Seen::new(
            checkpoint,
            note,
            format!("cosigned by {party}, from a gossip file"),
        );
        self.store
            .put_foreign(party.as_str(), &theirs.witnessed(), (self.clock)())?;
        let held = self.checkpoint()?;
        let mut checked = vec![theirs.clone()];
        for (i, ((ca, na), (cb, nb))) in pairs.into_iter().enumerate() {
            let from = format!("evidence {} from {party}'s gossip file", i + 1);
            let (a, b) = (Seen::new(ca, na, from.clone()), Seen::new(cb, nb, from));
            // A pair of the same size is a split view by itself; a pair of two sizes is one if
            // the hub this node talks to cannot prove one extends the other either.
            if let Some(e) = self.conflict(&a, &b)? {
                self.store.add_evidence(&e)?;
            }
            checked.extend([a, b]);
        }
        if let Some((hc, hn)) = &held {
            let mine = Seen::new(hc.clone(), hn.clone(), format!("held by {}", self.party));
            for other in &checked {
                if let Some(e) = self.conflict(&mine, other)? {
                    self.store.add_evidence(&e)?;
                }
            }
        }
        self.refuse_if_evidence()?;
        Ok(Imported {
            party,
            size: theirs.checkpoint.size(),
            root: theirs.checkpoint.root().to_string(),
            held: held.map_or(0, |(c, _)| c.size()),
        })
    }
}

/// How long a checkpoint may wait for its quorum of witnesses before a sync raises the alarm,
/// by default: one hour.
pub const DEFAULT_ALARM_AFTER: u64 = 3600;

/// Where finality stands after a sync.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finality {
    /// The witnesses this state's policy names at the served checkpoint, and how many must
    /// cosign.
    pub quorum: Quorum,
    /// Those of them whose cosignature on the served checkpoint verifies.
    pub cosigned_by: Vec<PartyId>,
    /// Each witness of the quorum with the largest prefix of the served tree it vouched for:
    /// the served size when it cosigned this checkpoint or a larger one consistent with it,
    /// the size of the newest checkpoint it cosigned when that is smaller and consistent, 0
    /// when it cosigned nothing this node could check.
    pub vouched: Vec<(PartyId, u64)>,
    /// The size of the served checkpoint.
    pub size: u64,
    /// The size of the last final checkpoint: statements at this index and later are not
    /// settled.
    pub final_size: u64,
    /// Set when a checkpoint beyond the final one has waited longer than the node allows.
    pub alarm: Option<String>,
}

impl Finality {
    /// The witnesses of the quorum that have not vouched for the whole served tree.
    pub fn missing(&self) -> Vec<PartyId> {
        self.vouched
            .iter()
            .filter(|(_, n)| *n < self.size)
            .map(|(p, _)| *p)
            .collect()
    }
}

/// A checkpoint another state cosigned, checked by this node: signed by the hub it pins,
/// cosigned under the key its replay registers for that state, and consistent with the tree
/// the hub serves now.
#[derive(Debug, Clone)]
pub(crate) struct Vouch {
    pub(crate) party: PartyId,
    /// The prefix of the served tree it vouches for: the smaller of both sizes.
    pub(crate) covers: u64,
    pub(crate) checkpoint: Checkpoint,
    pub(crate) note: SignedNote,
}

/// The note of the checkpoint of `size` that witnesses cosigned, with every one of their
/// cosignatures on it: the checkpoint this node keeps as its last final one when the served
/// checkpoint is not final yet but a smaller one is.
fn final_note(size: u64, vouches: &[Vouch]) -> Result<SignedNote, Error> {
    let mut exact = vouches.iter().filter(|v| v.checkpoint.size() == size);
    let first = exact
        .next()
        .ok_or_else(|| Error::Local(format!("no cosigned checkpoint of size {size}")))?;
    let mut note = first.note.clone();
    for other in exact.filter(|v| v.note.text() == first.note.text()) {
        for signature in other.note.signatures() {
            let held = note
                .signatures()
                .iter()
                .any(|s| s.name() == signature.name() && s.key_id() == signature.key_id());
            if !held {
                note.add_signature(signature.clone())
                    .map_err(|e| Error::Local(e.to_string()))?;
            }
        }
    }
    Ok(note)
}

fn codes(parties: &[PartyId]) -> String {
    let list: Vec<&str> = parties.iter().map(PartyId::as_str).collect();
    format!("[{}]", list.join(", "))
}

/// `3 h 20 min`, `45 s`: a duration for people.
pub fn duration(seconds: u64) -> String {
    match seconds {
        s if s < 60 => format!("{s} s"),
        s if s < 3600 => format!("{} min", s / 60),
        s if s < 86_400 => format!("{} h {} min", s / 3600, s % 3600 / 60),
        s => format!("{} d {} h", s / 86_400, s % 86_400 / 3600),
    }
}

impl Node {
    /// Judges the served checkpoint (verified, with the registry replayed from it) by this
    /// state's witness policy: final when enough of its witnesses cosigned it, under the keys
    /// the replay registers for them. Keeps the last final checkpoint with its cosignatures,
    /// and the moment a checkpoint beyond it was first seen, to raise the alarm when that
    /// lasts longer than [`Node::set_alarm_after`] allows.
    pub(crate) fn settle(
        &self,
        checkpoint: &Checkpoint,
        note: &SignedNote,
        registry: &Registry,
        vouches: &[Vouch],
    ) -> Result<Finality, Error> {
        let quorum = registry.quorum(&self.party).unwrap_or(Quorum {
            witnesses: Vec::new(),
            threshold: 0,
        });
        let cosigned_by: Vec<PartyId> = cosigners(checkpoint, note, registry)
            .into_iter()
            .filter(|p| quorum.witnesses.contains(p))
            .collect();
        let size = checkpoint.size();
        let vouched: Vec<(PartyId, u64)> = quorum
            .witnesses
            .iter()
            .map(|w| {
                let covers = if cosigned_by.contains(w) {
                    size
                } else {
                    vouches
                        .iter()
                        .find(|v| v.party == *w)
                        .map_or(0, |v| v.covers)
                };
                (*w, covers)
            })
            .collect();
        // The largest size that at least `threshold` witnesses vouched for.
        let mut covers: Vec<u64> = vouched.iter().map(|(_, n)| *n).collect();
        covers.sort_unstable_by(|a, b| b.cmp(a));
        let settled = match quorum.threshold {
            0 => size,
            k => covers.get(k - 1).copied().unwrap_or(0),
        };
        if settled == size {
            self.store.set_final(size, &note.to_string())?;
        } else if settled > 0 {
            self.store
                .set_final(settled, &final_note(settled, vouches)?.to_string())?;
        }
        let final_size = self.store.final_size()?;
        let now = (self.clock)();
        let mut alarm = None;
        if final_size >= size {
            self.store.set_meta(UNWITNESSED_SINCE, "")?;
        } else {
            let since = self
                .store
                .meta(UNWITNESSED_SINCE)?
                .and_then(|v| {
                    let (s, t) = v.split_once(' ')?;
                    Some((s.parse::<u64>().ok()?, t.parse::<u64>().ok()?))
                })
                .filter(|(s, _)| *s > final_size);
            let (waiting, since) = match since {
                Some(found) => found,
                None => {
                    self.store
                        .set_meta(UNWITNESSED_SINCE, &format!("{size} {now}"))?;
                    (size, now)
                }
            };
            let waited = now.saturating_sub(since);
            if waited > self.alarm_after {
                let did = vouched.iter().filter(|(_, n)| *n >= waiting).count();
                let missing: Vec<PartyId> = vouched
                    .iter()
                    .filter(|(_, n)| *n < waiting)
                    .map(|(p, _)| *p)
                    .collect();
                alarm = Some(format!(
                    "alarm: checkpoint {waiting} has waited {} (more than {}) for {} of the witnesses {} to cosign; {} of them did, {} did not; the statements from index {final_size} on are not final",
                    duration(waited),
                    duration(self.alarm_after),
                    quorum.threshold,
                    codes(&quorum.witnesses),
                    did,
                    codes(&missing),
                ));
            }
        }
        Ok(Finality {
            quorum,
            cosigned_by,
            vouched,
            size,
            final_size,
            alarm,
        })
    }

    /// What every other state vouched for, as far as this node can check (`GET /v1/cosigned`):
    /// the newest checkpoint each cosigned, kept when the hub's pinned key signed it, the
    /// state's key in this node's replay (`registry`) cosigned it, and it is consistent with
    /// `current`, the tree the hub serves now. A witness that cosigned a larger tree
    /// consistent with this one vouched for all of this one; a smaller consistent tree, for
    /// its prefix. A checkpoint that conflicts with `current` is kept as evidence and fails
    /// the sync; one that does not verify is left out (a hub can always withhold; it cannot
    /// forge).
    pub(crate) fn vouched(&self, current: &Seen, registry: &Registry) -> Result<Vec<Vouch>, Error> {
        let mut vouches = Vec::new();
        for item in self.client.cosigned()? {
            let Ok(party) = PartyId::new(&item.party) else {
                continue;
            };
            if party == self.party {
                continue;
            }
            let Some(record) = registry.party(&party) else {
                continue;
            };
            let Ok((checkpoint, note)) = open_checkpoint(&item.note, &self.hub) else {
                continue;
            };
            let Ok(verifier) = NoteVerifier::new(
                party.as_str(),
                SignatureKind::CosignatureV1,
                *record.keys.signing_key(),
            ) else {
                continue;
            };
            if !note.has_cosignature(&checkpoint, &verifier) {
                continue;
            }
            let theirs = Seen::new(
                checkpoint.clone(),
                note.clone(),
                format!("cosigned by {party}, listed by the hub"),
            );
            if let Some(e) = self.conflict(current, &theirs)? {
                return Err(self.keep(&e)?);
            }
            vouches.push(Vouch {
                party,
                covers: checkpoint.size().min(current.checkpoint.size()),
                checkpoint,
                note,
            });
        }
        Ok(vouches)
    }

    /// The last checkpoint final for this state (cosigned by a quorum of its witnesses), with
    /// the cosignatures that made it so.
    pub fn final_checkpoint(&self) -> Result<Option<(Checkpoint, SignedNote)>, Error> {
        self.store
            .final_note()?
            .map(|text| open_checkpoint(&text, &self.hub))
            .transpose()
    }

    /// The size of the last final checkpoint (0 before any): the statement at index `i` is
    /// settled for this state when `i` is below it.
    pub fn final_size(&self) -> Result<u64, Error> {
        self.store.final_size()
    }

    /// How long a checkpoint may wait for its quorum before a sync raises the alarm
    /// ([`DEFAULT_ALARM_AFTER`] unless set).
    pub fn set_alarm_after(&mut self, seconds: u64) {
        self.alarm_after = seconds;
    }
}
