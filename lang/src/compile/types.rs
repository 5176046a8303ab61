//! Static types: what the compiler knows about a value before it runs.
//!
//! Values carry their type at run time, so static types only decide what the
//! compiler emits (which method or native a call binds to, where an implicit
//! `int` → `double` conversion goes, how `+` treats strings) and which errors
//! it reports. Two types stop errors from cascading: [`Type::Error`] is the
//! type of an expression that already produced a diagnostic, and
//! [`Type::Dynamic`] the type of one the compiler cannot type (an untyped
//! lambda parameter whose delegate type is unknown). Both accept everything.

use std::fmt;
use std::rc::Rc;

use crate::ast;
use vm::bytecode::ClassId;
use vm::program::{BuiltinClass, DefaultValue, SlotType};

#[derive(Clone, Debug, PartialEq)]
pub enum Type {
    /// The type of an expression that already had an error.
    Error,
    /// Statically unknown.
    Dynamic,
    Void,
    /// The type of the `null` literal.
    Null,
    Int,
    Long,
    Double,
    Decimal,
    Bool,
    Char,
    String,
    Object,
    /// A class, struct, interface or enum of the program or the prelude.
    Class(ClassId),
    Array(Rc<Type>),
    /// `T?` for a value type `T` (`int?`, and `a?.Count`).
    Nullable(Rc<Type>),
    /// A type of the built-in library, by its C# name and type arguments:
    /// `List<int>`, `Task`, `Stopwatch`, `Func<int, bool>`.
    Lib(Rc<str>, Rc<[Type]>),
}

impl Type {
    pub fn lib(name: &str, args: Vec<Type>) -> Type {
        Type::Lib(Rc::from(name), Rc::from(args))
    }

    pub fn array(elem: Type) -> Type {
        Type::Array(Rc::new(elem))
    }

    /// The type without a `?`.
    pub fn unwrap_nullable(&self) -> &Type {
        match self {
            Type::Nullable(t) => t,
            t => t,
        }
    }

    /// `Error` or `Dynamic`: anything goes, nothing more is reported.
    pub fn is_unknown(&self) -> bool {
        matches!(self, Type::Error | Type::Dynamic)
    }

    /// `int`, `long` or `char` (what integer arithmetic applies to).
    pub fn is_integral(&self) -> bool {
        matches!(self, Type::Int | Type::Long | Type::Char)
    }

    pub fn is_numeric(&self) -> bool {
        matches!(self, Type::Int | Type::Long | Type::Char | Type::Double | Type::Decimal)
    }

    pub fn is_floating(&self) -> bool {
        matches!(self, Type::Double | Type::Decimal)
    }

    /// Types the VM formats itself in string concatenation (no `ToStr` needed).
    pub fn is_primitive(&self) -> bool {
        matches!(
            self,
            Type::Int | Type::Long | Type::Double | Type::Decimal | Type::Bool | Type::Char | Type::String | Type::Null
        )
    }

    pub fn lib_name(&self) -> Option<&str> {
        match self {
            Type::Lib(n, _) => Some(n),
            _ => None,
        }
    }

    pub fn lib_args(&self) -> &[Type] {
        match self {
            Type::Lib(_, a) => a,
            _ => &[],
        }
    }

    /// Whether this is `name<...>` with `arity` type arguments.
    pub fn is_lib(&self, name: &str, arity: usize) -> bool {
        matches!(self, Type::Lib(n, a) if &**n == name && a.len() == arity)
    }

    pub fn elem(&self) -> Option<&Type> {
        match self {
            Type::Array(e) => Some(e),
            _ => None,
        }
    }

    /// The parameter types and result of a delegate type.
    pub fn delegate_sig(&self) -> Option<(Vec<Type>, Type)> {
        let Type::Lib(name, args) = self else {
            return None;
        };
        match &**name {
            "Func" if !args.is_empty() => {
                let (ret, params) = args.split_last()?;
                Some((params.to_vec(), ret.clone()))
            }
            "Action" => Some((args.to_vec(), Type::Void)),
            "Comparison" if args.len() == 1 => Some((vec![args[0].clone(), args[0].clone()], Type::Int)),
            "Predicate" if args.len() == 1 => Some((vec![args[0].clone()], Type::Bool)),
            "SendOrPostCallback" | "WaitCallback" => Some((vec![Type::Object], Type::Void)),
            "TimerCallback" => Some((vec![Type::Object], Type::Void)),
            _ => None,
        }
    }

    pub fn is_delegate(&self) -> bool {
        self.delegate_sig().is_some() || self.is_lib("Delegate", 0)
    }

    /// `T` of `ValueTask<T>`: a completed `ValueTask<T>` is represented by
    /// its result, so `default(ValueTask<T>)` is `default(T)`.
    pub fn value_task_result(&self) -> Option<&Type> {
        match self {
            Type::Lib(n, a) if &**n == "ValueTask" && a.len() == 1 => a.first(),
            _ => None,
        }
    }

    /// The value fields, array elements and locals of this type start with.
    pub fn default_value(&self, kind: impl Fn(ClassId) -> Option<ast::TypeKind>) -> DefaultValue {
        if let Some(t) = self.value_task_result() {
            return t.default_value(kind);
        }
        match self {
            Type::Int | Type::Long => DefaultValue::Int,
            Type::Double | Type::Decimal => DefaultValue::Double,
            Type::Bool => DefaultValue::Bool,
            Type::Char => DefaultValue::Char,
            Type::Class(c) if kind(*c) == Some(ast::TypeKind::Enum) => DefaultValue::Enum(*c),
            _ => DefaultValue::Null,
        }
    }

    /// How a field, array element or local of this type holds its value
    /// (and what it starts as); `kind` says what a class id is. A completed
    /// `ValueTask<T>` is its result, so it may hold a `T` or an object.
    pub fn slot_type(&self, kind: impl Fn(ClassId) -> Option<ast::TypeKind>) -> SlotType {
        match self {
            Type::Int | Type::Long => SlotType::Int,
            Type::Double | Type::Decimal => SlotType::Double,
            Type::Bool => SlotType::Bool,
            Type::Char => SlotType::Char,
            Type::String | Type::Array(_) => SlotType::Ref,
            Type::Class(c) => match kind(*c) {
                Some(ast::TypeKind::Enum) => SlotType::Enum(*c),
                Some(ast::TypeKind::Class | ast::TypeKind::Struct) => SlotType::Ref,
                _ => SlotType::Any,
            },
            Type::Lib(..) if self.value_task_result().is_some() => SlotType::Any,
            Type::Lib(..) if self.is_delegate() => SlotType::Ref,
            Type::Lib(name, _) => match &**name {
                "List" | "Dictionary" | "Task" | "TaskCompletionSource" | "StringBuilder" => SlotType::Ref,
                _ => SlotType::Any,
            },
            _ => SlotType::Any,
        }
    }

    /// The class bytecode names this type by (for `is`, `as`, casts, arrays,
    /// `typeof`).
    pub fn class_id(&self) -> ClassId {
        let b = match self {
            Type::Int => BuiltinClass::Int32,
            Type::Long => BuiltinClass::Int64,
            Type::Double => BuiltinClass::Double,
            Type::Decimal => BuiltinClass::Decimal,
            Type::Bool => BuiltinClass::Boolean,
            Type::Char => BuiltinClass::Char,
            Type::String => BuiltinClass::String,
            Type::Class(c) => return *c,
            Type::Nullable(t) => return t.class_id(),
            Type::Array(_) => BuiltinClass::Array,
            Type::Lib(name, _) => match &**name {
                "List" => BuiltinClass::List,
                "Dictionary" => BuiltinClass::Dictionary,
                "KeyValuePair" => BuiltinClass::KeyValuePair,
                "Type" => BuiltinClass::Type,
                "Delegate" => BuiltinClass::Delegate,
                _ if self.delegate_sig().is_some() => BuiltinClass::Delegate,
                _ => BuiltinClass::NativeObject,
            },
            _ => BuiltinClass::Object,
        };
        b.id()
    }

    /// The owner name natives of this type are registered under.
    pub fn native_owner(&self) -> Option<&str> {
        Some(match self {
            Type::Int => "Int32",
            Type::Long => "Int64",
            Type::Double => "Double",
            Type::Decimal => "Decimal",
            Type::Bool => "Boolean",
            Type::Char => "Char",
            Type::String => "String",
            Type::Object => "Object",
            Type::Array(_) => "Array",
            Type::Lib(name, _) => name,
            Type::Nullable(t) => return t.native_owner(),
            _ => return None,
        })
    }

    /// Replaces the type parameters `T`, `K`, `V`, ... (library signatures'
    /// placeholders, see [`parse_signature`]) by their bindings.
    pub fn substitute(&self, bindings: &[(String, Type)]) -> Type {
        match self {
            Type::Lib(name, args) => {
                if args.is_empty()
                    && let Some((_, t)) = bindings.iter().find(|(n, _)| **n == **name)
                {
                    return t.clone();
                }
                Type::Lib(name.clone(), args.iter().map(|a| a.substitute(bindings)).collect())
            }
            Type::Array(e) => Type::array(e.substitute(bindings)),
            Type::Nullable(e) => Type::Nullable(Rc::new(e.substitute(bindings))),
            t => t.clone(),
        }
    }

    /// Whether the type mentions a type parameter that has no binding.
    pub fn has_param(&self, params: &[&str]) -> bool {
        match self {
            Type::Lib(name, args) => {
                (args.is_empty() && params.contains(&&**name)) || args.iter().any(|a| a.has_param(params))
            }
            Type::Array(e) => e.has_param(params),
            _ => false,
        }
    }
}

/// The names library signatures use for type parameters.
pub const TYPE_PARAMS: &[&str] = &["T", "K", "V", "TKey", "TValue", "TResult", "T1", "T2", "T3", "TArg", "TNew"];

/// Infers type parameters by matching a signature's type (`pattern`, with
/// placeholders) against an argument's static type.
pub fn unify(pattern: &Type, actual: &Type, bindings: &mut Vec<(String, Type)>) {
    match (pattern, actual) {
        (Type::Lib(name, pargs), _) if pargs.is_empty() && TYPE_PARAMS.contains(&&**name) => {
            if actual.is_unknown() || *actual == Type::Null || *actual == Type::Void {
                return;
            }
            if !bindings.iter().any(|(n, _)| **n == **name) {
                bindings.push((name.to_string(), actual.clone()));
            }
        }
        (Type::Lib(pn, pargs), Type::Lib(an, aargs)) if pn == an && pargs.len() == aargs.len() => {
            for (p, a) in pargs.iter().zip(aargs.iter()) {
                unify(p, a, bindings);
            }
        }
        // `Task<T>` patterns also match `ValueTask<T>` and the other way
        // round only by name; arrays match element-wise.
        (Type::Array(p), Type::Array(a)) => unify(p, a, bindings),
        // `IEnumerable<T>` style patterns match lists and arrays.
        (Type::Lib(pn, pargs), _) if pargs.len() == 1 && is_sequence_name(pn) => {
            if let Some(e) = sequence_elem(actual) {
                unify(&pargs[0], &e, bindings);
            }
        }
        _ => {}
    }
}

fn is_sequence_name(name: &str) -> bool {
    matches!(name, "IEnumerable" | "IList" | "ICollection" | "IReadOnlyList" | "IReadOnlyCollection")
}

/// The element type of something `foreach` can walk.
pub fn sequence_elem(t: &Type) -> Option<Type> {
    match t {
        Type::Array(e) => Some((**e).clone()),
        Type::String => Some(Type::Char),
        Type::Lib(name, args) => match (&**name, args.len()) {
            ("List" | "HashSet" | "Queue" | "Stack" | "LinkedList", 1) => Some(args[0].clone()),
            (n, 1) if is_sequence_name(n) => Some(args[0].clone()),
            ("Dictionary", 2) => Some(Type::lib("KeyValuePair", args.to_vec())),
            ("KeyCollection", 1) | ("ValueCollection", 1) => Some(args[0].clone()),
            _ => None,
        },
        _ => None,
    }
}

/// A parameter or result type of a native, as its signature string spells it.
#[derive(Clone, Debug)]
pub struct SigType {
    pub ty: Type,
    pub modifier: SigModifier,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SigModifier {
    None,
    Out,
    Ref,
    Params,
}

/// Parses a native's type string: `int`, `List<T>`, `Func<T, bool>`, `T[]`,
/// `out int`, `params object[]`. Unknown names become library types, so a
/// name the compiler has never heard of still types as itself.
pub fn parse_signature(s: &str) -> SigType {
    let s = s.trim();
    let (modifier, rest) = if let Some(r) = s.strip_prefix("out ") {
        (SigModifier::Out, r)
    } else if let Some(r) = s.strip_prefix("ref ") {
        (SigModifier::Ref, r)
    } else if let Some(r) = s.strip_prefix("params ") {
        (SigModifier::Params, r)
    } else if let Some(r) = s.strip_prefix("in ") {
        (SigModifier::None, r)
    } else {
        (SigModifier::None, s)
    };
    let mut p = SigParser { s: rest.as_bytes(), pos: 0 };
    let ty = p.ty().unwrap_or(Type::Dynamic);
    SigType { ty, modifier }
}

struct SigParser<'s> {
    s: &'s [u8],
    pos: usize,
}

impl SigParser<'_> {
    fn skip_ws(&mut self) {
        while self.pos < self.s.len() && self.s[self.pos] == b' ' {
            self.pos += 1;
        }
    }

    fn ty(&mut self) -> Option<Type> {
        self.skip_ws();
        let start = self.pos;
        while self.pos < self.s.len()
            && (self.s[self.pos].is_ascii_alphanumeric() || matches!(self.s[self.pos], b'_' | b'.'))
        {
            self.pos += 1;
        }
        let name = std::str::from_utf8(&self.s[start..self.pos]).ok()?;
        let name = name.rsplit('.').next().unwrap_or(name);
        if name.is_empty() {
            return None;
        }
        let mut args = Vec::new();
        self.skip_ws();
        if self.s.get(self.pos) == Some(&b'<') {
            self.pos += 1;
            loop {
                args.push(self.ty()?);
                self.skip_ws();
                match self.s.get(self.pos) {
                    Some(b',') => self.pos += 1,
                    Some(b'>') => {
                        self.pos += 1;
                        break;
                    }
                    _ => return None,
                }
            }
        }
        let mut t = match predefined(name) {
            Some(t) if args.is_empty() => t,
            _ => Type::lib(name, args),
        };
        loop {
            self.skip_ws();
            match self.s.get(self.pos) {
                Some(b'[') if self.s.get(self.pos + 1) == Some(&b']') => {
                    self.pos += 2;
                    t = Type::array(t);
                }
                Some(b'?') => self.pos += 1,
                _ => break,
            }
        }
        Some(t)
    }
}

/// C#'s predefined type keywords and their `System` names.
pub fn predefined(name: &str) -> Option<Type> {
    Some(match name {
        "int" | "Int32" => Type::Int,
        "long" | "Int64" => Type::Long,
        "double" | "Double" => Type::Double,
        "decimal" | "Decimal" => Type::Decimal,
        "bool" | "Boolean" => Type::Bool,
        "char" | "Char" => Type::Char,
        "string" | "String" => Type::String,
        "object" | "Object" => Type::Object,
        "void" | "Void" => Type::Void,
        "dynamic" => Type::Dynamic,
        _ => return None,
    })
}

/// Library types a program may name that have no natives of their own
/// (delegates, awaitables), with how many type arguments they take.
pub fn known_lib_type(name: &str, arity: usize) -> bool {
    match name {
        "Func" => (1..=17).contains(&arity),
        "Action" => arity <= 16,
        "IComparable" => arity <= 1,
        "IComparer" | "IEquatable" => arity == 1,
        "ICloneable" => arity == 0,
        "Comparison"
        | "Predicate"
        | "IEnumerable"
        | "IList"
        | "ICollection"
        | "IReadOnlyList"
        | "IReadOnlyCollection"
        | "StrongBox" => arity == 1,
        "List" | "Lazy" | "AsyncLocal" | "HashSet" | "Queue" | "Stack" => arity == 1,
        "Dictionary" | "KeyValuePair" => arity == 2,
        "Task"
        | "ValueTask"
        | "TaskCompletionSource"
        | "TaskAwaiter"
        | "ValueTaskAwaiter"
        | "ConfiguredTaskAwaitable"
        | "ConfiguredValueTaskAwaitable" => arity <= 1,
        "Delegate"
        | "Type"
        | "Stopwatch"
        | "TimeSpan"
        | "CancellationToken"
        | "CancellationTokenSource"
        | "SendOrPostCallback"
        | "WaitCallback"
        | "TaskStatus"
        | "TextWriter"
        | "YieldAwaitable"
        | "ExecutionContext"
        | "Random"
        | "Console"
        | "Math"
        | "GC"
        | "Environment"
        | "ThreadPool"
        | "Thread"
        | "Array"
        | "Enum"
        | "ValueType" => arity == 0,
        _ => false,
    }
}

/// A type as C# would print it in an error message.
pub struct TypeDisplay<'t, F: Fn(ClassId) -> String> {
    pub ty: &'t Type,
    pub class_name: F,
}

impl<F: Fn(ClassId) -> String> fmt::Display for TypeDisplay<'_, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_type(f, self.ty, &self.class_name)
    }
}

fn write_type(f: &mut fmt::Formatter<'_>, t: &Type, class_name: &dyn Fn(ClassId) -> String) -> fmt::Result {
    match t {
        Type::Error => write!(f, "?"),
        Type::Dynamic => write!(f, "dynamic"),
        Type::Void => write!(f, "void"),
        Type::Null => write!(f, "<null>"),
        Type::Int => write!(f, "int"),
        Type::Long => write!(f, "long"),
        Type::Double => write!(f, "double"),
        Type::Decimal => write!(f, "decimal"),
        Type::Bool => write!(f, "bool"),
        Type::Char => write!(f, "char"),
        Type::String => write!(f, "string"),
        Type::Object => write!(f, "object"),
        Type::Class(c) => write!(f, "{}", class_name(*c)),
        Type::Array(e) => {
            write_type(f, e, class_name)?;
            write!(f, "[]")
        }
        Type::Nullable(e) => {
            write_type(f, e, class_name)?;
            write!(f, "?")
        }
        Type::Lib(name, args) => {
            write!(f, "{name}")?;
            if !args.is_empty() {
                write!(f, "<")?;
                for (i, a) in args.iter().enumerate() {
                    if i > 0 {
                        write!(f, ", ")?;
                    }
                    write_type(f, a, class_name)?;
                }
                write!(f, ">")?;
            }
            Ok(())
        }
    }
}

/// A type as .NET's stack traces name it: the runtime's names (`Int32`,
/// `String[]`, `List`1`, `Nullable`1`), a class by its own name.
pub fn clr_name(t: &Type, class_name: &dyn Fn(ClassId) -> String) -> String {
    match t {
        Type::Int => "Int32".into(),
        Type::Long => "Int64".into(),
        Type::Double => "Double".into(),
        Type::Decimal => "Decimal".into(),
        Type::Bool => "Boolean".into(),
        Type::Char => "Char".into(),
        Type::String => "String".into(),
        Type::Void => "Void".into(),
        Type::Error | Type::Dynamic | Type::Null | Type::Object => "Object".into(),
        Type::Class(c) => class_name(*c),
        Type::Array(e) => format!("{}[]", clr_name(e, class_name)),
        Type::Nullable(_) => "Nullable`1".into(),
        Type::Lib(name, args) if args.is_empty() => name.to_string(),
        Type::Lib(name, args) => format!("{name}`{}", args.len()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_parse() {
        let s = parse_signature("Func<T, bool>");
        assert_eq!(s.ty, Type::lib("Func", vec![Type::lib("T", vec![]), Type::Bool]));
        let s = parse_signature("out int");
        assert_eq!((s.ty, s.modifier), (Type::Int, SigModifier::Out));
        let s = parse_signature("params object[]");
        assert_eq!((s.ty, s.modifier), (Type::array(Type::Object), SigModifier::Params));
        let s = parse_signature("Dictionary<K,V>");
        assert!(s.ty.is_lib("Dictionary", 2));
    }

    #[test]
    fn substitution_and_unification() {
        let t = parse_signature("List<T>").ty;
        let b = vec![("T".to_string(), Type::Int)];
        assert_eq!(t.substitute(&b), Type::lib("List", vec![Type::Int]));
        let mut found = Vec::new();
        unify(&parse_signature("Func<T>").ty, &Type::lib("Func", vec![Type::String]), &mut found);
        assert_eq!(found, vec![("T".to_string(), Type::String)]);
    }

    #[test]
    fn delegate_signatures() {
        let f = Type::lib("Func", vec![Type::Int, Type::Bool]);
        assert_eq!(f.delegate_sig(), Some((vec![Type::Int], Type::Bool)));
        let c = Type::lib("Comparison", vec![Type::String]);
        assert_eq!(c.delegate_sig(), Some((vec![Type::String, Type::String], Type::Int)));
    }
}
