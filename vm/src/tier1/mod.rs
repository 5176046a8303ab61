//! Tier1's passes over tier0's bytecode.
//!
//! A minimal stand-in for the tier machinery's module (helper T's
//! `tier1/mod.rs` owns the pipeline, the versions and OSR): the pass
//! interface ([`Body`], [`PassCx`], [`Pass`]) as T published it, so that
//! the specializing passes compile and can be measured on their own
//! ([`load_time`]: every method rewritten at load time under
//! `TOY_TIER1_ALL=1`).

pub mod feedback;
pub mod guarded_calls;
pub mod load_time;
pub mod specialize;
pub mod superinstructions;

use crate::bytecode::{Handler, Instr, MethodId, Pc};
use crate::kinds::Kinds;
use crate::program::{Method, Program};
pub use feedback::Feedback;

/// A method's code while tier1 rewrites it: at first a copy of the tier0
/// method's.
#[derive(Clone, Debug)]
pub struct Body {
    pub code: Vec<Instr>,
    /// The source line of each instruction.
    pub lines: Vec<u32>,
    pub handlers: Vec<Handler>,
    /// Registers the frame needs (tier0's numbering kept).
    pub nregs: u16,
    /// Where execution enters other than by falling through or jumping:
    /// pc 0, the OSR entry, each async2 resume pc.
    pub entries: Vec<Pc>,
    /// For each tier0 pc (and one past the end): its pc in `code` now.
    pub pc_map: Vec<u32>,
}

/// What a pass may read.
pub struct PassCx<'a> {
    pub program: &'a Program,
    /// The tier0 method being compiled.
    pub method: MethodId,
    pub tier0: &'a Method,
    /// The static kinds of the tier0 code: valid for the body's pcs while
    /// the passes so far rewrote one instruction for one.
    pub kinds: &'a Kinds,
    /// What tier0 recorded while it ran.
    pub feedback: &'a Feedback,
}

/// A tier1 pass.
pub type Pass = fn(&PassCx<'_>, &mut Body);
