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
