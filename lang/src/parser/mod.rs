//! The parser: tokens to the AST of a compilation unit.
//!
//! Pipeline: [`lexer::tokenize`] → `rewrite` (settles C#'s ambiguous
//! tokens: generic `<>`, casts, lambdas, `>>`, nullable `?`; rejects
//! over-deep nesting) → the LALRPOP grammar (`grammar.lalrpop`, LR(1), with
//! error recovery at statement and member level) → `depth::check` (the
//! AST's nesting invariant, checked by an iterative walk).
//!
//! Every phase collects errors instead of stopping, so one call reports all
//! the independent errors of a file. The parser never panics and never
//! recurses on the input's structure.

use std::collections::HashSet;

use bumpalo::Bump;
use lalrpop_util::ParseError;

use crate::ast::{CompilationUnit, Span};
use crate::diagnostic::Diagnostic;
use crate::lexer::{self, Tok};

mod actions;
mod depth;
mod rewrite;

lalrpop_util::lalrpop_mod!(
    #[allow(clippy::all, clippy::pedantic, unused_parens, unused_imports, dead_code)]
    grammar,
    "/parser/grammar.rs"
);

/// Parses a whole `.toy` file. Returns the unit (with the constructs that
/// had syntax errors left out) and every error found; `None` when the input
/// could not be parsed at all (nesting too deep, or an error at the end of
/// the file that left no way to recover).
pub fn parse<'a>(arena: &'a Bump, source: &str) -> (Option<&'a CompilationUnit<'a>>, Vec<Diagnostic>) {
    let (toks, mut diags) = lexer::tokenize(arena, source);
    let Some(toks) = rewrite::rewrite(toks, &mut diags) else {
        return (None, sorted(diags));
    };
    // A syntax error at a lexical error, or at the first token after one,
    // is that error's consequence and is not reported.
    let mut lexical: Vec<Span> = diags.iter().map(|d| d.span).collect();
    lexical.sort_by_key(|s| s.start);
    let after_lexical: HashSet<usize> = lexical
        .iter()
        .map(|s| {
            let next = toks.partition_point(|t| t.0 < s.end as usize);
            toks.get(next).map_or(source.len(), |t| t.0)
        })
        .collect();
    // Where each token ends, for placing a missing `;` after the token before.
    let token_ends: Vec<(usize, usize)> = toks.iter().map(|t| (t.0, t.2)).collect();
    let cx = actions::Cx::new(arena);
    let result = grammar::CompilationUnitParser::new().parse(&cx, toks.into_iter().map(Ok::<_, Diagnostic>));

    let mut syntax = SyntaxErrors { source, lexical, after_lexical, token_ends, reported: HashSet::new() };
    for error in cx.recovered.take() {
        syntax.report(error, &mut diags);
    }
    let mut unit = match result {
        Ok(unit) => Some(unit),
        Err(error) => {
            syntax.report(error, &mut diags);
            None
        }
    };
    diags.extend(cx.diags.take());
    if let Some(u) = unit
        && let Err(too_deep) = depth::check(u)
    {
        diags.push(too_deep);
        unit = None;
    }
    (unit, sorted(diags))
}

fn sorted(mut diags: Vec<Diagnostic>) -> Vec<Diagnostic> {
    diags.sort_by_key(|d| (d.span.start, d.span.end));
    diags
}

/// Renders syntax errors, leaving out the ones that only repeat an error
/// already reported at the same place or follow from a lexical error.
struct SyntaxErrors<'s> {
    source: &'s str,
    /// Spans of lexical errors, sorted by start.
    lexical: Vec<Span>,
    /// Starts of the tokens right after a lexical error.
    after_lexical: HashSet<usize>,
    /// Each token's start and end, in order.
    token_ends: Vec<(usize, usize)>,
    /// Starts of the syntax errors reported so far.
    reported: HashSet<u32>,
}

impl SyntaxErrors<'_> {
    fn report(&mut self, error: ParseError<usize, Tok<'_>, Diagnostic>, diags: &mut Vec<Diagnostic>) {
        let found_at = match &error {
            ParseError::UnrecognizedToken { token: (l, ..), .. } => Some(*l as u32),
            _ => None,
        };
        let diag = match error {
            ParseError::UnrecognizedToken { token: (l, tok, r), expected } => Diagnostic::error(
                self.missing_closer_at(l, &expected).unwrap_or(Span::new(l, r)),
                format!("expected {}, found {}", expected_list(&expected), lexer::describe(&tok, self.source, l, r)),
            ),
            // Running into the end of the file after another error is almost
            // always that error's doing (an unclosed brace, a comment or
            // string that swallowed the rest).
            ParseError::UnrecognizedEof { .. } if !diags.is_empty() => return,
            ParseError::UnrecognizedEof { location, expected } => Diagnostic::error(
                Span::new(location, location),
                format!("expected {}, found end of file", expected_list(&expected)),
            ),
            ParseError::ExtraToken { token: (l, tok, r) } => {
                Diagnostic::error(Span::new(l, r), format!("unexpected {}", lexer::describe(&tok, self.source, l, r)))
            }
            ParseError::InvalidToken { location } => Diagnostic::error(Span::new(location, location), "invalid token"),
            ParseError::User { error } => error,
        };
        // Where the error was found (a missing `;` is reported before it).
        let start = found_at.unwrap_or(diag.span.start);
        let inside_lexical = match self.lexical.partition_point(|s| s.start <= start) {
            0 => false,
            i => start < self.lexical[i - 1].end.max(self.lexical[i - 1].start + 1),
        };
        if inside_lexical || self.after_lexical.contains(&(start as usize)) || !self.reported.insert(start) {
            return;
        }
        diags.push(diag);
    }
}

impl SyntaxErrors<'_> {
    /// Where a missing `;`, `)` or `]` belongs when the unexpected token at
    /// `at` starts a later line: right after the token before it, as Roslyn
    /// and rustc report it (`int a = 1` then `int b` on the next line is an
    /// error at the end of `1`). A missing `}` could be anywhere: that error
    /// stays at the unexpected token.
    fn missing_closer_at(&self, at: usize, expected: &[String]) -> Option<Span> {
        // (Where a statement or declaration could start, `;` is an empty
        // statement, not a missing one.)
        let closer = expected.iter().any(|e| matches!(e.trim_matches('"'), ";" | ")" | "]"))
            && !expected.iter().any(|e| matches!(e.trim_matches('"'), "if" | "public"));
        let i = self.token_ends.partition_point(|t| t.0 < at);
        let previous_end = self.token_ends.get(i.checked_sub(1)?)?.1;
        let between = self.source.get(previous_end..at)?;
        (closer && between.contains('\n')).then(|| Span::new(previous_end, previous_end))
    }
}

/// Tokens that can continue a complete expression or type: left out of
/// "expected ..." lists when something that ends the construct is expected,
/// since "expected `;`" says more than forty operators.
const CONTINUATIONS: &[&str] = &[
    ".",
    "?.",
    "?[",
    "(",
    "[",
    "++",
    "--",
    "+",
    "-",
    "*",
    "/",
    "%",
    "<<",
    ">>",
    "<",
    ">",
    "<=",
    ">=",
    "==",
    "!=",
    "&",
    "^",
    "|",
    "&&",
    "||",
    "??",
    "?",
    "is",
    "as",
    "=",
    "+=",
    "-=",
    "*=",
    "/=",
    "%=",
    "&=",
    "|=",
    "^=",
    "<<=",
    ">>=",
    "??=",
    "=>",
    "GenericLt",
    "NullableQ",
    "[]",
    "identifier",
];

/// Tokens that end a construct.
const CLOSERS: &[&str] = &[";", ")", "]", "}", ",", ":", "{", "HoleEnd", "InterpEnd"];

/// "`;`", "`)` or `,`", "expression", ... from LALRPOP's expected terminals.
fn expected_list(expected: &[String]) -> String {
    let names: Vec<&str> = expected.iter().map(|e| e.trim_matches('"')).collect();
    let has = |n: &str| names.contains(&n);
    let closers = || names.iter().copied().filter(|n| CLOSERS.contains(n) && *n != "{").map(display_terminal);
    // Where a construct can start, name the construct.
    let construct = if has("literal") && has("identifier") {
        Some(match (has("public"), has("if")) {
            (true, _) => "declaration or statement",
            (false, true) => "statement",
            (false, false) => "expression",
        })
    } else if has("identifier") && has("int") {
        Some(if has("public") { "declaration" } else { "type" })
    } else {
        None
    };
    let mut words: Vec<String> = match construct {
        // (`;` is a statement too.)
        Some(construct) => std::iter::once(construct.to_string())
            .chain(closers().filter(|c| !(c == "`;`" && construct.contains("statement"))))
            .collect(),
        None => {
            let ends: Vec<&str> = names.iter().copied().filter(|n| CLOSERS.contains(n)).collect();
            let shown =
                if !ends.is_empty() && names.iter().any(|n| CONTINUATIONS.contains(n)) { ends } else { names.clone() };
            if shown.len() <= 4 { shown.iter().map(|n| display_terminal(n)).collect() } else { closers().collect() }
        }
    };
    words.dedup();
    match words.len() {
        0 => "something else".to_string(),
        1 => words.remove(0),
        n => format!("{} or {}", words[..n - 1].join(", "), words[n - 1]),
    }
}

fn display_terminal(name: &str) -> String {
    match name {
        "identifier" | "literal" | "interpolated string" => name.to_string(),
        "GenericLt" => "`<`".to_string(),
        "GenericGt" => "`>`".to_string(),
        "CastOpen" | "LambdaOpen" => "`(`".to_string(),
        "NullableQ" => "`?`".to_string(),
        "DefaultLabel" => "`default`".to_string(),
        "HoleEnd" => "`}`".to_string(),
        "HoleStart" => "`{`".to_string(),
        "InterpEnd" => "end of interpolated string".to_string(),
        "InterpText" | "HoleFormat" => "text".to_string(),
        other => format!("`{other}`"),
    }
}

#[cfg(test)]
mod tests;
