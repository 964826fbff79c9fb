//! The pool pane: which worker ran which task, and in what order results came back.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget};

use crate::app::App;
use crate::ui::block;
use crate::ui::theme::Theme;

use super::proc_tag;

/// Pool: which worker ran which task, submission vs completion vs delivery order.
pub fn pool(app: &App, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let run = app.shown();
    let total = run.tasks.len();
    let done = run.tasks.iter().filter(|t| t.done.is_some()).count();
    let bar_w = (area.width.saturating_sub(20) as usize).clamp(4, 40);
    let filled = (done * bar_w).checked_div(total).unwrap_or(0);
    let mut lines = vec![
        Line::from(vec![
            Span::raw(format!("{done:>3}/{total:<3} ")),
            Span::styled("=".repeat(filled), theme.good()),
            Span::styled("-".repeat(bar_w - filled), theme.dim()),
        ]),
        Line::styled("task   x  worker   done#  got#  result", theme.dim()),
    ];
    let room = area.height.saturating_sub(4) as usize;
    for (i, t) in run.tasks.iter().enumerate().take(room) {
        let worker: Vec<Span> = match t.pid.and_then(|pid| run.procs.get(&pid)) {
            Some(p) => vec![
                proc_tag(theme, p),
                Span::styled(format!("{:>7}", p.pid), theme.proc(p)),
            ],
            None => vec![Span::styled("  queued", theme.dim())],
        };
        let mut spans = vec![Span::raw(format!("{i:>4} {:>3}  ", t.arg))];
        spans.extend(worker);
        spans.push(Span::raw(format!(
            "  {:>5} {:>5}  {}",
            t.completed.map_or("-".into(), |c| c.to_string()),
            t.delivered.map_or("-".into(), |c| c.to_string()),
            t.done.map_or("-".into(), |r| r.to_string())
        )));
        lines.push(Line::from(spans));
    }
    let title = format!("pool ({})", app.mode().unwrap_or("map"));
    Paragraph::new(lines)
        .block(block(theme, &title))
        .render(area, buf);
}
