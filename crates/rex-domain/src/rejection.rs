//! Why a value or a statement is refused.

/// Why a value could not be built or a statement was refused.
///
/// Every refusal is a domain outcome, not a bug: the hub answers it as an HTTP 4xx with
/// `{code, message}`, where [`Rejection::code`] is stable (clients branch on it) and the message
/// (the `Display` text, lowercase) is for people. Messages name ids and parties, never case content.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Rejection {
    /// A value does not meet its constructor's rules (an id, a key, the terms of an agreement).
    #[error("invalid {what}: {reason}")]
    Invalid {
        /// What was being built, e.g. "party id".
        what: &'static str,
        /// Why it is invalid.
        reason: String,
    },
    /// The envelope is not a DSSE envelope this hub accepts (JSON, base64, payload type, number of
    /// signatures, size).
    #[error("malformed envelope: {0}")]
    BadEnvelope(String),
    /// The payload does not parse as a statement, or a value in it is invalid.
    #[error("malformed statement: {0}")]
    BadStatement(String),
    /// The statement names a party that is not registered.
    #[error("unknown party {0}")]
    UnknownParty(String),
    /// The envelope names a key that is not the one registered to the statement's actor (for
    /// example one state signing a statement that claims to come from another).
    #[error("key {keyid} is not the key registered to {actor}")]
    WrongKey {
        /// The actor the statement claims.
        actor: String,
        /// The key id the envelope names.
        keyid: String,
    },
    /// The signature does not verify under the actor's registered key.
    #[error("signature does not verify under the key registered to {actor}")]
    BadSignature {
        /// The actor the statement claims.
        actor: String,
    },
    /// The sequence number was already used: a replay.
    #[error("seq {got} of {actor} was already used; the next is {expected}")]
    Replay {
        /// The actor.
        actor: String,
        /// The sequence number in the statement.
        got: u64,
        /// The next sequence number the hub accepts from this actor.
        expected: u64,
    },
    /// The sequence number skips ahead: an earlier statement is missing.
    #[error("seq {got} of {actor} skips ahead; the next is {expected}")]
    SeqGap {
        /// The actor.
        actor: String,
        /// The sequence number in the statement.
        got: u64,
        /// The next sequence number the hub accepts from this actor.
        expected: u64,
    },
    /// The statement is dated ahead of the hub's clock by more than the allowed skew, or
    /// behind it by more than the allowed age.
    #[error(
        "statement time {time} is {} the hub clock {now}; check the node's clock",
        if time > now { "ahead of" } else { "more than a day behind" }
    )]
    TimeSkew {
        /// Time in the statement.
        time: u64,
        /// The hub's clock.
        now: u64,
    },
    /// An agreement, request or exchange the statement names does not exist.
    #[error("no {kind} {id}")]
    NotFound {
        /// "agreement", "request", "exchange", "leg" or "message".
        kind: &'static str,
        /// The id named.
        id: String,
    },
    /// The actor is not part of the agreement or exchange it acts on.
    #[error("{actor} is not a member of {what}")]
    NotMember {
        /// The actor.
        actor: String,
        /// What it tried to act on.
        what: String,
    },
    /// The transition is not allowed from the current state, or not by this actor.
    #[error("{0}")]
    NotAllowed(String),
    /// The action came after its deadline.
    #[error("deadline {deadline} has passed (now {now})")]
    DeadlinePassed {
        /// The deadline, unix seconds.
        deadline: u64,
        /// The hub's clock.
        now: u64,
    },
    /// A request failed an automatic screening check.
    #[error("screening failed: {0}")]
    ScreeningFailed(String),
    /// An exchange signature is over other bytes than the proposal's.
    #[error("signed digest {got} differs from the digest {expected} of exchange {exchange}")]
    DigestMismatch {
        /// The exchange.
        exchange: String,
        /// The digest of the proposal as the hub holds it.
        expected: String,
        /// The digest the signer signed.
        got: String,
    },
    /// The object already exists (a party registered twice, an id reused).
    #[error("{0} already exists")]
    Conflict(String),
    /// A binding act's officers' signatures do not meet the four-eyes rule
    /// ([`crate::officer`]): missing where the state requires them, one officer twice, an
    /// officer not certified by the acting state, revoked, expired, without the role, or a
    /// signature that does not verify.
    #[error("four-eyes: {0}")]
    FourEyes(String),
    /// A message act's liaison officer's signature does not hold ([`crate::message::ActedBy`]):
    /// an officer not certified by the acting state, revoked, expired, without the liaison
    /// role, or a signature that does not verify.
    #[error("officer signature: {0}")]
    OfficerSignature(String),
}

impl Rejection {
    /// The stable, machine-readable code of this rejection (snake_case).
    pub fn code(&self) -> &'static str {
        match self {
            Rejection::Invalid { .. } => "invalid",
            Rejection::BadEnvelope(_) => "bad_envelope",
            Rejection::BadStatement(_) => "bad_statement",
            Rejection::UnknownParty(_) => "unknown_party",
            Rejection::WrongKey { .. } => "wrong_key",
            Rejection::BadSignature { .. } => "bad_signature",
            Rejection::Replay { .. } => "replay",
            Rejection::SeqGap { .. } => "seq_gap",
            Rejection::TimeSkew { .. } => "time_skew",
            Rejection::NotFound { .. } => "not_found",
            Rejection::NotMember { .. } => "not_member",
            Rejection::NotAllowed(_) => "not_allowed",
            Rejection::DeadlinePassed { .. } => "deadline_passed",
            Rejection::ScreeningFailed(_) => "screening_failed",
            Rejection::DigestMismatch { .. } => "digest_mismatch",
            Rejection::Conflict(_) => "conflict",
            Rejection::FourEyes(_) => "four_eyes",
            Rejection::OfficerSignature(_) => "officer_signature",
        }
    }

    pub(crate) fn invalid(what: &'static str, reason: impl Into<String>) -> Self {
        Rejection::Invalid {
            what,
            reason: reason.into(),
        }
    }

    pub(crate) fn not_allowed(message: impl Into<String>) -> Self {
        Rejection::NotAllowed(message.into())
    }
}
