//! Runs every program in `programs/` in both backends, normally and under
//! `--gc-stress`, and compares stdout, stderr and the exit code with the
//! expected files beside it:
//! - `NAME.out` (or `NAME.async1.out` / `NAME.async2.out` where LANGUAGE.md
//!   says the backends differ): standard output;
//! - `NAME.err` (or `NAME.async2.err`, ...) if present: standard error;
//! - `NAME.exitcode` if present (else 0).

mod common;

use std::path::Path;

use common::{root, run_source, toy_files};

/// The expected file with extension `ext` (`out`, `err`): the backend's own
/// (`NAME.async2.out`) if there is one, else the shared one.
fn expected(path: &Path, mode: vm::Backend, ext: &str) -> Option<String> {
    let backend = match mode {
        vm::Backend::Async1 => "async1",
        vm::Backend::Async2 => "async2",
    };
    std::fs::read_to_string(path.with_extension(format!("{backend}.{ext}")))
        .or_else(|_| std::fs::read_to_string(path.with_extension(ext)))
        .ok()
}

fn check_all(mode: vm::Backend, gc_stress: bool) {
    check_all_with(mode, gc_stress, false);
}

/// `count_instructions` runs every instruction in the general loop (the
/// loop that counts); without it the fast loop runs what it can.
fn check_all_with(mode: vm::Backend, gc_stress: bool, count_instructions: bool) {
    let programs = toy_files(&root().join("programs"));
    assert!(programs.len() >= 30, "only {} programs", programs.len());
    let mut failures = Vec::new();
    for path in &programs {
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let source = std::fs::read_to_string(path).expect("readable program");
        let Some(want_out) = expected(path, mode, "out") else {
            failures.push(format!("{name}: no expected output"));
            continue;
        };
        let options = vm::Options { mode, gc_stress, count_instructions, ..Default::default() };
        let got = match run_source(&source, &name, options) {
            Ok(r) => r,
            Err(e) => {
                failures.push(format!("{name}: {e}"));
                continue;
            }
        };
        if got.stdout != want_out {
            failures.push(format!("{name}: stdout differs\n--- expected\n{want_out}--- got\n{}", got.stdout));
        }
        if let Some(want_err) = expected(path, mode, "err")
            && got.stderr != want_err
        {
            failures.push(format!("{name}: stderr differs\n--- expected\n{want_err}--- got\n{}", got.stderr));
        }
        let want_code = std::fs::read_to_string(path.with_extension("exitcode"))
            .ok()
            .and_then(|s| s.trim().parse().ok())
            .unwrap_or(0);
        if got.exit_code != want_code {
            failures.push(format!("{name}: exit code {} (expected {want_code})\n{}", got.exit_code, got.stderr));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} programs failed ({mode:?}, gc_stress={gc_stress}, count_instructions={count_instructions}):\n\n{}",
        failures.len(),
        programs.len(),
        failures.join("\n\n")
    );
}

#[test]
fn programs_async1() {
    check_all(vm::Backend::Async1, false);
}

#[test]
fn programs_async2() {
    check_all(vm::Backend::Async2, false);
}

#[test]
fn programs_async1_gc_stress() {
    check_all(vm::Backend::Async1, true);
}

#[test]
fn programs_async2_gc_stress() {
    check_all(vm::Backend::Async2, true);
}

/// Every program in the general loop alone (counting instructions), in
/// both backends: the fast loop's hand-backs cannot hide a general case.
#[test]
fn programs_general_loop() {
    check_all_with(vm::Backend::Async1, false, true);
    check_all_with(vm::Backend::Async2, false, true);
}

/// `--capture-contexts` (the seed's Async2Capture) gives async2 methods
/// async1's AsyncLocal behaviour (Backends rule 1): the programs that show
/// the difference print their async1 output.
#[test]
fn capture_contexts_restores_async1_async_locals() {
    let dir = root().join("programs/async");
    let programs: Vec<_> = toy_files(&dir)
        .into_iter()
        .filter(|p| p.file_name().is_some_and(|n| n.to_string_lossy().starts_with("backend_async_local_")))
        .collect();
    assert!(programs.len() >= 5);
    for path in programs {
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let source = std::fs::read_to_string(&path).expect("readable program");
        let options = vm::Options { mode: vm::Backend::Async2, capture_contexts: true, ..Default::default() };
        let got = run_source(&source, &name, options).unwrap_or_else(|e| panic!("{name}: {e}"));
        let async1 = std::fs::read_to_string(path.with_extension("out")).expect("expected output");
        assert_eq!(got.stdout, async1, "{name} with --capture-contexts");
        let async2 = std::fs::read_to_string(path.with_extension("async2.out")).expect("async2 output");
        assert_ne!(async1, async2, "{name} shows no difference between the backends");
    }
}

/// `programs/async/value_task_no_allocation.toy`: an `async ValueTask<T>`
/// method that completes synchronously, awaited, allocates nothing in
/// either backend: the program allocates as many objects with 1,000 calls
/// as with none.
#[test]
fn value_task_completing_synchronously_allocates_nothing() {
    let path = root().join("programs/async/value_task_no_allocation.toy");
    let source = std::fs::read_to_string(path).expect("readable program");
    assert!(source.contains("Run(1000)"));
    let none = source.replace("Run(1000)", "Run(0)");
    for mode in [vm::Backend::Async1, vm::Backend::Async2] {
        let allocations = |src: &str| {
            let options = vm::Options { mode, ..Default::default() };
            run_source(src, "value_task_no_allocation.toy", options).expect("runs").stats.allocations
        };
        assert_eq!(allocations(&source), allocations(&none), "{mode:?}: 1,000 calls allocated");
    }
}

/// A filter that throws does not catch (the CLR's rule, LANGUAGE.md), in
/// an async method of either backend too: async1's catch-all around
/// `MoveNext` and async2's `--capture-contexts` finally must not cover the
/// filter's code. (Mono's mcs rewrites async filters into rethrows, so no
/// program in `programs/` can show this.)
#[test]
fn a_throwing_filter_in_an_async_method_does_not_catch() {
    let source = r#"
using System;
using System.Threading.Tasks;
class Program
{
    static bool Throws() { throw new Exception("in filter"); }
    static async Task<string> Run()
    {
        try
        {
            try
            {
                await Task.Yield();
                throw new InvalidOperationException("body");
            }
            catch (Exception) when (Throws())
            {
                return "wrong handler";
            }
        }
        catch (InvalidOperationException e)
        {
            return "outer caught " + e.Message;
        }
    }
    static void Main() { Console.WriteLine(Run().Result); }
}
"#;
    for (mode, capture_contexts) in [(vm::Backend::Async1, false), (vm::Backend::Async2, false), (vm::Backend::Async2, true)] {
        let options = vm::Options { mode, capture_contexts, ..Default::default() };
        let r = run_source(source, "filter.toy", options).expect("compiles");
        assert_eq!(r.stdout, "outer caught body\n", "{mode:?} capture_contexts={capture_contexts}: {}", r.stderr);
    }
}
