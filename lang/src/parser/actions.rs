//! What the grammar's actions call: node allocation in the arena, and the
//! checks that need to see more than one production (duplicate modifiers,
//! accessor names, object vs collection initializers, where attributes go).
//!
//! Intermediate values that exist only while a construct is being parsed
//! (`Seg`, `MemberCore`, `Head`, ...) are plain Rust values; only finished
//! nodes go into the arena.

use std::cell::RefCell;

use bumpalo::Bump;
use lalrpop_util::{ErrorRecovery, ParseError};

use crate::ast::*;
use crate::diagnostic::Diagnostic;
use crate::lexer::Tok;

/// A syntax error the parser recovered from.
pub type Recovered<'a> = ParseError<usize, Tok<'a>, Diagnostic>;

/// The parser's context: the arena and the errors found so far.
pub struct Cx<'a> {
    pub arena: &'a Bump,
    /// Errors found by actions.
    pub diags: RefCell<Vec<Diagnostic>>,
    /// Syntax errors the parser recovered from, rendered after parsing.
    pub recovered: RefCell<Vec<Recovered<'a>>>,
    /// `using` directives found inside namespace blocks (the AST keeps all
    /// usings on the compilation unit).
    pub inner_usings: RefCell<Vec<Using<'a>>>,
}

pub fn span(l: usize, r: usize) -> Span {
    Span::new(l, r)
}

/// One segment of a dotted name: `Name` or `Name<T, U>`.
pub struct Seg<'a> {
    pub name: Ident<'a>,
    pub args: Vec<TypeRef<'a>>,
    pub span: Span,
}

/// An element of the compilation unit or of a namespace, before attributes
/// are attached to the type that follows them.
pub enum Top<'a> {
    Attrs(Vec<Attribute<'a>>),
    Type(&'a TypeDecl<'a>),
    Item(Item<'a>),
    Stmt(Stmt<'a>),
}

/// `namespace N;` and what follows it.
pub struct FileNamespace<'a> {
    pub name: Ident<'a>,
    pub usings: Vec<Using<'a>>,
    pub members: Vec<Top<'a>>,
}

/// A type declaration without its attributes and modifiers.
pub struct TypeParts<'a> {
    kind: TypeKind,
    name: Ident<'a>,
    bases: Vec<TypeRef<'a>>,
    members: Vec<Member<'a>>,
    enum_members: Vec<EnumMember<'a>>,
}

/// A member without its attributes and modifiers.
pub enum MemberCore<'a> {
    Field(TypeRef<'a>, Vec<Declarator<'a>>),
    Method {
        ty: TypeRef<'a>,
        name: Ident<'a>,
        type_params: Vec<Ident<'a>>,
        params: Vec<Param<'a>>,
        body: Option<Body<'a>>,
    },
    Constructor {
        name: Ident<'a>,
        params: Vec<Param<'a>>,
        init: Option<ConstructorInitializer<'a>>,
        body: Body<'a>,
    },
    /// Properties and indexers.
    Property {
        ty: TypeRef<'a>,
        name: Ident<'a>,
        params: Vec<Param<'a>>,
        accessors: Vec<(Ident<'a>, Accessor<'a>)>,
        expr: Option<Expr<'a>>,
        init: Option<Expr<'a>>,
    },
}

/// The head of a statement that takes one embedded statement.
pub enum Head<'a> {
    While(Expr<'a>),
    For { init: Vec<Stmt<'a>>, cond: Option<Expr<'a>>, step: Vec<Expr<'a>> },
    Foreach { ty: TypeRef<'a>, name: Ident<'a>, iterable: Expr<'a> },
    Using(UsingResource<'a>),
    Lock(Expr<'a>),
}

/// An element of `{ ... }` after `new T`.
pub enum InitItem<'a> {
    Expr(Expr<'a>),
    /// `{ "k", 1 }`
    Group(Vec<Expr<'a>>, Span),
}

impl<'a> Cx<'a> {
    pub fn new(arena: &'a Bump) -> Cx<'a> {
        Cx {
            arena,
            diags: RefCell::new(Vec::new()),
            recovered: RefCell::new(Vec::new()),
            inner_usings: RefCell::new(Vec::new()),
        }
    }

    pub fn error(&self, span: Span, message: impl Into<String>) {
        self.diags.borrow_mut().push(Diagnostic::error(span, message));
    }

    /// An identifier that must be the contextual keyword `keyword` here.
    pub fn contextual_keyword(&self, found: Ident<'a>, keyword: &str) {
        if found.name != keyword {
            self.error(found.span, format!("expected `{keyword}`, found `{}`", found.name));
        }
    }

    pub fn recover(&self, e: ErrorRecovery<usize, Tok<'a>, Diagnostic>) {
        self.recovered.borrow_mut().push(e.error);
    }

    // ------------------------------------------------------------ allocation

    pub fn bx(&self, e: Expr<'a>) -> &'a Expr<'a> {
        self.arena.alloc(e)
    }

    pub fn bx_stmt(&self, s: Stmt<'a>) -> &'a Stmt<'a> {
        self.arena.alloc(s)
    }

    pub fn slice<T>(&self, v: Vec<T>) -> &'a [T] {
        if v.is_empty() {
            return &[];
        }
        self.arena.alloc_slice_fill_iter(v)
    }

    pub fn expr(&self, kind: ExprKind<'a>, span: Span) -> Expr<'a> {
        Expr { kind, span }
    }

    // ------------------------------------------------------------ compilation unit

    pub fn unit(
        &self,
        usings: Vec<Using<'a>>,
        members: Vec<Top<'a>>,
        file_namespace: Option<FileNamespace<'a>>,
    ) -> &'a CompilationUnit<'a> {
        let mut usings = usings;
        let mut attributes = Vec::new();
        let (mut items, top_level) = self.place_members(members, true, &mut attributes);
        if let Some(ns) = file_namespace {
            usings.extend(ns.usings);
            let (ns_items, _) = self.place_members(ns.members, false, &mut attributes);
            items.push(Item::Namespace { name: ns.name, items: self.slice(ns_items) });
        }
        usings.extend(self.inner_usings.take());
        self.arena.alloc(CompilationUnit {
            usings: self.slice(usings),
            attributes: self.slice(attributes),
            items: self.slice(items),
            top_level: self.slice(top_level),
        })
    }

    /// Attaches attribute sections to the type that follows them, moves
    /// `[assembly: ...]` to `assembly_attrs`, and separates top-level
    /// statements (which must come first) from declarations.
    fn place_members(
        &self,
        members: Vec<Top<'a>>,
        at_file_level: bool,
        assembly_attrs: &mut Vec<Attribute<'a>>,
    ) -> (Vec<Item<'a>>, Vec<Stmt<'a>>) {
        let mut items = Vec::new();
        let mut stmts = Vec::new();
        let mut pending: Vec<Attribute<'a>> = Vec::new();
        let mut seen_declaration = false;
        let dangling = |pending: &mut Vec<Attribute<'a>>| {
            if let Some(first) = pending.first() {
                self.error(first.span, "attribute is not followed by a type declaration");
            }
            pending.clear();
        };
        for member in members {
            match member {
                Top::Attrs(attrs) => {
                    for a in attrs {
                        if a.target.is_some_and(|t| t.name == "assembly") {
                            if !at_file_level {
                                self.error(a.span, "assembly attributes must come before any namespace");
                            }
                            assembly_attrs.push(a);
                        } else {
                            pending.push(a);
                        }
                    }
                }
                Top::Type(t) => {
                    let t = if pending.is_empty() {
                        t
                    } else {
                        self.arena.alloc(TypeDecl { attributes: self.slice(std::mem::take(&mut pending)), ..*t })
                    };
                    items.push(Item::Type(t));
                    seen_declaration = true;
                }
                Top::Item(item) => {
                    dangling(&mut pending);
                    items.push(item);
                    seen_declaration = true;
                }
                Top::Stmt(s) => {
                    dangling(&mut pending);
                    // A stray `;` (as after a type's `}`) is no statement.
                    if matches!(s.kind, StmtKind::Empty) {
                        continue;
                    }
                    // After a syntax error, a misplaced statement may be what
                    // recovery made of a broken declaration.
                    if seen_declaration && self.recovered.borrow().is_empty() {
                        self.error(s.span, "top-level statements must precede namespace and type declarations");
                    }
                    stmts.push(s);
                }
            }
        }
        dangling(&mut pending);
        (items, stmts)
    }

    pub fn using(&self, q: Vec<Seg<'a>>, span: Span) -> Using<'a> {
        let path = self.join(&q, "a using directive");
        Using { path: path.name, span }
    }

    pub fn namespace(&self, name: Ident<'a>, usings: Vec<Using<'a>>, members: Vec<Top<'a>>) -> Item<'a> {
        self.inner_usings.borrow_mut().extend(usings);
        let mut ignored = Vec::new();
        let (items, _) = self.place_members(members, false, &mut ignored);
        Item::Namespace { name, items: self.slice(items) }
    }

    pub fn dotted(&self, first: &'a str, rest: Vec<&'a str>, span: Span) -> Ident<'a> {
        if rest.is_empty() {
            return Ident { name: first, span };
        }
        let mut name = first.to_string();
        for part in rest {
            name.push('.');
            name.push_str(part);
        }
        Ident { name: self.arena.alloc_str(&name), span }
    }

    /// A dotted name as one identifier; type arguments are an error here.
    fn join(&self, q: &[Seg<'a>], what: &str) -> Ident<'a> {
        for seg in q {
            if !seg.args.is_empty() {
                self.error(seg.span, format!("type arguments are not allowed in {what}"));
            }
        }
        let span = match (q.first(), q.last()) {
            (Some(first), Some(last)) => first.span.to(last.span),
            _ => Span::default(),
        };
        let names: Vec<&str> = q.iter().map(|s| s.name.name).collect();
        match names.as_slice() {
            [one] => Ident { name: one, span },
            _ => Ident { name: self.arena.alloc_str(&names.join(".")), span },
        }
    }

    // ------------------------------------------------------------ attributes, modifiers

    pub fn attr_section(
        &self,
        target: Option<Ident<'a>>,
        attrs: Vec<(Vec<Seg<'a>>, Vec<Expr<'a>>, Span)>,
    ) -> Vec<Attribute<'a>> {
        attrs
            .into_iter()
            .map(|(name, args, span)| Attribute {
                target,
                name: self.join(&name, "an attribute name"),
                args: self.slice(args),
                span,
            })
            .collect()
    }

    fn attributes(&self, sections: Vec<Vec<Attribute<'a>>>) -> &'a [Attribute<'a>] {
        self.slice(sections.into_iter().flatten().collect())
    }

    /// Attributes where the AST has no room for them.
    fn no_attributes(&self, sections: Vec<Vec<Attribute<'a>>>, on: &str) {
        if let Some(a) = sections.iter().flatten().next() {
            self.error(a.span, format!("attributes are not supported on {on}"));
        }
    }

    fn modifiers(&self, mods: Vec<(u32, Span)>) -> Modifiers {
        let mut set = Modifiers::default();
        for (bit, span) in mods {
            if set.has(bit) {
                self.error(span, "duplicate modifier");
            }
            set.0 |= bit;
        }
        set
    }

    // ------------------------------------------------------------ type declarations

    pub fn type_parts(
        &self,
        kind: TypeKind,
        name: Ident<'a>,
        type_params: Option<Vec<Ident<'a>>>,
        bases: Vec<TypeRef<'a>>,
        members: Vec<Member<'a>>,
    ) -> TypeParts<'a> {
        if let Some(first) = type_params.as_ref().and_then(|p| p.first()) {
            self.error(first.span, "generic type declarations are not supported");
        }
        TypeParts { kind, name, bases, members, enum_members: Vec::new() }
    }

    pub fn enum_parts(
        &self,
        name: Ident<'a>,
        base: Option<TypeRef<'a>>,
        members: Vec<EnumMember<'a>>,
    ) -> TypeParts<'a> {
        TypeParts {
            kind: TypeKind::Enum,
            name,
            bases: base.into_iter().collect(),
            members: Vec::new(),
            enum_members: members,
        }
    }

    pub fn enum_member(
        &self,
        attrs: Vec<Vec<Attribute<'a>>>,
        name: Ident<'a>,
        value: Option<Expr<'a>>,
    ) -> EnumMember<'a> {
        self.no_attributes(attrs, "enum members");
        EnumMember { name, value: value.map(|v| self.bx(v)) }
    }

    pub fn type_decl(
        &self,
        attrs: Vec<Vec<Attribute<'a>>>,
        mods: Vec<(u32, Span)>,
        parts: TypeParts<'a>,
        span: Span,
    ) -> &'a TypeDecl<'a> {
        self.arena.alloc(TypeDecl {
            kind: parts.kind,
            name: parts.name,
            modifiers: self.modifiers(mods),
            attributes: self.attributes(attrs),
            bases: self.slice(parts.bases),
            members: self.slice(parts.members),
            enum_members: self.slice(parts.enum_members),
            span,
        })
    }

    // ------------------------------------------------------------ members

    pub fn member(
        &self,
        attrs: Vec<Vec<Attribute<'a>>>,
        mods: Vec<(u32, Span)>,
        core: MemberCore<'a>,
        span: Span,
    ) -> Member<'a> {
        let attributes = self.attributes(attrs);
        let modifiers = self.modifiers(mods);
        match core {
            MemberCore::Field(ty, declarators) => {
                Member::Field(FieldDecl { attributes, modifiers, ty, declarators: self.slice(declarators), span })
            }
            MemberCore::Method { ty, name, type_params, params, body } => Member::Method(MethodDecl {
                attributes,
                modifiers,
                return_type: ty,
                name,
                type_params: self.slice(type_params),
                params: self.slice(params),
                body,
                span,
            }),
            MemberCore::Constructor { name, params, init, body } => Member::Constructor(ConstructorDecl {
                attributes,
                modifiers,
                name,
                params: self.slice(params),
                initializer: init,
                body,
                span,
            }),
            MemberCore::Property { ty, name, params, accessors, expr, init } => {
                let mut getter = None;
                let mut setter = None;
                if expr.is_none() && accessors.is_empty() {
                    self.error(name.span, "a property or indexer must have at least one accessor");
                }
                for (accessor_name, accessor) in accessors {
                    let slot = match accessor_name.name {
                        "get" => &mut getter,
                        // `init` behaves as `set` here: the VM has no init-only check.
                        "set" | "init" => &mut setter,
                        other => {
                            self.error(accessor_name.span, format!("expected `get` or `set`, found `{other}`"));
                            continue;
                        }
                    };
                    if slot.is_some() {
                        self.error(accessor_name.span, format!("duplicate `{}` accessor", accessor_name.name));
                    }
                    *slot = Some(accessor);
                }
                Member::Property(PropertyDecl {
                    attributes,
                    modifiers,
                    ty,
                    name,
                    params: self.slice(params),
                    getter,
                    setter,
                    expr_body: expr.map(|e| self.bx(e)),
                    init: init.map(|e| self.bx(e)),
                    span,
                })
            }
        }
    }

    pub fn param(
        &self,
        attrs: Vec<Vec<Attribute<'a>>>,
        modifier: ParamModifier,
        ty: TypeRef<'a>,
        name: Ident<'a>,
        default: Option<Expr<'a>>,
        span: Span,
    ) -> Param<'a> {
        self.no_attributes(attrs, "parameters");
        Param { modifier, ty, name, default: default.map(|e| self.bx(e)), span }
    }

    pub fn accessor(
        &self,
        attrs: Vec<Vec<Attribute<'a>>>,
        mods: Vec<(u32, Span)>,
        name: Ident<'a>,
        body: Option<Body<'a>>,
        span: Span,
    ) -> (Ident<'a>, Accessor<'a>) {
        self.no_attributes(attrs, "accessors");
        (name, Accessor { modifiers: self.modifiers(mods), body, span })
    }

    pub fn ctor_init(&self, is_this: bool, args: Vec<Arg<'a>>, span: Span) -> ConstructorInitializer<'a> {
        ConstructorInitializer { is_this, args: self.slice(args), span }
    }

    // ------------------------------------------------------------ types

    pub fn named_type(&self, q: Vec<Seg<'a>>) -> TypeRef<'a> {
        let mut q = q;
        let args = q.last_mut().map(|last| std::mem::take(&mut last.args)).unwrap_or_default();
        let name = self.join(&q, "a type's qualifier");
        TypeRef { kind: TypeRefKind::Named { name: name.name, args: self.slice(args) }, span: name.span }
    }

    pub fn nullable_type(&self, t: TypeRef<'a>, span: Span) -> TypeRef<'a> {
        TypeRef { kind: TypeRefKind::Nullable(self.arena.alloc(t)), span }
    }

    pub fn array_type(&self, t: TypeRef<'a>, span: Span) -> TypeRef<'a> {
        TypeRef { kind: TypeRefKind::Array(self.arena.alloc(t)), span }
    }

    // ------------------------------------------------------------ statements

    pub fn block(&self, stmts: Vec<Stmt<'a>>, span: Span) -> &'a Block<'a> {
        self.arena.alloc(Block { stmts: self.slice(stmts), span })
    }

    pub fn if_stmt(&self, cond: Expr<'a>, then: Stmt<'a>, else_: Option<Stmt<'a>>, span: Span) -> Stmt<'a> {
        Stmt {
            kind: StmtKind::If { cond: self.bx(cond), then: self.bx_stmt(then), else_: else_.map(|e| self.bx_stmt(e)) },
            span,
        }
    }

    pub fn head_stmt(&self, head: Head<'a>, body: Stmt<'a>, span: Span) -> Stmt<'a> {
        let body = self.bx_stmt(body);
        let kind = match head {
            Head::While(cond) => StmtKind::While { cond: self.bx(cond), body },
            Head::For { init, cond, step } => {
                StmtKind::For { init: self.slice(init), cond: cond.map(|c| self.bx(c)), step: self.slice(step), body }
            }
            Head::Foreach { ty, name, iterable } => StmtKind::Foreach { ty, name, iterable: self.bx(iterable), body },
            Head::Using(resource) => StmtKind::Using { resource, body },
            Head::Lock(target) => StmtKind::Lock { target: self.bx(target), body },
        };
        Stmt { kind, span }
    }

    // ------------------------------------------------------------ expressions

    pub fn binary(&self, op: BinaryOp, lhs: Expr<'a>, rhs: Expr<'a>, span: Span) -> Expr<'a> {
        Expr { kind: ExprKind::Binary { op, lhs: self.bx(lhs), rhs: self.bx(rhs) }, span }
    }

    /// A dotted name in an expression: a name, then member accesses.
    pub fn name_expr(&self, q: Vec<Seg<'a>>) -> Expr<'a> {
        let mut segs = q.into_iter();
        let Some(first) = segs.next() else {
            return Expr { kind: ExprKind::Literal(Literal::Null), span: Span::default() };
        };
        let start = first.span;
        let mut e = if first.args.is_empty() {
            Expr { kind: ExprKind::Name(first.name), span: first.span }
        } else {
            Expr {
                kind: ExprKind::GenericName { name: first.name, type_args: self.slice(first.args) },
                span: first.span,
            }
        };
        for seg in segs {
            e = Expr {
                kind: ExprKind::Member {
                    target: self.bx(e),
                    name: seg.name,
                    type_args: self.slice(seg.args),
                    null_conditional: false,
                },
                span: start.to(seg.span),
            };
        }
        e
    }

    pub fn member_expr(
        &self,
        target: Expr<'a>,
        name: Ident<'a>,
        type_args: Option<Vec<TypeRef<'a>>>,
        null_conditional: bool,
        span: Span,
    ) -> Expr<'a> {
        Expr {
            kind: ExprKind::Member {
                target: self.bx(target),
                name,
                type_args: self.slice(type_args.unwrap_or_default()),
                null_conditional,
            },
            span,
        }
    }

    /// `new T[size][]...{ init }`: each rank after the sized one makes the
    /// element type an array.
    pub fn new_array(
        &self,
        elem: Option<TypeRef<'a>>,
        extra_ranks: &[Span],
        size: Option<Expr<'a>>,
        init: Option<Vec<Expr<'a>>>,
        span: Span,
    ) -> Expr<'a> {
        let elem_ty = elem.map(|t| extra_ranks.iter().fold(t, |t, rank| self.array_type(t, t.span.to(*rank))));
        Expr {
            kind: ExprKind::NewArray { elem_ty, size: size.map(|s| self.bx(s)), init: init.map(|i| self.slice(i)) },
            span,
        }
    }

    /// `{ X = 1, Y = 2 }` is an object initializer, anything else a
    /// collection initializer (as C# decides by the first element).
    pub fn initializer(&self, items: Vec<InitItem<'a>>) -> Initializer<'a> {
        let is_member = |item: &InitItem<'a>| {
            matches!(
                item,
                InitItem::Expr(Expr {
                    kind: ExprKind::Assign { op: None, target: Expr { kind: ExprKind::Name(_), .. }, .. },
                    ..
                })
            )
        };
        let object = items.first().is_none_or(is_member);
        if object {
            let mut members = Vec::with_capacity(items.len());
            for item in items {
                match item {
                    InitItem::Expr(Expr {
                        kind: ExprKind::Assign { op: None, target: Expr { kind: ExprKind::Name(name), .. }, value },
                        ..
                    }) => members.push((*name, value)),
                    InitItem::Expr(Expr { span, .. }) | InitItem::Group(_, span) => {
                        self.error(span, "invalid member in an object initializer: expected `Name = value`");
                    }
                }
            }
            Initializer::Object(self.slice(members))
        } else {
            let elements: Vec<&'a [Expr<'a>]> = items
                .into_iter()
                .map(|item| match item {
                    InitItem::Expr(e) => self.slice(vec![e]),
                    InitItem::Group(es, _) => self.slice(es),
                })
                .collect();
            Initializer::Collection(self.slice(elements))
        }
    }

    pub fn lambda(&self, is_async: bool, params: Vec<LambdaParam<'a>>, body: Body<'a>, span: Span) -> Expr<'a> {
        Expr { kind: ExprKind::Lambda { is_async, params: self.slice(params), body }, span }
    }
}
