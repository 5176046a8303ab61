//! Values to text: the default `ToString()` of every kind of value, format
//! strings (`x.ToString("F2")`, `{0,8:N0}`) and composite formatting
//! (`string.Format`, `Console.WriteLine(format, ...)`).
//!
//! The functions that take only a [`Program`] never run user code; the ones
//! that take the [`Vm`] call user `ToString` overrides through
//! [`Vm::display`].

use crate::Vm;
use crate::bytecode::ClassId;
use crate::error::VmError;
use crate::program::Program;
use crate::value::{Obj, Value};

pub use super::numfmt::format_double;
use super::numfmt::{self, Number};
use super::time::TimeSpan;

/// Past this depth `to_display` stops descending into key/value pairs.
const MAX_DISPLAY_DEPTH: usize = 32;

/// `ToString()` of any value when no user override applies.
pub fn to_display(program: &Program, v: Value) -> String {
    display_at(program, v, 0)
}

fn display_at(program: &Program, v: Value, depth: usize) -> String {
    match v {
        Value::Null => String::new(),
        Value::Bool(b) => if b { "True" } else { "False" }.to_owned(),
        Value::Int(i) => i.to_string(),
        Value::Double(d) => format_double(d),
        Value::Char(c) => char_to_string(c),
        Value::Enum(class, n) => enum_name(program, class, n).unwrap_or_else(|| n.to_string()),
        Value::Obj(o) => match o.view() {
            Obj::Str(s) => s.as_str().to_owned(),
            Obj::Instance(i) => class_name(program, i.class()),
            Obj::Array(a) => format!("{}[]", class_name(program, a.elem())),
            Obj::List(_) | Obj::Dict(_) => type_name_of(program, v, depth),
            Obj::Pair(k, v) if depth < MAX_DISPLAY_DEPTH => {
                format!("[{}, {}]", display_at(program, k, depth + 1), display_at(program, v, depth + 1))
            }
            Obj::Pair(..) => "System.Collections.Generic.KeyValuePair`2".to_owned(),
            Obj::Delegate { .. } => "System.Delegate".to_owned(),
            Obj::Type(class) => class_name(program, class),
            Obj::Task(t) => format!("System.Threading.Tasks.{}", t.type_name()),
            Obj::Continuation(_) => "System.Runtime.CompilerServices.Continuation".to_owned(),
            Obj::Native(n) => match n.as_any().downcast_ref::<TimeSpan>() {
                Some(span) => span.to_string(),
                None => n.type_name().to_owned(),
            },
        },
    }
}

/// A UTF-16 code unit as text (a lone surrogate becomes U+FFFD).
pub fn char_to_string(c: u16) -> String {
    char::from_u32(c as u32).unwrap_or(char::REPLACEMENT_CHARACTER).to_string()
}

/// The full name of a class, tolerating an id the program does not have.
pub fn class_name(program: &Program, class: ClassId) -> String {
    program.classes.get(class.index()).map_or_else(|| "System.Object".to_owned(), |c| c.full_name())
}

/// The enum member with this value, if there is one.
pub fn enum_name(program: &Program, class: ClassId, value: i64) -> Option<String> {
    let class = program.classes.get(class.index())?;
    class.enum_members.iter().find(|(_, v)| *v == value).map(|(name, _)| name.clone())
}

/// The runtime class of a value, as far as the value alone tells it (an
/// `int` and a `long` are both `Int32` here).
pub fn value_class(v: Value) -> ClassId {
    v.class()
}

/// The full name of a value's type as .NET prints it, type arguments
/// included (`System.Collections.Generic.List`1[System.Int32]`). The static
/// type arguments are gone at run time: a collection's are guessed from its
/// first element (`System.Object` when it is empty).
fn type_name_of(program: &Program, v: Value, depth: usize) -> String {
    if depth >= MAX_DISPLAY_DEPTH {
        return "System.Object".to_owned();
    }
    let arg = |x: Option<Value>| x.map_or_else(|| "System.Object".to_owned(), |x| type_name_of(program, x, depth + 1));
    match v {
        Value::Null => "System.Object".to_owned(),
        Value::Obj(o) => match o.view() {
            Obj::List(items) => {
                let first = items.borrow().first().copied();
                format!("System.Collections.Generic.List`1[{}]", arg(first))
            }
            Obj::Dict(d) => {
                let first = d.borrow().first().map(|(k, v)| (k.0, *v));
                let (k, v) = (arg(first.map(|p| p.0)), arg(first.map(|p| p.1)));
                format!("System.Collections.Generic.Dictionary`2[{k},{v}]")
            }
            Obj::Pair(k, v) => {
                format!("System.Collections.Generic.KeyValuePair`2[{},{}]", arg(Some(k)), arg(Some(v)))
            }
            Obj::Array(a) => format!("{}[]", class_name(program, a.elem())),
            Obj::Native(n) => n.type_name().to_owned(),
            Obj::Task(t) => t.type_name().to_owned(),
            _ => class_name(program, value_class(v)),
        },
        _ => class_name(program, value_class(v)),
    }
}

/// Pads `text` to `align` characters: on the left for a positive width, on
/// the right for a negative one.
pub fn align_text(text: String, align: i64) -> String {
    let width = align.unsigned_abs().min(1 << 20) as usize;
    let len = text.encode_utf16().count();
    if len >= width {
        return text;
    }
    let pad = " ".repeat(width - len);
    if align > 0 { pad + &text } else { text + &pad }
}

/// The value formatted with a format string, or `None` when its type ignores
/// format strings (strings, bools, chars, objects: their `ToString()` applies).
pub fn format_value(program: &Program, v: Value, format: &str) -> Result<Option<String>, VmError> {
    match v {
        Value::Int(i) => numfmt::format_number(Number::Int(i), format).map(Some),
        Value::Double(d) => numfmt::format_number(Number::Float(d), format).map(Some),
        Value::Enum(class, n) => format_enum(program, class, n, format).map(Some),
        _ => Ok(None),
    }
}

fn format_enum(program: &Program, class: ClassId, n: i64, format: &str) -> Result<String, VmError> {
    match format {
        "" | "G" | "g" | "F" | "f" => Ok(enum_name(program, class, n).unwrap_or_else(|| n.to_string())),
        "D" | "d" => Ok(n.to_string()),
        "X" | "x" => {
            let text = format!("{:08X}", n as i32 as u32);
            Ok(if format == "x" { text.to_ascii_lowercase() } else { text })
        }
        _ => Err(VmError::throw(
            "System.FormatException",
            "Format string can be only \"G\", \"g\", \"X\", \"x\", \"F\", \"f\", \"D\" or \"d\".",
        )),
    }
}

/// One hole of a composite format or interpolated string: `display` is the
/// value's `ToString()` (user overrides included), used when there is no
/// format or the value's type ignores it. An invalid format falls back to
/// `display` too; [`try_format_with`] reports it instead.
pub fn format_with(program: &Program, v: Value, display: &str, format: Option<&str>, align: i64) -> String {
    try_format_with(program, v, display, format, align).unwrap_or_else(|_| align_text(display.to_owned(), align))
}

/// [`format_with`], with a `FormatException` for an invalid format.
pub fn try_format_with(
    program: &Program,
    v: Value,
    display: &str,
    format: Option<&str>,
    align: i64,
) -> Result<String, VmError> {
    let text = match format.filter(|f| !f.is_empty()) {
        Some(f) => format_value(program, v, f)?.unwrap_or_else(|| display.to_owned()),
        None => display.to_owned(),
    };
    Ok(align_text(text, align))
}

/// One value's text for composite formatting, calling user code only when
/// the format does not decide it.
fn format_hole(vm: &mut Vm, v: Value, format: Option<&str>) -> Result<String, VmError> {
    if let Some(f) = format.filter(|f| !f.is_empty())
        && let Some(text) = format_value(vm.program(), v, f)?
    {
        return Ok(text);
    }
    vm.display(v)
}

pub fn format_error() -> VmError {
    VmError::throw("System.FormatException", "Input string was not in a correct format.")
}

/// The values a composite format refers to by index.
pub enum FormatArgs<'a> {
    /// A native's own arguments (rooted in the caller's registers).
    Values(&'a [Value]),
    /// The elements of an `object[]` passed as the `params` array, read
    /// when needed: user `ToString` code runs in between.
    Items(&'a crate::object::Array),
}

impl FormatArgs<'_> {
    fn get(&self, i: usize) -> Option<Value> {
        match self {
            FormatArgs::Values(values) => values.get(i).copied(),
            FormatArgs::Items(items) => items.get(i),
        }
    }
}

/// .NET's composite formatting: `{index[,alignment][:format]}`, with `{{`
/// and `}}` for literal braces.
pub fn composite(vm: &mut Vm, format: &str, args: FormatArgs) -> Result<String, VmError> {
    let chars: Vec<char> = format.chars().collect();
    let mut out = String::with_capacity(format.len() + 16);
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        i += 1;
        match c {
            '{' if chars.get(i) == Some(&'{') => {
                out.push('{');
                i += 1;
            }
            '}' if chars.get(i) == Some(&'}') => {
                out.push('}');
                i += 1;
            }
            '}' => return Err(format_error()),
            '{' => {
                let index = parse_number(&chars, &mut i).ok_or_else(format_error)?;
                skip_spaces(&chars, &mut i);
                let mut align = 0i64;
                if chars.get(i) == Some(&',') {
                    i += 1;
                    skip_spaces(&chars, &mut i);
                    let negative = chars.get(i) == Some(&'-');
                    if negative {
                        i += 1;
                    }
                    let width = parse_number(&chars, &mut i).ok_or_else(format_error)?;
                    align = if negative { -(width as i64) } else { width as i64 };
                    skip_spaces(&chars, &mut i);
                }
                let mut item_format = None;
                if chars.get(i) == Some(&':') {
                    i += 1;
                    let start = i;
                    while i < chars.len() && chars[i] != '}' {
                        if chars[i] == '{' {
                            return Err(format_error());
                        }
                        i += 1;
                    }
                    item_format = Some(chars[start..i].iter().collect::<String>());
                }
                if chars.get(i) != Some(&'}') {
                    return Err(format_error());
                }
                i += 1;
                let Some(value) = args.get(index) else {
                    return Err(VmError::throw(
                        "System.FormatException",
                        "Index (zero based) must be greater than or equal to zero and less than the size of the argument list.",
                    ));
                };
                let text = format_hole(vm, value, item_format.as_deref())?;
                out.push_str(&align_text(text, align));
            }
            c => out.push(c),
        }
    }
    Ok(out)
}

fn skip_spaces(chars: &[char], i: &mut usize) {
    while chars.get(*i) == Some(&' ') {
        *i += 1;
    }
}

/// Decimal digits (at least one), below 1,000,000 as .NET requires.
fn parse_number(chars: &[char], i: &mut usize) -> Option<usize> {
    let start = *i;
    let mut n = 0usize;
    while let Some(d) = chars.get(*i).and_then(|c| c.to_digit(10)) {
        n = n * 10 + d as usize;
        if n >= 1_000_000 {
            return None;
        }
        *i += 1;
    }
    (*i > start).then_some(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_of_primitives() {
        let p = Program::new("t.toy");
        assert_eq!(to_display(&p, Value::Null), "");
        assert_eq!(to_display(&p, Value::Bool(true)), "True");
        assert_eq!(to_display(&p, Value::Int(-17)), "-17");
        assert_eq!(to_display(&p, Value::Double(4.0)), "4");
        assert_eq!(to_display(&p, Value::Double(0.1)), "0.1");
        assert_eq!(to_display(&p, Value::Char('x' as u16)), "x");
    }

    #[test]
    fn holes_with_format_and_alignment() {
        let p = Program::new("t.toy");
        assert_eq!(format_with(&p, Value::Double(3.45678), "3.45678", Some("F2"), 8), "    3.46");
        assert_eq!(format_with(&p, Value::Int(42), "42", None, 5), "   42");
        assert_eq!(format_with(&p, Value::Int(42), "42", None, -5), "42   ");
        assert_eq!(format_with(&p, Value::Int(1234567), "1234567", Some("N0"), 0), "1,234,567");
        assert_eq!(format_with(&p, Value::Int(7), "7", Some("D3"), 0), "007");
        assert_eq!(format_with(&p, Value::Int(255), "255", Some("X"), 0), "FF");
        assert_eq!(format_with(&p, Value::Double(0.25), "0.25", Some("P"), 0), "25.00 %");
        assert_eq!(format_with(&p, Value::Bool(true), "True", Some("F2"), 6), "  True");
        // an invalid specifier falls back to the display text
        assert_eq!(format_with(&p, Value::Double(1.5), "1.5", Some("D2"), 0), "1.5");
        assert!(try_format_with(&p, Value::Double(1.5), "1.5", Some("D2"), 0).is_err());
    }

    #[test]
    fn alignment_counts_utf16_units() {
        assert_eq!(align_text("é".to_owned(), 3), "  é");
        assert_eq!(align_text("long".to_owned(), 2), "long");
    }
}
