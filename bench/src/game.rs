//! The benchmarks game (binary-trees, nbody, spectral-norm, fannkuch-redux,
//! fasta), single-threaded: toy in each backend against the peers that are
//! installed here (`lua5.4`, `luajit -joff`, `node --jitless` running the
//! translations of bench/peers/, `mono --interpreter` running the same C#),
//! time and peak memory side by side.
//!
//! Every program of [`GAME`] has `public static long Run(int n, bool
//! print)`, printing what the benchmarks game's program prints; its `Main`
//! runs a small `n` (its `.out` file); the peer translations take `n` as
//! their argument and print the same lines. toy runs in a child process per
//! backend (`toy bench NAME --modes MODE --child`, [`child`]), which times
//! `Run(n, true)` in-process with its output thrown away (warm-up, then
//! median of the timed calls); its peak memory is the child's. A peer runs
//! as a process per run (output to /dev/null), its time net of its
//! start-up (an empty program; for mono the driver with 0 repetitions), its
//! peak memory the largest run's.

use std::path::{Path, PathBuf};
use std::process::Command;

use vm::Backend;
use vm::value::Value;

use crate::peers::Peer;
use crate::process::{ProcRun, number, own_peak_rss, run_measured, spawn_self};
use crate::runner::{Captured, call, load, new_vm};
use crate::tables::{Table, cell_text, ratio_cell};
use crate::timing::{Measured, Spread, Timing, measure};

/// The programs, each with the `n` `toy bench` runs it at.
pub const GAME: [(&str, i64); 5] =
    [("binary_trees", 16), ("nbody", 100_000), ("spectral_norm", 400), ("fannkuch_redux", 9), ("fasta", 250_000)];

/// The `n` of a game program, if `name` is one.
pub fn game_n(name: &str) -> Option<i64> {
    GAME.iter().find(|(g, _)| *g == name).map(|&(_, n)| n)
}

/// The process peers of the game, in the order of their columns (mono is
/// added after them when installed): the peers every table has.
pub const GAME_PEERS: [Peer; 3] = crate::peers::PEERS;

/// The label of mono's column.
pub const MONO: &str = "mono --interpreter";

/// In the child: times `Program.Run(n, true)` of NAME.toy on one backend
/// (output thrown away) and reports seconds per run and what it returned.
pub fn child(dir: &Path, name: &str, mode: Backend, n: i64, timing: Timing) -> Result<String, String> {
    let program = load(dir, name, &[mode]).remove(0)?;
    let err = Captured::default();
    let mut vm = new_vm(&program, mode, &err);
    let mut result = None;
    let t = measure(timing, || {
        let r = call(&mut vm, "Run", &[Value::Int(n), Value::Bool(true)])?;
        match (result, r) {
            (None, Value::Int(v)) => result = Some(v),
            (Some(a), Value::Int(b)) if a == b => {}
            (_, other) => return Err(format!("Run({n}) returned {other:?}, then something else")),
        }
        Ok(())
    })?;
    Ok(format!(
        "secs={}\nsecs_min={}\nsecs_max={}\nresult={}\nvm_hwm={}\n",
        t.median,
        t.min,
        t.max,
        result.unwrap_or(0),
        own_peak_rss().unwrap_or(0)
    ))
}

/// One column of the game's tables: seconds per run and peak memory in bytes.
struct Column {
    label: String,
    /// Per program (as `names`): seconds per run, peak bytes.
    cells: Vec<(Measured, Result<u64, String>)>,
}

/// A peer that runs a program as a process.
trait Runner {
    fn label(&self) -> String;
    /// The command running program `name` at `n`, `None` when it has no
    /// translation; the command of its start-up.
    fn commands(&self, name: &str, n: i64) -> Option<(Command, Command)>;
}

impl Runner for Peer {
    fn label(&self) -> String {
        self.label.to_owned()
    }
    fn commands(&self, name: &str, n: i64) -> Option<(Command, Command)> {
        Some((self.script(name, &[&n.to_string()])?, self.startup()))
    }
}

/// `mono --interpreter` running the program compiled by `mcs` with
/// bench/peers/BenchDriver.cs.
struct Mono {
    dir: PathBuf,
}

impl Mono {
    /// Compiles NAME.toy (once per suite run) into the temp folder.
    fn exe(&self, name: &str) -> Option<PathBuf> {
        let exe = self.dir.join(format!("{name}.exe"));
        if exe.is_file() {
            return Some(exe);
        }
        let root = crate::tree();
        let mut mcs = Command::new("mcs");
        mcs.args(["-optimize+", "-langversion:latest", "-nologo", "-warn:0", "-main:BenchDriver"])
            .arg(format!("-out:{}", exe.display()))
            .arg(crate::bench_dir().join(format!("{name}.toy")))
            .arg(root.join("scripts/toy-attributes.cs"))
            .arg(crate::peers_dir().join("BenchDriver.cs"));
        match run_measured(&mut mcs, false) {
            Ok(_) => Some(exe),
            Err(e) => {
                eprintln!("game: mcs cannot compile {name}.toy: {e}");
                None
            }
        }
    }
}

impl Runner for Mono {
    fn label(&self) -> String {
        MONO.to_owned()
    }
    fn commands(&self, name: &str, n: i64) -> Option<(Command, Command)> {
        let exe = self.exe(name)?;
        let cmd = |reps: &str| {
            let mut c = Command::new("mono");
            c.arg("--interpreter").arg(&exe).args([&n.to_string(), reps]).stderr(std::process::Stdio::null());
            c
        };
        Some((cmd("1"), cmd("0")))
    }
}

/// Times `run` as processes (warm-up, then the median of `timing`'s runs)
/// net of the median start-up; the peak memory is the largest run's.
fn peer_cell(run: &mut Command, startup: &mut Command, timing: Timing) -> (Measured, Result<u64, String>) {
    let mut peak = 0;
    let timed = |cmd: &mut Command, peak: &mut u64| -> Result<(), String> {
        let ProcRun { peak_rss, .. } = run_measured(cmd, false)?;
        *peak = (*peak).max(peak_rss);
        Ok(())
    };
    // measure() times the closure; the closure's own work is one process run.
    let base = match measure(timing, || timed(startup, &mut 0)) {
        Ok(t) => t.median,
        Err(e) => return (Err(e.clone()), Err(e)),
    };
    match measure(timing, || timed(run, &mut peak)) {
        Ok(t) => (Ok(t.map(|s| (s - base).max(0.0))), Ok(peak)),
        Err(e) => (Err(e.clone()), Err(e)),
    }
}

/// The process-level timing of the game: few runs, each seconds long.
const GAME_TIMING: Timing = Timing { min_time: std::time::Duration::ZERO, min_reps: 3, max_reps: 3 };

/// Runs `names` (game programs) in toy's `modes` and the installed peers;
/// three tables: seconds per run, peak memory, and each peer ÷ toy.
pub fn run(names: &[&str], modes: &[Backend]) -> Vec<Table> {
    let mut columns: Vec<Column> = Vec::new();
    for &mode in modes {
        let cells = names
            .iter()
            .map(|&name| {
                eprintln!("game: {name}: toy {} (n = {}, child process)...", mode.name(), game_n(name).unwrap_or(0));
                match spawn_self(name, mode, &[]) {
                    Ok((report, run)) => {
                        let t = (|| {
                            Ok(Spread {
                                median: number(&report, "secs")?,
                                min: number(&report, "secs_min")?,
                                max: number(&report, "secs_max")?,
                            })
                        })();
                        (t, Ok(run.peak_rss))
                    }
                    Err(e) => (Err(e.clone()), Err(e)),
                }
            })
            .collect();
        columns.push(Column { label: format!("toy {}", mode.name()), cells });
    }
    let mut runners: Vec<Box<dyn Runner>> =
        GAME_PEERS.iter().filter(|p| p.installed()).map(|p| Box::new(*p) as Box<dyn Runner>).collect();
    let mono_dir = std::env::temp_dir().join(format!("toy-bench-mono-{}", std::process::id()));
    if crate::peers::installed("mono") && crate::peers::installed("mcs") && std::fs::create_dir_all(&mono_dir).is_ok() {
        runners.push(Box::new(Mono { dir: mono_dir.clone() }));
    }
    for runner in &runners {
        let cells = names
            .iter()
            .map(|&name| {
                let n = game_n(name).unwrap_or(0);
                eprintln!("game: {name}: {} (n = {n})...", runner.label());
                match runner.commands(name, n) {
                    Some((mut run, mut startup)) => peer_cell(&mut run, &mut startup, GAME_TIMING),
                    None => (Err("-".into()), Err("-".into())),
                }
            })
            .collect();
        columns.push(Column { label: runner.label(), cells });
    }
    let _ = std::fs::remove_dir_all(&mono_dir);

    let mut time = Table::new(
        "benchmarks game: seconds per run",
        "Each program at the n of its row, its output thrown away. toy: Program.Run(n, true) timed in a child \
         process per backend after a warm-up run, median (fastest–slowest). Peers: a process per run, 3 runs \
         after a warm-up, median net of the peer's start-up (an empty program; mono: the driver running Run 0 \
         times). lua5.4 and luajit -joff run bench/peers/NAME.lua, node --jitless NAME.js, mono --interpreter \
         the same C# (mcs -optimize+, bench/peers/BenchDriver.cs).",
    );
    let mut memory = Table::new(
        "benchmarks game: peak memory (MB)",
        "The peak resident memory of the process (VmHWM): toy's child process as it reports it (compiler, VM \
         and the warm-up and timed runs), the peer's largest run (polled every 2 ms while it runs).",
    );
    let mut ratios = Table::new(
        "benchmarks game: peer ÷ toy",
        "Each peer's seconds per run ÷ toy's (default backend, async1), then its peak memory ÷ toy's: above 1, \
         toy is faster / smaller. ≈: the ranges overlap.",
    );
    for t in [&mut time, &mut memory] {
        t.header.push("program (n)".into());
        t.header.extend(columns.iter().map(|c| c.label.clone()));
    }
    let toy = modes.iter().position(|&m| m == Backend::Async1).unwrap_or(0);
    let peers = &columns[modes.len().min(columns.len())..];
    ratios.header.push("program (n)".into());
    ratios.header.extend(peers.iter().map(|c| format!("{} time", c.label)));
    ratios.header.extend(peers.iter().map(|c| format!("{} memory", c.label)));
    for (i, name) in names.iter().enumerate() {
        let label = format!("{name} ({})", game_n(name).unwrap_or(0));
        let mut t = vec![label.clone()];
        let mut m = vec![label.clone()];
        for c in &columns {
            t.push(cell_text(&c.cells[i].0, |s| format!("{s:.3}")));
            m.push(match &c.cells[i].1 {
                Ok(b) => format!("{:.1}", *b as f64 / 1e6),
                Err(e) => cell_text(&Err(e.clone()), |v| v.to_string()),
            });
        }
        time.rows.push(t);
        memory.rows.push(m);
        if let Some(toy) = columns.get(toy).filter(|_| !modes.is_empty()) {
            let mut r = vec![label];
            r.extend(peers.iter().map(|c| ratio_cell(&c.cells[i].0, &toy.cells[i].0, |r| format!("{r:.2}"))));
            r.extend(peers.iter().map(|c| match (&c.cells[i].1, &toy.cells[i].1) {
                (Ok(p), Ok(t)) => format!("{:.2}", *p as f64 / *t as f64),
                _ => "-".into(),
            }));
            ratios.rows.push(r);
        }
    }
    let mut tables = vec![time, memory];
    if !ratios.rows.is_empty() && !peers.is_empty() {
        tables.push(ratios);
    }
    tables
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each installed peer prints what the toy program's Main prints
    /// (NAME.out) at the program's small size.
    #[test]
    fn peers_print_the_expected_output() {
        for (name, _) in GAME {
            let expected = std::fs::read_to_string(crate::bench_dir().join(format!("{name}.out")));
            let Ok(expected) = expected else { continue };
            let small = small_n(name);
            for peer in GAME_PEERS.iter().filter(|p| p.installed()) {
                let Some(mut cmd) = peer.script(name, &[&small.to_string()]) else { continue };
                let run = run_measured(&mut cmd, true).unwrap_or_else(|e| panic!("{name} {}: {e}", peer.label));
                assert_eq!(run.stdout, expected, "{name} under {}", peer.label);
            }
        }
    }

    /// The `n` Main of NAME.toy passes to Run (`Run(10, true)`).
    fn small_n(name: &str) -> i64 {
        let source = std::fs::read_to_string(crate::bench_dir().join(format!("{name}.toy"))).unwrap();
        let call = source.rsplit("Run(").next().unwrap();
        call.split(',').next().unwrap().trim().parse().unwrap()
    }

    /// A toy child at the small size, in this process.
    #[test]
    fn child_in_process() {
        let quick = Timing { min_time: std::time::Duration::ZERO, min_reps: 1, max_reps: 1 };
        let report = crate::process::parse_report(
            &child(&crate::bench_dir(), "binary_trees", Backend::Async2, small_n("binary_trees"), quick).unwrap(),
        );
        assert_eq!(number(&report, "result"), Ok(4095.0 + 31744.0 + 32512.0 + 32704.0 + 32752.0 + 2047.0));
    }
}
