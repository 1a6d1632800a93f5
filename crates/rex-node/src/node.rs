//! A state's node: its keys, its local store, and every exchange with the hub, each one checked.

use crate::audit::{
    entry_findings, fetch_checkpoint, fetch_entries, fetch_leaves, fetch_log_at,
    known_entry_findings, open_checkpoint, HubKeys,
};
use crate::client::{decode_hashes, HubClient, HubInfo, Receipt, RequestKey};
use crate::store::{Store, StoredReceipt};
use crate::witness::{Finality, Seen, DEFAULT_ALARM_AFTER};
use crate::Error;
use age::secrecy::ExposeSecret as _;
use base64::Engine as _;
use ed25519_dalek::SigningKey;
use rex_domain::law;
use rex_domain::log::LogEntry;
use rex_domain::{
    Action, AgeRecipient, Check, Digest, DossierFacts, DossierRef, Envelope, Evaluation,
    MetadataDraft, OfficerId, Outcome, PartyId, PublicKeyFile, Registry, RequestId,
    RequestMetadata, Signing, Statement, Verdict, DOSSIER_FORMAT,
};
use rex_tlog::{
    leaf_hash, root_of_leaves, verify_inclusion, Checkpoint, Cosigner, Hash, SignedNote,
};
use std::fs;
use std::io::Write as _;
use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};
use std::str::FromStr as _;

const SIGNING_KEY_FILE: &str = "ed25519.key";
const AGE_KEY_FILE: &str = "age.key";
const STORE_FILE: &str = "node.sqlite";
/// The exported public keys, for the hub operator.
pub const PUBLIC_KEY_FILE: &str = "public-keys.json";

/// The clock: unix seconds. Injected so tests can move it.
pub type Clock = fn() -> u64;

fn system_clock() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// What [`Node::submit`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Submitted {
    /// The statement's sequence number.
    pub seq: u64,
    /// The payload digest, from which created ids derive.
    pub digest: Digest,
    /// The leaf index in the log.
    pub index: u64,
    /// The size of the checkpoint the receipt came with.
    pub tree_size: u64,
    /// Whether the hub took the node's cosignature on that checkpoint (the statement is
    /// accepted and verified either way).
    pub cosigned: Result<(), String>,
}

/// What [`Node::sync`] found (when it found nothing wrong).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncReport {
    /// The size of the checkpoint held before.
    pub old_size: u64,
    /// The size of the latest checkpoint, now held.
    pub size: u64,
    /// Receipts whose entries were found intact at their index.
    pub receipts_checked: usize,
    /// Whether the hub took the node's cosignature.
    pub cosigned: Result<(), String>,
    /// Whether the checkpoint is final for this state, and since where statements are not.
    pub finality: Finality,
}

/// A state's node.
pub struct Node {
    pub(crate) dir: PathBuf,
    pub(crate) party: PartyId,
    pub(crate) key: SigningKey,
    pub(crate) identity: age::x25519::Identity,
    pub(crate) store: Store,
    pub(crate) client: HubClient,
    pub(crate) hub: HubKeys,
    pub(crate) clock: Clock,
    pub(crate) alarm_after: u64,
    /// The log as this node last fetched, checked and replayed it ([`Node::registry`],
    /// [`Node::sync`]), so that the next [`Node::registry`] fetches and replays only the
    /// entries added since.
    pub(crate) replayed: std::sync::Mutex<Option<Replayed>>,
}

/// A replay of the log kept between calls: the leaf hashes of the entries replayed (checked
/// against a checkpoint's root when they were fetched) and the replay itself.
pub(crate) struct Replayed {
    leaves: Vec<Hash>,
    /// The root of `leaves`, once checked against a checkpoint.
    root: Option<Hash>,
    replay: rex_domain::log::Replay,
    /// The acceptance time of the last entry replayed (entry times never go back).
    last_time: u64,
}

impl Replayed {
    fn new(hub_key: rex_tlog::VerifyingKey) -> Replayed {
        Replayed {
            leaves: Vec::new(),
            root: None,
            replay: rex_domain::log::Replay::new(hub_key),
            last_time: 0,
        }
    }

    /// Replays `entries`, the next ones of the log, whose leaf hashes are `leaves` (checked
    /// by the caller), with the one check every replay makes here: entry times never go back
    /// ([`crate::audit::replay`]).
    fn extend(&mut self, entries: Vec<LogEntry>, leaves: &[Hash]) -> Result<(), Error> {
        let last_time = &mut self.last_time;
        let mut check = |step: rex_domain::log::Step<'_>| {
            if step.time < *last_time {
                return Err(Error::Evidence(format!(
                    "entry {} is dated {} before entry {} ({last_time})",
                    step.index,
                    step.time,
                    step.index - 1
                )));
            }
            *last_time = step.time;
            Ok(())
        };
        let mut entries = entries;
        while !entries.is_empty() {
            let rest = entries.split_off(entries.len().min(rex_domain::log::REPLAY_CHUNK));
            self.replay
                .apply_chunk(entries, &mut check)
                .map_err(|e| match e {
                    rex_domain::log::ReplayError::Check(e) => e,
                    e => Error::Evidence(e.to_string()),
                })?;
            entries = rest;
        }
        self.leaves.extend_from_slice(leaves);
        Ok(())
    }
}

impl std::fmt::Debug for Node {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Node")
            .field("party", &self.party)
            .field("dir", &self.dir)
            .field("hub", &self.client.base())
            .finish_non_exhaustive()
    }
}

/// Writes a key file that only its owner can read ([`rex_store::secret`]).
fn write_secret(path: &Path, text: &str) -> Result<(), Error> {
    rex_store::secret::write_secret(path, text).map_err(|e| Error::Local(e.to_string()))
}

/// Reads a key file, refusing one that others could read.
fn read_secret(path: &Path) -> Result<String, Error> {
    rex_store::secret::read_secret(path).map_err(|e| Error::Local(e.to_string()))
}

/// Creates a node for `party` in `data_dir`: an Ed25519 signing key, an age X25519 identity
/// (both `0600`, in a `0700` directory), the local store, the hub's keys pinned from
/// `GET /v1/hub`, and the exported public key file ([`PUBLIC_KEY_FILE`]) for the hub operator.
pub fn init(party: PartyId, hub_url: &str, data_dir: &Path) -> Result<Node, Error> {
    init_with_clock(party, hub_url, data_dir, system_clock)
}

/// [`init`] with an injected clock.
pub fn init_with_clock(
    party: PartyId,
    hub_url: &str,
    data_dir: &Path,
    clock: Clock,
) -> Result<Node, Error> {
    if data_dir.join(STORE_FILE).exists() || data_dir.join(SIGNING_KEY_FILE).exists() {
        return Err(Error::Input(format!(
            "{} already holds a node",
            data_dir.display()
        )));
    }
    let client = HubClient::new(hub_url)?;
    let info = client.hub_info()?;
    let hub = HubKeys::from_info(&info)?;
    let at = |path: &Path| {
        let path = path.display().to_string();
        move |e: std::io::Error| Error::Local(format!("{path}: {e}"))
    };
    fs::create_dir_all(data_dir).map_err(at(data_dir))?;
    fs::set_permissions(data_dir, fs::Permissions::from_mode(0o700)).map_err(at(data_dir))?;
    let key = SigningKey::generate(&mut rand_core::OsRng);
    let b64 = base64::engine::general_purpose::STANDARD;
    write_secret(
        &data_dir.join(SIGNING_KEY_FILE),
        &b64.encode(key.to_bytes()),
    )?;
    let identity = age::x25519::Identity::generate();
    write_secret(
        &data_dir.join(AGE_KEY_FILE),
        identity.to_string().expose_secret(),
    )?;
    let store_path = data_dir.join(STORE_FILE);
    let store = Store::open(&store_path)?;
    fs::set_permissions(&store_path, fs::Permissions::from_mode(0o600)).map_err(at(&store_path))?;
    let client = client.signing_with(RequestKey::new(
        party.as_str(),
        key.clone(),
        &info.origin,
        clock,
    ));
    store.set_meta("party", party.as_str())?;
    store.set_meta("hub_url", client.base())?;
    store.set_meta(
        "hub_info",
        &serde_json::to_string(&info).map_err(|e| Error::Local(e.to_string()))?,
    )?;
    let node = Node {
        dir: data_dir.to_owned(),
        party,
        key,
        identity,
        store,
        client,
        hub,
        clock,
        alarm_after: DEFAULT_ALARM_AFTER,
        replayed: std::sync::Mutex::new(None),
    };
    let public = data_dir.join(PUBLIC_KEY_FILE);
    fs::write(&public, node.public_keys()?.to_json()).map_err(at(&public))?;
    Ok(node)
}

/// Opens the node in `data_dir`.
pub fn open(data_dir: &Path) -> Result<Node, Error> {
    open_with_clock(data_dir, system_clock)
}

/// [`open`] with an injected clock.
pub fn open_with_clock(data_dir: &Path, clock: Clock) -> Result<Node, Error> {
    let store_path = data_dir.join(STORE_FILE);
    if !store_path.exists() {
        return Err(Error::Input(format!(
            "{} holds no node (run `rex node init` first)",
            data_dir.display()
        )));
    }
    let b64 = base64::engine::general_purpose::STANDARD;
    let seed: [u8; 32] = b64
        .decode(read_secret(&data_dir.join(SIGNING_KEY_FILE))?)
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| Error::Local(format!("{SIGNING_KEY_FILE} is not a base64 Ed25519 seed")))?;
    let identity = age::x25519::Identity::from_str(&read_secret(&data_dir.join(AGE_KEY_FILE))?)
        .map_err(|e| Error::Local(format!("{AGE_KEY_FILE} is not an age identity: {e}")))?;
    let store = Store::open(&store_path)?;
    let missing = |k: &str| Error::Local(format!("the local store lacks {k}"));
    let party = PartyId::new(&store.meta("party")?.ok_or_else(|| missing("party"))?)
        .map_err(|e| Error::Local(e.to_string()))?;
    let client = HubClient::new(&store.meta("hub_url")?.ok_or_else(|| missing("hub_url"))?)?;
    let info: HubInfo =
        serde_json::from_str(&store.meta("hub_info")?.ok_or_else(|| missing("hub_info"))?)
            .map_err(|e| Error::Local(e.to_string()))?;
    let hub = HubKeys::from_info(&info)?;
    let key = SigningKey::from_bytes(&seed);
    // Dossier uploads and downloads are signed as this state.
    let client = client.signing_with(RequestKey::new(
        party.as_str(),
        key.clone(),
        &info.origin,
        clock,
    ));
    Ok(Node {
        dir: data_dir.to_owned(),
        party,
        key,
        identity,
        store,
        client,
        hub,
        clock,
        alarm_after: DEFAULT_ALARM_AFTER,
        replayed: std::sync::Mutex::new(None),
    })
}

impl Node {
    /// The state this node acts for.
    pub fn party(&self) -> PartyId {
        self.party
    }

    /// The data directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The hub client.
    pub fn client(&self) -> &HubClient {
        &self.client
    }

    /// The node's public keys, as exported for the hub operator.
    pub fn public_keys(&self) -> Result<PublicKeyFile, Error> {
        let recipient = AgeRecipient::parse(&self.identity.to_public().to_string())
            .map_err(|e| Error::Local(e.to_string()))?;
        PublicKeyFile::new(self.party, self.key.verifying_key(), recipient)
            .map_err(|e| Error::Local(e.to_string()))
    }

    /// The last checkpoint this node verified, if any.
    pub fn checkpoint(&self) -> Result<Option<(Checkpoint, SignedNote)>, Error> {
        self.store
            .checkpoint()?
            .map(|text| open_checkpoint(&text, &self.hub))
            .transpose()
    }

    /// The receipts this node holds.
    pub fn receipts(&self) -> Result<Vec<StoredReceipt>, Error> {
        self.store.receipts()
    }

    /// Checks that `new` extends the checkpoint this node holds: same tree or a larger one
    /// with a valid consistency proof. Says exactly what is wrong otherwise; two checkpoints
    /// that conflict are kept as evidence ([`crate::witness`]) before it says so.
    fn check_consistent(&self, new: &Checkpoint, new_note: &SignedNote) -> Result<(), Error> {
        let Some((old, old_note)) = self.checkpoint()? else {
            return Ok(());
        };
        let (m, n) = (old.size(), new.size());
        if n < m {
            let lost = self
                .store
                .receipts()?
                .into_iter()
                .find(|r| r.index >= n)
                .map(|r| r.index);
            return Err(Error::Evidence(match lost {
                Some(i) => format!("entry {i} missing (tree shrank from {m} to {n})"),
                None => format!(
                    "checkpoint {n} is not consistent with checkpoint {m} (tree shrank from {m} to {n})"
                ),
            }));
        }
        let held = Seen::new(old, old_note, format!("held by {}", self.party));
        let served = Seen::new(
            new.clone(),
            new_note.clone(),
            format!("served to {} by the hub", self.party),
        );
        match self.conflict(&held, &served)? {
            Some(evidence) => Err(self.keep(&evidence)?),
            None => Ok(()),
        }
    }

    /// Keeps `checkpoint` as the latest if it is larger than the one held.
    fn advance(&self, checkpoint: &Checkpoint, note: &SignedNote) -> Result<(), Error> {
        let held = self.checkpoint()?.map_or(0, |(c, _)| c.size());
        if checkpoint.size() > held || self.store.checkpoint()?.is_none() {
            self.store
                .set_checkpoint(checkpoint.size(), &note.to_string())?;
        }
        Ok(())
    }

    /// Cosigns a checkpoint this node verified (signature and consistency) and posts it.
    fn cosign(&self, checkpoint: &Checkpoint, note: &SignedNote) -> Result<(), String> {
        let cosigner =
            Cosigner::new(self.party.as_str(), self.key.clone()).map_err(|e| e.to_string())?;
        let cosignature = cosigner
            .cosign(checkpoint, (self.clock)())
            .map_err(|e| e.to_string())?;
        let mut note = note.clone();
        note.add_signature(cosignature.to_note_signature())
            .map_err(|e| e.to_string())?;
        self.client
            .post_cosignature(self.party, &note.to_string())
            .map_err(|e| e.to_string())
    }

    /// Signs `action` as the node's next statement, submits it, verifies the receipt, keeps
    /// it, and cosigns the receipt's checkpoint.
    ///
    /// The receipt is verified thus: its digest is the payload's; its checkpoint is signed by
    /// the hub's pinned note key and is consistent with the last checkpoint the node holds;
    /// the entry at its index is this very envelope (read from the entry bundle); and the
    /// inclusion proof leads from that entry to the checkpoint's root.
    ///
    /// Holds the data directory's lock throughout: another process acting for this state
    /// (`rex node serve` and the CLI) waits its turn rather than taking the same number.
    ///
    /// A binding act says in the statement that no officer signed (`acted_by: no_officer`);
    /// [`Node::submit_four_eyes`] adds a drafter's and an approver's signatures.
    pub fn submit(&mut self, action: Action) -> Result<Submitted, Error> {
        self.submit_signed(action, Vec::new())
    }

    /// [`Node::submit`], with officers' signatures after the node's: a drafter's then an
    /// approver's (named in the statement's `acted_by`), or a liaison officer's (named in the
    /// message act itself).
    pub(crate) fn submit_signed(
        &mut self,
        action: Action,
        officers: Vec<(Signing, OfficerId, SigningKey)>,
    ) -> Result<Submitted, Error> {
        let _lock = self.exclusive()?;
        let last = self.store.last_seq()?;
        let expected = self.client.next_seq(self.party)?;
        if expected != last + 1 {
            return Err(Error::Evidence(format!(
                "the hub expects seq {expected} from {}, but this node's last accepted statement is seq {last}",
                self.party
            )));
        }
        let mut statement = Statement::new(self.party, last + 1, (self.clock)(), action);
        if let [(Signing::Drafter, drafter, _), (Signing::Approver, approver, _)] =
            officers.as_slice()
        {
            statement = statement.with_officers(drafter.clone(), approver.clone());
        }
        let mut envelope = Envelope::sign_statement(&statement, &self.key);
        for (signing, officer, key) in &officers {
            envelope.add_officer_signature(*signing, self.party, officer, key);
        }
        let receipt = self.client.post_statement(&envelope)?;
        let (checkpoint, note, entry) = self.verify_receipt(&envelope, &receipt)?;
        let digest = envelope.payload_digest();
        let held = self.checkpoint()?.map_or(0, |(c, _)| c.size());
        let note_text = note.to_string();
        let newer = (checkpoint.size() > held).then_some((checkpoint.size(), note_text.as_str()));
        self.store.record_receipt(
            &StoredReceipt {
                index: receipt.index,
                seq: statement.seq,
                action: statement.action.name().to_owned(),
                statement_sha256: digest.to_string(),
                entry,
            },
            &serde_json::to_string(&receipt).map_err(|e| Error::Local(e.to_string()))?,
            newer,
        )?;
        let cosigned = self.cosign(&checkpoint, &note);
        Ok(Submitted {
            seq: statement.seq,
            digest,
            index: receipt.index,
            tree_size: receipt.tree_size,
            cosigned,
        })
    }

    fn verify_receipt(
        &self,
        envelope: &Envelope,
        receipt: &Receipt,
    ) -> Result<(Checkpoint, SignedNote, Vec<u8>), Error> {
        let digest = envelope.payload_digest().to_string();
        if receipt.statement_sha256 != digest {
            return Err(Error::Evidence(format!(
                "the receipt names statement {}, this node sent {digest}",
                receipt.statement_sha256
            )));
        }
        let (checkpoint, note) = open_checkpoint(&receipt.checkpoint, &self.hub)?;
        let (i, n) = (receipt.index, checkpoint.size());
        if receipt.tree_size != n || i >= n {
            return Err(Error::Evidence(format!(
                "the receipt puts entry {i} in a tree of {} under checkpoint {n}",
                receipt.tree_size
            )));
        }
        self.check_consistent(&checkpoint, &note)?;
        let entry = fetch_entries(&self.client, i, i + 1, n)?
            .remove(&i)
            .ok_or_else(|| Error::Evidence(format!("entry {i} missing")))?;
        let logged = crate::audit::parse_entry(i, &entry)?;
        if logged.envelope != *envelope {
            return Err(Error::Evidence(format!(
                "entry {i} is not the statement this node sent"
            )));
        }
        let proof = decode_hashes(&receipt.inclusion).ok_or_else(|| {
            Error::Evidence(format!(
                "the inclusion proof of entry {i} is not base64 hashes"
            ))
        })?;
        verify_inclusion(i, n, leaf_hash(&entry), &proof, checkpoint.root()).map_err(|_| {
            Error::Evidence(format!(
                "the inclusion proof of entry {i} does not lead to the root of checkpoint {n}"
            ))
        })?;
        Ok((checkpoint, note, entry))
    }

    /// The registry as this node sees it: the log at the latest checkpoint (checked against
    /// the pinned key and the checkpoint held), replayed through [`Registry::apply`]. The
    /// hub's own snapshot is never trusted.
    ///
    /// The replay is kept between calls (and by [`Node::sync`]): a call fetches only the
    /// entries added since, checks that the leaf hashes of the entries kept and of the new
    /// ones give the checkpoint's root, and replays the new ones. When they do not (or
    /// nothing is kept yet), the whole log is fetched and checked against the hash tiles,
    /// entry by entry, so that what the hub altered is named.
    pub fn registry(&self) -> Result<Registry, Error> {
        let (checkpoint, note) = fetch_checkpoint(&self.client, &self.hub)?;
        self.check_consistent(&checkpoint, &note)?;
        let registry = match self.extend_replay(&checkpoint)? {
            Some(registry) => registry,
            None => {
                let log = fetch_log_at(&self.client, checkpoint.clone(), note.clone())?;
                let leaves: Vec<Hash> = log.raw.iter().map(|e| leaf_hash(e)).collect();
                let mut kept = Replayed::new(self.hub.statements);
                kept.extend(log.entries, &leaves)?;
                kept.root = Some(checkpoint.root());
                let registry = kept.replay.registry().clone();
                *self.kept() = Some(kept);
                registry
            }
        };
        self.advance(&checkpoint, &note)?;
        Ok(registry)
    }

    /// The replay kept, locked.
    fn kept(&self) -> std::sync::MutexGuard<'_, Option<Replayed>> {
        self.replayed.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The registry at `checkpoint` from the replay kept, extended by the entries added since
    /// it was made; `None` when nothing is kept, or the entries kept and the new ones do not
    /// give `checkpoint`'s root (the replay kept is then dropped).
    fn extend_replay(&self, checkpoint: &Checkpoint) -> Result<Option<Registry>, Error> {
        let mut kept = self.kept();
        let Some(replayed) = kept.as_mut() else {
            return Ok(None);
        };
        let (from, size) = (replayed.leaves.len() as u64, checkpoint.size());
        if from > size {
            *kept = None;
            return Ok(None);
        }
        if from == size && replayed.root == Some(checkpoint.root()) {
            return Ok(Some(replayed.replay.registry().clone()));
        }
        let served = fetch_entries(&self.client, from, size, size)?;
        let raw: Vec<Vec<u8>> = served.into_values().collect();
        let leaves: Vec<Hash> = raw.iter().map(|e| leaf_hash(e)).collect();
        replayed.leaves.extend_from_slice(&leaves);
        let root = root_of_leaves(&replayed.leaves);
        replayed
            .leaves
            .truncate(replayed.leaves.len() - leaves.len());
        if raw.len() as u64 != size - from || root != checkpoint.root() {
            *kept = None;
            return Ok(None);
        }
        replayed.root = Some(root);
        let entries = match rex_domain::log::parse_entries(from, &raw) {
            Ok(entries) => entries,
            Err((i, e)) => {
                *kept = None;
                return Err(Error::Evidence(format!("entry {i} is malformed: {e}")));
            }
        };
        if let Err(e) = replayed.extend(entries, &leaves) {
            // The replay may have applied some of the entries: start again next time.
            *kept = None;
            return Err(e);
        }
        Ok(Some(replayed.replay.registry().clone()))
    }

    /// Files a request: encrypts `dossier` to the requester (this state) and the custodian,
    /// uploads the ciphertext, keeps the plaintext locally, and files the statement with the
    /// dossier's digest and size. Returns the request's id.
    pub fn file_request(
        &mut self,
        draft: MetadataDraft,
        dossier: &[u8],
    ) -> Result<(RequestId, Submitted), Error> {
        if draft.requester != self.party {
            return Err(Error::Input(format!(
                "{} cannot file a request as requester {}",
                self.party, draft.requester
            )));
        }
        let metadata = RequestMetadata::new(draft).map_err(|e| Error::Input(e.to_string()))?;
        if dossier.is_empty() {
            return Err(Error::Input("the dossier is empty".into()));
        }
        let registry = self.registry()?;
        let mut recipients = Vec::new();
        for p in [metadata.requester, metadata.custodian] {
            let party = registry
                .party(&p)
                .ok_or_else(|| Error::Input(format!("{p} is not registered at the hub")))?;
            let r = age::x25519::Recipient::from_str(party.keys.age_recipient().as_str()).map_err(
                |e| Error::Evidence(format!("the age recipient of {p} is unusable: {e}")),
            )?;
            recipients.push(r);
        }
        let ciphertext = encrypt(&recipients, dossier)?;
        let sha256 = Digest::of(&ciphertext);
        let (hub_sha, hub_size) = self.client.post_dossier(&ciphertext)?;
        if hub_sha != sha256.to_string() || hub_size != ciphertext.len() as u64 {
            return Err(Error::Evidence(format!(
                "the hub stored the dossier as {hub_sha} ({hub_size} bytes), this node sent {sha256} ({} bytes)",
                ciphertext.len()
            )));
        }
        self.store.put_dossier(&sha256.to_string(), dossier)?;
        let submitted = self.submit(Action::RequestFiled {
            metadata,
            dossier: DossierRef {
                sha256,
                size: ciphertext.len() as u64,
            },
        })?;
        let id = RequestId::from_digest(&submitted.digest);
        self.store
            .set_dossier_request(&sha256.to_string(), &id.to_string())?;
        Ok((id, submitted))
    }

    /// Reads the dossier of `request`: downloads the ciphertext, checks its digest against the
    /// request, and decrypts it with this node's identity. A state the dossier is not
    /// addressed to cannot decrypt it.
    pub fn read_dossier(&self, request: &RequestId) -> Result<Vec<u8>, Error> {
        let registry = self.registry()?;
        let r = registry
            .request(request)
            .ok_or_else(|| Error::Input(format!("no request {request}")))?;
        self.decrypt_dossier(r)
    }

    /// Downloads, checks and decrypts the dossier of `r`.
    fn decrypt_dossier(&self, r: &rex_domain::Request) -> Result<Vec<u8>, Error> {
        let request = r.id;
        let sha = r.dossier.sha256.to_string();
        let ciphertext = self.client.get_dossier(&sha)?;
        if Digest::of(&ciphertext) != r.dossier.sha256 {
            return Err(Error::Evidence(format!(
                "the hub served a dossier for {request} that is not {sha}"
            )));
        }
        let plaintext = age::decrypt(&self.identity, &ciphertext).map_err(|_| {
            Error::Denied(format!(
                "the dossier of {request} is not addressed to {} (its key cannot open it)",
                self.party
            ))
        })?;
        Ok(plaintext)
    }

    /// Keeps the written grounds of a decision on this node (`DIR/grounds/<sha256>`, written
    /// once) and returns their SHA-256, which the decision statement carries: the grounds stay
    /// with the state that decided. Empty grounds are refused.
    pub fn keep_grounds(&self, text: &[u8]) -> Result<Digest, Error> {
        if text.iter().all(u8::is_ascii_whitespace) {
            return Err(Error::Input(
                "the grounds are empty; write why the check passes or fails".into(),
            ));
        }
        let sha256 = Digest::of(text);
        let dir = self.dir.join("grounds");
        fs::create_dir_all(&dir).map_err(|e| Error::Local(format!("{}: {e}", dir.display())))?;
        let path = dir.join(sha256.to_string());
        if !path.exists() {
            fs::write(&path, text).map_err(|e| Error::Local(format!("{}: {e}", path.display())))?;
        }
        Ok(sha256)
    }

    /// The screening checks of `request` that await this node's evaluation on the dossier
    /// ([`rex_domain::law`]): limitation, age at the offence, ne bis in idem, amnesty.
    pub fn awaiting_evaluation(
        registry: &Registry,
        me: PartyId,
        request: &RequestId,
    ) -> Vec<Check> {
        registry
            .request(request)
            .filter(|r| r.status == rex_domain::RequestStatus::AwaitingAnswer)
            .map(|r| {
                r.screening
                    .iter()
                    .filter(|c| {
                        matches!(&c.outcome, Outcome::Awaiting { party, role: None, .. } if *party == me)
                    })
                    .map(|c| c.check)
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Evaluates, on the dossier that only this node (with the requester) can read, the
    /// checks of `request` that await it, under this state's profile in force at the filing,
    /// and signs the verdicts (`screening_evaluated`). The plaintext never leaves the node;
    /// the log gets a verdict and a reason per check, naming rules, not facts. A fact the
    /// dossier does not state is referred to a person. `None` when nothing awaits this node.
    ///
    /// First, as the custodian, it logs the subject's tag if it has not yet
    /// ([`Node::tag_subject`]), so that a competing request is found as early as the dossier is
    /// read.
    pub fn evaluate_screening(&mut self, request: &RequestId) -> Result<Option<Submitted>, Error> {
        let registry = self.registry()?;
        if self.awaiting_tag(&registry, request) {
            self.tag_with(&registry, request)?;
        }
        let awaited = Self::awaiting_evaluation(&registry, self.party, request);
        if awaited.is_empty() {
            return Ok(None);
        }
        let r = registry
            .request(request)
            .ok_or_else(|| Error::Input(format!("no request {request}")))?;
        let profile = r
            .profiles
            .custodian
            .and_then(|v| registry.profile_version(&self.party, v))
            .ok_or_else(|| {
                Error::Evidence(format!(
                    "request {request} awaits this node's evaluation, yet the log holds no \
                     profile of {} it was screened against",
                    self.party
                ))
            })?;
        let plaintext = self.decrypt_dossier(r)?;
        let evaluations: Vec<Evaluation> = match DossierFacts::parse(&plaintext) {
            Ok(facts) => law::evaluate(&r.metadata, &profile.profile, &facts, (self.clock)()),
            // The parse error may quote the dossier: it stays here, the log says only this.
            Err(_) => awaited
                .iter()
                .map(|c| Evaluation {
                    check: *c,
                    verdict: Verdict::Referred,
                    reason: format!(
                        "the dossier is unreadable as {DOSSIER_FORMAT}: a person decides"
                    ),
                })
                .collect(),
        }
        .into_iter()
        .filter(|e| awaited.contains(&e.check))
        .collect();
        if evaluations.is_empty() {
            return Ok(None);
        }
        self.submit(Action::ScreeningEvaluated {
            request: *request,
            evaluations,
        })
        .map(Some)
    }

    /// Whether this node, as the custodian of an open `request` whose subject it has not
    /// tagged, has yet to read its dossier for an identity to tag. A dossier read once is
    /// marked (`DIR/tagged/<request>`), identity or not, so that a sync does not fetch and
    /// decrypt again a dossier that states none.
    pub fn awaiting_tag(&self, registry: &Registry, request: &RequestId) -> bool {
        registry.request(request).is_some_and(|r| {
            r.metadata.custodian == self.party
                && matches!(
                    r.status,
                    rex_domain::RequestStatus::AwaitingAnswer | rex_domain::RequestStatus::Pooled
                )
        }) && registry.subject_tag(request).is_none()
            && !self.dir.join("tagged").join(request.to_string()).exists()
    }

    /// As the custodian, reads the dossier of `request` and logs the keyed tag of its
    /// subject's identity (`subject_tagged`, [`rex_domain::competing`]): HMAC-SHA256 under a
    /// key derived from this node's secret, so that only this node computes it and the hub
    /// sees equal tags, never a name. `None` when the dossier states no identity, the request
    /// is not this node's to tag, or it is tagged already.
    pub fn tag_subject(&mut self, request: &RequestId) -> Result<Option<Submitted>, Error> {
        let registry = self.registry()?;
        if !self.awaiting_tag(&registry, request) {
            return Ok(None);
        }
        self.tag_with(&registry, request)
    }

    fn tag_with(
        &mut self,
        registry: &Registry,
        request: &RequestId,
    ) -> Result<Option<Submitted>, Error> {
        let r = registry
            .request(request)
            .ok_or_else(|| Error::Input(format!("no request {request}")))?;
        let plaintext = self.decrypt_dossier(r)?;
        // A malformed dossier states no identity; its screening says so on its own.
        let facts = DossierFacts::parse(&plaintext).unwrap_or_default();
        let submitted = match &facts.identity {
            Some(identity) => {
                let tag = rex_domain::TagKey::derive(&self.key.to_bytes())
                    .tag(identity, facts.born.as_deref());
                Some(self.submit(Action::SubjectTagged {
                    request: *request,
                    tag,
                })?)
            }
            None => None,
        };
        let dir = self.dir.join("tagged");
        fs::create_dir_all(&dir).map_err(|e| Error::Local(format!("{}: {e}", dir.display())))?;
        let marker = dir.join(request.to_string());
        fs::write(&marker, b"").map_err(|e| Error::Local(format!("{}: {e}", marker.display())))?;
        Ok(submitted)
    }

    /// The plaintext of a dossier this node filed, from the local store.
    pub fn local_dossier(&self, sha256: &Digest) -> Result<Option<Vec<u8>>, Error> {
        self.store.dossier(&sha256.to_string())
    }

    /// Checks the hub's log against everything this node holds: the latest checkpoint's
    /// signature, its consistency with the checkpoint held (shrinking or forking is caught
    /// here), and that every entry this node holds a receipt for is still at its index with
    /// the same bytes; then the whole tree (tiles against the root, entries against their
    /// leaves). Every checkpoint another state cosigned and this node imported
    /// ([`Node::import_gossip`]) is checked against the served one too, and any evidence of a
    /// split view held fails the sync, naming both roots; it is posted to the hub first
    /// (`POST /v1/evidence`), and what the hub lists is checked and kept too. Cosigns the
    /// checkpoint when all is well.
    pub fn sync(&mut self) -> Result<SyncReport, Error> {
        self.sync_replayed().map(|(report, _)| report)
    }

    /// [`Node::sync`], also returning the registry replayed from the verified log (what a
    /// long-running node shows until its next sync).
    pub fn sync_replayed(&mut self) -> Result<(SyncReport, Registry), Error> {
        self.sync_indexed()
            .map(|(report, registry, _)| (report, registry))
    }

    /// [`Node::sync_replayed`], also returning an index of the verified log's statements
    /// ([`crate::evidence::Logged`]: where each is, who signed it, what it concerns), which the
    /// desk's pages link to the evidence of each statement with.
    pub fn sync_indexed(
        &mut self,
    ) -> Result<(SyncReport, Registry, Vec<crate::evidence::Logged>), Error> {
        let _lock = self.exclusive()?;
        let old_size = self.checkpoint()?.map_or(0, |(c, _)| c.size());
        let (checkpoint, note) = fetch_checkpoint(&self.client, &self.hub)?;
        self.check_consistent(&checkpoint, &note)?;
        let current = Seen::new(
            checkpoint.clone(),
            note.clone(),
            format!("served to {} by the hub", self.party),
        );
        self.check_foreign(&current)?;
        self.exchange_evidence(&current)?;
        self.refuse_if_evidence()?;
        let size = checkpoint.size();
        let receipts = self.store.receipts()?;
        let served = fetch_entries(&self.client, 0, size, size)?;
        let mut findings: Vec<String> = receipts
            .iter()
            .filter(|r| r.index >= size)
            .map(|r| {
                format!(
                    "entry {} missing (tree shrank from {old_size} to {size})",
                    r.index
                )
            })
            .collect();
        let known: Vec<(u64, Hash)> = receipts
            .iter()
            .filter(|r| r.index < size)
            .map(|r| (r.index, leaf_hash(&r.entry)))
            .collect();
        findings.extend(known_entry_findings(&known, &served));
        let mut leaves = Vec::new();
        if findings.is_empty() {
            leaves = fetch_leaves(&self.client, size)?;
            if root_of_leaves(&leaves) != checkpoint.root() {
                findings.push(format!(
                    "the hash tiles do not give the root of checkpoint {size}"
                ));
            } else {
                findings = entry_findings(&leaves, &served);
            }
        }
        if !findings.is_empty() {
            return Err(Error::evidence(findings));
        }
        let raw: Vec<Vec<u8>> = served.into_values().collect();
        let entries = rex_domain::log::parse_entries(0, &raw)
            .map_err(|(i, e)| Error::Evidence(format!("entry {i} is malformed: {e}")))?;
        let index = crate::evidence::index_entries(0, &entries);
        // Every entry was checked against its leaf above; the replay is kept for
        // `registry`.
        let mut kept = Replayed::new(self.hub.statements);
        kept.extend(entries, &leaves)?;
        kept.root = Some(checkpoint.root());
        let registry = kept.replay.registry().clone();
        *self.kept() = Some(kept);
        self.advance(&checkpoint, &note)?;
        let vouched = self.vouched(&current, &registry)?;
        let finality = self.settle(&checkpoint, &note, &registry, &vouched)?;
        let cosigned = self.cosign(&checkpoint, &note);
        let report = SyncReport {
            old_size,
            size,
            receipts_checked: receipts.len(),
            cosigned,
            finality,
        };
        Ok((report, registry, index))
    }

    /// Holds the data directory's lock (`node.lock`) until the guard is dropped: one process
    /// at a time signs, submits and syncs, so that `rex node serve` and the CLI on the same
    /// directory never pick the same sequence number nor interleave a sync. Waits for the
    /// other process to finish.
    pub(crate) fn exclusive(&self) -> Result<DirLock, Error> {
        let path = self.dir.join("node.lock");
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| Error::Local(format!("{}: {e}", path.display())))?;
        file.lock()
            .map_err(|e| Error::Local(format!("{}: {e}", path.display())))?;
        Ok(DirLock(file))
    }
}

/// The data directory's lock, held until dropped ([`Node::exclusive`]).
pub(crate) struct DirLock(std::fs::File);

impl Drop for DirLock {
    fn drop(&mut self) {
        let _ = self.0.unlock();
    }
}

/// Encrypts to every recipient (an age file with one stanza each).
pub(crate) fn encrypt(
    recipients: &[age::x25519::Recipient],
    plaintext: &[u8],
) -> Result<Vec<u8>, Error> {
    let encryptor =
        age::Encryptor::with_recipients(recipients.iter().map(|r| r as &dyn age::Recipient))
            .map_err(|e| Error::Local(format!("encryption: {e}")))?;
    let mut out = Vec::with_capacity(plaintext.len() + 512);
    let mut writer = encryptor
        .wrap_output(&mut out)
        .map_err(|e| Error::Local(format!("encryption: {e}")))?;
    writer.write_all(plaintext)?;
    writer.finish()?;
    Ok(out)
}
