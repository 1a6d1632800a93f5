//! `rex-api`: the hub–node contract (docs/hub-api.md), every JSON body the hub sends or
//! receives, with serde for the wire and utoipa for the OpenAPI document.
//!
//! **Key design decision: one type per body, shared by both ends.** The hub serialises these
//! types and the node parses the same ones, so the two cannot drift apart; the OpenAPI
//! document the hub serves is generated from them, and a test validates the live router's
//! answers against it. Domain values (ids, terms, proposals) travel as the `rex-domain` types
//! themselves, so the node's parse re-validates them exactly as the log's replay would; their
//! OpenAPI schemas are described here ([`schema`]), next to the contract, so that `rex-domain`
//! stays free of HTTP documentation concerns.
//!
//! The crate holds data only: no HTTP, no I/O. Byte bodies (dossiers, tiles) and the
//! checkpoint note (text) are not JSON and have no type here. The one exception to "data
//! only" is [`auth`], the signed-request scheme, which is part of the contract (the hub checks
//! what the node and the CLI sign) and pure: time and nonce are arguments.

pub mod auth;
pub mod registry;
pub mod schema;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

pub use registry::{
    AgreementRecord, BreachRecord, CreditBalance, DeadlineRecord, ExchangeRecord, ExchangeState,
    ExtensionRecord, LedgerRow, Owed, PartyRecord, RegistrySnapshot, RequestRecord, RequestState,
    RouteName,
};

/// `GET /v1/hub`: the hub's identity, which a node pins at `init`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct HubInfo {
    /// The log's origin line.
    pub origin: String,
    /// The C2SP verifier key of the checkpoint key.
    pub note_vkey: String,
    /// The hub's statement key, base64 of its 32 bytes.
    pub hub_ed25519: String,
}

/// The receipt of an accepted statement (`POST /v1/statements`, and the admin calls that make
/// the hub sign one). Sent only once the entry is durable.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Receipt {
    /// The leaf index of the statement's log entry.
    pub index: u64,
    /// The size of the tree of `checkpoint`.
    pub tree_size: u64,
    /// SHA-256 (hex) of the statement payload as signed.
    pub statement_sha256: String,
    /// The C2SP signed checkpoint note.
    pub checkpoint: String,
    /// The inclusion proof of leaf `index` in the tree of `tree_size`, base64 hashes.
    pub inclusion: Vec<String>,
    /// The acceptance time (unix seconds) written in the log entry, with which a node rebuilds
    /// the leaf it checks the proof of.
    pub time: u64,
}

/// `POST /v1/admin/match`: the receipt of the round's `matching_round` statement, or `null`
/// when there was nothing to propose (a round with no proposal appends nothing).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct MatchAnswer {
    /// The round's receipt, or `null`.
    pub round: Option<Receipt>,
}

/// `GET /v1/next-seq/{actor}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct NextSeq {
    /// The sequence number the actor's next statement must carry.
    pub next_seq: u64,
}

/// `POST /v1/dossiers`: the dossier as the hub stored it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct DossierStored {
    /// SHA-256 (hex) of the ciphertext.
    pub sha256: String,
    /// Its size in bytes.
    pub size: u64,
}

/// `POST /v1/cosignatures`: a node's cosignature of a checkpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CosignatureBody {
    /// The cosigning party (its code, also the cosigner key name).
    pub party: String,
    /// The checkpoint note with the party's cosignature line added.
    pub note: String,
}

/// The answer to an accepted cosignature: `{}`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CosignatureTaken {}

/// `GET /v1/cosigned`: for each state that cosigned a checkpoint, the newest (largest) one it
/// cosigned, each as a [`CosignatureBody`] whose note carries the hub's signature and that
/// state's line only. A node judges finality by these: a witness that cosigned a larger tree
/// consistent with the node's vouched for the node's tree too.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CosignedList {
    /// Ordered by party code; one item per state at most.
    pub cosigned: Vec<CosignatureBody>,
}

/// `POST /v1/evidence`, and each item of `GET /v1/evidence`: two checkpoint notes signed by
/// the hub's key that cannot both be true (the same size with different roots, or no
/// consistency between them): evidence that the hub showed two histories.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EvidenceBody {
    /// One signed checkpoint note.
    pub a: String,
    /// The other.
    pub b: String,
}

/// The answer to accepted evidence: whether the hub held it already.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct EvidenceTaken {
    /// `true` when the pair was new to the hub.
    pub new: bool,
}

/// `GET /v1/evidence`: every pair of conflicting checkpoints reported to the hub.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct EvidenceList {
    /// Oldest first, at most [`MAX_EVIDENCE_LISTED`].
    pub evidence: Vec<EvidenceBody>,
}

/// The most pairs `GET /v1/evidence` lists.
pub const MAX_EVIDENCE_LISTED: usize = 100;

/// `GET /v1/log/inclusion` and `GET /v1/log/consistency`: a Merkle proof.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Proof {
    /// Base64 hashes.
    pub proof: Vec<String>,
}

/// The body of every error answer (4xx and 5xx).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ErrorBody {
    /// Stable, machine-readable code: a `Rejection::code()` or `bad_json`, `too_large`,
    /// `not_found`, `forbidden`, `unavailable`, `internal`.
    pub code: String,
    /// For people; never holds database text.
    pub message: String,
}

/// `POST /v1/statements`: a DSSE envelope, as `rex_domain::Envelope::to_json` writes it. The
/// hub parses it with `Envelope::from_json` and checks what this schema cannot (base64, the
/// number of signatures); this type describes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EnvelopeBody {
    /// Base64 of the statement payload.
    pub payload: String,
    /// `application/vnd.rex.statement+json`.
    #[serde(rename = "payloadType")]
    pub payload_type: String,
    /// One signature, the signer's; or three on a binding act naming officers: the signer's,
    /// the drafter's, the approver's (`rex_domain::officer`).
    pub signatures: Vec<EnvelopeSignatureBody>,
}

/// One signature of an envelope.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EnvelopeSignatureBody {
    /// The signing key's id (hex), a hint only; absent when empty.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keyid: Option<String>,
    /// Base64 of the 64-byte Ed25519 signature.
    pub sig: String,
}

/// Raw bytes (`application/octet-stream`): a dossier's ciphertext, a tile.
#[derive(ToSchema)]
#[schema(value_type = String, format = Binary)]
pub struct Bytes(pub Vec<u8>);

/// Plain text (`text/plain`): a checkpoint note with its cosignature lines.
#[derive(ToSchema)]
#[schema(value_type = String)]
pub struct Note(pub String);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wire_names_are_the_documented_ones() {
        let receipt = Receipt {
            index: 1,
            tree_size: 2,
            statement_sha256: "ab".into(),
            checkpoint: "note".into(),
            inclusion: vec!["h".into()],
            time: 7,
        };
        assert_eq!(
            serde_json::to_string(&receipt).unwrap(),
            r#"{"index":1,"tree_size":2,"statement_sha256":"ab","checkpoint":"note","inclusion":["h"],"time":7}"#
        );
        assert_eq!(serde_json::to_string(&CosignatureTaken {}).unwrap(), "{}");
        let envelope = r#"{"payload":"cA==","payloadType":"t","signatures":[{"sig":"cw=="}]}"#;
        let parsed: EnvelopeBody = serde_json::from_str(envelope).unwrap();
        assert_eq!(serde_json::to_string(&parsed).unwrap(), envelope);
    }
}
