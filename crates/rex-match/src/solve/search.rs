//! Large pools (K <= 3): exact without enumerating every cycle.
//!
//! A dense pool of a few thousand requests has tens of millions of cycles of at most 3 arcs,
//! and one of 10,000 has billions, so the enumeration of `prep` cannot serve it. This path
//! never lists them all:
//!
//! 1. *Root LP by searching pricing.* Column generation on the same formulation (cycle columns,
//!    PICEF chain columns, the same rows), whose pricing *searches* the graph for cycles of
//!    positive reduced cost instead of scanning a list: from each cycle's smallest vertex `s`,
//!    over its out-arcs `s -> b` (`b > s`), the 2-cycle `s, b` if `b -> s` is an arc, and the
//!    3-cycles `s, b, c` with `c` in `out(b) ∩ in(s)`, an intersection of two adjacency bitsets
//!    masked by the duals (only vertices whose dual leaves the cycle a positive reduced cost).
//!    Chain columns (one per arc and position, at most L per arc) are few enough to be priced by
//!    a scan. Each round adds the best column of every row and as many again of the best
//!    overall (ties broken by a fixed hash of the column), as `master::solve_root` does,
//!    among the new columns it offers: at most a fixed number found from each smallest
//!    vertex (partial pricing: under the first duals every cycle prices out, billions of them
//!    at 10,000 pairs). When they are few, a round also adds the chains that price out as a
//!    whole under the master's group duals (`Model::excess_chains`). When the cover step
//!    ran first, its best solution's columns are the first master instead (`Model::seed`),
//!    so the LP starts at that solution's value rather than at 0, and its certificate is the
//!    stability centre of the pricing (Wentges smoothing, `Model::next_columns`). Each
//!    master is solved by interior point (the simplex stalls on these degenerate LPs, see
//!    `Model::root_lp`). A round that offers nothing searched every vertex to the end and
//!    ends column generation: its duals are
//!    then feasible for every other column up to `PRICE_TOL`, and for the master's own up to
//!    their largest reduced cost (`Model::slack`), and `LP`, their objective plus the larger
//!    of the two per row (`dual_bound`), bounds the optimum. Before that, each round also
//!    *repairs* the master's duals into feasible ones (`Model::repair`: each request raised
//!    by the best reduced cost of the cycles it is the smallest vertex of, the chain rows
//!    set to match); the best repaired duals are the centre, and column generation stops
//!    as soon as the centre's bound rounds down to the master's value (or to the best
//!    solution's): the LP's last rounds, which only prove what the master already shows,
//!    are skipped. Each master's solution is also rounded (`Model::rounded`) and improved
//!    by a local search, augmenting paths and exact solves of large neighbourhoods grown
//!    along the master's support, first from where the packing loses against the centre's
//!    duals (`improve`, `improve::lns`); the best packing, improved again
//!    under each round's duals, is kept, and one worth the bound ends the solve.
//! 2. *An incumbent from the master.* The model of the root master's own columns (a few per
//!    row and round, not millions) goes through the usual pipeline (`super::pipeline`: root
//!    LP, dive, restricted and fixed MIP), its bound capped at `UB` (`LP` rounded down for
//!    integral weights). Its LP value is `LP`, so its dive usually finds a solution worth
//!    `UB`, which is optimal: then nothing else is listed. Its optimum `z0` (a feasible
//!    solution of the whole problem) is otherwise the incumbent of step 3.
//! 3. *Reduced-cost fixing, by search.* Under the final duals a solution's value is at most
//!    `LP` plus the negative reduced costs of its columns (the positive ones, each at most
//!    that slack, are counted in `LP`). So a solution worth at least `T`
//!    uses only columns of reduced cost `>= T - LP`. The same search (now with that floor
//!    instead of 0) lists exactly those cycles, in the canonical order of `prep` (by smallest
//!    vertex, then lexicographically), and a scan the chain columns; chain columns that no
//!    kept column can feed are left out (they could only be 0). The pipeline solves that
//!    restricted model exactly; call its optimum `z`. The rounds: `T = UB` first (under the
//!    degenerate `count` objective this keeps every column of reduced cost 0, millions on a
//!    dense pool, which is why step 2 comes first), then, if needed, `T = best + 1` (`T =
//!    best` for fractional weights), `best` the best of `z0`, the `z`s so far and the root
//!    LP's best packing (step 1), which also ends the solve once it reaches `UB`.
//! 4. *Proof.* A round's model holds every solution worth `T` or more; every other solution is
//!    worth at most `T - 1` (less than `T` for fractional weights). If `z >= T`, `z` is
//!    optimal. Otherwise the optimum is at most `max(z, T - 1)`, the new `UB`; if `best`
//!    reaches it, `best` is optimal, else the next round takes `T = best + 1`: every solution
//!    better than `best` lies in its model, so its optimum, or `best`, is optimal. At most two
//!    rounds run after step 2, and none when step 2 reaches `UB`.
//!
//! The memory of step 3 is estimated as the cycles are listed; a model that would exceed
//! [`Params::memory_limit`] is not built: the solve stops with the best solution found and the
//! bound proven so far, [`Status::MemoryLimit`] (after minutes of work, not an error). On the
//! sparse 10,000-pair pool, 25 million cycles have reduced cost 0 under the converged duals of
//! the `count` objective, so step 3 cannot list them within 8 GiB (BENCHMARKS.md, "twelfth
//! pass").
//!
//! Everything is deterministic: the searches visit vertices and arcs in index order, a round
//! keeps a number of columns (not what a time allows), ties are broken by a fixed hash of the
//! column, and HiGHS runs single-threaded with a fixed seed.

use super::improve::{Local, Packing, Sizes, Support, Tried};
use super::master::{self, ColId, Rows};
use super::prep::{self, ChainVar, Cycles, Prepared};
use super::{ffi, pipeline, Deadline, Outcome, Run, SolveError, Stop, TOL};
use crate::clock::Clock;
use crate::graph::{Graph, VertexId, VertexKind};
use crate::params::{Objective, Params};
use crate::solution::{Solution, Status};
use highs::{ColProblem, HighsModelStatus, Sense};
use std::cell::Cell;
use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::thread::ScopedJoinHandle;
use std::time::Duration;

/// Estimated bytes of one column of the restricted model: its vertices and weight in `prep`,
/// the master's bookkeeping, and its copies in HiGHS (LP, MIP and the MIP's LP relaxation).
pub(super) const BYTES_PER_COLUMN: u64 = 256;

/// Whether the search path can solve this: cycles of at most 3 arcs (the bitset search).
pub(super) fn applies(params: &Params) -> bool {
    params.max_cycle <= 3
}

/// Adjacency as bitsets, rows of `words` 64-bit words: every vertex's out-arcs (arcs only
/// ever enter requests), and the in-arcs from requests (an offer's arcs are in its out-row
/// only, so that the searches through `in_row` see cycles, never chains).
pub(super) struct Bits {
    pub(super) words: usize,
    out: Vec<u64>,
    inn: Vec<u64>,
}

impl Bits {
    fn new(graph: &Graph) -> Bits {
        let n = graph.vertices().len();
        let words = n.div_ceil(64);
        let mut out = vec![0u64; n * words];
        let mut inn = vec![0u64; n * words];
        for a in graph.arcs() {
            let (u, v) = (a.from.index(), a.to.index());
            out[u * words + v / 64] |= 1 << (v % 64);
            if graph.vertices()[u].kind == VertexKind::Request {
                inn[v * words + u / 64] |= 1 << (u % 64);
            }
        }
        Bits { words, out, inn }
    }

    pub(super) fn out_row(&self, v: usize) -> &[u64] {
        &self.out[v * self.words..(v + 1) * self.words]
    }

    pub(super) fn in_row(&self, v: usize) -> &[u64] {
        &self.inn[v * self.words..(v + 1) * self.words]
    }

    fn has_in(&self, v: usize, u: usize) -> bool {
        (self.in_row(v)[u / 64] >> (u % 64)) & 1 == 1
    }
}

/// The index of arc `u -> v` in the graph's arcs, if there is one (a binary search of `u`'s
/// out-arcs, which are sorted by head).
pub(super) fn arc_index(graph: &Graph, u: u32, v: u32) -> Option<usize> {
    let range = graph.out_arc_range(VertexId(u));
    graph.arcs()[range.clone()]
        .binary_search_by_key(&v, |a| a.to.0)
        .ok()
        .map(|at| range.start + at)
}

/// Largest bitsets [`more_cycles_than`] builds (65,536 vertices).
const COUNT_BITS_BYTES: u64 = 1 << 30;

/// Whether the graph has more than `cap` cycles of at most `k <= 3` arcs: exactly the cycles
/// that `prep` enumerates (through requests; the graph holds no arc inside an exclusive group,
/// and every two vertices of a cycle of at most 3 arcs are joined by one of its arcs, so their
/// groups are distinct), counted on the adjacency bitsets without listing them and stopping
/// as soon as the count passes `cap`. From each smallest vertex `s`, over its out-arcs
/// `s -> b` (`b > s`): the 2-cycle if `b -> s` is an arc, and one 3-cycle per `c > s` in
/// `out(b) ∩ in(s)` (a popcount). So the solve enumerates when enumeration would succeed, as
/// before, and skips straight to the search when it would stop at its cap.
pub(super) fn more_cycles_than(
    graph: &Graph,
    k: usize,
    cap: usize,
    deadline: &Deadline,
) -> Result<bool, Stop> {
    let n = graph.vertices().len() as u64;
    if k < 2 || n * n.div_ceil(64) * 16 > COUNT_BITS_BYTES {
        // Bitsets too large to build just to count: enumerate (and hand over at the cap).
        return Ok(false);
    }
    let bits = Bits::new(graph);
    let (n, words) = (graph.vertices().len(), bits.words);
    let mut count: u64 = 0;
    for s in 0..n {
        if s % 256 == 0 {
            deadline.check()?;
        }
        if graph.vertices()[s].kind != VertexKind::Request {
            continue;
        }
        let is = bits.in_row(s);
        let first_word = (s + 1) / 64;
        for a in graph.out_arcs(VertexId(s as u32)) {
            let b = a.to.index();
            if b <= s {
                continue;
            }
            if bits.has_in(s, b) {
                count += 1;
            }
            if k < 3 {
                continue;
            }
            let ob = bits.out_row(b);
            for wi in first_word..words {
                let mut x = ob[wi] & is[wi];
                if wi == s / 64 {
                    // Only vertices above s.
                    x &= !(2u64 << (s % 64)).wrapping_sub(1);
                }
                count += u64::from(x.count_ones());
            }
        }
        if count > cap as u64 {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Masks of the requests whose dual is below each of `LEVELS` (count objective), to skip the
/// vertices that cannot close a cycle of positive reduced cost.
const LEVELS: [f64; 8] = [0.25, 0.5, 0.75, 1.0, 1.25, 1.5, 1.75, 2.0];

/// The search for cycles of reduced cost above a floor, under vertex duals `y`.
struct Search<'a> {
    graph: &'a Graph,
    bits: &'a Bits,
    k: usize,
    /// `Some(weights)` (parallel to the graph's arcs) under `weight`; `None` under `count`.
    weights: Option<&'a [f64]>,
    /// Dual of each vertex's group.
    y: Vec<f64>,
    /// `masks[i]`: the requests whose dual is below `LEVELS[i]` (`count` only).
    masks: Vec<Vec<u64>>,
    /// Least dual of a request.
    y_min: f64,
    /// Largest arc weight (1 under `count`).
    w_max: f64,
}

impl<'a> Search<'a> {
    fn new(
        graph: &'a Graph,
        bits: &'a Bits,
        k: usize,
        weights: Option<&'a [f64]>,
        duals: &[f64],
    ) -> Self {
        let n = graph.vertices().len();
        let y: Vec<f64> = graph
            .vertices()
            .iter()
            .map(|v| duals[v.group as usize])
            .collect();
        let requests = || (0..n).filter(|&v| graph.vertices()[v].kind == VertexKind::Request);
        let y_min = requests().map(|v| y[v]).fold(f64::INFINITY, f64::min);
        let mut masks = Vec::new();
        if weights.is_none() {
            for level in LEVELS {
                let mut m = vec![0u64; bits.words];
                for v in requests() {
                    if y[v] < level {
                        m[v / 64] |= 1 << (v % 64);
                    }
                }
                masks.push(m);
            }
        }
        let w_max = weights.map_or(1.0, |w| w.iter().copied().fold(f64::NEG_INFINITY, f64::max));
        Search {
            graph,
            bits,
            k,
            weights,
            y,
            masks,
            y_min,
            w_max,
        }
    }

    fn arc_weight(&self, u: usize, v: usize) -> f64 {
        match self.weights {
            None => 1.0,
            Some(w) => {
                w[arc_index(self.graph, u as u32, v as u32)
                    .expect("the bitsets hold only arcs of the graph")]
            }
        }
    }

    /// Visits every cycle of at most `k` arcs whose smallest vertex is `s` and whose reduced
    /// cost is `> floor`, in canonical order: `visit(vertices, weight, reduced cost)`, until
    /// `most` visits have returned `true`. `visit` may raise `floor` as it goes (to find the
    /// best cycle, [`Model::repair`]): the rest of the search prunes by the new floor.
    fn from(
        &self,
        s: usize,
        floor: &Cell<f64>,
        most: usize,
        visit: &mut dyn FnMut(&[u32], f64, f64) -> bool,
    ) {
        let mut counted = 0usize;
        let g = self.graph;
        if g.vertices()[s].kind != VertexKind::Request || self.k < 2 {
            return;
        }
        let ys = self.y[s];
        let words = self.bits.words;
        let first_word = (s + 1) / 64;
        let range = g.out_arc_range(VertexId(s as u32));
        let mut cand = vec![0u64; words];
        for (j, a) in g.arcs()[range.clone()].iter().enumerate() {
            let b = a.to.index();
            if b <= s {
                continue;
            }
            let wsb = self.weights.map_or(1.0, |w| w[range.start + j]);
            let yb = self.y[b];
            if self.bits.has_in(s, b) {
                let w = wsb + self.arc_weight(b, s);
                let rc = w - ys - yb;
                if rc > floor.get() && visit(&[s as u32, b as u32], w, rc) {
                    counted += 1;
                    if counted >= most {
                        return;
                    }
                }
            }
            if self.k < 3 {
                continue;
            }
            // The best a third vertex can do: the largest arc weights and the least dual.
            let room = wsb + 2.0 * self.w_max - ys - yb - floor.get();
            if room - self.y_min <= 0.0 {
                continue;
            }
            let mask = if self.weights.is_none() {
                LEVELS
                    .iter()
                    .position(|&level| level >= room)
                    .map(|i| &self.masks[i][..])
            } else {
                None
            };
            let (ob, is) = (self.bits.out_row(b), self.bits.in_row(s));
            let mut any = 0u64;
            for wi in first_word..words {
                let mut x = ob[wi] & is[wi];
                if let Some(m) = mask {
                    x &= m[wi];
                }
                if wi == s / 64 {
                    // Only vertices above s.
                    x &= !(2u64 << (s % 64)).wrapping_sub(1);
                }
                cand[wi] = x;
                any |= x;
            }
            if any == 0 {
                continue;
            }
            for (wi, &word) in cand.iter().enumerate().take(words).skip(first_word) {
                let mut x = word;
                while x != 0 {
                    let c = wi * 64 + x.trailing_zeros() as usize;
                    x &= x - 1;
                    let w = wsb + self.arc_weight(b, c) + self.arc_weight(c, s);
                    let rc = w - ys - yb - self.y[c];
                    if rc > floor.get() && visit(&[s as u32, b as u32, c as u32], w, rc) {
                        counted += 1;
                        if counted >= most {
                            return;
                        }
                    }
                }
            }
        }
    }
}

/// A column of the search path's root master: a cycle (its vertices) or a chain column (its
/// index in `Prepared::chain_vars`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Key {
    Cycle([u32; 3], u8),
    Chain(u32),
}

impl Key {
    fn cycle(verts: &[u32]) -> Key {
        let mut a = [u32::MAX; 3];
        a[..verts.len()].copy_from_slice(verts);
        Key::Cycle(a, verts.len() as u8)
    }

    /// A fixed hash, to break ties between columns of equal reduced cost without favouring
    /// the low vertex indices.
    fn scramble(&self) -> u64 {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        let mut mix = |x: u64| {
            h ^= x;
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
            h ^= h >> 29;
        };
        match self {
            Key::Cycle(v, len) => {
                for &x in &v[..*len as usize] {
                    mix(u64::from(x));
                }
            }
            Key::Chain(i) => mix(u64::from(*i) | 1 << 40),
        }
        h
    }
}

/// A priced column: reduced cost, tie-break, key, weight.
#[derive(Debug, Clone, Copy)]
struct Priced {
    rc: f64,
    tie: u64,
    key: Key,
    weight: f64,
}

impl Priced {
    fn new(rc: f64, key: Key, weight: f64) -> Priced {
        Priced {
            rc,
            tie: key.scramble(),
            key,
            weight,
        }
    }

    /// Better first: larger reduced cost, then smaller hash, then key.
    fn order(&self, other: &Priced) -> std::cmp::Ordering {
        other
            .rc
            .total_cmp(&self.rc)
            .then(self.tie.cmp(&other.tie))
            .then(self.key.cmp(&other.key))
    }
}

/// A pricing round offers at most this many new cycles found from one smallest vertex (see
/// [`Model::root_lp`]).
const PER_VERTEX: usize = 32;

/// Pricing offers only columns of reduced cost above this: the master's duals come from an
/// interior-point method without crossover, feasible up to its tolerance (see
/// [`dual_bound`]).
const PRICE_TOL: f64 = 1e-6;

/// No chain column (see [`Model::chain_flows`]).
const NO_COLUMN: u32 = u32::MAX;

/// A master column whose reduced cost falls below this leaves the master (see
/// [`Model::root_lp`]).
const DROP_BELOW: f64 = -0.5;

/// The large neighbourhoods solved after each master (`Local::lns`). Measured on the sparse
/// 10,000-pair pool (BENCHMARKS.md, "ninth pass"): a neighbourhood of 400 vertices (about
/// 10,000 arcs) solves in about 0.5 s and finds what one of 800 does (about 2.5 s); 40 of
/// them take about as long as the next master, which they run beside. On dense pools the
/// arcs stop the growth first.
const HOOD_SIZES: Sizes = Sizes {
    vertices: 400,
    arcs: 15_000,
    hoods: 40,
    idle: 20,
};

/// [`HOOD_SIZES`] on a graph of `n` vertices: a neighbourhood stops growing at half of them
/// (`Local::lns` adds a column's vertices whole, so it may pass that by one column). One
/// as large as the graph is the whole problem, which the phases after the root LP solve
/// exactly anyway; on the small graphs the tests force onto this path, the polish solved
/// near-whole-graph MIPs after every master, most of those tests' time (BENCHMARKS.md, "The
/// test run: neighbourhoods of at most half the graph (stop 39)"). Graphs of 800 vertices and
/// more keep [`HOOD_SIZES`].
fn hood_sizes(n: usize) -> Sizes {
    Sizes {
        vertices: HOOD_SIZES.vertices.min((n / 2).max(1)),
        ..HOOD_SIZES
    }
}

/// An upper bound on every solution, from row duals `y >= 0` under which no column has a
/// reduced cost above `slack` (at least [`PRICE_TOL`], see [`Model::slack`]): the dual
/// objective `sum(upper(r) * y(r))` plus `slack` per group row. A solution `x` is worth
/// `sum(c(j) x(j)) = y'Ax + sum(rc(j) x(j)) <= sum(upper(r) y(r)) + slack * sum(x(j))`
/// (`Ax <= upper`, `y >= 0`), and every column covers at least one group row with
/// coefficient 1, so `sum(x(j))` is at most the number of group rows.
fn dual_bound(rows: &Rows, duals: &[f64], slack: f64) -> f64 {
    let objective: f64 = (0..rows.count).map(|r| rows.upper(r) * duals[r]).sum();
    objective + slack.max(PRICE_TOL) * rows.group_rows as f64
}

/// What one pricing round keeps: the best column of every row and the best `extra` overall.
struct Collector {
    best: Vec<Option<Priced>>,
    extra: Vec<Priced>,
    keep: usize,
}

impl Collector {
    fn new(rows: usize) -> Self {
        Collector {
            best: vec![None; rows],
            extra: Vec::new(),
            keep: Collector::extra(rows),
        }
    }

    /// How many columns a round keeps besides the best of each of its `rows`.
    fn extra(rows: usize) -> usize {
        rows.max(100)
    }

    fn offer(&mut self, p: Priced, rows: &[usize]) {
        for &r in rows {
            let slot = &mut self.best[r];
            if slot.is_none_or(|b| p.order(&b).is_lt()) {
                *slot = Some(p);
            }
        }
        self.extra.push(p);
        if self.extra.len() >= 2 * self.keep {
            self.trim();
        }
    }

    fn trim(&mut self) {
        if self.extra.len() > self.keep {
            self.extra
                .select_nth_unstable_by(self.keep, |a, b| a.order(b));
            self.extra.truncate(self.keep);
        }
    }

    /// The chosen columns, sorted by key.
    fn finish(mut self) -> Vec<Priced> {
        self.trim();
        let mut all: Vec<Priced> = self.best.into_iter().flatten().collect();
        all.extend(self.extra);
        all.sort_by_key(|a| a.key);
        all.dedup_by(|a, b| a.key == b.key);
        all
    }
}

/// Duals feasible for every column of the search path's formulation, and the bound they prove.
struct Center {
    duals: Vec<f64>,
    bound: f64,
}

/// What [`Model::next_columns`] gives.
enum Next {
    /// Columns to add to the master.
    Columns(Vec<Priced>),
    /// Column generation is over: proven duals.
    Done(Center),
}

/// The root LP of the search path, once column generation has converged.
struct Lp {
    value: f64,
    duals: Vec<f64>,
    rounds: usize,
    /// The master's columns, sorted.
    columns: Vec<Key>,
}

/// The model every phase of this path shares: chain columns (all of them, as `prep` lists
/// them), rows, and the bitsets.
struct Model<'a> {
    graph: &'a Graph,
    params: &'a Params,
    /// No cycles; every chain column; effective weights.
    prep: Prepared,
    rows: Rows,
    bits: Bits,
}

impl<'a> Model<'a> {
    /// The model of `graph`: every chain column, no cycle yet, the rows, the bitsets.
    fn new(graph: &'a Graph, params: &'a Params) -> Self {
        let (weight, integral) = prep::weights(graph, params);
        let mut useful = vec![false; weight.len()];
        let chain_vars = prep::chain_vars(graph, params.max_chain, &mut useful);
        let trivial = trivial_bound(graph, &weight);
        let chains_only = Prepared {
            weight,
            integral,
            cycles: Cycles {
                start: vec![0],
                ..Cycles::default()
            },
            chain_vars,
            useful_arcs: 0,
            trivial_bound: trivial,
        };
        let rows = Rows::new(graph, &chains_only, params.max_chain);
        Model {
            graph,
            params,
            bits: Bits::new(graph),
            rows,
            prep: chains_only,
        }
    }

    fn weights(&self) -> Option<&[f64]> {
        match self.params.objective {
            Objective::Count => None,
            Objective::Weight => Some(&self.prep.weight),
        }
    }

    fn search(&self, duals: &[f64]) -> Search<'_> {
        Search::new(
            self.graph,
            &self.bits,
            self.params.max_cycle,
            self.weights(),
            duals,
        )
    }

    fn round_bound(&self, b: f64) -> f64 {
        if self.prep.integral {
            (b + 1e-6).floor()
        } else {
            b
        }
    }

    /// Column generation with searching pricing, to convergence, its first master the `seed`
    /// columns (a known solution's) when there are any.
    ///
    /// HiGHS solves each master by its interior-point method, without crossover. Measured on
    /// the sparse 10,000-pair pool (BENCHMARKS.md, "Issue 12, sixth pass"): once a round has
    /// added some 50,000 columns to this degenerate set-packing LP, the primal simplex warm
    /// started from the last basis took 40 s, and the dual simplex over five minutes from
    /// the second round on, where the interior-point method took 1.6 s and 10 s (masters of
    /// 100,000 to 190,000 columns, later, take it 25 to 100 s). Its duals are feasible up to
    /// a tolerance, so pricing keeps only columns of reduced cost above [`PRICE_TOL`], and the
    /// bound is the dual objective plus that tolerance per row (see [`dual_bound`]), which
    /// holds whatever the LP's accuracy. Columns whose reduced cost falls below
    /// [`DROP_BELOW`] leave the master, each at most once (one may come back if it prices out
    /// again, and then stays), so the master grows more slowly and column generation still
    /// ends.
    ///
    /// After each master, its solution is rounded (`Model::rounded`) and polished
    /// (`Local::polish`), the best packing so far polished again under the new duals, the
    /// better of the two improved further by large neighbourhoods ([`hood_sizes`]) along the
    /// master's support (`Local::lns`, growing last from the seeds whose neighbourhood
    /// improved nothing in an earlier pass), and the better one kept in `rounded`. The main
    /// thread waits for a polish only until the deadline (`wait`): one still running then is
    /// halted and dropped. A neighbourhood is solved to its end once started (about half a
    /// second), so a halted polish ends within one. The best bound proven so far (the
    /// centre's, or the converged LP's) is kept
    /// in `proven_bound`, so that a solve stopped here still has them.
    fn root_lp(
        &self,
        run: &Run,
        seed: Vec<Priced>,
        center: Option<Center>,
        rounded: &mut Option<Packing>,
        proven_bound: &mut f64,
    ) -> Result<Lp, Stop> {
        let rows = &self.rows;
        let mut problem = ColProblem::default();
        for r in 0..rows.count {
            problem.add_row(..=rows.upper(r));
        }
        let mut model = problem.optimise(Sense::Maximise);
        let graph = self.graph;
        let local = Local::new(
            graph,
            &self.bits,
            &self.prep.weight,
            self.params.max_cycle,
            self.params.max_chain,
        );
        master::configure(&mut model, false, &self.prep);
        model.set_option("solver", "ipm");
        // The master's columns, in HiGHS's order.
        let mut cols: Vec<Priced> = Vec::new();
        let mut in_master: HashSet<Key> = HashSet::new();
        let mut dropped: HashSet<Key> = HashSet::new();
        let mut duals = vec![0.0; rows.count];
        let mut value = 0.0;
        let mut rounds = 0;
        let mut coefs = Vec::new();
        let mut batch = ffi::NewCols::default();
        let mut seed = Some(seed).filter(|s| !s.is_empty());
        let mut center = center;
        let mut tried = Tried::default();
        // The polish of each master's rounding (and of the best packing so far) runs on a
        // second thread beside the next pricing round and master (HiGHS takes one core), and
        // is taken in right after that master: the same work, so the same packings, whatever
        // the timing.
        let halt = Halt::default();
        let proven = std::thread::scope(|scope| {
            let mut pending: Option<Pending<'_>> = None;
            let rounds_of_lp = || loop {
                run.deadline.check()?;
                let new = match seed.take() {
                    Some(seed) => seed,
                    None => match self.next_columns(
                        run,
                        &duals,
                        &mut center,
                        (&cols, &in_master),
                        rounded.as_ref().map_or(f64::NEG_INFINITY, |p| p.worth),
                    )? {
                        Next::Columns(new) => self.with_excess(&duals, &in_master, new),
                        Next::Done(proven) => break Ok(proven),
                    },
                };
                if let Some(c) = &center {
                    *proven_bound = proven_bound.min(c.bound);
                }
                tracing::debug!(
                    round = rounds,
                    lp = value,
                    master = cols.len(),
                    new = new.len(),
                    elapsed = ?run.deadline.elapsed(),
                    "search pricing round"
                );
                batch.clear();
                for p in &new {
                    let cost = self.coefficients(p, &mut coefs);
                    batch.push(cost, &coefs);
                    in_master.insert(p.key);
                }
                cols.extend_from_slice(&new);
                if !ffi::add_cols(&mut model, &batch) {
                    return Err(Stop::Error(SolveError::Solver(
                        "LP: HiGHS refused new columns".into(),
                    )));
                }
                rounds += 1;
                let solved = self.solve_master(run, model)?;
                value = solved.objective_value();
                tracing::debug!(
                    lp = value,
                    elapsed = ?run.deadline.elapsed(),
                    "search path: the master solved"
                );
                let solution = solved.get_solution();
                duals = master::packing_duals(solution.dual_rows());
                if let Some(job) = pending.take() {
                    tried = adopt(rounded, wait(job, &run.deadline, &halt)?);
                }
                // Each rounding is improved on its own (a better start may end worse), and the
                // best packing so far again under the new duals; the better one is kept.
                let per_vertex = |y: &[f64]| -> Vec<f64> {
                    graph
                        .vertices()
                        .iter()
                        .map(|v| y[v.group as usize])
                        .collect()
                };
                let mut packing = self.rounded(&cols, solution.columns());
                let mut best = rounded.clone();
                let (local, halt) = (&local, &halt);
                let support = Support::new(
                    graph.vertices().len(),
                    cols.iter()
                        .zip(solution.columns())
                        .filter(|(_, &x)| x > 1e-6)
                        .map(|(p, &x)| (self.column_vertices(p), x))
                        .collect(),
                )
                .with_duals(per_vertex(&duals));
                // Where the packing loses, and the polish's order, come from the best duals
                // proven feasible so far (the centre), when there are any.
                let support = match &center {
                    Some(c) => support.with_proof(per_vertex(&c.duals)),
                    None => support,
                };
                let (params, sizes) = (self.params, hood_sizes(graph.vertices().len()));
                let mut tried = std::mem::take(&mut tried);
                let (ended, done) = mpsc::channel();
                let job = scope.spawn(move || {
                    // No reading of the solve's clock here (the main thread's readings stay
                    // the same whatever the timing): only `halt` stops this polish, and then
                    // its packings are dropped.
                    let deadline = Deadline::new(halt, Some(Duration::from_nanos(1)));
                    let priority = support.best_duals().expect("set above");
                    let start = packing.worth;
                    let polished = local.polish(&mut packing, priority, &deadline);
                    tracing::debug!(
                        rounded = start,
                        worth = packing.worth,
                        moves_and_paths = ?polished.ok(),
                        "search path: the master's solution rounded and improved"
                    );
                    if let Some(best) = best.as_mut() {
                        let _halted = local.polish(best, priority, &deadline);
                    }
                    // Then large neighbourhoods of the better one, along this master's
                    // support, from where it loses against the best duals first.
                    let target = match best.as_mut() {
                        Some(b) if b.worth >= packing.worth => b,
                        _ => &mut packing,
                    };
                    let start = target.worth;
                    let improved =
                        local.lns(target, &support, params, &sizes, &mut tried, &deadline);
                    tracing::debug!(
                        start,
                        worth = target.worth,
                        improved = ?improved.ok(),
                        "search path: large neighbourhoods solved"
                    );
                    // (The main thread may have stopped waiting: then nobody receives.)
                    let _ = ended.send(());
                    Polished {
                        packing,
                        best,
                        tried,
                    }
                });
                pending = Some(Pending { job, done });
                model = solved.into();
                // Columns far from tight leave the master, each at most once (so that no
                // column can leave and come back forever).
                let drop: Vec<bool> = cols
                    .iter()
                    .map(|p| {
                        !dropped.contains(&p.key)
                            && self.reduced_cost(p, &duals, &mut coefs) < DROP_BELOW
                    })
                    .collect();
                if drop.iter().any(|&d| d) {
                    if !ffi::delete_cols(&mut model, &drop) {
                        return Err(Stop::Error(SolveError::Solver(
                            "LP: HiGHS refused to delete columns".into(),
                        )));
                    }
                    let mut at = 0;
                    cols.retain(|p| {
                        let keep = !drop[at];
                        at += 1;
                        if !keep {
                            in_master.remove(&p.key);
                            dropped.insert(p.key);
                        }
                        keep
                    });
                }
                // The progress line: the best packing and the best bound proven so far.
                let incumbent = match (rounded.as_ref().map(|p| p.worth), run.incumbent) {
                    (Some(a), Some(b)) => Some(a.max(b)),
                    (a, b) => a.or(b),
                };
                let bound = run.bound.map(|b| b.min(self.round_bound(*proven_bound)));
                run.report_with("root LP", incumbent, bound);
            };
            let proven = rounds_of_lp();
            if let Some(job) = pending.take() {
                // A stopped solve does not wait for the polish, nor keep it: what it returns
                // must not depend on how far that polish got. A converged one waits for it
                // until the deadline (`wait`); the bound it proved holds either way.
                // Nor does one whose best packing already reaches the bound: the polish can
                // find nothing better (on the sparse 10,000-pair pool, 20 s saved).
                let settled = proven.as_ref().is_ok_and(|p| {
                    rounded
                        .as_ref()
                        .is_some_and(|r| r.worth >= self.round_bound(p.bound) - TOL)
                });
                if let Ok(p) = &proven {
                    *proven_bound = proven_bound.min(p.bound);
                }
                if proven.is_ok() && !settled {
                    adopt(rounded, wait(job, &run.deadline, &halt)?);
                } else {
                    halt.0.store(true, Ordering::SeqCst);
                    join(job.job);
                }
            }
            proven
        })?;
        tracing::debug!(
            lp = value,
            bound = proven.bound,
            rounds,
            "search path: root LP converged"
        );
        if tracing::enabled!(tracing::Level::DEBUG) {
            // The shape of the proven duals, per vertex (its group's row): under `count`
            // not mostly 0 or 1, as the twelfth pass supposed (BENCHMARKS.md, "thirteenth
            // pass": on the sparse pool 2,338 of 10,000 requests have duals above 1).
            let mut shape = [[0usize; 4]; 2];
            for v in graph.vertices() {
                let y = proven.duals[v.group as usize];
                let bucket = match y {
                    y if y < 1e-6 => 0,
                    y if y < 1.0 - 1e-6 => 1,
                    y if y <= 1.0 + 1e-6 => 2,
                    _ => 3,
                };
                shape[usize::from(v.kind == VertexKind::Offer)][bucket] += 1;
            }
            tracing::debug!(
                requests = ?shape[0],
                offers = ?shape[1],
                "search path: proven duals per vertex, [0, (0,1), 1, above 1]"
            );
        }
        let mut columns: Vec<Key> = cols.iter().map(|p| p.key).collect();
        columns.sort_unstable();
        Ok(Lp {
            value: proven.bound,
            duals: proven.duals,
            rounds,
            columns,
        })
    }

    /// The largest reduced cost under `duals` of the master's columns `cols`, or
    /// [`PRICE_TOL`] when that is larger: the slack of a bound from `duals` (see
    /// [`dual_bound`]) once pricing, which skips the master's columns, has found no other
    /// column above [`PRICE_TOL`]. The interior-point method's duals leave the master's
    /// columns below [`PRICE_TOL`] on every pool measured, but nothing guarantees it: PDLP's
    /// left some at 1e-6 to 2e-5 (BENCHMARKS.md, "fifteenth" and "sixteenth pass"), and the
    /// halfway point of the stabilisation is checked the same way.
    fn slack(&self, cols: &[Priced], duals: &[f64]) -> f64 {
        let mut coefs = Vec::new();
        cols.iter()
            .map(|p| self.reduced_cost(p, duals, &mut coefs))
            .fold(PRICE_TOL, f64::max)
    }

    /// The columns of the next round under the master's `duals`, or, when there are none,
    /// duals proven feasible for every column with their bound.
    ///
    /// First the master's duals are repaired (`Model::repair`); when that proves a better
    /// bound than the `center`'s (or there is none), the repaired duals become the centre.
    /// With a `center` (duals feasible for every column: the cover's certificate or repaired
    /// duals) pricing is stabilised (Wentges smoothing): it searches under the point halfway between
    /// the centre and the master's duals, and offers only the columns found there that also
    /// price out under the master's duals. Where it finds nothing, that point is feasible
    /// (the search was exhaustive) and better than the centre, so it becomes the centre: the
    /// centre's bound halves its distance to the master's. Column generation ends when the
    /// centre's bound rounds to the master's (no more columns could lower the bound that
    /// counts) or to the `incumbent` (the best packing's worth: it is then optimal), or when
    /// the search under the master's own duals finds nothing. Where the
    /// halfway point offers only columns that do not price out under the master's duals
    /// (mis-pricing), the master's duals are searched instead.
    fn next_columns(
        &self,
        run: &Run,
        duals: &[f64],
        center: &mut Option<Center>,
        (cols, in_master): (&[Priced], &HashSet<Key>),
        incumbent: f64,
    ) -> Result<Next, Stop> {
        let master_bound = dual_bound(&self.rows, duals, self.slack(cols, duals));
        let plain = |this: &Self| -> Result<Next, Stop> {
            let new = this.price(run, duals, in_master)?;
            Ok(if new.is_empty() {
                Next::Done(Center {
                    duals: duals.to_vec(),
                    bound: master_bound,
                })
            } else {
                Next::Columns(new)
            })
        };
        let repaired = self.repair(&run.deadline, duals)?;
        tracing::debug!(
            bound = repaired.bound,
            master = master_bound,
            elapsed = ?run.deadline.elapsed(),
            "search path: the master's duals repaired"
        );
        if center.as_ref().is_none_or(|c| repaired.bound < c.bound) {
            *center = Some(repaired);
        }
        loop {
            let Some(c) = center.as_mut() else {
                return plain(self);
            };
            let gap = c.bound - master_bound;
            if self.round_bound(c.bound) <= self.round_bound(master_bound)
                || self.round_bound(c.bound) <= incumbent + TOL
                || gap <= 1e-6 * master_bound.abs().max(1.0)
            {
                return Ok(Next::Done(center.take().expect("a centre")));
            }
            let point: Vec<f64> = c
                .duals
                .iter()
                .zip(duals)
                .map(|(a, b)| 0.5 * (a + b))
                .collect();
            let found = self.price(run, &point, in_master)?;
            if found.is_empty() {
                let bound = dual_bound(&self.rows, &point, self.slack(cols, &point));
                tracing::debug!(bound, "search path: a new stability centre");
                if bound < c.bound {
                    *c = Center {
                        duals: point,
                        bound,
                    };
                } else {
                    *center = None;
                }
                continue;
            }
            let mut coefs = Vec::new();
            let new: Vec<Priced> = found
                .into_iter()
                .filter(|p| self.reduced_cost(p, duals, &mut coefs) > PRICE_TOL)
                .collect();
            if new.is_empty() {
                return plain(self);
            }
            return Ok(Next::Columns(new));
        }
    }

    /// A round's columns `new` and, when they are few, the chains that price out as a whole
    /// under the master's `duals` (`Model::excess_chains`), those not in the master yet. Few
    /// means at most as many as a round keeps besides the best column of each row
    /// (`Collector::extra`): on the sparse 10,000-pair pool there are hundreds of thousands
    /// in the first rounds and a few thousand near the end, and those hold the repaired bound
    /// above the LP's value (BENCHMARKS.md, "fifteenth pass").
    fn with_excess(
        &self,
        duals: &[f64],
        in_master: &HashSet<Key>,
        mut new: Vec<Priced>,
    ) -> Vec<Priced> {
        let excess = self.excess_chains(duals);
        let most = Collector::extra(self.rows.count);
        if excess.len() > most {
            tracing::debug!(
                found = excess.len(),
                most,
                "search path: too many chains behind the excess"
            );
            return new;
        }
        let offered: HashSet<Key> = new.iter().map(|p| p.key).collect();
        let before = new.len();
        for i in excess {
            let key = Key::Chain(i);
            if in_master.contains(&key) || offered.contains(&key) {
                continue;
            }
            let rc = self
                .rows
                .reduced_cost(self.graph, &self.prep, i as ColId, duals);
            new.push(Priced::new(rc, key, 1.0));
        }
        tracing::debug!(
            added = new.len() - before,
            "search path: chains behind the excess"
        );
        new.sort_by_key(|p| p.key);
        new
    }

    /// The stability centre of the cover's certificate `y` (one dual per vertex, see
    /// `cover::Cover::vertex_duals`): `y` on the group rows, the flow rows as
    /// [`Model::feasible_chains`] sets them. Every cycle's reduced cost is then at most 0, and
    /// every chain column's (the offers need no raise: see `vertex_duals`); their bound is the
    /// dual objective, the sum of `y`.
    fn center(&self, y: &[f64]) -> Center {
        let mut duals = vec![0.0; self.rows.count];
        for (v, vertex) in self.graph.vertices().iter().enumerate() {
            duals[vertex.group as usize] = y[v].max(0.0);
        }
        self.feasible_chains(&mut duals);
        let bound = (0..self.rows.count)
            .map(|r| self.rows.upper(r) * duals[r])
            .sum();
        Center { duals, bound }
    }

    /// Duals feasible for every column, made from any row `duals >= 0` (the master's, say):
    /// each request `s` raised by the largest reduced cost of a cycle whose smallest vertex it
    /// is (found by the search, its floor rising with the best found), then the chain rows as
    /// [`Model::feasible_chains`] sets them. A cycle with smallest vertex `s` loses at least
    /// that much reduced cost, so none is left positive. The bound goes up by the sum of the
    /// raises: a Lagrangian bound, small when the master misses few columns, so that column
    /// generation can stop before its last rounds (see [`Model::next_columns`]).
    fn repair(&self, deadline: &Deadline, duals: &[f64]) -> Result<Center, Stop> {
        let graph = self.graph;
        let rows = &self.rows;
        let search = self.search(duals);
        let mut out = self.group_duals(duals);
        for s in 0..graph.vertices().len() {
            if s % 256 == 255 {
                deadline.check()?;
            }
            let best = Cell::new(0.0);
            search.from(s, &best, usize::MAX, &mut |_, _, rc| {
                best.set(rc);
                false
            });
            out[graph.vertices()[s].group as usize] += best.get();
        }
        self.feasible_chains(&mut out);
        let bound = (0..rows.count).map(|r| rows.upper(r) * out[r]).sum();
        Ok(Center { duals: out, bound })
    }

    /// Makes every chain column's reduced cost at most 0 under `duals`, whose group rows are
    /// set: each flow row `(u, p)` gets the most a chain column leaving `u` at position `p + 1`
    /// could gain, `max(0, w - y(v) + f(v, p + 1))` over its arcs `u -> v`, from the last
    /// position back (flow rows cost nothing in the bound: their upper bound is 0), then each
    /// first arc still of positive reduced cost is fixed: each offer's group row rises by the
    /// most its first arcs still gain, or each request's by the most the first arcs into it
    /// gain, whichever costs less.
    fn feasible_chains(&self, duals: &mut [f64]) {
        let graph = self.graph;
        let rows = &self.rows;
        let vars = &self.prep.chain_vars;
        self.chain_flows(duals, None);
        // Each first arc `o -> v` still of positive reduced cost is fixed by raising its
        // offer or its request (either lowers every column's reduced cost, so the flow rows
        // stay feasible): all by offers or all by requests, whichever costs less.
        let mut by_offer = vec![0.0f64; rows.group_rows];
        let mut by_request = vec![0.0f64; rows.group_rows];
        for (i, cv) in vars.iter().enumerate() {
            if cv.pos != 1 {
                break;
            }
            let rc = rows.reduced_cost(graph, &self.prep, i as ColId, duals);
            if rc > 0.0 {
                let a = graph.arcs()[cv.arc as usize];
                let (o, v) = (graph.vertex(a.from).group, graph.vertex(a.to).group);
                by_offer[o as usize] = by_offer[o as usize].max(rc);
                by_request[v as usize] = by_request[v as usize].max(rc);
            }
        }
        let cost = |raise: &[f64]| raise.iter().sum::<f64>();
        let raise = if cost(&by_request) < cost(&by_offer) {
            by_request
        } else {
            by_offer
        };
        for (d, r) in duals.iter_mut().zip(raise) {
            *d += r;
        }
    }

    /// Sets the flow rows of `duals` (whose group rows are set) to the most a chain could
    /// still gain: each flow row `(u, p)` gets `max(0, w - y(v) + f(v, p + 1))` over the chain
    /// columns `u -> v` at position `p + 1`, from the last position back. Then a first arc's
    /// reduced cost is the best reduced cost of a whole chain that starts with it, under the
    /// group rows alone. With `via`, each flow row that rose above 0 also records the chain
    /// column that set it (the first of the largest, in `chain_vars`' order back), and the
    /// others [`NO_COLUMN`].
    fn chain_flows(&self, duals: &mut [f64], mut via: Option<&mut [u32]>) {
        let graph = self.graph;
        let rows = &self.rows;
        duals[rows.group_rows..rows.count].fill(0.0);
        if let Some(via) = via.as_deref_mut() {
            via.fill(NO_COLUMN);
        }
        // `chain_vars` is sorted by position: from the last one back.
        for (i, cv) in self.prep.chain_vars.iter().enumerate().rev() {
            let p = cv.pos as usize;
            if p < 2 {
                break;
            }
            let a = graph.arcs()[cv.arc as usize];
            let mut gain =
                self.prep.weight[cv.arc as usize] - duals[graph.vertex(a.to).group as usize];
            if let Some(r) = rows.flow(a.to.index(), p) {
                gain += duals[r];
            }
            if let Some(r) = rows.flow(a.from.index(), p - 1) {
                if gain > duals[r] {
                    duals[r] = gain;
                    if let Some(via) = via.as_deref_mut() {
                        via[r - rows.group_rows] = i as u32;
                    }
                }
            }
        }
    }

    /// The group rows of `duals`, each clipped at 0, and the flow rows 0.
    fn group_duals(&self, duals: &[f64]) -> Vec<f64> {
        let rows = &self.rows;
        (0..rows.count)
            .map(|r| {
                if r < rows.group_rows {
                    duals[r].max(0.0)
                } else {
                    0.0
                }
            })
            .collect()
    }

    /// The chains that price out as a whole under the group rows of `duals` (each clipped at
    /// 0), as chain columns (indices in `chain_vars`, sorted): the flow rows set by
    /// [`Model::chain_flows`], each first arc of reduced cost above [`PRICE_TOL`] with the
    /// chain columns that set the flow rows it leads to, to the chain's end. The master may
    /// miss them although each of their columns' own reduced cost is small: under the
    /// master's flow duals a chain's gain can lie on any of its columns, and more chain
    /// columns price out each round than a round takes (BENCHMARKS.md, "fourteenth pass").
    fn excess_chains(&self, duals: &[f64]) -> Vec<u32> {
        let graph = self.graph;
        let rows = &self.rows;
        let mut y = self.group_duals(duals);
        let mut via = vec![NO_COLUMN; rows.count - rows.group_rows];
        self.chain_flows(&mut y, Some(&mut via));
        let mut out = Vec::new();
        for (i, cv) in self.prep.chain_vars.iter().enumerate() {
            if cv.pos != 1 {
                break;
            }
            if rows.reduced_cost(graph, &self.prep, i as ColId, &y) <= PRICE_TOL {
                continue;
            }
            out.push(i as u32);
            let mut at = graph.arcs()[cv.arc as usize].to.index();
            let mut p = 1;
            while let Some(r) = rows.flow(at, p) {
                let next = via[r - rows.group_rows];
                if next == NO_COLUMN {
                    break;
                }
                out.push(next);
                at = graph.arcs()[self.prep.chain_vars[next as usize].arc as usize]
                    .to
                    .index();
                p += 1;
            }
        }
        out.sort_unstable();
        out.dedup();
        out
    }

    /// Solves the master as it stands (interior point, see [`Model::root_lp`]); where that
    /// ends without a verdict, once more with crossover to a basis.
    fn solve_master(&self, run: &Run, mut model: highs::Model) -> Result<highs::SolvedModel, Stop> {
        for crossover in ["off", "on"] {
            model.set_option("run_crossover", crossover);
            master::limit_time(&mut model, &run.deadline)?;
            let solved = model
                .try_solve()
                .map_err(|e| Stop::Error(SolveError::Solver(format!("LP: {e:?}"))))?;
            match solved.status() {
                HighsModelStatus::Optimal => return Ok(solved),
                HighsModelStatus::ReachedTimeLimit => return Err(Stop::Timeout),
                s if crossover == "on" => {
                    return Err(Stop::Error(SolveError::Solver(format!("LP ended {s:?}"))))
                }
                s => {
                    tracing::debug!(status = ?s, "search path: interior point without a verdict");
                    model = solved.into();
                }
            }
        }
        unreachable!("the second solve returns")
    }

    /// A solution made of the master's columns `cols` (values `x`): greedily, the cycles by
    /// decreasing `x` (ties by key) whose requests are all free, then from each offer by
    /// decreasing `x` of its first arc the chain that follows, at each position, the free
    /// request of largest `x`. Deterministic, and linear in the master's size.
    fn rounded(&self, cols: &[Priced], x: &[f64]) -> Packing {
        let graph = self.graph;
        let group = |v: u32| graph.vertices()[v as usize].group as usize;
        let mut used = vec![false; self.rows.group_rows];
        let mut order: Vec<usize> = (0..cols.len()).filter(|&j| x[j] > 1e-6).collect();
        order.sort_by(|&a, &b| x[b].total_cmp(&x[a]).then(cols[a].key.cmp(&cols[b].key)));
        let (mut worth, mut picked) = (0.0, Vec::new());
        // Chain columns of positive value, by (tail, position).
        let mut next: std::collections::HashMap<(u32, u8), Vec<usize>> = Default::default();
        let mut firsts = Vec::new();
        for &j in &order {
            match cols[j].key {
                Key::Cycle(v, len) => {
                    let v = &v[..len as usize];
                    if v.iter().all(|&u| !used[group(u)]) {
                        v.iter().for_each(|&u| used[group(u)] = true);
                        worth += cols[j].weight;
                        picked.push(v.to_vec());
                    }
                }
                Key::Chain(i) => {
                    let cv = self.prep.chain_vars[i as usize];
                    let a = graph.arcs()[cv.arc as usize];
                    if cv.pos == 1 {
                        firsts.push(j);
                    } else {
                        next.entry((a.from.0, cv.pos)).or_default().push(j);
                    }
                }
            }
        }
        for j in firsts {
            let Key::Chain(i) = cols[j].key else {
                continue;
            };
            let cv = self.prep.chain_vars[i as usize];
            let a = graph.arcs()[cv.arc as usize];
            if used[group(a.from.0)] || used[group(a.to.0)] {
                continue;
            }
            used[group(a.from.0)] = true;
            let mut chain = vec![a.from.0];
            let mut link = Some((a.to.0, cv.arc));
            while let Some((head, arc)) = link.take() {
                used[group(head)] = true;
                worth += self.prep.weight[arc as usize];
                chain.push(head);
                let pos = (chain.len() - 1) as u8 + 1;
                let Some(options) = next.get(&(head, pos)) else {
                    break;
                };
                for &k in options {
                    let Key::Chain(i) = cols[k].key else {
                        continue;
                    };
                    let cv = self.prep.chain_vars[i as usize];
                    let to = graph.arcs()[cv.arc as usize].to.0;
                    if !used[group(to)] {
                        link = Some((to, cv.arc));
                        break;
                    }
                }
            }
            picked.push(chain);
        }
        Packing::new(graph, picked, worth)
    }

    /// The vertices a master column joins: a cycle's requests, a chain arc's two ends.
    fn column_vertices(&self, p: &Priced) -> Vec<u32> {
        match p.key {
            Key::Cycle(v, len) => v[..len as usize].to_vec(),
            Key::Chain(i) => {
                let a = self.graph.arcs()[self.prep.chain_vars[i as usize].arc as usize];
                vec![a.from.0, a.to.0]
            }
        }
    }

    /// The master's keys of `columns` (cycles, and chains from their offer): each cycle
    /// rotated to its smallest vertex, the chain column of each chain arc at its position.
    /// Cycles longer than the cap are left out.
    fn keys<'c>(&self, columns: impl Iterator<Item = &'c [u32]>) -> Vec<Key> {
        let mut keys = Vec::new();
        for c in columns {
            if self.graph.vertices()[c[0] as usize].kind == VertexKind::Request {
                if c.len() > self.params.max_cycle {
                    continue;
                }
                let mut verts = c.to_vec();
                let smallest = (0..verts.len()).min_by_key(|&i| verts[i]).unwrap_or(0);
                verts.rotate_left(smallest);
                keys.push(Key::cycle(&verts));
                continue;
            }
            for (j, pair) in c.windows(2).enumerate() {
                let Some(arc) = arc_index(self.graph, pair[0], pair[1]) else {
                    continue;
                };
                let key = (j as u8 + 1, arc as u32);
                if let Ok(i) = self
                    .prep
                    .chain_vars
                    .binary_search_by_key(&key, |cv| (cv.pos, cv.arc))
                {
                    keys.push(Key::Chain(i as u32));
                }
            }
        }
        keys.sort_unstable();
        keys.dedup();
        keys
    }

    /// The solution of the best packing kept by [`Model::root_lp`], with the bound `ub`, to
    /// compare with what a stopped solve found otherwise (or optimal, when it is worth `ub`).
    fn rounded_solution(&self, run: &Run, rounded: &Option<Packing>, ub: f64) -> Option<Solution> {
        let packing = rounded.as_ref()?;
        let keys = self.keys(packing.columns());
        let prep = self.master_model(&keys, ub);
        let all = (prep.cycles.len() + prep.chain_vars.len()) as ColId;
        let outcome = Outcome {
            chosen: (0..all).collect(),
            objective: packing.worth,
            bound: ub,
            optimal: packing.worth >= ub - TOL,
        };
        Some(run.finish(Some(&prep), outcome))
    }

    /// The master coefficients of a column (into `coefs`) and its objective coefficient.
    fn coefficients(&self, p: &Priced, coefs: &mut Vec<(usize, f64)>) -> f64 {
        match p.key {
            Key::Chain(i) => self.rows.column(self.graph, &self.prep, i as ColId, coefs),
            Key::Cycle(v, len) => {
                coefs.clear();
                coefs.extend(
                    v[..len as usize]
                        .iter()
                        .map(|&x| (self.graph.vertices()[x as usize].group as usize, 1.0)),
                );
                p.weight
            }
        }
    }

    /// A column's reduced cost under `duals`.
    fn reduced_cost(&self, p: &Priced, duals: &[f64], coefs: &mut Vec<(usize, f64)>) -> f64 {
        let cost = self.coefficients(p, coefs);
        cost - coefs.iter().map(|&(r, c)| c * duals[r]).sum::<f64>()
    }

    /// One pricing round under `duals`: the chain columns by a scan, the cycles by a search
    /// from every vertex, at most [`PER_VERTEX`] new ones from each (partial pricing: under
    /// the first duals every cycle prices out, billions of them at 10,000 pairs). Empty only
    /// when every vertex was searched to the end, so when column generation stops the final
    /// duals are proven dual feasible.
    fn price(
        &self,
        run: &Run,
        duals: &[f64],
        in_master: &HashSet<Key>,
    ) -> Result<Vec<Priced>, Stop> {
        let graph = self.graph;
        let rows = &self.rows;
        let n = graph.vertices().len();
        let search = self.search(duals);
        let mut coefs = Vec::new();
        let mut collector = Collector::new(rows.count);
        let mut row_buf: Vec<usize> = Vec::with_capacity(3);
        // Chain columns: a scan.
        for i in 0..self.prep.chain_vars.len() {
            let key = Key::Chain(i as u32);
            let rc = rows.reduced_cost(graph, &self.prep, i as ColId, duals);
            if rc <= PRICE_TOL || in_master.contains(&key) {
                continue;
            }
            rows.column(graph, &self.prep, i as ColId, &mut coefs);
            row_buf.clear();
            row_buf.extend(coefs.iter().map(|&(r, _)| r));
            collector.offer(Priced::new(rc, key, 1.0), &row_buf);
        }
        // Cycles: a search from every vertex.
        for s in 0..n {
            search.from(s, &Cell::new(PRICE_TOL), PER_VERTEX, &mut |verts, w, rc| {
                let key = Key::cycle(verts);
                if in_master.contains(&key) {
                    return false;
                }
                row_buf.clear();
                row_buf.extend(
                    verts
                        .iter()
                        .map(|&v| graph.vertices()[v as usize].group as usize),
                );
                collector.offer(Priced::new(rc, key, w), &row_buf);
                true
            });
            if s % 256 == 255 {
                run.deadline.check()?;
            }
        }
        Ok(collector.finish())
    }

    /// The restricted model of the columns of reduced cost `>= floor` under `lp`'s duals:
    /// cycles listed by the search in canonical order, chain columns that some kept column can
    /// feed. Stops with [`SolveError::TooLarge`] once its estimated memory would pass the limit.
    fn restrict(&self, run: &Run, lp: &Lp, floor: f64, bound: f64) -> Result<Prepared, Stop> {
        let graph = self.graph;
        let n = graph.vertices().len();
        let base = self.base_bytes();
        let limit = self.params.memory_limit.unwrap_or(u64::MAX);
        let chain_vars = self.chain_columns(|i| {
            self.rows
                .reduced_cost(graph, &self.prep, i as ColId, &lp.duals)
                >= floor
        });
        let search = self.search(&lp.duals);
        let mut cycles = Cycles {
            start: vec![0],
            ..Cycles::default()
        };
        let mut useful = vec![false; graph.arcs().len()];
        for cv in &chain_vars {
            useful[cv.arc as usize] = true;
        }
        let mut too_many = false;
        let most =
            (limit.saturating_sub(base) / BYTES_PER_COLUMN).saturating_sub(chain_vars.len() as u64);
        for s in 0..n {
            if s % 256 == 0 {
                run.deadline.check()?;
            }
            search.from(
                s,
                &Cell::new(floor - 1e-12),
                usize::MAX,
                &mut |verts, w, _| {
                    if cycles.len() as u64 >= most {
                        too_many = true;
                        return false;
                    }
                    cycles.verts.extend_from_slice(verts);
                    cycles.start.push(cycles.verts.len() as u32);
                    cycles.weight.push(w);
                    true
                },
            );
            if too_many {
                return Err(Stop::Error(SolveError::TooLarge(format!(
                    "the exact model needs more than {most} cycles of reduced cost >= {floor:.3} \
                     (over {} with the graph), over the memory limit of {}; raise \
                     --memory-limit or lower the caps",
                    size(base + (most + chain_vars.len() as u64) * BYTES_PER_COLUMN),
                    size(limit)
                ))));
            }
        }
        Ok(self.prepared(cycles, chain_vars, useful, bound))
    }

    /// Chain columns, position by position: those `keep` accepts (by index in
    /// `self.prep.chain_vars`) and, past position 1, that some kept column enters at the
    /// position before (the others could only be 0, and would have no flow row to leave).
    fn chain_columns(&self, keep: impl Fn(usize) -> bool) -> Vec<ChainVar> {
        let graph = self.graph;
        let n = graph.vertices().len();
        let mut chain_vars: Vec<ChainVar> = Vec::new();
        let mut entered = vec![false; n];
        let mut next = vec![false; n];
        let mut pos = 1u8;
        for (i, cv) in self.prep.chain_vars.iter().enumerate() {
            if cv.pos != pos {
                std::mem::swap(&mut entered, &mut next);
                next.iter_mut().for_each(|x| *x = false);
                pos = cv.pos;
            }
            let a = graph.arcs()[cv.arc as usize];
            if cv.pos > 1 && !entered[a.from.index()] {
                continue;
            }
            if keep(i) {
                chain_vars.push(*cv);
                next[a.to.index()] = true;
            }
        }
        chain_vars
    }

    /// A model of `cycles` and `chain_vars` (`useful` marks the chain columns' arcs), its
    /// bound capped at `bound`.
    fn prepared(
        &self,
        cycles: Cycles,
        chain_vars: Vec<ChainVar>,
        mut useful: Vec<bool>,
        bound: f64,
    ) -> Prepared {
        let graph = self.graph;
        for i in 0..cycles.len() {
            let c = cycles.get(i);
            for j in 0..c.len() {
                if let Some(at) = arc_index(graph, c[j], c[(j + 1) % c.len()]) {
                    useful[at] = true;
                }
            }
        }
        Prepared {
            weight: self.prep.weight.clone(),
            integral: self.prep.integral,
            cycles,
            chain_vars,
            useful_arcs: useful.iter().filter(|&&u| u).count(),
            trivial_bound: bound,
        }
    }

    /// The weight of cycle `c` (its vertices in order, every arc in the graph).
    fn cycle_weight(&self, c: &[u32]) -> f64 {
        let Some(weights) = self.weights() else {
            return c.len() as f64;
        };
        (0..c.len())
            .map(|j| {
                weights[arc_index(self.graph, c[j], c[(j + 1) % c.len()])
                    .expect("a cycle's arcs are in the graph")]
            })
            .sum()
    }

    /// The columns of `solution` (a solution of this graph), to start column generation
    /// from: its cycles (rotated to their smallest vertex) and the chain column of each of
    /// its chains' arcs at its position. With them the first master is worth the solution,
    /// and its duals already say which requests it covers.
    fn seed(&self, solution: &Solution) -> Vec<Priced> {
        let lists: Vec<Vec<u32>> = solution
            .cycles
            .iter()
            .chain(&solution.chains)
            .map(|c| c.iter().map(|v| v.0).collect())
            .collect();
        self.keys(lists.iter().map(|c| &c[..]))
            .into_iter()
            .map(|key| {
                let weight = match key {
                    Key::Cycle(v, len) => self.cycle_weight(&v[..len as usize]),
                    Key::Chain(_) => 1.0,
                };
                Priced::new(0.0, key, weight)
            })
            .collect()
    }

    /// The model of the root master's own columns (`lp.columns`): cycles in canonical order,
    /// chain columns as [`Model::chain_columns`] keeps them. Its LP value is the root LP's
    /// (the dropped chain columns were held at 0 by their flow rows), so its optimum is a
    /// good incumbent to start from.
    fn master_model(&self, columns: &[Key], bound: f64) -> Prepared {
        let mut chains = vec![false; self.prep.chain_vars.len()];
        let mut cyc: Vec<&[u32]> = Vec::new();
        for key in columns {
            match key {
                Key::Chain(i) => chains[*i as usize] = true,
                Key::Cycle(v, len) => cyc.push(&v[..*len as usize]),
            }
        }
        cyc.sort_unstable();
        let mut cycles = Cycles {
            start: vec![0],
            ..Cycles::default()
        };
        for c in cyc {
            let w = self.cycle_weight(c);
            cycles.verts.extend_from_slice(c);
            cycles.start.push(cycles.verts.len() as u32);
            cycles.weight.push(w);
        }
        let chain_vars = self.chain_columns(|i| chains[i]);
        let mut useful = vec![false; self.graph.arcs().len()];
        for cv in &chain_vars {
            useful[cv.arc as usize] = true;
        }
        self.prepared(cycles, chain_vars, useful, bound)
    }

    /// Estimated bytes held before the restricted model: the graph, the bitsets, the chain
    /// columns.
    fn base_bytes(&self) -> u64 {
        let g = self.graph;
        (g.arcs().len() as u64) * 16
            + (g.vertices().len() as u64) * 64
            + (self.bits.out.len() as u64) * 16
            + (self.prep.chain_vars.len() as u64) * 8
    }
}

/// The clock of a polish beside the master (see `Model::root_lp`): it reads zero until
/// the main thread halts the polish, then the end of time.
#[derive(Default)]
struct Halt(AtomicBool);

impl Clock for Halt {
    fn now(&self) -> Duration {
        if self.0.load(Ordering::SeqCst) {
            Duration::MAX
        } else {
            Duration::ZERO
        }
    }
}

/// What a polish beside the master returns (see `Model::root_lp`).
struct Polished {
    /// The master's rounding, polished.
    packing: Packing,
    /// The best packing before it, polished again.
    best: Option<Packing>,
    /// The seeds of large neighbourhoods tried in vain so far (`Local::lns`).
    tried: Tried,
}

/// A polish running beside the master, and the signal that it has ended.
struct Pending<'scope> {
    job: ScopedJoinHandle<'scope, Polished>,
    done: mpsc::Receiver<()>,
}

/// Waits for a polish beside the master, but not past the solve's `deadline` (one reading
/// of its clock): a polish still running then is halted and dropped, and the solve stops
/// (`Stop::Timeout`) as it would at its next reading. A panic there goes on here.
///
/// Before the deadline the wait is whole, so what a solve that is not stopped returns does
/// not depend on the timing.
fn wait(pending: Pending<'_>, deadline: &Deadline, halt: &Halt) -> Result<Polished, Stop> {
    let ended = match deadline.remaining() {
        None => true,
        Some(left) if left.is_zero() => false,
        Some(left) => !matches!(
            pending.done.recv_timeout(left),
            Err(mpsc::RecvTimeoutError::Timeout)
        ),
    };
    if !ended {
        halt.0.store(true, Ordering::SeqCst);
    }
    let polished = join(pending.job);
    if ended {
        Ok(polished)
    } else {
        Err(Stop::Timeout)
    }
}

/// Waits for a polish beside the master to end; a panic there goes on here.
fn join(job: ScopedJoinHandle<'_, Polished>) -> Polished {
    job.join()
        .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
}

/// Keeps the better of a polish's two packings (the earlier best on a tie); returns the
/// seeds its large neighbourhoods tried in vain, for the next polish.
fn adopt(rounded: &mut Option<Packing>, polished: Polished) -> Tried {
    let keep = match polished.best {
        Some(best) if best.worth >= polished.packing.worth => best,
        _ => polished.packing,
    };
    tracing::debug!(worth = keep.worth, "search path: the best packing");
    *rounded = Some(keep);
    polished.tried
}

/// Solves by the search path (see the module notes). `run` is a fresh solve.
pub(super) fn solve(
    mut run: Run,
    start: Start,
    seed: Option<&Solution>,
    center: Option<&[f64]>,
) -> Result<Solution, SolveError> {
    if let Some(s) = seed {
        // Its objective is what the progress line shows from the first report on.
        run.found(s.objective);
    }
    run.report("reducing");
    let graph = run.graph;
    let params = run.params;
    let model = Model::new(graph, params);
    let trivial = model.prep.trivial_bound;
    let integral = model.prep.integral;
    if let Some(limit) = params.memory_limit {
        let base = model.base_bytes();
        if base > limit {
            return Err(SolveError::TooLarge(format!(
                "the graph and its chain columns need about {}, over the memory limit of {}; \
                 raise --memory-limit",
                size(base),
                size(limit)
            )));
        }
    }
    let mut ub = model.round_bound(trivial);
    run.bound = Some(ub);
    run.report("root LP");
    if let Some(s) = seed {
        // Its bound is the cover bound, proven; the progress line shows both.
        ub = ub.min(model.round_bound(s.bound));
        run.bound = Some(ub);
    }
    let center = center.map(|y| model.center(y));
    let seed = seed.map(|s| model.seed(s)).unwrap_or_default();
    let mut rounded = None;
    let mut proven = f64::INFINITY;
    let lp = match model.root_lp(&run, seed, center, &mut rounded, &mut proven) {
        Ok(lp) => lp,
        Err(Stop::Error(e)) => return Err(e),
        Err(Stop::Timeout) => {
            ub = ub.min(model.round_bound(proven));
            // Stopped: the best rounding of a master, if any (the caller compares it with
            // the cover step's solution).
            let stopped = run.finish(None, Outcome::stopped(None, ub));
            return Ok(super::better_of(
                stopped,
                model.rounded_solution(&run, &rounded, ub),
            ));
        }
    };
    ub = ub.min(model.round_bound(lp.value));
    run.bound = Some(ub);
    if rounded.as_ref().is_some_and(|p| p.worth >= ub - TOL) {
        // The best packing reaches the bound: optimal.
        run.stats.pricing_rounds += lp.rounds;
        run.stats.lp_bound = lp.value;
        return Ok(model
            .rounded_solution(&run, &rounded, ub)
            .expect("a packing"));
    }
    if let Some(p) = &rounded {
        // The progress line of the later steps shows the best packing until they beat it.
        run.found(p.worth);
    }
    let search_rounds = lp.rounds;
    let finish_stats = |run: &mut Run, prep: &Prepared| {
        run.stats.cycles_enumerated = prep.cycles.len();
        run.stats.arcs_after_reduction = prep.useful_arcs;
    };
    // Round 0: the model of the master's own columns, or (`start`, for tests) nothing.
    let first = if start == Start::Master {
        let master = model.master_model(&lp.columns, ub);
        finish_stats(&mut run, &master);
        tracing::debug!(
            cycles = master.cycles.len(),
            chain_columns = master.chain_vars.len(),
            elapsed = ?run.deadline.elapsed(),
            "search path: the master's columns"
        );
        let inner = pipeline(&mut run, &master, super::RootLp::BySize)?;
        run.stats.pricing_rounds += search_rounds;
        run.stats.lp_bound = lp.value;
        if !inner.optimal {
            // Stopped: its best, and the bound of the whole model.
            let outcome = Outcome {
                bound: ub,
                optimal: false,
                ..inner
            };
            let stopped = run.finish(Some(&master), outcome);
            return Ok(super::better_of(
                stopped,
                model.rounded_solution(&run, &rounded, ub),
            ));
        }
        (master, inner)
    } else {
        let empty = Cycles {
            start: vec![0],
            ..Cycles::default()
        };
        let nothing = vec![false; graph.arcs().len()];
        (
            model.prepared(empty, Vec::new(), nothing, ub),
            Outcome::optimal(Vec::new(), 0.0),
        )
    };
    // `best`: the best solution of a model and that model. The best packing of the root LP
    // (worth `packed`) may be better: the best known is the better of the two. (Tests that
    // start from nothing leave the packing out too, so that both fixing rounds run.)
    let mut best: (Prepared, Outcome) = first;
    let packed = match (&rounded, start) {
        (Some(p), Start::Master) => p.worth,
        _ => f64::NEG_INFINITY,
    };
    // Each round lists every column that a solution worth `target` or more can use.
    let mut target = ub;
    loop {
        let z_best = best.1.objective.max(packed);
        if z_best >= ub - TOL {
            if packed > best.1.objective + TOL {
                return Ok(model
                    .rounded_solution(&run, &rounded, ub)
                    .expect("a packing"));
            }
            let (prep, outcome) = best;
            return Ok(run.finish(Some(&prep), Outcome::optimal(outcome.chosen, z_best)));
        }
        run.bound = Some(ub);
        run.found(z_best);
        run.report("fixing");
        let floor = target - lp.value - TOL;
        let prep = match model.restrict(&run, &lp, floor, ub) {
            Ok(prep) => prep,
            Err(Stop::Error(e)) if !matches!(e, SolveError::TooLarge(_)) => return Err(e),
            // Stopped by the time limit, or the model would not fit in memory: the best
            // known and the bound proven so far (minutes of work, not an error).
            Err(stop) => {
                let (prep, outcome) = best;
                let outcome = Outcome {
                    bound: ub,
                    optimal: false,
                    ..outcome
                };
                let mut stopped = run.finish(Some(&prep), outcome);
                if let (Stop::Error(SolveError::TooLarge(why)), Status::TimeLimit { gap }) =
                    (&stop, stopped.status)
                {
                    tracing::warn!("stopped short of a proof: {why}");
                    stopped.status = Status::MemoryLimit { gap };
                }
                return Ok(super::better_of(
                    stopped,
                    model.rounded_solution(&run, &rounded, ub),
                ));
            }
        };
        finish_stats(&mut run, &prep);
        tracing::debug!(
            floor,
            cycles = prep.cycles.len(),
            chain_columns = prep.chain_vars.len(),
            elapsed = ?run.deadline.elapsed(),
            "search path: restricted model"
        );
        let inner = pipeline(&mut run, &prep, super::RootLp::BySize)?;
        run.stats.pricing_rounds += search_rounds;
        run.stats.lp_bound = lp.value;
        // Every solution worth `target` or more lies in this model; the others are worth at
        // most `outside` (less than `target` for fractional weights).
        let outside = if integral { target - 1.0 } else { target };
        let z = inner.objective;
        if !inner.optimal {
            // Stopped: the better solution, and the better of the restricted model's bound
            // and what lies outside it.
            let bound = inner.bound.max(outside).min(ub);
            let (prep, outcome) = if z > z_best + TOL {
                (prep, inner)
            } else {
                best
            };
            let outcome = Outcome {
                bound,
                optimal: false,
                ..outcome
            };
            let stopped = run.finish(Some(&prep), outcome);
            return Ok(super::better_of(
                stopped,
                model.rounded_solution(&run, &rounded, ub),
            ));
        }
        if z >= target - TOL {
            // The optimum over a model holding every solution worth `target` or more, and
            // worth that much itself: optimal.
            return Ok(run.finish(Some(&prep), Outcome::optimal(inner.chosen, z)));
        }
        // No solution reaches `target`: the optimum is `z` or lies outside.
        ub = ub.min(z.max(outside));
        if z > z_best + TOL {
            best = (prep, inner);
        }
        // Next, every solution better than the best known (at least 1 better with integral
        // weights). At most one more round: it settles the optimum (see the module notes).
        let z_best = best.1.objective.max(packed);
        target = if integral { z_best + 1.0 } else { z_best };
    }
}

/// How the search path finds its first solution: by solving the model of the root master's
/// columns, the root LP's best packing kept beside it (the default), or (for tests) not at
/// all, the fixing rounds starting from the empty solution.
#[doc(hidden)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Start {
    Master,
    Empty,
}

/// A number of bytes for a message: `512 B`, `3.4 MiB`, `8.0 GiB`.
pub(super) fn size(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if bytes < 1024 {
        return format!("{bytes} B");
    }
    let mut value = bytes as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS[unit])
}

/// Every group receives at most once, at its best in-arc.
fn trivial_bound(graph: &Graph, weight: &[f64]) -> f64 {
    let mut best = vec![0.0f64; graph.groups().len()];
    for (i, a) in graph.arcs().iter().enumerate() {
        let g = graph.vertex(a.to).group as usize;
        best[g] = best[g].max(weight[i]);
    }
    best.iter().sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::WallClock;
    use crate::graph::GraphBuilder;
    use crate::oracle::brute_force;
    use rand::{RngExt, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    /// Requests (some sharing exclusive groups), offers, random arcs.
    fn random_graph(seed: u64) -> Graph {
        random_graph_grouped(seed, 0.2)
    }

    /// Requests (each in a shared exclusive group with probability `grouped`), offers, random
    /// arcs.
    fn random_graph_grouped(seed: u64, grouped: f64) -> Graph {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let n = rng.random_range(2..=150usize);
        let offers = rng.random_range(0..=n / 5);
        let density = rng.random_range(0.01..0.4);
        let mut b = GraphBuilder::new();
        for i in 0..n {
            if rng.random_bool(grouped) {
                let group = format!("g{}", rng.random_range(0..=n / 3));
                b.add_request_in_group(format!("p{i}"), &group).unwrap();
            } else {
                b.add_request(format!("p{i}")).unwrap();
            }
        }
        for i in 0..offers {
            b.add_offer(format!("o{i}")).unwrap();
        }
        for u in 0..n + offers {
            for v in 0..n {
                if u != v && rng.random_bool(density) {
                    b.add_arc(VertexId(u as u32), VertexId(v as u32), 1.0)
                        .unwrap();
                }
            }
        }
        b.build().unwrap()
    }

    /// The local search's arc lookup (the bitsets, offers' rows included, and the weight
    /// without a lookup when every arc weighs the same, as under `count`) agrees with the
    /// graph on every ordered pair, under both objectives.
    #[test]
    fn the_local_search_s_arcs_are_the_graph_s() {
        let mut arcs_seen = 0;
        for seed in 0..80u64 {
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            let n = rng.random_range(2..=120usize);
            let offers = rng.random_range(0..=n / 4);
            let g = crate::solve::master::tests::random_graph(&mut rng, n, offers, 0.2);
            for objective in [Objective::Count, Objective::Weight] {
                let params = Params {
                    max_cycle: 3,
                    max_chain: 2,
                    objective,
                    ..Params::default()
                };
                let model = Model::new(&g, &params);
                let local = Local::new(&g, &model.bits, &model.prep.weight, 3, 2);
                for u in 0..(n + offers) as u32 {
                    for v in 0..(n + offers) as u32 {
                        let want = g.arc(VertexId(u), VertexId(v)).map(|a| match objective {
                            Objective::Count => 1.0,
                            Objective::Weight => a.weight,
                        });
                        assert_eq!(local.arc(u, v), want, "seed {seed} {objective:?} {u}->{v}");
                        arcs_seen += usize::from(want.is_some());
                    }
                }
            }
        }
        assert!(arcs_seen > 10_000, "{arcs_seen} arcs");
    }

    /// The stability centre made from the cover's certificate is feasible for every column of
    /// the search path's formulation (no cycle or chain column prices out under it, listed
    /// by the enumeration and the chain scan, not by the search that uses it), and its bound
    /// is at least the cover bound.
    #[test]
    fn the_cover_s_certificate_is_a_feasible_centre() {
        let clock = WallClock::new();
        let deadline = Deadline::new(&clock, None);
        let mut chains_checked = 0;
        for seed in 0..150u64 {
            let g = random_graph_grouped(seed, 0.0);
            for (k, l) in [(2, 0), (3, 1), (3, 3), (2, 4)] {
                let params = Params {
                    max_cycle: k,
                    max_chain: l,
                    ..Params::default()
                };
                assert!(super::super::cover::applies(&g, &params));
                let cover = super::super::cover::cover(&g, &params, &mut || false)
                    .unwrap_or_else(|| panic!("seed {seed}: the cover stopped"));
                cover.verify(&g, &params).unwrap();
                let model = Model::new(&g, &params);
                let center = model.center(&cover.vertex_duals(&g));
                assert!(
                    center.bound >= cover.value as f64 - 1e-9,
                    "seed {seed} K={k} L={l}: {} below the cover bound {}",
                    center.bound,
                    cover.value
                );
                assert!(center.duals.iter().all(|&y| y >= 0.0), "seed {seed}");
                let all = prep::prepare(&g, &params, &deadline)
                    .unwrap_or_else(|_| panic!("seed {seed}: the enumeration failed"));
                let rows = Rows::new(&g, &all, l);
                for id in 0..all.cycles.len() + all.chain_vars.len() {
                    let rc = rows.reduced_cost(&g, &all, id as ColId, &center.duals);
                    assert!(
                        rc <= 1e-9,
                        "seed {seed} K={k} L={l}: column {id} prices out ({rc})"
                    );
                }
                chains_checked += all.chain_vars.len();
            }
        }
        assert!(
            chains_checked > 1000,
            "{chains_checked} chain columns checked"
        );
    }

    /// The weight of the solution made of `keys`, after checking that it is one: its cycles
    /// and chains share no exclusive group, and each chain column after the first continues
    /// the chain's column before.
    fn feasible_weight(model: &Model, keys: &[Key], seed: u64) -> f64 {
        let g = model.graph;
        let group = |v: u32| g.vertices()[v as usize].group;
        let mut groups = HashSet::new();
        let mut entered: HashSet<(u32, u8)> = HashSet::new();
        let mut weight = 0.0;
        let mut chain_vars: Vec<ChainVar> = Vec::new();
        for key in keys {
            match *key {
                Key::Cycle(v, len) => {
                    for &u in &v[..len as usize] {
                        assert!(groups.insert(group(u)), "seed {seed}: a group twice");
                    }
                    weight += model.cycle_weight(&v[..len as usize]);
                }
                Key::Chain(i) => chain_vars.push(model.prep.chain_vars[i as usize]),
            }
        }
        chain_vars.sort_by_key(|cv| (cv.pos, cv.arc));
        for cv in &chain_vars {
            let a = g.arcs()[cv.arc as usize];
            if cv.pos == 1 {
                assert!(
                    groups.insert(group(a.from.0)),
                    "seed {seed}: an offer twice"
                );
            } else {
                assert!(
                    entered.contains(&(a.from.0, cv.pos - 1)),
                    "seed {seed}: a chain column continues nothing"
                );
            }
            assert!(groups.insert(group(a.to.0)), "seed {seed}: a group twice");
            entered.insert((a.to.0, cv.pos));
            weight += model.prep.weight[cv.arc as usize];
        }
        weight
    }

    /// Checks `packing` through its master keys (see [`feasible_weight`]) and that it is worth
    /// its columns' weight; returns the number of keys.
    fn check_packing(model: &Model, packing: &Packing, seed: u64) -> usize {
        let keys = model.keys(packing.columns());
        let weight = feasible_weight(model, &keys, seed);
        assert!(
            (packing.worth - weight).abs() < 1e-9,
            "seed {seed}: {} != {weight}",
            packing.worth
        );
        keys.len()
    }

    /// Every column `all` enumerates, cycles then chain columns, as master columns.
    fn all_columns(model: &Model, all: &Prepared) -> Vec<Priced> {
        let mut cols: Vec<Priced> = (0..all.cycles.len())
            .map(|i| Priced::new(0.0, Key::cycle(all.cycles.get(i)), all.cycles.weight[i]))
            .collect();
        cols.extend((0..model.prep.chain_vars.len()).map(|i| {
            let w = model.prep.weight[model.prep.chain_vars[i].arc as usize];
            Priced::new(0.0, Key::Chain(i as u32), w)
        }));
        cols
    }

    /// K in 2..=3, L in 0..=3, `weight` for every third seed and `count` otherwise.
    fn random_params(rng: &mut ChaCha8Rng, seed: u64) -> Params {
        Params {
            max_cycle: rng.random_range(2..=3),
            max_chain: rng.random_range(0..=3),
            objective: if seed.is_multiple_of(3) {
                Objective::Weight
            } else {
                Objective::Count
            },
            ..Params::default()
        }
    }

    /// Runs `check` on 150 random graphs with random parameters (`random_params`), each
    /// with its model, local search, random priorities, every column enumerated, and the
    /// generator that made them.
    fn for_local_cases(
        mut check: impl FnMut(u64, &Model, &Local, &[f64], &Prepared, &mut ChaCha8Rng),
    ) {
        let clock = WallClock::new();
        let deadline = Deadline::new(&clock, None);
        for seed in 0..150u64 {
            let g = random_graph(seed);
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            let params = random_params(&mut rng, seed);
            let model = Model::new(&g, &params);
            let local = Local::new(
                &g,
                &model.bits,
                &model.prep.weight,
                params.max_cycle,
                params.max_chain,
            );
            let priority: Vec<f64> = (0..g.vertices().len())
                .map(|_| rng.random_range(0.0..1.0))
                .collect();
            let all = prep::prepare(&g, &params, &deadline)
                .unwrap_or_else(|_| panic!("seed {seed}: the enumeration failed"));
            check(seed, &model, &local, &priority, &all, &mut rng);
        }
    }

    /// The local search keeps a packing feasible, worth what it says, and never worse; from
    /// the empty packing it finds a column whenever the graph has one (every cycle and chain
    /// of one, two or three requests is a move from one of its requests).
    #[test]
    fn the_local_search_improves_feasibly() {
        let clock = WallClock::new();
        let deadline = Deadline::new(&clock, None);
        let mut moves = 0;
        for_local_cases(|seed, model, local, priority, all, rng| {
            let mut empty = Packing::new(model.graph, Vec::new(), 0.0);
            moves += local
                .improve(&mut empty, priority, &deadline)
                .unwrap_or_else(|_| panic!("seed {seed}: stopped"));
            check_packing(model, &empty, seed);
            let any_column = all.cycles.len() > 0 || !all.chain_vars.is_empty();
            assert_eq!(empty.worth > 0.0, any_column, "seed {seed}");
            // From a rounding of random master values.
            let cols = all_columns(model, all);
            let x: Vec<f64> = cols.iter().map(|_| rng.random_range(0.0..1.0)).collect();
            let mut packing = model.rounded(&cols, &x);
            let before = packing.worth;
            moves += local
                .improve(&mut packing, priority, &deadline)
                .unwrap_or_else(|_| panic!("seed {seed}: stopped"));
            check_packing(model, &packing, seed);
            assert!(packing.worth >= before - 1e-9, "seed {seed}: worse");
        });
        assert!(moves > 300, "only {moves} moves");
    }

    /// Augmenting paths keep a packing feasible, worth what it says, and never worse; under
    /// the count objective none of the ends a path may take is left open afterwards (checked
    /// here on the graph's arcs, without the search's bit rows).
    #[test]
    fn augmenting_paths_leave_no_open_end() {
        let clock = WallClock::new();
        let deadline = Deadline::new(&clock, None);
        let mut paths = 0;
        for_local_cases(|seed, model, local, priority, all, rng| {
            let g = model.graph;
            let cols = all_columns(model, all);
            let x: Vec<f64> = cols.iter().map(|_| rng.random_range(0.0..1.0)).collect();
            for mut packing in [Packing::new(g, Vec::new(), 0.0), model.rounded(&cols, &x)] {
                let before = packing.worth;
                paths += local
                    .augment(&mut packing, priority, &deadline)
                    .unwrap_or_else(|_| panic!("seed {seed}: stopped"));
                check_packing(model, &packing, seed);
                assert!(packing.worth >= before - 1e-9, "seed {seed}: worse");
                if model.params.objective == Objective::Count {
                    if let Some(end) = open_end(g, model.params, &packing) {
                        panic!("seed {seed}: {end}");
                    }
                }
            }
        });
        assert!(paths > 500, "only {paths} paths");
    }

    /// Neighbourhoods of any size, as many as there are seeds.
    const UNBOUNDED: Sizes = Sizes {
        vertices: usize::MAX,
        arcs: usize::MAX,
        hoods: usize::MAX,
        idle: usize::MAX,
    };

    /// A start for large neighbourhoods: the rounding of random values on every column, and
    /// a support of every column (value 1), so that a neighbourhood can reach them all.
    fn lns_start(model: &Model, all: &Prepared, rng: &mut ChaCha8Rng) -> (Support, Packing) {
        let cols = all_columns(model, all);
        let x: Vec<f64> = cols.iter().map(|_| rng.random_range(0.0..1.0)).collect();
        let support = Support::new(
            model.graph.vertices().len(),
            cols.iter()
                .map(|p| (model.column_vertices(p), 1.0))
                .collect(),
        );
        (support, model.rounded(&cols, &x))
    }

    /// One pass of large neighbourhoods (`sizes`, nothing tried before, no time limit) on
    /// `packing`, checked feasible, worth what it says and never worse; how many improved it.
    fn lns_checked(
        model: &Model,
        local: &Local,
        support: &Support,
        packing: &mut Packing,
        sizes: &Sizes,
        seed: u64,
    ) -> usize {
        let clock = WallClock::new();
        let deadline = Deadline::new(&clock, None);
        let before = packing.worth;
        let improved = local
            .lns(
                packing,
                support,
                model.params,
                sizes,
                &mut Tried::default(),
                &deadline,
            )
            .unwrap_or_else(|_| panic!("seed {seed}: stopped"));
        check_packing(model, packing, seed);
        assert!(packing.worth >= before - 1e-9, "seed {seed}: worse");
        improved
    }

    /// Large neighbourhoods keep a packing feasible, worth what it says, and never worse.
    /// Grown along a support of every column, without a cap on their size, each one is a
    /// whole component of the graph (its columns and groups) solved exactly, so under the
    /// count objective the packing ends optimal (a component whose requests are all covered
    /// already is).
    #[test]
    fn large_neighbourhoods_solve_their_part_exactly() {
        let (mut improved, mut optimal) = (0, 0);
        for_local_cases(|seed, model, local, _priority, all, rng| {
            let g = model.graph;
            let (support, mut packing) = lns_start(model, all, rng);
            improved += lns_checked(model, local, &support, &mut packing, &UNBOUNDED, seed);
            // The oracle where the graph is small enough, the engine's own solve otherwise
            // (checked against the oracle by its own tests).
            let best = brute_force(g, model.params).unwrap_or_else(|| {
                crate::solve::solve(g, model.params)
                    .unwrap_or_else(|e| panic!("seed {seed}: {e}"))
                    .objective
            });
            assert!(
                packing.worth <= best + 1e-9,
                "seed {seed}: above the optimum"
            );
            if model.params.objective == Objective::Count {
                assert_eq!(packing.worth, best, "seed {seed}: not optimal");
                optimal += 1;
            }
        });
        assert!(improved > 50, "only {improved} improved");
        assert!(optimal >= 90, "only {optimal} count cases");
    }

    /// A neighbourhood stops growing at half the graph, and at [`HOOD_SIZES`]'s 400 vertices
    /// at the most: from 800 vertices on the sizes are [`HOOD_SIZES`]'s.
    #[test]
    fn a_neighbourhood_stops_growing_at_half_the_graph() {
        for (n, most) in [
            (1, 1),
            (2, 1),
            (81, 40),
            (799, 399),
            (800, 400),
            (10_526, 400),
        ] {
            let sizes = hood_sizes(n);
            assert_eq!(sizes.vertices, most, "{n} vertices");
            assert_eq!(
                (sizes.arcs, sizes.hoods, sizes.idle),
                (HOOD_SIZES.arcs, HOOD_SIZES.hoods, HOOD_SIZES.idle)
            );
        }
    }

    /// A neighbourhood over vertices solved before is taken from `Tried`, not solved again:
    /// a second pass from the same packing, carrying the first pass's `Tried` (its seeds
    /// marked, so grown from in another order), takes its neighbourhoods from it, solves no
    /// new one, and ends worth what the first ended worth, its packing feasible.
    #[test]
    fn neighbourhoods_solved_before_are_not_solved_again() {
        let mut remembered = 0;
        for_local_cases(|seed, model, local, _priority, all, rng| {
            let (support, start) = lns_start(model, all, rng);
            let clock = WallClock::new();
            let deadline = Deadline::new(&clock, None);
            let mut tried = Tried::default();
            let pass = |tried: &mut Tried| {
                let mut packing = start.clone();
                local
                    .lns(
                        &mut packing,
                        &support,
                        model.params,
                        &UNBOUNDED,
                        tried,
                        &deadline,
                    )
                    .unwrap_or_else(|_| panic!("seed {seed}: stopped"));
                check_packing(model, &packing, seed);
                packing.worth
            };
            let first = pass(&mut tried);
            let (solved, reused) = tried.solved_and_reused();
            let second = pass(&mut tried);
            let (solved_after, reused_after) = tried.solved_and_reused();
            assert_eq!(solved_after, solved, "seed {seed}: new neighbourhoods");
            // Every neighbourhood of the second pass is one of the first's.
            assert!(
                reused_after > reused || solved == 0,
                "seed {seed}: nothing reused"
            );
            assert!(
                (first - second).abs() < 1e-9,
                "seed {seed}: {first} then {second}"
            );
            remembered += solved;
        });
        assert!(
            remembered > 100,
            "only {remembered} neighbourhoods remembered"
        );
    }

    /// The loss places are exactly the columns worth less than their vertices' duals (by
    /// their smallest vertex) and the uncovered requests of positive dual, above `LOSS_TOL`,
    /// by decreasing loss; and large neighbourhoods grown from them first keep the packing
    /// feasible and never worse.
    #[test]
    fn loss_places_are_where_the_packing_loses_against_the_duals() {
        let (mut places, mut improved) = (0, 0);
        for_local_cases(|seed, model, local, priority, all, rng| {
            let g = model.graph;
            let (support, mut packing) = lns_start(model, all, rng);
            let support = support.with_duals(priority.to_vec());
            let mut expected: Vec<(f64, u32)> = Vec::new();
            let mut covered = vec![false; g.groups().len()];
            for c in packing.columns() {
                let chain = g.vertices()[c[0] as usize].kind == VertexKind::Offer;
                let arcs = if chain { c.len() - 1 } else { c.len() };
                let weight: f64 = (0..arcs)
                    .map(|j| {
                        let a = arc_index(g, c[j], c[(j + 1) % c.len()]).expect("an arc");
                        model.prep.weight[a]
                    })
                    .sum();
                let loss = c.iter().map(|&v| priority[v as usize]).sum::<f64>() - weight;
                if loss > 0.05 {
                    expected.push((loss, *c.iter().min().unwrap()));
                }
                for &v in c {
                    covered[g.vertices()[v as usize].group as usize] = true;
                }
            }
            for (v, vertex) in g.vertices().iter().enumerate() {
                if vertex.kind == VertexKind::Request
                    && !covered[vertex.group as usize]
                    && priority[v] > 0.05
                {
                    expected.push((priority[v], v as u32));
                }
            }
            expected.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
            let expected: Vec<u32> = expected.into_iter().map(|(_, v)| v).collect();
            assert_eq!(
                local.loss_seeds(&packing, priority),
                expected,
                "seed {seed}"
            );
            places += expected.len();
            improved += lns_checked(model, local, &support, &mut packing, &HOOD_SIZES, seed);
        });
        assert!(places > 300, "only {places} loss places");
        assert!(improved > 50, "only {improved} improved");
    }

    /// Duals proven feasible for every column (repaired, as column generation's centre):
    /// no cycle of a packing gains against them, a pass given them as its proof grows
    /// from their loss places, not from the master's duals' places, and they are the duals
    /// the polish takes its order from (`Support::best_duals`).
    #[test]
    fn a_pass_grows_from_where_the_packing_loses_against_proven_duals() {
        let clock = WallClock::new();
        let deadline = Deadline::new(&clock, None);
        let one = Sizes {
            hoods: 1,
            ..HOOD_SIZES
        };
        let (mut places, mut differs) = (0, 0);
        for_local_cases(|seed, model, local, priority, all, rng| {
            let g = model.graph;
            let mut rows = vec![0.0; model.rows.count];
            for (v, vertex) in g.vertices().iter().enumerate() {
                rows[vertex.group as usize] = priority[v];
            }
            let centre = model
                .repair(&deadline, &rows)
                .unwrap_or_else(|_| panic!("seed {seed}: stopped"));
            let proven: Vec<f64> = (g.vertices().iter())
                .map(|v| centre.duals[v.group as usize])
                .collect();
            let (support, start) = lns_start(model, all, rng);
            for c in start.columns() {
                if g.vertices()[c[0] as usize].kind == VertexKind::Request {
                    let loss =
                        c.iter().map(|&v| proven[v as usize]).sum::<f64>() - model.cycle_weight(c);
                    assert!(loss >= -1e-9, "seed {seed}: cycle {c:?} gains {loss}");
                }
            }
            places += local.loss_seeds(&start, &proven).len();
            // One neighbourhood, from the first loss place: the proof's, whatever the LP's.
            let grown = |support: &Support| {
                let mut packing = start.clone();
                lns_checked(model, local, support, &mut packing, &one, seed);
                packing.columns().map(<[u32]>::to_vec).collect::<Vec<_>>()
            };
            let lp = support.with_duals(priority.to_vec());
            assert_eq!(lp.best_duals(), Some(priority), "seed {seed}");
            let proof = lp.clone().with_proof(proven.clone());
            assert_eq!(proof.best_duals(), Some(&proven[..]), "seed {seed}");
            let with_proof = grown(&proof);
            assert_eq!(
                with_proof,
                grown(&lp.clone().with_duals(proven.clone())),
                "seed {seed}"
            );
            if with_proof != grown(&lp) {
                differs += 1;
            }
        });
        assert!(places > 100, "only {places} loss places");
        assert!(differs > 5, "the proof changed {differs} passes");
    }

    /// A seed whose neighbourhood improved nothing is grown from last in the next pass, and
    /// one whose neighbourhood improved the packing is not marked: one neighbourhood per
    /// pass, from the first seed, on every local case.
    #[test]
    fn large_neighbourhoods_go_on_to_untried_seeds() {
        let clock = WallClock::new();
        let deadline = Deadline::new(&clock, None);
        let one = Sizes {
            vertices: 6,
            arcs: usize::MAX,
            hoods: 1,
            idle: usize::MAX,
        };
        let (mut rotated, mut kept) = (0, 0);
        for_local_cases(|seed, model, local, _priority, all, rng| {
            let g = model.graph;
            let (support, mut packing) = lns_start(model, all, rng);
            let mut tried = Tried::default();
            let first = local.seeds(&packing, &support, &tried);
            let Some(&grown) = first.first() else {
                return;
            };
            let before = packing.worth;
            let improved = local
                .lns(
                    &mut packing,
                    &support,
                    model.params,
                    &one,
                    &mut tried,
                    &deadline,
                )
                .unwrap_or_else(|_| panic!("seed {seed}: stopped"));
            let next = local.seeds(&packing, &support, &tried);
            if improved == 0 {
                assert_eq!(packing.worth, before, "seed {seed}: changed");
                assert!(tried.contains(grown), "seed {seed}: {grown} not marked");
                let mut expected = first[1..].to_vec();
                expected.push(grown);
                assert_eq!(next, expected, "seed {seed}: not grown from last");
                rotated += 1;
            } else {
                assert!(packing.worth > before, "seed {seed}: no better");
                assert!(
                    (0..g.vertices().len() as u32).all(|v| !tried.contains(v)),
                    "seed {seed}: an improving seed marked"
                );
                kept += 1;
            }
        });
        assert!(
            rotated > 50 && kept > 5,
            "{rotated} rotated, {kept} improved"
        );
    }

    /// A way for an uncovered request to join `packing` displacing none, if there is one.
    fn open_end(g: &Graph, params: &Params, packing: &Packing) -> Option<String> {
        let group = |v: u32| g.vertices()[v as usize].group;
        let arc = |u: u32, v: u32| g.arc(VertexId(u), VertexId(v)).is_some();
        let used: HashSet<u32> = packing.columns().flatten().map(|&v| group(v)).collect();
        let uncovered = (0..g.vertices().len() as u32).filter(|&v| {
            g.vertices()[v as usize].kind == VertexKind::Request && !used.contains(&group(v))
        });
        for v in uncovered {
            for u in 0..g.vertices().len() as u32 {
                if used.contains(&group(u)) || group(u) == group(v) || !arc(u, v) {
                    continue;
                }
                let offer = g.vertices()[u as usize].kind == VertexKind::Offer;
                if offer && params.max_chain >= 1 {
                    return Some(format!("a new chain {u} -> {v}"));
                }
                if !offer && params.max_cycle >= 2 && arc(v, u) {
                    return Some(format!("a new 2-cycle {u}, {v}"));
                }
            }
            for c in packing.columns() {
                let chain = g.vertices()[c[0] as usize].kind == VertexKind::Offer;
                let room = if chain {
                    c.len() - 1 < params.max_chain
                } else {
                    c.len() < params.max_cycle
                };
                if !room {
                    continue;
                }
                if chain && arc(c[c.len() - 1], v) {
                    return Some(format!("{v} appended to {c:?}"));
                }
                let gaps = if chain { c.len() - 1 } else { c.len() };
                for i in 0..gaps {
                    if arc(c[i], v) && arc(v, c[(i + 1) % c.len()]) {
                        return Some(format!("{v} inserted into {c:?}"));
                    }
                }
            }
        }
        None
    }

    /// A path through two columns: `u` takes `b`'s place beside `a`, `b` takes `d`'s beside
    /// `c`, and `d` forms a 2-cycle with `e` (an augmenting path of a matching); the
    /// neighbourhoods of `Local::improve` (one in-neighbour's column and one more) miss it.
    #[test]
    fn an_augmenting_path_crosses_columns() {
        let mut b = GraphBuilder::new();
        let [u, a, bb, c, d, e] =
            ["u", "a", "b", "c", "d", "e"].map(|id| b.add_request(id).unwrap());
        for (x, y) in [(u, a), (a, bb), (bb, c), (c, d), (d, e)] {
            b.add_arc(x, y, 1.0).unwrap();
            b.add_arc(y, x, 1.0).unwrap();
        }
        let g = b.build().unwrap();
        let params = Params {
            max_cycle: 2,
            max_chain: 0,
            ..Params::default()
        };
        let model = Model::new(&g, &params);
        let local = Local::new(&g, &model.bits, &model.prep.weight, 2, 0);
        let clock = WallClock::new();
        let deadline = Deadline::new(&clock, None);
        let priority = vec![0.0; 6];
        let start = || Packing::new(&g, vec![vec![a.0, bb.0], vec![c.0, d.0]], 4.0);
        let mut improved = start();
        let moves = local
            .improve(&mut improved, &priority, &deadline)
            .unwrap_or_else(|_| panic!("stopped"));
        assert_eq!((moves, improved.worth), (0, 4.0));
        let mut augmented = start();
        let paths = local
            .augment(&mut augmented, &priority, &deadline)
            .unwrap_or_else(|_| panic!("stopped"));
        assert_eq!((paths, augmented.worth), (1, 6.0));
        check_packing(&model, &augmented, 0);
        let mut cols: Vec<Vec<u32>> = augmented
            .columns()
            .map(|c| {
                let mut c = c.to_vec();
                c.sort_unstable();
                c
            })
            .collect();
        cols.sort_unstable();
        assert_eq!(cols, [[u.0, a.0], [bb.0, c.0], [d.0, e.0]]);
    }

    /// Repaired duals are feasible for every column (each enumerated cycle and chain column
    /// prices at most 0), from any duals, so their bound is at least the optimum.
    #[test]
    fn repaired_duals_are_feasible() {
        let clock = WallClock::new();
        let deadline = Deadline::new(&clock, None);
        for seed in 0..150u64 {
            let g = random_graph(seed);
            let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x5eed);
            let params = random_params(&mut rng, seed);
            let model = Model::new(&g, &params);
            let duals: Vec<f64> = (0..model.rows.count)
                .map(|_| {
                    if rng.random_bool(0.3) {
                        0.0
                    } else {
                        rng.random_range(0.0..1.5)
                    }
                })
                .collect();
            let repaired = model
                .repair(&deadline, &duals)
                .unwrap_or_else(|_| panic!("seed {seed}: stopped"));
            let all = prep::prepare(&g, &params, &deadline)
                .unwrap_or_else(|_| panic!("seed {seed}: the enumeration failed"));
            let rows = Rows::new(&g, &all, params.max_chain);
            assert_eq!(rows.count, model.rows.count, "seed {seed}: the same rows");
            for id in 0..all.cycles.len() + all.chain_vars.len() {
                let rc = rows.reduced_cost(&g, &all, id as ColId, &repaired.duals);
                assert!(rc <= 1e-9, "seed {seed}: column {id} prices out ({rc})");
            }
            let raised = repaired.duals.iter().zip(&duals);
            for (r, (after, before)) in raised.take(model.rows.group_rows).enumerate() {
                assert!(after >= before, "seed {seed}: row {r} lowered");
            }
            let optimum = crate::solve(&g, &params).unwrap().objective;
            assert!(
                repaired.bound >= optimum - 1e-9,
                "seed {seed}: {} below the optimum {optimum}",
                repaired.bound
            );
        }
    }

    /// `Model::slack` is the largest reduced cost of the master's columns, or `PRICE_TOL`
    /// when that is larger; and with every column in the master, the bound under it holds
    /// whatever the duals (against the optimum): a PDLP master may leave its own columns
    /// above `PRICE_TOL`, which pricing skips.
    #[test]
    fn the_slack_covers_every_master_column() {
        let clock = WallClock::new();
        let deadline = Deadline::new(&clock, None);
        let mut above = 0;
        for seed in 0..150u64 {
            let g = random_graph(seed);
            let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x51ac);
            let params = random_params(&mut rng, seed);
            let model = Model::new(&g, &params);
            let all = prep::prepare(&g, &params, &deadline)
                .unwrap_or_else(|_| panic!("seed {seed}: the enumeration failed"));
            let rows = Rows::new(&g, &all, params.max_chain);
            assert_eq!(all.chain_vars, model.prep.chain_vars, "seed {seed}");
            let scale: f64 = rng.random_range(0.0..1.5);
            let duals: Vec<f64> = (0..rows.count)
                .map(|_| {
                    if rng.random_bool(0.3) {
                        0.0
                    } else {
                        rng.random_range(0.0..scale.max(1e-9))
                    }
                })
                .collect();
            let cycles = (0..all.cycles.len()).map(|i| {
                let key = Key::cycle(all.cycles.get(i));
                (i, Priced::new(0.0, key, all.cycles.weight[i]))
            });
            let chains = (0..all.chain_vars.len()).map(|i| {
                (
                    all.cycles.len() + i,
                    Priced::new(0.0, Key::Chain(i as u32), 1.0),
                )
            });
            let every: Vec<(usize, Priced)> = cycles.chain(chains).collect();
            let master: Vec<Priced> = every
                .iter()
                .filter(|_| rng.random_bool(0.5))
                .map(|&(_, p)| p)
                .collect();
            let rc = |id: usize| rows.reduced_cost(&g, &all, id as ColId, &duals);
            let keys: HashSet<Key> = master.iter().map(|p| p.key).collect();
            let most = every
                .iter()
                .filter(|(_, p)| keys.contains(&p.key))
                .map(|&(id, _)| rc(id))
                .fold(PRICE_TOL, f64::max);
            let slack = model.slack(&master, &duals);
            assert!(
                (slack - most).abs() <= 1e-9,
                "seed {seed}: slack {slack}, the master's largest reduced cost {most}"
            );
            let whole: Vec<Priced> = every.into_iter().map(|(_, p)| p).collect();
            let slack = model.slack(&whole, &duals);
            if slack > PRICE_TOL {
                above += 1;
            }
            let bound = dual_bound(&model.rows, &duals, slack);
            let optimum = crate::solve(&g, &params).unwrap().objective;
            assert!(
                bound >= optimum - 1e-9,
                "seed {seed}: the bound {bound} is below the optimum {optimum}"
            );
        }
        assert!(
            above >= 50,
            "only {above} of 150 masters left a column above PRICE_TOL"
        );
    }

    /// The chains behind the excess are exactly the best whole chains of positive reduced
    /// cost under the group duals (clipped at 0), against an enumeration of every chain:
    /// their first arcs are the first arcs that start a chain of reduced cost above
    /// `PRICE_TOL`; each later column continues one of them; at most one leaves a vertex at
    /// a position; and the chain each first arc leads is worth the best chain it starts.
    /// `with_excess` adds those not in the master nor offered, and none when too many.
    #[test]
    fn the_chains_behind_the_excess_are_the_best_whole_chains() {
        let (mut longer, mut gated, mut added) = (0, 0, 0);
        for seed in 0..200u64 {
            let g = random_graph(seed);
            let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0xe8ce55);
            let mut params = random_params(&mut rng, seed);
            params.max_chain = rng.random_range(1..=3);
            let model = Model::new(&g, &params);
            let (rows, vars) = (&model.rows, &model.prep.chain_vars);
            let duals: Vec<f64> = (0..rows.count)
                .map(|_| rng.random_range(-0.3..1.6))
                .collect();
            let y = |v: VertexId| duals[g.vertex(v).group as usize].max(0.0);
            let gain = |cv: &ChainVar| {
                let a = g.arcs()[cv.arc as usize];
                model.prep.weight[cv.arc as usize] - y(a.to)
            };
            // The chain columns leaving each vertex at each position, and the best chain
            // from each chain column on, by enumerating every chain.
            let mut leaving: std::collections::HashMap<(usize, u8), Vec<usize>> =
                Default::default();
            for (j, cv) in vars.iter().enumerate() {
                let from = g.arcs()[cv.arc as usize].from.index();
                leaving.entry((from, cv.pos)).or_default().push(j);
            }
            let next = |j: usize| -> &[usize] {
                let head = g.arcs()[vars[j].arc as usize].to.index();
                leaving.get(&(head, vars[j].pos + 1)).map_or(&[], |v| v)
            };
            fn best<'a>(
                j: usize,
                gain: &dyn Fn(usize) -> f64,
                next: &dyn Fn(usize) -> &'a [usize],
            ) -> f64 {
                let rest = next(j).iter().map(|&k| best(k, gain, next));
                gain(j) + rest.fold(0.0, f64::max)
            }
            let excess = model.excess_chains(&duals);
            let in_excess: HashSet<usize> = excess.iter().map(|&j| j as usize).collect();
            assert!(
                excess.windows(2).all(|w| w[0] < w[1]),
                "seed {seed}: sorted"
            );
            let mut leaves: HashSet<(usize, u8)> = HashSet::new();
            for &j in &excess {
                let (j, cv) = (j as usize, vars[j as usize]);
                let a = g.arcs()[cv.arc as usize];
                if cv.pos > 1 {
                    let continues = (0..vars.len()).any(|i| {
                        in_excess.contains(&i)
                            && vars[i].pos + 1 == cv.pos
                            && g.arcs()[vars[i].arc as usize].to == a.from
                    });
                    assert!(continues, "seed {seed}: column {j} continues nothing");
                    assert!(
                        leaves.insert((a.from.index(), cv.pos)),
                        "seed {seed}: two columns leave {} at {}",
                        a.from.index(),
                        cv.pos
                    );
                    longer += 1;
                }
            }
            for (i, cv) in vars.iter().enumerate().filter(|(_, cv)| cv.pos == 1) {
                let a = g.arcs()[cv.arc as usize];
                let whole = best(i, &|j| gain(&vars[j]), &next) - y(a.from);
                assert_eq!(
                    in_excess.contains(&i),
                    whole > PRICE_TOL,
                    "seed {seed}: first arc {i} starts chains worth {whole}"
                );
                if !in_excess.contains(&i) {
                    continue;
                }
                // The chain it leads within the excess.
                let (mut j, mut worth) = (i, -y(a.from));
                loop {
                    worth += gain(&vars[j]);
                    match next(j).iter().find(|k| in_excess.contains(k)) {
                        Some(&k) => j = k,
                        None => break,
                    }
                }
                assert!(
                    (worth - whole).abs() < 1e-9,
                    "seed {seed}: first arc {i} leads a chain worth {worth}, the best is {whole}"
                );
            }
            // What a round adds: the excess not in the master nor offered, unless too many.
            let keys: Vec<Key> = excess.iter().map(|&j| Key::Chain(j)).collect();
            let in_master: HashSet<Key> = keys.iter().copied().step_by(3).collect();
            // A round's columns come sorted by key (`Collector::finish`).
            let offered: Vec<Priced> = std::iter::once(Key::cycle(&[0, 1]))
                .chain(keys.iter().copied().skip(1).step_by(3))
                .map(|k| Priced::new(0.0, k, 1.0))
                .collect();
            let round = model.with_excess(&duals, &in_master, offered.clone());
            let got: Vec<Key> = round.iter().map(|p| p.key).collect();
            let mut want: Vec<Key> = offered.iter().map(|p| p.key).collect();
            if excess.len() <= Collector::extra(rows.count) {
                want.extend(keys.iter().skip(2).step_by(3));
                added += keys.len() / 3;
            } else {
                gated += 1;
            }
            want.sort_unstable();
            assert_eq!(got, want, "seed {seed}");
        }
        assert!(longer > 200, "only {longer} columns past the first arcs");
        assert!(
            added > 200 && gated > 0,
            "{added} added, {gated} rounds gated"
        );
    }

    /// A rounding of any master values is a feasible solution worth what it says: its cycles
    /// and chains share no exclusive group, each chain column after the first continues the
    /// chain's column before, and the worth is the weight of its columns.
    #[test]
    fn a_rounding_is_feasible() {
        let clock = WallClock::new();
        let deadline = Deadline::new(&clock, None);
        let mut taken = 0;
        for seed in 0..120u64 {
            let g = random_graph(seed);
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            let params = Params {
                max_cycle: 3,
                max_chain: rng.random_range(0..=3),
                ..Params::default()
            };
            let model = Model::new(&g, &params);
            let all = prep::prepare(&g, &params, &deadline)
                .unwrap_or_else(|_| panic!("seed {seed}: the enumeration failed"));
            let cols = all_columns(&model, &all);
            let x: Vec<f64> = cols
                .iter()
                .map(|_| {
                    if rng.random_bool(0.3) {
                        0.0
                    } else {
                        rng.random_range(0.0..1.0)
                    }
                })
                .collect();
            let packing = model.rounded(&cols, &x);
            taken += check_packing(&model, &packing, seed);
        }
        assert!(taken > 500, "only {taken} columns rounded in");
    }

    /// The up-front count agrees with the enumeration exactly: over the cap just when the
    /// enumeration lists more cycles than the cap, so a pool that enumerates keeps its path.
    #[test]
    fn the_cycle_count_is_the_enumerations() {
        let clock = WallClock::new();
        let deadline = Deadline::new(&clock, None);
        for seed in 0..200u64 {
            let g = random_graph(seed);
            for k in [2, 3] {
                let params = Params {
                    max_cycle: k,
                    max_chain: 0,
                    ..Params::default()
                };
                let listed = match prep::prepare(&g, &params, &deadline) {
                    Ok(prep) => prep.cycles.len(),
                    Err(_) => panic!("seed {seed} K={k}: the enumeration failed"),
                };
                for cap in [0, listed.saturating_sub(1), listed, listed + 1] {
                    let over = more_cycles_than(&g, k, cap, &deadline)
                        .unwrap_or_else(|_| panic!("seed {seed}: the count stopped"));
                    assert_eq!(
                        over,
                        listed > cap,
                        "seed {seed} K={k}: {listed} cycles enumerated, cap {cap}"
                    );
                }
            }
        }
    }
}
