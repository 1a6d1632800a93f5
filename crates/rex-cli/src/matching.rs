//! `rex match FILE`: read an instance, solve it exactly, print the exchanges.

use crate::Failure;
use clap::{Args, ValueEnum};
use rex_match::{Graph, Objective, Params, Progress, Solution};
use serde_json::json;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ObjectiveArg {
    /// Number of handovers (arcs) used.
    Count,
    /// Total arc weight.
    Weight,
}

#[derive(Debug, Args)]
pub struct MatchArgs {
    /// Instance file: Trimble .input (+ .ndds), kep_solver .json/.json.xz/.xml/.yaml, PrefLib .wmd.
    pub file: PathBuf,
    /// Longest cycle, in arcs (0 = no cycles).
    #[arg(long = "max-cycle", short = 'K', default_value_t = 3)]
    pub max_cycle: usize,
    /// Longest chain, in arcs, the offer's own handover included (0 = no chains).
    #[arg(long = "max-chain", short = 'L', default_value_t = 3)]
    pub max_chain: usize,
    /// What to maximise.
    #[arg(long, value_enum, default_value_t = ObjectiveArg::Count)]
    pub objective: ObjectiveArg,
    /// Stop after this many seconds with the best solution found and its gap.
    #[arg(long = "time-limit", value_name = "SECONDS")]
    pub time_limit: Option<f64>,
    /// Print one JSON object instead of the human report.
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: MatchArgs) -> Result<(), Failure> {
    let time_limit = match args.time_limit {
        None => None,
        Some(s) if s.is_finite() && s > 0.0 => Some(Duration::from_secs_f64(s)),
        Some(s) => {
            return Err(Failure::input(format!(
                "--time-limit must be a positive number of seconds, not {s}"
            )))
        }
    };
    let params = Params {
        max_cycle: args.max_cycle,
        max_chain: args.max_chain,
        objective: match args.objective {
            ObjectiveArg::Count => Objective::Count,
            ObjectiveArg::Weight => Objective::Weight,
        },
        time_limit,
    };
    let started = Instant::now();
    let graph = rex_kep::read_file(&args.file).map_err(|e| Failure::input(e.to_string()))?;
    let solution = solve_showing_progress(&graph, &params)?;
    let seconds = started.elapsed().as_secs_f64();
    if args.json {
        println!("{}", to_json(&graph, &params, &solution, seconds));
    } else {
        print!("{}", to_text(&graph, &solution, seconds));
    }
    Ok(())
}

/// Solves, printing `incumbent / bound / elapsed` to stderr once a second after the first second.
fn solve_showing_progress(graph: &Graph, params: &Params) -> Result<Solution, Failure> {
    let latest: Arc<Mutex<Option<Progress>>> = Arc::default();
    let done = Arc::new((Mutex::new(false), std::sync::Condvar::new()));
    let ticker = {
        let latest = Arc::clone(&latest);
        let done = Arc::clone(&done);
        let start = Instant::now();
        std::thread::spawn(move || {
            let (lock, cvar) = &*done;
            let mut finished = lock.lock().unwrap_or_else(|e| e.into_inner());
            let mut printed = false;
            loop {
                // The predicate is checked before waiting: a solve that finished before this
                // thread first waits must not cost a second.
                let (guard, _) = cvar
                    .wait_timeout_while(finished, Duration::from_secs(1), |done| !*done)
                    .unwrap_or_else(|e| e.into_inner());
                finished = guard;
                if *finished {
                    break;
                }
                let p = *latest.lock().unwrap_or_else(|e| e.into_inner());
                let show = |x: Option<f64>| x.map_or("-".to_string(), |v| format!("{v}"));
                if let Some(p) = p {
                    eprintln!(
                        "rex match: {:>6.1}s  {:<15} incumbent {:>8}  bound {:>8}",
                        start.elapsed().as_secs_f64(),
                        p.phase,
                        show(p.incumbent),
                        show(p.bound)
                    );
                    printed = true;
                }
            }
            printed
        })
    };
    let result = rex_match::solve_with_progress(graph, params, &|p| {
        *latest.lock().unwrap_or_else(|e| e.into_inner()) = Some(*p);
    });
    {
        let (lock, cvar) = &*done;
        *lock.lock().unwrap_or_else(|e| e.into_inner()) = true;
        cvar.notify_all();
    }
    let _ = ticker.join();
    result.map_err(|e| match e {
        rex_match::SolveError::BadParams(m) => Failure::input(m),
        e => Failure::other(e.to_string()),
    })
}

fn to_json(graph: &Graph, params: &Params, s: &Solution, seconds: f64) -> serde_json::Value {
    let gap = match s.status {
        rex_match::Status::Optimal => 0.0,
        rex_match::Status::TimeLimit { gap } => gap,
    };
    json!({
        "objective": s.objective,
        "bound": s.bound,
        "status": s.status.as_str(),
        "gap": gap,
        "seconds": seconds,
        "max_cycle": params.max_cycle,
        "max_chain": params.max_chain,
        "objective_kind": match params.objective { Objective::Count => "count", Objective::Weight => "weight" },
        "requests": graph.request_count(),
        "offers": graph.offer_count(),
        "arcs": graph.arcs().len(),
        "cycles": s.cycles.iter().map(|c| graph.ids(c)).collect::<Vec<_>>(),
        "chains": s.chains.iter().map(|c| graph.ids(c)).collect::<Vec<_>>(),
        "stats": {
            "arcs_after_reduction": s.stats.arcs_after_reduction,
            "cycles_enumerated": s.stats.cycles_enumerated,
            "pricing_rounds": s.stats.pricing_rounds,
            "lp_bound": s.stats.lp_bound,
            "mip_columns": s.stats.mip_columns,
            "columns_fixed": s.stats.columns_fixed,
            "mip_solves": s.stats.mip_solves,
            "solve_seconds": s.stats.elapsed.as_secs_f64(),
        },
    })
}

fn to_text(graph: &Graph, s: &Solution, seconds: f64) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    let status = match s.status {
        rex_match::Status::Optimal => "optimal".to_string(),
        rex_match::Status::TimeLimit { gap } => format!("time_limit (gap {:.2}%)", gap * 100.0),
    };
    let _ = writeln!(out, "objective  {}", s.objective);
    let _ = writeln!(out, "bound      {}", s.bound);
    let _ = writeln!(out, "status     {status}");
    let _ = writeln!(out, "time       {seconds:.3} s");
    let _ = writeln!(
        out,
        "instance   {} requests, {} offers, {} arcs ({} on a feasible cycle or chain)",
        graph.request_count(),
        graph.offer_count(),
        graph.arcs().len(),
        s.stats.arcs_after_reduction
    );
    let _ = writeln!(out, "cycles     {}", s.cycles.len());
    for c in &s.cycles {
        let ids = graph.ids(c);
        let _ = writeln!(out, "  {} -> {}", ids.join(" -> "), ids[0]);
    }
    let _ = writeln!(out, "chains     {}", s.chains.len());
    for c in &s.chains {
        let _ = writeln!(out, "  {}", graph.ids(c).join(" -> "));
    }
    out
}
