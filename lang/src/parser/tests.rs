//! Parser tests. Expressions are checked through a compact S-expression
//! rendering, so each test reads as the C# it parses and the tree it expects.

use std::fmt::Write as _;

use bumpalo::Bump;

use super::parse;
use crate::ast::*;

/// Parses `src`, asserting that there is no error.
fn parse_ok<'a>(arena: &'a Bump, src: &str) -> &'a CompilationUnit<'a> {
    let (unit, diags) = parse(arena, src);
    assert!(diags.is_empty(), "unexpected errors in {src:?}:\n{}", render(src, &diags));
    unit.expect("no unit despite no errors")
}

fn render(src: &str, diags: &[crate::diagnostic::Diagnostic]) -> String {
    let mut out = String::new();
    for d in diags {
        let at = src.get(d.span.start as usize..d.span.end as usize).unwrap_or("");
        let _ = writeln!(out, "  {}..{} `{}`: {}", d.span.start, d.span.end, at, d.message);
    }
    out
}

/// The S-expression of the initializer of `var r = <expr>;`.
fn expr(src: &str) -> String {
    let arena = Bump::new();
    let full = format!("var r = {src};");
    let unit = parse_ok(&arena, &full);
    match unit.top_level {
        [Stmt { kind: StmtKind::Local(LocalDecl { declarators: [Declarator { init: Some(e), .. }], .. }), .. }] => {
            sexpr(e)
        }
        other => panic!("unexpected statements for {src:?}: {other:?}"),
    }
}

/// The S-expression of the single top-level statement of `src`.
fn stmt(src: &str) -> String {
    let arena = Bump::new();
    let unit = parse_ok(&arena, src);
    match unit.top_level {
        [s] => sstmt(s),
        other => panic!("expected one statement in {src:?}, got {}", other.len()),
    }
}

fn ty(t: &TypeRef<'_>) -> String {
    match &t.kind {
        TypeRefKind::Named { name, args: [] } => name.to_string(),
        TypeRefKind::Named { name, args } => {
            format!("{name}<{}>", args.iter().map(ty).collect::<Vec<_>>().join(","))
        }
        TypeRefKind::Array(inner) => format!("{}[]", ty(inner)),
        TypeRefKind::Nullable(inner) => format!("{}?", ty(inner)),
    }
}

fn list(es: &[Expr<'_>]) -> String {
    es.iter().map(sexpr).collect::<Vec<_>>().join(" ")
}

fn sexpr(e: &Expr<'_>) -> String {
    match &e.kind {
        ExprKind::Literal(Literal::String(s)) => format!("{s:?}"),
        ExprKind::Literal(Literal::Int(v)) => v.to_string(),
        ExprKind::Literal(Literal::Long(v)) => format!("{v}L"),
        ExprKind::Literal(Literal::Double(v)) => format!("{v:?}"),
        ExprKind::Literal(Literal::Decimal(v)) => format!("{v:?}m"),
        ExprKind::Literal(Literal::Char(c)) => format!("'{}'", char::from_u32(*c as u32).unwrap_or('?')),
        ExprKind::Literal(Literal::Bool(b)) => b.to_string(),
        ExprKind::Literal(Literal::Null) => "null".to_string(),
        ExprKind::Interpolated(parts) => {
            let parts: Vec<String> = parts
                .iter()
                .map(|p| match p {
                    InterpolationPart::Text(t) => format!("{t:?}"),
                    InterpolationPart::Expr { expr, align, format } => {
                        let mut s = format!("{{{}", sexpr(expr));
                        if let Some(a) = align {
                            s += &format!(" ,{}", sexpr(a));
                        }
                        if let Some(f) = format {
                            s += &format!(" :{f}");
                        }
                        s + "}"
                    }
                })
                .collect();
            format!("($ {})", parts.join(" "))
        }
        ExprKind::Name(id) => id.name.to_string(),
        ExprKind::GenericName { name, type_args } => {
            format!("{}<{}>", name.name, type_args.iter().map(ty).collect::<Vec<_>>().join(","))
        }
        ExprKind::Member { target, name, type_args, null_conditional } => {
            let dot = if *null_conditional { "?." } else { "." };
            let args = if type_args.is_empty() {
                String::new()
            } else {
                format!("<{}>", type_args.iter().map(ty).collect::<Vec<_>>().join(","))
            };
            format!("{}{dot}{}{args}", sexpr(target), name.name)
        }
        ExprKind::Call { callee, args } => {
            let args: Vec<String> = args
                .iter()
                .map(|a| {
                    let mut s = String::new();
                    if let Some(n) = a.name {
                        s += &format!("{}: ", n.name);
                    }
                    s += match a.modifier {
                        ArgModifier::None => "",
                        ArgModifier::Ref => "ref ",
                        ArgModifier::Out => "out ",
                        ArgModifier::In => "in ",
                    };
                    s + &sexpr(a.value)
                })
                .collect();
            format!("(call {} [{}])", sexpr(callee), args.join(", "))
        }
        ExprKind::Index { target, args, null_conditional } => {
            format!("({} {} {})", if *null_conditional { "?[]" } else { "[]" }, sexpr(target), list(args))
        }
        ExprKind::Unary { op, operand } => format!("({op:?} {})", sexpr(operand)),
        ExprKind::Binary { op, lhs, rhs } => format!("({op:?} {} {})", sexpr(lhs), sexpr(rhs)),
        ExprKind::Assign { op, target, value } => match op {
            None => format!("(= {} {})", sexpr(target), sexpr(value)),
            Some(op) => format!("({op:?}= {} {})", sexpr(target), sexpr(value)),
        },
        ExprKind::Conditional { cond, then, else_ } => {
            format!("(? {} {} {})", sexpr(cond), sexpr(then), sexpr(else_))
        }
        ExprKind::New { ty: t, args, init } => {
            let args: Vec<String> = args.iter().map(|a| sexpr(a.value)).collect();
            let init = match init {
                None => String::new(),
                Some(Initializer::Object(members)) => {
                    let m: Vec<String> = members.iter().map(|(n, v)| format!("{}={}", n.name, sexpr(v))).collect();
                    format!(" {{{}}}", m.join(" "))
                }
                Some(Initializer::Collection(items)) => {
                    let m: Vec<String> = items.iter().map(|es| format!("[{}]", list(es))).collect();
                    format!(" {{{}}}", m.join(" "))
                }
            };
            format!("(new {} [{}]{init})", ty(t), args.join(", "))
        }
        ExprKind::NewArray { elem_ty, size, init } => {
            let t = elem_ty.as_ref().map_or("?".to_string(), ty);
            let size = size.map_or(String::new(), |s| format!(" size={}", sexpr(s)));
            let init = init.map_or(String::new(), |i| format!(" {{{}}}", list(i)));
            format!("(new-array {t}{size}{init})")
        }
        ExprKind::ArrayInit(items) => format!("{{{}}}", list(items)),
        ExprKind::Lambda { is_async, params, body } => {
            let ps: Vec<String> = params
                .iter()
                .map(|p| match &p.ty {
                    Some(t) => format!("{} {}", ty(t), p.name.name),
                    None => p.name.name.to_string(),
                })
                .collect();
            let body = match body {
                Body::Expr(e) => sexpr(e),
                Body::Block(b) => format!("{{{} stmts}}", b.stmts.len()),
            };
            format!("({}lambda [{}] {body})", if *is_async { "async " } else { "" }, ps.join(", "))
        }
        ExprKind::Is { expr, ty: t, binding } => match binding {
            Some(b) => format!("(is {} {} {})", sexpr(expr), ty(t), b.name),
            None => format!("(is {} {})", sexpr(expr), ty(t)),
        },
        ExprKind::As { expr, ty: t } => format!("(as {} {})", sexpr(expr), ty(t)),
        ExprKind::Cast { ty: t, expr } => format!("(cast {} {})", ty(t), sexpr(expr)),
        ExprKind::TypeOf(t) => format!("(typeof {})", ty(t)),
        ExprKind::NameOf(e) => format!("(nameof {})", sexpr(e)),
        ExprKind::Default(None) => "default".to_string(),
        ExprKind::Default(Some(t)) => format!("(default {})", ty(t)),
        ExprKind::This => "this".to_string(),
        ExprKind::Base => "base".to_string(),
        ExprKind::Await(e) => format!("(await {})", sexpr(e)),
        ExprKind::Throw(e) => format!("(throw {})", sexpr(e)),
        ExprKind::DeclarationExpr { ty: t, name } => format!("(decl {} {})", ty(t), name.name),
    }
}

fn local(d: &LocalDecl<'_>) -> String {
    let ds: Vec<String> = d
        .declarators
        .iter()
        .map(|d| match d.init {
            Some(e) => format!("{}={}", d.name.name, sexpr(e)),
            None => d.name.name.to_string(),
        })
        .collect();
    let kind = if d.is_const {
        "const"
    } else if d.is_using {
        "using-local"
    } else {
        "local"
    };
    format!("({kind} {} {})", ty(&d.ty), ds.join(" "))
}

fn sstmt(s: &Stmt<'_>) -> String {
    match &s.kind {
        StmtKind::Block(b) => format!("{{{}}}", b.stmts.iter().map(sstmt).collect::<Vec<_>>().join(" ")),
        StmtKind::Local(d) => local(d),
        StmtKind::Expr(e) => sexpr(e),
        StmtKind::If { cond, then, else_ } => match else_ {
            Some(e) => format!("(if {} {} {})", sexpr(cond), sstmt(then), sstmt(e)),
            None => format!("(if {} {})", sexpr(cond), sstmt(then)),
        },
        StmtKind::While { cond, body } => format!("(while {} {})", sexpr(cond), sstmt(body)),
        StmtKind::DoWhile { body, cond } => format!("(do {} {})", sstmt(body), sexpr(cond)),
        StmtKind::For { init, cond, step, body } => format!(
            "(for [{}] {} [{}] {})",
            init.iter().map(sstmt).collect::<Vec<_>>().join(" "),
            cond.map_or("_".to_string(), sexpr),
            list(step),
            sstmt(body)
        ),
        StmtKind::Foreach { ty: t, name, iterable, body } => {
            format!("(foreach {} {} {} {})", ty(t), name.name, sexpr(iterable), sstmt(body))
        }
        StmtKind::Break => "break".to_string(),
        StmtKind::Continue => "continue".to_string(),
        StmtKind::Return(e) => format!("(return{})", e.map_or(String::new(), |e| format!(" {}", sexpr(e)))),
        StmtKind::Throw(e) => format!("(throw{})", e.map_or(String::new(), |e| format!(" {}", sexpr(e)))),
        StmtKind::Try { body, catches, finally } => {
            let cs: Vec<String> = catches
                .iter()
                .map(|c| {
                    let mut s = "(catch".to_string();
                    if let Some(t) = &c.ty {
                        s += &format!(" {}", ty(t));
                    }
                    if let Some(n) = c.name {
                        s += &format!(" {}", n.name);
                    }
                    if let Some(f) = c.filter {
                        s += &format!(" when {}", sexpr(f));
                    }
                    s + &format!(" {})", b(c.body))
                })
                .collect();
            let fin = finally.map_or(String::new(), |f| format!(" (finally {})", b(f)));
            format!("(try {} {}{fin})", b(body), cs.join(" "))
        }
        StmtKind::Switch { scrutinee, sections } => {
            let ss: Vec<String> = sections
                .iter()
                .map(|sec| {
                    let labels: Vec<String> = sec
                        .labels
                        .iter()
                        .map(|l| match l {
                            SwitchLabel::Case(e) => format!("case {}", sexpr(e)),
                            SwitchLabel::Default(_) => "default".to_string(),
                        })
                        .collect();
                    format!("[{}: {}]", labels.join(", "), sec.body.iter().map(sstmt).collect::<Vec<_>>().join(" "))
                })
                .collect();
            format!("(switch {} {})", sexpr(scrutinee), ss.join(" "))
        }
        StmtKind::Using { resource, body } => {
            let r = match resource {
                UsingResource::Decl(d) => local(d),
                UsingResource::Expr(e) => sexpr(e),
            };
            format!("(using {r} {})", sstmt(body))
        }
        StmtKind::Lock { target, body } => format!("(lock {} {})", sexpr(target), sstmt(body)),
        StmtKind::Empty => ";".to_string(),
    }
}

fn b(block: &Block<'_>) -> String {
    format!("{{{}}}", block.stmts.iter().map(sstmt).collect::<Vec<_>>().join(" "))
}

/// The messages of the errors in `src`.
fn errors(src: &str) -> Vec<String> {
    let arena = Bump::new();
    let (_, diags) = parse(&arena, src);
    diags.into_iter().map(|d| d.message).collect()
}

// ---------------------------------------------------------------- expressions

#[test]
fn precedence_and_associativity() {
    assert_eq!(expr("a + b * c"), "(Add a (Mul b c))");
    assert_eq!(expr("a - b - c"), "(Sub (Sub a b) c)");
    assert_eq!(expr("a = b = c"), "(= a (= b c))");
    assert_eq!(expr("a ?? b ?? c"), "(Coalesce a (Coalesce b c))");
    assert_eq!(expr("a ? b : c ? d : e"), "(? a b (? c d e))");
    assert_eq!(expr("a || b && c | d ^ e & f == g"), "(Or a (And b (BitOr c (BitXor d (BitAnd e (Eq f g))))))");
    assert_eq!(expr("a < b == c >= d"), "(Eq (Lt a b) (Ge c d))");
    assert_eq!(expr("a << 1 + 2"), "(Shl a (Add 1 2))");
    assert_eq!(expr("-a * !b"), "(Mul (Neg a) (Not b))");
    assert_eq!(expr("x++ + ++y"), "(Add (PostInc x) (PreInc y))");
    assert_eq!(expr("~x % 3"), "(Rem (BitNot x) 3)");
    assert_eq!(expr("a += b -= 1"), "(Add= a (Sub= b 1))");
    assert_eq!(expr("a ??= b"), "(Coalesce= a b)");
    assert_eq!(expr("a <<= 2"), "(Shl= a 2)");
    assert_eq!(expr("x is string s && s.Length > 0"), "(And (is x string s) (Gt s.Length 0))");
    assert_eq!(expr("o as Foo ?? d"), "(Coalesce (as o Foo) d)");
}

#[test]
fn shifts() {
    assert_eq!(expr("x >> 2"), "(Shr x 2)");
    assert_eq!(stmt("x >>= 1;"), "(Shr= x 1)");
    assert_eq!(expr("1 << 3 >> 1"), "(Shr (Shl 1 3) 1)");
}

#[test]
fn postfix_chains() {
    assert_eq!(expr("a.b.c(1)[2].d"), "([] (call a.b.c [1]) 2).d");
    assert_eq!(expr("a.b.c(1)[2]"), "([] (call a.b.c [1]) 2)");
    assert_eq!(expr("a?.b?[0]"), "(?[] a?.b 0)");
    assert_eq!(expr("this.x.y"), "this.x.y");
    assert_eq!(expr("base.M()"), "(call base.M [])");
    assert_eq!(expr("int.Parse(s)"), "(call int.Parse [s])");
    assert_eq!(expr("string.Join(\", \", xs)"), "(call string.Join [\", \", xs])");
    assert_eq!(expr("typeof(Foo).Name"), "(typeof Foo).Name");
    assert_eq!(expr("nameof(x)"), "(nameof x)");
    assert_eq!(expr("default"), "default");
    assert_eq!(expr("default(int)"), "(default int)");
    assert_eq!(expr("(a + b).ToString()"), "(call (Add a b).ToString [])");
    assert_eq!(expr("1.5.ToString()"), "(call 1.5.ToString [])");
}

#[test]
fn generic_angle_brackets() {
    assert_eq!(stmt("List<int> xs = new List<int>();"), "(local List<int> xs=(new List<int> []))");
    assert_eq!(stmt("bool r = a < b > c;"), "(local bool r=(Gt (Lt a b) c))");
    assert_eq!(
        stmt("Dictionary<string, List<int>> d = new Dictionary<string, List<int>>();"),
        "(local Dictionary<string,List<int>> d=(new Dictionary<string,List<int>> []))"
    );
    assert_eq!(stmt("Func<int, Task<int>> f = null;"), "(local Func<int,Task<int>> f=null)");
    assert_eq!(expr("Task<int>.Factory"), "Task<int>.Factory");
    assert_eq!(expr("x < y && y > z"), "(And (Lt x y) (Gt y z))");
    assert_eq!(stmt("for (int i = 0; i < n; i++) {}"), "(for [(local int i=0)] (Lt i n) [(PostInc i)] {})");
    assert_eq!(expr("Task.FromResult<int>(5)"), "(call Task.FromResult<int> [5])");
    assert_eq!(expr("(List<int>)o"), "(cast List<int> o)");
    assert_eq!(stmt("List<int>[] buckets = null;"), "(local List<int>[] buckets=null)");
    assert_eq!(stmt("int? maybe = null;"), "(local int? maybe=null)");
    assert_eq!(stmt("List<int?> xs;"), "(local List<int?> xs)");
}

#[test]
fn user_generic_method() {
    let arena = Bump::new();
    let unit = parse_ok(
        &arena,
        "class C { static T Id<T>(T x) => x; static void M() { var y = Id<int>(1); bool b = Id < Id; }
         static T Max<T>(T a, T b) where T : IComparable<T>, new() => a.CompareTo(b) > 0 ? a : b; }",
    );
    let Item::Type(c) = &unit.items[0] else { panic!() };
    let Member::Method(id) = &c.members[0] else { panic!() };
    assert_eq!(id.type_params.len(), 1);
    assert_eq!(id.type_params[0].name, "T");
    let Member::Method(m) = &c.members[1] else { panic!() };
    let Some(Body::Block(body)) = m.body else { panic!() };
    assert_eq!(sstmt(&body.stmts[0]), "(local var y=(call Id<int> [1]))");
    assert_eq!(sstmt(&body.stmts[1]), "(local bool b=(Lt Id Id))");
    assert_eq!(c.members.len(), 3);
    assert_eq!(errors("class C { void M<T>() wher T : class { } }"), ["expected `where`, found `wher`"]);
}

#[test]
fn casts_versus_parentheses() {
    assert_eq!(expr("(int)x"), "(cast int x)");
    assert_eq!(expr("(double)a / b"), "(Div (cast double a) b)");
    assert_eq!(expr("(Foo)obj"), "(cast Foo obj)");
    assert_eq!(expr("(a) - b"), "(Sub a b)");
    assert_eq!(expr("(x)"), "x");
    assert_eq!(expr("(int)-x"), "(cast int (Neg x))");
    assert_eq!(expr("(long)(int)d"), "(cast long (cast int d))");
    assert_eq!(expr("(int?)null"), "(cast int? null)");
    assert_eq!(expr("(object)\"s\""), "(cast object \"s\")");
    assert_eq!(expr("(Foo)(bar)"), "(cast Foo bar)");
    assert_eq!(expr("(a)(b)"), "(cast a b)");
    assert_eq!(expr("f(x) + (y)"), "(Add (call f [x]) y)");
    assert_eq!(expr("(int[])o"), "(cast int[] o)");
    assert_eq!(stmt("if (x) y = 1;"), "(if x (= y 1))");
}

#[test]
fn lambdas() {
    assert_eq!(expr("x => x + 1"), "(lambda [x] (Add x 1))");
    assert_eq!(expr("async x => await x"), "(async lambda [x] (await x))");
    assert_eq!(expr("(a, b) => a * b"), "(lambda [a, b] (Mul a b))");
    assert_eq!(expr("() => 1"), "(lambda [] 1)");
    assert_eq!(expr("(int a, string b) => a"), "(lambda [int a, string b] a)");
    assert_eq!(expr("async () => { await Task.Yield(); }"), "(async lambda [] {1 stmts})");
    assert_eq!(expr("async (x) => x"), "(async lambda [x] x)");
    assert_eq!(expr("(x) => { return x; }"), "(lambda [x] {1 stmts})");
    assert_eq!(expr("() => throw new E()"), "(lambda [] (throw (new E [])))");
    assert_eq!(expr("f(x => x, y)"), "(call f [(lambda [x] x), y])");
    assert_eq!(expr("a => b => a + b"), "(lambda [a] (lambda [b] (Add a b)))");
    assert_eq!(expr("c ? (Func<int>)(() => 1) : null"), "(? c (cast Func<int> (lambda [] 1)) null)");
}

#[test]
fn interpolated_strings() {
    assert_eq!(expr(r#"$"a{x}b""#), r#"($ "a" {x} "b")"#);
    assert_eq!(expr(r#"$"{x,5:F2}|{y,-3}|{z:X}""#), r#"($ {x ,5 :F2} "|" {y ,(Neg 3)} "|" {z :X})"#);
    assert_eq!(expr(r#"$"{d["k"]}""#), r#"($ {([] d "k")})"#);
    assert_eq!(expr(r#"$"{(c ? "y" : "n")}""#), r#"($ {(? c "y" "n")})"#);
    assert_eq!(expr(r#"$"out {$"in {n}"}""#), r#"($ "out " {($ "in " {n})})"#);
    assert_eq!(expr(r#"$"{{lit}} {f(a, b)}""#), r#"($ "{lit} " {(call f [a, b])})"#);
    assert_eq!(expr(r#"$@"C:\{dir}\""""#), r#"($ "C:\\" {dir} "\\\"")"#);
    assert_eq!(expr(r#"$"""#), "($ )");
}

#[test]
fn new_expressions_and_initializers() {
    assert_eq!(expr("new Foo(1, 2)"), "(new Foo [1, 2])");
    assert_eq!(expr("new Foo { X = 1, Y = 2 }"), "(new Foo [] {X=1 Y=2})");
    assert_eq!(expr("new Foo() { X = 1, }"), "(new Foo [] {X=1})");
    assert_eq!(expr("new List<int> { 1, 2 }"), "(new List<int> [] {[1] [2]})");
    assert_eq!(
        expr("new Dictionary<string, int> { { \"a\", 1 }, { \"b\", 2 } }"),
        "(new Dictionary<string,int> [] {[\"a\" 1] [\"b\" 2]})"
    );
    assert_eq!(expr("new int[n]"), "(new-array int size=n)");
    assert_eq!(expr("new int[] { 1, 2 }"), "(new-array int {1 2})");
    assert_eq!(expr("new[] { 1, 2 }"), "(new-array ? {1 2})");
    assert_eq!(expr("new string[3][]"), "(new-array string[] size=3)");
    assert_eq!(expr("new int[2] { 1, 2 }.Length"), "(new-array int size=2 {1 2}).Length");
    assert_eq!(stmt("int[] a = { 1, 2, };"), "(local int[] a={1 2})");
    assert_eq!(
        stmt("int[][] a = { new int[] { 1 }, new int[0] };"),
        "(local int[][] a={(new-array int {1}) (new-array int size=0)})"
    );
}

#[test]
fn arguments() {
    assert_eq!(expr("f(x: 1, y: a ? b : c)"), "(call f [x: 1, y: (? a b c)])");
    assert_eq!(expr("int.TryParse(s, out var n)"), "(call int.TryParse [s, out (decl var n)])");
    assert_eq!(expr("M(out int n, ref x, out y, in z)"), "(call M [out (decl int n), ref x, out y, in z])");
    assert_eq!(
        expr("x ?? throw new ArgumentNullException(nameof(x))"),
        "(Coalesce x (throw (new ArgumentNullException [(nameof x)])))"
    );
}

// ---------------------------------------------------------------- statements

#[test]
fn statements() {
    assert_eq!(stmt("int a = 1, b, c = a;"), "(local int a=1 b c=a)");
    assert_eq!(stmt("const int K = 3;"), "(const int K=3)");
    assert_eq!(stmt("using var r = Open();"), "(using-local var r=(call Open []))");
    assert_eq!(stmt("using (var x = F()) { }"), "(using (local var x=(call F [])) {})");
    assert_eq!(stmt("using (r) G();"), "(using r (call G []))");
    assert_eq!(stmt("for (i = 0, j = 1; ; i++, j--) ;"), "(for [(= i 0) (= j 1)] _ [(PostInc i) (PostDec j)] ;)");
    assert_eq!(stmt("foreach (var kv in d) { }"), "(foreach var kv d {})");
    assert_eq!(stmt("foreach (KeyValuePair<string, int> kv in d) ;"), "(foreach KeyValuePair<string,int> kv d ;)");
    assert_eq!(stmt("while (true) break;"), "(while true break)");
    assert_eq!(stmt("do { continue; } while (x);"), "(do {continue} x)");
    assert_eq!(stmt("lock (o) { }"), "(lock o {})");
    assert_eq!(stmt("if (a) if (b) x(); else y();"), "(if a (if b (call x []) (call y [])))");
    assert_eq!(stmt("if (a) { } else if (b) { } else { }"), "(if a {} (if b {} {}))");
    assert_eq!(stmt("throw;"), "(throw)");
    assert_eq!(stmt("return;"), "(return)");
}

#[test]
fn switch_statements() {
    assert_eq!(
        stmt("switch (x) { case 1: case 2: a(); break; case \"s\": { b(); } break; default: return; }"),
        "(switch x [case 1, case 2: (call a []) break] [case \"s\": {(call b [])} break] [default: (return)])"
    );
    assert_eq!(
        stmt("switch (c) { default: x = c ? default : 1; break; }"),
        "(switch c [default: (= x (? c default 1)) break])"
    );
}

#[test]
fn try_statements() {
    assert_eq!(
        stmt(
            "try { a(); } catch (IOException e) when (e.Code > 1) { } catch (Exception) { throw; } catch { } finally { f(); }"
        ),
        "(try {(call a [])} (catch IOException e when (Gt e.Code 1) {}) (catch Exception {(throw)}) (catch {}) (finally {(call f [])}))"
    );
    assert_eq!(stmt("try { } finally { }"), "(try {}  (finally {}))");
}

// ---------------------------------------------------------------- declarations

#[test]
fn declarations() {
    let arena = Bump::new();
    let src = r#"
using System;
using System.Collections.Generic;
[assembly: ConfigureAwait(false)]

namespace Demo.App
{
    [Async2]
    public abstract class Shape : IComparable, IDisposable
    {
        private static readonly int count = 0, other;
        public const double Pi = 3.14;
        protected string name;
        public abstract double Area();
        public virtual string Describe() => $"{name}: {Area():F2}";
        public int Id { get; private set; } = 7;
        public string Name { get { return name; } set { name = value; } }
        public double Half => Area() / 2;
        public int this[int i] { get => i; set { } }
        static Shape() { }
        protected Shape(string n) : base() { name = n; }
        public Shape() : this("x") { }
        [Async1] public async Task<int> RunAsync(int x, ref int y, out int z, params int[] rest) { z = 0; return await Task.FromResult(x); }
        public static void Ext(this string s, int k = 3, string t = "d") { }
        public class Nested { }
        public enum Color { Red, Green = 5, Blue, }
    }

    interface IThing { void Do(); int Count { get; } }
    struct Point { public int X, Y; }
}
"#;
    let unit = parse_ok(&arena, src);
    assert_eq!(unit.usings.len(), 2);
    assert_eq!(unit.usings[1].path, "System.Collections.Generic");
    assert_eq!(unit.attributes.len(), 1);
    assert_eq!(unit.attributes[0].name.name, "ConfigureAwait");
    let [Item::Namespace { name, items }] = unit.items else { panic!("{:?}", unit.items.len()) };
    assert_eq!(name.name, "Demo.App");
    assert_eq!(items.len(), 3);
    let Item::Type(shape) = &items[0] else { panic!() };
    assert_eq!(shape.attributes.len(), 1);
    assert_eq!(shape.attributes[0].name.name, "Async2");
    assert!(shape.modifiers.has(Modifiers::ABSTRACT) && shape.modifiers.has(Modifiers::PUBLIC));
    assert_eq!(shape.bases.len(), 2);
    let kinds: Vec<&str> = shape
        .members
        .iter()
        .map(|m| match m {
            Member::Field(_) => "field",
            Member::Method(_) => "method",
            Member::Constructor(_) => "ctor",
            Member::Property(_) => "prop",
            Member::NestedType(_) => "type",
        })
        .collect();
    assert_eq!(
        kinds,
        [
            "field", "field", "field", "method", "method", "prop", "prop", "prop", "prop", "ctor", "ctor", "ctor",
            "method", "method", "type", "type"
        ]
    );
    let Member::Field(count) = &shape.members[0] else { panic!() };
    assert_eq!(count.declarators.len(), 2);
    assert!(count.modifiers.has(Modifiers::STATIC) && count.modifiers.has(Modifiers::READONLY));
    let Member::Method(area) = &shape.members[3] else { panic!() };
    assert!(area.body.is_none());
    let Member::Property(id) = &shape.members[5] else { panic!() };
    assert!(id.getter.as_ref().is_some_and(|g| g.body.is_none()));
    assert!(id.setter.as_ref().is_some_and(|s| s.modifiers.has(Modifiers::PRIVATE)));
    assert!(id.init.is_some());
    let Member::Property(half) = &shape.members[7] else { panic!() };
    assert!(half.expr_body.is_some());
    let Member::Property(indexer) = &shape.members[8] else { panic!() };
    assert_eq!(indexer.name.name, "this");
    assert_eq!(indexer.params.len(), 1);
    let Member::Constructor(cctor) = &shape.members[9] else { panic!() };
    assert!(cctor.modifiers.has(Modifiers::STATIC));
    let Member::Constructor(ctor) = &shape.members[10] else { panic!() };
    assert!(ctor.initializer.as_ref().is_some_and(|i| !i.is_this));
    let Member::Constructor(ctor2) = &shape.members[11] else { panic!() };
    assert!(ctor2.initializer.as_ref().is_some_and(|i| i.is_this && i.args.len() == 1));
    let Member::Method(run) = &shape.members[12] else { panic!() };
    assert_eq!(run.attributes[0].name.name, "Async1");
    assert!(run.modifiers.has(Modifiers::ASYNC));
    let mods: Vec<ParamModifier> = run.params.iter().map(|p| p.modifier).collect();
    assert_eq!(mods, [ParamModifier::None, ParamModifier::Ref, ParamModifier::Out, ParamModifier::Params]);
    assert_eq!(ty(&run.params[3].ty), "int[]");
    let Member::Method(ext) = &shape.members[13] else { panic!() };
    assert_eq!(ext.params[0].modifier, ParamModifier::This);
    assert!(ext.params[1].default.is_some());
    let Member::NestedType(color) = &shape.members[15] else { panic!() };
    assert_eq!(color.kind, TypeKind::Enum);
    assert_eq!(color.enum_members.len(), 3);
    assert!(color.enum_members[1].value.is_some());
    let Item::Type(thing) = &items[1] else { panic!() };
    assert_eq!(thing.kind, TypeKind::Interface);
    let Item::Type(point) = &items[2] else { panic!() };
    assert_eq!(point.kind, TypeKind::Struct);
}

#[test]
fn file_scoped_namespace_and_top_level_statements() {
    let arena = Bump::new();
    let unit = parse_ok(&arena, "using System;\nConsole.WriteLine(1);\nint x = 2;\nclass A { }\n");
    assert_eq!(unit.top_level.len(), 2);
    assert_eq!(unit.items.len(), 1);

    let unit = parse_ok(&arena, "namespace N.M;\nusing System;\nclass A { }\n[Async1] class B { };\n");
    assert_eq!(unit.usings.len(), 1);
    let [Item::Namespace { name, items }] = unit.items else { panic!() };
    assert_eq!(name.name, "N.M");
    let Item::Type(b) = &items[1] else { panic!() };
    assert_eq!(b.attributes.len(), 1);

    assert_eq!(
        errors("class A { }\nConsole.WriteLine(1);"),
        ["top-level statements must precede namespace and type declarations"]
    );
}

#[test]
fn main_with_async_and_generic_return() {
    let arena = Bump::new();
    let unit =
        parse_ok(&arena, "class P { static async Task<int> Main(string[] args) { await Task.Delay(1); return 0; } }");
    let Item::Type(p) = &unit.items[0] else { panic!() };
    let Member::Method(main) = &p.members[0] else { panic!() };
    assert_eq!(ty(&main.return_type), "Task<int>");
    assert_eq!(ty(&main.params[0].ty), "string[]");
}

// ---------------------------------------------------------------- errors

#[test]
fn three_independent_errors_are_all_reported() {
    let src = r#"
class P {
    static void A() {
        int x = 1 +;
        Console.WriteLine(x);
    }
    static void B() {
        Foo(1 2);
        return;
    }
    static int C( { return 1; }
    static void D() { var ok = 1; }
}
"#;
    let arena = Bump::new();
    let (unit, diags) = parse(&arena, src);
    assert_eq!(diags.len(), 3, "{}", render(src, &diags));
    let at = |i: usize| &src[diags[i].span.start as usize..diags[i].span.end as usize];
    assert_eq!(at(0), ";");
    assert_eq!(at(1), "2");
    assert_eq!(at(2), "{");
    assert_eq!(diags[0].message, "expected expression, found `;`");
    assert_eq!(diags[1].message, "expected `)` or `,`, found `2`");
    // The rest of the class still parsed.
    let unit = unit.expect("recovered unit");
    let Item::Type(p) = &unit.items[0] else { panic!() };
    assert!(p.members.iter().any(|m| matches!(m, Member::Method(m) if m.name.name == "D")));
}

#[test]
fn missing_semicolon_is_one_error() {
    let msgs = errors("class P { void M() { int x = 1\n int y = 2; x = y; } }");
    assert_eq!(msgs, ["expected `,` or `;`, found `int`"]);
}

#[test]
fn error_messages() {
    assert_eq!(errors("class { }"), ["expected identifier, found `{`"]);
    assert_eq!(errors("x = (1 + 2;"), ["expected `)`, found `;`"]);
    assert_eq!(errors("class A { int P { get; bad; } }"), ["expected `get` or `set`, found `bad`"]);
    assert_eq!(errors("class A { public public int x; }"), ["duplicate modifier"]);
    assert_eq!(errors("class A { void M() { x = \"abc; } }"), ["unterminated string literal"]);
    assert_eq!(errors("class A { void M() { } "), ["expected declaration or `}`, found end of file"]);
}

#[test]
fn running_into_the_end_after_an_error_is_not_another_error() {
    let unclosed = "class P {\n void M() {\n if (x) {\n f();\n }\n static bool G() => true;\n}\n";
    assert_eq!(errors(unclosed), ["expected statement or `}`, found `static`"]);
    assert_eq!(errors("class A { void M() { /* never closed } }"), ["unterminated block comment: expected `*/`"]);
    assert_eq!(errors("class A { void M() { if (o is null) { } } }"), ["expected type, found `null`"]);
}

#[test]
fn lexical_errors_do_not_cascade() {
    let msgs = errors("class A { void M() { var s = 'ab'; var t = 0x; var u = \"\\q\"; } }");
    assert_eq!(msgs.len(), 3, "{msgs:?}");
}

// ---------------------------------------------------------------- nesting

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    let n = 100_000;
    let cases = [
        format!("var x = {}a;", "a+".repeat(n)),
        format!("var x = {}x;", "!".repeat(n)),
        format!("var x = {}x;", "- ".repeat(n)),
        format!("var x = {}x;", "(int)".repeat(n)),
        format!("var x = {}1{};", "(".repeat(n), ")".repeat(n)),
        format!("{}x();", "if (x) ".repeat(10_000)),
        format!("x = {}1;", "a = ".repeat(n)),
        format!("var f = {}0;", "x => ".repeat(n)),
        format!("var x = {}0;", "c ? 1 : ".repeat(n)),
        format!("List<{}int{}> x;", "List<".repeat(n), ">".repeat(n)),
        format!("int{} x;", "[]".repeat(n)),
        format!("var x = {};", "a.b".repeat(n)),
        format!("var x = {}", "{".repeat(n)),
        format!("var s = {}{};", "$\"{".repeat(n), "}\"".repeat(n)),
        format!("if (a) {{}} {}", "else if (a) {} ".repeat(n)),
    ];
    for src in &cases {
        let arena = Bump::new();
        let (unit, diags) = parse(&arena, src);
        assert!(unit.is_none(), "accepted: {}...", &src[..40]);
        assert!(
            diags.iter().any(|d| d.message == "expression too deeply nested" || d.message == "nesting too deep"),
            "{}...: {:?}",
            &src[..40],
            diags.iter().map(|d| &d.message).collect::<Vec<_>>()
        );
    }
    // A 2,000-term sum is too deep too.
    assert_eq!(errors(&format!("var x = {}1;", "a+".repeat(2_000))), ["expression too deeply nested"]);
    // Long but shallow programs are fine.
    let arena = Bump::new();
    let many = format!("class A {{ void M() {{ {} }} }}", "if (a) { x++; } ".repeat(5_000));
    parse_ok(&arena, &many);
    let chain = format!("var x = a{};", ".b".repeat(200));
    parse_ok(&arena, &chain);
    let args = format!("f({}0);", "a ? 1 : 2, ".repeat(1_000));
    parse_ok(&arena, &args);
}

#[test]
fn garbage_never_panics() {
    let samples = [
        "",
        "}",
        "{",
        ")",
        "class",
        "class A",
        "class A {",
        "x",
        "x(",
        "(",
        "<>",
        ">>",
        "$\"",
        "$\"{",
        "'",
        "\"",
        "@",
        "#",
        "/*",
        "a < b < c > > d",
        "new",
        "new int[",
        "catch when (",
        "default:",
        "?.",
        "x is",
        "(int",
        "=> =>",
        "namespace;",
        "[assembly:",
        "using",
        "case 1:",
        "get; set;",
        "\u{0}\u{1}",
    ];
    for s in samples {
        let arena = Bump::new();
        let _ = parse(&arena, s);
    }
    // Every prefix of a realistic program.
    for end in (0..REALISTIC.len()).step_by(7).filter(|&i| REALISTIC.is_char_boundary(i)) {
        let arena = Bump::new();
        let _ = parse(&arena, &REALISTIC[..end]);
    }
}

// ---------------------------------------------------------------- whole programs

const REALISTIC: &str = r##"
using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace Bank
{
    public interface IAccount
    {
        decimal Balance { get; }
        void Deposit(decimal amount);
    }

    public class InsufficientFundsException : Exception
    {
        public InsufficientFundsException(string message) : base(message) { }
    }

    public enum Kind { Checking = 1, Savings }

    public static class Extensions
    {
        public static string Money(this decimal d) => $"{d:F2} EUR";
    }

    public class Account : IAccount, IDisposable
    {
        private static int nextId = 1;
        private readonly List<decimal> history = new List<decimal>();
        private readonly Dictionary<string, List<int>> tags = new Dictionary<string, List<int>>();
        public int Id { get; } = nextId++;
        public Kind Kind { get; private set; }
        public decimal Balance { get; private set; }
        public string Owner { get; set; }
        public decimal this[int i] => history[i];

        public Account(string owner, Kind kind = Kind.Checking)
        {
            Owner = owner ?? throw new ArgumentNullException(nameof(owner));
            Kind = kind;
        }

        public void Deposit(decimal amount)
        {
            if (amount <= 0m) throw new ArgumentOutOfRangeException(nameof(amount));
            Balance += amount;
            history.Add(amount);
        }

        public void Withdraw(decimal amount)
        {
            if (amount > Balance)
            {
                throw new InsufficientFundsException($"Cannot withdraw {amount.Money()} from {Owner}'s account ({Balance,10:F2})");
            }
            Balance -= amount;
            history.Add(-amount);
        }

        public async Task<decimal> InterestAsync(int months, CancellationToken token = default)
        {
            decimal rate = Kind == Kind.Savings ? 0.02m : 0.001m;
            decimal total = 0;
            for (int m = 0, shown = 0; m < months && !token.IsCancellationRequested; m++, shown++)
            {
                await Task.Delay(10, token).ConfigureAwait(false);
                total += Balance * rate / 12;
            }
            return total;
        }

        public void Dispose() { Console.WriteLine($"closing {Id}"); }
        public override string ToString() => $"#{Id} {Owner}: {Balance.Money()}";
    }

    public static class Program
    {
        static int counter;

        static bool TryFind(List<Account> accounts, string owner, out Account found)
        {
            foreach (var a in accounts)
            {
                if (a.Owner == owner) { found = a; return true; }
            }
            found = null;
            return false;
        }

        public static async Task<int> Main(string[] args)
        {
            var accounts = new List<Account> { new Account("ann"), new Account("bob", Kind.Savings) };
            int[] amounts = { 10, 20, 30 };
            var lookup = new Dictionary<string, int> { { "ann", 1 }, { "bob", 2 } };
            Func<int, Task<int>> twice = async x => { await Task.Yield(); return x * 2; };
            Action<string> log = s => Console.WriteLine(s);
            Func<int, int, int> add = (a, b) => a + b;
            Func<int> seven = () => 7;

            foreach (KeyValuePair<string, int> kv in lookup)
                log($"{kv.Key} => {kv.Value}");

            using (var acc = new Account("tmp"))
            {
                acc.Deposit(5m);
            }
            using var scoped = new Account("scoped");

            try
            {
                accounts[0].Withdraw(1000);
            }
            catch (InsufficientFundsException e) when (e.Message.Contains("ann"))
            {
                Console.WriteLine("filtered: " + e.Message);
            }
            catch (Exception)
            {
                throw;
            }
            finally
            {
                counter++;
            }

            if (TryFind(accounts, "bob", out var bob) && bob is Account b2 && b2.Balance >= 0)
            {
                bob.Deposit(amounts[1]);
            }
            else if (!int.TryParse("12", out int parsed))
            {
                return 1;
            }

            switch (accounts.Count)
            {
                case 0:
                    Console.WriteLine("none");
                    break;
                case 1:
                case 2:
                    Console.WriteLine("few");
                    break;
                default:
                    Console.WriteLine("many");
                    break;
            }

            object boxed = (object)accounts.Count;
            int unboxed = (int)boxed;
            double ratio = (double)unboxed / 3;
            long big = 1L << 40;
            int shifted = (int)(big >> 38);
            shifted >>= 1;
            bool weird = unboxed < shifted == shifted > unboxed;
            var name = accounts[0]?.Owner ?? "nobody";
            string s = null;
            s ??= "init";
            var tasks = new List<Task<int>>();
            for (int i = 0; i < 3; i++) tasks.Add(twice(i));
            int[] results = await Task.WhenAll(tasks);
            var total = 0;
            foreach (var r in results) total += r;
            Console.WriteLine($"{name} {ratio:F3} {total} {add(1, seven())} {typeof(Account).Name} {weird}");
            char c = '\n';
            Console.Write(c == '\n' ? "" : "?");
            lock (accounts) { counter += results.Length; }
            do { counter--; } while (counter > 0);
            return await Task.Run(() => counter);
        }
    }
}
"##;

#[test]
fn a_realistic_program_parses() {
    let arena = Bump::new();
    let unit = parse_ok(&arena, REALISTIC);
    let [Item::Namespace { items, .. }] = unit.items else { panic!() };
    assert_eq!(items.len(), 6);
}

#[test]
fn every_program_in_the_repository_parses() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../programs");
    let mut files = Vec::new();
    let mut dirs = vec![root.clone()];
    while let Some(dir) = dirs.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "toy") {
                files.push(path);
            }
        }
    }
    files.sort();
    assert!(!files.is_empty(), "no .toy file under {}", root.display());
    // The built-in classes are written in the language too.
    files.push(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/prelude.toy"));
    let mut failures = String::new();
    for path in &files {
        let Ok(src) = std::fs::read_to_string(path) else { continue };
        let arena = Bump::new();
        let (unit, diags) = parse(&arena, &src);
        if unit.is_none() || !diags.is_empty() {
            let _ = writeln!(failures, "{}:\n{}", path.display(), render(&src, &diags));
        }
    }
    assert!(failures.is_empty(), "programs with syntax errors:\n{failures}");
}
