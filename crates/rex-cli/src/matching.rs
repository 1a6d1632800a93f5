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
    /// Stop with a one-line error, before allocating it, if the model would need more than
    /// this many GiB (the graph's arcs and the formulation's columns, estimated).
    #[arg(long = "memory-limit", value_name = "GIB", default_value_t = 8.0)]
    pub memory_limit: f64,
    /// Print one JSON object instead of the human report.
    #[arg(long)]
    pub json: bool,
    /// Print a progress line at every solver event (phase change, pricing round) too, not
    /// only once a second: lines that do not depend on the machine's speed, for tests.
    #[arg(long, hide = true)]
    pub progress_events: bool,
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
    if !(args.memory_limit.is_finite() && args.memory_limit > 0.0) {
        return Err(Failure::input(format!(
            "--memory-limit must be a positive number of GiB, not {}",
            args.memory_limit
        )));
    }
    let params = Params {
        memory_limit: Some((args.memory_limit * (1u64 << 30) as f64) as u64),
        max_cycle: args.max_cycle,
        max_chain: args.max_chain,
        objective: match args.objective {
            ObjectiveArg::Count => Objective::Count,
            ObjectiveArg::Weight => Objective::Weight,
        },
        time_limit,
    };
    // `REX_LOG=debug` (or `trace`): the solver's own events (phases, pricing rounds, dives)
    // on stderr, for whoever needs to see where a long solve spends its time.
    if let Some(level) = std::env::var("REX_LOG")
        .ok()
        .and_then(|l| solver_log_level(&l))
    {
        tracing_subscriber::fmt()
            .with_writer(std::io::stderr)
            .with_max_level(level)
            .init();
    }
    let started = Instant::now();
    let graph = rex_kep::read_file(&args.file).map_err(|e| Failure::input(e.to_string()))?;
    let solution = solve_showing_progress(&graph, &params, args.progress_events)?;
    let seconds = started.elapsed().as_secs_f64();
    if args.json {
        println!("{}", to_json(&graph, &params, &solution, seconds));
    } else {
        print!("{}", to_text(&graph, &solution, seconds));
    }
    Ok(())
}

/// The level `REX_LOG` names, if it names one of `debug` and `trace`.
fn solver_log_level(value: &str) -> Option<tracing_subscriber::filter::LevelFilter> {
    match value.trim().to_ascii_lowercase().as_str() {
        "debug" => Some(tracing_subscriber::filter::LevelFilter::DEBUG),
        "trace" => Some(tracing_subscriber::filter::LevelFilter::TRACE),
        _ => None,
    }
}

/// Solves, printing the latest progress to stderr once a second after the first second (and,
/// with `--progress-events`, at every solver event).
fn solve_showing_progress(
    graph: &Graph,
    params: &Params,
    every_event: bool,
) -> Result<Solution, Failure> {
    let latest: Arc<Mutex<Option<Progress>>> = Arc::default();
    let done = Arc::new((Mutex::new(false), std::sync::Condvar::new()));
    let start = Instant::now();
    let ticker = {
        let latest = Arc::clone(&latest);
        let done = Arc::clone(&done);
        std::thread::spawn(move || {
            let (lock, cvar) = &*done;
            let wait_a_second = || {
                // The predicate is checked before waiting: a solve that finished before this
                // thread first waits must not cost a second.
                let finished = lock.lock().unwrap_or_else(|e| e.into_inner());
                let (finished, _) = cvar
                    .wait_timeout_while(finished, Duration::from_secs(1), |done| !*done)
                    .unwrap_or_else(|e| e.into_inner());
                *finished
            };
            tick(
                wait_a_second,
                || *latest.lock().unwrap_or_else(|e| e.into_inner()),
                || start.elapsed(),
                |line| eprintln!("{line}"),
            )
        })
    };
    let result = rex_match::solve_with_progress(graph, params, &|p| {
        *latest.lock().unwrap_or_else(|e| e.into_inner()) = Some(*p);
        if every_event {
            eprintln!("{}", progress_line(start.elapsed(), p));
        }
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

/// The progress ticker: after every `wait` (one period; `true` once the solve has finished),
/// one line with the `latest` progress, if there is any yet, at `elapsed`. Returns whether it
/// printed anything. Waiting and the time are arguments so that tests can drive it.
fn tick(
    mut wait: impl FnMut() -> bool,
    latest: impl Fn() -> Option<Progress>,
    elapsed: impl Fn() -> Duration,
    mut print: impl FnMut(String),
) -> bool {
    let mut printed = false;
    while !wait() {
        if let Some(p) = latest() {
            print(progress_line(elapsed(), &p));
            printed = true;
        }
    }
    printed
}

/// One progress line: `rex match:    2.0s  root LP         incumbent        -  bound      412`.
fn progress_line(elapsed: Duration, p: &Progress) -> String {
    let show = |x: Option<f64>| x.map_or("-".to_string(), |v| format!("{v}"));
    format!(
        "rex match: {:>6.1}s  {:<15} incumbent {:>8}  bound {:>8}",
        elapsed.as_secs_f64(),
        p.phase,
        show(p.incumbent),
        show(p.bound)
    )
}

fn to_json(graph: &Graph, params: &Params, s: &Solution, seconds: f64) -> serde_json::Value {
    let gap = s.status.gap();
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
            "cover_bound": s.stats.cover_bound,
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
        rex_match::Status::MemoryLimit { gap } => format!(
            "memory_limit (gap {:.2}%; the proof needs more than --memory-limit)",
            gap * 100.0
        ),
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;

    fn progress(phase: &'static str, incumbent: Option<f64>, bound: Option<f64>) -> Progress {
        Progress {
            incumbent,
            bound,
            elapsed: Duration::ZERO,
            phase,
        }
    }

    #[test]
    fn rex_log_names_debug_or_trace_and_nothing_else() {
        use tracing_subscriber::filter::LevelFilter;
        assert_eq!(solver_log_level("debug"), Some(LevelFilter::DEBUG));
        assert_eq!(solver_log_level(" TRACE "), Some(LevelFilter::TRACE));
        assert_eq!(solver_log_level("info"), None);
        assert_eq!(solver_log_level(""), None);
    }

    #[test]
    fn a_progress_line_shows_time_phase_incumbent_and_bound() {
        let p = progress("restricted MIP", Some(431.0), Some(433.0));
        assert_eq!(
            progress_line(Duration::from_millis(12_345), &p),
            "rex match:   12.3s  restricted MIP  incumbent      431  bound      433"
        );
        let p = progress("root LP", None, Some(40.5));
        assert_eq!(
            progress_line(Duration::from_secs(2), &p),
            "rex match:    2.0s  root LP         incumbent        -  bound     40.5"
        );
    }

    /// The ticker prints the latest progress after every period until the solve ends, and
    /// nothing before the solver's first report.
    #[test]
    fn the_ticker_prints_the_latest_progress_each_period_until_the_solve_ends() {
        let periods = Cell::new(0u32);
        let lines = std::cell::RefCell::new(Vec::new());
        let printed = tick(
            || {
                periods.set(periods.get() + 1);
                periods.get() > 4
            },
            || match periods.get() {
                1 => None,
                2 => Some(progress("root LP", None, Some(9.0))),
                _ => Some(progress("diving", Some(8.0), Some(9.0))),
            },
            || Duration::from_secs(u64::from(periods.get())),
            |line| lines.borrow_mut().push(line),
        );
        assert!(printed);
        assert_eq!(
            lines.into_inner(),
            [
                "rex match:    2.0s  root LP         incumbent        -  bound        9",
                "rex match:    3.0s  diving          incumbent        8  bound        9",
                "rex match:    4.0s  diving          incumbent        8  bound        9",
            ]
        );
        // A solve over before the first period prints nothing.
        assert!(!tick(
            || true,
            || None,
            || Duration::ZERO,
            |_| panic!("printed")
        ));
    }

    /// What a solve stopped by its time limit or its memory limit reports (the stops
    /// themselves are tested in `rex-match`).
    #[test]
    fn a_stopped_solve_reports_its_status_bound_and_gap() {
        use rex_match::{GraphBuilder, Stats, Status, VertexId};
        let mut b = GraphBuilder::new();
        for id in ["a", "b", "c"] {
            b.add_request(id).unwrap();
        }
        for (u, v) in [(0, 1), (1, 0), (1, 2), (2, 0)] {
            b.add_arc(VertexId(u), VertexId(v), 1.0).unwrap();
        }
        let graph = b.build().unwrap();
        let solution = Solution {
            cycles: vec![vec![VertexId(0), VertexId(1)]],
            chains: Vec::new(),
            objective: 2.0,
            bound: 3.0,
            status: Status::TimeLimit { gap: 1.0 / 3.0 },
            stats: Stats::default(),
        };
        let params = Params {
            time_limit: Some(Duration::from_secs(2)),
            memory_limit: None,
            ..Params::default()
        };
        let json = to_json(&graph, &params, &solution, 2.5);
        assert_eq!(json["status"], "time_limit");
        assert_eq!(json["objective"], 2.0);
        assert_eq!(json["bound"], 3.0);
        assert_eq!(json["gap"], 1.0 / 3.0);
        assert_eq!(json["cycles"], serde_json::json!([["a", "b"]]));
        let text = to_text(&graph, &solution, 2.5);
        assert!(
            text.contains("status     time_limit (gap 33.33%)\n"),
            "{text}"
        );
        // Stopped because the proof's next model would not fit: said, with what to raise.
        let solution = Solution {
            status: Status::MemoryLimit { gap: 1.0 / 3.0 },
            ..solution
        };
        let json = to_json(&graph, &params, &solution, 2.5);
        assert_eq!(json["status"], "memory_limit");
        assert_eq!(json["gap"], 1.0 / 3.0);
        let text = to_text(&graph, &solution, 2.5);
        assert!(
            text.contains(
                "status     memory_limit (gap 33.33%; the proof needs more than --memory-limit)\n"
            ),
            "{text}"
        );
    }
}
