//! What the `highs` crate does not expose: two info values (the MIP dual bound, and whether a
//! primal solution exists after a stopped MIP solve), the cumulative run time of a model,
//! changing the bounds of a set of columns, adding and deleting columns in one call, and taking and
//! restoring a simplex basis.
#![allow(unsafe_code)]

use highs::{Model, SolvedModel};
use std::ffi::CString;

/// `mip_dual_bound` of a solved MIP, if HiGHS reports one.
pub fn mip_dual_bound(model: &SolvedModel) -> Option<f64> {
    let name = CString::new("mip_dual_bound").ok()?;
    let mut value = 0.0f64;
    // SAFETY: `model.as_ptr()` is a live Highs instance owned by `model`, `name` is a valid
    // NUL-terminated string, and `value` outlives the call.
    let status =
        unsafe { highs_sys::Highs_getDoubleInfoValue(model.as_ptr(), name.as_ptr(), &mut value) };
    (status == highs_sys::STATUS_OK && value.is_finite()).then_some(value)
}

/// Whether HiGHS holds a feasible primal solution (`primal_solution_status == 2`).
pub fn has_primal_solution(model: &SolvedModel) -> bool {
    let Ok(name) = CString::new("primal_solution_status") else {
        return false;
    };
    let mut value: highs_sys::HighsInt = 0;
    // SAFETY: as above; `value` is a HighsInt as the C API expects.
    let status =
        unsafe { highs_sys::Highs_getIntInfoValue(model.as_ptr(), name.as_ptr(), &mut value) };
    status == highs_sys::STATUS_OK && value == 2
}

/// The wall-clock seconds a model has spent in `Highs_run`, summed over every run. HiGHS
/// compares its `time_limit` with this sum, not with the current run's time (its C API says
/// so), so a model that is re-solved must be given its run time plus what is left.
pub fn run_time(model: &Model) -> f64 {
    // SAFETY: `model.as_ptr()` is a live Highs instance owned by `model`; the call only reads.
    let t = unsafe { highs_sys::Highs_getRunTime(model.as_ptr()) };
    if t.is_finite() && t >= 0.0 {
        t
    } else {
        0.0
    }
}

/// Sets the bounds of columns `cols` (increasing) of a model, keeping its basis for a warm
/// re-solve.
pub fn set_cols_bounds(model: &mut Model, cols: &[usize], lower: f64, upper: f64) -> bool {
    let Ok(set) = cols
        .iter()
        .map(|&c| highs_sys::HighsInt::try_from(c))
        .collect::<Result<Vec<_>, _>>()
    else {
        return false;
    };
    let Ok(n) = highs_sys::HighsInt::try_from(set.len()) else {
        return false;
    };
    let lower = vec![lower; set.len()];
    let upper = vec![upper; set.len()];
    // SAFETY: a live Highs instance; `set`, `lower` and `upper` hold `n` entries each. HiGHS
    // checks the indices.
    let status = unsafe {
        highs_sys::Highs_changeColsBoundsBySet(
            model.as_mut_ptr(),
            n,
            set.as_ptr(),
            lower.as_ptr(),
            upper.as_ptr(),
        )
    };
    status == highs_sys::STATUS_OK
}

/// Master LP columns (`x >= 0`; every column has a 1 in some `<= 1` group row, which bounds it
/// by 1, so an explicit upper bound would only add bound duals) to add to a model in one call: HiGHS's `addCol` does
/// per-call bookkeeping that dominated column generation when columns came one at a time.
#[derive(Debug, Default)]
pub struct NewCols {
    cost: Vec<f64>,
    start: Vec<highs_sys::HighsInt>,
    index: Vec<highs_sys::HighsInt>,
    value: Vec<f64>,
}

impl NewCols {
    pub fn clear(&mut self) {
        self.cost.clear();
        self.start.clear();
        self.index.clear();
        self.value.clear();
    }

    /// Appends a column of objective `cost` with nonzeros `(row, coefficient)`.
    pub fn push(&mut self, cost: f64, coefs: &[(usize, f64)]) {
        let at = highs_sys::HighsInt::try_from(self.index.len()).expect("nonzeros fit HighsInt");
        self.start.push(at);
        self.cost.push(cost);
        for &(r, c) in coefs {
            self.index
                .push(highs_sys::HighsInt::try_from(r).expect("rows fit HighsInt"));
            self.value.push(c);
        }
    }

    pub fn len(&self) -> usize {
        self.cost.len()
    }
}

/// Adds `cols` to `model` (rows must exist). Returns whether HiGHS accepted them.
pub fn add_cols(model: &mut Model, cols: &NewCols) -> bool {
    let n = cols.len();
    if n == 0 {
        return true;
    }
    let (Ok(num), Ok(nz)) = (
        highs_sys::HighsInt::try_from(n),
        highs_sys::HighsInt::try_from(cols.index.len()),
    ) else {
        return false;
    };
    let lower = vec![0.0; n];
    let upper = vec![f64::INFINITY; n];
    // SAFETY: a live Highs instance; every array holds `n` entries (`cost`, `lower`, `upper`,
    // `start`) or `nz` entries (`index`, `value`), as `Highs_addCols` reads them.
    let status = unsafe {
        highs_sys::Highs_addCols(
            model.as_mut_ptr(),
            num,
            cols.cost.as_ptr(),
            lower.as_ptr(),
            upper.as_ptr(),
            nz,
            cols.start.as_ptr(),
            cols.index.as_ptr(),
            cols.value.as_ptr(),
        )
    };
    status == highs_sys::STATUS_OK
}

/// A simplex basis: the status of every column and row (HiGHS's `kHighsBasisStatus` codes).
#[derive(Debug, Clone)]
pub struct Basis {
    cols: Vec<highs_sys::HighsInt>,
    rows: Vec<highs_sys::HighsInt>,
}

/// The basis of a model's last solve, if it has a valid one.
pub fn basis(model: &Model) -> Option<Basis> {
    // SAFETY: a live Highs instance; the calls only read.
    let (cols, rows) = unsafe {
        (
            highs_sys::Highs_getNumCol(model.as_ptr()),
            highs_sys::Highs_getNumRow(model.as_ptr()),
        )
    };
    let mut basis = Basis {
        cols: vec![0; usize::try_from(cols).ok()?],
        rows: vec![0; usize::try_from(rows).ok()?],
    };
    // SAFETY: a live Highs instance; the arrays hold one entry per column and per row, as
    // `Highs_getBasis` writes them.
    let status = unsafe {
        highs_sys::Highs_getBasis(
            model.as_ptr(),
            basis.cols.as_mut_ptr(),
            basis.rows.as_mut_ptr(),
        )
    };
    (status == highs_sys::STATUS_OK).then_some(basis)
}

/// Makes `basis` the model's starting basis for its next solve; columns added since it was
/// taken start nonbasic at their lower bound (which keeps it a basis). Returns whether HiGHS
/// accepted it.
pub fn set_basis(model: &mut Model, basis: &Basis) -> bool {
    // SAFETY: a live Highs instance; the calls only read.
    let (cols, rows) = unsafe {
        (
            highs_sys::Highs_getNumCol(model.as_ptr()),
            highs_sys::Highs_getNumRow(model.as_ptr()),
        )
    };
    let (Ok(cols), Ok(rows)) = (usize::try_from(cols), usize::try_from(rows)) else {
        return false;
    };
    if rows != basis.rows.len() || cols < basis.cols.len() {
        return false;
    }
    let mut col_status = basis.cols.clone();
    col_status.resize(cols, highs_sys::kHighsBasisStatusLower);
    // SAFETY: a live Highs instance; the arrays hold one entry per column and per row.
    let status = unsafe {
        highs_sys::Highs_setBasis(model.as_mut_ptr(), col_status.as_ptr(), basis.rows.as_ptr())
    };
    status == highs_sys::STATUS_OK
}

/// Deletes the columns whose `mask` entry is true; the others keep their order. Returns
/// whether HiGHS accepted it.
pub fn delete_cols(model: &mut Model, mask: &[bool]) -> bool {
    // SAFETY: a live Highs instance.
    let cols = unsafe { highs_sys::Highs_getNumCol(model.as_ptr()) };
    if usize::try_from(cols).ok() != Some(mask.len()) {
        return false;
    }
    let mut m: Vec<highs_sys::HighsInt> = mask.iter().map(|&d| d.into()).collect();
    // SAFETY: a live Highs instance and a mask of one entry per column, as
    // `Highs_deleteColsByMask` reads (and overwrites) it.
    let status = unsafe { highs_sys::Highs_deleteColsByMask(model.as_mut_ptr(), m.as_mut_ptr()) };
    status == highs_sys::STATUS_OK
}
