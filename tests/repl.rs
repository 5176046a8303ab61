//! `toy repl` driven as a person drives it: through a pseudo-terminal,
//! typing entries at its prompt and reading what it prints.

use std::time::Duration;

use expectrl::session::OsSession as Session;
use expectrl::{Eof, Expect};

fn start() -> Session {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_toy"));
    let home = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("repl-home");
    std::fs::create_dir_all(&home).expect("home");
    cmd.env("HOME", &home).env("TERM", "dumb").env("NO_COLOR", "1");
    let mut s = expectrl::Session::spawn(cmd).expect("toy starts in a pty");
    // As a terminal does: what is typed is echoed.
    s.get_process_mut().set_echo(true, None).expect("echo on");
    s.set_expect_timeout(Some(Duration::from_secs(60)));
    s.expect(":help for help").expect("banner");
    s.expect("> ").expect("prompt");
    s
}

/// Types `entry` and returns what was printed before the next prompt
/// (without the echo of the entry itself).
fn enter(s: &mut Session, entry: &str) -> String {
    s.send_line(entry).expect("typed");
    let printed = s.expect("\n> ").expect("next prompt");
    let text = String::from_utf8_lossy(printed.before()).replace('\r', "");
    let last_line = entry.lines().last().unwrap_or("");
    let text = match text.find(last_line) {
        Some(i) => text[i + last_line.len()..].trim_start_matches('\n').to_owned(),
        None => text,
    };
    // The needle took the last line's line break.
    if text.is_empty() { text } else { text + "\n" }
}

#[test]
fn statements_expressions_and_declarations_persist() {
    let mut s = start();
    assert_eq!(enter(&mut s, "var xs = new List<int> { 1, 2, 3 };"), "");
    assert_eq!(enter(&mut s, "xs.Count * 2"), "6\n");
    assert_eq!(enter(&mut s, "xs.Add(4); Console.WriteLine(\"added\");"), "added\n");
    // The earlier entries' output is not printed again.
    assert_eq!(enter(&mut s, "xs.Count"), "4\n");
    assert_eq!(enter(&mut s, "static int Sq(int x) => x * x;"), "");
    assert_eq!(enter(&mut s, "Sq(xs[2])"), "9\n");
    assert_eq!(enter(&mut s, "class Counter { public int N; public void Up() { N++; } }"), "");
    assert_eq!(enter(&mut s, "var c = new Counter(); c.Up(); c.Up();"), "");
    assert_eq!(enter(&mut s, "c.N"), "2\n");
    assert_eq!(enter(&mut s, "await Task.Delay(100); \"awaited\""), "\"awaited\"\n");
    assert_eq!(enter(&mut s, "null"), "null\n");
    s.send(expectrl::ControlCode::EndOfTransmission).expect("Ctrl-D");
    s.expect(Eof).expect("the session ends");
}

#[test]
fn errors_are_reported_and_the_session_goes_on() {
    let mut s = start();
    assert_eq!(enter(&mut s, "var x = 6;"), "");
    let err = enter(&mut s, "y + 1");
    assert!(err.contains("<repl>:1:1: error: The name 'y' does not exist in the current context"), "{err}");
    let err = enter(&mut s, "int z = 1 +;");
    assert!(err.contains("error: expected expression"), "{err}");
    let err = enter(&mut s, "throw new InvalidOperationException(\"boom\");");
    assert!(err.contains("Unhandled exception. System.InvalidOperationException: boom"), "{err}");
    assert!(err.contains("at Submission.Main() in <repl>:line 1"), "{err}");
    // The failed entries are forgotten; the good ones stay.
    assert_eq!(enter(&mut s, "x * 7"), "42\n");
    // An unclosed brace continues on the next line.
    s.send_line("if (x > 1) {").expect("typed");
    s.expect(". ").expect("continuation prompt");
    assert_eq!(enter(&mut s, "Console.WriteLine(\"big\"); }"), "big\n");
    assert_eq!(enter(&mut s, ":mode async2"), "");
    assert_eq!(enter(&mut s, "x"), "6\n");
    s.send_line(":quit").expect("typed");
    s.expect(Eof).expect("the session ends");
}
