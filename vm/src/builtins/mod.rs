//! The built-in library: every native method, property accessor and
//! constructor, in one table ([`NATIVES`]).
//!
//! # The table
//! One row per overload: owner (the C# type name), member name (`get_X`,
//! `set_X`, `get_Item`/`set_Item`, `.ctor`), whether it is static, the
//! parameter types (not counting an instance native's receiver, which
//! arrives as `args[0]`), the result type, and the function. Overloads that
//! differ only in a numeric type (`Math.Abs(int)` / `Math.Abs(double)`)
//! share a function that keeps the argument's runtime kind.
//!
//! Type strings use C# spelling: `int`, `long`, `double`, `decimal`, `bool`,
//! `char`, `string`, `object` (accepts anything), `void`, arrays `T[]`, and
//! built-in generics `List<T>`, `Dictionary<K,V>`, `KeyValuePair<K,V>`,
//! `IEnumerable<T>`, `Predicate<T>`, `Action<T>`, `Comparison<T>`,
//! `IComparer<T>`, plus the library types `Type`, `TimeSpan`, `Stopwatch`,
//! `TextWriter`. `T` is the receiver's first type argument (`K`/`V` a
//! dictionary's); a static native's `T` is inferred from its arguments.
//! `out X` / `ref X` mark a parameter passed as a `StrongBox`
//! (`BuiltinClass::StrongBox`); `params object[]` a C# `params` array, which
//! arrives as one array argument.
//!
//! # Invariant: natives keep the heap sound
//! Besides `native.rs`'s rules: a native that calls user code
//! ([`crate::Vm::invoke`], [`crate::Vm::call_method`], [`crate::Vm::display`],
//! [`crate::Vm::equals`])
//! may trigger a collection there, so across such a call it holds no `Gc`
//! that is reachable only from Rust: it re-reads collection elements from
//! the (rooted) argument after each call, and allocates its results only
//! after the last call.

use crate::async1::builder;
use crate::native::{NativeDef, NativeFn};

pub(crate) mod args;
mod collections;
mod console;
pub mod format;
mod gc;
mod math;
pub mod numfmt;
mod object;
mod parse;
mod sort;
mod string;
pub mod tasks;
pub mod threading;
pub mod time;

pub(crate) use console::args_array;
pub use object::default_equals;

/// A static member.
const fn st(owner: &'static str, name: &'static str, params: &'static [&'static str], ret: &'static str, f: NativeFn) -> NativeDef {
    NativeDef { owner, name, is_static: true, params, ret, f }
}

/// An instance member: the receiver is `args[0]`.
const fn me(owner: &'static str, name: &'static str, params: &'static [&'static str], ret: &'static str, f: NativeFn) -> NativeDef {
    NativeDef { owner, name, is_static: false, params, ret, f }
}

const O: &str = "object";
const S: &str = "string";
/// A `params object[]` parameter: the compiler packs the extra arguments.
const P: &str = "params object[]";

#[rustfmt::skip]
pub static NATIVES: &[NativeDef] = &[
    // ---- Console ----
    st("Console", "WriteLine", &[], "void", console::write_line),
    st("Console", "WriteLine", &[S], "void", console::write_line),
    st("Console", "WriteLine", &[O], "void", console::write_line),
    st("Console", "WriteLine", &[S, O], "void", console::write_line),
    st("Console", "WriteLine", &[S, O, O], "void", console::write_line),
    st("Console", "WriteLine", &[S, O, O, O], "void", console::write_line),
    st("Console", "WriteLine", &[S, O, O, O, O], "void", console::write_line),
    st("Console", "WriteLine", &[S, P], "void", console::write_line),
    st("Console", "Write", &[S], "void", console::write_no_line),
    st("Console", "Write", &[O], "void", console::write_no_line),
    st("Console", "Write", &[S, O], "void", console::write_no_line),
    st("Console", "Write", &[S, O, O], "void", console::write_no_line),
    st("Console", "Write", &[S, O, O, O], "void", console::write_no_line),
    st("Console", "Write", &[S, O, O, O, O], "void", console::write_no_line),
    st("Console", "Write", &[S, P], "void", console::write_no_line),
    st("Console", "get_Error", &[], "TextWriter", console::get_error),
    st("Console", "get_Out", &[], "TextWriter", console::get_out),
    st("Console", "ReadLine", &[], "string", console::read_line),
    me("TextWriter", "WriteLine", &[], "void", console::writer_write_line),
    me("TextWriter", "WriteLine", &[S], "void", console::writer_write_line),
    me("TextWriter", "WriteLine", &[O], "void", console::writer_write_line),
    me("TextWriter", "WriteLine", &[S, O], "void", console::writer_write_line),
    me("TextWriter", "WriteLine", &[S, O, O], "void", console::writer_write_line),
    me("TextWriter", "WriteLine", &[S, O, O, O], "void", console::writer_write_line),
    me("TextWriter", "WriteLine", &[S, P], "void", console::writer_write_line),
    me("TextWriter", "Write", &[S], "void", console::writer_write),
    me("TextWriter", "Write", &[O], "void", console::writer_write),
    me("TextWriter", "Write", &[S, O], "void", console::writer_write),
    me("TextWriter", "Write", &[S, O, O], "void", console::writer_write),
    me("TextWriter", "Flush", &[], "void", console::writer_flush),

    // ---- Environment ----
    st("Environment", "get_TickCount64", &[], "long", time::tick_count64),
    st("Environment", "get_TickCount", &[], "int", time::tick_count),
    st("Environment", "GetCommandLineArgs", &[], "string[]", console::command_line_args),
    st("Environment", "get_NewLine", &[], "string", console::new_line),
    st("Environment", "get_ProcessorCount", &[], "int", console::processor_count),
    st("Environment", "Exit", &["int"], "void", console::exit),

    // ---- Math ----
    st("Math", "Abs", &["int"], "int", math::abs),
    st("Math", "Abs", &["long"], "long", math::abs),
    st("Math", "Abs", &["double"], "double", math::abs),
    st("Math", "Abs", &["decimal"], "decimal", math::abs),
    st("Math", "Max", &["int", "int"], "int", math::max),
    st("Math", "Max", &["long", "long"], "long", math::max),
    st("Math", "Max", &["double", "double"], "double", math::max),
    st("Math", "Max", &["decimal", "decimal"], "decimal", math::max),
    st("Math", "Min", &["int", "int"], "int", math::min),
    st("Math", "Min", &["long", "long"], "long", math::min),
    st("Math", "Min", &["double", "double"], "double", math::min),
    st("Math", "Min", &["decimal", "decimal"], "decimal", math::min),
    st("Math", "Clamp", &["int", "int", "int"], "int", math::clamp),
    st("Math", "Clamp", &["long", "long", "long"], "long", math::clamp),
    st("Math", "Clamp", &["double", "double", "double"], "double", math::clamp),
    st("Math", "Clamp", &["decimal", "decimal", "decimal"], "decimal", math::clamp),
    st("Math", "Sign", &["int"], "int", math::sign),
    st("Math", "Sign", &["long"], "int", math::sign),
    st("Math", "Sign", &["double"], "int", math::sign),
    st("Math", "Sign", &["decimal"], "int", math::sign),
    st("Math", "Round", &["double"], "double", math::round),
    st("Math", "Round", &["decimal"], "decimal", math::round),
    st("Math", "Round", &["double", "int"], "double", math::round_digits),
    st("Math", "Round", &["decimal", "int"], "decimal", math::round_digits),
    st("Math", "Floor", &["double"], "double", math::floor),
    st("Math", "Floor", &["decimal"], "decimal", math::floor),
    st("Math", "Ceiling", &["double"], "double", math::ceiling),
    st("Math", "Ceiling", &["decimal"], "decimal", math::ceiling),
    st("Math", "Truncate", &["double"], "double", math::truncate),
    st("Math", "Truncate", &["decimal"], "decimal", math::truncate),
    st("Math", "Sqrt", &["double"], "double", math::sqrt),
    st("Math", "Cbrt", &["double"], "double", math::cbrt),
    st("Math", "Pow", &["double", "double"], "double", math::pow),
    st("Math", "Exp", &["double"], "double", math::exp),
    st("Math", "Log", &["double"], "double", math::log),
    st("Math", "Log", &["double", "double"], "double", math::log_base),
    st("Math", "Log10", &["double"], "double", math::log10),
    st("Math", "Log2", &["double"], "double", math::log2),
    st("Math", "Sin", &["double"], "double", math::sin),
    st("Math", "Cos", &["double"], "double", math::cos),
    st("Math", "Tan", &["double"], "double", math::tan),
    st("Math", "Asin", &["double"], "double", math::asin),
    st("Math", "Acos", &["double"], "double", math::acos),
    st("Math", "Atan", &["double"], "double", math::atan),
    st("Math", "Atan2", &["double", "double"], "double", math::atan2),
    st("Math", "Sinh", &["double"], "double", math::sinh),
    st("Math", "Cosh", &["double"], "double", math::cosh),
    st("Math", "Tanh", &["double"], "double", math::tanh),
    st("Math", "get_PI", &[], "double", math::pi),
    st("Math", "get_E", &[], "double", math::e),
    st("Math", "get_Tau", &[], "double", math::tau),

    // ---- String ----
    me("String", "get_Length", &[], "int", string::length),
    me("String", "get_Chars", &["int"], "char", string::chars),
    me("String", "Substring", &["int"], "string", string::substring),
    me("String", "Substring", &["int", "int"], "string", string::substring),
    me("String", "IndexOf", &[S], "int", string::index_of),
    me("String", "IndexOf", &["char"], "int", string::index_of),
    me("String", "IndexOf", &[S, "int"], "int", string::index_of),
    me("String", "IndexOf", &["char", "int"], "int", string::index_of),
    me("String", "LastIndexOf", &[S], "int", string::last_index_of),
    me("String", "LastIndexOf", &["char"], "int", string::last_index_of),
    me("String", "IndexOfAny", &["char[]"], "int", string::index_of_any),
    me("String", "Contains", &[S], "bool", string::contains),
    me("String", "Contains", &["char"], "bool", string::contains),
    me("String", "StartsWith", &[S], "bool", string::starts_with),
    me("String", "StartsWith", &["char"], "bool", string::starts_with),
    me("String", "EndsWith", &[S], "bool", string::ends_with),
    me("String", "EndsWith", &["char"], "bool", string::ends_with),
    me("String", "ToUpper", &[], "string", string::to_upper),
    me("String", "ToLower", &[], "string", string::to_lower),
    me("String", "ToUpperInvariant", &[], "string", string::to_upper),
    me("String", "ToLowerInvariant", &[], "string", string::to_lower),
    me("String", "Trim", &[], "string", string::trim),
    me("String", "Trim", &["char"], "string", string::trim),
    me("String", "Trim", &["char[]"], "string", string::trim),
    me("String", "TrimStart", &[], "string", string::trim_start),
    me("String", "TrimStart", &["char"], "string", string::trim_start),
    me("String", "TrimStart", &["char[]"], "string", string::trim_start),
    me("String", "TrimEnd", &[], "string", string::trim_end),
    me("String", "TrimEnd", &["char"], "string", string::trim_end),
    me("String", "TrimEnd", &["char[]"], "string", string::trim_end),
    me("String", "Split", &[], "string[]", string::split),
    me("String", "Split", &["char"], "string[]", string::split),
    me("String", "Split", &["char[]"], "string[]", string::split),
    me("String", "Split", &[S], "string[]", string::split),
    me("String", "Split", &["char", "char"], "string[]", string::split),
    me("String", "Split", &["char", "char", "char"], "string[]", string::split),
    me("String", "Replace", &[S, S], "string", string::replace),
    me("String", "Replace", &["char", "char"], "string", string::replace),
    me("String", "PadLeft", &["int"], "string", string::pad_left),
    me("String", "PadLeft", &["int", "char"], "string", string::pad_left),
    me("String", "PadRight", &["int"], "string", string::pad_right),
    me("String", "PadRight", &["int", "char"], "string", string::pad_right),
    me("String", "Equals", &[O], "bool", string::equals),
    me("String", "CompareTo", &[S], "int", string::compare_to),
    me("String", "ToCharArray", &[], "char[]", string::to_char_array),
    me("String", "Insert", &["int", S], "string", string::insert),
    me("String", "Remove", &["int"], "string", string::remove),
    me("String", "Remove", &["int", "int"], "string", string::remove),
    st("String", "Equals", &[S, S], "bool", string::equals_static),
    st("String", "Join", &[S, O], "string", string::join),
    st("String", "Join", &["char", O], "string", string::join),
    st("String", "Join", &[S, O, O], "string", string::join),
    st("String", "Join", &[S, O, O, O], "string", string::join),
    st("String", "Join", &[S, O, O, O, O], "string", string::join),
    st("String", "Join", &[S, P], "string", string::join),
    st("String", "Concat", &[O], "string", string::concat),
    st("String", "Concat", &[O, O], "string", string::concat),
    st("String", "Concat", &[O, O, O], "string", string::concat),
    st("String", "Concat", &[O, O, O, O], "string", string::concat),
    st("String", "Concat", &[P], "string", string::concat),
    st("String", "IsNullOrEmpty", &[S], "bool", string::is_null_or_empty),
    st("String", "IsNullOrWhiteSpace", &[S], "bool", string::is_null_or_white_space),
    st("String", "Format", &[S, O], "string", string::format),
    st("String", "Format", &[S, O, O], "string", string::format),
    st("String", "Format", &[S, O, O, O], "string", string::format),
    st("String", "Format", &[S, O, O, O, O], "string", string::format),
    st("String", "Format", &[S, P], "string", string::format),
    st("String", "Compare", &[S, S], "int", string::compare),
    st("String", "Compare", &[S, S, "bool"], "int", string::compare),
    st("String", "CompareOrdinal", &[S, S], "int", string::compare_ordinal),
    st("String", ".ctor", &["char", "int"], "string", string::ctor_repeat),
    st("String", ".ctor", &["char[]"], "string", string::ctor_chars),
    st("String", "get_Empty", &[], "string", string::empty),

    // ---- numbers, bool, char ----
    st("Int32", "Parse", &[S], "int", parse::int32_parse),
    st("Int32", "TryParse", &[S, "out int"], "bool", parse::int32_try_parse),
    st("Int32", "get_MaxValue", &[], "int", parse::int32_max),
    st("Int32", "get_MinValue", &[], "int", parse::int32_min),
    me("Int32", "ToString", &[S], "string", parse::number_to_string),
    me("Int32", "CompareTo", &["int"], "int", parse::number_compare_to),
    st("Int64", "Parse", &[S], "long", parse::int64_parse),
    st("Int64", "TryParse", &[S, "out long"], "bool", parse::int64_try_parse),
    st("Int64", "get_MaxValue", &[], "long", parse::int64_max),
    st("Int64", "get_MinValue", &[], "long", parse::int64_min),
    me("Int64", "ToString", &[S], "string", parse::number_to_string),
    me("Int64", "CompareTo", &["long"], "int", parse::number_compare_to),
    st("Double", "Parse", &[S], "double", parse::double_parse),
    st("Double", "TryParse", &[S, "out double"], "bool", parse::double_try_parse),
    st("Double", "get_MaxValue", &[], "double", parse::double_max),
    st("Double", "get_MinValue", &[], "double", parse::double_min),
    st("Double", "get_Epsilon", &[], "double", parse::double_epsilon),
    st("Double", "get_NaN", &[], "double", parse::double_nan),
    st("Double", "get_PositiveInfinity", &[], "double", parse::double_positive_infinity),
    st("Double", "get_NegativeInfinity", &[], "double", parse::double_negative_infinity),
    st("Double", "IsNaN", &["double"], "bool", parse::double_is_nan),
    st("Double", "IsInfinity", &["double"], "bool", parse::double_is_infinity),
    st("Double", "IsPositiveInfinity", &["double"], "bool", parse::double_is_positive_infinity),
    st("Double", "IsNegativeInfinity", &["double"], "bool", parse::double_is_negative_infinity),
    st("Double", "IsFinite", &["double"], "bool", parse::double_is_finite),
    me("Double", "ToString", &[S], "string", parse::number_to_string),
    me("Double", "CompareTo", &["double"], "int", parse::number_compare_to),
    st("Decimal", "Parse", &[S], "decimal", parse::decimal_parse),
    st("Decimal", "TryParse", &[S, "out decimal"], "bool", parse::decimal_try_parse),
    st("Decimal", "get_MaxValue", &[], "decimal", parse::decimal_max),
    st("Decimal", "get_MinValue", &[], "decimal", parse::decimal_min),
    me("Decimal", "ToString", &[S], "string", parse::number_to_string),
    me("Decimal", "CompareTo", &["decimal"], "int", parse::number_compare_to),
    st("Boolean", "Parse", &[S], "bool", parse::bool_parse),
    st("Boolean", "TryParse", &[S, "out bool"], "bool", parse::bool_try_parse),
    me("Boolean", "CompareTo", &["bool"], "int", parse::number_compare_to),
    st("Char", "IsDigit", &["char"], "bool", parse::char_is_digit),
    st("Char", "IsLetter", &["char"], "bool", parse::char_is_letter),
    st("Char", "IsLetterOrDigit", &["char"], "bool", parse::char_is_letter_or_digit),
    st("Char", "IsWhiteSpace", &["char"], "bool", parse::char_is_white_space),
    st("Char", "IsUpper", &["char"], "bool", parse::char_is_upper),
    st("Char", "IsLower", &["char"], "bool", parse::char_is_lower),
    st("Char", "IsPunctuation", &["char"], "bool", parse::char_is_punctuation),
    st("Char", "IsSymbol", &["char"], "bool", parse::char_is_symbol),
    st("Char", "IsControl", &["char"], "bool", parse::char_is_control),
    st("Char", "IsNumber", &["char"], "bool", parse::char_is_number),
    st("Char", "IsSeparator", &["char"], "bool", parse::char_is_separator),
    st("Char", "IsAsciiDigit", &["char"], "bool", parse::char_is_ascii_digit),
    st("Char", "IsAsciiLetter", &["char"], "bool", parse::char_is_ascii_letter),
    st("Char", "ToUpper", &["char"], "char", parse::char_to_upper),
    st("Char", "ToLower", &["char"], "char", parse::char_to_lower),
    st("Char", "ToUpperInvariant", &["char"], "char", parse::char_to_upper),
    st("Char", "ToLowerInvariant", &["char"], "char", parse::char_to_lower),
    st("Char", "GetNumericValue", &["char"], "double", parse::char_get_numeric_value),
    st("Char", "get_MaxValue", &[], "char", parse::char_max),
    st("Char", "get_MinValue", &[], "char", parse::char_min),
    me("Char", "CompareTo", &["char"], "int", parse::number_compare_to),
    st("Convert", "ToInt32", &[O], "int", parse::convert_to_int32),
    st("Convert", "ToInt64", &[O], "long", parse::convert_to_int64),
    st("Convert", "ToDouble", &[O], "double", parse::convert_to_double),
    st("Convert", "ToDecimal", &[O], "decimal", parse::convert_to_double),
    st("Convert", "ToBoolean", &[O], "bool", parse::convert_to_boolean),
    st("Convert", "ToChar", &[O], "char", parse::convert_to_char),
    st("Convert", "ToString", &[O], "string", parse::convert_to_string),
    st("Convert", "ToString", &["long", "int"], "string", parse::convert_to_string_base),

    // ---- object, Type ----
    me("Object", "ToString", &[], "string", object::to_string),
    me("Object", "Equals", &[O], "bool", object::equals),
    me("Object", "GetHashCode", &[], "int", object::get_hash_code),
    me("Object", "GetType", &[], "Type", object::get_type),
    st("Object", "Equals", &[O, O], "bool", object::equals_static),
    st("Object", "ReferenceEquals", &[O, O], "bool", object::reference_equals),
    me("Type", "get_Name", &[], "string", object::type_name),
    me("Type", "get_FullName", &[], "string", object::type_full_name),
    me("Type", "get_Namespace", &[], "string", object::type_namespace),
    me("Type", "get_BaseType", &[], "Type", object::type_base_type),
    me("Exception", "get_StackTrace", &[], "string", object::exception_stack_trace),
    me("Enum", "HasFlag", &[O], "bool", object::enum_has_flag),
    me("Enum", "CompareTo", &[O], "int", parse::number_compare_to),

    // ---- List<T> ----
    st("List", ".ctor", &[], "List<T>", collections::list_new),
    st("List", ".ctor", &["int"], "List<T>", collections::list_new_from),
    st("List", ".ctor", &["IEnumerable<T>"], "List<T>", collections::list_new_from),
    me("List", "Add", &["T"], "void", collections::list_add),
    me("List", "get_Count", &[], "int", collections::list_count),
    me("List", "get_Capacity", &[], "int", collections::list_capacity),
    me("List", "get_Item", &["int"], "T", collections::list_get),
    me("List", "set_Item", &["int", "T"], "void", collections::list_set),
    me("List", "Insert", &["int", "T"], "void", collections::list_insert),
    me("List", "AddRange", &["IEnumerable<T>"], "void", collections::list_add_range),
    me("List", "Remove", &["T"], "bool", collections::list_remove),
    me("List", "RemoveAt", &["int"], "void", collections::list_remove_at),
    me("List", "RemoveRange", &["int", "int"], "void", collections::list_remove_range),
    me("List", "RemoveAll", &["Predicate<T>"], "int", collections::list_remove_all),
    me("List", "Contains", &["T"], "bool", collections::list_contains),
    me("List", "IndexOf", &["T"], "int", collections::list_index_of),
    me("List", "LastIndexOf", &["T"], "int", collections::list_last_index_of),
    me("List", "Clear", &[], "void", collections::list_clear),
    me("List", "ToArray", &[], "T[]", collections::list_to_array),
    me("List", "Sort", &[], "void", collections::sort_default),
    me("List", "Sort", &["Comparison<T>"], "void", collections::sort_with),
    me("List", "Sort", &["IComparer<T>"], "void", collections::sort_with),
    me("List", "Reverse", &[], "void", collections::list_reverse),
    me("List", "BinarySearch", &["T"], "int", collections::list_binary_search),
    me("List", "Find", &["Predicate<T>"], "T", collections::seq_find),
    me("List", "FindLast", &["Predicate<T>"], "T", collections::seq_find_last),
    me("List", "FindIndex", &["Predicate<T>"], "int", collections::seq_find_index),
    me("List", "FindAll", &["Predicate<T>"], "List<T>", collections::list_find_all),
    me("List", "Exists", &["Predicate<T>"], "bool", collections::seq_exists),
    me("List", "TrueForAll", &["Predicate<T>"], "bool", collections::seq_true_for_all),
    me("List", "ForEach", &["Action<T>"], "void", collections::seq_for_each),
    me("List", "GetRange", &["int", "int"], "List<T>", collections::list_get_range),

    // ---- Dictionary<K,V>, KeyValuePair<K,V> ----
    st("Dictionary", ".ctor", &[], "Dictionary<K,V>", collections::dict_new),
    st("Dictionary", ".ctor", &["int"], "Dictionary<K,V>", collections::dict_new_from),
    st("Dictionary", ".ctor", &["Dictionary<K,V>"], "Dictionary<K,V>", collections::dict_new_from),
    me("Dictionary", "Add", &["K", "V"], "void", collections::dict_add),
    me("Dictionary", "TryAdd", &["K", "V"], "bool", collections::dict_try_add),
    me("Dictionary", "get_Item", &["K"], "V", collections::dict_get),
    me("Dictionary", "set_Item", &["K", "V"], "void", collections::dict_set),
    me("Dictionary", "TryGetValue", &["K", "out V"], "bool", collections::dict_try_get_value),
    me("Dictionary", "GetValueOrDefault", &["K"], "V", collections::dict_get_value_or_default),
    me("Dictionary", "GetValueOrDefault", &["K", "V"], "V", collections::dict_get_value_or_default),
    me("Dictionary", "ContainsKey", &["K"], "bool", collections::dict_contains_key),
    me("Dictionary", "ContainsValue", &["V"], "bool", collections::dict_contains_value),
    me("Dictionary", "Remove", &["K"], "bool", collections::dict_remove),
    me("Dictionary", "Remove", &["K", "out V"], "bool", collections::dict_remove),
    me("Dictionary", "get_Count", &[], "int", collections::dict_count),
    me("Dictionary", "Clear", &[], "void", collections::dict_clear),
    me("Dictionary", "get_Keys", &[], "List<K>", collections::dict_keys),
    me("Dictionary", "get_Values", &[], "List<V>", collections::dict_values),
    st("KeyValuePair", ".ctor", &["K", "V"], "KeyValuePair<K,V>", collections::pair_new),
    me("KeyValuePair", "get_Key", &[], "K", collections::pair_key),
    me("KeyValuePair", "get_Value", &[], "V", collections::pair_value),

    // ---- arrays ----
    me("Array", "get_Length", &[], "int", collections::array_length),
    me("Array", "get_Rank", &[], "int", collections::array_rank),
    me("Array", "Clone", &[], "object", collections::array_clone),
    st("Array", "Sort", &["T[]"], "void", collections::sort_default),
    st("Array", "Sort", &["T[]", "Comparison<T>"], "void", collections::sort_with),
    st("Array", "Sort", &["T[]", "IComparer<T>"], "void", collections::sort_with),
    st("Array", "IndexOf", &["T[]", "T"], "int", collections::array_index_of),
    st("Array", "BinarySearch", &["T[]", "T"], "int", collections::list_binary_search),
    st("Array", "Reverse", &["T[]"], "void", collections::list_reverse),
    st("Array", "Fill", &["T[]", "T"], "void", collections::array_fill),
    st("Array", "Clear", &["T[]"], "void", collections::array_clear),
    st("Array", "Clear", &["T[]", "int", "int"], "void", collections::array_clear),
    st("Array", "Copy", &["T[]", "T[]", "int"], "void", collections::array_copy),
    st("Array", "Copy", &["T[]", "int", "T[]", "int", "int"], "void", collections::array_copy),
    st("Array", "Resize", &["ref T[]", "int"], "void", collections::array_resize),
    st("Array", "Exists", &["T[]", "Predicate<T>"], "bool", collections::seq_exists),
    st("Array", "Find", &["T[]", "Predicate<T>"], "T", collections::seq_find),
    st("Array", "FindLast", &["T[]", "Predicate<T>"], "T", collections::seq_find_last),
    st("Array", "FindIndex", &["T[]", "Predicate<T>"], "int", collections::seq_find_index),
    st("Array", "TrueForAll", &["T[]", "Predicate<T>"], "bool", collections::seq_true_for_all),
    st("Array", "ForEach", &["T[]", "Action<T>"], "void", collections::seq_for_each),

    // ---- compiler helpers ----
    st("Runtime", "ForeachItems", &[O], "object[]", collections::foreach_items),
    st("Runtime", "EnsureUnchanged", &[O, "int"], "void", collections::ensure_unchanged),
    st("Runtime", "Format", &[O, S, S, "int"], "string", object::runtime_format),

    // ---- Stopwatch, TimeSpan ----
    st("Stopwatch", ".ctor", &[], "Stopwatch", time::stopwatch_ctor),
    st("Stopwatch", "StartNew", &[], "Stopwatch", time::stopwatch_start_new),
    st("Stopwatch", "get_Frequency", &[], "long", time::stopwatch_frequency),
    st("Stopwatch", "get_IsHighResolution", &[], "bool", time::stopwatch_is_high_resolution),
    st("Stopwatch", "GetTimestamp", &[], "long", time::stopwatch_get_timestamp),
    me("Stopwatch", "Start", &[], "void", time::stopwatch_start),
    me("Stopwatch", "Stop", &[], "void", time::stopwatch_stop),
    me("Stopwatch", "Reset", &[], "void", time::stopwatch_reset),
    me("Stopwatch", "Restart", &[], "void", time::stopwatch_restart),
    me("Stopwatch", "get_IsRunning", &[], "bool", time::stopwatch_is_running),
    me("Stopwatch", "get_ElapsedMilliseconds", &[], "long", time::stopwatch_elapsed_ms),
    me("Stopwatch", "get_ElapsedTicks", &[], "long", time::stopwatch_elapsed_ticks),
    me("Stopwatch", "get_Elapsed", &[], "TimeSpan", time::stopwatch_elapsed),
    st("TimeSpan", ".ctor", &["long"], "TimeSpan", time::span_from_ticks),
    st("TimeSpan", ".ctor", &["int", "int", "int"], "TimeSpan", time::span_ctor_hms),
    st("TimeSpan", "FromMilliseconds", &["double"], "TimeSpan", time::span_from_milliseconds),
    st("TimeSpan", "FromSeconds", &["double"], "TimeSpan", time::span_from_seconds),
    st("TimeSpan", "FromMinutes", &["double"], "TimeSpan", time::span_from_minutes),
    st("TimeSpan", "FromHours", &["double"], "TimeSpan", time::span_from_hours),
    st("TimeSpan", "FromDays", &["double"], "TimeSpan", time::span_from_days),
    st("TimeSpan", "FromTicks", &["long"], "TimeSpan", time::span_from_ticks),
    st("TimeSpan", "get_Zero", &[], "TimeSpan", time::span_zero),
    me("TimeSpan", "get_TotalMilliseconds", &[], "double", time::span_total_milliseconds),
    me("TimeSpan", "get_TotalSeconds", &[], "double", time::span_total_seconds),
    me("TimeSpan", "get_TotalMinutes", &[], "double", time::span_total_minutes),
    me("TimeSpan", "get_TotalHours", &[], "double", time::span_total_hours),
    me("TimeSpan", "get_TotalDays", &[], "double", time::span_total_days),
    me("TimeSpan", "get_Ticks", &[], "long", time::span_ticks),
    me("TimeSpan", "get_Milliseconds", &[], "int", time::span_milliseconds),
    me("TimeSpan", "get_Seconds", &[], "int", time::span_seconds),
    me("TimeSpan", "get_Minutes", &[], "int", time::span_minutes),
    me("TimeSpan", "get_Hours", &[], "int", time::span_hours),
    me("TimeSpan", "get_Days", &[], "int", time::span_days),
    me("TimeSpan", "CompareTo", &["TimeSpan"], "int", time::span_compare_to),
    me("TimeSpan", "Add", &["TimeSpan"], "TimeSpan", time::span_add),
    me("TimeSpan", "Subtract", &["TimeSpan"], "TimeSpan", time::span_subtract),

    // ---- GC ----
    st("GC", "Collect", &[], "void", gc::collect),
    st("GC", "Collect", &["int"], "void", gc::collect),
    st("GC", "GetTotalMemory", &["bool"], "long", gc::get_total_memory),
    st("GC", "CollectionCount", &["int"], "int", gc::collection_count),
    st("GC", "GetTotalPauseDuration", &[], "TimeSpan", gc::get_total_pause_duration),
    st("GC", "GetTotalAllocatedBytes", &[], "long", gc::get_total_allocated_bytes),
    st("GC", "GetTotalAllocatedBytes", &["bool"], "long", gc::get_total_allocated_bytes),
    st("GC", "get_MaxGeneration", &[], "int", gc::max_generation),
    st("GC", "KeepAlive", &[O], "void", gc::no_op),
    st("GC", "SuppressFinalize", &[O], "void", gc::no_op),
    st("GC", "WaitForPendingFinalizers", &[], "void", gc::no_op),

    // ---- Task, Task<T> (tasks.rs) ----
    st("Task", "get_CompletedTask", &[], "Task", tasks::completed_task),
    st("Task", "FromResult", &["T"], "Task<T>", tasks::from_result),
    st("Task", "FromException", &["Exception"], "Task", tasks::from_exception),
    st("Task", "FromCanceled", &["CancellationToken"], "Task", tasks::from_canceled),
    st("Task", "Yield", &[], "YieldAwaitable", tasks::yield_),
    st("Task", "Delay", &["int"], "Task", tasks::delay),
    st("Task", "Delay", &["int", "CancellationToken"], "Task", tasks::delay),
    st("Task", "Run", &["Action"], "Task", tasks::run),
    st("Task", "Run", &["Func<T>"], "Task<T>", tasks::run_func),
    st("Task", "Run", &["Func<Task>"], "Task", tasks::run_unwrap),
    st("Task", "Run", &["Func<Task<T>>"], "Task<T>", tasks::run_unwrap),
    st("Task", "WhenAll", &["params Task<T>[]"], "Task<T[]>", tasks::when_all_results),
    st("Task", "WhenAll", &["List<Task<T>>"], "Task<T[]>", tasks::when_all_results),
    st("Task", "WhenAll", &["params Task[]"], "Task", tasks::when_all),
    st("Task", "WhenAll", &["List<Task>"], "Task", tasks::when_all),
    st("Task", "WhenAny", &["params Task<T>[]"], "Task<Task<T>>", tasks::when_any),
    st("Task", "WhenAny", &["List<Task<T>>"], "Task<Task<T>>", tasks::when_any),
    st("Task", "WhenAny", &["params Task[]"], "Task<Task>", tasks::when_any),
    st("Task", "WhenAny", &["List<Task>"], "Task<Task>", tasks::when_any),
    me("Task", "GetAwaiter", &[], "TaskAwaiter<T>", tasks::get_awaiter),
    me("Task", "ConfigureAwait", &["bool"], "ConfiguredTaskAwaitable<T>", tasks::configure_await),
    me("Task", "get_IsCompleted", &[], "bool", tasks::task_is_completed),
    me("Task", "get_IsCompletedSuccessfully", &[], "bool", tasks::is_completed_successfully),
    me("Task", "get_IsFaulted", &[], "bool", tasks::is_faulted),
    me("Task", "get_IsCanceled", &[], "bool", tasks::is_canceled),
    me("Task", "get_Status", &[], "TaskStatus", tasks::status),
    me("Task", "get_Exception", &[], "AggregateException", tasks::exception),
    me("Task", "get_Result", &[], "T", tasks::result),
    me("Task", "Wait", &[], "void", tasks::wait),
    me("Task", "ContinueWith", &["Action<Task<T>>"], "Task", tasks::continue_with),
    me("Task", "ContinueWith", &["Func<Task<T>,TNew>"], "Task<TNew>", tasks::continue_with_result),
    me("TaskAwaiter", "get_IsCompleted", &[], "bool", tasks::awaiter_is_completed),
    me("TaskAwaiter", "GetResult", &[], "T", tasks::awaiter_get_result),
    me("TaskAwaiter", "OnCompleted", &["Action"], "void", tasks::awaiter_on_completed),
    me("TaskAwaiter", "UnsafeOnCompleted", &["Action"], "void", tasks::awaiter_unsafe_on_completed),
    me("ConfiguredTaskAwaitable", "GetAwaiter", &[], "ConfiguredTaskAwaiter<T>", tasks::get_awaiter),
    me("ConfiguredTaskAwaiter", "get_IsCompleted", &[], "bool", tasks::awaiter_is_completed),
    me("ConfiguredTaskAwaiter", "GetResult", &[], "T", tasks::awaiter_get_result),
    me("ConfiguredTaskAwaiter", "OnCompleted", &["Action"], "void", tasks::awaiter_on_completed),
    me("ConfiguredTaskAwaiter", "UnsafeOnCompleted", &["Action"], "void", tasks::awaiter_unsafe_on_completed),
    me("YieldAwaitable", "GetAwaiter", &[], "YieldAwaiter", tasks::get_awaiter),
    me("YieldAwaiter", "get_IsCompleted", &[], "bool", tasks::awaiter_is_completed),
    me("YieldAwaiter", "GetResult", &[], "void", tasks::awaiter_get_result),
    me("YieldAwaiter", "OnCompleted", &["Action"], "void", tasks::awaiter_on_completed),
    me("YieldAwaiter", "UnsafeOnCompleted", &["Action"], "void", tasks::awaiter_unsafe_on_completed),

    // ---- ValueTask, ValueTask<T> ----
    st("ValueTask", ".ctor", &["T"], "ValueTask<T>", tasks::value_task_from_result),
    st("ValueTask", ".ctor", &["Task<T>"], "ValueTask<T>", tasks::value_task_from_task),
    st("ValueTask", "get_CompletedTask", &[], "ValueTask", tasks::value_task_completed),
    st("ValueTask", "FromResult", &["T"], "ValueTask<T>", tasks::value_task_from_result),
    me("ValueTask", "get_IsCompleted", &[], "bool", tasks::value_task_is_completed),
    me("ValueTask", "get_IsCompletedSuccessfully", &[], "bool", tasks::value_task_is_completed_successfully),
    me("ValueTask", "get_IsFaulted", &[], "bool", tasks::value_task_is_faulted),
    me("ValueTask", "get_IsCanceled", &[], "bool", tasks::value_task_is_canceled),
    me("ValueTask", "get_Result", &[], "T", tasks::value_task_result),
    me("ValueTask", "AsTask", &[], "Task<T>", tasks::value_task_as_task),
    me("ValueTask", "GetAwaiter", &[], "ValueTaskAwaiter<T>", tasks::get_awaiter),
    me("ValueTask", "ConfigureAwait", &["bool"], "ConfiguredValueTaskAwaitable<T>", tasks::configure_await),
    me("ValueTaskAwaiter", "get_IsCompleted", &[], "bool", tasks::awaiter_is_completed),
    me("ValueTaskAwaiter", "GetResult", &[], "T", tasks::awaiter_get_result),
    me("ValueTaskAwaiter", "OnCompleted", &["Action"], "void", tasks::awaiter_on_completed),
    me("ValueTaskAwaiter", "UnsafeOnCompleted", &["Action"], "void", tasks::awaiter_unsafe_on_completed),
    me("ConfiguredValueTaskAwaitable", "GetAwaiter", &[], "ConfiguredValueTaskAwaiter<T>", tasks::get_awaiter),
    me("ConfiguredValueTaskAwaiter", "get_IsCompleted", &[], "bool", tasks::awaiter_is_completed),
    me("ConfiguredValueTaskAwaiter", "GetResult", &[], "T", tasks::awaiter_get_result),
    me("ConfiguredValueTaskAwaiter", "OnCompleted", &["Action"], "void", tasks::awaiter_on_completed),
    me("ConfiguredValueTaskAwaiter", "UnsafeOnCompleted", &["Action"], "void", tasks::awaiter_unsafe_on_completed),

    // ---- TaskCompletionSource (which is its task) ----
    st("TaskCompletionSource", ".ctor", &[], "TaskCompletionSource<T>", tasks::tcs_new),
    me("TaskCompletionSource", "get_Task", &[], "Task<T>", tasks::get_awaiter),
    me("TaskCompletionSource", "SetResult", &["T"], "void", tasks::tcs_set_result),
    me("TaskCompletionSource", "SetResult", &[], "void", tasks::tcs_set_result),
    me("TaskCompletionSource", "TrySetResult", &["T"], "bool", tasks::tcs_try_set_result),
    me("TaskCompletionSource", "TrySetResult", &[], "bool", tasks::tcs_try_set_result),
    me("TaskCompletionSource", "SetException", &["Exception"], "void", tasks::tcs_set_exception),
    me("TaskCompletionSource", "TrySetException", &["Exception"], "bool", tasks::tcs_try_set_exception),
    me("TaskCompletionSource", "SetCanceled", &[], "void", tasks::tcs_set_canceled),
    me("TaskCompletionSource", "TrySetCanceled", &[], "bool", tasks::tcs_try_set_canceled),

    // ---- the async1 builders (async1/builder.rs) ----
    st("AsyncTaskMethodBuilder", "Create", &[], "object", builder::create_task),
    me("AsyncTaskMethodBuilder", "InitializeTaskAsPromise", &[], "object", builder::initialize_task_task),
    me("AsyncTaskMethodBuilder", "get_Task", &[], "object", builder::task),
    me("AsyncTaskMethodBuilder", "SetResult", &[], "object", builder::set_result_task),
    me("AsyncTaskMethodBuilder", "SetException", &["Exception"], "object", builder::set_exception_task),
    me("AsyncTaskMethodBuilder", "AwaitUnsafeOnCompleted", &[O, O], "void", builder::await_on_completed),
    me("AsyncTaskMethodBuilder", "AwaitOnCompleted", &[O, O], "void", builder::await_on_completed),
    st("AsyncTaskMethodBuilder<T>", "Create", &[], "object", builder::create_task_of),
    me("AsyncTaskMethodBuilder<T>", "InitializeTaskAsPromise", &[], "object", builder::initialize_task_task_of),
    me("AsyncTaskMethodBuilder<T>", "get_Task", &[], "object", builder::task),
    me("AsyncTaskMethodBuilder<T>", "SetResult", &["T"], "object", builder::set_result_task_of),
    me("AsyncTaskMethodBuilder<T>", "SetException", &["Exception"], "object", builder::set_exception_task_of),
    me("AsyncTaskMethodBuilder<T>", "AwaitUnsafeOnCompleted", &[O, O], "void", builder::await_on_completed),
    me("AsyncTaskMethodBuilder<T>", "AwaitOnCompleted", &[O, O], "void", builder::await_on_completed),
    st("AsyncValueTaskMethodBuilder", "Create", &[], "object", builder::create_value_task),
    me("AsyncValueTaskMethodBuilder", "InitializeTaskAsPromise", &[], "object", builder::initialize_task_value_task),
    me("AsyncValueTaskMethodBuilder", "get_Task", &[], "object", builder::task),
    me("AsyncValueTaskMethodBuilder", "SetResult", &[], "object", builder::set_result_value_task),
    me("AsyncValueTaskMethodBuilder", "SetException", &["Exception"], "object", builder::set_exception_value_task),
    me("AsyncValueTaskMethodBuilder", "AwaitUnsafeOnCompleted", &[O, O], "void", builder::await_on_completed),
    me("AsyncValueTaskMethodBuilder", "AwaitOnCompleted", &[O, O], "void", builder::await_on_completed),
    st("AsyncValueTaskMethodBuilder<T>", "Create", &[], "object", builder::create_value_task_of),
    me("AsyncValueTaskMethodBuilder<T>", "InitializeTaskAsPromise", &[], "object", builder::initialize_task_value_task_of),
    me("AsyncValueTaskMethodBuilder<T>", "get_Task", &[], "object", builder::task),
    me("AsyncValueTaskMethodBuilder<T>", "SetResult", &["T"], "object", builder::set_result_value_task_of),
    me("AsyncValueTaskMethodBuilder<T>", "SetException", &["Exception"], "object", builder::set_exception_value_task_of),
    me("AsyncValueTaskMethodBuilder<T>", "AwaitUnsafeOnCompleted", &[O, O], "void", builder::await_on_completed),
    me("AsyncValueTaskMethodBuilder<T>", "AwaitOnCompleted", &[O, O], "void", builder::await_on_completed),
    st("AsyncVoidMethodBuilder", "Create", &[], "object", builder::create_void),
    me("AsyncVoidMethodBuilder", "InitializeTaskAsPromise", &[], "object", builder::initialize_task_void),
    me("AsyncVoidMethodBuilder", "SetResult", &[], "object", builder::set_result_void),
    me("AsyncVoidMethodBuilder", "SetException", &["Exception"], "object", builder::set_exception_void),
    me("AsyncVoidMethodBuilder", "AwaitUnsafeOnCompleted", &[O, O], "void", builder::await_on_completed),
    me("AsyncVoidMethodBuilder", "AwaitOnCompleted", &[O, O], "void", builder::await_on_completed),
    st("AsyncMethodBuilderCore", "CurrentExecutionContext", &[], "object", threading::current_execution_context),
    st("AsyncMethodBuilderCore", "CurrentSynchronizationContext", &[], "object", threading::current_sync_context),
    st("AsyncMethodBuilderCore", "RestoreContexts", &[O, O], "void", threading::restore_contexts),
    st("AsyncMethodBuilderCore", "SwapExecutionContext", &[O], "object", threading::swap_execution_context),
    st("AsyncMethodBuilderCore", "NextInlineRunner", &[O], "object", builder::next_inline_runner),
    st("ContinuationCallback", "RunContinuation", &[O], "void", threading::run_continuation),

    // ---- System.Threading (threading.rs) ----
    st("CancellationTokenSource", ".ctor", &[], "CancellationTokenSource", threading::cts_new),
    st("CancellationTokenSource", ".ctor", &["int"], "CancellationTokenSource", threading::cts_new_after),
    me("CancellationTokenSource", "get_Token", &[], "CancellationToken", threading::cts_token),
    me("CancellationTokenSource", "Cancel", &[], "void", threading::cts_cancel),
    me("CancellationTokenSource", "CancelAfter", &["int"], "void", threading::cts_cancel_after),
    me("CancellationTokenSource", "get_IsCancellationRequested", &[], "bool", threading::token_is_cancellation_requested),
    me("CancellationTokenSource", "Dispose", &[], "void", threading::dispose),
    st("CancellationToken", "get_None", &[], "CancellationToken", threading::token_none),
    me("CancellationToken", "get_IsCancellationRequested", &[], "bool", threading::token_is_cancellation_requested),
    me("CancellationToken", "get_CanBeCanceled", &[], "bool", threading::token_can_be_canceled),
    me("CancellationToken", "ThrowIfCancellationRequested", &[], "void", threading::token_throw_if_cancellation_requested),
    me("CancellationToken", "Register", &["Action"], "void", threading::token_register),
    st("AsyncLocal", ".ctor", &["T"], "AsyncLocal<T>", threading::async_local_new),
    me("AsyncLocal", "get_Value", &[], "T", threading::async_local_get),
    me("AsyncLocal", "set_Value", &["T"], "void", threading::async_local_set),
    st("SynchronizationContext", "CurrentContext", &[], "object", threading::current_sync_context),
    st("SynchronizationContext", "SetSynchronizationContext", &[O], "void", threading::sync_ctx_set),
    st("SynchronizationContext", "QueueOnThreadPool", &[O, O], "void", threading::queue_user_work_item),
    st("ThreadPool", "QueueUserWorkItem", &["WaitCallback"], "bool", threading::queue_user_work_item),
    st("ThreadPool", "QueueUserWorkItem", &["WaitCallback", O], "bool", threading::queue_user_work_item),
    st("Lazy", ".ctor", &["Func<T>"], "Lazy<T>", threading::lazy_new),
    me("Lazy", "get_Value", &[], "T", threading::lazy_value),
    me("Lazy", "get_IsValueCreated", &[], "bool", threading::lazy_is_value_created),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_two_rows_share_a_signature() {
        for (i, a) in NATIVES.iter().enumerate() {
            for b in &NATIVES[i + 1..] {
                assert!(
                    !(a.owner == b.owner && a.name == b.name && a.is_static == b.is_static && a.params == b.params),
                    "{}.{}({:?}) is declared twice",
                    a.owner,
                    a.name,
                    a.params
                );
            }
        }
    }

    #[test]
    fn constructors_are_static_and_return_their_type() {
        for d in NATIVES.iter().filter(|d| d.name == ".ctor") {
            assert!(d.is_static, "{}.ctor must be static", d.owner);
            assert!(d.ret != "void", "{}.ctor returns the new object", d.owner);
        }
    }

    #[test]
    fn type_strings_use_the_documented_vocabulary() {
        fn known(t: &str) -> bool {
            let t = ["out ", "ref ", "params "].iter().find_map(|m| t.strip_prefix(m)).unwrap_or(t);
            let t = t.strip_suffix("[]").unwrap_or(t);
            matches!(
                t,
                "int"
                    | "long"
                    | "double"
                    | "decimal"
                    | "bool"
                    | "char"
                    | "string"
                    | "object"
                    | "void"
                    | "T"
                    | "K"
                    | "V"
                    | "Type"
                    | "TimeSpan"
                    | "Stopwatch"
                    | "TextWriter"
                    | "List<T>"
                    | "List<K>"
                    | "List<V>"
                    | "Dictionary<K,V>"
                    | "KeyValuePair<K,V>"
                    | "IEnumerable<T>"
                    | "Predicate<T>"
                    | "Action<T>"
                    | "Comparison<T>"
                    | "IComparer<T>"
            ) || is_async_type(t)
        }
        // The async library's types (tasks.rs, threading.rs, async1/builder.rs).
        fn is_async_type(t: &str) -> bool {
            t.starts_with("Task")
                || t.starts_with("ValueTask")
                || t.starts_with("Configured")
                || t.starts_with("Func<")
                || t.starts_with("List<Task")
                || matches!(
                    t,
                    "YieldAwaitable"
                        | "YieldAwaiter"
                        | "Action"
                        | "Exception"
                        | "AggregateException"
                        | "CancellationToken"
                        | "CancellationTokenSource"
                        | "AsyncLocal<T>"
                        | "Lazy<T>"
                        | "WaitCallback"
                        | "Action<Task<T>>"
                )
        }
        for d in NATIVES {
            assert!(known(d.ret), "{}.{} returns {}", d.owner, d.name, d.ret);
            for p in d.params {
                assert!(known(p), "{}.{} takes {}", d.owner, d.name, p);
            }
        }
    }
}
