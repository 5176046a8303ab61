//! Expressions.
//!
//! `expr(e, dest, expected)` compiles `e` so that its value ends up in a
//! register: `dest` says which one (or any: a local variable is then used
//! where it lives, without a `Move`), `expected` is the type the context
//! wants, which lambdas, method groups, `default`, `null` and array
//! initializers need. Conditions are compiled to jumps by `cond_jump`, so
//! `if (a < b)` is one fused `JumpIfNotLt`.

use std::rc::Rc;

use vm::bytecode::{ClassId, Conversion, FieldSlot, Instr, Pc, Reg};
use vm::program::BuiltinClass;

use super::Compiler;
use super::call::CallArg;
use super::consts::{self, ConstValue};
use super::emit::Label;
use super::members::{Member, Named};
use super::scope::{Dest, Home, Val, may_write_locals};
use super::types::{self, Type};
use crate::ast::{self, BinaryOp, Expr, ExprKind, Literal, Span, UnaryOp};

impl<'a> Compiler<'a> {
    /// Compiles `e` with an expected type and converts it to that type
    /// (implicit conversions: `int` to `double`, `char` to `int`, ...).
    pub(crate) fn expr_to(&mut self, e: &'a Expr<'a>, ty: &Type, dest: Dest) -> Val {
        let v = self.expr(e, dest, Some(ty));
        self.coerce(v, ty, dest, e.span)
    }

    pub(crate) fn expr(&mut self, e: &'a Expr<'a>, dest: Dest, expected: Option<&Type>) -> Val {
        if let Dest::Into(r) = dest
            && writes_dest_early(e)
            && self.is_local_reg(r)
        {
            // `x = cond && x` must not clobber `x` before reading it.
            let v = self.expr(e, Dest::Any, expected);
            return self.put_in(v, dest);
        }
        match &e.kind {
            ExprKind::Literal(l) => {
                let v = literal_value(*l);
                let ty = v.ty();
                let dst = self.dest_reg(dest);
                self.load_const(&v, dst.dst());
                Val { reg: dst, ty }
            }
            ExprKind::Interpolated(parts) => self.interpolated(parts, dest),
            ExprKind::Name(id) => self.name_expr(*id, dest, expected),
            ExprKind::GenericName { name, .. } => {
                self.error(name.span, "Generic methods are not supported yet");
                self.error_val(dest)
            }
            ExprKind::Member { target, name, null_conditional, .. } => {
                if *null_conditional {
                    self.null_conditional(target, dest, e.span, &mut |c, recv, dest| {
                        c.member_of_value(recv, *name, dest, None)
                    })
                } else {
                    self.member_expr(target, *name, dest, expected)
                }
            }
            ExprKind::Call { callee, args } => self.call_expr(callee, args, dest, e.span),
            ExprKind::Index { target, args, null_conditional } => {
                if *null_conditional {
                    self.null_conditional(target, dest, e.span, &mut |c, recv, dest| {
                        c.index_of_value(recv, args, dest, e.span)
                    })
                } else {
                    let recv = self.expr(target, Dest::Any, None);
                    let recv = self.stabilize(recv, args.iter().any(may_write_locals));
                    self.index_of_value(recv, args, dest, e.span)
                }
            }
            ExprKind::Unary { op, operand } => self.unary(*op, operand, dest, e.span),
            ExprKind::Binary { op: BinaryOp::And | BinaryOp::Or, .. } => {
                let dst = self.dest_reg(dest);
                let (t, f, end) = (self.new_label(), self.new_label(), self.new_label());
                self.cond_jump(e, false, f);
                self.place(t);
                self.emit(Instr::LoadBool { dst: dst.dst(), value: true });
                self.jump(end);
                self.place(f);
                self.emit(Instr::LoadBool { dst: dst.dst(), value: false });
                self.place(end);
                Val { reg: dst, ty: Type::Bool }
            }
            ExprKind::Binary { op: BinaryOp::Coalesce, lhs, rhs } => self.coalesce(lhs, rhs, dest, expected),
            ExprKind::Binary { op: BinaryOp::Add, .. } => self.add_chain(e, dest),
            ExprKind::Binary { op, lhs, rhs } => self.binary(*op, lhs, rhs, dest, e.span),
            ExprKind::Assign { op, target, value } => self.assign(*op, target, value, dest, e.span),
            ExprKind::Conditional { cond, then, else_ } => self.conditional(cond, then, else_, dest, expected),
            ExprKind::New { ty, args, init } => self.new_expr(ty, args, init.as_ref(), dest, e.span),
            ExprKind::NewArray { elem_ty, size, init } => self.new_array(elem_ty.as_ref(), *size, *init, dest, e.span),
            ExprKind::ArrayInit(items) => match expected {
                Some(Type::Array(elem)) => {
                    let elem = (**elem).clone();
                    self.array_from_items(&elem, items, dest)
                }
                _ => {
                    self.error(
                        e.span,
                        "An array initializer can only be used in a variable or field initializer of an array type",
                    );
                    self.error_val(dest)
                }
            },
            ExprKind::Lambda { is_async, params, body } => self.lambda(e, *is_async, params, *body, expected, dest),
            ExprKind::Is { expr, ty, binding } => self.is_expr(expr, ty, *binding, dest),
            ExprKind::As { expr, ty } => {
                let v = self.expr(expr, Dest::Any, None);
                let t = self.resolve_type(ty);
                if matches!(t, Type::Int | Type::Long | Type::Double | Type::Decimal | Type::Bool | Type::Char)
                    || matches!(t, Type::Class(c) if self.is_enum(c))
                {
                    let tn = self.type_name(&t);
                    self.error(ty.span, format!("The as operator must be used with a reference type or nullable type ('{tn}' is a non-nullable value type)"));
                }
                let dst = self.dest_reg(dest);
                self.emit(Instr::AsInst { dst: dst.dst(), src: v.reg, class: t.class_id() });
                Val { reg: dst, ty: t }
            }
            ExprKind::Cast { ty, expr } => {
                let t = self.resolve_type(ty);
                if let Some(v) = self.fold_for_cast(expr, &t) {
                    let dst = self.dest_reg(dest);
                    self.load_const(&v, dst.dst());
                    return Val { reg: dst, ty: t };
                }
                let v = self.expr(expr, Dest::Any, Some(&t));
                self.convert_explicit(v, &t, dest, e.span)
            }
            ExprKind::TypeOf(t) => {
                let ty = self.resolve_type(t);
                let dst = self.dest_reg(dest);
                self.emit(Instr::TypeOf { dst: dst.dst(), class: ty.class_id() });
                Val { reg: dst, ty: Type::lib("Type", vec![]) }
            }
            ExprKind::NameOf(inner) => {
                let text = match consts::nameof_text(inner) {
                    Some(t) => t,
                    None => {
                        self.error(inner.span, "Expression does not have a name");
                        String::new()
                    }
                };
                if let ExprKind::Name(id) = &inner.kind
                    && !self.peek_var(id.name)
                    && self.named(inner).is_none()
                    && self.find_member_in_scope(self.fr().class, id.name).is_none()
                {
                    self.error(id.span, format!("The name '{}' does not exist in the current context", id.name));
                }
                let dst = self.dest_reg(dest);
                self.load_const(&ConstValue::Str(Rc::from(text)), dst.dst());
                Val { reg: dst, ty: Type::String }
            }
            ExprKind::Default(t) => {
                let ty = match t {
                    Some(t) => self.resolve_type(t),
                    None => match expected {
                        Some(t) => t.clone(),
                        None => {
                            self.error(e.span, "The type of `default` cannot be inferred here; write default(T)");
                            Type::Error
                        }
                    },
                };
                // A completed ValueTask<T> is its result (vm's builtins/tasks.rs).
                let repr = ty.value_task_result().unwrap_or(&ty);
                let is_enum = matches!(repr, Type::Class(c) if self.is_enum(*c));
                let v = ConstValue::default_of(repr, is_enum);
                let dst = self.dest_reg(dest);
                self.load_const(&v, dst.dst());
                Val { reg: dst, ty }
            }
            ExprKind::This => {
                let class = self.fr().class;
                match self.this_reg(e.span) {
                    Some(r) => self.put_in(Val { reg: r, ty: Type::Class(class) }, dest),
                    None => self.error_val(dest),
                }
            }
            ExprKind::Base => {
                self.error(e.span, "Use of keyword 'base' is not valid in this context");
                self.error_val(dest)
            }
            ExprKind::Await(x) => self.await_expr(x, dest, e.span),
            ExprKind::Throw(x) => {
                let v = self.expr(x, Dest::Any, None);
                self.check_throwable(&v.ty, x.span);
                self.emit(Instr::Throw { src: v.reg });
                let dst = self.dest_reg(dest);
                Val { reg: dst, ty: Type::Error }
            }
            ExprKind::DeclarationExpr { name, .. } => {
                self.error(name.span, "A declaration is only allowed as an `out` argument");
                self.error_val(dest)
            }
        }
    }

    /// A value of type `Error` (after a reported problem).
    pub(crate) fn error_val(&mut self, dest: Dest) -> Val {
        let reg = self.dest_reg(dest);
        self.emit(Instr::LoadNull { dst: reg.dst() });
        Val { reg, ty: Type::Error }
    }

    /// Puts a value where `dest` says.
    pub(crate) fn put_in(&mut self, v: Val, dest: Dest) -> Val {
        match dest {
            Dest::Into(r) if r != v.reg => {
                self.emit(Instr::Move { dst: r.dst(), src: v.reg });
                Val { reg: r, ty: v.ty }
            }
            _ => v,
        }
    }

    /// Copies a value out of a local's register when later code may
    /// assign that local before the value is used.
    pub(crate) fn stabilize(&mut self, v: Val, later_writes: bool) -> Val {
        if later_writes && self.is_local_reg(v.reg) {
            let t = self.alloc();
            self.emit(Instr::Move { dst: t.dst(), src: v.reg });
            return Val { reg: t, ty: v.ty };
        }
        v
    }

    pub(crate) fn is_local_reg(&self, r: Reg) -> bool {
        let d = self.depth();
        self.vars.iter().any(|v| v.fn_depth == d && matches!(v.home, Home::Reg(x) | Home::Boxed(x) if x == r))
    }

    /// Compiles an expression for its effects only.
    pub(crate) fn expr_discard(&mut self, e: &'a Expr<'a>) {
        let m = self.mark();
        match &e.kind {
            ExprKind::Assign { op, target, value } => {
                self.assign_discard(*op, target, value, e.span);
            }
            ExprKind::Unary {
                op: op @ (UnaryOp::PreInc | UnaryOp::PreDec | UnaryOp::PostInc | UnaryOp::PostDec),
                operand,
            } => {
                let delta = if matches!(op, UnaryOp::PreInc | UnaryOp::PostInc) { 1 } else { -1 };
                self.increment(operand, delta, false, Dest::Any, e.span, true);
            }
            ExprKind::Call { callee, args } => {
                self.call_expr_discard(callee, args, e.span);
            }
            _ => {
                self.expr(e, Dest::Any, None);
            }
        }
        self.release(m);
    }

    // ----- conversions --------------------------------------------------------

    /// An implicit conversion to `to` (where the value flows into a
    /// location of that type).
    pub(crate) fn coerce(&mut self, v: Val, to: &Type, dest: Dest, span: Span) -> Val {
        let from = v.ty.clone();
        if from == *to || to.is_unknown() || from.is_unknown() {
            return self.put_in(Val { reg: v.reg, ty: if to.is_unknown() { from } else { to.clone() } }, dest);
        }
        if from == Type::Void {
            let tn = self.type_name(to);
            self.error(span, format!("Cannot implicitly convert type 'void' to '{tn}'"));
            return self.put_in(Val { reg: v.reg, ty: Type::Error }, dest);
        }
        if let Type::Nullable(inner) = to {
            let inner = (**inner).clone();
            let v = if from == Type::Null {
                v
            } else {
                self.coerce(Val { reg: v.reg, ty: from.unwrap_nullable().clone() }, &inner, dest, span)
            };
            return self.put_in(Val { reg: v.reg, ty: to.clone() }, dest);
        }
        if let Type::Nullable(inner) = &from {
            // `int? -> int` needs a cast in C#; the value converts at run time.
            let inner = (**inner).clone();
            return self.coerce(Val { reg: v.reg, ty: inner }, to, dest, span);
        }
        let conv = match (&from, to) {
            (Type::Int | Type::Long | Type::Char, Type::Double | Type::Decimal) => Some(Conversion::Double),
            (Type::Char, Type::Int | Type::Long) => Some(Conversion::Int),
            (Type::Int | Type::Long, Type::Class(c)) if self.is_enum(*c) => Some(Conversion::Enum(*c)),
            _ => None,
        };
        if let Some(kind) = conv {
            let dst = self.dest_reg(dest);
            self.emit(Instr::convert(dst.dst(), v.reg, kind));
            return Val { reg: dst, ty: to.clone() };
        }
        if self.clearly_incompatible(&from, to) {
            let (f, t) = (self.type_name(&from), self.type_name(to));
            let hint = if self.explicit_exists(&from, to) {
                " An explicit conversion exists (are you missing a cast?)"
            } else {
                ""
            };
            self.error(span, format!("Cannot implicitly convert type '{f}' to '{t}'.{hint}"));
        }
        self.put_in(Val { reg: v.reg, ty: to.clone() }, dest)
    }

    /// Conversions C# rejects without a cast that the compiler can be sure
    /// about (both types precisely known).
    pub(crate) fn clearly_incompatible(&self, from: &Type, to: &Type) -> bool {
        use Type as T;
        let prim = |t: &Type| matches!(t, T::Int | T::Long | T::Double | T::Decimal | T::Bool | T::Char | T::String);
        match (from, to) {
            (a, b) if prim(a) && prim(b) => !matches!(
                (a, b),
                (T::Int | T::Long, T::Int | T::Long | T::Double | T::Decimal)
                    | (T::Char, T::Int | T::Long | T::Double | T::Decimal)
                    | (T::Double, T::Double)
                    | (T::Decimal, T::Decimal)
            ),
            (T::Null, b) => matches!(b, T::Int | T::Long | T::Double | T::Decimal | T::Bool | T::Char),
            (a, T::Class(c)) if prim(a) => !self.is_enum(*c) || !matches!(a, T::Int | T::Long),
            (T::Class(c), b) if prim(b) => !self.is_interface(*c) && !self.is_enum(*c),
            (T::Class(a), T::Class(b)) => {
                !self.derives_from(*a, *b)
                    && !self.is_interface(*a)
                    && !self.is_interface(*b)
                    && a != b
                    && !self.derives_from(*b, *a)
                    || (!self.derives_from(*a, *b) && self.derives_from(*b, *a) && !self.is_interface(*a))
            }
            _ => false,
        }
    }

    fn explicit_exists(&self, from: &Type, to: &Type) -> bool {
        (from.is_numeric() && to.is_numeric())
            || matches!((from, to), (Type::Class(a), Type::Class(b)) if self.derives_from(*b, *a))
    }

    /// `(T)v`: numeric conversions, enum conversions, unboxing and checked
    /// casts.
    pub(crate) fn convert_explicit(&mut self, v: Val, to: &Type, dest: Dest, span: Span) -> Val {
        let from = v.ty.clone();
        let is_enum = |c: &Self, t: &Type| matches!(t, Type::Class(x) if c.is_enum(*x));
        if from == *to || to.is_unknown() {
            return self.put_in(Val { reg: v.reg, ty: to.clone() }, dest);
        }
        let numeric_like = |c: &Self, t: &Type| t.is_numeric() || is_enum(c, t);
        let kind = if numeric_like(self, &from) && numeric_like(self, to) {
            Some(match to {
                Type::Int | Type::Long => Conversion::Int,
                Type::Double | Type::Decimal => Conversion::Double,
                Type::Char => Conversion::Char,
                Type::Class(c) => Conversion::Enum(*c),
                _ => Conversion::Int,
            })
        } else {
            None
        };
        let dst = self.dest_reg(dest);
        if let Some(kind) = kind {
            self.emit(Instr::convert(dst.dst(), v.reg, kind));
            return Val { reg: dst, ty: to.clone() };
        }
        let upcast = match (&from, to) {
            (_, Type::Object) => true,
            (Type::Class(a), Type::Class(b)) => self.derives_from(*a, *b),
            (Type::Null, t) => {
                !matches!(t, Type::Int | Type::Long | Type::Double | Type::Decimal | Type::Bool | Type::Char)
            }
            _ => false,
        };
        if upcast {
            return self.put_in(Val { reg: v.reg, ty: to.clone() }, Dest::Into(dst));
        }
        let impossible = match (&from, to) {
            (a, b) if a.is_primitive() && b.is_primitive() => true,
            (a, Type::Lib(..) | Type::Array(_)) | (Type::Lib(..) | Type::Array(_), a)
                if a.is_primitive() && *a != Type::Null =>
            {
                true
            }
            (Type::Bool, b) | (b, Type::Bool) => b.is_numeric(),
            (Type::String, b) | (b, Type::String) => b.is_numeric() || is_enum(self, b),
            (Type::Class(a), Type::Class(b)) => {
                !self.is_interface(*a) && !self.is_interface(*b) && !self.derives_from(*b, *a)
            }
            _ => false,
        };
        if impossible && !from.is_unknown() {
            let (f, t) = (self.type_name(&from), self.type_name(to));
            self.error(span, format!("Cannot convert type '{f}' to '{t}'"));
        }
        self.emit(Instr::CastClass { dst: dst.dst(), src: v.reg, class: to.class_id() });
        Val { reg: dst, ty: to.clone() }
    }

    /// `(int)3.5`, `(Color)2`, `(char)65` of constants.
    fn fold_for_cast(&mut self, e: &'a Expr<'a>, to: &Type) -> Option<ConstValue> {
        if !matches!(e.kind, ExprKind::Literal(_) | ExprKind::Unary { .. }) {
            return None;
        }
        let class = self.fr().class;
        let v = self.fold(e, class)?;
        v.convert(to, true, |c| self.is_enum(c))
    }

    // ----- names and members ----------------------------------------------

    fn name_expr(&mut self, id: ast::Ident<'a>, dest: Dest, expected: Option<&Type>) -> Val {
        if let Some(v) = self.lookup_var(id.name) {
            return self.load_var(v, dest);
        }
        let class = self.fr().class;
        match self.find_member_in_scope(class, id.name) {
            Some(Member::Methods(ids)) => {
                let is_static = self.fr().is_static;
                let recv = if ids.iter().any(|m| !self.methods[m.index()].is_static) && !is_static {
                    self.this_reg(id.span).map(|r| Val { reg: r, ty: Type::Class(class) })
                } else {
                    None
                };
                return self.method_group(ids, recv, expected, dest, id.span);
            }
            Some(m) => return self.member_access_implicit(m, id, dest),
            None => {}
        }
        match self.named(&Expr { kind: ExprKind::Name(id), span: id.span }) {
            Some(Named::Type(t)) => {
                let tn = self.type_name(&t);
                self.error(id.span, format!("'{tn}' is a type, which is not valid in the given context"));
            }
            Some(Named::Namespace(n)) => {
                self.error(id.span, format!("'{n}' is a namespace, which is not valid in the given context"));
            }
            None => self.error(id.span, format!("The name '{}' does not exist in the current context", id.name)),
        }
        self.error_val(dest)
    }

    /// A field or property named without a receiver (`this.` or static).
    fn member_access_implicit(&mut self, m: Member, id: ast::Ident<'a>, dest: Dest) -> Val {
        let is_static = match &m {
            Member::Field { class, idx } => {
                !matches!(self.classes[class.index()].fields[*idx].kind, super::FieldKind::Instance(_))
            }
            Member::Prop { class, idx } => self.classes[class.index()].props[*idx].is_static,
            Member::Methods(_) => false,
        };
        let recv = if is_static {
            None
        } else if self.fr().is_static {
            let name = id.name;
            self.error(
                id.span,
                format!("An object reference is required for the non-static field, method, or property '{name}'"),
            );
            return self.error_val(dest);
        } else {
            let class = self.fr().class;
            match self.this_reg(id.span) {
                Some(r) => Some(Val { reg: r, ty: Type::Class(class) }),
                None => return self.error_val(dest),
            }
        };
        self.read_member(m, recv, dest, id.span)
    }

    /// Reads a field or property (`recv` is `None` for statics).
    pub(crate) fn read_member(&mut self, m: Member, recv: Option<Val>, dest: Dest, span: Span) -> Val {
        match m {
            Member::Field { class, idx } => {
                let f = &self.classes[class.index()].fields[idx];
                let ty = f.ty.clone();
                match f.kind.clone() {
                    super::FieldKind::Instance(slot) => {
                        let Some(recv) = recv else { return self.error_val(dest) };
                        let dst = self.dest_reg(dest);
                        self.emit(Instr::GetField { dst: dst.dst(), obj: recv.reg, field: slot, class });
                        Val { reg: dst, ty }
                    }
                    super::FieldKind::Static(id) => {
                        self.init_class_for(class);
                        let dst = self.dest_reg(dest);
                        self.emit(Instr::GetStatic { dst: dst.dst(), id });
                        Val { reg: dst, ty }
                    }
                    super::FieldKind::Const(_) => {
                        let v = self.const_field(class, idx).unwrap_or(ConstValue::Null);
                        let dst = self.dest_reg(dest);
                        self.load_const(&v, dst.dst());
                        Val { reg: dst, ty }
                    }
                }
            }
            Member::Prop { class, idx } => self.read_property(class, idx, recv, dest, span),
            Member::Methods(_) => self.error_val(dest),
        }
    }

    pub(crate) fn read_property(
        &mut self,
        class: vm::bytecode::ClassId,
        idx: usize,
        recv: Option<Val>,
        dest: Dest,
        span: Span,
    ) -> Val {
        let p = &self.classes[class.index()].props[idx];
        let ty = p.ty.clone();
        let (getter, backing, is_virtual, is_static) = (p.getter, p.backing, p.is_virtual, p.is_static);
        let name = p.name.clone();
        if let (Some(f), false) = (backing, is_virtual) {
            // A non-virtual auto-property reads its backing field directly.
            return self.read_member(Member::Field { class, idx: f }, recv, dest, span);
        }
        let Some(getter) = getter else {
            self.error(
                span,
                format!(
                    "The property or indexer '{name}' cannot be used in this context because it lacks the get accessor"
                ),
            );
            return self.error_val(dest);
        };
        let dst = self.dest_reg(dest);
        let m = self.mark();
        match recv {
            Some(r) if !is_static => {
                let base = self.alloc();
                self.emit(Instr::Move { dst: base.dst(), src: r.reg });
                let args = vm::bytecode::Args::new(base, 1);
                if is_virtual {
                    self.emit(Instr::CallVirt { dst: dst.dst(), method: getter, args });
                } else {
                    self.emit(Instr::Call { dst: dst.dst(), method: getter, args });
                }
            }
            _ => {
                let base = self.alloc();
                self.emit(Instr::Call { dst: dst.dst(), method: getter, args: vm::bytecode::Args::new(base, 0) });
            }
        }
        self.release(m);
        Val { reg: dst, ty }
    }

    /// `InitClass` before touching another class's statics.
    pub(crate) fn init_class_for(&mut self, class: vm::bytecode::ClassId) {
        if self.classes[class.index()].cctor.is_some() && self.fr().class != class {
            self.emit(Instr::InitClass { class });
        }
    }

    fn member_expr(&mut self, target: &'a Expr<'a>, name: ast::Ident<'a>, dest: Dest, expected: Option<&Type>) -> Val {
        if let ExprKind::Base = target.kind {
            let class = self.fr().class;
            let Some(base) = self.classes[class.index()].base else { return self.error_val(dest) };
            let Some(this) = self.this_reg(target.span) else { return self.error_val(dest) };
            let recv = Val { reg: this, ty: Type::Class(base) };
            return match self.find_member(base, name.name) {
                Some(Member::Prop { class, idx }) => {
                    // base.P calls the base getter non-virtually.
                    let getter = self.classes[class.index()].props[idx].getter;
                    let backing = self.classes[class.index()].props[idx].backing;
                    let ty = self.classes[class.index()].props[idx].ty.clone();
                    match (getter, backing) {
                        (_, Some(f)) => self.read_member(Member::Field { class, idx: f }, Some(recv), dest, name.span),
                        (Some(g), None) => {
                            let dst = self.dest_reg(dest);
                            let m = self.mark();
                            let b = self.alloc();
                            self.emit(Instr::Move { dst: b.dst(), src: this });
                            self.emit(Instr::Call { dst: dst.dst(), method: g, args: vm::bytecode::Args::new(b, 1) });
                            self.release(m);
                            Val { reg: dst, ty }
                        }
                        _ => self.error_val(dest),
                    }
                }
                Some(m @ Member::Field { .. }) => self.read_member(m, Some(recv), dest, name.span),
                Some(Member::Methods(ids)) => self.method_group(ids, Some(recv), expected, dest, name.span),
                None => {
                    let bn = self.classes[base.index()].name.clone();
                    self.error(name.span, format!("'{bn}' does not contain a definition for '{}'", name.name));
                    self.error_val(dest)
                }
            };
        }
        match self.named(target) {
            Some(Named::Type(t)) => return self.static_member(&t, name, dest, expected),
            Some(Named::Namespace(ns)) => {
                self.error(
                    name.span,
                    format!("The type or namespace name '{}' does not exist in the namespace '{ns}'", name.name),
                );
                return self.error_val(dest);
            }
            None => {}
        }
        let recv = self.expr(target, Dest::Any, None);
        self.member_of_value(recv, name, dest, expected)
    }

    /// `T.X` for a type `T`.
    fn static_member(&mut self, t: &Type, name: ast::Ident<'a>, dest: Dest, expected: Option<&Type>) -> Val {
        match t {
            Type::Class(c) => {
                let c = *c;
                if let Some((_, v)) = self.classes[c.index()].enum_members.iter().find(|(n, _)| n == name.name) {
                    let v = ConstValue::Enum(c, *v);
                    let dst = self.dest_reg(dest);
                    self.load_const(&v, dst.dst());
                    return Val { reg: dst, ty: Type::Class(c) };
                }
                match self.find_member(c, name.name) {
                    Some(Member::Methods(ids)) => {
                        let ids: Vec<_> = ids.into_iter().filter(|m| self.methods[m.index()].is_static).collect();
                        if ids.is_empty() {
                            self.error(name.span, format!("An object reference is required for the non-static field, method, or property '{}'", name.name));
                            return self.error_val(dest);
                        }
                        self.method_group(ids, None, expected, dest, name.span)
                    }
                    Some(m) => {
                        let is_static = self.data_member_is_static(&m).unwrap_or(true);
                        if !is_static {
                            self.error(name.span, format!("An object reference is required for the non-static field, method, or property '{}'", name.name));
                            return self.error_val(dest);
                        }
                        self.read_member(m, None, dest, name.span)
                    }
                    None => {
                        let tn = self.type_name(t);
                        self.error(name.span, format!("'{tn}' does not contain a definition for '{}'", name.name));
                        self.error_val(dest)
                    }
                }
            }
            t => {
                if let Some(v) = consts::builtin_constant(t, name.name) {
                    let dst = self.dest_reg(dest);
                    self.load_const(&v, dst.dst());
                    return Val { reg: dst, ty: v.ty() };
                }
                let Some(owner) = t.native_owner().map(str::to_string) else {
                    let tn = self.type_name(t);
                    self.error(name.span, format!("'{tn}' does not contain a definition for '{}'", name.name));
                    return self.error_val(dest);
                };
                let getter = format!("get_{}", name.name);
                let found = self.natives_named(&owner, &getter, true).into_iter().find(|(_, d)| d.params.is_empty());
                match found {
                    Some((id, def)) => {
                        let ty =
                            self.lib_type(&types::parse_signature(def.ret).ty.substitute(&self.receiver_bindings(t)));
                        let ty = erase_params(ty);
                        let dst = self.dest_reg(dest);
                        let m = self.mark();
                        let base = self.alloc();
                        self.emit(Instr::CallNative {
                            dst: dst.dst(),
                            native: id,
                            args: vm::bytecode::Args::new(base, 0),
                        });
                        self.release(m);
                        Val { reg: dst, ty }
                    }
                    None => {
                        if let Some(v) = self.native_group(&owner, name, None, expected, dest) {
                            return v;
                        }
                        let tn = self.type_name(t);
                        self.error(name.span, format!("'{tn}' does not contain a definition for '{}'", name.name));
                        self.error_val(dest)
                    }
                }
            }
        }
    }

    /// A library method group converted to a delegate (`Action<string> a =
    /// Console.WriteLine;`): a small method that calls the native.
    fn native_group(
        &mut self,
        owner: &str,
        name: ast::Ident<'a>,
        recv: Option<Val>,
        expected: Option<&Type>,
        dest: Dest,
    ) -> Option<Val> {
        let is_static = recv.is_none();
        let group = self.natives_named(owner, name.name, is_static);
        if group.is_empty() {
            return None;
        }
        let target_ty = match expected {
            Some(t) if t.delegate_sig().is_some() => t.clone(),
            _ => {
                self.error(name.span, format!("Cannot convert method group '{}' to a delegate here; assign it to a variable of a delegate type", name.name));
                return Some(self.error_val(dest));
            }
        };
        let (pts, ret) = target_ty.delegate_sig()?;
        let bindings = recv.as_ref().map(|r| self.receiver_bindings(&r.ty)).unwrap_or_default();
        let best = group
            .into_iter()
            .filter(|(_, d)| d.params.len() == pts.len())
            .filter_map(|(id, d)| {
                let ps = self.native_params(d, &bindings);
                let mut total = 0;
                for (p, t) in ps.iter().zip(&pts) {
                    total += self.conv_rank(t, &erase_params(p.ty.clone()))?;
                }
                Some((total, id))
            })
            .min_by_key(|(r, _)| *r);
        let Some((_, native)) = best else {
            let tn = self.type_name(&target_ty);
            self.error(name.span, format!("No overload for '{}' matches delegate '{tn}'", name.name));
            return Some(self.error_val(dest));
        };
        let arity = pts.len() + usize::from(!is_static);
        let params: Vec<super::ParamInfo> = pts
            .iter()
            .enumerate()
            .map(|(i, t)| super::ParamInfo {
                name: format!("arg{i}"),
                ty: t.clone(),
                modifier: ast::ParamModifier::None,
                default: None,
                span: name.span,
            })
            .collect();
        let class = self.fr().class;
        let stub_name = format!("<{owner}.{}>native", name.name);
        let opts = super::declare::MethodOpts { is_static, span: name.span, ..Default::default() };
        let id = self.add_method(class, &stub_name, params, ret.clone(), opts, super::BodySource::None);
        let mut b = super::emit::Builder::new(arity as u16);
        b.line = self.fr().b.line;
        let r = b.alloc();
        b.emit(Instr::CallNative { dst: r.dst(), native, args: vm::bytecode::Args::new(Reg(0), arity) });
        if ret == Type::Void {
            b.emit(Instr::ReturnVoid {});
        } else {
            b.emit(Instr::Return { src: r });
        }
        self.store_code(id, b, name.span);
        let dst = self.dest_reg(dest);
        let m = self.mark();
        let target = self.alloc();
        match recv {
            Some(r) => self.emit(Instr::Move { dst: target.dst(), src: r.reg }),
            None => self.emit(Instr::LoadNull { dst: target.dst() }),
        }
        self.emit(Instr::MakeDelegate { dst: dst.dst(), method: id, target });
        self.release(m);
        Some(Val { reg: dst, ty: target_ty })
    }

    /// `v.X` for a value `v`: a field, a property, a native property or a
    /// method group.
    pub(crate) fn member_of_value(
        &mut self,
        recv: Val,
        name: ast::Ident<'a>,
        dest: Dest,
        expected: Option<&Type>,
    ) -> Val {
        if let Type::Nullable(inner) = &recv.ty {
            let inner = (**inner).clone();
            match name.name {
                "HasValue" => {
                    let dst = self.dest_reg(dest);
                    let m = self.mark();
                    let n = self.alloc();
                    self.emit(Instr::LoadNull { dst: n.dst() });
                    self.emit(Instr::Ne { dst: dst.dst(), a: recv.reg, b: n });
                    self.release(m);
                    return Val { reg: dst, ty: Type::Bool };
                }
                "Value" => {
                    let dst = self.dest_reg(dest);
                    self.emit(Instr::CastClass { dst: dst.dst(), src: recv.reg, class: inner.class_id() });
                    return Val { reg: dst, ty: inner };
                }
                _ => return self.member_of_value(Val { reg: recv.reg, ty: inner }, name, dest, expected),
            }
        }
        match recv.ty.clone() {
            Type::Error => self.error_val(dest),
            Type::Dynamic => {
                self.error(name.span, format!("Cannot access '{}' on a value of unknown type; give it a type (for example a typed lambda parameter)", name.name));
                self.error_val(dest)
            }
            Type::Class(c) if !self.is_enum(c) => match self.find_member(c, name.name) {
                Some(Member::Methods(ids)) => self.method_group(ids, Some(recv), expected, dest, name.span),
                Some(m) => {
                    let is_static = self.data_member_is_static(&m).unwrap_or(false);
                    if is_static {
                        self.error(name.span, format!("Member '{}' cannot be accessed with an instance reference; qualify it with a type name instead", name.name));
                        return self.read_member(m, None, dest, name.span);
                    }
                    self.read_member(m, Some(recv), dest, name.span)
                }
                None => {
                    let tn = self.type_name(&recv.ty);
                    self.error(name.span, format!("'{tn}' does not contain a definition for '{}'", name.name));
                    self.error_val(dest)
                }
            },
            t => {
                let getter = format!("get_{}", name.name);
                let owner = t.native_owner().unwrap_or("Object").to_string();
                let mut found =
                    self.natives_named(&owner, &getter, false).into_iter().find(|(_, d)| d.params.is_empty());
                if found.is_none() {
                    found = self.natives_named("Object", &getter, false).into_iter().find(|(_, d)| d.params.is_empty());
                }
                match found {
                    Some((id, def)) => {
                        let ty =
                            self.lib_type(&types::parse_signature(def.ret).ty.substitute(&self.receiver_bindings(&t)));
                        let ty = erase_params(ty);
                        let dst = self.dest_reg(dest);
                        self.emit(Instr::CallNative {
                            dst: dst.dst(),
                            native: id,
                            args: vm::bytecode::Args::new(recv.reg, 1),
                        });
                        Val { reg: dst, ty }
                    }
                    None => {
                        if let Some(v) = self.native_group(&owner, name, Some(recv.clone()), expected, dest) {
                            return v;
                        }
                        let tn = self.type_name(&t);
                        self.error(name.span, format!("'{tn}' does not contain a definition for '{}'", name.name));
                        self.error_val(dest)
                    }
                }
            }
        }
    }

    /// `a?.X`, `a?[i]`, `a?.M()`: null when `a` is null.
    pub(crate) fn null_conditional(
        &mut self,
        target: &'a Expr<'a>,
        dest: Dest,
        _span: Span,
        rest: &mut dyn FnMut(&mut Self, Val, Dest) -> Val,
    ) -> Val {
        let dst = self.dest_reg(dest);
        let recv = self.expr(target, Dest::Any, None);
        let null = self.new_label();
        let end = self.new_label();
        self.b().emit_jump(|target| Instr::JumpIfNull { src: recv.reg, target }, null);
        let v = rest(self, recv, Dest::Into(dst));
        self.jump(end);
        self.place(null);
        self.emit(Instr::LoadNull { dst: dst.dst() });
        self.place(end);
        let ty = self.nullable(v.ty);
        Val { reg: dst, ty }
    }

    /// `v[i]`: arrays, strings, lists and dictionaries index directly;
    /// other types call their indexer.
    pub(crate) fn index_of_value(&mut self, recv: Val, args: &'a [Expr<'a>], dest: Dest, span: Span) -> Val {
        let elem = match &recv.ty {
            Type::Array(e) => Some((**e).clone()),
            Type::String => Some(Type::Char),
            t if t.is_lib("List", 1) => Some(t.lib_args()[0].clone()),
            t if t.is_lib("Dictionary", 2) => Some(t.lib_args()[1].clone()),
            Type::Dynamic | Type::Object | Type::Error => Some(Type::Dynamic),
            _ => None,
        };
        if let Some(elem) = elem {
            if args.len() != 1 {
                self.error(span, "Wrong number of indices inside []; expected 1");
                return self.error_val(dest);
            }
            if recv.ty == Type::Object {
                self.error(span, "Cannot apply indexing with [] to an expression of type 'object'");
                return self.error_val(dest);
            }
            let key_ty = match &recv.ty {
                t if t.is_lib("Dictionary", 2) => t.lib_args()[0].clone(),
                Type::Dynamic | Type::Error => Type::Dynamic,
                _ => Type::Int,
            };
            let idx = self.expr_to(&args[0], &key_ty, Dest::Any);
            let dst = self.dest_reg(dest);
            self.emit(Instr::GetIndex { dst: dst.dst(), obj: recv.reg, index: idx.reg });
            return Val { reg: dst, ty: elem };
        }
        self.indexer_call(recv, args, dest, span)
    }

    // ----- operators --------------------------------------------------------

    fn unary(&mut self, op: UnaryOp, operand: &'a Expr<'a>, dest: Dest, span: Span) -> Val {
        match op {
            UnaryOp::PreInc | UnaryOp::PostInc => {
                return self.increment(operand, 1, op == UnaryOp::PostInc, dest, span, false);
            }
            UnaryOp::PreDec | UnaryOp::PostDec => {
                return self.increment(operand, -1, op == UnaryOp::PostDec, dest, span, false);
            }
            _ => {}
        }
        if let (UnaryOp::Neg, ExprKind::Literal(_)) = (op, &operand.kind) {
            let class = self.fr().class;
            if let Some(v) = self.fold(&Expr { kind: ExprKind::Unary { op, operand }, span }, class) {
                let dst = self.dest_reg(dest);
                self.load_const(&v, dst.dst());
                return Val { reg: dst, ty: v.ty() };
            }
        }
        let v = self.expr(operand, Dest::Any, None);
        let ty = match (op, &v.ty) {
            (_, t) if t.is_unknown() => t.clone(),
            (UnaryOp::Not, Type::Bool) => Type::Bool,
            (UnaryOp::Neg | UnaryOp::Plus, Type::Char) => Type::Int,
            (UnaryOp::Neg | UnaryOp::Plus, t) if t.is_numeric() => t.clone(),
            (UnaryOp::BitNot, Type::Char) => Type::Int,
            (UnaryOp::BitNot, Type::Int | Type::Long) => v.ty.clone(),
            (UnaryOp::BitNot, Type::Class(c)) if self.is_enum(*c) => v.ty.clone(),
            (_, t) => {
                let tn = self.type_name(t);
                let sym = match op {
                    UnaryOp::Neg => "-",
                    UnaryOp::Plus => "+",
                    UnaryOp::Not => "!",
                    _ => "~",
                };
                self.error(span, format!("Operator '{sym}' cannot be applied to operand of type '{tn}'"));
                Type::Error
            }
        };
        if op == UnaryOp::Plus {
            return self.put_in(Val { reg: v.reg, ty }, dest);
        }
        let dst = self.dest_reg(dest);
        let (d, src) = (dst.dst(), v.reg);
        self.emit(match op {
            UnaryOp::Neg => Instr::Neg { dst: d, src },
            UnaryOp::Not => Instr::Not { dst: d, src },
            _ => Instr::BitNot { dst: d, src },
        });
        Val { reg: dst, ty }
    }

    /// The type of `a op b`, or an error.
    pub(crate) fn binary_type(&mut self, op: BinaryOp, a: &Type, b: &Type, span: Span) -> Type {
        use BinaryOp as B;
        if matches!(a, Type::Nullable(_)) || matches!(b, Type::Nullable(_)) {
            // Lifted operators: on the underlying types, nullable result.
            let (x, y) = (a.unwrap_nullable().clone(), b.unwrap_nullable().clone());
            let x = if x == Type::Null { y.clone() } else { x };
            let y = if y == Type::Null { x.clone() } else { y };
            let t = self.binary_type(op, &x, &y, span);
            return match op {
                B::Eq | B::Ne | B::Lt | B::Le | B::Gt | B::Ge | B::And | B::Or => t,
                _ => self.nullable(t),
            };
        }
        if a.is_unknown() || b.is_unknown() {
            return match op {
                B::Eq | B::Ne | B::Lt | B::Le | B::Gt | B::Ge => Type::Bool,
                _ if *a == Type::Error || *b == Type::Error => Type::Error,
                _ => Type::Dynamic,
            };
        }
        let enum_of = |c: &Self, t: &Type| match t {
            Type::Class(x) if c.is_enum(*x) => Some(*x),
            _ => None,
        };
        let promoted = |a: &Type, b: &Type| -> Option<Type> {
            if !a.is_numeric() || !b.is_numeric() {
                return None;
            }
            Some(if *a == Type::Decimal || *b == Type::Decimal {
                Type::Decimal
            } else if a.is_floating() || b.is_floating() {
                Type::Double
            } else if *a == Type::Long || *b == Type::Long {
                Type::Long
            } else {
                Type::Int
            })
        };
        let result = match op {
            B::Eq | B::Ne => {
                let ok = a == b
                    || (a.is_numeric() && b.is_numeric())
                    || (*a == Type::Null && !is_value(self, b))
                    || (*b == Type::Null && !is_value(self, a))
                    || (!is_value(self, a) && !is_value(self, b) && !matches!((a, b), (Type::String, Type::Class(_)) | (Type::Class(_), Type::String)))
                    || (enum_of(self, a).is_some() && enum_of(self, a) == enum_of(self, b))
                    // An enum compares with the constant 0.
                    || (enum_of(self, a).is_some() && b.is_integral())
                    || (enum_of(self, b).is_some() && a.is_integral());
                ok.then_some(Type::Bool)
            }
            B::Lt | B::Le | B::Gt | B::Ge => {
                let ok = (a.is_numeric() && b.is_numeric())
                    || (enum_of(self, a).is_some() && enum_of(self, a) == enum_of(self, b));
                ok.then_some(Type::Bool)
            }
            B::Add | B::Sub => match (enum_of(self, a), enum_of(self, b)) {
                (Some(x), Some(y)) if op == B::Sub && x == y => Some(Type::Int),
                (Some(x), None) if b.is_integral() => Some(Type::Class(x)),
                (None, Some(y)) if op == B::Add && a.is_integral() => Some(Type::Class(y)),
                _ => promoted(a, b).or_else(|| (a.is_delegate() && a == b).then(|| a.clone())),
            },
            B::Mul | B::Div | B::Rem => promoted(a, b),
            B::Shl | B::Shr => {
                (a.is_integral() && b.is_integral()).then(|| if *a == Type::Long { Type::Long } else { Type::Int })
            }
            B::BitAnd | B::BitOr | B::BitXor => {
                if *a == Type::Bool && *b == Type::Bool {
                    Some(Type::Bool)
                } else if let (Some(x), Some(y)) = (enum_of(self, a), enum_of(self, b)) {
                    (x == y).then_some(Type::Class(x))
                } else if a.is_integral() && b.is_integral() {
                    promoted(a, b)
                } else {
                    None
                }
            }
            B::And | B::Or => (*a == Type::Bool && *b == Type::Bool).then_some(Type::Bool),
            B::Coalesce => Some(a.clone()),
        };
        match result {
            Some(t) => t,
            None => {
                let (x, y) = (self.type_name(a), self.type_name(b));
                self.error(
                    span,
                    format!("Operator '{}' cannot be applied to operands of type '{x}' and '{y}'", op_symbol(op)),
                );
                Type::Error
            }
        }
    }

    pub(crate) fn emit_binop(&mut self, op: BinaryOp, dst: Reg, a: Reg, b: Reg) {
        let d = dst.dst();
        let i = match op {
            BinaryOp::Add => Instr::Add { dst: d, a, b },
            BinaryOp::Sub => Instr::Sub { dst: d, a, b },
            BinaryOp::Mul => Instr::Mul { dst: d, a, b },
            BinaryOp::Div => Instr::Div { dst: d, a, b },
            BinaryOp::Rem => Instr::Rem { dst: d, a, b },
            BinaryOp::Shl => Instr::Shl { dst: d, a, b },
            BinaryOp::Shr => Instr::Shr { dst: d, a, b },
            BinaryOp::BitAnd => Instr::BitAnd { dst: d, a, b },
            BinaryOp::BitOr => Instr::BitOr { dst: d, a, b },
            BinaryOp::BitXor => Instr::BitXor { dst: d, a, b },
            BinaryOp::Eq => Instr::Eq { dst: d, a, b },
            BinaryOp::Ne => Instr::Ne { dst: d, a, b },
            BinaryOp::Lt => Instr::Lt { dst: d, a, b },
            BinaryOp::Le => Instr::Le { dst: d, a, b },
            BinaryOp::Gt => Instr::Gt { dst: d, a, b },
            BinaryOp::Ge => Instr::Ge { dst: d, a, b },
            BinaryOp::And | BinaryOp::Or | BinaryOp::Coalesce => return,
        };
        self.emit(i);
    }

    /// `a op b` for the operators that are one instruction.
    fn binary(&mut self, op: BinaryOp, lhs: &'a Expr<'a>, rhs: &'a Expr<'a>, dest: Dest, span: Span) -> Val {
        let a = self.expr(lhs, Dest::Any, None);
        if op == BinaryOp::Sub
            && a.ty.is_integral()
            && a.ty != Type::Char
            && let Some(k) = small_int(rhs)
            && let Some(neg) = k.checked_neg()
        {
            let dst = self.dest_reg(dest);
            self.emit(Instr::AddImm { dst: dst.dst(), a: a.reg, imm: neg });
            return Val { reg: dst, ty: a.ty };
        }
        let a = self.stabilize(a, may_write_locals(rhs));
        let expected = if a.ty.is_numeric() || matches!(a.ty, Type::Class(_)) { Some(a.ty.clone()) } else { None };
        let b = self.expr(rhs, Dest::Any, expected.as_ref().filter(|t| matches!(t, Type::Class(_))));
        let ty = self.binary_type(op, &a.ty, &b.ty, span);
        let dst = self.dest_reg(dest);
        self.emit_binop(op, dst, a.reg, b.reg);
        Val { reg: dst, ty }
    }

    /// `a + b + c ...`: numeric additions, then (once a string appears)
    /// one concatenation of all the remaining operands.
    fn add_chain(&mut self, e: &'a Expr<'a>, dest: Dest) -> Val {
        // The left spine: ((x0 + x1) + x2) + ...
        let mut spine: Vec<&'a Expr<'a>> = Vec::new();
        let mut cur = e;
        while let ExprKind::Binary { op: BinaryOp::Add, lhs, rhs } = &cur.kind {
            spine.push(rhs);
            cur = lhs;
        }
        spine.push(cur);
        spine.reverse();
        let later_writes = |i: usize| spine[i..].iter().any(|x| may_write_locals(x));
        let mut acc = self.expr(spine[0], Dest::Any, None);
        acc = self.stabilize(acc, later_writes(1));
        let mut i = 1;
        let mut parts: Option<Vec<Val>> = None;
        while i < spine.len() {
            let x = spine[i];
            let span = Span { start: e.span.start, end: x.span.end };
            if acc.ty != Type::String
                && acc.ty.is_integral()
                && acc.ty != Type::Char
                && let Some(k) = small_int(x)
            {
                let last = i + 1 == spine.len();
                let dst = if last { self.dest_reg(dest) } else { self.alloc() };
                self.emit(Instr::AddImm { dst: dst.dst(), a: acc.reg, imm: k });
                acc = Val { reg: dst, ty: acc.ty };
                i += 1;
                continue;
            }
            let b = self.expr(x, Dest::Any, None);
            let b = self.stabilize(b, later_writes(i + 1));
            if acc.ty == Type::String || b.ty == Type::String {
                parts = Some(vec![acc.clone(), b]);
                i += 1;
                break;
            }
            let ty = self.binary_type(BinaryOp::Add, &acc.ty, &b.ty, span);
            let last = i + 1 == spine.len();
            let dst = if last { self.dest_reg(dest) } else { self.alloc() };
            self.emit(Instr::Add { dst: dst.dst(), a: acc.reg, b: b.reg });
            acc = Val { reg: dst, ty };
            i += 1;
        }
        let Some(mut parts) = parts else { return self.put_in(acc, dest) };
        while i < spine.len() {
            let b = self.expr(spine[i], Dest::Any, None);
            let b = self.stabilize(b, later_writes(i + 1));
            parts.push(b);
            i += 1;
        }
        self.concat(parts, dest)
    }

    /// Concatenates values into a string (`ToStr` first for values the VM
    /// does not format itself).
    pub(crate) fn concat(&mut self, parts: Vec<Val>, dest: Dest) -> Val {
        if parts.len() == 2 {
            let a = self.stringable(&parts[0]);
            let b = self.stringable(&parts[1]);
            let dst = self.dest_reg(dest);
            self.emit(Instr::Add { dst: dst.dst(), a, b });
            return Val { reg: dst, ty: Type::String };
        }
        let dst = self.dest_reg(dest);
        let m = self.mark();
        let base = self.b().alloc_n(parts.len());
        for (i, p) in parts.iter().enumerate() {
            let r = Reg(base.0 + i as u16);
            if needs_tostr(&p.ty) {
                self.emit(Instr::ToStr { dst: r.dst(), src: p.reg });
            } else {
                self.emit(Instr::Move { dst: r.dst(), src: p.reg });
            }
        }
        self.emit(Instr::Concat { dst: dst.dst(), args: vm::bytecode::Args::new(base, parts.len()) });
        self.release(m);
        Val { reg: dst, ty: Type::String }
    }

    /// A register holding the value in a form `Add` concatenates.
    fn stringable(&mut self, v: &Val) -> Reg {
        if needs_tostr(&v.ty) {
            let t = self.alloc();
            self.emit(Instr::ToStr { dst: t.dst(), src: v.reg });
            t
        } else {
            v.reg
        }
    }

    fn interpolated(&mut self, parts: &'a [ast::InterpolationPart<'a>], dest: Dest) -> Val {
        let dst = self.dest_reg(dest);
        if parts.is_empty() {
            self.load_const(&ConstValue::Str(Rc::from("")), dst.dst());
            return Val { reg: dst, ty: Type::String };
        }
        let m = self.mark();
        let base = self.b().alloc_n(parts.len());
        for (i, p) in parts.iter().enumerate() {
            let r = Reg(base.0 + i as u16);
            match p {
                ast::InterpolationPart::Text(t) => self.load_const(&ConstValue::Str(Rc::from(*t)), r.dst()),
                ast::InterpolationPart::Expr { expr, align, format } => {
                    let inner = self.mark();
                    let v = self.expr(expr, Dest::Any, None);
                    if align.is_some() || format.is_some() {
                        let block = self.b().alloc_n(4);
                        let at = |k: u16| Reg(block.0 + k);
                        self.emit(Instr::Move { dst: at(0).dst(), src: v.reg });
                        if v.ty == Type::String {
                            self.emit(Instr::Move { dst: at(1).dst(), src: v.reg });
                        } else {
                            self.emit(Instr::ToStr { dst: at(1).dst(), src: v.reg });
                        }
                        match format {
                            Some(f) => self.load_const(&ConstValue::Str(Rc::from(*f)), at(2).dst()),
                            None => self.emit(Instr::LoadNull { dst: at(2).dst() }),
                        }
                        match align {
                            Some(a) => {
                                self.expr_to(a, &Type::Int, Dest::Into(at(3)));
                            }
                            None => self.emit(Instr::LoadInt { dst: at(3).dst(), value: 0 }),
                        }
                        self.native_call_block("Runtime", "Format", block, 4, r, expr.span);
                    } else if needs_tostr(&v.ty) {
                        self.emit(Instr::ToStr { dst: r.dst(), src: v.reg });
                    } else if v.reg != r {
                        self.emit(Instr::Move { dst: r.dst(), src: v.reg });
                    }
                    self.release(inner);
                }
            }
        }
        if parts.len() == 1 {
            if let ast::InterpolationPart::Expr { .. } = parts[0] {
                // A lone hole still makes a string (null becomes "").
                let e = self.alloc();
                self.load_const(&ConstValue::Str(Rc::from("")), e.dst());
                self.emit(Instr::Add { dst: dst.dst(), a: e, b: base });
            } else {
                self.emit(Instr::Move { dst: dst.dst(), src: base });
            }
        } else {
            self.emit(Instr::Concat { dst: dst.dst(), args: vm::bytecode::Args::new(base, parts.len()) });
        }
        self.release(m);
        Val { reg: dst, ty: Type::String }
    }

    fn coalesce(&mut self, lhs: &'a Expr<'a>, rhs: &'a Expr<'a>, dest: Dest, expected: Option<&Type>) -> Val {
        let dst = self.dest_reg(dest);
        let a = self.expr(lhs, Dest::Into(dst), expected);
        if is_value(self, &a.ty) {
            let tn = self.type_name(&a.ty);
            self.error(lhs.span, format!("Operator '??' cannot be applied to operands of type '{tn}'"));
        }
        let end = self.new_label();
        self.b().emit_jump(|target| Instr::JumpIfNotNull { src: dst, target }, end);
        let want = match &a.ty {
            Type::Null => expected.cloned(),
            Type::Nullable(inner) => Some((**inner).clone()),
            t => Some(t.clone()),
        };
        let b = match &want {
            Some(t) if !t.is_unknown() => self.expr_to(rhs, t, Dest::Into(dst)),
            _ => self.expr(rhs, Dest::Into(dst), None),
        };
        self.place(end);
        let ty = match a.ty {
            Type::Null | Type::Error => b.ty,
            Type::Nullable(_) if !is_value(self, &b.ty) && b.ty != Type::Error => a.ty,
            Type::Nullable(inner) => (*inner).clone(),
            t => t,
        };
        Val { reg: dst, ty }
    }

    fn conditional(
        &mut self,
        cond: &'a Expr<'a>,
        then: &'a Expr<'a>,
        else_: &'a Expr<'a>,
        dest: Dest,
        expected: Option<&Type>,
    ) -> Val {
        let dst = self.dest_reg(dest);
        let else_label = self.new_label();
        let end = self.new_label();
        self.cond_jump(cond, false, else_label);
        if let Some(t) = expected.filter(|t| !t.is_unknown()) {
            let t = t.clone();
            self.expr_to(then, &t, Dest::Into(dst));
            self.jump(end);
            self.place(else_label);
            self.expr_to(else_, &t, Dest::Into(dst));
            self.place(end);
            return Val { reg: dst, ty: t };
        }
        // Without an expected type the branches' common type decides; a
        // branch that needs converting is converted in place afterwards
        // (the `then` branch through a short detour).
        let a = self.expr(then, Dest::Into(dst), None).ty;
        let then_done = self.new_label();
        self.jump(then_done);
        self.place(else_label);
        let b = self.expr(else_, Dest::Into(dst), None).ty;
        let ty = match self.common_type(&a, &b) {
            Some(t) => t,
            None => {
                let (x, y) = (self.type_name(&a), self.type_name(&b));
                self.error(
                    then.span.to(else_.span),
                    format!("Type of conditional expression cannot be determined because there is no implicit conversion between '{x}' and '{y}'"),
                );
                Type::Error
            }
        };
        if b != ty {
            self.coerce(Val { reg: dst, ty: b }, &ty, Dest::Into(dst), else_.span);
        }
        if a != ty {
            self.jump(end);
            self.place(then_done);
            self.coerce(Val { reg: dst, ty: a }, &ty, Dest::Into(dst), then.span);
        } else {
            self.place(then_done);
        }
        self.place(end);
        Val { reg: dst, ty }
    }

    /// The type both branches convert to (`int` and `double`: `double`;
    /// `null` and a reference type: that type).
    pub(crate) fn common_type(&self, a: &Type, b: &Type) -> Option<Type> {
        if a == b {
            return Some(a.clone());
        }
        if a.is_unknown() || *a == Type::Null && !is_value(self, b) {
            return Some(b.clone());
        }
        if b.is_unknown() || *b == Type::Null && !is_value(self, a) {
            return Some(a.clone());
        }
        if a.is_numeric() && b.is_numeric() {
            return Some(if *a == Type::Decimal || *b == Type::Decimal {
                Type::Decimal
            } else if a.is_floating() || b.is_floating() {
                Type::Double
            } else if *a == Type::Long || *b == Type::Long {
                Type::Long
            } else {
                Type::Int
            });
        }
        match (a, b) {
            (Type::Class(x), Type::Class(y)) if self.derives_from(*x, *y) => Some(b.clone()),
            (Type::Class(x), Type::Class(y)) if self.derives_from(*y, *x) => Some(a.clone()),
            (_, Type::Object) => Some(Type::Object),
            (Type::Object, _) => Some(Type::Object),
            _ => None,
        }
    }

    /// Jumps to `target` when `e` evaluates to `when`.
    pub(crate) fn cond_jump(&mut self, e: &'a Expr<'a>, when: bool, target: Label) {
        match &e.kind {
            ExprKind::Literal(Literal::Bool(b)) => {
                if *b == when {
                    self.jump(target);
                }
                return;
            }
            ExprKind::Unary { op: UnaryOp::Not, operand } => return self.cond_jump(operand, !when, target),
            ExprKind::Binary { op: op @ (BinaryOp::And | BinaryOp::Or), lhs, rhs } => {
                let is_and = *op == BinaryOp::And;
                if is_and != when {
                    // `a && b` false when either is false; `a || b` true when either is true.
                    self.cond_jump(lhs, when, target);
                    self.cond_jump(rhs, when, target);
                } else {
                    let skip = self.new_label();
                    self.cond_jump(lhs, !when, skip);
                    self.cond_jump(rhs, when, target);
                    self.place(skip);
                }
                return;
            }
            ExprKind::Binary { op: op @ (BinaryOp::Eq | BinaryOp::Ne), lhs, rhs }
                if matches!(rhs.kind, ExprKind::Literal(Literal::Null))
                    || matches!(lhs.kind, ExprKind::Literal(Literal::Null)) =>
            {
                let other = if matches!(rhs.kind, ExprKind::Literal(Literal::Null)) { lhs } else { rhs };
                let m = self.mark();
                let v = self.expr(other, Dest::Any, None);
                if is_value(self, &v.ty) {
                    let tn = self.type_name(&v.ty);
                    let _ = tn;
                }
                let jump_if_null = (*op == BinaryOp::Eq) == when;
                if jump_if_null {
                    self.b().emit_jump(|t| Instr::JumpIfNull { src: v.reg, target: t }, target);
                } else {
                    self.b().emit_jump(|t| Instr::JumpIfNotNull { src: v.reg, target: t }, target);
                }
                self.release(m);
                return;
            }
            ExprKind::Binary { op: op @ (BinaryOp::Lt | BinaryOp::Gt | BinaryOp::Le | BinaryOp::Ge), lhs, rhs } => {
                let m = self.mark();
                let a = self.expr(lhs, Dest::Any, None);
                // `x < 2` with an int x: compare against the immediate.
                if let (BinaryOp::Lt, false, ExprKind::Literal(Literal::Int(k))) = (op, when, &rhs.kind)
                    && a.ty.is_integral()
                    && let Ok(imm) = i32::try_from(*k)
                {
                    self.b().emit_jump(|t| Instr::JumpIfNotLtImm { a: a.reg, imm, target: t }, target);
                    self.release(m);
                    return;
                }
                let a = self.stabilize(a, may_write_locals(rhs));
                let b = self.expr(rhs, Dest::Any, None);
                let ty = self.binary_type(*op, &a.ty, &b.ty, e.span);
                let ints = a.ty.is_integral() && b.ty.is_integral();
                let nums = a.ty.is_numeric() && b.ty.is_numeric();
                // `JumpIfNotLt x, y` jumps when !(x < y). For ints that is
                // also `x >= y`; for doubles only the exact forms are used
                // (NaN compares false both ways).
                let fused = match (op, when) {
                    (BinaryOp::Lt, false) if nums => Some((a.reg, b.reg)),
                    (BinaryOp::Gt, false) if nums => Some((b.reg, a.reg)),
                    (BinaryOp::Ge, true) if ints => Some((a.reg, b.reg)),
                    (BinaryOp::Le, true) if ints => Some((b.reg, a.reg)),
                    _ => None,
                };
                if let Some((x, y)) = fused {
                    self.b().emit_jump(|t| Instr::JumpIfNotLt { a: x, b: y, target: t }, target);
                } else {
                    let t = self.alloc();
                    self.emit_binop(*op, t, a.reg, b.reg);
                    self.jump_on(t, when, target);
                }
                let _ = ty;
                self.release(m);
                return;
            }
            _ => {}
        }
        let m = self.mark();
        let v = self.expr_to(e, &Type::Bool, Dest::Any);
        self.jump_on(v.reg, when, target);
        self.release(m);
    }

    fn jump_on(&mut self, r: Reg, when: bool, target: Label) {
        if when {
            self.b().emit_jump(|t| Instr::JumpIfTrue { cond: r, target: t }, target);
        } else {
            self.b().emit_jump(|t| Instr::JumpIfFalse { cond: r, target: t }, target);
        }
    }

    // ----- is / await -----------------------------------------------------------

    fn is_expr(
        &mut self,
        expr: &'a Expr<'a>,
        ty: &'a ast::TypeRef<'a>,
        binding: Option<ast::Ident<'a>>,
        dest: Dest,
    ) -> Val {
        let v = self.expr(expr, Dest::Any, None);
        let t = self.resolve_type(ty);
        let dst = self.dest_reg(dest);
        let value = if binding.is_some() { self.stabilize(v, true) } else { v };
        self.emit(Instr::IsInst { dst: dst.dst(), src: value.reg, class: t.class_id() });
        if let Some(b) = binding {
            let reg = self.pre_reg();
            self.emit(Instr::Move { dst: reg.dst(), src: value.reg });
            self.declare_var(b.name, b.span, t, Some(Home::Reg(reg)));
        }
        Val { reg: dst, ty: Type::Bool }
    }

    /// A register reserved at the start of the statement for a variable an
    /// expression declares (`out var x`, `is T x`), so that it outlives the
    /// statement's temporaries.
    pub(crate) fn pre_reg(&mut self) -> Reg {
        match self.f().pre_regs.pop_front() {
            Some(r) => r,
            None => self.alloc(),
        }
    }

    /// `await x`, in the awaiter pattern's own shape (the IL the runtime-async
    /// design gives the JIT, and what Roslyn's lowering starts from):
    /// ```text
    ///   awaiter = x.GetAwaiter()
    ///   if (!awaiter.IsCompleted) Await awaiter, @resume   // suspend: the backends lower this
    ///   resume: result = awaiter.GetResult()
    /// ```
    /// Its await site records where these instructions are and which
    /// registers they use (see `vm::program::AwaitSite`).
    fn await_expr(&mut self, x: &'a Expr<'a>, dest: Dest, span: Span) -> Val {
        if !self.fr().is_async {
            let msg = if self.fr().lambda.is_some() {
                "The 'await' operator can only be used within an async lambda expression. Consider marking this lambda expression with the 'async' modifier."
            } else {
                "The 'await' operator can only be used within an async method. Consider marking this method with the 'async' modifier and changing its return type to 'Task'."
            };
            self.error(span, msg);
        }
        let (v, call) = self.awaited_value(x);
        let ty = self.await_result(&v.ty, x.span);
        if ty == Type::Error || v.ty == Type::Error {
            return self.error_val(dest);
        }
        let library = is_library_awaitable(&v.ty);
        let awaiter = self.alloc();
        let get_awaiter = Pc(self.b().pc());
        let aw =
            self.member_call(v.clone(), ast::Ident { name: "GetAwaiter", span }, &[], Dest::Into(awaiter), span, false);
        let aw = self.put_in(aw, Dest::Into(awaiter));
        let Some(site) = self.await_site(&aw.ty, span) else {
            return self.error_val(dest);
        };
        let ready = self.new_label();
        let m = self.mark();
        let done = self.member_of_value(aw.clone(), ast::Ident { name: "IsCompleted", span }, Dest::Any, None);
        self.b().emit_jump(|target| Instr::JumpIfTrue { cond: done.reg, target }, ready);
        self.release(m);
        self.b().emit_jump(|resume| Instr::Await { awaiter, site, resume }, ready);
        self.place(ready);
        let resume = self.b().pc();
        let val = if ty == Type::Void {
            self.member_call(aw, ast::Ident { name: "GetResult", span }, &[], Dest::Any, span, true);
            let dst = self.dest_reg(dest);
            Val { reg: dst, ty: Type::Void }
        } else {
            let r = self.member_call(aw, ast::Ident { name: "GetResult", span }, &[], dest, span, false);
            Val { reg: r.reg, ty }
        };
        // GetResult is one call: the backends may replace the await up to it.
        let b = &self.fr().b;
        let result = match b.get(resume) {
            Some(Instr::Call { dst, .. } | Instr::CallVirt { dst, .. } | Instr::CallNative { dst, .. })
                if b.pc() == resume + 1 =>
            {
                Some(*dst)
            }
            _ => None,
        };
        let s = &mut self.program.await_sites[site.index()];
        s.call = call.filter(|_| result.is_some());
        s.get_awaiter = get_awaiter;
        s.awaitable = v.reg;
        s.awaiter = awaiter;
        s.result = result.unwrap_or(vm::bytecode::Dst::DISCARD);
        s.library = library && result.is_some();
        s.value_task = v.ty.is_lib("ValueTask", 0) || v.ty.is_lib("ValueTask", 1);
        val
    }

    /// Compiles the awaited expression. For `F(..)` and
    /// `F(..).ConfigureAwait(b)`, where `F` is a user method that returns a
    /// `Task` or `ValueTask` and evaluating `b` has no effects, also gives
    /// the pc of the call of `F`: async2 may make it a direct call and drop
    /// what follows it up to the await's `GetResult`.
    fn awaited_value(&mut self, x: &'a Expr<'a>) -> (Val, Option<Pc>) {
        let ExprKind::Call { callee, args } = &x.kind else { return (self.expr(x, Dest::Any, None), None) };
        match &callee.kind {
            ExprKind::Member { target, name, null_conditional: false, .. }
                if name.name == "ConfigureAwait" && matches!(target.kind, ExprKind::Call { .. }) =>
            {
                let args: Vec<CallArg<'a>> = args.iter().map(CallArg::from).collect();
                let mut call = None;
                let v = self.call_on(target, *name, &args, Dest::Any, x.span, false, &mut |c, t| {
                    call = c.made_by_call(t);
                });
                let pure = args.iter().all(|a| self.has_no_effects(a.value));
                (v, call.filter(|_| pure))
            }
            _ => {
                let v = self.expr(x, Dest::Any, None);
                let call = self.made_by_call(&v);
                (v, call)
            }
        }
    }

    /// The pc of the instruction just emitted if it is a call of a user
    /// method that returned the `Task` or `ValueTask` `v`.
    fn made_by_call(&self, v: &Val) -> Option<Pc> {
        let is_task = matches!(&v.ty, Type::Lib(n, _) if matches!(&**n, "Task" | "ValueTask"));
        let pc = self.fr().b.pc().checked_sub(1)?;
        match self.fr().b.get(pc)? {
            Instr::Call { dst, .. } | Instr::CallVirt { dst, .. } if is_task && dst.reg() == v.reg => Some(Pc(pc)),
            _ => None,
        }
    }

    /// Whether evaluating `e` cannot have an effect: a literal, or a local
    /// (or parameter, or constant) of this function that lives in a register.
    fn has_no_effects(&self, e: &Expr<'_>) -> bool {
        match &e.kind {
            ExprKind::Literal(_) => true,
            ExprKind::Name(id) => {
                let var = self.scopes.iter().rev().find_map(|s| s.vars.iter().rev().find(|(n, _)| n == id.name));
                var.is_some_and(|&(_, v)| {
                    self.vars[v].fn_depth == self.depth() && matches!(self.vars[v].home, Home::Reg(_) | Home::Const(_))
                })
            }
            _ => false,
        }
    }

    /// The await site of an awaiter type: how a backend registers with it.
    /// The front end fills in where its instructions are once it has
    /// emitted them.
    fn await_site(&mut self, awaiter: &Type, span: Span) -> Option<vm::bytecode::AwaitSiteId> {
        let awaiter_type = self.type_name(awaiter);
        let on_completed = match awaiter {
            Type::Class(c) => {
                let find = |this: &Self, name: &str| match this.find_member(*c, name) {
                    Some(Member::Methods(ids)) => ids
                        .iter()
                        .copied()
                        .find(|m| !this.methods[m.index()].is_static && this.methods[m.index()].params.len() == 1),
                    _ => None,
                };
                let (method, critical) = match (find(self, "UnsafeOnCompleted"), find(self, "OnCompleted")) {
                    (Some(m), _) => (m, true),
                    (None, Some(m)) => (m, false),
                    (None, None) => {
                        self.error(span, format!("'{awaiter_type}' does not implement 'INotifyCompletion'"));
                        return None;
                    }
                };
                let is_virtual = self.methods[method.index()].is_virtual;
                Some(vm::program::OnCompleted { method, is_virtual, critical })
            }
            _ => None,
        };
        Some(self.program.add_await_site(vm::program::AwaitSite {
            awaiter_type,
            on_completed,
            call: None,
            get_awaiter: Pc(0),
            awaitable: Reg(0),
            awaiter: Reg(0),
            result: vm::bytecode::Dst::DISCARD,
            library: false,
            value_task: false,
        }))
    }

    /// The type `await` of a value of type `t` produces (the awaiter
    /// pattern: `GetAwaiter().GetResult()`).
    pub(crate) fn await_result(&mut self, t: &Type, span: Span) -> Type {
        match t {
            t if t.is_unknown() => Type::Dynamic,
            Type::Lib(name, args) => match (&**name, args.len()) {
                ("Task" | "ValueTask" | "ConfiguredTaskAwaitable" | "ConfiguredValueTaskAwaitable", 0) => Type::Void,
                ("Task" | "ValueTask" | "ConfiguredTaskAwaitable" | "ConfiguredValueTaskAwaitable", 1) => {
                    args[0].clone()
                }
                ("YieldAwaitable", 0) => Type::Void,
                _ => self.awaiter_pattern(t, span),
            },
            _ => self.awaiter_pattern(t, span),
        }
    }

    fn awaiter_pattern(&mut self, t: &Type, span: Span) -> Type {
        let awaiter = self.method_result_type(t, "GetAwaiter");
        match awaiter {
            Some(a) => match self.method_result_type(&a, "GetResult") {
                Some(r) => r,
                None => {
                    let an = self.type_name(&a);
                    self.error(span, format!("'{an}' does not contain a definition for 'GetResult'"));
                    Type::Error
                }
            },
            None => {
                let tn = self.type_name(t);
                self.error(span, format!("'{tn}' does not contain a definition for 'GetAwaiter'"));
                Type::Error
            }
        }
    }

    /// The result type of a parameterless instance (or extension) method
    /// `name` on a value of type `t`.
    pub(crate) fn method_result_type(&self, t: &Type, name: &str) -> Option<Type> {
        if let Type::Class(c) = t
            && let Some(Member::Methods(ids)) = self.find_member(*c, name)
            && let Some(m) = ids.iter().find(|m| self.methods[m.index()].params.is_empty())
        {
            return Some(self.methods[m.index()].ret.clone());
        }
        if let Some(owner) = t.native_owner()
            && let Some((_, d)) = self.natives_named(owner, name, false).into_iter().find(|(_, d)| d.params.is_empty())
        {
            return Some(erase_params(
                self.lib_type(&types::parse_signature(d.ret).ty.substitute(&self.receiver_bindings(t))),
            ));
        }
        self.extension_methods(name, t)
            .into_iter()
            .find(|m| self.methods[m.index()].params.len() == 1)
            .map(|m| self.methods[m.index()].ret.clone())
    }

    /// Loads a field slot of an object (used by places).
    pub(crate) fn get_field(&mut self, obj: Reg, slot: FieldSlot, class: ClassId, dest: Dest, ty: Type) -> Val {
        let dst = self.dest_reg(dest);
        self.emit(Instr::GetField { dst: dst.dst(), obj, field: slot, class });
        Val { reg: dst, ty }
    }

    /// `Object` as a value: `new object()`.
    pub(crate) fn new_object_instance(&mut self, dest: Dest) -> Val {
        let dst = self.dest_reg(dest);
        self.emit(Instr::NewObject { dst: dst.dst(), class: BuiltinClass::Object.id() });
        Val { reg: dst, ty: Type::Object }
    }
}

/// Expressions that write their destination before they finish reading
/// their operands.
fn writes_dest_early(e: &Expr<'_>) -> bool {
    matches!(
        e.kind,
        ExprKind::Binary { op: BinaryOp::And | BinaryOp::Or | BinaryOp::Coalesce, .. }
            | ExprKind::New { .. }
            | ExprKind::NewArray { init: Some(_), .. }
            | ExprKind::ArrayInit(_)
            | ExprKind::Member { null_conditional: true, .. }
            | ExprKind::Index { null_conditional: true, .. }
            | ExprKind::Assign { op: Some(BinaryOp::Coalesce), .. }
    )
}

impl Compiler<'_> {
    /// `T?`: a nullable type for value types, `T` itself otherwise.
    pub(crate) fn nullable(&self, t: Type) -> Type {
        if is_value(self, &t) { Type::Nullable(Rc::new(t)) } else { t }
    }
}

/// Value types: `null` does not convert to them.
pub(crate) fn is_value(c: &Compiler<'_>, t: &Type) -> bool {
    match t {
        Type::Int | Type::Long | Type::Double | Type::Decimal | Type::Bool | Type::Char => true,
        Type::Class(x) => c.is_enum(*x),
        _ => false,
    }
}

/// Values `Add`/`Concat` would not format the way `ToString()` does.
pub(crate) fn needs_tostr(t: &Type) -> bool {
    !t.is_primitive()
}

/// An integer literal small enough for `AddImm`.
pub(crate) fn small_int(e: &Expr<'_>) -> Option<i32> {
    match e.kind {
        ExprKind::Literal(Literal::Int(i)) => i32::try_from(i).ok(),
        _ => None,
    }
}

impl Compiler<'_> {
    /// Whether a field or property is static (`None` for a method group,
    /// whose overloads may differ).
    fn data_member_is_static(&self, m: &Member) -> Option<bool> {
        match m {
            Member::Field { class, idx } => {
                Some(!matches!(self.classes[class.index()].fields[*idx].kind, super::FieldKind::Instance(_)))
            }
            Member::Prop { class, idx } => Some(self.classes[class.index()].props[*idx].is_static),
            Member::Methods(_) => None,
        }
    }
}

pub(crate) fn literal_value(l: Literal<'_>) -> ConstValue {
    match l {
        Literal::Null => ConstValue::Null,
        Literal::Bool(b) => ConstValue::Bool(b),
        Literal::Int(i) => ConstValue::Int(i),
        Literal::Long(i) => ConstValue::Long(i),
        Literal::Double(d) => ConstValue::Double(d),
        Literal::Decimal(d) => ConstValue::Decimal(d),
        Literal::Char(c) => ConstValue::Char(c),
        Literal::String(s) => ConstValue::Str(Rc::from(s)),
    }
}

/// Type parameters left unbound become `Dynamic`.
pub(crate) fn erase_params(t: Type) -> Type {
    match t {
        Type::Lib(name, args) if args.is_empty() && types::TYPE_PARAMS.contains(&&*name) => Type::Dynamic,
        Type::Lib(name, args) => Type::Lib(name, args.iter().map(|a| erase_params(a.clone())).collect()),
        Type::Array(e) => Type::array(erase_params((*e).clone())),
        t => t,
    }
}

pub(crate) fn op_symbol(op: BinaryOp) -> &'static str {
    match op {
        BinaryOp::Add => "+",
        BinaryOp::Sub => "-",
        BinaryOp::Mul => "*",
        BinaryOp::Div => "/",
        BinaryOp::Rem => "%",
        BinaryOp::Shl => "<<",
        BinaryOp::Shr => ">>",
        BinaryOp::BitAnd => "&",
        BinaryOp::BitOr => "|",
        BinaryOp::BitXor => "^",
        BinaryOp::And => "&&",
        BinaryOp::Or => "||",
        BinaryOp::Eq => "==",
        BinaryOp::Ne => "!=",
        BinaryOp::Lt => "<",
        BinaryOp::Le => "<=",
        BinaryOp::Gt => ">",
        BinaryOp::Ge => ">=",
        BinaryOp::Coalesce => "??",
    }
}

/// The library's awaitables, whose `GetAwaiter` .. `GetResult` async2 may
/// make one `AwaitTask`.
fn is_library_awaitable(t: &Type) -> bool {
    matches!(t, Type::Lib(n, _) if matches!(
        &**n,
        "Task" | "ValueTask" | "ConfiguredTaskAwaitable" | "ConfiguredValueTaskAwaitable" | "YieldAwaitable"
    ))
}
