//! The lexer: source text to the parser's tokens.
//!
//! Two layers. [`Lexeme`] is the logos automaton for the regular part of C#'s
//! lexical grammar (keywords, punctuation, identifiers, numbers, and the
//! openers of literals and comments). [`tokenize`] drives it and scans by hand
//! what is not regular or carries a value: string and char literals with
//! their escapes, verbatim strings, block comments, numeric values, and
//! interpolated strings.
//!
//! An interpolated string is not one token: it becomes
//! `InterpStart (InterpText | HoleStart <tokens> [, <tokens>] [HoleFormat] HoleEnd)* InterpEnd`,
//! where the tokens of a hole are lexed as ordinary code. A stack of modes
//! (text of an interpolated string / code inside a hole) makes nested strings
//! inside holes work at any depth without recursion.
//!
//! Invariants:
//! - every token's span is a byte range of the source, in increasing order;
//! - a lexical error is reported once and replaced by a best-effort token (a
//!   literal with the part that could be read), so the parser never sees a
//!   hole in the token stream and does not report a cascade;
//! - `>` is always its own token (`>>` and `>>=` are rebuilt by the parser's
//!   token rewriter, which knows when `>` closes a type-argument list).

use bumpalo::Bump;
use logos::Logos;

use crate::ast::{Literal, Span};
use crate::diagnostic::Diagnostic;

/// The lexemes logos recognises. Fixed ones (keywords, punctuation) reach the
/// parser as [`Tok::Sym`]; the others are turned into valued tokens by
/// [`tokenize`].
#[derive(Logos, Clone, Copy, Debug, PartialEq, Eq)]
#[logos(skip r"[ \t\r\n\x0B\x0C\u{FEFF}\u{A0}]+")]
// Line comments, and directives without meaning here (there is no
// conditional compilation): `#region`, `#endregion`, `#nullable`, `#pragma`.
#[logos(skip(r"(//|#[ \t]*(region|endregion|nullable|pragma))[^\n]*", allow_greedy = true))]
pub enum Lexeme {
    // Keywords (C#'s reserved words, plus the contextual ones this parser treats as reserved).
    #[token("abstract")]
    Abstract,
    #[token("as")]
    As,
    #[token("async")]
    Async,
    #[token("await")]
    Await,
    #[token("base")]
    Base,
    #[token("bool")]
    Bool,
    #[token("break")]
    Break,
    #[token("byte")]
    Byte,
    #[token("case")]
    Case,
    #[token("catch")]
    Catch,
    #[token("char")]
    Char,
    #[token("checked")]
    Checked,
    #[token("class")]
    Class,
    #[token("const")]
    Const,
    #[token("continue")]
    Continue,
    #[token("decimal")]
    Decimal,
    #[token("default")]
    Default,
    #[token("delegate")]
    Delegate,
    #[token("do")]
    Do,
    #[token("double")]
    Double,
    #[token("else")]
    Else,
    #[token("enum")]
    Enum,
    #[token("event")]
    Event,
    #[token("explicit")]
    Explicit,
    #[token("extern")]
    Extern,
    #[token("false")]
    False,
    #[token("finally")]
    Finally,
    #[token("fixed")]
    Fixed,
    #[token("float")]
    Float,
    #[token("for")]
    For,
    #[token("foreach")]
    Foreach,
    #[token("goto")]
    Goto,
    #[token("if")]
    If,
    #[token("implicit")]
    Implicit,
    #[token("in")]
    In,
    #[token("int")]
    Int,
    #[token("interface")]
    Interface,
    #[token("internal")]
    Internal,
    #[token("is")]
    Is,
    #[token("lock")]
    Lock,
    #[token("long")]
    Long,
    #[token("nameof")]
    Nameof,
    #[token("namespace")]
    Namespace,
    #[token("new")]
    New,
    #[token("null")]
    Null,
    #[token("object")]
    Object,
    #[token("operator")]
    Operator,
    #[token("out")]
    Out,
    #[token("override")]
    Override,
    #[token("params")]
    Params,
    #[token("partial")]
    Partial,
    #[token("private")]
    Private,
    #[token("protected")]
    Protected,
    #[token("public")]
    Public,
    #[token("readonly")]
    Readonly,
    #[token("ref")]
    Ref,
    #[token("return")]
    Return,
    #[token("sbyte")]
    Sbyte,
    #[token("sealed")]
    Sealed,
    #[token("short")]
    Short,
    #[token("sizeof")]
    Sizeof,
    #[token("stackalloc")]
    Stackalloc,
    #[token("static")]
    Static,
    #[token("string")]
    String,
    #[token("struct")]
    Struct,
    #[token("switch")]
    Switch,
    #[token("this")]
    This,
    #[token("throw")]
    Throw,
    #[token("true")]
    True,
    #[token("try")]
    Try,
    #[token("typeof")]
    Typeof,
    #[token("uint")]
    Uint,
    #[token("ulong")]
    Ulong,
    #[token("unchecked")]
    Unchecked,
    #[token("unsafe")]
    Unsafe,
    #[token("ushort")]
    Ushort,
    #[token("using")]
    Using,
    #[token("virtual")]
    Virtual,
    #[token("void")]
    Void,
    #[token("volatile")]
    Volatile,
    #[token("while")]
    While,

    // Punctuation and operators.
    #[token("{")]
    LBrace,
    #[token("}")]
    RBrace,
    #[token("(")]
    LParen,
    #[token(")")]
    RParen,
    #[token("[")]
    LBracket,
    #[token("]")]
    RBracket,
    #[token(".")]
    Dot,
    #[token(",")]
    Comma,
    #[token(":")]
    Colon,
    #[token(";")]
    Semi,
    #[token("+")]
    Plus,
    #[token("-")]
    Minus,
    #[token("*")]
    Star,
    #[token("/")]
    Slash,
    #[token("%")]
    Percent,
    #[token("&")]
    Amp,
    #[token("|")]
    Pipe,
    #[token("^")]
    Caret,
    #[token("!")]
    Bang,
    #[token("~")]
    Tilde,
    #[token("=")]
    Assign,
    #[token("<")]
    Lt,
    /// Always a single `>`: see the module invariants.
    #[token(">")]
    Gt,
    #[token("?")]
    Question,
    #[token("??")]
    QuestionQuestion,
    #[token("?.")]
    QuestionDot,
    #[token("?[")]
    QuestionBracket,
    #[token("++")]
    PlusPlus,
    #[token("--")]
    MinusMinus,
    #[token("&&")]
    AmpAmp,
    #[token("||")]
    PipePipe,
    #[token("==")]
    EqEq,
    #[token("!=")]
    NotEq,
    #[token("<=")]
    LtEq,
    #[token(">=")]
    GtEq,
    #[token("+=")]
    PlusAssign,
    #[token("-=")]
    MinusAssign,
    #[token("*=")]
    StarAssign,
    #[token("/=")]
    SlashAssign,
    #[token("%=")]
    PercentAssign,
    #[token("&=")]
    AmpAssign,
    #[token("|=")]
    PipeAssign,
    #[token("^=")]
    CaretAssign,
    #[token("<<")]
    Shl,
    #[token("<<=")]
    ShlAssign,
    #[token("??=")]
    QuestionQuestionAssign,
    #[token("=>")]
    Arrow,

    // Lexemes that `tokenize` turns into valued tokens.
    #[regex(r"[\p{L}_][\p{L}\p{N}_]*")]
    Ident,
    /// `@class`: an identifier spelled like a keyword.
    #[regex(r"@[\p{L}_][\p{L}\p{N}_]*")]
    AtIdent,
    #[regex(r"[0-9][0-9_]*([uU][lL]?|[lL][uU]?)?", priority = 5)]
    DecimalInt,
    #[regex(r"0[xX][0-9a-fA-F_]+([uU][lL]?|[lL][uU]?)?", priority = 5)]
    HexInt,
    #[regex(r"0[bB][01_]+([uU][lL]?|[lL][uU]?)?", priority = 5)]
    BinInt,
    #[regex(r"[0-9][0-9_]*\.[0-9][0-9_]*([eE][+-]?[0-9][0-9_]*)?[fFdDmM]?", priority = 5)]
    #[regex(r"\.[0-9][0-9_]*([eE][+-]?[0-9][0-9_]*)?[fFdDmM]?", priority = 5)]
    #[regex(r"[0-9][0-9_]*[eE][+-]?[0-9][0-9_]*[fFdDmM]?", priority = 5)]
    #[regex(r"[0-9][0-9_]*[fFdDmM]", priority = 5)]
    Real,
    /// A digit followed by letters that make no number (`12ab`, `0x`).
    #[regex(r"[0-9][0-9a-zA-Z_]*", priority = 1)]
    BadNumber,
    #[token("\"")]
    Quote,
    #[token("@\"")]
    VerbatimQuote,
    #[token("$\"")]
    InterpQuote,
    #[token("$@\"")]
    #[token("@$\"")]
    InterpVerbatimQuote,
    #[token("'")]
    CharQuote,
    #[token("/*")]
    BlockComment,
}

/// A token as the parser sees it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Tok<'a> {
    /// A keyword or punctuation (only the fixed lexemes of [`Lexeme`]).
    Sym(Lexeme),
    Ident(&'a str),
    /// A numeric, char or string literal (never `Null` or `Bool`: those are keywords).
    Lit(Literal<'a>),
    /// `$"` / `$@"` / `@$"`.
    InterpStart,
    /// Literal text of an interpolated string, escapes processed.
    InterpText(&'a str),
    /// The `{` opening a hole of an interpolated string.
    HoleStart,
    /// `:format` of a hole (the text after the colon).
    HoleFormat(&'a str),
    /// The `}` closing a hole.
    HoleEnd,
    /// The closing `"` of an interpolated string.
    InterpEnd,

    // Produced by the parser's token rewriter, never by `tokenize`.
    /// `<` opening a type-argument list.
    GenericLt,
    /// `>` closing a type-argument list.
    GenericGt,
    /// `(` opening a cast `(T)e`.
    CastOpen,
    /// `(` opening a lambda's parameter list.
    LambdaOpen,
    /// `?` making a type nullable (`int?`).
    NullableQ,
    /// `[` `]`, the rank of an array type.
    EmptyBrackets,
    /// `>>` (two adjacent `>` that close no type-argument list).
    Shr,
    /// `>>=`.
    ShrAssign,
    /// `when` in `catch (E e) when (...)`.
    When,
    /// `default` of the `default:` switch label.
    DefaultLabel,
}

/// A token with its byte span.
pub type Spanned<'a> = (usize, Tok<'a>, usize);

/// Lexes `src`. Identifiers and string values are copied into `arena`.
/// Returns every token and every lexical error.
pub fn tokenize<'a>(arena: &'a Bump, src: &str) -> (Vec<Spanned<'a>>, Vec<Diagnostic>) {
    let mut driver =
        Driver { arena, src, lex: Lexeme::lexer(src), out: Vec::new(), diags: Vec::new(), modes: Vec::new() };
    driver.run();
    (driver.out, driver.diags)
}

/// Where the driver is inside interpolated strings.
#[derive(Clone, Copy, Debug)]
enum Mode {
    /// In the text of an interpolated string that starts at `start`.
    Text { verbatim: bool, start: usize },
    /// In the code of a hole; `depth` counts brackets opened inside it.
    Hole { depth: u32, verbatim: bool, start: usize },
}

struct Driver<'a, 's> {
    arena: &'a Bump,
    src: &'s str,
    lex: logos::Lexer<'s, Lexeme>,
    out: Vec<Spanned<'a>>,
    diags: Vec<Diagnostic>,
    modes: Vec<Mode>,
}

impl<'a, 's> Driver<'a, 's> {
    /// Byte offset of the next unread character.
    fn pos(&self) -> usize {
        self.src.len() - self.lex.remainder().len()
    }

    /// Skips `n` bytes (always a whole number of characters).
    fn skip(&mut self, n: usize) {
        self.lex.bump(n);
    }

    fn emit(&mut self, start: usize, tok: Tok<'a>, end: usize) {
        self.out.push((start, tok, end));
    }

    fn error(&mut self, start: usize, end: usize, message: impl Into<String>) {
        self.diags.push(Diagnostic::error(Span::new(start, end), message));
    }

    fn run(&mut self) {
        loop {
            match self.modes.last().copied() {
                Some(Mode::Text { verbatim, start }) => self.interpolated_text(verbatim, start),
                mode => {
                    let Some(next) = self.lex.next() else {
                        self.close_unterminated();
                        return;
                    };
                    let span = self.lex.span();
                    match next {
                        Ok(lexeme) => {
                            if let Some(Mode::Hole { depth, verbatim, start }) = mode
                                && self.hole_lexeme(lexeme, depth, verbatim, start, span.start)
                            {
                                continue;
                            }
                            self.lexeme(lexeme, span.start, span.end);
                        }
                        Err(()) => {
                            let text = &self.src[span.clone()];
                            let message = match text.chars().next() {
                                Some('`') => "invalid character '`'".to_string(),
                                Some(c) if !c.is_control() => format!("invalid character `{c}`"),
                                Some(c) => format!("invalid character U+{:04X}", c as u32),
                                None => "invalid character".to_string(),
                            };
                            // Logos may have read past the offending character
                            // while trying longer lexemes: point at it alone.
                            let len = text.chars().next().map_or(0, char::len_utf8);
                            self.error(span.start, span.start + len, message);
                        }
                    }
                }
            }
        }
    }

    /// At end of input inside interpolated strings: report once and emit the
    /// missing closers so the parser sees a well-formed string.
    fn close_unterminated(&mut self) {
        let end = self.src.len();
        let mut reported = false;
        while let Some(mode) = self.modes.pop() {
            match mode {
                Mode::Hole { start, .. } => {
                    if !reported {
                        self.error(start, end, "unterminated interpolated string");
                        reported = true;
                    }
                    self.emit(end, Tok::HoleEnd, end);
                }
                Mode::Text { start, .. } => {
                    if !reported {
                        self.error(start, end, "unterminated interpolated string");
                        reported = true;
                    }
                    self.emit(end, Tok::InterpEnd, end);
                }
            }
        }
    }

    /// Handles a lexeme inside a hole when it has a special meaning there
    /// (closing `}`, `:` starting the format); returns whether it did.
    fn hole_lexeme(&mut self, lexeme: Lexeme, depth: u32, verbatim: bool, start: usize, at: usize) -> bool {
        let new_depth = match lexeme {
            Lexeme::LParen | Lexeme::LBracket | Lexeme::LBrace | Lexeme::QuestionBracket => depth + 1,
            Lexeme::RParen | Lexeme::RBracket => depth.saturating_sub(1),
            Lexeme::RBrace if depth == 0 => {
                self.modes.pop();
                self.emit(at, Tok::HoleEnd, at + 1);
                return true;
            }
            Lexeme::RBrace => depth - 1,
            Lexeme::Colon if depth == 0 => {
                self.hole_format(verbatim, start, at);
                return true;
            }
            _ => depth,
        };
        if let Some(Mode::Hole { depth, .. }) = self.modes.last_mut() {
            *depth = new_depth;
        }
        false
    }

    /// After the `:` of a hole at `colon`: reads the format up to the `}`.
    fn hole_format(&mut self, verbatim: bool, start: usize, colon: usize) {
        let rest = self.lex.remainder();
        let mut len = 0;
        for c in rest.chars() {
            if c == '}' || c == '"' || (!verbatim && c == '\n') {
                break;
            }
            len += c.len_utf8();
        }
        let format = self.arena.alloc_str(&rest[..len]);
        let from = self.pos();
        self.skip(len);
        self.emit(colon, Tok::HoleFormat(format), from + len);
        self.modes.pop();
        if rest[len..].starts_with('}') {
            self.skip(1);
            self.emit(from + len, Tok::HoleEnd, from + len + 1);
        } else {
            // At a newline or the end of input the text mode reports the
            // unterminated string; only a `"` needs its own message.
            if rest[len..].starts_with('"') {
                self.error(start, from + len, "unterminated interpolation hole: expected `}`");
            }
            self.emit(from + len, Tok::HoleEnd, from + len);
        }
    }

    /// Reads literal text of an interpolated string up to a hole or its end.
    fn interpolated_text(&mut self, verbatim: bool, start: usize) {
        let base = self.pos();
        let rest = self.lex.remainder();
        let mut text = Utf16Buf::default();
        let mut chars = rest.char_indices().peekable();
        // What ends this run of text, and how many bytes it consumes.
        enum End {
            Hole(usize),
            Close(usize),
            Unterminated(usize),
        }
        let end = loop {
            let Some((i, c)) = chars.next() else { break End::Unterminated(rest.len()) };
            match c {
                '{' if rest[i + 1..].starts_with('{') => {
                    chars.next();
                    text.push_char('{');
                }
                '{' => break End::Hole(i),
                '}' if rest[i + 1..].starts_with('}') => {
                    chars.next();
                    text.push_char('}');
                }
                '}' => {
                    self.error(base + i, base + i + 1, "`}` must be doubled (`}}`) in an interpolated string");
                    text.push_char('}');
                }
                '"' if verbatim && rest[i + 1..].starts_with('"') => {
                    chars.next();
                    text.push_char('"');
                }
                '"' => break End::Close(i),
                '\\' if !verbatim => {
                    let consumed = self.escape(&rest[i..], base + i, &mut text);
                    // Skip the characters of the escape after the backslash.
                    while let Some(&(j, _)) = chars.peek() {
                        if j >= i + consumed {
                            break;
                        }
                        chars.next();
                    }
                }
                '\n' if !verbatim => break End::Unterminated(i),
                c => text.push_char(c),
            }
        };
        let stop = match end {
            End::Hole(i) | End::Close(i) | End::Unterminated(i) => i,
        };
        if stop > 0 {
            let s = self.arena.alloc_str(&text.finish());
            self.emit(base, Tok::InterpText(s), base + stop);
        }
        match end {
            End::Hole(i) => {
                self.skip(i + 1);
                self.emit(base + i, Tok::HoleStart, base + i + 1);
                self.modes.push(Mode::Hole { depth: 0, verbatim, start: base + i });
            }
            End::Close(i) => {
                self.skip(i + 1);
                self.emit(base + i, Tok::InterpEnd, base + i + 1);
                self.modes.pop();
            }
            End::Unterminated(i) => {
                self.skip(i);
                self.error(start, base + i, "unterminated interpolated string");
                self.emit(base + i, Tok::InterpEnd, base + i);
                self.modes.pop();
            }
        }
    }

    /// Turns one lexeme into tokens.
    fn lexeme(&mut self, lexeme: Lexeme, start: usize, end: usize) {
        let text = &self.src[start..end];
        match lexeme {
            Lexeme::Ident => {
                let name = self.arena.alloc_str(text);
                self.emit(start, Tok::Ident(name), end);
            }
            Lexeme::AtIdent => {
                let name = self.arena.alloc_str(&text[1..]);
                self.emit(start, Tok::Ident(name), end);
            }
            Lexeme::DecimalInt | Lexeme::HexInt | Lexeme::BinInt => {
                let lit = match integer_value(text) {
                    Ok(lit) => lit,
                    Err(message) => {
                        self.error(start, end, message);
                        Literal::Int(0)
                    }
                };
                self.emit(start, Tok::Lit(lit), end);
            }
            Lexeme::Real => {
                let lit = match real_value(text) {
                    Ok(lit) => lit,
                    Err(message) => {
                        self.error(start, end, message);
                        Literal::Double(0.0)
                    }
                };
                self.emit(start, Tok::Lit(lit), end);
            }
            Lexeme::BadNumber => {
                self.error(start, end, format!("invalid number `{text}`"));
                self.emit(start, Tok::Lit(Literal::Int(0)), end);
            }
            Lexeme::Quote => self.string(start, false),
            Lexeme::VerbatimQuote => self.string(start, true),
            Lexeme::InterpQuote | Lexeme::InterpVerbatimQuote => {
                self.emit(start, Tok::InterpStart, end);
                let verbatim = lexeme == Lexeme::InterpVerbatimQuote;
                self.modes.push(Mode::Text { verbatim, start });
            }
            Lexeme::CharQuote => self.char_literal(start),
            Lexeme::BlockComment => {
                let rest = self.lex.remainder();
                match rest.find("*/") {
                    Some(i) => self.skip(i + 2),
                    None => {
                        let len = rest.len();
                        self.skip(len);
                        self.error(start, start + 2, "unterminated block comment: expected `*/`");
                    }
                }
            }
            fixed => self.emit(start, Tok::Sym(fixed), end),
        }
    }

    /// A string literal whose opening quote starts at `start`.
    fn string(&mut self, start: usize, verbatim: bool) {
        let base = self.pos();
        let rest = self.lex.remainder();
        let mut text = Utf16Buf::default();
        let mut chars = rest.char_indices().peekable();
        let mut closed = None;
        while let Some((i, c)) = chars.next() {
            match c {
                '"' if verbatim && rest[i + 1..].starts_with('"') => {
                    chars.next();
                    text.push_char('"');
                }
                '"' => {
                    closed = Some(i + 1);
                    break;
                }
                '\\' if !verbatim => {
                    let consumed = self.escape(&rest[i..], base + i, &mut text);
                    while let Some(&(j, _)) = chars.peek() {
                        if j >= i + consumed {
                            break;
                        }
                        chars.next();
                    }
                }
                '\n' | '\r' if !verbatim => {
                    self.skip(i);
                    self.error(start, base + i, "unterminated string literal");
                    let s = self.arena.alloc_str(&text.finish());
                    self.emit(start, Tok::Lit(Literal::String(s)), base + i);
                    return;
                }
                c => text.push_char(c),
            }
        }
        let len = match closed {
            Some(len) => len,
            None => {
                self.error(start, self.src.len(), "unterminated string literal");
                rest.len()
            }
        };
        self.skip(len);
        let s = self.arena.alloc_str(&text.finish());
        self.emit(start, Tok::Lit(Literal::String(s)), base + len);
    }

    /// A char literal whose opening quote starts at `start`.
    fn char_literal(&mut self, start: usize) {
        let base = self.pos();
        let rest = self.lex.remainder();
        let mut text = Utf16Buf::default();
        let mut chars = rest.char_indices().peekable();
        let mut closed = None;
        while let Some((i, c)) = chars.next() {
            match c {
                '\'' => {
                    closed = Some(i + 1);
                    break;
                }
                '\\' => {
                    let consumed = self.escape(&rest[i..], base + i, &mut text);
                    while let Some(&(j, _)) = chars.peek() {
                        if j >= i + consumed {
                            break;
                        }
                        chars.next();
                    }
                }
                '\n' | '\r' => break,
                c => text.push_char(c),
            }
        }
        let Some(len) = closed else {
            let len = rest.find(['\n', '\r']).unwrap_or(rest.len());
            self.skip(len);
            self.error(start, base + len, "unterminated character literal");
            self.emit(start, Tok::Lit(Literal::Char(0)), base + len);
            return;
        };
        self.skip(len);
        let end = base + len;
        let value = match text.units.as_slice() {
            [unit] => *unit,
            [] => {
                self.error(start, end, "empty character literal");
                0
            }
            [unit, ..] => {
                self.error(start, end, "too many characters in character literal");
                *unit
            }
        };
        self.emit(start, Tok::Lit(Literal::Char(value)), end);
    }

    /// Decodes the escape sequence at the start of `s` (which begins with a
    /// backslash at source offset `at`) into `out`; returns the bytes consumed.
    fn escape(&mut self, s: &str, at: usize, out: &mut Utf16Buf) -> usize {
        let mut chars = s.chars();
        chars.next(); // the backslash
        let Some(c) = chars.next() else {
            self.error(at, at + 1, "unrecognized escape sequence");
            return 1;
        };
        let simple = match c {
            '\'' => Some('\''),
            '"' => Some('"'),
            '\\' => Some('\\'),
            '0' => Some('\0'),
            'a' => Some('\u{7}'),
            'b' => Some('\u{8}'),
            'f' => Some('\u{C}'),
            'n' => Some('\n'),
            'r' => Some('\r'),
            't' => Some('\t'),
            'v' => Some('\u{B}'),
            _ => None,
        };
        if let Some(v) = simple {
            out.push_char(v);
            return 2;
        }
        let (min, max) = match c {
            'u' => (4, 4),
            'U' => (8, 8),
            'x' => (1, 4),
            _ => {
                let len = 1 + c.len_utf8();
                self.error(at, at + len, format!("unrecognized escape sequence `\\{c}`"));
                return len;
            }
        };
        let digits: &str = {
            let hex = &s[2..];
            let n = hex.bytes().take(max).take_while(u8::is_ascii_hexdigit).count();
            &hex[..n]
        };
        if digits.len() < min {
            let len = 2 + digits.len();
            self.error(at, at + len, format!("invalid escape sequence `\\{c}`: expected hexadecimal digits"));
            return len;
        }
        let value = u32::from_str_radix(digits, 16).unwrap_or(0);
        if c == 'U' {
            match char::from_u32(value) {
                Some(ch) => out.push_char(ch),
                None => self.error(at, at + 10, "invalid Unicode escape sequence"),
            }
        } else {
            out.units.push(value as u16);
        }
        2 + digits.len()
    }
}

/// Text collected as UTF-16 units, so that `\uD83D\uDE00` pairs combine.
#[derive(Default)]
struct Utf16Buf {
    units: Vec<u16>,
}

impl Utf16Buf {
    fn push_char(&mut self, c: char) {
        let mut buf = [0u16; 2];
        self.units.extend_from_slice(c.encode_utf16(&mut buf));
    }

    /// The text; a lone surrogate becomes U+FFFD.
    fn finish(&self) -> String {
        String::from_utf16_lossy(&self.units)
    }
}

/// The value of an integer literal. Any suffix (`L`, `U`, `UL`) makes it a `long`.
fn integer_value(text: &str) -> Result<Literal<'static>, String> {
    let body = text.trim_end_matches(['u', 'U', 'l', 'L']);
    let suffixed = body.len() != text.len();
    let (radix, digits) = if let Some(hex) = body.strip_prefix("0x").or_else(|| body.strip_prefix("0X")) {
        (16, hex)
    } else if let Some(bin) = body.strip_prefix("0b").or_else(|| body.strip_prefix("0B")) {
        (2, bin)
    } else {
        (10, body)
    };
    let digits: String = digits.chars().filter(|&c| c != '_').collect();
    if digits.is_empty() {
        return Err(format!("invalid number `{text}`"));
    }
    let value = u64::from_str_radix(&digits, radix).map_err(|_| format!("integral constant `{text}` is too large"))?;
    let value = if radix == 10 {
        i64::try_from(value).map_err(|_| format!("integral constant `{text}` is too large"))?
    } else {
        // Hex and binary literals denote a bit pattern.
        value as i64
    };
    Ok(if suffixed { Literal::Long(value) } else { Literal::Int(value) })
}

/// The value of a real literal: `m` makes a decimal, `f`/`d`/none a double.
fn real_value(text: &str) -> Result<Literal<'static>, String> {
    let (body, decimal) = match text.as_bytes().last() {
        Some(b'm' | b'M') => (&text[..text.len() - 1], true),
        Some(b'f' | b'F' | b'd' | b'D') => (&text[..text.len() - 1], false),
        _ => (text, false),
    };
    let digits: String = body.chars().filter(|&c| c != '_').collect();
    let value: f64 = digits.parse().map_err(|_| format!("invalid number `{text}`"))?;
    if !value.is_finite() {
        return Err(format!("floating-point constant `{text}` is outside the range of its type"));
    }
    Ok(if decimal { Literal::Decimal(value) } else { Literal::Double(value) })
}

/// How a token is named in a message ("found X").
pub fn describe(tok: &Tok<'_>, src: &str, start: usize, end: usize) -> String {
    let text = src.get(start..end).unwrap_or("");
    match tok {
        Tok::Ident(name) => format!("identifier `{name}`"),
        Tok::Lit(Literal::String(_)) => "string literal".to_string(),
        Tok::Lit(_) => format!("`{text}`"),
        Tok::InterpStart => "interpolated string".to_string(),
        Tok::InterpText(_) => "text of an interpolated string".to_string(),
        Tok::HoleStart => "`{`".to_string(),
        Tok::HoleFormat(_) => "format of an interpolation hole".to_string(),
        Tok::HoleEnd => "`}`".to_string(),
        Tok::InterpEnd => "end of interpolated string".to_string(),
        _ if text.is_empty() => "end of file".to_string(),
        _ => format!("`{text}`"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(src: &str) -> (Vec<Tok<'static>>, Vec<Diagnostic>) {
        let arena: &'static Bump = Box::leak(Box::new(Bump::new()));
        let (toks, diags) = tokenize(arena, src);
        (toks.into_iter().map(|(_, t, _)| t).collect(), diags)
    }

    fn ok(src: &str) -> Vec<Tok<'static>> {
        let (toks, diags) = toks(src);
        assert!(diags.is_empty(), "unexpected errors for {src:?}: {diags:?}");
        toks
    }

    fn lit(src: &str) -> Literal<'static> {
        match ok(src).as_slice() {
            [Tok::Lit(l)] => *l,
            other => panic!("{src:?} lexed to {other:?}"),
        }
    }

    #[test]
    fn integer_literals() {
        assert_eq!(lit("42"), Literal::Int(42));
        assert_eq!(lit("1_000_000"), Literal::Int(1_000_000));
        assert_eq!(lit("0xFF"), Literal::Int(255));
        assert_eq!(lit("0x_ff_ff"), Literal::Int(0xffff));
        assert_eq!(lit("0b1010"), Literal::Int(10));
        assert_eq!(lit("42L"), Literal::Long(42));
        assert_eq!(lit("42l"), Literal::Long(42));
        assert_eq!(lit("7u"), Literal::Long(7));
        assert_eq!(lit("7UL"), Literal::Long(7));
        assert_eq!(lit("0xFFFFFFFFFFFFFFFF"), Literal::Int(-1));
        assert_eq!(lit("9223372036854775807"), Literal::Int(i64::MAX));
    }

    #[test]
    fn real_literals() {
        assert_eq!(lit("1.5"), Literal::Double(1.5));
        assert_eq!(lit("1e10"), Literal::Double(1e10));
        assert_eq!(lit("2.5E-3"), Literal::Double(2.5e-3));
        assert_eq!(lit(".5"), Literal::Double(0.5));
        assert_eq!(lit("1.5f"), Literal::Double(1.5));
        assert_eq!(lit("3d"), Literal::Double(3.0));
        assert_eq!(lit("1.25m"), Literal::Decimal(1.25));
        assert_eq!(lit("10M"), Literal::Decimal(10.0));
    }

    #[test]
    fn member_access_on_integer_is_not_a_real() {
        let t = ok("1.ToString()");
        assert_eq!(t[0], Tok::Lit(Literal::Int(1)));
        assert_eq!(t[1], Tok::Sym(Lexeme::Dot));
        assert_eq!(t[2], Tok::Ident("ToString"));
    }

    #[test]
    fn bad_numbers() {
        for src in ["12ab", "0x", "1e", "99999999999999999999"] {
            let (_, diags) = toks(src);
            assert_eq!(diags.len(), 1, "{src}: {diags:?}");
        }
    }

    #[test]
    fn char_literals() {
        assert_eq!(lit("'a'"), Literal::Char('a' as u16));
        assert_eq!(lit(r"'\n'"), Literal::Char(10));
        assert_eq!(lit(r"'\t'"), Literal::Char(9));
        assert_eq!(lit(r"'\\'"), Literal::Char('\\' as u16));
        assert_eq!(lit(r"'\''"), Literal::Char('\'' as u16));
        assert_eq!(lit(r#"'\"'"#), Literal::Char('"' as u16));
        assert_eq!(lit(r"'\0'"), Literal::Char(0));
        assert_eq!(lit(r"'\r'"), Literal::Char(13));
        assert_eq!(lit(r"'\u0041'"), Literal::Char(65));
        assert_eq!(lit(r"'\x41'"), Literal::Char(65));
        assert_eq!(lit(r"'\x7'"), Literal::Char(7));
        assert_eq!(lit("'é'"), Literal::Char(0xE9));
    }

    #[test]
    fn char_literal_errors() {
        for src in ["''", "'ab'", "'a", r"'\q'", "'\n'"] {
            let (_, diags) = toks(src);
            assert!(!diags.is_empty(), "{src:?} should be an error");
        }
    }

    #[test]
    fn string_literals() {
        assert_eq!(lit(r#""a\tb\n""#), Literal::String("a\tb\n"));
        assert_eq!(lit(r#""say \"hi\"""#), Literal::String("say \"hi\""));
        assert_eq!(lit(r#""\u00e9\x41""#), Literal::String("éA"));
        assert_eq!(lit(r#""\uD83D\uDE00""#), Literal::String("😀"));
        assert_eq!(lit(r#"@"C:\dir\""#), Literal::String("C:\\dir\\"));
        assert_eq!(lit(r#"@"a""b""#), Literal::String("a\"b"));
        assert_eq!(lit("@\"two\nlines\""), Literal::String("two\nlines"));
        assert_eq!(lit(r#""""#), Literal::String(""));
    }

    #[test]
    fn string_errors_are_reported_once() {
        let (t, diags) = toks("\"abc\nx");
        assert_eq!(diags.len(), 1);
        assert_eq!(t[0], Tok::Lit(Literal::String("abc")));
        assert_eq!(t[1], Tok::Ident("x"));
        let (_, diags) = toks(r#""bad \q escape""#);
        assert_eq!(diags.len(), 1);
        assert!(diags[0].message.contains("escape"));
        let (_, diags) = toks("\"never closed");
        assert_eq!(diags.len(), 1);
    }

    #[test]
    fn identifiers_and_keywords() {
        let t = ok("class @class var async await nameof value get set _x x1 été");
        assert_eq!(t[0], Tok::Sym(Lexeme::Class));
        assert_eq!(t[1], Tok::Ident("class"));
        assert_eq!(t[2], Tok::Ident("var"));
        assert_eq!(t[3], Tok::Sym(Lexeme::Async));
        assert_eq!(t[4], Tok::Sym(Lexeme::Await));
        assert_eq!(t[5], Tok::Sym(Lexeme::Nameof));
        assert_eq!(t[6], Tok::Ident("value"));
        assert_eq!(
            &t[7..],
            &[Tok::Ident("get"), Tok::Ident("set"), Tok::Ident("_x"), Tok::Ident("x1"), Tok::Ident("été")]
        );
    }

    #[test]
    fn operators() {
        let t = ok("a ??= b ?. c ?[ d ?? e => f >>= g >> h <<= i");
        let syms: Vec<Lexeme> = t.iter().filter_map(|t| if let Tok::Sym(s) = t { Some(*s) } else { None }).collect();
        assert_eq!(
            syms,
            [
                Lexeme::QuestionQuestionAssign,
                Lexeme::QuestionDot,
                Lexeme::QuestionBracket,
                Lexeme::QuestionQuestion,
                Lexeme::Arrow,
                Lexeme::Gt,
                Lexeme::GtEq,
                Lexeme::Gt,
                Lexeme::Gt,
                Lexeme::ShlAssign,
            ]
        );
    }

    #[test]
    fn comments() {
        let t = ok("a // line\n /* block\n * more */ b /**/ c");
        assert_eq!(t, [Tok::Ident("a"), Tok::Ident("b"), Tok::Ident("c")]);
        let (_, diags) = toks("a /* never closed");
        assert_eq!(diags.len(), 1);
    }

    #[test]
    fn meaningless_directives_are_skipped() {
        assert_eq!(ok("#region Helpers\nx\n  #endregion\n#nullable enable\n"), [Tok::Ident("x")]);
    }

    #[test]
    fn invalid_character() {
        let (t, diags) = toks("a # b");
        assert_eq!(diags.len(), 1);
        assert!(diags[0].message.contains('#'));
        assert_eq!(t, [Tok::Ident("a"), Tok::Ident("b")]);
    }

    #[test]
    fn interpolated_string_structure() {
        let t = ok(r#"$"a{x}b{y,5:F2}{{c}}""#);
        assert_eq!(
            t,
            [
                Tok::InterpStart,
                Tok::InterpText("a"),
                Tok::HoleStart,
                Tok::Ident("x"),
                Tok::HoleEnd,
                Tok::InterpText("b"),
                Tok::HoleStart,
                Tok::Ident("y"),
                Tok::Sym(Lexeme::Comma),
                Tok::Lit(Literal::Int(5)),
                Tok::HoleFormat("F2"),
                Tok::HoleEnd,
                Tok::InterpText("{c}"),
                Tok::InterpEnd,
            ]
        );
    }

    #[test]
    fn interpolated_string_nesting() {
        // A string inside a hole, an interpolated string inside a hole, a
        // call with a named argument (the `:` is nested), and braces.
        let t = ok(r#"$"{d["k"]} {$"in{n}"} {f(x: 1)} {new[] { 1 }.Length}""#);
        assert_eq!(t.iter().filter(|t| **t == Tok::InterpStart).count(), 2);
        assert_eq!(t.iter().filter(|t| **t == Tok::InterpEnd).count(), 2);
        assert!(t.contains(&Tok::Lit(Literal::String("k"))));
        assert!(!t.iter().any(|t| matches!(t, Tok::HoleFormat(_))));
        assert_eq!(t.last(), Some(&Tok::InterpEnd));
    }

    #[test]
    fn verbatim_interpolated_strings() {
        for src in [r#"$@"a""{x}""""#, r#"@$"a""{x}""""#] {
            let t = ok(src);
            assert_eq!(t[1], Tok::InterpText("a\""));
            assert_eq!(t[5], Tok::InterpText("\""));
        }
        let t = ok(r#"$"tab\t{x}""#);
        assert_eq!(t[1], Tok::InterpText("tab\t"));
    }

    #[test]
    fn unterminated_interpolated_strings_close_cleanly() {
        for src in [r#"$"abc"#, r#"$"a{x"#, r#"$"a{x:F2"#, "$\"a\nb", r#"$"{$"{"#] {
            let (t, diags) = toks(src);
            assert_eq!(diags.len(), 1, "{src:?}: {diags:?}");
            let opens = t.iter().filter(|t| matches!(t, Tok::InterpStart | Tok::HoleStart)).count();
            let closes = t.iter().filter(|t| matches!(t, Tok::InterpEnd | Tok::HoleEnd)).count();
            assert_eq!(opens, closes, "{src:?}: {t:?}");
        }
    }

    #[test]
    fn spans_are_byte_ranges() {
        let arena = Bump::new();
        let src = "x = \"é\";";
        let (toks, _) = tokenize(&arena, src);
        assert_eq!(toks[2].0, 4);
        assert_eq!(toks[2].2, 8);
        assert_eq!(&src[toks[3].0..toks[3].2], ";");
    }
}
