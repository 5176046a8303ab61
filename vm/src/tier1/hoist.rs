//! Loop-invariant code motion: a constant load, or pure arithmetic on
//! registers a loop does not change, moves out of the loop into code
//! placed before its header (the preheader), which runs once each time
//! the loop is entered.
//!
//! ```text
//!   h: ..                     LoadConst r9, 1.0     (preheader)
//!      LoadConst r9, 1.0      h: ..
//!      DivNum r6, r9, r17  ->    Nop
//!      ..                        DivNum r6, r9, r17
//!      IncJumpIfLtInt .., @h     IncJumpIfLtInt .., @h
//! ```
//! A loop is a back-edge's range of code, from its target (the header)
//! to the last instruction that jumps back to it. It qualifies when
//! nothing enters it other than at its header: no entry (OSR, an async2
//! resumption) inside it, no jump from outside it into it but to its
//! header, no handler inside it that code outside it protects. Jumps into
//! the header from outside the loop, the entries and handlers at the
//! header, and the tier0 pc map land on the preheader; the loop's own
//! jumps to its header skip it.
//!
//! An instruction moves out of a loop when
//! - it computes its destination from its operands only and cannot throw
//!   (`LoadConst`, `AddInt`, `MulDouble`, `ConvIntDouble`, ...: the typed
//!   rows, whose operands' types the kinds proved, so running them where
//!   the loop would not have is harmless);
//! - its destination is written nowhere else in the method and is not
//!   read on entering the loop (so it holds the one value it ever gets
//!   wherever it is read);
//! - the loop does not write its operands, or writes them only by
//!   instructions that moved out before it.
//!
//! It moves out of the outermost of its loops that all those hold for,
//! loops inside it first. The instruction's pc keeps a `Nop` (`compact`
//! removes it).

use super::{Body, PassCx};
use crate::bytecode::{Dst, HandlerKind, Instr, Operand, OperandMut, Pc, Reg};

/// Whether `i` may move out of a loop (see the module docs).
fn movable(i: &Instr) -> bool {
    use Instr::*;
    matches!(
        i,
        LoadBool { .. }
            | LoadInt { .. }
            | LoadConst { .. }
            | AddInt { .. }
            | SubInt { .. }
            | MulInt { .. }
            | AddImmInt { .. }
            | LtInt { .. }
            | LeInt { .. }
            | GtInt { .. }
            | GeInt { .. }
            | EqInt { .. }
            | NeInt { .. }
            | AddDouble { .. }
            | SubDouble { .. }
            | MulDouble { .. }
            | DivDouble { .. }
            | NegDouble { .. }
            | LtDouble { .. }
            | LeDouble { .. }
            | GtDouble { .. }
            | GeDouble { .. }
            | SqrtDouble { .. }
            | ConvIntDouble { .. }
            | ConvDoubleInt { .. }
    )
}

/// The registers `i` writes: its `Dst`, and the counter an
/// `IncJumpIfLt*` increments in place.
pub(super) fn writes(i: &Instr) -> Vec<Reg> {
    let mut w: Vec<Reg> = i
        .operands()
        .into_iter()
        .filter_map(|(_, op)| match op {
            Operand::Dst(d) if d != Dst::DISCARD => Some(d.reg()),
            _ => None,
        })
        .collect();
    if let Instr::IncJumpIfLtInt { a, .. } | Instr::IncJumpIfLtImmInt { a, .. } = *i {
        w.push(a);
    }
    w
}

/// A loop: `header ..= tail`.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Loop {
    header: usize,
    tail: usize,
}

impl Loop {
    fn contains(&self, pc: usize) -> bool {
        self.header <= pc && pc <= self.tail
    }
    fn within(&self, outer: &Loop) -> bool {
        outer.header <= self.header && self.tail <= outer.tail
    }
}

/// The loops of `body` whose only way in is their header, innermost
/// (shortest) first.
fn loops(body: &Body) -> Vec<Loop> {
    let mut loops: Vec<Loop> = Vec::new();
    for (pc, i) in body.code.iter().enumerate() {
        if matches!(i, Instr::Await { .. }) {
            continue;
        }
        for (_, op) in i.operands() {
            if let Operand::Pc(t) = op
                && t.index() <= pc
            {
                match loops.iter_mut().find(|l| l.header == t.index()) {
                    Some(l) => l.tail = l.tail.max(pc),
                    None => loops.push(Loop { header: t.index(), tail: pc }),
                }
            }
        }
    }
    let entered_inside = |l: &Loop, at: usize| at > l.header && at <= l.tail;
    loops.retain(|l| {
        let entries = body.entries.iter().any(|e| entered_inside(l, e.index()));
        let jumps = body.code.iter().enumerate().any(|(pc, i)| {
            !l.contains(pc)
                && i.operands().iter().any(|(_, op)| matches!(op, Operand::Pc(t) if entered_inside(l, t.index())))
        });
        let handlers = body.handlers.iter().any(|h| {
            let inside = h.start.index() >= l.header && h.end.index() <= l.tail + 1;
            let filter = match h.kind {
                HandlerKind::Filter { filter, .. } => entered_inside(l, filter.index()),
                _ => false,
            };
            (entered_inside(l, h.target.index()) || filter) && !inside
        });
        !entries && !jumps && !handlers
    });
    loops.sort_by_key(|l| l.tail - l.header);
    loops
}

/// The pass (see the module docs).
pub fn run(cx: &PassCx<'_>, body: &mut Body) {
    let loops = loops(body);
    if loops.is_empty() {
        return;
    }
    let n = body.code.len();
    // Each register's writers: pcs, and handler targets (the exception).
    let mut writers: Vec<Vec<usize>> = vec![Vec::new(); body.nregs as usize];
    for (pc, i) in body.code.iter().enumerate() {
        for r in writes(i) {
            writers[r.index()].push(pc);
        }
    }
    for h in &body.handlers {
        if h.exception != Dst::DISCARD {
            writers[h.exception.reg().index()].push(h.target.index());
        }
    }
    let handler_written: Vec<Reg> =
        body.handlers.iter().filter(|h| h.exception != Dst::DISCARD).map(|h| h.exception.reg()).collect();
    let live = crate::liveness::live_in(&body.as_method(cx.tier0));
    // The loop each instruction moves out of.
    let mut moved: Vec<Option<Loop>> = vec![None; n];
    for pc in 0..n {
        let instr = &body.code[pc];
        if !movable(instr) {
            continue;
        }
        let [dst] = writes(instr)[..] else { continue };
        if dst.0 < cx.tier0.arity || writers[dst.index()].len() != 1 || handler_written.contains(&dst) {
            continue;
        }
        let operands: Vec<Reg> = instr
            .operands()
            .into_iter()
            .filter_map(|(_, op)| match op {
                Operand::Reg(r) => Some(r),
                _ => None,
            })
            .collect();
        let mut out_of = None;
        for l in loops.iter().filter(|l| l.contains(pc)) {
            let invariant = |r: &Reg| {
                !handler_written.contains(r)
                    && writers[r.index()]
                        .iter()
                        .all(|&w| !l.contains(w) || (w < pc && moved[w].is_some_and(|m| l.within(&m))))
            };
            if live[l.header].contains(dst) || !operands.iter().all(invariant) {
                break;
            }
            out_of = Some(*l);
        }
        moved[pc] = out_of;
    }
    if moved.iter().all(Option::is_none) {
        return;
    }
    splice(body, &loops, &moved);
}

/// Places each moved instruction before its loop's header (in pc order)
/// and leaves a `Nop` at its pc, moving every pc with the code: the loop's
/// own jumps to its header land on the header, everything else that
/// lands on a header lands on its preheader.
fn splice(body: &mut Body, loops: &[Loop], moved: &[Option<Loop>]) {
    let n = body.code.len();
    let mut hoisted: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (pc, m) in moved.iter().enumerate() {
        if let Some(l) = m {
            hoisted[l.header].push(pc);
        }
    }
    // `pre[pc]`: where code arriving at `pc` lands; `at[pc]`: where the
    // instruction itself is.
    let (mut pre, mut at) = (Vec::with_capacity(n + 1), Vec::with_capacity(n + 1));
    let mut next = 0u32;
    for h in &hoisted {
        pre.push(next);
        next += h.len() as u32;
        at.push(next);
        next += 1;
    }
    pre.push(next);
    at.push(next);
    // The loop a header belongs to (its outermost one, when loops share a
    // header: `loops` merged those).
    let loop_at = |h: usize| loops.iter().find(|l| l.header == h && !hoisted[h].is_empty());
    let target = |from: usize, t: Pc| -> Pc {
        let t = t.index().min(n);
        match loop_at(t) {
            Some(l) if l.contains(from) => Pc(at[t]),
            _ => Pc(pre[t]),
        }
    };
    let mut code = Vec::with_capacity(next as usize);
    let mut lines = Vec::with_capacity(next as usize);
    let line = |pc: usize| body.lines.get(pc).copied().unwrap_or(0);
    for pc in 0..n {
        for &p in &hoisted[pc] {
            code.push(body.code[p]);
            lines.push(line(p));
        }
        let mut i = if moved[pc].is_some() { Instr::Nop {} } else { body.code[pc] };
        i.visit_mut(&mut |op| {
            if let OperandMut::Pc(t) = op {
                *t = target(pc, *t);
            }
        });
        code.push(i);
        lines.push(line(pc));
    }
    let arrive = |p: Pc| Pc(pre[p.index().min(n)]);
    for h in &mut body.handlers {
        h.start = arrive(h.start);
        h.end = arrive(h.end);
        h.target = arrive(h.target);
        if let HandlerKind::Filter { filter, .. } = &mut h.kind {
            *filter = arrive(*filter);
        }
    }
    for e in &mut body.entries {
        *e = arrive(*e);
    }
    for p in &mut body.pc_map {
        *p = pre[*p as usize];
    }
    for s in &mut body.inlined {
        (s.start, s.end) = (pre[s.start as usize], pre[s.end as usize]);
    }
    body.code = code;
    body.lines = lines;
}
