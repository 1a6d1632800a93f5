//! DSSE envelopes (<https://github.com/secure-systems-lab/dsse>, protocol v1) signed with
//! Ed25519.
//!
//! The signature is over `PAE(payloadType, payload)` =
//! `"DSSEv1" SP LEN(type) SP type SP LEN(body) SP body`, so the payload type is authenticated and
//! no JSON canonicalisation is needed: the payload bytes are signed as they are. Envelope JSON:
//!
//! ```json
//! {"payload":"<base64>","payloadType":"application/vnd.rex.statement+json",
//!  "signatures":[{"keyid":"<KeyId, hex>","sig":"<64 bytes, base64>"}]}
//! ```
//!
//! We write standard padded base64 and, as the spec requires, read standard or URL-safe, padded
//! or not. Signatures are checked with `verify_strict` (no malleable or small-order cases).

use crate::id::Digest;
use crate::keys::{b64_decode, b64_encode, KeyId};
use crate::rejection::Rejection;
use crate::statement::Statement;
use ed25519_dalek::{Signer as _, SigningKey, VerifyingKey};
use serde::{Deserialize, Serialize};

/// The payload type of a rex statement.
pub const STATEMENT_PAYLOAD_TYPE: &str = "application/vnd.rex.statement+json";

/// Largest payload accepted, in bytes. A matching round with hundreds of proposals fits.
pub const MAX_PAYLOAD_BYTES: usize = 1 << 20;

/// The DSSE v1 pre-authentication encoding of `body` under `payload_type`.
pub fn pae(payload_type: &[u8], body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(payload_type.len() + body.len() + 32);
    out.extend_from_slice(b"DSSEv1 ");
    out.extend_from_slice(payload_type.len().to_string().as_bytes());
    out.push(b' ');
    out.extend_from_slice(payload_type);
    out.push(b' ');
    out.extend_from_slice(body.len().to_string().as_bytes());
    out.push(b' ');
    out.extend_from_slice(body);
    out
}

/// One signature of an envelope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvelopeSignature {
    /// Unauthenticated hint naming the key (we write [`KeyId`] hex; empty if absent). Used only
    /// for a clearer error, never to decide whether a signature is valid.
    pub keyid: String,
    /// The signature bytes (64 for Ed25519).
    pub sig: Vec<u8>,
}

/// A DSSE envelope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Envelope {
    /// The signed bytes.
    pub payload: Vec<u8>,
    /// How to read them.
    pub payload_type: String,
    /// Signatures over `pae(payload_type, payload)`.
    pub signatures: Vec<EnvelopeSignature>,
}

#[derive(Serialize, Deserialize)]
#[serde(expecting = "a signature {keyid, sig}")]
struct WireSignature {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    keyid: String,
    sig: String,
}

#[derive(Serialize, Deserialize)]
#[serde(expecting = "a DSSE envelope {payload, payloadType, signatures}")]
struct WireEnvelope {
    payload: String,
    #[serde(rename = "payloadType")]
    payload_type: String,
    signatures: Vec<WireSignature>,
}

impl Envelope {
    /// Signs `payload` under `payload_type` with `key`.
    pub fn sign(payload_type: &str, payload: Vec<u8>, key: &SigningKey) -> Self {
        let sig = key.sign(&pae(payload_type.as_bytes(), &payload));
        Envelope {
            payload,
            payload_type: payload_type.to_owned(),
            signatures: vec![EnvelopeSignature {
                keyid: KeyId::of(&key.verifying_key()).to_string(),
                sig: sig.to_bytes().to_vec(),
            }],
        }
    }

    /// Signs a statement's canonical bytes ([`Statement::to_bytes`]).
    pub fn sign_statement(statement: &Statement, key: &SigningKey) -> Self {
        Envelope::sign(STATEMENT_PAYLOAD_TYPE, statement.to_bytes(), key)
    }

    /// Whether the first signature (the signer's; the others are officers',
    /// [`crate::officer`]) verifies strictly under `key`.
    pub fn is_signed_by(&self, key: &VerifyingKey) -> bool {
        let message = pae(self.payload_type.as_bytes(), &self.payload);
        self.signatures.first().is_some_and(|s| {
            ed25519_dalek::Signature::from_slice(&s.sig)
                .is_ok_and(|sig| key.verify_strict(&message, &sig).is_ok())
        })
    }

    /// Adds an officer's signature over [`crate::officer::officer_message`] (after the
    /// signer's: the drafter's first, then the approver's).
    pub fn add_officer_signature(
        &mut self,
        signing: crate::officer::Signing,
        party: crate::id::PartyId,
        officer: &crate::officer::OfficerId,
        key: &SigningKey,
    ) {
        let message =
            crate::officer::officer_message(signing, party, officer, &self.payload_digest());
        self.signatures.push(EnvelopeSignature {
            keyid: KeyId::of(&key.verifying_key()).to_string(),
            sig: key.sign(&message).to_bytes().to_vec(),
        });
    }

    /// SHA-256 of the payload bytes as signed: the statement's digest, from which the ids of
    /// the objects it creates are derived.
    pub fn payload_digest(&self) -> Digest {
        Digest::of(&self.payload)
    }

    /// For a reader who knows the signer's key (a node reading the hub's statements, an
    /// auditor): checks the payload type and the signature, then parses the statement.
    pub fn open_statement(&self, key: &VerifyingKey) -> Result<Statement, Rejection> {
        self.check_shape()?;
        if !self.is_signed_by(key) {
            return Err(Rejection::BadSignature {
                actor: format!("key {}", KeyId::of(key)),
            });
        }
        Statement::from_bytes(&self.payload)
    }

    /// The checks that need no key: a rex statement payload within size, one signature, or
    /// three (the signer's, then a drafter's and an approver's: [`crate::officer`]).
    pub(crate) fn check_shape(&self) -> Result<(), Rejection> {
        if self.payload_type != STATEMENT_PAYLOAD_TYPE {
            return Err(Rejection::BadEnvelope(format!(
                "payload type {:?}, expected {STATEMENT_PAYLOAD_TYPE:?}",
                self.payload_type
            )));
        }
        if self.payload.len() > MAX_PAYLOAD_BYTES {
            return Err(Rejection::BadEnvelope(format!(
                "payload of {} bytes exceeds {MAX_PAYLOAD_BYTES}",
                self.payload.len()
            )));
        }
        if !matches!(self.signatures.len(), 1..=3) {
            return Err(Rejection::BadEnvelope(format!(
                "{} signatures, a statement has one (its signer's), two with a liaison \
                 officer's, or three with a drafter's and an approver's",
                self.signatures.len()
            )));
        }
        Ok(())
    }

    /// Parses envelope JSON.
    pub fn from_json(bytes: &[u8]) -> Result<Self, Rejection> {
        // serde reads a struct from a JSON array too (fields in order); an envelope is an
        // object, and anything else is refused before it is read. The check costs one byte.
        if bytes.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
            return Err(Rejection::BadEnvelope(
                "an envelope is a JSON object {payload, payloadType, signatures}".into(),
            ));
        }
        let w: WireEnvelope =
            serde_json::from_slice(bytes).map_err(|e| Rejection::BadEnvelope(e.to_string()))?;
        let payload = b64_decode(&w.payload)
            .ok_or_else(|| Rejection::BadEnvelope("payload is not base64".into()))?;
        let signatures = w
            .signatures
            .into_iter()
            .map(|s| {
                Ok(EnvelopeSignature {
                    keyid: s.keyid,
                    sig: b64_decode(&s.sig)
                        .ok_or_else(|| Rejection::BadEnvelope("sig is not base64".into()))?,
                })
            })
            .collect::<Result<_, Rejection>>()?;
        Ok(Envelope {
            payload,
            payload_type: w.payload_type,
            signatures,
        })
    }

    /// The envelope as compact JSON.
    pub fn to_json(&self) -> Vec<u8> {
        let w = WireEnvelope {
            payload: b64_encode(&self.payload),
            payload_type: self.payload_type.clone(),
            signatures: self
                .signatures
                .iter()
                .map(|s| WireSignature {
                    keyid: s.keyid.clone(),
                    sig: b64_encode(&s.sig),
                })
                .collect(),
        };
        serde_json::to_vec(&w)
            .unwrap_or_else(|e| unreachable!("an envelope always serialises: {e}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pae_known_answer_from_the_spec() {
        // protocol.md, "Test Vectors".
        assert_eq!(
            pae(b"http://example.com/HelloWorld", b"hello world"),
            b"DSSEv1 29 http://example.com/HelloWorld 11 hello world"
        );
        assert_eq!(pae(b"", b""), b"DSSEv1 0  0 ");
    }

    #[test]
    fn spec_envelope_parses() {
        // The envelope of protocol.md's test vector (ECDSA P-256, no keyid).
        let json = br#"{"payload": "aGVsbG8gd29ybGQ=",
 "payloadType": "http://example.com/HelloWorld",
 "signatures": [{"sig": "A3JqsQGtVsJ2O2xqrI5IcnXip5GToJ3F+FnZ+O88SjtR6rDAajabZKciJTfUiHqJPcIAriEGAHTVeCUjW2JIZA=="}]}"#;
        let e = Envelope::from_json(json).unwrap();
        assert_eq!(e.payload, b"hello world");
        assert_eq!(e.payload_type, "http://example.com/HelloWorld");
        assert_eq!(e.signatures[0].keyid, "");
        assert_eq!(e.signatures[0].sig.len(), 64);
        assert_eq!(
            e.check_shape().unwrap_err().code(),
            "bad_envelope",
            "not a rex payload type"
        );
    }

    #[test]
    fn ed25519_known_answer() {
        // RFC 8032 section 7.1, TEST 1: the empty message. DSSE signs the PAE, so this checks
        // the key handling and the strict verifier, not the envelope.
        let secret: [u8; 32] =
            crate::id::unhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
                .unwrap();
        let key = SigningKey::from_bytes(&secret);
        assert_eq!(
            crate::id::hex(key.verifying_key().as_bytes()),
            "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"
        );
        let sig = key.sign(b"");
        assert_eq!(
            crate::id::hex(&sig.to_bytes()),
            "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155\
             5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"
        );
        assert!(key.verifying_key().verify_strict(b"", &sig).is_ok());
    }

    #[test]
    fn sign_verify_and_base64_variants() {
        let key = SigningKey::from_bytes(&[1; 32]);
        let e = Envelope::sign("application/x-test", b"\xfb\xff body".to_vec(), &key);
        assert!(e.is_signed_by(&key.verifying_key()));
        assert!(!e.is_signed_by(&SigningKey::from_bytes(&[2; 32]).verifying_key()));
        let json = e.to_json();
        assert_eq!(Envelope::from_json(&json).unwrap(), e);
        // URL-safe and unpadded base64 must be accepted too.
        let url = |b: &[u8]| {
            b64_encode(b)
                .replace('+', "-")
                .replace('/', "_")
                .replace('=', "")
        };
        let url_safe = format!(
            r#"{{"payload":"{}","payloadType":"application/x-test","signatures":[{{"keyid":"{}","sig":"{}"}}]}}"#,
            url(&e.payload),
            e.signatures[0].keyid,
            url(&e.signatures[0].sig)
        );
        assert!(url_safe.contains('-') || url_safe.contains('_'));
        assert_eq!(Envelope::from_json(url_safe.as_bytes()).unwrap(), e);
        // The payload type is authenticated.
        let mut retyped = e.clone();
        retyped.payload_type = "application/x-other".into();
        assert!(!retyped.is_signed_by(&key.verifying_key()));
    }
}
