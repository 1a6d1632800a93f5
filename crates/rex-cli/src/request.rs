//! `rex request file|answer|withdraw|show|dossier`.

use crate::act::{acted, open, unsettled};
use crate::failure::{fail, parse, party};
use crate::Failure;
use clap::{Args, Subcommand, ValueEnum};
use rex_domain::{
    Action, AgreementId, Answer, MetadataDraft, Offence, RefusalGround, RequestId, Severity,
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
        /// The subject is a national of the custodian (it may only prosecute at home).
        #[arg(long)]
        own_national: bool,
        /// The dossier file (identity, facts, evidence, warrant).
        #[arg(long, value_name = "FILE")]
        dossier: PathBuf,
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
    /// Withdraw a request this state filed.
    Withdraw {
        /// The node's data directory.
        #[arg(long, value_name = "DIR")]
        data: PathBuf,
        /// The request id.
        request: String,
    },
    /// Show one request, or every request this state is party to.
    Show {
        /// The node's data directory.
        #[arg(long, value_name = "DIR")]
        data: PathBuf,
        /// The request id (all of this state's if absent).
        request: Option<String>,
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

/// One line describing a request.
pub fn describe(r: &rex_domain::Request) -> String {
    let m = &r.metadata;
    let offences: Vec<&str> = m.offences.iter().map(|o| o.as_str()).collect();
    format!(
        "{}: {} asks {} ({}, {}, up to {} months{}) — {:?}",
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
        r.status
    )
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
            dossier,
        } => {
            let mut offences = offences
                .iter()
                .map(|o| parse::<Offence>(o.trim()))
                .collect::<Result<Vec<_>, _>>()?;
            offences.sort();
            offences.dedup();
            let plaintext = std::fs::read(&dossier)
                .map_err(|e| Failure::input(format!("{}: {e}", dossier.display())))?;
            let mut node = open(&data)?;
            let draft = MetadataDraft {
                requester: node.party(),
                custodian: party(&custodian)?,
                agreement: parse::<AgreementId>(&agreement)?,
                offences,
                max_penalty_months,
                severity: severity(&sev)?,
                subject_is_custodian_national: own_national,
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
            let s = officers.submit(&mut node, Action::RequestAnswered { request, answer })?;
            println!(
                "{}",
                acted(&node, &format!("answered {request}: {answer:?}"), &s)
            );
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
