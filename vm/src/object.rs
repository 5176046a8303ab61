//! Heap objects: one cell each, a small header, then the object's fields
//! inline, laid out by their static types.
//!
//! ```text
//! every object   [GcHeader 2][kind 1][aux 1][class 4]          8 bytes
//! Str            header (aux: ASCII) | len u32 | utf16 len u32 | bytes
//! Instance       header (class; aux: size in words, 0 if > 255) | fields
//! Array          header (class: element class; aux: element SlotType)
//!                | len u64 | elements (8 bytes, or 16 for Any)
//! List, Dict     header | RefCell<Vec<Value>> / RefCell<IndexMap<..>>
//! Pair           header | key Value | value Value
//! Delegate       header | method u32 | pad | target Value
//! Type           header (class: the type)
//! Task           header | crate::tasks::Task (state, result, one word of
//!                waiters, one word for the parts few tasks need)
//! Continuation   header | next, resume, state, flags, counts
//!                | Data (raw 8-byte words) | GCData (Values; the last is
//!                the callee's result or exception)
//! Native         header | its vtable getter | the native value
//! ```
//!
//! Fields are stored as the class's [`Layout`] says: a primitive (`int`,
//! `double`, `bool`, `char`, an enum) as its raw 8 bytes, a reference as a
//! pointer (8 bytes, null as 0), anything else (`object`, interfaces, `T?`)
//! as a tagged [`Value`] (16 bytes). The layout's reference map lists the
//! slots the collector traces, so it never reads an int as a pointer.
//!
//! Every store of a value into a heap object goes through `store` (one
//! value) or `touch` (a list's, dictionary's or task's parts borrowed for
//! change): where a write barrier belongs.

use std::cell::{Cell, RefCell};
use std::mem::{align_of, size_of};
use std::ptr::NonNull;

use gc::GcHeader;
use indexmap::IndexMap;

use crate::bytecode::{ClassId, MethodId};
use crate::program::SlotType;
use crate::value::{Gc, Key, Tracer, Value};

/// What an object is; its layout follows from it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Kind {
    Str,
    Instance,
    Array,
    List,
    Dict,
    Pair,
    Delegate,
    Type,
    Task,
    Continuation,
    Native,
}

/// The header every heap object starts with (and what a `Gc` points at).
#[repr(C)]
pub struct HeapObj {
    gc: GcHeader,
    kind: Kind,
    aux: u8,
    class: ClassId,
}

const HEADER: usize = size_of::<HeapObj>();
const _: () = assert!(HEADER == 8);

impl HeapObj {
    fn new(kind: Kind, aux: u8, class: ClassId) -> HeapObj {
        HeapObj { gc: GcHeader::new(), kind, aux, class }
    }

    /// The header of a suspended frame's saved state (a continuation, an
    /// async1 state machine): the collector counts them.
    fn new_frame(kind: Kind, aux: u8, class: ClassId) -> HeapObj {
        HeapObj { gc: GcHeader::new_suspended_frame(), kind, aux, class }
    }

    pub fn kind(&self) -> Kind {
        self.kind
    }

    /// The object's layout, by its kind.
    pub fn view(&self) -> Obj<'_> {
        let p = self as *const HeapObj;
        // SAFETY: `kind` says which `repr(C)` struct, starting with this
        // header, the object is (each constructor below writes its own).
        unsafe {
            match self.kind {
                Kind::Str => Obj::Str(&*p.cast::<Str>()),
                Kind::Instance => Obj::Instance(&*p.cast::<Instance>()),
                Kind::Array => Obj::Array(&*p.cast::<Array>()),
                Kind::List => Obj::List(&*p.cast::<List>()),
                Kind::Dict => Obj::Dict(&*p.cast::<Dict>()),
                Kind::Pair => {
                    let pair = &*p.cast::<PairObj>();
                    Obj::Pair(pair.key, pair.value)
                }
                Kind::Delegate => {
                    let d = &*p.cast::<DelegateObj>();
                    Obj::Delegate { method: d.method, target: d.target }
                }
                Kind::Type => Obj::Type(self.class),
                Kind::Task => Obj::Task(&(*p.cast::<TaskObj>()).task),
                Kind::Continuation => Obj::Continuation(&*p.cast::<crate::async2::Continuation>()),
                Kind::Native => Obj::Native(native_dyn(p)),
            }
        }
    }

    /// The instance, if this is one (the interpreter's field access: one
    /// compare, not a whole [`HeapObj::view`]).
    #[inline(always)]
    pub fn as_instance(&self) -> Option<&Instance> {
        // SAFETY: an object of kind `Instance` is an `Instance`.
        (self.kind == Kind::Instance).then(|| unsafe { &*(self as *const HeapObj).cast::<Instance>() })
    }

    /// The array, if this is one (tier1's `GetElem`/`SetElem`: one compare).
    #[inline(always)]
    pub fn as_array(&self) -> Option<&Array> {
        // SAFETY: an object of kind `Array` is an `Array`.
        (self.kind == Kind::Array).then(|| unsafe { &*(self as *const HeapObj).cast::<Array>() })
    }

    /// The string, if this is one (tier1's `GetElem` on a string: one
    /// compare).
    #[inline(always)]
    pub fn as_string(&self) -> Option<&Str> {
        // SAFETY: an object of kind `Str` is a `Str`.
        (self.kind == Kind::Str).then(|| unsafe { &*(self as *const HeapObj).cast::<Str>() })
    }

    /// The task, if this is one (one compare).
    #[inline(always)]
    pub fn as_task(&self) -> Option<&crate::tasks::Task> {
        // SAFETY: an object of kind `Task` is a `TaskObj`.
        (self.kind == Kind::Task).then(|| unsafe { &(*(self as *const HeapObj).cast::<TaskObj>()).task })
    }

    /// The continuation, if this is one (one compare).
    #[inline(always)]
    pub fn as_continuation(&self) -> Option<&crate::async2::Continuation> {
        // SAFETY: an object of kind `Continuation` is one.
        (self.kind == Kind::Continuation)
            .then(|| unsafe { &*(self as *const HeapObj).cast::<crate::async2::Continuation>() })
    }

    /// Downcasts a native object.
    pub fn native<T: NativeObject>(&self) -> Option<&T> {
        self.view().native()
    }
}

/// A heap object seen as what it is.
#[derive(Clone, Copy)]
pub enum Obj<'a> {
    Str(&'a Str),
    /// An instance of a user class or struct (also the prelude's exceptions,
    /// closures' display classes and async1 state machines).
    Instance(&'a Instance),
    /// `T[]`.
    Array(&'a Array),
    List(&'a List),
    Dict(&'a Dict),
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
    /// A task (`Task`, `Task<T>`, an async method's builder).
    Task(&'a crate::tasks::Task),
    /// A suspended async2 frame (`async2/continuation.rs`).
    Continuation(&'a crate::async2::Continuation),
    /// Built-in library objects with no bytecode-visible structure.
    Native(&'a dyn NativeObject),
}

impl<'a> Obj<'a> {
    /// Downcasts a native object.
    pub fn native<T: NativeObject>(self) -> Option<&'a T> {
        match self {
            Obj::Native(n) => n.as_any().downcast_ref::<T>(),
            _ => None,
        }
    }
}

impl std::fmt::Debug for HeapObj {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.view() {
            Obj::Str(s) => write!(f, "{:?}", s.as_str()),
            Obj::Instance(i) => write!(f, "<instance {}>", i.class()),
            Obj::Array(a) => write!(f, "<array of {}>", a.len()),
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

/// An object of the built-in library that bytecode only reaches through
/// natives (Stopwatch, TimeSpan, awaiters, cancellation sources, ...).
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

// ----- slots ------------------------------------------------------------

/// Where a field lives in its object and how it is stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FieldRef {
    /// Bytes from the object's start.
    pub offset: u32,
    pub ty: SlotType,
}

/// Bytes a slot of this type takes.
pub fn slot_size(ty: SlotType) -> usize {
    if ty == SlotType::Any { 16 } else { 8 }
}

/// The one place a value is stored into a heap object (`owner`): the
/// collector's write barrier (a young `v` stored into an old `owner`
/// remembers `owner`: `gc`'s invariant 2). Instance fields, array elements,
/// task results and waiters, continuations' GCData and `next`, and the
/// natives that store into themselves (`Lazy`'s value) call it.
#[inline(always)]
pub(crate) fn store(owner: &HeapObj, v: Value) {
    if let Value::Obj(g) = v {
        owner.gc.write_barrier(g.header());
    }
}

/// The bulk variant of [`store`]: anything may be stored into `owner`
/// from now until the next safepoint (a list's or dictionary's buffer
/// borrowed mutably, a task's rare parts, a native's list of callbacks or
/// registrations); an old `owner` is remembered.
#[inline(always)]
pub(crate) fn touch(owner: &HeapObj) {
    owner.gc.touch();
}

/// Reads a slot of type `ty` at `p`.
///
/// # Safety
/// `p` is a slot of that type inside a live object.
#[inline(always)]
unsafe fn read_slot(p: *const u8, ty: SlotType) -> Value {
    // SAFETY: the caller's guarantee; slots are 8-aligned.
    unsafe {
        match ty {
            SlotType::Any => p.cast::<Value>().read(),
            SlotType::Ref => match p.cast::<Option<Gc<HeapObj>>>().read() {
                Some(o) => Value::Obj(o),
                None => Value::Null,
            },
            SlotType::Int => Value::Int(p.cast::<i64>().read()),
            SlotType::Double => Value::Double(p.cast::<f64>().read()),
            SlotType::Bool => Value::Bool(p.cast::<u64>().read() != 0),
            SlotType::Char => Value::Char(p.cast::<u64>().read() as u16),
            SlotType::Enum(c) => Value::Enum(c, p.cast::<i64>().read()),
        }
    }
}

/// Writes `v` into a slot of type `ty` at `p`, converting as C#'s implicit
/// conversions do (an `int` stored into a `double` field).
///
/// # Safety
/// `p` is a slot of that type inside a live object.
#[inline(always)]
unsafe fn write_slot(p: *mut u8, ty: SlotType, v: Value) {
    // SAFETY: the caller's guarantee; slots are 8-aligned.
    unsafe {
        match ty {
            SlotType::Any => Value::write(p.cast(), v),
            SlotType::Ref => {
                debug_assert!(matches!(v, Value::Null | Value::Obj(_)), "{v:?} stored in a reference slot");
                p.cast::<Option<Gc<HeapObj>>>().write(v.as_obj())
            }
            SlotType::Double => p.cast::<f64>().write(match v {
                Value::Double(d) => d,
                v => v.as_int().map_or_else(|| bad_store(v, ty), |i| i as f64),
            }),
            SlotType::Bool => p.cast::<u64>().write(match v {
                Value::Bool(b) => u64::from(b),
                v => bad_store(v, ty) as u64,
            }),
            SlotType::Int | SlotType::Char | SlotType::Enum(_) => {
                p.cast::<i64>().write(v.as_int().unwrap_or_else(|| bad_store(v, ty) as i64))
            }
        }
    }
}

/// A value of the wrong type for a slot: a compiler or VM bug (the static
/// types say it cannot happen), loud in debug builds, zero in release ones.
#[cold]
fn bad_store(v: Value, ty: SlotType) -> f64 {
    debug_assert!(false, "{v:?} stored in a slot of type {ty:?}");
    0.0
}

/// Traces a slot of type `ty` at `p`.
///
/// # Safety
/// As [`read_slot`].
unsafe fn trace_slot(p: *const u8, ty: SlotType, t: &mut Tracer) {
    match ty {
        // SAFETY: the caller's guarantee.
        SlotType::Any | SlotType::Ref => unsafe { read_slot(p, ty) }.trace(t),
        _ => {}
    }
}

// ----- layouts ----------------------------------------------------------

/// How a class's instances are laid out: each field's offset and type, the
/// reference map (the fields the collector traces), the size, and the
/// bytes a new instance starts with (every field at its default).
#[derive(Clone, Debug, Default)]
pub struct Layout {
    pub fields: Vec<FieldRef>,
    /// Offsets of the `Ref` and `Any` fields.
    pub refs: Vec<FieldRef>,
    /// Bytes of an instance, header included.
    pub size: u32,
    /// An instance's bytes after the header, fields at their defaults.
    template: Vec<u64>,
    /// Whether instances are async1 state machines (the saved state of a
    /// suspended frame, for the collector's statistics).
    pub state_machine: bool,
}

impl Layout {
    /// Lays out fields in declaration order (`types`, with their defaults).
    pub fn new(fields: impl Iterator<Item = (SlotType, Value)>) -> Layout {
        let mut layout = Layout::default();
        let mut offset = HEADER;
        let mut defaults = Vec::new();
        for (ty, default) in fields {
            let f = FieldRef { offset: offset as u32, ty };
            layout.fields.push(f);
            if !ty.is_primitive() {
                layout.refs.push(f);
            }
            defaults.push((f, default));
            offset += slot_size(ty);
        }
        layout.size = offset.max(16) as u32;
        layout.template = vec![0; (layout.size as usize - HEADER) / 8];
        let base = layout.template.as_mut_ptr().cast::<u8>();
        for (f, v) in defaults {
            // SAFETY: the template has room for every field at its offset
            // (minus the header), 8-aligned.
            unsafe { write_slot(base.add(f.offset as usize - HEADER), f.ty, v) };
        }
        layout
    }
}

thread_local! {
    /// The layouts of the program whose heap is being collected: a cell's
    /// trace needs its class's reference map, and the collector gives
    /// `trace` nothing but the object. Set by [`with_layouts`].
    static LAYOUTS: Cell<*const Layout> = const { Cell::new(std::ptr::null()) };
    static LAYOUT_COUNT: Cell<usize> = const { Cell::new(0) };
}

/// Runs `f` (a collection) with `layouts` visible to tracing.
pub fn with_layouts<R>(layouts: &[Layout], f: impl FnOnce() -> R) -> R {
    let saved = (LAYOUTS.get(), LAYOUT_COUNT.get());
    LAYOUTS.set(layouts.as_ptr());
    LAYOUT_COUNT.set(layouts.len());
    let r = f();
    LAYOUTS.set(saved.0);
    LAYOUT_COUNT.set(saved.1);
    r
}

fn layout_of(class: ClassId) -> &'static Layout {
    let (p, n) = (LAYOUTS.get(), LAYOUT_COUNT.get());
    assert!(class.index() < n, "no layouts while tracing an instance of {class}");
    // SAFETY: `with_layouts` keeps the slice alive while the pointer is set.
    unsafe { &*p.add(class.index()) }
}

// ----- the kinds --------------------------------------------------------

/// An immutable string. C# strings are UTF-16; toy stores UTF-8 and indexes
/// by `char` when the text is not ASCII.
#[repr(C)]
pub struct Str {
    head: HeapObj,
    len: u32,
    utf16_len: u32,
    bytes: [u8; 0],
}

impl Str {
    pub fn as_str(&self) -> &str {
        // SAFETY: `len` UTF-8 bytes follow the struct (see `alloc_str`).
        unsafe { std::str::from_utf8_unchecked(std::slice::from_raw_parts(self.bytes.as_ptr(), self.len as usize)) }
    }

    /// C#'s `Length`: UTF-16 code units.
    pub fn len_utf16(&self) -> usize {
        self.utf16_len as usize
    }

    /// C#'s `s[i]`.
    pub fn char_at(&self, i: usize) -> Option<u16> {
        if self.is_ascii() {
            self.as_str().as_bytes().get(i).map(|b| *b as u16)
        } else {
            self.as_str().encode_utf16().nth(i)
        }
    }

    pub fn is_ascii(&self) -> bool {
        self.head.aux != 0
    }
}

impl std::ops::Deref for Str {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

#[repr(C)]
pub struct Instance {
    head: HeapObj,
    fields: [u64; 0],
}

impl Instance {
    pub fn class(&self) -> ClassId {
        self.head.class
    }

    fn base(&self) -> *mut u8 {
        (self as *const Instance).cast::<u8>().cast_mut()
    }

    /// Reads a field of this instance's class.
    #[inline(always)]
    pub fn get(&self, f: FieldRef) -> Value {
        // SAFETY: `f` is one of this class's fields (the verifier proves
        // each `GetField`'s slot is), so the slot is inside the object.
        unsafe { read_slot(self.base().add(f.offset as usize), f.ty) }
    }

    /// Writes a field of this instance's class.
    #[inline(always)]
    pub fn set(&self, f: FieldRef, v: Value) {
        store(&self.head, v);
        // SAFETY: as `get`; fields are plain bytes, written only from the
        // VM's one thread.
        unsafe { write_slot(self.base().add(f.offset as usize), f.ty, v) }
    }
}

#[repr(C)]
pub struct Array {
    head: HeapObj,
    len: u64,
    items: [u64; 0],
}

/// The `aux` codes of `int[]`/`long[]` and `double[]` ([`slot_code`]).
const INT: u8 = 2;
const DOUBLE: u8 = 3;

/// An array's element type in its header's `aux` byte.
fn slot_code(ty: SlotType) -> u8 {
    match ty {
        SlotType::Any => 0,
        SlotType::Ref => 1,
        SlotType::Int => INT,
        SlotType::Double => DOUBLE,
        SlotType::Bool => 4,
        SlotType::Char => 5,
        SlotType::Enum(_) => 6,
    }
}

impl Array {
    /// The element class (`GetType()`, defaults).
    pub fn elem(&self) -> ClassId {
        self.head.class
    }

    pub fn elem_type(&self) -> SlotType {
        match self.head.aux {
            1 => SlotType::Ref,
            2 => SlotType::Int,
            3 => SlotType::Double,
            4 => SlotType::Bool,
            5 => SlotType::Char,
            6 => SlotType::Enum(self.head.class),
            _ => SlotType::Any,
        }
    }

    pub fn len(&self) -> usize {
        self.len as usize
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    fn slot(&self, i: usize) -> *mut u8 {
        let stride = slot_size(self.elem_type());
        // SAFETY: callers check `i < len`; the elements follow the struct.
        unsafe { self.items.as_ptr().cast::<u8>().cast_mut().add(i * stride) }
    }

    /// Element `i` of an `int[]`/`long[]`, if in range (tier1's
    /// `GetElemInt`: the kinds proved the element type).
    #[inline(always)]
    pub fn get_int(&self, i: usize) -> Option<i64> {
        debug_assert_eq!(self.head.aux, INT, "an int[] was proved");
        // SAFETY: in range; an int array's elements are raw i64 slots.
        (i < self.len()).then(|| unsafe { self.items.as_ptr().add(i).cast::<i64>().read() })
    }

    /// Element `i` of a `double[]`, as [`Array::get_int`].
    #[inline(always)]
    pub fn get_double(&self, i: usize) -> Option<f64> {
        debug_assert_eq!(self.head.aux, DOUBLE, "a double[] was proved");
        // SAFETY: in range; a double array's elements are raw f64 slots.
        (i < self.len()).then(|| unsafe { self.items.as_ptr().add(i).cast::<f64>().read() })
    }

    /// Sets element `i` of an `int[]`/`long[]`; false if out of range (no
    /// reference: no barrier).
    #[inline(always)]
    pub fn set_int(&self, i: usize, x: i64) -> bool {
        debug_assert_eq!(self.head.aux, INT, "an int[] was proved");
        // SAFETY: as `get_int`; elements are written only from the VM's
        // one thread.
        (i < self.len()).then(|| unsafe { self.items.as_ptr().cast_mut().add(i).cast::<i64>().write(x) }).is_some()
    }

    /// Sets element `i` of a `double[]`, as [`Array::set_int`].
    #[inline(always)]
    pub fn set_double(&self, i: usize, x: f64) -> bool {
        debug_assert_eq!(self.head.aux, DOUBLE, "a double[] was proved");
        // SAFETY: as `set_int`.
        (i < self.len()).then(|| unsafe { self.items.as_ptr().cast_mut().add(i).cast::<f64>().write(x) }).is_some()
    }

    /// Element `i`, if in range.
    #[inline]
    pub fn get(&self, i: usize) -> Option<Value> {
        // SAFETY: in range, a slot of the element type.
        (i < self.len()).then(|| unsafe { read_slot(self.slot(i), self.elem_type()) })
    }

    /// Sets element `i`; false if out of range.
    #[inline]
    pub fn set(&self, i: usize, v: Value) -> bool {
        if i >= self.len() {
            return false;
        }
        store(&self.head, v);
        // SAFETY: in range, a slot of the element type.
        unsafe { write_slot(self.slot(i), self.elem_type(), v) };
        true
    }

    /// The elements, copied out.
    pub fn to_vec(&self) -> Vec<Value> {
        (0..self.len()).filter_map(|i| self.get(i)).collect()
    }

    pub fn iter(&self) -> impl Iterator<Item = Value> + '_ {
        (0..self.len()).filter_map(|i| self.get(i))
    }

    /// Overwrites the elements with `items` (same length: a sort's result).
    pub fn copy_from(&self, items: &[Value]) {
        for (i, v) in items.iter().enumerate() {
            self.set(i, *v);
        }
    }
}

/// An array or a list's items, as the natives that take either (`IList<T>`)
/// see them: `borrow` gives the items (a copy for an array, whose
/// elements are typed slots, not `Value`s), `borrow_mut` a vector whose
/// changes an array gets back when it is dropped (its length must not
/// change).
#[derive(Clone, Copy)]
pub enum Seq<'a> {
    List(&'a List),
    Array(&'a Array),
}

pub enum SeqItems<'a> {
    List(std::cell::Ref<'a, Vec<Value>>),
    Array(Vec<Value>),
}

impl std::ops::Deref for SeqItems<'_> {
    type Target = Vec<Value>;
    fn deref(&self) -> &Vec<Value> {
        match self {
            SeqItems::List(r) => r,
            SeqItems::Array(v) => v,
        }
    }
}

pub enum SeqItemsMut<'a> {
    List(std::cell::RefMut<'a, Vec<Value>>),
    Array(&'a Array, Vec<Value>),
}

impl std::ops::Deref for SeqItemsMut<'_> {
    type Target = Vec<Value>;
    fn deref(&self) -> &Vec<Value> {
        match self {
            SeqItemsMut::List(r) => r,
            SeqItemsMut::Array(_, v) => v,
        }
    }
}

impl std::ops::DerefMut for SeqItemsMut<'_> {
    fn deref_mut(&mut self) -> &mut Vec<Value> {
        match self {
            SeqItemsMut::List(r) => r,
            SeqItemsMut::Array(_, v) => v,
        }
    }
}

impl Drop for SeqItemsMut<'_> {
    fn drop(&mut self) {
        if let SeqItemsMut::Array(a, items) = self {
            debug_assert_eq!(a.len(), items.len(), "an array's length changed");
            a.copy_from(items);
        }
    }
}

impl<'a> From<&'a List> for Seq<'a> {
    fn from(items: &'a List) -> Seq<'a> {
        Seq::List(items)
    }
}

impl<'a> Seq<'a> {
    pub fn borrow(&self) -> SeqItems<'a> {
        match *self {
            Seq::List(l) => SeqItems::List(l.borrow()),
            Seq::Array(a) => SeqItems::Array(a.to_vec()),
        }
    }

    pub fn borrow_mut(&self) -> SeqItemsMut<'a> {
        match *self {
            Seq::List(l) => SeqItemsMut::List(l.borrow_mut()),
            Seq::Array(a) => SeqItemsMut::Array(a, a.to_vec()),
        }
    }

    pub fn len(&self) -> usize {
        match self {
            Seq::List(l) => l.borrow().len(),
            Seq::Array(a) => a.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn get(&self, i: usize) -> Option<Value> {
        match self {
            Seq::List(l) => l.borrow().get(i).copied(),
            Seq::Array(a) => a.get(i),
        }
    }

    /// Swaps items `i` and `j` (both in range).
    pub fn swap(&self, i: usize, j: usize) {
        match self {
            Seq::List(l) => l.borrow_mut().swap(i, j),
            Seq::Array(a) => {
                if let (Some(x), Some(y)) = (a.get(i), a.get(j)) {
                    a.set(i, y);
                    a.set(j, x);
                }
            }
        }
    }
}

/// `List<T>`: its items in a growable buffer of its own.
#[repr(C)]
pub struct List {
    head: HeapObj,
    items: RefCell<Vec<Value>>,
}

impl List {
    pub fn borrow(&self) -> std::cell::Ref<'_, Vec<Value>> {
        self.items.borrow()
    }

    /// The items to change: anything may be stored into them.
    pub fn borrow_mut(&self) -> std::cell::RefMut<'_, Vec<Value>> {
        touch(&self.head);
        self.items.borrow_mut()
    }
}

/// `Dictionary<K, V>`, in insertion order.
#[repr(C)]
pub struct Dict {
    head: HeapObj,
    map: RefCell<IndexMap<Key, Value>>,
}

impl Dict {
    pub fn borrow(&self) -> std::cell::Ref<'_, IndexMap<Key, Value>> {
        self.map.borrow()
    }

    /// The entries to change: anything may be stored into them.
    pub fn borrow_mut(&self) -> std::cell::RefMut<'_, IndexMap<Key, Value>> {
        touch(&self.head);
        self.map.borrow_mut()
    }
}

#[repr(C)]
struct PairObj {
    head: HeapObj,
    key: Value,
    value: Value,
}

#[repr(C)]
struct DelegateObj {
    head: HeapObj,
    method: MethodId,
    target: Value,
}

#[repr(C)]
struct TaskObj {
    head: HeapObj,
    task: crate::tasks::Task,
}

/// The header of the cell a task lives in (for [`store`]).
pub(crate) fn task_owner(t: &crate::tasks::Task) -> &HeapObj {
    // SAFETY: a `Task` only ever lives in a `TaskObj` cell (`object::task`
    // is the one way to make one reachable), right after its header.
    unsafe {
        &*(t as *const crate::tasks::Task).cast::<u8>().sub(std::mem::offset_of!(TaskObj, task)).cast::<HeapObj>()
    }
}

/// A native object in its cell: the function that gives it back as a
/// `dyn NativeObject` (monomorphized per type), then the value.
#[repr(C)]
struct NativeCell<T> {
    head: HeapObj,
    as_dyn: unsafe fn(*const HeapObj) -> *const dyn NativeObject,
    value: T,
}

/// # Safety
/// `p` is a live `NativeCell<T>`.
unsafe fn native_as_dyn<T: NativeObject>(p: *const HeapObj) -> *const dyn NativeObject {
    // SAFETY: the caller's guarantee.
    unsafe { &raw const (*p.cast::<NativeCell<T>>()).value as *const dyn NativeObject }
}

/// # Safety
/// `p` is a live native cell.
unsafe fn native_dyn<'a>(p: *const HeapObj) -> &'a dyn NativeObject {
    // SAFETY: every native cell starts with the header and its getter.
    unsafe {
        let getter = (*p.cast::<NativeCell<()>>()).as_dyn;
        &*getter(p)
    }
}

// ----- allocation -------------------------------------------------------

/// What the VM asks the heap for: the bytes of the cell and how to fill it.
pub(crate) struct NewObject<F: FnOnce(*mut u8)> {
    pub size: usize,
    pub init: F,
}

fn new_object(size: usize, init: impl FnOnce(*mut u8)) -> NewObject<impl FnOnce(*mut u8)> {
    NewObject { size: size.max(16).next_multiple_of(8), init }
}

/// A string's cell.
pub(crate) fn string(text: &str) -> NewObject<impl FnOnce(*mut u8) + '_> {
    let ascii = text.is_ascii();
    let utf16 = if ascii { text.len() } else { text.encode_utf16().count() };
    string_of(StrShape { len: text.len(), utf16, ascii }, move |bytes| bytes.copy_from_slice(text.as_bytes()))
}

/// A string's size and what its header records, known before its bytes
/// are written (a concatenation sums its parts').
#[derive(Clone, Copy, Debug)]
pub(crate) struct StrShape {
    /// UTF-8 bytes.
    pub len: usize,
    /// UTF-16 code units.
    pub utf16: usize,
    pub ascii: bool,
}

/// A string's cell of `shape`, its `shape.len` bytes written by `write`
/// (valid UTF-8, as `shape` says).
pub(crate) fn string_of(shape: StrShape, write: impl FnOnce(&mut [u8])) -> NewObject<impl FnOnce(*mut u8)> {
    new_object(size_of::<Str>() + shape.len, move |p| {
        // SAFETY: the cell has room for the header, the lengths and the bytes.
        unsafe {
            p.cast::<Str>().write(Str {
                head: HeapObj::new(Kind::Str, u8::from(shape.ascii), ClassId(0)),
                len: shape.len as u32,
                utf16_len: shape.utf16 as u32,
                bytes: [],
            });
            write(std::slice::from_raw_parts_mut(p.add(size_of::<Str>()), shape.len));
        }
    })
}

/// An instance of `class`, fields at their defaults.
pub(crate) fn instance(class: ClassId, layout: &Layout) -> NewObject<impl FnOnce(*mut u8) + '_> {
    let words = layout.size as usize / 8;
    new_object(layout.size as usize, move |p| {
        // SAFETY: the cell has `layout.size` bytes: the header, then the
        // template's words.
        unsafe {
            let aux = u8::try_from(words).unwrap_or(0);
            let head = if layout.state_machine {
                HeapObj::new_frame(Kind::Instance, aux, class)
            } else {
                HeapObj::new(Kind::Instance, aux, class)
            };
            p.cast::<HeapObj>().write(head);
            std::ptr::copy_nonoverlapping(layout.template.as_ptr(), p.add(HEADER).cast::<u64>(), layout.template.len());
        }
    })
}

/// An array of `elem` holding `items`.
pub(crate) fn array(elem: ClassId, ty: SlotType, items: &[Value]) -> NewObject<impl FnOnce(*mut u8) + '_> {
    new_object(size_of::<Array>() + items.len() * slot_size(ty), move |p| {
        // SAFETY: the cell has room for the header, the length and every
        // element at the stride of `ty`.
        unsafe {
            p.cast::<Array>().write(Array {
                head: HeapObj::new(Kind::Array, slot_code(ty), elem),
                len: items.len() as u64,
                items: [],
            });
            let a = &*p.cast::<Array>();
            for (i, v) in items.iter().enumerate() {
                write_slot(a.slot(i), ty, *v);
            }
        }
    })
}

/// An array of `n` copies of `fill`.
pub(crate) fn array_filled(elem: ClassId, ty: SlotType, n: usize, fill: Value) -> NewObject<impl FnOnce(*mut u8)> {
    new_object(size_of::<Array>() + n * slot_size(ty), move |p| {
        // SAFETY: as `array`.
        unsafe {
            p.cast::<Array>().write(Array {
                head: HeapObj::new(Kind::Array, slot_code(ty), elem),
                len: n as u64,
                items: [],
            });
            let a = &*p.cast::<Array>();
            for i in 0..n {
                write_slot(a.slot(i), ty, fill);
            }
        }
    })
}

/// Bytes of an array of `n` elements of type `ty` (to check the heap's limit first).
pub fn array_bytes(ty: SlotType, n: usize) -> Option<usize> {
    n.checked_mul(slot_size(ty))?.checked_add(size_of::<Array>())
}

fn simple<T>(kind: Kind, class: ClassId, body: impl FnOnce(HeapObj) -> T) -> NewObject<impl FnOnce(*mut u8)> {
    new_object(size_of::<T>(), move |p| {
        // SAFETY: the cell has room for a `T`.
        unsafe { p.cast::<T>().write(body(HeapObj::new(kind, 0, class))) }
    })
}

pub(crate) fn list(items: Vec<Value>) -> NewObject<impl FnOnce(*mut u8)> {
    simple(Kind::List, ClassId(0), move |head| List { head, items: RefCell::new(items) })
}

pub(crate) fn dict(map: IndexMap<Key, Value>) -> NewObject<impl FnOnce(*mut u8)> {
    simple(Kind::Dict, ClassId(0), move |head| Dict { head, map: RefCell::new(map) })
}

pub(crate) fn pair(key: Value, value: Value) -> NewObject<impl FnOnce(*mut u8)> {
    simple(Kind::Pair, ClassId(0), move |head| PairObj { head, key, value })
}

pub(crate) fn delegate(method: MethodId, target: Value) -> NewObject<impl FnOnce(*mut u8)> {
    simple(Kind::Delegate, ClassId(0), move |head| DelegateObj { head, method, target })
}

pub(crate) fn type_object(class: ClassId) -> NewObject<impl FnOnce(*mut u8)> {
    simple(Kind::Type, class, move |head| head)
}

pub(crate) fn task(task: crate::tasks::Task) -> NewObject<impl FnOnce(*mut u8)> {
    simple(Kind::Task, ClassId(0), move |head| TaskObj { head, task })
}

pub(crate) fn native<T: NativeObject>(value: T) -> NewObject<impl FnOnce(*mut u8)> {
    const { assert!(align_of::<T>() <= 8) };
    simple(Kind::Native, ClassId(0), move |head| NativeCell { head, as_dyn: native_as_dyn::<T>, value })
}

/// A continuation's cell (`async2/continuation.rs` lays it out).
pub(crate) fn continuation(size: usize, init: impl FnOnce(*mut u8)) -> NewObject<impl FnOnce(*mut u8)> {
    new_object(size, init)
}

/// The header of a continuation (for `async2/continuation.rs`).
pub(crate) fn continuation_header() -> HeapObj {
    HeapObj::new_frame(Kind::Continuation, 0, ClassId(0))
}

/// Runs `f` on a string allocated in a heap of its own (for tests).
#[cfg(test)]
pub(crate) fn with_str<R>(text: &str, f: impl FnOnce(&Str) -> R) -> R {
    let mut heap = crate::value::Heap::new();
    let new = string(text);
    // SAFETY: `string` writes a whole string of `size` bytes.
    let o = unsafe { heap.alloc_with(new.size, |p| (new.init)(p.as_ptr())) };
    match o.view() {
        Obj::Str(s) => f(s),
        _ => unreachable!("a string was allocated"),
    }
}

// ----- the collector's view ---------------------------------------------

// SAFETY: `HeapObj` is `repr(C)` with the `GcHeader` first. `trace` reports
// every `Gc` an object holds: an instance's reference-map fields, a `Ref` or
// `Any` array's elements, list and dictionary elements (keys and values),
// pair halves, a delegate's target, a task's or a continuation's values,
// and whatever a native object reports. Tracing only reads (the `RefCell`s
// are never mutably borrowed during a collection, which happens at
// safepoints only) and never allocates. `finalize` drops only Rust-owned
// buffers and never dereferences a `Gc`.
unsafe impl gc::Trace for HeapObj {
    fn trace(&self, t: &mut Tracer) {
        if let Some(i) = self.as_instance() {
            for f in &layout_of(i.class()).refs {
                // SAFETY: a field of this class.
                unsafe { trace_slot(i.base().add(f.offset as usize), f.ty, t) };
            }
            return;
        }
        match self.view() {
            Obj::Str(_) | Obj::Type(_) => {}
            // Traced above, without the view.
            Obj::Instance(_) => {}
            Obj::Array(a) => {
                if !a.elem_type().is_primitive() {
                    a.iter().for_each(|v| v.trace(t));
                }
            }
            Obj::List(items) => items.borrow().iter().for_each(|v| v.trace(t)),
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

    fn size(&self) -> usize {
        let n = match self.view() {
            Obj::Str(s) => size_of::<Str>() + s.len(),
            Obj::Instance(i) => match self.aux {
                0 => layout_of(i.class()).size as usize,
                words => words as usize * 8,
            },
            Obj::Array(a) => size_of::<Array>() + a.len() * slot_size(a.elem_type()),
            Obj::List(_) => size_of::<List>(),
            Obj::Dict(_) => size_of::<Dict>(),
            Obj::Pair(..) => size_of::<PairObj>(),
            Obj::Delegate { .. } => size_of::<DelegateObj>(),
            Obj::Type(_) => HEADER,
            Obj::Task(_) => size_of::<TaskObj>(),
            Obj::Continuation(c) => c.size(),
            Obj::Native(n) => 16 + size_of_val(n),
        };
        n.max(16).next_multiple_of(8)
    }

    #[inline]
    fn extra_bytes(&self) -> usize {
        // The sweep asks every cell: most kinds own nothing outside it.
        if !matches!(self.kind, Kind::List | Kind::Dict | Kind::Task | Kind::Native) {
            return 0;
        }
        let slot = size_of::<Value>();
        match self.view() {
            Obj::List(items) => items.borrow().capacity() * slot,
            Obj::Dict(d) => d.borrow().capacity() * (2 * slot + 8),
            Obj::Task(t) => t.extra_bytes(),
            Obj::Native(n) => n.extra_bytes(),
            _ => 0,
        }
    }

    fn describe(&self) -> String {
        match self.kind {
            Kind::Instance | Kind::Array => format!("{:?} of class {}", self.kind, self.class),
            kind => format!("{kind:?}"),
        }
    }

    #[inline]
    unsafe fn finalize(this: NonNull<Self>) {
        let p = this.as_ptr();
        // SAFETY: `this` is a live object of the kind its header says; each
        // kind's Rust-owned parts are dropped once, here.
        unsafe {
            match (*p).kind {
                Kind::List => std::ptr::drop_in_place(&raw mut (*p.cast::<List>()).items),
                Kind::Dict => std::ptr::drop_in_place(&raw mut (*p.cast::<Dict>()).map),
                Kind::Task => std::ptr::drop_in_place(&raw mut (*p.cast::<TaskObj>()).task),
                Kind::Native => std::ptr::drop_in_place((native_dyn(p) as *const dyn NativeObject).cast_mut()),
                _ => {}
            }
        }
    }
}

/// The header of the cell a native object lives in (for [`touch`] when a
/// native stores a value into itself).
pub(crate) fn native_owner<T: NativeObject>(value: &T) -> &HeapObj {
    // SAFETY: a native object reachable from bytecode only ever lives in a
    // `NativeCell<T>` (`object::native` is the one way to make one), at the
    // offset of its `value` field.
    unsafe { &*(value as *const T).cast::<u8>().sub(std::mem::offset_of!(NativeCell<T>, value)).cast::<HeapObj>() }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::Heap;

    fn alloc<F: FnOnce(*mut u8)>(heap: &mut Heap, new: NewObject<F>) -> Gc<HeapObj> {
        // SAFETY: every constructor here writes a whole object of `size` bytes.
        unsafe { heap.alloc_with(new.size, |p| (new.init)(p.as_ptr())) }
    }

    #[test]
    fn fields_are_laid_out_by_type_after_the_header() {
        let layout = Layout::new(
            [
                (SlotType::Int, Value::Int(0)),
                (SlotType::Any, Value::Null),
                (SlotType::Ref, Value::Null),
                (SlotType::Double, Value::Double(0.0)),
            ]
            .into_iter(),
        );
        let offsets: Vec<u32> = layout.fields.iter().map(|f| f.offset).collect();
        assert_eq!(offsets, [8, 16, 32, 40]);
        assert_eq!(layout.size, 48);
        // The collector traces the Any and Ref fields only.
        assert_eq!(layout.refs.iter().map(|f| f.offset).collect::<Vec<_>>(), [16, 32]);
    }

    #[test]
    fn an_instance_starts_at_its_defaults_and_keeps_what_is_stored() {
        let mut heap = Heap::new();
        let layout = Layout::new(
            [
                (SlotType::Int, Value::Int(0)),
                (SlotType::Bool, Value::Bool(false)),
                (SlotType::Char, Value::Char(0)),
                (SlotType::Enum(ClassId(77)), Value::Enum(ClassId(77), 0)),
                (SlotType::Any, Value::Null),
            ]
            .into_iter(),
        );
        let o = alloc(&mut heap, instance(ClassId(40), &layout));
        let i = o.as_instance().expect("an instance");
        assert_eq!(i.class(), ClassId(40));
        let f = &layout.fields;
        assert!(matches!(i.get(f[0]), Value::Int(0)));
        assert!(matches!(i.get(f[3]), Value::Enum(ClassId(77), 0)));
        i.set(f[0], Value::Int(-5));
        i.set(f[1], Value::Bool(true));
        i.set(f[2], Value::Char(0x263A));
        i.set(f[4], Value::Double(2.5));
        assert!(matches!(i.get(f[0]), Value::Int(-5)));
        assert!(matches!(i.get(f[1]), Value::Bool(true)));
        assert!(matches!(i.get(f[2]), Value::Char(0x263A)));
        assert!(matches!(i.get(f[4]), Value::Double(d) if d == 2.5));
    }

    #[test]
    fn arrays_store_their_elements_by_type() {
        let mut heap = Heap::new();
        let ints = alloc(&mut heap, array_filled(ClassId(2), SlotType::Int, 3, Value::Int(0)));
        let Obj::Array(a) = ints.view() else { panic!("an array") };
        assert_eq!((a.len(), a.elem_type()), (3, SlotType::Int));
        assert!(a.set(2, Value::Int(9)));
        assert!(!a.set(3, Value::Int(1)), "out of range");
        assert!(matches!(a.get(2), Some(Value::Int(9))));
        assert!(a.get(3).is_none());
        // An `int[]` takes 8 bytes an element, an `object[]` 16.
        use gc::Trace;
        assert_eq!(ints.size(), 16 + 3 * 8);
        let objs = alloc(&mut heap, array(ClassId(0), SlotType::Any, &[Value::Int(1), Value::Null]));
        assert_eq!(objs.size(), 16 + 2 * 16);
    }

    #[test]
    fn strings_know_their_utf16_length() {
        with_str("héllo", |s| {
            assert_eq!(s.as_str(), "héllo");
            assert_eq!(s.len_utf16(), 5);
            assert!(!s.is_ascii());
            assert_eq!(s.char_at(1), Some('é' as u16));
        });
    }
}
