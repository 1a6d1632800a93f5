//! What every command that acts as a state's node shares: open the node, read the clock, and
//! say in one line what was done.

use crate::failure::fail;
use crate::Failure;
use rex_node::{Node, Submitted};
use std::path::Path;

/// Opens the node in `dir`.
pub fn open(dir: &Path) -> Result<Node, Failure> {
    rex_node::open(dir).map_err(fail)
}

/// The wall clock, in unix seconds (0 before 1970).
pub fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// What a view says under what it shows when the log it read goes beyond the last checkpoint
/// final for this state (cosigned by a quorum of its witnesses, at its last sync): the
/// statements from that index on are not settled.
pub fn unsettled(node: &Node) -> Result<Option<String>, Failure> {
    let final_size = node.final_size().map_err(fail)?;
    let size = node
        .checkpoint()
        .map_err(fail)?
        .map_or(0, |(c, _)| c.size());
    Ok((final_size < size).then(|| {
        format!(
            "not final: log entries {final_size} to {} are not yet cosigned by a quorum of {}'s witnesses; what they did above is not settled (`rex node sync` checks again)",
            size - 1,
            node.party()
        )
    }))
}

/// The one line an accepted action prints.
pub fn acted(node: &Node, what: &str, s: &Submitted) -> String {
    let cosigned = match &s.cosigned {
        Ok(()) => "cosigned".to_owned(),
        Err(e) => format!("not cosigned: {e}"),
    };
    format!(
        "{} {what} (seq {}, log entry {}, checkpoint {} verified, {cosigned})",
        node.party(),
        s.seq,
        s.index,
        s.tree_size
    )
}
