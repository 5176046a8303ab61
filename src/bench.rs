//! `toy bench`: the benchmark suite of `programs/bench/`, timed in-process
//! (no criterion) in each async backend, printed as markdown tables and,
//! with `--out DIR`, written as markdown and SVG charts.
//!
//! What is measured:
//!
//! - `eh_depth`, the EH microbenchmark of the runtime-async seed
//!   (`../shared/seeds/003_*`, "Benchmark the performance of EH at various
//!   depths"): for each stack depth (1..64) and variant (return or throw, with
//!   or without a `Task.Yield()` at the bottom), `Program.Cell(depth,
//!   variant, iterations)` is called on a fresh VM, and the cell's figure is
//!   iterations per second. Beside it: the async2/async1 throughput ratio
//!   per cell next to the seed's Async2/Task ratio, and throw ÷ return
//!   throughput per backend.
//! - `fib`, `fib_async`, `suspend_depth`: each whole program (`Main`, output
//!   discarded) in ms per run; `Fib(n)` of `fib` (synchronous) and
//!   `fib_async` (an async method awaiting itself, never suspending) in ns
//!   per call; `Chain(depth)` of `suspend_depth` (a leaf awaiting
//!   `Task.Yield()` under `depth` async frames) in ns per yield. Beside
//!   the last two, the peers installed here (`lua5.4`, `node --jitless`)
//!   run the translations of `bench/peers/` as processes, net of their
//!   start-up, with each peer's time ÷ async2's.
//!
//! Every timing compiles and prepares (`vm::prepare`) the program once per
//! backend, outside the clock; it then makes one warm-up call and times
//! calls one by one until [`Timing::min_time`] has passed and at least
//! [`Timing::min_reps`] calls were timed, and reports the median call.
//! Compilation and preparation are never inside the clock; creating the VM
//! is, for whole-program runs only.

use std::cell::RefCell;
use std::fmt::Write as _;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::rc::Rc;
use std::time::{Duration, Instant};

use vm::program::Program;
use vm::value::Value;
use vm::{Backend, Vm, VmError};

/// The suite, in the order it runs.
const BENCHES: [&str; 4] = ["eh_depth", "fib", "fib_async", "suspend_depth"];

/// `toy bench`'s arguments.
#[derive(clap::Args)]
pub struct BenchArgs {
    /// Benchmarks to run (default: all), from programs/bench/.
    #[arg(value_name = "NAME", value_parser = clap::builder::PossibleValuesParser::new(BENCHES))]
    names: Vec<String>,
    /// The async backends to compare, comma-separated.
    #[arg(long, value_enum, value_delimiter = ',', default_values_t = [Backend::Async1, Backend::Async2])]
    modes: Vec<Backend>,
    /// Also write the tables (DIR/eh_depth.md, DIR/programs.md) and the
    /// eh_depth charts (DIR/eh_relative.svg, DIR/eh_throw_vs_return.svg).
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// eh_depth: iterations of Recurse per timed call of Program.Cell.
    #[arg(long, value_name = "N", default_value_t = 1000, value_parser = clap::value_parser!(i64).range(1..))]
    iterations: i64,
}

/// How long each measurement runs.
#[derive(Clone, Copy, Debug)]
struct Timing {
    /// Keep timing calls until this much time has passed...
    min_time: Duration,
    /// ...and at least this many calls were timed (after the warm-up call).
    min_reps: usize,
    /// Never more calls than this (very short calls).
    max_reps: usize,
}

const TIMING: Timing = Timing { min_time: Duration::from_millis(200), min_reps: 3, max_reps: 10_000 };

/// One measurement: a value, or why it could not be made.
type Measured = Result<f64, String>;

/// Runs `toy bench`; exit code 1 if a measurement failed or an output file
/// could not be written.
pub fn main(args: BenchArgs) -> ExitCode {
    let names: Vec<&str> = if args.names.is_empty() {
        BENCHES.to_vec()
    } else {
        BENCHES.iter().copied().filter(|b| args.names.iter().any(|n| n == b)).collect()
    };
    let mut modes = Vec::new();
    for m in args.modes {
        if !modes.contains(&m) {
            modes.push(m);
        }
    }
    let dir = bench_dir();
    let mut failed = false;
    let mut eh_md = String::new();
    let mut programs_md = String::new();

    if names.contains(&"eh_depth") {
        eprintln!("eh_depth: {} cells per backend, {} iterations per call...", DEPTHS.len() * VARIANTS.len(), args.iterations);
        let eh = eh_depth(&dir, &modes, args.iterations, TIMING);
        failed |= eh.any_failed();
        eh_md = eh.tables().iter().map(Table::markdown).collect::<Vec<_>>().join("\n");
        print!("{eh_md}");
        for line in eh.failures() {
            eprintln!("eh_depth: failed: {line}");
        }
        if let Some(out) = &args.out {
            failed |= !write_out(out, "eh_relative.svg", &eh.relative_chart().svg());
            failed |= !write_out(out, "eh_throw_vs_return.svg", &eh.throw_vs_return_chart().svg());
        }
    }
    let rest: Vec<&str> = names.iter().copied().filter(|n| *n != "eh_depth").collect();
    if !rest.is_empty() {
        let tables = programs(&dir, &rest, &modes, TIMING);
        failed |= tables.iter().any(Table::any_failed);
        programs_md = tables.iter().map(Table::markdown).collect::<Vec<_>>().join("\n");
        print!("{}{programs_md}", if eh_md.is_empty() { "" } else { "\n" });
    }
    if let Some(out) = &args.out {
        if !eh_md.is_empty() {
            failed |= !write_out(out, "eh_depth.md", &eh_md);
        }
        if !programs_md.is_empty() {
            failed |= !write_out(out, "programs.md", &programs_md);
        }
    }
    if failed { ExitCode::FAILURE } else { ExitCode::SUCCESS }
}

/// `programs/bench` under the current folder, else under the source tree
/// this binary was built from.
fn bench_dir() -> PathBuf {
    let here = Path::new("programs/bench");
    if here.is_dir() { here.to_path_buf() } else { Path::new(env!("CARGO_MANIFEST_DIR")).join("programs/bench") }
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

// ----- running programs ------------------------------------------------------

/// Compiles `programs/bench/NAME.toy` and prepares a copy for each backend.
fn load(dir: &Path, name: &str, modes: &[Backend]) -> Vec<Result<Program, String>> {
    let path = dir.join(format!("{name}.toy"));
    let compiled = std::fs::read_to_string(&path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))
        .and_then(|source| {
            lang::compile_source(&source, &format!("{name}.toy")).map_err(|d| {
                let first = d.first().map(|d| d.message.as_str()).unwrap_or("?");
                format!("{name}.toy does not compile: {first}")
            })
        });
    modes
        .iter()
        .map(|mode| {
            let mut program = compiled.clone()?;
            let prepared = catch_unwind(AssertUnwindSafe(|| vm::prepare(&mut program, *mode)));
            match prepared {
                Ok(Ok(())) => Ok(program),
                Ok(Err(e)) => Err(format!("prepare: {e}")),
                Err(panic) => Err(format!("prepare panicked: {}", panic_message(&*panic))),
            }
        })
        .collect()
}

/// A VM for a prepared program; standard error is kept in `err`, standard
/// output is thrown away.
fn new_vm(program: &Program, mode: Backend, err: &Captured) -> Vm {
    let options = vm::Options { mode: mode, ..Default::default() };
    Vm::new(program.clone(), options, Box::new(std::io::sink()), Box::new(err.clone()))
}

/// Calls the static method `Program.method` and, if it returns a task, runs
/// the event loop until the task is done; an exception or a panic becomes
/// the error message.
fn call(vm: &mut Vm, method: &str, args: &[Value]) -> Result<Value, String> {
    match catch_unwind(AssertUnwindSafe(|| vm.call_static("Program", method, args))) {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(describe(vm, e)),
        Err(panic) => Err(format!("panic: {}", panic_message(&*panic))),
    }
}

/// One line saying what a failed call threw.
fn describe(vm: &mut Vm, e: VmError) -> String {
    match e {
        VmError::Exception(v) | VmError::Unhandled(v) => {
            match catch_unwind(AssertUnwindSafe(|| vm.display(v))) {
                Ok(Ok(s)) => s.lines().next().unwrap_or("exception").to_owned(),
                _ => "exception".to_owned(),
            }
        }
        e => e.to_string(),
    }
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "(no message)".to_owned())
}

/// A writer keeping what a program prints to standard error.
#[derive(Clone, Default)]
struct Captured(Rc<RefCell<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.borrow_mut().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    fn first_line(&self) -> String {
        String::from_utf8_lossy(&self.0.borrow()).lines().next().unwrap_or("").to_owned()
    }
}

/// Makes one warm-up call, then times calls until `timing` is satisfied;
/// returns the median time of one call (the first error stops it).
fn measure(timing: Timing, mut f: impl FnMut() -> Result<(), String>) -> Result<Duration, String> {
    f()?;
    let start = Instant::now();
    let mut samples = Vec::new();
    while samples.len() < timing.min_reps.max(1) || (start.elapsed() < timing.min_time && samples.len() < timing.max_reps) {
        let t = Instant::now();
        f()?;
        samples.push(t.elapsed());
    }
    samples.sort();
    Ok(samples[samples.len() / 2])
}

// ----- eh_depth --------------------------------------------------------------

/// The stack depths of the seed's table.
const DEPTHS: [i64; 7] = [1, 2, 4, 8, 16, 32, 64];

/// The variants, numbered as `Program.Cell` of eh_depth.toy takes them.
const VARIANTS: [&str; 4] = ["ReturnNoSuspend", "ReturnSuspend", "ThrowNoSuspend", "ThrowSuspend"];

/// The seed's raw data ("Raw data from EH microbenchmark"), per depth of
/// [`DEPTHS`] and variant of [`VARIANTS`]: the `Task` (classic async)
/// columns...
const SEED_TASK: [[f64; 4]; 7] = [
    [7_976_995.0, 589_057.0, 21_630.0, 15_563.0],
    [4_738_359.0, 390_167.0, 13_781.0, 9_806.0],
    [2_884_153.0, 276_584.0, 7_717.0, 5_778.0],
    [1_274_335.0, 217_067.0, 4_068.0, 3_476.0],
    [536_064.0, 132_636.0, 2_104.0, 1_912.0],
    [263_823.0, 71_989.0, 1_032.0, 973.0],
    [113_187.0, 37_086.0, 484.0, 458.0],
];

/// ...and the `Async2` (runtime async) columns.
const SEED_ASYNC2: [[f64; 4]; 7] = [
    [13_966_110.0, 629_310.0, 46_434.0, 21_208.0],
    [11_573_294.0, 617_464.0, 38_975.0, 21_514.0],
    [8_340_047.0, 577_707.0, 29_887.0, 21_288.0],
    [5_308_395.0, 474_723.0, 20_358.0, 20_877.0],
    [2_888_828.0, 315_191.0, 12_941.0, 20_496.0],
    [1_157_832.0, 184_699.0, 7_319.0, 19_379.0],
    [488_245.0, 98_769.0, 3_936.0, 17_565.0],
];

/// eh_depth's measurements: iterations per second per backend, depth and
/// variant.
struct EhResults {
    modes: Vec<Backend>,
    iterations: i64,
    /// `cells[mode][depth][variant]`, indexed as `modes`, [`DEPTHS`], [`VARIANTS`].
    cells: Vec<Vec<[Measured; 4]>>,
}

/// Times every cell of eh_depth in each backend.
fn eh_depth(dir: &Path, modes: &[Backend], iterations: i64, timing: Timing) -> EhResults {
    let programs = load(dir, "eh_depth", modes);
    let cells = modes
        .iter()
        .zip(&programs)
        .map(|(&mode, program)| {
            DEPTHS
                .iter()
                .map(|&depth| std::array::from_fn(|v| eh_cell(program, mode, depth, v as i64, iterations, timing)))
                .collect()
        })
        .collect();
    EhResults { modes: modes.to_vec(), iterations, cells }
}

/// One cell: iterations per second of `Program.Cell(depth, variant,
/// iterations)` (each iteration recurses through `depth` async frames and
/// returns or throws to a try/catch at the top), on a fresh VM.
fn eh_cell(program: &Result<Program, String>, mode: Backend, depth: i64, variant: i64, iterations: i64, timing: Timing) -> Measured {
    let program = program.as_ref().map_err(Clone::clone)?;
    let err = Captured::default();
    let mut vm = new_vm(program, mode, &err);
    let args = [Value::Int(depth), Value::Int(variant), Value::Int(iterations)];
    let t = measure(timing, || call(&mut vm, "Cell", &args).map(drop))?;
    Ok(iterations as f64 / t.as_secs_f64())
}

impl EhResults {
    fn any_failed(&self) -> bool {
        self.cells.iter().flatten().flatten().any(Result::is_err)
    }

    /// One line per backend, variant and distinct error: the depths that
    /// failed with it and the whole message (table cells cut it short).
    fn failures(&self) -> Vec<String> {
        let mut lines = Vec::new();
        for (m, mode) in self.modes.iter().enumerate() {
            for (v, variant) in VARIANTS.iter().enumerate() {
                let mut errors: Vec<(&str, Vec<String>)> = Vec::new();
                for (d, depth) in DEPTHS.iter().enumerate() {
                    if let Err(e) = &self.cells[m][d][v] {
                        match errors.iter_mut().find(|(x, _)| x == e) {
                            Some((_, depths)) => depths.push(depth.to_string()),
                            None => errors.push((e, vec![depth.to_string()])),
                        }
                    }
                }
                for (e, depths) in errors {
                    lines.push(format!("{} {variant} at depth {}: {e}", mode.name(), depths.join(", ")));
                }
            }
        }
        lines
    }

    fn mode_index(&self, mode: Backend) -> Option<usize> {
        self.modes.iter().position(|&m| m == mode)
    }

    /// async2's throughput ÷ async1's for one cell (>1: async2 is faster).
    fn ratio(&self, d: usize, v: usize) -> Option<f64> {
        let (a1, a2) = (self.mode_index(Backend::Async1)?, self.mode_index(Backend::Async2)?);
        Some(self.cells[a2][d][v].as_ref().ok()? / self.cells[a1][d][v].as_ref().ok()?)
    }

    /// Throw ÷ Return throughput in backend `m`, without (`suspend` false)
    /// or with a suspension.
    fn throw_vs_return(&self, m: usize, d: usize, suspend: bool) -> Option<f64> {
        let s = suspend as usize;
        Some(self.cells[m][d][2 + s].as_ref().ok()? / self.cells[m][d][s].as_ref().ok()?)
    }

    /// The three tables: raw throughput, async2/async1 beside the seed's
    /// Async2/Task, and throw ÷ return beside the seed's.
    fn tables(&self) -> Vec<Table> {
        let mut tables = Vec::new();
        let mut raw = Table::new(
            "eh_depth: iterations per second",
            &format!(
                "Program.Cell(depth, variant, {}) in eh_depth.toy: each iteration recurses through `depth` async frames, \
                 awaits Task.Yield() at the bottom (Suspend) or not, then returns or throws to a try/catch at the top. \
                 Median call of at least {} after a warm-up, on a fresh VM per cell.",
                self.iterations, TIMING.min_reps
            ),
        );
        raw.header.push("depth".into());
        for v in VARIANTS {
            for m in &self.modes {
                raw.header.push(format!("{v} {}", m.name()));
            }
        }
        for (d, depth) in DEPTHS.iter().enumerate() {
            let mut row = vec![depth.to_string()];
            for v in 0..VARIANTS.len() {
                for m in 0..self.modes.len() {
                    row.push(cell_text(&self.cells[m][d][v], thousands));
                }
            }
            raw.rows.push(row);
        }
        tables.push(raw);

        if self.mode_index(Backend::Async1).is_some() && self.mode_index(Backend::Async2).is_some() {
            let mut rel = Table::new(
                "eh_depth: async2 / async1 throughput",
                "Above 1, async2 is faster. Seed: the runtime-async design's Async2 / Task, same benchmark in .NET.",
            );
            rel.header.push("depth".into());
            for v in VARIANTS {
                rel.header.push(format!("{v} toy"));
                rel.header.push(format!("{v} seed"));
            }
            for d in 0..DEPTHS.len() {
                let mut row = vec![DEPTHS[d].to_string()];
                for v in 0..VARIANTS.len() {
                    row.push(self.ratio(d, v).map_or("-".into(), |r| format!("{r:.2}")));
                    row.push(format!("{:.2}", SEED_ASYNC2[d][v] / SEED_TASK[d][v]));
                }
                rel.rows.push(row);
            }
            tables.push(rel);
        }

        let mut tvr = Table::new(
            "eh_depth: throw / return throughput",
            "ThrowX / ReturnX iterations per second, per backend (1: throwing costs nothing more than returning). \
             Seed: Task and Async2 in .NET.",
        );
        tvr.header.push("depth".into());
        for m in &self.modes {
            tvr.header.push(format!("{} NoSuspend", m.name()));
            tvr.header.push(format!("{} Suspend", m.name()));
        }
        for seed in ["Task", "Async2"] {
            tvr.header.push(format!("seed {seed} NoSuspend"));
            tvr.header.push(format!("seed {seed} Suspend"));
        }
        for d in 0..DEPTHS.len() {
            let mut row = vec![DEPTHS[d].to_string()];
            for m in 0..self.modes.len() {
                for suspend in [false, true] {
                    row.push(self.throw_vs_return(m, d, suspend).map_or("-".into(), |r| format!("{r:.4}")));
                }
            }
            for seed in [&SEED_TASK, &SEED_ASYNC2] {
                for s in 0..2 {
                    row.push(format!("{:.4}", seed[d][2 + s] / seed[d][s]));
                }
            }
            tvr.rows.push(row);
        }
        tables.push(tvr);
        tables
    }

    /// Chart (a): async2/async1 throughput per depth, one line per variant,
    /// the seed's Async2/Task dashed.
    fn relative_chart(&self) -> Chart {
        let mut series = Vec::new();
        for (v, name) in VARIANTS.iter().enumerate() {
            let points = (0..DEPTHS.len()).filter_map(|d| Some((DEPTHS[d] as f64, self.ratio(d, v)?))).collect();
            series.push(Series { label: format!("{name} (toy)"), color: COLORS[v], dashed: false, points });
        }
        for (v, name) in VARIANTS.iter().enumerate() {
            let points = (0..DEPTHS.len()).map(|d| (DEPTHS[d] as f64, SEED_ASYNC2[d][v] / SEED_TASK[d][v])).collect();
            series.push(Series { label: format!("{name} (seed)"), color: COLORS[v], dashed: true, points });
        }
        Chart {
            title: "eh_depth: async2 / async1 throughput (above 1: async2 faster)".into(),
            x_label: "stack depth (async frames)".into(),
            y_label: "async2 / async1 iterations per second".into(),
            x_ticks: DEPTHS.iter().map(|&d| d as f64).collect(),
            reference: Some(1.0),
            series,
        }
    }

    /// Chart (b): Throw ÷ Return throughput per depth, one line per backend
    /// and suspension, the seed's Task (as async1) and Async2 dashed.
    fn throw_vs_return_chart(&self) -> Chart {
        let mut series = Vec::new();
        let suspends = [(false, "NoSuspend"), (true, "Suspend")];
        for (m, mode) in self.modes.iter().enumerate() {
            for (s, (suspend, name)) in suspends.iter().enumerate() {
                let points =
                    (0..DEPTHS.len()).filter_map(|d| Some((DEPTHS[d] as f64, self.throw_vs_return(m, d, *suspend)?))).collect();
                let color = COLORS[(*mode == Backend::Async2) as usize * 2 + s];
                series.push(Series { label: format!("{} {name}", mode.name()), color, dashed: false, points });
            }
        }
        for (i, (seed, label)) in [(&SEED_TASK, "seed Task"), (&SEED_ASYNC2, "seed Async2")].into_iter().enumerate() {
            for (s, (_, name)) in suspends.iter().enumerate() {
                let points = (0..DEPTHS.len()).map(|d| (DEPTHS[d] as f64, seed[d][2 + s] / seed[d][s])).collect();
                series.push(Series { label: format!("{label} {name}"), color: COLORS[i * 2 + s], dashed: true, points });
            }
        }
        Chart {
            title: "eh_depth: throw / return throughput (1: throwing is free)".into(),
            x_label: "stack depth (async frames)".into(),
            y_label: "Throw / Return iterations per second".into(),
            x_ticks: DEPTHS.iter().map(|&d| d as f64).collect(),
            reference: Some(1.0),
            series,
        }
    }
}

// ----- fib, fib_async, suspend_depth ------------------------------------------

/// The argument `Main` passes to `Fib` in fib.toy and fib_async.toy.
const FIB_N: [(&str, i64); 2] = [("fib", 30), ("fib_async", 25)];
/// How many times a peer's fib translation runs Fib(n) in one process, so
/// that the work outweighs the start-up subtracted from it (node's is ~80
/// ms, one Fib(25) through async functions ~60 ms).
const PEER_FIB_REPS: u64 = 5;

/// The depths `Main` of suspend_depth.toy runs `Chain` at.
const SUSPEND_DEPTHS: [i64; 3] = [1, 10, 100];

/// The yields of suspend_depth at one depth (Rounds × Yields), what a peer
/// given that depth makes.
const SUSPEND_YIELDS: f64 = 100_000.0;

/// Calls made by the naive recursive `Fib(n)`: C(n) = 1 + C(n-1) + C(n-2),
/// C(0) = C(1) = 1, i.e. 2·F(n+1) − 1.
fn fib_calls(n: i64) -> u64 {
    let (mut a, mut b) = (1u64, 1u64); // C(0), C(1)
    for _ in 1..n.max(1) {
        (a, b) = (b, a + b + 1);
    }
    if n <= 0 { a } else { b }
}

fn fib_value(n: i64) -> i64 {
    let (mut a, mut b) = (0i64, 1i64);
    for _ in 0..n {
        (a, b) = (b, a + b);
    }
    a
}

/// An interpreter that runs the translations kept in `bench/peers/`, as
/// a process: its figures are net of its start-up (an empty program).
#[derive(Clone, Copy)]
struct Peer {
    /// The column's name.
    label: &'static str,
    command: &'static str,
    /// Arguments before the script.
    flags: &'static [&'static str],
    /// The arguments of an empty program.
    empty: &'static [&'static str],
    /// The extension of its translations (`bench/peers/NAME.EXT`).
    ext: &'static str,
}

const PEERS: [Peer; 2] = [
    Peer { label: "lua5.4", command: "lua5.4", flags: &[], empty: &["-e", ""], ext: "lua" },
    Peer { label: "node --jitless", command: "node", flags: &["--jitless"], empty: &["--jitless", "-e", "0"], ext: "js" },
];

impl Peer {
    fn run(&self, args: &[&str]) -> Result<(), String> {
        let status = Command::new(self.command)
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .map_err(|e| format!("{}: {e}", self.command))?;
        if status.success() { Ok(()) } else { Err(format!("{} {}: {status}", self.command, args.join(" "))) }
    }

    /// Seconds per run of `bench/peers/NAME.EXT ARGS`, net of `startup`
    /// (median runs); `-` when there is no such translation.
    fn net_secs(&self, startup: f64, name: &str, args: &[&str], timing: Timing) -> Measured {
        let script = bench_dir().join("../../bench/peers").join(format!("{name}.{}", self.ext));
        if !script.is_file() {
            return Err("-".into());
        }
        let script = script.to_string_lossy().into_owned();
        let mut all: Vec<&str> = self.flags.to_vec();
        all.push(&script);
        all.extend(args);
        Ok(measure(timing, || self.run(&all))?.as_secs_f64() - startup)
    }
}

/// The peers installed here, each with its start-up time in seconds.
fn installed_peers(timing: Timing) -> Vec<(Peer, f64)> {
    PEERS
        .iter()
        .filter_map(|p| {
            let t = measure(timing, || p.run(p.empty)).ok()?;
            Some((*p, t.as_secs_f64()))
        })
        .collect()
}

/// The peer cells of a row: each peer's ns per unit running
/// `bench/peers/NAME.EXT ARGS`, then (when async2 ran) each peer's time ÷
/// async2's: above 1, async2 is faster.
fn peer_cells(
    peers: &[(Peer, f64)],
    name: &str,
    args: &[&str],
    units: f64,
    async2: Option<&Measured>,
    timing: Timing,
) -> Vec<String> {
    let ns: Vec<Measured> =
        peers.iter().map(|(p, startup)| Ok(p.net_secs(*startup, name, args, timing)? * 1e9 / units)).collect();
    let mut cells: Vec<String> = ns.iter().map(|v| cell_text(v, |v| format!("{v:.1}"))).collect();
    if let Some(a2) = async2 {
        cells.extend(ns.iter().map(|p| match (p, a2) {
            (Ok(p), Ok(a2)) => format!("{:.2}", p / a2),
            _ => "-".into(),
        }));
    }
    cells
}

/// The whole-program, per-call and per-yield tables of `names` (any of
/// fib, fib_async, suspend_depth), with the peers' figures beside toy's.
fn programs(dir: &Path, names: &[&str], modes: &[Backend], timing: Timing) -> Vec<Table> {
    let mut whole = Table::new(
        "programs: ms per run",
        "The whole program (Main, output discarded) on a fresh VM, compiled and prepared beforehand. Median run.",
    );
    whole.header.push("program".into());
    whole.header.extend(modes.iter().map(|m| m.name().to_owned()));
    let both = modes.contains(&Backend::Async1) && modes.contains(&Backend::Async2);
    if both {
        whole.header.push("async2 speedup".into());
    }
    let mut calls = Table::new(
        "programs: ns per call",
        "Program.Fib(n) called on a fresh VM; fib is synchronous, fib_async awaits itself and never suspends. \
         Median call; ns = call time / number of Fib calls.",
    );
    calls.header.push("method".into());
    calls.header.extend(modes.iter().map(|m| m.name().to_owned()));
    let mut yields = Table::new(
        "suspend_depth: ns per yield",
        "Program.Chain(depth): a chain of `depth` async frames whose leaf awaits Task.Yield() 1000 times; \
         ns = call time / yields.",
    );
    yields.header.push("depth".into());
    yields.header.extend(modes.iter().map(|m| m.name().to_owned()));
    if both {
        calls.header.push("async2 speedup".into());
        yields.header.push("async2 speedup".into());
    }
    let peers = installed_peers(timing);
    let a2 = modes.iter().position(|&m| m == Backend::Async2);
    for table in [&mut calls, &mut yields] {
        table.header.extend(peers.iter().map(|(p, _)| p.label.to_owned()));
        if a2.is_some() {
            table.header.extend(peers.iter().map(|(p, _)| format!("{} ÷ async2", p.label)));
        }
        if !peers.is_empty() {
            table.note.push_str(&format!(
                " Peers (bench/peers/, each a process): ns = (median run − median start-up of an empty program) / the same count \
                 (the fib translations run Fib(n) {PEER_FIB_REPS} times per process); peer ÷ async2 above 1: async2 is faster."
            ));
        }
    }
    let mut fib_ns: Vec<(&str, Vec<Measured>)> = Vec::new();

    for &name in names {
        eprintln!("{name}...");
        let programs = load(dir, name, modes);
        let runs: Vec<Measured> = modes
            .iter()
            .zip(&programs)
            .map(|(&mode, p)| {
                let p = p.as_ref().map_err(Clone::clone)?;
                Ok(measure(timing, || run_whole(p, mode))?.as_secs_f64() * 1e3)
            })
            .collect();
        whole.rows.push(row(name, &runs, |ms| format!("{ms:.1}"), modes, true));

        if let Some(&(_, n)) = FIB_N.iter().find(|(f, _)| *f == name) {
            let count = fib_calls(n);
            let ns: Vec<Measured> = modes
                .iter()
                .zip(&programs)
                .map(|(&mode, p)| {
                    let p = p.as_ref().map_err(Clone::clone)?;
                    let err = Captured::default();
                    let mut vm = new_vm(p, mode, &err);
                    let t = measure(timing, || match call(&mut vm, "Fib", &[Value::Int(n)])? {
                        Value::Int(r) if r == fib_value(n) => Ok(()),
                        other => Err(format!("Fib({n}) returned {other:?}")),
                    })?;
                    Ok(t.as_secs_f64() * 1e9 / count as f64)
                })
                .collect();
            let mut r = row(&format!("{name}: Fib({n}), {} calls", thousands(count as f64)), &ns, |v| format!("{v:.1}"), modes, true);
            let reps = PEER_FIB_REPS.to_string();
            r.extend(peer_cells(&peers, name, &[&reps], (count * PEER_FIB_REPS) as f64, a2.map(|i| &ns[i]), timing));
            calls.rows.push(r);
            fib_ns.push((name, ns));
        }

        if name == "suspend_depth" {
            for depth in SUSPEND_DEPTHS {
                let ns: Vec<Measured> = modes
                    .iter()
                    .zip(&programs)
                    .map(|(&mode, p)| {
                        let p = p.as_ref().map_err(Clone::clone)?;
                        let err = Captured::default();
                        let mut vm = new_vm(p, mode, &err);
                        // Chain returns Yields + depth - 1 (each frame above the leaf adds one).
                        let mut count = 0;
                        let t = measure(timing, || match call(&mut vm, "Chain", &[Value::Int(depth)])? {
                            Value::Int(r) if r >= depth => {
                                count = r - depth + 1;
                                Ok(())
                            }
                            other => Err(format!("Chain({depth}) returned {other:?}")),
                        })?;
                        Ok(t.as_secs_f64() * 1e9 / count.max(1) as f64)
                    })
                    .collect();
                let mut r = row(&depth.to_string(), &ns, |v| format!("{v:.1}"), modes, true);
                let arg = depth.to_string();
                r.extend(peer_cells(&peers, name, &[&arg], SUSPEND_YIELDS, a2.map(|i| &ns[i]), timing));
                yields.rows.push(r);
            }
        }
    }

    // fib_async ÷ fib: what an async call and await cost over a plain call.
    if let [(_, sync), (_, asynch)] = &fib_ns[..] {
        let ratios: Vec<Measured> = sync
            .iter()
            .zip(asynch)
            .map(|(s, a)| match (s, a) {
                (Ok(s), Ok(a)) => Ok(a / s),
                _ => Err("-".into()),
            })
            .collect();
        let mut r = row("fib_async ÷ fib (ns per call)", &ratios, |r| format!("{r:.2}"), modes, false);
        r.resize(calls.header.len(), "-".into());
        calls.rows.push(r);
    }

    let mut tables = vec![whole];
    if !calls.rows.is_empty() {
        tables.push(calls);
    }
    if !yields.rows.is_empty() {
        tables.push(yields);
    }
    tables
}

/// A table row: `label`, one cell per backend and, when both backends ran
/// and `speedup` is asked for, async1's value ÷ async2's (for times: above 1,
/// async2 is faster).
fn row(label: &str, values: &[Measured], fmt: impl Fn(f64) -> String, modes: &[Backend], speedup: bool) -> Vec<String> {
    let mut row = vec![label.to_owned()];
    row.extend(values.iter().map(|v| cell_text(v, &fmt)));
    let a1 = modes.iter().position(|&m| m == Backend::Async1);
    let a2 = modes.iter().position(|&m| m == Backend::Async2);
    if let (Some(a1), Some(a2)) = (a1, a2) {
        row.push(match (&values[a1], &values[a2], speedup) {
            (Ok(t1), Ok(t2), true) => format!("{:.2}", t1 / t2),
            _ => "-".into(),
        });
    }
    row
}

/// Runs `Main` of a prepared program on a fresh VM; a non-zero exit code is
/// an error, described by the first line the program wrote to stderr.
fn run_whole(program: &Program, mode: Backend) -> Result<(), String> {
    let err = Captured::default();
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        let mut vm = new_vm(program, mode, &err);
        let result = vm.run_main();
        vm.finish(result)
    }))
    .map_err(|panic| format!("panic: {}", panic_message(&*panic)))?;
    match outcome.exit_code {
        0 => Ok(()),
        code => Err(format!("exit code {code}: {}", err.first_line())),
    }
}

// ----- tables ----------------------------------------------------------------

/// A markdown table with a heading and a note.
struct Table {
    title: String,
    note: String,
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

/// The longest error shown inside a table cell.
const MAX_CELL: usize = 48;

impl Table {
    fn new(title: &str, note: &str) -> Table {
        Table { title: title.into(), note: note.into(), header: Vec::new(), rows: Vec::new() }
    }

    fn any_failed(&self) -> bool {
        self.rows.iter().flatten().any(|c| c.starts_with("failed"))
    }

    /// `## title`, the note, then the table with padded columns (the first
    /// left-aligned, the others right-aligned).
    fn markdown(&self) -> String {
        let width = |i: usize| {
            self.rows.iter().chain([&self.header]).filter_map(|r| r.get(i)).map(|c| c.chars().count()).max().unwrap_or(0).max(3)
        };
        let widths: Vec<usize> = (0..self.header.len()).map(width).collect();
        let line = |cells: &[String]| {
            let mut s = String::from("|");
            for (i, w) in widths.iter().enumerate() {
                let c = cells.get(i).map_or("", String::as_str);
                let pad = " ".repeat(w - c.chars().count());
                if i == 0 {
                    let _ = write!(s, " {c}{pad} |");
                } else {
                    let _ = write!(s, " {pad}{c} |");
                }
            }
            s.push('\n');
            s
        };
        let mut out = format!("## {}\n\n{}\n\n", self.title, self.note);
        out.push_str(&line(&self.header));
        out.push('|');
        for (i, w) in widths.iter().enumerate() {
            let _ = write!(out, " {}{} |", "-".repeat(w - 1), if i == 0 { "-" } else { ":" });
        }
        out.push('\n');
        for r in &self.rows {
            out.push_str(&line(r));
        }
        out
    }
}

/// A measurement as a cell: the value, or `failed: why` (cut short; `|`
/// would break the table).
fn cell_text(m: &Measured, fmt: impl Fn(f64) -> String) -> String {
    match m {
        Ok(v) => fmt(*v),
        Err(e) if e == "-" => "-".into(),
        Err(e) => {
            let e = e.replace('|', "/");
            let mut s: String = format!("failed: {e}").chars().take(MAX_CELL).collect();
            if s.chars().count() < e.chars().count() + 8 {
                s.push('…');
            }
            s
        }
    }
}

/// `1234567.8` as `1,234,568`.
fn thousands(v: f64) -> String {
    let digits = format!("{:.0}", v.abs());
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if v < 0.0 { format!("-{out}") } else { out }
}

// ----- SVG charts ------------------------------------------------------------

/// Line colours, one per variant (or backend × suspension).
const COLORS: [&str; 4] = ["#1f77b4", "#2ca02c", "#d62728", "#ff7f0e"];

/// A line chart with a log2 x axis (stack depths) and a log10 y axis.
struct Chart {
    title: String,
    x_label: String,
    y_label: String,
    /// The x values, each labelled on the axis (positive).
    x_ticks: Vec<f64>,
    /// A y value drawn as a horizontal rule (1 for ratios).
    reference: Option<f64>,
    series: Vec<Series>,
}

struct Series {
    label: String,
    color: &'static str,
    dashed: bool,
    /// (x, y) with both positive; others are left out.
    points: Vec<(f64, f64)>,
}

const WIDTH: f64 = 820.0;
const HEIGHT: f64 = 480.0;
const LEFT: f64 = 80.0;
const RIGHT: f64 = 250.0;
const TOP: f64 = 50.0;
const BOTTOM: f64 = 60.0;

impl Chart {
    /// The chart as a standalone SVG document.
    fn svg(&self) -> String {
        let (pw, ph) = (WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM);
        let usable = |&(x, y): &(f64, f64)| x > 0.0 && y > 0.0 && x.is_finite() && y.is_finite();
        let xs: Vec<f64> = self.x_ticks.iter().copied().filter(|x| *x > 0.0).collect();
        let (x_lo, x_hi) = bounds(xs.iter().map(|x| x.log2()), (0.0, 1.0));
        let x_hi = if x_hi > x_lo { x_hi } else { x_lo + 1.0 };
        let ys = self.series.iter().flat_map(|s| s.points.iter().filter(|p| usable(p)).map(|p| p.1)).chain(self.reference);
        let (y_min, y_max) = bounds(ys.map(f64::log10), (-1.0, 1.0));
        let (y_lo, mut y_hi) = (y_min.floor(), y_max.ceil());
        if y_hi <= y_lo {
            y_hi = y_lo + 1.0;
        }
        let px = |x: f64| LEFT + (x.log2() - x_lo) / (x_hi - x_lo) * pw;
        let py = |y: f64| TOP + ph - (y.log10() - y_lo) / (y_hi - y_lo) * ph;

        let mut s = String::new();
        let _ = writeln!(
            s,
            r#"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}" font-family="sans-serif" font-size="12">"#
        );
        let _ = writeln!(s, r#"<rect width="{WIDTH}" height="{HEIGHT}" fill="white"/>"#);
        let _ = writeln!(s, r#"<text x="{}" y="28" text-anchor="middle" font-size="15">{}</text>"#, LEFT + pw / 2.0, xml(&self.title));
        // Y grid and labels: each decade, and 2 and 5 times it when there are few decades.
        let decades = (y_hi - y_lo) as i32;
        for k in y_lo as i32..=y_hi as i32 {
            for m in [1.0, 2.0, 5.0] {
                let y = m * 10f64.powi(k);
                if (m != 1.0 && decades > 3) || y.log10() > y_hi + 1e-9 {
                    continue;
                }
                let (yy, stroke) = (py(y), if m == 1.0 { "#ccc" } else { "#eee" });
                let _ = writeln!(s, r##"<line x1="{LEFT}" y1="{yy:.1}" x2="{:.1}" y2="{yy:.1}" stroke="{stroke}"/>"##, LEFT + pw);
                let _ = writeln!(s, r#"<text x="{:.1}" y="{:.1}" text-anchor="end">{}</text>"#, LEFT - 6.0, yy + 4.0, number(y));
            }
        }
        // X grid and labels.
        for &x in &xs {
            let xx = px(x);
            let _ = writeln!(s, r##"<line x1="{xx:.1}" y1="{TOP}" x2="{xx:.1}" y2="{:.1}" stroke="#eee"/>"##, TOP + ph);
            let _ = writeln!(s, r#"<text x="{xx:.1}" y="{:.1}" text-anchor="middle">{}</text>"#, TOP + ph + 18.0, number(x));
        }
        if let Some(r) = self.reference.filter(|r| *r > 0.0) {
            let yy = py(r);
            let _ = writeln!(s, r##"<line x1="{LEFT}" y1="{yy:.1}" x2="{:.1}" y2="{yy:.1}" stroke="#444" stroke-width="1.5"/>"##, LEFT + pw);
        }
        // Axes and their labels.
        let _ = writeln!(s, r##"<rect x="{LEFT}" y="{TOP}" width="{pw}" height="{ph}" fill="none" stroke="#000"/>"##);
        let _ = writeln!(s, r#"<text x="{:.1}" y="{:.1}" text-anchor="middle">{}</text>"#, LEFT + pw / 2.0, HEIGHT - 18.0, xml(&self.x_label));
        let (lx, ly) = (20.0, TOP + ph / 2.0);
        let _ = writeln!(s, r#"<text x="{lx}" y="{ly}" text-anchor="middle" transform="rotate(-90 {lx} {ly})">{} (log scale)</text>"#, xml(&self.y_label));
        // The lines, broken where a point is missing, with a dot per point.
        for series in &self.series {
            let dash = if series.dashed { r#" stroke-dasharray="6 4""# } else { "" };
            let mut d = String::new();
            let mut pen_down = false;
            for p in &series.points {
                if usable(p) {
                    let _ = write!(d, "{}{:.1},{:.1} ", if pen_down { "L" } else { "M" }, px(p.0), py(p.1));
                    pen_down = true;
                } else {
                    pen_down = false;
                }
            }
            if !d.is_empty() {
                let _ = writeln!(s, r#"<path d="{}" fill="none" stroke="{}" stroke-width="2"{dash}/>"#, d.trim_end(), series.color);
            }
            for p in series.points.iter().filter(|p| usable(p)) {
                let fill = if series.dashed { "white" } else { series.color };
                let _ = writeln!(
                    s,
                    r#"<circle cx="{:.1}" cy="{:.1}" r="3" fill="{fill}" stroke="{}"><title>{}: depth {}, {}</title></circle>"#,
                    px(p.0),
                    py(p.1),
                    series.color,
                    xml(&series.label),
                    number(p.0),
                    number(p.1)
                );
            }
        }
        // Legend.
        let lx = LEFT + pw + 20.0;
        for (i, series) in self.series.iter().enumerate() {
            let y = TOP + 10.0 + i as f64 * 20.0;
            let dash = if series.dashed { r#" stroke-dasharray="6 4""# } else { "" };
            let _ = writeln!(s, r#"<line x1="{lx}" y1="{y}" x2="{}" y2="{y}" stroke="{}" stroke-width="2"{dash}/>"#, lx + 28.0, series.color);
            let note = if series.points.iter().any(usable) { "" } else { " (no data)" };
            let _ = writeln!(s, r#"<text x="{}" y="{}">{}{note}</text>"#, lx + 36.0, y + 4.0, xml(&series.label));
        }
        s.push_str("</svg>\n");
        s
    }
}

/// The smallest and largest of `values`, or `default` when there are none.
fn bounds(values: impl Iterator<Item = f64>, default: (f64, f64)) -> (f64, f64) {
    values.filter(|v| v.is_finite()).fold(None, |acc: Option<(f64, f64)>, v| Some(acc.map_or((v, v), |(lo, hi)| (lo.min(v), hi.max(v))))).unwrap_or(default)
}

/// An axis or tooltip number: integers plainly, small values with enough
/// digits.
fn number(v: f64) -> String {
    if v >= 1000.0 {
        thousands(v)
    } else if v >= 10.0 || v == v.round() {
        format!("{}", (v * 10.0).round() / 10.0)
    } else {
        let digits = (2 - v.log10().floor() as i32).clamp(2, 8) as usize;
        let s = format!("{v:.digits$}");
        s.trim_end_matches('0').trim_end_matches('.').to_owned()
    }
}

/// Escapes text for SVG.
fn xml(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Checks that every tag of `svg` is closed in order (a small
    /// well-formedness check: no attribute contains `<` or `>`).
    fn check_well_formed(svg: &str) {
        let mut open: Vec<String> = Vec::new();
        let mut rest = svg;
        while let Some(start) = rest.find('<') {
            let end = rest[start..].find('>').expect("unclosed <") + start;
            let tag = &rest[start + 1..end];
            if let Some(name) = tag.strip_prefix('/') {
                assert_eq!(open.pop().as_deref(), Some(name), "mismatched </{name}>");
            } else if !tag.ends_with('/') {
                open.push(tag.split_whitespace().next().unwrap().to_owned());
            }
            rest = &rest[end + 1..];
        }
        assert!(open.is_empty(), "unclosed: {open:?}");
        assert!(svg.starts_with("<svg ") && svg.ends_with("</svg>\n"));
        assert!(!svg.contains("NaN") && !svg.contains("inf"), "{svg}");
    }

    /// Fake results: `cells[mode][depth][variant]`, some failed.
    fn fake(modes: &[Backend]) -> EhResults {
        let cells = modes
            .iter()
            .enumerate()
            .map(|(m, _)| {
                (0..DEPTHS.len())
                    .map(|d| {
                        std::array::from_fn(|v| {
                            if d == 3 && v == 1 { Err("boom <&>".into()) } else { Ok(1e6 / (d + 1) as f64 / (v + 1) as f64 * (m + 1) as f64) }
                        })
                    })
                    .collect()
            })
            .collect();
        EhResults { modes: modes.to_vec(), iterations: 10, cells }
    }

    #[test]
    fn charts_are_well_formed() {
        for modes in [&[Backend::Async1, Backend::Async2][..], &[Backend::Async2]] {
            let eh = fake(modes);
            for chart in [eh.relative_chart(), eh.throw_vs_return_chart()] {
                let svg = chart.svg();
                check_well_formed(&svg);
                assert!(svg.contains("<path"));
            }
        }
        // Nothing measured at all still gives a chart.
        let empty = Chart {
            title: "a < b & c".into(),
            x_label: "x".into(),
            y_label: "y".into(),
            x_ticks: vec![],
            reference: None,
            series: vec![Series { label: "none".into(), color: COLORS[0], dashed: false, points: vec![(1.0, f64::NAN), (2.0, 0.0)] }],
        };
        let svg = empty.svg();
        check_well_formed(&svg);
        assert!(svg.contains("a &lt; b &amp; c") && svg.contains("(no data)"));
    }

    #[test]
    fn tables_show_values_ratios_and_failures() {
        let eh = fake(&[Backend::Async1, Backend::Async2]);
        let tables = eh.tables();
        assert_eq!(tables.len(), 3);
        let raw = tables[0].markdown();
        assert!(raw.contains("| depth | ReturnNoSuspend async1 |"), "{raw}");
        assert!(raw.contains(" 1,000,000 |") && raw.contains("failed: boom <&>"), "{raw}");
        assert_eq!(eh.failures(), ["async1 ReturnSuspend at depth 8: boom <&>", "async2 ReturnSuspend at depth 8: boom <&>"]);
        // async2 is twice as fast in the fake data; the seed's depth-64 throw-suspend ratio is 38.35.
        let rel = tables[1].markdown();
        assert!(rel.contains(" 2.00 |") && rel.contains(" 38.35 |"), "{rel}");
        assert!(tables[0].any_failed() && !tables[1].any_failed());
        // One backend: no ratio table.
        assert_eq!(fake(&[Backend::Async1]).tables().len(), 2);
    }

    #[test]
    fn helpers() {
        assert_eq!(fib_calls(25), 242_785);
        assert_eq!(fib_calls(30), 2_692_537);
        assert_eq!((fib_calls(0), fib_calls(1), fib_calls(2)), (1, 1, 3));
        assert_eq!(fib_value(30), 832_040);
        assert_eq!(thousands(1234567.4), "1,234,567");
        assert_eq!(thousands(999.0), "999");
        assert_eq!(number(0.05), "0.05");
        assert_eq!(number(0.0123), "0.0123");
        assert_eq!(number(64.0), "64");
        assert_eq!(number(2.5), "2.5");
    }

    /// A bench without a translation in bench/peers/ gets `-` cells (not
    /// failed ones), whether or not the peer is installed.
    #[test]
    fn peer_without_translation() {
        let quick = Timing { min_time: Duration::ZERO, min_reps: 1, max_reps: 1 };
        let cells = peer_cells(&[(PEERS[0], 0.0)], "no_such_bench", &[], 1.0, Some(&Ok(1.0)), quick);
        assert_eq!(cells, ["-", "-"]);
        assert!(peer_cells(&[], "suspend_depth", &["1"], 1.0, None, quick).is_empty());
    }

    /// Real cells, one iteration each, in both backends: the plumbing works.
    #[test]
    fn one_eh_cell_runs() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("programs/bench");
        let modes = [Backend::Async1, Backend::Async2];
        let programs = load(&dir, "eh_depth", &modes);
        let quick = Timing { min_time: Duration::ZERO, min_reps: 1, max_reps: 1 };
        // ReturnSuspend and ThrowNoSuspend: a suspension, and a throw caught.
        for (mode, program) in modes.iter().zip(&programs) {
            for variant in [1, 2] {
                let r = eh_cell(program, *mode, 2, variant, 1, quick);
                assert!(matches!(r, Ok(v) if v > 0.0), "{} {}: {r:?}", mode.name(), VARIANTS[variant as usize]);
            }
        }
        // A missing method is a failed cell, not a panic.
        let err = Captured::default();
        let mut vm = new_vm(programs[0].as_ref().unwrap(), Backend::Async1, &err);
        assert!(call(&mut vm, "NoSuchMethod", &[]).unwrap_err().contains("NoSuchMethod"));
    }
}
