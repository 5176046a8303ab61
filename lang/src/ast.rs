//! The abstract syntax tree of a `.toy` compilation unit.
//!
//! Every node lives in a `bumpalo::Bump` arena owned by the caller of the
//! parser, so nodes are plain `&'a` references, never dropped one by one (a
//! deeply nested tree costs no recursive drop). The tree is exactly what was
//! written: names are not resolved here and no desugaring happens, so that the
//! resolver can report errors against the source the user typed.
//!
//! Invariant guaranteed by the parser: no path from a node to a leaf is longer
//! than [`MAX_NESTING`], so recursive passes over the tree cannot overflow the
//! native stack.

/// The deepest nesting of expressions and statements the parser accepts.
pub const MAX_NESTING: usize = 256;

/// A byte range of the source text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct Span {
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Span {
        Span { start: start as u32, end: end as u32 }
    }
    /// The smallest span covering both.
    pub fn to(self, other: Span) -> Span {
        Span { start: self.start.min(other.start), end: self.end.max(other.end) }
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Ident<'a> {
    pub name: &'a str,
    pub span: Span,
}

/// A whole `.toy` file.
#[derive(Debug)]
pub struct CompilationUnit<'a> {
    pub usings: &'a [Using<'a>],
    /// `[assembly: ...]` attributes.
    pub attributes: &'a [Attribute<'a>],
    /// Type declarations and namespaces, in source order.
    pub items: &'a [Item<'a>],
    /// Top-level statements (C# 9), empty when the program has a `Main`.
    pub top_level: &'a [Stmt<'a>],
}

#[derive(Debug)]
pub struct Using<'a> {
    /// Dotted path as written, e.g. `System.Threading.Tasks`.
    pub path: &'a str,
    pub span: Span,
}

#[derive(Debug)]
pub enum Item<'a> {
    /// `namespace N { ... }` or file-scoped `namespace N;` (then `items` holds
    /// everything that follows it). `name` is dotted.
    Namespace {
        name: Ident<'a>,
        items: &'a [Item<'a>],
    },
    Type(&'a TypeDecl<'a>),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TypeKind {
    Class,
    Struct,
    Interface,
    Enum,
}

/// Declaration modifiers, as a bit set.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Modifiers(pub u32);

impl Modifiers {
    pub const PUBLIC: u32 = 1 << 0;
    pub const PRIVATE: u32 = 1 << 1;
    pub const PROTECTED: u32 = 1 << 2;
    pub const INTERNAL: u32 = 1 << 3;
    pub const STATIC: u32 = 1 << 4;
    pub const READONLY: u32 = 1 << 5;
    pub const SEALED: u32 = 1 << 6;
    pub const ABSTRACT: u32 = 1 << 7;
    pub const VIRTUAL: u32 = 1 << 8;
    pub const OVERRIDE: u32 = 1 << 9;
    pub const NEW: u32 = 1 << 10;
    pub const CONST: u32 = 1 << 11;
    pub const ASYNC: u32 = 1 << 12;
    pub const PARTIAL: u32 = 1 << 13;
    pub const EXTERN: u32 = 1 << 14;

    pub fn has(self, bit: u32) -> bool {
        self.0 & bit != 0
    }
}

#[derive(Debug)]
pub struct TypeDecl<'a> {
    pub kind: TypeKind,
    pub name: Ident<'a>,
    pub modifiers: Modifiers,
    pub attributes: &'a [Attribute<'a>],
    /// Base class and interfaces, as written after `:`.
    pub bases: &'a [TypeRef<'a>],
    pub members: &'a [Member<'a>],
    /// For `enum` only.
    pub enum_members: &'a [EnumMember<'a>],
    pub span: Span,
}

#[derive(Debug)]
pub struct EnumMember<'a> {
    pub name: Ident<'a>,
    pub value: Option<&'a Expr<'a>>,
}

#[derive(Debug)]
pub struct Attribute<'a> {
    /// `assembly` in `[assembly: ConfigureAwait(false)]`.
    pub target: Option<Ident<'a>>,
    pub name: Ident<'a>,
    pub args: &'a [Expr<'a>],
    pub span: Span,
}

/// A type as written.
#[derive(Clone, Copy, Debug)]
pub struct TypeRef<'a> {
    pub kind: TypeRefKind<'a>,
    pub span: Span,
}

#[derive(Clone, Copy, Debug)]
pub enum TypeRefKind<'a> {
    /// `int`, `string`, `var`, `Foo`, `N.Foo`, `List<int>`, `Func<int, Task<int>>`.
    /// Predefined type keywords appear here by their keyword (`int`, `object`, `void`).
    Named { name: &'a str, args: &'a [TypeRef<'a>] },
    /// `T[]`
    Array(&'a TypeRef<'a>),
    /// `T?`
    Nullable(&'a TypeRef<'a>),
}

#[derive(Debug)]
pub enum Member<'a> {
    Field(FieldDecl<'a>),
    Method(MethodDecl<'a>),
    Constructor(ConstructorDecl<'a>),
    Property(PropertyDecl<'a>),
    NestedType(&'a TypeDecl<'a>),
}

#[derive(Debug)]
pub struct FieldDecl<'a> {
    pub attributes: &'a [Attribute<'a>],
    pub modifiers: Modifiers,
    pub ty: TypeRef<'a>,
    pub declarators: &'a [Declarator<'a>],
    pub span: Span,
}

/// `name` or `name = init` in a field or local declaration.
#[derive(Debug)]
pub struct Declarator<'a> {
    pub name: Ident<'a>,
    pub init: Option<&'a Expr<'a>>,
}

#[derive(Debug)]
pub struct MethodDecl<'a> {
    pub attributes: &'a [Attribute<'a>],
    pub modifiers: Modifiers,
    pub return_type: TypeRef<'a>,
    pub name: Ident<'a>,
    /// Generic method type parameters (extended level).
    pub type_params: &'a [Ident<'a>],
    pub params: &'a [Param<'a>],
    /// `None` for abstract and interface methods.
    pub body: Option<Body<'a>>,
    pub span: Span,
}

#[derive(Debug)]
pub struct ConstructorDecl<'a> {
    pub attributes: &'a [Attribute<'a>],
    pub modifiers: Modifiers,
    pub name: Ident<'a>,
    pub params: &'a [Param<'a>],
    pub initializer: Option<ConstructorInitializer<'a>>,
    pub body: Body<'a>,
    pub span: Span,
}

#[derive(Debug)]
pub struct ConstructorInitializer<'a> {
    /// `true` for `: this(...)`, `false` for `: base(...)`.
    pub is_this: bool,
    pub args: &'a [Arg<'a>],
    pub span: Span,
}

#[derive(Debug)]
pub struct PropertyDecl<'a> {
    pub attributes: &'a [Attribute<'a>],
    pub modifiers: Modifiers,
    pub ty: TypeRef<'a>,
    /// `this` for an indexer.
    pub name: Ident<'a>,
    /// Indexer parameters; empty for a property.
    pub params: &'a [Param<'a>],
    /// `get`, with its own modifiers and optional body (`None` = auto).
    pub getter: Option<Accessor<'a>>,
    pub setter: Option<Accessor<'a>>,
    /// `int P => expr;`: a get-only property with this body.
    pub expr_body: Option<&'a Expr<'a>>,
    /// `{ get; set; } = init;`
    pub init: Option<&'a Expr<'a>>,
    pub span: Span,
}

#[derive(Debug)]
pub struct Accessor<'a> {
    pub modifiers: Modifiers,
    pub body: Option<Body<'a>>,
    pub span: Span,
}

#[derive(Clone, Copy, Debug)]
pub enum Body<'a> {
    Block(&'a Block<'a>),
    /// `=> expr;`
    Expr(&'a Expr<'a>),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ParamModifier {
    None,
    Ref,
    Out,
    In,
    /// `this` on the first parameter of an extension method.
    This,
    Params,
}

#[derive(Debug)]
pub struct Param<'a> {
    pub modifier: ParamModifier,
    pub ty: TypeRef<'a>,
    pub name: Ident<'a>,
    pub default: Option<&'a Expr<'a>>,
    pub span: Span,
}

#[derive(Debug)]
pub struct Block<'a> {
    pub stmts: &'a [Stmt<'a>],
    pub span: Span,
}

#[derive(Debug)]
pub struct Stmt<'a> {
    pub kind: StmtKind<'a>,
    pub span: Span,
}

#[derive(Debug)]
pub enum StmtKind<'a> {
    Block(&'a Block<'a>),
    /// `int a = 1, b;` / `var x = e;` / `const int K = 3;` / `using var r = e;`
    Local(LocalDecl<'a>),
    Expr(&'a Expr<'a>),
    If {
        cond: &'a Expr<'a>,
        then: &'a Stmt<'a>,
        else_: Option<&'a Stmt<'a>>,
    },
    While {
        cond: &'a Expr<'a>,
        body: &'a Stmt<'a>,
    },
    DoWhile {
        body: &'a Stmt<'a>,
        cond: &'a Expr<'a>,
    },
    For {
        /// Either one `Local` statement or expression statements.
        init: &'a [Stmt<'a>],
        cond: Option<&'a Expr<'a>>,
        step: &'a [Expr<'a>],
        body: &'a Stmt<'a>,
    },
    Foreach {
        ty: TypeRef<'a>,
        name: Ident<'a>,
        iterable: &'a Expr<'a>,
        body: &'a Stmt<'a>,
    },
    Break,
    Continue,
    Return(Option<&'a Expr<'a>>),
    /// `throw e;` or the rethrow `throw;`.
    Throw(Option<&'a Expr<'a>>),
    Try {
        body: &'a Block<'a>,
        catches: &'a [Catch<'a>],
        finally: Option<&'a Block<'a>>,
    },
    Switch {
        scrutinee: &'a Expr<'a>,
        sections: &'a [SwitchSection<'a>],
    },
    /// `using (var x = e) body` / `using (e) body`.
    Using {
        resource: UsingResource<'a>,
        body: &'a Stmt<'a>,
    },
    Lock {
        target: &'a Expr<'a>,
        body: &'a Stmt<'a>,
    },
    Empty,
}

#[derive(Debug)]
pub struct LocalDecl<'a> {
    pub ty: TypeRef<'a>,
    pub declarators: &'a [Declarator<'a>],
    pub is_const: bool,
    /// `using var x = e;`
    pub is_using: bool,
}

#[derive(Debug)]
pub enum UsingResource<'a> {
    Decl(LocalDecl<'a>),
    Expr(&'a Expr<'a>),
}

#[derive(Debug)]
pub struct Catch<'a> {
    /// `None` for a bare `catch { }`.
    pub ty: Option<TypeRef<'a>>,
    pub name: Option<Ident<'a>>,
    /// `when (cond)`
    pub filter: Option<&'a Expr<'a>>,
    pub body: &'a Block<'a>,
    pub span: Span,
}

#[derive(Debug)]
pub struct SwitchSection<'a> {
    pub labels: &'a [SwitchLabel<'a>],
    pub body: &'a [Stmt<'a>],
}

#[derive(Debug)]
pub enum SwitchLabel<'a> {
    Case(&'a Expr<'a>),
    Default(Span),
}

#[derive(Debug)]
pub struct Expr<'a> {
    pub kind: ExprKind<'a>,
    pub span: Span,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Literal<'a> {
    Null,
    Bool(bool),
    /// An integer literal without suffix.
    Int(i64),
    /// `123L`
    Long(i64),
    Double(f64),
    /// `1.5m`
    Decimal(f64),
    Char(u16),
    /// The string's value, escapes already processed.
    String(&'a str),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnaryOp {
    Neg,
    Plus,
    Not,
    BitNot,
    PreInc,
    PreDec,
    PostInc,
    PostDec,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinaryOp {
    Add,
    Sub,
    Mul,
    Div,
    Rem,
    Shl,
    Shr,
    BitAnd,
    BitOr,
    BitXor,
    /// `&&`
    And,
    /// `||`
    Or,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    /// `??`
    Coalesce,
}

#[derive(Debug)]
pub enum InterpolationPart<'a> {
    Text(&'a str),
    /// `{expr,align:format}`
    Expr {
        expr: &'a Expr<'a>,
        align: Option<&'a Expr<'a>>,
        format: Option<&'a str>,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArgModifier {
    None,
    Ref,
    Out,
    In,
}

#[derive(Debug)]
pub struct Arg<'a> {
    /// `name:` for a named argument.
    pub name: Option<Ident<'a>>,
    pub modifier: ArgModifier,
    /// For `out var x` / `out int x`, a [`ExprKind::DeclarationExpr`].
    pub value: &'a Expr<'a>,
}

#[derive(Debug)]
pub enum Initializer<'a> {
    /// `{ X = 1, Y = 2 }`
    Object(&'a [(Ident<'a>, &'a Expr<'a>)]),
    /// `{ 1, 2 }` or `{ { "k", 1 }, { "j", 2 } }`: each element's expressions.
    Collection(&'a [&'a [Expr<'a>]]),
}

#[derive(Debug)]
pub struct LambdaParam<'a> {
    /// `(int x) => ..` has a type; `x => ..` does not.
    pub ty: Option<TypeRef<'a>>,
    pub name: Ident<'a>,
}

#[derive(Debug)]
pub enum ExprKind<'a> {
    Literal(Literal<'a>),
    /// `$"a{x}b"` and `$@"..."`.
    Interpolated(&'a [InterpolationPart<'a>]),
    /// A simple name: a local, parameter, field, property, method, type or
    /// namespace (the resolver decides). Predefined type keywords used as
    /// expressions (`int.Parse`, `string.Join`) are names too.
    Name(Ident<'a>),
    /// `Name<T, U>` used as an expression, e.g. the callee of a generic method call.
    GenericName {
        name: Ident<'a>,
        type_args: &'a [TypeRef<'a>],
    },
    /// `target.name`, `target?.name`, `target.name<T>`.
    Member {
        target: &'a Expr<'a>,
        name: Ident<'a>,
        type_args: &'a [TypeRef<'a>],
        null_conditional: bool,
    },
    Call {
        callee: &'a Expr<'a>,
        args: &'a [Arg<'a>],
    },
    /// `a[i]`, `a?[i]`.
    Index {
        target: &'a Expr<'a>,
        args: &'a [Expr<'a>],
        null_conditional: bool,
    },
    Unary {
        op: UnaryOp,
        operand: &'a Expr<'a>,
    },
    Binary {
        op: BinaryOp,
        lhs: &'a Expr<'a>,
        rhs: &'a Expr<'a>,
    },
    /// `target = value` (`op == None`), `target op= value`, `target ??= value`
    /// (`op == Some(Coalesce)`).
    Assign {
        op: Option<BinaryOp>,
        target: &'a Expr<'a>,
        value: &'a Expr<'a>,
    },
    Conditional {
        cond: &'a Expr<'a>,
        then: &'a Expr<'a>,
        else_: &'a Expr<'a>,
    },
    /// `new T(args) { init }`; `args` is empty for `new T { ... }`.
    New {
        ty: TypeRef<'a>,
        args: &'a [Arg<'a>],
        init: Option<Initializer<'a>>,
    },
    /// `new T[n]`, `new T[] { .. }`, `new[] { .. }` (`elem_ty == None`).
    NewArray {
        elem_ty: Option<TypeRef<'a>>,
        size: Option<&'a Expr<'a>>,
        init: Option<&'a [Expr<'a>]>,
    },
    /// `{ 1, 2 }` as the initializer of an array-typed declaration.
    ArrayInit(&'a [Expr<'a>]),
    Lambda {
        is_async: bool,
        params: &'a [LambdaParam<'a>],
        body: Body<'a>,
    },
    /// `e is T`, `e is T name`.
    Is {
        expr: &'a Expr<'a>,
        ty: TypeRef<'a>,
        binding: Option<Ident<'a>>,
    },
    As {
        expr: &'a Expr<'a>,
        ty: TypeRef<'a>,
    },
    Cast {
        ty: TypeRef<'a>,
        expr: &'a Expr<'a>,
    },
    TypeOf(TypeRef<'a>),
    NameOf(&'a Expr<'a>),
    /// `default` (`None`) or `default(T)`.
    Default(Option<TypeRef<'a>>),
    This,
    Base,
    Await(&'a Expr<'a>),
    /// `throw e` as an expression (`x ?? throw new E()`).
    Throw(&'a Expr<'a>),
    /// `out var x` / `out int x` inside an argument list.
    DeclarationExpr {
        ty: TypeRef<'a>,
        name: Ident<'a>,
    },
}
