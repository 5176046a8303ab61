//! The driver: the one place that moves control between the dispatch loop
//! (`interp.rs`), unwinding (`unwind.rs`) and the async backends, as a
//! trampoline (piccolo's executor is the model).
//!
//! ```text
//! run(boundary):  loop { control := dispatch(fast or general loop) }
//!   Switch               the other loop goes on (fast <-> general)
//!   Return(v)            the boundary frame returned: Exit::Returned(v)
//!   Throw(e), Rethrow(x) unwind to a handler (the loop goes on there), or
//!                        out of the boundary: Err
//!   Leave(Thunk, v)      async2: the thunk gets a completed task
//!   Leave(AwaitedTaskCall, t)  async2: await t; done: its result to the
//!                        caller; else suspend (as Suspend)
//!   Leave(Resumed|Filter, v)   the boundary frame: Exit::Returned(v)
//!   Suspend(wait)        async2: frames down to the thunk or the resumed
//!                        frame become continuations; if that empties the
//!                        run (a resumed frame suspended again):
//!                        Exit::Suspended
//! ```
//!
//! The Rust stack grows only where native code calls back into bytecode
//! ([`Vm::call_method`]), where a filter runs, and where the async2
//! dispatcher resumes a frame ([`Vm::call_resume_stub`]): each is a nested
//! `run` with its own boundary, bounded by [`MAX_REENTRY`].

use std::rc::Rc;

use crate::Vm;
use crate::bytecode::{Dst, MethodId};
use crate::error::VmError;
use crate::frames::FrameKind;
use crate::interp::Control;
use crate::state::MAX_REENTRY;
use crate::tasks::TaskOutcome;
use crate::value::Value;

/// How a `run` ended (its errors aside).
pub(crate) enum Exit {
    /// The boundary frame returned this value.
    Returned(Value),
    /// The boundary frame, a resumed async2 frame, suspended again.
    Suspended,
}

impl Vm {
    /// Runs until the frame at index `boundary` returns (or, resumed by
    /// the async2 dispatcher, suspends). An exception that no handler above
    /// the boundary catches comes back as an error after the frames above
    /// the boundary are unwound.
    pub(crate) fn run(&mut self, boundary: usize) -> Result<Exit, VmError> {
        let program = Rc::clone(&self.program);
        let counting = self.options.count_instructions || self.options.max_instructions.is_some();
        let mut fast = !counting && self.next_is_fast(&program);
        loop {
            let control = match (counting, fast) {
                (true, _) => self.dispatch::<false, true>(&program, boundary),
                (false, true) => self.dispatch::<true, false>(&program, boundary),
                (false, false) => self.dispatch::<false, false>(&program, boundary),
            };
            match control {
                Control::Switch => {
                    fast = !fast && !counting;
                    continue;
                }
                Control::Return(v) => return Ok(Exit::Returned(v)),
                Control::Throw(e) => self.raise(e, boundary)?,
                Control::Rethrow(exc) => self.raise_object(exc, boundary)?,
                Control::Leave { frame, value } => match frame.kind {
                    FrameKind::Thunk => self.complete_thunk(frame, TaskOutcome::Result(value)),
                    FrameKind::AwaitedTaskCall => match self.await_returned_task(frame.method, value) {
                        Ok(Some(result)) => {
                            if let Some(caller) = self.frames.last() {
                                self.stack[caller.base as usize + frame.ret as usize] = result;
                            }
                        }
                        Ok(None) if self.frames.len() <= boundary => return Ok(Exit::Suspended),
                        Ok(None) => {}
                        Err(e) => self.raise(e, boundary)?,
                    },
                    FrameKind::Normal | FrameKind::Filter | FrameKind::Resumed => return Ok(Exit::Returned(value)),
                },
                Control::Suspend(wait) => match self.suspend(wait) {
                    Ok(()) if self.frames.len() <= boundary => return Ok(Exit::Suspended),
                    Ok(()) => {}
                    Err(e) => self.raise(e, boundary)?,
                },
            }
            // The loop that runs the instruction the top frame goes on at.
            fast = !counting && self.next_is_fast(&program);
        }
    }

    fn next_is_fast(&self, program: &crate::program::Program) -> bool {
        self.frames
            .last()
            .is_some_and(|f| self.code_of(program, f.method).code.get(f.pc as usize).is_some_and(|i| i.is_fast()))
    }

    /// A nested `run` (native code calling back into bytecode, a filter):
    /// bounded by [`MAX_REENTRY`].
    pub(crate) fn run_reentrant(&mut self, boundary: usize) -> Result<Exit, VmError> {
        if self.reentry >= MAX_REENTRY {
            return Err(VmError::StackOverflow);
        }
        self.reentry += 1;
        let r = self.run(boundary);
        self.reentry -= 1;
        r
    }

    /// Pushes a frame of `method` with `args` above the top frame's
    /// window; gives back its index (the boundary of a `run` of it).
    pub(crate) fn push_call(&mut self, method: MethodId, args: &[Value], kind: FrameKind) -> Result<usize, VmError> {
        let boundary = self.frames.len();
        let base = self.top();
        let program = Rc::clone(&self.program);
        let method = self.enter_version(&program, method);
        let nregs = program.method(method).nregs as usize;
        debug_assert!(args.len() <= nregs);
        self.push_frame(method, nregs, base, 0, 0, Dst::DISCARD.0, kind)?;
        // Element by element: one or two values, and a memcpy call costs more.
        for (slot, &v) in self.stack[base..].iter_mut().zip(args) {
            *slot = v;
        }
        Ok(boundary)
    }

    /// Native code calling back into bytecode: runs `method` to its end
    /// in a nested `run`.
    fn run_method(&mut self, method: MethodId, args: &[Value], kind: FrameKind) -> Result<Exit, VmError> {
        let boundary = self.push_call(method, args, kind)?;
        self.run_reentrant(boundary)
    }

    /// Calls a method from native code and runs it to completion.
    pub fn call_method(&mut self, method: MethodId, args: &[Value]) -> Result<Value, VmError> {
        if args.len() != self.program.method(method).arity as usize {
            return Err(VmError::throw(
                "System.ArgumentException",
                format!("Parameter count mismatch calling {}.", self.program.method_display_name(method)),
            ));
        }
        match self.run_method(method, args, FrameKind::Normal)? {
            Exit::Returned(v) => Ok(v),
            Exit::Suspended => Ok(Value::Null),
        }
    }

    /// Calls an async2 resume stub on a continuation (the dispatcher's
    /// step) and runs the resumed frame until it returns or suspends.
    pub(crate) fn call_resume_stub(&mut self, stub: MethodId, continuation: Value) -> Result<Exit, VmError> {
        self.run_method(stub, &[continuation], FrameKind::Resumed)
    }
}
