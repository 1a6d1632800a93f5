//! RFC 6962 hashes.

use std::fmt;
use std::str::FromStr;

use base64::prelude::{Engine as _, BASE64_STANDARD};

use crate::Error;

/// Size of a SHA-256 hash in bytes.
pub const HASH_SIZE: usize = 32;

/// A SHA-256 Merkle tree hash: a leaf hash, an interior node hash or a tree root.
///
/// It is our own type rather than `tlog_tiles::Hash` because that one implements neither `Eq`
/// nor `std::hash::Hash`, which callers need to keep hashes in maps and derived structs. The two
/// convert for free.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Hash(pub [u8; HASH_SIZE]);

/// Root of the empty tree: SHA-256 of the empty string (RFC 6962, section 2.1).
pub const EMPTY_ROOT: Hash = Hash(tlog_tiles::EMPTY_HASH.0);

impl Hash {
    /// The hash's bytes.
    pub fn as_bytes(&self) -> &[u8; HASH_SIZE] {
        &self.0
    }

    /// A hash from a slice that must be exactly 32 bytes long.
    pub fn from_slice(bytes: &[u8]) -> Option<Hash> {
        bytes.try_into().ok().map(Hash)
    }

    /// Standard base64 with padding, as in checkpoints.
    pub fn to_base64(&self) -> String {
        BASE64_STANDARD.encode(self.0)
    }

    /// Lowercase hexadecimal, for logs and databases.
    pub fn to_hex(&self) -> String {
        self.0.iter().map(|b| format!("{b:02x}")).collect()
    }
}

impl fmt::Display for Hash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_base64())
    }
}

impl fmt::Debug for Hash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Hash({})", self.to_hex())
    }
}

impl FromStr for Hash {
    type Err = Error;

    /// Parses standard padded base64, as in the root hash line of a checkpoint.
    fn from_str(s: &str) -> Result<Hash, Error> {
        let bytes = BASE64_STANDARD
            .decode(s)
            .map_err(|_| Error::MalformedCheckpoint("root hash is not base64"))?;
        Hash::from_slice(&bytes).ok_or(Error::MalformedCheckpoint("root hash is not 32 bytes"))
    }
}

impl From<tlog_tiles::Hash> for Hash {
    fn from(h: tlog_tiles::Hash) -> Hash {
        Hash(h.0)
    }
}

impl From<Hash> for tlog_tiles::Hash {
    fn from(h: Hash) -> tlog_tiles::Hash {
        tlog_tiles::Hash(h.0)
    }
}

/// The RFC 6962 leaf hash of an entry: `SHA-256(0x00 || entry)`.
pub fn leaf_hash(entry: &[u8]) -> Hash {
    tlog_tiles::record_hash(entry).into()
}

/// The RFC 6962 interior node hash: `SHA-256(0x01 || left || right)`.
pub fn node_hash(left: Hash, right: Hash) -> Hash {
    tlog_tiles::node_hash(left.into(), right.into()).into()
}

/// The RFC 6962 root of a run of leaf hashes (section 2.1: split at the largest power of two
/// below the count). An auditor that fetched the level-0 tiles checks them against a
/// checkpoint with this; `tlog_tiles` computes roots only from a store of every level.
pub fn root_of_leaves(leaves: &[Hash]) -> Hash {
    match leaves.len() {
        0 => EMPTY_ROOT,
        1 => leaves[0],
        n => {
            let split = 1usize << (usize::BITS - 1 - (n - 1).leading_zeros());
            node_hash(
                root_of_leaves(&leaves[..split]),
                root_of_leaves(&leaves[split..]),
            )
        }
    }
}
