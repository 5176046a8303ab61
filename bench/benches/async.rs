//! The async bench programs in both backends, side by side with their peers
//! in one run: fib_async (Fib(25) through an async method that awaits itself
//! and never suspends, 242,785 calls), suspend_depth (100,000 `Task.Yield()`
//! awaits under a chain of depth 1, then 10, then 100: 300,000 in all) and
//! eh_depth (the seed's EH microbenchmark, all 28 cells of 1,000 iterations).
//!
//! Throughput is set to the calls (fib_async) and yields (suspend_depth), so
//! criterion reports elements per second. toy runs in-process on a program
//! compiled once; the peers (`node --jitless`, `lua5.4`, translations kept in
//! `bench/peers/`) run as processes, so their numbers include start-up, which
//! for node is larger than fib_async itself: each peer's `startup` bench (an
//! empty program) is there to be subtracted.

use criterion::{BenchmarkGroup, Criterion, Throughput, criterion_group, criterion_main, measurement::WallTime};
use vm::Backend;

/// Fib(25) makes this many calls.
const FIB_CALLS: u64 = 242_785;
/// suspend_depth's yields: 100 calls of the chain root × 1,000 yields × 3 depths.
const YIELDS: u64 = 300_000;

/// Benches `programs/bench/NAME.toy` in both backends, each only if it runs
/// to completion there (a failing run would be timed as a fast one).
fn toy_both_modes(group: &mut BenchmarkGroup<'_, WallTime>, name: &str) {
    let program = toy_bench::compile(name);
    for (mode, label) in [(Backend::Async1, "toy async1"), (Backend::Async2, "toy async2")] {
        if toy_bench::run(&program, mode) != 0 {
            eprintln!("{name}.toy does not run in {label}: not timed");
            continue;
        }
        group.bench_function(label, |b| b.iter(|| toy_bench::run(&program, mode)));
    }
}

/// Benches a peer command if its program is installed.
fn peer(group: &mut BenchmarkGroup<'_, WallTime>, label: &str, program: &str, args: &[&str]) {
    if let Some(mut cmd) = toy_bench::peer(program, args) {
        group.bench_function(label, |b| b.iter(|| cmd.status().map(|s| s.success())));
    }
}

fn fib_async(c: &mut Criterion) {
    let mut group = c.benchmark_group("fib_async");
    group.sample_size(10);
    group.throughput(Throughput::Elements(FIB_CALLS));
    toy_both_modes(&mut group, "fib_async");
    peer(&mut group, "node --jitless", "node", &["--jitless", "bench/peers/fib_async.js"]);
    group.finish();
}

fn suspend_depth(c: &mut Criterion) {
    let mut group = c.benchmark_group("suspend_depth");
    group.sample_size(10);
    group.throughput(Throughput::Elements(YIELDS));
    toy_both_modes(&mut group, "suspend_depth");
    peer(&mut group, "node --jitless", "node", &["--jitless", "bench/peers/suspend_depth.js"]);
    peer(&mut group, "lua5.4", "lua5.4", &["bench/peers/suspend_depth.lua"]);
    group.finish();
}

fn eh_depth(c: &mut Criterion) {
    let mut group = c.benchmark_group("eh_depth");
    group.sample_size(10);
    toy_both_modes(&mut group, "eh_depth");
    peer(&mut group, "node --jitless", "node", &["--jitless", "bench/peers/eh_depth.js"]);
    group.finish();
}

/// What a peer costs before it runs anything: subtract from its numbers above.
fn startup(c: &mut Criterion) {
    let mut group = c.benchmark_group("peer startup");
    group.sample_size(10);
    peer(&mut group, "node --jitless", "node", &["--jitless", "-e", "0"]);
    peer(&mut group, "lua5.4", "lua5.4", &["-e", ""]);
    group.finish();
}

criterion_group!(benches, fib_async, suspend_depth, eh_depth, startup);
criterion_main!(benches);
