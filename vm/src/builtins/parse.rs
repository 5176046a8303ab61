//! The primitive types' members: `int`/`long`/`double`/`decimal`/`bool`
//! parsing and constants, `ToString(format)`, `CompareTo`, the `char`
//! classification functions, and `Convert`.
//!
//! Parsing follows .NET's invariant culture: surrounding whitespace, a
//! leading sign, and for `double` a decimal point, an exponent and `,`
//! thousands separators in the integer part.

use std::cmp::Ordering;

use crate::Vm;
use crate::error::VmError;
use crate::value::{Obj, Value};

use super::args::{
    NativeResult, arg, argument_null, cast_error, char_arg, int_arg, num_arg, obj_arg, set_out, str_arg,
};
use super::numfmt::{self, Number};

/// Why a parse failed.
#[derive(Debug, PartialEq)]
pub enum ParseError {
    Format,
    Overflow,
}

/// .NET's `IsWhite` for number parsing: space and `\t`..`\r`.
fn is_white(c: char) -> bool {
    c == ' ' || ('\t'..='\r').contains(&c)
}

/// `NumberStyles.Integer`: `[ws][sign]digits[ws]`, in `min..=max`.
pub fn parse_integer(s: &str, min: i64, max: i64) -> Result<i64, ParseError> {
    let t = s.trim_matches(is_white).trim_end_matches('\0');
    let (negative, digits) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ParseError::Format);
    }
    let mut value: i128 = 0;
    for b in digits.bytes() {
        value = value * 10 + (b - b'0') as i128;
        if value > 1i128 << 64 {
            return Err(ParseError::Overflow);
        }
    }
    if negative {
        value = -value;
    }
    if value < min as i128 || value > max as i128 {
        return Err(ParseError::Overflow);
    }
    Ok(value as i64)
}

/// `NumberStyles.Float | AllowThousands` (or `Number`, without the exponent,
/// for `decimal`). Values beyond the range become infinities, as .NET Core does.
pub fn parse_double(s: &str, allow_exponent: bool) -> Result<f64, ParseError> {
    let t = s.trim_matches(is_white).trim_end_matches('\0');
    let (negative, body) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    let sign = if negative { -1.0 } else { 1.0 };
    if body.eq_ignore_ascii_case("infinity") || body == "∞" {
        return Ok(sign * f64::INFINITY);
    }
    if body.eq_ignore_ascii_case("nan") {
        return Ok(f64::NAN);
    }
    let bytes = body.as_bytes();
    let mut clean = String::with_capacity(body.len() + 1);
    if negative {
        clean.push('-');
    }
    let mut i = 0;
    let mut mantissa_digits = 0;
    while i < bytes.len() && (bytes[i].is_ascii_digit() || (bytes[i] == b',' && mantissa_digits > 0)) {
        if bytes[i] != b',' {
            clean.push(bytes[i] as char);
            mantissa_digits += 1;
        }
        i += 1;
    }
    if i < bytes.len() && bytes[i] == b'.' {
        clean.push('.');
        i += 1;
        while i < bytes.len() && bytes[i].is_ascii_digit() {
            clean.push(bytes[i] as char);
            mantissa_digits += 1;
            i += 1;
        }
    }
    if mantissa_digits == 0 {
        return Err(ParseError::Format);
    }
    if allow_exponent && i < bytes.len() && (bytes[i] == b'e' || bytes[i] == b'E') {
        let mut j = i + 1;
        let mut exponent = String::from("e");
        if j < bytes.len() && (bytes[j] == b'+' || bytes[j] == b'-') {
            exponent.push(bytes[j] as char);
            j += 1;
        }
        let start = j;
        while j < bytes.len() && bytes[j].is_ascii_digit() {
            exponent.push(bytes[j] as char);
            j += 1;
        }
        if j > start {
            clean.push_str(&exponent);
            i = j;
        }
    }
    if i != bytes.len() {
        return Err(ParseError::Format);
    }
    clean.parse::<f64>().map_err(|_| ParseError::Format)
}

fn format_exception(s: &str) -> VmError {
    VmError::throw("System.FormatException", format!("The input string '{s}' was not in a correct format."))
}

fn overflow(type_name: &str) -> VmError {
    let article = if type_name.starts_with(['I', 'U']) { "an" } else { "a" };
    VmError::throw(
        "System.OverflowException",
        format!("Value was either too large or too small for {article} {type_name}."),
    )
}

/// A numeric type's parsing rules.
#[derive(Clone, Copy)]
enum Kind {
    Int32,
    Int64,
    Double,
    Decimal,
}

impl Kind {
    fn parse(self, s: &str) -> Result<Value, VmError> {
        let result = match self {
            Kind::Int32 => parse_integer(s, i32::MIN as i64, i32::MAX as i64).map(Value::Int),
            Kind::Int64 => parse_integer(s, i64::MIN, i64::MAX).map(Value::Int),
            Kind::Double => parse_double(s, true).map(Value::Double),
            Kind::Decimal => parse_double(s, false).and_then(|d| {
                if d.is_finite() && d.abs() < 7.922816251426434e28 {
                    Ok(Value::Double(d))
                } else {
                    Err(ParseError::Overflow)
                }
            }),
        };
        result.map_err(|e| match e {
            ParseError::Format => format_exception(s),
            ParseError::Overflow => overflow(self.name()),
        })
    }

    fn name(self) -> &'static str {
        match self {
            Kind::Int32 => "Int32",
            Kind::Int64 => "Int64",
            Kind::Double => "Double",
            Kind::Decimal => "Decimal",
        }
    }

    fn zero(self) -> Value {
        match self {
            Kind::Int32 | Kind::Int64 => Value::Int(0),
            Kind::Double | Kind::Decimal => Value::Double(0.0),
        }
    }
}

fn parse(vm: &mut Vm, args: &[Value], kind: Kind) -> NativeResult {
    let s = str_arg(vm, args, 0)?.ok_or_else(|| argument_null("s"))?;
    kind.parse(s)
}

fn try_parse(vm: &mut Vm, args: &[Value], kind: Kind) -> NativeResult {
    let parsed = match str_arg(vm, args, 0)? {
        Some(s) => kind.parse(s).ok(),
        None => None,
    };
    set_out(vm, args, 1, parsed.unwrap_or(kind.zero()))?;
    Ok(Value::Bool(parsed.is_some()))
}

pub fn int32_parse(vm: &mut Vm, args: &[Value]) -> NativeResult {
    parse(vm, args, Kind::Int32)
}
pub fn int32_try_parse(vm: &mut Vm, args: &[Value]) -> NativeResult {
    try_parse(vm, args, Kind::Int32)
}
pub fn int64_parse(vm: &mut Vm, args: &[Value]) -> NativeResult {
    parse(vm, args, Kind::Int64)
}
pub fn int64_try_parse(vm: &mut Vm, args: &[Value]) -> NativeResult {
    try_parse(vm, args, Kind::Int64)
}
pub fn double_parse(vm: &mut Vm, args: &[Value]) -> NativeResult {
    parse(vm, args, Kind::Double)
}
pub fn double_try_parse(vm: &mut Vm, args: &[Value]) -> NativeResult {
    try_parse(vm, args, Kind::Double)
}
pub fn decimal_parse(vm: &mut Vm, args: &[Value]) -> NativeResult {
    parse(vm, args, Kind::Decimal)
}
pub fn decimal_try_parse(vm: &mut Vm, args: &[Value]) -> NativeResult {
    try_parse(vm, args, Kind::Decimal)
}

fn parse_bool(s: &str) -> Option<bool> {
    let t = s.trim_matches(|c: char| c.is_whitespace() || c == '\0');
    if t.eq_ignore_ascii_case("true") {
        Some(true)
    } else if t.eq_ignore_ascii_case("false") {
        Some(false)
    } else {
        None
    }
}

pub fn bool_parse(vm: &mut Vm, args: &[Value]) -> NativeResult {
    let s = str_arg(vm, args, 0)?.ok_or_else(|| argument_null("value"))?;
    parse_bool(s).map(Value::Bool).ok_or_else(|| {
        VmError::throw(
            "System.FormatException",
            format!("String '{}' was not recognized as a valid Boolean.", s.as_str()),
        )
    })
}

pub fn bool_try_parse(vm: &mut Vm, args: &[Value]) -> NativeResult {
    let parsed = str_arg(vm, args, 0)?.and_then(|s| parse_bool(s));
    set_out(vm, args, 1, Value::Bool(parsed.unwrap_or(false)))?;
    Ok(Value::Bool(parsed.is_some()))
}

// ---- constants ----

macro_rules! constants {
    ($($name:ident => $v:expr;)*) => {$(
        pub fn $name(_vm: &mut Vm, _args: &[Value]) -> NativeResult {
            Ok($v)
        }
    )*};
}

constants! {
    int32_max => Value::Int(i32::MAX as i64);
    int32_min => Value::Int(i32::MIN as i64);
    int64_max => Value::Int(i64::MAX);
    int64_min => Value::Int(i64::MIN);
    double_max => Value::Double(f64::MAX);
    double_min => Value::Double(f64::MIN);
    double_epsilon => Value::Double(5e-324);
    double_nan => Value::Double(f64::NAN);
    double_positive_infinity => Value::Double(f64::INFINITY);
    double_negative_infinity => Value::Double(f64::NEG_INFINITY);
    decimal_max => Value::Double(7.922816251426434e28);
    decimal_min => Value::Double(-7.922816251426434e28);
    char_max => Value::Char(0xFFFF);
    char_min => Value::Char(0);
}

macro_rules! double_tests {
    ($($name:ident => $f:expr;)*) => {$(
        pub fn $name(vm: &mut Vm, args: &[Value]) -> NativeResult {
            let f: fn(f64) -> bool = $f;
            Ok(Value::Bool(f(num_arg(vm, args, 0)?)))
        }
    )*};
}

double_tests! {
    double_is_nan => f64::is_nan;
    double_is_infinity => f64::is_infinite;
    double_is_positive_infinity => |d| d == f64::INFINITY;
    double_is_negative_infinity => |d| d == f64::NEG_INFINITY;
    double_is_finite => f64::is_finite;
}

// ---- instance members of the numbers ----

/// `n.ToString(format)` for `int`, `long`, `double`, `decimal`.
pub fn number_to_string(vm: &mut Vm, args: &[Value]) -> NativeResult {
    let format = str_arg(vm, args, 1)?.map_or("", |f| f.as_str());
    let n = match arg(args, 0) {
        Value::Int(i) => Number::Int(i),
        Value::Double(d) => Number::Float(d),
        v => return Err(cast_error(vm, v, "System.IFormattable")),
    };
    let text = numfmt::format_number(n, format)?;
    Ok(vm.str_value(text))
}

/// `double.CompareTo`: NaN sorts first and equals itself.
pub fn compare_doubles(a: f64, b: f64) -> Ordering {
    a.partial_cmp(&b).unwrap_or_else(|| a.is_nan().cmp(&b.is_nan()).reverse())
}

/// `x.CompareTo(y)` for `int`, `long`, `double`, `char`, `bool` (null is smaller).
pub fn number_compare_to(vm: &mut Vm, args: &[Value]) -> NativeResult {
    let ordering = match (arg(args, 0), arg(args, 1)) {
        (_, Value::Null) => Ordering::Greater,
        (Value::Bool(a), Value::Bool(b)) => a.cmp(&b),
        (Value::Double(_), _) | (_, Value::Double(_)) => compare_doubles(num_arg(vm, args, 0)?, num_arg(vm, args, 1)?),
        _ => int_arg(vm, args, 0)?.cmp(&int_arg(vm, args, 1)?),
    };
    Ok(Value::Int(ordering as i64))
}

// ---- char ----

fn is_ascii_punctuation_category(c: char) -> bool {
    matches!(
        c,
        '!' | '"'
            | '#'
            | '%'
            | '&'
            | '\''
            | '('
            | ')'
            | '*'
            | ','
            | '-'
            | '.'
            | '/'
            | ':'
            | ';'
            | '?'
            | '@'
            | '['
            | '\\'
            | ']'
            | '_'
            | '{'
            | '}'
    )
}

fn is_punctuation(c: char) -> bool {
    if c.is_ascii() {
        return is_ascii_punctuation_category(c);
    }
    matches!(c, '¡' | '§' | '«' | '¶' | '·' | '»' | '¿' | '\u{2010}'..='\u{2027}' | '\u{2030}'..='\u{205E}' | '\u{3001}'..='\u{3003}')
}

fn is_symbol(c: char) -> bool {
    matches!(c, '$' | '+' | '<' | '=' | '>' | '^' | '`' | '|' | '~' | '¢'..='¦' | '¨' | '©' | '¬' | '®'..='±' | '´' | '¸' | '×' | '÷')
}

macro_rules! char_tests {
    ($($name:ident => $f:expr;)*) => {$(
        pub fn $name(vm: &mut Vm, args: &[Value]) -> NativeResult {
            let f: fn(char) -> bool = $f;
            let c = char_arg(vm, args, 0)?;
            Ok(Value::Bool(char::from_u32(c as u32).is_some_and(f)))
        }
    )*};
}

char_tests! {
    char_is_digit => |c| c.is_ascii_digit() || (!c.is_ascii() && c.is_numeric() && !matches!(c, '²' | '³' | '¹' | '¼'..='¾'));
    char_is_letter => char::is_alphabetic;
    char_is_letter_or_digit => |c| c.is_alphabetic() || c.is_ascii_digit();
    char_is_white_space => char::is_whitespace;
    char_is_upper => char::is_uppercase;
    char_is_lower => char::is_lowercase;
    char_is_punctuation => is_punctuation;
    char_is_symbol => is_symbol;
    char_is_control => char::is_control;
    char_is_number => char::is_numeric;
    char_is_separator => |c| c == ' ' || c == '\u{a0}' || c == '\u{2028}' || c == '\u{2029}' || ('\u{2000}'..='\u{200a}').contains(&c) || c == '\u{3000}';
    char_is_ascii_digit => |c| c.is_ascii_digit();
    char_is_ascii_letter => |c| c.is_ascii_alphabetic();
}

fn map_char(c: u16, upper: bool) -> u16 {
    let Some(ch) = char::from_u32(c as u32) else { return c };
    let mut mapped: Vec<char> = if upper { ch.to_uppercase().collect() } else { ch.to_lowercase().collect() };
    match (mapped.pop(), mapped.is_empty()) {
        (Some(m), true) if (m as u32) <= 0xFFFF => m as u16,
        _ => c,
    }
}

pub fn char_to_upper(vm: &mut Vm, args: &[Value]) -> NativeResult {
    Ok(Value::Char(map_char(char_arg(vm, args, 0)?, true)))
}

pub fn char_to_lower(vm: &mut Vm, args: &[Value]) -> NativeResult {
    Ok(Value::Char(map_char(char_arg(vm, args, 0)?, false)))
}

pub fn char_get_numeric_value(vm: &mut Vm, args: &[Value]) -> NativeResult {
    let c = char_arg(vm, args, 0)?;
    let digit = char::from_u32(c as u32).and_then(|c| c.to_digit(10));
    Ok(Value::Double(digit.map_or(-1.0, |d| d as f64)))
}

// ---- Convert ----

fn invalid_convert(vm: &Vm, v: Value, to: &str) -> VmError {
    let from = super::args::type_name(vm, v);
    let from = from.rsplit('.').next().unwrap_or(&from).to_owned();
    VmError::throw("System.InvalidCastException", format!("Invalid cast from '{from}' to '{to}'."))
}

/// `Convert.ToInt32` / `Convert.ToInt64` of any value.
fn convert_integer(vm: &mut Vm, args: &[Value], kind: Kind) -> NativeResult {
    let (min, max) = match kind {
        Kind::Int32 => (i32::MIN as i64, i32::MAX as i64),
        _ => (i64::MIN, i64::MAX),
    };
    let v = arg(args, 0);
    let n = match (v, obj_arg(args, 0)) {
        (Value::Null, _) => 0,
        (Value::Int(i) | Value::Enum(_, i), _) => i,
        (Value::Char(c), _) => c as i64,
        (Value::Bool(b), _) => b as i64,
        (Value::Double(d), _) => {
            let r = d.round_ties_even();
            if !(r >= min as f64 && r <= max as f64) || r == 9.223372036854776e18 {
                return Err(overflow(kind.name()));
            }
            r as i64
        }
        (_, Some(Obj::Str(s))) => return kind.parse(s),
        _ => return Err(invalid_convert(vm, v, kind.name())),
    };
    if n < min || n > max {
        return Err(overflow(kind.name()));
    }
    Ok(Value::Int(n))
}

pub fn convert_to_int32(vm: &mut Vm, args: &[Value]) -> NativeResult {
    convert_integer(vm, args, Kind::Int32)
}

pub fn convert_to_int64(vm: &mut Vm, args: &[Value]) -> NativeResult {
    convert_integer(vm, args, Kind::Int64)
}

pub fn convert_to_double(vm: &mut Vm, args: &[Value]) -> NativeResult {
    let v = arg(args, 0);
    Ok(Value::Double(match (v, obj_arg(args, 0)) {
        (Value::Null, _) => 0.0,
        (Value::Int(i) | Value::Enum(_, i), _) => i as f64,
        (Value::Double(d), _) => d,
        (Value::Bool(b), _) => b as i64 as f64,
        (_, Some(Obj::Str(s))) => return Kind::Double.parse(s),
        _ => return Err(invalid_convert(vm, v, "Double")),
    }))
}

pub fn convert_to_boolean(vm: &mut Vm, args: &[Value]) -> NativeResult {
    let v = arg(args, 0);
    Ok(Value::Bool(match (v, obj_arg(args, 0)) {
        (Value::Null, _) => false,
        (Value::Bool(b), _) => b,
        (Value::Int(i) | Value::Enum(_, i), _) => i != 0,
        (Value::Double(d), _) => d != 0.0,
        (_, Some(Obj::Str(_))) => return bool_parse(vm, args),
        _ => return Err(invalid_convert(vm, v, "Boolean")),
    }))
}

pub fn convert_to_char(vm: &mut Vm, args: &[Value]) -> NativeResult {
    let v = arg(args, 0);
    match (v, obj_arg(args, 0)) {
        (Value::Char(c), _) => Ok(Value::Char(c)),
        (Value::Int(i), _) => u16::try_from(i).map(Value::Char).map_err(|_| {
            VmError::throw("System.OverflowException", "Value was either too large or too small for a character.")
        }),
        (_, Some(Obj::Str(s))) => {
            let units: Vec<u16> = s.encode_utf16().collect();
            match units.as_slice() {
                [c] => Ok(Value::Char(*c)),
                _ => Err(VmError::throw("System.FormatException", "String must be exactly one character long.")),
            }
        }
        (Value::Null, _) => Ok(Value::Char(0)),
        _ => Err(invalid_convert(vm, v, "Char")),
    }
}

/// `Convert.ToString(value)`: its `ToString()`, "" for null.
pub fn convert_to_string(vm: &mut Vm, args: &[Value]) -> NativeResult {
    let text = vm.display(arg(args, 0))?;
    Ok(vm.str_value(text))
}

/// `Convert.ToString(long value, int toBase)` for bases 2, 8, 10 and 16.
pub fn convert_to_string_base(vm: &mut Vm, args: &[Value]) -> NativeResult {
    let n = int_arg(vm, args, 0)?;
    let bits = if i32::try_from(n).is_ok() { n as i32 as u32 as u64 } else { n as u64 };
    let text = match int_arg(vm, args, 1)? {
        2 => format!("{bits:b}"),
        8 => format!("{bits:o}"),
        10 => n.to_string(),
        16 => format!("{bits:x}"),
        _ => return Err(VmError::throw("System.ArgumentException", "Invalid Base.")),
    };
    Ok(vm.str_value(text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_parse_as_dotnet_does() {
        let int32 = |s| parse_integer(s, i32::MIN as i64, i32::MAX as i64);
        assert_eq!(int32("42"), Ok(42));
        assert_eq!(int32("  -17 "), Ok(-17));
        assert_eq!(int32("+5"), Ok(5));
        assert_eq!(int32("2147483647"), Ok(2147483647));
        assert_eq!(int32("2147483648"), Err(ParseError::Overflow));
        assert_eq!(int32("-2147483648"), Ok(-2147483648));
        assert_eq!(int32("99999999999999999999999999"), Err(ParseError::Overflow));
        assert_eq!(int32(""), Err(ParseError::Format));
        assert_eq!(int32("abc"), Err(ParseError::Format));
        assert_eq!(int32("1,000"), Err(ParseError::Format));
        assert_eq!(int32("1.5"), Err(ParseError::Format));
        assert_eq!(int32("-"), Err(ParseError::Format));
        assert_eq!(parse_integer("9223372036854775807", i64::MIN, i64::MAX), Ok(i64::MAX));
        assert_eq!(parse_integer("-9223372036854775808", i64::MIN, i64::MAX), Ok(i64::MIN));
    }

    #[test]
    fn doubles_parse_as_dotnet_does() {
        assert_eq!(parse_double("1,234.5", true), Ok(1234.5));
        assert_eq!(parse_double(" -1e3 ", true), Ok(-1000.0));
        assert_eq!(parse_double(".5", true), Ok(0.5));
        assert_eq!(parse_double("5.", true), Ok(5.0));
        assert_eq!(parse_double("1E+05", true), Ok(100000.0));
        assert_eq!(parse_double("Infinity", true), Ok(f64::INFINITY));
        assert_eq!(parse_double("-infinity", true), Ok(f64::NEG_INFINITY));
        assert!(parse_double("NaN", true).is_ok_and(f64::is_nan));
        assert_eq!(parse_double("1e400", true), Ok(f64::INFINITY));
        assert_eq!(parse_double("abc", true), Err(ParseError::Format));
        assert_eq!(parse_double("", true), Err(ParseError::Format));
        assert_eq!(parse_double(".", true), Err(ParseError::Format));
        assert_eq!(parse_double(",5", true), Err(ParseError::Format));
        assert_eq!(parse_double("1e5", false), Err(ParseError::Format));
        assert_eq!(parse_double("1e", true), Err(ParseError::Format));
    }

    #[test]
    fn messages() {
        assert_eq!(
            overflow("Int32").to_string(),
            "System.OverflowException: Value was either too large or too small for an Int32."
        );
        assert_eq!(
            overflow("Decimal").to_string(),
            "System.OverflowException: Value was either too large or too small for a Decimal."
        );
        assert_eq!(
            format_exception("abc").to_string(),
            "System.FormatException: The input string 'abc' was not in a correct format."
        );
        assert_eq!(compare_doubles(f64::NAN, 1.0), Ordering::Less);
        assert_eq!(compare_doubles(f64::NAN, f64::NAN), Ordering::Equal);
        assert_eq!(map_char('a' as u16, true), 'A' as u16);
        assert_eq!(map_char('ß' as u16, true), 'ß' as u16);
    }
}
