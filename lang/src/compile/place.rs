//! Places: what can be assigned, incremented or passed by `ref`/`out`.
//! Preparing a place evaluates its object and index once, so `a[i++] += 2`
//! reads and writes the same element.

use vm::bytecode::{Args, ClassId, Dst, FieldSlot, Instr, Reg, StaticId};

use super::call::CandKind;
use super::members::{Member, Named};
use super::scope::{Dest, Home, Val, may_write_locals};
use super::types::{self, Type};
use super::{Compiler, FieldKind};
use crate::ast::{self, BinaryOp, Expr, ExprKind, Modifiers, Span};

#[derive(Clone, Debug)]
pub(crate) enum Place {
    Var(usize),
    Field {
        obj: Reg,
        slot: FieldSlot,
        class: ClassId,
        idx: usize,
        ty: Type,
    },
    Static {
        id: StaticId,
        class: ClassId,
        idx: usize,
        ty: Type,
    },
    /// A property; `recv` is `None` for a static one; `is_base` calls the
    /// base accessors non-virtually.
    Prop {
        recv: Option<Reg>,
        class: ClassId,
        idx: usize,
        ty: Type,
        is_base: bool,
    },
    /// `GetIndex`/`SetIndex` (arrays, strings, lists, dictionaries).
    Index {
        obj: Reg,
        index: Reg,
        ty: Type,
        readonly: bool,
    },
    /// An indexer called through its accessors.
    IndexCall {
        recv: Reg,
        index: Vec<Reg>,
        get: Option<CandKind>,
        set: Option<CandKind>,
        ty: Type,
    },
    /// `out _`.
    Discard,
    Error,
}

impl Place {
    pub fn ty(&self) -> Type {
        match self {
            Place::Var(_) | Place::Discard | Place::Error => Type::Dynamic,
            Place::Field { ty, .. }
            | Place::Static { ty, .. }
            | Place::Prop { ty, .. }
            | Place::Index { ty, .. }
            | Place::IndexCall { ty, .. } => ty.clone(),
        }
    }
}

impl<'a> Compiler<'a> {
    fn place_ty(&self, p: &Place) -> Type {
        match p {
            Place::Var(v) => self.vars[*v].ty.clone(),
            Place::Error => Type::Error,
            p => p.ty(),
        }
    }

    /// Evaluates the parts of an assignable expression. `later_writes`:
    /// code evaluated after this (the right-hand side) may assign locals,
    /// so an object held in a local's register is copied first.
    pub(crate) fn prepare_place(&mut self, e: &'a Expr<'a>, later_writes: bool) -> Place {
        match &e.kind {
            ExprKind::Name(id) => {
                if let Some(v) = self.lookup_var(id.name) {
                    return Place::Var(v);
                }
                let class = self.fr().class;
                match self.find_member_in_scope(class, id.name) {
                    Some(Member::Field { class, idx }) => self.field_place(class, idx, None, id.span, false),
                    Some(Member::Prop { class, idx }) => {
                        let is_static = self.classes[class.index()].props[idx].is_static;
                        let recv = if is_static { None } else { self.implicit_this(id.span) };
                        if !is_static && recv.is_none() {
                            return Place::Error;
                        }
                        let ty = self.classes[class.index()].props[idx].ty.clone();
                        Place::Prop { recv, class, idx, ty, is_base: false }
                    }
                    Some(Member::Methods(_)) => {
                        self.error(e.span, format!("Cannot assign to '{}' because it is a 'method group'", id.name));
                        Place::Error
                    }
                    None => {
                        self.error(id.span, format!("The name '{}' does not exist in the current context", id.name));
                        Place::Error
                    }
                }
            }
            ExprKind::Member { target, name, null_conditional: false, .. } => {
                if let ExprKind::Base = target.kind {
                    let class = self.fr().class;
                    let Some(base) = self.classes[class.index()].base else { return Place::Error };
                    let Some(this) = self.this_reg(target.span) else { return Place::Error };
                    return match self.find_member(base, name.name) {
                        Some(Member::Field { class, idx }) => self.field_place(class, idx, Some(this), name.span, true),
                        Some(Member::Prop { class, idx }) => {
                            let ty = self.classes[class.index()].props[idx].ty.clone();
                            Place::Prop { recv: Some(this), class, idx, ty, is_base: true }
                        }
                        _ => {
                            self.error(
                                name.span,
                                format!("'base' does not contain an assignable member '{}'", name.name),
                            );
                            Place::Error
                        }
                    };
                }
                match self.named(target) {
                    Some(Named::Type(Type::Class(c))) => {
                        return match self.find_member(c, name.name) {
                            Some(Member::Field { class, idx }) => {
                                if matches!(self.classes[class.index()].fields[idx].kind, FieldKind::Instance(_)) {
                                    self.error(name.span, format!("An object reference is required for the non-static field, method, or property '{}'", name.name));
                                    return Place::Error;
                                }
                                self.field_place(class, idx, None, name.span, true)
                            }
                            Some(Member::Prop { class, idx }) if self.classes[class.index()].props[idx].is_static => {
                                let ty = self.classes[class.index()].props[idx].ty.clone();
                                Place::Prop { recv: None, class, idx, ty, is_base: false }
                            }
                            _ => {
                                let cn = self.classes[c.index()].name.clone();
                                self.error(
                                    name.span,
                                    format!("'{cn}' does not contain an assignable static member '{}'", name.name),
                                );
                                Place::Error
                            }
                        };
                    }
                    Some(Named::Type(t)) => {
                        let tn = self.type_name(&t);
                        self.error(e.span, format!("'{tn}.{}' cannot be assigned to", name.name));
                        return Place::Error;
                    }
                    Some(Named::Namespace(_)) => {
                        self.error(
                            e.span,
                            "The left-hand side of an assignment must be a variable, property or indexer",
                        );
                        return Place::Error;
                    }
                    None => {}
                }
                let recv = self.expr(target, Dest::Any, None);
                let recv = self.stabilize(recv, later_writes);
                match recv.ty.clone() {
                    Type::Class(c) if !self.is_enum(c) => match self.find_member(c, name.name) {
                        Some(Member::Field { class, idx }) => {
                            self.field_place(class, idx, Some(recv.reg), name.span, false)
                        }
                        Some(Member::Prop { class, idx }) => {
                            let p = &self.classes[class.index()].props[idx];
                            let (ty, is_static) = (p.ty.clone(), p.is_static);
                            if is_static {
                                self.error(name.span, format!("Member '{}' cannot be accessed with an instance reference; qualify it with a type name instead", name.name));
                            }
                            Place::Prop { recv: (!is_static).then_some(recv.reg), class, idx, ty, is_base: false }
                        }
                        _ => {
                            let tn = self.type_name(&recv.ty);
                            self.error(
                                name.span,
                                format!("'{tn}' does not contain an assignable member '{}'", name.name),
                            );
                            Place::Error
                        }
                    },
                    Type::Error => Place::Error,
                    t => {
                        // A settable property of a library type (`local.Value = 5`).
                        let owner = t.native_owner().unwrap_or("Object").to_string();
                        let set = self
                            .natives_named(&owner, &format!("set_{}", name.name), false)
                            .into_iter()
                            .find(|(_, d)| d.params.len() == 1);
                        let get = self
                            .natives_named(&owner, &format!("get_{}", name.name), false)
                            .into_iter()
                            .find(|(_, d)| d.params.is_empty());
                        if set.is_none() {
                            let tn = self.type_name(&t);
                            if get.is_some() {
                                self.error(
                                    e.span,
                                    format!(
                                        "Property or indexer '{tn}.{}' cannot be assigned to -- it is read only",
                                        name.name
                                    ),
                                );
                            } else {
                                self.error(
                                    name.span,
                                    format!("'{tn}' does not contain a definition for '{}'", name.name),
                                );
                            }
                            return Place::Error;
                        }
                        let bindings = self.receiver_bindings(&t);
                        let ty = get
                            .map(|(_, d)| {
                                super::expr::erase_params(
                                    self.lib_type(&types::parse_signature(d.ret).ty.substitute(&bindings)),
                                )
                            })
                            .or_else(|| {
                                set.map(|(_, d)| {
                                    super::expr::erase_params(
                                        self.lib_type(&types::parse_signature(d.params[0]).ty.substitute(&bindings)),
                                    )
                                })
                            })
                            .unwrap_or(Type::Dynamic);
                        Place::IndexCall {
                            recv: recv.reg,
                            index: Vec::new(),
                            get: get.map(|(id, _)| CandKind::Native(id)),
                            set: set.map(|(id, _)| CandKind::Native(id)),
                            ty,
                        }
                    }
                }
            }
            ExprKind::Index { target, args, null_conditional: false } => {
                let recv = self.expr(target, Dest::Any, None);
                let recv = self.stabilize(recv, later_writes || args.iter().any(may_write_locals));
                let direct = match &recv.ty {
                    Type::Array(e) => Some(((**e).clone(), Type::Int, false)),
                    Type::String => Some((Type::Char, Type::Int, true)),
                    t if t.is_lib("List", 1) => Some((t.lib_args()[0].clone(), Type::Int, false)),
                    t if t.is_lib("Dictionary", 2) => Some((t.lib_args()[1].clone(), t.lib_args()[0].clone(), false)),
                    Type::Dynamic | Type::Error => Some((Type::Dynamic, Type::Dynamic, false)),
                    _ => None,
                };
                if let Some((ty, key, readonly)) = direct {
                    if args.len() != 1 {
                        self.error(e.span, "Wrong number of indices inside []; expected 1");
                        return Place::Error;
                    }
                    let idx = self.expr_to(&args[0], &key, Dest::Any);
                    let idx = self.stabilize(idx, later_writes);
                    return Place::Index { obj: recv.reg, index: idx.reg, ty, readonly };
                }
                let (get, set, ty) = match &recv.ty {
                    Type::Class(c) => match self.find_indexer(*c) {
                        Some((class, i)) => {
                            let p = &self.classes[class.index()].props[i];
                            let virt = p.is_virtual;
                            (
                                p.getter.map(|id| CandKind::Method { id, virt }),
                                p.setter.map(|id| CandKind::Method { id, virt }),
                                p.ty.clone(),
                            )
                        }
                        None => (None, None, Type::Error),
                    },
                    t => {
                        let owner = t.native_owner().unwrap_or("Object").to_string();
                        let n = args.len();
                        let get = self
                            .natives_named(&owner, "get_Item", false)
                            .into_iter()
                            .find(|(_, d)| d.params.len() == n);
                        let set = self
                            .natives_named(&owner, "set_Item", false)
                            .into_iter()
                            .find(|(_, d)| d.params.len() == n + 1);
                        let bindings = self.receiver_bindings(t);
                        let ty = get
                            .map(|(_, d)| {
                                super::expr::erase_params(
                                    self.lib_type(&types::parse_signature(d.ret).ty.substitute(&bindings)),
                                )
                            })
                            .unwrap_or(Type::Dynamic);
                        (get.map(|(id, _)| CandKind::Native(id)), set.map(|(id, _)| CandKind::Native(id)), ty)
                    }
                };
                if get.is_none() && set.is_none() {
                    let tn = self.type_name(&recv.ty);
                    self.error(e.span, format!("Cannot apply indexing with [] to an expression of type '{tn}'"));
                    return Place::Error;
                }
                let mut index = Vec::new();
                for a in args.iter() {
                    let v = self.expr(a, Dest::Any, None);
                    index.push(self.stabilize(v, later_writes).reg);
                }
                Place::IndexCall { recv: recv.reg, index, get, set, ty }
            }
            ExprKind::DeclarationExpr { name, .. } => {
                self.error(name.span, "A declaration is only allowed as an `out` argument");
                Place::Error
            }
            _ => {
                self.error(e.span, "The left-hand side of an assignment must be a variable, property or indexer");
                Place::Error
            }
        }
    }

    fn implicit_this(&mut self, span: Span) -> Option<Reg> {
        if self.fr().is_static {
            self.error(span, "An object reference is required for the non-static field, method, or property");
            return None;
        }
        self.this_reg(span)
    }

    fn field_place(&mut self, class: ClassId, idx: usize, obj: Option<Reg>, span: Span, explicit: bool) -> Place {
        let f = &self.classes[class.index()].fields[idx];
        let ty = f.ty.clone();
        match f.kind.clone() {
            FieldKind::Instance(slot) => {
                let obj = match obj {
                    Some(o) => o,
                    None => match self.implicit_this(span) {
                        Some(r) => r,
                        None => return Place::Error,
                    },
                };
                Place::Field { obj, slot, class, idx, ty }
            }
            FieldKind::Static(id) => {
                let _ = explicit;
                Place::Static { id, class, idx, ty }
            }
            FieldKind::Const(_) => {
                self.error(span, "The left-hand side of an assignment must be a variable, property or indexer");
                Place::Error
            }
        }
    }

    /// Whether the current code is a constructor of `class` (where
    /// readonly fields and get-only auto-properties may be assigned).
    fn in_ctor_of(&self, class: ClassId, is_static: bool) -> bool {
        self.depth() == 0 && self.fr().class == class && if is_static { self.fr().is_cctor } else { self.fr().is_ctor }
    }

    /// Reports assignments C# forbids; may turn a get-only auto-property
    /// assigned in its constructor into its backing field.
    pub(crate) fn check_assignable(&mut self, p: Place, span: Span) -> Place {
        match p {
            Place::Var(v) => {
                if let Some(why) = self.vars[v].readonly {
                    let n = self.vars[v].name.clone();
                    self.error(span, format!("Cannot assign to '{n}' because it is a '{why}'"));
                } else if matches!(self.vars[v].home, Home::Const(_)) {
                    self.error(span, "The left-hand side of an assignment must be a variable, property or indexer");
                }
                Place::Var(v)
            }
            Place::Field { class, idx, .. } | Place::Static { class, idx, .. } => {
                let f = &self.classes[class.index()].fields[idx];
                let is_static = !matches!(f.kind, FieldKind::Instance(_));
                if f.readonly && !f.is_backing && !self.in_ctor_of(class, is_static) {
                    if is_static {
                        self.error(span, "A static readonly field cannot be assigned to (except in a static constructor or a variable initializer)");
                    } else {
                        self.error(span, "A readonly field cannot be assigned to (except in a constructor or a variable initializer)");
                    }
                }
                p
            }
            Place::Prop { recv, class, idx, ty, is_base } => {
                let prop = &self.classes[class.index()].props[idx];
                let name = prop.name.clone();
                let setter_private =
                    prop.decl.and_then(|d| d.setter.as_ref()).is_some_and(|s| s.modifiers.has(Modifiers::PRIVATE));
                if prop.setter.is_none() {
                    if let Some(f) = prop.backing
                        && self.in_ctor_of(class, prop.is_static)
                    {
                        let field = &self.classes[class.index()].fields[f];
                        return match field.kind.clone() {
                            FieldKind::Instance(slot) => match recv {
                                Some(obj) => Place::Field { obj, slot, class, idx: f, ty },
                                None => Place::Error,
                            },
                            FieldKind::Static(id) => Place::Static { id, class, idx: f, ty },
                            FieldKind::Const(_) => Place::Error,
                        };
                    }
                    self.error(span, format!("Property or indexer '{name}' cannot be assigned to -- it is read only"));
                    return Place::Error;
                }
                if setter_private && self.fr().class != class {
                    self.error(span, format!("The property or indexer '{name}' cannot be used in this context because the set accessor is inaccessible"));
                }
                Place::Prop { recv, class, idx, ty, is_base }
            }
            Place::Index { readonly: true, .. } => {
                self.error(span, "Property or indexer 'string.this[int]' cannot be assigned to -- it is read only");
                Place::Error
            }
            Place::IndexCall { set: None, .. } => {
                self.error(span, "Property or indexer cannot be assigned to -- it is read only");
                Place::Error
            }
            p => p,
        }
    }

    pub(crate) fn load_place(&mut self, p: &Place, dest: Dest) -> Val {
        match p {
            Place::Var(v) => self.load_var(*v, dest),
            Place::Field { obj, slot, class, ty, .. } => self.get_field(*obj, *slot, *class, dest, ty.clone()),
            Place::Static { id, class, ty, .. } => {
                self.init_class_for(*class);
                let dst = self.dest_reg(dest);
                self.emit(Instr::GetStatic { dst: dst.dst(), id: *id });
                Val { reg: dst, ty: ty.clone() }
            }
            Place::Prop { recv, class, idx, is_base, .. } => {
                if *is_base {
                    let p = &self.classes[class.index()].props[*idx];
                    let (getter, ty) = (p.getter, p.ty.clone());
                    if let (Some(g), Some(r)) = (getter, recv) {
                        let dst = self.dest_reg(dest);
                        let m = self.mark();
                        let b = self.alloc();
                        self.emit(Instr::Move { dst: b.dst(), src: *r });
                        self.emit(Instr::Call { dst: dst.dst(), method: g, args: Args::new(b, 1) });
                        self.release(m);
                        return Val { reg: dst, ty };
                    }
                }
                let recv = recv.map(|r| Val { reg: r, ty: Type::Class(*class) });
                self.read_property(*class, *idx, recv, dest, Span::default())
            }
            Place::Index { obj, index, ty, .. } => {
                let dst = self.dest_reg(dest);
                self.emit(Instr::GetIndex { dst: dst.dst(), obj: *obj, index: *index });
                Val { reg: dst, ty: ty.clone() }
            }
            Place::IndexCall { recv, index, get, ty, .. } => {
                let dst = self.dest_reg(dest);
                match get {
                    Some(kind) => {
                        let m = self.mark();
                        let block = self.b().alloc_n(index.len() + 1);
                        self.emit(Instr::Move { dst: block.dst(), src: *recv });
                        for (i, r) in index.iter().enumerate() {
                            self.emit(Instr::Move { dst: Reg(block.0 + 1 + i as u16).dst(), src: *r });
                        }
                        self.emit_call_kind(*kind, dst.dst(), Args::new(block, index.len() + 1));
                        self.release(m);
                    }
                    None => {
                        self.error(Span::default(), "The indexer lacks the get accessor");
                        self.emit(Instr::LoadNull { dst: dst.dst() });
                    }
                }
                Val { reg: dst, ty: ty.clone() }
            }
            Place::Discard | Place::Error => self.error_val(dest),
        }
    }

    pub(crate) fn store_place(&mut self, p: &Place, src: Reg, _span: Span) {
        match p {
            Place::Var(v) => self.store_var(*v, src),
            Place::Field { obj, slot, class, .. } => {
                self.emit(Instr::SetField { obj: *obj, field: *slot, src, class: *class })
            }
            Place::Static { id, class, .. } => {
                self.init_class_for(*class);
                self.emit(Instr::SetStatic { id: *id, src });
            }
            Place::Prop { recv, class, idx, is_base, .. } => {
                let prop = &self.classes[class.index()].props[*idx];
                let (setter, backing, virt, is_static) =
                    (prop.setter, prop.backing, prop.is_virtual && !is_base, prop.is_static);
                if let (Some(f), false) = (backing, prop.is_virtual) {
                    let field = &self.classes[class.index()].fields[f];
                    match field.kind.clone() {
                        FieldKind::Instance(slot) => {
                            if let Some(obj) = recv {
                                self.emit(Instr::SetField { obj: *obj, field: slot, src, class: *class });
                            }
                        }
                        FieldKind::Static(id) => {
                            self.init_class_for(*class);
                            self.emit(Instr::SetStatic { id, src });
                        }
                        FieldKind::Const(_) => {}
                    }
                    return;
                }
                let Some(setter) = setter else { return };
                let m = self.mark();
                match recv {
                    Some(r) if !is_static => {
                        let b = self.b().alloc_n(2);
                        self.emit(Instr::Move { dst: b.dst(), src: *r });
                        self.emit(Instr::Move { dst: Reg(b.0 + 1).dst(), src });
                        let args = Args::new(b, 2);
                        if virt {
                            self.emit(Instr::CallVirt { dst: Dst::DISCARD, method: setter, args });
                        } else {
                            self.emit(Instr::Call { dst: Dst::DISCARD, method: setter, args });
                        }
                    }
                    _ => {
                        let b = self.alloc();
                        self.emit(Instr::Move { dst: b.dst(), src });
                        self.emit(Instr::Call { dst: Dst::DISCARD, method: setter, args: Args::new(b, 1) });
                    }
                }
                self.release(m);
            }
            Place::Index { obj, index, .. } => self.emit(Instr::SetIndex { obj: *obj, index: *index, src }),
            Place::IndexCall { recv, index, set, .. } => {
                if let Some(kind) = set {
                    let m = self.mark();
                    let n = index.len() + 2;
                    let block = self.b().alloc_n(n);
                    self.emit(Instr::Move { dst: block.dst(), src: *recv });
                    for (i, r) in index.iter().enumerate() {
                        self.emit(Instr::Move { dst: Reg(block.0 + 1 + i as u16).dst(), src: *r });
                    }
                    self.emit(Instr::Move { dst: Reg(block.0 + n as u16 - 1).dst(), src });
                    self.emit_call_kind(*kind, block.dst(), Args::new(block, n));
                    self.release(m);
                }
            }
            Place::Discard | Place::Error => {}
        }
    }

    fn emit_call_kind(&mut self, kind: CandKind, dst: vm::bytecode::Dst, args: Args) {
        match kind {
            CandKind::Method { id, virt: true } => self.emit(Instr::CallVirt { dst, method: id, args }),
            CandKind::Method { id, .. } | CandKind::Extension(id) => self.emit(Instr::Call { dst, method: id, args }),
            CandKind::Native(id) => self.emit(Instr::CallNative { dst, native: id, args }),
            CandKind::Delegate => self.emit(Instr::CallDelegate { dst, args }),
        }
    }

    // ----- assignment -------------------------------------------------------

    pub(crate) fn assign(
        &mut self,
        op: Option<BinaryOp>,
        target: &'a Expr<'a>,
        value: &'a Expr<'a>,
        dest: Dest,
        span: Span,
    ) -> Val {
        let v = self.assign_inner(op, target, value, span, false);
        self.put_in(v, dest)
    }

    pub(crate) fn assign_discard(
        &mut self,
        op: Option<BinaryOp>,
        target: &'a Expr<'a>,
        value: &'a Expr<'a>,
        span: Span,
    ) {
        self.assign_inner(op, target, value, span, true);
    }

    fn assign_inner(
        &mut self,
        op: Option<BinaryOp>,
        target: &'a Expr<'a>,
        value: &'a Expr<'a>,
        span: Span,
        _discard: bool,
    ) -> Val {
        if let ExprKind::Name(id) = &target.kind
            && id.name == "_"
            && !self.peek_var("_")
            && op.is_none()
        {
            // `_ = e;` discards.
            return self.expr(value, Dest::Any, None);
        }
        let place = self.prepare_place(target, may_write_locals(value));
        let place = self.check_assignable(place, target.span);
        let ty = self.place_ty(&place);
        let in_reg = match &place {
            Place::Var(v) => self.var_reg(*v),
            _ => None,
        };
        match op {
            None => {
                if let Some(r) = in_reg {
                    return self.expr_to(value, &ty, Dest::Into(r));
                }
                let v = self.expr_to(value, &ty, Dest::Any);
                self.store_place(&place, v.reg, span);
                v
            }
            Some(BinaryOp::Coalesce) => {
                let dst = match in_reg {
                    Some(r) => r,
                    None => self.alloc(),
                };
                let old = self.load_place(&place, Dest::Into(dst));
                let end = self.new_label();
                self.b().emit_jump(|target| Instr::JumpIfNotNull { src: dst, target }, end);
                self.expr_to(value, &ty, Dest::Into(dst));
                if in_reg.is_none() {
                    self.store_place(&place, dst, span);
                }
                self.place(end);
                Val { reg: dst, ty: old.ty }
            }
            Some(op) => {
                let dst = match in_reg {
                    Some(r) => r,
                    None => self.alloc(),
                };
                let old = self.load_place(&place, Dest::Into(dst));
                let old = Val { reg: dst, ty: if old.ty.is_unknown() { ty.clone() } else { old.ty } };
                // `k += k++` reads `k` before the right-hand side changes it.
                let old = if in_reg.is_some() { self.stabilize(old, may_write_locals(value)) } else { old };
                let result = self.compound(op, old, value, dst, span);
                if result.ty != ty && !ty.is_unknown() && !result.ty.is_unknown() {
                    self.convert_explicit(result.clone(), &ty, Dest::Into(dst), span);
                }
                if in_reg.is_none() {
                    self.store_place(&place, dst, span);
                }
                Val { reg: dst, ty }
            }
        }
    }

    /// `old op value` into `dst` (which holds `old`).
    fn compound(&mut self, op: BinaryOp, old: Val, value: &'a Expr<'a>, dst: Reg, span: Span) -> Val {
        if op == BinaryOp::Add && old.ty == Type::String {
            let b = self.expr(value, Dest::Any, None);
            return self.concat(vec![old, b], Dest::Into(dst));
        }
        if matches!(op, BinaryOp::Add | BinaryOp::Sub)
            && (old.ty.is_integral() || matches!(old.ty, Type::Class(c) if self.is_enum(c)))
            && let Some(k) = super::expr::small_int(value)
        {
            let imm = if op == BinaryOp::Add { Some(k) } else { k.checked_neg() };
            if let Some(imm) = imm {
                self.emit(Instr::AddImm { dst: dst.dst(), a: old.reg, imm });
                let ty = if old.ty == Type::Char { Type::Int } else { old.ty };
                return Val { reg: dst, ty };
            }
        }
        let b = self.expr(value, Dest::Any, None);
        if op == BinaryOp::Add && b.ty == Type::String {
            return self.concat(vec![old, b], Dest::Into(dst));
        }
        let ty = self.binary_type(op, &old.ty, &b.ty, span);
        self.emit_binop(op, dst, old.reg, b.reg);
        Val { reg: dst, ty }
    }

    /// `++x`, `x++`, `--x`, `x--`.
    pub(crate) fn increment(
        &mut self,
        operand: &'a Expr<'a>,
        delta: i32,
        postfix: bool,
        dest: Dest,
        span: Span,
        discard: bool,
    ) -> Val {
        let place = self.prepare_place(operand, false);
        let place = self.check_assignable(place, operand.span);
        let ty = self.place_ty(&place);
        let ok = ty.is_numeric() || ty.is_unknown() || matches!(ty, Type::Class(c) if self.is_enum(c));
        if !ok {
            let tn = self.type_name(&ty);
            let sym = if delta > 0 { "++" } else { "--" };
            self.error(span, format!("Operator '{sym}' cannot be applied to operand of type '{tn}'"));
            return self.error_val(dest);
        }
        let fix_char = |c: &mut Self, r: Reg| {
            if ty == Type::Char {
                c.conv_in_place(r, vm::bytecode::Conversion::Char);
            }
        };
        let in_reg = match &place {
            Place::Var(v) => self.var_reg(*v),
            _ => None,
        };
        if let Some(r) = in_reg {
            if postfix && !discard {
                let old = self.dest_reg(dest);
                self.emit(Instr::Move { dst: old.dst(), src: r });
                self.emit(Instr::AddImm { dst: r.dst(), a: r, imm: delta });
                fix_char(self, r);
                return Val { reg: old, ty };
            }
            self.emit(Instr::AddImm { dst: r.dst(), a: r, imm: delta });
            fix_char(self, r);
            return self.put_in(Val { reg: r, ty }, dest);
        }
        let cur = if postfix && !discard { self.dest_reg(dest) } else { self.alloc() };
        self.load_place(&place, Dest::Into(cur));
        if postfix && !discard {
            let new = self.alloc();
            self.emit(Instr::AddImm { dst: new.dst(), a: cur, imm: delta });
            fix_char(self, new);
            self.store_place(&place, new, span);
            return Val { reg: cur, ty };
        }
        self.emit(Instr::AddImm { dst: cur.dst(), a: cur, imm: delta });
        fix_char(self, cur);
        self.store_place(&place, cur, span);
        self.put_in(Val { reg: cur, ty }, dest)
    }

    /// Stores into an object's member by name (object initializers).
    pub(crate) fn init_member(&mut self, obj: Val, name: ast::Ident<'a>, value: &'a Expr<'a>) {
        let Type::Class(c) = obj.ty else {
            // Library types: `new Lazy<T> { }` and friends have no settable members here.
            let owner = obj.ty.native_owner().unwrap_or("Object").to_string();
            let set = self
                .natives_named(&owner, &format!("set_{}", name.name), false)
                .into_iter()
                .find(|(_, d)| d.params.len() == 1);
            match set {
                Some((id, d)) => {
                    let bindings = self.receiver_bindings(&obj.ty);
                    let ty = super::expr::erase_params(
                        self.lib_type(&types::parse_signature(d.params[0]).ty.substitute(&bindings)),
                    );
                    let m = self.mark();
                    let block = self.b().alloc_n(2);
                    self.emit(Instr::Move { dst: block.dst(), src: obj.reg });
                    self.expr_to(value, &ty, Dest::Into(Reg(block.0 + 1)));
                    self.emit(Instr::CallNative { dst: block.dst(), native: id, args: Args::new(block, 2) });
                    self.release(m);
                }
                None => {
                    let tn = self.type_name(&obj.ty);
                    self.error(name.span, format!("'{tn}' does not contain a definition for '{}'", name.name));
                }
            }
            return;
        };
        let place = match self.find_member(c, name.name) {
            Some(Member::Field { class, idx }) => self.field_place(class, idx, Some(obj.reg), name.span, true),
            Some(Member::Prop { class, idx }) => {
                let ty = self.classes[class.index()].props[idx].ty.clone();
                Place::Prop { recv: Some(obj.reg), class, idx, ty, is_base: false }
            }
            _ => {
                let tn = self.type_name(&obj.ty);
                self.error(name.span, format!("'{tn}' does not contain a definition for '{}'", name.name));
                return;
            }
        };
        let place = self.check_assignable(place, name.span);
        let ty = self.place_ty(&place);
        let m = self.mark();
        let v = self.expr_to(value, &ty, Dest::Any);
        self.store_place(&place, v.reg, name.span);
        self.release(m);
    }
}
