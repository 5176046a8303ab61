//! Numbers to text, as .NET's `Number.Formatting` does it.
//!
//! Every numeric format goes through [`Digits`]: the decimal digits of the
//! value and where the decimal point sits. Doubles get their digits from
//! Rust's formatter, which is exact: `{:e}` gives the shortest round-trip
//! digits (what .NET Core 3.0+ prints by default) and `{:.N}` / `{:.Ne}` the
//! correctly rounded digits, ties to even on exact ties (what .NET 5+ does
//! for standard formats). Custom formats ("0.00") see 15 significant digits
//! and round half up, as .NET does.
//!
//! The culture is the invariant culture: `,` groups, `.` is the decimal
//! point, `P` prints `12.34 %`, `C` prints `¤1.00`.

use std::fmt::Write as _;

use crate::error::VmError;

/// The largest precision a format may ask for (.NET allows 999,999,999, but
/// a toy program has no use for strings that long).
const MAX_PRECISION: usize = 10_000;

/// The most significant digits a double needs to round-trip (.NET's
/// `DoublePrecision`); shorter numbers print in fixed notation up to here.
const ROUND_TRIP_DIGITS: i32 = 17;

/// A decimal number as the formatter sees it: `0.DIGITS × 10^scale`.
#[derive(Clone, Debug, PartialEq)]
pub struct Digits {
    pub neg: bool,
    /// ASCII digits, the first nonzero, no trailing zeros; empty for zero.
    pub digits: Vec<u8>,
    pub scale: i32,
    /// Doubles keep a negative sign on zero (`-0`); integers do not.
    pub is_float: bool,
}

impl Digits {
    pub fn from_int(n: i64) -> Digits {
        let text = n.unsigned_abs().to_string();
        Digits::from_parts(n < 0, text.as_bytes(), text.len() as i32, false)
    }

    /// The shortest digits that round-trip.
    pub fn shortest(x: f64) -> Digits {
        Digits::from_exponential(&format!("{:e}", x.abs()), x.is_sign_negative())
    }

    /// `count` significant digits, correctly rounded.
    pub fn significant(x: f64, count: usize) -> Digits {
        let count = count.clamp(1, MAX_PRECISION);
        Digits::from_exponential(&format!("{:.*e}", count - 1, x.abs()), x.is_sign_negative())
    }

    /// The digits up to `frac` places after the decimal point, correctly rounded.
    pub fn fixed(x: f64, frac: usize) -> Digits {
        let text = format!("{:.*}", frac.min(MAX_PRECISION), x.abs());
        let (int_part, frac_part) = text.split_once('.').unwrap_or((&text, ""));
        let mut all = Vec::with_capacity(int_part.len() + frac_part.len());
        all.extend_from_slice(int_part.as_bytes());
        all.extend_from_slice(frac_part.as_bytes());
        Digits::from_parts(x.is_sign_negative(), &all, int_part.len() as i32, true)
    }

    /// Parses Rust's `{:e}` output: `d.ddde-N`.
    fn from_exponential(text: &str, neg: bool) -> Digits {
        let (mantissa, exp) = text.split_once('e').unwrap_or((text, "0"));
        let exp: i32 = exp.parse().unwrap_or(0);
        let digits: Vec<u8> = mantissa.bytes().filter(u8::is_ascii_digit).collect();
        Digits::from_parts(neg, &digits, exp + 1, true)
    }

    /// `digits` with the decimal point after the first `scale` of them;
    /// strips leading and trailing zeros.
    fn from_parts(neg: bool, digits: &[u8], scale: i32, is_float: bool) -> Digits {
        let leading = digits.iter().take_while(|d| **d == b'0').count();
        let rest = &digits[leading..];
        let end = rest.len() - rest.iter().rev().take_while(|d| **d == b'0').count();
        let mut number = Digits { neg, digits: rest[..end].to_vec(), scale: scale - leading as i32, is_float };
        if number.digits.is_empty() {
            number.scale = 0;
            if !is_float {
                number.neg = false;
            }
        }
        number
    }

    pub fn is_zero(&self) -> bool {
        self.digits.is_empty()
    }

    /// .NET's `RoundNumber` for custom formats and integers: keeps `pos`
    /// digits, rounding half up.
    pub fn round_half_up(&mut self, pos: i32) {
        let len = self.digits.len();
        let mut i = 0usize;
        while (i as i32) < pos && i < len {
            i += 1;
        }
        if i as i32 == pos && i < len && self.digits[i] >= b'5' {
            while i > 0 && self.digits[i - 1] == b'9' {
                i -= 1;
            }
            if i > 0 {
                self.digits[i - 1] += 1;
            } else {
                self.scale += 1;
                self.digits[0] = b'1';
                i = 1;
            }
        } else {
            while i > 0 && self.digits[i - 1] == b'0' {
                i -= 1;
            }
        }
        self.digits.truncate(i);
        if i == 0 {
            if !self.is_float {
                self.neg = false;
            }
            self.scale = 0;
        }
    }

    /// The digit at `index` (0 = the first significant one), `'0'` past either end.
    fn digit(&self, index: i64) -> u8 {
        if index < 0 {
            return b'0';
        }
        self.digits.get(index as usize).copied().unwrap_or(b'0')
    }

    /// .NET's `FormatFixed`: integer part (optionally grouped by three),
    /// then `frac` digits after the point. No sign.
    fn write_fixed(&self, out: &mut String, frac: usize, group: bool) {
        let scale = self.scale as i64;
        if scale > 0 {
            for i in 0..scale {
                out.push(self.digit(i) as char);
                let left = scale - i - 1;
                if group && left > 0 && left % 3 == 0 {
                    out.push(',');
                }
            }
        } else {
            out.push('0');
        }
        if frac > 0 {
            out.push('.');
            for k in 0..frac as i64 {
                out.push(self.digit(scale + k) as char);
            }
        }
    }

    /// .NET's `FormatScientific`: `d.ddd` with `frac` decimals, then the exponent.
    fn write_scientific(&self, out: &mut String, frac: usize, exp_char: char, min_exp_digits: usize) {
        out.push(self.digit(0) as char);
        if frac > 0 {
            out.push('.');
            for i in 1..=frac as i64 {
                out.push(self.digit(i) as char);
            }
        }
        let exp = if self.is_zero() { 0 } else { self.scale - 1 };
        write_exponent(out, exp, exp_char, min_exp_digits, true);
    }

    /// .NET's `FormatGeneral`: fixed notation unless the exponent is at
    /// least `max_digits` or below -5.
    fn write_general(&self, out: &mut String, max_digits: i32, exp_char: char) {
        let mut dig_pos = self.scale;
        let scientific = dig_pos > max_digits || dig_pos < -3;
        if scientific {
            dig_pos = 1;
        }
        let mut index = 0usize;
        if dig_pos > 0 {
            while dig_pos > 0 {
                out.push(self.digits.get(index).map_or('0', |d| *d as char));
                if index < self.digits.len() {
                    index += 1;
                }
                dig_pos -= 1;
            }
        } else {
            out.push('0');
        }
        if index < self.digits.len() || dig_pos < 0 {
            out.push('.');
            while dig_pos < 0 {
                out.push('0');
                dig_pos += 1;
            }
            for d in &self.digits[index..] {
                out.push(*d as char);
            }
        }
        if scientific {
            let exp = if self.is_zero() { 0 } else { self.scale - 1 };
            write_exponent(out, exp, exp_char, 2, true);
        }
    }
}

fn write_exponent(out: &mut String, exp: i32, exp_char: char, min_digits: usize, plus: bool) {
    out.push(exp_char);
    if exp < 0 {
        out.push('-');
    } else if plus {
        out.push('+');
    }
    let _ = write!(out, "{:0width$}", exp.unsigned_abs(), width = min_digits);
}

/// `double.ToString()` in .NET Core 3.0+: the shortest round-trip digits,
/// in scientific form when the decimal exponent is below -4 (`1E-05`) or
/// at least 17 and past the last digit (`1E+17`, but `1000000000000000`
/// for 1e15): .NET's `FormatGeneral` with `max(digits, 17)` significant
/// places, 17 being the most any double needs to round-trip.
pub fn format_double(d: f64) -> String {
    if d.is_nan() {
        return "NaN".into();
    }
    if d.is_infinite() {
        return if d > 0.0 { "Infinity".into() } else { "-Infinity".into() };
    }
    let number = Digits::shortest(d);
    let mut out = String::new();
    if number.neg {
        out.push('-');
    }
    let max_digits = (number.digits.len() as i32).max(ROUND_TRIP_DIGITS);
    number.write_general(&mut out, max_digits, 'E');
    out
}

/// A number to format: the two runtime kinds that format strings apply to.
#[derive(Clone, Copy, Debug)]
pub enum Number {
    Int(i64),
    Float(f64),
}

pub fn bad_format() -> VmError {
    VmError::throw("System.FormatException", "Format specifier was invalid.")
}

/// Splits a standard format ("F2", "X", "N0") into its letter and precision;
/// `None` for a custom format ("0.00", "#,##0").
pub fn standard_spec(format: &str) -> Option<(char, Option<usize>)> {
    let mut chars = format.chars();
    let letter = chars.next().filter(char::is_ascii_alphabetic)?;
    let rest = chars.as_str();
    if rest.is_empty() {
        return Some((letter, None));
    }
    if rest.len() > 9 || !rest.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some((letter, rest.parse::<usize>().ok().map(|p| p.min(MAX_PRECISION))))
}

/// `number.ToString(format)`.
pub fn format_number(n: Number, format: &str) -> Result<String, VmError> {
    if let Number::Float(x) = n {
        if x.is_nan() {
            return Ok("NaN".into());
        }
        if x.is_infinite() {
            return Ok(if x > 0.0 { "Infinity".into() } else { "-Infinity".into() });
        }
    }
    if format.is_empty() {
        return Ok(match n {
            Number::Int(i) => i.to_string(),
            Number::Float(x) => format_double(x),
        });
    }
    match standard_spec(format) {
        Some((letter, precision)) => format_standard(n, letter, precision),
        None => Ok(format_custom(n, format)),
    }
}

fn format_standard(n: Number, letter: char, precision: Option<usize>) -> Result<String, VmError> {
    let mut out = String::new();
    match (letter.to_ascii_uppercase(), n) {
        ('D', Number::Int(i)) => {
            if i < 0 {
                out.push('-');
            }
            let _ = write!(out, "{:0width$}", i.unsigned_abs(), width = precision.unwrap_or(0));
        }
        ('X', Number::Int(i)) => {
            // int and long share a representation: negative values print as
            // an Int32 when they fit in one.
            let bits = if i32::try_from(i).is_ok() { i as i32 as u32 as u64 } else { i as u64 };
            let width = precision.unwrap_or(0);
            if letter == 'X' {
                let _ = write!(out, "{bits:0width$X}");
            } else {
                let _ = write!(out, "{bits:0width$x}");
            }
        }
        ('B', Number::Int(i)) => {
            let bits = if i32::try_from(i).is_ok() { i as i32 as u32 as u64 } else { i as u64 };
            let _ = write!(out, "{bits:0width$b}", width = precision.unwrap_or(0));
        }
        ('F' | 'N', _) => {
            let frac = precision.unwrap_or(2);
            let number = match n {
                Number::Int(i) => Digits::from_int(i),
                Number::Float(x) => Digits::fixed(x, frac),
            };
            if number.neg {
                out.push('-');
            }
            number.write_fixed(&mut out, frac, letter.eq_ignore_ascii_case(&'N'));
        }
        ('P', _) => {
            let frac = precision.unwrap_or(2);
            let mut number = match n {
                Number::Int(i) => Digits::from_int(i),
                Number::Float(x) => Digits::fixed(x, frac + 2),
            };
            if !number.is_zero() {
                number.scale += 2;
            }
            if number.neg {
                out.push('-');
            }
            number.write_fixed(&mut out, frac, true);
            out.push_str(" %");
        }
        ('C', _) => {
            let frac = precision.unwrap_or(2);
            let number = match n {
                Number::Int(i) => Digits::from_int(i),
                Number::Float(x) => Digits::fixed(x, frac),
            };
            if number.neg {
                out.push('(');
            }
            out.push('¤');
            number.write_fixed(&mut out, frac, true);
            if number.neg {
                out.push(')');
            }
        }
        ('E', _) => {
            let frac = precision.unwrap_or(6);
            let number = match n {
                Number::Int(i) => {
                    let mut d = Digits::from_int(i);
                    d.round_half_up(frac as i32 + 1);
                    d
                }
                Number::Float(x) => Digits::significant(x, frac + 1),
            };
            if number.neg {
                out.push('-');
            }
            number.write_scientific(&mut out, frac, letter, 3);
        }
        ('G', _) => {
            let exp_char = if letter == 'g' { 'e' } else { 'E' };
            let precision = precision.filter(|p| *p > 0);
            let (number, max_digits) = match (n, precision) {
                (Number::Int(i), None) => return Ok(i.to_string()),
                (Number::Int(i), Some(p)) => {
                    let mut d = Digits::from_int(i);
                    d.round_half_up(p as i32);
                    (d, p as i32)
                }
                (Number::Float(x), None) => {
                    let d = Digits::shortest(x);
                    let max = (d.digits.len() as i32).max(ROUND_TRIP_DIGITS);
                    (d, max)
                }
                (Number::Float(x), Some(p)) => (Digits::significant(x, p), p as i32),
            };
            if number.neg {
                out.push('-');
            }
            number.write_general(&mut out, max_digits, exp_char);
        }
        ('R', Number::Float(x)) => return Ok(format_double(x)),
        ('R', Number::Int(i)) => return Ok(i.to_string()),
        _ => return Err(bad_format()),
    }
    Ok(out)
}

/// The start of section `section` (0: positive, 1: negative, 2: zero) of a
/// custom format, or of section 0 when the format has no such section.
fn find_section(format: &[char], section: usize) -> usize {
    if section == 0 {
        return 0;
    }
    let mut seen = 0;
    let mut i = 0;
    while i < format.len() {
        match format[i] {
            q @ ('\'' | '"') => {
                i += 1;
                while i < format.len() && format[i] != q {
                    i += 1;
                }
            }
            '\\' => i += 1,
            ';' => {
                seen += 1;
                if seen == section {
                    // An empty section means "use the first one".
                    return if i + 1 < format.len() && format[i + 1] != ';' { i + 1 } else { 0 };
                }
            }
            _ => {}
        }
        i += 1;
    }
    0
}

/// A custom numeric format ("#,##0.00", "0.#", "000-00-0000", "0.0E+00",
/// "0%", sections "pos;neg;zero"), following .NET's `NumberToStringFormat`.
pub fn format_custom(n: Number, format: &str) -> String {
    let fmt: Vec<char> = format.chars().collect();
    let mut number = match n {
        Number::Int(i) => Digits::from_int(i),
        Number::Float(x) => Digits::significant(x, 15),
    };
    let mut section = find_section(
        &fmt,
        if number.is_zero() {
            2
        } else if number.neg {
            1
        } else {
            0
        },
    );

    let (digit_count, decimal_pos, mut first_digit, mut last_digit, thousand_seps, scientific) = loop {
        let mut digit_count: i32 = 0;
        let mut decimal_pos: i32 = -1;
        let mut first_digit: i32 = i32::MAX;
        let mut last_digit: i32 = 0;
        let mut thousand_pos: i32 = -1;
        let mut thousand_count: i32 = 0;
        let mut thousand_seps = false;
        let mut scale_adjust: i32 = 0;
        let mut scientific = false;

        let mut i = section;
        while i < fmt.len() && fmt[i] != ';' {
            let ch = fmt[i];
            i += 1;
            match ch {
                '#' => digit_count += 1,
                '0' => {
                    if first_digit == i32::MAX {
                        first_digit = digit_count;
                    }
                    digit_count += 1;
                    last_digit = digit_count;
                }
                '.' if decimal_pos < 0 => decimal_pos = digit_count,
                ',' if digit_count > 0 && decimal_pos < 0 => {
                    if thousand_pos >= 0 {
                        if thousand_pos == digit_count {
                            thousand_count += 1;
                            continue;
                        }
                        thousand_seps = true;
                    }
                    thousand_pos = digit_count;
                    thousand_count = 1;
                }
                '%' => scale_adjust += 2,
                '\u{2030}' => scale_adjust += 3,
                '\'' | '"' => {
                    while i < fmt.len() && fmt[i] != ch {
                        i += 1;
                    }
                    i += 1;
                }
                '\\' => i += 1,
                'E' | 'e' => {
                    let next = fmt.get(i).copied();
                    let after = fmt.get(i + 1).copied();
                    if next == Some('0') || (matches!(next, Some('+' | '-')) && after == Some('0')) {
                        i += 1;
                        while fmt.get(i) == Some(&'0') {
                            i += 1;
                        }
                        scientific = true;
                    }
                }
                _ => {}
            }
        }
        if decimal_pos < 0 {
            decimal_pos = digit_count;
        }
        if thousand_pos >= 0 {
            if thousand_pos == decimal_pos {
                scale_adjust -= thousand_count * 3;
            } else {
                thousand_seps = true;
            }
        }
        if !number.is_zero() {
            number.scale += scale_adjust;
            let pos = if scientific { digit_count } else { number.scale + digit_count - decimal_pos };
            number.round_half_up(pos);
            if number.is_zero() {
                let zero_section = find_section(&fmt, 2);
                if zero_section != section {
                    section = zero_section;
                    continue;
                }
            }
        } else {
            if !number.is_float {
                number.neg = false;
            }
            number.scale = 0;
        }
        break (digit_count, decimal_pos, first_digit, last_digit, thousand_seps, scientific);
    };

    first_digit = if first_digit < decimal_pos { decimal_pos - first_digit } else { 0 };
    last_digit = if last_digit > decimal_pos { decimal_pos - last_digit } else { 0 };
    let (mut dig_pos, mut adjust) =
        if scientific { (decimal_pos, 0) } else { (number.scale.max(decimal_pos), number.scale - decimal_pos) };

    // Where group separators go: after the digit at these positions (counted
    // from the decimal point), innermost last.
    let mut separators: Vec<i32> = Vec::new();
    if thousand_seps {
        let total_digits = dig_pos + adjust.min(0);
        let num_digits = first_digit.max(total_digits);
        let mut total = 3;
        while num_digits > total {
            separators.push(total);
            total += 3;
        }
    }
    let negative_section = find_section(&fmt, 1) != 0;
    let mut out = String::new();
    let sign_first = number.neg && section == 0 && number.scale != 0 && !negative_section;
    if sign_first {
        out.push('-');
    }

    let digits = &number.digits;
    let mut cur = 0usize;
    let mut decimal_written = false;
    let push_separator = |out: &mut String, dig_pos: i32, separators: &mut Vec<i32>| {
        if dig_pos > 1 && separators.last().is_some_and(|s| dig_pos == s + 1) {
            out.push(',');
            separators.pop();
        }
    };

    let mut i = section;
    let mut scientific = scientific;
    while i < fmt.len() && fmt[i] != ';' {
        let ch = fmt[i];
        i += 1;
        if adjust > 0 && matches!(ch, '#' | '0' | '.') {
            while adjust > 0 {
                let d = digits.get(cur).copied().unwrap_or(b'0');
                if cur < digits.len() {
                    cur += 1;
                }
                out.push(d as char);
                push_separator(&mut out, dig_pos, &mut separators);
                dig_pos -= 1;
                adjust -= 1;
            }
        }
        match ch {
            '#' | '0' => {
                let d = if adjust < 0 {
                    adjust += 1;
                    (dig_pos <= first_digit).then_some('0')
                } else if cur < digits.len() {
                    cur += 1;
                    Some(digits[cur - 1] as char)
                } else {
                    (dig_pos > last_digit).then_some('0')
                };
                if let Some(d) = d {
                    out.push(d);
                    push_separator(&mut out, dig_pos, &mut separators);
                }
                dig_pos -= 1;
            }
            '.' => {
                if dig_pos != 0 || decimal_written {
                    continue;
                }
                if last_digit < 0 || (decimal_pos < digit_count && cur < digits.len()) {
                    out.push('.');
                    decimal_written = true;
                }
            }
            '\u{2030}' => out.push('‰'),
            '%' => out.push('%'),
            ',' => {}
            '\'' | '"' => {
                while i < fmt.len() && fmt[i] != ch {
                    out.push(fmt[i]);
                    i += 1;
                }
                i += 1;
            }
            '\\' => {
                if let Some(c) = fmt.get(i) {
                    out.push(*c);
                    i += 1;
                }
            }
            'E' | 'e' => {
                let next = fmt.get(i).copied();
                let after = fmt.get(i + 1).copied();
                if scientific {
                    let mut min_digits = 0;
                    let plus = match next {
                        Some('0') => {
                            min_digits += 1;
                            false
                        }
                        Some(sign @ ('+' | '-')) if after == Some('0') => sign == '+',
                        _ => {
                            out.push(ch);
                            continue;
                        }
                    };
                    while fmt.get(i + 1) == Some(&'0') {
                        i += 1;
                        min_digits += 1;
                    }
                    i += 1;
                    let exp = if number.is_zero() { 0 } else { number.scale - decimal_pos };
                    write_exponent(&mut out, exp, ch, min_digits.min(10), plus);
                    scientific = false;
                } else {
                    out.push(ch);
                    if let Some(sign @ ('+' | '-')) = next {
                        out.push(sign);
                        i += 1;
                    }
                    while fmt.get(i) == Some(&'0') {
                        out.push('0');
                        i += 1;
                    }
                }
            }
            other => out.push(other),
        }
    }
    if number.neg && section == 0 && number.scale == 0 && !out.is_empty() && !negative_section && !sign_first {
        out.insert(0, '-');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(x: f64, format: &str) -> String {
        format_number(Number::Float(x), format).unwrap()
    }

    fn i(n: i64, format: &str) -> String {
        format_number(Number::Int(n), format).unwrap()
    }

    #[test]
    fn doubles_print_shortest_round_trip() {
        let cases: &[(f64, &str)] = &[
            (0.1 + 0.2, "0.30000000000000004"),
            (1e14, "100000000000000"),
            (1e15, "1000000000000000"),
            (1e16, "10000000000000000"),
            (1e17, "1E+17"),
            (1.5e17, "1.5E+17"),
            (123456789012345.0, "123456789012345"),
            (1234567890123456.0, "1234567890123456"),
            (12345678901234567.0, "12345678901234568"),
            (123456789012345678.0, "1.2345678901234568E+17"),
            (572572217245701600.0, "5.725722172457016E+17"),
            (1.5e-5, "1.5E-05"),
            (1e-5, "1E-05"),
            (0.0001, "0.0001"),
            (0.00012345, "0.00012345"),
            (123.456, "123.456"),
            (-0.0, "-0"),
            (0.0, "0"),
            (f64::MAX, "1.7976931348623157E+308"),
            (f64::MIN_POSITIVE, "2.2250738585072014E-308"),
            (5e-324, "5E-324"),
            (f64::NAN, "NaN"),
            (f64::INFINITY, "Infinity"),
            (f64::NEG_INFINITY, "-Infinity"),
            (2.5, "2.5"),
            (-0.5, "-0.5"),
            (1000.0, "1000"),
            (1.0 / 3.0, "0.3333333333333333"),
            (100.0 / 7.0, "14.285714285714286"),
            (19.95, "19.95"),
            (1e21, "1E+21"),
            (-1.5e300, "-1.5E+300"),
            (4.35, "4.35"),
            (0.1 * 3.0, "0.30000000000000004"),
        ];
        for (x, want) in cases {
            assert_eq!(format_double(*x), *want, "{x:?}");
        }
    }

    #[test]
    fn fixed_and_number_formats() {
        assert_eq!(f(3.45678, "F2"), "3.46");
        assert_eq!(f(2.675, "F2"), "2.67"); // 2.67499999...
        assert_eq!(f(1.005, "F2"), "1.00");
        assert_eq!(f(0.125, "F2"), "0.12"); // an exact tie rounds to even
        assert_eq!(f(0.375, "F2"), "0.38");
        assert_eq!(f(2.5, "F0"), "2");
        assert_eq!(f(3.5, "F0"), "4");
        assert_eq!(f(-0.001, "F2"), "-0.00");
        assert_eq!(f(5.0, "F"), "5.00");
        assert_eq!(i(5, "F2"), "5.00");
        assert_eq!(i(-5, "F1"), "-5.0");
        assert_eq!(f(1234567.891, "N"), "1,234,567.89");
        assert_eq!(f(1234.5, "N0"), "1,234");
        assert_eq!(i(1234567, "N0"), "1,234,567");
        assert_eq!(i(-1234, "N"), "-1,234.00");
        assert_eq!(i(123, "N0"), "123");
        assert_eq!(f(0.5, "N1"), "0.5");
    }

    #[test]
    fn integer_formats() {
        assert_eq!(i(42, "D5"), "00042");
        assert_eq!(i(-42, "D5"), "-00042");
        assert_eq!(i(7, "D"), "7");
        assert_eq!(i(255, "X"), "FF");
        assert_eq!(i(255, "x4"), "00ff");
        assert_eq!(i(255, "X8"), "000000FF");
        assert_eq!(i(-1, "X"), "FFFFFFFF");
        assert_eq!(i(i64::MIN, "X"), "8000000000000000");
        assert_eq!(i(5, "B8"), "00000101");
        assert!(format_number(Number::Float(1.5), "D2").is_err());
        assert!(format_number(Number::Float(1.5), "X").is_err());
        assert!(format_number(Number::Int(1), "Q").is_err());
    }

    #[test]
    fn scientific_general_percent_currency() {
        assert_eq!(f(12345.678, "E"), "1.234568E+004");
        assert_eq!(f(12345.678, "e2"), "1.23e+004");
        assert_eq!(f(0.00012, "E1"), "1.2E-004");
        assert_eq!(i(12345, "E2"), "1.23E+004");
        assert_eq!(i(125, "E1"), "1.3E+002");
        assert_eq!(i(0, "E2"), "0.00E+000");
        assert_eq!(i(12345, "G3"), "1.23E+04");
        assert_eq!(i(12345, "G"), "12345");
        assert_eq!(f(12345.678, "G"), "12345.678");
        assert_eq!(f(12345.678, "G4"), "1.235E+04");
        assert_eq!(f(0.000012345, "G3"), "1.23E-05");
        assert_eq!(f(1.5, "G5"), "1.5");
        assert_eq!(f(1e17, "R"), "1E+17");
        assert_eq!(f(1e15, "G"), "1000000000000000");
        assert_eq!(f(0.1234, "P"), "12.34 %");
        assert_eq!(f(-0.5, "P1"), "-50.0 %");
        assert_eq!(f(0.125, "P0"), "12 %");
        assert_eq!(i(1, "P0"), "100 %");
        assert_eq!(f(12.5, "C"), "¤12.50");
        assert_eq!(f(-1234.5, "C"), "(¤1,234.50)");
        assert_eq!(f(f64::NAN, "F2"), "NaN");
        assert_eq!(f(f64::NEG_INFINITY, "0.00"), "-Infinity");
    }

    #[test]
    fn custom_formats() {
        assert_eq!(f(2.675, "0.00"), "2.68"); // 15 digits, then half up
        assert_eq!(f(3.45678, "0.00"), "3.46");
        assert_eq!(f(1234567.25, "#,##0.0"), "1,234,567.3");
        assert_eq!(f(1234567.25, "#,##0.00"), "1,234,567.25");
        assert_eq!(i(1234, "#,##0"), "1,234");
        assert_eq!(i(123, "#,##0"), "123");
        assert_eq!(i(0, "#,##0"), "0");
        assert_eq!(i(123456789, "###-##-####"), "123-45-6789");
        assert_eq!(f(0.5, "#.##"), ".5");
        assert_eq!(f(1.0, "0.##"), "1");
        assert_eq!(f(1.25, "0.##"), "1.25");
        assert_eq!(f(1.255, "0.#"), "1.3");
        assert_eq!(i(5, "00.00"), "05.00");
        assert_eq!(f(0.0, "#"), "");
        assert_eq!(i(0, "0"), "0");
        assert_eq!(f(1234.5678, "0.00E+00"), "1.23E+03");
        assert_eq!(f(0.00012, "0.0e0"), "1.2e-4");
        assert_eq!(f(0.45, "0%"), "45%");
        assert_eq!(f(-0.5, "0.0"), "-0.5");
        assert_eq!(f(-0.001, "0.00"), "-0.00");
        assert_eq!(i(-5, "0"), "-5");
        assert_eq!(f(-1234.5, "#,##0.00;(#,##0.00)"), "(1,234.50)");
        assert_eq!(i(0, "pos;neg;zero"), "zero");
        assert_eq!(i(7, "0 'items'"), "7 items");
        assert_eq!(i(7, "\\#0"), "#7");
        assert_eq!(i(1234567, "#,#,,"), "1");
        assert_eq!(i(42, "000"), "042");
        assert_eq!(i(12345, "00"), "12345");
    }

    #[test]
    fn rounding_half_up_carries() {
        let mut d = Digits::from_int(999);
        d.round_half_up(2);
        assert_eq!((d.digits.as_slice(), d.scale), (&b"1"[..], 4));
        let mut d = Digits::from_int(1234);
        d.round_half_up(0);
        assert!(d.is_zero());
    }
}
