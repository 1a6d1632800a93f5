//! `rex-domain`: parties, agreements, requests and exchanges, and the only way they change.
//!
//! **Key design decision: the state is a pure fold over signed statements.** Every change, the
//! hub's own included (registering a party, a matching round, go, a lapse), is a [`Statement`]
//! in a DSSE [`Envelope`] signed by the acting state's (or the hub's) Ed25519 key, and
//! [`Registry::apply`]`(envelope, now)` is the one function that changes a [`Registry`]. It
//! checks the signer, the signature, the per-actor sequence number and that the transition is
//! allowed, and either applies the whole statement or refuses it with a [`Rejection`] value and
//! changes nothing ([`Registry::apply_prechecked`] is the same function with the parsing and
//! signature checks done ahead, on many threads, for replaying long logs). Given the hub key
//! and the log of accepted envelopes with their acceptance times, anyone rebuilds the same
//! registry: no I/O, no clock (time is passed in), no randomness, ordered maps only.
//!
//! Further decisions, each documented where it lives:
//!
//! - The signed bytes are the payload exactly as signed; they are hashed, logged and verified as
//!   received, never re-serialised ([`statement`]).
//! - Agreement and request ids are derived from the digest of the statement that created them,
//!   exchange ids from the proposal's digest; nobody chooses an id ([`id`]).
//! - An exchange proposal is fully determined by its cycle and the registry: the hub's matching
//!   round is re-derived on apply and refused if any proposal differs ([`ExchangeProposal`]).
//! - The log entry (`{time, envelope}` bytes) and the replay of a log into a registry are
//!   written once, here, for the hub's restart and the node's audit alike ([`log`]).
//! - A binding act says who acted for the state: the node alone, or a drafter and an approver,
//!   two officers the state certified in the log, whose signatures the envelope carries; a state
//!   may require the latter for good ([`officer`]).
//! - Screening is a catalogue of named rules, each with a recorded outcome: the hub's rules on
//!   metadata are one pure function of the request, the agreement and the states' published
//!   profiles, so every replay recomputes them; the others are signed decisions of a person of
//!   the custodian. A failed rule refuses the request naming it ([`law`]).
//! - Execution is all-or-nothing: the hub's go needs every surrender leg verified by its
//!   receiver and every prosecution leg opened; delivery needs go ([`exchange`]).
//! - The reciprocity ledger (who gave whom what, per agreement) is derived from the log, never
//!   stored ([`ledger`]).
//! - Deadlines run by themselves: what falls due for the hub (go, a lapse, a breach, a missed
//!   deadline) is a function of the log, indexed by due time, so the hub records it on time
//!   and an auditor catches a hub that skips it; a state cures a breach by doing, late, what it
//!   owed ([`deadline`]).
//!
//! ```
//! use ed25519_dalek::SigningKey;
//! use rex_domain::*;
//!
//! let hub = SigningKey::from_bytes(&[1; 32]);
//! let us = SigningKey::from_bytes(&[2; 32]);
//! let mut registry = Registry::new(hub.verifying_key());
//! let now = 1_750_000_000;
//!
//! // The hub operator imports the key file the US node exported.
//! let keys = PublicKeyFile::new(
//!     PartyId::new("US")?,
//!     us.verifying_key(),
//!     AgeRecipient::parse("age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p")?,
//! )?;
//! let register = Statement::new(Actor::Hub, 1, now, Action::PartyRegistered { keys });
//! let applied = registry.apply(&Envelope::sign_statement(&register, &hub), now)?;
//! assert_eq!(applied.events, vec![Event::PartyRegistered(PartyId::new("US")?)]);
//!
//! // The same envelope again is a replay.
//! let again = registry.apply(&Envelope::sign_statement(&register, &hub), now);
//! assert_eq!(again.unwrap_err().code(), "replay");
//! # Ok::<(), Rejection>(())
//! ```

#![forbid(unsafe_code)]

pub mod agreement;
pub mod competing;
pub mod deadline;
pub mod dossier;
pub mod dsse;
pub mod exchange;
pub mod id;
pub mod keys;
pub mod law;
pub mod ledger;
pub mod log;
pub mod matching;
pub mod message;
pub mod offence;
pub mod officer;
pub mod registry;
pub mod rejection;
pub mod request;
pub mod statement;
pub mod witness;

pub use agreement::{Agreement, AgreementTerms, CreditTerms, Deadlines, TermsDraft};
pub use competing::{Factor, Others, SubjectIdentity, TagKey};
pub use deadline::{Breach, BreachOf, Deadline, Extension, ExtensionReason, DUE_GRACE_SECONDS};
pub use dossier::{
    Attachment, AttachmentKind, MAX_ATTACHMENTS, MAX_ATTACHMENTS_BYTES, MAX_ATTACHMENT_BYTES,
    MAX_DOSSIER_PLAINTEXT_BYTES,
};
pub use dsse::{pae, Envelope, EnvelopeSignature, STATEMENT_PAYLOAD_TYPE};
pub use exchange::{
    Consent, Exchange, ExchangeAct, ExchangeProposal, ExchangeStatus, InstrumentKind, Leg, LegKind,
    LegStage, LegStep, Milestone, ReleaseInstrument, Speciality,
};
pub use id::{Actor, AgreementId, Digest, ExchangeId, MessageId, PartyId, RequestId, UnixSeconds};
pub use keys::{AgeRecipient, KeyId, PublicKeyFile};
pub use law::{
    AssuranceKind, Check, CheckRecord, DossierFacts, Evaluation, Evaluator, Exclusion,
    ExclusionKind, Limitation, Outcome, ProfileDraft, ProfileVersion, ProfilesUsed, StateProfile,
    Statute, StructuredDossier, Verdict, DOSSIER_FORMAT,
};
pub use ledger::{Ledger, Tally};
pub use log::{LogEntry, Replay, ReplayError};
pub use matching::{compatibility_graph, matching_round, CompatibilityGraph};
pub use message::{
    ActedBy, Conversation, ConversationName, Message, MessageAnswer, MessageRejectionReason,
    MessageState, OfficerId, RecipientEvidence,
};
pub use offence::{Offence, Severity, SimilarityRule};
pub use officer::{officer_message, Officer, OfficerKey, Officers, Role, Signing};
pub use registry::{precheck_all, Applied, Event, Party, Prechecked, Registry, PRECHECK_BATCH};
pub use rejection::Rejection;
pub use request::{
    Answer, DossierRef, MetadataDraft, RefusalGround, Request, RequestMetadata, RequestStatus,
    Route,
};
pub use statement::{Action, Statement};
pub use witness::{Quorum, WitnessPolicy, MAX_WITNESSES};
