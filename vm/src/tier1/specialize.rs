//! The specializing pass: generic instructions whose operands' tags the
//! static types prove (`kinds.rs`) become the specialized rows of the
//! opcode table, which skip the tag checks and the general cases.
//!
//! ```text
//!   Add/Sub/Mul/Div/Rem, AddImm     int op int      -> AddInt ... RemInt, AddImmInt
//!   Add/Sub/Mul/Div, Neg            double op double -> AddDouble ... NegDouble
//!   Lt/Le/Gt/Ge(/Eq/Ne)             int, int or double, double -> LtInt ... GeDouble
//!   JumpIfNotLt(Imm)                int or double   -> JumpIfNotLtInt, JumpIfNotLtImmInt, JumpIfNotLtDouble
//!   GetField/SetField               the slot resolved to its byte offset and typed
//!                                   (double, int, reference or tagged field)
//!   GetIndex/SetIndex               an int (or unknown) index -> GetElem/SetElem (arrays, ASCII strings in the fast loop);
//!                                   an int index into an int[] or double[] the kinds prove (an int or
//!                                   double stored) -> GetElemInt/Double, SetElemInt/Double
//!   CallNative Math.Sqrt            a double        -> SqrtDouble
//!   Conv                            int -> double, double -> int: ConvIntDouble, ConvDoubleInt
//!   Add/Sub/Mul/Div, Eq/Ne,         ints, doubles or unknown (no reference, no char):
//!   Lt/Le/Gt/Ge, JumpIfNotLt        AddNum ... JumpIfNotLtNum, which try int and double first
//!   InitClass                       InitClassFast (the fast loop goes on once the class is initialized)
//!   Add                             a reference operand (a string: `+` concatenates) -> AddStr, which
//!                                   concatenates in the fast loop
//! ```
//!
//! Each rewrite computes exactly what the generic instruction does for
//! those operands (`ops.rs`): int arithmetic wraps (int and long are one
//! `i64`), int division by zero throws `DivideByZeroException`, double
//! compares are false with a NaN, an `Add` with a string operand
//! concatenates as `Add` does (`AddStr` runs the same code), a field store keeps
//! the generic path where it would convert (an int stored into a double
//! field). One instruction for one: pcs keep their meaning.

use std::collections::HashMap;

use super::{Body, PassCx};
use crate::bytecode::{ClassId, ConvKind, FieldSlot, Instr, Pc, Reg};
use crate::object::{FieldRef, Layout};
use crate::program::{Program, SlotType};

/// The pass (see the module docs).
pub fn run(cx: &PassCx<'_>, body: &mut Body) {
    let sqrt = crate::native::lookup("Math", "Sqrt", 1).next().map(|(id, _)| id);
    let mut fields = FieldOffsets::new(cx.program);
    for (pc, instr) in body.code.iter_mut().enumerate() {
        let pc = Pc(pc as u32);
        if cx.kinds.at(pc).is_none() {
            continue; // unreachable: nothing is known
        }
        let ty = |r: Reg| cx.kinds.slot_type(pc, r);
        let ints = |a: Reg, b: Reg| ty(a) == SlotType::Int && ty(b) == SlotType::Int;
        let doubles = |a: Reg, b: Reg| ty(a) == SlotType::Double && ty(b) == SlotType::Double;
        let num = |r: Reg| matches!(ty(r), SlotType::Int | SlotType::Double | SlotType::Any);
        let maybe_num = |a: Reg, b: Reg| num(a) && num(b);
        // An array of ints or doubles (or null), as the kinds prove it.
        let array_of = |r: Reg| match cx.kinds.at(pc).and_then(|s| s.get(r.index())) {
            Some(&crate::kinds::Kind::Array(t)) => Some(t),
            _ => None,
        };
        let new = match *instr {
            Instr::Add { dst, a, b } if ints(a, b) => Instr::AddInt { dst, a, b },
            Instr::Add { dst, a, b } if doubles(a, b) => Instr::AddDouble { dst, a, b },
            Instr::Add { dst, a, b } if ty(a) == SlotType::Ref || ty(b) == SlotType::Ref => Instr::AddStr { dst, a, b },
            Instr::Sub { dst, a, b } if ints(a, b) => Instr::SubInt { dst, a, b },
            Instr::Sub { dst, a, b } if doubles(a, b) => Instr::SubDouble { dst, a, b },
            Instr::Mul { dst, a, b } if ints(a, b) => Instr::MulInt { dst, a, b },
            Instr::Mul { dst, a, b } if doubles(a, b) => Instr::MulDouble { dst, a, b },
            Instr::Div { dst, a, b } if ints(a, b) => Instr::DivInt { dst, a, b },
            Instr::Div { dst, a, b } if doubles(a, b) => Instr::DivDouble { dst, a, b },
            Instr::Rem { dst, a, b } if ints(a, b) => Instr::RemInt { dst, a, b },
            Instr::AddImm { dst, a, imm } if ty(a) == SlotType::Int => Instr::AddImmInt { dst, a, imm },
            Instr::Neg { dst, src } if ty(src) == SlotType::Double => Instr::NegDouble { dst, src },
            Instr::Lt { dst, a, b } if ints(a, b) => Instr::LtInt { dst, a, b },
            Instr::Lt { dst, a, b } if doubles(a, b) => Instr::LtDouble { dst, a, b },
            Instr::Le { dst, a, b } if ints(a, b) => Instr::LeInt { dst, a, b },
            Instr::Le { dst, a, b } if doubles(a, b) => Instr::LeDouble { dst, a, b },
            Instr::Gt { dst, a, b } if ints(a, b) => Instr::GtInt { dst, a, b },
            Instr::Gt { dst, a, b } if doubles(a, b) => Instr::GtDouble { dst, a, b },
            Instr::Ge { dst, a, b } if ints(a, b) => Instr::GeInt { dst, a, b },
            Instr::Ge { dst, a, b } if doubles(a, b) => Instr::GeDouble { dst, a, b },
            Instr::Eq { dst, a, b } if ints(a, b) => Instr::EqInt { dst, a, b },
            Instr::Ne { dst, a, b } if ints(a, b) => Instr::NeInt { dst, a, b },
            Instr::JumpIfNotLt { a, b, target } if ints(a, b) => Instr::JumpIfNotLtInt { a, b, target },
            Instr::JumpIfNotLt { a, b, target } if doubles(a, b) => Instr::JumpIfNotLtDouble { a, b, target },
            Instr::JumpIfNotLtImm { a, imm, target } if ty(a) == SlotType::Int => {
                Instr::JumpIfNotLtImmInt { a, imm, target }
            }
            Instr::Conv { dst, src, to: ConvKind::Double } if ty(src) == SlotType::Int => {
                Instr::ConvIntDouble { dst, src }
            }
            Instr::Conv { dst, src, to: ConvKind::Int } if ty(src) == SlotType::Double => {
                Instr::ConvDoubleInt { dst, src }
            }
            // What the types do not tell, where numbers are possible: the
            // fast loop tries ints and doubles first.
            Instr::Add { dst, a, b } if maybe_num(a, b) => Instr::AddNum { dst, a, b },
            Instr::Sub { dst, a, b } if maybe_num(a, b) => Instr::SubNum { dst, a, b },
            Instr::Mul { dst, a, b } if maybe_num(a, b) => Instr::MulNum { dst, a, b },
            Instr::Div { dst, a, b } if maybe_num(a, b) => Instr::DivNum { dst, a, b },
            Instr::Lt { dst, a, b } if maybe_num(a, b) => Instr::LtNum { dst, a, b },
            Instr::Le { dst, a, b } if maybe_num(a, b) => Instr::LeNum { dst, a, b },
            Instr::Gt { dst, a, b } if maybe_num(a, b) => Instr::GtNum { dst, a, b },
            Instr::Ge { dst, a, b } if maybe_num(a, b) => Instr::GeNum { dst, a, b },
            Instr::JumpIfNotLt { a, b, target } if maybe_num(a, b) => Instr::JumpIfNotLtNum { a, b, target },
            Instr::InitClass { class } => Instr::InitClassFast { class },
            Instr::Eq { dst, a, b } if maybe_num(a, b) => Instr::EqNum { dst, a, b },
            Instr::Ne { dst, a, b } if maybe_num(a, b) => Instr::NeNum { dst, a, b },
            Instr::GetField { dst, obj, field, class } => match fields.get(class, field) {
                Some(f) => match f.ty {
                    SlotType::Double => Instr::GetFieldDouble { dst, obj, offset: f.offset as i32 },
                    SlotType::Int => Instr::GetFieldInt { dst, obj, offset: f.offset as i32 },
                    SlotType::Ref => Instr::GetFieldRef { dst, obj, offset: f.offset as i32 },
                    SlotType::Any => Instr::GetFieldAny { dst, obj, offset: f.offset as i32 },
                    _ => continue,
                },
                None => continue,
            },
            Instr::SetField { obj, field, src, class } => match fields.get(class, field) {
                // Only stores that need no conversion: the value's kind is
                // the field's.
                Some(f) => match (f.ty, ty(src)) {
                    (SlotType::Double, SlotType::Double) => Instr::SetFieldDouble { obj, src, offset: f.offset as i32 },
                    (SlotType::Int, SlotType::Int) => Instr::SetFieldInt { obj, src, offset: f.offset as i32 },
                    (SlotType::Ref, SlotType::Ref) => Instr::SetFieldRef { obj, src, offset: f.offset as i32 },
                    (SlotType::Any, _) => Instr::SetFieldAny { obj, src, offset: f.offset as i32 },
                    _ => continue,
                },
                None => continue,
            },
            Instr::GetIndex { dst, obj, index } if ty(index) == SlotType::Int => match array_of(obj) {
                Some(SlotType::Int) => Instr::GetElemInt { dst, obj, index },
                Some(SlotType::Double) => Instr::GetElemDouble { dst, obj, index },
                _ => Instr::GetElem { dst, obj, index },
            },
            Instr::SetIndex { obj, index, src } if ty(index) == SlotType::Int => match (array_of(obj), ty(src)) {
                (Some(SlotType::Int), SlotType::Int) => Instr::SetElemInt { obj, index, src },
                (Some(SlotType::Double), SlotType::Double) => Instr::SetElemDouble { obj, index, src },
                _ => Instr::SetElem { obj, index, src },
            },
            Instr::GetIndex { dst, obj, index } if num(index) => Instr::GetElem { dst, obj, index },
            Instr::SetIndex { obj, index, src } if num(index) => Instr::SetElem { obj, index, src },
            Instr::CallNative { dst, native, args }
                if Some(native) == sqrt && args.count == 1 && ty(args.reg(0)) == SlotType::Double =>
            {
                Instr::SqrtDouble { dst, src: args.reg(0) }
            }
            _ => continue,
        };
        *instr = new;
    }
}

/// Instance fields' places, as the Vm lays them out (`Layout::new` over
/// the class's fields), computed once per class.
struct FieldOffsets<'p> {
    program: &'p Program,
    layouts: HashMap<ClassId, Layout>,
}

impl<'p> FieldOffsets<'p> {
    fn new(program: &'p Program) -> FieldOffsets<'p> {
        FieldOffsets { program, layouts: HashMap::new() }
    }

    /// Where field `slot` of `class` lives and its type.
    fn get(&mut self, class: ClassId, slot: FieldSlot) -> Option<FieldRef> {
        let program = self.program;
        let c = program.classes.get(class.index())?;
        let layout = self
            .layouts
            .entry(class)
            .or_insert_with(|| Layout::new(c.fields.iter().map(|f| (f.ty, crate::state::default_value(f.default)))));
        layout.fields.get(slot.index()).copied()
    }
}
