//! Compile-time constants: `const` fields and locals, enum members, default
//! parameter values, and the folding of constant expressions they need.

use std::rc::Rc;

use vm::bytecode::{ClassId, Dst, Instr};
use vm::program::Constant;

use super::types::Type;
use super::{Compiler, FieldKind, Origin};
use crate::ast::{self, BinaryOp, ExprKind, UnaryOp};

#[derive(Clone, Debug, PartialEq)]
pub enum ConstValue {
    Null,
    Bool(bool),
    Int(i64),
    Long(i64),
    Double(f64),
    Decimal(f64),
    Char(u16),
    Str(Rc<str>),
    Enum(ClassId, i64),
}

impl ConstValue {
    pub fn ty(&self) -> Type {
        match self {
            ConstValue::Null => Type::Null,
            ConstValue::Bool(_) => Type::Bool,
            ConstValue::Int(_) => Type::Int,
            ConstValue::Long(_) => Type::Long,
            ConstValue::Double(_) => Type::Double,
            ConstValue::Decimal(_) => Type::Decimal,
            ConstValue::Char(_) => Type::Char,
            ConstValue::Str(_) => Type::String,
            ConstValue::Enum(c, _) => Type::Class(*c),
        }
    }

    /// The integer underlying an int, long, char or enum constant.
    pub fn as_int(&self) -> Option<i64> {
        match self {
            ConstValue::Int(i) | ConstValue::Long(i) | ConstValue::Enum(_, i) => Some(*i),
            ConstValue::Char(c) => Some(*c as i64),
            _ => None,
        }
    }

    fn as_f64(&self) -> Option<f64> {
        match self {
            ConstValue::Double(d) | ConstValue::Decimal(d) => Some(*d),
            v => v.as_int().map(|i| i as f64),
        }
    }

    /// The constant as a string in a constant concatenation.
    fn concat_text(&self) -> Option<String> {
        Some(match self {
            ConstValue::Null => String::new(),
            ConstValue::Str(s) => s.to_string(),
            ConstValue::Int(i) | ConstValue::Long(i) => i.to_string(),
            ConstValue::Char(c) => char::from_u32(*c as u32)?.to_string(),
            ConstValue::Bool(b) => if *b { "True" } else { "False" }.to_string(),
            _ => return None,
        })
    }

    /// The default value of a type, as a constant.
    pub fn default_of(t: &Type, is_enum: bool) -> ConstValue {
        match t {
            Type::Int => ConstValue::Int(0),
            Type::Long => ConstValue::Long(0),
            Type::Double => ConstValue::Double(0.0),
            Type::Decimal => ConstValue::Decimal(0.0),
            Type::Bool => ConstValue::Bool(false),
            Type::Char => ConstValue::Char(0),
            Type::Class(c) if is_enum => ConstValue::Enum(*c, 0),
            _ => ConstValue::Null,
        }
    }

    /// Converts to a target type the way an implicit (or, with `explicit`,
    /// a cast) conversion would. `None` when it does not convert.
    pub fn convert(&self, to: &Type, explicit: bool, is_enum: impl Fn(ClassId) -> bool) -> Option<ConstValue> {
        let v = self;
        Some(match (to, v) {
            (Type::Error | Type::Dynamic | Type::Object, _) => v.clone(),
            (_, ConstValue::Null) => match to {
                Type::Int | Type::Long | Type::Double | Type::Decimal | Type::Bool | Type::Char => return None,
                Type::Class(c) if is_enum(*c) => return None,
                _ => ConstValue::Null,
            },
            (Type::Int, ConstValue::Int(i)) => ConstValue::Int(*i),
            (Type::Int, ConstValue::Char(c)) => ConstValue::Int(*c as i64),
            (Type::Int, ConstValue::Long(i) | ConstValue::Enum(_, i)) if explicit => ConstValue::Int(*i),
            (Type::Int, ConstValue::Double(d) | ConstValue::Decimal(d)) if explicit => ConstValue::Int(*d as i64),
            (Type::Long, _) if v.as_int().is_some() && (explicit || !matches!(v, ConstValue::Enum(..))) => {
                ConstValue::Long(v.as_int()?)
            }
            (Type::Long, ConstValue::Double(d) | ConstValue::Decimal(d)) if explicit => ConstValue::Long(*d as i64),
            (Type::Double, _) if !matches!(v, ConstValue::Enum(..)) || explicit => ConstValue::Double(v.as_f64()?),
            (Type::Decimal, _) if !matches!(v, ConstValue::Enum(..)) || explicit => ConstValue::Decimal(v.as_f64()?),
            (Type::Char, ConstValue::Char(c)) => ConstValue::Char(*c),
            (Type::Char, _) if explicit => ConstValue::Char(v.as_f64()? as i64 as u16),
            (Type::Bool, ConstValue::Bool(b)) => ConstValue::Bool(*b),
            (Type::String, ConstValue::Str(s)) => ConstValue::Str(s.clone()),
            (Type::Class(c), ConstValue::Enum(d, i)) if c == d => ConstValue::Enum(*c, *i),
            (Type::Class(c), ConstValue::Int(0)) if is_enum(*c) => ConstValue::Enum(*c, 0),
            (Type::Class(c), _) if is_enum(*c) && explicit => ConstValue::Enum(*c, v.as_int()?),
            _ => return None,
        })
    }
}

impl<'a> Compiler<'a> {
    /// Evaluates const fields, enum members and default parameter values,
    /// after every declaration is known.
    pub(crate) fn evaluate_constants(&mut self) {
        for ci in 0..self.classes.len() {
            let Some(decl) = self.classes[ci].decl else { continue };
            self.origin = self.classes[ci].origin;
            if decl.kind == ast::TypeKind::Enum {
                self.evaluate_enum(ClassId(ci as u32), decl);
            }
        }
        for ci in 0..self.classes.len() {
            self.origin = self.classes[ci].origin;
            self.decl_context = Some(ClassId(ci as u32));
            for fi in 0..self.classes[ci].fields.len() {
                if matches!(self.classes[ci].fields[fi].kind, FieldKind::Const(None)) {
                    self.const_field(ClassId(ci as u32), fi);
                }
            }
        }
        for (m, i, e) in std::mem::take(&mut self.pending_defaults) {
            let class = self.methods[m.index()].class;
            self.decl_context = Some(class);
            self.origin = self.methods[m.index()].origin;
            let ty = self.methods[m.index()].params[i].ty.clone();
            let v = match self.fold(e, class) {
                Some(v) => match v.convert(&ty, false, |c| self.is_enum(c)) {
                    Some(v) => Some(v),
                    None => {
                        let (from, to) = (self.type_name(&v.ty()), self.type_name(&ty));
                        self.error(e.span, format!("A value of type '{from}' cannot be used as a default parameter for a parameter of type '{to}'"));
                        None
                    }
                },
                None => {
                    let name = self.methods[m.index()].params[i].name.clone();
                    self.error(e.span, format!("Default parameter value for '{name}' must be a compile-time constant"));
                    None
                }
            };
            self.methods[m.index()].params[i].default = v.or(Some(ConstValue::Null));
        }
        self.decl_context = None;
        self.origin = Origin::User;
    }

    pub(crate) fn pending_default(&mut self, m: vm::bytecode::MethodId, i: usize, e: &'a ast::Expr<'a>) {
        self.pending_defaults.push((m, i, e));
    }

    fn evaluate_enum(&mut self, class: ClassId, decl: &'a ast::TypeDecl<'a>) {
        let mut next = 0i64;
        self.const_enum = Some(class);
        for m in decl.enum_members {
            if self.classes[class.index()].enum_members.iter().any(|(n, _)| n == m.name.name) {
                self.error(
                    m.name.span,
                    format!("The type '{}' already contains a definition for '{}'", decl.name.name, m.name.name),
                );
                continue;
            }
            let v = match m.value {
                Some(e) => match self.fold(e, class).and_then(|v| v.as_int()) {
                    Some(v) => v,
                    None => {
                        self.error(e.span, "An enum member's value must be a constant integer");
                        next
                    }
                },
                None => next,
            };
            next = v.wrapping_add(1);
            self.classes[class.index()].enum_members.push((m.name.name.to_string(), v));
        }
        self.const_enum = None;
        let members = self.classes[class.index()].enum_members.clone();
        self.program.classes[class.index()].enum_members = members;
    }

    /// The value of a const field, evaluating it (and what it needs) now.
    pub(crate) fn const_field(&mut self, class: ClassId, fi: usize) -> Option<ConstValue> {
        let f = &self.classes[class.index()].fields[fi];
        if let FieldKind::Const(Some(v)) = &f.kind {
            return Some(v.clone());
        }
        let key = (class, fi);
        if self.const_in_progress.contains(&key) {
            let (span, name) = (f.span, f.name.clone());
            self.error(
                span,
                format!("The evaluation of the constant value for '{name}' involves a circular definition"),
            );
            return None;
        }
        let (init, ty, origin) = (f.init?, f.ty.clone(), f.origin);
        self.const_in_progress.push(key);
        let saved = std::mem::replace(&mut self.origin, origin);
        let v = self.fold(init, class);
        let v = match v {
            Some(v) => match v.convert(&ty, false, |c| self.is_enum(c)) {
                Some(v) => Some(v),
                None => {
                    let (from, to) = (self.type_name(&v.ty()), self.type_name(&ty));
                    self.error(init.span, format!("Cannot implicitly convert type '{from}' to '{to}'"));
                    None
                }
            },
            None => {
                self.error(
                    init.span,
                    format!(
                        "The expression being assigned to '{}' must be constant",
                        self.classes[class.index()].fields[fi].name
                    ),
                );
                None
            }
        };
        self.origin = saved;
        self.const_in_progress.retain(|k| *k != key);
        let stored =
            v.clone().unwrap_or_else(|| ConstValue::default_of(&ty, matches!(ty, Type::Class(c) if self.is_enum(c))));
        self.classes[class.index()].fields[fi].kind = FieldKind::Const(Some(stored.clone()));
        Some(stored)
    }

    /// Folds a constant expression, or `None` when it is not constant.
    /// Names resolve to local constants, members of the enum being
    /// declared, and const fields of `class` and its bases.
    pub(crate) fn fold(&mut self, e: &ast::Expr<'_>, class: ClassId) -> Option<ConstValue> {
        match &e.kind {
            ExprKind::Literal(l) => Some(super::expr::literal_value(*l)),
            ExprKind::Name(id) => {
                if let Some(v) = self.local_const(id.name) {
                    return Some(v);
                }
                if let Some(en) = self.const_enum
                    && let Some((_, v)) = self.classes[en.index()].enum_members.iter().find(|(n, _)| n == id.name)
                {
                    return Some(ConstValue::Enum(en, *v));
                }
                self.const_member(class, id.name)
            }
            ExprKind::Member { target, name, null_conditional: false, .. } => {
                let owner = self.fold_type_target(target)?;
                match owner {
                    Type::Class(c) => {
                        if let Some((_, v)) = self.classes[c.index()].enum_members.iter().find(|(n, _)| n == name.name)
                        {
                            return Some(ConstValue::Enum(c, *v));
                        }
                        self.const_member(c, name.name)
                    }
                    t => builtin_constant(&t, name.name),
                }
            }
            ExprKind::Unary { op, operand } => {
                let v = self.fold(operand, class)?;
                Some(match (op, v) {
                    (UnaryOp::Plus, v) => v,
                    (UnaryOp::Neg, ConstValue::Int(i)) => ConstValue::Int(i.wrapping_neg()),
                    (UnaryOp::Neg, ConstValue::Long(i)) => ConstValue::Long(i.wrapping_neg()),
                    (UnaryOp::Neg, ConstValue::Char(c)) => ConstValue::Int(-(c as i64)),
                    (UnaryOp::Neg, ConstValue::Double(d)) => ConstValue::Double(-d),
                    (UnaryOp::Neg, ConstValue::Decimal(d)) => ConstValue::Decimal(-d),
                    (UnaryOp::Not, ConstValue::Bool(b)) => ConstValue::Bool(!b),
                    (UnaryOp::BitNot, ConstValue::Int(i)) => ConstValue::Int(!i),
                    (UnaryOp::BitNot, ConstValue::Long(i)) => ConstValue::Long(!i),
                    (UnaryOp::BitNot, ConstValue::Enum(c, i)) => ConstValue::Enum(c, !i),
                    _ => return None,
                })
            }
            ExprKind::Binary { op, lhs, rhs } => {
                let a = self.fold(lhs, class)?;
                let b = self.fold(rhs, class)?;
                fold_binary(*op, a, b)
            }
            ExprKind::Cast { ty, expr } => {
                let v = self.fold(expr, class)?;
                let t = self.resolve_type_quiet(ty)?;
                v.convert(&t, true, |c| self.is_enum(c))
            }
            ExprKind::Default(Some(ty)) => {
                let t = self.resolve_type_quiet(ty)?;
                let is_enum = matches!(t, Type::Class(c) if self.is_enum(c));
                Some(ConstValue::default_of(&t, is_enum))
            }
            ExprKind::NameOf(inner) => nameof_text(inner).map(|s| ConstValue::Str(Rc::from(s))),
            ExprKind::Conditional { cond, then, else_ } => match self.fold(cond, class)? {
                ConstValue::Bool(true) => self.fold(then, class),
                ConstValue::Bool(false) => self.fold(else_, class),
                _ => None,
            },
            _ => None,
        }
    }

    /// A const field or enum member named `name` visible in `class`.
    fn const_member(&mut self, class: ClassId, name: &str) -> Option<ConstValue> {
        if let Some(v) = self.const_member_own(class, name) {
            return Some(v);
        }
        // A nested type sees its enclosing types' constants.
        let mut outer = self.classes[class.index()].outer;
        while let Some(o) = outer {
            if let Some(v) = self.const_member_own(o, name) {
                return Some(v);
            }
            outer = self.classes[o.index()].outer;
        }
        None
    }

    fn const_member_own(&mut self, class: ClassId, name: &str) -> Option<ConstValue> {
        let mut cur = Some(class);
        let mut guard = 0;
        while let Some(c) = cur {
            guard += 1;
            if guard > 1000 {
                return None;
            }
            if let Some(fi) = self.classes[c.index()].fields.iter().position(|f| f.name == name) {
                return match self.classes[c.index()].fields[fi].kind {
                    FieldKind::Const(_) => self.const_field(c, fi),
                    _ => None,
                };
            }
            cur = self.classes[c.index()].base;
        }
        None
    }

    /// The type a constant's member access starts from (`Color` in
    /// `Color.Red`, `int` in `int.MaxValue`), if it names one.
    fn fold_type_target(&mut self, e: &ast::Expr<'_>) -> Option<Type> {
        match &e.kind {
            ExprKind::Name(id) => {
                if self.local_const(id.name).is_some() {
                    return None;
                }
                self.lookup_type_name(id.name, Vec::new()).ok()
            }
            ExprKind::Member { target, name, .. } => {
                let path = dotted_name(target)?;
                let full = format!("{path}.{}", name.name);
                self.lookup_type_name(&full, Vec::new()).ok()
            }
            _ => None,
        }
    }

    /// Resolves a type without reporting errors (for folding).
    fn resolve_type_quiet(&mut self, t: &ast::TypeRef<'_>) -> Option<Type> {
        let n = self.diags.len();
        let ty = self.resolve_type(t);
        self.diags.truncate(n);
        (ty != Type::Error).then_some(ty)
    }

    /// Loads a constant into a register.
    pub(crate) fn load_const(&mut self, v: &ConstValue, dst: Dst) {
        let i = match v {
            ConstValue::Null => Instr::LoadNull { dst },
            ConstValue::Bool(b) => Instr::LoadBool { dst, value: *b },
            ConstValue::Int(i) | ConstValue::Long(i) => match i32::try_from(*i) {
                Ok(value) => Instr::LoadInt { dst, value },
                Err(_) => Instr::LoadConst { dst, k: self.add_const(Constant::Int(*i)) },
            },
            ConstValue::Double(d) | ConstValue::Decimal(d) => {
                Instr::LoadConst { dst, k: self.add_const(Constant::Double(*d)) }
            }
            ConstValue::Char(c) => Instr::LoadConst { dst, k: self.add_const(Constant::Char(*c)) },
            ConstValue::Str(s) => Instr::LoadConst { dst, k: self.add_const(Constant::Str(s.to_string())) },
            ConstValue::Enum(c, v) => match i32::try_from(*v) {
                Ok(value) => Instr::LoadEnum { dst, class: *c, value },
                Err(_) => {
                    let k = self.add_const(Constant::Int(*v));
                    self.emit(Instr::LoadConst { dst, k });
                    Instr::ConvEnum { dst, src: dst.reg(), class: *c }
                }
            },
        };
        self.emit(i);
    }
}

/// `int.MaxValue` and friends.
pub(crate) fn builtin_constant(t: &Type, name: &str) -> Option<ConstValue> {
    Some(match (t, name) {
        (Type::Int, "MaxValue") => ConstValue::Int(i32::MAX as i64),
        (Type::Int, "MinValue") => ConstValue::Int(i32::MIN as i64),
        (Type::Long, "MaxValue") => ConstValue::Long(i64::MAX),
        (Type::Long, "MinValue") => ConstValue::Long(i64::MIN),
        (Type::Char, "MaxValue") => ConstValue::Char(u16::MAX),
        (Type::Char, "MinValue") => ConstValue::Char(0),
        (Type::Double, "MaxValue") => ConstValue::Double(f64::MAX),
        (Type::Double, "MinValue") => ConstValue::Double(f64::MIN),
        (Type::Double, "Epsilon") => ConstValue::Double(f64::from_bits(1)),
        (Type::Double, "PositiveInfinity") => ConstValue::Double(f64::INFINITY),
        (Type::Double, "NegativeInfinity") => ConstValue::Double(f64::NEG_INFINITY),
        (Type::Double, "NaN") => ConstValue::Double(f64::NAN),
        (Type::String, "Empty") => ConstValue::Str(Rc::from("")),
        _ => return None,
    })
}

/// `nameof(a.b.C)` is `"C"`.
pub(crate) fn nameof_text(e: &ast::Expr<'_>) -> Option<String> {
    match &e.kind {
        ExprKind::Name(id) => Some(id.name.to_string()),
        ExprKind::GenericName { name, .. } => Some(name.name.to_string()),
        ExprKind::Member { name, .. } => Some(name.name.to_string()),
        _ => None,
    }
}

/// `a.b.c` as text, if the expression is only names.
pub(crate) fn dotted_name(e: &ast::Expr<'_>) -> Option<String> {
    match &e.kind {
        ExprKind::Name(id) => Some(id.name.to_string()),
        ExprKind::Member { target, name, null_conditional: false, type_args: [] } => {
            Some(format!("{}.{}", dotted_name(target)?, name.name))
        }
        _ => None,
    }
}

fn fold_binary(op: BinaryOp, a: ConstValue, b: ConstValue) -> Option<ConstValue> {
    use ConstValue as C;
    if op == BinaryOp::Add && (matches!(a, C::Str(_)) || matches!(b, C::Str(_))) {
        return Some(C::Str(Rc::from(format!("{}{}", a.concat_text()?, b.concat_text()?))));
    }
    if let (C::Bool(x), C::Bool(y)) = (&a, &b) {
        let (x, y) = (*x, *y);
        return Some(C::Bool(match op {
            BinaryOp::And | BinaryOp::BitAnd => x && y,
            BinaryOp::Or | BinaryOp::BitOr => x || y,
            BinaryOp::BitXor | BinaryOp::Ne => x != y,
            BinaryOp::Eq => x == y,
            _ => return None,
        }));
    }
    if let (C::Enum(c, x), Some(y)) = (&a, b.as_int())
        && matches!(op, BinaryOp::BitOr | BinaryOp::BitAnd | BinaryOp::BitXor)
    {
        let r = match op {
            BinaryOp::BitOr => x | y,
            BinaryOp::BitAnd => x & y,
            _ => x ^ y,
        };
        return Some(C::Enum(*c, r));
    }
    let floating = matches!(a, C::Double(_) | C::Decimal(_)) || matches!(b, C::Double(_) | C::Decimal(_));
    if floating {
        let (x, y) = (a.as_f64()?, b.as_f64()?);
        let decimal = matches!(a, C::Decimal(_)) || matches!(b, C::Decimal(_));
        let num = |v: f64| if decimal { C::Decimal(v) } else { C::Double(v) };
        return Some(match op {
            BinaryOp::Add => num(x + y),
            BinaryOp::Sub => num(x - y),
            BinaryOp::Mul => num(x * y),
            BinaryOp::Div => num(x / y),
            BinaryOp::Rem => num(x % y),
            BinaryOp::Eq => C::Bool(x == y),
            BinaryOp::Ne => C::Bool(x != y),
            BinaryOp::Lt => C::Bool(x < y),
            BinaryOp::Le => C::Bool(x <= y),
            BinaryOp::Gt => C::Bool(x > y),
            BinaryOp::Ge => C::Bool(x >= y),
            _ => return None,
        });
    }
    let long = matches!(a, C::Long(_)) || matches!(b, C::Long(_));
    let (x, y) = (a.as_int()?, b.as_int()?);
    let num = |v: i64| if long { C::Long(v) } else { C::Int(v) };
    Some(match op {
        BinaryOp::Add => num(x.wrapping_add(y)),
        BinaryOp::Sub => num(x.wrapping_sub(y)),
        BinaryOp::Mul => num(x.wrapping_mul(y)),
        BinaryOp::Div if y != 0 => num(x.wrapping_div(y)),
        BinaryOp::Rem if y != 0 => num(x.wrapping_rem(y)),
        BinaryOp::Shl => num(x.wrapping_shl((y & 63) as u32)),
        BinaryOp::Shr => num(x.wrapping_shr((y & 63) as u32)),
        BinaryOp::BitAnd => num(x & y),
        BinaryOp::BitOr => num(x | y),
        BinaryOp::BitXor => num(x ^ y),
        BinaryOp::Eq => C::Bool(x == y),
        BinaryOp::Ne => C::Bool(x != y),
        BinaryOp::Lt => C::Bool(x < y),
        BinaryOp::Le => C::Bool(x <= y),
        BinaryOp::Gt => C::Bool(x > y),
        BinaryOp::Ge => C::Bool(x >= y),
        _ => return None,
    })
}
