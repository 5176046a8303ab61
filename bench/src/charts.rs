//! Line charts of ratios, drawn as SVG with plotters' SVG backend: a log
//! x axis labelled at the given ticks (the stack depths), a log y axis
//! labelled at each decade (and at 2 and 5 times it when there are at most
//! three), a reference rule at 1, one line per series (the seed's dashed,
//! with hollow dots) and the legend to the right of the plot. Text is SVG
//! `<text>`: no font files are read.
//!
//! A series' line is broken where a point is missing (a failed cell), and a
//! series without any point says `(no data)` in the legend.

use plotters::coord::Shift;
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::tables::thousands;

/// Line colours, one per variant (or backend × suspension).
pub const COLORS: [RGBColor; 4] =
    [RGBColor(0x1f, 0x77, 0xb4), RGBColor(0x2c, 0xa0, 0x2c), RGBColor(0xd6, 0x27, 0x28), RGBColor(0xff, 0x7f, 0x0e)];

/// A line chart with log axes; every value must be positive to be drawn.
pub struct Chart {
    pub title: String,
    pub x_label: String,
    pub y_label: String,
    /// The x values, each labelled on the axis.
    pub x_ticks: Vec<f64>,
    /// A y value drawn as a horizontal rule (1 for ratios).
    pub reference: Option<f64>,
    pub series: Vec<Series>,
}

pub struct Series {
    pub label: String,
    pub color: RGBColor,
    pub dashed: bool,
    /// (x, y); a point that is not positive and finite is left out.
    pub points: Vec<(f64, f64)>,
}

const WIDTH: u32 = 820;
const HEIGHT: u32 = 480;
/// The legend's width, right of the plot.
const LEGEND: u32 = 250;
/// The title's band, above the plot and the legend.
const TITLE_HEIGHT: u32 = 40;
/// The y axis' labels and description, left of the plot.
const Y_LABELS: u32 = 75;
/// The legend's first line, from the legend's top (level with the plot's top).
const LEGEND_TOP: i32 = 20;
const FONT: &str = "sans-serif";
/// plotters' font sizes are 1.24 times the SVG `font-size` they write.
const TEXT: u32 = 15;
const TITLE: u32 = 19;
const GRID: RGBColor = RGBColor(0xdd, 0xdd, 0xdd);
const RULE: RGBColor = RGBColor(0x44, 0x44, 0x44);

type DrawResult<DB> = Result<(), DrawingAreaErrorKind<<DB as DrawingBackend>::ErrorType>>;

fn usable(&(x, y): &(f64, f64)) -> bool {
    x > 0.0 && y > 0.0 && x.is_finite() && y.is_finite()
}

impl Series {
    /// The runs of consecutive usable points: the pieces of the line.
    fn runs(&self) -> Vec<Vec<(f64, f64)>> {
        let mut runs = vec![Vec::new()];
        for p in &self.points {
            match (usable(p), runs.last_mut()) {
                (true, Some(run)) => run.push(*p),
                (false, Some(run)) if !run.is_empty() => runs.push(Vec::new()),
                _ => {}
            }
        }
        runs.retain(|r| !r.is_empty());
        runs
    }
}

impl Chart {
    /// The chart as a standalone SVG document.
    pub fn svg(&self) -> Result<String, String> {
        let mut out = String::new();
        {
            let root = SVGBackend::with_string(&mut out, (WIDTH, HEIGHT)).into_drawing_area();
            self.draw(&root).map_err(|e| e.to_string())?;
            root.present().map_err(|e| e.to_string())?;
        }
        Ok(out)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        root.fill(&WHITE)?;
        let (title, body) = root.split_vertically(TITLE_HEIGHT);
        let (plot, legend) = body.split_horizontally(WIDTH - LEGEND);
        // Centred by the SVG renderer (`text-anchor="middle"`): plotters'
        // own caption is placed by its estimate of the text's width.
        let centred = TextStyle::from((FONT, TITLE).into_font()).pos(Pos::new(HPos::Center, VPos::Center));
        let title_x = (Y_LABELS + WIDTH - LEGEND) as i32 / 2;
        title.draw(&Text::new(self.title.as_str(), (title_x, TITLE_HEIGHT as i32 / 2 + 4), centred))?;

        let x_ticks: Vec<f64> = self.x_ticks.iter().copied().filter(|&x| x > 0.0 && x.is_finite()).collect();
        let (x_lo, x_hi) = bounds(x_ticks.iter().copied(), (1.0, 2.0));
        let x_hi = if x_hi > x_lo { x_hi } else { x_lo * 2.0 };
        let reference = self.reference.filter(|r| *r > 0.0 && r.is_finite());
        let ys = self.series.iter().flat_map(|s| s.points.iter().filter(|p| usable(p)).map(|p| p.1)).chain(reference);
        let (y_min, y_max) = bounds(ys.map(f64::log10), (-1.0, 1.0));
        let (y_lo, y_hi) = (y_min.floor(), y_max.ceil().max(y_min.floor() + 1.0));

        let mut chart = ChartBuilder::on(&plot)
            .margin_top(10)
            .margin_right(10)
            .x_label_area_size(50)
            .y_label_area_size(Y_LABELS)
            .build_cartesian_2d(
                (x_lo..x_hi).log_scale().with_key_points(x_ticks),
                (10f64.powf(y_lo)..10f64.powf(y_hi)).log_scale().with_key_points(y_ticks(y_lo, y_hi)),
            )?;
        chart
            .configure_mesh()
            .bold_line_style(GRID)
            .light_line_style(TRANSPARENT)
            .label_style((FONT, TEXT))
            .axis_desc_style((FONT, TEXT))
            .x_desc(&self.x_label)
            .y_desc(format!("{} (log scale)", self.y_label))
            .x_label_formatter(&|x| number(*x))
            .y_label_formatter(&|y| number(*y))
            .draw()?;
        let (lo, hi) = ((x_lo, 10f64.powf(y_lo)), (x_hi, 10f64.powf(y_hi)));
        chart.plotting_area().draw(&Rectangle::new([lo, hi], BLACK.stroke_width(1)))?;
        if let Some(r) = reference {
            chart.draw_series(LineSeries::new([(x_lo, r), (x_hi, r)], RULE.stroke_width(2)))?;
        }

        for series in &self.series {
            let line = series.color.stroke_width(2);
            for run in series.runs() {
                if series.dashed {
                    chart.draw_series(DashedLineSeries::new(run, 6, 4, line))?;
                } else {
                    chart.draw_series(LineSeries::new(run, line))?;
                }
            }
            let fill = if series.dashed { WHITE } else { series.color };
            let dots = series.points.iter().filter(|p| usable(p));
            chart.draw_series(dots.clone().map(|&p| Circle::new(p, 3, fill.filled())))?;
            chart.draw_series(dots.map(|&p| Circle::new(p, 3, series.color.stroke_width(1))))?;
        }

        let label = TextStyle::from((FONT, TEXT).into_font()).pos(Pos::new(HPos::Left, VPos::Center));
        for (i, series) in self.series.iter().enumerate() {
            let y = LEGEND_TOP + i as i32 * 20;
            let (from, to) = ((10, y), (38, y));
            let line = series.color.stroke_width(2);
            if series.dashed {
                legend.draw(&DashedPathElement::new([from, to], 6, 4, line))?;
            } else {
                legend.draw(&PathElement::new([from, to], line))?;
            }
            let note = if series.points.iter().any(usable) { "" } else { " (no data)" };
            legend.draw(&Text::new(format!("{}{note}", series.label), (46, y), label.clone()))?;
        }
        Ok(())
    }
}

/// The y axis' labels between the decades `10^lo` and `10^hi`: each
/// decade, and 2 and 5 times it when there are at most three decades.
fn y_ticks(lo: f64, hi: f64) -> Vec<f64> {
    let few = hi - lo <= 3.0;
    let mut ticks = Vec::new();
    for k in lo as i32..=hi as i32 {
        for m in [1.0, 2.0, 5.0] {
            let y = m * 10f64.powi(k);
            if (m == 1.0 || few) && y.log10() <= hi + 1e-9 {
                ticks.push(y);
            }
        }
    }
    ticks
}

/// The smallest and largest of `values`, or `default` when there are none.
fn bounds(values: impl Iterator<Item = f64>, default: (f64, f64)) -> (f64, f64) {
    values
        .filter(|v| v.is_finite())
        .fold(None, |acc: Option<(f64, f64)>, v| Some(acc.map_or((v, v), |(lo, hi)| (lo.min(v), hi.max(v)))))
        .unwrap_or(default)
}

/// An axis number: integers plainly, small values with enough digits.
fn number(v: f64) -> String {
    if v >= 1000.0 {
        thousands(v)
    } else if v >= 10.0 || v == v.round() {
        format!("{}", (v * 10.0).round() / 10.0)
    } else {
        let digits = (2 - v.log10().floor() as i32).clamp(2, 8) as usize;
        let s = format!("{v:.digits$}");
        s.trim_end_matches('0').trim_end_matches('.').to_owned()
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Checks that every tag of `svg` is closed in order (a small
    /// well-formedness check: no attribute contains `<` or `>`), and that no
    /// coordinate is NaN or infinite.
    pub(crate) fn check_well_formed(svg: &str) {
        let mut open: Vec<String> = Vec::new();
        let mut rest = svg;
        while let Some(start) = rest.find('<') {
            let end = rest[start..].find('>').expect("unclosed <") + start;
            let tag = &rest[start + 1..end];
            if let Some(name) = tag.strip_prefix('/') {
                assert_eq!(open.pop().as_deref(), Some(name), "mismatched </{name}>");
            } else if !tag.ends_with('/') && !tag.starts_with('?') {
                open.push(tag.split_whitespace().next().unwrap().to_owned());
            }
            rest = &rest[end + 1..];
        }
        assert!(open.is_empty(), "unclosed: {open:?}");
        assert!(svg.contains("<svg ") && svg.trim_end().ends_with("</svg>"));
        assert!(!svg.contains("NaN") && !svg.contains("inf"), "{svg}");
    }

    #[test]
    fn gaps_and_empty_charts() {
        let series = |points| Series { label: "s".into(), color: COLORS[0], dashed: true, points };
        let runs = series(vec![(1.0, 1.0), (2.0, f64::NAN), (4.0, 2.0), (8.0, 3.0), (16.0, 0.0)]).runs();
        assert_eq!(runs, [vec![(1.0, 1.0)], vec![(4.0, 2.0), (8.0, 3.0)]]);
        // Nothing measured at all still gives a chart.
        let empty = Chart {
            title: "a < b & c".into(),
            x_label: "x".into(),
            y_label: "y".into(),
            x_ticks: vec![],
            reference: None,
            series: vec![series(vec![(1.0, f64::NAN), (2.0, 0.0)])],
        };
        let svg = empty.svg().unwrap();
        check_well_formed(&svg);
        assert!(svg.contains("a &lt; b &amp; c") && svg.contains("s (no data)"), "{svg}");
    }

    #[test]
    fn axis_labels() {
        assert_eq!(y_ticks(0.0, 1.0), [1.0, 2.0, 5.0, 10.0]);
        assert_eq!(y_ticks(-2.0, 2.0), [0.01, 0.1, 1.0, 10.0, 100.0]);
        assert_eq!(number(0.05), "0.05");
        assert_eq!(number(0.0123), "0.0123");
        assert_eq!(number(64.0), "64");
        assert_eq!(number(2.5), "2.5");
        assert_eq!(number(20000.0), "20,000");
    }
}
