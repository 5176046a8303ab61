//! The two ambient contexts of an async flow (seed 000 explains them):
//! - the **ExecutionContext**: an immutable map from `AsyncLocal<T>` objects
//!   to values. Setting `AsyncLocal.Value` replaces the current context by a
//!   copy with one entry changed, so a context captured earlier never
//!   changes: that is what makes capture-and-restore cheap and correct.
//!   `null` is the default (empty) context.
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
    pub fn trace(&self, t: &mut Tracer) {
        self.execution.trace(t);
        self.sync_ctx.trace(t);
    }
}

/// An ExecutionContext: `AsyncLocal` → value, never mutated once made.
pub struct ExecutionContext {
    pub values: Vec<(Value, Value)>,
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
        let mut values: Vec<(Value, Value)> = context
            .as_obj()
            .and_then(|o| o.native::<ExecutionContext>().map(|ec| ec.values.clone()))
            .unwrap_or_default();
        match values.iter_mut().find(|(k, _)| k.equals(local)) {
            Some(entry) => entry.1 = value,
            None => values.push((local, value)),
        }
        ExecutionContext { values }
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
