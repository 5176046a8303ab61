//! Where a program's async bodies may be changed without changing what the
//! program means, for differential testing (`tests/differential.rs`): the
//! byte offsets of statements that sit directly in a block or a switch
//! section of an `async` method, accessor or local function body, where
//! `await Task.Yield();` can go in front of them.
//!
//! Not offered: a statement that is the whole body of an `if`, a loop or a
//! `using` without braces (putting a statement before it would move it out
//! of that construct), anything inside a `lock` (C# forbids `await` there),
//! and the bodies of lambdas (a sync lambda inside an async method cannot
//! await; async lambdas are left to the methods they are passed to).

use bumpalo::Bump;

use crate::ast::{Block, Body, CompilationUnit, Item, Member, Modifiers, Stmt, StmtKind, TypeDecl};

/// The start offsets, in source order, of the statements of async bodies
/// before which a statement may be inserted; empty if the source does not
/// parse.
pub fn async_statement_starts(source: &str) -> Vec<usize> {
    let arena = Bump::new();
    let (Some(unit), diags) = crate::parser::parse(&arena, source) else { return Vec::new() };
    if !diags.is_empty() {
        return Vec::new();
    }
    let mut out = Vec::new();
    items(unit, &mut out);
    out.sort_unstable();
    out.dedup();
    out
}

fn items(unit: &CompilationUnit<'_>, out: &mut Vec<usize>) {
    let mut pending: Vec<&Item<'_>> = unit.items.iter().collect();
    while let Some(item) = pending.pop() {
        match item {
            Item::Namespace { items, .. } => pending.extend(items.iter()),
            Item::Type(t) => type_decl(t, out),
        }
    }
}

fn type_decl(t: &TypeDecl<'_>, out: &mut Vec<usize>) {
    for m in t.members {
        match m {
            Member::Method(m) if m.modifiers.has(Modifiers::ASYNC) => {
                if let Some(Body::Block(b)) = m.body {
                    block(b, out);
                }
            }
            Member::NestedType(n) => type_decl(n, out),
            _ => {}
        }
    }
}

/// The statements of `b`, and those of the blocks nested in them.
fn block<'a>(b: &'a Block<'a>, out: &mut Vec<usize>) {
    // An explicit stack: the AST's nesting is bounded, but this walk need
    // not rely on it.
    let mut pending: Vec<(&'a Stmt<'a>, bool)> = b.stmts.iter().rev().map(|s| (s, true)).collect();
    while let Some((s, in_block)) = pending.pop() {
        if in_block {
            out.push(s.span.start as usize);
        }
        let inner = |pending: &mut Vec<(&'a Stmt<'a>, bool)>, stmts: &'a [Stmt<'a>]| {
            for s in stmts.iter().rev() {
                pending.push((s, true));
            }
        };
        match &s.kind {
            StmtKind::Block(b) => inner(&mut pending, b.stmts),
            StmtKind::If { then, else_, .. } => {
                if let Some(e) = else_ {
                    pending.push((e, false));
                }
                pending.push((then, false));
            }
            StmtKind::While { body, .. }
            | StmtKind::DoWhile { body, .. }
            | StmtKind::For { body, .. }
            | StmtKind::Foreach { body, .. }
            | StmtKind::Using { body, .. } => pending.push((body, false)),
            StmtKind::Try { body, catches, finally } => {
                if let Some(f) = finally {
                    inner(&mut pending, f.stmts);
                }
                for c in catches.iter().rev() {
                    inner(&mut pending, c.body.stmts);
                }
                inner(&mut pending, body.stmts);
            }
            StmtKind::Switch { sections, .. } => {
                for sec in sections.iter().rev() {
                    inner(&mut pending, sec.body);
                }
            }
            StmtKind::Lock { .. }
            | StmtKind::Local(_)
            | StmtKind::Expr(_)
            | StmtKind::Break
            | StmtKind::Continue
            | StmtKind::Return(_)
            | StmtKind::Throw(_)
            | StmtKind::Empty => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statements_of_async_bodies_only() {
        let src = "using System.Threading.Tasks;\nclass P {\n  static void S() { int a = 1; }\n  static async Task A(bool c) {\n    int b = 2;\n    if (c) b++;\n    if (c) { b--; }\n    lock (this) { b = 3; }\n  }\n}\n";
        let starts = async_statement_starts(src);
        let at: Vec<&str> = starts.iter().map(|&i| &src[i..i + 6]).collect();
        assert_eq!(at, vec!["int b ", "if (c)", "if (c)", "b--; }", "lock ("]);
    }
}
