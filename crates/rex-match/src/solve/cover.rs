//! The cover bound: the most requests that cycles and chains of *any* length can fulfil, with
//! its duals as a certificate; and the sparse subgraph of its tight arcs.
//!
//! # The bound
//!
//! Without length caps, kidney exchange is an assignment problem (Roth, Sönmez and Ünver
//! 2004): every vertex's giving side (a *row*) is assigned to one receiving side (a
//! *column*). A request's row goes to a request it has an arc into (cost 0), to its own column
//! (it takes no part, cost 1) or to one of the *end slots* (a chain ends with it, cost 1); an
//! offer's row goes to a request it has an arc into (cost 0, only when chains are allowed) or
//! to an end slot (it is not used, cost 1). There is one end slot per offer. A perfect
//! assignment of cost `c` is a set of cycles and of chains from offers fulfilling `N - c`
//! requests (`N` vertices), and every set of vertex-disjoint cycles and chains from offers is
//! one, whatever their lengths. So `N - min cost` bounds the optimum of the `count` objective
//! for every K and L, when no exclusive group holds two vertices (a group would let two of
//! its requests receive here).
//!
//! The assignment is solved exactly by the Hungarian method in phases: Hopcroft–Karp on the
//! arcs of reduced cost 0 until no augmenting path is left, then one Dijkstra (on buckets:
//! costs and reduced costs are small integers) from every unassigned row that raises the
//! potentials by the distance to the nearest free column, and again, until every row is
//! assigned. Potentials `alpha` (rows) and `beta` (columns) keep every reduced cost
//! `cost - alpha - beta` at least 0, and 0 on the assignment.
//!
//! # The certificate
//!
//! Every solution (any K and L) is a perfect assignment of cost `N - value`: its chains' last
//! requests and the unused offers, one per offer in all, take the end slots. So by weak duality
//! any potentials with every reduced cost `cost - alpha - beta >= 0` bound the value by
//! `N - (sum alpha + sum beta)`; the optimal assignment's potentials reach its own value.
//! [`Cover::verify`] checks exactly this on every option of every row before the bound is
//! used, so a bound that reaches a solver's result is proven by the duals it comes with, not
//! by trusting this code.
//!
//! # The packing
//!
//! By complementary slackness a solution worth the bound uses only tight arcs and covers
//! every request whose dual `y(v) = 1 - alpha(v) - beta(v)` is positive. [`Cover::pack`]
//! builds one greedily on bitsets of the tight arcs (K <= 3): those requests hardest first,
//! each into a tight 2- or 3-cycle of uncovered requests, then a tight chain from each offer,
//! then a second pass, then a repair of each such request still uncovered (one packed cycle
//! exchanged for a cycle through it, the requests it leaves covered again where they can be;
//! kept only when more requests are covered). On the three dense pools of 10,000 pairs
//! measured it reaches the bound (the third only with the repair); on smaller pools it often
//! falls a little short, and the subgraph below takes over.
//!
//! # The subgraph
//!
//! Any solution worth the bound is an optimal assignment, so by complementary slackness it
//! uses only *tight* arcs, `alpha(u) + beta(v) = 0`. On dense pools most arcs are tight, but a
//! few dozen per vertex are enough to hold a solution: [`sparse_arcs`] keeps, for each
//! vertex, a fixed number of its tight out-arcs and in-arcs, chosen by a fixed hash of the arc,
//! plus the assignment's own arcs. Its exact optimum, if it reaches the bound, is optimal for
//! the whole graph.

use crate::graph::{Graph, VertexKind};
use crate::params::Params;

/// No row or column.
const NONE: u32 = u32::MAX;

/// Unreached, in a search.
const FAR: u32 = u32::MAX;

/// The optimal assignment and its duals.
pub(super) struct Cover {
    /// Requests fulfilled by the best cover with cycles and chains of any length.
    pub value: usize,
    /// Row potentials, per vertex.
    alpha: Vec<i64>,
    /// Column potentials: per vertex (requests), then one per end slot.
    beta: Vec<i64>,
    /// The column each row is assigned to.
    row_col: Vec<u32>,
}

/// The assignment problem of a graph (see the module notes).
struct Problem<'a> {
    graph: &'a Graph,
    /// Vertices: rows `0..n`, request columns `0..n`, end slots `n..n + slots`.
    n: usize,
    slots: usize,
    chains: bool,
    is_request: Vec<bool>,
}

impl<'a> Problem<'a> {
    fn new(graph: &'a Graph, params: &Params) -> Self {
        let n = graph.vertices().len();
        let is_request: Vec<bool> = graph
            .vertices()
            .iter()
            .map(|v| v.kind == VertexKind::Request)
            .collect();
        Problem {
            graph,
            n,
            slots: n - is_request.iter().filter(|&&r| r).count(),
            chains: params.max_chain > 0,
            is_request,
        }
    }

    /// Calls `f(column, cost)` for each column row `r` may be assigned to.
    #[inline]
    fn each(&self, r: usize, mut f: impl FnMut(u32, i64)) {
        if self.is_request[r] || self.chains {
            for a in self.graph.out_arcs(crate::graph::VertexId(r as u32)) {
                f(a.to.0, 0);
            }
        }
        if self.is_request[r] {
            f(r as u32, 1);
        }
        for s in 0..self.slots {
            f((self.n + s) as u32, 1);
        }
    }

    fn columns(&self) -> usize {
        self.n + self.slots
    }
}

/// Whether the cover bound applies: the `count` objective and no exclusive group of several
/// vertices.
pub(super) fn applies(graph: &Graph, params: &Params) -> bool {
    params.objective == crate::params::Objective::Count
        && graph.group_sizes().iter().all(|&size| size == 1)
}

/// Solves the assignment problem of `graph` (see the module notes). `stop` is polled between
/// phases; `None` when it asked to stop.
pub(super) fn cover(
    graph: &Graph,
    params: &Params,
    stop: &mut dyn FnMut() -> bool,
) -> Option<Cover> {
    let p = Problem::new(graph, params);
    let n = p.n;
    let mut s = State {
        alpha: vec![0; n],
        beta: vec![0; p.columns()],
        row_col: vec![NONE; n],
        col_row: vec![NONE; p.columns()],
        layer: vec![FAR; n],
        next: vec![0; n],
    };
    loop {
        // Hopcroft–Karp on the arcs of reduced cost 0.
        loop {
            if stop() {
                return None;
            }
            if !s.augment_all(&p) {
                break;
            }
        }
        if s.row_col.iter().all(|&c| c != NONE) {
            break;
        }
        if stop() {
            return None;
        }
        s.raise(&p);
    }
    let cost: i64 = (0..n)
        .map(|r| {
            let c = s.row_col[r] as usize;
            i64::from(!(c < n && c != r))
        })
        .sum();
    Some(Cover {
        value: n - cost as usize,
        alpha: s.alpha,
        beta: s.beta,
        row_col: s.row_col,
    })
}

/// The assignment under way.
struct State {
    alpha: Vec<i64>,
    beta: Vec<i64>,
    row_col: Vec<u32>,
    col_row: Vec<u32>,
    /// Hopcroft–Karp layer of each row in the current phase.
    layer: Vec<u32>,
    /// Next option each row's depth-first search tries, in the current phase.
    next: Vec<u32>,
}

impl State {
    fn reduced(&self, r: usize, c: u32, cost: i64) -> i64 {
        cost - self.alpha[r] - self.beta[c as usize]
    }

    /// One Hopcroft–Karp phase on the arcs of reduced cost 0: layers by breadth-first search
    /// from every unassigned row, then augmenting paths along the layers. Whether it augmented.
    fn augment_all(&mut self, p: &Problem) -> bool {
        self.layer.fill(FAR);
        let mut queue: Vec<u32> = Vec::new();
        for r in 0..p.n {
            if self.row_col[r] == NONE {
                self.layer[r] = 0;
                queue.push(r as u32);
            }
        }
        let mut limit = FAR;
        let mut head = 0;
        let mut grow: Vec<u32> = Vec::new();
        while head < queue.len() {
            let r = queue[head] as usize;
            head += 1;
            let l = self.layer[r];
            if l >= limit {
                continue;
            }
            let own = self.row_col[r];
            grow.clear();
            p.each(r, |c, cost| {
                if c == own || self.reduced(r, c, cost) != 0 {
                    return;
                }
                match self.col_row[c as usize] {
                    NONE => limit = limit.min(l + 1),
                    r2 => grow.push(r2),
                }
            });
            for &r2 in &grow {
                if self.layer[r2 as usize] == FAR {
                    self.layer[r2 as usize] = l + 1;
                    queue.push(r2);
                }
            }
        }
        if limit == FAR {
            return false;
        }
        self.next.fill(0);
        let mut augmented = false;
        for r0 in 0..p.n {
            if self.row_col[r0] == NONE && self.layer[r0] == 0 {
                augmented |= self.path_from(p, r0, limit);
            }
        }
        augmented
    }

    /// The `k`-th option of row `r`, in the order of [`Problem::each`].
    fn option(p: &Problem, r: usize, k: usize) -> Option<(u32, i64)> {
        let mut k = k;
        if p.is_request[r] || p.chains {
            let out = p.graph.out_arcs(crate::graph::VertexId(r as u32));
            if k < out.len() {
                return Some((out[k].to.0, 0));
            }
            k -= out.len();
        }
        if p.is_request[r] {
            if k == 0 {
                return Some((r as u32, 1));
            }
            k -= 1;
        }
        (k < p.slots).then(|| ((p.n + k) as u32, 1))
    }

    /// Depth-first search for one augmenting path from `r0` along the layers, ending at a free
    /// column one layer below `limit`; augments along it.
    fn path_from(&mut self, p: &Problem, r0: usize, limit: u32) -> bool {
        let mut rows: Vec<usize> = vec![r0];
        let mut cols: Vec<u32> = Vec::new();
        while let Some(&r) = rows.last() {
            let mut step = None;
            while let Some((c, cost)) = Self::option(p, r, self.next[r] as usize) {
                self.next[r] += 1;
                if c == self.row_col[r] || self.reduced(r, c, cost) != 0 {
                    continue;
                }
                match self.col_row[c as usize] {
                    NONE if self.layer[r] + 1 == limit => {
                        step = Some((c, None));
                        break;
                    }
                    NONE => {}
                    r2 if self.layer[r2 as usize] == self.layer[r] + 1 => {
                        step = Some((c, Some(r2 as usize)));
                        break;
                    }
                    _ => {}
                }
            }
            match step {
                Some((c, None)) => {
                    cols.push(c);
                    for (&r, &c) in rows.iter().zip(&cols) {
                        self.row_col[r] = c;
                        self.col_row[c as usize] = r as u32;
                        self.layer[r] = FAR;
                    }
                    return true;
                }
                Some((c, Some(r2))) => {
                    cols.push(c);
                    rows.push(r2);
                }
                None => {
                    self.layer[r] = FAR;
                    rows.pop();
                    cols.pop();
                }
            }
        }
        false
    }

    /// The dual step: Dijkstra on reduced costs from every unassigned row; potentials move by
    /// the distance to the nearest free column, so that a path of reduced cost 0 appears.
    fn raise(&mut self, p: &Problem) {
        let mut row_dist = vec![FAR; p.n];
        let mut col_dist = vec![FAR; p.columns()];
        let mut buckets: Vec<Vec<u32>> = vec![Vec::new()];
        for (r, dist) in row_dist.iter_mut().enumerate() {
            if self.row_col[r] == NONE {
                *dist = 0;
                buckets[0].push(r as u32);
            }
        }
        let mut delta = FAR;
        let mut d = 0usize;
        let mut reach: Vec<(u32, u32)> = Vec::new();
        while d < buckets.len() && (d as u32) < delta {
            // (Rows reached at distance `d` itself join this bucket while it is worked off.)
            while let Some(r) = buckets[d].pop() {
                let r = r as usize;
                if row_dist[r] != d as u32 {
                    continue;
                }
                let own = self.row_col[r];
                reach.clear();
                p.each(r, |c, cost| {
                    if c == own {
                        return;
                    }
                    let nd = d as i64 + self.reduced(r, c, cost);
                    debug_assert!(nd >= d as i64, "a negative reduced cost");
                    if nd < i64::from(delta) && (nd as u32) < col_dist[c as usize] {
                        reach.push((c, nd as u32));
                    }
                });
                for &(c, nd) in &reach {
                    if nd >= col_dist[c as usize] || nd >= delta {
                        continue;
                    }
                    col_dist[c as usize] = nd;
                    match self.col_row[c as usize] {
                        NONE => delta = nd,
                        r2 => {
                            let r2 = r2 as usize;
                            if nd < row_dist[r2] {
                                row_dist[r2] = nd;
                                if buckets.len() <= nd as usize {
                                    buckets.resize(nd as usize + 1, Vec::new());
                                }
                                buckets[nd as usize].push(r2 as u32);
                            }
                        }
                    }
                }
            }
            d += 1;
        }
        assert!(delta != FAR, "a perfect assignment always exists");
        let delta = i64::from(delta);
        for (r, &dr) in row_dist.iter().enumerate() {
            if i64::from(dr) < delta {
                self.alpha[r] += delta - i64::from(dr);
            }
        }
        for (c, &dc) in col_dist.iter().enumerate() {
            if i64::from(dc) < delta {
                self.beta[c] -= delta - i64::from(dc);
            }
        }
    }
}

impl Cover {
    /// Checks the certificate on every arc (see the module notes): every reduced cost at least
    /// 0, 0 on the assignment, the assignment perfect, and the duals' value equal to its cost.
    /// A bound that passes is proven whatever computed it.
    pub(super) fn verify(&self, graph: &Graph, params: &Params) -> Result<(), String> {
        let p = Problem::new(graph, params);
        let n = p.n;
        if self.alpha.len() != n || self.beta.len() != p.columns() || self.row_col.len() != n {
            return Err("the cover's duals do not match the graph".into());
        }
        let mut taken = vec![false; p.columns()];
        let mut cost = 0i64;
        for r in 0..n {
            let mut assigned = None;
            let mut negative = false;
            p.each(r, |c, k| {
                let reduced = k - self.alpha[r] - self.beta[c as usize];
                negative |= reduced < 0;
                if c == self.row_col[r] {
                    assigned = Some((k, reduced));
                }
            });
            if negative {
                return Err(format!(
                    "the cover's duals leave row {r} a negative reduced cost"
                ));
            }
            match assigned {
                Some((k, 0)) if !std::mem::replace(&mut taken[self.row_col[r] as usize], true) => {
                    cost += k
                }
                _ => return Err(format!("row {r} is not assigned at reduced cost 0")),
            }
        }
        let duals: i64 = self.alpha.iter().sum::<i64>()
            + (0..p.columns())
                .filter(|&c| taken[c])
                .map(|c| self.beta[c])
                .sum::<i64>();
        if duals != cost || n as i64 - cost != self.value as i64 {
            return Err(format!(
                "the cover's duals are worth {duals}, its assignment costs {cost}"
            ));
        }
        Ok(())
    }

    /// The certificate as duals of the cycle formulation, one per vertex: `y(v) = 1 -
    /// alpha(v) - beta(v)` for a request, `1 - alpha(v) - min(beta(slot))` for an offer, all
    /// `>= 0` (a request's own column and an offer's end slots cost 1).
    ///
    /// No cycle or chain has a positive reduced cost under them: a cycle's `y` sum to its
    /// length less the reduced costs `-alpha(u) - beta(v) >= 0` of its arcs; a chain (or any
    /// walk) from an offer `o` whose last request `z` could take an end slot `e` sums to its
    /// arcs plus those of its arcs and `1 - alpha(z) - beta(e) >= 0`, plus `beta(e) -
    /// min(beta(slot)) >= 0`. Their sum is the bound, or more when the slots' potentials
    /// differ.
    pub(super) fn vertex_duals(&self, graph: &Graph) -> Vec<f64> {
        let n = graph.vertices().len();
        let slot_min = self.beta[n..].iter().copied().min().unwrap_or(0);
        (0..n)
            .map(|v| {
                let beta = match graph.vertices()[v].kind {
                    VertexKind::Request => self.beta[v],
                    VertexKind::Offer => slot_min,
                };
                (1 - self.alpha[v] - beta) as f64
            })
            .collect()
    }

    /// Whether the arc `from -> to` is tight: only tight arcs carry a solution worth the bound.
    fn tight(&self, from: u32, to: u32) -> bool {
        self.alpha[from as usize] + self.beta[to as usize] == 0
    }

    /// The arcs (indices into [`Graph::arcs`]) of the sparse subgraph: the assignment's own
    /// arcs, and for each vertex about `degree` of its tight out-arcs and of its tight
    /// in-arcs, chosen by a fixed hash of the arc (each tight arc is kept when its hash falls
    /// under `degree / tight degree` at its tail or at its head).
    pub(super) fn sparse_arcs(&self, graph: &Graph, degree: u64) -> Vec<usize> {
        let n = graph.vertices().len();
        let mut out_tight = vec![0u64; n];
        let mut in_tight = vec![0u64; n];
        for a in graph.arcs() {
            if self.tight(a.from.0, a.to.0) {
                out_tight[a.from.index()] += 1;
                in_tight[a.to.index()] += 1;
            }
        }
        let under = |h: u64, tight: u64| tight <= degree || h % tight < degree;
        graph
            .arcs()
            .iter()
            .enumerate()
            .filter(|(_, a)| {
                let (u, v) = (a.from.0, a.to.0);
                self.row_col[u as usize] == v
                    || (self.tight(u, v) && {
                        let h = scramble(u64::from(u) << 32 | u64::from(v));
                        under(h, out_tight[u as usize]) || under(h >> 32, in_tight[v as usize])
                    })
            })
            .map(|(i, _)| i)
            .collect()
    }
}

/// A greedy packing of tight cycles and chains (see [`Cover::pack`]).
pub(super) struct Packing {
    /// Cycles, each from its smallest vertex, in order.
    pub cycles: Vec<Vec<crate::graph::VertexId>>,
    /// Chains, each from its offer, in order.
    pub chains: Vec<Vec<crate::graph::VertexId>>,
}

/// Candidate cycles a repair tries through one uncovered request, at most.
const REPAIR_TRIES: usize = 4096;

/// Free requests a repair's candidate cycle may take, per way through a dissolved cycle.
const REPAIR_PARTNERS: usize = 2;

impl Cover {
    /// The memory of [`Cover::pack`]'s bitsets of tight arcs, in bytes.
    pub(super) fn packing_bytes(graph: &Graph) -> u64 {
        let n = graph.vertices().len() as u64;
        2 * n * n.div_ceil(64) * 8
    }

    /// A solution built greedily from tight arcs only, for cycles of at most 3 arcs: requests
    /// whose dual `y` is positive (every solution worth the bound covers them) are taken
    /// hardest first (fewest tight arcs), each into a tight 2- or 3-cycle of uncovered
    /// requests; then each offer starts the longest tight chain of uncovered requests it can,
    /// ending where a chain may end at reduced cost 0; then the requests still uncovered get
    /// a second try at a cycle, and then a *repair*: a tight cycle through the request that
    /// takes requests of one packed cycle, which is dissolved, its other requests covered
    /// again by tight cycles of uncovered requests, kept when that covers more requests than
    /// before. Its value is checked by the caller against the bound. `stop` is polled between
    /// repairs; stopped, it returns what it has.
    pub(super) fn pack(
        &self,
        graph: &Graph,
        params: &Params,
        stop: &mut dyn FnMut() -> bool,
    ) -> Packing {
        use crate::graph::VertexId;
        let mut p = Packer::new(self, graph, params);
        let n = graph.vertices().len();
        let y = |v: usize| 1 - self.alpha[v] - self.beta[v];
        let mut must: Vec<usize> = (0..n).filter(|&v| p.request(v) && y(v) > 0).collect();
        must.sort_by_key(|&v| (p.degree[v], scramble(v as u64)));
        p.cycle_pass(&must);
        p.chain_pass();
        p.cycle_pass(&must);
        for &v in &must {
            if bit(&p.free, v) {
                if stop() {
                    break;
                }
                p.repair(v);
            }
        }
        let ids = |vs: Vec<usize>| vs.into_iter().map(|u| VertexId(u as u32)).collect();
        let mut packing = Packing {
            cycles: p
                .cycles
                .into_iter()
                .filter(|c| !c.is_empty())
                .map(|mut c| {
                    let first = (0..c.len()).min_by_key(|&i| c[i]).unwrap_or(0);
                    c.rotate_left(first);
                    ids(c)
                })
                .collect(),
            chains: p.chains.into_iter().map(ids).collect(),
        };
        packing.cycles.sort();
        packing.chains.sort();
        packing
    }
}

/// Whether bit `v` is set.
fn bit(bits: &[u64], v: usize) -> bool {
    bits[v / 64] >> (v % 64) & 1 == 1
}

/// Sets bit `v` to `on`.
fn put(bits: &mut [u64], v: usize, on: bool) {
    if on {
        bits[v / 64] |= 1 << (v % 64);
    } else {
        bits[v / 64] &= !(1 << (v % 64));
    }
}

/// The bits set in `bits`, in order.
fn ones(bits: impl IntoIterator<Item = u64>) -> impl Iterator<Item = usize> {
    bits.into_iter().enumerate().flat_map(|(w, mut word)| {
        std::iter::from_fn(move || {
            (word != 0).then(|| {
                let b = word.trailing_zeros() as usize;
                word &= word - 1;
                w * 64 + b
            })
        })
    })
}

/// [`Cover::pack`] under way: the tight arcs as bitsets and what is packed so far.
struct Packer<'a> {
    cover: &'a Cover,
    graph: &'a Graph,
    params: &'a Params,
    words: usize,
    /// Row `u`: the tight successors of `u`.
    out: Vec<u64>,
    /// Row `v`: the tight predecessors of `v`.
    inn: Vec<u64>,
    /// Tight arcs at each vertex, both ways.
    degree: Vec<u32>,
    /// The requests no cycle or chain covers.
    free: Vec<u64>,
    /// The cycle (index into `cycles`) each request is in, or `NONE`.
    owner: Vec<u32>,
    /// The cycles packed; a repair empties the one it dissolves.
    cycles: Vec<Vec<usize>>,
    chains: Vec<Vec<usize>>,
}

impl<'a> Packer<'a> {
    fn new(cover: &'a Cover, graph: &'a Graph, params: &'a Params) -> Self {
        let n = graph.vertices().len();
        let words = n.div_ceil(64);
        let mut out = vec![0u64; n * words];
        let mut inn = vec![0u64; n * words];
        let mut degree = vec![0u32; n];
        for a in graph.arcs() {
            let (u, v) = (a.from.index(), a.to.index());
            if cover.tight(a.from.0, a.to.0) {
                put(&mut out[u * words..], v, true);
                put(&mut inn[v * words..], u, true);
                degree[u] += 1;
                degree[v] += 1;
            }
        }
        let mut free = vec![0u64; words];
        for v in 0..n {
            if graph.vertices()[v].kind == VertexKind::Request {
                put(&mut free, v, true);
            }
        }
        Packer {
            cover,
            graph,
            params,
            words,
            out,
            inn,
            degree,
            free,
            owner: vec![NONE; n],
            cycles: Vec::new(),
            chains: Vec::new(),
        }
    }

    fn request(&self, v: usize) -> bool {
        self.graph.vertices()[v].kind == VertexKind::Request
    }

    fn out(&self, u: usize) -> &[u64] {
        &self.out[u * self.words..(u + 1) * self.words]
    }

    fn inn(&self, v: usize) -> &[u64] {
        &self.inn[v * self.words..(v + 1) * self.words]
    }

    /// The first tight cycle (in bit order) of at most K arcs through `v` whose other
    /// requests are all in `allowed`, from `v`.
    fn cycle_in(&self, v: usize, allowed: &[u64]) -> Option<Vec<usize>> {
        if self.params.max_cycle < 2 {
            return None;
        }
        let iv = self.inn(v);
        for b in ones(self.out(v).iter().zip(allowed).map(|(o, a)| o & a)) {
            if bit(iv, b) {
                return Some(vec![v, b]);
            }
            if self.params.max_cycle >= 3 {
                let ob = self.out(b);
                let both = (0..self.words).map(|x| ob[x] & iv[x] & allowed[x]);
                if let Some(c) = ones(both).next() {
                    return Some(vec![v, b, c]);
                }
            }
        }
        None
    }

    /// Packs `cycle` (its requests free).
    fn add_cycle(&mut self, cycle: Vec<usize>) {
        for &u in &cycle {
            put(&mut self.free, u, false);
            self.owner[u] = self.cycles.len() as u32;
        }
        self.cycles.push(cycle);
    }

    /// Each request of `must` still free, in order, into the first tight cycle of free
    /// requests through it.
    fn cycle_pass(&mut self, must: &[usize]) {
        for &v in must {
            if bit(&self.free, v) {
                if let Some(cycle) = self.cycle_in(v, &self.free) {
                    self.add_cycle(cycle);
                }
            }
        }
    }

    /// From each offer, the longest tight chain of free requests found that ends where a
    /// chain may end at reduced cost 0.
    fn chain_pass(&mut self) {
        if self.params.max_chain == 0 {
            return;
        }
        for o in 0..self.graph.vertices().len() {
            if self.request(o) {
                continue;
            }
            let mut best: Vec<usize> = Vec::new();
            let mut path = vec![o];
            self.extend_chain(&mut path, &mut best);
            if best.len() > 1 {
                for &u in &best[1..] {
                    put(&mut self.free, u, false);
                }
                self.chains.push(best);
            }
        }
    }

    /// Whether a chain may end at `v` at reduced cost 0 (its row on an end slot).
    fn ends_here(&self, v: usize) -> bool {
        let (n, c) = (self.graph.vertices().len(), self.cover);
        (n..c.beta.len()).any(|s| c.alpha[v] + c.beta[s] == 1)
    }

    /// Depth-first search for [`Packer::chain_pass`]: tries at most four tight successors of
    /// free requests at each step.
    fn extend_chain(&self, path: &mut Vec<usize>, best: &mut Vec<usize>) {
        let last = path[path.len() - 1];
        if path.len() > best.len() && (path.len() == 1 || self.ends_here(last)) {
            best.clone_from(path);
        }
        if path.len() > self.params.max_chain || best.len() == self.params.max_chain + 1 {
            return;
        }
        let next: Vec<usize> = self
            .graph
            .out_arcs(crate::graph::VertexId(last as u32))
            .iter()
            .map(|a| a.to.index())
            .filter(|&v| bit(&self.free, v) && !path.contains(&v) && bit(self.out(last), v))
            .take(4)
            .collect();
        for v in next {
            path.push(v);
            self.extend_chain(path, best);
            path.pop();
        }
    }

    /// Tries to cover the free request `v` by dissolving one packed cycle `C` next to it: a
    /// tight cycle through `v` of free requests and requests of `C`, then tight cycles of free
    /// requests through each request of `C` left out. Kept, and `true`, when that covers more
    /// requests than `C` did; otherwise nothing changes. At most [`REPAIR_TRIES`] candidates.
    fn repair(&mut self, v: usize) -> bool {
        let mut seen: Vec<u32> = Vec::new();
        let near = ones(self.out(v).iter().zip(self.inn(v)).map(|(o, i)| o | i));
        let dissolvable: Vec<u32> = near
            .filter_map(|u| (self.owner[u] != NONE).then_some(self.owner[u]))
            .filter(|&c| {
                let new = !seen.contains(&c);
                if new {
                    seen.push(c);
                }
                new
            })
            .collect();
        let mut tries = 0;
        for c in dissolvable {
            for candidate in self.through(v, c as usize) {
                if tries == REPAIR_TRIES {
                    return false;
                }
                tries += 1;
                if self.exchange(c as usize, candidate) {
                    return true;
                }
            }
        }
        false
    }

    /// The tight cycles through the free request `v` that take at least one request of
    /// cycle `c` and otherwise free requests (at most [`REPAIR_PARTNERS`] choices of each
    /// free one), from `v`.
    fn through(&self, v: usize, c: usize) -> Vec<Vec<usize>> {
        let k = self.params.max_cycle;
        let (ov, iv) = (self.out(v), self.inn(v));
        let mut found = Vec::new();
        for &a in &self.cycles[c] {
            if k >= 2 && bit(ov, a) && bit(iv, a) {
                found.push(vec![v, a]);
            }
            if k < 3 {
                continue;
            }
            let (oa, ia) = (self.out(a), self.inn(a));
            for &a2 in &self.cycles[c] {
                if a2 != a && bit(ov, a) && bit(oa, a2) && bit(iv, a2) {
                    found.push(vec![v, a, a2]);
                }
            }
            if bit(ov, a) {
                let after = (0..self.words).map(|x| oa[x] & iv[x] & self.free[x]);
                found.extend(ones(after).take(REPAIR_PARTNERS).map(|x| vec![v, a, x]));
            }
            if bit(iv, a) {
                let before = (0..self.words).map(|x| ov[x] & ia[x] & self.free[x]);
                found.extend(ones(before).take(REPAIR_PARTNERS).map(|x| vec![v, x, a]));
            }
        }
        found
    }

    /// Dissolves cycle `c` for `candidate` and covers its requests left out again where it can;
    /// kept when that covers more requests than before.
    fn exchange(&mut self, c: usize, candidate: Vec<usize>) -> bool {
        let saved = self.free.clone();
        for &u in &self.cycles[c] {
            put(&mut self.free, u, true);
        }
        for &u in &candidate {
            put(&mut self.free, u, false);
        }
        let mut gained = candidate.len() as i64 - self.cycles[c].len() as i64;
        let mut again = Vec::new();
        for &u in &self.cycles[c] {
            if bit(&self.free, u) {
                if let Some(cycle) = self.cycle_in(u, &self.free) {
                    for &w in &cycle {
                        put(&mut self.free, w, false);
                    }
                    gained += cycle.len() as i64;
                    again.push(cycle);
                }
            }
        }
        if gained <= 0 {
            self.free = saved;
            return false;
        }
        for u in std::mem::take(&mut self.cycles[c]) {
            self.owner[u] = NONE;
        }
        for cycle in std::iter::once(candidate).chain(again) {
            self.add_cycle(cycle);
        }
        true
    }
}

/// A fixed bijective mix of 64 bits (splitmix64's finaliser), so that the arcs kept do not
/// depend on vertex numbering patterns.
fn scramble(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::GraphBuilder;
    use crate::oracle::brute_force;
    use crate::params::{Objective, MAX_CYCLE_CAP};
    use rand::{RngExt, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    /// A random graph of 2 to 8 vertices, 0 to 3 of them offers, arcs of a random density.
    fn random(seed: u64) -> Graph {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let n = rng.random_range(2..=8usize);
        let offers = rng.random_range(0..=3usize.min(n - 1));
        let density = rng.random_range(0.1..0.7);
        let mut b = GraphBuilder::new();
        let ids: Vec<_> = (0..n)
            .map(|i| {
                if i < offers {
                    b.add_offer(format!("o{i}")).unwrap()
                } else {
                    b.add_request(format!("r{i}")).unwrap()
                }
            })
            .collect();
        for &u in &ids {
            for &v in &ids[offers..] {
                if u != v && rng.random_bool(density) {
                    b.add_arc(u, v, 1.0).unwrap();
                }
            }
        }
        b.build().unwrap()
    }

    fn params(max_cycle: usize, max_chain: usize) -> Params {
        Params {
            max_cycle,
            max_chain,
            objective: Objective::Count,
            ..Params::default()
        }
    }

    fn solved(g: &Graph, p: &Params) -> Cover {
        let cover = cover(g, p, &mut || false).expect("never asked to stop");
        cover.verify(g, p).expect("the certificate holds");
        cover
    }

    /// The cover bound is the optimum with cycles and chains as long as the graph allows
    /// (the oracle's, with every cap at the number of vertices), with and without chains, and
    /// its duals pass the check.
    #[test]
    fn the_cover_is_the_optimum_of_unbounded_cycles_and_chains() {
        for seed in 0..400 {
            let g = random(seed);
            let n = g.vertices().len();
            for chains in [n, 0] {
                let p = params(n.clamp(2, MAX_CYCLE_CAP), chains);
                let expected = brute_force(&g, &p).expect("small enough for the oracle");
                let got = solved(&g, &p).value as f64;
                assert_eq!(got, expected, "seed {seed}, chains {chains}");
            }
        }
    }

    /// Bent duals fail the check: a negative reduced cost, or an assignment arc that is not
    /// tight.
    #[test]
    fn the_check_refuses_bent_duals() {
        let mut refused = 0;
        for seed in 0..100 {
            let g = random(seed);
            let p = params(3, 3);
            let good = solved(&g, &p);
            for r in 0..g.vertices().len() {
                for delta in [1, -1] {
                    let mut bent = Cover {
                        value: good.value,
                        alpha: good.alpha.clone(),
                        beta: good.beta.clone(),
                        row_col: good.row_col.clone(),
                    };
                    bent.alpha[r] += delta;
                    assert!(
                        bent.verify(&g, &p).is_err(),
                        "seed {seed} row {r} {delta:+}"
                    );
                    refused += 1;
                }
            }
            let mut claimed = Cover {
                value: good.value + 1,
                alpha: good.alpha.clone(),
                beta: good.beta.clone(),
                row_col: good.row_col.clone(),
            };
            assert!(
                claimed.verify(&g, &p).is_err(),
                "seed {seed}: a value above its duals"
            );
            claimed.value = good.value;
            assert!(claimed.verify(&g, &p).is_ok());
        }
        assert!(refused > 100);
    }

    /// The sparse subgraph keeps the assignment's arcs and only tight arcs, and keeps every
    /// tight arc of a vertex whose tight degree is within the limit.
    #[test]
    fn the_sparse_subgraph_keeps_the_assignment_and_tight_arcs() {
        for seed in 0..200 {
            let g = random(seed);
            let p = params(3, 3);
            let c = solved(&g, &p);
            for degree in [0, 1, 2, 100] {
                let kept = c.sparse_arcs(&g, degree);
                for (i, a) in g.arcs().iter().enumerate() {
                    let on_assignment = c.row_col[a.from.index()] == a.to.0;
                    let is_kept = kept.binary_search(&i).is_ok();
                    if on_assignment {
                        assert!(is_kept, "seed {seed}: an assignment arc dropped");
                    }
                    if is_kept {
                        assert!(c.tight(a.from.0, a.to.0), "seed {seed}: a slack arc kept");
                    }
                    if degree == 100 && c.tight(a.from.0, a.to.0) {
                        assert!(is_kept, "seed {seed}: a tight arc dropped under the limit");
                    }
                }
            }
        }
    }

    /// A graph of requests only, with the arcs `arcs`.
    fn requests(n: usize, arcs: &[(usize, usize)]) -> Graph {
        let mut b = GraphBuilder::new();
        let ids: Vec<_> = (0..n)
            .map(|i| b.add_request(format!("r{i}")).unwrap())
            .collect();
        for &(u, v) in arcs {
            b.add_arc(ids[u], ids[v], 1.0).unwrap();
        }
        b.build().unwrap()
    }

    /// The cycles packed, each from its smallest request, in order.
    fn packed(p: &Packer) -> Vec<Vec<usize>> {
        let mut cycles: Vec<Vec<usize>> = p
            .cycles
            .iter()
            .filter(|c| !c.is_empty())
            .map(|c| {
                let mut c = c.clone();
                let first = (0..c.len()).min_by_key(|&i| c[i]).unwrap();
                c.rotate_left(first);
                c
            })
            .collect();
        cycles.sort();
        cycles
    }

    /// A packed cycle that blocks a request is exchanged for one through it, and what it
    /// leaves out is covered again; where nothing is gained, nothing changes.
    #[test]
    fn a_repair_exchanges_a_blocking_cycle_only_for_a_gain() {
        // 1 -> 2 -> 3 -> 1 blocks 0, which has only the 2-cycle with 1; 2 and 3 also form one.
        let arcs = [(1, 2), (2, 3), (3, 1), (0, 1), (1, 0), (3, 2)];
        let g = requests(4, &arcs);
        let prm = params(3, 0);
        let c = solved(&g, &prm);
        assert_eq!(c.value, 4);
        let mut p = Packer::new(&c, &g, &prm);
        p.add_cycle(vec![1, 2, 3]);
        assert!(p.repair(0));
        assert_eq!(packed(&p), vec![vec![0, 1], vec![2, 3]]);
        assert!(ones(p.free.iter().copied()).next().is_none());
        // Without 3 -> 2, dissolving 1 -> 2 -> 3 covers 2 where it covered 3: kept as it was.
        let g = requests(4, &arcs[..5]);
        let c = solved(&g, &prm);
        let mut p = Packer::new(&c, &g, &prm);
        p.add_cycle(vec![1, 2, 3]);
        assert!(!p.repair(0));
        assert_eq!(packed(&p), vec![vec![1, 2, 3]]);
        assert_eq!(ones(p.free.iter().copied()).collect::<Vec<_>>(), vec![0]);
    }

    /// On random graphs the packing is a feasible solution of tight arcs only, worth at most
    /// the bound.
    #[test]
    fn the_packing_is_feasible_and_tight() {
        for seed in 0..400 {
            let g = random(seed);
            for prm in [params(3, 3), params(2, 0), params(3, 0)] {
                let c = solved(&g, &prm);
                let packing = c.pack(&g, &prm, &mut || false);
                let sets = packing.cycles.iter().chain(&packing.chains);
                let count: usize = packing.cycles.iter().map(Vec::len).sum::<usize>()
                    + packing.chains.iter().map(|ch| ch.len() - 1).sum::<usize>();
                let solution = crate::Solution {
                    cycles: packing.cycles.clone(),
                    chains: packing.chains.clone(),
                    objective: count as f64,
                    bound: count as f64,
                    status: crate::Status::Optimal,
                    stats: Default::default(),
                };
                crate::oracle::check_solution(&g, &prm, &solution)
                    .unwrap_or_else(|e| panic!("seed {seed}: {e}"));
                for set in sets {
                    for w in set.windows(2) {
                        assert!(c.tight(w[0].0, w[1].0), "seed {seed}: a slack arc");
                    }
                }
                for cycle in &packing.cycles {
                    let (last, first) = (cycle[cycle.len() - 1], cycle[0]);
                    assert!(c.tight(last.0, first.0), "seed {seed}: a slack arc");
                }
                assert!(count <= c.value, "seed {seed}: above the bound");
            }
        }
    }

    /// Asked to stop, it stops.
    #[test]
    fn it_stops_when_asked() {
        let g = random(7);
        assert!(cover(&g, &params(3, 3), &mut || true).is_none());
    }
}
