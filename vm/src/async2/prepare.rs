//! Preparing async2 methods (what the runtime-async JIT does, seed 003),
//! on bytecode, before the program runs.
//!
//! The front end emits each `await e` as (see `AwaitSite`, which records
//! these pcs and registers):
//! ```text
//!   call:        t := F(..)                   when e is a call (or F(..).ConfigureAwait(b))
//!   get_awaiter: aw := t.GetAwaiter()
//!                c := aw.IsCompleted
//!                JumpIfTrue c, @resume
//!                Await aw, site, @resume
//!   resume:      r := aw.GetResult()
//!   after:       ...
//! ```
//! and preparation turns `async Task<int> Fib(int n)` (method m) into three
//! methods:
//! ```text
//! Fib        m   the Task-returning thunk, keeping m's id so that every
//!                call, delegate and vtable entry that named m reaches it:
//!                  CallThunk r1, Fib[async2], (r0)   contexts saved in r2, r3
//!                  Return r1
//! Fib        b   the async2 body: m's code, with each await whose site has
//!                a `call` of an async2 F (or of a virtual F) made a direct
//!                call, at `call`:
//!                  CallAsync r, F[async2], (args)    (or CallVirtAsync)
//!                  Jump @after                       up to `resume`: Nop
//!                each other await of a library awaitable (the site says
//!                `library`), at `get_awaiter`:
//!                  AwaitTask r, t                    (AsyncHelpers.Await)
//!                  Jump @after                       up to `resume`: Nop
//!                a user awaiter's `Await` stays; and a table of suspension
//!                points: each Await, AwaitTask and direct call, its resume
//!                pc (the Await's `resume`; for the others pc+1, the Jump,
//!                where a call returns), the result register and the
//!                registers live there (liveness.rs), split by their kind
//!                (kinds.rs) into Data (primitives) and GCData (the rest)
//! IL_STUB_AsyncResume_Fib
//!                the resume stub: `Resume Fib[async2], r0` re-enters the
//!                body from the continuation in r0
//! ```
//!
//! Nothing else changes: the body's exception table, lines and registers
//! are the method's own, so a frame of the body is the method's frame.

use crate::backends::{Code, is_async2};
use crate::bytecode::{Args, AwaitSiteId, Dst, Handler, HandlerKind, Instr, MethodId, Pc, Reg};
use crate::kinds;
use crate::liveness;
use crate::program::{
    Async2Role, AwaitSite, Backend, Method, MethodFlags, Program, SlotType, SuspensionPoint, continuation_room,
};

/// Splits every async2 method into thunk, body and resume stub, then makes
/// awaited calls between async2 methods direct and records the suspension
/// points.
///
/// `capture_contexts` (`--capture-contexts`, the seed's Async2Capture): each
/// body saves both contexts on entry and restores them however it leaves,
/// so callers observe async1's behaviour.
pub fn prepare(program: &mut Program, mode: Backend, capture_contexts: bool) {
    let ids: Vec<MethodId> =
        (0..program.methods.len() as u32).map(MethodId).filter(|&m| is_async2(program, m, mode)).collect();
    let mut bodies = Vec::with_capacity(ids.len());
    for &m in &ids {
        bodies.push(split(program, m));
    }
    for body in bodies {
        if capture_contexts {
            save_and_restore_contexts(&mut program.methods[body.index()], &mut program.await_sites);
        }
        lower_awaits(program, body);
        compact(&mut program.methods[body.index()], &mut program.await_sites);
        // Tier0: every register of the frame (tier1 versions keep only the
        // live ones: `tier1::compile`).
        let points = suspension_points(program, &program.methods[body.index()], true);
        if let Some(Async2Role::Body { points: p, room, .. }) = program.methods[body.index()].async2.as_deref_mut() {
            *room = continuation_room(&points);
            *p = points;
        }
    }
}

/// Makes `m` the thunk; gives back the new body's id.
fn split(program: &mut Program, m: MethodId) -> MethodId {
    let body_id = MethodId(program.methods.len() as u32);
    let stub_id = MethodId(body_id.0 + 1);
    let mut body = program.methods[m.index()].clone();
    // The body is reached only by direct calls and resume stubs, never
    // through a vtable.
    body.vslot = None;
    body.flags.is_virtual = false;
    body.async2 = Some(Box::new(Async2Role::Body { thunk: m, resume_stub: stub_id, points: Vec::new(), room: (0, 0) }));
    let line = body.lines.first().copied().unwrap_or(0);
    let class = body.class;
    let mut stub = Method::new(
        format!("IL_STUB_AsyncResume_{}", body.name),
        class,
        MethodFlags { is_static: true, ..MethodFlags::default() },
        1,
    );
    stub.code = vec![Instr::Resume { method: body_id, cont: Reg(0) }];
    stub.lines = vec![line];
    stub.locals = vec![(Reg(0), "continuation".into())];
    stub.origin = Some(m);
    stub.async2 = Some(Box::new(Async2Role::ResumeStub { body: body_id }));
    stub.param_types = vec![SlotType::Ref];
    program.methods.push(body);
    program.methods.push(stub);

    let thunk = &mut program.methods[m.index()];
    let a = thunk.arity;
    thunk.code = vec![
        Instr::CallThunk { dst: Dst(a), method: body_id, args: Args::new(Reg(0), a as usize) },
        Instr::Return { src: Reg(a) },
    ];
    thunk.lines = vec![line; 2];
    thunk.handlers.clear();
    thunk.nregs = a + 3;
    thunk.locals.retain(|(r, _)| r.0 < a);
    thunk.locals.push((Reg(a + 1), "<saved ExecutionContext>".into()));
    thunk.locals.push((Reg(a + 2), "<saved SynchronizationContext>".into()));
    thunk.async2 = Some(Box::new(Async2Role::Thunk { body: body_id }));
    // The thunk returns the task; the body (a clone) keeps what the
    // method's `return`s return.
    thunk.returns = thunk.flags.is_async.map_or(SlotType::Any, kinds::task_slot_type);
    body_id
}

/// Makes each await of `body` what async2 runs, from its site alone: an
/// awaited call of an async2 method (statically known) or of a virtual
/// method (decided when it is called) a direct call, any other await of a
/// library awaitable one `AwaitTask`; a user awaiter's stays an `Await`.
fn lower_awaits(program: &mut Program, body: MethodId) {
    let m = &program.methods[body.index()];
    let mut code = m.code.clone();
    for (at, instr) in m.code.iter().enumerate() {
        let Instr::Await { site, resume, .. } = *instr else { continue };
        let s = &program.await_sites[site.index()];
        // An exception from the callee is then thrown at the call: the same
        // handlers must cover it as the await.
        let direct = s
            .call
            .filter(|c| m.handlers_covering(*c).eq(m.handlers_covering(Pc(at as u32))))
            .and_then(|c| Some((c, direct_call(program, m.code[c.index()], s.result)?)));
        if let Some((call, direct)) = direct {
            replace_await(&mut code, call, direct, resume);
        } else if s.library {
            replace_await(&mut code, s.get_awaiter, await_task(s, site), resume);
        }
    }
    program.methods[body.index()].code = code;
}

/// The direct async2 call for an awaited `call` whose result goes to `dst`.
fn direct_call(program: &Program, call: Instr, dst: Dst) -> Option<Instr> {
    match call {
        Instr::Call { method, args, .. } => match program.method(method).async2.as_deref() {
            Some(Async2Role::Thunk { body }) => Some(Instr::CallAsync { dst, method: *body, args }),
            _ => None,
        },
        Instr::CallVirt { method, args, .. } => Some(Instr::CallVirtAsync { dst, method, args }),
        _ => None,
    }
}

fn await_task(s: &AwaitSite, site: AwaitSiteId) -> Instr {
    Instr::AwaitTask { dst: s.result, awaitable: s.awaitable, site }
}

/// `at: i; at+1: Jump @after` (after the await's `GetResult` at `resume`),
/// and the rest of the await up to `resume` becomes `Nop`.
fn replace_await(code: &mut [Instr], at: Pc, i: Instr, resume: Pc) {
    let at = at.index();
    code[at] = i;
    code[at + 1] = Instr::Jump { target: Pc(resume.0 + 1) };
    for nop in &mut code[at + 2..=resume.index()] {
        *nop = Instr::Nop {};
    }
}

/// Async2Capture: `rec, rsc := current contexts` before the body, and
/// `RestoreContexts(rec, rsc)` on every way out: each return jumps to an
/// epilogue that restores and returns, and a finally around the whole body
/// restores on the exceptional path.
fn save_and_restore_contexts(m: &mut Method, sites: &mut [AwaitSite]) {
    let (rec, rsc, rexc) = (Reg(m.nregs), Reg(m.nregs + 1), Reg(m.nregs + 2));
    // The VM's own instructions, not native calls: as .NET inlines the
    // capture into the method, a few loads and stores.
    let restore = Instr::RestoreContexts { ec: Args::new(rec, 2) };
    let first_line = m.lines.first().copied().unwrap_or(0);
    let mut c = Code::default();
    c.emit(Instr::SaveContext { dst: rec.dst(), sync: false }, first_line);
    c.emit(Instr::SaveContext { dst: rsc.dst(), sync: true }, first_line);
    let shift = c.append_method(m, sites);
    let body_end = c.here();
    // One epilogue per distinct return instruction.
    let mut epilogues: Vec<(Instr, Pc)> = Vec::new();
    for at in shift as usize..body_end.index() {
        let ret = c.code[at];
        if !matches!(ret, Instr::Return { .. } | Instr::ReturnVoid {}) {
            continue;
        }
        let target = match epilogues.iter().find(|(r, _)| *r == ret) {
            Some(&(_, pc)) => pc,
            None => {
                let pc = c.here();
                let line = c.lines[at];
                c.emit(restore, line);
                c.emit(ret, line);
                epilogues.push((ret, pc));
                pc
            }
        };
        c.code[at] = Instr::Jump { target };
    }
    let handler_pc = c.here();
    c.emit(restore, first_line);
    c.emit(Instr::EndFinally { src: rexc }, first_line);
    c.protect(Pc(shift), body_end, |start, end| Handler {
        start,
        end,
        target: handler_pc,
        exception: rexc.dst(),
        kind: HandlerKind::Finally,
    });
    c.install(m);
    m.nregs += 3;
    m.locals.extend([(rec, "<saved ExecutionContext>".into()), (rsc, "<saved SynchronizationContext>".into())]);
}

/// Every `Await`, `AwaitTask` and direct call of a body, with what its
/// continuation keeps: the registers live there (with `all`, tier0's
/// way, as the seed describes tier-0 code without liveness: every register
/// of the frame), split by their kind at the point (`kinds.rs`: what the
/// frame holds when it suspends) into Data (the primitives) and GCData (the
/// rest).
pub fn suspension_points(program: &Program, m: &Method, all: bool) -> Vec<SuspensionPoint> {
    let live = liveness::live_in(m);
    let kinds = kinds::infer(program, m);
    let mut points = Vec::new();
    for (pc, instr) in m.code.iter().enumerate() {
        let (resume, result) = match *instr {
            Instr::Await { resume, .. } => (resume, None),
            // These resume where a call returns: the instruction after
            // the await.
            Instr::AwaitTask { dst, .. } | Instr::CallAsync { dst, .. } | Instr::CallVirtAsync { dst, .. } => {
                (Pc(pc as u32 + 1), Some(dst))
            }
            _ => continue,
        };
        // What the frame may still read once resumed: what is live where it
        // resumes, and what the handlers around the await read (an
        // exception from the callee or the task is thrown at the await,
        // and `resume` may already be past the try block's end). The
        // result register is written only on the normal path: when the
        // point resumes with an exception, a handler may read its old value.
        let mut regs = live.get(resume.index()).cloned().unwrap_or_else(|| liveness::RegSet::new(m.nregs as usize));
        let mut handlers_read = liveness::RegSet::new(m.nregs as usize);
        for (_, h) in m.handlers_covering(Pc(pc as u32)) {
            let mut entry = |at: Pc| {
                if let Some(l) = live.get(at.index()) {
                    let mut l = l.clone();
                    l.remove(h.exception.reg());
                    handlers_read.union_with(&l);
                }
            };
            entry(h.target);
            if let HandlerKind::Filter { filter, .. } = h.kind {
                entry(filter);
            }
        }
        if let Some(d) = result
            && !handlers_read.contains(d.reg())
        {
            regs.remove(d.reg());
        }
        regs.union_with(&handlers_read);
        if all {
            for r in 0..m.nregs {
                if result.is_none_or(|d| d.0 != r) {
                    regs.insert(Reg(r));
                }
            }
        }
        let (mut data, mut gc) = (Vec::new(), Vec::new());
        for r in regs.iter() {
            match kinds.slot_type(Pc(pc as u32), r) {
                t if t.is_primitive() => data.push((r, t)),
                _ => gc.push(r),
            }
        }
        points.push(SuspensionPoint {
            at: Pc(pc as u32),
            resume,
            result,
            data,
            gc,
            has_handler: m.handlers_covering(Pc(pc as u32)).next().is_some(),
        });
    }
    points
}

/// Removes what lowering the awaits left behind: the `Nop`s where the
/// front end's await sequences were, then each `Jump` that only skipped
/// them (its target is the next instruction). Every pc (jump targets, the
/// exception table, the await sites' records) moves with the code, and a
/// direct call's or `AwaitTask`'s pc + 1 is then the instruction after the
/// await itself: no `Jump` runs on the way.
fn compact(m: &mut Method, sites: &mut [AwaitSite]) {
    let keep: Vec<bool> = crate::tier1::compact::removable(&m.code).into_iter().map(|gone| !gone).collect();
    if keep.iter().all(|&k| k) {
        return;
    }
    // Each site once (a finally block's exceptional copy names it again).
    let mut awaits: Vec<AwaitSiteId> = Vec::new();
    for i in &m.code {
        if let Instr::Await { site, .. } | Instr::AwaitTask { site, .. } = *i
            && !awaits.contains(&site)
        {
            awaits.push(site);
        }
    }
    let map = crate::tier1::compact::remove(&mut m.code, &mut m.lines, &mut m.handlers, &keep);
    let map = |p: Pc| Pc(map[p.index().min(map.len() - 1)]);
    for site in awaits {
        if let Some(s) = sites.get_mut(site.index()) {
            s.call = s.call.map(map);
            s.get_awaiter = map(s.get_awaiter);
        }
    }
}
