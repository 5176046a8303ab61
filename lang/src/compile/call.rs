//! Calls: finding the candidates (methods, extension methods, natives,
//! delegates), compiling the arguments, choosing an overload, and laying
//! out the argument registers.
//!
//! Arguments are compiled, in source order, straight into a run of
//! consecutive registers (after the receiver, if any). Lambdas, method
//! groups and `out var` declarations wait until the overload is chosen,
//! because their meaning depends on the parameter's type. When the chosen
//! method takes its arguments in that order (no named arguments, defaults or
//! `params` packing) the run is the call's argument block as it stands, so
//! `Fib(n - 1)` is one `AddImm` and one `Call`.
//!
//! `ref`/`out` arguments go through a `StrongBox`: the caller boxes the
//! current value (for `ref`), passes the box, and copies slot 0 back into the
//! variable, field or element afterwards.

use vm::bytecode::{Args, ClassId, Conversion, Dst, FieldSlot, Instr, MethodId, NativeId, Reg};
use vm::program::BuiltinClass;

use super::consts::ConstValue;
use super::expr::{erase_params, is_value};
use super::members::{Member, Named};
use super::place::Place;
use super::scope::{Dest, Home, Val};
use super::types::{self, Type};
use super::{Compiler, ParamInfo};
use crate::ast::{self, Arg, ArgModifier, Expr, ExprKind, ParamModifier, Span};

/// An argument of a call: from the source (`Arg`), an index expression, or
/// a collection initializer's element.
#[derive(Clone, Copy, Debug)]
pub(crate) struct CallArg<'a> {
    pub name: Option<ast::Ident<'a>>,
    pub modifier: ArgModifier,
    pub value: &'a Expr<'a>,
}

impl<'a> From<&'a Arg<'a>> for CallArg<'a> {
    fn from(a: &'a Arg<'a>) -> CallArg<'a> {
        CallArg { name: a.name, modifier: a.modifier, value: a.value }
    }
}

/// What a candidate calls.
#[derive(Clone, Copy, Debug)]
pub(crate) enum CandKind {
    /// A method; `virt` dispatches on the receiver.
    Method {
        id: MethodId,
        virt: bool,
    },
    /// An extension method: the receiver is its first argument.
    Extension(MethodId),
    Native(NativeId),
    /// Invoking a delegate (the receiver).
    Delegate,
}

#[derive(Clone, Debug)]
pub(crate) struct Cand {
    pub kind: CandKind,
    /// Parameters after the receiver.
    pub params: Vec<ParamInfo>,
    pub ret: Type,
    /// Type parameters already bound (a native's receiver's type arguments).
    pub bindings: Vec<(String, Type)>,
}

/// An argument as the overload resolver sees it.
#[derive(Clone, Debug)]
enum ArgKind {
    Value(Type),
    Lambda,
    MethodGroup(Vec<MethodId>),
    /// `out var x` / `out T x` (the type, unless `var`).
    OutDecl(Option<Type>),
    /// `ref x` / `out x`: the place's type.
    Place(Type),
}

struct ArgInfo<'a> {
    kind: ArgKind,
    name: Option<ast::Ident<'a>>,
    modifier: ArgModifier,
    expr: &'a Expr<'a>,
}

/// Where a parameter's value comes from.
#[derive(Clone, Debug)]
enum Slot {
    Arg(usize),
    Default(ConstValue),
    /// A `params` array built from these arguments.
    Params(Vec<usize>),
}

struct Applicable {
    cand: usize,
    slots: Vec<Slot>,
    ranks: Vec<u32>,
    penalty: u32,
    bindings: Vec<(String, Type)>,
}

enum MapError {
    Count,
    Name(String),
    Types(usize, Type, Type),
    Modifier(usize),
}

impl<'a> Compiler<'a> {
    // ----- finding candidates ---------------------------------------------

    pub(crate) fn method_cands(&self, ids: &[MethodId], use_virtual: bool) -> Vec<Cand> {
        ids.iter()
            .map(|&id| {
                let m = &self.methods[id.index()];
                let virt = use_virtual && m.is_virtual;
                let kind = if m.is_extension && m.is_static {
                    CandKind::Extension(id)
                } else if let Some(native) = self.extern_native(id).filter(|_| !virt) {
                    // A prelude `extern` method is its native: calls go there directly.
                    CandKind::Native(native)
                } else {
                    CandKind::Method { id, virt }
                };
                let params =
                    if matches!(kind, CandKind::Extension(_)) { m.params[1..].to_vec() } else { m.params.clone() };
                Cand { kind, params, ret: m.ret.clone(), bindings: Vec::new() }
            })
            .collect()
    }

    pub(crate) fn native_cands_pub(&self, owner: &str, name: &str, is_static: bool, recv_ty: &Type) -> Vec<Cand> {
        let bindings = self.receiver_bindings(recv_ty);
        self.natives_named(owner, name, is_static)
            .into_iter()
            .map(|(id, def)| Cand {
                kind: CandKind::Native(id),
                params: self.native_params(def, &bindings),
                ret: self.lib_type(&types::parse_signature(def.ret).ty.substitute(&bindings)),
                bindings: bindings.clone(),
            })
            .collect()
    }

    fn delegate_cand(&self, t: &Type, nargs: usize) -> Cand {
        let (params, ret) = match t.delegate_sig() {
            Some(s) => s,
            None => (vec![Type::Dynamic; nargs], Type::Dynamic),
        };
        let params = params
            .into_iter()
            .enumerate()
            .map(|(i, ty)| ParamInfo {
                name: format!("arg{}", i + 1),
                ty,
                modifier: ParamModifier::None,
                default: None,
                span: Span::default(),
            })
            .collect();
        Cand { kind: CandKind::Delegate, params, ret, bindings: Vec::new() }
    }

    /// `callee(args)`.
    pub(crate) fn call_expr(&mut self, callee: &'a Expr<'a>, args: &'a [Arg<'a>], dest: Dest, span: Span) -> Val {
        let args: Vec<CallArg<'a>> = args.iter().map(CallArg::from).collect();
        self.call_general(callee, &args, dest, span, false)
    }

    /// A call whose result is not used.
    pub(crate) fn call_expr_discard(&mut self, callee: &'a Expr<'a>, args: &'a [Arg<'a>], span: Span) {
        let args: Vec<CallArg<'a>> = args.iter().map(CallArg::from).collect();
        self.call_general(callee, &args, Dest::Any, span, true);
    }

    fn call_general(
        &mut self,
        callee: &'a Expr<'a>,
        args: &[CallArg<'a>],
        dest: Dest,
        span: Span,
        discard: bool,
    ) -> Val {
        match &callee.kind {
            ExprKind::Name(id) => {
                if let Some(v) = self.lookup_var(id.name) {
                    let r = self.alloc();
                    let d = self.load_var(v, Dest::Into(r));
                    return self.delegate_call(d, args, dest, span, discard);
                }
                let class = self.fr().class;
                match self.find_member_in_scope(class, id.name) {
                    Some(Member::Methods(ids)) => {
                        let in_static = self.fr().is_static;
                        let statics: Vec<MethodId> =
                            ids.iter().copied().filter(|m| self.methods[m.index()].is_static).collect();
                        let instance: Vec<MethodId> =
                            ids.iter().copied().filter(|m| !self.methods[m.index()].is_static).collect();
                        if instance.is_empty() || (in_static && !statics.is_empty()) {
                            let cands = self.method_cands(&statics, false);
                            return self.invoke(cands, None, args, dest, span, id.name, discard);
                        }
                        if in_static {
                            self.error(id.span, format!("An object reference is required for the non-static field, method, or property '{}'", id.name));
                            return self.error_val(dest);
                        }
                        let Some(this) = self.this_reg(id.span) else { return self.error_val(dest) };
                        let recv = Val { reg: this, ty: Type::Class(class) };
                        let mut cands = self.method_cands(&instance, true);
                        cands.extend(self.method_cands(&statics, false));
                        self.invoke_mixed(cands, recv, args, dest, span, id.name, discard)
                    }
                    Some(_) => {
                        let v = self.expr(callee, Dest::Any, None);
                        let r = self.alloc();
                        let v = self.put_in(v, Dest::Into(r));
                        self.delegate_call(v, args, dest, span, discard)
                    }
                    None => {
                        // `GetType()` and the other natives of `object`, on `this`.
                        if !self.fr().is_static && !self.natives_named("Object", id.name, false).is_empty() {
                            let Some(this) = self.this_reg(id.span) else { return self.error_val(dest) };
                            let recv = Val { reg: this, ty: Type::Class(class) };
                            let cands = self.native_cands_pub("Object", id.name, false, &recv.ty);
                            return self.invoke(cands, Some(recv), args, dest, span, id.name, discard);
                        }
                        self.error(id.span, format!("The name '{}' does not exist in the current context", id.name));
                        self.error_val(dest)
                    }
                }
            }
            ExprKind::Member { target, name, null_conditional, .. } => {
                if let ExprKind::Base = target.kind {
                    return self.base_call(target.span, *name, args, dest, span, discard);
                }
                if !*null_conditional {
                    match self.named(target) {
                        Some(Named::Type(t)) => return self.static_call(&t, *name, args, dest, span, discard),
                        Some(Named::Namespace(ns)) => {
                            self.error(
                                name.span,
                                format!(
                                    "The type or namespace name '{}' does not exist in the namespace '{ns}'",
                                    name.name
                                ),
                            );
                            return self.error_val(dest);
                        }
                        None => {}
                    }
                }
                if *null_conditional {
                    let name = *name;
                    return self.null_conditional(target, dest, span, &mut |c, recv, d| {
                        let r = c.alloc();
                        let recv = c.put_in(recv, Dest::Into(r));
                        c.member_call(recv, name, args, d, span, false)
                    });
                }
                self.call_on(target, *name, args, dest, span, discard, &mut |_, _| {})
            }
            ExprKind::GenericName { name, .. } => {
                self.error(name.span, "Generic methods are not supported yet");
                self.error_val(dest)
            }
            _ => {
                let r = self.alloc();
                let m = self.mark();
                let v = self.expr(callee, Dest::Into(r), None);
                self.release(m);
                self.delegate_call(v, args, dest, span, discard)
            }
        }
    }

    /// `target.name(args)` on a value (not a type, `base` or `?.`):
    /// `on_recv` sees the receiver once its code is emitted.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn call_on(
        &mut self,
        target: &'a Expr<'a>,
        name: ast::Ident<'a>,
        args: &[CallArg<'a>],
        dest: Dest,
        span: Span,
        discard: bool,
        on_recv: &mut dyn FnMut(&mut Self, &Val),
    ) -> Val {
        let r = self.alloc();
        let m = self.mark();
        let recv = self.expr(target, Dest::Into(r), None);
        on_recv(self, &recv);
        self.release(m);
        self.member_call(recv, name, args, dest, span, discard)
    }

    /// Candidates that mix instance methods (with the receiver) and static
    /// ones (without): resolve first, then lay out for the one chosen.
    #[allow(clippy::too_many_arguments)]
    fn invoke_mixed(
        &mut self,
        cands: Vec<Cand>,
        recv: Val,
        args: &[CallArg<'a>],
        dest: Dest,
        span: Span,
        name: &str,
        discard: bool,
    ) -> Val {
        let all_instance =
            cands.iter().all(|c| matches!(c.kind, CandKind::Method { id, .. } if !self.methods[id.index()].is_static));
        if all_instance {
            return self.invoke(cands, Some(recv), args, dest, span, name, discard);
        }
        let (inst, stat): (Vec<Cand>, Vec<Cand>) = cands
            .into_iter()
            .partition(|c| matches!(c.kind, CandKind::Method { id, .. } if !self.methods[id.index()].is_static));
        let nargs = args.len();
        let fits = |c: &Cand| c.params.len() == nargs;
        if inst.iter().any(fits) || stat.is_empty() {
            self.invoke(inst, Some(recv), args, dest, span, name, discard)
        } else {
            self.invoke(stat, None, args, dest, span, name, discard)
        }
    }

    fn base_call(
        &mut self,
        base_span: Span,
        name: ast::Ident<'a>,
        args: &[CallArg<'a>],
        dest: Dest,
        span: Span,
        discard: bool,
    ) -> Val {
        let class = self.fr().class;
        let Some(base) = self.classes[class.index()].base else { return self.error_val(dest) };
        let Some(this) = self.this_reg(base_span) else { return self.error_val(dest) };
        match self.find_member(base, name.name) {
            Some(Member::Methods(ids)) => {
                // Non-virtual: `base.M()` calls exactly the base's method.
                let cands = self.method_cands(&ids, false);
                let recv = Val { reg: this, ty: Type::Class(base) };
                self.invoke(cands, Some(recv), args, dest, span, name.name, discard)
            }
            _ => {
                let bn = self.classes[base.index()].name.clone();
                self.error(name.span, format!("'{bn}' does not contain a definition for '{}'", name.name));
                self.error_val(dest)
            }
        }
    }

    /// `T.M(args)`.
    fn static_call(
        &mut self,
        t: &Type,
        name: ast::Ident<'a>,
        args: &[CallArg<'a>],
        dest: Dest,
        span: Span,
        discard: bool,
    ) -> Val {
        match t {
            Type::Class(c) => {
                let c = *c;
                match self.find_member(c, name.name) {
                    Some(Member::Methods(ids)) => {
                        let statics: Vec<MethodId> =
                            ids.iter().copied().filter(|m| self.methods[m.index()].is_static).collect();
                        if statics.is_empty() {
                            self.error(name.span, format!("An object reference is required for the non-static field, method, or property '{}'", name.name));
                            return self.error_val(dest);
                        }
                        // Extension methods called as ordinary static methods.
                        let cands: Vec<Cand> = statics
                            .iter()
                            .map(|&id| {
                                let m = &self.methods[id.index()];
                                Cand {
                                    kind: CandKind::Method { id, virt: false },
                                    params: m.params.clone(),
                                    ret: m.ret.clone(),
                                    bindings: Vec::new(),
                                }
                            })
                            .collect();
                        self.invoke(cands, None, args, dest, span, name.name, discard)
                    }
                    Some(Member::Field { .. } | Member::Prop { .. }) => {
                        let target = Expr { kind: ExprKind::Name(name), span: name.span };
                        let _ = target;
                        let v = self.static_member_value(t, name, Dest::Any);
                        let r = self.alloc();
                        let v = self.put_in(v, Dest::Into(r));
                        self.delegate_call(v, args, dest, span, discard)
                    }
                    None => {
                        let tn = self.type_name(t);
                        self.error(name.span, format!("'{tn}' does not contain a definition for '{}'", name.name));
                        self.error_val(dest)
                    }
                }
            }
            t => {
                let owner = match t.native_owner() {
                    Some(o) => o.to_string(),
                    None => {
                        let tn = self.type_name(t);
                        self.error(name.span, format!("'{tn}' does not contain a definition for '{}'", name.name));
                        return self.error_val(dest);
                    }
                };
                let cands = self.native_cands_pub(&owner, name.name, true, t);
                if cands.is_empty() {
                    let tn = self.type_name(t);
                    self.error(name.span, format!("'{tn}' does not contain a definition for '{}'", name.name));
                    return self.error_val(dest);
                }
                self.invoke(cands, None, args, dest, span, name.name, discard)
            }
        }
    }

    /// The value of a static field or property (for calling a delegate
    /// stored there).
    fn static_member_value(&mut self, t: &Type, name: ast::Ident<'a>, dest: Dest) -> Val {
        let Type::Class(c) = t else { return self.error_val(dest) };
        match self.find_member(*c, name.name) {
            Some(m @ (Member::Field { .. } | Member::Prop { .. })) => self.read_member(m, None, dest, name.span),
            _ => self.error_val(dest),
        }
    }

    /// `recv.M(args)` for a value.
    pub(crate) fn member_call(
        &mut self,
        recv: Val,
        name: ast::Ident<'a>,
        args: &[CallArg<'a>],
        dest: Dest,
        span: Span,
        discard: bool,
    ) -> Val {
        if let Type::Nullable(inner) = &recv.ty {
            let inner = (**inner).clone();
            if name.name == "GetValueOrDefault" && args.is_empty() {
                let dst = self.dest_reg(dest);
                let end = self.new_label();
                self.emit(Instr::Move { dst: dst.dst(), src: recv.reg });
                self.b().emit_jump(|target| Instr::JumpIfNotNull { src: dst, target }, end);
                let is_enum = matches!(inner, Type::Class(c) if self.is_enum(c));
                self.load_const(&ConstValue::default_of(&inner, is_enum), dst.dst());
                self.place(end);
                return Val { reg: dst, ty: inner };
            }
            return self.member_call(Val { reg: recv.reg, ty: inner }, name, args, dest, span, discard);
        }
        let ty = recv.ty.clone();
        match &ty {
            Type::Error => {
                for a in args {
                    if !matches!(a.value.kind, ExprKind::Lambda { .. } | ExprKind::DeclarationExpr { .. }) {
                        self.expr(a.value, Dest::Any, None);
                    }
                }
                return self.error_val(dest);
            }
            Type::Dynamic => {
                self.error(name.span, format!("Cannot call '{}' on a value of unknown type; give it a type (for example a typed lambda parameter)", name.name));
                return self.error_val(dest);
            }
            Type::Class(c) if !self.is_enum(*c) => {
                let c = *c;
                match self.find_member(c, name.name) {
                    Some(Member::Methods(ids)) => {
                        let instance: Vec<MethodId> =
                            ids.iter().copied().filter(|m| !self.methods[m.index()].is_static).collect();
                        if instance.is_empty() {
                            self.error(name.span, format!("Member '{}' cannot be accessed with an instance reference; qualify it with a type name instead", name.name));
                            return self.error_val(dest);
                        }
                        let cands = self.method_cands(&instance, true);
                        return self.invoke(cands, Some(recv), args, dest, span, name.name, discard);
                    }
                    Some(m) => {
                        let v = self.read_member(m, Some(recv), Dest::Any, name.span);
                        let r = self.alloc();
                        let v = self.put_in(v, Dest::Into(r));
                        return self.delegate_call(v, args, dest, span, discard);
                    }
                    None => {}
                }
                let cands = self.native_cands_pub("Object", name.name, false, &ty);
                if !cands.is_empty() {
                    return self.invoke(cands, Some(recv), args, dest, span, name.name, discard);
                }
            }
            _ => {
                if name.name == "ToString" && args.is_empty() {
                    let dst = if discard { self.alloc() } else { self.dest_reg(dest) };
                    self.emit(Instr::ToStr { dst: dst.dst(), src: recv.reg });
                    return Val { reg: dst, ty: Type::String };
                }
                if ty.is_delegate() && name.name == "Invoke" {
                    return self.delegate_call(recv, args, dest, span, discard);
                }
                let owner = match &ty {
                    Type::Class(_) => "Enum".to_string(),
                    t => t.native_owner().unwrap_or("Object").to_string(),
                };
                let mut cands = self.native_cands_pub(&owner, name.name, false, &ty);
                if owner != "Object" {
                    cands.extend(self.native_cands_pub("Object", name.name, false, &ty));
                }
                if !cands.is_empty() {
                    return self.invoke(cands, Some(recv), args, dest, span, name.name, discard);
                }
                // A property of a delegate type (`kv.Value(1)`): read it, call it.
                let getter = format!("get_{}", name.name);
                if self.native_cands_pub(&owner, &getter, false, &ty).iter().any(|c| c.params.is_empty()) {
                    let r = self.alloc();
                    let v = self.member_of_value(recv, name, Dest::Into(r), None);
                    let v = self.put_in(v, Dest::Into(r));
                    if v.ty.is_delegate() || v.ty.is_unknown() {
                        return self.delegate_call(v, args, dest, span, discard);
                    }
                    let tn = self.type_name(&v.ty);
                    self.error(
                        name.span,
                        format!("Non-invocable member '{}' of type '{tn}' cannot be used like a method.", name.name),
                    );
                    return self.error_val(dest);
                }
            }
        }
        let ext = self.extension_methods(name.name, &ty);
        if !ext.is_empty() {
            let cands = self.method_cands(&ext, false);
            return self.invoke(cands, Some(recv), args, dest, span, name.name, discard);
        }
        let tn = self.type_name(&ty);
        self.error(name.span, format!("'{tn}' does not contain a definition for '{}'", name.name));
        self.error_val(dest)
    }

    /// Calls a parameterless instance method by name (`Dispose`).
    pub(crate) fn call_method_on(&mut self, recv: Val, name: &'static str, span: Span) {
        let r = self.alloc();
        let recv = self.put_in(recv, Dest::Into(r));
        self.member_call(recv, ast::Ident { name, span }, &[], Dest::Any, span, true);
    }

    fn delegate_call(&mut self, d: Val, args: &[CallArg<'a>], dest: Dest, span: Span, discard: bool) -> Val {
        if !d.ty.is_unknown() && !d.ty.is_delegate() {
            let tn = self.type_name(&d.ty);
            self.error(span, format!("'{tn}' cannot be called like a method"));
            return self.error_val(dest);
        }
        let cand = self.delegate_cand(&d.ty, args.len());
        self.invoke(vec![cand], Some(d), args, dest, span, "Invoke", discard)
    }

    /// A user indexer or a library type's `get_Item`.
    pub(crate) fn indexer_call(&mut self, recv: Val, args: &'a [Expr<'a>], dest: Dest, span: Span) -> Val {
        let cands = match &recv.ty {
            Type::Class(c) => match self.find_indexer(*c) {
                Some((class, idx)) => match self.classes[class.index()].props[idx].getter {
                    Some(g) => self.method_cands(&[g], true),
                    None => Vec::new(),
                },
                None => Vec::new(),
            },
            t => match t.native_owner() {
                Some(o) => {
                    let o = o.to_string();
                    self.native_cands_pub(&o, "get_Item", false, t)
                }
                None => Vec::new(),
            },
        };
        if cands.is_empty() {
            let tn = self.type_name(&recv.ty);
            self.error(span, format!("Cannot apply indexing with [] to an expression of type '{tn}'"));
            return self.error_val(dest);
        }
        let wrapped: Vec<CallArg<'a>> =
            args.iter().map(|e| CallArg { name: None, modifier: ArgModifier::None, value: e }).collect();
        let r = self.alloc();
        let recv = self.put_in(recv, Dest::Into(r));
        self.invoke(cands, Some(recv), &wrapped, dest, span, "this[]", false)
    }

    // ----- the call itself ------------------------------------------------

    /// Compiles the arguments, chooses among `cands`, and emits the call.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn invoke(
        &mut self,
        cands: Vec<Cand>,
        recv: Option<Val>,
        args: &[CallArg<'a>],
        dest: Dest,
        span: Span,
        name: &str,
        discard: bool,
    ) -> Val {
        let has_refout = args.iter().any(|a| matches!(a.modifier, ArgModifier::Ref | ArgModifier::Out));
        let pre_dst = match dest {
            Dest::Any if has_refout && !discard => Some(self.alloc()),
            _ => None,
        };
        let m0 = self.mark();
        let has_recv = recv.is_some();
        // The region: receiver (if any) then the arguments in source order.
        let base = match &recv {
            // A receiver alone is its own argument run, wherever it is.
            Some(r) if args.is_empty() => r.reg,
            Some(r) if !has_refout && r.reg.0 + 1 == m0 && !self.is_local_reg(r.reg) && r.reg.0 >= self.fr_arity() => {
                self.b().alloc_n(args.len());
                r.reg
            }
            Some(r) => {
                let base = self.b().alloc_n(args.len() + 1);
                self.emit(Instr::Move { dst: base.dst(), src: r.reg });
                base
            }
            None => self.b().alloc_n(args.len()),
        };
        let slot_of = |i: usize| Reg(base.0 + u16::from(has_recv) + i as u16);
        let region_end = base.0 + u16::from(has_recv) + args.len() as u16;

        // Arguments whose meaning does not depend on the overload.
        let common = |i: usize, cands: &[Cand]| -> Option<Type> {
            let mut t: Option<Type> = None;
            for c in cands {
                let p = c.params.get(i)?;
                let pt = if p.modifier == ParamModifier::Params {
                    p.ty.elem().cloned().unwrap_or(p.ty.clone())
                } else {
                    p.ty.clone()
                };
                if pt.has_param(types::TYPE_PARAMS) {
                    return None;
                }
                match &t {
                    None => t = Some(pt),
                    Some(x) if *x == pt => {}
                    Some(_) => return None,
                }
            }
            t
        };
        let mut infos: Vec<ArgInfo<'a>> = Vec::new();
        let mut places: Vec<(usize, Place)> = Vec::new();
        for (i, a) in args.iter().enumerate() {
            let slot = slot_of(i);
            let kind = match (a.modifier, &a.value.kind) {
                (ArgModifier::Out, ExprKind::DeclarationExpr { ty, .. }) => {
                    self.emit(Instr::NewObject { dst: slot.dst(), class: BuiltinClass::StrongBox.id() });
                    let t = if super::stmt::is_var_type(ty) { None } else { Some(self.resolve_type(ty)) };
                    ArgKind::OutDecl(t)
                }
                (ArgModifier::Out, ExprKind::Name(id)) if id.name == "_" && !self.peek_var("_") => {
                    self.emit(Instr::NewObject { dst: slot.dst(), class: BuiltinClass::StrongBox.id() });
                    places.push((i, Place::Discard));
                    ArgKind::OutDecl(None)
                }
                (ArgModifier::Ref | ArgModifier::Out, _) => {
                    let place = self.prepare_place(a.value, true);
                    let ty = place.ty();
                    if a.modifier == ArgModifier::Ref {
                        let m = self.mark();
                        let v = self.load_place(&place, Dest::Any);
                        self.emit(Instr::NewObject { dst: slot.dst(), class: BuiltinClass::StrongBox.id() });
                        self.emit(Instr::SetField {
                            obj: slot,
                            field: FieldSlot(0),
                            src: v.reg,
                            class: BuiltinClass::StrongBox.id(),
                        });
                        self.release(m);
                    } else {
                        self.emit(Instr::NewObject { dst: slot.dst(), class: BuiltinClass::StrongBox.id() });
                    }
                    if let Place::Prop { .. } | Place::IndexCall { .. } = place {
                        self.error(a.value.span, "A property or indexer may not be passed as an out or ref parameter");
                    }
                    places.push((i, place));
                    ArgKind::Place(ty)
                }
                (_, ExprKind::Lambda { .. }) => ArgKind::Lambda,
                _ => match self.method_group_of(a.value) {
                    Some(ids) => ArgKind::MethodGroup(ids),
                    None => {
                        let expected = common(i, &cands);
                        let m = self.mark();
                        let v = self.expr(a.value, Dest::Into(slot), expected.as_ref());
                        self.release(m);
                        ArgKind::Value(v.ty)
                    }
                },
            };
            infos.push(ArgInfo { kind, name: a.name, modifier: a.modifier, expr: a.value });
        }

        let Some(app) = self.choose(&cands, &infos, span, name, recv.as_ref().map(|r| &r.ty)) else {
            self.release(m0);
            return match pre_dst {
                Some(r) => Val { reg: r, ty: Type::Error },
                None => self.error_val(dest),
            };
        };
        let cand = cands[app.cand].clone();
        let bindings = app.bindings.clone();
        let params: Vec<ParamInfo> = cand
            .params
            .iter()
            .map(|p| ParamInfo { ty: erase_params(p.ty.substitute(&bindings)), ..p.clone() })
            .collect();
        let ret = erase_params(cand.ret.substitute(&bindings));

        // The deferred arguments, now that their parameter types are known.
        let mut out_decls: Vec<(usize, usize)> = Vec::new();
        for (pi, slot) in app.slots.iter().enumerate() {
            let idxs: Vec<usize> = match slot {
                Slot::Arg(i) => vec![*i],
                Slot::Params(v) => v.clone(),
                Slot::Default(_) => continue,
            };
            let p = &params[pi];
            let expanded = matches!(slot, Slot::Params(_));
            let pty = if expanded { p.ty.elem().cloned().unwrap_or(Type::Dynamic) } else { p.ty.clone() };
            for i in idxs {
                let r = slot_of(i);
                match &infos[i].kind {
                    ArgKind::Lambda | ArgKind::MethodGroup(_) => {
                        let m = self.mark();
                        let v = self.expr(infos[i].expr, Dest::Into(r), Some(&pty));
                        self.release(m);
                        infos[i].kind = ArgKind::Value(v.ty);
                    }
                    ArgKind::OutDecl(t) => {
                        if let ExprKind::DeclarationExpr { name, .. } = infos[i].expr.kind {
                            let ty = t.clone().unwrap_or(pty.clone());
                            let reg = self.pre_reg();
                            let v = self.declare_var(name.name, name.span, ty, Some(Home::Reg(reg)));
                            out_decls.push((i, v));
                        }
                    }
                    _ => {}
                }
            }
        }

        // `out` boxes start with the parameter type's default (natives that
        // find nothing write back a zero of the kind they find there).
        for (pi, slot) in app.slots.iter().enumerate() {
            let Slot::Arg(i) = slot else { continue };
            if infos[*i].modifier != ArgModifier::Out || !is_value(self, &params[pi].ty) {
                continue;
            }
            let is_enum = matches!(params[pi].ty, Type::Class(c) if self.is_enum(c));
            let d = ConstValue::default_of(&params[pi].ty, is_enum);
            let m = self.mark();
            let t = self.alloc();
            self.load_const(&d, t.dst());
            self.emit(Instr::SetField {
                obj: slot_of(*i),
                field: FieldSlot(0),
                src: t,
                class: BuiltinClass::StrongBox.id(),
            });
            self.release(m);
        }

        // The argument block.
        let identity = app.slots.len() == args.len()
            && app.slots.iter().enumerate().all(|(pi, s)| matches!(s, Slot::Arg(i) if *i == pi));
        let trailing_defaults = {
            let n = args.len();
            app.slots.len() >= n
                && app.slots[..n].iter().enumerate().all(|(pi, s)| matches!(s, Slot::Arg(i) if *i == pi))
                && app.slots[n..].iter().all(|s| matches!(s, Slot::Default(_)))
        };
        let block = if identity || (trailing_defaults && self.mark() == region_end) {
            for (pi, s) in app.slots.iter().enumerate() {
                let r = Reg(base.0 + u16::from(has_recv) + pi as u16);
                match s {
                    Slot::Arg(i) => {
                        if let ArgKind::Value(t) = &infos[*i].kind {
                            self.coerce(
                                Val { reg: r, ty: t.clone() },
                                &params[pi].ty,
                                Dest::Into(r),
                                infos[*i].expr.span,
                            );
                        }
                    }
                    Slot::Default(v) => {
                        self.b().alloc();
                        self.load_const(v, r.dst());
                        let t = v.ty();
                        self.coerce(Val { reg: r, ty: t }, &params[pi].ty, Dest::Into(r), span);
                    }
                    Slot::Params(_) => {}
                }
            }
            base
        } else {
            let n = params.len() + usize::from(has_recv);
            let block = self.b().alloc_n(n);
            if has_recv {
                self.emit(Instr::Move { dst: block.dst(), src: base });
            }
            for (pi, s) in app.slots.iter().enumerate() {
                let r = Reg(block.0 + u16::from(has_recv) + pi as u16);
                match s {
                    Slot::Arg(i) => {
                        let t = match &infos[*i].kind {
                            ArgKind::Value(t) | ArgKind::Place(t) => t.clone(),
                            _ => params[pi].ty.clone(),
                        };
                        self.coerce(
                            Val { reg: slot_of(*i), ty: t },
                            &params[pi].ty,
                            Dest::Into(r),
                            infos[*i].expr.span,
                        );
                    }
                    Slot::Default(v) => {
                        self.load_const(v, r.dst());
                        let t = v.ty();
                        self.coerce(Val { reg: r, ty: t }, &params[pi].ty, Dest::Into(r), span);
                    }
                    Slot::Params(idxs) => {
                        let elem = params[pi].ty.elem().cloned().unwrap_or(Type::Object);
                        let m = self.mark();
                        let len = self.alloc();
                        self.emit(Instr::LoadInt { dst: len.dst(), value: idxs.len() as i32 });
                        let elem_class = self.array_elem_class(&elem);
                        self.emit(Instr::NewArray { dst: r.dst(), elem: elem_class, len });
                        let t = self.alloc();
                        for (k, &i) in idxs.iter().enumerate() {
                            let at = match &infos[i].kind {
                                ArgKind::Value(at) => at.clone(),
                                _ => elem.clone(),
                            };
                            let v =
                                self.coerce(Val { reg: slot_of(i), ty: at }, &elem, Dest::Into(t), infos[i].expr.span);
                            self.emit(Instr::LoadInt { dst: len.dst(), value: k as i32 });
                            self.emit(Instr::SetIndex { obj: r, index: len, src: v.reg });
                        }
                        self.release(m);
                    }
                }
            }
            block
        };
        let count = params.len() + usize::from(has_recv);
        let args_run = Args::new(block, count);

        let dst = if discard {
            // Natives always write their result: give them a scratch register.
            match cand.kind {
                CandKind::Native(_) if count > 0 => block.dst(),
                CandKind::Native(_) => self.alloc().dst(),
                _ => Dst::DISCARD,
            }
        } else {
            match (dest, pre_dst) {
                (Dest::Into(d), _) => d.dst(),
                (Dest::Any, Some(d)) => d.dst(),
                (Dest::Any, None) if count > 0 && self.is_temp(block) => block.dst(),
                (Dest::Any, None) => self.alloc().dst(),
            }
        };
        // A void call's "result" register must not be one we read later.
        match cand.kind {
            CandKind::Method { id, virt } => {
                if virt {
                    self.emit(Instr::CallVirt { dst, method: id, args: args_run });
                } else {
                    self.emit(Instr::Call { dst, method: id, args: args_run });
                }
            }
            CandKind::Extension(id) => self.emit(Instr::Call { dst, method: id, args: args_run }),
            CandKind::Native(id) => {
                if count > 8 {
                    self.error(span, "A built-in method is called with too many arguments");
                }
                self.emit(Instr::CallNative { dst, native: id, args: args_run });
            }
            CandKind::Delegate => self.emit(Instr::CallDelegate { dst, args: args_run }),
        }

        // Copy `ref`/`out` results back.
        let in_block = |i: usize| -> Reg {
            let pi = app.slots.iter().position(|s| matches!(s, Slot::Arg(x) if *x == i)).unwrap_or(i);
            Reg(block.0 + u16::from(has_recv) + pi as u16)
        };
        for (i, place) in &places {
            let boxr = in_block(*i);
            if let Place::Discard = place {
                continue;
            }
            let m = self.mark();
            let t = self.alloc();
            self.emit(Instr::GetField {
                dst: t.dst(),
                obj: boxr,
                field: FieldSlot(0),
                class: BuiltinClass::StrongBox.id(),
            });
            self.store_place(place, t, infos[*i].expr.span);
            self.release(m);
        }
        for (i, v) in out_decls {
            let boxr = in_block(i);
            let m = self.mark();
            let t = self.alloc();
            self.emit(Instr::GetField {
                dst: t.dst(),
                obj: boxr,
                field: FieldSlot(0),
                class: BuiltinClass::StrongBox.id(),
            });
            self.store_var(v, t);
            self.release(m);
        }

        if discard {
            self.release(m0);
            return Val { reg: base, ty: ret };
        }
        let reg = Reg(dst.0);
        // Free the temporaries, keeping the result if it is one of them.
        if reg.0 >= m0 {
            self.release(reg.0 + 1);
        } else {
            self.release(m0);
        }
        Val { reg, ty: ret }
    }

    fn fr_arity(&self) -> u16 {
        self.fr().arity
    }

    /// A register that holds a temporary (not a parameter or a local), so a
    /// call's result may overwrite it.
    fn is_temp(&self, r: Reg) -> bool {
        r.0 >= self.fr_arity()
            && !self.is_local_reg(r)
            && !self.dcs.iter().any(|d| d.fn_depth == self.depth() && d.reg == r)
    }

    /// The element class `NewArray` takes for an element type.
    pub(crate) fn array_elem_class(&self, elem: &Type) -> ClassId {
        // Elements start as default(T): a completed ValueTask<T> is its result.
        if let Some(t) = elem.value_task_result() {
            return self.array_elem_class(t);
        }
        match elem {
            Type::Int | Type::Long | Type::Double | Type::Decimal | Type::Bool | Type::Char | Type::String => {
                elem.class_id()
            }
            Type::Class(c) if self.is_enum(*c) => *c,
            _ => BuiltinClass::Object.id(),
        }
    }

    /// If the expression is a method group (`Foo`, `obj.Foo`, `T.Foo`),
    /// its methods.
    fn method_group_of(&mut self, e: &Expr<'_>) -> Option<Vec<MethodId>> {
        match &e.kind {
            ExprKind::Name(id) => {
                if self.peek_var(id.name) {
                    return None;
                }
                let class = self.fr().class;
                match self.find_member_in_scope(class, id.name) {
                    Some(Member::Methods(ids)) => Some(ids),
                    _ => None,
                }
            }
            ExprKind::Member { target, name, null_conditional: false, .. } => {
                let class = match &target.kind {
                    ExprKind::This => Some(self.fr().class),
                    ExprKind::Name(id) if self.peek_var(id.name) => {
                        let v = self
                            .scopes
                            .iter()
                            .rev()
                            .find_map(|s| s.vars.iter().rev().find(|(n, _)| n == id.name).map(|(_, v)| *v))?;
                        match self.vars[v].ty {
                            Type::Class(c) => Some(c),
                            _ => None,
                        }
                    }
                    _ => match self.named(target) {
                        Some(Named::Type(Type::Class(c))) => Some(c),
                        _ => None,
                    },
                }?;
                match self.find_member(class, name.name) {
                    Some(Member::Methods(ids)) => Some(ids),
                    _ => None,
                }
            }
            _ => None,
        }
    }

    // ----- overload resolution ----------------------------------------------

    fn choose(
        &mut self,
        cands: &[Cand],
        infos: &[ArgInfo<'a>],
        span: Span,
        name: &str,
        recv_ty: Option<&Type>,
    ) -> Option<Applicable> {
        let _ = recv_ty;
        let mut apps: Vec<Applicable> = Vec::new();
        let mut errors: Vec<(usize, MapError)> = Vec::new();
        let single = cands.len() == 1;
        for (ci, c) in cands.iter().enumerate() {
            match self.applicable(ci, c, infos, single) {
                Ok(a) => apps.push(a),
                Err(e) => errors.push((ci, e)),
            }
        }
        let any_error_arg = infos.iter().any(|a| matches!(&a.kind, ArgKind::Value(Type::Error)));
        if apps.is_empty() {
            // Lenient: one candidate of the right arity whose mismatches are
            // not clear-cut (imprecise library types) is taken.
            let by_count: Vec<usize> = errors
                .iter()
                .filter(|(_, e)| !matches!(e, MapError::Count | MapError::Name(_)))
                .map(|(i, _)| *i)
                .collect();
            if by_count.len() == 1 {
                let ci = by_count[0];
                let (_, err) = errors.iter().find(|(i, _)| *i == ci)?;
                if let MapError::Types(arg, from, to) = err
                    && !any_error_arg
                {
                    if self.clearly_incompatible(from, to) || matches!(from, Type::Void) {
                        let (f, t) = (self.type_name(from), self.type_name(to));
                        self.error(
                            infos[*arg].expr.span,
                            format!("Argument {}: cannot convert from '{f}' to '{t}'", arg + 1),
                        );
                        return None;
                    }
                    if let Ok(a) = self.applicable(ci, &cands[ci], infos, true) {
                        return Some(a);
                    }
                    // Bind it anyway: the values carry their types at run time.
                    return self.force_applicable(ci, &cands[ci], infos);
                }
                if let MapError::Modifier(arg) = err {
                    let arg = *arg;
                    let want = match cands[ci].params.get(arg).map(|p| p.modifier) {
                        Some(ParamModifier::Ref) => "must be passed with the 'ref' keyword",
                        Some(ParamModifier::Out) => "must be passed with the 'out' keyword",
                        _ => "should not be passed with the 'ref' or 'out' keyword",
                    };
                    self.error(infos[arg].expr.span, format!("Argument {} {want}", arg + 1));
                    return None;
                }
            }
            if any_error_arg {
                return None;
            }
            if let Some((_, MapError::Name(n))) = errors.iter().find(|(_, e)| matches!(e, MapError::Name(_))) {
                let n = n.clone();
                self.error(span, format!("The best overload for '{name}' does not have a parameter named '{n}'"));
                return None;
            }
            if errors.iter().all(|(_, e)| matches!(e, MapError::Count)) {
                if matches!(cands.first().map(|c| c.kind), Some(CandKind::Delegate)) {
                    self.error(span, format!("Delegate does not take {} arguments", infos.len()));
                } else {
                    self.error(span, format!("No overload for method '{name}' takes {} arguments", infos.len()));
                }
                return None;
            }
            let types: Vec<String> = infos
                .iter()
                .map(|a| match &a.kind {
                    ArgKind::Value(t) | ArgKind::Place(t) => self.type_name(t),
                    ArgKind::Lambda => "lambda".into(),
                    ArgKind::MethodGroup(_) => "method group".into(),
                    ArgKind::OutDecl(_) => "out variable".into(),
                })
                .collect();
            self.error(
                span,
                format!("No overload for method '{name}' matches the argument types ({})", types.join(", ")),
            );
            return None;
        }
        // An empty `params` array loses to a candidate that needs none
        // (`WriteLine(string format, params object[])` vs `WriteLine(object)`).
        let expands_nothing = |a: &Applicable| a.slots.iter().any(|s| matches!(s, Slot::Params(v) if v.is_empty()));
        let plain = |a: &Applicable| !a.slots.iter().any(|s| matches!(s, Slot::Params(_)));
        if apps.iter().any(plain) {
            apps.retain(|a| !expands_nothing(a));
        }
        if apps.len() == 1 {
            return apps.pop();
        }
        // The best: no worse on every argument than every other.
        let better = |a: &Applicable, b: &Applicable| -> bool {
            let n = a.ranks.len().min(b.ranks.len());
            let mut strictly = false;
            for k in 0..n {
                if a.ranks[k] > b.ranks[k] {
                    return false;
                }
                if a.ranks[k] < b.ranks[k] {
                    strictly = true;
                }
            }
            strictly || a.penalty < b.penalty
        };
        let best: Vec<usize> =
            (0..apps.len()).filter(|&i| (0..apps.len()).all(|j| i == j || better(&apps[i], &apps[j]))).collect();
        if best.len() == 1 {
            return Some(apps.swap_remove(best[0]));
        }
        let natives = cands.iter().all(|c| matches!(c.kind, CandKind::Native(_)));
        if natives || any_error_arg {
            // The library lists its preferred overload first.
            let i = (0..apps.len())
                .min_by_key(|&i| (apps[i].ranks.iter().sum::<u32>(), apps[i].penalty, apps[i].cand))
                .unwrap_or(0);
            return Some(apps.swap_remove(i));
        }
        let describe = |c: &Self, a: &Applicable| -> String {
            let cand = &cands[a.cand];
            let ps: Vec<String> = cand.params.iter().map(|p| c.type_name(&p.ty)).collect();
            format!("{name}({})", ps.join(", "))
        };
        let (x, y) = (describe(self, &apps[0]), describe(self, &apps[1]));
        self.error(span, format!("The call is ambiguous between the following methods: '{x}' and '{y}'; add a cast to an argument to choose one"));
        None
    }

    /// Binds a candidate ignoring type mismatches.
    fn force_applicable(&mut self, ci: usize, c: &Cand, infos: &[ArgInfo<'a>]) -> Option<Applicable> {
        let slots = self.map_args(c, infos).ok()?;
        Some(Applicable { cand: ci, slots, ranks: vec![0; infos.len()], penalty: 0, bindings: c.bindings.clone() })
    }

    /// Maps arguments to parameters: positional first, then named, then
    /// defaults and an empty `params` array.
    fn map_args(&self, c: &Cand, infos: &[ArgInfo<'a>]) -> Result<Vec<Slot>, MapError> {
        let n = c.params.len();
        let mut slots: Vec<Option<Slot>> = vec![None; n];
        let params_last = c.params.last().is_some_and(|p| p.modifier == ParamModifier::Params);
        let positional = infos.iter().take_while(|a| a.name.is_none()).count();
        let mut i = 0;
        while i < positional {
            if i >= n {
                return Err(MapError::Count);
            }
            if params_last && i == n - 1 {
                // Expanded form unless exactly one argument that is already an array.
                let rest: Vec<usize> = (i..positional).collect();
                let single_array = rest.len() == 1
                    && matches!(&infos[i].kind, ArgKind::Value(t) if matches!(t, Type::Array(_) | Type::Null) || t.is_unknown());
                slots[i] = Some(if single_array { Slot::Arg(i) } else { Slot::Params(rest) });
                break;
            }
            slots[i] = Some(Slot::Arg(i));
            i += 1;
        }
        for (k, a) in infos.iter().enumerate().skip(positional) {
            let Some(name) = a.name else { return Err(MapError::Count) };
            let Some(pi) = c.params.iter().position(|p| p.name == name.name) else {
                return Err(MapError::Name(name.name.to_string()));
            };
            if slots[pi].is_some() {
                return Err(MapError::Count);
            }
            slots[pi] = Some(Slot::Arg(k));
        }
        let mut out = Vec::with_capacity(n);
        for (pi, s) in slots.into_iter().enumerate() {
            match s {
                Some(s) => out.push(s),
                None => {
                    let p = &c.params[pi];
                    if p.modifier == ParamModifier::Params {
                        out.push(Slot::Params(Vec::new()));
                    } else if let Some(d) = &p.default {
                        out.push(Slot::Default(d.clone()));
                    } else {
                        return Err(MapError::Count);
                    }
                }
            }
        }
        Ok(out)
    }

    fn applicable(&mut self, ci: usize, c: &Cand, infos: &[ArgInfo<'a>], single: bool) -> Result<Applicable, MapError> {
        let slots = self.map_args(c, infos)?;
        let mut bindings = c.bindings.clone();
        let mut ranks = vec![0u32; infos.len()];
        let mut penalty = 0;
        for (pi, s) in slots.iter().enumerate() {
            let p = &c.params[pi];
            let (idxs, expanded): (Vec<usize>, bool) = match s {
                Slot::Arg(i) => (vec![*i], false),
                Slot::Params(v) => {
                    penalty += 2;
                    (v.clone(), true)
                }
                Slot::Default(_) => {
                    penalty += 1;
                    continue;
                }
            };
            for i in idxs {
                let a = &infos[i];
                let pty = if expanded { p.ty.elem().cloned().unwrap_or(Type::Dynamic) } else { p.ty.clone() };
                let want_mod = match p.modifier {
                    ParamModifier::Ref => ArgModifier::Ref,
                    ParamModifier::Out => ArgModifier::Out,
                    _ => ArgModifier::None,
                };
                let given = if a.modifier == ArgModifier::In { ArgModifier::None } else { a.modifier };
                let mod_ok = given == want_mod;
                if !mod_ok {
                    return Err(MapError::Modifier(i));
                }
                let rank = match &a.kind {
                    ArgKind::Value(t) => {
                        types::unify(&pty, t, &mut bindings);
                        let target = pty.substitute(&bindings);
                        match self.conv_rank(t, &target) {
                            Some(r) => r,
                            None => return Err(MapError::Types(i, t.clone(), erase_params(target))),
                        }
                    }
                    ArgKind::Place(t) => {
                        types::unify(&pty, t, &mut bindings);
                        let target = erase_params(pty.substitute(&bindings));
                        if *t == target || t.is_unknown() || target.is_unknown() {
                            0
                        } else {
                            return Err(MapError::Types(i, t.clone(), target));
                        }
                    }
                    ArgKind::OutDecl(Some(t)) => {
                        let target = erase_params(pty.substitute(&bindings));
                        if *t == target || t.is_unknown() || target.is_unknown() {
                            0
                        } else {
                            return Err(MapError::Types(i, t.clone(), target));
                        }
                    }
                    ArgKind::OutDecl(None) => 0,
                    ArgKind::MethodGroup(ids) => {
                        let target = pty.substitute(&bindings);
                        match target.delegate_sig() {
                            Some((ps, _)) if ids.iter().any(|m| self.methods[m.index()].params.len() == ps.len()) => 1,
                            _ if target.is_unknown() || target.is_lib("Delegate", 0) => 5,
                            _ => {
                                return Err(MapError::Types(
                                    i,
                                    Type::lib("method group", vec![]),
                                    erase_params(target),
                                ));
                            }
                        }
                    }
                    ArgKind::Lambda => match self.lambda_rank(a.expr, &pty, &mut bindings, single) {
                        Some(r) => r,
                        None => {
                            return Err(MapError::Types(
                                i,
                                Type::lib("lambda expression", vec![]),
                                erase_params(pty.substitute(&bindings)),
                            ));
                        }
                    },
                };
                ranks[i] = rank;
            }
        }
        Ok(Applicable { cand: ci, slots, ranks, penalty, bindings })
    }

    /// How well a type converts implicitly to another (0 is identity,
    /// larger is worse), or `None` when it does not.
    pub(crate) fn conv_rank(&self, from: &Type, to: &Type) -> Option<u32> {
        if from == to {
            return Some(0);
        }
        if from.is_unknown() || to.is_unknown() {
            return Some(1);
        }
        if let Type::Lib(n, a) = to
            && a.is_empty()
            && types::TYPE_PARAMS.contains(&&**n)
        {
            return Some(2);
        }
        if let Type::Nullable(inner) = to {
            return match from {
                Type::Null => Some(1),
                Type::Nullable(f) => self.conv_rank(f, inner),
                f => self.conv_rank(f, inner).map(|r| r + 1),
            };
        }
        Some(match (from, to) {
            (Type::Null, Type::Object) => 3,
            (Type::Nullable(_), Type::Object) => 20,
            (Type::Null, t) if !is_value(self, t) => 1,
            (Type::Int, Type::Long) => 1,
            (Type::Int | Type::Long, Type::Double | Type::Decimal) => 2,
            (Type::Char, Type::Int) => 1,
            (Type::Char, Type::Long) => 2,
            (Type::Char, Type::Double | Type::Decimal) => 3,
            (Type::Void, _) => return None,
            (_, Type::Object) => 20,
            (Type::Class(a), Type::Class(b)) if self.derives_from(*a, *b) => {
                if self.is_interface(*b) {
                    10
                } else {
                    4 + self.distance(*a, *b).min(5)
                }
            }
            (Type::Array(a), Type::Array(b)) if !is_value(self, a) && !is_value(self, b) => self.conv_rank(a, b)?,
            (Type::Array(e), Type::Lib(n, args)) => match (&**n, args.len()) {
                ("Array", 0) => 10,
                ("IEnumerable" | "IList" | "ICollection" | "IReadOnlyList" | "IReadOnlyCollection", 1) => {
                    self.conv_rank(e, &args[0]).filter(|r| *r <= 10).map(|_| 10)?
                }
                _ => return None,
            },
            (Type::String, Type::Lib(n, args))
                if args.len() == 1 && &**n == "IEnumerable" && matches!(args[0], Type::Char) =>
            {
                10
            }
            (Type::Lib(a, aa), Type::Lib(b, ba)) => {
                if a == b && aa.len() == ba.len() {
                    if aa.iter().zip(ba.iter()).all(|(x, y)| x == y || x.is_unknown() || y.is_unknown()) {
                        1
                    } else {
                        return None;
                    }
                } else if (matches!(&**a, "Task" | "ValueTask") && a == b && ba.is_empty())
                    || (&**b == "Delegate" && from.is_delegate())
                {
                    5
                } else if ba.len() == 1
                    && matches!(&**b, "IEnumerable" | "IList" | "ICollection" | "IReadOnlyList" | "IReadOnlyCollection")
                {
                    let e = types::sequence_elem(from)?;
                    self.conv_rank(&e, &ba[0]).map(|_| 10)?
                } else {
                    return None;
                }
            }
            (Type::Class(c), Type::Lib(n, _)) if self.is_enum(*c) && &**n == "Enum" => 5,
            (Type::Class(c), Type::Lib(..)) if self.implements_lib(*c, to) => 10,
            _ => return None,
        })
    }

    fn distance(&self, a: ClassId, b: ClassId) -> u32 {
        let mut d = 0;
        let mut cur = Some(a);
        while let Some(c) = cur {
            if c == b || d > 100 {
                return d;
            }
            d += 1;
            cur = self.classes[c.index()].base;
        }
        d
    }

    /// How well a lambda converts to a delegate type; may bind type
    /// parameters from the lambda's inferred result.
    fn lambda_rank(
        &mut self,
        e: &'a Expr<'a>,
        pty: &Type,
        bindings: &mut Vec<(String, Type)>,
        single: bool,
    ) -> Option<u32> {
        let ExprKind::Lambda { is_async, params, body } = &e.kind else { return None };
        let target = pty.substitute(bindings);
        if target.is_unknown() || target.is_lib("Delegate", 0) {
            return Some(5);
        }
        let (pts, ret) = target.delegate_sig()?;
        if pts.len() != params.len() {
            return None;
        }
        let mut lambda_params = Vec::new();
        for (p, want) in params.iter().zip(&pts) {
            match &p.ty {
                Some(t) => {
                    let n = self.diags.len();
                    let t = self.resolve_type(t);
                    self.diags.truncate(n);
                    types::unify(want, &t, bindings);
                    let want = want.substitute(bindings);
                    if !want.has_param(types::TYPE_PARAMS) && want != t && !t.is_unknown() && !want.is_unknown() {
                        return None;
                    }
                    lambda_params.push(t);
                }
                None => lambda_params.push(erase_params(want.substitute(bindings))),
            }
        }
        let ret = ret.substitute(bindings);
        let ret_is_param = ret.has_param(types::TYPE_PARAMS);
        if single && !ret_is_param {
            return Some(10);
        }
        let is_expr_body = matches!(body, ast::Body::Expr(_));
        let statement_body = match body {
            ast::Body::Expr(x) => super::closures::is_statement_expr(x),
            ast::Body::Block(_) => true,
        };
        let block_returns_value = match body {
            ast::Body::Block(b) => b.stmts.iter().any(|s| {
                let mut found = false;
                super::scope::walk_stmts_only(s, &mut |s| {
                    if let ast::StmtKind::Return(Some(_)) = s.kind {
                        found = true;
                    }
                });
                found
            }),
            ast::Body::Expr(_) => true,
        };
        // What the body produces (`Void` when nothing); `None` when the
        // lambda is nested too deep to compile speculatively.
        let body_ty = self.infer_lambda(e, &lambda_params);
        let void_body = match &body_ty {
            Some(t) => *t == Type::Void,
            None => !block_returns_value,
        };
        if *is_async {
            match &ret {
                Type::Void => Some(30),
                t if t.is_lib("Task", 0) || t.is_lib("ValueTask", 0) => {
                    if !is_expr_body && block_returns_value {
                        None
                    } else if is_expr_body && !void_body {
                        // `async () => await F()` also fits `Func<Task<T>>`, better.
                        Some(12)
                    } else {
                        Some(10)
                    }
                }
                t if t.is_lib("Task", 1) || t.is_lib("ValueTask", 1) => {
                    if void_body {
                        return None;
                    }
                    let want = t.lib_args()[0].clone();
                    match &body_ty {
                        Some(bt) if want.has_param(types::TYPE_PARAMS) => {
                            types::unify(&want, bt, bindings);
                            Some(11)
                        }
                        Some(bt) => self.conv_rank(bt, &want).map(|r| 10 + r),
                        None => Some(10),
                    }
                }
                t if ret_is_param && t.lib_args().is_empty() => {
                    let task = match &body_ty {
                        Some(bt) if *bt != Type::Void => Type::lib("Task", vec![bt.clone()]),
                        _ => Type::lib("Task", vec![]),
                    };
                    types::unify(t, &task, bindings);
                    Some(14)
                }
                _ => None,
            }
        } else {
            match &ret {
                Type::Void => {
                    if !statement_body || (!is_expr_body && block_returns_value) {
                        return None;
                    }
                    Some(if void_body { 10 } else { 13 })
                }
                t => {
                    if void_body {
                        return None;
                    }
                    match &body_ty {
                        Some(bt) if ret_is_param => {
                            types::unify(t, bt, bindings);
                            // `Func<Task<T>>` fits only a body that is a task.
                            let bound = t.substitute(bindings);
                            let fits = if bound.has_param(types::TYPE_PARAMS) {
                                t.lib_args().is_empty() || bt.is_unknown()
                            } else {
                                self.conv_rank(bt, &bound).is_some()
                            };
                            if !fits {
                                return None;
                            }
                            Some(if t.lib_args().is_empty() { 12 } else { 11 })
                        }
                        Some(bt) => self.conv_rank(bt, t).map(|r| 10 + r),
                        None => Some(10),
                    }
                }
            }
        }
    }

    /// The native a prelude `extern` method stands for (`None` for other
    /// methods, and for an extern whose native this build lacks).
    pub(crate) fn extern_native(&self, id: MethodId) -> Option<NativeId> {
        let m = &self.methods[id.index()];
        if !matches!(m.body, super::BodySource::Extern) {
            return None;
        }
        let owner = &self.classes[m.class.index()].name;
        let arity = m.params.len() + usize::from(!m.is_static);
        vm::native::NATIVES
            .iter()
            .position(|d| d.owner == owner && d.name == m.name && d.params.len() + usize::from(!d.is_static) == arity)
            .map(|i| NativeId(i as u16))
    }

    /// Calls a native by owner and name on registers (for constructs the
    /// compiler lowers to library calls: `foreach`, `Length`).
    pub(crate) fn call_native_named(&mut self, owner: &str, name: &str, regs: &[Reg], dst: Reg, span: Span) {
        let m = self.mark();
        let block = self.b().alloc_n(regs.len());
        for (i, r) in regs.iter().enumerate() {
            let to = Reg(block.0 + i as u16);
            if to != *r {
                self.emit(Instr::Move { dst: to.dst(), src: *r });
            }
        }
        self.native_call_block(owner, name, block, regs.len(), dst, span);
        self.release(m);
    }

    /// `CallNative` of `Owner.Name` on a prepared argument block.
    pub(crate) fn native_call_block(&mut self, owner: &str, name: &str, block: Reg, n: usize, dst: Reg, span: Span) {
        let found = vm::native::NATIVES
            .iter()
            .enumerate()
            .find(|(_, d)| d.owner == owner && d.name == name && d.params.len() + usize::from(!d.is_static) == n)
            .map(|(i, _)| NativeId(i as u16));
        match found {
            Some(native) => self.emit(Instr::CallNative { dst: dst.dst(), native, args: Args::new(block, n) }),
            None => {
                self.internal(span, &format!("the built-in library has no {owner}.{name} taking {n} arguments"));
                self.emit(Instr::LoadNull { dst: dst.dst() });
            }
        }
    }

    /// Converts a value to `char` (for `c += 1`).
    pub(crate) fn conv_in_place(&mut self, r: Reg, to: Conversion) {
        self.emit(Instr::convert(r.dst(), r, to));
    }
}
