//! `rex request file --attach KIND:PATH`, the attachments listed by `rex request show` and
//! `rex request attachment`, and one saved byte for byte, through `rex hub serve`, with
//! one-line errors.

use crate::common;

use common::{bilateral, fails_on as fails, file_args, ok_on as ok, serve, states, word};

#[test]
fn attachments_are_filed_listed_by_both_states_and_saved_byte_for_byte() {
    let tmp = tempfile::tempdir().expect("temporary directory");
    let d = tmp.path();
    let hub = serve(&d.join("hub"));
    let [us, ru] = states(d, &hub, ["US", "RU"]);
    let agreement = bilateral(&us, &ru);

    let dossier = d.join("dossier.txt");
    std::fs::write(&dossier, "Identity: J. Doe. Facts: the May 2021 intrusion.").unwrap();
    let warrant = d.join("warrant.pdf");
    let warrant_bytes = b"%PDF-1.7\nArrest warrant 21-0607\n%%EOF\n".to_vec();
    std::fs::write(&warrant, &warrant_bytes).unwrap();
    std::fs::create_dir(d.join("logs")).unwrap();
    let logs = d.join("logs").join("c2.txt");
    let log_bytes: Vec<u8> = (0..=255u8).cycle().take(70_000).collect();
    std::fs::write(&logs, &log_bytes).unwrap();
    let file = |attach: &[String]| {
        let mut args = file_args("RU", &agreement, &dossier);
        for a in attach {
            args.extend(["--attach".to_owned(), a.clone()]);
        }
        args
    };
    let attach = [
        format!("warrant:{}", warrant.display()),
        format!("evidence:{}", logs.display()),
    ];
    let args = file(&attach);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let request = word(&ok(&args, &us), "req_");

    // Both states list them: number, kind, name, type, size, SHA-256.
    let sha = |b: &[u8]| rex_domain::Digest::of(b).to_string();
    let lines = [
        format!(
            "attachment 1: warrant \"warrant.pdf\" (application/pdf, {} bytes, SHA-256 {})",
            warrant_bytes.len(),
            sha(&warrant_bytes)
        ),
        format!(
            "attachment 2: evidence \"c2.txt\" (text/plain, 70000 bytes, SHA-256 {})",
            sha(&log_bytes)
        ),
    ];
    for node in [&us, &ru] {
        let shown = ok(&["request", "show", &request], node);
        for line in &lines {
            assert!(
                shown.contains(&format!("  {line}\n")),
                "{line} not in {shown}"
            );
        }
        let listed = ok(&["request", "attachment", &request], node);
        assert_eq!(listed, format!("{}\n{}\n", lines[0], lines[1]));
    }

    // Russia saves the evidence: the same bytes, in a new file only.
    let out = d.join("saved.bin");
    let save = [
        "request",
        "attachment",
        &request,
        "2",
        "--out",
        out.to_str().unwrap(),
    ];
    let saved = ok(&save, &ru);
    assert!(saved.starts_with("saved attachment 2 of "), "{saved}");
    assert_eq!(std::fs::read(&out).unwrap(), log_bytes);
    let again = fails(&save, &ru, 1);
    assert!(again.contains("saved.bin"), "{again}");
    let none = fails(&["request", "attachment", &request, "3"], &ru, 2);
    assert!(none.contains("has 2 attachments, not 3"), "{none}");

    // Bad attachments are refused before anything is filed, in one line.
    let big = d.join("disk.img");
    std::fs::write(&big, vec![0u8; rex_domain::MAX_ATTACHMENT_BYTES + 1]).unwrap();
    for (attach, says) in [
        (
            format!("rootkit:{}", warrant.display()),
            "\"rootkit\": one of warrant, judgment, evidence, identity, translation",
        ),
        (warrant.display().to_string(), "KIND:PATH"),
        (
            format!("evidence:{}", big.display()),
            "more than the 8 MiB one attachment may have; split it or compress it",
        ),
        (
            format!("identity:{}", d.join("absent.jpg").display()),
            "absent.jpg",
        ),
    ] {
        let args = file(&[attach]);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let line = fails(&args, &us, 2);
        assert!(line.contains(says), "{says}: {line}");
    }
}
