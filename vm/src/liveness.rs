//! Register liveness over a method's bytecode: which registers may still be
//! read after a given instruction. Both async backends ask it "what is live
//! across this await": async1 hoists exactly those registers into state
//! machine fields, async2 copies exactly those into a continuation.
//!
//! It reads operand roles only (`Reg`/`Args` are uses, `Dst` a definition,
//! `Pc` a jump target), so it needs to know one opcode only: `EndFilter`,
//! which goes on into every filtered catch (a filter's registers go back
//! into its frame, and the catch reads what it wrote).
//! Exception handlers count as successors of every instruction they
//! protect, which is conservative (a register read by a handler is live
//! throughout its try block), as it must be. Those edges are exceptional:
//! an instruction that throws has not written its destination, so what
//! is live into a handler stays live across the instruction, its own
//! destination included (`try { x = await F(); } catch { } return x;`:
//! on the exceptional path `x` keeps its old value).
//!
//! ```text
//! live_in(i) = uses(i) ∪ (live_out_normal(i) − def(i)) ∪ live_out_exceptional(i)
//! ```

use crate::bytecode::{Dst, HandlerKind, Instr, Operand, Reg};
use crate::program::Method;

/// A set of registers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RegSet(Vec<u64>);

impl RegSet {
    pub fn new(nregs: usize) -> RegSet {
        RegSet(vec![0; nregs.div_ceil(64)])
    }
    pub fn insert(&mut self, r: Reg) {
        if let Some(w) = self.0.get_mut(r.index() / 64) {
            *w |= 1 << (r.index() % 64);
        }
    }
    pub fn remove(&mut self, r: Reg) {
        if let Some(w) = self.0.get_mut(r.index() / 64) {
            *w &= !(1 << (r.index() % 64));
        }
    }
    pub fn contains(&self, r: Reg) -> bool {
        self.0.get(r.index() / 64).is_some_and(|w| w & (1 << (r.index() % 64)) != 0)
    }
    /// Adds `other`.
    pub fn union_with(&mut self, other: &RegSet) {
        self.union(other);
    }

    /// Adds `other`; says whether anything changed.
    fn union(&mut self, other: &RegSet) -> bool {
        let mut changed = false;
        for (a, b) in self.0.iter_mut().zip(&other.0) {
            let n = *a | b;
            changed |= n != *a;
            *a = n;
        }
        changed
    }
    pub fn iter(&self) -> impl Iterator<Item = Reg> + '_ {
        self.0
            .iter()
            .enumerate()
            .flat_map(|(i, w)| (0..64).filter(move |b| w & (1u64 << b) != 0).map(move |b| Reg((i * 64 + b) as u16)))
    }
}

/// The registers an instruction reads and the one it writes.
fn uses_defs(instr: &Instr) -> (Vec<Reg>, Option<Reg>) {
    let mut uses = Vec::new();
    let mut def = None;
    for (_, op) in instr.operands() {
        match op {
            Operand::Reg(r) => uses.push(r),
            Operand::Args(a) => uses.extend(a.regs()),
            Operand::Dst(d) if d != Dst::DISCARD => def = Some(d.reg()),
            _ => {}
        }
    }
    (uses, def)
}

/// Live-in sets, one per instruction: the registers that may be read at or
/// after that instruction before being written.
pub fn live_in(method: &Method) -> Vec<RegSet> {
    let n = method.code.len();
    let nregs = method.nregs as usize;
    // Normal successors of each instruction. A filter's registers go back
    // into its frame (`unwind.rs`'s `run_filter`): an `EndFilter` goes on
    // into every filtered catch, as `kinds.rs` has it.
    let filtered: Vec<usize> = method
        .handlers
        .iter()
        .filter(|h| matches!(h.kind, HandlerKind::Filter { .. }))
        .map(|h| h.target.index())
        .collect();
    let mut succ: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (pc, instr) in method.code.iter().enumerate() {
        if instr.falls_through() && pc + 1 < n {
            succ[pc].push(pc + 1);
        }
        if matches!(instr, Instr::EndFilter { .. }) {
            succ[pc].extend_from_slice(&filtered);
        }
        for (_, op) in instr.operands() {
            if let Operand::Pc(t) = op {
                succ[pc].push(t.index());
            }
        }
    }
    let exc = exceptional_successors(method);
    let info: Vec<(Vec<Reg>, Option<Reg>)> = method.code.iter().map(uses_defs).collect();
    let mut live: Vec<RegSet> = vec![RegSet::new(nregs); n];
    let mut changed = true;
    while changed {
        changed = false;
        for pc in (0..n).rev() {
            let mut out = RegSet::new(nregs);
            for &s in &succ[pc] {
                if s < n {
                    out.union(&live[s]);
                }
            }
            let (uses, def) = &info[pc];
            if let Some(d) = def {
                out.remove(*d);
            }
            for &s in &exc[pc] {
                if s < n {
                    out.union(&live[s]);
                }
            }
            for u in uses {
                out.insert(*u);
            }
            if live[pc] != out {
                live[pc] = out;
                changed = true;
            }
        }
    }
    live
}

/// Where an exception thrown by each instruction may go: the handlers
/// (and filters) of the try blocks around it.
fn exceptional_successors(method: &Method) -> Vec<Vec<usize>> {
    let n = method.code.len();
    let mut exc: Vec<Vec<usize>> = vec![Vec::new(); n];
    for h in &method.handlers {
        for s in exc.iter_mut().take(h.end.index().min(n)).skip(h.start.index()) {
            s.push(h.target.index());
            if let HandlerKind::Filter { filter, .. } = h.kind {
                s.push(filter.index());
            }
        }
    }
    exc
}

/// The registers live into the handlers and filters that an exception
/// thrown at `pc` may reach (given `live`, from [`live_in`]): what a
/// suspension point must keep for its exceptional resumption, where its
/// result register is never written.
pub fn live_into_handlers(method: &Method, live: &[RegSet], pc: usize) -> RegSet {
    let mut out = RegSet::new(method.nregs as usize);
    for h in method.handlers.iter().filter(|h| h.covers(crate::bytecode::Pc(pc as u32))) {
        let mut add = |t: usize| {
            if let Some(s) = live.get(t) {
                out.union(s);
            }
        };
        add(h.target.index());
        if let HandlerKind::Filter { filter, .. } = h.kind {
            add(filter.index());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bytecode::{ClassId, Pc};
    use crate::program::{Method, MethodFlags};

    fn method(code: Vec<Instr>, nregs: u16) -> Method {
        let mut m = Method::new("M", ClassId(0), MethodFlags::default(), 1);
        m.lines = vec![1; code.len()];
        m.code = code;
        m.nregs = nregs;
        m
    }

    /// A row protecting `0..2` whose handler starts at 2, the exception
    /// into `exception`.
    fn row(exception: u16, kind: HandlerKind) -> crate::bytecode::Handler {
        crate::bytecode::Handler { start: Pc(0), end: Pc(2), target: Pc(2), exception: Dst(exception), kind }
    }

    /// `dst := M()` (a call that may throw).
    fn call_into(dst: u16) -> Instr {
        Instr::Call { dst: Dst(dst), method: crate::bytecode::MethodId(0), args: crate::bytecode::Args::new(Reg(0), 0) }
    }

    #[test]
    fn a_register_read_later_is_live_and_a_dead_one_is_not() {
        // r1 := 1; r2 := 2; r3 := r0 + r1; return r3   (r2 is never read)
        let m = method(
            vec![
                Instr::LoadInt { dst: Dst(1), value: 1 },
                Instr::LoadInt { dst: Dst(2), value: 2 },
                Instr::Add { dst: Dst(3), a: Reg(0), b: Reg(1) },
                Instr::Return { src: Reg(3) },
            ],
            4,
        );
        let live = live_in(&m);
        assert!(live[1].contains(Reg(1)) && live[1].contains(Reg(0)));
        assert!(!live[1].contains(Reg(2)));
        assert!(!live[0].contains(Reg(1)), "r1 is written before it is read");
        assert_eq!(live[3].iter().collect::<Vec<_>>(), vec![Reg(3)]);
    }

    #[test]
    fn what_a_filter_writes_is_live_into_its_catch() {
        // try { 0: r0() ; 1: return r3 } catch when (3: r1 := 7; 4: r2 := true; 5: end filter r2)
        // -> 2: return r1. The filter's registers go back into the frame:
        // r1, written in the filter, is read by the catch.
        let mut m = method(
            vec![
                call_into(3),
                Instr::Return { src: Reg(3) },
                Instr::Return { src: Reg(1) },
                Instr::LoadInt { dst: Dst(1), value: 7 },
                Instr::LoadBool { dst: Dst(2), value: true },
                Instr::EndFilter { src: Reg(2) },
            ],
            5,
        );
        m.handlers.push(row(4, HandlerKind::Filter { class: ClassId(0), filter: Pc(3) }));
        let live = live_in(&m);
        assert!(live[4].contains(Reg(1)) && live[5].contains(Reg(1)), "r1 reaches the catch");
        assert!(!live[3].contains(Reg(1)), "the filter writes r1 before it is read");
    }

    #[test]
    fn loops_carry_liveness_backwards() {
        // 0: r1 := r1 + r0 ; 1: if r2 goto 0 ; 2: return r1
        let m = method(
            vec![
                Instr::Add { dst: Dst(1), a: Reg(1), b: Reg(0) },
                Instr::JumpIfTrue { cond: Reg(2), target: Pc(0) },
                Instr::Return { src: Reg(1) },
            ],
            3,
        );
        let live = live_in(&m);
        assert!(live[1].contains(Reg(0)), "r0 is read again after the back edge");
        assert!(live[1].contains(Reg(2)));
    }

    #[test]
    fn a_destination_read_by_a_handler_stays_live_across_its_write() {
        // try { 0: r1 := r0() (throws?) ; 1: jump 3 } catch -> 2: nop ; 3: return r1
        // On the exceptional edge r1 is not written: it is live before 0.
        let mut m =
            method(vec![call_into(1), Instr::Jump { target: Pc(3) }, Instr::Nop {}, Instr::Return { src: Reg(1) }], 3);
        m.handlers.push(row(2, HandlerKind::Catch { class: ClassId(0) }));
        let live = live_in(&m);
        assert!(live[0].contains(Reg(1)), "the old r1 reaches the handler");
        assert!(live_into_handlers(&m, &live, 0).contains(Reg(1)));
        // Without the handler, the call's write kills r1.
        m.handlers.clear();
        assert!(!live_in(&m)[0].contains(Reg(1)));
    }
}
