//! Pairs only (K = 2, no chains): a maximum matching, in polynomial time.
//!
//! With cycles of at most two arcs and no chains, a solution is a set of vertex-disjoint
//! *mutual pairs* (`u -> v` and `v -> u` both arcs), i.e. a matching of the undirected graph
//! whose edges are the 2-cycles. For the `count` objective every 2-cycle is worth 2, so the
//! optimum is twice a maximum-cardinality matching, which Edmonds' blossom algorithm finds in
//! polynomial time; no LP, no MIP. (Written here rather than taken from a crate: `petgraph`'s
//! `maximum_matching` is cardinality only and returns no proof; of the crates for weighted
//! general-graph matching, `mwmatching` is unmaintained since 2018 and `integer-blossom` takes a
//! dense `n x n` weight matrix, 800 MB at 10,000 pairs. The weighted case is
//! `pairs_weighted`.)
//!
//! # Algorithm
//!
//! 1. *Mutual-pair graph*, in compressed adjacency form, built from the canonical arc order:
//!    neighbours sorted by index.
//! 2. *Greedy start*: vertices by increasing degree (then index), each matched to its free
//!    neighbour of least degree (then index). On kidney-exchange pools this leaves few
//!    augmentations to do.
//! 3. *Single-root searches*: from each free vertex in index order, Edmonds' search for an
//!    augmenting path (alternating tree, odd cycles shrunk into blossoms by their base vertex).
//!    A search that fails leaves a *Hungarian tree*, whose vertices no later augmenting path can
//!    use; they are left out of later searches, which keeps the total work near linear per
//!    augmentation.
//! 4. *Final search and proof*: one search from all free vertices at once over the whole graph
//!    (nothing left out). If it finds an augmenting path (it should not), the path is used and
//!    the search repeats. Otherwise its forest gives the Gallai–Edmonds sets: `A` = the odd
//!    (inner) vertices. By the Tutte–Berge formula every matching has at most
//!    `(n + |A| - odd(G - A)) / 2` edges, where `odd(G - A)` counts the components of `G - A`
//!    with an odd number of vertices; this bound is computed independently of the search (a
//!    union-find over the edges) and must equal the matching's size. It is the solution's
//!    `bound`: the optimality proof is a certificate checked here, not the search's say-so.
//!
//! # Determinism
//!
//! Everything is a function of the graph (whose arcs are canonical, so of the arcs as a set):
//! vertices and neighbours are visited in index order and no hashing or randomness is used.

use crate::graph::{Graph, VertexId, VertexKind};

const NONE: u32 = u32::MAX;

/// The undirected graph of mutual pairs, over the requests (vertex indices of the graph).
struct PairGraph {
    /// `adj[start[v]..start[v + 1]]`: neighbours of `v`, increasing.
    start: Vec<u32>,
    adj: Vec<u32>,
}

impl PairGraph {
    fn new(graph: &Graph) -> PairGraph {
        let mut start = Vec::with_capacity(graph.vertices().len() + 1);
        let mut adj = Vec::new();
        start.push(0);
        mutual_pairs(graph, false, |u, v, _, _| {
            while start.len() <= u as usize {
                start.push(adj.len() as u32);
            }
            adj.push(v);
        });
        while start.len() <= graph.vertices().len() {
            start.push(adj.len() as u32);
        }
        PairGraph { start, adj }
    }

    fn len(&self) -> usize {
        self.start.len() - 1
    }

    fn neighbours(&self, v: u32) -> &[u32] {
        &self.adj[self.start[v as usize] as usize..self.start[v as usize + 1] as usize]
    }

    fn degree(&self, v: u32) -> usize {
        self.neighbours(v).len()
    }

    /// Number of (undirected) edges.
    fn edges(&self) -> usize {
        self.adj.len() / 2
    }
}

/// Calls `f(u, v, w(u -> v), w(v -> u))` for every mutual pair of requests, from each end, in
/// order of `u` then `v` (`w(v -> u)` is looked up only if `back_weights`, else 0). Each
/// request's out-list (sorted by head) is merged with its in-list (tails, built sorted from the
/// canonical arc order): linear in the arcs, where looking each reverse arc up would cost a
/// binary search (seconds at 24 million arcs).
pub(crate) fn mutual_pairs(
    graph: &Graph,
    back_weights: bool,
    mut f: impl FnMut(u32, u32, f64, f64),
) {
    let n = graph.vertices().len();
    let arcs = graph.arcs();
    let mut in_start = vec![0u32; n + 1];
    for a in arcs {
        in_start[a.to.index() + 1] += 1;
    }
    for v in 0..n {
        in_start[v + 1] += in_start[v];
    }
    let mut fill = in_start.clone();
    let mut tails = vec![0u32; arcs.len()];
    for a in arcs {
        let slot = &mut fill[a.to.index()];
        tails[*slot as usize] = a.from.0;
        *slot += 1;
    }
    for (v, vertex) in graph.vertices().iter().enumerate() {
        if vertex.kind != VertexKind::Request {
            continue;
        }
        let u = VertexId(v as u32);
        let mut back = tails[in_start[v] as usize..in_start[v + 1] as usize]
            .iter()
            .copied()
            .peekable();
        for a in graph.out_arcs(u) {
            while back.next_if(|&t| t < a.to.0).is_some() {}
            if back.next_if(|&t| t == a.to.0).is_some() {
                let w = if back_weights {
                    graph.arc(a.to, u).map_or(0.0, |b| b.weight)
                } else {
                    0.0
                };
                f(u.0, a.to.0, a.weight, w);
            }
        }
    }
}

/// A maximum matching of the mutual-pair graph and its proof.
pub(crate) struct Matching {
    /// The matched pairs `(u, v)`, `u < v`, sorted.
    pub(crate) pairs: Vec<(u32, u32)>,
    /// Edges of the mutual-pair graph (2-cycles of the graph).
    pub(crate) edges: usize,
    /// The Tutte–Berge bound on the number of pairs, equal to `pairs.len()`.
    pub(crate) bound: usize,
}

/// A maximum-cardinality matching of the graph's 2-cycles. See the module notes.
pub(crate) fn maximum_matching(graph: &Graph) -> Matching {
    let g = PairGraph::new(graph);
    let mut s = Search::new(g.len());
    greedy(&g, &mut s.mate);
    // Single-root searches with Hungarian trees left out.
    for r in 0..g.len() as u32 {
        if s.mate[r as usize] != NONE || s.dead[r as usize] || g.degree(r) == 0 {
            continue;
        }
        if !s.run(&g, &[r]) {
            for &v in &s.touched {
                s.dead[v as usize] = true;
            }
        }
    }
    // Final searches over the whole graph, until one finds no augmenting path.
    s.dead.iter_mut().for_each(|d| *d = false);
    loop {
        let free: Vec<u32> = (0..g.len() as u32)
            .filter(|&v| s.mate[v as usize] == NONE && g.degree(v) > 0)
            .collect();
        if !s.run(&g, &free) {
            break;
        }
        tracing::debug!("final search augmented a path the single-root searches missed");
    }
    let inner: Vec<bool> = (0..g.len())
        .map(|v| s.parent[v] != NONE && !s.outer[v])
        .collect();
    let bound = tutte_berge_bound(&g, &inner);
    let mut pairs: Vec<(u32, u32)> = (0..g.len() as u32)
        .filter_map(|u| {
            let v = s.mate[u as usize];
            (v != NONE && u < v).then_some((u, v))
        })
        .collect();
    pairs.sort_unstable();
    for &(u, v) in &pairs {
        assert_eq!(s.mate[v as usize], u, "the matching is symmetric");
        assert!(
            g.neighbours(u).binary_search(&v).is_ok(),
            "matched pairs are edges"
        );
    }
    assert_eq!(
        bound,
        pairs.len(),
        "the Tutte-Berge bound of the final search's odd set proves the matching maximum"
    );
    Matching {
        pairs,
        edges: g.edges(),
        bound,
    }
}

/// Greedy start: see the module notes.
fn greedy(g: &PairGraph, mate: &mut [u32]) {
    let mut order: Vec<u32> = (0..g.len() as u32).filter(|&v| g.degree(v) > 0).collect();
    order.sort_by_key(|&v| (g.degree(v), v));
    for &u in &order {
        if mate[u as usize] != NONE {
            continue;
        }
        let best = g
            .neighbours(u)
            .iter()
            .copied()
            .filter(|&w| mate[w as usize] == NONE)
            .min_by_key(|&w| (g.degree(w), w));
        if let Some(w) = best {
            mate[u as usize] = w;
            mate[w as usize] = u;
        }
    }
}

/// `(n + |A| - odd(G - A)) / 2` for `A` = the `inner` vertices, `n` the vertices with an edge:
/// an upper bound on every matching's size (Tutte–Berge), whatever `A` is.
fn tutte_berge_bound(g: &PairGraph, inner: &[bool]) -> usize {
    let n = g.len();
    let mut root: Vec<u32> = (0..n as u32).collect();
    fn find(root: &mut [u32], mut v: u32) -> u32 {
        while root[v as usize] != v {
            let up = root[root[v as usize] as usize];
            root[v as usize] = up;
            v = up;
        }
        v
    }
    for u in 0..n as u32 {
        if inner[u as usize] {
            continue;
        }
        for &w in g.neighbours(u) {
            if w > u && !inner[w as usize] {
                let (a, b) = (find(&mut root, u), find(&mut root, w));
                if a != b {
                    root[a.max(b) as usize] = a.min(b);
                }
            }
        }
    }
    let mut size = vec![0u32; n];
    let (mut vertices, mut removed) = (0usize, 0usize);
    for v in 0..n as u32 {
        if g.degree(v) == 0 {
            continue; // isolated vertices count 1 in n and 1 odd component: they cancel
        }
        vertices += 1;
        if inner[v as usize] {
            removed += 1;
        } else {
            let r = find(&mut root, v);
            size[r as usize] += 1;
        }
    }
    let odd = size.iter().filter(|&&s| s % 2 == 1).count();
    (vertices + removed - odd) / 2
}

/// Edmonds' search state, reused across searches; only the vertices a search touched are reset.
struct Search {
    mate: Vec<u32>,
    /// Blossom base of each vertex (itself when not in a blossom).
    base: Vec<u32>,
    /// For an inner vertex: the outer vertex it was reached from; for an outer vertex inside a
    /// blossom: its predecessor on the blossom's alternating path. `NONE` otherwise.
    parent: Vec<u32>,
    /// Outer (even) vertices: roots, mates of inner vertices, and everything in a blossom.
    outer: Vec<bool>,
    /// Left out of searches (in a Hungarian tree of an earlier single-root search).
    dead: Vec<bool>,
    /// Vertices labelled by the current search, to reset it.
    touched: Vec<u32>,
    queue: std::collections::VecDeque<u32>,
    /// Marks for the LCA walk and the blossom being shrunk, by stamp (no clearing).
    mark: Vec<u32>,
    in_blossom: Vec<u32>,
    stamp: u32,
}

impl Search {
    fn new(n: usize) -> Search {
        Search {
            mate: vec![NONE; n],
            base: (0..n as u32).collect(),
            parent: vec![NONE; n],
            outer: vec![false; n],
            dead: vec![false; n],
            touched: Vec::new(),
            queue: Default::default(),
            mark: vec![0; n],
            in_blossom: vec![0; n],
            stamp: 0,
        }
    }

    fn next_stamp(&mut self) -> u32 {
        self.stamp += 1;
        self.stamp
    }

    fn touch(&mut self, v: u32) {
        if !self.outer[v as usize] && self.parent[v as usize] == NONE {
            self.touched.push(v);
        }
    }

    fn reset(&mut self) {
        for &v in &self.touched {
            self.base[v as usize] = v;
            self.parent[v as usize] = NONE;
            self.outer[v as usize] = false;
        }
        self.touched.clear();
        self.queue.clear();
    }

    /// Grows an alternating forest from the free vertices `roots`; augments the first
    /// augmenting path found and returns `true`, or returns `false` with the forest left in
    /// place (read by the caller, cleared by the next run).
    fn run(&mut self, g: &PairGraph, roots: &[u32]) -> bool {
        self.reset();
        for &r in roots {
            self.touch(r);
            self.outer[r as usize] = true;
            self.queue.push_back(r);
        }
        while let Some(v) = self.queue.pop_front() {
            for &w in g.neighbours(v) {
                if self.dead[w as usize]
                    || self.base[v as usize] == self.base[w as usize]
                    || self.mate[v as usize] == w
                {
                    continue;
                }
                if self.outer[w as usize] {
                    match self.common_ancestor(v, w) {
                        Some(b) => {
                            self.shrink(v, w, b);
                        }
                        None => {
                            // Different trees: root .. v - w .. root.
                            let (a, c) = (self.mate[v as usize], self.mate[w as usize]);
                            self.mate[v as usize] = w;
                            self.mate[w as usize] = v;
                            self.flip(a);
                            self.flip(c);
                            return true;
                        }
                    }
                } else if self.parent[w as usize] == NONE {
                    let m = self.mate[w as usize];
                    self.touch(w);
                    self.parent[w as usize] = v;
                    if m == NONE {
                        // A free vertex outside the forest (single-root searches only).
                        self.flip(w);
                        return true;
                    }
                    self.touch(m);
                    self.outer[m as usize] = true;
                    self.queue.push_back(m);
                }
            }
        }
        false
    }

    /// Flips the alternating path from `t` (an inner vertex, or an outer one inside a
    /// blossom, whose `parent` is set) back to its root: `t` is matched to its parent, whose
    /// old mate continues the walk.
    fn flip(&mut self, mut t: u32) {
        while t != NONE {
            let p = self.parent[t as usize];
            let next = self.mate[p as usize];
            self.mate[t as usize] = p;
            self.mate[p as usize] = t;
            t = next;
        }
    }

    /// The base of the blossom that the edge `v - w` closes (both outer, same tree), or `None`
    /// when they are in different trees.
    fn common_ancestor(&mut self, v: u32, w: u32) -> Option<u32> {
        let stamp = self.next_stamp();
        let mut a = v;
        loop {
            a = self.base[a as usize];
            self.mark[a as usize] = stamp;
            let m = self.mate[a as usize];
            if m == NONE {
                break;
            }
            a = self.parent[m as usize];
        }
        let mut b = w;
        loop {
            b = self.base[b as usize];
            if self.mark[b as usize] == stamp {
                return Some(b);
            }
            let m = self.mate[b as usize];
            if m == NONE {
                return None;
            }
            b = self.parent[m as usize];
        }
    }

    /// Shrinks the blossom closed by `v - w` with base `b`: every vertex on it becomes outer,
    /// with `parent` pointers that let [`Search::flip`] walk around it either way.
    fn shrink(&mut self, v: u32, w: u32, b: u32) {
        let stamp = self.next_stamp();
        self.mark_path(v, b, w, stamp);
        self.mark_path(w, b, v, stamp);
        // Only vertices this search labelled can belong to the blossom.
        for i in 0..self.touched.len() {
            let x = self.touched[i];
            if self.in_blossom[self.base[x as usize] as usize] == stamp {
                self.base[x as usize] = b;
                if !self.outer[x as usize] {
                    self.outer[x as usize] = true;
                    self.queue.push_back(x);
                }
            }
        }
    }

    fn mark_path(&mut self, mut v: u32, b: u32, mut child: u32, stamp: u32) {
        while self.base[v as usize] != b {
            let m = self.mate[v as usize];
            self.in_blossom[self.base[v as usize] as usize] = stamp;
            self.in_blossom[self.base[m as usize] as usize] = stamp;
            self.parent[v as usize] = child;
            child = m;
            v = self.parent[m as usize];
        }
    }
}
