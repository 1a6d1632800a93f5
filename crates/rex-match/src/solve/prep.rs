//! Model preparation: effective weights, the columns of the formulation, and the reductions
//! that keep only arcs on some feasible cycle or chain.
//!
//! Columns are of two kinds. A *cycle column* is one feasible cycle of at most K arcs
//! (cycle formulation, enumerated explicitly). A *chain column* is one arc at one position of a
//! chain (position-indexed chain formulation, PICEF): arc `u -> v` may sit at position `k` only
//! if `u` can be reached from an offer by a walk of exactly `k - 1` arcs, so the position layers
//! drop every arc that lies on no chain of at most L arcs.

use super::{Deadline, Stop};
use crate::graph::{Graph, VertexId, VertexKind};
use crate::params::{Objective, Params};
use crate::solve::SolveError;

/// Most cycles enumerated before giving up with [`SolveError::TooLarge`]. At 16 bytes a cycle
/// of three this bounds the enumeration's memory to well under a gigabyte.
pub const MAX_CYCLES: usize = 20_000_000;

/// With cycles of at most 3 arcs, pools of more cycles than this go to the search path
/// (`super::search`) instead of being enumerated. Enumeration is quick while the LP bound is
/// the optimum (Saidman pools of 1,000 pairs and 3-4 million cycles: about 3 s), but where it
/// is not, every integer program runs over all the cycles: modified-Saidman pools of 2,000
/// pairs and 3.4-4.4 million cycles took 47-161 s enumerated against 8-57 s searched, the
/// search faster on five of the six (BENCHMARKS.md, issue 12, fifth pass). Above every shared benchmark instance (at most
/// 787,604 cycles), whose paths and results stay as they were.
pub const SEARCH_ABOVE: usize = 1_000_000;

/// Cycles, stored flat: cycle `i` is `verts[start[i]..start[i + 1]]`, rotated to begin at its
/// smallest vertex index. Enumerated in canonical order (by smallest vertex, then lexicographic).
#[derive(Debug, Default)]
pub struct Cycles {
    pub verts: Vec<u32>,
    pub start: Vec<u32>,
    pub weight: Vec<f64>,
}

impl Cycles {
    pub fn len(&self) -> usize {
        self.weight.len()
    }

    pub fn get(&self, i: usize) -> &[u32] {
        &self.verts[self.start[i] as usize..self.start[i + 1] as usize]
    }
}

/// One chain column: the arc with index `arc` in `Graph::arcs()` at 1-based position `pos`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChainVar {
    pub arc: u32,
    pub pos: u8,
}

/// Everything the master problems are built from.
#[derive(Debug)]
pub struct Prepared {
    /// Effective arc weight (1 for [`Objective::Count`]), parallel to `Graph::arcs()`.
    pub weight: Vec<f64>,
    /// Whether every effective weight is an integer, so objective values are integers.
    pub integral: bool,
    pub cycles: Cycles,
    /// Sorted by (position, arc).
    pub chain_vars: Vec<ChainVar>,
    /// Arcs on at least one feasible cycle or chain.
    pub useful_arcs: usize,
    /// A trivial upper bound: every group receives at most once, at its best in-arc weight.
    pub trivial_bound: f64,
}

impl Prepared {
    /// The objective coefficient of a column (see [`super::master::ColId`]).
    pub fn column_weight(&self, id: u32) -> f64 {
        let nc = self.cycles.len();
        if (id as usize) < nc {
            self.cycles.weight[id as usize]
        } else {
            self.weight[self.chain_vars[id as usize - nc].arc as usize]
        }
    }
}

/// Most cycles the enumeration lists: [`MAX_CYCLES`], or fewer under the memory limit (each
/// enumerated cycle may become a column of the LP and MIPs).
pub fn cycle_cap(params: &Params) -> usize {
    params.memory_limit.map_or(MAX_CYCLES, |m| {
        MAX_CYCLES.min(
            (m / super::search::BYTES_PER_COLUMN)
                .try_into()
                .unwrap_or(usize::MAX),
        )
    })
}

/// Most cycles a pool may have (K <= 3) to be enumerated rather than searched:
/// [`SEARCH_ABOVE`], or fewer under the memory limit ([`cycle_cap`]).
pub fn search_above(params: &Params) -> usize {
    cycle_cap(params).min(SEARCH_ABOVE)
}

/// The effective weight of every arc under the objective (1 under `count`), and whether they
/// are all integers (then the optimum is too).
pub fn weights(graph: &Graph, params: &Params) -> (Vec<f64>, bool) {
    let weight: Vec<f64> = graph
        .arcs()
        .iter()
        .map(|a| match params.objective {
            Objective::Count => 1.0,
            Objective::Weight => a.weight,
        })
        .collect();
    let integral = weight.iter().all(|w| w.fract() == 0.0 && w.abs() < 1e12);
    (weight, integral)
}

pub fn prepare(graph: &Graph, params: &Params, deadline: &Deadline) -> Result<Prepared, Stop> {
    let (weight, integral) = weights(graph, params);
    let mut useful = vec![false; weight.len()];
    let cap = cycle_cap(params);
    let cycles = enumerate_cycles(graph, params.max_cycle, &weight, &mut useful, cap, deadline)?;
    let chain_vars = chain_vars(graph, params.max_chain, &mut useful);
    let mut best_in = vec![0.0f64; graph.groups().len()];
    for (i, a) in graph.arcs().iter().enumerate() {
        if useful[i] {
            let g = graph.vertex(a.to).group as usize;
            best_in[g] = best_in[g].max(weight[i]);
        }
    }
    Ok(Prepared {
        integral,
        cycles,
        chain_vars,
        useful_arcs: useful.iter().filter(|&&u| u).count(),
        trivial_bound: best_in.iter().sum(),
        weight,
    })
}

/// Enumerates every cycle of 2..=k arcs through requests whose vertices lie in distinct groups.
/// Each cycle is found once, from its smallest vertex `s`, walking only through vertices above
/// `s`; a backward breadth-first search from `s` prunes walks that cannot close in time.
fn enumerate_cycles(
    graph: &Graph,
    k: usize,
    weight: &[f64],
    useful: &mut [bool],
    cap: usize,
    deadline: &Deadline,
) -> Result<Cycles, Stop> {
    let mut cycles = Cycles {
        start: vec![0],
        ..Cycles::default()
    };
    if k < 2 {
        return Ok(cycles);
    }
    let n = graph.vertices().len();
    let is_request: Vec<bool> = graph
        .vertices()
        .iter()
        .map(|v| v.kind == VertexKind::Request)
        .collect();
    // Reverse adjacency (in-arcs) as CSR, for the backward search.
    let mut in_start = vec![0u32; n + 1];
    for a in graph.arcs() {
        in_start[a.to.index() + 1] += 1;
    }
    for i in 0..n {
        in_start[i + 1] += in_start[i];
    }
    let mut fill = in_start.clone();
    let mut in_from = vec![0u32; graph.arcs().len()];
    for a in graph.arcs() {
        let slot = &mut fill[a.to.index()];
        in_from[*slot as usize] = a.from.0;
        *slot += 1;
    }
    let first_arc: Vec<u32> = (0..n)
        .map(|v| graph.out_arc_range(VertexId(v as u32)).start as u32)
        .collect();

    // dist[v] = arcs needed to go from v back to s (through vertices > s), or u8::MAX.
    let mut dist = vec![u8::MAX; n];
    let mut touched: Vec<u32> = Vec::new();
    let mut frontier: Vec<u32> = Vec::new();
    let mut next: Vec<u32> = Vec::new();
    let mut group_used = vec![false; graph.groups().len()];
    let mut path: Vec<u32> = Vec::with_capacity(k);
    let mut path_arcs: Vec<u32> = Vec::with_capacity(k);

    for s in 0..n {
        if !is_request[s] {
            continue;
        }
        if s % 64 == 0 {
            deadline.check()?;
        }
        // Backward BFS from s over vertices > s, depth k - 1.
        for &t in &touched {
            dist[t as usize] = u8::MAX;
        }
        touched.clear();
        frontier.clear();
        frontier.push(s as u32);
        dist[s] = 0;
        touched.push(s as u32);
        for d in 1..k {
            next.clear();
            for &v in &frontier {
                for &u in &in_from[in_start[v as usize] as usize..in_start[v as usize + 1] as usize]
                {
                    let ui = u as usize;
                    if ui > s && is_request[ui] && dist[ui] == u8::MAX {
                        dist[ui] = d as u8;
                        touched.push(u);
                        next.push(u);
                    }
                }
            }
            std::mem::swap(&mut frontier, &mut next);
        }
        if touched.len() == 1 {
            continue;
        }
        path.clear();
        path_arcs.clear();
        path.push(s as u32);
        group_used[graph.vertices()[s].group as usize] = true;
        dfs(
            graph,
            k,
            s,
            weight,
            &dist,
            &first_arc,
            &mut group_used,
            &mut path,
            &mut path_arcs,
            &mut cycles,
            useful,
            cap,
        )?;
        group_used[graph.vertices()[s].group as usize] = false;
    }
    Ok(cycles)
}

#[allow(clippy::too_many_arguments)]
fn dfs(
    graph: &Graph,
    k: usize,
    s: usize,
    weight: &[f64],
    dist: &[u8],
    first_arc: &[u32],
    group_used: &mut [bool],
    path: &mut Vec<u32>,
    path_arcs: &mut Vec<u32>,
    cycles: &mut Cycles,
    useful: &mut [bool],
    cap: usize,
) -> Result<(), Stop> {
    let v = *path.last().expect("path starts with s") as usize;
    let base = first_arc[v] as usize;
    for (j, a) in graph.out_arcs(VertexId(v as u32)).iter().enumerate() {
        let w = a.to.index();
        let arc_index = (base + j) as u32;
        if w == s {
            if path.len() >= 2 {
                if cycles.len() >= cap {
                    return Err(Stop::Error(SolveError::TooLarge(if cap < MAX_CYCLES {
                        format!(
                            "more than {cap} cycles of at most {k} arcs, over the memory limit; \
                             raise --memory-limit or lower the cycle cap"
                        )
                    } else {
                        format!("more than {cap} cycles of at most {k} arcs; lower the cycle cap")
                    })));
                }
                let mut total = weight[arc_index as usize];
                for &ai in path_arcs.iter() {
                    total += weight[ai as usize];
                    useful[ai as usize] = true;
                }
                useful[arc_index as usize] = true;
                cycles.verts.extend_from_slice(path);
                cycles.start.push(cycles.verts.len() as u32);
                cycles.weight.push(total);
            }
            continue;
        }
        // w must be above s, able to return within the remaining arcs, and in a fresh group.
        if w < s || dist[w] == u8::MAX || path.len() + dist[w] as usize > k {
            continue;
        }
        let g = graph.vertices()[w].group as usize;
        if group_used[g] {
            continue;
        }
        group_used[g] = true;
        path.push(w as u32);
        path_arcs.push(arc_index);
        dfs(
            graph, k, s, weight, dist, first_arc, group_used, path, path_arcs, cycles, useful, cap,
        )?;
        path.pop();
        path_arcs.pop();
        group_used[g] = false;
    }
    Ok(())
}

/// The chain columns: arc `u -> v` at position `p` whenever `u` lies in layer `p - 1`, where
/// layer 0 is the offers and layer `p` the heads of arcs leaving layer `p - 1`.
pub(super) fn chain_vars(graph: &Graph, l: usize, useful: &mut [bool]) -> Vec<ChainVar> {
    let n = graph.vertices().len();
    let mut vars = Vec::new();
    if l == 0 {
        return vars;
    }
    let mut layer: Vec<bool> = graph
        .vertices()
        .iter()
        .map(|v| v.kind == VertexKind::Offer)
        .collect();
    let mut next = vec![false; n];
    for pos in 1..=l {
        next.iter_mut().for_each(|x| *x = false);
        for (i, a) in graph.arcs().iter().enumerate() {
            if layer[a.from.index()] {
                vars.push(ChainVar {
                    arc: i as u32,
                    pos: pos as u8,
                });
                useful[i] = true;
                next[a.to.index()] = true;
            }
        }
        std::mem::swap(&mut layer, &mut next);
    }
    vars
}
