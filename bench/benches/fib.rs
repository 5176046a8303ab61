//! Recursive fib(30): toy against Lua 5.4 and `mono --interpreter`, side by
//! side in one run. The peers run as processes, so their numbers include
//! start-up (small next to the run).

use criterion::{Criterion, criterion_group, criterion_main};
use toy_bench::peers::{self, LUA};
use toy_bench::runner::{load, run_whole};
use vm::Backend;

// The same allocator as the `toy` command, so in-process timings match it.
#[global_allocator]
static ALLOCATOR: gc::Allocator = gc::Allocator;

fn fib(c: &mut Criterion) {
    let program = load(&toy_bench::bench_dir(), "fib", &[Backend::Async1]).remove(0).unwrap_or_else(|e| panic!("{e}"));
    let mut group = c.benchmark_group("fib30");
    group.sample_size(10);
    group.bench_function("toy", |b| b.iter(|| run_whole(&program, Backend::Async1)));
    if LUA.installed()
        && let Some(mut lua) = LUA.script("fib", &[])
    {
        group.bench_function(LUA.label, |b| b.iter(|| peers::status(&mut lua)));
    }
    let exe = std::env::temp_dir().join("toy-bench-fib.exe");
    let built = peers::command("mcs", &[&format!("-out:{}", exe.display()), "programs/bench/fib.toy"])
        .is_some_and(|mut mcs| peers::status(&mut mcs).is_ok());
    if built && let Some(mut mono) = peers::command("mono", &["--interpreter", &exe.to_string_lossy()]) {
        group.bench_function("mono --interpreter", |b| b.iter(|| peers::status(&mut mono)));
    }
    group.finish();
}

criterion_group!(benches, fib);
criterion_main!(benches);
