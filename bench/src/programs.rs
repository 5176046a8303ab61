//! fib, fib_async and suspend_depth: each whole program (`Main`, output
//! discarded) in ms per run; `Fib(n)` of fib (synchronous) and fib_async
//! (an async method awaiting itself, never suspending) in ns per call;
//! `Chain(depth)` of suspend_depth (a leaf awaiting `Task.Yield()` under
//! `depth` async frames) in ns per yield. Beside the last two, the
//! [`crate::peers`] installed here run the same work, with each peer's
//! time ÷ async2's.

use std::path::Path;

use vm::Backend;
use vm::value::Value;

use crate::peers::{Peer, installed_peers};
use crate::runner::{Captured, call, load, new_vm, run_whole};
use crate::tables::{Table, cell_text, ratio_cell, thousands};
use crate::timing::{Measured, Timing, measure};

/// The argument `Main` passes to `Fib` in fib.toy and fib_async.toy.
pub const FIB_N: [(&str, i64); 2] = [("fib", 30), ("fib_async", 25)];

/// The `n` of `Fib(n)` in fib.toy or fib_async.toy.
pub fn fib_n(name: &str) -> Option<i64> {
    FIB_N.iter().find(|(f, _)| *f == name).map(|&(_, n)| n)
}

/// How many times a peer's fib translation runs Fib(n) in one process, so
/// that the work outweighs the start-up subtracted from it.
pub const PEER_FIB_REPS: u64 = 5;

/// The depths `Main` of suspend_depth.toy runs `Chain` at.
pub const SUSPEND_DEPTHS: [i64; 3] = [1, 10, 100];

/// The yields of suspend_depth at one depth (Rounds × Yields), what a peer
/// given that depth makes.
pub const SUSPEND_YIELDS: u64 = 100_000;

/// Calls made by the naive recursive `Fib(n)`: C(n) = 1 + C(n-1) + C(n-2),
/// C(0) = C(1) = 1, i.e. 2·F(n+1) − 1.
pub fn fib_calls(n: i64) -> u64 {
    let (mut a, mut b) = (1u64, 1u64); // C(0), C(1)
    for _ in 1..n.max(1) {
        (a, b) = (b, a + b + 1);
    }
    if n <= 0 { a } else { b }
}

/// F(n), what `Fib(n)` must return.
pub fn fib_value(n: i64) -> i64 {
    let (mut a, mut b) = (0i64, 1i64);
    for _ in 0..n {
        (a, b) = (b, a + b);
    }
    a
}

/// The whole-program, per-call and per-yield tables of `names` (any of
/// fib, fib_async, suspend_depth), with the peers' figures beside toy's.
pub fn run(dir: &Path, names: &[&str], modes: &[Backend], timing: Timing) -> Vec<Table> {
    let both = modes.contains(&Backend::Async1) && modes.contains(&Backend::Async2);
    let mut whole = Table::new(
        "programs: ms per run",
        "The whole program (Main, output discarded) on a fresh VM, compiled and prepared beforehand. Median run (fastest–slowest).",
    );
    let mut calls = Table::new(
        "programs: ns per call",
        "Program.Fib(n) called on a fresh VM; fib is synchronous, fib_async awaits itself and never suspends. \
         Median call (fastest–slowest); ns = call time / number of Fib calls. \
         ≈: the two backends' ranges overlap, the speed-up is within noise.",
    );
    let mut yields = Table::new(
        "suspend_depth: ns per yield",
        "Program.Chain(depth): a chain of `depth` async frames whose leaf awaits Task.Yield() 1000 times; \
         ns = call time / yields.",
    );
    for (table, first) in [(&mut whole, "program"), (&mut calls, "method"), (&mut yields, "depth")] {
        table.header.push(first.into());
        table.header.extend(modes.iter().map(|m| m.name().to_owned()));
        if both {
            table.header.push("async2 speedup".into());
        }
    }
    let peers = installed_peers(timing);
    let a2 = modes.iter().position(|&m| m == Backend::Async2);
    for table in [&mut calls, &mut yields] {
        table.header.extend(peers.iter().map(|(p, _)| p.label.to_owned()));
        if a2.is_some() {
            table.header.extend(peers.iter().map(|(p, _)| format!("{} ÷ async2", p.label)));
        }
        if !peers.is_empty() {
            table.note.push_str(&format!(
                " Peers (bench/peers/, each a process): ns = (median run − median start-up of an empty program) / the same count \
                 (the fib translations run Fib(n) {PEER_FIB_REPS} times per process); peer ÷ async2 above 1: async2 is faster."
            ));
        }
    }
    let mut fib_ns: Vec<Vec<Measured>> = Vec::new();

    for &name in names {
        eprintln!("{name}...");
        let programs = load(dir, name, modes);
        // Each backend's figure: `f` given its prepared program, or why it could not be made.
        let per_mode = |f: &dyn Fn(&vm::program::Program, Backend) -> Measured| -> Vec<Measured> {
            modes.iter().zip(&programs).map(|(&mode, p)| f(p.as_ref().map_err(Clone::clone)?, mode)).collect()
        };
        let runs = per_mode(&|p, mode| {
            eprintln!("{name}: {} whole runs...", mode.name());
            Ok(measure(timing, || run_whole(p, mode))?.map(|s| s * 1e3))
        });
        whole.rows.push(row(name, &runs, |ms| format!("{ms:.1}"), modes, true));

        if let Some(n) = fib_n(name) {
            let count = fib_calls(n);
            let ns = per_mode(&|p, mode| {
                eprintln!("{name}: {} Fib({n}) calls...", mode.name());
                let err = Captured::default();
                let mut vm = new_vm(p, mode, &err);
                let t = measure(timing, || match call(&mut vm, "Fib", &[Value::Int(n)])? {
                    Value::Int(r) if r == fib_value(n) => Ok(()),
                    other => Err(format!("Fib({n}) returned {other:?}")),
                })?;
                Ok(t.map(|s| s * 1e9 / count as f64))
            });
            let mut r = row(
                &format!("{name}: Fib({n}), {} calls", thousands(count as f64)),
                &ns,
                |v| format!("{v:.1}"),
                modes,
                true,
            );
            let reps = PEER_FIB_REPS.to_string();
            r.extend(peer_cells(&peers, name, &[&reps], (count * PEER_FIB_REPS) as f64, a2.map(|i| &ns[i]), timing));
            calls.rows.push(r);
            fib_ns.push(ns);
        }

        if name == "suspend_depth" {
            for depth in SUSPEND_DEPTHS {
                let ns = per_mode(&|p, mode| {
                    eprintln!("{name}: {} Chain({depth})...", mode.name());
                    let err = Captured::default();
                    let mut vm = new_vm(p, mode, &err);
                    // Chain returns Yields + depth - 1 (each frame above the leaf adds one).
                    let mut count = 0;
                    let t = measure(timing, || match call(&mut vm, "Chain", &[Value::Int(depth)])? {
                        Value::Int(r) if r >= depth => {
                            count = r - depth + 1;
                            Ok(())
                        }
                        other => Err(format!("Chain({depth}) returned {other:?}")),
                    })?;
                    Ok(t.map(|s| s * 1e9 / count.max(1) as f64))
                });
                let mut r = row(&depth.to_string(), &ns, |v| format!("{v:.1}"), modes, true);
                let arg = depth.to_string();
                r.extend(peer_cells(&peers, name, &[&arg], SUSPEND_YIELDS as f64, a2.map(|i| &ns[i]), timing));
                yields.rows.push(r);
            }
        }
    }

    // fib_async ÷ fib: what an async call and await cost over a plain call.
    if let [sync, asynch] = &fib_ns[..] {
        let ratios: Vec<Measured> = sync
            .iter()
            .zip(asynch)
            .map(|(s, a)| match (s, a) {
                (Ok(s), Ok(a)) => Ok(a.ratio(*s)),
                _ => Err("-".into()),
            })
            .collect();
        let mut r = row("fib_async ÷ fib (ns per call)", &ratios, |r| format!("{r:.2}"), modes, false);
        r.resize(calls.header.len(), "-".into());
        calls.rows.push(r);
    }

    let mut tables = vec![whole];
    if !calls.rows.is_empty() {
        tables.push(calls);
    }
    if !yields.rows.is_empty() {
        tables.push(yields);
    }
    tables
}

/// A table row: `label`, one cell per backend and, when both backends ran
/// and `speedup` is asked for, async1's value ÷ async2's (for times: above 1,
/// async2 is faster; `≈` when the two are within noise).
pub(crate) fn row(
    label: &str,
    values: &[Measured],
    fmt: impl Fn(f64) -> String,
    modes: &[Backend],
    speedup: bool,
) -> Vec<String> {
    let mut row = vec![label.to_owned()];
    row.extend(values.iter().map(|v| cell_text(v, &fmt)));
    let a1 = modes.iter().position(|&m| m == Backend::Async1);
    let a2 = modes.iter().position(|&m| m == Backend::Async2);
    if let (Some(a1), Some(a2)) = (a1, a2) {
        row.push(if speedup { ratio_cell(&values[a1], &values[a2], |r| format!("{r:.2}")) } else { "-".into() });
    }
    row
}

/// The peer cells of a row: each peer's ns per unit running
/// `bench/peers/NAME.EXT ARGS`, then (when async2 ran) each peer's time ÷
/// async2's: above 1, async2 is faster.
fn peer_cells(
    peers: &[(Peer, f64)],
    name: &str,
    args: &[&str],
    units: f64,
    async2: Option<&Measured>,
    timing: Timing,
) -> Vec<String> {
    let ns: Vec<Measured> = peers
        .iter()
        .map(|(p, startup)| Ok(p.net_secs(*startup, name, args, timing)?.map(|s| s * 1e9 / units)))
        .collect();
    let mut cells: Vec<String> = ns.iter().map(|v| cell_text(v, |v| format!("{v:.1}"))).collect();
    if let Some(a2) = async2 {
        cells.extend(ns.iter().map(|p| ratio_cell(p, a2, |r| format!("{r:.2}"))));
    }
    cells
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn fib_counts() {
        assert_eq!(fib_calls(25), 242_785);
        assert_eq!(fib_calls(30), 2_692_537);
        assert_eq!((fib_calls(0), fib_calls(1), fib_calls(2)), (1, 1, 3));
        assert_eq!(fib_value(30), 832_040);
    }

    /// A bench without a translation in bench/peers/ gets `-` cells (not
    /// failed ones), whether or not the peer is installed.
    #[test]
    fn peer_without_translation() {
        let quick = Timing { min_time: Duration::ZERO, min_reps: 1, max_reps: 1 };
        let one = Ok(crate::timing::Spread::exact(1.0));
        let cells = peer_cells(&[(crate::peers::LUA, 0.0)], "no_such_bench", &[], 1.0, Some(&one), quick);
        assert_eq!(cells, ["-", "-"]);
        assert!(peer_cells(&[], "suspend_depth", &["1"], 1.0, None, quick).is_empty());
    }
}
