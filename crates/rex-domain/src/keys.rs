//! A state's public keys: the Ed25519 key that signs its statements and the age X25519 recipient
//! that case files are encrypted to, exported by its node as a [`PublicKeyFile`] and imported by
//! the hub operator.

use crate::id::{hex, unhex, PartyId};
use crate::rejection::Rejection;
use base64::Engine as _;
use ed25519_dalek::VerifyingKey;
use serde::{Deserialize, Serialize};
use std::fmt;

/// The id of an Ed25519 public key: the SHA-256 of its 32 bytes, as 64 lowercase hex digits.
///
/// Used as the DSSE `keyid` hint and as the key's fingerprint an operator compares by telephone.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct KeyId(pub [u8; 32]);

impl KeyId {
    /// The id of `key`.
    pub fn of(key: &VerifyingKey) -> Self {
        KeyId(crate::id::Digest::of(key.as_bytes()).0)
    }

    /// Parses 64 lowercase hex digits.
    pub fn parse(s: &str) -> Result<Self, Rejection> {
        unhex::<32>(s)
            .map(KeyId)
            .ok_or_else(|| Rejection::invalid("key id", "expected 64 lowercase hex digits"))
    }
}

impl fmt::Display for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&hex(&self.0))
    }
}

impl fmt::Debug for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "KeyId({self})")
    }
}

impl TryFrom<String> for KeyId {
    type Error = Rejection;
    fn try_from(s: String) -> Result<Self, Rejection> {
        KeyId::parse(&s)
    }
}

impl From<KeyId> for String {
    fn from(k: KeyId) -> String {
        k.to_string()
    }
}

/// Standard base64 with padding, as DSSE signers conventionally write it.
pub(crate) fn b64_encode(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// Standard or URL-safe base64, padded or not: DSSE verifiers must accept either alphabet.
pub(crate) fn b64_decode(s: &str) -> Option<Vec<u8>> {
    use base64::alphabet;
    use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
    let config =
        GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent);
    let alphabet = if s.contains(['-', '_']) {
        &alphabet::URL_SAFE
    } else {
        &alphabet::STANDARD
    };
    GeneralPurpose::new(alphabet, config).decode(s).ok()
}

/// Parses an Ed25519 public key from base64 and refuses the small-order ("weak") keys, under
/// which a signature could verify for many messages.
pub fn parse_verifying_key(b64: &str) -> Result<VerifyingKey, Rejection> {
    let bytes = b64_decode(b64).ok_or_else(|| Rejection::invalid("ed25519 key", "not base64"))?;
    let bytes: [u8; 32] = bytes.try_into().map_err(|v: Vec<u8>| {
        Rejection::invalid("ed25519 key", format!("{} bytes, expected 32", v.len()))
    })?;
    let key = VerifyingKey::from_bytes(&bytes)
        .map_err(|_| Rejection::invalid("ed25519 key", "not a point on the curve"))?;
    if key.is_weak() {
        return Err(Rejection::invalid("ed25519 key", "a small-order key"));
    }
    Ok(key)
}

/// An age X25519 recipient, e.g. `age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p`:
/// Bech32 (not Bech32m) with human-readable part `age` over 32 bytes, lowercase.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct AgeRecipient(String);

impl AgeRecipient {
    /// Validates the encoding (checksum, prefix, length); the key itself is checked by `age`
    /// when encrypting.
    pub fn parse(s: &str) -> Result<Self, Rejection> {
        use bech32::primitives::decode::CheckedHrpstring;
        let bad = |reason: String| Rejection::invalid("age recipient", reason);
        if s.bytes().any(|b| b.is_ascii_uppercase()) {
            return Err(bad("must be lowercase".into()));
        }
        let checked = CheckedHrpstring::new::<bech32::Bech32>(s)
            .map_err(|e| bad(format!("not bech32: {e}")))?;
        if checked.hrp().as_str() != "age" {
            return Err(bad(format!(
                "prefix {:?}, expected \"age\"",
                checked.hrp().as_str()
            )));
        }
        let n = checked.byte_iter().count();
        if n != 32 {
            return Err(bad(format!("{n} bytes, expected 32")));
        }
        Ok(AgeRecipient(s.to_owned()))
    }

    /// The recipient string.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for AgeRecipient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for AgeRecipient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "AgeRecipient({})", self.0)
    }
}

impl TryFrom<String> for AgeRecipient {
    type Error = Rejection;
    fn try_from(s: String) -> Result<Self, Rejection> {
        AgeRecipient::parse(&s)
    }
}

impl From<AgeRecipient> for String {
    fn from(a: AgeRecipient) -> String {
        a.0
    }
}

/// The value of the `format` field of a public key file.
pub const PUBLIC_KEY_FILE_FORMAT: &str = "rex-public-keys/v1";

/// The public keys of one state, as its node exports them and the hub operator imports them.
///
/// Wire form (field order fixed):
///
/// ```json
/// {"format":"rex-public-keys/v1","party":"US",
///  "ed25519":"<32-byte key, base64>","keyid":"<KeyId, hex>","age_recipient":"age1..."}
/// ```
///
/// `keyid` is redundant with `ed25519` and checked against it, so a truncated or edited file is
/// refused rather than registering a different key.
#[derive(Clone, PartialEq, Eq)]
pub struct PublicKeyFile {
    party: PartyId,
    signing_key: VerifyingKey,
    age_recipient: AgeRecipient,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct PublicKeyFileWire {
    format: String,
    party: PartyId,
    ed25519: String,
    keyid: KeyId,
    age_recipient: AgeRecipient,
}

impl PublicKeyFile {
    /// The keys of `party`. Refuses a weak signing key.
    pub fn new(
        party: PartyId,
        signing_key: VerifyingKey,
        age_recipient: AgeRecipient,
    ) -> Result<Self, Rejection> {
        if signing_key.is_weak() {
            return Err(Rejection::invalid("ed25519 key", "a small-order key"));
        }
        Ok(PublicKeyFile {
            party,
            signing_key,
            age_recipient,
        })
    }

    /// The state.
    pub fn party(&self) -> PartyId {
        self.party
    }

    /// Its statement-signing key.
    pub fn signing_key(&self) -> &VerifyingKey {
        &self.signing_key
    }

    /// The id of its signing key.
    pub fn keyid(&self) -> KeyId {
        KeyId::of(&self.signing_key)
    }

    /// Its age recipient.
    pub fn age_recipient(&self) -> &AgeRecipient {
        &self.age_recipient
    }

    /// Parses and validates an exported file.
    pub fn from_json(text: &str) -> Result<Self, Rejection> {
        let wire: PublicKeyFileWire = serde_json::from_str(text)
            .map_err(|e| Rejection::invalid("public key file", e.to_string()))?;
        PublicKeyFile::try_from(wire)
    }

    /// The file as a node exports it (pretty JSON, trailing newline).
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(&self.wire())
            .unwrap_or_else(|e| unreachable!("a key file always serialises: {e}"));
        s.push('\n');
        s
    }

    fn wire(&self) -> PublicKeyFileWire {
        PublicKeyFileWire {
            format: PUBLIC_KEY_FILE_FORMAT.to_owned(),
            party: self.party,
            ed25519: b64_encode(self.signing_key.as_bytes()),
            keyid: self.keyid(),
            age_recipient: self.age_recipient.clone(),
        }
    }
}

impl TryFrom<PublicKeyFileWire> for PublicKeyFile {
    type Error = Rejection;
    fn try_from(w: PublicKeyFileWire) -> Result<Self, Rejection> {
        if w.format != PUBLIC_KEY_FILE_FORMAT {
            return Err(Rejection::invalid(
                "public key file",
                format!("format {:?}, expected {PUBLIC_KEY_FILE_FORMAT:?}", w.format),
            ));
        }
        let signing_key = parse_verifying_key(&w.ed25519)?;
        if KeyId::of(&signing_key) != w.keyid {
            return Err(Rejection::invalid(
                "public key file",
                "keyid is not the sha-256 of the ed25519 key",
            ));
        }
        PublicKeyFile::new(w.party, signing_key, w.age_recipient)
    }
}

impl Serialize for PublicKeyFile {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.wire().serialize(s)
    }
}

impl<'de> Deserialize<'de> for PublicKeyFile {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let wire = PublicKeyFileWire::deserialize(d)?;
        PublicKeyFile::try_from(wire).map_err(serde::de::Error::custom)
    }
}

impl fmt::Debug for PublicKeyFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PublicKeyFile")
            .field("party", &self.party)
            .field("keyid", &self.keyid())
            .field("age_recipient", &self.age_recipient)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ed25519_dalek::SigningKey;
    use expect_test::expect;

    // The example recipient from the age README.
    const AGE: &str = "age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p";

    fn file() -> PublicKeyFile {
        let key = SigningKey::from_bytes(&[7; 32]).verifying_key();
        PublicKeyFile::new(
            PartyId::new("US").unwrap(),
            key,
            AgeRecipient::parse(AGE).unwrap(),
        )
        .unwrap()
    }

    #[test]
    fn round_trip() {
        let f = file();
        let text = f.to_json();
        expect![[r#"
            {
              "format": "rex-public-keys/v1",
              "party": "US",
              "ed25519": "6kpsY+KcUgq+9VB7Ey7F+ZVHdq6+vnuSQh7qaRRG0iw=",
              "keyid": "fe812c12f3ab4ce6ac5db69ac352f906cb1b11ef43fb33e252ef7ff552263889",
              "age_recipient": "age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p"
            }
        "#]]
        .assert_eq(&text);
        assert_eq!(PublicKeyFile::from_json(&text).unwrap(), f);
    }

    #[test]
    fn tampered_files_are_refused() {
        let text = file().to_json();
        let ours = b64_encode(file().signing_key().as_bytes());
        let check = |edited: String, reason: &str| {
            let err = PublicKeyFile::from_json(&edited).unwrap_err();
            assert_eq!(err.code(), "invalid");
            assert!(err.to_string().contains(reason), "{err} lacks {reason:?}");
        };
        let other = SigningKey::from_bytes(&[8; 32]).verifying_key();
        check(
            text.replace(&ours, &b64_encode(other.as_bytes())),
            "keyid is not",
        );
        check(text.replace("v1", "v2"), "format");
        check(text.replace("mcac8p", "mcac8q"), "not bech32");
        check(text.replace(AGE, &AGE.to_uppercase()), "lowercase");
        check(text.replace("\"US\"", "\"usa\""), "two capital letters");
        // A small-order point: the identity, encoded as y = 1.
        let mut identity = [0u8; 32];
        identity[0] = 1;
        check(text.replace(&ours, &b64_encode(&identity)), "small-order");
    }
}
