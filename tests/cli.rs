//! The `toy` command as a shell or CI sees it: exit codes, arguments,
//! standard input and output, paths in messages. Each test runs the built
//! binary as a child process.

mod common;

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

/// Writes `source` to a fresh file under the test's temporary directory.
fn program(name: &str, source: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("cli");
    std::fs::create_dir_all(&dir).expect("temporary directory");
    let path = dir.join(name);
    std::fs::write(&path, source).expect("program written");
    path
}

fn toy() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_toy"));
    c.env_remove("NO_COLOR").env_remove("CLICOLOR_FORCE");
    c
}

/// Runs `toy` with `args` and `stdin` as standard input.
fn run(args: &[&str], stdin: &str) -> Output {
    let mut child = toy()
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("toy starts");
    let mut input = child.stdin.take().expect("stdin");
    input.write_all(stdin.as_bytes()).expect("stdin written");
    drop(input);
    child.wait_with_output().expect("toy ends")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn exit_code_is_the_low_byte_of_mains_result() {
    for (value, code) in [(0, 0), (1, 1), (-1, 255), (255, 255), (256, 0), (300, 44), (-256, 0)] {
        let path = program(
            &format!("exit_{}.toy", value.to_string().replace('-', "m")),
            &format!("class P {{ static int Main() {{ return {value}; }} }}"),
        );
        let out = run(&["run", path.to_str().unwrap()], "");
        assert_eq!(out.status.code(), Some(code), "return {value}; stderr: {}", text(&out.stderr));
    }
}

#[test]
fn environment_exit_code_is_the_low_byte_too() {
    let path = program("env_exit.toy", "using System; class P { static void Main() { Environment.Exit(-2); } }");
    let out = run(&["run", path.to_str().unwrap()], "");
    assert_eq!(out.status.code(), Some(254));
}

const ECHO_ARGS: &str = r#"using System;
class P {
    static void Main(string[] args) {
        Console.WriteLine(args.Length);
        foreach (var a in args) Console.WriteLine("[" + a + "]");
        Console.WriteLine(string.Join(" ", Environment.GetCommandLineArgs()));
    }
}"#;

#[test]
fn arguments_after_the_file_reach_main() {
    let path = program("echo_args.toy", ECHO_ARGS);
    let file = path.to_str().unwrap();
    for (args, want) in [
        (vec!["run", file], "0\ntoy\n"),
        (vec!["run", file, "a", "b c"], "2\n[a]\n[b c]\ntoy a b c\n"),
        (vec!["run", file, "--", "a", "b"], "2\n[a]\n[b]\ntoy a b\n"),
        // After the file, options are the program's, as with node and dotnet run --.
        (vec!["run", file, "x", "--mode", "-y"], "3\n[x]\n[--mode]\n[-y]\ntoy x --mode -y\n"),
        (vec!["run", file, "--", "--mode"], "1\n[--mode]\ntoy --mode\n"),
        (vec!["run", "--mode", "async2", file, "a"], "1\n[a]\ntoy a\n"),
        (vec!["run", file, "--mode", "async2", "a"], "1\n[a]\ntoy a\n"),
    ] {
        let out = run(&args, "");
        assert_eq!(text(&out.stdout), want, "{args:?}: {}", text(&out.stderr));
        assert_eq!(out.status.code(), Some(0), "{args:?}");
    }
}

/// Opens `/dev/full` (every write fails with ENOSPC) as a child's stdout.
fn dev_full() -> Stdio {
    Stdio::from(std::fs::OpenOptions::new().write(true).open("/dev/full").expect("/dev/full"))
}

#[test]
fn a_failed_write_fails_the_run() {
    // A short output fails in the flush at the end of the run.
    let short =
        program("short_output.toy", "using System; class P { static void Main() { Console.WriteLine(\"hi\"); } }");
    let out = toy().args(["run", short.to_str().unwrap()]).stdout(dev_full()).output().expect("toy runs");
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("cannot write to standard output: No space left on device"),
        "{}",
        text(&out.stderr)
    );
    // A long one fails while the program runs: an IOException it can catch.
    let long = program(
        "long_output.toy",
        r#"using System;
class P {
    static int Main() {
        try {
            for (int i = 0; i < 100000; i++) Console.WriteLine("line " + i);
        } catch (Exception e) {
            Console.Error.WriteLine(e.GetType().FullName + ": " + e.Message);
            return 3;
        }
        return 0;
    }
}"#,
    );
    let out = toy().args(["run", long.to_str().unwrap()]).stdout(dev_full()).output().expect("toy runs");
    assert_eq!(text(&out.stderr), "System.IO.IOException: No space left on device\n");
    assert_eq!(out.status.code(), Some(3));
    // Unhandled, it ends the program as any exception does.
    let path = program(
        "unhandled_write.toy",
        "using System; class P { static void Main() { for (int i = 0; i < 100000; i++) Console.WriteLine(i); } }",
    );
    let out = toy().args(["run", path.to_str().unwrap()]).stdout(dev_full()).output().expect("toy runs");
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).starts_with("Unhandled exception. System.IO.IOException: No space left on device"));
    // The disassembler too.
    let out = toy().args(["disasm", short.to_str().unwrap()]).stdout(dev_full()).output().expect("toy runs");
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn a_closed_pipe_is_not_an_error() {
    let path = program(
        "pipe.toy",
        "using System; class P { static void Main() { for (int i = 0; i < 100000; i++) Console.WriteLine(i); } }",
    );
    let mut child =
        toy().args(["run", path.to_str().unwrap()]).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("toy");
    drop(child.stdout.take());
    let out = child.wait_with_output().expect("toy ends");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
}

/// Runs `toy` in `dir`.
fn run_in(dir: &std::path::Path, args: &[&str]) -> Output {
    toy().args(args).current_dir(dir).output().expect("toy runs")
}

#[test]
fn messages_name_the_path_as_given() {
    let bad = program("path_compile_error.toy", "class P {\n    static void Main() {\n        int x = y;\n    }\n}\n");
    let throws = program(
        "path_runtime_error.toy",
        "using System;\nclass P {\n    static void Main() {\n        throw new InvalidOperationException(\"no\");\n    }\n}\n",
    );
    let dir = bad.parent().unwrap();
    let sub = dir.join("sub");
    std::fs::create_dir_all(&sub).unwrap();
    let out = run_in(&sub, &["run", "../path_compile_error.toy"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("../path_compile_error.toy:3:17: error"), "{}", text(&out.stderr));
    let out = run_in(&sub, &["run", "../path_runtime_error.toy"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("at P.Main() in ../path_runtime_error.toy:line 4"), "{}", text(&out.stderr));
    let absolute = throws.to_str().unwrap();
    let out = run_in(&sub, &["run", absolute]);
    assert!(text(&out.stderr).contains(&format!("in {absolute}:line 4")), "{}", text(&out.stderr));
}

/// Runs `toy` in a pseudo-terminal (as a person at a terminal would) with
/// `env` set, and gives what it printed and its exit code.
fn in_terminal(args: &[&str], env: &[(&str, &str)]) -> (String, i32) {
    use expectrl::Expect;
    let mut cmd = toy();
    cmd.args(args).env("TERM", "xterm-256color");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut session = expectrl::Session::spawn(cmd).expect("toy starts in a pty");
    session.set_expect_timeout(Some(std::time::Duration::from_secs(30)));
    let printed = session.expect(expectrl::Eof).expect("toy ends");
    let status = session.get_process().wait().expect("exit status");
    let code = match status {
        expectrl::process::unix::WaitStatus::Exited(_, code) => code,
        other => panic!("{other:?}"),
    };
    (text(printed.as_bytes()), code)
}

const ESC: &str = "\x1b[";

#[test]
fn errors_are_coloured_on_a_terminal_only() {
    let bad = program("color_compile.toy", "class P {\n    static void Main() {\n        int x = y;\n    }\n}\n");
    let throws = program(
        "color_runtime.toy",
        "using System;\nclass P {\n    static void Main() {\n        throw new InvalidOperationException(\"no\");\n    }\n}\n",
    );
    for (path, code) in [(&bad, 2), (&throws, 1)] {
        let file = path.to_str().unwrap();
        // A pipe: plain, unless asked.
        let out = run(&["run", file], "");
        assert_eq!(out.status.code(), Some(code));
        assert!(!text(&out.stderr).contains(ESC), "{}", text(&out.stderr));
        let out = run(&["--color", "always", "run", file], "");
        assert!(text(&out.stderr).contains(ESC), "{}", text(&out.stderr));
        // A terminal: coloured, unless NO_COLOR or --color never.
        let (printed, got) = in_terminal(&["run", file], &[]);
        assert_eq!(got, code);
        assert!(printed.contains(ESC), "{printed:?}");
        let (printed, _) = in_terminal(&["run", file], &[("NO_COLOR", "1")]);
        assert!(!printed.contains(ESC), "{printed:?}");
        let (printed, _) = in_terminal(&["run", "--color", "never", file], &[]);
        assert!(!printed.contains(ESC), "{printed:?}");
    }
}

#[test]
fn a_caret_under_tab_indented_source_lines_up() {
    let path = program("tabs.toy", "class P {\n\tstatic void Main() {\n\t\tint x = y;\n\t}\n}\n");
    let out = run(&["run", path.to_str().unwrap()], "");
    let stderr = text(&out.stderr);
    let lines: Vec<&str> = stderr.lines().collect();
    let source = lines.iter().find(|l| l.contains("int x = y;")).expect("source line");
    let caret = lines.iter().find(|l| l.trim_end().ends_with('^')).expect("caret line");
    assert_eq!(source.find('y'), caret.find('^'), "{stderr}");
    assert!(stderr.ends_with("error: aborting due to 1 previous error\n"), "{stderr}");
}

#[test]
fn stack_overflow_names_the_repeating_frames() {
    let path = program(
        "overflow.toy",
        "using System;\nclass P {\n    static bool Even(int n) => n == 0 || Odd(n - 1);\n    static bool Odd(int n) => n != 0 && Even(n - 1);\n    static void Main(string[] args) {\n        Console.WriteLine(Even(10000000));\n    }\n}\n",
    );
    // --max-depth counts VM frames: in tier0 each call is one (500 pairs
    // in 1,001 frames with Main's); once tier1 inlines Odd into Even and
    // Even into Odd (after 30 calls), a frame runs two calls, and the
    // report lists both.
    for (tiers, times) in [(&["--tier0-only"][..], 500), (&[][..], 970)] {
        for mode in ["async1", "async2"] {
            let mut args = vec!["run", "--mode", mode, "--max-depth", "1001"];
            args.extend_from_slice(tiers);
            args.push(path.to_str().unwrap());
            let out = run(&args, "");
            assert_eq!(out.status.code(), Some(1));
            assert_eq!(
                text(&out.stderr),
                format!(
                    "Stack overflow.\nRepeat {times} times:\n--------------------------------\n   at P.Odd(Int32)\n   \
                     at P.Even(Int32)\n--------------------------------\n   at P.Main(String[])\n"
                )
            );
        }
    }
}

#[test]
fn stack_traces_list_parameters_so_overloads_differ() {
    let path = program(
        "overloads.toy",
        r##"using System;
using System.Collections.Generic;
class P {
    static int Lookup(int id) => Lookup("#" + id);
    static int Lookup(string key) => new Dictionary<string, int>()[key];
    static void Fill(ref int x, List<string> names, int[] more) => x = Lookup(names.Count);
    static void Main() {
        int x = 0;
        Fill(ref x, new List<string>(), null);
    }
}
"##,
    );
    let out = run(&["run", path.to_str().unwrap()], "");
    let stderr = text(&out.stderr);
    let file = path.to_str().unwrap();
    let want = format!(
        "Unhandled exception. System.Collections.Generic.KeyNotFoundException: The given key '#0' was not present in the dictionary.\n\
         \x20  at P.Lookup(String key) in {file}:line 5\n\
         \x20  at P.Lookup(Int32 id) in {file}:line 4\n\
         \x20  at P.Fill(Int32& x, List`1 names, Int32[] more) in {file}:line 6\n\
         \x20  at P.Main() in {file}:line 9\n"
    );
    assert_eq!(stderr, want);
}

#[test]
fn run_dash_reads_the_program_from_stdin() {
    let source = "using System;\nclass P {\n    static int Main(string[] args) {\n        Console.WriteLine(\"from stdin \" + args[0]);\n        return 7;\n    }\n}\n";
    let out = run(&["run", "-", "arg"], source);
    assert_eq!(text(&out.stdout), "from stdin arg\n");
    assert_eq!(out.status.code(), Some(7));
    let out = run(&["run", "-"], "class P { static void Main() { int x = y; } }");
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).starts_with("<stdin>:1:40: error: The name 'y'"), "{}", text(&out.stderr));
}

#[test]
fn the_repl_reads_entries_from_a_pipe_without_prompts() {
    let out = run(&[], "var x = 20;\nx + 1\nif (x > 1) {\n    Console.WriteLine(\"big\");\n}\nnope\nx * 2\n");
    assert_eq!(text(&out.stdout), "21\nbig\n40\n");
    assert!(text(&out.stderr).contains("The name 'nope' does not exist"), "{}", text(&out.stderr));
    assert_eq!(out.status.code(), Some(0));
    let out = run(&["repl", "--mode", "async2"], "await Task.Yield(); 5\n");
    assert_eq!(text(&out.stdout), "5\n");
}

#[test]
fn disasm_shows_the_context_capture_only_of_async2s_bodies() {
    let path = program(
        "capture.toy",
        "using System.Threading.Tasks;
         class P { static async Task<int> F() { await Task.Yield(); return 1; }
                   static void Main() { System.Console.WriteLine(F().Result); } }",
    );
    let file = path.to_str().unwrap();
    let out = run(&["disasm", "--mode", "async2", "--capture-contexts", file], "");
    assert!(out.status.success(), "{out:?}");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("SaveContext") && text.contains("RestoreContexts"), "{text}");
    let plain = run(&["disasm", "--mode", "async2", file], "");
    assert!(!String::from_utf8_lossy(&plain.stdout).contains("RestoreContexts"), "{plain:?}");
    // Another mode: an error, not a silently ignored flag.
    let out = run(&["disasm", "--mode", "async1", "--capture-contexts", file], "");
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("--mode async2"), "{out:?}");
}
