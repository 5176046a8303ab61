//! `toy bench --compare OLD.json`: the ratio of each cell of this run to the
//! same cell of an earlier one (same table title, row label and column
//! header), so that a change can be judged side by side.

use crate::tables::Table;

/// The number a cell starts with (`≈ `, `~`, `≤ ` and thousands
/// separators ignored): `1,234.5 (1,200–1,300)` is 1234.5.
pub fn leading_number(cell: &str) -> Option<f64> {
    let s = cell.trim_start_matches(['≈', '~', '≤', ' ']);
    let end =
        s.find(|c: char| !(c.is_ascii_digit() || c == ',' || c == '.' || c == '-' || c == 'e')).unwrap_or(s.len());
    let text: String = s[..end].chars().filter(|&c| c != ',').collect();
    text.parse().ok().filter(|v: &f64| v.is_finite())
}

/// For each table of `new` that `old` has too: a table of new ÷ old per
/// cell, `-` where either has no number.
pub fn compare(new: &[Table], old: &[Table]) -> Vec<Table> {
    let mut out = Vec::new();
    for t in new {
        let Some(o) = old.iter().find(|o| o.title == t.title) else { continue };
        let mut c = Table::new(
            &format!("compare: {}", t.title),
            "This run ÷ the earlier run, cell by cell (same row and column). For a time, above 1 is slower now; \
             for a rate (iterations per second, requests per second), above 1 is faster now.",
        );
        c.header = t.header.clone();
        for row in &t.rows {
            let Some(label) = row.first() else { continue };
            let Some(old_row) = o.rows.iter().find(|r| r.first() == Some(label)) else { continue };
            let mut cells = vec![label.clone()];
            for (i, cell) in row.iter().enumerate().skip(1) {
                // The seed's figures and the targets are the same in every run.
                if t.header.get(i).is_some_and(|h| is_reference_column(h)) {
                    cells.push("-".into());
                    continue;
                }
                let old_cell =
                    t.header.get(i).and_then(|h| o.header.iter().position(|oh| oh == h)).and_then(|j| old_row.get(j));
                cells.push(match (leading_number(cell), old_cell.and_then(|c| leading_number(c))) {
                    (Some(n), Some(o)) if o != 0.0 => format!("{:.3}", n / o),
                    _ => "-".into(),
                });
            }
            c.rows.push(cells);
        }
        out.push(c);
    }
    out
}

/// A column of fixed reference figures (the seed's, a target), not measured.
fn is_reference_column(header: &str) -> bool {
    header.split_whitespace().any(|w| w == "seed" || w == "target")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ratios_per_cell() {
        assert_eq!(leading_number("≈ 1,234.5 (1,200–1,300)"), Some(1234.5));
        assert_eq!(leading_number("failed: x"), None);
        assert_eq!(leading_number("-"), None);
        let mut old = Table::new("t", "");
        old.header = vec!["row".into(), "a".into(), "b".into()];
        old.rows = vec![vec!["x".into(), "2.0".into(), "4".into()]];
        let mut new = old.clone();
        new.header = vec!["row".into(), "b".into(), "c".into()];
        new.rows = vec![vec!["x".into(), "5".into(), "1".into()], vec!["y".into(), "1".into(), "1".into()]];
        let c = compare(&[new], &[old]);
        assert_eq!(c[0].rows, vec![vec!["x".to_owned(), "1.250".into(), "-".into()]]);
    }

    #[test]
    fn reference_columns_are_not_compared() {
        let mut old = Table::new("t", "");
        old.header = vec!["row".into(), "async1".into(), "seed async1".into(), "ThrowSuspend seed".into()];
        old.rows = vec![vec!["x".into(), "2".into(), "130".into(), "1.36".into()]];
        let c = compare(std::slice::from_ref(&old), &[old.clone()]);
        assert_eq!(c[0].rows, vec![vec!["x".to_owned(), "1.000".into(), "-".into(), "-".into()]]);
    }
}
