//! Requests: the metadata the hub sees in clear, the reference to the encrypted dossier, the
//! custodian's answer, and the record the registry keeps.

use crate::agreement::MAX_PENALTY_MONTHS;
use crate::id::{AgreementId, Digest, ExchangeId, PartyId, RequestId, UnixSeconds};
use crate::law::{CheckRecord, ProfilesUsed};
use crate::offence::{Offence, Severity};
use crate::rejection::Rejection;
use serde::{Deserialize, Serialize};
use std::ops::Deref;

/// The metadata of a request as written, before validation; wire form of [`RequestMetadata`].
/// It is what matching and screening need, and nothing that identifies the subject.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MetadataDraft {
    /// The state asking for the subject (the signer of the filing).
    pub requester: PartyId,
    /// The state holding the subject.
    pub custodian: PartyId,
    /// The agreement invoked.
    pub agreement: AgreementId,
    /// Charges mapped to the shared taxonomy: sorted, distinct, at least one.
    pub offences: Vec<Offence>,
    /// Maximum penalty for the charges, in months, 1..=[`MAX_PENALTY_MONTHS`] (life = the
    /// maximum).
    pub max_penalty_months: u32,
    /// Severity class, compared by the agreement's similarity rule.
    pub severity: Severity,
    /// Whether the subject is a national of the custodian (own-national bar: the custodian may
    /// then only prosecute at home).
    pub subject_is_custodian_national: bool,
    /// To enforce a sentence already imposed: the months that remain of it
    /// (1..=[`MAX_PENALTY_MONTHS`]); absent to prosecute. Screened against the custodian's
    /// threshold ([`crate::law::Check::RemainingSentence`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sentence_remaining_months: Option<u32>,
}

/// Validated request metadata. Read the fields through `Deref` to [`MetadataDraft`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RequestMetadata(MetadataDraft);

impl RequestMetadata {
    /// Validates a draft: two different states, a canonical non-empty offence list, a penalty in
    /// range.
    pub fn new(draft: MetadataDraft) -> Result<Self, Rejection> {
        let bad = |reason: String| Err(Rejection::invalid("request metadata", reason));
        if draft.requester == draft.custodian {
            return bad("requester and custodian are the same state".into());
        }
        if draft.offences.is_empty() {
            return bad("no offence charged".into());
        }
        if !draft.offences.windows(2).all(|w| w[0] < w[1]) {
            return bad("offences must be sorted and distinct".into());
        }
        if draft.max_penalty_months == 0 || draft.max_penalty_months > MAX_PENALTY_MONTHS {
            return bad(format!(
                "maximum penalty {} months, expected 1 to {MAX_PENALTY_MONTHS}",
                draft.max_penalty_months
            ));
        }
        if let Some(m) = draft.sentence_remaining_months {
            if m == 0 || m > MAX_PENALTY_MONTHS {
                return bad(format!(
                    "remaining sentence {m} months, expected 1 to {MAX_PENALTY_MONTHS}"
                ));
            }
        }
        Ok(RequestMetadata(draft))
    }
}

impl Deref for RequestMetadata {
    type Target = MetadataDraft;
    fn deref(&self) -> &MetadataDraft {
        &self.0
    }
}

impl Serialize for RequestMetadata {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(s)
    }
}

impl<'de> Deserialize<'de> for RequestMetadata {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        RequestMetadata::new(MetadataDraft::deserialize(d)?).map_err(serde::de::Error::custom)
    }
}

/// The dossier (identity, facts, evidence, warrant) is an age file encrypted to the requester and
/// the custodian; the hub holds only its digest and size, so that both ends can prove which
/// dossier a request was about without the hub ever seeing it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DossierRef {
    /// SHA-256 of the encrypted file's bytes.
    pub sha256: Digest,
    /// Its size in bytes (at least 1).
    pub size: u64,
}

/// Why a custodian refuses a request. Only a category: any reasoning stays in the encrypted
/// dialogue, since the hub must hold no case content.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RefusalGround {
    /// The offence is regarded as political.
    PoliticalOffence,
    /// Substantial risk of persecution or ill-treatment.
    PersecutionRisk,
    /// Assurances (e.g. on the death penalty) were not given.
    AssurancesLacking,
    /// The evidence does not meet the custodian's threshold.
    InsufficientEvidence,
    /// Prosecution or punishment is time-barred.
    LimitationExpired,
    /// The subject was already tried for the same conduct (ne bis in idem).
    AlreadyTried,
    /// The subject is not within the custodian's reach.
    SubjectNotFound,
    /// Another request for the same subject takes precedence.
    CompetingRequest,
    /// Another ground, explained in the encrypted dialogue.
    Other,
    /// A check of the screening catalogue failed; the request's screening names it
    /// ([`crate::law`]). Set by the catalogue, never chosen in an answer.
    Screening,
}

impl RefusalGround {
    /// Every ground a custodian may give in an answer, in declaration order (for forms that
    /// offer them); [`RefusalGround::Screening`] is the catalogue's own.
    pub const ALL: [RefusalGround; 9] = [
        RefusalGround::PoliticalOffence,
        RefusalGround::PersecutionRisk,
        RefusalGround::AssurancesLacking,
        RefusalGround::InsufficientEvidence,
        RefusalGround::LimitationExpired,
        RefusalGround::AlreadyTried,
        RefusalGround::SubjectNotFound,
        RefusalGround::CompetingRequest,
        RefusalGround::Other,
    ];
}

/// The custodian's answer to a request. Wire form tagged by `kind`:
/// `{"kind":"surrender"}`, `{"kind":"prosecution_at_home"}`,
/// `{"kind":"refused","ground":"political_offence"}`. Unknown fields are refused (serde's
/// internally tagged unit variants would ignore them, hence the explicit wire struct).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Answer {
    /// Exchangeable: the custodian will hand the subject over.
    Surrender,
    /// Exchangeable: the custodian cannot surrender (e.g. own national) and will prosecute at
    /// home instead.
    ProsecutionAtHome,
    /// Refused.
    Refused {
        /// Why.
        ground: RefusalGround,
    },
}

#[derive(Clone, Copy, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum AnswerKind {
    Surrender,
    ProsecutionAtHome,
    Refused,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct AnswerWire {
    kind: AnswerKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    ground: Option<RefusalGround>,
}

impl Serialize for Answer {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let (kind, ground) = match self {
            Answer::Surrender => (AnswerKind::Surrender, None),
            Answer::ProsecutionAtHome => (AnswerKind::ProsecutionAtHome, None),
            Answer::Refused { ground } => (AnswerKind::Refused, Some(*ground)),
        };
        AnswerWire { kind, ground }.serialize(s)
    }
}

impl<'de> Deserialize<'de> for Answer {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        let w = AnswerWire::deserialize(d)?;
        match (w.kind, w.ground) {
            (AnswerKind::Surrender, None) => Ok(Answer::Surrender),
            (AnswerKind::ProsecutionAtHome, None) => Ok(Answer::ProsecutionAtHome),
            (AnswerKind::Refused, Some(ground)) => Ok(Answer::Refused { ground }),
            (AnswerKind::Refused, None) => Err(D::Error::custom("a refusal needs a ground")),
            (_, Some(_)) => Err(D::Error::custom("only a refusal has a ground")),
        }
    }
}

impl Answer {
    /// Whether the answer puts the request in the matching pool.
    pub fn is_exchangeable(&self) -> bool {
        !matches!(self, Answer::Refused { .. })
    }
}

/// What screening at filing allows the custodian to answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Route {
    /// Surrender, prosecution at home, or refusal.
    Any,
    /// Own-national bar: prosecution at home or refusal only.
    ProsecutionOnly,
}

/// Where a request stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RequestStatus {
    /// Filed and screened; the custodian has not answered.
    AwaitingAnswer,
    /// Refused by the custodian (final).
    Refused(RefusalGround),
    /// Exchangeable and free: in the matching pool.
    Pooled,
    /// Part of a proposed or binding exchange.
    InExchange(ExchangeId),
    /// Its leg of a completed exchange is done (final).
    Fulfilled(ExchangeId),
    /// Withdrawn by the requester (final).
    Withdrawn,
}

/// A request as the registry holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// Its id (derived from the filing statement).
    pub id: RequestId,
    /// Metadata in clear.
    pub metadata: RequestMetadata,
    /// The encrypted dossier's digest and size.
    pub dossier: DossierRef,
    /// When the hub accepted the filing.
    pub filed_at: UnixSeconds,
    /// What screening allows.
    pub route: Route,
    /// The screening catalogue's record, in catalogue order ([`crate::law`]).
    pub screening: Vec<CheckRecord>,
    /// The profile versions it was screened against.
    pub profiles: ProfilesUsed,
    /// The custodian's answer, once given.
    pub answer: Option<Answer>,
    /// Where it stands.
    pub status: RequestStatus,
    /// When the custodian's answer is due, where the agreement sets deadlines
    /// ([`crate::deadline`]); extended at most once.
    pub answer_due: Option<UnixSeconds>,
    /// The custodian's extension of the answer deadline, if it asked for one.
    pub extension: Option<crate::deadline::Extension>,
    /// When the custodian made an unconditional offer of it (`offer_made`), until withdrawn:
    /// the matching may then start a chain at it, where the agreement allows credit. Open
    /// while the request is in the pool ([`Request::open_offer`]).
    pub offered: Option<crate::id::UnixSeconds>,
}

impl Request {
    /// The first check that stands in the way of an exchangeable answer: failed, or awaiting a
    /// decision.
    pub fn blocking_check(&self) -> Option<&CheckRecord> {
        self.screening
            .iter()
            .find(|c| !matches!(c.outcome, crate::law::Outcome::Passed { .. }))
    }

    /// Whether it carries an unconditional offer the matching may start a chain at now: offered,
    /// in the pool, no check in the way.
    pub fn open_offer(&self) -> bool {
        self.offered.is_some()
            && self.status == RequestStatus::Pooled
            && self.blocking_check().is_none()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_wire_form() {
        let check = |a: Answer, json: &str| {
            assert_eq!(serde_json::to_string(&a).unwrap(), json);
            assert_eq!(serde_json::from_str::<Answer>(json).unwrap(), a);
        };
        check(Answer::Surrender, r#"{"kind":"surrender"}"#);
        check(
            Answer::ProsecutionAtHome,
            r#"{"kind":"prosecution_at_home"}"#,
        );
        check(
            Answer::Refused {
                ground: RefusalGround::PoliticalOffence,
            },
            r#"{"kind":"refused","ground":"political_offence"}"#,
        );
        for bad in [
            r#"{"kind":"surrender","x":1}"#,
            r#"{"kind":"surrender","ground":"other"}"#,
            r#"{"kind":"refused"}"#,
            r#"{"kind":"maybe"}"#,
        ] {
            assert!(serde_json::from_str::<Answer>(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn metadata_validation() {
        let draft = MetadataDraft {
            requester: PartyId::new("US").unwrap(),
            custodian: PartyId::new("RU").unwrap(),
            agreement: AgreementId::from_digest(&Digest::of(b"a")),
            offences: vec![Offence::IllegalAccess],
            max_penalty_months: 120,
            severity: Severity::Serious,
            subject_is_custodian_national: false,
            sentence_remaining_months: None,
        };
        assert!(RequestMetadata::new(draft.clone()).is_ok());
        let check = |edit: &dyn Fn(&mut MetadataDraft), reason: &str| {
            let mut d = draft.clone();
            edit(&mut d);
            let e = RequestMetadata::new(d).unwrap_err();
            assert!(e.to_string().contains(reason), "{e} lacks {reason:?}");
        };
        check(&|d| d.custodian = d.requester, "same state");
        check(&|d| d.offences.clear(), "no offence");
        check(
            &|d| d.offences = vec![Offence::DataInterference, Offence::IllegalAccess],
            "sorted",
        );
        check(&|d| d.max_penalty_months = 0, "maximum penalty 0");
        check(&|d| d.max_penalty_months = 1201, "maximum penalty 1201");
        check(
            &|d| d.sentence_remaining_months = Some(0),
            "remaining sentence 0",
        );
    }
}
