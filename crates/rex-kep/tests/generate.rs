//! The generators against the shared Trimble instances: their 100-600-pair outputs must have the
//! same arc densities as the published sets generated with the same parameters, on average over
//! several seeds, within the sampling error of both sides (see [`MAX_Z`]).

use crate::common;

use std::path::Path;

use rex_kep::generate::{generate, Config, Instance, Model};
use rex_kep::read_file;
use rex_match::{Graph, VertexKind};

/// Arc densities: one pair density per pool (pair-to-pair arcs over `n (n - 1)`) and one
/// density per altruist (its arcs over the `n` pairs).
#[derive(Default)]
struct Densities {
    pairs: Vec<f64>,
    altruists: Vec<f64>,
}

impl Densities {
    /// Adds a pool of `n` pairs with `pair_arcs` arcs and altruists of these out-degrees.
    fn add(&mut self, n: usize, pair_arcs: usize, altruist_degrees: &[usize]) {
        let n = n as f64;
        self.pairs.push(pair_arcs as f64 / (n * (n - 1.0)));
        self.altruists
            .extend(altruist_degrees.iter().map(|&d| d as f64 / n));
    }

    fn add_graph(&mut self, g: &Graph) {
        let mut degree = vec![0usize; g.vertices().len()];
        let mut pair_arcs = 0;
        for a in g.arcs() {
            if g.vertex(a.from).kind == VertexKind::Offer {
                degree[a.from.index()] += 1;
            } else {
                pair_arcs += 1;
            }
        }
        let altruists: Vec<usize> = (0..g.vertices().len())
            .filter(|&v| g.vertices()[v].kind == VertexKind::Offer)
            .map(|v| degree[v])
            .collect();
        self.add(g.request_count(), pair_arcs, &altruists);
    }

    fn add_instance(&mut self, i: &Instance) {
        let mut degree = vec![0usize; i.altruists];
        for &(k, _) in &i.altruist_arcs {
            degree[k as usize] += 1;
        }
        self.add(i.pairs, i.pair_arcs.len(), &degree);
    }
}

/// Mean and standard error of the mean.
fn mean_se(x: &[f64]) -> (f64, f64) {
    let n = x.len() as f64;
    let mean = x.iter().sum::<f64>() / n;
    let var = x.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0);
    (mean, (var / n).sqrt())
}

/// The shared set's pools of every size (100-600 pairs, instance ids 0-2).
fn shared(dir: &Path, set: &str) -> Densities {
    let files = common::instance_files(&dir.join("trimble-generated").join(set));
    assert_eq!(files.len(), 18, "{set}: expected 18 instances");
    let mut d = Densities::default();
    for f in &files {
        d.add_graph(&read_file(f).unwrap_or_else(|e| panic!("{e}")));
    }
    d
}

/// Our pools of the same sizes and share, five seeds per size (30 pools).
fn ours(model: Model, share: f64) -> Densities {
    let mut d = Densities::default();
    for pairs in [100, 200, 300, 400, 500, 600] {
        for seed in 0..5 {
            let config = Config {
                model,
                pairs,
                altruist_share: share,
                // Other pools for each share (the pairs are drawn before the altruists).
                seed: 1_000_000 * (100.0 * share) as u64 + 1000 * pairs as u64 + seed,
            };
            d.add_instance(&generate(&config).unwrap());
        }
    }
    d
}

/// The generated mean may differ from the shared one by at most this many standard errors of
/// the difference (both sides' sampling errors: pools vary, the shared Saidman 5 % pools from
/// 0.22 to 0.31, and an altruist's density depends mostly on its blood type, O compatible with
/// every patient, AB with the AB patients only; the 5 % sets have only 333 altruists in all).
/// Four standard errors: a correct generator fails one of the eight comparisons with odds of
/// about 1 in 2,000.
const MAX_Z: f64 = 4.0;

/// And by at most this much relative to the shared mean, whatever the standard errors.
const MAX_RELATIVE: f64 = 0.15;

#[test]
fn saidman_and_modified_densities_match_the_shared_trimble_sets() {
    let Some(dir) = common::kep_data_dir() else {
        return;
    };
    let mut report = Vec::new();
    let mut failed = false;
    for (model, set, share) in [
        (Model::Saidman, "saidman-5pc", 0.05),
        (Model::Saidman, "saidman-25pc", 0.25),
        (Model::Modified, "modified-5pc", 0.05),
        (Model::Modified, "modified-25pc", 0.25),
    ] {
        let theirs = shared(&dir, set);
        let mine = ours(model, share);
        for (what, t, m) in [
            ("pair", &theirs.pairs, &mine.pairs),
            ("altruist", &theirs.altruists, &mine.altruists),
        ] {
            let ((t, t_se), (m, m_se)) = (mean_se(t), mean_se(m));
            let z = (m - t) / (t_se * t_se + m_se * m_se).sqrt();
            let rel = (m - t) / t;
            failed |= z.abs() > MAX_Z || rel.abs() > MAX_RELATIVE;
            report.push(format!(
                "{set} {what} density: shared {t:.4} (se {t_se:.4}), generated {m:.4} (se \
                 {m_se:.4}): {:+.1} %, z = {z:+.2}",
                100.0 * rel
            ));
        }
    }
    let report = report.join("\n");
    println!("{report}");
    assert!(
        !failed,
        "densities differ by more than {MAX_Z} standard errors or {MAX_RELATIVE}:\n{report}"
    );
}

#[test]
fn saidman_is_denser_than_modified_and_sparse_sparser_still() {
    let pair = |m: Model| mean_se(&ours(m, 0.05).pairs).0;
    let (saidman, modified, sparse) = (
        pair(Model::Saidman),
        pair(Model::Modified),
        pair(Model::Sparse),
    );
    assert!(saidman > 1.15 * modified, "{saidman} {modified}");
    assert!(modified > 1.5 * sparse, "{modified} {sparse}");
}

/// The sparse model's point: most patients are compatible with few donors, a few with many.
#[test]
fn sparse_pool_is_heterogeneous() {
    let pool = generate(&Config {
        model: Model::Sparse,
        pairs: 1000,
        altruist_share: 0.05,
        seed: 5,
    })
    .unwrap();
    let mut in_degree = vec![0usize; pool.pairs];
    for &(_, j) in &pool.pair_arcs {
        in_degree[j as usize] += 1;
    }
    in_degree.sort_unstable();
    let fraction = |d: usize| d as f64 / (pool.pairs - 1) as f64;
    let median = fraction(in_degree[pool.pairs / 2]);
    let top_decile = fraction(in_degree[pool.pairs * 9 / 10]);
    assert!(
        median < 0.05,
        "median patient compatible with {median} of donors"
    );
    assert!(
        top_decile > 0.2,
        "top decile compatible with {top_decile} of donors"
    );
}

/// Bad parameters are one clear error, not a panic.
#[test]
fn bad_parameters_are_errors() {
    for share in [1.0, -0.01, f64::NAN, f64::INFINITY] {
        let e = generate(&Config {
            model: Model::Saidman,
            pairs: 10,
            altruist_share: share,
            seed: 0,
        })
        .unwrap_err();
        assert!(e.to_string().contains("altruist share"), "{e}");
    }
    let e = generate(&Config {
        model: Model::Saidman,
        pairs: 1_000_000,
        altruist_share: 0.0,
        seed: 0,
    })
    .unwrap_err();
    assert!(e.to_string().contains("limit"), "{e}");
}
