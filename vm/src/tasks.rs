//! Tasks: the one promise type that both backends complete and await.
//!
//! Invariants:
//! - A task completes at most once: `Pending` → `RanToCompletion`,
//!   `Faulted` or `Canceled`, never back. `try_complete` is the only way out
//!   of `Pending`.
//! - Continuations are registered only while the task is pending; the
//!   completer runs them in registration order (LANGUAGE.md "Scheduling"),
//!   each with its own contexts (see [`Vm::run_continuation`]), taking each
//!   off the list as it starts; the one running is kept in `temp_roots` (a
//!   collection during one continuation must free neither it nor the next).
//! - Everything a task holds is a `Value` it traces: result, exceptions,
//!   continuations, and, for the task of an async1 method, the state machine's
//!   `MoveNextRunner`.
//!
//! The task of an async1 method is its builder too (`<>t__builder` holds it),
//! as .NET Core's `AsyncStateMachineBox<T>` is both the task and the box that
//! holds the state machine: one allocation instead of three.

use std::cell::{Cell, RefCell};

use crate::Vm;
use crate::error::VmError;
use crate::value::{Gc, NativeObject, Obj, Tracer, Value};

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

/// Work to do when a task completes.
#[derive(Clone, Copy, Debug)]
pub enum Continuation {
    /// Resume an async1 state machine: call `MoveNextRunner.Run` on `runner`
    /// (which restores the ExecutionContext the runner captured).
    Runner { runner: Value, sync_ctx: Value },
    /// Invoke an `Action` (from `OnCompleted`/`UnsafeOnCompleted`), under
    /// `context` when `flow` (OnCompleted flows the ExecutionContext,
    /// UnsafeOnCompleted does not).
    Action { action: Value, context: Value, flow: bool, sync_ctx: Value },
    /// `ContinueWith`: enqueue `callback(task)` and finish `then` with it.
    ContinueWith { callback: Value, then: Value, context: Value },
    /// A combinator (`WhenAll`, `WhenAny`, `Unwrap`) waiting on this task.
    Combinator { target: Value },
}

impl Continuation {
    pub fn trace(&self, t: &mut Tracer) {
        match self {
            Continuation::Runner { runner, sync_ctx } => {
                runner.trace(t);
                sync_ctx.trace(t);
            }
            Continuation::Action { action, context, sync_ctx, .. } => {
                action.trace(t);
                context.trace(t);
                sync_ctx.trace(t);
            }
            Continuation::ContinueWith { callback, then, context } => {
                callback.trace(t);
                then.trace(t);
                context.trace(t);
            }
            Continuation::Combinator { target } => target.trace(t),
        }
    }

    /// The SynchronizationContext it must resume on (null: any).
    fn sync_ctx(&self) -> Value {
        match self {
            Continuation::Runner { sync_ctx, .. } | Continuation::Action { sync_ctx, .. } => *sync_ctx,
            _ => Value::Null,
        }
    }
}

/// What a combinator task is waiting for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Combinator {
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

/// `System.Threading.Tasks.Task` / `Task<T>` (and an async method's builder).
pub struct Task {
    pub state: Cell<TaskState>,
    pub pending_status: Cell<PendingStatus>,
    pub result: Cell<Value>,
    /// `Faulted`: the exceptions (one for a method's task, several for
    /// `WhenAll`); `Canceled`: the `OperationCanceledException`, if any.
    pub exceptions: RefCell<Vec<Value>>,
    pub continuations: RefCell<Vec<Continuation>>,
    /// `Task<T>` (has a `Result`).
    pub has_result: bool,
    pub builder: BuilderKind,
    /// async1: the state machine's `MoveNextRunner`, made at its first
    /// suspension and reused by every later one.
    pub runner: Cell<Value>,
    /// Combinators: the input tasks (`WhenAll`, `WhenAny`).
    pub inputs: RefCell<Vec<Value>>,
    pub combinator: Cell<Combinator>,
    /// The `AggregateException` that `Exception` returns, made once.
    pub aggregate: Cell<Value>,
}

impl Task {
    pub fn new(has_result: bool, builder: BuilderKind) -> Task {
        Task {
            state: Cell::new(TaskState::Pending),
            pending_status: Cell::new(PendingStatus::WaitingForActivation),
            result: Cell::new(Value::Null),
            exceptions: RefCell::new(Vec::new()),
            continuations: RefCell::new(Vec::new()),
            has_result,
            builder,
            runner: Cell::new(Value::Null),
            inputs: RefCell::new(Vec::new()),
            combinator: Cell::new(Combinator::None),
            aggregate: Cell::new(Value::Null),
        }
    }

    pub fn completed(result: Value, has_result: bool) -> Task {
        let t = Task::new(has_result, BuilderKind::None);
        t.state.set(TaskState::RanToCompletion);
        t.result.set(result);
        t
    }

    pub fn is_completed(&self) -> bool {
        self.state.get() != TaskState::Pending
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
}

impl NativeObject for Task {
    fn type_name(&self) -> &'static str {
        if self.has_result { "Task`1" } else { "Task" }
    }
    fn trace(&self, t: &mut Tracer) {
        self.result.get().trace(t);
        self.runner.get().trace(t);
        self.aggregate.get().trace(t);
        self.exceptions.borrow().iter().for_each(|v| v.trace(t));
        self.inputs.borrow().iter().for_each(|v| v.trace(t));
        self.continuations.borrow().iter().for_each(|c| c.trace(t));
    }
    fn extra_bytes(&self) -> usize {
        self.continuations.borrow().capacity() * std::mem::size_of::<Continuation>()
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

/// The task a value holds, if it is one.
pub fn as_task(v: Value) -> Option<Gc<Obj>> {
    let o = v.as_obj()?;
    o.native::<Task>().is_some().then_some(o)
}

/// How a task ends.
#[derive(Clone, Copy, Debug)]
pub enum Outcome {
    Result(Value),
    Exception(Value),
    Canceled(Value),
}

impl Vm {
    pub fn new_task(&mut self, has_result: bool, builder: BuilderKind) -> Value {
        self.async_stats.tasks += 1;
        Value::Obj(self.alloc(Obj::Native(Box::new(Task::new(has_result, builder)))))
    }

    pub fn completed_task(&mut self, result: Value, has_result: bool) -> Value {
        self.async_stats.tasks += 1;
        Value::Obj(self.alloc(Obj::Native(Box::new(Task::completed(result, has_result)))))
    }

    /// Completes a pending task and runs its continuations. `false` (and
    /// nothing happens) when it had already completed.
    pub fn try_complete(&mut self, task: Value, outcome: Outcome) -> Result<bool, VmError> {
        if !self.set_outcome(task, outcome)? {
            return Ok(false);
        }
        self.run_continuations(task)?;
        Ok(true)
    }

    /// Completes a pending task without running its continuations (the
    /// async1 builder's `SetResult`: the generated code runs them next, from
    /// bytecode). `false` when it had already completed.
    pub fn set_outcome(&mut self, task: Value, outcome: Outcome) -> Result<bool, VmError> {
        let Some(o) = as_task(task) else {
            return Err(VmError::null_reference());
        };
        let Some(t) = o.native::<Task>() else {
            return Ok(false);
        };
        if t.is_completed() {
            return Ok(false);
        }
        match outcome {
            Outcome::Result(v) => {
                t.result.set(v);
                t.state.set(TaskState::RanToCompletion);
            }
            Outcome::Exception(e) => {
                t.exceptions.borrow_mut().push(e);
                t.state.set(TaskState::Faulted);
            }
            Outcome::Canceled(e) => {
                if !e.is_null() {
                    t.exceptions.borrow_mut().push(e);
                }
                t.state.set(TaskState::Canceled);
            }
        }
        Ok(true)
    }

    /// The next continuation of a completed task that the caller should run
    /// itself, as bytecode: a state machine's runner that may run inline
    /// (its SynchronizationContext is installed, to be restored by the
    /// caller). Every other continuation met on the way is run (or queued,
    /// or posted) here. `null` when none is left. This is what
    /// `AsyncMethodBuilderCore.RunContinuations` loops over, so a chain of
    /// completions runs on the interpreter's frame stack, not Rust's.
    pub fn next_inline_runner(&mut self, task: Value) -> Result<Value, VmError> {
        let Some(o) = as_task(task) else {
            return Err(VmError::null_reference());
        };
        loop {
            let Some(t) = o.native::<Task>() else {
                return Ok(Value::Null);
            };
            if !t.is_completed() {
                return Ok(Value::Null);
            }
            let next = {
                let mut list = t.continuations.borrow_mut();
                if list.is_empty() { None } else { Some(list.remove(0)) }
            };
            let Some(c) = next else {
                return Ok(Value::Null);
            };
            if let Continuation::Runner { runner, sync_ctx } = c {
                let current = self.contexts.sync_ctx;
                let inline =
                    (sync_ctx.is_null() && current.is_null()) || (!sync_ctx.is_null() && sync_ctx.equals(current));
                if inline {
                    self.contexts.sync_ctx = sync_ctx;
                    self.async_stats.resumptions += 1;
                    return Ok(runner);
                }
            }
            self.run_rooted(task, c)?;
        }
    }

    /// Faults a pending task with several exceptions at once (`WhenAll`).
    pub fn fault_with_all(&mut self, task: Value, exceptions: Vec<Value>) -> Result<(), VmError> {
        let Some(o) = as_task(task) else {
            return Ok(());
        };
        let Some(t) = o.native::<Task>() else {
            return Ok(());
        };
        if t.is_completed() {
            return Ok(());
        }
        *t.exceptions.borrow_mut() = exceptions;
        t.state.set(TaskState::Faulted);
        self.run_continuations(task)
    }

    /// Runs a completed task's continuations in registration order.
    fn run_continuations(&mut self, task: Value) -> Result<(), VmError> {
        let Some(o) = as_task(task) else {
            return Ok(());
        };
        loop {
            let Some(t) = o.native::<Task>() else {
                return Ok(());
            };
            let next = {
                let mut list = t.continuations.borrow_mut();
                if list.is_empty() { None } else { Some(list.remove(0)) }
            };
            let Some(c) = next else { return Ok(()) };
            self.run_rooted(task, c)?;
        }
    }

    /// Runs a continuation taken off its task's list, keeping the task and
    /// the continuation's values rooted while it runs.
    fn run_rooted(&mut self, task: Value, c: Continuation) -> Result<(), VmError> {
        let mark = self.temp_roots.len();
        self.temp_roots.push(task);
        match c {
            Continuation::Runner { runner, sync_ctx } => self.temp_roots.extend([runner, sync_ctx]),
            Continuation::Action { action, context, sync_ctx, .. } => {
                self.temp_roots.extend([action, context, sync_ctx])
            }
            Continuation::ContinueWith { callback, then, context } => self.temp_roots.extend([callback, then, context]),
            Continuation::Combinator { target } => self.temp_roots.push(target),
        }
        let r = self.run_continuation(task, c);
        self.temp_roots.truncate(mark);
        r
    }

    /// Registers a continuation, or runs it now if the task has completed.
    pub fn add_continuation(&mut self, task: Value, c: Continuation) -> Result<(), VmError> {
        let Some(o) = as_task(task) else {
            return Err(VmError::null_reference());
        };
        let Some(t) = o.native::<Task>() else {
            return Ok(());
        };
        if t.is_completed() {
            return self.run_continuation(task, c);
        }
        t.continuations.borrow_mut().push(c);
        Ok(())
    }

    /// Runs one continuation of `task` (completed) where LANGUAGE.md
    /// "Scheduling" says: posted to a captured SynchronizationContext that is
    /// not the current one; queued when it captured none but a context is
    /// current, or when inline continuations nest too deep (as .NET does when
    /// `TryEnsureSufficientExecutionStack` fails); otherwise inline, with its
    /// own contexts, restoring the completer's afterwards.
    pub fn run_continuation(&mut self, task: Value, c: Continuation) -> Result<(), VmError> {
        match c {
            Continuation::ContinueWith { callback, then, context } => {
                self.event_loop.enqueue(crate::event_loop::Work::ContinueWith {
                    callback,
                    antecedent: task,
                    then,
                    context,
                });
                return Ok(());
            }
            Continuation::Combinator { target } => return self.combinator_input_done(target, task),
            _ => {}
        }
        let sync_ctx = c.sync_ctx();
        if !sync_ctx.is_null() && !sync_ctx.equals(self.contexts.sync_ctx) {
            return self.post_continuation(sync_ctx, c);
        }
        if (sync_ctx.is_null() && !self.contexts.sync_ctx.is_null()) || self.inline_depth >= MAX_INLINE_CONTINUATIONS {
            self.event_loop.enqueue(crate::event_loop::Work::Continuation(c));
            return Ok(());
        }
        self.inline_depth += 1;
        let r = self.invoke_continuation(c, sync_ctx);
        self.inline_depth -= 1;
        r
    }

    /// Runs a continuation now, with its contexts, restoring the current ones after.
    pub fn invoke_continuation(&mut self, c: Continuation, sync_ctx: Value) -> Result<(), VmError> {
        let saved = self.contexts.clone();
        self.contexts.sync_ctx = sync_ctx;
        let r = match c {
            Continuation::Runner { runner, .. } => {
                self.async_stats.resumptions += 1;
                let run = self.runtime_method("MoveNextRunner", "Run")?;
                self.call_method(run, &[runner]).map(|_| ())
            }
            Continuation::Action { action, context, flow, .. } => {
                self.contexts.execution = if flow { context } else { Value::Null };
                self.invoke(action, &[]).map(|_| ())
            }
            Continuation::ContinueWith { .. } | Continuation::Combinator { .. } => Ok(()),
        };
        self.contexts = saved;
        r
    }

    /// Posts a continuation to a SynchronizationContext: calls its (possibly
    /// user-overridden) `Post` with a callback that runs the continuation.
    fn post_continuation(&mut self, sync_ctx: Value, c: Continuation) -> Result<(), VmError> {
        let callback = self.continuation_callback(c)?;
        let post = self.runtime_method("SynchronizationContext", "Post")?;
        let post = self.resolve_virtual_pub(post, sync_ctx)?;
        self.call_method(post, &[sync_ctx, callback, Value::Null]).map(|_| ())
    }

    /// A `SendOrPostCallback` delegate that runs a continuation (on whatever
    /// context is current when it is invoked).
    pub fn continuation_callback(&mut self, c: Continuation) -> Result<Value, VmError> {
        let (class, method) = self.runtime_class_method("ContinuationCallback", "Invoke")?;
        let obj = self.new_runtime_instance(class);
        let boxed = self.alloc(Obj::Native(Box::new(ContinuationBox(c))));
        if let Some(i) = obj.as_obj()
            && let Obj::Instance(inst) = &*i
        {
            inst.set(0, Value::Obj(boxed));
        }
        Ok(Value::Obj(self.alloc(Obj::Delegate { method, target: obj })))
    }

    /// Called when one input of a combinator completes.
    pub(crate) fn combinator_input_done(&mut self, target: Value, input: Value) -> Result<(), VmError> {
        let Some(o) = as_task(target) else {
            return Ok(());
        };
        let Some(t) = o.native::<Task>() else {
            return Ok(());
        };
        if t.is_completed() {
            return Ok(());
        }
        match t.combinator.get() {
            Combinator::WhenAll { remaining, with_results } => {
                let remaining = remaining.saturating_sub(1);
                t.combinator.set(Combinator::WhenAll { remaining, with_results });
                if remaining > 0 {
                    return Ok(());
                }
                let inputs = t.inputs.borrow().clone();
                let mut exceptions = Vec::new();
                let mut canceled = None;
                let mut results = Vec::new();
                for i in &inputs {
                    let Some(it) = i.as_obj() else { continue };
                    let Some(it) = it.native::<Task>() else {
                        continue;
                    };
                    match it.state.get() {
                        TaskState::Faulted => exceptions.extend(it.exceptions.borrow().iter().copied()),
                        TaskState::Canceled => {
                            canceled = Some(it.exceptions.borrow().first().copied().unwrap_or(Value::Null))
                        }
                        _ => results.push(it.result.get()),
                    }
                }
                if !exceptions.is_empty() {
                    self.fault_with_all(target, exceptions)
                } else if let Some(e) = canceled {
                    self.try_complete(target, Outcome::Canceled(e)).map(|_| ())
                } else {
                    let result = if with_results {
                        let elem = crate::program::BuiltinClass::Object.id();
                        Value::Obj(self.alloc(Obj::Array { elem, items: RefCell::new(results) }))
                    } else {
                        Value::Null
                    };
                    self.try_complete(target, Outcome::Result(result)).map(|_| ())
                }
            }
            Combinator::WhenAny => self.try_complete(target, Outcome::Result(input)).map(|_| ()),
            Combinator::Unwrap => {
                let Some(it) = input.as_obj() else {
                    return Ok(());
                };
                let Some(it) = it.native::<Task>() else {
                    return Ok(());
                };
                let outcome = match it.state.get() {
                    TaskState::RanToCompletion => Outcome::Result(it.result.get()),
                    TaskState::Faulted => {
                        Outcome::Exception(it.exceptions.borrow().first().copied().unwrap_or(Value::Null))
                    }
                    _ => Outcome::Canceled(it.exceptions.borrow().first().copied().unwrap_or(Value::Null)),
                };
                self.try_complete(target, outcome).map(|_| ())
            }
            Combinator::None => Ok(()),
        }
    }

    /// The value or exception of a completed task, as `GetResult` gives it:
    /// a faulted task rethrows its first exception, a canceled one a
    /// `TaskCanceledException`.
    pub fn task_result(&mut self, task: Value) -> Result<Value, VmError> {
        let Some(o) = as_task(task) else {
            return Err(VmError::null_reference());
        };
        let Some(t) = o.native::<Task>() else {
            return Err(VmError::null_reference());
        };
        match t.state.get() {
            TaskState::RanToCompletion => Ok(t.result.get()),
            TaskState::Faulted => {
                let e = t.exceptions.borrow().first().copied().unwrap_or(Value::Null);
                Err(VmError::Exception(e))
            }
            TaskState::Canceled => {
                let e = t.exceptions.borrow().first().copied();
                match e {
                    Some(e) if !e.is_null() => Err(VmError::Exception(e)),
                    _ => Err(VmError::throw("System.Threading.Tasks.TaskCanceledException", "A task was canceled.")),
                }
            }
            TaskState::Pending => {
                Err(VmError::throw("System.InvalidOperationException", "The task has not yet completed."))
            }
        }
    }
}

/// How many continuations may run inline inside each other before the next
/// one is queued instead (bounds the Rust stack; .NET does the same when its
/// stack guard says the stack is getting deep).
pub const MAX_INLINE_CONTINUATIONS: usize = 64;

/// A continuation boxed for the `ContinuationCallback` delegate.
pub struct ContinuationBox(pub Continuation);

impl NativeObject for ContinuationBox {
    fn type_name(&self) -> &'static str {
        "Continuation"
    }
    fn trace(&self, t: &mut Tracer) {
        self.0.trace(t);
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}
