//! Helpers shared by toy's benchmarks: compiling a bench program once and
//! running it with its output thrown away, and timing peer interpreters.

use std::path::{Path, PathBuf};

// The same allocator as the `toy` command, so in-process timings match it.
#[global_allocator]
static ALLOCATOR: gc::Allocator = gc::Allocator;
use std::process::{Command, Stdio};

/// The repository's root folder.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Compiles `programs/bench/NAME.toy`.
pub fn compile(name: &str) -> vm::program::Program {
    let path = root().join("programs/bench").join(format!("{name}.toy"));
    let source = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    lang::compile_source(&source, &format!("{name}.toy"))
        .unwrap_or_else(|d| panic!("{name}.toy does not compile: {d:?}"))
}

/// Runs a compiled program with its output discarded; returns its exit code.
pub fn run(program: &vm::program::Program, mode: vm::Backend) -> i32 {
    let options = vm::Options { mode, ..Default::default() };
    vm::run(program.clone(), options, Box::new(std::io::sink()), Box::new(std::io::sink())).exit_code
}

/// A peer command (`lua5.4 bench/peers/fib.lua`), if its program is installed.
pub fn peer(program: &str, args: &[&str]) -> Option<Command> {
    let found = Command::new("sh")
        .arg("-c")
        .arg(format!("command -v {program}"))
        .stdout(Stdio::null())
        .status()
        .ok()?
        .success();
    if !found {
        return None;
    }
    let mut cmd = Command::new(program);
    cmd.args(args).current_dir(root()).stdout(Stdio::null()).stderr(Stdio::null());
    Some(cmd)
}
