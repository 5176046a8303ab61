//! The token rewriter: resolves C#'s ambiguities before the LR(1) grammar
//! sees the tokens, the way the C# specification resolves them (§6.2.5
//! "Grammar ambiguities", §12.9.7 casts, lambdas by their `=>`).
//!
//! Rules, applied in this order over the whole token list:
//! 1. `[` directly followed by `]` becomes one `EmptyBrackets` token (an empty
//!    index is never an expression, so this is always an array rank);
//!    `default` followed by `:` (and not preceded by `?`) becomes
//!    `DefaultLabel`; the identifier `when` between `)`/`catch` and `(` becomes
//!    the `When` keyword.
//! 2. Generic angle brackets. At `Name <` where `Name` is a known generic name
//!    (a built-in generic type or generic method, or a name this file declares
//!    with type parameters), a type-argument list is scanned (types are
//!    predefined keywords or dotted names with their own argument lists and
//!    `[]`/`?` suffixes, separated by commas). If it closes and the token
//!    after the closing `>` is one of
//!    `( ) ] } : ; , . ? ?? ?. ?[ == != | ^ && || & [ [] { =>`, an identifier,
//!    `this` or the end of input, its `<`/`>` become `GenericLt`/`GenericGt`
//!    (and `?` inside it `NullableQ`). Names outside the set are never
//!    generic, so `a < b > c` stays relational. Type arguments nested deeper
//!    than [`MAX_NESTING`] are rejected ("nesting too deep").
//! 3. Two adjacent `>` (no space between) that are not generic become `>>`;
//!    `>` adjacent to `>=` becomes `>>=`.
//! 4. `?` after a type-like token (identifier, predefined type, `>` of a
//!    type-argument list, `[]`) is the nullable marker `NullableQ` when the
//!    next token cannot start the middle operand of `?:` (`) , ] ; = > []`),
//!    or is an identifier followed by `= ; , ) in { =>` (a declaration).
//! 5. Brackets are matched; nesting deeper than [`MAX_NESTING`] is rejected
//!    here ("nesting too deep") so that nothing after this pass meets it.
//! 6. Parentheses, left to right. `(` whose matching `)` is followed by `=>`
//!    opens a lambda (`LambdaOpen`) unless it follows a name (then it is a
//!    method's parameter list) or `new` (the `new()` constraint).
//!    Otherwise, unless it follows something that
//!    ends an operand or a keyword that takes parentheses (`if`, `typeof`,
//!    ...), when its content is exactly one type it is a cast (`CastOpen`) if
//!    the type starts with a predefined keyword (`(int)-x`), or if the token
//!    after `)` is `~ ! (`, an identifier, a literal, or one of
//!    `this base new typeof default await nameof checked sizeof true false null`.
//!    So `(Foo)x` and `(double)a / b` are casts and `(a) - b` is not.
//! 7. A running estimate of how deep the parser's stack will grow: brackets,
//!    right-associative operators (assignments, `?:`, `??`, `=>`), prefix
//!    operators, casts and statement keywords (`if`, `while`, `else`, ...)
//!    each add one, `;` and `,` go back to the depth of the enclosing bracket.
//!    Past [`MAX_NESTING`] the input is rejected as "expression too deeply
//!    nested", which keeps the parser's work linear on hostile input.

use std::collections::HashSet;

use crate::ast::{MAX_NESTING, Span};
use crate::diagnostic::Diagnostic;
use crate::lexer::{Lexeme as L, Spanned, Tok};

/// Generic types and methods of the built-in library, recognised before `<`.
const BUILTIN_GENERICS: &[&str] = &[
    "Task",
    "ValueTask",
    "TaskCompletionSource",
    "List",
    "Dictionary",
    "KeyValuePair",
    "Func",
    "Action",
    "Lazy",
    "AsyncLocal",
    "IEnumerable",
    "IEnumerator",
    "IList",
    "ICollection",
    "IDictionary",
    "IReadOnlyList",
    "IReadOnlyCollection",
    "IReadOnlyDictionary",
    "IComparer",
    "IComparable",
    "IEquatable",
    "Comparison",
    "Predicate",
    "EqualityComparer",
    "Comparer",
    "Nullable",
    "HashSet",
    "Queue",
    "Stack",
    "LinkedList",
    "SortedDictionary",
    "Tuple",
    "ValueTuple",
    // Generic methods of the library, called with explicit type arguments.
    "FromResult",
    "FromException",
    "FromCanceled",
    "Run",
    "WhenAll",
    "WhenAny",
    "ContinueWith",
    "Empty",
];

/// Applies every rule; `None` when the input was rejected (the error is in `diags`).
pub fn rewrite<'a>(toks: Vec<Spanned<'a>>, diags: &mut Vec<Diagnostic>) -> Option<Vec<Spanned<'a>>> {
    let mut toks = merge_pairs(toks);
    let generics = generic_names(&toks);
    mark_generics(&mut toks, &generics, diags)?;
    let mut toks = fuse_shifts(toks);
    mark_nullable(&mut toks);
    let matching = match_brackets(&toks, diags)?;
    mark_parens(&mut toks, &matching);
    check_depth(&toks, diags)?;
    Some(toks)
}

fn sym(t: Option<&Spanned<'_>>) -> Option<L> {
    match t {
        Some((_, Tok::Sym(s), _)) => Some(*s),
        _ => None,
    }
}

fn is_sym(t: Option<&Spanned<'_>>, s: L) -> bool {
    sym(t) == Some(s)
}

fn is_ident(t: Option<&Spanned<'_>>) -> bool {
    matches!(t, Some((_, Tok::Ident(_), _)))
}

fn is_predefined_type(s: L) -> bool {
    matches!(
        s,
        L::Bool
            | L::Byte
            | L::Char
            | L::Decimal
            | L::Double
            | L::Float
            | L::Int
            | L::Long
            | L::Object
            | L::Sbyte
            | L::Short
            | L::String
            | L::Uint
            | L::Ulong
            | L::Ushort
            | L::Void
    )
}

/// A token after which a type may end (what can precede a nullable `?`).
fn ends_type(t: Option<&Spanned<'_>>) -> bool {
    match t {
        Some((_, Tok::Ident(_) | Tok::GenericGt | Tok::EmptyBrackets, _)) => true,
        Some((_, Tok::Sym(s), _)) => is_predefined_type(*s),
        _ => false,
    }
}

/// A token that ends an operand: after it, `(` is a call and `-` is binary.
fn ends_operand(t: &Tok<'_>) -> bool {
    match t {
        Tok::Ident(_) | Tok::Lit(_) | Tok::GenericGt | Tok::InterpEnd | Tok::EmptyBrackets => true,
        Tok::Sym(s) => matches!(s, L::RParen | L::RBracket | L::This | L::Base | L::True | L::False | L::Null),
        _ => false,
    }
}

/// Rule 1.
fn merge_pairs(toks: Vec<Spanned<'_>>) -> Vec<Spanned<'_>> {
    let mut out: Vec<Spanned<'_>> = Vec::with_capacity(toks.len());
    let mut i = 0;
    while i < toks.len() {
        let (start, tok, end) = toks[i];
        let next = toks.get(i + 1);
        match tok {
            Tok::Sym(L::LBracket) if is_sym(next, L::RBracket) => {
                let close_end = next.map_or(end, |n| n.2);
                out.push((start, Tok::EmptyBrackets, close_end));
                i += 2;
                continue;
            }
            Tok::Sym(L::Default) if is_sym(next, L::Colon) && !is_sym(out.last(), L::Question) => {
                out.push((start, Tok::DefaultLabel, end));
            }
            Tok::Ident("when") if is_sym(next, L::LParen) && matches!(sym(out.last()), Some(L::RParen | L::Catch)) => {
                out.push((start, Tok::When, end));
            }
            _ => out.push((start, tok, end)),
        }
        i += 1;
    }
    out
}

/// The names that open a type-argument list: the built-in ones, and those
/// this file declares with type parameters (`class C<T>`, `T M<T>(`).
fn generic_names<'a>(toks: &[Spanned<'a>]) -> HashSet<&'a str> {
    let mut names: HashSet<&'a str> = BUILTIN_GENERICS.iter().copied().collect();
    for i in 0..toks.len() {
        let Some((_, Tok::Ident(name), _)) = toks.get(i) else { continue };
        if !is_sym(toks.get(i + 1), L::Lt) {
            continue;
        }
        let declares_type =
            i > 0 && matches!(sym(toks.get(i - 1)), Some(L::Class | L::Struct | L::Interface | L::Delegate));
        let declares_method =
            i > 0 && ends_type_before_generics(toks.get(i - 1)) && type_params_then_paren(toks, i + 1);
        if declares_type || declares_method {
            names.insert(name);
        }
    }
    names
}

/// Like [`ends_type`], but before generics are marked (`>` is still plain).
fn ends_type_before_generics(t: Option<&Spanned<'_>>) -> bool {
    ends_type(t) || matches!(sym(t), Some(L::Gt | L::Question))
}

/// Whether `<` at `lt` starts `<A, B>(`: a method's type-parameter list.
fn type_params_then_paren(toks: &[Spanned<'_>], lt: usize) -> bool {
    let mut i = lt + 1;
    loop {
        if !is_ident(toks.get(i)) {
            return false;
        }
        match sym(toks.get(i + 1)) {
            Some(L::Comma) => i += 2,
            Some(L::Gt) => return is_sym(toks.get(i + 2), L::LParen),
            _ => return false,
        }
    }
}

/// The result of scanning a type.
#[derive(Default)]
struct TypeScan {
    /// Index just past the type.
    end: usize,
    /// Positions of the `<`, `>` and `?` that belong to the type.
    lts: Vec<usize>,
    gts: Vec<usize>,
    questions: Vec<usize>,
    /// The type starts with a predefined type keyword.
    keyword_head: bool,
}

/// Scans a type at `i`. With `depth == 1`, `i` is just after an opening `<`
/// and the scan stops after the `>` that closes it; with `depth == 0` it
/// stops where the type ends. `Ok(None)` when there is no type here;
/// `Err(i)` when type arguments nest deeper than [`MAX_NESTING`] at `i`
/// (bounding every scan keeps the work of all of them linear).
fn scan_type(toks: &[Spanned<'_>], mut i: usize, mut depth: usize) -> Result<Option<TypeScan>, usize> {
    #[derive(Clone, Copy)]
    enum State {
        ExpectType,
        AfterName,
        AfterType,
        AfterClose,
    }
    let start = i;
    let in_list = depth > 0;
    let mut scan = TypeScan::default();
    let mut state = State::ExpectType;
    loop {
        let t = toks.get(i);
        match state {
            State::ExpectType => match t {
                Some((_, Tok::Ident(_), _)) => {
                    i += 1;
                    state = State::AfterName;
                }
                Some((_, Tok::Sym(s), _)) if is_predefined_type(*s) => {
                    scan.keyword_head |= i == start;
                    i += 1;
                    state = State::AfterType;
                }
                _ => return Ok(None),
            },
            State::AfterName => match t {
                Some((_, Tok::Sym(L::Lt) | Tok::GenericLt, _)) => {
                    if depth >= MAX_NESTING {
                        return Err(i);
                    }
                    scan.lts.push(i);
                    depth += 1;
                    i += 1;
                    state = State::ExpectType;
                }
                Some((_, Tok::Sym(L::Dot), _)) if is_ident(toks.get(i + 1)) => i += 2,
                _ => state = State::AfterType,
            },
            State::AfterClose => match t {
                Some((_, Tok::Sym(L::Dot), _)) if is_ident(toks.get(i + 1)) => {
                    i += 2;
                    state = State::AfterName;
                }
                _ => state = State::AfterType,
            },
            State::AfterType => match t {
                Some((_, Tok::NullableQ, _)) => i += 1,
                Some((_, Tok::Sym(L::Question), _)) if depth > 0 || is_sym(toks.get(i + 1), L::RParen) => {
                    scan.questions.push(i);
                    i += 1;
                }
                Some((_, Tok::EmptyBrackets, _)) => i += 1,
                _ if depth == 0 => {
                    scan.end = i;
                    return Ok(Some(scan));
                }
                Some((_, Tok::Sym(L::Comma), _)) => {
                    i += 1;
                    state = State::ExpectType;
                }
                Some((_, Tok::Sym(L::Gt) | Tok::GenericGt, _)) => {
                    scan.gts.push(i);
                    depth -= 1;
                    i += 1;
                    if depth == 0 && in_list {
                        scan.end = i;
                        return Ok(Some(scan));
                    }
                    state = State::AfterClose;
                }
                _ => return Ok(None),
            },
        }
    }
}

/// Whether the token after a type-argument list confirms it (rule 2).
fn follows_type_args(t: Option<&Spanned<'_>>) -> bool {
    match t {
        None => true,
        Some((_, Tok::Ident(_) | Tok::EmptyBrackets | Tok::HoleEnd | Tok::HoleFormat(_), _)) => true,
        Some((_, Tok::Sym(s), _)) => matches!(
            s,
            L::LParen
                | L::RParen
                | L::RBracket
                | L::RBrace
                | L::Colon
                | L::Semi
                | L::Comma
                | L::Dot
                | L::Question
                | L::QuestionQuestion
                | L::QuestionDot
                | L::QuestionBracket
                | L::EqEq
                | L::NotEq
                | L::Pipe
                | L::Caret
                | L::AmpAmp
                | L::PipePipe
                | L::Amp
                | L::LBracket
                | L::LBrace
                | L::Arrow
                | L::This
        ),
        _ => false,
    }
}

/// Rule 2.
fn mark_generics(toks: &mut [Spanned<'_>], generics: &HashSet<&str>, diags: &mut Vec<Diagnostic>) -> Option<()> {
    let mut i = 0;
    while i + 1 < toks.len() {
        let candidate = matches!(toks[i].1, Tok::Ident(name) if generics.contains(name))
            && matches!(toks[i + 1].1, Tok::Sym(L::Lt));
        if candidate {
            let scan = scan_type(toks, i + 2, 1).map_err(|at| nesting_too_deep(toks, at, diags)).ok()?;
            if let Some(scan) = scan
                && follows_type_args(toks.get(scan.end))
            {
                toks[i + 1].1 = Tok::GenericLt;
                for &j in &scan.lts {
                    toks[j].1 = Tok::GenericLt;
                }
                for &j in &scan.gts {
                    toks[j].1 = Tok::GenericGt;
                }
                for &j in &scan.questions {
                    toks[j].1 = Tok::NullableQ;
                }
                i = scan.end;
                continue;
            }
        }
        i += 1;
    }
    Some(())
}

fn nesting_too_deep(toks: &[Spanned<'_>], at: usize, diags: &mut Vec<Diagnostic>) {
    let (start, _, end) = toks[at];
    diags.push(Diagnostic::error(Span::new(start, end), "nesting too deep"));
}

/// Rule 3.
fn fuse_shifts(toks: Vec<Spanned<'_>>) -> Vec<Spanned<'_>> {
    let mut out = Vec::with_capacity(toks.len());
    let mut i = 0;
    while i < toks.len() {
        let (start, tok, end) = toks[i];
        if tok == Tok::Sym(L::Gt) {
            match toks.get(i + 1) {
                Some(&(s2, Tok::Sym(L::Gt), e2)) if s2 == end => {
                    out.push((start, Tok::Shr, e2));
                    i += 2;
                    continue;
                }
                Some(&(s2, Tok::Sym(L::GtEq), e2)) if s2 == end => {
                    out.push((start, Tok::ShrAssign, e2));
                    i += 2;
                    continue;
                }
                _ => {}
            }
        }
        out.push((start, tok, end));
        i += 1;
    }
    out
}

/// Rule 4.
fn mark_nullable(toks: &mut [Spanned<'_>]) {
    for i in 1..toks.len() {
        if toks[i].1 != Tok::Sym(L::Question) || !ends_type(toks.get(i - 1)) {
            continue;
        }
        let next = toks.get(i + 1);
        let nullable = match next {
            None | Some((_, Tok::GenericGt | Tok::EmptyBrackets, _)) => true,
            Some((_, Tok::Sym(s), _)) => {
                matches!(s, L::RParen | L::Comma | L::RBracket | L::Semi | L::Assign | L::Gt)
            }
            Some((_, Tok::Ident(_), _)) => matches!(
                sym(toks.get(i + 2)),
                Some(L::Assign | L::Semi | L::Comma | L::RParen | L::In | L::LBrace | L::Arrow)
            ),
            _ => false,
        };
        if nullable {
            toks[i].1 = Tok::NullableQ;
        }
    }
}

fn is_opener(t: &Tok<'_>) -> bool {
    matches!(
        t,
        Tok::Sym(L::LParen | L::LBracket | L::QuestionBracket | L::LBrace)
            | Tok::GenericLt
            | Tok::HoleStart
            | Tok::InterpStart
            | Tok::CastOpen
            | Tok::LambdaOpen
    )
}

/// Whether `close` closes a bracket opened by `open`.
fn closes(open: &Tok<'_>, close: &Tok<'_>) -> bool {
    match close {
        Tok::Sym(L::RParen) => matches!(open, Tok::Sym(L::LParen) | Tok::CastOpen | Tok::LambdaOpen),
        Tok::Sym(L::RBracket) => matches!(open, Tok::Sym(L::LBracket | L::QuestionBracket)),
        Tok::Sym(L::RBrace) => matches!(open, Tok::Sym(L::LBrace)),
        Tok::GenericGt => matches!(open, Tok::GenericLt),
        Tok::HoleEnd => matches!(open, Tok::HoleStart),
        Tok::InterpEnd => matches!(open, Tok::InterpStart),
        _ => false,
    }
}

fn is_closer(t: &Tok<'_>) -> bool {
    matches!(t, Tok::Sym(L::RParen | L::RBracket | L::RBrace) | Tok::GenericGt | Tok::HoleEnd | Tok::InterpEnd)
}

/// Rule 5: for each opener, the index of its closer (`usize::MAX` if none).
fn match_brackets(toks: &[Spanned<'_>], diags: &mut Vec<Diagnostic>) -> Option<Vec<usize>> {
    let mut matching = vec![usize::MAX; toks.len()];
    let mut stack: Vec<usize> = Vec::new();
    for (i, (_, tok, _)) in toks.iter().enumerate() {
        if is_opener(tok) {
            if stack.len() >= MAX_NESTING {
                nesting_too_deep(toks, i, diags);
                return None;
            }
            stack.push(i);
        } else if is_closer(tok) {
            // An unmatched closer is left for the parser to report.
            if let Some(&open) = stack.last()
                && closes(&toks[open].1, tok)
            {
                stack.pop();
                matching[open] = i;
                matching[i] = open;
            }
        }
    }
    Some(matching)
}

/// Rule 6.
fn mark_parens(toks: &mut [Spanned<'_>], matching: &[usize]) {
    for i in 0..toks.len() {
        if toks[i].1 != Tok::Sym(L::LParen) {
            continue;
        }
        let close = matching[i];
        if close == usize::MAX {
            continue;
        }
        let prev = if i > 0 { Some(toks[i - 1].1) } else { None };
        let prev_is_cast_close = i > 0
            && toks[i - 1].1 == Tok::Sym(L::RParen)
            && matching[i - 1] != usize::MAX
            && toks[matching[i - 1]].1 == Tok::CastOpen;
        let after_operand = match prev {
            Some(Tok::Sym(L::RParen)) => !prev_is_cast_close,
            Some(t) => ends_operand(&t),
            None => false,
        };
        let after_paren_keyword = matches!(
            prev,
            Some(Tok::When)
                | Some(Tok::Sym(
                    L::If
                        | L::While
                        | L::For
                        | L::Foreach
                        | L::Switch
                        | L::Catch
                        | L::Using
                        | L::Lock
                        | L::Fixed
                        | L::Typeof
                        | L::Default
                        | L::Nameof
                        | L::Sizeof
                        | L::Checked
                        | L::Unchecked
                ))
        ) || matches!(prev, Some(Tok::Sym(s)) if is_predefined_type(s));
        let next = toks.get(close + 1);
        if is_sym(next, L::Arrow) {
            // `new()` is a constraint before `=>`, not a lambda.
            if !after_operand && !after_paren_keyword && prev != Some(Tok::Sym(L::New)) {
                toks[i].1 = Tok::LambdaOpen;
            }
            continue;
        }
        if after_operand || after_paren_keyword {
            continue;
        }
        // Nesting too deep for a type is rejected by the depth check.
        let Ok(Some(scan)) = scan_type(toks, i + 1, 0) else { continue };
        if scan.end != close {
            continue;
        }
        let cast = scan.keyword_head
            || match next {
                Some((_, Tok::Ident(_) | Tok::Lit(_) | Tok::InterpStart, _)) => true,
                Some((_, Tok::Sym(s), _)) => matches!(
                    s,
                    L::Tilde
                        | L::Bang
                        | L::LParen
                        | L::This
                        | L::Base
                        | L::New
                        | L::Typeof
                        | L::Default
                        | L::Await
                        | L::Nameof
                        | L::Checked
                        | L::Unchecked
                        | L::Sizeof
                        | L::True
                        | L::False
                        | L::Null
                ),
                _ => false,
            };
        if cast {
            toks[i].1 = Tok::CastOpen;
            for &j in &scan.questions {
                toks[j].1 = Tok::NullableQ;
            }
        }
    }
}

/// Rule 7.
fn check_depth(toks: &[Spanned<'_>], diags: &mut Vec<Diagnostic>) -> Option<()> {
    struct Level {
        /// The estimate when the bracket opened.
        saved: usize,
        cast: bool,
        brace: bool,
    }
    let mut levels: Vec<Level> = Vec::new();
    let mut depth = 0usize;
    let too_deep = |diags: &mut Vec<Diagnostic>, i: usize| {
        let (start, _, end) = toks[i];
        diags.push(Diagnostic::error(Span::new(start, end), "expression too deeply nested"));
    };
    for i in 0..toks.len() {
        let tok = &toks[i].1;
        let prev = if i > 0 { Some(&toks[i - 1].1) } else { None };
        let next_is_else = is_sym(toks.get(i + 1), L::Else);
        let base = |levels: &Vec<Level>| levels.last().map_or(0, |l| l.saved + 1);
        let adds = if is_opener(tok) {
            levels.push(Level { saved: depth, cast: *tok == Tok::CastOpen, brace: *tok == Tok::Sym(L::LBrace) });
            true
        } else if is_closer(tok) {
            if let Some(level) = levels.pop() {
                depth = level.saved;
                if level.brace && !next_is_else {
                    depth = base(&levels);
                }
                level.cast
            } else {
                false
            }
        } else {
            match tok {
                Tok::Sym(L::Semi | L::Comma) => {
                    if !next_is_else {
                        depth = base(&levels);
                    }
                    false
                }
                Tok::Sym(L::Plus | L::Minus | L::PlusPlus | L::MinusMinus) => !prev.is_some_and(ends_operand),
                Tok::Sym(
                    L::Bang
                    | L::Tilde
                    | L::Await
                    | L::Throw
                    | L::Assign
                    | L::PlusAssign
                    | L::MinusAssign
                    | L::StarAssign
                    | L::SlashAssign
                    | L::PercentAssign
                    | L::AmpAssign
                    | L::PipeAssign
                    | L::CaretAssign
                    | L::ShlAssign
                    | L::QuestionQuestionAssign
                    | L::Question
                    | L::QuestionQuestion
                    | L::Arrow
                    | L::If
                    | L::While
                    | L::For
                    | L::Foreach
                    | L::Do
                    | L::Lock
                    | L::Using
                    | L::Fixed,
                )
                | Tok::ShrAssign => true,
                Tok::Sym(L::Else) => !is_sym(toks.get(i + 1), L::If),
                _ => false,
            }
        };
        if adds {
            depth += 1;
            if depth > MAX_NESTING {
                too_deep(diags, i);
                return None;
            }
        }
    }
    Some(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lexer::tokenize;
    use bumpalo::Bump;

    /// The rewritten tokens, printed compactly: rewritten ones by name.
    fn show(src: &str) -> String {
        let arena = Bump::new();
        let (toks, diags) = tokenize(&arena, src);
        assert!(diags.is_empty(), "{diags:?}");
        let mut diags = Vec::new();
        let toks = rewrite(toks, &mut diags).expect("rewrite rejected the input");
        let parts: Vec<String> = toks
            .iter()
            .map(|(s, t, e)| match t {
                Tok::GenericLt => "<'".to_string(),
                Tok::GenericGt => ">'".to_string(),
                Tok::CastOpen => "(cast".to_string(),
                Tok::LambdaOpen => "(lambda".to_string(),
                Tok::NullableQ => "?'".to_string(),
                Tok::EmptyBrackets => "[]".to_string(),
                Tok::Shr => ">>".to_string(),
                Tok::ShrAssign => ">>=".to_string(),
                Tok::When => "when'".to_string(),
                Tok::DefaultLabel => "default'".to_string(),
                _ => src[*s..*e].to_string(),
            })
            .collect();
        parts.join(" ")
    }

    #[test]
    fn generic_types() {
        assert_eq!(show("List<int> xs"), "List <' int >' xs");
        assert_eq!(show("Dictionary<string, List<int>> d"), "Dictionary <' string , List <' int >' >' d");
        assert_eq!(show("Func<int, Task<int>> f"), "Func <' int , Task <' int >' >' f");
        assert_eq!(show("Task<int>.Factory"), "Task <' int >' . Factory");
        assert_eq!(show("new List<int[]>()"), "new List <' int [] >' ( )");
        assert_eq!(show("List<int?> a"), "List <' int ?' >' a");
        assert_eq!(show("Task.FromResult<int>(1)"), "Task . FromResult <' int >' ( 1 )");
    }

    #[test]
    fn relational_stays_relational() {
        assert_eq!(show("a < b > c"), "a < b > c");
        assert_eq!(show("x < y && y > z"), "x < y && y > z");
        assert_eq!(show("i < n; i++"), "i < n ; i ++");
        // A known generic name, but what follows is not a type-argument list.
        assert_eq!(show("List < 3"), "List < 3");
    }

    #[test]
    fn declared_generics() {
        assert_eq!(show("T Id<T>(T x) => x; Id<int>(1)"), "T Id <' T >' ( T x ) => x ; Id <' int >' ( 1 )");
        assert_eq!(show("class Box<T> {} Box<int> b"), "class Box <' T >' { } Box <' int >' b");
    }

    #[test]
    fn shifts() {
        assert_eq!(show("x >> 2"), "x >> 2");
        assert_eq!(show("x >>= 1"), "x >>= 1");
        assert_eq!(show("x > > 2"), "x > > 2");
        assert_eq!(show("List<List<int>> x"), "List <' List <' int >' >' x");
    }

    #[test]
    fn casts() {
        assert_eq!(show("(int)x"), "(cast int ) x");
        assert_eq!(show("(double)a / b"), "(cast double ) a / b");
        assert_eq!(show("(Foo)obj"), "(cast Foo ) obj");
        assert_eq!(show("(List<int>)o"), "(cast List <' int >' ) o");
        assert_eq!(show("(int)-x"), "(cast int ) - x");
        assert_eq!(show("(int?)x"), "(cast int ?' ) x");
        assert_eq!(show("(int)(long)x"), "(cast int ) (cast long ) x");
        assert_eq!(show("(a) - b"), "( a ) - b");
        assert_eq!(show("(x)"), "( x )");
        assert_eq!(show("f(x)"), "f ( x )");
        assert_eq!(show("if (x) y = 1;"), "if ( x ) y = 1 ;");
        assert_eq!(show("typeof(int) == t"), "typeof ( int ) == t");
        assert_eq!(show("default(int) + 1"), "default ( int ) + 1");
    }

    #[test]
    fn lambdas() {
        assert_eq!(show("(a, b) => a"), "(lambda a , b ) => a");
        assert_eq!(show("() => 1"), "(lambda ) => 1");
        assert_eq!(show("(int a) => a"), "(lambda int a ) => a");
        assert_eq!(show("async (x) => x"), "async (lambda x ) => x");
        assert_eq!(show("int M(int a) => a;"), "int M ( int a ) => a ;");
    }

    #[test]
    fn contextual() {
        assert_eq!(show("int[] a"), "int [] a");
        assert_eq!(show("int [ ] a"), "int [] a");
        assert_eq!(show("default: break;"), "default' : break ;");
        assert_eq!(show("c ? default : 1"), "c ? default : 1");
        assert_eq!(show("catch (E e) when (f) {}"), "catch ( E e ) when' ( f ) { }");
        assert_eq!(show("int? x = null;"), "int ?' x = null ;");
        assert_eq!(show("a ? b : c"), "a ? b : c");
        assert_eq!(show("x is Foo ? a : b"), "x is Foo ? a : b");
    }

    #[test]
    fn deep_nesting_is_rejected() {
        let arena = Bump::new();
        let src = "(".repeat(100_000);
        let (toks, _) = tokenize(&arena, &src);
        let mut diags = Vec::new();
        assert!(rewrite(toks, &mut diags).is_none());
        assert_eq!(diags.len(), 1);
        assert_eq!(diags[0].message, "nesting too deep");

        let src = format!("x = {}y;", "!".repeat(100_000));
        let (toks, _) = tokenize(&arena, &src);
        let mut diags = Vec::new();
        assert!(rewrite(toks, &mut diags).is_none());
        assert_eq!(diags[0].message, "expression too deeply nested");
    }
}
