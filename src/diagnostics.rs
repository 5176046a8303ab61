//! Compile errors as the command line shows them, drawn by
//! codespan-reporting's renderer: `path:line:col: error: message` (the form
//! editors and terminals jump from), the source line with a caret under the
//! span (tabs expanded alike in both), the notes, and a closing count as
//! rustc prints it:
//!
//! ```text
//! tests/bad/missing_semicolon.toy:7:18: error: expected `,` or `;`, found `int`
//!   |
//! 7 |         int a = 1
//!   |                  ^
//! error: aborting due to 1 previous error
//! ```
//!
//! Colour follows `--color`: `auto` colours a terminal only, and never when
//! `NO_COLOR` is set or `TERM` is `dumb`.

use std::io::IsTerminal;

use codespan_reporting::diagnostic::{LabelStyle, Severity};
use codespan_reporting::files::{Files, SimpleFile};
use codespan_reporting::term::termcolor::{self, StandardStream, WriteColor};
use codespan_reporting::term::{Chars, Config, Renderer};

/// `--color`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorWhen {
    /// Colour when standard error is a terminal and `NO_COLOR` is not set.
    #[default]
    Auto,
    Always,
    Never,
}

impl ColorWhen {
    /// The choice for standard error.
    pub fn for_stderr(self) -> termcolor::ColorChoice {
        match self {
            ColorWhen::Always => termcolor::ColorChoice::AlwaysAnsi,
            ColorWhen::Never => termcolor::ColorChoice::Never,
            // termcolor's Auto reads NO_COLOR and TERM but not whether the
            // stream is a terminal.
            ColorWhen::Auto if std::io::stderr().is_terminal() => termcolor::ColorChoice::Auto,
            ColorWhen::Auto => termcolor::ColorChoice::Never,
        }
    }
}

impl ColorWhen {
    /// Whether standard error gets colour.
    pub fn colors_stderr(self) -> bool {
        StandardStream::stderr(self.for_stderr()).supports_color()
    }
}

/// Prints `diagnostics` of the file `name` to standard error.
pub fn emit(name: &str, source: &str, diagnostics: &[lang::Diagnostic], color: ColorWhen) {
    let stream = StandardStream::stderr(color.for_stderr());
    let mut w = stream.lock();
    let _ = render(&mut w, name, source, diagnostics);
}

/// Source lines longer than this are shown as a window around the caret.
const MAX_SHOWN: usize = 100;

fn render<W: WriteColor>(
    w: &mut W,
    name: &str,
    source: &str,
    diagnostics: &[lang::Diagnostic],
) -> Result<(), codespan_reporting::files::Error> {
    let file = SimpleFile::new(name, source);
    let config = Config { chars: Chars::ascii(), ..Config::default() };
    for d in diagnostics {
        let start = (d.span.start as usize).min(source.len());
        let end = (d.span.end as usize).clamp(start, source.len());
        let location = file.location((), start)?;
        // The locus as codespan's short style writes it (its `Locus` is not
        // public), then the header, snippet and notes of the rich style.
        write!(w, "{name}:{}:{}: ", location.line_number, location.column_number)?;
        let mut r = Renderer::new(w, &config);
        r.render_header(None, Severity::Error, None, &d.message)?;
        let line = file.line_range((), file.line_index((), start)?)?;
        let text = source[line.clone()].trim_end_matches(['\n', '\r']);
        let (shown, caret) = window(text, start - line.start, end.min(line.start + text.len()) - line.start);
        let gutter = location.line_number.to_string().len();
        r.render_snippet_empty(gutter, Severity::Error, 0, &[])?;
        let labels = [(LabelStyle::Primary, caret, "")];
        r.render_snippet_source(gutter, location.line_number, &shown, Severity::Error, &labels, 0, &[])?;
        for note in &d.notes {
            r.render_snippet_note(gutter, note)?;
        }
    }
    if !diagnostics.is_empty() {
        let n = diagnostics.len();
        let message = format!("aborting due to {n} previous error{}", if n == 1 { "" } else { "s" });
        Renderer::new(w, &config).render_header(None, Severity::Error, None, &message)?;
    }
    Ok(())
}

/// The part of a line to show and the caret's byte range in it: the whole
/// line, or for a long one `...` + a window around the caret + `...`. The
/// caret is at least one column wide (a missing `;` is an empty span).
fn window(text: &str, start: usize, end: usize) -> (String, std::ops::Range<usize>) {
    let char_at = |byte: usize| text[..byte.min(text.len())].chars().count();
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    if chars.len() <= MAX_SHOWN {
        return (text.to_owned(), start..end.max(start + 1));
    }
    let col = char_at(start);
    let from = col.saturating_sub(MAX_SHOWN / 2);
    let to = (from + MAX_SHOWN).min(chars.len());
    let byte = |c: usize| chars.get(c).map_or(text.len(), |&(b, _)| b);
    let (pre, post) = (if from > 0 { "..." } else { "" }, if to < chars.len() { "..." } else { "" });
    let shown = format!("{pre}{}{post}", &text[byte(from)..byte(to)]);
    let caret_start = pre.len() + start - byte(from);
    let caret_end = pre.len() + end.min(byte(to)) - byte(from);
    (shown, caret_start..caret_end.max(caret_start + 1))
}
