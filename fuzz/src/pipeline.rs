//! One fuzz input through the whole pipeline: source text → compile →
//! (if it compiles) run in a backend, with an instruction and depth budget
//! so that every input ends. Shared by the fuzz target and by
//! `tests/fuzz_regressions.rs`, which replays the crashes found.

/// Compiles `source` and runs it, async1 or async2 as the input's length
/// is even or odd; output is discarded. Must never panic, hang or
/// overflow the native stack.
pub fn run(source: &str) {
    let Ok(program) = lang::compile_source(source, "fuzz.toy") else { return };
    let mode = if source.len().is_multiple_of(2) { vm::Backend::Async1 } else { vm::Backend::Async2 };
    let options = vm::Options {
        mode,
        max_instructions: Some(100_000),
        max_depth: 2_000,
        virtual_time: true,
        ..Default::default()
    };
    let _ = vm::run(program, options, Box::new(std::io::sink()), Box::new(std::io::sink()));
}
