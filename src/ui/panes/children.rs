//! The children pane: how each child ended, zombies and orphans.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget, Wrap};

use crate::app::App;
use crate::engine::protocol::{ExitStatus, Outcome, Role};
use crate::state::Activity;
use crate::ui::block;
use crate::ui::theme::Theme;

use super::{proc_tag, short_status, waiting_list};

/// Process lesson: how each child ended (exit code, signal, zombie while unjoined).
pub fn children(app: &App, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let run = app.shown();
    let mut lines = Vec::new();
    for p in run.rows() {
        if p.role == Role::Main || p.role == Role::Unknown {
            continue;
        }
        let (text, style) = match (p.exit, p.state) {
            (Some((st, _)), _) => (
                format!("ended: {}", short_status(st)),
                if st == ExitStatus::Code(0) {
                    theme.dim()
                } else {
                    theme.bad()
                },
            ),
            (None, 'Z') => ("ZOMBIE: finished, not joined".into(), theme.bad()),
            (None, _) if p.activity == Activity::Stopped => {
                ("stopped (paused)".into(), theme.fg(Color::Magenta))
            }
            (None, _) if p.doing.is_empty() => ("running".into(), Style::default()),
            (None, _) => (format!("running: {}", p.doing), Style::default()),
        };
        lines.push(Line::from(vec![
            proc_tag(theme, p),
            Span::styled(format!(" {:<10} {:>7}  ", p.label, p.pid), theme.proc(p)),
            Span::styled(text, style),
        ]));
    }
    if lines.is_empty() {
        lines.push(Line::styled(
            "children appear here when the demo runs",
            theme.dim(),
        ));
    }
    for o in &run.outcomes {
        if let Outcome::Orphan {
            pid,
            ppid_before,
            ppid_after,
        } = o
        {
            let who = if *ppid_after == run.runner_pid {
                " (proclab, the subreaper)".to_string()
            } else if *ppid_after == 1 {
                " (init)".to_string()
            } else {
                String::new()
            };
            lines.push(Line::styled(
                format!("orphan {pid}: PPID {ppid_before} -> {ppid_after}{who}"),
                theme.key(),
            ));
        }
    }
    lines.extend(waiting_list(app, theme));
    Paragraph::new(lines)
        .wrap(Wrap { trim: false })
        .block(block(theme, "children"))
        .render(area, buf);
}
