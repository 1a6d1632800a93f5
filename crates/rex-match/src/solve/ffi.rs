//! The two HiGHS info values the `highs` crate does not expose: the MIP dual bound and whether a
//! primal solution exists after a stopped MIP solve.
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

/// Sets the bounds of column `col` of a model, keeping its basis for a warm re-solve.
pub fn set_col_bounds(model: &mut Model, col: usize, lower: f64, upper: f64) -> bool {
    let Ok(col) = highs_sys::HighsInt::try_from(col) else {
        return false;
    };
    // SAFETY: `model.as_mut_ptr()` is a live Highs instance owned by `model`; HiGHS checks the
    // column index.
    let status = unsafe { highs_sys::Highs_changeColBounds(model.as_mut_ptr(), col, lower, upper) };
    status == highs_sys::STATUS_OK
}
