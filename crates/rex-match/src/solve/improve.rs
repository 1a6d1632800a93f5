//! Local search on a solution of the search path: small neighbourhoods, each solved exactly.
//!
//! A rounding of the root LP's masters (`search::Model::rounded`) leaves uncovered some
//! requests that an optimal solution covers. [`Local::improve`] takes each uncovered request
//! `u`, those of largest dual first, and for each arc `b -> u` (a request or an offer `b`)
//! and each request `a` with `u -> a -> b`, the columns that hold `a` and `b`: it packs `u`
//! and those columns' vertices again, exactly (every cycle and chain among those few
//! vertices, then the best packing of them), and keeps the new packing when it is worth more
//! than the columns it replaces (or as much, covering requests of larger dual). So `u` joins
//! a 2-cycle with `b`, a 3-cycle `u, a, b`, the end of `b`'s chain, or a new chain from an
//! unused offer, the displaced vertices finding other places among themselves. Passes repeat
//! until one moves nothing.
//!
//! Deterministic: requests, arcs and columns are visited in a fixed order, and a move is
//! kept only when it raises the packing's (worth, sum of duals), so the search ends.

use super::search::{arc_index, Bits};
use super::{Deadline, Stop};
use crate::graph::{Graph, VertexKind};

const NONE: u32 = u32::MAX;

/// The most vertices one neighbourhood may hold (one bit per group in [`Local::repack`]).
const MOST_VERTICES: usize = 16;

/// A solution as columns: a cycle's requests in order, or a chain's offer then its requests.
#[derive(Debug, Clone)]
pub(super) struct Packing {
    /// The columns; a column emptied by a move stays as an empty slot.
    cols: Vec<Vec<u32>>,
    /// The column holding each group, or [`NONE`].
    owner: Vec<u32>,
    /// The sum of the columns' weights.
    pub worth: f64,
}

impl Packing {
    /// The packing of `cols` (vertex-disjoint, groups used at most once), worth `worth`.
    pub(super) fn new(graph: &Graph, cols: Vec<Vec<u32>>, worth: f64) -> Packing {
        let mut owner = vec![NONE; graph.groups().len()];
        for (j, c) in cols.iter().enumerate() {
            for &v in c {
                let g = graph.vertices()[v as usize].group as usize;
                debug_assert_eq!(owner[g], NONE, "a group used twice");
                owner[g] = j as u32;
            }
        }
        Packing { cols, owner, worth }
    }

    /// The columns: cycles (first vertex a request) and chains (first vertex an offer).
    pub(super) fn columns(&self) -> impl Iterator<Item = &[u32]> {
        self.cols.iter().filter(|c| !c.is_empty()).map(|c| &c[..])
    }
}

/// The local search over one graph: its adjacency, arc weights and caps.
pub(super) struct Local<'a> {
    graph: &'a Graph,
    bits: &'a Bits,
    /// Effective arc weights, parallel to the graph's arcs.
    weight: &'a [f64],
    k: usize,
    l: usize,
    /// The offers with an arc to each vertex.
    offers_in: Vec<Vec<u32>>,
}

/// One neighbourhood's vertices and the columns it replaces.
struct Hood {
    verts: Vec<u32>,
    slots: Vec<u32>,
}

impl Hood {
    fn add_vertex(&mut self, v: u32) {
        if !self.verts.contains(&v) {
            self.verts.push(v);
        }
    }

    /// Adds `v` and the column holding `v`'s group, if any.
    fn add(&mut self, p: &Packing, graph: &Graph, v: u32) {
        let slot = p.owner[graph.vertices()[v as usize].group as usize];
        if slot != NONE && !self.slots.contains(&slot) {
            self.slots.push(slot);
            for &w in &p.cols[slot as usize] {
                self.add_vertex(w);
            }
        }
        self.add_vertex(v);
    }
}

/// A candidate column of a neighbourhood: its groups as bits, its score, its vertices.
struct Candidate {
    mask: u32,
    score: Score,
    verts: Vec<u32>,
}

/// What a set of columns is worth, and the sum of its vertices' priorities (compared second).
#[derive(Debug, Clone, Copy, Default)]
struct Score {
    worth: f64,
    priority: f64,
}

impl Score {
    fn plus(self, other: Score) -> Score {
        Score {
            worth: self.worth + other.worth,
            priority: self.priority + other.priority,
        }
    }

    /// Better: worth more, or as much with a larger priority (beyond rounding).
    fn beats(&self, other: &Score) -> bool {
        self.worth > other.worth + 1e-9
            || (self.worth >= other.worth - 1e-9 && self.priority > other.priority + 1e-6)
    }
}

impl<'a> Local<'a> {
    pub(super) fn new(
        graph: &'a Graph,
        bits: &'a Bits,
        weight: &'a [f64],
        k: usize,
        l: usize,
    ) -> Self {
        let mut offers_in = vec![Vec::new(); graph.vertices().len()];
        for a in graph.arcs() {
            if graph.vertex(a.from).kind == VertexKind::Offer {
                offers_in[a.to.index()].push(a.from.0);
            }
        }
        Local {
            graph,
            bits,
            weight,
            k,
            l,
            offers_in,
        }
    }

    /// The weight of arc `u -> v`, if it is in the graph.
    fn arc(&self, u: u32, v: u32) -> Option<f64> {
        let g = self.graph;
        if g.vertices()[u as usize].kind == VertexKind::Request
            && (self.bits.out_row(u as usize)[v as usize / 64] >> (v % 64)) & 1 == 0
        {
            return None;
        }
        arc_index(g, u, v).map(|i| self.weight[i])
    }

    /// The weight of a column (every arc in the graph).
    fn column_weight(&self, c: &[u32]) -> f64 {
        let chain = self.graph.vertices()[c[0] as usize].kind == VertexKind::Offer;
        let arcs = if chain { c.len() - 1 } else { c.len() };
        (0..arcs)
            .map(|j| {
                self.arc(c[j], c[(j + 1) % c.len()])
                    .expect("a column's arcs are in the graph")
            })
            .sum()
    }

    /// Improves `p` until a pass over the uncovered requests (by decreasing `priority`, one
    /// per vertex, then by index) moves nothing; returns the number of moves.
    ///
    /// A move is kept when the packing is worth more, or as much with a larger sum of
    /// `priority` over its vertices (the LP's duals: a request of dual near 0 is one an
    /// optimal solution can leave out, so covering one of higher dual in its place opens
    /// moves that a pass on worth alone cannot see). Each move raises the pair (worth,
    /// priority), so the search ends.
    pub(super) fn improve(
        &self,
        p: &mut Packing,
        priority: &[f64],
        deadline: &Deadline,
    ) -> Result<usize, Stop> {
        let g = self.graph;
        let mut order: Vec<u32> = (0..g.vertices().len() as u32)
            .filter(|&v| g.vertices()[v as usize].kind == VertexKind::Request)
            .collect();
        order.sort_by(|&a, &b| {
            priority[b as usize]
                .total_cmp(&priority[a as usize])
                .then(a.cmp(&b))
        });
        let mut moves = 0;
        loop {
            let mut moved = 0;
            for (i, &u) in order.iter().enumerate() {
                if i % 64 == 0 {
                    deadline.check()?;
                }
                if p.owner[g.vertices()[u as usize].group as usize] == NONE
                    && self.insert(p, u, priority)
                {
                    moved += 1;
                }
            }
            moves += moved;
            if moved == 0 {
                return Ok(moves);
            }
        }
    }

    /// Tries to cover the uncovered request `u` (see the module notes); whether it moved.
    fn insert(&self, p: &mut Packing, u: u32, priority: &[f64]) -> bool {
        let g = self.graph;
        let words = self.bits.words;
        let ins = self.bits.in_row(u as usize);
        let outs = self.bits.out_row(u as usize);
        let requests_in = (0..words).flat_map(|w| {
            let mut x = ins[w];
            std::iter::from_fn(move || {
                (x != 0).then(|| {
                    let b = w * 64 + x.trailing_zeros() as usize;
                    x &= x - 1;
                    b as u32
                })
            })
        });
        let in_neighbours = self.offers_in[u as usize]
            .iter()
            .copied()
            .chain(requests_in);
        for b in in_neighbours {
            let mut base = Hood {
                verts: vec![u],
                slots: Vec::new(),
            };
            base.add(p, g, b);
            if self.try_hood(p, &base, priority) {
                return true;
            }
            if g.vertices()[b as usize].kind != VertexKind::Request || self.k < 3 {
                continue;
            }
            // `u -> a -> b -> u`: `a` in out(u) and in(b).
            let inb = self.bits.in_row(b as usize);
            let mut tried: Vec<u32> = Vec::new();
            let size = (base.verts.len(), base.slots.len());
            for w in 0..words {
                let mut x = outs[w] & inb[w];
                while x != 0 {
                    let a = (w * 64 + x.trailing_zeros() as usize) as u32;
                    x &= x - 1;
                    if a == u || a == b {
                        continue;
                    }
                    let slot = p.owner[g.vertices()[a as usize].group as usize];
                    if slot != NONE {
                        if base.slots.contains(&slot) || tried.contains(&slot) {
                            continue;
                        }
                        tried.push(slot);
                    }
                    // `a`'s column joins the base for one try, then leaves it.
                    base.add(p, g, a);
                    if self.try_hood(p, &base, priority) {
                        return true;
                    }
                    base.verts.truncate(size.0);
                    base.slots.truncate(size.1);
                }
            }
        }
        false
    }

    /// Packs `hood` again; applies the packing and returns true when it is better than the
    /// columns it replaces (see [`Local::improve`]).
    fn try_hood(&self, p: &mut Packing, hood: &Hood, priority: &[f64]) -> bool {
        if hood.verts.len() > MOST_VERTICES {
            return false;
        }
        let old = hood.slots.iter().fold(Score::default(), |acc, &s| {
            let c = &p.cols[s as usize];
            acc.plus(Score {
                worth: self.column_weight(c),
                priority: c.iter().map(|&v| priority[v as usize]).sum(),
            })
        });
        let Some((new, chosen)) = self.repack(p, hood, priority) else {
            return false;
        };
        if !new.beats(&old) {
            return false;
        }
        let worth = new.worth;
        let old = old.worth;
        for &s in &hood.slots {
            for v in std::mem::take(&mut p.cols[s as usize]) {
                p.owner[self.graph.vertices()[v as usize].group as usize] = NONE;
            }
        }
        for c in chosen {
            let slot = p.cols.len() as u32;
            for &v in &c {
                p.owner[self.graph.vertices()[v as usize].group as usize] = slot;
            }
            p.cols.push(c);
        }
        p.worth += worth - old;
        true
    }

    /// The best packing of `hood`'s vertices (those whose group no other column holds): every
    /// cycle of at most `k` arcs and chain of at most `l` arcs among them, then an exhaustive
    /// search. `None` when there is no column at all.
    fn repack(&self, p: &Packing, hood: &Hood, priority: &[f64]) -> Option<(Score, Vec<Vec<u32>>)> {
        let g = self.graph;
        let group = |v: u32| g.vertices()[v as usize].group as usize;
        let verts: Vec<u32> = hood
            .verts
            .iter()
            .copied()
            .filter(|&v| {
                let o = p.owner[group(v)];
                o == NONE || hood.slots.contains(&o)
            })
            .collect();
        // One bit per group.
        let mut groups: Vec<usize> = Vec::new();
        let bit: Vec<u32> = verts
            .iter()
            .map(|&v| {
                let gr = group(v);
                let at = groups.iter().position(|&x| x == gr).unwrap_or_else(|| {
                    groups.push(gr);
                    groups.len() - 1
                });
                1 << at
            })
            .collect();
        let mut cands: Vec<Candidate> = Vec::new();
        let mut path: Vec<usize> = Vec::new();
        for start in 0..verts.len() {
            path.clear();
            path.push(start);
            self.columns(&verts, &bit, &mut path, bit[start], 0.0, &mut cands);
        }
        if cands.is_empty() {
            return None;
        }
        for c in &mut cands {
            c.score.priority = c.verts.iter().map(|&v| priority[v as usize]).sum();
        }
        let mut best = (Score::default(), Vec::new());
        let mut chosen = Vec::new();
        let all = bit.iter().fold(0, |m, b| m | b);
        pack(&cands, all, Score::default(), &mut chosen, &mut best);
        let cols = best.1.iter().map(|&i| cands[i].verts.clone()).collect();
        Some((best.0, cols))
    }

    /// The columns that go on from `path`: cycles when `path[0]` is a request (through later
    /// vertices of `verts` only, so that each is found once, from its first vertex), chains
    /// when it is an offer.
    fn columns(
        &self,
        verts: &[u32],
        bit: &[u32],
        path: &mut Vec<usize>,
        mask: u32,
        weight: f64,
        out: &mut Vec<Candidate>,
    ) {
        let (start, last) = (path[0], *path.last().expect("a path"));
        let chain = self.graph.vertices()[verts[start] as usize].kind == VertexKind::Offer;
        if chain && path.len() > self.l {
            return;
        }
        let first = if chain { 0 } else { start + 1 };
        for next in first..verts.len() {
            let v = verts[next];
            if mask & bit[next] != 0
                || self.graph.vertices()[v as usize].kind != VertexKind::Request
            {
                continue;
            }
            let Some(w) = self.arc(verts[last], v) else {
                continue;
            };
            path.push(next);
            let closing = if chain {
                Some(0.0)
            } else {
                self.arc(v, verts[start])
            };
            if let Some(back) = closing {
                out.push(Candidate {
                    mask: mask | bit[next],
                    score: Score {
                        worth: weight + w + back,
                        priority: 0.0,
                    },
                    verts: path.iter().map(|&i| verts[i]).collect(),
                });
            }
            if chain || path.len() < self.k {
                self.columns(verts, bit, path, mask | bit[next], weight + w, out);
            }
            path.pop();
        }
    }
}

/// The best set of disjoint candidates within the groups `free`, by an exhaustive search on
/// the lowest free group (left empty, or taken by a candidate that holds it).
fn pack(
    cands: &[Candidate],
    free: u32,
    score: Score,
    chosen: &mut Vec<usize>,
    best: &mut (Score, Vec<usize>),
) {
    if score.beats(&best.0) {
        *best = (score, chosen.clone());
    }
    if free == 0 {
        return;
    }
    let low = free & free.wrapping_neg();
    for (i, c) in cands.iter().enumerate() {
        if c.mask & low != 0 && c.mask & !free == 0 {
            chosen.push(i);
            pack(cands, free & !c.mask, score.plus(c.score), chosen, best);
            chosen.pop();
        }
    }
    pack(cands, free & !low, score, chosen, best);
}
