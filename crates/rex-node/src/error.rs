//! The crate's one error type.

/// Everything that can go wrong in a node.
///
/// [`Error::Evidence`] is the outcome that matters most: the hub or its log misbehaved, and the
/// message says exactly how ("entry 12 altered", "checkpoint 41 is not consistent with
/// checkpoint 40 (fork)"). [`Error::Refused`] is the hub refusing a statement, a domain outcome
/// with the hub's stable code.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Bad input from the user: a malformed id, an unknown party, a file that does not parse.
    #[error("{0}")]
    Input(String),
    /// The hub refused the request with `{code, message}`.
    #[error("hub refused ({code}): {message}")]
    Refused {
        /// The stable code (`rex_domain::Rejection::code` and the hub's own).
        code: String,
        /// For people.
        message: String,
    },
    /// The hub could not be reached, or answered something that is not the contract.
    #[error("hub at {url}: {message}")]
    Hub {
        /// What was asked.
        url: String,
        /// What went wrong.
        message: String,
    },
    /// Evidence that the hub or its log misbehaved, said exactly.
    #[error("{0}")]
    Evidence(String),
    /// The node is not allowed to do this (a dossier not addressed to it).
    #[error("{0}")]
    Denied(String),
    /// The node's own state: keys, the local store, the data directory.
    #[error("{0}")]
    Local(String),
}

impl Error {
    /// Evidence of misbehaviour, from several findings (joined with "; ").
    pub(crate) fn evidence(findings: Vec<String>) -> Self {
        Error::Evidence(findings.join("; "))
    }

    /// Whether the error is the user's input rather than the system.
    pub fn is_input(&self) -> bool {
        matches!(self, Error::Input(_))
    }
}

impl From<rusqlite::Error> for Error {
    fn from(e: rusqlite::Error) -> Self {
        Error::Local(format!("local store: {e}"))
    }
}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Self {
        Error::Local(e.to_string())
    }
}
