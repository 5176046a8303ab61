//! What no Mono-checked program can show: the event loop's deadlock (Mono
//! would hang) and `--virtual-time` (Mono has none), and what `--stats`
//! counts.

mod common;

use std::time::{Duration, Instant};

use common::run_source;

#[test]
fn waiting_on_a_task_nothing_can_complete_is_a_deadlock_error() {
    let src = r#"
using System;
using System.Threading.Tasks;
class Program {
    static void Main() {
        Console.WriteLine("waiting");
        new TaskCompletionSource<int>().Task.Wait();
        Console.WriteLine("not reached");
    }
}"#;
    let r = run_source(src, "deadlock.toy", vm::Options::default()).expect("compiles");
    assert_eq!(r.stdout, "waiting\n");
    assert_eq!(r.exit_code, 1);
    assert!(r.stderr.starts_with("Unhandled exception. System.InvalidOperationException: Deadlock"), "{}", r.stderr);
    assert!(r.stderr.contains("at Program.Main() in deadlock.toy:line 7"), "{}", r.stderr);
}

#[test]
fn virtual_time_jumps_to_the_next_timer_and_keeps_deadline_order() {
    let src = r#"
using System;
using System.Threading.Tasks;
class Program {
    static async Task Tick(int ms, string name) {
        await Task.Delay(ms);
        Console.WriteLine(name);
    }
    static void Main() {
        var slow = Tick(60000, "a minute");
        var fast = Tick(1000, "a second");
        var same = Tick(1000, "a second, set later");
        Task.WhenAll(slow, fast, same).Wait();
    }
}"#;
    let start = Instant::now();
    let options = vm::Options { virtual_time: true, ..Default::default() };
    let r = run_source(src, "virtual_time.toy", options).expect("compiles");
    assert_eq!(r.stdout, "a second\na second, set later\na minute\n", "{}", r.stderr);
    assert!(start.elapsed() < Duration::from_secs(30), "virtual time waited for real");
}

#[test]
fn an_exception_escaping_async_void_ends_the_program() {
    let src = r#"
using System;
using System.Threading.Tasks;
class Program {
    static async void Fire() {
        await Task.Yield();
        throw new InvalidOperationException("from async void");
    }
    static void Main() {
        Fire();
        Console.WriteLine("fired");
        Task.Delay(10).Wait();
        Console.WriteLine("not reached");
    }
}"#;
    let r = run_source(src, "async_void.toy", vm::Options::default()).expect("compiles");
    assert_eq!(r.stdout, "fired\n");
    assert_eq!(r.exit_code, 1);
    assert!(
        r.stderr.starts_with("Unhandled exception. System.InvalidOperationException: from async void"),
        "{}",
        r.stderr
    );
}

/// `Vm::call_static` (what `toy bench` times) runs the event loop with no
/// frame below it: an exception thrown after a suspension must still travel
/// the async2 chain to the method's own catch, not end the program.
#[test]
fn call_static_exception_after_suspension_reaches_the_catch() {
    let src = r#"
using System;
using System.Threading.Tasks;
class Program {
    static async Task<int> Fail() { await Task.Yield(); throw new Exception("late"); }
    static async Task<int> Cell() {
        try { return await Fail(); } catch (Exception e) { return e.Message.Length; }
    }
    static void Main() { }
}"#;
    for mode in [vm::Backend::Async1, vm::Backend::Async2] {
        let mut program = lang::compile_source(src, "cell.toy").expect("compiles");
        vm::prepare(&mut program, mode).expect("verifies");
        let options = vm::Options { mode, ..Default::default() };
        let mut machine = vm::Vm::new(program, options, Box::new(std::io::sink()), Box::new(std::io::sink()));
        let r = machine.call_static("Program", "Cell", &[]);
        assert!(matches!(r, Ok(vm::value::Value::Int(4))), "{mode:?}: {r:?}");
    }
}

#[test]
fn instructions_are_counted_only_when_asked() {
    let src = r#"
using System;
class Program {
    static int Sum(int n) { int s = 0; for (int i = 0; i < n; i++) s += i; return s; }
    static void Main() { Console.WriteLine(Sum(100)); }
}"#;
    let run = |count_instructions| {
        let options = vm::Options { count_instructions, ..Default::default() };
        let r = run_source(src, "count.toy", options).expect("compiles");
        assert_eq!(r.stdout, "4950\n", "{}", r.stderr);
        r.stats
    };
    let counted = run(true);
    // The loop runs at least its compare, add, increment and jump per turn.
    assert!(counted.instructions > 400, "{}", counted.instructions);
    assert_eq!(counted.calls, run(true).calls);
    assert_eq!(run(false).instructions, 0, "the uncounted loop counted");
}
