//! Inlining: a call of a small method is replaced by the callee's
//! code, so the call's frame push, window clearing and return (most of
//! what a small method costs) go.
//!
//! ```text
//!   Call d, M, (a0 .. ak)  ->  Move x0, a0 .. Move xk, ak   M's parameters
//!                              LoadNull x                    each other register
//!                                                            M may read before it writes
//!                              M's code, register r as x = r + B, its jumps
//!                              moved with it, and
//!                                Return s   ->  Move d, s + B; Jump @end
//!                                ReturnVoid ->  Jump @end    (Jump @end to the next
//!                                                            instruction: compact removes it)
//! ```
//! B is the caller's register count: every site shares the one block of
//! registers above the caller's (sites never run nested), so the frame
//! grows by the largest callee's registers, not their sum. Tier0's
//! registers keep their numbers, as every tier1 pass must. Where nothing
//! reads the argument registers after the call (but as its result), they
//! are the callee's parameters themselves: no `Move`s in, and the block
//! holds only the callee's other registers.
//!
//! What is inlined, in two rounds:
//! 1. a `Call` in the method's own code (one level, so a recursion
//!    unrolls once, as HotSpot's recursive inlining does);
//! 2. then a `Call` in what round 1 inlined of a leaf, a method that calls
//!    no bytecode itself (a constructor that only stores its fields, a
//!    one-line arithmetic helper), so it cannot unroll anything further.
//!
//! The callee is a method that is not async, has no exception handler and
//! no loop, at most [`MAX_CALLEE`] instructions, none of which needs a
//! frame of its own (awaits, thunks, rethrows); static, or an instance
//! method whose receiver `NewObject` made earlier in the block (`new
//! C(..)`'s constructor: the receiver is not null, so no null check is
//! lost). A method inlines at most [`MAX_GROWTH`] instructions in all.
//!
//! Stack traces stay right: each site is recorded ([`InlineSite`]: its pcs,
//! the callee, the caller's line; a round-2 site lies inside its round-1
//! site), and [`Program::visit_logical_frames`] lists each callee's frame above
//! its caller's for any pc inside it, innermost first, for
//! exceptions and for the stack-overflow report. An exception thrown in
//! the inlined code meets the caller's handlers that covered the call.
//!
//! What changes: `--max-depth` counts VM frames, so a recursion that
//! inlines reaches more calls before `Stack overflow.`; an inlined call
//! does not count towards its callee's tier-up; `--stats`' calls count
//! frames entered.
//!
//! [`Program::visit_logical_frames`]: crate::program::Program::visit_logical_frames

use super::{Body, PassCx};
use crate::bytecode::{Args, Dst, Instr, MethodId, OperandMut, Pc, Reg};
use crate::program::{InlineSite, Method};

/// The most instructions a callee may have.
pub const MAX_CALLEE: usize = 24;

/// The most instructions one method may inline in all.
pub const MAX_GROWTH: usize = 96;

/// The pass (see the module docs).
pub fn run(cx: &PassCx<'_>, body: &mut Body) {
    let mut budget = MAX_GROWTH;
    // The method's own calls, then calls of leaves in what that inlined.
    for leaves_only in [false, true] {
        if !round(cx, body, &mut budget, leaves_only) {
            return;
        }
    }
}

/// One round over the body's calls (with `leaves_only`, only calls of
/// methods that call nothing): gives back whether it inlined any.
fn round(cx: &PassCx<'_>, body: &mut Body, budget: &mut usize, leaves_only: bool) -> bool {
    let program = cx.program;
    let base = body.nregs;
    let mut block = 0u16;
    let mut sites: Vec<Option<Expansion>> = vec![None; body.code.len()];
    let mut live = None;
    let reached = super::superinstructions::reached_other_than_by_falling(body);
    for (pc, instr) in body.code.iter().enumerate() {
        let Instr::Call { dst, method, args } = *instr else { continue };
        let callee = program.method(method);
        if !inlinable(callee, args)
            || (!callee.flags.is_static && !fresh_receiver(body, &reached, pc, args))
            || (leaves_only && callee.code.iter().any(calls))
            || callee.code.len() > *budget
            || usize::from(base) + usize::from(callee.nregs) >= usize::from(Dst::DISCARD.0)
        {
            continue;
        }
        let (caller, live) = live.get_or_insert_with(|| {
            let caller = body.as_method(cx.tier0);
            let live = crate::liveness::live_in(&caller);
            (caller, live)
        });
        let in_place = params_in_place(caller, live, pc, callee, dst, args);
        *budget -= callee.code.len();
        block = block.max(callee.nregs - if in_place { callee.arity } else { 0 });
        let line = body.lines.get(pc).copied().unwrap_or(0);
        sites[pc] = Some(expand(method, callee, Call { dst, args, base, in_place, line }));
    }
    if sites.iter().all(Option::is_none) {
        return false;
    }
    splice(body, &sites);
    body.nregs = base + block;
    true
}

/// Whether `i` calls bytecode (a frame above this one's). The async
/// calls are not listed: an inlinable callee has none ([`needs_frame`]).
fn calls(i: &Instr) -> bool {
    matches!(i, Instr::Call { .. } | Instr::CallVirt { .. } | Instr::CallGuarded { .. } | Instr::CallDelegate { .. })
}

/// Whether the receiver of the instance call at `pc` (its first argument)
/// is an object `NewObject` made earlier in the same block (a constructor
/// call, `new C(..)`): it is not null, so the call needs no null check.
fn fresh_receiver(body: &Body, reached: &[bool], pc: usize, args: Args) -> bool {
    if args.count == 0 {
        return false;
    }
    let receiver = Reg(args.base);
    for q in (0..pc).rev() {
        let i = &body.code[q];
        let writes =
            i.operands().iter().any(|(_, op)| matches!(op, crate::bytecode::Operand::Dst(d) if d.0 == receiver.0));
        if writes {
            return matches!(*i, Instr::NewObject { dst, .. } if dst.0 == receiver.0);
        }
        if reached[q] || !i.falls_through() {
            return false;
        }
    }
    false
}

/// Whether a call with `args` of `m` may be replaced by `m`'s code (an
/// instance method also needs a receiver that is not null: see
/// `fresh_receiver`).
pub fn inlinable(m: &Method, args: Args) -> bool {
    m.flags.is_async.is_none()
        && m.async2.is_none()
        && m.version.is_none()
        && m.handlers.is_empty()
        && !m.code.is_empty()
        && m.code.len() <= MAX_CALLEE
        && args.count == m.arity
        && super::loop_headers(m).is_empty()
        && !m.code.iter().any(needs_frame)
}

/// Instructions that act on their own frame as one (suspend it, end a
/// handler in it, rethrow what its handler caught).
fn needs_frame(i: &Instr) -> bool {
    matches!(
        i,
        Instr::Await { .. }
            | Instr::AwaitTask { .. }
            | Instr::CallAsync { .. }
            | Instr::CallVirtAsync { .. }
            | Instr::CallThunk { .. }
            | Instr::Resume { .. }
            | Instr::Rethrow { .. }
            | Instr::EndFinally { .. }
            | Instr::EndFilter { .. }
    )
}

/// Whether the callee's parameters may live in the call's argument
/// registers themselves (no `Move`s in): nothing reads those after the call
/// (but as its result) or in a handler covering it, and each run of
/// registers the callee passes on lies all among its parameters or all
/// above them (so it stays a run).
fn params_in_place(
    caller: &Method,
    live: &[crate::liveness::RegSet],
    pc: usize,
    callee: &Method,
    dst: Dst,
    args: Args,
) -> bool {
    let after = &live[pc + 1];
    let caught = crate::liveness::live_into_handlers(caller, live, pc);
    (args.base..args.base + args.count).all(|r| (r == dst.0 || !after.contains(Reg(r))) && !caught.contains(Reg(r)))
        && callee.code.iter().all(|i| {
            i.operands().iter().all(|(_, op)| match op {
                crate::bytecode::Operand::Args(a) => {
                    a.count == 0 || a.base >= callee.arity || a.base + a.count <= callee.arity
                }
                _ => true,
            })
        })
}

/// A call site, as the expansion reads it.
struct Call {
    dst: Dst,
    args: Args,
    /// The first register of the shared block.
    base: u16,
    /// The callee's parameters are the argument registers (see
    /// [`params_in_place`]), not the block's first ones.
    in_place: bool,
    line: u32,
}

impl Call {
    /// The caller's register for the callee's register `r`.
    fn reg(&self, r: u16, arity: u16) -> u16 {
        match self.in_place {
            true if r < arity => self.args.base + r,
            true => self.base + r - arity,
            false => self.base + r,
        }
    }
}

/// A call's replacement: its instructions (jumps relative to its first),
/// their lines, and the callee.
#[derive(Clone, Debug)]
struct Expansion {
    code: Vec<Instr>,
    lines: Vec<u32>,
    method: MethodId,
    /// The caller's line at the call.
    line: u32,
}

/// The code that replaces the call `site` of `method` (see the module
/// docs).
fn expand(method: MethodId, callee: &Method, site: Call) -> Expansion {
    let Call { dst, line, .. } = site;
    let arity = callee.arity;
    let reg = |r: u16| site.reg(r, arity);
    let mut code = Vec::new();
    let mut lines = Vec::new();
    if !site.in_place {
        for i in 0..arity {
            code.push(Instr::Move { dst: Dst(reg(i)), src: Reg(site.args.base + i) });
            lines.push(line);
        }
    }
    // The block holds what an earlier site left: clear what the callee
    // may read before writing, as a frame's entry would.
    let live = crate::liveness::live_in(callee);
    for r in live[0].iter().filter(|r| r.0 >= arity) {
        code.push(Instr::LoadNull { dst: Dst(reg(r.0)) });
        lines.push(line);
    }
    // Each callee instruction as it runs here, its jumps still to callee
    // pcs (`END` for the end of the expansion), then where each starts.
    const END: Pc = Pc(u32::MAX);
    let lowered: Vec<Vec<Instr>> = callee
        .code
        .iter()
        .map(|&instr| match instr {
            Instr::Return { src } if dst != Dst::DISCARD && dst.0 != reg(src.0) => {
                vec![Instr::Move { dst, src: Reg(reg(src.0)) }, Instr::Jump { target: END }]
            }
            Instr::ReturnVoid {} if dst != Dst::DISCARD => vec![Instr::LoadNull { dst }, Instr::Jump { target: END }],
            Instr::Return { .. } | Instr::ReturnVoid {} => vec![Instr::Jump { target: END }],
            mut i => {
                i.visit_mut(&mut |op| match op {
                    OperandMut::Reg(r) => r.0 = reg(r.0),
                    OperandMut::Dst(d) if *d != Dst::DISCARD => d.0 = reg(d.0),
                    OperandMut::Args(a) => a.base = reg(a.base),
                    _ => {}
                });
                vec![i]
            }
        })
        .collect();
    let mut at = Vec::with_capacity(lowered.len() + 1);
    let mut next = code.len() as u32;
    for l in &lowered {
        at.push(next);
        next += l.len() as u32;
    }
    let end = next;
    for (pc, run) in lowered.into_iter().enumerate() {
        for mut i in run {
            i.visit_mut(&mut |op| {
                if let OperandMut::Pc(t) = op {
                    *t = Pc(if *t == END { end } else { at[t.index()] });
                }
            });
            code.push(i);
            lines.push(callee.lines.get(pc).copied().unwrap_or(line));
        }
    }
    Expansion { code, lines, method, line }
}

/// Replaces each instruction that has an expansion by it, moving every pc
/// (jump operands, handler rows, entries, the tier0 pc map, inline sites)
/// with the code; a replaced instruction's pc becomes its expansion's
/// first.
fn splice(body: &mut Body, sites: &[Option<Expansion>]) {
    let n = body.code.len();
    let mut new_pc = Vec::with_capacity(n + 1);
    let mut next = 0u32;
    for s in sites {
        new_pc.push(next);
        next += s.as_ref().map_or(1, |e| e.code.len() as u32);
    }
    new_pc.push(next);
    let map = |p: Pc| Pc(new_pc[p.index().min(n)]);
    // Sites an earlier round made: what is inlined into one lies inside it.
    for s in &mut body.inlined {
        (s.start, s.end) = (new_pc[s.start as usize], new_pc[s.end as usize]);
    }
    let mut code = Vec::with_capacity(next as usize);
    let mut lines = Vec::with_capacity(next as usize);
    for (pc, site) in sites.iter().enumerate() {
        match site {
            None => {
                let mut i = body.code[pc];
                i.visit_mut(&mut |op| {
                    if let OperandMut::Pc(t) = op {
                        *t = map(*t);
                    }
                });
                code.push(i);
                lines.push(body.lines.get(pc).copied().unwrap_or(0));
            }
            Some(e) => {
                let start = new_pc[pc];
                for &i in &e.code {
                    let mut i = i;
                    i.visit_mut(&mut |op| {
                        if let OperandMut::Pc(t) = op {
                            t.0 += start;
                        }
                    });
                    code.push(i);
                }
                lines.extend_from_slice(&e.lines);
                body.inlined.push(InlineSite {
                    start,
                    end: start + e.code.len() as u32,
                    method: e.method,
                    line: e.line,
                });
            }
        }
    }
    for h in &mut body.handlers {
        h.start = map(h.start);
        h.end = map(h.end);
        h.target = map(h.target);
        if let crate::bytecode::HandlerKind::Filter { filter, .. } = &mut h.kind {
            *filter = map(*filter);
        }
    }
    for e in &mut body.entries {
        *e = map(*e);
    }
    for p in &mut body.pc_map {
        *p = new_pc[*p as usize];
    }
    body.code = code;
    body.lines = lines;
}
