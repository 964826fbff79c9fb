//! The shared memory pane: each cell's value and last writer.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget, Wrap};

use crate::app::App;
use crate::ui::block;
use crate::ui::theme::Theme;

use super::{proc_tag, waiting_list};

/// Shared memory cells with their live value and last writer; fresh writes stand out.
pub fn shared(app: &App, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let run = app.shown();
    let mut lines = Vec::new();
    for (name, cells) in &run.shared {
        let mut spans = vec![Span::styled(format!("{name:<9}"), theme.title())];
        for cell in cells.iter() {
            match cell {
                Some(c) => {
                    let writer = run.procs.get(&c.writer);
                    let mut style = writer.map_or(Style::default(), |p| theme.proc(p));
                    if run.now - c.at < 0.3 && run.running() {
                        style = style.add_modifier(Modifier::REVERSED);
                    }
                    spans.push(Span::raw(" ["));
                    if let Some(p) = writer {
                        spans.push(proc_tag(theme, p));
                        spans.push(Span::raw(" "));
                    }
                    spans.push(Span::styled(c.value.to_string(), style));
                    spans.push(Span::raw("]"));
                }
                None => spans.push(Span::styled(" [ ]", theme.dim())),
            }
        }
        lines.push(Line::from(spans));
    }
    // shared_memory segments: who made, attached, closed and unlinked each, its bytes.
    for (name, seg) in &run.segments {
        let mut spans = vec![Span::styled(
            format!("{name} ({} B)", seg.size),
            theme.title(),
        )];
        let mut who = |label: &str, pids: &mut dyn Iterator<Item = &i32>| {
            let pids: Vec<&crate::state::Proc> = pids.filter_map(|p| run.procs.get(p)).collect();
            if !pids.is_empty() {
                spans.push(Span::styled(format!(" {label} "), theme.dim()));
                for p in pids {
                    spans.push(proc_tag(theme, p));
                }
            }
        };
        who("created by", &mut seg.created_by.iter());
        who("attached by", &mut seg.attached.iter());
        who("closed by", &mut seg.closed.iter());
        who("unlinked by", &mut seg.unlinked_by.iter());
        if seg.leaked {
            spans.push(Span::styled("  LEAK: never unlinked", theme.bad()));
            spans.push(Span::styled(
                if seg.removed_by_proclab {
                    " (proclab removed it after the run)"
                } else {
                    " (the resource tracker removed it)"
                },
                theme.dim(),
            ));
        }
        lines.push(Line::from(spans));
        if let Some(values) = &seg.list {
            lines.push(Line::styled(
                format!("  ShareableList([{}])", values.join(", ")),
                theme.good(),
            ));
        }
        if !seg.head.is_empty() {
            lines.push(Line::styled(
                format!(
                    "  read by proclab: {}",
                    crate::engine::protocol::words::bytes_preview(&seg.head)
                ),
                theme.dim(),
            ));
        }
    }
    if lines.is_empty() {
        lines.push(Line::styled(
            "shared cells appear when a process writes them",
            theme.dim(),
        ));
    }
    lines.push(Line::styled(
        "[w value]: last writer's glyph and the value it wrote",
        theme.dim(),
    ));
    lines.extend(waiting_list(app, theme));
    Paragraph::new(lines)
        .wrap(Wrap { trim: true })
        .block(block(theme, "shared memory"))
        .render(area, buf);
}
