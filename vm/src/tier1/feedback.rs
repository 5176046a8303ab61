//! Type feedback tier0 records for tier1's passes: per `CallVirt` site,
//! the receiver classes seen (none yet, one, or several).
//!
//! ```text
//!   calls[method][pc] = 0          no call seen
//!                     = class + 1  every receiver so far of that class
//!                     = POLY       receivers of two classes or more
//! ```
//! A table per method, as long as its code, made only for methods with a
//! `CallVirt`; recording is an index and a compare. Only tier0 methods have
//! tables (a method id past them, a tier1 version's, records nothing).

use crate::bytecode::{ClassId, Instr, MethodId};
use crate::program::Program;

/// A site seen with receivers of two classes or more.
const POLY: u32 = u32::MAX;

/// What a call site saw.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CallSite {
    Unseen,
    /// Every receiver so far was of this class.
    Mono(ClassId),
    Poly,
}

/// What tier0 frames observed while they ran, per method.
#[derive(Clone, Debug, Default)]
pub struct Feedback {
    calls: Vec<Vec<u32>>,
}

impl Feedback {
    /// Empty feedback for `program`'s methods.
    pub fn new(program: &Program) -> Feedback {
        let calls = program
            .methods
            .iter()
            .map(|m| {
                if m.code.iter().any(|i| matches!(i, Instr::CallVirt { .. })) {
                    vec![0; m.code.len()]
                } else {
                    Vec::new()
                }
            })
            .collect();
        Feedback { calls }
    }

    /// Records that the `CallVirt` at `pc` of `method` ran on a receiver of
    /// `class`.
    #[inline]
    pub fn record_call(&mut self, method: MethodId, pc: usize, class: ClassId) {
        if let Some(slot) = self.calls.get_mut(method.index()).and_then(|t| t.get_mut(pc)) {
            let seen = class.0.saturating_add(1);
            if *slot != seen {
                *slot = if *slot == 0 { seen } else { POLY };
            }
        }
    }

    /// What the call site at `pc` of `method` saw.
    pub fn call_site(&self, method: MethodId, pc: usize) -> CallSite {
        match self.calls.get(method.index()).and_then(|t| t.get(pc)).copied() {
            None | Some(0) => CallSite::Unseen,
            Some(POLY) => CallSite::Poly,
            Some(c) => CallSite::Mono(ClassId(c - 1)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_site_goes_from_unseen_to_mono_to_poly() {
        let mut program = Program::new("t.toy");
        let mut m = crate::program::Method::new("M", ClassId(0), crate::program::MethodFlags::default(), 0);
        m.code = vec![
            Instr::CallVirt { dst: crate::bytecode::Dst(0), method: MethodId(0), args: Default::default() },
            Instr::ReturnVoid {},
        ];
        let id = program.add_method(m);
        let mut f = Feedback::new(&program);
        assert_eq!(f.call_site(id, 0), CallSite::Unseen);
        f.record_call(id, 0, ClassId(3));
        f.record_call(id, 0, ClassId(3));
        assert_eq!(f.call_site(id, 0), CallSite::Mono(ClassId(3)));
        f.record_call(id, 0, ClassId(4));
        assert_eq!(f.call_site(id, 0), CallSite::Poly);
        f.record_call(id, 0, ClassId(3));
        assert_eq!(f.call_site(id, 0), CallSite::Poly);
        // Another method's id (a version's) records nothing.
        f.record_call(MethodId(99), 0, ClassId(3));
        assert_eq!(f.call_site(MethodId(99), 0), CallSite::Unseen);
    }
}
