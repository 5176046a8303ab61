//! What the two async backends share, so that neither imports the other:
//! `async1/` (the state-machine lowering) and `async2/` (thunks, bodies and
//! resume stubs) each read only this module, the program and the bytecode,
//! and `lib.rs`'s `prepare_for` runs one after the other.
//!
//! - which backend runs an async method ([`backend_of`], [`is_async2`]);
//! - [`Code`], the small bytecode editor both use to build a method and to
//!   move an existing method's code: every pc that names an instruction
//!   moves with it (jump operands, handler rows, the pcs the await sites
//!   record), and so does the line table.
//!
//! The other shared facts live with what they describe: whether an async
//! method has a result ([`AsyncReturn::has_result`]), which handler rows
//! cover a pc (`Method::handlers_covering`), a native by name for
//! generated code ([`crate::native::required`]), a `ValueTask` on the heap
//! ([`crate::builtins::tasks::ValueTaskBox::alloc`]).

use crate::bytecode::{Handler, HandlerKind, Instr, MethodId, Operand, OperandMut, Pc};
use crate::program::{AsyncReturn, AwaitSite, Backend, Method, Program};

/// Which backend runs an async method: its `[Async1]`/`[Async2]`, else its
/// class's, else the mode's.
pub fn backend_of(program: &Program, method: MethodId, mode: Backend) -> Backend {
    let m = program.method(method);
    m.flags.backend.or(program.class(m.class).backend).unwrap_or(mode)
}

/// Whether an async method with code runs on async2: its backend (attribute
/// or mode) says so. `async void` stays async1 in every mode, as in .NET,
/// where runtime async covers Task- and ValueTask-returning methods only.
pub fn is_async2(program: &Program, method: MethodId, mode: Backend) -> bool {
    let m = program.method(method);
    matches!(m.flags.is_async, Some(r) if r != AsyncReturn::Void)
        && !m.code.is_empty()
        && backend_of(program, method, mode) == Backend::Async2
}

/// Whether async1 lowers a method: every async method with code that does
/// not run on async2.
pub fn is_async1(program: &Program, method: MethodId, mode: Backend) -> bool {
    let m = program.method(method);
    m.flags.is_async.is_some() && !m.code.is_empty() && !is_async2(program, method, mode)
}

/// A method's code under construction or under edit: instructions with
/// their source lines, and the exception table.
#[derive(Default)]
pub struct Code {
    pub code: Vec<Instr>,
    pub lines: Vec<u32>,
    pub handlers: Vec<Handler>,
}

impl Code {
    /// Appends an instruction; returns its pc.
    pub fn emit(&mut self, i: Instr, line: u32) -> usize {
        self.code.push(i);
        self.lines.push(line);
        self.code.len() - 1
    }

    /// The pc of the next instruction.
    pub fn here(&self) -> Pc {
        Pc(self.code.len() as u32)
    }

    /// Points the jump at `at` to `target`.
    pub fn patch(&mut self, at: usize, target: Pc) {
        self.code[at].visit_mut(&mut |op| {
            if let OperandMut::Pc(p) = op {
                *p = target;
            }
        });
    }

    /// Appends `m`'s code, lines and handler rows, every pc moved to where
    /// it lands; so are the pcs recorded by the await sites its instructions
    /// name. Gives the distance moved (`m`'s pc 0 is now at that pc).
    pub fn append_method(&mut self, m: &Method, sites: &mut [AwaitSite]) -> u32 {
        let by = self.code.len() as u32;
        let start = self.code.len();
        self.code.extend_from_slice(&m.code);
        self.lines.extend_from_slice(&m.lines);
        for i in &mut self.code[start..] {
            shift_pcs(i, by);
        }
        self.handlers.extend(m.handlers.iter().map(|h| h.shifted(by)));
        shift_sites(&m.code, sites, by);
        by
    }

    /// Adds a handler row covering `start..end` except the code of the
    /// exception filters already in the table: a filter runs in a frame of
    /// its own, and an exception in it means "does not catch" (as in the
    /// CLR), so no handler of the method may cover it, not even one a
    /// backend wraps around the whole body.
    pub fn protect(&mut self, start: Pc, end: Pc, row: impl Fn(Pc, Pc) -> Handler) {
        let mut filters: Vec<(Pc, Pc)> = self
            .handlers
            .iter()
            .filter_map(|h| match h.kind {
                HandlerKind::Filter { filter, .. } => Some((filter, h.target)),
                _ => None,
            })
            .collect();
        filters.sort_by_key(|f| f.0);
        filters.dedup();
        let mut from = start;
        for (f, t) in filters {
            if t <= from || f >= end {
                continue;
            }
            if f > from {
                self.handlers.push(row(from, f));
            }
            from = t.max(from);
        }
        if from < end {
            self.handlers.push(row(from, end));
        }
    }

    /// Makes this `m`'s code, lines and exception table.
    pub fn install(self, m: &mut Method) {
        m.code = self.code;
        m.lines = self.lines;
        m.handlers = self.handlers;
    }
}

/// Moves every `Pc` operand of `i` by `by`.
pub fn shift_pcs(i: &mut Instr, by: u32) {
    i.visit_mut(&mut |op| {
        if let OperandMut::Pc(p) = op {
            p.0 += by;
        }
    });
}

/// Moves the pcs recorded by the await sites that `code` names (each once).
fn shift_sites(code: &[Instr], sites: &mut [AwaitSite], by: u32) {
    let mut seen = Vec::new();
    for i in code {
        for (_, op) in i.operands() {
            if let Operand::Site(a) = op
                && !seen.contains(&a)
            {
                seen.push(a);
                if let Some(s) = sites.get_mut(a.index()) {
                    s.shift(by);
                }
            }
        }
    }
}
