//! The async1 lowering: every async method becomes a stub, a state-machine
//! class and its `MoveNext`, as Roslyn lowers C# (seed 001), done on
//! bytecode.
//!
//! For `async Task<int> Fib(int n)` in `Program`:
//! ```text
//! class Program+<Fib>d__1 : IAsyncStateMachine
//!   <>1__state  <>t__builder  n  <hoisted registers>  <>u__1 (one per awaiter type)
//!
//! Fib(n):                          the stub, with the original signature
//!   sm = new <Fib>d__1; sm.n = n; sm.<>t__builder = AsyncTaskMethodBuilder<T>.Create()
//!   sm.<>1__state = -1; builder.Start(ref sm), inlined as: save both
//!   contexts, sm.MoveNext(), restore them; return sm.<>t__builder.Task
//!
//! <Fib>d__1.MoveNext():
//!   dispatch on <>1__state: -1 loads the parameters and starts the body;
//!     k resumes after await k (reload its live registers and its awaiter,
//!     clear the awaiter field, state = -1, jump to its GetResult)
//!   body: the original code; each `Await` jumps to its suspend block, each
//!     return to a block that sets the result
//!   suspend k: save the live registers, state = k, <>u__j = awaiter,
//!     builder.AwaitUnsafeOnCompleted(awaiter, this) (AwaitOnCompleted for
//!     an INotifyCompletion-only awaiter); for a user awaiter the builder
//!     returns the MoveNextAction and awaiter.(Unsafe)OnCompleted(action)
//!     follows; return
//!   finish: state = -2, builder.SetResult(value), and if the task has
//!     continuations AsyncMethodBuilderCore.RunContinuations(task), return
//!   catch (Exception e) around all of it: state = -2, builder.SetException(e),
//!     RunContinuations if needed, return
//! ```
//!
//! State numbers: `-1` running or not started, `k >= 0` suspended at await
//! `k` (in code order), `-2` finished. The body keeps its pc offsets (each
//! original instruction stays one instruction, moved by the prologue's
//! length), so the original exception table and jumps need only a shift.
//! Jumping into a try block is legal in this bytecode, so resuming needs
//! none of the re-dispatch Roslyn does for awaits inside `try`.

use crate::bytecode::{Args, ClassId, Dst, FieldSlot, Handler, HandlerKind, Instr, MethodId, NativeId, Pc, Reg};
use crate::liveness;
use crate::program::{AsyncReturn, BuiltinClass, Class, ClassKind, Field, Method, MethodFlags, OnCompleted, Program};

/// The async1 `Await` sites of one method, in code order.
struct Site {
    pc: usize,
    awaiter: Reg,
    /// Which of the method's awaiter types (and so `<>u__N` fields) it uses.
    awaiter_type: usize,
    /// Registers live across it (the awaiter's own register excluded).
    live: Vec<Reg>,
    /// A user awaiter's completion method (library awaiters: `None`).
    on_completed: Option<OnCompleted>,
}

/// A library native by owner and name, for generated code.
fn native(owner: &str, name: &str, params: usize) -> NativeId {
    crate::native::lookup(owner, name, params)
        .next()
        .map(|(id, _)| id)
        .unwrap_or_else(|| panic!("the library has no {owner}.{name}/{params}: the async1 runtime needs it"))
}

/// The builder type Roslyn would use for a return kind.
fn builder_owner(kind: AsyncReturn) -> &'static str {
    match kind {
        AsyncReturn::Void => "AsyncVoidMethodBuilder",
        AsyncReturn::Task => "AsyncTaskMethodBuilder",
        AsyncReturn::TaskOf => "AsyncTaskMethodBuilder<T>",
        AsyncReturn::ValueTask => "AsyncValueTaskMethodBuilder",
        AsyncReturn::ValueTaskOf => "AsyncValueTaskMethodBuilder<T>",
    }
}

fn has_value(kind: AsyncReturn) -> bool {
    matches!(kind, AsyncReturn::TaskOf | AsyncReturn::ValueTaskOf)
}

/// A prelude class and method the generated code uses.
fn prelude_method(program: &Program, class: &str, method: &str) -> (ClassId, MethodId) {
    program.prelude_method(class, method).unwrap_or_else(|| panic!("the prelude has no {class}.{method}"))
}

/// Lowers one async method in place: `id` becomes the stub; the state
/// machine class and its `MoveNext` are added to the program.
pub fn lower_method(program: &mut Program, id: MethodId) {
    let orig = program.method(id).clone();
    let Some(kind) = orig.flags.is_async else {
        return;
    };
    let (iface, iface_move_next) =
        prelude_method(program, "System.Runtime.CompilerServices.IAsyncStateMachine", "MoveNext");
    let (_, run_continuations) =
        prelude_method(program, "System.Runtime.CompilerServices.AsyncMethodBuilderCore", "RunContinuations");
    let exception = program.class_by_name("System.Exception").unwrap_or(BuiltinClass::Object.id());

    // ---- the state machine's fields ---------------------------------------
    let ordinal = program.methods[..id.index()].iter().filter(|m| m.class == orig.class).count();
    let owner = program.class(orig.class);
    let sm_name = format!("{}+<{}>d__{}", owner.name, orig.name, ordinal);
    let mut class = Class::new(sm_name, owner.namespace.clone(), ClassKind::Class);
    class.base = Some(BuiltinClass::Object.id());
    class.interfaces.push(iface);
    let field = |class: &mut Class, name: String| {
        class.fields.push(Field { name, default: Default::default() });
        FieldSlot(class.fields.len() as u16 - 1)
    };
    let state = field(&mut class, "<>1__state".into());
    let builder = field(&mut class, "<>t__builder".into());
    let local_name = |r: Reg| orig.locals.iter().find(|(l, _)| *l == r).map(|(_, n)| n.clone());
    // One field per register that needs one: parameters (the stub fills
    // them), then registers live across an await.
    let mut reg_fields: Vec<Option<FieldSlot>> = vec![None; orig.nregs as usize];
    for p in 0..orig.arity {
        let name = if p == 0 && !orig.flags.is_static {
            "<>4__this".to_string()
        } else {
            local_name(Reg(p)).unwrap_or_else(|| format!("<>p__{p}"))
        };
        reg_fields[p as usize] = Some(field(&mut class, name));
    }
    let live_in = liveness::live_in(&orig);
    let mut awaiter_types: Vec<String> = Vec::new();
    let mut sites = Vec::new();
    for (pc, instr) in orig.code.iter().enumerate() {
        let Instr::Await { awaiter, site } = *instr else {
            continue;
        };
        let info = &program.await_sites[site.index()];
        let j = match awaiter_types.iter().position(|t| *t == info.awaiter_type) {
            Some(j) => j,
            None => {
                awaiter_types.push(info.awaiter_type.clone());
                awaiter_types.len() - 1
            }
        };
        let live: Vec<Reg> =
            live_in.get(pc + 1).map(|s| s.iter().filter(|r| *r != awaiter).collect()).unwrap_or_default();
        sites.push(Site { pc, awaiter, awaiter_type: j, live, on_completed: info.on_completed });
    }
    let mut hoisted = 0;
    for site in &sites {
        for r in &site.live {
            if reg_fields[r.index()].is_none() {
                hoisted += 1;
                let name = match local_name(*r) {
                    Some(n) => format!("<{n}>5__{hoisted}"),
                    None => format!("<>s__{hoisted}"),
                };
                reg_fields[r.index()] = Some(field(&mut class, name));
            }
        }
    }
    let first_awaiter_field = class.fields.len();
    for j in 0..awaiter_types.len() {
        field(&mut class, format!("<>u__{}", j + 1));
    }
    let awaiter_field = |s: &Site| FieldSlot((first_awaiter_field + s.awaiter_type) as u16);
    let sm_class = program.add_class(class);

    // ---- MoveNext ------------------------------------------------------------
    let e = orig.nregs;
    let sm = Reg(e);
    let (t1, t2, t3) = (Reg(e + 1), Reg(e + 2), Reg(e + 3));
    let first_line = orig.lines.iter().copied().find(|l| *l != 0).unwrap_or(0);
    let last_line = orig.lines.iter().rev().copied().find(|l| *l != 0).unwrap_or(first_line);
    let bo = builder_owner(kind);
    let mut code: Vec<Instr> = Vec::new();
    let mut lines: Vec<u32> = Vec::new();
    let mut emit = |code: &mut Vec<Instr>, i: Instr, line: u32| {
        code.push(i);
        lines.push(line);
    };

    // Prologue: dispatch on the state. Resume blocks follow it, then the
    // first-entry block; their targets are patched once the layout is known.
    emit(&mut code, Instr::Move { dst: sm.dst(), src: Reg(0) }, first_line);
    emit(&mut code, Instr::GetField { dst: t1.dst(), obj: sm, field: state }, first_line);
    let to_dispatch = code.len();
    if !sites.is_empty() {
        emit(&mut code, Instr::JumpIfNotLtImm { a: t1, imm: 0, target: Pc(0) }, first_line);
    }
    // First entry (state -1): load the parameters from their fields.
    for p in 0..orig.arity {
        if let Some(f) = reg_fields[p as usize] {
            emit(&mut code, Instr::GetField { dst: Dst(p), obj: sm, field: f }, first_line);
        }
    }
    let jump_to_body = code.len();
    emit(&mut code, Instr::Jump { target: Pc(0) }, first_line);
    if !sites.is_empty() {
        code[to_dispatch] = Instr::JumpIfNotLtImm { a: t1, imm: 0, target: Pc(code.len() as u32) };
    }
    let mut dispatch = Vec::new();
    for k in 0..sites.len() {
        emit(&mut code, Instr::LoadInt { dst: t2.dst(), value: k as i32 }, first_line);
        emit(&mut code, Instr::Eq { dst: t3.dst(), a: t1, b: t2 }, first_line);
        dispatch.push(code.len());
        emit(&mut code, Instr::JumpIfTrue { cond: t3, target: Pc(0) }, first_line);
    }
    let mut resume_at = Vec::new();
    let mut resume_jumps = Vec::new();
    for s in &sites {
        let line = orig.lines[s.pc];
        resume_at.push(code.len());
        for r in &s.live {
            if let Some(f) = reg_fields[r.index()] {
                emit(&mut code, Instr::GetField { dst: r.dst(), obj: sm, field: f }, line);
            }
        }
        emit(&mut code, Instr::GetField { dst: s.awaiter.dst(), obj: sm, field: awaiter_field(s) }, line);
        emit(&mut code, Instr::LoadNull { dst: t1.dst() }, line);
        emit(&mut code, Instr::SetField { obj: sm, field: awaiter_field(s), src: t1 }, line);
        emit(&mut code, Instr::LoadInt { dst: t1.dst(), value: -1 }, line);
        emit(&mut code, Instr::SetField { obj: sm, field: state, src: t1 }, line);
        resume_jumps.push(code.len());
        emit(&mut code, Instr::Jump { target: Pc(0) }, line); // patched: after the Await
    }
    for (k, &at) in dispatch.iter().enumerate() {
        code[at] = Instr::JumpIfTrue { cond: t3, target: Pc(resume_at[k] as u32) };
    }

    // The body, shifted by `shift`; awaits and returns jump out of line.
    let shift = code.len() as u32;
    code[jump_to_body] = Instr::Jump { target: Pc(shift) };
    for (s, &at) in sites.iter().zip(&resume_jumps) {
        code[at] = Instr::Jump { target: Pc(s.pc as u32 + 1 + shift) };
    }
    let mut returns = Vec::new();
    for (pc, instr) in orig.code.iter().enumerate() {
        let mut i = *instr;
        i.visit_mut(&mut |op| {
            if let crate::bytecode::OperandMut::Pc(p) = op {
                p.0 += shift;
            }
        });
        match i {
            Instr::Await { .. } => i = Instr::Jump { target: Pc(0) }, // patched below
            Instr::Return { .. } | Instr::ReturnVoid {} => {
                returns.push((pc, i));
                i = Instr::Jump { target: Pc(0) };
            }
            _ => {}
        }
        emit(&mut code, i, orig.lines[pc]);
    }
    // Suspend blocks. For a user awaiter the builder hands back the state
    // machine's MoveNextAction and the awaiter's own (Unsafe)OnCompleted,
    // which the compiler resolved, is called here.
    let await_unsafe = native(bo, "AwaitUnsafeOnCompleted", 2);
    let await_safe = native(bo, "AwaitOnCompleted", 2);
    for (k, s) in sites.iter().enumerate() {
        let line = orig.lines[s.pc];
        code[shift as usize + s.pc] = Instr::Jump { target: Pc(code.len() as u32) };
        for r in &s.live {
            if let Some(f) = reg_fields[r.index()] {
                emit(&mut code, Instr::SetField { obj: sm, field: f, src: *r }, line);
            }
        }
        emit(&mut code, Instr::LoadInt { dst: t1.dst(), value: k as i32 }, line);
        emit(&mut code, Instr::SetField { obj: sm, field: state, src: t1 }, line);
        emit(&mut code, Instr::SetField { obj: sm, field: awaiter_field(s), src: s.awaiter }, line);
        emit(&mut code, Instr::GetField { dst: t1.dst(), obj: sm, field: builder }, line);
        emit(&mut code, Instr::Move { dst: t2.dst(), src: s.awaiter }, line);
        emit(&mut code, Instr::Move { dst: t3.dst(), src: sm }, line);
        let critical = s.on_completed.is_none_or(|o| o.critical);
        let native = if critical { await_unsafe } else { await_safe };
        emit(&mut code, Instr::CallNative { dst: t1.dst(), native, args: Args::new(t1, 3) }, line);
        if let Some(oc) = s.on_completed {
            emit(&mut code, Instr::Move { dst: t3.dst(), src: t1 }, line);
            let call = if oc.is_virtual {
                Instr::CallVirt { dst: Dst::DISCARD, method: oc.method, args: Args::new(t2, 2) }
            } else {
                Instr::Call { dst: Dst::DISCARD, method: oc.method, args: Args::new(t2, 2) }
            };
            emit(&mut code, call, line);
        }
        emit(&mut code, Instr::ReturnVoid {}, line);
    }
    let protected_end = code.len() as u32;
    // Return blocks, then the finish block they jump to.
    let mut return_jumps = Vec::new();
    for (pc, i) in &returns {
        code[shift as usize + pc] = Instr::Jump { target: Pc(code.len() as u32) };
        if let Instr::Return { src } = i {
            emit(&mut code, Instr::Move { dst: t3.dst(), src: *src }, orig.lines[*pc]);
        }
        return_jumps.push(code.len());
        emit(&mut code, Instr::Jump { target: Pc(0) }, orig.lines[*pc]);
    }
    let finish = code.len() as u32;
    for at in return_jumps {
        code[at] = Instr::Jump { target: Pc(finish) };
    }
    emit(&mut code, Instr::LoadInt { dst: t1.dst(), value: -2 }, last_line);
    emit(&mut code, Instr::SetField { obj: sm, field: state, src: t1 }, last_line);
    emit(&mut code, Instr::GetField { dst: t2.dst(), obj: sm, field: builder }, last_line);
    let (set_result, nargs) =
        if has_value(kind) { (native(bo, "SetResult", 1), 2) } else { (native(bo, "SetResult", 0), 1) };
    emit(&mut code, Instr::CallNative { dst: t1.dst(), native: set_result, args: Args::new(t2, nargs) }, last_line);
    let past_call = Pc(code.len() as u32 + 2);
    emit(&mut code, Instr::JumpIfFalse { cond: t1, target: past_call }, last_line);
    emit(&mut code, Instr::Call { dst: Dst::DISCARD, method: run_continuations, args: Args::new(t2, 1) }, last_line);
    emit(&mut code, Instr::ReturnVoid {}, last_line);
    // The outer catch.
    let catch = code.len() as u32;
    emit(&mut code, Instr::LoadInt { dst: t1.dst(), value: -2 }, last_line);
    emit(&mut code, Instr::SetField { obj: sm, field: state, src: t1 }, last_line);
    emit(&mut code, Instr::GetField { dst: t2.dst(), obj: sm, field: builder }, last_line);
    let set_exception = native(bo, "SetException", 1);
    emit(&mut code, Instr::CallNative { dst: t1.dst(), native: set_exception, args: Args::new(t2, 2) }, last_line);
    let past_call = Pc(code.len() as u32 + 2);
    emit(&mut code, Instr::JumpIfFalse { cond: t1, target: past_call }, last_line);
    emit(&mut code, Instr::Call { dst: Dst::DISCARD, method: run_continuations, args: Args::new(t2, 1) }, last_line);
    emit(&mut code, Instr::ReturnVoid {}, last_line);

    let mut handlers: Vec<Handler> = orig
        .handlers
        .iter()
        .map(|h| {
            let mut h = *h;
            h.start.0 += shift;
            h.end.0 += shift;
            h.target.0 += shift;
            if let HandlerKind::Filter { filter, .. } = &mut h.kind {
                filter.0 += shift;
            }
            h
        })
        .collect();
    handlers.push(Handler {
        start: Pc(shift),
        end: Pc(protected_end),
        target: Pc(catch),
        exception: t3.dst(),
        kind: HandlerKind::Catch { class: exception },
    });

    let mut move_next = Method::new("MoveNext", sm_class, MethodFlags::default(), 1);
    move_next.nregs = e + 4;
    move_next.code = code;
    move_next.lines = lines;
    move_next.handlers = handlers;
    move_next.locals = orig.locals.clone();
    move_next.locals.push((sm, "<>sm".into()));
    move_next.origin = Some(id);
    let move_next_id = program.add_method(move_next);
    let c = &mut program.classes[sm_class.index()];
    c.itable.push((iface_move_next, move_next_id));

    // ---- the stub ----------------------------------------------------------------
    let a = orig.arity;
    let (rs, rb, rt) = (Reg(a), Reg(a + 1), Reg(a + 2));
    let (rec, rsc) = (Reg(a + 3), Reg(a + 4));
    let mut stub_code = Vec::new();
    stub_code.push(Instr::NewObject { dst: rs.dst(), class: sm_class });
    for p in 0..a {
        if let Some(f) = reg_fields[p as usize] {
            stub_code.push(Instr::SetField { obj: rs, field: f, src: Reg(p) });
        }
    }
    stub_code.push(Instr::CallNative { dst: rb.dst(), native: native(bo, "Create", 0), args: Args::new(rb, 0) });
    stub_code.push(Instr::SetField { obj: rs, field: builder, src: rb });
    stub_code.push(Instr::LoadInt { dst: rt.dst(), value: -1 });
    stub_code.push(Instr::SetField { obj: rs, field: state, src: rt });
    // builder.Start(ref sm), inlined: save both contexts, run the first
    // MoveNext, restore them (what the method changed before it returned
    // or suspended does not leak to its caller). MoveNext catches every
    // exception, so no finally is needed.
    let core = "AsyncMethodBuilderCore";
    let save_ec = native(core, "CurrentExecutionContext", 0);
    let save_sc = native(core, "CurrentSynchronizationContext", 0);
    stub_code.push(Instr::CallNative { dst: rec.dst(), native: save_ec, args: Args::new(rec, 0) });
    stub_code.push(Instr::CallNative { dst: rsc.dst(), native: save_sc, args: Args::new(rsc, 0) });
    stub_code.push(Instr::Call { dst: Dst::DISCARD, method: move_next_id, args: Args::new(rs, 1) });
    let restore = native(core, "RestoreContexts", 2);
    stub_code.push(Instr::CallNative { dst: rt.dst(), native: restore, args: Args::new(rec, 2) });
    if kind == AsyncReturn::Void {
        stub_code.push(Instr::ReturnVoid {});
    } else {
        stub_code.push(Instr::CallNative { dst: rt.dst(), native: native(bo, "get_Task", 0), args: Args::new(rb, 1) });
        stub_code.push(Instr::Return { src: rt });
    }
    let stub = &mut program.methods[id.index()];
    stub.lines = vec![first_line; stub_code.len()];
    stub.code = stub_code;
    stub.nregs = a + 5;
    stub.handlers = Vec::new();
    stub.locals = orig.locals.iter().filter(|(r, _)| r.0 < a).cloned().collect();
    stub.locals.push((rs, "<>sm".into()));
}
