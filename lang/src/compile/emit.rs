//! A method's bytecode under construction.
//!
//! Instructions are appended with the source line being compiled. Jumps name
//! a [`Label`]; the builder keeps the label's number in the jump's `Pc`
//! operand and patches every such operand in [`Builder::finish`], once every
//! label has its address.
//!
//! Registers are handed out as a stack: parameters first, then locals and
//! temporaries in the order they are needed. [`Builder::mark`] and
//! [`Builder::release`] free everything allocated after a mark, which is how
//! a scope frees its locals and an expression its temporaries.

use vm::bytecode::{Handler, Instr, OperandMut, Pc, Reg};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Label(u32);

/// Enough of a builder's state to undo everything emitted after it.
#[derive(Clone, Copy)]
pub struct BuilderSnapshot {
    code: usize,
    handlers: usize,
    labels: usize,
    fixups: usize,
    locals: usize,
    next_reg: u16,
    max_reg: u16,
}

pub struct Builder {
    code: Vec<Instr>,
    lines: Vec<u32>,
    handlers: Vec<Handler>,
    /// Each label's address once placed.
    labels: Vec<Option<u32>>,
    /// Whether some jump targets the label.
    label_used: Vec<bool>,
    /// Instructions whose `Pc` operands hold label numbers.
    fixups: Vec<usize>,
    next_reg: u16,
    max_reg: u16,
    /// The source line new instructions are attributed to.
    pub line: u32,
    pub locals: Vec<(Reg, String)>,
    /// More registers were needed than an instruction can name.
    pub overflowed: bool,
}

/// Registers a frame may use; the rest of `u16` stays free for `DISCARD`-like sentinels.
const MAX_REGS: u16 = 60_000;

impl Builder {
    pub fn new(arity: u16) -> Builder {
        Builder {
            code: Vec::new(),
            lines: Vec::new(),
            handlers: Vec::new(),
            labels: Vec::new(),
            label_used: Vec::new(),
            fixups: Vec::new(),
            next_reg: arity,
            max_reg: arity,
            line: 0,
            locals: Vec::new(),
            overflowed: false,
        }
    }

    pub fn emit(&mut self, i: Instr) -> usize {
        self.code.push(i);
        self.lines.push(self.line);
        self.code.len() - 1
    }

    /// Emits an instruction whose jump target is `label`.
    pub fn emit_jump(&mut self, make: impl FnOnce(Pc) -> Instr, label: Label) {
        let at = self.emit(make(Pc(label.0)));
        self.fixups.push(at);
        if let Some(u) = self.label_used.get_mut(label.0 as usize) {
            *u = true;
        }
    }

    pub fn new_label(&mut self) -> Label {
        self.labels.push(None);
        self.label_used.push(false);
        Label(self.labels.len() as u32 - 1)
    }

    /// Gives the label the address of the next instruction.
    pub fn place(&mut self, l: Label) {
        self.labels[l.0 as usize] = Some(self.code.len() as u32);
    }

    /// The index of the next instruction.
    pub fn pc(&self) -> u32 {
        self.code.len() as u32
    }

    /// The instruction emitted at `pc`.
    pub fn get(&self, pc: u32) -> Option<&Instr> {
        self.code.get(pc as usize)
    }

    /// Whether control can fall off the last instruction (so more code or a
    /// return must follow). Labels placed at the end that some jump targets
    /// count as entries, and so do handlers that start there (an empty
    /// `catch { }` ending a method).
    pub fn falls_through(&self) -> bool {
        let end = self.code.len() as u32;
        if self.labels.iter().zip(&self.label_used).any(|(l, used)| *used && *l == Some(end)) {
            return true;
        }
        if self.handlers.iter().any(|h| h.target.0 == end) {
            return true;
        }
        self.code.last().is_none_or(Instr::falls_through)
    }

    pub fn add_handler(&mut self, h: Handler) {
        self.handlers.push(h);
    }

    pub fn alloc(&mut self) -> Reg {
        self.alloc_n(1)
    }

    /// `n` consecutive registers; returns the first.
    pub fn alloc_n(&mut self, n: usize) -> Reg {
        let base = self.next_reg;
        let end = base as usize + n;
        if end > MAX_REGS as usize {
            self.overflowed = true;
            return Reg(base.min(MAX_REGS - 1));
        }
        self.next_reg = end as u16;
        self.max_reg = self.max_reg.max(self.next_reg);
        Reg(base)
    }

    pub fn mark(&self) -> u16 {
        self.next_reg
    }

    pub fn release(&mut self, mark: u16) {
        if mark <= self.next_reg {
            self.next_reg = mark;
        }
    }

    pub fn snapshot(&self) -> BuilderSnapshot {
        BuilderSnapshot {
            code: self.code.len(),
            handlers: self.handlers.len(),
            labels: self.labels.len(),
            fixups: self.fixups.len(),
            locals: self.locals.len(),
            next_reg: self.next_reg,
            max_reg: self.max_reg,
        }
    }

    pub fn rollback(&mut self, s: BuilderSnapshot) {
        self.code.truncate(s.code);
        self.lines.truncate(s.code);
        self.handlers.truncate(s.handlers);
        self.labels.truncate(s.labels);
        self.label_used.truncate(s.labels);
        self.fixups.truncate(s.fixups);
        self.locals.truncate(s.locals);
        self.next_reg = s.next_reg;
        self.max_reg = s.max_reg;
    }

    /// The finished code, lines, handlers and register count. Jumps to a
    /// label that was never placed (a compiler bug) become jumps to 0 and
    /// are reported through the `Err`.
    pub fn finish(mut self) -> Result<Finished, String> {
        let mut missing = false;
        for &at in &self.fixups {
            let labels = &self.labels;
            self.code[at].visit_mut(&mut |op| {
                if let OperandMut::Pc(pc) = op {
                    match labels.get(pc.0 as usize).copied().flatten() {
                        Some(addr) => *pc = Pc(addr),
                        None => {
                            missing = true;
                            *pc = Pc(0);
                        }
                    }
                }
            });
        }
        if missing {
            return Err("a jump to a label that was never placed".into());
        }
        Ok(Finished {
            code: self.code,
            lines: self.lines,
            handlers: self.handlers,
            nregs: self.max_reg.max(1),
            locals: self.locals,
        })
    }
}

pub struct Finished {
    pub code: Vec<Instr>,
    pub lines: Vec<u32>,
    pub handlers: Vec<Handler>,
    pub nregs: u16,
    pub locals: Vec<(Reg, String)>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use vm::bytecode::Dst;

    #[test]
    fn labels_are_patched() {
        let mut b = Builder::new(1);
        let end = b.new_label();
        b.emit_jump(|pc| Instr::JumpIfFalse { cond: Reg(0), target: pc }, end);
        b.emit(Instr::LoadInt { dst: Dst(0), value: 1 });
        b.place(end);
        b.emit(Instr::Return { src: Reg(0) });
        let f = b.finish().expect("all labels placed");
        assert_eq!(f.code[0], Instr::JumpIfFalse { cond: Reg(0), target: Pc(2) });
    }

    #[test]
    fn registers_are_a_stack() {
        let mut b = Builder::new(2);
        let m = b.mark();
        assert_eq!(b.alloc(), Reg(2));
        assert_eq!(b.alloc_n(3), Reg(3));
        b.release(m);
        assert_eq!(b.alloc(), Reg(2));
        let f = b.finish().expect("no labels");
        assert_eq!(f.nregs, 6);
    }
}
