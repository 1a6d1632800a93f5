//! `rex node profile publish|show|template`, `rex request raise|decide` and the screening
//! checklist of `rex request show`, through `rex hub serve`, with one-line errors.

use crate::common;

use common::{bilateral, fails_on as fails, ok_on as ok, rex, serve, states, word};

/// The template profile, edited.
fn profile(dir: &std::path::Path, name: &str, edit: impl Fn(&mut serde_json::Value)) -> String {
    let out = rex()
        .args(["node", "profile", "template"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let mut v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    edit(&mut v);
    let path = dir.join(name);
    std::fs::write(&path, serde_json::to_vec_pretty(&v).unwrap()).unwrap();
    path.to_str().unwrap().to_owned()
}

#[test]
fn profiles_screen_a_request_and_a_signed_decision_opens_it() {
    let tmp = tempfile::tempdir().expect("temporary directory");
    let d = tmp.path();
    let hub = serve(&d.join("hub"));
    let [us, ru] = states(d, &hub, ["US", "RU"]);

    // Before any profile: nothing to show, in one line.
    let line = fails(&["node", "profile", "show"], &ru, 2);
    assert!(line.contains("RU has published no profile"), "{line}");

    // A malformed profile is refused before anything is signed, naming the file.
    let bad = profile(d, "bad.json", |v| v["min_age"] = 99.into());
    let line = fails(&["node", "profile", "publish", &bad], &ru, 2);
    assert!(
        line.contains("bad.json") && line.contains("minimum age 99"),
        "{line}"
    );

    let us_profile = profile(d, "us.json", |v| v["death_penalty"] = true.into());
    let ru_profile = profile(d, "ru.json", |v| {
        v["assurances_required"] = serde_json::json!(["no_death_penalty"])
    });
    let out = ok(&["node", "profile", "publish", &us_profile], &us);
    assert!(out.contains("published its profile"), "{out}");
    ok(&["node", "profile", "publish", &ru_profile], &ru);
    let shown = ok(&["node", "profile", "show", "--party", "US"], &ru);
    assert!(shown.starts_with("US profile version 1"), "{shown}");
    assert!(shown.contains("\"death_penalty\": true"), "{shown}");

    let agreement = bilateral(&us, &ru);
    let dossier = d.join("dossier.txt");
    std::fs::write(&dossier, "identity, facts, warrant").unwrap();
    let file = |penalty: &str| {
        ok(
            &[
                "request",
                "file",
                "--custodian",
                "RU",
                "--agreement",
                &agreement,
                "--offences",
                "illegal_access",
                "--max-penalty-months",
                penalty,
                "--severity",
                "serious",
                "--dossier",
                dossier.to_str().unwrap(),
            ],
            &us,
        )
    };
    let request = word(&file("120"), "req_");

    // The checklist names every rule; the assurance awaits RU.
    let shown = ok(&["request", "show", &request], &us);
    for line in [
        "passed  legal_basis",
        "passed  dual_criminality: every category charged maps to a statute of RU",
        "passed  penalty_threshold",
        "awaiting RU (approver) death_penalty_assurance",
    ] {
        assert!(shown.contains(line), "{line:?} not in {shown}");
    }
    assert!(
        shown.contains("awaiting RU's node limitation: RU's node checks it on the dossier"),
        "{shown}"
    );
    // Answering evaluates the dossier rules on RU's node first; the free-text dossier states no
    // facts, so they go to a person; the assurance still gates the answer.
    let line = fails(&["request", "answer", &request, "surrender"], &ru, 1);
    assert!(
        line.contains("check death_penalty_assurance awaits a decision by RU"),
        "{line}"
    );
    let shown = ok(&["request", "show", &request], &ru);
    assert!(
        shown.contains(
            "awaiting RU (approver) age_at_offence: RU's node: the dossier states no date of birth"
        ),
        "{shown}"
    );
    let again = ok(&["request", "evaluate", &request], &ru);
    assert!(again.contains("nothing of"), "{again}");

    // The requester cannot decide it; empty grounds are refused before signing.
    let grounds = d.join("grounds.txt");
    std::fs::write(&grounds, "  \n").unwrap();
    let decide = [
        "request",
        "decide",
        &request,
        "--check",
        "death_penalty_assurance",
        "pass",
        "--grounds",
        grounds.to_str().unwrap(),
    ];
    let line = fails(&decide, &ru, 2);
    assert!(line.contains("the grounds are empty"), "{line}");
    std::fs::write(&grounds, "The US assurance of 20 June 2021 is adequate.").unwrap();
    let line = fails(&decide, &us, 1);
    assert!(line.contains("awaits RU's decision, not US's"), "{line}");
    let line = fails(
        &["request", "raise", &request, "--check", "no_such_check"],
        &ru,
        2,
    );
    assert!(line.contains("unknown check"), "{line}");

    // RU decides; the grounds stay on its node under their digest.
    let out = ok(&decide, &ru);
    assert!(
        out.contains("decided: death_penalty_assurance passes"),
        "{out}"
    );
    let kept: Vec<_> = std::fs::read_dir(ru.join("grounds"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(kept.len(), 1);
    assert_eq!(
        std::fs::read_to_string(ru.join("grounds").join(&kept[0])).unwrap(),
        "The US assurance of 20 June 2021 is adequate."
    );
    let shown = ok(&["request", "show", &request], &ru);
    assert!(
        shown.contains(&format!(
            "passed  death_penalty_assurance: decided by RU, grounds sha256 {}",
            kept[0]
        )),
        "{shown}"
    );

    // A political-offence objection, decided against: the request is refused, naming it.
    ok(
        &["request", "raise", &request, "--check", "political-offence"],
        &ru,
    );
    std::fs::write(&grounds, "The charges concern a protest site.").unwrap();
    ok(
        &[
            "request",
            "decide",
            &request,
            "--check",
            "political_offence",
            "fail",
            "--grounds",
            grounds.to_str().unwrap(),
        ],
        &ru,
    );
    let shown = ok(&["request", "show", &request], &us);
    assert!(shown.contains("Refused(Screening)"), "{shown}");
    assert!(shown.contains("FAILED  political_offence"), "{shown}");

    // A filing below RU's own threshold is recorded, refused by its rule.
    let low = ok(
        &[
            "node",
            "profile",
            "publish",
            &profile(d, "ru2.json", |v| v["min_penalty_months"] = 200.into()),
        ],
        &ru,
    );
    assert!(low.contains("published"), "{low}");
    let refused = word(&file("150"), "req_");
    let shown = ok(&["request", "show", &refused], &us);
    assert!(
        shown.contains(
            "FAILED  penalty_threshold: maximum penalty 150 months is below the threshold of 200"
        ),
        "{shown}"
    );
}
