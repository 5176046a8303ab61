//! A compiled program: the tables that bytecode indices point into.
//!
//! The front end builds a `Program`; the backends (async1 lowering, async2
//! preparation) may add methods and classes to it; the interpreter only reads
//! it. Indices ([`ClassId`], [`MethodId`], ...) are stable once handed out.
//!
//! The first classes are the built-in types, in [`BuiltinClass`] order, so a
//! built-in's `ClassId` is a constant.

use crate::bytecode::{AwaitSiteId, ClassId, ConstId, Dst, Handler, Instr, MethodId, Pc, Reg, StaticId};

/// The built-in types that bytecode can name (for `is`, `as`, casts, array
/// element types, `typeof`). Exceptions are not here: they are ordinary
/// classes of the prelude (`System.Exception` and its family).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u32)]
pub enum BuiltinClass {
    Object,
    String,
    Int32,
    Int64,
    Double,
    Decimal,
    Boolean,
    Char,
    Array,
    List,
    Dictionary,
    KeyValuePair,
    Delegate,
    Type,
    /// Values of built-in library types that have no bytecode-visible
    /// structure (Stopwatch, TimeSpan, tasks, ...): their `Obj` says which.
    NativeObject,
    ValueType,
    Enum,
    /// The box behind a `ref`/`out` argument: one field, `Value`. The caller
    /// copies the value in before the call and out after it.
    StrongBox,
}

impl BuiltinClass {
    pub const ALL: &'static [BuiltinClass] = &[
        BuiltinClass::Object,
        BuiltinClass::String,
        BuiltinClass::Int32,
        BuiltinClass::Int64,
        BuiltinClass::Double,
        BuiltinClass::Decimal,
        BuiltinClass::Boolean,
        BuiltinClass::Char,
        BuiltinClass::Array,
        BuiltinClass::List,
        BuiltinClass::Dictionary,
        BuiltinClass::KeyValuePair,
        BuiltinClass::Delegate,
        BuiltinClass::Type,
        BuiltinClass::NativeObject,
        BuiltinClass::ValueType,
        BuiltinClass::Enum,
        BuiltinClass::StrongBox,
    ];

    pub fn id(self) -> ClassId {
        ClassId(self as u32)
    }

    /// .NET's name for it (`typeof(int).Name == "Int32"`).
    pub fn name(self) -> &'static str {
        match self {
            BuiltinClass::Object => "Object",
            BuiltinClass::String => "String",
            BuiltinClass::Int32 => "Int32",
            BuiltinClass::Int64 => "Int64",
            BuiltinClass::Double => "Double",
            BuiltinClass::Decimal => "Decimal",
            BuiltinClass::Boolean => "Boolean",
            BuiltinClass::Char => "Char",
            BuiltinClass::Array => "Array",
            BuiltinClass::List => "List`1",
            BuiltinClass::Dictionary => "Dictionary`2",
            BuiltinClass::KeyValuePair => "KeyValuePair`2",
            BuiltinClass::Delegate => "Delegate",
            BuiltinClass::Type => "Type",
            BuiltinClass::NativeObject => "Object",
            BuiltinClass::ValueType => "ValueType",
            BuiltinClass::Enum => "Enum",
            BuiltinClass::StrongBox => "StrongBox`1",
        }
    }

    pub fn namespace(self) -> &'static str {
        match self {
            BuiltinClass::List | BuiltinClass::Dictionary | BuiltinClass::KeyValuePair => "System.Collections.Generic",
            BuiltinClass::StrongBox => "System.Runtime.CompilerServices",
            _ => "System",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClassKind {
    /// One of the [`BuiltinClass`]es.
    Builtin,
    Class,
    Struct,
    Interface,
    Enum,
}

/// The value a field, array element or local starts with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum DefaultValue {
    /// Reference types (and, in toy, structs: they have reference semantics).
    #[default]
    Null,
    Int,
    Double,
    Bool,
    Char,
    /// An enum's zero.
    Enum(ClassId),
}

/// How a field, an array element or a continuation's slot holds its value,
/// from the static type: the primitives as their raw bytes, a reference as
/// a pointer, and what may hold either (`object`, interfaces, `T?`,
/// `ValueTask<T>`) as a tagged [`crate::value::Value`]. (What it starts
/// as is a [`DefaultValue`]: a `ValueTask<int>` field is `Any` and starts
/// as 0.)
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum SlotType {
    /// Any value: a tagged `Value` (starts as null).
    #[default]
    Any,
    /// A reference to a heap object, or null: classes, structs (reference
    /// semantics in toy), strings, arrays, delegates, tasks, collections.
    Ref,
    /// `int` and `long` (both 64-bit in toy).
    Int,
    /// `double` and `decimal`.
    Double,
    Bool,
    Char,
    /// A value of this enum.
    Enum(ClassId),
}

impl Program {
    /// How an array of `elem` stores its elements.
    pub fn element_type(&self, elem: ClassId) -> SlotType {
        let c = self.class(elem);
        match c.kind {
            ClassKind::Enum => SlotType::Enum(elem),
            ClassKind::Class | ClassKind::Struct => SlotType::Ref,
            ClassKind::Interface => SlotType::Any,
            ClassKind::Builtin => match BuiltinClass::ALL.get(elem.index()) {
                Some(BuiltinClass::Int32 | BuiltinClass::Int64) => SlotType::Int,
                Some(BuiltinClass::Double | BuiltinClass::Decimal) => SlotType::Double,
                Some(BuiltinClass::Boolean) => SlotType::Bool,
                Some(BuiltinClass::Char) => SlotType::Char,
                Some(
                    BuiltinClass::String
                    | BuiltinClass::Array
                    | BuiltinClass::List
                    | BuiltinClass::Dictionary
                    | BuiltinClass::Delegate
                    | BuiltinClass::Type,
                ) => SlotType::Ref,
                _ => SlotType::Any,
            },
        }
    }
}

impl SlotType {
    /// Whether the slot holds raw bytes that are never a reference.
    pub fn is_primitive(self) -> bool {
        !matches!(self, SlotType::Any | SlotType::Ref)
    }

    /// What a slot of this type starts as.
    pub fn zero(self) -> DefaultValue {
        match self {
            SlotType::Int => DefaultValue::Int,
            SlotType::Double => DefaultValue::Double,
            SlotType::Bool => DefaultValue::Bool,
            SlotType::Char => DefaultValue::Char,
            SlotType::Enum(c) => DefaultValue::Enum(c),
            SlotType::Any | SlotType::Ref => DefaultValue::Null,
        }
    }

    /// The narrowest type that holds the values of both (a register that
    /// holds an `int` at one point and a string at another is `Any`).
    pub fn join(self, other: SlotType) -> SlotType {
        if self == other { self } else { SlotType::Any }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Field {
    pub name: String,
    pub ty: SlotType,
    pub default: DefaultValue,
}

#[derive(Clone, Debug, PartialEq)]
pub struct StaticField {
    pub class: ClassId,
    pub name: String,
    pub ty: SlotType,
    pub default: DefaultValue,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Class {
    /// Simple name, as `GetType().Name` prints it (`Program`, `<Main>d__0`).
    pub name: String,
    /// Dotted namespace, empty for the global namespace.
    pub namespace: String,
    pub kind: ClassKind,
    pub base: Option<ClassId>,
    /// Every interface it implements, directly or through its bases.
    pub interfaces: Vec<ClassId>,
    pub is_abstract: bool,
    /// Instance fields, the base class's first (a field's slot is its index).
    pub fields: Vec<Field>,
    /// Virtual methods: slot -> implementation. A derived class starts from a
    /// copy of its base's table.
    pub vtable: Vec<MethodId>,
    /// Interface methods it implements: (interface method, implementation).
    pub itable: Vec<(MethodId, MethodId)>,
    /// The static constructor (which also runs static field initializers).
    pub cctor: Option<MethodId>,
    /// For enums: the members, in declaration order.
    pub enum_members: Vec<(String, i64)>,
    /// `[Async1]` / `[Async2]` on the class.
    pub backend: Option<Backend>,
    /// `[ConfigureAwait(false)]` on the class.
    pub configure_await_false: bool,
}

impl Class {
    pub fn new(name: impl Into<String>, namespace: impl Into<String>, kind: ClassKind) -> Class {
        Class {
            name: name.into(),
            namespace: namespace.into(),
            kind,
            base: None,
            interfaces: Vec::new(),
            is_abstract: false,
            fields: Vec::new(),
            vtable: Vec::new(),
            itable: Vec::new(),
            cctor: None,
            enum_members: Vec::new(),
            backend: None,
            configure_await_false: false,
        }
    }

    /// `Namespace.Name`, as an unhandled exception prints it.
    pub fn full_name(&self) -> String {
        if self.namespace.is_empty() { self.name.clone() } else { format!("{}.{}", self.namespace, self.name) }
    }
}

/// Which async backend runs an async method: a program's default
/// (`--mode`), or a method's or class's `[Async1]`/`[Async2]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
pub enum Backend {
    /// Classic async: state machines, as Roslyn lowers them.
    #[default]
    Async1,
    /// Runtime async: suspended frames become continuation chains.
    Async2,
}

impl Backend {
    pub fn name(self) -> &'static str {
        match self {
            Backend::Async1 => "async1",
            Backend::Async2 => "async2",
        }
    }
}

/// What an async method returns (its builder or its thunk's task kind).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AsyncReturn {
    Void,
    Task,
    TaskOf,
    ValueTask,
    ValueTaskOf,
}

impl AsyncReturn {
    /// Whether the method's task carries a value (`Task<T>`, `ValueTask<T>`):
    /// async1's builder takes a `SetResult(value)`, async2's thunk a task
    /// with a result.
    pub fn has_result(self) -> bool {
        matches!(self, AsyncReturn::TaskOf | AsyncReturn::ValueTaskOf)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct MethodFlags {
    pub is_static: bool,
    pub is_virtual: bool,
    pub is_abstract: bool,
    pub is_constructor: bool,
    /// `Some` for an `async` method or lambda.
    pub is_async: Option<AsyncReturn>,
    /// `[Async1]` / `[Async2]` on the method.
    pub backend: Option<Backend>,
    /// `[ConfigureAwait(false)]` on the method.
    pub configure_await_false: bool,
    /// It returns a `ValueTask` or `ValueTask<T>` (async or not): a value
    /// it returns is read as one (a completed one is its result).
    pub returns_value_task: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Method {
    /// As a stack trace prints it: `Main`, `.ctor`, `get_Name`, `<Main>b__0_0`.
    pub name: String,
    pub class: ClassId,
    pub flags: MethodFlags,
    /// Parameters, counting `this` for instance methods. On entry they are
    /// in `R[0] .. R[arity-1]`.
    pub arity: u16,
    /// Registers the frame needs (at least `arity`).
    pub nregs: u16,
    /// For virtual methods, the vtable slot; for interface methods, unused.
    pub vslot: Option<u16>,
    pub code: Vec<Instr>,
    /// The source line of each instruction (1-based; 0 when it has none).
    pub lines: Vec<u32>,
    pub handlers: Vec<Handler>,
    /// Names of the registers that hold locals and parameters, for the
    /// disassembler.
    pub locals: Vec<(Reg, String)>,
    /// For code a backend generated for a method (an async1 `MoveNext`):
    /// that method, which stack traces name instead.
    pub origin: Option<MethodId>,
    /// What the async2 backend made this method (see `async2/prepare.rs`).
    pub async2: Option<Box<Async2Role>>,
    /// The declared parameters (not `this`) as stack traces print them;
    /// empty for generated code, which traces name by its `origin`.
    pub params: Vec<TraceParam>,
    /// What each parameter register `R[0] .. R[arity-1]` holds on entry,
    /// from the declared types (`this` of a class or struct: `Ref`; a
    /// `ref`/`out` parameter, a lambda's or anything unknown: `Any`).
    /// Shorter than `arity` means `Any` for the rest.
    pub param_types: Vec<SlotType>,
    /// For a parameter register whose declared type is an array `T[]`:
    /// how such an array stores its elements ([`Program::element_type`] of
    /// `T`; a covariant array of a subclass stores them as that or a
    /// narrower type). Shorter than `arity` means none for the rest.
    pub param_elems: Vec<Option<SlotType>>,
    /// What its `Return`s return, from the declared type: `Any` for `void`
    /// and unknown types. For an async method, what its `return`
    /// statements return (the `T` of `Task<T>`: what an async2 body gives
    /// a `CallAsync`); its async1 stub and async2 thunk return the task
    /// (see [`Method::call_result`]).
    pub returns: SlotType,
    /// `Some` for a code version made while the program runs (tier1 or
    /// OSR code, see `tier1/`): which method it is a version of and what
    /// kind. `None`: tier0, the method as the front end and the backends
    /// made it.
    pub version: Option<Box<Version>>,
}

/// What a code version is (`Method::version`).
#[derive(Clone, Debug, PartialEq)]
pub struct Version {
    /// The tier0 method it was compiled from (the id calls name).
    pub of: MethodId,
    pub kind: VersionKind,
    /// For each tier0 pc (and one past the end), the version's pc of the
    /// same instruction, or of the next one kept when it was removed (a
    /// `Nop`, a jump to the next instruction): how a tier0 frame's pc,
    /// its OSR entry or its suspension point's resume pc moves into this
    /// version. Registers are not renumbered: register `r` is `r` here too.
    pub pc_map: Vec<u32>,
    /// The calls tier1 inlined: where each callee's code lies in this
    /// version, so stack traces list the frames the calls would have had.
    pub inlined: Vec<InlineSite>,
}

/// A call tier1 replaced by the callee's code (`tier1/inline.rs`): the
/// pcs `start .. end` of the version run `method` (a tier0 method) for the
/// call made on source line `line`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InlineSite {
    pub start: u32,
    pub end: u32,
    pub method: MethodId,
    pub line: u32,
}

/// The kinds of code versions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VersionKind {
    /// What later calls run once the method is hot.
    Tier1,
    /// Tier1 code entered in the middle by a tier0 frame at the loop
    /// header `entry` (a tier0 pc) after its back-edges got hot.
    Osr { entry: Pc },
}

/// A parameter as .NET's stack traces print it: `String key`, with the
/// runtime's type names (`Int32`, `List`1`, `Int32&` for `ref`/`out`).
#[derive(Clone, Debug, PartialEq)]
pub struct TraceParam {
    pub ty: String,
    pub name: String,
}

/// The parts of an async2 method: its Task-returning thunk keeps the
/// method's id (so calls, delegates and vtables reach it unchanged), its
/// body gets a new one, and so does its resume stub.
#[derive(Clone, Debug, PartialEq)]
pub enum Async2Role {
    /// The Task-returning entry; `body` is the async2 method itself.
    Thunk { body: MethodId },
    /// The method as written, awaited calls made direct; each way it can
    /// suspend, by state number; and the room its continuations have: the
    /// most Data words and GCData values any point keeps (so a frame that
    /// suspends again at another point reuses its continuation).
    Body { thunk: MethodId, resume_stub: MethodId, points: Vec<SuspensionPoint>, room: (u16, u16) },
    /// `IL_STUB_AsyncResume_<name>`: re-enters `body` from a continuation.
    ResumeStub { body: MethodId },
}

/// Where an async2 method can suspend, and what its continuation keeps.
#[derive(Clone, Debug, PartialEq)]
pub struct SuspensionPoint {
    /// The `Await`, the `AwaitTask` or the direct call.
    pub at: Pc,
    /// Where the method goes on when resumed (also the frame's pc while it
    /// is suspended, which is how a frame finds its point).
    pub resume: Pc,
    /// A direct call's or an `AwaitTask`'s result register, written on
    /// resume.
    pub result: Option<Dst>,
    /// The live registers at `resume` (the result excluded) whose kind
    /// there is a primitive (`vm::kinds`): the continuation's Data, raw
    /// bytes, never traced; in this order.
    pub data: Vec<(Reg, SlotType)>,
    /// The other live registers (references, and what may hold anything):
    /// the continuation's GCData, in this order, before the callee's result
    /// or exception.
    pub gc: Vec<Reg>,
    /// Whether a handler (catch, filter or finally) covers the point: an
    /// exception coming up the chain resumes the frame only then.
    pub has_handler: bool,
}

impl SuspensionPoint {
    /// Every register the continuation keeps, as it stores them: the Data
    /// registers, then the GCData ones.
    pub fn saved(&self) -> impl Iterator<Item = Reg> + '_ {
        self.data.iter().map(|&(r, _)| r).chain(self.gc.iter().copied())
    }
}

impl Method {
    /// The rows of the exception table whose protected range covers `pc`,
    /// innermost first, with their row numbers.
    pub(crate) fn handlers_covering(&self, pc: Pc) -> impl Iterator<Item = (usize, &Handler)> {
        self.handlers.iter().enumerate().filter(move |(_, h)| h.covers(pc))
    }

    /// The async2 suspension points, if this is an async2 body.
    pub fn suspension_points(&self) -> Option<&[SuspensionPoint]> {
        match self.async2.as_deref() {
            Some(Async2Role::Body { points, .. }) => Some(points),
            _ => None,
        }
    }
}

/// The room a continuation needs for every one of `points`.
pub fn continuation_room(points: &[SuspensionPoint]) -> (u16, u16) {
    points.iter().fold((0, 0), |(d, g), p| (d.max(p.data.len() as u16), g.max(p.gc.len() as u16)))
}

impl Method {
    pub fn new(name: impl Into<String>, class: ClassId, flags: MethodFlags, arity: u16) -> Method {
        Method {
            name: name.into(),
            class,
            flags,
            arity,
            nregs: arity,
            vslot: None,
            code: Vec::new(),
            lines: Vec::new(),
            handlers: Vec::new(),
            locals: Vec::new(),
            origin: None,
            async2: None,
            params: Vec::new(),
            param_types: vec![SlotType::Any; arity as usize],
            param_elems: Vec::new(),
            returns: SlotType::Any,
            version: None,
        }
    }

    /// What parameter register `r` holds on entry (`Any` past the list).
    pub fn param_type(&self, r: usize) -> SlotType {
        self.param_types.get(r).copied().unwrap_or(SlotType::Any)
    }

    /// What a `Call`/`CallVirt` of this method gives its caller: the task
    /// of an async method (whether or not a backend has lowered it yet:
    /// `Ref` for a `Task`, `Any` for a `ValueTask`, whose completed form is
    /// its result, and for `async void`), else [`Method::returns`].
    pub fn call_result(&self) -> SlotType {
        match (self.async2.as_deref(), self.flags.is_async) {
            (Some(Async2Role::Body { .. }), _) => self.returns,
            (_, Some(kind)) => crate::kinds::task_slot_type(kind),
            (_, None) => self.returns,
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum Constant {
    Int(i64),
    Double(f64),
    Char(u16),
    Str(String),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Program {
    /// The source file's name, as stack traces print it (`fib.toy`).
    pub file: String,
    pub classes: Vec<Class>,
    pub methods: Vec<Method>,
    pub statics: Vec<StaticField>,
    pub consts: Vec<Constant>,
    /// `Main` or the top-level statements.
    pub entry: MethodId,
    /// `[assembly: ConfigureAwait(false)]`.
    pub configure_await_false: bool,
    /// What each `Await` instruction awaits (by [`AwaitSiteId`]).
    pub await_sites: Vec<AwaitSite>,
    /// Code versions made while the program runs (tier1 and OSR code),
    /// after `methods` in the id space: see [`Program::method`].
    pub versions: Versions,
}

#[cold]
#[inline(never)]
fn no_method(id: MethodId) -> ! {
    panic!("no method {id}")
}

/// An append-only arena of methods that grows behind a shared reference:
/// the interpreter reads the program through `&Program` while the tiering
/// adds versions to it. Each method is boxed once and never moved or
/// dropped before the arena, so a `&Method` it gave out stays valid while
/// more are added.
#[derive(Default)]
pub struct Versions {
    /// Pointers from `Box::into_raw`, owned by the arena.
    slots: std::cell::UnsafeCell<Vec<*mut Method>>,
}

impl Versions {
    /// How many versions it holds.
    pub fn len(&self) -> usize {
        // SAFETY: single-threaded (`Versions` is not `Sync`), and no
        // reference into the vector outlives a method of this type.
        unsafe { (&*self.slots.get()).len() }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Version `i`, if there is one.
    #[inline]
    pub fn get(&self, i: usize) -> Option<&Method> {
        // SAFETY: as in `len`; each pointer is a live box the arena owns
        // and never mutates or frees before it is dropped.
        unsafe { (&*self.slots.get()).get(i).map(|&p| &*p) }
    }

    /// Adds a version; gives back its index.
    pub fn push(&self, m: Method) -> usize {
        let p = Box::into_raw(Box::new(m));
        // SAFETY: as in `len`; growing the vector moves the pointers, not
        // the methods they point at.
        unsafe {
            let v = &mut *self.slots.get();
            v.push(p);
            v.len() - 1
        }
    }

    /// Every version, in order.
    pub fn iter(&self) -> impl Iterator<Item = &Method> {
        (0..self.len()).filter_map(move |i| self.get(i))
    }
}

impl Drop for Versions {
    fn drop(&mut self) {
        for &p in self.slots.get_mut().iter() {
            // SAFETY: each pointer came from `Box::into_raw` and is freed once.
            drop(unsafe { Box::from_raw(p) });
        }
    }
}

impl Clone for Versions {
    fn clone(&self) -> Versions {
        let v = Versions::default();
        for m in self.iter() {
            v.push(m.clone());
        }
        v
    }
}

impl PartialEq for Versions {
    fn eq(&self, other: &Versions) -> bool {
        self.len() == other.len() && self.iter().zip(other.iter()).all(|(a, b)| a == b)
    }
}

impl std::fmt::Debug for Versions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

/// One `await` as the front end compiled it: how the backends register a
/// continuation with its awaiter, and where its instructions are and which
/// registers they use, so that no backend has to recognise them by their
/// shape. Its pcs are in the method that holds its `Await` (at first the
/// method the front end compiled; a pass that moves that code with
/// [`crate::backends::Code`] moves them too):
/// ```text
///   call:        t := F(..)                    (Call or CallVirt; when `call` is Some)
///                t := t.ConfigureAwait(b)       (optional; evaluating `b` has no effects)
///   get_awaiter: awaiter := awaitable.GetAwaiter()
///                c := awaiter.IsCompleted
///                JumpIfTrue c, @resume
///                Await awaiter, site, @resume
///   resume:      result := awaiter.GetResult()  (one instruction)
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct AwaitSite {
    /// The awaiter's type as C# names it (`TaskAwaiter<int>`, `LazyAwaiter`).
    /// (async1 gives the awaits of a method one awaiter field per slot type.)
    pub awaiter_type: String,
    /// A user awaiter's `OnCompleted(Action)` / `UnsafeOnCompleted(Action)`;
    /// `None` for the library's awaiters, which the runtime knows.
    pub on_completed: Option<OnCompleted>,
    /// The awaited expression is a call of a user method that returns a
    /// `Task` or `ValueTask`, `await F(..)` or `await F(..).ConfigureAwait(b)`,
    /// and this is the call's pc: async2 makes it a direct call when `F` is
    /// async2 (LANGUAGE.md, Backends rule 0), and the rest of the await,
    /// up to `resume`, goes.
    pub call: Option<Pc>,
    /// Where `awaitable.GetAwaiter()` starts.
    pub get_awaiter: Pc,
    pub awaitable: Reg,
    pub awaiter: Reg,
    /// What `GetResult` writes (a scratch register when the await has no
    /// value).
    pub result: Dst,
    /// The awaitable is the library's (`Task`, `ValueTask`, their
    /// `ConfigureAwait` forms, `Task.Yield()`'s), so `get_awaiter` up to
    /// `resume` can be one `AwaitTask result, awaitable`.
    pub library: bool,
    /// The awaitable is a `ValueTask` or `ValueTask<T>` (a completed one is
    /// its result: see `builtins/tasks.rs`).
    pub value_task: bool,
}

impl AwaitSite {
    /// The same await, its code moved by `by` instructions.
    pub fn shift(&mut self, by: u32) {
        if let Some(c) = &mut self.call {
            c.0 += by;
        }
        self.get_awaiter.0 += by;
    }
}

/// A user awaiter's completion method.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct OnCompleted {
    pub method: MethodId,
    pub is_virtual: bool,
    /// `UnsafeOnCompleted` (`ICriticalNotifyCompletion`): the awaiter does
    /// not flow the ExecutionContext, the builder does.
    pub critical: bool,
}

impl Program {
    /// An empty program holding the built-in classes.
    pub fn new(file: impl Into<String>) -> Program {
        let classes = BuiltinClass::ALL
            .iter()
            .map(|b| {
                let mut c = Class::new(b.name(), b.namespace(), ClassKind::Builtin);
                if *b != BuiltinClass::Object {
                    c.base = Some(BuiltinClass::Object.id());
                }
                if *b == BuiltinClass::StrongBox {
                    c.fields.push(Field { name: "Value".into(), ty: SlotType::Any, default: DefaultValue::Null });
                }
                c
            })
            .collect();
        Program {
            file: file.into(),
            classes,
            methods: Vec::new(),
            statics: Vec::new(),
            consts: Vec::new(),
            entry: MethodId(0),
            configure_await_false: false,
            await_sites: Vec::new(),
            versions: Versions::default(),
        }
    }

    pub fn class(&self, id: ClassId) -> &Class {
        &self.classes[id.index()]
    }

    /// A method, or a code version (ids past `methods`: see [`Versions`]).
    #[inline(always)]
    pub fn method(&self, id: MethodId) -> &Method {
        match self.methods.get(id.index()) {
            Some(m) => m,
            None => self.version_method(id),
        }
    }

    #[inline(always)]
    fn version_method(&self, id: MethodId) -> &Method {
        match self.versions.get(id.index().wrapping_sub(self.methods.len())) {
            Some(m) => m,
            None => no_method(id),
        }
    }

    /// Adds a code version of a method (see [`Version`]); gives back its id.
    pub fn add_version(&self, m: Method) -> MethodId {
        MethodId((self.methods.len() + self.versions.push(m)) as u32)
    }

    /// The tier0 method of `id` (itself unless it is a version).
    pub fn tier0_of(&self, id: MethodId) -> MethodId {
        self.method(id).version.as_ref().map_or(id, |v| v.of)
    }

    /// The frames a stack trace lists for a frame of method or version
    /// `id` stopped at instruction `pc`, innermost first, each a tier0
    /// method and the source line it is at, given to `f`: one, or more
    /// where tier1 inlined calls (each inlined callee's, innermost first,
    /// each at the line of the call inlined in it, then the method's at its
    /// call). A throw asks this for every frame it passes: the common case
    /// (no inlined call around `pc`) is a lookup, and nothing allocates.
    #[inline]
    pub fn visit_logical_frames(&self, id: MethodId, pc: usize, mut f: impl FnMut(MethodId, u32)) {
        let m = self.method(id);
        let line = m.lines.get(pc).copied().unwrap_or(0);
        let Some(v) = m.version.as_deref() else { return f(id, line) };
        let around = |s: &&InlineSite| (s.start..s.end).contains(&(pc as u32));
        if !v.inlined.iter().any(|s| around(&s)) {
            return f(v.of, line);
        }
        self.visit_inlined_frames(v, line, around, f);
    }

    /// [`Program::visit_logical_frames`] where inlined calls lie around
    /// the pc (`around` picks their sites).
    #[cold]
    fn visit_inlined_frames(
        &self,
        v: &Version,
        mut line: u32,
        around: impl Fn(&&InlineSite) -> bool,
        mut f: impl FnMut(MethodId, u32),
    ) {
        // A site inlined into inlined code lies inside its caller's, so the
        // shortest is the innermost.
        let mut sites: Vec<&InlineSite> = v.inlined.iter().filter(around).collect();
        sites.sort_by_key(|s| s.end - s.start);
        for s in sites {
            f(s.method, line);
            line = s.line;
        }
        f(v.of, line);
    }

    pub fn add_class(&mut self, class: Class) -> ClassId {
        self.classes.push(class);
        ClassId(self.classes.len() as u32 - 1)
    }

    pub fn add_method(&mut self, method: Method) -> MethodId {
        self.methods.push(method);
        MethodId(self.methods.len() as u32 - 1)
    }

    pub fn add_await_site(&mut self, site: AwaitSite) -> AwaitSiteId {
        self.await_sites.push(site);
        AwaitSiteId(self.await_sites.len() as u32 - 1)
    }

    pub fn add_static(&mut self, field: StaticField) -> StaticId {
        self.statics.push(field);
        StaticId(self.statics.len() as u32 - 1)
    }

    /// Interns a constant: equal constants share an index.
    pub fn add_const(&mut self, c: Constant) -> ConstId {
        if let Some(i) = self.consts.iter().position(|k| *k == c) {
            return ConstId(i as u32);
        }
        self.consts.push(c);
        ConstId(self.consts.len() as u32 - 1)
    }

    /// Finds a class by its full name (`System.InvalidOperationException`).
    pub fn class_by_name(&self, full_name: &str) -> Option<ClassId> {
        self.classes.iter().position(|c| c.full_name() == full_name).map(|i| ClassId(i as u32))
    }

    /// A prelude class by full name and one of its methods by name (the
    /// runtime's own classes: `MoveNextRunner.Run`, ...).
    pub fn prelude_method(&self, class: &str, method: &str) -> Option<(ClassId, MethodId)> {
        let c = self.class_by_name(class)?;
        let m = self.methods.iter().position(|m| m.class == c && m.name == method)?;
        Some((c, MethodId(m as u32)))
    }

    /// Whether `class` is `ancestor` or derives from it or implements it.
    pub fn is_subclass(&self, class: ClassId, ancestor: ClassId) -> bool {
        if ancestor == BuiltinClass::Object.id() {
            return true;
        }
        let mut c = Some(class);
        while let Some(id) = c {
            if id == ancestor {
                return true;
            }
            c = self.class(id).base;
        }
        self.class(class).interfaces.contains(&ancestor)
    }

    /// `Class.Method`, as a stack trace prints it.
    pub fn method_display_name(&self, id: MethodId) -> String {
        let m = self.method(id);
        // An async2 body shares its name with its thunk.
        let tag = if matches!(m.async2.as_deref(), Some(Async2Role::Body { .. })) { " [async2]" } else { "" };
        format!("{}.{}{tag}", self.class(m.class).full_name(), m.name)
    }

    /// How a stack trace names a method's frame: generated code by the
    /// method it was generated for (`Program.Fib`, not `<Fib>d__1.MoveNext`).
    /// With its parameter list, as .NET prints it: `Program.Lookup(String key)`.
    pub fn trace_name(&self, id: MethodId) -> String {
        let id = self.method(id).origin.unwrap_or(id);
        let m = self.method(id);
        let params: Vec<String> = m.params.iter().map(|p| format!("{} {}", p.ty, p.name)).collect();
        format!("{}.{}({})", self.class(m.class).full_name(), m.name, params.join(", "))
    }

    /// How `Stack overflow.` names a frame: the parameters' types only, as
    /// the runtime prints it (`Program.Lookup(String)`).
    pub fn overflow_name(&self, id: MethodId) -> String {
        let id = self.method(id).origin.unwrap_or(id);
        let m = self.method(id);
        let params: Vec<&str> = m.params.iter().map(|p| p.ty.as_str()).collect();
        format!("{}.{}({})", self.class(m.class).full_name(), m.name, params.join(", "))
    }
}
