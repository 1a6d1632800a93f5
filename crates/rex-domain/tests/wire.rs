//! The wire form of statements and envelopes, pinned: these bytes are signed, hashed and
//! logged, so any change to them is a protocol change.

use crate::world;

use expect_test::expect;
use rex_domain::{
    ActedBy, Action, Actor, AgreementId, AgreementTerms, Answer, Conversation, ConversationName,
    Digest, DossierRef, Envelope, ExchangeId, ExchangeProposal, Leg, LegKind, MessageId,
    MessageRejectionReason, Milestone, OfficerId, OfficerKey, PublicKeyFile, RefusalGround,
    RequestId, Role, Severity, Statement,
};
use rex_domain::{
    AssuranceKind, Check, Evaluation, Exclusion, ExclusionKind, Limitation, MetadataDraft, Offence,
    ProfileDraft, RequestMetadata, StateProfile, Statute, Verdict,
};
use world::{age_recipient_of, key_of, party, terms, World, T0};

#[test]
fn every_action_on_the_wire() {
    let a = AgreementId::from_digest(&Digest::of(b"agreement"));
    let r = RequestId::from_digest(&Digest::of(b"request"));
    let r2 = RequestId::from_digest(&Digest::of(b"request 2"));
    let w = World::new(&[]);
    let metadata = w.metadata("US", "RU", a, Severity::Serious, false);
    let legs = vec![
        Leg {
            request: r,
            giver: party("RU"),
            receiver: party("US"),
            kind: LegKind::Surrender,
        },
        Leg {
            request: r2,
            giver: party("US"),
            receiver: party("RU"),
            kind: LegKind::ProsecutionAtHome,
        },
    ];
    let proposal = ExchangeProposal::new(a, vec![r, r2], legs, T0 + 7 * 86_400);
    let x: ExchangeId = proposal.id;
    let m = MessageId::from_digest(&Digest::of(b"message statement"));
    let keys = PublicKeyFile::new(
        party("US"),
        key_of("US").verifying_key(),
        age_recipient_of("US"),
    )
    .unwrap();
    let actions = vec![
        ("hub", Action::PartyRegistered { keys }),
        (
            "hub",
            Action::MatchingRound {
                proposals: vec![proposal.clone()],
            },
        ),
        ("hub", Action::ExchangeLapsed { exchange: x }),
        ("hub", Action::Go { exchange: x }),
        (
            "hub",
            Action::BreachRecorded {
                exchange: x,
                request: r,
            },
        ),
        (
            "US",
            Action::AgreementProposed {
                terms: AgreementTerms::new(terms(&["RU", "US"])).unwrap(),
            },
        ),
        ("RU", Action::AgreementSigned { agreement: a }),
        (
            "US",
            Action::RequestFiled {
                metadata: metadata.clone(),
                dossier: DossierRef {
                    sha256: Digest::of(b"age file"),
                    size: 4096,
                },
            },
        ),
        (
            "RU",
            Action::RequestAnswered {
                request: r,
                answer: Answer::Surrender,
            },
        ),
        (
            "RU",
            Action::RequestAnswered {
                request: r,
                answer: Answer::Refused {
                    ground: RefusalGround::PersecutionRisk,
                },
            },
        ),
        ("US", Action::RequestWithdrawn { request: r }),
        (
            "US",
            Action::ExchangeSigned {
                exchange: x,
                proposal_sha256: proposal.digest(),
            },
        ),
        (
            "RU",
            Action::LegReady {
                exchange: x,
                request: r,
            },
        ),
        (
            "US",
            Action::LegVerified {
                exchange: x,
                request: r,
            },
        ),
        (
            "RU",
            Action::LegDelivered {
                exchange: x,
                request: r,
            },
        ),
        (
            "US",
            Action::LegReceived {
                exchange: x,
                request: r,
            },
        ),
        (
            "US",
            Action::MilestoneRecorded {
                exchange: x,
                request: r2,
                milestone: Milestone::Opened,
            },
        ),
        (
            "US",
            Action::MessageSent {
                conversation: Conversation::Request { request: r },
                to: vec![party("DE"), party("RU")],
                ciphertext: DossierRef {
                    sha256: Digest::of(b"message"),
                    size: 812,
                },
                ack_by: T0 + 14 * 86_400,
                acted_by: ActedBy::NoOfficer,
            },
        ),
        (
            "US",
            Action::MessageSent {
                conversation: Conversation::Exchange { exchange: x },
                to: vec![party("RU")],
                ciphertext: DossierRef {
                    sha256: Digest::of(b"message 2"),
                    size: 812,
                },
                ack_by: T0 + 86_400,
                acted_by: ActedBy::NoOfficer,
            },
        ),
        (
            "US",
            Action::MessageSent {
                conversation: Conversation::Free {
                    name: ConversationName::new("liaison-2026").unwrap(),
                },
                to: vec![party("RU")],
                ciphertext: DossierRef {
                    sha256: Digest::of(b"message 3"),
                    size: 812,
                },
                ack_by: T0 + 86_400,
                acted_by: ActedBy::NoOfficer,
            },
        ),
        ("RU", Action::MessageDelivered { message: m }),
        (
            "RU",
            Action::MessageRead {
                message: m,
                officer: Some(OfficerId::new("ru-liaison-1").unwrap()),
            },
        ),
        (
            "RU",
            Action::MessageRead {
                message: m,
                officer: None,
            },
        ),
        (
            "RU",
            Action::MessageAcknowledged {
                message: m,
                acted_by: ActedBy::NoOfficer,
            },
        ),
        (
            "RU",
            Action::MessageRejected {
                message: m,
                reason: MessageRejectionReason::WrongConversation,
                acted_by: ActedBy::NoOfficer,
            },
        ),
        (
            "hub",
            Action::MessageNotAcknowledged {
                message: m,
                recipient: party("RU"),
            },
        ),
        (
            "US",
            Action::OfficerCertified {
                party: party("US"),
                officer: OfficerId::new("us-approver-1").unwrap(),
                roles: vec![Role::CaseOfficer, Role::Approver],
                key: OfficerKey(key_of("us-approver-1").verifying_key()),
                not_before: T0,
                not_after: T0 + 365 * 86_400,
            },
        ),
        (
            "US",
            Action::OfficerRevoked {
                officer: OfficerId::new("us-approver-1").unwrap(),
            },
        ),
        ("US", Action::FourEyesRequired),
        (
            "RU",
            Action::ProfilePublished {
                profile: StateProfile::new(ProfileDraft {
                    surrenders_nationals: false,
                    min_penalty_months: 12,
                    min_sentence_months: 6,
                    statutes: vec![Statute {
                        category: Offence::IllegalAccess,
                        reference: "УК РФ ст. 272".into(),
                    }],
                    limitations: vec![Limitation {
                        category: Offence::IllegalAccess,
                        years: 6,
                    }],
                    min_age: 16,
                    death_penalty: false,
                    assurances_required: vec![AssuranceKind::NoDeathPenalty],
                    exclusions: vec![Exclusion {
                        category: Offence::CopyrightInfringement,
                        kind: ExclusionKind::Fiscal,
                    }],
                })
                .unwrap(),
            },
        ),
        (
            "RU",
            Action::ScreeningRaised {
                request: r,
                check: Check::PoliticalOffence,
            },
        ),
        (
            "RU",
            Action::ScreeningEvaluated {
                request: r,
                evaluations: vec![Evaluation {
                    check: Check::Limitation,
                    verdict: Verdict::Referred,
                    reason: "the dossier states no offence date: a person decides".into(),
                }],
            },
        ),
        (
            "RU",
            Action::DecisionRecorded {
                request: r,
                check: Check::PoliticalOffence,
                passed: true,
                grounds_sha256: Digest::of(b"grounds"),
            },
        ),
        (
            "US",
            Action::RequestFiled {
                metadata: RequestMetadata::new(MetadataDraft {
                    sentence_remaining_months: Some(48),
                    ..(*metadata).clone()
                })
                .unwrap(),
                dossier: DossierRef {
                    sha256: Digest::of(b"sentence"),
                    size: 1,
                },
            },
        ),
        (
            "US",
            Action::AgreementProposed {
                terms: AgreementTerms::new(rex_domain::TermsDraft {
                    release_instrument_required: true,
                    deadlines: Some(rex_domain::Deadlines {
                        suspend_after_breaches: Some(2),
                        ..rex_domain::Deadlines::STANDARD
                    }),
                    ..terms(&["RU", "US"])
                })
                .unwrap(),
            },
        ),
        (
            "RU",
            Action::AnswerExtended {
                request: r,
                reason: rex_domain::ExtensionReason::CourtProceedings,
            },
        ),
        (
            "RU",
            Action::ReleaseRecorded {
                exchange: x,
                request: r,
                instrument: rex_domain::ReleaseInstrument {
                    kind: rex_domain::InstrumentKind::CourtDecision,
                    authority: "Moscow City Court".into(),
                    document_sha256: Digest::of(b"decision"),
                },
            },
        ),
        (
            "RU",
            Action::ConsentGiven {
                exchange: x,
                request: r,
                consent: rex_domain::Consent::Offences {
                    offences: vec![Offence::ComputerRelatedFraud],
                },
            },
        ),
        (
            "RU",
            Action::ConsentGiven {
                exchange: x,
                request: r,
                consent: rex_domain::Consent::OnwardTransfer { to: party("DE") },
            },
        ),
        (
            "US",
            Action::ProsecutionExtended {
                exchange: x,
                request: r,
                offences: vec![Offence::ComputerRelatedFraud],
            },
        ),
        (
            "US",
            Action::OnwardTransferred {
                exchange: x,
                request: r,
                to: party("DE"),
            },
        ),
        (
            "hub",
            Action::DeadlineMissed {
                deadline: rex_domain::Deadline::Answer { request: r },
            },
        ),
        (
            "hub",
            Action::DeadlineMissed {
                deadline: rex_domain::Deadline::Surrender {
                    exchange: x,
                    request: r,
                },
            },
        ),
        (
            "hub",
            Action::DeadlineMissed {
                deadline: rex_domain::Deadline::Milestone {
                    exchange: x,
                    request: r2,
                    milestone: Milestone::Charged,
                },
            },
        ),
        (
            "RU",
            Action::SubjectTagged {
                request: r,
                tag: Digest::of(b"tag"),
            },
        ),
        (
            "RU",
            Action::CompetitionDecided {
                requests: vec![r2, r],
                preferred: r,
                others: rex_domain::Others::Defer,
                factors: vec![rex_domain::Factor::Seriousness, rex_domain::Factor::Place],
                grounds_sha256: Digest::of(b"grounds"),
            },
        ),
        ("RU", Action::OfferMade { request: r }),
        ("RU", Action::OfferWithdrawn { request: r }),
        (
            "hub",
            Action::MatchingRound {
                proposals: vec![ExchangeProposal::build(
                    a,
                    vec![r],
                    true,
                    vec![Leg {
                        request: r,
                        giver: party("RU"),
                        receiver: party("US"),
                        kind: LegKind::Surrender,
                    }],
                    T0 + 7 * 86_400,
                )],
            },
        ),
        (
            "US",
            Action::AgreementProposed {
                terms: AgreementTerms::new(rex_domain::TermsDraft {
                    credit: Some(rex_domain::CreditTerms {
                        max_outstanding: 2,
                        max_chain: 3,
                    }),
                    ..terms(&["RU", "US"])
                })
                .unwrap(),
            },
        ),
    ];
    let mut out = Vec::new();
    for (i, (actor, action)) in actions.into_iter().enumerate() {
        let actor: Actor = actor.parse().unwrap();
        let s = Statement::new(actor, i as u64 + 1, T0, action);
        let bytes = s.to_bytes();
        assert_eq!(Statement::from_bytes(&bytes).unwrap(), s, "round trip");
        out.push(String::from_utf8(bytes).unwrap());
    }
    expect![[r#"
        {"actor":"hub","seq":1,"time":1750000000,"action":{"type":"party_registered","keys":{"format":"rex-public-keys/v1","party":"US","ed25519":"DNveVz1H+Djo3cKIk0w+QVU/53kGTL8oWJcEpUIhIRc=","keyid":"52f3bc29096dc05a372af7b134836ac29c39bcc85898d121f07eb63aef316694","age_recipient":"age1nvszaj7x63wxmzgpmxy6jxy8swt686uaqr50fqpzlsz3kxwjrgws9dnwg5"}}}
        {"actor":"hub","seq":2,"time":1750000000,"action":{"type":"matching_round","proposals":[{"id":"exc_f25a9da2cb026311bd7633ffc0505ece","agreement":"agr_46a81739c6ee7c1d5ed084e7de843a7e","cycle":["req_1f58b9145b24d108d7ac38887338b3ea","req_ff14e14c208d414590558c2e333a73da"],"legs":[{"request":"req_1f58b9145b24d108d7ac38887338b3ea","giver":"RU","receiver":"US","kind":"surrender"},{"request":"req_ff14e14c208d414590558c2e333a73da","giver":"US","receiver":"RU","kind":"prosecution_at_home"}],"deadline":1750604800}]}}
        {"actor":"hub","seq":3,"time":1750000000,"action":{"type":"exchange_lapsed","exchange":"exc_f25a9da2cb026311bd7633ffc0505ece"}}
        {"actor":"hub","seq":4,"time":1750000000,"action":{"type":"go","exchange":"exc_f25a9da2cb026311bd7633ffc0505ece"}}
        {"actor":"hub","seq":5,"time":1750000000,"action":{"type":"breach_recorded","exchange":"exc_f25a9da2cb026311bd7633ffc0505ece","request":"req_1f58b9145b24d108d7ac38887338b3ea"}}
        {"actor":"US","seq":6,"time":1750000000,"action":{"type":"agreement_proposed","terms":{"members":["RU","US"],"offences":["illegal_access","data_interference","computer_related_fraud","ransomware_extortion"],"similarity":{"rule":"max_class_gap","gap":1},"max_cycle":3,"prosecution_at_home_counts":true,"min_penalty_months":12,"signing_deadline":1752592000,"commit_window":604800,"execution_window":5184000}}}
        {"actor":"RU","seq":7,"time":1750000000,"action":{"type":"agreement_signed","agreement":"agr_46a81739c6ee7c1d5ed084e7de843a7e"}}
        {"actor":"US","seq":8,"time":1750000000,"action":{"type":"request_filed","metadata":{"requester":"US","custodian":"RU","agreement":"agr_46a81739c6ee7c1d5ed084e7de843a7e","offences":["illegal_access","ransomware_extortion"],"max_penalty_months":240,"severity":"serious","subject_is_custodian_national":false},"dossier":{"sha256":"649aa3fac922e9a4ef96e61f3b18d502090221088b156cfc6606b93f2de51371","size":4096}}}
        {"actor":"RU","seq":9,"time":1750000000,"action":{"type":"request_answered","request":"req_1f58b9145b24d108d7ac38887338b3ea","answer":{"kind":"surrender"}},"acted_by":"no_officer"}
        {"actor":"RU","seq":10,"time":1750000000,"action":{"type":"request_answered","request":"req_1f58b9145b24d108d7ac38887338b3ea","answer":{"kind":"refused","ground":"persecution_risk"}},"acted_by":"no_officer"}
        {"actor":"US","seq":11,"time":1750000000,"action":{"type":"request_withdrawn","request":"req_1f58b9145b24d108d7ac38887338b3ea"}}
        {"actor":"US","seq":12,"time":1750000000,"action":{"type":"exchange_signed","exchange":"exc_f25a9da2cb026311bd7633ffc0505ece","proposal_sha256":"f25a9da2cb026311bd7633ffc0505ece030008790e86fcf727c43891053042b4"},"acted_by":"no_officer"}
        {"actor":"RU","seq":13,"time":1750000000,"action":{"type":"leg_ready","exchange":"exc_f25a9da2cb026311bd7633ffc0505ece","request":"req_1f58b9145b24d108d7ac38887338b3ea"},"acted_by":"no_officer"}
        {"actor":"US","seq":14,"time":1750000000,"action":{"type":"leg_verified","exchange":"exc_f25a9da2cb026311bd7633ffc0505ece","request":"req_1f58b9145b24d108d7ac38887338b3ea"},"acted_by":"no_officer"}
        {"actor":"RU","seq":15,"time":1750000000,"action":{"type":"leg_delivered","exchange":"exc_f25a9da2cb026311bd7633ffc0505ece","request":"req_1f58b9145b24d108d7ac38887338b3ea"},"acted_by":"no_officer"}
        {"actor":"US","seq":16,"time":1750000000,"action":{"type":"leg_received","exchange":"exc_f25a9da2cb026311bd7633ffc0505ece","request":"req_1f58b9145b24d108d7ac38887338b3ea"},"acted_by":"no_officer"}
        {"actor":"US","seq":17,"time":1750000000,"action":{"type":"milestone_recorded","exchange":"exc_f25a9da2cb026311bd7633ffc0505ece","request":"req_ff14e14c208d414590558c2e333a73da","milestone":"opened"},"acted_by":"no_officer"}
        {"actor":"US","seq":18,"time":1750000000,"action":{"type":"message_sent","conversation":{"kind":"request","request":"req_1f58b9145b24d108d7ac38887338b3ea"},"to":["DE","RU"],"ciphertext":{"sha256":"ab530a13e45914982b79f9b7e3fba994cfd1f3fb22f71cea1afbf02b460c6d1d","size":812},"ack_by":1751209600,"acted_by":"no_officer"}}
        {"actor":"US","seq":19,"time":1750000000,"action":{"type":"message_sent","conversation":{"kind":"exchange","exchange":"exc_f25a9da2cb026311bd7633ffc0505ece"},"to":["RU"],"ciphertext":{"sha256":"84768ddee659efeafdeb972b55143141bc23b6e333c70e8b68d29774ab09a548","size":812},"ack_by":1750086400,"acted_by":"no_officer"}}
        {"actor":"US","seq":20,"time":1750000000,"action":{"type":"message_sent","conversation":{"kind":"free","name":"liaison-2026"},"to":["RU"],"ciphertext":{"sha256":"fb29a8d5309d7c35b180dbd78c63a455a5d1fb45149a3264c08f1aff43524beb","size":812},"ack_by":1750086400,"acted_by":"no_officer"}}
        {"actor":"RU","seq":21,"time":1750000000,"action":{"type":"message_delivered","message":"msg_2f5e9cbf814f6aa7255aeab996e6cba9"}}
        {"actor":"RU","seq":22,"time":1750000000,"action":{"type":"message_read","message":"msg_2f5e9cbf814f6aa7255aeab996e6cba9","officer":"ru-liaison-1"}}
        {"actor":"RU","seq":23,"time":1750000000,"action":{"type":"message_read","message":"msg_2f5e9cbf814f6aa7255aeab996e6cba9","officer":null}}
        {"actor":"RU","seq":24,"time":1750000000,"action":{"type":"message_acknowledged","message":"msg_2f5e9cbf814f6aa7255aeab996e6cba9","acted_by":"no_officer"}}
        {"actor":"RU","seq":25,"time":1750000000,"action":{"type":"message_rejected","message":"msg_2f5e9cbf814f6aa7255aeab996e6cba9","reason":"wrong_conversation","acted_by":"no_officer"}}
        {"actor":"hub","seq":26,"time":1750000000,"action":{"type":"message_not_acknowledged","message":"msg_2f5e9cbf814f6aa7255aeab996e6cba9","recipient":"RU"}}
        {"actor":"US","seq":27,"time":1750000000,"action":{"type":"officer_certified","party":"US","officer":"us-approver-1","roles":["case_officer","approver"],"key":"OOp7gM1T/WlZ/V0nDJ3+Ntmlx8WLQvvc2aeIQqgjKSE=","not_before":1750000000,"not_after":1781536000}}
        {"actor":"US","seq":28,"time":1750000000,"action":{"type":"officer_revoked","officer":"us-approver-1"}}
        {"actor":"US","seq":29,"time":1750000000,"action":{"type":"four_eyes_required"}}
        {"actor":"RU","seq":30,"time":1750000000,"action":{"type":"profile_published","profile":{"surrenders_nationals":false,"min_penalty_months":12,"min_sentence_months":6,"statutes":[{"category":"illegal_access","reference":"УК РФ ст. 272"}],"limitations":[{"category":"illegal_access","years":6}],"min_age":16,"death_penalty":false,"assurances_required":["no_death_penalty"],"exclusions":[{"category":"copyright_infringement","kind":"fiscal"}]}}}
        {"actor":"RU","seq":31,"time":1750000000,"action":{"type":"screening_raised","request":"req_1f58b9145b24d108d7ac38887338b3ea","check":"political_offence"}}
        {"actor":"RU","seq":32,"time":1750000000,"action":{"type":"screening_evaluated","request":"req_1f58b9145b24d108d7ac38887338b3ea","evaluations":[{"check":"limitation","verdict":"referred","reason":"the dossier states no offence date: a person decides"}]}}
        {"actor":"RU","seq":33,"time":1750000000,"action":{"type":"decision_recorded","request":"req_1f58b9145b24d108d7ac38887338b3ea","check":"political_offence","passed":true,"grounds_sha256":"5f989a8e7bd59411991daa3ce519114ef56fb1ea509b96bfcee34b0fe63a90ff"},"acted_by":"no_officer"}
        {"actor":"US","seq":34,"time":1750000000,"action":{"type":"request_filed","metadata":{"requester":"US","custodian":"RU","agreement":"agr_46a81739c6ee7c1d5ed084e7de843a7e","offences":["illegal_access","ransomware_extortion"],"max_penalty_months":240,"severity":"serious","subject_is_custodian_national":false,"sentence_remaining_months":48},"dossier":{"sha256":"821119d79af8b9fcf86d782863d55861708cc4040673f905f9e3b616cfb71199","size":1}}}
        {"actor":"US","seq":35,"time":1750000000,"action":{"type":"agreement_proposed","terms":{"members":["RU","US"],"offences":["illegal_access","data_interference","computer_related_fraud","ransomware_extortion"],"similarity":{"rule":"max_class_gap","gap":1},"max_cycle":3,"prosecution_at_home_counts":true,"min_penalty_months":12,"signing_deadline":1752592000,"commit_window":604800,"execution_window":5184000,"deadlines":{"answer_days":60,"extension_days":30,"surrender_days":10,"opened_days":30,"charged_days":180,"verdict_days":730,"suspend_after_breaches":2},"release_instrument_required":true}}}
        {"actor":"RU","seq":36,"time":1750000000,"action":{"type":"answer_extended","request":"req_1f58b9145b24d108d7ac38887338b3ea","reason":"court_proceedings"}}
        {"actor":"RU","seq":37,"time":1750000000,"action":{"type":"release_recorded","exchange":"exc_f25a9da2cb026311bd7633ffc0505ece","request":"req_1f58b9145b24d108d7ac38887338b3ea","instrument":{"kind":"court_decision","authority":"Moscow City Court","document_sha256":"86ae35d58a6aa3b5742df94ef9d7162219f0106a911ae1954c1f0604aaec805d"}},"acted_by":"no_officer"}
        {"actor":"RU","seq":38,"time":1750000000,"action":{"type":"consent_given","exchange":"exc_f25a9da2cb026311bd7633ffc0505ece","request":"req_1f58b9145b24d108d7ac38887338b3ea","consent":{"kind":"offences","offences":["computer_related_fraud"]}},"acted_by":"no_officer"}
        {"actor":"RU","seq":39,"time":1750000000,"action":{"type":"consent_given","exchange":"exc_f25a9da2cb026311bd7633ffc0505ece","request":"req_1f58b9145b24d108d7ac38887338b3ea","consent":{"kind":"onward_transfer","to":"DE"}},"acted_by":"no_officer"}
        {"actor":"US","seq":40,"time":1750000000,"action":{"type":"prosecution_extended","exchange":"exc_f25a9da2cb026311bd7633ffc0505ece","request":"req_1f58b9145b24d108d7ac38887338b3ea","offences":["computer_related_fraud"]},"acted_by":"no_officer"}
        {"actor":"US","seq":41,"time":1750000000,"action":{"type":"onward_transferred","exchange":"exc_f25a9da2cb026311bd7633ffc0505ece","request":"req_1f58b9145b24d108d7ac38887338b3ea","to":"DE"},"acted_by":"no_officer"}
        {"actor":"hub","seq":42,"time":1750000000,"action":{"type":"deadline_missed","deadline":{"kind":"answer","request":"req_1f58b9145b24d108d7ac38887338b3ea"}}}
        {"actor":"hub","seq":43,"time":1750000000,"action":{"type":"deadline_missed","deadline":{"kind":"surrender","exchange":"exc_f25a9da2cb026311bd7633ffc0505ece","request":"req_1f58b9145b24d108d7ac38887338b3ea"}}}
        {"actor":"hub","seq":44,"time":1750000000,"action":{"type":"deadline_missed","deadline":{"kind":"milestone","exchange":"exc_f25a9da2cb026311bd7633ffc0505ece","request":"req_ff14e14c208d414590558c2e333a73da","milestone":"charged"}}}
        {"actor":"RU","seq":45,"time":1750000000,"action":{"type":"subject_tagged","request":"req_1f58b9145b24d108d7ac38887338b3ea","tag":"2a1073a6e67f0e5f09a5957c659503c690efe7272be8313df872556a9a684d8c"}}
        {"actor":"RU","seq":46,"time":1750000000,"action":{"type":"competition_decided","requests":["req_ff14e14c208d414590558c2e333a73da","req_1f58b9145b24d108d7ac38887338b3ea"],"preferred":"req_1f58b9145b24d108d7ac38887338b3ea","others":"defer","factors":["seriousness","place"],"grounds_sha256":"5f989a8e7bd59411991daa3ce519114ef56fb1ea509b96bfcee34b0fe63a90ff"},"acted_by":"no_officer"}
        {"actor":"RU","seq":47,"time":1750000000,"action":{"type":"offer_made","request":"req_1f58b9145b24d108d7ac38887338b3ea"},"acted_by":"no_officer"}
        {"actor":"RU","seq":48,"time":1750000000,"action":{"type":"offer_withdrawn","request":"req_1f58b9145b24d108d7ac38887338b3ea"}}
        {"actor":"hub","seq":49,"time":1750000000,"action":{"type":"matching_round","proposals":[{"id":"exc_2f308163db3f89baae081d626be4674d","agreement":"agr_46a81739c6ee7c1d5ed084e7de843a7e","cycle":["req_1f58b9145b24d108d7ac38887338b3ea"],"chain":true,"legs":[{"request":"req_1f58b9145b24d108d7ac38887338b3ea","giver":"RU","receiver":"US","kind":"surrender"}],"deadline":1750604800}]}}
        {"actor":"US","seq":50,"time":1750000000,"action":{"type":"agreement_proposed","terms":{"members":["RU","US"],"offences":["illegal_access","data_interference","computer_related_fraud","ransomware_extortion"],"similarity":{"rule":"max_class_gap","gap":1},"max_cycle":3,"prosecution_at_home_counts":true,"min_penalty_months":12,"signing_deadline":1752592000,"commit_window":604800,"execution_window":5184000,"credit":{"max_outstanding":2,"max_chain":3}}}}"#]].assert_eq(&out.join("\n"));
    expect![[r#"{"agreement":"agr_46a81739c6ee7c1d5ed084e7de843a7e","cycle":["req_1f58b9145b24d108d7ac38887338b3ea","req_ff14e14c208d414590558c2e333a73da"],"legs":[{"request":"req_1f58b9145b24d108d7ac38887338b3ea","giver":"RU","receiver":"US","kind":"surrender"},{"request":"req_ff14e14c208d414590558c2e333a73da","giver":"US","receiver":"RU","kind":"prosecution_at_home"}],"deadline":1750604800}"#]].assert_eq(&String::from_utf8(proposal.canonical_bytes()).unwrap());
}

#[test]
fn a_binding_act_names_its_officers_or_says_none_signed() {
    let r = RequestId::from_digest(&Digest::of(b"request"));
    let answered = Action::RequestAnswered {
        request: r,
        answer: Answer::Surrender,
    };
    let plain = Statement::new(party("RU"), 9, T0, answered.clone());
    let officers = plain.clone().with_officers(
        OfficerId::new("ru-case-1").unwrap(),
        OfficerId::new("ru-approver-1").unwrap(),
    );
    let out = [&plain, &officers]
        .iter()
        .map(|s| {
            let bytes = s.to_bytes();
            assert_eq!(Statement::from_bytes(&bytes).as_ref(), Ok(*s), "round trip");
            String::from_utf8(bytes).unwrap()
        })
        .collect::<Vec<_>>()
        .join("\n");
    expect![[r#"
        {"actor":"RU","seq":9,"time":1750000000,"action":{"type":"request_answered","request":"req_1f58b9145b24d108d7ac38887338b3ea","answer":{"kind":"surrender"}},"acted_by":"no_officer"}
        {"actor":"RU","seq":9,"time":1750000000,"action":{"type":"request_answered","request":"req_1f58b9145b24d108d7ac38887338b3ea","answer":{"kind":"surrender"}},"acted_by":{"four_eyes":{"drafter":"ru-case-1","approver":"ru-approver-1"}}}"#]].assert_eq(&out);
    // The form written before officers existed still reads, as a statement naming no one.
    let legacy = br#"{"actor":"RU","seq":9,"time":1750000000,"action":{"type":"request_answered","request":"req_1f58b9145b24d108d7ac38887338b3ea","answer":{"kind":"surrender"}}}"#;
    let parsed = Statement::from_bytes(legacy).unwrap();
    assert_eq!(parsed.acted_by, None);
    assert_eq!(parsed.action, answered);
    // Non-binding statements carry no acted_by.
    let filed = Statement::new(party("US"), 1, T0, Action::FourEyesRequired);
    assert!(!String::from_utf8(filed.to_bytes())
        .unwrap()
        .contains("acted_by"));
}

#[test]
fn an_envelope_on_the_wire() {
    let s = Statement::new(
        party("RU"),
        7,
        T0,
        Action::AgreementSigned {
            agreement: AgreementId::from_digest(&Digest::of(b"agreement")),
        },
    );
    let e = Envelope::sign_statement(&s, &key_of("RU"));
    expect![[r#"{"payload":"eyJhY3RvciI6IlJVIiwic2VxIjo3LCJ0aW1lIjoxNzUwMDAwMDAwLCJhY3Rpb24iOnsidHlwZSI6ImFncmVlbWVudF9zaWduZWQiLCJhZ3JlZW1lbnQiOiJhZ3JfNDZhODE3MzljNmVlN2MxZDVlZDA4NGU3ZGU4NDNhN2UifX0=","payloadType":"application/vnd.rex.statement+json","signatures":[{"keyid":"8f20b1b212837b1fd2789ec0702ccf16567a62ac150d0b4f0cce3592a7463b05","sig":"WUz0MAChaWpFo9L4jPFUKF9S0BH+UZbr3nTFZamBcUhaXCO1ZalwDimL0wT4rJ1fiQVs6Ft0f8f+3oXZdO5xBg=="}]}"#]].assert_eq(&String::from_utf8(e.to_json()).unwrap());
    let back = Envelope::from_json(&e.to_json()).unwrap();
    assert_eq!(
        back.open_statement(&key_of("RU").verifying_key()).unwrap(),
        s
    );
    assert_eq!(
        back.open_statement(&key_of("US").verifying_key())
            .unwrap_err()
            .code(),
        "bad_signature"
    );
}

/// What is not an envelope object is refused with a message that names what is expected, and
/// never an internal type name: a JSON array (which serde would read field by field), other
/// JSON values, wrong types inside.
#[test]
fn what_is_not_an_envelope_object_is_refused() {
    let e = Envelope::sign_statement(
        &Statement::new(
            party("RU"),
            1,
            T0,
            Action::AgreementSigned {
                agreement: AgreementId::from_digest(&Digest::of(b"agreement")),
            },
        ),
        &key_of("RU"),
    );
    let object: serde_json::Value = serde_json::from_slice(&e.to_json()).unwrap();
    let as_array = serde_json::json!([
        object["payload"],
        object["payloadType"],
        [[
            object["signatures"][0]["keyid"],
            object["signatures"][0]["sig"]
        ]]
    ]);
    let cases: Vec<(Vec<u8>, &str)> = vec![
        (
            serde_json::to_vec(&as_array).unwrap(),
            "an envelope is a JSON object",
        ),
        (b"  \"text\"".to_vec(), "an envelope is a JSON object"),
        (b"42".to_vec(), "an envelope is a JSON object"),
        (b"".to_vec(), "an envelope is a JSON object"),
        (
            br#"{"payload":1,"payloadType":"t","signatures":[]}"#.to_vec(),
            "invalid type",
        ),
        (
            br#"{"payload":"","payloadType":"t","signatures":[1]}"#.to_vec(),
            "expected a signature {keyid, sig}",
        ),
    ];
    for (bytes, expected) in cases {
        let err = Envelope::from_json(&bytes).unwrap_err();
        assert_eq!(err.code(), "bad_envelope", "{err}");
        let message = err.to_string();
        assert!(message.contains(expected), "{message}");
        assert!(
            !message.contains("Wire"),
            "internal type name in {message:?}"
        );
    }
    // The object itself still parses.
    assert_eq!(Envelope::from_json(&e.to_json()).unwrap(), e);
}
