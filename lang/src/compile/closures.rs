//! Lambdas and method groups become delegates (`MakeDelegate`).
//!
//! A lambda's body is compiled as a method of its own, while the enclosing
//! function waits mid-expression: of the innermost display class around it
//! when it captures variables (its `this` is the display object), of the
//! enclosing class when it captures only `this`, static otherwise. Which one
//! it is comes from the analysis pass (see `mod.rs`).
//!
//! Its parameter types and result type come from the delegate type the
//! context expects (`Func<int, bool> f = x => ...`, a parameter's type);
//! without one, typed parameters are used and the result is inferred from
//! the body. Overload resolution may compile a lambda speculatively to learn
//! its result type (`Task.Run(() => 42)` is `Func<int>`), undoing everything
//! that compilation added.

use vm::bytecode::{Instr, Reg};
use vm::program::AsyncReturn;

use super::declare::MethodOpts;
use super::scope::{Dest, FnState, Home, RetKind, ScopeKey, ScopeKind, ThisKind, Val};
use super::types::Type;
use super::{BodySource, Compiler, ParamInfo};
use crate::ast::{self, Body, Expr, ExprKind, LambdaParam, Span};

impl<'a> Compiler<'a> {
    pub(crate) fn lambda(
        &mut self,
        e: &'a Expr<'a>,
        is_async: bool,
        params: &'a [LambdaParam<'a>],
        body: Body<'a>,
        expected: Option<&Type>,
        dest: Dest,
    ) -> Val {
        let sig = expected.and_then(|t| t.delegate_sig());
        if let Some(t) = expected
            && sig.is_none()
            && !t.is_unknown()
            && !t.is_lib("Delegate", 0)
            && *t != Type::Object
        {
            let tn = self.type_name(t);
            self.error(
                e.span,
                format!("Cannot convert lambda expression to type '{tn}' because it is not a delegate type"),
            );
        }
        if let (Some((pts, _)), Some(t)) = (&sig, expected)
            && pts.len() != params.len()
        {
            let tn = self.type_name(t);
            self.error(e.span, format!("Delegate '{tn}' does not take {} arguments", params.len()));
        }
        if expected.is_none()
            && let Some(p) = params.iter().find(|p| p.ty.is_none())
        {
            self.error(p.name.span, format!("The type of lambda parameter '{}' cannot be inferred; give it a type or assign the lambda to a delegate type", p.name.name));
        }
        let param_tys: Vec<Type> = params
            .iter()
            .enumerate()
            .map(|(i, p)| match &p.ty {
                Some(t) => self.resolve_type(t),
                None => sig.as_ref().and_then(|(pts, _)| pts.get(i).cloned()).unwrap_or(Type::Dynamic),
            })
            .collect();
        let ret = sig.map(|(_, r)| r);
        let (v, inferred) = self.compile_lambda(e, is_async, params, body, &param_tys, ret.as_ref(), dest);
        let ty = match expected {
            Some(t) if t.delegate_sig().is_some() => t.clone(),
            _ => {
                let result = if is_async {
                    if inferred == Type::Void { Type::lib("Task", vec![]) } else { Type::lib("Task", vec![inferred]) }
                } else {
                    inferred
                };
                if result == Type::Void {
                    Type::lib("Action", param_tys)
                } else {
                    let mut args = param_tys;
                    args.push(result);
                    Type::lib("Func", args)
                }
            }
        };
        Val { reg: v.reg, ty }
    }

    /// The result type of a lambda's body for these parameter types,
    /// compiled speculatively (everything it adds is undone).
    pub(crate) fn infer_lambda(&mut self, e: &'a Expr<'a>, param_tys: &[Type]) -> Option<Type> {
        let key = (e.span.start, e.span.end);
        if let Some((_, _, t)) = self.inferred.iter().find(|(k, p, _)| *k == key && p == param_tys) {
            return Some(t.clone());
        }
        if self.speculating > 4 {
            return None;
        }
        let ExprKind::Lambda { is_async, params, body } = &e.kind else { return None };
        let snap = self.snapshot();
        let bsnap = self.fr().b.snapshot();
        self.speculating += 1;
        let (_, inferred) = self.compile_lambda(e, *is_async, params, *body, param_tys, None, Dest::Any);
        self.speculating -= 1;
        self.rollback(snap);
        self.b().rollback(bsnap);
        self.inferred.push((key, param_tys.to_vec(), inferred.clone()));
        Some(inferred)
    }

    /// Compiles a lambda's method and makes the delegate; returns it and
    /// the type of what the body returns (`Void` when nothing).
    #[allow(clippy::too_many_arguments)]
    fn compile_lambda(
        &mut self,
        e: &'a Expr<'a>,
        is_async: bool,
        params: &'a [LambdaParam<'a>],
        body: Body<'a>,
        param_tys: &[Type],
        ret: Option<&Type>,
        dest: Dest,
    ) -> (Val, Type) {
        let span = e.span;
        let (ret_kind, mut async_ret) = if is_async {
            match ret {
                None => (RetKind::Infer, None),
                Some(t) if t.is_unknown() => (RetKind::Infer, None),
                Some(Type::Void) => (RetKind::Void, Some(AsyncReturn::Void)),
                Some(t) if t.is_lib("Task", 0) => (RetKind::Void, Some(AsyncReturn::Task)),
                Some(t) if t.is_lib("Task", 1) => (RetKind::Value(t.lib_args()[0].clone()), Some(AsyncReturn::TaskOf)),
                Some(t) if t.is_lib("ValueTask", 0) => (RetKind::Void, Some(AsyncReturn::ValueTask)),
                Some(t) if t.is_lib("ValueTask", 1) => {
                    (RetKind::Value(t.lib_args()[0].clone()), Some(AsyncReturn::ValueTaskOf))
                }
                Some(t) => {
                    let tn = self.type_name(t);
                    self.error(span, format!("Cannot convert async lambda expression to a delegate returning '{tn}': an async lambda may return void, Task or Task<T>"));
                    (RetKind::Infer, None)
                }
            }
        } else {
            match ret {
                None => (RetKind::Infer, None),
                Some(t) if t.is_unknown() => (RetKind::Infer, None),
                Some(Type::Void) => (RetKind::Void, None),
                Some(t) => (RetKind::Value(t.clone()), None),
            }
        };
        let key = (span.start, span.end);
        let caps = self.captures.lambdas.get(&key).copied().unwrap_or_default();
        let this = if self.captures.analyzing {
            ThisKind::None
        } else if caps.locals {
            match self.innermost_dc() {
                Some(d) => ThisKind::Display(d),
                None => {
                    self.internal(span, "a lambda captures variables but has no display class");
                    ThisKind::None
                }
            }
        } else if caps.this {
            ThisKind::Instance
        } else {
            ThisKind::None
        };
        let method_class = match this {
            ThisKind::Display(d) => self.dcs[d].class,
            _ => self.fr().class,
        };

        // The delegate's target, evaluated in the enclosing function.
        let dst = self.dest_reg(dest);
        let m = self.mark();
        let target = self.alloc();
        match this {
            ThisKind::None => self.emit(Instr::LoadNull { dst: target.dst() }),
            ThisKind::Instance => {
                let t = self.this_reg(span).unwrap_or(Reg(0));
                self.emit(Instr::Move { dst: target.dst(), src: t });
            }
            ThisKind::Display(d) => {
                let o = self.dc_object(d);
                self.emit(Instr::Move { dst: target.dst(), src: o });
            }
        }

        let top_name = self.cur_method.map(|m| self.methods[m.index()].name.clone()).unwrap_or_default();
        let name = format!("<{top_name}>b__{}_{}", self.method_ordinal, self.lambda_counter);
        self.lambda_counter += 1;
        let infos: Vec<ParamInfo> = params
            .iter()
            .zip(param_tys)
            .map(|(p, t)| ParamInfo {
                name: p.name.name.to_string(),
                ty: t.clone(),
                modifier: ast::ParamModifier::None,
                default: None,
                span: p.name.span,
            })
            .collect();
        let info_ret = match &ret_kind {
            RetKind::Value(t) => t.clone(),
            RetKind::Void => Type::Void,
            RetKind::Infer => Type::Dynamic,
        };
        let opts = MethodOpts {
            is_static: this == ThisKind::None,
            is_async,
            async_return: async_ret,
            span,
            ..MethodOpts::default()
        };
        let id = self.add_method(method_class, &name, infos, info_ret, opts, BodySource::None);
        // Its parameters' types come from the delegate type it converts to,
        // which nothing checks when the library calls it: `Any`.
        let typed = usize::from(this != ThisKind::None);
        for t in self.program.methods[id.index()].param_types.iter_mut().skip(typed) {
            *t = vm::program::SlotType::Any;
        }

        let arity = params.len() + usize::from(this != ThisKind::None);
        let is_static = self.fr().is_static;
        let class = self.fr().class;
        let line = self.fr().b.line;
        let mut fs = FnState::new(arity as u16, class, this, is_static, ret_kind.clone(), name);
        fs.is_async = is_async;
        fs.lambda = Some(span);
        fs.scope_base = self.scopes.len();
        fs.b.line = line;
        self.fns.push(fs);
        self.enter_scope(ScopeKey::new(ScopeKind::Function, span));
        let off = u16::from(this != ThisKind::None);
        for (i, p) in params.iter().enumerate() {
            let ty = param_tys.get(i).cloned().unwrap_or(Type::Dynamic);
            self.declare_var(p.name.name, p.name.span, ty, Some(Home::Reg(Reg(i as u16 + off))));
        }
        let mut inferred = Type::Void;
        match body {
            Body::Expr(x) => {
                self.set_line(x.span);
                self.reserve_decl_regs_expr(x);
                match &ret_kind {
                    RetKind::Void => {
                        if !is_statement_expr(x) {
                            self.error(x.span, "Only assignment, call, increment, decrement, await, and new object expressions can be used as a statement");
                        }
                        self.expr_discard(x);
                        self.emit(Instr::ReturnVoid {});
                    }
                    RetKind::Value(t) => {
                        let t = t.clone();
                        let v = self.expr_to(x, &t, Dest::Any);
                        self.emit(Instr::Return { src: v.reg });
                        inferred = t;
                    }
                    RetKind::Infer => {
                        let v = self.expr(x, Dest::Any, None);
                        if v.ty == Type::Void {
                            self.emit(Instr::ReturnVoid {});
                        } else {
                            self.emit(Instr::Return { src: v.reg });
                        }
                        inferred = v.ty;
                    }
                }
            }
            Body::Block(b) => {
                self.set_line(b.span);
                self.compile_stmts(b.stmts);
                if self.fr().b.falls_through() {
                    if let RetKind::Value(t) = &ret_kind
                        && !t.is_unknown()
                    {
                        self.error(span, "Not all code paths return a value in lambda expression");
                    }
                    self.emit(Instr::ReturnVoid {});
                }
                inferred = match &ret_kind {
                    RetKind::Value(t) => t.clone(),
                    RetKind::Void => Type::Void,
                    RetKind::Infer => {
                        let rs: Vec<Type> = self.fr().returns.iter().filter(|t| **t != Type::Void).cloned().collect();
                        let mut acc: Option<Type> = None;
                        for t in rs {
                            acc = Some(match acc {
                                None => t,
                                Some(a) => self.common_type(&a, &t).unwrap_or(Type::Object),
                            });
                        }
                        acc.unwrap_or(Type::Void)
                    }
                };
            }
        }
        self.exit_scope();
        let fs = self.fns.pop();
        if let Some(fs) = fs {
            self.store_code(id, fs.b, span);
        }
        if is_async && async_ret.is_none() {
            async_ret = Some(if inferred == Type::Void { AsyncReturn::Task } else { AsyncReturn::TaskOf });
            self.program.methods[id.index()].flags.is_async = async_ret;
        }
        self.emit(Instr::MakeDelegate { dst: dst.dst(), method: id, target });
        self.release(m);
        (Val { reg: dst, ty: Type::Dynamic }, inferred)
    }

    /// A method group converted to a delegate type (`Action a = Foo;`,
    /// `list.ForEach(Print)`).
    pub(crate) fn method_group(
        &mut self,
        ids: Vec<vm::bytecode::MethodId>,
        recv: Option<Val>,
        expected: Option<&Type>,
        dest: Dest,
        span: Span,
    ) -> Val {
        let name = ids.first().map(|m| self.methods[m.index()].name.clone()).unwrap_or_default();
        let target_ty = match expected {
            Some(t) if t.delegate_sig().is_some() => t.clone(),
            Some(t) if t.is_unknown() => {
                return self.error_val(dest);
            }
            Some(t) => {
                let tn = self.type_name(t);
                self.error(span, format!("Cannot convert method group '{name}' to non-delegate type '{tn}'. Did you intend to invoke the method?"));
                return self.error_val(dest);
            }
            None if ids.len() == 1 => {
                // The method group's natural type.
                let m = &self.methods[ids[0].index()];
                let mut ps: Vec<Type> = m.params.iter().map(|p| p.ty.clone()).collect();
                if m.ret == Type::Void {
                    Type::lib("Action", ps)
                } else {
                    ps.push(m.ret.clone());
                    Type::lib("Func", ps)
                }
            }
            None => {
                self.error(
                    span,
                    format!("Cannot infer a delegate type for method group '{name}'; assign it to a typed variable"),
                );
                return self.error_val(dest);
            }
        };
        let Some((pts, _)) = target_ty.delegate_sig() else { return self.error_val(dest) };
        let fits: Vec<vm::bytecode::MethodId> =
            ids.iter().copied().filter(|m| self.methods[m.index()].params.len() == pts.len()).collect();
        let chosen = fits
            .iter()
            .copied()
            .find(|m| self.methods[m.index()].params.iter().zip(&pts).all(|(p, t)| p.ty == *t || t.is_unknown()))
            .or_else(|| fits.first().copied());
        let Some(m) = chosen else {
            let tn = self.type_name(&target_ty);
            self.error(span, format!("No overload for '{name}' matches delegate '{tn}'"));
            return self.error_val(dest);
        };
        let is_static = self.methods[m.index()].is_static;
        let dst = self.dest_reg(dest);
        let mark = self.mark();
        let target = self.alloc();
        if is_static {
            self.emit(Instr::LoadNull { dst: target.dst() });
        } else {
            match recv {
                Some(r) => self.emit(Instr::Move { dst: target.dst(), src: r.reg }),
                None => {
                    self.error(
                        span,
                        format!(
                            "An object reference is required for the non-static field, method, or property '{name}'"
                        ),
                    );
                    self.emit(Instr::LoadNull { dst: target.dst() });
                }
            }
        }
        self.emit(Instr::MakeDelegate { dst: dst.dst(), method: m, target });
        self.release(mark);
        Val { reg: dst, ty: target_ty }
    }
}

/// Expressions C# accepts as statements.
pub(crate) fn is_statement_expr(e: &Expr<'_>) -> bool {
    matches!(
        e.kind,
        ExprKind::Call { .. }
            | ExprKind::Assign { .. }
            | ExprKind::New { .. }
            | ExprKind::Await(_)
            | ExprKind::Throw(_)
            | ExprKind::Unary {
                op: ast::UnaryOp::PreInc | ast::UnaryOp::PreDec | ast::UnaryOp::PostInc | ast::UnaryOp::PostDec,
                ..
            }
    )
}
