//! Agreements: their terms, and the record the registry keeps of each.

use crate::id::{AgreementId, PartyId, UnixSeconds};
use crate::offence::{Offence, SimilarityRule};
use crate::rejection::Rejection;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::ops::Deref;

/// Most members one agreement may have. Bounds the work of every check that walks the members.
pub const MAX_MEMBERS: usize = 64;
/// Longest window (commitment or execution) an agreement may set: one year.
pub const MAX_WINDOW_SECONDS: u64 = 366 * 24 * 3600;
/// Longest time the members may be given to sign an agreement, from its proposal: one year.
pub const MAX_SIGNING_SECONDS: u64 = MAX_WINDOW_SECONDS;
/// The largest maximum penalty a request may state, in months; life imprisonment is written as
/// this value.
pub const MAX_PENALTY_MONTHS: u32 = 1200;

/// The largest credit limit an agreement may set.
pub const MAX_CREDIT: u32 = 1000;

/// Deferred reciprocity: a state may give now and be owed later. A custodian makes an
/// *unconditional offer* of a pooled request (`offer_made`); the matching may then start a
/// chain at it: the custodian gives, each requester along the chain gives in the next request,
/// and the last requester receives without giving. Every chain moves one handover of credit
/// from its last requester to its offerer, and each state's *committed balance* (handovers it
/// gives, less those it receives, over the agreement's exchanges that have not lapsed) stays
/// within `±max_outstanding`: a state that owes as much receives nothing on credit until it
/// gives ([`crate::matching`], [`crate::Registry::credit_balance`]).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreditTerms {
    /// Most handovers a state may be owed, or owe, at once: 1..=[`MAX_CREDIT`].
    pub max_outstanding: u32,
    /// Most requests in one chain, 1..=[`CreditTerms::MAX_CHAIN`].
    pub max_chain: u8,
}

impl CreditTerms {
    /// The longest chain an agreement may allow: the solver's chain cap less the arc that ends
    /// a chain at a state with room ([`crate::matching`]).
    pub const MAX_CHAIN: u8 = (rex_match::params::MAX_CHAIN_CAP - 1) as u8;

    fn validate(&self) -> Result<(), Rejection> {
        let bad = |reason: String| Err(Rejection::invalid("agreement credit", reason));
        if self.max_outstanding == 0 || self.max_outstanding > MAX_CREDIT {
            return bad(format!(
                "max_outstanding {}, expected 1 to {MAX_CREDIT}",
                self.max_outstanding
            ));
        }
        if self.max_chain == 0 || self.max_chain > Self::MAX_CHAIN {
            return bad(format!(
                "max_chain {}, expected 1 to {}",
                self.max_chain,
                Self::MAX_CHAIN
            ));
        }
        Ok(())
    }
}

/// The terms of an agreement as written, before validation. Wire form of [`AgreementTerms`];
/// fields serialise in this order.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TermsDraft {
    /// The member states, sorted, without duplicates, at least two.
    pub members: Vec<PartyId>,
    /// Offence categories covered, sorted, without duplicates, at least one. A request is
    /// covered only if every category it charges is.
    pub offences: Vec<Offence>,
    /// When two subjects are similar enough to be exchanged against each other.
    pub similarity: SimilarityRule,
    /// Longest cycle of requests in one exchange, 2..=[`rex_match::params::MAX_CYCLE_CAP`].
    pub max_cycle: u8,
    /// Whether prosecuting a subject at home counts as giving in an exchange.
    pub prosecution_at_home_counts: bool,
    /// Lowest maximum penalty, in months, a request must carry (dual-criminality threshold; the
    /// Budapest Convention's art. 24 uses 12).
    pub min_penalty_months: u32,
    /// Unix time after which members can no longer sign: if not every member signed by then,
    /// the agreement never enters into force.
    pub signing_deadline: UnixSeconds,
    /// Seconds the members of an exchange have, from its proposal, to sign it.
    pub commit_window: u64,
    /// Seconds an exchange has, from becoming binding, to be executed.
    pub execution_window: u64,
    /// Deferred reciprocity: unconditional offers and the chains they start, within a credit
    /// limit; absent, strict reciprocity (cycles only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credit: Option<CreditTerms>,
    /// Deadlines that run by themselves, and what breaching them costs; absent, none but the
    /// execution window (the form of agreements signed before deadlines existed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deadlines: Option<Deadlines>,
    /// Whether each giver of a surrender records the domestic instrument that allows the
    /// release (`release_recorded`) before the hub may declare go; absent, false.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub release_instrument_required: bool,
}

/// Deadlines of an agreement, in days, judged by the hub's clock: the hub records a breach
/// when one passes (`deadline_missed`), and the state in breach cures it by doing what it owed.
/// The standard values ([`Deadlines::STANDARD`]) follow the European Arrest Warrant (framework
/// decision 2002/584/JHA, arts. 17 and 23) where it has a rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Deadlines {
    /// Days the custodian has, from filing, to answer a request.
    pub answer_days: u32,
    /// Days one extension adds to the answer deadline, asked with a reason before it passes; 0
    /// allows none.
    pub extension_days: u32,
    /// Days a giver has, from go, to deliver the subject of a surrender leg.
    pub surrender_days: u32,
    /// Days a giver has, from the exchange becoming binding, to open proceedings on a
    /// prosecution-at-home leg (opening is what makes the leg ready for go).
    pub opened_days: u32,
    /// Days a giver has, from go, to charge the subject of a prosecution-at-home leg.
    pub charged_days: u32,
    /// Days a giver has, from go, to reach a verdict on a prosecution-at-home leg.
    pub verdict_days: u32,
    /// After this many uncured breaches under the agreement, a state may file no new request
    /// under it until it cures one; absent, breaches cost nothing but the record.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suspend_after_breaches: Option<u32>,
}

impl Deadlines {
    /// The standard deadlines: answer within 60 days with one extension of 30 (EAW art. 17),
    /// surrender within 10 days of go (art. 23); proceedings opened within 30 days of binding,
    /// the subject charged within 180 days and judged within 730 days of go (rex's defaults:
    /// the EAW has no rule for prosecution at home); no suspension.
    pub const STANDARD: Deadlines = Deadlines {
        answer_days: 60,
        extension_days: 30,
        surrender_days: 10,
        opened_days: 30,
        charged_days: 180,
        verdict_days: 730,
        suspend_after_breaches: None,
    };
    /// Longest deadline an agreement may set: ten years.
    pub const MAX_DAYS: u32 = 3660;

    fn validate(&self) -> Result<(), Rejection> {
        let bad = |reason: String| Err(Rejection::invalid("agreement deadlines", reason));
        for (name, days) in [
            ("answer_days", self.answer_days),
            ("surrender_days", self.surrender_days),
            ("opened_days", self.opened_days),
            ("charged_days", self.charged_days),
            ("verdict_days", self.verdict_days),
        ] {
            if days == 0 || days > Self::MAX_DAYS {
                return bad(format!("{name} {days}, expected 1 to {}", Self::MAX_DAYS));
            }
        }
        if self.extension_days > Self::MAX_DAYS {
            return bad(format!(
                "extension_days {}, expected 0 to {}",
                self.extension_days,
                Self::MAX_DAYS
            ));
        }
        if self.charged_days > self.verdict_days {
            return bad(format!(
                "charged_days {} after verdict_days {}",
                self.charged_days, self.verdict_days
            ));
        }
        if self.suspend_after_breaches == Some(0) {
            return bad(
                "suspend_after_breaches 0 would suspend every state at once; give 1 or more".into(),
            );
        }
        Ok(())
    }
}

/// Seconds in `days` days.
pub fn days(days: u32) -> u64 {
    u64::from(days) * 86_400
}

impl TermsDraft {
    /// Similar subjects under the standard terms: severity classes at most this far apart.
    pub const STANDARD_SIMILARITY_GAP: u8 = 1;
    /// Longest cycle under the standard terms.
    pub const STANDARD_MAX_CYCLE: u8 = 3;
    /// Penalty threshold under the standard terms (Budapest Convention, art. 24).
    pub const STANDARD_MIN_PENALTY_MONTHS: u32 = 12;
    /// Days the members have to sign, under the standard terms.
    pub const STANDARD_SIGNING_DAYS: u64 = 30;
    /// Days to sign an exchange once proposed, under the standard terms.
    pub const STANDARD_COMMIT_DAYS: u64 = 7;
    /// Days to execute a binding exchange, under the standard terms.
    pub const STANDARD_EXECUTION_DAYS: u64 = 60;

    /// The standard terms between `members` for `offences` (both sorted and deduplicated
    /// here), proposed at `now`: the defaults of `rex agreement propose`, the `STANDARD_*`
    /// constants, with prosecution at home not counting, no credit, and the standard deadlines. Change a field with
    /// struct update syntax; validate with [`AgreementTerms::new`].
    pub fn standard(members: &[PartyId], offences: &[Offence], now: UnixSeconds) -> TermsDraft {
        const DAY: u64 = 86_400;
        let mut members = members.to_vec();
        members.sort();
        members.dedup();
        let mut offences = offences.to_vec();
        offences.sort();
        offences.dedup();
        TermsDraft {
            members,
            offences,
            similarity: SimilarityRule::MaxClassGap {
                gap: Self::STANDARD_SIMILARITY_GAP,
            },
            max_cycle: Self::STANDARD_MAX_CYCLE,
            prosecution_at_home_counts: false,
            min_penalty_months: Self::STANDARD_MIN_PENALTY_MONTHS,
            signing_deadline: now.saturating_add(Self::STANDARD_SIGNING_DAYS * DAY),
            commit_window: Self::STANDARD_COMMIT_DAYS * DAY,
            execution_window: Self::STANDARD_EXECUTION_DAYS * DAY,
            credit: None,
            deadlines: Some(Deadlines::STANDARD),
            release_instrument_required: false,
        }
    }
}

/// Validated terms of an agreement. Read the fields through `Deref` to [`TermsDraft`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AgreementTerms(TermsDraft);

impl AgreementTerms {
    /// Validates a draft: member and offence lists canonical (sorted, no duplicates) and within
    /// bounds, cycle length supported, windows positive and at most a year, no credit, deadlines
    /// within bounds.
    pub fn new(draft: TermsDraft) -> Result<Self, Rejection> {
        let bad = |reason: String| Err(Rejection::invalid("agreement terms", reason));
        if draft.members.len() < 2 || draft.members.len() > MAX_MEMBERS {
            return bad(format!(
                "{} members, expected 2 to {MAX_MEMBERS}",
                draft.members.len()
            ));
        }
        if !draft.members.windows(2).all(|w| w[0] < w[1]) {
            return bad("members must be sorted and distinct".into());
        }
        if draft.offences.is_empty() {
            return bad("no offence category covered".into());
        }
        if !draft.offences.windows(2).all(|w| w[0] < w[1]) {
            return bad("offences must be sorted and distinct".into());
        }
        draft.similarity.validate()?;
        let cap = rex_match::params::MAX_CYCLE_CAP;
        if draft.max_cycle < 2 || usize::from(draft.max_cycle) > cap {
            return bad(format!(
                "longest cycle {}, expected 2 to {cap}",
                draft.max_cycle
            ));
        }
        if draft.min_penalty_months > MAX_PENALTY_MONTHS {
            return bad(format!(
                "penalty threshold {} months exceeds {MAX_PENALTY_MONTHS}",
                draft.min_penalty_months
            ));
        }
        for (name, w) in [
            ("commit window", draft.commit_window),
            ("execution window", draft.execution_window),
        ] {
            if w == 0 || w > MAX_WINDOW_SECONDS {
                return bad(format!("{name} {w} s, expected 1 to {MAX_WINDOW_SECONDS}"));
            }
        }
        if let Some(c) = &draft.credit {
            c.validate()?;
        }
        if let Some(d) = &draft.deadlines {
            d.validate()?;
        }
        Ok(AgreementTerms(draft))
    }

    /// Whether `party` is a member.
    pub fn is_member(&self, party: PartyId) -> bool {
        self.0.members.binary_search(&party).is_ok()
    }

    /// Whether the agreement covers `offence`.
    pub fn covers(&self, offence: Offence) -> bool {
        self.0.offences.binary_search(&offence).is_ok()
    }
}

impl Deref for AgreementTerms {
    type Target = TermsDraft;
    fn deref(&self) -> &TermsDraft {
        &self.0
    }
}

impl TryFrom<TermsDraft> for AgreementTerms {
    type Error = Rejection;
    fn try_from(d: TermsDraft) -> Result<Self, Rejection> {
        AgreementTerms::new(d)
    }
}

impl Serialize for AgreementTerms {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(s)
    }
}

impl<'de> Deserialize<'de> for AgreementTerms {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        AgreementTerms::new(TermsDraft::deserialize(d)?).map_err(serde::de::Error::custom)
    }
}

/// An agreement as the registry holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Agreement {
    /// Its id (derived from the proposing statement).
    pub id: AgreementId,
    /// The member that proposed it; proposing counts as its signature.
    pub proposer: PartyId,
    /// The terms.
    pub terms: AgreementTerms,
    /// When the hub accepted the proposal.
    pub proposed_at: UnixSeconds,
    /// Members that have signed, the proposer included.
    pub signed: BTreeSet<PartyId>,
    /// When the last member signed, if all have.
    pub in_force_since: Option<UnixSeconds>,
}

impl Agreement {
    /// In force: every member signed.
    pub fn in_force(&self) -> bool {
        self.in_force_since.is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::offence::Offence::*;

    pub(crate) fn draft() -> TermsDraft {
        TermsDraft {
            members: vec![PartyId::new("RU").unwrap(), PartyId::new("US").unwrap()],
            offences: vec![IllegalAccess, ComputerRelatedFraud, RansomwareExtortion],
            similarity: SimilarityRule::MaxClassGap { gap: 1 },
            max_cycle: 3,
            prosecution_at_home_counts: true,
            min_penalty_months: 12,
            signing_deadline: 2_000_000_000,
            commit_window: 7 * 86400,
            execution_window: 30 * 86400,
            credit: None,
            deadlines: None,
            release_instrument_required: false,
        }
    }

    #[test]
    fn standard_terms_are_valid_sorted_and_dated_from_now() {
        let (ru, us) = (PartyId::new("RU").unwrap(), PartyId::new("US").unwrap());
        let d = TermsDraft::standard(&[us, ru, us], &[RansomwareExtortion, IllegalAccess], 1000);
        assert_eq!(d.members, vec![ru, us]);
        assert_eq!(d.offences, vec![IllegalAccess, RansomwareExtortion]);
        assert_eq!(d.signing_deadline, 1000 + 30 * 86400);
        assert_eq!(d.commit_window, 7 * 86400);
        assert_eq!(d.execution_window, 60 * 86400);
        assert!(!d.prosecution_at_home_counts);
        assert_eq!(d.deadlines, Some(Deadlines::STANDARD));
        assert!(AgreementTerms::new(d).is_ok());
    }

    #[test]
    fn validation() {
        let check = |edit: &dyn Fn(&mut TermsDraft), reason: Option<&str>| {
            let mut d = draft();
            edit(&mut d);
            match (AgreementTerms::new(d), reason) {
                (Ok(_), None) => {}
                (Err(e), Some(r)) => assert!(e.to_string().contains(r), "{e} lacks {r:?}"),
                (got, want) => panic!("got {got:?}, wanted {want:?}"),
            }
        };
        check(&|_| {}, None);
        check(&|d| d.members.truncate(1), Some("1 members"));
        check(&|d| d.members.reverse(), Some("sorted"));
        check(
            &|d| d.members.push(PartyId::new("US").unwrap()),
            Some("sorted and distinct"),
        );
        check(&|d| d.offences.clear(), Some("no offence"));
        check(&|d| d.offences.swap(0, 1), Some("offences must be sorted"));
        check(&|d| d.max_cycle = 1, Some("longest cycle 1"));
        check(&|d| d.max_cycle = 9, Some("longest cycle 9"));
        check(&|d| d.commit_window = 0, Some("commit window 0"));
        check(
            &|d| d.execution_window = MAX_WINDOW_SECONDS + 1,
            Some("execution window"),
        );
        check(&|d| d.min_penalty_months = 1201, Some("penalty threshold"));
        check(
            &|d| d.similarity = SimilarityRule::MaxClassGap { gap: 9 },
            Some("class gap"),
        );
        let credit = |max_outstanding, max_chain| {
            move |d: &mut TermsDraft| {
                d.credit = Some(CreditTerms {
                    max_outstanding,
                    max_chain,
                })
            }
        };
        check(&credit(1, 1), None);
        check(&credit(MAX_CREDIT, CreditTerms::MAX_CHAIN), None);
        check(&credit(0, 3), Some("max_outstanding 0"));
        check(&credit(MAX_CREDIT + 1, 3), Some("max_outstanding 1001"));
        check(&credit(2, 0), Some("max_chain 0"));
        check(&credit(2, CreditTerms::MAX_CHAIN + 1), Some("max_chain 12"));
        let deadlines = |edit: fn(&mut Deadlines)| {
            move |d: &mut TermsDraft| {
                let mut x = Deadlines::STANDARD;
                edit(&mut x);
                d.deadlines = Some(x);
            }
        };
        check(&deadlines(|_| {}), None);
        check(&deadlines(|x| x.extension_days = 0), None);
        check(&deadlines(|x| x.answer_days = 0), Some("answer_days 0"));
        check(
            &deadlines(|x| x.verdict_days = 3661),
            Some("verdict_days 3661"),
        );
        check(
            &deadlines(|x| x.extension_days = 3661),
            Some("extension_days"),
        );
        check(
            &deadlines(|x| x.charged_days = x.verdict_days + 1),
            Some("charged_days 731 after verdict_days 730"),
        );
        check(
            &deadlines(|x| x.suspend_after_breaches = Some(0)),
            Some("suspend_after_breaches 0"),
        );
    }

    #[test]
    fn wire_form_of_deadlines() {
        let mut d = draft();
        d.deadlines = Some(Deadlines {
            suspend_after_breaches: Some(2),
            ..Deadlines::STANDARD
        });
        let json = serde_json::to_string(&AgreementTerms::new(d).unwrap()).unwrap();
        assert!(json.ends_with(
            r#""deadlines":{"answer_days":60,"extension_days":30,"surrender_days":10,"opened_days":30,"charged_days":180,"verdict_days":730,"suspend_after_breaches":2}}"#
        ), "{json}");
        let without = json.replace(r#","suspend_after_breaches":2"#, "");
        let back: AgreementTerms = serde_json::from_str(&without).unwrap();
        assert_eq!(back.deadlines.unwrap().suspend_after_breaches, None);
    }

    #[test]
    fn wire_form_omits_absent_credit() {
        let t = AgreementTerms::new(draft()).unwrap();
        let json = serde_json::to_string(&t).unwrap();
        assert!(!json.contains("credit") && !json.contains("deadlines"));
        assert!(!json.contains("release_instrument_required"));
        let back: AgreementTerms = serde_json::from_str(&json).unwrap();
        assert_eq!(back, t);
        let unsorted = json.replace(r#"["RU","US"]"#, r#"["US","RU"]"#);
        assert!(serde_json::from_str::<AgreementTerms>(&unsorted).is_err());
    }
}
