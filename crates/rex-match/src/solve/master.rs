//! The master problems: the root LP solved by column generation, and the integer programs.
//!
//! Rows are the same for both. One *group row* per exclusive group (at most one of its vertices
//! receives; an offer's row says it gives at most once) and one *flow row* per request `v` and
//! position `p < L` at which `v` can sit in a chain: what leaves `v` at position `p + 1` is at most
//! what entered it at position `p`.

use super::prep::{ChainVar, Prepared};
use super::{ffi, Deadline, Stop};
use crate::graph::Graph;
use crate::solve::SolveError;
use highs::{ColProblem, HighsModelStatus, Model, Sense};

/// A column id: `< cycles.len()` is a cycle, the rest index `chain_vars`.
pub type ColId = u32;

/// Rows of the master problems and the coefficients of every column.
pub struct Rows {
    /// One row per exclusive group (upper bound 1), before the flow rows (upper bound 0).
    pub group_rows: usize,
    /// `flow_row[v * (L - 1) + (p - 1)]` is the flow row of request `v` at position `p`.
    flow_row: Vec<u32>,
    l: usize,
    pub count: usize,
}

const NO_ROW: u32 = u32::MAX;

impl Rows {
    pub fn new(graph: &Graph, prep: &Prepared, l: usize) -> Self {
        let n = graph.vertices().len();
        let group_rows = graph.groups().len();
        let width = l.saturating_sub(1);
        let mut has_in = vec![false; n * width];
        let mut has_out = vec![false; n * width];
        for cv in &prep.chain_vars {
            let a = graph.arcs()[cv.arc as usize];
            let p = cv.pos as usize;
            if p < l {
                has_in[a.to.index() * width + p - 1] = true;
            }
            if p >= 2 {
                has_out[a.from.index() * width + p - 2] = true;
            }
        }
        let mut count = group_rows;
        let flow_row = has_in
            .iter()
            .zip(&has_out)
            .map(|(&i, &o)| {
                if i && o {
                    count += 1;
                    (count - 1) as u32
                } else {
                    NO_ROW
                }
            })
            .collect();
        Rows {
            group_rows,
            flow_row,
            l,
            count,
        }
    }

    /// The flow row of request `v` at chain position `p`, if it has one.
    pub fn flow(&self, v: usize, p: usize) -> Option<usize> {
        if p == 0 || p >= self.l {
            return None;
        }
        let r = self.flow_row[v * (self.l - 1) + p - 1];
        (r != NO_ROW).then_some(r as usize)
    }

    /// Row bounds: group rows `<= 1`, flow rows `<= 0`.
    pub fn upper(&self, row: usize) -> f64 {
        if row < self.group_rows {
            1.0
        } else {
            0.0
        }
    }

    /// The nonzero coefficients of a column, and its objective coefficient.
    pub fn column(
        &self,
        graph: &Graph,
        prep: &Prepared,
        id: ColId,
        out: &mut Vec<(usize, f64)>,
    ) -> f64 {
        out.clear();
        let nc = prep.cycles.len();
        if (id as usize) < nc {
            for &v in prep.cycles.get(id as usize) {
                out.push((graph.vertices()[v as usize].group as usize, 1.0));
            }
            return prep.cycles.weight[id as usize];
        }
        let ChainVar { arc, pos } = prep.chain_vars[id as usize - nc];
        let a = graph.arcs()[arc as usize];
        let p = pos as usize;
        out.push((graph.vertex(a.to).group as usize, 1.0));
        if p == 1 {
            out.push((graph.vertex(a.from).group as usize, 1.0));
        } else {
            let r = self
                .flow(a.from.index(), p - 1)
                .expect("a chain arc at position p leaves a vertex with a flow row at p - 1");
            out.push((r, 1.0));
        }
        if let Some(r) = self.flow(a.to.index(), p) {
            out.push((r, -1.0));
        }
        prep.weight[arc as usize]
    }

    /// Reduced cost `c - y·a` of a column under row duals `y` (all `>= 0`).
    pub fn reduced_cost(&self, graph: &Graph, prep: &Prepared, id: ColId, duals: &[f64]) -> f64 {
        let nc = prep.cycles.len();
        if (id as usize) < nc {
            let mut rc = prep.cycles.weight[id as usize];
            for &v in prep.cycles.get(id as usize) {
                rc -= duals[graph.vertices()[v as usize].group as usize];
            }
            return rc;
        }
        let ChainVar { arc, pos } = prep.chain_vars[id as usize - nc];
        let a = graph.arcs()[arc as usize];
        let p = pos as usize;
        let mut rc = prep.weight[arc as usize] - duals[graph.vertex(a.to).group as usize];
        if p == 1 {
            rc -= duals[graph.vertex(a.from).group as usize];
        } else if let Some(r) = self.flow(a.from.index(), p - 1) {
            rc -= duals[r];
        }
        if let Some(r) = self.flow(a.to.index(), p) {
            rc += duals[r];
        }
        rc
    }
}

/// Gives HiGHS what is left of the solve's time budget, just before it runs; `Timeout` if
/// nothing is left, rather than a run of a millisecond whose outcome would depend on the
/// machine's speed.
pub(super) fn limit_time(model: &mut Model, deadline: &Deadline) -> Result<(), Stop> {
    if let Some(left) = deadline.remaining() {
        if left.is_zero() {
            return Err(Stop::Timeout);
        }
        // HiGHS counts its limit against the model's run time summed over every run, so a
        // model re-solved in column generation would stop early on the remaining time alone.
        let limit = ffi::run_time(model) + left.as_secs_f64().max(0.001);
        model.set_option("time_limit", limit);
    }
    Ok(())
}

pub(super) fn configure(model: &mut Model, mip: bool, prep: &Prepared) {
    // One thread: HiGHS is deterministic either way, and this keeps the machine's other core
    // for the caller; the LP and the MIPs here are small enough that threads do not pay.
    model.set_option("threads", 1);
    model.set_option("random_seed", 0);
    if mip {
        // Measured on the 600-pair instances: HiGHS's presolve costs more than it saves on
        // these set-packing MIPs, and a larger heuristic effort finds the optimum sooner.
        model.set_option("presolve", "off");
        model.set_option("mip_heuristic_effort", 0.3);
        // Feasibility jump costs ~7 ms even on a MIP of three columns, and on the 300-pair
        // instances it found nothing the other heuristics did not (measured: no change there).
        model.set_option("mip_heuristic_run_feasibility_jump", false);
        model.set_option("mip_rel_gap", 0.0);
        // With integral objective values any gap below 1 proves optimality.
        model.set_option("mip_abs_gap", if prep.integral { 0.999 } else { 1e-7 });
    } else {
        model.set_option("presolve", "off");
        // Adding columns keeps the basis primal feasible: primal simplex resumes from it.
        model.set_option("simplex_strategy", 4);
    }
}

/// The row duals of a maximisation LP whose rows are all `<=`, as HiGHS reports them: the
/// shadow prices, `>= 0` (HiGHS gives a maximisation's duals with their natural sign), with
/// rounding noise below zero clamped. `tests::dual_signs` pins the convention.
pub(super) fn packing_duals(raw: &[f64]) -> Vec<f64> {
    raw.iter().map(|&y| y.max(0.0)).collect()
}

/// A fixed scrambling of column ids (a 32-bit integer hash), for tie-breaking.
fn scramble(id: ColId) -> u32 {
    if id == ColId::MAX {
        return u32::MAX;
    }
    let mut x = id.wrapping_mul(0x9E37_79B9);
    x ^= x >> 16;
    x = x.wrapping_mul(0x85EB_CA6B);
    x ^= x >> 13;
    x.wrapping_mul(0xC2B2_AE35) & (u32::MAX - 1)
}

/// The root after column generation.
pub struct Root {
    /// Columns in the restricted master, in the order they were added.
    pub columns: Vec<ColId>,
    /// Value of the restricted master LP.
    pub lp_value: f64,
    /// Whether no column prices out: then `lp_value` is the LP bound and `duals` prove it.
    pub converged: bool,
    /// Row duals of the last master LP (all `>= 0`).
    pub duals: Vec<f64>,
    /// Primal values of `columns` in the last master LP.
    pub values: Vec<f64>,
    pub rounds: usize,
    /// The master LP after its last solve (`None` before the first), kept for [`dive`].
    pub model: Option<Model>,
}

/// How column generation solves its first LP, from the slack basis. Later rounds resume the
/// primal simplex from the last basis either way.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FirstSolve {
    /// The primal simplex, as every later round.
    Simplex,
    /// Interior point, then crossover to an optimal basis for the later rounds.
    InteriorPoint,
}

/// From this many rows, the first LP goes to the interior point. Measured on a 2-core EPYC
/// (BENCHMARKS.md, "nineteenth pass"): from the slack basis the primal simplex of this very
/// degenerate LP grows steeply with its size, 0.05-0.2 s at 2,200-3,300 rows, 1.3-3.3 s at
/// 5,600-5,900 and 13 s at 11,700, where the interior point with crossover takes 0.1, 0.3
/// and 0.8-1.0 s. Below it are every shared instance (at most about 2,000 rows) and the local
/// search's neighbourhoods (at most about 1,200), whose solves stay as they were.
const INTERIOR_FIRST_ROWS: usize = 3_000;

impl FirstSolve {
    /// The interior point for LPs of at least [`INTERIOR_FIRST_ROWS`] rows.
    pub fn by_size(rows: usize) -> FirstSolve {
        if rows >= INTERIOR_FIRST_ROWS {
            FirstSolve::InteriorPoint
        } else {
            FirstSolve::Simplex
        }
    }
}

/// Column generation. Each round prices every column not in the master under the master's
/// duals and adds the best new column of every row: the best per row, rather than the best
/// overall, spreads a round over the whole graph instead of piling it onto the few vertices of
/// the heaviest cycles. Ties (frequent: under zero duals all 3-cycles price alike) go to a fixed
/// scrambling of column ids, so the run is deterministic. The LP is re-solved warm; the first
/// one, from the slack basis, as `first` says (`FirstSolve::by_size`).
///
/// Stops when no column prices out (`converged`), or as soon as the master's value reaches
/// `target`, a bound proven elsewhere: the count objective makes this LP massively degenerate,
/// and its duals can zig-zag for hundreds of rounds after the value has stopped moving.
#[allow(clippy::too_many_arguments)]
pub fn solve_root(
    graph: &Graph,
    prep: &Prepared,
    rows: &Rows,
    start: &[ColId],
    target: f64,
    first: FirstSolve,
    deadline: &Deadline,
    on_round: &mut dyn FnMut(usize, f64),
) -> Result<Root, Stop> {
    let total = prep.cycles.len() + prep.chain_vars.len();
    let mut problem = ColProblem::default();
    for r in 0..rows.count {
        problem.add_row(..=rows.upper(r));
    }
    let mut model = problem.optimise(Sense::Maximise);
    configure(&mut model, false, prep);
    let mut batch = ffi::NewCols::default();
    let mut in_master = vec![false; total];
    let mut columns: Vec<ColId> = Vec::new();
    let mut coefs = Vec::new();
    let mut best: Vec<(f64, ColId)> = vec![(0.0, ColId::MAX); rows.count];
    let mut duals = vec![0.0; rows.count];
    let mut lp_value = 0.0;
    let mut values = Vec::new();
    let mut rounds = 0;
    let mut new_columns: Vec<ColId> = start.to_vec();
    let converged = loop {
        deadline.check()?;
        if rounds > 0 || new_columns.is_empty() {
            new_columns = price(graph, prep, rows, &duals, &in_master, None, &mut best);
        }
        tracing::debug!(
            round = rounds,
            columns = columns.len(),
            lp = lp_value,
            new = new_columns.len(),
            elapsed = ?deadline.elapsed(),
            "column generation round"
        );
        if new_columns.is_empty() {
            break true;
        }
        if rounds > 0 && lp_value >= target - 1e-6 {
            break false;
        }
        batch.clear();
        for &id in &new_columns {
            let cost = rows.column(graph, prep, id, &mut coefs);
            batch.push(cost, &coefs);
            in_master[id as usize] = true;
            columns.push(id);
        }
        if !ffi::add_cols(&mut model, &batch) {
            return Err(Stop::Error(SolveError::Solver(
                "LP: HiGHS refused new columns".into(),
            )));
        }
        rounds += 1;
        limit_time(&mut model, deadline)?;
        let how = match first {
            FirstSolve::InteriorPoint if rounds == 1 => FirstSolve::InteriorPoint,
            _ => FirstSolve::Simplex,
        };
        let solved = solve_lp(model, how)?;
        lp_value = solved.objective_value();
        let solution = solved.get_solution();
        duals = packing_duals(solution.dual_rows());
        values = solution.columns().to_vec();
        on_round(rounds, lp_value);
        model = solved.into();
        if how == FirstSolve::InteriorPoint {
            // The crossover's basis is where the next round's simplex resumes.
            model.set_option("solver", "simplex");
        }
    };
    Ok(Root {
        columns,
        lp_value,
        converged,
        duals,
        values,
        model: (rounds > 0).then_some(model),
        rounds,
    })
}

/// Solves the LP of `model` to optimality: by the simplex as configured, or first by interior
/// point and crossover (`how`). An interior point that ends without a verdict (HiGHS's
/// iteration limit, or an imprecise point) hands over to the simplex from where it stopped,
/// so a large first LP never fails where the simplex alone would have solved it.
fn solve_lp(mut model: Model, how: FirstSolve) -> Result<highs::SolvedModel, Stop> {
    let solve = |model: Model| {
        model
            .try_solve()
            .map_err(|e| Stop::Error(SolveError::Solver(format!("LP: {e:?}"))))
    };
    if how == FirstSolve::InteriorPoint {
        model.set_option("solver", "ipm");
        model.set_option("run_crossover", "on");
        let solved = solve(model)?;
        match solved.status() {
            HighsModelStatus::Optimal => return Ok(solved),
            HighsModelStatus::ReachedTimeLimit => return Err(Stop::Timeout),
            s => {
                tracing::debug!(status = ?s, "column generation: interior point without a verdict");
                model = solved.into();
                model.set_option("solver", "simplex");
            }
        }
    }
    let solved = solve(model)?;
    match solved.status() {
        HighsModelStatus::Optimal => Ok(solved),
        HighsModelStatus::ReachedTimeLimit => Err(Stop::Timeout),
        s => Err(Stop::Error(SolveError::Solver(format!("LP ended {s:?}")))),
    }
}

/// The columns at 1 in `values` (parallel to `columns`), if every value is within `1e-6` of 0
/// or 1: then they form a feasible integer solution.
pub fn integral(columns: &[ColId], values: &[f64]) -> Option<Vec<ColId>> {
    let mut chosen = Vec::new();
    for (&id, &x) in columns.iter().zip(values) {
        if x > 1.0 - 1e-6 {
            chosen.push(id);
        } else if x >= 1e-6 {
            return None;
        }
    }
    chosen.sort_unstable();
    Some(chosen)
}

/// A diving heuristic on the root master LP, with pricing (price-and-dive). Each step fixes to
/// 1 every fractional column above 1/2 (no two of them share a group row) and re-solves from the
/// current basis; if that loses `target` (the LP value falls below it, or the LP becomes
/// infeasible), those columns are freed again and the basis from before the fixing restored
/// (a re-solve after an infeasible one would otherwise start cold: 15.6 s against 0.02 s on a
/// modified-Saidman 2,000-pair subgraph). The step then fixes only the largest fractional
/// column (ties: the earliest added), to 1, else to 0, and later batches hold at most half as
/// many columns as the one that failed, the largest values first. Once neither keeps
/// `target`, the dive goes on without it (fixing to 1) for a lower bound and a start for the
/// integer program. A column fixed to 1 fixes every column sharing one of its group rows to 0,
/// as the row implies; saying so explicitly spares the dual simplex most of its work on these
/// degenerate LPs (saidman-5pc 300-5-1: 3.3 s to 1.1 s for one re-solve). Ends when the LP
/// solution is integral and returns its columns (`None` if the LP became infeasible).
///
/// Before a fixing counts as losing the target, columns outside the master are priced under
/// the re-solved LP's duals, as in column generation (those meeting a group row a fixed
/// column fills are left out: they could only be 0); only when none prices out is the target
/// lost. The count objective has a great many optimal solutions, of which the root master
/// holds only some: without pricing, the dive lost the target on a third of the 600-pair
/// Trimble instances and an integer program had to find it (seconds); with pricing it rarely
/// does. Columns it adds stay in `root.columns`, for the integer programs.
///
/// KEP root LPs are nearly integral and their bound is almost always the optimum, so the dive
/// usually reaches it and spares the integer program.
pub fn dive(
    graph: &Graph,
    prep: &Prepared,
    rows: &Rows,
    root: &mut Root,
    target: f64,
    deadline: &Deadline,
) -> Result<Option<Vec<ColId>>, Stop> {
    let Some(model) = root.model.take() else {
        return Ok(None);
    };
    let total = prep.cycles.len() + prep.chain_vars.len();
    let mut in_master = vec![false; total];
    for &id in &root.columns {
        in_master[id as usize] = true;
    }
    let mut dive = Dive {
        graph,
        prep,
        rows,
        model: Some(model),
        columns: std::mem::take(&mut root.columns),
        in_master,
        free: Vec::new(),
        one: Vec::new(),
        groups_of: Vec::new(),
        columns_of: vec![Vec::new(); rows.group_rows],
        values: root.values.clone(),
        target,
        solves: 0,
        priced: 0,
    };
    dive.index_new_columns();
    let result = dive.run(root, deadline);
    root.columns = std::mem::take(&mut dive.columns);
    tracing::debug!(
        solves = dive.solves,
        priced = dive.priced,
        "dive: done, columns priced in"
    );
    result
}

/// The state of a [`dive`]: the master LP, its columns, which are still free or fixed to 1,
/// and the values of its last solution that kept the target.
struct Dive<'a> {
    graph: &'a Graph,
    prep: &'a Prepared,
    rows: &'a Rows,
    /// `None` only while a solve runs.
    model: Option<Model>,
    /// The master's columns, in model order (the root's, then those priced in).
    columns: Vec<ColId>,
    in_master: Vec<bool>,
    free: Vec<bool>,
    one: Vec<bool>,
    /// The group rows of every master column, and the master columns of every group row, to
    /// propagate fixings.
    groups_of: Vec<Vec<u32>>,
    columns_of: Vec<Vec<u32>>,
    values: Vec<f64>,
    target: f64,
    solves: usize,
    priced: usize,
}

impl Dive<'_> {
    fn run(&mut self, root: &Root, deadline: &Deadline) -> Result<Option<Vec<ColId>>, Stop> {
        // An integer solution over these columns is worth at most the LP value plus the reduced
        // costs (all <= 0) of its columns: to reach `target` it uses only columns of reduced
        // cost >= target - LP. The others are fixed at 0 (under the count objective, whose LP
        // is very degenerate, there are few).
        let floor = self.target - root.lp_value - 1e-6;
        let useless: Vec<usize> = (0..self.columns.len())
            .filter(|&i| {
                self.rows
                    .reduced_cost(self.graph, self.prep, self.columns[i], &root.duals)
                    < floor
            })
            .collect();
        self.set(&useless, 0.0)?;
        // The basis is primal infeasible after a fixing and stays dual feasible: dual simplex.
        if let Some(model) = self.model.as_mut() {
            model.set_option("simplex_strategy", 1);
        }
        let fractional = |x: f64| x > 1e-6 && x < 1.0 - 1e-6;
        // Batches (the fractional columns above one half, largest first) save most of the LP
        // solves. One that loses the target says the LP solution is a poor guide that far:
        // from then on, batches of at most half its size (one column at a time at the end).
        let mut most = usize::MAX;
        // Each step fixes at least one fractional column, and pricing adds each column at
        // most once, so this bounds the dive.
        let steps = self.in_master.len() + 1;
        for _ in 0..=steps {
            if let Some(chosen) = integral(&self.columns, &self.values) {
                tracing::debug!(solves = self.solves, "dive: integral");
                return Ok(Some(chosen));
            }
            deadline.check()?;
            // A fixing that loses the target leaves HiGHS a basis far from this one (after an
            // infeasible solve, none at all): undone, it re-solves from this one.
            let saved = self.model.as_ref().and_then(ffi::basis);
            let mut batch: Vec<usize> = (0..self.values.len())
                .filter(|&i| fractional(self.values[i]) && self.values[i] > 0.5 + 1e-6)
                .collect();
            batch.sort_by(|&a, &b| self.values[b].total_cmp(&self.values[a]).then(a.cmp(&b)));
            batch.truncate(most);
            batch.sort_unstable();
            if batch.len() > 1 {
                let zeros = self.fix_ones(&batch)?;
                if self.resolve(deadline)? {
                    continue;
                }
                self.unset(&batch)?;
                self.unset(&zeros)?;
                self.restore(saved.as_ref());
                most = batch.len() / 2;
            }
            let mut pick = (0.0, usize::MAX);
            for (i, &x) in self.values.iter().enumerate() {
                if fractional(x) && x > pick.0 {
                    pick = (x, i);
                }
            }
            let zeros = self.fix_ones(&[pick.1])?;
            if self.resolve(deadline)? {
                continue;
            }
            self.unset(&[pick.1])?;
            self.unset(&zeros)?;
            self.restore(saved.as_ref());
            self.set(&[pick.1], 0.0)?;
            if self.resolve(deadline)? {
                continue;
            }
            tracing::debug!(
                target = self.target,
                solves = self.solves,
                "dive: target lost"
            );
            self.target = f64::NEG_INFINITY;
            self.unset(&[pick.1])?;
            self.fix_ones(&[pick.1])?;
            if !self.resolve(deadline)? {
                return Ok(None);
            }
        }
        Ok(None)
    }

    /// Starts the next solve from `basis` (a basis of this model, taken before columns were
    /// priced in), if there is one; HiGHS refusing it only costs a colder start.
    fn restore(&mut self, basis: Option<&ffi::Basis>) {
        if let (Some(model), Some(basis)) = (self.model.as_mut(), basis) {
            if !ffi::set_basis(model, basis) {
                tracing::debug!("dive: HiGHS refused the saved basis");
            }
        }
    }

    /// Records the group rows of the columns added to the model since the last call.
    fn index_new_columns(&mut self) {
        let mut coefs = Vec::new();
        for i in self.groups_of.len()..self.columns.len() {
            self.rows
                .column(self.graph, self.prep, self.columns[i], &mut coefs);
            let g: Vec<u32> = coefs
                .iter()
                .filter(|&&(r, c)| r < self.rows.group_rows && c > 0.0)
                .map(|&(r, _)| r as u32)
                .collect();
            for &r in &g {
                self.columns_of[r as usize].push(i as u32);
            }
            self.groups_of.push(g);
            self.free.push(true);
            self.one.push(false);
        }
    }

    /// Fixes `ones` to 1 and the free columns sharing a group row with them to 0; returns the
    /// latter, to undo.
    fn fix_ones(&mut self, ones: &[usize]) -> Result<Vec<usize>, Stop> {
        self.set(ones, 1.0)?;
        let mut zeros: Vec<usize> = Vec::new();
        for &i in ones {
            for &r in &self.groups_of[i] {
                zeros.extend(
                    self.columns_of[r as usize]
                        .iter()
                        .map(|&j| j as usize)
                        .filter(|&j| self.free[j]),
                );
            }
        }
        zeros.sort_unstable();
        zeros.dedup();
        self.set(&zeros, 0.0)?;
        Ok(zeros)
    }

    /// Fixes columns (increasing) to `value`.
    fn set(&mut self, cols: &[usize], value: f64) -> Result<(), Stop> {
        for &c in cols {
            self.free[c] = false;
            self.one[c] = value == 1.0;
        }
        self.bounds(cols, value, value)
    }

    /// Frees columns (increasing) again (unbounded above, as in the master: see
    /// [`ffi::NewCols`]).
    fn unset(&mut self, cols: &[usize]) -> Result<(), Stop> {
        for &c in cols {
            self.free[c] = true;
            self.one[c] = false;
        }
        self.bounds(cols, 0.0, f64::INFINITY)
    }

    fn bounds(&mut self, cols: &[usize], lower: f64, upper: f64) -> Result<(), Stop> {
        let model = self.model.as_mut().expect("the dive holds its model");
        if cols.is_empty() || ffi::set_cols_bounds(model, cols, lower, upper) {
            Ok(())
        } else {
            Err(Stop::Error(SolveError::Solver(
                "dive: HiGHS refused a bound change".into(),
            )))
        }
    }

    /// Re-solves, pricing in new columns while the LP is below the target; whether the LP
    /// stayed feasible with a value of at least the target (then `values` is its solution).
    fn resolve(&mut self, deadline: &Deadline) -> Result<bool, Stop> {
        loop {
            let mut model = self.model.take().expect("the dive holds its model");
            if let Err(stop) = limit_time(&mut model, deadline) {
                self.model = Some(model);
                return Err(stop);
            }
            self.solves += 1;
            let solved = model
                .try_solve()
                .map_err(|e| Stop::Error(SolveError::Solver(format!("dive LP: {e:?}"))))?;
            let status = solved.status();
            if status == HighsModelStatus::ReachedTimeLimit {
                return Err(Stop::Timeout);
            }
            let optimal = status == HighsModelStatus::Optimal;
            let ok = optimal && solved.objective_value() >= self.target - 1e-6;
            tracing::trace!(
                solve = self.solves,
                status = ?status,
                lp = solved.objective_value(),
                kept = ok,
                elapsed = ?deadline.elapsed(),
                "dive: LP solved"
            );
            let solution = solved.get_solution();
            if ok {
                self.values = solution.columns().to_vec();
            }
            let duals = packing_duals(solution.dual_rows());
            self.model = Some(solved.into());
            if ok || !optimal || self.target == f64::NEG_INFINITY {
                return Ok(ok);
            }
            deadline.check()?;
            if !self.price_in(&duals)? {
                return Ok(false);
            }
        }
    }

    /// Adds the columns that price out under `duals` and can be nonzero under the fixings;
    /// whether there were any.
    fn price_in(&mut self, duals: &[f64]) -> Result<bool, Stop> {
        let mut filled = vec![false; self.rows.count];
        for (i, &one) in self.one.iter().enumerate() {
            if one {
                for &r in &self.groups_of[i] {
                    filled[r as usize] = true;
                }
            }
        }
        let mut best = vec![(0.0, ColId::MAX); self.rows.count];
        let new = price(
            self.graph,
            self.prep,
            self.rows,
            duals,
            &self.in_master,
            Some(&filled),
            &mut best,
        );
        if new.is_empty() {
            return Ok(false);
        }
        let mut batch = ffi::NewCols::default();
        let mut coefs = Vec::new();
        for &id in &new {
            let cost = self.rows.column(self.graph, self.prep, id, &mut coefs);
            batch.push(cost, &coefs);
            self.in_master[id as usize] = true;
            self.columns.push(id);
            self.values.push(0.0);
        }
        let model = self.model.as_mut().expect("the dive holds its model");
        if !ffi::add_cols(model, &batch) {
            return Err(Stop::Error(SolveError::Solver(
                "dive: HiGHS refused new columns".into(),
            )));
        }
        self.priced += new.len();
        self.index_new_columns();
        Ok(true)
    }
}

/// The columns to add in one round, sorted by id: the best new positive-reduced-cost column of
/// every row, then, up to as many again as there are rows, the other positive columns by
/// decreasing reduced cost (ties by scrambled id). The second part matters in the degenerate
/// tail of column generation, where few rows have a new best column but many columns still
/// price out; adding them all at once saves hundreds of rounds.
fn price(
    graph: &Graph,
    prep: &Prepared,
    rows: &Rows,
    duals: &[f64],
    in_master: &[bool],
    filled: Option<&[bool]>,
    best: &mut [(f64, ColId)],
) -> Vec<ColId> {
    best.iter_mut().for_each(|b| *b = (0.0, ColId::MAX));
    let mut coefs = Vec::new();
    let mut positive: Vec<(f64, ColId)> = Vec::new();
    for id in 0..in_master.len() as ColId {
        if in_master[id as usize] {
            continue;
        }
        let rc = rows.reduced_cost(graph, prep, id, duals);
        if rc <= 1e-9 {
            continue;
        }
        rows.column(graph, prep, id, &mut coefs);
        if let Some(filled) = filled {
            if coefs.iter().any(|&(r, c)| c > 0.0 && filled[r]) {
                continue;
            }
        }
        positive.push((rc, id));
        for &(r, _) in &coefs {
            let (brc, bid) = best[r];
            if rc > brc + 1e-9 || (rc > brc - 1e-9 && scramble(id) < scramble(bid)) {
                best[r] = (rc, id);
            }
        }
    }
    let mut chosen: Vec<ColId> = best
        .iter()
        .filter(|b| b.1 != ColId::MAX)
        .map(|b| b.1)
        .collect();
    let extra = rows.count.max(100);
    let order = |a: &(f64, ColId), b: &(f64, ColId)| {
        b.0.total_cmp(&a.0)
            .then_with(|| scramble(a.1).cmp(&scramble(b.1)))
    };
    if positive.len() > extra {
        positive.select_nth_unstable_by(extra, order);
        positive.truncate(extra);
    }
    chosen.extend(positive.iter().map(|p| p.1));
    chosen.sort_unstable();
    chosen.dedup();
    chosen
}

/// The outcome of one integer program.
pub struct MipResult {
    /// Chosen columns (value 1).
    pub chosen: Vec<ColId>,
    pub objective: f64,
    /// Proven upper bound of this MIP over its columns.
    pub bound: f64,
    pub optimal: bool,
}

/// Solves the integer program over `columns` (sorted), warm-started from `start` if given.
pub fn solve_mip(
    graph: &Graph,
    prep: &Prepared,
    rows: &Rows,
    columns: &[ColId],
    start: &[ColId],
    deadline: &Deadline,
) -> Result<MipResult, Stop> {
    let mut problem = ColProblem::default();
    let row_handles: Vec<_> = (0..rows.count)
        .map(|r| problem.add_row(..=rows.upper(r)))
        .collect();
    let mut coefs = Vec::new();
    for &id in columns {
        let cost = rows.column(graph, prep, id, &mut coefs);
        problem.add_integer_column(cost, 0..=1, coefs.iter().map(|&(r, c)| (row_handles[r], c)));
    }
    let mut model = problem.optimise(Sense::Maximise);
    configure(&mut model, true, prep);
    if !start.is_empty() {
        let mut x = vec![0.0; columns.len()];
        for s in start {
            if let Ok(i) = columns.binary_search(s) {
                x[i] = 1.0;
            }
        }
        // A rejected start only costs speed.
        let _ = model.try_set_solution(Some(&x), None, None, None);
    }
    limit_time(&mut model, deadline)?;
    let solved = model
        .try_solve()
        .map_err(|e| Stop::Error(SolveError::Solver(format!("MIP: {e:?}"))))?;
    let optimal = match solved.status() {
        HighsModelStatus::Optimal => true,
        HighsModelStatus::ReachedTimeLimit | HighsModelStatus::ReachedIterationLimit => false,
        HighsModelStatus::ModelEmpty => {
            return Ok(MipResult {
                chosen: Vec::new(),
                objective: 0.0,
                bound: 0.0,
                optimal: true,
            })
        }
        s => return Err(Stop::Error(SolveError::Solver(format!("MIP ended {s:?}")))),
    };
    let bound = ffi::mip_dual_bound(&solved).unwrap_or(f64::INFINITY);
    if !optimal && !ffi::has_primal_solution(&solved) {
        return Ok(MipResult {
            chosen: Vec::new(),
            objective: 0.0,
            bound,
            optimal: false,
        });
    }
    let sol = solved.get_solution();
    let chosen: Vec<ColId> = columns
        .iter()
        .zip(sol.columns())
        .filter(|(_, &x)| x > 0.5)
        .map(|(&id, _)| id)
        .collect();
    let objective = chosen
        .iter()
        .map(|&id| rows.column(graph, prep, id, &mut coefs))
        .sum();
    Ok(MipResult {
        chosen,
        objective,
        bound: if optimal { objective } else { bound },
        optimal,
    })
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::clock::WallClock;
    use crate::graph::{GraphBuilder, VertexId};
    use crate::params::{Objective, Params};
    use crate::solve::prep;
    use rand::{RngExt, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    /// HiGHS measures `time_limit` against the model's run time summed over its runs (its C
    /// API says so): `limit_time` must give a re-solved model its past run time plus what is
    /// left, or column generation would stop early.
    #[test]
    fn the_time_limit_counts_the_model_s_earlier_runs() {
        struct Still;
        impl crate::clock::Clock for Still {
            fn now(&self) -> std::time::Duration {
                std::time::Duration::from_secs(100)
            }
        }
        let mut problem = ColProblem::default();
        let r0 = problem.add_row(..=1.0);
        problem.add_column(2.0, 0.0.., [(r0, 1.0)]);
        let mut model = problem.optimise(Sense::Maximise);
        model.set_option("output_flag", false);
        let mut model = Model::from(model.solve());
        let mut model = Model::from({
            model.set_option("output_flag", false);
            model.solve()
        });
        let before = ffi::run_time(&model);
        assert!(before >= 0.0);
        let deadline = Deadline::new(&Still, Some(std::time::Duration::from_secs(7)));
        assert!(limit_time(&mut model, &deadline).is_ok());
        let name = std::ffi::CString::new("time_limit").unwrap();
        let mut limit = 0.0f64;
        // SAFETY: a live Highs instance, a NUL-terminated name, `limit` outlives the call.
        #[allow(unsafe_code)]
        let status = unsafe {
            highs_sys::Highs_getDoubleOptionValue(model.as_mut_ptr(), name.as_ptr(), &mut limit)
        };
        assert_eq!(status, highs_sys::STATUS_OK);
        assert_eq!(limit, ffi::run_time(&model) + 7.0);
        assert_eq!(ffi::run_time(&model), before, "no run in between");
    }

    /// HiGHS's sign convention for the row duals of a maximisation: `packing_duals` must give
    /// the shadow price. (With the sign wrong, every dual was clamped to 0 and column
    /// generation priced blindly; results stayed correct, only slow, so pin it here.)
    #[test]
    fn dual_signs() {
        // max 2x + 3y subject to x + y <= 1 and x <= 1: y = 1, shadow price of row 0 is 3.
        let mut problem = ColProblem::default();
        let r0 = problem.add_row(..=1.0);
        let r1 = problem.add_row(..=1.0);
        problem.add_column(2.0, 0.0.., [(r0, 1.0), (r1, 1.0)]);
        problem.add_column(3.0, 0.0.., [(r0, 1.0)]);
        let solved = problem.optimise(Sense::Maximise).solve();
        assert_eq!(solved.status(), HighsModelStatus::Optimal);
        let duals = packing_duals(solved.get_solution().dual_rows());
        assert!((duals[0] - 3.0).abs() < 1e-9, "duals {duals:?}");
        assert!(duals[1].abs() < 1e-9, "duals {duals:?}");
    }

    /// An interior point stopped without a verdict (here by an iteration limit of 1) hands
    /// the LP over to the simplex, which solves it.
    #[test]
    fn an_interior_point_without_a_verdict_hands_over_to_the_simplex() {
        let mut rng = ChaCha8Rng::seed_from_u64(11);
        let packing = |rng: &mut ChaCha8Rng| {
            let mut problem = ColProblem::default();
            let rows: Vec<_> = (0..40).map(|_| problem.add_row(..=1.0)).collect();
            for _ in 0..120 {
                // At least one row each, so that the LP is bounded.
                let first = rng.random_range(0..rows.len());
                let entries: Vec<_> = rows
                    .iter()
                    .enumerate()
                    .filter(|&(i, _)| i == first || rng.random_bool(0.1))
                    .map(|(_, &r)| (r, 1.0))
                    .collect();
                problem.add_column(f64::from(rng.random_range(1..=3u32)), 0.0.., entries);
            }
            let mut model = problem.optimise(Sense::Maximise);
            model.set_option("output_flag", false);
            model.set_option("ipm_iteration_limit", 1);
            model
        };
        let state = rng.clone();
        let mut stopped = packing(&mut rng);
        stopped.set_option("solver", "ipm");
        stopped.set_option("run_crossover", "on");
        let stopped = stopped.solve();
        assert_ne!(
            stopped.status(),
            HighsModelStatus::Optimal,
            "the limit did not bite"
        );
        let solved = |how| match solve_lp(packing(&mut state.clone()), how) {
            Ok(solved) => solved,
            Err(Stop::Error(e)) => panic!("{how:?}: {e}"),
            Err(Stop::Timeout) => panic!("{how:?}: no time limit was set"),
        };
        let by_simplex = solved(FirstSolve::Simplex);
        let handed_over = solved(FirstSolve::InteriorPoint);
        assert_eq!(handed_over.status(), HighsModelStatus::Optimal);
        assert!(
            (handed_over.objective_value() - by_simplex.objective_value()).abs() < 1e-7,
            "{} against {}",
            handed_over.objective_value(),
            by_simplex.objective_value()
        );
    }

    /// `n` requests and `offers` offers, arcs with probability `density`, integer weights
    /// 1..=4 (so that `count` makes every arc weigh the same and `weight` does not).
    pub(in crate::solve) fn random_graph(
        rng: &mut ChaCha8Rng,
        n: usize,
        offers: usize,
        density: f64,
    ) -> Graph {
        let mut b = GraphBuilder::new();
        for i in 0..n {
            b.add_request(format!("p{i}")).unwrap();
        }
        for i in 0..offers {
            b.add_offer(format!("o{i}")).unwrap();
        }
        for u in 0..n + offers {
            for v in 0..n {
                if u != v && rng.random_bool(density) {
                    let w = f64::from(rng.random_range(1..=4u32));
                    b.add_arc(VertexId(u as u32), VertexId(v as u32), w)
                        .unwrap();
                }
            }
        }
        b.build().unwrap()
    }

    /// Column generation ends with duals that prove its value: dual feasible for every column
    /// (none prices out) and of the same objective (strong duality), and that value is the
    /// whole LP's, whichever solver took its first LP.
    #[test]
    fn column_generation_duals_prove_the_lp_bound() {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        for round in 0..40 {
            let n = rng.random_range(6..=30);
            let offers = rng.random_range(0..=3);
            let g = random_graph(&mut rng, n, offers, 0.15);
            let objective = if round % 2 == 0 {
                Objective::Count
            } else {
                Objective::Weight
            };
            let params = Params {
                max_cycle: rng.random_range(2..=4),
                max_chain: rng.random_range(0..=3),
                objective,
                time_limit: None,
                memory_limit: None,
            };
            let clock = WallClock::new();
            let deadline = Deadline::new(&clock, None);
            let prep = prep::prepare(&g, &params, &deadline).unwrap_or_else(|_| panic!());
            let rows = Rows::new(&g, &prep, params.max_chain);
            let total = (prep.cycles.len() + prep.chain_vars.len()) as ColId;
            let all: Vec<ColId> = (0..total).collect();
            let whole = solve_root(
                &g,
                &prep,
                &rows,
                &all,
                f64::INFINITY,
                FirstSolve::Simplex,
                &deadline,
                &mut |_, _| {},
            )
            .unwrap_or_else(|_| panic!());
            for first in [FirstSolve::Simplex, FirstSolve::InteriorPoint] {
                let cg = solve_root(
                    &g,
                    &prep,
                    &rows,
                    &[],
                    f64::INFINITY,
                    first,
                    &deadline,
                    &mut |_, _| {},
                )
                .unwrap_or_else(|_| panic!());
                assert!(cg.converged);
                let dual_value: f64 = (0..rows.count).map(|r| cg.duals[r] * rows.upper(r)).sum();
                assert!(
                    (dual_value - cg.lp_value).abs() < 1e-6,
                    "round {round}, {first:?}: duals worth {dual_value}, LP {}",
                    cg.lp_value
                );
                for id in 0..total {
                    let rc = rows.reduced_cost(&g, &prep, id, &cg.duals);
                    assert!(
                        rc < 1e-6,
                        "round {round}, {first:?}: column {id} prices out ({rc})"
                    );
                }
                assert!(
                    (whole.lp_value - cg.lp_value).abs() < 1e-6,
                    "round {round}, {first:?}: whole LP {} vs column generation {}",
                    whole.lp_value,
                    cg.lp_value
                );
            }
        }
    }
}
