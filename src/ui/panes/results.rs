//! The GIL lesson's results: wall time per variant.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget};

use crate::app::App;
use crate::ui::block;
use crate::ui::theme::Theme;

use super::clip;

/// The GIL comparison: wall time per variant as bars, with the speedup.
pub fn results(app: &App, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let run = app.shown();
    let t = run.timings();
    let max = t.iter().map(|x| x.1).fold(1.0, f64::max);
    let bar_w = area.width.saturating_sub(48).clamp(4, 60) as usize;
    let mut lines = vec![Line::styled(
        "wall time, shorter is faster; GIL = a model",
        theme.dim(),
    )];
    for (variant, wall, speedup, cpu) in &t {
        let n = ((wall / max) * bar_w as f64).round() as usize;
        let style = if *speedup > 1.2 {
            theme.good()
        } else if *speedup < 0.9 {
            theme.bad()
        } else {
            Style::default()
        };
        lines.push(Line::from(vec![
            Span::raw(format!("{:<20}", clip(variant, 20))),
            Span::styled("#".repeat(n.max(1)), style),
            Span::raw(" ".repeat(bar_w.saturating_sub(n.max(1)))),
            Span::raw(if *cpu > 0.0 {
                format!(" {wall:>6.0} ms x{speedup:.2} cpu {cpu:>5.0}")
            } else {
                // A Python program's own timing line: wall time only.
                format!(" {wall:>6.0} ms x{speedup:.2}")
            }),
        ]));
    }
    if !t.is_empty() {
        // CPU time shows the work was the same; the machine's speed can still vary.
        lines.push(Line::styled(
            "cpu = CPU time of the variant's processes (same work: similar cpu)",
            theme.dim(),
        ));
    }
    if let Some(phase) = &run.phase
        && run.running()
    {
        lines.push(Line::styled(format!("now: {phase}"), theme.key()));
    }
    if t.is_empty() && !run.running() {
        lines.push(Line::styled(
            "press r: four variants run one after another",
            theme.dim(),
        ));
    }
    Paragraph::new(lines)
        .block(block(theme, "results"))
        .render(area, buf);
}
