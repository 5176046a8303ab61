//! `object`'s members (`ToString`, `Equals`, `GetHashCode`, `GetType`),
//! `object.ReferenceEquals`, `System.Type`, and `Runtime.Format` (the
//! compiler's helper for interpolation holes with an alignment or format).

use crate::Vm;
use crate::error::VmError;
use crate::program::ClassKind;
use crate::value::{Gc, Obj, Value};

use super::args::{NativeResult, arg, cast_error, int_arg, obj_arg, str_arg};
use super::format::{class_name, to_display, try_format_with};

/// `ToString()` when no user override applies.
pub fn to_string(vm: &mut Vm, args: &[Value]) -> NativeResult {
    let v = arg(args, 0);
    if v.is_null() {
        return Err(VmError::null_reference());
    }
    if obj_arg(args, 0).is_some_and(|o| matches!(o, Obj::Str(_))) {
        return Ok(v);
    }
    let text = to_display(vm.program(), v);
    Ok(vm.str_value(text))
}

/// `a.Equals(b)` without a user override: value equality for primitives and
/// strings (NaN equals itself), field by field for structs (as
/// `ValueType.Equals` does), the same class for `Type` objects, identity
/// otherwise.
pub fn equals(vm: &mut Vm, args: &[Value]) -> NativeResult {
    let (a, b) = (arg(args, 0), arg(args, 1));
    if a.is_null() {
        return Err(VmError::null_reference());
    }
    Ok(Value::Bool(default_equals(vm, a, b)?))
}

/// `Equals` without a user override (`Object.Equals`); the interpreter's
/// [`Vm::equals`] can fall back to it so that `List.Contains` and friends
/// compare structs field by field too.
pub fn default_equals(vm: &mut Vm, a: Value, b: Value) -> Result<bool, VmError> {
    match (a, b) {
        (Value::Double(x), Value::Double(y)) if x.is_nan() && y.is_nan() => Ok(true),
        (Value::Obj(x), Value::Obj(y)) if !Gc::ptr_eq(x, y) => match (x.view(), y.view()) {
            (Obj::Type(c), Obj::Type(d)) => Ok(c == d),
            (Obj::Pair(k1, v1), Obj::Pair(k2, v2)) => Ok(vm.equals(k1, k2)? && vm.equals(v1, v2)?),
            (Obj::Instance(i), Obj::Instance(j)) if i.class() == j.class() && is_struct(vm, i.class()) => {
                let count = vm.program().class(i.class()).fields.len();
                for slot in 0..count {
                    // Read afresh: `Equals` of a field may run user code.
                    let (a, b) = (vm.field(i, slot), vm.field(j, slot));
                    if !vm.equals(a, b)? {
                        return Ok(false);
                    }
                }
                Ok(true)
            }
            _ => Ok(a.equals(b)),
        },
        _ => Ok(a.equals(b)),
    }
}

fn is_struct(vm: &Vm, class: crate::bytecode::ClassId) -> bool {
    vm.program().classes.get(class.index()).is_some_and(|c| c.kind == ClassKind::Struct)
}

/// `object.Equals(a, b)`: both null, or `a.Equals(b)` (user overrides included).
pub fn equals_static(vm: &mut Vm, args: &[Value]) -> NativeResult {
    let (a, b) = (arg(args, 0), arg(args, 1));
    Ok(Value::Bool(match (a.is_null(), b.is_null()) {
        (true, true) => true,
        (true, false) | (false, true) => false,
        _ => vm.equals(a, b)?,
    }))
}

/// `object.ReferenceEquals(a, b)`: the same object (values of value types
/// are boxed separately in C#, so they are never reference-equal).
pub fn reference_equals(_vm: &mut Vm, args: &[Value]) -> NativeResult {
    Ok(Value::Bool(match (arg(args, 0), arg(args, 1)) {
        (Value::Null, Value::Null) => true,
        (Value::Obj(a), Value::Obj(b)) => Gc::ptr_eq(a, b),
        _ => false,
    }))
}

/// A string's hash code: FNV-1a over its UTF-16 units (.NET randomizes
/// string hashes per process; toy keeps them stable).
pub fn string_hash(s: &str) -> i32 {
    let mut h: u32 = 0x811C_9DC5;
    for unit in s.encode_utf16() {
        h = (h ^ unit as u32).wrapping_mul(0x0100_0193);
    }
    h as i32
}

/// `GetHashCode()` without a user override.
pub fn get_hash_code(vm: &mut Vm, args: &[Value]) -> NativeResult {
    let hash: i64 = match arg(args, 0) {
        Value::Null => return Err(VmError::null_reference()),
        Value::Bool(b) => b as i64,
        Value::Int(i) | Value::Enum(_, i) => match i32::try_from(i) {
            Ok(small) => small as i64,
            Err(_) => ((i as i32) ^ ((i >> 32) as i32)) as i64,
        },
        Value::Char(c) => (c as i32 | ((c as i32) << 16)) as i64,
        Value::Double(d) => {
            let d = if d == 0.0 {
                0.0
            } else if d.is_nan() {
                f64::NAN
            } else {
                d
            };
            let bits = d.to_bits() as i64;
            ((bits as i32) ^ ((bits >> 32) as i32)) as i64
        }
        Value::Obj(o) => match o.view() {
            Obj::Str(s) => string_hash(s) as i64,
            // Objects never move: the address is a stable identity.
            Obj::Instance(_) => ((o.addr() >> 3) as u32 & 0x7fff_ffff) as i64,
            Obj::Type(c) => string_hash(&class_name(vm.program(), c)) as i64,
            _ => {
                // No hash slot: derive one from the address (stable for the
                // object's lifetime; objects do not move).
                let a = o.addr() as u64;
                ((a ^ (a >> 29)).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 33) as i64 & 0x7FFF_FFFF
            }
        },
    };
    Ok(Value::Int(hash))
}

/// `GetType()`.
pub fn get_type(vm: &mut Vm, args: &[Value]) -> NativeResult {
    let v = arg(args, 0);
    if v.is_null() {
        return Err(VmError::null_reference());
    }
    let class = vm.class_of(v);
    Ok(Value::Obj(vm.alloc(crate::object::type_object(class))))
}

/// `e.HasFlag(flag)`: every bit of `flag` is set in `e`.
pub fn enum_has_flag(vm: &mut Vm, args: &[Value]) -> NativeResult {
    let (value, flag) = (int_arg(vm, args, 0)?, int_arg(vm, args, 1)?);
    Ok(Value::Bool(value & flag == flag))
}

/// `Exception.StackTrace`: the trace recorded when it was first thrown,
/// or null if it never was.
pub fn exception_stack_trace(vm: &mut Vm, args: &[Value]) -> NativeResult {
    let trace = match obj_arg(args, 0) {
        Some(Obj::Instance(_)) => {
            let frames = vm.trace_frames(arg(args, 0), |t| t.clone()).unwrap_or_default();
            vm.trace_text(&frames)
        }
        _ => return Err(cast_error(vm, arg(args, 0), "System.Exception")),
    };
    match trace {
        Some(text) => Ok(vm.str_value(text)),
        None => Ok(Value::Null),
    }
}

// ---- System.Type ----

fn type_class(vm: &Vm, args: &[Value]) -> Result<crate::bytecode::ClassId, VmError> {
    match obj_arg(args, 0) {
        Some(Obj::Type(c)) => Ok(c),
        _ => Err(cast_error(vm, arg(args, 0), "System.Type")),
    }
}

pub fn type_name(vm: &mut Vm, args: &[Value]) -> NativeResult {
    let class = type_class(vm, args)?;
    let name = vm.program().classes.get(class.index()).map_or_else(|| "Object".to_owned(), |c| c.name.clone());
    Ok(vm.str_value(name))
}

pub fn type_full_name(vm: &mut Vm, args: &[Value]) -> NativeResult {
    let class = type_class(vm, args)?;
    let name = class_name(vm.program(), class);
    Ok(vm.str_value(name))
}

pub fn type_namespace(vm: &mut Vm, args: &[Value]) -> NativeResult {
    let class = type_class(vm, args)?;
    let namespace = vm.program().classes.get(class.index()).map(|c| c.namespace.clone()).unwrap_or_default();
    if namespace.is_empty() {
        return Ok(Value::Null);
    }
    Ok(vm.str_value(namespace))
}

pub fn type_base_type(vm: &mut Vm, args: &[Value]) -> NativeResult {
    let class = type_class(vm, args)?;
    match vm.program().classes.get(class.index()).and_then(|c| c.base) {
        Some(base) => Ok(Value::Obj(vm.alloc(crate::object::type_object(base)))),
        None => Ok(Value::Null),
    }
}

// ---- Runtime ----

/// `Runtime.Format(value, display, format, alignment)`: one interpolation
/// hole with an alignment or format (`{x,8:F2}`); `display` is the value's
/// `ToString()`, computed by the caller so user overrides apply.
pub fn runtime_format(vm: &mut Vm, args: &[Value]) -> NativeResult {
    let display = str_arg(vm, args, 1)?.map_or("", |s| s.as_str());
    let format = str_arg(vm, args, 2)?.map(|s| s.as_str());
    let align = int_arg(vm, args, 3)?;
    let text = try_format_with(vm.program(), arg(args, 0), display, format, align)?;
    Ok(vm.str_value(text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_stable() {
        assert_eq!(string_hash("abc"), string_hash("abc"));
        assert_ne!(string_hash("abc"), string_hash("abd"));
    }
}
