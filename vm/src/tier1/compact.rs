//! Nop removal and jump threading: the pass that moves pcs.
//!
//! ```text
//!   threading:  a jump to `Jump @t` jumps to @t instead (followed until a
//!               jump does not land on a Jump, or a cycle)
//!   removal:    every Nop, and every `Jump` to the next kept instruction
//!   remapping:  each kept instruction's pc, jump operands, the exception
//!               table, the line table, the entries, the tier0 pc map and
//!               the inline sites; a pc of a removed instruction becomes
//!               the next kept one's
//!   registers:  those above tier0's that no instruction names any more
//!               (inlining's, after move coalescing) go
//! ```

use super::{Body, PassCx};
use crate::bytecode::{Handler, HandlerKind, Instr, Operand, OperandMut, Pc};

/// The pass: threads jumps, then removes what does nothing.
pub fn run(cx: &PassCx<'_>, body: &mut Body) {
    thread_jumps(&mut body.code);
    let keep = removable(&body.code).into_iter().map(|r| !r).collect::<Vec<_>>();
    let map = remove(&mut body.code, &mut body.lines, &mut body.handlers, &keep);
    for e in &mut body.entries {
        *e = Pc(map[e.index()]);
    }
    for p in &mut body.pc_map {
        *p = map[*p as usize];
    }
    for s in &mut body.inlined {
        (s.start, s.end) = (map[s.start as usize], map[s.end as usize]);
    }
    // Registers passes added that no instruction names any more go.
    body.nregs = body.nregs.min(highest_named(body).max(cx.tier0.nregs));
}

/// One past the highest register an instruction or handler names.
fn highest_named(body: &Body) -> u16 {
    let mut top = 0u16;
    for i in &body.code {
        for (_, op) in i.operands() {
            top = top.max(match op {
                Operand::Reg(r) => r.0 + 1,
                Operand::Dst(d) if d != crate::bytecode::Dst::DISCARD => d.0 + 1,
                Operand::Args(a) => a.base + a.count,
                _ => 0,
            });
        }
    }
    body.handlers
        .iter()
        .filter(|h| h.exception != crate::bytecode::Dst::DISCARD)
        .fold(top, |t, h| t.max(h.exception.0 + 1))
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bytecode::{Dst, Reg};

    #[test]
    fn nops_and_jumps_to_the_next_go_and_every_pc_moves() {
        // 0: LoadInt r0; 1: Nop; 2: Jump @4; 3: Nop; 4: JumpIfTrue r0, @6;
        // 5: Jump @0; 6: Jump @7; 7: Return r0
        let mut code = vec![
            Instr::LoadInt { dst: Dst(0), value: 1 },
            Instr::Nop {},
            Instr::Jump { target: Pc(4) },
            Instr::Nop {},
            Instr::JumpIfTrue { cond: Reg(0), target: Pc(6) },
            Instr::Jump { target: Pc(0) },
            Instr::Jump { target: Pc(7) },
            Instr::Return { src: Reg(0) },
        ];
        thread_jumps(&mut code);
        assert_eq!(code[4], Instr::JumpIfTrue { cond: Reg(0), target: Pc(7) }, "threaded through @6");
        let keep: Vec<bool> = removable(&code).into_iter().map(|gone| !gone).collect();
        assert_eq!(keep, [true, false, false, false, true, true, false, true]);
        let mut lines = (1..=8).collect::<Vec<u32>>();
        let mut handlers =
            vec![Handler { start: Pc(1), end: Pc(5), target: Pc(7), exception: Dst(0), kind: HandlerKind::Finally }];
        let map = remove(&mut code, &mut lines, &mut handlers, &keep);
        assert_eq!(map, [0, 1, 1, 1, 1, 2, 3, 3, 4]);
        assert_eq!(
            code,
            [
                Instr::LoadInt { dst: Dst(0), value: 1 },
                Instr::JumpIfTrue { cond: Reg(0), target: Pc(3) },
                Instr::Jump { target: Pc(0) },
                Instr::Return { src: Reg(0) },
            ]
        );
        assert_eq!(lines, [1, 5, 6, 8]);
        assert_eq!((handlers[0].start, handlers[0].end, handlers[0].target), (Pc(1), Pc(2), Pc(3)));
    }
}
