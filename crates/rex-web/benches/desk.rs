//! The officers' desk under a full store, and a message's submitted receipt under load
//! (issue 10, deliverable 8; targets: the desk and the work queue render in under 50 ms p99
//! with 10,000 requests and 100,000 messages in the node's store; a message's submitted
//! receipt reaches the sender in under 100 ms p99 at 100 messages/s).
//!
//! Run: `cargo bench -p rex-web --bench desk` (both parts). `REX_BENCH_PART=desk` or
//! `receipt` runs one.
//!
//! **Part 1, the desk.** A real hub (SQLite, served on loopback) and a real US node
//! (`rex_node::init`, its SQLite store and the desk's on the target directory's disk). The
//! log is filled over HTTP by the hub's real handlers with really signed statements: an
//! agreement among 16 states, `REX_BENCH_REQUESTS` requests (default 10,000; 60 % asked of
//! the US, 30 % asked by the US, 10 % between others; most answered) and
//! `REX_BENCH_MESSAGES` messages (default 100,000; 25 % to the US, 65 % from the US, 10 %
//! between others), each with its evidence chain: delivered, read and acknowledged or
//! rejected by its recipients, a few left unread or unanswered. Each state posts its own
//! statements one after the other (its sequence numbers are in order), the states in
//! parallel. The US's own statements are signed with the US node's key, read from its data
//! directory: the node did not submit them itself (its store keeps no receipt for them,
//! which the pages do not read), since one state's statements are serial and the node's
//! `submit` would also check and keep each receipt. Dossiers and message ciphertexts are not
//! uploaded (the statements name their digests; no page reads them). To keep the fill to
//! minutes, the hub's data directory is on tmpfs (`/dev/shm` when it exists;
//! `REX_BENCH_FILL_DIR` to choose) and it commits each batch without waiting for more
//! (`window` 0): no page waits for the hub.
//!
//! The desk then syncs once (`Desk::sync_now`: the whole log fetched, checked against the
//! checkpoint and replayed; timed and printed), a liaison officer who is also case officer
//! and approver gets a session in the desk's store, and the router answers `GET /`,
//! `GET /queue` and `GET /queue?side=incoming&status=awaiting_answer` through
//! `tower::ServiceExt::oneshot` (the session looked up in the desk's SQLite file, the page
//! rendered, the body read to its end): `REX_BENCH_WARMUP` (default 20) renders each, then
//! `REX_BENCH_RENDERS` (default 300) timed, interleaved.
//!
//! **Part 2, receipts.** A fresh hub with its default configuration (SQLite on the target
//! directory's disk, WAL, `synchronous=FULL`, group commit in 2 ms windows) on loopback, and
//! `REX_BENCH_SENDERS` sending states (default 10) plus one recipient. Each sender is a real
//! node (`rex_node::init`) on a thread of its own, and sends on a fixed schedule adding up to
//! `REX_BENCH_RATE` messages/s (default 100; each sender every `senders / rate` s,
//! staggered) for `REX_BENCH_SECS` seconds (default 30) with `Node::send_message`: the
//! letter encrypted to the recipient and to itself, the ciphertext uploaded, `message_sent`
//! signed and posted, the hub's receipt checked (digest, checkpoint signature and
//! consistency, the entry at its index, the inclusion proof) and kept in the node's store,
//! the checkpoint cosigned. The latency of a message is from its scheduled time until
//! `send_message` returns, so a send that falls behind delays the next one visibly (no
//! coordinated omission).
//!
//! Prints the machine, the load average, and p50 / p99 / max per measure. Timings are for
//! this machine and load: compare runs made on the same machine only.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use base64::prelude::{Engine as _, BASE64_STANDARD, BASE64_URL_SAFE_NO_PAD};
use ed25519_dalek::SigningKey;
use http_body_util::BodyExt as _;
use rex_domain::{
    ActedBy, Action, AgreementId, AgreementTerms, Answer, Conversation, ConversationName, Digest,
    DossierRef, Envelope, MessageId, MessageRejectionReason, MetadataDraft, Offence, PartyId,
    RefusalGround, RequestId, RequestMetadata, Severity, Statement, TermsDraft,
};
use rex_hub::{Clock as _, GroupCommit, Hub, HubConfig, SystemClock};
use rex_node::{HubClient, Node, Outgoing};
use rex_testkit::{key_file, key_of, party};
use tower::ServiceExt as _;

fn var<T: std::str::FromStr>(name: &str, default: T) -> T {
    match std::env::var(name) {
        Ok(s) => s
            .parse()
            .unwrap_or_else(|_| panic!("{name}={s:?} cannot be parsed")),
        Err(_) => default,
    }
}

fn now() -> u64 {
    SystemClock.now()
}

/// `p50 a ms, p99 b ms, max c ms (n)`.
fn summary(mut samples: Vec<Duration>) -> String {
    samples.sort();
    let at = |p: f64| {
        let i = ((samples.len() as f64 - 1.0) * p).round() as usize;
        samples[i].as_secs_f64() * 1e3
    };
    format!(
        "p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms ({} samples)",
        at(0.50),
        at(0.99),
        samples.last().map_or(0.0, |d| d.as_secs_f64() * 1e3),
        samples.len()
    )
}

fn load() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|m| m.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    format!("{cores} cores, {cpu}")
}

/// A hub served on loopback by the benchmark's runtime.
struct Served {
    addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<Result<(), rex_hub::HubError>>>,
}

impl Served {
    fn start(
        rt: &tokio::runtime::Runtime,
        dir: &Path,
        config: HubConfig,
        addr: SocketAddr,
    ) -> Served {
        rt.block_on(async {
            let hub = Hub::open(dir, config).await.expect("the hub opens");
            let listener = tokio::net::TcpListener::bind(addr).await.expect("bind");
            let addr = listener.local_addr().expect("local address");
            let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
            let task = tokio::spawn(rex_hub::serve_on(hub, listener, async {
                let _ = stopped.await;
            }));
            Served {
                addr,
                stop: Some(stop),
                task: Some(task),
            }
        })
    }

    fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    fn stop(&mut self, rt: &tokio::runtime::Runtime) {
        if let (Some(stop), Some(task)) = (self.stop.take(), self.task.take()) {
            let _ = stop.send(());
            rt.block_on(task)
                .expect("the server task")
                .expect("the server stops cleanly");
        }
    }
}

/// A hub in `hub_dir` with `others` registered (keys by `key_of`) and the nodes `nodes`
/// (made by `rex_node::init` against it, then registered offline as an operator does):
/// returns the hub, served again on the same address, and the nodes.
fn hub_with_nodes(
    rt: &tokio::runtime::Runtime,
    hub_dir: &Path,
    config: &HubConfig,
    others: &[String],
    nodes: &[(&str, PathBuf)],
) -> (Served, Vec<Node>) {
    for o in others {
        rex_hub::register_party(hub_dir, key_file(o), &SystemClock).expect("register");
    }
    let mut hub = Served::start(rt, hub_dir, config.clone(), "127.0.0.1:0".parse().unwrap());
    let made: Vec<Node> = nodes
        .iter()
        .map(|(code, dir)| rex_node::init(party(code), &hub.url(), dir).expect("node init"))
        .collect();
    hub.stop(rt);
    for n in &made {
        rex_hub::register_party(hub_dir, n.public_keys().unwrap(), &SystemClock)
            .expect("register a node");
    }
    let addr = hub.addr;
    (Served::start(rt, hub_dir, config.clone(), addr), made)
}

/// A state posting its own statements, one after the other.
struct Actor {
    party: PartyId,
    key: SigningKey,
    seq: u64,
}

impl Actor {
    fn sign(&mut self, action: Action) -> Envelope {
        self.seq += 1;
        let statement = Statement::new(self.party, self.seq, now(), action);
        Envelope::sign_statement(&statement, &self.key)
    }
}

/// Every actor posts its actions in order, the actors in parallel (one thread and one HTTP
/// agent each); returns each action's payload digest, by actor, in order.
fn post_all(
    url: &str,
    actors: &mut BTreeMap<PartyId, Actor>,
    mut work: BTreeMap<PartyId, Vec<Action>>,
) -> BTreeMap<PartyId, Vec<Digest>> {
    let started = Instant::now();
    let total: usize = work.values().map(Vec::len).sum();
    let out = std::thread::scope(|s| {
        let handles: Vec<_> = actors
            .iter_mut()
            .filter_map(|(p, a)| work.remove(p).map(|w| (*p, a, w)))
            .map(|(p, actor, actions)| {
                s.spawn(move || {
                    let client = HubClient::new(url).expect("client");
                    let digests: Vec<Digest> = actions
                        .into_iter()
                        .map(|action| {
                            let envelope = actor.sign(action);
                            let receipt = client
                                .post_statement(&envelope)
                                .unwrap_or_else(|e| panic!("{p} seq {}: {e}", actor.seq));
                            let digest = envelope.payload_digest();
                            assert_eq!(receipt.statement_sha256, digest.to_string());
                            digest
                        })
                        .collect();
                    (p, digests)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("an actor's thread"))
            .collect()
    });
    let secs = started.elapsed().as_secs_f64();
    eprintln!(
        "  {total} statements in {secs:.1} s ({:.0}/s), load {}",
        total as f64 / secs,
        load()
    );
    out
}

fn push(work: &mut BTreeMap<PartyId, Vec<Action>>, p: PartyId, a: Action) {
    work.entry(p).or_default().push(a);
}

fn desk_bench(rt: &tokio::runtime::Runtime) {
    let requests: usize = var("REX_BENCH_REQUESTS", 10_000);
    let messages: usize = var("REX_BENCH_MESSAGES", 100_000);
    let renders: usize = var("REX_BENCH_RENDERS", 300);
    let warmup: usize = var("REX_BENCH_WARMUP", 20);
    let fill_root: PathBuf = std::env::var_os("REX_BENCH_FILL_DIR").map_or_else(
        || {
            if Path::new("/dev/shm").is_dir() {
                PathBuf::from("/dev/shm")
            } else {
                PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
            }
        },
        PathBuf::from,
    );
    let hub_tmp = tempfile::tempdir_in(&fill_root).expect("hub directory");
    let node_tmp = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).expect("node directory");
    let node_dir = node_tmp.path().join("US");
    let config = HubConfig {
        group_commit: GroupCommit {
            window: Duration::ZERO,
            ..GroupCommit::default()
        },
        ..HubConfig::default()
    };
    let others: Vec<String> = (0..15)
        .map(|i| format!("A{}", (b'A' + i) as char))
        .collect();
    let (mut hub, mut nodes) = hub_with_nodes(
        rt,
        hub_tmp.path(),
        &config,
        &others,
        &[("US", node_dir.clone())],
    );
    let us_node = nodes.pop().expect("the US node");
    let url = hub.url();
    println!(
        "desk: hub in {} (fill), node in {}",
        hub_tmp.path().display(),
        node_dir.display()
    );

    let us = party("US");
    let seed = BASE64_STANDARD
        .decode(
            std::fs::read_to_string(node_dir.join("ed25519.key"))
                .expect("the node's key file")
                .trim(),
        )
        .expect("base64");
    let us_key = SigningKey::from_bytes(&seed.try_into().expect("32 bytes"));
    let mut actors: BTreeMap<PartyId, Actor> = others
        .iter()
        .map(|c| {
            (
                party(c),
                Actor {
                    party: party(c),
                    key: key_of(c),
                    seq: 0,
                },
            )
        })
        .collect();
    actors.insert(
        us,
        Actor {
            party: us,
            key: us_key,
            seq: 0,
        },
    );
    let others: Vec<PartyId> = others.iter().map(|c| party(c)).collect();
    let t0 = now();
    let fill = Instant::now();

    // The agreement, in force.
    let mut members: Vec<PartyId> = others.clone();
    members.push(us);
    members.sort();
    let terms = AgreementTerms::new(TermsDraft {
        prosecution_at_home_counts: true,
        ..TermsDraft::standard(
            &members,
            &[Offence::IllegalAccess, Offence::RansomwareExtortion],
            t0,
        )
    })
    .expect("terms");
    eprintln!("fill: the agreement");
    let proposed = post_all(
        &url,
        &mut actors,
        BTreeMap::from([(us, vec![Action::AgreementProposed { terms }])]),
    );
    let agreement = AgreementId::from_digest(&proposed[&us][0]);
    let mut work = BTreeMap::new();
    for p in &others {
        push(&mut work, *p, Action::AgreementSigned { agreement });
    }
    post_all(&url, &mut actors, work);

    // Requests: 60 % asked of the US, 30 % by the US, 10 % between others.
    let mut filed: Vec<(PartyId, PartyId)> = Vec::with_capacity(requests);
    let mut work = BTreeMap::new();
    for i in 0..requests {
        let other = others[i % others.len()];
        let (requester, custodian) = match i % 10 {
            0..=5 => (other, us),
            6..=8 => (us, other),
            _ => (other, others[(i + 1) % others.len()]),
        };
        let metadata = RequestMetadata::new(MetadataDraft {
            requester,
            custodian,
            agreement,
            offences: vec![if i % 3 == 0 {
                Offence::RansomwareExtortion
            } else {
                Offence::IllegalAccess
            }],
            max_penalty_months: 60 + (i % 200) as u32,
            severity: if i % 4 == 0 {
                Severity::Grave
            } else {
                Severity::Serious
            },
            subject_is_custodian_national: i % 17 == 0,
            sentence_remaining_months: None,
        })
        .expect("metadata");
        let dossier = DossierRef {
            sha256: Digest::of(format!("dossier {i}").as_bytes()),
            size: 4_096,
        };
        push(
            &mut work,
            requester,
            Action::RequestFiled { metadata, dossier },
        );
        filed.push((requester, custodian));
    }
    eprintln!("fill: {requests} requests");
    let digests = post_all(&url, &mut actors, work);
    let mut next: BTreeMap<PartyId, usize> = BTreeMap::new();
    let ids: Vec<RequestId> = filed
        .iter()
        .map(|(requester, _)| {
            let k = next.entry(*requester).or_default();
            *k += 1;
            RequestId::from_digest(&digests[requester][*k - 1])
        })
        .collect();
    // Answers: nine in ten (the rest await an answer), one in ten of those refused.
    let mut work = BTreeMap::new();
    for (i, (id, (_, custodian))) in ids.iter().zip(&filed).enumerate() {
        if i % 10 == 3 {
            continue;
        }
        let answer = if i % 10 == 7 {
            Answer::Refused {
                ground: RefusalGround::InsufficientEvidence,
            }
        } else if i % 17 == 0 {
            Answer::ProsecutionAtHome
        } else {
            Answer::Surrender
        };
        push(
            &mut work,
            *custodian,
            Action::RequestAnswered {
                request: *id,
                answer,
            },
        );
    }
    eprintln!("fill: answers");
    post_all(&url, &mut actors, work);

    // Messages: 25 % to the US, 65 % from the US, 10 % between others.
    let mut sent: Vec<(PartyId, PartyId)> = Vec::with_capacity(messages);
    let mut work = BTreeMap::new();
    for j in 0..messages {
        let other = others[j % others.len()];
        let (from, to) = match j % 20 {
            0..=4 => (other, us),
            5..=17 => (us, other),
            _ => (other, others[(j + 1) % others.len()]),
        };
        let name = format!("dialogue-{}-{}", from.as_str(), to.as_str());
        push(
            &mut work,
            from,
            Action::MessageSent {
                conversation: Conversation::Free {
                    name: ConversationName::new(&name).expect("a name"),
                },
                to: vec![to],
                ciphertext: DossierRef {
                    sha256: Digest::of(format!("message {j}").as_bytes()),
                    size: 1_024,
                },
                ack_by: t0 + (1 + (j as u64 % 60)) * 86_400,
                acted_by: ActedBy::NoOfficer,
            },
        );
        sent.push((from, to));
    }
    eprintln!("fill: {messages} messages");
    let digests = post_all(&url, &mut actors, work);
    let mut next: BTreeMap<PartyId, usize> = BTreeMap::new();
    // Evidence: every message delivered; 99 % read; 98 % answered (one in fifty rejected).
    let mut work = BTreeMap::new();
    for (j, (from, to)) in sent.iter().enumerate() {
        let k = next.entry(*from).or_default();
        *k += 1;
        let message = MessageId::from_digest(&digests[from][*k - 1]);
        push(&mut work, *to, Action::MessageDelivered { message });
        if j % 100 == 1 {
            continue;
        }
        push(
            &mut work,
            *to,
            Action::MessageRead {
                message,
                officer: None,
            },
        );
        if j % 100 == 2 {
            continue;
        }
        push(
            &mut work,
            *to,
            if j % 50 == 9 {
                Action::MessageRejected {
                    message,
                    reason: MessageRejectionReason::Incomplete,
                    acted_by: ActedBy::NoOfficer,
                }
            } else {
                Action::MessageAcknowledged {
                    message,
                    acted_by: ActedBy::NoOfficer,
                }
            },
        );
    }
    eprintln!("fill: the messages' evidence");
    post_all(&url, &mut actors, work);
    let statements: u64 = actors.values().map(|a| a.seq).sum();
    println!(
        "desk: filled the log with {statements} statements by {} states in {:.0} s",
        actors.len(),
        fill.elapsed().as_secs_f64()
    );

    // The desk: one sync, then renders.
    let desk = rex_web::Desk::with_node(us_node, rex_web::Config::new("http://localhost:8080"))
        .expect("the desk");
    let synced = Instant::now();
    desk.sync_now().expect("the desk syncs");
    let view = desk.view();
    let registry = view.registry.as_ref().expect("a registry");
    println!(
        "desk: sync (fetch, check and replay of {} entries) {:.1} s; the view holds {} requests and {} messages",
        view.report.as_ref().map_or(0, |r| r.size),
        synced.elapsed().as_secs_f64(),
        registry.requests().count(),
        registry.messages().count()
    );
    let (officer, _) = rex_web::add_officer(
        desk.dir(),
        "liaison",
        "A liaison officer",
        "liaison,case-officer,approver".parse().expect("roles"),
        now(),
    )
    .expect("an officer");
    let session: [u8; 32] = rand_session();
    rex_web::DeskStore::open(desk.dir())
        .expect("the desk's store")
        .open_session(&officer, &session, now())
        .expect("a session");
    let cookie = format!("rex_session={}", BASE64_URL_SAFE_NO_PAD.encode(session));
    let router = rex_web::router(Arc::clone(&desk));
    let pages: [(&str, &str, &str); 3] = [
        ("desk", "/", "Awaiting US"),
        ("queue", "/queue", "Work queue"),
        (
            "queue, incoming awaiting an answer",
            "/queue?side=incoming&status=awaiting_answer",
            "Work queue",
        ),
    ];
    let mut times: Vec<Vec<Duration>> = vec![Vec::new(); pages.len()];
    let mut sizes = vec![0usize; pages.len()];
    let load_before = load();
    for round in 0..warmup + renders {
        for (k, (_, path, expect)) in pages.iter().enumerate() {
            let request = Request::get(*path)
                .header(header::COOKIE, &cookie)
                .body(Body::empty())
                .expect("a request");
            let started = Instant::now();
            let (status, body) = rt.block_on(async {
                let response = router.clone().oneshot(request).await.expect("infallible");
                let status = response.status();
                let body = response
                    .into_body()
                    .collect()
                    .await
                    .expect("the body")
                    .to_bytes();
                (status, body)
            });
            let took = started.elapsed();
            assert_eq!(status, StatusCode::OK, "{path}");
            let text = std::str::from_utf8(&body).expect("UTF-8");
            assert!(text.contains(expect), "{path} lacks {expect:?}");
            if round >= warmup {
                times[k].push(took);
                sizes[k] = body.len();
            }
        }
    }
    for (k, (name, path, _)) in pages.iter().enumerate() {
        println!(
            "desk: GET {path} ({name}, {} KiB): {}",
            sizes[k] / 1024,
            summary(std::mem::take(&mut times[k]))
        );
    }
    println!(
        "desk: load average {load_before} before the renders, {} after",
        load()
    );
    drop(router);
    drop(desk);
    hub.stop(rt);
}

fn rand_session() -> [u8; 32] {
    use rand_core::RngCore as _;
    let mut id = [0u8; 32];
    rand_core::OsRng.fill_bytes(&mut id);
    id
}

fn receipt_bench(rt: &tokio::runtime::Runtime) {
    let senders: usize = var("REX_BENCH_SENDERS", 10);
    let rate: u64 = var("REX_BENCH_RATE", 100);
    let secs: u64 = var("REX_BENCH_SECS", 30);
    assert!(senders > 0 && rate > 0, "senders and rate are positive");
    // On the target directory's disk, not a tmpfs, so fsync costs what it costs.
    let tmp = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).expect("a directory");
    let hub_dir = tmp.path().join("hub");
    let codes: Vec<String> = (0..senders)
        .map(|i| format!("S{}", (b'A' + (i % 26) as u8) as char))
        .collect();
    let recipient = "RU";
    let mut dirs: Vec<(&str, PathBuf)> = codes
        .iter()
        .map(|c| (c.as_str(), tmp.path().join(c)))
        .collect();
    dirs.push((recipient, tmp.path().join(recipient)));
    let (mut hub, mut nodes) = hub_with_nodes(rt, &hub_dir, &HubConfig::default(), &[], &dirs);
    nodes.pop();
    let period = Duration::from_nanos(1_000_000_000 * senders as u64 / rate);
    let sends = (secs * rate / senders as u64) as usize;
    println!(
        "receipt: {senders} sending nodes, {rate} messages/s in all (each every {:.0} ms), {secs} s; hub and nodes in {}",
        period.as_secs_f64() * 1e3,
        tmp.path().display()
    );
    let to = party(recipient);
    let start = Instant::now() + Duration::from_millis(200);
    let load_before = load();
    let latencies: Vec<Duration> = std::thread::scope(|s| {
        let handles: Vec<_> = nodes
            .into_iter()
            .enumerate()
            .map(|(i, mut node)| {
                s.spawn(move || {
                    let offset = period * i as u32 / senders as u32;
                    let mut out = Vec::with_capacity(sends);
                    for k in 0..sends {
                        let due = start + offset + period * k as u32;
                        if let Some(wait) = due.checked_duration_since(Instant::now()) {
                            std::thread::sleep(wait);
                        }
                        let sent = node.send_message(Outgoing {
                            conversation: Conversation::Free {
                                name: ConversationName::new("benchmark").expect("a name"),
                            },
                            to: vec![to],
                            subject: format!("message {k}"),
                            body: "x".repeat(600),
                            ack_within: 5 * 86_400,
                        });
                        if let Err(e) = sent {
                            explain(&node);
                            panic!("{} message {k}: {e}", node.party());
                        }
                        out.push(due.elapsed());
                    }
                    out
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("a sender's thread"))
            .collect()
    });
    println!(
        "receipt: at {rate} messages/s, from the scheduled time until send_message returns with the receipt checked and kept: {}",
        summary(latencies)
    );
    println!(
        "receipt: load average {load_before} before, {} after",
        load()
    );
    hub.stop(rt);
}

/// What the hub answers now for the two checkpoints of each piece of evidence `node` holds:
/// a refusal then, a proof now, says the hub could not prove what it had signed at the time.
fn explain(node: &Node) {
    let root = |b64: &str| {
        rex_tlog::Hash::from_slice(&BASE64_STANDARD.decode(b64).expect("base64")).expect("hash")
    };
    for e in node.evidence().unwrap_or_default() {
        let (small, large) = if e.a.size <= e.b.size {
            (&e.a, &e.b)
        } else {
            (&e.b, &e.a)
        };
        let now = node.client().consistency(small.size, large.size);
        let verdict = match &now {
            Ok(proof) => format!(
                "a proof of {} hashes, which {}",
                proof.len(),
                if rex_tlog::verify_consistency(
                    small.size,
                    large.size,
                    root(&small.root),
                    root(&large.root),
                    proof
                )
                .is_ok()
                {
                    "verifies"
                } else {
                    "does not verify"
                }
            ),
            Err(e) => format!("{e}"),
        };
        eprintln!(
            "{}: evidence {} ({}) / {} ({}); the hub's consistency proof now: {verdict}",
            node.party(),
            small.size,
            small.from,
            large.size,
            large.from
        );
    }
}

fn main() {
    let part: String = var("REX_BENCH_PART", "all".to_owned());
    println!("machine: {}, load average {}", machine(), load());
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    match part.as_str() {
        "all" => {
            desk_bench(&rt);
            receipt_bench(&rt);
        }
        "desk" => desk_bench(&rt),
        "receipt" => receipt_bench(&rt),
        other => panic!("REX_BENCH_PART={other:?}: use desk, receipt or all"),
    }
}
