//! `rex`: the one binary of rex. Thin glue over the library crates: it parses arguments, calls
//! the crates, prints results, and turns every error into one line on stderr with a meaningful
//! exit code (2 for bad input, 1 for everything else).

mod agreement;
mod demo;
mod exchange;
mod hub;
mod log;
mod matching;
mod node;
mod request;

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
    /// A state's node: create it, export its public keys, sync with the hub.
    Node(node::NodeArgs),
    /// Agreements: propose, sign, list.
    Agreement(agreement::AgreementArgs),
    /// Requests: file, answer, withdraw, show, read the dossier.
    Request(request::RequestArgs),
    /// Exchanges: sign, execute legs, record milestones, show.
    Exchange(exchange::ExchangeArgs),
    /// The transparency log: audit a hub from scratch.
    Log(log::LogArgs),
    /// Play the June 2021 offer end to end on a hub and nodes started in this process.
    Demo(demo::DemoArgs),
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
        Command::Node(args) => node::run(args),
        Command::Agreement(args) => agreement::run(args),
        Command::Request(args) => request::run(args),
        Command::Exchange(args) => exchange::run(args),
        Command::Log(args) => log::run(args),
        Command::Demo(args) => demo::run(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => {
            eprintln!("rex: {}", f.message);
            ExitCode::from(f.code)
        }
    }
}
