//! `toy repl` (and `toy` alone): an interactive session, as `csi`, `node`
//! and `lua` offer.
//!
//! Each entry is C# top-level statements, a method, a type or a `using`
//! directive. The compiler and the VM take whole programs, so a session is
//! kept as source and every entry is compiled and run as one program:
//!
//! ```text
//! using System; ... (every namespace toy knows), the session's usings
//! static class Submission {
//!     the session's methods
//!     static async Task Main() {
//!         the session's statements (replayed: their output is dropped)
//!         Console.Write(MARK); Console.Error.Write(MARK);
//!         the new entry
//!     }
//! }
//! the session's types
//! ```
//!
//! Output before the mark (what earlier entries print again) is dropped,
//! so only the new entry's shows. Replaying is why the event loop runs in
//! virtual time here (an earlier `await Task.Delay(1000)` costs nothing the
//! next time) and why an entry that fails, to compile or at run time, is
//! forgotten. Methods are static methods of `Submission`: they see each
//! other, not the session's variables (locals of `Main`).

use std::io::{BufRead, IsTerminal, Write};

use crate::diagnostics::{self, ColorWhen};

/// What separates the replayed entries' output from the new entry's.
const MARK: &str = "\u{1}toy-repl\u{1}";

const USINGS: &str = "using System;\nusing System.Collections.Generic;\nusing System.Diagnostics;\nusing System.Threading;\n\
                      using System.Threading.Tasks;\nusing System.Runtime.CompilerServices;\n";

const HELP: &str = "Enter C# statements, expressions (their value is printed), methods and types.
Declarations stay for the rest of the session; `await` works at the top level.
  :help              this text
  :reset             forget everything entered
  :mode async1|async2  the backend of async methods (default async1)
  :quit              leave (or Ctrl-D)";

/// Where the parts of an entry are in the code compiled for it: (offset in
/// the code, offset in the entry, length).
type Segments = Vec<(usize, usize, usize)>;

/// What an entry declares or does, which decides where it goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Using,
    Type,
    Method,
    Statements,
    /// Ends without `;` or `}`: its value is printed.
    Expression,
}

/// A session: what was entered and accepted so far.
pub struct Session {
    mode: vm::Backend,
    color: ColorWhen,
    usings: Vec<String>,
    types: Vec<String>,
    methods: Vec<String>,
    statements: Vec<String>,
    /// Entries evaluated (names each expression's value variable).
    count: usize,
}

impl Session {
    pub fn new(mode: vm::Backend, color: ColorWhen) -> Session {
        Session {
            mode,
            color,
            usings: Vec::new(),
            types: Vec::new(),
            methods: Vec::new(),
            statements: Vec::new(),
            count: 0,
        }
    }

    /// Evaluates one entry (or a `:command`); returns false to end the session.
    pub fn eval(&mut self, entry: &str) -> bool {
        let entry = entry.trim();
        match entry.split_whitespace().collect::<Vec<_>>()[..] {
            [] => return true,
            [":quit" | ":q" | ":exit"] => return false,
            [":help" | ":h"] => println!("{HELP}"),
            [":reset"] => *self = Session::new(self.mode, self.color),
            [":mode", mode] => match mode {
                "async1" => self.mode = vm::Backend::Async1,
                "async2" => self.mode = vm::Backend::Async2,
                _ => eprintln!("error: unknown mode `{mode}` (async1 or async2)"),
            },
            [c, ..] if c.starts_with(':') => eprintln!("error: unknown command `{c}` (:help lists them)"),
            _ => self.entry(entry),
        }
        true
    }

    fn entry(&mut self, entry: &str) {
        self.count += 1;
        let kind = classify(entry);
        let value = format!("__value{}", self.count);
        // An expression is printed; one that has no value (a void call) is
        // run as a statement instead.
        let attempts: Vec<(Kind, String, Segments)> = match kind {
            Kind::Expression => {
                // Statements, then the expression whose value is printed.
                let split = last_statement_end(entry);
                let (stmts, expr) = entry.split_at(split);
                let newline = if stmts.is_empty() { "" } else { "\n" };
                let prefix = format!("{stmts}{newline}object {value} = (");
                let print = format!(
                    ");\nConsole.WriteLine({value} == null ? \"null\" : {value} is string {value}s ? \
                     \"\\\"\" + {value}s + \"\\\"\" : {value}.ToString());"
                );
                vec![
                    (
                        Kind::Expression,
                        format!("{prefix}{expr}{print}"),
                        vec![(0, 0, split), (prefix.len(), split, expr.len())],
                    ),
                    (Kind::Statements, format!("{entry};"), vec![(0, 0, entry.len())]),
                ]
            }
            kind => vec![(kind, entry.to_owned(), vec![(0, 0, entry.len())])],
        };
        let mut first_errors = None;
        for (kind, code, segments) in attempts {
            let (source, start) = self.program(kind, &code);
            match lang::compile_source(&source, "<repl>") {
                Ok(program) => {
                    let first_line = source[..start].lines().count() + 1;
                    let lines = first_line..first_line + code.lines().count();
                    if matches!(kind, Kind::Statements | Kind::Expression) && !self.run(program, lines) {
                        return;
                    }
                    self.keep(kind, code);
                    return;
                }
                Err(diags) => {
                    first_errors.get_or_insert((diags, start, segments));
                }
            }
        }
        if let Some((diags, start, segments)) = first_errors {
            // Spans relative to the entry as typed.
            let map = |p: u32| {
                let p = (p as usize).saturating_sub(start);
                let found = segments.iter().rev().find(|&&(code, _, _)| code <= p);
                found.map_or(0, |&(code, at, len)| at + (p - code).min(len))
            };
            let diags: Vec<lang::Diagnostic> = diags
                .into_iter()
                .map(|mut d| {
                    d.span = lang::ast::Span::new(map(d.span.start), map(d.span.end));
                    d
                })
                .collect();
            diagnostics::emit("<repl>", entry, &diags, self.color);
        }
    }

    /// The whole program with `code` as the new entry of `kind`, and where
    /// `code` starts in it.
    fn program(&self, kind: Kind, code: &str) -> (String, usize) {
        let mut s = String::from(USINGS);
        let mut start = 0;
        let mut put = |s: &mut String, k: Kind| {
            if k == kind {
                start = s.len();
                s.push_str(code);
                s.push('\n');
            }
        };
        for u in &self.usings {
            s.push_str(u);
            s.push('\n');
        }
        put(&mut s, Kind::Using);
        s.push_str("static class Submission {\n");
        for m in &self.methods {
            s.push_str(m);
            s.push('\n');
        }
        put(&mut s, Kind::Method);
        s.push_str("static async Task Main() {\n");
        for st in &self.statements {
            s.push_str(st);
            s.push('\n');
        }
        s.push_str(&format!("Console.Write({MARK:?}); Console.Error.Write({MARK:?});\n").replace("\\u{1}", "\\u0001"));
        put(&mut s, Kind::Statements);
        put(&mut s, Kind::Expression);
        s.push_str("}\n}\n");
        for t in &self.types {
            s.push_str(t);
            s.push('\n');
        }
        put(&mut s, Kind::Type);
        (s, start)
    }

    /// Runs a program whose new entry follows the mark (on `lines` of its
    /// source); true if it ended normally.
    fn run(&self, program: vm::program::Program, lines: std::ops::Range<usize>) -> bool {
        let options = vm::Options {
            mode: self.mode,
            virtual_time: true,
            color_errors: self.color.colors_stderr(),
            ..Default::default()
        };
        let out = Box::new(AfterMark::new(std::io::stdout(), None));
        let err = Box::new(AfterMark::new(std::io::stderr(), Some(lines)));
        let outcome = vm::run(program, options, out, err);
        let _ = std::io::stdout().flush();
        outcome.exit_code == 0
    }

    fn keep(&mut self, kind: Kind, code: String) {
        match kind {
            Kind::Using => self.usings.push(code),
            Kind::Type => self.types.push(code),
            Kind::Method => self.methods.push(code),
            Kind::Statements | Kind::Expression => self.statements.push(code),
        }
    }
}

/// Which part of the program an entry belongs to, from its first words.
fn classify(entry: &str) -> Kind {
    const MODIFIERS: &[&str] = &[
        "public",
        "private",
        "protected",
        "internal",
        "static",
        "abstract",
        "sealed",
        "partial",
        "async",
        "unsafe",
        "readonly",
    ];
    const STATEMENT_WORDS: &[&str] = &[
        "if",
        "else",
        "while",
        "for",
        "foreach",
        "do",
        "switch",
        "return",
        "throw",
        "try",
        "using",
        "lock",
        "await",
        "new",
        "var",
        "yield",
        "break",
        "continue",
        "case",
        "default",
        "checked",
        "unchecked",
        "const",
    ];
    let words: Vec<&str> =
        entry.split(|c: char| !(c.is_alphanumeric() || c == '_' || c == '.')).filter(|w| !w.is_empty()).collect();
    if entry.starts_with("using ")
        && !entry.starts_with("using (")
        && !entry.starts_with("using var ")
        && entry.ends_with(';')
    {
        return Kind::Using;
    }
    let rest: Vec<&str> = words.iter().copied().skip_while(|w| MODIFIERS.contains(w)).collect();
    if matches!(rest.first(), Some(&("class" | "struct" | "interface" | "enum" | "namespace" | "record"))) {
        return Kind::Type;
    }
    if entry.starts_with('[') && entry.contains("class ") {
        return Kind::Type;
    }
    if is_method(entry, &rest, STATEMENT_WORDS) {
        return Kind::Method;
    }
    if entry.ends_with(';') || entry.ends_with('}') { Kind::Statements } else { Kind::Expression }
}

/// `Type Name(params) {` or `=> expr;`: a return type (or `void`), a name,
/// a parameter list, then a body, not a call statement or a declaration of
/// a local initialised by a call.
fn is_method(entry: &str, words: &[&str], statement_words: &[&str]) -> bool {
    let Some(open) = entry.find('(') else { return false };
    let head = &entry[..open];
    if head.contains('=') || head.contains(';') {
        return false;
    }
    let head_words: Vec<&str> = head.split_whitespace().collect();
    let first = words.first().copied().unwrap_or("");
    if head_words.len() < 2 || statement_words.contains(&first) {
        return false;
    }
    // After the parameter list: a body.
    let mut depth = 0;
    for (i, c) in entry[open..].char_indices() {
        match c {
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth == 0 {
                    let after = entry[open + i + 1..].trim_start();
                    return after.starts_with('{') || after.starts_with("=>");
                }
            }
            _ => {}
        }
    }
    false
}

/// Where the statements of an entry end and its final expression starts:
/// after its last `;` or `}` outside brackets, strings and comments (0 if none).
fn last_statement_end(text: &str) -> usize {
    let mut end = 0;
    scan(text, |i, c, depth| {
        if depth == 0 && (c == ';' || c == '}') {
            end = i + 1;
        }
    });
    end
}

/// Whether `text` has an unclosed `(`, `[` or `{` (outside strings,
/// characters and comments): the entry goes on on the next line.
pub fn incomplete(text: &str) -> bool {
    let mut depth = 0;
    scan(text, |_, _, d| depth = d);
    depth > 0
}

/// Calls `f(offset, char, depth after it)` for each bracket, `;` and other
/// character of code outside strings, characters and comments.
fn scan(text: &str, mut f: impl FnMut(usize, char, i32)) {
    let mut depth = 0i32;
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match c {
            '(' | '[' | '{' => depth += 1,
            ')' | ']' | '}' => depth -= 1,
            '"' | '\'' => {
                while let Some((_, d)) = chars.next() {
                    match d {
                        '\\' => {
                            chars.next();
                        }
                        d if d == c => break,
                        _ => {}
                    }
                }
                continue;
            }
            '/' if chars.peek().is_some_and(|&(_, d)| d == '/') => {
                for (_, d) in chars.by_ref() {
                    if d == '\n' {
                        break;
                    }
                }
                continue;
            }
            '/' if chars.peek().is_some_and(|&(_, d)| d == '*') => {
                chars.next();
                let mut last = ' ';
                for (_, d) in chars.by_ref() {
                    if last == '*' && d == '/' {
                        break;
                    }
                    last = d;
                }
                continue;
            }
            _ => {}
        }
        f(i, c, depth);
    }
}

/// Standard output or error with everything before [`MARK`] dropped. On
/// standard error, stack-trace lines are rewritten after it: a frame in
/// the new entry (on `lines` of the program) gets the entry's own line
/// number, a frame elsewhere (earlier entries) none.
struct AfterMark<W: Write> {
    inner: W,
    seen: bool,
    pending: Vec<u8>,
    lines: Option<std::ops::Range<usize>>,
}

impl<W: Write> AfterMark<W> {
    fn new(inner: W, lines: Option<std::ops::Range<usize>>) -> AfterMark<W> {
        AfterMark { inner, seen: false, pending: Vec::new(), lines }
    }

    /// Writes the complete lines of `pending` (all of it if `all`).
    fn write_lines(&mut self, all: bool) -> std::io::Result<()> {
        let Some(lines) = &self.lines else {
            self.inner.write_all(&self.pending)?;
            self.pending.clear();
            return Ok(());
        };
        let end =
            if all { self.pending.len() } else { self.pending.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1) };
        let text = String::from_utf8_lossy(&self.pending[..end]).into_owned();
        self.pending.drain(..end);
        const AT: &str = " in <repl>:line ";
        let mut out = String::new();
        for line in text.split_inclusive('\n') {
            match line.find(AT) {
                Some(i) if line.trim_start().starts_with("at ") => {
                    let n: usize = line[i + AT.len()..].trim_end().parse().unwrap_or(0);
                    out.push_str(&line[..i]);
                    if lines.contains(&n) {
                        out.push_str(&format!("{AT}{}", n - lines.start + 1));
                    }
                    if line.ends_with('\n') {
                        out.push('\n');
                    }
                }
                _ => out.push_str(line),
            }
        }
        self.inner.write_all(out.as_bytes())
    }
}

impl<W: Write> Write for AfterMark<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.pending.extend_from_slice(buf);
        if self.seen {
            self.write_lines(false)?;
            return Ok(buf.len());
        }
        let mark = MARK.as_bytes();
        if let Some(i) = self.pending.windows(mark.len()).position(|w| w == mark) {
            self.seen = true;
            self.pending.drain(..i + mark.len());
            self.write_lines(false)?;
        } else if self.pending.len() >= mark.len() {
            self.pending.drain(..self.pending.len() + 1 - mark.len());
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        if self.seen {
            self.write_lines(true)?;
        }
        self.inner.flush()
    }
}

/// Runs a session on the terminal (line editing and history) or, when
/// standard input is not one, on its lines without prompts.
pub fn run(mode: vm::Backend, color: ColorWhen) -> std::process::ExitCode {
    let mut session = Session::new(mode, color);
    if !std::io::stdin().is_terminal() {
        let mut entry = String::new();
        for line in std::io::stdin().lock().lines() {
            let Ok(line) = line else { break };
            entry.push_str(&line);
            entry.push('\n');
            if incomplete(&entry) {
                continue;
            }
            if !session.eval(&std::mem::take(&mut entry)) {
                break;
            }
        }
        if !entry.trim().is_empty() {
            session.eval(&entry);
        }
        return std::process::ExitCode::SUCCESS;
    }
    let mut editor = match rustyline::DefaultEditor::new() {
        Ok(e) => e,
        Err(e) => {
            eprintln!("error: cannot start the line editor: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let history = std::env::var_os("HOME").map(|h| std::path::PathBuf::from(h).join(".toy_history"));
    if let Some(h) = &history {
        let _ = editor.load_history(h);
    }
    println!("toy {} — C# statements and expressions; :help for help, Ctrl-D to quit", env!("CARGO_PKG_VERSION"));
    let mut entry = String::new();
    loop {
        let prompt = if entry.is_empty() { "> " } else { ". " };
        match editor.readline(prompt) {
            Ok(line) => {
                entry.push_str(&line);
                entry.push('\n');
                if incomplete(&entry) {
                    continue;
                }
                let _ = editor.add_history_entry(entry.trim_end());
                if !session.eval(&std::mem::take(&mut entry)) {
                    break;
                }
            }
            // Ctrl-C drops the entry being typed, as a shell does.
            Err(rustyline::error::ReadlineError::Interrupted) => entry.clear(),
            Err(_) => break,
        }
    }
    if let Some(h) = &history {
        let _ = editor.save_history(h);
    }
    std::process::ExitCode::SUCCESS
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_are_classified() {
        assert_eq!(classify("using System.Text;"), Kind::Using);
        assert_eq!(classify("using (var d = new D()) { }"), Kind::Statements);
        assert_eq!(classify("class C { public int V; }"), Kind::Type);
        assert_eq!(classify("public static class Ext { }"), Kind::Type);
        assert_eq!(classify("static int Sq(int x) => x * x;"), Kind::Method);
        assert_eq!(classify("async Task<int> F() { return 1; }"), Kind::Method);
        assert_eq!(classify("void Hello() { Console.WriteLine(1); }"), Kind::Method);
        assert_eq!(classify("var x = F(1);"), Kind::Statements);
        assert_eq!(classify("Console.WriteLine(1);"), Kind::Statements);
        assert_eq!(classify("if (x) { }"), Kind::Statements);
        assert_eq!(classify("else if (x) { }"), Kind::Statements);
        assert_eq!(classify("await F()"), Kind::Expression);
        assert_eq!(classify("x * 2"), Kind::Expression);
    }

    #[test]
    fn the_value_printed_is_the_last_expression() {
        assert_eq!(last_statement_end("x * 2"), 0);
        assert_eq!(last_statement_end("await Task.Delay(1); \"a;b\""), 20);
        assert_eq!(last_statement_end("if (x) { y(); } z"), 15);
    }

    #[test]
    fn open_brackets_continue_the_entry() {
        assert!(incomplete("class C {"));
        assert!(incomplete("F(1,\n"));
        assert!(!incomplete("var s = \"{(\";"));
        assert!(!incomplete("var c = '{'; // {"));
        assert!(!incomplete("x /* { */"));
    }

    #[test]
    fn only_what_follows_the_mark_is_written() {
        let mut w = AfterMark::new(Vec::new(), None);
        for part in ["replayed\n", "\u{1}toy-", "repl\u{1}", "new\n"] {
            w.write_all(part.as_bytes()).unwrap();
        }
        assert_eq!(String::from_utf8(w.inner).unwrap(), "new\n");
        let mut e = AfterMark::new(Vec::new(), Some(20..22));
        let trace = "\u{1}toy-repl\u{1}Unhandled exception. System.Exception: boom\n   at Submission.F() in <repl>:line 8\n   \
                     at Submission.Main() in <repl>:line 21\n";
        e.write_all(trace.as_bytes()).unwrap();
        e.flush().unwrap();
        assert_eq!(
            String::from_utf8(e.inner).unwrap(),
            "Unhandled exception. System.Exception: boom\n   at Submission.F()\n   at Submission.Main() in <repl>:line 2\n"
        );
    }
}
