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
//! | [`peers`] | the other interpreters (`lua5.4`, `node --jitless`) and their translations |
//! | [`seed`] | the runtime-async seed's EH figures, the reference for eh_depth |
//! | [`eh_depth`] | the seed's EH microbenchmark: its cells, tables and charts |
//! | [`programs`] | fib, fib_async and suspend_depth: per run, per call, per yield |
//! | [`tables`] | markdown tables and the text of a cell |
//! | [`charts`] | line charts drawn as SVG with plotters |

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use vm::Backend;

pub mod charts;
pub mod eh_depth;
pub mod peers;
pub mod programs;
pub mod runner;
pub mod seed;
pub mod tables;
pub mod timing;

/// The suite, in the order it runs.
pub const BENCHES: [&str; 4] = ["eh_depth", "fib", "fib_async", "suspend_depth"];

/// What `toy bench` was asked for.
#[derive(Clone, Debug)]
pub struct Config {
    /// Names from [`BENCHES`] (empty: all of them).
    pub names: Vec<String>,
    /// The backends to compare, in the order of their columns.
    pub modes: Vec<Backend>,
    /// Where to write the tables and charts, if anywhere.
    pub out: Option<PathBuf>,
    /// eh_depth: iterations of Recurse per timed call of `Program.Cell`.
    pub iterations: i64,
}

/// Runs the suite: prints the tables to standard output and progress to
/// standard error; exit code 1 if a measurement failed or an output file
/// could not be written.
pub fn run_suite(config: &Config) -> ExitCode {
    let names: Vec<&str> = if config.names.is_empty() {
        BENCHES.to_vec()
    } else {
        BENCHES.iter().copied().filter(|b| config.names.iter().any(|n| n == b)).collect()
    };
    let mut modes = Vec::new();
    for &m in &config.modes {
        if !modes.contains(&m) {
            modes.push(m);
        }
    }
    let dir = bench_dir();
    let timing = timing::TIMING;
    let mut failed = false;
    let mut eh_md = String::new();
    let mut programs_md = String::new();

    if names.contains(&"eh_depth") {
        eprintln!(
            "eh_depth: {} cells per backend, {} iterations per call...",
            seed::DEPTHS.len() * seed::VARIANTS.len(),
            config.iterations
        );
        let eh = eh_depth::run(&dir, &modes, config.iterations, timing);
        failed |= eh.any_failed();
        eh_md = tables::join(&eh.tables());
        print!("{eh_md}");
        for line in eh.failures() {
            eprintln!("eh_depth: failed: {line}");
        }
        if let Some(out) = &config.out {
            for (name, chart) in
                [("eh_relative.svg", eh.relative_chart()), ("eh_throw_vs_return.svg", eh.throw_vs_return_chart())]
            {
                failed |= match chart.svg() {
                    Ok(svg) => !write_out(out, name, &svg),
                    Err(e) => {
                        eprintln!("error: cannot draw {name}: {e}");
                        true
                    }
                };
            }
        }
    }
    let rest: Vec<&str> = names.iter().copied().filter(|n| *n != "eh_depth").collect();
    if !rest.is_empty() {
        let tables = programs::run(&dir, &rest, &modes, timing);
        failed |= tables.iter().any(tables::Table::any_failed);
        programs_md = tables::join(&tables);
        print!("{}{programs_md}", if eh_md.is_empty() { "" } else { "\n" });
    }
    if let Some(out) = &config.out {
        if !eh_md.is_empty() {
            failed |= !write_out(out, "eh_depth.md", &eh_md);
        }
        if !programs_md.is_empty() {
            failed |= !write_out(out, "programs.md", &programs_md);
        }
    }
    if failed { ExitCode::FAILURE } else { ExitCode::SUCCESS }
}

/// The source tree this crate was built from.
pub fn root() -> PathBuf {
    let bench = Path::new(env!("CARGO_MANIFEST_DIR"));
    bench.parent().unwrap_or(bench).to_path_buf()
}

/// The tree the suite runs from: the current folder when it holds
/// `programs/bench`, else [`root`].
fn tree() -> PathBuf {
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
