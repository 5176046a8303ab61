//! Recursive fib(30): toy against Lua 5.4 and `mono --interpreter`, side by
//! side in one run. The peers run as processes, so their numbers include
//! start-up (a few milliseconds, small next to the run).

use criterion::{Criterion, criterion_group, criterion_main};

fn fib(c: &mut Criterion) {
    let program = toy_bench::compile("fib");
    let mut group = c.benchmark_group("fib30");
    group.sample_size(10);
    group.bench_function("toy", |b| b.iter(|| toy_bench::run(&program, vm::Backend::Async1)));
    if let Some(mut lua) = toy_bench::peer("lua5.4", &["bench/peers/fib.lua"]) {
        group.bench_function("lua5.4", |b| b.iter(|| lua.status().map(|s| s.success())));
    }
    let exe = std::env::temp_dir().join("toy-bench-fib.exe");
    let built = toy_bench::peer("mcs", &[&format!("-out:{}", exe.display()), "programs/bench/fib.toy"])
        .and_then(|mut mcs| mcs.status().ok())
        .is_some_and(|s| s.success());
    if built && let Some(mut mono) = toy_bench::peer("mono", &["--interpreter", &exe.to_string_lossy()]) {
        group.bench_function("mono --interpreter", |b| b.iter(|| mono.status().map(|s| s.success())));
    }
    group.finish();
}

criterion_group!(benches, fib);
criterion_main!(benches);
