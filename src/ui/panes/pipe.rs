//! The pipe pane: the connection ends and every object sent and received.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget};

use crate::app::App;
use crate::engine::protocol::Outcome;
use crate::ui::block;
use crate::ui::theme::Theme;

use super::{clip, proc_tag, waiting_list};

/// Pipe lesson: the two connection ends and every object sent and received, newest last.
pub fn pipe(app: &App, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let run = app.shown();
    let duplex = app.mode() != Some("oneway");
    let mut lines = waiting_list(app, theme);
    lines.push(Line::styled(
        if duplex {
            "Pipe(): duplex (a socketpair)"
        } else {
            "Pipe(duplex=False): one-way (an os.pipe)"
        },
        theme.dim(),
    ));
    lines.push(Line::raw(format!(
        "{} sent, {} received",
        run.pipe_sent, run.pipe_received
    )));
    if let Some(Outcome::Pipe {
        sent,
        received,
        replies,
        eof,
        duplex,
    }) = run
        .outcomes
        .iter()
        .find(|o| matches!(o, Outcome::Pipe { .. }))
    {
        let ok = received == sent && (!duplex || replies == sent) && (*duplex || *eof);
        lines.push(Line::styled(
            if *duplex {
                format!("{sent} requests, {replies} replies: every message arrived")
            } else {
                format!("{received} of {sent} received, then EOFError: the writer closed")
            },
            if ok { theme.good() } else { theme.bad() },
        ));
    }
    let room = (area.height as usize).saturating_sub(lines.len() + 2);
    let skip = run.pipe.len().saturating_sub(room);
    for e in run.pipe.iter().skip(skip) {
        let Some(p) = run.procs.get(&e.pid) else {
            continue;
        };
        let what = match (&e.item, e.send) {
            (Some(i), true) => format!("{}.send({i})", e.conn),
            (Some(i), false) => format!("{}.recv() -> {i}", e.conn),
            (None, _) => format!("{}.recv() -> EOFError", e.conn),
        };
        lines.push(Line::from(vec![
            proc_tag(theme, p),
            Span::styled(format!(" {:<8} ", clip(&p.label, 8)), theme.proc(p)),
            Span::styled(if e.send { "--> " } else { "<-- " }, theme.dim()),
            Span::raw(what),
        ]));
    }
    if run.pipe.is_empty() && !run.running() {
        lines.push(Line::styled(
            "press r: main and one child talk through the pipe",
            theme.dim(),
        ));
    }
    Paragraph::new(lines)
        .block(block(theme, "pipe"))
        .render(area, buf);
}
