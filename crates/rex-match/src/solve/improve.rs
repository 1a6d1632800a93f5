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
//! [`Local::augment`] goes further than two columns: augmenting paths, along which each
//! uncovered request takes another's place in a column until the last one joins the packing
//! displacing none (see there).
//!
//! Deterministic: requests, arcs and columns are visited in a fixed order, and a move is
//! kept only when it raises the packing's (worth, sum of duals), so the search ends.

mod lns;

use super::search::{arc_index, Bits};
use super::{Deadline, Stop};
use crate::graph::{Graph, VertexKind};
pub(super) use lns::{Sizes, Support, Tried};

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
    /// The requests of each group.
    members: Vec<Vec<u32>>,
    /// Each vertex's group, and whether it is an offer (compact copies of the graph's, read
    /// on every arc the searches visit).
    group: Vec<u32>,
    offer: Vec<bool>,
    /// The weight of every arc, when they are all the same (under `count`): then an arc's
    /// weight is known from its bit, without looking the arc up.
    uniform: Option<f64>,
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

/// One step of an augmenting path (see [`Local::augment`]): `placed` takes the place, at
/// index `at` of the column in `slot`, of a request whose group it frees.
#[derive(Debug, Clone, Copy)]
struct Swap {
    placed: u32,
    slot: u32,
    at: u32,
    /// The step that freed `placed`'s group, or [`ROOT`] when it was free.
    from: u32,
}

/// The label of a request uncovered before the search (the root of its paths).
const ROOT: u32 = u32::MAX - 1;

/// How an augmenting path ends: its last request joins the packing, displacing none.
#[derive(Debug, Clone, Copy)]
enum End {
    /// Inserted into the column in `slot` at index `at` (at its end: appended to a chain).
    Insert { slot: u32, at: u32 },
    /// First request of a new chain from an unused offer.
    Chain { offer: u32 },
    /// In a new 2-cycle with another uncovered request.
    Cycle { with: u32 },
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
        let mut members = vec![Vec::new(); graph.groups().len()];
        for (v, vertex) in graph.vertices().iter().enumerate() {
            if vertex.kind == VertexKind::Request {
                members[vertex.group as usize].push(v as u32);
            }
        }
        let uniform = weight
            .first()
            .copied()
            .filter(|&w| weight.iter().all(|&x| x == w));
        Local {
            graph,
            bits,
            weight,
            k,
            l,
            offers_in,
            members,
            uniform,
            group: graph.vertices().iter().map(|v| v.group).collect(),
            offer: graph
                .vertices()
                .iter()
                .map(|v| v.kind == VertexKind::Offer)
                .collect(),
        }
    }

    /// The group of vertex `v`.
    fn group_of(&self, v: u32) -> usize {
        self.group[v as usize] as usize
    }

    /// Whether vertex `v` is an offer (else a request).
    fn is_offer(&self, v: u32) -> bool {
        self.offer[v as usize]
    }

    /// The weight of arc `u -> v`, if it is in the graph: one bit of the adjacency bitsets
    /// (offers' out-rows included), then (unless every arc weighs the same) a binary search of
    /// `u`'s out-arcs. The searches ask this for most pairs they visit: with a binary search
    /// for every arc found, it took about a third of the polish's time on the sparse
    /// 10,000-pair pool (BENCHMARKS.md, "eighteenth pass").
    pub(super) fn arc(&self, u: u32, v: u32) -> Option<f64> {
        if !self.has_arc(u, v) {
            return None;
        }
        match self.uniform {
            Some(w) => Some(w),
            None => arc_index(self.graph, u, v).map(|i| self.weight[i]),
        }
    }

    /// Whether `u` has an arc to `v` (one bit, no weight looked up).
    fn has_arc(&self, u: u32, v: u32) -> bool {
        (self.bits.out_row(u as usize)[v as usize / 64] >> (v % 64)) & 1 == 1
    }

    /// The weight of a column (every arc in the graph).
    fn column_weight(&self, c: &[u32]) -> f64 {
        let chain = self.is_offer(c[0]);
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
            .filter(|&v| !self.is_offer(v))
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
                if p.owner[self.group_of(u)] == NONE && self.insert(p, u, priority) {
                    moved += 1;
                }
            }
            moves += moved;
            if moved == 0 {
                return Ok(moves);
            }
        }
    }

    /// [`Local::improve`], then [`Local::augment`], then `improve` again when paths were
    /// applied; returns the moves and the paths.
    pub(super) fn polish(
        &self,
        p: &mut Packing,
        priority: &[f64],
        deadline: &Deadline,
    ) -> Result<(usize, usize), Stop> {
        let mut moves = self.improve(p, priority, deadline)?;
        let paths = self.augment(p, priority, deadline)?;
        if paths > 0 {
            moves += self.improve(p, priority, deadline)?;
        }
        Ok((moves, paths))
    }

    /// Applies augmenting paths (ejection chains) to `p` until none is found; returns how
    /// many were applied.
    ///
    /// An uncovered request `v` may take the place of the request `x` that follows one of its
    /// in-neighbours `q` in `q`'s column, when `v` has an arc to what follows `x` (or `x`
    /// ends a chain): the packing is worth as much under the count objective, and `x`'s group
    /// is uncovered instead. The search goes breadth first from every uncovered request
    /// (largest `priority` first) through such swaps, each group reached once, and a path
    /// ends when its request joins the packing displacing none: inserted after an
    /// in-neighbour into a column below its cap (appended to a chain), first of a new chain
    /// from an unused offer, or in a 2-cycle with another uncovered request. A path changes
    /// each column at most once, and it is applied only when its columns are worth more
    /// than before (always, under the count objective). One search (a sweep) applies every
    /// path it finds that crosses no column an earlier path of the sweep changed, visiting
    /// the in-arcs of each request it reaches once; sweeps repeat until one applies nothing.
    /// Deterministic: a fixed order everywhere.
    ///
    /// Unlike [`Local::improve`], whose moves reach two columns, a path may cross any
    /// number of columns (an augmenting path of matching theory, for cycles and chains).
    pub(super) fn augment(
        &self,
        p: &mut Packing,
        priority: &[f64],
        deadline: &Deadline,
    ) -> Result<usize, Stop> {
        let mut applied = 0;
        loop {
            let swept = self.sweep(p, priority, deadline)?;
            if swept == 0 {
                return Ok(applied);
            }
            applied += swept;
        }
    }

    /// One breadth-first search of [`Local::augment`], applying each path it finds that
    /// crosses no column an earlier one changed; returns how many it applied.
    fn sweep(&self, p: &mut Packing, priority: &[f64], deadline: &Deadline) -> Result<usize, Stop> {
        // The step that uncovered each request's group, ROOT, or NONE (not reached).
        let mut label = vec![NONE; self.group.len()];
        let mut queue: Vec<u32> = (0..self.group.len() as u32)
            .filter(|&v| !self.is_offer(v) && p.owner[self.group_of(v)] == NONE)
            .collect();
        queue.sort_by(|&a, &b| {
            priority[b as usize]
                .total_cmp(&priority[a as usize])
                .then(a.cmp(&b))
        });
        for &v in &queue {
            label[v as usize] = ROOT;
        }
        // Columns changed by a path applied in this sweep (and those added, past the end).
        let mut changed = vec![false; p.cols.len()];
        let changed_at = |changed: &[bool], slot: u32| changed.get(slot as usize) != Some(&false);
        let mut applied = 0;
        let mut steps: Vec<Swap> = Vec::new();
        let mut slots: Vec<u32> = Vec::new();
        let mut groups: Vec<usize> = Vec::new();
        let mut head = 0;
        'nodes: while head < queue.len() {
            if head % 256 == 0 {
                deadline.check()?;
            }
            let v = queue[head];
            head += 1;
            // The columns this path changes and the groups it covers; none changed since.
            slots.clear();
            groups.clear();
            groups.push(self.group_of(v));
            let mut s = label[v as usize];
            if s == ROOT && p.owner[self.group_of(v)] != NONE {
                continue; // covered by a path applied in this sweep
            }
            while s != ROOT {
                let step = steps[s as usize];
                if changed_at(&changed, step.slot)
                    || (step.from == ROOT && p.owner[self.group_of(step.placed)] != NONE)
                {
                    continue 'nodes; // a path applied in this sweep crossed this one
                }
                slots.push(step.slot);
                groups.push(self.group_of(step.placed));
                s = step.from;
            }
            let requests_in = ones(self.bits.in_row(v as usize));
            let in_neighbours = self.offers_in[v as usize]
                .iter()
                .copied()
                .chain(requests_in);
            for q in in_neighbours {
                let slot = p.owner[self.group_of(q)];
                if slot == NONE {
                    let end = if self.is_offer(q) {
                        (self.l >= 1).then_some(End::Chain { offer: q })
                    } else {
                        (self.k >= 2 && !groups.contains(&self.group_of(q)) && self.has_arc(v, q))
                            .then_some(End::Cycle { with: q })
                    };
                    if end
                        .is_some_and(|end| self.apply_path(p, &steps, &label, v, end, &mut changed))
                    {
                        applied += 1;
                        continue 'nodes;
                    }
                    continue;
                }
                if slots.contains(&slot) || changed_at(&changed, slot) {
                    continue;
                }
                let c = &p.cols[slot as usize];
                let Some(i) = c.iter().position(|&w| w == q) else {
                    continue; // another request of `q`'s group is in that column
                };
                let len = c.len();
                let chain = self.is_offer(c[0]);
                if chain && i + 1 == len {
                    let end = End::Insert {
                        slot,
                        at: len as u32,
                    };
                    if len - 1 < self.l && self.apply_path(p, &steps, &label, v, end, &mut changed)
                    {
                        applied += 1;
                        continue 'nodes;
                    }
                    continue;
                }
                let (next, after, room) = if chain {
                    (i + 1, c.get(i + 2).copied(), len - 1 < self.l)
                } else {
                    ((i + 1) % len, Some(c[(i + 2) % len]), len < self.k)
                };
                let x = c[next];
                if room && self.has_arc(v, x) {
                    let end = End::Insert {
                        slot,
                        at: i as u32 + 1,
                    };
                    if self.apply_path(p, &steps, &label, v, end, &mut changed) {
                        applied += 1;
                        continue 'nodes;
                    }
                }
                // `v` instead of `x`: `q -> v -> after`.
                if self.group_of(x) == self.group_of(v)
                    || after.is_some_and(|a| !self.has_arc(v, a))
                {
                    continue;
                }
                let freed = &self.members[self.group_of(x)];
                if freed.iter().all(|&w| label[w as usize] != NONE) {
                    continue;
                }
                let at = steps.len() as u32;
                steps.push(Swap {
                    placed: v,
                    slot,
                    at: next as u32,
                    from: label[v as usize],
                });
                for &w in freed {
                    if label[w as usize] == NONE {
                        label[w as usize] = at;
                        queue.push(w);
                    }
                }
            }
        }
        Ok(applied)
    }

    /// Applies the path that ends at `v` with `end` when its columns are worth more than
    /// the ones they replace; whether it did.
    fn apply_path(
        &self,
        p: &mut Packing,
        steps: &[Swap],
        label: &[u32],
        v: u32,
        end: End,
        changed: &mut [bool],
    ) -> bool {
        let mut changes: Vec<(u32, Vec<u32>)> = Vec::new();
        changes.push(match end {
            End::Insert { slot, at } => {
                let mut c = p.cols[slot as usize].clone();
                c.insert(at as usize, v);
                (slot, c)
            }
            End::Chain { offer } => (NONE, vec![offer, v]),
            End::Cycle { with } => (NONE, vec![v, with]),
        });
        let mut s = label[v as usize];
        while s != ROOT {
            let step = steps[s as usize];
            let mut c = p.cols[step.slot as usize].clone();
            c[step.at as usize] = step.placed;
            changes.push((step.slot, c));
            s = step.from;
        }
        let old: f64 = changes
            .iter()
            .filter(|(slot, _)| *slot != NONE)
            .map(|(slot, _)| self.column_weight(&p.cols[*slot as usize]))
            .sum();
        let new: f64 = changes.iter().map(|(_, c)| self.column_weight(c)).sum();
        if new <= old + 1e-9 {
            return false;
        }
        for (slot, _) in &changes {
            if *slot != NONE {
                for &w in &p.cols[*slot as usize] {
                    p.owner[self.group_of(w)] = NONE;
                }
            }
        }
        for (slot, c) in changes {
            if let Some(at) = changed.get_mut(slot as usize) {
                *at = true;
            }
            let slot = if slot == NONE {
                p.cols.push(Vec::new());
                p.cols.len() as u32 - 1
            } else {
                slot
            };
            for &w in &c {
                debug_assert_eq!(p.owner[self.group_of(w)], NONE, "a group used twice");
                p.owner[self.group_of(w)] = slot;
            }
            p.cols[slot as usize] = c;
        }
        p.worth += new - old;
        true
    }

    /// Tries to cover the uncovered request `u` (see the module notes); whether it moved.
    fn insert(&self, p: &mut Packing, u: u32, priority: &[f64]) -> bool {
        let g = self.graph;
        let words = self.bits.words;
        let ins = self.bits.in_row(u as usize);
        let outs = self.bits.out_row(u as usize);
        let requests_in = ones(ins);
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
            if self.is_offer(b) || self.k < 3 {
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
                    let slot = p.owner[self.group_of(a)];
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
        self.replace(p, &hood.slots, chosen, new.worth - old.worth);
        true
    }

    /// Replaces the columns in `slots` by `chosen` (which use only their groups or free
    /// ones), worth `gain` more.
    fn replace(&self, p: &mut Packing, slots: &[u32], chosen: Vec<Vec<u32>>, gain: f64) {
        for &s in slots {
            for v in std::mem::take(&mut p.cols[s as usize]) {
                p.owner[self.group_of(v)] = NONE;
            }
        }
        for c in chosen {
            let slot = p.cols.len() as u32;
            for &v in &c {
                debug_assert_eq!(p.owner[self.group_of(v)], NONE, "a group used twice");
                p.owner[self.group_of(v)] = slot;
            }
            p.cols.push(c);
        }
        p.worth += gain;
    }

    /// The best packing of `hood`'s vertices (those whose group no other column holds): every
    /// cycle of at most `k` arcs and chain of at most `l` arcs among them, then an exhaustive
    /// search. `None` when there is no column at all.
    fn repack(&self, p: &Packing, hood: &Hood, priority: &[f64]) -> Option<(Score, Vec<Vec<u32>>)> {
        let verts: Vec<u32> = hood
            .verts
            .iter()
            .copied()
            .filter(|&v| {
                let o = p.owner[self.group_of(v)];
                o == NONE || hood.slots.contains(&o)
            })
            .collect();
        // One bit per group.
        let mut groups: Vec<usize> = Vec::new();
        let bit: Vec<u32> = verts
            .iter()
            .map(|&v| {
                let gr = self.group_of(v);
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
        let chain = self.is_offer(verts[start]);
        if chain && path.len() > self.l {
            return;
        }
        let first = if chain { 0 } else { start + 1 };
        for next in first..verts.len() {
            let v = verts[next];
            if mask & bit[next] != 0 || self.is_offer(v) {
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

/// The set bits of a bit row, as vertex indices, in increasing order.
fn ones(row: &[u64]) -> impl Iterator<Item = u32> + '_ {
    row.iter().enumerate().flat_map(|(w, &word)| {
        let mut x = word;
        std::iter::from_fn(move || {
            (x != 0).then(|| {
                let b = w * 64 + x.trailing_zeros() as usize;
                x &= x - 1;
                b as u32
            })
        })
    })
}
