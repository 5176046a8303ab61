//! Bad input never panics: hundreds of mutants of the real programs (spans
//! deleted, duplicated, or copied from elsewhere) go through the compiler
//! and, when they compile, through the VM with a bounded budget. Each must
//! end in compile errors, normal completion, or a runtime error: never a
//! panic, a hang or a native stack overflow.

mod common;

use std::panic::{AssertUnwindSafe, catch_unwind};

use common::{Rng, root, run_source, toy_files};

/// Snaps a byte offset down to a char boundary.
fn boundary(s: &str, mut i: usize) -> usize {
    i = i.min(s.len());
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn mutate(rng: &mut Rng, source: &str, donor: &str) -> String {
    let len = source.len().max(1);
    let a = boundary(source, rng.below(len));
    let b = boundary(source, (a + 1 + rng.below(40)).min(source.len()));
    match rng.below(3) {
        0 => format!("{}{}", &source[..a], &source[b..]),
        1 => format!("{}{}{}", &source[..b], &source[a..b], &source[b..]),
        _ => {
            let c = boundary(donor, rng.below(donor.len().max(1)));
            let d = boundary(donor, (c + 1 + rng.below(40)).min(donor.len()));
            format!("{}{}{}", &source[..a], &donor[c..d], &source[a..])
        }
    }
}

#[test]
fn mutated_programs_never_panic() {
    let sources: Vec<String> =
        toy_files(&root().join("programs")).iter().filter_map(|p| std::fs::read_to_string(p).ok()).collect();
    assert!(!sources.is_empty());
    let mut rng = Rng(0x5eed_1234_abcd_0001);
    let (mut compiled, mut rejected) = (0, 0);
    for case in 0..400 {
        let source = &sources[case % sources.len()];
        let donor = &sources[rng.below(sources.len())];
        let mut mutant = mutate(&mut rng, source, donor);
        if case % 4 == 0 {
            mutant = mutate(&mut rng, &mutant, donor);
        }
        // Virtual time: a mutant that waits for a long `Task.Delay` must not
        // hang the test.
        let options = vm::Options {
            max_instructions: Some(2_000_000),
            max_depth: 10_000,
            virtual_time: true,
            ..Default::default()
        };
        let outcome = catch_unwind(AssertUnwindSafe(|| run_source(&mutant, "mutant.toy", options)));
        match outcome {
            Ok(Ok(_)) => compiled += 1,
            Ok(Err(_)) => rejected += 1,
            Err(_) => panic!("case {case} panicked on this program:\n{mutant}"),
        }
    }
    // Both paths must be exercised for the test to mean anything.
    assert!(compiled > 20 && rejected > 20, "compiled {compiled}, rejected {rejected}");
}

#[test]
fn deep_nesting_is_a_compile_error() {
    for source in [
        format!("class P {{ static void Main() {{ int x = {}1{}; }} }}", "(".repeat(100_000), ")".repeat(100_000)),
        format!("class P {{ static void Main() {{ int x = 1{}; }} }}", "+1".repeat(100_000)),
        format!("class P {{ static void Main() {{ bool x = {}true; }} }}", "!".repeat(100_000)),
        format!("class P {{ static void Main() {{ {} }} }}", "if (true) ".repeat(50_000) + ";"),
        format!("class P {{ static void Main() {{ {}{} }} }}", "{".repeat(100_000), "}".repeat(100_000)),
    ] {
        let r = lang::compile_source(&source, "deep.toy");
        assert!(r.is_err(), "deep nesting compiled");
    }
}

#[test]
fn deep_recursion_is_a_stack_overflow_not_a_crash() {
    let source = "using System; class P { static int F(int n) => F(n + 1) + 1; static void Main() { Console.WriteLine(F(0)); } }";
    let options = vm::Options { max_depth: 200_000, ..Default::default() };
    let r = run_source(source, "rec.toy", options).expect("compiles");
    assert_eq!(r.exit_code, 1);
    // 200,000 VM frames: 30 in tier0, then tier1's, each running F twice
    // (it inlines its own call one level), and the report lists both.
    assert_eq!(
        r.stderr,
        "Stack overflow.\nRepeat 399968 times:\n--------------------------------\n   at P.F(Int32)\n\
         --------------------------------\n   at P.Main()\n"
    );
}
