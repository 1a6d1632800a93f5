//! `rex`: the one binary of rex. Thin glue over the library crates: it parses arguments, calls
//! the crates, prints results, and turns every error into one line on stderr with a meaningful
//! exit code (2 for bad input, 1 for everything else).

// The commands' doc comments are their `--help` text, read in a terminal: placeholders such as
// `DIR/grounds/<sha256>` stay as written there, not as the HTML that rustdoc takes them for.
#![allow(rustdoc::invalid_html_tags)]

mod act;
mod agreement;
mod demo;
mod desk;
mod exchange;
mod failure;
mod hub;
mod kep;
mod log;
mod matching;
mod message;
mod node;
mod officer_key;
mod profile;
mod request;

use clap::error::ErrorKind;
use clap::{Parser, Subcommand};
use std::process::ExitCode;

pub use failure::Failure;

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
    /// Kidney-exchange instances: generate seeded benchmark pools.
    Kep(kep::KepArgs),
    /// The hub: serve it, register states.
    Hub(hub::HubArgs),
    /// A state's node: create it, export its public keys, sync with the hub, serve the desk.
    Node(node::NodeArgs),
    /// Agreements: propose, sign, list.
    Agreement(agreement::AgreementArgs),
    /// Requests: file, answer, withdraw, show, read the dossier and its attachments.
    Request(request::RequestArgs),
    /// Exchanges: sign, execute legs, record milestones, show.
    Exchange(exchange::ExchangeArgs),
    /// Messages between states: send, list, show, acknowledge or reject.
    Message(message::MessageArgs),
    /// The transparency log: audit a hub from scratch.
    Log(log::LogArgs),
    /// Play the June 2021 offer end to end on a hub and nodes started in this process.
    Demo(demo::DemoArgs),
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return usage(e),
    };
    let result = match cli.command {
        Command::Match(args) => matching::run(args),
        Command::Kep(args) => kep::run(args),
        Command::Hub(args) => hub::run(args),
        Command::Node(args) => node::run(args),
        Command::Agreement(args) => agreement::run(args),
        Command::Request(args) => request::run(args),
        Command::Exchange(args) => exchange::run(args),
        Command::Message(args) => message::run(args),
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

/// A command line clap cannot parse is bad input like any other: one line on stderr, exit
/// code 2. Help and version (asked for, or shown for a missing subcommand) print as clap
/// prints them.
fn usage(e: clap::Error) -> ExitCode {
    match e.kind() {
        ErrorKind::DisplayHelp
        | ErrorKind::DisplayVersion
        | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => e.exit(),
        _ => {
            let message = usage_line(&e.render().to_string());
            eprintln!("rex: {message}; see `{} --help`", subcommand_path());
            ExitCode::from(2)
        }
    }
}

/// Folds clap's error text (a message, indented details, tips, a usage paragraph) into one
/// line: `MESSAGE DETAILS; TIP`. The usage paragraph is left out: `--help` has it.
fn usage_line(text: &str) -> String {
    let mut paragraphs: Vec<String> = Vec::new();
    let mut current = String::new();
    for line in text.lines().map(str::trim) {
        if line.is_empty() || line.starts_with("Usage:") || line.starts_with("For more information")
        {
            if !current.is_empty() {
                paragraphs.push(std::mem::take(&mut current));
            }
            continue;
        }
        if !current.is_empty() {
            current.push(' ');
        }
        current.push_str(line.strip_prefix("error: ").unwrap_or(line));
    }
    if !current.is_empty() {
        paragraphs.push(current);
    }
    paragraphs.join("; ")
}

/// `rex match`, `rex hub party add`: the subcommands named at the start of the command line.
fn subcommand_path() -> String {
    let mut command = <Cli as clap::CommandFactory>::command();
    let mut path = vec!["rex".to_owned()];
    // args_os: a path that is not UTF-8 is a valid argument, and must not panic here.
    for arg in std::env::args_os().skip(1) {
        let Some(sub) = arg
            .to_str()
            .and_then(|a| command.find_subcommand(a))
            .cloned()
        else {
            break;
        };
        path.push(sub.get_name().to_owned());
        command = sub;
    }
    path.join(" ")
}
