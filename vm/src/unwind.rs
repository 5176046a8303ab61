//! Exceptions: raising, the two-pass unwinding (filters first, then
//! finally blocks and the handler), in-flight exception state and stack
//! traces.
//!
//! ```text
//! raise(exc)
//!   first pass   find_handler: frames top down to the boundary, each
//!                handler row covering the frame's pc; filters run (once
//!                per throw) in a copy of their frame; a Thunk frame
//!                catches everything (its task faults)
//!   trace        record_trace: the frames passed, appended to the
//!                exception's trace
//!   second pass  unwind_step: pop frames, entering each finally on the way
//!                (EndFinally raises again and unwinding goes on), then the
//!                handler; nothing found: the boundary's caller gets the
//!                exception
//! ```

use std::rc::Rc;

use crate::Vm;
use crate::bytecode::{Dst, HandlerKind, Instr, Pc};
use crate::driver::Exit;
use crate::error::VmError;
use crate::frames::FrameKind;
use crate::value::{Gc, HeapObj, TraceFrame, Value};

/// `find_handler`'s row for "the thunk below this frame catches it".
pub(crate) const THUNK_ROW: usize = usize::MAX;

/// Per-exception state kept while an exception is in flight.
#[derive(Default)]
pub(crate) struct ExceptionState {
    /// Frames deeper than or at this index are already in the trace.
    recorded_to: usize,
    /// Filters already run for this throw. Keyed by the filter's code, not
    /// the handler row: codegen may split one clause's protected range into
    /// several rows.
    filters: Vec<FilterRun>,
}

/// A filter that ran for an exception in flight.
struct FilterRun {
    frame: usize,
    filter: u32,
    passed: bool,
    /// The catch variable as the filter left it (`when ((ex = other) !=
    /// null)`): what its handler receives.
    caught: Value,
}

impl ExceptionState {
    /// The values it keeps: the catch variables filters assigned.
    pub(crate) fn trace(&self, t: &mut crate::value::Tracer) {
        self.filters.iter().for_each(|f| f.caught.trace(t));
    }

    /// Whether a filter of the frame at index `frame` ran for it (the run
    /// is remembered by the filter's pc in that frame's code).
    pub(crate) fn ran_filter_in(&self, frame: usize) -> bool {
        self.filters.iter().any(|f| f.frame == frame)
    }
}

impl Vm {
    /// Turns an error into a thrown exception and unwinds to its handler.
    /// `Ok` means a handler was entered (the top frame's pc points at it);
    /// `Err` carries what ends this `run`: a fatal error, or an exception no
    /// handler above `boundary` catches.
    pub(crate) fn raise(&mut self, e: VmError, boundary: usize) -> Result<(), VmError> {
        let exc = self.error_to_exception(e)?;
        self.raise_object(exc, boundary)
    }

    pub(crate) fn raise_object(&mut self, exc: Value, boundary: usize) -> Result<(), VmError> {
        let Some(obj) = exc.as_obj() else { return Err(VmError::null_reference()) };
        // First pass: find the handler, running filters.
        let target = self.find_handler(exc, obj, boundary)?;
        self.record_trace(obj, target.map_or(boundary, |(f, _)| f));
        let Some((target_frame, target_row)) = target else {
            // Only `Main`'s own run ends the program; a run that native code
            // started (even on an empty frame stack: the dispatcher under
            // `call_static`) hands the exception back to it.
            if boundary == 0 && self.reentry == 0 {
                return Err(VmError::Unhandled(exc));
            }
            // Unwind to the boundary, running finally blocks, then hand the
            // exception to the native that called in.
            return self.unwind_step(exc, obj, boundary, None);
        };
        self.unwind_step(exc, obj, boundary, Some((target_frame, target_row)))
    }

    /// Second pass, one step: enter the next finally block between the top
    /// frame and the target, or the target handler itself.
    pub(crate) fn unwind_step(
        &mut self,
        exc: Value,
        obj: Gc<HeapObj>,
        boundary: usize,
        target: Option<(usize, usize)>,
    ) -> Result<(), VmError> {
        let program = Rc::clone(&self.program);
        loop {
            let fi = self.frames.len() - 1;
            let frame = self.frames[fi];
            let method = program.method(frame.method);
            let pc = frame.pc.saturating_sub(1);
            for (row, h) in method.handlers_covering(Pc(pc)) {
                let is_target = target == Some((fi, row));
                if !is_target && self.restore_contexts_inline(method, h, frame.base as usize) {
                    continue;
                }
                if is_target || matches!(h.kind, HandlerKind::Finally) {
                    let mut caught = exc;
                    if is_target {
                        if let HandlerKind::Filter { filter, .. } = h.kind
                            && let Some(run) = self.filter_run(obj, fi, filter.0)
                        {
                            caught = run.caught;
                        }
                        self.forget_exception(obj);
                    }
                    self.stack[frame.base as usize + h.exception.0 as usize] = caught;
                    if let Some(f) = self.frames.last_mut() {
                        f.pc = h.target.0;
                    }
                    return Ok(());
                }
            }
            if target == Some((fi, THUNK_ROW)) {
                self.pop_frame();
                self.forget_exception(obj);
                let outcome = self.exception_outcome(exc);
                self.complete_thunk(frame, outcome);
                return Ok(());
            }
            if fi <= boundary || frame.kind == FrameKind::Filter {
                self.pop_frame();
                return Err(VmError::Exception(exc));
            }
            self.pop_frame();
        }
    }

    /// A finally block that only restores the contexts (`RestoreContexts`
    /// then `EndFinally` of its exception: `--capture-contexts`' async2
    /// bodies) runs here, without entering the frame's code and raising
    /// again: the same stores, and unwinding goes on as `EndFinally`
    /// would make it (the first pass already found the handler).
    fn restore_contexts_inline(
        &mut self,
        method: &crate::program::Method,
        h: &crate::bytecode::Handler,
        base: usize,
    ) -> bool {
        let at = h.target.index();
        let (Some(&Instr::RestoreContexts { ec }), Some(&Instr::EndFinally { src })) =
            (method.code.get(at), method.code.get(at + 1))
        else {
            return false;
        };
        if !matches!(h.kind, HandlerKind::Finally) || src != h.exception.reg() {
            return false;
        }
        let at = base + ec.base as usize;
        self.contexts.restore(self.stack[at], self.stack[at + 1]);
        true
    }

    /// First pass: the frame and handler row that will catch `exc`, running
    /// filters (each at most once per throw).
    pub(crate) fn find_handler(
        &mut self,
        exc: Value,
        obj: Gc<HeapObj>,
        boundary: usize,
    ) -> Result<Option<(usize, usize)>, VmError> {
        let program = Rc::clone(&self.program);
        let class = self.class_of(exc);
        for fi in (boundary..self.frames.len()).rev() {
            let frame = self.frames[fi];
            let method = program.method(frame.method);
            let pc = frame.pc.saturating_sub(1);
            for (row, h) in method.handlers_covering(Pc(pc)) {
                match h.kind {
                    HandlerKind::Catch { class: c } if program.is_subclass(class, c) => return Ok(Some((fi, row))),
                    HandlerKind::Filter { class: c, filter } if program.is_subclass(class, c) => {
                        let cached = self.filter_run(obj, fi, filter.0).map(|r| r.passed);
                        let pass = match cached {
                            Some(b) => b,
                            None => {
                                let (passed, caught) = self.run_filter(fi, h.exception, filter, exc)?;
                                let run = FilterRun { frame: fi, filter: filter.0, passed, caught };
                                self.exception_state(obj).filters.push(run);
                                passed
                            }
                        };
                        if pass {
                            return Ok(Some((fi, row)));
                        }
                    }
                    _ => {}
                }
            }
            match self.frames[fi].kind {
                FrameKind::Filter => break,
                // An exception leaving an async2 body entered through its
                // thunk becomes the thunk's faulted task.
                FrameKind::Thunk => return Ok(Some((fi, THUNK_ROW))),
                _ => {}
            }
        }
        Ok(None)
    }

    /// The run of `filter` in frame `fi` for the exception `obj`, if it ran.
    fn filter_run(&mut self, obj: Gc<HeapObj>, fi: usize, filter: u32) -> Option<&FilterRun> {
        self.exception_state(obj).filters.iter().find(|r| r.frame == fi && r.filter == filter)
    }

    /// Runs a filter in a copy of frame `fi`'s registers; gives back whether
    /// it passed and the catch variable as it left it. A filter that throws
    /// does not catch (as in the CLR).
    ///
    /// The filter may assign locals (and its catch variable), which the
    /// frame must then see, as the CLR's filters run on the frame itself.
    /// The front end allocates registers as a stack, so the registers below
    /// the catch variable's are the locals in scope around the `try`: those
    /// are copied back. The ones above are the filter's temporaries, which
    /// may share registers with the try block's locals that its finally
    /// blocks, run after the filter, still read: those are not.
    pub(crate) fn run_filter(
        &mut self,
        fi: usize,
        exc_reg: Dst,
        filter: Pc,
        exc: Value,
    ) -> Result<(bool, Value), VmError> {
        let frame = self.frames[fi];
        let nregs = self.program.method(frame.method).nregs as usize;
        let boundary = self.frames.len();
        let base = self.top();
        self.push_frame(frame.method, nregs, base, frame.base as usize, nregs, Dst::DISCARD.0, FrameKind::Filter)?;
        self.stack[base + exc_reg.0 as usize] = exc;
        if let Some(f) = self.frames.last_mut() {
            f.pc = filter.0;
        }
        let r = self.run_reentrant(boundary);
        match r {
            Ok(Exit::Returned(v)) => {
                // EndFilter popped the filter's frame; its window is intact
                // (nothing has allocated since): read it back now.
                let target = frame.base as usize;
                let n = exc_reg.0 as usize;
                self.stack.copy_within(base..base + n, target);
                Ok((matches!(v, Value::Bool(true)), self.stack[base + n]))
            }
            Ok(Exit::Suspended) => Ok((false, exc)),
            Err(e @ (VmError::StackOverflow | VmError::Exit(_) | VmError::OutOfFuel)) => Err(e),
            Err(_) => {
                self.truncate_frames(boundary);
                Ok((false, exc))
            }
        }
    }

    pub(crate) fn exception_state(&mut self, obj: Gc<HeapObj>) -> &mut ExceptionState {
        let i = match self.exceptions.iter().position(|(e, _)| Gc::ptr_eq(*e, obj)) {
            Some(i) => i,
            None => {
                // An exception thrown again from where it was stored (a
                // faulted task's `GetResult`) keeps its trace and continues
                // it, as `ExceptionDispatchInfo.Throw` does.
                self.existing_trace_frames(Value::Obj(obj), |trace| {
                    if !trace.is_empty() {
                        trace.push(TraceFrame::BOUNDARY);
                    }
                });
                self.exceptions.push((obj, ExceptionState { recorded_to: usize::MAX, ..Default::default() }));
                self.exceptions.len() - 1
            }
        };
        &mut self.exceptions[i].1
    }

    /// `throw;` rethrows an exception whose filters ran for its first throw:
    /// they run again for this one.
    pub(crate) fn forget_filters(&mut self, obj: Gc<HeapObj>) {
        if let Some((_, st)) = self.exceptions.iter_mut().find(|(e, _)| Gc::ptr_eq(*e, obj)) {
            st.filters.clear();
        }
    }

    /// Drops the in-flight state of an exception (it was caught, or is thrown
    /// afresh).
    pub(crate) fn forget_exception(&mut self, obj: Gc<HeapObj>) {
        self.exceptions.retain(|(e, _)| !Gc::ptr_eq(*e, obj));
    }

    /// Makes `obj` in flight again without the `End of stack trace` boundary
    /// a stored exception gets when rethrown: an async2 chain carries an
    /// exception on from frame to frame of one logical stack.
    pub(crate) fn continue_exception(&mut self, obj: Gc<HeapObj>) {
        self.forget_exception(obj);
        self.exceptions.push((obj, ExceptionState { recorded_to: usize::MAX, ..Default::default() }));
    }

    /// Appends to the exception's trace the frames from the top down to
    /// `to` that are not in it yet.
    pub(crate) fn record_trace(&mut self, obj: Gc<HeapObj>, to: usize) {
        let top = self.frames.len();
        let st = self.exception_state(obj);
        let from = st.recorded_to.min(top);
        st.recorded_to = st.recorded_to.min(to);
        if to >= from {
            return;
        }
        let Some(list) = self.trace_list(Value::Obj(obj), true) else { return };
        let Some(list) = list.native::<crate::state::TraceFrames>() else { return };
        let program = &self.program;
        let mut frames = list.0.borrow_mut();
        // One line a frame (more where tier1 inlined calls): room for them
        // at once, not a growth per push.
        frames.reserve_exact(from - to);
        // A frame of tier1 code lists the calls it inlined too.
        for fi in (to..from).rev() {
            let f = self.frames[fi];
            if f.kind != FrameKind::Filter {
                program.visit_logical_frames(f.method, f.pc.saturating_sub(1) as usize, |method, line| {
                    frames.push(TraceFrame { method, line })
                });
            }
        }
    }

    /// An exception's `StackTrace` text (`None` if it was never thrown).
    pub fn trace_text(&self, frames: &[TraceFrame]) -> Option<String> {
        if frames.is_empty() {
            return None;
        }
        let p = &self.program;
        let lines: Vec<String> = frames
            .iter()
            .map(|f| match *f {
                TraceFrame::BOUNDARY => "--- End of stack trace from previous location ---".to_string(),
                TraceFrame { method, line } => format!("   at {} in {}:line {line}", p.trace_name(method), p.file),
            })
            .collect();
        Some(lines.join("\n"))
    }
}
