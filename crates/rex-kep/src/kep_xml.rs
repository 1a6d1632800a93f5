//! kep_solver XML, the twin of JSON v1.
//!
//! ```xml
//! <data>
//!   <entry donor_id="1">
//!     <sources><source>1</source></sources>      <!-- absent or empty: a non-directed donor -->
//!     <matches><match><recipient>2</recipient><score>3</score></match></matches>
//!   </entry>
//! </data>
//! ```
//!
//! Other elements of an entry (`dage`, `bloodgroup`, `altruistic`) are ignored. Errors carry
//! the line of the offending element.

use roxmltree::{Document, Node};

use super::kep::{self, Donor, Transplant};
use super::ReadError;
use rex_match::Graph;

pub(super) fn read(text: &str, name: &str) -> Result<Graph, ReadError> {
    let doc = Document::parse(text).map_err(|e| {
        let pos = e.pos();
        let full = e.to_string();
        let tail = format!(" at {}:{}", pos.row, pos.col);
        let msg = full.strip_suffix(&tail).unwrap_or(&full);
        ReadError::new(name, Some(pos.row as usize), msg)
    })?;
    let line = |n: Node<'_, '_>| Some(doc.text_pos_at(n.range().start).row as usize);
    let err = |n: Node<'_, '_>, msg: String| ReadError::new(name, line(n), msg);

    let root = doc.root_element();
    if root.tag_name().name() != "data" {
        return Err(err(
            root,
            format!(
                "expected the root element <data>, found <{}>",
                root.tag_name().name()
            ),
        ));
    }
    let mut donors = Vec::new();
    for entry in root.children().filter(Node::is_element) {
        match entry.tag_name().name() {
            "entry" => {}
            "algorithm" | "output" => {
                return Err(err(
                    entry,
                    "this is a kep_solver solution file (<algorithm>, <output>), not an \
                     instance"
                        .into(),
                ))
            }
            other => {
                return Err(err(entry, format!("expected <entry>, found <{other}>")));
            }
        }
        let Some(id) = entry.attribute("donor_id") else {
            return Err(err(entry, "<entry> without a donor_id attribute".into()));
        };
        let place = format!("<entry donor_id={id:?}>");
        let mut recipients = Vec::new();
        let mut transplants = Vec::new();
        for child in entry.children().filter(Node::is_element) {
            match child.tag_name().name() {
                "sources" => {
                    for source in elements(child, "source", &place).map_err(|m| err(child, m))? {
                        recipients.push(
                            text_of(source).map_err(|m| err(source, format!("{place}: {m}")))?,
                        );
                    }
                }
                "matches" => {
                    for m in elements(child, "match", &place).map_err(|msg| err(child, msg))? {
                        let t = transplant(m, &place).map_err(|msg| err(m, msg))?;
                        transplants.push(Transplant { line: line(m), ..t });
                    }
                }
                _ => {}
            }
        }
        donors.push(Donor {
            id: id.to_owned(),
            place,
            line: line(entry),
            recipients,
            transplants,
        });
    }
    kep::build(&donors, name)
}

/// The element children of `parent`, which must all be `<tag>`.
fn elements<'a, 'input>(
    parent: Node<'a, 'input>,
    tag: &str,
    place: &str,
) -> Result<Vec<Node<'a, 'input>>, String> {
    parent
        .children()
        .filter(Node::is_element)
        .map(|n| {
            if n.tag_name().name() == tag {
                Ok(n)
            } else {
                Err(format!(
                    "{place}: expected <{tag}> in <{}>, found <{}>",
                    parent.tag_name().name(),
                    n.tag_name().name()
                ))
            }
        })
        .collect()
}

/// The trimmed text of an element, which must not be empty.
fn text_of(n: Node<'_, '_>) -> Result<String, String> {
    match n.text().map(str::trim) {
        Some(t) if !t.is_empty() => Ok(t.to_owned()),
        _ => Err(format!("<{}> is empty", n.tag_name().name())),
    }
}

/// `<match><recipient>R</recipient><score>S</score></match>`.
fn transplant(m: Node<'_, '_>, place: &str) -> Result<Transplant, String> {
    let child = |tag: &str| {
        m.children()
            .find(|c| c.is_element() && c.tag_name().name() == tag)
            .ok_or_else(|| format!("{place}: <match> without <{tag}>"))
    };
    let recipient = text_of(child("recipient")?).map_err(|e| format!("{place}: {e}"))?;
    let score = text_of(child("score")?).map_err(|e| format!("{place}: {e}"))?;
    let score: f64 = score
        .parse()
        .map_err(|_| format!("{place}: score {score:?} is not a number"))?;
    Ok(Transplant {
        recipient,
        score,
        line: None,
    })
}
