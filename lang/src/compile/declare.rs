//! Declarations: every class, struct, interface and enum of the program and
//! the prelude, their members, instance field layouts (the base class's
//! fields first), static fields, vtables (the base's copied, overrides
//! replacing their slot, new virtuals appended), itables and the entry point.
//! Bodies are compiled afterwards, when every member is known.

use vm::bytecode::{ClassId, FieldSlot, MethodId};
use vm::program::{AsyncReturn, Backend, BuiltinClass, Class, ClassKind, Field, Method, MethodFlags, StaticField};

use super::types::{self, Type};
use super::{BodySource, ClassInfo, Compiler, FieldInfo, FieldKind, MethodInfo, Origin, ParamInfo, PropInfo};
use crate::ast::{self, Modifiers, Span, TypeKind};

/// The namespaces a `using` may name (LANGUAGE.md, "Program shape").
pub const KNOWN_NAMESPACES: &[&str] = &[
    "System",
    "System.Collections.Generic",
    "System.Diagnostics",
    "System.Threading",
    "System.Threading.Tasks",
    "System.Runtime.CompilerServices",
];

/// What the attributes on a declaration ask for.
#[derive(Clone, Copy, Default)]
pub(crate) struct AttrFlags {
    pub backend: Option<Backend>,
    pub configure_await_false: bool,
}

impl<'a> Compiler<'a> {
    pub(crate) fn declare(&mut self, user: &'a ast::CompilationUnit<'a>, prelude: &'a ast::CompilationUnit<'a>) {
        for ns in KNOWN_NAMESPACES {
            self.add_namespace(ns);
        }
        self.declare_object_methods();

        self.origin = Origin::Prelude;
        self.collect_items(prelude.items, "");
        self.origin = Origin::User;
        for u in user.usings {
            if !KNOWN_NAMESPACES.contains(&u.path) {
                self.error(
                    u.span,
                    format!(
                        "The type or namespace name '{}' could not be found (toy knows the namespaces {})",
                        u.path,
                        KNOWN_NAMESPACES.join(", ")
                    ),
                );
            }
        }
        for a in user.attributes {
            if a.target.map(|t| t.name) != Some("assembly") {
                self.error(a.span, "Only `assembly:` attributes may appear outside a type");
            }
        }
        let assembly = self.check_attributes(user.attributes);
        self.program.configure_await_false = assembly.configure_await_false;
        self.collect_items(user.items, "");
        let top_level_class = if user.top_level.is_empty() { None } else { Some(self.top_level_class()) };
        self.exception_class = self.program.class_by_name("System.Exception");

        let order = self.resolve_bases();
        for &c in &order {
            self.decl_context = Some(c);
            self.declare_members(c);
        }
        self.decl_context = None;
        if let Some(class) = top_level_class {
            self.declare_top_level(class, user.top_level);
        }
        for &c in &order {
            self.build_vtable(c);
        }
        for &c in &order {
            self.build_itable(c);
        }
        self.evaluate_constants();
        self.find_entry(user);
    }

    fn add_namespace(&mut self, ns: &str) {
        let mut prefix = String::new();
        for part in ns.split('.') {
            if !prefix.is_empty() {
                prefix.push('.');
            }
            prefix.push_str(part);
            self.namespaces.insert(prefix.clone());
        }
    }

    /// `ToString`, `Equals` and `GetHashCode` on the built-in `Object` class:
    /// vtable slots 0, 1 and 2 of every class.
    fn declare_object_methods(&mut self) {
        let object = BuiltinClass::Object.id();
        let specs: [(&'static str, Vec<ParamInfo>, Type); 3] = [
            ("ToString", vec![], Type::String),
            (
                "Equals",
                vec![ParamInfo {
                    name: "obj".into(),
                    ty: Type::Object,
                    modifier: ast::ParamModifier::None,
                    default: None,
                    span: Span::default(),
                }],
                Type::Bool,
            ),
            ("GetHashCode", vec![], Type::Int),
        ];
        let mut ids = Vec::new();
        for (slot, (name, params, ret)) in specs.into_iter().enumerate() {
            let flags = MethodFlags { is_virtual: true, ..Default::default() };
            let mut m = Method::new(name, object, flags, params.len() as u16 + 1);
            m.vslot = Some(slot as u16);
            let id = self.program.add_method(m);
            self.methods.push(MethodInfo {
                name: name.to_string(),
                class: object,
                params,
                ret,
                is_static: false,
                is_virtual: true,
                is_abstract: false,
                is_override: false,
                is_ctor: false,
                is_extension: false,
                is_async: false,
                body: BodySource::ObjectMethod(name),
                span: Span::default(),
                origin: Origin::Prelude,
                property: None,
            });
            ids.push(id);
        }
        self.object_methods = [ids[0], ids[1], ids[2]];
        let vtable = ids.clone();
        self.classes[object.index()].methods = ids;
        self.classes[object.index()].vtable = vtable.clone();
        for c in &mut self.program.classes {
            c.vtable = vtable.clone();
        }
        for c in &mut self.classes {
            c.vtable = vtable.clone();
        }
    }

    // ----- types ----------------------------------------------------------

    fn collect_items(&mut self, items: &'a [ast::Item<'a>], ns: &str) {
        for item in items {
            match item {
                ast::Item::Namespace { name, items } => {
                    let full = if ns.is_empty() { name.name.to_string() } else { format!("{ns}.{}", name.name) };
                    self.add_namespace(&full);
                    self.collect_items(items, &full);
                }
                ast::Item::Type(decl) => self.collect_type(decl, ns, None),
            }
        }
    }

    /// Declares a type (`outer`: the type it is nested in) and the types
    /// nested in it.
    fn collect_type(&mut self, decl: &'a ast::TypeDecl<'a>, ns: &str, outer: Option<ClassId>) {
        let name = decl.name.name;
        let full = if ns.is_empty() { name.to_string() } else { format!("{ns}.{name}") };
        let exists = self.types_by_name.get(name).is_some_and(|ids| {
            ids.iter().any(|c| self.classes[c.index()].full_name() == full && self.classes[c.index()].outer == outer)
        });
        if exists {
            let where_ = match outer {
                Some(o) => format!("The type '{}'", self.classes[o.index()].name),
                None if ns.is_empty() => "The namespace '<global namespace>'".to_string(),
                None => format!("The namespace '{ns}'"),
            };
            self.error(decl.name.span, format!("{where_} already contains a definition for '{name}'"));
        }
        let kind = match decl.kind {
            TypeKind::Class => ClassKind::Class,
            TypeKind::Struct => ClassKind::Struct,
            TypeKind::Interface => ClassKind::Interface,
            TypeKind::Enum => ClassKind::Enum,
        };
        let attrs = self.check_attributes(decl.attributes);
        let mut class = Class::new(name, ns, kind);
        class.backend = attrs.backend;
        class.configure_await_false = attrs.configure_await_false;
        class.is_abstract = decl.modifiers.has(Modifiers::ABSTRACT) || decl.kind == TypeKind::Interface;
        let id = self.program.add_class(class);
        let mut info = ClassInfo::new(name.to_string(), ns.to_string(), decl.kind, self.origin);
        info.decl = Some(decl);
        info.outer = outer;
        info.is_static = decl.modifiers.has(Modifiers::STATIC);
        info.is_abstract = decl.modifiers.has(Modifiers::ABSTRACT) || decl.kind == TypeKind::Interface;
        self.classes.push(info);
        self.types_by_name.entry(name.to_string()).or_default().push(id);
        for m in decl.members {
            if let ast::Member::NestedType(t) = m {
                self.collect_type(t, ns, Some(id));
            }
        }
    }

    /// The class that holds top-level statements: the program's own
    /// `Program` if it declares one, else a new one.
    fn top_level_class(&mut self) -> ClassId {
        if let Some(id) = self.find_class("Program") {
            return id;
        }
        let id = self.program.add_class(Class::new("Program", "", ClassKind::Class));
        let mut info = ClassInfo::new("Program".into(), String::new(), TypeKind::Class, Origin::User);
        info.is_static = true;
        info.base = Some(BuiltinClass::Object.id());
        self.classes.push(info);
        self.program.classes[id.index()].base = Some(BuiltinClass::Object.id());
        self.types_by_name.entry("Program".into()).or_default().push(id);
        id
    }

    /// A class of the program or prelude by simple name, as C# looks it up
    /// from where the compiler is: a type nested in the class being compiled
    /// (or its bases), then in each enclosing class, then a top-level type
    /// (the program's own first); failing those, a type nested anywhere.
    pub(crate) fn find_class(&self, name: &str) -> Option<ClassId> {
        let ids = self.types_by_name.get(name)?;
        let mut scope = self.scope_class();
        while let Some(c) = scope {
            if let Some(t) = self.nested_type(c, name) {
                return Some(t);
            }
            scope = self.classes[c.index()].outer;
        }
        let top = |c: &&ClassId| self.classes[c.index()].outer.is_none();
        let user = |c: &&ClassId| self.classes[c.index()].origin == Origin::User;
        ids.iter()
            .filter(top)
            .find(user)
            .or_else(|| ids.iter().find(top))
            .or_else(|| ids.iter().find(user))
            .or_else(|| ids.first())
            .copied()
    }

    /// The class type names resolve in: the function's, or the one whose
    /// declaration is being read.
    pub(crate) fn scope_class(&self) -> Option<ClassId> {
        self.fns.last().map(|f| f.class).or(self.decl_context)
    }

    /// The type named `name` nested in `class` or one of its bases.
    pub(crate) fn nested_type(&self, class: ClassId, name: &str) -> Option<ClassId> {
        let ids = self.types_by_name.get(name)?;
        self.lookup_chain(class)
            .into_iter()
            .find_map(|c| ids.iter().copied().find(|t| self.classes[t.index()].outer == Some(c)))
    }

    /// The class a dotted name (`Outer`, `Ns.Outer.Inner`) names, if it is
    /// one.
    fn dotted_class(&self, dotted: &str) -> Option<ClassId> {
        let mut ns = String::new();
        let mut class: Option<ClassId> = None;
        for part in dotted.split('.') {
            class = match class {
                Some(c) => Some(self.nested_type(c, part)?),
                None => {
                    let qualified = if ns.is_empty() { part.to_string() } else { format!("{ns}.{part}") };
                    let in_ns = self.types_by_name.get(part).and_then(|ids| {
                        ids.iter().copied().find(|c| {
                            let i = &self.classes[c.index()];
                            i.outer.is_none() && i.namespace == ns
                        })
                    });
                    if ns.is_empty()
                        && let Some(c) = self.find_class(part)
                    {
                        Some(c)
                    } else if in_ns.is_some() {
                        in_ns
                    } else if self.namespaces.contains(&qualified) {
                        ns = qualified;
                        None
                    } else {
                        return None;
                    }
                }
            };
        }
        class
    }

    /// Resolves a written type. `var` is the caller's business (it is an
    /// error here).
    pub(crate) fn resolve_type(&mut self, t: &ast::TypeRef<'_>) -> Type {
        match t.kind {
            ast::TypeRefKind::Array(e) => {
                let e = self.resolve_type(e);
                if e == Type::Void {
                    self.error(t.span, "Arrays of void are not allowed");
                    return Type::Error;
                }
                Type::array(e)
            }
            ast::TypeRefKind::Nullable(inner) => {
                let t = self.resolve_type(inner);
                self.nullable(t)
            }
            ast::TypeRefKind::Named { name, args } => {
                let resolved: Vec<Type> = args.iter().map(|a| self.resolve_type(a)).collect();
                if name == "var" {
                    self.error(
                        t.span,
                        "The contextual keyword 'var' may only appear within a local variable declaration",
                    );
                    return Type::Error;
                }
                match self.lookup_type_name(name, resolved) {
                    Ok(ty) => ty,
                    Err(msg) => {
                        self.error(t.span, msg);
                        Type::Error
                    }
                }
            }
        }
    }

    /// A type by (possibly dotted) name and type arguments.
    pub(crate) fn lookup_type_name(&self, name: &str, args: Vec<Type>) -> Result<Type, String> {
        let simple = match name.rsplit_once('.') {
            Some((prefix, last)) => {
                if args.is_empty()
                    && let Some(outer) = self.dotted_class(prefix)
                    && let Some(t) = self.nested_type(outer, last)
                {
                    return Ok(Type::Class(t));
                }
                if !self.namespaces.contains(prefix)
                    && self.find_class(prefix.rsplit('.').next().unwrap_or(prefix)).is_none()
                {
                    return Err(format!("The type or namespace name '{prefix}' could not be found"));
                }
                last
            }
            None => name,
        };
        if args.is_empty()
            && let Some(t) = types::predefined(simple)
        {
            return Ok(t);
        }
        let is_lib = types::known_lib_type(simple, args.len())
            || (!args.is_empty() && vm::native::NATIVES.iter().any(|d| d.owner == simple));
        if let Some(id) = self.find_class(simple)
            && (args.is_empty() || !is_lib)
        {
            if !args.is_empty() {
                return Err(format!("The non-generic type '{simple}' cannot be used with type arguments"));
            }
            return Ok(Type::Class(id));
        }
        if is_lib || vm::native::NATIVES.iter().any(|d| d.owner == simple) {
            if simple == "Func" && args.is_empty() {
                return Err("Using the generic type 'Func<TResult>' requires at least 1 type argument".into());
            }
            return Ok(Type::lib(simple, args));
        }
        Err(format!("The type or namespace name '{name}' could not be found"))
    }

    /// Checks that only `[Async1]`, `[Async2]` and `[ConfigureAwait(bool)]`
    /// appear, and reads them.
    pub(crate) fn check_attributes(&mut self, attrs: &'a [ast::Attribute<'a>]) -> AttrFlags {
        let mut flags = AttrFlags::default();
        for a in attrs {
            let name = a.name.name.strip_suffix("Attribute").unwrap_or(a.name.name);
            match name {
                "Async1" | "Async2" if a.args.is_empty() => {
                    flags.backend = Some(if name == "Async1" { Backend::Async1 } else { Backend::Async2 });
                }
                "ConfigureAwait" => match a.args {
                    [ast::Expr { kind: ast::ExprKind::Literal(ast::Literal::Bool(b)), .. }] => {
                        flags.configure_await_false = !*b;
                    }
                    _ => self.error(a.span, "ConfigureAwait takes one argument, `true` or `false`"),
                },
                "Async1" | "Async2" => self.error(a.span, format!("[{name}] takes no arguments")),
                _ => self.error(
                    a.span,
                    format!(
                        "The attribute '{}' is not supported (toy knows [Async1], [Async2] and [ConfigureAwait(false)])",
                        a.name.name
                    ),
                ),
            }
        }
        flags
    }

    /// Resolves base classes and interfaces; returns the classes bases-first.
    fn resolve_bases(&mut self) -> Vec<ClassId> {
        let first_user = BuiltinClass::ALL.len();
        for i in first_user..self.classes.len() {
            let id = ClassId(i as u32);
            let Some(decl) = self.classes[i].decl else { continue };
            self.origin = self.classes[i].origin;
            // A base named from inside a nested type resolves there.
            self.decl_context = self.classes[i].outer;
            let mut base = None;
            let mut interfaces = Vec::new();
            for (n, b) in decl.bases.iter().enumerate() {
                let t = self.resolve_type(b);
                match t {
                    Type::Error => {}
                    Type::Class(c) if self.is_interface(c) => interfaces.push(c),
                    Type::Class(c)
                        if n == 0
                            && decl.kind == TypeKind::Class
                            && self.classes[c.index()].kind == TypeKind::Class
                            && !self.classes[c.index()].is_static =>
                    {
                        base = Some(c)
                    }
                    Type::Object if n == 0 && decl.kind == TypeKind::Class => {}
                    Type::Lib(ref name, _)
                        if matches!(&**name, "IComparable" | "IComparer" | "IEquatable" | "ICloneable")
                            && decl.kind != TypeKind::Enum =>
                    {
                        self.classes[i].lib_interfaces.push(t.clone());
                    }
                    _ if decl.kind == TypeKind::Enum && matches!(t, Type::Int | Type::Long) => {}
                    _ => {
                        let what = self.type_name(&t);
                        self.error(b.span, format!("'{what}' cannot be a base of '{}'", decl.name.name));
                    }
                }
            }
            let base = match decl.kind {
                TypeKind::Class => Some(base.unwrap_or(BuiltinClass::Object.id())),
                TypeKind::Struct => Some(BuiltinClass::ValueType.id()),
                TypeKind::Enum => Some(BuiltinClass::Enum.id()),
                TypeKind::Interface => None,
            };
            self.classes[i].base = base;
            self.classes[i].interfaces = interfaces;
            self.program.classes[i].base = base;
            // A cycle through bases: cut it where it closes.
            let mut seen = vec![id];
            let mut cur = base;
            while let Some(b) = cur {
                if seen.contains(&b) {
                    self.error(
                        decl.name.span,
                        format!("Circular base class dependency involving '{}'", decl.name.name),
                    );
                    self.classes[i].base = Some(BuiltinClass::Object.id());
                    self.program.classes[i].base = Some(BuiltinClass::Object.id());
                    break;
                }
                seen.push(b);
                cur = self.classes[b.index()].base;
            }
        }
        self.origin = Origin::User;
        // Bases first: sort by depth in the class chain (interfaces by the
        // depth of their interface graph).
        let mut order: Vec<(usize, ClassId)> = (first_user..self.classes.len())
            .map(|i| {
                let id = ClassId(i as u32);
                (self.class_depth(id, 0), id)
            })
            .collect();
        order.sort();
        let order: Vec<ClassId> = order.into_iter().map(|(_, c)| c).collect();
        for &c in &order {
            let all = self.collect_interfaces(c);
            self.classes[c.index()].all_interfaces = all.clone();
            self.program.classes[c.index()].interfaces = all;
        }
        order
    }

    fn class_depth(&self, c: ClassId, guard: usize) -> usize {
        if guard > 64 {
            return guard;
        }
        let info = &self.classes[c.index()];
        let from_base = info.base.map_or(0, |b| self.class_depth(b, guard + 1) + 1);
        let from_ifaces = info.interfaces.iter().map(|&i| self.class_depth(i, guard + 1) + 1).max().unwrap_or(0);
        from_base.max(from_ifaces)
    }

    fn collect_interfaces(&self, c: ClassId) -> Vec<ClassId> {
        let mut out = Vec::new();
        let mut stack = vec![c];
        let mut guard = 0;
        while let Some(x) = stack.pop() {
            guard += 1;
            if guard > 10_000 {
                break;
            }
            let info = &self.classes[x.index()];
            for &i in &info.interfaces {
                if !out.contains(&i) {
                    out.push(i);
                    stack.push(i);
                }
            }
            if let Some(b) = info.base {
                stack.push(b);
            }
        }
        out
    }

    // ----- members --------------------------------------------------------

    fn declare_members(&mut self, class: ClassId) {
        let Some(decl) = self.classes[class.index()].decl else { return };
        self.origin = self.classes[class.index()].origin;
        let ci = class.index();
        // The base's instance fields come first.
        if let Some(b) = self.classes[ci].base {
            self.classes[ci].instance_fields = self.classes[b.index()].instance_fields;
            self.program.classes[ci].fields = self.program.classes[b.index()].fields.clone();
        }
        if decl.kind == TypeKind::Enum {
            self.origin = Origin::User;
            return;
        }
        let is_interface = decl.kind == TypeKind::Interface;
        let mut has_static_init = false;
        let mut cctor_decl = None;
        for member in decl.members {
            match member {
                ast::Member::Field(f) => {
                    self.check_attributes(f.attributes);
                    let ty = self.resolve_type(&f.ty);
                    let is_const = f.modifiers.has(Modifiers::CONST);
                    let is_static = f.modifiers.has(Modifiers::STATIC) || is_const;
                    if is_interface {
                        self.error(f.span, "Interfaces cannot contain instance fields");
                        continue;
                    }
                    for d in f.declarators {
                        self.check_duplicate_member(class, d.name.name, d.name.span);
                        if is_static && !is_const && d.init.is_some() {
                            has_static_init = true;
                        }
                        if is_const && d.init.is_none() {
                            self.error(d.name.span, "A const field requires a value to be provided");
                        }
                        self.add_field(
                            class,
                            d.name.name,
                            ty.clone(),
                            is_static,
                            is_const,
                            f.modifiers.has(Modifiers::READONLY),
                            d.init,
                            d.name.span,
                            false,
                        );
                    }
                }
                ast::Member::Property(p) => {
                    if p.init.is_some() && p.modifiers.has(Modifiers::STATIC) {
                        has_static_init = true;
                    }
                    self.declare_property(class, p);
                }
                ast::Member::Method(m) => self.declare_method(class, m),
                ast::Member::Constructor(c) => {
                    self.check_attributes(c.attributes);
                    if c.name.name != decl.name.name {
                        self.error(c.name.span, "Method must have a return type");
                        continue;
                    }
                    if c.modifiers.has(Modifiers::STATIC) {
                        if cctor_decl.is_some() {
                            self.error(
                                c.name.span,
                                format!("Type '{}' already defines a static constructor", decl.name.name),
                            );
                        }
                        if !c.params.is_empty() {
                            self.error(c.name.span, "A static constructor must be parameterless");
                        }
                        cctor_decl = Some(c);
                        continue;
                    }
                    if is_interface || self.classes[ci].is_static {
                        self.error(c.name.span, "Static classes and interfaces cannot have instance constructors");
                        continue;
                    }
                    let params = self.declare_params(c.params, false);
                    let id = self.add_method(
                        class,
                        ".ctor",
                        params,
                        Type::Void,
                        MethodOpts::ctor(c.span),
                        BodySource::Ctor(Some(c)),
                    );
                    self.check_duplicate_signature(class, id, c.name.span);
                    self.classes[ci].ctors.push(id);
                    for (i, p) in c.params.iter().enumerate() {
                        if let Some(d) = p.default {
                            self.pending_default(id, i, d);
                        }
                    }
                }
                ast::Member::NestedType(_) => {}
            }
        }
        if decl.kind == TypeKind::Class && !self.classes[ci].is_static && self.classes[ci].ctors.is_empty() {
            let id = self.add_method(
                class,
                ".ctor",
                Vec::new(),
                Type::Void,
                MethodOpts::ctor(decl.name.span),
                BodySource::Ctor(None),
            );
            self.classes[ci].ctors.push(id);
        }
        if has_static_init || cctor_decl.is_some() {
            let opts = MethodOpts { is_static: true, span: decl.name.span, ..MethodOpts::default() };
            let id = self.add_method(class, ".cctor", Vec::new(), Type::Void, opts, BodySource::Cctor(cctor_decl));
            self.classes[ci].cctor = Some(id);
            self.program.classes[ci].cctor = Some(id);
        }
        self.origin = Origin::User;
    }

    #[allow(clippy::too_many_arguments)]
    fn add_field(
        &mut self,
        class: ClassId,
        name: &str,
        ty: Type,
        is_static: bool,
        is_const: bool,
        readonly: bool,
        init: Option<&'a ast::Expr<'a>>,
        span: Span,
        is_backing: bool,
    ) -> usize {
        let (slot_type, default) = (ty.slot_type(|c| self.type_kind(c)), ty.default_value(|c| self.type_kind(c)));
        let kind = if is_const {
            FieldKind::Const(None)
        } else if is_static {
            FieldKind::Static(self.program.add_static(StaticField {
                class,
                name: name.to_string(),
                ty: slot_type,
                default,
            }))
        } else {
            let ci = class.index();
            let slot = self.classes[ci].instance_fields;
            self.classes[ci].instance_fields += 1;
            self.program.classes[ci].fields.push(Field { name: name.to_string(), ty: slot_type, default });
            FieldKind::Instance(FieldSlot(slot))
        };
        let origin = self.origin;
        let fields = &mut self.classes[class.index()].fields;
        fields.push(FieldInfo { name: name.to_string(), ty, kind, readonly, init, span, origin, is_backing });
        fields.len() - 1
    }

    fn check_duplicate_member(&mut self, class: ClassId, name: &str, span: Span) {
        let c = &self.classes[class.index()];
        let clash = c.fields.iter().any(|f| f.name == name && !f.is_backing)
            || c.props.iter().any(|p| p.name == name)
            || c.methods.iter().any(|m| self.methods[m.index()].name == name);
        if clash {
            let cname = c.name.clone();
            self.error(span, format!("The type '{cname}' already contains a definition for '{name}'"));
        }
    }

    fn check_duplicate_signature(&mut self, class: ClassId, id: MethodId, span: Span) {
        let m = &self.methods[id.index()];
        let c = &self.classes[class.index()];
        let same = c.methods.iter().chain(c.ctors.iter()).any(|&o| {
            let other = &self.methods[o.index()];
            o != id
                && other.name == m.name
                && other.params.len() == m.params.len()
                && other.params.iter().zip(&m.params).all(|(a, b)| a.ty == b.ty && (a.modifier == b.modifier))
        });
        if same {
            let name = if m.is_ctor { c.name.clone() } else { m.name.clone() };
            let cname = c.name.clone();
            self.error(
                span,
                format!("Type '{cname}' already defines a member called '{name}' with the same parameter types"),
            );
        }
    }

    fn declare_params(&mut self, params: &'a [ast::Param<'a>], is_async: bool) -> Vec<ParamInfo> {
        let mut out: Vec<ParamInfo> = Vec::new();
        for (i, p) in params.iter().enumerate() {
            let ty = self.resolve_type(&p.ty);
            if out.iter().any(|q| q.name == p.name.name) {
                self.error(p.name.span, format!("The parameter name '{}' is a duplicate", p.name.name));
            }
            if is_async
                && matches!(p.modifier, ast::ParamModifier::Ref | ast::ParamModifier::Out | ast::ParamModifier::In)
            {
                self.error(p.span, "Async methods cannot have ref, in or out parameters");
            }
            if p.modifier == ast::ParamModifier::Params
                && (i + 1 != params.len() || !matches!(ty, Type::Array(_) | Type::Error))
            {
                self.error(p.span, "A params parameter must be the last parameter and have an array type");
            }
            if p.modifier == ast::ParamModifier::This && i != 0 {
                self.error(p.span, "The `this` modifier may only be on the first parameter");
            }
            out.push(ParamInfo {
                name: p.name.name.to_string(),
                ty,
                modifier: p.modifier,
                default: None,
                span: p.span,
            });
        }
        out
    }

    fn async_return(&mut self, ret: &Type, span: Span) -> Option<AsyncReturn> {
        Some(match ret {
            Type::Void => AsyncReturn::Void,
            t if t.is_lib("Task", 0) => AsyncReturn::Task,
            t if t.is_lib("Task", 1) => AsyncReturn::TaskOf,
            t if t.is_lib("ValueTask", 0) => AsyncReturn::ValueTask,
            t if t.is_lib("ValueTask", 1) => AsyncReturn::ValueTaskOf,
            Type::Error => AsyncReturn::Task,
            _ => {
                self.error(
                    span,
                    "The return type of an async method must be void, Task, Task<T>, ValueTask or ValueTask<T>",
                );
                return None;
            }
        })
    }

    fn declare_method(&mut self, class: ClassId, m: &'a ast::MethodDecl<'a>) {
        let attrs = self.check_attributes(m.attributes);
        let ci = class.index();
        let is_interface = self.classes[ci].kind == TypeKind::Interface;
        let mods = m.modifiers;
        if !m.type_params.is_empty() {
            self.error(m.name.span, "Generic methods are not supported yet");
        }
        let ret = self.resolve_type(&m.return_type);
        let is_async = mods.has(Modifiers::ASYNC);
        let params = self.declare_params(m.params, is_async);
        let is_static = mods.has(Modifiers::STATIC);
        let is_abstract = mods.has(Modifiers::ABSTRACT) || (is_interface && m.body.is_none() && !is_static);
        let is_override = mods.has(Modifiers::OVERRIDE);
        let is_virtual = mods.has(Modifiers::VIRTUAL) || is_abstract || is_override;
        let is_extern = mods.has(Modifiers::EXTERN);
        let cname = self.classes[ci].name.clone();
        if is_extern && self.origin == Origin::User {
            self.error(m.name.span, "extern methods are not supported");
        }
        if m.body.is_none() && !is_abstract && !is_extern {
            self.error(
                m.name.span,
                format!("'{cname}.{}()' must declare a body because it is not marked abstract or extern", m.name.name),
            );
        }
        if m.body.is_some() && mods.has(Modifiers::ABSTRACT) {
            self.error(
                m.name.span,
                format!("'{cname}.{}()' cannot declare a body because it is marked abstract", m.name.name),
            );
        }
        if mods.has(Modifiers::ABSTRACT) && !self.classes[ci].is_abstract {
            self.error(
                m.name.span,
                format!("'{cname}.{}()' is abstract but it is contained in non-abstract type '{cname}'", m.name.name),
            );
        }
        if self.classes[ci].is_static && !is_static {
            self.error(m.name.span, format!("'{}': cannot declare instance members in a static class", m.name.name));
        }
        if is_static && is_virtual {
            self.error(m.name.span, "A static member cannot be marked as virtual, abstract or override");
        }
        let is_extension = params.first().is_some_and(|p| p.modifier == ast::ParamModifier::This);
        if is_extension && !(is_static && self.classes[ci].is_static) {
            self.error(m.name.span, "Extension methods must be defined in a static class and be static");
        }
        let async_return = if is_async { self.async_return(&ret, m.return_type.span) } else { None };
        let clash = {
            let c = &self.classes[ci];
            c.fields.iter().any(|f| f.name == m.name.name && !f.is_backing)
                || c.props.iter().any(|p| p.name == m.name.name)
        };
        if clash {
            self.error(m.name.span, format!("The type '{cname}' already contains a definition for '{}'", m.name.name));
        }
        let body = if m.body.is_some() {
            BodySource::Method(m)
        } else if is_extern {
            BodySource::Extern
        } else {
            BodySource::None
        };
        let opts = MethodOpts {
            is_static,
            is_virtual: is_virtual && !is_static,
            is_abstract,
            is_override,
            is_ctor: false,
            is_extension,
            is_async,
            async_return,
            attrs,
            span: m.name.span,
        };
        let id = self.add_method(class, m.name.name, params, ret, opts, body);
        self.check_duplicate_signature(class, id, m.name.span);
        self.classes[ci].methods.push(id);
        if is_extension {
            self.extensions.entry(m.name.name.to_string()).or_default().push(id);
        }
        for (i, p) in m.params.iter().enumerate() {
            if let Some(d) = p.default {
                self.pending_default(id, i, d);
            }
        }
    }

    fn declare_property(&mut self, class: ClassId, p: &'a ast::PropertyDecl<'a>) {
        let attrs = self.check_attributes(p.attributes);
        let ci = class.index();
        let ty = self.resolve_type(&p.ty);
        let is_indexer = p.name.name == "this";
        let name = if is_indexer { "Item" } else { p.name.name };
        if !is_indexer {
            self.check_duplicate_member(class, name, p.name.span);
        }
        let mods = p.modifiers;
        let is_interface = self.classes[ci].kind == TypeKind::Interface;
        let is_static = mods.has(Modifiers::STATIC);
        let is_extern = mods.has(Modifiers::EXTERN);
        if is_extern && self.origin == Origin::User {
            self.error(p.name.span, "extern properties are not supported");
        }
        let is_abstract = mods.has(Modifiers::ABSTRACT) || (is_interface && !is_static);
        let is_override = mods.has(Modifiers::OVERRIDE);
        let is_virtual = (mods.has(Modifiers::VIRTUAL) || is_abstract || is_override) && !is_static;
        let bodiless = |a: &Option<ast::Accessor<'_>>| a.as_ref().is_none_or(|a| a.body.is_none());
        let is_auto = !is_abstract
            && !is_extern
            && p.expr_body.is_none()
            && p.getter.is_some()
            && bodiless(&p.getter)
            && bodiless(&p.setter);
        if p.getter.is_none() && p.expr_body.is_none() && p.setter.is_none() {
            self.error(p.name.span, format!("'{name}': a property must have at least one accessor"));
        }
        if !is_auto && !is_abstract && !is_extern && p.expr_body.is_none() {
            let half_auto = p.getter.as_ref().is_some_and(|a| a.body.is_none())
                || p.setter.as_ref().is_some_and(|a| a.body.is_none());
            if half_auto {
                self.error(p.name.span, format!("'{name}': both accessors must have bodies, or neither"));
            }
        }
        if p.init.is_some() && !is_auto {
            self.error(p.name.span, "Only auto-implemented properties can have initializers");
        }
        if self.classes[ci].is_static && !is_static {
            self.error(p.name.span, format!("'{name}': cannot declare instance members in a static class"));
        }
        let backing = if is_auto {
            let field_name = format!("<{name}>k__BackingField");
            let readonly = p.setter.is_none();
            Some(self.add_field(class, &field_name, ty.clone(), is_static, false, readonly, p.init, p.name.span, true))
        } else {
            None
        };
        let index_params = self.declare_params(p.params, false);
        let prop_index = self.classes[ci].props.len();
        let opts = MethodOpts {
            is_static,
            is_virtual,
            is_abstract,
            is_override,
            is_ctor: false,
            is_extension: false,
            is_async: false,
            async_return: None,
            attrs,
            span: p.name.span,
        };
        let getter = if p.getter.is_some() || p.expr_body.is_some() {
            let body = match backing {
                Some(f) => BodySource::AutoGetter(f),
                None if is_extern => BodySource::Extern,
                None if is_abstract => BodySource::None,
                None => BodySource::Getter(p),
            };
            let id = self.add_method(class, &format!("get_{name}"), index_params.clone(), ty.clone(), opts, body);
            self.methods[id.index()].property = Some(prop_index);
            Some(id)
        } else {
            None
        };
        let setter = if p.setter.is_some() {
            let mut params = index_params.clone();
            params.push(ParamInfo {
                name: "value".into(),
                ty: ty.clone(),
                modifier: ast::ParamModifier::None,
                default: None,
                span: p.name.span,
            });
            let body = match backing {
                Some(f) => BodySource::AutoSetter(f),
                None if is_extern => BodySource::Extern,
                None if is_abstract => BodySource::None,
                None => BodySource::Setter(p),
            };
            let id = self.add_method(class, &format!("set_{name}"), params, Type::Void, opts, body);
            self.methods[id.index()].property = Some(prop_index);
            Some(id)
        } else {
            None
        };
        self.classes[ci].props.push(PropInfo {
            name: name.to_string(),
            ty,
            is_static,
            getter,
            setter,
            backing,
            is_virtual,
            is_indexer,
            decl: Some(p),
        });
    }

    fn declare_top_level(&mut self, class: ClassId, stmts: &'a [ast::Stmt<'a>]) {
        let has_await = stmts.iter().any(stmt_has_await);
        let has_value_return = stmts.iter().any(stmt_returns_value);
        let ret = match (has_await, has_value_return) {
            (true, true) => Type::lib("Task", vec![Type::Int]),
            (true, false) => Type::lib("Task", vec![]),
            (false, true) => Type::Int,
            (false, false) => Type::Void,
        };
        let async_return = match (has_await, has_value_return) {
            (true, true) => Some(AsyncReturn::TaskOf),
            (true, false) => Some(AsyncReturn::Task),
            _ => None,
        };
        let args = ParamInfo {
            name: "args".into(),
            ty: Type::array(Type::String),
            modifier: ast::ParamModifier::None,
            default: None,
            span: Span::default(),
        };
        let opts = MethodOpts { is_static: true, is_async: has_await, async_return, ..MethodOpts::default() };
        let id = self.add_method(class, "<Main>$", vec![args], ret, opts, BodySource::TopLevel(stmts));
        self.program.entry = id;
        self.top_level_entry = Some(id);
    }

    pub(crate) fn add_method(
        &mut self,
        class: ClassId,
        name: &str,
        params: Vec<ParamInfo>,
        ret: Type,
        opts: MethodOpts,
        body: BodySource<'a>,
    ) -> MethodId {
        let arity = params.len() + usize::from(!opts.is_static);
        let flags = MethodFlags {
            is_static: opts.is_static,
            is_virtual: opts.is_virtual,
            is_abstract: opts.is_abstract,
            is_constructor: opts.is_ctor,
            is_async: opts.async_return,
            backend: opts.attrs.backend,
            configure_await_false: opts.attrs.configure_await_false,
            returns_value_task: ret.is_lib("ValueTask", 0) || ret.is_lib("ValueTask", 1),
        };
        let mut method = Method::new(name, class, flags, arity.min(u16::MAX as usize) as u16);
        method.params = params.iter().map(|p| self.trace_param(p)).collect();
        (method.param_types, method.returns) = self.slot_types(class, &params, &ret, &opts);
        method.param_elems = self.param_elems(&params, &opts);
        let id = self.program.add_method(method);
        self.methods.push(MethodInfo {
            name: name.to_string(),
            class,
            params,
            ret,
            is_static: opts.is_static,
            is_virtual: opts.is_virtual,
            is_abstract: opts.is_abstract,
            is_override: opts.is_override,
            is_ctor: opts.is_ctor,
            is_extension: opts.is_extension,
            is_async: opts.is_async,
            body,
            span: opts.span,
            origin: self.origin,
            property: None,
        });
        id
    }

    /// What a method's parameter registers hold on entry (`this` of a class
    /// or struct: a reference; a `ref`/`out`/`in` parameter, its box: `Any`
    /// here) and what its `return`s return (for an async method, the `T` of
    /// its `Task<T>`), from the declared types.
    /// For each parameter register, the element storage of an array
    /// parameter (`Method::param_elems`).
    fn param_elems(&self, params: &[ParamInfo], opts: &MethodOpts) -> Vec<Option<vm::program::SlotType>> {
        let this = (!opts.is_static).then_some(None);
        this.into_iter()
            .chain(params.iter().map(|p| match (&p.modifier, &p.ty) {
                (
                    ast::ParamModifier::None | ast::ParamModifier::This | ast::ParamModifier::Params,
                    Type::Array(elem),
                ) => Some(self.program.element_type(elem.class_id())),
                _ => None,
            }))
            .collect()
    }

    fn slot_types(
        &self,
        class: ClassId,
        params: &[ParamInfo],
        ret: &Type,
        opts: &MethodOpts,
    ) -> (Vec<vm::program::SlotType>, vm::program::SlotType) {
        use vm::program::{ClassKind, SlotType};
        let kind = |c: ClassId| self.type_kind(c);
        let mut types = Vec::with_capacity(params.len() + 1);
        if !opts.is_static {
            let this = self.program.classes.get(class.index()).map(|c| c.kind);
            types.push(if matches!(this, Some(ClassKind::Class | ClassKind::Struct)) {
                SlotType::Ref
            } else {
                SlotType::Any
            });
        }
        for p in params {
            types.push(match p.modifier {
                ast::ParamModifier::None | ast::ParamModifier::This | ast::ParamModifier::Params => {
                    p.ty.slot_type(kind)
                }
                ast::ParamModifier::Ref | ast::ParamModifier::Out | ast::ParamModifier::In => SlotType::Any,
            });
        }
        let returns = if opts.is_async {
            // What the body's `return`s give: `Task<T>`'s and `ValueTask<T>`'s `T`.
            match ret.lib_name() {
                Some("Task" | "ValueTask") => ret.lib_args().first().map_or(SlotType::Any, |t| t.slot_type(kind)),
                _ => SlotType::Any,
            }
        } else {
            ret.slot_type(kind)
        };
        (types, returns)
    }

    /// A parameter as stack traces print it (`String key`, `Int32& n`).
    fn trace_param(&self, p: &ParamInfo) -> vm::program::TraceParam {
        let ty = super::types::clr_name(&p.ty, &|c: ClassId| self.classes[c.index()].name.clone());
        let by_ref = matches!(p.modifier, ast::ParamModifier::Ref | ast::ParamModifier::Out | ast::ParamModifier::In);
        vm::program::TraceParam { ty: if by_ref { ty + "&" } else { ty }, name: p.name.clone() }
    }

    // ----- vtables and itables ---------------------------------------------

    /// Methods declared in a class: its methods and its accessors.
    fn own_virtuals(&self, class: ClassId) -> Vec<MethodId> {
        let c = &self.classes[class.index()];
        let mut out: Vec<MethodId> = c.methods.clone();
        for p in &c.props {
            out.extend(p.getter);
            out.extend(p.setter);
        }
        out.retain(|m| self.methods[m.index()].is_virtual);
        out.sort();
        out
    }

    fn same_params(&self, a: MethodId, b: MethodId) -> bool {
        let (a, b) = (&self.methods[a.index()], &self.methods[b.index()]);
        a.params.len() == b.params.len()
            && a.params.iter().zip(&b.params).all(|(x, y)| x.ty == y.ty || x.ty.is_unknown() || y.ty.is_unknown())
    }

    fn build_vtable(&mut self, class: ClassId) {
        let ci = class.index();
        if self.classes[ci].kind == TypeKind::Interface || self.classes[ci].decl.is_none() {
            return;
        }
        self.origin = self.classes[ci].origin;
        let mut vt = match self.classes[ci].base {
            Some(b) => self.classes[b.index()].vtable.clone(),
            None => self.object_methods.to_vec(),
        };
        for m in self.own_virtuals(class) {
            let info = &self.methods[m.index()];
            let slot = if info.is_override {
                let found =
                    vt.iter().position(|&v| self.methods[v.index()].name == info.name && self.same_params(v, m));
                match found {
                    Some(s) => s,
                    None => {
                        let (cname, mname, span) = (self.classes[ci].name.clone(), info.name.clone(), info.span);
                        self.error(
                            span,
                            format!("'{cname}.{}': no suitable method found to override", display_member(&mname)),
                        );
                        vt.push(m);
                        vt.len() - 1
                    }
                }
            } else {
                vt.push(m);
                vt.len() - 1
            };
            vt[slot] = m;
            self.program.methods[m.index()].vslot = Some(slot as u16);
        }
        if !self.classes[ci].is_abstract {
            let missing: Vec<MethodId> = vt.iter().copied().filter(|m| self.methods[m.index()].is_abstract).collect();
            for m in missing {
                let info = &self.methods[m.index()];
                let owner = self.classes[info.class.index()].name.clone();
                let msg = format!(
                    "'{}' does not implement inherited abstract member '{owner}.{}'",
                    self.classes[ci].name,
                    display_member(&info.name)
                );
                let span = self.classes[ci].decl.map_or(Span::default(), |d| d.name.span);
                self.error(span, msg);
            }
        }
        self.classes[ci].vtable = vt.clone();
        self.program.classes[ci].vtable = vt;
        self.origin = Origin::User;
    }

    /// Interface methods: those of the interface and its accessors.
    fn interface_methods(&self, iface: ClassId) -> Vec<MethodId> {
        let c = &self.classes[iface.index()];
        let mut out = c.methods.clone();
        for p in &c.props {
            out.extend(p.getter);
            out.extend(p.setter);
        }
        out.retain(|m| !self.methods[m.index()].is_static);
        out
    }

    /// The implementation of an interface method in a class (implicit
    /// implementation: same name and parameters, searched from the most
    /// derived class up).
    fn find_implementation(&self, class: ClassId, im: MethodId) -> Option<MethodId> {
        let want = &self.methods[im.index()];
        let mut cur = Some(class);
        let mut guard = 0;
        while let Some(c) = cur {
            guard += 1;
            if guard > 1000 {
                break;
            }
            let info = &self.classes[c.index()];
            let mut cands: Vec<MethodId> = info.methods.clone();
            for p in &info.props {
                cands.extend(p.getter);
                cands.extend(p.setter);
            }
            if let Some(m) = cands.into_iter().find(|&m| {
                let x = &self.methods[m.index()];
                !x.is_static && x.name == want.name && self.same_params(m, im)
            }) {
                return Some(m);
            }
            cur = info.base;
        }
        None
    }

    fn build_itable(&mut self, class: ClassId) {
        let ci = class.index();
        if self.classes[ci].kind == TypeKind::Interface || self.classes[ci].decl.is_none() {
            return;
        }
        self.origin = self.classes[ci].origin;
        let mut itable = Vec::new();
        for iface in self.classes[ci].all_interfaces.clone() {
            for im in self.interface_methods(iface) {
                match self.find_implementation(class, im) {
                    Some(imp) => {
                        // A virtual implementation dispatches on the receiver.
                        let imp = match self.program.methods[imp.index()].vslot {
                            Some(s) if self.methods[imp.index()].is_virtual => {
                                self.classes[ci].vtable.get(s as usize).copied().unwrap_or(imp)
                            }
                            _ => imp,
                        };
                        itable.push((im, imp));
                    }
                    None if !self.classes[ci].is_abstract => {
                        let info = &self.methods[im.index()];
                        let msg = format!(
                            "'{}' does not implement interface member '{}.{}'",
                            self.classes[ci].name,
                            self.classes[iface.index()].name,
                            display_member(&info.name)
                        );
                        let span = self.classes[ci].decl.map_or(Span::default(), |d| d.name.span);
                        self.error(span, msg);
                    }
                    None => {}
                }
            }
        }
        self.program.classes[ci].itable = itable;
        self.origin = Origin::User;
    }

    // ----- entry point ----------------------------------------------------

    fn find_entry(&mut self, user: &'a ast::CompilationUnit<'a>) {
        if self.top_level_entry.is_some() {
            return;
        }
        let mut found: Vec<MethodId> = Vec::new();
        for (i, m) in self.methods.iter().enumerate() {
            if m.name != "Main" || !m.is_static || m.origin != Origin::User {
                continue;
            }
            let ret_ok = matches!(m.ret, Type::Void | Type::Int | Type::Error)
                || m.ret.is_lib("Task", 0)
                || (m.ret.is_lib("Task", 1) && matches!(m.ret.lib_args()[0], Type::Int));
            let params_ok = match m.params.as_slice() {
                [] => true,
                [p] => p.ty == Type::array(Type::String) && p.modifier == ast::ParamModifier::None,
                _ => false,
            };
            if ret_ok && params_ok {
                found.push(MethodId(i as u32));
            }
        }
        match found.as_slice() {
            [m] => self.program.entry = *m,
            [] => {
                let span = user.items.first().map_or(Span::default(), item_span);
                self.error(
                    Span::new(span.start as usize, span.start as usize),
                    "Program does not contain a static 'Main' method suitable for an entry point",
                );
            }
            [_, rest @ ..] => {
                for &m in rest {
                    let span = self.methods[m.index()].span;
                    self.error(span, "Program has more than one entry point defined");
                }
                self.program.entry = found[0];
            }
        }
    }
}

/// Options of a declared method.
#[derive(Clone, Copy, Default)]
pub(crate) struct MethodOpts {
    pub is_static: bool,
    pub is_virtual: bool,
    pub is_abstract: bool,
    pub is_override: bool,
    pub is_ctor: bool,
    pub is_extension: bool,
    pub is_async: bool,
    pub async_return: Option<AsyncReturn>,
    pub attrs: AttrFlags,
    pub span: Span,
}

impl MethodOpts {
    fn ctor(span: Span) -> MethodOpts {
        MethodOpts { is_ctor: true, span, ..MethodOpts::default() }
    }
}

/// `get_Name` prints as `Name.get`, other methods as `M()`.
fn display_member(name: &str) -> String {
    if let Some(p) = name.strip_prefix("get_") {
        format!("{p}.get")
    } else if let Some(p) = name.strip_prefix("set_") {
        format!("{p}.set")
    } else {
        format!("{name}()")
    }
}

fn item_span(item: &ast::Item<'_>) -> Span {
    match item {
        ast::Item::Namespace { name, items } => items.first().map_or(name.span, item_span),
        ast::Item::Type(t) => t.span,
    }
}

/// Whether statements contain `await` outside lambdas.
pub(crate) fn stmt_has_await(s: &ast::Stmt<'_>) -> bool {
    let mut found = false;
    super::scope::walk_stmt(s, &mut |e| {
        if matches!(e.kind, ast::ExprKind::Await(_)) {
            found = true;
        }
    });
    found
}

fn stmt_returns_value(s: &ast::Stmt<'_>) -> bool {
    let mut found = false;
    super::scope::walk_stmts_only(s, &mut |s| {
        if let ast::StmtKind::Return(Some(_)) = s.kind {
            found = true;
        }
    });
    found
}
