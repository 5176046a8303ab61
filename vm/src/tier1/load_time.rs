//! A temporary switch for measuring the specializing passes before the
//! tier machinery calls them: with `TOY_TIER1_ALL=1` in the environment,
//! `vm::run` rewrites every method with them before the program runs.
//! Nothing has run yet, so the type feedback is made up: every virtual
//! call as if it had seen only its method's declaring class
//! ([`Feedback::declaring_classes`]), so that guarded calls are made and
//! their guards both pass and fail. The integrator removes it.

use super::{Body, Feedback, Pass, PassCx};
use crate::bytecode::{MethodId, Pc};
use crate::program::Program;

/// The one-for-one passes, in the order the pipeline runs them.
pub const PASSES: &[(&str, Pass)] = &[
    ("specialize", super::specialize::run),
    ("guarded-calls", super::guarded_calls::run),
    ("superinstructions", super::superinstructions::run),
];

/// Whether `TOY_TIER1_ALL` asks for it.
pub fn requested() -> bool {
    std::env::var_os("TOY_TIER1_ALL").is_some_and(|v| v != "0")
}

/// Rewrites every method of `program` with [`PASSES`].
pub fn apply_all(program: &mut Program, feedback: &Feedback) {
    for id in 0..program.methods.len() {
        let tier0 = &program.methods[id];
        if tier0.code.is_empty() {
            continue;
        }
        let kinds = crate::kinds::infer(program, tier0);
        let mut entries = vec![Pc(0)];
        if let Some(points) = tier0.suspension_points() {
            entries.extend(points.iter().map(|p| p.resume));
        }
        let mut body = Body {
            code: tier0.code.clone(),
            lines: tier0.lines.clone(),
            handlers: tier0.handlers.clone(),
            nregs: tier0.nregs,
            entries,
            pc_map: (0..=tier0.code.len() as u32).collect(),
        };
        let cx = PassCx { program, method: MethodId(id as u32), tier0, kinds: &kinds, feedback };
        for (_, pass) in PASSES {
            pass(&cx, &mut body);
        }
        debug_assert_eq!(body.code.len(), program.methods[id].code.len(), "the passes rewrite one for one");
        program.methods[id].code = body.code;
    }
}
