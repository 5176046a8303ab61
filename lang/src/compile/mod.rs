//! The bytecompiler: a parsed compilation unit (plus the prelude) in, a
//! [`vm::program::Program`] out.
//!
//! ```text
//!  declare   classes, fields (layouts), methods, properties, vtables, itables,
//!            constants, enums, the entry point             (declare.rs, consts.rs)
//!  bodies    one method at a time: statements, expressions, calls, places,
//!            lambdas and their display classes           (stmt.rs, expr.rs,
//!                                                         call.rs, place.rs,
//!                                                         closures.rs, scope.rs)
//!  emit      instructions, labels, registers, handlers          (emit.rs)
//! ```
//!
//! Every error is collected with its span and compilation goes on: an
//! expression that failed has type [`Type::Error`], which accepts everything
//! and reports nothing more, so one mistake gives one message.
//!
//! A method whose body contains lambdas is compiled twice. The first pass
//! (`Captures::analyzing`) runs the ordinary code generator only to learn which
//! variables lambdas capture and which lambdas use `this`; its output is
//! thrown away. The second pass then keeps captured variables in display
//! classes from the start of their scope. Using the code generator itself for
//! the analysis means the two can never disagree about scopes.

mod body;
mod call;
mod closures;
mod consts;
mod create;
mod declare;
mod emit;
mod expr;
mod members;
mod place;
mod scope;
mod stmt;
#[cfg(test)]
mod tests;
pub mod types;

use std::collections::{HashMap, HashSet};

use indexmap::IndexMap;

use bumpalo::Bump;
use vm::bytecode::{ClassId, ConstId, FieldSlot, Instr, MethodId, StaticId};
use vm::program::{Constant, Program};

use crate::ast::{self, Span};
use crate::diagnostic::Diagnostic;

pub use consts::ConstValue;
use scope::{Captures, DcInfo, FnState, Scope, VarInfo};
use types::Type;

/// The built-in exception classes and interfaces, compiled with every program.
pub const PRELUDE: &str = include_str!("../prelude.toy");

/// Parses and compiles a program.
pub fn compile_source(source: &str, file_name: &str) -> Result<Program, Vec<Diagnostic>> {
    let arena = Bump::new();
    let (unit, diags) = crate::parser::parse(&arena, source);
    let Some(unit) = unit else {
        if diags.is_empty() {
            return Err(vec![Diagnostic::error(Span::default(), "the program could not be parsed")]);
        }
        return Err(diags);
    };
    if !diags.is_empty() {
        // Declarations the parser could not read would only produce
        // cascades of "does not exist" errors.
        return Err(diags);
    }
    compile(unit, source, file_name)
}

/// Compiles a parsed unit, plus the prelude (parsed here), into a program.
/// `source` is the unit's text (for line numbers); `file_name` is what stack
/// traces call the file.
pub fn compile<'a>(
    unit: &'a ast::CompilationUnit<'a>,
    source: &str,
    file_name: &str,
) -> Result<Program, Vec<Diagnostic>> {
    let arena = Bump::new();
    let (prelude, prelude_diags) = crate::parser::parse(&arena, PRELUDE);
    let mut internal: Vec<Diagnostic> = prelude_diags
        .into_iter()
        .map(|d| Diagnostic::error(Span::default(), format!("internal error in the prelude: {}", d.message)))
        .collect();
    let Some(prelude) = prelude else {
        internal.push(Diagnostic::error(Span::default(), "internal error: the prelude could not be parsed"));
        return Err(internal);
    };
    let mut c = Compiler::new(file_name, source);
    c.diags.extend(internal);
    c.declare(unit, prelude);
    c.compile_bodies();
    c.finish()
}

/// Which text a declaration comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Origin {
    User,
    Prelude,
}

/// Line starts of a source text, for `Method::lines`.
struct SourceLines {
    starts: Vec<u32>,
}

impl SourceLines {
    fn new(text: &str) -> SourceLines {
        let mut starts = vec![0];
        starts.extend(text.bytes().enumerate().filter(|(_, b)| *b == b'\n').map(|(i, _)| i as u32 + 1));
        SourceLines { starts }
    }

    /// The 1-based line of a byte offset.
    fn line(&self, pos: u32) -> u32 {
        self.starts.partition_point(|&s| s <= pos) as u32
    }
}

/// What the compiler knows about a class, struct, interface or enum.
pub(crate) struct ClassInfo<'a> {
    pub name: String,
    pub namespace: String,
    pub kind: ast::TypeKind,
    pub decl: Option<&'a ast::TypeDecl<'a>>,
    pub origin: Origin,
    /// The type it is nested in (`A` for `A.Inner`).
    pub outer: Option<ClassId>,
    pub base: Option<ClassId>,
    /// Interfaces named in the declaration.
    pub interfaces: Vec<ClassId>,
    /// Every interface it implements, directly, through bases or through
    /// other interfaces.
    pub all_interfaces: Vec<ClassId>,
    pub is_static: bool,
    pub is_abstract: bool,
    pub fields: Vec<FieldInfo<'a>>,
    /// Methods declared here (not accessors or constructors).
    pub methods: Vec<MethodId>,
    pub props: Vec<PropInfo<'a>>,
    pub ctors: Vec<MethodId>,
    pub cctor: Option<MethodId>,
    pub enum_members: Vec<(String, i64)>,
    pub vtable: Vec<MethodId>,
    /// Instance fields including the bases'.
    pub instance_fields: u16,
    /// Set for display classes: lambdas and captured variables live there.
    pub is_display: bool,
    /// Library interfaces it declares (`IComparable<T>`): the library finds
    /// their methods by name.
    pub lib_interfaces: Vec<Type>,
}

impl ClassInfo<'_> {
    fn new(name: String, namespace: String, kind: ast::TypeKind, origin: Origin) -> Self {
        ClassInfo {
            name,
            namespace,
            kind,
            decl: None,
            origin,
            outer: None,
            base: None,
            interfaces: Vec::new(),
            all_interfaces: Vec::new(),
            is_static: false,
            is_abstract: false,
            fields: Vec::new(),
            methods: Vec::new(),
            props: Vec::new(),
            ctors: Vec::new(),
            cctor: None,
            enum_members: Vec::new(),
            vtable: Vec::new(),
            instance_fields: 0,
            is_display: false,
            lib_interfaces: Vec::new(),
        }
    }

    pub fn full_name(&self) -> String {
        if self.namespace.is_empty() { self.name.clone() } else { format!("{}.{}", self.namespace, self.name) }
    }
}

#[derive(Clone, Debug)]
pub(crate) enum FieldKind {
    Instance(FieldSlot),
    Static(StaticId),
    /// A `const`: its value once evaluated (`None` while unknown).
    Const(Option<ConstValue>),
}

pub(crate) struct FieldInfo<'a> {
    pub name: String,
    pub ty: Type,
    pub kind: FieldKind,
    pub readonly: bool,
    pub init: Option<&'a ast::Expr<'a>>,
    pub span: Span,
    pub origin: Origin,
    /// `true` for the backing field of an auto-property.
    pub is_backing: bool,
}

pub(crate) struct PropInfo<'a> {
    pub name: String,
    pub ty: Type,
    pub is_static: bool,
    pub getter: Option<MethodId>,
    pub setter: Option<MethodId>,
    /// The backing field of an auto-property (index into the class's fields).
    pub backing: Option<usize>,
    /// Accessors are virtual: access must call them.
    pub is_virtual: bool,
    /// An indexer (`this[...]`).
    pub is_indexer: bool,
    pub decl: Option<&'a ast::PropertyDecl<'a>>,
}

#[derive(Clone, Debug)]
pub(crate) struct ParamInfo {
    pub name: String,
    pub ty: Type,
    pub modifier: ast::ParamModifier,
    pub default: Option<ConstValue>,
    pub span: Span,
}

/// Where a method's code comes from.
#[derive(Clone, Copy)]
pub(crate) enum BodySource<'a> {
    /// Abstract and interface methods, and methods compiled elsewhere
    /// (lambdas).
    None,
    Method(&'a ast::MethodDecl<'a>),
    /// An instance constructor (`None`: the implicit default constructor).
    Ctor(Option<&'a ast::ConstructorDecl<'a>>),
    /// The static constructor: static field initializers, then the body.
    Cctor(Option<&'a ast::ConstructorDecl<'a>>),
    Getter(&'a ast::PropertyDecl<'a>),
    Setter(&'a ast::PropertyDecl<'a>),
    /// An auto-property's accessors: the backing field's index in the class.
    AutoGetter(usize),
    AutoSetter(usize),
    /// `Object.ToString` / `Equals` / `GetHashCode`.
    ObjectMethod(&'static str),
    /// A prelude `extern` member: calls the native `Class.Name`.
    Extern,
    /// Top-level statements.
    TopLevel(&'a [ast::Stmt<'a>]),
}

pub(crate) struct MethodInfo<'a> {
    pub name: String,
    pub class: ClassId,
    pub params: Vec<ParamInfo>,
    pub ret: Type,
    pub is_static: bool,
    /// Dispatched through the vtable or itable (`CallVirt`).
    pub is_virtual: bool,
    pub is_abstract: bool,
    pub is_override: bool,
    pub is_ctor: bool,
    pub is_extension: bool,
    pub is_async: bool,
    pub body: BodySource<'a>,
    pub span: Span,
    pub origin: Origin,
    /// For a property accessor: the property's index in its class.
    pub property: Option<usize>,
}

pub(crate) struct Compiler<'a> {
    pub program: Program,
    pub diags: Vec<Diagnostic>,
    pub classes: Vec<ClassInfo<'a>>,
    pub methods: Vec<MethodInfo<'a>>,
    /// Simple name -> classes with that name.
    pub types_by_name: IndexMap<String, Vec<ClassId>>,
    /// Every namespace declared or known, and their prefixes.
    pub namespaces: HashSet<String>,
    /// Extension methods by name.
    pub extensions: IndexMap<String, Vec<MethodId>>,
    /// `Object.ToString`, `Object.Equals`, `Object.GetHashCode`.
    pub object_methods: [MethodId; 3],
    pub exception_class: Option<ClassId>,
    user_lines: SourceLines,
    /// Which source the code being compiled comes from.
    pub origin: Origin,
    /// The class whose declaration is being read (its bases, members'
    /// types): where type names resolve when no function is compiled.
    pub decl_context: Option<ClassId>,
    /// Nesting of speculative compilation (diagnostics are discarded).
    pub speculating: u32,

    // ----- per method body ------------------------------------------------
    pub fns: Vec<FnState<'a>>,
    pub scopes: Vec<Scope>,
    pub vars: Vec<VarInfo>,
    pub dcs: Vec<DcInfo>,
    pub captures: Captures,
    /// Display classes already made for a scope (copies of `finally` blocks
    /// compile a scope twice).
    pub dc_classes: HashMap<scope::ScopeKey, ClassId>,
    /// The method whose body is being compiled, and its ordinal for the
    /// names of lambdas and display classes (`<Main>b__0_1`).
    pub cur_method: Option<MethodId>,
    pub method_ordinal: u32,
    pub lambda_counter: u32,
    pub dc_counter: u32,
    /// Lambdas' inferred result types, by lambda and parameter types.
    pub inferred: Vec<((u32, u32), Vec<Type>, Type)>,

    // ----- declarations ---------------------------------------------------
    /// Default parameter values to evaluate once constants are known.
    pub pending_defaults: Vec<(MethodId, usize, &'a ast::Expr<'a>)>,
    /// The enum whose members are being evaluated.
    pub const_enum: Option<ClassId>,
    /// Const fields being evaluated (to report cycles).
    pub const_in_progress: Vec<(ClassId, usize)>,
    /// `<Main>$`, when the program has top-level statements.
    pub top_level_entry: Option<MethodId>,
}

/// What [`Compiler::snapshot`] saves so that speculative compilation can be
/// undone.
pub(crate) struct Snapshot {
    methods: usize,
    classes: usize,
    consts: usize,
    diags: usize,
    method_infos: usize,
    class_infos: usize,
    vars: usize,
    dcs: usize,
    lambda_counter: u32,
    dc_counter: u32,
}

impl<'a> Compiler<'a> {
    fn new(file_name: &str, source: &str) -> Compiler<'a> {
        let program = Program::new(file_name);
        let classes = vm::program::BuiltinClass::ALL
            .iter()
            .map(|b| {
                let mut c = ClassInfo::new(
                    b.name().to_string(),
                    b.namespace().to_string(),
                    ast::TypeKind::Class,
                    Origin::Prelude,
                );
                if *b != vm::program::BuiltinClass::Object {
                    c.base = Some(vm::program::BuiltinClass::Object.id());
                }
                if *b == vm::program::BuiltinClass::StrongBox {
                    c.instance_fields = 1;
                }
                c
            })
            .collect();
        Compiler {
            program,
            diags: Vec::new(),
            classes,
            methods: Vec::new(),
            types_by_name: IndexMap::new(),
            namespaces: HashSet::new(),
            extensions: IndexMap::new(),
            object_methods: [MethodId(0); 3],
            exception_class: None,
            user_lines: SourceLines::new(source),
            origin: Origin::User,
            decl_context: None,
            speculating: 0,
            fns: Vec::new(),
            scopes: Vec::new(),
            vars: Vec::new(),
            dcs: Vec::new(),
            captures: Captures::default(),
            dc_classes: HashMap::new(),
            cur_method: None,
            method_ordinal: 0,
            lambda_counter: 0,
            dc_counter: 0,
            inferred: Vec::new(),
            pending_defaults: Vec::new(),
            const_enum: None,
            const_in_progress: Vec::new(),
            top_level_entry: None,
        }
    }

    /// Reports an error at `span` of the code being compiled.
    pub fn error(&mut self, span: Span, message: impl Into<String>) {
        let message = message.into();
        match self.origin {
            Origin::User => self.diags.push(Diagnostic::error(span, message)),
            Origin::Prelude => {
                self.diags.push(Diagnostic::error(
                    Span::default(),
                    format!("internal error in the prelude (at byte {}): {message}", span.start),
                ));
            }
        }
    }

    /// The 1-based line of a position in the code being compiled (0 in the
    /// prelude, whose lines mean nothing to a user).
    pub fn line_of(&self, span: Span) -> u32 {
        match self.origin {
            Origin::User => self.user_lines.line(span.start),
            Origin::Prelude => 0,
        }
    }

    pub fn add_const(&mut self, c: Constant) -> ConstId {
        self.program.add_const(c)
    }

    pub fn class(&self, id: ClassId) -> &ClassInfo<'a> {
        &self.classes[id.index()]
    }

    pub fn is_enum(&self, id: ClassId) -> bool {
        self.classes.get(id.index()).is_some_and(|c| c.kind == ast::TypeKind::Enum)
    }

    /// What kind of type a class id names (`None` for the built-in
    /// classes, which stand for primitives and library types too).
    pub fn type_kind(&self, id: ClassId) -> Option<ast::TypeKind> {
        if id.index() < vm::program::BuiltinClass::ALL.len() {
            return None;
        }
        self.classes.get(id.index()).map(|c| c.kind)
    }

    pub fn is_interface(&self, id: ClassId) -> bool {
        self.classes.get(id.index()).is_some_and(|c| c.kind == ast::TypeKind::Interface)
    }

    /// A type as error messages print it.
    pub fn type_name(&self, t: &Type) -> String {
        types::TypeDisplay { ty: t, class_name: |c: ClassId| self.classes[c.index()].name.clone() }.to_string()
    }

    /// Whether `class` is `ancestor`, derives from it, or implements it.
    pub fn derives_from(&self, class: ClassId, ancestor: ClassId) -> bool {
        if ancestor == vm::program::BuiltinClass::Object.id() {
            return true;
        }
        let mut c = Some(class);
        let mut guard = 0;
        while let Some(id) = c {
            if id == ancestor {
                return true;
            }
            guard += 1;
            if guard > 1000 {
                return false;
            }
            c = self.classes[id.index()].base;
        }
        self.classes[class.index()].all_interfaces.contains(&ancestor)
    }

    pub fn snapshot(&self) -> Snapshot {
        Snapshot {
            methods: self.program.methods.len(),
            classes: self.program.classes.len(),
            consts: self.program.consts.len(),
            diags: self.diags.len(),
            method_infos: self.methods.len(),
            class_infos: self.classes.len(),
            vars: self.vars.len(),
            dcs: self.dcs.len(),
            lambda_counter: self.lambda_counter,
            dc_counter: self.dc_counter,
        }
    }

    /// Undoes everything added to the program since the snapshot.
    pub fn rollback(&mut self, s: Snapshot) {
        self.program.methods.truncate(s.methods);
        self.program.classes.truncate(s.classes);
        self.program.consts.truncate(s.consts);
        self.diags.truncate(s.diags);
        self.methods.truncate(s.method_infos);
        self.classes.truncate(s.class_infos);
        self.vars.truncate(s.vars);
        self.dcs.truncate(s.dcs);
        self.lambda_counter = s.lambda_counter;
        self.dc_counter = s.dc_counter;
        let n = s.classes as u32;
        self.dc_classes.retain(|_, c| c.0 < n);
    }

    /// Emits one instruction into the current function.
    pub fn emit(&mut self, i: Instr) {
        if let Some(f) = self.fns.last_mut() {
            f.b.emit(i);
        }
    }

    fn finish(mut self) -> Result<Program, Vec<Diagnostic>> {
        if self.diags.is_empty() {
            return Ok(self.program);
        }
        // Copies of `finally` blocks are compiled more than once: report
        // each problem once, in source order.
        let mut seen = HashSet::new();
        self.diags.retain(|d| seen.insert((d.span, d.message.clone())));
        self.diags.sort_by_key(|d| (d.span.start, d.span.end));
        Err(self.diags)
    }
}
