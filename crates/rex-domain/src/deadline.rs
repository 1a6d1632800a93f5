//! Deadlines that run by themselves, and the breaches they leave.
//!
//! An agreement may set deadlines ([`crate::agreement::Deadlines`]): the custodian answers a
//! request within so many days of filing (once extended, with a reason), a giver delivers the
//! subject of a surrender leg within so many days of go, and a prosecuting state opens
//! proceedings, charges and judges by due dates. Every exchange also has its execution
//! deadline. None of them waits for anyone: the registry knows, from the log alone, what falls
//! due when, and the hub records each missed deadline as a breach of the state that owed the
//! act (`deadline_missed`, or `breach_recorded` for the execution deadline). The state cures a
//! breach by doing what it owed, late; the breach stays on record with its cure. An agreement
//! may suspend a state with too many uncured breaches from filing under it.
//!
//! Because everything due is a function of the log, an auditor replaying it can tell when the
//! hub left something due unrecorded: an entry logged more than [`DUE_GRACE_SECONDS`] after a
//! statement of the hub fell due, while the hub had not logged it, is evidence that the hub
//! skipped it (`rex log verify` reports it).

use crate::exchange::{LegStage, Milestone};
use crate::id::{AgreementId, ExchangeId, PartyId, RequestId, UnixSeconds};
use serde::{Deserialize, Serialize};

/// How long after a hub statement falls due the hub may take to log it: an entry logged later
/// than this while it is still missing shows that the hub skipped it. The hub logs what is due
/// before each batch and checks every second, so an honest hub is late by a second or two.
pub const DUE_GRACE_SECONDS: u64 = 3600;

/// A deadline of an agreement that the hub records as missed (`deadline_missed`). Wire form:
/// an object tagged by `kind`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Deadline {
    /// The custodian's answer to a request.
    Answer {
        /// The request.
        request: RequestId,
    },
    /// The delivery of the subject of a surrender leg, after go.
    Surrender {
        /// The exchange.
        exchange: ExchangeId,
        /// The leg's request.
        request: RequestId,
    },
    /// A milestone of a prosecution-at-home leg.
    Milestone {
        /// The exchange.
        exchange: ExchangeId,
        /// The leg's request.
        request: RequestId,
        /// Opened, charged or verdict.
        milestone: Milestone,
    },
}

impl Deadline {
    /// The request it is about.
    pub fn request(&self) -> RequestId {
        match *self {
            Deadline::Answer { request }
            | Deadline::Surrender { request, .. }
            | Deadline::Milestone { request, .. } => request,
        }
    }

    /// What is owed, in a few words: "answer", "surrender", "opened", …
    pub fn what(&self) -> &'static str {
        match self {
            Deadline::Answer { .. } => "answer",
            Deadline::Surrender { .. } => "surrender",
            Deadline::Milestone { milestone, .. } => milestone.as_str(),
        }
    }
}

impl std::fmt::Display for Deadline {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Deadline::Answer { request } => write!(f, "the answer to request {request}"),
            Deadline::Surrender { exchange, request } => {
                write!(
                    f,
                    "the surrender on request {request} of exchange {exchange}"
                )
            }
            Deadline::Milestone {
                exchange,
                request,
                milestone,
            } => write!(
                f,
                "the milestone {} on request {request} of exchange {exchange}",
                milestone.as_str()
            ),
        }
    }
}

/// Why a custodian extends its answer deadline (`answer_extended`): a reason from a closed list,
/// so that the public log says why without saying anything of the case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExtensionReason {
    /// A person's decision on a screening check is pending.
    DecisionPending,
    /// The custodian asked the requester for further information.
    FurtherInformation,
    /// Domestic court proceedings on the surrender are pending.
    CourtProceedings,
    /// Circumstances beyond the custodian's control.
    ForceMajeure,
}

impl ExtensionReason {
    /// Every reason, in wire order.
    pub const ALL: [ExtensionReason; 4] = [
        ExtensionReason::DecisionPending,
        ExtensionReason::FurtherInformation,
        ExtensionReason::CourtProceedings,
        ExtensionReason::ForceMajeure,
    ];

    /// The wire name.
    pub fn as_str(&self) -> &'static str {
        match self {
            ExtensionReason::DecisionPending => "decision_pending",
            ExtensionReason::FurtherInformation => "further_information",
            ExtensionReason::CourtProceedings => "court_proceedings",
            ExtensionReason::ForceMajeure => "force_majeure",
        }
    }
}

impl std::str::FromStr for ExtensionReason {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| {
                let all: Vec<&str> = Self::ALL.iter().map(|r| r.as_str()).collect();
                format!(
                    "no extension reason {s:?}; expected one of {}",
                    all.join(", ")
                )
            })
    }
}

/// A custodian's extension of its answer deadline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Extension {
    /// Why.
    pub reason: ExtensionReason,
    /// When the hub accepted it.
    pub at: UnixSeconds,
    /// The answer deadline before it.
    pub previous_due: UnixSeconds,
}

/// What a breach is of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum BreachOf {
    /// A deadline of the agreement (`deadline_missed`).
    Deadline(Deadline),
    /// An exchange's execution deadline, with this leg unfinished (`breach_recorded`).
    Execution {
        /// The exchange.
        exchange: ExchangeId,
        /// The leg's request.
        request: RequestId,
    },
}

impl std::fmt::Display for BreachOf {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BreachOf::Deadline(d) => d.fmt(f),
            BreachOf::Execution { exchange, request } => write!(
                f,
                "the execution of exchange {exchange} on request {request}"
            ),
        }
    }
}

/// A recorded breach: who missed what, when, and when it cured it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Breach {
    /// The agreement whose deadline it was.
    pub agreement: AgreementId,
    /// The state in breach.
    pub party: PartyId,
    /// What it missed.
    pub of: BreachOf,
    /// When it was due.
    pub due: UnixSeconds,
    /// When the hub recorded it.
    pub at: UnixSeconds,
    /// The stage the leg was at, for an execution breach: the state cures it by taking the
    /// leg's next step.
    pub stage: Option<LegStage>,
    /// When the owed act was done (or became moot: the request withdrawn or refused); until
    /// then the breach is uncured.
    pub cured_at: Option<UnixSeconds>,
}

impl BreachOf {
    /// The request it is about.
    pub fn request(&self) -> RequestId {
        match *self {
            BreachOf::Deadline(d) => d.request(),
            BreachOf::Execution { request, .. } => request,
        }
    }
}

impl Breach {
    /// The request it is about.
    pub fn of_request(&self) -> RequestId {
        self.of.request()
    }

    /// Not cured yet.
    pub fn is_open(&self) -> bool {
        self.cured_at.is_none()
    }
}

/// Something that falls due for the hub to record: an index over the registry kept by
/// [`crate::Registry`], so that what is due costs what is due, not every exchange.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Due {
    /// A proposed exchange's signing deadline (`exchange_lapsed`).
    Lapse(ExchangeId),
    /// A binding exchange whose every leg is ready (`go`).
    Go(ExchangeId),
    /// A binding exchange past its execution deadline with a leg owed and not yet breached
    /// (`breach_recorded`).
    Execution(ExchangeId),
    /// A deadline of the agreement (`deadline_missed`).
    Deadline(Deadline),
}

impl std::fmt::Display for Due {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Due::Lapse(x) => write!(f, "the lapse of exchange {x}"),
            Due::Go(x) => write!(f, "go for exchange {x}"),
            Due::Execution(x) => write!(f, "a breach of the execution deadline of exchange {x}"),
            Due::Deadline(d) => write!(f, "the missed deadline of {d}"),
        }
    }
}
