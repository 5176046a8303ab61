//! Method bodies: the prologue (`InitClass`, parameters), constructors
//! (field initializers, then the base constructor, then the body, as C#
//! does), static constructors, accessors, and the two passes over a body
//! that contains lambdas.

use std::collections::HashMap;

use vm::bytecode::{Args, ClassId, Instr, MethodId, Reg};
use vm::program::BuiltinClass;

use super::emit::Builder;
use super::scope::{self, Captures, Dest, FnState, Home, RetKind, ScopeKey, ScopeKind, ThisKind, Val};
use super::types::Type;
use super::{BodySource, Compiler, FieldKind, Origin};
use crate::ast::{self, ExprKind, Span};

impl<'a> Compiler<'a> {
    pub(crate) fn compile_bodies(&mut self) {
        let n = self.methods.len();
        let mut ordinals: HashMap<ClassId, u32> = HashMap::new();
        for i in 0..n {
            let id = MethodId(i as u32);
            if matches!(self.methods[i].body, BodySource::None) {
                continue;
            }
            let class = self.methods[i].class;
            let ord = ordinals.entry(class).or_insert(0);
            self.method_ordinal = *ord;
            *ord += 1;
            self.compile_method(id);
        }
        self.origin = Origin::User;
    }

    fn compile_method(&mut self, id: MethodId) {
        self.origin = self.methods[id.index()].origin;
        self.cur_method = Some(id);
        scope::reset_method_state(self);
        if self.body_has_lambda(id) {
            // Pass 1: learn what lambdas capture; its output is discarded.
            self.captures = Captures { analyzing: true, ..Captures::default() };
            let snap = self.snapshot();
            self.speculating += 1;
            self.compile_method_pass(id);
            self.speculating -= 1;
            self.rollback(snap);
            self.captures.analyzing = false;
            scope::reset_method_state(self);
        } else {
            self.captures = Captures::default();
        }
        self.compile_method_pass(id);
        self.cur_method = None;
    }

    fn body_has_lambda(&self, id: MethodId) -> bool {
        let m = &self.methods[id.index()];
        let body_has = |b: &ast::Body<'_>| match b {
            ast::Body::Block(b) => b.stmts.iter().any(scope::stmt_has_lambda),
            ast::Body::Expr(e) => scope::expr_has_lambda(e),
        };
        match m.body {
            BodySource::Method(d) => d.body.as_ref().is_some_and(body_has),
            BodySource::Ctor(d) => {
                d.is_some_and(|d| {
                    body_has(&d.body)
                        || d.initializer
                            .as_ref()
                            .is_some_and(|i| i.args.iter().any(|a| scope::expr_has_lambda(a.value)))
                }) || self.initializers_have_lambda(m.class, false)
            }
            BodySource::Cctor(d) => {
                d.is_some_and(|d| body_has(&d.body)) || self.initializers_have_lambda(m.class, true)
            }
            BodySource::Getter(p) => {
                p.expr_body.is_some_and(scope::expr_has_lambda)
                    || p.getter.as_ref().and_then(|g| g.body.as_ref()).is_some_and(body_has)
            }
            BodySource::Setter(p) => p.setter.as_ref().and_then(|g| g.body.as_ref()).is_some_and(body_has),
            BodySource::TopLevel(stmts) => stmts.iter().any(scope::stmt_has_lambda),
            _ => false,
        }
    }

    fn initializers_have_lambda(&self, class: ClassId, statics: bool) -> bool {
        self.classes[class.index()].fields.iter().any(|f| {
            let is_static = !matches!(f.kind, FieldKind::Instance(_));
            is_static == statics && f.init.is_some_and(scope::expr_has_lambda)
        })
    }

    fn compile_method_pass(&mut self, id: MethodId) {
        let info = &self.methods[id.index()];
        let (class, is_static, is_async, body, span) =
            (info.class, info.is_static, info.is_async, info.body, info.span);
        let params = info.params.clone();
        let name = info.name.clone();
        let ret = info.ret.clone();
        let is_ctor = info.is_ctor;
        let is_cctor = matches!(body, BodySource::Cctor(_));
        let ret_kind = if is_ctor || is_cctor || matches!(body, BodySource::Setter(_) | BodySource::AutoSetter(_)) {
            RetKind::Void
        } else if is_async {
            match &ret {
                t if t.is_lib("Task", 1) || t.is_lib("ValueTask", 1) => RetKind::Value(t.lib_args()[0].clone()),
                _ => RetKind::Void,
            }
        } else if ret == Type::Void {
            RetKind::Void
        } else {
            RetKind::Value(ret.clone())
        };
        let arity = params.len() + usize::from(!is_static);
        let this = if is_static { ThisKind::None } else { ThisKind::Instance };
        let mut fs = FnState::new(arity as u16, class, this, is_static, ret_kind.clone(), name.clone());
        fs.is_async = is_async;
        fs.is_ctor = is_ctor;
        fs.is_cctor = is_cctor;
        fs.b.line = self.line_of(span);
        self.fns.push(fs);
        self.enter_scope(ScopeKey::new(ScopeKind::Function, span));

        let has_cctor = self.classes[class.index()].cctor.is_some();
        if has_cctor && (is_static || is_ctor) && !is_cctor {
            self.emit(Instr::InitClass { class });
        }
        let off = u16::from(!is_static);
        let declare_params = |c: &mut Self| {
            for (i, p) in params.iter().enumerate() {
                let reg = Reg(i as u16 + off);
                let home = match p.modifier {
                    ast::ParamModifier::Ref | ast::ParamModifier::Out => Home::Boxed(reg),
                    _ => Home::Reg(reg),
                };
                c.declare_var(&p.name, p.span, p.ty.clone(), Some(home));
            }
        };

        match body {
            BodySource::None => {}
            BodySource::Method(d) => {
                declare_params(self);
                if let Some(b) = &d.body {
                    self.function_body(*b, &ret_kind);
                }
            }
            BodySource::TopLevel(stmts) => {
                declare_params(self);
                self.compile_stmts(stmts);
            }
            BodySource::Ctor(d) => {
                let chains_to_this = d.and_then(|d| d.initializer.as_ref()).is_some_and(|i| i.is_this);
                if !chains_to_this {
                    self.field_initializers(class, false);
                }
                declare_params(self);
                self.ctor_initializer(class, d, span);
                if let Some(d) = d {
                    self.function_body(d.body, &RetKind::Void);
                }
            }
            BodySource::Cctor(d) => {
                self.field_initializers(class, true);
                if let Some(d) = d {
                    self.function_body(d.body, &RetKind::Void);
                }
            }
            BodySource::Getter(p) => {
                declare_params(self);
                if let Some(e) = p.expr_body {
                    self.function_body(ast::Body::Expr(e), &ret_kind);
                } else if let Some(b) = p.getter.as_ref().and_then(|g| g.body.as_ref()) {
                    self.function_body(*b, &ret_kind);
                }
            }
            BodySource::Setter(p) => {
                declare_params(self);
                if let Some(b) = p.setter.as_ref().and_then(|g| g.body.as_ref()) {
                    self.function_body(*b, &RetKind::Void);
                }
            }
            BodySource::AutoGetter(f) => {
                let r = self.alloc();
                match self.classes[class.index()].fields[f].kind.clone() {
                    FieldKind::Instance(slot) => {
                        self.emit(Instr::GetField { dst: r.dst(), obj: Reg(0), field: slot, class })
                    }
                    FieldKind::Static(sid) => self.emit(Instr::GetStatic { dst: r.dst(), id: sid }),
                    FieldKind::Const(_) => self.emit(Instr::LoadNull { dst: r.dst() }),
                }
                self.emit(Instr::Return { src: r });
            }
            BodySource::AutoSetter(f) => {
                match self.classes[class.index()].fields[f].kind.clone() {
                    FieldKind::Instance(slot) => {
                        self.emit(Instr::SetField { obj: Reg(0), field: slot, src: Reg(1), class })
                    }
                    FieldKind::Static(sid) => self.emit(Instr::SetStatic { id: sid, src: Reg(0) }),
                    FieldKind::Const(_) => {}
                }
                self.emit(Instr::ReturnVoid {});
            }
            BodySource::ObjectMethod(which) => self.object_method_body(which),
            BodySource::Extern => {
                let r = self.alloc();
                if let Some(native) = self.extern_native(id) {
                    let args = vm::bytecode::Args::new(Reg(0), arity);
                    self.emit(Instr::CallNative { dst: r.dst(), native, args });
                } else {
                    // A prelude member whose native this build lacks: null.
                    self.emit(Instr::LoadNull { dst: r.dst() });
                }
                if ret == Type::Void {
                    self.emit(Instr::ReturnVoid {});
                } else {
                    self.emit(Instr::Return { src: r });
                }
            }
        }
        if self.fr().b.falls_through() {
            if let RetKind::Value(t) = &ret_kind
                && !t.is_unknown()
                && matches!(body, BodySource::Method(_) | BodySource::Getter(_))
            {
                let shown = match name.strip_prefix("get_") {
                    Some(p) => format!("{p}.get"),
                    None => format!("{name}()"),
                };
                let cname = self.classes[class.index()].name.clone();
                self.error(span, format!("'{cname}.{shown}': not all code paths return a value"));
            }
            self.emit(Instr::ReturnVoid {});
        }
        self.exit_scope();
        if let Some(fs) = self.fns.pop() {
            self.store_code(id, fs.b, span);
        }
    }

    /// A method's block or `=> expr` body.
    fn function_body(&mut self, b: ast::Body<'a>, ret: &RetKind) {
        match b {
            ast::Body::Block(block) => {
                self.set_line(block.span);
                self.compile_stmts(block.stmts);
            }
            ast::Body::Expr(e) => {
                self.set_line(e.span);
                self.reserve_decl_regs_expr(e);
                match ret {
                    RetKind::Void => {
                        if !super::closures::is_statement_expr(e) {
                            self.error(e.span, "Only assignment, call, increment, decrement, await, and new object expressions can be used as a statement");
                        }
                        self.expr_discard(e);
                        self.emit(Instr::ReturnVoid {});
                    }
                    _ => self.return_stmt(Some(e), e.span),
                }
            }
        }
    }

    /// Instance (or static) field and auto-property initializers, in
    /// declaration order.
    fn field_initializers(&mut self, class: ClassId, statics: bool) {
        let n = self.classes[class.index()].fields.len();
        for i in 0..n {
            let f = &self.classes[class.index()].fields[i];
            let Some(init) = f.init else { continue };
            let ty = f.ty.clone();
            match f.kind.clone() {
                FieldKind::Instance(slot) if !statics => {
                    self.set_line(init.span);
                    let m = self.mark();
                    self.reserve_decl_regs_expr(init);
                    let v = self.expr_to(init, &ty, Dest::Any);
                    self.emit(Instr::SetField { obj: Reg(0), field: slot, src: v.reg, class });
                    self.release(m);
                }
                FieldKind::Static(id) if statics => {
                    self.set_line(init.span);
                    let m = self.mark();
                    self.reserve_decl_regs_expr(init);
                    let v = self.expr_to(init, &ty, Dest::Any);
                    self.emit(Instr::SetStatic { id, src: v.reg });
                    self.release(m);
                }
                _ => {}
            }
        }
    }

    /// `: base(...)`, `: this(...)`, or the implicit `: base()`.
    fn ctor_initializer(&mut self, class: ClassId, d: Option<&'a ast::ConstructorDecl<'a>>, span: Span) {
        let init = d.and_then(|d| d.initializer.as_ref());
        let is_struct = self.classes[class.index()].kind == ast::TypeKind::Struct;
        let (target, args, ispan): (ClassId, &'a [ast::Arg<'a>], Span) = match init {
            Some(i) if i.is_this => (class, i.args, i.span),
            Some(i) => match self.classes[class.index()].base {
                Some(b) if !is_struct => (b, i.args, i.span),
                _ => {
                    self.error(i.span, "A struct has no base constructor to call");
                    return;
                }
            },
            None => {
                if is_struct {
                    return;
                }
                match self.classes[class.index()].base {
                    Some(b) if self.classes[b.index()].decl.is_some() => (b, &[], span),
                    _ => return,
                }
            }
        };
        if target.index() < BuiltinClass::ALL.len() {
            if !args.is_empty() {
                self.error(ispan, "'object' does not contain a constructor that takes arguments");
            }
            return;
        }
        let ctors = self.classes[target.index()].ctors.clone();
        let tname = self.classes[target.index()].name.clone();
        // A struct's `: this()` is its implicit parameterless constructor,
        // which zeroes every field: a new struct's fields already are.
        if is_struct
            && target == class
            && args.is_empty()
            && !ctors.iter().any(|c| self.methods[c.index()].params.is_empty())
        {
            return;
        }
        if ctors.is_empty() {
            if !args.is_empty() {
                self.error(
                    ispan,
                    format!("'{tname}' does not contain a constructor that takes {} arguments", args.len()),
                );
            }
            return;
        }
        self.set_line(ispan);
        let m = self.mark();
        let cands = self.method_cands(&ctors, false);
        let recv = Val { reg: Reg(0), ty: Type::Class(target) };
        let call_args: Vec<super::call::CallArg<'a>> = args.iter().map(super::call::CallArg::from).collect();
        self.invoke(cands, Some(recv), &call_args, Dest::Any, ispan, &tname, true);
        self.release(m);
    }

    /// `Object.ToString/Equals/GetHashCode`: the library's behaviour.
    fn object_method_body(&mut self, which: &'static str) {
        let nargs = if which == "Equals" { 2 } else { 1 };
        let found = vm::native::NATIVES
            .iter()
            .enumerate()
            .find(|(_, d)| d.owner == "Object" && d.name == which && !d.is_static && d.params.len() + 1 == nargs)
            .map(|(i, _)| vm::bytecode::NativeId(i as u16));
        let r = self.alloc();
        match (found, which) {
            (Some(native), _) => {
                self.emit(Instr::CallNative { dst: r.dst(), native, args: Args::new(Reg(0), nargs) });
            }
            (None, "ToString") => self.emit(Instr::ToStr { dst: r.dst(), src: Reg(0) }),
            (None, "Equals") => self.emit(Instr::Eq { dst: r.dst(), a: Reg(0), b: Reg(1) }),
            (None, _) => self.emit(Instr::LoadInt { dst: r.dst(), value: 0 }),
        }
        self.emit(Instr::Return { src: r });
    }

    /// Installs a finished function's code in its method.
    pub(crate) fn store_code(&mut self, id: MethodId, b: Builder, span: Span) {
        if b.overflowed {
            self.error(span, "This method needs too many registers; split it into smaller methods");
        }
        match b.finish() {
            Ok(f) => {
                let m = &mut self.program.methods[id.index()];
                m.code = f.code;
                m.lines = f.lines;
                m.handlers = f.handlers;
                m.nregs = f.nregs.max(m.arity);
                m.locals = f.locals;
            }
            Err(e) => self.internal(span, &e),
        }
    }

    // ----- registers for declaration expressions ------------------------------

    /// Reserves registers for the variables a statement's own expressions
    /// declare (`out var x`, `is T x`), before its temporaries, so they
    /// outlive the statement.
    pub(crate) fn reserve_decl_regs_stmt(&mut self, s: &ast::Stmt<'_>) {
        let mut n = 0;
        let mut count = |e: &ast::Expr<'_>| {
            scope::walk_expr(e, &mut |x| match &x.kind {
                ExprKind::DeclarationExpr { .. } => n += 1,
                ExprKind::Is { binding: Some(_), .. } => n += 1,
                _ => {}
            })
        };
        match &s.kind {
            ast::StmtKind::Local(d) => d.declarators.iter().filter_map(|d| d.init).for_each(&mut count),
            ast::StmtKind::Expr(e) => count(e),
            ast::StmtKind::If { cond, .. }
            | ast::StmtKind::While { cond, .. }
            | ast::StmtKind::DoWhile { cond, .. } => count(cond),
            ast::StmtKind::For { init, cond, step, .. } => {
                for i in init.iter() {
                    match &i.kind {
                        ast::StmtKind::Local(d) => d.declarators.iter().filter_map(|d| d.init).for_each(&mut count),
                        ast::StmtKind::Expr(e) => count(e),
                        _ => {}
                    }
                }
                cond.iter().for_each(|c| count(c));
                step.iter().for_each(&mut count);
            }
            ast::StmtKind::Foreach { iterable, .. } => count(iterable),
            ast::StmtKind::Return(Some(e)) | ast::StmtKind::Throw(Some(e)) => count(e),
            ast::StmtKind::Switch { scrutinee, .. } => count(scrutinee),
            ast::StmtKind::Using { resource: ast::UsingResource::Expr(e), .. } => count(e),
            ast::StmtKind::Using { resource: ast::UsingResource::Decl(d), .. } => {
                d.declarators.iter().filter_map(|d| d.init).for_each(&mut count)
            }
            ast::StmtKind::Lock { target, .. } => count(target),
            _ => {}
        }
        self.reserve_n(n);
    }

    pub(crate) fn reserve_decl_regs_expr(&mut self, e: &ast::Expr<'_>) {
        let mut n = 0;
        scope::walk_expr(e, &mut |x| match &x.kind {
            ExprKind::DeclarationExpr { .. } | ExprKind::Is { binding: Some(_), .. } => n += 1,
            _ => {}
        });
        self.reserve_n(n);
    }

    fn reserve_n(&mut self, n: usize) {
        self.f().pre_regs.clear();
        for _ in 0..n {
            let r = self.alloc();
            self.f().pre_regs.push_back(r);
        }
    }
}
