//! `cargo xtask`: rex's development automation, in Rust so that it needs nothing but cargo.
//!
//! The build of rex needs system packages that a fresh machine lacks (cmake, a C++ compiler
//! and libclang, for HiGHS, which `highs-sys` compiles from source). The commands here install
//! them first, so that each of the README's two commands works on its own:
//!
//! - `cargo xtask demo` — set up, then `rex demo` from a release build (the main job);
//! - `cargo xtask test` — set up, then every test of the workspace, the doc tests and the
//!   browser tests of the officers' desk (`e2e/`: Debian's chromium, installed with apt when
//!   missing, driven by Node.js with playwright-core);
//! - `cargo xtask e2e` — set up, then only the browser tests;
//! - `cargo xtask ci` — set up, `cargo fmt --check`, then the tests in a build linted by clippy
//!   with `-D warnings`: exactly what `.ci/run` runs;
//! - `cargo xtask setup` — only the system packages (idempotent; `apt-get`, with `sudo` when
//!   not root).
//!
//! It has no dependencies, so that it compiles in seconds before any of that is installed.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::sync::OnceLock;

const USAGE: &str = "usage: cargo xtask <setup|demo [ARGS…]|test|e2e|ci>";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("setup") => setup(),
        Some("demo") => setup().and_then(|()| demo(&args[1..])),
        Some("test") => setup().and_then(|()| test()),
        Some("e2e") => setup().and_then(|()| e2e()),
        Some("ci") => setup().and_then(|()| ci()),
        Some("-h" | "--help" | "help") => {
            println!("{USAGE}");
            Ok(())
        }
        Some(other) => Err(Failure::usage(format!(
            "unknown command {other:?}; {USAGE}"
        ))),
        None => Err(Failure::usage(USAGE.to_owned())),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => {
            eprintln!("xtask: {}", f.message);
            ExitCode::from(f.code)
        }
    }
}

/// A failed step: one line for the user and the exit code to leave with.
struct Failure {
    code: u8,
    message: String,
}

impl Failure {
    fn usage(message: String) -> Self {
        Failure { code: 2, message }
    }

    fn step(message: String) -> Self {
        Failure { code: 1, message }
    }
}

/// The workspace root (the parent of this crate's directory).
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives one level below the workspace root")
        .to_path_buf()
}

/// Runs `program args…` in the workspace root, failing with one line if it does not succeed.
fn run(program: &str, args: &[&str]) -> Result<(), Failure> {
    run_with(program, args, &[])
}

/// Under [`ci`]: clippy's driver as the workspace's compiler, for every cargo command.
static LINTED: OnceLock<[(&str, String); 2]> = OnceLock::new();

fn run_with(program: &str, args: &[&str], env: &[(&str, String)]) -> Result<(), Failure> {
    let linted = LINTED
        .get()
        .filter(|_| program == "cargo")
        .into_iter()
        .flatten();
    let status = Command::new(program)
        .args(args)
        .envs(env.iter().chain(linted).map(|(k, v)| (k, v)))
        .current_dir(root())
        .status()
        .map_err(|e| Failure::step(format!("cannot run {program}: {e}")))?;
    if status.success() {
        Ok(())
    } else {
        Err(Failure::step(format!(
            "`{program} {}` failed ({status})",
            args.join(" ")
        )))
    }
}

fn on_path(program: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|path| std::env::split_paths(&path).any(|dir| dir.join(program).is_file()))
}

/// libclang itself (`libclang.so`, `libclang-NN.so…`), as bindgen loads it; not libclang-cpp,
/// which other packages bring.
fn has_libclang() -> bool {
    let Ok(entries) = std::fs::read_dir("/usr/lib") else {
        return false;
    };
    entries
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with("llvm-"))
        .filter_map(|e| std::fs::read_dir(e.path().join("lib")).ok())
        .flatten()
        .flatten()
        .any(|lib| lib.file_name().to_string_lossy().starts_with("libclang.so"))
}

/// The Debian packages the build needs and this machine lacks.
fn missing_packages() -> Vec<&'static str> {
    let mut need = Vec::new();
    if !on_path("cmake") {
        need.push("cmake");
    }
    if !has_libclang() {
        need.push("libclang-dev");
    }
    if !on_path("g++") {
        need.push("g++");
    }
    need
}

/// Installs what building rex needs on a Debian or Ubuntu machine. Idempotent: a machine that
/// has everything runs no package manager at all.
fn setup() -> Result<(), Failure> {
    apt_install(&missing_packages())
}

/// Installs the Debian packages `need` (none: nothing runs), with `sudo` when not root.
fn apt_install(need: &[&str]) -> Result<(), Failure> {
    if need.is_empty() {
        return Ok(());
    }
    if !on_path("apt-get") {
        return Err(Failure::step(format!(
            "this machine lacks {} and has no apt-get; install them with your package manager, then run this again",
            need.join(", ")
        )));
    }
    eprintln!("xtask: installing {}", need.join(" "));
    // Root installs directly; anyone else goes through sudo.
    let root_user = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.trim_ascii() == b"0");
    let (program, prefix): (&str, &[&str]) = if root_user {
        ("apt-get", &[])
    } else {
        ("sudo", &["apt-get"])
    };
    let noninteractive = [("DEBIAN_FRONTEND", "noninteractive".to_owned())];
    let update: Vec<&str> = prefix.iter().copied().chain(["update", "-qq"]).collect();
    run_with(program, &update, &noninteractive)?;
    let install: Vec<&str> = prefix
        .iter()
        .copied()
        .chain(["install", "-y", "-qq"])
        .chain(need.iter().copied())
        .collect();
    run_with(program, &install, &noninteractive)
}

/// The browser the desk's browser tests drive: `$CHROMIUM`, else Debian's.
fn chromium() -> PathBuf {
    std::env::var_os("CHROMIUM").map_or_else(|| PathBuf::from("/usr/bin/chromium"), PathBuf::from)
}

/// The browser tests of the officers' desk (`e2e/`): Debian's chromium (installed with apt
/// when missing; no tool downloads a browser), the test package's locked dependencies
/// (`npm ci`: playwright-core and axe-core), the `rex` binary, then `node --test`, which
/// fails if any scenario fails. Node.js 20 or later must be installed: without it this fails,
/// it never skips.
fn e2e() -> Result<(), Failure> {
    if !chromium().is_file() {
        if std::env::var_os("CHROMIUM").is_some() {
            return Err(Failure::step(format!(
                "CHROMIUM={} is not a file",
                chromium().display()
            )));
        }
        apt_install(&["chromium"])?;
    }
    for program in ["node", "npm"] {
        if !on_path(program) {
            return Err(Failure::step(format!(
                "the browser tests need Node.js 20 or later ({program} is not on PATH); install it, then run this again"
            )));
        }
    }
    let version = Command::new("node")
        .arg("--version")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default();
    let major: Option<u32> = version
        .strip_prefix('v')
        .and_then(|v| v.split('.').next())
        .and_then(|m| m.parse().ok());
    if major.is_none_or(|m| m < 20) {
        return Err(Failure::step(format!(
            "the browser tests need Node.js 20 or later, and node --version says {version:?}"
        )));
    }
    let dir = root().join("e2e");
    let in_e2e = |program: &str, args: &[&str]| -> Result<(), Failure> {
        let status = Command::new(program)
            .args(args)
            .current_dir(&dir)
            .env("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")
            .status()
            .map_err(|e| Failure::step(format!("cannot run {program}: {e}")))?;
        if status.success() {
            Ok(())
        } else {
            Err(Failure::step(format!(
                "`{program} {}` in e2e/ failed ({status})",
                args.join(" ")
            )))
        }
    };
    in_e2e("npm", &["ci", "--no-audit", "--no-fund"])?;
    // The test build's own `target/debug/rex` (the binary the CLI tests run): after the tests
    // this builds nothing, where `cargo build` would compile the workspace again under other
    // features (dev-dependencies unify them), minutes of CI for the same program.
    run("cargo", &["test", "--workspace", "--no-run"])?;
    in_e2e("node", &["--test", "--test-concurrency=1", "desk.test.mjs"])
}

/// The main job: `rex demo` from a release build.
fn demo(args: &[String]) -> Result<(), Failure> {
    let mut cargo = vec!["run", "--release", "--package", "rex-cli", "--", "demo"];
    cargo.extend(args.iter().map(String::as_str));
    run("cargo", &cargo)
}

/// Every test of the workspace (nextest when installed, else cargo test), the doc tests, then
/// the browser tests ([`e2e`]); each part runs even if an earlier one failed, and the first
/// failure is the run's.
/// The tests that read the public kidney-exchange instances find them themselves
/// (`REX_KEP_DATA`, else `../shared/data/kep` beside the checkout) and say `SKIPPED` without
/// them, failing under `CI`; nothing is set here, so a wrong guess cannot hide that.
fn test() -> Result<(), Failure> {
    let unit = if Command::new("cargo")
        .args(["nextest", "--version"])
        .output()
        .is_ok_and(|o| o.status.success())
    {
        run(
            "cargo",
            &["nextest", "run", "--workspace", "--no-fail-fast"],
        )
    } else {
        eprintln!("xtask: cargo-nextest is not installed; running the tests with cargo test");
        run("cargo", &["test", "--workspace", "--no-fail-fast"])
    };
    let doc = run("cargo", &["test", "--workspace", "--doc"]);
    let browser = e2e();
    for (part, result) in [
        ("tests", &unit),
        ("doc tests", &doc),
        ("browser tests", &browser),
    ] {
        if let Err(f) = result {
            eprintln!("xtask: the {part} failed: {}", f.message);
        }
    }
    unit.and(doc).and(browser)
}

/// Exactly what CI runs: formatting, then the lints and the tests in one build.
///
/// `cargo clippy` is `cargo check` with clippy's driver as the workspace's compiler: it checks
/// every dependency (metadata only), then the tests compile every dependency again in full. So
/// here clippy's driver compiles the workspace for the tests themselves, with `-D warnings` (the
/// environment `cargo clippy` sets): one `cargo build --all-targets` under the tests' profile
/// (library, binaries, tests, benches; a lint stops it), and the tests after it, under the same
/// environment, build nothing more. A cold build took 590 s against 673 s for the two
/// (BENCHMARKS.md, "CI: one build for the lints and the tests").
fn ci() -> Result<(), Failure> {
    run("cargo", &["fmt", "--all", "--", "--check"])?;
    let driver = clippy_driver()?;
    LINTED
        .set([
            ("RUSTC_WORKSPACE_WRAPPER", driver),
            (
                "CLIPPY_ARGS",
                "-D__CLIPPY_HACKERY__warnings__CLIPPY_HACKERY__".to_owned(),
            ),
        ])
        .expect("ci runs once");
    run(
        "cargo",
        &["build", "--workspace", "--all-targets", "--profile", "test"],
    )?;
    test()
}

/// Clippy's driver, beside the `cargo` that runs this (`$CARGO`, which cargo sets: the
/// toolchain the build uses), else beside `rustc`; `rustup component add clippy` installs it.
fn clippy_driver() -> Result<String, Failure> {
    let bin = match std::env::var_os("CARGO") {
        Some(cargo) => Path::new(&cargo)
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default(),
        None => {
            let sysroot = Command::new("rustc")
                .args(["--print", "sysroot"])
                .current_dir(root())
                .output()
                .map_err(|e| Failure::step(format!("cannot run rustc: {e}")))?;
            Path::new(String::from_utf8_lossy(&sysroot.stdout).trim()).join("bin")
        }
    };
    let driver = bin.join("clippy-driver");
    if driver.is_file() {
        Ok(driver.to_string_lossy().into_owned())
    } else {
        Err(Failure::step(format!(
            "clippy is not installed ({} is missing); run `rustup component add clippy`, then this again",
            driver.display()
        )))
    }
}
