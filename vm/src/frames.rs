//! Frames: the frame stack, register windows and the one push and one pop.
//!
//! Invariants:
//! - Registers live in one `Vec<Value>`, `Vm::stack`. A frame owns the
//!   window `stack[base .. base + nregs]`; a callee's window starts right
//!   above its caller's, arguments are copied into its first registers, and
//!   the rest of the window is cleared to `null` on entry, so the GC never
//!   sees a stale pointer. Everything below the top frame's window is live;
//!   nothing above is.
//! - The stack only grows, and only in [`Vm::push_frame`]: a pointer into it
//!   held across anything that may push a frame (a call, a native that runs
//!   bytecode) must be re-derived afterwards (the loop's `protect!`).
//! - Frames are pushed only by [`Vm::push_frame`] and popped only by
//!   [`Vm::pop_frame`] (or dropped in bulk by [`Vm::truncate_frames`] when
//!   an exception or a suspension leaves them).

use crate::Vm;
use crate::bytecode::MethodId;
use crate::error::VmError;
use crate::value::Value;

/// What a frame is, for what happens when it ends (its return, its
/// exception, its suspension).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum FrameKind {
    /// A plain call: its value goes to the caller's `ret` register.
    Normal,
    /// Runs an exception filter in a copy of another frame's registers;
    /// `EndFilter` ends it.
    Filter,
    /// An async2 body entered through its thunk (`CallThunk`): its return,
    /// its exception and its suspension each give the thunk a task.
    Thunk,
    /// A Task-returning method called by an awaited virtual call from
    /// async2 code (`CallVirtAsync`): the task it returns is awaited.
    AwaitedTaskCall,
    /// An async2 frame resumed from a continuation by the dispatcher (the
    /// bottom of its `run`).
    Resumed,
}

#[derive(Clone, Copy, Debug)]
pub(crate) struct Frame {
    pub method: MethodId,
    /// The next instruction to run (for callers: the one after the call).
    pub pc: u32,
    pub base: u32,
    /// The caller's register that receives the result, or
    /// `Dst::DISCARD.0`.
    pub ret: u16,
    pub kind: FrameKind,
}

/// Copies `count` arguments from `stack[from..]` into a callee's window
/// `stack[base..end]` and clears the rest of it. Element by element: runs
/// are short, and a memcpy call costs more.
///
/// # Safety
/// `stack` points at the stack; `from .. from + count` and `base .. end`
/// lie inside it and do not overlap, and `count <= end - base`.
#[inline(always)]
unsafe fn fill_window(stack: *mut Value, from: usize, count: usize, base: usize, end: usize) {
    // SAFETY: the caller's guarantees.
    unsafe {
        let (mut src, mut dst) = (stack.add(from), stack.add(base));
        let copied = dst.add(count);
        while dst < copied {
            dst.write(src.read());
            dst = dst.add(1);
            src = src.add(1);
        }
        let stop = stack.add(end);
        while dst < stop {
            dst.write(Value::Null);
            dst = dst.add(1);
        }
    }
}

impl Vm {
    /// The first register above the top frame's window.
    pub(crate) fn top(&self) -> usize {
        match self.frames.last() {
            Some(f) => f.base as usize + self.program.method(f.method).nregs as usize,
            None => 0,
        }
    }

    /// The one push: a frame of `method` (`nregs` registers) whose window
    /// starts at `base`, its first `count` registers copied from
    /// `stack[from ..]` (the caller's argument registers, below `base`), the
    /// rest cleared. Its pc is 0.
    ///
    /// The caller guarantees `count <= nregs` (the verifier proves it for
    /// every instruction that enters a frame; natives' calls check arity)
    /// and `from + count <= base`.
    #[inline(always)]
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn push_frame(
        &mut self,
        method: MethodId,
        nregs: usize,
        base: usize,
        from: usize,
        count: usize,
        ret: u16,
        kind: FrameKind,
    ) -> Result<(), VmError> {
        debug_assert!(count <= nregs && from + count <= base);
        if self.frames.len() >= self.options.max_depth {
            return Err(VmError::StackOverflow);
        }
        let end = base + nregs;
        self.reserve_stack(end);
        // SAFETY: `from .. from + count` lies below `base` (the caller's
        // guarantee), `base .. end` inside the stack (reserved above), and
        // `count <= nregs`.
        unsafe { fill_window(self.stack.as_mut_ptr(), from, count, base, end) };
        self.frames.push(Frame { method, pc: 0, base: base as u32, ret, kind });
        self.stats.calls += 1;
        Ok(())
    }

    /// Makes the stack at least `end` registers long (the only place it
    /// grows: every pointer into it is stale afterwards).
    #[inline(always)]
    pub(crate) fn reserve_stack(&mut self, end: usize) {
        if end > self.stack.len() {
            self.grow_stack(end);
        }
    }

    #[cold]
    #[inline(never)]
    fn grow_stack(&mut self, end: usize) {
        self.stack.resize(end.max(self.stack.len() * 2), Value::Null);
    }

    /// The one pop: the top frame, gone.
    #[inline(always)]
    pub(crate) fn pop_frame(&mut self) -> Frame {
        // SAFETY: only called while a frame runs (the loop's return, a
        // filter's end, unwinding and suspension above a boundary), so the
        // stack of frames is not empty.
        unsafe { self.frames.pop().unwrap_unchecked() }
    }

    /// Drops every frame from index `len` up (an unwound filter, frames a
    /// suspension moved into continuations).
    pub(crate) fn truncate_frames(&mut self, len: usize) {
        self.frames.truncate(len);
    }
}
