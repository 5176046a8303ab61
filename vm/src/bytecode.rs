//! The register bytecode: one opcode table generates everything.
//!
//! ```text
//!  an instruction = an opcode and its operands, each operand one of:
//!    Reg    a register read            R[r]
//!    Dst    a register written         R[d]
//!    Args   registers read, in order   R[base] .. R[base+count-1]
//!    Pc     a jump target              pc
//!    Imm    a small immediate          i32
//!    Bool   an immediate boolean
//!    ConstId, MethodId, ClassId, FieldSlot, StaticId, NativeId, AwaitSiteId:
//!    indices into the program's tables (`K[k]`, `M[m]`, `C[c]`, `F[f]`,
//!    `S[s]`, `N[n]`, `A[a]`)
//!    Conv   the target of a conversion
//! ```
//!
//! Every opcode is declared once, in `opcodes!` below, with a one-line
//! register-transfer description, and `#[fast]` if the interpreter's fast
//! loop runs it (its common case: see `interp.rs`). The macro generates the [`Instr`] enum, the
//! opcode names, the description table, and the operand visitors that the
//! disassembler, the liveness analysis and the backends' rewriting passes use,
//! so nothing about an opcode is written twice. Operands' roles are in their
//! types: a pass that asks "which registers does this read?" never needs to
//! know individual opcodes.

use std::fmt;

macro_rules! index_type {
    ($(#[$m:meta])* $name:ident($inner:ty), $prefix:literal) => {
        $(#[$m])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
        pub struct $name(pub $inner);
        impl $name {
            pub fn index(self) -> usize {
                self.0 as usize
            }
        }
        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!($prefix, "{}"), self.0)
            }
        }
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!($prefix, "{}"), self.0)
            }
        }
    };
}

index_type!(
    /// A register read by an instruction.
    Reg(u16), "r");
index_type!(
    /// A register written by an instruction.
    Dst(u16), "r");
index_type!(
    /// An instruction index within a method.
    Pc(u32), "@");
index_type!(
    /// An index into [`crate::program::Program::consts`].
    ConstId(u32), "k");
index_type!(
    /// An index into [`crate::program::Program::methods`].
    MethodId(u32), "m");
index_type!(
    /// An index into [`crate::program::Program::classes`].
    ClassId(u32), "c");
index_type!(
    /// An instance field's slot in its object.
    FieldSlot(u16), "f");
index_type!(
    /// An index into [`crate::program::Program::statics`].
    StaticId(u32), "s");
index_type!(
    /// An index into [`crate::native::NATIVES`].
    NativeId(u16), "n");
index_type!(
    /// An index into [`crate::program::Program::await_sites`].
    AwaitSiteId(u32), "a");

impl Dst {
    /// A call's destination when its result is not used.
    pub const DISCARD: Dst = Dst(u16::MAX);

    /// The same register, seen as read.
    pub fn reg(self) -> Reg {
        Reg(self.0)
    }
}

impl Reg {
    /// The same register, seen as written.
    pub fn dst(self) -> Dst {
        Dst(self.0)
    }
}

/// A run of consecutive registers passed to a call: `R[base] .. R[base+count-1]`.
/// For instance calls `R[base]` is the receiver.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default)]
pub struct Args {
    pub base: u16,
    pub count: u16,
}

impl Args {
    pub fn new(base: Reg, count: usize) -> Args {
        Args { base: base.0, count: count as u16 }
    }
    pub fn regs(self) -> impl Iterator<Item = Reg> + Clone {
        (self.base..self.base + self.count).map(Reg)
    }
    pub fn reg(self, i: usize) -> Reg {
        Reg(self.base + i as u16)
    }
}

impl fmt::Display for Args {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.count {
            0 => write!(f, "()"),
            1 => write!(f, "(r{})", self.base),
            n => write!(f, "(r{}..r{})", self.base, self.base + n - 1),
        }
    }
}

/// The target of a [`Instr::Conv`].
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum ConvKind {
    /// To `int`/`long`: truncates doubles, widens chars, unwraps enums.
    Int,
    /// To `double`/`decimal`.
    Double,
    /// To `char`.
    Char,
}

/// A conversion as a compiler decides it: numbers become a `Conv`, enums a
/// `ConvEnum` (kept apart so that instructions stay small).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum Conversion {
    Int,
    Double,
    Char,
    /// To the enum type `C[c]`, its underlying value kept.
    Enum(ClassId),
}

impl Instr {
    /// Whether execution can go on to the next instruction (false for
    /// returns, unconditional jumps, throws and the ends of handlers).
    pub fn falls_through(&self) -> bool {
        !matches!(
            self,
            Instr::Return { .. }
                | Instr::ReturnVoid {}
                | Instr::Jump { .. }
                | Instr::Throw { .. }
                | Instr::Rethrow { .. }
                | Instr::EndFinally { .. }
                | Instr::EndFilter { .. }
                | Instr::Resume { .. }
                | Instr::ReturnAddInt { .. }
                | Instr::ReturnIfLtImmInt { .. }
        )
    }

    /// The method and argument run of an instruction that enters a frame
    /// of a method its operands name (`CallVirt`, `CallVirtAsync`: the
    /// override resolved from it): what the verifier checks arity and
    /// register counts for. `CallDelegate` is checked when it runs.
    pub fn frame_entry(&self) -> Option<(MethodId, Args)> {
        match *self {
            Instr::Call { method, args, .. }
            | Instr::CallVirt { method, args, .. }
            | Instr::CallGuarded { method, args, .. }
            | Instr::CallAsync { method, args, .. }
            | Instr::CallVirtAsync { method, args, .. }
            | Instr::CallThunk { method, args, .. } => Some((method, args)),
            _ => None,
        }
    }

    /// The instruction for `R[dst] := (to) R[src]`.
    pub fn convert(dst: Dst, src: Reg, to: Conversion) -> Instr {
        match to {
            Conversion::Int => Instr::Conv { dst, src, to: ConvKind::Int },
            Conversion::Double => Instr::Conv { dst, src, to: ConvKind::Double },
            Conversion::Char => Instr::Conv { dst, src, to: ConvKind::Char },
            Conversion::Enum(class) => Instr::ConvEnum { dst, src, class },
        }
    }
}

impl fmt::Display for ConvKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConvKind::Int => write!(f, "int"),
            ConvKind::Double => write!(f, "double"),
            ConvKind::Char => write!(f, "char"),
        }
    }
}

/// One operand, by role, for passes that walk operands generically.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Operand {
    Reg(Reg),
    Dst(Dst),
    Args(Args),
    Pc(Pc),
    Imm(i32),
    Bool(bool),
    Const(ConstId),
    Method(MethodId),
    Class(ClassId),
    Field(FieldSlot),
    Static(StaticId),
    Native(NativeId),
    Site(AwaitSiteId),
    Conv(ConvKind),
}

/// One operand by mutable reference, for rewriting passes (register
/// renumbering, jump relocation).
#[derive(Debug)]
pub enum OperandMut<'a> {
    Reg(&'a mut Reg),
    Dst(&'a mut Dst),
    Args(&'a mut Args),
    Pc(&'a mut Pc),
    Other,
}

macro_rules! operand_kind {
    ($($ty:ident => $variant:ident),*) => {$(
        impl From<$ty> for Operand {
            fn from(v: $ty) -> Operand { Operand::$variant(v) }
        }
    )*};
}
operand_kind!(Reg => Reg, Dst => Dst, Args => Args, Pc => Pc, ConstId => Const,
    MethodId => Method, ClassId => Class, FieldSlot => Field, StaticId => Static,
    NativeId => Native, AwaitSiteId => Site, ConvKind => Conv);
impl From<i32> for Operand {
    fn from(v: i32) -> Operand {
        Operand::Imm(v)
    }
}
impl From<bool> for Operand {
    fn from(v: bool) -> Operand {
        Operand::Bool(v)
    }
}

trait AsOperandMut {
    fn as_operand_mut(&mut self) -> OperandMut<'_>;
}
macro_rules! operand_mut {
    ($($ty:ident => $variant:ident),*) => {$(
        impl AsOperandMut for $ty {
            fn as_operand_mut(&mut self) -> OperandMut<'_> { OperandMut::$variant(self) }
        }
    )*};
    (other: $($ty:ident),*) => {$(
        impl AsOperandMut for $ty {
            fn as_operand_mut(&mut self) -> OperandMut<'_> { OperandMut::Other }
        }
    )*};
}
operand_mut!(Reg => Reg, Dst => Dst, Args => Args, Pc => Pc);
operand_mut!(other: ConstId, MethodId, ClassId, FieldSlot, StaticId, NativeId, AwaitSiteId, ConvKind, i32, bool);

/// `true` for an opcode row marked `#[fast]` (and only that marker).
macro_rules! fast_marker {
    (fast) => {
        true
    };
}

macro_rules! opcodes {
    ($( #[doc = $doc:literal] $(#[$fast:ident])? $name:ident { $($field:ident : $kind:ident),* } )*) => {
        /// One instruction. See the module docs for operand roles.
        #[derive(Clone, Copy, Debug, PartialEq)]
        pub enum Instr {
            // In a code span: `R[a]` is register-transfer notation, not a link.
            $( #[doc = concat!("``", $doc, " ``")] $name { $($field: $kind),* }, )*
        }

        /// The opcode of an instruction, without operands.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum Opcode { $($name,)* }

        impl Opcode {
            /// Every opcode, in table order.
            pub const ALL: &'static [Opcode] = &[$(Opcode::$name,)*];

            pub fn name(self) -> &'static str {
                match self { $(Opcode::$name => stringify!($name),)* }
            }

            /// The register-transfer description from the table.
            pub fn doc(self) -> &'static str {
                match self { $(Opcode::$name => $doc.trim(),)* }
            }

            /// Whether the interpreter's fast loop runs it (in its common
            /// case): the rows marked `#[fast]`.
            #[inline(always)]
            pub const fn is_fast(self) -> bool {
                match self { $(Opcode::$name => false $(|| fast_marker!($fast))?,)* }
            }
        }

        impl Instr {
            #[inline(always)]
            pub fn opcode(&self) -> Opcode {
                match self { $(Instr::$name { .. } => Opcode::$name,)* }
            }

            /// [`Opcode::is_fast`] of its opcode.
            #[inline(always)]
            pub fn is_fast(&self) -> bool {
                self.opcode().is_fast()
            }

            /// The operands in declaration order.
            pub fn operands(&self) -> Vec<(&'static str, Operand)> {
                match *self {
                    $(Instr::$name { $($field),* } => vec![$((stringify!($field), Operand::from($field))),*],)*
                }
            }

            /// Visit the operands by mutable reference (registers and jump
            /// targets; other operands are passed as `OperandMut::Other`).
            pub fn visit_mut(&mut self, f: &mut dyn FnMut(OperandMut<'_>)) {
                match self {
                    $(Instr::$name { $($field),* } => { $( f($field.as_operand_mut()); )* })*
                }
            }
        }
    };
}

opcodes! {
    /// (nothing)
    #[fast]
    Nop {}
    /// R[dst] := R[src]
    #[fast]
    Move { dst: Dst, src: Reg }
    /// R[dst] := null
    #[fast]
    LoadNull { dst: Dst }
    /// R[dst] := value
    #[fast]
    LoadBool { dst: Dst, value: bool }
    /// R[dst] := value  (an int)
    #[fast]
    LoadInt { dst: Dst, value: i32 }
    /// R[dst] := K[k]  (int, double, char or string constant)
    #[fast]
    LoadConst { dst: Dst, k: ConstId }
    /// R[dst] := the value `value` of the enum C[class]
    LoadEnum { dst: Dst, class: ClassId, value: i32 }
    /// R[dst] := R[a] + R[b]  (numbers, or string concatenation if either is a string)
    #[fast]
    Add { dst: Dst, a: Reg, b: Reg }
    /// R[dst] := R[a] + imm  (an int)
    #[fast]
    AddImm { dst: Dst, a: Reg, imm: i32 }
    /// R[dst] := R[a] - R[b]
    #[fast]
    Sub { dst: Dst, a: Reg, b: Reg }
    /// R[dst] := R[a] * R[b]
    #[fast]
    Mul { dst: Dst, a: Reg, b: Reg }
    /// R[dst] := R[a] / R[b]  (integer division on ints: DivideByZeroException on 0)
    Div { dst: Dst, a: Reg, b: Reg }
    /// R[dst] := R[a] % R[b]
    Rem { dst: Dst, a: Reg, b: Reg }
    /// R[dst] := R[a] & R[b]  (ints, bools, flag enums)
    BitAnd { dst: Dst, a: Reg, b: Reg }
    /// R[dst] := R[a] | R[b]
    BitOr { dst: Dst, a: Reg, b: Reg }
    /// R[dst] := R[a] ^ R[b]
    BitXor { dst: Dst, a: Reg, b: Reg }
    /// R[dst] := R[a] << (R[b] & 63)
    Shl { dst: Dst, a: Reg, b: Reg }
    /// R[dst] := R[a] >> (R[b] & 63)  (arithmetic)
    Shr { dst: Dst, a: Reg, b: Reg }
    /// R[dst] := -R[src]
    Neg { dst: Dst, src: Reg }
    /// R[dst] := !R[src]
    Not { dst: Dst, src: Reg }
    /// R[dst] := ~R[src]
    BitNot { dst: Dst, src: Reg }
    /// R[dst] := R[a] == R[b]  (value equality for primitives and strings, identity for objects)
    Eq { dst: Dst, a: Reg, b: Reg }
    /// R[dst] := R[a] != R[b]
    Ne { dst: Dst, a: Reg, b: Reg }
    /// R[dst] := R[a] < R[b]
    #[fast]
    Lt { dst: Dst, a: Reg, b: Reg }
    /// R[dst] := R[a] <= R[b]
    #[fast]
    Le { dst: Dst, a: Reg, b: Reg }
    /// R[dst] := R[a] > R[b]
    #[fast]
    Gt { dst: Dst, a: Reg, b: Reg }
    /// R[dst] := R[a] >= R[b]
    #[fast]
    Ge { dst: Dst, a: Reg, b: Reg }
    /// pc := target
    #[fast]
    Jump { target: Pc }
    /// if R[cond] then pc := target
    #[fast]
    JumpIfTrue { cond: Reg, target: Pc }
    /// if not R[cond] then pc := target
    #[fast]
    JumpIfFalse { cond: Reg, target: Pc }
    /// if R[src] == null then pc := target
    #[fast]
    JumpIfNull { src: Reg, target: Pc }
    /// if R[src] != null then pc := target
    #[fast]
    JumpIfNotNull { src: Reg, target: Pc }
    /// if not (R[a] < R[b]) then pc := target  (fused compare-and-branch)
    #[fast]
    JumpIfNotLt { a: Reg, b: Reg, target: Pc }
    /// if not (R[a] < imm) then pc := target  (`n < 2` in a condition)
    #[fast]
    JumpIfNotLtImm { a: Reg, imm: i32, target: Pc }
    /// R[dst] := (to) R[src]  (numeric conversions)
    Conv { dst: Dst, src: Reg, to: ConvKind }
    /// R[dst] := (C[class]) R[src]  (an int or enum to the enum C[class])
    ConvEnum { dst: Dst, src: Reg, class: ClassId }
    /// R[dst] := R[src].ToString()  (calls a user override)
    ToStr { dst: Dst, src: Reg }
    /// R[dst] := string.Concat(R[args..])  (each operand already a string or primitive)
    Concat { dst: Dst, args: Args }
    /// R[dst] := new C[class] with every field at its default (no constructor run)
    NewObject { dst: Dst, class: ClassId }
    /// R[dst] := R[obj].F[field]  (F: the fields of C[class], where the compiler found the field; R[obj] is one, or null: NullReferenceException)
    #[fast]
    GetField { dst: Dst, obj: Reg, field: FieldSlot, class: ClassId }
    /// R[obj].F[field] := R[src]  (F: the fields of C[class], as for GetField)
    #[fast]
    SetField { obj: Reg, field: FieldSlot, src: Reg, class: ClassId }
    /// run C[class]'s static constructor if it has not run yet
    InitClass { class: ClassId }
    /// R[dst] := S[id]
    #[fast]
    GetStatic { dst: Dst, id: StaticId }
    /// S[id] := R[src]
    #[fast]
    SetStatic { id: StaticId, src: Reg }
    /// R[dst] := new C[elem][R[len]]  (elements at elem's default)
    NewArray { dst: Dst, elem: ClassId, len: Reg }
    /// R[dst] := R[obj][R[index]]  (arrays, strings, List, Dictionary)
    GetIndex { dst: Dst, obj: Reg, index: Reg }
    /// R[obj][R[index]] := R[src]
    SetIndex { obj: Reg, index: Reg, src: Reg }
    /// R[dst] := M[method](R[args..])  (static, constructor or non-virtual call)
    #[fast]
    Call { dst: Dst, method: MethodId, args: Args }
    /// R[dst] := R[args.base].M[method](R[args.base+1..])  (virtual or interface dispatch on the receiver's class)
    CallVirt { dst: Dst, method: MethodId, args: Args }
    /// R[dst] := N[native](R[args..])  (the built-in library)
    #[fast]
    CallNative { dst: Dst, native: NativeId, args: Args }
    /// R[dst] := R[args.base].Invoke(R[args.base+1..])  (a delegate)
    CallDelegate { dst: Dst, args: Args }
    /// return R[src] to the caller
    #[fast]
    Return { src: Reg }
    /// return to the caller with no value
    #[fast]
    ReturnVoid {}
    /// R[dst] := delegate of M[method] bound to R[target] (virtual methods resolved on R[target]'s class)
    MakeDelegate { dst: Dst, method: MethodId, target: Reg }
    /// R[dst] := R[src] is C[class]
    IsInst { dst: Dst, src: Reg, class: ClassId }
    /// R[dst] := R[src] as C[class]  (null when it is not)
    AsInst { dst: Dst, src: Reg, class: ClassId }
    /// R[dst] := (C[class]) R[src]  (InvalidCastException when it is not; unboxes enums and numbers)
    CastClass { dst: Dst, src: Reg, class: ClassId }
    /// R[dst] := typeof(C[class])
    TypeOf { dst: Dst, class: ClassId }
    /// throw R[src]  (records the stack trace)
    Throw { src: Reg }
    /// throw; rethrows R[src], the exception of the enclosing catch, keeping its stack trace
    Rethrow { src: Reg }
    /// end of a finally block run during unwinding: carry on unwinding with R[src]
    EndFinally { src: Reg }
    /// end of an exception filter: R[src] says whether its handler catches
    EndFilter { src: Reg }
    /// suspend until awaiter R[awaiter] completes, then pc := resume (the await's GetResult); the front end emits `[t := F(..)] aw := t.GetAwaiter(); c := aw.IsCompleted; JumpIfTrue c, @resume; Await aw, A[site], @resume; resume: r := aw.GetResult()` and A[site] records those pcs and registers and how to register with the awaiter (neutral: each backend lowers it; async2 pops the frames up to the thunk into continuations)
    Await { awaiter: Reg, site: AwaitSiteId, resume: Pc }
    /// R[dst] := await R[awaitable], async2's await of a library awaitable (Task, ValueTask, their Configured forms, Yield), as runtime async's AsyncHelpers.Await: its result (or exception) at once if it is complete, else suspend as Await does and receive the outcome on resume; either way go on at pc+1, where async2 puts `Jump @after-the-await`; A[site] (the await's awaiter type) is for the disassembly
    AwaitTask { dst: Dst, awaitable: Reg, site: AwaitSiteId }
    /// R[dst] := await M[method](R[args..]), a direct async2 call; the caller goes on at pc+1 like after any call, where async2 puts `Jump @after-the-await`
    #[fast]
    CallAsync { dst: Dst, method: MethodId, args: Args }
    /// R[dst] := await R[args.base].M[method](..): direct when the override is async2, else its task is awaited; goes on like CallAsync
    CallVirtAsync { dst: Dst, method: MethodId, args: Args }
    /// R[dst] := the Task of async2 M[method](R[args..]): completed, faulted, or finished by the chain's last continuation; contexts saved in R[dst+1], R[dst+2] and restored
    CallThunk { dst: Dst, method: MethodId, args: Args }
    /// re-enter M[method] where continuation R[cont] suspended: its live registers restored, the callee's result (or exception) delivered
    #[fast]
    Resume { method: MethodId, cont: Reg }

    // ----- tier1's specialized instructions (`tier1/specialize.rs`): what
    // a generic row computes, for operands whose tags the static types
    // (`kinds.rs`) prove; the interpreter reads their payloads unchecked
    // (debug builds assert the tags).
    /// R[dst] := R[a] + R[b]  (both ints: wraps)
    #[fast]
    AddInt { dst: Dst, a: Reg, b: Reg }
    /// R[dst] := R[a] - R[b]  (both ints: wraps)
    #[fast]
    SubInt { dst: Dst, a: Reg, b: Reg }
    /// R[dst] := R[a] * R[b]  (both ints: wraps)
    #[fast]
    MulInt { dst: Dst, a: Reg, b: Reg }
    /// R[dst] := R[a] / R[b]  (both ints: DivideByZeroException on 0)
    #[fast]
    DivInt { dst: Dst, a: Reg, b: Reg }
    /// R[dst] := R[a] % R[b]  (both ints: DivideByZeroException on 0)
    #[fast]
    RemInt { dst: Dst, a: Reg, b: Reg }
    /// R[dst] := R[a] + imm  (R[a] an int: wraps)
    #[fast]
    AddImmInt { dst: Dst, a: Reg, imm: i32 }
    /// R[dst] := R[a] < R[b]  (both ints)
    #[fast]
    LtInt { dst: Dst, a: Reg, b: Reg }
    /// R[dst] := R[a] <= R[b]  (both ints)
    #[fast]
    LeInt { dst: Dst, a: Reg, b: Reg }
    /// R[dst] := R[a] > R[b]  (both ints)
    #[fast]
    GtInt { dst: Dst, a: Reg, b: Reg }
    /// R[dst] := R[a] >= R[b]  (both ints)
    #[fast]
    GeInt { dst: Dst, a: Reg, b: Reg }
    /// R[dst] := R[a] == R[b]  (both ints)
    #[fast]
    EqInt { dst: Dst, a: Reg, b: Reg }
    /// R[dst] := R[a] != R[b]  (both ints)
    #[fast]
    NeInt { dst: Dst, a: Reg, b: Reg }
    /// if not (R[a] < R[b]) then pc := target  (both ints)
    #[fast]
    JumpIfNotLtInt { a: Reg, b: Reg, target: Pc }
    /// if not (R[a] < imm) then pc := target  (R[a] an int)
    #[fast]
    JumpIfNotLtImmInt { a: Reg, imm: i32, target: Pc }
    /// R[dst] := R[a] + R[b]  (both doubles)
    #[fast]
    AddDouble { dst: Dst, a: Reg, b: Reg }
    /// R[dst] := R[a] + R[b]  (Add with a reference operand: a string concatenation, in the fast loop)
    #[fast]
    AddStr { dst: Dst, a: Reg, b: Reg }
    /// R[dst] := R[a] - R[b]  (both doubles)
    #[fast]
    SubDouble { dst: Dst, a: Reg, b: Reg }
    /// R[dst] := R[a] * R[b]  (both doubles)
    #[fast]
    MulDouble { dst: Dst, a: Reg, b: Reg }
    /// R[dst] := R[a] / R[b]  (both doubles)
    #[fast]
    DivDouble { dst: Dst, a: Reg, b: Reg }
    /// R[dst] := -R[src]  (a double)
    #[fast]
    NegDouble { dst: Dst, src: Reg }
    /// R[dst] := R[a] < R[b]  (both doubles: NaN compares false)
    #[fast]
    LtDouble { dst: Dst, a: Reg, b: Reg }
    /// R[dst] := R[a] <= R[b]  (both doubles)
    #[fast]
    LeDouble { dst: Dst, a: Reg, b: Reg }
    /// R[dst] := R[a] > R[b]  (both doubles)
    #[fast]
    GtDouble { dst: Dst, a: Reg, b: Reg }
    /// R[dst] := R[a] >= R[b]  (both doubles)
    #[fast]
    GeDouble { dst: Dst, a: Reg, b: Reg }
    /// if not (R[a] < R[b]) then pc := target  (both doubles)
    #[fast]
    JumpIfNotLtDouble { a: Reg, b: Reg, target: Pc }
    /// if R[a] < R[b] then pc := target  (both doubles: a double compare and a branch on it, `tier1/superinstructions.rs`)
    #[fast]
    JumpIfLtDouble { a: Reg, b: Reg, target: Pc }
    /// if R[a] <= R[b] then pc := target  (both doubles, as JumpIfLtDouble)
    #[fast]
    JumpIfLeDouble { a: Reg, b: Reg, target: Pc }
    /// if not (R[a] <= R[b]) then pc := target  (both doubles, as JumpIfLtDouble: a NaN jumps)
    #[fast]
    JumpIfNotLeDouble { a: Reg, b: Reg, target: Pc }
    /// R[dst] := the double field at byte `offset` of instance R[obj]  (null: NullReferenceException)
    #[fast]
    GetFieldDouble { dst: Dst, obj: Reg, offset: i32 }
    /// R[dst] := the int field at byte `offset` of instance R[obj]
    #[fast]
    GetFieldInt { dst: Dst, obj: Reg, offset: i32 }
    /// R[dst] := the reference field at byte `offset` of instance R[obj]
    #[fast]
    GetFieldRef { dst: Dst, obj: Reg, offset: i32 }
    /// R[dst] := the tagged field at byte `offset` of instance R[obj]
    #[fast]
    GetFieldAny { dst: Dst, obj: Reg, offset: i32 }
    /// the double field at byte `offset` of instance R[obj] := R[src]  (a double)
    #[fast]
    SetFieldDouble { obj: Reg, src: Reg, offset: i32 }
    /// the int field at byte `offset` of instance R[obj] := R[src]  (an int)
    #[fast]
    SetFieldInt { obj: Reg, src: Reg, offset: i32 }
    /// the reference field at byte `offset` of instance R[obj] := R[src]  (a reference or null)
    #[fast]
    SetFieldRef { obj: Reg, src: Reg, offset: i32 }
    /// the tagged field at byte `offset` of instance R[obj] := R[src]
    #[fast]
    SetFieldAny { obj: Reg, src: Reg, offset: i32 }
    /// R[dst] := R[obj][R[index]]  (GetIndex: an array's element or an ASCII string's char at an int index read in the fast loop, the rest as GetIndex)
    #[fast]
    GetElem { dst: Dst, obj: Reg, index: Reg }
    /// R[obj][R[index]] := R[src]  (SetIndex: an array's element at an int index written in the fast loop, the rest as SetIndex)
    #[fast]
    SetElem { obj: Reg, index: Reg, src: Reg }
    /// R[dst] := R[obj][R[index]]  (GetElem of an int[] or long[] the kinds prove, an int index)
    #[fast]
    GetElemInt { dst: Dst, obj: Reg, index: Reg }
    /// R[dst] := R[obj][R[index]]  (GetElem of a double[] the kinds prove, an int index)
    #[fast]
    GetElemDouble { dst: Dst, obj: Reg, index: Reg }
    /// R[obj][R[index]] := R[src]  (SetElem of an int into an int[] or long[] the kinds prove)
    #[fast]
    SetElemInt { obj: Reg, index: Reg, src: Reg }
    /// R[obj][R[index]] := R[src]  (SetElem of a double into a double[] the kinds prove)
    #[fast]
    SetElemDouble { obj: Reg, index: Reg, src: Reg }
    /// R[dst] := Math.Sqrt(R[src])  (a double)
    #[fast]
    SqrtDouble { dst: Dst, src: Reg }
    /// if R[a] < R[b] then pc := target  (both ints: a loop's back-edge with its condition, `tier1/superinstructions.rs`)
    #[fast]
    JumpIfLtInt { a: Reg, b: Reg, target: Pc }
    /// if R[a] == R[b] then pc := target  (both ints: `EqInt`/`NeInt` and a branch on it, `tier1/superinstructions.rs`)
    #[fast]
    JumpIfEqInt { a: Reg, b: Reg, target: Pc }
    /// if R[a] != R[b] then pc := target  (both ints, as JumpIfEqInt)
    #[fast]
    JumpIfNeInt { a: Reg, b: Reg, target: Pc }
    /// R[a] := R[a] + 1; if R[a] < R[b] then pc := target  (both ints: `i++` and the back-edge; superinstruction, a Nop after it)
    #[fast]
    IncJumpIfLtInt { a: Reg, b: Reg, target: Pc }
    /// if R[a] < imm then pc := target  (an int: a loop's back-edge with its condition)
    #[fast]
    JumpIfLtImmInt { a: Reg, imm: i32, target: Pc }
    /// R[a] := R[a] + 1; if R[a] < imm then pc := target  (an int: `i++` and the back-edge; superinstruction, a Nop after it)
    #[fast]
    IncJumpIfLtImmInt { a: Reg, imm: i32, target: Pc }
    /// if R[a] < imm then return R[a] to the caller else pc := target  (an int: JumpIfNotLtImmInt over a Return of R[a], a recursion's base case; superinstruction, the Return after it never reached)
    #[fast]
    ReturnIfLtImmInt { a: Reg, imm: i32, target: Pc }
    /// return R[a] + R[b] to the caller  (both ints: AddInt and Return; superinstruction, a Nop after it)
    #[fast]
    ReturnAddInt { a: Reg, b: Reg }
    /// R[dst] := R[args.base].M[method](R[args.base+1..])  (a CallVirt that tier0 saw reach only M[method], on receivers of M[method]'s class: entered directly when the receiver's class is that class, else dispatched on the receiver's class by M[method]'s vtable slot)
    #[fast]
    CallGuarded { dst: Dst, method: MethodId, args: Args }
    /// R[dst] := (double) R[src]  (an int)
    #[fast]
    ConvIntDouble { dst: Dst, src: Reg }
    /// R[dst] := (int) R[src]  (a double: truncates)
    #[fast]
    ConvDoubleInt { dst: Dst, src: Reg }
    /// R[dst] := R[a] + R[b]  (Add whose operands the static types do not tell: ints and doubles in the fast loop, the rest as Add)
    #[fast]
    AddNum { dst: Dst, a: Reg, b: Reg }
    /// R[dst] := R[a] - R[b]  (as AddNum, for Sub)
    #[fast]
    SubNum { dst: Dst, a: Reg, b: Reg }
    /// R[dst] := R[a] * R[b]  (as AddNum, for Mul)
    #[fast]
    MulNum { dst: Dst, a: Reg, b: Reg }
    /// R[dst] := R[a] / R[b]  (as AddNum, for Div)
    #[fast]
    DivNum { dst: Dst, a: Reg, b: Reg }
    /// R[dst] := R[a] < R[b]  (Lt whose operands the types do not tell: ints and doubles in the fast loop)
    #[fast]
    LtNum { dst: Dst, a: Reg, b: Reg }
    /// R[dst] := R[a] <= R[b]  (as LtNum)
    #[fast]
    LeNum { dst: Dst, a: Reg, b: Reg }
    /// R[dst] := R[a] > R[b]  (as LtNum)
    #[fast]
    GtNum { dst: Dst, a: Reg, b: Reg }
    /// R[dst] := R[a] >= R[b]  (as LtNum)
    #[fast]
    GeNum { dst: Dst, a: Reg, b: Reg }
    /// if not (R[a] < R[b]) then pc := target  (as LtNum)
    #[fast]
    JumpIfNotLtNum { a: Reg, b: Reg, target: Pc }
    /// run C[class]'s static constructor if it has not run yet  (InitClass: the fast loop goes on when it has)
    #[fast]
    InitClassFast { class: ClassId }
    /// R[dst] := the current ExecutionContext, or with `sync` SynchronizationContext.Current  (--capture-contexts: an async2 body's entry)
    #[fast]
    SaveContext { dst: Dst, sync: bool }
    /// the current ExecutionContext := R[ec]; SynchronizationContext.Current := R[ec+1]  (--capture-contexts: however an async2 body leaves)
    #[fast]
    RestoreContexts { ec: Args }
    /// R[dst] := R[a] == R[b]  (Eq: ints and doubles in the fast loop)
    #[fast]
    EqNum { dst: Dst, a: Reg, b: Reg }
    /// R[dst] := R[a] != R[b]  (Ne: ints and doubles in the fast loop)
    #[fast]
    NeNum { dst: Dst, a: Reg, b: Reg }
}

/// What a handler does when an exception reaches its protected range.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum HandlerKind {
    /// `catch (C e)`; `catch` without a type catches `System.Exception`.
    Catch { class: ClassId },
    /// `catch (C e) when (..)`: the filter's code starts at `filter` and ends
    /// with `EndFilter`. It runs in the first pass, before inner finally blocks.
    Filter { class: ClassId, filter: Pc },
    /// The exceptional path of a `finally`: a copy of the finally block that
    /// ends with `EndFinally`. It never stops the first pass.
    Finally,
}

/// One row of a method's exception table. Rows are ordered innermost first,
/// as in the CLR; the first row whose range covers the faulting pc and whose
/// kind accepts the exception wins.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Handler {
    /// Protected range, `start <= pc < end`.
    pub start: Pc,
    pub end: Pc,
    /// Where the handler's code starts.
    pub target: Pc,
    /// The register that receives the exception object.
    pub exception: Dst,
    pub kind: HandlerKind,
}

impl Handler {
    /// Whether the protected range covers `pc`.
    pub fn covers(&self, pc: Pc) -> bool {
        self.start <= pc && pc < self.end
    }

    /// The same row for its code moved by `by` instructions.
    pub fn shifted(mut self, by: u32) -> Handler {
        self.start.0 += by;
        self.end.0 += by;
        self.target.0 += by;
        if let HandlerKind::Filter { filter, .. } = &mut self.kind {
            filter.0 += by;
        }
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instructions_stay_small() {
        // The interpreter's cache footprint depends on it.
        assert!(std::mem::size_of::<Instr>() <= 12, "{}", std::mem::size_of::<Instr>());
    }

    #[test]
    fn every_opcode_has_a_register_transfer_doc() {
        for op in Opcode::ALL {
            assert!(!op.doc().is_empty(), "{} has no doc", op.name());
        }
    }

    #[test]
    fn operand_roles_are_visible() {
        let i = Instr::Add { dst: Dst(1), a: Reg(2), b: Reg(3) };
        let ops = i.operands();
        assert_eq!(ops[0], ("dst", Operand::Dst(Dst(1))));
        assert_eq!(ops[2], ("b", Operand::Reg(Reg(3))));
        let mut j = Instr::Jump { target: Pc(4) };
        j.visit_mut(&mut |op| {
            if let OperandMut::Pc(pc) = op {
                pc.0 += 10;
            }
        });
        assert_eq!(j, Instr::Jump { target: Pc(14) });
    }
}
