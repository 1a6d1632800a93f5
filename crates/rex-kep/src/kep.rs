//! The donor model shared by kep_solver's JSON, XML and YAML formats, and its graph.
//!
//! In kep_solver's model the vertices are donors. A donor paired with no recipient is a
//! non-directed donor (an offer); the `altruistic` flag some files carry is ignored, as
//! kep_solver ignores it. A donor paired with recipient `r` is a request in the exclusive group
//! named `r`, so that at most one of `r`'s donors is used: each recipient receives at most one
//! kidney. A transplant "donor `d` -> recipient `r`" becomes an arc from `d` to every donor
//! paired with `r`. A transplant to a recipient with no paired donor leads to no vertex and is
//! dropped (kep_solver's test7.json has one).

use std::collections::BTreeMap;

use super::ReadError;
use rex_match::{Graph, GraphBuilder, VertexId};

/// A donor as a file states it.
#[derive(Debug)]
pub(super) struct Donor {
    /// The donor id.
    pub id: String,
    /// Where the donor sits in the file, for messages: `data."5"`, `<entry donor_id="5">`.
    pub place: String,
    /// The 1-based line, where the format tells it.
    pub line: Option<usize>,
    /// Ids of the paired recipients (empty: a non-directed donor).
    pub recipients: Vec<String>,
    /// The transplants this donor can make.
    pub transplants: Vec<Transplant>,
}

/// "This donor can give to `recipient`, with this score."
#[derive(Debug)]
pub(super) struct Transplant {
    pub recipient: String,
    pub score: f64,
    /// The 1-based line, where the format tells it.
    pub line: Option<usize>,
}

/// Builds the donor graph; `name` is the file name for messages.
pub(super) fn build(donors: &[Donor], name: &str) -> Result<Graph, ReadError> {
    let mut b = GraphBuilder::new();
    // Recipient -> its paired donors, in file order.
    let mut paired: BTreeMap<&str, Vec<VertexId>> = BTreeMap::new();
    let mut vertices = Vec::with_capacity(donors.len());
    for d in donors {
        let err = |msg: String| ReadError::new(name, d.line, format!("{}: {msg}", d.place));
        let mut recipients: Vec<&str> = d.recipients.iter().map(String::as_str).collect();
        recipients.sort_unstable();
        recipients.dedup();
        let v = match recipients.as_slice() {
            [] => b.add_offer(d.id.as_str()),
            [r] => b.add_request_in_group(d.id.as_str(), r),
            several => {
                return Err(err(format!(
                    "donor {:?} is paired with {} recipients ({}); donors paired with several \
                     recipients are not supported",
                    d.id,
                    several.len(),
                    several.join(", ")
                )))
            }
        }
        .map_err(|e| err(e.to_string()))?;
        if let [r] = recipients.as_slice() {
            paired.entry(r).or_default().push(v);
        }
        vertices.push(v);
    }
    for (d, &from) in donors.iter().zip(&vertices) {
        for t in &d.transplants {
            let err = |msg: String| {
                ReadError::new(
                    name,
                    t.line.or(d.line),
                    format!(
                        "{}: transplant to recipient {:?}: {msg}",
                        d.place, t.recipient
                    ),
                )
            };
            if !t.score.is_finite() {
                return Err(err(format!("score {} is not a finite number", t.score)));
            }
            for &to in paired.get(t.recipient.as_str()).into_iter().flatten() {
                b.add_arc(from, to, t.score)
                    .map_err(|e| err(e.to_string()))?;
            }
        }
    }
    b.build().map_err(|e| ReadError::graph(name, None, e))
}

/// Serde helpers shared by the JSON and YAML readers.
pub(super) mod de {
    use std::fmt;
    use std::marker::PhantomData;

    use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};

    /// An identifier written as a string or an integer (kep_solver's JSON v1 numbers its
    /// recipients; v2 and YAML quote them), kept as a string.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct Id(pub String);

    impl<'de> Deserialize<'de> for Id {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            struct V;
            impl Visitor<'_> for V {
                type Value = Id;
                fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                    f.write_str("an id (a string or an integer)")
                }
                fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Id, E> {
                    Ok(Id(v.to_owned()))
                }
                fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Id, E> {
                    Ok(Id(v.to_string()))
                }
                fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Id, E> {
                    Ok(Id(v.to_string()))
                }
            }
            d.deserialize_any(V)
        }
    }

    /// A map read as `(key, value)` pairs in file order. Repeated keys are all kept, so that a
    /// donor given twice is reported instead of silently replaced.
    #[derive(Debug)]
    pub struct Entries<T>(pub Vec<(Id, T)>);

    impl<'de, T: Deserialize<'de>> Deserialize<'de> for Entries<T> {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            d.deserialize_map(EntriesVisitor(PhantomData))
        }
    }

    /// Visits a map into [`Entries`]; also used for maps inside other shapes.
    pub struct EntriesVisitor<T>(pub PhantomData<T>);

    impl<'de, T: Deserialize<'de>> Visitor<'de> for EntriesVisitor<T> {
        type Value = Entries<T>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a map from ids to entries")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut out = Vec::new();
            while let Some(entry) = map.next_entry::<Id, T>()? {
                out.push(entry);
            }
            Ok(Entries(out))
        }
    }
}
