//! The event loop (LANGUAGE.md "Scheduling"): one thread, a FIFO ready
//! queue and a timer queue, shared by both backends.
//!
//! Invariants:
//! - Work runs only when the program asks the loop to run: `Wait()`,
//!   `Result`, `GetResult()` on a pending task, or the end of an async
//!   `Main`. Between those, queued work just waits (as on .NET, where the
//!   thread pool would be running it meanwhile: a toy program cannot tell).
//! - Work taken from the queue runs with `SynchronizationContext.Current ==
//!   null` and with the ExecutionContext captured when it was queued.
//! - Timers fire in deadline order, ties in the order they were set. With
//!   `--virtual-time` the clock jumps to the next deadline whenever nothing
//!   is ready, so delays cost nothing and output is reproducible.
//! - Every queued or running item is a GC root ([`EventLoop::trace`]).

use std::collections::{BTreeMap, VecDeque};
use std::time::{Duration, Instant};

use crate::Vm;
use crate::contexts::Contexts;
use crate::error::VmError;
use crate::tasks::{Combinator, PendingStatus, Task, TaskCallback, TaskOutcome, task_ref};
use crate::value::{Tracer, Value};

/// One item of work for the loop.
#[derive(Clone, Copy, Debug)]
pub enum Work {
    /// A task's continuation that could not run inline (`Task.Yield`, a
    /// context switch, or too deep a chain of inline continuations).
    Callback(TaskCallback),
    /// `Task.Run`, `ThreadPool.QueueUserWorkItem`, the default
    /// `SynchronizationContext.Post`: call `delegate` (with `arg` if
    /// `has_arg`) under `context`, and finish `task` (if any) with the result.
    /// `unwrap`: the delegate returns a task whose outcome `task` takes.
    Invoke { delegate: Value, arg: Value, has_arg: bool, context: Value, task: Value, unwrap: bool },
    /// A `ContinueWith` callback: `then := callback(antecedent)`.
    ContinueWith { callback: Value, antecedent: Value, then: Value, context: Value },
    /// A timer: `Task.Delay`'s task completes.
    CompleteDelay { task: Value },
    /// A timer: `CancelAfter` cancels its source.
    Cancel { source: Value },
}

impl Work {
    fn trace(&self, t: &mut Tracer) {
        match self {
            Work::Callback(c) => c.trace(t),
            Work::Invoke { delegate, arg, context, task, .. } => {
                delegate.trace(t);
                arg.trace(t);
                context.trace(t);
                task.trace(t);
            }
            Work::ContinueWith { callback, antecedent, then, context } => {
                callback.trace(t);
                antecedent.trace(t);
                then.trace(t);
                context.trace(t);
            }
            Work::CompleteDelay { task } => task.trace(t),
            Work::Cancel { source } => source.trace(t),
        }
    }
}

pub struct EventLoop {
    ready: VecDeque<Work>,
    /// By (deadline, sequence number): deadline order, then FIFO.
    timers: BTreeMap<(Duration, u64), Work>,
    next_seq: u64,
    /// Work taken from a queue and running now (still a root).
    running: Vec<Work>,
    start: Instant,
    virtual_time: bool,
    virtual_now: Duration,
}

impl EventLoop {
    pub fn new(virtual_time: bool) -> EventLoop {
        EventLoop {
            ready: VecDeque::new(),
            timers: BTreeMap::new(),
            next_seq: 0,
            running: Vec::new(),
            start: Instant::now(),
            virtual_time,
            virtual_now: Duration::ZERO,
        }
    }

    pub fn enqueue(&mut self, w: Work) {
        self.ready.push_back(w);
    }

    /// The loop's clock: time since the program started (virtual or real).
    pub fn now(&self) -> Duration {
        if self.virtual_time { self.virtual_now } else { self.start.elapsed() }
    }

    /// Runs `w` once `ms` milliseconds have passed.
    pub fn add_timer(&mut self, ms: u64, w: Work) {
        let deadline = self.now() + Duration::from_millis(ms);
        self.next_seq += 1;
        self.timers.insert((deadline, self.next_seq), w);
    }

    pub fn trace(&self, t: &mut Tracer) {
        self.ready.iter().for_each(|w| w.trace(t));
        self.timers.values().for_each(|w| w.trace(t));
        self.running.iter().for_each(|w| w.trace(t));
    }

    /// The next item to run: a ready one, else the first due timer (waiting
    /// for it, or jumping the virtual clock to it).
    fn next(&mut self) -> Option<Work> {
        if let Some(w) = self.ready.pop_front() {
            return Some(w);
        }
        let (&(deadline, seq), _) = self.timers.iter().next()?;
        let now = self.now();
        if deadline > now {
            if self.virtual_time {
                self.virtual_now = deadline;
            } else {
                std::thread::sleep(deadline - now);
            }
        }
        self.timers.remove(&(deadline, seq))
    }
}

impl Vm {
    /// Runs the event loop until `task` completes. Nothing left to run while
    /// it is pending is a deadlock: an `InvalidOperationException`.
    pub fn run_until_complete(&mut self, task: Value) -> Result<(), VmError> {
        loop {
            match task_ref(&task).map(Task::is_completed) {
                Some(true) => return Ok(()),
                None => return Err(VmError::null_reference()),
                Some(false) => {}
            }
            if !self.run_one_work()? {
                return Err(VmError::throw(
                    "System.InvalidOperationException",
                    "Deadlock: waiting for a task that can never complete (nothing is queued and no timer is pending).",
                ));
            }
        }
    }

    /// Runs one item of queued work; `false` when there was none.
    fn run_one_work(&mut self) -> Result<bool, VmError> {
        let Some(w) = self.event_loop.next() else {
            return Ok(false);
        };
        self.event_loop.running.push(w);
        let saved = self.contexts;
        // The waiter's contexts are only in `saved` while the work runs.
        let mut vm = self.root([saved.execution, saved.sync_ctx]);
        vm.contexts = Contexts::default();
        let r = vm.run_work(w);
        drop(vm);
        self.contexts = saved;
        self.event_loop.running.pop();
        r.map(|()| true)
    }

    fn run_work(&mut self, w: Work) -> Result<(), VmError> {
        match w {
            // An async2 chain straight to its dispatcher: the contexts are
            // already saved around this work.
            Work::Callback(TaskCallback::Chain { head, source, context, sync_ctx }) => {
                self.contexts.sync_ctx = sync_ctx;
                self.run_chain(head, source, context)
            }
            Work::Callback(c) => self.invoke_continuation(c, c.sync_ctx()),
            Work::Invoke { delegate, arg, has_arg, context, task, unwrap } => {
                self.contexts.execution = context;
                if let Some(t) = task_ref(&task) {
                    t.pending_status.set(PendingStatus::Running);
                }
                let args: &[Value] = if has_arg { &[arg] } else { &[] };
                let r = self.invoke(delegate, args);
                if task.is_null() {
                    return r.map(|_| ());
                }
                self.finish_task_with(task, r, unwrap)
            }
            Work::ContinueWith { callback, antecedent, then, context } => {
                self.contexts.execution = context;
                let r = self.invoke(callback, &[antecedent]);
                self.finish_task_with(then, r, false)
            }
            Work::CompleteDelay { task } => self.try_complete(task, TaskOutcome::Result(Value::Null)).map(|_| ()),
            Work::Cancel { source } => self.cancel_source(source),
        }
    }

    /// Finishes `task` with what a delegate returned or threw. `unwrap`: the
    /// delegate returned a task (`Task.Run(Func<Task>)`), whose outcome
    /// `task` takes when it completes.
    pub fn finish_task_with(&mut self, task: Value, r: Result<Value, VmError>, unwrap: bool) -> Result<(), VmError> {
        match r {
            Ok(inner) if unwrap => {
                let Some(t) = task_ref(&task) else { return Ok(()) };
                if task_ref(&inner).is_none() {
                    // `Func<Task>` returned null: .NET cancels the task.
                    return self.try_complete(task, TaskOutcome::Canceled(Value::Null)).map(|_| ());
                }
                t.extra_mut(|e| e.combinator = Combinator::Unwrap);
                self.add_continuation(inner, TaskCallback::Combinator { target: task })
            }
            Ok(v) => self.try_complete(task, TaskOutcome::Result(v)).map(|_| ()),
            Err(e) => {
                let exc = self.error_to_exception(e)?;
                let outcome = self.exception_outcome(exc);
                self.try_complete(task, outcome).map(|_| ())
            }
        }
    }
}
