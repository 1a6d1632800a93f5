//! OpenAPI schemas of the `rex-domain` values the contract carries. These types are never
//! built: the wire form is the domain types' own serde, and each type here describes it for
//! the document. Objects refuse unknown fields, so a field added to a domain type and not here
//! fails the hub's OpenAPI test; enums are checked against the domain's variants by the tests
//! below (a variant added there fails to compile them).

#![allow(dead_code)]

use std::borrow::Cow;

use rex_domain::{Offence, Severity};
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
use utoipa::openapi::RefOr;
use utoipa::{PartialSchema, ToSchema};

/// The public key file a node exports (`rex-public-keys/v1`).
#[derive(ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PublicKeys {
    /// `rex-public-keys/v1`.
    pub format: String,
    /// The state's code.
    pub party: String,
    /// Its statement key, base64 of 32 bytes.
    pub ed25519: String,
    /// SHA-256 (hex) of the statement key.
    pub keyid: String,
    /// Its age X25519 recipient (`age1...`).
    pub age_recipient: String,
}

/// An offence category of the shared taxonomy.
pub struct OffenceName;

/// A severity class.
pub struct SeverityName;

fn string_enum(values: impl IntoIterator<Item = &'static str>, doc: &str) -> RefOr<Schema> {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .description(Some(doc))
        .enum_values(Some(values))
        .into()
}

impl PartialSchema for OffenceName {
    fn schema() -> RefOr<Schema> {
        string_enum(
            Offence::ALL.iter().map(Offence::as_str),
            "An offence category of the shared taxonomy.",
        )
    }
}

impl ToSchema for OffenceName {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("OffenceName")
    }
}

impl PartialSchema for SeverityName {
    fn schema() -> RefOr<Schema> {
        string_enum(
            Severity::ALL.iter().map(Severity::as_str),
            "A severity class, compared by the agreement's similarity rule.",
        )
    }
}

impl ToSchema for SeverityName {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("SeverityName")
    }
}

/// An agreement's terms (`rex_domain::TermsDraft`).
#[derive(ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Terms {
    /// The member states, sorted.
    pub members: Vec<String>,
    /// Offence categories covered, sorted.
    pub offences: Vec<OffenceName>,
    /// When two subjects are similar enough to be exchanged.
    pub similarity: Similarity,
    /// Longest cycle of requests in one exchange.
    pub max_cycle: u8,
    /// Whether prosecuting a subject at home counts as giving.
    pub prosecution_at_home_counts: bool,
    /// Lowest maximum penalty, in months, a request must carry.
    pub min_penalty_months: u32,
    /// Unix time after which members can no longer sign.
    pub signing_deadline: u64,
    /// Seconds the members of an exchange have to sign it.
    pub commit_window: u64,
    /// Seconds an exchange has, once binding, to be executed.
    pub execution_window: u64,
    /// Deferred reciprocity: unconditional offers and the chains they start; absent, cycles
    /// only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credit: Option<Credit>,
    /// Deadlines that run by themselves; absent, none but the execution window.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deadlines: Option<DeadlinesBody>,
    /// Whether go waits for a release instrument on every surrender leg; absent, false.
    #[serde(default)]
    pub release_instrument_required: bool,
}

/// A release instrument (`rex_domain::ReleaseInstrument`).
#[derive(ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReleaseInstrumentBody {
    /// `pardon`, `commutation`, `deportation_order` or `court_decision`.
    pub kind: String,
    /// Who issued it.
    pub authority: String,
    /// SHA-256 (hex) of the document, which stays with the giver.
    pub document_sha256: String,
}

/// An agreement's deadlines, in days (`rex_domain::Deadlines`).
#[derive(ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeadlinesBody {
    /// Days to answer a request, from filing.
    pub answer_days: u32,
    /// Days one extension adds (0: none).
    pub extension_days: u32,
    /// Days to deliver a surrender leg, from go.
    pub surrender_days: u32,
    /// Days to open proceedings on a prosecution leg, from binding.
    pub opened_days: u32,
    /// Days to charge, from go.
    pub charged_days: u32,
    /// Days to a verdict, from go.
    pub verdict_days: u32,
    /// Uncured breaches at which a state may file no new request under the agreement.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suspend_after_breaches: Option<u32>,
}

/// Deferred reciprocity (`rex_domain::CreditTerms`).
#[derive(ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Credit {
    /// Most handovers a state may be owed, or owe, at once.
    pub max_outstanding: u32,
    /// Most requests in one chain.
    pub max_chain: u8,
}

/// The similarity rule (`rex_domain::SimilarityRule`), tagged by `rule`.
#[derive(ToSchema)]
#[serde(tag = "rule", rename_all = "snake_case", deny_unknown_fields)]
pub enum Similarity {
    /// Severity classes differ by at most `gap`.
    MaxClassGap {
        /// Largest allowed difference of class numbers, 0..=4.
        gap: u8,
    },
}

/// A request's metadata (`rex_domain::MetadataDraft`).
#[derive(ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Metadata {
    /// The requesting state.
    pub requester: String,
    /// The state holding the subject.
    pub custodian: String,
    /// The agreement invoked (`agr_...`).
    pub agreement: String,
    /// Charges, sorted.
    pub offences: Vec<OffenceName>,
    /// Maximum penalty for the charges, in months.
    pub max_penalty_months: u32,
    /// Severity class.
    pub severity: SeverityName,
    /// Whether the subject is a national of the custodian.
    pub subject_is_custodian_national: bool,
    /// To enforce a sentence: the months that remain of it (absent to prosecute).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sentence_remaining_months: Option<u32>,
}

/// The encrypted dossier's reference (`rex_domain::DossierRef`).
#[derive(ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Dossier {
    /// SHA-256 (hex) of the ciphertext.
    pub sha256: String,
    /// Its size in bytes.
    pub size: u64,
}

/// The custodian's answer (`rex_domain::Answer`): `kind`, and `ground` for a refusal.
#[derive(ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AnswerBody {
    /// `surrender`, `prosecution_at_home` or `refused`.
    pub kind: AnswerKind,
    /// Why it was refused (a refusal only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ground: Option<RefusalGroundName>,
}

/// The kind of an answer.
#[derive(ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AnswerKind {
    /// The custodian will hand the subject over.
    Surrender,
    /// The custodian will prosecute at home.
    ProsecutionAtHome,
    /// Refused.
    Refused,
}

/// Why a custodian refuses a request (`rex_domain::RefusalGround`).
#[derive(ToSchema, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RefusalGroundName {
    /// The offence is regarded as political.
    PoliticalOffence,
    /// Substantial risk of persecution or ill-treatment.
    PersecutionRisk,
    /// Assurances were not given.
    AssurancesLacking,
    /// The evidence does not meet the custodian's threshold.
    InsufficientEvidence,
    /// Prosecution or punishment is time-barred.
    LimitationExpired,
    /// Already tried for the same conduct.
    AlreadyTried,
    /// The subject is not within the custodian's reach.
    SubjectNotFound,
    /// Another request for the same subject takes precedence.
    CompetingRequest,
    /// Another ground, explained in the encrypted dialogue.
    Other,
    /// A check of the screening catalogue failed (the request's screening names it); never
    /// chosen in an answer.
    Screening,
}

/// An exchange proposal (`rex_domain::ExchangeProposal`).
#[derive(ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Proposal {
    /// Derived from the digest (`xch_...`).
    pub id: String,
    /// The agreement all requests fall under.
    pub agreement: String,
    /// The requests, in cycle order; for a chain, from the offered request.
    pub cycle: Vec<String>,
    /// Present (`true`) only for a chain started by an unconditional offer.
    #[serde(default)]
    pub chain: bool,
    /// One leg per request, in cycle order.
    pub legs: Vec<LegBody>,
    /// Unix time by which every member must have signed.
    pub deadline: u64,
}

/// One leg of an exchange (`rex_domain::Leg`).
#[derive(ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LegBody {
    /// The request this leg fulfils.
    pub request: String,
    /// The custodian.
    pub giver: String,
    /// The requester.
    pub receiver: String,
    /// How the giver reciprocates.
    pub kind: LegKindName,
}

/// How a leg's giver reciprocates (`rex_domain::LegKind`).
#[derive(ToSchema, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LegKindName {
    /// The giver hands the subject over.
    Surrender,
    /// The giver prosecutes the subject at home.
    ProsecutionAtHome,
}

/// Where a leg stands (`rex_domain::LegStage`).
#[derive(ToSchema, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LegStageName {
    /// Nothing done yet.
    Pending,
    /// Surrender: ready.
    Ready,
    /// Surrender: verified by the receiver.
    Verified,
    /// Surrender: handed over.
    Delivered,
    /// Surrender: receipt confirmed.
    Received,
    /// Prosecution: proceedings opened.
    Opened,
    /// Prosecution: charged.
    Charged,
    /// Prosecution: verdict given.
    Verdict,
}

/// Whose cosignatures make a checkpoint final for a state (`rex_domain::WitnessPolicy`),
/// tagged by `kind`.
#[derive(ToSchema, serde::Serialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum WitnessPolicyBody {
    /// Every state that shares an agreement in force with it, all of them.
    AgreementPartners,
    /// `threshold` of `witnesses`.
    Threshold {
        /// Party codes, sorted, without the state itself.
        witnesses: Vec<String>,
        /// How many of them must cosign, 1 to all.
        threshold: u32,
    },
}

/// A screening check's name (`rex_domain::Check`): `legal_basis`, `offence_covered`,
/// `dual_criminality`, `penalty_threshold`, `remaining_sentence`, `own_national_bar`,
/// `excluded_category`, `death_penalty_assurance`, `political_offence`, `persecution_risk`,
/// `protection_status`, `conduct_dual_criminality`.
pub struct CheckName;

impl ToSchema for CheckName {}
impl PartialSchema for CheckName {
    fn schema() -> RefOr<Schema> {
        string_enum(
            rex_domain::Check::ALL.iter().map(|c| c.as_str()),
            "A check of the screening catalogue.",
        )
    }
}

/// A check and its outcome on a request (`rex_domain::CheckRecord`).
#[derive(ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckRecordBody {
    /// The rule.
    pub check: CheckName,
    /// `passed`, `failed` or `awaiting` (a person's decision).
    pub outcome: OutcomeName,
    /// Why, in words.
    pub reason: String,
    /// Awaiting: the state that decides.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub party: Option<String>,
    /// Awaiting: the officer role that approves the decision.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    /// Decided: SHA-256 (hex) of the decision statement.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decision: Option<String>,
}

/// A check's outcome.
#[derive(ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OutcomeName {
    /// Passed.
    Passed,
    /// Failed: the request is refused by it.
    Failed,
    /// A person must decide.
    Awaiting,
}

/// The profile versions a request was screened against (`rex_domain::ProfilesUsed`).
#[derive(ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProfilesUsedBody {
    /// The requester's version, if it had published one.
    pub requester: Option<u32>,
    /// The custodian's version, if it had published one.
    pub custodian: Option<u32>,
}

/// A state's profile of its law (`rex_domain::StateProfile`); lists sorted and distinct.
#[derive(ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProfileBody {
    /// Whether it surrenders its own nationals.
    pub surrenders_nationals: bool,
    /// Lowest maximum penalty, in months, for which it surrenders for prosecution.
    pub min_penalty_months: u32,
    /// Shortest remaining sentence, in months, for which it surrenders to enforce one.
    pub min_sentence_months: u32,
    /// Its statutes by shared category: `{category, reference}`.
    pub statutes: Vec<StatuteBody>,
    /// Limitation periods: `{category, years}`.
    pub limitations: Vec<LimitationBody>,
    /// Minimum age of criminal responsibility.
    pub min_age: u8,
    /// Whether its law has the death penalty.
    pub death_penalty: bool,
    /// `no_death_penalty`, `life_sentence_review`, `prison_conditions`.
    pub assurances_required: Vec<String>,
    /// Categories excluded from surrender: `{category, kind}`, kind `political`, `military` or
    /// `fiscal`.
    pub exclusions: Vec<ExclusionBody>,
}

/// A statute of a profile.
#[derive(ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StatuteBody {
    /// The shared category.
    pub category: OffenceName,
    /// The statute's reference.
    pub reference: String,
}

/// A limitation period of a profile.
#[derive(ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LimitationBody {
    /// The shared category.
    pub category: OffenceName,
    /// Years.
    pub years: u16,
}

/// An exclusion of a profile.
#[derive(ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExclusionBody {
    /// The shared category.
    pub category: OffenceName,
    /// `political`, `military` or `fiscal`.
    pub kind: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use rex_domain::{LegKind, LegStage, RefusalGround, WitnessPolicy};
    use serde::de::DeserializeOwned;

    /// The mirror of a domain value spells it as the domain's serde does.
    fn same<D: serde::Serialize + DeserializeOwned + PartialEq + std::fmt::Debug>(
        domain: D,
        mirror: impl serde::Serialize,
    ) {
        let wire = serde_json::to_value(&mirror).unwrap();
        assert_eq!(serde_json::to_value(&domain).unwrap(), wire);
        assert_eq!(serde_json::from_value::<D>(wire).unwrap(), domain);
    }

    // Exhaustive matches: a variant added to a domain enum fails to compile here.
    fn leg_stage(s: LegStage) -> LegStageName {
        use LegStageName as N;
        match s {
            LegStage::Pending => N::Pending,
            LegStage::Ready => N::Ready,
            LegStage::Verified => N::Verified,
            LegStage::Delivered => N::Delivered,
            LegStage::Received => N::Received,
            LegStage::Opened => N::Opened,
            LegStage::Charged => N::Charged,
            LegStage::Verdict => N::Verdict,
        }
    }

    fn leg_kind(k: LegKind) -> LegKindName {
        match k {
            LegKind::Surrender => LegKindName::Surrender,
            LegKind::ProsecutionAtHome => LegKindName::ProsecutionAtHome,
        }
    }

    fn ground(g: RefusalGround) -> RefusalGroundName {
        use RefusalGround as G;
        use RefusalGroundName as N;
        match g {
            G::PoliticalOffence => N::PoliticalOffence,
            G::PersecutionRisk => N::PersecutionRisk,
            G::AssurancesLacking => N::AssurancesLacking,
            G::InsufficientEvidence => N::InsufficientEvidence,
            G::LimitationExpired => N::LimitationExpired,
            G::AlreadyTried => N::AlreadyTried,
            G::SubjectNotFound => N::SubjectNotFound,
            G::CompetingRequest => N::CompetingRequest,
            G::Other => N::Other,
            G::Screening => N::Screening,
        }
    }

    fn witness_policy(p: WitnessPolicy) -> WitnessPolicyBody {
        match p {
            WitnessPolicy::AgreementPartners => WitnessPolicyBody::AgreementPartners,
            WitnessPolicy::Threshold {
                witnesses,
                threshold,
            } => WitnessPolicyBody::Threshold {
                witnesses: witnesses.iter().map(ToString::to_string).collect(),
                threshold,
            },
        }
    }

    #[test]
    fn the_witness_policy_mirror_spells_as_the_domain() {
        let ru = rex_domain::PartyId::new("RU").unwrap();
        for p in [
            WitnessPolicy::AgreementPartners,
            WitnessPolicy::Threshold {
                witnesses: vec![ru],
                threshold: 1,
            },
        ] {
            same(p.clone(), witness_policy(p));
        }
    }

    #[test]
    fn mirrored_enums_spell_as_the_domain() {
        use LegStage as S;
        for s in [
            S::Pending,
            S::Ready,
            S::Verified,
            S::Delivered,
            S::Received,
            S::Opened,
            S::Charged,
            S::Verdict,
        ] {
            same(s, leg_stage(s));
        }
        for k in [LegKind::Surrender, LegKind::ProsecutionAtHome] {
            same(k, leg_kind(k));
        }
        use RefusalGround as G;
        for g in [
            G::PoliticalOffence,
            G::PersecutionRisk,
            G::AssurancesLacking,
            G::InsufficientEvidence,
            G::LimitationExpired,
            G::AlreadyTried,
            G::SubjectNotFound,
            G::CompetingRequest,
            G::Other,
            G::Screening,
        ] {
            same(g, ground(g));
        }
    }

    #[test]
    fn taxonomy_enums_list_every_domain_value() {
        let listed = |schema: RefOr<Schema>| serde_json::to_value(schema).unwrap()["enum"].clone();
        let offences = listed(OffenceName::schema());
        for o in Offence::ALL {
            assert!(offences.as_array().unwrap().contains(&o.as_str().into()));
        }
        assert_eq!(listed(SeverityName::schema()).as_array().unwrap().len(), 5);
    }
}
