//! Every input the fuzzer (`fuzz/`) found crashing, kept in
//! `fuzz/regressions/` once fixed, goes through the same pipeline as the
//! fuzz target (compile, then run with a budget) and must not panic.

mod common;

#[path = "../fuzz/src/pipeline.rs"]
mod pipeline;

use std::panic::{AssertUnwindSafe, catch_unwind};

#[test]
fn fuzz_regressions_do_not_panic() {
    let dir = common::root().join("fuzz/regressions");
    assert!(dir.is_dir(), "{} is missing", dir.display());
    for path in common::toy_files(&dir) {
        let bytes = std::fs::read(&path).expect("readable input");
        let source = String::from_utf8_lossy(&bytes);
        let outcome = catch_unwind(AssertUnwindSafe(|| pipeline::run(&source)));
        assert!(outcome.is_ok(), "{} panicked", path.display());
    }
}
