//! `rex-tlog`: the rex transparency log, as a library with no I/O.
//!
//! **Key design decision: an append is a pure function.** [`Tree`] is the compact state of the
//! Merkle tree (size and peak hashes); [`Tree::append_batch`] turns it and a batch of entries
//! into an [`AppendResult`] holding the new entries, the new stored hashes, the new size and
//! root, and the next `Tree`. Nothing is written and nothing is signed. The hub persists the
//! result durably ([`TileStore::write_append`], one transaction for a whole group commit),
//! and only then adopts the next tree and signs a [`Checkpoint`]. So no checkpoint ever
//! commits to an entry that a crash could lose, and storage (in-memory here, SQLite or
//! PostgreSQL in the hub) stays behind a four-method trait. [`Log`] bundles a `Tree` with a
//! store for callers who want that ordering done for them.
//!
//! The log holds hashes and metadata only: an entry is opaque bytes (at most 65535, the
//! limit of C2SP entry bundles), and the hub must never put case content in one.
//!
//! # Formats
//!
//! - Hashing and proofs: RFC 6962 (SHA-256, `0x00` leaf and `0x01` node prefixes).
//! - Checkpoints: c2sp.org/tlog-checkpoint, as c2sp.org/signed-note notes signed with the
//!   hub's Ed25519 key; the key name is the log's origin.
//! - Cosignatures: c2sp.org/tlog-cosignature, Ed25519 cosignature/v1 (type `0x04`, with a
//!   timestamp), made by nodes acting as witnesses.
//! - Read API: c2sp.org/tlog-tiles, `tile/<L>/<N>[.p/<W>]` and `tile/entries/<N>[.p/<W>]`.
//!
//! # What `tlog_tiles` does, and what this crate adds
//!
//! `tlog_tiles` (a port of Go's `sumdb/tlog`) does the Merkle arithmetic: leaf and node
//! hashes, the stored-hash layout, the hashes to store per entry, tree roots, proof
//! construction and checking, tile contents and the list of tiles a new size changes, and
//! parsing and formatting of checkpoint bodies. This crate adds what it lacks: batched appends
//! without a store (peaks), C2SP tile paths (it formats the older `tile/<H>/<L>/...` paths),
//! entry bundles and which of them hold a run of entries, the root of a run of leaf hashes
//! without a store, signed notes, verifier keys, Ed25519 signing and cosignatures (and which
//! witnesses cosigned), and the storage trait.
//!
//! # API
//!
//! Hashing and proofs, usable by nodes and auditors with no store:
//! [`leaf_hash`], [`node_hash`], [`EMPTY_ROOT`], [`root_of_leaves`], [`verify_inclusion`],
//! [`verify_consistency`].
//!
//! Writing: [`Tree::append_batch`] → [`AppendResult`]; [`Tree::load`] / [`Tree::from_peaks`]
//! to restart; [`Log`] for the append-then-advance ordering over a [`TileStore`];
//! [`MemoryStore`] for tests.
//!
//! Proofs from a store: [`inclusion_proof`], [`consistency_proof`], [`tree_root`] (and the
//! same on [`Log`]).
//!
//! Checkpoints and notes: [`Checkpoint`] (`to_note_body`, `from_note_body`, `sign`, `open`),
//! [`SignedNote`] (`parse`, `verify`, `verified_signatures`, `add_signature`, `Display`),
//! [`NoteSigner`] (the hub's key), [`NoteVerifier`] (a vkey: `name+id+base64(type||key)`).
//!
//! Cosignatures: [`Cosigner::cosign`] → [`Cosignature`], which becomes a note signature line;
//! [`Cosignature::verify`], or [`SignedNote::verified_signatures`] with cosigners' verifiers;
//! [`SignedNote::cosigned_by`] for which of a set of cosigners vouched (bad lines ignored).
//!
//! Tiles: [`TilePath`] (`Display` / `FromStr`), [`read_tile`], [`changed_tiles`], [`level0_tiles`],
//! [`encode_entry_bundle`], [`decode_entry_bundle`].
//!
//! # Example
//!
//! ```
//! use rex_tlog::{verify_inclusion, leaf_hash, Checkpoint, Log, MemoryStore, NoteSigner, SigningKey};
//!
//! let signer = NoteSigner::new("hub.rex.example/log", SigningKey::from_bytes(&[7; 32]))?;
//! let mut log = Log::open(MemoryStore::new())?;
//! let append = log.append_batch(&[b"statement 0".as_slice(), b"statement 1"])?;
//! // The store has persisted the batch; now the checkpoint may commit to it.
//! let note = log.sign_checkpoint(&signer)?;
//!
//! // A node checks the checkpoint and a receipt's inclusion proof.
//! let checkpoint = Checkpoint::open(&note, signer.verifier())?;
//! let proof = log.inclusion_proof(1, checkpoint.size())?;
//! verify_inclusion(1, checkpoint.size(), leaf_hash(b"statement 1"), &proof, checkpoint.root())?;
//! assert_eq!(append.root(), checkpoint.root());
//! # Ok::<(), rex_tlog::Error>(())
//! ```

mod checkpoint;
mod error;
mod hash;
mod log;
pub mod note;
mod proof;
mod store;
pub mod tile;
mod tree;

pub use checkpoint::Checkpoint;
pub use ed25519_dalek::{SigningKey, VerifyingKey};
pub use error::Error;
pub use hash::{leaf_hash, node_hash, root_of_leaves, Hash, EMPTY_ROOT, HASH_SIZE};
pub use log::Log;
pub use note::{
    Cosignature, Cosigner, NoteSignature, NoteSigner, NoteVerifier, SignatureKind, SignedNote,
    VerifiedSignature,
};
pub use proof::{
    consistency_proof, inclusion_proof, tree_root, verify_consistency, verify_inclusion,
};
pub use store::{MemoryStore, TileStore};
pub use tile::{
    changed_tiles, decode_entry_bundle, encode_entry_bundle, level0_tiles, read_tile, TilePath,
    TILE_WIDTH,
};
pub use tree::{AppendResult, Tree, MAX_BATCH, MAX_ENTRY_LEN};
