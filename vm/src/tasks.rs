//! Tasks: the one promise type that both backends complete and await.
//!
//! Invariants:
//! - A task completes at most once: `Pending` → `RanToCompletion`,
//!   `Faulted` or `Canceled`, never back. `Task::settle` is the only way out
//!   of `Pending` (`try_complete` is it plus running the callbacks).
//! - Continuations are registered only while the task is pending; the
//!   completer runs them in registration order (LANGUAGE.md "Scheduling"),
//!   each with its own contexts (see [`Vm::run_continuation`]), taking each
//!   off the list as it starts; the one running is rooted (`Vm::root`) (a
//!   collection during one continuation must free neither it nor the next).
//! - Everything a task holds is a `Value` it traces: result, exceptions,
//!   continuations (the awaiting state machine, or a list of callbacks).
//!
//! The task of an async1 method is its builder too (`<>t__builder` holds it):
//! a suspended async1 frame is its state machine (its own `MoveNextRunner`)
//! and this task, as .NET Core's `AsyncStateMachineBox<T>` is the task and
//! the runner of its state machine.

use std::cell::{Cell, RefCell};

use crate::Vm;
use crate::error::VmError;
use crate::event_loop::Work;
use crate::value::{Gc, HeapObj, NativeObject, Obj, Tracer, Value};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TaskState {
    Pending,
    RanToCompletion,
    Faulted,
    Canceled,
}

/// What `Status` says while a task is pending.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PendingStatus {
    /// Async methods, `TaskCompletionSource`, `Delay`, combinators.
    WaitingForActivation,
    /// `Task.Run` before its delegate starts.
    WaitingToRun,
    /// `Task.Run` while its delegate runs.
    Running,
}

/// What a builder-task's `Task` property returns, and what `async void` does
/// with an exception.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BuilderKind {
    /// Not an async method's task.
    None,
    Task,
    ValueTask,
    Void,
}

/// Work to do when a task completes (a task's callback; not to be confused
/// with an async2 [`crate::async2::Continuation`], a suspended frame).
#[derive(Clone, Copy, Debug)]
pub enum TaskCallback {
    /// Resume an async1 state machine: call `MoveNextRunner.Run` on `runner`,
    /// the state machine itself (which restores the ExecutionContext it
    /// captured).
    Runner { runner: Value, sync_ctx: Value },
    /// Invoke an `Action` (from `OnCompleted`/`UnsafeOnCompleted`), under
    /// `context` when `flow` (OnCompleted flows the ExecutionContext,
    /// UnsafeOnCompleted does not).
    Action { action: Value, context: Value, flow: bool, sync_ctx: Value },
    /// `ContinueWith`: enqueue `callback(task)` and finish `then` with it.
    ContinueWith { callback: Value, then: Value, context: Value },
    /// A combinator (`WhenAll`, `WhenAny`, `Unwrap`) waiting on this task.
    Combinator { target: Value },
    /// Resume a suspended async2 chain from its leaf continuation `head`,
    /// under the ExecutionContext it suspended with; `source`, if not null,
    /// is the task whose outcome the leaf receives.
    Chain { head: Value, source: Value, context: Value, sync_ctx: Value },
}

impl TaskCallback {
    /// Every value it holds (for tracing and rooting).
    pub fn values(&self) -> impl Iterator<Item = Value> {
        let v = match *self {
            TaskCallback::Runner { runner, sync_ctx } => [runner, sync_ctx, Value::Null, Value::Null],
            TaskCallback::Action { action, context, sync_ctx, .. } => [action, context, sync_ctx, Value::Null],
            TaskCallback::ContinueWith { callback, then, context } => [callback, then, context, Value::Null],
            TaskCallback::Combinator { target } => [target, Value::Null, Value::Null, Value::Null],
            TaskCallback::Chain { head, source, context, sync_ctx } => [head, source, context, sync_ctx],
        };
        v.into_iter()
    }

    pub fn trace(&self, t: &mut Tracer) {
        self.values().for_each(|v| v.trace(t));
    }

    /// The SynchronizationContext it must resume on (null: any).
    pub fn sync_ctx(&self) -> Value {
        match self {
            TaskCallback::Runner { sync_ctx, .. }
            | TaskCallback::Action { sync_ctx, .. }
            | TaskCallback::Chain { sync_ctx, .. } => *sync_ctx,
            _ => Value::Null,
        }
    }
}

/// What a combinator task is waiting for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Combinator {
    #[default]
    None,
    /// `WhenAll` over `inputs`: `remaining` still pending.
    WhenAll {
        remaining: usize,
        with_results: bool,
    },
    WhenAny,
    /// `Task.Run(Func<Task>)`: finishes with the inner task.
    Unwrap,
}

/// `System.Threading.Tasks.Task` / `Task<T>` (and an async method's
/// builder). It is inline in a heap cell of its own ([`Obj::Task`]), kept
/// small: what only some tasks need lives in [`TaskExtra`], made on first
/// use.
pub struct Task {
    pub state: Cell<TaskState>,
    pub pending_status: Cell<PendingStatus>,
    /// `Task<T>` (has a `Result`).
    pub has_result: bool,
    pub builder: BuilderKind,
    pub result: Cell<Value>,
    /// The continuations registered while pending, in one word: none; the
    /// runner of an async1 state machine awaiting it (the common case: a
    /// `Runner` callback with no SynchronizationContext); or a
    /// [`CallbackList`] of them.
    waiters: Cell<Option<Gc<HeapObj>>>,
    /// One word until a task needs them (a pointer, null until made).
    extra: std::cell::OnceCell<Box<RefCell<TaskExtra>>>,
}

/// The parts of a task that most tasks never need.
#[derive(Default)]
pub struct TaskExtra {
    /// `Faulted`: the exceptions (one for a method's task, several for
    /// `WhenAll`); `Canceled`: the `OperationCanceledException`, if any.
    pub exceptions: Vec<Value>,
    /// Combinators: the input tasks (`WhenAll`, `WhenAny`).
    pub inputs: Vec<Value>,
    pub combinator: Combinator,
    /// The `AggregateException` that `Exception` returns, made once.
    pub aggregate: Value,
}

impl TaskExtra {
    fn trace(&self, t: &mut Tracer) {
        self.exceptions.iter().chain(&self.inputs).for_each(|v| v.trace(t));
        self.aggregate.trace(t);
    }
}

impl Task {
    pub fn new(has_result: bool, builder: BuilderKind) -> Task {
        Task {
            state: Cell::new(TaskState::Pending),
            pending_status: Cell::new(PendingStatus::WaitingForActivation),
            has_result,
            builder,
            result: Cell::new(Value::Null),
            waiters: Cell::new(None),
            extra: std::cell::OnceCell::new(),
        }
    }

    /// Reads the extra parts (their defaults if they were never made).
    pub fn extra<R>(&self, f: impl FnOnce(&TaskExtra) -> R) -> R {
        match self.extra.get() {
            Some(e) => f(&e.borrow()),
            None => f(&TaskExtra::default()),
        }
    }

    /// Changes the extra parts, making them if needed.
    pub fn extra_mut<R>(&self, f: impl FnOnce(&mut TaskExtra) -> R) -> R {
        crate::object::touch(crate::object::task_owner(self));
        f(&mut self.extra.get_or_init(Default::default).borrow_mut())
    }

    /// The exceptions of a faulted (or canceled) task.
    pub fn exceptions(&self) -> Vec<Value> {
        self.extra(|e| e.exceptions.clone())
    }

    pub fn type_name(&self) -> &'static str {
        if self.has_result { "Task`1" } else { "Task" }
    }

    pub fn trace(&self, t: &mut Tracer) {
        self.result.get().trace(t);
        if let Some(w) = self.waiters.get() {
            t.mark(w);
        }
        if let Some(e) = self.extra.get() {
            e.borrow().trace(t);
        }
    }

    /// Heap bytes beyond its cell.
    pub fn extra_bytes(&self) -> usize {
        self.extra.get().map_or(0, |_| std::mem::size_of::<RefCell<TaskExtra>>())
    }

    pub fn is_completed(&self) -> bool {
        self.state.get() != TaskState::Pending
    }

    /// How it ended (`None` while pending).
    pub fn outcome(&self) -> Option<TaskOutcome> {
        let first = || self.extra(|e| e.exceptions.first().copied().unwrap_or(Value::Null));
        match self.state.get() {
            TaskState::Pending => None,
            TaskState::RanToCompletion => Some(TaskOutcome::Result(self.result.get())),
            TaskState::Faulted => Some(TaskOutcome::Exception(first())),
            TaskState::Canceled => Some(TaskOutcome::Canceled(first())),
        }
    }

    /// .NET's `TaskStatus` name.
    pub fn status_name(&self) -> &'static str {
        match self.state.get() {
            TaskState::RanToCompletion => "RanToCompletion",
            TaskState::Faulted => "Faulted",
            TaskState::Canceled => "Canceled",
            TaskState::Pending => match self.pending_status.get() {
                PendingStatus::WaitingForActivation => "WaitingForActivation",
                PendingStatus::WaitingToRun => "WaitingToRun",
                PendingStatus::Running => "Running",
            },
        }
    }

    /// Leaves `Pending` for `outcome`; `false` if it had already completed.
    /// Continuations are the caller's to run.
    pub fn settle(&self, outcome: TaskOutcome) -> bool {
        if self.is_completed() {
            return false;
        }
        let (state, exception) = match outcome {
            TaskOutcome::Result(v) => {
                crate::object::store(crate::object::task_owner(self), v);
                self.result.set(v);
                (TaskState::RanToCompletion, Value::Null)
            }
            TaskOutcome::Exception(e) => (TaskState::Faulted, e),
            TaskOutcome::Canceled(e) => (TaskState::Canceled, e),
        };
        if !exception.is_null() {
            self.extra_mut(|e| e.exceptions.push(exception));
        }
        self.state.set(state);
        true
    }

    pub fn has_continuations(&self) -> bool {
        self.waiters.get().is_some()
    }

    fn next_continuation(&self) -> Option<TaskCallback> {
        let w = self.waiters.get()?;
        match w.native::<CallbackList>() {
            Some(list) => {
                let mut list = list.0.borrow_mut();
                let c = if list.is_empty() { None } else { Some(list.remove(0)) };
                if list.is_empty() {
                    self.waiters.set(None);
                }
                c
            }
            None => {
                self.waiters.set(None);
                Some(TaskCallback::Runner { runner: Value::Obj(w), sync_ctx: Value::Null })
            }
        }
    }
}

/// The task a value holds, if it is one.
/// How many completed tasks [`Vm::cached_completed_task`] shares.
pub const TASK_CACHE: usize = 14;

#[inline]
pub fn task_ref(v: &Value) -> Option<&Task> {
    match v {
        Value::Obj(o) => o.as_task(),
        _ => None,
    }
}

/// Whether a value is a task that has completed (any way).
pub fn is_completed(v: Value) -> bool {
    task_ref(&v).is_some_and(Task::is_completed)
}

/// How a task ends.
#[derive(Clone, Copy, Debug)]
pub enum TaskOutcome {
    Result(Value),
    Exception(Value),
    Canceled(Value),
}

/// Where a continuation runs, per LANGUAGE.md "Scheduling".
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Placement {
    /// Right here, inside the code that completed the task.
    Inline,
    /// Posted to the SynchronizationContext it captured.
    Post,
    /// On the ready queue (it captured no context but one is current).
    Queue,
}

/// How many continuations may run inline inside each other *through Rust*
/// before the next one is queued instead (bounds the Rust stack, as .NET
/// queues when its stack guard says the stack is getting deep). State
/// machines resumed by `RunContinuations` run as bytecode and do not count.
pub const MAX_INLINE_CONTINUATIONS: usize = 64;

impl Vm {
    pub fn new_task(&mut self, has_result: bool, builder: BuilderKind) -> Value {
        self.async_stats.tasks += 1;
        Value::Obj(self.alloc(crate::object::task(Task::new(has_result, builder))))
    }

    /// A completed task of `result` for an async method that finished
    /// without one: shared, as .NET's `AsyncTaskCache` shares them, for no
    /// result, `false`, `true`, `null` and the ints -1 to 8 (made on first
    /// use, kept in [`TASK_CACHE`] slots of `Vm::task_cache`), else new.
    pub fn cached_completed_task(&mut self, result: Value, has_result: bool) -> Value {
        let slot = match result {
            _ if !has_result => Some(0),
            Value::Bool(b) => Some(1 + usize::from(b)),
            Value::Null => Some(3),
            Value::Int(i) if (-1..=8).contains(&i) => Some((i + 5) as usize),
            _ => None,
        };
        let Some(slot) = slot else { return self.completed_task(result, has_result) };
        if self.task_cache[slot].is_null() {
            self.task_cache[slot] = self.completed_task(result, has_result);
        }
        self.task_cache[slot]
    }

    pub fn completed_task(&mut self, result: Value, has_result: bool) -> Value {
        let t = self.new_task(has_result, BuilderKind::None);
        if let Some(task) = task_ref(&t) {
            crate::object::store(crate::object::task_owner(task), result);
            task.result.set(result);
            task.state.set(TaskState::RanToCompletion);
        }
        t
    }

    /// Completes a pending task and runs its continuations. `false` (and
    /// nothing happens) when it had already completed.
    pub fn try_complete(&mut self, task: Value, outcome: TaskOutcome) -> Result<bool, VmError> {
        if !self.set_outcome(task, outcome)? {
            return Ok(false);
        }
        self.run_continuations(task)?;
        Ok(true)
    }

    /// Completes a pending task without running its continuations (the
    /// async1 builder's `SetResult`: the generated code runs them next, from
    /// bytecode). `false` when it had already completed.
    pub fn set_outcome(&mut self, task: Value, outcome: TaskOutcome) -> Result<bool, VmError> {
        task_ref(&task).map(|t| t.settle(outcome)).ok_or_else(VmError::null_reference)
    }

    /// How an exception that escaped a task's code ends the task: an
    /// `OperationCanceledException` cancels it, anything else faults it.
    pub fn exception_outcome(&self, exc: Value) -> TaskOutcome {
        if self.is_cancellation(exc) { TaskOutcome::Canceled(exc) } else { TaskOutcome::Exception(exc) }
    }

    /// Where a continuation that captured `sync_ctx` runs now.
    fn placement(&self, sync_ctx: Value) -> Placement {
        let current = self.contexts.sync_ctx;
        match (sync_ctx.is_null(), current.is_null()) {
            (false, _) if sync_ctx.equals(current) => Placement::Inline,
            (false, _) => Placement::Post,
            (true, false) => Placement::Queue,
            (true, true) => Placement::Inline,
        }
    }

    /// The next continuation of a completed task that the caller should run
    /// itself, as bytecode: a state machine's runner that may run inline
    /// (its SynchronizationContext is installed, to be restored by the
    /// caller). Every other continuation met on the way is run (or queued,
    /// or posted) here. `null` when none is left. This is what
    /// `AsyncMethodBuilderCore.RunContinuations` loops over, so a chain of
    /// completions runs on the interpreter's frame stack, not Rust's.
    pub fn next_inline_runner(&mut self, task: Value) -> Result<Value, VmError> {
        loop {
            let Some(t) = task_ref(&task) else { return Err(VmError::null_reference()) };
            let Some(c) = t.next_continuation() else { return Ok(Value::Null) };
            if let TaskCallback::Runner { runner, sync_ctx } = c
                && self.placement(sync_ctx) == Placement::Inline
            {
                self.contexts.sync_ctx = sync_ctx;
                self.async_stats.async1_resumptions += 1;
                return Ok(runner);
            }
            self.run_rooted(task, c)?;
        }
    }

    /// Runs a completed task's continuations in registration order.
    fn run_continuations(&mut self, task: Value) -> Result<(), VmError> {
        while let Some(c) = task_ref(&task).and_then(Task::next_continuation) {
            self.run_rooted(task, c)?;
        }
        Ok(())
    }

    /// Runs a continuation taken off its task's list, keeping the task and
    /// the continuation's values rooted while it runs.
    fn run_rooted(&mut self, task: Value, c: TaskCallback) -> Result<(), VmError> {
        self.root(std::iter::once(task).chain(c.values())).run_continuation(task, c)
    }

    /// Registers a continuation, or runs it now if the task has completed.
    pub fn add_continuation(&mut self, task: Value, c: TaskCallback) -> Result<(), VmError> {
        let Some(t) = task_ref(&task) else { return Err(VmError::null_reference()) };
        if t.is_completed() {
            return self.run_continuation(task, c);
        }
        match (t.waiters.get(), c) {
            // The common case costs no allocation: one awaiting runner.
            (None, TaskCallback::Runner { runner: Value::Obj(r), sync_ctx: Value::Null }) => {
                crate::object::store(crate::object::task_owner(t), Value::Obj(r));
                t.waiters.set(Some(r))
            }
            (None, c) => {
                let list = self.alloc(crate::object::native(CallbackList(RefCell::new(vec![c]))));
                crate::object::store(crate::object::task_owner(t), Value::Obj(list));
                t.waiters.set(Some(list));
            }
            (Some(w), c) => match w.native::<CallbackList>() {
                Some(list) => {
                    crate::object::touch(crate::object::native_owner(list));
                    list.0.borrow_mut().push(c)
                }
                None => {
                    let first = TaskCallback::Runner { runner: Value::Obj(w), sync_ctx: Value::Null };
                    let list = self.alloc(crate::object::native(CallbackList(RefCell::new(vec![first, c]))));
                    crate::object::store(crate::object::task_owner(t), Value::Obj(list));
                    t.waiters.set(Some(list));
                }
            },
        }
        Ok(())
    }

    /// Runs one continuation of `task` (completed) where its `Placement`
    /// says; inline ones run with their own contexts, restoring the
    /// completer's afterwards, and are queued instead past
    /// [`MAX_INLINE_CONTINUATIONS`].
    pub fn run_continuation(&mut self, task: Value, c: TaskCallback) -> Result<(), VmError> {
        match c {
            TaskCallback::ContinueWith { callback, then, context } => {
                self.event_loop.enqueue(Work::ContinueWith { callback, antecedent: task, then, context });
                return Ok(());
            }
            TaskCallback::Combinator { target } => return self.combinator_input_done(target, task),
            TaskCallback::Runner { .. } | TaskCallback::Action { .. } | TaskCallback::Chain { .. } => {}
        }
        let sync_ctx = c.sync_ctx();
        match self.placement(sync_ctx) {
            Placement::Post => self.post_continuation(sync_ctx, c),
            Placement::Inline if self.inline_depth < MAX_INLINE_CONTINUATIONS => {
                self.inline_depth += 1;
                let r = self.invoke_continuation(c, sync_ctx);
                self.inline_depth -= 1;
                r
            }
            Placement::Inline | Placement::Queue => {
                self.event_loop.enqueue(Work::Callback(c));
                Ok(())
            }
        }
    }

    /// Runs a continuation now, with its contexts, restoring the current ones after.
    pub fn invoke_continuation(&mut self, c: TaskCallback, sync_ctx: Value) -> Result<(), VmError> {
        let saved = self.contexts;
        // The completer's contexts are only in `saved` while it runs.
        let mut vm = self.root([saved.execution, saved.sync_ctx]);
        vm.contexts.sync_ctx = sync_ctx;
        let r = vm.invoke_callback(c);
        drop(vm);
        self.contexts = saved;
        r
    }

    /// [`Vm::invoke_continuation`]'s work, under the contexts it set.
    fn invoke_callback(&mut self, c: TaskCallback) -> Result<(), VmError> {
        match c {
            TaskCallback::Runner { runner, .. } => {
                self.async_stats.async1_resumptions += 1;
                let run = self.prelude_members()?.runner_run;
                self.call_method(run, &[runner]).map(|_| ())
            }
            TaskCallback::Action { action, context, flow, .. } => {
                self.contexts.execution = if flow { context } else { Value::Null };
                self.invoke(action, &[]).map(|_| ())
            }
            TaskCallback::Chain { head, source, context, .. } => self.run_chain(head, source, context),
            TaskCallback::ContinueWith { .. } | TaskCallback::Combinator { .. } => Ok(()),
        }
    }

    /// Posts a continuation to a SynchronizationContext: calls its (possibly
    /// user-overridden) `Post` with a callback that runs the continuation.
    pub fn post_continuation(&mut self, sync_ctx: Value, c: TaskCallback) -> Result<(), VmError> {
        let callback = self.continuation_callback(c)?;
        let post = self.resolve_virtual(self.prelude_members()?.post, sync_ctx)?;
        self.call_method(post, &[sync_ctx, callback, Value::Null]).map(|_| ())
    }

    /// Runs a `Task.Yield()` continuation later: posted to the current
    /// SynchronizationContext if there is one, else queued.
    pub fn schedule_yield(&mut self, c: TaskCallback) -> Result<(), VmError> {
        let sync_ctx = self.contexts.sync_ctx;
        if sync_ctx.is_null() {
            self.event_loop.enqueue(Work::Callback(c));
            return Ok(());
        }
        self.post_continuation(sync_ctx, c)
    }

    /// A `SendOrPostCallback` delegate that runs a continuation (on whatever
    /// context is current when it is invoked).
    fn continuation_callback(&mut self, c: TaskCallback) -> Result<Value, VmError> {
        let invoke = self.prelude_members()?.callback_invoke;
        self.continuation_delegate(c, invoke)
    }

    /// The same as an `Action` (for a user awaiter's `OnCompleted`).
    pub(crate) fn continuation_action(&mut self, c: TaskCallback) -> Result<Value, VmError> {
        let run = self.prelude_members()?.callback_run;
        self.continuation_delegate(c, run)
    }

    fn continuation_delegate(&mut self, c: TaskCallback, method: crate::bytecode::MethodId) -> Result<Value, VmError> {
        let rt = self.prelude_members()?;
        let boxed = Value::Obj(self.alloc(crate::object::native(TaskCallbackBox(c))));
        let obj = Value::Obj(self.new_instance(rt.callback_class));
        if let Some(Obj::Instance(i)) = obj.view() {
            self.set_field(i, 0, boxed);
        }
        Ok(Value::Obj(self.alloc(crate::object::delegate(method, obj))))
    }

    /// Called when one input of a combinator completes.
    pub(crate) fn combinator_input_done(&mut self, target: Value, input: Value) -> Result<(), VmError> {
        let Some(t) = task_ref(&target) else { return Ok(()) };
        if t.is_completed() {
            return Ok(());
        }
        let outcome = match t.extra(|e| e.combinator) {
            Combinator::WhenAll { remaining, with_results } => {
                let remaining = remaining.saturating_sub(1);
                t.extra_mut(|e| e.combinator = Combinator::WhenAll { remaining, with_results });
                if remaining > 0 {
                    return Ok(());
                }
                return self.finish_when_all(target, with_results);
            }
            Combinator::WhenAny => TaskOutcome::Result(input),
            Combinator::Unwrap => match task_ref(&input).and_then(Task::outcome) {
                Some(o) => o,
                None => return Ok(()),
            },
            Combinator::None => return Ok(()),
        };
        self.try_complete(target, outcome).map(|_| ())
    }

    /// `WhenAll` once every input has completed: faulted with all the
    /// inputs' exceptions, else canceled if one was, else the results.
    fn finish_when_all(&mut self, target: Value, with_results: bool) -> Result<(), VmError> {
        let inputs = task_ref(&target).map(|t| t.extra(|e| e.inputs.clone())).unwrap_or_default();
        let mut exceptions = Vec::new();
        let mut canceled = None;
        let mut results = Vec::new();
        for input in inputs.iter().filter_map(task_ref) {
            match input.outcome() {
                Some(TaskOutcome::Exception(_)) => exceptions.extend(input.exceptions()),
                Some(TaskOutcome::Canceled(e)) => canceled = Some(e),
                Some(TaskOutcome::Result(v)) => results.push(v),
                None => {}
            }
        }
        let outcome = if let Some(&first) = exceptions.first() {
            TaskOutcome::Exception(first)
        } else if let Some(e) = canceled {
            TaskOutcome::Canceled(e)
        } else if with_results {
            let elem = crate::program::BuiltinClass::Object.id();
            TaskOutcome::Result(Value::Obj(self.new_array(elem, &results)))
        } else {
            TaskOutcome::Result(Value::Null)
        };
        if !self.set_outcome(target, outcome)? {
            return Ok(());
        }
        if let Some(t) = task_ref(&target)
            && exceptions.len() > 1
        {
            t.extra_mut(|e| e.exceptions = exceptions);
        }
        self.run_continuations(target)
    }

    /// The value or exception of a completed task, as `GetResult` gives it:
    /// a faulted task rethrows its first exception, a canceled one its
    /// `OperationCanceledException` (a `TaskCanceledException` if it has none).
    pub fn task_result(&mut self, task: Value) -> Result<Value, VmError> {
        match task_ref(&task).map(Task::outcome) {
            None => Err(VmError::null_reference()),
            Some(Some(TaskOutcome::Result(v))) => Ok(v),
            Some(Some(TaskOutcome::Exception(e))) => Err(VmError::Exception(e)),
            Some(Some(TaskOutcome::Canceled(e))) if !e.is_null() => Err(VmError::Exception(e)),
            Some(Some(TaskOutcome::Canceled(_))) => {
                Err(VmError::throw("System.Threading.Tasks.TaskCanceledException", "A task was canceled."))
            }
            Some(None) => Err(VmError::throw("System.InvalidOperationException", "The task has not yet completed.")),
        }
    }
}

/// A task's continuations when there is more than one, or one that is not
/// a plain runner.
pub struct CallbackList(RefCell<Vec<TaskCallback>>);

impl NativeObject for CallbackList {
    fn type_name(&self) -> &'static str {
        "TaskContinuations"
    }
    fn trace(&self, t: &mut Tracer) {
        self.0.borrow().iter().for_each(|c| c.trace(t));
    }
    fn extra_bytes(&self) -> usize {
        self.0.borrow().capacity() * std::mem::size_of::<TaskCallback>()
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

/// A continuation boxed for the `ContinuationCallback` delegate.
pub struct TaskCallbackBox(pub TaskCallback);

impl NativeObject for TaskCallbackBox {
    fn type_name(&self) -> &'static str {
        "TaskCallback"
    }
    fn trace(&self, t: &mut Tracer) {
        self.0.trace(t);
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_task_is_small() {
        // Every suspended async1 frame has a task: its cell is the task.
        assert!(std::mem::size_of::<super::Task>() <= 64, "{}", std::mem::size_of::<super::Task>());
    }
}
