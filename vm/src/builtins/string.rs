//! `string`: instance methods, `string.Join`/`Concat`/`Format`/`Compare`, and
//! the comparison .NET's default string comparer uses.
//!
//! C# strings are UTF-16 and every index here is a UTF-16 index; toy stores
//! UTF-8, so ASCII strings index by byte and others are converted. A slice
//! that would split a surrogate pair yields U+FFFD for the lone half.

use std::cmp::Ordering;

use crate::Vm;
use crate::error::VmError;
use crate::program::BuiltinClass;
use crate::value::{Obj, Str, Value};

use super::args::{
    NativeResult, arg, argument, argument_null, bool_arg, cast_error, char_arg, checked_size, int_arg, negative,
    new_array, obj_arg, out_of_range, str_arg, str_arg_not_null, this_str,
};
use super::console::format_from;
use super::format::char_to_string;

// ---- UTF-16 indexing ----

/// The byte offset of UTF-16 index `index`, or `None` when it is past the
/// end or inside a surrogate pair.
fn byte_offset(s: &Str, index: usize) -> Option<usize> {
    if s.is_ascii() {
        return (index <= s.len()).then_some(index);
    }
    let mut units = 0;
    for (byte, c) in s.char_indices() {
        if units == index {
            return Some(byte);
        }
        units += c.len_utf16();
        if units > index {
            return None;
        }
    }
    (units == index).then_some(s.len())
}

/// The UTF-16 index of byte offset `byte` (a char boundary).
fn utf16_index(s: &Str, byte: usize) -> usize {
    if s.is_ascii() { byte } else { s.as_str().get(..byte).map_or(0, |p| p.encode_utf16().count()) }
}

/// `s[start..end]` in UTF-16 units (the caller checks the bounds).
fn slice16(s: &Str, start: usize, end: usize) -> String {
    match (byte_offset(s, start), byte_offset(s, end)) {
        (Some(a), Some(b)) if a <= b => s.as_str()[a..b].to_owned(),
        _ => {
            let units: Vec<u16> = s.encode_utf16().collect();
            String::from_utf16_lossy(units.get(start..end).unwrap_or(&[]))
        }
    }
}

fn to_char(c: u16) -> Option<char> {
    char::from_u32(c as u32)
}

/// A C# `char` or `string` argument as text to search for.
enum Needle<'a> {
    Char(u16),
    Str(&'a str),
}

fn needle<'a>(vm: &Vm, args: &'a [Value], i: usize) -> Result<Needle<'a>, VmError> {
    match (arg(args, i), obj_arg(args, i)) {
        (Value::Char(c), _) => Ok(Needle::Char(c)),
        (_, Some(Obj::Str(s))) => Ok(Needle::Str(s.as_str())),
        (Value::Null, _) => Err(argument_null("value")),
        (v, _) => Err(cast_error(vm, v, "System.String")),
    }
}

/// Finds `needle` in `s` from UTF-16 index `from`; the UTF-16 index of the match.
fn find(s: &Str, needle: &Needle, from: usize) -> Option<usize> {
    let start = byte_offset(s, from)?;
    let hay = &s.as_str()[start..];
    let found = match needle {
        Needle::Str(n) => hay.find(n),
        Needle::Char(c) => hay.find(to_char(*c)?),
    };
    found.map(|b| utf16_index(s, start + b))
}

fn rfind(s: &Str, needle: &Needle) -> Option<usize> {
    let found = match needle {
        Needle::Str(n) => s.as_str().rfind(n),
        Needle::Char(c) => s.as_str().rfind(to_char(*c)?),
    };
    found.map(|b| utf16_index(s, b))
}

fn index_result(found: Option<usize>) -> Value {
    Value::Int(found.map_or(-1, |i| i as i64))
}

// ---- instance members ----

pub fn length(vm: &mut Vm, args: &[Value]) -> NativeResult {
    Ok(Value::Int(this_str(vm, args)?.len_utf16() as i64))
}

pub fn chars(vm: &mut Vm, args: &[Value]) -> NativeResult {
    let s = this_str(vm, args)?;
    let i = int_arg(vm, args, 1)?;
    usize::try_from(i).ok().and_then(|i| s.char_at(i)).map(Value::Char).ok_or_else(VmError::index_out_of_range)
}

pub fn substring(vm: &mut Vm, args: &[Value]) -> NativeResult {
    let s = this_str(vm, args)?;
    let len = s.len_utf16();
    let start = int_arg(vm, args, 1)?;
    if start < 0 {
        return Err(negative("startIndex", start));
    }
    if start > len as i64 {
        return Err(out_of_range("startIndex", "startIndex cannot be larger than length of string."));
    }
    let length = if args.len() > 2 { int_arg(vm, args, 2)? } else { len as i64 - start };
    if length < 0 {
        return Err(negative("length", length));
    }
    if length > len as i64 - start {
        return Err(out_of_range("length", "Index and length must refer to a location within the string."));
    }
    let text = slice16(s, start as usize, (start + length) as usize);
    Ok(vm.str_value(text))
}

pub fn index_of(vm: &mut Vm, args: &[Value]) -> NativeResult {
    let s = this_str(vm, args)?;
    let n = needle(vm, args, 1)?;
    let from = if args.len() > 2 {
        let from = int_arg(vm, args, 2)?;
        if from < 0 || from > s.len_utf16() as i64 {
            return Err(out_of_range(
                "startIndex",
                "Index was out of range. Must be non-negative and less than or equal to the size of the collection.",
            ));
        }
        from as usize
    } else {
        0
    };
    Ok(index_result(find(s, &n, from)))
}

pub fn last_index_of(vm: &mut Vm, args: &[Value]) -> NativeResult {
    let s = this_str(vm, args)?;
    let n = needle(vm, args, 1)?;
    Ok(index_result(rfind(s, &n)))
}

pub fn index_of_any(vm: &mut Vm, args: &[Value]) -> NativeResult {
    let s = this_str(vm, args)?;
    let set = char_set(vm, args, 1)?;
    let found = s.as_str().char_indices().find(|(_, c)| set.contains(c)).map(|(b, _)| utf16_index(s, b));
    Ok(index_result(found))
}

pub fn contains(vm: &mut Vm, args: &[Value]) -> NativeResult {
    let s = this_str(vm, args)?;
    let n = needle(vm, args, 1)?;
    Ok(Value::Bool(find(s, &n, 0).is_some()))
}

pub fn starts_with(vm: &mut Vm, args: &[Value]) -> NativeResult {
    let s = this_str(vm, args)?;
    Ok(Value::Bool(match needle(vm, args, 1)? {
        Needle::Str(n) => s.starts_with(n),
        Needle::Char(c) => s.char_at(0) == Some(c),
    }))
}

pub fn ends_with(vm: &mut Vm, args: &[Value]) -> NativeResult {
    let s = this_str(vm, args)?;
    Ok(Value::Bool(match needle(vm, args, 1)? {
        Needle::Str(n) => s.ends_with(n),
        Needle::Char(c) => s.len_utf16().checked_sub(1).and_then(|last| s.char_at(last)) == Some(c),
    }))
}

/// Case mapping char by char, as .NET's invariant culture does (a char
/// whose mapping is several chars, like 'ß', stays as it is).
fn map_case(s: &str, upper: bool) -> String {
    s.chars()
        .map(|c| {
            let mut mapped = if upper { c.to_uppercase().collect::<Vec<_>>() } else { c.to_lowercase().collect() };
            if mapped.len() == 1 { mapped.pop().unwrap_or(c) } else { c }
        })
        .collect()
}

pub fn to_upper(vm: &mut Vm, args: &[Value]) -> NativeResult {
    let text = map_case(this_str(vm, args)?, true);
    Ok(vm.str_value(text))
}

pub fn to_lower(vm: &mut Vm, args: &[Value]) -> NativeResult {
    let text = map_case(this_str(vm, args)?, false);
    Ok(vm.str_value(text))
}

/// The chars of a `char` or `char[]` argument (none when it is absent).
fn char_set(vm: &Vm, args: &[Value], i: usize) -> Result<Vec<char>, VmError> {
    match (arg(args, i), obj_arg(args, i)) {
        (Value::Char(c), _) => Ok(to_char(c).into_iter().collect()),
        (_, Some(Obj::Array(a))) => {
            Ok(a.iter().filter_map(|v| v.as_int()).filter_map(|c| char::from_u32(c as u32)).collect())
        }
        (Value::Null, _) => Ok(Vec::new()),
        (v, _) => Err(cast_error(vm, v, "System.Char[]")),
    }
}

#[derive(Clone, Copy)]
enum TrimSide {
    Both,
    Start,
    End,
}

fn trim_with(vm: &mut Vm, args: &[Value], side: TrimSide) -> NativeResult {
    let s = this_str(vm, args)?.as_str();
    let set = char_set(vm, args, 1)?;
    let matches = |c: char| if set.is_empty() { c.is_whitespace() } else { set.contains(&c) };
    let text = match side {
        TrimSide::Both => s.trim_matches(matches),
        TrimSide::Start => s.trim_start_matches(matches),
        TrimSide::End => s.trim_end_matches(matches),
    };
    if text.len() == s.len() {
        return Ok(arg(args, 0));
    }
    let text = text.to_owned();
    Ok(vm.str_value(text))
}

pub fn trim(vm: &mut Vm, args: &[Value]) -> NativeResult {
    trim_with(vm, args, TrimSide::Both)
}

pub fn trim_start(vm: &mut Vm, args: &[Value]) -> NativeResult {
    trim_with(vm, args, TrimSide::Start)
}

pub fn trim_end(vm: &mut Vm, args: &[Value]) -> NativeResult {
    trim_with(vm, args, TrimSide::End)
}

/// `Split()`, `Split(char)`, `Split(char, char, ...)`, `Split(char[])`,
/// `Split(string)`.
pub fn split(vm: &mut Vm, args: &[Value]) -> NativeResult {
    let s = this_str(vm, args)?.as_str();
    let pieces: Vec<String> = if let Some(Obj::Str(sep)) = obj_arg(args, 1) {
        if sep.is_empty() { vec![s.to_owned()] } else { s.split(sep.as_str()).map(str::to_owned).collect() }
    } else {
        let mut set = Vec::new();
        for i in 1..args.len() {
            set.extend(char_set(vm, args, i)?);
        }
        if set.is_empty() {
            s.split(char::is_whitespace).map(str::to_owned).collect()
        } else {
            s.split(|c| set.contains(&c)).map(str::to_owned).collect()
        }
    };
    let items = pieces.into_iter().map(|p| vm.str_value(p)).collect();
    Ok(new_array(vm, BuiltinClass::String.id(), items))
}

pub fn replace(vm: &mut Vm, args: &[Value]) -> NativeResult {
    let s = this_str(vm, args)?.as_str();
    let text = match (arg(args, 1), arg(args, 2)) {
        (Value::Char(a), Value::Char(b)) => match (to_char(a), to_char(b)) {
            (Some(a), Some(b)) => s.replace(a, b.encode_utf8(&mut [0; 4])),
            _ => s.to_owned(),
        },
        _ => {
            let old = str_arg_not_null(vm, args, 1, "oldValue")?;
            if old.is_empty() {
                return Err(argument("String cannot be of zero length.", "oldValue"));
            }
            let new = str_arg(vm, args, 2)?.map_or("", |n| n.as_str());
            s.replace(old.as_str(), new)
        }
    };
    Ok(vm.str_value(text))
}

fn pad(vm: &mut Vm, args: &[Value], left: bool) -> NativeResult {
    let s = this_str(vm, args)?;
    let width = int_arg(vm, args, 1)?;
    let fill = if args.len() > 2 { char_arg(vm, args, 2)? } else { b' ' as u16 };
    if width < 0 {
        return Err(out_of_range("totalWidth", "Non-negative number required."));
    }
    let len = s.len_utf16() as i64;
    if width <= len {
        return Ok(arg(args, 0));
    }
    vm.reserve(checked_size(width)?)?;
    let padding = char_to_string(fill).repeat(checked_size(width - len)?);
    let text = if left { padding + s.as_str() } else { s.as_str().to_owned() + &padding };
    Ok(vm.str_value(text))
}

pub fn pad_left(vm: &mut Vm, args: &[Value]) -> NativeResult {
    pad(vm, args, true)
}

pub fn pad_right(vm: &mut Vm, args: &[Value]) -> NativeResult {
    pad(vm, args, false)
}

/// `s.Equals(object)`: ordinal equality with another string.
pub fn equals(vm: &mut Vm, args: &[Value]) -> NativeResult {
    let s = this_str(vm, args)?;
    Ok(Value::Bool(matches!(obj_arg(args, 1), Some(Obj::Str(o)) if o.as_str() == s.as_str())))
}

/// `string.Equals(a, b)`.
pub fn equals_static(_vm: &mut Vm, args: &[Value]) -> NativeResult {
    Ok(Value::Bool(match (obj_arg(args, 0), obj_arg(args, 1)) {
        (Some(Obj::Str(a)), Some(Obj::Str(b))) => a.as_str() == b.as_str(),
        _ => arg(args, 0).is_null() && arg(args, 1).is_null(),
    }))
}

fn ordering_value(o: Ordering) -> Value {
    Value::Int(o as i64)
}

pub fn compare_to(vm: &mut Vm, args: &[Value]) -> NativeResult {
    let s = this_str(vm, args)?;
    Ok(ordering_value(match str_arg(vm, args, 1)? {
        Some(other) => compare_culture(s, other),
        None => Ordering::Greater,
    }))
}

/// `string.Compare(a, b)` and `string.Compare(a, b, ignoreCase)`.
pub fn compare(vm: &mut Vm, args: &[Value]) -> NativeResult {
    let ignore_case = args.len() > 2 && bool_arg(vm, args, 2)?;
    let a = str_arg(vm, args, 0)?;
    let b = str_arg(vm, args, 1)?;
    Ok(ordering_value(match (a, b) {
        (Some(a), Some(b)) if ignore_case => compare_ignore_case(a, b),
        (Some(a), Some(b)) => compare_culture(a, b),
        (a, b) => a.is_some().cmp(&b.is_some()),
    }))
}

/// `string.CompareOrdinal(a, b)`: by UTF-16 code units.
pub fn compare_ordinal(vm: &mut Vm, args: &[Value]) -> NativeResult {
    let a = str_arg(vm, args, 0)?;
    let b = str_arg(vm, args, 1)?;
    Ok(ordering_value(match (a, b) {
        (Some(a), Some(b)) => a.encode_utf16().cmp(b.encode_utf16()),
        (a, b) => a.is_some().cmp(&b.is_some()),
    }))
}

pub fn to_char_array(vm: &mut Vm, args: &[Value]) -> NativeResult {
    let units: Vec<Value> = this_str(vm, args)?.encode_utf16().map(Value::Char).collect();
    Ok(new_array(vm, BuiltinClass::Char.id(), units))
}

pub fn insert(vm: &mut Vm, args: &[Value]) -> NativeResult {
    let s = this_str(vm, args)?;
    let start = int_arg(vm, args, 1)?;
    let value = str_arg_not_null(vm, args, 2, "value")?;
    let len = s.len_utf16();
    if start < 0 || start > len as i64 {
        return Err(out_of_range("startIndex", "Specified argument was out of the range of valid values."));
    }
    let text = slice16(s, 0, start as usize) + value.as_str() + &slice16(s, start as usize, len);
    Ok(vm.str_value(text))
}

pub fn remove(vm: &mut Vm, args: &[Value]) -> NativeResult {
    let s = this_str(vm, args)?;
    let len = s.len_utf16() as i64;
    let start = int_arg(vm, args, 1)?;
    let count = if args.len() > 2 {
        let count = int_arg(vm, args, 2)?;
        if start < 0 {
            return Err(out_of_range("startIndex", "StartIndex cannot be less than zero."));
        }
        if count < 0 {
            return Err(out_of_range("count", "Count cannot be less than zero."));
        }
        if count > len - start {
            return Err(out_of_range("count", "Index and count must refer to a location within the string."));
        }
        count
    } else {
        if start < 0 {
            return Err(out_of_range("startIndex", "StartIndex cannot be less than zero."));
        }
        if start > len {
            return Err(out_of_range("startIndex", "startIndex must be less than length of string."));
        }
        len - start
    };
    let text = slice16(s, 0, start as usize) + &slice16(s, (start + count) as usize, len as usize);
    Ok(vm.str_value(text))
}

// ---- static members ----

/// Appends the `ToString()` of each element of `seq` (an array or list,
/// read afresh at each step: user code may run in between) or of `v` itself.
fn append_items(vm: &mut Vm, v: Value, separator: &str, out: &mut String) -> Result<(), VmError> {
    let obj = obj_arg(std::slice::from_ref(&v), 0);
    let items = match obj {
        Some(Obj::List(items)) => crate::object::Seq::List(items),
        Some(Obj::Array(a)) => crate::object::Seq::Array(a),
        _ => {
            let text = vm.display(v)?;
            out.push_str(&text);
            return Ok(());
        }
    };
    let mut i = 0;
    while let Some(item) = items.get(i) {
        if i > 0 {
            out.push_str(separator);
        }
        let text = vm.display(item)?;
        out.push_str(&text);
        i += 1;
    }
    Ok(())
}

/// `string.Join(separator, values)` and `string.Join(separator, a, b, ...)`.
pub fn join(vm: &mut Vm, args: &[Value]) -> NativeResult {
    let separator = match (arg(args, 0), obj_arg(args, 0)) {
        (Value::Char(c), _) => char_to_string(c),
        (_, Some(Obj::Str(s))) => s.as_str().to_owned(),
        (Value::Null, _) => String::new(),
        (v, _) => return Err(cast_error(vm, v, "System.String")),
    };
    let mut out = String::new();
    if args.len() == 2 {
        if arg(args, 1).is_null() {
            return Err(argument_null("values"));
        }
        append_items(vm, arg(args, 1), &separator, &mut out)?;
    } else {
        for (i, v) in args.iter().skip(1).enumerate() {
            if i > 0 {
                out.push_str(&separator);
            }
            let text = vm.display(*v)?;
            out.push_str(&text);
        }
    }
    Ok(vm.str_value(out))
}

/// `string.Concat(a, b, ...)` and `string.Concat(values)`.
pub fn concat(vm: &mut Vm, args: &[Value]) -> NativeResult {
    let mut out = String::new();
    if let [single] = args {
        append_items(vm, *single, "", &mut out)?;
    } else {
        for v in args {
            let text = vm.display(*v)?;
            out.push_str(&text);
        }
    }
    Ok(vm.str_value(out))
}

pub fn is_null_or_empty(vm: &mut Vm, args: &[Value]) -> NativeResult {
    Ok(Value::Bool(str_arg(vm, args, 0)?.is_none_or(|s| s.is_empty())))
}

pub fn is_null_or_white_space(vm: &mut Vm, args: &[Value]) -> NativeResult {
    Ok(Value::Bool(str_arg(vm, args, 0)?.is_none_or(|s| s.chars().all(char::is_whitespace))))
}

/// `string.Format(format, args...)`.
pub fn format(vm: &mut Vm, args: &[Value]) -> NativeResult {
    let text = format_from(vm, args, 0)?;
    Ok(vm.str_value(text))
}

/// `new string(char c, int count)`.
pub fn ctor_repeat(vm: &mut Vm, args: &[Value]) -> NativeResult {
    let c = char_arg(vm, args, 0)?;
    let count = int_arg(vm, args, 1)?;
    if count < 0 {
        return Err(out_of_range("count", "Non-negative number required."));
    }
    vm.reserve(checked_size(count)?)?;
    let text = char_to_string(c).repeat(checked_size(count)?);
    Ok(vm.str_value(text))
}

/// `new string(char[] chars)`.
pub fn ctor_chars(vm: &mut Vm, args: &[Value]) -> NativeResult {
    let units: Vec<u16> = match obj_arg(args, 0) {
        Some(Obj::Array(a)) => a.iter().filter_map(|v| v.as_int()).map(|c| c as u16).collect(),
        None if arg(args, 0).is_null() => Vec::new(),
        _ => return Err(cast_error(vm, arg(args, 0), "System.Char[]")),
    };
    Ok(vm.str_value(String::from_utf16_lossy(&units)))
}

pub fn empty(vm: &mut Vm, _args: &[Value]) -> NativeResult {
    Ok(vm.str_value(""))
}

// ---- comparison ----

/// Punctuation and symbols in the order of the Unicode collation algorithm's
/// default table, which .NET (through ICU) uses for culture-aware comparison.
const PUNCTUATION_ORDER: &str = "_-,;:!?.'\"()[]{}@*/\\&#%`^+<=>|~$";

/// A char's collation weights: (primary, secondary accent, tertiary case).
/// Primary 0 means ignorable.
fn weights(c: char) -> (u32, u8, u8) {
    let upper = c.is_uppercase() as u8;
    match c {
        '\t' => (1, 0, 0),
        '\n' => (2, 0, 0),
        '\u{b}' => (3, 0, 0),
        '\u{c}' => (4, 0, 0),
        '\r' => (5, 0, 0),
        ' ' => (6, 0, 0),
        c if c.is_control() => (0, 0, 0),
        c if c.is_ascii_punctuation() => (10 + PUNCTUATION_ORDER.find(c).unwrap_or(40) as u32, 0, 0),
        '0'..='9' => (100 + (c as u32 - '0' as u32), 0, 0),
        'a'..='z' | 'A'..='Z' => (200 + (c.to_ascii_lowercase() as u32 - 'a' as u32), 0, upper),
        c => match fold_accent(c) {
            Some(base) => (200 + (base as u32 - 'a' as u32), 1, upper),
            None => {
                let lower = c.to_lowercase().next().unwrap_or(c);
                (1000 + lower as u32, 0, upper)
            }
        },
    }
}

/// The base letter of an accented Latin-1 letter.
fn fold_accent(c: char) -> Option<char> {
    let lower = c.to_lowercase().next().unwrap_or(c);
    Some(match lower {
        'à'..='å' => 'a',
        'ç' => 'c',
        'è'..='ë' => 'e',
        'ì'..='ï' => 'i',
        'ñ' => 'n',
        'ò'..='ö' | 'ø' => 'o',
        'ù'..='ü' => 'u',
        'ý' | 'ÿ' => 'y',
        _ => return None,
    })
}

fn compare_levels(a: &str, b: &str, with_case: bool) -> Ordering {
    let wa: Vec<_> = a.chars().map(weights).filter(|w| w.0 != 0).collect();
    let wb: Vec<_> = b.chars().map(weights).filter(|w| w.0 != 0).collect();
    wa.iter()
        .map(|w| w.0)
        .cmp(wb.iter().map(|w| w.0))
        .then_with(|| wa.iter().map(|w| w.1).cmp(wb.iter().map(|w| w.1)))
        .then_with(|| if with_case { wa.iter().map(|w| w.2).cmp(wb.iter().map(|w| w.2)) } else { Ordering::Equal })
}

/// .NET's default (culture-aware) string comparison, approximated by the
/// Unicode collation order for Latin text: letters ignoring case and accents
/// first ("apple" < "Banana"), then accents, then lowercase before uppercase
/// ("a" < "A"); punctuation before digits before letters. Strings that tie
/// are ordered by code point so that only equal strings compare equal.
pub fn compare_culture(a: &str, b: &str) -> Ordering {
    compare_levels(a, b, true).then_with(|| a.cmp(b))
}

/// `string.Compare(a, b, ignoreCase: true)`.
pub fn compare_ignore_case(a: &str, b: &str) -> Ordering {
    compare_levels(a, b, false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn culture_order_puts_case_after_letters() {
        let mut words =
            vec!["banana", "Apple", "apple", "Banana", "cherry", "_x", "1a", "a1", "ab", "aB", "Ab", "AB", "b"];
        words.sort_by(|a, b| compare_culture(a, b));
        assert_eq!(
            words,
            ["_x", "1a", "a1", "ab", "aB", "Ab", "AB", "apple", "Apple", "b", "banana", "Banana", "cherry"]
        );
        assert_eq!(compare_culture("a", "A"), Ordering::Less);
        assert_eq!(compare_culture("A", "b"), Ordering::Less);
        assert_eq!(compare_culture("abc", "abcd"), Ordering::Less);
        assert_eq!(compare_culture("e", "é"), Ordering::Less);
        assert_eq!(compare_culture("é", "f"), Ordering::Less);
        assert_eq!(compare_ignore_case("HeLLo", "hello"), Ordering::Equal);
    }

    #[test]
    fn utf16_offsets() {
        crate::object::with_str("aé😀b", utf16_offsets_of);
    }

    fn utf16_offsets_of(s: &Str) {
        assert_eq!(s.len_utf16(), 5);
        assert_eq!(byte_offset(s, 0), Some(0));
        assert_eq!(byte_offset(s, 2), Some(3));
        assert_eq!(byte_offset(s, 3), None); // inside the surrogate pair
        assert_eq!(byte_offset(s, 4), Some(7));
        assert_eq!(byte_offset(s, 5), Some(8));
        assert_eq!(slice16(s, 1, 4), "é😀");
        assert_eq!(slice16(s, 0, 3), "aé\u{FFFD}");
        assert_eq!(utf16_index(s, 7), 4);
        assert_eq!(map_case("straße", true), "STRAßE");
    }
}
