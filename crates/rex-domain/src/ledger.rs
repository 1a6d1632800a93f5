//! The reciprocity ledger: for each agreement, per ordered pair of states, the handovers one
//! gave the other, derived from the log alone (so every replay, `rex log verify` included,
//! recomputes it).
//!
//! A leg counts once it is complete: a surrender when its receiver confirmed receipt, a
//! prosecution at home when its verdict is recorded (such legs exist only where the agreement
//! counts prosecution at home as giving). The June 2021 offer asked for exactly this balance:
//! "only if the other side agrees to do the same".

use crate::exchange::{ExchangeStatus, LegKind, LegStage};
use crate::id::{AgreementId, PartyId};
use crate::Registry;
use std::collections::BTreeMap;

/// What one state gave another under an agreement.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    /// Subjects surrendered (receipt confirmed).
    pub surrendered: u32,
    /// Subjects prosecuted at home to a verdict.
    pub prosecuted: u32,
}

impl Tally {
    /// Every handover counted.
    pub fn total(&self) -> u32 {
        self.surrendered + self.prosecuted
    }
}

/// The ledger of one agreement: `(giver, receiver)` to what the giver gave the receiver.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Ledger {
    /// Per ordered pair of states.
    pub given: BTreeMap<(PartyId, PartyId), Tally>,
}

impl Ledger {
    /// What `giver` gave `receiver`.
    pub fn tally(&self, giver: PartyId, receiver: PartyId) -> Tally {
        self.given
            .get(&(giver, receiver))
            .copied()
            .unwrap_or_default()
    }

    /// Handovers `party` gave, less those it received, over all counterparts.
    pub fn balance(&self, party: PartyId) -> i64 {
        self.given
            .iter()
            .map(|((g, r), t)| {
                let n = i64::from(t.total());
                if *g == party {
                    n
                } else if *r == party {
                    -n
                } else {
                    0
                }
            })
            .sum()
    }
}

impl Registry {
    /// The reciprocity ledger of `agreement`: every complete leg of its exchanges.
    pub fn ledger(&self, agreement: &AgreementId) -> Ledger {
        let mut ledger = Ledger::default();
        for x in self.exchanges().filter(|x| {
            x.proposal.agreement == *agreement
                && matches!(
                    x.status,
                    ExchangeStatus::Binding | ExchangeStatus::Completed
                )
        }) {
            for (leg, stage) in x.proposal.legs.iter().zip(&x.stages) {
                let t = ledger.given.entry((leg.giver, leg.receiver)).or_default();
                match (leg.kind, stage) {
                    (LegKind::Surrender, LegStage::Received) => t.surrendered += 1,
                    (LegKind::ProsecutionAtHome, LegStage::Verdict) => t.prosecuted += 1,
                    _ => {}
                }
            }
        }
        ledger.given.retain(|_, t| t.total() > 0);
        ledger
    }
}
