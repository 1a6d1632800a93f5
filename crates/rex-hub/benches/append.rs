//! Durable statements per second over HTTP, and receipt latency at a fixed rate.
//!
//! A real hub (SQLite, WAL, `synchronous=FULL`, group commit with its default settings) serves
//! on a loopback socket in this process; clients post really signed statements over HTTP/1.1
//! and wait for their receipts, which are sent only once the batch is durable.
//!
//! 1. Throughput: 64 clients (one registered state each), each posting its next statement as
//!    soon as the last is acknowledged, for `REX_BENCH_SECS` seconds (default 10). Statements
//!    are signed before the clock starts: the states sign on their own machines, and the
//!    benchmark measures the hub (the clients' HTTP stack still shares the hub's cores).
//! 2. Latency: the same 64 states post on a fixed schedule adding up to 1,000 statements/s
//!    (each every 64 ms, staggered); latency is measured from the scheduled send time, so a
//!    slow answer delays nothing unseen (no coordinated omission).
//!
//! Run: `cargo bench -p rex-hub --bench append`
//!
//! With `REX_BENCH_FILL=N` and `REX_BENCH_DATA=DIR`, it instead fills the hub in `DIR` (created,
//! and kept) with at least `N` statements in the closed loop of 1., and stops: the log that
//! `bench/hub/verify.sh` audits.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{Request, StatusCode};
use ed25519_dalek::SigningKey;
use http_body_util::BodyExt as _;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use rex_domain::{
    Action, AgeRecipient, AgreementTerms, Envelope, Offence, PartyId, PublicKeyFile,
    SimilarityRule, Statement, TermsDraft,
};
use rex_hub::{Clock, Hub, HubConfig, SystemClock};

const CLIENTS: usize = 64;
const RATE: u64 = 1_000;

fn code(i: usize) -> String {
    format!(
        "{}{}",
        (b'A' + (i / 26) as u8) as char,
        (b'A' + (i % 26) as u8) as char
    )
}

fn key(i: usize) -> SigningKey {
    let mut seed = [7u8; 32];
    seed[..8].copy_from_slice(&(i as u64).to_le_bytes());
    SigningKey::from_bytes(&seed)
}

fn terms(a: &str, b: &str, deadline: u64) -> AgreementTerms {
    let mut members = vec![PartyId::new(a).unwrap(), PartyId::new(b).unwrap()];
    members.sort();
    AgreementTerms::new(TermsDraft {
        members,
        offences: vec![Offence::IllegalAccess],
        similarity: SimilarityRule::MaxClassGap { gap: 1 },
        max_cycle: 3,
        prosecution_at_home_counts: true,
        min_penalty_months: 12,
        signing_deadline: deadline,
        commit_window: 86_400,
        execution_window: 86_400,
        credit: None,
        deadlines: None,
        release_instrument_required: false,
    })
    .unwrap()
}

/// One state's client: posts its statements in order, one at a time.
struct Party {
    index: usize,
    seq: u64,
    key: SigningKey,
    /// Statements signed before the clock started, in order.
    signed: std::collections::VecDeque<Vec<u8>>,
}

impl Party {
    /// Signs the next `n` statements ahead: the states' own signing is not the hub's work.
    fn presign(&mut self, n: usize) {
        for _ in 0..n {
            let next = self.sign_next();
            self.signed.push_back(next);
        }
    }

    /// The next statement: signed ahead, or now if none is left.
    fn next(&mut self) -> Vec<u8> {
        match self.signed.pop_front() {
            Some(s) => s,
            None => self.sign_next(),
        }
    }

    fn sign_next(&mut self) -> Vec<u8> {
        self.seq += 1;
        let me = code(self.index);
        let other = code((self.index + 1) % CLIENTS);
        let now = SystemClock.now();
        let statement = Statement::new(
            PartyId::new(&me).unwrap(),
            self.seq,
            now,
            Action::AgreementProposed {
                terms: terms(&me, &other, now + 30 * 86_400),
            },
        );
        Envelope::sign_statement(&statement, &self.key).to_json()
    }
}

type HttpClient = Client<hyper_util::client::legacy::connect::HttpConnector, Body>;

async fn post(client: &HttpClient, addr: SocketAddr, body: Vec<u8>) {
    let req = Request::post(format!("http://{addr}/v1/statements"))
        .header("content-type", "application/json")
        .body(Body::from(body))
        .unwrap();
    let res = client.request(req).await.expect("request");
    let status = res.status();
    let bytes = res.into_body().collect().await.expect("body").to_bytes();
    assert_eq!(
        status,
        StatusCode::OK,
        "{}",
        String::from_utf8_lossy(&bytes)
    );
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

fn main() {
    let secs: u64 = std::env::var("REX_BENCH_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(10);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let fill: Option<u64> = std::env::var("REX_BENCH_FILL")
        .ok()
        .map(|s| s.parse().expect("REX_BENCH_FILL is a number of statements"));
    let keep = std::env::var_os("REX_BENCH_DATA").map(std::path::PathBuf::from);
    assert!(
        fill.is_none() || keep.is_some(),
        "REX_BENCH_FILL needs REX_BENCH_DATA, the directory to keep the hub in"
    );
    runtime.block_on(async move {
        // On the target directory's disk, not a tmpfs, so fsync costs what it costs.
        let temp = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
        let dir = match &keep {
            Some(d) => {
                assert!(
                    !d.exists(),
                    "{} exists; remove it or name a new directory",
                    d.display()
                );
                d.as_path()
            }
            None => temp.path(),
        };
        for i in 0..CLIENTS {
            let age = age::x25519::Identity::generate().to_public().to_string();
            let file = PublicKeyFile::new(
                PartyId::new(&code(i)).unwrap(),
                key(i).verifying_key(),
                AgeRecipient::parse(&age).unwrap(),
            )
            .unwrap();
            rex_hub::register_party(dir, file, &SystemClock).unwrap();
        }
        let hub = Hub::open(dir, HubConfig::default()).await.unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let state = hub.state();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(rex_hub::serve_on(hub, listener, async {
            let _ = stopped.await;
        }));
        let client: HttpClient = Client::builder(TokioExecutor::new())
            .pool_max_idle_per_host(CLIENTS)
            .build_http();
        let parties: Vec<Party> = (0..CLIENTS)
            .map(|index| {
                let mut party = Party {
                    index,
                    seq: 0,
                    key: key(index),
                    signed: Default::default(),
                };
                // Enough for 16,000 statements/s; a fill signs as it goes.
                if fill.is_none() {
                    party.presign(secs as usize * 16_000 / CLIENTS);
                }
                party
            })
            .collect();

        // 1. Throughput, closed loop.
        let size0 = state.published_size();
        let done = Arc::new(AtomicU64::new(0));
        let start = Instant::now();
        let stop_at = start + Duration::from_secs(if fill.is_some() { 86_400 } else { secs });
        let target = fill.unwrap_or(u64::MAX);
        let mut tasks = Vec::new();
        for mut party in parties {
            let (client, done) = (client.clone(), Arc::clone(&done));
            tasks.push(tokio::spawn(async move {
                while Instant::now() < stop_at && done.load(Ordering::Relaxed) < target {
                    post(&client, addr, party.next()).await;
                    done.fetch_add(1, Ordering::Relaxed);
                }
                party
            }));
        }
        let progress = fill.map(|target| {
            let done = Arc::clone(&done);
            tokio::spawn(async move {
                loop {
                    tokio::time::sleep(Duration::from_secs(10)).await;
                    let n = done.load(Ordering::Relaxed);
                    eprintln!(
                        "fill: {n} of {target} statements, {:.0}/s",
                        n as f64 / start.elapsed().as_secs_f64()
                    );
                }
            })
        });
        let mut parties = Vec::new();
        for t in tasks {
            parties.push(t.await.unwrap());
        }
        if let Some(p) = progress {
            p.abort();
        }
        let elapsed = start.elapsed().as_secs_f64();
        let n = done.load(Ordering::Relaxed);
        let size1 = state.published_size();
        let store = Arc::clone(state.store());
        let checkpoints = {
            let mut count = 0u64;
            // Count checkpoints signed during the run: one per group commit.
            for size in size0 + 1..=size1 {
                if store.checkpoint(size).unwrap().is_some() {
                    count += 1;
                }
            }
            count
        };
        println!(
            "throughput: {n} durable statements in {elapsed:.1} s = {:.0} statements/s \
             ({CLIENTS} clients; {checkpoints} group commits, {:.1} statements per commit)",
            n as f64 / elapsed,
            n as f64 / checkpoints.max(1) as f64
        );

        if fill.is_some() {
            println!("filled {} with {size1} log entries", dir.display());
            let _ = stop.send(());
            server.await.unwrap().unwrap();
            return;
        }

        // 2. Latency at a fixed rate.
        // Statements left from 1. come first: their sequence numbers are next.
        let mut parties = parties;
        let sends = secs * RATE / CLIENTS as u64;
        for party in &mut parties {
            party.presign((sends as usize).saturating_sub(party.signed.len()));
        }
        let period = Duration::from_micros(1_000_000 * CLIENTS as u64 / RATE);
        let start = tokio::time::Instant::now() + Duration::from_millis(100);
        let mut tasks = Vec::new();
        for (i, mut party) in parties.into_iter().enumerate() {
            let client = client.clone();
            tasks.push(tokio::spawn(async move {
                let offset = period * i as u32 / CLIENTS as u32;
                let mut latencies = Vec::with_capacity(sends as usize);
                for k in 0..sends {
                    let due = start + offset + period * k as u32;
                    tokio::time::sleep_until(due).await;
                    post(&client, addr, party.next()).await;
                    latencies.push(due.elapsed());
                }
                latencies
            }));
        }
        let mut latencies = Vec::new();
        for t in tasks {
            latencies.extend(t.await.unwrap());
        }
        latencies.sort();
        println!(
            "latency at {RATE} statements/s: {} receipts, p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
            latencies.len(),
            percentile(&latencies, 0.50).as_secs_f64() * 1e3,
            percentile(&latencies, 0.99).as_secs_f64() * 1e3,
            latencies.last().unwrap().as_secs_f64() * 1e3,
        );
        let _ = stop.send(());
        server.await.unwrap().unwrap();
    });
}
