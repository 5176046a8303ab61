//! Finding what a name means: members of classes (walking base classes,
//! interfaces and finally `Object`), members of library types (natives), and
//! expressions that name a type or a namespace rather than a value.

use vm::bytecode::{ClassId, MethodId, NativeId};
use vm::native::{self, NativeDef};
use vm::program::BuiltinClass;

use super::types::{self, SigModifier, Type};
use super::{Compiler, ParamInfo};
use crate::ast::{self, Expr, ExprKind, ParamModifier};

/// A member of a class found by name.
#[derive(Clone, Debug)]
pub(crate) enum Member {
    Field {
        class: ClassId,
        idx: usize,
    },
    Prop {
        class: ClassId,
        idx: usize,
    },
    /// A method group: every method by that name visible in the class, the
    /// most derived first, overridden ones left out.
    Methods(Vec<MethodId>),
}

/// What an expression names when it is not a value.
#[derive(Clone, Debug)]
pub(crate) enum Named {
    Type(Type),
    Namespace(String),
}

impl<'a> Compiler<'a> {
    /// The classes whose members a class sees: itself and its bases; for an
    /// interface, itself, the interfaces it extends and `Object`.
    pub(crate) fn lookup_chain(&self, class: ClassId) -> Vec<ClassId> {
        let mut out = Vec::new();
        let mut cur = Some(class);
        while let Some(c) = cur {
            if out.contains(&c) || out.len() > 1000 {
                break;
            }
            out.push(c);
            cur = self.classes[c.index()].base;
        }
        if self.is_interface(class) {
            out.extend(self.classes[class.index()].all_interfaces.iter().copied());
            out.push(BuiltinClass::Object.id());
        }
        out
    }

    /// A member named by a simple name in code of `class`: its own or its
    /// bases', else a static one of an enclosing class (C# finds instance
    /// members there too, only to reject them).
    pub(crate) fn find_member_in_scope(&self, class: ClassId, name: &str) -> Option<Member> {
        if let Some(m) = self.find_member(class, name) {
            return Some(m);
        }
        let mut outer = self.classes[class.index()].outer;
        while let Some(o) = outer {
            match self.find_member(o, name) {
                Some(m @ Member::Field { class, idx })
                    if !matches!(self.classes[class.index()].fields[idx].kind, super::FieldKind::Instance(_)) =>
                {
                    return Some(m);
                }
                Some(m @ Member::Prop { class, idx }) if self.classes[class.index()].props[idx].is_static => {
                    return Some(m);
                }
                Some(Member::Methods(ids)) => {
                    let statics: Vec<MethodId> =
                        ids.into_iter().filter(|m| self.methods[m.index()].is_static).collect();
                    if !statics.is_empty() {
                        return Some(Member::Methods(statics));
                    }
                }
                _ => {}
            }
            outer = self.classes[o.index()].outer;
        }
        None
    }

    /// A member by name, as seen from `class`.
    pub(crate) fn find_member(&self, class: ClassId, name: &str) -> Option<Member> {
        let mut methods: Vec<MethodId> = Vec::new();
        for c in self.lookup_chain(class) {
            let info = &self.classes[c.index()];
            if methods.is_empty() {
                if let Some(idx) = info.fields.iter().position(|f| f.name == name && !f.is_backing) {
                    return Some(Member::Field { class: c, idx });
                }
                if let Some(idx) = info.props.iter().position(|p| p.name == name && !p.is_indexer) {
                    return Some(Member::Prop { class: c, idx });
                }
            }
            for &m in &info.methods {
                let mi = &self.methods[m.index()];
                if mi.name != name {
                    continue;
                }
                let hidden = methods.iter().any(|&o| {
                    let oi = &self.methods[o.index()];
                    oi.params.len() == mi.params.len() && oi.params.iter().zip(&mi.params).all(|(a, b)| a.ty == b.ty)
                });
                if !hidden {
                    methods.push(m);
                }
            }
        }
        if methods.is_empty() { None } else { Some(Member::Methods(methods)) }
    }

    /// Whether a class (or a base) declares a library interface.
    pub(crate) fn implements_lib(&self, class: ClassId, iface: &Type) -> bool {
        self.lookup_chain(class).iter().any(|c| {
            self.classes[c.index()].lib_interfaces.iter().any(|t| match (t, iface) {
                (Type::Lib(a, x), Type::Lib(b, y)) => {
                    a == b
                        && x.len() == y.len()
                        && x.iter().zip(y.iter()).all(|(p, q)| p == q || p.is_unknown() || q.is_unknown())
                }
                _ => false,
            })
        })
    }

    /// The indexer of a class, if it has one.
    pub(crate) fn find_indexer(&self, class: ClassId) -> Option<(ClassId, usize)> {
        for c in self.lookup_chain(class) {
            if let Some(idx) = self.classes[c.index()].props.iter().position(|p| p.is_indexer) {
                return Some((c, idx));
            }
        }
        None
    }

    /// Extension methods by name whose `this` parameter accepts `recv`.
    pub(crate) fn extension_methods(&self, name: &str, recv: &Type) -> Vec<MethodId> {
        let Some(ids) = self.extensions.get(name) else { return Vec::new() };
        ids.iter()
            .copied()
            .filter(|m| {
                let p = &self.methods[m.index()].params[0].ty;
                self.conv_rank(recv, p).is_some()
            })
            .collect()
    }

    /// Natives of a library type by member name (any arity), instance or
    /// static.
    pub(crate) fn natives_named(
        &self,
        owner: &str,
        name: &str,
        is_static: bool,
    ) -> Vec<(NativeId, &'static NativeDef)> {
        native::NATIVES
            .iter()
            .enumerate()
            .filter(|(_, d)| d.owner == owner && d.name == name && d.is_static == is_static)
            .map(|(i, d)| (NativeId(i as u16), d))
            .collect()
    }

    /// The type-parameter bindings a receiver's type gives its natives'
    /// signatures (`T` of a `List<T>`, `K`/`V` of a dictionary).
    pub(crate) fn receiver_bindings(&self, recv: &Type) -> Vec<(String, Type)> {
        let mut b = Vec::new();
        match recv {
            Type::Array(e) => b.push(("T".to_string(), (**e).clone())),
            Type::Lib(_, args) => match args.len() {
                1 => {
                    b.push(("T".to_string(), args[0].clone()));
                    b.push(("TResult".to_string(), args[0].clone()));
                }
                2 => {
                    for (n, i) in [("K", 0), ("V", 1), ("TKey", 0), ("TValue", 1), ("T1", 0), ("T2", 1)] {
                        b.push((n.to_string(), args[i].clone()));
                    }
                }
                _ => {}
            },
            _ => {}
        }
        b
    }

    /// A native's parameters as the overload resolver sees them.
    pub(crate) fn native_params(&self, def: &NativeDef, bindings: &[(String, Type)]) -> Vec<ParamInfo> {
        def.params
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let s = types::parse_signature(p);
                let modifier = match s.modifier {
                    SigModifier::None => ParamModifier::None,
                    SigModifier::Out => ParamModifier::Out,
                    SigModifier::Ref => ParamModifier::Ref,
                    SigModifier::Params => ParamModifier::Params,
                };
                ParamInfo {
                    name: format!("arg{i}"),
                    ty: self.lib_type(&s.ty.substitute(bindings)),
                    modifier,
                    default: None,
                    span: ast::Span::default(),
                }
            })
            .collect()
    }

    /// A library signature's type with user class names resolved (a
    /// native may mention `Exception`, a prelude class).
    pub(crate) fn lib_type(&self, t: &Type) -> Type {
        match t {
            Type::Lib(name, args) if args.is_empty() && !types::TYPE_PARAMS.contains(&&**name) => {
                match self.find_class(name) {
                    Some(c) => Type::Class(c),
                    None => t.clone(),
                }
            }
            Type::Lib(name, args) => Type::Lib(name.clone(), args.iter().map(|a| self.lib_type(a)).collect()),
            Type::Array(e) => Type::array(self.lib_type(e)),
            t => t.clone(),
        }
    }

    /// Whether a variable by this name is visible (without recording a
    /// capture).
    pub(crate) fn peek_var(&self, name: &str) -> bool {
        self.scopes.iter().any(|s| s.vars.iter().any(|(n, _)| n == name))
    }

    /// What a name or dotted name means when it is not a value: a type
    /// (`Console`, `Color`, `int`, `System.Console`) or a namespace.
    pub(crate) fn named(&mut self, e: &Expr<'_>) -> Option<Named> {
        match &e.kind {
            ExprKind::Name(id) => {
                if self.peek_var(id.name) {
                    return None;
                }
                if !self.fns.is_empty() {
                    let class = self.fr().class;
                    if self.find_member_in_scope(class, id.name).is_some() {
                        return None;
                    }
                }
                if let Ok(t) = self.lookup_type_name(id.name, Vec::new()) {
                    return Some(Named::Type(t));
                }
                if self.namespaces.contains(id.name) {
                    return Some(Named::Namespace(id.name.to_string()));
                }
                None
            }
            ExprKind::GenericName { name, type_args } => {
                let args: Vec<Type> = type_args.iter().map(|t| self.resolve_type(t)).collect();
                self.lookup_type_name(name.name, args).ok().map(Named::Type)
            }
            ExprKind::Member { target, name, null_conditional: false, type_args } => match self.named(target)? {
                Named::Namespace(ns) => {
                    let full = format!("{ns}.{}", name.name);
                    if self.namespaces.contains(&full) {
                        return Some(Named::Namespace(full));
                    }
                    let args: Vec<Type> = type_args.iter().map(|t| self.resolve_type(t)).collect();
                    self.lookup_type_name(&full, args).ok().map(Named::Type)
                }
                Named::Type(Type::Class(c)) => {
                    // A nested type: `Outer.Inner`.
                    if self.find_member(c, name.name).is_some()
                        || self.classes[c.index()].enum_members.iter().any(|(n, _)| n == name.name)
                    {
                        return None;
                    }
                    self.nested_type(c, name.name).map(|c| Named::Type(Type::Class(c)))
                }
                Named::Type(_) => None,
            },
            _ => None,
        }
    }
}
