//! Every program of `toy bench` at its small size: each program's `Main`
//! (what its `.out` file holds: the benchmarks game programs at a small n,
//! microbenchmarks 1-5, the scenarios, eh_full, gc_suspended at 100 chains
//! of 10 frames) as a whole run in both backends, compiled and prepared
//! once, as `toy bench` runs it. The full-size figures, side by side with
//! the peers, are `toy bench`'s; this is the criterion view of the same set.

use criterion::{Criterion, criterion_group, criterion_main};
use toy_bench::runner::{load, run_whole};
use vm::Backend;

// The same allocator as the `toy` command, so in-process timings match it.
#[global_allocator]
static ALLOCATOR: gc::Allocator = gc::Allocator;

/// The programs timed here: the suite's, but for those benches/fib.rs and
/// benches/async.rs already time (and `tiers`, which is not a program:
/// benches/tiers.rs).
fn names() -> Vec<&'static str> {
    toy_bench::benches().filter(|n| !["fib", "fib_async", "suspend_depth", "eh_depth", "tiers"].contains(n)).collect()
}

fn suite(c: &mut Criterion) {
    let modes = [Backend::Async1, Backend::Async2];
    for name in names() {
        let mut group = c.benchmark_group(name);
        group.sample_size(10);
        for (&mode, program) in modes.iter().zip(load(&toy_bench::bench_dir(), name, &modes)) {
            match program.and_then(|p| run_whole(&p, mode).map(|()| p)) {
                Ok(program) => {
                    group.bench_function(format!("toy {}", mode.name()), |b| b.iter(|| run_whole(&program, mode)));
                }
                Err(e) => eprintln!("{name}.toy does not run in {}: {e}; not timed", mode.name()),
            }
        }
        group.finish();
    }
}

criterion_group!(benches, suite);
criterion_main!(benches);
