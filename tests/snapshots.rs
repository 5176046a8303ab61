//! Snapshots (in `snapshots/`, reviewed like code) of what people read:
//! the neutral disassembly of example programs, and compile errors as the
//! command line renders them.

mod common;

use std::process::Command;

use common::{root, toy_files};

/// Programs whose neutral bytecode is pinned.
const DISASM: &[&str] = &[
    "bench/fib.toy",
    "hello.toy",
    "exceptions_filters.toy",
    "closures.toy",
    "inheritance.toy",
    "interfaces.toy",
    "structs_enums.toy",
    "switch_statements.toy",
    "properties.toy",
    "ref_out_params.toy",
    "string_interpolation.toy",
    "try_finally.toy",
];

/// Programs whose async1 lowering (stubs, state machines, MoveNext) is pinned.
const ASYNC1: &[&str] = &[
    "bench/fib_async.toy",
    "async/await_in_handlers.toy",
    "async/spill_small.toy",
    "async/return_kinds.toy",
    "async/async_lambda_loop.toy",
    "async/execution_context_in_async_method.toy",
    "async/lazy_awaiter.toy",
    "async/stock_prices.toy",
    "async/liveness_exceptional_edge.toy",
];

/// Programs whose async2 preparation (thunks, bodies with direct calls and
/// suspension points' liveness maps, resume stubs) is pinned.
const ASYNC2: &[&str] = &[
    "bench/fib_async.toy",
    "bench/suspend_depth.toy",
    "bench/eh_depth.toy",
    "async/await_in_handlers.toy",
    "async/spill_small.toy",
    "async/return_kinds.toy",
    "async/lazy_awaiter.toy",
    "async/stock_prices.toy",
    "async/backend_async_local_thunk_paths.toy",
    "async/mixed_virtual.toy",
    "async/liveness_exceptional_edge.toy",
];

fn toy(args: &[&str]) -> (String, String, i32) {
    let out = Command::new(env!("CARGO_BIN_EXE_toy")).args(args).current_dir(root()).output().expect("toy runs");
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        out.status.code().unwrap_or(-1),
    )
}

fn settings() -> insta::Settings {
    let mut s = insta::Settings::clone_current();
    s.set_snapshot_path(root().join("snapshots"));
    s.set_prepend_module_to_snapshot(false);
    s
}

#[test]
fn neutral_disassembly() {
    let mut checked = 0;
    for name in DISASM {
        let path = format!("programs/{name}");
        if !root().join(&path).exists() {
            continue;
        }
        let (stdout, stderr, code) = toy(&["disasm", &path, "--mode", "neutral"]);
        assert_eq!(code, 0, "{name}: {stderr}");
        let snap = format!("disasm_neutral__{}", name.trim_end_matches(".toy").replace('/', "_"));
        settings().bind(|| insta::assert_snapshot!(snap, stdout));
        checked += 1;
    }
    assert!(checked >= 10, "only {checked} disassembly snapshots");
}

/// Pins the disassembly of `programs` in `mode`, each of which must show `mark`.
fn backend_disassembly(programs: &[&str], mode: &str, mark: &str) {
    for name in programs {
        let path = format!("programs/{name}");
        let (stdout, stderr, code) = toy(&["disasm", &path, "--mode", mode]);
        assert_eq!(code, 0, "{name}: {stderr}");
        assert!(stdout.contains(mark), "{name}: no {mark}");
        let snap = format!("disasm_{mode}__{}", name.trim_end_matches(".toy").replace('/', "_"));
        settings().bind(|| insta::assert_snapshot!(snap, stdout));
    }
    assert!(programs.len() >= 8);
}

#[test]
fn async1_disassembly() {
    backend_disassembly(ASYNC1, "async1", "MoveNext");
}

#[test]
fn async2_disassembly() {
    backend_disassembly(ASYNC2, "async2", "IL_STUB_AsyncResume_");
}

/// Programs whose tier1 and OSR versions (`disasm --tier1`) are pinned,
/// with the backend they are prepared for.
const TIER1: &[(&str, &str)] = &[
    ("bench/fib.toy", "neutral"),
    ("bench/nbody.toy", "neutral"),
    ("loops.toy", "neutral"),
    ("try_finally.toy", "neutral"),
    ("bench/fib_async.toy", "async2"),
    ("bench/suspend_depth.toy", "async2"),
    ("async/await_in_handlers.toy", "async2"),
];

#[test]
fn tier1_disassembly() {
    for (name, mode) in TIER1 {
        let path = format!("programs/{name}");
        let (stdout, stderr, code) = toy(&["disasm", &path, "--mode", mode, "--tier1"]);
        assert_eq!(code, 0, "{name}: {stderr}");
        assert!(stdout.contains(" tier1 "), "{name}: no tier1 version");
        let snap = format!("disasm_tier1__{}", name.trim_end_matches(".toy").replace('/', "_"));
        settings().bind(|| insta::assert_snapshot!(snap, stdout));
    }
    let osr = TIER1
        .iter()
        .filter(|(name, mode)| {
            toy(&["disasm", &format!("programs/{name}"), "--mode", mode, "--tier1"]).0.contains(" osr version ")
        })
        .count();
    assert!(osr >= 3, "only {osr} programs with OSR versions");
}

#[test]
fn compile_errors() {
    let bad = toy_files(&root().join("tests/bad"));
    assert!(bad.len() >= 15, "only {} bad programs", bad.len());
    for path in bad {
        let rel = path.strip_prefix(root()).expect("inside the repo").to_string_lossy().into_owned();
        let (stdout, stderr, code) = toy(&["run", &rel]);
        assert_eq!(code, 2, "{rel} should not compile (stdout: {stdout})");
        assert!(stderr.contains(": error: "), "{rel}: {stderr}");
        let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
        settings().bind(|| insta::assert_snapshot!(format!("compile_error__{stem}"), stderr));
    }
}
