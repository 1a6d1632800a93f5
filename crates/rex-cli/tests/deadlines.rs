//! `rex agreement propose` with deadlines, `rex agreement show`, `rex request extend` and the
//! deadlines of `rex request show`, through `rex hub serve`, with one-line errors. The hub
//! runs on the real clock here; what happens when a deadline passes is tested by moving an
//! injected clock in `rex-domain` and `rex-node`.

use crate::common;

use common::{fails_on as fails, file_on, ok_on as ok, serve, states, word};

#[test]
fn an_agreement_with_deadlines_and_an_extension_of_the_answer() {
    let tmp = tempfile::tempdir().expect("temporary directory");
    let d = tmp.path();
    let hub = serve(&d.join("hub"));
    let [us, ru] = states(d, &hub, ["US", "RU"]);
    fn propose<'a>(extra: &[&'a str]) -> Vec<&'a str> {
        let mut args = vec![
            "agreement",
            "propose",
            "--members",
            "US,RU",
            "--offences",
            "illegal_access",
        ];
        args.extend_from_slice(extra);
        args
    }

    // Out-of-bounds deadlines are refused before anything is signed, in one line.
    let line = fails(&propose(&["--answer-days", "0"]), &us, 2);
    assert!(line.contains("answer_days 0, expected 1 to 3660"), "{line}");
    let line = fails(&propose(&["--suspend-after-breaches", "0"]), &us, 2);
    assert!(line.contains("suspend_after_breaches 0"), "{line}");

    let agreement = word(
        &ok(
            &propose(&["--answer-days", "45", "--suspend-after-breaches", "2"]),
            &us,
        ),
        "agr_",
    );
    ok(&["agreement", "sign", &agreement], &ru);
    let shown = ok(&["agreement", "show", &agreement], &ru);
    for line in [
        "in force: RU, US",
        "deadlines: answer 45 days (one extension of 30), surrender 10 days after go; \
         prosecution opened 30 days after binding, charged 180 and judged 730 days after go; \
         filing suspended at 2 uncured breaches",
        "breaches: none",
    ] {
        assert!(shown.contains(line), "{line:?} not in {shown}");
    }
    let without = word(&ok(&propose(&["--no-deadlines"]), &us), "agr_");
    let shown = ok(&["agreement", "show", &without], &us);
    assert!(
        shown.contains("deadlines: none but the execution window"),
        "{shown}"
    );
    let line = fails(
        &["agreement", "show", "agr_00000000000000000000000000000000"],
        &us,
        2,
    );
    assert!(line.contains("no agreement agr_0"), "{line}");

    let dossier = d.join("dossier.txt");
    std::fs::write(&dossier, "identity, facts, warrant").unwrap();
    let filed = file_on(&us, "RU", &agreement, &dossier, &[]);
    let request = word(&filed, "req_");
    let shown = ok(&["request", "show", &request], &us);
    assert!(shown.contains("  answer due 20"), "{shown}");
    assert!(!shown.contains("extended"), "{shown}");

    // Only the custodian extends; a reason outside the list is refused before signing.
    let line = fails(&["request", "extend", &request, "--reason", "busy"], &ru, 2);
    assert!(
        line.contains("no extension reason \"busy\"; expected one of decision_pending"),
        "{line}"
    );
    let line = fails(
        &["request", "extend", &request, "--reason", "force_majeure"],
        &us,
        1,
    );
    assert!(line.contains("only the custodian RU"), "{line}");
    let out = ok(
        &[
            "request",
            "extend",
            &request,
            "--reason",
            "court_proceedings",
        ],
        &ru,
    );
    assert!(
        out.contains(&format!("extended the answer deadline of {request} to 20")),
        "{out}"
    );
    let shown = ok(&["request", "show", &request], &us);
    assert!(
        shown.contains("(extended from 20") && shown.contains("for court_proceedings)"),
        "{shown}"
    );
    let line = fails(
        &["request", "extend", &request, "--reason", "force_majeure"],
        &ru,
        1,
    );
    assert!(line.contains("already extended once"), "{line}");
}
