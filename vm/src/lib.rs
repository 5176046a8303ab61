//! The toy virtual machine: bytecode, its disassembler and verifier, the
//! interpreter, the built-in library, the tasks, event loop and contexts both
//! async backends share, what else they share (`backends.rs`), and the two
//! backends (`async1/`, `async2/`), which never import each other.

pub mod async1;
pub mod async2;
pub mod backends;
pub mod builtins;
pub mod bytecode;
pub mod contexts;
pub mod disasm;
mod driver;
pub mod error;
pub mod event_loop;
mod frames;
pub mod interp;
pub mod kinds;
mod lifecycle;
pub mod liveness;
pub mod native;
pub mod object;
mod ops;
pub mod options;
mod overflow;
pub mod program;
mod state;
pub mod tasks;
pub mod tier1;
mod unwind;
pub mod value;
pub mod verify;

pub use error::VmError;
pub use options::{AsyncStats, Options, Outcome, Stats};
pub use program::Backend;
pub use state::{MAX_REENTRY, Vm, default_heap_limit};

/// Verifies and runs a program's entry point to the end.
pub fn run(
    mut program: program::Program,
    options: Options,
    out: Box<dyn std::io::Write>,
    mut err: Box<dyn std::io::Write>,
) -> Outcome {
    if let Err(e) = prepare_for(&mut program, &options) {
        let _ = writeln!(err, "internal error: {e}");
        return Outcome { exit_code: 70, stats: Stats::default() };
    }
    // Temporary (helper P): every method through tier1's specializing
    // passes at load time, to measure them before the tier machinery runs
    // them; the integrator removes it.
    if tier1::load_time::requested() {
        let feedback = tier1::Feedback::declaring_classes(&program);
        tier1::load_time::apply_all(&mut program, &feedback);
        if let Err(e) = verify::verify(&program) {
            let _ = writeln!(err, "internal error: {e}");
            return Outcome { exit_code: 70, stats: Stats::default() };
        }
    }
    let mut vm = Vm::new(program, options, out, err);
    let result = vm.run_main();
    vm.finish(result)
}

/// Lowers the async1 methods and prepares the async2 ones for `mode`, then
/// verifies the result: what [`run`] does before it runs.
pub fn prepare(program: &mut program::Program, mode: Backend) -> Result<(), verify::VerifyError> {
    prepare_for(program, &Options { mode, ..Options::default() })
}

/// [`prepare`] for a run with these options (`--capture-contexts`): each
/// backend takes the async methods [`backends::backend_of`] gives it.
pub fn prepare_for(program: &mut program::Program, options: &Options) -> Result<(), verify::VerifyError> {
    async1::lower(program, options.mode);
    async2::prepare(program, options.mode, options.capture_contexts);
    verify::verify(program)
}
