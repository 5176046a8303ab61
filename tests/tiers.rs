//! Tiers and OSR, seen from `--stats`: each way a frame moves between
//! tier0, tier1 and OSR code happens in the programs written for it, and a
//! tier1 continuation is smaller than a tier0 one (tier0 keeps every
//! register, tier1 only the live ones).

mod common;

use common::{root, run_source};

fn run(rel: &str, options: vm::Options) -> common::RunResult {
    let path = root().join("programs").join(rel);
    let source = std::fs::read_to_string(&path).expect("program exists");
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let got = run_source(&source, &name, options).expect("compiles");
    let want = std::fs::read_to_string(path.with_extension("out")).expect("expected output");
    assert_eq!(got.stdout, want, "{rel}");
    got
}

fn async2() -> vm::Options {
    vm::Options { mode: vm::Backend::Async2, ..Default::default() }
}

#[test]
fn every_tier_transition_happens_in_async2() {
    let t = run("async/tier_transitions.toy", async2()).stats.tier_stats;
    assert!(t.tier_ups > 0, "{t:?}");
    assert!(t.osr_versions > 0 && t.osr_transitions > 0, "{t:?}");
    assert!(t.osr_from_resumed > 0, "rule 2: {t:?}");
    assert!(t.resumed_osr > 0, "rules 1 and 3: {t:?}");
    assert!(t.resumed_tier0_in_tier1 > 0, "tier0 continuation resumed in tier1: {t:?}");
    assert!(t.resumed_same_tier > 0, "{t:?}");
    assert!(t.continuations.iter().all(|&n| n > 0), "{t:?}");
}

#[test]
fn tier0_only_never_tiers_up() {
    let options = vm::Options { tier0_only: true, ..async2() };
    let t = run("async/tier_transitions.toy", options).stats.tier_stats;
    assert_eq!((t.tier_ups, t.osr_versions, t.osr_transitions), (0, 0, 0));
    assert_eq!((t.resumed_osr, t.resumed_tier0_in_tier1, t.continuations[1]), (0, 0, 0));
}

#[test]
fn tier1_continuations_are_smaller() {
    let tier0 = run("bench/gc_suspended.toy", vm::Options { tier0_only: true, ..async2() }).stats;
    let tiered = run("bench/gc_suspended.toy", async2()).stats;
    let t = &tiered.tier_stats;
    let per = |bytes: u64, n: u64| bytes as f64 / n.max(1) as f64;
    let t0 = &tier0.tier_stats;
    assert!(
        per(t.continuation_bytes[1], t.continuations[1]) < per(t0.continuation_bytes[0], t0.continuations[0]),
        "tier1 {t:?} tier0 {t0:?}"
    );
    assert!(tiered.peak_heap_bytes < tier0.peak_heap_bytes, "{} vs {}", tiered.peak_heap_bytes, tier0.peak_heap_bytes);
}

#[test]
fn exceptions_from_tier1_and_osr_frames() {
    for options in [
        vm::Options { tier0_only: true, ..Default::default() },
        vm::Options::default(),
        vm::Options { tier_threshold: 1, osr_threshold: 1, ..Default::default() },
    ] {
        let got = run("tier_exceptions.toy", options);
        let want = std::fs::read_to_string(root().join("programs/tier_exceptions.err")).expect("expected stderr");
        assert_eq!(got.stderr, want);
        assert_eq!(got.exit_code, 1);
    }
    let t = run("tier_exceptions.toy", vm::Options::default()).stats.tier_stats;
    assert!(t.tier_ups > 0 && t.osr_transitions > 0, "{t:?}");
}

/// Specialized int arithmetic wraps as the generic instructions do (`int`
/// and `long` are one 64-bit integer in toy: LANGUAGE.md "Deviations"), in
/// tier1 as in tier0. Not in `programs/`: overflow is not valid C# under
/// the Mono cross-check's `checked`.
#[test]
fn specialized_int_arithmetic_wraps_like_tier0() {
    let source = r#"using System;
class P {
    static long Wrap(long x) { return x * x + x; }
    static long Inc(long x) { return x + 1; }
    static void Main() {
        long sum = 0;
        for (int i = 0; i < 100; i++) sum += Wrap(3037000500) + Inc(9223372036854775807);
        Console.WriteLine(sum);
        Console.WriteLine(Wrap(3037000500));
        Console.WriteLine(Inc(9223372036854775807));
    }
}"#;
    let mut outputs = Vec::new();
    for tier0_only in [true, false] {
        let options = vm::Options { tier0_only, tier_threshold: 1, osr_threshold: 1, ..Default::default() };
        let r = run_source(source, "wrap.toy", options).expect("compiles");
        outputs.push(r.stdout);
    }
    assert_eq!(outputs[0], outputs[1]);
    assert!(outputs[1].ends_with("-9223372036854775808\n"), "{}", outputs[1]);
}
