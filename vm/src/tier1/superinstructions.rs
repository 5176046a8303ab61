//! Superinstructions for the commonest pairs, after `specialize` (their
//! operands are the specialized rows'). Which pairs: counted over the
//! bench programs' runs with tier1's specialized code (see the closing
//! note of issue 13); the loop back-edge and `return a + b` lead.
//!
//! ```text
//!   Jump @h  where h: JumpIfNotLtInt a, b, @pc+1   ->  JumpIfLtInt a, b, @h+1
//!       (the back-edge tests the loop condition itself: one dispatch less
//!       per iteration; one instruction for one; JumpIfNotLtImmInt alike)
//!   AddImmInt a, a, 1; JumpIfLtInt a, b, @t         ->  IncJumpIfLtInt a, b, @t; Nop
//!   AddImmInt a, a, 1; JumpIfLtImmInt a, k, @t      ->  IncJumpIfLtImmInt a, k, @t; Nop
//!   AddInt r, a, b; Return r                        ->  ReturnAddInt a, b; Return r (never reached)
//!   JumpIfNotLtImmInt a, k, @t; Return a            ->  ReturnIfLtImmInt a, k, @t; Return a (never reached)
//!       (`if (n < 2) return n;`, a recursion's base case)
//!   EqInt d, a, b; JumpIfFalse d, @t                ->  JumpIfNeInt a, b, @t; Nop
//!       (and NeInt, JumpIfTrue; LtInt, LeInt, GtInt, GeInt become
//!       JumpIfLtInt or JumpIfNotLtInt, their operands swapped for > and
//!       <=), when nothing reads d after the branch
//!   LtDouble d, a, b; JumpIfTrue d, @t              ->  JumpIfLtDouble a, b, @t; Nop
//!       (JumpIfFalse: JumpIfNotLtDouble; LeDouble: JumpIfLeDouble and
//!       JumpIfNotLeDouble; GtDouble and GeDouble as LtDouble and
//!       LeDouble with their operands swapped: with a NaN all four are
//!       false, so `>=` is `<=` swapped, not "not `<`"), when nothing
//!       reads d after the branch
//!   JumpIfNotLtImmInt a, k, @pc+2; Jump @t          ->  JumpIfLtImmInt a, k, @t; Nop
//!       (a branch over a jump, as inlining leaves `if (n < 2) return n;`:
//!       JumpIfNotLtInt, JumpIfTrue/False and JumpIfNull/NotNull alike)
//! ```
//!
//! A pair is fused only when its second instruction is no entry and no
//! jump or handler target (nothing reaches it but its first), so the Nop
//! that takes its place is reached only by falling through from the
//! superinstruction; `compact` removes it. A pair that ends in a return
//! keeps it as its second half: nothing reaches it, and a Nop there could
//! fall off the method's end.

use super::{Body, PassCx};
use crate::bytecode::{HandlerKind, Instr, Operand, Pc};

/// The pass (see the module docs).
pub fn run(cx: &PassCx<'_>, body: &mut Body) {
    let code = &mut body.code;
    // Back-edges that test the loop condition.
    for pc in 0..code.len() {
        let Instr::Jump { target } = code[pc] else { continue };
        let body = Pc(target.0 + 1);
        code[pc] = match code.get(target.index()) {
            Some(&Instr::JumpIfNotLtInt { a, b, target: exit }) if exit.index() == pc + 1 => {
                Instr::JumpIfLtInt { a, b, target: body }
            }
            Some(&Instr::JumpIfNotLtImmInt { a, imm, target: exit }) if exit.index() == pc + 1 => {
                Instr::JumpIfLtImmInt { a, imm, target: body }
            }
            _ => continue,
        };
    }
    // Branches over a jump first: the compare before such a branch then
    // fuses with it (one dispatch, not two).
    let reached = reached_other_than_by_falling(body);
    let code = &mut body.code;
    for pc in 0..code.len().saturating_sub(1) {
        let (first, Instr::Jump { target: t }) = (code[pc], code[pc + 1]) else { continue };
        if reached[pc + 1] || !first.operands().contains(&("target", Operand::Pc(Pc(pc as u32 + 2)))) {
            continue;
        }
        code[pc] = match first {
            Instr::JumpIfNotLtImmInt { a, imm, .. } => Instr::JumpIfLtImmInt { a, imm, target: t },
            Instr::JumpIfNotLtInt { a, b, .. } => Instr::JumpIfLtInt { a, b, target: t },
            Instr::JumpIfTrue { cond, .. } => Instr::JumpIfFalse { cond, target: t },
            Instr::JumpIfFalse { cond, .. } => Instr::JumpIfTrue { cond, target: t },
            Instr::JumpIfNull { src, .. } => Instr::JumpIfNotNull { src, target: t },
            Instr::JumpIfNotNull { src, .. } => Instr::JumpIfNull { src, target: t },
            _ => continue,
        };
        code[pc + 1] = Instr::Nop {};
    }
    // Pairs.
    let dead_after_branch = dead_after_branch(cx, body);
    let code = &mut body.code;
    for pc in 0..code.len().saturating_sub(1) {
        if reached[pc + 1] {
            continue;
        }
        let (fused, second) = match (code[pc], code[pc + 1]) {
            (Instr::AddImmInt { dst, a, imm: 1 }, Instr::JumpIfLtInt { a: x, b, target })
                if dst.0 == a.0 && x == a && b != a =>
            {
                (Instr::IncJumpIfLtInt { a, b, target }, Instr::Nop {})
            }
            (Instr::AddImmInt { dst, a, imm: 1 }, Instr::JumpIfLtImmInt { a: x, imm, target })
                if dst.0 == a.0 && x == a =>
            {
                (Instr::IncJumpIfLtImmInt { a, imm, target }, Instr::Nop {})
            }
            (Instr::JumpIfNotLtImmInt { a, imm, target }, second @ Instr::Return { src })
                if src == a && target.index() != pc + 1 =>
            {
                (Instr::ReturnIfLtImmInt { a, imm, target }, second)
            }
            (compare, Instr::JumpIfFalse { cond, target } | Instr::JumpIfTrue { cond, target })
                if dead_after_branch(pc + 1, cond) =>
            {
                let on_true = matches!(code[pc + 1], Instr::JumpIfTrue { .. });
                // Doubles: `>` and `>=` as `<` and `<=` swapped (a NaN is
                // false in all four, so `>=` is not "not `<`").
                let doubles = match compare {
                    Instr::LtDouble { dst, a, b } if dst.0 == cond.0 => Some((true, (a, b))),
                    Instr::GtDouble { dst, a, b } if dst.0 == cond.0 => Some((true, (b, a))),
                    Instr::LeDouble { dst, a, b } if dst.0 == cond.0 => Some((false, (a, b))),
                    Instr::GeDouble { dst, a, b } if dst.0 == cond.0 => Some((false, (b, a))),
                    _ => None,
                };
                if let Some((strict, (a, b))) = doubles {
                    code[pc] = match (strict, on_true) {
                        (true, true) => Instr::JumpIfLtDouble { a, b, target },
                        (true, false) => Instr::JumpIfNotLtDouble { a, b, target },
                        (false, true) => Instr::JumpIfLeDouble { a, b, target },
                        (false, false) => Instr::JumpIfNotLeDouble { a, b, target },
                    };
                    code[pc + 1] = Instr::Nop {};
                    continue;
                }
                // The branch as "jump if x < y" or its negation (or == / !=).
                let (lt, (a, b), eq) = match compare {
                    Instr::LtInt { dst, a, b } if dst.0 == cond.0 => (Some(true), (a, b), None),
                    Instr::GeInt { dst, a, b } if dst.0 == cond.0 => (Some(false), (a, b), None),
                    Instr::GtInt { dst, a, b } if dst.0 == cond.0 => (Some(true), (b, a), None),
                    Instr::LeInt { dst, a, b } if dst.0 == cond.0 => (Some(false), (b, a), None),
                    Instr::EqInt { dst, a, b } if dst.0 == cond.0 => (None, (a, b), Some(true)),
                    Instr::NeInt { dst, a, b } if dst.0 == cond.0 => (None, (a, b), Some(false)),
                    _ => continue,
                };
                let fused = match (lt, eq) {
                    (Some(is_lt), _) if is_lt == on_true => Instr::JumpIfLtInt { a, b, target },
                    (Some(_), _) => Instr::JumpIfNotLtInt { a, b, target },
                    (_, Some(is_eq)) if is_eq == on_true => Instr::JumpIfEqInt { a, b, target },
                    _ => Instr::JumpIfNeInt { a, b, target },
                };
                (fused, Instr::Nop {})
            }
            // Nothing runs after the return: its second half stays (a Nop
            // could fall off the method's end).
            (Instr::AddInt { dst, a, b }, second @ Instr::Return { src }) if dst.0 == src.0 => {
                (Instr::ReturnAddInt { a, b }, second)
            }
            _ => continue,
        };
        code[pc] = fused;
        code[pc + 1] = second;
    }
}

/// Whether register `r`, which the branch at `pc` reads, is read on
/// neither of its ways on (liveness).
fn dead_after_branch(cx: &PassCx<'_>, body: &Body) -> impl Fn(usize, crate::bytecode::Reg) -> bool + use<> {
    let live = crate::liveness::live_in(&body.as_method(cx.tier0));
    let targets: Vec<Option<Pc>> = body
        .code
        .iter()
        .map(|i| match *i {
            Instr::JumpIfFalse { target, .. } | Instr::JumpIfTrue { target, .. } => Some(target),
            _ => None,
        })
        .collect();
    move |pc, r| {
        let Some(Some(t)) = targets.get(pc) else { return false };
        let read = |q: usize| live.get(q).is_some_and(|l| l.contains(r));
        !read(pc + 1) && !read(t.index())
    }
}

/// For each pc: whether execution may arrive there other than by falling
/// through from the instruction before (an entry, a jump target, a handler
/// or filter start, a protected range's bounds).
pub(super) fn reached_other_than_by_falling(body: &Body) -> Vec<bool> {
    let n = body.code.len();
    let mut reached = vec![false; n + 1];
    let mut mark = |p: Pc| {
        if let Some(r) = reached.get_mut(p.index()) {
            *r = true;
        }
    };
    body.entries.iter().copied().for_each(&mut mark);
    for instr in &body.code {
        for (_, op) in instr.operands() {
            if let Operand::Pc(p) = op {
                mark(p);
            }
        }
    }
    for h in &body.handlers {
        mark(h.start);
        mark(h.end);
        mark(h.target);
        if let HandlerKind::Filter { filter, .. } = h.kind {
            mark(filter);
        }
    }
    reached
}
