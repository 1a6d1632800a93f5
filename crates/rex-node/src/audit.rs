//! Reading the hub's log as an auditor: fetch the checkpoint, the hash tiles and the entry
//! bundles, check that they agree, and replay every statement through
//! [`Registry::apply`], recomputing every matching round. [`verify_log`] does it with keys
//! pinned ahead ([`Trust`]), never with keys the audited hub presents, and requires the
//! pinned witnesses' cosignatures.

use crate::client::{HubClient, HubInfo};
use crate::trust::Trust;
use crate::Error;
use rex_domain::keys::parse_verifying_key;
use rex_domain::log::parse_entries;
use rex_domain::{matching_round, Action, PartyId, Registry, ReplayError};
use rex_tlog::{
    decode_entry_bundle, leaf_hash, level0_tiles, root_of_leaves, Checkpoint, Hash, NoteVerifier,
    SignatureKind, SignedNote, TilePath, TILE_WIDTH,
};
use std::collections::{BTreeMap, HashMap};

/// Most entries an audit reads: bounds memory and time of one run.
pub const MAX_AUDIT_ENTRIES: u64 = 10_000_000;

pub use rex_domain::LogEntry;

/// Parses the bytes of leaf `index`.
pub fn parse_entry(index: u64, bytes: &[u8]) -> Result<LogEntry, Error> {
    LogEntry::parse(bytes).map_err(|e| malformed(index, e))
}

fn malformed(index: u64, why: rex_domain::Rejection) -> Error {
    Error::Evidence(format!("entry {index} is malformed: {why}"))
}

/// The pinned keys of a hub.
#[derive(Debug, Clone)]
pub struct HubKeys {
    /// Verifies checkpoints.
    pub note: NoteVerifier,
    /// The hub's statement key.
    pub statements: rex_tlog::VerifyingKey,
}

impl HubKeys {
    /// Parses the answer of `GET /v1/hub`.
    pub fn from_info(info: &HubInfo) -> Result<Self, Error> {
        let note: NoteVerifier = info.note_vkey.parse().map_err(|e| {
            Error::Evidence(format!(
                "the hub's checkpoint key {:?} is malformed: {e}",
                info.note_vkey
            ))
        })?;
        if note.name() != info.origin {
            return Err(Error::Evidence(format!(
                "the hub's checkpoint key is named {:?}, its origin is {:?}",
                note.name(),
                info.origin
            )));
        }
        let statements = parse_verifying_key(&info.hub_ed25519)
            .map_err(|e| Error::Evidence(format!("the hub's statement key is malformed: {e}")))?;
        Ok(HubKeys { note, statements })
    }
}

/// Fetches and opens the latest checkpoint under the hub's key.
pub fn fetch_checkpoint(
    client: &HubClient,
    keys: &HubKeys,
) -> Result<(Checkpoint, SignedNote), Error> {
    let text = client.checkpoint()?;
    open_checkpoint(&text, keys)
}

/// Opens a checkpoint note under the hub's key.
pub fn open_checkpoint(text: &str, keys: &HubKeys) -> Result<(Checkpoint, SignedNote), Error> {
    let note = SignedNote::parse(text)
        .map_err(|e| Error::Evidence(format!("checkpoint is not a signed note: {e}")))?;
    let checkpoint = Checkpoint::open(&note, &keys.note).map_err(|e| {
        Error::Evidence(format!(
            "checkpoint signature does not verify under the hub's pinned key: {e}"
        ))
    })?;
    Ok((checkpoint, note))
}

/// Entries `start..end` of the tree of `size` entries, from the entry bundles. An entry the
/// hub does not serve is `None` (missing), not an error: callers say which entries are missing.
pub fn fetch_entries(
    client: &HubClient,
    start: u64,
    end: u64,
    size: u64,
) -> Result<BTreeMap<u64, Vec<u8>>, Error> {
    assert!(
        start <= end && end <= size,
        "entries {start}..{end} of {size}"
    );
    let mut out = BTreeMap::new();
    for (b, width) in level0_tiles(start, end, size) {
        let path = TilePath::entries(b, width).map_err(|e| Error::Local(e.to_string()))?;
        let Ok(bytes) = client.tile(&path) else {
            continue;
        };
        let Ok(entries) = decode_entry_bundle(&bytes) else {
            continue;
        };
        for (i, e) in entries.into_iter().enumerate().take(usize::from(width)) {
            let index = b * TILE_WIDTH + i as u64;
            if (start..end).contains(&index) {
                out.insert(index, e);
            }
        }
    }
    Ok(out)
}

/// The leaf hashes `0..size`, from the level-0 hash tiles.
pub fn fetch_leaves(client: &HubClient, size: u64) -> Result<Vec<Hash>, Error> {
    let mut out = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
    for (b, width) in level0_tiles(0, size, size) {
        let path = TilePath::hashes(0, b, width).map_err(|e| Error::Local(e.to_string()))?;
        let bytes = client.tile(&path).map_err(|e| {
            Error::Evidence(format!(
                "hash tile {path} of the tree of {size} is not served: {e}"
            ))
        })?;
        if bytes.len() != usize::from(width) * 32 {
            return Err(Error::Evidence(format!(
                "hash tile {path} has {} bytes, expected {}",
                bytes.len(),
                usize::from(width) * 32
            )));
        }
        out.extend(bytes.chunks_exact(32).filter_map(Hash::from_slice));
    }
    Ok(out)
}

/// What is wrong with the served entries of a tree whose leaf hashes are `leaves` (already
/// checked against the checkpoint root): missing, altered or reordered entries.
pub fn entry_findings(leaves: &[Hash], served: &BTreeMap<u64, Vec<u8>>) -> Vec<String> {
    use rayon::prelude::*;
    findings(
        leaves.par_iter().enumerate().map(|(i, h)| (i as u64, *h)),
        served,
    )
}

/// What is wrong with the served entries at the indexes of `known` entries, given as
/// `(index, leaf hash)` (a node's receipts): missing, altered or reordered entries.
pub fn known_entry_findings(known: &[(u64, Hash)], served: &BTreeMap<u64, Vec<u8>>) -> Vec<String> {
    use rayon::prelude::*;
    findings(known.par_iter().copied(), served)
}

/// The one check behind [`entry_findings`] and [`known_entry_findings`]: each expected entry
/// is served at its index, or served elsewhere (reordered: "entry 3 is now at 1"), or altered,
/// or missing.
fn findings<I>(expected: I, served: &BTreeMap<u64, Vec<u8>>) -> Vec<String>
where
    I: rayon::iter::IndexedParallelIterator<Item = (u64, Hash)>,
{
    use rayon::prelude::*;
    // Hash every entry on every core; look further only at those that do not match.
    let wrong: Vec<(u64, Hash)> = expected
        .filter(|(i, leaf)| served.get(i).is_none_or(|bytes| leaf_hash(bytes) != *leaf))
        .collect();
    if wrong.is_empty() {
        return Vec::new();
    }
    // Where each served entry is, by its leaf hash: the first index, if the hub serves it twice.
    let hashes: Vec<(Hash, u64)> = served
        .par_iter()
        .map(|(i, bytes)| (leaf_hash(bytes), *i))
        .collect();
    let mut served_at: HashMap<Hash, u64> = HashMap::with_capacity(hashes.len());
    for (h, i) in hashes {
        served_at.entry(h).or_insert(i);
    }
    let mut findings = Vec::new();
    let mut moved = Vec::new();
    for (i, leaf) in wrong {
        match served_at.get(&leaf) {
            Some(&j) => moved.push(format!("entry {i} is now at {j}")),
            None if served.contains_key(&i) => findings.push(format!("entry {i} altered")),
            None => findings.push(format!("entry {i} missing")),
        }
    }
    if !moved.is_empty() {
        findings.insert(0, format!("entries reordered ({})", moved.join(", ")));
    }
    findings
}

/// A verified copy of the log: the checkpoint and every entry, each checked against it.
#[derive(Debug, Clone)]
pub struct VerifiedLog {
    /// The checkpoint.
    pub checkpoint: Checkpoint,
    /// Its note, with every signature the hub served.
    pub note: SignedNote,
    /// The entries `0..checkpoint.size()`.
    pub entries: Vec<LogEntry>,
    /// Their bytes.
    pub raw: Vec<Vec<u8>>,
}

/// Fetches the whole log at the latest checkpoint and checks it: the hash tiles give the
/// checkpoint's root, and every entry hashes to its leaf.
pub fn fetch_log(client: &HubClient, keys: &HubKeys) -> Result<VerifiedLog, Error> {
    let (checkpoint, note) = fetch_checkpoint(client, keys)?;
    fetch_log_at(client, checkpoint, note)
}

/// [`fetch_log`] at a checkpoint already opened.
pub fn fetch_log_at(
    client: &HubClient,
    checkpoint: Checkpoint,
    note: SignedNote,
) -> Result<VerifiedLog, Error> {
    let size = checkpoint.size();
    if size > MAX_AUDIT_ENTRIES {
        return Err(Error::Local(format!(
            "the log has {size} entries, more than the {MAX_AUDIT_ENTRIES} one audit reads"
        )));
    }
    let leaves = fetch_leaves(client, size)?;
    if root_of_leaves(&leaves) != checkpoint.root() {
        return Err(Error::Evidence(format!(
            "the hash tiles do not give the root of checkpoint {size}"
        )));
    }
    let served = fetch_entries(client, 0, size, size)?;
    let findings = entry_findings(&leaves, &served);
    if !findings.is_empty() {
        return Err(Error::evidence(findings));
    }
    let raw: Vec<Vec<u8>> = served.into_values().collect();
    let entries = parse_entries(0, &raw).map_err(|(i, e)| malformed(i, e))?;
    Ok(VerifiedLog {
        checkpoint,
        note,
        entries,
        raw,
    })
}

/// What a replay found.
#[derive(Debug, Clone)]
pub struct Replay {
    /// The registry rebuilt from the log.
    pub registry: Registry,
    /// Matching rounds recomputed and found equal to the hub's.
    pub rounds_checked: usize,
    /// Exchange proposals in those rounds.
    pub proposals_checked: usize,
    /// Binding acts signed by two officers (drafter and approver), and by the node alone.
    pub binding_acts: BindingActs,
    /// Message acts (sent, acknowledged, rejected) signed by a liaison officer besides the
    /// node, each signature checked by the replay.
    pub liaison_acts: usize,
}

/// Binding acts in a log, by who signed them ([`rex_domain::officer`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BindingActs {
    /// With a drafter's and an approver's signatures, checked by the replay.
    pub by_officers: usize,
    /// By the node's key alone (`no_officer`, or written before officers existed).
    pub by_node: usize,
}

/// Replays every entry through [`Registry::apply`] with the hub's statement key, checking
/// that entry times never go back and that the hub logged every statement of its own that fell
/// due (go, a lapse, a breach, a missed deadline, a missing acknowledgement) within
/// [`rex_domain::DUE_GRACE_SECONDS`] of its due time, as later entries show. With `recompute_rounds`, every `matching_round` is first
/// recomputed with [`rex_domain::matching_round`] on the registry as it stood, and must be
/// exactly equal.
pub fn replay(
    entries: &[LogEntry],
    hub_key: rex_tlog::VerifyingKey,
    recompute_rounds: bool,
) -> Result<Replay, Error> {
    let mut rounds_checked = 0;
    let mut proposals_checked = 0;
    let mut last_time = 0;
    let mut binding_acts = BindingActs::default();
    let mut liaison_acts = 0;
    let registry = rex_domain::log::replay(hub_key, entries, |step| {
        let i = step.index;
        // Counted ahead of the entry's apply: an entry it refuses ends the replay anyway.
        if step.statement.action.is_binding() {
            match step.statement.acted_by {
                Some(rex_domain::Officers::FourEyes { .. }) => binding_acts.by_officers += 1,
                _ => binding_acts.by_node += 1,
            }
        }
        if step.statement.action.message_officer().is_some() {
            liaison_acts += 1;
        }
        if step.time < last_time {
            return Err(Error::Evidence(format!(
                "entry {i} is dated {} before entry {} ({last_time})",
                step.time,
                i - 1
            )));
        }
        last_time = step.time;
        if !step.statement.action.is_due() {
            let before = step.time.saturating_sub(rex_domain::DUE_GRACE_SECONDS);
            if let Some((due, what)) = step.registry.overdue(before) {
                return Err(Error::Evidence(format!(
                    "entry {i} is dated {}, but the hub never logged {what}, due at {due}: \
                     it skipped a statement that fell due",
                    step.time
                )));
            }
        }
        if !recompute_rounds {
            return Ok(());
        }
        let Action::MatchingRound { proposals } = &step.statement.action else {
            return Ok(());
        };
        let replayed = matching_round(step.registry, step.statement.time).map_err(|err| {
            Error::Evidence(format!(
                "entry {i}: the matching round cannot be recomputed: {err}"
            ))
        })?;
        if replayed != *proposals {
            let ids = |ps: &[rex_domain::ExchangeProposal]| {
                ps.iter()
                    .map(|p| p.id.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            return Err(Error::Evidence(format!(
                "entry {i}: the hub's matching round [{}] is not the replay's [{}]",
                ids(proposals),
                ids(&replayed)
            )));
        }
        rounds_checked += 1;
        proposals_checked += proposals.len();
        Ok(())
    })
    .map_err(|e| match e {
        ReplayError::Check(e) => e,
        e => Error::Evidence(e.to_string()),
    })?;
    Ok(Replay {
        registry,
        rounds_checked,
        proposals_checked,
        binding_acts,
        liaison_acts,
    })
}

/// The outcome of [`verify_log`].
#[derive(Debug, Clone)]
pub struct LogReport {
    /// Entries checked and replayed.
    pub size: u64,
    /// The root of the checkpoint.
    pub root: Hash,
    /// Matching rounds recomputed and equal.
    pub rounds_checked: usize,
    /// Proposals in them.
    pub proposals_checked: usize,
    /// Pinned witnesses whose cosignature on the checkpoint verifies under the pinned key.
    pub cosigned_by: Vec<PartyId>,
    /// Witnesses pinned.
    pub witnesses: usize,
    /// Cosignatures required.
    pub quorum: usize,
    /// Binding acts by two officers and by the node alone, each checked by the replay.
    pub binding_acts: BindingActs,
    /// Message acts signed by a liaison officer, each checked by the replay.
    pub liaison_acts: usize,
    /// The registry at the checkpoint.
    pub registry: Registry,
}

/// Audits the hub at `hub_url` from scratch with the keys of `trust` and nothing the hub
/// says about itself: the checkpoint's signature under the pinned checkpoint key, the tree
/// root from the tiles, every entry against its leaf, every signature and transition by
/// replay (the hub's statements under the pinned statement key), every matching round by
/// recomputation, and at least `trust.quorum()` cosignatures by the pinned witnesses. A
/// witness that the log registers with another key than the pinned one is named too: a hub
/// with parties named like the real ones is not the real states' hub.
pub fn verify_log(hub_url: &str, trust: &Trust) -> Result<LogReport, Error> {
    verify_log_with_progress(hub_url, trust, &mut |_| {})
}

/// [`verify_log`], telling `progress` what it is doing at each stage (one short line each;
/// an audit of a million entries takes seconds per stage).
pub fn verify_log_with_progress(
    hub_url: &str,
    trust: &Trust,
    progress: &mut dyn FnMut(&str),
) -> Result<LogReport, Error> {
    let client = HubClient::new(hub_url)?;
    let text = client.checkpoint()?;
    let note = SignedNote::parse(&text)
        .map_err(|e| Error::Evidence(format!("checkpoint is not a signed note: {e}")))?;
    let checkpoint = Checkpoint::open(&note, trust.checkpoint_key()).map_err(|e| {
        presented_keys(&client, trust).unwrap_or_else(|| {
            Error::Evidence(format!(
                "the checkpoint does not verify under the pinned key {}: {e}",
                trust.checkpoint_key()
            ))
        })
    })?;
    progress(&format!(
        "checkpoint of {} entries verified under the pinned key; fetching the tree and every entry",
        checkpoint.size()
    ));
    let log = fetch_log_at(&client, checkpoint, note)?;
    progress(&format!(
        "{} entries hash to the checkpoint; replaying every signature, transition and matching round",
        log.entries.len()
    ));
    let replayed = replay(&log.entries, trust.statements_key(), true).map_err(|e| {
        // A hub statement signed with another key fails the replay; say whose key it was.
        match presented_keys(&client, trust) {
            Some(Error::Evidence(keys)) => Error::Evidence(format!("{keys}; {e}")),
            _ => e,
        }
    })?;
    let cosigned_by = witness_findings(&log.checkpoint, &log.note, &replayed.registry, trust)?;
    Ok(LogReport {
        size: log.checkpoint.size(),
        root: log.checkpoint.root(),
        rounds_checked: replayed.rounds_checked,
        proposals_checked: replayed.proposals_checked,
        cosigned_by,
        witnesses: trust.witnesses().len(),
        quorum: trust.quorum(),
        binding_acts: replayed.binding_acts,
        liaison_acts: replayed.liaison_acts,
        registry: replayed.registry,
    })
}

/// When the hub's `GET /v1/hub` presents other keys than the pinned ones, evidence saying so
/// (the audit never takes its keys from there; this only explains a signature that fails).
/// `None` when the hub presents the pinned keys or does not say.
fn presented_keys(client: &HubClient, trust: &Trust) -> Option<Error> {
    let info = client.hub_info().ok()?;
    let mut differ = Vec::new();
    if info.note_vkey != trust.checkpoint_key().to_string() {
        differ.push(format!(
            "the hub presents checkpoint key {}, the pinned key is {}",
            info.note_vkey,
            trust.checkpoint_key()
        ));
    }
    let statements = parse_verifying_key(&info.hub_ed25519).ok();
    if statements != Some(trust.statements_key()) {
        let presented = statements
            .and_then(|k| crate::trust::statements_vkey(&info.origin, k).ok())
            .map_or_else(|| info.hub_ed25519.clone(), |v| v.to_string());
        differ.push(format!(
            "the hub presents statement key {presented}, the pinned key is {}",
            trust.statements_vkey()
        ));
    }
    (!differ.is_empty()).then(|| {
        Error::Evidence(format!(
            "{}: not the hub the keys were pinned for, or its keys changed",
            differ.join("; ")
        ))
    })
}

/// The pinned witnesses that cosigned `checkpoint`, or evidence: fewer than the quorum did
/// (naming who is missing), or the log registers a pinned witness's party with another key or
/// not at all (an impostor hub that named its parties like the real ones).
fn witness_findings(
    checkpoint: &Checkpoint,
    note: &SignedNote,
    registry: &Registry,
    trust: &Trust,
) -> Result<Vec<PartyId>, Error> {
    let mut findings = Vec::new();
    let mut cosigned = Vec::new();
    let mut missing = Vec::new();
    for (id, w) in trust.witnesses() {
        let id = *id;
        match registry.party(&id) {
            None => findings.push(format!(
                "witness {id} is not a state registered in this log"
            )),
            Some(p) if p.keys.signing_key() != w.key() => {
                let registered = crate::trust::witness_vkey(&p.keys)
                    .map_or_else(|_| p.keys.keyid().to_string(), |v| v.to_string());
                findings.push(format!(
                    "witness {id}: the log registers {id} with key {registered}, the pinned key \
                     is {w}"
                ));
            }
            Some(_) => {}
        }
        if note.has_cosignature(checkpoint, w) {
            cosigned.push(id);
        } else {
            missing.push(id.to_string());
        }
    }
    if cosigned.len() < trust.quorum() {
        let by = if cosigned.is_empty() {
            "none".to_owned()
        } else {
            cosigned
                .iter()
                .map(|p| p.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        };
        findings.push(format!(
            "checkpoint {} is cosigned by {} of the {} pinned witnesses ({by}), {} required; \
             missing: {}",
            checkpoint.size(),
            cosigned.len(),
            trust.witnesses().len(),
            trust.quorum(),
            missing.join(", ")
        ));
    }
    if findings.is_empty() {
        Ok(cosigned)
    } else {
        Err(Error::evidence(findings))
    }
}

/// The registered states whose cosignature on `checkpoint` is in `note` and verifies under the
/// state's statement key (a node cosigns with it, named by its party code).
pub fn cosigners(checkpoint: &Checkpoint, note: &SignedNote, registry: &Registry) -> Vec<PartyId> {
    registry
        .parties()
        .map(|p| (p.keys.party(), *p.keys.signing_key()))
        .filter(|(id, key)| {
            NoteVerifier::new(id.as_str(), SignatureKind::CosignatureV1, *key)
                .is_ok_and(|verifier| note.has_cosignature(checkpoint, &verifier))
        })
        .map(|(id, _)| id)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    type Served = BTreeMap<u64, Vec<u8>>;

    #[test]
    fn findings_name_the_entry() {
        let entries: Vec<Vec<u8>> = (0..5u8).map(|i| vec![i]).collect();
        let leaves: Vec<Hash> = entries.iter().map(|e| leaf_hash(e)).collect();
        let served = |edit: &dyn Fn(&mut Served)| {
            let mut m: Served = entries
                .iter()
                .cloned()
                .enumerate()
                .map(|(i, e)| (i as u64, e))
                .collect();
            edit(&mut m);
            entry_findings(&leaves, &m).join("; ")
        };
        assert_eq!(served(&|_| {}), "");
        assert_eq!(
            served(&|m| m.get_mut(&2).unwrap().push(9)),
            "entry 2 altered"
        );
        assert_eq!(
            served(&|m| {
                m.remove(&4);
            }),
            "entry 4 missing"
        );
        assert_eq!(
            served(&|m| {
                let (a, b) = (m[&1].clone(), m[&3].clone());
                m.insert(1, b);
                m.insert(3, a);
            }),
            "entries reordered (entry 1 is now at 3, entry 3 is now at 1)"
        );
    }
}
