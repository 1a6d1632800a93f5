//! Large neighbourhoods, each solved exactly by the engine itself.
//!
//! Near the optimum of a large pool the moves of [`Local::improve`] and the paths of
//! [`Local::augment`] stall: what separates the packing from an optimal one is a set of
//! coordinated changes across many columns. [`Local::lns`] follows them through the master
//! LP's support: from an uncovered request that the LP covers, it takes the LP's columns
//! through that request (largest value first), every vertex they hold, the other requests
//! of each one's group, and the packing's column through each of those groups, and goes on
//! from the vertices it added, until the
//! neighbourhood holds a set number of vertices. Those vertices' subgraph (every arc of the
//! pool between them, not only the LP's) is solved to optimality by the engine itself
//! ([`solve_forced`]: cycle enumeration, LP, MIP; never the search path, which would start
//! neighbourhoods of its own), on the caller's clock but with no limit of
//! its own, and its optimum replaces the packing's columns there when it is worth more. The
//! columns outside are untouched, so the packing stays feasible. Every column of the packing
//! that touches a vertex of the neighbourhood is inside it, so the neighbourhood's groups are
//! free for its new columns.
//!
//! Seeds are taken by decreasing LP cover. A pass stops after a run of neighbourhoods that
//! improve nothing, so each pass remembers those seeds ([`Tried`]) and the next pass, after
//! the next master, grows from the others first. It also remembers each neighbourhood's
//! optimum by its vertices, so that one grown again over the same vertices is not solved again.
//!
//! Given duals, a pass first grows from the places where the packing loses against them
//! ([`Local::loss_seeds`]): columns worth less than their vertices' duals and uncovered
//! requests of positive dual. A solution worth the duals' bound loses nothing, so those are
//! the places an optimal solution must differ from the packing. The duals are the best ones
//! proven feasible for every column so far (column generation's stability centre,
//! [`Support::with_proof`]), else the master's: growing from the master's loss places took
//! the sparse 10,000-pair pool at 120 s from 9,705 to 9,708 (BENCHMARKS.md, "twelfth
//! pass"), and from the centre's to 9,710, its optimum, which the bound then proves
//! ("thirteenth pass").
//!
//! This is large neighbourhood search (Shaw 1998) with the neighbourhoods chosen by the LP,
//! as in relaxation-induced neighbourhoods (Danna, Rothberg and Le Pape 2005): the master's
//! support is where an optimal solution differs from the packing.

use std::collections::HashMap;

use super::{Local, Packing, NONE};
use crate::graph::{Graph, GraphBuilder, VertexId, VertexKind};
use crate::params::Params;
use crate::solve::{solve_forced, Deadline, RootLp, Stop};

/// The least loss (in objective units) that makes a place of the packing a seed
/// ([`Local::loss_seeds`]): the master's duals come from an interior-point method, and
/// smaller differences are mostly its tolerance.
const LOSS_TOL: f64 = 0.05;

/// The time limit of a neighbourhood's solve: a bound never reached on the caller's clock
/// (a polish's clock reads zero until it is halted).
const NO_LIMIT: std::time::Duration = std::time::Duration::from_secs(1 << 30);

/// The columns of an LP solution as the vertices they join (a cycle's requests, a chain
/// arc's two ends), each vertex's columns by decreasing value; and, when known, the LP's
/// duals (one per vertex, its group's).
#[derive(Clone)]
pub(in crate::solve) struct Support {
    cols: Vec<Vec<u32>>,
    by_vertex: Vec<Vec<u32>>,
    /// Each vertex's LP cover: the sum of the values of its columns.
    cover: Vec<f64>,
    duals: Option<Vec<f64>>,
    proof: Option<Vec<f64>>,
}

impl Support {
    /// The support of `columns` (vertices, value) on a graph of `n` vertices; columns of
    /// value 0 are left out.
    pub(in crate::solve) fn new(n: usize, mut columns: Vec<(Vec<u32>, f64)>) -> Support {
        columns.retain(|(_, x)| *x > 1e-6);
        // By decreasing value, ties by vertices: each vertex's list in that order.
        columns.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        let mut by_vertex = vec![Vec::new(); n];
        let mut cover = vec![0.0; n];
        for (j, (verts, x)) in columns.iter().enumerate() {
            for &v in verts {
                by_vertex[v as usize].push(j as u32);
                cover[v as usize] += x;
            }
        }
        Support {
            cols: columns.into_iter().map(|(v, _)| v).collect(),
            by_vertex,
            cover,
            duals: None,
            proof: None,
        }
    }

    /// The same support with the LP's duals `y` (one per vertex, its group's), from whose
    /// loss places [`Local::lns`] grows first.
    pub(in crate::solve) fn with_duals(self, y: Vec<f64>) -> Support {
        Support {
            duals: Some(y),
            ..self
        }
    }

    /// The same support with duals `y` feasible for every column of the pool (one per vertex,
    /// its group's: the stability centre of column generation, whose objective is a proven
    /// bound), against which [`Local::lns`] finds the loss places instead of the LP's.
    ///
    /// Under such duals no cycle gains (its loss is its reduced cost negated, at least 0), so
    /// the places split the gap between the bound and the packing's worth, in whole units
    /// where the duals are integral. The master's own duals, an interior point's, are
    /// infeasible for the columns it lacks and spread over a wide optimal face: losses there
    /// sit beside gains, and on the sparse 10,000-pair pool the last 2.0 of loss resisted
    /// every pass grown from them, where the centre's places led to a packing worth 9,710,
    /// the bound (BENCHMARKS.md, "thirteenth pass").
    pub(in crate::solve) fn with_proof(self, y: Vec<f64>) -> Support {
        Support {
            proof: Some(y),
            ..self
        }
    }

    /// The best duals known, one per vertex: [`Support::with_proof`]'s, else the LP's
    /// ([`Support::with_duals`]). The loss places are measured against them, and the polish
    /// beside the master takes its order from them ([`Local::polish`]'s `priority`): from
    /// the centre's duals rather than the master's, the sparse 10,000-pair pool's packing
    /// reached its optimum, 9,710, two masters earlier (BENCHMARKS.md, "fourteenth pass").
    pub(in crate::solve) fn best_duals(&self) -> Option<&[f64]> {
        self.proof.as_deref().or(self.duals.as_deref())
    }
}

/// How a neighbourhood may grow, and how many are solved.
#[derive(Debug, Clone, Copy)]
pub(in crate::solve) struct Sizes {
    /// A neighbourhood stops growing at this many vertices...
    pub vertices: usize,
    /// ... or this many arcs between them (on dense pools, before the vertices).
    pub arcs: usize,
    /// At most this many neighbourhoods are solved...
    pub hoods: usize,
    /// ... and none after this many in a row improved nothing.
    pub idle: usize,
}

/// What passes of [`Local::lns`] carry from one to the next.
///
/// The seeds whose neighbourhood improved nothing, which later passes grow from last (they are
/// reordered, never dropped). A pass is cut short by its limits ([`Sizes`]), so starting again
/// from the same seeds would mostly solve again neighbourhoods that paid nothing. On the sparse
/// 10,000-pair pool at 120 s, the passes after the fourth master found 2 and 1 improvements
/// this way against 0 and 1 without, and the solve ended at 9,704 against 9,703
/// (BENCHMARKS.md, "Issue 12, tenth pass").
///
/// And the neighbourhoods solved so far, by their sorted vertices, with the optimum's
/// columns: a neighbourhood grown again over the same vertices (from another seed, in another
/// order) is not solved again. The columns are an optimum of the same subgraph, so worth what
/// solving again would give; a solve in the other order might have picked another optimum of
/// equal worth, so only ties can go another way, and the run stays deterministic (on the
/// medium-graph tests and the sparse 10,000-pair pool every result was identical). On a
/// small pool a neighbourhood holds most of the graph and every pass grows it again: the
/// search path's tests solved such neighbourhoods some twenty times a solve (BENCHMARKS.md,
/// "The test run: large neighbourhoods solved once").
#[derive(Debug, Clone, Default)]
pub(in crate::solve) struct Tried {
    seeds: Vec<bool>,
    solved: HashMap<Vec<u32>, Vec<Vec<u32>>>,
    /// How many neighbourhoods were taken from `solved` rather than solved.
    reused: usize,
}

/// At most this many solved neighbourhoods are remembered (at most 400 vertices each and
/// their columns: a few megabytes); later ones are solved, not remembered.
const SOLVED_KEPT: usize = 1024;

impl Tried {
    /// Whether a neighbourhood grown from `v` has improved nothing.
    pub(in crate::solve) fn contains(&self, v: u32) -> bool {
        self.seeds.get(v as usize).copied().unwrap_or(false)
    }

    /// How many solved neighbourhoods are remembered, and how many were taken from them.
    #[cfg(test)]
    pub(in crate::solve) fn solved_and_reused(&self) -> (usize, usize) {
        (self.solved.len(), self.reused)
    }

    /// Records that a neighbourhood grown from `v` improved nothing.
    fn mark(&mut self, v: u32) {
        let v = v as usize;
        if v >= self.seeds.len() {
            self.seeds.resize(v + 1, false);
        }
        self.seeds[v] = true;
    }
}

/// A neighbourhood: its vertices, the packing's columns among them, a mark and a bit per
/// vertex, and the number of arcs between its vertices.
struct Hood {
    verts: Vec<u32>,
    slots: Vec<u32>,
    mark: Vec<u32>,
    id: u32,
    /// The requests among `verts`, as a bitset over the graph's vertices.
    requests: Vec<u64>,
    arcs: usize,
}

impl Hood {
    /// Empties the neighbourhood and gives it a new `id`.
    fn clear(&mut self, id: u32) {
        for &v in &self.verts {
            self.requests[v as usize / 64] = 0;
        }
        self.verts.clear();
        self.slots.clear();
        self.arcs = 0;
        self.id = id;
    }

    /// Adds `v`, the other requests of its group, and the packing's column through the
    /// group.
    fn add(&mut self, local: &Local, p: &Packing, v: u32) {
        self.put(local, v);
        let group = local.group_of(v);
        for &m in &local.members[group] {
            self.put(local, m);
        }
        let slot = p.owner[group];
        if slot != NONE && !self.slots.contains(&slot) {
            self.slots.push(slot);
            for &w in &p.cols[slot as usize] {
                self.put(local, w);
            }
        }
    }

    /// Adds vertex `w` alone, counting its arcs with the vertices already in.
    fn put(&mut self, local: &Local, w: u32) {
        if self.mark[w as usize] == self.id {
            return;
        }
        let count = |row: &[u64]| -> usize {
            row.iter()
                .zip(&self.requests)
                .map(|(a, b)| (a & b).count_ones() as usize)
                .sum()
        };
        if local.is_offer(w) {
            self.arcs += local
                .graph
                .out_arcs(VertexId(w))
                .iter()
                .filter(|a| self.mark[a.to.index()] == self.id)
                .count();
        } else {
            let bits = local.bits;
            self.arcs += count(bits.out_row(w as usize)) + count(bits.in_row(w as usize));
            self.arcs += local.offers_in[w as usize]
                .iter()
                .filter(|&&o| self.mark[o as usize] == self.id)
                .count();
            self.requests[w as usize / 64] |= 1 << (w % 64);
        }
        self.mark[w as usize] = self.id;
        self.verts.push(w);
    }

    fn full(&self, sizes: &Sizes) -> bool {
        self.verts.len() >= sizes.vertices || self.arcs >= sizes.arcs
    }
}

impl Local<'_> {
    /// Improves `p` by exact solves of large neighbourhoods grown along the LP's `support`
    /// (see the module notes), as large and as many as `sizes` says; returns how many
    /// improved `p`. When `support` holds the LP's duals, the places where `p` loses
    /// against them are grown from first ([`Local::loss_seeds`]; they count towards
    /// `sizes.hoods`, but not towards the run of idle neighbourhoods that ends a pass, and
    /// are not remembered as `tried`: the next pass's duals give other places).
    ///
    /// Deterministic: the seeds (the loss places, then uncovered requests by decreasing LP
    /// cover, then index), the growth and the exact solves all go in a fixed order; only
    /// `deadline` (checked between neighbourhoods) stops it early.
    pub(in crate::solve) fn lns(
        &self,
        p: &mut Packing,
        support: &Support,
        params: &Params,
        sizes: &Sizes,
        tried: &mut Tried,
        deadline: &Deadline,
    ) -> Result<usize, Stop> {
        let n = self.graph.vertices().len();
        let mut seeds = (support.best_duals())
            .map(|y| self.loss_seeds(p, y))
            .unwrap_or_default();
        let losses = seeds.len();
        seeds.extend(self.seeds(p, support, tried));
        let mut hood = Hood {
            verts: Vec::new(),
            slots: Vec::new(),
            mark: vec![u32::MAX; n],
            id: 0,
            requests: vec![0; self.bits.words],
            arcs: 0,
        };
        // Seeds already inside an earlier neighbourhood are not grown from again.
        let mut seen = vec![false; n];
        let (mut hoods, mut improved, mut idle) = (0, 0, 0);
        for (i, &seed) in seeds.iter().enumerate() {
            if hoods == sizes.hoods || idle == sizes.idle {
                break;
            }
            // (A loss place may be covered; the other seeds are uncovered requests, and one
            // that an earlier neighbourhood covered is skipped.)
            if seen[seed as usize] || (i >= losses && p.owner[self.group_of(seed)] != NONE) {
                continue;
            }
            deadline.check()?;
            hood.clear(hoods as u32);
            hood.add(self, p, seed);
            let mut at = 0;
            'grow: while at < hood.verts.len() {
                let v = hood.verts[at];
                at += 1;
                for &c in &support.by_vertex[v as usize] {
                    for &w in &support.cols[c as usize] {
                        hood.add(self, p, w);
                    }
                    if hood.full(sizes) {
                        break 'grow;
                    }
                }
            }
            hoods += 1;
            for &v in &hood.verts {
                seen[v as usize] = true;
            }
            if self.solve_hood(p, &hood, params, deadline, tried) {
                improved += 1;
                idle = 0;
            } else if i >= losses {
                tried.mark(seed);
                idle += 1;
            }
        }
        Ok(improved)
    }

    /// The places where `p` loses against the duals `y` (one per vertex, its group's), by
    /// decreasing loss, then by vertex: the smallest vertex of each column worth less than
    /// its vertices' duals, and each uncovered request of positive dual. A solution worth
    /// the duals' bound loses nothing anywhere, so these are where `p` must change.
    pub(in crate::solve) fn loss_seeds(&self, p: &Packing, y: &[f64]) -> Vec<u32> {
        let mut found: Vec<(f64, u32)> = Vec::new();
        // The loss in cycles, in chains and in uncovered requests (for the log).
        let mut kinds = [0.0; 3];
        for c in p.cols.iter().filter(|c| !c.is_empty()) {
            let loss = c.iter().map(|&v| y[v as usize]).sum::<f64>() - self.column_weight(c);
            if loss > LOSS_TOL {
                found.push((loss, *c.iter().min().expect("a column")));
                kinds[usize::from(self.is_offer(c[0]))] += loss;
                tracing::trace!(
                    loss,
                    column = ?c,
                    duals = ?c.iter().map(|&v| y[v as usize]).collect::<Vec<_>>(),
                    "local search: a column that loses against the duals"
                );
            }
        }
        for v in 0..self.graph.vertices().len() as u32 {
            if !self.is_offer(v) && p.owner[self.group_of(v)] == NONE && y[v as usize] > LOSS_TOL {
                found.push((y[v as usize], v));
                kinds[2] += y[v as usize];
            }
        }
        found.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        tracing::debug!(
            places = found.len(),
            loss = found.iter().map(|f| f.0).sum::<f64>(),
            in_cycles = kinds[0],
            in_chains = kinds[1],
            uncovered = kinds[2],
            "local search: where the packing loses against the duals"
        );
        found.into_iter().map(|(_, v)| v).collect()
    }

    /// The seeds of a pass in the order they are grown from: the requests that `p` leaves
    /// uncovered and `support` covers, those not `tried` before first, each part by
    /// decreasing LP cover, then by index.
    pub(in crate::solve) fn seeds(
        &self,
        p: &Packing,
        support: &Support,
        tried: &Tried,
    ) -> Vec<u32> {
        let n = self.graph.vertices().len();
        let mut seeds: Vec<u32> = (0..n as u32)
            .filter(|&v| {
                !self.is_offer(v)
                    && p.owner[self.group_of(v)] == NONE
                    && support.cover[v as usize] > 1e-6
            })
            .collect();
        seeds.sort_by(|&a, &b| {
            tried.contains(a).cmp(&tried.contains(b)).then(
                support.cover[b as usize]
                    .total_cmp(&support.cover[a as usize])
                    .then(a.cmp(&b)),
            )
        });
        seeds
    }

    /// Solves `hood`'s subgraph exactly (or takes its optimum from `tried`, if solved
    /// before); replaces its columns in `p` and returns true when the optimum is worth more.
    fn solve_hood(
        &self,
        p: &mut Packing,
        hood: &Hood,
        params: &Params,
        deadline: &Deadline,
        tried: &mut Tried,
    ) -> bool {
        let mut key = hood.verts.clone();
        key.sort_unstable();
        let chosen = match tried.solved.get(&key) {
            Some(chosen) => {
                tried.reused += 1;
                chosen.clone()
            }
            None => {
                let Some(chosen) = self.solve_subgraph(hood, params, deadline) else {
                    return false;
                };
                if tried.solved.len() < SOLVED_KEPT {
                    tried.solved.insert(key, chosen.clone());
                }
                chosen
            }
        };
        let old: f64 = hood
            .slots
            .iter()
            .map(|&s| self.column_weight(&p.cols[s as usize]))
            .sum();
        let new: f64 = chosen.iter().map(|c| self.column_weight(c)).sum();
        tracing::debug!(
            vertices = hood.verts.len(),
            arcs = hood.arcs,
            old,
            new,
            "local search: a large neighbourhood solved"
        );
        if new <= old + 1e-9 {
            return false;
        }
        self.replace(p, &hood.slots, chosen, new - old);
        true
    }

    /// The columns of an optimum of `hood`'s subgraph, in the graph's vertices; `None` if it
    /// was not solved to its end (`deadline`).
    fn solve_subgraph(
        &self,
        hood: &Hood,
        params: &Params,
        deadline: &Deadline,
    ) -> Option<Vec<Vec<u32>>> {
        let sub = subgraph(self.graph, &hood.verts, &hood.mark, hood.id)?;
        debug_assert_eq!(sub.arcs().len(), hood.arcs, "the arcs counted as it grew");
        // No time limit of its own, on the caller's clock: one that only stops when the
        // caller's does (the polish's `Halt`), so HiGHS gets a limit it never reaches.
        let params = Params {
            time_limit: Some(NO_LIMIT),
            ..params.clone()
        };
        // By enumeration only: the search path would solve this neighbourhood with
        // neighbourhoods of its own, and a neighbourhood as large as its graph (a small pool
        // under a tight memory limit) without end.
        let solution =
            solve_forced(&sub, &params, RootLp::Enumerate, deadline.clock, &|_| {}).ok()?;
        let back =
            |c: &Vec<VertexId>| -> Vec<u32> { c.iter().map(|v| hood.verts[v.index()]).collect() };
        Some(
            solution
                .cycles
                .iter()
                .chain(&solution.chains)
                .map(back)
                .collect(),
        )
    }
}

/// The subgraph of `verts` (those marked `id`): vertex `i` is `verts[i]`, with its kind and
/// group, and every arc of `graph` between them. `None` if it cannot be built.
fn subgraph(graph: &Graph, verts: &[u32], mark: &[u32], id: u32) -> Option<Graph> {
    let mut b = GraphBuilder::new();
    let mut index = HashMap::with_capacity(verts.len());
    for (i, &v) in verts.iter().enumerate() {
        let vertex = &graph.vertices()[v as usize];
        let name = i.to_string();
        let sub = match vertex.kind {
            VertexKind::Offer => b.add_offer(name),
            VertexKind::Request => b.add_request_in_group(name, &vertex.group.to_string()),
        }
        .ok()?;
        index.insert(v, sub);
    }
    for &v in verts {
        for a in graph.out_arcs(VertexId(v)) {
            if mark[a.to.index()] == id {
                b.add_arc(index[&v], index[&a.to.0], a.weight).ok()?;
            }
        }
    }
    b.build().ok()
}
