//! The continuation: one suspended async2 frame on the heap, laid out as the
//! seed's `Continuation { Next, Resume, State, Flags, Data, GCData }`, in one
//! cell:
//!
//! ```text
//! [header 8][next 8][resume 4][state 4][flags 4][data n 2][gc n 2][capacities 4]
//! [Data: one raw 8-byte word per live primitive register]
//! [GCData: one Value per live register that may hold a reference,
//!  then the callee's result or exception]
//! ```
//!
//! The suspension point's liveness map says which register goes to which
//! word and as what type (`SuspensionPoint::data` and `gc`); the collector
//! traces only GCData (and `next`).
//!
//! A suspension makes one per async2 frame between the awaiting leaf and the
//! boundary, innermost first, each `next` pointing at its caller's; the
//! chain ends in the continuation that finishes the thunk's task
//! (`FinalizeTaskReturningThunk`) or, for a frame that suspends again after
//! being resumed, in the rest of the chain it was resumed from.

use std::cell::Cell;
use std::mem::size_of;

use crate::bytecode::MethodId;
use crate::object::{HeapObj, continuation_header};
use crate::program::SlotType;
use crate::value::{Gc, Tracer, Value};

/// `resume` of the chain's last continuation: it completes the thunk's task
/// (held in its result slot) with the outcome that reaches it.
pub const FINALIZE_TASK_RETURNING_THUNK: MethodId = MethodId(u32::MAX);

/// `flags`: a handler covers the suspension point, so an exception coming up
/// the chain resumes this frame (else the frame is skipped, never resumed).
pub const HAS_HANDLER: u32 = 1;
/// `flags`: the result slot holds an exception to throw at the suspension
/// point, not the callee's result.
pub const EXCEPTION: u32 = 2;
/// `flags`: captured while the frame ran OSR code; Data word 0 names the
/// OSR version (its entry), the registers follow. The tier0 resume stub
/// checks it and moves the frame straight into that code.
pub const OSR: u32 = 4;
/// `flags`: captured while the frame ran its method's tier1 code.
pub const TIER1: u32 = 8;

#[repr(C)]
pub struct Continuation {
    head: HeapObj,
    /// The caller's continuation (or the chain's end).
    next: Cell<Option<Gc<HeapObj>>>,
    /// The method's resume stub, or [`FINALIZE_TASK_RETURNING_THUNK`].
    pub resume: MethodId,
    /// Which suspension point of the method (its index in
    /// `Async2Role::Body::points`).
    pub state: Cell<u32>,
    pub flags: Cell<u32>,
    /// Data words and GCData values in use (the point's counts).
    data_len: Cell<u16>,
    gc_len: Cell<u16>,
    /// Data words and GCData values the cell has room for (the most any
    /// suspension point of the method needs, so a frame that suspends
    /// again reuses its cell).
    data_cap: u16,
    gc_cap: u16,
}

/// Bytes of a continuation with room for `data` words and `gc` values (and
/// the result slot).
fn size_for(data: usize, gc: usize) -> usize {
    size_of::<Continuation>() + data * 8 + (gc + 1) * size_of::<Value>()
}

impl Continuation {
    /// Writes a new continuation into `p`, a cell of
    /// `size_for(data_cap, gc_cap)` bytes.
    ///
    /// # Safety
    /// `p` is such a cell.
    pub(crate) unsafe fn init(p: *mut u8, resume: MethodId, data_cap: u16, gc_cap: u16) {
        // SAFETY: the caller's cell has room for the struct, `data_cap`
        // words and `gc_cap + 1` values.
        unsafe {
            p.cast::<Continuation>().write(Continuation {
                head: continuation_header(),
                next: Cell::new(None),
                resume,
                state: Cell::new(0),
                flags: Cell::new(0),
                data_len: Cell::new(0),
                gc_len: Cell::new(0),
                data_cap,
                gc_cap,
            });
            let c = &*p.cast::<Continuation>();
            for i in 0..=gc_cap as usize {
                Value::write(c.gc_slot(i), Value::Null);
            }
        }
    }

    /// The cell size for room of `data` words and `gc` values.
    pub(crate) fn cell_size(data: u16, gc: u16) -> usize {
        size_for(data as usize, gc as usize)
    }

    /// Bytes of this continuation's cell.
    pub fn size(&self) -> usize {
        size_for(self.data_cap as usize, self.gc_cap as usize)
    }

    fn base(&self) -> *mut u8 {
        (self as *const Continuation).cast::<u8>().cast_mut()
    }

    fn data_slot(&self, i: usize) -> *mut u64 {
        debug_assert!(i < self.data_cap as usize);
        // SAFETY: within the cell (Data follows the struct).
        unsafe { self.base().add(size_of::<Continuation>() + i * 8).cast() }
    }

    fn gc_slot(&self, i: usize) -> *mut Value {
        debug_assert!(i <= self.gc_cap as usize);
        // SAFETY: within the cell (GCData follows Data).
        unsafe {
            self.base().add(size_of::<Continuation>() + self.data_cap as usize * 8 + i * size_of::<Value>()).cast()
        }
    }

    /// Whether a suspension with `data` words and `gc` values fits.
    pub fn fits(&self, data: usize, gc: usize) -> bool {
        data <= self.data_cap as usize && gc <= self.gc_cap as usize
    }

    /// Makes the continuation hold a suspension at point `state`: `data`
    /// (the primitive registers, stored as their raw words; the point's map
    /// gives each one's type back on resume) into Data, `gc` into GCData.
    /// They [`fit`](Continuation::fits): a continuation has room for every
    /// point of its method (`Async2Role::Body::room`). (Whether each Data
    /// value is of its type is the suspension's debug check, `check_data`.)
    pub fn hold(&self, state: u32, flags: u32, data: impl Iterator<Item = Value>, gc: impl Iterator<Item = Value>) {
        self.state.set(state);
        self.flags.set(flags);
        let mut n = 0;
        for v in data {
            let raw = match v {
                Value::Double(d) => d.to_bits(),
                Value::Bool(b) => u64::from(b),
                v => v.as_int().unwrap_or(0) as u64,
            };
            debug_assert!(n < self.data_cap as usize, "Data past the continuation's room");
            // SAFETY: within the capacity (the method's room).
            unsafe { self.data_slot(n).write(raw) };
            n += 1;
        }
        self.data_len.set(n as u16);
        let mut n = 0;
        for v in gc {
            self.set_gc(n, v);
            n += 1;
        }
        self.gc_len.set(n as u16);
        self.set_result(Value::Null);
    }

    fn set_gc(&self, i: usize, v: Value) {
        crate::object::store(&self.head, v);
        // SAFETY: within the capacity. (A plain copy: `v` comes from a
        // register, already one 16-byte store.)
        unsafe { self.gc_slot(i).write(v) };
    }

    /// Data word `i`, as a value of type `ty`.
    pub fn data(&self, i: usize, ty: SlotType) -> Value {
        // SAFETY: within the capacity.
        let raw = unsafe { self.data_slot(i).read() };
        match ty {
            SlotType::Double => Value::Double(f64::from_bits(raw)),
            SlotType::Bool => Value::Bool(raw != 0),
            SlotType::Char => Value::Char(raw as u16),
            SlotType::Enum(c) => Value::Enum(c, raw as i64),
            _ => Value::Int(raw as i64),
        }
    }

    /// GCData value `i`.
    pub fn gc(&self, i: usize) -> Value {
        // SAFETY: within the capacity.
        unsafe { self.gc_slot(i).read() }
    }

    /// The callee's result or exception (the last GCData slot); for the
    /// chain's last continuation, the thunk's task.
    pub fn result(&self) -> Value {
        self.gc(self.gc_cap as usize)
    }

    pub fn set_result(&self, v: Value) {
        self.set_gc(self.gc_cap as usize, v);
    }

    pub fn take_result(&self) -> Value {
        let v = self.result();
        self.set_result(Value::Null);
        v
    }

    pub fn next(&self) -> Value {
        self.next.get().map_or(Value::Null, Value::Obj)
    }

    pub fn set_next(&self, v: Value) {
        crate::object::store(&self.head, v);
        self.next.set(v.as_obj());
    }

    pub fn is_finalize(&self) -> bool {
        self.resume == FINALIZE_TASK_RETURNING_THUNK
    }

    pub fn has(&self, flag: u32) -> bool {
        self.flags.get() & flag != 0
    }

    pub fn trace(&self, t: &mut Tracer) {
        self.next().trace(t);
        for i in 0..self.gc_len.get() as usize {
            self.gc(i).trace(t);
        }
        self.result().trace(t);
    }
}

/// The continuation a value holds, if it is one.
#[inline]
pub fn continuation_ref(v: &Value) -> Option<&Continuation> {
    match v {
        Value::Obj(o) => o.as_continuation(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::Heap;

    #[test]
    fn data_holds_raw_words_and_gc_data_values() {
        let mut heap = Heap::new();
        let size = Continuation::cell_size(2, 1);
        // SAFETY: a cell of exactly that size, initialized by `init`.
        let o = unsafe { heap.alloc_with(size, |p| Continuation::init(p.as_ptr(), MethodId(3), 2, 1)) };
        let v = Value::Obj(o);
        let c = continuation_ref(&v).expect("a continuation");
        assert_eq!(c.size(), 40 + 2 * 8 + 2 * 16, "header, Data, GCData and the result slot");
        assert!(c.fits(2, 1) && !c.fits(3, 0));
        let data = [Value::Int(-7), Value::Double(0.5)];
        c.hold(1, HAS_HANDLER, data.into_iter(), [Value::Bool(true)].into_iter());
        assert!(matches!(c.data(0, SlotType::Int), Value::Int(-7)));
        assert!(matches!(c.data(1, SlotType::Double), Value::Double(d) if d == 0.5));
        assert!(matches!(c.gc(0), Value::Bool(true)));
        assert!(c.has(HAS_HANDLER) && c.state.get() == 1);
        c.set_result(Value::Int(42));
        assert!(matches!(c.take_result(), Value::Int(42)));
        assert!(c.result().is_null());
    }
}
