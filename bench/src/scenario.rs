//! The seed's scenario benchmarks as toy programs, each with an async
//! `Program.Serve(n)` the runner drives to completion under
//! `--virtual-time` (a `Task.Delay` completes when the event loop has
//! nothing else to do, without sleeping): requests (or documents) per
//! second and heap allocations per request, both backends side by side, the
//! two backends' checksums compared.

use std::path::Path;

use vm::Backend;
use vm::value::Value;

use crate::runner::{Captured, call, load, new_vm_with};
use crate::tables::{Table, cell_text, ratio_cell};
use crate::timing::{Measured, Timing, measure};

/// A scenario: its program, the `n` of `Serve(n)` and what one unit is.
pub struct Scenario {
    pub name: &'static str,
    pub title: &'static str,
    pub note: &'static str,
    pub n: i64,
    pub unit: &'static str,
}

/// The scenarios.
pub const SCENARIOS: [Scenario; 2] = [
    Scenario {
        name: "scenario_json",
        title: "scenario 1: JSON to and from an asynchronous stream",
        note: "scenario_json: Program.Serve(2000): 2,000 orders (1-5 items each) written as JSON by an async \
               serializer to a stream written in toy whose writes and reads complete asynchronously (Task.Yield) \
               every 512 characters, then parsed back into a generic tree by an async parser reading 64 \
               characters at a time, its checksum checked; units: orders, there and back.",
        n: 2_000,
        unit: "orders",
    },
    Scenario {
        name: "scenario_pipeline",
        title: "scenario 2: a request pipeline of async middleware",
        note: "scenario_pipeline: Program.Serve(20000): 8 workers take requests from a queue through error handling, logging, \
           authentication and routing to a handler awaiting a simulated database (a cache miss in four awaits \
           Task.Delay(1), under --virtual-time); one request in 16 throws (a 500), one in 10 is refused (401).",
        n: 20_000,
        unit: "requests",
    },
];

/// The scenario called `name`.
pub fn scenario(name: &str) -> Option<&'static Scenario> {
    SCENARIOS.iter().find(|s| s.name == name)
}

/// One table of every scenario of `names`: rate and allocations per unit.
pub fn run(dir: &Path, names: &[&str], modes: &[Backend], timing: Timing) -> Table {
    let mut table = Table::new(
        "scenarios: units per second and allocations per unit",
        &format!(
            "{} Median call after a warm-up on one VM per backend (fastest–slowest); allocations: heap objects \
             allocated by one call ÷ units. speedup: async2's rate ÷ async1's (above 1: async2 is faster).",
            names.iter().filter_map(|n| scenario(n)).map(|s| s.note).collect::<Vec<_>>().join(" ")
        ),
    );
    table.header.push("scenario".into());
    table.header.extend(modes.iter().map(|m| format!("{} per s", m.name())));
    let a1 = modes.iter().position(|&m| m == Backend::Async1);
    let a2 = modes.iter().position(|&m| m == Backend::Async2);
    if a1.is_some() && a2.is_some() {
        table.header.push("async2 speedup".into());
    }
    table.header.extend(modes.iter().map(|m| format!("{} allocations per unit", m.name())));
    for s in names.iter().filter_map(|n| scenario(n)) {
        let programs = load(dir, s.name, modes);
        let mut checksums = Vec::new();
        let results: Vec<(Measured, Result<f64, String>)> = modes
            .iter()
            .zip(&programs)
            .map(|(&mode, p)| {
                eprintln!("{}: {} Serve({})...", s.name, mode.name(), s.n);
                let p = match p {
                    Ok(p) => p,
                    Err(e) => return (Err(e.clone()), Err(e.clone())),
                };
                let err = Captured::default();
                let mut vm = new_vm_with(p, vm::Options { mode, virtual_time: true, ..Default::default() }, &err);
                let mut checksum = None;
                let mut allocations = 0;
                let t = measure(timing, || {
                    let before = vm.heap().stats().objects_allocated;
                    match call(&mut vm, "Serve", &[Value::Int(s.n)])? {
                        Value::Int(c) if checksum.is_none_or(|k| k == c) => checksum = Some(c),
                        other => return Err(format!("Serve returned {other:?}, then something else")),
                    }
                    allocations = vm.heap().stats().objects_allocated - before;
                    Ok(())
                });
                checksums.push(checksum);
                match t {
                    Ok(t) => (Ok(t.map(|secs| s.n as f64 / secs)), Ok(allocations as f64 / s.n as f64)),
                    Err(e) => (Err(e.clone()), Err(e)),
                }
            })
            .collect();
        let mut rates: Vec<Measured> = results.iter().map(|(r, _)| r.clone()).collect();
        if checksums.windows(2).any(|w| w[0].is_some() && w[1].is_some() && w[0] != w[1]) {
            rates = rates.into_iter().map(|_| Err(format!("the backends' checksums differ: {checksums:?}"))).collect();
        }
        let mut row = vec![format!("{} ({} {})", s.name, crate::tables::thousands(s.n as f64), s.unit)];
        row.extend(rates.iter().map(|r| cell_text(r, crate::tables::thousands)));
        if let (Some(a1), Some(a2)) = (a1, a2) {
            row.push(ratio_cell(&rates[a2], &rates[a1], |r| format!("{r:.2}")));
        }
        row.extend(results.iter().map(|(_, a)| match a {
            Ok(a) => format!("{a:.1}"),
            Err(e) => cell_text(&Err(e.clone()), |v| v.to_string()),
        }));
        table.rows.push(row);
    }
    table
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    /// Every scenario runs in both backends with the same checksum.
    #[test]
    fn scenarios_run() {
        let once = Timing { min_time: Duration::ZERO, min_reps: 1, max_reps: 1 };
        let names: Vec<&str> = SCENARIOS.iter().map(|s| s.name).collect();
        let table = run(&crate::bench_dir(), &names, &[Backend::Async1, Backend::Async2], once);
        assert!(!table.any_failed(), "{}", table.markdown());
    }
}
