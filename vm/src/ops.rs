//! Operators and conversions: the general cases of arithmetic, bitwise
//! operators and comparisons (the loop inlines the int cases), numeric
//! conversions, type tests, indexing, and the default values of fields and
//! array elements.

use crate::Vm;
use crate::builtins::format;
use crate::bytecode::{ClassId, ConvKind, Dst};
use crate::error::VmError;
use crate::program::{BuiltinClass, ClassKind, Program};
use crate::value::{Obj, Value};

impl Vm {
    #[cold]
    pub(crate) fn add_slow(&mut self, a: Value, b: Value) -> Result<Value, VmError> {
        if a.as_str().is_some() || b.as_str().is_some() {
            return self.concat([a, b].into_iter());
        }
        if let (Value::Enum(c, x), Some(y)) = (a, b.as_int()) {
            return Ok(Value::Enum(c, x.wrapping_add(y)));
        }
        arith(a, b, ArithOp::Add)
    }

    /// `x + y` with a string operand, from the fast loop: the string into
    /// register `dst` of the window at `base`, then a collection if one is
    /// due (the result rooted by its register). Out of line, so the fast
    /// loop's arm stays small; `ToString` overrides may run (the loop's
    /// `protect!`).
    #[cold]
    #[inline(never)]
    pub(crate) fn concat_into(&mut self, base: usize, dst: Dst, x: Value, y: Value) -> Result<(), VmError> {
        let v = self.add_slow(x, y)?;
        self.stack[base + dst.0 as usize] = v;
        if self.collection_due() {
            self.collect_at_safepoint()?;
        }
        Ok(())
    }

    /// `string.Concat` of values (strings as they are, anything else as
    /// it prints): an `OutOfMemoryException` before building a string the
    /// heap cannot hold.
    pub(crate) fn concat(&mut self, values: impl Iterator<Item = Value> + Clone) -> Result<Value, VmError> {
        if let Some(shape) = text_shape(values.clone()) {
            // Strings and chars only: copied once into the new string, its
            // header summed from the parts' (no second scan of the text).
            self.reserve(shape.len)?;
            let obj = self.alloc(crate::object::string_of(shape, |mut out: &mut [u8]| {
                for v in values {
                    let mut buf = [0u8; 4];
                    let part: &[u8] = match (v, v.as_str()) {
                        (_, Some(t)) => t.as_bytes(),
                        (Value::Char(c), None) => char_text(c).map_or(&[], |c| c.encode_utf8(&mut buf).as_bytes()),
                        _ => &[],
                    };
                    let (head, rest) = out.split_at_mut(part.len());
                    head.copy_from_slice(part);
                    out = rest;
                }
            }));
            return Ok(Value::Obj(obj));
        }
        // Non-strings are printed twice (to measure, then to copy): they
        // are short, and the common case (strings only) allocates nothing
        // but the result.
        // A char (`s += c`) is pushed as it is, not printed.
        let char_of = |v: Value| match v {
            Value::Char(c) => char_text(c),
            _ => None,
        };
        let program = &self.program;
        let len = values
            .clone()
            .map(|v| match (v.as_str(), char_of(v)) {
                (Some(t), _) => t.len(),
                (None, Some(c)) => c.len_utf8(),
                (None, None) => format::to_display(program, v).len(),
            })
            .sum();
        self.reserve(len)?;
        let mut s = String::with_capacity(len);
        for v in values {
            match (v.as_str(), char_of(v)) {
                (Some(t), _) => s.push_str(t),
                (None, Some(c)) => s.push(c),
                (None, None) => s.push_str(&format::to_display(&self.program, v)),
            }
        }
        Ok(self.str_value(s))
    }

    #[cold]
    pub(crate) fn bad_operand(&self, op: &str, v: Value) -> VmError {
        VmError::throw(
            "System.InvalidCastException",
            format!("Operator '{op}' cannot be applied to a value of type '{}'.", self.type_name(v)),
        )
    }

    pub(crate) fn convert(&self, v: Value, to: ConvKind) -> Result<Value, VmError> {
        Ok(match (to, v) {
            (ConvKind::Int, Value::Double(d)) => Value::Int(d as i64),
            (ConvKind::Int, v) if v.as_int().is_some() => Value::Int(v.as_int().unwrap_or(0)),
            (ConvKind::Double, Value::Double(d)) => Value::Double(d),
            (ConvKind::Double, v) if v.as_int().is_some() => Value::Double(v.as_int().unwrap_or(0) as f64),
            (ConvKind::Char, Value::Double(d)) => Value::Char(d as i64 as u16),
            (ConvKind::Char, v) if v.as_int().is_some() => Value::Char(v.as_int().unwrap_or(0) as u16),
            (_, Value::Null) => return Err(VmError::null_reference()),
            (to, v) => return Err(VmError::invalid_cast(&self.type_name(v), &to.to_string())),
        })
    }

    pub(crate) fn is_instance(&self, v: Value, class: ClassId) -> bool {
        if v.is_null() {
            return false;
        }
        if class == BuiltinClass::Object.id() {
            return true;
        }
        let actual = self.class_of(v);
        if actual == class {
            return true;
        }
        match v {
            Value::Int(_) => class == BuiltinClass::Int64.id() || class == BuiltinClass::ValueType.id(),
            Value::Double(_) => class == BuiltinClass::Decimal.id() || class == BuiltinClass::ValueType.id(),
            Value::Bool(_) | Value::Char(_) => class == BuiltinClass::ValueType.id(),
            Value::Enum(..) => class == BuiltinClass::Enum.id() || class == BuiltinClass::ValueType.id(),
            Value::Obj(o) => match o.view() {
                Obj::Instance(_) => self.program.is_subclass(actual, class),
                _ => false,
            },
            Value::Null => false,
        }
    }

    pub(crate) fn get_index(&mut self, obj: Value, index: Value) -> Result<Value, VmError> {
        let Value::Obj(o) = obj else { return Err(VmError::null_reference()) };
        match o.view() {
            Obj::Dict(d) => {
                let found = d.borrow().get(&crate::value::Key(index)).copied();
                match found {
                    Some(v) => Ok(v),
                    None => Err(VmError::throw(
                        "System.Collections.Generic.KeyNotFoundException",
                        format!(
                            "The given key '{}' was not present in the dictionary.",
                            format::to_display(&self.program, index)
                        ),
                    )),
                }
            }
            _ => {
                let i = index.as_int().ok_or_else(|| self.bad_operand("[]", index))?;
                match o.view() {
                    Obj::Array(a) => {
                        usize::try_from(i).ok().and_then(|i| a.get(i)).ok_or_else(VmError::index_out_of_range)
                    }
                    Obj::List(items) => usize::try_from(i)
                        .ok()
                        .and_then(|i| items.borrow().get(i).copied())
                        .ok_or_else(list_index_error),
                    Obj::Str(s) => usize::try_from(i)
                        .ok()
                        .and_then(|i| s.char_at(i))
                        .map(Value::Char)
                        .ok_or_else(VmError::index_out_of_range),
                    _ => Err(self.bad_operand("[]", obj)),
                }
            }
        }
    }

    pub(crate) fn set_index(&mut self, obj: Value, index: Value, v: Value) -> Result<(), VmError> {
        let Value::Obj(o) = obj else { return Err(VmError::null_reference()) };
        match o.view() {
            Obj::Dict(d) => {
                d.borrow_mut().insert(crate::value::Key(index), v);
                Ok(())
            }
            Obj::Array(a) => {
                let i = index.as_int().ok_or_else(|| self.bad_operand("[]", index))?;
                match usize::try_from(i) {
                    Ok(i) if a.set(i, v) => Ok(()),
                    _ => Err(VmError::index_out_of_range()),
                }
            }
            Obj::List(items) => {
                let i = index.as_int().ok_or_else(|| self.bad_operand("[]", index))?;
                let mut items = items.borrow_mut();
                match usize::try_from(i).ok().and_then(|i| items.get_mut(i)) {
                    Some(slot) => {
                        *slot = v;
                        Ok(())
                    }
                    None => Err(list_index_error()),
                }
            }
            _ => Err(self.bad_operand("[]=", obj)),
        }
    }
}

pub(crate) fn list_index_error() -> VmError {
    VmError::throw(
        "System.ArgumentOutOfRangeException",
        "Index was out of range. Must be non-negative and less than the size of the collection. (Parameter 'index')",
    )
}

/// The value a new array's elements start with.
pub(crate) fn element_default(program: &Program, elem: ClassId) -> Value {
    crate::state::default_value(program.element_type(elem).zero())
}

pub(crate) fn is_value_type(program: &Program, class: ClassId) -> bool {
    [
        BuiltinClass::Int32,
        BuiltinClass::Int64,
        BuiltinClass::Double,
        BuiltinClass::Decimal,
        BuiltinClass::Boolean,
        BuiltinClass::Char,
    ]
    .iter()
    .any(|b| b.id() == class)
        || program.class(class).kind == ClassKind::Enum
}

#[derive(Clone, Copy)]
pub(crate) enum ArithOp {
    Add,
    Sub,
    Mul,
    Div,
    Rem,
}

pub(crate) fn arith(a: Value, b: Value, op: ArithOp) -> Result<Value, VmError> {
    if let (Value::Double(_), _) | (_, Value::Double(_)) = (a, b) {
        let (Some(x), Some(y)) = (as_f64(a), as_f64(b)) else { return Err(operand_error(a, b)) };
        return Ok(Value::Double(match op {
            ArithOp::Add => x + y,
            ArithOp::Sub => x - y,
            ArithOp::Mul => x * y,
            ArithOp::Div => x / y,
            ArithOp::Rem => x % y,
        }));
    }
    let (Some(x), Some(y)) = (a.as_int(), b.as_int()) else { return Err(operand_error(a, b)) };
    let r = match op {
        ArithOp::Add => x.wrapping_add(y),
        ArithOp::Sub => x.wrapping_sub(y),
        ArithOp::Mul => x.wrapping_mul(y),
        ArithOp::Div | ArithOp::Rem if y == 0 => {
            return Err(VmError::throw("System.DivideByZeroException", "Attempted to divide by zero."));
        }
        ArithOp::Div => x.wrapping_div(y),
        ArithOp::Rem => x.wrapping_rem(y),
    };
    Ok(match (a, b) {
        (Value::Enum(c, _), _) | (_, Value::Enum(c, _)) if matches!(op, ArithOp::Add | ArithOp::Sub) => {
            if matches!((a, b), (Value::Enum(..), Value::Enum(..))) { Value::Int(r) } else { Value::Enum(c, r) }
        }
        _ => Value::Int(r),
    })
}

pub(crate) fn as_f64(v: Value) -> Option<f64> {
    match v {
        Value::Double(d) => Some(d),
        v => v.as_int().map(|i| i as f64),
    }
}

#[cold]
pub(crate) fn operand_error(a: Value, b: Value) -> VmError {
    let kind = |v: Value| match v {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Obj(_) => "object",
        _ => "number",
    };
    VmError::throw(
        "System.InvalidCastException",
        format!("Operator cannot be applied to operands of kinds '{}' and '{}'.", kind(a), kind(b)),
    )
}

#[derive(Clone, Copy)]
pub(crate) enum BitOp {
    And,
    Or,
    Xor,
    Shl,
    Shr,
}

pub(crate) fn bitwise(a: Value, b: Value, op: BitOp) -> Result<Value, VmError> {
    if let (Value::Bool(x), Value::Bool(y)) = (a, b) {
        return Ok(Value::Bool(match op {
            BitOp::And => x & y,
            BitOp::Or => x | y,
            BitOp::Xor => x ^ y,
            _ => return Err(operand_error(a, b)),
        }));
    }
    let (Some(x), Some(y)) = (a.as_int(), b.as_int()) else { return Err(operand_error(a, b)) };
    let r = match op {
        BitOp::And => x & y,
        BitOp::Or => x | y,
        BitOp::Xor => x ^ y,
        BitOp::Shl => x.wrapping_shl((y & 63) as u32),
        BitOp::Shr => x.wrapping_shr((y & 63) as u32),
    };
    Ok(match (a, op) {
        (Value::Enum(c, _), BitOp::And | BitOp::Or | BitOp::Xor) => Value::Enum(c, r),
        _ => Value::Int(r),
    })
}

pub(crate) fn less(a: Value, b: Value) -> Result<bool, VmError> {
    compare(a, b, false)
}

pub(crate) fn less_eq(a: Value, b: Value) -> Result<bool, VmError> {
    compare(a, b, true)
}

/// `a < b`, or `a <= b` when `or_equal`: as doubles if either is one (NaN
/// compares false), else as integers (ints, chars, enums).
pub(crate) fn compare(a: Value, b: Value, or_equal: bool) -> Result<bool, VmError> {
    if matches!(a, Value::Double(_)) || matches!(b, Value::Double(_)) {
        let (Some(x), Some(y)) = (as_f64(a), as_f64(b)) else { return Err(operand_error(a, b)) };
        return Ok(if or_equal { x <= y } else { x < y });
    }
    match (a.as_int(), b.as_int()) {
        (Some(x), Some(y)) => Ok(if or_equal { x <= y } else { x < y }),
        _ => Err(operand_error(a, b)),
    }
}

/// A char as text: `None` for a lone surrogate (printed instead).
fn char_text(c: u16) -> Option<char> {
    char::from_u32(u32::from(c))
}

/// The shape of the concatenation of `values` when each is a string or a
/// char that is text (`concat`'s common case).
fn text_shape(values: impl Iterator<Item = Value>) -> Option<crate::object::StrShape> {
    let mut shape = crate::object::StrShape { len: 0, utf16: 0, ascii: true };
    for v in values {
        match v {
            Value::Char(c) => {
                let c = char_text(c)?;
                shape.len += c.len_utf8();
                shape.utf16 += c.len_utf16();
                shape.ascii &= c.is_ascii();
            }
            Value::Obj(o) => {
                let s = o.as_string()?;
                shape.len += s.len();
                shape.utf16 += s.len_utf16();
                shape.ascii &= s.is_ascii();
            }
            _ => return None,
        }
    }
    Some(shape)
}
