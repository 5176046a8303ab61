//! gc_suspended, the runtime-async seed's GC experiment ("Impact on GC"):
//! 10,000 chains of 100 async frames, every chain suspended at once, each
//! frame keeping one object and one int alive across its await. Each
//! backend runs in a process of its own (`toy bench gc_suspended --modes
//! MODE --child`, [`child`]) so that its peak memory is its own; the table
//! puts the two backends beside the seed's .NET figures and issue 14's
//! targets.
//!
//! In the child: `Program.Suspend(count, depth)` (the heap's
//! `objects_allocated` read before and after: allocations per frame), one
//! forced collection, then the heap ([`gc::Heap::total_memory`], what
//! `GC.GetTotalMemory` answers) and its live objects; then
//! `Program.Collect(n)` [`PAUSE_ROUNDS`] times, each returning the average
//! pause of `n` forced collections in µs as the program's own `Stopwatch`
//! saw it (the median round is reported, and beside it the collector's own
//! pause clock); then `Program.Resume()`, whose sum is checked.

use std::path::Path;
use std::time::Instant;

use vm::Backend;
use vm::value::Value;

use crate::process::{Report, number, own_peak_rss, spawn_self};
use crate::runner::{Captured, call, load, new_vm};
use crate::tables::Table;

/// Chains suspended at once, as the seed's experiment.
pub const COUNT: i64 = 10_000;
/// Async frames per chain, as the seed's.
pub const DEPTH: i64 = 100;
/// Forced collections per `Program.Collect` call.
pub const COLLECTS: i64 = 10;
/// `Program.Collect` calls; the median is the figure.
pub const PAUSE_ROUNDS: usize = 5;

/// What `Program.Resume` returns: each chain's gate gives 1 and each of its
/// frames adds `d + 2d` at depth `d`.
pub fn expected_sum(count: i64, depth: i64) -> i64 {
    count * (1 + 3 * depth * (depth + 1) / 2)
}

/// The seed's figures (.NET, x64, AMD 5950X) and issue 14's targets: one
/// row per figure of the table, `(async1, async2)`.
struct Seed {
    heap_mb: (f64, f64),
    peak_mb: (f64, f64),
    pause_us: (f64, f64),
}

const SEED: Seed = Seed { heap_mb: (130.0, 105.0), peak_mb: (148.0, 328.0), pause_us: (120.0, 100.0) };

/// Runs the experiment in this process on one backend and returns its
/// report (`key=value` lines); `count` × `depth` frames.
pub fn child(dir: &Path, mode: Backend, count: i64, depth: i64) -> Result<String, String> {
    let program = load(dir, "gc_suspended", &[mode]).remove(0)?;
    let err = Captured::default();
    let mut vm = new_vm(&program, mode, &err);
    let before = vm.heap().stats().objects_allocated;
    let bytes_before = vm.heap().stats().bytes_allocated;
    let start = Instant::now();
    match call(&mut vm, "Suspend", &[Value::Int(count), Value::Int(depth)])? {
        Value::Int(n) if n == count => {}
        other => return Err(format!("Suspend returned {other:?}, not {count}")),
    }
    let suspend_secs = start.elapsed().as_secs_f64();
    let allocations = vm.heap().stats().objects_allocated - before;
    let bytes_allocated = vm.heap().stats().bytes_allocated - bytes_before;
    // One forced collection, so the heap holds only what the chains keep.
    call(&mut vm, "Collect", &[Value::Int(1)])?;
    let heap = vm.heap().total_memory();
    let live = vm.heap().stats().objects_live;
    let (collections, paused) = (vm.heap().stats().collections, vm.heap().stats().total_pause);
    let mut rounds = Vec::new();
    for _ in 0..PAUSE_ROUNDS {
        match call(&mut vm, "Collect", &[Value::Int(COLLECTS)])? {
            Value::Double(us) => rounds.push(us),
            other => return Err(format!("Collect returned {other:?}")),
        }
    }
    rounds.sort_by(f64::total_cmp);
    let forced = vm.heap().stats().collections - collections;
    let gc_pause_us = (vm.heap().stats().total_pause - paused).as_secs_f64() * 1e6 / forced.max(1) as f64;
    let start = Instant::now();
    let sum = call(&mut vm, "Resume", &[])?;
    let resume_secs = start.elapsed().as_secs_f64();
    if !matches!(sum, Value::Int(s) if s == expected_sum(count, depth)) {
        return Err(format!("Resume returned {sum:?}, not {}", expected_sum(count, depth)));
    }
    let frames = (count * depth) as f64;
    let mut out = String::new();
    let mut put = |k: &str, v: String| out.push_str(&format!("{k}={v}\n"));
    put("frames", frames.to_string());
    put("heap_bytes", heap.to_string());
    put("live_objects", live.to_string());
    put("allocations", allocations.to_string());
    put("bytes_allocated", bytes_allocated.to_string());
    put("pause_us", rounds[rounds.len() / 2].to_string());
    put("pause_us_min", rounds[0].to_string());
    put("pause_us_max", rounds[rounds.len() - 1].to_string());
    put("gc_pause_us", gc_pause_us.to_string());
    put("suspend_secs", suspend_secs.to_string());
    put("resume_secs", resume_secs.to_string());
    put("vm_hwm", own_peak_rss().unwrap_or(0).to_string());
    Ok(out)
}

/// The experiment on each backend, each in its own child process, as one
/// table beside the seed's figures.
pub fn run(modes: &[Backend]) -> Table {
    let mut table = Table::new(
        "gc_suspended: the seed's GC experiment",
        &format!(
            "{} chains × {} async frames, all suspended at once, each frame keeping one object and one int alive \
             across its await (programs/bench/gc_suspended.toy). Each backend runs in a child process of its own. \
             heap: the heap after a forced collection with every chain suspended (GC.GetTotalMemory); peak RSS: \
             the child process's peak resident memory (its VmHWM; the whole process: compiler, VM, heap); \
             allocations: heap objects allocated by Suspend ÷ frames; pause: the average of {COLLECTS} forced \
             collections as Program.Collect's Stopwatch sees it (median of {PAUSE_ROUNDS} rounds, fastest–slowest), \
             and as the collector's own clock sees it. Seed: .NET (x64, AMD 5950X): async1 heap 130 MB, peak working \
             set 148 MB, gen-0 pause 120 µs; async2 (JIT state machines) heap 105 MB tiered (157 MB untiered), peak \
             328 MB, pause 100 µs. Targets: issue 14 (heap ≤ the seed's; ≤ 3 allocations per async1 frame, ≤ 2 per \
             async2 frame). toy collects every generation at once (no gen-0 collection yet).",
            crate::tables::thousands(COUNT as f64),
            DEPTH
        ),
    );
    table.header.push("figure".into());
    for m in modes {
        table.header.push(m.name().into());
    }
    table.header.extend(["seed async1".into(), "seed async2".into(), "target async1".into(), "target async2".into()]);
    let reports: Vec<Result<Report, String>> = modes
        .iter()
        .map(|&mode| {
            eprintln!("gc_suspended: {} ({} × {} frames, child process)...", mode.name(), COUNT, DEPTH);
            let (mut report, run) = spawn_self("gc_suspended", mode, &[])?;
            report.insert("peak_rss".into(), run.peak_rss.to_string());
            Ok(report)
        })
        .collect();
    const MB: f64 = 1e6;
    let mb = |v: f64| format!("{:.1}", v / MB);
    type Fig = fn(&Report) -> Result<String, String>;
    let rows: [(&str, Fig, String, String, &str, &str); 8] = [
        (
            "heap, all suspended (MB)",
            |r| Ok(format!("{:.1}", number(r, "heap_bytes")? / MB)),
            mb(SEED.heap_mb.0 * MB),
            format!("{} (tiered)", mb(SEED.heap_mb.1 * MB)),
            "≤ 130",
            "≤ 105",
        ),
        (
            "heap bytes per suspended frame",
            |r| Ok(format!("{:.0}", number(r, "heap_bytes")? / number(r, "frames")?)),
            format!("~{:.0}", SEED.heap_mb.0 * MB / 1e6),
            format!("~{:.0}", SEED.heap_mb.1 * MB / 1e6),
            "≤ 130",
            "≤ 105",
        ),
        (
            "peak RSS of the process (MB)",
            |r| Ok(format!("{:.1}", number(r, "peak_rss")? / MB)),
            format!("{:.0} (working set)", SEED.peak_mb.0),
            format!("{:.0} (working set)", SEED.peak_mb.1),
            "-",
            "-",
        ),
        (
            "allocations per suspended frame",
            |r| Ok(format!("{:.2}", number(r, "allocations")? / number(r, "frames")?)),
            "-".into(),
            "-".into(),
            "≤ 3",
            "≤ 2",
        ),
        (
            "live objects per suspended frame",
            |r| Ok(format!("{:.2}", number(r, "live_objects")? / number(r, "frames")?)),
            "-".into(),
            "-".into(),
            "-",
            "-",
        ),
        (
            "pause per forced collection (µs, Stopwatch)",
            |r| {
                let (m, lo, hi) = (number(r, "pause_us")?, number(r, "pause_us_min")?, number(r, "pause_us_max")?);
                Ok(format!("{m:.0} ({lo:.0}–{hi:.0})"))
            },
            format!("{:.0} (gen 0)", SEED.pause_us.0),
            format!("{:.0} (gen 0)", SEED.pause_us.1),
            "-",
            "-",
        ),
        (
            "pause per forced collection (µs, collector's clock)",
            |r| Ok(format!("{:.0}", number(r, "gc_pause_us")?)),
            "-".into(),
            "-".into(),
            "-",
            "-",
        ),
        (
            "Suspend / Resume (ms)",
            |r| Ok(format!("{:.0} / {:.0}", number(r, "suspend_secs")? * 1e3, number(r, "resume_secs")? * 1e3)),
            "-".into(),
            "-".into(),
            "-",
            "-",
        ),
    ];
    for (label, fig, seed1, seed2, t1, t2) in rows {
        let mut row = vec![label.to_owned()];
        for r in &reports {
            row.push(match r.as_ref().map_err(Clone::clone).and_then(fig) {
                Ok(s) => s,
                Err(e) => crate::tables::cell_text(&Err(e), |v| v.to_string()),
            });
        }
        row.extend([seed1, seed2, t1.to_owned(), t2.to_owned()]);
        table.rows.push(row);
    }
    table
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The experiment at a small size in this process: every figure is there.
    #[test]
    fn small_in_process() {
        assert_eq!(expected_sum(100, 10), 100 * 166);
        for mode in [Backend::Async1, Backend::Async2] {
            let report = crate::process::parse_report(&child(&crate::bench_dir(), mode, 50, 10).unwrap());
            let per_frame = number(&report, "allocations").unwrap() / number(&report, "frames").unwrap();
            assert!((1.0..20.0).contains(&per_frame), "{mode:?}: {per_frame}");
            assert!(number(&report, "heap_bytes").unwrap() > 0.0);
            assert!(number(&report, "pause_us").unwrap() > 0.0);
        }
    }
}
