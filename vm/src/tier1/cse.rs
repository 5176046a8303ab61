//! Common subexpressions: in a block, an instruction that computes what an
//! earlier one computed, into a register that still holds it, becomes a
//! `Move` from that register (which `moves.rs` then propagates away), or
//! a `Nop` when it is that register.
//!
//! ```text
//!   AddInt r10, r3, r5 .. AddInt r11, r3, r5            ->  .. Move r11, r10
//!   GetFieldDouble r25, r6, 56 .. GetFieldDouble r31, r6, 56  ->  .. Move r31, r25
//!                  (no store to a field at byte 56 of any object between)
//! ```
//! A block here is a run of instructions that only falling through enters
//! (`reached_other_than_by_falling`). What an instruction computed stays
//! available until one of its operand registers or its destination is
//! written. An instruction is a candidate when the value it writes depends
//! on nothing but its operands (typed arithmetic, compares, conversions), or on them and memory (a typed field or element read):
//! a field read stays available until a store to a field at the same
//! offset (of any object: two registers may hold one object), an element
//! read until any element store; any instruction not listed here (a call,
//! a native, a generic op that may run user code) ends what is available.
//! An instruction that may throw (`DivInt`, a field read of null) is
//! repeated only after it ran without throwing, so its copy cannot throw.
//! A typed store makes the value it stored available to a read of the
//! same place (`SetStatic last, r21; GetStatic r15, last` -> `Move r15,
//! r21`). A class check (`InitClassFast C`) after the method's first
//! instruction checked C goes (see `initialized_once`).
//! One instruction for one: pcs keep their meaning.

use super::{Body, PassCx};
use crate::bytecode::{Dst, Instr, Operand, OperandMut, Reg, StaticId};

/// What an instruction does, as far as this pass is concerned.
#[derive(Clone, Copy, PartialEq)]
enum Effect {
    /// Writes its destination from its operands only.
    Pure,
    /// Writes its destination from its operands and a field at this byte
    /// offset.
    ReadsField(i32),
    /// Writes its destination from its operands and an array element.
    ReadsElem,
    /// Writes its destination from a static field.
    ReadsStatic(StaticId),
    /// Stores to a field at this byte offset.
    StoresField(i32),
    /// Stores to an array element.
    StoresElem,
    /// Stores to a static field.
    StoresStatic(StaticId),
    /// Writes only its `Dst` (a `Move`, a constant), and is no candidate.
    Writes,
    /// Anything else: nothing stays available.
    Other,
}

fn effect(i: &Instr) -> Effect {
    use Instr::*;
    if super::pure_typed(i) {
        return Effect::Pure;
    }
    match *i {
        // They throw only where the first did (a division by zero).
        DivInt { .. } | RemInt { .. } => Effect::Pure,
        GetFieldDouble { offset, .. }
        | GetFieldInt { offset, .. }
        | GetFieldRef { offset, .. }
        | GetFieldAny { offset, .. } => Effect::ReadsField(offset),
        GetElemInt { .. } | GetElemDouble { .. } => Effect::ReadsElem,
        GetStatic { id, .. } => Effect::ReadsStatic(id),
        SetStatic { id, .. } => Effect::StoresStatic(id),
        SetFieldDouble { offset, .. }
        | SetFieldInt { offset, .. }
        | SetFieldRef { offset, .. }
        | SetFieldAny { offset, .. } => Effect::StoresField(offset),
        SetElemInt { .. } | SetElemDouble { .. } | SetElem { .. } => Effect::StoresElem,
        // A constant load repeated costs what a Move from the register
        // that holds it would.
        Move { .. } | Nop {} | LoadNull { .. } | LoadBool { .. } | LoadInt { .. } | LoadConst { .. } => Effect::Writes,
        _ => Effect::Other,
    }
}

/// For a typed store: the read (its destination cleared) that would give
/// back what it stored, the read's effect, and the register stored. Each
/// store stores its register's value as it is (specialization typed it
/// only where the register holds the field's or element's type, so
/// nothing converts).
fn forwarded(i: &Instr) -> Option<(Instr, Effect, Reg)> {
    use Instr::*;
    let dst = Dst(0);
    Some(match *i {
        SetFieldDouble { obj, src, offset } => (GetFieldDouble { dst, obj, offset }, Effect::ReadsField(offset), src),
        SetFieldInt { obj, src, offset } => (GetFieldInt { dst, obj, offset }, Effect::ReadsField(offset), src),
        SetFieldRef { obj, src, offset } => (GetFieldRef { dst, obj, offset }, Effect::ReadsField(offset), src),
        SetFieldAny { obj, src, offset } => (GetFieldAny { dst, obj, offset }, Effect::ReadsField(offset), src),
        SetElemDouble { obj, index, src } => (GetElemDouble { dst, obj, index }, Effect::ReadsElem, src),
        SetElemInt { obj, index, src } => (GetElemInt { dst, obj, index }, Effect::ReadsElem, src),
        SetStatic { id, src } => (GetStatic { dst, id }, Effect::ReadsStatic(id), src),
        _ => return None,
    })
}

/// The instruction's destination, and the instruction with it cleared:
/// two instructions compute the same value when their keys are equal.
fn key(i: &Instr) -> Option<(Dst, Instr)> {
    let mut dst = None;
    let mut k = *i;
    k.visit_mut(&mut |op| {
        if let OperandMut::Dst(d) = op {
            dst = Some(*d);
            *d = Dst(0);
        }
    });
    dst.filter(|d| *d != Dst::DISCARD).map(|d| (d, k))
}

fn reads(i: &Instr, r: Reg) -> bool {
    i.operands().iter().any(|(_, op)| match op {
        Operand::Reg(x) => *x == r,
        Operand::Args(a) => a.regs().any(|x| x == r),
        _ => false,
    })
}

/// A value computed in this block and still held.
struct Available {
    /// The instruction that computed it, its destination cleared and its
    /// operands read through the copies (see [`Block::original`]).
    key: Instr,
    effect: Effect,
    held_in: Reg,
}

/// What the block so far leaves known.
#[derive(Default)]
struct Block {
    available: Vec<Available>,
    /// `(d, s)`: `d` holds a copy of what `s` holds (a `Move d, s`, one
    /// this pass made included), so `A(d)` computes what `A(s)` does.
    copies: Vec<(Reg, Reg)>,
}

impl Block {
    fn clear(&mut self) {
        self.available.clear();
        self.copies.clear();
    }

    /// The register whose value `r` is a copy of (`r` if none).
    fn original(&self, r: Reg) -> Reg {
        self.copies.iter().find(|(d, _)| *d == r).map_or(r, |&(_, s)| s)
    }

    /// `r` is written: what it held, what was computed from it and the
    /// copies of it go.
    fn forget(&mut self, r: Reg) {
        self.available.retain(|a| a.held_in != r && !reads(&a.key, r));
        self.copies.retain(|&(d, s)| d != r && s != r);
    }
}

/// The pass (see the module docs).
pub fn run(cx: &PassCx<'_>, body: &mut Body) {
    initialized_once(cx, body);
    let reached = super::superinstructions::reached_other_than_by_falling(body);
    let mut block = Block::default();
    for (pc, &reached) in reached.iter().enumerate().take(body.code.len()) {
        if reached {
            block.clear();
        }
        let instr = body.code[pc];
        let effect = effect(&instr);
        match effect {
            Effect::Pure | Effect::ReadsField(_) | Effect::ReadsElem | Effect::ReadsStatic(_) => {
                let Some((dst, mut k)) = key(&instr) else {
                    block.clear();
                    continue;
                };
                k.visit_mut(&mut |op| {
                    if let OperandMut::Reg(r) = op {
                        *r = block.original(*r);
                    }
                });
                let same = block.available.iter().find(|a| a.key == k).map(|a| a.held_in);
                match same {
                    // It already holds the value.
                    Some(src) if src == dst.reg() => body.code[pc] = Instr::Nop {},
                    Some(src) => {
                        body.code[pc] = Instr::Move { dst, src };
                        block.forget(dst.reg());
                        block.copies.push((dst.reg(), src));
                    }
                    None => {
                        block.forget(dst.reg());
                        if !reads(&k, dst.reg()) {
                            block.available.push(Available { key: k, effect, held_in: dst.reg() });
                        }
                    }
                }
            }
            Effect::StoresField(offset) => block.available.retain(|a| a.effect != Effect::ReadsField(offset)),
            Effect::StoresElem => block.available.retain(|a| a.effect != Effect::ReadsElem),
            Effect::StoresStatic(id) => block.available.retain(|a| a.effect != Effect::ReadsStatic(id)),
            Effect::Writes => {
                if let Some((dst, _)) = key(&instr) {
                    block.forget(dst.reg());
                    if let Instr::Move { src, .. } = instr
                        && src != dst.reg()
                    {
                        let src = block.original(src);
                        block.copies.push((dst.reg(), src));
                    }
                }
            }
            Effect::Other => block.clear(),
        }
        // What a store wrote, a read of it gets from the register stored.
        if let Some((read, effect, src)) = forwarded(&instr) {
            let mut k = read;
            k.visit_mut(&mut |op| {
                if let OperandMut::Reg(r) = op {
                    *r = block.original(*r);
                }
            });
            block.available.push(Available { key: k, effect, held_in: src });
        }
        if !instr.falls_through() {
            block.clear();
        }
    }
}

/// A method whose first instruction initializes a class (tier0's first,
/// which every entry ran: OSR and async2 resumption enter frames that
/// started at pc 0) needs no later check of that class: an inlined static
/// method's `InitClassFast` of its own class, when it is the caller's,
/// goes.
fn initialized_once(cx: &PassCx<'_>, body: &mut Body) {
    let (Some(&Instr::InitClass { class } | &Instr::InitClassFast { class }), Some(first)) =
        (cx.tier0.code.first(), body.code.first())
    else {
        return;
    };
    if !matches!(*first, Instr::InitClass { class: c } | Instr::InitClassFast { class: c } if c == class) {
        return;
    }
    for i in body.code.iter_mut().skip(1) {
        if matches!(*i, Instr::InitClass { class: c } | Instr::InitClassFast { class: c } if c == class) {
            *i = Instr::Nop {};
        }
    }
}
