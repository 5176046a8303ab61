//! Tiers side by side (issue 13): each bench program's hot call timed with
//! the defaults (tier0, then tier1 after 30 calls, OSR after 1,000 loop
//! iterations) and with `--tier0-only`, on a fresh VM per cell and
//! backend, in the same run; the ratio of each and their geometric mean.

use std::path::Path;

use vm::Backend;
use vm::value::Value;

use crate::runner::{Captured, call, load_for, new_vm_with};
use crate::tables::{Table, cell_text};
use crate::timing::{Measured, Timing, measure};

/// One cell: the program, the static method of `Program` timed, its
/// arguments, and a label.
struct TierCell {
    program: &'static str,
    method: &'static str,
    args: &'static [i64],
    label: &'static str,
}

/// A cell at a size the (debug-built) tests can afford.
#[cfg(test)]
fn small(cell: &TierCell) -> Vec<i64> {
    let mut args = cell.args.to_vec();
    args[0] = match cell.program {
        "fib" | "fib_async" => 10,
        "nbody" | "fasta" => 100,
        "spectral_norm" => 10,
        "fannkuch_redux" => 5,
        "binary_trees" => 4,
        _ => args[0].min(10),
    };
    if cell.program == "eh_depth" {
        args[2] = 10;
    }
    args
}

/// eh_depth's variants.
const THROW_NO_SUSPEND: i64 = 2;

const CELLS: [TierCell; 9] = [
    TierCell { program: "fib", method: "Fib", args: &[27], label: "fib: Fib(27)" },
    TierCell { program: "fib_async", method: "Fib", args: &[22], label: "fib_async: Fib(22)" },
    TierCell { program: "suspend_depth", method: "Chain", args: &[10], label: "suspend_depth: Chain(10)" },
    TierCell {
        program: "eh_depth",
        method: "Cell",
        args: &[8, THROW_NO_SUSPEND, 1000],
        label: "eh_depth: depth 8, throw, no suspension",
    },
    TierCell { program: "nbody", method: "Run", args: &[100_000, 0], label: "nbody (100,000)" },
    TierCell { program: "spectral_norm", method: "Run", args: &[200, 0], label: "spectral_norm (200)" },
    TierCell { program: "fannkuch_redux", method: "Run", args: &[8, 0], label: "fannkuch_redux (8)" },
    TierCell { program: "fasta", method: "Run", args: &[100_000, 0], label: "fasta (100,000)" },
    TierCell { program: "binary_trees", method: "Run", args: &[14, 0], label: "binary_trees (14)" },
];

/// The table: per backend, ms per call with `--tier0-only` and with the
/// defaults, and tier0 ÷ default (above 1: tiering pays); the last row is
/// the geometric mean of the ratios.
pub fn run(dir: &Path, modes: &[Backend], timing: Timing) -> Table {
    run_sized(dir, modes, timing, |c| c.args.to_vec())
}

fn run_sized(dir: &Path, modes: &[Backend], timing: Timing, size: fn(&TierCell) -> Vec<i64>) -> Table {
    let mut table = Table::new(
        "tiers: the defaults against --tier0-only",
        "Each bench program's hot call (`Program.METHOD(args)`; game programs' Run without printing) on a fresh VM \
         per cell: a warm-up call, then the median of the timed calls (fastest–slowest), in ms. default: methods \
         move to tier1 after 30 calls and loops into OSR code after 1,000 iterations; --tier0-only: the bytecode \
         as emitted, with counters off. tier0 ÷ default above 1: the tiers pay. Target (issue 13): a geometric \
         mean of at least 1.3.",
    );
    table.header.push("cell".into());
    for m in modes {
        table.header.extend([
            format!("{} --tier0-only", m.name()),
            format!("{} default", m.name()),
            format!("{} tier0 ÷ default", m.name()),
        ]);
    }
    let mut logs: Vec<(f64, usize)> = vec![(0.0, 0); modes.len()];
    for cell in &CELLS {
        let mut row = vec![cell.label.to_owned()];
        for (i, &mode) in modes.iter().enumerate() {
            let args = size(cell);
            let times: Vec<Measured> =
                [true, false].iter().map(|&tier0_only| time(dir, cell, &args, mode, tier0_only, timing)).collect();
            row.push(cell_text(&times[0], |v| format!("{v:.2}")));
            row.push(cell_text(&times[1], |v| format!("{v:.2}")));
            match (&times[0], &times[1]) {
                (Ok(t0), Ok(t1)) => {
                    let r = t0.median / t1.median;
                    logs[i].0 += r.ln();
                    logs[i].1 += 1;
                    row.push(format!("{r:.2}"));
                }
                _ => row.push("-".into()),
            }
        }
        table.rows.push(row);
    }
    let mut row = vec!["geometric mean".to_owned()];
    for (sum, n) in logs {
        row.extend(["".into(), "".into(), if n == 0 { "-".into() } else { format!("{:.2}", (sum / n as f64).exp()) }]);
    }
    table.rows.push(row);
    table
}

/// One cell on one backend, tiered or not: ms per call.
fn time(dir: &Path, cell: &TierCell, args: &[i64], mode: Backend, tier0_only: bool, timing: Timing) -> Measured {
    eprintln!("tiers: {} {}{}...", cell.label, mode.name(), if tier0_only { " --tier0-only" } else { "" });
    let mut f = runner(dir, cell, args, mode, tier0_only)?;
    let t = measure(timing, &mut f)?;
    Ok(t.map(|s| s * 1e3))
}

/// A fresh VM for `cell` on one backend, tiered or not, and a call of its
/// hot method: what [`time`] and the criterion bench time.
fn runner(
    dir: &Path,
    cell: &TierCell,
    args: &[i64],
    mode: Backend,
    tier0_only: bool,
) -> Result<impl FnMut() -> Result<(), String>, String> {
    let options = vm::Options { mode, tier0_only, ..Default::default() };
    let program = load_for(dir, cell.program, std::slice::from_ref(&options)).remove(0)?;
    let err = Captured::default();
    let mut vm = new_vm_with(&program, options, &err);
    let args: Vec<Value> = args
        .iter()
        .enumerate()
        .map(|(i, &a)| if cell.method == "Run" && i == 1 { Value::Bool(a != 0) } else { Value::Int(a) })
        .collect();
    let method = cell.method;
    Ok(move || call(&mut vm, method, &args).map(|_| ()))
}

/// The cells' labels, for the criterion bench (`benches/tiers.rs`).
pub fn labels() -> impl Iterator<Item = &'static str> {
    CELLS.iter().map(|c| c.label)
}

/// The runner of cell `index` of [`labels`] at its `toy bench` size: a
/// fresh VM and a call of the cell's hot method.
pub fn cell_runner(
    dir: &Path,
    index: usize,
    mode: Backend,
    tier0_only: bool,
) -> Result<impl FnMut() -> Result<(), String>, String> {
    let cell = CELLS.get(index).ok_or("no such cell")?;
    runner(dir, cell, cell.args, mode, tier0_only)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    /// Every cell runs in both backends, tiered and not.
    #[test]
    fn every_cell_runs() {
        let once = Timing { min_time: Duration::ZERO, min_reps: 1, max_reps: 1 };
        let t = run_sized(&crate::bench_dir(), &[Backend::Async1, Backend::Async2], once, small);
        assert!(!t.any_failed(), "{}", t.markdown());
        assert_eq!(t.rows.len(), CELLS.len() + 1);
    }
}
