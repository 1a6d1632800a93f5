//! Messages: sending, and each recipient's evidence (delivered, read, acknowledged or
//! rejected), with the hub's negative evidence when the acknowledgement deadline passes.

use super::{not_found, Event, Registry};
use crate::id::{Digest, MessageId, PartyId, UnixSeconds};
use crate::message::{
    ActedBy, Conversation, Message, MessageAnswer, OfficerId, RecipientEvidence, MAX_ACK_SECONDS,
    MAX_RECIPIENTS,
};
use crate::rejection::Rejection;
use crate::request::DossierRef;

/// A recipient's act on a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum RecipientAct<'a> {
    Delivered,
    Read(&'a Option<OfficerId>),
    Answered(MessageAnswer, &'a ActedBy),
}

impl RecipientAct<'_> {
    fn name(&self) -> &'static str {
        match self {
            RecipientAct::Delivered => "message_delivered",
            RecipientAct::Read(_) => "message_read",
            RecipientAct::Answered(MessageAnswer::Acknowledged, _) => "message_acknowledged",
            RecipientAct::Answered(MessageAnswer::Rejected(_), _) => "message_rejected",
        }
    }
}

/// The fields of a `message_sent` statement.
pub(super) struct Sent<'a> {
    pub conversation: &'a Conversation,
    pub to: &'a [PartyId],
    pub ciphertext: &'a DossierRef,
    pub ack_by: UnixSeconds,
    pub acted_by: ActedBy,
}

impl Registry {
    /// `message_sent`: `me` sends a message to registered states about a request or an
    /// exchange it is a party to, or in a free conversation.
    pub(super) fn send_message(
        &mut self,
        me: PartyId,
        sent: Sent<'_>,
        digest: Digest,
        now: UnixSeconds,
    ) -> Result<Vec<Event>, Rejection> {
        let Sent {
            conversation,
            to,
            ciphertext,
            ack_by,
            acted_by,
        } = sent;
        let invalid = |reason: String| Rejection::invalid("message", reason);
        if to.is_empty() || to.len() > MAX_RECIPIENTS {
            return Err(invalid(format!(
                "a message has 1 to {MAX_RECIPIENTS} recipients, not {}",
                to.len()
            )));
        }
        if !to.windows(2).all(|w| w[0] < w[1]) {
            return Err(invalid(
                "the recipients must be sorted, without duplicates".into(),
            ));
        }
        if to.contains(&me) {
            return Err(invalid(format!(
                "{me} cannot send a message to itself (its own copy is in the ciphertext)"
            )));
        }
        if let Some(p) = to.iter().find(|p| !self.parties.contains_key(p)) {
            return Err(Rejection::UnknownParty(p.to_string()));
        }
        if ciphertext.size == 0 {
            return Err(invalid("the ciphertext is empty".into()));
        }
        if ack_by <= now {
            return Err(Rejection::DeadlinePassed {
                deadline: ack_by,
                now,
            });
        }
        if ack_by - now > MAX_ACK_SECONDS {
            return Err(invalid(format!(
                "acknowledgement deadline {ack_by} must be at most {} days after the message ({now})",
                MAX_ACK_SECONDS / 86_400
            )));
        }
        // Who may talk in the conversation: the request's two states, the exchange's parties.
        let concerned: Option<(String, Vec<PartyId>)> = match conversation {
            Conversation::Request { request } => {
                let r = self
                    .requests
                    .get(request)
                    .ok_or_else(|| not_found("request", request))?;
                Some((
                    format!("request {request}"),
                    vec![r.metadata.requester, r.metadata.custodian],
                ))
            }
            Conversation::Exchange { exchange } => {
                let x = self
                    .exchanges
                    .get(exchange)
                    .ok_or_else(|| not_found("exchange", exchange))?;
                Some((
                    format!("exchange {exchange}"),
                    x.parties.iter().copied().collect(),
                ))
            }
            Conversation::Free { .. } => None,
        };
        if let Some((what, parties)) = concerned {
            if !parties.contains(&me) {
                return Err(Rejection::NotMember {
                    actor: me.to_string(),
                    what,
                });
            }
            if let Some(p) = to.iter().find(|p| !parties.contains(p)) {
                return Err(Rejection::not_allowed(format!(
                    "{p} is not a party to {what}, so {me} cannot write to it there"
                )));
            }
        }
        let id = MessageId::from_digest(&digest);
        if self.messages.contains_key(&id) {
            return Err(Rejection::Conflict(format!("message {id}")));
        }
        self.messages.insert(
            id,
            Message {
                id,
                from: me,
                conversation: conversation.clone(),
                ciphertext: *ciphertext,
                ack_by,
                acted_by,
                sent_at: now,
                digest,
                recipients: to
                    .iter()
                    .map(|p| (*p, RecipientEvidence::default()))
                    .collect(),
            },
        );
        self.ack_deadlines.insert((ack_by, id));
        Ok(vec![Event::MessageSent(id)])
    }

    /// A recipient's act: `message_delivered` (once), `message_read` (once, after delivery),
    /// `message_acknowledged` or `message_rejected` (once, after delivery; late after the
    /// hub's negative evidence).
    pub(super) fn recipient_act(
        &mut self,
        me: PartyId,
        message: &MessageId,
        act: RecipientAct<'_>,
        now: UnixSeconds,
    ) -> Result<Vec<Event>, Rejection> {
        let m = self
            .messages
            .get(message)
            .ok_or_else(|| not_found("message", message))?;
        let Some(evidence) = m.recipients.get(&me) else {
            return Err(Rejection::not_allowed(format!(
                "only a recipient of message {message} takes {}; {me} is not one",
                act.name()
            )));
        };
        let refuse = |why: String| Err(Rejection::not_allowed(why));
        match act {
            RecipientAct::Delivered if evidence.delivered_at.is_some() => {
                return refuse(format!("message {message} was already delivered to {me}"));
            }
            RecipientAct::Read(_) | RecipientAct::Answered(..)
                if evidence.delivered_at.is_none() =>
            {
                return refuse(format!(
                    "{} before message_delivered: {me} has not logged the delivery of message {message}",
                    act.name()
                ));
            }
            RecipientAct::Read(_) if evidence.read.is_some() => {
                return refuse(format!("message {message} was already read at {me}"));
            }
            RecipientAct::Answered(..) if evidence.answer.is_some() => {
                return refuse(format!("{me} already answered message {message}"));
            }
            _ => {}
        }
        let m = self
            .messages
            .get_mut(message)
            .ok_or_else(|| not_found("message", message))?;
        let e = m
            .recipients
            .get_mut(&me)
            .unwrap_or_else(|| unreachable!("checked above"));
        let event = match act {
            RecipientAct::Delivered => {
                e.delivered_at = Some(now);
                Event::MessageDelivered {
                    message: *message,
                    party: me,
                }
            }
            RecipientAct::Read(officer) => {
                e.read = Some((now, officer.clone()));
                Event::MessageRead {
                    message: *message,
                    party: me,
                }
            }
            RecipientAct::Answered(answer, acted_by) => {
                let late = e.not_acknowledged_at.is_some();
                e.answer = Some((answer, now));
                e.answered_by = acted_by.officer().cloned();
                Event::MessageAnswered {
                    message: *message,
                    party: me,
                    answer,
                    late,
                }
            }
        };
        let (ack_by, done) = (m.ack_by, m.awaiting_answer().next().is_none());
        if done {
            self.ack_deadlines.remove(&(ack_by, *message));
        }
        Ok(vec![event])
    }

    /// `message_not_acknowledged`: the hub records that `recipient` neither acknowledged nor
    /// rejected the message by its deadline.
    pub(super) fn not_acknowledged(
        &mut self,
        message: &MessageId,
        recipient: PartyId,
        now: UnixSeconds,
    ) -> Result<Vec<Event>, Rejection> {
        let m = self
            .messages
            .get_mut(message)
            .ok_or_else(|| not_found("message", message))?;
        if now < m.ack_by {
            return Err(Rejection::not_allowed(format!(
                "message {message} is due for acknowledgement at {}, not before (now {now})",
                m.ack_by
            )));
        }
        let Some(e) = m.recipients.get_mut(&recipient) else {
            return Err(Rejection::not_allowed(format!(
                "{recipient} is not a recipient of message {message}"
            )));
        };
        if e.answer.is_some() {
            return Err(Rejection::not_allowed(format!(
                "{recipient} answered message {message}; there is nothing to record"
            )));
        }
        if e.not_acknowledged_at.is_some() {
            return Err(Rejection::not_allowed(format!(
                "the missing acknowledgement of message {message} by {recipient} is already recorded"
            )));
        }
        e.not_acknowledged_at = Some(now);
        if m.awaiting_answer().next().is_none() {
            let ack_by = m.ack_by;
            self.ack_deadlines.remove(&(ack_by, *message));
        }
        Ok(vec![Event::MessageNotAcknowledged {
            message: *message,
            party: recipient,
        }])
    }

    /// Recipients whose acknowledgement deadline has passed without an answer and without a
    /// recorded negative: the hub should record a `message_not_acknowledged` for each, as
    /// `(message, recipient)`. Reads only messages still awaiting an answer, through an index
    /// ordered by deadline.
    pub fn not_acknowledged_due(&self, now: UnixSeconds) -> Vec<(MessageId, PartyId)> {
        self.ack_deadlines
            .iter()
            .take_while(|(ack_by, _)| *ack_by <= now)
            .filter_map(|(_, id)| self.messages.get(id))
            .flat_map(|m| m.awaiting_answer().map(move |p| (m.id, p)))
            .collect()
    }
}
