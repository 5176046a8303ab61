//! Runs every program in `programs/` in both backends, normally (tiered),
//! under `--gc-stress --gc-verify` with the tier thresholds at 1 (tier1 and OSR code
//! everywhere), with `--tier0-only`, and in the general loop alone, and compares stdout, stderr
//! and the exit code with the expected files beside it:
//! - `NAME.out` (or `NAME.async1.out` / `NAME.async2.out` where LANGUAGE.md
//!   says the backends differ): standard output;
//! - `NAME.err` (or `NAME.async2.err`, ...) if present: standard error;
//! - `NAME.exitcode` if present (else 0).
//!
//! Each program × backend × variant is its own test (a libtest-mimic
//! harness), named `PATH::BACKEND[::VARIANT]`: `cargo test --test programs
//! hello` runs hello's, `cargo test -- gc_stress` every stress run.

mod common;

use std::path::{Path, PathBuf};

use common::{root, run_source, toy_files};
use libtest_mimic::{Arguments, Failed, Trial};

/// The expected file with extension `ext` (`out`, `err`): the backend's own
/// (`NAME.async2.out`) if there is one, else the shared one.
fn expected(path: &Path, mode: vm::Backend, ext: &str) -> Option<String> {
    std::fs::read_to_string(path.with_extension(format!("{}.{ext}", backend_name(mode))))
        .or_else(|_| std::fs::read_to_string(path.with_extension(ext)))
        .ok()
}

fn backend_name(mode: vm::Backend) -> &'static str {
    match mode {
        vm::Backend::Async1 => "async1",
        vm::Backend::Async2 => "async2",
    }
}

/// How a program is run besides its backend.
#[derive(Clone, Copy)]
enum Variant {
    Plain,
    /// Collect at every safepoint after an allocation and verify the heap
    /// at every collection (`--gc-stress --gc-verify`), with every method
    /// compiled to tier1 at its second call and every frame moved into OSR
    /// code at its first back-edge (`--tier-threshold 1 --osr-threshold 1`).
    GcStress,
    /// `--tier0-only`: no tier1 code, no OSR.
    Tier0Only,
    /// Count instructions, so every instruction runs in the general loop:
    /// the fast loop's hand-backs cannot hide a general case.
    GeneralLoop,
}

/// Runs one program and compares what it printed with the expected files.
fn check(path: &Path, mode: vm::Backend, variant: Variant) -> Result<(), Failed> {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let source = std::fs::read_to_string(path).map_err(|e| format!("{name}: {e}"))?;
    let want_out = expected(path, mode, "out").ok_or_else(|| format!("{name}: no expected output"))?;
    let options = vm::Options {
        mode,
        gc_stress: matches!(variant, Variant::GcStress),
        gc_verify: matches!(variant, Variant::GcStress),
        count_instructions: matches!(variant, Variant::GeneralLoop),
        tier0_only: matches!(variant, Variant::Tier0Only),
        tier_threshold: if matches!(variant, Variant::GcStress) { 1 } else { vm::options::DEFAULT_TIER_THRESHOLD },
        osr_threshold: if matches!(variant, Variant::GcStress) { 1 } else { vm::options::DEFAULT_OSR_THRESHOLD },
        ..Default::default()
    };
    let got = run_source(&source, &name, options)?;
    let mut failures = Vec::new();
    if got.stdout != want_out {
        failures.push(format!("stdout differs\n--- expected\n{want_out}--- got\n{}", got.stdout));
    }
    if let Some(want_err) = expected(path, mode, "err")
        && got.stderr != want_err
    {
        failures.push(format!("stderr differs\n--- expected\n{want_err}--- got\n{}", got.stderr));
    }
    let want_code =
        std::fs::read_to_string(path.with_extension("exitcode")).ok().and_then(|s| s.trim().parse().ok()).unwrap_or(0);
    if got.exit_code != want_code {
        failures.push(format!("exit code {} (expected {want_code})\n{}", got.exit_code, got.stderr));
    }
    if failures.is_empty() { Ok(()) } else { Err(failures.join("\n\n").into()) }
}

/// `--capture-contexts` (the seed's Async2Capture) gives async2 methods
/// async1's AsyncLocal behaviour (Backends rule 1): a program that shows the
/// difference prints its async1 output.
fn check_capture_contexts(path: &Path) -> Result<(), Failed> {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let source = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
    let options = vm::Options { mode: vm::Backend::Async2, capture_contexts: true, ..Default::default() };
    let got = run_source(&source, &name, options)?;
    let async1 = std::fs::read_to_string(path.with_extension("out")).map_err(|e| format!("expected output: {e}"))?;
    let async2 =
        std::fs::read_to_string(path.with_extension("async2.out")).map_err(|e| format!("async2 output: {e}"))?;
    if async1 == async2 {
        return Err("shows no difference between the backends".into());
    }
    if got.stdout != async1 {
        return Err(format!("with --capture-contexts\n--- expected\n{async1}--- got\n{}", got.stdout).into());
    }
    Ok(())
}

fn main() {
    let args = Arguments::from_args();
    let programs_dir = root().join("programs");
    let programs = toy_files(&programs_dir);
    assert!(programs.len() >= 30, "only {} programs", programs.len());
    let mut trials = Vec::new();
    for path in &programs {
        let rel = path.strip_prefix(&programs_dir).unwrap_or(path).with_extension("");
        let rel = rel.to_string_lossy().into_owned();
        for mode in [vm::Backend::Async1, vm::Backend::Async2] {
            for (variant, suffix) in [
                (Variant::Plain, ""),
                (Variant::GcStress, "::gc_stress"),
                (Variant::Tier0Only, "::tier0_only"),
                (Variant::GeneralLoop, "::general_loop"),
            ] {
                let path: PathBuf = path.clone();
                let name = format!("{rel}::{}{suffix}", backend_name(mode));
                trials.push(Trial::test(name, move || check(&path, mode, variant)));
            }
        }
        let stem = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        if stem.starts_with("backend_async_local_") {
            let path = path.clone();
            trials.push(Trial::test(format!("{rel}::async2::capture_contexts"), move || check_capture_contexts(&path)));
        }
    }
    let capture = trials.iter().filter(|t| t.name().ends_with("::capture_contexts")).count();
    assert!(capture >= 5, "only {capture} programs show the AsyncLocal difference");
    libtest_mimic::run(&args, trials).exit();
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
    for (mode, capture_contexts) in
        [(vm::Backend::Async1, false), (vm::Backend::Async2, false), (vm::Backend::Async2, true)]
    {
        let options = vm::Options { mode, capture_contexts, ..Default::default() };
        let r = run_source(source, "filter.toy", options).expect("compiles");
        assert_eq!(r.stdout, "outer caught body\n", "{mode:?} capture_contexts={capture_contexts}: {}", r.stderr);
    }
}
