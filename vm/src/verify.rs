//! The bytecode verifier: run once before a program runs.
//!
//! It proves what the interpreter relies on without checking at run time
//! (what its `unsafe` register and code accesses assume):
//! - every register operand is inside its method's window, and so is every
//!   register an instruction writes besides its `Dst` (`CallThunk`'s saved
//!   contexts in `R[dst+1]`, `R[dst+2]`);
//! - every jump, handler and `Await` resume pc lands inside the method, and
//!   no method can run off its end;
//! - every table index exists; every field slot is one of its class's
//!   fields (`GetField`/`SetField` name the class);
//! - every instruction that enters a frame (`Call`, `CallVirt`, `CallAsync`,
//!   `CallVirtAsync`, `CallThunk`) passes as many arguments as its target
//!   takes, no more than the target's registers, to a target with code;
//!   a virtual call may reach any override, so overrides, interface
//!   implementations and async2 bodies take what the method they stand for
//!   takes (the classes' checks);
//! - `Resume` names an async2 body, and each body's suspension points (where
//!   `Resume` puts the frame, which registers it restores and writes) lie
//!   inside it; each of its suspending instructions has its point.
//!
//! A failure is a compiler or backend bug, reported with the method and pc.

use crate::bytecode::{Dst, HandlerKind, Instr, MethodId, Operand, Pc};
use crate::program::{Async2Role, ClassKind, Method, Program};

#[derive(Debug, thiserror::Error)]
#[error("invalid bytecode in {method} at {pc}: {problem}")]
pub struct VerifyError {
    pub method: String,
    pub pc: Pc,
    pub problem: String,
}

pub fn verify(program: &Program) -> Result<(), VerifyError> {
    if program.entry.index() >= program.methods.len() {
        return Err(VerifyError { method: "<program>".into(), pc: Pc(0), problem: "no entry point".into() });
    }
    verify_classes(program)?;
    for mi in 0..program.methods.len() {
        verify_method(program, MethodId(mi as u32))?;
    }
    Ok(())
}

/// What virtual dispatch relies on: whatever override a `CallVirt` of a
/// method reaches takes as many arguments as that method, and has code.
fn verify_classes(program: &Program) -> Result<(), VerifyError> {
    let fail = |class: &crate::program::Class, problem: String| VerifyError {
        method: format!("<class {}>", class.full_name()),
        pc: Pc(0),
        problem,
    };
    let arity = |m: MethodId| program.methods.get(m.index()).map(|m| m.arity);
    for class in &program.classes {
        let entries = class.vtable.iter().chain(class.itable.iter().flat_map(|(d, i)| [d, i]));
        if let Some(m) = entries.copied().find(|m| m.index() >= program.methods.len()) {
            return Err(fail(class, format!("unknown method {m} in its tables")));
        }
        if let Some(base) = class.base {
            let Some(b) = program.classes.get(base.index()) else {
                return Err(fail(class, format!("unknown base class {base}")));
            };
            // A slot past a class's vtable dispatches to the method named
            // (which takes what the call passes): a shorter vtable is fine.
            if class.kind != ClassKind::Interface {
                for (slot, (&m, &bm)) in class.vtable.iter().zip(&b.vtable).enumerate() {
                    if arity(m) != arity(bm) {
                        let problem =
                            format!("vtable[{slot}] takes {:?} arguments, the base's {:?}", arity(m), arity(bm));
                        return Err(fail(class, problem));
                    }
                }
            }
        }
        for &(decl, imp) in &class.itable {
            if arity(decl) != arity(imp) {
                let problem = format!("{imp} implements {decl} with {:?} arguments for {:?}", arity(imp), arity(decl));
                return Err(fail(class, problem));
            }
        }
        let concrete = !class.is_abstract && matches!(class.kind, ClassKind::Class | ClassKind::Struct);
        let mut entered = class.vtable.iter().chain(class.itable.iter().map(|(_, i)| i)).copied();
        if concrete && let Some(m) = entered.find(|&m| program.method(m).code.is_empty()) {
            return Err(fail(class, format!("{} has no code but a call may reach it", program.method_display_name(m))));
        }
    }
    for (mi, m) in program.methods.iter().enumerate() {
        let Some(class) = program.classes.get(m.class.index()) else { continue };
        if let Some(slot) = m.vslot
            && class.kind != ClassKind::Interface
            && class.vtable.get(slot as usize).map(|&v| arity(v)) != Some(Some(m.arity))
        {
            let problem = format!("method m{mi} has vtable slot {slot}, which does not take {} arguments", m.arity);
            return Err(fail(class, problem));
        }
    }
    Ok(())
}

/// Checks one method (or code version) of `program`.
pub fn verify_method(program: &Program, id: MethodId) -> Result<(), VerifyError> {
    let m = program.method(id);
    let name = || program.method_display_name(id);
    let fail = |pc: usize, problem: String| VerifyError { method: name(), pc: Pc(pc as u32), problem };
    if m.class.index() >= program.classes.len() {
        return Err(fail(0, format!("unknown class {}", m.class)));
    }
    verify_role(program, m).map_err(|problem| fail(0, problem))?;
    if m.code.is_empty() {
        return Ok(()); // abstract or interface method: never entered
    }
    if m.nregs < m.arity {
        return Err(fail(0, format!("{} registers for {} parameters", m.nregs, m.arity)));
    }
    if m.lines.len() != m.code.len() {
        return Err(fail(0, format!("{} line entries for {} instructions", m.lines.len(), m.code.len())));
    }
    let nregs = m.nregs as usize;
    let ncode = m.code.len();
    for (pc, instr) in m.code.iter().enumerate() {
        // Only calls may discard their result (their frame's return
        // register says where the value goes).
        let may_discard = matches!(
            instr,
            Instr::Call { .. } | Instr::CallVirt { .. } | Instr::CallGuarded { .. } | Instr::CallDelegate { .. }
        );
        for (_, op) in instr.operands() {
            let ok = match op {
                Operand::Reg(r) => r.index() < nregs,
                Operand::Dst(d) => (may_discard && d == Dst::DISCARD) || (d.0 as usize) < nregs,
                Operand::Args(a) => a.count == 0 || a.base as usize + a.count as usize <= nregs,
                Operand::Pc(p) => p.index() < ncode,
                Operand::Const(k) => k.index() < program.consts.len(),
                Operand::Method(x) => x.index() < program.methods.len(),
                Operand::Class(c) => c.index() < program.classes.len(),
                Operand::Static(s) => s.index() < program.statics.len(),
                Operand::Native(n) => n.index() < crate::native::NATIVES.len(),
                Operand::Site(a) => a.index() < program.await_sites.len(),
                // Checked against its class below.
                Operand::Field(_) | Operand::Imm(_) | Operand::Bool(_) | Operand::Conv(_) => true,
            };
            if !ok {
                return Err(fail(pc, format!("operand {op:?} out of range in {instr:?}")));
            }
        }
        verify_instr(program, m, instr).map_err(|problem| fail(pc, problem))?;
        let suspends = matches!(
            instr,
            Instr::Await { .. } | Instr::AwaitTask { .. } | Instr::CallAsync { .. } | Instr::CallVirtAsync { .. }
        );
        if suspends
            && let Some(points) = m.suspension_points()
            && !points.iter().any(|p| p.at.index() == pc)
        {
            return Err(fail(pc, format!("{:?} has no suspension point", instr.opcode())));
        }
    }
    let last = m.code[ncode - 1];
    if last.falls_through() {
        return Err(fail(ncode - 1, format!("the method can run off its end ({:?})", last.opcode())));
    }
    for h in &m.handlers {
        let in_code = |p: Pc| p.index() <= ncode;
        let filter_ok = match h.kind {
            HandlerKind::Filter { filter, .. } => filter.index() < ncode,
            _ => true,
        };
        if !(in_code(h.start) && in_code(h.end) && h.target.index() < ncode && filter_ok && h.start <= h.end)
            || h.exception.0 as usize >= nregs
        {
            return Err(fail(h.start.index(), format!("bad handler {h:?}")));
        }
    }
    for (state, p) in m.suspension_points().unwrap_or_default().iter().enumerate() {
        let regs_ok = p.saved().all(|r| r.index() < nregs) && p.result.is_none_or(|d| (d.0 as usize) < nregs);
        if p.at.index() >= ncode || p.resume.index() >= ncode || !regs_ok {
            return Err(fail(p.at.index(), format!("suspension point {state} out of range: {p:?}")));
        }
        // Data holds raw primitives; a register is kept once.
        let mut seen = crate::liveness::RegSet::new(nregs);
        for r in p.saved() {
            if seen.contains(r) {
                return Err(fail(p.at.index(), format!("suspension point {state} keeps {r} twice: {p:?}")));
            }
            seen.insert(r);
        }
        if let Some((r, t)) = p.data.iter().find(|(_, t)| !t.is_primitive()) {
            return Err(fail(p.at.index(), format!("suspension point {state} has {r}: {t:?} in its Data: {p:?}")));
        }
    }
    Ok(())
}

/// One instruction's checks beyond its operands' ranges (which hold).
fn verify_instr(program: &Program, m: &Method, instr: &Instr) -> Result<(), String> {
    let nregs = m.nregs as usize;
    if let Some((method, args)) = instr.frame_entry() {
        let callee = program.method(method);
        if callee.arity != args.count {
            return Err(format!("{} arguments for {} parameters", args.count, callee.arity));
        }
        // A virtual call enters the override; every other call this method.
        let is_virtual = matches!(instr, Instr::CallVirt { .. } | Instr::CallVirtAsync { .. });
        if !is_virtual && callee.code.is_empty() {
            return Err(format!("a call of {}, which has no code", program.method_display_name(method)));
        }
        if !callee.code.is_empty() && args.count > callee.nregs {
            return Err(format!("{} arguments for the {} registers of {}", args.count, callee.nregs, callee.name));
        }
    }
    match *instr {
        Instr::CallAsync { method, .. } | Instr::CallThunk { method, .. } if !is_async2_body(program, method) => {
            Err(format!("{:?} of {}, which is not an async2 body", instr.opcode(), program.method_display_name(method)))
        }
        Instr::CallThunk { dst, .. } if dst.0 as usize + 2 >= nregs => {
            let (ec, sc) = (dst.0 + 1, dst.0 + 2);
            Err(format!("CallThunk saves the contexts in r{ec} and r{sc}, past the {nregs} registers"))
        }
        Instr::Resume { method, .. } if !is_async2_body(program, method) => {
            Err(format!("Resume of {}, which is not an async2 body", program.method_display_name(method)))
        }
        Instr::GetField { field, class, .. } | Instr::SetField { field, class, .. }
            if field.index() >= program.class(class).fields.len() =>
        {
            let c = program.class(class);
            Err(format!("field slot {field} of {}, which has {} fields", c.full_name(), c.fields.len()))
        }
        Instr::Await { site, .. } | Instr::AwaitTask { site, .. } => {
            // The pcs the site records for the backends are this method's.
            let s = &program.await_sites[site.index()];
            // A version's sites are its tier0 method's (tier0 pcs).
            let len = m.version.as_ref().map_or(m.code.len(), |v| program.method(v.of).code.len());
            let pcs_ok = s.get_awaiter.index() < len && s.call.is_none_or(|c| c.index() < len);
            if pcs_ok { Ok(()) } else { Err(format!("await site {site} records pcs past the code: {s:?}")) }
        }
        // Its fallback dispatches by the method's vtable slot.
        Instr::CallGuarded { method, .. }
            if program.method(method).vslot.is_none()
                || program.class(program.method(method).class).kind == ClassKind::Interface =>
        {
            Err(format!("CallGuarded of {}, which has no vtable slot", program.method_display_name(method)))
        }
        Instr::CallDelegate { args, .. } if args.count == 0 => Err("a delegate call without the delegate".into()),
        Instr::CallNative { args, native, .. } => {
            let def = crate::native::def(native);
            let want = def.params.len() + usize::from(!def.is_static);
            if args.count as usize != want || args.count > 8 {
                return Err(format!("{} arguments for native {}.{}", args.count, def.owner, def.name));
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

fn is_async2_body(program: &Program, m: MethodId) -> bool {
    matches!(program.method(m).async2.as_deref(), Some(Async2Role::Body { .. }))
}

/// What the async2 roles promise each other: a thunk's body takes what the
/// thunk takes (a virtual awaited call enters it in the thunk's place), and
/// the ids the roles name are bodies, thunks and resume stubs.
fn verify_role(program: &Program, m: &Method) -> Result<(), String> {
    let role = |id: MethodId| program.methods.get(id.index()).and_then(|b| b.async2.as_deref());
    match m.async2.as_deref() {
        Some(Async2Role::Thunk { body }) => match program.methods.get(body.index()) {
            Some(b) if is_async2_body(program, *body) && b.arity == m.arity && !b.code.is_empty() => Ok(()),
            _ => Err(format!("the thunk's body {body} is not an async2 body taking {} arguments", m.arity)),
        },
        Some(Async2Role::Body { thunk, resume_stub, .. }) => match (role(*thunk), role(*resume_stub)) {
            (Some(Async2Role::Thunk { .. }), Some(Async2Role::ResumeStub { .. })) => Ok(()),
            _ => Err(format!("the body's thunk {thunk} or resume stub {resume_stub} is not one")),
        },
        Some(Async2Role::ResumeStub { body }) if !is_async2_body(program, *body) => {
            Err(format!("the resume stub's body {body} is not an async2 body"))
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bytecode::{Args, AwaitSiteId, ClassId, FieldSlot, MethodId, Reg};
    use crate::program::{AsyncReturn, AwaitSite, BuiltinClass, Class, Field, MethodFlags, SuspensionPoint};

    const STATIC: MethodFlags = MethodFlags {
        is_static: true,
        is_virtual: false,
        is_abstract: false,
        is_constructor: false,
        is_async: None,
        backend: None,
        configure_await_false: false,
        returns_value_task: false,
    };

    /// A program whose entry point `Main` (method 0, 4 registers) runs `code`.
    fn program(code: Vec<Instr>) -> Program {
        let mut p = Program::new("t.toy");
        let class = p.add_class(Class::new("Program", "", ClassKind::Class));
        p.entry = p.add_method(method(class, 0, 4, code));
        p
    }

    fn method(class: ClassId, arity: u16, nregs: u16, code: Vec<Instr>) -> Method {
        let mut m = Method::new("M", class, STATIC, arity);
        m.nregs = nregs;
        m.lines = vec![1; code.len()];
        m.code = code;
        m
    }

    fn class_of(p: &Program) -> ClassId {
        p.method(p.entry).class
    }

    /// Adds `body` as an async2 body (with its thunk and resume stub); gives its id.
    fn add_async2(p: &mut Program, mut body: Method, points: Vec<SuspensionPoint>) -> MethodId {
        let class = body.class;
        let ids = p.methods.len() as u32;
        let (thunk, body_id, stub) = (MethodId(ids), MethodId(ids + 1), MethodId(ids + 2));
        let a = body.arity;
        let mut t = method(
            class,
            a,
            a + 3,
            vec![
                Instr::CallThunk { dst: Dst(a), method: body_id, args: Args::new(Reg(0), a as usize) },
                Instr::Return { src: Reg(a) },
            ],
        );
        t.flags.is_async = Some(AsyncReturn::Task);
        t.async2 = Some(Box::new(Async2Role::Thunk { body: body_id }));
        body.async2 = Some(Box::new(Async2Role::Body {
            thunk,
            resume_stub: stub,
            room: crate::program::continuation_room(&points),
            points,
        }));
        let mut s = method(class, 1, 1, vec![Instr::Resume { method: body_id, cont: Reg(0) }]);
        s.async2 = Some(Box::new(Async2Role::ResumeStub { body: body_id }));
        p.methods.extend([t, body, s]);
        body_id
    }

    fn point(at: u32, resume: u32, result: Option<Dst>, live: Vec<Reg>) -> SuspensionPoint {
        SuspensionPoint { at: Pc(at), resume: Pc(resume), result, data: Vec::new(), gc: live, has_handler: false }
    }

    #[track_caller]
    fn rejected(p: &Program, what: &str) {
        match verify(p) {
            Ok(()) => panic!("accepted; expected an error about {what:?}"),
            Err(e) => assert!(e.to_string().contains(what), "{e} (expected {what:?})"),
        }
    }

    fn site(p: &mut Program, get_awaiter: u32, call: Option<u32>) -> AwaitSiteId {
        p.add_await_site(AwaitSite {
            awaiter_type: "TaskAwaiter".into(),
            on_completed: None,
            call: call.map(Pc),
            get_awaiter: Pc(get_awaiter),
            awaitable: Reg(0),
            awaiter: Reg(1),
            result: Dst(2),
            library: true,
            value_task: false,
        })
    }

    #[test]
    fn a_good_program_verifies() {
        let mut p = program(vec![Instr::ReturnVoid {}]);
        let c = class_of(&p);
        let body = method(
            c,
            1,
            3,
            vec![
                Instr::AwaitTask { dst: Dst(1), awaitable: Reg(0), site: AwaitSiteId(0) },
                Instr::Jump { target: Pc(2) },
                Instr::Return { src: Reg(1) },
            ],
        );
        site(&mut p, 0, None);
        add_async2(&mut p, body, vec![point(0, 1, Some(Dst(1)), vec![])]);
        verify(&p).expect("verifies");
    }

    #[test]
    fn a_call_passes_as_many_arguments_as_its_target_takes() {
        let mut p = program(vec![]);
        let c = class_of(&p);
        let callee = p.add_method(method(c, 2, 2, vec![Instr::ReturnVoid {}]));
        p.methods[0] = method(
            c,
            0,
            4,
            vec![Instr::CallAsync { dst: Dst(0), method: callee, args: Args::new(Reg(1), 1) }, Instr::ReturnVoid {}],
        );
        rejected(&p, "1 arguments for 2 parameters");
    }

    #[test]
    fn a_call_passes_no_more_than_its_target_s_registers() {
        let mut p = program(vec![]);
        let c = class_of(&p);
        let callee = p.add_method(method(c, 2, 1, vec![Instr::ReturnVoid {}]));
        p.methods[0] = method(
            c,
            0,
            4,
            vec![Instr::Call { dst: Dst(0), method: callee, args: Args::new(Reg(1), 2) }, Instr::ReturnVoid {}],
        );
        rejected(&p, "2 arguments for the 1 registers");
    }

    #[test]
    fn a_direct_call_reaches_code() {
        let mut p = program(vec![]);
        let c = class_of(&p);
        let callee = p.add_method(method(c, 0, 0, vec![]));
        p.methods[0] = method(
            c,
            0,
            4,
            vec![Instr::Call { dst: Dst(0), method: callee, args: Args::new(Reg(0), 0) }, Instr::ReturnVoid {}],
        );
        rejected(&p, "which has no code");
    }

    #[test]
    fn an_override_takes_what_the_method_it_overrides_takes() {
        let mut p = program(vec![Instr::ReturnVoid {}]);
        let c = class_of(&p);
        let base_m = p.add_method(method(c, 1, 1, vec![Instr::ReturnVoid {}]));
        let over = p.add_method(method(c, 2, 2, vec![Instr::ReturnVoid {}]));
        p.classes[c.index()].vtable = vec![base_m];
        let mut derived = Class::new("Derived", "", ClassKind::Class);
        derived.base = Some(c);
        derived.vtable = vec![over];
        p.add_class(derived);
        rejected(&p, "vtable[0] takes Some(2) arguments, the base's Some(1)");
    }

    #[test]
    fn an_interface_method_is_implemented_with_its_arity() {
        let mut p = program(vec![Instr::ReturnVoid {}]);
        let c = class_of(&p);
        let decl = p.add_method(method(c, 1, 1, vec![]));
        let imp = p.add_method(method(c, 2, 2, vec![Instr::ReturnVoid {}]));
        p.classes[c.index()].itable = vec![(decl, imp)];
        rejected(&p, "implements");
    }

    #[test]
    fn a_thunk_s_body_takes_what_the_thunk_takes() {
        let mut p = program(vec![Instr::ReturnVoid {}]);
        let c = class_of(&p);
        let body = add_async2(&mut p, method(c, 1, 1, vec![Instr::ReturnVoid {}]), vec![]);
        p.methods[body.index()].arity = 0;
        rejected(&p, "is not an async2 body taking 1 arguments");
    }

    #[test]
    fn call_thunk_saves_the_contexts_inside_the_window() {
        let mut p = program(vec![Instr::ReturnVoid {}]);
        let c = class_of(&p);
        let body = add_async2(&mut p, method(c, 1, 1, vec![Instr::ReturnVoid {}]), vec![]);
        let thunk = MethodId(body.0 - 1);
        p.methods[thunk.index()].nregs = 3; // CallThunk r1 writes r2 and r3
        rejected(&p, "CallThunk saves the contexts in r2 and r3, past the 3 registers");
    }

    #[test]
    fn call_async_enters_an_async2_body() {
        let mut p = program(vec![]);
        let c = class_of(&p);
        let plain = p.add_method(method(c, 0, 1, vec![Instr::ReturnVoid {}]));
        p.methods[0] = method(
            c,
            0,
            4,
            vec![Instr::CallAsync { dst: Dst(0), method: plain, args: Args::new(Reg(0), 0) }, Instr::ReturnVoid {}],
        );
        rejected(&p, "which is not an async2 body");
    }

    #[test]
    fn resume_enters_an_async2_body() {
        let mut p = program(vec![]);
        let c = class_of(&p);
        let plain = p.add_method(method(c, 0, 1, vec![Instr::ReturnVoid {}]));
        p.methods[0] = method(c, 1, 4, vec![Instr::Resume { method: plain, cont: Reg(0) }]);
        rejected(&p, "Resume of");
    }

    /// A body suspending at `AwaitTask` (pc 0), resuming at its Jump (pc 1).
    fn body_with_point(p: &mut Program, point: SuspensionPoint) {
        let c = class_of(p);
        site(p, 0, None);
        let body = method(
            c,
            1,
            3,
            vec![
                Instr::AwaitTask { dst: Dst(1), awaitable: Reg(0), site: AwaitSiteId(0) },
                Instr::Jump { target: Pc(2) },
                Instr::Return { src: Reg(1) },
            ],
        );
        add_async2(p, body, vec![point]);
    }

    #[test]
    fn a_suspension_point_resumes_inside_the_code() {
        let mut p = program(vec![Instr::ReturnVoid {}]);
        body_with_point(&mut p, point(0, 3, Some(Dst(1)), vec![]));
        rejected(&p, "suspension point 0 out of range");
    }

    #[test]
    fn a_suspension_points_data_holds_primitives_only_and_each_register_once() {
        let mut p = program(vec![Instr::ReturnVoid {}]);
        let mut pt = point(0, 1, Some(Dst(1)), vec![]);
        pt.data = vec![(Reg(2), crate::program::SlotType::Int)];
        body_with_point(&mut p, pt.clone());
        if let Err(e) = verify(&p) {
            panic!("{e}");
        }
        let mut p = program(vec![Instr::ReturnVoid {}]);
        let mut bad = pt.clone();
        bad.data = vec![(Reg(2), crate::program::SlotType::Ref)];
        body_with_point(&mut p, bad);
        rejected(&p, "in its Data");
        let mut p = program(vec![Instr::ReturnVoid {}]);
        let mut twice = pt;
        twice.gc = vec![Reg(2)];
        body_with_point(&mut p, twice);
        rejected(&p, "twice");
    }

    #[test]
    fn a_suspension_point_restores_registers_of_the_window() {
        let mut p = program(vec![Instr::ReturnVoid {}]);
        body_with_point(&mut p, point(0, 1, Some(Dst(1)), vec![Reg(3)]));
        rejected(&p, "suspension point 0 out of range");
    }

    #[test]
    fn a_suspension_point_writes_its_result_inside_the_window() {
        let mut p = program(vec![Instr::ReturnVoid {}]);
        body_with_point(&mut p, point(0, 1, Some(Dst(7)), vec![]));
        rejected(&p, "suspension point 0 out of range");
    }

    #[test]
    fn every_suspending_instruction_of_a_body_has_its_point() {
        let mut p = program(vec![Instr::ReturnVoid {}]);
        body_with_point(&mut p, point(2, 1, Some(Dst(1)), vec![]));
        rejected(&p, "AwaitTask has no suspension point");
    }

    #[test]
    fn await_resumes_inside_the_code() {
        let mut p = program(vec![]);
        let s = site(&mut p, 0, None);
        p.methods[0].code = vec![Instr::Await { awaiter: Reg(1), site: s, resume: Pc(9) }, Instr::ReturnVoid {}];
        p.methods[0].lines = vec![1, 1];
        rejected(&p, "out of range in Await");
    }

    #[test]
    fn an_await_site_records_pcs_of_its_method() {
        let mut p = program(vec![]);
        let s = site(&mut p, 0, Some(5));
        p.methods[0].code = vec![Instr::Await { awaiter: Reg(1), site: s, resume: Pc(1) }, Instr::ReturnVoid {}];
        p.methods[0].lines = vec![1, 1];
        rejected(&p, "records pcs past the code");
    }

    #[test]
    fn get_field_reads_a_field_of_its_class() {
        let mut p = program(vec![]);
        let strong_box = BuiltinClass::StrongBox.id();
        let get = Instr::GetField { dst: Dst(0), obj: Reg(1), field: FieldSlot(1), class: strong_box };
        p.methods[0].code = vec![get, Instr::ReturnVoid {}];
        p.methods[0].lines = vec![1, 1];
        rejected(&p, "field slot f1 of System.Runtime.CompilerServices.StrongBox`1, which has 1 fields");
    }

    #[test]
    fn set_field_writes_a_field_of_its_class() {
        let mut p = program(vec![]);
        let c = class_of(&p);
        p.classes[c.index()].fields.push(Field {
            name: "x".into(),
            ty: Default::default(),
            default: Default::default(),
        });
        let set = Instr::SetField { obj: Reg(1), field: FieldSlot(1), src: Reg(0), class: c };
        p.methods[0].code = vec![set, Instr::ReturnVoid {}];
        p.methods[0].lines = vec![1, 1];
        rejected(&p, "field slot f1 of Program, which has 1 fields");
    }

    #[test]
    fn a_concrete_class_reaches_only_methods_with_code() {
        let mut p = program(vec![Instr::ReturnVoid {}]);
        let c = class_of(&p);
        let abstract_m = p.add_method(method(c, 1, 1, vec![]));
        p.classes[c.index()].vtable = vec![abstract_m];
        rejected(&p, "has no code but a call may reach it");
    }
}
