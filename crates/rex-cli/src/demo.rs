//! `rex demo`: the June 2021 offer, played end to end over real HTTP on loopback.
//!
//! A hub runs in this process (`rex_hub`, on 127.0.0.1, port chosen by the system) and a node
//! per state in a temporary directory. Act one: the United States and Russia sign a bilateral
//! cybercrime reciprocity agreement; the US asks for ransomware suspects held by Russia (Russian
//! nationals, so Russia may only prosecute them at home), Russia asks for suspects of similar
//! gravity held by the US (surrender); the hub matches the two requests, both states sign the
//! exchange, the surrender runs all-or-nothing (ready, verified, go, delivered, received) and
//! the prosecution through its milestones. Act two: Germany joins, a trilateral agreement is
//! signed and a three-state cycle is executed. Act three: France joins, and four states sign an
//! agreement with deferred reciprocity; France's unconditional offer starts a chain within the
//! credit limit, two states ask France for the same person (France's node sees equal keyed tags,
//! never the name, and France decides), Germany's central authority decides a
//! political-offence objection, and Russia lets an answer deadline pass: the demo moves every
//! clock (the hub's and the nodes') 61 days forward, and the hub records the breach by itself;
//! the ledger is printed. Every action is signed, submitted, its receipt verified and the
//! checkpoint cosigned; at the end every node syncs and the log is audited
//! from scratch under pinned keys (the hub's, from its key files, and every state's
//! cosignature key, every state required). The demo exits 0 only if all of that verified.

use crate::act::now;
use crate::agreement::terms;
use crate::failure::fail;
use crate::Failure;
use clap::Args;
use rex_domain::{
    Action, AgreementId, AgreementTerms, Answer, Check, CreditTerms, DossierFacts, ExchangeId,
    ExchangeStatus, Factor, LegKind, MetadataDraft, Milestone, Offence, Others, PartyId, RequestId,
    Severity, StructuredDossier, SubjectIdentity, TermsDraft,
};
use rex_node::Node;
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

const DAY: u64 = 86_400;

/// How far act three has moved every clock of the demo forward, in seconds.
static SKIPPED: AtomicU64 = AtomicU64::new(0);

/// The demo's time: the system's, moved forward by what act three skipped. The hub and every
/// node read it, so that their statements stay within each other's clock bounds.
fn demo_now() -> u64 {
    now() + SKIPPED.load(Ordering::SeqCst)
}

/// [`demo_now`] as the hub's clock.
struct DemoClock;

impl rex_hub::Clock for DemoClock {
    fn now(&self) -> u64 {
        demo_now()
    }
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Keep the data directories here instead of a temporary directory that is removed.
    #[arg(long, value_name = "DIR")]
    pub keep: Option<PathBuf>,
    /// After the story, keep the hub and the states' nodes running, each serving its
    /// officers' desk, and print each desk's URL with one-time enrolment codes (Ctrl-C stops).
    #[arg(long)]
    pub ui: bool,
}

/// A hub served in this process on loopback.
struct LocalHub {
    runtime: tokio::runtime::Runtime,
    dir: PathBuf,
    addr: SocketAddr,
    running: Option<(
        tokio::sync::oneshot::Sender<()>,
        tokio::task::JoinHandle<()>,
    )>,
}

impl LocalHub {
    fn start(dir: &Path) -> Result<LocalHub, Failure> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .map_err(|e| Failure::other(format!("tokio: {e}")))?;
        let mut hub = LocalHub {
            runtime,
            dir: dir.to_owned(),
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            running: None,
        };
        hub.serve()?;
        Ok(hub)
    }

    fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Opens the hub and serves it on `self.addr` (the same port again after a restart).
    fn serve(&mut self) -> Result<(), Failure> {
        let config = rex_hub::HubConfig {
            clock: std::sync::Arc::new(DemoClock),
            ..rex_hub::HubConfig::default()
        };
        let bound = self
            .runtime
            .block_on(rex_hub::bind_with(&self.dir, self.addr, config))
            .map_err(|e| Failure::other(format!("hub: {e}")))?;
        self.addr = bound.local_addr();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let task = self.runtime.spawn(async move {
            let _ = bound
                .serve(async {
                    let _ = stopped.await;
                })
                .await;
        });
        self.running = Some((stop, task));
        Ok(())
    }

    fn stop(&mut self) {
        if let Some((stop, task)) = self.running.take() {
            let _ = stop.send(());
            let _ = self.runtime.block_on(task);
        }
    }

    /// A client of the hub signing as its operator, with the key the hub made on first start.
    fn operator_client(&self) -> Result<rex_node::HubClient, Failure> {
        let key =
            rex_hub::keys::read_operator_key(&self.dir.join(rex_hub::keys::OPERATOR_KEY_FILE))
                .map_err(|e| Failure::other(e.to_string()))?;
        let client = rex_node::HubClient::new(&self.url()).map_err(fail)?;
        let origin = client.hub_info().map_err(fail)?.origin;
        Ok(client.signing_with(rex_node::RequestKey::new(
            rex_api::auth::OPERATOR,
            key,
            &origin,
            demo_now,
        )))
    }

    /// The trust file an outside auditor writes: the hub's vkeys read from its key files, a
    /// `witness` line per state, every state required.
    fn trust(&self, nodes: &[Node]) -> Result<rex_node::Trust, Failure> {
        let keys = rex_hub::HubKeys::load(&self.dir)
            .map_err(|e| Failure::other(format!("hub: {e}")))?
            .ok_or_else(|| Failure::other("hub: its keys are gone"))?;
        let mut text =
            rex_node::trust::hub_lines(keys.checkpoint.verifier(), keys.statement.verifying_key())
                .map_err(fail)?;
        for n in nodes {
            let vkey =
                rex_node::trust::witness_vkey(&n.public_keys().map_err(fail)?).map_err(fail)?;
            text.push_str(&format!("witness {vkey}\n"));
        }
        rex_node::Trust::parse(&text).map_err(fail)
    }

    /// Registers states: the operator stops the hub, imports their key files, restarts it.
    fn register(&mut self, nodes: &[&Node]) -> Result<(), Failure> {
        self.stop();
        for n in nodes {
            let keys = n.public_keys().map_err(fail)?;
            rex_hub::register_party(&self.dir, keys, &DemoClock)
                .map_err(|e| Failure::other(format!("registering {}: {e}", n.party())))?;
        }
        self.serve()
    }
}

impl Drop for LocalHub {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The story's narrator: numbered lines, and a tally of what each state gave and got.
struct Story {
    step: usize,
    gave: BTreeMap<PartyId, Vec<String>>,
    got: BTreeMap<PartyId, Vec<String>>,
}

impl Story {
    fn say(&mut self, line: impl AsRef<str>) {
        self.step += 1;
        println!("{:>3}. {}", self.step, line.as_ref());
    }
}

fn act(
    story: &mut Story,
    node: &mut Node,
    action: Action,
    what: &str,
) -> Result<rex_node::Submitted, Failure> {
    let s = node.submit(action).map_err(fail)?;
    if let Err(e) = &s.cosigned {
        return Err(Failure::other(format!(
            "{} could not cosign: {e}",
            node.party()
        )));
    }
    story.say(format!(
        "{} {what} — entry {}, receipt verified against checkpoint {}, cosigned",
        node.party(),
        s.index,
        s.tree_size
    ));
    Ok(s)
}

fn party(code: &str) -> PartyId {
    PartyId::new(code).unwrap_or_else(|e| unreachable!("{code} is a party code: {e}"))
}

fn agreement(
    story: &mut Story,
    members: &mut [&mut Node],
    max_cycle: u8,
    credit: Option<CreditTerms>,
    what: &str,
) -> Result<AgreementId, Failure> {
    let ids: Vec<PartyId> = members.iter().map(|n| n.party()).collect();
    let t = terms(
        &ids,
        &[
            Offence::IllegalAccess,
            Offence::DataInterference,
            Offence::ComputerRelatedFraud,
            Offence::RansomwareExtortion,
        ],
        1,
        max_cycle,
        true,
        12,
        demo_now() + 30 * DAY,
        7 * DAY,
        60 * DAY,
        Some(rex_domain::Deadlines::STANDARD),
    )?;
    let t = AgreementTerms::new(TermsDraft {
        credit,
        ..(*t).clone()
    })
    .map_err(|e| Failure::other(e.to_string()))?;
    let (first, rest) = members
        .split_first_mut()
        .ok_or_else(|| Failure::other("no members"))?;
    let s = act(
        story,
        first,
        Action::AgreementProposed { terms: t },
        &format!("proposes {what}"),
    )?;
    let id = AgreementId::from_digest(&s.digest);
    for m in rest {
        act(
            story,
            m,
            Action::AgreementSigned { agreement: id },
            &format!("signs {what} {id}"),
        )?;
    }
    story.say(format!("agreement {id} is in force"));
    Ok(id)
}

#[allow(clippy::too_many_arguments)]
fn file(
    story: &mut Story,
    requester: &mut Node,
    custodian: PartyId,
    agreement: AgreementId,
    offences: &[Offence],
    severity: Severity,
    own_national: bool,
    dossier: &str,
) -> Result<RequestId, Failure> {
    let draft = MetadataDraft {
        requester: requester.party(),
        custodian,
        agreement,
        offences: {
            let mut o = offences.to_vec();
            o.sort();
            o.dedup();
            o
        },
        max_penalty_months: 240,
        severity,
        subject_is_custodian_national: own_national,
        sentence_remaining_months: None,
    };
    let (id, s) = requester
        .file_request(draft, dossier.as_bytes())
        .map_err(fail)?;
    story.say(format!(
        "{} files {id} with {custodian} ({severity}{}), dossier encrypted to both — entry {}, receipt verified, cosigned; screening passed",
        requester.party(),
        if own_national { ", custodian's own national" } else { "" },
        s.index
    ));
    Ok(id)
}

/// Runs a matching round and returns the exchange proposed for `requests`.
fn matching(
    story: &mut Story,
    hub: &LocalHub,
    node: &Node,
    requests: &[RequestId],
) -> Result<ExchangeId, Failure> {
    let receipt = hub
        .operator_client()?
        .run_matching_round()
        .map_err(fail)?
        .ok_or_else(|| Failure::other("the matching round proposed nothing"))?;
    let reg = node.registry().map_err(fail)?;
    let x = reg
        .exchanges()
        .find(|x| {
            x.status == ExchangeStatus::Proposed
                && requests.iter().all(|r| x.proposal.cycle.contains(r))
        })
        .ok_or_else(|| {
            Failure::other("the matching round proposed no exchange for the requests")
        })?;
    let shape = match x.proposal.credit_moved() {
        Some((offerer, last)) => format!(
            " as a chain: {offerer} gives on its offer, {last} receives without giving \
             ({offerer} is owed one handover, {last} owes one)"
        ),
        None => String::new(),
    };
    story.say(format!(
        "the hub's matching round (entry {}) proposes exchange {} over {} requests{shape}",
        receipt.index,
        x.proposal.id,
        x.proposal.cycle.len()
    ));
    Ok(x.proposal.id)
}

fn node_of(nodes: &mut [Node], p: PartyId) -> Result<&mut Node, Failure> {
    nodes
        .iter_mut()
        .find(|n| n.party() == p)
        .ok_or_else(|| Failure::other(format!("no node for {p}")))
}

/// Signs, executes and completes an exchange among `nodes`.
fn execute(story: &mut Story, nodes: &mut [Node], exchange: ExchangeId) -> Result<(), Failure> {
    let reg = nodes[0].registry().map_err(fail)?;
    let x = reg
        .exchange(&exchange)
        .ok_or_else(|| Failure::other(format!("no exchange {exchange}")))?
        .clone();
    for p in &x.parties {
        let n = node_of(nodes, *p)?;
        // Each state signs the digest of the proposal as its own replay of the log gives it.
        let digest = n
            .registry()
            .map_err(fail)?
            .exchange(&exchange)
            .map(|x| x.digest)
            .ok_or_else(|| Failure::other("exchange vanished"))?;
        act(
            story,
            n,
            Action::ExchangeSigned {
                exchange,
                proposal_sha256: digest,
            },
            &format!("signs exchange {exchange}"),
        )?;
    }
    story.say(format!(
        "exchange {exchange} is binding: every member signed the same proposal bytes"
    ));
    let legs = x.proposal.legs.clone();
    for l in &legs {
        let (e, r) = (exchange, l.request);
        match l.kind {
            LegKind::Surrender => {
                act(
                    story,
                    node_of(nodes, l.giver)?,
                    Action::LegReady {
                        exchange: e,
                        request: r,
                    },
                    &format!(
                        "declares the subject of {r} ready for surrender to {}",
                        l.receiver
                    ),
                )?;
                act(
                    story,
                    node_of(nodes, l.receiver)?,
                    Action::LegVerified {
                        exchange: e,
                        request: r,
                    },
                    &format!("verifies the identity of the subject of {r}"),
                )?;
            }
            LegKind::ProsecutionAtHome => {
                act(
                    story,
                    node_of(nodes, l.giver)?,
                    Action::MilestoneRecorded {
                        exchange: e,
                        request: r,
                        milestone: Milestone::Opened,
                    },
                    &format!("opens proceedings at home against the subject of {r}"),
                )?;
            }
        }
    }
    // The hub declares go by itself once every leg is ready for it.
    wait_for(&nodes[0], &format!("declare go for {exchange}"), |reg| {
        reg.exchange(&exchange)?.go_at
    })?;
    story.say(format!(
        "the hub declares GO for {exchange}: all legs ready and verified, in the log"
    ));
    for l in &legs {
        let (e, r) = (exchange, l.request);
        match l.kind {
            LegKind::Surrender => {
                act(
                    story,
                    node_of(nodes, l.giver)?,
                    Action::LegDelivered {
                        exchange: e,
                        request: r,
                    },
                    &format!("hands the subject of {r} over to {}", l.receiver),
                )?;
                act(
                    story,
                    node_of(nodes, l.receiver)?,
                    Action::LegReceived {
                        exchange: e,
                        request: r,
                    },
                    &format!("confirms receipt of the subject of {r}"),
                )?;
                story
                    .gave
                    .entry(l.giver)
                    .or_default()
                    .push(format!("surrendered the subject of {r} to {}", l.receiver));
                story
                    .got
                    .entry(l.receiver)
                    .or_default()
                    .push(format!("received the subject of {r} from {}", l.giver));
            }
            LegKind::ProsecutionAtHome => {
                for (m, what) in [
                    (Milestone::Charged, "charges"),
                    (Milestone::Verdict, "obtains a verdict against"),
                ] {
                    act(
                        story,
                        node_of(nodes, l.giver)?,
                        Action::MilestoneRecorded {
                            exchange: e,
                            request: r,
                            milestone: m,
                        },
                        &format!("{what} the subject of {r} at home"),
                    )?;
                }
                story.gave.entry(l.giver).or_default().push(format!(
                    "prosecuted the subject of {r} at home for {}",
                    l.receiver
                ));
                story.got.entry(l.receiver).or_default().push(format!(
                    "a verdict from {} against the subject of {r}",
                    l.giver
                ));
            }
        }
    }
    let reg = nodes[0].registry().map_err(fail)?;
    let done = reg
        .exchange(&exchange)
        .is_some_and(|x| x.status == ExchangeStatus::Completed);
    if !done {
        return Err(Failure::other(format!(
            "exchange {exchange} did not complete"
        )));
    }
    story.say(format!("exchange {exchange} is complete"));
    Ok(())
}

/// Files a request whose structured dossier names its subject, so that the custodian's node
/// can tag it.
#[allow(clippy::too_many_arguments)]
fn file_named(
    story: &mut Story,
    requester: &mut Node,
    custodian: PartyId,
    agreement: AgreementId,
    severity: Severity,
    (family_name, given_names, born): (&str, &str, &str),
    text: &str,
) -> Result<RequestId, Failure> {
    let facts = DossierFacts {
        born: Some(born.into()),
        identity: Some(SubjectIdentity {
            family_name: family_name.into(),
            given_names: given_names.into(),
        }),
        ..DossierFacts::default()
    };
    let plaintext = StructuredDossier::new(facts, text.into(), Vec::new())
        .to_plaintext()
        .map_err(|e| Failure::other(e.to_string()))?;
    let draft = MetadataDraft {
        requester: requester.party(),
        custodian,
        agreement,
        offences: vec![Offence::IllegalAccess, Offence::RansomwareExtortion],
        max_penalty_months: 240,
        severity,
        subject_is_custodian_national: false,
        sentence_remaining_months: None,
    };
    let (id, s) = requester.file_request(draft, &plaintext).map_err(fail)?;
    story.say(format!(
        "{} files {id} with {custodian} ({severity}), the subject named in the encrypted \
         dossier only — entry {}, receipt verified, cosigned",
        requester.party(),
        s.index
    ));
    Ok(id)
}

/// Polls `node`'s replay of the log until `found` finds what the hub does by itself (go, a
/// breach) or draws from a statement, for at most 20 s: the hub's own statements follow the states'
/// in its next batch, not in their receipts.
fn wait_for<T>(
    node: &Node,
    what: &str,
    found: impl Fn(&rex_domain::Registry) -> Option<T>,
) -> Result<T, Failure> {
    let started = Instant::now();
    loop {
        if let Some(t) = found(&node.registry().map_err(fail)?) {
            return Ok(t);
        }
        if started.elapsed() > Duration::from_secs(20) {
            return Err(Failure::other(format!("the hub did not {what}")));
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// Act three: four states, credit, a competing request, a human decision, a missed deadline,
/// and the ledger.
fn act_three(
    story: &mut Story,
    root: &Path,
    hub: &mut LocalHub,
    nodes: &mut Vec<Node>,
) -> Result<(), Failure> {
    println!("— Act three: four states, credit, and the law —");
    let fr = init_node(story, root, hub, "FR")?;
    hub.register(&[&fr])?;
    story.say("the hub operator registers FR");
    nodes.push(fr);
    let (us_i, ru_i, de_i, fr_i) = (0, 1, 2, 3);
    let credit = CreditTerms {
        max_outstanding: 1,
        max_chain: 3,
    };
    let four = {
        let mut members: Vec<&mut Node> = nodes.iter_mut().collect();
        members.rotate_right(1);
        agreement(
            story,
            &mut members,
            3,
            Some(credit),
            "a four-state agreement (DE, FR, RU, US) with deferred reciprocity: a state may be \
             owed, or owe, one handover",
        )?
    };

    // An unconditional offer starts a chain: FR gives to DE, DE gives to the US.
    let de_asks = file(
        story,
        &mut nodes[de_i],
        party("FR"),
        four,
        &[Offence::IllegalAccess],
        Severity::Serious,
        false,
        "Subject: an access broker arrested in Lyon; intrusions into German hospitals.",
    )?;
    let us_asks_de = file(
        story,
        &mut nodes[us_i],
        party("DE"),
        four,
        &[Offence::ComputerRelatedFraud],
        Severity::Serious,
        false,
        "Subject: a money mule recruiter held in Hamburg; fraud against US banks.",
    )?;
    for (custodian, r) in [(fr_i, de_asks), (de_i, us_asks_de)] {
        act(
            story,
            &mut nodes[custodian],
            Action::RequestAnswered {
                request: r,
                answer: Answer::Surrender,
            },
            &format!("answers {r}: exchangeable by surrender"),
        )?;
    }
    act(
        story,
        &mut nodes[fr_i],
        Action::OfferMade { request: de_asks },
        &format!(
            "offers the subject of {de_asks} unconditionally: it will give to DE without an \
             immediate return"
        ),
    )?;
    let chain = matching(story, hub, &nodes[0], &[de_asks, us_asks_de])?;
    execute(story, nodes, chain)?;

    // Two states ask FR for the same person; FR's node sees equal tags and FR decides.
    let person = ("Sokolov", "Artem", "1991-04-12");
    let ru_asks_fr = file_named(
        story,
        &mut nodes[ru_i],
        party("FR"),
        four,
        Severity::Serious,
        person,
        "Facts: intrusion into a Russian payment processor, 2024.",
    )?;
    let us_asks_fr = file_named(
        story,
        &mut nodes[us_i],
        party("FR"),
        four,
        Severity::Grave,
        person,
        "Facts: ransomware against a US hospital chain, 2025; six victims in care.",
    )?;
    for r in [ru_asks_fr, us_asks_fr] {
        if let Some(s) = nodes[fr_i].tag_subject(&r).map_err(fail)? {
            story.say(format!(
                "FR's node reads the dossier of {r} and logs its subject's keyed tag (entry {}): \
                 the hub sees a tag, never a name",
                s.index
            ));
        }
    }
    let competing = wait_for(&nodes[fr_i], "flag the competing requests", |reg| {
        let r = reg.request(&us_asks_fr)?;
        r.screening
            .iter()
            .any(|c| c.check == Check::CompetingRequest)
            .then_some(())
    });
    competing?;
    story.say(format!(
        "the tags are equal: {ru_asks_fr} and {us_asks_fr} compete for one person, and both \
         await FR's decision"
    ));
    let mut requests = vec![ru_asks_fr, us_asks_fr];
    requests.sort();
    act(
        story,
        &mut nodes[fr_i],
        Action::CompetitionDecided {
            requests,
            preferred: us_asks_fr,
            others: Others::Refuse,
            factors: vec![Factor::Seriousness, Factor::Dates],
            grounds_sha256: rex_domain::Digest::of(
                b"The US request concerns graver acts (ransomware against hospitals).",
            ),
        },
        &format!(
            "decides: {us_asks_fr} is preferred (seriousness, dates), {ru_asks_fr} is \
             refused on that ground; the written grounds stay at FR"
        ),
    )?;
    act(
        story,
        &mut nodes[fr_i],
        Action::RequestAnswered {
            request: us_asks_fr,
            answer: Answer::Surrender,
        },
        &format!("answers {us_asks_fr}: exchangeable by surrender"),
    )?;

    // A political-offence objection, decided by a person.
    let ru_asks_de = file(story, &mut nodes[ru_i], party("DE"), four, &[Offence::DataInterference], Severity::Serious, false, "Subject: a member of a hacktivist collective held in Berlin; defacement of Russian state sites.")?;
    act(
        story,
        &mut nodes[de_i],
        Action::ScreeningRaised {
            request: ru_asks_de,
            check: Check::PoliticalOffence,
        },
        &format!("raises a political-offence objection to {ru_asks_de}: a person must decide"),
    )?;
    act(
        story,
        &mut nodes[de_i],
        Action::DecisionRecorded {
            request: ru_asks_de,
            check: Check::PoliticalOffence,
            passed: false,
            grounds_sha256: rex_domain::Digest::of(
                b"The defacements protested a war; the acts are political in character.",
            ),
        },
        &format!(
            "decides the objection: the acts are political in character, {ru_asks_de} is \
             refused naming the check political_offence"
        ),
    )?;

    // A deadline that runs by itself.
    let us_asks_ru = file(
        story,
        &mut nodes[us_i],
        party("RU"),
        four,
        &[Offence::IllegalAccess],
        Severity::Serious,
        false,
        "Subject: a bulletproof-hosting operator in Saint Petersburg.",
    )?;
    let due = nodes[us_i]
        .registry()
        .map_err(fail)?
        .request(&us_asks_ru)
        .and_then(|r| r.answer_due)
        .ok_or_else(|| Failure::other("the request has no answer deadline"))?;
    story.say(format!(
        "RU must answer {us_asks_ru} by {} (60 days); it does not",
        rex_domain::id::utc(due)
    ));
    SKIPPED.fetch_add(61 * DAY, Ordering::SeqCst);
    story.say("61 days pass: the demo moves the hub's clock and every node's forward");
    let breach = wait_for(&nodes[us_i], "record the missed answer deadline", |reg| {
        reg.breaches()
            .iter()
            .find(|b| b.of_request() == us_asks_ru)
            .cloned()
    })?;
    story.say(format!(
        "the hub records by itself that {} missed {} (due {}): a breach under agreement {four}",
        breach.party,
        breach.of,
        rex_domain::id::utc(breach.due)
    ));

    println!("— The four-state agreement, its credit and its ledger —");
    let reg = nodes[0].registry().map_err(fail)?;
    for a in [four] {
        for line in crate::agreement::show(&reg, &a)? {
            println!("{line}");
        }
    }
    Ok(())
}

fn init_node(story: &mut Story, root: &Path, hub: &LocalHub, code: &str) -> Result<Node, Failure> {
    let node = rex_node::init_with_clock(party(code), &hub.url(), &root.join(code), demo_now)
        .map_err(fail)?;
    let keys = node.public_keys().map_err(fail)?;
    story.say(format!(
        "{code}'s node is initialised (signing key {}…, age recipient {}…); the hub key is pinned",
        &keys.keyid().to_string()[..12],
        &keys.age_recipient().as_str()[..16]
    ));
    Ok(node)
}

pub fn run(args: DemoArgs) -> Result<(), Failure> {
    let (root, temporary) = match &args.keep {
        Some(dir) => (dir.clone(), false),
        None => (
            std::env::temp_dir().join(format!("rex-demo-{}-{}", std::process::id(), now())),
            true,
        ),
    };
    std::fs::create_dir_all(&root)
        .map_err(|e| Failure::other(format!("{}: {e}", root.display())))?;
    let result = play(&root).and_then(
        |(hub, nodes)| {
            if args.ui {
                desks(hub, nodes)
            } else {
                Ok(())
            }
        },
    );
    if temporary {
        let _ = std::fs::remove_dir_all(&root);
    }
    result
}

fn play(root: &Path) -> Result<(LocalHub, Vec<Node>), Failure> {
    let mut story = Story {
        step: 0,
        gave: BTreeMap::new(),
        got: BTreeMap::new(),
    };
    let mut hub = LocalHub::start(&root.join("hub"))?;
    println!(
        "rex demo: hub at {} (data in {})",
        hub.url(),
        root.display()
    );
    println!("— Act one: Geneva, June 2021 —");
    let us = init_node(&mut story, root, &hub, "US")?;
    let ru = init_node(&mut story, root, &hub, "RU")?;
    hub.register(&[&us, &ru])?;
    story.say("the hub operator registers RU and US from their exported key files");
    let mut nodes = vec![us, ru];
    let (us_i, ru_i) = (0, 1);
    let bilateral = {
        let (a, b) = nodes.split_at_mut(1);
        agreement(
            &mut story,
            &mut [&mut a[0], &mut b[0]],
            2,
            None,
            "a bilateral cybercrime reciprocity agreement",
        )?
    };
    let us_asks = file(&mut story, &mut nodes[us_i], party("RU"), bilateral, &[Offence::IllegalAccess, Offence::RansomwareExtortion], Severity::Grave, true, "Subjects: two operators of a ransomware affiliate programme. Russian nationals. Facts: the May 2021 pipeline extortion. Evidence: wallet tracing, chat logs. Warrant: D.D.C. 2021.")?;
    let ru_asks = file(&mut story, &mut nodes[ru_i], party("US"), bilateral, &[Offence::ComputerRelatedFraud, Offence::IllegalAccess], Severity::Serious, false, "Subject: a carding-forum administrator residing in the US, not a US national. Facts: fraud against Russian banks. Warrant: Moscow court 2021.")?;
    act(
        &mut story,
        &mut nodes[ru_i],
        Action::RequestAnswered {
            request: us_asks,
            answer: Answer::ProsecutionAtHome,
        },
        &format!("answers {us_asks}: exchangeable by prosecution at home (own nationals)"),
    )?;
    act(
        &mut story,
        &mut nodes[us_i],
        Action::RequestAnswered {
            request: ru_asks,
            answer: Answer::Surrender,
        },
        &format!("answers {ru_asks}: exchangeable by surrender"),
    )?;
    // Each custodian can read the dossier addressed to it.
    let read = nodes[ru_i].read_dossier(&us_asks).map_err(fail)?;
    story.say(format!(
        "RU decrypts the dossier of {us_asks} ({} bytes); the hub holds only ciphertext",
        read.len()
    ));
    let x1 = matching(&mut story, &hub, &nodes[0], &[us_asks, ru_asks])?;
    execute(&mut story, &mut nodes, x1)?;

    println!("— Act two: a third state joins —");
    let de = init_node(&mut story, root, &hub, "DE")?;
    hub.register(&[&de])?;
    story.say("the hub operator registers DE");
    nodes.push(de);
    let de_i = 2;
    let trilateral = {
        let (a, rest) = nodes.split_at_mut(1);
        let (b, c) = rest.split_at_mut(1);
        agreement(
            &mut story,
            &mut [&mut c[0], &mut b[0], &mut a[0]],
            3,
            None,
            "a trilateral agreement (DE, RU, US)",
        )?
    };
    let r1 = file(
        &mut story,
        &mut nodes[us_i],
        party("RU"),
        trilateral,
        &[Offence::DataInterference],
        Severity::Serious,
        false,
        "Subject: a Ukrainian national in Russia; wiper attack on US utilities.",
    )?;
    let r2 = file(
        &mut story,
        &mut nodes[ru_i],
        party("DE"),
        trilateral,
        &[Offence::IllegalAccess],
        Severity::Serious,
        false,
        "Subject: a botnet operator arrested in Germany; attacks on Russian ministries.",
    )?;
    let r3 = file(
        &mut story,
        &mut nodes[de_i],
        party("US"),
        trilateral,
        &[Offence::RansomwareExtortion],
        Severity::Grave,
        false,
        "Subject: a ransomware negotiator held in the US; extortion of a German hospital.",
    )?;
    for (custodian, r) in [(ru_i, r1), (de_i, r2), (us_i, r3)] {
        act(
            &mut story,
            &mut nodes[custodian],
            Action::RequestAnswered {
                request: r,
                answer: Answer::Surrender,
            },
            &format!("answers {r}: exchangeable by surrender"),
        )?;
    }
    let x2 = matching(&mut story, &hub, &nodes[0], &[r1, r2, r3])?;
    execute(&mut story, &mut nodes, x2)?;

    act_three(&mut story, root, &mut hub, &mut nodes)?;

    println!("— Verification —");
    for n in nodes.iter_mut() {
        let r = n.sync().map_err(fail)?;
        story.say(format!(
            "{} syncs: checkpoint {} consistent with {}, {} receipts intact",
            n.party(),
            r.size,
            r.old_size,
            r.receipts_checked
        ));
    }
    // Each sync cosigned the latest checkpoint: a second pass finds it final for each state,
    // cosigned by its witnesses (its agreement partners).
    for n in nodes.iter_mut() {
        let r = n.sync().map_err(fail)?;
        let f = &r.finality;
        let witnesses: Vec<&str> = f.cosigned_by.iter().map(|p| p.as_str()).collect();
        story.say(if f.final_size >= r.size {
            format!(
                "{}: checkpoint {} is final, cosigned by its witnesses [{}]",
                n.party(),
                r.size,
                witnesses.join(", ")
            )
        } else {
            format!(
                "{}: checkpoint {} is not final yet (final up to {}; cosigned by [{}])",
                n.party(),
                r.size,
                f.final_size,
                witnesses.join(", ")
            )
        });
    }
    let trust = hub.trust(&nodes)?;
    story.say(format!(
        "an auditor pins the hub's keys (`rex hub vkeys`) and the cosignature keys of {} \
         (`rex node export-keys --vkey`), quorum {}",
        nodes
            .iter()
            .map(|n| n.party().to_string())
            .collect::<Vec<_>>()
            .join(", "),
        trust.quorum()
    ));
    let report = rex_node::verify_log(&hub.url(), &trust).map_err(fail)?;
    story.say(crate::log::summary(&report));
    println!("— What each state gave and got —");
    for n in &nodes {
        let p = n.party();
        println!(
            "{p} gave: {}",
            story
                .gave
                .get(&p)
                .map_or("nothing".into(), |v| v.join("; "))
        );
        println!(
            "{p} got:  {}",
            story.got.get(&p).map_or("nothing".into(), |v| v.join("; "))
        );
    }
    println!("rex demo: everything verified");
    Ok((hub, nodes))
}

/// The officers each desk of `rex demo --ui` enrols: handle, name, roles.
const DEMO_OFFICERS: [(&str, &str, &str); 3] = [
    ("case", "Case officer", "case-officer,approver"),
    ("liaison", "Liaison officer", "liaison"),
    ("auditor", "Auditor", "auditor"),
];

/// `rex demo --ui`: a message from Russia's node to the US awaits on the US desk; each state's
/// node serves its desk on `http://<state>.localhost:PORT`, syncing every 10 s, with officers
/// enrolled and their one-time codes printed, until Ctrl-C.
fn desks(hub: LocalHub, nodes: Vec<Node>) -> Result<(), Failure> {
    let mut nodes = nodes;
    if let Some(ru) = nodes.iter_mut().find(|n| n.party() == party("RU")) {
        let exchange = ru
            .registry()
            .map_err(fail)?
            .exchanges()
            .find(|x| x.parties.contains(&party("RU")) && x.parties.contains(&party("US")))
            .map(|x| x.proposal.id);
        let conversation = match exchange {
            Some(exchange) => rex_domain::Conversation::Exchange { exchange },
            None => rex_domain::Conversation::Free {
                name: rex_domain::ConversationName::new("liaison")
                    .map_err(|e| Failure::other(e.to_string()))?,
            },
        };
        let (id, _) = ru
            .send_message(rex_node::Outgoing {
                conversation,
                to: vec![party("US")],
                subject: "Handover at Vnukovo: escort and timing".into(),
                body: "Two officers will accompany the subject. Please confirm the time of the flight \
                       and the names of your escort by return."
                    .into(),
                ack_within: 3 * 86_400,
            })
            .map_err(fail)?;
        println!("RU's liaison writes to the US: message {id} awaits the US's acknowledgement");
    }
    let runtime = &hub.runtime;
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let mut tasks = Vec::new();
    println!("— The desks (Ctrl-C stops everything) —");
    for node in nodes {
        let code = node.party().as_str().to_lowercase();
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind(("127.0.0.1", 0)))
            .map_err(|e| Failure::other(format!("cannot listen: {e}")))?;
        let port = listener
            .local_addr()
            .map_err(|e| Failure::other(e.to_string()))?
            .port();
        let url = format!("http://{code}.localhost:{port}");
        let dir = node.dir().to_path_buf();
        let mut codes = Vec::new();
        for (handle, name, roles) in DEMO_OFFICERS {
            let roles: rex_web::Roles = roles.parse().map_err(Failure::other)?;
            let (_, enrol) = rex_web::add_officer(&dir, handle, name, roles, now())
                .map_err(|e| Failure::other(e.to_string()))?;
            codes.push(format!("{handle} {enrol}"));
        }
        let desk = rex_web::Desk::with_node(node, rex_web::Config::new(&url))
            .map_err(|e| Failure::other(e.to_string()))?;
        println!(
            "{} desk: {url}/enrol  (officer code: {})",
            desk.party(),
            codes.join(", ")
        );
        let sync =
            std::sync::Arc::clone(&desk).run_sync_loop(Duration::from_secs(10), stopped.clone());
        tasks.push(runtime.spawn(sync));
        let mut stopping = stopped.clone();
        tasks.push(runtime.spawn(rex_hub::serve_router(
            listener,
            rex_web::router(desk),
            rex_hub::ConnectionLimits::default(),
            async move {
                let _ = stopping.changed().await;
            },
        )));
    }
    println!(
        "Open a desk's /enrol page in Chromium or Firefox, type the handle's code, register a \
         passkey; then log in at /login with the handle. Ctrl-C stops the hub and the desks."
    );
    runtime.block_on(async {
        let _ = tokio::signal::ctrl_c().await;
    });
    let _ = stop.send(true);
    for t in tasks {
        let _ = runtime.block_on(t);
    }
    drop(hub);
    Ok(())
}
