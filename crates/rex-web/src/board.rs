//! The all-or-nothing execution board of an exchange, a pure function of the exchange as the
//! node replayed it from the log: per leg (giver → receiver, the request, surrender or
//! prosecution at home) each step with its status in words, when it was taken or by when it
//! is due, and who signed it for its state (the officers named in the statement, or the node
//! alone); and the exchange's state as a whole. It also says which step this state owes next
//! on each leg, which is what the desk lets a case officer draft.

use std::collections::BTreeMap;

use rex_domain::{
    Action, Exchange, ExchangeId, ExchangeStatus, Leg, LegKind, LegStage, LegStep, Milestone,
    Officers, PartyId, RequestId,
};

use crate::web::{relative, when};

/// The steps of a leg of `kind`, in order, with the state that takes each.
pub(crate) fn steps(kind: LegKind) -> &'static [LegStep] {
    match kind {
        LegKind::Surrender => &[
            LegStep::Ready,
            LegStep::Verified,
            LegStep::Delivered,
            LegStep::Received,
        ],
        LegKind::ProsecutionAtHome => &[
            LegStep::Milestone(Milestone::Opened),
            LegStep::Milestone(Milestone::Charged),
            LegStep::Milestone(Milestone::Verdict),
        ],
    }
}

/// The word a form sends for a step, and the step's name on the board.
pub(crate) fn step_word(step: LegStep) -> &'static str {
    match step {
        LegStep::Ready => "ready",
        LegStep::Verified => "verified",
        LegStep::Delivered => "delivered",
        LegStep::Received => "received",
        LegStep::Milestone(Milestone::Opened) => "opened",
        LegStep::Milestone(Milestone::Charged) => "charged",
        LegStep::Milestone(Milestone::Verdict) => "verdict",
    }
}

/// The step a form names, if any.
pub(crate) fn parse_step(word: &str) -> Option<LegStep> {
    [LegKind::Surrender, LegKind::ProsecutionAtHome]
        .into_iter()
        .flat_map(|k| steps(k).iter().copied())
        .find(|s| step_word(*s) == word)
}

/// What a step means, for people.
fn step_meaning(step: LegStep) -> &'static str {
    match step {
        LegStep::Ready => "subject declared ready",
        LegStep::Verified => "identity verified",
        LegStep::Delivered => "subject handed over",
        LegStep::Received => "subject received",
        LegStep::Milestone(Milestone::Opened) => "proceedings opened",
        LegStep::Milestone(Milestone::Charged) => "subject charged",
        LegStep::Milestone(Milestone::Verdict) => "verdict given",
    }
}

/// The statement that takes `step` on the leg of `request`.
pub(crate) fn step_action(exchange: ExchangeId, request: RequestId, step: LegStep) -> Action {
    match step {
        LegStep::Ready => Action::LegReady { exchange, request },
        LegStep::Verified => Action::LegVerified { exchange, request },
        LegStep::Delivered => Action::LegDelivered { exchange, request },
        LegStep::Received => Action::LegReceived { exchange, request },
        LegStep::Milestone(milestone) => Action::MilestoneRecorded {
            exchange,
            request,
            milestone,
        },
    }
}

/// What `me` declares by taking `step` on `leg`, in a sentence (the approver reads it).
pub(crate) fn step_sentence(me: PartyId, leg: &Leg, step: LegStep) -> String {
    let (r, giver, receiver) = (leg.request, leg.giver, leg.receiver);
    match step {
        LegStep::Ready => format!(
            "{me}, as giver, declares the subject of request {r} ready to be surrendered to {receiver}"
        ),
        LegStep::Verified => format!(
            "{me}, as receiver, confirms that it verified the identity of the subject of request {r}, held by {giver}"
        ),
        LegStep::Delivered => format!(
            "{me}, as giver, declares the subject of request {r} handed over to {receiver}"
        ),
        LegStep::Received => format!(
            "{me}, as receiver, confirms that it received the subject of request {r} from {giver}"
        ),
        LegStep::Milestone(m) => format!(
            "{me} records that {} in its prosecution at home of the subject of request {r} (instead of surrendering them to {receiver})",
            match m {
                Milestone::Opened => "proceedings were opened",
                Milestone::Charged => "the subject was charged",
                Milestone::Verdict => "a verdict was given",
            }
        ),
    }
}

/// Who signed an act for its state, in words.
pub(crate) fn signers(acted_by: &Officers) -> String {
    match acted_by {
        Officers::NoOfficer => "the node alone (no officer)".to_owned(),
        Officers::FourEyes { drafter, approver } => {
            format!("{drafter} (drafter), {approver} (approver)")
        }
    }
}

/// The exchange's all-or-nothing state, in words.
pub(crate) fn state(x: &Exchange) -> String {
    let mut s = match x.status {
        ExchangeStatus::Proposed => format!(
            "signing: {} of {} states signed; binding only when all have",
            x.signed.len(),
            x.parties.len()
        ),
        ExchangeStatus::Lapsed => "lapsed: not every state signed in time; nothing is owed".into(),
        ExchangeStatus::Binding if x.go_at.is_none() => {
            "binding, awaiting go: every leg must be verified or opened before anyone hands over"
                .into()
        }
        ExchangeStatus::Binding => "go: the hub declared go; legs are being executed".into(),
        ExchangeStatus::Completed => "executed: every leg is complete".into(),
    };
    if !x.breaches.is_empty() {
        let mut who: Vec<String> = x.breaches.values().map(|p| p.to_string()).collect();
        who.sort();
        who.dedup();
        s.push_str(&format!("; breached by {}", who.join(", ")));
    }
    s
}

/// One step's row on the board.
pub(crate) struct StepRow {
    /// The step's word (`ready`, `opened`, …).
    pub(crate) word: &'static str,
    /// What it means.
    pub(crate) meaning: &'static str,
    /// The state that takes it.
    pub(crate) by: String,
    /// `done`, `owed by US`, `waits for go`, `not yet`, `breached by US`.
    pub(crate) status: String,
    /// When it was taken, or by when it is due (absolute and relative).
    pub(crate) when: String,
    /// Who signed it for its state, once taken.
    pub(crate) signed_by: String,
    /// This state owes it now: a case officer may draft it.
    pub(crate) mine: bool,
    /// An awaiting draft of it on this desk, if any.
    pub(crate) draft: Option<i64>,
}

/// One leg on the board.
pub(crate) struct LegBoard {
    pub(crate) request: String,
    pub(crate) giver: String,
    pub(crate) receiver: String,
    pub(crate) mode: &'static str,
    pub(crate) stage: &'static str,
    pub(crate) steps: Vec<StepRow>,
}

/// A step a draft on this desk awaits approval for: the exchange's signature (`None`) or a
/// leg's step, by its word.
pub(crate) type DraftKey = Option<(RequestId, &'static str)>;

/// The board of `x` as `me` sees it at `now`, with the awaiting drafts of this desk by step.
pub(crate) fn board(
    x: &Exchange,
    me: PartyId,
    now: u64,
    drafts: &BTreeMap<DraftKey, i64>,
) -> Vec<LegBoard> {
    let go = x.go_at.is_some();
    let executing = x.status == ExchangeStatus::Binding;
    let due = |at: Option<u64>| {
        at.map_or("set when binding".to_owned(), |d| {
            format!("due {} ({})", when(d), relative(d, now))
        })
    };
    x.proposal
        .legs
        .iter()
        .zip(&x.stages)
        .map(|(leg, stage)| {
            let order = steps(leg.kind);
            let done = done_steps(leg.kind, *stage);
            let owed = leg.owed_by(*stage, go);
            let steps = order
                .iter()
                .enumerate()
                .map(|(i, step)| {
                    let by = if step.by_giver() {
                        leg.giver
                    } else {
                        leg.receiver
                    };
                    let act = x.acts.iter().find(|a| a.step == Some((leg.request, *step)));
                    let next = i == done && executing;
                    let waits_for_go = next && *step == LegStep::Delivered && !go;
                    let breached = next && x.breaches.contains_key(&leg.request);
                    let status = if i < done {
                        "done".to_owned()
                    } else if breached {
                        format!(
                            "breached by {}",
                            x.breaches.get(&leg.request).copied().unwrap_or(by)
                        )
                    } else if waits_for_go {
                        "waits for the hub's go".to_owned()
                    } else if next {
                        format!("owed by {by}")
                    } else {
                        "not yet".to_owned()
                    };
                    StepRow {
                        word: step_word(*step),
                        meaning: step_meaning(*step),
                        by: by.to_string(),
                        status,
                        when: match act {
                            Some(a) => format!("{} ({})", when(a.at), relative(a.at, now)),
                            None if i >= done && executing => due(x.execution_deadline),
                            None => String::new(),
                        },
                        signed_by: act.map(|a| signers(&a.acted_by)).unwrap_or_default(),
                        mine: next && !waits_for_go && owed == Some(me),
                        draft: drafts.get(&Some((leg.request, step_word(*step)))).copied(),
                    }
                })
                .collect();
            LegBoard {
                request: leg.request.to_string(),
                giver: leg.giver.to_string(),
                receiver: leg.receiver.to_string(),
                mode: match leg.kind {
                    LegKind::Surrender => "surrender",
                    LegKind::ProsecutionAtHome => "prosecution at home",
                },
                stage: stage.as_str(),
                steps,
            }
        })
        .collect()
}

/// How many of its steps a leg of `kind` at `stage` has taken.
fn done_steps(kind: LegKind, stage: LegStage) -> usize {
    steps(kind)
        .iter()
        .scan(LegStage::Pending, |at, step| {
            *at = step.next(kind, *at)?;
            Some(*at)
        })
        .position(|s| s == stage)
        .map_or(0, |p| p + 1)
}

/// Whether `me` may take `step` on the leg of `request` now: the exchange is binding, the step
/// is the leg's next, `me` owes it, and a delivery comes after the hub's go. Says why not.
pub(crate) fn may_take(
    x: &Exchange,
    me: PartyId,
    request: RequestId,
    step: LegStep,
) -> Result<Leg, String> {
    let id = x.proposal.id;
    let i = x
        .leg_index(&request)
        .ok_or_else(|| format!("exchange {id} has no leg for request {request}"))?;
    let leg = x.proposal.legs[i];
    if x.status != ExchangeStatus::Binding {
        return Err(format!(
            "exchange {id} is not being executed ({})",
            state(x)
        ));
    }
    let stage = x.stages[i];
    if step.next(leg.kind, stage).is_none() {
        return Err(format!(
            "{} is not the next step of the {} leg of request {request}, which is at {}",
            step_word(step),
            match leg.kind {
                LegKind::Surrender => "surrender",
                LegKind::ProsecutionAtHome => "prosecution at home",
            },
            stage.as_str()
        ));
    }
    match leg.owed_by(stage, x.go_at.is_some()) {
        Some(p) if p == me => Ok(leg),
        None if step == LegStep::Delivered => Err(format!(
            "the subject of request {request} is handed over only after the hub's go"
        )),
        _ => Err(format!(
            "{} takes this step on the leg of request {request}, not {me}",
            if step.by_giver() {
                leg.giver
            } else {
                leg.receiver
            }
        )),
    }
}

/// A form of the exchange page for an act around a surrender leg that this state may take:
/// the giver's release instrument (before go) and consents (after delivery), the receiver's
/// prosecution for more offences and onward transfer (after delivery).
pub(crate) struct SpecialityForm {
    /// `release`, `consent`, `prosecute` or `transfer`.
    pub act: &'static str,
    /// What the form does, in words (its heading).
    pub title: String,
    /// The leg's request.
    pub request: String,
    /// Offence categories to tick (consent: not yet covered; prosecute: covered).
    pub offences: Vec<(String, String)>,
    /// States to choose from (consent: registered third states; transfer: consented ones).
    pub states: Vec<String>,
    /// Release instrument kinds: value, words.
    pub kinds: Vec<(String, String)>,
}

/// The speciality and release forms of exchange `x` for state `me`, leg by leg.
pub(crate) fn speciality_forms(
    registry: &rex_domain::Registry,
    x: &Exchange,
    me: PartyId,
) -> Vec<SpecialityForm> {
    use rex_domain::{InstrumentKind, LegStage};
    let mut forms = Vec::new();
    for (leg, stage) in x.proposal.legs.iter().zip(&x.stages) {
        if leg.kind != LegKind::Surrender {
            continue;
        }
        let Some(r) = registry.request(&leg.request) else {
            continue;
        };
        let request = leg.request.to_string();
        let form = |act, title: String| SpecialityForm {
            act,
            title,
            request: request.clone(),
            offences: Vec::new(),
            states: Vec::new(),
            kinds: Vec::new(),
        };
        let delivered = matches!(stage, LegStage::Delivered | LegStage::Received);
        let record = x.speciality.get(&leg.request).cloned().unwrap_or_default();
        if leg.giver == me
            && x.status == rex_domain::ExchangeStatus::Binding
            && x.go_at.is_none()
            && !x.instruments.contains_key(&leg.request)
        {
            let mut f = form(
                "release",
                format!("Record the instrument that releases the subject of {request}"),
            );
            f.kinds = InstrumentKind::ALL
                .iter()
                .map(|k| (k.as_str().to_owned(), crate::web::label(k)))
                .collect();
            forms.push(f);
        }
        if !delivered || record.transferred_to.is_some() {
            continue;
        }
        let covered: std::collections::BTreeSet<rex_domain::Offence> = r
            .metadata
            .offences
            .iter()
            .copied()
            .chain(record.consented_offences.iter().copied())
            .collect();
        if leg.giver == me {
            let mut f = form(
                "consent",
                format!(
                    "Consent to {} prosecuting the subject of {request} for more, or to a transfer",
                    leg.receiver
                ),
            );
            f.offences = rex_domain::Offence::ALL
                .iter()
                .filter(|o| !covered.contains(o))
                .map(|o| (o.as_str().to_owned(), crate::web::label(o)))
                .collect();
            f.states = registry
                .parties()
                .map(|p| p.keys.party())
                .filter(|p| *p != leg.giver && *p != leg.receiver)
                .filter(|p| !record.consented_transfers.contains(p))
                .map(|p| p.to_string())
                .collect();
            forms.push(f);
        }
        if leg.receiver == me {
            let mut f = form(
                "prosecute",
                format!("Record prosecuting the subject of {request} for these offences"),
            );
            f.offences = covered
                .iter()
                .map(|o| (o.as_str().to_owned(), crate::web::label(o)))
                .collect();
            forms.push(f);
            if !record.consented_transfers.is_empty() {
                let mut f = form(
                    "transfer",
                    format!("Record the transfer of the subject of {request} to a third state"),
                );
                f.states = record
                    .consented_transfers
                    .iter()
                    .map(ToString::to_string)
                    .collect();
                forms.push(f);
            }
        }
    }
    forms
}
