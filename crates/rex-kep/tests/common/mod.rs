//! Helpers shared by the integration tests: where the public kidney-exchange instances live.
//!
//! Each test file that says `mod common;` compiles its own copy, and not every file uses every
//! helper.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

/// The kidney-exchange data directory (`shared/data/kep`): `$REX_KEP_DATA` if set (the test
/// script sets it), else `<workspace root>/../shared/data/kep`, the data's place beside a
/// checkout.
///
/// `None` means "skip": the data is not on this machine, and a loud `SKIPPED` line has been
/// printed. Under CI (`$CI` set) a missing directory fails the test instead, so that CI never
/// passes by skipping.
pub fn kep_data_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("REX_KEP_DATA") {
        let dir = PathBuf::from(dir);
        assert!(
            dir.is_dir(),
            "REX_KEP_DATA={} is not a directory",
            dir.display()
        );
        return Some(dir);
    }
    let beside = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/kep");
    if beside.is_dir() {
        return Some(beside);
    }
    if std::env::var_os("CI").is_some() {
        panic!(
            "kep data not found (tried {}); CI must have it: set REX_KEP_DATA",
            beside.display()
        );
    }
    eprintln!(
        "SKIPPED: kep data not found (set REX_KEP_DATA); tried {}",
        beside.display()
    );
    None
}

/// A file under the data directory, which must exist (the data set is fixed).
pub fn kep_file(dir: &Path, relative: &str) -> PathBuf {
    let path = dir.join(relative);
    assert!(path.is_file(), "missing data file {}", path.display());
    path
}

/// Every instance file under `dir`, recursively, sorted: `.input`, `.json`, `.json.xz`,
/// `.wmd`, `.xml` and `.yaml`, but not kep_solver's solution files (`*_output.*`).
pub fn instance_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let entries =
            std::fs::read_dir(&d).unwrap_or_else(|e| panic!("cannot list {}: {e}", d.display()));
        for entry in entries {
            let path = entry
                .unwrap_or_else(|e| panic!("cannot list {}: {e}", d.display()))
                .path();
            if path.is_dir() {
                stack.push(path);
            } else if is_instance(&path) {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

fn is_instance(path: &Path) -> bool {
    let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
        return false;
    };
    if name.contains("_output.") {
        return false;
    }
    [".input", ".json", ".json.xz", ".wmd", ".xml", ".yaml"]
        .iter()
        .any(|s| name.ends_with(s))
}
