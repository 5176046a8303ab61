//! How a figure is measured: one warm-up call, then calls timed one by one
//! until [`Timing::min_time`] has passed and at least [`Timing::min_reps`]
//! calls were timed; the figure is the median call. Compilation and
//! preparation are never inside the clock (see [`crate::runner`]).

use std::time::{Duration, Instant};

/// How long each measurement runs.
#[derive(Clone, Copy, Debug)]
pub struct Timing {
    /// Keep timing calls until this much time has passed...
    pub min_time: Duration,
    /// ...and at least this many calls were timed (after the warm-up call).
    pub min_reps: usize,
    /// Never more calls than this (very short calls).
    pub max_reps: usize,
}

/// `toy bench`'s timing.
pub const TIMING: Timing = Timing { min_time: Duration::from_millis(200), min_reps: 3, max_reps: 10_000 };

/// One measurement: a value, or why it could not be made (`-`: there is
/// nothing to measure, which is not a failure).
pub type Measured = Result<f64, String>;

/// Makes one warm-up call, then times calls until `timing` is satisfied;
/// returns the median time of one call (the first error stops it).
pub fn measure(timing: Timing, mut f: impl FnMut() -> Result<(), String>) -> Result<Duration, String> {
    f()?;
    let start = Instant::now();
    let mut samples = Vec::new();
    while samples.len() < timing.min_reps.max(1) || (start.elapsed() < timing.min_time && samples.len() < timing.max_reps) {
        let t = Instant::now();
        f()?;
        samples.push(t.elapsed());
    }
    samples.sort();
    Ok(samples[samples.len() / 2])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn warm_up_then_at_least_min_reps() {
        let quick = Timing { min_time: Duration::ZERO, min_reps: 3, max_reps: 3 };
        let mut calls = 0;
        measure(quick, || {
            calls += 1;
            Ok(())
        })
        .unwrap();
        assert_eq!(calls, 4);
        assert_eq!(measure(quick, || Err("no".into())), Err("no".into()));
    }
}
