//! Seeded generators of kidney-exchange pools, written in the Trimble format this crate reads.
//!
//! Three models, all written from their published descriptions (no generator code was copied):
//!
//! * [`Model::Saidman`]: Saidman, Roth, Sönmez, Ünver & Delmonico, "Increasing the opportunity of
//!   live kidney donation by matching for two- and three-way exchanges", *Transplantation* 81
//!   (2006), with the parameters of `saidman.genconfig` of the shared Trimble instances.
//! * [`Model::Modified`]: the "modified Saidman" model of K. Glorie's PhD thesis (Erasmus
//!   University Rotterdam, 2014, section 3.4), parameters of `modified.genconfig`: two PRA bands
//!   (70 % at 2.5 %, 30 % at 97.5 %) instead of three, so that the pool has the bimodal
//!   sensitisation of real pools.
//! * [`Model::Sparse`]: heterogeneous compatibility closer to national pools (in the spirit of
//!   the UK-calibrated generator of Delorme et al. 2022 and KidneyExchange.jl's): each
//!   patient's calculated PRA is drawn from a continuous, heavily sensitised distribution, so
//!   that most patients are compatible with few donors and a few with many. Its pair-to-pair
//!   arc density is about 7.6 % (1,000 pairs, seed 1), against about 24 % (Saidman) and 19 %
//!   (modified); the median patient is compatible with less than 5 % of the donors.
//!
//! # The process (all three models)
//!
//! Blood types of patients and donors are drawn independently with the genconfig frequencies
//! (O 48.14 %, A 33.73 %, B 14.28 %, AB 3.85 %). A pair draws a patient type, a donor type, a
//! PRA band (then a PRA uniform within the band), whether the patient is female (40.9 %) and
//! whether the donor is her spouse (48.97 %). A wife whose husband donates has been sensitised by
//! pregnancies: her probability of a negative crossmatch is multiplied by 0.75
//! (`Pr_SPOUSAL_PRA_COMPATIBILITY`), i.e. her PRA becomes `1 - 0.75 (1 - PRA)`; as in the
//! generators that produced the shared instances, that adjusted PRA is the patient's for every
//! crossmatch (with it the arc densities match theirs; with the adjustment applied to her own
//! donor only, a simulation of this process gave pair densities 7 to 9 % above theirs). A pair whose donor is ABO-compatible with its
//! patient and whose crossmatch is negative (probability `1 - PRA`) would transplant directly
//! and never enter the pool: it is discarded and another pair drawn, until `pairs` incompatible
//! pairs are in. Then every donor `i` is tested against every other patient `j`: an arc `i -> j`
//! exists if the blood types are compatible and a crossmatch drawn with probability `PRA_j` is
//! negative. Altruistic donors (NDDs) draw a blood type and are tested against every patient the
//! same way. Their number is `round(pairs * share / (1 - share))`, i.e. `share` is the fraction of
//! all donors who are altruists, as in the Trimble sets (600 pairs at 25 %: 200 NDDs).
//!
//! # Determinism
//!
//! The random stream is ChaCha8 seeded with the seed (`rand_chacha`), and uniform numbers are
//! built from its raw 64-bit outputs here (53 bits), not through a distribution crate whose
//! algorithms may change between versions: the same model, size, share and seed give the same
//! bytes on every machine and with every rex version that keeps this module's process. Arcs are
//! written sorted by `(src, dst)`.

use std::fmt;
use std::io::{self, Write};

use rand_chacha::rand_core::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rex_match::{Graph, GraphBuilder, GraphError, VertexId};

/// The largest pool accepted (pairs plus altruists): a dense pool's arcs grow with its square.
pub const MAX_GENERATED_VERTICES: usize = 100_000;

/// A generator model. See the module notes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Model {
    /// Saidman et al. (2006), three PRA bands.
    Saidman,
    /// Glorie (2014) "modified Saidman", two PRA bands.
    Modified,
    /// Heterogeneous, heavily sensitised pool with few compatible donors per patient.
    Sparse,
}

impl Model {
    /// Every model, in the order of their names.
    pub const ALL: [Model; 3] = [Model::Saidman, Model::Modified, Model::Sparse];

    /// The model's name on the command line: `saidman`, `modified` or `sparse`.
    pub fn name(self) -> &'static str {
        match self {
            Model::Saidman => "saidman",
            Model::Modified => "modified",
            Model::Sparse => "sparse",
        }
    }

    /// The model with this name.
    pub fn from_name(name: &str) -> Option<Model> {
        Model::ALL.into_iter().find(|m| m.name() == name)
    }

    /// PRA bands: `(probability, lowest PRA, highest PRA)`; a patient's PRA is uniform in its
    /// band. The probabilities add up to 1.
    fn pra_bands(self) -> &'static [(f64, f64, f64)] {
        match self {
            // saidman.genconfig: PRA_bands=0.7019 0.05 0.05, 0.2 0.1 0.1, 0.0981 0.9 0.9
            Model::Saidman => &[(0.7019, 0.05, 0.05), (0.2, 0.1, 0.1), (0.0981, 0.9, 0.9)],
            // modified.genconfig: PRA_bands=0.7 0.025 0.025, 0.3 0.975 0.975
            Model::Modified => &[(0.7, 0.025, 0.025), (0.3, 0.975, 0.975)],
            // Most patients of a national pool are highly sensitised: more than half here have
            // a calculated PRA of 95 % or more, a third 99 % or more.
            Model::Sparse => &[
                (0.10, 0.0, 0.2),
                (0.15, 0.2, 0.8),
                (0.20, 0.8, 0.95),
                (0.25, 0.95, 0.99),
                (0.30, 0.99, 1.0),
            ],
        }
    }
}

impl fmt::Display for Model {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Blood-type frequencies of patients and donors alike (both genconfig files).
const BLOOD_TYPES: [(BloodType, f64); 4] = [
    (BloodType::O, 0.4814),
    (BloodType::A, 0.3373),
    (BloodType::B, 0.1428),
    (BloodType::AB, 0.0385),
];
/// `Pr_FEMALE` of both genconfig files.
const PR_FEMALE: f64 = 0.409;
/// `Pr_SPOUSAL_DONOR`.
const PR_SPOUSAL_DONOR: f64 = 0.4897;
/// `Pr_SPOUSAL_PRA_COMPATIBILITY`: a wife's chance of a negative crossmatch is multiplied by it.
const PR_SPOUSAL_PRA_COMPATIBILITY: f64 = 0.75;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BloodType {
    O,
    A,
    B,
    AB,
}

impl BloodType {
    /// ABO compatibility of a donor of type `self` with a patient of type `patient`.
    fn gives_to(self, patient: BloodType) -> bool {
        self == BloodType::O || patient == BloodType::AB || self == patient
    }
}

/// What to generate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Config {
    /// The model.
    pub model: Model,
    /// Number of incompatible pairs in the pool.
    pub pairs: usize,
    /// Fraction of all donors who are altruists (NDDs), in `[0, 1)`: 0.05 or 0.25 in the
    /// Trimble sets.
    pub altruist_share: f64,
    /// The random seed.
    pub seed: u64,
}

/// Why a [`Config`] cannot be generated.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum GenerateError {
    /// The altruist share is not in `[0, 1)`.
    #[error("the altruist share must be at least 0 and less than 1, not {0}")]
    BadShare(f64),
    /// The pool would exceed [`MAX_GENERATED_VERTICES`].
    #[error("{pairs} pairs and {altruists} altruists are more than the limit of {MAX_GENERATED_VERTICES} vertices")]
    TooLarge {
        /// Pairs asked for.
        pairs: usize,
        /// Altruists that the share gives.
        altruists: usize,
    },
}

/// A generated pool: pairs `0..pairs`, altruists `0..altruists`, and their arcs (weight 1),
/// sorted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Instance {
    /// Number of pairs.
    pub pairs: usize,
    /// Number of altruistic donors.
    pub altruists: usize,
    /// Pair-to-pair arcs `(donor's pair, patient's pair)`, sorted.
    pub pair_arcs: Vec<(u32, u32)>,
    /// Altruist-to-pair arcs `(altruist, patient's pair)`, sorted.
    pub altruist_arcs: Vec<(u32, u32)>,
}

/// The number of altruists for `pairs` pairs at `share` of all donors.
pub fn altruist_count(pairs: usize, share: f64) -> Result<usize, GenerateError> {
    if !(0.0..1.0).contains(&share) {
        return Err(GenerateError::BadShare(share));
    }
    let count = (pairs as f64 * share / (1.0 - share)).round();
    if count > MAX_GENERATED_VERTICES as f64 || pairs > MAX_GENERATED_VERTICES {
        return Err(GenerateError::TooLarge {
            pairs,
            altruists: count as usize,
        });
    }
    let altruists = count as usize;
    if pairs + altruists > MAX_GENERATED_VERTICES {
        return Err(GenerateError::TooLarge { pairs, altruists });
    }
    Ok(altruists)
}

/// The random stream: ChaCha8, with uniform numbers built here (see the module notes).
struct Stream(ChaCha8Rng);

impl Stream {
    /// Uniform in `[0, 1)`, 53 bits.
    fn uniform(&mut self) -> f64 {
        (self.0.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    fn bernoulli(&mut self, p: f64) -> bool {
        self.uniform() < p
    }

    fn blood_type(&mut self) -> BloodType {
        let x = self.uniform();
        let mut acc = 0.0;
        for (t, p) in BLOOD_TYPES {
            acc += p;
            if x < acc {
                return t;
            }
        }
        BloodType::AB
    }

    fn pra(&mut self, bands: &[(f64, f64, f64)]) -> f64 {
        let x = self.uniform();
        let mut acc = 0.0;
        let mut chosen = (0.0, 0.0);
        for &(p, lo, hi) in bands {
            chosen = (lo, hi);
            acc += p;
            if x < acc {
                break;
            }
        }
        let (lo, hi) = chosen;
        // Always draw, even for a point band, so that every pair uses the same number of draws.
        lo + (hi - lo) * self.uniform()
    }
}

/// A patient with a paired donor, as drawn.
struct Pair {
    patient: BloodType,
    donor: BloodType,
    /// The patient's PRA after the spousal adjustment: the probability of a positive crossmatch.
    pra: f64,
}

/// Generates a pool. Deterministic: see the module notes.
pub fn generate(config: &Config) -> Result<Instance, GenerateError> {
    let altruists = altruist_count(config.pairs, config.altruist_share)?;
    let mut rng = Stream(ChaCha8Rng::seed_from_u64(config.seed));
    let bands = config.model.pra_bands();
    let mut pool: Vec<Pair> = Vec::with_capacity(config.pairs);
    while pool.len() < config.pairs {
        let patient = rng.blood_type();
        let donor = rng.blood_type();
        let mut pra = rng.pra(bands);
        let female = rng.bernoulli(PR_FEMALE);
        let spouse = rng.bernoulli(PR_SPOUSAL_DONOR);
        if female && spouse {
            pra = 1.0 - PR_SPOUSAL_PRA_COMPATIBILITY * (1.0 - pra);
        }
        let crossmatch_negative = rng.uniform() >= pra;
        if donor.gives_to(patient) && crossmatch_negative {
            continue; // a compatible pair transplants directly
        }
        pool.push(Pair {
            patient,
            donor,
            pra,
        });
    }
    let mut pair_arcs = Vec::new();
    for (i, from) in (0u32..).zip(&pool) {
        for (j, to) in (0u32..).zip(&pool) {
            if i != j && from.donor.gives_to(to.patient) && rng.uniform() >= to.pra {
                pair_arcs.push((i, j));
            }
        }
    }
    let mut altruist_arcs = Vec::new();
    for k in 0..u32::try_from(altruists).unwrap_or(u32::MAX) {
        let donor = rng.blood_type();
        for (j, to) in (0u32..).zip(&pool) {
            if donor.gives_to(to.patient) && rng.uniform() >= to.pra {
                altruist_arcs.push((k, j));
            }
        }
    }
    Ok(Instance {
        pairs: config.pairs,
        altruists,
        pair_arcs,
        altruist_arcs,
    })
}

impl Instance {
    /// Writes the `.input` file: `pairs arcs`, one `src dst 1` line per arc, `-1 -1 -1`
    /// (tab-separated, as the Trimble files are).
    pub fn write_input(&self, out: &mut dyn Write) -> io::Result<()> {
        write_block(out, self.pairs, &self.pair_arcs)
    }

    /// Writes the `.ndds` file, in the same layout.
    pub fn write_ndds(&self, out: &mut dyn Write) -> io::Result<()> {
        write_block(out, self.altruists, &self.altruist_arcs)
    }

    /// The pool as a [`Graph`], with the ids the Trimble reader gives (pair `i` is `"i"`,
    /// altruist `j` is `"n{j}"`): reading the written files gives the same graph.
    pub fn to_graph(&self) -> Result<Graph, GraphError> {
        let mut b = GraphBuilder::new();
        for i in 0..self.pairs {
            b.add_request(i.to_string())?;
        }
        for j in 0..self.altruists {
            b.add_offer(format!("n{j}"))?;
        }
        for &(i, j) in &self.pair_arcs {
            b.add_arc(VertexId(i), VertexId(j), 1.0)?;
        }
        let first_altruist = u32::try_from(self.pairs).map_err(|_| GraphError::TooLarge)?;
        for &(k, j) in &self.altruist_arcs {
            b.add_arc(VertexId(first_altruist + k), VertexId(j), 1.0)?;
        }
        b.build()
    }
}

fn write_block(out: &mut dyn Write, count: usize, arcs: &[(u32, u32)]) -> io::Result<()> {
    let mut out = io::BufWriter::with_capacity(1 << 16, out);
    writeln!(out, "{count}\t{}", arcs.len())?;
    for (src, dst) in arcs {
        writeln!(out, "{src}\t{dst}\t1")?;
    }
    writeln!(out, "-1\t-1\t-1")?;
    out.flush()
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    fn config(model: Model, pairs: usize, share: f64, seed: u64) -> Config {
        Config {
            model,
            pairs,
            altruist_share: share,
            seed,
        }
    }

    fn bytes(i: &Instance) -> (Vec<u8>, Vec<u8>) {
        let (mut a, mut b) = (Vec::new(), Vec::new());
        i.write_input(&mut a).unwrap();
        i.write_ndds(&mut b).unwrap();
        (a, b)
    }

    #[test]
    fn same_seed_same_bytes_other_seed_other_bytes() {
        for model in Model::ALL {
            let one = bytes(&generate(&config(model, 60, 0.25, 7)).unwrap());
            let again = bytes(&generate(&config(model, 60, 0.25, 7)).unwrap());
            let other = bytes(&generate(&config(model, 60, 0.25, 8)).unwrap());
            assert_eq!(one, again, "{model}");
            assert_ne!(one.0, other.0, "{model}");
        }
    }

    /// A fixed seed's output is pinned, so that a change of the process (or of the random
    /// stream under a dependency update) is seen, not silently changing every benchmark pool.
    #[test]
    fn pinned_output() {
        let i = generate(&config(Model::Saidman, 8, 0.2, 1)).unwrap();
        let (input, ndds) = bytes(&i);
        let digest = |b: &[u8]| {
            b.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &c| {
                (h ^ u64::from(c)).wrapping_mul(0x100_0000_01b3)
            })
        };
        assert_eq!(
            (i.altruists, i.pair_arcs.len(), i.altruist_arcs.len()),
            PINNED_COUNTS
        );
        assert_eq!((digest(&input), digest(&ndds)), PINNED_DIGESTS);
    }

    const PINNED_COUNTS: (usize, usize, usize) = (2, 14, 5);
    const PINNED_DIGESTS: (u64, u64) = (0x494c_df1e_9eeb_cc6b, 0xd5a5_409f_aff6_99b1);

    #[test]
    fn altruist_counts_follow_the_trimble_sets() {
        for (pairs, share, expected) in [
            (100, 0.05, 5),
            (200, 0.05, 11),
            (600, 0.05, 32),
            (100, 0.25, 33),
            (200, 0.25, 67),
            (600, 0.25, 200),
            (10, 0.0, 0),
        ] {
            assert_eq!(altruist_count(pairs, share).unwrap(), expected);
        }
        assert!(altruist_count(10, 1.0).is_err());
        assert!(altruist_count(10, -0.1).is_err());
        assert!(altruist_count(10, f64::NAN).is_err());
        assert!(altruist_count(MAX_GENERATED_VERTICES, 0.5).is_err());
    }

    #[test]
    fn arcs_are_sorted_and_the_files_read_back_as_the_graph() {
        let i = generate(&config(Model::Modified, 80, 0.05, 3)).unwrap();
        assert!(i.pair_arcs.windows(2).all(|w| w[0] < w[1]));
        assert!(i.altruist_arcs.windows(2).all(|w| w[0] < w[1]));
        assert!(i.pair_arcs.iter().all(|&(a, b)| a != b));
        let (input, ndds) = bytes(&i);
        let mut text = String::from_utf8(input).unwrap();
        text.push_str(&String::from_utf8(ndds).unwrap());
        let read = crate::read_str(crate::Format::Trimble, &text, "gen.input").unwrap();
        assert_eq!(read, i.to_graph().unwrap());
    }
}
