//! The async1 lowering: every async method becomes a stub, a state-machine
//! class and its `MoveNext`, as Roslyn lowers C# (seed 001), done on
//! bytecode.
//!
//! As in Roslyn's release build, the state machine starts out "on the
//! stack" (here: in `MoveNext`'s registers) and is boxed into an object of
//! its class only when it first suspends, so a call that completes
//! synchronously allocates nothing, or its task when its result is not one
//! .NET shares (see `builder.rs`).
//!
//! For `async Task<int> Fib(int n)` in `Program`:
//! ```text
//! class Program+<Fib>d__1 : IAsyncStateMachine
//!   <>1__state: int  <>t__builder: ref (the task)
//!   <registers live across an await: n, ...>, each typed by what it
//!     holds at the awaits that save it (kinds.rs; `any` if that varies)
//!   <>u__1 (one per awaiter slot type: awaits share it, as Roslyn's
//!     awaits of one awaiter type share one field)
//!
//! Fib(n):                          the stub, with the original signature
//!   builder = AsyncTaskMethodBuilder<T>.Create()     (no task yet)
//!   builder.Start(ref sm), inlined: save both contexts,
//!     builder = <Fib>d__1.MoveNext(n, sm: null, builder), restore them
//!   return builder.Task
//!
//! <Fib>d__1.MoveNext(n, sm, builder):
//!   sm == null: first entry, the parameters are in their registers
//!   else dispatch on sm.<>1__state: k resumes after await k (reload its
//!     live registers and its awaiter, clear the awaiter field, state = -1,
//!     jump to its GetResult)
//!   body: the original code; each `Await` jumps to its suspend block, each
//!     return to a block that sets the result
//!   suspend k: box the state machine if it is not yet (its task made:
//!     builder = builder.InitializeTaskAsPromise(); new <Fib>d__1,
//!     <>t__builder = builder), save the live registers, state = k,
//!     <>u__j = awaiter, builder.AwaitUnsafeOnCompleted(awaiter, sm)
//!     (AwaitOnCompleted for an INotifyCompletion-only awaiter; for a user
//!     awaiter the builder returns the MoveNextAction and
//!     awaiter.(Unsafe)OnCompleted(action) follows), return builder
//!   finish: state = -2, t = builder.SetResult(value); t is true if the task
//!     has continuations: AsyncMethodBuilderCore.RunContinuations(builder),
//!     return builder; else t is the completed task: return t
//!   catch (Exception e) around all of it: state = -2, builder.SetException(e),
//!     the same
//!
//! MoveNext returns its builder because the stub's builder is not passed
//! by `ref`, as Roslyn's is (inside the state machine struct).
//!
//! <Fib>d__1.IAsyncStateMachine.MoveNext():   what a MoveNextRunner resumes
//!   MoveNext(null.., this, null)
//! ```
//!
//! State numbers: `-1` running or not started, `k >= 0` suspended at await
//! `k` (in code order), `-2` finished. The body keeps its pc offsets (each
//! original instruction stays one instruction, moved by the prologue's
//! length), so the original exception table and jumps need only a shift.
//! Jumping into a try block is legal in this bytecode, so resuming needs
//! none of the re-dispatch Roslyn does for awaits inside `try`.

use crate::backends::Code;
use crate::bytecode::{Args, ClassId, Dst, FieldSlot, Handler, HandlerKind, Instr, MethodId, NativeId, Pc, Reg};
use crate::kinds::{self, Kind};
use crate::liveness;
use crate::native::required as native;
use crate::program::{
    AsyncReturn, BuiltinClass, Class, ClassKind, Field, Method, MethodFlags, OnCompleted, Program, SlotType,
};

/// The async1 `Await` sites of one method, in code order.
struct Site {
    pc: usize,
    /// Where the method goes on once the awaiter is complete (its `GetResult`).
    resume: Pc,
    awaiter: Reg,
    /// Which of the method's awaiter fields (`<>u__N`, one per awaiter
    /// slot type) it uses.
    awaiter_type: usize,
    /// Registers live across it (the awaiter's own register excluded).
    live: Vec<Reg>,
    /// A user awaiter's completion method (library awaiters: `None`).
    on_completed: Option<OnCompleted>,
}

/// What a field of this type starts as.
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

/// A prelude class and method the generated code uses.
fn prelude_method(program: &Program, class: &str, method: &str) -> (ClassId, MethodId) {
    program.prelude_method(class, method).unwrap_or_else(|| panic!("the prelude has no {class}.{method}"))
}

/// Lowers one async method in place: `id` becomes the stub; the state
/// machine class and its `MoveNext` are added to the program.
pub fn lower_method(program: &mut Program, id: MethodId) {
    let orig = program.method(id).clone();
    let Some(kind) = orig.flags.is_async else { return };
    let (iface, iface_move_next) =
        prelude_method(program, "System.Runtime.CompilerServices.IAsyncStateMachine", "MoveNext");
    let (_, run_continuations) =
        prelude_method(program, "System.Runtime.CompilerServices.AsyncMethodBuilderCore", "RunContinuations");
    let exception = program.class_by_name("System.Exception").unwrap_or(BuiltinClass::Object.id());

    // ---- the state machine's class -----------------------------------------
    let ordinal = program.methods[..id.index()].iter().filter(|m| m.class == orig.class).count();
    let owner = program.class(orig.class);
    let sm_name = format!("{}+<{}>d__{}", owner.name, orig.name, ordinal);
    let mut class = Class::new(sm_name, owner.namespace.clone(), ClassKind::Class);
    // It derives from the prelude's MoveNextRunner: its own runner.
    let (runner, runner_move_next) =
        prelude_method(program, "System.Runtime.CompilerServices.MoveNextRunner", "MoveNext");
    class.base = Some(runner);
    class.fields = program.class(runner).fields.clone();
    class.vtable = program.class(runner).vtable.clone();
    class.interfaces.push(iface);
    let field = |class: &mut Class, name: String, ty: SlotType| {
        class.fields.push(Field { name, ty, default: ty.zero() });
        FieldSlot(class.fields.len() as u16 - 1)
    };
    let state = field(&mut class, "<>1__state".into(), SlotType::Int);
    // The task (`InitializeTaskAsPromise` makes it before the state machine
    // is boxed).
    let builder_field = field(&mut class, "<>t__builder".into(), SlotType::Ref);
    let live_in = liveness::live_in(&orig);
    let kinds = kinds::infer_without_arrays(program, &orig);
    // Awaiter fields are shared as Roslyn shares them, one per awaiter type
    // (here: per slot type): one await is pending at a time.
    let mut awaiter_types: Vec<SlotType> = Vec::new();
    let mut sites = Vec::new();
    for (pc, instr) in orig.code.iter().enumerate() {
        let Instr::Await { awaiter, resume, site } = *instr else { continue };
        let info = &program.await_sites[site.index()];
        let ty = kinds.slot_type(Pc(pc as u32), awaiter);
        let j = match awaiter_types.iter().position(|t| *t == ty) {
            Some(j) => j,
            None => {
                awaiter_types.push(ty);
                awaiter_types.len() - 1
            }
        };
        let live: Vec<Reg> =
            live_in.get(resume.index()).map(|s| s.iter().filter(|r| *r != awaiter).collect()).unwrap_or_default();
        sites.push(Site { pc, resume, awaiter, awaiter_type: j, live, on_completed: info.on_completed });
    }
    // One field per register live across some await: parameters keep their
    // names (`<>4__this` for `this`), locals become `<name>5__k`, compiler
    // temporaries `<>s__k`. Its type: what the register holds at each await
    // where it is saved (and so restored), joined.
    let local_name = |r: Reg| orig.locals.iter().find(|(l, _)| *l == r).map(|(_, n)| n.clone());
    let mut reg_kinds: Vec<Kind> = vec![Kind::Unset; orig.nregs as usize];
    for site in &sites {
        let at = kinds.at(Pc(site.pc as u32));
        for &r in &site.live {
            let k = at.and_then(|s| s.get(r.index()).copied()).unwrap_or(Kind::ANY);
            reg_kinds[r.index()] = reg_kinds[r.index()].join(k);
        }
    }
    let mut reg_fields: Vec<Option<FieldSlot>> = vec![None; orig.nregs as usize];
    let mut hoisted = 0;
    for site in &sites {
        for &r in &site.live {
            if reg_fields[r.index()].is_some() {
                continue;
            }
            let name = match local_name(r) {
                _ if r.0 == 0 && !orig.flags.is_static => "<>4__this".to_string(),
                Some(n) if r.0 < orig.arity => n,
                Some(n) => {
                    hoisted += 1;
                    format!("<{n}>5__{hoisted}")
                }
                None => {
                    hoisted += 1;
                    format!("<>s__{hoisted}")
                }
            };
            reg_fields[r.index()] = Some(field(&mut class, name, reg_kinds[r.index()].slot_type()));
        }
    }
    let first_awaiter_field = class.fields.len();
    for (j, ty) in awaiter_types.iter().enumerate() {
        field(&mut class, format!("<>u__{}", j + 1), *ty);
    }
    let awaiter_field = |s: &Site| FieldSlot((first_awaiter_field + s.awaiter_type) as u16);
    let sm_class = program.add_class(class);

    // ---- MoveNext(params.., sm, builder) -------------------------------------
    // Its arguments land in R[0 .. arity+2]; the original code's registers
    // follow the parameters, so `sm` and `builder` move out of the way first.
    // Registers from `e` up are the generated code's own: the state machine,
    // the builder, then a value (a result, an exception) that follows the
    // builder in argument runs, then two scratch registers.
    let a = orig.arity;
    let e = orig.nregs.max(a + 2);
    let (sm, bld, val, t, u) = (Reg(e), Reg(e + 1), Reg(e + 2), Reg(e + 3), Reg(e + 4));
    let first_line = orig.lines.iter().copied().find(|l| *l != 0).unwrap_or(0);
    let last_line = orig.lines.iter().rev().copied().find(|l| *l != 0).unwrap_or(first_line);
    let bo = builder_owner(kind);
    let mut c = Code::default();

    c.emit(Instr::Move { dst: sm.dst(), src: Reg(a) }, first_line);
    c.emit(Instr::Move { dst: bld.dst(), src: Reg(a + 1) }, first_line);
    let to_body = c.emit(Instr::JumpIfNull { src: sm, target: Pc(0) }, first_line);
    // Resuming: dispatch on the state to the resume blocks.
    c.emit(Instr::GetField { dst: bld.dst(), obj: sm, field: builder_field, class: sm_class }, first_line);
    c.emit(Instr::GetField { dst: t.dst(), obj: sm, field: state, class: sm_class }, first_line);
    let mut dispatch = Vec::new();
    for k in 0..sites.len() {
        c.emit(Instr::LoadInt { dst: u.dst(), value: k as i32 }, first_line);
        c.emit(Instr::Eq { dst: val.dst(), a: t, b: u }, first_line);
        dispatch.push(c.emit(Instr::JumpIfTrue { cond: val, target: Pc(0) }, first_line));
    }
    let no_such_state = c.emit(Instr::Jump { target: Pc(0) }, first_line);
    let mut resume_jumps = Vec::new();
    for (s, &at) in sites.iter().zip(&dispatch) {
        let line = orig.lines[s.pc];
        c.patch(at, c.here());
        for r in &s.live {
            if let Some(f) = reg_fields[r.index()] {
                c.emit(Instr::GetField { dst: r.dst(), obj: sm, field: f, class: sm_class }, line);
            }
        }
        c.emit(Instr::GetField { dst: s.awaiter.dst(), obj: sm, field: awaiter_field(s), class: sm_class }, line);
        // Cleared, so that the state machine does not keep it alive (a
        // primitive awaiter holds no reference).
        if !awaiter_types[s.awaiter_type].is_primitive() {
            c.emit(Instr::LoadNull { dst: t.dst() }, line);
            c.emit(Instr::SetField { obj: sm, field: awaiter_field(s), src: t, class: sm_class }, line);
        }
        c.emit(Instr::LoadInt { dst: t.dst(), value: -1 }, line);
        c.emit(Instr::SetField { obj: sm, field: state, src: t, class: sm_class }, line);
        resume_jumps.push(c.emit(Instr::Jump { target: Pc(0) }, line));
    }

    // The body, moved by `shift` with its handler rows; awaits and returns
    // jump out of line.
    let shift = c.append_method(&orig, &mut program.await_sites);
    c.patch(to_body, Pc(shift));
    c.patch(no_such_state, Pc(shift));
    for (s, &at) in sites.iter().zip(&resume_jumps) {
        c.patch(at, Pc(s.resume.0 + shift));
    }
    let mut returns = Vec::new();
    for (pc, i) in c.code[shift as usize..].iter_mut().enumerate() {
        if matches!(i, Instr::Return { .. } | Instr::ReturnVoid {}) {
            returns.push((pc, *i));
        }
        if matches!(i, Instr::Await { .. } | Instr::Return { .. } | Instr::ReturnVoid {}) {
            *i = Instr::Jump { target: Pc(0) }; // patched below
        }
    }

    // Suspend blocks.
    let await_unsafe = native(bo, "AwaitUnsafeOnCompleted", 2);
    let await_safe = native(bo, "AwaitOnCompleted", 2);
    let initialize_task = native(bo, "InitializeTaskAsPromise", 0);
    for (k, s) in sites.iter().enumerate() {
        let line = orig.lines[s.pc];
        c.patch(shift as usize + s.pc, c.here());
        let boxed = c.emit(Instr::JumpIfNotNull { src: sm, target: Pc(0) }, line);
        c.emit(Instr::CallNative { dst: bld.dst(), native: initialize_task, args: Args::new(bld, 1) }, line);
        c.emit(Instr::NewObject { dst: sm.dst(), class: sm_class }, line);
        c.emit(Instr::SetField { obj: sm, field: builder_field, src: bld, class: sm_class }, line);
        c.patch(boxed, c.here());
        for r in &s.live {
            if let Some(f) = reg_fields[r.index()] {
                c.emit(Instr::SetField { obj: sm, field: f, src: *r, class: sm_class }, line);
            }
        }
        c.emit(Instr::LoadInt { dst: t.dst(), value: k as i32 }, line);
        c.emit(Instr::SetField { obj: sm, field: state, src: t, class: sm_class }, line);
        c.emit(Instr::SetField { obj: sm, field: awaiter_field(s), src: s.awaiter, class: sm_class }, line);
        // builder.Await..(awaiter, sm): the run (bld, val, t).
        c.emit(Instr::Move { dst: val.dst(), src: s.awaiter }, line);
        c.emit(Instr::Move { dst: t.dst(), src: sm }, line);
        let native = if s.on_completed.is_none_or(|o| o.critical) { await_unsafe } else { await_safe };
        c.emit(Instr::CallNative { dst: u.dst(), native, args: Args::new(bld, 3) }, line);
        // A user awaiter: awaiter.(Unsafe)OnCompleted(action), the run (t, u).
        if let Some(oc) = s.on_completed {
            c.emit(Instr::Move { dst: t.dst(), src: s.awaiter }, line);
            let args = Args::new(t, 2);
            let method = oc.method;
            let call = if oc.is_virtual {
                Instr::CallVirt { dst: Dst::DISCARD, method, args }
            } else {
                Instr::Call { dst: Dst::DISCARD, method, args }
            };
            c.emit(call, line);
        }
        c.emit(Instr::Return { src: bld }, line);
    }
    let protected_end = c.here();

    // Return blocks put the value in `val`, then the finish block.
    let mut to_finish = Vec::new();
    for (pc, i) in &returns {
        c.patch(shift as usize + pc, c.here());
        if let Instr::Return { src } = i {
            c.emit(Instr::Move { dst: val.dst(), src: *src }, orig.lines[*pc]);
        }
        to_finish.push(c.emit(Instr::Jump { target: Pc(0) }, orig.lines[*pc]));
    }
    for at in to_finish {
        c.patch(at, c.here());
    }
    let set_result = if kind.has_result() { native(bo, "SetResult", 1) } else { native(bo, "SetResult", 0) };
    let nargs = if kind.has_result() { 2 } else { 1 };
    let value_task = matches!(kind, AsyncReturn::ValueTask | AsyncReturn::ValueTaskOf);
    complete(&mut c, (sm, sm_class), state, t, bld, set_result, nargs, run_continuations, last_line, value_task);
    // The outer catch: the exception arrives in `val`.
    let catch = c.here();
    let set_exception = native(bo, "SetException", 1);
    complete(&mut c, (sm, sm_class), state, t, bld, set_exception, 2, run_continuations, last_line, value_task);

    // After the body's own rows (moved with it), which are inner; not
    // over the body's filters.
    c.protect(Pc(shift), protected_end, |start, end| Handler {
        start,
        end,
        target: catch,
        exception: val.dst(),
        kind: HandlerKind::Catch { class: exception },
    });

    let mut move_next = Method::new("MoveNext", sm_class, MethodFlags::default(), a + 2);
    move_next.nregs = e + 5;
    // Resumed, it gets null for the method's parameters (restored from
    // fields when live): they are `Any` here. The state machine, or null.
    move_next.param_types = vec![SlotType::Any; a as usize];
    move_next.param_types.extend([SlotType::Ref, SlotType::Any]);
    c.install(&mut move_next);
    move_next.locals = orig.locals.clone();
    move_next.locals.extend([(sm, "<>sm".to_string()), (bld, "<>t__builder".to_string())]);
    move_next.origin = Some(id);
    let move_next = program.add_method(move_next);

    // ---- IAsyncStateMachine.MoveNext(): how a runner resumes it ------------
    // Registers past the argument are null on entry, so only `this` moves.
    let mut resume = Method::new("IAsyncStateMachine.MoveNext", sm_class, MethodFlags::default(), 1);
    resume.param_types = vec![SlotType::Ref];
    resume.nregs = a + 3;
    resume.code = vec![
        Instr::Move { dst: Dst(a + 1), src: Reg(0) },
        Instr::Call { dst: Dst::DISCARD, method: move_next, args: Args::new(Reg(1), a as usize + 2) },
        Instr::ReturnVoid {},
    ];
    resume.lines = vec![first_line; resume.code.len()];
    let resume = program.add_method(resume);
    program.classes[sm_class.index()].itable.push((iface_move_next, resume));
    if let Some(slot) = program.method(runner_move_next).vslot
        && let Some(entry) = program.classes[sm_class.index()].vtable.get_mut(slot as usize)
    {
        *entry = resume;
    }

    // ---- the stub ----------------------------------------------------------------
    // Its parameters are already where MoveNext wants them: R[0..a], then the
    // (absent) state machine and the builder.
    let (rs, rb, rec, rsc) = (Reg(a), Reg(a + 1), Reg(a + 2), Reg(a + 3));
    let mut stub = vec![
        Instr::LoadNull { dst: rs.dst() },
        Instr::CallNative { dst: rb.dst(), native: native(bo, "Create", 0), args: Args::new(rb, 0) },
        // builder.Start(ref sm), inlined: save both contexts, run the first
        // MoveNext, restore them (what the method changed before it returned
        // or suspended does not leak to its caller). MoveNext catches every
        // exception, so no finally is needed. The same instructions as
        // async2's --capture-contexts.
        Instr::SaveContext { dst: rec.dst(), sync: false },
        Instr::SaveContext { dst: rsc.dst(), sync: true },
        Instr::Call { dst: rb.dst(), method: move_next, args: Args::new(Reg(0), a as usize + 2) },
        Instr::RestoreContexts { ec: Args::new(rec, 2) },
    ];
    if kind == AsyncReturn::Void {
        stub.push(Instr::ReturnVoid {});
    } else {
        stub.push(Instr::CallNative { dst: rs.dst(), native: native(bo, "get_Task", 0), args: Args::new(rb, 1) });
        stub.push(Instr::Return { src: rs });
    }
    let m = &mut program.methods[id.index()];
    m.lines = vec![first_line; stub.len()];
    m.code = stub;
    m.nregs = a + 4;
    m.handlers = Vec::new();
    // The stub returns the builder's task (its parameters are the method's).
    m.returns = kinds::task_slot_type(kind);
    m.locals = orig.locals.iter().filter(|(r, _)| r.0 < a).cloned().collect();
    m.locals.push((rb, "<>t__builder".into()));
}

/// The end of `MoveNext`: `state = -2` (if boxed), `builder.SetResult(value)`
/// or `SetException(e)` (the run `builder, value`), then, if the task has
/// continuations, `RunContinuations(task)`; returns the completed task (for
/// a `ValueTask` builder that made no task, the `ValueTask`).
#[allow(clippy::too_many_arguments)]
fn complete(
    c: &mut Code,
    (sm, sm_class): (Reg, ClassId),
    state: FieldSlot,
    t: Reg,
    bld: Reg,
    set: NativeId,
    nargs: usize,
    run_continuations: MethodId,
    line: u32,
    value_task: bool,
) {
    let unboxed = c.emit(Instr::JumpIfNull { src: sm, target: Pc(0) }, line);
    c.emit(Instr::LoadInt { dst: t.dst(), value: -2 }, line);
    c.emit(Instr::SetField { obj: sm, field: state, src: t, class: sm_class }, line);
    c.patch(unboxed, c.here());
    c.emit(Instr::CallNative { dst: t.dst(), native: set, args: Args::new(bld, nargs) }, line);
    // A `ValueTask` builder without a task returns the completed ValueTask,
    // which is its result (`true`, say), and nobody can be waiting on it.
    let no_task = value_task.then(|| c.emit(Instr::JumpIfNull { src: bld, target: Pc(0) }, line));
    let run = c.emit(Instr::JumpIfTrue { cond: t, target: Pc(0) }, line);
    if let Some(at) = no_task {
        c.patch(at, c.here());
    }
    c.emit(Instr::Return { src: t }, line);
    c.patch(run, c.here());
    c.emit(Instr::Call { dst: Dst::DISCARD, method: run_continuations, args: Args::new(bld, 1) }, line);
    c.emit(Instr::Return { src: bld }, line);
}
