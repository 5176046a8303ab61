//! `Math`. Overloads on `int`/`long` and on `double` share one native that
//! keeps the runtime kind: an `int` argument gives an `int` result.

use crate::Vm;
use crate::error::VmError;
use crate::value::Value;

use super::args::{NativeResult, arg, cast_error, int_arg, num_arg, out_of_range};
use super::format::format_double;

/// A numeric argument in its runtime kind.
#[derive(Clone, Copy)]
enum Num {
    Int(i64),
    Float(f64),
}

fn num(vm: &Vm, args: &[Value], i: usize) -> Result<Num, VmError> {
    match arg(args, i) {
        Value::Int(n) | Value::Enum(_, n) => Ok(Num::Int(n)),
        Value::Char(c) => Ok(Num::Int(c as i64)),
        Value::Double(d) => Ok(Num::Float(d)),
        v => Err(cast_error(vm, v, "System.Double")),
    }
}

fn overflow_negating_minimum() -> VmError {
    VmError::throw("System.OverflowException", "Negation of the minimum value of a twos complement number is invalid.")
}

pub fn abs(vm: &mut Vm, args: &[Value]) -> NativeResult {
    Ok(match num(vm, args, 0)? {
        Num::Int(i) => Value::Int(i.checked_abs().ok_or_else(overflow_negating_minimum)?),
        Num::Float(d) => Value::Double(d.abs()),
    })
}

/// .NET Core's `Math.Max(double, double)`: NaN wins, and 0 beats -0.
fn max_f(a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() {
        f64::NAN
    } else if a == b {
        if a.is_sign_negative() { b } else { a }
    } else {
        a.max(b)
    }
}

fn min_f(a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() {
        f64::NAN
    } else if a == b {
        if a.is_sign_negative() { a } else { b }
    } else {
        a.min(b)
    }
}

fn as_f(n: Num) -> f64 {
    match n {
        Num::Int(i) => i as f64,
        Num::Float(d) => d,
    }
}

pub fn max(vm: &mut Vm, args: &[Value]) -> NativeResult {
    Ok(match (num(vm, args, 0)?, num(vm, args, 1)?) {
        (Num::Int(a), Num::Int(b)) => Value::Int(a.max(b)),
        (a, b) => Value::Double(max_f(as_f(a), as_f(b))),
    })
}

pub fn min(vm: &mut Vm, args: &[Value]) -> NativeResult {
    Ok(match (num(vm, args, 0)?, num(vm, args, 1)?) {
        (Num::Int(a), Num::Int(b)) => Value::Int(a.min(b)),
        (a, b) => Value::Double(min_f(as_f(a), as_f(b))),
    })
}

pub fn clamp(vm: &mut Vm, args: &[Value]) -> NativeResult {
    let (v, lo, hi) = (num(vm, args, 0)?, num(vm, args, 1)?, num(vm, args, 2)?);
    if as_f(lo) > as_f(hi) {
        let show = |n: Num| match n {
            Num::Int(i) => i.to_string(),
            Num::Float(d) => format_double(d),
        };
        return Err(VmError::throw(
            "System.ArgumentException",
            format!("'{}' cannot be greater than {}.", show(lo), show(hi)),
        ));
    }
    Ok(match (v, lo, hi) {
        (Num::Int(v), Num::Int(lo), Num::Int(hi)) => Value::Int(v.clamp(lo, hi)),
        (v, lo, hi) => Value::Double(min_f(max_f(as_f(v), as_f(lo)), as_f(hi))),
    })
}

pub fn sign(vm: &mut Vm, args: &[Value]) -> NativeResult {
    Ok(Value::Int(match num(vm, args, 0)? {
        Num::Int(i) => i.signum(),
        Num::Float(d) if d.is_nan() => {
            return Err(VmError::throw(
                "System.ArithmeticException",
                "Function does not accept floating point Not-a-Number values.",
            ));
        }
        Num::Float(d) if d > 0.0 => 1,
        Num::Float(d) if d < 0.0 => -1,
        Num::Float(_) => 0,
    }))
}

/// `Math.Round(double)`: to the nearest integer, ties to even.
pub fn round(vm: &mut Vm, args: &[Value]) -> NativeResult {
    Ok(Value::Double(num_arg(vm, args, 0)?.round_ties_even()))
}

/// `Math.Round(double, int digits)`, as .NET computes it: scale by a power
/// of ten, round ties to even, scale back.
pub fn round_digits(vm: &mut Vm, args: &[Value]) -> NativeResult {
    let value = num_arg(vm, args, 0)?;
    let digits = int_arg(vm, args, 1)?;
    Ok(Value::Double(round_to(value, digits)?))
}

pub fn round_to(value: f64, digits: i64) -> Result<f64, VmError> {
    if !(0..=15).contains(&digits) {
        return Err(out_of_range("digits", "Rounding digits must be between 0 and 15, inclusive."));
    }
    if value.abs() < 1e16 {
        let power = 10f64.powi(digits as i32);
        Ok((value * power).round_ties_even() / power)
    } else {
        Ok(value)
    }
}

macro_rules! unary_double {
    ($($name:ident => $f:expr;)*) => {$(
        pub fn $name(vm: &mut Vm, args: &[Value]) -> NativeResult {
            let f: fn(f64) -> f64 = $f;
            Ok(Value::Double(f(num_arg(vm, args, 0)?)))
        }
    )*};
}

unary_double! {
    sqrt => f64::sqrt;
    floor => f64::floor;
    ceiling => f64::ceil;
    truncate => f64::trunc;
    exp => f64::exp;
    log => f64::ln;
    log10 => f64::log10;
    log2 => f64::log2;
    sin => f64::sin;
    cos => f64::cos;
    tan => f64::tan;
    asin => f64::asin;
    acos => f64::acos;
    atan => f64::atan;
    sinh => f64::sinh;
    cosh => f64::cosh;
    tanh => f64::tanh;
    cbrt => f64::cbrt;
}

pub fn pow(vm: &mut Vm, args: &[Value]) -> NativeResult {
    Ok(Value::Double(num_arg(vm, args, 0)?.powf(num_arg(vm, args, 1)?)))
}

pub fn atan2(vm: &mut Vm, args: &[Value]) -> NativeResult {
    Ok(Value::Double(num_arg(vm, args, 0)?.atan2(num_arg(vm, args, 1)?)))
}

/// `Math.Log(a, newBase)`.
pub fn log_base(vm: &mut Vm, args: &[Value]) -> NativeResult {
    Ok(Value::Double(num_arg(vm, args, 0)?.ln() / num_arg(vm, args, 1)?.ln()))
}

pub fn pi(_vm: &mut Vm, _args: &[Value]) -> NativeResult {
    Ok(Value::Double(std::f64::consts::PI))
}

pub fn e(_vm: &mut Vm, _args: &[Value]) -> NativeResult {
    Ok(Value::Double(std::f64::consts::E))
}

pub fn tau(_vm: &mut Vm, _args: &[Value]) -> NativeResult {
    Ok(Value::Double(std::f64::consts::TAU))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounding_is_bankers() {
        assert_eq!(2.5f64.round_ties_even(), 2.0);
        assert_eq!((-2.5f64).round_ties_even(), -2.0);
        assert_eq!(3.5f64.round_ties_even(), 4.0);
        assert_eq!(round_to(0.125, 2).ok(), Some(0.12));
        assert_eq!(round_to(1.005, 2).ok(), Some(1.0));
        assert_eq!(round_to(2.5, 0).ok(), Some(2.0));
        assert!(round_to(1.0, 16).is_err());
        assert!(round_to(1.0, -1).is_err());
    }

    #[test]
    fn min_max_follow_ieee() {
        assert!(max_f(f64::NAN, 1.0).is_nan());
        assert!(min_f(1.0, f64::NAN).is_nan());
        assert!(max_f(-0.0, 0.0).is_sign_positive());
        assert!(min_f(0.0, -0.0).is_sign_negative());
    }
}
