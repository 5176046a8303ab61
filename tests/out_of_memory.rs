//! Running out of heap is an `OutOfMemoryException` a program can catch
//! and survive, never an abort: strings doubled past the limit, a list
//! that keeps growing, arrays allocated until the heap is full
//! (`tests/oom/exhaust.toy`, run with a 64 MiB heap in both backends, and a
//! 4 MiB one under `--gc-stress`). Not in `programs/`: under Mono, with no heap limit,
//! it would fill the machine.

mod common;

use common::{root, run_source};

const WANT: &str = "strings: OutOfMemoryException after True\nlist: caught, True\narrays: caught\nsurvived: yyy\n";

#[test]
fn exhausting_the_heap_throws_out_of_memory_and_the_program_goes_on() {
    let path = root().join("tests/oom/exhaust.toy");
    let source = std::fs::read_to_string(&path).expect("readable");
    for mode in [vm::Backend::Async1, vm::Backend::Async2] {
        for gc_stress in [false, true] {
            // Under stress every safepoint collects: a smaller heap keeps it quick.
            let limit = if gc_stress { 4 << 20 } else { 64 << 20 };
            let options = vm::Options { mode, gc_stress, max_heap: Some(limit), ..Default::default() };
            let r = run_source(&source, "exhaust.toy", options).expect("compiles");
            assert_eq!(r.stdout, WANT, "{mode:?} gc_stress={gc_stress}: {}", r.stderr);
            assert_eq!(r.exit_code, 0);
            assert!(
                r.stats.peak_heap_bytes <= limit + limit / 4,
                "peak heap {} with a {limit}-byte limit",
                r.stats.peak_heap_bytes
            );
        }
    }
}

#[test]
fn an_uncaught_out_of_memory_is_an_unhandled_exception() {
    let source = r#"
using System;
using System.Collections.Generic;
class Program {
    static void Main() {
        var keep = new List<string>();
        string s = "0123456789";
        while (true) { keep.Add(s + keep.Count); }
    }
}"#;
    let options = vm::Options { max_heap: Some(16 << 20), ..Default::default() };
    let r = run_source(source, "leak.toy", options).expect("compiles");
    assert_eq!(r.exit_code, 1);
    assert!(
        r.stderr.starts_with("Unhandled exception. System.OutOfMemoryException: Insufficient memory"),
        "{}",
        r.stderr
    );
}

#[test]
fn the_default_limit_is_a_share_of_the_machine() {
    let limit = vm::default_heap_limit();
    assert!(limit >= 64 << 20, "{limit}");
}
