//! `rex demo`, on the real binary: the June 2021 offer, a three-state cycle, and four states
//! under the law with credit, played over loopback HTTP, must run to the end and say so.
//!
//! The checks read the printed timeline for the steps that matter, in the order they must
//! happen: a step the demo skipped (or a story told out of order) fails here, not only a
//! non-zero exit.

use crate::common;

use common::rex;

/// The position of the first line containing every one of `parts`, at or after `from`.
fn find(lines: &[&str], from: usize, parts: &[&str]) -> usize {
    lines[from..]
        .iter()
        .position(|l| parts.iter().all(|p| l.contains(p)))
        .map(|i| from + i)
        .unwrap_or_else(|| {
            panic!(
                "no line with {parts:?} after line {from}:\n{}",
                lines.join("\n")
            )
        })
}

/// The number that follows `label` in `line` (e.g. `entry 12`).
fn number_after(line: &str, label: &str) -> u64 {
    let rest = &line[line
        .find(label)
        .unwrap_or_else(|| panic!("no {label:?} in {line:?}"))
        + label.len()..];
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    digits
        .parse()
        .unwrap_or_else(|_| panic!("no number after {label:?} in {line:?}"))
}

/// Every `req_...` / `exc_...` / `agr_...` id in a line.
fn ids<'a>(line: &'a str, prefix: &str) -> Vec<&'a str> {
    line.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|w| w.starts_with(prefix) && w.len() > prefix.len())
        .collect()
}

#[test]
fn demo_plays_the_june_2021_offer_a_three_state_cycle_and_the_law_with_credit() {
    let output = rex()
        .arg("demo")
        .timeout(std::time::Duration::from_secs(120))
        .output()
        .expect("run rex demo");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "rex demo failed ({:?}):\n{stdout}\nstderr:\n{stderr}",
        output.status
    );
    assert!(!stderr.contains("panicked"), "rex demo panicked:\n{stderr}");
    let lines: Vec<&str> = stdout.lines().collect();

    // The steps are numbered 1, 2, 3, ... with none missing.
    let numbered: Vec<u64> = lines
        .iter()
        .filter_map(|l| l.trim_start().split_once(". "))
        .filter_map(|(n, _)| n.parse().ok())
        .collect();
    assert!(
        numbered.len() > 40,
        "only {} steps:\n{stdout}",
        numbered.len()
    );
    assert_eq!(
        numbered,
        (1..=numbered.len() as u64).collect::<Vec<_>>(),
        "steps out of order"
    );

    // Act one: US and RU, a bilateral agreement, prosecution at home against surrender.
    let hub = find(&lines, 0, &["rex demo: hub at http://127.0.0.1:"]);
    let act_one = find(&lines, hub, &["— Act one: Geneva, June 2021 —"]);
    let mut at = find(&lines, act_one, &["US's node is initialised"]);
    at = find(&lines, at, &["RU's node is initialised"]);
    at = find(&lines, at, &["registers RU and US"]);
    at = find(
        &lines,
        at,
        &["US proposes a bilateral cybercrime reciprocity agreement"],
    );
    at = find(&lines, at, &["RU signs a bilateral", "agr_"]);
    let bilateral = ids(lines[at], "agr_")[0];
    at = find(&lines, at, &["agreement", bilateral, "is in force"]);
    // US asks for the Russian nationals; RU for the carding-forum administrator.
    let us_files = find(
        &lines,
        at,
        &["US files req_", "with RU", "custodian's own national"],
    );
    let us_asks = ids(lines[us_files], "req_")[0];
    let ru_files = find(&lines, us_files, &["RU files req_", "with US"]);
    let ru_asks = ids(lines[ru_files], "req_")[0];
    at = find(
        &lines,
        ru_files,
        &[
            "RU answers",
            us_asks,
            "exchangeable by prosecution at home (own nationals)",
        ],
    );
    at = find(
        &lines,
        at,
        &["US answers", ru_asks, "exchangeable by surrender"],
    );
    at = find(&lines, at, &["RU decrypts the dossier of", us_asks]);
    at = find(
        &lines,
        at,
        &[
            "the hub's matching round",
            "proposes exchange",
            "over 2 requests",
        ],
    );
    let x1 = ids(lines[at], "exc_")[0];
    // Every member signs, in whatever order; binding only after the last signature.
    at = ["US", "RU"]
        .map(|p| find(&lines, at, &[p, "signs exchange", x1]))
        .into_iter()
        .max()
        .expect("two members");
    at = find(&lines, at, &["exchange", x1, "is binding"]);
    // The surrender is all-or-nothing: ready and verified before go, delivered after.
    let ready = find(
        &lines,
        at,
        &[
            "US declares the subject of",
            ru_asks,
            "ready for surrender to RU",
        ],
    );
    let verified = find(
        &lines,
        ready,
        &["RU verifies the identity of the subject of", ru_asks],
    );
    let opened = find(
        &lines,
        at,
        &[
            "RU opens proceedings at home against the subject of",
            us_asks,
        ],
    );
    let go = find(&lines, at, &["the hub declares GO for", x1]);
    assert!(
        verified < go && opened < go,
        "go before every leg was ready"
    );
    at = find(
        &lines,
        go,
        &["US hands the subject of", ru_asks, "over to RU"],
    );
    at = find(
        &lines,
        at,
        &["RU confirms receipt of the subject of", ru_asks],
    );
    let charged = find(
        &lines,
        go,
        &["RU charges the subject of", us_asks, "at home"],
    );
    let verdict = find(
        &lines,
        charged,
        &["RU obtains a verdict against the subject of", us_asks],
    );
    let done1 = find(&lines, at.max(verdict), &["exchange", x1, "is complete"]);

    // Act two: DE joins; a trilateral agreement and a three-state cycle of surrenders.
    let act_two = find(&lines, done1, &["— Act two: a third state joins —"]);
    at = find(&lines, act_two, &["DE's node is initialised"]);
    at = find(&lines, at, &["registers DE"]);
    at = find(
        &lines,
        at,
        &["proposes a trilateral agreement (DE, RU, US)"],
    );
    at = find(&lines, at, &["signs a trilateral agreement", "agr_"]);
    let trilateral = ids(lines[at], "agr_")[0];
    assert_ne!(trilateral, bilateral);
    at = find(&lines, at, &["agreement", trilateral, "is in force"]);
    let r1 = ids(
        lines[find(&lines, at, &["US files req_", "with RU"])],
        "req_",
    )[0];
    let r2 = ids(
        lines[find(&lines, at, &["RU files req_", "with DE"])],
        "req_",
    )[0];
    let r3 = ids(
        lines[find(&lines, at, &["DE files req_", "with US"])],
        "req_",
    )[0];
    at = find(
        &lines,
        at,
        &[
            "the hub's matching round",
            "proposes exchange",
            "over 3 requests",
        ],
    );
    let x2 = ids(lines[at], "exc_")[0];
    assert_ne!(x1, x2);
    at = ["US", "RU", "DE"]
        .map(|p| find(&lines, at, &[p, "signs exchange", x2]))
        .into_iter()
        .max()
        .expect("three members");
    at = find(&lines, at, &["exchange", x2, "is binding"]);
    let go2 = find(&lines, at, &["the hub declares GO for", x2]);
    for (giver, r, receiver) in [("RU", r1, "US"), ("DE", r2, "RU"), ("US", r3, "DE")] {
        let ready = find(
            &lines,
            at,
            &[
                giver,
                "declares the subject of",
                r,
                "ready for surrender to",
                receiver,
            ],
        );
        assert!(ready < go2, "{r} ready after go");
        find(
            &lines,
            go2,
            &[giver, "hands the subject of", r, "over to", receiver],
        );
        find(
            &lines,
            go2,
            &[receiver, "confirms receipt of the subject of", r],
        );
    }
    let done2 = find(&lines, go2, &["exchange", x2, "is complete"]);

    // Act three: FR joins; four states under an agreement with credit.
    let act_three = find(
        &lines,
        done2,
        &["— Act three: four states, credit, and the law —"],
    );
    at = find(&lines, act_three, &["registers FR"]);
    at = find(
        &lines,
        at,
        &["FR proposes a four-state agreement", "deferred reciprocity"],
    );
    at = find(&lines, at, &["DE signs a four-state agreement", "agr_"]);
    let four = ids(lines[at], "agr_")[0];
    at = find(&lines, at, &["agreement", four, "is in force"]);
    let de_asks = ids(
        lines[find(&lines, at, &["DE files req_", "with FR"])],
        "req_",
    )[0];
    let us_asks_de = ids(
        lines[find(&lines, at, &["US files req_", "with DE"])],
        "req_",
    )[0];
    at = find(
        &lines,
        at,
        &["FR offers the subject of", de_asks, "unconditionally"],
    );
    // The offer starts a chain FR -> DE -> US: the US receives without giving, within credit.
    at = find(
        &lines,
        at,
        &[
            "the hub's matching round",
            "over 2 requests as a chain",
            "FR is owed one handover, US owes one",
        ],
    );
    let chain = ids(lines[at], "exc_")[0];
    find(
        &lines,
        at,
        &["DE hands the subject of", us_asks_de, "over to US"],
    );
    at = find(&lines, at, &["exchange", chain, "is complete"]);
    // Two states ask FR for one person: FR's node logs equal tags, FR decides.
    let ru_asks_fr = ids(
        lines[find(
            &lines,
            at,
            &[
                "RU files req_",
                "with FR",
                "named in the encrypted dossier only",
            ],
        )],
        "req_",
    )[0];
    let us_asks_fr = ids(
        lines[find(
            &lines,
            at,
            &[
                "US files req_",
                "with FR",
                "named in the encrypted dossier only",
            ],
        )],
        "req_",
    )[0];
    for r in [ru_asks_fr, us_asks_fr] {
        find(
            &lines,
            at,
            &[
                "FR's node reads the dossier of",
                r,
                "keyed tag",
                "never a name",
            ],
        );
    }
    at = find(&lines, at, &["the tags are equal", ru_asks_fr, us_asks_fr]);
    at = find(
        &lines,
        at,
        &[
            "FR decides:",
            us_asks_fr,
            "is preferred",
            ru_asks_fr,
            "is refused",
        ],
    );
    // A person decides a political-offence objection.
    let political = ids(
        lines[find(&lines, at, &["RU files req_", "with DE"])],
        "req_",
    )[0];
    at = find(
        &lines,
        at,
        &["DE raises a political-offence objection to", political],
    );
    at = find(
        &lines,
        at,
        &[
            "DE decides the objection",
            political,
            "refused naming the check political_offence",
        ],
    );
    // An answer deadline passes and the hub records the breach by itself.
    let late = ids(
        lines[find(&lines, at, &["US files req_", "with RU"])],
        "req_",
    )[0];
    at = find(
        &lines,
        at,
        &["RU must answer", late, "(60 days); it does not"],
    );
    at = find(&lines, at, &["61 days pass"]);
    at = find(
        &lines,
        at,
        &[
            "the hub records by itself that RU missed the answer to request",
            late,
        ],
    );
    // The ledger: FR gave DE, DE gave the US; FR is owed one, the US owes one.
    let ledger = find(
        &lines,
        at,
        &["— The four-state agreement, its credit and its ledger —"],
    );
    for part in [
        &[
            "credit: up to 1 handover owed either way",
            "committed balances: DE +0, FR +1, RU +0, US -1",
        ] as &[&str],
        &["FR gave DE: 1 surrendered"],
        &["DE gave US: 1 surrendered"],
        &["breaches by RU: 1 (1 uncured)"],
    ] {
        find(&lines, ledger, part);
    }

    // Verification: every node syncs, and the log is audited from scratch.
    let verification = find(&lines, ledger, &["— Verification —"]);
    let mut size = None;
    for p in ["US", "RU", "DE", "FR"] {
        let l = find(
            &lines,
            verification,
            &[p, "syncs: checkpoint", "receipts intact"],
        );
        let s = number_after(lines[l], "checkpoint ");
        assert_eq!(
            *size.get_or_insert(s),
            s,
            "the nodes synced to different checkpoints"
        );
    }
    let size = size.expect("a sync line");
    // Each state's witnesses are its agreement partners; once all have cosigned, the
    // checkpoint is final for each of them.
    let final_size = format!("checkpoint {size} is final, cosigned by its witnesses");
    for (p, witnesses) in [
        ("US", "[DE, FR, RU]"),
        ("RU", "[DE, FR, US]"),
        ("DE", "[FR, RU, US]"),
        ("FR", "[DE, RU, US]"),
    ] {
        find(
            &lines,
            verification,
            &[&format!("{p}: "), &final_size, witnesses],
        );
    }
    let audit = find(&lines, verification, &["log verified: "]);
    let audit_line = lines[audit];
    assert_eq!(
        number_after(audit_line, "log verified: "),
        size,
        "{audit_line}"
    );
    for part in [
        &format!("entries hash to checkpoint {size} (root ") as &str,
        "every signature and transition replayed",
        "3 matching rounds (3 proposals) recomputed and equal",
        "4 parties, 3 agreements, 11 requests, 3 exchanges",
        "every due statement of the hub logged on time; 1 breach (1 uncured); 7 handovers in the ledgers",
        "checkpoint cosigned by US, RU, DE, FR (4 of 4 pinned witnesses, 4 required)",
    ] {
        assert!(audit_line.contains(part), "{part:?} not in {audit_line:?}");
    }
    // Every log entry the timeline names is inside the audited log.
    for l in &lines[..audit] {
        if l.contains(" — entry ") {
            let e = number_after(l, " — entry ");
            assert!(e < size, "entry {e} beyond the audited log of {size}: {l}");
        }
    }

    // What each state gave and got.
    let tally = find(&lines, audit, &["— What each state gave and got —"]);
    find(
        &lines,
        tally,
        &[
            "RU gave:",
            &format!("prosecuted the subject of {us_asks} at home for US"),
        ],
    );
    find(
        &lines,
        tally,
        &[
            "US got:",
            &format!("a verdict from RU against the subject of {us_asks}"),
        ],
    );
    find(
        &lines,
        tally,
        &[
            "US gave:",
            &format!("surrendered the subject of {ru_asks} to RU"),
            &format!("surrendered the subject of {r3} to DE"),
        ],
    );
    find(
        &lines,
        tally,
        &[
            "DE gave:",
            &format!("surrendered the subject of {r2} to RU"),
        ],
    );
    find(
        &lines,
        tally,
        &["DE got:", &format!("received the subject of {r3} from US")],
    );
    find(
        &lines,
        tally,
        &[
            "FR gave:",
            &format!("surrendered the subject of {de_asks} to DE"),
        ],
    );
    find(&lines, tally, &["FR got:  nothing"]);
    assert_eq!(
        lines.last().copied(),
        Some("rex demo: everything verified"),
        "{stdout}"
    );
}
