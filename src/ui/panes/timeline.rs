//! The timeline: one strip per process of what it was doing over the last seconds.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget};

use crate::app::App;
use crate::state::Activity;
use crate::ui::block;
use crate::ui::theme::Theme;
use crate::ui::theme::activity_cell;

use super::proc_tag;

/// One strip per process over the last seconds: running, blocked, sleeping, exited.
pub fn timeline(app: &App, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let run = &app.run;
    let w = area.width.saturating_sub(4 + 2) as usize;
    let h = area.height.saturating_sub(2) as usize;
    let span = run.now.clamp(0.1, crate::state::TIMELINE_SECS);
    let start = run.now - span;
    let mut lines = Vec::new();
    let rows = run.rows();
    let hidden = rows.len().saturating_sub(h);
    let shown = if hidden > 0 { h.saturating_sub(1) } else { h };
    for p in rows.iter().take(shown) {
        let mut spans = vec![proc_tag(theme, p), Span::raw("  ")];
        // Columns go forward in time, so one pass over the history serves the whole row,
        // and equal neighbours share one span.
        let mut next = 0;
        let mut current = None;
        let mut run_of: Option<(Option<Activity>, usize)> = None;
        let flush = |spans: &mut Vec<Span>, a: Option<Activity>, n: usize| {
            let (c, style) = a.map_or((' ', Style::default()), |a| activity_cell(theme, a));
            spans.push(Span::styled(c.to_string().repeat(n), style));
        };
        for col in 0..w {
            let t = start + span * (col as f64 + 0.5) / w.max(1) as f64;
            while next < p.history.len() && p.history[next].0 <= t {
                current = Some(p.history[next].1);
                next += 1;
            }
            let a = if t < p.born { None } else { current };
            run_of = match run_of {
                Some((prev, n)) if prev == a => Some((prev, n + 1)),
                Some((prev, n)) => {
                    flush(&mut spans, prev, n);
                    Some((a, 1))
                }
                None => Some((a, 1)),
            };
        }
        if let Some((a, n)) = run_of {
            flush(&mut spans, a, n);
        }
        lines.push(Line::from(spans));
    }
    if hidden > 0 {
        lines.push(Line::styled(
            format!(
                "... {} more: press e until this pane fills the screen",
                hidden + 1
            ),
            theme.key(),
        ));
    }
    let title = format!(
        "timeline: last {span:.1}s  # running  L lock  Q queue  . sleeping  ? step  T paused"
    );
    Paragraph::new(lines)
        .block(block(theme, &title))
        .render(area, buf);
}
