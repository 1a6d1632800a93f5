//! The hub's HTTP API (docs/hub-api.md), as a blocking client. It only moves bytes and parses
//! the contract's JSON; every check of what the hub says is done by the callers.

use crate::Error;
use base64::Engine as _;
use rex_api::{
    CosignatureBody, CosignatureTaken, CosignedList, DossierStored, ErrorBody, EvidenceBody,
    EvidenceList, EvidenceTaken, MatchAnswer, NextSeq, Proof, RegistrySnapshot,
};
pub use rex_api::{HubInfo, Receipt};
use rex_domain::{Envelope, PartyId};
use rex_tlog::{Hash, TilePath};
use serde::Deserialize;
use std::time::Duration;

/// Largest answer read from the hub (a dossier is at most 16 MiB).
const MAX_ANSWER_BYTES: u64 = 17 << 20;

/// A client of one hub.
#[derive(Debug, Clone)]
pub struct HubClient {
    base: String,
    agent: ureq::Agent,
    signer: Option<RequestKey>,
}

/// The key a client signs its requests with (`rex_api::auth`): the operator's, or a state's.
#[derive(Clone)]
pub struct RequestKey {
    name: String,
    key: ed25519_dalek::SigningKey,
    origin: String,
    clock: fn() -> u64,
}

impl std::fmt::Debug for RequestKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "RequestKey({} for {})", self.name, self.origin)
    }
}

impl RequestKey {
    /// Signs as `name` (`operator`, or a state's code) with `key`, for the hub whose log
    /// origin is `origin`, dating requests by `clock` (unix seconds).
    pub fn new(
        name: &str,
        key: ed25519_dalek::SigningKey,
        origin: &str,
        clock: fn() -> u64,
    ) -> RequestKey {
        RequestKey {
            name: name.to_owned(),
            key,
            origin: origin.to_owned(),
            clock,
        }
    }

    fn authorization(&self, method: &str, target: &str, body: &[u8]) -> String {
        let mut nonce = [0u8; rex_api::auth::NONCE_LEN];
        rand_core::RngCore::fill_bytes(&mut rand_core::OsRng, &mut nonce);
        rex_api::auth::authorization(
            &self.key,
            &self.name,
            &self.origin,
            method,
            target,
            (self.clock)(),
            &nonce,
            body,
        )
    }
}

/// Decodes a list of base64 hashes.
pub(crate) fn decode_hashes(list: &[String]) -> Option<Vec<Hash>> {
    list.iter()
        .map(|s| {
            base64::engine::general_purpose::STANDARD
                .decode(s)
                .ok()
                .and_then(|b| Hash::from_slice(&b))
        })
        .collect()
}

impl HubClient {
    /// A client of the hub at `base` (e.g. `http://127.0.0.1:8080`).
    pub fn new(base: &str) -> Result<Self, Error> {
        let base = base.trim_end_matches('/');
        if !(base.starts_with("http://") || base.starts_with("https://")) {
            return Err(Error::Input(format!(
                "hub URL {base:?} must start with http:// or https://"
            )));
        }
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(60)))
            .build();
        Ok(HubClient {
            base: base.to_owned(),
            agent: ureq::Agent::new_with_config(config),
            signer: None,
        })
    }

    /// This client, signing the calls that need a signer (`/v1/admin/`, dossiers) with `key`.
    pub fn signing_with(mut self, key: RequestKey) -> Self {
        self.signer = Some(key);
        self
    }

    /// The hub's base URL.
    pub fn base(&self) -> &str {
        &self.base
    }

    fn url(&self, path: &str) -> String {
        format!("{}/{}", self.base, path.trim_start_matches('/'))
    }

    fn fail(&self, path: &str, message: impl Into<String>) -> Error {
        Error::Hub {
            url: self.url(path),
            message: message.into(),
        }
    }

    /// Sends a request and returns the body of a 2xx answer; a 4xx/5xx with the contract's
    /// error body becomes [`Error::Refused`] (or [`Error::Hub`] for 5xx).
    fn exchange(
        &self,
        path: &str,
        method: &str,
        body: Option<(&str, &[u8])>,
    ) -> Result<Vec<u8>, Error> {
        self.send(path, method, body, false)
    }

    /// [`HubClient::exchange`], signed with the client's [`RequestKey`].
    fn signed_exchange(
        &self,
        path: &str,
        method: &str,
        body: Option<(&str, &[u8])>,
    ) -> Result<Vec<u8>, Error> {
        self.send(path, method, body, true)
    }

    fn send(
        &self,
        path: &str,
        method: &str,
        body: Option<(&str, &[u8])>,
        signed: bool,
    ) -> Result<Vec<u8>, Error> {
        let url = self.url(path);
        let authorization = if signed {
            let signer = self.signer.as_ref().ok_or_else(|| {
                Error::Input(format!(
                    "{method} /{} must be signed, and this client has no key",
                    path.trim_start_matches('/')
                ))
            })?;
            let target = format!("/{}", path.trim_start_matches('/'));
            Some(signer.authorization(method, &target, body.map_or(&[][..], |(_, b)| b)))
        } else {
            None
        };
        let result = match (method, body) {
            ("GET", _) => {
                let mut request = self.agent.get(&url);
                if let Some(a) = &authorization {
                    request = request.header("authorization", a);
                }
                request.call()
            }
            (_, body) => {
                let mut request = self.agent.post(&url);
                if let Some(a) = &authorization {
                    request = request.header("authorization", a);
                }
                match body {
                    Some((content_type, bytes)) => {
                        request.header("content-type", content_type).send(bytes)
                    }
                    None => request.send_empty(),
                }
            }
        };
        let mut response = result.map_err(|e| self.fail(path, e.to_string()))?;
        let status = response.status().as_u16();
        let bytes = response
            .body_mut()
            .with_config()
            .limit(MAX_ANSWER_BYTES)
            .read_to_vec()
            .map_err(|e| self.fail(path, e.to_string()))?;
        if (200..300).contains(&status) {
            return Ok(bytes);
        }
        match serde_json::from_slice::<ErrorBody>(&bytes) {
            Ok(e) if status < 500 => Err(Error::Refused {
                code: e.code,
                message: e.message,
            }),
            Ok(e) => Err(self.fail(path, format!("{status} {}: {}", e.code, e.message))),
            Err(_) => Err(self.fail(path, format!("status {status}"))),
        }
    }

    fn json<T: for<'de> Deserialize<'de>>(&self, path: &str, bytes: &[u8]) -> Result<T, Error> {
        serde_json::from_slice(bytes)
            .map_err(|e| self.fail(path, format!("answer is not the contract's JSON: {e}")))
    }

    fn get_json<T: for<'de> Deserialize<'de>>(&self, path: &str) -> Result<T, Error> {
        let bytes = self.exchange(path, "GET", None)?;
        self.json(path, &bytes)
    }

    /// `GET /v1/hub`.
    pub fn hub_info(&self) -> Result<HubInfo, Error> {
        self.get_json("v1/hub")
    }

    /// `GET /v1/next-seq/{actor}`.
    pub fn next_seq(&self, party: PartyId) -> Result<u64, Error> {
        Ok(self
            .get_json::<NextSeq>(&format!("v1/next-seq/{party}"))?
            .next_seq)
    }

    /// `POST /v1/statements`.
    pub fn post_statement(&self, envelope: &Envelope) -> Result<Receipt, Error> {
        let path = "v1/statements";
        let bytes = self.exchange(
            path,
            "POST",
            Some(("application/json", &envelope.to_json())),
        )?;
        self.json(path, &bytes)
    }

    /// `POST /v1/dossiers`, signed as the client's state: returns the digest and size the hub
    /// computed.
    pub fn post_dossier(&self, ciphertext: &[u8]) -> Result<(String, u64), Error> {
        let path = "v1/dossiers";
        let bytes =
            self.signed_exchange(path, "POST", Some(("application/octet-stream", ciphertext)))?;
        let u: DossierStored = self.json(path, &bytes)?;
        Ok((u.sha256, u.size))
    }

    /// `GET /v1/dossiers/{sha256}`, signed as the client's state (the hub serves a dossier
    /// only to its uploader and the parties to a request that references it).
    pub fn get_dossier(&self, sha256: &str) -> Result<Vec<u8>, Error> {
        self.signed_exchange(&format!("v1/dossiers/{sha256}"), "GET", None)
    }

    /// `POST /v1/cosignatures`.
    pub fn post_cosignature(&self, party: PartyId, note: &str) -> Result<(), Error> {
        let path = "v1/cosignatures";
        let body = serde_json::to_vec(&CosignatureBody {
            party: party.to_string(),
            note: note.to_owned(),
        })
        .map_err(|e| Error::Local(e.to_string()))?;
        let bytes = self.exchange(path, "POST", Some(("application/json", &body)))?;
        self.json::<CosignatureTaken>(path, &bytes).map(|_| ())
    }

    /// `POST /v1/evidence`: reports two conflicting checkpoint notes; whether they were new to
    /// the hub.
    pub fn post_evidence(&self, a: &str, b: &str) -> Result<bool, Error> {
        let path = "v1/evidence";
        let body = serde_json::to_vec(&EvidenceBody {
            a: a.to_owned(),
            b: b.to_owned(),
        })
        .map_err(|e| Error::Local(e.to_string()))?;
        let bytes = self.exchange(path, "POST", Some(("application/json", &body)))?;
        Ok(self.json::<EvidenceTaken>(path, &bytes)?.new)
    }

    /// `GET /v1/cosigned`: for each state, the newest checkpoint it cosigned (the hub's note
    /// with that state's line).
    pub fn cosigned(&self) -> Result<Vec<CosignatureBody>, Error> {
        Ok(self.get_json::<CosignedList>("v1/cosigned")?.cosigned)
    }

    /// `GET /v1/evidence`: the pairs of conflicting checkpoints reported to the hub.
    pub fn evidence(&self) -> Result<Vec<EvidenceBody>, Error> {
        Ok(self.get_json::<EvidenceList>("v1/evidence")?.evidence)
    }

    /// `POST /v1/admin/match`, signed by the operator's key: runs a matching round. `None`
    /// when the round proposed nothing (and the hub logged nothing).
    pub fn run_matching_round(&self) -> Result<Option<Receipt>, Error> {
        let path = "v1/admin/match";
        let bytes = self.signed_exchange(path, "POST", None)?;
        Ok(self.json::<MatchAnswer>(path, &bytes)?.round)
    }

    /// `POST /v1/admin/parties`, signed by the operator's key: registers the state of an
    /// exported public key file (its JSON text) on the running hub.
    pub fn register_party(&self, key_file: &str) -> Result<Receipt, Error> {
        let path = "v1/admin/parties";
        let bytes = self.signed_exchange(
            path,
            "POST",
            Some(("application/json", key_file.as_bytes())),
        )?;
        self.json(path, &bytes)
    }

    /// `GET /checkpoint`: the note text.
    pub fn checkpoint(&self) -> Result<String, Error> {
        let bytes = self.exchange("checkpoint", "GET", None)?;
        String::from_utf8(bytes).map_err(|_| self.fail("checkpoint", "not UTF-8"))
    }

    /// `GET /tile/...`.
    pub fn tile(&self, path: &TilePath) -> Result<Vec<u8>, Error> {
        self.exchange(&path.to_string(), "GET", None)
    }

    /// `GET /v1/log/inclusion`.
    pub fn inclusion(&self, index: u64, size: u64) -> Result<Vec<Hash>, Error> {
        let path = format!("v1/log/inclusion?index={index}&size={size}");
        let p: Proof = self.get_json(&path)?;
        decode_hashes(&p.proof).ok_or_else(|| self.fail(&path, "proof is not base64 hashes"))
    }

    /// `GET /v1/log/consistency`.
    pub fn consistency(&self, old: u64, new: u64) -> Result<Vec<Hash>, Error> {
        let path = format!("v1/log/consistency?old={old}&new={new}");
        let p: Proof = self.get_json(&path)?;
        decode_hashes(&p.proof).ok_or_else(|| self.fail(&path, "proof is not base64 hashes"))
    }

    /// `GET /v1/registry`, the hub's snapshot (the node trusts its own replay of the log
    /// instead; this is for people and tools).
    pub fn registry_snapshot(&self) -> Result<RegistrySnapshot, Error> {
        self.get_json("v1/registry")
    }
}
