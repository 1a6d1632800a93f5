//! `rex request file|answer|evaluate|raise|decide|compete|withdraw|show|dossier|attachment`.

use crate::act::{acted, open, unsettled};
use crate::failure::{fail, parse, party};
use crate::Failure;
use clap::{Args, Subcommand, ValueEnum};
use rex_domain::id::utc;
use rex_domain::{
    Action, AgreementId, Answer, Attachment, AttachmentKind, Check, Deadline, ExtensionReason,
    MetadataDraft, Offence, Outcome, RefusalGround, Registry, RequestId, Severity,
    StructuredDossier, MAX_ATTACHMENT_BYTES,
};
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct RequestArgs {
    #[command(subcommand)]
    command: RequestCommand,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum AnswerArg {
    /// Exchangeable: the subject will be handed over.
    Surrender,
    /// Exchangeable: the subject will be prosecuted at home.
    ProsecutionAtHome,
    /// Refused (give --ground).
    Refuse,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum DecisionArg {
    /// The check passes.
    Pass,
    /// The check fails: the request is refused, naming it.
    Fail,
}

#[derive(Debug, Subcommand)]
enum RequestCommand {
    /// File a request: the dossier is encrypted to this state and the custodian.
    File {
        /// The node's data directory.
        #[arg(long, value_name = "DIR")]
        data: PathBuf,
        /// The state holding the subject.
        #[arg(long)]
        custodian: String,
        /// The agreement invoked (agr_...).
        #[arg(long)]
        agreement: String,
        /// Charges, comma-separated offence categories.
        #[arg(long, value_delimiter = ',', required = true)]
        offences: Vec<String>,
        /// Maximum penalty for the charges, in months.
        #[arg(long)]
        max_penalty_months: u32,
        /// Severity class: minor, moderate, serious, grave, critical.
        #[arg(long)]
        severity: String,
        /// The subject is a national of the custodian (unless its profile says it surrenders its
        /// own nationals, it may only prosecute at home).
        #[arg(long)]
        own_national: bool,
        /// To enforce a sentence already imposed: the months that remain of it.
        #[arg(long, value_name = "MONTHS")]
        sentence_remaining_months: Option<u32>,
        /// The dossier file (identity, facts, evidence, warrant): text, or a structured dossier
        /// (`rex-dossier/v1` JSON).
        #[arg(long, value_name = "FILE")]
        dossier: PathBuf,
        /// A typed document to carry in the dossier, encrypted with it: KIND is warrant,
        /// judgment, evidence, identity or translation. Repeat for several. The dossier becomes
        /// a structured one (`rex-dossier/v1`) with the file's text.
        #[arg(long, value_name = "KIND:PATH")]
        attach: Vec<String>,
        #[command(flatten)]
        subject: SubjectArgs,
    },
    /// Answer a request held by this state.
    Answer {
        /// The node's data directory.
        #[arg(long, value_name = "DIR")]
        data: PathBuf,
        /// The request id (req_...).
        request: String,
        /// The answer.
        #[arg(value_enum)]
        answer: AnswerArg,
        /// The ground of a refusal (e.g. political_offence).
        #[arg(long)]
        ground: Option<String>,
        #[command(flatten)]
        officers: crate::officer_key::FourEyesArgs,
    },
    /// Evaluate, on the dossier this node decrypts, the screening checks that await it
    /// (limitation, age at the offence, ne bis in idem, amnesty, under this state's profile),
    /// and sign the verdicts; `answer` does it first by itself. A structured dossier
    /// (`rex-dossier/v1`) states the facts; what it does not state is referred to a person.
    Evaluate {
        /// The node's data directory.
        #[arg(long, value_name = "DIR")]
        data: PathBuf,
        /// The request id.
        request: String,
    },
    /// Raise a check that a person of this state (the custodian) must decide before the request
    /// can be answered as exchangeable: political_offence, persecution_risk, protection_status
    /// or conduct_dual_criminality.
    Raise {
        /// The node's data directory.
        #[arg(long, value_name = "DIR")]
        data: PathBuf,
        /// The request id.
        request: String,
        /// The check.
        #[arg(long)]
        check: String,
    },
    /// Decide a check that awaits this state's decision, with written grounds: the grounds stay
    /// on this node (DIR/grounds/<sha256>); the log gets their SHA-256. A failed check refuses
    /// the request.
    Decide {
        /// The node's data directory.
        #[arg(long, value_name = "DIR")]
        data: PathBuf,
        /// The request id.
        request: String,
        /// The check.
        #[arg(long)]
        check: String,
        /// The decision.
        #[arg(value_enum)]
        decision: DecisionArg,
        /// The written grounds (a file).
        #[arg(long, value_name = "FILE")]
        grounds: PathBuf,
        #[command(flatten)]
        officers: crate::officer_key::FourEyesArgs,
    },
    /// Decide between requests to this state that name the same person (equal subject tags:
    /// `competing_request` awaits this state's decision on each): prefer one, refuse or defer
    /// the others, naming the factors weighed (seriousness, place, dates, nationality,
    /// prosecution_vs_sentence). The grounds stay on this node (DIR/grounds/<sha256>); the log
    /// gets their SHA-256.
    Compete {
        /// The node's data directory.
        #[arg(long, value_name = "DIR")]
        data: PathBuf,
        /// Every open request sharing the subject's tag.
        #[arg(required = true)]
        requests: Vec<String>,
        /// The request preferred.
        #[arg(long)]
        prefer: String,
        /// What becomes of the others.
        #[arg(long, value_name = "refuse|defer")]
        others: String,
        /// A factor weighed; repeat for several.
        #[arg(long, required = true)]
        factor: Vec<String>,
        /// The written grounds (a file).
        #[arg(long, value_name = "FILE")]
        grounds: PathBuf,
        #[command(flatten)]
        officers: crate::officer_key::FourEyesArgs,
    },
    /// Extend, once and before it passes, the deadline to answer a request held by this state,
    /// by the agreement's extension: decision_pending, further_information, court_proceedings or
    /// force_majeure.
    Extend {
        /// The node's data directory.
        #[arg(long, value_name = "DIR")]
        data: PathBuf,
        /// The request id.
        request: String,
        /// Why.
        #[arg(long)]
        reason: String,
    },
    /// Offer a request held by this state unconditionally (a binding act), under an agreement
    /// with credit: the matching may start a chain at it, this state giving without an
    /// immediate return, within its credit limit; or withdraw the offer.
    Offer {
        /// The node's data directory.
        #[arg(long, value_name = "DIR")]
        data: PathBuf,
        /// The request id.
        request: String,
        /// Withdraw the offer instead (while the request is in the pool).
        #[arg(long)]
        withdraw: bool,
        #[command(flatten)]
        officers: crate::officer_key::FourEyesArgs,
    },
    /// Withdraw a request this state filed.
    Withdraw {
        /// The node's data directory.
        #[arg(long, value_name = "DIR")]
        data: PathBuf,
        /// The request id.
        request: String,
    },
    /// Show one request (with its screening checklist and, when this state is a party, its
    /// dossier's attachments), or every request this state is party to.
    Show {
        /// The node's data directory.
        #[arg(long, value_name = "DIR")]
        data: PathBuf,
        /// The request id (all of this state's if absent).
        request: Option<String>,
    },
    /// List the attachments of a request's dossier, or save one (only requester and custodian
    /// can decrypt it); every attachment is checked against its SHA-256 first.
    Attachment {
        /// The node's data directory.
        #[arg(long, value_name = "DIR")]
        data: PathBuf,
        /// The request id.
        request: String,
        /// The attachment's number, from 1, as listed (all are listed if absent).
        n: Option<usize>,
        /// Write it here (a new file) instead of standard output.
        #[arg(long, value_name = "FILE", requires = "n")]
        out: Option<PathBuf>,
    },
    /// Download and decrypt a request's dossier (only requester and custodian can).
    Dossier {
        /// The node's data directory.
        #[arg(long, value_name = "DIR")]
        data: PathBuf,
        /// The request id.
        request: String,
        /// Write it here instead of standard output.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
}

fn severity(s: &str) -> Result<Severity, Failure> {
    Severity::ALL
        .into_iter()
        .find(|v| v.as_str() == s)
        .ok_or_else(|| Failure::input(format!("unknown severity {s:?}")))
}

fn ground(s: &str) -> Result<RefusalGround, Failure> {
    serde_json::from_value(serde_json::Value::String(s.to_owned()))
        .map_err(|_| Failure::input(format!("unknown refusal ground {s:?}")))
}

/// The dossier of `--dossier FILE` with the documents of `--attach KIND:PATH`: the file as it
/// is without them; with them, a structured dossier carrying them (the file's own when it is
/// one, else one whose text is the file).
/// Keeps the written grounds in `path` on the node (`DIR/grounds/`) and gives their SHA-256.
fn keep_grounds(
    node: &rex_node::Node,
    path: &std::path::Path,
) -> Result<rex_domain::Digest, Failure> {
    let text =
        std::fs::read(path).map_err(|e| Failure::input(format!("{}: {e}", path.display())))?;
    node.keep_grounds(&text)
        .map_err(|e| Failure::input(format!("{}: {e}", path.display())))
}

/// As the custodian, logs the subject's tag of `request` if its dossier states an identity
/// and it is not tagged yet, and says so.
fn tag(node: &mut rex_node::Node, request: &RequestId) -> Result<(), Failure> {
    if let Some(s) = node.tag_subject(request).map_err(fail)? {
        println!(
            "{}",
            acted(node, &format!("tagged the subject of {request}"), &s)
        );
    }
    Ok(())
}

/// The subject's identity, for the custodian's keyed tag ([`rex_domain::competing`]); it
/// goes into the dossier's facts, encrypted with it, never to the hub.
#[derive(Debug, Args)]
struct SubjectArgs {
    /// The subject's family name (the dossier becomes a structured one, `rex-dossier/v1`).
    #[arg(long, value_name = "NAME")]
    family_name: Option<String>,
    /// The subject's given names (with --family-name).
    #[arg(long, value_name = "NAMES", requires = "family_name")]
    given_names: Option<String>,
    /// The subject's date of birth, YYYY-MM-DD (with --family-name).
    #[arg(long, value_name = "DATE", requires = "family_name")]
    born: Option<String>,
}

fn dossier_with(
    path: &std::path::Path,
    attach: &[String],
    subject: &SubjectArgs,
) -> Result<Vec<u8>, Failure> {
    let plaintext =
        std::fs::read(path).map_err(|e| Failure::input(format!("{}: {e}", path.display())))?;
    if attach.is_empty() && subject.family_name.is_none() {
        return Ok(plaintext);
    }
    let bad = |e: rex_domain::Rejection| Failure::input(format!("{}: {e}", path.display()));
    let mut dossier = match StructuredDossier::parse(&plaintext).map_err(bad)? {
        Some(d) => d,
        None => {
            let text = String::from_utf8(plaintext).map_err(|_| {
                Failure::input(format!(
                    "{}: not UTF-8 text; give the text as --dossier and the documents with --attach",
                    path.display()
                ))
            })?;
            StructuredDossier::new(Default::default(), text, Vec::new())
        }
    };
    for a in attach {
        let (kind, file) = a.split_once(':').ok_or_else(|| {
            Failure::input(format!(
                "--attach {a:?}: KIND:PATH, e.g. warrant:warrant.pdf"
            ))
        })?;
        let kind: AttachmentKind = kind
            .parse()
            .map_err(|e| Failure::input(format!("--attach {a:?}: {e}")))?;
        let file = std::path::Path::new(file);
        let meta = std::fs::metadata(file)
            .map_err(|e| Failure::input(format!("{}: {e}", file.display())))?;
        if meta.len() > MAX_ATTACHMENT_BYTES as u64 {
            return Err(Failure::input(format!(
                "{}: {} bytes, more than the {} MiB one attachment may have; split it or compress it",
                file.display(),
                meta.len(),
                MAX_ATTACHMENT_BYTES >> 20
            )));
        }
        let content =
            std::fs::read(file).map_err(|e| Failure::input(format!("{}: {e}", file.display())))?;
        let name = file
            .file_name()
            .map(|n| n.to_string_lossy())
            .unwrap_or_default();
        let attachment = Attachment::new(kind, &name, content)
            .map_err(|e| Failure::input(format!("{}: {e}", file.display())))?;
        dossier.attachments.push(attachment);
    }
    if let Some(family_name) = &subject.family_name {
        dossier.facts.identity = Some(rex_domain::SubjectIdentity {
            family_name: family_name.clone(),
            given_names: subject.given_names.clone().unwrap_or_default(),
        });
        if subject.born.is_some() {
            dossier.facts.born.clone_from(&subject.born);
        }
    }
    dossier.to_plaintext().map_err(bad)
}

/// One line per attachment of a dossier: number, kind, name, type, size, SHA-256.
pub fn attachment_lines(dossier: &StructuredDossier) -> Vec<String> {
    dossier
        .attachments
        .iter()
        .enumerate()
        .map(|(i, a)| {
            format!(
                "attachment {}: {} {:?} ({}, {} bytes, SHA-256 {})",
                i + 1,
                a.kind,
                a.name,
                a.media_type,
                a.size(),
                a.sha256
            )
        })
        .collect()
}

/// The structured dossier of `request`, decrypted and checked (a free-text one has no
/// attachments).
fn structured(node: &rex_node::Node, request: &RequestId) -> Result<StructuredDossier, Failure> {
    let plaintext = node.read_dossier(request).map_err(fail)?;
    Ok(StructuredDossier::parse(&plaintext)
        .map_err(|e| Failure::other(format!("the dossier of {request}: {e}")))?
        .unwrap_or_else(|| StructuredDossier::new(Default::default(), String::new(), Vec::new())))
}

/// One line describing a request.
pub fn describe(r: &rex_domain::Request) -> String {
    let m = &r.metadata;
    let offences: Vec<&str> = m.offences.iter().map(|o| o.as_str()).collect();
    format!(
        "{}: {} asks {} ({}, {}, up to {} months{}) — {:?}{}",
        r.id,
        m.requester,
        m.custodian,
        offences.join("+"),
        m.severity,
        m.max_penalty_months,
        if m.subject_is_custodian_national {
            ", custodian's national"
        } else {
            ""
        },
        r.status,
        if r.offered.is_some() {
            ", offered unconditionally"
        } else {
            ""
        }
    )
}

/// The deadlines of a request and its breaches, one line each: when its answer is due (and
/// any extension), then every breach recorded on it.
pub fn deadlines(reg: &Registry, r: &rex_domain::Request) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(due) = r.answer_due {
        let running = reg
            .deadline_due(&Deadline::Answer { request: r.id })
            .is_some();
        let extended = r
            .extension
            .map(|e| {
                format!(
                    " (extended from {} for {})",
                    utc(e.previous_due),
                    e.reason.as_str()
                )
            })
            .unwrap_or_default();
        out.push(format!(
            "answer due {}{extended}{}",
            utc(due),
            if running { "" } else { ", no longer running" }
        ));
    }
    for b in reg.breaches().iter().filter(|b| b.of_request() == r.id) {
        out.push(format!(
            "BREACH by {}: {}, due {}, {}",
            b.party,
            b.of,
            utc(b.due),
            match b.cured_at {
                Some(t) => format!("cured {}", utc(t)),
                None => "uncured".into(),
            }
        ));
    }
    out
}

/// The screening checklist of a request, one line per check: outcome, rule, reason.
pub fn checklist(r: &rex_domain::Request) -> Vec<String> {
    r.screening
        .iter()
        .map(|c| {
            let state = match &c.outcome {
                Outcome::Passed { .. } => "passed ".to_owned(),
                Outcome::Failed { .. } => "FAILED ".to_owned(),
                Outcome::Awaiting {
                    party,
                    role: Some(role),
                    ..
                } => format!("awaiting {party} ({})", role.as_str()),
                Outcome::Awaiting {
                    party, role: None, ..
                } => format!("awaiting {party}'s node"),
            };
            format!("{state} {}: {}", c.check, c.outcome.reason())
        })
        .collect()
}

pub fn run(args: RequestArgs) -> Result<(), Failure> {
    match args.command {
        RequestCommand::File {
            data,
            custodian,
            agreement,
            offences,
            max_penalty_months,
            severity: sev,
            own_national,
            sentence_remaining_months,
            dossier,
            attach,
            subject,
        } => {
            let mut offences = offences
                .iter()
                .map(|o| parse::<Offence>(o.trim()))
                .collect::<Result<Vec<_>, _>>()?;
            offences.sort();
            offences.dedup();
            let plaintext = dossier_with(&dossier, &attach, &subject)?;
            let mut node = open(&data)?;
            let draft = MetadataDraft {
                requester: node.party(),
                custodian: party(&custodian)?,
                agreement: parse::<AgreementId>(&agreement)?,
                offences,
                max_penalty_months,
                severity: severity(&sev)?,
                subject_is_custodian_national: own_national,
                sentence_remaining_months,
            };
            let (id, s) = node.file_request(draft, &plaintext).map_err(fail)?;
            println!("{}", acted(&node, &format!("filed request {id}"), &s));
        }
        RequestCommand::Answer {
            data,
            request,
            answer,
            ground: g,
            officers,
        } => {
            let request: RequestId = parse(&request)?;
            let answer = match (answer, g) {
                (AnswerArg::Surrender, None) => Answer::Surrender,
                (AnswerArg::ProsecutionAtHome, None) => Answer::ProsecutionAtHome,
                (AnswerArg::Refuse, Some(g)) => Answer::Refused {
                    ground: ground(&g)?,
                },
                (AnswerArg::Refuse, None) => {
                    return Err(Failure::input("a refusal needs --ground"))
                }
                (_, Some(_)) => return Err(Failure::input("only a refusal takes --ground")),
            };
            let mut node = open(&data)?;
            if answer.is_exchangeable() {
                tag(&mut node, &request)?;
                if let Some(s) = node.evaluate_screening(&request).map_err(fail)? {
                    println!(
                        "{}",
                        acted(&node, &format!("evaluated the dossier of {request}"), &s)
                    );
                }
            }
            let s = officers.submit(&mut node, Action::RequestAnswered { request, answer })?;
            println!(
                "{}",
                acted(&node, &format!("answered {request}: {answer:?}"), &s)
            );
        }
        RequestCommand::Evaluate { data, request } => {
            let request: RequestId = parse(&request)?;
            let mut node = open(&data)?;
            tag(&mut node, &request)?;
            match node.evaluate_screening(&request).map_err(fail)? {
                Some(s) => println!(
                    "{}",
                    acted(&node, &format!("evaluated the dossier of {request}"), &s)
                ),
                None => println!("nothing of {request} awaits this node's evaluation"),
            }
        }
        RequestCommand::Raise {
            data,
            request,
            check,
        } => {
            let request: RequestId = parse(&request)?;
            let check: Check = parse(&check)?;
            let mut node = open(&data)?;
            let s = node
                .submit(Action::ScreeningRaised { request, check })
                .map_err(fail)?;
            println!(
                "{}",
                acted(&node, &format!("raised {check} on {request}"), &s)
            );
        }
        RequestCommand::Compete {
            data,
            requests,
            prefer,
            others,
            factor,
            grounds,
            officers,
        } => {
            let mut requests = requests
                .iter()
                .map(|r| parse::<RequestId>(r))
                .collect::<Result<Vec<_>, _>>()?;
            requests.sort();
            requests.dedup();
            let preferred: RequestId = parse(&prefer)?;
            let others: rex_domain::Others = parse(&others)?;
            let mut factors = factor
                .iter()
                .map(|f| parse::<rex_domain::Factor>(f))
                .collect::<Result<Vec<_>, _>>()?;
            factors.sort();
            factors.dedup();
            let mut node = open(&data)?;
            let grounds_sha256 = keep_grounds(&node, &grounds)?;
            let s = officers.submit(
                &mut node,
                Action::CompetitionDecided {
                    requests,
                    preferred,
                    others,
                    factors,
                    grounds_sha256,
                },
            )?;
            println!(
                "{}",
                acted(
                    &node,
                    &format!("preferred {preferred}; the others: {others}"),
                    &s
                )
            );
        }
        RequestCommand::Decide {
            data,
            request,
            check,
            decision,
            grounds,
            officers,
        } => {
            let request: RequestId = parse(&request)?;
            let check: Check = parse(&check)?;
            let mut node = open(&data)?;
            let grounds_sha256 = keep_grounds(&node, &grounds)?;
            let passed = matches!(decision, DecisionArg::Pass);
            let s = officers.submit(
                &mut node,
                Action::DecisionRecorded {
                    request,
                    check,
                    passed,
                    grounds_sha256,
                },
            )?;
            let verdict = if passed { "passes" } else { "fails" };
            println!(
                "{}",
                acted(
                    &node,
                    &format!("decided: {check} {verdict} on {request}"),
                    &s
                )
            );
        }
        RequestCommand::Extend {
            data,
            request,
            reason,
        } => {
            let request: RequestId = parse(&request)?;
            let reason: ExtensionReason = reason.parse().map_err(Failure::input)?;
            let mut node = open(&data)?;
            let s = node
                .submit(Action::AnswerExtended { request, reason })
                .map_err(fail)?;
            let due = node
                .registry()
                .ok()
                .and_then(|r| r.request(&request)?.answer_due)
                .map(|t| format!(" to {}", utc(t)))
                .unwrap_or_default();
            println!(
                "{}",
                acted(
                    &node,
                    &format!("extended the answer deadline of {request}{due}"),
                    &s
                )
            );
        }
        RequestCommand::Offer {
            data,
            request,
            withdraw,
            officers,
        } => {
            let request: RequestId = parse(&request)?;
            let mut node = open(&data)?;
            let (s, what) = if withdraw {
                let s = node
                    .submit(Action::OfferWithdrawn { request })
                    .map_err(fail)?;
                (s, format!("withdrew the offer of {request}"))
            } else {
                let s = officers.submit(&mut node, Action::OfferMade { request })?;
                (s, format!("offered {request} unconditionally"))
            };
            println!("{}", acted(&node, &what, &s));
        }
        RequestCommand::Withdraw { data, request } => {
            let request: RequestId = parse(&request)?;
            let mut node = open(&data)?;
            let s = node
                .submit(Action::RequestWithdrawn { request })
                .map_err(fail)?;
            println!("{}", acted(&node, &format!("withdrew {request}"), &s));
        }
        RequestCommand::Show { data, request } => {
            let node = open(&data)?;
            let reg = node.registry().map_err(fail)?;
            match request {
                Some(id) => {
                    let id: RequestId = parse(&id)?;
                    let r = reg
                        .request(&id)
                        .ok_or_else(|| Failure::input(format!("no request {id}")))?;
                    println!("{}", describe(r));
                    for line in deadlines(&reg, r) {
                        println!("  {line}");
                    }
                    for line in checklist(r) {
                        println!("  {line}");
                    }
                    // The attachments, when this state can read the dossier.
                    let me = node.party();
                    if r.metadata.requester == me || r.metadata.custodian == me {
                        match structured(&node, &id) {
                            Ok(d) => {
                                for line in attachment_lines(&d) {
                                    println!("  {line}");
                                }
                            }
                            Err(e) => println!("  dossier unreadable: {}", e.message),
                        }
                    }
                }
                None => {
                    let me = node.party();
                    for r in reg
                        .requests()
                        .filter(|r| r.metadata.requester == me || r.metadata.custodian == me)
                    {
                        println!("{}", describe(r));
                    }
                }
            }
            if let Some(note) = unsettled(&node)? {
                println!("{note}");
            }
        }
        RequestCommand::Attachment {
            data,
            request,
            n,
            out,
        } => {
            let request: RequestId = parse(&request)?;
            let node = open(&data)?;
            let dossier = structured(&node, &request)?;
            let Some(n) = n else {
                let lines = attachment_lines(&dossier);
                if lines.is_empty() {
                    println!("the dossier of {request} has no attachments");
                }
                for line in lines {
                    println!("{line}");
                }
                return Ok(());
            };
            let count = dossier.attachments.len();
            let a = n
                .checked_sub(1)
                .and_then(|i| dossier.attachments.get(i))
                .ok_or_else(|| {
                    Failure::input(format!(
                        "the dossier of {request} has {count} attachments, not {n}"
                    ))
                })?;
            match out {
                Some(path) => {
                    // A new file only: the other state's document never overwrites one.
                    use std::io::Write as _;
                    std::fs::OpenOptions::new()
                        .write(true)
                        .create_new(true)
                        .open(&path)
                        .and_then(|mut f| f.write_all(&a.content))
                        .map_err(|e| Failure::other(format!("{}: {e}", path.display())))?;
                    println!(
                        "saved attachment {n} of {request} ({} {:?}, {} bytes, SHA-256 {}) to {}",
                        a.kind,
                        a.name,
                        a.size(),
                        a.sha256,
                        path.display()
                    );
                }
                None => {
                    use std::io::Write as _;
                    std::io::stdout()
                        .write_all(&a.content)
                        .map_err(|e| Failure::other(e.to_string()))?;
                }
            }
        }
        RequestCommand::Dossier { data, request, out } => {
            let request: RequestId = parse(&request)?;
            let node = open(&data)?;
            let plaintext = node.read_dossier(&request).map_err(fail)?;
            match out {
                Some(path) => std::fs::write(&path, &plaintext)
                    .map_err(|e| Failure::other(format!("{}: {e}", path.display())))?,
                None => {
                    use std::io::Write as _;
                    std::io::stdout()
                        .write_all(&plaintext)
                        .map_err(|e| Failure::other(e.to_string()))?;
                }
            }
        }
    }
    Ok(())
}
