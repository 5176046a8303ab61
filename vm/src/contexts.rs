//! The two ambient contexts of an async flow (seed 000 explains them):
//! - the **ExecutionContext**: an immutable map from `AsyncLocal<T>` objects
//!   to values. Setting `AsyncLocal.Value` replaces the current context by a
//!   copy with one entry changed, so a context captured earlier never
//!   changes: that is what makes capture-and-restore cheap and correct.
//!   `null` is the default (empty) context. As in .NET Core, whether flow
//!   is suppressed (`ExecutionContext.SuppressFlow()`) is a flag of the
//!   context itself: a method that returns restores its caller's context,
//!   flag included, and code that captures a context to run work later
//!   (Task.Run, ThreadPool, awaits, ContinueWith, OnCompleted,
//!   CancellationToken.Register) takes [`Contexts::flowing`], which is the
//!   default context while flow is suppressed.
//! - the **SynchronizationContext**: `SynchronizationContext.Current`, an
//!   object of the prelude's `SynchronizationContext` class or a user
//!   subclass, or `null`.
//!
//! The VM keeps the current pair in [`Contexts`]; every place that runs code
//! "somewhere else" (continuations, queued work, `Start`) saves the pair,
//! installs the one that code must see, and restores the pair afterwards.

use crate::value::{NativeObject, Tracer, Value};

#[derive(Clone, Copy, Debug, Default)]
pub struct Contexts {
    /// The current ExecutionContext (`null`: the default, empty one).
    pub execution: Value,
    /// `SynchronizationContext.Current`.
    pub sync_ctx: Value,
}

impl Contexts {
    /// The ExecutionContext that work captured now runs with: the current
    /// one, or the default one while flow is suppressed.
    pub fn flowing(&self) -> Value {
        if ExecutionContext::is_flow_suppressed(self.execution) { Value::Null } else { self.execution }
    }

    /// Puts back what `SaveContext` saved, however a method that captures
    /// them leaves (`RestoreContexts`, or the unwinder for it).
    #[inline(always)]
    pub fn restore(&mut self, execution: Value, sync_ctx: Value) {
        self.execution = execution;
        self.sync_ctx = sync_ctx;
    }

    pub fn trace(&self, t: &mut Tracer) {
        self.execution.trace(t);
        self.sync_ctx.trace(t);
    }
}

/// An ExecutionContext: `AsyncLocal` → value, never mutated once made.
pub struct ExecutionContext {
    pub values: Vec<(Value, Value)>,
    /// `ExecutionContext.SuppressFlow()` is in effect.
    pub flow_suppressed: bool,
}

impl ExecutionContext {
    /// The value of `local` in `context` (`null` context: none set).
    pub fn get(context: Value, local: Value) -> Option<Value> {
        let o = context.as_obj()?;
        let ec = o.native::<ExecutionContext>()?;
        ec.values.iter().find(|(k, _)| k.equals(local)).map(|(_, v)| *v)
    }

    /// A copy of `context` with `local` set to `value`.
    pub fn with(context: Value, local: Value, value: Value) -> ExecutionContext {
        let mut ec = ExecutionContext::copy(context);
        match ec.values.iter_mut().find(|(k, _)| k.equals(local)) {
            Some(entry) => entry.1 = value,
            None => ec.values.push((local, value)),
        }
        ec
    }

    /// A copy of `context` whose flow is suppressed or not.
    pub fn with_flow_suppressed(context: Value, suppressed: bool) -> ExecutionContext {
        ExecutionContext { flow_suppressed: suppressed, ..ExecutionContext::copy(context) }
    }

    fn copy(context: Value) -> ExecutionContext {
        match context.view().and_then(|o| o.native::<ExecutionContext>()) {
            Some(ec) => ExecutionContext { values: ec.values.clone(), flow_suppressed: ec.flow_suppressed },
            None => ExecutionContext { values: Vec::new(), flow_suppressed: false },
        }
    }

    pub fn is_flow_suppressed(context: Value) -> bool {
        context.view().and_then(|o| o.native::<ExecutionContext>()).is_some_and(|ec| ec.flow_suppressed)
    }
}

impl NativeObject for ExecutionContext {
    fn type_name(&self) -> &'static str {
        "ExecutionContext"
    }
    fn trace(&self, t: &mut Tracer) {
        for (k, v) in &self.values {
            k.trace(t);
            v.trace(t);
        }
    }
    fn extra_bytes(&self) -> usize {
        self.values.len() * 32
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}
