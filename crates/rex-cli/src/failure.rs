//! Turning errors and bad arguments into a [`Failure`]: one line on stderr and an exit code
//! (2 for bad input, 1 for everything else). Every command maps its errors here.

use rex_domain::PartyId;
use rex_node::Error;

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

/// Maps a node error to a failure: bad input exits 2, everything else 1.
pub fn fail(e: Error) -> Failure {
    if e.is_input() {
        Failure::input(e.to_string())
    } else {
        Failure::other(e.to_string())
    }
}

/// Parses a party code (bad input on failure).
pub fn party(code: &str) -> Result<PartyId, Failure> {
    PartyId::new(code).map_err(|e| Failure::input(e.to_string()))
}

/// Parses an id or a value with its `FromStr` (bad input on failure).
pub fn parse<T: std::str::FromStr>(s: &str) -> Result<T, Failure>
where
    T::Err: std::fmt::Display,
{
    s.parse().map_err(|e: T::Err| Failure::input(e.to_string()))
}
