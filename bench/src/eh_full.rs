//! eh_full, the seed's EH microbenchmark in full ("Raw data from EH
//! microbenchmark"): its 16 columns per depth (Task, ValueTask, Async2,
//! Async2Capture × Return/Throw × NoSuspend/Suspend; toy's async1 runs the
//! Task and ValueTask columns, async2 the Async2 column, async2 with
//! `--capture-contexts` the Async2Capture one) and its second table (a
//! throw from depth 32 through 1-32 try/finally blocks: Task and Async2 ×
//! NoSuspend/Suspend), each toy figure beside the seed's, the ratios the
//! seed discusses, and three of its charts (raw throw performance per
//! depth, async2 relative to Async2Capture, throws by finally blocks; the
//! other two are eh_depth's).

use std::path::Path;

use plotters::style::RGBColor;
use vm::Backend;
use vm::value::Value;

use crate::charts::{COLORS, Chart, Series};
use crate::runner::{Captured, call, load_for, new_vm_with};
use crate::seed::{self, DEPTHS, FINALLYS, VARIANTS};
use crate::tables::{Table, cell_text, thousands};
use crate::timing::{Measured, Timing, measure};

/// A column group of the seed's table, and how toy runs it.
#[derive(Clone, Copy)]
pub struct Runtime {
    pub label: &'static str,
    pub mode: Backend,
    pub value_task: bool,
    pub capture: bool,
    /// The seed's figures, `[depth][variant]` as [`DEPTHS`] × [`VARIANTS`].
    pub seed: &'static [[f64; 4]; 7],
}

/// The seed's four runtimes.
pub const RUNTIMES: [Runtime; 4] = [
    Runtime { label: "Task", mode: Backend::Async1, value_task: false, capture: false, seed: &seed::TASK },
    Runtime { label: "ValueTask", mode: Backend::Async1, value_task: true, capture: false, seed: &seed::VALUE_TASK },
    Runtime { label: "Async2", mode: Backend::Async2, value_task: false, capture: false, seed: &seed::ASYNC2 },
    Runtime {
        label: "Async2Capture",
        mode: Backend::Async2,
        value_task: false,
        capture: true,
        seed: &seed::ASYNC2_CAPTURE,
    },
];

/// The seed's column order of its raw table: (runtime, variant) indices.
const SEED_COLUMNS: [(usize, usize); 16] = [
    (0, 0),
    (1, 0),
    (2, 0),
    (0, 2),
    (1, 2),
    (2, 2),
    (0, 1),
    (1, 1),
    (2, 1),
    (0, 3),
    (1, 3),
    (2, 3),
    (3, 0),
    (3, 2),
    (3, 1),
    (3, 3),
];

/// The second table's columns: (runtime index, suspend), as the seed orders them.
const FINALLY_COLUMNS: [(usize, bool); 4] = [(0, false), (2, false), (0, true), (2, true)];

/// eh_full's measurements.
pub struct EhFull {
    /// Which of [`RUNTIMES`] ran (their backend was asked for).
    ran: [bool; 4],
    iterations: i64,
    /// `cells[runtime][depth][variant]`: iterations per second.
    cells: Vec<Vec<[Measured; 4]>>,
    /// `finally[finallys][column]` as [`FINALLYS`] × [`FINALLY_COLUMNS`]: throws per second.
    finally: Vec<[Measured; 4]>,
}

fn options(r: &Runtime) -> vm::Options {
    vm::Options { mode: r.mode, capture_contexts: r.capture, ..Default::default() }
}

/// Times every cell of both tables, for the runtimes whose backend is in `modes`.
pub fn run(dir: &Path, modes: &[Backend], iterations: i64, timing: Timing) -> EhFull {
    let ran = RUNTIMES.map(|r| modes.contains(&r.mode));
    let programs = load_for(dir, "eh_full", &RUNTIMES.map(|r| options(&r)));
    let cell = |r: usize, method: &str, args: [i64; 4]| -> Measured {
        let program = programs[r].as_ref().map_err(Clone::clone)?;
        let err = Captured::default();
        let mut vm = new_vm_with(program, options(&RUNTIMES[r]), &err);
        let args = args.map(Value::Int);
        let n = if method == "Cell" { 4 } else { 3 };
        let t = measure(timing, || call(&mut vm, method, &args[..n]).map(drop))?;
        Ok(t.map(|s| iterations as f64 / s))
    };
    let mut cells = Vec::new();
    for (r, runtime) in RUNTIMES.iter().enumerate() {
        cells.push(
            DEPTHS
                .iter()
                .map(|&depth| {
                    std::array::from_fn(|v| {
                        if !ran[r] {
                            return Err("-".into());
                        }
                        eprintln!("eh_full: {} depth {depth} {}...", runtime.label, VARIANTS[v]);
                        cell(r, "Cell", [depth, v as i64, iterations, runtime.value_task as i64])
                    })
                })
                .collect(),
        );
    }
    let finally = FINALLYS
        .iter()
        .map(|&f| {
            std::array::from_fn(|c| {
                let (r, suspend) = FINALLY_COLUMNS[c];
                if !ran[r] {
                    return Err("-".into());
                }
                eprintln!("eh_full: {} {f} finally blocks, {}...", RUNTIMES[r].label, suspend_name(suspend));
                cell(r, "FinallyCell", [f, suspend as i64, iterations, 0])
            })
        })
        .collect();
    EhFull { ran, iterations, cells, finally }
}

fn suspend_name(suspend: bool) -> &'static str {
    if suspend { "Suspend" } else { "NoSuspend" }
}

/// `Return NoSuspend` for variant index `v` (as [`VARIANTS`]).
fn variant_label(v: usize) -> String {
    let name = VARIANTS[v];
    let at = name.find("NoSuspend").or_else(|| name.find("Suspend")).unwrap_or(name.len());
    format!("{} {}", &name[..at], &name[at..])
}

/// `toy (seed)`.
fn beside(m: &Measured, seed: f64) -> String {
    match m {
        Err(e) if e == "-" => format!("- ({})", thousands(seed)),
        m => format!("{} ({})", cell_text(m, thousands), thousands(seed)),
    }
}

/// `a ÷ b` of two measurements, median only.
fn ratio(a: &Measured, b: &Measured) -> Option<f64> {
    Some(a.as_ref().ok()?.median / b.as_ref().ok()?.median)
}

impl EhFull {
    pub fn any_failed(&self) -> bool {
        let failed = |m: &Measured| matches!(m, Err(e) if e != "-");
        self.cells.iter().flatten().flatten().any(failed) || self.finally.iter().flatten().any(failed)
    }

    /// The raw table, the ratios beside the seed's, and the finally table.
    pub fn tables(&self) -> Vec<Table> {
        let mut raw = Table::new(
            "eh_full: iterations per second, toy (seed)",
            &format!(
                "The seed's raw EH table, each toy figure (median call of Program.Cell(depth, variant, {}, valueTask) \
                 of eh_full.toy on a fresh VM, fastest–slowest) with the seed's .NET figure in brackets. Task and \
                 ValueTask: toy's async1; Async2: async2; Async2Capture: async2 with --capture-contexts.",
                self.iterations
            ),
        );
        raw.header.push("depth".into());
        for (r, v) in SEED_COLUMNS {
            raw.header.push(format!("{} {}", RUNTIMES[r].label, variant_label(v)));
        }
        for (d, depth) in DEPTHS.iter().enumerate() {
            let mut row = vec![depth.to_string()];
            for (r, v) in SEED_COLUMNS {
                row.push(beside(&self.cells[r][d][v], RUNTIMES[r].seed[d][v]));
            }
            raw.rows.push(row);
        }

        let mut rel = Table::new(
            "eh_full: ratios, toy / seed",
            "ValueTask ÷ Task (the seed: nearly identical), Async2Capture ÷ Async2 (the cost of capturing and \
             restoring the contexts; issue 17's target: within 30% on NoSuspend cells, the seed 20-30%) and \
             Async2 ÷ Task, in iterations per second, toy's then the seed's.",
        );
        rel.header.push("depth".into());
        let pairs = [("ValueTask ÷ Task", 1, 0), ("Async2Capture ÷ Async2", 3, 2), ("Async2 ÷ Task", 2, 0)];
        for (name, _, _) in pairs {
            for v in VARIANTS {
                rel.header.push(format!("{name} {v}"));
            }
        }
        for (d, depth) in DEPTHS.iter().enumerate() {
            let mut row = vec![depth.to_string()];
            for (_, a, b) in pairs {
                for v in 0..VARIANTS.len() {
                    let toy =
                        ratio(&self.cells[a][d][v], &self.cells[b][d][v]).map_or("-".into(), |r| format!("{r:.2}"));
                    row.push(format!("{toy} / {:.2}", RUNTIMES[a].seed[d][v] / RUNTIMES[b].seed[d][v]));
                }
            }
            rel.rows.push(row);
        }

        let mut fin = Table::new(
            "eh_full: throws per second by finally blocks on the stack, toy (seed)",
            &format!(
                "Program.FinallyCell(finallys, suspend, {}): a throw from depth 32 whose top `finallys` frames hold a \
                 try/finally, after a suspension at the bottom (Suspend) or not; the seed's figure in brackets.",
                self.iterations
            ),
        );
        fin.header.push("finally blocks".into());
        for (r, suspend) in FINALLY_COLUMNS {
            fin.header.push(format!("{} Throw {}", RUNTIMES[r].label, suspend_name(suspend)));
        }
        for (f, finallys) in FINALLYS.iter().enumerate() {
            let mut row = vec![finallys.to_string()];
            for c in 0..FINALLY_COLUMNS.len() {
                row.push(beside(&self.finally[f][c], seed::FINALLY[f][c]));
            }
            fin.rows.push(row);
        }
        vec![raw, rel, fin]
    }

    /// The three charts, each with its file name.
    pub fn charts(&self) -> Vec<(&'static str, Chart)> {
        let depths: Vec<f64> = DEPTHS.iter().map(|&d| d as f64).collect();
        let colors: [RGBColor; 6] =
            [COLORS[0], COLORS[1], COLORS[2], COLORS[3], RGBColor(0x94, 0x67, 0xbd), RGBColor(0x8c, 0x56, 0x4b)];

        // Raw throw performance per depth: Task, ValueTask, Async2 × Throw NoSuspend / Suspend.
        let mut throw = Vec::new();
        for dashed in [false, true] {
            for (i, (r, v)) in [(0, 2), (1, 2), (2, 2), (0, 3), (1, 3), (2, 3)].into_iter().enumerate() {
                let points: Vec<(f64, f64)> = (0..DEPTHS.len())
                    .filter_map(|d| {
                        let y = if dashed {
                            Some(RUNTIMES[r].seed[d][v])
                        } else {
                            self.cells[r][d][v].as_ref().ok().map(|s| s.median)
                        };
                        Some((depths[d], y?))
                    })
                    .collect();
                let who = if dashed { "seed" } else { "toy" };
                throw.push(Series {
                    label: format!("{} {} ({who})", RUNTIMES[r].label, VARIANTS[v]),
                    color: colors[i],
                    dashed,
                    points,
                });
            }
        }
        // Async2 ÷ Async2Capture per depth and variant.
        let mut capture = Vec::new();
        for dashed in [false, true] {
            for v in 0..VARIANTS.len() {
                let points = (0..DEPTHS.len())
                    .filter_map(|d| {
                        let y = if dashed {
                            Some(seed::ASYNC2[d][v] / seed::ASYNC2_CAPTURE[d][v])
                        } else {
                            ratio(&self.cells[2][d][v], &self.cells[3][d][v])
                        };
                        Some((depths[d], y?))
                    })
                    .collect();
                let who = if dashed { "seed" } else { "toy" };
                capture.push(Series { label: format!("{} ({who})", VARIANTS[v]), color: colors[v], dashed, points });
            }
        }
        // Throws per second by finally blocks.
        let mut finally = Vec::new();
        for dashed in [false, true] {
            for (c, (r, suspend)) in FINALLY_COLUMNS.into_iter().enumerate() {
                let points = (0..FINALLYS.len())
                    .filter_map(|f| {
                        let y = if dashed {
                            Some(seed::FINALLY[f][c])
                        } else {
                            self.finally[f][c].as_ref().ok().map(|s| s.median)
                        };
                        Some((FINALLYS[f] as f64, y?))
                    })
                    .collect();
                let who = if dashed { "seed" } else { "toy" };
                finally.push(Series {
                    label: format!("{} {} ({who})", RUNTIMES[r].label, suspend_name(suspend)),
                    color: colors[c],
                    dashed,
                    points,
                });
            }
        }
        vec![
            (
                "eh_throw_perf.svg",
                Chart {
                    title: "eh_full: throws per second by stack depth".into(),
                    x_label: "stack depth (async frames)".into(),
                    y_label: "throws per second".into(),
                    x_ticks: depths.clone(),
                    reference: None,
                    series: throw,
                },
            ),
            (
                "eh_async2_vs_capture.svg",
                Chart {
                    title: "eh_full: Async2 / Async2Capture throughput".into(),
                    x_label: "stack depth (async frames)".into(),
                    y_label: "Async2 / Async2Capture".into(),
                    x_ticks: depths,
                    reference: Some(1.0),
                    series: capture,
                },
            ),
            (
                "eh_finally.svg",
                Chart {
                    title: "eh_full: throws per second by finally blocks (depth 32)".into(),
                    x_label: "finally blocks on the stack".into(),
                    y_label: "throws per second".into(),
                    x_ticks: FINALLYS.iter().map(|&f| f as f64).collect(),
                    reference: None,
                    series: finally,
                },
            ),
        ]
    }

    /// Whether the runtime `label` ran.
    pub fn ran(&self, label: &str) -> bool {
        RUNTIMES.iter().zip(self.ran).any(|(r, ran)| r.label == label && ran)
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    /// Every cell of both tables runs in both backends (one short call
    /// each), and the charts draw.
    #[test]
    fn every_cell_runs() {
        let once = Timing { min_time: Duration::ZERO, min_reps: 1, max_reps: 1 };
        let eh = run(&crate::bench_dir(), &[Backend::Async1, Backend::Async2], 2, once);
        let tables = eh.tables();
        for t in &tables {
            assert!(!t.any_failed(), "{}", t.markdown());
        }
        assert!(!eh.any_failed());
        assert!(eh.ran("Async2Capture"));
        for (_, chart) in eh.charts() {
            chart.svg().unwrap();
        }
    }
}
