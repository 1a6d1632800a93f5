//! `rex log verify --hub URL (--trust FILE | --checkpoint-key VKEY --statements-key VKEY)
//! [--witness VKEY]... [--quorum K]`: audit a hub from scratch with keys pinned ahead, never
//! with the keys the audited hub presents.
//!
//! `rex log evidence export --data DIR --index N --out FILE`: the evidence bundle of one
//! statement, checked by the node first (`rex_node::evidence`); `rex log evidence verify FILE
//! (--trust FILE | --checkpoint-key VKEY --statements-key VKEY)`: checks one offline, without
//! the hub, under the same pinned keys as `rex log verify`.

use std::path::PathBuf;

use crate::failure::fail;
use crate::Failure;
use clap::{Args, Subcommand};
use rex_node::Trust;

#[derive(Debug, Args)]
pub struct LogArgs {
    #[command(subcommand)]
    command: LogCommand,
}

#[derive(Debug, Subcommand)]
enum LogCommand {
    /// Fetch the whole log, check it against the checkpoint under the pinned key, replay every
    /// statement, recompute every matching round, and require the pinned witnesses'
    /// cosignatures. A trust file is `rex hub vkeys` + `witness VKEY` per state (`rex node
    /// export-keys --vkey`) + `quorum K`.
    Verify(VerifyArgs),
    /// The evidence bundle of one statement: export it from a node, or verify one offline.
    Evidence(EvidenceArgs),
}

#[derive(Debug, Args)]
struct EvidenceArgs {
    #[command(subcommand)]
    command: EvidenceCommand,
}

#[derive(Debug, Subcommand)]
enum EvidenceCommand {
    /// Sync the node, fetch the statement at INDEX and the proofs of it and of the
    /// registrations and officer certifications it rests on, check them all against the
    /// node's own checkpoint, and write the bundle (format rex-evidence/v1, JSON).
    Export {
        /// The node's data directory.
        #[arg(long, value_name = "DIR")]
        data: PathBuf,
        /// The statement's log index.
        #[arg(long, value_name = "N")]
        index: u64,
        /// Where to write the bundle (refused if it exists).
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
    /// Check a bundle offline under pinned keys and say in one line what it proves.
    Verify {
        /// The bundle.
        #[arg(value_name = "FILE")]
        file: PathBuf,
        #[command(flatten)]
        keys: TrustArgs,
    },
}

#[derive(Debug, Args)]
struct VerifyArgs {
    /// The hub's base URL.
    #[arg(long, value_name = "URL")]
    hub: String,
    #[command(flatten)]
    keys: TrustArgs,
}

/// The keys to trust, pinned from outside the hub.
#[derive(Debug, Args)]
struct TrustArgs {
    /// The trust file: `checkpoint VKEY`, `statements VKEY`, `witness VKEY` lines, `quorum K`.
    #[arg(
        long,
        value_name = "FILE",
        required_unless_present = "checkpoint_key",
        conflicts_with_all = ["checkpoint_key", "statements_key"]
    )]
    trust: Option<PathBuf>,
    /// The hub's checkpoint key (instead of a trust file).
    #[arg(long, value_name = "VKEY", requires = "statements_key")]
    checkpoint_key: Option<String>,
    /// The hub's statement key, named `<origin>/statements` (instead of a trust file).
    #[arg(long, value_name = "VKEY", requires = "checkpoint_key")]
    statements_key: Option<String>,
    /// A state whose cosignature is required: its cosignature key (repeat for each state).
    #[arg(long, value_name = "VKEY")]
    witness: Vec<String>,
    /// How many of the witnesses must have cosigned (default: all of them).
    #[arg(long, value_name = "K")]
    quorum: Option<usize>,
}

impl TrustArgs {
    /// The keys to trust: the trust file's, or the flags', with `--witness` and `--quorum` on
    /// top of the file's.
    fn trust(&self) -> Result<Trust, Failure> {
        match (&self.trust, &self.checkpoint_key, &self.statements_key) {
            (Some(file), _, _) => Trust::read(file)
                .and_then(|t| t.with(&self.witness, self.quorum))
                .map_err(fail),
            (None, Some(checkpoint), Some(statements)) => {
                Trust::from_flags(checkpoint, statements, &self.witness, self.quorum).map_err(fail)
            }
            _ => Err(Failure::input(
                "give the keys to trust: --trust FILE, or --checkpoint-key VKEY and \
                 --statements-key VKEY",
            )),
        }
    }
}

pub fn run(args: LogArgs) -> Result<(), Failure> {
    match args.command {
        LogCommand::Evidence(e) => return evidence(e.command),
        LogCommand::Verify(v) => {
            let trust = v.keys.trust()?;
            let start = std::time::Instant::now();
            let r = rex_node::verify_log_with_progress(&v.hub, &trust, &mut |stage| {
                eprintln!(
                    "rex log verify: {:.1} s: {stage}",
                    start.elapsed().as_secs_f64()
                );
            })
            .map_err(fail)?;
            println!("{}", summary(&r));
        }
    }
    Ok(())
}

fn evidence(command: EvidenceCommand) -> Result<(), Failure> {
    match command {
        EvidenceCommand::Export { data, index, out } => {
            if out.exists() {
                return Err(Failure::input(format!(
                    "{} exists; choose another file",
                    out.display()
                )));
            }
            let mut node = crate::act::open(&data)?;
            let (_, registry, log) = node.sync_indexed().map_err(fail)?;
            let evidence = node
                .statement_evidence(index, &registry, &log)
                .map_err(fail)?;
            let bundle = evidence.bundle().map_err(fail)?;
            std::fs::write(&out, bundle.to_json())
                .map_err(|e| Failure::input(format!("{}: {e}", out.display())))?;
            println!(
                "evidence of entry {index} ({} seq {} {}) written to {}: checked against checkpoint {}{}, with {} supporting entries",
                evidence.statement.actor,
                evidence.statement.seq,
                evidence.statement.action.name(),
                out.display(),
                evidence.checkpoint.size(),
                if evidence.is_final { " (final)" } else { " (not final yet)" },
                bundle.support.len()
            );
        }
        EvidenceCommand::Verify { file, keys } => {
            let trust = keys.trust()?;
            let bytes = std::fs::read(&file)
                .map_err(|e| Failure::input(format!("{}: {e}", file.display())))?;
            let verified = rex_node::verify_bundle(&bytes, &trust).map_err(fail)?;
            println!("{}", verified.describe());
        }
    }
    Ok(())
}

/// One line saying what was verified.
pub fn summary(r: &rex_node::LogReport) -> String {
    let cosigners: Vec<String> = r.cosigned_by.iter().map(|p| p.to_string()).collect();
    let witnessed = if r.witnesses == 0 {
        "no witness pinned, cosignatures not checked".to_owned()
    } else {
        format!(
            "checkpoint cosigned by {} ({} of {} pinned witnesses, {} required)",
            if cosigners.is_empty() {
                "no pinned witness".to_owned()
            } else {
                cosigners.join(", ")
            },
            cosigners.len(),
            r.witnesses,
            r.quorum
        )
    };
    format!(
        "log verified: {} entries hash to checkpoint {} (root {}); every signature and transition \
         replayed; {} matching rounds ({} proposals) recomputed and equal; {} parties, {} \
         agreements, {} requests, {} exchanges, {}; {} binding acts ({} by two officers, {} by \
         the node alone); {} message acts signed by a liaison officer; every due statement of the hub logged on time; {}; {} handovers in \
         the ledgers; {witnessed}",
        r.size,
        r.size,
        r.root.to_hex().get(..16).unwrap_or_default(),
        r.rounds_checked,
        r.proposals_checked,
        r.registry.parties().count(),
        r.registry.agreements().count(),
        r.registry.requests().count(),
        r.registry.exchanges().count(),
        messages(&r.registry),
        r.binding_acts.by_officers + r.binding_acts.by_node,
        r.binding_acts.by_officers,
        r.binding_acts.by_node,
        r.liaison_acts,
        breaches(&r.registry),
        r.registry
            .agreements()
            .map(|a| {
                r.registry
                    .ledger(&a.id)
                    .given
                    .values()
                    .map(|t| t.total())
                    .sum::<u32>()
            })
            .sum::<u32>(),
    )
}

/// The breaches of the log: `2 breaches (1 uncured)`, or `no breach`.
fn breaches(registry: &rex_domain::Registry) -> String {
    let all = registry.breaches();
    if all.is_empty() {
        return "no breach".to_owned();
    }
    let open = all.iter().filter(|b| b.is_open()).count();
    format!(
        "{} breach{} ({open} uncured)",
        all.len(),
        if all.len() == 1 { "" } else { "es" }
    )
}

/// The messages of the log and where their evidence chains stand, recomputed by the replay:
/// `2 messages (recipients: 1 acknowledged, 1 not acknowledged)`.
fn messages(registry: &rex_domain::Registry) -> String {
    use rex_domain::MessageState as S;
    let mut count = [0usize; 4];
    for e in registry.messages().flat_map(|m| m.recipients.values()) {
        count[match e.state() {
            S::Acknowledged | S::LateAcknowledged => 0,
            S::Rejected(_) | S::LateRejected(_) => 1,
            S::NotAcknowledged => 2,
            S::Submitted | S::Delivered | S::Read => 3,
        }] += 1;
    }
    let n = registry.messages().count();
    let plural = if n == 1 { "" } else { "s" };
    if n == 0 {
        return "0 messages".to_owned();
    }
    let parts: Vec<String> = [
        "acknowledged",
        "rejected",
        "not acknowledged",
        "awaiting an answer",
    ]
    .iter()
    .zip(count)
    .filter(|(_, c)| *c > 0)
    .map(|(what, c)| format!("{c} {what}"))
    .collect();
    format!("{n} message{plural} (recipients: {})", parts.join(", "))
}
