//! Parties, keys, terms and time, as every test spells them.

use std::path::{Path, PathBuf};

use ed25519_dalek::SigningKey;
use rex_domain::{
    AgeRecipient, AgreementId, AgreementTerms, MetadataDraft, Offence, PartyId, PublicKeyFile,
    RequestMetadata, Severity, TermsDraft,
};

/// The tests' "now": 2025-06-15, 15:06:40 UTC.
pub const T0: u64 = 1_750_000_000;

/// One day in seconds.
pub const DAY: u64 = 86_400;

/// The party with this code; panics on a code that is not one (a typo in a test).
pub fn party(code: &str) -> PartyId {
    PartyId::new(code).unwrap_or_else(|e| panic!("{code:?} is not a party code: {e}"))
}

/// A deterministic signing key per name: the same name signs the same way in every test and
/// every run.
pub fn key_of(name: &str) -> SigningKey {
    let mut seed = [0u8; 32];
    for (i, b) in name.bytes().enumerate() {
        seed[i % 32] ^= b;
    }
    seed[31] ^= 0x5a;
    SigningKey::from_bytes(&seed)
}

/// The public key file of party `code`, with [`key_of`]`(code)` as its statement key and a
/// fresh age recipient (nothing in these tests is encrypted to it).
pub fn key_file(code: &str) -> PublicKeyFile {
    let age = age::x25519::Identity::generate().to_public().to_string();
    PublicKeyFile::new(
        party(code),
        key_of(code).verifying_key(),
        AgeRecipient::parse(&age).unwrap_or_else(|e| panic!("age made a bad recipient: {e}")),
    )
    .unwrap_or_else(|e| panic!("key file of {code}: {e}"))
}

/// Writes [`key_file`]`(code)` to `dir/CODE.json`, as a node exports it for the operator, and
/// returns the path.
pub fn write_key_file(dir: &Path, code: &str) -> PathBuf {
    let path = dir.join(format!("{code}.json"));
    std::fs::write(&path, key_file(code).to_json())
        .unwrap_or_else(|e| panic!("writing {}: {e}", path.display()));
    path
}

/// Standard terms among `members` (illegal access and ransomware extortion, prosecution at
/// home counting as an answer), open for signature from [`T0`].
pub fn terms(members: &[&str]) -> AgreementTerms {
    let members: Vec<PartyId> = members.iter().map(|m| party(m)).collect();
    let offences = [Offence::IllegalAccess, Offence::RansomwareExtortion];
    AgreementTerms::new(TermsDraft {
        prosecution_at_home_counts: true,
        ..TermsDraft::standard(&members, &offences, T0)
    })
    .unwrap_or_else(|e| panic!("standard terms among {members:?}: {e}"))
}

/// The metadata of a request from `requester` to `custodian` under `agreement`: illegal access,
/// ten years at most, serious, the subject not a national of the custodian.
pub fn metadata(requester: &str, custodian: &str, agreement: AgreementId) -> RequestMetadata {
    RequestMetadata::new(MetadataDraft {
        requester: party(requester),
        custodian: party(custodian),
        agreement,
        offences: vec![Offence::IllegalAccess],
        max_penalty_months: 120,
        severity: Severity::Serious,
        subject_is_custodian_national: false,
        sentence_remaining_months: None,
    })
    .unwrap_or_else(|e| panic!("metadata {requester} -> {custodian}: {e}"))
}

/// A node's clock for tests (`rex_node::init_with_clock`, `rex_node::open_with_clock`): always
/// [`T0`], the time a [`crate::TestHub`] starts at. A node's clock only dates its statements
/// and cosignatures, and the hub accepts a date from a day behind its own time to five
/// minutes ahead, so a node frozen at `T0` stays valid while a test moves the hub's clock
/// forward by less than a day (no node test moves it).
pub fn node_clock() -> u64 {
    T0
}

/// A log written by hand, every statement signed with the right key: the hub's (a fixed key,
/// [`HandLog::hub`]) or the party's ([`key_of`]), each actor's sequence numbers in order. For
/// tests of what an auditor's replay makes of a log a hub could have written.
pub struct HandLog {
    /// The hub's statement key.
    pub hub: SigningKey,
    /// The entries, in log order.
    pub entries: Vec<rex_domain::log::LogEntry>,
    seqs: std::collections::BTreeMap<String, u64>,
}

impl HandLog {
    /// A log whose hub registered these parties at [`T0`].
    pub fn new(parties: &[&str]) -> HandLog {
        let mut log = HandLog {
            hub: SigningKey::from_bytes(&[9; 32]),
            entries: Vec::new(),
            seqs: Default::default(),
        };
        for code in parties {
            log.push(
                "hub",
                T0,
                rex_domain::Action::PartyRegistered {
                    keys: key_file(code),
                },
            );
        }
        log
    }

    /// Signs `action` for `actor` ("hub" or a party code) at `time` with its next sequence
    /// number and appends it; returns the payload's digest.
    pub fn push(
        &mut self,
        actor: &str,
        time: u64,
        action: rex_domain::Action,
    ) -> rex_domain::Digest {
        let seq = self.seqs.entry(actor.to_owned()).or_insert(0);
        *seq += 1;
        let who: rex_domain::Actor = actor
            .parse()
            .unwrap_or_else(|e| panic!("{actor:?} is not an actor: {e}"));
        let statement = rex_domain::Statement::new(who, *seq, time, action);
        let key = if actor == "hub" {
            self.hub.clone()
        } else {
            key_of(actor)
        };
        let envelope = rex_domain::Envelope::sign_statement(&statement, &key);
        let digest = envelope.payload_digest();
        self.entries
            .push(rex_domain::log::LogEntry { time, envelope });
        digest
    }
}
