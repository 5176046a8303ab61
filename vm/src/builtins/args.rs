//! Reading natives' arguments and making their results.
//!
//! Every accessor checks the value's kind and turns a wrong one into the
//! exception C# would throw (`NullReferenceException` for a null receiver,
//! `InvalidCastException` otherwise), so no native panics on what a program
//! passes. Argument slots past the end read as `null`.

use crate::Vm;
use crate::bytecode::ClassId;
use crate::error::VmError;
use crate::object::{Dict, List, Seq};
use crate::program::BuiltinClass;
use crate::value::{NativeObject, Obj, Str, Value};

pub type NativeResult = Result<Value, VmError>;

/// Argument `i`, or `null` when there is none.
pub fn arg(args: &[Value], i: usize) -> Value {
    args.get(i).copied().unwrap_or(Value::Null)
}

/// The heap object of argument `i`, if it is one.
pub fn obj_arg(args: &[Value], i: usize) -> Option<Obj<'_>> {
    match args.get(i) {
        Some(Value::Obj(o)) => Some(o.view()),
        _ => None,
    }
}

/// The full name of a value's runtime type, for messages.
pub fn type_name(vm: &Vm, v: Value) -> String {
    vm.type_name(v)
}

/// What using `v` as a `to` throws: a `NullReferenceException` for null.
pub fn cast_error(vm: &Vm, v: Value, to: &str) -> VmError {
    if v.is_null() { VmError::null_reference() } else { VmError::invalid_cast(&type_name(vm, v), to) }
}

pub fn int_arg(vm: &Vm, args: &[Value], i: usize) -> Result<i64, VmError> {
    match arg(args, i) {
        Value::Int(n) | Value::Enum(_, n) => Ok(n),
        Value::Char(c) => Ok(c as i64),
        v => Err(cast_error(vm, v, "System.Int32")),
    }
}

/// A `double` parameter: ints and chars widen, as C# converts them implicitly.
pub fn num_arg(vm: &Vm, args: &[Value], i: usize) -> Result<f64, VmError> {
    match arg(args, i) {
        Value::Double(d) => Ok(d),
        Value::Int(n) | Value::Enum(_, n) => Ok(n as f64),
        Value::Char(c) => Ok(c as f64),
        v => Err(cast_error(vm, v, "System.Double")),
    }
}

pub fn bool_arg(vm: &Vm, args: &[Value], i: usize) -> Result<bool, VmError> {
    match arg(args, i) {
        Value::Bool(b) => Ok(b),
        v => Err(cast_error(vm, v, "System.Boolean")),
    }
}

pub fn char_arg(vm: &Vm, args: &[Value], i: usize) -> Result<u16, VmError> {
    match arg(args, i) {
        Value::Char(c) => Ok(c),
        Value::Int(n) if (0..=0xFFFF).contains(&n) => Ok(n as u16),
        v => Err(cast_error(vm, v, "System.Char")),
    }
}

/// A `string` parameter that may be null.
pub fn str_arg<'a>(vm: &Vm, args: &'a [Value], i: usize) -> Result<Option<&'a Str>, VmError> {
    match (arg(args, i), obj_arg(args, i)) {
        (Value::Null, _) => Ok(None),
        (_, Some(Obj::Str(s))) => Ok(Some(s)),
        (v, _) => Err(cast_error(vm, v, "System.String")),
    }
}

/// A `string` receiver (or parameter that must not be null).
pub fn this_str<'a>(vm: &Vm, args: &'a [Value]) -> Result<&'a Str, VmError> {
    str_arg(vm, args, 0)?.ok_or_else(VmError::null_reference)
}

/// A `string` parameter that .NET rejects when null.
pub fn str_arg_not_null<'a>(vm: &Vm, args: &'a [Value], i: usize, param: &str) -> Result<&'a Str, VmError> {
    str_arg(vm, args, i)?.ok_or_else(|| argument_null(param))
}

/// The items of a `List<T>` argument.
pub fn list_arg<'a>(vm: &Vm, args: &'a [Value], i: usize) -> Result<&'a List, VmError> {
    match obj_arg(args, i) {
        Some(Obj::List(items)) => Ok(items),
        _ => Err(cast_error(vm, arg(args, i), "System.Collections.Generic.List`1")),
    }
}

/// The element type and items of an array argument.
pub fn array_arg<'a>(vm: &Vm, args: &'a [Value], i: usize) -> Result<(ClassId, Seq<'a>), VmError> {
    match obj_arg(args, i) {
        Some(Obj::Array(a)) => Ok((a.elem(), Seq::Array(a))),
        _ => Err(cast_error(vm, arg(args, i), "System.Array")),
    }
}

/// The items of an array or a list (both are `IList<T>`).
pub fn seq_arg<'a>(vm: &Vm, args: &'a [Value], i: usize) -> Result<Seq<'a>, VmError> {
    match obj_arg(args, i) {
        Some(Obj::List(items)) => Ok(Seq::List(items)),
        Some(Obj::Array(a)) => Ok(Seq::Array(a)),
        _ => Err(cast_error(vm, arg(args, i), "System.Collections.IList")),
    }
}

pub fn dict_arg<'a>(vm: &Vm, args: &'a [Value], i: usize) -> Result<&'a Dict, VmError> {
    match obj_arg(args, i) {
        Some(Obj::Dict(d)) => Ok(d),
        _ => Err(cast_error(vm, arg(args, i), "System.Collections.Generic.Dictionary`2")),
    }
}

/// A built-in library object of type `T`; `type_name` names it in messages.
pub fn native_arg<'a, T: NativeObject>(
    vm: &Vm,
    args: &'a [Value],
    i: usize,
    type_name: &str,
) -> Result<&'a T, VmError> {
    match args.get(i) {
        Some(Value::Obj(o)) => o.native::<T>(),
        _ => None,
    }
    .ok_or_else(|| cast_error(vm, arg(args, i), type_name))
}

pub fn native_this<'a, T: NativeObject>(vm: &Vm, args: &'a [Value], type_name: &str) -> Result<&'a T, VmError> {
    native_arg(vm, args, 0, type_name)
}

/// `StrongBox.Value`: the one field, right after the header.
const STRONG_BOX_VALUE: crate::object::FieldRef =
    crate::object::FieldRef { offset: 8, ty: crate::program::SlotType::Any };

/// The value in the box behind a `ref`/`out` argument.
pub fn out_current(args: &[Value], i: usize) -> Value {
    match obj_arg(args, i) {
        // A StrongBox's one field is `Any`, at the first slot.
        Some(Obj::Instance(boxed)) => boxed.get(STRONG_BOX_VALUE),
        _ => Value::Null,
    }
}

/// Stores `v` in the box behind a `ref`/`out` argument.
pub fn set_out(vm: &Vm, args: &[Value], i: usize, v: Value) -> Result<(), VmError> {
    match obj_arg(args, i) {
        Some(Obj::Instance(boxed)) => {
            boxed.set(STRONG_BOX_VALUE, v);
            Ok(())
        }
        _ => Err(cast_error(vm, arg(args, i), "System.Runtime.CompilerServices.StrongBox`1")),
    }
}

/// `default(T)` for the `T` of a value `current` of that type: the zero of
/// its kind (an `out` box arrives holding the variable's current value).
pub fn zero_like(current: Value) -> Value {
    match current {
        Value::Int(_) => Value::Int(0),
        Value::Double(_) => Value::Double(0.0),
        Value::Bool(_) => Value::Bool(false),
        Value::Char(_) => Value::Char(0),
        Value::Enum(class, _) => Value::Enum(class, 0),
        Value::Null | Value::Obj(_) => Value::Null,
    }
}

pub fn new_array(vm: &mut Vm, elem: ClassId, items: Vec<Value>) -> Value {
    Value::Obj(vm.new_array(elem, &items))
}

pub fn new_list(vm: &mut Vm, items: Vec<Value>) -> Value {
    Value::Obj(vm.alloc(crate::object::list(items)))
}

/// The element type for an array made from `items`: their common runtime
/// class when they share one, else `object`.
pub fn common_class(vm: &Vm, items: &[Value]) -> ClassId {
    let mut classes = items.iter().filter(|v| !v.is_null()).map(|v| vm.class_of(*v));
    match classes.next() {
        Some(first) if classes.all(|c| c == first) => first,
        _ => BuiltinClass::Object.id(),
    }
}

/// `ArgumentOutOfRangeException` with .NET's "(Parameter 'name')" suffix.
pub fn out_of_range(param: &str, message: &str) -> VmError {
    VmError::throw("System.ArgumentOutOfRangeException", format!("{message} (Parameter '{param}')"))
}

/// .NET 8's `ArgumentOutOfRangeException.ThrowIfNegative` message.
pub fn negative(param: &str, value: i64) -> VmError {
    VmError::throw(
        "System.ArgumentOutOfRangeException",
        format!("{param} ('{value}') must be a non-negative value. (Parameter '{param}')\nActual value was {value}."),
    )
}

pub fn argument_null(param: &str) -> VmError {
    VmError::throw("System.ArgumentNullException", format!("Value cannot be null. (Parameter '{param}')"))
}

pub fn argument(message: &str, param: &str) -> VmError {
    VmError::throw("System.ArgumentException", format!("{message} (Parameter '{param}')"))
}

/// A collection index in range for `len`, or .NET's
/// "Index was out of range" exception.
pub fn check_index(index: i64, len: usize, param: &str) -> Result<usize, VmError> {
    usize::try_from(index).ok().filter(|i| *i < len).ok_or_else(|| {
        out_of_range(param, "Index was out of range. Must be non-negative and less than the size of the collection.")
    })
}

/// The most elements or characters a native will make at once; beyond it
/// .NET would run out of memory too.
const MAX_SIZE: i64 = 1 << 27;

/// A requested size, or the `OutOfMemoryException` .NET would throw.
pub fn checked_size(n: i64) -> Result<usize, VmError> {
    if n > MAX_SIZE {
        return Err(VmError::throw(
            "System.OutOfMemoryException",
            "Insufficient memory to continue the execution of the program.",
        ));
    }
    Ok(n.max(0) as usize)
}
