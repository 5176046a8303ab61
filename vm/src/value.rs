//! Values and heap objects.
//!
//! A [`Value`] is 16 bytes and `Copy`: primitives inline, everything else a
//! [`Gc`] pointer to an [`Obj`]. Values carry their type at run time (an `int`
//! is `Value::Int`, an enum value knows its enum), which is what lets
//! `object`-typed code print, compare and cast correctly.
//!
//! `int` and `long` are both `Value::Int` (64-bit, see LANGUAGE.md
//! "Deviations"); `decimal` is a `Value::Double`.

use std::cell::{Cell, RefCell};
use std::fmt;

use indexmap::IndexMap;

use crate::bytecode::{ClassId, MethodId};

pub use gc::Gc;

pub type Heap = gc::Heap<Obj>;
pub type Tracer = gc::Tracer<Obj>;

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
    Obj(Gc<Obj>),
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

    pub fn as_obj(self) -> Option<Gc<Obj>> {
        match self {
            Value::Obj(o) => Some(o),
            _ => None,
        }
    }

    /// The string, if this is one.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Obj(o) => match &**o {
                Obj::Str(s) => Some(s),
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
            Value::Obj(o) => match &*o {
                Obj::Str(_) => BuiltinClass::String,
                Obj::Instance(i) => return i.class,
                Obj::Array { .. } => BuiltinClass::Array,
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
                Gc::ptr_eq(a, b) || matches!((&*a, &*b), (Obj::Str(x), Obj::Str(y)) if x.as_str() == y.as_str())
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

/// An immutable string. C# strings are UTF-16; toy stores UTF-8 and indexes
/// by `char` when the text is not ASCII.
pub struct Str {
    text: Box<str>,
    ascii: bool,
}

impl Str {
    pub fn new(text: impl Into<Box<str>>) -> Str {
        let text = text.into();
        let ascii = text.is_ascii();
        Str { text, ascii }
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// C#'s `Length`: UTF-16 code units.
    pub fn len_utf16(&self) -> usize {
        if self.ascii { self.text.len() } else { self.text.encode_utf16().count() }
    }

    /// C#'s `s[i]`.
    pub fn char_at(&self, i: usize) -> Option<u16> {
        if self.ascii { self.text.as_bytes().get(i).map(|b| *b as u16) } else { self.text.encode_utf16().nth(i) }
    }

    pub fn is_ascii(&self) -> bool {
        self.ascii
    }
}

impl std::ops::Deref for Str {
    type Target = str;
    fn deref(&self) -> &str {
        &self.text
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
            Value::Obj(o) => match &*o {
                Obj::Str(s) => s.as_str().hash(state),
                _ => o.addr().hash(state),
            },
        }
    }
}

/// A heap object.
pub enum Obj {
    Str(Str),
    /// An instance of a user class or struct (also the prelude's exceptions,
    /// closures' display classes and async1 state machines).
    Instance(Instance),
    /// `T[]`; `elem` is the element type, for `GetType()` and defaults.
    Array {
        elem: ClassId,
        items: RefCell<Vec<Value>>,
    },
    List(RefCell<Vec<Value>>),
    Dict(RefCell<IndexMap<Key, Value>>),
    /// `KeyValuePair<K, V>`
    Pair(Value, Value),
    /// A delegate: a method and the object it is bound to (`Null` for static
    /// methods). Lambdas are methods of their display class.
    Delegate {
        method: MethodId,
        target: Value,
    },
    /// `typeof(C)` / `GetType()`.
    Type(ClassId),
    /// A task (`Task`, `Task<T>`, an async method's builder): the hottest
    /// library object, so a cell of its own rather than a boxed native.
    Task(crate::tasks::Task),
    /// A suspended async2 frame (`async2/continuation.rs`).
    Continuation(crate::async2::Continuation),
    /// Built-in library objects with no bytecode-visible structure.
    Native(Box<dyn NativeObject>),
}

pub struct Instance {
    pub class: ClassId,
    pub fields: RefCell<Box<[Value]>>,
    /// For exceptions: the frames the stack trace lists, innermost first,
    /// recorded as the exception unwinds (text is made only when read).
    pub stack_trace: RefCell<Vec<TraceFrame>>,
    /// A monotonic identity for `GetHashCode` (assigned lazily by the runtime).
    pub hash: Cell<u32>,
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

impl Instance {
    /// Field `slot`. The verifier proves each `GetField`'s slot is one of
    /// its class's; a bad slot is a VM bug, loud in debug builds (null in
    /// release ones).
    pub fn get(&self, slot: usize) -> Value {
        let fields = self.fields.borrow();
        debug_assert!(slot < fields.len(), "field slot {slot} of an instance of {} with {}", self.class, fields.len());
        fields.get(slot).copied().unwrap_or(Value::Null)
    }

    /// Sets field `slot` (a bad slot as for [`Instance::get`]; ignored in
    /// release builds).
    pub fn set(&self, slot: usize, v: Value) {
        let mut fields = self.fields.borrow_mut();
        debug_assert!(slot < fields.len(), "field slot {slot} of an instance of {} with {}", self.class, fields.len());
        if let Some(f) = fields.get_mut(slot) {
            *f = v;
        }
    }
}

/// An object of the built-in library that bytecode only reaches through
/// natives (Stopwatch, TimeSpan, awaiters, cancellation sources, ...); tasks
/// have their own variant, [`Obj::Task`].
pub trait NativeObject: std::any::Any {
    /// The type's simple name, as `GetType().Name` prints it.
    fn type_name(&self) -> &'static str;
    /// Report every `Gc` it holds (see `gc::Trace`'s rules).
    fn trace(&self, tracer: &mut Tracer);
    fn extra_bytes(&self) -> usize {
        0
    }
    fn as_any(&self) -> &dyn std::any::Any;
}

impl Obj {
    /// Downcasts a native object.
    pub fn native<T: NativeObject>(&self) -> Option<&T> {
        match self {
            Obj::Native(n) => n.as_any().downcast_ref::<T>(),
            _ => None,
        }
    }
}

impl fmt::Debug for Obj {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Obj::Str(s) => write!(f, "{:?}", s.as_str()),
            Obj::Instance(i) => write!(f, "<instance {}>", i.class),
            Obj::Array { items, .. } => write!(f, "<array of {}>", items.borrow().len()),
            Obj::List(items) => write!(f, "<list of {}>", items.borrow().len()),
            Obj::Dict(d) => write!(f, "<dictionary of {}>", d.borrow().len()),
            Obj::Pair(k, v) => write!(f, "[{k:?}, {v:?}]"),
            Obj::Delegate { method, .. } => write!(f, "<delegate {method}>"),
            Obj::Type(c) => write!(f, "<type {c}>"),
            Obj::Task(t) => write!(f, "<{}>", t.type_name()),
            Obj::Continuation(c) => write!(f, "<continuation state {}>", c.state.get()),
            Obj::Native(n) => write!(f, "<{}>", n.type_name()),
        }
    }
}

impl Value {
    /// Reports the value's pointer, if it has one.
    pub fn trace(&self, tracer: &mut Tracer) {
        if let Value::Obj(o) = self {
            tracer.mark(*o);
        }
    }
}

// SAFETY: `trace` reports every `Gc` the object holds: instance fields, array,
// list and dictionary elements (keys and values), pair halves, a delegate's
// target, a task's or a continuation's values, and whatever a native
// object reports. Tracing only reads (the
// `RefCell`s are never mutably borrowed during a collection, which happens at
// safepoints only) and never allocates.
unsafe impl gc::Trace for Obj {
    fn trace(&self, t: &mut Tracer) {
        match self {
            Obj::Str(_) | Obj::Type(_) => {}
            Obj::Instance(i) => i.fields.borrow().iter().for_each(|v| v.trace(t)),
            Obj::Array { items, .. } | Obj::List(items) => items.borrow().iter().for_each(|v| v.trace(t)),
            Obj::Dict(d) => {
                for (k, v) in d.borrow().iter() {
                    k.0.trace(t);
                    v.trace(t);
                }
            }
            Obj::Pair(k, v) => {
                k.trace(t);
                v.trace(t);
            }
            Obj::Delegate { target, .. } => target.trace(t),
            Obj::Task(task) => task.trace(t),
            Obj::Continuation(c) => c.trace(t),
            Obj::Native(n) => n.trace(t),
        }
    }

    fn extra_bytes(&self) -> usize {
        let slot = std::mem::size_of::<Value>();
        match self {
            Obj::Str(s) => s.len(),
            Obj::Instance(i) => i.fields.borrow().len() * slot,
            Obj::Array { items, .. } | Obj::List(items) => items.borrow().capacity() * slot,
            Obj::Dict(d) => d.borrow().capacity() * (2 * slot + 8),
            Obj::Task(t) => t.extra_bytes(),
            Obj::Continuation(c) => c.data.borrow().capacity() * slot,
            // A native object lives in its own box, beside the heap cell.
            Obj::Native(n) => std::mem::size_of_val(&**n) + n.extra_bytes(),
            Obj::Pair(..) | Obj::Delegate { .. } | Obj::Type(_) => 0,
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
