//! The bytecode verifier: run once before a program runs.
//!
//! It proves what the interpreter relies on without checking at run time:
//! every register operand is inside its method's window, every jump and
//! handler lands inside the method, every table index exists, calls pass as
//! many arguments as their target takes, and no method can run off its end.
//! A failure is a compiler bug, reported with the method and pc.

use crate::bytecode::{Dst, HandlerKind, Instr, Operand, Pc};
use crate::program::Program;

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
    for (mi, m) in program.methods.iter().enumerate() {
        let fail = |pc: usize, problem: String| VerifyError {
            method: program.method_display_name(crate::bytecode::MethodId(mi as u32)),
            pc: Pc(pc as u32),
            problem,
        };
        if m.class.index() >= program.classes.len() {
            return Err(fail(0, format!("unknown class {}", m.class)));
        }
        if m.code.is_empty() {
            continue; // abstract or interface method: never entered
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
            let may_discard = matches!(instr, Instr::Call { .. } | Instr::CallVirt { .. } | Instr::CallDelegate { .. });
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
                    Operand::Field(_) | Operand::Imm(_) | Operand::Bool(_) | Operand::Conv(_) => true,
                };
                if !ok {
                    return Err(fail(pc, format!("operand {op:?} out of range in {instr:?}")));
                }
            }
            if let Instr::Call { args, method, .. } | Instr::CallVirt { args, method, .. } = instr {
                let callee = program.method(*method);
                if callee.arity != args.count {
                    return Err(fail(pc, format!("{} arguments for {} parameters", args.count, callee.arity)));
                }
            }
            if let Instr::CallDelegate { args, .. } = instr
                && args.count == 0
            {
                return Err(fail(pc, "a delegate call without the delegate".into()));
            }
            if let Instr::CallNative { args, native, .. } = instr {
                let def = crate::native::def(*native);
                let want = def.params.len() + usize::from(!def.is_static);
                if args.count as usize != want || args.count > 8 {
                    return Err(fail(pc, format!("{} arguments for native {}.{}", args.count, def.owner, def.name)));
                }
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
    }
    Ok(())
}
