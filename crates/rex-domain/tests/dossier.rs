//! The structured dossier's attachments: bytes unchanged for dossiers without them, every
//! attachment checked when a dossier is read, and each bound refused in one line that says the
//! limit.

use expect_test::expect;
use rex_domain::{
    Attachment, AttachmentKind, DossierFacts, StructuredDossier, DOSSIER_FORMAT, MAX_ATTACHMENTS,
    MAX_ATTACHMENTS_BYTES, MAX_ATTACHMENT_BYTES,
};

fn facts() -> DossierFacts {
    DossierFacts {
        offence_date: Some("2021-05-07".into()),
        born: None,
        final_judgment_same_acts: Some(false),
        amnesty: None,
        identity: None,
    }
}

fn with(attachments: Vec<Attachment>) -> StructuredDossier {
    StructuredDossier::new(facts(), "Identity: J. Doe.".into(), attachments)
}

fn warrant() -> Attachment {
    Attachment::new(
        AttachmentKind::Warrant,
        "warrant.pdf",
        b"%PDF-1.7 warrant".to_vec(),
    )
    .unwrap()
}

#[test]
fn a_dossier_without_attachments_keeps_its_bytes() {
    // The bytes every dossier filed before attachments existed had: no `attachments` field.
    let plaintext = with(Vec::new()).to_plaintext().unwrap();
    expect![[r#"
        {
          "format": "rex-dossier/v1",
          "facts": {
            "offence_date": "2021-05-07",
            "final_judgment_same_acts": false
          },
          "text": "Identity: J. Doe."
        }"#]]
    .assert_eq(std::str::from_utf8(&plaintext).unwrap());
    // And such a document, written before, reads as it did.
    let old = format!(
        r#"{{"format":"{DOSSIER_FORMAT}","facts":{{"offence_date":"2021-05-07","final_judgment_same_acts":false}},"text":"Identity: J. Doe."}}"#
    );
    let parsed = StructuredDossier::parse(old.as_bytes()).unwrap().unwrap();
    assert_eq!(parsed, with(Vec::new()));
    assert_eq!(DossierFacts::parse(old.as_bytes()).unwrap(), facts());
    assert_eq!(
        StructuredDossier::parse(b"Free text, no format.").unwrap(),
        None
    );
}

#[test]
fn attachments_round_trip_in_base64_with_their_digest() {
    let evidence = Attachment::new(
        AttachmentKind::Evidence,
        "../../logs/c2 server.txt",
        b"203.0.113.7 beacon".to_vec(),
    )
    .unwrap();
    assert_eq!(evidence.name, "c2 server.txt");
    assert_eq!(evidence.media_type, "text/plain");
    let plaintext = with(vec![warrant(), evidence.clone()])
        .to_plaintext()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&plaintext).unwrap();
    expect![[r#"{"content":"JVBERi0xLjcgd2FycmFudA==","kind":"warrant","media_type":"application/pdf","name":"warrant.pdf","sha256":"0dac7a44c399caadf502a9b1622eb95c77d12465ab8459aeea608b13fb3f2e85"}"#]]
    .assert_eq(&v["attachments"][0].to_string());
    let parsed = StructuredDossier::parse(&plaintext).unwrap().unwrap();
    assert_eq!(parsed.attachments, vec![warrant(), evidence]);
    assert_eq!(parsed.attachments[1].content, b"203.0.113.7 beacon");
}

/// A dossier's plaintext with its first attachment's field `field` set to `value`.
fn altered(field: &str, value: serde_json::Value) -> Vec<u8> {
    let plaintext = with(vec![warrant()]).to_plaintext().unwrap();
    let mut v: serde_json::Value = serde_json::from_slice(&plaintext).unwrap();
    v["attachments"][0][field] = value;
    v.to_string().into_bytes()
}

#[test]
fn a_hostile_attachment_is_refused_naming_it() {
    for (field, value, says) in [
        (
            "sha256",
            "00".repeat(32).into(),
            r#"attachment 1 ("warrant.pdf"): its bytes have SHA-256"#,
        ),
        ("content", "bm90IHRoZSB3YXJyYW50".into(), "not the"),
        ("content", "%%%".into(), "not base64"),
        (
            "name",
            "../../.ssh/authorized_keys".into(),
            "path separator",
        ),
        ("name", "invoice\u{202e}fdp.exe".into(), "invisible"),
        ("name", ".profile".into(), "starts with a dot"),
        ("name", "x".repeat(300).into(), "too long"),
        (
            "media_type",
            "text/html; charset=utf-8".into(),
            "not a media type",
        ),
        ("kind", "rootkit".into(), "unknown variant"),
        ("extra", true.into(), "unknown field"),
    ] {
        let e = StructuredDossier::parse(&altered(field, value)).unwrap_err();
        assert!(e.to_string().contains(says), "{field}: {e}");
        // The node's screening reads the same document: it is refused there too.
        assert!(DossierFacts::parse(&altered(field, "".into())).is_err());
    }
}

#[test]
fn every_bound_is_refused_in_one_line_that_says_the_limit() {
    let big = |n: usize| vec![7u8; n];
    let e = Attachment::new(
        AttachmentKind::Evidence,
        "disk.img",
        big(MAX_ATTACHMENT_BYTES + 1),
    )
    .unwrap_err();
    assert!(
        e.to_string()
            .contains("more than the 8 MiB one attachment may have; split it"),
        "{e}"
    );
    let e = Attachment::new(AttachmentKind::Evidence, "empty.txt", Vec::new()).unwrap_err();
    assert!(e.to_string().contains("empty.txt is empty"), "{e}");
    let two = vec![
        Attachment::new(AttachmentKind::Evidence, "a.bin", big(MAX_ATTACHMENT_BYTES)).unwrap(),
        Attachment::new(
            AttachmentKind::Evidence,
            "b.bin",
            big(MAX_ATTACHMENTS_BYTES - MAX_ATTACHMENT_BYTES + 1),
        )
        .unwrap(),
    ];
    let e = with(two).to_plaintext().unwrap_err();
    assert!(
        e.to_string()
            .contains("more than the 10 MiB a dossier may carry"),
        "{e}"
    );
    let many = vec![warrant(); MAX_ATTACHMENTS + 1];
    let e = with(many).to_plaintext().unwrap_err();
    assert!(
        e.to_string()
            .contains("more than the 16 a dossier may carry"),
        "{e}"
    );
    let mut long = with(vec![warrant()]);
    long.text = "\u{1}".repeat(3 << 20);
    let e = long.to_plaintext().unwrap_err();
    assert!(
        e.to_string()
            .contains("more than the 15 MiB a dossier may have"),
        "{e}"
    );
    // Every message is one line.
    assert!(!e.to_string().contains('\n'));
}
