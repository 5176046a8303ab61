//! Register kinds: what each register of a method holds at each pc, as a
//! [`SlotType`], by a forward dataflow over the bytecode. async2 asks it
//! which live registers of a suspension point are primitives (its
//! continuation's Data, raw bytes) and which may be references (GCData);
//! async1 types its state machines' hoisted fields with it.
//!
//! ```text
//!   Kind:  Unset  <  Null  <  Ref  <  Any        Unset < Int, Double, Bool,
//!                                                  Char, Enum(c) < Any
//!   entry: R[i] := param_types[i] (an array: param_elems[i]) for i < arity,
//!          every other register Null
//!   state(pc) = ⊔ over predecessors of their state after the instruction;
//!   a handler (or filter) entry: ⊔ over the pcs it protects of the state
//!   before and after the instruction, the exception register Ref; a
//!   catch's entry also gets what a filter left (each EndFilter's state)
//! ```
//! Sources: constants by their kind; arithmetic by its operands' kinds (as
//! `ops.rs` computes: `int + int` is `int`, with a `double` a `double`,
//! with a string a string); comparisons and `is` `bool`; fields and statics
//! by their [`crate::program::Field::ty`]; allocations `Ref`, but a
//! `NewArray` (and a parameter declared `T[]`) an array of its element
//! type, whose elements read back as that type; calls by the
//! callee's [`Method::call_result`]; natives by their declared result
//! (`"int"`/`"long"` `Int`, `"double"` `Double`, `"bool"` `Bool`, `"char"`
//! `Char`, `"string"` `Ref`, anything else `Any`). What it cannot tell is
//! `Any`: a register said to be `Int` at a pc holds a `Value::Int` whenever
//! the method runs there (the async2 runtime asserts it, in debug builds,
//! at every suspension).
//!
//! A register the method does not read again (dead, in `liveness.rs`'s
//! terms) may hold `null` instead after a resumption (async2 and async1
//! restore only the live ones): what is said of dead registers is never
//! used.

use crate::bytecode::{ClassId, Dst, HandlerKind, Instr, Operand, Pc, Reg};
use crate::program::{AsyncReturn, BuiltinClass, ClassKind, Constant, Method, Program, SlotType};
use crate::value::Value;

/// What a register holds at a pc: never written on any path there
/// (`Unset`, for code no path reaches), `null` on every path, an array
/// whose elements are stored as a slot type (or `null`: made by a
/// `NewArray` this method ran, or a parameter declared `T[]`), or a
/// [`SlotType`] (`Ref` and `Any` include `null`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    Unset,
    Null,
    Array(SlotType),
    Slot(SlotType),
}

impl Kind {
    pub const ANY: Kind = Kind::Slot(SlotType::Any);

    /// The least kind that holds both.
    pub fn join(self, other: Kind) -> Kind {
        match (self, other) {
            (Kind::Unset, k) | (k, Kind::Unset) => k,
            (Kind::Null, Kind::Null) => Kind::Null,
            (Kind::Null, Kind::Slot(SlotType::Ref)) | (Kind::Slot(SlotType::Ref), Kind::Null) => {
                Kind::Slot(SlotType::Ref)
            }
            (Kind::Null, Kind::Array(t)) | (Kind::Array(t), Kind::Null) => Kind::Array(t),
            (Kind::Array(a), Kind::Array(b)) if a == b => Kind::Array(a),
            (Kind::Null, _) | (_, Kind::Null) => Kind::ANY,
            // Another array, or any reference: a reference.
            (Kind::Array(_), k) | (k, Kind::Array(_)) => Kind::Slot(SlotType::Ref).join(k),
            (Kind::Slot(a), Kind::Slot(b)) => Kind::Slot(a.join(b)),
        }
    }

    /// As a slot's type: `null` is a `Ref`; `Unset` (unreachable) `Any`.
    pub fn slot_type(self) -> SlotType {
        match self {
            Kind::Unset => SlotType::Any,
            Kind::Null | Kind::Array(_) => SlotType::Ref,
            Kind::Slot(t) => t,
        }
    }
}

/// What a call of an async method returns: a task (`Ref`), or, for a
/// `ValueTask` (a completed one is its result) and `async void`, `Any`.
pub fn task_slot_type(kind: AsyncReturn) -> SlotType {
    match kind {
        AsyncReturn::Task | AsyncReturn::TaskOf => SlotType::Ref,
        AsyncReturn::Void | AsyncReturn::ValueTask | AsyncReturn::ValueTaskOf => SlotType::Any,
    }
}

/// A native's result kind from its declared C# result type.
pub fn native_result(ret: &str) -> SlotType {
    match ret {
        "int" | "long" => SlotType::Int,
        "double" => SlotType::Double,
        "bool" => SlotType::Bool,
        "char" => SlotType::Char,
        "string" => SlotType::Ref,
        // A task's awaiter is the task; a configured one or Yield's an object
        // of the library (a ValueTask's may be its result: Any).
        "TaskAwaiter<T>" | "ConfiguredTaskAwaiter<T>" | "YieldAwaiter" => SlotType::Ref,
        _ => SlotType::Any,
    }
}

/// What a value that passed a cast to `C[class]` is (`CastClass`): only
/// objects (and `null`) are instances of classes other than the primitives,
/// enums, `object`, `ValueType` and `Enum` (see `ops.rs`'s `is_instance`).
fn cast_result(program: &Program, class: ClassId) -> SlotType {
    let is = |b: BuiltinClass| b.id() == class;
    if is(BuiltinClass::Int32) || is(BuiltinClass::Int64) {
        SlotType::Int
    } else if is(BuiltinClass::Double) || is(BuiltinClass::Decimal) {
        SlotType::Double
    } else if is(BuiltinClass::Boolean) {
        SlotType::Bool
    } else if is(BuiltinClass::Char) {
        SlotType::Char
    } else if is(BuiltinClass::Object) || is(BuiltinClass::ValueType) || is(BuiltinClass::Enum) {
        SlotType::Any
    } else if program.classes.get(class.index()).is_some_and(|c| c.kind == ClassKind::Enum) {
        SlotType::Enum(class)
    } else {
        SlotType::Ref
    }
}

/// Whether a run-time value fits a slot of this type.
pub fn holds(ty: SlotType, v: Value) -> bool {
    match ty {
        SlotType::Any => true,
        SlotType::Ref => matches!(v, Value::Null | Value::Obj(_)),
        SlotType::Int => matches!(v, Value::Int(_)),
        SlotType::Double => matches!(v, Value::Double(_)),
        SlotType::Bool => matches!(v, Value::Bool(_)),
        SlotType::Char => matches!(v, Value::Char(_)),
        SlotType::Enum(c) => matches!(v, Value::Enum(d, _) if d == c),
    }
}

/// How C# spells a slot type (`int`, `double`, `bool`, `char`, an enum's
/// name, `ref` for a reference, `any` for a tagged value).
pub fn display(program: &Program, ty: SlotType) -> String {
    match ty {
        SlotType::Any => "any".into(),
        SlotType::Ref => "ref".into(),
        SlotType::Int => "int".into(),
        SlotType::Double => "double".into(),
        SlotType::Bool => "bool".into(),
        SlotType::Char => "char".into(),
        SlotType::Enum(c) => program.classes.get(c.index()).map_or_else(|| c.to_string(), |c| c.full_name()),
    }
}

/// The kinds of a method's registers before each instruction.
#[derive(Clone, Debug)]
pub struct Kinds {
    states: Vec<Option<Vec<Kind>>>,
}

impl Kinds {
    /// The kinds before the instruction at `pc` (`None`: no path reaches it).
    /// The number of instructions it was inferred for.
    pub fn len(&self) -> usize {
        self.states.len()
    }

    pub fn is_empty(&self) -> bool {
        self.states.is_empty()
    }

    pub fn at(&self, pc: Pc) -> Option<&[Kind]> {
        self.states.get(pc.index()).and_then(|s| s.as_deref())
    }

    /// What `r` holds before the instruction at `pc`, as a slot type.
    pub fn slot_type(&self, pc: Pc, r: Reg) -> SlotType {
        self.at(pc).and_then(|s| s.get(r.index())).map_or(SlotType::Any, |k| k.slot_type())
    }
}

/// The numeric kind of an operand, for arithmetic.
#[derive(Clone, Copy, PartialEq)]
enum Num {
    Int,
    Char,
    Double,
    Enum(ClassId),
    Bool,
    /// A reference or null: a string, or an operand error.
    Ref,
    Unknown,
}

fn num(k: Kind) -> Num {
    match k {
        Kind::Slot(SlotType::Int) => Num::Int,
        Kind::Slot(SlotType::Char) => Num::Char,
        Kind::Slot(SlotType::Double) => Num::Double,
        Kind::Slot(SlotType::Enum(c)) => Num::Enum(c),
        Kind::Slot(SlotType::Bool) => Num::Bool,
        Kind::Null | Kind::Array(_) | Kind::Slot(SlotType::Ref) => Num::Ref,
        Kind::Unset | Kind::Slot(SlotType::Any) => Num::Unknown,
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Arith {
    Add,
    Sub,
    MulDivRem,
}

/// `a op b` as `ops.rs` computes it (`add_slow`, `arith`); `Any` when an
/// operand may be anything (or the operation throws: nothing is written).
fn arith(op: Arith, a: Kind, b: Kind) -> Kind {
    let (x, y) = (num(a), num(b));
    let int_like = |n: Num| matches!(n, Num::Int | Num::Char | Num::Enum(_));
    let k = match (x, y) {
        // A string on either side concatenates (anything else throws),
        // whatever the other side is.
        (Num::Ref, _) | (_, Num::Ref) if op == Arith::Add => SlotType::Ref,
        (Num::Unknown, _) | (_, Num::Unknown) => SlotType::Any,
        (Num::Double, n) | (n, Num::Double) if int_like(n) || n == Num::Double => SlotType::Double,
        (x, y) if int_like(x) && int_like(y) => match (op, x, y) {
            // add_slow: an enum on the left keeps its type.
            (Arith::Add, Num::Enum(c), _) => SlotType::Enum(c),
            (Arith::Add, _, Num::Enum(c)) => SlotType::Enum(c),
            (Arith::Sub, Num::Enum(_), Num::Enum(_)) => SlotType::Int,
            (Arith::Sub, Num::Enum(c), _) | (Arith::Sub, _, Num::Enum(c)) => SlotType::Enum(c),
            _ => SlotType::Int,
        },
        _ => SlotType::Any,
    };
    Kind::Slot(k)
}

/// `a & b`, `a | b`, `a ^ b` (`shift` false) or `a << b`, `a >> b`, as
/// `ops::bitwise`.
fn bitwise(shift: bool, a: Kind, b: Kind) -> Kind {
    let (x, y) = (num(a), num(b));
    let int_like = |n: Num| matches!(n, Num::Int | Num::Char | Num::Enum(_));
    let k = match (x, y) {
        (Num::Bool, Num::Bool) if !shift => SlotType::Bool,
        (Num::Enum(c), y) if !shift && int_like(y) => SlotType::Enum(c),
        (x, y) if int_like(x) && int_like(y) => SlotType::Int,
        _ => SlotType::Any,
    };
    Kind::Slot(k)
}

/// What the instruction leaves in the registers it writes (`st` is the
/// state before it, updated in place).
fn step(program: &Program, instr: &Instr, st: &mut [Kind], arrays: bool) {
    let get = |st: &[Kind], r: Reg| st.get(r.index()).copied().unwrap_or(Kind::ANY);
    let slot = Kind::Slot;
    let (dst, kind) = match *instr {
        Instr::Move { dst, src } => (dst, get(st, src)),
        Instr::LoadNull { dst } => (dst, Kind::Null),
        Instr::LoadBool { dst, .. } => (dst, slot(SlotType::Bool)),
        Instr::LoadInt { dst, .. } => (dst, slot(SlotType::Int)),
        Instr::LoadConst { dst, k } => (
            dst,
            slot(match program.consts.get(k.index()) {
                Some(Constant::Int(_)) => SlotType::Int,
                Some(Constant::Double(_)) => SlotType::Double,
                Some(Constant::Char(_)) => SlotType::Char,
                Some(Constant::Str(_)) => SlotType::Ref,
                None => SlotType::Any,
            }),
        ),
        Instr::LoadEnum { dst, class, .. } => (dst, slot(SlotType::Enum(class))),
        Instr::Add { dst, a, b } => (dst, arith(Arith::Add, get(st, a), get(st, b))),
        Instr::AddImm { dst, a, .. } => (dst, arith(Arith::Add, get(st, a), slot(SlotType::Int))),
        Instr::Sub { dst, a, b } => (dst, arith(Arith::Sub, get(st, a), get(st, b))),
        Instr::Mul { dst, a, b } | Instr::Div { dst, a, b } | Instr::Rem { dst, a, b } => {
            (dst, arith(Arith::MulDivRem, get(st, a), get(st, b)))
        }
        Instr::BitAnd { dst, a, b } | Instr::BitOr { dst, a, b } | Instr::BitXor { dst, a, b } => {
            (dst, bitwise(false, get(st, a), get(st, b)))
        }
        Instr::Shl { dst, a, b } | Instr::Shr { dst, a, b } => (dst, bitwise(true, get(st, a), get(st, b))),
        Instr::Neg { dst, src } => (
            dst,
            slot(match get(st, src) {
                Kind::Slot(SlotType::Int | SlotType::Char) => SlotType::Int,
                Kind::Slot(SlotType::Double) => SlotType::Double,
                _ => SlotType::Any,
            }),
        ),
        // `!` of anything but a bool throws.
        Instr::Not { dst, .. } => (dst, slot(SlotType::Bool)),
        Instr::BitNot { dst, src } => (
            dst,
            slot(match get(st, src) {
                Kind::Slot(SlotType::Int | SlotType::Char) => SlotType::Int,
                Kind::Slot(SlotType::Enum(c)) => SlotType::Enum(c),
                _ => SlotType::Any,
            }),
        ),
        Instr::Eq { dst, .. }
        | Instr::Ne { dst, .. }
        | Instr::Lt { dst, .. }
        | Instr::Le { dst, .. }
        | Instr::Gt { dst, .. }
        | Instr::Ge { dst, .. }
        | Instr::IsInst { dst, .. } => (dst, slot(SlotType::Bool)),
        Instr::Conv { dst, to, .. } => (
            dst,
            slot(match to {
                crate::bytecode::ConvKind::Int => SlotType::Int,
                crate::bytecode::ConvKind::Double => SlotType::Double,
                crate::bytecode::ConvKind::Char => SlotType::Char,
            }),
        ),
        Instr::ConvEnum { dst, class, .. } => (dst, slot(SlotType::Enum(class))),
        Instr::ToStr { dst, .. }
        | Instr::Concat { dst, .. }
        | Instr::NewObject { dst, .. }
        | Instr::MakeDelegate { dst, .. }
        | Instr::TypeOf { dst, .. } => (dst, slot(SlotType::Ref)),
        Instr::GetField { dst, field, class, .. } => (
            dst,
            slot(
                program
                    .classes
                    .get(class.index())
                    .and_then(|c| c.fields.get(field.index()))
                    .map_or(SlotType::Any, |f| f.ty),
            ),
        ),
        Instr::GetStatic { dst, id } => (dst, slot(program.statics.get(id.index()).map_or(SlotType::Any, |s| s.ty))),
        Instr::Call { dst, method, .. }
        | Instr::CallVirt { dst, method, .. }
        | Instr::CallGuarded { dst, method, .. } => {
            (dst, slot(program.methods.get(method.index()).map_or(SlotType::Any, |m| m.call_result())))
        }
        Instr::CallAsync { dst, method, .. } => {
            (dst, slot(program.methods.get(method.index()).map_or(SlotType::Any, |m| m.returns)))
        }
        Instr::CallNative { dst, native, .. } => {
            (dst, slot(crate::native::NATIVES.get(native.index()).map_or(SlotType::Any, |d| native_result(d.ret))))
        }
        Instr::CallThunk { dst, method, .. } => {
            // It also saves the contexts in the two registers after `dst`.
            for r in [dst.0 as usize + 1, dst.0 as usize + 2] {
                if let Some(k) = st.get_mut(r) {
                    *k = Kind::ANY;
                }
            }
            let task = program.methods.get(method.index()).and_then(|m| m.flags.is_async).map(task_slot_type);
            (dst, slot(task.unwrap_or(SlotType::Any)))
        }
        Instr::AsInst { dst, class, .. } => {
            let t = cast_result(program, class);
            (dst, slot(if t == SlotType::Ref { SlotType::Ref } else { SlotType::Any }))
        }
        Instr::CastClass { dst, class, .. } => (dst, slot(cast_result(program, class))),
        // tier1's specialized instructions.
        Instr::AddInt { dst, .. }
        | Instr::SubInt { dst, .. }
        | Instr::MulInt { dst, .. }
        | Instr::DivInt { dst, .. }
        | Instr::RemInt { dst, .. }
        | Instr::AddImmInt { dst, .. }
        | Instr::GetFieldInt { dst, .. } => (dst, slot(SlotType::Int)),
        Instr::AddStr { dst, .. } => (dst, slot(SlotType::Ref)),
        // A context is an object or null.
        Instr::SaveContext { dst, .. } => (dst, slot(SlotType::Ref)),
        Instr::AddDouble { dst, .. }
        | Instr::SubDouble { dst, .. }
        | Instr::MulDouble { dst, .. }
        | Instr::DivDouble { dst, .. }
        | Instr::NegDouble { dst, .. }
        | Instr::SqrtDouble { dst, .. }
        | Instr::ConvIntDouble { dst, .. }
        | Instr::GetFieldDouble { dst, .. } => (dst, slot(SlotType::Double)),
        Instr::ConvDoubleInt { dst, .. } => (dst, slot(SlotType::Int)),
        Instr::AddNum { dst, a, b } => (dst, arith(Arith::Add, get(st, a), get(st, b))),
        Instr::SubNum { dst, a, b } => (dst, arith(Arith::Sub, get(st, a), get(st, b))),
        Instr::MulNum { dst, a, b } | Instr::DivNum { dst, a, b } => {
            (dst, arith(Arith::MulDivRem, get(st, a), get(st, b)))
        }
        Instr::EqNum { dst, .. }
        | Instr::NeNum { dst, .. }
        | Instr::LtNum { dst, .. }
        | Instr::LeNum { dst, .. }
        | Instr::GtNum { dst, .. }
        | Instr::GeNum { dst, .. } => (dst, slot(SlotType::Bool)),
        Instr::LtInt { dst, .. }
        | Instr::LeInt { dst, .. }
        | Instr::GtInt { dst, .. }
        | Instr::GeInt { dst, .. }
        | Instr::EqInt { dst, .. }
        | Instr::NeInt { dst, .. }
        | Instr::LtDouble { dst, .. }
        | Instr::LeDouble { dst, .. }
        | Instr::GtDouble { dst, .. }
        | Instr::GeDouble { dst, .. } => (dst, slot(SlotType::Bool)),
        Instr::GetFieldRef { dst, .. } => (dst, slot(SlotType::Ref)),
        Instr::NewArray { dst, elem, .. } if arrays => (dst, Kind::Array(program.element_type(elem))),
        Instr::NewArray { dst, .. } => (dst, slot(SlotType::Ref)),
        // An element of an array the kinds know (made here, or a `T[]`
        // parameter): its element type.
        Instr::GetElemInt { dst, .. } => (dst, slot(SlotType::Int)),
        Instr::GetElemDouble { dst, .. } => (dst, slot(SlotType::Double)),
        Instr::GetIndex { dst, obj, .. } | Instr::GetElem { dst, obj, .. } => match get(st, obj) {
            Kind::Array(t) => (dst, slot(t)),
            _ => (dst, Kind::ANY),
        },
        Instr::GetFieldAny { dst, .. } => (dst, Kind::ANY),
        Instr::IncJumpIfLtInt { a, .. } | Instr::IncJumpIfLtImmInt { a, .. } => (a.dst(), slot(SlotType::Int)),
        Instr::JumpIfNotLtInt { .. }
        | Instr::JumpIfLtInt { .. }
        | Instr::JumpIfEqInt { .. }
        | Instr::JumpIfNeInt { .. }
        | Instr::JumpIfLtImmInt { .. }
        | Instr::JumpIfNotLtNum { .. }
        | Instr::InitClassFast { .. }
        | Instr::ReturnAddInt { .. }
        | Instr::ReturnIfLtImmInt { .. }
        | Instr::JumpIfNotLtImmInt { .. }
        | Instr::JumpIfNotLtDouble { .. }
        | Instr::JumpIfLtDouble { .. }
        | Instr::JumpIfLeDouble { .. }
        | Instr::JumpIfNotLeDouble { .. }
        | Instr::SetFieldDouble { .. }
        | Instr::SetFieldInt { .. }
        | Instr::SetFieldRef { .. }
        | Instr::SetFieldAny { .. }
        | Instr::SetElem { .. }
        | Instr::RestoreContexts { .. }
        | Instr::SetElemInt { .. }
        | Instr::SetElemDouble { .. } => return,
        Instr::CallDelegate { dst, .. } | Instr::AwaitTask { dst, .. } | Instr::CallVirtAsync { dst, .. } => {
            (dst, Kind::ANY)
        }
        Instr::Nop {}
        | Instr::Jump { .. }
        | Instr::JumpIfTrue { .. }
        | Instr::JumpIfFalse { .. }
        | Instr::JumpIfNull { .. }
        | Instr::JumpIfNotNull { .. }
        | Instr::JumpIfNotLt { .. }
        | Instr::JumpIfNotLtImm { .. }
        | Instr::SetField { .. }
        | Instr::InitClass { .. }
        | Instr::SetStatic { .. }
        | Instr::SetIndex { .. }
        | Instr::Return { .. }
        | Instr::ReturnVoid {}
        | Instr::Throw { .. }
        | Instr::Rethrow { .. }
        | Instr::EndFinally { .. }
        | Instr::EndFilter { .. }
        | Instr::Await { .. }
        | Instr::Resume { .. } => return,
    };
    if dst != Dst::DISCARD
        && let Some(k) = st.get_mut(dst.0 as usize)
    {
        *k = kind;
    }
}

/// Joins `st` into the state before `pc`; queues `pc` if that changed it.
fn merge(states: &mut [Option<Vec<Kind>>], pc: usize, st: &[Kind], work: &mut Vec<usize>) {
    let Some(slot) = states.get_mut(pc) else { return };
    match slot {
        None => {
            *slot = Some(st.to_vec());
            work.push(pc);
        }
        Some(old) => {
            let mut changed = false;
            for (o, n) in old.iter_mut().zip(st) {
                let j = o.join(*n);
                changed |= j != *o;
                *o = j;
            }
            if changed {
                work.push(pc);
            }
        }
    }
}

/// The kinds of `m`'s registers before each of its instructions.
pub fn infer(program: &Program, m: &Method) -> Kinds {
    infer_with(program, m, true)
}

/// [`infer`] without what arrays made here tell of their elements: what
/// another method sees of the same registers after they went through a
/// field (async1 types its state machine's fields with this, and
/// `MoveNext` reads arrays back from them as plain references).
pub fn infer_without_arrays(program: &Program, m: &Method) -> Kinds {
    infer_with(program, m, false)
}

fn infer_with(program: &Program, m: &Method, arrays: bool) -> Kinds {
    let n = m.code.len();
    let nregs = m.nregs as usize;
    let mut states: Vec<Option<Vec<Kind>>> = vec![None; n];
    let mut work = Vec::new();
    if n > 0 {
        let param = |r: usize| match m.param_elems.get(r).copied().flatten() {
            Some(t) if arrays => Kind::Array(t),
            _ => Kind::Slot(m.param_type(r)),
        };
        let entry: Vec<Kind> = (0..nregs).map(|r| if r < m.arity as usize { param(r) } else { Kind::Null }).collect();
        merge(&mut states, 0, &entry, &mut work);
    }
    // A filter leaves its registers below the exception's in the frame
    // (`unwind.rs`'s `run_filter`): each EndFilter's state reaches every
    // filtered catch.
    let filtered: Vec<usize> =
        m.handlers.iter().filter(|h| matches!(h.kind, HandlerKind::Filter { .. })).map(|h| h.target.index()).collect();
    while let Some(pc) = work.pop() {
        let Some(before) = states[pc].clone() else { continue };
        let instr = &m.code[pc];
        let mut after = before.clone();
        step(program, instr, &mut after, arrays);
        if instr.falls_through() && pc + 1 < n {
            merge(&mut states, pc + 1, &after, &mut work);
        }
        for (_, op) in instr.operands() {
            if let Operand::Pc(t) = op {
                merge(&mut states, t.index(), &after, &mut work);
            }
        }
        if matches!(instr, Instr::EndFilter { .. }) {
            for &t in &filtered {
                merge(&mut states, t, &before, &mut work);
            }
        }
        // An exception may leave the instruction before or after it wrote
        // (a resumed async2 call's result is never written).
        let mut handlers = m.handlers_covering(Pc(pc as u32)).peekable();
        if handlers.peek().is_none() {
            continue;
        }
        let thrown: Vec<Kind> = before.iter().zip(&after).map(|(a, b)| a.join(*b)).collect();
        for (_, h) in handlers {
            let mut st = thrown.clone();
            if let Some(k) = st.get_mut(h.exception.0 as usize) {
                *k = Kind::Slot(SlotType::Ref);
            }
            merge(&mut states, h.target.index(), &st, &mut work);
            if let HandlerKind::Filter { filter, .. } = h.kind {
                merge(&mut states, filter.index(), &st, &mut work);
            }
        }
    }
    Kinds { states }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bytecode::{Args, Handler, MethodId};
    use crate::program::{Field, MethodFlags};

    fn method(code: Vec<Instr>, arity: u16, nregs: u16) -> Method {
        let mut m = Method::new("M", ClassId(0), MethodFlags { is_static: true, ..MethodFlags::default() }, arity);
        m.lines = vec![1; code.len()];
        m.code = code;
        m.nregs = nregs;
        m
    }

    fn ty(k: &Kinds, pc: u32, r: u16) -> SlotType {
        k.slot_type(Pc(pc), Reg(r))
    }

    #[test]
    fn the_lattice_joins_null_into_references() {
        let r = Kind::Slot(SlotType::Ref);
        let i = Kind::Slot(SlotType::Int);
        assert_eq!(Kind::Null.join(r), r);
        assert_eq!(Kind::Null.join(i), Kind::ANY);
        assert_eq!(Kind::Unset.join(i), i);
        assert_eq!(i.join(Kind::Slot(SlotType::Double)), Kind::ANY);
        assert_eq!(Kind::Null.slot_type(), SlotType::Ref);
    }

    #[test]
    fn arrays_made_here_keep_their_element_type() {
        let (ints, doubles) = (Kind::Array(SlotType::Int), Kind::Array(SlotType::Double));
        let r = Kind::Slot(SlotType::Ref);
        assert_eq!(Kind::Null.join(ints), ints, "null or an int[] is an int[] (or null)");
        assert_eq!(ints.join(ints), ints);
        assert_eq!(ints.join(doubles), r, "two kinds of arrays: a reference");
        assert_eq!(ints.join(r), r);
        assert_eq!(ints.join(Kind::Slot(SlotType::Int)), Kind::ANY);
        assert_eq!(ints.slot_type(), SlotType::Ref);
        // new int[n]; a[0]: an int. Reached also with a reference (a
        // parameter) in the register: unknown.
        let p = Program::new("t.toy");
        let int32 = BuiltinClass::Int32.id();
        let m = method(
            vec![
                Instr::NewArray { dst: Dst(1), elem: int32, len: Reg(0) },
                Instr::LoadInt { dst: Dst(2), value: 0 },
                Instr::GetIndex { dst: Dst(3), obj: Reg(1), index: Reg(2) },
                Instr::GetElem { dst: Dst(4), obj: Reg(1), index: Reg(2) },
                Instr::GetIndex { dst: Dst(5), obj: Reg(6), index: Reg(2) },
                Instr::Return { src: Reg(3) },
            ],
            1,
            7,
        );
        let k = infer(&p, &m);
        assert_eq!(k.at(Pc(1)).map(|s| s[1]), Some(ints));
        assert_eq!(ty(&k, 5, 3), SlotType::Int);
        assert_eq!(ty(&k, 5, 4), SlotType::Int);
        assert_eq!(ty(&k, 5, 5), SlotType::Any);
        // Parameter r6 declared double[]: its elements are doubles; without
        // arrays (async1's fields) neither says anything of elements.
        let mut m = m;
        m.arity = 7;
        m.param_elems = vec![None, None, None, None, None, None, Some(SlotType::Double)];
        assert_eq!(ty(&infer(&p, &m), 5, 5), SlotType::Double);
        let plain = infer_without_arrays(&p, &m);
        assert_eq!((ty(&plain, 5, 3), ty(&plain, 5, 5)), (SlotType::Any, SlotType::Any));
    }

    #[test]
    fn constants_parameters_and_arithmetic() {
        let mut p = Program::new("t.toy");
        let d = p.add_const(Constant::Double(1.5));
        let s = p.add_const(Constant::Str("x".into()));
        let mut m = method(
            vec![
                Instr::LoadInt { dst: Dst(1), value: 1 },
                Instr::Add { dst: Dst(2), a: Reg(0), b: Reg(1) },
                Instr::LoadConst { dst: Dst(3), k: d },
                Instr::Mul { dst: Dst(3), a: Reg(3), b: Reg(1) },
                Instr::LoadConst { dst: Dst(4), k: s },
                Instr::Add { dst: Dst(4), a: Reg(4), b: Reg(2) },
                Instr::Lt { dst: Dst(5), a: Reg(2), b: Reg(1) },
                Instr::Return { src: Reg(2) },
            ],
            1,
            6,
        );
        m.param_types = vec![SlotType::Int];
        let k = infer(&p, &m);
        assert_eq!(ty(&k, 0, 0), SlotType::Int);
        assert_eq!(ty(&k, 0, 2), SlotType::Ref, "a register not yet written is null");
        assert_eq!(ty(&k, 2, 2), SlotType::Int);
        assert_eq!(ty(&k, 4, 3), SlotType::Double);
        assert_eq!(ty(&k, 6, 4), SlotType::Ref, "string + int is a string");
        assert_eq!(ty(&k, 7, 5), SlotType::Bool);
        // An unknown parameter makes the sum unknown.
        m.param_types = vec![SlotType::Any];
        assert_eq!(ty(&infer(&p, &m), 2, 2), SlotType::Any);
    }

    #[test]
    fn enums_keep_their_type_through_addition() {
        let p = Program::new("t.toy");
        let e = ClassId(99);
        let m = method(
            vec![
                Instr::LoadEnum { dst: Dst(0), class: e, value: 1 },
                Instr::AddImm { dst: Dst(1), a: Reg(0), imm: 1 },
                Instr::Sub { dst: Dst(2), a: Reg(1), b: Reg(0) },
                Instr::BitOr { dst: Dst(3), a: Reg(0), b: Reg(1) },
                Instr::ReturnVoid {},
            ],
            0,
            4,
        );
        let k = infer(&p, &m);
        assert_eq!(ty(&k, 4, 1), SlotType::Enum(e));
        assert_eq!(ty(&k, 4, 2), SlotType::Int, "enum - enum is an int");
        assert_eq!(ty(&k, 4, 3), SlotType::Enum(e));
    }

    #[test]
    fn paths_join_and_loops_reach_a_fixpoint() {
        let p = Program::new("t.toy");
        // 0: r1 := 0; 1: if r0 goto 4; 2: r1 := 2.5 (double); 3: jump 5;
        // 4: r2 := 1; 5: r2 := r2 + 1 (loop: r2 null then int); 6: jump 5
        let mut p2 = p.clone();
        let dk = p2.add_const(Constant::Double(2.5));
        let m = method(
            vec![
                Instr::LoadInt { dst: Dst(1), value: 0 },
                Instr::JumpIfTrue { cond: Reg(0), target: Pc(4) },
                Instr::LoadConst { dst: Dst(1), k: dk },
                Instr::Jump { target: Pc(5) },
                Instr::LoadInt { dst: Dst(2), value: 1 },
                Instr::AddImm { dst: Dst(2), a: Reg(2), imm: 1 },
                Instr::Jump { target: Pc(5) },
            ],
            1,
            3,
        );
        let k = infer(&p2, &m);
        assert_eq!(ty(&k, 5, 1), SlotType::Any, "int on one path, double on the other");
        assert_eq!(ty(&k, 5, 2), SlotType::Any, "null on one path, int on the other");
        assert_eq!(ty(&k, 4, 1), SlotType::Int);
        assert_eq!(k.at(Pc(6)).map(|s| s[2]), Some(Kind::ANY));
    }

    #[test]
    fn fields_calls_natives_and_handlers() {
        let mut p = Program::new("t.toy");
        let mut c = crate::program::Class::new("C", "", ClassKind::Class);
        c.fields.push(Field { name: "n".into(), ty: SlotType::Int, default: crate::program::DefaultValue::Int });
        let class = p.add_class(c);
        let mut callee = method(vec![Instr::ReturnVoid {}], 0, 0);
        callee.returns = SlotType::Double;
        let callee = p.add_method(callee);
        let abs = crate::native::lookup("Math", "Abs", 1).find(|(_, d)| d.ret == "int").map(|(id, _)| id);
        let mut code = vec![
            Instr::NewObject { dst: Dst(0), class },
            Instr::GetField { dst: Dst(1), obj: Reg(0), field: crate::bytecode::FieldSlot(0), class },
            Instr::Call { dst: Dst(2), method: callee, args: Args::new(Reg(3), 0) },
            Instr::LoadInt { dst: Dst(4), value: 1 },
            Instr::Jump { target: Pc(7) },
            // 5: the handler: the exception in r3
            Instr::Nop {},
            Instr::ReturnVoid {},
            Instr::ReturnVoid {},
        ];
        if let Some(abs) = abs {
            code[3] = Instr::CallNative { dst: Dst(4), native: abs, args: Args::new(Reg(1), 1) };
        }
        let mut m = method(code, 0, 5);
        m.handlers.push(Handler {
            start: Pc(2),
            end: Pc(4),
            target: Pc(5),
            exception: Dst(3),
            kind: HandlerKind::Catch { class: ClassId(0) },
        });
        let k = infer(&p, &m);
        assert_eq!(ty(&k, 2, 0), SlotType::Ref);
        assert_eq!(ty(&k, 2, 1), SlotType::Int);
        assert_eq!(ty(&k, 3, 2), SlotType::Double);
        assert_eq!(ty(&k, 4, 4), SlotType::Int);
        assert_eq!(ty(&k, 5, 3), SlotType::Ref, "the exception");
        // The call may throw before writing r2: null or a double.
        assert_eq!(ty(&k, 5, 2), SlotType::Any);
        assert_eq!(ty(&k, 5, 1), SlotType::Int);
        let _ = MethodId(0);
    }
}
