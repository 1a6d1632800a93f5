//! The shared offence taxonomy, severity classes and the similarity rule.

use crate::rejection::Rejection;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// An offence category: the Budapest Convention on Cybercrime, articles 2 to 11, plus extortion
/// by ransomware. Wire names are snake_case and stable ([`Offence::as_str`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Offence {
    /// Art. 2: illegal access to a computer system.
    IllegalAccess,
    /// Art. 3: illegal interception of non-public transmissions.
    IllegalInterception,
    /// Art. 4: data interference (damaging, deleting, altering data).
    DataInterference,
    /// Art. 5: system interference (hindering the functioning of a system).
    SystemInterference,
    /// Art. 6: misuse of devices (tools, passwords, access codes).
    MisuseOfDevices,
    /// Art. 7: computer-related forgery.
    ComputerRelatedForgery,
    /// Art. 8: computer-related fraud.
    ComputerRelatedFraud,
    /// Art. 9: offences related to child sexual abuse material.
    ChildSexualAbuseMaterial,
    /// Art. 10: infringements of copyright and related rights.
    CopyrightInfringement,
    /// Art. 11: attempt and aiding or abetting.
    AidingOrAttempt,
    /// Not in the Convention: extortion by ransomware.
    RansomwareExtortion,
}

impl Offence {
    /// Every category, in wire order.
    pub const ALL: [Offence; 11] = [
        Offence::IllegalAccess,
        Offence::IllegalInterception,
        Offence::DataInterference,
        Offence::SystemInterference,
        Offence::MisuseOfDevices,
        Offence::ComputerRelatedForgery,
        Offence::ComputerRelatedFraud,
        Offence::ChildSexualAbuseMaterial,
        Offence::CopyrightInfringement,
        Offence::AidingOrAttempt,
        Offence::RansomwareExtortion,
    ];

    /// The stable wire name.
    pub fn as_str(&self) -> &'static str {
        match self {
            Offence::IllegalAccess => "illegal_access",
            Offence::IllegalInterception => "illegal_interception",
            Offence::DataInterference => "data_interference",
            Offence::SystemInterference => "system_interference",
            Offence::MisuseOfDevices => "misuse_of_devices",
            Offence::ComputerRelatedForgery => "computer_related_forgery",
            Offence::ComputerRelatedFraud => "computer_related_fraud",
            Offence::ChildSexualAbuseMaterial => "child_sexual_abuse_material",
            Offence::CopyrightInfringement => "copyright_infringement",
            Offence::AidingOrAttempt => "aiding_or_attempt",
            Offence::RansomwareExtortion => "ransomware_extortion",
        }
    }

    /// The article of the Budapest Convention, if the category is one of them.
    pub fn article(&self) -> Option<u8> {
        match self {
            Offence::IllegalAccess => Some(2),
            Offence::IllegalInterception => Some(3),
            Offence::DataInterference => Some(4),
            Offence::SystemInterference => Some(5),
            Offence::MisuseOfDevices => Some(6),
            Offence::ComputerRelatedForgery => Some(7),
            Offence::ComputerRelatedFraud => Some(8),
            Offence::ChildSexualAbuseMaterial => Some(9),
            Offence::CopyrightInfringement => Some(10),
            Offence::AidingOrAttempt => Some(11),
            Offence::RansomwareExtortion => None,
        }
    }
}

impl fmt::Display for Offence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Offence {
    type Err = Rejection;
    fn from_str(s: &str) -> Result<Self, Rejection> {
        Offence::ALL
            .into_iter()
            .find(|o| o.as_str() == s)
            .ok_or_else(|| Rejection::invalid("offence", format!("unknown category {s:?}")))
    }
}

/// The gravity class of a subject's alleged conduct, from least to most grave. The similarity
/// rule of an agreement compares classes; what puts a case in a class is for the requesting
/// state's officers, and is visible to the custodian, who can refuse.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Class 1.
    Minor,
    /// Class 2.
    Moderate,
    /// Class 3.
    Serious,
    /// Class 4.
    Grave,
    /// Class 5.
    Critical,
}

impl Severity {
    /// Every class, least grave first.
    pub const ALL: [Severity; 5] = [
        Severity::Minor,
        Severity::Moderate,
        Severity::Serious,
        Severity::Grave,
        Severity::Critical,
    ];

    /// The class number, 1 (minor) to 5 (critical).
    pub fn class(&self) -> u8 {
        match self {
            Severity::Minor => 1,
            Severity::Moderate => 2,
            Severity::Serious => 3,
            Severity::Grave => 4,
            Severity::Critical => 5,
        }
    }

    /// The stable wire name.
    pub fn as_str(&self) -> &'static str {
        match self {
            Severity::Minor => "minor",
            Severity::Moderate => "moderate",
            Severity::Serious => "serious",
            Severity::Grave => "grave",
            Severity::Critical => "critical",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// When two subjects are "similar criminals" under an agreement. Wire form is tagged by `rule`,
/// e.g. `{"rule":"max_class_gap","gap":1}`, so that other rules can be added without changing
/// the bytes of existing agreements.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "rule", rename_all = "snake_case", deny_unknown_fields)]
pub enum SimilarityRule {
    /// Severity classes differ by at most `gap` (0: same class only).
    MaxClassGap {
        /// Largest allowed difference of class numbers, 0..=4.
        gap: u8,
    },
}

impl SimilarityRule {
    /// Whether a subject of severity `a` may be exchanged against one of severity `b`.
    /// Symmetric.
    pub fn similar(&self, a: Severity, b: Severity) -> bool {
        match self {
            SimilarityRule::MaxClassGap { gap } => a.class().abs_diff(b.class()) <= *gap,
        }
    }

    pub(crate) fn validate(&self) -> Result<(), Rejection> {
        match self {
            SimilarityRule::MaxClassGap { gap } if *gap > 4 => Err(Rejection::invalid(
                "similarity rule",
                format!("class gap {gap} exceeds the 4 that separates the extreme classes"),
            )),
            SimilarityRule::MaxClassGap { .. } => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use expect_test::expect;

    #[test]
    fn wire_names_are_stable() {
        let names: Vec<String> = Offence::ALL
            .iter()
            .map(|o| {
                let json = serde_json::to_string(o).unwrap();
                assert_eq!(json, format!("\"{}\"", o.as_str()));
                assert_eq!(o.as_str().parse::<Offence>().unwrap(), *o);
                format!("{} {:?}", o.as_str(), o.article())
            })
            .collect();
        expect![[r#"
            illegal_access Some(2)
            illegal_interception Some(3)
            data_interference Some(4)
            system_interference Some(5)
            misuse_of_devices Some(6)
            computer_related_forgery Some(7)
            computer_related_fraud Some(8)
            child_sexual_abuse_material Some(9)
            copyright_infringement Some(10)
            aiding_or_attempt Some(11)
            ransomware_extortion None"#]]
        .assert_eq(&names.join("\n"));
        for s in Severity::ALL {
            assert_eq!(
                serde_json::to_string(&s).unwrap(),
                format!("\"{}\"", s.as_str())
            );
        }
    }

    #[test]
    fn similarity() {
        let rule = SimilarityRule::MaxClassGap { gap: 1 };
        assert!(rule.similar(Severity::Serious, Severity::Grave));
        assert!(rule.similar(Severity::Grave, Severity::Serious));
        assert!(!rule.similar(Severity::Minor, Severity::Serious));
        let same = SimilarityRule::MaxClassGap { gap: 0 };
        assert!(!same.similar(Severity::Serious, Severity::Grave));
        assert_eq!(
            serde_json::to_string(&rule).unwrap(),
            r#"{"rule":"max_class_gap","gap":1}"#
        );
        assert!(SimilarityRule::MaxClassGap { gap: 5 }.validate().is_err());
    }
}
