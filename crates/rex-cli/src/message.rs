//! `rex message send|list|show|ack`: direct dialogue between states, with the evidence chain
//! of each message in the log (`rex_node::message`).
//!
//! The CLI acts for scripted use: no officer signs, and every statement says so
//! (`"acted_by":"no_officer"`).

use crate::act::{acted, open, unsettled};
use crate::failure::{fail, parse, party};
use crate::Failure;
use clap::{Args, Subcommand};
use rex_domain::id::utc;
use rex_domain::{
    Conversation, ConversationName, ExchangeId, MessageId, MessageRejectionReason, OfficerId,
    RequestId,
};
use rex_node::{MessageView, Outgoing};
use std::path::PathBuf;

/// Default acknowledgement deadline, in days.
const DEFAULT_ACK_DAYS: u64 = 14;

#[derive(Debug, Args)]
pub struct MessageArgs {
    #[command(subcommand)]
    command: MessageCommand,
}

#[derive(Debug, Subcommand)]
enum MessageCommand {
    /// Send a message, encrypted to every recipient state and to this one (its archive copy).
    Send {
        /// The node's data directory.
        #[arg(long, value_name = "DIR")]
        data: PathBuf,
        /// A recipient state (repeat for several).
        #[arg(long, required = true)]
        to: Vec<String>,
        /// About this request (req_...); recipients must be its requester or custodian.
        #[arg(long, value_name = "ID")]
        request: Option<String>,
        /// About this exchange (exc_...); recipients must be its parties.
        #[arg(long, value_name = "ID")]
        exchange: Option<String>,
        /// In this free conversation (a label in clear in the log: letters, digits, - _ .).
        #[arg(long, value_name = "NAME")]
        conversation: Option<String>,
        /// One line, encrypted with the body (never in the log).
        #[arg(long)]
        subject: String,
        /// The text of the message (UTF-8).
        #[arg(long, value_name = "FILE")]
        body_file: PathBuf,
        /// Days within which each recipient must acknowledge or reject it; after that the hub
        /// records that it did not.
        #[arg(long, value_name = "DAYS", default_value_t = DEFAULT_ACK_DAYS)]
        ack_within: u64,
    },
    /// List the messages this state sent or received, with each recipient's state; first
    /// fetches new incoming messages and logs their delivery.
    List {
        /// The node's data directory.
        #[arg(long, value_name = "DIR")]
        data: PathBuf,
    },
    /// Open a message: decrypt and print it; at a recipient, log its delivery and first
    /// reading.
    Show {
        /// The node's data directory.
        #[arg(long, value_name = "DIR")]
        data: PathBuf,
        /// The message id (msg_...).
        message: String,
        /// The officer reading it, named in `message_read` (an id, not a name).
        #[arg(long, value_name = "ID")]
        officer: Option<String>,
    },
    /// Acknowledge a message addressed to this state, or reject it with a reason.
    Ack {
        /// The node's data directory.
        #[arg(long, value_name = "DIR")]
        data: PathBuf,
        /// The message id (msg_...).
        message: String,
        /// Reject instead: unreadable, wrong_recipient, wrong_conversation, incomplete, other.
        #[arg(long, value_name = "REASON")]
        reject: Option<String>,
    },
}

fn conversation(
    request: Option<String>,
    exchange: Option<String>,
    name: Option<String>,
) -> Result<Conversation, Failure> {
    match (request, exchange, name) {
        (Some(r), None, None) => Ok(Conversation::Request {
            request: parse::<RequestId>(&r)?,
        }),
        (None, Some(x), None) => Ok(Conversation::Exchange {
            exchange: parse::<ExchangeId>(&x)?,
        }),
        (None, None, Some(n)) => Ok(Conversation::Free {
            name: ConversationName::new(&n).map_err(|e| Failure::input(e.to_string()))?,
        }),
        _ => Err(Failure::input(
            "say what the message is about: exactly one of --request, --exchange, --conversation",
        )),
    }
}

/// One line per message.
fn line(v: &MessageView) -> String {
    let m = &v.message;
    let to: Vec<&str> = m.recipients.keys().map(|p| p.as_str()).collect();
    format!(
        "{} {} {} -> {} on {}, sent {}, ack by {}: {}",
        m.id,
        if v.sent { "sent" } else { "received" },
        m.from,
        to.join(","),
        m.conversation,
        utc(m.sent_at),
        utc(m.ack_by),
        v.describe_states()
    )
}

pub fn run(args: MessageArgs) -> Result<(), Failure> {
    match args.command {
        MessageCommand::Send {
            data,
            to,
            request,
            exchange,
            conversation: name,
            subject,
            body_file,
            ack_within,
        } => {
            let conversation = conversation(request, exchange, name)?;
            let to = to.iter().map(|p| party(p)).collect::<Result<Vec<_>, _>>()?;
            if ack_within == 0 || ack_within > 366 {
                return Err(Failure::input("--ack-within takes 1 to 366 days"));
            }
            let body = std::fs::read(&body_file)
                .map_err(|e| Failure::input(format!("{}: {e}", body_file.display())))?;
            let body = String::from_utf8(body).map_err(|_| {
                Failure::input(format!("{} is not UTF-8 text", body_file.display()))
            })?;
            let mut node = open(&data)?;
            let (id, s) = node
                .send_message(Outgoing {
                    conversation,
                    to,
                    subject,
                    body,
                    ack_within: ack_within * 86_400,
                })
                .map_err(fail)?;
            println!("{}", acted(&node, &format!("sent message {id}"), &s));
        }
        MessageCommand::List { data } => {
            let mut node = open(&data)?;
            let delivery = node.deliver_messages().map_err(fail)?;
            let n = delivery.delivered.len();
            if n > 0 {
                println!(
                    "{} logged the delivery of {n} new message{}",
                    node.party(),
                    if n == 1 { "" } else { "s" }
                );
            }
            for (id, why) in &delivery.undeliverable {
                println!("not delivered: {id}: {why}");
            }
            let views = node.messages().map_err(fail)?;
            if views.is_empty() {
                println!("no messages");
            }
            for v in &views {
                println!("{}", line(v));
            }
            if let Some(note) = unsettled(&node)? {
                println!("{note}");
            }
        }
        MessageCommand::Show {
            data,
            message,
            officer,
        } => {
            let id: MessageId = parse(&message)?;
            let officer = officer
                .map(|o| OfficerId::new(&o).map_err(|e| Failure::input(e.to_string())))
                .transpose()?;
            let mut node = open(&data)?;
            let opened = node.open_message(&id, officer).map_err(fail)?;
            if !opened.logged.is_empty() {
                println!("{} logged {}", node.party(), opened.logged.join(", "));
            }
            println!("{}", line(&opened.view));
            println!("subject: {}", opened.letter.subject);
            println!();
            println!("{}", opened.letter.body.trim_end());
        }
        MessageCommand::Ack {
            data,
            message,
            reject,
        } => {
            let id: MessageId = parse(&message)?;
            let reason = reject
                .map(|r| {
                    MessageRejectionReason::parse(&r).map_err(|e| Failure::input(e.to_string()))
                })
                .transpose()?;
            let mut node = open(&data)?;
            let (state, s) = node.answer_message(&id, reason).map_err(fail)?;
            let what = match reason {
                None => format!("acknowledged message {id} ({state})"),
                Some(r) => format!("rejected message {id} as {r} ({state})"),
            };
            println!("{}", acted(&node, &what, &s));
        }
    }
    Ok(())
}
