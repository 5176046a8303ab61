//! The interpreter: a non-recursive loop over a frame stack of its own.
//!
//! Invariants:
//! - Registers live in one `Vec<Value>`. A frame owns the window
//!   `stack[base .. base + nregs]`; a callee's window starts right above its
//!   caller's, arguments are copied into its first registers, and the rest of
//!   the window is cleared to `null` on entry, so the GC never sees a stale
//!   pointer. Everything below the top frame's window is live; nothing above is.
//! - The Rust stack does not grow with the program's call depth: a call
//!   pushes a `Frame` and the loop carries on in the callee. Rust recursion
//!   happens only where a native calls back into bytecode ([`Vm::invoke`],
//!   [`Vm::display`], [`Vm::equals`]) and where an exception filter runs
//!   (static constructors and `ToString` overrides called by `ToStr` are
//!   ordinary frames); it is bounded by [`MAX_REENTRY`].
//! - Collections happen only at safepoints, between instructions, when every
//!   live value is in a register, a static, a constant or an exception in
//!   flight: see `RootSet`, the one place that lists the roots.
//! - The bytecode was checked by `verify` before it runs, so register
//!   operands are inside their frame's window.
//! - Two loops run bytecode: [`Vm::run_fast`], the common case of the
//!   commonest instructions, and the general loop of [`Vm::run`], which
//!   runs everything else and hands back to the fast one at the next
//!   instruction it can run. Between them, the top frame's `pc` is saved.

use std::io::Write;
use std::rc::Rc;
use std::time::Duration;

use crate::builtins::format;
use crate::bytecode::{Args, ClassId, ConvKind, Dst, HandlerKind, Instr, MethodId, NativeId, Pc, Reg};
use crate::contexts::Contexts;
use crate::error::VmError;
use crate::event_loop::EventLoop;
use crate::program::{Backend, BuiltinClass, ClassKind, Constant, DefaultValue, Program};
use crate::value::{Gc, Heap, Instance, Obj, Str, TraceFrame, Tracer, Value};

/// How deep native code may call back into bytecode (natives calling
/// delegates, exception filters, `ToString` overrides called from natives).
pub const MAX_REENTRY: usize = 200;

#[derive(Clone, Debug)]
pub struct Options {
    /// The backend of async methods without `[Async1]`/`[Async2]`.
    pub mode: Backend,
    /// Collect at every safepoint after an allocation.
    pub gc_stress: bool,
    /// Frames deeper than this are a fatal `Stack overflow.`.
    pub max_depth: usize,
    /// Stop the program after about this many instructions (checked at
    /// jumps and calls, so every loop and every recursion is bounded).
    pub max_instructions: Option<u64>,
    /// Count every instruction run (`--stats`). Off, the loop does not
    /// count: a counter bumped per instruction cost 6-12% of fib(32).
    /// `max_instructions` counts whatever this says.
    pub count_instructions: bool,
    /// The event loop's clock jumps to the next timer when nothing is ready.
    pub virtual_time: bool,
    /// async2 methods save and restore both contexts at their boundaries
    /// (the seed's Async2Capture: async1's observable behaviour).
    pub capture_contexts: bool,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            mode: Backend::Async1,
            gc_stress: false,
            max_depth: 1_000_000,
            max_instructions: None,
            count_instructions: false,
            virtual_time: false,
            capture_contexts: false,
        }
    }
}

/// What `--stats` prints.
#[derive(Clone, Debug, Default)]
pub struct Stats {
    pub instructions: u64,
    pub calls: u64,
    pub allocations: u64,
    pub collections: u64,
    pub total_pause: Duration,
    pub max_pause: Duration,
    pub peak_heap_bytes: usize,
    pub async_stats: AsyncStats,
}

/// The async runtime's counters (`--stats`).
#[derive(Clone, Debug, Default)]
pub struct AsyncStats {
    /// Tasks allocated (async methods' tasks included).
    pub tasks: u64,
    /// async1 state machines (one per async1 method call).
    pub state_machines: u64,
    /// Awaits of library awaitables (`GetResult` calls).
    pub awaits: u64,
    /// Awaits that suspended (`AwaitUnsafeOnCompleted`/`AwaitOnCompleted`).
    pub suspensions: u64,
    /// Suspended state machines resumed (`MoveNextRunner.Run`), and
    /// async2 frames resumed from a continuation.
    pub resumptions: u64,
    /// async2 continuations allocated (one per frame per suspension).
    pub continuations: u64,
    /// async2 frames an exception passed without resuming them (no handler
    /// at their suspension point).
    pub skipped_frames: u64,
    /// Calls of async2 methods through their Task-returning thunks.
    pub thunk_crossings: u64,
}

impl std::fmt::Display for Stats {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let a = &self.async_stats;
        let rows = [
            ("instructions", self.instructions.to_string()),
            ("calls", self.calls.to_string()),
            ("allocations", self.allocations.to_string()),
            ("collections", self.collections.to_string()),
            ("total pause", format!("{:.3} ms", self.total_pause.as_secs_f64() * 1e3)),
            ("max pause", format!("{:.3} ms", self.max_pause.as_secs_f64() * 1e3)),
            ("peak heap", format!("{} bytes", self.peak_heap_bytes)),
            ("tasks", a.tasks.to_string()),
            ("state machines", a.state_machines.to_string()),
            ("MoveNext calls", (a.state_machines + a.resumptions).to_string()),
            (
                "awaits",
                format!("{} ({} on the hot path, {} suspended)", a.awaits, a.awaits.saturating_sub(a.suspensions), a.suspensions),
            ),
            ("resumptions", a.resumptions.to_string()),
            ("continuations", a.continuations.to_string()),
            ("frames skipped", a.skipped_frames.to_string()),
            ("thunk crossings", a.thunk_crossings.to_string()),
        ];
        for (i, (label, value)) in rows.iter().enumerate() {
            let sep = if i + 1 < rows.len() { "\n" } else { "" };
            write!(f, "{:<17}{value}{sep}", format!("{label}:"))?;
        }
        Ok(())
    }
}

/// How a run ended.
#[derive(Debug)]
pub struct Outcome {
    pub exit_code: i32,
    pub stats: Stats,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum FrameKind {
    Normal,
    /// Runs an exception filter in a copy of another frame's registers;
    /// `EndFilter` ends it.
    Filter,
    /// An async2 body entered through its thunk (`CallThunk`): its return,
    /// its exception and its suspension each give the thunk a task.
    Thunk,
    /// A Task-returning method called by an awaited virtual call from
    /// async2 code (`CallVirtAsync`): the task it returns is awaited.
    AwaitTask,
    /// An async2 frame resumed from a continuation by the dispatcher (the
    /// bottom of its `run`).
    Resumed,
}

/// `find_handler`'s row for "the thunk below this frame catches it".
const THUNK_ROW: usize = usize::MAX;

/// Where a returning frame's value goes in its caller.
const DISCARD: u16 = Dst::DISCARD.0;

#[derive(Clone, Copy, Debug)]
pub(crate) struct Frame {
    pub method: MethodId,
    /// The next instruction to run (for callers: the one after the call).
    pub pc: u32,
    pub base: u32,
    /// The caller's register that receives the result, or `DISCARD`.
    pub ret: u16,
    pub kind: FrameKind,
}

/// Per-exception state kept while an exception is in flight.
#[derive(Default)]
struct ExceptionState {
    /// Frames deeper than or at this index are already in the trace.
    recorded_to: usize,
    /// Filters already run for this throw: (frame index, filter pc, result).
    /// Keyed by the filter's code, not the handler row: codegen may split
    /// one clause's protected range into several rows.
    filters: Vec<(usize, u32, bool)>,
}

pub struct Vm {
    pub(crate) program: Rc<Program>,
    heap: Heap,
    pub(crate) stack: Vec<Value>,
    pub(crate) frames: Vec<Frame>,
    statics: Vec<Value>,
    consts: Vec<Value>,
    /// Per class: `NewObject`'s field values.
    templates: Vec<Box<[Value]>>,
    class_initialized: Vec<bool>,
    /// In-flight exceptions' state, by object address.
    exceptions: Vec<(Gc<Obj>, ExceptionState)>,
    options: Options,
    stats: Stats,
    out: Box<dyn Write>,
    err: Box<dyn Write>,
    reentry: usize,
    collect_requested: bool,
    object_to_string: Option<MethodId>,
    object_equals: Option<MethodId>,
    exception_class: Option<ClassId>,
    message_slot: usize,
    inner_slot: usize,
    /// The ready and timer queues.
    pub(crate) event_loop: EventLoop,
    /// The current ExecutionContext and SynchronizationContext.
    pub(crate) contexts: Contexts,
    pub(crate) async_stats: AsyncStats,
    /// How many continuations are running inline inside each other.
    pub(crate) inline_depth: usize,
    /// Values natives keep alive across calls back into bytecode.
    pub(crate) temp_roots: Vec<Value>,
    /// Prelude classes and methods the async runtime calls, found once.
    runtime: Option<Runtime>,
    /// The async2 continuations being resumed, innermost last (a frame that
    /// suspends again links its chain to the rest of its own).
    pub(crate) resuming: Vec<Value>,
    /// Set when a resumed async2 frame suspended again (its dispatcher stops).
    pub(crate) suspended: bool,
    /// What `Task.Yield()` returns (made at its first call).
    pub(crate) yield_awaitable: Value,
    /// The completed tasks async methods share (see
    /// [`Vm::cached_completed_task`]).
    pub(crate) task_cache: [Value; crate::tasks::TASK_CACHE],
}

/// The prelude's classes and methods that the async runtime calls.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Runtime {
    /// `MoveNextRunner` and its `Run`.
    pub runner_class: ClassId,
    pub runner_run: MethodId,
    /// `SynchronizationContext.Post` (virtual: user contexts override it).
    pub post: MethodId,
    /// `ContinuationCallback` and its `Invoke`.
    pub callback_class: ClassId,
    pub callback_invoke: MethodId,
    /// `ContinuationCallback.Run`, the same as an `Action`.
    pub callback_run: MethodId,
    pub operation_canceled: ClassId,
    pub task_status: ClassId,
    /// `AggregateException._innerExceptions`.
    pub inner_exceptions_slot: usize,
}

impl Runtime {
    fn find(program: &Program) -> Option<Runtime> {
        let (runner_class, runner_run) = program.prelude_method("System.Runtime.CompilerServices.MoveNextRunner", "Run")?;
        let (_, post) = program.prelude_method("System.Threading.SynchronizationContext", "Post")?;
        let (callback_class, callback_invoke) =
            program.prelude_method("System.Runtime.CompilerServices.ContinuationCallback", "Invoke")?;
        let (_, callback_run) = program.prelude_method("System.Runtime.CompilerServices.ContinuationCallback", "Run")?;
        let operation_canceled = program.class_by_name("System.OperationCanceledException")?;
        let task_status = program.class_by_name("System.Threading.Tasks.TaskStatus")?;
        let aggregate = program.class_by_name("System.AggregateException")?;
        let inner_exceptions_slot = program.class(aggregate).fields.iter().position(|f| f.name == "_innerExceptions")?;
        Some(Runtime {
            runner_class,
            runner_run,
            post,
            callback_class,
            callback_invoke,
            callback_run,
            operation_canceled,
            task_status,
            inner_exceptions_slot,
        })
    }
}

/// Defines the register accessors of a loop over its frame's register
/// pointer `$regs`: `r!(reg)` reads a register, `rf!(reg)` borrows it (the
/// hot arms test tags in place instead of copying values out), `set!(dst,
/// value)` writes one, and `set_fresh!(dst, value)` writes a value fresh
/// from Rust code (a native's result, an int just computed) in one store
/// (see [`Value::write`]). `$d` is `$`, for the inner macros.
///
/// SAFETY (for every use): the verifier proved each register operand is
/// below its method's `nregs`, and each frame's window lies inside the
/// stack; the loops recompute `$regs` whenever the stack may move.
macro_rules! registers {
    ($d:tt, $regs:ident) => {
        #[allow(unused_macros)]
        macro_rules! r {
            ($d reg:expr) => {
                // SAFETY: see `registers!`.
                unsafe { $regs.add($d reg.0 as usize).read() }
            };
        }
        #[allow(unused_macros)]
        macro_rules! rf {
            ($d reg:expr) => {
                // SAFETY: see `registers!`.
                unsafe { &*$regs.add($d reg.0 as usize) }
            };
        }
        #[allow(unused_macros)]
        macro_rules! set {
            ($d dst:expr, $d v:expr) => {{
                let v = $d v;
                // SAFETY: see `registers!`.
                unsafe { $regs.add($d dst.0 as usize).write(v) };
            }};
        }
        #[allow(unused_macros)]
        macro_rules! set_fresh {
            ($d dst:expr, $d v:expr) => {{
                let v = $d v;
                // SAFETY: see `registers!`.
                unsafe { Value::write($regs.add($d dst.0 as usize), v) };
            }};
        }
    };
}

/// Copies `count` arguments from `stack[from..]` into a callee's window
/// `stack[base..end]` and clears the rest of it. Element by element: runs
/// are short, and a memcpy call costs more.
///
/// # Safety
/// `stack` points at the stack; `from .. from + count` and `base .. end`
/// lie inside it and do not overlap, and `count <= end - base`.
#[inline(always)]
unsafe fn fill_window(stack: *mut Value, from: usize, count: usize, base: usize, end: usize) {
    // SAFETY: the caller's guarantees.
    unsafe {
        let (mut src, mut dst) = (stack.add(from), stack.add(base));
        let copied = dst.add(count);
        while dst < copied {
            dst.write(src.read());
            dst = dst.add(1);
            src = src.add(1);
        }
        let stop = stack.add(end);
        while dst < stop {
            dst.write(Value::Null);
            dst = dst.add(1);
        }
    }
}

/// Points a loop's state at `$frame`: its method's code and register
/// count, its pc, its window's base and first register.
macro_rules! switch_to {
    ($vm:ident, $program:ident, $frame:expr => $code:ident, $nregs:ident, $pc:ident, $base:ident, $regs:ident) => {{
        let frame: Frame = $frame;
        let m = $program.method(frame.method);
        $code = &m.code;
        $nregs = m.nregs as usize;
        $pc = frame.pc as usize;
        $base = frame.base as usize;
        // SAFETY: a frame's window lies inside the stack (see `registers!`).
        $regs = unsafe { $vm.stack.as_mut_ptr().add($base) };
    }};
}

impl Vm {
    pub fn new(program: Program, options: Options, out: Box<dyn Write>, err: Box<dyn Write>) -> Vm {
        let program = Rc::new(program);
        let mut heap = Heap::new();
        heap.set_stress(options.gc_stress);
        let consts = program
            .consts
            .iter()
            .map(|c| match c {
                Constant::Int(i) => Value::Int(*i),
                Constant::Double(d) => Value::Double(*d),
                Constant::Char(c) => Value::Char(*c),
                Constant::Str(s) => Value::Obj(heap.alloc(Obj::Str(Str::new(s.as_str())))),
            })
            .collect();
        let templates = program
            .classes
            .iter()
            .map(|c| c.fields.iter().map(|f| default_value(f.default)).collect())
            .collect();
        let statics = program.statics.iter().map(|s| default_value(s.default)).collect();
        let find_method = |class: ClassId, name: &str| {
            program.methods.iter().position(|m| m.class == class && m.name == name).map(|i| MethodId(i as u32))
        };
        let object_to_string = find_method(BuiltinClass::Object.id(), "ToString");
        let object_equals = find_method(BuiltinClass::Object.id(), "Equals");
        let exception_class = program.class_by_name("System.Exception");
        let slot = |name: &str| {
            exception_class
                .and_then(|c| program.class(c).fields.iter().position(|f| f.name == name))
                .unwrap_or(usize::MAX)
        };
        let message_slot = slot("_message");
        let inner_slot = slot("_innerException");
        let runtime = Runtime::find(&program);
        let event_loop = EventLoop::new(options.virtual_time);
        Vm {
            class_initialized: vec![false; program.classes.len()],
            program,
            heap,
            stack: vec![Value::Null; 1024],
            frames: Vec::with_capacity(256),
            statics,
            consts,
            templates,
            exceptions: Vec::new(),
            options,
            stats: Stats::default(),
            out,
            err,
            reentry: 0,
            collect_requested: false,
            object_to_string,
            object_equals,
            exception_class,
            message_slot,
            inner_slot,
            event_loop,
            contexts: Contexts::default(),
            async_stats: AsyncStats::default(),
            inline_depth: 0,
            temp_roots: Vec::new(),
            runtime,
            resuming: Vec::new(),
            suspended: false,
            yield_awaitable: Value::Null,
            task_cache: [Value::Null; crate::tasks::TASK_CACHE],
        }
    }

    // ----- the API natives use -------------------------------------------

    pub fn program(&self) -> &Program {
        &self.program
    }

    /// Allocates; never collects (collections wait for a safepoint).
    pub fn alloc(&mut self, obj: Obj) -> Gc<Obj> {
        self.heap.alloc(obj)
    }

    pub fn str_value(&mut self, s: impl Into<Box<str>>) -> Value {
        Value::Obj(self.heap.alloc(Obj::Str(Str::new(s))))
    }

    pub fn out(&mut self) -> &mut dyn Write {
        &mut *self.out
    }

    /// Standard error; standard output is flushed first so the two interleave
    /// as the program wrote them.
    pub fn err_out(&mut self) -> &mut dyn Write {
        let _ = self.out.flush();
        &mut *self.err
    }

    pub fn heap(&self) -> &Heap {
        &self.heap
    }

    pub fn options(&self) -> &Options {
        &self.options
    }

    /// The run-time class of a value (`null` reports `Object`).
    pub fn class_of(&self, v: Value) -> ClassId {
        v.class()
    }

    /// The full type name of a value, as casts' messages print it.
    pub fn type_name(&self, v: Value) -> String {
        match v {
            Value::Obj(o) => match &*o {
                Obj::Array { elem, .. } => format!("{}[]", self.program.class(*elem).full_name()),
                Obj::Native(n) => n.type_name().to_string(),
                Obj::Task(t) => t.type_name().to_string(),
                _ => self.program.class(self.class_of(v)).full_name(),
            },
            _ => self.program.class(self.class_of(v)).full_name(),
        }
    }

    /// Creates an instance of a built-in exception class with a message.
    pub fn new_exception(&mut self, class_full_name: &str, message: &str) -> Value {
        let class = self
            .program
            .class_by_name(class_full_name)
            .or(self.exception_class)
            .unwrap_or(BuiltinClass::Object.id());
        let obj = self.new_instance(class);
        let msg = self.str_value(message);
        if let Obj::Instance(i) = &*obj {
            i.set(self.message_slot, msg);
        }
        Value::Obj(obj)
    }

    /// Sets an exception's `InnerException` (for built-in wrappers).
    pub fn set_inner_exception(&mut self, exception: Value, inner: Value) {
        if let Some(Obj::Instance(i)) = exception.as_obj().as_deref() {
            i.set(self.inner_slot, inner);
        }
    }

    /// C#'s `ToString()`, running a user override.
    pub fn display(&mut self, v: Value) -> Result<String, VmError> {
        if let Some(m) = self.user_override(v, 0, self.object_to_string) {
            let s = self.call_method(m, &[v])?;
            return Ok(s.as_str().map(str::to_owned).unwrap_or_default());
        }
        Ok(format::to_display(&self.program, v))
    }

    /// C#'s `a.Equals(b)`, running a user override.
    pub fn equals(&mut self, a: Value, b: Value) -> Result<bool, VmError> {
        if let Some(m) = self.user_override(a, 1, self.object_equals) {
            let r = self.call_method(m, &[a, b])?;
            return Ok(matches!(r, Value::Bool(true)));
        }
        Ok(a.equals(b))
    }

    /// Calls a delegate from native code.
    pub fn invoke(&mut self, delegate: Value, args: &[Value]) -> Result<Value, VmError> {
        let (method, target) = match delegate.as_obj().as_deref() {
            Some(Obj::Delegate { method, target }) => (*method, *target),
            Some(_) => return Err(VmError::invalid_cast(&self.type_name(delegate), "System.Delegate")),
            None => return Err(VmError::null_reference()),
        };
        let mut all = Vec::with_capacity(args.len() + 1);
        if !self.program.method(method).flags.is_static {
            all.push(target);
        }
        all.extend_from_slice(args);
        self.call_method(method, &all)
    }

    /// Calls a method from native code and runs it to completion.
    pub fn call_method(&mut self, method: MethodId, args: &[Value]) -> Result<Value, VmError> {
        if self.reentry >= MAX_REENTRY {
            return Err(VmError::StackOverflow);
        }
        if args.len() != self.program.method(method).arity as usize {
            return Err(VmError::throw(
                "System.ArgumentException",
                format!("Parameter count mismatch calling {}.", self.program.method_display_name(method)),
            ));
        }
        let boundary = self.frames.len();
        let base = self.top();
        self.push_frame(method, base, args.len(), DISCARD, FrameKind::Normal)?;
        self.stack[base..base + args.len()].copy_from_slice(args);
        self.reentry += 1;
        let r = self.run(boundary);
        self.reentry -= 1;
        r
    }

    /// Calls an async2 resume stub on a continuation (the dispatcher's
    /// step) and runs the resumed frame until it returns or suspends.
    pub(crate) fn call_resume_stub(&mut self, stub: MethodId, continuation: Value) -> Result<Value, VmError> {
        if self.reentry >= MAX_REENTRY {
            return Err(VmError::StackOverflow);
        }
        let boundary = self.frames.len();
        let base = self.top();
        self.push_frame(stub, base, 1, DISCARD, FrameKind::Resumed)?;
        self.stack[base] = continuation;
        self.reentry += 1;
        let r = self.run(boundary);
        self.reentry -= 1;
        r
    }

    /// The prelude members the async runtime calls.
    pub(crate) fn runtime(&self) -> Result<Runtime, VmError> {
        self.runtime.ok_or_else(|| {
            VmError::throw("System.MissingMethodException", "The prelude lacks the async runtime's classes.")
        })
    }

    /// Whether an exception is an `OperationCanceledException` (it cancels
    /// the task it escapes from, instead of faulting it).
    pub fn is_cancellation(&self, exc: Value) -> bool {
        self.runtime.is_some_and(|rt| self.program.is_subclass(self.class_of(exc), rt.operation_canceled))
    }

    /// A `TaskStatus` enum value by name.
    pub fn task_status(&self, name: &str) -> Result<Value, VmError> {
        let c = self.runtime()?.task_status;
        let v = self.program.class(c).enum_members.iter().find(|(n, _)| n == name).map_or(0, |(_, v)| *v);
        Ok(Value::Enum(c, v))
    }

    /// The exception object an error stands for; fatal errors stay errors.
    pub fn error_to_exception(&mut self, e: VmError) -> Result<Value, VmError> {
        match e {
            VmError::Throw { class, message } => Ok(self.new_exception(class, &message)),
            VmError::Exception(v) => Ok(v),
            fatal => Err(fatal),
        }
    }

    /// Asks for a full collection at the next safepoint, which is right after
    /// the current native returns (`GC.Collect`).
    pub fn request_collection(&mut self) {
        self.collect_requested = true;
    }

    /// Collects now. Only the interpreter calls it, at safepoints.
    fn collect(&mut self) {
        self.collect_requested = false;
        let roots = RootSet {
            stack: &self.stack[..self.top()],
            statics: &self.statics,
            consts: &self.consts,
            exceptions: &self.exceptions,
            event_loop: &self.event_loop,
            contexts: &self.contexts,
            temp_roots: &self.temp_roots,
            resuming: &self.resuming,
            yield_awaitable: &self.yield_awaitable,
            task_cache: &self.task_cache,
        };
        // SAFETY: this runs only between instructions (the `safepoint!` of the
        // interpreter loop), where every live value is in a register of a
        // frame below `top`, a static, a constant or an exception in flight,
        // which is exactly what `RootSet` reports; natives and slow paths have
        // returned and hold no `Gc` in Rust locals.
        unsafe { self.heap.collect(&roots) };
    }

    // ----- running a program ---------------------------------------------

    /// Runs `Main` (or the top-level statements) to the end.
    pub fn run_main(&mut self) -> Result<i32, VmError> {
        let entry = self.program.entry;
        let arity = self.program.method(entry).arity as usize;
        let args = if arity == 1 {
            let arr = self.alloc(Obj::Array {
                elem: BuiltinClass::String.id(),
                items: std::cell::RefCell::new(Vec::new()),
            });
            vec![Value::Obj(arr)]
        } else {
            Vec::new()
        };
        let base = self.top();
        self.push_frame(entry, base, args.len(), DISCARD, FrameKind::Normal)?;
        self.stack[base..base + args.len()].copy_from_slice(&args);
        let mut result = self.run(0)?;
        if self.program.method(entry).flags.is_async.is_some() {
            // `async Task Main`: run the event loop until its task completes.
            self.temp_roots.push(result);
            let done = self.run_until_complete(result).and_then(|()| self.task_result(result));
            self.temp_roots.pop();
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
                && !matches!(m.async2.as_deref(), Some(crate::program::Async2Role::Body { .. } | crate::program::Async2Role::ResumeStub { .. }))
                && self.program.class(m.class).full_name() == class
        });
        let Some(id) = found else {
            return Err(VmError::throw("System.MissingMethodException", format!("Method not found: '{class}.{method}'.")));
        };
        let v = self.call_method(MethodId(id as u32), args)?;
        if crate::tasks::task_ref(&v).is_none() {
            return Ok(v);
        }
        self.temp_roots.push(v);
        let r = self.run_until_complete(v).and_then(|()| self.task_result(v));
        self.temp_roots.pop();
        r
    }

    /// Finishes the run: flushes output, reports an unhandled exception the
    /// way .NET does, and collects the statistics.
    pub fn finish(mut self, result: Result<i32, VmError>) -> Outcome {
        let exit_code = match result {
            Ok(code) => code,
            Err(VmError::StackOverflow) => {
                let _ = writeln!(self.err_out(), "Stack overflow.");
                1
            }
            Err(VmError::Exit(code)) => code,
            Err(VmError::Unhandled(exc) | VmError::Exception(exc)) => {
                self.frames.clear();
                let text = match self.display(exc) {
                    Ok(t) => t,
                    Err(_) => self.type_name(exc),
                };
                let _ = writeln!(self.err_out(), "Unhandled exception. {text}");
                1
            }
            Err(VmError::OutOfFuel) => {
                let _ = writeln!(self.err_out(), "Execution stopped: instruction budget exhausted.");
                1
            }
            Err(e @ VmError::Throw { .. }) => {
                let _ = writeln!(self.err_out(), "Unhandled exception. {e}");
                1
            }
        };
        let _ = self.out.flush();
        let _ = self.err.flush();
        let h = self.heap.stats();
        let mut stats = self.stats.clone();
        stats.allocations = h.objects_allocated;
        stats.collections = h.collections;
        stats.total_pause = h.total_pause;
        stats.max_pause = h.max_pause;
        stats.peak_heap_bytes = h.peak_bytes;
        stats.async_stats = self.async_stats.clone();
        Outcome { exit_code, stats }
    }

    // ----- frames ---------------------------------------------------------

    /// The first register above the top frame's window.
    fn top(&self) -> usize {
        match self.frames.last() {
            Some(f) => f.base as usize + self.program.method(f.method).nregs as usize,
            None => 0,
        }
    }

    /// Pushes a frame whose window starts at `base`; the caller has put (or
    /// will put) `nargs` arguments in its first registers. Clears the rest.
    #[inline]
    fn push_frame(&mut self, method: MethodId, base: usize, nargs: usize, ret: u16, kind: FrameKind) -> Result<(), VmError> {
        if self.frames.len() >= self.options.max_depth {
            return Err(VmError::StackOverflow);
        }
        let nregs = self.program.method(method).nregs as usize;
        let end = base + nregs.max(nargs);
        if end > self.stack.len() {
            self.stack.resize(end.max(self.stack.len() * 2), Value::Null);
        }
        for r in &mut self.stack[base + nargs..end] {
            *r = Value::Null;
        }
        self.frames.push(Frame { method, pc: 0, base: base as u32, ret, kind });
        self.stats.calls += 1;
        Ok(())
    }

    /// A new instance of a class, fields at their defaults, no constructor run.
    pub(crate) fn new_instance(&mut self, class: ClassId) -> Gc<Obj> {
        let fields = self.templates[class.index()].clone();
        self.heap.alloc(Obj::Instance(Instance {
            class,
            fields: std::cell::RefCell::new(fields),
            stack_trace: std::cell::RefCell::new(Vec::new()),
            hash: std::cell::Cell::new(0),
        }))
    }

    /// The user method in `slot` of `v`'s class, if it overrides `base`.
    fn user_override(&self, v: Value, slot: usize, base: Option<MethodId>) -> Option<MethodId> {
        let Value::Obj(o) = v else { return None };
        let Obj::Instance(i) = &*o else { return None };
        let m = *self.program.class(i.class).vtable.get(slot)?;
        (Some(m) != base).then_some(m)
    }

    /// Resolves a virtual or interface method on a receiver.
    pub(crate) fn resolve_virtual(&self, method: MethodId, receiver: Value) -> Result<MethodId, VmError> {
        let class = match receiver {
            Value::Null => return Err(VmError::null_reference()),
            v => self.class_of(v),
        };
        let m = self.program.method(method);
        let c = self.program.class(class);
        if let Some(slot) = m.vslot
            && self.program.class(m.class).kind != ClassKind::Interface
        {
            if let Some(&imp) = c.vtable.get(slot as usize) {
                return Ok(imp);
            }
        } else if let Some(&(_, imp)) = c.itable.iter().find(|(decl, _)| *decl == method) {
            return Ok(imp);
        }
        if m.code.is_empty() {
            return Err(VmError::throw(
                "System.MissingMethodException",
                format!("Method not found: '{}' on '{}'.", self.program.method_display_name(method), c.full_name()),
            ));
        }
        Ok(method)
    }

    // ----- the loop -------------------------------------------------------

    /// Runs until the frame at index `boundary` returns, and gives back its
    /// value. An exception that no handler above the boundary catches comes
    /// back as an error after the frames above the boundary are unwound.
    fn run(&mut self, boundary: usize) -> Result<Value, VmError> {
        if self.options.count_instructions || self.options.max_instructions.is_some() {
            self.run_loop::<true>(boundary)
        } else {
            self.run_loop::<false>(boundary)
        }
    }

    /// [`Vm::run`], counting instructions (and bounding them by
    /// `max_instructions`) if `COUNT`.
    fn run_loop<const COUNT: bool>(&mut self, boundary: usize) -> Result<Value, VmError> {
        let program = Rc::clone(&self.program);
        let mut instructions: u64 = 0;
        let fuel = self.options.max_instructions.map_or(u64::MAX, |f| f.saturating_sub(self.stats.instructions));
        let result = 'outer: loop {
            if !COUNT && let Err(e) = self.run_fast(&program, boundary) {
                match self.raise(e, boundary) {
                    Ok(()) => continue 'outer,
                    Err(e) => break 'outer Err(e),
                }
            }
            // (Re)load the top frame's state.
            let Some(&frame) = self.frames.last() else { break Ok(Value::Null) };
            // SAFETY (for the unchecked accesses in `r!`, `set!` and the
            // instruction fetch): the verifier proved every register operand
            // is below the method's `nregs`, and every frame's window
            // `base .. base + nregs` lies inside `self.stack`, which is sized
            // when the frame is pushed and never shrinks. It also proved every
            // jump target is in the code and that the last instruction cannot
            // fall through, so `pc` stays inside `code`.
            // `regs` points at the frame's first register. Every arm that
            // can move the stack (a call, a return, a native) recomputes it.
            let (mut code, mut nregs, mut pc, mut base, mut regs): (&[Instr], usize, usize, usize, *mut Value);
            switch_to!(self, program, frame => code, nregs, pc, base, regs);
            registers!($, regs);
            // Leaves the frame's state consistent and goes to the top of the
            // outer loop (after a call, a return or a throw).
            macro_rules! save {
                () => {
                    if let Some(f) = self.frames.last_mut() {
                        f.pc = pc as u32;
                    }
                };
            }
            macro_rules! throw {
                ($e:expr) => {{
                    save!();
                    match self.raise($e, boundary) {
                        Ok(()) => continue 'outer,
                        Err(e) => break 'outer Err(e),
                    }
                }};
            }
            macro_rules! tri {
                ($e:expr) => {
                    match $e {
                        Ok(v) => v,
                        Err(e) => throw!(e),
                    }
                };
            }
            // Bounds every loop (jumps) and every recursion (calls).
            macro_rules! fuel {
                () => {
                    if COUNT && instructions >= fuel {
                        self.stats.instructions += instructions;
                        instructions = 0;
                        break 'outer Err(VmError::OutOfFuel);
                    }
                };
            }
            macro_rules! safepoint {
                () => {
                    if self.collect_requested || self.heap.should_collect() {
                        self.collect();
                    }
                };
            }

            // The frame (its pc saved: where it resumes) suspends on a
            // library or user awaiter; the frames popped, the loop goes on
            // with what is left, or leaves at the boundary.
            macro_rules! suspend {
                ($wait:expr) => {{
                    match self.suspend($wait) {
                        Ok(()) if self.frames.len() <= boundary => break 'outer Ok(Value::Null),
                        Ok(()) => continue 'outer,
                        Err(e) => match self.raise(e, boundary) {
                            Ok(()) => continue 'outer,
                            Err(e) => break 'outer Err(e),
                        },
                    }
                }};
            }

            // A call or a return that stays in bytecode switches frames here,
            // without going back to the outer loop. `enter!` is `push_frame`
            // plus the argument copy, written out: calling `push_frame` from
            // here measured 8-10% slower on fib(30).
            macro_rules! enter {
                ($target:expr, $dst:expr, $args:expr, $first:expr) => {{
                    let callee = program.method($target);
                    if self.frames.len() >= self.options.max_depth {
                        break 'outer Err(VmError::StackOverflow);
                    }
                    save!();
                    let new_base = base + nregs;
                    let callee_regs = callee.nregs as usize;
                    let end = new_base + callee_regs;
                    if end > self.stack.len() {
                        self.stack.resize(end.max(self.stack.len() * 2), Value::Null);
                    }
                    let from = base + $args.base as usize + $first;
                    let count = $args.count as usize - $first;
                    // SAFETY: `from .. from + count` is inside the caller's
                    // window (verified `Args`), `new_base .. end` inside the
                    // stack (resized above), and the two do not overlap: the
                    // callee's window starts where the caller's ends.
                    unsafe { fill_window(self.stack.as_mut_ptr(), from, count, new_base, end) };
                    self.frames.push(Frame { method: $target, pc: 0, base: new_base as u32, ret: $dst.0, kind: FrameKind::Normal });
                    self.stats.calls += 1;
                    base = new_base;
                    regs = unsafe { self.stack.as_mut_ptr().add(base) };
                    code = &callee.code;
                    nregs = callee_regs;
                    pc = 0;
                }};
            }
            macro_rules! leave {
                ($v:expr) => {{
                    let v = $v;
                    let Some(done) = self.frames.pop() else { break 'outer Ok(v) };
                    if done.kind != FrameKind::Normal {
                        match done.kind {
                            FrameKind::Thunk => {
                                self.complete_thunk(done, crate::tasks::TaskOutcome::Result(v));
                                continue 'outer;
                            }
                            FrameKind::AwaitTask => {
                                // The caller (async2) awaits the task its
                                // Task-returning callee gave back.
                                match self.await_returned_task(v) {
                                    Ok(Some(x)) => {
                                        if let Some(caller) = self.frames.last() {
                                            self.stack[caller.base as usize + done.ret as usize] = x;
                                        }
                                        continue 'outer;
                                    }
                                    Ok(None) if self.frames.len() <= boundary => break 'outer Ok(Value::Null),
                                    Ok(None) => continue 'outer,
                                    Err(e) => match self.raise(e, boundary) {
                                        Ok(()) => continue 'outer,
                                        Err(e) => break 'outer Err(e),
                                    },
                                }
                            }
                            _ => break 'outer Ok(v),
                        }
                    }
                    if self.frames.len() <= boundary {
                        break 'outer Ok(v);
                    }
                    let Some(&caller) = self.frames.last() else { break 'outer Ok(v) };
                    switch_to!(self, program, caller => code, nregs, pc, base, regs);
                    if done.ret != DISCARD {
                        set!(Reg(done.ret), v);
                    }
                }};
            }

            loop {
                // SAFETY: see above.
                let instr: &Instr = unsafe { code.get_unchecked(pc) };
                pc += 1;
                if COUNT {
                    instructions += 1;
                }
                match *instr {
                    Instr::Nop {} => {}
                    Instr::Move { dst, src } => set!(dst, r!(src)),
                    Instr::LoadNull { dst } => set!(dst, Value::Null),
                    Instr::LoadBool { dst, value } => set!(dst, Value::Bool(value)),
                    Instr::LoadInt { dst, value } => set!(dst, Value::Int(value as i64)),
                    Instr::LoadConst { dst, k } => set!(dst, self.consts[k.index()]),
                    Instr::LoadEnum { dst, class, value } => set!(dst, Value::Enum(class, value as i64)),
                    Instr::Add { dst, a, b } => match (rf!(a), rf!(b)) {
                        (&Value::Int(x), &Value::Int(y)) => set!(dst, Value::Int(x.wrapping_add(y))),
                        (&x, &y) => {
                            let v = tri!(self.add_slow(x, y));
                            set!(dst, v);
                            safepoint!();
                        }
                    },
                    Instr::AddImm { dst, a, imm } => match rf!(a) {
                        &Value::Int(x) => set!(dst, Value::Int(x.wrapping_add(imm as i64))),
                        &x => {
                            let v = tri!(self.add_slow(x, Value::Int(imm as i64)));
                            set!(dst, v);
                        }
                    },
                    Instr::Sub { dst, a, b } => match (r!(a), r!(b)) {
                        (Value::Int(x), Value::Int(y)) => set!(dst, Value::Int(x.wrapping_sub(y))),
                        (x, y) => set!(dst, tri!(arith(x, y, ArithOp::Sub))),
                    },
                    Instr::Mul { dst, a, b } => match (r!(a), r!(b)) {
                        (Value::Int(x), Value::Int(y)) => set!(dst, Value::Int(x.wrapping_mul(y))),
                        (x, y) => set!(dst, tri!(arith(x, y, ArithOp::Mul))),
                    },
                    Instr::Div { dst, a, b } => set!(dst, tri!(arith(r!(a), r!(b), ArithOp::Div))),
                    Instr::Rem { dst, a, b } => set!(dst, tri!(arith(r!(a), r!(b), ArithOp::Rem))),
                    Instr::BitAnd { dst, a, b } => set!(dst, tri!(bitwise(r!(a), r!(b), BitOp::And))),
                    Instr::BitOr { dst, a, b } => set!(dst, tri!(bitwise(r!(a), r!(b), BitOp::Or))),
                    Instr::BitXor { dst, a, b } => set!(dst, tri!(bitwise(r!(a), r!(b), BitOp::Xor))),
                    Instr::Shl { dst, a, b } => set!(dst, tri!(bitwise(r!(a), r!(b), BitOp::Shl))),
                    Instr::Shr { dst, a, b } => set!(dst, tri!(bitwise(r!(a), r!(b), BitOp::Shr))),
                    Instr::Neg { dst, src } => set!(
                        dst,
                        match r!(src) {
                            Value::Int(x) => Value::Int(x.wrapping_neg()),
                            Value::Char(c) => Value::Int(-(c as i64)),
                            Value::Double(d) => Value::Double(-d),
                            v => throw!(self.bad_operand("-", v)),
                        }
                    ),
                    Instr::Not { dst, src } => set!(
                        dst,
                        match r!(src) {
                            Value::Bool(b) => Value::Bool(!b),
                            v => throw!(self.bad_operand("!", v)),
                        }
                    ),
                    Instr::BitNot { dst, src } => set!(
                        dst,
                        match r!(src) {
                            Value::Int(x) => Value::Int(!x),
                            Value::Char(c) => Value::Int(!(c as i64)),
                            Value::Enum(c, x) => Value::Enum(c, !x),
                            v => throw!(self.bad_operand("~", v)),
                        }
                    ),
                    Instr::Eq { dst, a, b } => set!(dst, Value::Bool(r!(a).equals(r!(b)))),
                    Instr::Ne { dst, a, b } => set!(dst, Value::Bool(!r!(a).equals(r!(b)))),
                    Instr::Lt { dst, a, b } => set!(dst, Value::Bool(tri!(less(r!(a), r!(b))))),
                    Instr::Le { dst, a, b } => set!(dst, Value::Bool(tri!(less_eq(r!(a), r!(b))))),
                    Instr::Gt { dst, a, b } => set!(dst, Value::Bool(tri!(less(r!(b), r!(a))))),
                    Instr::Ge { dst, a, b } => set!(dst, Value::Bool(tri!(less_eq(r!(b), r!(a))))),
                    Instr::Jump { target } => {
                        fuel!();
                        pc = target.index();
                    }
                    Instr::JumpIfTrue { cond, target } => {
                        fuel!();
                        if let Value::Bool(true) = r!(cond) {
                            pc = target.index();
                        }
                    }
                    Instr::JumpIfFalse { cond, target } => {
                        fuel!();
                        if !matches!(r!(cond), Value::Bool(true)) {
                            pc = target.index();
                        }
                    }
                    Instr::JumpIfNull { src, target } => {
                        fuel!();
                        if r!(src).is_null() {
                            pc = target.index();
                        }
                    }
                    Instr::JumpIfNotNull { src, target } => {
                        fuel!();
                        if !r!(src).is_null() {
                            pc = target.index();
                        }
                    }
                    Instr::JumpIfNotLt { a, b, target } => {
                        fuel!();
                        let lt = match (rf!(a), rf!(b)) {
                            (&Value::Int(x), &Value::Int(y)) => x < y,
                            (&x, &y) => tri!(less(x, y)),
                        };
                        if !lt {
                            pc = target.index();
                        }
                    }
                    Instr::JumpIfNotLtImm { a, imm, target } => {
                        fuel!();
                        let lt = match rf!(a) {
                            &Value::Int(x) => x < imm as i64,
                            &x => tri!(less(x, Value::Int(imm as i64))),
                        };
                        if !lt {
                            pc = target.index();
                        }
                    }
                    Instr::Conv { dst, src, to } => set!(dst, tri!(self.convert(r!(src), to))),
                    Instr::ConvEnum { dst, src, class } => set!(
                        dst,
                        match r!(src) {
                            Value::Double(d) => Value::Enum(class, d as i64),
                            v => match v.as_int() {
                                Some(i) => Value::Enum(class, i),
                                None => throw!(self.bad_operand("enum conversion", v)),
                            },
                        }
                    ),
                    Instr::ToStr { dst, src } => {
                        let v = r!(src);
                        if let Some(m) = self.user_override(v, 0, self.object_to_string) {
                            save!();
                            let callee = self.top();
                            tri!(self.push_frame(m, callee, 1, dst.0, FrameKind::Normal));
                            self.stack[callee] = v;
                            continue 'outer;
                        }
                        if v.as_str().is_none() {
                            let s = format::to_display(&program, v);
                            set!(dst, self.str_value(s));
                            safepoint!();
                        } else {
                            set!(dst, v);
                        }
                    }
                    Instr::Concat { dst, args } => {
                        let mut s = String::new();
                        for reg in args.regs() {
                            let v = r!(reg);
                            match v.as_str() {
                                Some(t) => s.push_str(t),
                                None => s.push_str(&format::to_display(&program, v)),
                            }
                        }
                        set!(dst, self.str_value(s));
                        safepoint!();
                    }
                    Instr::NewObject { dst, class } => {
                        let o = self.new_instance(class);
                        set!(dst, Value::Obj(o));
                        safepoint!();
                    }
                    Instr::GetField { dst, obj, field, .. } => {
                        let v = match r!(obj) {
                            Value::Obj(o) => match &*o {
                                Obj::Instance(i) => i.get(field.index()),
                                _ => throw!(self.bad_operand("field access", Value::Obj(o))),
                            },
                            _ => throw!(VmError::null_reference()),
                        };
                        set!(dst, v);
                    }
                    Instr::SetField { obj, field, src, .. } => match r!(obj) {
                        Value::Obj(o) => match &*o {
                            Obj::Instance(i) => i.set(field.index(), r!(src)),
                            _ => throw!(self.bad_operand("field access", Value::Obj(o))),
                        },
                        _ => throw!(VmError::null_reference()),
                    },
                    Instr::InitClass { class } => {
                        if !self.class_initialized[class.index()] {
                            self.class_initialized[class.index()] = true;
                            if let Some(cctor) = program.class(class).cctor {
                                save!();
                                let callee = self.top();
                                tri!(self.push_frame(cctor, callee, 0, DISCARD, FrameKind::Normal));
                                continue 'outer;
                            }
                        }
                    }
                    Instr::GetStatic { dst, id } => set!(dst, self.statics[id.index()]),
                    Instr::SetStatic { id, src } => self.statics[id.index()] = r!(src),
                    Instr::NewArray { dst, elem, len } => {
                        let n = match r!(len).as_int() {
                            Some(n) if n >= 0 => n as usize,
                            Some(_) => throw!(VmError::throw(
                                "System.OverflowException",
                                "Arithmetic operation resulted in an overflow."
                            )),
                            None => throw!(self.bad_operand("array size", r!(len))),
                        };
                        if n > (1 << 24) {
                            throw!(VmError::throw("System.OutOfMemoryException", "Array dimensions exceeded supported range."));
                        }
                        let fill = element_default(&program, elem);
                        let a = self.alloc(Obj::Array { elem, items: std::cell::RefCell::new(vec![fill; n]) });
                        set!(dst, Value::Obj(a));
                        safepoint!();
                    }
                    Instr::GetIndex { dst, obj, index } => {
                        let v = tri!(self.get_index(r!(obj), r!(index)));
                        set!(dst, v);
                    }
                    Instr::SetIndex { obj, index, src } => tri!(self.set_index(r!(obj), r!(index), r!(src))),
                    Instr::Call { dst, method, args } => {
                        fuel!();
                        enter!(method, dst, args, 0);
                    }
                    Instr::CallVirt { dst, method, args } => {
                        fuel!();
                        let target = tri!(self.resolve_virtual(method, r!(Reg(args.base))));
                        enter!(target, dst, args, 0);
                    }
                    Instr::CallNative { dst, native, args } => {
                        save!();
                        let v = tri!(self.call_native(native, regs, args));
                        // The native may have run bytecode that grew the stack.
                        regs = unsafe { self.stack.as_mut_ptr().add(base) };
                        set_fresh!(dst, v);
                        safepoint!();
                    }
                    Instr::CallDelegate { dst, args } => {
                        fuel!();
                        let (m, target) = match r!(Reg(args.base)).as_obj().as_deref() {
                            Some(Obj::Delegate { method, target }) => (*method, *target),
                            Some(_) => throw!(self.bad_operand("delegate call", r!(Reg(args.base)))),
                            None => throw!(VmError::null_reference()),
                        };
                        let is_static = program.method(m).flags.is_static;
                        let nargs = args.count as usize - 1 + usize::from(!is_static);
                        if nargs != program.method(m).arity as usize {
                            throw!(VmError::throw("System.ArgumentException", "Delegate called with the wrong number of arguments."));
                        }
                        save!();
                        let callee = self.top();
                        tri!(self.push_frame(m, callee, nargs, dst.0, FrameKind::Normal));
                        let from = base + args.base as usize + 1;
                        let mut to = callee;
                        if !is_static {
                            self.stack[callee] = target;
                            to += 1;
                        }
                        self.stack.copy_within(from..from + args.count as usize - 1, to);
                        continue 'outer;
                    }
                    Instr::Return { src } => leave!(r!(src)),
                    Instr::ReturnVoid {} => leave!(Value::Null),
                    Instr::MakeDelegate { dst, method, target } => {
                        let t = r!(target);
                        let m = if program.method(method).flags.is_virtual && !t.is_null() {
                            tri!(self.resolve_virtual(method, t))
                        } else {
                            method
                        };
                        let d = self.alloc(Obj::Delegate { method: m, target: t });
                        set!(dst, Value::Obj(d));
                        safepoint!();
                    }
                    Instr::IsInst { dst, src, class } => set!(dst, Value::Bool(self.is_instance(r!(src), class))),
                    Instr::AsInst { dst, src, class } => {
                        let v = r!(src);
                        set!(dst, if self.is_instance(v, class) { v } else { Value::Null });
                    }
                    Instr::CastClass { dst, src, class } => {
                        let v = r!(src);
                        if !v.is_null() && !self.is_instance(v, class) {
                            let to = program.class(class).full_name();
                            throw!(VmError::invalid_cast(&self.type_name(v), &to));
                        }
                        if v.is_null() && is_value_type(&program, class) {
                            throw!(VmError::null_reference());
                        }
                        set!(dst, v);
                    }
                    Instr::TypeOf { dst, class } => {
                        let t = self.alloc(Obj::Type(class));
                        set!(dst, Value::Obj(t));
                        safepoint!();
                    }
                    Instr::Throw { src } => {
                        let exc = r!(src);
                        if exc.is_null() {
                            throw!(VmError::null_reference());
                        }
                        if let Some(o) = exc.as_obj() {
                            self.forget_exception(o);
                            if let Obj::Instance(i) = &*o {
                                i.stack_trace.borrow_mut().clear();
                            }
                        }
                        throw!(VmError::Exception(exc));
                    }
                    Instr::Rethrow { src } | Instr::EndFinally { src } => {
                        let exc = r!(src);
                        let Some(o) = exc.as_obj() else { throw!(VmError::null_reference()) };
                        if matches!(instr, Instr::Rethrow { .. })
                            && let Some((_, st)) = self.exceptions.iter_mut().find(|(e, _)| Gc::ptr_eq(*e, o))
                        {
                            st.filters.clear();
                        }
                        save!();
                        match self.raise_object(exc, boundary) {
                            Ok(()) => continue 'outer,
                            Err(e) => break 'outer Err(e),
                        }
                    }
                    Instr::EndFilter { src } => {
                        let v = r!(src);
                        self.frames.pop();
                        break 'outer Ok(v);
                    }
                    Instr::Await { awaiter, site, resume } => {
                        pc = resume.index();
                        save!();
                        suspend!(crate::async2::runtime::Wait::Awaiter { awaiter: r!(awaiter), site });
                    }
                    Instr::AwaitTask { dst, awaitable, .. } => {
                        self.async_stats.awaits += 1;
                        let a = tri!(crate::builtins::tasks::awaited(self, r!(awaitable)));
                        let done = tri!(self.completed_result(&a).transpose());
                        match done {
                            Some(v) => set!(dst, v),
                            None => {
                                save!();
                                suspend!(crate::async2::runtime::Wait::Library(a));
                            }
                        }
                    }
                    Instr::CallAsync { dst, method, args } => {
                        fuel!();
                        enter!(method, dst, args, 0);
                    }
                    Instr::CallVirtAsync { dst, method, args } => {
                        fuel!();
                        let target = tri!(self.resolve_virtual(method, r!(Reg(args.base))));
                        match program.method(target).async2.as_deref() {
                            Some(&crate::program::Async2Role::Thunk { body }) => enter!(body, dst, args, 0),
                            _ => {
                                enter!(target, dst, args, 0);
                                if let Some(f) = self.frames.last_mut() {
                                    f.kind = FrameKind::AwaitTask;
                                }
                            }
                        }
                    }
                    Instr::CallThunk { dst, method, args } => {
                        fuel!();
                        self.async_stats.thunk_crossings += 1;
                        set!(Reg(dst.0 + 1), self.contexts.execution);
                        set!(Reg(dst.0 + 2), self.contexts.sync_ctx);
                        enter!(method, dst, args, 0);
                        if let Some(f) = self.frames.last_mut() {
                            f.kind = FrameKind::Thunk;
                        }
                    }
                    Instr::Resume { method, cont } => {
                        let c = r!(cont);
                        match self.resume_frame(method, c) {
                            Ok(None) => continue 'outer,
                            Ok(Some(exc)) => match self.raise_object(exc, boundary) {
                                Ok(()) => continue 'outer,
                                Err(e) => break 'outer Err(e),
                            },
                            Err(e) => throw!(e),
                        }
                    }
                }
                // SAFETY: `pc` is the instruction this loop would fetch next.
                if !COUNT && Vm::is_fast(unsafe { code.get_unchecked(pc) }) {
                    // Back to the fast loop.
                    save!();
                    continue 'outer;
                }
            }
        };
        self.stats.instructions += instructions;
        result
    }

    /// The fast loop: the common case of the commonest instructions, from
    /// the top frame's saved pc, until an instruction (or a case of one)
    /// that needs more, whose pc it saves for [`Vm::run_loop`] to run.
    ///
    /// Only calls and returns between plain bytecode frames, int
    /// arithmetic and comparisons, moves, jumps, field access and natives
    /// are here; nothing in it throws or counts, and natives are its only
    /// calls out. That is the point: the compiler keeps `pc`, `regs` and
    /// `code` in machine registers here, which it does not in the general
    /// loop, where every arm's calls clobber them. `toy bench fib`: 21.3-22.2
    /// ns per call without it, 19.2-19.3 with it (`lua5.4`: 19.8-20.5 in the
    /// same runs).
    /// `--stats` (and `--max-instructions`) do not use it: the general loop
    /// counts.
    ///
    /// An exception thrown by a native comes back as `Err`, the frame's pc
    /// after the call, for the caller to raise.
    #[inline(never)]
    fn run_fast(&mut self, program: &Program, boundary: usize) -> Result<(), VmError> {
        let Some(&frame) = self.frames.last() else { return Ok(()) };
        let (mut code, mut nregs, mut pc, mut base, mut regs): (&[Instr], usize, usize, usize, *mut Value);
        switch_to!(self, program, frame => code, nregs, pc, base, regs);
        registers!($, regs);
        macro_rules! ints {
            ($a:expr, $b:expr) => {
                match (rf!($a), rf!($b)) {
                    (&Value::Int(x), &Value::Int(y)) => (x, y),
                    _ => break,
                }
            };
        }
        // A call of a bytecode method (else `break`); the caller resumes at
        // `$resume`.
        macro_rules! enter {
            ($method:expr, $dst:expr, $args:expr, $resume:expr) => {{
                let callee = program.method($method);
                let new_base = base + nregs;
                let callee_regs = callee.nregs as usize;
                let end = new_base + callee_regs;
                if self.frames.len() >= self.options.max_depth || end > self.stack.len() {
                    break;
                }
                if let Some(f) = self.frames.last_mut() {
                    f.pc = $resume as u32;
                }
                // SAFETY: as in `run_loop`'s `enter!`; the stack is long
                // enough (checked above).
                unsafe {
                    fill_window(self.stack.as_mut_ptr(), base + $args.base as usize, $args.count as usize, new_base, end)
                };
                self.frames.push(Frame { method: $method, pc: 0, base: new_base as u32, ret: $dst.0, kind: FrameKind::Normal });
                base = new_base;
                // SAFETY: as in `run_loop` (the window and the code are verified).
                regs = unsafe { self.stack.as_mut_ptr().add(base) };
                code = &callee.code;
                nregs = callee_regs;
                pc = 0;
            }};
        }
        // A return to a plain bytecode caller (else `break`).
        macro_rules! ret {
            ($v:expr) => {{
                let n = self.frames.len();
                // Above the boundary, so the caller is a frame too.
                if n <= boundary + 1 || self.frames[n - 1].kind != FrameKind::Normal {
                    break;
                }
                let v = $v;
                let done = self.frames[n - 1];
                self.frames.truncate(n - 1);
                switch_to!(self, program, self.frames[n - 2] => code, nregs, pc, base, regs);
                if done.ret != DISCARD {
                    set!(Reg(done.ret), v);
                }
            }};
        }
        loop {
            // SAFETY: as in `run_loop`.
            let instr: &Instr = unsafe { code.get_unchecked(pc) };
            pc += 1;
            match *instr {
                Instr::Nop {} => {}
                Instr::Move { dst, src } => set!(dst, r!(src)),
                Instr::LoadNull { dst } => set!(dst, Value::Null),
                Instr::LoadBool { dst, value } => set!(dst, Value::Bool(value)),
                Instr::LoadInt { dst, value } => set_fresh!(dst, Value::Int(value as i64)),
                Instr::LoadConst { dst, k } => set!(dst, self.consts[k.index()]),
                Instr::Add { dst, a, b } => {
                    let (x, y) = ints!(a, b);
                    set_fresh!(dst, Value::Int(x.wrapping_add(y)));
                }
                Instr::AddImm { dst, a, imm } => match rf!(a) {
                    &Value::Int(x) => set_fresh!(dst, Value::Int(x.wrapping_add(imm as i64))),
                    _ => break,
                },
                Instr::Sub { dst, a, b } => {
                    let (x, y) = ints!(a, b);
                    set_fresh!(dst, Value::Int(x.wrapping_sub(y)));
                }
                Instr::Mul { dst, a, b } => {
                    let (x, y) = ints!(a, b);
                    set_fresh!(dst, Value::Int(x.wrapping_mul(y)));
                }
                Instr::Lt { dst, a, b } => {
                    let (x, y) = ints!(a, b);
                    set!(dst, Value::Bool(x < y));
                }
                Instr::Le { dst, a, b } => {
                    let (x, y) = ints!(a, b);
                    set!(dst, Value::Bool(x <= y));
                }
                Instr::Gt { dst, a, b } => {
                    let (x, y) = ints!(a, b);
                    set!(dst, Value::Bool(x > y));
                }
                Instr::Ge { dst, a, b } => {
                    let (x, y) = ints!(a, b);
                    set!(dst, Value::Bool(x >= y));
                }
                Instr::Jump { target } => pc = target.index(),
                Instr::JumpIfTrue { cond, target } => {
                    if let Value::Bool(true) = r!(cond) {
                        pc = target.index();
                    }
                }
                Instr::JumpIfFalse { cond, target } => {
                    if !matches!(r!(cond), Value::Bool(true)) {
                        pc = target.index();
                    }
                }
                Instr::JumpIfNull { src, target } => {
                    if r!(src).is_null() {
                        pc = target.index();
                    }
                }
                Instr::JumpIfNotNull { src, target } => {
                    if !r!(src).is_null() {
                        pc = target.index();
                    }
                }
                Instr::JumpIfNotLt { a, b, target } => {
                    let (x, y) = ints!(a, b);
                    if x >= y {
                        pc = target.index();
                    }
                }
                Instr::JumpIfNotLtImm { a, imm, target } => match rf!(a) {
                    &Value::Int(x) => {
                        if x >= imm as i64 {
                            pc = target.index();
                        }
                    }
                    _ => break,
                },
                Instr::GetField { dst, obj, field, .. } => match r!(obj) {
                    Value::Obj(o) => match &*o {
                        Obj::Instance(i) => set!(dst, i.get(field.index())),
                        _ => break,
                    },
                    _ => break,
                },
                Instr::SetField { obj, field, src, .. } => match r!(obj) {
                    Value::Obj(o) => match &*o {
                        Obj::Instance(i) => i.set(field.index(), r!(src)),
                        _ => break,
                    },
                    _ => break,
                },
                Instr::GetStatic { dst, id } => set!(dst, self.statics[id.index()]),
                Instr::SetStatic { id, src } => self.statics[id.index()] = r!(src),
                Instr::Call { dst, method, args } => enter!(method, dst, args, pc),
                Instr::CallAsync { dst, method, args } => enter!(method, dst, args, pc),
                Instr::Return { src } => ret!(r!(src)),
                Instr::ReturnVoid {} => ret!(Value::Null),
                Instr::CallNative { dst, native, args } => {
                    if let Some(f) = self.frames.last_mut() {
                        f.pc = pc as u32;
                    }
                    let v = self.call_native(native, regs, args)?;
                    // The native may have run bytecode that grew the stack.
                    // SAFETY: as in `run_loop` (the window and the code are verified).
                    regs = unsafe { self.stack.as_mut_ptr().add(base) };
                    set_fresh!(dst, v);
                    if self.collect_requested || self.heap.should_collect() {
                        self.collect();
                    }
                }
                _ => break,
            }
        }
        // The instruction not run.
        if let Some(f) = self.frames.last_mut() {
            f.pc = (pc - 1) as u32;
        }
        Ok(())
    }

    /// Whether [`Vm::run_fast`] runs this instruction (in its common case):
    /// the general loop hands back to it only then.
    fn is_fast(instr: &Instr) -> bool {
        use Instr::*;
        matches!(
            instr,
            Nop {} | Move { .. } | LoadNull { .. } | LoadBool { .. } | LoadInt { .. } | LoadConst { .. } | Add { .. }
                | AddImm { .. } | Sub { .. } | Mul { .. } | Lt { .. } | Le { .. } | Gt { .. } | Ge { .. } | Jump { .. }
                | JumpIfTrue { .. } | JumpIfFalse { .. } | JumpIfNull { .. } | JumpIfNotNull { .. } | JumpIfNotLt { .. }
                | JumpIfNotLtImm { .. } | GetField { .. } | SetField { .. } | GetStatic { .. } | SetStatic { .. }
                | Call { .. } | CallAsync { .. } | Return { .. } | ReturnVoid {} | CallNative { .. }
        )
    }

    /// Calls a native on the registers `args` of the frame at `regs`.
    #[inline(always)]
    fn call_native(&mut self, native: NativeId, regs: *const Value, args: Args) -> Result<Value, VmError> {
        // The arguments are copied out: the native may run bytecode that
        // moves the stack. Element by element: runs are short, and a memcpy
        // call costs more.
        let mut buf = [std::mem::MaybeUninit::<Value>::uninit(); 8];
        let n = (args.count as usize).min(buf.len());
        for (i, slot) in buf[..n].iter_mut().enumerate() {
            // SAFETY: verified `Args` lie inside the frame's window.
            slot.write(unsafe { regs.add(args.base as usize + i).read() });
        }
        // SAFETY: the first `n` slots were written just above (`Value` is
        // `Copy`: nothing to drop).
        let args_in = unsafe { std::slice::from_raw_parts(buf.as_ptr().cast::<Value>(), n) };
        (crate::native::def(native).f)(self, args_in)
    }

    // ----- exceptions -----------------------------------------------------

    /// Turns an error into a thrown exception and unwinds to its handler.
    /// `Ok` means a handler was entered (the top frame's pc points at it);
    /// `Err` carries what ends this `run`: a fatal error, or an exception no
    /// handler above `boundary` catches.
    fn raise(&mut self, e: VmError, boundary: usize) -> Result<(), VmError> {
        let exc = self.error_to_exception(e)?;
        self.raise_object(exc, boundary)
    }

    fn raise_object(&mut self, exc: Value, boundary: usize) -> Result<(), VmError> {
        let Some(obj) = exc.as_obj() else { return Err(VmError::null_reference()) };
        // First pass: find the handler, running filters.
        let target = self.find_handler(exc, obj, boundary)?;
        self.record_trace(obj, target.map_or(boundary, |(f, _)| f));
        let Some((target_frame, target_row)) = target else {
            // Only `Main`'s own run ends the program; a run that native code
            // started (even on an empty frame stack: the dispatcher under
            // `call_static`) hands the exception back to it.
            if boundary == 0 && self.reentry == 0 {
                return Err(VmError::Unhandled(exc));
            }
            // Unwind to the boundary, running finally blocks, then hand the
            // exception to the native that called in.
            return self.unwind_step(exc, obj, boundary, None);
        };
        self.unwind_step(exc, obj, boundary, Some((target_frame, target_row)))
    }

    /// Second pass, one step: enter the next finally block between the top
    /// frame and the target, or the target handler itself.
    fn unwind_step(
        &mut self,
        exc: Value,
        obj: Gc<Obj>,
        boundary: usize,
        target: Option<(usize, usize)>,
    ) -> Result<(), VmError> {
        let program = Rc::clone(&self.program);
        loop {
            let fi = self.frames.len() - 1;
            let frame = self.frames[fi];
            let method = program.method(frame.method);
            let pc = frame.pc.saturating_sub(1);
            for (row, h) in covering(&method.handlers, pc) {
                let is_target = target == Some((fi, row));
                if is_target || matches!(h.kind, HandlerKind::Finally) {
                    if is_target {
                        self.forget_exception(obj);
                    }
                    self.stack[frame.base as usize + h.exception.0 as usize] = exc;
                    if let Some(f) = self.frames.last_mut() {
                        f.pc = h.target.0;
                    }
                    return Ok(());
                }
            }
            if target == Some((fi, THUNK_ROW)) {
                self.frames.pop();
                self.forget_exception(obj);
                let outcome = self.exception_outcome(exc);
                self.complete_thunk(frame, outcome);
                return Ok(());
            }
            if fi <= boundary || frame.kind == FrameKind::Filter {
                self.frames.pop();
                return Err(VmError::Exception(exc));
            }
            self.frames.pop();
        }
    }

    /// First pass: the frame and handler row that will catch `exc`, running
    /// filters (each at most once per throw).
    fn find_handler(&mut self, exc: Value, obj: Gc<Obj>, boundary: usize) -> Result<Option<(usize, usize)>, VmError> {
        let program = Rc::clone(&self.program);
        let class = self.class_of(exc);
        for fi in (boundary..self.frames.len()).rev() {
            let frame = self.frames[fi];
            let method = program.method(frame.method);
            let pc = frame.pc.saturating_sub(1);
            for (row, h) in covering(&method.handlers, pc) {
                match h.kind {
                    HandlerKind::Catch { class: c } if program.is_subclass(class, c) => return Ok(Some((fi, row))),
                    HandlerKind::Filter { class: c, filter } if program.is_subclass(class, c) => {
                        let cached = self
                            .exception_state(obj)
                            .filters
                            .iter()
                            .find(|(f, at, _)| *f == fi && *at == filter.0)
                            .map(|(_, _, b)| *b);
                        let pass = match cached {
                            Some(b) => b,
                            None => {
                                let b = self.run_filter(fi, h.exception, filter, exc)?;
                                self.exception_state(obj).filters.push((fi, filter.0, b));
                                b
                            }
                        };
                        if pass {
                            return Ok(Some((fi, row)));
                        }
                    }
                    _ => {}
                }
            }
            match self.frames[fi].kind {
                FrameKind::Filter => break,
                // An exception leaving an async2 body entered through its
                // thunk becomes the thunk's faulted task.
                FrameKind::Thunk => return Ok(Some((fi, THUNK_ROW))),
                _ => {}
            }
        }
        Ok(None)
    }

    /// Runs a filter in a copy of frame `fi`'s registers. A filter that throws
    /// does not catch (as in the CLR).
    fn run_filter(&mut self, fi: usize, exc_reg: Dst, filter: Pc, exc: Value) -> Result<bool, VmError> {
        if self.reentry >= MAX_REENTRY {
            return Err(VmError::StackOverflow);
        }
        let frame = self.frames[fi];
        let nregs = self.program.method(frame.method).nregs as usize;
        let boundary = self.frames.len();
        let base = self.top();
        self.push_frame(frame.method, base, nregs, DISCARD, FrameKind::Filter)?;
        let from = frame.base as usize;
        self.stack.copy_within(from..from + nregs, base);
        self.stack[base + exc_reg.0 as usize] = exc;
        if let Some(f) = self.frames.last_mut() {
            f.pc = filter.0;
        }
        self.reentry += 1;
        let r = self.run(boundary);
        self.reentry -= 1;
        match r {
            Ok(v) => Ok(matches!(v, Value::Bool(true))),
            Err(e @ (VmError::StackOverflow | VmError::Exit(_) | VmError::OutOfFuel)) => Err(e),
            Err(_) => {
                self.frames.truncate(boundary);
                Ok(false)
            }
        }
    }

    fn exception_state(&mut self, obj: Gc<Obj>) -> &mut ExceptionState {
        let i = match self.exceptions.iter().position(|(e, _)| Gc::ptr_eq(*e, obj)) {
            Some(i) => i,
            None => {
                // An exception thrown again from where it was stored (a
                // faulted task's `GetResult`) keeps its trace and continues
                // it, as `ExceptionDispatchInfo.Throw` does.
                if let Obj::Instance(i) = &*obj {
                    let mut trace = i.stack_trace.borrow_mut();
                    if !trace.is_empty() {
                        trace.push(TraceFrame::BOUNDARY);
                    }
                }
                self.exceptions.push((obj, ExceptionState { recorded_to: usize::MAX, ..Default::default() }));
                self.exceptions.len() - 1
            }
        };
        &mut self.exceptions[i].1
    }

    /// Drops the in-flight state of an exception (it was caught, or is thrown
    /// afresh).
    pub(crate) fn forget_exception(&mut self, obj: Gc<Obj>) {
        self.exceptions.retain(|(e, _)| !Gc::ptr_eq(*e, obj));
    }

    /// Makes `obj` in flight again without the `End of stack trace` boundary
    /// a stored exception gets when rethrown: an async2 chain carries an
    /// exception on from frame to frame of one logical stack.
    pub(crate) fn continue_exception(&mut self, obj: Gc<Obj>) {
        self.forget_exception(obj);
        self.exceptions.push((obj, ExceptionState { recorded_to: usize::MAX, ..Default::default() }));
    }

    /// Appends to the exception's trace the frames from the top down to
    /// `to` that are not in it yet.
    fn record_trace(&mut self, obj: Gc<Obj>, to: usize) {
        let top = self.frames.len();
        let st = self.exception_state(obj);
        let from = st.recorded_to.min(top);
        st.recorded_to = st.recorded_to.min(to);
        let Obj::Instance(i) = &*obj else { return };
        let program = &self.program;
        i.stack_trace.borrow_mut().extend((to..from).rev().map(|fi| self.frames[fi]).filter(|f| f.kind != FrameKind::Filter).map(
            |f| {
                let line = program.method(f.method).lines.get(f.pc.saturating_sub(1) as usize).copied().unwrap_or(0);
                TraceFrame { method: f.method, line }
            },
        ));
    }

    /// An exception's `StackTrace` text (`None` if it was never thrown).
    pub fn trace_text(&self, frames: &[TraceFrame]) -> Option<String> {
        if frames.is_empty() {
            return None;
        }
        let p = &self.program;
        let lines: Vec<String> = frames
            .iter()
            .map(|f| match *f {
                TraceFrame::BOUNDARY => "--- End of stack trace from previous location ---".to_string(),
                TraceFrame { method, line } => format!("   at {}() in {}:line {line}", p.trace_name(method), p.file),
            })
            .collect();
        Some(lines.join("\n"))
    }

    // ----- slow paths -----------------------------------------------------

    #[cold]
    fn add_slow(&mut self, a: Value, b: Value) -> Result<Value, VmError> {
        if a.as_str().is_some() || b.as_str().is_some() {
            let mut s = String::new();
            for v in [a, b] {
                match v.as_str() {
                    Some(t) => s.push_str(t),
                    None => s.push_str(&format::to_display(&self.program, v)),
                }
            }
            return Ok(self.str_value(s));
        }
        if let (Value::Enum(c, x), Some(y)) = (a, b.as_int()) {
            return Ok(Value::Enum(c, x.wrapping_add(y)));
        }
        arith(a, b, ArithOp::Add)
    }

    #[cold]
    fn bad_operand(&self, op: &str, v: Value) -> VmError {
        VmError::throw(
            "System.InvalidCastException",
            format!("Operator '{op}' cannot be applied to a value of type '{}'.", self.type_name(v)),
        )
    }

    fn convert(&self, v: Value, to: ConvKind) -> Result<Value, VmError> {
        Ok(match (to, v) {
            (ConvKind::Int, Value::Double(d)) => Value::Int(d as i64),
            (ConvKind::Int, v) if v.as_int().is_some() => Value::Int(v.as_int().unwrap_or(0)),
            (ConvKind::Double, Value::Double(d)) => Value::Double(d),
            (ConvKind::Double, v) if v.as_int().is_some() => Value::Double(v.as_int().unwrap_or(0) as f64),
            (ConvKind::Char, Value::Double(d)) => Value::Char(d as i64 as u16),
            (ConvKind::Char, v) if v.as_int().is_some() => Value::Char(v.as_int().unwrap_or(0) as u16),
            (_, Value::Null) => return Err(VmError::null_reference()),
            (to, v) => return Err(VmError::invalid_cast(&self.type_name(v), &to.to_string())),
        })
    }

    fn is_instance(&self, v: Value, class: ClassId) -> bool {
        if v.is_null() {
            return false;
        }
        if class == BuiltinClass::Object.id() {
            return true;
        }
        let actual = self.class_of(v);
        if actual == class {
            return true;
        }
        match v {
            Value::Int(_) => class == BuiltinClass::Int64.id() || class == BuiltinClass::ValueType.id(),
            Value::Double(_) => class == BuiltinClass::Decimal.id() || class == BuiltinClass::ValueType.id(),
            Value::Bool(_) | Value::Char(_) => class == BuiltinClass::ValueType.id(),
            Value::Enum(..) => class == BuiltinClass::Enum.id() || class == BuiltinClass::ValueType.id(),
            Value::Obj(o) => match &*o {
                Obj::Instance(_) => self.program.is_subclass(actual, class),
                _ => false,
            },
            Value::Null => false,
        }
    }

    fn get_index(&mut self, obj: Value, index: Value) -> Result<Value, VmError> {
        let Value::Obj(o) = obj else { return Err(VmError::null_reference()) };
        match &*o {
            Obj::Dict(d) => {
                let found = d.borrow().get(&crate::value::Key(index)).copied();
                match found {
                    Some(v) => Ok(v),
                    None => Err(VmError::throw(
                        "System.Collections.Generic.KeyNotFoundException",
                        format!(
                            "The given key '{}' was not present in the dictionary.",
                            format::to_display(&self.program, index)
                        ),
                    )),
                }
            }
            _ => {
                let i = index.as_int().ok_or_else(|| self.bad_operand("[]", index))?;
                match &*o {
                    Obj::Array { items, .. } => usize::try_from(i)
                        .ok()
                        .and_then(|i| items.borrow().get(i).copied())
                        .ok_or_else(VmError::index_out_of_range),
                    Obj::List(items) => usize::try_from(i)
                        .ok()
                        .and_then(|i| items.borrow().get(i).copied())
                        .ok_or_else(list_index_error),
                    Obj::Str(s) => usize::try_from(i)
                        .ok()
                        .and_then(|i| s.char_at(i))
                        .map(Value::Char)
                        .ok_or_else(VmError::index_out_of_range),
                    _ => Err(self.bad_operand("[]", obj)),
                }
            }
        }
    }

    fn set_index(&mut self, obj: Value, index: Value, v: Value) -> Result<(), VmError> {
        let Value::Obj(o) = obj else { return Err(VmError::null_reference()) };
        match &*o {
            Obj::Dict(d) => {
                d.borrow_mut().insert(crate::value::Key(index), v);
                Ok(())
            }
            Obj::Array { items, .. } | Obj::List(items) => {
                let is_list = matches!(&*o, Obj::List(_));
                let i = index.as_int().ok_or_else(|| self.bad_operand("[]", index))?;
                let mut items = items.borrow_mut();
                match usize::try_from(i).ok().and_then(|i| items.get_mut(i)) {
                    Some(slot) => {
                        *slot = v;
                        Ok(())
                    }
                    None if is_list => Err(list_index_error()),
                    None => Err(VmError::index_out_of_range()),
                }
            }
            _ => Err(self.bad_operand("[]=", obj)),
        }
    }
}

/// The handler rows whose protected range covers `pc`, innermost first.
fn covering(handlers: &[crate::bytecode::Handler], pc: u32) -> impl Iterator<Item = (usize, &crate::bytecode::Handler)> {
    handlers.iter().enumerate().filter(move |(_, h)| h.start.0 <= pc && pc < h.end.0)
}

fn list_index_error() -> VmError {
    VmError::throw(
        "System.ArgumentOutOfRangeException",
        "Index was out of range. Must be non-negative and less than the size of the collection. (Parameter 'index')",
    )
}

/// Everything the VM holds that can point into the heap.
struct RootSet<'a> {
    /// The register windows of every frame (up to the top frame's end).
    stack: &'a [Value],
    statics: &'a [Value],
    consts: &'a [Value],
    /// Exceptions in flight (thrown, not yet caught).
    exceptions: &'a [(Gc<Obj>, ExceptionState)],
    /// Queued and running work (and through it, suspended state machines,
    /// their tasks and awaiters).
    event_loop: &'a EventLoop,
    /// The current ExecutionContext and SynchronizationContext.
    contexts: &'a Contexts,
    /// Values a native keeps alive while it calls back into bytecode.
    temp_roots: &'a [Value],
    /// async2 continuations being resumed (and through them the rest of
    /// their chains).
    resuming: &'a [Value],
    /// `Task.Yield()`'s awaitable.
    yield_awaitable: &'a Value,
    /// The completed tasks async methods share.
    task_cache: &'a [Value],
}

/// The roots, all of them, in one place.
impl gc::Roots<Obj> for RootSet<'_> {
    fn trace_roots(&self, t: &mut Tracer) {
        let values = [self.stack, self.statics, self.consts, self.resuming, self.task_cache, std::slice::from_ref(self.yield_awaitable)];
        for v in values.into_iter().flatten() {
            v.trace(t);
        }
        for (e, _) in self.exceptions {
            t.mark(*e);
        }
        self.event_loop.trace(t);
        self.contexts.trace(t);
        for v in self.temp_roots {
            v.trace(t);
        }
    }
}

fn default_value(d: DefaultValue) -> Value {
    match d {
        DefaultValue::Null => Value::Null,
        DefaultValue::Int => Value::Int(0),
        DefaultValue::Double => Value::Double(0.0),
        DefaultValue::Bool => Value::Bool(false),
        DefaultValue::Char => Value::Char(0),
        DefaultValue::Enum(c) => Value::Enum(c, 0),
    }
}

/// The value a new array's elements start with.
fn element_default(program: &Program, elem: ClassId) -> Value {
    let b = |c: BuiltinClass| c.id() == elem;
    if b(BuiltinClass::Int32) || b(BuiltinClass::Int64) {
        Value::Int(0)
    } else if b(BuiltinClass::Double) || b(BuiltinClass::Decimal) {
        Value::Double(0.0)
    } else if b(BuiltinClass::Boolean) {
        Value::Bool(false)
    } else if b(BuiltinClass::Char) {
        Value::Char(0)
    } else if program.class(elem).kind == ClassKind::Enum {
        Value::Enum(elem, 0)
    } else {
        Value::Null
    }
}

fn is_value_type(program: &Program, class: ClassId) -> bool {
    [BuiltinClass::Int32, BuiltinClass::Int64, BuiltinClass::Double, BuiltinClass::Decimal, BuiltinClass::Boolean, BuiltinClass::Char]
        .iter()
        .any(|b| b.id() == class)
        || program.class(class).kind == ClassKind::Enum
}

#[derive(Clone, Copy)]
enum ArithOp {
    Add,
    Sub,
    Mul,
    Div,
    Rem,
}

fn arith(a: Value, b: Value, op: ArithOp) -> Result<Value, VmError> {
    if let (Value::Double(_), _) | (_, Value::Double(_)) = (a, b) {
        let (Some(x), Some(y)) = (as_f64(a), as_f64(b)) else { return Err(operand_error(a, b)) };
        return Ok(Value::Double(match op {
            ArithOp::Add => x + y,
            ArithOp::Sub => x - y,
            ArithOp::Mul => x * y,
            ArithOp::Div => x / y,
            ArithOp::Rem => x % y,
        }));
    }
    let (Some(x), Some(y)) = (a.as_int(), b.as_int()) else { return Err(operand_error(a, b)) };
    let r = match op {
        ArithOp::Add => x.wrapping_add(y),
        ArithOp::Sub => x.wrapping_sub(y),
        ArithOp::Mul => x.wrapping_mul(y),
        ArithOp::Div | ArithOp::Rem if y == 0 => {
            return Err(VmError::throw("System.DivideByZeroException", "Attempted to divide by zero."));
        }
        ArithOp::Div => x.wrapping_div(y),
        ArithOp::Rem => x.wrapping_rem(y),
    };
    Ok(match (a, b) {
        (Value::Enum(c, _), _) | (_, Value::Enum(c, _)) if matches!(op, ArithOp::Add | ArithOp::Sub) => {
            if matches!((a, b), (Value::Enum(..), Value::Enum(..))) { Value::Int(r) } else { Value::Enum(c, r) }
        }
        _ => Value::Int(r),
    })
}

fn as_f64(v: Value) -> Option<f64> {
    match v {
        Value::Double(d) => Some(d),
        v => v.as_int().map(|i| i as f64),
    }
}

#[cold]
fn operand_error(a: Value, b: Value) -> VmError {
    let kind = |v: Value| match v {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Obj(_) => "object",
        _ => "number",
    };
    VmError::throw(
        "System.InvalidCastException",
        format!("Operator cannot be applied to operands of kinds '{}' and '{}'.", kind(a), kind(b)),
    )
}

#[derive(Clone, Copy)]
enum BitOp {
    And,
    Or,
    Xor,
    Shl,
    Shr,
}

fn bitwise(a: Value, b: Value, op: BitOp) -> Result<Value, VmError> {
    if let (Value::Bool(x), Value::Bool(y)) = (a, b) {
        return Ok(Value::Bool(match op {
            BitOp::And => x & y,
            BitOp::Or => x | y,
            BitOp::Xor => x ^ y,
            _ => return Err(operand_error(a, b)),
        }));
    }
    let (Some(x), Some(y)) = (a.as_int(), b.as_int()) else { return Err(operand_error(a, b)) };
    let r = match op {
        BitOp::And => x & y,
        BitOp::Or => x | y,
        BitOp::Xor => x ^ y,
        BitOp::Shl => x.wrapping_shl((y & 63) as u32),
        BitOp::Shr => x.wrapping_shr((y & 63) as u32),
    };
    Ok(match (a, op) {
        (Value::Enum(c, _), BitOp::And | BitOp::Or | BitOp::Xor) => Value::Enum(c, r),
        _ => Value::Int(r),
    })
}

fn less(a: Value, b: Value) -> Result<bool, VmError> {
    compare(a, b, false)
}

fn less_eq(a: Value, b: Value) -> Result<bool, VmError> {
    compare(a, b, true)
}

/// `a < b`, or `a <= b` when `or_equal`: as doubles if either is one (NaN
/// compares false), else as integers (ints, chars, enums).
fn compare(a: Value, b: Value, or_equal: bool) -> Result<bool, VmError> {
    if matches!(a, Value::Double(_)) || matches!(b, Value::Double(_)) {
        let (Some(x), Some(y)) = (as_f64(a), as_f64(b)) else { return Err(operand_error(a, b)) };
        return Ok(if or_equal { x <= y } else { x < y });
    }
    match (a.as_int(), b.as_int()) {
        (Some(x), Some(y)) => Ok(if or_equal { x <= y } else { x < y }),
        _ => Err(operand_error(a, b)),
    }
}
