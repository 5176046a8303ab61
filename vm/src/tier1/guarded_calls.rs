//! Monomorphic virtual calls turned into guarded direct calls.

use super::{Body, PassCx};

/// The pass.
pub fn run(_cx: &PassCx<'_>, _body: &mut Body) {}
