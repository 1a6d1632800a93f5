//! `rex`: the one binary of rex. Thin glue over the library crates: it parses arguments, calls
//! the crates, prints results, and turns every error into one line on stderr with a meaningful
//! exit code (2 for bad input, 1 for everything else).

mod hub;
mod matching;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// rex: a clearing house for reciprocal handovers of cybercrime suspects.
#[derive(Debug, Parser)]
#[command(name = "rex", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Solve a matching instance exactly: pack cycles and chains of maximum value.
    Match(matching::MatchArgs),
    /// The hub: serve it, register states.
    Hub(hub::HubArgs),
}

/// An error that reached the top: its message and the exit code it maps to.
#[derive(Debug)]
pub struct Failure {
    pub code: u8,
    pub message: String,
}

impl Failure {
    /// Bad input (a malformed file, an invalid parameter): exit code 2.
    pub fn input(message: impl Into<String>) -> Self {
        Self {
            code: 2,
            message: message.into(),
        }
    }

    /// Anything else: exit code 1.
    pub fn other(message: impl Into<String>) -> Self {
        Self {
            code: 1,
            message: message.into(),
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Match(args) => matching::run(args),
        Command::Hub(args) => hub::run(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => {
            eprintln!("rex: {}", f.message);
            ExitCode::from(f.code)
        }
    }
}
