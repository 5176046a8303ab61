//! Statements.
//!
//! Loops test their condition at the top (`JumpIfNotLt` fuses the usual
//! `i < n`), so an iteration costs the condition, the body, the step and one
//! jump back.
//!
//! `finally` is compiled as javac does: its code is copied onto every normal
//! way out of the `try` and `catch` blocks (falling through, `return`,
//! `break`, `continue`), and once more as the exceptional path, reached
//! through a `Finally` handler and ending with `EndFinally`. The copies are
//! excluded from the protected ranges of every `try` they leave (their
//! "gaps"), so an exception thrown by a copy is not caught by the very
//! statement it is leaving.

use vm::bytecode::{ClassId, Handler, HandlerKind, Instr, Pc, Reg};
use vm::program::BuiltinClass;

use super::Compiler;
use super::consts::ConstValue;
use super::scope::{Dest, Exit, Finally, Home, RetKind, ScopeKey, ScopeKind};
use super::types::{self, Type};
use crate::ast::{self, Block, Expr, ExprKind, Span, Stmt, StmtKind};

impl<'a> Compiler<'a> {
    pub(crate) fn compile_block(&mut self, b: &'a Block<'a>) {
        self.enter_scope(ScopeKey::new(ScopeKind::Block, b.span));
        self.compile_stmts(b.stmts);
        self.exit_scope();
    }

    /// A statement list; `using var x = ..;` protects the rest of the list.
    pub(crate) fn compile_stmts(&mut self, stmts: &'a [Stmt<'a>]) {
        for (i, s) in stmts.iter().enumerate() {
            if let StmtKind::Local(d) = &s.kind
                && d.is_using
            {
                self.set_line(s.span);
                let vars = self.local_decl(d, s.span, Some("using variable"));
                self.protect_with_dispose(&vars, &mut |c| c.compile_stmts(&stmts[i + 1..]));
                return;
            }
            self.compile_stmt(s);
        }
    }

    /// Runs `body` protected by a finally that disposes `vars`, innermost
    /// (last declared) first.
    fn protect_with_dispose(&mut self, vars: &[usize], body: &mut dyn FnMut(&mut Self)) {
        match vars.split_first() {
            None => body(self),
            Some((&v, rest)) => {
                self.protected(Finally::Dispose { var: v }, &mut |c| c.protect_with_dispose(rest, body));
            }
        }
    }

    pub(crate) fn compile_stmt(&mut self, s: &'a Stmt<'a>) {
        self.set_line(s.span);
        self.reserve_decl_regs_stmt(s);
        let mark = self.mark();
        match &s.kind {
            StmtKind::Block(b) => self.compile_block(b),
            StmtKind::Local(d) => {
                self.local_decl(d, s.span, None);
                // Locals stay allocated until their scope ends.
                self.f().pre_regs.clear();
                return;
            }
            StmtKind::Expr(e) => self.expr_stmt(e),
            StmtKind::If { cond, then, else_: None } if self.direct_jump(then).is_some() => {
                // `if (c) break;` / `if (c) continue;`: one conditional jump.
                if let Some(target) = self.direct_jump(then) {
                    self.cond_jump(cond, true, target);
                }
            }
            StmtKind::If { cond, then, else_ } => {
                let else_label = self.new_label();
                self.cond_jump(cond, false, else_label);
                self.release(mark);
                self.compile_embedded(then);
                match else_ {
                    Some(e) => {
                        let end = self.new_label();
                        if self.fr().b.falls_through() {
                            self.jump(end);
                        }
                        self.place(else_label);
                        self.compile_embedded(e);
                        self.place(end);
                    }
                    None => self.place(else_label),
                }
            }
            StmtKind::While { cond, body } => {
                let (top, brk) = (self.new_label(), self.new_label());
                self.place(top);
                self.cond_jump(cond, false, brk);
                self.release(mark);
                self.loop_body(body, brk, top);
                self.jump(top);
                self.place(brk);
            }
            StmtKind::DoWhile { body, cond } => {
                let (top, cont, brk) = (self.new_label(), self.new_label(), self.new_label());
                self.place(top);
                self.loop_body(body, brk, cont);
                self.place(cont);
                self.set_line(cond.span);
                self.cond_jump(cond, true, top);
                self.place(brk);
            }
            StmtKind::For { init, cond, step, body } => {
                self.enter_scope(ScopeKey::new(ScopeKind::For, s.span));
                for i in init.iter() {
                    match &i.kind {
                        StmtKind::Local(d) => {
                            self.set_line(i.span);
                            self.local_decl(d, i.span, None);
                        }
                        StmtKind::Expr(e) => {
                            let m = self.mark();
                            self.expr_stmt(e);
                            self.release(m);
                        }
                        _ => self.compile_stmt(i),
                    }
                }
                let (top, cont, brk) = (self.new_label(), self.new_label(), self.new_label());
                self.place(top);
                if let Some(c) = cond {
                    let m = self.mark();
                    self.cond_jump(c, false, brk);
                    self.release(m);
                }
                self.loop_body(body, brk, cont);
                self.place(cont);
                for e in step.iter() {
                    self.set_line(e.span);
                    let m = self.mark();
                    self.expr_stmt(e);
                    self.release(m);
                }
                self.jump(top);
                self.place(brk);
                self.exit_scope();
            }
            StmtKind::Foreach { ty, name, iterable, body } => self.foreach(s.span, ty, *name, iterable, body),
            StmtKind::Break => self.break_continue(s.span, true),
            StmtKind::Continue => self.break_continue(s.span, false),
            StmtKind::Return(e) => self.return_stmt(*e, s.span),
            StmtKind::Throw(Some(e)) => {
                let v = self.expr(e, Dest::Any, None);
                self.check_throwable(&v.ty, e.span);
                self.emit(Instr::Throw { src: v.reg });
            }
            StmtKind::Throw(None) => match self.fr().catch_regs.last().copied() {
                Some(r) => self.emit(Instr::Rethrow { src: r }),
                None => {
                    self.error(s.span, "A throw statement with no arguments is not allowed outside of a catch clause")
                }
            },
            StmtKind::Try { body, catches, finally } => {
                self.try_stmt(body, catches, finally.map(Finally::Block));
            }
            StmtKind::Switch { scrutinee, sections } => self.switch(s.span, scrutinee, sections),
            StmtKind::Using { resource, body } => {
                self.enter_scope(ScopeKey::new(ScopeKind::Using, s.span));
                let vars = match resource {
                    ast::UsingResource::Decl(d) => self.local_decl(d, s.span, Some("using variable")),
                    ast::UsingResource::Expr(e) => {
                        let reg = self.alloc();
                        let ty = self.expr(e, Dest::Into(reg), None).ty;
                        vec![self.declare_var("<using>", e.span, ty, Some(Home::Reg(reg)))]
                    }
                };
                self.protect_with_dispose(&vars, &mut |c| c.compile_embedded(body));
                self.exit_scope();
            }
            StmtKind::Lock { target, body } => {
                let v = self.expr(target, Dest::Any, None);
                if v.ty.is_primitive() && v.ty != Type::String && v.ty != Type::Null {
                    let t = self.type_name(&v.ty);
                    self.error(target.span, format!("'{t}' is not a reference type as required by the lock statement"));
                }
                self.release(mark);
                self.compile_embedded(body);
            }
            StmtKind::Empty => {}
        }
        self.release(mark);
        self.f().pre_regs.clear();
    }

    /// The statement of an `if`, a loop or a `using`: a block, or one
    /// statement with its own scope (for the variables its expressions
    /// declare).
    pub(crate) fn compile_embedded(&mut self, s: &'a Stmt<'a>) {
        match &s.kind {
            StmtKind::Block(b) => {
                self.set_line(s.span);
                self.compile_block(b);
            }
            StmtKind::Local(_) => {
                self.error(s.span, "Embedded statement cannot be a declaration or labeled statement");
            }
            _ => {
                self.enter_scope(ScopeKey::new(ScopeKind::Embedded, s.span));
                self.compile_stmt(s);
                self.exit_scope();
            }
        }
    }

    fn loop_body(&mut self, body: &'a Stmt<'a>, brk: super::emit::Label, cont: super::emit::Label) {
        self.f().exits.push(Exit::Loop { brk, cont });
        self.compile_embedded(body);
        self.f().exits.pop();
    }

    fn expr_stmt(&mut self, e: &'a Expr<'a>) {
        if !super::closures::is_statement_expr(e) {
            self.error(e.span, "Only assignment, call, increment, decrement, await, and new object expressions can be used as a statement");
        }
        self.expr_discard(e);
    }

    /// `T a = 1, b;`, `var x = e;`, `const int K = 3;`. Returns the
    /// variables declared.
    pub(crate) fn local_decl(
        &mut self,
        d: &'a ast::LocalDecl<'a>,
        span: Span,
        readonly: Option<&'static str>,
    ) -> Vec<usize> {
        let is_var = is_var_type(&d.ty);
        let declared = if is_var { None } else { Some(self.resolve_type(&d.ty)) };
        if is_var && d.is_const {
            self.error(d.ty.span, "The contextual keyword 'var' cannot be used in a constant declaration");
        }
        if is_var && d.declarators.len() > 1 {
            self.error(span, "Implicitly-typed variables cannot have multiple declarators");
        }
        let mut out = Vec::new();
        for decl in d.declarators {
            if d.is_const {
                let ty = declared.clone().unwrap_or(Type::Error);
                let value = match decl.init {
                    Some(init) => {
                        let class = self.fr().class;
                        match self.fold(init, class) {
                            Some(v) => match v.convert(&ty, false, |c| self.is_enum(c)) {
                                Some(v) => v,
                                None => {
                                    let (from, to) = (self.type_name(&v.ty()), self.type_name(&ty));
                                    self.error(init.span, format!("Cannot implicitly convert type '{from}' to '{to}'"));
                                    ConstValue::Null
                                }
                            },
                            None => {
                                self.error(
                                    init.span,
                                    format!("The expression being assigned to '{}' must be constant", decl.name.name),
                                );
                                ConstValue::Null
                            }
                        }
                    }
                    None => {
                        self.error(decl.name.span, "A const field requires a value to be provided");
                        ConstValue::Null
                    }
                };
                out.push(self.declare_var(decl.name.name, decl.name.span, ty, Some(Home::Const(value))));
                continue;
            }
            let reg = self.alloc();
            let ty = match (&declared, decl.init) {
                (Some(t), Some(init)) => {
                    let t = t.clone();
                    self.expr_to(init, &t, Dest::Into(reg));
                    t
                }
                (Some(t), None) => t.clone(),
                (None, Some(init)) => {
                    if matches!(init.kind, ExprKind::ArrayInit(_)) {
                        self.error(
                            init.span,
                            "Cannot initialize an implicitly-typed variable with an array initializer",
                        );
                    }
                    let v = self.expr(init, Dest::Into(reg), None);
                    match v.ty {
                        Type::Null => {
                            self.error(init.span, "Cannot assign <null> to an implicitly-typed variable");
                            Type::Error
                        }
                        Type::Void => {
                            self.error(init.span, "Cannot assign void to an implicitly-typed variable");
                            Type::Error
                        }
                        t => t,
                    }
                }
                (None, None) => {
                    self.error(decl.name.span, "Implicitly-typed variables must be initialized");
                    Type::Error
                }
            };
            let v = self.declare_var(decl.name.name, decl.name.span, ty, Some(Home::Reg(reg)));
            self.vars[v].readonly = readonly;
            out.push(v);
        }
        out
    }

    fn foreach(
        &mut self,
        span: Span,
        ty: &'a ast::TypeRef<'a>,
        name: ast::Ident<'a>,
        iterable: &'a Expr<'a>,
        body: &'a Stmt<'a>,
    ) {
        let coll = self.expr(iterable, Dest::Any, None);
        let elem = match &coll.ty {
            t if t.is_unknown() => Type::Dynamic,
            Type::Object => Type::Object,
            t => match types::sequence_elem(t) {
                Some(e) => e,
                None => {
                    let tn = self.type_name(t);
                    self.error(iterable.span, format!("foreach statement cannot operate on variables of type '{tn}'"));
                    Type::Error
                }
            },
        };
        // Lists and dictionaries are walked through a snapshot; like C#'s
        // enumerators, each step checks that the collection was not changed.
        let watch = match &coll.ty {
            Type::Array(_) | Type::String => None,
            t if t.is_lib("List", 1) || t.is_lib("Dictionary", 2) || t.is_unknown() || *t == Type::Object => {
                let r = self.alloc();
                self.emit(Instr::Move { dst: r.dst(), src: coll.reg });
                Some((r, self.alloc()))
            }
            _ => None,
        };
        let items = match coll.ty {
            Type::Array(_) => {
                let r = self.alloc();
                if r != coll.reg {
                    self.emit(Instr::Move { dst: r.dst(), src: coll.reg });
                }
                r
            }
            _ => {
                let r = self.alloc();
                self.call_native_named("Runtime", "ForeachItems", &[coll.reg], r, iterable.span);
                r
            }
        };
        let len = self.alloc();
        self.call_native_named("Array", "get_Length", &[items], len, iterable.span);
        let i = self.alloc();
        self.emit(Instr::LoadInt { dst: i.dst(), value: 0 });
        let (top, cont, brk) = (self.new_label(), self.new_label(), self.new_label());
        self.place(top);
        self.b().emit_jump(|target| Instr::JumpIfNotLt { a: i, b: len, target }, brk);
        self.enter_scope(ScopeKey::new(ScopeKind::Foreach, span));
        let declared = if is_var_type(ty) { elem.clone() } else { self.resolve_type(ty) };
        let reg = self.alloc();
        self.emit(Instr::GetIndex { dst: reg.dst(), obj: items, index: i });
        if declared != elem {
            self.convert_explicit(super::scope::Val { reg, ty: elem }, &declared, Dest::Into(reg), name.span);
        }
        let v = self.declare_var(name.name, name.span, declared, Some(Home::Reg(reg)));
        self.vars[v].readonly = Some("foreach iteration variable");
        self.loop_body(body, brk, cont);
        self.exit_scope();
        self.place(cont);
        if let Some((w, scratch)) = watch {
            self.call_native_named("Runtime", "EnsureUnchanged", &[w, len], scratch, iterable.span);
        }
        self.emit(Instr::AddImm { dst: i.dst(), a: i, imm: 1 });
        self.jump(top);
        self.place(brk);
    }

    // ----- jumps ------------------------------------------------------------

    fn break_continue(&mut self, span: Span, is_break: bool) {
        let target = self.fr().exits.iter().rposition(|e| match e {
            Exit::Loop { .. } => true,
            Exit::Switch { .. } => is_break,
            Exit::Try { .. } => false,
        });
        let Some(idx) = target else {
            self.error(span, "No enclosing loop out of which to break or continue");
            return;
        };
        if self.fr().finally_bases.last().is_some_and(|&b| idx < b) {
            self.error(span, "Control cannot leave the body of a finally clause");
            return;
        }
        let label = match self.fr().exits[idx] {
            Exit::Loop { brk, cont } => {
                if is_break {
                    brk
                } else {
                    cont
                }
            }
            Exit::Switch { brk } => brk,
            Exit::Try { .. } => return,
        };
        self.leave_to(idx + 1);
        self.jump(label);
    }

    /// The label a `break`/`continue` (alone or in a block) jumps to, when
    /// no `finally` lies between it and its loop.
    fn direct_jump(&self, s: &Stmt<'_>) -> Option<super::emit::Label> {
        let is_break = match &s.kind {
            StmtKind::Break => true,
            StmtKind::Continue => false,
            StmtKind::Block(b) if b.stmts.len() == 1 => return self.direct_jump(&b.stmts[0]),
            _ => return None,
        };
        if !self.fr().finally_bases.is_empty() {
            return None;
        }
        for e in self.fr().exits.iter().rev() {
            match e {
                Exit::Loop { brk, cont } => return Some(if is_break { *brk } else { *cont }),
                Exit::Switch { brk } if is_break => return Some(*brk),
                Exit::Switch { .. } => {}
                Exit::Try { .. } => return None,
            }
        }
        None
    }

    /// Emits the finally copies of every `try` from the innermost out to
    /// (not including) exit `target`, and records their gaps.
    pub(crate) fn leave_to(&mut self, target: usize) {
        let mut passed: Vec<usize> = Vec::new();
        let mut idx = self.fr().exits.len();
        while idx > target {
            idx -= 1;
            let (record, finally, scopes) = match self.fr().exits[idx] {
                Exit::Try { record, finally, scopes } => (record, finally, scopes),
                _ => continue,
            };
            passed.push(record);
            let Some(fin) = finally else { continue };
            let start = self.fr().b.pc();
            self.finally_copy(fin, idx, scopes);
            let end = self.fr().b.pc();
            for &r in &passed {
                self.f().tries[r].push((start, end));
            }
        }
    }

    /// One copy of a finally block, compiled as if at the `try` statement:
    /// the exits and scopes inside the `try` are hidden while it compiles.
    fn finally_copy(&mut self, fin: Finally<'a>, exit_idx: usize, scopes: usize) {
        let saved_exits = self.f().exits.split_off(exit_idx);
        let saved_scopes = self.scopes.split_off(scopes.min(self.scopes.len()));
        let line = self.fr().b.line;
        let mark = self.mark();
        self.finally_body(fin);
        self.release(mark);
        self.b().line = line;
        self.scopes.extend(saved_scopes);
        self.f().exits.extend(saved_exits);
    }

    fn finally_body(&mut self, fin: Finally<'a>) {
        let base = self.fr().exits.len();
        self.f().finally_bases.push(base);
        match fin {
            Finally::Block(b) => self.compile_block(b),
            Finally::Dispose { var } => {
                let v = self.load_var(var, Dest::Any);
                let skip = self.new_label();
                if !is_value_type(&v.ty, |c| self.is_enum(c)) {
                    self.b().emit_jump(|target| Instr::JumpIfNull { src: v.reg, target }, skip);
                }
                let span = Span::default();
                self.call_method_on(v, "Dispose", span);
                self.place(skip);
            }
        }
        self.f().finally_bases.pop();
    }

    pub(crate) fn return_stmt(&mut self, e: Option<&'a Expr<'a>>, span: Span) {
        if !self.fr().finally_bases.is_empty() {
            self.error(span, "Control cannot leave the body of a finally clause");
        }
        let ret = self.fr().ret.clone();
        let has_finally = self.fr().exits.iter().any(|x| matches!(x, Exit::Try { finally: Some(_), .. }));
        match (ret, e) {
            (RetKind::Void, None) => {
                self.leave_to(0);
                self.emit(Instr::ReturnVoid {});
            }
            (RetKind::Void, Some(e)) => {
                let name = self.fr().name.clone();
                let msg = if self.fr().is_async {
                    format!(
                        "Since '{name}' is an async method that returns 'Task', a return keyword must not be followed by an object expression"
                    )
                } else if self.fr().lambda.is_some() {
                    "Since this lambda returns void, a return keyword must not be followed by an object expression"
                        .to_string()
                } else {
                    format!(
                        "Since '{name}' returns void, a return keyword must not be followed by an object expression"
                    )
                };
                self.error(e.span, msg);
                self.expr_discard(e);
                self.leave_to(0);
                self.emit(Instr::ReturnVoid {});
            }
            (RetKind::Value(t), None) => {
                if !t.is_unknown() {
                    let tn = self.type_name(&t);
                    self.error(span, format!("An object of a type convertible to '{tn}' is required"));
                }
                self.leave_to(0);
                self.emit(Instr::ReturnVoid {});
            }
            (RetKind::Value(t), Some(e)) => {
                if !has_finally && let ExprKind::Conditional { cond, then, else_ } = &e.kind {
                    // `return c ? a : b;` returns from each branch.
                    let else_label = self.new_label();
                    self.cond_jump(cond, false, else_label);
                    let v = self.expr_to(then, &t, Dest::Any);
                    self.emit(Instr::Return { src: v.reg });
                    self.place(else_label);
                    let v = self.expr_to(else_, &t, Dest::Any);
                    self.emit(Instr::Return { src: v.reg });
                    return;
                }
                let dest = if has_finally { Dest::Into(self.alloc()) } else { Dest::Any };
                let v = self.expr_to(e, &t, dest);
                self.leave_to(0);
                self.emit(Instr::Return { src: v.reg });
            }
            (RetKind::Infer, None) => {
                self.f().returns.push(Type::Void);
                self.leave_to(0);
                self.emit(Instr::ReturnVoid {});
            }
            (RetKind::Infer, Some(e)) => {
                let dest = if has_finally { Dest::Into(self.alloc()) } else { Dest::Any };
                let v = self.expr(e, dest, None);
                self.f().returns.push(v.ty.clone());
                self.leave_to(0);
                self.emit(Instr::Return { src: v.reg });
            }
        }
    }

    // ----- try --------------------------------------------------------------

    /// `try body` protected by a finally (for `using`).
    fn protected(&mut self, fin: Finally<'a>, body: &mut dyn FnMut(&mut Self)) {
        self.try_general(&mut |c| body(c), &[], Some(fin));
    }

    fn try_stmt(&mut self, body: &'a Block<'a>, catches: &'a [ast::Catch<'a>], fin: Option<Finally<'a>>) {
        if catches.is_empty() && fin.is_none() {
            self.error(body.span, "Expected catch or finally");
        }
        self.try_general(&mut |c| c.compile_block(body), catches, fin);
    }

    fn try_general(
        &mut self,
        body: &mut dyn FnMut(&mut Self),
        catches: &'a [ast::Catch<'a>],
        fin: Option<Finally<'a>>,
    ) {
        let record = self.fr().tries.len();
        self.f().tries.push(Vec::new());
        let fin_reg = fin.map(|_| self.alloc());
        let scopes = self.scopes.len();
        self.f().exits.push(Exit::Try { record, finally: fin, scopes });
        let exit_idx = self.fr().exits.len() - 1;
        let end = self.new_label();

        let start = self.fr().b.pc();
        body(self);
        let try_end = self.fr().b.pc();
        if self.fr().b.falls_through() {
            self.leave_to(exit_idx);
            self.jump(end);
        }

        // Catch clauses; their rows are added after the loop, in order.
        let mut rows: Vec<(Pc, u16, HandlerKind)> = Vec::new();
        let mut caught: Vec<(ClassId, Span)> = Vec::new();
        for c in catches {
            let class = match &c.ty {
                Some(t) => {
                    let ty = self.resolve_type(t);
                    self.check_throwable(&ty, t.span);
                    match ty {
                        Type::Class(id) => id,
                        _ => self.exception_class.unwrap_or(BuiltinClass::Object.id()),
                    }
                }
                None => self.exception_class.unwrap_or(BuiltinClass::Object.id()),
            };
            if c.filter.is_none() {
                if let Some((prev, _)) = caught.iter().find(|(p, _)| self.derives_from(class, *p)) {
                    let pn = self.class(*prev).name.clone();
                    self.error(
                        c.span,
                        format!(
                            "A previous catch clause already catches all exceptions of this or of a super type ('{pn}')"
                        ),
                    );
                }
                caught.push((class, c.span));
            }
            let exc = self.alloc();
            let catch_ty = Type::Class(class);
            let kind = match c.filter {
                Some(filter) => {
                    let filter_pc = self.fr().b.pc();
                    self.set_line(filter.span);
                    self.enter_scope(ScopeKey::new(ScopeKind::Catch, c.span));
                    if let Some(n) = c.name {
                        self.declare_var(n.name, n.span, catch_ty.clone(), Some(Home::Reg(exc)));
                    }
                    let v = self.expr_to(filter, &Type::Bool, Dest::Any);
                    self.emit(Instr::EndFilter { src: v.reg });
                    self.exit_scope();
                    let filter_end = self.fr().b.pc();
                    // No handler of this method may cover a filter's code.
                    let records: Vec<usize> = self
                        .fr()
                        .exits
                        .iter()
                        .filter_map(|x| match x {
                            Exit::Try { record, .. } => Some(*record),
                            _ => None,
                        })
                        .collect();
                    for r in records {
                        self.f().tries[r].push((filter_pc, filter_end));
                    }
                    HandlerKind::Filter { class, filter: Pc(filter_pc) }
                }
                None => HandlerKind::Catch { class },
            };
            let target = Pc(self.fr().b.pc());
            self.set_line(c.body.span);
            self.enter_scope(ScopeKey::new(ScopeKind::Catch, c.span));
            if let Some(n) = c.name {
                self.declare_var(n.name, n.span, catch_ty, Some(Home::Reg(exc)));
            }
            self.f().catch_regs.push(exc);
            self.compile_block(c.body);
            self.f().catch_regs.pop();
            self.exit_scope();
            if self.fr().b.falls_through() {
                self.leave_to(exit_idx);
                self.jump(end);
            }
            rows.push((target, exc.0, kind));
        }
        let catches_end = self.fr().b.pc();
        self.f().exits.pop();
        let gaps = std::mem::take(&mut self.f().tries[record]);
        for (target, exc, kind) in rows {
            for (s, e) in subtract_gaps(start, try_end, &gaps) {
                self.b().add_handler(Handler { start: Pc(s), end: Pc(e), target, exception: Reg(exc).dst(), kind });
            }
        }
        if let (Some(fin), Some(reg)) = (fin, fin_reg) {
            let target = Pc(self.fr().b.pc());
            self.finally_body(fin);
            self.emit(Instr::EndFinally { src: reg });
            for (s, e) in subtract_gaps(start, catches_end, &gaps) {
                self.b().add_handler(Handler {
                    start: Pc(s),
                    end: Pc(e),
                    target,
                    exception: reg.dst(),
                    kind: HandlerKind::Finally,
                });
            }
        }
        self.place(end);
    }

    /// Errors unless the type is an exception type.
    pub(crate) fn check_throwable(&mut self, t: &Type, span: Span) {
        let ok = match t {
            Type::Class(c) => self.exception_class.is_none_or(|e| self.derives_from(*c, e)),
            Type::Error | Type::Dynamic | Type::Object | Type::Null => true,
            _ => false,
        };
        if !ok {
            self.error(span, "The type caught or thrown must be derived from System.Exception");
        }
    }

    // ----- switch -----------------------------------------------------------

    fn switch(&mut self, span: Span, scrutinee: &'a Expr<'a>, sections: &'a [ast::SwitchSection<'a>]) {
        let s = self.expr(scrutinee, Dest::Any, None);
        let s = if self.var_reg_is(s.reg) {
            // The sections may assign the variable; compare against a copy.
            let t = self.alloc();
            self.emit(Instr::Move { dst: t.dst(), src: s.reg });
            super::scope::Val { reg: t, ty: s.ty }
        } else {
            s
        };
        match &s.ty {
            Type::Int
            | Type::Long
            | Type::Char
            | Type::String
            | Type::Bool
            | Type::Error
            | Type::Dynamic
            | Type::Object => {}
            Type::Class(c) if self.is_enum(*c) => {}
            t => {
                let tn = self.type_name(t);
                self.error(
                    scrutinee.span,
                    format!("switch on a value of type '{tn}' is not supported (use int, string, char or an enum)"),
                );
            }
        }
        let brk = self.new_label();
        let labels: Vec<_> = sections.iter().map(|_| self.new_label()).collect();
        let mut default = None;
        let mut seen: Vec<ConstValue> = Vec::new();
        let t = self.alloc();
        let class = self.fr().class;
        for (i, sec) in sections.iter().enumerate() {
            for l in sec.labels {
                match l {
                    ast::SwitchLabel::Case(e) => {
                        match self.fold(e, class) {
                            Some(v) => {
                                if seen.contains(&v) {
                                    self.error(
                                        e.span,
                                        "The switch statement contains multiple cases with the same label value",
                                    );
                                }
                                seen.push(v);
                            }
                            None => {
                                // Enum members and constants of other classes fold too;
                                // anything else is not a constant.
                                self.error(e.span, "A constant value is expected");
                            }
                        }
                        let ty = s.ty.clone();
                        self.expr_to(e, &ty, Dest::Into(t));
                        self.emit(Instr::Eq { dst: t.dst(), a: s.reg, b: t });
                        self.b().emit_jump(|target| Instr::JumpIfTrue { cond: t, target }, labels[i]);
                    }
                    ast::SwitchLabel::Default(dspan) => {
                        if default.is_some() {
                            self.error(
                                *dspan,
                                "The switch statement contains multiple cases with the label value 'default'",
                            );
                        }
                        default = Some(labels[i]);
                    }
                }
            }
        }
        self.jump(default.unwrap_or(brk));
        self.f().exits.push(Exit::Switch { brk });
        self.enter_scope(ScopeKey::new(ScopeKind::Switch, span));
        for (i, sec) in sections.iter().enumerate() {
            self.place(labels[i]);
            self.compile_stmts(sec.body);
            if can_complete_list(sec.body) {
                let label_span = match sec.labels.last() {
                    Some(ast::SwitchLabel::Case(e)) => e.span,
                    Some(ast::SwitchLabel::Default(s)) => *s,
                    None => span,
                };
                let last = i + 1 == sections.len();
                let text = match sec.labels.last() {
                    Some(ast::SwitchLabel::Default(_)) => "default:".to_string(),
                    _ => "case:".to_string(),
                };
                if last {
                    self.error(
                        label_span,
                        format!("Control cannot fall out of switch from final case label ('{text}')"),
                    );
                } else {
                    self.error(
                        label_span,
                        format!("Control cannot fall through from one case label ('{text}') to another"),
                    );
                }
            }
        }
        self.exit_scope();
        self.f().exits.pop();
        self.place(brk);
    }

    /// Whether a register is one of the current function's named locals.
    fn var_reg_is(&self, r: Reg) -> bool {
        self.fr().b.locals.iter().any(|(x, _)| *x == r)
    }
}

/// `var` as a declaration's type.
pub(crate) fn is_var_type(t: &ast::TypeRef<'_>) -> bool {
    matches!(t.kind, ast::TypeRefKind::Named { name: "var", args: [] })
}

pub(crate) fn is_value_type(t: &Type, is_enum: impl Fn(ClassId) -> bool) -> bool {
    match t {
        Type::Int | Type::Long | Type::Double | Type::Decimal | Type::Bool | Type::Char => true,
        Type::Class(c) => is_enum(*c),
        _ => false,
    }
}

/// `[start, end)` minus the gaps, as non-empty ranges.
fn subtract_gaps(start: u32, end: u32, gaps: &[(u32, u32)]) -> Vec<(u32, u32)> {
    let mut gaps: Vec<(u32, u32)> = gaps.iter().copied().filter(|(s, e)| s < e && *e > start && *s < end).collect();
    gaps.sort();
    let mut out = Vec::new();
    let mut cur = start;
    for (s, e) in gaps {
        if s > cur {
            out.push((cur, s.min(end)));
        }
        cur = cur.max(e);
    }
    if cur < end {
        out.push((cur, end));
    }
    out
}

/// Whether control can reach the end of a statement list (for switch
/// sections, which must not fall through).
pub(crate) fn can_complete_list(stmts: &[Stmt<'_>]) -> bool {
    stmts.iter().all(can_complete)
}

fn can_complete(s: &Stmt<'_>) -> bool {
    match &s.kind {
        StmtKind::Break | StmtKind::Continue | StmtKind::Return(_) | StmtKind::Throw(_) => false,
        StmtKind::Block(b) => can_complete_list(b.stmts),
        StmtKind::If { then, else_: Some(e), .. } => can_complete(then) || can_complete(e),
        StmtKind::While { cond, body } => !is_true(cond) || has_break(body),
        StmtKind::DoWhile { body, cond } => (!is_true(cond) && can_complete(body)) || has_break(body),
        StmtKind::For { cond, body, .. } => cond.is_some_and(|c| !is_true(c)) || has_break(body),
        StmtKind::Try { body, catches, finally } => {
            if finally.is_some_and(|f| !can_complete_list(f.stmts)) {
                return false;
            }
            can_complete_list(body.stmts) || catches.iter().any(|c| can_complete_list(c.body.stmts))
        }
        StmtKind::Switch { sections, .. } => {
            let has_default =
                sections.iter().any(|s| s.labels.iter().any(|l| matches!(l, ast::SwitchLabel::Default(_))));
            !has_default || sections.iter().any(|s| s.body.iter().any(has_break) || can_complete_list(s.body))
        }
        StmtKind::Using { body, .. } | StmtKind::Lock { body, .. } => can_complete(body),
        _ => true,
    }
}

fn is_true(e: &Expr<'_>) -> bool {
    matches!(e.kind, ExprKind::Literal(ast::Literal::Bool(true)))
}

/// Whether a loop body contains a `break` that leaves that loop.
fn has_break(s: &Stmt<'_>) -> bool {
    match &s.kind {
        StmtKind::Break => true,
        StmtKind::Block(b) => b.stmts.iter().any(has_break),
        StmtKind::If { then, else_, .. } => has_break(then) || else_.is_some_and(has_break),
        StmtKind::Try { body, catches, finally } => {
            body.stmts.iter().any(has_break)
                || catches.iter().any(|c| c.body.stmts.iter().any(has_break))
                || finally.is_some_and(|f| f.stmts.iter().any(has_break))
        }
        StmtKind::Using { body, .. } | StmtKind::Lock { body, .. } => has_break(body),
        // A break inside a nested loop or switch leaves that one.
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::subtract_gaps;

    #[test]
    fn gaps_split_ranges() {
        assert_eq!(subtract_gaps(0, 10, &[]), vec![(0, 10)]);
        assert_eq!(subtract_gaps(0, 10, &[(3, 5)]), vec![(0, 3), (5, 10)]);
        assert_eq!(subtract_gaps(0, 10, &[(0, 2), (8, 10)]), vec![(2, 8)]);
        assert_eq!(subtract_gaps(0, 10, &[(12, 14)]), vec![(0, 10)]);
    }
}
