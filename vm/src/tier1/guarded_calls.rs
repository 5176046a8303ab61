//! Monomorphic virtual calls turned into guarded direct calls, from the
//! type feedback tier0 recorded.
//!
//! ```text
//!   CallVirt d, m, args   where the site saw only receivers of class C,
//!                         m resolved on C is T, T declared by C itself,
//!                         m a class's virtual method (a vtable slot)
//!     -> CallGuarded d, T, args
//! ```
//! `CallGuarded` enters T at once when the receiver's class is T's class,
//! else it dispatches by T's vtable slot, which is m's: a receiver of
//! another class (a subclass, or a site that turns polymorphic later)
//! still reaches its override. The frame is T's either way, so stack
//! traces are the virtual call's. Interface calls are left alone (their
//! dispatch goes by the interface method, which the instruction has no
//! room for beside T).

use super::feedback::CallSite;
use super::{Body, PassCx};
use crate::bytecode::Instr;
use crate::program::ClassKind;

/// The pass (see the module docs).
pub fn run(cx: &PassCx<'_>, body: &mut Body) {
    let program = cx.program;
    for (pc, instr) in body.code.iter_mut().enumerate() {
        let Instr::CallVirt { dst, method, args } = *instr else { continue };
        let CallSite::Mono(class) = cx.feedback.call_site(cx.method, pc) else { continue };
        let (Some(m), Some(c)) = (program.methods.get(method.index()), program.classes.get(class.index())) else {
            continue;
        };
        let Some(slot) = m.vslot else { continue };
        if program.class(m.class).kind == ClassKind::Interface {
            continue;
        }
        let Some(&target) = c.vtable.get(slot as usize) else { continue };
        let t = program.method(target);
        if t.class != class || t.vslot != Some(slot) || t.code.is_empty() || t.arity != m.arity {
            continue;
        }
        *instr = Instr::CallGuarded { dst, method: target, args };
    }
}
