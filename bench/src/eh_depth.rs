//! eh_depth, the EH microbenchmark of the runtime-async seed: for each
//! stack depth and variant of [`crate::seed`] (return or throw, with or
//! without a `Task.Yield()` at the bottom), `Program.Cell(depth, variant,
//! iterations)` of eh_depth.toy is timed on a fresh VM, and the cell's
//! figure is iterations per second. Reported as three tables (the raw
//! figures; async2 ÷ async1 beside the seed's Async2 ÷ Task; throw ÷ return
//! per backend beside the seed's) and two charts of the ratios.

use std::path::Path;

use vm::Backend;
use vm::program::Program;
use vm::value::Value;

use crate::charts::{COLORS, Chart, Series};
use crate::runner::{Captured, call, load, new_vm};
use crate::seed::{self, DEPTHS, VARIANTS};
use crate::tables::{Table, cell_text, thousands, with_spread};
use crate::timing::{Measured, Spread, Timing, measure};

/// eh_depth's measurements: iterations per second per backend, depth and
/// variant.
pub struct EhResults {
    modes: Vec<Backend>,
    iterations: i64,
    /// The timing the cells were measured with (the tables' notes say it).
    timing: Timing,
    /// `cells[mode][depth][variant]`, indexed as `modes`, [`DEPTHS`], [`VARIANTS`].
    cells: Vec<Vec<[Measured; 4]>>,
}

/// Times every cell of eh_depth in each backend.
pub fn run(dir: &Path, modes: &[Backend], iterations: i64, timing: Timing) -> EhResults {
    let programs = load(dir, "eh_depth", modes);
    let cells = modes
        .iter()
        .zip(&programs)
        .map(|(&mode, program)| {
            DEPTHS
                .iter()
                .map(|&depth| {
                    eprintln!("eh_depth: {} depth {depth}...", mode.name());
                    std::array::from_fn(|v| cell(program, mode, depth, v as i64, iterations, timing))
                })
                .collect()
        })
        .collect();
    EhResults { modes: modes.to_vec(), iterations, timing, cells }
}

/// One cell: iterations per second of `Program.Cell(depth, variant,
/// iterations)` (each iteration recurses through `depth` async frames and
/// returns or throws to a try/catch at the top), on a fresh VM.
pub fn cell(
    program: &Result<Program, String>,
    mode: Backend,
    depth: i64,
    variant: i64,
    iterations: i64,
    timing: Timing,
) -> Measured {
    let program = program.as_ref().map_err(Clone::clone)?;
    let err = Captured::default();
    let mut vm = new_vm(program, mode, &err);
    let args = [Value::Int(depth), Value::Int(variant), Value::Int(iterations)];
    let t = measure(timing, || call(&mut vm, "Cell", &args).map(drop))?;
    Ok(t.map(|s| iterations as f64 / s))
}

/// A ratio's cell: with its range, `≈` when within noise.
fn noted((r, within_noise): (Spread, bool), fmt: impl Fn(f64) -> String) -> String {
    let text = with_spread(r, fmt);
    if within_noise { format!("≈ {text}") } else { text }
}

/// The x values of both charts: the depths.
fn depth_ticks() -> Vec<f64> {
    DEPTHS.iter().map(|&d| d as f64).collect()
}

impl EhResults {
    pub fn any_failed(&self) -> bool {
        self.cells.iter().flatten().flatten().any(Result::is_err)
    }

    /// One line per backend, variant and distinct error: the depths that
    /// failed with it and the whole message (table cells cut it short).
    pub fn failures(&self) -> Vec<String> {
        let mut lines = Vec::new();
        for (m, mode) in self.modes.iter().enumerate() {
            for (v, variant) in VARIANTS.iter().enumerate() {
                let mut errors: Vec<(&str, Vec<String>)> = Vec::new();
                for (d, depth) in DEPTHS.iter().enumerate() {
                    if let Err(e) = &self.cells[m][d][v] {
                        match errors.iter_mut().find(|(x, _)| x == e) {
                            Some((_, depths)) => depths.push(depth.to_string()),
                            None => errors.push((e, vec![depth.to_string()])),
                        }
                    }
                }
                for (e, depths) in errors {
                    lines.push(format!("{} {variant} at depth {}: {e}", mode.name(), depths.join(", ")));
                }
            }
        }
        lines
    }

    fn mode_index(&self, mode: Backend) -> Option<usize> {
        self.modes.iter().position(|&m| m == mode)
    }

    /// async2's throughput ÷ async1's for one cell (>1: async2 is faster),
    /// and whether the two are within noise.
    fn ratio(&self, d: usize, v: usize) -> Option<(Spread, bool)> {
        let (a1, a2) = (self.mode_index(Backend::Async1)?, self.mode_index(Backend::Async2)?);
        let (t1, t2) = (self.cells[a1][d][v].as_ref().ok()?, self.cells[a2][d][v].as_ref().ok()?);
        Some((t2.ratio(*t1), t1.overlaps(*t2)))
    }

    /// Throw ÷ Return throughput in backend `m`, without (`suspend` false)
    /// or with a suspension.
    fn throw_vs_return(&self, m: usize, d: usize, suspend: bool) -> Option<(Spread, bool)> {
        let s = suspend as usize;
        let (ret, throw) = (self.cells[m][d][s].as_ref().ok()?, self.cells[m][d][2 + s].as_ref().ok()?);
        Some((throw.ratio(*ret), throw.overlaps(*ret)))
    }

    /// The three tables: raw throughput, async2/async1 beside the seed's
    /// Async2/Task (when both backends ran), and throw ÷ return beside the
    /// seed's.
    pub fn tables(&self) -> Vec<Table> {
        let mut tables = vec![self.raw_table()];
        if self.mode_index(Backend::Async1).is_some() && self.mode_index(Backend::Async2).is_some() {
            tables.push(self.relative_table());
        }
        tables.push(self.throw_vs_return_table());
        tables
    }

    fn raw_table(&self) -> Table {
        let mut raw = Table::new(
            "eh_depth: iterations per second",
            &format!(
                "Program.Cell(depth, variant, {}) in eh_depth.toy: each iteration recurses through `depth` async frames, \
                 awaits Task.Yield() at the bottom (Suspend) or not, then returns or throws to a try/catch at the top. \
                 Median call of at least {} after a warm-up, on a fresh VM per cell, then (fastest–slowest).",
                self.iterations, self.timing.min_reps
            ),
        );
        raw.header.push("depth".into());
        for v in VARIANTS {
            for m in &self.modes {
                raw.header.push(format!("{v} {}", m.name()));
            }
        }
        for (d, depth) in DEPTHS.iter().enumerate() {
            let mut row = vec![depth.to_string()];
            for v in 0..VARIANTS.len() {
                for m in 0..self.modes.len() {
                    row.push(cell_text(&self.cells[m][d][v], thousands));
                }
            }
            raw.rows.push(row);
        }
        raw
    }

    fn relative_table(&self) -> Table {
        let mut rel = Table::new(
            "eh_depth: async2 / async1 throughput",
            "Above 1, async2 is faster; ≈: the two backends' ranges overlap (within noise). \
             Seed: the runtime-async design's Async2 / Task, same benchmark in .NET.",
        );
        rel.header.push("depth".into());
        for v in VARIANTS {
            rel.header.push(format!("{v} toy"));
            rel.header.push(format!("{v} seed"));
        }
        for (d, depth) in DEPTHS.iter().enumerate() {
            let mut row = vec![depth.to_string()];
            for v in 0..VARIANTS.len() {
                row.push(self.ratio(d, v).map_or("-".into(), |r| noted(r, |r| format!("{r:.2}"))));
                row.push(format!("{:.2}", seed::async2_ratio(d, v)));
            }
            rel.rows.push(row);
        }
        rel
    }

    fn throw_vs_return_table(&self) -> Table {
        let mut tvr = Table::new(
            "eh_depth: throw / return throughput",
            "ThrowX / ReturnX iterations per second, per backend (1: throwing costs nothing more than returning). \
             Seed: Task and Async2 in .NET.",
        );
        tvr.header.push("depth".into());
        for m in &self.modes {
            tvr.header.push(format!("{} NoSuspend", m.name()));
            tvr.header.push(format!("{} Suspend", m.name()));
        }
        for (name, _) in seed::RUNTIMES {
            tvr.header.push(format!("seed {name} NoSuspend"));
            tvr.header.push(format!("seed {name} Suspend"));
        }
        for (d, depth) in DEPTHS.iter().enumerate() {
            let mut row = vec![depth.to_string()];
            for m in 0..self.modes.len() {
                for suspend in [false, true] {
                    row.push(
                        self.throw_vs_return(m, d, suspend).map_or("-".into(), |r| noted(r, |r| format!("{r:.4}"))),
                    );
                }
            }
            for (_, runtime) in seed::RUNTIMES {
                for suspend in [false, true] {
                    row.push(format!("{:.4}", seed::throw_vs_return(runtime, d, suspend)));
                }
            }
            tvr.rows.push(row);
        }
        tvr
    }

    /// Chart (a), `eh_relative.svg`: async2/async1 throughput per depth, one
    /// line per variant, the seed's Async2/Task dashed.
    pub fn relative_chart(&self) -> Chart {
        let mut series = Vec::new();
        for (v, name) in VARIANTS.iter().enumerate() {
            let points =
                (0..DEPTHS.len()).filter_map(|d| Some((DEPTHS[d] as f64, self.ratio(d, v)?.0.median))).collect();
            series.push(Series { label: format!("{name} (toy)"), color: COLORS[v], dashed: false, points });
        }
        for (v, name) in VARIANTS.iter().enumerate() {
            let points = (0..DEPTHS.len()).map(|d| (DEPTHS[d] as f64, seed::async2_ratio(d, v))).collect();
            series.push(Series { label: format!("{name} (seed)"), color: COLORS[v], dashed: true, points });
        }
        Chart {
            title: "eh_depth: async2 / async1 throughput (above 1: async2 faster)".into(),
            x_label: "stack depth (async frames)".into(),
            y_label: "async2 / async1 iterations per second".into(),
            x_ticks: depth_ticks(),
            reference: Some(1.0),
            series,
        }
    }

    /// Chart (b), `eh_throw_vs_return.svg`: Throw ÷ Return throughput per
    /// depth, one line per backend and suspension, the seed's Task (in
    /// async1's colours) and Async2 dashed.
    pub fn throw_vs_return_chart(&self) -> Chart {
        let mut series = Vec::new();
        let suspends = [(false, "NoSuspend"), (true, "Suspend")];
        for (m, mode) in self.modes.iter().enumerate() {
            for (s, (suspend, name)) in suspends.iter().enumerate() {
                let points = (0..DEPTHS.len())
                    .filter_map(|d| Some((DEPTHS[d] as f64, self.throw_vs_return(m, d, *suspend)?.0.median)))
                    .collect();
                let color = COLORS[(*mode == Backend::Async2) as usize * 2 + s];
                series.push(Series { label: format!("{} {name}", mode.name()), color, dashed: false, points });
            }
        }
        for (i, (runtime, values)) in seed::RUNTIMES.into_iter().enumerate() {
            for (s, (suspend, name)) in suspends.iter().enumerate() {
                let points =
                    (0..DEPTHS.len()).map(|d| (DEPTHS[d] as f64, seed::throw_vs_return(values, d, *suspend))).collect();
                series.push(Series {
                    label: format!("seed {runtime} {name}"),
                    color: COLORS[i * 2 + s],
                    dashed: true,
                    points,
                });
            }
        }
        Chart {
            title: "eh_depth: throw / return throughput (1: throwing is free)".into(),
            x_label: "stack depth (async frames)".into(),
            y_label: "Throw / Return iterations per second".into(),
            x_ticks: depth_ticks(),
            reference: Some(1.0),
            series,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    /// Fake results: `cells[mode][depth][variant]`, some failed.
    fn fake(modes: &[Backend]) -> EhResults {
        let cells = (0..modes.len())
            .map(|m| {
                (0..DEPTHS.len())
                    .map(|d| {
                        std::array::from_fn(|v| {
                            if d == 3 && v == 1 {
                                Err("boom <&>".into())
                            } else {
                                Ok(Spread::exact(1e6 / (d + 1) as f64 / (v + 1) as f64 * (m + 1) as f64))
                            }
                        })
                    })
                    .collect()
            })
            .collect();
        EhResults { modes: modes.to_vec(), iterations: 10, timing: crate::timing::TIMING, cells }
    }

    #[test]
    fn tables_show_values_ratios_and_failures() {
        let eh = fake(&[Backend::Async1, Backend::Async2]);
        let tables = eh.tables();
        assert_eq!(tables.len(), 3);
        let raw = tables[0].markdown();
        assert!(raw.contains("| depth | ReturnNoSuspend async1 |"), "{raw}");
        assert!(raw.contains(" 1,000,000 |") && raw.contains("failed: boom <&>"), "{raw}");
        assert_eq!(
            eh.failures(),
            ["async1 ReturnSuspend at depth 8: boom <&>", "async2 ReturnSuspend at depth 8: boom <&>"]
        );
        // async2 is twice as fast in the fake data; the seed's ratio at depth 64, ThrowSuspend.
        let rel = tables[1].markdown();
        assert!(rel.contains(" 2.00 |") && rel.contains(" 38.35 |"), "{rel}");
        assert!(tables[0].any_failed() && !tables[1].any_failed());
        // One backend: no ratio table.
        assert_eq!(fake(&[Backend::Async1]).tables().len(), 2);
    }

    #[test]
    fn charts_draw_every_series() {
        for modes in [&[Backend::Async1, Backend::Async2][..], &[Backend::Async2]] {
            let eh = fake(modes);
            for chart in [eh.relative_chart(), eh.throw_vs_return_chart()] {
                let svg = chart.svg().unwrap();
                crate::charts::tests::check_well_formed(&svg);
                for s in &chart.series {
                    assert!(svg.contains(&s.label), "{}", s.label);
                }
            }
        }
    }

    /// Real cells, one iteration each, in both backends: the plumbing works.
    #[test]
    fn one_cell_runs() {
        let modes = [Backend::Async1, Backend::Async2];
        let programs = load(&crate::bench_dir(), "eh_depth", &modes);
        let quick = Timing { min_time: Duration::ZERO, min_reps: 1, max_reps: 1 };
        // ReturnSuspend and ThrowNoSuspend: a suspension, and a throw caught.
        for (mode, program) in modes.iter().zip(&programs) {
            for variant in [1, 2] {
                let r = cell(program, *mode, 2, variant, 1, quick);
                assert!(matches!(r, Ok(v) if v.median > 0.0), "{} {}: {r:?}", mode.name(), VARIANTS[variant as usize]);
            }
        }
    }
}
