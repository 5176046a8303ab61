//! Values and heap objects.
//!
//! A [`Value`] is 16 bytes and `Copy`: primitives inline, everything else a
//! [`Gc`] pointer to a heap object (`object.rs`). Values carry their type at run time (an `int`
//! is `Value::Int`, an enum value knows its enum), which is what lets
//! `object`-typed code print, compare and cast correctly.
//!
//! `int` and `long` are both `Value::Int` (64-bit, see LANGUAGE.md
//! "Deviations"); `decimal` is a `Value::Double`.

use std::fmt;

use crate::bytecode::{ClassId, MethodId};

pub use crate::object::{Array, HeapObj, Instance, NativeObject, Obj, Str};
pub use gc::Gc;

pub type Heap = gc::Heap<HeapObj>;
pub type Tracer = gc::Tracer<HeapObj>;

// `repr(u8)`: the layout is defined (a tag byte, then each variant's
// fields as a `repr(C)` struct), so [`Value::write`] may build one.
#[derive(Clone, Copy, Default)]
#[repr(u8)]
pub enum Value {
    #[default]
    Null,
    Bool(bool),
    Int(i64),
    Double(f64),
    Char(u16),
    /// A value of the enum `C[class]`.
    Enum(ClassId, i64),
    Obj(Gc<HeapObj>),
}

impl Value {
    /// Writes `v` at `p` with one 16-byte store, reading `v` field by field.
    ///
    /// The compiler writes an enum by parts (the tag byte, then the
    /// payload); a whole-value load soon after (an argument copy, a
    /// `Return`) then spans two stores, which the CPU cannot forward from:
    /// it waits for both to reach the cache. One store forwards to any load
    /// inside it. Reading `v` by fields forwards from its parts. For values
    /// fresh from Rust code (a native's result, an int just computed); a
    /// value copied from a register is already one store.
    ///
    /// # Safety
    /// `p` must be valid for a 16-byte write (not necessarily aligned).
    #[inline(always)]
    pub unsafe fn write(p: *mut Value, v: Value) {
        // `repr(u8)`: the tag (declaration order) in byte 0, then each
        // variant's fields as a `repr(C)` struct: a `bool` at byte 1, a
        // `u16` at 2, a `u32` at 4, 8-byte fields at 8 (`Gc` is
        // `repr(transparent)` over its pointer). The other bytes are
        // padding: zero will do.
        let (lo, hi): (u64, u64) = match v {
            Value::Null => (0, 0),
            Value::Bool(b) => (1 | u64::from(b) << 8, 0),
            Value::Int(x) => (2, x as u64),
            Value::Double(d) => (3, d.to_bits()),
            Value::Char(c) => (4 | u64::from(c) << 16, 0),
            Value::Enum(c, x) => (5 | u64::from(c.0) << 32, x as u64),
            Value::Obj(o) => (6, o.addr() as u64),
        };
        #[cfg(target_arch = "x86_64")]
        // SAFETY: the bytes above are `v`'s (x86_64 is little-endian);
        // SSE2 is part of the x86_64 baseline; the caller guarantees `p`.
        unsafe {
            use std::arch::x86_64::{_mm_set_epi64x, _mm_storeu_si128};
            _mm_storeu_si128(p.cast(), _mm_set_epi64x(hi as i64, lo as i64));
        }
        #[cfg(not(target_arch = "x86_64"))]
        // SAFETY: the caller guarantees `p` is writable.
        unsafe {
            let _ = (lo, hi);
            p.write(v)
        };
    }

    pub fn is_null(self) -> bool {
        matches!(self, Value::Null)
    }

    pub fn as_obj(self) -> Option<Gc<HeapObj>> {
        match self {
            Value::Obj(o) => Some(o),
            _ => None,
        }
    }

    /// The string, if this is one.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Obj(o) => match o.view() {
                Obj::Str(s) => Some(s.as_str()),
                _ => None,
            },
            _ => None,
        }
    }

    /// The underlying integer of an int, char or enum.
    pub fn as_int(self) -> Option<i64> {
        match self {
            Value::Int(i) | Value::Enum(_, i) => Some(i),
            Value::Char(c) => Some(c as i64),
            _ => None,
        }
    }

    /// The run-time class, as far as the value alone tells it (an `int` and
    /// a `long` are both `Int32`; `null` reports `Object`).
    pub fn class(self) -> ClassId {
        use crate::program::BuiltinClass;
        let builtin = match self {
            Value::Null => BuiltinClass::Object,
            Value::Bool(_) => BuiltinClass::Boolean,
            Value::Int(_) => BuiltinClass::Int32,
            Value::Double(_) => BuiltinClass::Double,
            Value::Char(_) => BuiltinClass::Char,
            Value::Enum(class, _) => return class,
            Value::Obj(o) => match o.view() {
                Obj::Str(_) => BuiltinClass::String,
                Obj::Instance(i) => return i.class(),
                Obj::Array(_) => BuiltinClass::Array,
                Obj::List(_) => BuiltinClass::List,
                Obj::Dict(_) => BuiltinClass::Dictionary,
                Obj::Pair(..) => BuiltinClass::KeyValuePair,
                Obj::Delegate { .. } => BuiltinClass::Delegate,
                Obj::Type(_) => BuiltinClass::Type,
                Obj::Native(_) | Obj::Task(_) | Obj::Continuation(_) => BuiltinClass::NativeObject,
            },
        };
        builtin.id()
    }

    /// C# `==` for values whose static type is `object` or a primitive:
    /// value equality for primitives and strings, identity for objects.
    pub fn equals(self, other: Value) -> bool {
        match (self, other) {
            (Value::Null, Value::Null) => true,
            (Value::Bool(a), Value::Bool(b)) => a == b,
            (Value::Double(a), Value::Double(b)) => a == b,
            (Value::Double(a), b) => b.as_int().is_some_and(|b| a == b as f64),
            (a, Value::Double(b)) => a.as_int().is_some_and(|a| a as f64 == b),
            (Value::Enum(c, a), Value::Enum(d, b)) => c == d && a == b,
            (Value::Int(a), Value::Int(b)) => a == b,
            (Value::Char(a), Value::Char(b)) => a == b,
            (Value::Int(a), Value::Char(b)) | (Value::Char(b), Value::Int(a)) => a == b as i64,
            (Value::Enum(_, a), Value::Int(b)) | (Value::Int(b), Value::Enum(_, a)) => a == b,
            (Value::Obj(a), Value::Obj(b)) => {
                Gc::ptr_eq(a, b)
                    || matches!((a.view(), b.view()), (Obj::Str(x), Obj::Str(y)) if x.as_str() == y.as_str())
            }
            _ => false,
        }
    }
}

impl fmt::Debug for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Null => write!(f, "null"),
            Value::Bool(b) => write!(f, "{b}"),
            Value::Int(i) => write!(f, "{i}"),
            Value::Double(d) => write!(f, "{d:?}"),
            Value::Char(c) => write!(f, "'{}'", char::from_u32(*c as u32).unwrap_or('?')),
            Value::Enum(c, v) => write!(f, "{c}:{v}"),
            Value::Obj(o) => write!(f, "{:?}", &**o),
        }
    }
}

/// A dictionary key: hashing and equality as C# does for keys whose type
/// does not override `Equals` (value equality for primitives and strings,
/// identity for objects).
#[derive(Clone, Copy, Debug)]
pub struct Key(pub Value);

impl PartialEq for Key {
    fn eq(&self, other: &Key) -> bool {
        self.0.equals(other.0)
    }
}
impl Eq for Key {}

impl std::hash::Hash for Key {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        match self.0 {
            Value::Null => 0u8.hash(state),
            Value::Bool(b) => b.hash(state),
            Value::Int(i) | Value::Enum(_, i) => i.hash(state),
            Value::Char(c) => (c as i64).hash(state),
            Value::Double(d) => {
                if d.fract() == 0.0 && d.abs() < 9.0e18 {
                    (d as i64).hash(state)
                } else {
                    d.to_bits().hash(state)
                }
            }
            Value::Obj(o) => match o.view() {
                Obj::Str(s) => s.as_str().hash(state),
                _ => o.addr().hash(state),
            },
        }
    }
}

/// One line of an exception's stack trace: a frame (its method and source
/// line), or the boundary where a stored exception was thrown again.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TraceFrame {
    pub method: MethodId,
    pub line: u32,
}

impl TraceFrame {
    /// `--- End of stack trace from previous location ---`
    pub const BOUNDARY: TraceFrame = TraceFrame { method: MethodId(u32::MAX), line: 0 };
}

impl Value {
    /// Reports the value's pointer, if it has one.
    #[inline]
    pub fn trace(&self, tracer: &mut Tracer) {
        if let Value::Obj(o) = self {
            tracer.mark(*o);
        }
    }

    /// The object, seen as what it is, if this is one.
    #[inline]
    pub fn view(&self) -> Option<Obj<'_>> {
        match self {
            Value::Obj(o) => Some(o.view()),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_sixteen_bytes() {
        assert_eq!(std::mem::size_of::<Value>(), 16);
    }

    #[test]
    fn write_writes_what_the_compiler_would() {
        let values = [
            Value::Null,
            Value::Bool(false),
            Value::Bool(true),
            Value::Int(0),
            Value::Int(-1),
            Value::Int(i64::MIN),
            Value::Double(-2.5),
            Value::Char(0xfffe),
            Value::Enum(ClassId(0xdead_beef), i64::MAX),
        ];
        for v in values {
            let mut slot = Value::Double(1.5);
            // SAFETY: `slot` is a local `Value`.
            unsafe { Value::write(&mut slot, v) };
            let same = match (slot, v) {
                (Value::Null, Value::Null) => true,
                (Value::Bool(a), Value::Bool(b)) => a == b,
                (Value::Int(a), Value::Int(b)) => a == b,
                (Value::Double(a), Value::Double(b)) => a.to_bits() == b.to_bits(),
                (Value::Char(a), Value::Char(b)) => a == b,
                (Value::Enum(c, a), Value::Enum(d, b)) => c == d && a == b,
                _ => false,
            };
            assert!(same, "{v:?} came back as {slot:?}");
        }
    }
}
