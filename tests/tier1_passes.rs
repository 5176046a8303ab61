//! tier1's one-for-one passes (`vm/src/tier1/`): a small program compiled,
//! a pass applied to one method, the rewritten instructions checked.

use vm::bytecode::{Instr, MethodId, Opcode, Pc};
use vm::tier1::{Body, Feedback, Pass, PassCx};

/// Compiles `source` (prepared for async1), applies `pass` to the method
/// named `name`, and gives its code.
fn rewritten(source: &str, name: &str, pass: Pass) -> Vec<Instr> {
    rewritten_with(source, name, &[pass], |_, _| Vec::new())
}

/// [`rewritten`] with several passes in order, and feedback recorded by
/// `record` (given the program and the method's id).
fn rewritten_with(
    source: &str,
    name: &str,
    passes: &[Pass],
    record: impl Fn(&vm::program::Program, MethodId) -> Vec<(usize, vm::bytecode::ClassId)>,
) -> Vec<Instr> {
    let mut program = lang::compile_source(source, "t.toy").expect("compiles");
    vm::prepare(&mut program, vm::Backend::Async1).expect("verifies");
    let id = program.methods.iter().position(|m| m.name == name).expect("the method");
    let tier0 = &program.methods[id];
    let kinds = vm::kinds::infer(&program, tier0);
    let mut feedback = Feedback::new(&program);
    for (pc, class) in record(&program, MethodId(id as u32)) {
        feedback.record_call(MethodId(id as u32), pc, class);
    }
    let mut body = Body {
        code: tier0.code.clone(),
        lines: tier0.lines.clone(),
        handlers: tier0.handlers.clone(),
        nregs: tier0.nregs,
        entries: vec![Pc(0)],
        osr: false,
        pc_map: (0..=tier0.code.len() as u32).collect(),
        inlined: Vec::new(),
    };
    let cx = PassCx { program: &program, method: MethodId(id as u32), tier0, kinds: &kinds, feedback: &feedback };
    for pass in passes {
        pass(&cx, &mut body);
    }
    assert_eq!(body.code.len(), tier0.code.len(), "one for one");
    body.code
}

fn opcodes(code: &[Instr]) -> Vec<Opcode> {
    code.iter().map(Instr::opcode).collect()
}

fn count(ops: &[Opcode], op: Opcode) -> usize {
    ops.iter().filter(|&&o| o == op).count()
}

#[test]
fn ints_and_doubles_are_specialized_and_the_rest_kept() {
    let code = rewritten(
        "class P { static double F(int n, double x, object o) {
             int s = 0;
             for (int i = 0; i < n; i++) s = s + i * 2;
             double y = x * x - x / 2.0;
             if (y < x) y = -y;
             string t = \"a\" + s;
             return y + s + (int)o; }
           static void Main() { System.Console.WriteLine(F(3, 1.5, 2)); } }",
        "F",
        vm::tier1::specialize::run,
    );
    let ops = opcodes(&code);
    for op in [
        Opcode::JumpIfNotLtInt,
        Opcode::MulInt,
        Opcode::AddInt,
        Opcode::AddImmInt,
        Opcode::MulDouble,
        Opcode::DivDouble,
        Opcode::SubDouble,
        Opcode::JumpIfNotLtDouble,
        Opcode::NegDouble,
        Opcode::AddNum,
    ] {
        assert!(ops.contains(&op), "{op:?} missing in {ops:?}");
    }
    // String concatenation becomes AddStr (which concatenates in the fast
    // loop); double + int (or an unknown) becomes AddNum, which tries ints
    // and doubles first.
    assert!(ops.contains(&Opcode::AddStr) && !ops.contains(&Opcode::Add), "{ops:?}");
    assert!(!ops.contains(&Opcode::Lt) && !ops.contains(&Opcode::Mul), "{ops:?}");
}

#[test]
fn fields_get_their_offsets_and_types() {
    let code = rewritten(
        "class B { public double X; public int N; public B Next; public object O; public char C; }
         class P { static void F(B b, int k) {
             b.X = b.X * 2.0; b.N = b.N + 1; b.Next = b; b.O = b.X; b.X = k; b.C = 'c'; var c = b.C; }
           static void Main() { F(new B(), 1); } }",
        "F",
        vm::tier1::specialize::run,
    );
    let ops = opcodes(&code);
    for op in [
        Opcode::GetFieldDouble,
        Opcode::SetFieldDouble,
        Opcode::GetFieldInt,
        Opcode::SetFieldInt,
        Opcode::SetFieldRef,
        Opcode::SetFieldAny,
    ] {
        assert!(ops.contains(&op), "{op:?} missing in {ops:?}");
    }
    // A char field stays generic (and so would a store that converts).
    assert_eq!(count(&ops, Opcode::GetField), 1, "{ops:?}");
    // The offsets are the Vm's layout: X first, after the header.
    let offsets: Vec<i32> = code
        .iter()
        .filter_map(|i| match *i {
            Instr::GetFieldDouble { offset, .. } | Instr::GetFieldInt { offset, .. } => Some(offset),
            _ => None,
        })
        .collect();
    assert!(offsets.len() >= 2 && offsets[0] < offsets[1], "{offsets:?}");
}

#[test]
fn indexing_and_sqrt() {
    let code = rewritten(
        "class P { static double F(double[] a, int i, object k) {
             a[i] = System.Math.Sqrt(a[i]); return System.Math.Sqrt(i) + System.Math.Sqrt((double)k); }
           static void Main() { F(new double[2], 1, 0.5); } }",
        "F",
        vm::tier1::specialize::run,
    );
    let ops = opcodes(&code);
    // a is declared double[]: its elements are read and written as doubles.
    assert!(ops.contains(&Opcode::GetElemDouble) && ops.contains(&Opcode::SetElemDouble), "{ops:?}");
    assert!(count(&ops, Opcode::SqrtDouble) >= 2, "{ops:?}");
}

#[test]
fn arrays_the_kinds_know_are_indexed_by_type_and_the_rest_generically() {
    let code = rewritten(
        "class P { static long F(int n, object[] os, char[] cs) {
             int[] a = new int[n];
             long[] l = new long[n];
             for (int i = 0; i < n; i++) { a[i] = i; l[i] = a[i] * 2; }
             os[0] = a; cs[0] = 'x';
             return a[n - 1] + l[0] + (int)cs[0]; }
           static void Main() { System.Console.WriteLine(F(3, new object[1], new char[1])); } }",
        "F",
        vm::tier1::specialize::run,
    );
    let ops = opcodes(&code);
    assert_eq!(count(&ops, Opcode::SetElemInt), 2, "{ops:?}");
    assert!(count(&ops, Opcode::GetElemInt) >= 3, "{ops:?}");
    // object[] and char[] elements keep the generic rows.
    assert_eq!(count(&ops, Opcode::SetElem), 2, "{ops:?}");
    assert_eq!(count(&ops, Opcode::GetElem), 1, "{ops:?}");
}

const SHAPES: &str = "class Shape { public virtual int Sides() { return 0; } }
     class Square : Shape { public override int Sides() { return 4; } }
     class P { static int F(Shape s) { return s.Sides(); }
       static void Main() { System.Console.WriteLine(F(new Square())); } }";

fn class_named(program: &vm::program::Program, name: &str) -> vm::bytecode::ClassId {
    vm::bytecode::ClassId(program.classes.iter().position(|c| c.name == name).expect("the class") as u32)
}

fn call_pc(program: &vm::program::Program, m: MethodId) -> usize {
    program.method(m).code.iter().position(|i| matches!(i, Instr::CallVirt { .. })).expect("a virtual call")
}

#[test]
fn a_monomorphic_virtual_call_becomes_a_guarded_direct_call() {
    let code = rewritten_with(SHAPES, "F", &[vm::tier1::guarded_calls::run], |p, m| {
        vec![(call_pc(p, m), class_named(p, "Square")), (call_pc(p, m), class_named(p, "Square"))]
    });
    let guarded = code.iter().find_map(|i| match *i {
        Instr::CallGuarded { method, .. } => Some(method),
        _ => None,
    });
    let program = lang::compile_source(SHAPES, "t.toy").expect("compiles");
    let target = guarded.expect("a guarded call");
    assert_eq!(program.method(target).class, class_named(&program, "Square"), "the override is called directly");
}

#[test]
fn polymorphic_and_unseen_calls_stay_virtual() {
    let poly = rewritten_with(SHAPES, "F", &[vm::tier1::guarded_calls::run], |p, m| {
        vec![(call_pc(p, m), class_named(p, "Square")), (call_pc(p, m), class_named(p, "Shape"))]
    });
    assert!(opcodes(&poly).contains(&Opcode::CallVirt), "{poly:?}");
    let unseen = rewritten_with(SHAPES, "F", &[vm::tier1::guarded_calls::run], |_, _| Vec::new());
    assert!(opcodes(&unseen).contains(&Opcode::CallVirt), "{unseen:?}");
}

#[test]
fn loops_get_their_back_edges_and_increments_fused() {
    let code = rewritten_with(
        "class P { static int F(int n) { int s = 0; for (int i = 0; i < n; i++) s = s + i;
             for (int j = 0; j < 10; j++) s = s + j; return s + n; }
           static void Main() { System.Console.WriteLine(F(3)); } }",
        "F",
        &[vm::tier1::specialize::run, vm::tier1::superinstructions::run],
        |_, _| Vec::new(),
    );
    let ops = opcodes(&code);
    assert_eq!(count(&ops, Opcode::IncJumpIfLtInt), 1, "{ops:?}");
    assert_eq!(count(&ops, Opcode::IncJumpIfLtImmInt), 1, "{ops:?}");
    assert_eq!(count(&ops, Opcode::ReturnAddInt), 1, "{ops:?}");
    assert!(!ops.contains(&Opcode::Jump), "every back-edge tests its condition: {ops:?}");
    // Each fused pair leaves a Nop (the return's second half stays).
    assert_eq!(count(&ops, Opcode::Nop), 2, "{ops:?}");
}

#[test]
fn a_recursion_base_case_returns_in_one_instruction() {
    let code = rewritten_with(
        "class P { static int Fib(int n) => n < 2 ? n : Fib(n - 1) + Fib(n - 2);
           static void Main() { System.Console.WriteLine(Fib(10)); } }",
        "Fib",
        &[vm::tier1::specialize::run, vm::tier1::superinstructions::run],
        |_, _| Vec::new(),
    );
    let ops = opcodes(&code);
    assert_eq!(ops[0], Opcode::ReturnIfLtImmInt, "{ops:?}");
    assert_eq!(count(&ops, Opcode::ReturnAddInt), 1, "{ops:?}");
    assert_eq!(count(&ops, Opcode::AddImmInt), 2, "{ops:?}");
}

/// The whole tier1 pipeline on the method named `name` (no feedback).
fn tier1(source: &str, name: &str) -> vm::program::Method {
    let mut program = lang::compile_source(source, "t.toy").expect("compiles");
    vm::prepare(&mut program, vm::Backend::Async1).expect("verifies");
    let id = program.methods.iter().position(|m| m.name == name).expect("the method");
    let feedback = Feedback::new(&program);
    vm::tier1::compile(&program, &feedback, MethodId(id as u32), vm::program::VersionKind::Tier1)
}

fn sites(m: &vm::program::Method) -> Vec<vm::program::InlineSite> {
    m.version.as_ref().expect("a version").inlined.clone()
}

#[test]
fn a_recursion_inlines_itself_one_level_with_its_arguments_in_place() {
    let m = tier1(
        "class P { static int Fib(int n) => n < 2 ? n : Fib(n - 1) + Fib(n - 2);
           static void Main() { System.Console.WriteLine(Fib(10)); } }",
        "Fib",
    );
    let ops = opcodes(&m.code);
    let s = sites(&m);
    assert_eq!(s.len(), 2, "{ops:?}");
    // The inlined copies' calls stay calls: one level.
    assert_eq!(count(&ops, Opcode::Call), 4, "{ops:?}");
    // The arguments are the parameters: no Move in, and the results are
    // computed into the caller's registers (no Move out).
    assert_eq!(count(&ops, Opcode::Move), 0, "{ops:?}");
    // Each copy tests the base case with one branch over its body.
    assert_eq!(count(&ops, Opcode::JumpIfLtImmInt), 2, "{ops:?}");
    for site in &s {
        assert_eq!((site.method, site.line), (MethodId(m.version.as_ref().unwrap().of.0), 1), "{site:?}");
        assert!(site.start < site.end && (site.end as usize) < m.code.len(), "{site:?}");
    }
    assert!(m.nregs < 8, "the block holds only the callee's other registers: {}", m.nregs);
}

#[test]
fn what_needs_a_frame_of_its_own_or_is_too_big_is_not_inlined() {
    let source = "using System; using System.Threading.Tasks;
        class P {
            int f;
            static int Loop(int n) { int s = 0; for (int i = 0; i < n; i++) s += i; return s; }
            static int Guarded(int n) { try { return 10 / n; } catch (DivideByZeroException) { return 0; } }
            static async Task<int> Later(int n) { await Task.Yield(); return n; }
            static int Big(int n) { n = n + 1; n = n + 1; n = n + 1; n = n + 1; n = n + 1; n = n + 1; n = n + 1;
                n = n + 1; n = n + 1; n = n + 1; n = n + 1; n = n + 1; n = n + 1; n = n + 1; n = n + 1; n = n + 1;
                n = n + 1; n = n + 1; n = n + 1; n = n + 1; n = n + 1; n = n + 1; n = n + 1; n = n + 1; return n; }
            int Get() => f;
            static int Small(int n) => n + 1;
            static int F(P p, int n) => Loop(n) + Guarded(n) + Later(n).Result + Big(n) + p.Get() + Small(n);
            static void Main() { Console.WriteLine(F(new P(), 3)); } }";
    let m = tier1(source, "F");
    let s = sites(&m);
    assert_eq!(s.len(), 1, "only Small: {s:?}");
    let ops = opcodes(&m.code);
    assert_eq!(count(&ops, Opcode::Call), 5, "{ops:?}");
}

#[test]
fn a_callee_writing_its_parameter_leaves_the_argument_and_handlers_cover_the_inlined_code() {
    let source = "using System;
        class P {
            static int Twice(int n) { n = n * 2; return n; }
            static int F(int x) {
                int y = 0;
                try { y = Twice(x); } catch (Exception) { y = -1; }
                return x + y;
            }
            static void Main() { Console.WriteLine(F(3)); } }";
    let m = tier1(source, "F");
    let s = sites(&m);
    assert_eq!(s.len(), 1, "{:?}", m.code);
    let site = s[0];
    // Twice writes n; x (r0) is read after the call and never written.
    assert!(
        m.code
            .iter()
            .all(|i| i.operands().iter().all(|(_, op)| *op != vm::bytecode::Operand::Dst(vm::bytecode::Dst(0)))),
        "{:?}",
        m.code
    );
    // The try's handler row covers every instruction of the inlined code.
    assert!(m.handlers.iter().any(|h| h.start.0 <= site.start && site.end <= h.end.0), "{:?} {:?}", m.handlers, site);
}

#[test]
fn an_int_compare_and_its_branch_fuse_when_the_flag_is_not_read_again() {
    let code = rewritten_with(
        "class P { static int F(int n, int m) {
             int s = 0;
             while (n != 0) { n--; s++; }
             if (s == m) s = 1;
             if (n > m) s += 2;
             if (n <= m) s += 4;
             bool keep = s >= m;
             if (keep) s += 8;
             return keep ? s : -s; }
           static void Main() { System.Console.WriteLine(F(3, 3)); } }",
        "F",
        &[vm::tier1::specialize::run, vm::tier1::superinstructions::run],
        |_, _| Vec::new(),
    );
    let ops = opcodes(&code);
    assert_eq!(count(&ops, Opcode::JumpIfEqInt) + count(&ops, Opcode::JumpIfNeInt), 2, "{ops:?}");
    // `n > m` and `n <= m`: a less-than jump with the operands swapped.
    assert!(count(&ops, Opcode::JumpIfLtInt) + count(&ops, Opcode::JumpIfNotLtInt) >= 2, "{ops:?}");
    assert!(!ops.contains(&Opcode::NeInt) && !ops.contains(&Opcode::EqInt), "{ops:?}");
    // `keep` is read again after its branch: its compare stays.
    assert_eq!(count(&ops, Opcode::GeInt), 1, "{ops:?}");
}

#[test]
fn a_repeated_computation_reads_the_register_that_holds_it_until_a_store_may_change_it() {
    let code = rewritten_with(
        "class B { public double m; public double v; }
         class P { static double F(B a, B b, double[] xs, int i) {
             double x = a.m * xs[i] + a.m * xs[i];
             a.v = x;
             double y = a.m;
             b.m = 2.0;
             double z = a.m + xs[i];
             xs[0] = 1.0;
             return x + y + z + xs[i]; }
           static void Main() { System.Console.WriteLine(F(new B(), new B(), new double[2], 1)); } }",
        "F",
        &[vm::tier1::specialize::run, vm::tier1::cse::run],
        |_, _| Vec::new(),
    );
    let ops = opcodes(&code);
    // `a.m * xs[i]` once; `a.m` again after the store to `a.v` (another
    // field), but read again after the store to `b.m` (which may be `a`).
    assert_eq!(count(&ops, Opcode::MulDouble), 1, "{ops:?}");
    assert_eq!(count(&ops, Opcode::GetFieldDouble), 2, "{ops:?}");
    // `xs[i]` once until the element store, then again.
    assert_eq!(count(&ops, Opcode::GetElemDouble), 2, "{ops:?}");
    assert!(count(&ops, Opcode::Move) >= 3, "{ops:?}");
}

#[test]
fn a_call_ends_what_is_available() {
    let code = rewritten_with(
        "class B { public double m; public void Set() { m = 1.0; } }
         class P { static double F(B a) { double x = a.m; a.Set(); return x + a.m; }
           static void Main() { System.Console.WriteLine(F(new B())); } }",
        "F",
        &[vm::tier1::specialize::run, vm::tier1::cse::run],
        |_, _| Vec::new(),
    );
    assert_eq!(count(&opcodes(&code), Opcode::GetFieldDouble), 2, "{code:?}");
}

/// The pcs of the instructions with opcode `op`.
fn pcs_of(m: &vm::program::Method, op: Opcode) -> Vec<usize> {
    m.code.iter().enumerate().filter(|(_, i)| i.opcode() == op).map(|(pc, _)| pc).collect()
}

#[test]
fn invariants_move_out_of_the_loops_they_do_not_change_with() {
    let m = tier1(
        "class P { static double F(int n, double k) {
             double s = 0;
             for (int i = 0; i < n; i++)
                 for (int j = 0; j < n; j++)
                     s += 1.5 / (i * 2 + j) + k * k + j * 3;
             return s; }
           static void Main() { System.Console.WriteLine(F(3, 2.0)); } }",
        "F",
    );
    let headers: Vec<usize> = vm::tier1::loop_headers(&m).iter().map(|p| p.index()).collect();
    let [outer, inner] = headers[..] else { panic!("two loops: {headers:?} {:?}", m.code) };
    // The constant and `k * k` leave both loops.
    assert!(pcs_of(&m, Opcode::LoadConst).iter().all(|&pc| pc < outer), "{:?}", m.code);
    assert!(pcs_of(&m, Opcode::MulDouble).iter().all(|&pc| pc < outer), "{:?}", m.code);
    // `i * 2` leaves the inner loop only; `j * 3` stays in it.
    let muls = pcs_of(&m, Opcode::MulInt);
    assert!(muls.len() == 2 && outer <= muls[0] && muls[0] < inner && muls[1] >= inner, "{:?}", m.code);
}

#[test]
fn a_read_after_a_store_reads_the_register_stored_and_a_checked_class_is_not_checked_again() {
    let source = "class B { public double m; }
         class P { static int last = 1;
           static int Next() { last = last * 3 + 1; return last; }
           static double F(B a, B b, double x) {
             a.m = x;
             b.m = 2.0;
             double y = a.m;
             a.m = x;
             return y + a.m + Next(); }
           static void Main() { System.Console.WriteLine(F(new B(), new B(), 1.0)); } }";
    let m = tier1(source, "F");
    let ops = opcodes(&m.code);
    // `a.m` after `b.m = 2.0` is read; after `a.m = x`, x is.
    assert_eq!(count(&ops, Opcode::GetFieldDouble), 1, "{ops:?}");
    // Next, inlined: `last` is read once (its store forwards to the
    // return), and its class check goes (F's first instruction checked P).
    assert_eq!(count(&ops, Opcode::GetStatic), 1, "{ops:?}");
    assert_eq!(count(&ops, Opcode::InitClassFast), 1, "{ops:?}");
    assert_eq!(ops.first(), Some(&Opcode::InitClassFast), "{ops:?}");
}

#[test]
fn a_constructor_of_a_new_object_inlines_and_leaves_inline_into_inlined_code() {
    let source = "class Node {
            Node next; int v;
            public Node(Node next, int v) { this.next = next; this.v = v; }
            public int Get() => v; }
        class P {
            static int Twice(int x) => x * 2;
            static int Outer(int x) => Twice(x) + 1;
            static int F(Node n, int x) { Node m = new Node(n, Outer(x)); return n.Get() + m.Get(); }
            static void Main() { System.Console.WriteLine(F(new Node(null, 1), 3)); } }";
    let m = tier1(source, "F");
    let s = sites(&m);
    assert_eq!(s.len(), 3, "Outer, Twice inside it, and the constructor: {s:?} {:?}", m.code);
    // Twice's site (round 2) lies inside Outer's.
    let (outer, twice) = (s[0], s[2]);
    assert!(outer.start <= twice.start && twice.end < outer.end, "{s:?}");
    // `n.Get()` and `m.Get()` stay calls: as far as the block shows their
    // receivers may be null (a parameter; a copy of a local).
    assert_eq!(count(&opcodes(&m.code), Opcode::Call), 2, "{:?}", m.code);
}
