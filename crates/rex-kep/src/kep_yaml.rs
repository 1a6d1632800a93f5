//! kep_solver YAML (schema 1).
//!
//! ```yaml
//! schema: 1
//! donors:
//!   '1':
//!     recipients: ['1']          # absent or empty: a non-directed donor
//!     matches:
//!     - recipient_id: '2'
//!       score: 1.0
//! recipients: ...                # ignored, as are ages, blood types, failing_transplants
//! ```
//!
//! Errors carry the YAML line and serde_yaml's path of the offending key.

use serde::de::IgnoredAny;
use serde::Deserialize;

use super::kep::de::{Entries, Id};
use super::kep::{self, Donor, Transplant};
use super::ReadError;
use rex_match::Graph;

#[derive(Deserialize)]
#[serde(expecting = "a kep_solver instance (a YAML mapping)")]
struct Root {
    schema: Option<serde_yaml_ng::Value>,
    donors: Option<Entries<YamlDonor>>,
    algorithm: Option<IgnoredAny>,
    output: Option<IgnoredAny>,
}

#[derive(Deserialize)]
struct YamlDonor {
    recipients: Option<Vec<Id>>,
    matches: Option<Vec<YamlMatch>>,
}

#[derive(Deserialize)]
struct YamlMatch {
    recipient_id: Id,
    score: f64,
}

pub(super) fn read(text: &str, name: &str) -> Result<Graph, ReadError> {
    let root: Root = serde_yaml_ng::from_str(text).map_err(|e| yaml_error(name, &e))?;
    let err = |msg: &str| ReadError::new(name, None, msg);
    if let Some(schema) = root.schema.filter(|s| s.as_u64() != Some(1)) {
        let shown = serde_yaml_ng::to_string(&schema).unwrap_or_default();
        return Err(err(&format!(
            "\"schema: {}\" is not supported (kep_solver YAML has schema 1)",
            shown.trim()
        )));
    }
    let Some(donors) = root.donors else {
        if root.algorithm.is_some() || root.output.is_some() {
            return Err(err(
                "this is a kep_solver solution file (\"algorithm\", \"output\"), not an instance",
            ));
        }
        return Err(err("no \"donors\" key at the top level"));
    };
    let donors: Vec<Donor> = donors
        .0
        .into_iter()
        .map(|(id, d)| Donor {
            place: format!("donors.{:?}", id.0),
            id: id.0,
            line: None,
            recipients: d
                .recipients
                .unwrap_or_default()
                .into_iter()
                .map(|r| r.0)
                .collect(),
            transplants: d
                .matches
                .unwrap_or_default()
                .into_iter()
                .map(|m| Transplant {
                    recipient: m.recipient_id.0,
                    score: m.score,
                    line: None,
                })
                .collect(),
        })
        .collect();
    kep::build(&donors, name)
}

/// serde_yaml's message (which starts with the key path) without its " at line L column C"
/// tail, which goes into `FILE:LINE`.
fn yaml_error(name: &str, e: &serde_yaml_ng::Error) -> ReadError {
    let full = e.to_string();
    let Some(loc) = e.location() else {
        return ReadError::new(name, None, full);
    };
    let tail = format!(" at line {} column {}", loc.line(), loc.column());
    let msg = full.strip_suffix(&tail).unwrap_or(&full);
    ReadError::new(name, Some(loc.line()), msg)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn reads_groups_and_ndds() {
        let text = "schema: 1\ndonors:\n  '1':\n    recipients: ['1']\n    matches:\n    - recipient_id: '2'\n      score: 1.0\n  '2':\n    recipients: ['2']\n  3:\n    recipients: [2]\n    matches:\n    - recipient_id: 1\n      score: 4\n  '4':\n    matches:\n    - {recipient_id: '2', score: 1}\n";
        let g = read(text, "t.yaml").unwrap();
        assert_eq!((g.request_count(), g.offer_count()), (3, 1));
        // Donors 2 and 3 share recipient 2: one group.
        assert_eq!(g.groups().len(), 3);
        // 1 -> {2, 3}, 3 -> 1, 4 -> {2, 3}
        assert_eq!(g.arcs().len(), 5);
    }
}
