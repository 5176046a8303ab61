//! The continuation: one suspended async2 frame on the heap (the seed's
//! `Continuation { Next, Resume, State, Flags, Data, GCData }`).
//!
//! A suspension makes one per async2 frame between the awaiting leaf and the
//! boundary, innermost first, each `next` pointing at its caller's; the
//! chain ends in the continuation that finishes the thunk's task
//! (`FinalizeTaskReturningThunk`) or, for a frame that suspends again after
//! being resumed, in the rest of the chain it was resumed from.

use std::cell::{Cell, RefCell};

use crate::bytecode::MethodId;
use crate::value::{Tracer, Value};

/// `resume` of the chain's last continuation: it completes the thunk's task
/// (held in `gc_data`) with the outcome that reaches it.
pub const FINALIZE_TASK_RETURNING_THUNK: MethodId = MethodId(u32::MAX);

/// `flags`: a handler covers the suspension point, so an exception coming up
/// the chain resumes this frame (else the frame is skipped, never resumed).
pub const HAS_HANDLER: u32 = 1;
/// `flags`: `gc_data` holds an exception to throw at the suspension point,
/// not the callee's result.
pub const EXCEPTION: u32 = 2;

pub struct Continuation {
    /// The caller's continuation (or the chain's end).
    pub next: Cell<Value>,
    /// The method's resume stub, or [`FINALIZE_TASK_RETURNING_THUNK`].
    pub resume: MethodId,
    /// Which suspension point of the method (its index in
    /// `Async2Role::Body::points`).
    pub state: Cell<u32>,
    pub flags: Cell<u32>,
    /// The registers live at the suspension point, in the point's order.
    pub data: RefCell<Vec<Value>>,
    /// The completed callee's result or exception, written by the
    /// dispatcher before resuming; the thunk's task for the last one.
    pub gc_data: Cell<Value>,
}

impl Continuation {
    pub fn new(resume: MethodId, state: u32, flags: u32, data: Vec<Value>) -> Continuation {
        Continuation {
            next: Cell::new(Value::Null),
            resume,
            state: Cell::new(state),
            flags: Cell::new(flags),
            data: RefCell::new(data),
            gc_data: Cell::new(Value::Null),
        }
    }

    /// Makes a continuation that was just resumed hold its frame's next
    /// suspension instead (same method, same `next`): a frame that
    /// suspends again and again, as a loop around an await does, allocates
    /// nothing. Nothing else points at a resumed continuation but the rest
    /// of a finished callee's chain, which never runs again.
    pub fn reuse(&self, state: u32, flags: u32, live: impl Iterator<Item = Value>) {
        self.state.set(state);
        self.flags.set(flags);
        self.gc_data.set(Value::Null);
        let mut data = self.data.borrow_mut();
        // Mostly the same point again: overwrite in place.
        let mut n = 0;
        for v in live {
            match data.get_mut(n) {
                Some(slot) => *slot = v,
                None => data.push(v),
            }
            n += 1;
        }
        data.truncate(n);
    }

    /// The continuation that completes a thunk's `task`.
    pub fn finalize(task: Value) -> Continuation {
        let c = Continuation::new(FINALIZE_TASK_RETURNING_THUNK, 0, 0, Vec::new());
        c.gc_data.set(task);
        c
    }

    pub fn is_finalize(&self) -> bool {
        self.resume == FINALIZE_TASK_RETURNING_THUNK
    }

    pub fn has(&self, flag: u32) -> bool {
        self.flags.get() & flag != 0
    }

    pub fn trace(&self, t: &mut Tracer) {
        self.next.get().trace(t);
        self.gc_data.get().trace(t);
        self.data.borrow().iter().for_each(|v| v.trace(t));
    }
}

/// The continuation a value holds, if it is one.
pub fn continuation_ref(v: &Value) -> Option<&Continuation> {
    match v {
        Value::Obj(o) => match &**o {
            crate::value::Obj::Continuation(c) => Some(c),
            _ => None,
        },
        _ => None,
    }
}
