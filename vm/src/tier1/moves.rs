//! Move coalescing: a value computed into a temporary only to be moved
//! into its register is computed into that register.
//!
//! ```text
//!   X t, ..; Move d, t   ->  X d, ..; Nop    where nothing reads t after the Move,
//!                                           the Move is reached only from X,
//!                                           X writes only its Dst, once, at its end
//!   Move r, r            ->  Nop
//! ```
//! The front end computes each expression into a fresh temporary and an
//! assignment or an inlined return moves it (`x = a + b`, `return f(n)`
//! inlined): one dispatch less each time. Then copy propagation (see
//! `propagate`): an inlined call's arguments, copies of the caller's
//! locals, are read from those locals. One instruction for one; Nops go in
//! `compact`.
//!
//! X is an instruction whose only effect on registers is writing its
//! destination after reading its operands: arithmetic, compares, loads,
//! field and element reads, conversions, and calls that enter a frame or a
//! native (their frame's result goes to the register the call names, when
//! it returns: an exception leaves `d` as it leaves `t`, unwritten).

use super::{Body, PassCx};
use crate::bytecode::{Dst, Instr, Operand, OperandMut};
use crate::liveness::{self, RegSet};

/// The pass (see the module docs).
pub fn run(cx: &PassCx<'_>, body: &mut Body) {
    let reached = super::superinstructions::reached_other_than_by_falling(body);
    let mut live: Option<Vec<RegSet>> = None;
    for (pc, &reached) in reached.iter().enumerate().take(body.code.len()) {
        let Instr::Move { dst, src } = body.code[pc] else { continue };
        if dst.0 == src.0 {
            body.code[pc] = Instr::Nop {};
            continue;
        }
        if pc == 0 || reached || written(&body.code[pc - 1]) != Some(src.dst()) {
            continue;
        }
        // The liveness of the code as it was: coalescing never makes a
        // register live where it was not.
        let live = live.get_or_insert_with(|| liveness::live_in(&body.as_method(cx.tier0)));
        if live.get(pc + 1).is_some_and(|l| l.contains(src)) {
            continue;
        }
        body.code[pc - 1].visit_mut(&mut |op| {
            if let OperandMut::Dst(d) = op {
                *d = dst;
            }
        });
        body.code[pc] = Instr::Nop {};
    }
    propagate(cx, body);
}

/// Copy propagation: after `Move d, s`, the instructions that follow it
/// in its block (up to one that something other than falling through
/// reaches, or one that writes `d` or `s`) read `s` where they read `d`;
/// such a `Move` whose `d` nothing reads any more goes. Runs of argument
/// registers (`Args`) keep reading `d` (they must stay consecutive), and
/// so do instructions that write through a read operand (`IncJumpIfLt*`).
///
/// ```text
///   Move r6, r3; Move r7, r5; AddInt r10, r6, r7  ->  Nop; Nop; AddInt r10, r3, r5
/// ```
fn propagate(cx: &PassCx<'_>, body: &mut Body) {
    let reached = super::superinstructions::reached_other_than_by_falling(body);
    // The Moves whose reads moved to their source.
    let mut propagated: Vec<usize> = Vec::new();
    for pc in 0..body.code.len() {
        let Instr::Move { dst: d, src: s } = body.code[pc] else { continue };
        if d.0 == s.0 {
            continue;
        }
        for (q, &reached) in reached.iter().enumerate().take(body.code.len()).skip(pc + 1) {
            if reached {
                break;
            }
            let instr = &mut body.code[q];
            if matches!(instr, Instr::IncJumpIfLtInt { .. } | Instr::IncJumpIfLtImmInt { .. }) {
                break;
            }
            let mut writes = false;
            instr.visit_mut(&mut |op| match op {
                OperandMut::Reg(r) if r.0 == d.0 => {
                    *r = s;
                    if propagated.last() != Some(&pc) {
                        propagated.push(pc);
                    }
                }
                OperandMut::Dst(w) if w.0 == d.0 || w.0 == s.0 => writes = true,
                _ => {}
            });
            if writes || !instr.falls_through() {
                break;
            }
        }
    }
    if propagated.is_empty() {
        return;
    }
    let live = liveness::live_in(&body.as_method(cx.tier0));
    for pc in propagated {
        if let Instr::Move { dst, .. } = body.code[pc]
            && !live.get(pc + 1).is_some_and(|l| l.contains(dst.reg()))
        {
            body.code[pc] = Instr::Nop {};
        }
    }
}

/// The register `i` writes, if its only effect on registers is one write
/// of its `Dst` after it read its operands (see the module docs).
fn written(i: &Instr) -> Option<Dst> {
    use Instr::*;
    let mut dsts = i.operands().into_iter().filter_map(|(_, o)| match o {
        Operand::Dst(d) if d != Dst::DISCARD => Some(d),
        _ => None,
    });
    let d = dsts.next()?;
    let only = dsts.next().is_none()
        && (super::pure_typed(i)
            || matches!(
                i,
                Move { .. }
                    | LoadNull { .. }
                    | LoadBool { .. }
                    | LoadInt { .. }
                    | LoadConst { .. }
                    | LoadEnum { .. }
                    | Add { .. }
                    | AddImm { .. }
                    | Sub { .. }
                    | Mul { .. }
                    | Div { .. }
                    | Rem { .. }
                    | BitAnd { .. }
                    | BitOr { .. }
                    | BitXor { .. }
                    | Shl { .. }
                    | Shr { .. }
                    | Neg { .. }
                    | Not { .. }
                    | BitNot { .. }
                    | Eq { .. }
                    | Ne { .. }
                    | Lt { .. }
                    | Le { .. }
                    | Gt { .. }
                    | Ge { .. }
                    | Conv { .. }
                    | ConvEnum { .. }
                    | GetField { .. }
                    | GetStatic { .. }
                    | GetIndex { .. }
                    | IsInst { .. }
                    | AsInst { .. }
                    | Call { .. }
                    | CallVirt { .. }
                    | CallGuarded { .. }
                    | CallNative { .. }
                    | DivInt { .. }
                    | RemInt { .. }
                    | AddStr { .. }
                    | GetFieldDouble { .. }
                    | GetFieldInt { .. }
                    | GetFieldRef { .. }
                    | GetFieldAny { .. }
                    | GetElem { .. }
                    | GetElemInt { .. }
                    | GetElemDouble { .. }
                    | AddNum { .. }
                    | SubNum { .. }
                    | MulNum { .. }
                    | DivNum { .. }
                    | LtNum { .. }
                    | LeNum { .. }
                    | GtNum { .. }
                    | GeNum { .. }
                    | EqNum { .. }
                    | NeNum { .. }
            ));
    only.then_some(d)
}
