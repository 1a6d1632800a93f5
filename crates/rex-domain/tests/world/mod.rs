//! A small world of states and a hub, driving a real [`Registry`] with really signed statements.
//! Only the clock is fake (a number the test moves).

#![allow(dead_code)]

use ed25519_dalek::SigningKey;
use rex_domain::{
    Action, Actor, AgeRecipient, AgreementId, AgreementTerms, Answer, Applied, DossierRef,
    Envelope, Event, ExchangeId, ExchangeProposal, MetadataDraft, Offence, PartyId, PublicKeyFile,
    Registry, Rejection, RequestId, RequestMetadata, Severity, Statement, TermsDraft,
};
use std::collections::BTreeMap;

/// The world's start time (2025-06-15).
pub const T0: u64 = 1_750_000_000;
pub const DAY: u64 = 86_400;

pub fn party(code: &str) -> PartyId {
    PartyId::new(code).unwrap()
}

/// A deterministic key per name, so snapshots are stable.
pub fn key_of(name: &str) -> SigningKey {
    let mut seed = [0u8; 32];
    for (i, b) in name.bytes().enumerate() {
        seed[i % 32] ^= b;
    }
    seed[31] ^= 0x5a;
    SigningKey::from_bytes(&seed)
}

pub fn age_recipient_of(name: &str) -> AgeRecipient {
    let hrp = bech32::Hrp::parse("age").unwrap();
    let bytes = rex_domain::Digest::of(name.as_bytes()).0;
    AgeRecipient::parse(&bech32::encode::<bech32::Bech32>(hrp, &bytes).unwrap()).unwrap()
}

pub fn terms(members: &[&str]) -> TermsDraft {
    let members: Vec<PartyId> = members.iter().map(|m| party(m)).collect();
    let offences = [
        Offence::IllegalAccess,
        Offence::DataInterference,
        Offence::ComputerRelatedFraud,
        Offence::RansomwareExtortion,
    ];
    // Without deadlines but the execution window: the stories here are about the rest;
    // tests/deadlines.rs sets them.
    TermsDraft {
        prosecution_at_home_counts: true,
        deadlines: None,
        ..TermsDraft::standard(&members, &offences, T0)
    }
}

#[derive(Clone)]
pub struct World {
    pub hub: SigningKey,
    pub keys: BTreeMap<PartyId, SigningKey>,
    pub reg: Registry,
    pub now: u64,
    /// Accepted envelopes with their acceptance time: the log.
    pub log: Vec<(Envelope, u64)>,
    /// The registry as it was before the last envelope submitted (accepted or refused), so
    /// that a test can check that a refusal after several statements changed nothing.
    pub before_last_submit: Option<Registry>,
    aliases: Vec<(String, String)>,
    counts: [usize; 4],
}

impl World {
    /// A hub with these states registered.
    pub fn new(parties: &[&str]) -> World {
        let hub = key_of("hub");
        let mut w = World {
            reg: Registry::new(hub.verifying_key()),
            hub,
            keys: BTreeMap::new(),
            now: T0,
            log: Vec::new(),
            before_last_submit: None,
            aliases: Vec::new(),
            counts: [0; 4],
        };
        for p in parties {
            w.register(p);
        }
        w
    }

    pub fn register(&mut self, code: &str) {
        let key = key_of(code);
        let file =
            PublicKeyFile::new(party(code), key.verifying_key(), age_recipient_of(code)).unwrap();
        self.keys.insert(party(code), key);
        self.hub(Action::PartyRegistered { keys: file }).unwrap();
    }

    fn key(&self, actor: Actor) -> &SigningKey {
        match actor {
            Actor::Hub => &self.hub,
            Actor::Party(p) => self
                .keys
                .get(&p)
                .unwrap_or_else(|| panic!("no key for {p}")),
        }
    }

    /// The statement `actor` would sign next for `action`, dated now.
    pub fn statement(&self, actor: Actor, action: Action) -> Statement {
        let seq = self.reg.next_seq(actor).unwrap_or(1);
        Statement::new(actor, seq, self.now, action)
    }

    /// Signs with the actor's own key.
    pub fn envelope(&self, statement: &Statement) -> Envelope {
        Envelope::sign_statement(statement, self.key(statement.actor))
    }

    /// Applies an envelope now, recording it in the log if accepted.
    pub fn submit(&mut self, envelope: &Envelope) -> Result<Applied, Rejection> {
        self.before_last_submit = Some(self.reg.clone());
        let applied = self.reg.apply(envelope, self.now)?;
        self.log.push((envelope.clone(), self.now));
        for e in &applied.events {
            let (slot, prefix, id) = match e {
                Event::AgreementProposed(id) => (0, "A", id.to_string()),
                Event::RequestFiled(id) => (1, "r", id.to_string()),
                Event::ExchangeProposed(id) => (2, "x", id.to_string()),
                Event::MessageSent(id) => (3, "m", id.to_string()),
                _ => continue,
            };
            self.counts[slot] += 1;
            let alias = format!("{prefix}{}", self.counts[slot]);
            self.aliases.push((id, alias));
        }
        Ok(applied)
    }

    /// The log as entries; asserts that replaying it gives the registry this world holds.
    pub fn replays_the_same(&self) -> Vec<rex_domain::log::LogEntry> {
        let entries: Vec<rex_domain::log::LogEntry> = self
            .log
            .iter()
            .map(|(envelope, time)| rex_domain::log::LogEntry {
                time: *time,
                envelope: envelope.clone(),
            })
            .collect();
        let replayed: Registry = rex_domain::log::replay(
            key_of("hub").verifying_key(),
            &entries,
            |_| Ok::<(), ()>(()),
        )
        .unwrap();
        assert_eq!(replayed, self.reg);
        entries
    }

    /// `actor` ("hub" or a party code) takes `action`, properly signed, with its next seq.
    pub fn act(&mut self, actor: &str, action: Action) -> Result<Applied, Rejection> {
        let actor: Actor = actor.parse().unwrap();
        let s = self.statement(actor, action);
        let e = self.envelope(&s);
        self.submit(&e)
    }

    pub fn hub(&mut self, action: Action) -> Result<Applied, Rejection> {
        self.act("hub", action)
    }

    /// Renders events one per line, ids replaced by their aliases.
    pub fn render(&self, events: &[Event]) -> String {
        events
            .iter()
            .map(|e| self.alias(&format!("{e:?}")))
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// Replaces every known id in `text` by its alias.
    pub fn alias(&self, text: &str) -> String {
        let mut s = text.to_owned();
        for (id, alias) in &self.aliases {
            s = s.replace(id, alias);
        }
        s
    }

    /// Like `act`, but renders the outcome: the events, or `refused <code>: <message>`.
    pub fn story(&mut self, actor: &str, action: Action) -> String {
        match self.act(actor, action) {
            Ok(a) => self.render(&a.events),
            Err(r) => format!("refused {}: {}", r.code(), self.alias(&r.to_string())),
        }
    }

    /// The first member proposes, the others sign: an agreement in force.
    pub fn agreement(&mut self, draft: TermsDraft) -> AgreementId {
        let members = draft.members.clone();
        let proposer = members[0].to_string();
        let terms = AgreementTerms::new(draft).unwrap();
        let applied = self
            .act(&proposer, Action::AgreementProposed { terms })
            .unwrap();
        let Event::AgreementProposed(id) = applied.events[0] else {
            panic!("{:?}", applied.events)
        };
        for m in &members[1..] {
            self.act(&m.to_string(), Action::AgreementSigned { agreement: id })
                .unwrap();
        }
        assert!(self.reg.agreement(&id).unwrap().in_force());
        id
    }

    pub fn metadata(
        &self,
        requester: &str,
        custodian: &str,
        agreement: AgreementId,
        severity: Severity,
        own_national: bool,
    ) -> RequestMetadata {
        RequestMetadata::new(MetadataDraft {
            requester: party(requester),
            custodian: party(custodian),
            agreement,
            offences: vec![Offence::IllegalAccess, Offence::RansomwareExtortion],
            max_penalty_months: 240,
            severity,
            subject_is_custodian_national: own_national,
            sentence_remaining_months: None,
        })
        .unwrap()
    }

    pub fn dossier(tag: &str) -> DossierRef {
        DossierRef {
            sha256: rex_domain::Digest::of(tag.as_bytes()),
            size: 4096,
        }
    }

    /// Files a request and returns its id.
    pub fn file(
        &mut self,
        requester: &str,
        custodian: &str,
        agreement: AgreementId,
        severity: Severity,
        own_national: bool,
    ) -> RequestId {
        let metadata = self.metadata(requester, custodian, agreement, severity, own_national);
        let applied = self
            .act(
                requester,
                Action::RequestFiled {
                    metadata,
                    dossier: World::dossier(requester),
                },
            )
            .unwrap();
        let Event::RequestFiled(id) = applied.events[0] else {
            panic!("{:?}", applied.events)
        };
        id
    }

    /// The custodian answers.
    pub fn answer(&mut self, request: RequestId, answer: Answer) {
        let custodian = self.reg.request(&request).unwrap().metadata.custodian;
        self.act(
            &custodian.to_string(),
            Action::RequestAnswered { request, answer },
        )
        .unwrap();
    }

    /// The hub proposes the exchange for `cycle` (built without the solver).
    pub fn propose(&mut self, cycle: &[RequestId]) -> ExchangeId {
        let p = ExchangeProposal::for_cycle(&self.reg, cycle, self.now).unwrap();
        let id = p.id;
        self.hub(Action::MatchingRound { proposals: vec![p] })
            .unwrap();
        id
    }

    /// The US asks Russia (`r1`) and Russia asks the US (`r2`) under `agreement`, each answered
    /// as given (Russia's answer to `r1` first); the hub proposes the pair and both sign: a
    /// binding exchange.
    pub fn binding_pair(
        &mut self,
        agreement: AgreementId,
        ru_answers: Answer,
        us_answers: Answer,
    ) -> (RequestId, RequestId, ExchangeId) {
        let r1 = self.file("US", "RU", agreement, Severity::Serious, false);
        let r2 = self.file("RU", "US", agreement, Severity::Serious, false);
        self.answer(r1, ru_answers);
        self.answer(r2, us_answers);
        let x = self.propose(&[r1, r2]);
        self.sign_exchange(x);
        (r1, r2, x)
    }

    /// The giver declares the subject of the leg of `request` ready and the receiver verifies
    /// it.
    pub fn ready_and_verified(&mut self, exchange: ExchangeId, request: RequestId) {
        let x = self.reg.exchange(&exchange).unwrap();
        let leg = x.proposal.legs[x.leg_index(&request).unwrap()];
        self.act(
            &leg.giver.to_string(),
            Action::LegReady { exchange, request },
        )
        .unwrap();
        self.act(
            &leg.receiver.to_string(),
            Action::LegVerified { exchange, request },
        )
        .unwrap();
    }

    /// Every party of the exchange signs it.
    pub fn sign_exchange(&mut self, exchange: ExchangeId) {
        let x = self.reg.exchange(&exchange).unwrap().clone();
        for p in &x.parties {
            self.act(
                &p.to_string(),
                Action::ExchangeSigned {
                    exchange,
                    proposal_sha256: x.digest,
                },
            )
            .unwrap();
        }
    }
}

/// Asserts that `result` is a refusal with `code`, and returns its message.
pub fn check<T: std::fmt::Debug>(result: Result<T, Rejection>, code: &str) -> String {
    match result {
        Err(r) => {
            assert_eq!(r.code(), code, "refused for another reason: {r}");
            r.to_string()
        }
        Ok(v) => panic!("accepted, expected refusal {code}: {v:?}"),
    }
}
