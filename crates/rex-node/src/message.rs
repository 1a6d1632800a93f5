//! Direct dialogue at a node: sending a message, listing messages with their evidence,
//! opening one (which logs its delivery and first reading), acknowledging or rejecting it.
//!
//! A message's plaintext is a small JSON document ([`Letter`]) that repeats the sender, the
//! recipients and the conversation of the signed `message_sent` statement; it is `age`-encrypted
//! to every recipient state's node and to the sender's own (its archive copy), uploaded as a
//! blob (`POST /v1/dossiers`), and named in the statement by digest and size. Opening checks
//! the digest of what the hub serves against the statement, decrypts, and checks that the
//! letter says what the statement says, so a letter sent to one state cannot be passed off as
//! addressed to another.
//!
//! What happened to a message is the log's evidence chain, replayed
//! ([`rex_domain::message`]); the node keeps no state of its own about it. It keeps the
//! plaintext, though, as its archive: the sender's at sending, a recipient's once fetched,
//! checked and decrypted, in the store's table of plaintexts by ciphertext digest (next to
//! dossiers), so a message stays readable without the hub. The letter is checked against its
//! statement at every opening, so a statement that names another message's ciphertext (any
//! state can read digests in the log) is caught even when the plaintext comes from the archive.

use crate::node::{encrypt, Node, Submitted};
use crate::Error;
use rex_domain::{
    ActedBy, Action, Conversation, Digest, DossierRef, Message, MessageAnswer, MessageId,
    MessageRejectionReason, MessageState, OfficerId, PartyId, Registry,
};
use serde::{Deserialize, Serialize};
use std::str::FromStr as _;

/// The format tag of a message's plaintext.
pub const LETTER_FORMAT: &str = "rex-message/v1";
/// Longest subject, in characters.
pub const MAX_SUBJECT_CHARS: usize = 200;
/// Largest body, in bytes (the hub takes uploads of up to 16 MiB).
pub const MAX_BODY_BYTES: usize = 8 * 1024 * 1024;

/// A message's plaintext: what is encrypted. The subject lives here, never in the log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Letter {
    /// [`LETTER_FORMAT`].
    pub format: String,
    /// The sending state.
    pub from: PartyId,
    /// The recipient states, as in the statement.
    pub to: Vec<PartyId>,
    /// The conversation, as in the statement.
    pub conversation: Conversation,
    /// One line.
    pub subject: String,
    /// The text.
    pub body: String,
}

/// What a state asks to send.
#[derive(Debug, Clone)]
pub struct Outgoing {
    /// What it is about.
    pub conversation: Conversation,
    /// Recipient states (any order; duplicates are dropped).
    pub to: Vec<PartyId>,
    /// One line, at most [`MAX_SUBJECT_CHARS`] characters.
    pub subject: String,
    /// The text.
    pub body: String,
    /// Seconds from now (the node's clock) within which each recipient must acknowledge or
    /// reject it.
    pub ack_within: u64,
}

/// A message concerning this state, as the log says it stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageView {
    /// The message as replayed from the log.
    pub message: Message,
    /// Whether this state sent it (otherwise it is one of the recipients).
    pub sent: bool,
}

impl MessageView {
    /// Each recipient with its state, a pure function of its evidence chain.
    pub fn states(&self) -> Vec<(PartyId, MessageState)> {
        self.message
            .recipients
            .iter()
            .map(|(p, e)| (*p, e.state()))
            .collect()
    }

    /// The states as one phrase: `RU read` or `DE acknowledged, RU not acknowledged`.
    pub fn describe_states(&self) -> String {
        self.states()
            .iter()
            .map(|(p, s)| format!("{p} {s}"))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// What [`Node::deliver_messages`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Delivery {
    /// Messages fetched, checked and decrypted, whose `message_delivered` is now logged.
    pub delivered: Vec<MessageId>,
    /// Messages that failed their checks, with the reason; their delivery is not logged.
    pub undeliverable: Vec<(MessageId, String)>,
}

/// A message opened: its view (after any evidence the opening logged) and its letter.
#[derive(Debug, Clone)]
pub struct Opened {
    /// The message and its evidence.
    pub view: MessageView,
    /// The decrypted letter.
    pub letter: Letter,
    /// The statements this opening logged (`message_delivered`, `message_read`), in order.
    pub logged: Vec<&'static str>,
}

/// What a message act says of its officer.
fn acted_by(officer: Option<&OfficerId>) -> ActedBy {
    officer.map_or(ActedBy::NoOfficer, |o| ActedBy::Officer(o.clone()))
}

impl Node {
    /// Sends a message: checks the recipients against the node's replay of the log, encrypts
    /// the letter to every recipient's node and to this one, uploads the ciphertext, archives
    /// the letter, and submits `message_sent` signed by the node alone (`no_officer`).
    /// Returns the message id.
    pub fn send_message(&mut self, out: Outgoing) -> Result<(MessageId, Submitted), Error> {
        self.send_message_as(out, None)
    }

    /// [`Node::send_message`], signed also by the liaison officer `officer` (its key in this
    /// node's data directory), whose signature covers the recipients and the ciphertext's
    /// digest with the rest of the statement.
    pub fn send_message_as(
        &mut self,
        out: Outgoing,
        officer: Option<&OfficerId>,
    ) -> Result<(MessageId, Submitted), Error> {
        if let Some(o) = officer {
            // Before anything is encrypted or uploaded.
            self.officer_key(o)?;
        }
        let mut to = out.to;
        to.sort();
        to.dedup();
        if to.is_empty() {
            return Err(Error::Input(
                "a message needs at least one recipient".into(),
            ));
        }
        if to.contains(&self.party) {
            return Err(Error::Input(format!(
                "{} cannot send a message to itself (it keeps its own copy anyway)",
                self.party
            )));
        }
        let subject = out.subject.trim().to_owned();
        if subject.is_empty() || subject.contains('\n') {
            return Err(Error::Input(
                "the subject must be one line, not empty".into(),
            ));
        }
        if subject.chars().count() > MAX_SUBJECT_CHARS {
            return Err(Error::Input(format!(
                "the subject is longer than {MAX_SUBJECT_CHARS} characters"
            )));
        }
        if out.body.len() > MAX_BODY_BYTES {
            return Err(Error::Input(format!(
                "the body is larger than {MAX_BODY_BYTES} bytes"
            )));
        }
        if out.ack_within == 0 {
            return Err(Error::Input(
                "the acknowledgement deadline must be in the future".into(),
            ));
        }
        let registry = self.registry()?;
        let mut recipients = Vec::with_capacity(to.len() + 1);
        for p in to.iter().chain(std::iter::once(&self.party)) {
            let party = registry
                .party(p)
                .ok_or_else(|| Error::Input(format!("{p} is not registered at the hub")))?;
            let r = age::x25519::Recipient::from_str(party.keys.age_recipient().as_str()).map_err(
                |e| Error::Evidence(format!("the age recipient of {p} is unusable: {e}")),
            )?;
            recipients.push(r);
        }
        let letter = Letter {
            format: LETTER_FORMAT.to_owned(),
            from: self.party,
            to: to.clone(),
            conversation: out.conversation.clone(),
            subject,
            body: out.body,
        };
        let plaintext =
            serde_json::to_vec(&letter).map_err(|e| Error::Local(format!("the letter: {e}")))?;
        let ciphertext = encrypt(&recipients, &plaintext)?;
        let sha256 = Digest::of(&ciphertext);
        let (hub_sha, hub_size) = self.client.post_dossier(&ciphertext)?;
        if hub_sha != sha256.to_string() || hub_size != ciphertext.len() as u64 {
            return Err(Error::Evidence(format!(
                "the hub stored the message as {hub_sha} ({hub_size} bytes), this node sent {sha256} ({} bytes)",
                ciphertext.len()
            )));
        }
        // The sender's archive.
        self.store.put_dossier(&sha256.to_string(), &plaintext)?;
        let ack_by = (self.clock)().saturating_add(out.ack_within);
        let submitted = self.submit_message_act(Action::MessageSent {
            conversation: out.conversation,
            to,
            ciphertext: DossierRef {
                sha256,
                size: ciphertext.len() as u64,
            },
            ack_by,
            acted_by: acted_by(officer),
        })?;
        Ok((MessageId::from_digest(&submitted.digest), submitted))
    }

    /// Every message this state sent or received, oldest first, as the log says it stands.
    pub fn messages(&self) -> Result<Vec<MessageView>, Error> {
        let registry = self.registry()?;
        let mut views: Vec<MessageView> = registry
            .messages()
            .filter(|m| m.concerns(self.party))
            .map(|m| self.view(m))
            .collect();
        views.sort_by_key(|v| (v.message.sent_at, v.message.id));
        Ok(views)
    }

    /// One message concerning this state.
    pub fn message(&self, id: &MessageId) -> Result<MessageView, Error> {
        let registry = self.registry()?;
        self.concerning(&registry, id).map(|m| self.view(m))
    }

    /// Fetches every message addressed to this state whose delivery it has not logged yet,
    /// checks and decrypts it, and logs `message_delivered`. A message that fails its checks
    /// (a ciphertext the hub refuses to serve or serves altered, one not encrypted to this
    /// state, a letter that contradicts its statement) is not delivered and is named with the
    /// reason, so that one bad message from one sender does not hold up the others. Fails only
    /// when the hub cannot be reached, a statement is refused, or the log does not verify.
    pub fn deliver_messages(&mut self) -> Result<Delivery, Error> {
        let registry = self.registry()?;
        let pending: Vec<Message> = registry
            .messages()
            .filter(|m| {
                m.recipients
                    .get(&self.party)
                    .is_some_and(|e| e.delivered_at.is_none())
            })
            .cloned()
            .collect();
        let mut delivery = Delivery::default();
        for m in pending {
            match self.fetch_letter(&m) {
                Ok(_) => {
                    self.submit(Action::MessageDelivered { message: m.id })?;
                    delivery.delivered.push(m.id);
                }
                Err(e @ (Error::Denied(_) | Error::Evidence(_) | Error::Refused { .. })) => {
                    delivery.undeliverable.push((m.id, e.to_string()));
                }
                Err(e) => return Err(e),
            }
        }
        Ok(delivery)
    }

    /// Opens a message: its letter from the archive, or else fetched, its digest checked
    /// against the statement, decrypted and archived; the letter checked against the
    /// statement. At a recipient, logs
    /// `message_delivered` if it was not yet, and `message_read` (naming `officer`, if given)
    /// on the first opening. The sender reads its archive and logs nothing.
    pub fn open_message(
        &mut self,
        id: &MessageId,
        officer: Option<OfficerId>,
    ) -> Result<Opened, Error> {
        let registry = self.registry()?;
        let m = self.concerning(&registry, id)?.clone();
        let letter = self.fetch_letter(&m)?;
        let mut logged = Vec::new();
        if let Some(e) = m.recipients.get(&self.party) {
            if e.delivered_at.is_none() {
                self.submit(Action::MessageDelivered { message: m.id })?;
                logged.push("message_delivered");
            }
            if e.read.is_none() {
                self.submit(Action::MessageRead {
                    message: m.id,
                    officer,
                })?;
                logged.push("message_read");
            }
        }
        let view = if logged.is_empty() {
            self.view(&m)
        } else {
            self.message(id)?
        };
        Ok(Opened {
            view,
            letter,
            logged,
        })
    }

    /// Acknowledges a message addressed to this state, or rejects it with a reason, signed by
    /// the node alone (`no_officer`). Its delivery must be logged first (open it, or list the
    /// messages).
    pub fn answer_message(
        &mut self,
        id: &MessageId,
        rejection: Option<MessageRejectionReason>,
    ) -> Result<(MessageState, Submitted), Error> {
        self.answer_message_as(id, rejection, None)
    }

    /// [`Node::answer_message`], signed also by the liaison officer `officer` (its key in this
    /// node's data directory).
    pub fn answer_message_as(
        &mut self,
        id: &MessageId,
        rejection: Option<MessageRejectionReason>,
        officer: Option<&OfficerId>,
    ) -> Result<(MessageState, Submitted), Error> {
        let registry = self.registry()?;
        let m = self.concerning(&registry, id)?;
        let Some(e) = m.recipients.get(&self.party) else {
            return Err(Error::Input(format!(
                "{} sent message {id}; only its recipients acknowledge it",
                self.party
            )));
        };
        if e.delivered_at.is_none() {
            return Err(Error::Input(format!(
                "message {id} is not delivered to {} yet: open it first (`rex message show`)",
                self.party
            )));
        }
        if let Some((answer, _)) = e.answer {
            let what = match answer {
                MessageAnswer::Acknowledged => "acknowledged".to_owned(),
                MessageAnswer::Rejected(r) => format!("rejected ({r})"),
            };
            return Err(Error::Input(format!(
                "{} already {what} message {id}",
                self.party
            )));
        }
        let action = match rejection {
            None => Action::MessageAcknowledged {
                message: *id,
                acted_by: acted_by(officer),
            },
            Some(reason) => Action::MessageRejected {
                message: *id,
                reason,
                acted_by: acted_by(officer),
            },
        };
        let submitted = self.submit_message_act(action)?;
        let state = self.message(id)?.message.recipients[&self.party].state();
        Ok((state, submitted))
    }

    fn view(&self, m: &Message) -> MessageView {
        MessageView {
            message: m.clone(),
            sent: m.from == self.party,
        }
    }

    /// The message `id`, if it concerns this state.
    fn concerning<'r>(&self, registry: &'r Registry, id: &MessageId) -> Result<&'r Message, Error> {
        let m = registry
            .message(id)
            .ok_or_else(|| Error::Input(format!("no message {id}")))?;
        if !m.concerns(self.party) {
            return Err(Error::Denied(format!(
                "message {id} is between {} and {}; {} is neither sender nor recipient",
                m.from,
                m.recipients
                    .keys()
                    .map(PartyId::as_str)
                    .collect::<Vec<_>>()
                    .join(", "),
                self.party
            )));
        }
        Ok(m)
    }

    /// A message's letter: from the node's archive, or else fetched (the ciphertext's digest
    /// and size checked against the statement), decrypted and archived; either way checked
    /// against what the statement says.
    fn fetch_letter(&self, m: &Message) -> Result<Letter, Error> {
        let sha = m.ciphertext.sha256.to_string();
        let plaintext = match self.store.dossier(&sha)? {
            Some(plaintext) => plaintext,
            None => {
                let ciphertext = self.client.get_dossier(&sha)?;
                if Digest::of(&ciphertext) != m.ciphertext.sha256
                    || ciphertext.len() as u64 != m.ciphertext.size
                {
                    return Err(Error::Evidence(format!(
                        "the hub served a ciphertext for message {} that is not {} ({} bytes)",
                        m.id, m.ciphertext.sha256, m.ciphertext.size
                    )));
                }
                let plaintext = age::decrypt(&self.identity, &ciphertext).map_err(|_| {
                    Error::Denied(format!(
                        "message {} is not encrypted to {} (its key cannot open it)",
                        m.id, self.party
                    ))
                })?;
                self.store.put_dossier(&sha, &plaintext)?;
                plaintext
            }
        };
        let letter: Letter = serde_json::from_slice(&plaintext).map_err(|e| {
            Error::Evidence(format!(
                "message {} from {} is not a letter: {e}",
                m.id, m.from
            ))
        })?;
        let to: Vec<PartyId> = m.recipients.keys().copied().collect();
        if letter.format != LETTER_FORMAT
            || letter.from != m.from
            || letter.to != to
            || letter.conversation != m.conversation
        {
            return Err(Error::Evidence(format!(
                "the letter of message {} does not match its statement (sender, recipients or conversation differ)",
                m.id
            )));
        }
        Ok(letter)
    }
}
