//! `rex-kep`: readers of kidney-exchange instance files, one module per format.
//!
//! Kept out of `rex-match` on purpose: the solver is pure (no I/O, no parsing), so that
//! `rex-domain`, which calls it in every matching round, builds no YAML, XML, xz or serde
//! parser. Only the tools that open instance files (`rex match`, the benchmark, the tests
//! against the public data sets) depend on this crate.
//!
//! | suffix | format | module |
//! |---|---|---|
//! | `.input` (+ sibling `.ndds`) | Trimble / Dickerson text format | `trimble` |
//! | `.json`, `.json.xz` | kep_solver JSON, schema v1 (`data`) or v2/v3 (`schema`, `donors`) | `kep_json` |
//! | `.xml` | kep_solver XML (the twin of JSON v1) | `kep_xml` |
//! | `.yaml` | kep_solver YAML | `kep_yaml` |
//! | `.wmd` | PrefLib weighted matching data, 2022 and original layouts | `wmd` |
//!
//! The one module that writes rather than reads is `generate`: seeded benchmark pools (Saidman,
//! modified Saidman, sparse) in the Trimble format.
//!
//! Any of them may also be xz-compressed (`NAME.xz`). Files named `*_output.*` are kep_solver
//! solutions, not instances, and are refused.
//!
//! Every reader returns a [`Graph`] or one [`ReadError`] whose message is a single line
//! `FILE:LINE: what is wrong`. Bad input never panics: this crate denies `unwrap`, `expect`,
//! `panic!` and slice indexing, so the compiler checks that promise.
//!
//! Vertex ids: Trimble pair `i` is `"i"` and NDD `j` is `"n{j}"`; kep_solver donors keep their
//! donor ids; PrefLib vertices are their 1-based PrefLib numbers in both layouts.

#![deny(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::fmt;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use rex_match::{Graph, GraphError};

pub mod generate;
mod kep;
mod kep_json;
mod kep_xml;
mod kep_yaml;
mod trimble;
mod wmd;

/// The largest input accepted, in bytes, after decompression. The biggest public instance here
/// is a few MB; the bound keeps a hostile or corrupt `.xz` file from filling memory.
pub const MAX_INPUT_BYTES: u64 = 1 << 30;

/// The largest number of vertices a header may announce. Vertices without arcs are legal, so a
/// header's count is not checked against the file's length; this bound stops `4000000000 0`
/// from allocating four billion vertices.
pub const MAX_VERTICES: usize = 1 << 24;

/// An instance file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// Trimble / Dickerson text format: `.input`, NDDs in a sibling `.ndds` or after the
    /// terminator of the pair block.
    Trimble,
    /// kep_solver JSON, schema v1 or v2/v3 (told apart by content).
    KepJson,
    /// kep_solver XML.
    KepXml,
    /// kep_solver YAML.
    KepYaml,
    /// PrefLib `.wmd`, 2022 or original layout (told apart by content).
    Wmd,
}

impl Format {
    /// The format a file name announces, looking through a trailing `.xz`. `None` for an
    /// unknown suffix (and for `.ndds`, which is read together with its `.input`).
    pub fn from_path(path: &Path) -> Option<Format> {
        let name = path.file_name()?.to_str()?.to_ascii_lowercase();
        let name = name.strip_suffix(".xz").unwrap_or(&name);
        let (_, ext) = name.rsplit_once('.')?;
        match ext {
            "input" => Some(Format::Trimble),
            "json" => Some(Format::KepJson),
            "xml" => Some(Format::KepXml),
            "yaml" | "yml" => Some(Format::KepYaml),
            "wmd" => Some(Format::Wmd),
            _ => None,
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Format::Trimble => "Trimble .input",
            Format::KepJson => "kep_solver JSON",
            Format::KepXml => "kep_solver XML",
            Format::KepYaml => "kep_solver YAML",
            Format::Wmd => "PrefLib .wmd",
        })
    }
}

/// Why an instance file could not be read. Displays as one line, `FILE:LINE: message`, or
/// `FILE: message` when no line applies (a count that does not add up, a missing file).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}{}: {message}", line.map(|l| format!(":{l}")).unwrap_or_default())]
pub struct ReadError {
    file: String,
    line: Option<usize>,
    message: String,
}

impl ReadError {
    /// An error in `file` at the 1-based `line`, if known. Line breaks in `message` become
    /// spaces so the error stays on one line.
    pub fn new(file: impl Into<String>, line: Option<usize>, message: impl Into<String>) -> Self {
        let message: String = message.into();
        let message = if message.contains(['\n', '\r']) {
            message.replace("\r\n", " ").replace(['\n', '\r'], " ")
        } else {
            message
        };
        ReadError {
            file: file.into(),
            line,
            message,
        }
    }

    /// A graph that the file describes but that is not a valid [`Graph`] (for example a
    /// duplicate vertex id, or the same arc twice with different weights).
    pub fn graph(file: impl Into<String>, line: Option<usize>, err: GraphError) -> Self {
        ReadError::new(file, line, err.to_string())
    }

    /// The file name as given to the reader.
    pub fn file(&self) -> &str {
        &self.file
    }

    /// The 1-based line, when the error has one.
    pub fn line(&self) -> Option<usize> {
        self.line
    }

    /// What is wrong, without the file and line.
    pub fn message(&self) -> &str {
        &self.message
    }
}

/// Reads an instance file, choosing the reader by the file's suffix (see the module docs).
///
/// For `.input` files the NDDs come from the block after the pair block's terminator if there
/// is one, else from the sibling file with `.input` replaced by `.ndds`, if it exists.
pub fn read_file(path: &Path) -> Result<Graph, ReadError> {
    let name = path.display().to_string();
    let lower = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default()
        .to_ascii_lowercase();
    if lower.contains("_output.") {
        return Err(ReadError::new(
            name,
            None,
            "this is a kep_solver solution file (*_output.*), not an instance",
        ));
    }
    let Some(format) = Format::from_path(path) else {
        let hint = if lower.ends_with(".ndds") || lower.ends_with(".ndds.xz") {
            "a .ndds file is read together with its .input file: pass the .input file"
        } else {
            "unknown file type (expected .input, .json, .json.xz, .xml, .yaml or .wmd)"
        };
        return Err(ReadError::new(name, None, hint));
    };
    let text = read_text(path)?;
    if format != Format::Trimble {
        return read_str(format, &text, &name);
    }
    let ndds_path = sibling_ndds(path);
    let ndds = match &ndds_path {
        Some(p) if p.is_file() => Some((read_text(p)?, p.display().to_string())),
        _ => None,
    };
    let ndds = ndds.as_ref().map(|(t, n)| (t.as_str(), n.as_str()));
    trimble::read(&text, &name, ndds)
}

/// Reads an instance from text. `name` is used in error messages only. For
/// [`Format::Trimble`] the NDDs, if any, must follow the pair block's terminator.
pub fn read_str(format: Format, text: &str, name: &str) -> Result<Graph, ReadError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.trim().is_empty() {
        return Err(ReadError::new(name, None, "empty file"));
    }
    match format {
        Format::Trimble => trimble::read(text, name, None),
        Format::KepJson => kep_json::read(text, name),
        Format::KepXml => kep_xml::read(text, name),
        Format::KepYaml => kep_yaml::read(text, name),
        Format::Wmd => wmd::read(text, name),
    }
}

/// `dir/x.input` -> `dir/x.ndds` (and `x.input.xz` -> `x.ndds.xz`).
fn sibling_ndds(path: &Path) -> Option<PathBuf> {
    let file = path.file_name()?.to_str()?;
    let (stem, xz) = match file.strip_suffix(".xz") {
        Some(s) => (s, ".xz"),
        None => (file, ""),
    };
    let stem = stem.get(..stem.len().checked_sub(".input".len())?)?;
    Some(path.with_file_name(format!("{stem}.ndds{xz}")))
}

/// The file's text, decompressed if its name ends in `.xz`, at most [`MAX_INPUT_BYTES`].
fn read_text(path: &Path) -> Result<String, ReadError> {
    let name = path.display().to_string();
    let io_err = |e: io::Error| ReadError::new(name.as_str(), None, format!("cannot read: {e}"));
    let file = std::fs::File::open(path).map_err(io_err)?;
    let mut raw = Vec::new();
    file.take(MAX_INPUT_BYTES + 1)
        .read_to_end(&mut raw)
        .map_err(io_err)?;
    if raw.len() as u64 > MAX_INPUT_BYTES {
        return Err(too_large(&name));
    }
    let is_xz = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("xz"));
    let bytes = if is_xz { unxz(&raw, &name)? } else { raw };
    String::from_utf8(bytes).map_err(|e| {
        let valid = e.utf8_error().valid_up_to();
        let line = e
            .as_bytes()
            .get(..valid)
            .map_or(0, |b| b.iter().filter(|&&c| c == b'\n').count())
            + 1;
        ReadError::new(name.as_str(), Some(line), "not valid UTF-8 text")
    })
}

fn too_large(name: &str) -> ReadError {
    ReadError::new(
        name,
        None,
        format!("larger than the limit of {MAX_INPUT_BYTES} bytes"),
    )
}

/// Decompresses an `.xz` stream into memory, refusing output past [`MAX_INPUT_BYTES`].
fn unxz(raw: &[u8], name: &str) -> Result<Vec<u8>, ReadError> {
    /// A `Vec` writer that fails once it would grow past the limit.
    struct Bounded(Vec<u8>);
    impl Write for Bounded {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            if (self.0.len() + buf.len()) as u64 > MAX_INPUT_BYTES {
                return Err(io::Error::other("decompressed size over the limit"));
            }
            self.0.extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }
    let mut out = Bounded(Vec::new());
    let mut input = io::BufReader::new(raw);
    match lzma_rs::xz_decompress(&mut input, &mut out) {
        Ok(()) => Ok(out.0),
        Err(_) if out.0.len() as u64 + 1 > MAX_INPUT_BYTES => Err(too_large(name)),
        Err(e) => Err(ReadError::new(
            name,
            None,
            format!("cannot decompress xz data: {e}"),
        )),
    }
}

/// Parses a finite weight, with the message every text reader uses.
fn parse_weight(field: &str) -> Result<f64, String> {
    let w: f64 = field
        .trim()
        .parse()
        .map_err(|_| format!("weight {field:?} is not a number"))?;
    if w.is_finite() {
        Ok(w)
    } else {
        Err(format!("weight {w} is not a finite number"))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn formats_follow_suffixes() {
        let f = |s: &str| Format::from_path(Path::new(s));
        assert_eq!(f("a/b.input"), Some(Format::Trimble));
        assert_eq!(f("b.json.xz"), Some(Format::KepJson));
        assert_eq!(f("B.JSON"), Some(Format::KepJson));
        assert_eq!(f("b.xml"), Some(Format::KepXml));
        assert_eq!(f("b.yaml"), Some(Format::KepYaml));
        assert_eq!(f("b.wmd"), Some(Format::Wmd));
        assert_eq!(f("b.ndds"), None);
        assert_eq!(f("b.txt"), None);
        assert_eq!(f("xz"), None);
    }

    #[test]
    fn ndds_sibling() {
        let s = |p: &str| sibling_ndds(Path::new(p));
        assert_eq!(s("d/x.input"), Some(PathBuf::from("d/x.ndds")));
        assert_eq!(s("x.input.xz"), Some(PathBuf::from("x.ndds.xz")));
    }

    #[test]
    fn errors_are_one_line() {
        let e = ReadError::new("f.json", Some(3), "a\nb\r\nc");
        assert_eq!(e.to_string(), "f.json:3: a b c");
        assert_eq!(ReadError::new("f", None, "x").to_string(), "f: x");
    }

    #[test]
    fn weights_must_be_finite_numbers() {
        assert_eq!(parse_weight(" 2.5"), Ok(2.5));
        assert!(parse_weight("x").unwrap_err().contains("not a number"));
        assert!(parse_weight("NaN").unwrap_err().contains("not a finite"));
        assert!(parse_weight("inf").unwrap_err().contains("not a finite"));
    }
}
