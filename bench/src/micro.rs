//! Microbenchmarks 1-5 of the runtime-async seed, each a program of
//! programs/bench/ with `Program.Cell(a, b)`, an async method the runner
//! drives to completion: each cell is timed in-process on a fresh VM per
//! backend (warm-up, then the median call, fastest–slowest), its result
//! checked, and reported per unit of work (a call, a frame, a tooth, an
//! operation), both backends side by side with async1 ÷ async2 (above 1:
//! async2 is faster).

use std::path::Path;

use vm::Backend;
use vm::value::Value;

use crate::peers::installed_peers;
use crate::programs::{fib_calls, fib_value, row};
use crate::runner::{Captured, call, load, new_vm};
use crate::tables::{Table, cell_text, ratio_cell};
use crate::timing::{Measured, Timing, measure};

/// One cell: a row label, `Cell(a, b)`'s arguments, the units of work it
/// does, and what it must return.
pub struct MicroCell {
    pub label: String,
    pub args: [i64; 2],
    pub units: f64,
    pub expected: i64,
}

/// A microbenchmark: its program, its table and its cells.
pub struct Micro {
    pub name: &'static str,
    pub title: &'static str,
    pub note: &'static str,
    pub cells: fn() -> Vec<MicroCell>,
    /// When bench/peers/ has a translation (`NAME.lua` taking the cell's two
    /// arguments): how many times the cell's second argument its process
    /// runs, so that the work outweighs the start-up subtracted from it.
    pub peer_reps: i64,
}

/// The microbenchmarks, in the seed's order.
pub const MICROS: [Micro; 5] = [
    Micro {
        name: "micro_fib_yield",
        title: "micro 1: async fib with yielding, ns per call",
        note: "Program.Cell(20, every): recursive async Fib(20) awaiting itself, one call in `every` awaiting \
               Task.Yield() first (the event loop resumes it); ns = call time / calls of Fib.",
        cells: || {
            let n = 20;
            [1, 10, 100, 1000, 0]
                .iter()
                .map(|&every| MicroCell {
                    label: if every == 0 { "never yields".into() } else { format!("yields every {every} calls") },
                    args: [n, every],
                    units: fib_calls(n) as f64,
                    expected: fib_value(n),
                })
                .collect()
        },
        peer_reps: 0,
    },
    Micro {
        name: "micro_whole_chain",
        title: "micro 2: whole-chain suspension, ns per suspended frame",
        note: "Program.Cell(depth, iterations): each iteration calls a fresh chain of `depth` async frames whose leaf \
               awaits Task.Yield() once, so every frame suspends and resumes; ns = call time / (depth × \
               iterations). At depth 1 this is the cost of one yield (issue 17: lua5.4 resuming a coroutine from \
               a FIFO ready queue ~190 ns per yield here, with no queue ~105 ns). suspend_depth (micro group) \
               re-suspends only the leaf instead. lua5.4 (bench/peers/micro_whole_chain.lua, a process running \
               20 times the iterations, net of its start-up): a fresh coroutine per iteration whose chain of \
               `depth` Lua calls yields once to a FIFO ready queue.",
        cells: || {
            [1, 2, 4, 8, 16, 32, 64]
                .iter()
                .map(|&depth| {
                    let iterations = (20_000 / depth).max(100);
                    MicroCell {
                        label: format!("depth {depth}"),
                        args: [depth, iterations],
                        units: (depth * iterations) as f64,
                        expected: depth * iterations,
                    }
                })
                .collect()
        },
        peer_reps: 20,
    },
    Micro {
        name: "micro_sawtooth",
        title: "micro 3: sawtooth suspension, ns per tooth",
        note: "Program.Cell(variant, 500): from a frame at depth 10, a first descent to depth 20 and 500 teeth, each \
               a descent to depth 30 and back. Sawtooth: each descent suspends at its bottom (depth 20, then 30) \
               and again at depth 10; fixed depth: the same calls and as many suspensions, all at depth 10. \
               ns = call time / teeth.",
        cells: || {
            let teeth = 500;
            [("sawtooth (suspends at 30 and 10)", 0), ("fixed depth (suspends at 10)", 1)]
                .iter()
                .map(|&(label, variant)| MicroCell {
                    label: label.into(),
                    args: [variant, teeth],
                    units: teeth as f64,
                    expected: 9 + 10 + teeth * 20,
                })
                .collect()
        },
        peer_reps: 0,
    },
    Micro {
        name: "micro_thunks",
        title: "micro 4: calls of an async2 method that does nothing, ns per call",
        note: "Program.Cell(variant, 100000): an [Async2] method returning at once, called through its \
               Task-returning thunk (the task stored, then awaited), by a direct await (from an async2 caller an \
               ordinary call; from async1's caller the thunk again), and a plain synchronous method for scale.",
        cells: || {
            let count = 100_000;
            [("Task-returning thunk", 0), ("direct await", 1), ("plain call", 2)]
                .iter()
                .map(|&(label, variant)| MicroCell {
                    label: label.into(),
                    args: [variant, count],
                    units: count as f64,
                    expected: count * (count - 1) / 2,
                })
                .collect()
        },
        peer_reps: 0,
    },
    Micro {
        name: "micro_lifetime",
        title: "micro 5: long-lived vs short-lived suspended state, ns per operation",
        note: "Program.Cell(live, 20000): each operation completes a gate and starts a chain of 10 async frames \
               suspended on a gate. Short-lived: the chain is completed by the same operation; long-lived: `live` \
               chains stay suspended, each completed `live` operations after it started (surviving the collections \
               in between). ns = call time / (operations + live).",
        cells: || {
            let ops = 20_000;
            [0, 1_000, 10_000]
                .iter()
                .map(|&live| MicroCell {
                    label: if live == 0 { "short-lived".into() } else { format!("long-lived, {live} suspended") },
                    args: [live, ops],
                    units: (ops + live) as f64,
                    expected: (ops + live) * 56,
                })
                .collect()
        },
        peer_reps: 0,
    },
];

/// The microbenchmark called `name`.
pub fn micro(name: &str) -> Option<&'static Micro> {
    MICROS.iter().find(|m| m.name == name)
}

/// One table per microbenchmark of `names`.
pub fn run(dir: &Path, names: &[&str], modes: &[Backend], timing: Timing) -> Vec<Table> {
    let both = modes.contains(&Backend::Async1) && modes.contains(&Backend::Async2);
    let mut tables = Vec::new();
    for m in names.iter().filter_map(|n| micro(n)) {
        let mut table = Table::new(
            m.title,
            &format!(
                "{} (programs/bench/{}.toy) Median call after a warm-up, on a fresh VM per cell (fastest–slowest).",
                m.note, m.name
            ),
        );
        table.header.push("cell".into());
        table.header.extend(modes.iter().map(|b| b.name().to_owned()));
        if both {
            table.header.push("async2 speedup".into());
        }
        let peers: Vec<_> = if m.peer_reps > 0 {
            installed_peers(timing).into_iter().filter(|(p, _)| p.script(m.name, &[]).is_some()).collect()
        } else {
            Vec::new()
        };
        let a2 = modes.iter().position(|&b| b == Backend::Async2);
        for (p, _) in &peers {
            table.header.push(p.label.to_owned());
            if a2.is_some() {
                table.header.push(format!("{} ÷ async2", p.label));
            }
        }
        let programs = load(dir, m.name, modes);
        for cell in (m.cells)() {
            let values: Vec<Measured> = modes
                .iter()
                .zip(&programs)
                .map(|(&mode, p)| {
                    eprintln!("{}: {} {}...", m.name, mode.name(), cell.label);
                    let p = p.as_ref().map_err(Clone::clone)?;
                    let err = Captured::default();
                    let mut vm = new_vm(p, mode, &err);
                    let args = [Value::Int(cell.args[0]), Value::Int(cell.args[1])];
                    let t = measure(timing, || match call(&mut vm, "Cell", &args)? {
                        Value::Int(r) if r == cell.expected => Ok(()),
                        other => Err(format!("Cell returned {other:?}, not {}", cell.expected)),
                    })?;
                    Ok(t.map(|s| s * 1e9 / cell.units))
                })
                .collect();
            let mut r = row(&cell.label, &values, |v| format!("{v:.1}"), modes, true);
            for (peer, startup) in &peers {
                eprintln!("{}: {} {}...", m.name, peer.label, cell.label);
                let args = [cell.args[0].to_string(), (cell.args[1] * m.peer_reps).to_string()];
                let args: Vec<&str> = args.iter().map(String::as_str).collect();
                let units = cell.units * m.peer_reps as f64;
                let ns: Measured = peer.net_secs(*startup, m.name, &args, timing).map(|t| t.map(|s| s * 1e9 / units));
                r.push(cell_text(&ns, |v| format!("{v:.1}")));
                if let Some(a2) = a2 {
                    r.push(ratio_cell(&ns, &values[a2], |v| format!("{v:.2}")));
                }
            }
            table.rows.push(r);
        }
        tables.push(table);
    }
    tables
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    /// Every cell of every microbenchmark returns what it must, in both
    /// backends (at the bench's own sizes, timed once).
    #[test]
    fn every_cell_checks() {
        let once = Timing { min_time: Duration::ZERO, min_reps: 1, max_reps: 1 };
        let names: Vec<&str> = MICROS.iter().map(|m| m.name).collect();
        let tables = run(&crate::bench_dir(), &names, &[Backend::Async1, Backend::Async2], once);
        assert_eq!(tables.len(), MICROS.len());
        for t in &tables {
            assert!(!t.any_failed(), "{}", t.markdown());
        }
    }
}
