//! The keys an auditor trusts, pinned ahead of the audit and never taken from the hub it audits:
//! a trust file in the style of a Sigsum policy, one key per line.
//!
//! ```text
//! # the hub (`rex hub vkeys --data DIR` prints these two lines)
//! checkpoint rex-hub/0c1f2e3d+8a4b2c1d+AQ...
//! statements rex-hub/0c1f2e3d/statements+51e0a7f2+AQ...
//! # one line per state whose cosignature is required (`rex node export-keys --vkey`)
//! witness US+3f2a9b10+BA...
//! witness RU+77c0d1e2+BA...
//! quorum 2
//! ```
//!
//! Every key is a C2SP note verifier key (vkey), `<name>+<key id>+<base64(type || key)>`:
//!
//! - `checkpoint`: the hub's checkpoint key, an Ed25519 note key (type `0x01`) named by the
//!   log's origin;
//! - `statements`: the hub's statement key (it signs `party_registered`, `matching_round`, `go`,
//!   …), written as an Ed25519 note key named `<origin>/statements`, so that the line says
//!   which log it belongs to;
//! - `witness`: a state's cosignature key (type `0x04`, c2sp.org/tlog-cosignature), named by its
//!   party code;
//! - `quorum k`: how many of the witnesses must have cosigned the checkpoint; every listed
//!   witness when absent.
//!
//! Blank lines and everything after a `#` are ignored. Each error names its line.

use std::collections::HashMap;
use std::path::Path;

use rex_domain::{PartyId, PublicKeyFile};
use rex_tlog::{NoteVerifier, SignatureKind, VerifyingKey};

use crate::Error;

/// What follows the origin in the name of the statement key's vkey.
pub const STATEMENTS_SUFFIX: &str = "/statements";

/// Largest trust file [`Trust::read`] reads: far more than a line per state of the world.
pub const MAX_TRUST_FILE: u64 = 1 << 20;

/// The pinned keys of one audit: the hub's two keys, the witnesses and their quorum.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trust {
    checkpoint: NoteVerifier,
    statements: NoteVerifier,
    /// Each witness's party (its key's name) and key.
    witnesses: Vec<(PartyId, NoteVerifier)>,
    /// `None`: every witness.
    quorum: Option<usize>,
}

/// The vkey of the hub's statement key for the log `origin`, as a trust file writes it.
pub fn statements_vkey(origin: &str, key: VerifyingKey) -> Result<NoteVerifier, Error> {
    NoteVerifier::new(
        &format!("{origin}{STATEMENTS_SUFFIX}"),
        SignatureKind::Ed25519,
        key,
    )
    .map_err(|e| Error::Local(format!("the hub's statement key: {e}")))
}

/// The cosignature vkey of the state whose public key file is `keys`: its node cosigns
/// checkpoints with its statement key, under its party code.
pub fn witness_vkey(keys: &PublicKeyFile) -> Result<NoteVerifier, Error> {
    NoteVerifier::new(
        keys.party().as_str(),
        SignatureKind::CosignatureV1,
        *keys.signing_key(),
    )
    .map_err(|e| Error::Local(format!("{}'s cosignature key: {e}", keys.party())))
}

/// The two `checkpoint` and `statements` lines of a trust file for a hub with these keys.
pub fn hub_lines(checkpoint: &NoteVerifier, statements: VerifyingKey) -> Result<String, Error> {
    let statements = statements_vkey(checkpoint.name(), statements)?;
    Ok(format!(
        "checkpoint {checkpoint}\nstatements {statements}\n"
    ))
}

fn check_checkpoint(key: &NoteVerifier) -> Result<(), String> {
    if key.kind() != SignatureKind::Ed25519 {
        return Err(format!(
            "checkpoint key {key} is a cosignature key; the hub's checkpoint key is an Ed25519 \
             note key (type 0x01), as `rex hub vkeys` prints it"
        ));
    }
    Ok(())
}

fn check_statements(key: &NoteVerifier, origin: &str) -> Result<(), String> {
    if key.kind() != SignatureKind::Ed25519 {
        return Err(format!(
            "statements key {key} is a cosignature key; the hub's statement key is an Ed25519 \
             note key (type 0x01), as `rex hub vkeys` prints it"
        ));
    }
    let expected = format!("{origin}{STATEMENTS_SUFFIX}");
    if key.name() != expected {
        return Err(format!(
            "the statements key is named {:?}; for the log {origin:?} it must be named {expected:?}",
            key.name()
        ));
    }
    Ok(())
}

fn check_witness(key: &NoteVerifier) -> Result<PartyId, String> {
    if key.kind() != SignatureKind::CosignatureV1 {
        return Err(format!(
            "witness key {key} is not a cosignature/v1 key (type 0x04), as `rex node export-keys \
             --vkey` prints it"
        ));
    }
    PartyId::new(key.name()).map_err(|_| {
        format!(
            "witness key named {:?}: a witness is named by its party code (two capital letters)",
            key.name()
        )
    })
}

fn check_quorum(quorum: usize, witnesses: usize) -> Result<(), String> {
    if quorum > witnesses {
        return Err(format!(
            "quorum {quorum} needs at least {quorum} witnesses, {witnesses} listed"
        ));
    }
    Ok(())
}

/// A vkey given as the value of the command-line flag `--name`.
fn flag(name: &str, s: &str) -> Result<NoteVerifier, Error> {
    s.parse()
        .map_err(|e| Error::Input(format!("--{name} {s:?} is not a vkey: {e}")))
}

fn parse_vkey(what: &str, s: &str) -> Result<NoteVerifier, String> {
    s.parse()
        .map_err(|e| format!("{what} key {s:?} is not a vkey: {e}"))
}

impl Trust {
    /// Pins these keys; `quorum` defaults to every witness. Refuses a key of the wrong type, a
    /// statement key not named `<origin>/statements`, a witness not named by a party code or
    /// listed twice, and a quorum larger than the witnesses.
    pub fn new(
        checkpoint: NoteVerifier,
        statements: NoteVerifier,
        witnesses: Vec<NoteVerifier>,
        quorum: Option<usize>,
    ) -> Result<Trust, Error> {
        check_checkpoint(&checkpoint).map_err(Error::Input)?;
        check_statements(&statements, checkpoint.name()).map_err(Error::Input)?;
        let mut named: Vec<(PartyId, NoteVerifier)> = Vec::with_capacity(witnesses.len());
        for w in witnesses {
            let party = check_witness(&w).map_err(Error::Input)?;
            if named.iter().any(|(p, _)| *p == party) {
                return Err(Error::Input(format!("witness {party} is listed twice")));
            }
            named.push((party, w));
        }
        let witnesses = named;
        if let Some(k) = quorum {
            check_quorum(k, witnesses.len()).map_err(Error::Input)?;
        }
        Ok(Trust {
            checkpoint,
            statements,
            witnesses,
            quorum,
        })
    }

    /// [`Trust::new`] from vkeys as given on a command line; each error names its flag.
    pub fn from_flags(
        checkpoint: &str,
        statements: &str,
        witnesses: &[String],
        quorum: Option<usize>,
    ) -> Result<Trust, Error> {
        let witnesses = witnesses
            .iter()
            .map(|w| flag("witness", w))
            .collect::<Result<Vec<_>, _>>()?;
        Trust::new(
            flag("checkpoint-key", checkpoint)?,
            flag("statements-key", statements)?,
            witnesses,
            quorum,
        )
    }

    /// Parses a trust file (see the module's note). Each error is one line naming the line of
    /// the file at fault.
    pub fn parse(text: &str) -> Result<Trust, Error> {
        let mut checkpoint: Option<(usize, NoteVerifier)> = None;
        let mut statements: Option<(usize, NoteVerifier)> = None;
        let mut quorum: Option<(usize, usize)> = None;
        let mut witnesses: Vec<NoteVerifier> = Vec::new();
        let mut witness_lines: HashMap<PartyId, usize> = HashMap::new();
        for (i, line) in text.lines().enumerate() {
            let n = i + 1;
            let at = |message: String| Error::Input(format!("line {n}: {message}"));
            let line = line.split_once('#').map_or(line, |(before, _)| before);
            let mut words = line.split_whitespace();
            let Some(keyword) = words.next() else {
                continue;
            };
            let (Some(value), None) = (words.next(), words.next()) else {
                return Err(at(format!("`{keyword}` takes exactly one value")));
            };
            let twice =
                |first: usize| at(format!("a second `{keyword}` line (first on line {first})"));
            match keyword {
                "checkpoint" => {
                    if let Some((first, _)) = checkpoint {
                        return Err(twice(first));
                    }
                    let key = parse_vkey("checkpoint", value).map_err(at)?;
                    check_checkpoint(&key).map_err(at)?;
                    checkpoint = Some((n, key));
                }
                "statements" => {
                    if let Some((first, _)) = statements {
                        return Err(twice(first));
                    }
                    statements = Some((n, parse_vkey("statements", value).map_err(at)?));
                }
                "witness" => {
                    let key = parse_vkey("witness", value).map_err(at)?;
                    let party = check_witness(&key).map_err(at)?;
                    if let Some(first) = witness_lines.insert(party, n) {
                        return Err(at(format!(
                            "witness {party} is listed twice (first on line {first})"
                        )));
                    }
                    witnesses.push(key);
                }
                "quorum" => {
                    if let Some((first, _)) = quorum {
                        return Err(twice(first));
                    }
                    let k = value.parse::<usize>().map_err(|_| {
                        at(format!("quorum {value:?} is not a number of witnesses"))
                    })?;
                    quorum = Some((n, k));
                }
                other => {
                    return Err(at(format!(
                        "unknown keyword {other:?} (a line is `checkpoint`, `statements`, \
                         `witness` or `quorum`, then one value)"
                    )))
                }
            }
        }
        let Some((_, checkpoint)) = checkpoint else {
            return Err(Error::Input(
                "no `checkpoint` line: pin the hub's checkpoint key (`rex hub vkeys --data DIR` \
                 prints it)"
                    .into(),
            ));
        };
        let Some((statements_line, statements)) = statements else {
            return Err(Error::Input(
                "no `statements` line: pin the hub's statement key (`rex hub vkeys --data DIR` \
                 prints it)"
                    .into(),
            ));
        };
        check_statements(&statements, checkpoint.name())
            .map_err(|e| Error::Input(format!("line {statements_line}: {e}")))?;
        if let Some((line, k)) = quorum {
            check_quorum(k, witnesses.len())
                .map_err(|e| Error::Input(format!("line {line}: {e}")))?;
        }
        Trust::new(checkpoint, statements, witnesses, quorum.map(|(_, k)| k))
    }

    /// Reads and parses the trust file at `path`; errors name the file.
    pub fn read(path: &Path) -> Result<Trust, Error> {
        let named = |e: String| Error::Input(format!("{}: {e}", path.display()));
        let file = std::fs::File::open(path).map_err(|e| named(e.to_string()))?;
        let mut text = String::new();
        use std::io::Read as _;
        file.take(MAX_TRUST_FILE + 1)
            .read_to_string(&mut text)
            .map_err(|e| named(e.to_string()))?;
        if text.len() as u64 > MAX_TRUST_FILE {
            return Err(named(format!(
                "larger than {MAX_TRUST_FILE} bytes; a trust file has a line per key"
            )));
        }
        Trust::parse(&text).map_err(|e| named(e.to_string()))
    }

    /// This trust with more witnesses and, if given, another quorum: the command line's
    /// `--witness VKEY` and `--quorum K` on top of a trust file. Without `quorum`, the file's
    /// quorum stays, or, if it set none, every witness (the added ones too) is required.
    pub fn with(self, witnesses: &[String], quorum: Option<usize>) -> Result<Trust, Error> {
        let mut all: Vec<NoteVerifier> = self.witnesses.into_iter().map(|(_, k)| k).collect();
        for w in witnesses {
            all.push(flag("witness", w)?);
        }
        Trust::new(
            self.checkpoint,
            self.statements,
            all,
            quorum.or(self.quorum),
        )
    }

    /// The log's origin: the checkpoint key's name.
    pub fn origin(&self) -> &str {
        self.checkpoint.name()
    }

    /// The hub's checkpoint key.
    pub fn checkpoint_key(&self) -> &NoteVerifier {
        &self.checkpoint
    }

    /// The hub's statement key, as a vkey named `<origin>/statements`.
    pub fn statements_vkey(&self) -> &NoteVerifier {
        &self.statements
    }

    /// The hub's statement key.
    pub fn statements_key(&self) -> VerifyingKey {
        *self.statements.key()
    }

    /// The witnesses (party, cosignature key), in the order listed.
    pub fn witnesses(&self) -> &[(PartyId, NoteVerifier)] {
        &self.witnesses
    }

    /// How many witnesses must have cosigned.
    pub fn quorum(&self) -> usize {
        self.quorum.unwrap_or(self.witnesses.len())
    }

    /// The trust file of these keys, which [`Trust::parse`] reads back.
    pub fn to_text(&self) -> String {
        let mut out = format!(
            "checkpoint {}\nstatements {}\n",
            self.checkpoint, self.statements
        );
        for (_, w) in &self.witnesses {
            out.push_str(&format!("witness {w}\n"));
        }
        if let Some(k) = self.quorum {
            out.push_str(&format!("quorum {k}\n"));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ed25519_dalek::SigningKey;

    const ORIGIN: &str = "rex-hub/0c1f2e3d";

    fn key(n: u8) -> VerifyingKey {
        SigningKey::from_bytes(&[n; 32]).verifying_key()
    }

    fn checkpoint() -> NoteVerifier {
        NoteVerifier::new(ORIGIN, SignatureKind::Ed25519, key(1)).unwrap()
    }

    fn witness(code: &str, n: u8) -> NoteVerifier {
        NoteVerifier::new(code, SignatureKind::CosignatureV1, key(n)).unwrap()
    }

    fn hub() -> String {
        hub_lines(&checkpoint(), key(2)).unwrap()
    }

    /// The error of parsing `text`, which must fail.
    fn error(text: &str) -> String {
        match Trust::parse(text) {
            Err(Error::Input(m)) => m,
            other => panic!("expected a parse error for {text:?}, got {other:?}"),
        }
    }

    #[test]
    fn a_trust_file_parses_and_writes_back() {
        let text = format!(
            "# the hub\n\n{}  witness {}   # the US\nwitness {}\nquorum 1\n",
            hub(),
            witness("US", 3),
            witness("RU", 4)
        );
        let trust = Trust::parse(&text).unwrap();
        assert_eq!(trust.origin(), ORIGIN);
        assert_eq!(trust.checkpoint_key(), &checkpoint());
        assert_eq!(trust.statements_key(), key(2));
        assert_eq!(
            trust.statements_vkey().name(),
            format!("{ORIGIN}/statements")
        );
        let parties: Vec<String> = trust
            .witnesses()
            .iter()
            .map(|(p, _)| p.to_string())
            .collect();
        assert_eq!(parties, ["US", "RU"]);
        assert_eq!(trust.quorum(), 1);
        assert_eq!(Trust::parse(&trust.to_text()).unwrap(), trust);
    }

    #[test]
    fn the_quorum_defaults_to_every_witness() {
        let trust = Trust::parse(&format!("{}witness {}\n", hub(), witness("US", 3))).unwrap();
        assert_eq!(trust.quorum(), 1);
        let more = trust.with(&[witness("RU", 4).to_string()], None).unwrap();
        assert_eq!(more.quorum(), 2, "the added witness is required too");
        let set = Trust::parse(&format!(
            "{}witness {}\nquorum 1\n",
            hub(),
            witness("US", 3)
        ))
        .unwrap()
        .with(&[witness("RU", 4).to_string()], None)
        .unwrap();
        assert_eq!(set.quorum(), 1, "the file's quorum stays");
        assert_eq!(Trust::parse(&hub()).unwrap().quorum(), 0);
    }

    #[test]
    fn each_error_names_its_line() {
        let us = witness("US", 3);
        let cases: Vec<(String, &str)> = vec![
            (
                format!("{}witnes {us}\n", hub()),
                "line 3: unknown keyword \"witnes\"",
            ),
            (
                format!("checkpoint {} extra\n", checkpoint()),
                "line 1: `checkpoint` takes exactly one value",
            ),
            (
                "witness\n".into(),
                "line 1: `witness` takes exactly one value",
            ),
            (
                "checkpoint rex-hub+nothex+AQ\n".into(),
                "line 1: checkpoint key \"rex-hub+nothex+AQ\" is not a vkey",
            ),
            (
                format!("checkpoint {}\n", witness("US", 1)),
                "line 1: checkpoint key US+",
            ),
            (
                format!(
                    "checkpoint {}\nstatements {}\n",
                    checkpoint(),
                    NoteVerifier::new("other/statements", SignatureKind::Ed25519, key(2)).unwrap()
                ),
                "line 2: the statements key is named \"other/statements\"; for the log \
                 \"rex-hub/0c1f2e3d\" it must be named \"rex-hub/0c1f2e3d/statements\"",
            ),
            (
                format!(
                    "{}witness {}\n",
                    hub(),
                    NoteVerifier::new("US", SignatureKind::Ed25519, key(3)).unwrap()
                ),
                "line 3: witness key US+",
            ),
            (
                format!("{}witness {}\n", hub(), witness("usa", 3)),
                "line 3: witness key named \"usa\": a witness is named by its party code",
            ),
            (
                format!("{}witness {us}\n\nwitness {}\n", hub(), witness("US", 4)),
                "line 5: witness US is listed twice (first on line 3)",
            ),
            (
                format!("{}checkpoint {}\n", hub(), checkpoint()),
                "line 3: a second `checkpoint` line (first on line 1)",
            ),
            (
                format!("{}quorum two\n", hub()),
                "line 3: quorum \"two\" is not a number of witnesses",
            ),
            (
                format!("{}quorum -1\n", hub()),
                "line 3: quorum \"-1\" is not a number of witnesses",
            ),
            (
                format!("{}witness {us}\nquorum 2\n", hub()),
                "line 4: quorum 2 needs at least 2 witnesses, 1 listed",
            ),
            (
                format!("{}quorum 1\nquorum 1\n", hub()),
                "line 4: a second `quorum` line (first on line 3)",
            ),
            (
                format!("statements {}\n", statements_vkey(ORIGIN, key(2)).unwrap()),
                "no `checkpoint` line: pin the hub's checkpoint key",
            ),
            (
                format!("checkpoint {}\n", checkpoint()),
                "no `statements` line: pin the hub's statement key",
            ),
            (String::new(), "no `checkpoint` line"),
        ];
        for (text, says) in cases {
            let message = error(&text);
            assert!(
                message.starts_with(says),
                "{text:?}: {message:?} does not start with {says:?}"
            );
            assert!(!message.contains('\n'), "{message:?} is one line");
        }
        assert!(
            error(&format!("checkpoint {}\n", witness("US", 1))).contains("is a cosignature key")
        );
        assert!(error(&format!(
            "{}witness {}\n",
            hub(),
            NoteVerifier::new("US", SignatureKind::Ed25519, key(3)).unwrap()
        ))
        .contains("is not a cosignature/v1 key"));
    }

    #[test]
    fn flags_are_checked_like_the_file() {
        let statements = statements_vkey(ORIGIN, key(2)).unwrap().to_string();
        let trust = Trust::from_flags(
            &checkpoint().to_string(),
            &statements,
            &[witness("US", 3).to_string(), witness("RU", 4).to_string()],
            Some(1),
        )
        .unwrap();
        assert_eq!(trust.quorum(), 1);
        assert_eq!(trust.witnesses().len(), 2);
        let err = |r: Result<Trust, Error>| match r {
            Err(Error::Input(m)) => m,
            other => panic!("expected bad input, got {other:?}"),
        };
        let m = err(Trust::from_flags("nope", &statements, &[], None));
        assert!(
            m.starts_with("--checkpoint-key \"nope\" is not a vkey"),
            "{m}"
        );
        let m = err(Trust::from_flags(
            &checkpoint().to_string(),
            &statements,
            &["US+1".into()],
            None,
        ));
        assert!(m.starts_with("--witness \"US+1\" is not a vkey"), "{m}");
        let m = err(Trust::from_flags(
            &checkpoint().to_string(),
            &statements,
            &[witness("US", 3).to_string()],
            Some(2),
        ));
        assert_eq!(m, "quorum 2 needs at least 2 witnesses, 1 listed");
        let m = err(Trust::from_flags(
            &checkpoint().to_string(),
            &statements,
            &[witness("US", 3).to_string(), witness("US", 4).to_string()],
            None,
        ));
        assert_eq!(m, "witness US is listed twice");
    }

    #[test]
    fn a_missing_or_huge_file_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("missing.trust");
        let Err(Error::Input(m)) = Trust::read(&missing) else {
            panic!("a missing file read");
        };
        assert!(m.starts_with(&format!("{}: ", missing.display())), "{m}");
        let bad = dir.path().join("bad.trust");
        std::fs::write(&bad, "quorum 1 1\n").unwrap();
        let Err(Error::Input(m)) = Trust::read(&bad) else {
            panic!("a bad file read");
        };
        assert_eq!(
            m,
            format!(
                "{}: line 1: `quorum` takes exactly one value",
                bad.display()
            )
        );
        let huge = dir.path().join("huge.trust");
        std::fs::write(&huge, "#".repeat(MAX_TRUST_FILE as usize + 1)).unwrap();
        let Err(Error::Input(m)) = Trust::read(&huge) else {
            panic!("a huge file read");
        };
        assert!(m.contains("larger than"), "{m}");
    }
}
