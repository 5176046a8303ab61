//! Tiers side by side in criterion (issue 13): each cell of `toy bench
//! tiers` (a bench program's hot call at its `toy bench` size) with the
//! defaults and with `--tier0-only`, in both backends, on a VM made once
//! per function (so the defaults' tier1 and OSR code is in place after the
//! warm-up, as in a long-running program).

use criterion::{Criterion, criterion_group, criterion_main};
use vm::Backend;

// The same allocator as the `toy` command, so in-process timings match it.
#[global_allocator]
static ALLOCATOR: gc::Allocator = gc::Allocator;

fn tiers(c: &mut Criterion) {
    let dir = toy_bench::bench_dir();
    for (index, label) in toy_bench::tiers::labels().enumerate() {
        let mut group = c.benchmark_group(label);
        group.sample_size(10);
        for mode in [Backend::Async1, Backend::Async2] {
            for tier0_only in [false, true] {
                let name = format!("toy {}{}", mode.name(), if tier0_only { " --tier0-only" } else { "" });
                match toy_bench::tiers::cell_runner(&dir, index, mode, tier0_only) {
                    Ok(mut f) => {
                        group.bench_function(name, |b| b.iter(&mut f));
                    }
                    Err(e) => eprintln!("{label}: {name}: {e}; not timed"),
                }
            }
        }
        group.finish();
    }
}

criterion_group!(benches, tiers);
criterion_main!(benches);
