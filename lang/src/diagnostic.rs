//! Compile errors. Every phase collects them instead of stopping at the
//! first; rendering (file:line:col, the line, a caret) is the command line's
//! job, through `codespan-reporting`.

use crate::ast::Span;

/// One compile error, pointing at the source it is about.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub span: Span,
    pub message: String,
    /// Extra lines shown under the caret ("help: ...").
    pub notes: Vec<String>,
}

impl Diagnostic {
    pub fn error(span: Span, message: impl Into<String>) -> Diagnostic {
        Diagnostic { span, message: message.into(), notes: Vec::new() }
    }

    pub fn with_note(mut self, note: impl Into<String>) -> Diagnostic {
        self.notes.push(note.into());
        self
    }
}

impl std::fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}..{}: error: {}", self.span.start, self.span.end, self.message)
    }
}
