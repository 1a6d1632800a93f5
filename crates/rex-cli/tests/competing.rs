//! `rex request file --family-name`, the custodian's tag as `rex request evaluate` reads the
//! dossier, `rex request compete` and the competing-request check in `rex request show`,
//! through `rex hub serve`, with one-line errors. That no name reaches the hub is checked on
//! every decoded log payload in `rex-node`'s tests/screening.rs.

use crate::common;

use common::{fails_on as fails, file_on, ok_on as ok, serve, states, word};

#[test]
fn two_states_ask_for_one_person_and_the_custodian_decides() {
    let tmp = tempfile::tempdir().expect("temporary directory");
    let d = tmp.path();
    let hub = serve(&d.join("hub"));
    let [us, de, ru] = states(d, &hub, ["US", "DE", "RU"]);
    let proposed = ok(
        &[
            "agreement",
            "propose",
            "--members",
            "DE,RU,US",
            "--offences",
            "illegal_access",
        ],
        &us,
    );
    let agreement = word(&proposed, "agr_");
    ok(&["agreement", "sign", &agreement], &ru);
    ok(&["agreement", "sign", &agreement], &de);
    let dossier = d.join("dossier.txt");
    std::fs::write(&dossier, "facts, warrant").unwrap();
    let file = |data: &std::path::Path, family: &str, given: &str| {
        let out = file_on(
            data,
            "RU",
            &agreement,
            &dossier,
            &[
                "--family-name",
                family,
                "--given-names",
                given,
                "--born",
                "1987-11-23",
            ],
        );
        word(&out, "req_")
    };
    let first = file(&us, "Petrov", "Aleksandr");
    let second = file(&de, "PETROV ", "aleksandr");

    // The requester's node has nothing to tag; the custodian's tags as it reads the dossier.
    let out = ok(&["request", "evaluate", &first], &us);
    assert!(!out.contains("tagged"), "{out}");
    let out = ok(&["request", "evaluate", &first], &ru);
    assert!(
        out.contains(&format!("tagged the subject of {first}")),
        "{out}"
    );
    let out = ok(&["request", "evaluate", &second], &ru);
    assert!(
        out.contains(&format!("tagged the subject of {second}")),
        "{out}"
    );

    let shown = ok(&["request", "show", &first], &us);
    assert!(
        shown.contains("awaiting RU (approver) competing_request: 2 open requests to RU share"),
        "{shown}"
    );
    // Not answerable as exchangeable while it awaits.
    let line = fails(&["request", "answer", &first, "surrender"], &ru, 1);
    assert!(line.contains("competing_request"), "{line}");

    let grounds = d.join("grounds.txt");
    std::fs::write(&grounds, "most victims are in the US").unwrap();
    let compete = |prefer: &str, factor: &str| {
        vec![
            "request".to_owned(),
            "compete".into(),
            first.clone(),
            second.clone(),
            "--prefer".into(),
            prefer.to_owned(),
            "--others".into(),
            "refuse".into(),
            "--factor".into(),
            factor.into(),
            "--factor".into(),
            "seriousness".into(),
            "--grounds".into(),
            grounds.to_str().unwrap().to_owned(),
        ]
    };
    let args = compete(&first, "weather");
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let line = fails(&args, &ru, 2);
    assert!(line.contains("unknown factor \"weather\""), "{line}");
    let args = compete(&first, "place");
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let line = fails(&args, &us, 1);
    assert!(line.contains("only the custodian RU decides"), "{line}");
    let out = ok(&args, &ru);
    assert!(
        out.contains(&format!("preferred {first}; the others: refuse")),
        "{out}"
    );

    let shown = ok(&["request", "show", &first], &us);
    assert!(
        shown.contains(&format!(
            "passed  competing_request: preferred by RU over {second} (factors: seriousness, place"
        )),
        "{shown}"
    );
    let shown = ok(&["request", "show", &second], &de);
    assert!(
        shown.contains(&format!(
            "FAILED  competing_request: RU preferred request {first}"
        )),
        "{shown}"
    );
    ok(&["request", "answer", &first, "surrender"], &ru);
}
