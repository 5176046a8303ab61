//! The async bench programs in both backends, side by side with their peers
//! in one run: fib_async (Fib(25) through an async method that awaits itself
//! and never suspends), suspend_depth (`Task.Yield()` awaits under a chain
//! of depth 1, then 10, then 100) and eh_depth (the seed's EH
//! microbenchmark, all 28 cells of 1,000 iterations).
//!
//! Throughput is set to the calls (fib_async) and yields (suspend_depth), so
//! criterion reports elements per second. toy runs in-process on a program
//! compiled and prepared once (as `toy bench` runs it); the peers (`node
//! --jitless`, `lua5.4`, translations kept in `bench/peers/`) run as
//! processes, so their numbers include start-up, which for node is larger
//! than fib_async itself: each peer's `startup` bench (an empty program) is
//! there to be subtracted.

use criterion::{BenchmarkGroup, Criterion, Throughput, criterion_group, criterion_main, measurement::WallTime};
use toy_bench::peers::{self, LUA, NODE, Peer};
use toy_bench::programs::{SUSPEND_DEPTHS, SUSPEND_YIELDS, fib_calls, fib_n};
use toy_bench::runner::{load, run_whole};
use vm::Backend;

// The same allocator as the `toy` command, so in-process timings match it.
#[global_allocator]
static ALLOCATOR: gc::Allocator = gc::Allocator;

/// Benches `programs/bench/NAME.toy` in both backends, each only if it runs
/// to completion there (a failing run would be timed as a fast one).
fn toy_both_modes(group: &mut BenchmarkGroup<'_, WallTime>, name: &str) {
    let modes = [Backend::Async1, Backend::Async2];
    for (&mode, program) in modes.iter().zip(load(&toy_bench::bench_dir(), name, &modes)) {
        let label = format!("toy {}", mode.name());
        match program.and_then(|p| run_whole(&p, mode).map(|()| p)) {
            Ok(program) => {
                group.bench_function(label, |b| b.iter(|| run_whole(&program, mode)));
            }
            Err(e) => eprintln!("{name}.toy does not run in {label}: {e}; not timed"),
        }
    }
}

/// Benches a peer's translation of NAME if the peer is installed.
fn peer(group: &mut BenchmarkGroup<'_, WallTime>, peer: Peer, name: &str) {
    if peer.installed()
        && let Some(mut cmd) = peer.script(name, &[])
    {
        group.bench_function(peer.label, |b| b.iter(|| peers::status(&mut cmd)));
    }
}

fn fib_async(c: &mut Criterion) {
    let mut group = c.benchmark_group("fib_async");
    group.sample_size(10);
    group.throughput(Throughput::Elements(fib_n("fib_async").map_or(1, fib_calls)));
    toy_both_modes(&mut group, "fib_async");
    peer(&mut group, NODE, "fib_async");
    group.finish();
}

fn suspend_depth(c: &mut Criterion) {
    let mut group = c.benchmark_group("suspend_depth");
    group.sample_size(10);
    group.throughput(Throughput::Elements(SUSPEND_YIELDS * SUSPEND_DEPTHS.len() as u64));
    toy_both_modes(&mut group, "suspend_depth");
    peer(&mut group, NODE, "suspend_depth");
    peer(&mut group, LUA, "suspend_depth");
    group.finish();
}

fn eh_depth(c: &mut Criterion) {
    let mut group = c.benchmark_group("eh_depth");
    group.sample_size(10);
    toy_both_modes(&mut group, "eh_depth");
    peer(&mut group, NODE, "eh_depth");
    group.finish();
}

/// What a peer costs before it runs anything: subtract from its numbers above.
fn startup(c: &mut Criterion) {
    let mut group = c.benchmark_group("peer startup");
    group.sample_size(10);
    for p in [NODE, LUA] {
        if p.installed() {
            let mut cmd = p.startup();
            group.bench_function(p.label, |b| b.iter(|| peers::status(&mut cmd)));
        }
    }
    group.finish();
}

criterion_group!(benches, fib_async, suspend_depth, eh_depth, startup);
criterion_main!(benches);
