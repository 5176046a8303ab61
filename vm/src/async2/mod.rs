//! The async2 backend: runtime async, as the runtime-async experiment does
//! it (seed 003, "Implementation of prototype based on JIT generated state
//! machines").
//!
//! An async2 method stays an ordinary method: an awaited call to another
//! async2 method is a direct call (`CallAsync`), so a call that completes
//! without suspending allocates nothing. When a leaf awaits something
//! incomplete, the VM pops every async2 frame up to the boundary into a
//! chain of [`continuation::Continuation`]s holding only the registers live
//! at each frame's suspension point; a dispatcher later resumes them one
//! frame at a time through each method's resume stub. Task-returning code
//! reaches async2 methods through thunks, and async2 code awaits
//! Task-returning methods as it awaits any task.
//!
//! - [`prepare`](mod@prepare): thunk, body and resume stub per method; direct calls;
//!   suspension points with their liveness maps (before the program runs);
//! - [`continuation`]: the continuation object;
//! - [`runtime`]: suspension, thunk completion and the dispatcher.
//!
//! Tasks, the event loop and the contexts are shared with async1 and live
//! beside this folder.
//!
//! What the core calls (the driver, `driver.rs`, and the loop's
//! `AwaitTask`), all in [`runtime`]: `Vm::await_now` (an `AwaitTask`:
//! the outcome now, or the `Wait` to suspend on), `Vm::suspend`,
//! `Vm::resume_frame` (a resume stub's `Resume`), `Vm::complete_thunk` (a
//! thunk-entered body returned) and `Vm::await_returned_task` (a
//! Task-returning override of an awaited virtual call returned).

pub mod continuation;
pub mod prepare;
pub mod runtime;

pub use continuation::Continuation;
pub use prepare::prepare;
pub(crate) use runtime::Wait;
