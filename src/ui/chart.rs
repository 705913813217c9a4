//! Hand-built SVG charts for the stats page: pure geometry, no I/O, rendered by
//! `templates/stats.html` as `<rect>`s and `<text>`s. Coordinates are whole user
//! units of the chart's `viewBox`, so the browser scales the chart to the screen.

/// One rectangle of a chart, with its series (a CSS class picks the colour) and a
/// tooltip.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Rect {
    pub(crate) x: u32,
    pub(crate) y: u32,
    pub(crate) w: u32,
    pub(crate) h: u32,
    pub(crate) series: &'static str,
    pub(crate) title: String,
}

/// A text label at a point; `anchor` is SVG's `text-anchor`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Label {
    pub(crate) x: u32,
    pub(crate) y: u32,
    pub(crate) text: String,
    pub(crate) anchor: &'static str,
}

/// A chart ready to draw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Chart {
    pub(crate) width: u32,
    pub(crate) height: u32,
    pub(crate) rects: Vec<Rect>,
    pub(crate) labels: Vec<Label>,
    /// The baseline: `y` of the value 0 (column charts).
    pub(crate) base_y: u32,
    /// A text alternative for screen readers.
    pub(crate) summary: String,
}

/// Room for the value axis on the left and the category labels below.
const LEFT: u32 = 36;
const TOP: u32 = 10;
const BOTTOM: u32 = 22;

/// Scale `v` of `max` to `len` units, rounding to the nearest unit.
fn scale(v: u64, max: u64, len: u32) -> u32 {
    if max == 0 {
        return 0;
    }
    let scaled = (u128::from(v) * u128::from(len) + u128::from(max) / 2) / u128::from(max);
    u32::try_from(scaled).unwrap_or(len).min(len)
}

/// Columns of stacked segments: one column per category (a day), segments bottom to
/// top in the order given. Every `label_every`-th category is labelled.
pub(crate) fn stacked_columns(
    columns: &[(String, Vec<(&'static str, u64)>)],
    width: u32,
    height: u32,
    label_every: usize,
) -> Chart {
    let plot_w = width.saturating_sub(LEFT + 4);
    let plot_h = height.saturating_sub(TOP + BOTTOM);
    let base_y = TOP + plot_h;
    let max = columns
        .iter()
        .map(|(_, segs)| segs.iter().map(|(_, v)| v).sum::<u64>())
        .max()
        .unwrap_or(0);
    let n = u32::try_from(columns.len()).unwrap_or(u32::MAX).max(1);
    let slot = plot_w / n;
    let bar_w = (slot * 7 / 10).max(1);
    let mut rects = Vec::new();
    let mut labels = vec![
        Label {
            x: LEFT - 4,
            y: TOP + 4,
            text: max.to_string(),
            anchor: "end",
        },
        Label {
            x: LEFT - 4,
            y: base_y,
            text: "0".into(),
            anchor: "end",
        },
    ];
    let mut total = 0;
    for (i, (category, segs)) in columns.iter().enumerate() {
        let i = u32::try_from(i).unwrap_or(u32::MAX);
        let x = LEFT + i * slot + (slot - bar_w) / 2;
        // Stack by cumulative value so rounding never leaves gaps or overlaps.
        let mut below = 0;
        for &(series, v) in segs {
            let bottom = base_y - scale(below, max, plot_h);
            below += v;
            let top = base_y - scale(below, max, plot_h);
            if bottom > top {
                rects.push(Rect {
                    x,
                    y: top,
                    w: bar_w,
                    h: bottom - top,
                    series,
                    title: format!("{category}: {series} {v}"),
                });
            }
        }
        total += below;
        if label_every > 0 && (i as usize).is_multiple_of(label_every) {
            labels.push(Label {
                x: x + bar_w / 2,
                y: height - 6,
                text: category.clone(),
                anchor: "middle",
            });
        }
    }
    Chart {
        width,
        height,
        rects,
        labels,
        base_y,
        summary: format!("{} × {total}", columns.len()),
    }
}

/// Horizontal bars of values in `0..=max`, one row each, labelled on the left.
pub(crate) fn horizontal_bars(
    rows: &[(String, &'static str, u64)],
    max: u64,
    width: u32,
    row_h: u32,
) -> Chart {
    let left = 120;
    let plot_w = width.saturating_sub(left + 50);
    let mut rects = Vec::new();
    let mut labels = Vec::new();
    for (i, &(ref label, series, v)) in rows.iter().enumerate() {
        let y = u32::try_from(i).unwrap_or(u32::MAX) * row_h + 4;
        let w = scale(v.min(max), max, plot_w);
        rects.push(Rect {
            x: left,
            y,
            w,
            h: row_h.saturating_sub(8).max(1),
            series,
            title: format!("{label}: {v}"),
        });
        labels.push(Label {
            x: left - 6,
            y: y + row_h / 2,
            text: label.clone(),
            anchor: "end",
        });
        labels.push(Label {
            x: left + w + 4,
            y: y + row_h / 2,
            text: v.to_string(),
            anchor: "start",
        });
    }
    let height = u32::try_from(rows.len()).unwrap_or(0) * row_h + 8;
    Chart {
        width,
        height,
        rects,
        labels,
        base_y: height,
        summary: rows
            .iter()
            .map(|(l, _, v)| format!("{l}: {v}"))
            .collect::<Vec<_>>()
            .join("; "),
    }
}

/// Count `(time, series)` events into one bucket per day for the `days` days up to
/// `now` (UTC days, oldest first), keeping every series of `order` in each column.
pub(crate) fn per_day(
    events: &[(i64, &str)],
    order: &[&'static str],
    now: i64,
    days: i64,
) -> Vec<(String, Vec<(&'static str, u64)>)> {
    const DAY: i64 = 86_400_000;
    let today = now.div_euclid(DAY);
    let first = today - days + 1;
    let mut columns: Vec<(String, Vec<(&'static str, u64)>)> = (first..=today)
        .map(|d| (day_label(d * DAY), order.iter().map(|s| (*s, 0)).collect()))
        .collect();
    for (at, series) in events {
        let day = at.div_euclid(DAY);
        if day < first || day > today {
            continue;
        }
        let Ok(i) = usize::try_from(day - first) else {
            continue;
        };
        if let Some(slot) = columns
            .get_mut(i)
            .and_then(|(_, segs)| segs.iter_mut().find(|(s, _)| s == series))
        {
            slot.1 += 1;
        }
    }
    columns
}

/// `MM-DD` of a Unix-millisecond time (UTC).
fn day_label(ms: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(ms.div_euclid(1000))
        .map(|t| format!("{:02}-{:02}", u8::from(t.month()), t.day()))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stacked_segments_touch_and_the_tallest_column_fills_the_plot() {
        let cols = vec![
            ("a".to_string(), vec![("approved", 3), ("rejected", 1)]),
            ("b".to_string(), vec![("approved", 0), ("rejected", 2)]),
        ];
        let c = stacked_columns(&cols, 236, 132, 1);
        let plot_h = 132 - TOP - BOTTOM;
        // Column a: 4 of max 4 → full height, split 3:1, the segments touching.
        let a: Vec<&Rect> = c
            .rects
            .iter()
            .filter(|r| r.title.starts_with("a:"))
            .collect();
        assert_eq!(a.len(), 2);
        assert_eq!(a[0].y + a[0].h, c.base_y);
        assert_eq!(a[1].y + a[1].h, a[0].y);
        assert_eq!(a[0].h + a[1].h, plot_h);
        assert_eq!(a[0].h, 75);
        // Column b: the zero segment draws nothing; 2 of 4 is half the plot.
        let b: Vec<&Rect> = c
            .rects
            .iter()
            .filter(|r| r.title.starts_with("b:"))
            .collect();
        assert_eq!(b.len(), 1);
        assert_eq!(b[0].h, plot_h / 2);
        assert!(b[0].x > a[0].x);
        assert_eq!(c.labels[0].text, "4");
    }

    #[test]
    fn an_empty_chart_draws_nothing_and_does_not_divide_by_zero() {
        let cols = vec![("a".to_string(), vec![("approved", 0)])];
        let c = stacked_columns(&cols, 200, 100, 1);
        assert!(c.rects.is_empty());
        assert!(stacked_columns(&[], 200, 100, 1).rects.is_empty());
        assert_eq!(
            horizontal_bars(&[("x".into(), "p", 0)], 0, 300, 20).rects[0].w,
            0
        );
    }

    #[test]
    fn horizontal_bars_scale_to_the_maximum() {
        let c = horizontal_bars(
            &[("p".into(), "p", 50), ("r".into(), "r", 100)],
            100,
            370,
            20,
        );
        assert_eq!(c.rects[1].w, 200);
        assert_eq!(c.rects[0].w, 100);
        assert_eq!(c.rects[1].y, c.rects[0].y + 20);
    }

    #[test]
    fn events_fall_into_their_utc_day() {
        let day = 86_400_000;
        let now = 20 * day + 5;
        let events = [
            (20 * day, "approved"),
            (19 * day + 1, "rejected"),
            (10 * day, "approved"),
        ];
        let cols = per_day(&events, &["approved", "rejected"], now, 2);
        assert_eq!(cols.len(), 2);
        assert_eq!(cols[0].1, vec![("approved", 0), ("rejected", 1)]);
        assert_eq!(cols[1].1, vec![("approved", 1), ("rejected", 0)]);
        assert_eq!(cols[1].0, "01-21");
    }
}
