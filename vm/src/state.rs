//! The VM's state and the API natives use: [`Vm`] (the program, heap,
//! register stack, frames, statics, event loop, contexts), its creation,
//! calls back into bytecode from native code, and the collector's roots
//! ([`RootSet`], every root on one screen).

use std::io::Write;
use std::rc::Rc;

use crate::builtins::format;
use crate::bytecode::{ClassId, MethodId};
use crate::contexts::Contexts;
use crate::error::VmError;
use crate::event_loop::EventLoop;
use crate::frames::Frame;
use crate::object::{self, FieldRef, Layout, NewObject};
use crate::options::{AsyncStats, Options, Stats};
use crate::program::{BuiltinClass, ClassKind, Constant, DefaultValue, Program};
use crate::unwind::ExceptionState;
use crate::value::{Gc, Heap, HeapObj, Instance, Obj, TraceFrame, Tracer, Value};

/// How deep native code may call back into bytecode (natives calling
/// delegates, exception filters, `ToString` overrides called from natives).
pub const MAX_REENTRY: usize = 200;

pub struct Vm {
    pub(crate) program: Rc<Program>,
    pub(crate) heap: Heap,
    pub(crate) stack: Vec<Value>,
    pub(crate) frames: Vec<Frame>,
    pub(crate) statics: Vec<Value>,
    pub(crate) consts: Vec<Value>,
    /// Per class: `NewObject`'s field values.
    /// How each class's instances are laid out (indexed by class).
    pub(crate) layouts: Vec<Layout>,
    /// Type feedback tier0 records for tier1's passes (`tier1/feedback.rs`).
    pub(crate) feedback: crate::tier1::Feedback,
    pub(crate) class_initialized: Vec<bool>,
    /// In-flight exceptions' state, by object address.
    pub(crate) exceptions: Vec<(Gc<HeapObj>, ExceptionState)>,
    pub(crate) options: Options,
    pub(crate) stats: Stats,
    pub(crate) out: Box<dyn Write>,
    pub(crate) err: Box<dyn Write>,
    pub(crate) reentry: usize,
    pub(crate) collect_requested: bool,
    pub(crate) object_to_string: Option<MethodId>,
    pub(crate) object_equals: Option<MethodId>,
    pub(crate) exception_class: Option<ClassId>,
    pub(crate) message_slot: usize,
    pub(crate) inner_slot: usize,
    /// `Exception._stackTrace` (every exception class has it there).
    pub(crate) stack_trace_field: Option<FieldRef>,
    /// The ready and timer queues.
    pub(crate) event_loop: EventLoop,
    /// The current ExecutionContext and SynchronizationContext.
    pub(crate) contexts: Contexts,
    pub(crate) async_stats: AsyncStats,
    /// How many continuations are running inline inside each other.
    pub(crate) inline_depth: usize,
    /// Values natives keep alive across calls back into bytecode; only
    /// [`Vm::root`]'s guard pushes and pops them.
    temp_roots: Vec<Value>,
    /// Prelude classes and methods the async runtime calls, found once.
    pub(crate) prelude_members: Option<PreludeMembers>,
    /// The async2 continuations being resumed, innermost last (a frame that
    /// suspends again links its chain to the rest of its own).
    pub(crate) resuming: Vec<Value>,
    /// What `Task.Yield()` returns (made at its first call).
    pub(crate) yield_awaitable: Value,
    /// The completed tasks async methods share (see
    /// [`Vm::cached_completed_task`]).
    pub(crate) task_cache: [Value; crate::tasks::TASK_CACHE],
}

/// The prelude's classes and methods that the async runtime calls.
#[derive(Clone, Copy, Debug)]
pub(crate) struct PreludeMembers {
    /// `MoveNextRunner` and its `Run`.
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

impl PreludeMembers {
    pub(crate) fn find(program: &Program) -> Option<PreludeMembers> {
        let (_, runner_run) = program.prelude_method("System.Runtime.CompilerServices.MoveNextRunner", "Run")?;
        let (_, post) = program.prelude_method("System.Threading.SynchronizationContext", "Post")?;
        let (callback_class, callback_invoke) =
            program.prelude_method("System.Runtime.CompilerServices.ContinuationCallback", "Invoke")?;
        let (_, callback_run) =
            program.prelude_method("System.Runtime.CompilerServices.ContinuationCallback", "Run")?;
        let operation_canceled = program.class_by_name("System.OperationCanceledException")?;
        let task_status = program.class_by_name("System.Threading.Tasks.TaskStatus")?;
        let aggregate = program.class_by_name("System.AggregateException")?;
        let inner_exceptions_slot =
            program.class(aggregate).fields.iter().position(|f| f.name == "_innerExceptions")?;
        Some(PreludeMembers {
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

impl Vm {
    pub fn new(program: Program, options: Options, out: Box<dyn Write>, err: Box<dyn Write>) -> Vm {
        let program = Rc::new(program);
        let mut heap = Heap::new();
        heap.set_stress(options.gc_stress);
        heap.set_limit(options.max_heap.unwrap_or_else(default_heap_limit));
        let consts = program
            .consts
            .iter()
            .map(|c| match c {
                Constant::Int(i) => Value::Int(*i),
                Constant::Double(d) => Value::Double(*d),
                Constant::Char(c) => Value::Char(*c),
                Constant::Str(s) => Value::Obj(alloc_in(&mut heap, object::string(s))),
            })
            .collect();
        let layouts: Vec<Layout> = program
            .classes
            .iter()
            .map(|c| Layout::new(c.fields.iter().map(|f| (f.ty, default_value(f.default)))))
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
        let stack_trace_slot = slot("_stackTrace");
        let stack_trace_field =
            exception_class.and_then(|c| layouts.get(c.index())).and_then(|l| l.fields.get(stack_trace_slot).copied());
        let prelude_members = PreludeMembers::find(&program);
        let event_loop = EventLoop::new(options.virtual_time);
        Vm {
            feedback: crate::tier1::Feedback::new(&program),
            class_initialized: vec![false; program.classes.len()],
            program,
            heap,
            stack: vec![Value::Null; 1024],
            frames: Vec::with_capacity(256),
            statics,
            consts,
            layouts,
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
            stack_trace_field,
            event_loop,
            contexts: Contexts::default(),
            async_stats: AsyncStats::default(),
            inline_depth: 0,
            temp_roots: Vec::new(),
            prelude_members,
            resuming: Vec::new(),
            yield_awaitable: Value::Null,
            task_cache: [Value::Null; crate::tasks::TASK_CACHE],
        }
    }

    // ----- the API natives use -------------------------------------------

    pub fn program(&self) -> &Program {
        &self.program
    }

    /// Allocates; never collects (collections wait for a safepoint).
    pub(crate) fn alloc<F: FnOnce(*mut u8)>(&mut self, obj: NewObject<F>) -> Gc<HeapObj> {
        alloc_in(&mut self.heap, obj)
    }

    pub fn str_value(&mut self, s: impl AsRef<str>) -> Value {
        Value::Obj(alloc_in(&mut self.heap, object::string(s.as_ref())))
    }

    /// A new `elem[]` holding `items`.
    pub fn new_array(&mut self, elem: ClassId, items: &[Value]) -> Gc<HeapObj> {
        let ty = self.program.element_type(elem);
        alloc_in(&mut self.heap, object::array(elem, ty, items))
    }

    /// Where field `slot` of `class` lives.
    /// As [`Vm::field_ref`], for the interpreter's `GetField`/`SetField`.
    #[inline(always)]
    pub(crate) fn verified_field_ref(&self, class: ClassId, slot: usize) -> FieldRef {
        debug_assert!(slot < self.layouts[class.index()].fields.len(), "field {slot} of {class}");
        // SAFETY: every class has a layout, and the verifier proves each
        // `GetField`/`SetField`'s slot is one of its class's fields.
        unsafe { *self.layouts.get_unchecked(class.index()).fields.get_unchecked(slot) }
    }

    /// Where field `slot` of `class` lives, if it has that field.
    pub(crate) fn field_ref(&self, class: ClassId, slot: usize) -> Option<FieldRef> {
        self.layouts.get(class.index())?.fields.get(slot).copied()
    }

    /// Field `slot` of an instance.
    /// (A slot the class does not have is a VM bug: loud in debug builds,
    /// null in release ones.)
    pub fn field(&self, i: &Instance, slot: usize) -> Value {
        let f = self.field_ref(i.class(), slot);
        debug_assert!(f.is_some(), "field {slot} of {}", i.class());
        f.map_or(Value::Null, |f| i.get(f))
    }

    /// Sets field `slot` of an instance.
    pub fn set_field(&self, i: &Instance, slot: usize, v: Value) {
        let f = self.field_ref(i.class(), slot);
        debug_assert!(f.is_some(), "field {slot} of {}", i.class());
        if let Some(f) = f {
            i.set(f, v);
        }
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
            Value::Obj(o) => match o.view() {
                Obj::Array(a) => format!("{}[]", self.program.class(a.elem()).full_name()),
                Obj::Native(n) => n.type_name().to_string(),
                Obj::Task(t) => t.type_name().to_string(),
                _ => self.program.class(self.class_of(v)).full_name(),
            },
            _ => self.program.class(self.class_of(v)).full_name(),
        }
    }

    /// Creates an instance of a built-in exception class with a message.
    pub fn new_exception(&mut self, class_full_name: &str, message: &str) -> Value {
        let class =
            self.program.class_by_name(class_full_name).or(self.exception_class).unwrap_or(BuiltinClass::Object.id());
        let obj = self.new_instance(class);
        let msg = self.str_value(message);
        if let Obj::Instance(i) = obj.view() {
            self.set_field(i, self.message_slot, msg);
        }
        Value::Obj(obj)
    }

    /// Runs `f` on the frames an exception's stack trace lists (its
    /// `_stackTrace` field, made on first use); `None` if `exception` is
    /// not one.
    pub(crate) fn trace_frames<R>(&mut self, exception: Value, f: impl FnOnce(&mut Vec<TraceFrame>) -> R) -> Option<R> {
        let o = self.trace_list(exception, true)?;
        let list = o.native::<TraceFrames>()?;
        Some(f(&mut list.0.borrow_mut()))
    }

    /// As [`Vm::trace_frames`], only if the exception has recorded frames
    /// already (clearing or continuing a trace makes none).
    pub(crate) fn existing_trace_frames<R>(&mut self, exception: Value, f: impl FnOnce(&mut Vec<TraceFrame>) -> R) {
        if let Some(o) = self.trace_list(exception, false)
            && let Some(list) = o.native::<TraceFrames>()
        {
            f(&mut list.0.borrow_mut());
        }
    }

    /// The `TraceFrames` object of an exception, made on first use if
    /// `create`.
    pub(crate) fn trace_list(&mut self, exception: Value, create: bool) -> Option<Gc<HeapObj>> {
        let i = exception.as_obj()?;
        let i = i.as_instance()?;
        // The base class's fields come first: every exception class has the
        // field at this offset (and only exceptions are thrown).
        let f = self.stack_trace_field?;
        if (f.offset as usize) >= self.layouts.get(i.class().index())?.size as usize {
            return None;
        }
        let mut frames = i.get(f);
        if frames.is_null() && create {
            frames = Value::Obj(self.alloc(object::native(TraceFrames::default())));
            i.set(f, frames);
        }
        frames.as_obj()
    }

    /// Sets an exception's `InnerException` (for built-in wrappers).
    pub fn set_inner_exception(&mut self, exception: Value, inner: Value) {
        if let Some(Obj::Instance(i)) = exception.view() {
            self.set_field(i, self.inner_slot, inner);
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
        let (method, target) = match delegate.view() {
            Some(Obj::Delegate { method, target }) => (method, target),
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

    /// The prelude members the async runtime calls.
    pub(crate) fn prelude_members(&self) -> Result<PreludeMembers, VmError> {
        self.prelude_members.ok_or_else(|| {
            VmError::throw("System.MissingMethodException", "The prelude lacks the async runtime's classes.")
        })
    }

    /// Whether an exception is an `OperationCanceledException` (it cancels
    /// the task it escapes from, instead of faulting it).
    pub fn is_cancellation(&self, exc: Value) -> bool {
        self.prelude_members.is_some_and(|rt| self.program.is_subclass(self.class_of(exc), rt.operation_canceled))
    }

    /// A `TaskStatus` enum value by name.
    pub fn task_status(&self, name: &str) -> Result<Value, VmError> {
        let c = self.prelude_members()?.task_status;
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

    /// Collects at a safepoint of the loop; an `OutOfMemoryException` if
    /// the heap is still past its limit afterwards.
    pub(crate) fn collect_at_safepoint(&mut self) -> Result<(), VmError> {
        self.collect();
        if self.heap.over_limit() {
            return Err(out_of_memory());
        }
        Ok(())
    }

    /// An `OutOfMemoryException` unless `bytes` more fit under the heap's
    /// limit: asked before anything large is built (a string, an array).
    pub fn reserve(&self, bytes: usize) -> Result<(), VmError> {
        if self.heap.would_exceed(bytes) {
            return Err(out_of_memory());
        }
        Ok(())
    }

    /// An object's buffer outside its cell grew by `bytes` (a list, a
    /// dictionary): the heap counts it now, so the next safepoint collects
    /// (or throws `OutOfMemoryException`) when it should.
    pub fn grew(&mut self, bytes: usize) {
        self.heap.note_growth(bytes);
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
        unsafe { object::with_layouts(&self.layouts, || self.heap.collect(&roots)) };
    }

    /// A new instance of a class, fields at their defaults, no constructor run.
    pub(crate) fn new_instance(&mut self, class: ClassId) -> Gc<HeapObj> {
        alloc_in(&mut self.heap, object::instance(class, &self.layouts[class.index()]))
    }

    /// The user method in `slot` of `v`'s class, if it overrides `base`.
    pub(crate) fn user_override(&self, v: Value, slot: usize, base: Option<MethodId>) -> Option<MethodId> {
        let Value::Obj(o) = v else { return None };
        let Obj::Instance(i) = o.view() else { return None };
        let m = *self.program.class(i.class()).vtable.get(slot)?;
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
}

/// Everything the VM holds that can point into the heap.
pub(crate) struct RootSet<'a> {
    /// The register windows of every frame (up to the top frame's end).
    stack: &'a [Value],
    statics: &'a [Value],
    consts: &'a [Value],
    /// Exceptions in flight (thrown, not yet caught).
    exceptions: &'a [(Gc<HeapObj>, ExceptionState)],
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
impl gc::Roots<HeapObj> for RootSet<'_> {
    fn trace_roots(&self, t: &mut Tracer) {
        let values = [
            self.stack,
            self.statics,
            self.consts,
            self.resuming,
            self.task_cache,
            std::slice::from_ref(self.yield_awaitable),
        ];
        for v in values.into_iter().flatten() {
            v.trace(t);
        }
        for (e, state) in self.exceptions {
            t.mark(*e);
            state.trace(t);
        }
        self.event_loop.trace(t);
        self.contexts.trace(t);
        for v in self.temp_roots {
            v.trace(t);
        }
    }
}

/// An exception's stack trace: the frames it lists, innermost first,
/// recorded as the exception unwinds (text is made only when read).
#[derive(Default)]
pub(crate) struct TraceFrames(pub(crate) std::cell::RefCell<Vec<TraceFrame>>);

impl crate::value::NativeObject for TraceFrames {
    fn type_name(&self) -> &'static str {
        "StackTrace"
    }
    fn trace(&self, _: &mut Tracer) {}
    fn extra_bytes(&self) -> usize {
        self.0.borrow().capacity() * std::mem::size_of::<TraceFrame>()
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

/// Allocates `obj` in `heap` (never collects).
fn alloc_in<F: FnOnce(*mut u8)>(heap: &mut Heap, obj: NewObject<F>) -> Gc<HeapObj> {
    // SAFETY: every `NewObject` constructor (`object.rs`) writes a whole
    // object of `size` bytes whose `Trace::size` is that size.
    unsafe { heap.alloc_with(obj.size, |p| (obj.init)(p.as_ptr())) }
}

pub(crate) fn default_value(d: DefaultValue) -> Value {
    match d {
        DefaultValue::Null => Value::Null,
        DefaultValue::Int => Value::Int(0),
        DefaultValue::Double => Value::Double(0.0),
        DefaultValue::Bool => Value::Bool(false),
        DefaultValue::Char => Value::Char(0),
        DefaultValue::Enum(c) => Value::Enum(c, 0),
    }
}

/// Values kept alive (rooted) while a native or the runtime holds them in
/// Rust locals across code that may collect (bytecode it calls, an
/// allocation at a safepoint). The guard derefs to the VM; dropping it
/// unroots them, so a forgotten pop cannot happen.
pub(crate) struct Rooted<'a> {
    vm: &'a mut Vm,
    mark: usize,
}

impl Vm {
    /// Roots `values` until the returned guard is dropped; use the guard
    /// as the VM meanwhile.
    pub(crate) fn root(&mut self, values: impl IntoIterator<Item = Value>) -> Rooted<'_> {
        let mark = self.temp_roots.len();
        self.temp_roots.extend(values);
        Rooted { vm: self, mark }
    }
}

impl std::ops::Deref for Rooted<'_> {
    type Target = Vm;
    fn deref(&self) -> &Vm {
        self.vm
    }
}

impl std::ops::DerefMut for Rooted<'_> {
    fn deref_mut(&mut self) -> &mut Vm {
        self.vm
    }
}

impl Drop for Rooted<'_> {
    fn drop(&mut self) {
        self.vm.temp_roots.truncate(self.mark);
    }
}

/// .NET's error when an allocation does not fit.
pub(crate) fn out_of_memory() -> VmError {
    VmError::throw("System.OutOfMemoryException", "Insufficient memory to continue the execution of the program.")
}

/// The heap's limit when `--max-heap` is not given: half the machine's
/// physical memory (as .NET and node size their heaps from it), or 4 GiB
/// where that cannot be read.
pub fn default_heap_limit() -> usize {
    let total = std::fs::read_to_string("/proc/meminfo").ok().and_then(|m| {
        let line = m.lines().find(|l| l.starts_with("MemTotal:"))?;
        let kib: usize = line.split_whitespace().nth(1)?.parse().ok()?;
        Some(kib * 1024)
    });
    total.map_or(4 << 30, |t| t / 2)
}
