//! Type feedback tier0 records for tier1's passes (what a call site saw).

use crate::program::Program;

/// What tier0 frames observed while they ran, per method.
#[derive(Clone, Debug, Default)]
pub struct Feedback {}

impl Feedback {
    /// Empty feedback for `program`'s methods.
    pub fn new(_program: &Program) -> Feedback {
        Feedback {}
    }
}
