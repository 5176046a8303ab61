//! Enforces the AST's invariant: no path from a node to a leaf is longer
//! than [`MAX_NESTING`]. The walk is iterative (an explicit stack of nodes
//! with their depth), so checking a tree never overflows the native stack,
//! however deep the tree the parser built.

use crate::ast::*;
use crate::diagnostic::Diagnostic;

/// A node of any kind, for the walk.
#[derive(Clone, Copy)]
enum Node<'a> {
    Item(&'a Item<'a>),
    Type(&'a TypeDecl<'a>),
    Member(&'a Member<'a>),
    Attribute(&'a Attribute<'a>),
    Param(&'a Param<'a>),
    Body(Body<'a>),
    Block(&'a Block<'a>),
    Stmt(&'a Stmt<'a>),
    Expr(&'a Expr<'a>),
    TypeRef(&'a TypeRef<'a>),
}

impl<'a> Node<'a> {
    fn span(self) -> Span {
        match self {
            Node::Item(&Item::Namespace { name, .. }) => name.span,
            Node::Item(&Item::Type(t)) | Node::Type(t) => t.span,
            Node::Member(m) => match m {
                Member::Field(f) => f.span,
                Member::Method(m) => m.span,
                Member::Constructor(c) => c.span,
                Member::Property(p) => p.span,
                Member::NestedType(t) => t.span,
            },
            Node::Attribute(a) => a.span,
            Node::Param(p) => p.span,
            Node::Body(Body::Block(b)) | Node::Block(b) => b.span,
            Node::Body(Body::Expr(e)) | Node::Expr(e) => e.span,
            Node::Stmt(s) => s.span,
            Node::TypeRef(t) => t.span,
        }
    }

    /// Calls `f` on each child.
    fn children(self, f: &mut impl FnMut(Node<'a>)) {
        match self {
            Node::Item(&Item::Namespace { items, .. }) => items.iter().for_each(|i| f(Node::Item(i))),
            Node::Item(&Item::Type(t)) | Node::Type(t) => {
                t.attributes.iter().for_each(|a| f(Node::Attribute(a)));
                t.bases.iter().for_each(|b| f(Node::TypeRef(b)));
                t.members.iter().for_each(|m| f(Node::Member(m)));
                for m in t.enum_members {
                    if let Some(v) = m.value {
                        f(Node::Expr(v));
                    }
                }
            }
            Node::Member(m) => match m {
                Member::Field(fd) => {
                    fd.attributes.iter().for_each(|a| f(Node::Attribute(a)));
                    f(Node::TypeRef(&fd.ty));
                    fd.declarators.iter().filter_map(|d| d.init).for_each(|e| f(Node::Expr(e)));
                }
                Member::Method(md) => {
                    md.attributes.iter().for_each(|a| f(Node::Attribute(a)));
                    f(Node::TypeRef(&md.return_type));
                    md.params.iter().for_each(|p| f(Node::Param(p)));
                    if let Some(b) = md.body {
                        f(Node::Body(b));
                    }
                }
                Member::Constructor(c) => {
                    c.attributes.iter().for_each(|a| f(Node::Attribute(a)));
                    c.params.iter().for_each(|p| f(Node::Param(p)));
                    if let Some(init) = &c.initializer {
                        init.args.iter().for_each(|a| f(Node::Expr(a.value)));
                    }
                    f(Node::Body(c.body));
                }
                Member::Property(p) => {
                    p.attributes.iter().for_each(|a| f(Node::Attribute(a)));
                    f(Node::TypeRef(&p.ty));
                    p.params.iter().for_each(|p| f(Node::Param(p)));
                    for acc in [&p.getter, &p.setter].into_iter().flatten() {
                        if let Some(b) = acc.body {
                            f(Node::Body(b));
                        }
                    }
                    p.expr_body.into_iter().chain(p.init).for_each(|e| f(Node::Expr(e)));
                }
                Member::NestedType(t) => f(Node::Type(t)),
            },
            Node::Attribute(a) => a.args.iter().for_each(|e| f(Node::Expr(e))),
            Node::Param(p) => {
                f(Node::TypeRef(&p.ty));
                if let Some(d) = p.default {
                    f(Node::Expr(d));
                }
            }
            Node::Body(Body::Block(b)) | Node::Block(b) => b.stmts.iter().for_each(|s| f(Node::Stmt(s))),
            Node::Body(Body::Expr(e)) => f(Node::Expr(e)),
            Node::Stmt(s) => stmt_children(s, f),
            Node::Expr(e) => expr_children(e, f),
            Node::TypeRef(t) => match &t.kind {
                TypeRefKind::Named { args, .. } => args.iter().for_each(|a| f(Node::TypeRef(a))),
                TypeRefKind::Array(inner) | TypeRefKind::Nullable(inner) => f(Node::TypeRef(inner)),
            },
        }
    }
}

fn local_children<'a>(d: &'a LocalDecl<'a>, f: &mut impl FnMut(Node<'a>)) {
    f(Node::TypeRef(&d.ty));
    d.declarators.iter().filter_map(|d| d.init).for_each(|e| f(Node::Expr(e)));
}

fn stmt_children<'a>(s: &'a Stmt<'a>, f: &mut impl FnMut(Node<'a>)) {
    match &s.kind {
        StmtKind::Block(b) => f(Node::Block(b)),
        StmtKind::Local(d) => local_children(d, f),
        StmtKind::Expr(e) => f(Node::Expr(e)),
        StmtKind::If { cond, then, else_ } => {
            f(Node::Expr(cond));
            f(Node::Stmt(then));
            if let Some(e) = else_ {
                f(Node::Stmt(e));
            }
        }
        StmtKind::While { cond, body } | StmtKind::DoWhile { body, cond } => {
            f(Node::Expr(cond));
            f(Node::Stmt(body));
        }
        StmtKind::For { init, cond, step, body } => {
            init.iter().for_each(|s| f(Node::Stmt(s)));
            if let Some(c) = cond {
                f(Node::Expr(c));
            }
            step.iter().for_each(|e| f(Node::Expr(e)));
            f(Node::Stmt(body));
        }
        StmtKind::Foreach { ty, iterable, body, .. } => {
            f(Node::TypeRef(ty));
            f(Node::Expr(iterable));
            f(Node::Stmt(body));
        }
        StmtKind::Break | StmtKind::Continue | StmtKind::Empty => {}
        StmtKind::Return(e) | StmtKind::Throw(e) => {
            if let Some(e) = e {
                f(Node::Expr(e));
            }
        }
        StmtKind::Try { body, catches, finally } => {
            f(Node::Block(body));
            for c in *catches {
                if let Some(t) = &c.ty {
                    f(Node::TypeRef(t));
                }
                if let Some(w) = c.filter {
                    f(Node::Expr(w));
                }
                f(Node::Block(c.body));
            }
            if let Some(b) = finally {
                f(Node::Block(b));
            }
        }
        StmtKind::Switch { scrutinee, sections } => {
            f(Node::Expr(scrutinee));
            for section in *sections {
                for label in section.labels {
                    if let SwitchLabel::Case(e) = label {
                        f(Node::Expr(e));
                    }
                }
                section.body.iter().for_each(|s| f(Node::Stmt(s)));
            }
        }
        StmtKind::Using { resource, body } => {
            match resource {
                UsingResource::Decl(d) => local_children(d, f),
                UsingResource::Expr(e) => f(Node::Expr(e)),
            }
            f(Node::Stmt(body));
        }
        StmtKind::Lock { target, body } => {
            f(Node::Expr(target));
            f(Node::Stmt(body));
        }
    }
}

fn expr_children<'a>(e: &'a Expr<'a>, f: &mut impl FnMut(Node<'a>)) {
    match &e.kind {
        ExprKind::Literal(_) | ExprKind::Name(_) | ExprKind::This | ExprKind::Base | ExprKind::Default(None) => {}
        ExprKind::Interpolated(parts) => {
            for part in *parts {
                if let InterpolationPart::Expr { expr, align, .. } = part {
                    f(Node::Expr(expr));
                    if let Some(a) = align {
                        f(Node::Expr(a));
                    }
                }
            }
        }
        ExprKind::GenericName { type_args, .. } => type_args.iter().for_each(|t| f(Node::TypeRef(t))),
        ExprKind::Member { target, type_args, .. } => {
            f(Node::Expr(target));
            type_args.iter().for_each(|t| f(Node::TypeRef(t)));
        }
        ExprKind::Call { callee, args } => {
            f(Node::Expr(callee));
            args.iter().for_each(|a| f(Node::Expr(a.value)));
        }
        ExprKind::Index { target, args, .. } => {
            f(Node::Expr(target));
            args.iter().for_each(|a| f(Node::Expr(a)));
        }
        ExprKind::Unary { operand, .. } => f(Node::Expr(operand)),
        ExprKind::Binary { lhs, rhs, .. } => {
            f(Node::Expr(lhs));
            f(Node::Expr(rhs));
        }
        ExprKind::Assign { target, value, .. } => {
            f(Node::Expr(target));
            f(Node::Expr(value));
        }
        ExprKind::Conditional { cond, then, else_ } => {
            f(Node::Expr(cond));
            f(Node::Expr(then));
            f(Node::Expr(else_));
        }
        ExprKind::New { ty: t, args, init } => {
            f(Node::TypeRef(t));
            args.iter().for_each(|a| f(Node::Expr(a.value)));
            match init {
                Some(Initializer::Object(members)) => members.iter().for_each(|(_, v)| f(Node::Expr(v))),
                Some(Initializer::Collection(elements)) => {
                    elements.iter().flat_map(|el| el.iter()).for_each(|v| f(Node::Expr(v)))
                }
                None => {}
            }
        }
        ExprKind::NewArray { elem_ty, size, init } => {
            if let Some(t) = elem_ty {
                f(Node::TypeRef(t));
            }
            if let Some(s) = size {
                f(Node::Expr(s));
            }
            init.iter().flat_map(|i| i.iter()).for_each(|v| f(Node::Expr(v)));
        }
        ExprKind::ArrayInit(items) => items.iter().for_each(|v| f(Node::Expr(v))),
        ExprKind::Lambda { params, body, .. } => {
            params.iter().filter_map(|p| p.ty.as_ref()).for_each(|t| f(Node::TypeRef(t)));
            f(Node::Body(*body));
        }
        ExprKind::Is { expr, ty: t, .. } | ExprKind::As { expr, ty: t } | ExprKind::Cast { ty: t, expr } => {
            f(Node::Expr(expr));
            f(Node::TypeRef(t));
        }
        ExprKind::TypeOf(t) | ExprKind::Default(Some(t)) | ExprKind::DeclarationExpr { ty: t, .. } => {
            f(Node::TypeRef(t))
        }
        ExprKind::NameOf(e) | ExprKind::Await(e) | ExprKind::Throw(e) => f(Node::Expr(e)),
    }
}

/// Checks the whole unit; the error points at the first node found too deep.
pub fn check(unit: &CompilationUnit<'_>) -> Result<(), Diagnostic> {
    let mut stack: Vec<(Node<'_>, usize)> = Vec::new();
    unit.attributes.iter().for_each(|a| stack.push((Node::Attribute(a), 1)));
    unit.items.iter().for_each(|i| stack.push((Node::Item(i), 1)));
    unit.top_level.iter().for_each(|s| stack.push((Node::Stmt(s), 1)));
    while let Some((node, depth)) = stack.pop() {
        if depth > MAX_NESTING {
            return Err(Diagnostic::error(node.span(), "expression too deeply nested"));
        }
        node.children(&mut |child| stack.push((child, depth + 1)));
    }
    Ok(())
}
