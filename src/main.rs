//! `toy`: run, disassemble and benchmark `.toy` programs.

use std::cell::Cell;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::rc::Rc;

use clap::{Parser, Subcommand, ValueEnum};

// Every heap object is its own allocation (the GC frees them one by one), so
// the allocator is on the interpreter's hot path (the README says what
// mimalloc gained over glibc's).
#[global_allocator]
static ALLOCATOR: gc::Allocator = gc::Allocator;

mod diagnostics;
mod repl;

use diagnostics::ColorWhen;

#[derive(Parser)]
#[command(name = "toy", version, about = "A tiny C# on a bytecode VM with two async backends")]
struct Cli {
    /// Colour errors: `auto` on a terminal unless NO_COLOR is set.
    #[arg(long, global = true, value_enum, default_value_t = ColorWhen::Auto, value_name = "WHEN")]
    color: ColorWhen,
    /// Without a command: `repl`.
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Compile and run a program.
    Run {
        /// The program; `-` reads it from standard input.
        file: PathBuf,
        /// The async backend (both run synchronous code alike).
        #[arg(long, value_enum, default_value_t = vm::Backend::Async1)]
        mode: vm::Backend,
        /// Collect garbage at every safepoint after an allocation (a minor
        /// collection; every 8th, a major one).
        #[arg(long)]
        gc_stress: bool,
        /// Check the heap before every collection (every old object that
        /// holds a young one is remembered: no write barrier missed; no
        /// object holds a freed cell) and after every major one (nothing
        /// reachable was freed).
        #[arg(long)]
        gc_verify: bool,
        /// Make every collection a major one (the collector without
        /// generations, for comparison).
        #[arg(long)]
        gc_major_only: bool,
        /// Print execution and GC statistics to stderr after the run.
        #[arg(long)]
        stats: bool,
        /// Deepest call nesting before the program stops with `Stack overflow.`.
        #[arg(long, default_value_t = 1_000_000)]
        max_depth: usize,
        /// Stop after about this many instructions (every loop and call counts).
        #[arg(long)]
        max_instructions: Option<u64>,
        /// The most the heap may hold (bytes, or with a K, M or G suffix:
        /// `512M`); past it allocations throw OutOfMemoryException.
        /// Default: half the machine's memory.
        #[arg(long, value_name = "SIZE", value_parser = parse_size)]
        max_heap: Option<usize>,
        /// Let the event loop's clock jump to the next timer whenever nothing
        /// is ready (`Task.Delay` costs no real time; output is reproducible).
        #[arg(long)]
        virtual_time: bool,
        /// async2 methods save and restore the ExecutionContext and the
        /// SynchronizationContext at their boundaries (the seed's
        /// Async2Capture: classic observable semantics).
        #[arg(long)]
        capture_contexts: bool,
        /// Run every method as tier0 only: no tier1 code, no OSR.
        #[arg(long)]
        tier0_only: bool,
        /// Calls after which a method is compiled to tier1 (later calls run it).
        #[arg(long, value_name = "N", default_value_t = vm::options::DEFAULT_TIER_THRESHOLD)]
        tier_threshold: u32,
        /// Loop back-edges a tier0 frame's method takes before the frame
        /// moves into OSR code (tier1 entered at the loop header).
        #[arg(long, value_name = "N", default_value_t = vm::options::DEFAULT_OSR_THRESHOLD)]
        osr_threshold: u32,
        /// Arguments for the program's `Main(string[] args)`: everything
        /// after the file (or after `--`), options included.
        #[arg(trailing_var_arg = true, allow_hyphen_values = true, value_name = "ARGS")]
        args: Vec<String>,
    },
    /// An interactive session: statements and expressions evaluated as
    /// they are entered (the default without a command).
    Repl {
        /// The async backend.
        #[arg(long, value_enum, default_value_t = vm::Backend::Async1)]
        mode: vm::Backend,
    },
    /// Print the bytecode of a program.
    Disasm {
        file: PathBuf,
        /// Which form: the front end's neutral bytecode, after the async1
        /// lowering (stubs, state-machine classes, MoveNext), or as async2
        /// prepares it (thunks, bodies with their suspension points and
        /// liveness maps, resume stubs).
        #[arg(long, value_enum, default_value_t = DisasmMode::Neutral)]
        mode: DisasmMode,
        /// Also show the prelude (the built-in exception classes).
        #[arg(long)]
        prelude: bool,
        /// Show the tier1 code instead (prepared as `--mode` says): each
        /// method's tier1 version, after the passes listed at the top, and
        /// an OSR version per loop header with its entry (the tier0 loop
        /// header's pc and where it lands in the OSR code), as tiering
        /// compiles them (without type feedback).
        #[arg(long)]
        tier1: bool,
        /// With `--mode async2`: the bodies as `run --capture-contexts`
        /// prepares them (each saves the contexts on entry and restores
        /// them on every way out).
        #[arg(long)]
        capture_contexts: bool,
    },
    /// Run the benchmarks of programs/bench in each backend; print tables
    /// (and with --out, write them and SVG charts).
    Bench(BenchArgs),
}

/// `toy bench`'s arguments; the suite itself is the `toy-bench` crate.
#[derive(clap::Args)]
struct BenchArgs {
    /// Benchmarks or groups (eh, micro, scenario, game, gc) to run (default: all).
    #[arg(value_name = "NAME", value_parser = clap::builder::PossibleValuesParser::new(toy_bench::names()))]
    names: Vec<String>,
    /// The async backends to compare, comma-separated.
    #[arg(long, value_enum, value_delimiter = ',', default_values_t = [vm::Backend::Async1, vm::Backend::Async2])]
    modes: Vec<vm::Backend>,
    /// Also write every table as DIR/NAME.md and DIR/NAME.json (all of them
    /// in DIR/bench.json) and the charts as SVG.
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Print each cell's ratio to the same cell of an earlier run's JSON
    /// (its bench.json, or any NAME.json).
    #[arg(long, value_name = "OLD.json")]
    compare: Option<PathBuf>,
    /// eh_depth and eh_full: iterations per timed call of a cell.
    #[arg(long, value_name = "N", default_value_t = 1000, value_parser = clap::value_parser!(i64).range(1..))]
    iterations: i64,
    /// Internal: run one benchmark on one backend as the child process of
    /// `toy bench` and print its figures.
    #[arg(long, hide = true)]
    child: bool,
    /// Internal: gc_suspended's child, with every method kept in tier0.
    #[arg(long, hide = true)]
    tier0_only: bool,
    /// Internal: gc_suspended's child, how many chains to suspend.
    #[arg(long, hide = true, value_parser = clap::value_parser!(i64).range(1..))]
    chains: Option<i64>,
}

#[derive(Clone, Copy, ValueEnum)]
enum DisasmMode {
    Neutral,
    Async1,
    Async2,
}

fn main() -> ExitCode {
    // The heap is many small objects freed one by one; transparent huge
    // pages make every fresh 2 MiB region cost a 2 MiB clear at first touch.
    // Best effort; ignored where the kernel lacks the option.
    // SAFETY: prctl with PR_SET_THP_DISABLE only sets a flag on this process.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
    let cli = Cli::parse();
    let command = cli.command.unwrap_or(Command::Repl { mode: vm::Backend::Async1 });
    match command {
        Command::Repl { mode } => repl::run(mode, cli.color),
        Command::Run {
            file,
            mode,
            gc_stress,
            gc_verify,
            gc_major_only,
            stats,
            max_depth,
            max_instructions,
            max_heap,
            virtual_time,
            capture_contexts,
            tier0_only,
            tier_threshold,
            osr_threshold,
            args,
        } => {
            let Some((source, program)) = load(&file, cli.color) else {
                return ExitCode::from(2);
            };
            drop(source);
            let options = vm::Options {
                mode,
                gc_stress,
                gc_verify,
                gc_major_only,
                max_depth: max_depth.max(1),
                max_instructions,
                count_instructions: stats,
                max_heap,
                virtual_time,
                capture_contexts,
                args,
                color_errors: cli.color.colors_stderr(),
                tier0_only,
                tier_threshold,
                osr_threshold,
            };
            let stdout = CheckedStdout::default();
            let failure = stdout.failure.clone();
            let out = Box::new(std::io::BufWriter::with_capacity(1 << 16, stdout));
            let err = Box::new(std::io::stderr());
            let outcome = vm::run(program, options, out, err);
            if stats {
                eprintln!("{}", outcome.stats);
            }
            // A write that failed where the program could not see it (the
            // buffer's last flush) still fails the run; a closed pipe does
            // not, as with .NET.
            let failure = failure.take().filter(|e| e.kind() != std::io::ErrorKind::BrokenPipe);
            match failure {
                Some(e) if outcome.exit_code == 0 => {
                    eprintln!("error: cannot write to standard output: {e}");
                    ExitCode::FAILURE
                }
                _ => ExitCode::from(process_exit_code(outcome.exit_code)),
            }
        }
        Command::Disasm { file, mode, prelude, tier1, capture_contexts } => {
            if capture_contexts && !matches!(mode, DisasmMode::Async2) {
                eprintln!("error: --capture-contexts changes only async2's code: use it with --mode async2");
                return ExitCode::from(2);
            }
            let Some((source, mut program)) = load(&file, cli.color) else {
                return ExitCode::from(2);
            };
            match mode {
                DisasmMode::Neutral => {}
                DisasmMode::Async1 => vm::async1::lower(&mut program, vm::Backend::Async1),
                // As `run --mode async2` prepares it (`async void` and
                // `[Async1]` methods lowered, the rest split into thunk,
                // body and resume stub).
                DisasmMode::Async2 => {
                    vm::async1::lower(&mut program, vm::Backend::Async2);
                    vm::async2::prepare(&mut program, vm::Backend::Async2, capture_contexts);
                }
            }
            let filter = vm::disasm::Filter { include_prelude: prelude };
            let text = if tier1 {
                vm::tier1::disasm(&program, Some(&source), filter)
            } else {
                vm::disasm::program(&program, Some(&source), filter)
            };
            let mut out = std::io::stdout().lock();
            match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("error: cannot write to standard output: {e}");
                    ExitCode::FAILURE
                }
            }
        }
        Command::Bench(BenchArgs { names, modes, out, compare, iterations, child, chains, tier0_only }) => {
            toy_bench::run_suite(&toy_bench::Config {
                names,
                modes,
                out,
                iterations,
                compare,
                child,
                chains,
                tier0_only,
            })
        }
    }
}

/// Standard output that remembers its first failure: the VM's output is
/// buffered, so a failed write may surface only in the flush at the end of
/// the run, where nothing reports it to the program.
#[derive(Default)]
struct CheckedStdout {
    failure: Rc<Cell<Option<std::io::Error>>>,
}

impl CheckedStdout {
    fn check<T>(&self, result: std::io::Result<T>) -> std::io::Result<T> {
        if let Err(e) = &result {
            let first = self.failure.take().unwrap_or_else(|| std::io::Error::new(e.kind(), e.to_string()));
            self.failure.set(Some(first));
        }
        result
    }
}

impl Write for CheckedStdout {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let r = std::io::stdout().write(buf);
        self.check(r)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        let r = std::io::stdout().flush();
        self.check(r)
    }
}

/// The process exit code of a program's: its low 8 bits, as .NET and Mono
/// exit (`return -1;` exits 255, 256 exits 0, 300 exits 44), so a failing
/// program never reads as a success.
fn process_exit_code(code: i32) -> u8 {
    (code & 0xFF) as u8
}

/// Reads and compiles a file, printing its compile errors.
fn load(path: &Path, color: ColorWhen) -> Option<(String, vm::program::Program)> {
    let from_stdin = path.as_os_str() == "-";
    let read = if from_stdin { std::io::read_to_string(std::io::stdin()) } else { std::fs::read_to_string(path) };
    let source = match read {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: cannot read {}: {e}", path.display());
            return None;
        }
    };
    // The path as given, so that editors and terminals can jump to
    // `path:line:col` from a diagnostic or a stack trace.
    let name = if from_stdin { "<stdin>".to_owned() } else { path.display().to_string() };
    match lang::compile_source(&source, &name) {
        Ok(program) => Some((source, program)),
        Err(diagnostics) => {
            diagnostics::emit(&name, &source, &diagnostics, color);
            None
        }
    }
}
/// A size in bytes: a number, optionally followed by K, M or G (powers of
/// 1,024), as `--max-heap 512M`.
fn parse_size(text: &str) -> Result<usize, String> {
    let t = text.trim();
    let (digits, shift) = match t.char_indices().last() {
        Some((i, 'k' | 'K')) => (&t[..i], 10),
        Some((i, 'm' | 'M')) => (&t[..i], 20),
        Some((i, 'g' | 'G')) => (&t[..i], 30),
        _ => (t, 0),
    };
    let n: usize =
        digits.trim().parse().map_err(|_| format!("'{text}' is not a size (a number, optionally with K, M or G)"))?;
    n.checked_mul(1 << shift).filter(|&b| b > 0).ok_or_else(|| format!("'{text}' is out of range"))
}

#[cfg(test)]
mod tests {
    use super::parse_size;

    #[test]
    fn sizes_take_k_m_g_suffixes() {
        assert_eq!(parse_size("4096"), Ok(4096));
        assert_eq!(parse_size("512M"), Ok(512 << 20));
        assert_eq!(parse_size("2g"), Ok(2 << 30));
        assert_eq!(parse_size("64K"), Ok(64 << 10));
        assert!(parse_size("0").is_err());
        assert!(parse_size("lots").is_err());
        assert!(parse_size("99999999999999999999G").is_err());
    }
}
