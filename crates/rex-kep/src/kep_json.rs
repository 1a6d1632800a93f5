//! kep_solver JSON, schema v1 and schema v2/v3.
//!
//! v1: `{"data": {DONOR: {"sources": [RECIPIENT], "matches": [{"recipient": R, "score": S}]}}}`;
//! `sources` empty or absent makes a non-directed donor.
//!
//! v2/v3: `{"schema": 2|3, "donors": DONORS, "recipients": ...}` where `DONORS` is a list of
//! `{"id", "paired_recipients", "outgoing_transplants": [{"recipient", "score"}]}` or a map from
//! donor id to such an object (its `id`, if present, must equal the key).
//!
//! Other keys (ages, blood groups, recipients' attributes, `failing_transplants`) do not change
//! the compatibility graph and are ignored. Syntax and type errors carry serde_json's line and
//! the path of the offending key, e.g. `data.5.matches[0].score`.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;

use super::kep::de::{Entries, EntriesVisitor, Id};
use super::kep::{self, Donor, Transplant};
use super::ReadError;
use rex_match::Graph;

#[derive(Deserialize)]
#[serde(expecting = "a kep_solver instance (a JSON object)")]
struct Root {
    data: Option<Entries<V1Donor>>,
    schema: Option<serde_json::Value>,
    donors: Option<V2Donors>,
    algorithm: Option<IgnoredAny>,
    output: Option<IgnoredAny>,
}

#[derive(Deserialize)]
struct V1Donor {
    sources: Option<Vec<Id>>,
    matches: Option<Vec<V1Match>>,
}

#[derive(Deserialize)]
struct V1Match {
    recipient: Id,
    score: f64,
}

#[derive(Deserialize)]
struct V2Donor {
    id: Option<Id>,
    paired_recipients: Option<Vec<Id>>,
    outgoing_transplants: Option<Vec<V1Match>>,
}

/// v2/v3 donors: a list (ids inside) or a map (ids as keys).
enum V2Donors {
    List(Vec<V2Donor>),
    Map(Entries<V2Donor>),
}

impl<'de> Deserialize<'de> for V2Donors {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = V2Donors;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a list of donors or a map from donor ids to donors")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<V2Donors, A::Error> {
                let mut out = Vec::new();
                while let Some(d) = seq.next_element()? {
                    out.push(d);
                }
                Ok(V2Donors::List(out))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<V2Donors, A::Error> {
                EntriesVisitor(PhantomData)
                    .visit_map(map)
                    .map(V2Donors::Map)
            }
        }
        d.deserialize_any(V)
    }
}

pub(super) fn read(text: &str, name: &str) -> Result<Graph, ReadError> {
    let root = parse(text, name)?;
    let err = |msg: String| ReadError::new(name, None, msg);
    let donors =
        match (root.data, root.donors) {
            (Some(data), None) => {
                if let Some(schema) = root.schema.filter(|s| s.as_u64() != Some(1)) {
                    return Err(err(format!(
                        "\"schema\": {schema} does not go with a JSON v1 \"data\" object"
                    )));
                }
                v1_donors(data)
            }
            (None, Some(donors)) => {
                match root.schema {
                    Some(s) if matches!(s.as_u64(), Some(2 | 3)) => {}
                    Some(s) => {
                        return Err(err(format!(
                            "\"schema\": {s} is not supported (JSON v2 files have schema 2 or 3)"
                        )))
                    }
                    None => {
                        return Err(err(
                            "\"donors\" without \"schema\": JSON v2 files have \"schema\": 2 or 3"
                                .into(),
                        ))
                    }
                }
                v2_donors(donors).map_err(err)?
            }
            (Some(_), Some(_)) => {
                return Err(err(
                    "both \"data\" (JSON v1) and \"donors\" (JSON v2) at the top level".into(),
                ))
            }
            (None, None) if root.algorithm.is_some() || root.output.is_some() => return Err(err(
                "this is a kep_solver solution file (\"algorithm\", \"output\"), not an instance"
                    .into(),
            )),
            (None, None) => {
                return Err(err(
                    "no \"data\" (JSON v1) or \"donors\" (JSON v2) key at the top level".into(),
                ))
            }
        };
    kep::build(&donors, name)
}

/// Deserializes the whole text; errors carry the line and the key path.
fn parse(text: &str, name: &str) -> Result<Root, ReadError> {
    // serde would read a top-level array as a struct's fields in order; refuse it plainly.
    let start = text.trim_start();
    if !start.starts_with('{') {
        let line = text.len() - start.len();
        let line = text.get(..line).map_or(0, |s| s.matches('\n').count()) + 1;
        return Err(ReadError::new(
            name,
            Some(line),
            "expected a JSON object at the top level",
        ));
    }
    let mut de = serde_json::Deserializer::from_str(text);
    let root = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        // A syntax error's place is its line; the key path is only known for errors of
        // structure (a missing field, a wrong type).
        let path = match e.inner().classify() {
            serde_json::error::Category::Data => e.path().to_string(),
            _ => String::new(),
        };
        json_error(name, e.inner(), &path)
    })?;
    de.end().map_err(|e| json_error(name, &e, "."))?;
    Ok(root)
}

/// serde_json's message without its " at line L column C" tail, which goes into `FILE:LINE`.
fn json_error(name: &str, e: &serde_json::Error, path: &str) -> ReadError {
    let full = e.to_string();
    let tail = format!(" at line {} column {}", e.line(), e.column());
    let msg = full.strip_suffix(&tail).unwrap_or(&full);
    let line = (e.line() > 0).then_some(e.line());
    match path {
        "." | "" => ReadError::new(name, line, msg),
        _ => ReadError::new(name, line, format!("{path}: {msg}")),
    }
}

fn transplants(matches: Option<Vec<V1Match>>) -> Vec<Transplant> {
    matches
        .unwrap_or_default()
        .into_iter()
        .map(|m| Transplant {
            recipient: m.recipient.0,
            score: m.score,
            line: None,
        })
        .collect()
}

fn ids(ids: Option<Vec<Id>>) -> Vec<String> {
    ids.unwrap_or_default().into_iter().map(|i| i.0).collect()
}

fn v1_donors(data: Entries<V1Donor>) -> Vec<Donor> {
    data.0
        .into_iter()
        .map(|(id, d)| Donor {
            place: format!("data.{:?}", id.0),
            id: id.0,
            line: None,
            recipients: ids(d.sources),
            transplants: transplants(d.matches),
        })
        .collect()
}

fn v2_donors(donors: V2Donors) -> Result<Vec<Donor>, String> {
    let donor = |id: String, place: String, d: V2Donor| Donor {
        id,
        place,
        line: None,
        recipients: ids(d.paired_recipients),
        transplants: transplants(d.outgoing_transplants),
    };
    match donors {
        V2Donors::List(list) => list
            .into_iter()
            .enumerate()
            .map(|(i, d)| match d.id.clone() {
                Some(id) => Ok(donor(id.0, format!("donors[{i}]"), d)),
                None => Err(format!("donors[{i}]: missing field `id`")),
            })
            .collect(),
        V2Donors::Map(map) => map
            .0
            .into_iter()
            .map(|(key, d)| {
                let place = format!("donors.{:?}", key.0);
                match &d.id {
                    Some(id) if *id != key => Err(format!(
                        "{place}: \"id\" is {:?}, but the key is {:?}",
                        id.0, key.0
                    )),
                    _ => Ok(donor(key.0, place, d)),
                }
            })
            .collect(),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn v1_and_v2_agree() {
        let v1 = r#"{"data": {"1": {"sources": [1], "matches": [{"recipient": 2, "score": 3}]},
                              "2": {"sources": ["2"], "matches": [{"recipient": 1, "score": 2}]},
                              "3": {"altruistic": true, "matches": [{"recipient": 2, "score": 1}]}}}"#;
        let v2 = r#"{"schema": 2, "donors": [
            {"id": "1", "paired_recipients": ["1"], "outgoing_transplants": [{"recipient": "2", "score": 3}]},
            {"id": 2, "paired_recipients": [2], "outgoing_transplants": [{"recipient": 1, "score": 2.0}]},
            {"id": "3", "paired_recipients": [], "outgoing_transplants": [{"recipient": "2", "score": 1}]}]}"#;
        let a = read(v1, "v1.json").unwrap();
        let b = read(v2, "v2.json").unwrap();
        assert_eq!(a, b);
        assert_eq!(
            (a.request_count(), a.offer_count(), a.arcs().len()),
            (2, 1, 3)
        );
    }
}
