//! The async method builders (`AsyncTaskMethodBuilder<T>` and friends) and
//! the `MoveNextRunner`, as the generated `MoveNext` calls them.
//!
//! A builder is its task (see `tasks.rs`): `Create` makes the task,
//! `Task` returns it (wrapped for `ValueTask`), `SetResult`/`SetException`
//! complete it. At the first suspension `AwaitUnsafeOnCompleted` makes the
//! state machine's `MoveNextRunner` (a prelude class: `_context`,
//! `_stateMachine`) and keeps it in the task for every later suspension;
//! each suspension stores the current ExecutionContext in it, and `Run`
//! restores that context around `MoveNext` (seed 000: "the execution context
//! is captured manually via MoveNextRunner").

use crate::Vm;
use crate::builtins::args::{NativeResult, arg};
use crate::builtins::tasks::{Awaited, ValueTaskBox, awaited};
use crate::error::VmError;
use crate::tasks::{BuilderKind, Continuation, Outcome, Task, TaskState, task_ref};
use crate::value::{Obj, Value};

/// The `MoveNextRunner` fields, in the prelude's order.
const RUNNER_CONTEXT: usize = 0;
const RUNNER_STATE_MACHINE: usize = 1;

fn create(vm: &mut Vm, has_result: bool, kind: BuilderKind) -> NativeResult {
    vm.async_stats.state_machines += 1;
    Ok(vm.new_task(has_result, kind))
}

pub fn create_task(vm: &mut Vm, _: &[Value]) -> NativeResult {
    create(vm, false, BuilderKind::Task)
}

pub fn create_task_of(vm: &mut Vm, _: &[Value]) -> NativeResult {
    create(vm, true, BuilderKind::Task)
}

pub fn create_value_task(vm: &mut Vm, _: &[Value]) -> NativeResult {
    create(vm, false, BuilderKind::ValueTask)
}

pub fn create_value_task_of(vm: &mut Vm, _: &[Value]) -> NativeResult {
    create(vm, true, BuilderKind::ValueTask)
}

pub fn create_void(vm: &mut Vm, _: &[Value]) -> NativeResult {
    create(vm, false, BuilderKind::Void)
}

fn builder_task(args: &[Value]) -> Result<&Task, VmError> {
    args.first().and_then(task_ref).ok_or_else(VmError::null_reference)
}

/// `builder.Task`: the task itself; for `ValueTask` builders a `ValueTask`
/// holding the result when the method finished synchronously (no task
/// escapes), else wrapping the task.
pub fn task(vm: &mut Vm, args: &[Value]) -> NativeResult {
    let t = builder_task(args)?;
    if t.builder != BuilderKind::ValueTask {
        return Ok(arg(args, 0));
    }
    let b = if t.state.get() == TaskState::RanToCompletion {
        ValueTaskBox { task: Value::Null, result: t.result.get() }
    } else {
        ValueTaskBox { task: arg(args, 0), result: Value::Null }
    };
    Ok(Value::Obj(vm.alloc(Obj::Native(Box::new(b)))))
}

/// `SetResult`: completes the task; says whether it has continuations.
pub fn set_result(_: &mut Vm, args: &[Value]) -> NativeResult {
    let t = builder_task(args)?;
    t.settle(Outcome::Result(arg(args, 1)));
    Ok(Value::Bool(t.has_continuations()))
}

/// `AsyncMethodBuilderCore.NextInlineRunner(task)`: see
/// [`Vm::next_inline_runner`].
pub fn next_inline_runner(vm: &mut Vm, args: &[Value]) -> NativeResult {
    vm.next_inline_runner(arg(args, 0))
}

/// `SetException`: faults the task (cancels it for an
/// `OperationCanceledException`); for `async void` the exception is
/// unhandled and ends the program, as in .NET.
pub fn set_exception(vm: &mut Vm, args: &[Value]) -> NativeResult {
    let kind = builder_task(args)?.builder;
    let e = arg(args, 1);
    if kind == BuilderKind::Void {
        return Err(VmError::Unhandled(e));
    }
    let outcome = vm.exception_outcome(e);
    let t = builder_task(args)?;
    t.settle(outcome);
    Ok(Value::Bool(t.has_continuations()))
}

/// The state machine's runner, made at its first suspension, with the
/// current ExecutionContext stored in it.
fn runner(vm: &mut Vm, builder: Value, state_machine: Value) -> Result<Value, VmError> {
    let existing = builder_task(&[builder])?.extra(|e| e.runner);
    let runner = if existing.is_null() {
        let r = Value::Obj(vm.new_instance(vm.runtime()?.runner_class));
        if let Some(t) = task_ref(&builder) {
            t.extra_mut(|e| e.runner = r);
        }
        r
    } else {
        existing
    };
    if let Some(Obj::Instance(i)) = runner.as_obj().as_deref() {
        i.set(RUNNER_CONTEXT, vm.contexts.execution);
        i.set(RUNNER_STATE_MACHINE, state_machine);
    }
    Ok(runner)
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
    let (builder, awaiter, state_machine) = (arg(args, 0), arg(args, 1), arg(args, 2));
    vm.async_stats.suspensions += 1;
    let runner = runner(vm, builder, state_machine)?;
    if let Some(Obj::Instance(_)) = awaiter.as_obj().as_deref() {
        let run = vm.runtime()?.runner_run;
        return Ok(Value::Obj(vm.alloc(Obj::Delegate { method: run, target: runner })));
    }
    let resume = |sync_ctx| Continuation::Runner { runner, sync_ctx };
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
