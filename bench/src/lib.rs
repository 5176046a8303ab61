//! toy's benchmarks: the suite behind `toy bench` and the helpers the
//! criterion benches of `benches/` share with it.
//!
//! `toy bench` times the programs of `programs/bench/` in-process (no
//! criterion) in each async backend, prints markdown tables and, with an
//! output folder, writes them and two SVG charts. The `toy` command only
//! parses its arguments into a [`Config`] and calls [`run_suite`].
//!
//! | module | owns |
//! | --- | --- |
//! | [`timing`] | how long a measurement runs, and the median call |
//! | [`runner`] | compiling and preparing a bench program, running it in-process |
//! | [`peers`] | the other interpreters (`lua5.4`, `luajit -joff`, `node --jitless`) and their translations |
//! | [`process`] | a process's time and peak memory; `toy bench`'s own child processes |
//! | [`seed`] | the runtime-async seed's EH figures, the reference for eh_depth |
//! | [`eh_depth`] | the seed's EH microbenchmark: its cells, tables and charts |
//! | [`eh_full`] | the same in full: ValueTask and Async2Capture, the finally table, three more charts |
//! | [`programs`] | fib, fib_async and suspend_depth: per run, per call, per yield |
//! | [`micro`] | microbenchmarks 1-5 of the seed: yielding fib, whole-chain suspension, sawtooth, thunks, lifetimes |
//! | [`scenario`] | the seed's scenario benchmarks: requests per second, allocations per request |
//! | [`gc_suspended`] | the seed's GC experiment: heap, peak memory, allocations, pauses |
//! | [`game`] | the benchmarks game against the peers: time and peak memory |
//! | [`tiers`] | each bench program with the defaults against `--tier0-only` |
//! | [`json`] | the tables as JSON, and reading them back |
//! | [`compare`] | `--compare`: this run ÷ an earlier one, cell by cell |
//! | [`tables`] | markdown tables and the text of a cell |
//! | [`charts`] | line charts drawn as SVG with plotters |

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use vm::Backend;

pub mod charts;
pub mod compare;
pub mod eh_depth;
pub mod eh_full;
pub mod game;
pub mod gc_suspended;
pub mod json;
pub mod micro;
pub mod peers;
pub mod process;
pub mod programs;
pub mod runner;
pub mod scenario;
pub mod seed;
pub mod tables;
pub mod tiers;
pub mod timing;

use tables::Table;

/// The groups `toy bench` also takes by name, with their benchmarks: every
/// benchmark is in one group, and the suite runs them in this order.
pub const GROUPS: [(&str, &[&str]); 6] = [
    ("eh", &["eh_depth", "eh_full"]),
    (
        "micro",
        &[
            "fib",
            "fib_async",
            "suspend_depth",
            "micro_fib_yield",
            "micro_whole_chain",
            "micro_sawtooth",
            "micro_thunks",
            "micro_lifetime",
        ],
    ),
    ("scenario", &["scenario_json", "scenario_pipeline"]),
    ("gc", &["gc_suspended"]),
    ("game", &["binary_trees", "nbody", "spectral_norm", "fannkuch_redux", "fasta"]),
    ("tier", &["tiers"]),
];

/// Every benchmark, in the order the suite runs them.
pub fn benches() -> impl Iterator<Item = &'static str> {
    GROUPS.iter().flat_map(|(_, members)| members.iter().copied())
}

/// Every name `toy bench` takes: the benchmarks, then the groups.
pub fn names() -> Vec<&'static str> {
    benches().chain(GROUPS.iter().map(|(g, _)| *g)).collect()
}

/// What `toy bench` was asked for.
#[derive(Clone, Debug)]
pub struct Config {
    /// Names from [`benches`] or [`GROUPS`] (empty: all of them).
    pub names: Vec<String>,
    /// The backends to compare, in the order of their columns.
    pub modes: Vec<Backend>,
    /// Where to write the tables and charts, if anywhere.
    pub out: Option<PathBuf>,
    /// eh_depth: iterations of Recurse per timed call of `Program.Cell`.
    pub iterations: i64,
    /// An earlier run's JSON (`--out`'s `bench.json` or any table file) to
    /// compare this run with.
    pub compare: Option<PathBuf>,
    /// Run as the child process of a figure that needs a process of its own
    /// (one benchmark, one backend): print its `key=value` report.
    pub child: bool,
    /// gc_suspended's child: how many chains (default [`gc_suspended::COUNT`]).
    pub chains: Option<i64>,
    /// gc_suspended's child: run with `--tier0-only`.
    pub tier0_only: bool,
}

/// The benchmarks `names` ask for (groups expanded), in suite order.
pub fn selected(names: &[String]) -> Vec<&'static str> {
    if names.is_empty() {
        return benches().collect();
    }
    benches()
        .filter(|b| names.iter().any(|n| n == b || GROUPS.iter().any(|(g, members)| g == n && members.contains(b))))
        .collect()
}

/// One part of the output: its tables (and charts), written as
/// `DIR/STEM.md` and `DIR/STEM.json`.
struct Section {
    stem: &'static str,
    tables: Vec<Table>,
}

/// Runs the suite: prints the tables to standard output and progress to
/// standard error; exit code 1 if a measurement failed or an output file
/// could not be written.
pub fn run_suite(config: &Config) -> ExitCode {
    if config.child {
        return run_child(config);
    }
    let names = selected(&config.names);
    let mut modes = Vec::new();
    for &m in &config.modes {
        if !modes.contains(&m) {
            modes.push(m);
        }
    }
    let old = match &config.compare {
        Some(path) => {
            match std::fs::read_to_string(path).map_err(|e| e.to_string()).and_then(|t| json::parse_tables(&t)) {
                Ok(t) => Some(t),
                Err(e) => {
                    eprintln!("error: cannot read {} to compare with: {e}", path.display());
                    return ExitCode::FAILURE;
                }
            }
        }
        None => None,
    };
    let dir = bench_dir();
    let timing = timing::TIMING;
    let mut failed = false;
    let mut sections: Vec<Section> = Vec::new();
    let mut emit = |section: Section, failed: &mut bool| {
        *failed |= section.tables.iter().any(Table::any_failed);
        print!("{}{}", if sections.is_empty() { "" } else { "\n" }, tables::join(&section.tables));
        sections.push(section);
    };

    if names.contains(&"eh_depth") {
        eprintln!(
            "eh_depth: {} cells per backend, {} iterations per call...",
            seed::DEPTHS.len() * seed::VARIANTS.len(),
            config.iterations
        );
        let eh = eh_depth::run(&dir, &modes, config.iterations, timing);
        failed |= eh.any_failed();
        for line in eh.failures() {
            eprintln!("eh_depth: failed: {line}");
        }
        if let Some(out) = &config.out {
            for (name, chart) in
                [("eh_relative.svg", eh.relative_chart()), ("eh_throw_vs_return.svg", eh.throw_vs_return_chart())]
            {
                failed |= !write_chart(out, name, &chart);
            }
        }
        emit(Section { stem: "eh_depth", tables: eh.tables() }, &mut failed);
    }
    if names.contains(&"eh_full") {
        eprintln!("eh_full: the seed's whole EH table and its finally table...");
        let eh = eh_full::run(&dir, &modes, config.iterations, timing);
        failed |= eh.any_failed();
        if let Some(out) = &config.out {
            for (name, chart) in eh.charts() {
                failed |= !write_chart(out, name, &chart);
            }
        }
        emit(Section { stem: "eh_full", tables: eh.tables() }, &mut failed);
    }
    let micro: Vec<&str> =
        names.iter().copied().filter(|n| ["fib", "fib_async", "suspend_depth"].contains(n)).collect();
    if !micro.is_empty() {
        emit(Section { stem: "programs", tables: programs::run(&dir, &micro, &modes, timing) }, &mut failed);
    }
    let micros: Vec<&str> = names.iter().copied().filter(|n| micro::micro(n).is_some()).collect();
    if !micros.is_empty() {
        emit(Section { stem: "micro", tables: micro::run(&dir, &micros, &modes, timing) }, &mut failed);
    }
    let scenarios: Vec<&str> = names.iter().copied().filter(|n| scenario::scenario(n).is_some()).collect();
    if !scenarios.is_empty() {
        emit(Section { stem: "scenario", tables: vec![scenario::run(&dir, &scenarios, &modes, timing)] }, &mut failed);
    }
    if names.contains(&"gc_suspended") {
        emit(Section { stem: "gc_suspended", tables: gc_suspended::run(&dir, &modes) }, &mut failed);
    }
    if names.contains(&"tiers") {
        emit(Section { stem: "tiers", tables: vec![tiers::run(&dir, &modes, timing)] }, &mut failed);
    }
    let game: Vec<&str> = names.iter().copied().filter(|n| game::game_n(n).is_some()).collect();
    if !game.is_empty() {
        emit(Section { stem: "game", tables: game::run(&game, &modes) }, &mut failed);
    }

    if let Some(out) = &config.out {
        let mut all = Vec::new();
        for s in &sections {
            failed |= !write_out(out, &format!("{}.md", s.stem), &tables::join(&s.tables));
            failed |= !write_out(out, &format!("{}.json", s.stem), &json::tables_json(&s.tables));
            all.extend(s.tables.iter().cloned());
        }
        failed |= !write_out(out, "bench.json", &json::tables_json(&all));
    }
    if let Some(old) = old {
        let all: Vec<Table> = sections.iter().flat_map(|s| s.tables.iter().cloned()).collect();
        let compared = compare::compare(&all, &old);
        if compared.is_empty() {
            eprintln!("compare: no table of this run is in the earlier one");
        } else {
            print!("\n{}", tables::join(&compared));
        }
        if let Some(out) = &config.out {
            failed |= !write_out(out, "compare.md", &tables::join(&compared));
            failed |= !write_out(out, "compare.json", &json::tables_json(&compared));
        }
    }
    if failed { ExitCode::FAILURE } else { ExitCode::SUCCESS }
}

/// `toy bench NAME --modes MODE --child`: one benchmark on one backend in
/// this process; prints its report, or `error=why` and exits with 1.
fn run_child(config: &Config) -> ExitCode {
    let names = selected(&config.names);
    let (Some(&name), Some(&mode)) = (names.first(), config.modes.first()) else {
        println!("error=--child needs one benchmark and one mode");
        return ExitCode::FAILURE;
    };
    let dir = bench_dir();
    let report = match name {
        "gc_suspended" => gc_suspended::child(
            &dir,
            mode,
            config.chains.unwrap_or(gc_suspended::COUNT),
            gc_suspended::DEPTH,
            config.tier0_only,
        ),
        _ => match game::game_n(name) {
            Some(n) => game::child(&dir, name, mode, n, timing::TIMING),
            None => Err(format!("{name} has no child process")),
        },
    };
    match report {
        Ok(r) => {
            print!("{r}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            println!("error={}", e.replace('\n', " "));
            ExitCode::FAILURE
        }
    }
}

/// The machine a run was made on: its CPU model, its cores and the OS.
pub fn machine() -> String {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split_once(':'))
        .map_or("unknown CPU", |(_, m)| m.trim());
    let cores = std::thread::available_parallelism().map_or(0, usize::from);
    format!("{model}, {cores} cores available, {} {}", std::env::consts::OS, std::env::consts::ARCH)
}

/// The source tree this crate was built from.
pub fn root() -> PathBuf {
    let bench = Path::new(env!("CARGO_MANIFEST_DIR"));
    bench.parent().unwrap_or(bench).to_path_buf()
}

/// The tree the suite runs from: the current folder when it holds
/// `programs/bench`, else [`root`].
pub fn tree() -> PathBuf {
    if Path::new("programs/bench").is_dir() { PathBuf::new() } else { root() }
}

/// `programs/bench`, the toy programs of the suite.
pub fn bench_dir() -> PathBuf {
    tree().join("programs/bench")
}

/// `bench/peers`, their translations for the peers.
pub fn peers_dir() -> PathBuf {
    tree().join("bench/peers")
}

/// Writes `DIR/name`, creating DIR; prints the error and returns false if
/// that fails.
/// Draws `chart` and writes it as `dir/name`; false (and a message) if
/// either fails.
fn write_chart(dir: &Path, name: &str, chart: &charts::Chart) -> bool {
    match chart.svg() {
        Ok(svg) => write_out(dir, name, &svg),
        Err(e) => {
            eprintln!("error: cannot draw {name}: {e}");
            false
        }
    }
}

fn write_out(dir: &Path, name: &str, text: &str) -> bool {
    let path = dir.join(name);
    match std::fs::create_dir_all(dir).and_then(|()| std::fs::write(&path, text)) {
        Ok(()) => {
            eprintln!("wrote {}", path.display());
            true
        }
        Err(e) => {
            eprintln!("error: cannot write {}: {e}", path.display());
            false
        }
    }
}
