//! `Stopwatch`, `TimeSpan` and `Environment.TickCount64`.
//!
//! Ticks are .NET's: 10,000,000 per second, for `TimeSpan` and for
//! `Stopwatch` alike (`Stopwatch.Frequency` says so).

use std::cell::Cell;
use std::fmt;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use crate::Vm;
use crate::error::VmError;
use crate::value::{Tracer, Value};

use super::args::{NativeResult, int_arg, native_arg, native_this, num_arg};

pub const TICKS_PER_SECOND: i64 = 10_000_000;
const TICKS_PER_MILLISECOND: i64 = 10_000;

/// A `System.TimeSpan`: a signed number of ticks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct TimeSpan {
    pub ticks: i64,
}

impl TimeSpan {
    pub fn from_duration(d: Duration) -> TimeSpan {
        TimeSpan { ticks: i64::try_from(d.as_nanos() / 100).unwrap_or(i64::MAX) }
    }

    pub fn total_seconds(self) -> f64 {
        self.ticks as f64 / TICKS_PER_SECOND as f64
    }

    pub fn value(vm: &mut Vm, span: TimeSpan) -> Value {
        Value::Obj(vm.alloc(crate::object::native(span)))
    }
}

/// .NET's constant ("c") format: `[-][d.]hh:mm:ss[.fffffff]`.
impl fmt::Display for TimeSpan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ticks = self.ticks.unsigned_abs();
        if self.ticks < 0 {
            write!(f, "-")?;
        }
        let total_seconds = ticks / TICKS_PER_SECOND as u64;
        let fraction = ticks % TICKS_PER_SECOND as u64;
        let days = total_seconds / 86_400;
        let hours = total_seconds / 3600 % 24;
        let minutes = total_seconds / 60 % 60;
        let seconds = total_seconds % 60;
        if days > 0 {
            write!(f, "{days}.")?;
        }
        write!(f, "{hours:02}:{minutes:02}:{seconds:02}")?;
        if fraction > 0 {
            write!(f, ".{fraction:07}")?;
        }
        Ok(())
    }
}

impl crate::value::NativeObject for TimeSpan {
    fn type_name(&self) -> &'static str {
        "TimeSpan"
    }
    fn trace(&self, _tracer: &mut Tracer) {}
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

/// A `System.Diagnostics.Stopwatch`.
#[derive(Default)]
pub struct Stopwatch {
    /// When it was last started, while it runs.
    started: Cell<Option<Instant>>,
    /// Time accumulated by earlier runs.
    elapsed: Cell<Duration>,
}

impl Stopwatch {
    fn elapsed(&self) -> Duration {
        self.elapsed.get() + self.started.get().map_or(Duration::ZERO, |s| s.elapsed())
    }

    fn start(&self) {
        if self.started.get().is_none() {
            self.started.set(Some(Instant::now()));
        }
    }

    fn stop(&self) {
        if let Some(s) = self.started.take() {
            self.elapsed.set(self.elapsed.get() + s.elapsed());
        }
    }
}

impl crate::value::NativeObject for Stopwatch {
    fn type_name(&self) -> &'static str {
        "Stopwatch"
    }
    fn trace(&self, _tracer: &mut Tracer) {}
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

fn new_stopwatch(vm: &mut Vm, running: bool) -> Value {
    let watch = Stopwatch::default();
    if running {
        watch.start();
    }
    Value::Obj(vm.alloc(crate::object::native(watch)))
}

pub fn stopwatch_ctor(vm: &mut Vm, _args: &[Value]) -> NativeResult {
    Ok(new_stopwatch(vm, false))
}

pub fn stopwatch_start_new(vm: &mut Vm, _args: &[Value]) -> NativeResult {
    Ok(new_stopwatch(vm, true))
}

pub fn stopwatch_start(vm: &mut Vm, args: &[Value]) -> NativeResult {
    native_this::<Stopwatch>(vm, args, "System.Diagnostics.Stopwatch")?.start();
    Ok(Value::Null)
}

pub fn stopwatch_stop(vm: &mut Vm, args: &[Value]) -> NativeResult {
    native_this::<Stopwatch>(vm, args, "System.Diagnostics.Stopwatch")?.stop();
    Ok(Value::Null)
}

pub fn stopwatch_reset(vm: &mut Vm, args: &[Value]) -> NativeResult {
    let watch = native_this::<Stopwatch>(vm, args, "System.Diagnostics.Stopwatch")?;
    watch.started.set(None);
    watch.elapsed.set(Duration::ZERO);
    Ok(Value::Null)
}

pub fn stopwatch_restart(vm: &mut Vm, args: &[Value]) -> NativeResult {
    let watch = native_this::<Stopwatch>(vm, args, "System.Diagnostics.Stopwatch")?;
    watch.elapsed.set(Duration::ZERO);
    watch.started.set(Some(Instant::now()));
    Ok(Value::Null)
}

pub fn stopwatch_is_running(vm: &mut Vm, args: &[Value]) -> NativeResult {
    let watch = native_this::<Stopwatch>(vm, args, "System.Diagnostics.Stopwatch")?;
    Ok(Value::Bool(watch.started.get().is_some()))
}

fn elapsed_span(vm: &Vm, args: &[Value]) -> Result<TimeSpan, VmError> {
    let watch = native_this::<Stopwatch>(vm, args, "System.Diagnostics.Stopwatch")?;
    Ok(TimeSpan::from_duration(watch.elapsed()))
}

pub fn stopwatch_elapsed_ms(vm: &mut Vm, args: &[Value]) -> NativeResult {
    Ok(Value::Int(elapsed_span(vm, args)?.ticks / TICKS_PER_MILLISECOND))
}

pub fn stopwatch_elapsed_ticks(vm: &mut Vm, args: &[Value]) -> NativeResult {
    Ok(Value::Int(elapsed_span(vm, args)?.ticks))
}

pub fn stopwatch_elapsed(vm: &mut Vm, args: &[Value]) -> NativeResult {
    let span = elapsed_span(vm, args)?;
    Ok(TimeSpan::value(vm, span))
}

pub fn stopwatch_frequency(_vm: &mut Vm, _args: &[Value]) -> NativeResult {
    Ok(Value::Int(TICKS_PER_SECOND))
}

pub fn stopwatch_is_high_resolution(_vm: &mut Vm, _args: &[Value]) -> NativeResult {
    Ok(Value::Bool(true))
}

/// Ticks since the first time the program asked (a monotonic clock).
pub fn stopwatch_get_timestamp(_vm: &mut Vm, _args: &[Value]) -> NativeResult {
    Ok(Value::Int(TimeSpan::from_duration(process_clock()).ticks))
}

/// Time since the first call, on the monotonic clock.
fn process_clock() -> Duration {
    static START: OnceLock<Instant> = OnceLock::new();
    START.get_or_init(Instant::now).elapsed()
}

/// `Environment.TickCount64`: milliseconds on a monotonic clock. .NET counts
/// from boot; toy counts from a fixed offset so values look like uptimes.
pub fn tick_count64(_vm: &mut Vm, _args: &[Value]) -> NativeResult {
    const OFFSET_MS: i64 = 1_000_000;
    Ok(Value::Int(OFFSET_MS + process_clock().as_millis() as i64))
}

pub fn tick_count(vm: &mut Vm, args: &[Value]) -> NativeResult {
    let Value::Int(ms) = tick_count64(vm, args)? else { return Ok(Value::Int(0)) };
    Ok(Value::Int(ms as i32 as i64))
}

// ---- TimeSpan ----

fn span_this(vm: &Vm, args: &[Value]) -> Result<TimeSpan, VmError> {
    native_this::<TimeSpan>(vm, args, "System.TimeSpan").copied()
}

macro_rules! span_getters {
    ($($name:ident => |$s:ident| $e:expr;)*) => {$(
        pub fn $name(vm: &mut Vm, args: &[Value]) -> NativeResult {
            let $s = span_this(vm, args)?;
            Ok($e)
        }
    )*};
}

span_getters! {
    span_total_milliseconds => |s| Value::Double(s.ticks as f64 / TICKS_PER_MILLISECOND as f64);
    span_total_seconds => |s| Value::Double(s.total_seconds());
    span_total_minutes => |s| Value::Double(s.total_seconds() / 60.0);
    span_total_hours => |s| Value::Double(s.total_seconds() / 3600.0);
    span_total_days => |s| Value::Double(s.total_seconds() / 86_400.0);
    span_ticks => |s| Value::Int(s.ticks);
    span_milliseconds => |s| Value::Int(s.ticks / TICKS_PER_MILLISECOND % 1000);
    span_seconds => |s| Value::Int(s.ticks / TICKS_PER_SECOND % 60);
    span_minutes => |s| Value::Int(s.ticks / TICKS_PER_SECOND / 60 % 60);
    span_hours => |s| Value::Int(s.ticks / TICKS_PER_SECOND / 3600 % 24);
    span_days => |s| Value::Int(s.ticks / TICKS_PER_SECOND / 86_400);
}

/// `TimeSpan.FromX(double)`: truncated to whole ticks, as .NET Core does.
fn span_from(vm: &mut Vm, args: &[Value], ticks_per_unit: f64) -> NativeResult {
    let value = num_arg(vm, args, 0)?;
    let ticks = value * ticks_per_unit;
    if !ticks.is_finite() || ticks.abs() >= i64::MAX as f64 {
        return Err(VmError::throw(
            "System.OverflowException",
            "TimeSpan overflowed because the duration is too long.",
        ));
    }
    Ok(TimeSpan::value(vm, TimeSpan { ticks: ticks as i64 }))
}

pub fn span_from_milliseconds(vm: &mut Vm, args: &[Value]) -> NativeResult {
    span_from(vm, args, TICKS_PER_MILLISECOND as f64)
}

pub fn span_from_seconds(vm: &mut Vm, args: &[Value]) -> NativeResult {
    span_from(vm, args, TICKS_PER_SECOND as f64)
}

pub fn span_from_minutes(vm: &mut Vm, args: &[Value]) -> NativeResult {
    span_from(vm, args, 60.0 * TICKS_PER_SECOND as f64)
}

pub fn span_from_hours(vm: &mut Vm, args: &[Value]) -> NativeResult {
    span_from(vm, args, 3600.0 * TICKS_PER_SECOND as f64)
}

pub fn span_from_days(vm: &mut Vm, args: &[Value]) -> NativeResult {
    span_from(vm, args, 86_400.0 * TICKS_PER_SECOND as f64)
}

pub fn span_from_ticks(vm: &mut Vm, args: &[Value]) -> NativeResult {
    let ticks = int_arg(vm, args, 0)?;
    Ok(TimeSpan::value(vm, TimeSpan { ticks }))
}

pub fn span_zero(vm: &mut Vm, _args: &[Value]) -> NativeResult {
    Ok(TimeSpan::value(vm, TimeSpan { ticks: 0 }))
}

/// `new TimeSpan(hours, minutes, seconds)`.
pub fn span_ctor_hms(vm: &mut Vm, args: &[Value]) -> NativeResult {
    let (h, m, s) = (int_arg(vm, args, 0)?, int_arg(vm, args, 1)?, int_arg(vm, args, 2)?);
    let seconds = h.saturating_mul(3600).saturating_add(m.saturating_mul(60)).saturating_add(s);
    Ok(TimeSpan::value(vm, TimeSpan { ticks: seconds.saturating_mul(TICKS_PER_SECOND) }))
}

pub fn span_compare_to(vm: &mut Vm, args: &[Value]) -> NativeResult {
    let a = span_this(vm, args)?;
    let b = native_arg::<TimeSpan>(vm, args, 1, "System.TimeSpan")?;
    Ok(Value::Int(a.cmp(b) as i64))
}

pub fn span_add(vm: &mut Vm, args: &[Value]) -> NativeResult {
    let a = span_this(vm, args)?;
    let b = *native_arg::<TimeSpan>(vm, args, 1, "System.TimeSpan")?;
    Ok(TimeSpan::value(vm, TimeSpan { ticks: a.ticks.saturating_add(b.ticks) }))
}

pub fn span_subtract(vm: &mut Vm, args: &[Value]) -> NativeResult {
    let a = span_this(vm, args)?;
    let b = *native_arg::<TimeSpan>(vm, args, 1, "System.TimeSpan")?;
    Ok(TimeSpan::value(vm, TimeSpan { ticks: a.ticks.saturating_sub(b.ticks) }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timespans_print_in_constant_format() {
        assert_eq!(TimeSpan { ticks: 15_005_000 }.to_string(), "00:00:01.5005000");
        assert_eq!(TimeSpan { ticks: 0 }.to_string(), "00:00:00");
        assert_eq!(TimeSpan { ticks: 36 * 3600 * TICKS_PER_SECOND }.to_string(), "1.12:00:00");
        assert_eq!(TimeSpan { ticks: -TICKS_PER_SECOND }.to_string(), "-00:00:01");
    }
}
