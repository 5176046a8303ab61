//! The async1 backend: classic C# async, as Roslyn compiles it (seed 001).
//!
//! - [`lower`]: rewrites each async method into a stub, a state-machine
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

use crate::program::{Backend, Program};

/// Which backend runs an async method: its `[Async1]`/`[Async2]`, else its
/// class's, else the mode's.
pub fn backend_of(program: &Program, method: usize, mode: Backend) -> Backend {
    let m = &program.methods[method];
    m.flags.backend.or(program.class(m.class).backend).unwrap_or(mode)
}

/// Lowers every async method that runs on async1 (`async void` ones always).
pub fn lower(program: &mut Program, mode: Backend) {
    let ids: Vec<usize> = (0..program.methods.len())
        .filter(|&i| program.methods[i].flags.is_async.is_some() && !program.methods[i].code.is_empty())
        .filter(|&i| !crate::async2::prepare::is_async2(program, i, mode))
        .collect();
    for i in ids {
        lower::lower_method(program, crate::bytecode::MethodId(i as u32));
    }
}
