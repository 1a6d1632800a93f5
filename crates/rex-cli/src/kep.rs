//! `rex kep generate`: write a seeded kidney-exchange pool (Saidman, modified Saidman or sparse)
//! in the Trimble format that `rex match` reads. The models are in `rex_kep::generate`.

use crate::Failure;
use clap::{Args, Subcommand, ValueEnum};
use rex_kep::generate::{generate, Config, Model};
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Debug, Args)]
pub struct KepArgs {
    #[command(subcommand)]
    command: KepCommand,
}

#[derive(Debug, Subcommand)]
enum KepCommand {
    /// Generate a pool: PREFIX.input (pairs and their arcs) and PREFIX.ndds (altruists).
    Generate(GenerateArgs),
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum ModelArg {
    /// Saidman et al. (2006), the parameters of the shared Trimble `saidman.genconfig`.
    Saidman,
    /// Glorie (2014) "modified Saidman", the parameters of `modified.genconfig`.
    Modified,
    /// Heterogeneous, heavily sensitised pool: most patients have few compatible donors.
    Sparse,
}

#[derive(Debug, Args)]
struct GenerateArgs {
    /// The generator model.
    #[arg(long, value_enum)]
    model: ModelArg,
    /// Number of incompatible pairs.
    #[arg(long)]
    pairs: usize,
    /// Fraction of all donors who are altruists (0.05 and 0.25 in the Trimble sets).
    #[arg(long, default_value_t = 0.05, value_name = "SHARE")]
    altruists: f64,
    /// Random seed: the same seed and parameters write the same bytes.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Output path without suffix: writes PREFIX.input and PREFIX.ndds.
    #[arg(long, value_name = "PREFIX")]
    out: PathBuf,
}

pub fn run(args: KepArgs) -> Result<(), Failure> {
    match args.command {
        KepCommand::Generate(args) => run_generate(args),
    }
}

fn run_generate(args: GenerateArgs) -> Result<(), Failure> {
    let config = Config {
        model: match args.model {
            ModelArg::Saidman => Model::Saidman,
            ModelArg::Modified => Model::Modified,
            ModelArg::Sparse => Model::Sparse,
        },
        pairs: args.pairs,
        altruist_share: args.altruists,
        seed: args.seed,
    };
    let pool = generate(&config).map_err(|e| Failure::input(e.to_string()))?;
    let input = with_suffix(&args.out, "input");
    let ndds = with_suffix(&args.out, "ndds");
    write(&input, |f| pool.write_input(f))?;
    write(&ndds, |f| pool.write_ndds(f))?;
    println!(
        "{}: {} pairs, {} arcs; {}: {} altruists, {} arcs ({} model, seed {})",
        input.display(),
        pool.pairs,
        pool.pair_arcs.len(),
        ndds.display(),
        pool.altruists,
        pool.altruist_arcs.len(),
        config.model,
        config.seed
    );
    Ok(())
}

/// `PREFIX` + `.suffix` (the prefix may itself contain dots: `pool-0.05` -> `pool-0.05.input`).
fn with_suffix(prefix: &Path, suffix: &str) -> PathBuf {
    let mut s = prefix.as_os_str().to_owned();
    s.push(".");
    s.push(suffix);
    PathBuf::from(s)
}

fn write(
    path: &Path,
    body: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<(), Failure> {
    let fail = |e: std::io::Error| Failure::other(format!("cannot write {}: {e}", path.display()));
    let mut file = File::create(path).map_err(fail)?;
    body(&mut file).map_err(fail)?;
    file.sync_all().map_err(fail)
}
