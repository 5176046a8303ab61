//! The async method builders (`AsyncTaskMethodBuilder<T>` and friends) and
//! the `MoveNextRunner`, as the generated `MoveNext` calls them.
//!
//! A builder is its task (see `tasks.rs`), made when it is first needed, as
//! .NET's builder fills its `m_task`: `Create` gives a builder with no task
//! yet (null; `async void`'s makes its task at once). A method that
//! finishes without suspending never makes one: `SetResult` returns a
//! completed task, shared for the results .NET's `AsyncTaskCache` shares
//! (no result, `false`, `true`, `null`, the ints -1 to 8), and for
//! `ValueTask` builders no task at all, only the `ValueTask`. At the first
//! suspension `InitializeTaskAsPromise` makes the task, before the state
//! machine keeps it in `<>t__builder`; `MoveNext` returns its builder to the
//! stub (our registers are not `ref`s), and `Task` returns it (wrapped for
//! `ValueTask`); `SetResult`/`SetException` complete it. Every state
//! machine derives from the prelude's `MoveNextRunner` and is its own
//! runner (as .NET Core's box is): at each suspension
//! `AwaitUnsafeOnCompleted` stores the current ExecutionContext in its
//! `_context`, and `Run` restores that context around `MoveNext` (seed 000:
//! "the execution context is captured manually via MoveNextRunner").

use crate::Vm;
use crate::builtins::args::{NativeResult, arg};
use crate::builtins::tasks::{Awaited, ValueTaskBox, awaited};
use crate::error::VmError;
use crate::native::defs::{NativeDef, me, st};
use crate::tasks::{BuilderKind, Task, TaskCallback, TaskOutcome, TaskState, task_ref};
use crate::value::{Obj, Value};

const O: &str = "object";

/// The builders' natives, as the generated stubs and `MoveNext`s call them
/// (`crate::native::NATIVES` puts them after the library's), and
/// `AsyncMethodBuilderCore.NextInlineRunner`, which the prelude's
/// `RunContinuations` calls.
#[rustfmt::skip]
pub const NATIVES: &[NativeDef] = &[
    st("AsyncTaskMethodBuilder", "Create", &[], "object", create_task),
    me("AsyncTaskMethodBuilder", "InitializeTaskAsPromise", &[], "object", initialize_task_task),
    me("AsyncTaskMethodBuilder", "get_Task", &[], "object", task),
    me("AsyncTaskMethodBuilder", "SetResult", &[], "object", set_result_task),
    me("AsyncTaskMethodBuilder", "SetException", &["Exception"], "object", set_exception_task),
    me("AsyncTaskMethodBuilder", "AwaitUnsafeOnCompleted", &[O, O], "void", await_on_completed),
    me("AsyncTaskMethodBuilder", "AwaitOnCompleted", &[O, O], "void", await_on_completed),
    st("AsyncTaskMethodBuilder<T>", "Create", &[], "object", create_task_of),
    me("AsyncTaskMethodBuilder<T>", "InitializeTaskAsPromise", &[], "object", initialize_task_task_of),
    me("AsyncTaskMethodBuilder<T>", "get_Task", &[], "object", task),
    me("AsyncTaskMethodBuilder<T>", "SetResult", &["T"], "object", set_result_task_of),
    me("AsyncTaskMethodBuilder<T>", "SetException", &["Exception"], "object", set_exception_task_of),
    me("AsyncTaskMethodBuilder<T>", "AwaitUnsafeOnCompleted", &[O, O], "void", await_on_completed),
    me("AsyncTaskMethodBuilder<T>", "AwaitOnCompleted", &[O, O], "void", await_on_completed),
    st("AsyncValueTaskMethodBuilder", "Create", &[], "object", create_value_task),
    me("AsyncValueTaskMethodBuilder", "InitializeTaskAsPromise", &[], "object", initialize_task_value_task),
    me("AsyncValueTaskMethodBuilder", "get_Task", &[], "object", value_task),
    me("AsyncValueTaskMethodBuilder", "SetResult", &[], "object", set_result_value_task),
    me("AsyncValueTaskMethodBuilder", "SetException", &["Exception"], "object", set_exception_value_task),
    me("AsyncValueTaskMethodBuilder", "AwaitUnsafeOnCompleted", &[O, O], "void", await_on_completed),
    me("AsyncValueTaskMethodBuilder", "AwaitOnCompleted", &[O, O], "void", await_on_completed),
    st("AsyncValueTaskMethodBuilder<T>", "Create", &[], "object", create_value_task_of),
    me("AsyncValueTaskMethodBuilder<T>", "InitializeTaskAsPromise", &[], "object", initialize_task_value_task_of),
    me("AsyncValueTaskMethodBuilder<T>", "get_Task", &[], "object", value_task),
    me("AsyncValueTaskMethodBuilder<T>", "SetResult", &["T"], "object", set_result_value_task_of),
    me("AsyncValueTaskMethodBuilder<T>", "SetException", &["Exception"], "object", set_exception_value_task_of),
    me("AsyncValueTaskMethodBuilder<T>", "AwaitUnsafeOnCompleted", &[O, O], "void", await_on_completed),
    me("AsyncValueTaskMethodBuilder<T>", "AwaitOnCompleted", &[O, O], "void", await_on_completed),
    st("AsyncVoidMethodBuilder", "Create", &[], "object", create_void),
    me("AsyncVoidMethodBuilder", "InitializeTaskAsPromise", &[], "object", initialize_task_void),
    me("AsyncVoidMethodBuilder", "SetResult", &[], "object", set_result_void),
    me("AsyncVoidMethodBuilder", "SetException", &["Exception"], "object", set_exception_void),
    me("AsyncVoidMethodBuilder", "AwaitUnsafeOnCompleted", &[O, O], "void", await_on_completed),
    me("AsyncVoidMethodBuilder", "AwaitOnCompleted", &[O, O], "void", await_on_completed),
    st("AsyncMethodBuilderCore", "NextInlineRunner", &[O], "object", next_inline_runner),
];

/// `MoveNextRunner._context`, the first field of every state machine.
const RUNNER_CONTEXT: usize = 0;

/// The natives that depend on the builder type: which task it makes.
macro_rules! builder_natives {
    ($($create:ident, $initialize:ident, $set_result:ident, $set_exception:ident: $has_result:expr, $kind:expr;)*) => {$(
        pub fn $create(vm: &mut Vm, _: &[Value]) -> NativeResult {
            create(vm, $has_result, $kind)
        }
        pub fn $initialize(vm: &mut Vm, args: &[Value]) -> NativeResult {
            // Called only where the state machine is boxed.
            vm.async_stats.async1_boxed += 1;
            initialize_task(vm, args, $has_result, $kind)
        }
        pub fn $set_result(vm: &mut Vm, args: &[Value]) -> NativeResult {
            set_result(vm, args, $has_result, $kind)
        }
        pub fn $set_exception(vm: &mut Vm, args: &[Value]) -> NativeResult {
            set_exception(vm, args, $has_result, $kind)
        }
    )*};
}

builder_natives! {
    create_task, initialize_task_task, set_result_task, set_exception_task: false, BuilderKind::Task;
    create_task_of, initialize_task_task_of, set_result_task_of, set_exception_task_of: true, BuilderKind::Task;
    create_value_task, initialize_task_value_task, set_result_value_task, set_exception_value_task:
        false, BuilderKind::ValueTask;
    create_value_task_of, initialize_task_value_task_of, set_result_value_task_of, set_exception_value_task_of:
        true, BuilderKind::ValueTask;
    create_void, initialize_task_void, set_result_void, set_exception_void: false, BuilderKind::Void;
}

/// `Create()`: a builder with no task yet, except `async void`'s.
fn create(vm: &mut Vm, has_result: bool, kind: BuilderKind) -> NativeResult {
    vm.async_stats.async1_calls += 1;
    if kind == BuilderKind::Void { Ok(vm.new_task(has_result, kind)) } else { Ok(Value::Null) }
}

/// `InitializeTaskAsPromise()`: the builder's task, made now if it has
/// none (the method is about to suspend).
fn initialize_task(vm: &mut Vm, args: &[Value], has_result: bool, kind: BuilderKind) -> NativeResult {
    let b = arg(args, 0);
    if b.is_null() { Ok(vm.new_task(has_result, kind)) } else { Ok(b) }
}

/// What `SetResult` and `SetException` return: `true` when the task has
/// continuations to run (then the builder is the task), else the completed
/// task (or `ValueTask`) itself, for `MoveNext` to return.
fn completed(b: Value, t: &Task) -> Value {
    if t.has_continuations() { Value::Bool(true) } else { b }
}

fn builder_task(args: &[Value]) -> Result<&Task, VmError> {
    args.first().and_then(task_ref).ok_or_else(VmError::null_reference)
}

/// `builder.Task` of the `Task` builders: the task itself.
pub fn task(_: &mut Vm, args: &[Value]) -> NativeResult {
    Ok(arg(args, 0))
}

/// `builder.Task` of the `ValueTask` builders: what `MoveNext` returned is
/// the builder's task if it made one (it suspended, or faulted): a
/// `ValueTask` holding its result if it has completed (no task escapes),
/// else wrapping it. Anything else is the `ValueTask` `SetResult` made
/// without a task (see `tasks.rs`: a completed one is its result).
pub fn value_task(vm: &mut Vm, args: &[Value]) -> NativeResult {
    let b = arg(args, 0);
    let Some(t) = task_ref(&b) else { return Ok(b) };
    if t.state.get() == TaskState::RanToCompletion {
        let result = t.result.get();
        return Ok(ValueTaskBox::of_result(vm, result));
    }
    Ok(ValueTaskBox::alloc(vm, b, Value::Null))
}

/// `SetResult`: completes the task (see [`completed`] for what it
/// returns). With no task yet: a shared completed task where .NET shares
/// one, else a new one; for `ValueTask` builders the `ValueTask` itself.
fn set_result(vm: &mut Vm, args: &[Value], has_result: bool, kind: BuilderKind) -> NativeResult {
    let (b, v) = (arg(args, 0), arg(args, 1));
    if !b.is_null() {
        let t = builder_task(args)?;
        t.settle(TaskOutcome::Result(v));
        return Ok(completed(b, t));
    }
    if kind == BuilderKind::ValueTask {
        // No task, so nobody waits: the generated code returns this without
        // testing it for continuations (it may be `true`).
        return Ok(ValueTaskBox::of_result(vm, v));
    }
    Ok(vm.cached_completed_task(v, has_result))
}

/// `AsyncMethodBuilderCore.NextInlineRunner(task)`: see
/// [`Vm::next_inline_runner`].
pub fn next_inline_runner(vm: &mut Vm, args: &[Value]) -> NativeResult {
    vm.next_inline_runner(arg(args, 0))
}

/// `SetException`: faults the task, made now if there is none (cancels
/// it for an `OperationCanceledException`; see [`completed`] for what it
/// returns); for `async void` the exception is unhandled and ends the
/// program, as in .NET.
fn set_exception(vm: &mut Vm, args: &[Value], has_result: bool, kind: BuilderKind) -> NativeResult {
    let e = arg(args, 1);
    if kind == BuilderKind::Void {
        return Err(VmError::Unhandled(e));
    }
    let outcome = vm.exception_outcome(e);
    let b = initialize_task(vm, args, has_result, kind)?;
    let t = task_ref(&b).ok_or_else(VmError::null_reference)?;
    t.settle(outcome);
    Ok(completed(b, t))
}

/// The state machine's runner: the state machine itself (it derives from
/// `MoveNextRunner`), with the current ExecutionContext stored in it.
fn runner(vm: &mut Vm, state_machine: Value) -> Result<Value, VmError> {
    if let Some(Obj::Instance(i)) = state_machine.view() {
        vm.set_field(i, RUNNER_CONTEXT, vm.contexts.flowing());
    }
    Ok(state_machine)
}

/// `AwaitUnsafeOnCompleted(ref awaiter, ref stateMachine)` and
/// `AwaitOnCompleted`: store the ExecutionContext in the state machine's
/// runner, then register the runner with a library awaiter's task (resuming
/// on the captured SynchronizationContext unless `ConfigureAwait(false)`).
/// For a user awaiter they return the runner's `Run` as an `Action`, and the
/// generated code passes it to the awaiter's `UnsafeOnCompleted` or
/// `OnCompleted` (which the compiler resolved), as .NET's builder passes
/// `MoveNextAction`.
pub fn await_on_completed(vm: &mut Vm, args: &[Value]) -> NativeResult {
    let (awaiter, state_machine) = (arg(args, 1), arg(args, 2));
    vm.async_stats.suspensions += 1;
    let runner = runner(vm, state_machine)?;
    if let Some(Obj::Instance(_)) = awaiter.view() {
        // A user awaiter: not a library await.
        let run = vm.prelude_members()?.runner_run;
        return Ok(Value::Obj(vm.alloc(crate::object::delegate(run, runner))));
    }
    vm.async_stats.library_suspensions += 1;
    let resume = |sync_ctx| TaskCallback::Runner { runner, sync_ctx };
    match awaited(vm, awaiter)? {
        Awaited::Task(t, capture) => {
            let sync_ctx = if capture { vm.contexts.sync_ctx } else { Value::Null };
            vm.add_continuation(t, resume(sync_ctx))?;
        }
        Awaited::Done(_) => vm.invoke_continuation(resume(Value::Null), vm.contexts.sync_ctx)?,
        Awaited::Yield => vm.schedule_yield(resume(Value::Null))?,
    }
    Ok(Value::Null)
}
