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
//! nothing enters it other than at its header: no async2 resumption
//! inside it, no jump from outside it into it but to its header, no
//! handler inside it that code outside it protects. Jumps into the header
//! from outside the loop, the entries and handlers at the header, and the
//! tier0 pc map land on the preheader; the loop's own jumps to its header
//! skip it. An OSR version's entry may lie inside loops (tier0's frame
//! got hot in an inner loop): it enters through a copy of what those
//! loops moved out, placed after the code, which then jumps to it.
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
//! A constant load whose register other code also writes first gets a
//! register of its own where that is safe (`own_registers_for_constants`).
//!
//! It moves out of the outermost of its loops that all those hold for,
//! loops inside it first. The instruction's pc keeps a `Nop` (`compact`
//! removes it).

use super::{Body, PassCx};
use crate::bytecode::{Dst, HandlerKind, Instr, Operand, OperandMut, Pc, Reg};

/// Whether `i` may move out of a loop (see the module docs).
fn movable(i: &Instr) -> bool {
    matches!(i, Instr::LoadBool { .. } | Instr::LoadInt { .. } | Instr::LoadConst { .. }) || super::pure_typed(i)
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
    for (pc, t) in super::back_edges(&body.code) {
        match loops.iter_mut().find(|l| l.header == t.index()) {
            Some(l) => l.tail = l.tail.max(pc),
            None => loops.push(Loop { header: t.index(), tail: pc }),
        }
    }
    let entered_inside = |l: &Loop, at: usize| at > l.header && at <= l.tail;
    loops.retain(|l| {
        // An OSR entry inside the loop gets its own way in (see `splice`).
        let entries =
            body.entries.iter().enumerate().any(|(i, e)| !(body.osr && i == 1) && entered_inside(l, e.index()));
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
    own_registers_for_constants(cx, body, &loops);
    let n = body.code.len();
    // Each register's writing instructions; a handler's exception
    // register is written without one, and never counts as invariant.
    let mut writers: Vec<Vec<usize>> = vec![Vec::new(); body.nregs as usize];
    for (pc, i) in body.code.iter().enumerate() {
        for r in writes(i) {
            writers[r.index()].push(pc);
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
    // An OSR entry inside loops that moved code out: the frame comes from
    // tier0 in the middle of them, past their preheaders, so it enters
    // through a copy of what they moved out (outermost loop first, each in
    // pc order, as the preheaders would have run it; their operands hold
    // there what they held at the loops' entry, as no loop writes them),
    // placed after the code and jumping to where the entry lands.
    let osr = body.osr.then(|| body.entries.get(1).map(|e| e.index())).flatten();
    let mut trampoline = None;
    if let Some(e) = osr {
        let mut around: Vec<&Loop> =
            loops.iter().filter(|l| l.header < e && e <= l.tail && !hoisted[l.header].is_empty()).collect();
        around.sort_by_key(|l| std::cmp::Reverse(l.tail - l.header));
        if !around.is_empty() {
            trampoline = Some(code.len() as u32);
            for l in around {
                for &p in &hoisted[l.header] {
                    code.push(body.code[p]);
                    lines.push(line(p));
                }
            }
            code.push(Instr::Jump { target: target(n, Pc(e as u32)) });
            lines.push(line(e));
        }
    }
    let landing = |p: usize| match (osr, trampoline) {
        (Some(e), Some(t)) if p == e => t,
        _ => pre[p.min(n)],
    };
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
        *e = Pc(landing(e.index()));
    }
    for p in &mut body.pc_map {
        *p = landing(*p as usize);
    }
    for s in &mut body.inlined {
        (s.start, s.end) = (pre[s.start as usize], pre[s.end as usize]);
    }
    body.code = code;
    body.lines = lines;
}

/// Constant loads in a loop whose register other code also writes (the
/// front end reuses temporaries; inlined sites share one block) get a
/// register of their own above the others, where the constant is read
/// only in the load's block and the register is dead after the last read
/// (and no handler covers those instructions): that load is then its
/// register's only definition, and moves out of the loop as any other.
///
/// ```text
///   LoadInt r16, 3877; MulInt r17, r15, r16 .. MulNum r16, ..
///     -> LoadInt r22, 3877; MulInt r17, r15, r22 .. MulNum r16, ..
/// ```
fn own_registers_for_constants(cx: &PassCx<'_>, body: &mut Body, loops: &[Loop]) {
    let n = body.code.len();
    let mut writers = vec![0u32; body.nregs as usize];
    for i in &body.code {
        for r in writes(i) {
            writers[r.index()] += 1;
        }
    }
    let reached = super::superinstructions::reached_other_than_by_falling(body);
    let mut live = None;
    for p in 0..n {
        let (Instr::LoadInt { dst, .. } | Instr::LoadConst { dst, .. } | Instr::LoadBool { dst, .. }) = body.code[p]
        else {
            continue;
        };
        let r = dst.reg();
        if writers[r.index()] < 2 || r.0 < cx.tier0.arity || !loops.iter().any(|l| l.contains(p)) {
            continue;
        }
        if usize::from(body.nregs) + 1 >= usize::from(Dst::DISCARD.0) {
            return;
        }
        let live = live.get_or_insert_with(|| crate::liveness::live_in(&body.as_method(cx.tier0)));
        let Some(uses) = block_reads(body, &reached, live, p, r) else { continue };
        let own = Reg(body.nregs);
        body.nregs += 1;
        body.code[p] = match body.code[p] {
            Instr::LoadInt { value, .. } => Instr::LoadInt { dst: own.dst(), value },
            Instr::LoadConst { k, .. } => Instr::LoadConst { dst: own.dst(), k },
            Instr::LoadBool { value, .. } => Instr::LoadBool { dst: own.dst(), value },
            i => i,
        };
        for q in uses {
            body.code[q].visit_mut(&mut |op| {
                if let OperandMut::Reg(x) = op
                    && *x == r
                {
                    *x = own;
                }
            });
        }
    }
}

/// The instructions after `p` (in its block) that read the value `p`
/// writes into `r`, when that value is read nowhere else: the reads end
/// with a write of `r`, or `r` is dead after the last one; none reads it as
/// part of a run of arguments or writes it in place, and no handler covers
/// them. `None` otherwise (or when nothing reads it).
fn block_reads(
    body: &Body,
    reached: &[bool],
    live: &[crate::liveness::RegSet],
    p: usize,
    r: Reg,
) -> Option<Vec<usize>> {
    let covered = |q: usize| body.handlers.iter().any(|h| h.covers(Pc(q as u32)));
    if covered(p) {
        return None;
    }
    let mut uses = Vec::new();
    let mut q = p + 1;
    loop {
        let i = body.code.get(q)?;
        if reached[q] {
            // Another way in: `r` must be dead there.
            return (!live[q].contains(r) && !uses.is_empty()).then_some(uses);
        }
        if covered(q) || matches!(i, Instr::IncJumpIfLtInt { a, .. } | Instr::IncJumpIfLtImmInt { a, .. } if *a == r) {
            return None;
        }
        let mut reads = false;
        for (_, op) in i.operands() {
            match op {
                Operand::Reg(x) if x == r => reads = true,
                Operand::Args(a) if a.regs().any(|x| x == r) => return None,
                _ => {}
            }
        }
        if reads {
            uses.push(q);
        }
        if writes(i).contains(&r) {
            return (!uses.is_empty()).then_some(uses);
        }
        let jumps = i.operands().iter().any(|(_, op)| matches!(op, Operand::Pc(_)));
        if jumps || !i.falls_through() {
            // Where it may go on, `r` must be dead.
            let mut next: Vec<usize> = i
                .operands()
                .iter()
                .filter_map(|(_, op)| match op {
                    Operand::Pc(t) => Some(t.index()),
                    _ => None,
                })
                .collect();
            if i.falls_through() {
                next.push(q + 1);
            }
            let dead = next.iter().all(|&s| live.get(s).is_none_or(|l| !l.contains(r)));
            return (dead && !uses.is_empty()).then_some(uses);
        }
        q += 1;
    }
}
