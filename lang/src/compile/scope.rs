//! Functions being compiled, their scopes and variables, and where each
//! variable lives.
//!
//! A variable lives in a register of its function, or, when a lambda
//! captures it, in a field of its scope's *display class*: an object made
//! when the scope is entered (once per iteration for a loop body), as C#
//! does, so that every lambda made in that scope instance shares it. A
//! display object links to the enclosing one (`CS$<>8__locals1`) and the
//! outermost one of a method holds `this` (`<>4__this`) when a lambda needs
//! it. A lambda is a method of the innermost display class around it (its
//! `this` is the display object), of the enclosing class when it captures
//! only `this`, or static when it captures nothing.
//!
//! `fns` is a stack: a lambda's body is compiled while its enclosing
//! function is suspended mid-expression. `scopes` is one stack for all of
//! them; each function remembers where its scopes start.

use std::collections::{HashMap, HashSet};

use vm::bytecode::{ClassId, FieldSlot, Instr, Reg};
use vm::program::{BuiltinClass, Class, ClassKind, DefaultValue, Field, SlotType};

use super::consts::ConstValue;
use super::emit::{Builder, Label};
use super::types::Type;
use super::{ClassInfo, Compiler, Origin};
use crate::ast::{self, Expr, ExprKind, Span, Stmt, StmtKind};

/// Identifies a variable declaration: its name's span.
pub(crate) type VarKey = (u32, u32);

/// Identifies a scope of the source: a kind and the span of its syntax.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) struct ScopeKey(pub ScopeKind, pub u32, pub u32);

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum ScopeKind {
    /// A method's or lambda's parameters and outermost locals.
    Function,
    Block,
    For,
    Foreach,
    Catch,
    Using,
    Switch,
    /// An embedded statement that is not a block (`if (..) F(out var x);`).
    Embedded,
}

impl ScopeKey {
    pub fn new(kind: ScopeKind, span: Span) -> ScopeKey {
        ScopeKey(kind, span.start, span.end)
    }
}

#[derive(Clone, Debug)]
pub(crate) enum Home {
    Reg(Reg),
    /// A `ref`/`out` parameter: the register holds a `StrongBox`.
    Boxed(Reg),
    /// A field of a display object.
    Captured {
        dc: usize,
        slot: FieldSlot,
    },
    /// A local `const`.
    Const(ConstValue),
}

pub(crate) struct VarInfo {
    pub name: String,
    pub ty: Type,
    pub home: Home,
    pub fn_depth: usize,
    pub key: VarKey,
    /// Why it cannot be assigned, if it cannot.
    pub readonly: Option<&'static str>,
}

/// A display object made in some function.
pub(crate) struct DcInfo {
    pub class: ClassId,
    /// Where the object is, in the function that made it.
    pub reg: Reg,
    pub fn_depth: usize,
    pub parent: Option<usize>,
    pub parent_slot: Option<FieldSlot>,
    pub this_slot: Option<FieldSlot>,
    /// The captured variables, by slot.
    pub keys: Vec<VarKey>,
}

pub(crate) struct Scope {
    pub key: ScopeKey,
    pub vars: Vec<(String, usize)>,
    pub dc: Option<usize>,
    pub mark: u16,
}

/// What `R[0]` of a function is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ThisKind {
    /// Nothing: a static method, or a lambda that captures nothing.
    None,
    /// `this`: an instance method, or a lambda that captures only `this`.
    Instance,
    /// A display object (index into `dcs`): a lambda that captures variables.
    Display(usize),
}

/// What `return` must be followed by.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum RetKind {
    /// `return;` (void methods, constructors, `async Task` methods).
    Void,
    /// `return e;` with `e` converted to this type.
    Value(Type),
    /// A lambda whose result type is being inferred: anything goes, and the
    /// types are collected.
    Infer,
}

/// A way out of a statement that `break`, `continue` and `return` pass
/// through.
pub(crate) enum Exit<'a> {
    Loop {
        brk: Label,
        cont: Label,
    },
    Switch {
        brk: Label,
    },
    /// A `try` statement: its record in `FnState::tries`, its finally
    /// block, copied onto every exit that leaves it, and how many scopes
    /// were open when it started (a copy of the finally block sees only
    /// those).
    Try {
        record: usize,
        finally: Option<Finally<'a>>,
        scopes: usize,
    },
}

/// The code a `finally` runs.
#[derive(Clone, Copy)]
pub(crate) enum Finally<'a> {
    Block(&'a ast::Block<'a>),
    /// `using`: dispose the variable when it is not null.
    Dispose {
        var: usize,
    },
}

pub(crate) struct FnState<'a> {
    pub b: Builder,
    /// Parameters, counting `this` (they are `R[0] .. R[arity-1]`).
    pub arity: u16,
    /// Registers reserved for the variables the current statement declares
    /// in expressions (`out var x`, `is T x`), in order.
    pub pre_regs: std::collections::VecDeque<Reg>,
    pub this: ThisKind,
    /// The class whose members are in scope.
    pub class: ClassId,
    /// No `this` in the source's sense (static methods and their lambdas).
    pub is_static: bool,
    pub ret: RetKind,
    pub is_async: bool,
    pub is_ctor: bool,
    pub is_cctor: bool,
    pub exits: Vec<Exit<'a>>,
    /// Per `try` statement: ranges of copied finally code its handlers must
    /// not cover.
    pub tries: Vec<Vec<(u32, u32)>>,
    /// Exception registers of the enclosing catch blocks (for `throw;`).
    pub catch_regs: Vec<Reg>,
    /// `exits.len()` where each enclosing finally block started (control
    /// cannot leave a finally block).
    pub finally_bases: Vec<usize>,
    pub scope_base: usize,
    /// The lambda this function is (its span), for capture information.
    pub lambda: Option<Span>,
    /// Result types of `return e;`, for inference.
    pub returns: Vec<Type>,
    /// The method's name, for messages.
    pub name: String,
}

impl<'a> FnState<'a> {
    pub fn new(arity: u16, class: ClassId, this: ThisKind, is_static: bool, ret: RetKind, name: String) -> FnState<'a> {
        FnState {
            b: Builder::new(arity),
            arity,
            pre_regs: std::collections::VecDeque::new(),
            this,
            class,
            is_static,
            ret,
            is_async: false,
            is_ctor: false,
            is_cctor: false,
            exits: Vec::new(),
            tries: Vec::new(),
            catch_regs: Vec::new(),
            finally_bases: Vec::new(),
            scope_base: 0,
            lambda: None,
            returns: Vec::new(),
            name,
        }
    }
}

#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct LambdaCaps {
    /// It uses variables of enclosing functions.
    pub locals: bool,
    /// It uses `this`.
    pub this: bool,
}

/// What the analysis pass learns about a method body.
#[derive(Default)]
pub(crate) struct Captures {
    /// The analysis pass is running: record, do not lay out.
    pub analyzing: bool,
    pub captured: HashSet<VarKey>,
    /// Every declaration: its scope, name and default, in order.
    pub decls: Vec<(ScopeKey, VarKey, String, SlotType, DefaultValue)>,
    pub lambdas: HashMap<VarKey, LambdaCaps>,
    /// Some lambda of the method uses `this`.
    pub any_this: bool,
}

/// The result of compiling an expression: where the value is and its type.
#[derive(Clone, Debug)]
pub(crate) struct Val {
    pub reg: Reg,
    pub ty: Type,
}

/// Where an expression's value should go.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Dest {
    /// Any register; it may be a local's (then read it before that local
    /// can change).
    Any,
    Into(Reg),
}

impl<'a> Compiler<'a> {
    pub fn f(&mut self) -> &mut FnState<'a> {
        let n = self.fns.len();
        &mut self.fns[n - 1]
    }

    pub fn fr(&self) -> &FnState<'a> {
        &self.fns[self.fns.len() - 1]
    }

    pub fn b(&mut self) -> &mut Builder {
        &mut self.f().b
    }

    pub fn depth(&self) -> usize {
        self.fns.len() - 1
    }

    pub fn alloc(&mut self) -> Reg {
        self.b().alloc()
    }

    pub fn mark(&mut self) -> u16 {
        self.b().mark()
    }

    pub fn release(&mut self, m: u16) {
        self.b().release(m);
    }

    /// The register an expression's result goes to.
    pub fn dest_reg(&mut self, dest: Dest) -> Reg {
        match dest {
            Dest::Into(r) => r,
            Dest::Any => self.alloc(),
        }
    }

    pub fn new_label(&mut self) -> Label {
        self.b().new_label()
    }

    pub fn place(&mut self, l: Label) {
        self.b().place(l);
    }

    pub fn jump(&mut self, l: Label) {
        self.b().emit_jump(|target| Instr::Jump { target }, l);
    }

    pub fn set_line(&mut self, span: Span) {
        let line = self.line_of(span);
        self.b().line = line;
    }

    // ----- scopes ---------------------------------------------------------

    pub fn enter_scope(&mut self, key: ScopeKey) {
        let mark = self.mark();
        self.scopes.push(Scope { key, vars: Vec::new(), dc: None, mark });
        if self.captures.analyzing {
            return;
        }
        let mut seen = HashSet::new();
        let captured: Vec<(VarKey, String, SlotType, DefaultValue)> = self
            .captures
            .decls
            .iter()
            .filter(|(s, k, _, _, _)| *s == key && self.captures.captured.contains(k) && seen.insert(*k))
            .map(|(_, k, n, t, d)| (*k, n.clone(), *t, *d))
            .collect();
        if !captured.is_empty() {
            self.make_display(key, captured);
        }
    }

    pub fn exit_scope(&mut self) {
        if let Some(s) = self.scopes.pop() {
            self.release(s.mark);
        }
    }

    /// Makes the display object of the scope just entered.
    fn make_display(&mut self, key: ScopeKey, vars: Vec<(VarKey, String, SlotType, DefaultValue)>) {
        let parent = self.innermost_dc();
        let has_this = self.fr().this == ThisKind::Instance && parent.is_none() && self.captures.any_this;
        let n = vars.len() as u16;
        let parent_slot = parent.map(|_| FieldSlot(n));
        let this_slot = has_this.then(|| FieldSlot(n + u16::from(parent.is_some())));
        let class = match self.dc_classes.get(&key) {
            Some(c) => *c,
            None => {
                let ns = self.class(self.fr().class).namespace.clone();
                let name = format!("<>c__DisplayClass{}_{}", self.method_ordinal, self.dc_counter);
                self.dc_counter += 1;
                let mut c = Class::new(name.clone(), ns.clone(), ClassKind::Class);
                c.base = Some(BuiltinClass::Object.id());
                c.vtable = self.object_methods.to_vec();
                for (_, n, t, d) in &vars {
                    c.fields.push(Field { name: n.clone(), ty: *t, default: *d });
                }
                if parent.is_some() {
                    c.fields.push(Field {
                        name: "CS$<>8__locals1".into(),
                        ty: SlotType::Ref,
                        default: DefaultValue::Null,
                    });
                }
                if has_this {
                    c.fields.push(Field { name: "<>4__this".into(), ty: SlotType::Ref, default: DefaultValue::Null });
                }
                let fields = c.fields.len() as u16;
                let id = self.program.add_class(c);
                let mut info = ClassInfo::new(name, ns, ast::TypeKind::Class, Origin::User);
                info.base = Some(BuiltinClass::Object.id());
                info.is_display = true;
                info.instance_fields = fields;
                info.vtable = self.object_methods.to_vec();
                self.classes.push(info);
                self.dc_classes.insert(key, id);
                id
            }
        };
        let reg = self.alloc();
        self.emit(Instr::NewObject { dst: reg.dst(), class });
        if let (Some(p), Some(slot)) = (parent, parent_slot) {
            let m = self.mark();
            let src = self.dc_object(p);
            self.emit(Instr::SetField { obj: reg, field: slot, src, class });
            self.release(m);
        }
        if let Some(slot) = this_slot {
            self.emit(Instr::SetField { obj: reg, field: slot, src: Reg(0), class });
        }
        let fn_depth = self.depth();
        self.dcs.push(DcInfo {
            class,
            reg,
            fn_depth,
            parent,
            parent_slot,
            this_slot,
            keys: vars.iter().map(|(k, _, _, _)| *k).collect(),
        });
        let idx = self.dcs.len() - 1;
        if let Some(s) = self.scopes.last_mut() {
            s.dc = Some(idx);
        }
    }

    /// The display object a lambda made here would hang on: the innermost
    /// one of an enclosing scope of this function, else the function's own.
    pub fn innermost_dc(&self) -> Option<usize> {
        let base = self.fr().scope_base;
        for s in self.scopes[base..].iter().rev() {
            if let Some(d) = s.dc {
                return Some(d);
            }
        }
        match self.fr().this {
            ThisKind::Display(d) => Some(d),
            _ => None,
        }
    }

    /// A register holding display object `dc`, reached from this function.
    pub fn dc_object(&mut self, dc: usize) -> Reg {
        if self.dcs[dc].fn_depth == self.depth() {
            return self.dcs[dc].reg;
        }
        let ThisKind::Display(mut cur) = self.fr().this else {
            self.internal(Span::default(), "a captured variable is out of reach");
            return Reg(0);
        };
        let mut reg = Reg(0);
        let mut guard = 0;
        while cur != dc {
            guard += 1;
            let (Some(p), Some(slot)) = (self.dcs[cur].parent, self.dcs[cur].parent_slot) else {
                self.internal(Span::default(), "a captured variable is out of reach");
                return Reg(0);
            };
            if guard > 1000 {
                break;
            }
            let t = self.alloc();
            self.emit(Instr::GetField { dst: t.dst(), obj: reg, field: slot, class: self.dcs[cur].class });
            reg = t;
            cur = p;
        }
        reg
    }

    pub fn internal(&mut self, span: Span, what: &str) {
        if !self.captures.analyzing {
            self.error(span, format!("internal compiler error: {what}"));
        }
    }

    /// Loads `this` into a register (a parameter, or through display
    /// objects inside lambdas). `None` in a static context.
    pub fn this_reg(&mut self, span: Span) -> Option<Reg> {
        if self.fr().is_static {
            self.error(
                span,
                "Keyword 'this' is not valid in a static property, static method, or static field initializer",
            );
            return None;
        }
        self.note_this_use();
        match self.fr().this {
            ThisKind::Instance => Some(Reg(0)),
            ThisKind::Display(mut cur) => {
                let mut reg = Reg(0);
                let mut guard = 0;
                loop {
                    guard += 1;
                    if let Some(slot) = self.dcs[cur].this_slot {
                        let t = self.alloc();
                        self.emit(Instr::GetField { dst: t.dst(), obj: reg, field: slot, class: self.dcs[cur].class });
                        return Some(t);
                    }
                    match (self.dcs[cur].parent, self.dcs[cur].parent_slot) {
                        (Some(p), Some(slot)) if guard < 1000 => {
                            let t = self.alloc();
                            self.emit(Instr::GetField {
                                dst: t.dst(),
                                obj: reg,
                                field: slot,
                                class: self.dcs[cur].class,
                            });
                            reg = t;
                            cur = p;
                        }
                        _ => {
                            self.internal(span, "`this` is out of reach");
                            return Some(Reg(0));
                        }
                    }
                }
            }
            ThisKind::None => {
                // Analysis pass, or a lambda thought not to need `this`.
                self.internal(span, "`this` is out of reach");
                Some(Reg(0))
            }
        }
    }

    /// Records that the current function (and every lambda around it)
    /// uses `this`.
    pub fn note_this_use(&mut self) {
        if !self.captures.analyzing {
            return;
        }
        let depth = self.depth();
        if depth > 0 {
            self.captures.any_this = true;
        }
        for d in 1..=depth {
            if let Some(s) = self.fns[d].lambda {
                self.captures.lambdas.entry((s.start, s.end)).or_default().this = true;
            }
        }
    }

    // ----- variables ------------------------------------------------------

    /// Declares a variable in the innermost scope. `param` gives the
    /// register of a parameter; locals get a fresh one (or a display field).
    pub fn declare_var(&mut self, name: &str, span: Span, ty: Type, param: Option<Home>) -> usize {
        let key = (span.start, span.end);
        let fn_depth = self.depth();
        if name != "_" && self.lookup_in_function(name).is_some() {
            self.error(
                span,
                format!(
                    "A local variable or parameter named '{name}' is already defined in this scope or an enclosing one"
                ),
            );
        }
        let scope_key = self.scopes.last().map_or(ScopeKey(ScopeKind::Function, 0, 0), |s| s.key);
        if self.captures.analyzing {
            let (slot, default) = (ty.slot_type(|c| self.type_kind(c)), ty.default_value(|c| self.type_kind(c)));
            self.captures.decls.push((scope_key, key, name.to_string(), slot, default));
        }
        let captured_home = if !self.captures.analyzing && self.captures.captured.contains(&key) {
            let dc = self.scopes.last().and_then(|s| s.dc);
            match dc.and_then(|d| self.dcs[d].keys.iter().position(|k| *k == key).map(|slot| (d, slot))) {
                Some((dc, slot)) => Some(Home::Captured { dc, slot: FieldSlot(slot as u16) }),
                None => {
                    self.internal(span, "a captured variable has no display class");
                    None
                }
            }
        } else {
            None
        };
        let home = match (captured_home, param) {
            (Some(h @ Home::Captured { .. }), Some(Home::Reg(r))) => {
                // A captured parameter: copy it into the display object.
                if let Home::Captured { dc, slot } = h {
                    let (obj, class) = (self.dcs[dc].reg, self.dcs[dc].class);
                    self.emit(Instr::SetField { obj, field: slot, src: r, class });
                }
                h
            }
            (Some(_), Some(h @ Home::Boxed(_))) => {
                self.error(span, format!("Cannot use ref, out, or in parameter '{name}' inside a lambda expression"));
                h
            }
            (Some(h), _) => h,
            (None, Some(h)) => h,
            (None, None) => Home::Reg(self.alloc()),
        };
        if let Home::Reg(r) | Home::Boxed(r) = home
            && name != "_"
        {
            self.b().locals.push((r, name.to_string()));
        }
        self.vars.push(VarInfo { name: name.to_string(), ty, home, fn_depth, key, readonly: None });
        let id = self.vars.len() - 1;
        if let Some(s) = self.scopes.last_mut() {
            s.vars.push((name.to_string(), id));
        }
        id
    }

    /// A variable visible by this name in the current function only.
    fn lookup_in_function(&self, name: &str) -> Option<usize> {
        let base = self.fr().scope_base;
        self.scopes[base..].iter().rev().find_map(|s| s.vars.iter().rev().find(|(n, _)| n == name).map(|(_, v)| *v))
    }

    /// The variable a name refers to, in this function or an enclosing one.
    /// A variable of an enclosing function is captured.
    pub fn lookup_var(&mut self, name: &str) -> Option<usize> {
        let v = self.scopes.iter().rev().find_map(|s| s.vars.iter().rev().find(|(n, _)| n == name).map(|(_, v)| *v))?;
        let depth = self.depth();
        let vd = self.vars[v].fn_depth;
        if vd < depth && self.captures.analyzing {
            let key = self.vars[v].key;
            self.captures.captured.insert(key);
            for d in vd + 1..=depth {
                if let Some(s) = self.fns[d].lambda {
                    self.captures.lambdas.entry((s.start, s.end)).or_default().locals = true;
                }
            }
        }
        Some(v)
    }

    /// A local constant by name (for constant folding).
    pub fn local_const(&self, name: &str) -> Option<ConstValue> {
        let v = self.scopes.iter().rev().find_map(|s| s.vars.iter().rev().find(|(n, _)| n == name).map(|(_, v)| *v))?;
        match &self.vars[v].home {
            Home::Const(c) => Some(c.clone()),
            _ => None,
        }
    }

    /// Reads a variable.
    pub fn load_var(&mut self, v: usize, dest: Dest) -> Val {
        let ty = self.vars[v].ty.clone();
        let depth = self.depth();
        let home = self.vars[v].home.clone();
        if self.vars[v].fn_depth < depth && !matches!(home, Home::Captured { .. } | Home::Const(_)) {
            // Analysis pass: the variable is not laid out yet.
            let dst = self.dest_reg(dest);
            self.emit(Instr::LoadNull { dst: dst.dst() });
            return Val { reg: dst, ty };
        }
        let reg = match home {
            Home::Reg(r) => match dest {
                Dest::Any => r,
                Dest::Into(d) => {
                    if d != r {
                        self.emit(Instr::Move { dst: d.dst(), src: r });
                    }
                    d
                }
            },
            Home::Boxed(r) => {
                let d = self.dest_reg(dest);
                self.emit(Instr::GetField {
                    dst: d.dst(),
                    obj: r,
                    field: FieldSlot(0),
                    class: BuiltinClass::StrongBox.id(),
                });
                d
            }
            Home::Captured { dc, slot } => {
                let d = self.dest_reg(dest);
                let m = self.mark();
                let obj = self.dc_object(dc);
                self.emit(Instr::GetField { dst: d.dst(), obj, field: slot, class: self.dcs[dc].class });
                self.release(m);
                d
            }
            Home::Const(c) => {
                let d = self.dest_reg(dest);
                self.load_const(&c, d.dst());
                d
            }
        };
        Val { reg, ty }
    }

    /// Writes a variable from a register.
    pub fn store_var(&mut self, v: usize, src: Reg) {
        let depth = self.depth();
        let home = self.vars[v].home.clone();
        if self.vars[v].fn_depth < depth && !matches!(home, Home::Captured { .. }) {
            return;
        }
        match home {
            Home::Reg(r) => {
                if r != src {
                    self.emit(Instr::Move { dst: r.dst(), src });
                }
            }
            Home::Boxed(r) => {
                self.emit(Instr::SetField { obj: r, field: FieldSlot(0), src, class: BuiltinClass::StrongBox.id() })
            }
            Home::Captured { dc, slot } => {
                let m = self.mark();
                let obj = self.dc_object(dc);
                self.emit(Instr::SetField { obj, field: slot, src, class: self.dcs[dc].class });
                self.release(m);
            }
            Home::Const(_) => {}
        }
    }

    /// The register a variable lives in, when it lives in one of this
    /// function's registers (so an expression can be compiled straight
    /// into it).
    pub fn var_reg(&self, v: usize) -> Option<Reg> {
        match self.vars[v].home {
            Home::Reg(r) if self.vars[v].fn_depth == self.depth() => Some(r),
            _ => None,
        }
    }
}

/// The display classes of a method are reset between methods.
pub(crate) fn reset_method_state(c: &mut Compiler<'_>) {
    c.vars.clear();
    c.dcs.clear();
    c.scopes.clear();
    c.dc_classes.clear();
    c.lambda_counter = 0;
    c.dc_counter = 0;
    c.inferred.clear();
}

// ----- syntactic walks ------------------------------------------------------

/// Calls `f` on every expression of a statement tree, not descending into
/// lambdas.
pub(crate) fn walk_stmt(s: &Stmt<'_>, f: &mut dyn FnMut(&Expr<'_>)) {
    let mut exprs: Vec<&Expr<'_>> = Vec::new();
    let mut stmts: Vec<&Stmt<'_>> = vec![s];
    while let Some(s) = stmts.pop() {
        stmt_parts(s, &mut stmts, &mut exprs);
        while let Some(e) = exprs.pop() {
            f(e);
            expr_children(e, &mut exprs);
        }
    }
}

/// Calls `f` on every expression inside `e` (including `e`), not
/// descending into lambdas.
pub(crate) fn walk_expr(e: &Expr<'_>, f: &mut dyn FnMut(&Expr<'_>)) {
    let mut exprs: Vec<&Expr<'_>> = vec![e];
    while let Some(e) = exprs.pop() {
        f(e);
        expr_children(e, &mut exprs);
    }
}

/// Calls `f` on every statement of a tree, not descending into lambdas.
pub(crate) fn walk_stmts_only(s: &Stmt<'_>, f: &mut dyn FnMut(&Stmt<'_>)) {
    let mut stmts: Vec<&Stmt<'_>> = vec![s];
    let mut exprs = Vec::new();
    while let Some(s) = stmts.pop() {
        f(s);
        stmt_parts(s, &mut stmts, &mut exprs);
        exprs.clear();
    }
}

/// Whether anything in the tree is a lambda.
pub(crate) fn stmt_has_lambda(s: &Stmt<'_>) -> bool {
    let mut found = false;
    walk_stmt(s, &mut |e| {
        if matches!(e.kind, ExprKind::Lambda { .. }) {
            found = true;
        }
    });
    found
}

pub(crate) fn expr_has_lambda(e: &Expr<'_>) -> bool {
    let mut found = false;
    walk_expr(e, &mut |e| {
        if matches!(e.kind, ExprKind::Lambda { .. }) {
            found = true;
        }
    });
    found
}

fn local_exprs<'s, 'a>(d: &'s ast::LocalDecl<'a>, exprs: &mut Vec<&'s Expr<'a>>) {
    for decl in d.declarators {
        if let Some(i) = decl.init {
            exprs.push(i);
        }
    }
}

fn stmt_parts<'s, 'a>(s: &'s Stmt<'a>, stmts: &mut Vec<&'s Stmt<'a>>, exprs: &mut Vec<&'s Expr<'a>>) {
    match &s.kind {
        StmtKind::Block(b) => stmts.extend(b.stmts.iter()),
        StmtKind::Local(d) => local_exprs(d, exprs),
        StmtKind::Expr(e) => exprs.push(e),
        StmtKind::If { cond, then, else_ } => {
            exprs.push(cond);
            stmts.push(then);
            stmts.extend(else_.iter().copied());
        }
        StmtKind::While { cond, body } | StmtKind::DoWhile { body, cond } => {
            exprs.push(cond);
            stmts.push(body);
        }
        StmtKind::For { init, cond, step, body } => {
            stmts.extend(init.iter());
            exprs.extend(cond.iter().copied());
            exprs.extend(step.iter());
            stmts.push(body);
        }
        StmtKind::Foreach { iterable, body, .. } => {
            exprs.push(iterable);
            stmts.push(body);
        }
        StmtKind::Return(e) | StmtKind::Throw(e) => exprs.extend(e.iter().copied()),
        StmtKind::Try { body, catches, finally } => {
            stmts.extend(body.stmts.iter());
            for c in catches.iter() {
                exprs.extend(c.filter.iter().copied());
                stmts.extend(c.body.stmts.iter());
            }
            if let Some(f) = finally {
                stmts.extend(f.stmts.iter());
            }
        }
        StmtKind::Switch { scrutinee, sections } => {
            exprs.push(scrutinee);
            for sec in sections.iter() {
                for l in sec.labels.iter() {
                    if let ast::SwitchLabel::Case(e) = l {
                        exprs.push(e);
                    }
                }
                stmts.extend(sec.body.iter());
            }
        }
        StmtKind::Using { resource, body } => {
            match resource {
                ast::UsingResource::Decl(d) => local_exprs(d, exprs),
                ast::UsingResource::Expr(e) => exprs.push(e),
            }
            stmts.push(body);
        }
        StmtKind::Lock { target, body } => {
            exprs.push(target);
            stmts.push(body);
        }
        StmtKind::Break | StmtKind::Continue | StmtKind::Empty => {}
    }
}

/// The direct subexpressions of an expression, not looking into lambdas.
pub(crate) fn expr_children<'s, 'a>(e: &'s Expr<'a>, out: &mut Vec<&'s Expr<'a>>) {
    match &e.kind {
        ExprKind::Literal(_)
        | ExprKind::Name(_)
        | ExprKind::GenericName { .. }
        | ExprKind::TypeOf(_)
        | ExprKind::Default(_)
        | ExprKind::This
        | ExprKind::Base
        | ExprKind::DeclarationExpr { .. }
        | ExprKind::Lambda { .. } => {}
        ExprKind::Interpolated(parts) => {
            for p in parts.iter() {
                if let ast::InterpolationPart::Expr { expr, align, .. } = p {
                    out.push(expr);
                    out.extend(align.iter().copied());
                }
            }
        }
        ExprKind::Member { target, .. } => out.push(target),
        ExprKind::Call { callee, args } => {
            out.push(callee);
            out.extend(args.iter().map(|a| a.value));
        }
        ExprKind::Index { target, args, .. } => {
            out.push(target);
            out.extend(args.iter());
        }
        ExprKind::Unary { operand, .. } => out.push(operand),
        ExprKind::Binary { lhs, rhs, .. } => {
            out.push(lhs);
            out.push(rhs);
        }
        ExprKind::Assign { target, value, .. } => {
            out.push(target);
            out.push(value);
        }
        ExprKind::Conditional { cond, then, else_ } => {
            out.push(cond);
            out.push(then);
            out.push(else_);
        }
        ExprKind::New { args, init, .. } => {
            out.extend(args.iter().map(|a| a.value));
            match init {
                Some(ast::Initializer::Object(items)) => out.extend(items.iter().map(|(_, e)| *e)),
                Some(ast::Initializer::Collection(items)) => {
                    for item in items.iter() {
                        out.extend(item.iter());
                    }
                }
                None => {}
            }
        }
        ExprKind::NewArray { size, init, .. } => {
            out.extend(size.iter().copied());
            if let Some(i) = init {
                out.extend(i.iter());
            }
        }
        ExprKind::ArrayInit(items) => out.extend(items.iter()),
        ExprKind::Is { expr, .. } | ExprKind::As { expr, .. } | ExprKind::Cast { expr, .. } => out.push(expr),
        ExprKind::NameOf(_) => {}
        ExprKind::Await(x) | ExprKind::Throw(x) => out.push(x),
    }
}

/// Whether evaluating `e` may assign a local variable (so a register read
/// before it must be copied first).
pub(crate) fn may_write_locals(e: &Expr<'_>) -> bool {
    let mut found = false;
    walk_expr(e, &mut |x| match &x.kind {
        ExprKind::Assign { .. }
        | ExprKind::Unary {
            op: ast::UnaryOp::PreInc | ast::UnaryOp::PreDec | ast::UnaryOp::PostInc | ast::UnaryOp::PostDec,
            ..
        } => found = true,
        ExprKind::Call { args, .. } if args.iter().any(|a| a.modifier != ast::ArgModifier::None) => found = true,
        _ => {}
    });
    found
}
