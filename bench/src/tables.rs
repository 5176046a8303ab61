//! Markdown tables, as `toy bench` prints and writes them: a `## title`,
//! a note saying what was measured, then padded columns. A cell holds a
//! figure with its spread, `-` (nothing to measure) or `failed: why`, cut
//! short; a ratio of two figures is marked `≈` when their ranges overlap; a table
//! with a failed cell makes the suite's exit code 1.

use std::fmt::Write as _;

use crate::timing::{Measured, Spread};

/// A markdown table with a heading and a note.
#[derive(Clone, Debug, Default)]
pub struct Table {
    pub title: String,
    pub note: String,
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

/// The longest error shown inside a table cell.
const MAX_CELL: usize = 48;

impl Table {
    pub fn new(title: &str, note: &str) -> Table {
        Table { title: title.into(), note: note.into(), header: Vec::new(), rows: Vec::new() }
    }

    pub fn any_failed(&self) -> bool {
        self.rows.iter().flatten().any(|c| c.starts_with("failed"))
    }

    /// `## title`, the note, then the table with padded columns (the first
    /// left-aligned, the others right-aligned).
    pub fn markdown(&self) -> String {
        let width = |i: usize| {
            self.rows
                .iter()
                .chain([&self.header])
                .filter_map(|r| r.get(i))
                .map(|c| c.chars().count())
                .max()
                .unwrap_or(0)
                .max(3)
        };
        let widths: Vec<usize> = (0..self.header.len()).map(width).collect();
        let line = |cells: &[String]| {
            let mut s = String::from("|");
            for (i, w) in widths.iter().enumerate() {
                let c = cells.get(i).map_or("", String::as_str);
                let pad = " ".repeat(w - c.chars().count());
                if i == 0 {
                    let _ = write!(s, " {c}{pad} |");
                } else {
                    let _ = write!(s, " {pad}{c} |");
                }
            }
            s.push('\n');
            s
        };
        let mut out = format!("## {}\n\n{}\n\n", self.title, self.note);
        out.push_str(&line(&self.header));
        out.push('|');
        for (i, w) in widths.iter().enumerate() {
            let _ = write!(out, " {}{} |", "-".repeat(w - 1), if i == 0 { "-" } else { ":" });
        }
        out.push('\n');
        for r in &self.rows {
            out.push_str(&line(r));
        }
        out
    }
}

/// The tables' markdown, one blank line between tables.
pub fn join(tables: &[Table]) -> String {
    tables.iter().map(Table::markdown).collect::<Vec<_>>().join("\n")
}

/// A measurement as a cell: the median and, when the calls differed, the
/// range of the fastest and slowest (`21.3 (20.9–22.8)`), or `failed: why`
/// (cut short; `|` would break the table).
pub fn cell_text(m: &Measured, fmt: impl Fn(f64) -> String) -> String {
    match m {
        Ok(v) => with_spread(*v, fmt),
        Err(e) if e == "-" => "-".into(),
        Err(e) => {
            let e = e.replace('|', "/");
            let mut s: String = format!("failed: {e}").chars().take(MAX_CELL).collect();
            if s.chars().count() < e.chars().count() + 8 {
                s.push('…');
            }
            s
        }
    }
}

/// `median (min–max)`, or the median alone when both ends print as it does.
pub fn with_spread(v: Spread, fmt: impl Fn(f64) -> String) -> String {
    let (mid, lo, hi) = (fmt(v.median), fmt(v.min), fmt(v.max));
    if lo == mid && hi == mid { mid } else { format!("{mid} ({lo}–{hi})") }
}

/// The cell of `a ÷ b` for two measurements: the ratio with its range, and
/// `≈` when the two figures' ranges overlap (the difference is noise).
pub fn ratio_cell(a: &Measured, b: &Measured, fmt: impl Fn(f64) -> String) -> String {
    match (a, b) {
        (Ok(a), Ok(b)) => {
            let text = with_spread(a.ratio(*b), fmt);
            if a.overlaps(*b) { format!("≈ {text}") } else { text }
        }
        _ => "-".into(),
    }
}

/// `1234567.8` as `1,234,568`.
pub fn thousands(v: f64) -> String {
    let digits = format!("{:.0}", v.abs());
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if v < 0.0 { format!("-{out}") } else { out }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn padded_columns_and_cells() {
        let mut t = Table::new("t", "note");
        t.header = vec!["name".into(), "n".into()];
        t.rows.push(vec!["a".into(), cell_text(&Ok(Spread::exact(1234.0)), thousands)]);
        t.rows.push(vec!["b".into(), cell_text(&Err("-".into()), thousands)]);
        assert_eq!(
            t.markdown(),
            "## t\n\nnote\n\n| name |     n |\n| ---- | ----: |\n| a    | 1,234 |\n| b    |     - |\n"
        );
        assert!(!t.any_failed());
        let long = cell_text(&Err("x|y ".repeat(20)), thousands);
        assert!(long.starts_with("failed: x/y") && long.ends_with('…') && long.chars().count() == MAX_CELL + 1);
        assert_eq!(thousands(1234567.4), "1,234,567");
        assert_eq!(thousands(999.0), "999");
        assert_eq!(thousands(-1000.0), "-1,000");
    }

    #[test]
    fn spreads_and_noise() {
        let a = Spread { median: 2.0, min: 1.9, max: 2.2 };
        assert_eq!(cell_text(&Ok(a), |v| format!("{v:.1}")), "2.0 (1.9–2.2)");
        let b = Spread { median: 1.0, min: 0.95, max: 1.1 };
        assert_eq!(ratio_cell(&Ok(a), &Ok(b), |v| format!("{v:.2}")), "2.00 (1.73–2.32)");
        let c = Spread { median: 2.1, min: 2.0, max: 2.3 };
        assert_eq!(ratio_cell(&Ok(a), &Ok(c), |v| format!("{v:.2}")), "≈ 0.95 (0.83–1.10)");
        assert_eq!(ratio_cell(&Ok(a), &Err("x".into()), |v| format!("{v:.2}")), "-");
    }
}
