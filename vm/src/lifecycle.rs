//! A run's life: starting `Main` (its `string[] args`, an `async Main`'s
//! event loop), `toy bench`'s entry into one method, and the end of the
//! process: an unhandled exception or a stack overflow reported as .NET
//! reports it, the exit code, the statistics.

use std::io::Write;

use crate::Vm;
use crate::bytecode::MethodId;
use crate::driver::Exit;
use crate::error::VmError;
use crate::frames::FrameKind;
use crate::options::Outcome;
use crate::value::Value;

impl Vm {
    /// Runs `Main` (or the top-level statements) to the end.
    pub fn run_main(&mut self) -> Result<i32, VmError> {
        let entry = self.program.entry;
        let arity = self.program.method(entry).arity as usize;
        let args = if arity == 1 { vec![crate::builtins::args_array(self, None)] } else { Vec::new() };
        let boundary = self.push_call(entry, &args, FrameKind::Normal)?;
        let mut result = match self.run(boundary)? {
            Exit::Returned(v) => v,
            Exit::Suspended => Value::Null,
        };
        if self.program.method(entry).flags.is_async.is_some() {
            // `async Task Main`: run the event loop until its task completes.
            let mut vm = self.root([result]);
            let done = vm.run_until_complete(result).and_then(|()| vm.task_result(result));
            drop(vm);
            result = match done {
                Ok(v) => v,
                Err(VmError::Exception(e)) => return Err(VmError::Unhandled(e)),
                Err(e) => return Err(e),
            };
        }
        Ok(match result {
            Value::Int(code) => code as i32,
            _ => 0,
        })
    }

    /// Calls the static method `class.method` (of a prepared program) with
    /// `args` and, if it returns a task, runs the event loop until the task
    /// completes and gives its result: how `toy bench` times one cell of a
    /// benchmark without timing the program around it.
    pub fn call_static(&mut self, class: &str, method: &str, args: &[Value]) -> Result<Value, VmError> {
        let found = self.program.methods.iter().position(|m| {
            m.name == method
                && m.flags.is_static
                && !matches!(
                    m.async2.as_deref(),
                    Some(crate::program::Async2Role::Body { .. } | crate::program::Async2Role::ResumeStub { .. })
                )
                && self.program.class(m.class).full_name() == class
        });
        let Some(id) = found else {
            return Err(VmError::throw(
                "System.MissingMethodException",
                format!("Method not found: '{class}.{method}'."),
            ));
        };
        let v = self.call_method(MethodId(id as u32), args)?;
        if crate::tasks::task_ref(&v).is_none() {
            return Ok(v);
        }
        let mut vm = self.root([v]);
        vm.run_until_complete(v).and_then(|()| vm.task_result(v))
    }

    /// Writes a fatal error's report to stderr, its first line in bold red
    /// under `color_errors`.
    fn report_fatal(&mut self, text: &str) {
        let (head, tail) = text.split_once('\n').map_or((text, ""), |(h, t)| (h, t));
        let (on, off) = if self.options.color_errors { ("\x1b[1;31m", "\x1b[0m") } else { ("", "") };
        let newline = if tail.is_empty() { "" } else { "\n" };
        let _ = writeln!(self.err_out(), "{on}{head}{off}{newline}{tail}");
    }

    /// Finishes the run: flushes output, reports an unhandled exception the
    /// way .NET does, and collects the statistics.
    pub fn finish(mut self, result: Result<i32, VmError>) -> Outcome {
        let exit_code = match result {
            Ok(code) => code,
            Err(VmError::StackOverflow) => {
                // By tier0 method: frames of one method in two tiers repeat
                // alike; a tier1 frame lists the calls it inlined too.
                let mut frames: Vec<MethodId> = Vec::with_capacity(self.frames.len());
                for f in self.frames.iter().rev() {
                    self.program.visit_logical_frames(f.method, f.pc.saturating_sub(1) as usize, |m, _| frames.push(m));
                }
                let text = crate::overflow::report(&frames, |&m| self.program.overflow_name(m));
                self.report_fatal(&text);
                1
            }
            Err(VmError::Exit(code)) => code,
            Err(VmError::Unhandled(exc) | VmError::Exception(exc)) => {
                self.truncate_frames(0);
                let text = match self.display(exc) {
                    Ok(t) => t,
                    Err(_) => self.type_name(exc),
                };
                self.report_fatal(&format!("Unhandled exception. {text}"));
                1
            }
            Err(VmError::OutOfFuel) => {
                self.report_fatal("Execution stopped: instruction budget exhausted.");
                1
            }
            Err(e @ VmError::Throw { .. }) => {
                self.report_fatal(&format!("Unhandled exception. {e}"));
                1
            }
        };
        let _ = self.out.flush();
        let _ = self.err.flush();
        let h = self.heap.stats();
        let mut stats = self.stats.clone();
        stats.allocations = h.objects_allocated;
        stats.gc = h.clone();
        stats.peak_heap_bytes = h.peak_bytes;
        stats.async_stats = self.async_stats.clone();
        stats.tier_stats = self.tiers.stats.clone();
        Outcome { exit_code, stats }
    }
}
