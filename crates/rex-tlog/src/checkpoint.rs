//! Checkpoints (c2sp.org/tlog-checkpoint): the signed tree head of the log.

use crate::note::check_text;
use crate::{Error, Hash, NoteSigner, NoteVerifier, SignedNote};

/// A tree head: the log's origin, its size and root hash, and optional extension lines.
///
/// Its note body is
///
/// ```text
/// <origin>
/// <size>
/// <base64 root>
/// [<extension line>...]
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Checkpoint {
    origin: String,
    size: u64,
    root: Hash,
    extensions: Vec<String>,
}

/// Extension lines and origins are single non-empty lines of printable text.
fn check_line(line: &str, what: &'static str) -> Result<(), Error> {
    if line.is_empty() || line.chars().any(char::is_control) {
        return Err(Error::MalformedCheckpoint(what));
    }
    Ok(())
}

impl Checkpoint {
    /// A checkpoint with no extension lines.
    pub fn new(origin: &str, size: u64, root: Hash) -> Result<Self, Error> {
        check_line(origin, "origin is empty or not one line")?;
        Ok(Checkpoint {
            origin: origin.to_owned(),
            size,
            root,
            extensions: Vec::new(),
        })
    }

    /// Adds extension lines (c2sp.org/tlog-checkpoint calls them "not recommended": witnesses
    /// make no statement about them).
    pub fn with_extensions(mut self, extensions: Vec<String>) -> Result<Self, Error> {
        for line in &extensions {
            check_line(line, "extension line is empty or not one line")?;
        }
        self.extensions = extensions;
        Ok(self)
    }

    /// The log's origin line.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// The tree size.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// The RFC 6962 root hash.
    pub fn root(&self) -> Hash {
        self.root
    }

    /// The extension lines, without their newlines.
    pub fn extensions(&self) -> &[String] {
        &self.extensions
    }

    /// The note text: origin, size, root and extension lines, each ending in a newline.
    pub fn to_note_body(&self) -> String {
        let mut extension = String::new();
        for line in &self.extensions {
            extension.push_str(line);
            extension.push('\n');
        }
        let body =
            tlog_tiles::Checkpoint::new(&self.origin, self.size, self.root.into(), &extension)
                .expect("fields were checked by the constructors")
                .to_bytes();
        String::from_utf8(body).expect("checkpoint text is UTF-8")
    }

    /// Parses a note text as a checkpoint, strictly: the size in canonical decimal, the root
    /// as padded base64 of 32 bytes, a final newline.
    pub fn from_note_body(text: &str) -> Result<Self, Error> {
        check_text(text)?;
        let parsed = tlog_tiles::Checkpoint::from_bytes(text.as_bytes())
            .map_err(|_| Error::MalformedCheckpoint("not origin, size, root hash"))?;
        let extensions = parsed
            .extension()
            .split_terminator('\n')
            .map(str::to_owned)
            .collect();
        let checkpoint = Checkpoint::new(parsed.origin(), parsed.size(), (*parsed.hash()).into())?
            .with_extensions(extensions)?;
        // Rendering back must give the same bytes, or two parties could read one signed text
        // as two different checkpoints.
        if checkpoint.to_note_body() != text {
            return Err(Error::MalformedCheckpoint("not in canonical form"));
        }
        Ok(checkpoint)
    }

    /// Signs the checkpoint with the log's key, whose name must be the origin.
    pub fn sign(&self, signer: &NoteSigner) -> Result<SignedNote, Error> {
        if signer.name() != self.origin {
            return Err(Error::OriginMismatch {
                origin: self.origin.clone(),
                key: signer.name().to_owned(),
            });
        }
        let body = self.to_note_body();
        let mut note = SignedNote::new(&body)?;
        note.add_signature(signer.sign(&body)?)?;
        Ok(note)
    }

    /// Opens a signed checkpoint: the log's signature must verify under `log_key`, whose name
    /// must be the origin. Other signatures (cosignatures, other logs' keys) are ignored here:
    /// check them with [`SignedNote::verified_signatures`].
    pub fn open(note: &SignedNote, log_key: &NoteVerifier) -> Result<Self, Error> {
        note.verify(std::slice::from_ref(log_key))?;
        let checkpoint = Checkpoint::from_note_body(note.text())?;
        if checkpoint.origin != log_key.name() {
            return Err(Error::OriginMismatch {
                origin: checkpoint.origin,
                key: log_key.name().to_owned(),
            });
        }
        Ok(checkpoint)
    }
}
