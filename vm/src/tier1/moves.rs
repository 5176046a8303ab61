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
//! inlined): one dispatch less each time. One instruction for one; Nops
//! go in `compact`.
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
        && matches!(
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
                | AddInt { .. }
                | SubInt { .. }
                | MulInt { .. }
                | DivInt { .. }
                | RemInt { .. }
                | AddImmInt { .. }
                | LtInt { .. }
                | LeInt { .. }
                | GtInt { .. }
                | GeInt { .. }
                | EqInt { .. }
                | NeInt { .. }
                | AddDouble { .. }
                | AddStr { .. }
                | SubDouble { .. }
                | MulDouble { .. }
                | DivDouble { .. }
                | NegDouble { .. }
                | LtDouble { .. }
                | LeDouble { .. }
                | GtDouble { .. }
                | GeDouble { .. }
                | GetFieldDouble { .. }
                | GetFieldInt { .. }
                | GetFieldRef { .. }
                | GetFieldAny { .. }
                | GetElem { .. }
                | GetElemInt { .. }
                | GetElemDouble { .. }
                | SqrtDouble { .. }
                | ConvIntDouble { .. }
                | ConvDoubleInt { .. }
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
        );
    only.then_some(d)
}
