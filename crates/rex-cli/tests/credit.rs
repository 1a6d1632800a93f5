//! Deferred reciprocity from the command line, through `rex hub serve`: `rex agreement propose
//! --credit`, `rex request offer` (and `--withdraw`), the chain a round proposes, and
//! `rex agreement show` with the committed balances; refusals in one line.

use crate::common;

use common::{fails_on as fails, file_on, ok_on as ok, rex, serve, states, word};

#[test]
fn an_offer_starts_a_chain_within_the_credit_limit() {
    let tmp = tempfile::tempdir().expect("temporary directory");
    let d = tmp.path();
    let hub = serve(&d.join("hub"));
    let [de, fr, us] = states(d, &hub, ["DE", "FR", "US"]);
    let members = ["--members", "DE,FR,US", "--offences", "illegal_access"];
    let propose = |extra: &[&str]| {
        let mut args = vec!["agreement", "propose"];
        args.extend(members);
        args.extend(extra);
        args.into_iter().map(str::to_owned).collect::<Vec<_>>()
    };
    let bad = propose(&["--credit", "0"]);
    let bad: Vec<&str> = bad.iter().map(String::as_str).collect();
    let line = fails(&bad, &fr, 2);
    assert!(
        line.contains("max_outstanding 0, expected 1 to 1000"),
        "{line}"
    );
    let bad = propose(&["--max-chain", "2"]);
    let bad: Vec<&str> = bad.iter().map(String::as_str).collect();
    let line = fails(&bad, &fr, 2);
    assert!(line.contains("--credit"), "{line}");
    let args = propose(&["--credit", "1", "--max-chain", "2"]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let agreement = word(&ok(&args, &fr), "agr_");
    for n in [&de, &us] {
        ok(&["agreement", "sign", &agreement], n);
    }
    let dossier = d.join("dossier.txt");
    std::fs::write(&dossier, "facts, warrant").unwrap();
    // DE asks FR; the US asks DE; nobody asks FR: no cycle, but a chain from FR's offer.
    let de_asks = word(&file_on(&de, "FR", &agreement, &dossier, &[]), "req_");
    let us_asks = word(&file_on(&us, "DE", &agreement, &dossier, &[]), "req_");
    let line = fails(&["request", "offer", &de_asks], &fr, 1);
    assert!(line.contains("only a request in the pool"), "{line}");
    ok(&["request", "answer", &de_asks, "surrender"], &fr);
    ok(&["request", "answer", &us_asks, "surrender"], &de);
    let line = fails(&["request", "offer", &de_asks], &de, 1);
    assert!(line.contains("only the custodian FR offers"), "{line}");
    let out = ok(&["request", "offer", &de_asks], &fr);
    assert!(
        out.contains(&format!("offered {de_asks} unconditionally")),
        "{out}"
    );
    let shown = ok(&["agreement", "show", &agreement], &us);
    assert!(
        shown.contains(
            "credit: up to 1 handover owed either way, chains of up to 2 requests; committed \
             balances: DE +0, FR +0 (1 open offer), US +0"
        ),
        "{shown}"
    );
    assert!(
        ok(&["request", "show", &de_asks], &de).contains("offered unconditionally"),
        "the request says it is offered"
    );
    // Withdrawn and offered again.
    ok(&["request", "offer", &de_asks, "--withdraw"], &fr);
    let line = fails(&["request", "offer", &de_asks, "--withdraw"], &fr, 1);
    assert!(line.contains("holds no offer"), "{line}");
    ok(&["request", "offer", &de_asks], &fr);

    let round = rex()
        .args(["hub", "match", "--hub", &hub.url, "--operator-key"])
        .arg(d.join("hub").join("operator.key"))
        .output()
        .expect("run rex");
    assert!(round.status.success(), "{round:?}");
    let shown = ok(&["agreement", "show", &agreement], &us);
    assert!(
        shown.contains("committed balances: DE +0, FR +1, US -1"),
        "{shown}"
    );
    let listed = ok(&["request", "show", &us_asks], &us);
    assert!(listed.contains("InExchange"), "{listed}");
}
