//! Unit tests: each compile error with its message and span, and the shape
//! of the code for the constructs the interpreter and the benchmark rely on.

use vm::bytecode::{ConvKind, HandlerKind, Instr, MethodId};
use vm::program::{AsyncReturn, BuiltinClass, Program};

use super::compile_source;
use crate::diagnostic::Diagnostic;

fn errors(src: &str) -> Vec<Diagnostic> {
    match compile_source(src, "test.toy") {
        Ok(_) => Vec::new(),
        Err(d) => d,
    }
}

fn program(src: &str) -> Program {
    match compile_source(src, "test.toy") {
        Ok(p) => p,
        Err(d) => panic!("unexpected errors: {d:?}"),
    }
}

/// Asserts exactly one error containing `message`, whose span is the text
/// `at`; `at` is written `before«at»after` when the text alone is not
/// unique (the markers are removed from the source).
#[track_caller]
fn assert_error(src: &str, message: &str, at: &str) {
    let (src, at, start) = match (src.find('«'), src.find('»')) {
        (Some(a), Some(b)) => {
            let inner = src[a + '«'.len_utf8()..b].to_string();
            let clean = src.replacen('«', "", 1).replacen('»', "", 1);
            (clean, inner, Some(a))
        }
        _ => (src.to_string(), at.to_string(), src.find(at)),
    };
    let start = start.unwrap_or_else(|| panic!("{at:?} is not in the source"));
    let errs = errors(&src);
    let found: Vec<&Diagnostic> = errs.iter().filter(|d| d.message.contains(message)).collect();
    assert_eq!(found.len(), 1, "expected one error containing {message:?}, got {errs:#?}");
    let span = found[0].span;
    assert_eq!(&src[span.start as usize..span.end as usize], at, "error {message:?} points at the wrong text");
    assert_eq!(span.start as usize, start, "error {message:?} points at the wrong occurrence");
}

fn method<'p>(p: &'p Program, name: &str) -> &'p vm::program::Method {
    let id = (0..p.methods.len())
        .map(|i| MethodId(i as u32))
        .find(|&m| p.method_display_name(m) == name)
        .unwrap_or_else(|| panic!("no method {name}"));
    p.method(id)
}

fn main_wrap(body: &str) -> String {
    format!(
        "using System;\nusing System.Collections.Generic;\nclass Program\n{{\n    static void Main()\n    {{\n{body}\n    }}\n}}\n"
    )
}

// ----- errors ----------------------------------------------------------------

#[test]
fn unknown_type() {
    let src = main_wrap("        Widget w = null;");
    assert_error(&src, "The type or namespace name 'Widget' could not be found", "Widget");
}

#[test]
fn unknown_identifier() {
    let src = main_wrap("        int count = 1;\n        Console.WriteLine(cuont);");
    assert_error(&src, "The name 'cuont' does not exist in the current context", "cuont");
}

#[test]
fn unknown_member_of_user_and_builtin_types() {
    let src = "using System;\nclass C { public int Value; }\nclass Program { static void Main() { var c = new C(); Console.WriteLine(c.Valeu); Console.WriteLine(\"s\".Lenght); } }";
    assert_error(src, "'C' does not contain a definition for 'Valeu'", "Valeu");
    assert_error(src, "'string' does not contain a definition for 'Lenght'", "Lenght");
}

#[test]
fn wrong_argument_count() {
    let src = "class Program { static int Sq(int x) => x * x; static void Main() { Sq(1, 2); } }";
    assert_error(src, "No overload for method 'Sq' takes 2 arguments", "Sq(1, 2)");
}

#[test]
fn ambiguous_call_asks_for_a_cast() {
    let src = "class Program { static void F(int a, object b) { } static void F(object a, int b) { } static void Main() { F(1, 2); } }";
    assert_error(src, "The call is ambiguous", "F(1, 2)");
    let e = errors(src);
    assert!(e[0].message.contains("add a cast"), "{}", e[0].message);
}

#[test]
fn no_overload_matches() {
    let src = "class Program { static void F(string s) { } static void F(bool b) { } static void Main() { F(1.5); } }";
    assert_error(src, "No overload for method 'F' matches the argument types (double)", "F(1.5)");
}

#[test]
fn argument_type_mismatch() {
    let src = "class Program { static void F(int x) { } static void Main() { F(\"text\"); } }";
    assert_error(src, "Argument 1: cannot convert from 'string' to 'int'", "\"text\"");
}

#[test]
fn await_outside_async() {
    let src =
        "using System.Threading.Tasks;\nclass Program { static async Task G() { } static void Main() { await G(); } }";
    assert_error(src, "The 'await' operator can only be used within an async method", "await G()");
}

#[test]
fn await_in_a_sync_lambda() {
    let src = "using System;\nusing System.Threading.Tasks;\nclass Program { static async Task G() { } static async Task Main() { Action a = () => { await G(); }; } }";
    assert_error(src, "within an async lambda expression", "await G()");
}

#[test]
fn return_value_in_void_and_task_methods() {
    let src = "using System.Threading.Tasks;\nclass Program { static void Log() { return 1; } static async Task Save() { return 2; } static void Main() { } }";
    assert_error(src, "Since 'Log' returns void, a return keyword must not be followed by an object expression", "1");
    assert_error(src, "Since 'Save' is an async method that returns 'Task'", "2");
}

#[test]
fn return_without_value_in_a_method_that_needs_one() {
    let src = "class Program { static int F() { return; } static void Main() { } }";
    assert_error(src, "An object of a type convertible to 'int' is required", "return;");
}

#[test]
fn unknown_namespace() {
    let src = "using System;\nusing System.Linq;\nclass Program { static void Main() { } }";
    assert_error(src, "The type or namespace name 'System.Linq' could not be found", "using System.Linq;");
}

#[test]
fn unsupported_attribute() {
    let src = "using System;\nclass Program { [Obsolete] static void F() { } [Async2] static void Main() { } }";
    assert_error(src, "The attribute 'Obsolete' is not supported", "Obsolete");
    assert_eq!(errors(src).len(), 1);
}

#[test]
fn duplicate_local_and_member() {
    let src = "class Program { int x; int «x»; static void Main() { int total = 0; { int total = 1; } } }";
    assert_error(src, "The type 'Program' already contains a definition for 'x'", "");
    let errs = errors(&src.replace(['«', '»'], ""));
    assert!(errs.iter().any(|d| d.message.contains("named 'total' is already defined")), "{errs:?}");
}

#[test]
fn duplicate_method_signature() {
    let src = "class Program { static void F(int a) { } static void «F»(int b) { } static void Main() { } }";
    assert_error(src, "already defines a member called 'F' with the same parameter types", "");
}

#[test]
fn break_outside_loop() {
    let src = "class Program { static void Main() { break; } }";
    assert_error(src, "No enclosing loop out of which to break or continue", "break;");
}

#[test]
fn readonly_field_and_get_only_property() {
    let src = "class C { readonly int r; public int P { get; } public C() { r = 1; P = 2; } public void M() { «r» = 3; P = 4; } }\nclass Program { static void Main() { } }";
    assert_error(src, "A readonly field cannot be assigned to", "");
    let errs = errors(&src.replace(['«', '»'], ""));
    assert_eq!(errs.len(), 2, "{errs:?}");
    assert!(
        errs.iter().any(|d| d.message.contains("Property or indexer 'P' cannot be assigned to -- it is read only"))
    );
}

#[test]
fn foreach_variable_is_read_only() {
    let src = main_wrap("        foreach (var x in new[] { 1 }) «x» = 2;");
    assert_error(&src, "Cannot assign to 'x' because it is a 'foreach iteration variable'", "");
}

#[test]
fn missing_main() {
    let src = "class Program { static void NotMain() { } }";
    let errs = errors(src);
    assert_eq!(errs.len(), 1);
    assert!(errs[0].message.contains("does not contain a static 'Main' method"), "{errs:?}");
}

#[test]
fn implicit_conversion_errors() {
    let src = main_wrap("        int x = \"text\";\n        double d = 1.5;\n        int y = d;");
    let errs = errors(&src);
    assert!(errs.iter().any(|d| d.message.contains("Cannot implicitly convert type 'string' to 'int'")), "{errs:?}");
    assert!(errs.iter().any(|d| d.message.contains("Cannot implicitly convert type 'double' to 'int'")), "{errs:?}");
}

#[test]
fn switch_fall_through() {
    let src = main_wrap("        int n = 1;\n        switch (n) { case «1»: Console.WriteLine(1); case 2: break; }");
    assert_error(&src, "Control cannot fall through from one case label", "");
}

#[test]
fn not_all_code_paths_return() {
    let src = "class Program { static int F(bool b) { if (b) return 1; } static void Main() { } }";
    assert_error(src, "not all code paths return a value", "F");
}

#[test]
fn errors_do_not_cascade() {
    // One unknown type, used three times: one error per use, and nothing
    // about what its members or the arithmetic would have been.
    let src = main_wrap("        Gadget g = null;\n        int n = g.Size + g.Count(1) * 2;");
    let errs = errors(&src);
    assert_eq!(errs.len(), 1, "{errs:?}");
}

#[test]
fn all_errors_are_reported() {
    let src = "using System;\nclass Program {\n static void A() { Console.WriteLine(nope); }\n static void B() { Gadget g = null; }\n static int Sq(int x) => x;\n static void C() { Sq(1, 2); }\n static void Main() { } }";
    assert_eq!(errors(src).len(), 3);
}

#[test]
fn static_context_and_instance_members() {
    let src = "class Program { int f; static void Main() { «f» = 1; } }";
    assert_error(src, "An object reference is required for the non-static field, method, or property", "");
}

#[test]
fn abstract_and_interface_members_must_be_implemented() {
    let src = "interface I { void M(); }\nabstract class B { public abstract int N(); }\nclass C : B, I { }\nclass Program { static void Main() { } }";
    let errs = errors(src);
    assert!(errs.iter().any(|d| d.message.contains("'C' does not implement interface member 'I.M()'")), "{errs:?}");
    assert!(
        errs.iter().any(|d| d.message.contains("'C' does not implement inherited abstract member 'B.N()'")),
        "{errs:?}"
    );
}

#[test]
fn out_parameters_on_async_methods() {
    let src = "using System.Threading.Tasks;\nclass Program { static async Task F(out int x) { x = 1; } static void Main() { } }";
    assert_error(src, "Async methods cannot have ref, in or out parameters", "out int x");
}

#[test]
fn bad_programs_never_panic() {
    // A grab bag of broken code that must produce diagnostics, not panics.
    let srcs = [
        "class Program { static void Main() { var x; } }",
        "class Program { static void Main() { int[] a = { 1, 2 }; a.Foo(); a[\"x\"] = 1; } }",
        "class A : A { } class Program { static void Main() { } }",
        "class Program { const int K = K + 1; static void Main() { } }",
        "enum E { A = B, B } class Program { static void Main() { } }",
        "class Program { static void Main() { Main = null; this.x = 1; base.Foo(); } }",
        "class Program { static void Main() { new Program { Nope = 1 }; throw 5; } }",
        "class Program { static void Main() { object o = 1; o(); o.x++; ((int)o)++; } }",
        "class Program { static void Main() { var f = x => x; f(1); } }",
        "class Program { static void Main() { try { } catch (int e) { } } }",
    ];
    for s in srcs {
        assert!(!errors(s).is_empty(), "no error for {s}");
    }
}

// ----- code shapes -------------------------------------------------------------

#[test]
fn fib_is_tight() {
    let p = program(
        "class Program { static int Fib(int n) => n < 2 ? n : Fib(n - 1) + Fib(n - 2); static void Main() { Fib(10); } }",
    );
    let m = method(&p, "Program.Fib");
    assert!(matches!(m.code[0], Instr::JumpIfNotLtImm { imm: 2, .. }), "{:?}", m.code);
    let addimm = m.code.iter().filter(|i| matches!(i, Instr::AddImm { imm: -1 | -2, .. })).count();
    assert_eq!(addimm, 2, "{:?}", m.code);
    assert!(!m.code.iter().any(|i| matches!(i, Instr::Move { .. })), "needless moves: {:?}", m.code);
    assert!(m.code.len() <= 8, "{:?}", m.code);
    assert_eq!(m.lines.len(), m.code.len());
}

#[test]
fn entry_point_and_object_methods() {
    let p = program("class Program { static void Main() { } }");
    assert_eq!(p.method_display_name(p.entry), "Program.Main");
    let object = p.class(BuiltinClass::Object.id());
    assert_eq!(object.vtable.len(), 3);
    let names: Vec<&str> = object.vtable.iter().map(|m| p.method(*m).name.as_str()).collect();
    assert_eq!(names, ["ToString", "Equals", "GetHashCode"]);
}

#[test]
fn top_level_statements() {
    let p = program("using System;\nint x = 2;\nConsole.WriteLine(x * 3);\n");
    assert_eq!(p.method_display_name(p.entry), "Program.<Main>$");
    assert!(p.method(p.entry).flags.is_static);
}

#[test]
fn vtables_and_field_layout() {
    let src = "class A { public int a; public virtual string Name() => \"A\"; public override string ToString() => \"a\"; }\n\
               class B : A { public int b; public override string Name() => \"B\"; public virtual void Extra() { } }\n\
               class Program { static void Main() { A x = new B(); x.Name(); x.ToString(); } }";
    let p = program(src);
    let a = p.class_by_name("A").expect("A");
    let b = p.class_by_name("B").expect("B");
    assert_eq!(p.class(b).fields.iter().map(|f| f.name.as_str()).collect::<Vec<_>>(), ["a", "b"]);
    let vb = &p.class(b).vtable;
    assert_eq!(vb.len(), 5);
    assert_eq!(p.method_display_name(vb[0]), "A.ToString");
    assert_eq!(p.method_display_name(vb[3]), "B.Name");
    assert_eq!(p.method(vb[3]).vslot, Some(3));
    assert_eq!(p.class(a).vtable.len(), 4);
    let main = method(&p, "Program.Main");
    assert_eq!(main.code.iter().filter(|i| matches!(i, Instr::CallVirt { .. })).count(), 2, "{:?}", main.code);
}

#[test]
fn interfaces_have_itables() {
    let src = "interface I { int P { get; } void M(); }\ninterface J : I { }\n\
               class C : J { public int P => 1; public void M() { } }\n\
               class Program { static void Main() { I i = new C(); i.M(); } }";
    let p = program(src);
    let c = p.class_by_name("C").expect("C");
    let i = p.class_by_name("I").expect("I");
    let j = p.class_by_name("J").expect("J");
    assert!(p.class(c).interfaces.contains(&i) && p.class(c).interfaces.contains(&j));
    assert_eq!(p.class(c).itable.len(), 2);
}

#[test]
fn implicit_int_to_double_conversions() {
    let p = program(
        "class Program { static double Half(double d) => d / 2; static void Main() { int i = 3; double d = i; Half(i); d += i; } }",
    );
    let main = method(&p, "Program.Main");
    let convs = main.code.iter().filter(|i| matches!(i, Instr::Conv { to: ConvKind::Double, .. })).count();
    assert_eq!(convs, 2, "{:?}", main.code);
}

#[test]
fn try_finally_copies_and_handlers() {
    let src = "using System;\nclass Program { static int F() { try { return 1; } catch (Exception e) { return 2; } finally { Console.WriteLine(3); } } static void Main() { F(); } }";
    let p = program(src);
    let f = method(&p, "Program.F");
    let copies = f.code.iter().filter(|i| matches!(i, Instr::CallNative { .. })).count();
    assert_eq!(copies, 3, "two normal copies and the exceptional one: {:?}", f.code);
    assert!(f.code.iter().any(|i| matches!(i, Instr::EndFinally { .. })));
    assert!(matches!(f.handlers[0].kind, HandlerKind::Catch { .. }));
    assert!(f.handlers.iter().any(|h| h.kind == HandlerKind::Finally));
    // No handler covers the finally copies.
    for h in &f.handlers {
        for pc in h.start.0..h.end.0 {
            assert!(!matches!(f.code[pc as usize], Instr::CallNative { .. }), "handler {h:?} covers a finally copy");
        }
    }
}

#[test]
fn exception_filters_run_detached_code() {
    let src = "using System;\nclass Program { static void Main() { try { Console.WriteLine(); } catch (Exception e) when (e.Message == \"x\") { throw; } } }";
    let p = program(src);
    let m = method(&p, "Program.Main");
    let h = &m.handlers[0];
    let HandlerKind::Filter { filter, .. } = h.kind else { panic!("{:?}", m.handlers) };
    let end = m.code[filter.index()..].iter().position(|i| matches!(i, Instr::EndFilter { .. })).expect("EndFilter");
    assert!(filter.index() + end < h.target.index());
    assert!(m.code.iter().any(|i| matches!(i, Instr::Rethrow { src } if src.0 == h.exception.0)));
}

#[test]
fn closures_use_display_classes() {
    let src =
        "using System;\nclass Program { static void Main() { int n = 1; Func<int> f = () => n + 1; n = 5; f(); } }";
    let p = program(src);
    let dc = p.classes.iter().find(|c| c.name.starts_with("<>c__DisplayClass")).expect("display class");
    assert_eq!(dc.fields[0].name, "n");
    let lambda = p.methods.iter().find(|m| m.name == "<Main>b__0_0").expect("lambda");
    assert!(!lambda.flags.is_static);
    assert_eq!(p.class(lambda.class).name, dc.name);
    let main = method(&p, "Program.Main");
    assert!(main.code.iter().any(|i| matches!(i, Instr::MakeDelegate { .. })));
    assert!(main.code.iter().any(|i| matches!(i, Instr::SetField { .. })), "n lives in the display object");
}

#[test]
fn lambdas_capturing_nothing_are_static() {
    let src = "using System;\nclass Program { static void Main() { Func<int, int> f = x => x + 1; f(1); } }";
    let p = program(src);
    let lambda = p.methods.iter().find(|m| m.name.starts_with("<Main>b__")).expect("lambda");
    assert!(lambda.flags.is_static);
    assert!(!p.classes.iter().any(|c| c.name.starts_with("<>c__DisplayClass")));
}

#[test]
fn ref_arguments_use_strong_boxes() {
    let src = "class Program { static void Inc(ref int x) { x++; } static void Main() { int a = 1; Inc(ref a); } }";
    let p = program(src);
    let main = method(&p, "Program.Main");
    assert!(
        main.code.iter().any(|i| matches!(i, Instr::NewObject { class, .. } if *class == BuiltinClass::StrongBox.id()))
    );
    let inc = method(&p, "Program.Inc");
    assert!(inc.code.iter().any(|i| matches!(i, Instr::GetField { .. })));
    assert!(inc.code.iter().any(|i| matches!(i, Instr::SetField { .. })));
}

#[test]
fn string_chains_concat_once() {
    let p = program(
        "class Program { static string F(int a, string b, object c) => \"x\" + a + b + c; static void Main() { } }",
    );
    let f = method(&p, "Program.F");
    assert_eq!(f.code.iter().filter(|i| matches!(i, Instr::Concat { .. })).count(), 1, "{:?}", f.code);
    assert_eq!(
        f.code.iter().filter(|i| matches!(i, Instr::ToStr { .. })).count(),
        1,
        "only the object is converted: {:?}",
        f.code
    );
}

#[test]
fn static_constructors_and_init_class() {
    let src =
        "class Config { public static int Level = 3; }\nclass Program { static void Main() { int x = Config.Level; } }";
    let p = program(src);
    let config = p.class_by_name("Config").expect("Config");
    assert!(p.class(config).cctor.is_some());
    let main = method(&p, "Program.Main");
    assert!(matches!(main.code[0], Instr::InitClass { class } if class == config), "{:?}", main.code);
}

#[test]
fn async_methods_are_flagged_and_await_is_neutral() {
    let src = "using System.Threading.Tasks;\nclass Program { static async Task<int> F() { return 1; } static async Task Main() { int x = await F(); } }";
    let p = program(src);
    assert_eq!(method(&p, "Program.F").flags.is_async, Some(AsyncReturn::TaskOf));
    let main = method(&p, "Program.Main");
    assert_eq!(main.flags.is_async, Some(AsyncReturn::Task));
    assert!(main.code.iter().any(|i| matches!(i, Instr::Await { .. })));
}

/// The await sites of `Program.Main`, in code order, with their `Await`s'
/// pcs and resume pcs.
fn main_awaits(p: &Program) -> Vec<(usize, vm::bytecode::Pc, &vm::program::AwaitSite)> {
    let main = method(p, "Program.Main");
    let awaits = main.code.iter().enumerate().filter_map(|(pc, i)| match *i {
        Instr::Await { site, resume, .. } => Some((pc, resume, &p.await_sites[site.index()])),
        _ => None,
    });
    awaits.collect()
}

#[test]
fn await_sites_record_the_awaited_call_and_the_registers() {
    let src = "using System.Threading.Tasks;\nclass Program { static async Task<int> F(int n) { return n; }\n\
        static async Task Main() { bool b = false; int x = await F(1); int y = await F(2).ConfigureAwait(b);\n\
        var t = F(3); int z = await t; await F(4).ConfigureAwait(G()); await Task.Yield(); }\n\
        static bool G() => true; }";
    let p = program(src);
    let main = method(&p, "Program.Main");
    let awaits = main_awaits(&p);
    assert_eq!(awaits.len(), 5);
    for (at, resume, s) in &awaits {
        // `Await aw, @resume` is followed by `resume: r := aw.GetResult()`.
        assert_eq!(resume.index(), at + 1);
        assert!(matches!(main.code[resume.index()], Instr::CallNative { dst, args, .. }
            if dst == s.result && args.base == s.awaiter.0));
        assert!(matches!(main.code[s.get_awaiter.index()], Instr::CallNative { dst, args, .. }
            if dst.reg() == s.awaiter && args.base == s.awaitable.0));
        assert!(s.library && s.on_completed.is_none());
        if let Some(call) = s.call {
            assert!(call < s.get_awaiter);
            assert!(matches!(main.code[call.index()], Instr::Call { dst, .. } if dst.0 <= s.awaitable.0));
        }
    }
    let calls: Vec<bool> = awaits.iter().map(|(_, _, s)| s.call.is_some()).collect();
    // `await t` awaits no call, and neither does a ConfigureAwait whose flag
    // is computed by a call (nor `Task.Yield()`, a native).
    assert_eq!(calls, [true, true, false, false, false]);
}

#[test]
fn backend_attributes() {
    let src = "using System.Threading.Tasks;\n[assembly: ConfigureAwait(false)]\n[Async2] class W { [Async1] public static async Task F() { } }\nclass Program { static void Main() { } }";
    let p = program(src);
    assert!(p.configure_await_false);
    let w = p.class_by_name("W").expect("W");
    assert_eq!(p.class(w).backend, Some(vm::program::Backend::Async2));
    assert_eq!(method(&p, "W.F").flags.backend, Some(vm::program::Backend::Async1));
}

#[test]
fn enums_load_constants() {
    let src = "enum Coin { Nickel = 5, Dime = 10 }\nclass Program { static void Main() { Coin c = Coin.Dime; int v = (int)c; } }";
    let p = program(src);
    let coin = p.class_by_name("Coin").expect("Coin");
    assert_eq!(p.class(coin).enum_members, vec![("Nickel".to_string(), 5), ("Dime".to_string(), 10)]);
    let main = method(&p, "Program.Main");
    assert!(main.code.iter().any(|i| matches!(i, Instr::LoadEnum { value: 10, .. })));
    assert!(main.code.iter().any(|i| matches!(i, Instr::Conv { to: ConvKind::Int, .. })));
}

#[test]
fn prelude_exceptions_have_the_vm_layout() {
    let p = program("class Program { static void Main() { } }");
    let e = p.class_by_name("System.Exception").expect("System.Exception");
    assert_eq!(p.class(e).fields[0].name, "_message");
    assert_eq!(p.class(e).fields[1].name, "_innerException");
    for name in [
        "System.InvalidOperationException",
        "System.ArgumentNullException",
        "System.Collections.Generic.KeyNotFoundException",
        "System.Threading.Tasks.TaskCanceledException",
        "System.AggregateException",
    ] {
        assert!(p.class_by_name(name).is_some(), "{name}");
    }
}

#[test]
fn every_example_program_compiles() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../programs");
    let Ok(entries) = std::fs::read_dir(&dir) else { return };
    let mut failures = Vec::new();
    for e in entries.flatten() {
        let path = e.path();
        if path.extension().and_then(|x| x.to_str()) != Some("toy") {
            continue;
        }
        let src = std::fs::read_to_string(&path).unwrap_or_default();
        if let Err(d) = compile_source(&src, "p.toy") {
            failures.push(format!("{}: {:?}", path.display(), d.iter().map(|d| &d.message).collect::<Vec<_>>()));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn deep_nesting_compiles_in_a_small_stack() {
    // The parser accepts about 250 levels; compiling them must fit in a
    // test thread's 2 MiB stack.
    let n = 240;
    let exprs = [
        format!("{}a{}", "(".repeat(n), " + 1)".repeat(n)),
        format!("{}a{}", "F(".repeat(n), ")".repeat(n)),
        format!("a{}", " + 1".repeat(n)),
        format!("\"s\"{}", " + a".repeat(n)),
    ];
    let handle = std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(move || {
            for e in exprs {
                let src = format!("class Program {{ static int F(int x) => x; static void Main() {{ int a = 1; System.Console.WriteLine({e}); }} }}");
                let _ = compile_source(&src, "deep.toy");
            }
        })
        .expect("thread");
    assert!(handle.join().is_ok());
}

#[test]
fn assignments_read_the_old_value_first() {
    // `head = new Cell(i, head)` must not overwrite `head` before the
    // constructor's arguments read it; same for `??`, `&&` and initializers.
    let src = "class Cell { public Cell Next; public Cell(Cell n) { Next = n; } }\n\
               class Program { static void Main() { Cell head = null; head = new Cell(head); head = new Cell(head); \
               bool b = true; b = false || b; string s = null; s = s ?? \"x\"; } }";
    let p = program(src);
    let main = method(&p, "Program.Main");
    let head = main.locals.iter().find(|(_, n)| n == "head").map(|(r, _)| r.0).expect("head");
    for ins in &main.code {
        if let Instr::NewObject { dst, .. } = ins {
            assert_ne!(dst.0, head, "NewObject straight into `head`: {:?}", main.code);
        }
    }
}

// ----- slot types of parameters and results ------------------------------------

#[test]
fn methods_carry_the_slot_types_of_their_parameters_and_results() {
    use vm::program::SlotType;
    let p = program(
        "using System;\nusing System.Threading.Tasks;\nenum Color { Red }\nclass Node\n{\n    \
         public double Scale(int n, ref int k, string s, Color c, object o) { return n; }\n    \
         public static async Task<int> F(bool b, char ch) { await Task.Yield(); return 1; }\n    \
         public static async Task G() { await Task.Yield(); }\n}\n\
         class Program { static void Main() { Func<int, int> f = x => x; } }\n",
    );
    let scale = method(&p, "Node.Scale");
    let color = p.class_by_name("Color").expect("Color");
    assert_eq!(
        scale.param_types,
        vec![SlotType::Ref, SlotType::Int, SlotType::Any, SlotType::Ref, SlotType::Enum(color), SlotType::Any]
    );
    assert_eq!(scale.returns, SlotType::Double);
    let f = method(&p, "Node.F");
    assert_eq!(f.param_types, vec![SlotType::Bool, SlotType::Char]);
    assert_eq!(f.returns, SlotType::Int, "an async method's returns give the T of its Task<T>");
    assert_eq!(f.call_result(), SlotType::Ref, "a call gives its task");
    assert_eq!(method(&p, "Node.G").returns, SlotType::Any);
    // A lambda's parameters are not checked against its delegate type.
    let lambda = p.methods.iter().find(|m| m.name.contains("b__")).expect("the lambda");
    assert!(lambda.param_types.iter().all(|t| *t == SlotType::Any), "{:?}", lambda.param_types);
}
