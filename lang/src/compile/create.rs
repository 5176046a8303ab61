//! Object and array creation: `new C(args) { X = 1 }`, collection
//! initializers, `new T[n]`, `new T[] { .. }`, `new[] { .. }`, `{ .. }`.

use vm::bytecode::Instr;

use super::Compiler;
use super::call::CallArg;
use super::consts::ConstValue;
use super::members::Member;
use super::scope::{Dest, Val};
use super::types::Type;
use crate::ast::{self, Arg, Expr, Initializer, Span};

impl<'a> Compiler<'a> {
    pub(crate) fn new_expr(
        &mut self,
        ty: &'a ast::TypeRef<'a>,
        args: &'a [Arg<'a>],
        init: Option<&'a Initializer<'a>>,
        dest: Dest,
        span: Span,
    ) -> Val {
        let t = self.resolve_type(ty);
        let call_args: Vec<CallArg<'a>> = args.iter().map(CallArg::from).collect();
        let v = match &t {
            Type::Error => {
                for a in args {
                    self.expr(a.value, Dest::Any, None);
                }
                return self.error_val(dest);
            }
            Type::Class(c) => {
                let c = *c;
                let info = &self.classes[c.index()];
                let cname = info.name.clone();
                if info.kind == ast::TypeKind::Interface || info.is_abstract {
                    self.error(
                        ty.span,
                        format!("Cannot create an instance of the abstract type or interface '{cname}'"),
                    );
                    return self.error_val(dest);
                }
                if info.is_static {
                    self.error(ty.span, format!("Cannot create an instance of the static class '{cname}'"));
                    return self.error_val(dest);
                }
                if info.kind == ast::TypeKind::Enum {
                    let dst = self.dest_reg(dest);
                    self.load_const(&ConstValue::Enum(c, 0), dst.dst());
                    return Val { reg: dst, ty: t };
                }
                let ctors = info.ctors.clone();
                let is_struct = info.kind == ast::TypeKind::Struct;
                let obj = self.dest_reg(dest);
                self.emit(Instr::NewObject { dst: obj.dst(), class: c });
                let has_default = ctors.iter().any(|m| self.methods[m.index()].params.is_empty());
                if is_struct && args.is_empty() && !has_default {
                    // `new S()`: every field at its default.
                } else if ctors.is_empty() {
                    self.error(
                        span,
                        format!("'{cname}' does not contain a constructor that takes {} arguments", args.len()),
                    );
                } else {
                    let cands = self.method_cands(&ctors, false);
                    let recv = Val { reg: obj, ty: t.clone() };
                    self.invoke(cands, Some(recv), &call_args, Dest::Any, span, &cname, true);
                }
                Val { reg: obj, ty: t.clone() }
            }
            Type::Object => {
                if !args.is_empty() {
                    self.error(span, "'object' does not contain a constructor that takes arguments");
                }
                self.new_object_instance(dest)
            }
            Type::Lib(name, _) if t.delegate_sig().is_some() => {
                // `new Action(Foo)`.
                let _ = name;
                match args {
                    [a] => {
                        let v = self.expr(a.value, dest, Some(&t));
                        Val { reg: v.reg, ty: t.clone() }
                    }
                    _ => {
                        self.error(span, "A delegate creation expression takes one method or lambda");
                        self.error_val(dest)
                    }
                }
            }
            Type::Lib(..) | Type::String => {
                let owner = match &t {
                    Type::Lib(name, _) => name.to_string(),
                    _ => "String".to_string(),
                };
                if let Type::Lib(name, targs) = &t
                    && &**name == "AsyncLocal"
                    && targs.len() == 1
                    && args.is_empty()
                {
                    // `AsyncLocal<T>.Value` reads as `default(T)` until set:
                    // the runtime object is told what that is.
                    let is_enum = matches!(targs[0], Type::Class(c) if self.is_enum(c));
                    let d = ConstValue::default_of(&targs[0], is_enum);
                    let dst = self.dest_reg(dest);
                    let m = self.mark();
                    let block = self.alloc();
                    self.load_const(&d, block.dst());
                    self.native_call_block("AsyncLocal", ".ctor", block, 1, dst, span);
                    self.release(m);
                    let v = Val { reg: dst, ty: t.clone() };
                    if let Some(init) = init {
                        self.initializer(&v, init);
                    }
                    return v;
                }
                let cands: Vec<_> = self.native_cands_pub(&owner, ".ctor", true, &t);
                if cands.is_empty() {
                    let tn = self.type_name(&t);
                    self.error(ty.span, format!("Cannot create an instance of '{tn}' with new"));
                    return self.error_val(dest);
                }
                let v = self.invoke(cands, None, &call_args, dest, span, &owner, false);
                Val { reg: v.reg, ty: t.clone() }
            }
            Type::Int | Type::Long | Type::Double | Type::Decimal | Type::Bool | Type::Char if args.is_empty() => {
                let v = ConstValue::default_of(&t, false);
                let dst = self.dest_reg(dest);
                self.load_const(&v, dst.dst());
                Val { reg: dst, ty: t.clone() }
            }
            _ => {
                let tn = self.type_name(&t);
                self.error(ty.span, format!("Cannot create an instance of '{tn}' with new"));
                return self.error_val(dest);
            }
        };
        if let Some(init) = init {
            self.initializer(&v, init);
        }
        v
    }

    fn initializer(&mut self, obj: &Val, init: &'a Initializer<'a>) {
        match init {
            Initializer::Object(items) => {
                for (name, value) in items.iter() {
                    self.set_line(value.span);
                    self.init_member(obj.clone(), *name, value);
                }
            }
            Initializer::Collection(items) => {
                for item in items.iter() {
                    let Some(first) = item.first() else { continue };
                    self.set_line(first.span);
                    let m = self.mark();
                    let args: Vec<CallArg<'a>> = item
                        .iter()
                        .map(|e| CallArg { name: None, modifier: ast::ArgModifier::None, value: e })
                        .collect();
                    let r = self.alloc();
                    self.emit(Instr::Move { dst: r.dst(), src: obj.reg });
                    let recv = Val { reg: r, ty: obj.ty.clone() };
                    let span = first.span;
                    if let Type::Class(c) = obj.ty
                        && !matches!(self.find_member(c, "Add"), Some(Member::Methods(_)))
                    {
                        let cn = self.classes[c.index()].name.clone();
                        self.error(
                            span,
                            format!(
                                "'{cn}' does not contain a definition for 'Add' (needed by a collection initializer)"
                            ),
                        );
                    } else {
                        self.member_call(recv, ast::Ident { name: "Add", span }, &args, Dest::Any, span, true);
                    }
                    self.release(m);
                }
            }
        }
    }

    pub(crate) fn new_array(
        &mut self,
        elem_ty: Option<&'a ast::TypeRef<'a>>,
        size: Option<&'a Expr<'a>>,
        init: Option<&'a [Expr<'a>]>,
        dest: Dest,
        span: Span,
    ) -> Val {
        match (elem_ty, size, init) {
            (Some(t), Some(n), None) => {
                let elem = self.resolve_type(t);
                let dst = self.dest_reg(dest);
                let m = self.mark();
                let len = self.expr_to(n, &Type::Int, Dest::Any);
                let class = self.array_elem_class(&elem);
                self.emit(Instr::NewArray { dst: dst.dst(), elem: class, len: len.reg });
                self.release(m);
                Val { reg: dst, ty: Type::array(elem) }
            }
            (Some(t), size, Some(items)) => {
                let elem = self.resolve_type(t);
                if let Some(n) = size {
                    let class = self.fr().class;
                    match self.fold(n, class).and_then(|v| v.as_int()) {
                        Some(k) if k as usize == items.len() => {}
                        Some(_) => {
                            self.error(n.span, format!("An array initializer of length '{}' is expected", items.len()))
                        }
                        None => self.error(n.span, "A constant value is expected"),
                    }
                }
                self.array_from_items(&elem, items, dest)
            }
            (None, _, Some(items)) => {
                let dst = self.dest_reg(dest);
                let m = self.mark();
                let mut vals = Vec::new();
                for item in items {
                    let r = self.alloc();
                    vals.push(self.expr(item, Dest::Into(r), None));
                }
                let mut elem: Option<Type> = None;
                let mut bad = false;
                for v in &vals {
                    if v.ty == Type::Null {
                        continue;
                    }
                    elem = match elem {
                        None => Some(v.ty.clone()),
                        Some(e) => match self.common_type(&e, &v.ty) {
                            Some(t) => Some(t),
                            None => {
                                bad = true;
                                Some(e)
                            }
                        },
                    };
                }
                let elem = match elem {
                    Some(e) if !bad => e,
                    _ => {
                        self.error(span, "No best type found for implicitly-typed array");
                        Type::Error
                    }
                };
                let len = self.alloc();
                self.emit(Instr::LoadInt { dst: len.dst(), value: vals.len() as i32 });
                let class = self.array_elem_class(&elem);
                self.emit(Instr::NewArray { dst: dst.dst(), elem: class, len });
                for (i, v) in vals.into_iter().enumerate() {
                    let at = v.reg;
                    let v = self.coerce(v, &elem, Dest::Into(at), items[i].span);
                    self.emit(Instr::LoadInt { dst: len.dst(), value: i as i32 });
                    self.emit(Instr::SetIndex { obj: dst, index: len, src: v.reg });
                }
                self.release(m);
                Val { reg: dst, ty: Type::array(elem) }
            }
            _ => {
                self.error(span, "Array creation must have array size or array initializer");
                self.error_val(dest)
            }
        }
    }

    /// An array of `elem` filled from initializer items.
    pub(crate) fn array_from_items(&mut self, elem: &Type, items: &'a [Expr<'a>], dest: Dest) -> Val {
        let dst = self.dest_reg(dest);
        let m = self.mark();
        let idx = self.alloc();
        self.emit(Instr::LoadInt { dst: idx.dst(), value: items.len() as i32 });
        let class = self.array_elem_class(elem);
        self.emit(Instr::NewArray { dst: dst.dst(), elem: class, len: idx });
        for (i, item) in items.iter().enumerate() {
            let inner = self.mark();
            let v = self.expr_to(item, elem, Dest::Any);
            self.emit(Instr::LoadInt { dst: idx.dst(), value: i as i32 });
            self.emit(Instr::SetIndex { obj: dst, index: idx, src: v.reg });
            self.release(inner);
        }
        self.release(m);
        Val { reg: dst, ty: Type::array(elem.clone()) }
    }
}
