//! The attachments of a structured dossier (`rex-dossier/v1`): typed documents (a warrant, a
//! judgment, evidence, an identity document, a translation) carried inside the dossier, so
//! that they are encrypted, uploaded and referenced by the request exactly as its text is.
//!
//! **Key design decision: an attachment is untrusted content from the other state.** The
//! requester writes it; the custodian's officers open it. So a parsed dossier is checked, not
//! believed: every attachment's SHA-256 is recomputed from its bytes (a mismatch names the
//! attachment), its file name must be one a file system and a browser take as a plain name (no
//! path separator, no control or bidirectional formatting character, no leading dot, bounded),
//! its media type a plain `type/subtype`, and the sizes fit under the hub's limit on a dossier's
//! ciphertext once base64 and `age` have had their share ([`MAX_DOSSIER_PLAINTEXT_BYTES`]).
//! Whoever builds an attachment ([`Attachment::new`]) gets the name and the type made safe
//! ([`sanitise_name`], [`media_type_of`]); whoever reads one gets them refused when they are not.
//!
//! A dossier without attachments serialises exactly as before attachments existed: the field is
//! left out, so its bytes, its digest and every reader of it are unchanged.

use crate::id::Digest;
use crate::law::{StructuredDossier, DOSSIER_FORMAT};
use crate::rejection::Rejection;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Most attachments one dossier may carry.
pub const MAX_ATTACHMENTS: usize = 16;
/// Largest attachment, in bytes (8 MiB).
pub const MAX_ATTACHMENT_BYTES: usize = 8 << 20;
/// Largest sum of a dossier's attachments, in bytes (10 MiB): in base64 about 13.3 MiB.
pub const MAX_ATTACHMENTS_BYTES: usize = 10 << 20;
/// Largest structured dossier, in bytes of its JSON (15 MiB): encrypted with `age` to two
/// states it stays under the 16 MiB the hub accepts for a dossier (`rex_hub::MAX_DOSSIER_BYTES`;
/// a test in `rex-web` files one at this size through a real hub).
pub const MAX_DOSSIER_PLAINTEXT_BYTES: usize = 15 << 20;
/// Longest attachment file name, in bytes of UTF-8.
pub const MAX_NAME_BYTES: usize = 180;
/// Longest media type, in bytes.
pub const MAX_MEDIA_TYPE_BYTES: usize = 100;

/// What an attachment is, as the standard forms of judicial cooperation type their documents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AttachmentKind {
    /// The arrest warrant or the order the request rests on.
    Warrant,
    /// A judgment (the sentence to enforce, or a decision on the same acts).
    Judgment,
    /// Evidence of the acts.
    Evidence,
    /// An identity document or photograph of the subject.
    Identity,
    /// A translation of another document.
    Translation,
}

impl AttachmentKind {
    /// Every kind, in the order forms list them.
    pub const ALL: [AttachmentKind; 5] = [
        AttachmentKind::Warrant,
        AttachmentKind::Judgment,
        AttachmentKind::Evidence,
        AttachmentKind::Identity,
        AttachmentKind::Translation,
    ];

    /// The wire name (`warrant`).
    pub fn as_str(self) -> &'static str {
        match self {
            AttachmentKind::Warrant => "warrant",
            AttachmentKind::Judgment => "judgment",
            AttachmentKind::Evidence => "evidence",
            AttachmentKind::Identity => "identity",
            AttachmentKind::Translation => "translation",
        }
    }
}

impl fmt::Display for AttachmentKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for AttachmentKind {
    type Err = Rejection;
    fn from_str(s: &str) -> Result<AttachmentKind, Rejection> {
        AttachmentKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| {
                let names: Vec<&str> = AttachmentKind::ALL.iter().map(|k| k.as_str()).collect();
                Rejection::invalid(
                    "attachment kind",
                    format!("{s:?}: one of {}", names.join(", ")),
                )
            })
    }
}

/// One document of a structured dossier, its bytes included (base64 in the JSON).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Attachment {
    /// What it is.
    pub kind: AttachmentKind,
    /// Its file name: a plain name, no path ([`sanitise_name`]).
    pub name: String,
    /// Its media type, `type/subtype` (`application/pdf`); a reader serves anything but a few
    /// safe types as bytes to save.
    pub media_type: String,
    /// The SHA-256 of its bytes, checked whenever a dossier is parsed.
    pub sha256: Digest,
    /// Its bytes.
    #[serde(with = "base64_bytes")]
    pub content: Vec<u8>,
}

impl fmt::Debug for Attachment {
    // Never the bytes: a debug line names the document.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Attachment")
            .field("kind", &self.kind)
            .field("name", &self.name)
            .field("media_type", &self.media_type)
            .field("sha256", &self.sha256)
            .field("size", &self.content.len())
            .finish()
    }
}

mod base64_bytes {
    use base64::engine::general_purpose::STANDARD;
    use base64::Engine as _;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&STANDARD.encode(bytes))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        STANDARD
            .decode(text.as_bytes())
            .map_err(|e| serde::de::Error::custom(format!("content is not base64: {e}")))
    }
}

impl Attachment {
    /// An attachment of `content`, named after `name` made safe ([`sanitise_name`]), typed by
    /// its extension ([`media_type_of`]). Refused when empty or larger than
    /// [`MAX_ATTACHMENT_BYTES`].
    pub fn new(
        kind: AttachmentKind,
        name: &str,
        content: Vec<u8>,
    ) -> Result<Attachment, Rejection> {
        let name = sanitise_name(name);
        let a = Attachment {
            kind,
            media_type: media_type_of(&name).to_owned(),
            sha256: Digest::of(&content),
            name,
            content,
        };
        a.check_size()?;
        Ok(a)
    }

    /// Its size in bytes.
    pub fn size(&self) -> usize {
        self.content.len()
    }

    fn check_size(&self) -> Result<(), Rejection> {
        if self.content.is_empty() {
            return Err(Rejection::invalid(
                "attachment",
                format!("{} is empty; attach the document itself", self.name),
            ));
        }
        if self.content.len() > MAX_ATTACHMENT_BYTES {
            return Err(Rejection::invalid(
                "attachment",
                format!(
                    "{} has {} bytes, more than the {} MiB one attachment may have; split it or compress it",
                    self.name,
                    self.content.len(),
                    MAX_ATTACHMENT_BYTES >> 20
                ),
            ));
        }
        Ok(())
    }

    /// Checks an attachment read from a dossier: its name, its media type, its size and its
    /// SHA-256 against its bytes. The error names it by number (from 1) and name.
    fn check(&self, n: usize) -> Result<(), Rejection> {
        let which = || format!("attachment {n} ({:?})", self.name);
        if let Some(problem) = name_problem(&self.name) {
            return Err(Rejection::invalid(
                "dossier",
                format!("{}: the file name {problem}", which()),
            ));
        }
        if !media_type_ok(&self.media_type) {
            return Err(Rejection::invalid(
                "dossier",
                format!("{}: {:?} is not a media type", which(), self.media_type),
            ));
        }
        self.check_size()
            .map_err(|e| Rejection::invalid("dossier", format!("{}: {e}", which())))?;
        let actual = Digest::of(&self.content);
        if actual != self.sha256 {
            return Err(Rejection::invalid(
                "dossier",
                format!(
                    "{}: its bytes have SHA-256 {actual}, not the {} it states; the dossier was altered or damaged",
                    which(),
                    self.sha256
                ),
            ));
        }
        Ok(())
    }
}

/// Characters that change how a name reads without being visible (bidirectional overrides
/// and isolates, marks, zero-width characters): `invoice\u{202e}fdp.exe`, which reads
/// `invoiceexe.pdf`, is refused, not shown.
fn invisible(c: char) -> bool {
    matches!(c,
        '\u{061c}' | '\u{180e}' | '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}'
        | '\u{2060}'..='\u{2069}' | '\u{feff}')
}

/// Characters no file name may hold: path separators, characters Windows forbids, quotes that
/// end a header's parameter, and control or invisible characters.
fn forbidden(c: char) -> bool {
    matches!(c, '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|')
        || c.is_control()
        || invisible(c)
}

/// Why `name` is not a plain file name, if it is not.
fn name_problem(name: &str) -> Option<&'static str> {
    if name.is_empty() {
        Some("is empty")
    } else if name.len() > MAX_NAME_BYTES {
        Some("is too long")
    } else if name.chars().any(forbidden) {
        Some("holds a path separator, a control or invisible character, or one of :*?\"<>|")
    } else if name.starts_with('.') || name.ends_with('.') || name.trim() != name {
        Some("starts with a dot, or starts or ends with a space or a dot")
    } else {
        None
    }
}

/// `raw` made a plain file name: the last path segment, every forbidden character replaced by
/// `_`, no leading dot, no surrounding space or trailing dot, cut to [`MAX_NAME_BYTES`] keeping
/// the extension; `attachment` if nothing is left.
pub fn sanitise_name(raw: &str) -> String {
    let last = raw.rsplit(['/', '\\']).next().unwrap_or(raw);
    let cleaned: String = last
        .chars()
        .map(|c| if forbidden(c) { '_' } else { c })
        .collect();
    let mut name = cleaned
        .trim()
        .trim_start_matches('.')
        .trim_end_matches(['.', ' '])
        .trim()
        .to_owned();
    if name.len() > MAX_NAME_BYTES {
        let ext = match name.rsplit_once('.') {
            Some((_, e)) if !e.is_empty() && e.len() <= 10 => format!(".{e}"),
            _ => String::new(),
        };
        let mut cut = MAX_NAME_BYTES - ext.len();
        while !name.is_char_boundary(cut) {
            cut -= 1;
        }
        name = format!("{}{ext}", name[..cut].trim_end_matches(['.', ' ']));
    }
    if name_problem(&name).is_some() {
        return "attachment".to_owned();
    }
    name
}

/// The media type of a file named `name`, by its extension: the common document and image
/// types, and `application/octet-stream` for anything else (the content is not sniffed).
pub fn media_type_of(name: &str) -> &'static str {
    let ext = name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "pdf" => "application/pdf",
        "txt" => "text/plain",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "tif" | "tiff" => "image/tiff",
        "odt" => "application/vnd.oasis.opendocument.text",
        "docx" => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "doc" => "application/msword",
        "zip" => "application/zip",
        "json" => "application/json",
        "xml" => "application/xml",
        "html" | "htm" => "text/html",
        "svg" => "image/svg+xml",
        _ => "application/octet-stream",
    }
}

/// `type/subtype`, lowercase letters, digits and `+-.` only, bounded.
fn media_type_ok(s: &str) -> bool {
    let part = |p: &str| {
        !p.is_empty()
            && p.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"+-.".contains(&b))
    };
    s.len() <= MAX_MEDIA_TYPE_BYTES && s.split_once('/').is_some_and(|(t, st)| part(t) && part(st))
}

impl StructuredDossier {
    /// A structured dossier of these facts, text and attachments.
    pub fn new(
        facts: crate::law::DossierFacts,
        text: String,
        attachments: Vec<Attachment>,
    ) -> StructuredDossier {
        StructuredDossier {
            format: DOSSIER_FORMAT.into(),
            facts,
            text,
            attachments,
        }
    }

    /// The structured dossier of a dossier's plaintext, checked (format, dates, and every
    /// attachment: name, type, size, SHA-256); `None` for a dossier in free text. A document
    /// that claims the format and is malformed is an error, so that a typo is not read as
    /// silence and an altered attachment is not opened.
    pub fn parse(plaintext: &[u8]) -> Result<Option<StructuredDossier>, Rejection> {
        let looks_structured = plaintext
            .iter()
            .find(|b| !b.is_ascii_whitespace())
            .is_some_and(|b| *b == b'{')
            && std::str::from_utf8(plaintext).is_ok_and(|t| t.contains(DOSSIER_FORMAT));
        if !looks_structured {
            return Ok(None);
        }
        let d: StructuredDossier = serde_json::from_slice(plaintext)
            .map_err(|e| Rejection::invalid("dossier", format!("not a {DOSSIER_FORMAT}: {e}")))?;
        if d.format != DOSSIER_FORMAT {
            return Err(Rejection::invalid(
                "dossier",
                format!("format {:?}, expected {DOSSIER_FORMAT}", d.format),
            ));
        }
        d.facts.check()?;
        d.check_attachments()?;
        Ok(Some(d))
    }

    /// Its plaintext: pretty JSON, after the checks [`StructuredDossier::parse`] makes, and
    /// within [`MAX_DOSSIER_PLAINTEXT_BYTES`]. Each refusal is one line that says the limit
    /// and what to do.
    pub fn to_plaintext(&self) -> Result<Vec<u8>, Rejection> {
        self.facts.check()?;
        self.check_attachments()?;
        let bytes = serde_json::to_vec_pretty(self)
            .map_err(|e| Rejection::invalid("dossier", e.to_string()))?;
        if bytes.len() > MAX_DOSSIER_PLAINTEXT_BYTES {
            return Err(Rejection::invalid(
                "dossier",
                format!(
                    "it has {} bytes with its attachments in base64, more than the {} MiB a dossier may have; attach less, or shorten the text",
                    bytes.len(),
                    MAX_DOSSIER_PLAINTEXT_BYTES >> 20
                ),
            ));
        }
        Ok(bytes)
    }

    fn check_attachments(&self) -> Result<(), Rejection> {
        let a = &self.attachments;
        if a.len() > MAX_ATTACHMENTS {
            return Err(Rejection::invalid(
                "dossier",
                format!(
                    "{} attachments, more than the {MAX_ATTACHMENTS} a dossier may carry; combine documents",
                    a.len()
                ),
            ));
        }
        for (i, attachment) in a.iter().enumerate() {
            attachment.check(i + 1)?;
        }
        let total: usize = a.iter().map(Attachment::size).sum();
        if total > MAX_ATTACHMENTS_BYTES {
            return Err(Rejection::invalid(
                "dossier",
                format!(
                    "the attachments have {total} bytes in all, more than the {} MiB a dossier may carry; attach fewer or smaller documents",
                    MAX_ATTACHMENTS_BYTES >> 20
                ),
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_made_plain_and_plain_names_kept() {
        for (raw, want) in [
            ("warrant.pdf", "warrant.pdf"),
            ("C:\\fakepath\\warrant.pdf", "warrant.pdf"),
            ("../../etc/passwd", "passwd"),
            ("..", "attachment"),
            (".bashrc", "bashrc"),
            ("a\u{202e}fdp.exe", "a_fdp.exe"),
            ("line\nbreak.txt", "line_break.txt"),
            ("quote\".pdf", "quote_.pdf"),
            ("trailing. . ", "trailing"),
            ("Ордер №12.pdf", "Ордер №12.pdf"),
            ("", "attachment"),
        ] {
            assert_eq!(sanitise_name(raw), want, "{raw:?}");
            assert_eq!(name_problem(want), None, "{want:?}");
        }
        let long = format!("{}.pdf", "я".repeat(200));
        let cut = sanitise_name(&long);
        assert!(
            cut.len() <= MAX_NAME_BYTES && cut.ends_with(".pdf"),
            "{cut}"
        );
        assert_eq!(name_problem(&cut), None);
    }

    #[test]
    fn media_types_are_plain() {
        assert!(media_type_ok("application/pdf"));
        assert!(media_type_ok("application/vnd.oasis.opendocument.text"));
        for bad in [
            "text/html; charset=utf-8",
            "pdf",
            "Text/HTML",
            "a/b\r\nX: y",
            "/x",
        ] {
            assert!(!media_type_ok(bad), "{bad:?}");
        }
        for ext in ["x.PDF", "x.pdf", "x.docx", "x.bin", "x"] {
            assert!(media_type_ok(media_type_of(ext)), "{ext}");
        }
    }
}
