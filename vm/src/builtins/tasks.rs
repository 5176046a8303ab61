//! `Task`, `Task<T>`, their awaiters, `ValueTask`, `TaskCompletionSource`,
//! `Task.Yield`, `Task.Delay`, `Task.Run`, the combinators and
//! `ContinueWith`.
//!
//! Representation (each choice saves an allocation on the hot path):
//! - a `TaskAwaiter` *is* its task (in .NET it is a struct holding only the
//!   task), and a `TaskCompletionSource` is its task too;
//! - a completed `ValueTask` is its result itself, as .NET's struct holds
//!   it inline: `default(ValueTask<int>)` is `0`, `default(ValueTask)` and
//!   `ValueTask.CompletedTask` are `null`, and an `async ValueTask<T>` that
//!   completes synchronously allocates nothing. Otherwise (over a task, or
//!   a result that is itself a library awaitable, which would read as a
//!   `ValueTask` over it) a [`ValueTaskBox`]. Its awaiter is the same value,
//!   so only code that knows the static type is `ValueTask` (its natives, an
//!   await site that says so) may read a value as one: [`awaited_value_task`];
//! - `ConfigureAwait(b)` makes a [`Configured`] that is both the awaitable
//!   and its awaiter;
//! - `Task.Yield()` gives the [`YieldAwaitable`] (one per VM), also its own awaiter.

use crate::Vm;
use crate::error::VmError;
use crate::event_loop::Work;
use crate::tasks::{
    BuilderKind, Combinator, PendingStatus, Task, TaskCallback, TaskOutcome, TaskState, is_completed, task_ref,
};
use crate::value::{NativeObject, Obj, Tracer, Value};

use super::args::{NativeResult, arg, bool_arg, cast_error, int_arg, seq_arg};

/// `ValueTask` / `ValueTask<T>` and their awaiter.
pub struct ValueTaskBox {
    /// The task it wraps, or null when it holds `result`.
    pub task: Value,
    pub result: Value,
}

impl ValueTaskBox {
    /// A `ValueTask` on the heap, over `task`, or (`task` null) holding
    /// `result`: the one place the library and both backends make one.
    pub fn alloc(vm: &mut Vm, task: Value, result: Value) -> Value {
        Value::Obj(vm.alloc(crate::object::native(ValueTaskBox { task, result })))
    }

    /// A completed `ValueTask` holding `result`: the result itself, unless
    /// it is a library awaitable (then boxed, so that it does not read as a
    /// `ValueTask` over it).
    pub fn of_result(vm: &mut Vm, result: Value) -> Value {
        if is_library_awaitable(vm, result) { ValueTaskBox::alloc(vm, Value::Null, result) } else { result }
    }

    /// The task and result of a `ValueTask` value (see the module docs).
    pub fn parts(v: Value) -> (Value, Value) {
        match v.view().and_then(|o| o.native::<ValueTaskBox>()) {
            Some(b) => (b.task, b.result),
            None => (Value::Null, v),
        }
    }
}

/// A task, a boxed `ValueTask`, a `ConfigureAwait` form or `Task.Yield()`'s.
fn is_library_awaitable(vm: &Vm, v: Value) -> bool {
    let Some(o) = v.as_obj() else { return false };
    task_ref(&v).is_some()
        || o.native::<ValueTaskBox>().is_some()
        || o.native::<Configured>().is_some()
        || o.native::<YieldAwaitable>().is_some()
        || vm.yield_awaitable.as_obj().is_some_and(|y| crate::value::Gc::ptr_eq(o, y))
}

impl NativeObject for ValueTaskBox {
    fn type_name(&self) -> &'static str {
        "ValueTask`1"
    }
    fn trace(&self, t: &mut Tracer) {
        self.task.trace(t);
        self.result.trace(t);
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

/// `ConfigureAwait(b)`'s awaitable, which is also its awaiter.
pub struct Configured {
    /// A task or a `ValueTask`.
    pub inner: Value,
    pub continue_on_captured_context: bool,
    /// `inner` is a `ValueTask` (read with [`awaited_value_task`]).
    pub value_task: bool,
}

impl NativeObject for Configured {
    fn type_name(&self) -> &'static str {
        "ConfiguredTaskAwaitable"
    }
    fn trace(&self, t: &mut Tracer) {
        self.inner.trace(t);
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

/// `Task.Yield()`'s awaitable, which is also its awaiter.
pub struct YieldAwaitable;

impl NativeObject for YieldAwaitable {
    fn type_name(&self) -> &'static str {
        "YieldAwaitable"
    }
    fn trace(&self, _: &mut Tracer) {}
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

/// What an awaiter value waits for.
pub enum Awaited {
    /// A task, and whether to resume on the captured SynchronizationContext.
    Task(Value, bool),
    /// A value already there (a `ValueTask` made from a result).
    Done(Value),
    Yield,
}

/// Classifies a library awaiter (or awaitable: they are the same objects).
pub fn awaited(vm: &Vm, v: Value) -> Result<Awaited, VmError> {
    let Some(o) = v.as_obj() else {
        return Err(VmError::null_reference());
    };
    if task_ref(&v).is_some() {
        return Ok(Awaited::Task(v, true));
    }
    if let Some(y) = vm.yield_awaitable.as_obj()
        && crate::value::Gc::ptr_eq(o, y)
    {
        return Ok(Awaited::Yield);
    }
    if let Some(b) = o.native::<ValueTaskBox>() {
        return Ok(if b.task.is_null() { Awaited::Done(b.result) } else { Awaited::Task(b.task, true) });
    }
    if let Some(c) = o.native::<Configured>() {
        let inner = if c.value_task { awaited_value_task(vm, c.inner)? } else { awaited(vm, c.inner)? };
        return Ok(match inner {
            Awaited::Task(t, _) => Awaited::Task(t, c.continue_on_captured_context),
            other => other,
        });
    }
    if o.native::<YieldAwaitable>().is_some() {
        return Ok(Awaited::Yield);
    }
    Err(cast_error(vm, v, "System.Runtime.CompilerServices.TaskAwaiter"))
}

/// Classifies a `ValueTask` (or its awaiter, the same value): a completed
/// one is its result (see the module docs).
pub fn awaited_value_task(vm: &Vm, v: Value) -> Result<Awaited, VmError> {
    match v.view().and_then(|o| o.native::<ValueTaskBox>()) {
        Some(_) => awaited(vm, v),
        None => Ok(Awaited::Done(v)),
    }
}

fn task_of<'a>(vm: &Vm, args: &'a [Value], i: usize) -> Result<&'a Task, VmError> {
    args.get(i).and_then(task_ref).ok_or_else(|| cast_error(vm, arg(args, i), "System.Threading.Tasks.Task"))
}

// ---- Task: static members ------------------------------------------------

pub fn completed_task(vm: &mut Vm, _: &[Value]) -> NativeResult {
    Ok(vm.completed_task(Value::Null, false))
}

pub fn from_result(vm: &mut Vm, args: &[Value]) -> NativeResult {
    Ok(vm.completed_task(arg(args, 0), true))
}

pub fn from_exception(vm: &mut Vm, args: &[Value]) -> NativeResult {
    if arg(args, 0).is_null() {
        return Err(super::args::argument_null("exception"));
    }
    let t = vm.new_task(true, BuilderKind::None);
    vm.try_complete(t, TaskOutcome::Exception(arg(args, 0)))?;
    Ok(t)
}

pub fn from_canceled(vm: &mut Vm, _: &[Value]) -> NativeResult {
    let t = vm.new_task(true, BuilderKind::None);
    let e = vm.task_canceled_exception();
    vm.try_complete(t, TaskOutcome::Canceled(e))?;
    Ok(t)
}

/// `Task.Yield()`: one awaitable serves every call (it holds nothing).
pub fn yield_(vm: &mut Vm, _: &[Value]) -> NativeResult {
    if vm.yield_awaitable.is_null() {
        vm.yield_awaitable = Value::Obj(vm.alloc(crate::object::native(YieldAwaitable)));
    }
    Ok(vm.yield_awaitable)
}

pub fn delay(vm: &mut Vm, args: &[Value]) -> NativeResult {
    let ms = int_arg(vm, args, 0)?;
    if ms < -1 {
        return Err(super::args::out_of_range(
            "millisecondsDelay",
            "The value needs to be either -1 (signifying an infinite timeout), 0 or a positive integer.",
        ));
    }
    let token = arg(args, 1);
    if super::threading::token_is_canceled(token) {
        return from_canceled(vm, &[]);
    }
    if ms == 0 {
        return Ok(vm.completed_task(Value::Null, false));
    }
    let t = vm.new_task(false, BuilderKind::None);
    if ms > 0 {
        vm.event_loop.add_timer(ms as u64, Work::CompleteDelay { task: t });
    }
    if !token.is_null() {
        super::threading::register_cancel_task(vm, token, t)?;
    }
    Ok(t)
}

/// `Task.Run(Action)`, `Task.Run(Func<T>)`: queue the delegate.
pub fn run(vm: &mut Vm, args: &[Value]) -> NativeResult {
    run_with(vm, args, false, false)
}

pub fn run_func(vm: &mut Vm, args: &[Value]) -> NativeResult {
    run_with(vm, args, true, false)
}

/// `Task.Run(Func<Task>)`, `Task.Run(Func<Task<T>>)`: the returned task takes
/// the outcome of the task the delegate returns (unwrapping).
pub fn run_unwrap(vm: &mut Vm, args: &[Value]) -> NativeResult {
    run_with(vm, args, true, true)
}

fn run_with(vm: &mut Vm, args: &[Value], has_result: bool, unwrap: bool) -> NativeResult {
    let delegate = arg(args, 0);
    if delegate.is_null() {
        return Err(super::args::argument_null("action"));
    }
    let task = vm.new_task(has_result, BuilderKind::None);
    if let Some(t) = task_ref(&task) {
        t.pending_status.set(PendingStatus::WaitingToRun);
    }
    let context = vm.contexts.flowing();
    vm.event_loop.enqueue(Work::Invoke { delegate, arg: Value::Null, has_arg: false, context, task, unwrap });
    Ok(task)
}

/// The tasks passed to a combinator: one array or list argument, or several.
fn task_inputs(vm: &Vm, args: &[Value]) -> Result<Vec<Value>, VmError> {
    let items = if args.len() == 1 && task_ref(&args[0]).is_none() {
        seq_arg(vm, args, 0)?.borrow().clone()
    } else {
        args.to_vec()
    };
    for v in &items {
        if task_ref(v).is_none() {
            return Err(if v.is_null() {
                super::args::argument("The tasks argument included a null value.", "tasks")
            } else {
                cast_error(vm, *v, "System.Threading.Tasks.Task")
            });
        }
    }
    Ok(items)
}

pub fn when_all(vm: &mut Vm, args: &[Value]) -> NativeResult {
    when_all_with(vm, args, false)
}

pub fn when_all_results(vm: &mut Vm, args: &[Value]) -> NativeResult {
    when_all_with(vm, args, true)
}

fn when_all_with(vm: &mut Vm, args: &[Value], with_results: bool) -> NativeResult {
    // One count more than there are inputs keeps it pending until every
    // input is registered; the last line releases it.
    let target = combinator(vm, args, with_results, |n| Combinator::WhenAll { remaining: n + 1, with_results })?;
    vm.combinator_input_done(target, Value::Null)?;
    Ok(target)
}

pub fn when_any(vm: &mut Vm, args: &[Value]) -> NativeResult {
    if task_inputs(vm, args)?.is_empty() {
        return Err(super::args::argument("The tasks argument contains no tasks.", "tasks"));
    }
    combinator(vm, args, true, |_| Combinator::WhenAny)
}

/// A task that completes from its input tasks' completions.
fn combinator(vm: &mut Vm, args: &[Value], has_result: bool, kind: impl Fn(usize) -> Combinator) -> NativeResult {
    let inputs = task_inputs(vm, args)?;
    let target = vm.new_task(has_result, BuilderKind::None);
    if let Some(t) = task_ref(&target) {
        t.extra_mut(|e| {
            e.combinator = kind(inputs.len());
            e.inputs = inputs.clone();
        });
    }
    for i in inputs {
        vm.add_continuation(i, TaskCallback::Combinator { target })?;
    }
    Ok(target)
}

// ---- Task: instance members ----------------------------------------------

pub fn get_awaiter(_: &mut Vm, args: &[Value]) -> NativeResult {
    Ok(arg(args, 0))
}

pub fn configure_await(vm: &mut Vm, args: &[Value]) -> NativeResult {
    if arg(args, 0).is_null() {
        return Err(VmError::null_reference());
    }
    configured(vm, args, false)
}

fn configured(vm: &mut Vm, args: &[Value], value_task: bool) -> NativeResult {
    let inner = arg(args, 0);
    let continue_on_captured_context = bool_arg(vm, args, 1)?;
    let c = Configured { inner, continue_on_captured_context, value_task };
    Ok(Value::Obj(vm.alloc(crate::object::native(c))))
}

pub fn task_is_completed(vm: &mut Vm, args: &[Value]) -> NativeResult {
    Ok(Value::Bool(task_of(vm, args, 0)?.is_completed()))
}

pub fn is_completed_successfully(vm: &mut Vm, args: &[Value]) -> NativeResult {
    Ok(Value::Bool(task_of(vm, args, 0)?.state.get() == TaskState::RanToCompletion))
}

pub fn is_faulted(vm: &mut Vm, args: &[Value]) -> NativeResult {
    Ok(Value::Bool(task_of(vm, args, 0)?.state.get() == TaskState::Faulted))
}

pub fn is_canceled(vm: &mut Vm, args: &[Value]) -> NativeResult {
    Ok(Value::Bool(task_of(vm, args, 0)?.state.get() == TaskState::Canceled))
}

pub fn status(vm: &mut Vm, args: &[Value]) -> NativeResult {
    let name = task_of(vm, args, 0)?.status_name();
    vm.task_status(name)
}

/// `task.Exception`: an `AggregateException` of a faulted task's exceptions
/// (the same object every time), else null.
pub fn exception(vm: &mut Vm, args: &[Value]) -> NativeResult {
    let t = task_of(vm, args, 0)?;
    if t.state.get() != TaskState::Faulted {
        return Ok(Value::Null);
    }
    let cached = t.extra(|e| e.aggregate);
    if !cached.is_null() {
        return Ok(cached);
    }
    let inner = t.exceptions();
    let agg = vm.aggregate_exception(&inner);
    task_of(vm, args, 0)?.extra_mut(|e| e.aggregate = agg);
    Ok(agg)
}

/// `Result` and `Wait()`: run the event loop until the task completes, then
/// give its value or throw an `AggregateException` around its exceptions.
pub fn result(vm: &mut Vm, args: &[Value]) -> NativeResult {
    let task = arg(args, 0);
    task_of(vm, args, 0)?;
    vm.run_until_complete(task)?;
    match vm.task_result(task) {
        Ok(v) => Ok(v),
        Err(VmError::Exception(_) | VmError::Throw { .. }) => {
            let t = task_of(vm, args, 0)?;
            let mut inner = t.exceptions();
            if inner.is_empty() {
                inner.push(vm.task_canceled_exception());
            }
            Err(VmError::Exception(vm.aggregate_exception(&inner)))
        }
        Err(e) => Err(e),
    }
}

pub fn wait(vm: &mut Vm, args: &[Value]) -> NativeResult {
    result(vm, args).map(|_| Value::Null)
}

/// `ContinueWith(Action<Task>)` / `ContinueWith(Func<Task, T>)`: the callback
/// is queued when the task completes, with the ExecutionContext of now.
pub fn continue_with(vm: &mut Vm, args: &[Value]) -> NativeResult {
    continue_with_kind(vm, args, false)
}

pub fn continue_with_result(vm: &mut Vm, args: &[Value]) -> NativeResult {
    continue_with_kind(vm, args, true)
}

fn continue_with_kind(vm: &mut Vm, args: &[Value], has_result: bool) -> NativeResult {
    let task = arg(args, 0);
    task_of(vm, args, 0)?;
    let callback = arg(args, 1);
    if callback.is_null() {
        return Err(super::args::argument_null("continuationAction"));
    }
    let then = vm.new_task(has_result, BuilderKind::None);
    let context = vm.contexts.flowing();
    vm.add_continuation(task, TaskCallback::ContinueWith { callback, then, context })?;
    Ok(then)
}

// ---- awaiters --------------------------------------------------------------

/// `IsCompleted` of any library awaiter.
pub fn awaiter_is_completed(vm: &mut Vm, args: &[Value]) -> NativeResult {
    if let Some(t) = args.first().and_then(task_ref) {
        return Ok(Value::Bool(t.is_completed()));
    }
    Ok(Value::Bool(match awaited(vm, arg(args, 0))? {
        Awaited::Task(t, _) => is_completed(t),
        Awaited::Done(_) => true,
        Awaited::Yield => false,
    }))
}

/// `GetResult()` of any library awaiter: the value, or the task's exception
/// rethrown (with its stack trace continued, as `ExceptionDispatchInfo`
/// does). A pending task is waited for by running the event loop.
pub fn awaiter_get_result(vm: &mut Vm, args: &[Value]) -> NativeResult {
    vm.async_stats.awaits += 1;
    if let Some(t) = args.first().and_then(task_ref)
        && let Some(TaskOutcome::Result(v)) = t.outcome()
    {
        return Ok(v);
    }
    match awaited(vm, arg(args, 0))? {
        Awaited::Task(t, _) => {
            vm.run_until_complete(t)?;
            vm.task_result(t)
        }
        Awaited::Done(v) => Ok(v),
        Awaited::Yield => Ok(Value::Null),
    }
}

/// `OnCompleted(Action)`: flows the ExecutionContext to the action.
pub fn awaiter_on_completed(vm: &mut Vm, args: &[Value]) -> NativeResult {
    awaiter_register(vm, args, true)
}

/// `UnsafeOnCompleted(Action)`: does not flow the ExecutionContext.
pub fn awaiter_unsafe_on_completed(vm: &mut Vm, args: &[Value]) -> NativeResult {
    awaiter_register(vm, args, false)
}

fn awaiter_register(vm: &mut Vm, args: &[Value], flow: bool) -> NativeResult {
    let action = arg(args, 1);
    if action.is_null() {
        return Err(super::args::argument_null("continuation"));
    }
    let context = vm.contexts.flowing();
    match awaited(vm, arg(args, 0))? {
        Awaited::Task(t, capture) => {
            let sync_ctx = if capture { vm.contexts.sync_ctx } else { Value::Null };
            vm.add_continuation(t, TaskCallback::Action { action, context, flow, sync_ctx })?;
        }
        Awaited::Done(_) => {
            vm.invoke(action, &[])?;
        }
        Awaited::Yield => {
            let sync_ctx = vm.contexts.sync_ctx;
            vm.schedule_yield(TaskCallback::Action { action, context, flow, sync_ctx })?;
        }
    }
    Ok(Value::Null)
}

// ---- ValueTask -------------------------------------------------------------

pub fn value_task_from_result(vm: &mut Vm, args: &[Value]) -> NativeResult {
    let v = arg(args, 0);
    if task_ref(&v).is_some() {
        return Ok(ValueTaskBox::alloc(vm, v, Value::Null));
    }
    Ok(ValueTaskBox::of_result(vm, v))
}

pub fn value_task_from_task(vm: &mut Vm, args: &[Value]) -> NativeResult {
    task_of(vm, args, 0)?;
    Ok(ValueTaskBox::alloc(vm, arg(args, 0), Value::Null))
}

pub fn value_task_completed(_: &mut Vm, _: &[Value]) -> NativeResult {
    Ok(Value::Null)
}

/// A `ValueTask` property: the task's when it wraps one, else `done`'s.
fn value_task_prop(vm: &mut Vm, args: &[Value], done: bool, task_prop: crate::native::defs::NativeFn) -> NativeResult {
    let (task, _) = ValueTaskBox::parts(arg(args, 0));
    if task.is_null() { Ok(Value::Bool(done)) } else { task_prop(vm, &[task]) }
}

pub fn value_task_configure_await(vm: &mut Vm, args: &[Value]) -> NativeResult {
    configured(vm, args, true)
}

/// The `ValueTaskAwaiter` members: a completed `ValueTask` (its result)
/// answers at once; a boxed one is a library awaiter like the others.
pub fn value_task_awaiter_is_completed(vm: &mut Vm, args: &[Value]) -> NativeResult {
    match awaited_value_task(vm, arg(args, 0))? {
        Awaited::Done(_) => Ok(Value::Bool(true)),
        _ => awaiter_is_completed(vm, args),
    }
}

pub fn value_task_awaiter_get_result(vm: &mut Vm, args: &[Value]) -> NativeResult {
    match awaited_value_task(vm, arg(args, 0))? {
        Awaited::Done(v) => {
            vm.async_stats.awaits += 1;
            Ok(v)
        }
        _ => awaiter_get_result(vm, args),
    }
}

pub fn value_task_awaiter_on_completed(vm: &mut Vm, args: &[Value]) -> NativeResult {
    value_task_awaiter_register(vm, args, awaiter_on_completed)
}

pub fn value_task_awaiter_unsafe_on_completed(vm: &mut Vm, args: &[Value]) -> NativeResult {
    value_task_awaiter_register(vm, args, awaiter_unsafe_on_completed)
}

fn value_task_awaiter_register(vm: &mut Vm, args: &[Value], boxed: crate::native::defs::NativeFn) -> NativeResult {
    match awaited_value_task(vm, arg(args, 0))? {
        Awaited::Done(_) => {
            let action = arg(args, 1);
            if action.is_null() {
                return Err(super::args::argument_null("continuation"));
            }
            vm.invoke(action, &[])?;
            Ok(Value::Null)
        }
        _ => boxed(vm, args),
    }
}

pub fn value_task_is_completed(vm: &mut Vm, args: &[Value]) -> NativeResult {
    value_task_prop(vm, args, true, task_is_completed)
}

pub fn value_task_is_completed_successfully(vm: &mut Vm, args: &[Value]) -> NativeResult {
    value_task_prop(vm, args, true, is_completed_successfully)
}

pub fn value_task_is_faulted(vm: &mut Vm, args: &[Value]) -> NativeResult {
    value_task_prop(vm, args, false, is_faulted)
}

pub fn value_task_is_canceled(vm: &mut Vm, args: &[Value]) -> NativeResult {
    value_task_prop(vm, args, false, is_canceled)
}

pub fn value_task_result(vm: &mut Vm, args: &[Value]) -> NativeResult {
    let (task, v) = ValueTaskBox::parts(arg(args, 0));
    if task.is_null() { Ok(v) } else { awaiter_get_result(vm, &[task]) }
}

pub fn value_task_as_task(vm: &mut Vm, args: &[Value]) -> NativeResult {
    let (task, v) = ValueTaskBox::parts(arg(args, 0));
    if task.is_null() { Ok(vm.completed_task(v, true)) } else { Ok(task) }
}

// ---- TaskCompletionSource (which is its task) -----------------------------

pub fn tcs_new(vm: &mut Vm, _: &[Value]) -> NativeResult {
    Ok(vm.new_task(true, BuilderKind::None))
}

fn tcs_set(vm: &mut Vm, args: &[Value], outcome: TaskOutcome, try_: bool) -> NativeResult {
    task_of(vm, args, 0)?;
    let done = vm.try_complete(arg(args, 0), outcome)?;
    if try_ {
        return Ok(Value::Bool(done));
    }
    if !done {
        return Err(VmError::throw(
            "System.InvalidOperationException",
            "An attempt was made to transition a task to a final state when it had already completed.",
        ));
    }
    Ok(Value::Null)
}

pub fn tcs_set_result(vm: &mut Vm, args: &[Value]) -> NativeResult {
    tcs_set(vm, args, TaskOutcome::Result(arg(args, 1)), false)
}

pub fn tcs_try_set_result(vm: &mut Vm, args: &[Value]) -> NativeResult {
    tcs_set(vm, args, TaskOutcome::Result(arg(args, 1)), true)
}

fn exception_arg(args: &[Value]) -> Result<Value, VmError> {
    let e = arg(args, 1);
    if e.is_null() { Err(super::args::argument_null("exception")) } else { Ok(e) }
}

pub fn tcs_set_exception(vm: &mut Vm, args: &[Value]) -> NativeResult {
    let e = exception_arg(args)?;
    tcs_set(vm, args, TaskOutcome::Exception(e), false)
}

pub fn tcs_try_set_exception(vm: &mut Vm, args: &[Value]) -> NativeResult {
    let e = exception_arg(args)?;
    tcs_set(vm, args, TaskOutcome::Exception(e), true)
}

pub fn tcs_set_canceled(vm: &mut Vm, args: &[Value]) -> NativeResult {
    let e = vm.task_canceled_exception();
    tcs_set(vm, args, TaskOutcome::Canceled(e), false)
}

pub fn tcs_try_set_canceled(vm: &mut Vm, args: &[Value]) -> NativeResult {
    let e = vm.task_canceled_exception();
    tcs_set(vm, args, TaskOutcome::Canceled(e), true)
}

impl Vm {
    /// An `AggregateException` around `inner` (its `InnerException` is the first).
    pub fn aggregate_exception(&mut self, inner: &[Value]) -> Value {
        let agg = self.new_exception("System.AggregateException", "One or more errors occurred.");
        let list = Value::Obj(self.alloc(crate::object::list(inner.to_vec())));
        if let Some(Obj::Instance(i)) = agg.view()
            && let Ok(rt) = self.prelude_members()
        {
            self.set_field(i, rt.inner_exceptions_slot, list);
        }
        if let Some(first) = inner.first() {
            self.set_inner_exception(agg, *first);
        }
        agg
    }

    /// A new `TaskCanceledException` with .NET's message.
    pub fn task_canceled_exception(&mut self) -> Value {
        self.new_exception("System.Threading.Tasks.TaskCanceledException", "A task was canceled.")
    }
}
