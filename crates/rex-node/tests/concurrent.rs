//! Two processes on one data directory (`rex node serve` and the CLI): each act takes the
//! directory's lock, so they never pick the same sequence number nor report the other's
//! statement as the hub's misbehaviour.

use rex_domain::{Action, WitnessPolicy};
use rex_testkit::{node_clock, party, LoopbackHub};

#[test]
fn two_handles_on_one_directory_act_in_turn() {
    let tmp = tempfile::tempdir().unwrap();
    let mut hub = LoopbackHub::new(&[]);
    let dir = tmp.path().join("US");
    let us = rex_node::init_with_clock(party("US"), &hub.url(), &dir, node_clock).unwrap();
    hub.register([us.public_keys().unwrap()]);
    drop(us);
    let acts = 6;
    let run = |dir: std::path::PathBuf| {
        std::thread::spawn(move || {
            let mut node = rex_node::open_with_clock(&dir, node_clock).unwrap();
            (0..acts)
                .map(|i| {
                    if i % 3 == 2 {
                        node.sync().map(|_| None)
                    } else {
                        node.submit(Action::WitnessPolicySet {
                            policy: WitnessPolicy::AgreementPartners,
                        })
                        .map(|s| Some(s.seq))
                    }
                })
                .collect::<Result<Vec<_>, _>>()
        })
    };
    let (a, b) = (run(dir.clone()), run(dir.clone()));
    let mut seqs: Vec<u64> = [a.join().unwrap(), b.join().unwrap()]
        .into_iter()
        .flat_map(|r| r.unwrap_or_else(|e| panic!("an act failed: {e}")))
        .flatten()
        .collect();
    seqs.sort_unstable();
    let expected: Vec<u64> = (1..=seqs.len() as u64).collect();
    assert_eq!(seqs, expected, "every statement once, no gap");
    let node = rex_node::open_with_clock(&dir, node_clock).unwrap();
    assert_eq!(node.receipts().unwrap().len(), seqs.len());
}
