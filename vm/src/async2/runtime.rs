//! The async2 runtime: suspending frames into continuations, the thunks'
//! tasks, and the dispatcher that resumes a chain one frame at a time.
//!
//! ```text
//! suspend (a leaf's Await or AwaitTask on something incomplete, or a
//! virtual awaited call whose Task-returning override returned an
//! incomplete task):
//!   frames, top down to the nearest Thunk or Resumed frame, each one an
//!   async2 body stopped at a suspension point (its pc is the point's
//!   resume pc) -> one Continuation each, innermost first, keeping the
//!   point's live registers (its Data registers, the primitives, then its
//!   GCData ones); `next` links them toward the caller.
//!   bottom = Thunk:   the chain ends in FinalizeTaskReturningThunk(task);
//!                     the thunk's caller gets `task`, contexts restored
//!   bottom = Resumed: the chain ends in the rest of the chain being
//!                     resumed; the dispatcher stops
//!   (a resumed frame alone on top, a loop around an await, goes back
//!   into its own continuation: suspend_again)
//!   then the leaf's continuation is registered with what it awaits.
//!
//! resume_chain(head, outcome)       the dispatcher, a loop:
//!   FinalizeTaskReturningThunk -> complete its task with the outcome; done
//!   an exception and no handler at the point -> skip the frame (flag)
//!   else write the outcome into gc_data, call the resume stub (a frame
//!   whose `Resume` becomes the method's frame), run it to its return:
//!   its value (or exception) is the next outcome; if it suspended again,
//!   the new chain was registered and the dispatcher stops.
//! ```

use std::rc::Rc;

use super::continuation::{
    Continuation, EXCEPTION, FINALIZE_TASK_RETURNING_THUNK, HAS_HANDLER, OSR, TIER1, continuation_ref,
};
use crate::Vm;
use crate::builtins::tasks::{Awaited, ValueTaskBox, awaited, awaited_value_task};
use crate::bytecode::{AwaitSiteId, MethodId};
use crate::driver::Exit;
use crate::error::VmError;
use crate::event_loop::Work;
use crate::frames::{Frame, FrameKind};
use crate::program::{Async2Role, AsyncReturn, Program, SlotType, SuspensionPoint, Version, VersionKind};
use crate::tasks::{BuilderKind, TaskCallback as Registration, TaskOutcome};
use crate::value::{Obj, TraceFrame, Value};

/// What the suspending leaf waits for.
pub(crate) enum Wait {
    /// An `Await` instruction's awaiter (a library awaiter, or a user one
    /// with the OnCompleted the compiler resolved for the await site).
    Awaiter { awaiter: Value, site: AwaitSiteId },
    /// A library awaitable, already classified, whose outcome is the
    /// leaf's result: an `AwaitTask` instruction's, or the incomplete task
    /// a Task-returning override gave an awaited virtual call.
    Library(Awaited),
}

fn has_result(kind: AsyncReturn) -> bool {
    kind.has_result()
}

fn is_value_task(kind: AsyncReturn) -> bool {
    matches!(kind, AsyncReturn::ValueTask | AsyncReturn::ValueTaskOf)
}

impl Vm {
    fn async_return(&self, body: MethodId) -> AsyncReturn {
        self.program.method(body).flags.is_async.unwrap_or(AsyncReturn::Task)
    }

    /// What a thunk returns for a task: the task, or a `ValueTask` over it.
    fn thunk_value(&mut self, kind: AsyncReturn, task: Value) -> Value {
        if is_value_task(kind) { ValueTaskBox::alloc(self, task, Value::Null) } else { task }
    }

    /// A thunk-entered body (`done`, just popped) ended without suspending:
    /// the thunk (now the top frame) gets its completed task, and its
    /// caller's contexts back.
    pub(crate) fn complete_thunk(&mut self, done: Frame, outcome: TaskOutcome) {
        let kind = self.async_return(done.method);
        let value = match outcome {
            // A completed ValueTask is its result: nothing allocated.
            TaskOutcome::Result(v) if is_value_task(kind) => ValueTaskBox::of_result(self, v),
            // As async1's builder: a shared task where .NET shares one.
            TaskOutcome::Result(v) => self.cached_completed_task(v, has_result(kind)),
            outcome => {
                let task = self.new_task(has_result(kind), BuilderKind::Task);
                if let Some(t) = crate::tasks::task_ref(&task) {
                    t.settle(outcome);
                }
                self.thunk_value(kind, task)
            }
        };
        self.leave_thunk(done, value);
    }

    /// Restores the contexts the thunk saved and hands it `value`.
    fn leave_thunk(&mut self, done: Frame, value: Value) {
        let Some(&thunk) = self.frames.last() else { return };
        let at = thunk.base as usize + done.ret as usize;
        self.contexts.execution = self.stack[at + 1];
        self.contexts.sync_ctx = self.stack[at + 2];
        self.stack[at] = value;
    }

    /// Pops the async2 frames from the top down to the nearest thunk-entered
    /// or resumed one into a chain of continuations, and registers the
    /// chain with what the leaf waits for. See the module docs.
    pub(crate) fn suspend(&mut self, wait: Wait) -> Result<(), VmError> {
        if let Some(&f) = self.frames.last()
            && f.kind == FrameKind::Resumed
            && let Some(&cont) = self.resuming.last()
        {
            return self.suspend_again(f, cont, wait);
        }
        let program = Rc::clone(&self.program);
        let (execution, sync_ctx) = (self.contexts.flowing(), self.contexts.sync_ctx);
        let top = self.frames.len().checked_sub(1).ok_or_else(not_async2)?;
        let bottom = (0..=top)
            .rev()
            .find(|&i| matches!(self.frames[i].kind, FrameKind::Thunk | FrameKind::Resumed))
            .ok_or_else(not_async2)?;
        let leaf_method = self.frames[top].method;
        let bottom_frame = self.frames[bottom];
        let resumed = if bottom_frame.kind == FrameKind::Resumed { self.resuming.last().copied() } else { None };
        let mut head = Value::Null;
        let mut last: Option<Value> = None;
        for i in (bottom..=top).rev() {
            let f = self.frames[i];
            let stop = stopped_at(self.code_of(&program, f.method), &f)?;
            let Stop { resume_stub, state, flags, point: p, osr, .. } = stop;
            check_data(&program, f.method, p, &self.stack[f.base as usize..]);
            self.count_capture(&stop);
            let c = match resumed {
                // The resumed frame itself: its continuation is free again
                // if it has room (room for every point of the method it was
                // captured in; a frame now in another version may need more).
                Some(r) if i == bottom && fits(&r, p, osr) => {
                    if let Some(c) = continuation_ref(&r) {
                        hold(c, state, flags, p, &self.stack[f.base as usize..], osr);
                    }
                    r
                }
                _ => {
                    let c = self.new_continuation(resume_stub, stop.room);
                    if let Some(cr) = continuation_ref(&c) {
                        hold(cr, state, flags, p, &self.stack[f.base as usize..], osr);
                        // A resumed frame's new continuation links to the
                        // rest of its chain, as its old one did.
                        if let Some(r) = resumed.filter(|_| i == bottom) {
                            cr.set_next(continuation_ref(&r).map_or(Value::Null, |old| old.next()));
                        }
                    }
                    c
                }
            };
            match last.as_ref().and_then(continuation_ref) {
                Some(prev) => prev.set_next(c),
                None => head = c,
            }
            last = Some(c);
        }
        self.async_stats.suspensions += 1;
        self.truncate_frames(bottom);
        let tail = if let Some(r) = resumed {
            // The reused continuation keeps its `next`.
            continuation_ref(&r).map_or(Value::Null, |c| c.next())
        } else {
            let kind = self.async_return(bottom_frame.method);
            let task = self.new_task(has_result(kind), BuilderKind::Task);
            let value = self.thunk_value(kind, task);
            self.leave_thunk(bottom_frame, value);
            let fin = Value::Obj(self.alloc(crate::object::continuation(
                Continuation::cell_size(0, 0),
                // SAFETY: a cell of exactly that size.
                |cell| unsafe { Continuation::init(cell, FINALIZE_TASK_RETURNING_THUNK, 0, 0) },
            )));
            if let Some(c) = continuation_ref(&fin) {
                c.set_result(task);
            }
            fin
        };
        if let Some(c) = last.as_ref().and_then(continuation_ref)
            && resumed.is_none()
        {
            c.set_next(tail);
        }
        // Registering may run the chain right away (an awaiter that is done,
        // a user OnCompleted that calls back): keep it rooted meanwhile.
        self.root([head]).register(head, wait, execution, sync_ctx, leaf_method)
    }

    /// The common case of a loop around an await: the resumed frame `f`
    /// alone suspends again, into its own continuation `cont` (still
    /// rooted by `resuming`), whose `next` is the rest of the chain.
    fn suspend_again(&mut self, f: Frame, cont: Value, wait: Wait) -> Result<(), VmError> {
        let program = Rc::clone(&self.program);
        let stop = stopped_at(self.code_of(&program, f.method), &f)?;
        let Stop { resume_stub, state, flags, point: p, osr, .. } = stop;
        check_data(&program, f.method, p, &self.stack[f.base as usize..]);
        self.count_capture(&stop);
        let head = if fits(&cont, p, osr) {
            cont
        } else {
            // The frame moved into a version whose point needs more room:
            // a new continuation takes the old one's place in the chain.
            let c = self.new_continuation(resume_stub, stop.room);
            if let (Some(new), Some(old)) = (continuation_ref(&c), continuation_ref(&cont)) {
                new.set_next(old.next());
            }
            c
        };
        let c = continuation_ref(&head).ok_or_else(not_async2)?;
        hold(c, state, flags, p, &self.stack[f.base as usize..], osr);
        self.async_stats.suspensions += 1;
        self.pop_frame();
        let (execution, sync_ctx) = (self.contexts.flowing(), self.contexts.sync_ctx);
        self.register(head, wait, execution, sync_ctx, f.method)
    }

    /// A new continuation resumed by `resume_stub` with room for
    /// `(data, gc)` (its method's or version's `Async2Role::Body::room`).
    fn new_continuation(&mut self, resume_stub: MethodId, (data_cap, gc_cap): (u16, u16)) -> Value {
        self.async_stats.continuations += 1;
        Value::Obj(self.alloc(crate::object::continuation(
            Continuation::cell_size(data_cap, gc_cap),
            // SAFETY: a cell of exactly that size.
            |cell| unsafe { Continuation::init(cell, resume_stub, data_cap, gc_cap) },
        )))
    }

    /// `--stats`: a frame captured, by tier.
    fn count_capture(&mut self, stop: &Stop<'_>) {
        let osr = usize::from(stop.osr.is_some());
        let t = &mut self.tiers.stats;
        t.continuations[stop.tier] += 1;
        t.continuation_bytes[stop.tier] +=
            Continuation::cell_size((stop.point.data.len() + osr) as u16, stop.point.gc.len() as u16) as u64;
    }

    /// Registers a suspended chain with what its leaf waits for.
    fn register(
        &mut self,
        head: Value,
        wait: Wait,
        execution: Value,
        sync_ctx: Value,
        leaf: MethodId,
    ) -> Result<(), VmError> {
        let chain = |source, sync_ctx| Registration::Chain { head, source, context: execution, sync_ctx };
        if !matches!(&wait, Wait::Awaiter { awaiter, .. } if matches!(awaiter.view(), Some(Obj::Instance(_)))) {
            self.async_stats.library_suspensions += 1;
        }
        let (awaited, delivers) = match wait {
            Wait::Library(a) => (a, true),
            Wait::Awaiter { awaiter, site } => {
                if let Some(Obj::Instance(_)) = awaiter.view() {
                    // A user awaiter: its OnCompleted/UnsafeOnCompleted gets
                    // an Action that resumes the chain wherever it is called.
                    let oc = self.program.await_sites[site.index()].on_completed.ok_or_else(|| {
                        VmError::throw("System.InvalidOperationException", "The awaiter has no OnCompleted method.")
                    })?;
                    let target = if oc.is_virtual { self.resolve_virtual(oc.method, awaiter)? } else { oc.method };
                    let action = self.continuation_action(chain(Value::Null, Value::Null))?;
                    self.call_method(target, &[awaiter, action])?;
                    return Ok(());
                }
                (awaited(self, awaiter)?, false)
            }
        };
        let configure_await_false = || {
            let m = self.program.method(leaf);
            m.flags.configure_await_false
                || self.program.class(m.class).configure_await_false
                || self.program.configure_await_false
        };
        match awaited {
            Awaited::Task(t, capture) => {
                let sc =
                    if capture && !sync_ctx.is_null() && !configure_await_false() { sync_ctx } else { Value::Null };
                self.add_continuation(t, chain(if delivers { t } else { Value::Null }, sc))
            }
            // Completed meanwhile (only an `Await`'s awaiter: AwaitTask and
            // `await_returned_task` take a completed result before they
            // suspend): GetResult reads it.
            Awaited::Done(_) => self.invoke_continuation(chain(Value::Null, sync_ctx), sync_ctx),
            Awaited::Yield => {
                let c = chain(Value::Null, Value::Null);
                if sync_ctx.is_null() || configure_await_false() {
                    self.event_loop.enqueue(Work::Callback(c));
                    Ok(())
                } else {
                    self.post_continuation(sync_ctx, c)
                }
            }
        }
    }

    /// The dispatcher: resumes a chain from `head` with the outcome of what
    /// it waited for, one frame at a time, in a loop.
    pub(crate) fn resume_chain(&mut self, head: Value, outcome: Result<Value, Value>) -> Result<(), VmError> {
        let mut cur = head;
        let mut outcome = outcome;
        loop {
            let Some(c) = continuation_ref(&cur) else { return Ok(()) };
            if c.is_finalize() {
                let task = c.result();
                let o = match outcome {
                    Ok(v) => TaskOutcome::Result(v),
                    Err(e) => self.exception_outcome(e),
                };
                return self.root([task]).try_complete(task, o).map(|_| ());
            }
            let next = c.next();
            match outcome {
                Err(e) if !c.has(HAS_HANDLER) => {
                    // No handler around the suspension point: nothing in the
                    // frame can run, so it is not resumed.
                    self.async_stats.skipped_frames += 1;
                    self.trace_suspended_frame(e, c);
                    cur = next;
                    continue;
                }
                Err(e) => {
                    c.set_result(e);
                    c.flags.set(c.flags.get() | EXCEPTION);
                }
                Ok(v) => {
                    c.set_result(v);
                    c.flags.set(c.flags.get() & !EXCEPTION);
                }
            }
            let stub = c.resume;
            self.resuming.push(cur);
            self.async_stats.async2_resumptions += 1;
            let r = self.call_resume_stub(stub, cur);
            self.resuming.pop();
            outcome = match r {
                // It suspended again: its new chain is registered.
                Ok(Exit::Suspended) => return Ok(()),
                Ok(Exit::Returned(v)) => Ok(v),
                Err(e) => {
                    let e = self.error_to_exception(e)?;
                    if let Some(o) = e.as_obj() {
                        self.forget_exception(o);
                    }
                    Err(e)
                }
            };
            cur = next;
        }
    }

    /// A frame skipped by an exception still shows in its stack trace:
    /// the chain is the logical call stack.
    fn trace_suspended_frame(&mut self, exc: Value, c: &Continuation) {
        let Some(Async2Role::ResumeStub { body }) = self.program.method(c.resume).async2.as_deref() else { return };
        let body = *body;
        let program = Rc::clone(&self.program);
        let line = self
            .resumption(&program, body, c)
            .and_then(|r| program.method(r.method).lines.get(r.captured.at.index()).copied())
            .unwrap_or(0);
        self.trace_frames(exc, |trace| trace.push(TraceFrame { method: body, line }));
    }

    /// The `Resume` instruction: the resume stub's frame (the top one)
    /// becomes `body`'s frame at the continuation's suspension point, its
    /// live registers restored and the callee's result written. Gives back
    /// the exception to throw there instead, if that is the outcome.
    pub(crate) fn resume_frame(&mut self, body: MethodId, cont: Value) -> Result<Option<Value>, VmError> {
        let program = Rc::clone(&self.program);
        let c = continuation_ref(&cont).ok_or_else(not_async2)?;
        let r = self.resumption(&program, body, c).ok_or_else(not_async2)?;
        let stats = &mut self.tiers.stats;
        match r.kind {
            Resumption::SameTier => stats.resumed_same_tier += 1,
            Resumption::Osr => stats.resumed_osr += 1,
            Resumption::Tier0InTier1 => stats.resumed_tier0_in_tier1 += 1,
        }
        let (captured, p) = (r.captured, r.point);
        let nregs = r.code.nregs;
        let Some(frame) = self.frames.last_mut() else { return Err(not_async2()) };
        frame.method = r.method;
        frame.pc = r.point.resume.0;
        let base = frame.base as usize;
        let end = base + nregs as usize;
        self.reserve_stack(end);
        self.stack[base..end].fill(Value::Null);
        for (i, &(reg, ty)) in captured.data.iter().enumerate() {
            self.stack[base + reg.index()] = c.data(i + r.data_offset, ty);
        }
        for (i, reg) in captured.gc.iter().enumerate() {
            self.stack[base + reg.index()] = c.gc(i);
        }
        let delivered = c.take_result();
        if c.has(EXCEPTION) {
            // Thrown at the point, continuing the trace the chain has made.
            if let Some(o) = delivered.as_obj() {
                self.continue_exception(o);
            }
            return Ok(Some(delivered));
        }
        if let Some(d) = p.result {
            self.stack[base + d.0 as usize] = delivered;
        }
        Ok(None)
    }

    /// Where continuation `c` of tier0 body `body` resumes: the code it was
    /// captured in (an OSR continuation names its version in its first Data
    /// word, the seed's rule 1 and 3; a tier1 one is the method's tier1
    /// code), or, for a tier0 continuation of a method that has tiered up
    /// since, its tier1 code at the same point, its registers as tier0
    /// kept them (tier1 does not renumber registers).
    #[inline(always)]
    fn resumption<'p>(&self, program: &'p Program, body: MethodId, c: &Continuation) -> Option<Resume<'p>> {
        let state = c.state.get() as usize;
        let flags = c.flags.get();
        let (method, data_offset, kind) = if flags & OSR != 0 {
            (MethodId(c.data(0, SlotType::Int).as_int()? as u32), 1, Resumption::Osr)
        } else if flags & TIER1 != 0 {
            (self.tiers.tier1_of(body)?, 0, Resumption::SameTier)
        } else if let Some(v) = self.tiers.tier1_of(body) {
            return self.tier0_in_tier1(program, body, v, state);
        } else {
            (body, 0, Resumption::SameTier)
        };
        let code = self.code_of(program, method);
        let p = code.suspension_points()?.get(state)?;
        Some(Resume { method, code, captured: p, point: p, data_offset, kind })
    }

    /// A tier0 continuation (at point `state` of `body`) resumed in the
    /// method's tier1 version `v`, at the point its pc map gives.
    #[cold]
    fn tier0_in_tier1<'p>(
        &self,
        program: &'p Program,
        body: MethodId,
        v: MethodId,
        state: usize,
    ) -> Option<Resume<'p>> {
        let p0 = self.code_of(program, body).suspension_points()?.get(state)?;
        let code = self.code_of(program, v);
        let at = *code.version.as_ref()?.pc_map.get(p0.resume.index())?;
        let q = code.suspension_points()?.iter().find(|q| q.resume.0 == at)?;
        Some(Resume { method: v, code, captured: p0, point: q, data_offset: 0, kind: Resumption::Tier0InTier1 })
    }

    /// A Task-returning override `method` of an awaited virtual call
    /// returned `task` to the async2 frame now on top: its result if it is
    /// done (`Ok(Some)`), its exception (`Err`), or `Ok(None)` once the
    /// frames have suspended on it.
    pub(crate) fn await_returned_task(&mut self, method: MethodId, task: Value) -> Result<Option<Value>, VmError> {
        self.async_stats.awaits += 1;
        let a = if self.program.method(method).flags.returns_value_task {
            awaited_value_task(self, task)?
        } else {
            awaited(self, task)?
        };
        match self.completed_result(&a) {
            Some(r) => r.map(Some),
            None => {
                self.suspend(Wait::Library(a))?;
                Ok(None)
            }
        }
    }

    /// An `AwaitTask`: the awaitable's outcome if it is complete (its
    /// value, or its exception as `Err`), else what to suspend on.
    #[inline(always)]
    pub(crate) fn await_now(&mut self, awaitable: Value, site: AwaitSiteId) -> Result<Result<Value, Wait>, VmError> {
        self.async_stats.awaits += 1;
        let a = if self.program.await_sites[site.index()].value_task {
            awaited_value_task(self, awaitable)?
        } else {
            awaited(self, awaitable)?
        };
        match self.completed_result(&a) {
            Some(r) => r.map(Ok),
            None => Ok(Err(Wait::Library(a))),
        }
    }

    /// What awaiting a complete library awaitable gives at once: its value
    /// or its exception; `None` while it is not complete.
    #[inline]
    pub(crate) fn completed_result(&mut self, a: &Awaited) -> Option<Result<Value, VmError>> {
        match *a {
            Awaited::Done(v) => Some(Ok(v)),
            Awaited::Task(t, _) if crate::tasks::is_completed(t) => Some(self.task_result(t)),
            Awaited::Task(..) | Awaited::Yield => None,
        }
    }

    /// A registered chain's turn (from `invoke_continuation`): resume it
    /// under the ExecutionContext it suspended with.
    pub(crate) fn run_chain(&mut self, head: Value, source: Value, context: Value) -> Result<(), VmError> {
        self.contexts.execution = context;
        let outcome = if source.is_null() {
            Ok(Value::Null)
        } else {
            match self.task_result(source) {
                Ok(v) => Ok(v),
                Err(e) => Err(self.error_to_exception(e)?),
            }
        };
        self.resume_chain(head, outcome)
    }
}

/// How a continuation resumes (`Vm::resumption`).
struct Resume<'p> {
    /// The code the frame goes on in.
    method: MethodId,
    code: &'p crate::program::Method,
    /// The point the continuation was captured at: where its registers are.
    captured: &'p SuspensionPoint,
    /// The point in `method` it resumes at.
    point: &'p SuspensionPoint,
    /// Data words before the registers (an OSR continuation's entry).
    data_offset: usize,
    kind: Resumption,
}

/// `--stats`' resumption kinds.
#[derive(Clone, Copy)]
enum Resumption {
    SameTier,
    Osr,
    Tier0InTier1,
}

/// Where a suspending frame stopped (`stopped_at`).
struct Stop<'p> {
    /// The tier0 body's resume stub.
    resume_stub: MethodId,
    /// The point's index in its method's (or version's) points.
    state: u32,
    /// Continuation flags: `HAS_HANDLER`, `TIER1`.
    flags: u32,
    point: &'p SuspensionPoint,
    /// The OSR version the frame runs, if it runs one.
    osr: Option<MethodId>,
    /// 0: tier0 code; 1: tier1 or OSR code.
    tier: usize,
    /// The room of the method's (or version's) continuations.
    room: (u16, u16),
}

/// The suspension point an async2 body's frame `f` (running `m`, a tier0
/// body or one of its versions) is stopped at: its pc is the point's resume
/// pc.
#[inline]
fn stopped_at<'p>(m: &'p crate::program::Method, f: &Frame) -> Result<Stop<'p>, VmError> {
    let Some(Async2Role::Body { resume_stub, points, room, .. }) = m.async2.as_deref() else {
        return Err(not_async2());
    };
    let state = points.iter().position(|p| p.resume.0 == f.pc).ok_or_else(not_async2)?;
    let point = &points[state];
    let (tier1, osr) = match m.version.as_deref() {
        Some(Version { kind: VersionKind::Tier1, .. }) => (TIER1, None),
        Some(Version { kind: VersionKind::Osr { .. }, .. }) => (0, Some(f.method)),
        None => (0, None),
    };
    Ok(Stop {
        resume_stub: *resume_stub,
        state: state as u32,
        flags: tier1 | if point.has_handler { HAS_HANDLER } else { 0 },
        point,
        osr,
        tier: usize::from(m.version.is_some()),
        room: *room,
    })
}

/// Makes `c` hold the frame whose registers start at `regs`, stopped at `p`.
/// An OSR continuation's Data starts with a word naming its OSR version
/// (the seed's "OSR entry recorded in the continuation") and is flagged.
#[inline]
fn hold(c: &Continuation, state: u32, flags: u32, p: &SuspensionPoint, regs: &[Value], osr: Option<MethodId>) {
    let data = p.data.iter().map(|&(r, _)| regs[r.index()]);
    let gc = p.gc.iter().map(|r| regs[r.index()]);
    match osr {
        None => c.hold(state, flags, data, gc),
        Some(v) => c.hold(state, flags | OSR, std::iter::once(Value::Int(i64::from(v.0))).chain(data), gc),
    }
}

/// Whether continuation `c` has room for a capture at `p`.
fn fits(c: &Value, p: &SuspensionPoint, osr: Option<MethodId>) -> bool {
    continuation_ref(c).is_some_and(|c| c.fits(p.data.len() + usize::from(osr.is_some()), p.gc.len()))
}

/// Debug builds: each Data register of the point `p` where a frame of
/// `method` (its registers from `regs[0]`) suspends holds what its slot type
/// says, raw bytes of that kind: what proves `kinds.rs` sound over every
/// program the tests run.
#[inline]
fn check_data(program: &Program, method: MethodId, p: &SuspensionPoint, regs: &[Value]) {
    if cfg!(debug_assertions) {
        for &(r, ty) in &p.data {
            let v = regs[r.index()];
            debug_assert!(
                crate::kinds::holds(ty, v),
                "{}: r{} is {v:?} at the suspension point @{}, where kinds.rs says {ty:?}",
                program.method_display_name(method),
                r.0,
                p.at.0
            );
        }
    }
}

fn not_async2() -> VmError {
    VmError::throw("System.InvalidOperationException", "await outside an async2 method (internal error).")
}
