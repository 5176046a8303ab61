//! Running toy in-process: a bench program is compiled once and prepared
//! (`vm::prepare`) once per backend, outside any clock; each timed call runs
//! on a VM whose standard output is thrown away and whose standard error is
//! kept for the error message. Whatever goes wrong (a compile error, an
//! exception, a panic) becomes a one-line `Err`, never a crash of the suite.

use std::cell::RefCell;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;
use std::rc::Rc;

use vm::program::Program;
use vm::value::Value;
use vm::{Backend, Vm, VmError};

/// Compiles `DIR/NAME.toy` and prepares a copy for each backend of `modes`.
pub fn load(dir: &Path, name: &str, modes: &[Backend]) -> Vec<Result<Program, String>> {
    let options: Vec<vm::Options> = modes.iter().map(|&mode| vm::Options { mode, ..Default::default() }).collect();
    load_for(dir, name, &options)
}

/// [`load`] for runs with these options (`--capture-contexts` changes how
/// the program is prepared).
pub fn load_for(dir: &Path, name: &str, options: &[vm::Options]) -> Vec<Result<Program, String>> {
    let path = dir.join(format!("{name}.toy"));
    let compiled =
        std::fs::read_to_string(&path).map_err(|e| format!("cannot read {}: {e}", path.display())).and_then(|source| {
            lang::compile_source(&source, &format!("{name}.toy")).map_err(|d| {
                let first = d.first().map(|d| d.message.as_str()).unwrap_or("?");
                format!("{name}.toy does not compile: {first}")
            })
        });
    options
        .iter()
        .map(|options| {
            let mut program = compiled.clone()?;
            let prepared = catch_unwind(AssertUnwindSafe(|| vm::prepare_for(&mut program, options)));
            match prepared {
                Ok(Ok(())) => Ok(program),
                Ok(Err(e)) => Err(format!("prepare: {e}")),
                Err(panic) => Err(format!("prepare panicked: {}", panic_message(&*panic))),
            }
        })
        .collect()
}

/// A VM for a prepared program; standard error is kept in `err`, standard
/// output is thrown away.
pub fn new_vm(program: &Program, mode: Backend, err: &Captured) -> Vm {
    new_vm_with(program, vm::Options { mode, ..Default::default() }, err)
}

/// [`new_vm`] with other options (`--virtual-time` for a scenario).
pub fn new_vm_with(program: &Program, options: vm::Options, err: &Captured) -> Vm {
    Vm::new(program.clone(), options, Box::new(std::io::sink()), Box::new(err.clone()))
}

/// Calls the static method `Program.method` and, if it returns a task, runs
/// the event loop until the task is done; an exception or a panic becomes
/// the error message.
pub fn call(vm: &mut Vm, method: &str, args: &[Value]) -> Result<Value, String> {
    match catch_unwind(AssertUnwindSafe(|| vm.call_static("Program", method, args))) {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(describe(vm, e)),
        Err(panic) => Err(format!("panic: {}", panic_message(&*panic))),
    }
}

/// Runs `Main` of a prepared program on a fresh VM; a non-zero exit code is
/// an error, described by the first line the program wrote to stderr.
pub fn run_whole(program: &Program, mode: Backend) -> Result<(), String> {
    let err = Captured::default();
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        let mut vm = new_vm(program, mode, &err);
        let result = vm.run_main();
        vm.finish(result)
    }))
    .map_err(|panic| format!("panic: {}", panic_message(&*panic)))?;
    match outcome.exit_code {
        0 => Ok(()),
        code => Err(format!("exit code {code}: {}", err.first_line())),
    }
}

/// One line saying what a failed call threw.
fn describe(vm: &mut Vm, e: VmError) -> String {
    match e {
        VmError::Exception(v) | VmError::Unhandled(v) => match catch_unwind(AssertUnwindSafe(|| vm.display(v))) {
            Ok(Ok(s)) => s.lines().next().unwrap_or("exception").to_owned(),
            _ => "exception".to_owned(),
        },
        e => e.to_string(),
    }
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "(no message)".to_owned())
}

/// A writer keeping what a program prints to standard error.
#[derive(Clone, Default)]
pub struct Captured(Rc<RefCell<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.borrow_mut().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    fn first_line(&self) -> String {
        String::from_utf8_lossy(&self.0.borrow()).lines().next().unwrap_or("").to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A missing method is an error, not a panic; a whole run succeeds.
    #[test]
    fn calls_and_runs() {
        let programs = load(&crate::bench_dir(), "fib", &[Backend::Async1]);
        let program = programs[0].as_ref().unwrap();
        let err = Captured::default();
        let mut vm = new_vm(program, Backend::Async1, &err);
        assert!(call(&mut vm, "NoSuchMethod", &[]).unwrap_err().contains("NoSuchMethod"));
        assert!(matches!(call(&mut vm, "Fib", &[Value::Int(10)]), Ok(Value::Int(55))));
        let missing = load(&crate::bench_dir(), "no_such_bench", &[Backend::Async2]);
        assert!(missing[0].as_ref().unwrap_err().starts_with("cannot read "));
    }
}
