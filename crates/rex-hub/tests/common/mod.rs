//! A hub on a temporary data directory with a manual clock, driven through the real router
//! with really signed statements. Only the clock is fake.

#![allow(dead_code)]

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::connect_info::MockConnectInfo;
use axum::http::{Request, StatusCode};
use axum::Router;
use ed25519_dalek::SigningKey;
use http_body_util::BodyExt as _;
use rex_domain::{
    Action, Actor, AgeRecipient, AgreementTerms, Envelope, Offence, PartyId, PublicKeyFile,
    Statement, TermsDraft,
};
use rex_hub::{GroupCommit, Hub, HubConfig, ManualClock, Receipt};
use rex_tlog::{leaf_hash, verify_inclusion, Checkpoint, Hash, NoteVerifier, SignedNote};
use serde_json::Value;
use tower::ServiceExt as _;

/// 2025-06-15.
pub const T0: u64 = 1_750_000_000;
pub const DAY: u64 = 86_400;

pub fn party(code: &str) -> PartyId {
    PartyId::new(code).unwrap()
}

/// A deterministic key per name.
pub fn key_of(name: &str) -> SigningKey {
    let mut seed = [0u8; 32];
    for (i, b) in name.bytes().enumerate() {
        seed[i % 32] ^= b;
    }
    seed[31] ^= 0x5a;
    SigningKey::from_bytes(&seed)
}

pub fn key_file(code: &str) -> PublicKeyFile {
    let age = age::x25519::Identity::generate().to_public().to_string();
    PublicKeyFile::new(
        party(code),
        key_of(code).verifying_key(),
        AgeRecipient::parse(&age).unwrap(),
    )
    .unwrap()
}

pub fn terms(members: &[&str]) -> AgreementTerms {
    let members: Vec<PartyId> = members.iter().map(|m| party(m)).collect();
    let offences = [Offence::IllegalAccess, Offence::RansomwareExtortion];
    AgreementTerms::new(TermsDraft {
        prosecution_at_home_counts: true,
        ..TermsDraft::standard(&members, &offences, T0)
    })
    .unwrap()
}

pub fn fast_commit() -> GroupCommit {
    GroupCommit {
        window: Duration::from_millis(5),
        tick: Duration::from_millis(20),
        ..GroupCommit::default()
    }
}

pub struct TestHub {
    pub dir: tempfile::TempDir,
    pub clock: Arc<ManualClock>,
    pub hub: Option<Hub>,
    pub router: Router,
}

pub struct Answer {
    pub status: StatusCode,
    pub json: Value,
    pub bytes: Vec<u8>,
}

impl TestHub {
    /// A fresh hub with these parties registered offline, as an operator would.
    pub async fn new(parties: &[&str]) -> TestHub {
        let dir = tempfile::tempdir().unwrap();
        let clock = Arc::new(ManualClock::new(T0));
        for p in parties {
            rex_hub::register_party(dir.path(), key_file(p), &*clock).unwrap();
        }
        let mut t = TestHub {
            dir,
            clock,
            hub: None,
            router: Router::new(),
        };
        t.start().await;
        t
    }

    pub async fn start(&mut self) {
        let hub = Hub::open(
            self.dir.path(),
            HubConfig {
                clock: self.clock.clone(),
                group_commit: fast_commit(),
            },
        )
        .await
        .unwrap();
        self.router = rex_hub::app(hub.state());
        self.hub = Some(hub);
    }

    pub async fn stop(&mut self) {
        self.router = Router::new();
        self.hub.take().unwrap().shutdown().await;
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn state(&self) -> rex_hub::AppState {
        self.hub.as_ref().unwrap().state()
    }

    pub async fn request(&self, req: Request<Body>) -> Answer {
        let res = self.router.clone().oneshot(req).await.unwrap();
        let status = res.status();
        let bytes = res.into_body().collect().await.unwrap().to_bytes().to_vec();
        let json = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Answer {
            status,
            json,
            bytes,
        }
    }

    pub async fn get(&self, path: &str) -> Answer {
        self.request(Request::get(path).body(Body::empty()).unwrap())
            .await
    }

    pub async fn post(&self, path: &str, body: impl Into<Body>) -> Answer {
        self.request(
            Request::post(path)
                .header("content-type", "application/json")
                .body(body.into())
                .unwrap(),
        )
        .await
    }

    /// A POST from a loopback peer, as axum's `ConnectInfo` would report it.
    pub async fn post_from_loopback(&self, path: &str) -> Answer {
        self.post_from_loopback_with(path, String::new()).await
    }

    /// The same, with a body.
    pub async fn post_from_loopback_with(&self, path: &str, body: String) -> Answer {
        let router = self
            .router
            .clone()
            .layer(MockConnectInfo(SocketAddr::from(([127, 0, 0, 1], 40000))));
        let res = router
            .oneshot(Request::post(path).body(Body::from(body)).unwrap())
            .await
            .unwrap();
        let status = res.status();
        let bytes = res.into_body().collect().await.unwrap().to_bytes().to_vec();
        Answer {
            status,
            json: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
            bytes,
        }
    }

    /// The statement `actor` signs next, with its own key.
    pub async fn envelope(&self, actor: &str, action: Action) -> Envelope {
        let actor_id: Actor = actor.parse().unwrap();
        let seq = self
            .state()
            .registry()
            .await
            .next_seq(actor_id)
            .unwrap_or(1);
        Envelope::sign_statement(
            &Statement::new(actor_id, seq, self.clock.now_value(), action),
            &key_of(actor),
        )
    }

    /// Signs and submits; the answer must be a receipt, which is checked.
    pub async fn act(&self, actor: &str, action: Action) -> (Envelope, Receipt) {
        let envelope = self.envelope(actor, action).await;
        let answer = self.post("/v1/statements", envelope.to_json()).await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.json);
        let receipt: Receipt = serde_json::from_value(answer.json).unwrap();
        self.check_receipt(&envelope, &receipt);
        (envelope, receipt)
    }

    pub fn verifier(&self) -> NoteVerifier {
        self.state().keys().checkpoint.verifier().clone()
    }

    /// A node's check of a receipt: the checkpoint is the hub's, the entry is this envelope at
    /// the receipt's time, and the inclusion proof leads to the checkpoint's root.
    pub fn check_receipt(&self, envelope: &Envelope, receipt: &Receipt) {
        let note = SignedNote::parse(&receipt.checkpoint).unwrap();
        let checkpoint = Checkpoint::open(&note, &self.verifier()).unwrap();
        assert_eq!(checkpoint.size(), receipt.tree_size);
        assert_eq!(
            receipt.statement_sha256,
            envelope.payload_digest().to_string()
        );
        let proof: Vec<Hash> = receipt
            .inclusion
            .iter()
            .map(|h| h.parse().unwrap())
            .collect();
        let leaf = leaf_hash(&rex_hub::entry_bytes(receipt.time, envelope));
        verify_inclusion(
            receipt.index,
            receipt.tree_size,
            leaf,
            &proof,
            checkpoint.root(),
        )
        .unwrap();
    }

    pub fn tree_size(&self) -> u64 {
        self.state().published_size()
    }
}

pub trait NowValue {
    fn now_value(&self) -> u64;
}

impl NowValue for ManualClock {
    fn now_value(&self) -> u64 {
        rex_hub::Clock::now(self)
    }
}
