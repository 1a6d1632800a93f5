//! `rex-node`: a state's node — its keys, its local case store, and a client of the hub that
//! checks everything the hub says.
//!
//! **Key design decision: the node trusts nothing the hub says that it cannot check.** Every
//! statement is signed here, with a key that never leaves the data directory, and submitted;
//! the receipt is kept only after the node has checked the payload digest, the checkpoint's
//! signature under the hub key pinned at `init`, the consistency of that checkpoint with the
//! last one the node holds, that the entry at the receipt's index is the very envelope sent,
//! and the inclusion proof to the root. Then the node cosigns the checkpoint, as a witness.
//! The registry the node acts on (parties' age recipients, proposals to sign) is not the
//! hub's snapshot but the node's own replay of the verified log through
//! [`rex_domain::Registry::apply`]; [`Node::sync`] re-reads the log and names exactly what
//! changed ("entry 12 altered"); [`verify_log`] is the same audit for anyone, with every
//! matching round recomputed, under keys the auditor pinned in a trust file ([`Trust`]: the
//! hub's checkpoint and statement keys, the witnesses whose cosignatures it requires and their
//! quorum), never under keys the audited hub presents.
//!
//! A node alone cannot see a split view (the hub showing another state another history), so
//! [`witness`] compares its checkpoint with those other states cosigned, handed over directly
//! as gossip files; two conflicting checkpoints signed by the hub are kept as evidence, both
//! signed notes, before anything is reported, and every later sync fails naming both roots.
//!
//! The evidence of one statement ([`evidence`]) is checked the same way: the hub's inclusion
//! proof against the node's own checkpoint; its bundle (`rex-evidence/v1`) carries what a court
//! needs to check it years later without the hub, under keys pinned from outside.
//!
//! Messages between states ([`message`]) are `age` files too, encrypted to every recipient
//! and to the sender, with their evidence chain in the log; each node archives the plaintext
//! of those it sent or opened in the same store.
//!
//! Dossiers are `age` files encrypted to requester and custodian; the plaintext stays in the
//! node's SQLite store (WAL, `synchronous=FULL`), next to receipts, the last checkpoint and
//! the sequence number. HTTP is blocking ([`client::HubClient`]): the CLI needs no runtime.

#![forbid(unsafe_code)]

pub mod audit;
pub mod client;
mod error;
pub mod evidence;
pub mod message;
pub mod node;
mod officer;
mod store;
pub mod trust;
pub mod witness;

pub use audit::{verify_log, verify_log_with_progress, BindingActs, LogReport};
pub use client::{HubClient, HubInfo, Receipt, RequestKey};
pub use error::Error;
pub use evidence::{verify_bundle, Bundle, Logged, StatementEvidence, Verified};
pub use message::{Delivery, Letter, MessageView, Opened, Outgoing};
pub use node::{init, init_with_clock, open, open_with_clock, Node, Submitted, SyncReport};
pub use store::StoredReceipt;
pub use trust::Trust;
pub use witness::{Evidence, Finality, Gossip, Imported, DEFAULT_ALARM_AFTER};
