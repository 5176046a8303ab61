//! The toy virtual machine: bytecode, its disassembler and verifier, the
//! interpreter, the built-in library, and (in later issues) the event loop and
//! the two async backends.

pub mod builtins;
pub mod bytecode;
pub mod disasm;
pub mod error;
pub mod interp;
pub mod native;
pub mod program;
pub mod value;
pub mod verify;

pub use error::VmError;
pub use interp::{Mode, Options, Outcome, Stats, Vm};

/// Verifies and runs a program's entry point to the end.
pub fn run(
    program: program::Program,
    options: Options,
    out: Box<dyn std::io::Write>,
    mut err: Box<dyn std::io::Write>,
) -> Outcome {
    if let Err(e) = verify::verify(&program) {
        let _ = writeln!(err, "internal error: {e}");
        return Outcome { exit_code: 70, stats: Stats::default() };
    }
    let mut vm = Vm::new(program, options, out, err);
    let result = vm.run_main();
    vm.finish(result)
}
