//! Checkpoints, signed notes and cosignatures: round trips and refusals.

use rex_tlog::{
    Checkpoint, Cosignature, Cosigner, Error, Hash, NoteSigner, NoteVerifier, SignatureKind,
    SignedNote, SigningKey,
};

const ORIGIN: &str = "hub.rex.example/log";

fn hub() -> NoteSigner {
    NoteSigner::new(ORIGIN, SigningKey::from_bytes(&[1; 32])).unwrap()
}

fn node(name: &str, seed: u8) -> Cosigner {
    Cosigner::new(name, SigningKey::from_bytes(&[seed; 32])).unwrap()
}

fn checkpoint(size: u64) -> Checkpoint {
    Checkpoint::new(ORIGIN, size, Hash([size as u8; 32])).unwrap()
}

#[test]
fn checkpoint_round_trips_through_a_signed_note() {
    let cp = checkpoint(42)
        .with_extensions(vec!["rex-epoch 3".into()])
        .unwrap();
    let note = cp.sign(&hub()).unwrap();
    let text = note.to_string();
    assert!(text.starts_with(&format!(
        "{ORIGIN}\n42\n{}\nrex-epoch 3\n\n\u{2014} {ORIGIN} ",
        cp.root()
    )));

    let parsed = SignedNote::parse(&text).unwrap();
    assert_eq!(parsed, note);
    let opened = Checkpoint::open(&parsed, hub().verifier()).unwrap();
    assert_eq!(opened, cp);
    assert_eq!(Checkpoint::from_note_body(&cp.to_note_body()).unwrap(), cp);
}

#[test]
fn checkpoint_is_refused_under_a_wrong_key_or_altered_body() {
    let note = checkpoint(42).sign(&hub()).unwrap();
    let text = note.to_string();

    // Another key with the same name: its id differs, so the signature is unknown to it.
    let impostor = NoteSigner::new(ORIGIN, SigningKey::from_bytes(&[2; 32])).unwrap();
    assert!(matches!(
        Checkpoint::open(&note, impostor.verifier()),
        Err(Error::NoKnownSignature)
    ));

    // A known key whose signature does not match the body.
    for (from, to) in [("\n42\n", "\n43\n"), (ORIGIN, "hub.rex.example/log2")] {
        let altered = SignedNote::parse(&text.replacen(from, to, 1)).unwrap();
        assert!(
            Checkpoint::open(&altered, hub().verifier()).is_err(),
            "{from} -> {to}"
        );
    }

    // A signature by a key of another name is refused even when it verifies.
    let other = NoteSigner::new("other.example/log", SigningKey::from_bytes(&[1; 32])).unwrap();
    assert!(matches!(
        checkpoint(1).sign(&other),
        Err(Error::OriginMismatch { .. })
    ));
    let mut forged = SignedNote::new(&checkpoint(1).to_note_body()).unwrap();
    forged
        .add_signature(other.sign(forged.text()).unwrap())
        .unwrap();
    assert!(matches!(
        Checkpoint::open(&forged, other.verifier()),
        Err(Error::OriginMismatch { .. })
    ));
}

#[test]
fn cosignature_round_trip() {
    let cp = checkpoint(1000);
    let mut note = cp.sign(&hub()).unwrap();
    let (a, b) = (
        node("node.fr.rex.example", 10),
        node("node.tr.rex.example", 11),
    );

    let cos_a = a.cosign(&cp, 1_700_000_000).unwrap();
    cos_a.verify(&cp, a.verifier()).unwrap();
    note.add_signature(cos_a.to_note_signature()).unwrap();
    note.add_signature(b.cosign(&cp, 1_700_000_005).unwrap().to_note_signature())
        .unwrap();

    // Through text and back, the hub's signature and both cosignatures verify.
    let note = SignedNote::parse(&note.to_string()).unwrap();
    Checkpoint::open(&note, hub().verifier()).unwrap();
    let witnesses = [a.verifier().clone(), b.verifier().clone()];
    let verified = note.verified_signatures(&witnesses).unwrap();
    let times: Vec<_> = verified
        .iter()
        .map(|v| (v.name.as_str(), v.timestamp))
        .collect();
    assert_eq!(
        times,
        [
            ("node.fr.rex.example", Some(1_700_000_000)),
            ("node.tr.rex.example", Some(1_700_000_005))
        ]
    );

    // The line parses back to the same cosignature.
    let line = &note.signatures()[1];
    assert_eq!(Cosignature::from_note_signature(line).unwrap(), cos_a);

    // Not valid for another checkpoint, nor under another key, nor as a plain signature.
    assert!(cos_a.verify(&checkpoint(1001), a.verifier()).is_err());
    assert!(cos_a.verify(&cp, b.verifier()).is_err());
    let plain = NoteVerifier::new(
        "node.fr.rex.example",
        SignatureKind::Ed25519,
        *a.verifier().key(),
    )
    .unwrap();
    assert_ne!(
        plain.key_id(),
        a.verifier().key_id(),
        "key ids separate the types"
    );
    assert!(cos_a.verify(&cp, &plain).is_err());
}

#[test]
fn a_cosignature_with_an_altered_timestamp_fails() {
    let cp = checkpoint(5);
    let a = node("node.fr.rex.example", 10);
    let mut note = cp.sign(&hub()).unwrap();
    let sig = a.cosign(&cp, 100).unwrap().to_note_signature();
    let mut bytes = sig.key_id().to_be_bytes().to_vec();
    bytes.extend_from_slice(sig.signature());
    bytes[11] ^= 1; // last byte of the timestamp
    let line = format!("\u{2014} {} {}", sig.name(), base64_encode(&bytes));
    note.add_signature(rex_tlog::NoteSignature::parse_line(&line).unwrap())
        .unwrap();
    assert!(matches!(
        note.verified_signatures(&[a.verifier().clone()]),
        Err(Error::InvalidSignature(_))
    ));
}

#[test]
fn a_newer_cosignature_replaces_the_older() {
    let cp = checkpoint(5);
    let a = node("node.fr.rex.example", 10);
    let mut note = cp.sign(&hub()).unwrap();
    note.add_signature(a.cosign(&cp, 100).unwrap().to_note_signature())
        .unwrap();
    note.add_signature(a.cosign(&cp, 200).unwrap().to_note_signature())
        .unwrap();
    assert_eq!(note.signatures().len(), 2);
    let v = note.verified_signatures(&[a.verifier().clone()]).unwrap();
    assert_eq!(v[0].timestamp, Some(200));
}

#[test]
fn timestamps_above_2_pow_63_are_refused() {
    let a = node("node.fr.rex.example", 10);
    assert!(matches!(
        a.cosign(&checkpoint(1), 1 << 63),
        Err(Error::TimestampOutOfRange(_))
    ));
    a.cosign(&checkpoint(1), (1 << 63) - 1).unwrap();
}

#[test]
fn keys_round_trip_as_text() {
    let h = hub();
    let skey = h.to_skey();
    assert!(skey.starts_with("PRIVATE+KEY+hub.rex.example/log+"));
    let again = NoteSigner::from_skey(&skey).unwrap();
    assert_eq!(again.verifier(), h.verifier());
    let vkey = h.verifier().to_string();
    assert_eq!(vkey.parse::<NoteVerifier>().unwrap(), *h.verifier());
    assert!(
        !format!("{h:?}").contains(&skey[skey.len() - 20..]),
        "debug hides the secret"
    );

    let a = node("node.fr.rex.example", 10);
    let vkey = a.verifier().to_string();
    let parsed: NoteVerifier = vkey.parse().unwrap();
    assert_eq!(parsed.kind(), SignatureKind::CosignatureV1);
    assert_eq!(
        Cosigner::from_skey(&a.to_skey()).unwrap().verifier(),
        a.verifier()
    );
}

/// Checks that `input` is refused by `parse`, for each case.
fn check_refused<T: std::fmt::Debug>(parse: impl Fn(&str) -> Result<T, Error>, cases: &[&str]) {
    for case in cases {
        assert!(parse(case).is_err(), "accepted {case:?}: {:?}", parse(case));
    }
}

#[test]
fn malformed_verifier_keys_are_refused() {
    let good = hub().verifier().to_string();
    let (name_id, data) = good.rsplit_once('+').unwrap();
    let wrong_id = format!("{ORIGIN}+00000000+{data}");
    let no_data = format!("{name_id}+");
    let bad_b64 = format!("{name_id}+!!!!");
    let alg_02 = format!("{name_id}+Ag{}", &data[2..]);
    let upper_id = good.to_uppercase();
    let spaced = good.replacen("hub.rex", "hub rex", 1);
    check_refused(
        |s| s.parse::<NoteVerifier>(),
        &[
            "",
            "name",
            "name+1234abcd",
            &wrong_id,
            &no_data,
            &bad_b64,
            &alg_02,
            &upper_id,
            &spaced,
            "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10T",
        ],
    );
    // A small-order public key would verify signatures on many messages.
    let identity = {
        let mut k = [0u8; 32];
        k[0] = 1;
        rex_tlog::VerifyingKey::from_bytes(&k).unwrap()
    };
    assert!(NoteVerifier::new("weak", SignatureKind::Ed25519, identity).is_err());
}

#[test]
fn malformed_notes_are_refused() {
    let good = checkpoint(3).sign(&hub()).unwrap().to_string();
    let sig_line = good.lines().last().unwrap().to_owned();
    let body = checkpoint(3).to_note_body();
    let cases = [
        String::new(),
        body.clone(),                  // no signature
        format!("{body}\n"),           // blank line but no signature
        format!("{body}\n{sig_line}"), // no final newline
        format!("{body}{sig_line}\n"), // no blank line
        format!("{body}\n{}\n", sig_line.replacen('\u{2014}', "-", 1)),
        format!("{body}\n{}\n", sig_line.replacen(' ', "  ", 1)),
        format!("{body}\n\u{2014} name\n"),
        format!("{body}\n\u{2014} name AAAA\n"), // shorter than a key id and a byte
        format!("{body}\n\u{2014} na+me AAAAAAAA\n"),
        good.replacen('\n', "\r\n", 1),
        good.replacen("hub", "h\tub", 1),
    ];
    check_refused(
        SignedNote::parse,
        &cases.iter().map(String::as_str).collect::<Vec<_>>(),
    );

    let too_many = format!("{body}\n{}", format!("{sig_line}\n").repeat(513));
    assert!(SignedNote::parse(&too_many).is_err());
}

#[test]
fn a_key_that_signs_twice_makes_the_note_malformed() {
    let body = checkpoint(3).to_note_body();
    let sig = hub().sign(&body).unwrap().to_line();
    let note = SignedNote::parse(&format!("{body}\n{sig}\n{sig}\n")).unwrap();
    assert!(matches!(
        note.verify(&[hub().verifier().clone()]),
        Err(Error::MalformedNote(_))
    ));
}

#[test]
fn malformed_checkpoint_bodies_are_refused() {
    let root = Hash([9; 32]).to_base64();
    let cases = [
        format!("{ORIGIN}\n03\n{root}\n"), // leading zero
        format!("{ORIGIN}\n-3\n{root}\n"),
        format!("{ORIGIN}\n3\n{}\n", &root[..root.len() - 1]),
        format!("{ORIGIN}\n3\n{}\n", Hash([9; 32]).to_hex()),
        format!("{ORIGIN}\n3\n{root}"),     // no final newline
        format!("{ORIGIN}\n3\n{root}\n\n"), // empty extension line
        format!("\n3\n{root}\n"),           // empty origin
        format!("{ORIGIN}\n3\n"),
        format!("{ORIGIN}\n18446744073709551616\n{root}\n"),
    ];
    check_refused(
        Checkpoint::from_note_body,
        &cases.iter().map(String::as_str).collect::<Vec<_>>(),
    );
    Checkpoint::from_note_body(&format!("{ORIGIN}\n0\n{root}\n")).unwrap();
    assert!(Checkpoint::new("", 1, Hash([0; 32])).is_err());
    assert!(Checkpoint::new("a\nb", 1, Hash([0; 32])).is_err());
    assert!(checkpoint(1).with_extensions(vec![String::new()]).is_err());
}

fn base64_encode(bytes: &[u8]) -> String {
    // Standard base64 with padding, written out to keep the test free of the encoder it checks.
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}
