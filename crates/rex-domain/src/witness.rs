//! Witness policies: whose cosignatures make a checkpoint final for a state.
//!
//! A state acts on what the log says only once the log cannot take it back: when the
//! checkpoint that holds it carries valid cosignatures of a quorum of the other states (the
//! witnesses). Which states, and how many, is the state's own choice, recorded in the log
//! (`witness_policy_set`) so that anyone replaying it knows what each state required:
//!
//! - [`WitnessPolicy::AgreementPartners`], the default: every state that shares an agreement in
//!   force with it. These are the states with something at stake in its exchanges, and the
//!   ones a split view would have to deceive.
//! - [`WitnessPolicy::Threshold`]: `threshold` of the listed `witnesses`, as a Sigsum policy
//!   does (`quorum k` of named witnesses).

use crate::id::PartyId;
use serde::{Deserialize, Serialize};

/// The most witnesses a threshold policy may list.
pub const MAX_WITNESSES: usize = 64;

/// Whose cosignatures make a checkpoint final for a state. Wire form: an object tagged by
/// `kind`: `{"kind":"agreement_partners"}` or
/// `{"kind":"threshold","witnesses":["DE","RU"],"threshold":1}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum WitnessPolicy {
    /// Every state that shares an agreement in force with this one, all of them.
    #[default]
    AgreementPartners,
    /// `threshold` of `witnesses`.
    Threshold {
        /// Registered states other than this one, sorted, without duplicates, at most
        /// [`MAX_WITNESSES`].
        witnesses: Vec<PartyId>,
        /// How many of them must cosign, at least 1 and at most as many as are listed.
        threshold: u32,
    },
}

/// What a policy asks for at one point of the log: these witnesses, this many of them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Quorum {
    /// The witnesses, sorted.
    pub witnesses: Vec<PartyId>,
    /// How many of them must cosign (0 when there are none: nothing to wait for, and nothing
    /// vouched for either; callers say so).
    pub threshold: usize,
}
