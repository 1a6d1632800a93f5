//! `rex log verify --hub URL`: audit a hub from scratch.

use crate::Failure;
use clap::{Args, Subcommand};

#[derive(Debug, Args)]
pub struct LogArgs {
    #[command(subcommand)]
    command: LogCommand,
}

#[derive(Debug, Subcommand)]
enum LogCommand {
    /// Fetch the whole log, check it against the checkpoint, replay every statement and
    /// recompute every matching round.
    Verify {
        /// The hub's base URL.
        #[arg(long, value_name = "URL")]
        hub: String,
    },
}

pub fn run(args: LogArgs) -> Result<(), Failure> {
    match args.command {
        LogCommand::Verify { hub } => {
            let start = std::time::Instant::now();
            let r = rex_node::verify_log_with_progress(&hub, &mut |stage| {
                eprintln!(
                    "rex log verify: {:.1} s: {stage}",
                    start.elapsed().as_secs_f64()
                );
            })
            .map_err(crate::failure::fail)?;
            println!("{}", summary(&r));
        }
    }
    Ok(())
}

/// One line saying what was verified.
pub fn summary(r: &rex_node::LogReport) -> String {
    let cosigners: Vec<String> = r.cosigned_by.iter().map(|p| p.to_string()).collect();
    format!(
        "log verified: {} entries hash to checkpoint {} (root {}); every signature and transition \
         replayed; {} matching rounds ({} proposals) recomputed and equal; {} parties, {} \
         agreements, {} requests, {} exchanges; checkpoint cosigned by {}",
        r.size,
        r.size,
        r.root.to_hex().get(..16).unwrap_or_default(),
        r.rounds_checked,
        r.proposals_checked,
        r.registry.parties().count(),
        r.registry.agreements().count(),
        r.registry.requests().count(),
        r.registry.exchanges().count(),
        if cosigners.is_empty() {
            "no state".to_owned()
        } else {
            cosigners.join(", ")
        }
    )
}
