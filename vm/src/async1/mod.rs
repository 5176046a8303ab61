//! The async1 backend: classic C# async, as Roslyn compiles it (seed 001).
//!
//! - [`lower`](mod@lower): rewrites each async method into a stub, a state-machine
//!   class and its `MoveNext` (on bytecode, before the program runs);
//! - [`builder`]: the method builders' runtime (`Create`, `Task`,
//!   `SetResult`, `SetException`, `AwaitUnsafeOnCompleted`) and the
//!   `MoveNextRunner` that resumes a state machine under the
//!   ExecutionContext captured when it suspended. `MoveNextRunner.Run` and
//!   `AsyncMethodBuilderCore.RunContinuations` are written in toy, in the
//!   prelude, so a resumed chain runs on the interpreter's own frame stack;
//!   the builders' `Start` is inlined into each stub.
//!
//! Tasks, the event loop and the contexts are shared with async2 and live
//! beside this folder (`tasks.rs`, `event_loop.rs`, `contexts.rs`).

pub mod builder;
pub mod lower;

use crate::backends::is_async1;
use crate::bytecode::MethodId;
use crate::program::{Backend, Program};

/// Lowers every async method that runs on async1 (`async void` ones always).
pub fn lower(program: &mut Program, mode: Backend) {
    let ids: Vec<MethodId> =
        (0..program.methods.len() as u32).map(MethodId).filter(|&m| is_async1(program, m, mode)).collect();
    for id in ids {
        lower::lower_method(program, id);
    }
}
