//! gc_suspended, the runtime-async seed's GC experiment ("Impact on GC"):
//! 10,000 chains of 100 async frames, every chain suspended at once, each
//! frame keeping one object and one int alive across its await. Each
//! backend runs in a process of its own (`toy bench gc_suspended --modes
//! MODE --child [--chains N]`, [`child`]) so that its peak memory is its
//! own; the table puts the two backends beside the seed's .NET figures.
//!
//! In the child: `Program.Suspend(count, depth)` (the heap's
//! `objects_allocated` read before and after: allocations per frame), one
//! forced full collection, then the heap ([`gc::Heap::total_memory`], what
//! `GC.GetTotalMemory` answers) and its live objects; then
//! `Program.Collect(n)` [`PAUSE_ROUNDS`] times, each returning the average
//! pause of `n` forced young-generation collections (`GC.Collect(0)`, the
//! seed's gen-0 figure) in µs as the program's own `Stopwatch` saw it (the
//! median round is reported, and beside it the collector's own pause clock
//! and how many suspended frames each did not trace); then
//! `Program.CollectAll(n)` for full collections; then `Program.Resume()`,
//! whose sum is checked.
//!
//! Two more tables: the young-generation pause as the suspended heap grows
//! (1,000, 10,000 and 100,000 chains: it should not grow with them), and
//! microbenchmark 5's shape (long-lived against short-lived suspended
//! state, `programs/bench/micro_lifetime.toy`) with the collector's figures,
//! generational against `--gc-major-only`: what aging buys.

use std::path::Path;
use std::time::Instant;

use vm::Backend;
use vm::value::Value;

use crate::process::{Report, number, own_peak_rss, spawn_self};
use crate::runner::{Captured, call, load_for, new_vm_with};
use crate::tables::{Table, thousands};

/// Chains suspended at once, as the seed's experiment.
pub const COUNT: i64 = 10_000;
/// Async frames per chain, as the seed's.
pub const DEPTH: i64 = 100;
/// Forced collections per `Program.Collect` call.
pub const COLLECTS: i64 = 10;
/// The chain counts of the scaling table (×[`DEPTH`] frames).
pub const SCALE: [i64; 3] = [1_000, 10_000, 100_000];
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
pub fn child(dir: &Path, mode: Backend, count: i64, depth: i64, tier0_only: bool) -> Result<String, String> {
    let options = vm::Options { mode, tier0_only, ..Default::default() };
    let program = load_for(dir, "gc_suspended", std::slice::from_ref(&options)).remove(0)?;
    let err = Captured::default();
    let mut vm = new_vm_with(&program, options, &err);
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
    // One forced full collection, so the heap holds only what the chains
    // keep, all of it old.
    call(&mut vm, "CollectAll", &[Value::Int(1)])?;
    let heap = vm.heap().total_memory();
    let live = vm.heap().stats().objects_live;
    let (minors, paused) = (vm.heap().stats().minor_collections, vm.heap().stats().minor_total_pause);
    let mut rounds = Vec::new();
    for _ in 0..PAUSE_ROUNDS {
        match call(&mut vm, "Collect", &[Value::Int(COLLECTS)])? {
            Value::Double(us) => rounds.push(us),
            other => return Err(format!("Collect returned {other:?}")),
        }
    }
    rounds.sort_by(f64::total_cmp);
    let stats = vm.heap().stats();
    let forced = stats.minor_collections - minors;
    let gc_pause_us = (stats.minor_total_pause - paused).as_secs_f64() * 1e6 / forced.max(1) as f64;
    let (skipped, remembered) = (stats.frames_skipped_last, stats.remembered);
    let (majors, major_paused) = (stats.major_collections, stats.major_total_pause);
    call(&mut vm, "CollectAll", &[Value::Int(3)])?;
    let stats = vm.heap().stats();
    let major_pause_us =
        (stats.major_total_pause - major_paused).as_secs_f64() * 1e6 / (stats.major_collections - majors).max(1) as f64;
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
    put("major_pause_us", major_pause_us.to_string());
    put("frames_not_traced", skipped.to_string());
    put("remembered", remembered.to_string());
    put("suspend_secs", suspend_secs.to_string());
    put("resume_secs", resume_secs.to_string());
    put("vm_hwm", own_peak_rss().unwrap_or(0).to_string());
    Ok(out)
}

/// The experiment's three tables (see the module docs).
pub fn run(dir: &Path, modes: &[Backend]) -> Vec<Table> {
    let reports: Vec<Result<Report, String>> = modes.iter().map(|&mode| spawn(mode, COUNT, false)).collect();
    vec![
        seed_table(modes, &reports),
        tier0_table(modes, &reports),
        scale_table(modes, &reports),
        lifetime_table(dir, modes),
    ]
}

/// The experiment in a child process with `chains` chains (`--tier0-only`:
/// no method leaves tier0, so every suspended frame keeps every register).
fn spawn(mode: Backend, chains: i64, tier0_only: bool) -> Result<Report, String> {
    let tier = if tier0_only { ", --tier0-only" } else { "" };
    eprintln!(
        "gc_suspended: {} ({} × {} frames{tier}, child process)...",
        mode.name(),
        thousands(chains as f64),
        DEPTH
    );
    let mut args = vec!["--chains".to_owned(), chains.to_string()];
    if tier0_only {
        args.push("--tier0-only".into());
    }
    let (mut report, run) = spawn_self("gc_suspended", mode, &args)?;
    report.insert("peak_rss".into(), run.peak_rss.to_string());
    Ok(report)
}

/// The seed's experiment beside the seed's figures.
fn seed_table(modes: &[Backend], reports: &[Result<Report, String>]) -> Table {
    let mut table = Table::new(
        "gc_suspended: the seed's GC experiment",
        &format!(
            "{} chains × {} async frames, all suspended at once, each frame keeping one object and one int alive \
             across its await (programs/bench/gc_suspended.toy). Each backend runs in a child process of its own. \
             heap: the heap after a forced collection with every chain suspended (GC.GetTotalMemory); peak RSS: \
             the child process's peak resident memory (its VmHWM; the whole process: compiler, VM, heap); \
             allocations: heap objects allocated by Suspend ÷ frames; young-generation pause: the average of \
             {COLLECTS} forced GC.Collect(0) as Program.Collect's Stopwatch sees it (median of {PAUSE_ROUNDS} \
             rounds, fastest–slowest), and as the collector's own clock sees it; every chain is old by then (a full \
             collection ran first), so a minor collection traces the roots and the remembered set, not the \
             suspended frames (counted on the next row). Full pause: GC.Collect(), every object marked and swept. \
             Seed: .NET (x64, AMD 5950X): async1 heap 130 MB, peak working set 148 MB, gen-0 pause 120 µs; async2 \
             (JIT state machines) heap 105 MB tiered (157 MB untiered), peak 328 MB, pause 100 µs. Targets: issue \
             14 (heap ≤ the seed's; ≤ 3 allocations per async1 frame, ≤ 2 per async2 frame), issue 15 (young pause \
             ≤ 100 µs).",
            crate::tables::thousands(COUNT as f64),
            DEPTH
        ),
    );
    table.header.push("figure".into());
    for m in modes {
        table.header.push(m.name().into());
    }
    table.header.extend(["seed async1".into(), "seed async2".into(), "target async1".into(), "target async2".into()]);
    const MB: f64 = 1e6;
    let mb = |v: f64| format!("{:.1}", v / MB);
    type Fig = fn(&Report) -> Result<String, String>;
    let rows: [(&str, Fig, String, String, &str, &str); 10] = [
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
            "young-generation pause (µs, Stopwatch)",
            |r| {
                let (m, lo, hi) = (number(r, "pause_us")?, number(r, "pause_us_min")?, number(r, "pause_us_max")?);
                Ok(format!("{m:.1} ({lo:.1}–{hi:.1})"))
            },
            format!("{:.0} (gen 0)", SEED.pause_us.0),
            format!("{:.0} (gen 0)", SEED.pause_us.1),
            "≤ 100",
            "≤ 100",
        ),
        (
            "young-generation pause (µs, collector's clock)",
            |r| Ok(format!("{:.1}", number(r, "gc_pause_us")?)),
            "-".into(),
            "-".into(),
            "≤ 100",
            "≤ 100",
        ),
        (
            "suspended frames a young collection did not trace",
            |r| Ok(thousands(number(r, "frames_not_traced")?)),
            "-".into(),
            "-".into(),
            "-",
            "-",
        ),
        (
            "full-collection pause (µs, collector's clock)",
            |r| Ok(format!("{:.0}", number(r, "major_pause_us")?)),
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
        for r in reports {
            row.push(r.as_ref().map_err(Clone::clone).and_then(fig).unwrap_or_else(failed_cell));
        }
        row.extend([seed1, seed2, t1.to_owned(), t2.to_owned()]);
        table.rows.push(row);
    }
    table
}

/// The young-generation pause as the suspended heap grows: it grows with
/// the roots, the young objects and the remembered set, not with the old
/// heap. `at_count`: the reports of the [`COUNT`] run, reused.
fn scale_table(modes: &[Backend], at_count: &[Result<Report, String>]) -> Table {
    let mut table = Table::new(
        "gc_suspended: the young-generation pause as the suspended heap grows",
        &format!(
            "The experiment with 1,000, 10,000 and 100,000 chains × {DEPTH} frames, all suspended and old: the pause \
             of GC.Collect(0) (collector's clock, µs) beside the pause of a full GC.Collect() and the heap. The \
             young pause stays flat while the full one grows with the heap."
        ),
    );
    table.header.push("chains".into());
    for m in modes {
        table.header.extend([
            format!("{} young pause (µs)", m.name()),
            format!("{} full pause (µs)", m.name()),
            format!("{} heap (MB)", m.name()),
        ]);
    }
    for chains in SCALE {
        let mut row = vec![thousands(chains as f64)];
        for (i, &mode) in modes.iter().enumerate() {
            let report = if chains == COUNT { at_count[i].clone() } else { spawn(mode, chains, false) };
            let fig = |key: &str, scale: f64, digits: usize| {
                figure(&report, key).map(|v| format!("{:.*}", digits, v / scale)).unwrap_or_else(failed_cell)
            };
            row.extend([fig("gc_pause_us", 1.0, 1), fig("major_pause_us", 1.0, 0), fig("heap_bytes", 1e6, 1)]);
        }
        table.rows.push(row);
    }
    table
}

/// The seed's heap comparison across tiers: the experiment's heap with
/// every method in tier0 (a suspended frame keeps every register) beside
/// the defaults (tier1 keeps the live ones). `tiered`: the default run's
/// reports, reused.
fn tier0_table(modes: &[Backend], tiered: &[Result<Report, String>]) -> Table {
    let mut table = Table::new(
        "gc_suspended: the heap with --tier0-only",
        &format!(
            "The experiment ({} chains × {DEPTH} frames) run with --tier0-only beside the defaults: an async2 \
             frame suspended in tier0 keeps every register in its continuation, in tier1 only the live ones. \
             async1's state machines are lowered once, before any tier (their fields are the hoisted locals), so \
             the tiers leave its heap alone. Seed (async2, JIT state machines): 157 MB untiered, 105 MB tiered.",
            thousands(COUNT as f64)
        ),
    );
    table.header.extend(
        ["backend", "heap, default (MB)", "heap, --tier0-only (MB)", "--tier0-only ÷ default"].map(String::from),
    );
    for (i, &mode) in modes.iter().enumerate() {
        let tier0 = spawn(mode, COUNT, true);
        let (d, t) = (figure(&tiered[i], "heap_bytes"), figure(&tier0, "heap_bytes"));
        let cell = |v: &Result<f64, String>| v.clone().map(|b| format!("{:.1}", b / 1e6)).unwrap_or_else(failed_cell);
        let ratio = match (&d, &t) {
            (Ok(d), Ok(t)) => format!("{:.2}", t / d),
            _ => "-".into(),
        };
        table.rows.push(vec![mode.name().to_owned(), cell(&d), cell(&t), ratio]);
    }
    table
}

/// Figure `key` of a child's report, or why there is none.
fn figure(report: &Result<Report, String>, key: &str) -> Result<f64, String> {
    report.as_ref().map_err(Clone::clone).and_then(|r| number(r, key))
}

/// A table cell saying why a figure is missing.
fn failed_cell(why: String) -> String {
    crate::tables::cell_text(&Err(why), |v| v.to_string())
}

/// Microbenchmark 5's cells: (label, live chains, operations).
const LIFETIME_CELLS: [(&str, i64, i64); 3] = [
    ("short-lived", 0, 20_000),
    ("long-lived, 1,000 suspended", 1_000, 20_000),
    ("long-lived, 10,000 suspended", 10_000, 20_000),
];

/// Long-lived against short-lived suspended state with the collector's
/// figures, generational and not (`--gc-major-only`).
fn lifetime_table(dir: &Path, modes: &[Backend]) -> Table {
    let mut table = Table::new(
        "gc_suspended: long-lived vs short-lived suspended state, what aging buys",
        "Microbenchmark 5 (programs/bench/micro_lifetime.toy, Program.Cell(live, 20000)): each operation \
         completes a gate and starts a chain of 10 async frames suspended on a gate; long-lived chains stay \
         suspended for `live` operations, across collections. One run per cell on a fresh VM, with the \
         generational collector and with every collection a full one (--gc-major-only). ns/op: the whole \
         call ÷ operations; GC: the collections' total pause; young pause: the average minor collection; \
         frames skipped: suspended frames the average minor collection did not trace (old and unchanged).",
    );
    table.header.extend(["cell".into(), "backend".into(), "collector".into()]);
    table.header.extend(
        ["ns/op", "collections (young/full)", "GC (ms)", "young pause (µs)", "frames skipped per young collection"]
            .map(String::from),
    );
    for (label, live, ops) in LIFETIME_CELLS {
        for &mode in modes {
            for major_only in [false, true] {
                let collector = if major_only { "--gc-major-only" } else { "generational" };
                eprintln!("gc_suspended: micro_lifetime {} {label} ({collector})...", mode.name());
                let mut row = vec![label.to_owned(), mode.name().to_owned(), collector.to_owned()];
                match lifetime_cell(dir, mode, major_only, live, ops) {
                    Ok(figures) => row.extend(figures),
                    Err(e) => row.extend(std::iter::repeat_n(format!("error: {e}"), 5)),
                }
                table.rows.push(row);
            }
        }
    }
    table
}

/// One cell of [`lifetime_table`]: its five figures.
fn lifetime_cell(dir: &Path, mode: Backend, major_only: bool, live: i64, ops: i64) -> Result<Vec<String>, String> {
    let options = vm::Options { mode, gc_major_only: major_only, ..Default::default() };
    let program = load_for(dir, "micro_lifetime", std::slice::from_ref(&options)).remove(0)?;
    let err = Captured::default();
    let mut vm = new_vm_with(&program, options, &err);
    let start = Instant::now();
    let expected = (ops + live) * 56;
    match call(&mut vm, "Cell", &[Value::Int(live), Value::Int(ops)])? {
        Value::Int(r) if r == expected => {}
        other => return Err(format!("Cell returned {other:?}, not {expected}")),
    }
    let secs = start.elapsed().as_secs_f64();
    let s = vm.heap().stats();
    let minors = s.minor_collections.max(1) as f64;
    Ok(vec![
        format!("{:.0}", secs * 1e9 / ops as f64),
        format!("{} / {}", s.minor_collections, s.major_collections),
        format!("{:.1}", s.total_pause.as_secs_f64() * 1e3),
        if s.minor_collections == 0 {
            "-".into()
        } else {
            format!("{:.0}", s.minor_total_pause.as_secs_f64() * 1e6 / minors)
        },
        if s.minor_collections == 0 { "-".into() } else { thousands(s.frames_skipped as f64 / minors) },
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The experiment at a small size in this process: every figure is there.
    #[test]
    fn small_in_process() {
        assert_eq!(expected_sum(100, 10), 100 * 166);
        for mode in [Backend::Async1, Backend::Async2] {
            let report = crate::process::parse_report(&child(&crate::bench_dir(), mode, 50, 10, false).unwrap());
            assert!(number(&report, "frames_not_traced").unwrap() >= 500.0, "{mode:?}: every frame is old");
            let per_frame = number(&report, "allocations").unwrap() / number(&report, "frames").unwrap();
            assert!((1.0..20.0).contains(&per_frame), "{mode:?}: {per_frame}");
            assert!(number(&report, "heap_bytes").unwrap() > 0.0);
            assert!(number(&report, "pause_us").unwrap() > 0.0);
        }
    }
}
