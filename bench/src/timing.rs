//! How a figure is measured: one warm-up call, then calls timed one by one
//! until [`Timing::min_time`] has passed and at least [`Timing::min_reps`]
//! calls were timed; the figure is the median call, with the fastest and
//! slowest call as its spread ([`Spread`]). Compilation and
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

/// A figure with its spread: the median of the timed calls and the range
/// of the fastest and slowest, carried through every unit conversion and
/// ratio, so a table can show how far a figure can be trusted.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Spread {
    pub median: f64,
    pub min: f64,
    pub max: f64,
}

impl Spread {
    pub fn exact(v: f64) -> Spread {
        Spread { median: v, min: v, max: v }
    }

    /// The figure in other units (`f` monotonic, increasing or decreasing:
    /// `iterations / seconds` swaps the ends).
    pub fn map(self, f: impl Fn(f64) -> f64) -> Spread {
        let (a, b) = (f(self.min), f(self.max));
        Spread { median: f(self.median), min: a.min(b), max: a.max(b) }
    }

    /// `self ÷ other`, its range from the ends of both.
    pub fn ratio(self, other: Spread) -> Spread {
        Spread { median: self.median / other.median, min: self.min / other.max, max: self.max / other.min }
    }

    /// Whether the two ranges overlap: the difference is within noise.
    pub fn overlaps(self, other: Spread) -> bool {
        self.min <= other.max && other.min <= self.max
    }
}

/// One measurement: a figure, or why it could not be made (`-`: there is
/// nothing to measure, which is not a failure).
pub type Measured = Result<Spread, String>;

/// Makes one warm-up call, then times calls until `timing` is satisfied;
/// returns the seconds of one call: the median, fastest and slowest (the
/// first error stops it).
pub fn measure(timing: Timing, mut f: impl FnMut() -> Result<(), String>) -> Result<Spread, String> {
    f()?;
    let start = Instant::now();
    let mut samples = Vec::new();
    while samples.len() < timing.min_reps.max(1)
        || (start.elapsed() < timing.min_time && samples.len() < timing.max_reps)
    {
        let t = Instant::now();
        f()?;
        samples.push(t.elapsed().as_secs_f64());
    }
    samples.sort_by(f64::total_cmp);
    Ok(Spread { median: samples[samples.len() / 2], min: samples[0], max: samples[samples.len() - 1] })
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

    #[test]
    fn spreads_convert_and_compare() {
        let t = Spread { median: 2.0, min: 1.0, max: 4.0 };
        assert_eq!(t.map(|s| 8.0 / s), Spread { median: 4.0, min: 2.0, max: 8.0 });
        assert_eq!(t.ratio(Spread::exact(2.0)), Spread { median: 1.0, min: 0.5, max: 2.0 });
        assert!(t.overlaps(Spread { median: 5.0, min: 3.9, max: 6.0 }));
        assert!(!t.overlaps(Spread::exact(4.5)));
    }
}
