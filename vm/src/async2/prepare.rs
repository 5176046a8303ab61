//! Preparing async2 methods (what the runtime-async JIT does, seed 003),
//! on bytecode, before the program runs:
//!
//! ```text
//! async Task<int> Fib(int n)  (method m, as written)
//!   becomes three methods:
//! Fib        m   the Task-returning thunk, keeping m's id so that every
//!                call, delegate and vtable entry that named m reaches it:
//!                  CallThunk r1, Fib[async2], (r0)   contexts saved in r2, r3
//!                  Return r1
//! Fib        b   the async2 body: m's code, with each `await F(..)` whose
//!                F is async2 made a direct call:
//!                  CallAsync d, F[async2], (args)  (or CallVirtAsync)
//!                  Jump @after-the-await            the rest becomes Nop
//!                each other await of a library awaitable fused into
//!                  AwaitTask d, t                    (AsyncHelpers.Await)
//!                  Jump @after-the-await             the rest becomes Nop
//!                and a table of suspension points: each Await, AwaitTask
//!                and direct call, its resume pc, the result register and the
//!                registers live there (liveness.rs)
//! IL_STUB_AsyncResume_Fib
//!                the resume stub: `Resume Fib[async2], r0` re-enters the
//!                body from the continuation in r0
//! ```
//!
//! Nothing else changes: the body's exception table, lines and registers
//! are the method's own, so a frame of the body is the method's frame.

use crate::backends::{Code, is_async2};
use crate::bytecode::{Args, Dst, Handler, HandlerKind, Instr, MethodId, Pc, Reg};
use crate::liveness;
use crate::native;
use crate::program::{Async2Role, Backend, Method, MethodFlags, Program, SuspensionPoint};

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
        rewrite_awaited_calls(program, body);
        fuse_library_awaits(&mut program.methods[body.index()]);
        if capture_contexts {
            save_and_restore_contexts(&mut program.methods[body.index()]);
        }
        let points = suspension_points(&program.methods[body.index()]);
        if let Some(Async2Role::Body { points: p, .. }) = program.methods[body.index()].async2.as_deref_mut() {
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
    body.async2 = Some(Box::new(Async2Role::Body { thunk: m, resume_stub: stub_id, points: Vec::new() }));
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
    body_id
}

/// An `await <call>` as the front end emits it:
/// `Call t, F | [ConfigureAwait c, (t, b)] | GetAwaiter aw | IsCompleted cond |
/// JumpIfTrue cond, @get | Await aw | @get: GetResult d, (aw)`.
struct AwaitedCall {
    call: usize,
    get_result: usize,
    result: Dst,
}

fn native_name(i: &Instr) -> Option<(&'static str, &'static str)> {
    match i {
        Instr::CallNative { native, .. } => {
            let d = native::def(*native);
            Some((d.owner, d.name))
        }
        _ => None,
    }
}

/// Matches the await whose `Await` instruction is at `at`, if the front end
/// says it awaits a call (`var t = F(); await t;` does not).
fn awaited_call(program: &Program, m: &Method, at: usize) -> Option<AwaitedCall> {
    let code = &m.code;
    let Instr::Await { awaiter, site } = code[at] else { return None };
    if !program.await_sites[site.index()].awaits_call {
        return None;
    }
    let get_result = at + 1;
    let Some(&Instr::CallNative { dst: result, args, .. }) = code.get(get_result) else { return None };
    let (_, "GetResult") = native_name(&code[get_result])? else { return None };
    if args.base != awaiter.0 || at < 4 {
        return None;
    }
    let Instr::JumpIfTrue { target, .. } = code[at - 1] else { return None };
    if target.index() != get_result {
        return None;
    }
    let (_, "get_IsCompleted") = native_name(&code[at - 2])? else { return None };
    let Instr::CallNative { dst: aw, args: awaitable, .. } = code[at - 3] else { return None };
    let (owner, "GetAwaiter") = native_name(&code[at - 3])? else { return None };
    if aw.0 != awaiter.0 || !owner.contains("Task") {
        return None;
    }
    // An optional ConfigureAwait between the call and GetAwaiter.
    let mut call = at - 4;
    let mut task = awaitable.base;
    if let Some((_, "ConfigureAwait")) = native_name(&code[call]) {
        let Instr::CallNative { dst, args, .. } = code[call] else { return None };
        if dst.0 != task || call == 0 {
            return None;
        }
        task = args.base;
        call -= 1;
        // The flag's own evaluation, if it has no effects (a direct call
        // skips it).
        while call > 0
            && matches!(
                code[call],
                Instr::LoadBool { .. } | Instr::LoadInt { .. } | Instr::LoadNull { .. } | Instr::LoadConst { .. } | Instr::Move { .. } | Instr::GetStatic { .. }
            )
        {
            call -= 1;
        }
    }
    let handlers = |pc: usize| m.handlers_covering(Pc(pc as u32)).map(|(row, _)| row).collect::<Vec<_>>();
    if handlers(call) != handlers(at) {
        return None;
    }
    match code[call] {
        Instr::Call { dst, .. } | Instr::CallVirt { dst, .. } if dst.0 == task => {
            Some(AwaitedCall { call, get_result, result })
        }
        _ => None,
    }
}

/// Makes each awaited call to an async2 method (statically known) or to a
/// virtual method (decided when it is called) a direct call.
fn rewrite_awaited_calls(program: &mut Program, body: MethodId) {
    let m = program.methods[body.index()].clone();
    let code = &m.code;
    let mut new_code = code.clone();
    for at in 0..code.len() {
        let Some(a) = awaited_call(program, &m, at) else { continue };
        let direct = match code[a.call] {
            Instr::Call { method, args, .. } => match program.method(method).async2.as_deref() {
                Some(Async2Role::Thunk { body }) => Instr::CallAsync { dst: a.result, method: *body, args },
                _ => continue,
            },
            Instr::CallVirt { method, args, .. } => Instr::CallVirtAsync { dst: a.result, method, args },
            _ => continue,
        };
        new_code[a.call] = direct;
        new_code[a.call + 1] = Instr::Jump { target: Pc(a.get_result as u32 + 1) };
        for i in &mut new_code[a.call + 2..=a.get_result] {
            *i = Instr::Nop {};
        }
    }
    program.methods[body.index()].code = new_code;
}

/// Makes each remaining await of a library awaitable (`GetAwaiter aw, (t) |
/// IsCompleted c, (aw) | JumpIfTrue c, @get | Await aw | @get: GetResult d,
/// (aw)`) one `AwaitTask d, t | Jump @after`, as runtime async awaits a
/// Task through `AsyncHelpers.Await`: a user awaiter keeps the whole
/// sequence.
fn fuse_library_awaits(m: &mut Method) {
    for at in 3..m.code.len().saturating_sub(2) {
        let Instr::Await { awaiter, site } = m.code[at] else { continue };
        let Instr::CallNative { dst: aw, args: awaitable, .. } = m.code[at - 3] else { continue };
        let Some((_, "GetAwaiter")) = native_name(&m.code[at - 3]) else { continue };
        let Some((owner, "get_IsCompleted")) = native_name(&m.code[at - 2]) else { continue };
        let Instr::JumpIfTrue { target, .. } = m.code[at - 1] else { continue };
        let Instr::CallNative { dst, args: got, .. } = m.code[at + 1] else { continue };
        let Some((_, "GetResult")) = native_name(&m.code[at + 1]) else { continue };
        if aw.0 != awaiter.0 || got.base != awaiter.0 || !owner.ends_with("Awaiter") || target.index() != at + 1 {
            continue;
        }
        m.code[at - 3] = Instr::AwaitTask { dst, awaitable: Reg(awaitable.base), site };
        m.code[at - 2] = Instr::Jump { target: Pc(at as u32 + 2) };
        for nop in at - 1..=at + 1 {
            m.code[nop] = Instr::Nop {};
        }
    }
}

/// Async2Capture: `rec, rsc := current contexts` before the body, and
/// `RestoreContexts(rec, rsc)` on every way out: each return jumps to an
/// epilogue that restores and returns, and a finally around the whole body
/// restores on the exceptional path.
fn save_and_restore_contexts(m: &mut Method) {
    let core = "AsyncMethodBuilderCore";
    let (rec, rsc, rexc) = (Reg(m.nregs), Reg(m.nregs + 1), Reg(m.nregs + 2));
    let native = |name, params| native::required(core, name, params);
    let restore = Instr::CallNative { dst: rec.dst(), native: native("RestoreContexts", 2), args: Args::new(rec, 2) };
    let first_line = m.lines.first().copied().unwrap_or(0);
    let mut c = Code::default();
    let save_ec = native("CurrentExecutionContext", 0);
    let save_sc = native("CurrentSynchronizationContext", 0);
    c.emit(Instr::CallNative { dst: rec.dst(), native: save_ec, args: Args::new(rec, 0) }, first_line);
    c.emit(Instr::CallNative { dst: rsc.dst(), native: save_sc, args: Args::new(rsc, 0) }, first_line);
    let shift = c.append_method(m);
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
    c.handlers.push(Handler {
        start: Pc(shift),
        end: body_end,
        target: handler_pc,
        exception: rexc.dst(),
        kind: HandlerKind::Finally,
    });
    c.install(m);
    m.nregs += 3;
    m.locals.extend([
        (rec, "<saved ExecutionContext>".into()),
        (rsc, "<saved SynchronizationContext>".into()),
    ]);
}

/// Every `Await`, `AwaitTask` and direct call of a body, with what its
/// continuation keeps.
pub fn suspension_points(m: &Method) -> Vec<SuspensionPoint> {
    let live = liveness::live_in(m);
    let covered = |pc: usize| m.handlers_covering(Pc(pc as u32)).next().is_some();
    let mut points = Vec::new();
    for (pc, instr) in m.code.iter().enumerate() {
        let (resume, result) = match *instr {
            Instr::Await { .. } => (pc + 1, None),
            Instr::AwaitTask { dst, .. } | Instr::CallAsync { dst, .. } | Instr::CallVirtAsync { dst, .. } => match m.code.get(pc + 1) {
                Some(Instr::Jump { target }) => (target.index(), Some(dst)),
                _ => continue,
            },
            _ => continue,
        };
        // What the frame may still read once resumed. For a direct call or
        // an AwaitTask that is the live-in of the Jump after it, not of the
        // jump's target: the Jump is still inside the await's try blocks,
        // so the registers their handlers read (an exception from the
        // callee or the task is thrown there) count too.
        let from = if result.is_some() { pc + 1 } else { resume };
        let mut regs = live.get(from).cloned().unwrap_or_else(|| liveness::RegSet::new(m.nregs as usize));
        if let Some(d) = result {
            regs.remove(d.reg());
        }
        points.push(SuspensionPoint {
            at: Pc(pc as u32),
            resume: Pc(resume as u32),
            result,
            live: regs.iter().collect(),
            has_handler: covered(pc),
        });
    }
    points
}
