//! Nop removal and jump threading: the pass that moves pcs.
//!
//! ```text
//!   threading:  a jump to `Jump @t` jumps to @t instead (followed until a
//!               jump does not land on a Jump, or a cycle)
//!   removal:    every Nop, and every `Jump` to the next kept instruction
//!   remapping:  each kept instruction's pc, jump operands, the exception
//!               table, the line table, the entries and the tier0 pc map;
//!               a pc of a removed instruction becomes the next kept one's
//! ```

use super::{Body, PassCx};
use crate::bytecode::{Handler, HandlerKind, Instr, OperandMut, Pc};

/// The pass: threads jumps, then removes what does nothing.
pub fn run(_cx: &PassCx<'_>, body: &mut Body) {
    thread_jumps(&mut body.code);
    let keep = removable(&body.code).into_iter().map(|r| !r).collect::<Vec<_>>();
    let map = remove(&mut body.code, &mut body.lines, &mut body.handlers, &keep);
    for e in &mut body.entries {
        *e = Pc(map[e.index()]);
    }
    for p in &mut body.pc_map {
        *p = map[*p as usize];
    }
}

/// Retargets each jump that lands on an unconditional `Jump` to where that
/// one goes.
pub fn thread_jumps(code: &mut [Instr]) {
    let n = code.len();
    let final_target = |mut t: Pc| {
        for _ in 0..n {
            match code.get(t.index()) {
                Some(&Instr::Jump { target }) if target != t => t = target,
                _ => break,
            }
        }
        t
    };
    let mut targets = Vec::with_capacity(n);
    for i in code.iter() {
        let mut t = None;
        if let Some(&(_, crate::bytecode::Operand::Pc(pc))) =
            i.operands().iter().find(|(_, o)| matches!(o, crate::bytecode::Operand::Pc(_)))
            && !matches!(i, Instr::Await { .. })
        {
            t = Some(final_target(pc));
        }
        targets.push(t);
    }
    for (i, t) in code.iter_mut().zip(targets) {
        if let Some(t) = t {
            i.visit_mut(&mut |op| {
                if let OperandMut::Pc(pc) = op {
                    *pc = t;
                }
            });
        }
    }
}

/// Which instructions do nothing: `Nop`s, and `Jump`s to the next
/// instruction that is not one of those.
pub fn removable(code: &[Instr]) -> Vec<bool> {
    let n = code.len();
    let mut gone: Vec<bool> = code.iter().map(|i| matches!(i, Instr::Nop {})).collect();
    for pc in (0..n).rev() {
        if let Instr::Jump { target } = code[pc]
            && target.index() > pc
            && (pc + 1..target.index()).all(|q| gone[q])
        {
            gone[pc] = true;
        }
    }
    gone
}

/// Keeps the instructions `keep` says, moving every pc with them (jump
/// operands, handler rows, lines). Gives back the map from each old pc
/// (and one past the end) to its new one: a removed instruction's pc
/// becomes the next kept instruction's.
pub fn remove(code: &mut Vec<Instr>, lines: &mut Vec<u32>, handlers: &mut [Handler], keep: &[bool]) -> Vec<u32> {
    let n = code.len();
    let mut new_pc = vec![0u32; n + 1];
    let mut next = keep.iter().filter(|&&k| k).count() as u32;
    new_pc[n] = next;
    for p in (0..n).rev() {
        if keep[p] {
            next -= 1;
        }
        new_pc[p] = next;
    }
    if keep.iter().all(|&k| k) {
        return new_pc;
    }
    let map = |p: Pc| Pc(new_pc[p.index().min(n)]);
    let mut out = Vec::with_capacity(n);
    let mut out_lines = Vec::with_capacity(n);
    for p in (0..n).filter(|&p| keep[p]) {
        let mut i = code[p];
        i.visit_mut(&mut |op| {
            if let OperandMut::Pc(t) = op {
                *t = map(*t);
            }
        });
        out.push(i);
        out_lines.push(lines.get(p).copied().unwrap_or(0));
    }
    for h in handlers.iter_mut() {
        h.start = map(h.start);
        h.end = map(h.end);
        h.target = map(h.target);
        if let HandlerKind::Filter { filter, .. } = &mut h.kind {
            *filter = map(*filter);
        }
    }
    *code = out;
    *lines = out_lines;
    new_pc
}
