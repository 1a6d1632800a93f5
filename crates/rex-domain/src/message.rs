//! Direct dialogue: messages between states and their evidence chain.
//!
//! A message is an `age` file encrypted by the sender's node to every recipient state's node
//! and to its own (for its archive); the hub stores the ciphertext and logs one
//! `message_sent` statement naming the conversation, the recipients, the ciphertext's digest
//! and size, and the date by which each recipient must acknowledge or reject it. The subject
//! and body stay inside the ciphertext. Recipients sit inside the signed statement, so a
//! message cannot be forwarded to another state as if it had been addressed to it.
//!
//! The evidence chain follows the ETSI registered e-delivery model (EN 319 522, as e-CODEX
//! uses it), one signed statement per event, each in the log:
//!
//! | statement | signer | ETSI event |
//! |---|---|---|
//! | `message_sent` | sender node | `SubmissionAcceptance` (the hub's receipt) |
//! | `message_delivered` | recipient node, after fetching, checking the digest, decrypting | `ContentHandover` |
//! | `message_read` | recipient node, on the first opening (optionally naming the officer) | `ContentAccessTracking` |
//! | `message_acknowledged` / `message_rejected {reason}` | recipient (an officer's act) | `ConsignmentAcceptance` / `ConsignmentRejection` |
//! | `message_not_acknowledged {recipient}` | hub, when `ack_by` passes | `AcceptanceRejectionExpiry` |
//!
//! Time comes from the log: each event counts from the acceptance time of its entry, never
//! from a date the signer wrote, so a recipient cannot backdate a receipt. A positive (or a
//! rejection) after the hub's negative is accepted and recorded as late: the negative stays,
//! and so does the late answer. A message's state for each recipient is a pure function of
//! this chain ([`RecipientEvidence::state`]), recomputed by every replay of the log.
//!
//! Officers: a message sent, acknowledged or rejected is a liaison officer's act. Its statement
//! says who acted ([`ActedBy`]): `"no_officer"` (the node's key alone, as the CLI signs), or
//! `{"officer":"<id>"}`, and then the envelope carries a second signature, the officer's, over
//! [`crate::officer::officer_message`] with the word `liaison` and the SHA-256 of the payload
//! exactly as signed. The payload holds the recipients and the ciphertext's digest, so the
//! officer's signature covers them: it cannot be moved to a message for other states. The
//! registry checks it like a binding act's officers: certified by the acting state, valid at
//! the acceptance time, not revoked, in the liaison role, a strict signature.

use crate::id::{Digest, ExchangeId, MessageId, PartyId, RequestId, UnixSeconds};
use crate::rejection::Rejection;
use crate::request::DossierRef;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// Most recipients of one message.
pub const MAX_RECIPIENTS: usize = 64;
/// Latest acknowledgement deadline, after the hub accepts the message: 366 days, like an
/// agreement's signing deadline.
pub const MAX_ACK_SECONDS: u64 = 366 * 86_400;
/// Longest name of a free conversation or an officer id.
pub const MAX_LABEL_LEN: usize = 64;

/// Checks a label that the log shows in clear: 1 to [`MAX_LABEL_LEN`] characters among
/// lowercase and uppercase ASCII letters, digits, `-`, `_` and `.`. A label is an identifier,
/// never case content.
fn check_label(what: &'static str, s: &str) -> Result<(), Rejection> {
    let ok = !s.is_empty()
        && s.len() <= MAX_LABEL_LEN
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
    if ok {
        Ok(())
    } else {
        Err(Rejection::invalid(
            what,
            format!(
                "{s:?} is not 1 to {MAX_LABEL_LEN} of A-Z, a-z, 0-9, '-', '_', '.' (it is in clear in the log)"
            ),
        ))
    }
}

macro_rules! label {
    ($(#[$doc:meta])* $name:ident, $what:literal) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            /// Validates the label.
            pub fn new(s: &str) -> Result<Self, Rejection> {
                check_label($what, s)?;
                Ok($name(s.to_owned()))
            }

            /// The label.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl TryFrom<String> for $name {
            type Error = Rejection;
            fn try_from(s: String) -> Result<Self, Rejection> {
                check_label($what, &s)?;
                Ok($name(s))
            }
        }

        impl From<$name> for String {
            fn from(l: $name) -> String {
                l.0
            }
        }
    };
}

label!(
    /// The name of a free conversation (one not about a request or an exchange), chosen by
    /// its first sender: an identifier such as `liaison-2026-06`, in clear in the log.
    ConversationName,
    "conversation name"
);
label!(
    /// An officer's id at its node (an identifier such as `us-liaison-3`, not a person's
    /// name), in clear in the log.
    OfficerId,
    "officer id"
);

/// What a message is about. Wire form tagged by `kind`: `{"kind":"request","request":"req_…"}`,
/// `{"kind":"exchange","exchange":"exc_…"}`, `{"kind":"free","name":"…"}`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Conversation {
    /// A request: its requester and custodian talk.
    Request {
        /// The request.
        request: RequestId,
    },
    /// An exchange: its parties talk.
    Exchange {
        /// The exchange.
        exchange: ExchangeId,
    },
    /// A free conversation among registered states.
    Free {
        /// Its name.
        name: ConversationName,
    },
}

impl fmt::Display for Conversation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Conversation::Request { request } => write!(f, "{request}"),
            Conversation::Exchange { exchange } => write!(f, "{exchange}"),
            Conversation::Free { name } => write!(f, "conversation {name}"),
        }
    }
}

/// Who acted for the state on a message, besides its node's key. Wire form: `"no_officer"` or
/// `{"officer":"<id>"}`.
///
/// Every statement is signed by the state's node key. An act that should be an officer's (a
/// message sent, acknowledged or rejected) says in the signed bytes whether an officer signed
/// it too: none (the CLI, for scripted use), or a liaison officer, whose signature is the
/// envelope's second (see the module notes).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum ActedBy {
    /// No officer signed: the node's key alone.
    NoOfficer,
    /// This liaison officer of the acting state signed too.
    Officer(OfficerId),
}

impl ActedBy {
    /// The officer who signed, if one did.
    pub fn officer(&self) -> Option<&OfficerId> {
        match self {
            ActedBy::NoOfficer => None,
            ActedBy::Officer(o) => Some(o),
        }
    }
}

/// Why a recipient rejects a message. Only a category, since the log holds no case content;
/// any explanation goes in a reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MessageRejectionReason {
    /// The content cannot be read (damaged, in an unexpected form or language).
    Unreadable,
    /// The message is not for this state's authority.
    WrongRecipient,
    /// The message does not concern the request, exchange or conversation it names.
    WrongConversation,
    /// Information or attachments announced are missing.
    Incomplete,
    /// Another reason, explained in a reply.
    Other,
}

impl MessageRejectionReason {
    /// Every reason, in wire order.
    pub const ALL: [MessageRejectionReason; 5] = [
        MessageRejectionReason::Unreadable,
        MessageRejectionReason::WrongRecipient,
        MessageRejectionReason::WrongConversation,
        MessageRejectionReason::Incomplete,
        MessageRejectionReason::Other,
    ];

    /// The wire name.
    pub fn as_str(&self) -> &'static str {
        match self {
            MessageRejectionReason::Unreadable => "unreadable",
            MessageRejectionReason::WrongRecipient => "wrong_recipient",
            MessageRejectionReason::WrongConversation => "wrong_conversation",
            MessageRejectionReason::Incomplete => "incomplete",
            MessageRejectionReason::Other => "other",
        }
    }

    /// Parses a wire name; the error lists the valid ones.
    pub fn parse(s: &str) -> Result<Self, Rejection> {
        Self::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| {
                let all: Vec<&str> = Self::ALL.iter().map(|r| r.as_str()).collect();
                Rejection::invalid(
                    "rejection reason",
                    format!("{s:?} is not one of {}", all.join(", ")),
                )
            })
    }
}

impl fmt::Display for MessageRejectionReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A recipient's answer to a message, with the log time it was accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessageAnswer {
    /// Acknowledged.
    Acknowledged,
    /// Rejected, with a reason.
    Rejected(MessageRejectionReason),
}

/// What the log holds of one recipient's handling of a message. Times are the hub's
/// acceptance times of the statements (log time), never the signers' own dates.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RecipientEvidence {
    /// `message_delivered`: the recipient's node fetched, checked and decrypted it.
    pub delivered_at: Option<UnixSeconds>,
    /// `message_read`: first opened, by this officer if one was named.
    pub read: Option<(UnixSeconds, Option<OfficerId>)>,
    /// `message_acknowledged` or `message_rejected`, and when.
    pub answer: Option<(MessageAnswer, UnixSeconds)>,
    /// The liaison officer who signed the answer, if one did.
    pub answered_by: Option<OfficerId>,
    /// `message_not_acknowledged`: the hub's negative evidence, when `ack_by` passed without
    /// an answer.
    pub not_acknowledged_at: Option<UnixSeconds>,
}

/// A message's state for one recipient: a pure function of its evidence chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessageState {
    /// Accepted by the hub; nothing from the recipient yet.
    Submitted,
    /// Delivered to the recipient's node.
    Delivered,
    /// Opened at the recipient.
    Read,
    /// Acknowledged in time.
    Acknowledged,
    /// Rejected in time.
    Rejected(MessageRejectionReason),
    /// The deadline passed without an answer (the hub's negative evidence).
    NotAcknowledged,
    /// Acknowledged after the hub's negative evidence.
    LateAcknowledged,
    /// Rejected after the hub's negative evidence.
    LateRejected(MessageRejectionReason),
}

impl fmt::Display for MessageState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MessageState::Submitted => f.write_str("submitted"),
            MessageState::Delivered => f.write_str("delivered"),
            MessageState::Read => f.write_str("read"),
            MessageState::Acknowledged => f.write_str("acknowledged"),
            MessageState::Rejected(r) => write!(f, "rejected ({r})"),
            MessageState::NotAcknowledged => f.write_str("not acknowledged"),
            MessageState::LateAcknowledged => f.write_str("late acknowledged"),
            MessageState::LateRejected(r) => write!(f, "late rejected ({r})"),
        }
    }
}

impl RecipientEvidence {
    /// The state this chain leaves the message in: an answer outranks the negative (and is
    /// then late), the negative outranks reading, reading outranks delivery.
    pub fn state(&self) -> MessageState {
        let late = self.not_acknowledged_at.is_some();
        match (self.answer, late) {
            (Some((MessageAnswer::Acknowledged, _)), false) => MessageState::Acknowledged,
            (Some((MessageAnswer::Acknowledged, _)), true) => MessageState::LateAcknowledged,
            (Some((MessageAnswer::Rejected(r), _)), false) => MessageState::Rejected(r),
            (Some((MessageAnswer::Rejected(r), _)), true) => MessageState::LateRejected(r),
            (None, true) => MessageState::NotAcknowledged,
            (None, false) if self.read.is_some() => MessageState::Read,
            (None, false) if self.delivered_at.is_some() => MessageState::Delivered,
            (None, false) => MessageState::Submitted,
        }
    }
}

/// A message as the registry holds it: the `message_sent` statement and each recipient's
/// evidence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// Its id (derived from the `message_sent` statement's digest).
    pub id: MessageId,
    /// The sending state.
    pub from: PartyId,
    /// What it is about.
    pub conversation: Conversation,
    /// The ciphertext's digest and size.
    pub ciphertext: DossierRef,
    /// By when each recipient must acknowledge or reject it (hub clock).
    pub ack_by: UnixSeconds,
    /// Whether an officer signed the sending.
    pub acted_by: ActedBy,
    /// When the hub accepted it (log time).
    pub sent_at: UnixSeconds,
    /// The digest of the `message_sent` payload (the id is its first 16 bytes).
    pub digest: Digest,
    /// Each recipient, with what the log holds of its handling.
    pub recipients: BTreeMap<PartyId, RecipientEvidence>,
}

impl Message {
    /// Whether `party` sent it or is one of its recipients: the states it concerns.
    pub fn concerns(&self, party: PartyId) -> bool {
        self.from == party || self.recipients.contains_key(&party)
    }

    /// Recipients that have neither answered nor been recorded as not answering.
    pub fn awaiting_answer(&self) -> impl Iterator<Item = PartyId> + '_ {
        self.recipients
            .iter()
            .filter(|(_, e)| e.answer.is_none() && e.not_acknowledged_at.is_none())
            .map(|(p, _)| *p)
    }
}
