//! The law in the loop: each state's published profile of its extradition law, and the
//! screening catalogue that applies it to a request.
//!
//! # Profiles
//!
//! A state publishes the parameters of its law that screening needs as a signed statement
//! (`profile_published`, [`StateProfile`]): whether it surrenders its own nationals, its
//! thresholds for prosecution and for enforcing a sentence, the domestic statutes it maps to the
//! shared offence categories (dual criminality by category), its limitation periods, its
//! minimum age of criminal responsibility, whether it has the death penalty, the assurances it
//! requires of a requester that has it, and the categories it treats as political, military or
//! fiscal. A new version supersedes the old one; a request is screened against the versions in
//! force when it was filed, and keeps their numbers.
//!
//! # The catalogue
//!
//! Every check is a named rule ([`Check`]) with a recorded outcome ([`Outcome`]): passed or
//! failed with a reason, or awaiting a decision by a named role of a named state. Who evaluates
//! is explicit ([`Check::evaluator`]) and follows the data:
//!
//! - **hub**, on the metadata every auditor also holds ([`screen`]): legal basis, offence
//!   covered, dual criminality by category, penalty threshold, remaining sentence, own-national
//!   bar, excluded categories, the death-penalty assurance. A replay runs the same function on
//!   the same inputs, so `rex log verify` recomputes every one of them.
//! - **the custodian's node**, on the dossier it alone (with the requester) can read
//!   ([`evaluate`], `screening_evaluated`): limitation period, age at the offence, a final
//!   judgment for the same acts (ne bis in idem), amnesty. The facts come from a structured
//!   dossier (`rex-dossier/v1`, [`DossierFacts`]); the node signs a verdict and a reason per
//!   check that name rules, never facts, and refers to a person what the dossier does not
//!   state. These checks apply where the custodian has published a profile.
//! - **person**, by a signed decision of the custodian (`decision_recorded`, a binding act, so
//!   four-eyes where the state requires it) with the digest of its written grounds, which stay at
//!   the custodian's node: political offence, persecution risk, adequacy of assurances, asylum or
//!   protection status, conduct-level dual criminality, and whatever the node referred. The
//!   custodian raises such a check (`screening_raised`); the death-penalty rule raises the
//!   assurance check by itself.
//!
//! A failed check refuses the request on the spot, naming the check
//! ([`crate::RefusalGround::Screening`]); a request cannot be answered as exchangeable while a
//! check awaits a decision.
//!
//! When a state has published no profile, the agreement it signed stands for its law: its
//! offence list for dual criminality, its penalty threshold, and the own-national bar applies.
//! The outcome says so, so that nothing is decided silently.

use crate::agreement::{AgreementTerms, MAX_PENALTY_MONTHS};
use crate::id::PartyId;
use crate::offence::Offence;
use crate::officer::Role;
use crate::rejection::Rejection;
use crate::request::RequestMetadata;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Most domestic statutes one profile may map.
pub const MAX_STATUTES: usize = 256;
/// Longest statute reference, in bytes (`"18 U.S.C. § 1030(a)(2)"`, `"УК РФ ст. 272"`).
pub const MAX_STATUTE_LEN: usize = 120;
/// Oldest minimum age of criminal responsibility a profile may state.
pub const MAX_MIN_AGE: u8 = 25;
/// Longest limitation period a profile may state, in years.
pub const MAX_LIMITATION_YEARS: u16 = 100;

/// A domestic statute and the shared category it falls under.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Statute {
    /// The shared category.
    pub category: Offence,
    /// The statute's reference in the state's own law (public law, never case content).
    pub reference: String,
}

/// The limitation period for prosecuting one category.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Limitation {
    /// The category.
    pub category: Offence,
    /// Years after the offence, 1..=[`MAX_LIMITATION_YEARS`].
    pub years: u16,
}

/// Why a state will not surrender for a category.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExclusionKind {
    /// A political offence.
    Political,
    /// A purely military offence.
    Military,
    /// A fiscal offence.
    Fiscal,
}

/// A category a state excludes from surrender.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Exclusion {
    /// The category.
    pub category: Offence,
    /// Why.
    pub kind: ExclusionKind,
}

/// An assurance a custodian requires from a requester whose law provides for the death
/// penalty, before it surrenders.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AssuranceKind {
    /// The death penalty will not be sought, imposed or carried out.
    NoDeathPenalty,
    /// A life sentence will be reviewable.
    LifeSentenceReview,
    /// Conditions of detention meet stated standards.
    PrisonConditions,
}

/// A state's profile as written, before validation; wire form of [`StateProfile`]. Every list is
/// sorted and without duplicates, so that one profile has one encoding.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProfileDraft {
    /// Whether it surrenders its own nationals (if not, the own-national bar routes a request
    /// for one to prosecution at home).
    pub surrenders_nationals: bool,
    /// The lowest maximum penalty, in months, for which it surrenders for prosecution.
    pub min_penalty_months: u32,
    /// The shortest remaining sentence, in months, for which it surrenders to enforce one.
    pub min_sentence_months: u32,
    /// Its statutes by shared category: a category with no statute is not a crime in its law.
    /// Sorted by (category, reference), distinct, at most [`MAX_STATUTES`].
    pub statutes: Vec<Statute>,
    /// Limitation periods by category, sorted by category, one per category.
    pub limitations: Vec<Limitation>,
    /// Minimum age of criminal responsibility, in years.
    pub min_age: u8,
    /// Whether its law provides for the death penalty.
    pub death_penalty: bool,
    /// The assurances it requires of a requester whose law provides for the death penalty;
    /// sorted, distinct.
    pub assurances_required: Vec<AssuranceKind>,
    /// Categories it excludes from surrender, sorted by category, one per category.
    pub exclusions: Vec<Exclusion>,
}

/// A validated profile. Read the fields through `Deref` to [`ProfileDraft`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct StateProfile(ProfileDraft);

impl StateProfile {
    /// Validates a draft: canonical lists within bounds, thresholds and ages in range.
    pub fn new(draft: ProfileDraft) -> Result<Self, Rejection> {
        let bad = |reason: String| Err(Rejection::invalid("state profile", reason));
        if draft.min_penalty_months > MAX_PENALTY_MONTHS
            || draft.min_sentence_months > MAX_PENALTY_MONTHS
        {
            return bad(format!(
                "thresholds are at most {MAX_PENALTY_MONTHS} months"
            ));
        }
        if draft.statutes.len() > MAX_STATUTES {
            return bad(format!(
                "{} statutes, at most {MAX_STATUTES}",
                draft.statutes.len()
            ));
        }
        if let Some(s) = draft.statutes.iter().find(|s| {
            s.reference.trim().is_empty()
                || s.reference.len() > MAX_STATUTE_LEN
                || s.reference.trim() != s.reference
                || s.reference.chars().any(char::is_control)
        }) {
            return bad(format!(
                "statute reference {:?}: 1 to {MAX_STATUTE_LEN} bytes, printable, no surrounding \
                 spaces",
                s.reference
            ));
        }
        if !draft.statutes.windows(2).all(|w| w[0] < w[1]) {
            return bad("statutes must be sorted by category and reference, and distinct".into());
        }
        if !draft
            .limitations
            .windows(2)
            .all(|w| w[0].category < w[1].category)
        {
            return bad("limitations must be sorted by category, one per category".into());
        }
        if let Some(l) = draft
            .limitations
            .iter()
            .find(|l| l.years == 0 || l.years > MAX_LIMITATION_YEARS)
        {
            return bad(format!(
                "limitation of {} years for {}, expected 1 to {MAX_LIMITATION_YEARS}",
                l.years, l.category
            ));
        }
        if draft.min_age > MAX_MIN_AGE {
            return bad(format!(
                "minimum age {}, at most {MAX_MIN_AGE}",
                draft.min_age
            ));
        }
        if !draft.assurances_required.windows(2).all(|w| w[0] < w[1]) {
            return bad("assurances must be sorted and distinct".into());
        }
        if !draft
            .exclusions
            .windows(2)
            .all(|w| w[0].category < w[1].category)
        {
            return bad("exclusions must be sorted by category, one per category".into());
        }
        Ok(StateProfile(draft))
    }

    /// Whether its law makes `category` a crime (some statute maps to it).
    pub fn criminalises(&self, category: Offence) -> bool {
        self.statutes.iter().any(|s| s.category == category)
    }

    /// Its exclusion of `category`, if any.
    pub fn excludes(&self, category: Offence) -> Option<ExclusionKind> {
        self.exclusions
            .iter()
            .find(|e| e.category == category)
            .map(|e| e.kind)
    }
}

impl std::ops::Deref for StateProfile {
    type Target = ProfileDraft;
    fn deref(&self) -> &ProfileDraft {
        &self.0
    }
}

impl Serialize for StateProfile {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(s)
    }
}

impl<'de> Deserialize<'de> for StateProfile {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        StateProfile::new(ProfileDraft::deserialize(d)?).map_err(serde::de::Error::custom)
    }
}

/// One version of a state's profile, as the registry keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileVersion {
    /// 1 for the first profile a state publishes, then one more each time.
    pub version: u32,
    /// When the hub accepted it.
    pub since: crate::id::UnixSeconds,
    /// The profile.
    pub profile: StateProfile,
}

/// Who evaluates a check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Evaluator {
    /// The hub, on the request's metadata; every auditor recomputes it on replay.
    Hub,
    /// The custodian's node, on the dossier it alone can read; it signs the outcome.
    Node,
    /// A person of the custodian, by a signed decision.
    Person,
}

/// A named screening rule. Wire names are snake_case and stable ([`Check::as_str`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Check {
    /// The agreement invoked is in force and both states are members.
    LegalBasis,
    /// Every category charged is covered by the agreement.
    OffenceCovered,
    /// Every category charged is a crime in the custodian's law too.
    DualCriminality,
    /// The maximum penalty meets the agreement's and the custodian's threshold.
    PenaltyThreshold,
    /// To enforce a sentence: the remaining sentence meets the custodian's threshold.
    RemainingSentence,
    /// The custodian's own nationals: prosecution at home instead of surrender, where the
    /// custodian does not surrender them.
    OwnNationalBar,
    /// No category charged is one the custodian treats as political, military or fiscal.
    ExcludedCategory,
    /// The requester's law has the death penalty and the custodian requires assurances: its
    /// person decides whether those given are adequate.
    DeathPenaltyAssurance,
    /// Node: prosecution is not time-barred under the custodian's limitation period.
    Limitation,
    /// Node: the subject had reached the custodian's age of criminal responsibility.
    AgeAtOffence,
    /// Node: no final judgment for the same acts (ne bis in idem).
    NeBisInIdem,
    /// Node: no amnesty covers the acts.
    Amnesty,
    /// Person: the offence is not political.
    PoliticalOffence,
    /// Person: no substantial risk of persecution or ill-treatment.
    PersecutionRisk,
    /// Person: the subject holds no asylum or protection status that bars surrender.
    ProtectionStatus,
    /// Person: the conduct itself is a crime in the custodian's law, where the category map is
    /// not enough.
    ConductDualCriminality,
    /// Person: another open request to the same custodian names the same person (equal
    /// subject tags, [`crate::competing`]); the custodian decides which is preferred
    /// (`competition_decided`).
    CompetingRequest,
}

impl Check {
    /// Every check, in catalogue order.
    pub const ALL: [Check; 17] = [
        Check::LegalBasis,
        Check::OffenceCovered,
        Check::DualCriminality,
        Check::PenaltyThreshold,
        Check::RemainingSentence,
        Check::OwnNationalBar,
        Check::ExcludedCategory,
        Check::DeathPenaltyAssurance,
        Check::Limitation,
        Check::AgeAtOffence,
        Check::NeBisInIdem,
        Check::Amnesty,
        Check::PoliticalOffence,
        Check::PersecutionRisk,
        Check::ProtectionStatus,
        Check::ConductDualCriminality,
        Check::CompetingRequest,
    ];

    /// The stable wire name.
    pub fn as_str(&self) -> &'static str {
        match self {
            Check::LegalBasis => "legal_basis",
            Check::OffenceCovered => "offence_covered",
            Check::DualCriminality => "dual_criminality",
            Check::PenaltyThreshold => "penalty_threshold",
            Check::RemainingSentence => "remaining_sentence",
            Check::OwnNationalBar => "own_national_bar",
            Check::ExcludedCategory => "excluded_category",
            Check::DeathPenaltyAssurance => "death_penalty_assurance",
            Check::Limitation => "limitation",
            Check::AgeAtOffence => "age_at_offence",
            Check::NeBisInIdem => "ne_bis_in_idem",
            Check::Amnesty => "amnesty",
            Check::PoliticalOffence => "political_offence",
            Check::PersecutionRisk => "persecution_risk",
            Check::ProtectionStatus => "protection_status",
            Check::ConductDualCriminality => "conduct_dual_criminality",
            Check::CompetingRequest => "competing_request",
        }
    }

    /// Who evaluates it first: the hub computes the metadata rules, the custodian's node the
    /// dossier rules; a person decides the others. (The hub's death-penalty rule only finds
    /// that a person must decide, and the node refers to a person what the dossier does not
    /// say.)
    pub fn evaluator(&self) -> Evaluator {
        match self {
            Check::LegalBasis
            | Check::OffenceCovered
            | Check::DualCriminality
            | Check::PenaltyThreshold
            | Check::RemainingSentence
            | Check::OwnNationalBar
            | Check::ExcludedCategory
            | Check::DeathPenaltyAssurance => Evaluator::Hub,
            Check::Limitation | Check::AgeAtOffence | Check::NeBisInIdem | Check::Amnesty => {
                Evaluator::Node
            }
            Check::PoliticalOffence
            | Check::PersecutionRisk
            | Check::ProtectionStatus
            | Check::ConductDualCriminality
            | Check::CompetingRequest => Evaluator::Person,
        }
    }

    /// Whether the custodian may raise it for a person to decide (`screening_raised`). A
    /// competing request is raised by equal subject tags, never by hand.
    pub fn raisable(&self) -> bool {
        self.evaluator() == Evaluator::Person && *self != Check::CompetingRequest
    }
}

impl fmt::Display for Check {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Check {
    type Err = Rejection;
    fn from_str(s: &str) -> Result<Self, Rejection> {
        let s = s.replace('-', "_");
        Check::ALL
            .into_iter()
            .find(|c| c.as_str() == s)
            .ok_or_else(|| {
                Rejection::invalid(
                    "check",
                    format!(
                        "unknown check {s:?}; expected one of {}",
                        Check::ALL.map(|c| c.as_str()).join(", ")
                    ),
                )
            })
    }
}

/// A check's outcome. Derived state, never signed: read back from the hub's registry
/// snapshot, flattened into its [`CheckRecord`] (serde cannot refuse unknown fields there).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Outcome {
    /// Passed.
    Passed {
        /// Why, in words (the rule and the values it compared).
        reason: String,
    },
    /// Failed: the request is refused by this check.
    Failed {
        /// Why, in words.
        reason: String,
    },
    /// The named state must evaluate it: its node on the dossier (no role), or a person, whose
    /// decision an officer of `role` approves.
    Awaiting {
        /// The state that evaluates.
        party: PartyId,
        /// For a person's decision, the officer role that approves it; none for the node.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        role: Option<Role>,
        /// What is to be evaluated.
        reason: String,
    },
}

impl Outcome {
    /// Its words.
    pub fn reason(&self) -> &str {
        match self {
            Outcome::Passed { reason }
            | Outcome::Failed { reason }
            | Outcome::Awaiting { reason, .. } => reason,
        }
    }
}

/// A check and its outcome, as recorded on a request.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct CheckRecord {
    /// The rule.
    pub check: Check,
    /// Its outcome.
    #[serde(flatten)]
    pub outcome: Outcome,
    /// For a decided check: SHA-256 of the decision statement (its log entry's payload digest),
    /// which also names the digest of the written grounds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decision: Option<crate::id::Digest>,
}

/// The profiles a request is screened against: each state's version in force at filing, or
/// none.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProfilesUsed {
    /// The requester's profile version.
    pub requester: Option<u32>,
    /// The custodian's profile version.
    pub custodian: Option<u32>,
}

/// The inputs of the metadata rules: everything here is in the log.
#[derive(Debug, Clone, Copy)]
pub struct Screen<'a> {
    /// The request's metadata.
    pub metadata: &'a RequestMetadata,
    /// The agreement's terms.
    pub terms: &'a AgreementTerms,
    /// Whether the agreement is in force.
    pub in_force: bool,
    /// The requester's profile in force, if any.
    pub requester: Option<&'a StateProfile>,
    /// The custodian's profile in force, if any.
    pub custodian: Option<&'a StateProfile>,
}

/// The hub's rules on metadata, in catalogue order: one record per rule that applies
/// (`remaining_sentence` only to enforce a sentence; `death_penalty_assurance` only where the
/// requester's law has the death penalty). Pure: the hub and every replay compute the same.
pub fn screen(s: Screen<'_>) -> Vec<CheckRecord> {
    let m = s.metadata;
    let t = s.terms;
    let custodian = m.custodian;
    let mut out = Vec::new();
    let mut record = |check: Check, outcome: Outcome| {
        out.push(CheckRecord {
            check,
            outcome,
            decision: None,
        })
    };
    let pass = |reason: String| Outcome::Passed { reason };
    let fail = |reason: String| Outcome::Failed { reason };

    record(
        Check::LegalBasis,
        if !s.in_force {
            fail("the agreement is not in force".into())
        } else if !t.is_member(custodian) {
            fail(format!(
                "custodian {custodian} is not a member of the agreement"
            ))
        } else {
            pass(format!(
                "the agreement is in force between {} and {custodian}",
                m.requester
            ))
        },
    );

    record(
        Check::OffenceCovered,
        match m.offences.iter().find(|o| !t.covers(**o)) {
            Some(o) => fail(format!("{o} is not covered by the agreement")),
            None => pass("every category charged is covered by the agreement".into()),
        },
    );

    record(
        Check::DualCriminality,
        match s.custodian {
            None => pass(format!(
                "{custodian} publishes no profile: the agreement's offence list stands for its law"
            )),
            Some(p) => match m.offences.iter().find(|o| !p.criminalises(**o)) {
                Some(o) => fail(format!(
                    "{o} is not a crime in {custodian}'s law (no statute in its profile)"
                )),
                None => pass(format!(
                    "every category charged maps to a statute of {custodian}"
                )),
            },
        },
    );

    let threshold = t
        .min_penalty_months
        .max(s.custodian.map_or(0, |p| p.min_penalty_months));
    record(
        Check::PenaltyThreshold,
        if m.max_penalty_months < threshold {
            fail(format!(
                "maximum penalty {} months is below the threshold of {threshold} (agreement {}, \
                 {custodian} {})",
                m.max_penalty_months,
                t.min_penalty_months,
                s.custodian.map_or("no profile".to_string(), |p| p
                    .min_penalty_months
                    .to_string())
            ))
        } else {
            pass(format!(
                "maximum penalty {} months meets the threshold of {threshold}",
                m.max_penalty_months
            ))
        },
    );

    if let Some(remaining) = m.sentence_remaining_months {
        let min = s.custodian.map_or(0, |p| p.min_sentence_months);
        record(
            Check::RemainingSentence,
            if remaining < min {
                fail(format!(
                    "remaining sentence {remaining} months is below {custodian}'s threshold of \
                     {min}"
                ))
            } else {
                pass(format!(
                    "remaining sentence {remaining} months meets the threshold of {min}"
                ))
            },
        );
    }

    let surrenders_nationals = s.custodian.is_some_and(|p| p.surrenders_nationals);
    record(
        Check::OwnNationalBar,
        if !m.subject_is_custodian_national {
            pass(format!("the subject is not a national of {custodian}"))
        } else if surrenders_nationals {
            pass(format!("{custodian} surrenders its own nationals"))
        } else if t.prosecution_at_home_counts {
            pass(format!(
                "the subject is a national of {custodian}, which does not surrender its own: \
                 prosecution at home only"
            ))
        } else {
            fail(format!(
                "own-national bar: {custodian} may only prosecute at home, which the agreement \
                 does not count as reciprocation"
            ))
        },
    );

    record(
        Check::ExcludedCategory,
        match s.custodian.and_then(|p| {
            m.offences
                .iter()
                .find_map(|o| p.excludes(*o).map(|k| (*o, k)))
        }) {
            Some((o, kind)) => fail(format!(
                "{custodian} treats {o} as a {} offence",
                match kind {
                    ExclusionKind::Political => "political",
                    ExclusionKind::Military => "military",
                    ExclusionKind::Fiscal => "fiscal",
                }
            )),
            None => pass(format!("{custodian} excludes no category charged")),
        },
    );

    let required = s
        .custodian
        .map(|p| p.assurances_required.as_slice())
        .unwrap_or_default();
    if s.requester.is_some_and(|p| p.death_penalty) {
        record(
            Check::DeathPenaltyAssurance,
            if required.is_empty() {
                pass(format!(
                    "{}'s law has the death penalty; {custodian} requires no assurance",
                    m.requester
                ))
            } else {
                Outcome::Awaiting {
                    party: custodian,
                    role: Some(Role::Approver),
                    reason: format!(
                        "{}'s law has the death penalty: {custodian} decides whether its \
                         assurances ({}) are adequate",
                        m.requester,
                        required
                            .iter()
                            .map(|a| match a {
                                AssuranceKind::NoDeathPenalty => "no death penalty",
                                AssuranceKind::LifeSentenceReview => "life sentence review",
                                AssuranceKind::PrisonConditions => "prison conditions",
                            })
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                }
            },
        );
    }
    if s.custodian.is_some() {
        for check in [
            Check::Limitation,
            Check::AgeAtOffence,
            Check::NeBisInIdem,
            Check::Amnesty,
        ] {
            record(
                check,
                Outcome::Awaiting {
                    party: custodian,
                    role: None,
                    reason: format!("{custodian}'s node checks it on the dossier"),
                },
            );
        }
    }
    out
}

/// Whether the own-national bar routes the request to prosecution at home.
pub fn prosecution_only(metadata: &RequestMetadata, custodian: Option<&StateProfile>) -> bool {
    metadata.subject_is_custodian_national && !custodian.is_some_and(|p| p.surrenders_nationals)
}

/// The facts of a dossier that the node's rules read, from a structured dossier
/// ([`DossierFacts::parse`]). A fact the dossier does not state is `None`, and the rule that
/// needs it is referred to a person.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DossierFacts {
    /// When the acts were committed (the last of them), `YYYY-MM-DD`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offence_date: Option<String>,
    /// The subject's date of birth, `YYYY-MM-DD`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub born: Option<String>,
    /// Whether a final judgment was given anywhere for the same acts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub final_judgment_same_acts: Option<bool>,
    /// Whether an amnesty of the custodian covers the acts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amnesty: Option<bool>,
    /// The subject's names, from which the custodian's node computes its keyed tag
    /// ([`crate::competing`]); left out when not stated, so older dossiers keep their bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity: Option<crate::competing::SubjectIdentity>,
}

/// The structured dossier, `rex-dossier/v1`: the facts the rules read, and the text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StructuredDossier {
    /// `rex-dossier/v1`.
    pub format: String,
    /// The facts.
    pub facts: DossierFacts,
    /// Everything else: identity, facts in words, evidence, warrant.
    pub text: String,
    /// Typed documents, their bytes included ([`crate::dossier`]); left out when there are
    /// none, so that a dossier without attachments keeps the bytes it always had.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<crate::dossier::Attachment>,
}

/// The format name of a structured dossier.
pub const DOSSIER_FORMAT: &str = "rex-dossier/v1";

impl DossierFacts {
    /// The facts of a dossier's plaintext: a `rex-dossier/v1` JSON document gives its facts; any
    /// other dossier (free text) states none. A document that claims the format and is malformed
    /// is an error, so that a typo is not read as silence; so is one whose attachments fail
    /// their checks ([`StructuredDossier::parse`]).
    pub fn parse(plaintext: &[u8]) -> Result<DossierFacts, Rejection> {
        Ok(StructuredDossier::parse(plaintext)?
            .map(|d| d.facts)
            .unwrap_or_default())
    }

    /// Checks the dates the facts state.
    pub(crate) fn check(&self) -> Result<(), Rejection> {
        for (what, date) in [("offence_date", &self.offence_date), ("born", &self.born)] {
            if let Some(date) = date {
                parse_date(date)
                    .map_err(|e| Rejection::invalid("dossier", format!("{what}: {e}")))?;
            }
        }
        if let Some(identity) = &self.identity {
            identity.check()?;
        }
        Ok(())
    }
}

/// A `YYYY-MM-DD` date.
fn parse_date(s: &str) -> Result<time::Date, String> {
    time::Date::parse(s, time::macros::format_description!("[year]-[month]-[day]"))
        .map_err(|e| format!("{s:?} is not a date (YYYY-MM-DD): {e}"))
}

/// Whether `years` full years have passed from `from` to `to` (an anniversary on 29 February
/// falls on 1 March in a common year).
fn years_passed(from: time::Date, to: time::Date, years: u16) -> bool {
    let target = (
        from.year() + i32::from(years),
        u8::from(from.month()),
        from.day(),
    );
    (to.year(), u8::from(to.month()), to.day()) >= target
}

/// What a node's evaluation says of one check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Passed.
    Passed,
    /// Failed: the request is refused by it.
    Failed,
    /// The dossier does not settle it: a person of the custodian decides.
    Referred,
}

/// One check a node evaluated, as it signs it (`screening_evaluated`). The reason names rules
/// and thresholds, never a fact of the dossier.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Evaluation {
    /// The check.
    pub check: Check,
    /// Its verdict.
    pub verdict: Verdict,
    /// Why, in words, at most [`MAX_REASON_LEN`] bytes.
    pub reason: String,
}

/// Longest reason a node may sign for an evaluation.
pub const MAX_REASON_LEN: usize = 300;

/// The node's rules on the dossier, for the checks that await it: limitation, age at the
/// offence, ne bis in idem, amnesty, under the custodian's `profile` (the version the request
/// was screened against) on the `today` of the evaluation (unix seconds).
pub fn evaluate(
    metadata: &RequestMetadata,
    profile: &StateProfile,
    facts: &DossierFacts,
    today: crate::id::UnixSeconds,
) -> Vec<Evaluation> {
    let today = time::OffsetDateTime::from_unix_timestamp(i64::try_from(today).unwrap_or(0))
        .map(|t| t.date())
        .unwrap_or(time::Date::MIN);
    let offence = facts
        .offence_date
        .as_deref()
        .and_then(|d| parse_date(d).ok());
    let mut out = Vec::new();
    let mut say = |check: Check, verdict: Verdict, reason: String| {
        out.push(Evaluation {
            check,
            verdict,
            reason,
        })
    };
    let periods: Vec<&Limitation> = metadata
        .offences
        .iter()
        .filter_map(|o| profile.limitations.iter().find(|l| l.category == *o))
        .collect();
    match (periods.is_empty(), offence) {
        (true, _) => say(
            Check::Limitation,
            Verdict::Passed,
            "no limitation period applies to the categories charged".into(),
        ),
        (false, None) => say(
            Check::Limitation,
            Verdict::Referred,
            "the dossier states no offence date: a person decides".into(),
        ),
        (false, Some(date)) => {
            // The longest period charged decides: prosecution may go on for that category.
            let longest = periods.iter().max_by_key(|l| l.years).copied();
            match longest {
                Some(l) if years_passed(date, today, l.years) => say(
                    Check::Limitation,
                    Verdict::Failed,
                    format!(
                        "the longest limitation period charged ({} years, {}) has run out",
                        l.years, l.category
                    ),
                ),
                Some(l) => say(
                    Check::Limitation,
                    Verdict::Passed,
                    format!(
                        "within the limitation period of {} years ({})",
                        l.years, l.category
                    ),
                ),
                None => {}
            }
        }
    }
    match (
        facts.born.as_deref().and_then(|d| parse_date(d).ok()),
        offence,
    ) {
        (Some(born), Some(date)) => {
            if years_passed(born, date, u16::from(profile.min_age)) {
                say(
                    Check::AgeAtOffence,
                    Verdict::Passed,
                    format!(
                        "of the age of criminal responsibility ({})",
                        profile.min_age
                    ),
                )
            } else {
                say(
                    Check::AgeAtOffence,
                    Verdict::Failed,
                    format!(
                        "under the age of criminal responsibility ({}) at the offence",
                        profile.min_age
                    ),
                )
            }
        }
        _ => say(
            Check::AgeAtOffence,
            Verdict::Referred,
            "the dossier states no date of birth or no offence date: a person decides".into(),
        ),
    }
    let flag = |v: Option<bool>, check: Check, yes: &str, no: &str, unknown: &str| match v {
        Some(true) => (check, Verdict::Failed, yes.to_owned()),
        Some(false) => (check, Verdict::Passed, no.to_owned()),
        None => (check, Verdict::Referred, unknown.to_owned()),
    };
    for (check, verdict, reason) in [
        flag(
            facts.final_judgment_same_acts,
            Check::NeBisInIdem,
            "a final judgment was given for the same acts",
            "no final judgment for the same acts",
            "the dossier does not say whether the acts were judged: a person decides",
        ),
        flag(
            facts.amnesty,
            Check::Amnesty,
            "an amnesty covers the acts",
            "no amnesty covers the acts",
            "the dossier does not say whether an amnesty applies: a person decides",
        ),
    ] {
        say(check, verdict, reason);
    }
    out
}
