//! The log's entries and their replay: the one format the hub writes and everyone reads, and
//! the one fold that turns a run of entries back into a [`Registry`].
//!
//! An entry is the JSON object `{"time":<u64>,"envelope":<envelope>}`: the hub's acceptance
//! time and the envelope exactly as [`Envelope::to_json`] writes it. The bytes are built by
//! hand, so the envelope goes in byte for byte, and read with a borrowed
//! [`serde_json::value::RawValue`], so the envelope is parsed once and never re-serialised
//! (a restart and an audit read millions of them).
//!
//! The replay is sans-I/O: the caller fetches entries (from its store, or from the tiles the
//! hub serves), hands them over a chunk at a time, and says through a callback what else it
//! checks before each entry is applied (the node recomputes every matching round). Each chunk
//! is parsed and its signatures verified on every core ([`precheck_all`]); the fold itself is
//! sequential.

use crate::dsse::Envelope;
use crate::id::{Actor, UnixSeconds};
use crate::registry::{precheck_all, Registry};
use crate::rejection::Rejection;
use crate::statement::Statement;
use ed25519_dalek::VerifyingKey;
use serde::Deserialize;

/// Entries a replay prechecks together: large enough to keep every core busy, small enough
/// to bound the memory of a replay of millions of entries.
pub const REPLAY_CHUNK: usize = 1 << 16;

/// One log entry: the hub's acceptance time and the envelope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogEntry {
    /// Acceptance time, unix seconds.
    pub time: UnixSeconds,
    /// The envelope, as received.
    pub envelope: Envelope,
}

/// The entry as it is read: the envelope borrowed as raw JSON, parsed only once.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EntryWire<'a> {
    time: u64,
    #[serde(borrow)]
    envelope: &'a serde_json::value::RawValue,
}

/// The bytes of the entry of `envelope` accepted at `time` (for callers that hold the
/// envelope by reference, as the hub does while it commits).
pub fn entry_bytes(time: UnixSeconds, envelope: &Envelope) -> Vec<u8> {
    let json = envelope.to_json();
    let mut out = Vec::with_capacity(json.len() + 32);
    out.extend_from_slice(format!("{{\"time\":{time},\"envelope\":").as_bytes());
    out.extend_from_slice(&json);
    out.push(b'}');
    out
}

impl LogEntry {
    /// The entry's bytes, as the hub logs them.
    pub fn to_bytes(&self) -> Vec<u8> {
        entry_bytes(self.time, &self.envelope)
    }

    /// Parses an entry's bytes. Unknown fields are refused: an entry is exactly what
    /// [`LogEntry::to_bytes`] writes.
    pub fn parse(bytes: &[u8]) -> Result<Self, Rejection> {
        let wire: EntryWire = serde_json::from_slice(bytes)
            .map_err(|e| Rejection::invalid("log entry", e.to_string()))?;
        let envelope = Envelope::from_json(wire.envelope.get().as_bytes())?;
        Ok(LogEntry {
            time: wire.time,
            envelope,
        })
    }
}

/// Parses entries `first..` from their bytes, on every core. The error names the first entry
/// (by index) that does not parse.
pub fn parse_entries<B: AsRef<[u8]> + Sync>(
    first: u64,
    bytes: &[B],
) -> Result<Vec<LogEntry>, (u64, Rejection)> {
    use rayon::prelude::*;
    bytes
        .par_iter()
        .enumerate()
        .map(|(k, b)| LogEntry::parse(b.as_ref()).map_err(|e| (first + k as u64, e)))
        .collect()
}

/// Why a replay stopped, and at which entry.
#[derive(Debug, thiserror::Error)]
pub enum ReplayError<E> {
    /// The entry's envelope is malformed or its signature does not verify (found ahead).
    #[error("entry {index} holds no valid statement: {rejection}")]
    Invalid {
        /// The entry's index in the log.
        index: u64,
        /// Why.
        rejection: Rejection,
    },
    /// The caller's check of the entry failed.
    #[error("{0}")]
    Check(E),
    /// The registry refused the statement.
    #[error(
        "entry {index} ({actor} seq {seq}, {action}) is refused on replay: {}: {rejection}",
        rejection.code()
    )]
    Refused {
        /// The entry's index in the log.
        index: u64,
        /// The statement's actor.
        actor: Actor,
        /// Its sequence number.
        seq: u64,
        /// Its action's name.
        action: &'static str,
        /// Why.
        rejection: Rejection,
    },
}

/// An entry about to be applied, as the replay's callback sees it.
#[derive(Debug, Clone, Copy)]
pub struct Step<'a> {
    /// The entry's index in the log.
    pub index: u64,
    /// The entry's acceptance time.
    pub time: UnixSeconds,
    /// Its statement, parsed and signature-checked ahead.
    pub statement: &'a Statement,
    /// The registry as it stands before the entry.
    pub registry: &'a Registry,
}

/// A replay in progress: the registry rebuilt so far and the index of the next entry.
#[derive(Debug, Clone)]
pub struct Replay {
    registry: Registry,
    next: u64,
}

impl Replay {
    /// A replay from the first entry of the log of the hub whose statement key is `hub_key`.
    pub fn new(hub_key: VerifyingKey) -> Self {
        Replay {
            registry: Registry::new(hub_key),
            next: 0,
        }
    }

    /// The index of the next entry to apply (the number applied so far).
    pub fn next_index(&self) -> u64 {
        self.next
    }

    /// The registry rebuilt so far.
    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    /// The registry rebuilt.
    pub fn into_registry(self) -> Registry {
        self.registry
    }

    /// Applies the next entries in order: prechecks them all on every core, then for each one
    /// calls `check` on the registry as it stands and applies it at its acceptance time. Stops
    /// at the first entry that is invalid, fails `check`, or is refused.
    pub fn apply_chunk<E>(
        &mut self,
        chunk: Vec<LogEntry>,
        check: &mut impl FnMut(Step<'_>) -> Result<(), E>,
    ) -> Result<(), ReplayError<E>> {
        let (times, envelopes): (Vec<UnixSeconds>, Vec<Envelope>) =
            chunk.into_iter().map(|e| (e.time, e.envelope)).unzip();
        let checked = precheck_all(&self.registry, envelopes);
        for (time, checked) in times.into_iter().zip(checked) {
            let index = self.next;
            let checked = checked.map_err(|rejection| ReplayError::Invalid { index, rejection })?;
            let statement = checked.statement();
            check(Step {
                index,
                time,
                statement,
                registry: &self.registry,
            })
            .map_err(ReplayError::Check)?;
            let (actor, seq, action) = (statement.actor, statement.seq, statement.action.name());
            self.registry
                .apply_prechecked(checked, time)
                .map_err(|rejection| ReplayError::Refused {
                    index,
                    actor,
                    seq,
                    action,
                    rejection,
                })?;
            self.next += 1;
        }
        Ok(())
    }
}

/// Replays a whole log held in memory, [`REPLAY_CHUNK`] entries at a time (see
/// [`Replay::apply_chunk`]), and returns the registry it rebuilds.
pub fn replay<E>(
    hub_key: VerifyingKey,
    entries: &[LogEntry],
    mut check: impl FnMut(Step<'_>) -> Result<(), E>,
) -> Result<Registry, ReplayError<E>> {
    let mut replay = Replay::new(hub_key);
    for chunk in entries.chunks(REPLAY_CHUNK) {
        replay.apply_chunk(chunk.to_vec(), &mut check)?;
    }
    Ok(replay.into_registry())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dsse::EnvelopeSignature;
    use expect_test::expect;

    fn envelope() -> Envelope {
        Envelope {
            payload: br#"{"actor":"hub","seq":1}"#.to_vec(),
            payload_type: crate::dsse::STATEMENT_PAYLOAD_TYPE.into(),
            signatures: vec![EnvelopeSignature {
                keyid: "00ff".into(),
                sig: vec![7; 64],
            }],
        }
    }

    /// The bytes of an entry are pinned: every log ever written must keep replaying.
    #[test]
    fn entry_bytes_are_pinned() {
        let entry = LogEntry {
            time: 1_750_000_000,
            envelope: envelope(),
        };
        let bytes = entry.to_bytes();
        expect![[r#"{"time":1750000000,"envelope":{"payload":"eyJhY3RvciI6Imh1YiIsInNlcSI6MX0=","payloadType":"application/vnd.rex.statement+json","signatures":[{"keyid":"00ff","sig":"BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBw=="}]}}"#]]
            .assert_eq(std::str::from_utf8(&bytes).unwrap());
        assert_eq!(LogEntry::parse(&bytes).unwrap(), entry);
        assert_eq!(entry_bytes(entry.time, &entry.envelope), bytes);
    }

    #[test]
    fn parse_refuses_what_to_bytes_never_writes() {
        let bytes = envelope().to_json();
        let json = String::from_utf8(bytes).unwrap();
        for bad in [
            format!(r#"{{"time":1,"envelope":{json},"extra":0}}"#),
            format!(r#"{{"envelope":{json}}}"#),
            r#"{"time":1,"envelope":{"payload":"!"}}"#.to_string(),
            "not json".to_string(),
        ] {
            assert!(LogEntry::parse(bad.as_bytes()).is_err(), "{bad}");
        }
        let (index, _) = parse_entries(10, &[b"{}".to_vec()]).unwrap_err();
        assert_eq!(index, 10);
    }
}
