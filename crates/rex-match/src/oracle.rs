//! A test oracle: the exact optimum by exhaustive search, and a feasibility checker for
//! [`Solution`]s.
//!
//! Both are written from the problem statement alone and share no code with [`crate::solve()`]:
//! they exist to catch the solver's mistakes, so they must not be able to make the same ones.
//! [`brute_force`] lists every feasible cycle and chain explicitly and then searches all packings;
//! it is meant for graphs of a few dozen vertices at most and says so by returning `None`.

use crate::graph::{Graph, VertexId, VertexKind};
use crate::params::{Objective, Params};
use crate::solution::{Solution, Status};

/// Largest graph [`brute_force`] accepts, in vertices. The packing search memoises one value per
/// subset of exclusive groups (a dense table of `2^groups` entries), so 20 vertices keep the
/// table at 8 MiB or less.
pub const BRUTE_FORCE_MAX_VERTICES: usize = 20;
/// Largest number of feasible exchanges (cycles plus chains) [`brute_force`] accepts.
pub const BRUTE_FORCE_MAX_EXCHANGES: usize = 5_000;
/// Largest number of path extensions the enumeration of [`brute_force`] may try before it gives
/// up: dense graphs with a long cycle cap have many open paths that never close into a cycle.
pub const BRUTE_FORCE_MAX_STEPS: usize = 2_000_000;

/// Absolute tolerance on objective comparisons, scaled by `max(1, |value|)`.
const TOLERANCE: f64 = 1e-6;

/// One feasible cycle or chain, reduced to what the packing search needs.
#[derive(Debug, Clone, Copy)]
struct Exchange {
    /// Bit `g` set when the exchange uses a vertex of group `g`.
    groups: u32,
    /// Its value under the objective.
    value: f64,
}

/// The exact optimum of `graph` under `params`, by exhaustive search: every feasible cycle (at
/// most `max_cycle` arcs, listed once, from its smallest vertex) and every feasible chain
/// (`offer -> p1 -> .. -> pk`, `1 <= k <= max_chain`) is enumerated, then every set of exchanges
/// that use pairwise distinct exclusive groups (hence distinct vertices) is searched, branching on
/// the lowest undecided group, with a memo keyed by the set of groups already decided.
///
/// Returns `None` when the graph is too big for that: more than [`BRUTE_FORCE_MAX_VERTICES`]
/// vertices, more than [`BRUTE_FORCE_MAX_EXCHANGES`] feasible exchanges, or an enumeration longer
/// than [`BRUTE_FORCE_MAX_STEPS`] steps. It does not validate `params` the way the solver does:
/// `max_cycle == 1` allows no cycle (a graph has no self-loops), like `max_cycle == 0`, and
/// `time_limit` is ignored. Negative weights are handled: the empty packing (value 0) is always
/// feasible.
pub fn brute_force(graph: &Graph, params: &Params) -> Option<f64> {
    let n = graph.vertices().len();
    if n > BRUTE_FORCE_MAX_VERTICES {
        return None;
    }
    let exchanges = enumerate(graph, params)?;
    let group_count = graph.groups().len();
    // Groups are numbered 0..group_count and each vertex has one, so group_count <= n <= 20.
    assert!(group_count <= n, "more groups than vertices");
    let mut by_lowest_group: Vec<Vec<Exchange>> = vec![Vec::new(); group_count];
    for e in exchanges {
        by_lowest_group[e.groups.trailing_zeros() as usize].push(e);
    }
    let mut memo = vec![f64::NAN; 1usize << group_count];
    Some(best_packing(0, group_count, &by_lowest_group, &mut memo))
}

/// The best value of a packing that avoids the groups in `used`. Every group below the lowest
/// zero bit of `used` is decided, so an exchange compatible with `used` that contains that lowest
/// free group has it as its own lowest group.
fn best_packing(
    used: u32,
    group_count: usize,
    by_lowest: &[Vec<Exchange>],
    memo: &mut [f64],
) -> f64 {
    let g = used.trailing_ones() as usize;
    if g >= group_count {
        return 0.0;
    }
    let cached = memo[used as usize];
    if !cached.is_nan() {
        return cached;
    }
    // Either group g stays unused...
    let mut best = best_packing(used | (1 << g), group_count, by_lowest, memo);
    // ...or one exchange whose lowest group is g takes it.
    for e in &by_lowest[g] {
        if e.groups & used == 0 {
            let v = e.value + best_packing(used | e.groups, group_count, by_lowest, memo);
            if v > best {
                best = v;
            }
        }
    }
    memo[used as usize] = best;
    best
}

/// Every feasible cycle and chain, or `None` past the size limits.
fn enumerate(graph: &Graph, params: &Params) -> Option<Vec<Exchange>> {
    let mut walk = Walk {
        graph,
        params,
        out: Vec::new(),
        steps: 0,
        path: Vec::new(),
    };
    for (i, v) in graph.vertices().iter().enumerate() {
        let s = VertexId(u32::try_from(i).expect("vertex index fits u32"));
        walk.path.clear();
        walk.path.push(s);
        let ok = match v.kind {
            VertexKind::Request if params.max_cycle >= 2 => walk.cycles_from(s, 0.0),
            VertexKind::Offer if params.max_chain >= 1 => walk.chains_from(0.0),
            _ => true,
        };
        if !ok {
            return None;
        }
    }
    Some(walk.out)
}

/// Depth-first enumeration state.
struct Walk<'a> {
    graph: &'a Graph,
    params: &'a Params,
    out: Vec<Exchange>,
    steps: usize,
    path: Vec<VertexId>,
}

impl Walk<'_> {
    fn arc_value(&self, weight: f64) -> f64 {
        match self.params.objective {
            Objective::Count => 1.0,
            Objective::Weight => weight,
        }
    }

    /// True when `v` may extend the current path: unvisited, and its group unused by the path.
    fn fits(&self, v: VertexId) -> bool {
        let g = self.graph.vertex(v).group;
        self.path
            .iter()
            .all(|&u| u != v && self.graph.vertex(u).group != g)
    }

    fn group_mask(&self) -> u32 {
        self.path
            .iter()
            .fold(0, |m, &u| m | (1 << self.graph.vertex(u).group))
    }

    fn push(&mut self, value: f64) -> bool {
        self.out.push(Exchange {
            groups: self.group_mask(),
            value,
        });
        self.out.len() <= BRUTE_FORCE_MAX_EXCHANGES
    }

    fn step(&mut self) -> bool {
        self.steps += 1;
        self.steps <= BRUTE_FORCE_MAX_STEPS
    }

    /// Cycles through the current path (which starts at `start`), using only vertices with a
    /// larger index than `start`, so each cycle is found once, from its smallest vertex.
    fn cycles_from(&mut self, start: VertexId, value: f64) -> bool {
        let last = *self.path.last().expect("path is never empty");
        let graph = self.graph;
        for a in graph.out_arcs(last) {
            if !self.step() {
                return false;
            }
            let v = a.to;
            let value = value + self.arc_value(a.weight);
            if v == start {
                if self.path.len() >= 2 && !self.push(value) {
                    return false;
                }
                continue;
            }
            if v < start
                || self.path.len() >= self.params.max_cycle
                || graph.vertex(v).kind != VertexKind::Request
                || !self.fits(v)
            {
                continue;
            }
            self.path.push(v);
            let ok = self.cycles_from(start, value);
            self.path.pop();
            if !ok {
                return false;
            }
        }
        true
    }

    /// Chains that extend the current path (which starts at an offer).
    fn chains_from(&mut self, value: f64) -> bool {
        let last = *self.path.last().expect("path is never empty");
        let graph = self.graph;
        for a in graph.out_arcs(last) {
            if !self.step() {
                return false;
            }
            let v = a.to;
            if graph.vertex(v).kind != VertexKind::Request || !self.fits(v) {
                continue;
            }
            let value = value + self.arc_value(a.weight);
            self.path.push(v);
            let mut ok = self.push(value);
            // The path now has `path.len() - 1` arcs.
            if ok && self.path.len() - 1 < self.params.max_chain {
                ok = self.chains_from(value);
            }
            self.path.pop();
            if !ok {
                return false;
            }
        }
        true
    }
}

/// Checks that `sol` is a feasible, canonical solution of `graph` under `params` and that its
/// numbers add up. Returns the first problem found, naming the exchange and vertices involved.
///
/// Checked: every vertex index exists; every cycle has 2..=`max_cycle` vertices, requests only,
/// starts at its smallest vertex, and every arc of it (the closing one included) exists; cycles
/// are strictly sorted; every chain is `[offer, p1, .., pk]` with `1 <= k <= max_chain`, requests
/// after the offer, every arc existing; chains are strictly sorted by offer; no vertex is used
/// twice; no exclusive group is used twice; `objective` equals the value recomputed here within
/// `1e-6 * max(1, |value|)`; `bound >= objective - 1e-6 * max(1, |objective|)`; and a solution
/// marked [`Status::Optimal`] has `bound <= objective + 1e-6 * max(1, |objective|)`.
pub fn check_solution(graph: &Graph, params: &Params, sol: &Solution) -> Result<(), String> {
    let n = graph.vertices().len();
    let name = |v: VertexId| -> String {
        match graph.vertices().get(v.index()) {
            Some(x) => format!("{v} ({:?})", x.id),
            None => format!("{v} (no such vertex)"),
        }
    };
    let mut vertex_used: Vec<Option<String>> = vec![None; n];
    let mut group_used: Vec<Option<(VertexId, String)>> = vec![None; graph.groups().len()];
    let mut value = 0.0;
    let mut arc_value = |u: VertexId, v: VertexId, what: &str| -> Result<(), String> {
        let a = graph
            .arc(u, v)
            .ok_or_else(|| format!("{what}: arc {} -> {} does not exist", name(u), name(v)))?;
        value += match params.objective {
            Objective::Count => 1.0,
            Objective::Weight => a.weight,
        };
        Ok(())
    };
    let mut claim = |v: VertexId, what: &str| -> Result<(), String> {
        if v.index() >= n {
            return Err(format!(
                "{what}: vertex {v} does not exist (graph has {n} vertices)"
            ));
        }
        if let Some(other) = &vertex_used[v.index()] {
            return Err(format!(
                "{what}: vertex {} is also used by {other}",
                name(v)
            ));
        }
        vertex_used[v.index()] = Some(what.to_owned());
        let g = graph.vertex(v).group as usize;
        if let Some((u, other)) = &group_used[g] {
            return Err(format!(
                "{what}: vertex {} is in exclusive group {:?} with vertex {} used by {other}",
                name(v),
                graph.groups()[g],
                name(*u)
            ));
        }
        group_used[g] = Some((v, what.to_owned()));
        Ok(())
    };

    for (i, c) in sol.cycles.iter().enumerate() {
        let what = format!("cycle {i} {c:?}");
        if c.len() < 2 || c.len() > params.max_cycle {
            return Err(format!(
                "{what}: has {} arcs, allowed 2..={} (max_cycle)",
                c.len(),
                params.max_cycle
            ));
        }
        for &v in c {
            claim(v, &what)?;
            if graph.vertex(v).kind != VertexKind::Request {
                return Err(format!("{what}: vertex {} is an offer", name(v)));
            }
        }
        let min = *c.iter().min().expect("cycle is not empty");
        if c[0] != min {
            return Err(format!(
                "{what}: not canonical, starts at {} but its smallest vertex is {}",
                name(c[0]),
                name(min)
            ));
        }
        for k in 0..c.len() {
            arc_value(c[k], c[(k + 1) % c.len()], &what)?;
        }
        if i > 0 && sol.cycles[i - 1] >= *c {
            return Err(format!(
                "cycles not sorted: cycle {} {:?} comes before cycle {i} {c:?}",
                i - 1,
                sol.cycles[i - 1]
            ));
        }
    }

    for (i, p) in sol.chains.iter().enumerate() {
        let what = format!("chain {i} {p:?}");
        if p.len() < 2 || p.len() - 1 > params.max_chain {
            return Err(format!(
                "{what}: has {} arcs, allowed 1..={} (max_chain)",
                p.len().saturating_sub(1),
                params.max_chain
            ));
        }
        for (k, &v) in p.iter().enumerate() {
            claim(v, &what)?;
            let kind = graph.vertex(v).kind;
            if k == 0 && kind != VertexKind::Offer {
                return Err(format!(
                    "{what}: starts at {}, which is not an offer",
                    name(v)
                ));
            }
            if k > 0 && kind != VertexKind::Request {
                return Err(format!(
                    "{what}: vertex {} at position {k} is an offer; offers only start chains",
                    name(v)
                ));
            }
        }
        for w in p.windows(2) {
            arc_value(w[0], w[1], &what)?;
        }
        if i > 0 && sol.chains[i - 1][0] >= p[0] {
            return Err(format!(
                "chains not sorted by offer: chain {} {:?} comes before chain {i} {p:?}",
                i - 1,
                sol.chains[i - 1]
            ));
        }
    }

    let tol = |x: f64| TOLERANCE * x.abs().max(1.0);
    if (sol.objective - value).abs() > tol(value) {
        return Err(format!(
            "objective {} but the exchanges are worth {value} under {:?}",
            sol.objective, params.objective
        ));
    }
    if sol.bound < sol.objective - tol(sol.objective) {
        return Err(format!(
            "bound {} is below the objective {}",
            sol.bound, sol.objective
        ));
    }
    if sol.status == Status::Optimal && sol.bound > sol.objective + tol(sol.objective) {
        return Err(format!(
            "status optimal but bound {} exceeds objective {}",
            sol.bound, sol.objective
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::GraphBuilder;
    use crate::solution::Stats;

    /// A graph from a compact description: `r` requests named `r0..`, `o` offers named `o0..`
    /// (vertex indices: requests first, then offers), groups as lists of request indices, and
    /// arcs `(from, to, weight)` by vertex index.
    fn graph(r: usize, o: usize, groups: &[&[usize]], arcs: &[(u32, u32, f64)]) -> Graph {
        let mut b = GraphBuilder::new();
        for i in 0..r {
            match groups.iter().position(|g| g.contains(&i)) {
                Some(g) => b.add_request_in_group(format!("r{i}"), &format!("g{g}")),
                None => b.add_request(format!("r{i}")),
            }
            .unwrap();
        }
        for i in 0..o {
            b.add_offer(format!("o{i}")).unwrap();
        }
        for &(u, v, w) in arcs {
            b.add_arc(VertexId(u), VertexId(v), w).unwrap();
        }
        b.build().unwrap()
    }

    fn params(k: usize, l: usize, objective: Objective) -> Params {
        Params {
            max_cycle: k,
            max_chain: l,
            objective,
            time_limit: None,
            memory_limit: None,
        }
    }

    fn sol(cycles: &[&[u32]], chains: &[&[u32]], objective: f64) -> Solution {
        let ids = |xs: &[&[u32]]| -> Vec<Vec<VertexId>> {
            xs.iter()
                .map(|x| x.iter().map(|&v| VertexId(v)).collect())
                .collect()
        };
        Solution {
            cycles: ids(cycles),
            chains: ids(chains),
            objective,
            bound: objective,
            status: Status::Optimal,
            stats: Stats::default(),
        }
    }

    /// Checks the brute-force optimum for each `(K, L, objective)` in `cases`.
    fn check(g: &Graph, cases: &[(usize, usize, Objective, f64)]) {
        for &(k, l, obj, expected) in cases {
            let got = brute_force(g, &params(k, l, obj)).expect("small graph");
            assert!(
                (got - expected).abs() < 1e-9,
                "K={k} L={l} {obj:?}: brute force {got}, expected {expected}"
            );
        }
    }

    use Objective::{Count, Weight};

    #[test]
    fn empty_and_arcless_graphs_are_worth_nothing() {
        check(
            &graph(0, 0, &[], &[]),
            &[(3, 3, Count, 0.0), (0, 0, Weight, 0.0)],
        );
        check(&graph(3, 2, &[], &[]), &[(3, 3, Count, 0.0)]);
    }

    #[test]
    fn three_cycle_beats_two_cycle_sharing_a_vertex_unless_capped_or_outweighed() {
        // 0 <-> 1 (weights 5, 5), 1 -> 2 -> 3 -> 1 (weights 1).
        let g = graph(
            4,
            0,
            &[],
            &[
                (0, 1, 5.0),
                (1, 0, 5.0),
                (1, 2, 1.0),
                (2, 3, 1.0),
                (3, 1, 1.0),
            ],
        );
        check(
            &g,
            &[
                (3, 0, Count, 3.0),
                (2, 0, Count, 2.0),
                (0, 0, Count, 0.0),
                (1, 0, Count, 0.0),
                (3, 0, Weight, 10.0),
                (4, 3, Weight, 10.0),
            ],
        );
    }

    #[test]
    fn chain_versus_cycle() {
        // Offer 3 -> 0 -> 1 -> 2; cycle 1 <-> 2.
        let g = graph(
            3,
            1,
            &[],
            &[(3, 0, 1.0), (0, 1, 1.0), (1, 2, 1.0), (2, 1, 1.0)],
        );
        check(
            &g,
            &[
                (2, 3, Count, 3.0), // the whole chain
                (2, 1, Count, 3.0), // 3 -> 0 plus cycle 1 <-> 2
                (0, 2, Count, 2.0), // chain 3 -> 0 -> 1
                (2, 0, Count, 2.0), // the cycle alone
                (0, 0, Count, 0.0),
            ],
        );
    }

    #[test]
    fn exclusive_group_allows_one_of_its_vertices() {
        // Two 2-cycles 0 <-> 2 and 1 <-> 3, with 0 and 1 in one group; the 3-cycle 2 -> 3 -> 4
        // -> 2 is disjoint from the group.
        let arcs = [
            (0, 2, 1.0),
            (2, 0, 1.0),
            (1, 3, 1.0),
            (3, 1, 1.0),
            (2, 3, 1.0),
            (3, 4, 1.0),
            (4, 2, 1.0),
        ];
        let grouped = graph(5, 0, &[&[0, 1]], &arcs);
        let free = graph(5, 0, &[], &arcs);
        check(&free, &[(2, 0, Count, 4.0), (3, 0, Count, 4.0)]);
        check(&grouped, &[(2, 0, Count, 2.0), (3, 0, Count, 3.0)]);
        // A cycle that would use two vertices of one group (not adjacent, so the builder keeps
        // its arcs) is not feasible at all.
        let ring = [(0, 1, 1.0), (1, 2, 1.0), (2, 3, 1.0), (3, 0, 1.0)];
        check(&graph(4, 0, &[], &ring), &[(4, 0, Count, 4.0)]);
        check(&graph(4, 0, &[&[0, 2]], &ring), &[(4, 0, Count, 0.0)]);
        // Nor is a chain: offer 3 -> 0 -> 2 -> 1 stops before 1.
        let g = graph(3, 1, &[&[0, 1]], &[(3, 0, 1.0), (0, 2, 1.0), (2, 1, 1.0)]);
        check(&g, &[(0, 3, Count, 2.0)]);
    }

    #[test]
    fn weights_can_make_the_shorter_cycle_better() {
        // 2-cycle 0 <-> 1 worth 9 + 9; 3-cycle 1 -> 2 -> 3 -> 1 worth 3 * 2.5; they share 1.
        let g = graph(
            4,
            0,
            &[],
            &[
                (0, 1, 9.0),
                (1, 0, 9.0),
                (1, 2, 2.5),
                (2, 3, 2.5),
                (3, 1, 2.5),
            ],
        );
        check(&g, &[(3, 0, Weight, 18.0), (3, 0, Count, 3.0)]);
    }

    #[test]
    fn negative_weights_are_left_out() {
        let g = graph(2, 1, &[], &[(0, 1, -1.0), (1, 0, -1.0), (2, 0, 0.5)]);
        check(&g, &[(2, 2, Weight, 0.5), (2, 2, Count, 2.0)]);
    }

    #[test]
    fn chains_and_cycles_pack_together() {
        // Two offers competing for request 0; cycle 1 -> 2 -> 1; offer 5 -> 3 -> 4.
        let g = graph(
            5,
            2,
            &[],
            &[
                (5, 0, 1.0),
                (6, 0, 1.0),
                (1, 2, 1.0),
                (2, 1, 1.0),
                (5, 3, 1.0),
                (3, 4, 1.0),
                (0, 1, 1.0),
            ],
        );
        // Best at K=2, L=2: 5 -> 3 -> 4, 6 -> 0, 1 <-> 2 = 2 + 1 + 2.
        check(
            &g,
            &[(2, 2, Count, 5.0), (0, 3, Count, 5.0), (2, 0, Count, 2.0)],
        );
    }

    #[test]
    fn too_big_graphs_get_no_answer() {
        let n = BRUTE_FORCE_MAX_VERTICES + 1;
        assert_eq!(
            brute_force(&graph(n, 0, &[], &[]), &params(3, 3, Count)),
            None
        );
        // A complete digraph on 20 vertices has far more than 5 000 cycles of length <= 4.
        let mut arcs = Vec::new();
        for u in 0..20 {
            for v in 0..20 {
                arcs.push((u, v, 1.0));
            }
        }
        let g = graph(20, 0, &[], &arcs);
        assert_eq!(brute_force(&g, &params(4, 0, Count)), None);
        assert_eq!(brute_force(&g, &params(2, 0, Count)), Some(20.0));
    }

    /// A second, unrelated brute force: give every vertex a successor (or none) along one of its
    /// arcs, keep the assignments where no vertex has two predecessors, and read off cycles and
    /// paths. Exponential in a different way: `(deg + 1)^n` assignments.
    fn by_successors(g: &Graph, p: &Params) -> f64 {
        fn rec(g: &Graph, p: &Params, succ: &mut Vec<Option<usize>>, best: &mut f64) {
            let n = g.vertices().len();
            let v = succ.len();
            if v == n {
                if let Some(value) = evaluate(g, p, succ) {
                    *best = best.max(value);
                }
                return;
            }
            succ.push(None);
            rec(g, p, succ, best);
            succ.pop();
            for a in g.out_arcs(VertexId(v as u32)) {
                let t = a.to.index();
                if succ.contains(&Some(t)) {
                    continue;
                }
                succ.push(Some(t));
                rec(g, p, succ, best);
                succ.pop();
            }
        }
        fn evaluate(g: &Graph, p: &Params, succ: &[Option<usize>]) -> Option<f64> {
            let n = succ.len();
            let mut pred = vec![None; n];
            for (u, s) in succ.iter().enumerate() {
                if let Some(t) = *s {
                    pred[t] = Some(u);
                }
            }
            let used: Vec<usize> = (0..n)
                .filter(|&v| succ[v].is_some() || pred[v].is_some())
                .collect();
            let mut groups: Vec<u32> = used.iter().map(|&v| g.vertices()[v].group).collect();
            groups.sort_unstable();
            if groups.windows(2).any(|w| w[0] == w[1]) {
                return None;
            }
            let mut value = 0.0;
            for (u, s) in succ.iter().enumerate() {
                if let Some(t) = *s {
                    let a = g.arc(VertexId(u as u32), VertexId(t as u32)).unwrap();
                    value += match p.objective {
                        Objective::Count => 1.0,
                        Objective::Weight => a.weight,
                    };
                }
            }
            for &v in &used {
                if pred[v].is_none() {
                    // A path starts here: it must be an offer, and at most L arcs long.
                    if g.vertices()[v].kind != VertexKind::Offer {
                        return None;
                    }
                    let (mut len, mut x) = (0, v);
                    while let Some(t) = succ[x] {
                        len += 1;
                        x = t;
                    }
                    if len > p.max_chain {
                        return None;
                    }
                } else {
                    // On a cycle, or inside a path; walking back finds out which.
                    let (mut len, mut x) = (1, pred[v].unwrap());
                    while x != v {
                        match pred[x] {
                            Some(y) => x = y,
                            None => break,
                        }
                        len += 1;
                    }
                    if x == v && len > p.max_cycle {
                        return None;
                    }
                }
            }
            Some(value)
        }
        let mut best = 0.0;
        rec(g, p, &mut Vec::new(), &mut best);
        best
    }

    #[test]
    fn brute_force_agrees_with_a_successor_search_on_random_tiny_graphs() {
        use rand::{RngExt, SeedableRng};
        for seed in 0..150u64 {
            let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
            let n = rng.random_range(2..=7usize);
            let offers = rng.random_range(0..=2usize.min(n - 1));
            let r = n - offers;
            let density = rng.random_range(0.2..0.7);
            let group: &[usize] = if r >= 3 && rng.random_bool(0.5) {
                &[0, 2]
            } else {
                &[]
            };
            let mut arcs = Vec::new();
            for u in 0..n as u32 {
                for v in 0..r as u32 {
                    if u != v && rng.random_bool(density) {
                        let w = if rng.random_bool(0.5) {
                            f64::from(rng.random_range(1..=9u32))
                        } else {
                            rng.random_range(0.1..5.0)
                        };
                        arcs.push((u, v, w));
                    }
                }
            }
            let g = graph(r, offers, &[group], &arcs);
            for (k, l, obj) in [(0, 3, Count), (2, 1, Weight), (3, 2, Count), (4, 0, Weight)] {
                let p = params(k, l, obj);
                let (a, b) = (brute_force(&g, &p).unwrap(), by_successors(&g, &p));
                assert!(
                    (a - b).abs() < 1e-9,
                    "seed {seed} K={k} L={l} {obj:?}: brute_force {a}, successor search {b}\n{g:?}"
                );
            }
        }
    }

    #[test]
    fn check_solution_accepts_feasible_solutions() {
        let g = graph(
            5,
            1,
            &[],
            &[
                (0, 1, 1.0),
                (1, 0, 2.0),
                (5, 2, 0.5),
                (2, 3, 1.0),
                (3, 4, 1.0),
            ],
        );
        let p = params(3, 3, Weight);
        check_solution(&g, &p, &sol(&[&[0, 1]], &[&[5, 2, 3, 4]], 5.5)).unwrap();
        check_solution(&g, &params(3, 3, Count), &sol(&[&[0, 1]], &[&[5, 2]], 3.0)).unwrap();
        check_solution(&g, &p, &sol(&[], &[], 0.0)).unwrap();
        let mut s = sol(&[], &[&[5, 2]], 0.5);
        s.bound = 3.0;
        s.status = Status::TimeLimit { gap: 0.8 };
        check_solution(&g, &p, &s).unwrap();
    }

    /// `check_solution` rejects `bad` with a message containing `needle`.
    fn rejects(g: &Graph, p: &Params, bad: &Solution, needle: &str) {
        match check_solution(g, p, bad) {
            Ok(()) => panic!("accepted {bad:?}, expected an error containing {needle:?}"),
            Err(e) => assert!(
                e.contains(needle),
                "error {e:?} does not contain {needle:?}"
            ),
        }
    }

    #[test]
    fn check_solution_rejects_each_kind_of_mistake() {
        // Requests 0..=4 (1 and 4 share a group), offers 5, 6.
        let g = graph(
            5,
            2,
            &[&[1, 4]],
            &[
                (0, 1, 1.0),
                (1, 0, 1.0),
                (1, 2, 1.0),
                (2, 3, 1.0),
                (3, 1, 1.0),
                (2, 0, 1.0),
                (0, 2, 1.0),
                (5, 2, 1.0),
                (6, 3, 1.0),
                (3, 4, 1.0),
                (4, 3, 1.0),
                (6, 0, 1.0),
            ],
        );
        let p = params(2, 1, Count);
        rejects(
            &g,
            &p,
            &sol(&[&[0, 3]], &[], 2.0),
            "arc #0 (\"r0\") -> #3 (\"r3\") does not exist",
        );
        rejects(
            &g,
            &p,
            &sol(&[&[1, 2, 3]], &[], 3.0),
            "has 3 arcs, allowed 2..=2",
        );
        rejects(
            &g,
            &params(0, 1, Count),
            &sol(&[&[0, 1]], &[], 2.0),
            "allowed 2..=0",
        );
        rejects(&g, &p, &sol(&[&[1, 0]], &[], 2.0), "not canonical");
        rejects(
            &g,
            &p,
            &sol(&[&[3, 4], &[0, 1]], &[], 4.0),
            "exclusive group",
        );
        rejects(
            &g,
            &p,
            &sol(&[&[0, 2], &[0, 1]], &[], 4.0),
            "also used by cycle 0",
        );
        rejects(&g, &p, &sol(&[&[2, 3]], &[], 2.0), "does not exist");
        rejects(
            &g,
            &p,
            &sol(&[&[3, 4], &[0, 2]], &[], 4.0),
            "cycles not sorted",
        );
        rejects(
            &g,
            &p,
            &sol(&[&[0, 9]], &[], 2.0),
            "vertex #9 does not exist",
        );
        rejects(
            &g,
            &p,
            &sol(&[], &[&[5, 2, 3]], 2.0),
            "has 2 arcs, allowed 1..=1",
        );
        rejects(&g, &p, &sol(&[], &[&[5]], 0.0), "has 0 arcs");
        rejects(&g, &p, &sol(&[], &[&[2, 3]], 1.0), "not an offer");
        rejects(
            &g,
            &params(2, 2, Count),
            &sol(&[], &[&[5, 6]], 1.0),
            "offers only start chains",
        );
        rejects(
            &g,
            &p,
            &sol(&[], &[&[6, 3], &[5, 2]], 2.0),
            "chains not sorted by offer",
        );
        rejects(
            &g,
            &p,
            &sol(&[&[0, 2]], &[&[5, 2]], 3.0),
            "also used by cycle 0",
        );
        rejects(
            &g,
            &p,
            &sol(&[&[0, 1]], &[], 3.0),
            "objective 3 but the exchanges are worth 2",
        );
        let mut s = sol(&[&[0, 1]], &[], 2.0);
        s.bound = 1.5;
        rejects(&g, &p, &s, "bound 1.5 is below the objective 2");
        s.bound = 2.5;
        rejects(
            &g,
            &p,
            &s,
            "status optimal but bound 2.5 exceeds objective 2",
        );
        s.status = Status::TimeLimit { gap: 0.2 };
        check_solution(&g, &p, &s).unwrap();
    }
}
