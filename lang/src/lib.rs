//! The front end of toy: `.toy` source in, neutral bytecode out.
//!
//! ```text
//! source ─ lexer (logos) ─ token rewriting ─ parser (lalrpop) ─ AST (bumpalo)
//!        ─ compile: declarations, resolution, codegen ─ vm::program::Program
//! ```
//! Nothing here knows how `await` will run: an async method is flagged and
//! each `await` is one neutral `Await` instruction.

pub mod ast;
pub mod compile;
pub mod diagnostic;
pub mod lexer;
pub mod parser;
pub mod variants;

pub use diagnostic::Diagnostic;

/// Parses and compiles a whole program. `file_name` is what stack traces and
/// diagnostics call the file.
pub fn compile_source(source: &str, file_name: &str) -> Result<vm::program::Program, Vec<Diagnostic>> {
    compile::compile_source(source, file_name)
}
