//! C2SP signed notes (c2sp.org/signed-note): keys, signature lines, signing and verification.
//!
//! Two signature types are supported, and only two, as the spec advises: Ed25519 (type `0x01`),
//! which the hub uses to sign checkpoints, and timestamped Ed25519 cosignatures (type `0x04`,
//! c2sp.org/tlog-cosignature), which nodes use to witness them. Signatures of any other type
//! are kept when parsing (they belong to other parties) and ignored when verifying.

use std::fmt;
use std::str::FromStr;

use base64::prelude::{Engine as _, BASE64_STANDARD};
use ed25519_dalek::{Signature, Signer as _, SigningKey, VerifyingKey};
use sha2::{Digest, Sha256};

use crate::Error;

/// Signature type byte of plain Ed25519 note signatures.
pub const ALG_ED25519: u8 = 0x01;
/// Signature type byte of Ed25519 cosignature/v1 (c2sp.org/tlog-cosignature).
pub const ALG_COSIGNATURE_V1: u8 = 0x04;

/// Most signature lines a note may carry. The spec asks for at least 16; a checkpoint of the
/// rex hub carries the hub's signature plus one cosignature per member state, so we allow far
/// more than the world has states.
pub const MAX_SIGNATURES: usize = 512;

/// Largest note accepted by [`SignedNote::parse`], in bytes.
pub const MAX_NOTE_LEN: usize = 1 << 20;

const EM_DASH_SPACE: &str = "\u{2014} ";

/// Which of the two supported signature algorithms a key uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SignatureKind {
    /// Ed25519 over the note text (type `0x01`).
    Ed25519,
    /// Ed25519 over `cosignature/v1\ntime <t>\n` and the note text, with the time `t` in the
    /// signature (type `0x04`).
    CosignatureV1,
}

impl SignatureKind {
    /// The signature type byte, used in key ids and verifier keys.
    pub fn alg(self) -> u8 {
        match self {
            SignatureKind::Ed25519 => ALG_ED25519,
            SignatureKind::CosignatureV1 => ALG_COSIGNATURE_V1,
        }
    }

    fn from_alg(alg: u8) -> Option<SignatureKind> {
        match alg {
            ALG_ED25519 => Some(SignatureKind::Ed25519),
            ALG_COSIGNATURE_V1 => Some(SignatureKind::CosignatureV1),
            _ => None,
        }
    }
}

/// Checks a key name: non-empty, with no Unicode space, no `+` and no control character.
pub fn check_key_name(name: &str) -> Result<(), Error> {
    if name.is_empty() {
        return Err(Error::MalformedKey("empty key name"));
    }
    if name
        .chars()
        .any(|c| c.is_whitespace() || c == '+' || c.is_control())
    {
        return Err(Error::MalformedKey(
            "key name contains a space, a plus or a control character",
        ));
    }
    Ok(())
}

/// The key id of a key: the first four bytes, big-endian, of
/// `SHA-256(name || 0x0A || type || public key)`.
pub fn key_id(name: &str, kind: SignatureKind, key: &VerifyingKey) -> u32 {
    let digest = Sha256::new()
        .chain_update(name.as_bytes())
        .chain_update([b'\n', kind.alg()])
        .chain_update(key.as_bytes())
        .finalize();
    u32::from_be_bytes([digest[0], digest[1], digest[2], digest[3]])
}

/// Checks note text: non-empty, ends in a newline, no ASCII control character but newline.
pub(crate) fn check_text(text: &str) -> Result<(), Error> {
    if !text.ends_with('\n') {
        return Err(Error::MalformedNote("text does not end in a newline"));
    }
    if text.chars().any(|c| c < ' ' && c != '\n') {
        return Err(Error::MalformedNote("text contains a control character"));
    }
    Ok(())
}

/// The message an Ed25519 cosignature/v1 signs.
pub(crate) fn cosignature_message(timestamp: u64, text: &str) -> Vec<u8> {
    format!("cosignature/v1\ntime {timestamp}\n{text}").into_bytes()
}

/// Cosignature timestamps may not exceed 2^63 - 1.
pub(crate) fn check_timestamp(timestamp: u64) -> Result<(), Error> {
    if timestamp > i64::MAX as u64 {
        return Err(Error::TimestampOutOfRange(timestamp));
    }
    Ok(())
}

/// A public key that checks note signatures: a name, a key id, a type and an Ed25519 key.
///
/// Written as a C2SP verifier key (vkey): `<name>+<key id, 8 hex digits>+<base64(type ||
/// public key)>`, via [`fmt::Display`] and [`FromStr`].
#[derive(Clone, PartialEq, Eq)]
pub struct NoteVerifier {
    name: String,
    key_id: u32,
    kind: SignatureKind,
    key: VerifyingKey,
}

impl NoteVerifier {
    /// A verifier for `key` under `name`. Refuses weak (small-order) keys, which would let
    /// signatures verify for many messages.
    pub fn new(name: &str, kind: SignatureKind, key: VerifyingKey) -> Result<Self, Error> {
        check_key_name(name)?;
        if key.is_weak() {
            return Err(Error::MalformedKey("weak public key"));
        }
        Ok(NoteVerifier {
            name: name.to_owned(),
            key_id: key_id(name, kind, &key),
            kind,
            key,
        })
    }

    /// The key name, as it appears in signature lines.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The key id, as it appears in signatures.
    pub fn key_id(&self) -> u32 {
        self.key_id
    }

    /// The signature type.
    pub fn kind(&self) -> SignatureKind {
        self.kind
    }

    /// The Ed25519 public key.
    pub fn key(&self) -> &VerifyingKey {
        &self.key
    }

    /// Checks one signature (without its key id) over `text`. Returns the cosignature timestamp
    /// for a cosignature/v1 key.
    fn verify(&self, text: &str, signature: &[u8]) -> Result<Option<u64>, Error> {
        let bad = || Error::InvalidSignature(self.name.clone());
        let (timestamp, sig, message) = match self.kind {
            SignatureKind::Ed25519 => (None, signature, text.as_bytes().to_vec()),
            SignatureKind::CosignatureV1 => {
                let (ts, sig) = signature.split_first_chunk::<8>().ok_or_else(bad)?;
                let ts = u64::from_be_bytes(*ts);
                check_timestamp(ts)?;
                (Some(ts), sig, cosignature_message(ts, text))
            }
        };
        let sig: [u8; 64] = sig.try_into().map_err(|_| bad())?;
        self.key
            .verify_strict(&message, &Signature::from_bytes(&sig))
            .map_err(|_| bad())?;
        Ok(timestamp)
    }
}

impl fmt::Display for NoteVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut data = vec![self.kind.alg()];
        data.extend_from_slice(self.key.as_bytes());
        write!(
            f,
            "{}+{:08x}+{}",
            self.name,
            self.key_id,
            BASE64_STANDARD.encode(data)
        )
    }
}

impl fmt::Debug for NoteVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "NoteVerifier({self})")
    }
}

/// Parses the `<key id>` element of a key: exactly eight hexadecimal digits.
fn parse_key_id(s: &str) -> Result<u32, Error> {
    if s.len() != 8 || !s.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(Error::MalformedKey("key id is not 8 hex digits"));
    }
    u32::from_str_radix(s, 16).map_err(|_| Error::MalformedKey("key id is not 8 hex digits"))
}

/// Splits `<name>+<id>+<base64(type || key)>` and decodes its parts.
fn split_key(s: &str) -> Result<(&str, u32, u8, [u8; 32]), Error> {
    // The name holds no '+', the id no '+'; base64 may, so split into three at most.
    let mut parts = s.splitn(3, '+');
    let (Some(name), Some(id), Some(data)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(Error::MalformedKey("key is not name+id+data"));
    };
    check_key_name(name)?;
    let id = parse_key_id(id)?;
    let data = BASE64_STANDARD
        .decode(data)
        .map_err(|_| Error::MalformedKey("key data is not base64"))?;
    let Some((&alg, key)) = data.split_first() else {
        return Err(Error::MalformedKey("empty key data"));
    };
    let key: [u8; 32] = key
        .try_into()
        .map_err(|_| Error::MalformedKey("key is not 32 bytes"))?;
    Ok((name, id, alg, key))
}

impl FromStr for NoteVerifier {
    type Err = Error;

    /// Parses a vkey and checks that its key id matches its name, type and key.
    fn from_str(s: &str) -> Result<Self, Error> {
        let (name, id, alg, key) = split_key(s)?;
        let kind = SignatureKind::from_alg(alg)
            .ok_or(Error::MalformedKey("unsupported signature type"))?;
        let key = VerifyingKey::from_bytes(&key)
            .map_err(|_| Error::MalformedKey("not an Ed25519 public key"))?;
        let verifier = NoteVerifier::new(name, kind, key)?;
        if verifier.key_id != id {
            return Err(Error::MalformedKey("key id does not match the key"));
        }
        Ok(verifier)
    }
}

/// Parses a C2SP signer key, `PRIVATE+KEY+<name>+<id>+<base64(0x01 || seed)>`, as written by
/// the Go `note` package. The same key format serves log signers and cosigners.
fn parse_skey(s: &str) -> Result<(String, SigningKey), Error> {
    let rest = s.strip_prefix("PRIVATE+KEY+").ok_or(Error::MalformedKey(
        "signer key does not start with PRIVATE+KEY+",
    ))?;
    let (name, id, alg, seed) = split_key(rest)?;
    if alg != ALG_ED25519 {
        return Err(Error::MalformedKey("signer key is not Ed25519"));
    }
    let key = SigningKey::from_bytes(&seed);
    if key_id(name, SignatureKind::Ed25519, &key.verifying_key()) != id {
        return Err(Error::MalformedKey("key id does not match the key"));
    }
    Ok((name.to_owned(), key))
}

fn format_skey(name: &str, key: &SigningKey) -> String {
    let mut data = vec![ALG_ED25519];
    data.extend_from_slice(key.as_bytes());
    format!(
        "PRIVATE+KEY+{name}+{:08x}+{}",
        key_id(name, SignatureKind::Ed25519, &key.verifying_key()),
        BASE64_STANDARD.encode(data)
    )
}

/// A private key that signs notes with plain Ed25519 (type `0x01`): the hub's checkpoint key.
pub struct NoteSigner {
    name: String,
    key: SigningKey,
    verifier: NoteVerifier,
}

impl NoteSigner {
    /// A signer named `name`, usually the log's origin.
    pub fn new(name: &str, key: SigningKey) -> Result<Self, Error> {
        let verifier = NoteVerifier::new(name, SignatureKind::Ed25519, key.verifying_key())?;
        Ok(NoteSigner {
            name: name.to_owned(),
            key,
            verifier,
        })
    }

    /// Parses a signer key (`PRIVATE+KEY+...`).
    pub fn from_skey(skey: &str) -> Result<Self, Error> {
        let (name, key) = parse_skey(skey)?;
        NoteSigner::new(&name, key)
    }

    /// The signer key, `PRIVATE+KEY+<name>+<id>+<base64(0x01 || seed)>`. It is a secret.
    pub fn to_skey(&self) -> String {
        format_skey(&self.name, &self.key)
    }

    /// The key name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The matching verifier, to publish as a vkey.
    pub fn verifier(&self) -> &NoteVerifier {
        &self.verifier
    }

    /// Signs note text.
    pub fn sign(&self, text: &str) -> Result<NoteSignature, Error> {
        check_text(text)?;
        let sig = self.key.sign(text.as_bytes());
        Ok(NoteSignature::new(
            &self.name,
            self.verifier.key_id,
            sig.to_bytes().to_vec(),
        ))
    }
}

impl fmt::Debug for NoteSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never print the private key.
        write!(f, "NoteSigner({})", self.verifier)
    }
}

/// One signature line of a note: `— <name> base64(key id || signature)`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NoteSignature {
    name: String,
    key_id: u32,
    signature: Vec<u8>,
}

impl NoteSignature {
    pub(crate) fn new(name: &str, key_id: u32, signature: Vec<u8>) -> Self {
        NoteSignature {
            name: name.to_owned(),
            key_id,
            signature,
        }
    }

    /// The signer's key name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The signer's key id.
    pub fn key_id(&self) -> u32 {
        self.key_id
    }

    /// The signature bytes after the key id.
    pub fn signature(&self) -> &[u8] {
        &self.signature
    }

    /// The line, without its final newline.
    pub fn to_line(&self) -> String {
        let mut data = self.key_id.to_be_bytes().to_vec();
        data.extend_from_slice(&self.signature);
        format!(
            "{EM_DASH_SPACE}{} {}",
            self.name,
            BASE64_STANDARD.encode(data)
        )
    }

    /// Parses one line, without its final newline.
    pub fn parse_line(line: &str) -> Result<Self, Error> {
        let rest = line
            .strip_prefix(EM_DASH_SPACE)
            .ok_or(Error::MalformedNote(
                "signature line does not start with an em dash",
            ))?;
        let (name, data) = rest
            .split_once(' ')
            .ok_or(Error::MalformedNote("signature line has no space"))?;
        check_key_name(name)?;
        let data = BASE64_STANDARD
            .decode(data)
            .map_err(|_| Error::MalformedNote("signature is not base64"))?;
        let Some((id, signature)) = data.split_first_chunk::<4>() else {
            return Err(Error::MalformedNote("signature too short"));
        };
        if signature.is_empty() {
            return Err(Error::MalformedNote("signature too short"));
        }
        Ok(NoteSignature::new(
            name,
            u32::from_be_bytes(*id),
            signature.to_vec(),
        ))
    }
}

/// A signature that verified, as returned by [`SignedNote::verify`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifiedSignature {
    /// The signer's key name.
    pub name: String,
    /// The signer's key id.
    pub key_id: u32,
    /// The signature type.
    pub kind: SignatureKind,
    /// The cosignature time (POSIX seconds) for a cosignature/v1, else `None`.
    pub timestamp: Option<u64>,
}

/// Note text followed by signature lines (c2sp.org/signed-note).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignedNote {
    text: String,
    signatures: Vec<NoteSignature>,
}

impl SignedNote {
    /// A note with `text` and no signature yet. The text must end in a newline.
    pub fn new(text: &str) -> Result<Self, Error> {
        check_text(text)?;
        Ok(SignedNote {
            text: text.to_owned(),
            signatures: Vec::new(),
        })
    }

    /// The signed text, final newline included.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The signature lines, in order.
    pub fn signatures(&self) -> &[NoteSignature] {
        &self.signatures
    }

    /// Adds a signature line, as the hub does with each cosignature it receives. A line with the
    /// same key name and id as one already present replaces it, so a newer cosignature by the
    /// same node supersedes the older.
    pub fn add_signature(&mut self, signature: NoteSignature) -> Result<(), Error> {
        if let Some(old) = self
            .signatures
            .iter_mut()
            .find(|s| s.name == signature.name && s.key_id == signature.key_id)
        {
            *old = signature;
            return Ok(());
        }
        if self.signatures.len() >= MAX_SIGNATURES {
            return Err(Error::MalformedNote("too many signatures"));
        }
        self.signatures.push(signature);
        Ok(())
    }

    /// Parses a signed note. Does not verify it: see [`SignedNote::verify`].
    pub fn parse(note: &str) -> Result<Self, Error> {
        if note.len() > MAX_NOTE_LEN {
            return Err(Error::MalformedNote("note too long"));
        }
        if note.chars().any(|c| c < ' ' && c != '\n') {
            return Err(Error::MalformedNote("note contains a control character"));
        }
        // The text ends at the last blank line; signature lines contain none.
        let split = note
            .rfind("\n\n")
            .ok_or(Error::MalformedNote("no blank line before the signatures"))?;
        let (text, sigs) = (&note[..=split], &note[split + 2..]);
        let Some(sigs) = sigs.strip_suffix('\n') else {
            return Err(Error::MalformedNote("no signature, or no final newline"));
        };
        if sigs.is_empty() {
            return Err(Error::MalformedNote("no signature"));
        }
        let mut parsed = SignedNote::new(text)?;
        for line in sigs.split('\n') {
            if parsed.signatures.len() >= MAX_SIGNATURES {
                return Err(Error::MalformedNote("too many signatures"));
            }
            parsed.signatures.push(NoteSignature::parse_line(line)?);
        }
        Ok(parsed)
    }

    /// Checks every signature made by a key in `verifiers` (matched by both name and key id;
    /// others are ignored, as the spec requires) and returns those, which may be none. Fails
    /// if any of them does not verify, or if one key signed twice.
    pub fn verified_signatures(
        &self,
        verifiers: &[NoteVerifier],
    ) -> Result<Vec<VerifiedSignature>, Error> {
        let mut verified: Vec<VerifiedSignature> = Vec::new();
        for sig in &self.signatures {
            let Some(v) = verifiers
                .iter()
                .find(|v| v.name == sig.name && v.key_id == sig.key_id)
            else {
                continue;
            };
            let timestamp = v.verify(&self.text, &sig.signature)?;
            if verified
                .iter()
                .any(|s| s.name == v.name && s.key_id == v.key_id)
            {
                return Err(Error::MalformedNote("two signatures by one key"));
            }
            verified.push(VerifiedSignature {
                name: v.name.clone(),
                key_id: v.key_id,
                kind: v.kind,
                timestamp,
            });
        }
        Ok(verified)
    }

    /// Opens the note: like [`SignedNote::verified_signatures`], and at least one signature
    /// from a known key must verify.
    pub fn verify(&self, verifiers: &[NoteVerifier]) -> Result<Vec<VerifiedSignature>, Error> {
        let verified = self.verified_signatures(verifiers)?;
        if verified.is_empty() {
            return Err(Error::NoKnownSignature);
        }
        Ok(verified)
    }
}

impl SignedNote {
    /// Whether this note holds a cosignature/v1 on `checkpoint` by `cosigner` (matched by
    /// name and key id) that verifies. A line that is malformed or does not verify counts
    /// as absent: a witness report says who vouched, and one bad line must not hide others.
    pub fn has_cosignature(&self, checkpoint: &crate::Checkpoint, cosigner: &NoteVerifier) -> bool {
        self.signatures
            .iter()
            .filter(|s| s.name == cosigner.name && s.key_id == cosigner.key_id)
            .filter_map(|s| Cosignature::from_note_signature(s).ok())
            .any(|c| c.verify(checkpoint, cosigner).is_ok())
    }

    /// Those of `cosigners` with a valid cosignature on `checkpoint` in this note (see
    /// [`SignedNote::has_cosignature`]), in the order given.
    pub fn cosigned_by<'a>(
        &self,
        checkpoint: &crate::Checkpoint,
        cosigners: &'a [NoteVerifier],
    ) -> Vec<&'a NoteVerifier> {
        cosigners
            .iter()
            .filter(|v| self.has_cosignature(checkpoint, v))
            .collect()
    }
}

impl fmt::Display for SignedNote {
    /// The note as text: the text, a blank line, one line per signature.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)?;
        f.write_str("\n")?;
        for sig in &self.signatures {
            writeln!(f, "{}", sig.to_line())?;
        }
        Ok(())
    }
}

impl FromStr for SignedNote {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Error> {
        SignedNote::parse(s)
    }
}

/// A private key that cosigns checkpoints (cosignature/v1, type `0x04`): a node's witness key.
pub struct Cosigner {
    name: String,
    key: SigningKey,
    verifier: NoteVerifier,
}

impl Cosigner {
    /// A cosigner named `name`. Per c2sp.org/tlog-cosignature, one key serves one cosigner name.
    pub fn new(name: &str, key: SigningKey) -> Result<Self, Error> {
        let verifier = NoteVerifier::new(name, SignatureKind::CosignatureV1, key.verifying_key())?;
        Ok(Cosigner {
            name: name.to_owned(),
            key,
            verifier,
        })
    }

    /// Parses a signer key (`PRIVATE+KEY+...`, type `0x01`, as the Go tools write them).
    pub fn from_skey(skey: &str) -> Result<Self, Error> {
        let (name, key) = parse_skey(skey)?;
        Cosigner::new(&name, key)
    }

    /// The signer key. It is a secret.
    pub fn to_skey(&self) -> String {
        format_skey(&self.name, &self.key)
    }

    /// The key name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The matching verifier (type `0x04`), to publish as a vkey.
    pub fn verifier(&self) -> &NoteVerifier {
        &self.verifier
    }

    /// Cosigns a checkpoint at `timestamp` (POSIX seconds, injected by the caller).
    ///
    /// A cosignature says "as of this time, this is the largest consistent tree I have seen for
    /// this origin": call it only after checking the checkpoint's signature and its consistency
    /// with the last checkpoint this cosigner signed.
    pub fn cosign(
        &self,
        checkpoint: &crate::Checkpoint,
        timestamp: u64,
    ) -> Result<Cosignature, Error> {
        check_timestamp(timestamp)?;
        let message = cosignature_message(timestamp, &checkpoint.to_note_body());
        Ok(Cosignature {
            name: self.name.clone(),
            key_id: self.verifier.key_id,
            timestamp,
            signature: self.key.sign(&message).to_bytes(),
        })
    }
}

impl fmt::Debug for Cosigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Cosigner({})", self.verifier)
    }
}

/// A cosignature/v1 on a checkpoint: the cosigner's name and key id, the time, the signature.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cosignature {
    name: String,
    key_id: u32,
    timestamp: u64,
    signature: [u8; 64],
}

impl Cosignature {
    /// The cosigner's key name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The cosigner's key id.
    pub fn key_id(&self) -> u32 {
        self.key_id
    }

    /// When it was made, in POSIX seconds.
    pub fn timestamp(&self) -> u64 {
        self.timestamp
    }

    /// As a note signature line, to add to the checkpoint's note.
    pub fn to_note_signature(&self) -> NoteSignature {
        let mut data = self.timestamp.to_be_bytes().to_vec();
        data.extend_from_slice(&self.signature);
        NoteSignature::new(&self.name, self.key_id, data)
    }

    /// Reads a note signature line as a cosignature (without verifying it).
    pub fn from_note_signature(sig: &NoteSignature) -> Result<Self, Error> {
        let (ts, signature) = sig
            .signature
            .split_first_chunk::<8>()
            .ok_or(Error::MalformedNote("cosignature is not 72 bytes"))?;
        let signature: [u8; 64] = signature
            .try_into()
            .map_err(|_| Error::MalformedNote("cosignature is not 72 bytes"))?;
        let timestamp = u64::from_be_bytes(*ts);
        check_timestamp(timestamp)?;
        Ok(Cosignature {
            name: sig.name.clone(),
            key_id: sig.key_id,
            timestamp,
            signature,
        })
    }

    /// Checks this cosignature on `checkpoint` with the cosigner's verifier key, which must be
    /// of type `0x04` and match the cosignature's name and key id.
    pub fn verify(
        &self,
        checkpoint: &crate::Checkpoint,
        cosigner: &NoteVerifier,
    ) -> Result<(), Error> {
        if cosigner.kind != SignatureKind::CosignatureV1
            || cosigner.name != self.name
            || cosigner.key_id != self.key_id
        {
            return Err(Error::InvalidSignature(self.name.clone()));
        }
        let sig = self.to_note_signature();
        cosigner
            .verify(&checkpoint.to_note_body(), &sig.signature)
            .map(|_| ())
    }
}
