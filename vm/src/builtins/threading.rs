//! `System.Threading`: cancellation, `AsyncLocal<T>`,
//! `SynchronizationContext`, `ThreadPool`, `Lazy<T>`, and the context
//! primitives the prelude's `AsyncMethodBuilderCore` and `MoveNextRunner`
//! are written with.

use std::cell::{Cell, RefCell};

use crate::Vm;
use crate::contexts::ExecutionContext;
use crate::error::VmError;
use crate::event_loop::Work;
use crate::tasks::{TaskCallback, TaskCallbackBox, TaskOutcome};
use crate::value::{NativeObject, Tracer, Value};

use super::args::{NativeResult, arg, cast_error, int_arg, native_this, obj_arg};

// ---- cancellation ----------------------------------------------------------

/// What `Cancel` does, besides setting the flag.
#[derive(Clone, Copy)]
enum Registration {
    /// `token.Register(callback)`: an `Action` run under the
    /// ExecutionContext of its registration.
    Callback(TaskCallback),
    /// A `Task.Delay(ms, token)`: canceled.
    CancelTask(Value),
}

/// A `CancellationTokenSource`; its `CancellationToken` is the same object
/// (`CancellationToken.None` is null).
#[derive(Default)]
pub struct CancellationSource {
    canceled: Cell<bool>,
    registrations: RefCell<Vec<Registration>>,
}

impl NativeObject for CancellationSource {
    fn type_name(&self) -> &'static str {
        "CancellationTokenSource"
    }
    fn trace(&self, t: &mut Tracer) {
        for r in self.registrations.borrow().iter() {
            match r {
                Registration::Callback(c) => c.trace(t),
                Registration::CancelTask(task) => task.trace(t),
            }
        }
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

/// Runs `f` on the source behind a token (or source) value, if it is one.
fn with_source<R>(v: Value, f: impl FnOnce(&CancellationSource) -> R) -> Option<R> {
    let o = v.as_obj()?;
    o.native::<CancellationSource>().map(f)
}

/// Whether a token (or source) has been canceled; `None` (null) never is.
pub fn token_is_canceled(token: Value) -> bool {
    with_source(token, |s| s.canceled.get()).unwrap_or(false)
}

/// Makes `Cancel` cancel `task` (a `Task.Delay` with a token).
pub fn register_cancel_task(vm: &mut Vm, token: Value, task: Value) -> Result<(), VmError> {
    with_source(token, |s| {
        crate::object::touch(crate::object::native_owner(s));
        s.registrations.borrow_mut().push(Registration::CancelTask(task))
    })
    .ok_or_else(|| cast_error(vm, token, "System.Threading.CancellationToken"))
}

pub fn cts_new(vm: &mut Vm, _: &[Value]) -> NativeResult {
    Ok(Value::Obj(vm.alloc(crate::object::native(CancellationSource::default()))))
}

pub fn cts_new_after(vm: &mut Vm, args: &[Value]) -> NativeResult {
    let ms = int_arg(vm, args, 0)?;
    let source = cts_new(vm, &[])?;
    if ms >= 0 {
        vm.event_loop.add_timer(ms as u64, Work::Cancel { source });
    }
    Ok(source)
}

fn this_source<'a>(vm: &Vm, args: &'a [Value]) -> Result<&'a CancellationSource, VmError> {
    native_this(vm, args, "System.Threading.CancellationTokenSource")
}

pub fn cts_token(vm: &mut Vm, args: &[Value]) -> NativeResult {
    this_source(vm, args)?;
    Ok(arg(args, 0))
}

pub fn cts_cancel(vm: &mut Vm, args: &[Value]) -> NativeResult {
    this_source(vm, args)?;
    vm.cancel_source(arg(args, 0))?;
    Ok(Value::Null)
}

pub fn cts_cancel_after(vm: &mut Vm, args: &[Value]) -> NativeResult {
    this_source(vm, args)?;
    let ms = int_arg(vm, args, 1)?;
    if ms < -1 {
        return Err(super::args::out_of_range(
            "millisecondsDelay",
            "The value needs to be either -1 (signifying an infinite timeout), 0 or a positive integer.",
        ));
    }
    if ms >= 0 {
        vm.event_loop.add_timer(ms as u64, Work::Cancel { source: arg(args, 0) });
    }
    Ok(Value::Null)
}

pub fn dispose(_: &mut Vm, _: &[Value]) -> NativeResult {
    Ok(Value::Null)
}

pub fn token_none(_: &mut Vm, _: &[Value]) -> NativeResult {
    Ok(Value::Null)
}

pub fn token_is_cancellation_requested(_: &mut Vm, args: &[Value]) -> NativeResult {
    Ok(Value::Bool(token_is_canceled(arg(args, 0))))
}

pub fn token_can_be_canceled(_: &mut Vm, args: &[Value]) -> NativeResult {
    Ok(Value::Bool(with_source(arg(args, 0), |_| ()).is_some()))
}

pub fn token_throw_if_cancellation_requested(_: &mut Vm, args: &[Value]) -> NativeResult {
    if token_is_canceled(arg(args, 0)) {
        return Err(VmError::throw("System.OperationCanceledException", "The operation was canceled."));
    }
    Ok(Value::Null)
}

/// `token.Register(callback)`: runs now if already canceled.
pub fn token_register(vm: &mut Vm, args: &[Value]) -> NativeResult {
    let callback = arg(args, 1);
    if callback.is_null() {
        return Err(super::args::argument_null("callback"));
    }
    let context = vm.contexts.flowing();
    let registered = with_source(arg(args, 0), |s| {
        let pending = !s.canceled.get();
        if pending {
            let c = TaskCallback::Action { action: callback, context, flow: true, sync_ctx: Value::Null };
            crate::object::touch(crate::object::native_owner(s));
            s.registrations.borrow_mut().push(Registration::Callback(c));
        }
        pending
    });
    if registered == Some(false) {
        vm.invoke(callback, &[])?;
    }
    Ok(Value::Null)
}

impl Vm {
    /// `Cancel()`: sets the flag, then runs the registrations, the latest
    /// first (as .NET does). Callbacks' exceptions propagate.
    pub fn cancel_source(&mut self, source: Value) -> Result<(), VmError> {
        if with_source(source, |s| s.canceled.replace(true)) != Some(false) {
            return Ok(());
        }
        loop {
            let Some(Some(r)) = with_source(source, |s| s.registrations.borrow_mut().pop()) else {
                return Ok(());
            };
            // Taken off the source: rooted while it runs.
            match r {
                Registration::Callback(c) => {
                    let sync_ctx = self.contexts.sync_ctx;
                    self.root(c.values()).invoke_continuation(c, sync_ctx)?;
                }
                Registration::CancelTask(task) => {
                    let mut vm = self.root([task]);
                    let e = vm.task_canceled_exception();
                    vm.try_complete(task, TaskOutcome::Canceled(e))?;
                }
            }
        }
    }
}

// ---- AsyncLocal<T> ---------------------------------------------------------

/// `new AsyncLocal<T>()`: the compiler passes `default(T)`, which `Value`
/// reads as when nothing is set.
pub struct AsyncLocalBox {
    default: Value,
}

impl NativeObject for AsyncLocalBox {
    fn type_name(&self) -> &'static str {
        "AsyncLocal`1"
    }
    fn trace(&self, t: &mut Tracer) {
        self.default.trace(t);
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

pub fn async_local_new(vm: &mut Vm, args: &[Value]) -> NativeResult {
    Ok(Value::Obj(vm.alloc(crate::object::native(AsyncLocalBox { default: arg(args, 0) }))))
}

pub fn async_local_get(vm: &mut Vm, args: &[Value]) -> NativeResult {
    let local: &AsyncLocalBox = native_this(vm, args, "System.Threading.AsyncLocal`1")?;
    let default = local.default;
    Ok(ExecutionContext::get(vm.contexts.execution, arg(args, 0)).unwrap_or(default))
}

pub fn async_local_set(vm: &mut Vm, args: &[Value]) -> NativeResult {
    let _: &AsyncLocalBox = native_this(vm, args, "System.Threading.AsyncLocal`1")?;
    let ec = ExecutionContext::with(vm.contexts.execution, arg(args, 0), arg(args, 1));
    vm.contexts.execution = Value::Obj(vm.alloc(crate::object::native(ec)));
    Ok(Value::Null)
}

// ---- ExecutionContext flow ---------------------------------------------------

/// `ExecutionContext.SuppressFlow()`'s `AsyncFlowControl`: `Undo()` (or
/// `Dispose()`) restores the flow, once.
pub struct AsyncFlowControl {
    used: Cell<bool>,
}

impl NativeObject for AsyncFlowControl {
    fn type_name(&self) -> &'static str {
        "AsyncFlowControl"
    }
    fn trace(&self, _: &mut Tracer) {}
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

fn set_flow_suppressed(vm: &mut Vm, suppressed: bool) {
    let ec = ExecutionContext::with_flow_suppressed(vm.contexts.execution, suppressed);
    vm.contexts.execution = Value::Obj(vm.alloc(crate::object::native(ec)));
}

/// `ExecutionContext.SuppressFlow()`: from now until `RestoreFlow()` (or
/// the method's return restores its caller's context), work queued and
/// awaits capture no ExecutionContext.
pub fn suppress_flow(vm: &mut Vm, _: &[Value]) -> NativeResult {
    if ExecutionContext::is_flow_suppressed(vm.contexts.execution) {
        return Err(VmError::throw("System.InvalidOperationException", "Context flow is already suppressed."));
    }
    set_flow_suppressed(vm, true);
    Ok(Value::Obj(vm.alloc(crate::object::native(AsyncFlowControl { used: Cell::new(false) }))))
}

pub fn restore_flow(vm: &mut Vm, _: &[Value]) -> NativeResult {
    if !ExecutionContext::is_flow_suppressed(vm.contexts.execution) {
        return Err(VmError::throw(
            "System.InvalidOperationException",
            "Cannot restore context flow when it is not suppressed.",
        ));
    }
    set_flow_suppressed(vm, false);
    Ok(Value::Null)
}

pub fn is_flow_suppressed(vm: &mut Vm, _: &[Value]) -> NativeResult {
    Ok(Value::Bool(ExecutionContext::is_flow_suppressed(vm.contexts.execution)))
}

/// `AsyncFlowControl.Undo()` / `Dispose()`.
pub fn flow_control_undo(vm: &mut Vm, args: &[Value]) -> NativeResult {
    let control: &AsyncFlowControl = native_this(vm, args, "System.Threading.AsyncFlowControl")?;
    if control.used.replace(true) {
        return Err(VmError::throw(
            "System.InvalidOperationException",
            "AsyncFlowControl object can be used only once to call Undo().",
        ));
    }
    restore_flow(vm, &[])
}

// ---- SynchronizationContext, ThreadPool -----------------------------------

pub fn sync_ctx_set(vm: &mut Vm, args: &[Value]) -> NativeResult {
    vm.contexts.sync_ctx = arg(args, 0);
    Ok(Value::Null)
}

/// `ThreadPool.QueueUserWorkItem(callback[, state])`: queued with the
/// current ExecutionContext (seed 000).
pub fn queue_user_work_item(vm: &mut Vm, args: &[Value]) -> NativeResult {
    let delegate = arg(args, 0);
    if delegate.is_null() {
        return Err(super::args::argument_null("callBack"));
    }
    let context = vm.contexts.flowing();
    vm.event_loop.enqueue(Work::Invoke {
        delegate,
        arg: arg(args, 1),
        has_arg: true,
        context,
        task: Value::Null,
        unwrap: false,
    });
    Ok(Value::Bool(true))
}

// ---- the prelude's context primitives ---------------------------------------

pub fn current_sync_context(vm: &mut Vm, _: &[Value]) -> NativeResult {
    Ok(vm.contexts.sync_ctx)
}

/// `SwapExecutionContext(ec)`: installs `ec`, returns the one it replaced.
pub fn swap_execution_context(vm: &mut Vm, args: &[Value]) -> NativeResult {
    Ok(std::mem::replace(&mut vm.contexts.execution, arg(args, 0)))
}

/// The `ContinuationCallback` delegate's body: runs the boxed continuation
/// on the current SynchronizationContext.
pub fn run_continuation(vm: &mut Vm, args: &[Value]) -> NativeResult {
    let c = match obj_arg(args, 0) {
        Some(o) => match o.native::<TaskCallbackBox>() {
            Some(b) => b.0,
            None => return Err(cast_error(vm, arg(args, 0), "TaskCallback")),
        },
        None => return Err(VmError::null_reference()),
    };
    let sync_ctx = vm.contexts.sync_ctx;
    vm.invoke_continuation(c, sync_ctx)?;
    Ok(Value::Null)
}

// ---- Lazy<T> -----------------------------------------------------------------

pub struct LazyBox {
    factory: Cell<Value>,
    value: Cell<Value>,
    created: Cell<bool>,
}

impl NativeObject for LazyBox {
    fn type_name(&self) -> &'static str {
        "Lazy`1"
    }
    fn trace(&self, t: &mut Tracer) {
        self.factory.get().trace(t);
        self.value.get().trace(t);
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

pub fn lazy_new(vm: &mut Vm, args: &[Value]) -> NativeResult {
    let factory = arg(args, 0);
    if factory.is_null() {
        return Err(super::args::argument_null("valueFactory"));
    }
    let lazy = LazyBox { factory: Cell::new(factory), value: Cell::new(Value::Null), created: Cell::new(false) };
    Ok(Value::Obj(vm.alloc(crate::object::native(lazy))))
}

fn this_lazy<'a>(vm: &Vm, args: &'a [Value]) -> Result<&'a LazyBox, VmError> {
    native_this(vm, args, "System.Lazy`1")
}

pub fn lazy_value(vm: &mut Vm, args: &[Value]) -> NativeResult {
    let lazy = this_lazy(vm, args)?;
    if lazy.created.get() {
        return Ok(lazy.value.get());
    }
    let factory = lazy.factory.get();
    let v = vm.invoke(factory, &[])?;
    let lazy = this_lazy(vm, args)?;
    if !lazy.created.get() {
        crate::object::store(crate::object::native_owner(lazy), v);
        lazy.value.set(v);
        lazy.created.set(true);
        lazy.factory.set(Value::Null);
    }
    Ok(lazy.value.get())
}

pub fn lazy_is_value_created(vm: &mut Vm, args: &[Value]) -> NativeResult {
    Ok(Value::Bool(this_lazy(vm, args)?.created.get()))
}
