//! Pairs only under the `weight` objective: a maximum-weight matching of the mutual pairs.
//!
//! The primal-dual blossom algorithm of Edmonds (1965) in the O(n^3) form of Galil (1986,
//! "Efficient algorithms for finding maximum matching in graphs", section 3): a stage grows
//! alternating trees from every free vertex over tight edges (slack 0 under the current
//! duals), shrinks odd cycles into blossoms and expands them again, and changes the duals by
//! the largest step that keeps them feasible, until it augments the matching or the free
//! vertices' duals reach 0, which proves the matching optimal. Edge weights are integers here
//! (the solver uses this path only when every arc weight is an integer), so all arithmetic is
//! exact: vertex duals are kept doubled, and the slack between two outer vertices is even.
//!
//! Stages start from a greedy matching of the heaviest edges (see `State::greedy_start`). The
//! time limit is checked between stages: a stopped solve returns its matching with the duals'
//! objective as bound (they are feasible at every stage).
//!
//! The proof is checked at the end, independently of the algorithm's bookkeeping: the duals
//! (a value per vertex, one per blossom) must satisfy every edge's constraint, and their
//! objective, an upper bound on every matching's weight by LP duality over the matching
//! polytope, must equal the matching's weight.

use crate::graph::Graph;

const NONE: u32 = u32::MAX;
const FREE: u8 = 0;
const OUTER: u8 = 1;
const INNER: u8 = 2;

/// A maximum-weight matching and its proof.
pub(crate) struct WeightedMatching {
    /// The matched pairs `(u, v)`, `u < v`, sorted.
    pub(crate) pairs: Vec<(u32, u32)>,
    /// Total weight of the matched edges.
    pub(crate) weight: i64,
    /// The duals' objective, rounded down: an upper bound on every matching's weight, equal
    /// to `weight` when `optimal`.
    pub(crate) bound: i64,
    /// Whether the algorithm ran to its end (else `stop` cut it short between two stages).
    pub(crate) optimal: bool,
}

/// The mutual pairs of `graph` worth more than 0 as weighted edges `(u, v, w_uv + w_vu)`, `u <
/// v`, in canonical order, over the graph's vertex indices (`n` = the number of vertices). The
/// caller has checked that every weight is an integer of moderate size.
pub(crate) fn pair_edges(graph: &Graph) -> (usize, Vec<(u32, u32, i64)>) {
    let mut edges = Vec::new();
    super::pairs::mutual_pairs(graph, true, |u, v, there, back| {
        let w = there + back;
        debug_assert!(w.fract() == 0.0);
        if u < v && w > 0.0 {
            edges.push((u, v, w as i64));
        }
    });
    (graph.vertices().len(), edges)
}

/// The algorithm's state. Blossom ids: `0..n` are the vertices (trivial blossoms), `n..2n`
/// the nontrivial ones, reused once expanded.
struct State<'a> {
    n: usize,
    edges: &'a [(u32, u32, i64)],
    incident: Vec<Vec<u32>>,
    mate: Vec<u32>,
    /// `FREE`, `OUTER` or `INNER`, for top-level blossoms and (within inner blossoms) vertices.
    label: Vec<u8>,
    /// The edge through which a blossom (or vertex) got its label: `(remote, local)`, the
    /// remote end in the blossom that gave the label; `(NONE, root)` for a root.
    label_edge: Vec<(u32, u32)>,
    in_blossom: Vec<u32>,
    parent: Vec<u32>,
    /// Sub-blossoms in cycle order, the one holding the base first.
    childs: Vec<Vec<u32>>,
    /// `cedges[b][i] = (x, y)`: the edge with `x` in `childs[i]` and `y` in `childs[i + 1]`.
    cedges: Vec<Vec<(u32, u32)>>,
    /// Base vertex (`NONE` for an unused blossom id).
    base: Vec<u32>,
    /// Vertex duals (doubled) and blossom duals.
    dual: Vec<i64>,
    /// Least-slack edge: for an outer blossom, to another outer blossom; for a vertex not
    /// outer, to an outer vertex.
    best_edge: Vec<u32>,
    /// For an outer nontrivial blossom, its least-slack edge to each other outer blossom.
    best_list: Vec<Option<Vec<u32>>>,
    allowed: Vec<bool>,
    queue: Vec<u32>,
    unused: Vec<u32>,
    mark: Vec<u32>,
    /// With `mark`: a blossom's index in the list being built by `add_blossom`.
    slot: Vec<u32>,
    stamp: u32,
}

/// A maximum-weight matching of the graph on `n` vertices whose edges are `(u, v, w)`, `u !=
/// v`, `w > 0`, no edge twice. See the module notes.
///
/// `stop` is asked before every stage; once it says yes, the matching so far is returned with
/// the current duals' objective as its bound (the duals are feasible at every stage, so that is
/// a valid bound), and `optimal` false.
pub(crate) fn maximum_weight_matching(
    n: usize,
    edges: &[(u32, u32, i64)],
    stop: &mut dyn FnMut() -> bool,
) -> WeightedMatching {
    let mut incident = vec![Vec::new(); n];
    for (k, &(u, v, w)) in edges.iter().enumerate() {
        assert!(
            u != v && w > 0,
            "edges join two vertices and weigh more than 0"
        );
        incident[u as usize].push(k as u32);
        incident[v as usize].push(k as u32);
    }
    let max_weight = edges.iter().map(|e| e.2).max().unwrap_or(0);
    let mut s = State {
        n,
        edges,
        incident,
        mate: vec![NONE; n],
        label: vec![FREE; 2 * n],
        label_edge: vec![(NONE, NONE); 2 * n],
        in_blossom: (0..n as u32).collect(),
        parent: vec![NONE; 2 * n],
        childs: vec![Vec::new(); 2 * n],
        cedges: vec![Vec::new(); 2 * n],
        base: (0..n as u32).chain(std::iter::repeat_n(NONE, n)).collect(),
        dual: (0..2 * n)
            .map(|i| if i < n { max_weight } else { 0 })
            .collect(),
        best_edge: vec![NONE; 2 * n],
        best_list: vec![None; 2 * n],
        allowed: vec![false; edges.len()],
        queue: Vec::new(),
        unused: (n as u32..2 * n as u32).rev().collect(),
        mark: vec![0; 2 * n],
        slot: vec![0; 2 * n],
        stamp: 0,
    };
    s.greedy_start(max_weight);
    let mut optimal = n == 0;
    for _ in 0..n {
        if stop() {
            break;
        }
        if !s.stage() {
            optimal = true;
            break;
        }
    }
    s.proof(optimal)
}

impl State<'_> {
    /// Warm start: while every vertex dual is still the largest weight, the edges of that
    /// weight are exactly the tight ones, and any matching of them keeps the algorithm's
    /// invariants (matched edges tight, every free vertex with the same dual). Matched greedily
    /// (least tight degree first, then index), they leave few stages to run when many pairs
    /// weigh the same, as with unit weights.
    fn greedy_start(&mut self, max_weight: i64) {
        let n = self.n;
        let mut degree = vec![0usize; n];
        for &(u, v, w) in self.edges {
            if w == max_weight {
                degree[u as usize] += 1;
                degree[v as usize] += 1;
            }
        }
        let mut order: Vec<u32> = (0..n as u32).filter(|&v| degree[v as usize] > 0).collect();
        order.sort_by_key(|&v| (degree[v as usize], v));
        for &u in &order {
            if self.mate[u as usize] != NONE {
                continue;
            }
            let best = self.incident[u as usize]
                .iter()
                .filter(|&&k| self.edges[k as usize].2 == max_weight)
                .map(|&k| self.other(k, u))
                .filter(|&w| self.mate[w as usize] == NONE)
                .min_by_key(|&w| (degree[w as usize], w));
            if let Some(w) = best {
                self.mate[u as usize] = w;
                self.mate[w as usize] = u;
            }
        }
    }

    fn other(&self, k: u32, v: u32) -> u32 {
        let (a, b, _) = self.edges[k as usize];
        if a == v {
            b
        } else {
            a
        }
    }

    /// `2 (u_i + u_j - w)` for an edge between two top-level blossoms.
    fn slack(&self, k: u32) -> i64 {
        let (a, b, w) = self.edges[k as usize];
        self.dual[a as usize] + self.dual[b as usize] - 2 * w
    }

    fn leaves(&self, b: u32, out: &mut Vec<u32>) {
        if (b as usize) < self.n {
            out.push(b);
        } else {
            for &c in &self.childs[b as usize] {
                self.leaves(c, out);
            }
        }
    }

    fn leaf_list(&self, b: u32) -> Vec<u32> {
        let mut out = Vec::new();
        self.leaves(b, &mut out);
        out
    }

    fn is_blossom(&self, b: usize) -> bool {
        b >= self.n && self.base[b] != NONE
    }

    /// One stage: grow, shrink, expand and change duals until an augmentation (`true`) or
    /// the proof of optimality (`false`).
    fn stage(&mut self) -> bool {
        self.label.fill(FREE);
        self.best_edge.fill(NONE);
        for b in self.n..2 * self.n {
            self.best_list[b] = None;
        }
        self.allowed.fill(false);
        self.queue.clear();
        for v in 0..self.n as u32 {
            if self.mate[v as usize] == NONE
                && self.label[self.in_blossom[v as usize] as usize] == FREE
            {
                self.assign_label(v, OUTER, NONE);
            }
        }
        loop {
            while let Some(v) = self.queue.pop() {
                for i in 0..self.incident[v as usize].len() {
                    let k = self.incident[v as usize][i];
                    let w = self.other(k, v);
                    let (bv, bw) = (self.in_blossom[v as usize], self.in_blossom[w as usize]);
                    if bv == bw {
                        continue;
                    }
                    let mut kslack = 0;
                    if !self.allowed[k as usize] {
                        kslack = self.slack(k);
                        if kslack <= 0 {
                            self.allowed[k as usize] = true;
                        }
                    }
                    if self.allowed[k as usize] {
                        if self.label[bw as usize] == FREE {
                            self.assign_label(w, INNER, v);
                        } else if self.label[bw as usize] == OUTER {
                            match self.scan_blossom(v, w) {
                                Some(base) => self.add_blossom(base, v, w),
                                None => {
                                    self.augment(v, w);
                                    return true;
                                }
                            }
                        } else if self.label[w as usize] == FREE {
                            // w lies in an inner blossom: remember that it is reachable.
                            self.label[w as usize] = INNER;
                            self.label_edge[w as usize] = (v, w);
                        }
                    } else if self.label[bw as usize] == OUTER {
                        let b = bv as usize;
                        if self.best_edge[b] == NONE || kslack < self.slack(self.best_edge[b]) {
                            self.best_edge[b] = k;
                        }
                    } else if self.label[w as usize] == FREE {
                        let wu = w as usize;
                        if self.best_edge[wu] == NONE || kslack < self.slack(self.best_edge[wu]) {
                            self.best_edge[wu] = k;
                        }
                    }
                }
            }
            // The largest dual change that keeps the duals feasible, and what limits it.
            let mut delta = self.dual[..self.n].iter().copied().min().unwrap_or(0);
            let mut kind = 1;
            let mut at = NONE;
            for v in 0..self.n {
                let e = self.best_edge[v];
                if self.label[self.in_blossom[v] as usize] == FREE && e != NONE {
                    let d = self.slack(e);
                    if d < delta {
                        (delta, kind, at) = (d, 2, e);
                    }
                }
            }
            for b in 0..2 * self.n {
                let e = self.best_edge[b];
                if self.parent[b] == NONE
                    && self.base[b] != NONE
                    && self.label[b] == OUTER
                    && e != NONE
                {
                    let slack = self.slack(e);
                    debug_assert!(slack % 2 == 0, "outer-outer slacks are even");
                    if slack / 2 < delta {
                        (delta, kind, at) = (slack / 2, 3, e);
                    }
                }
            }
            for b in self.n..2 * self.n {
                if self.is_blossom(b)
                    && self.parent[b] == NONE
                    && self.label[b] == INNER
                    && self.dual[b] < delta
                {
                    (delta, kind, at) = (self.dual[b], 4, b as u32);
                }
            }
            for v in 0..self.n {
                match self.label[self.in_blossom[v] as usize] {
                    OUTER => self.dual[v] -= delta,
                    INNER => self.dual[v] += delta,
                    _ => {}
                }
            }
            for b in self.n..2 * self.n {
                if self.is_blossom(b) && self.parent[b] == NONE {
                    match self.label[b] {
                        OUTER => self.dual[b] += delta,
                        INNER => self.dual[b] -= delta,
                        _ => {}
                    }
                }
            }
            match kind {
                1 => return false,
                2 => {
                    self.allowed[at as usize] = true;
                    let (i, j, _) = self.edges[at as usize];
                    let outer = if self.label[self.in_blossom[i as usize] as usize] == OUTER {
                        i
                    } else {
                        j
                    };
                    self.queue.push(outer);
                }
                3 => {
                    self.allowed[at as usize] = true;
                    self.queue.push(self.edges[at as usize].0);
                }
                _ => self.expand(at, false),
            }
        }
    }

    fn assign_label(&mut self, w: u32, t: u8, from: u32) {
        let b = self.in_blossom[w as usize];
        self.label[w as usize] = t;
        self.label[b as usize] = t;
        self.label_edge[w as usize] = (from, w);
        self.label_edge[b as usize] = (from, w);
        self.best_edge[w as usize] = NONE;
        self.best_edge[b as usize] = NONE;
        if t == OUTER {
            let mut leaves = std::mem::take(&mut self.queue);
            self.leaves(b, &mut leaves);
            self.queue = leaves;
        } else {
            let base = self.base[b as usize];
            let m = self.mate[base as usize];
            self.assign_label(m, OUTER, base);
        }
    }

    /// Walks up from the outer vertices `v` and `w` towards their roots: the base of the
    /// blossom the edge `v - w` closes, or `None` if they are in different trees.
    fn scan_blossom(&mut self, mut v: u32, mut w: u32) -> Option<u32> {
        self.stamp += 1;
        let stamp = self.stamp;
        while v != NONE {
            let b = self.in_blossom[v as usize] as usize;
            if self.mark[b] == stamp {
                return Some(self.base[b]);
            }
            self.mark[b] = stamp;
            let remote = self.label_edge[b].0;
            v = if remote == NONE {
                NONE
            } else {
                let t = self.in_blossom[remote as usize] as usize;
                self.label_edge[t].0
            };
            if w != NONE {
                std::mem::swap(&mut v, &mut w);
            }
        }
        None
    }

    /// Shrinks the blossom closed by the edge `v - w` with base vertex `base`.
    fn add_blossom(&mut self, base: u32, v: u32, w: u32) {
        let bb = self.in_blossom[base as usize];
        let mut bv = self.in_blossom[v as usize];
        let mut bw = self.in_blossom[w as usize];
        let b = self
            .unused
            .pop()
            .expect("at most n/2 nontrivial blossoms at once");
        let bu = b as usize;
        self.base[bu] = base;
        self.parent[bu] = NONE;
        self.parent[bb as usize] = b;
        let mut childs = Vec::new();
        let mut cedges = Vec::new();
        while bv != bb {
            self.parent[bv as usize] = b;
            childs.push(bv);
            cedges.push(self.label_edge[bv as usize]);
            bv = self.in_blossom[self.label_edge[bv as usize].0 as usize];
        }
        childs.push(bb);
        childs.reverse();
        cedges.reverse();
        cedges.push((v, w));
        while bw != bb {
            self.parent[bw as usize] = b;
            childs.push(bw);
            let (remote, local) = self.label_edge[bw as usize];
            cedges.push((local, remote));
            bw = self.in_blossom[remote as usize];
        }
        self.childs[bu] = childs.clone();
        self.cedges[bu] = cedges;
        self.label[bu] = OUTER;
        self.label_edge[bu] = self.label_edge[bb as usize];
        self.dual[bu] = 0;
        for x in self.leaf_list(b) {
            if self.label[self.in_blossom[x as usize] as usize] == INNER {
                self.queue.push(x); // inner vertices become outer
            }
            self.in_blossom[x as usize] = b;
        }
        // Least-slack edges from the new blossom to every other outer blossom.
        let mut best_to: Vec<(u32, u32)> = Vec::new(); // (blossom, edge)
        self.stamp += 1;
        let stamp = self.stamp;
        for &c in &childs {
            let list = match self.best_list[c as usize].take() {
                Some(list) => list,
                None => self
                    .leaf_list(c)
                    .iter()
                    .flat_map(|&x| self.incident[x as usize].iter().copied())
                    .collect(),
            };
            for k in list {
                let (i, j, _) = self.edges[k as usize];
                let outside = if self.in_blossom[j as usize] == b {
                    i
                } else {
                    j
                };
                let bj = self.in_blossom[outside as usize];
                if bj == b || self.label[bj as usize] != OUTER {
                    continue;
                }
                if self.mark[bj as usize] != stamp {
                    self.mark[bj as usize] = stamp;
                    self.slot[bj as usize] = best_to.len() as u32;
                    best_to.push((bj, k));
                } else {
                    let entry = self.slot[bj as usize] as usize;
                    if self.slack(k) < self.slack(best_to[entry].1) {
                        best_to[entry].1 = k;
                    }
                }
            }
            self.best_edge[c as usize] = NONE;
        }
        best_to.sort_unstable();
        let list: Vec<u32> = best_to.iter().map(|e| e.1).collect();
        self.best_edge[bu] = NONE;
        for &k in &list {
            if self.best_edge[bu] == NONE || self.slack(k) < self.slack(self.best_edge[bu]) {
                self.best_edge[bu] = k;
            }
        }
        self.best_list[bu] = Some(list);
    }

    /// Expands the top-level blossom `b`: its sub-blossoms become top-level. Mid-stage (an
    /// inner blossom whose dual reached 0) the sub-blossoms are relabelled so that the tree
    /// stays alternating; at the end of a stage, sub-blossoms with a zero dual are expanded too.
    fn expand(&mut self, b: u32, end_of_stage: bool) {
        let bu = b as usize;
        let childs = self.childs[bu].clone();
        for &c in &childs {
            self.parent[c as usize] = NONE;
            if (c as usize) < self.n {
                self.in_blossom[c as usize] = c;
            } else if end_of_stage && self.dual[c as usize] == 0 {
                self.expand(c, true);
            } else {
                for x in self.leaf_list(c) {
                    self.in_blossom[x as usize] = c;
                }
            }
        }
        if !end_of_stage && self.label[bu] == INNER {
            let len = childs.len();
            let entry = self.in_blossom[self.label_edge[bu].1 as usize];
            let mut j = childs
                .iter()
                .position(|&c| c == entry)
                .expect("entry child");
            let forward = j % 2 == 1;
            // The edge through which the current inner sub-blossom is entered.
            let mut p = self.label_edge[bu];
            while j != 0 {
                self.assign_label(p.1, INNER, p.0);
                let (next_outer, next_inner) = if forward {
                    ((j + 1) % len, (j + 2) % len)
                } else {
                    (j - 1, j - 2)
                };
                let (x, y) = if forward {
                    self.cedges[bu][next_outer]
                } else {
                    let (x, y) = self.cedges[bu][next_inner];
                    (y, x)
                };
                // (x in the outer sub-blossom, y in the next inner one)
                p = (x, y);
                j = next_inner;
            }
            // The base sub-blossom: inner, without relabelling its (outside) mate.
            let bv = childs[0] as usize;
            self.label[p.1 as usize] = INNER;
            self.label[bv] = INNER;
            self.label_edge[p.1 as usize] = p;
            self.label_edge[bv] = p;
            self.best_edge[bv] = NONE;
            // The other side: sub-blossoms reachable from outside get their inner label.
            let step = |j: usize| {
                if forward {
                    (j + 1) % len
                } else {
                    (j + len - 1) % len
                }
            };
            let mut j = step(0);
            while childs[j] != entry {
                let c = childs[j];
                if self.label[c as usize] != OUTER {
                    let reached = self
                        .leaf_list(c)
                        .into_iter()
                        .find(|&v| self.label[v as usize] != FREE);
                    if let Some(v) = reached {
                        let from = self.label_edge[v as usize].0;
                        self.assign_label(v, INNER, from);
                    }
                }
                j = step(j);
            }
        }
        self.label[bu] = FREE;
        self.label_edge[bu] = (NONE, NONE);
        self.childs[bu].clear();
        self.cedges[bu].clear();
        self.base[bu] = NONE;
        self.best_list[bu] = None;
        self.best_edge[bu] = NONE;
        self.unused.push(b);
    }

    /// Makes `v` the base of blossom `b`, flipping the matching along the even side of the
    /// cycle from `v`'s sub-blossom to the old base.
    fn augment_blossom(&mut self, b: u32, v: u32) {
        let bu = b as usize;
        let mut t = v;
        while self.parent[t as usize] != b {
            t = self.parent[t as usize];
        }
        if (t as usize) >= self.n {
            self.augment_blossom(t, v);
        }
        let len = self.childs[bu].len();
        let i = self.childs[bu].iter().position(|&c| c == t).expect("child");
        let forward = i % 2 == 1;
        let mut j = i;
        while j != 0 {
            let (a_child, a, c_child, c, next) = if forward {
                let (j1, j2) = ((j + 1) % len, (j + 2) % len);
                let (x, y) = self.cedges[bu][j1];
                (self.childs[bu][j1], x, self.childs[bu][j2], y, j2)
            } else {
                let (j1, j2) = (j - 1, j - 2);
                let (x, y) = self.cedges[bu][j2];
                (self.childs[bu][j1], y, self.childs[bu][j2], x, j2)
            };
            if (a_child as usize) >= self.n {
                self.augment_blossom(a_child, a);
            }
            if (c_child as usize) >= self.n {
                self.augment_blossom(c_child, c);
            }
            self.mate[a as usize] = c;
            self.mate[c as usize] = a;
            j = next;
        }
        self.childs[bu].rotate_left(i);
        self.cedges[bu].rotate_left(i);
        self.base[bu] = v;
    }

    /// Augments along the path root .. v - w .. root.
    fn augment(&mut self, v: u32, w: u32) {
        for (mut s, mut j) in [(v, w), (w, v)] {
            loop {
                let bs = self.in_blossom[s as usize];
                if (bs as usize) >= self.n {
                    self.augment_blossom(bs, s);
                }
                self.mate[s as usize] = j;
                let remote = self.label_edge[bs as usize].0;
                if remote == NONE {
                    break;
                }
                let bt = self.in_blossom[remote as usize];
                let (s2, j2) = self.label_edge[bt as usize];
                if (bt as usize) >= self.n {
                    self.augment_blossom(bt, j2);
                }
                self.mate[j2 as usize] = s2;
                s = s2;
                j = j2;
            }
        }
    }

    /// The matching, and its proof checked: see the module notes.
    fn proof(self, optimal: bool) -> WeightedMatching {
        let n = self.n;
        let mut pairs = Vec::new();
        for u in 0..n as u32 {
            let v = self.mate[u as usize];
            if v != NONE && u < v {
                assert_eq!(self.mate[v as usize], u, "the matching is symmetric");
                pairs.push((u, v));
            }
        }
        // Blossom sizes, and the sum of the duals of the blossoms holding both ends of each
        // edge.
        let mut size = vec![0i64; 2 * n];
        for v in 0..n {
            let mut b = self.parent[v];
            while b != NONE {
                size[b as usize] += 1;
                b = self.parent[b as usize];
            }
        }
        let mut twice_bound: i64 = 0;
        for (id, (&dual, &size)) in self.dual.iter().zip(&size).enumerate() {
            if id < n {
                assert!(dual >= 0, "vertex duals are non-negative");
                twice_bound += dual;
            } else if size > 0 {
                assert!(dual >= 0, "blossom duals are non-negative");
                twice_bound += dual * (size - 1);
            }
        }
        let mut mark = vec![NONE; 2 * n];
        let mut weight = 0;
        for (k, &(u, v, w)) in self.edges.iter().enumerate() {
            let mut b = self.parent[u as usize];
            while b != NONE {
                mark[b as usize] = k as u32;
                b = self.parent[b as usize];
            }
            let mut shared = 0;
            let mut b = self.parent[v as usize];
            while b != NONE {
                if mark[b as usize] == k as u32 {
                    shared += self.dual[b as usize];
                }
                b = self.parent[b as usize];
            }
            let slack = self.dual[u as usize] + self.dual[v as usize] + 2 * shared - 2 * w;
            assert!(slack >= 0, "every edge's dual constraint holds");
            if self.mate[u as usize] == v {
                weight += w;
            }
        }
        if optimal {
            assert_eq!(
                twice_bound,
                2 * weight,
                "the duals' objective equals the matching's weight"
            );
        }
        assert!(twice_bound >= 2 * weight, "the duals bound the matching");
        WeightedMatching {
            pairs,
            weight,
            bound: twice_bound.div_euclid(2),
            optimal,
        }
    }
}
