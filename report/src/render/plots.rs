//! The performance plots, as SVG drawn by plotters: AEAD throughput against payload size (log
//! axis) per implementation, operations per second per PQC operation (log axis) per
//! implementation, and the hybrid envelope's overhead against payload size.
//!
//! `index.html` inlines them (its Content-Security-Policy forbids loading even local files);
//! `cargo xtask bench` and `verify` also write them beside the report as `plot-*.svg`.

use std::collections::{BTreeMap, BTreeSet};

use plotters::prelude::*;

use crate::model::{Measurement, Performance, HYBRID_OVERHEAD_LIMIT};
use crate::units::size;

pub(crate) struct Plot {
    /// `plot-aead-AES-256-GCM-seal.svg`.
    pub file: String,
    pub title: String,
    pub svg: String,
}

const COLORS: [RGBColor; 10] = [
    RGBColor(31, 119, 180),
    RGBColor(214, 39, 40),
    RGBColor(44, 160, 44),
    RGBColor(148, 103, 189),
    RGBColor(255, 127, 14),
    RGBColor(23, 190, 207),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
    RGBColor(188, 189, 34),
];

fn color(index: usize) -> RGBColor {
    COLORS[index % COLORS.len()]
}

fn file_name(title: &str) -> String {
    let slug: String = title
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '-'
            }
        })
        .collect();
    format!("plot-{}.svg", slug.trim_matches('-'))
}

/// Every plot the measurements support; a plot that fails to draw is left out with a warning.
pub(crate) fn plots(perf: &Performance) -> Vec<Plot> {
    let mut plots = Vec::new();
    let mut add = |title: String, drawn: Result<String, String>| match drawn {
        Ok(svg) => plots.push(Plot {
            file: file_name(&title),
            title,
            svg,
        }),
        Err(e) => eprintln!("warning: plot {title:?} could not be drawn: {e}"),
    };
    let aead_groups: BTreeSet<&str> = perf
        .measurements
        .iter()
        .filter(|m| m.area() == "aead")
        .map(|m| m.group.as_str())
        .collect();
    for group in aead_groups {
        add(group.to_owned(), throughput_plot(perf, group));
    }
    for area in ["kem", "sig"] {
        if perf.measurements.iter().any(|m| m.area() == area) {
            add(
                format!("{area} operations per second"),
                ops_plot(perf, area),
            );
        }
    }
    if !perf.hybrid.is_empty() {
        add("hybrid overhead".to_owned(), hybrid_plot(perf));
    }
    if perf
        .measurements
        .iter()
        .any(|m| m.area() == "mls" && group_size(m).is_some())
    {
        add("mls cost by group size".to_owned(), mls_plot(perf));
    }
    plots
}

fn err(e: impl std::fmt::Display) -> String {
    e.to_string()
}

/// GiB/s against log₂(payload bytes), one line per implementation.
fn throughput_plot(perf: &Performance, group: &str) -> Result<String, String> {
    let mut lines: BTreeMap<String, Vec<(u64, f64)>> = BTreeMap::new();
    for m in perf.measurements.iter().filter(|m| m.group == group) {
        if let Some(bytes) = m.bytes {
            let gib_per_s = bytes as f64 / (m.mean_ns / 1e9) / (1u64 << 30) as f64;
            lines
                .entry(m.implementation.clone())
                .or_default()
                .push((bytes, gib_per_s));
        }
    }
    let y_max = lines.values().flatten().map(|p| p.1).fold(0.0, f64::max) * 1.15;
    lines_against_size(
        &format!("{group}: throughput"),
        "GiB/s",
        lines,
        0.0..y_max.max(0.1),
        None,
        SeriesLabelPosition::UpperLeft,
    )
}

/// Lines of `(payload bytes, value)` points against a log₂ payload axis, with an optional
/// labelled horizontal reference line: the throughput and hybrid-overhead plots.
fn lines_against_size(
    caption: &str,
    y_desc: &str,
    lines: BTreeMap<String, Vec<(u64, f64)>>,
    y_range: std::ops::Range<f64>,
    reference: Option<(&str, f64)>,
    legend: SeriesLabelPosition,
) -> Result<String, String> {
    let xs: Vec<f64> = lines
        .values()
        .flatten()
        .map(|p| (p.0 as f64).log2())
        .collect();
    let (x_min, x_max) = xs
        .iter()
        .fold((f64::MAX, f64::MIN), |(a, b), &x| (a.min(x), b.max(x)));
    let x_range = (x_min - 0.3)..(x_max + 0.3);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (760, 420)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(caption, ("sans-serif", 18))
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(56)
            .build_cartesian_2d(x_range.clone(), y_range)
            .map_err(err)?;
        chart
            .configure_mesh()
            .x_desc("payload (log scale)")
            .y_desc(y_desc)
            .x_labels(xs.len().min(12))
            .x_label_formatter(&|x| size(x.exp2().round() as u64))
            .draw()
            .map_err(err)?;
        if let Some((label, y)) = reference {
            chart
                .draw_series(LineSeries::new(
                    vec![(x_range.start, y), (x_range.end, y)],
                    BLACK.stroke_width(1),
                ))
                .map_err(err)?
                .label(label)
                .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], BLACK));
        }
        for (index, (name, mut points)) in lines.into_iter().enumerate() {
            points.sort_by_key(|p| p.0);
            let points: Vec<(f64, f64)> = points
                .into_iter()
                .map(|(bytes, y)| ((bytes as f64).log2(), y))
                .collect();
            let c = color(index);
            chart
                .draw_series(LineSeries::new(points.clone(), c.stroke_width(2)))
                .map_err(err)?
                .label(name)
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], c));
            chart
                .draw_series(points.into_iter().map(|p| Circle::new(p, 3, c.filled())))
                .map_err(err)?;
        }
        chart
            .configure_series_labels()
            .position(legend)
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .draw()
            .map_err(err)?;
        root.present().map_err(err)?;
    }
    Ok(svg)
}

/// Operations per second (log axis) per benchmark of `area`, a bar per implementation.
fn ops_plot(perf: &Performance, area: &str) -> Result<String, String> {
    let of_area: Vec<&Measurement> = perf
        .measurements
        .iter()
        .filter(|m| m.area() == area && m.parameter.is_none())
        .collect();
    let groups: Vec<&str> = of_area
        .iter()
        .map(|m| m.group.as_str())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let implementations: Vec<&str> = of_area
        .iter()
        .map(|m| m.implementation.as_str())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let ops = |m: &Measurement| 1e9 / m.per_item_ns();
    let (lo, hi) = of_area.iter().fold((f64::MAX, f64::MIN), |(a, b), m| {
        (a.min(ops(m)), b.max(ops(m)))
    });
    let (lo, hi) = (lo.max(1e-3) / 2.0, hi * 2.0);
    let height = (groups.len() as u32 * 24 + 140).max(320);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (900, height)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        // Horizontal bars: one row per benchmark, labelled on the left.
        let mut chart = ChartBuilder::on(&root)
            .caption(
                format!("{area}: operations per second (log scale)"),
                ("sans-serif", 18),
            )
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(230)
            .build_cartesian_2d((lo..hi).log_scale(), 0f64..groups.len() as f64)
            .map_err(err)?;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .y_labels(groups.len() * 2 + 1)
            .y_label_formatter(&|y| {
                if (y.fract() - 0.5).abs() < 0.01 {
                    groups
                        .get(*y as usize)
                        .map(|g| g.split_once('/').map_or(*g, |(_, rest)| rest).to_owned())
                        .unwrap_or_default()
                } else {
                    String::new()
                }
            })
            .x_desc("operations / s")
            .x_labels(6)
            .x_label_formatter(&|v| compact_count(*v))
            .draw()
            .map_err(err)?;
        let bar = 0.8 / implementations.len().max(1) as f64;
        for (index, implementation) in implementations.iter().enumerate() {
            let c = color(index);
            let bars = of_area
                .iter()
                .filter(|m| m.implementation == *implementation)
                .filter_map(|m| {
                    let slot = groups.iter().position(|g| *g == m.group)? as f64;
                    let y0 = slot + 0.1 + bar * index as f64;
                    Some(Rectangle::new([(lo, y0), (ops(m), y0 + bar)], c.filled()))
                });
            chart
                .draw_series(bars)
                .map_err(err)?
                .label(*implementation)
                .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 12, y + 5)], c.filled()));
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::LowerRight)
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .draw()
            .map_err(err)?;
        root.present().map_err(err)?;
    }
    Ok(svg)
}

/// "20k", "1.5M": short axis labels for counts.
fn compact_count(value: f64) -> String {
    let (scaled, suffix) = if value >= 1e6 {
        (value / 1e6, "M")
    } else if value >= 1e3 {
        (value / 1e3, "k")
    } else {
        (value, "")
    };
    let text = format!("{scaled:.2}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    format!("{text}{suffix}")
}

/// `10` from an MLS parameter `10 members`.
pub(crate) fn group_size(m: &Measurement) -> Option<u64> {
    m.parameter
        .as_deref()?
        .strip_suffix(" members")?
        .parse()
        .ok()
}

/// Milliseconds (log axis) against group size (log axis): one line per MLS operation and
/// implementation.
fn mls_plot(perf: &Performance) -> Result<String, String> {
    let mut lines: BTreeMap<String, Vec<(f64, f64)>> = BTreeMap::new();
    for m in perf.measurements.iter().filter(|m| m.area() == "mls") {
        if let Some(n) = group_size(m) {
            let operation = m.group.trim_start_matches("mls/");
            lines
                .entry(format!("{operation} ({})", m.implementation))
                .or_default()
                .push(((n as f64).log10(), m.mean_ns / 1e6));
        }
    }
    let xs: Vec<f64> = lines.values().flatten().map(|p| p.0).collect();
    let (x_min, x_max) = xs
        .iter()
        .fold((f64::MAX, f64::MIN), |(a, b), &x| (a.min(x), b.max(x)));
    let (y_min, y_max) = lines
        .values()
        .flatten()
        .fold((f64::MAX, f64::MIN), |(a, b), p| (a.min(p.1), b.max(p.1)));
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (860, 520)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let mut chart = ChartBuilder::on(&root)
            .caption("MLS: cost by group size (log scales)", ("sans-serif", 18))
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(64)
            .build_cartesian_2d(
                (x_min - 0.1)..(x_max + 0.1),
                ((y_min / 2.0).max(1e-4)..(y_max * 2.0)).log_scale(),
            )
            .map_err(err)?;
        chart
            .configure_mesh()
            .x_desc("members (log scale)")
            .y_desc("ms per operation")
            .x_labels(8)
            .x_label_formatter(&|x| format!("{:.0}", 10f64.powf(*x)))
            .draw()
            .map_err(err)?;
        // One colour per operation; Sonet drawn thick, the peers thin, so pairs read together.
        let operations: Vec<String> = lines
            .keys()
            .map(|name| name.split(" (").next().unwrap_or(name).to_owned())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        for (name, mut points) in lines {
            points.sort_by(|a, b| a.0.total_cmp(&b.0));
            let operation = name.split(" (").next().unwrap_or(&name);
            let c = color(operations.iter().position(|o| o == operation).unwrap_or(0));
            let width = if name.contains("(sonet/") { 3 } else { 1 };
            chart
                .draw_series(LineSeries::new(points.clone(), c.stroke_width(width)))
                .map_err(err)?
                .label(name)
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 18, y)], c.stroke_width(width))
                });
            chart
                .draw_series(points.into_iter().map(|p| Circle::new(p, 3, c.filled())))
                .map_err(err)?;
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperLeft)
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .draw()
            .map_err(err)?;
        root.present().map_err(err)?;
    }
    Ok(svg)
}

/// The envelope's overhead over classical HPKE against log₂(payload), seal and open, with the
/// design document's 5 % line.
fn hybrid_plot(perf: &Performance) -> Result<String, String> {
    let mut lines: BTreeMap<String, Vec<(u64, f64)>> = BTreeMap::new();
    for row in &perf.hybrid {
        lines
            .entry(row.operation.clone())
            .or_default()
            .push((row.size, row.overhead * 100.0));
    }
    let limit = HYBRID_OVERHEAD_LIMIT * 100.0;
    let values = || lines.values().flatten().map(|p| p.1);
    let y_max = values().fold(limit, f64::max) * 1.15;
    let y_min = values().fold(0.0, f64::min);
    lines_against_size(
        "hybrid envelope overhead over classical HPKE",
        "overhead %",
        lines,
        y_min..y_max,
        Some(("5 % (design document)", limit)),
        SeriesLabelPosition::UpperRight,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_are_short() {
        assert_eq!(compact_count(10.0), "10");
        assert_eq!(compact_count(20_000.0), "20k");
        assert_eq!(compact_count(1_500_000.0), "1.5M");
        assert_eq!(compact_count(0.5), "0.5");
    }

    #[test]
    fn every_plot_is_svg() {
        let mut report = crate::fixtures::sample_report();
        crate::fixtures::add_performance(&mut report);
        let perf = report.performance.as_ref().unwrap();
        let plots = plots(perf);
        let files: Vec<&str> = plots.iter().map(|p| p.file.as_str()).collect();
        assert_eq!(
            files,
            [
                "plot-aead-AES-256-GCM-seal.svg",
                "plot-kem-operations-per-second.svg",
                "plot-hybrid-overhead.svg"
            ]
        );
        for plot in &plots {
            assert!(plot.svg.contains("<svg"), "{}", plot.file);
            assert!(plot.svg.contains("</svg>"), "{}", plot.file);
        }
        assert!(plots[0].svg.contains("sonet/rustcrypto"));
        assert!(plots[2].svg.contains("5 % (design document)"));
    }
}
