//! The pipe pane: the connection ends and every object sent and received.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

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
            app.t(
                "Pipe(): duplex (a socketpair)",
                "Pipe()：双向（一个 socketpair）",
            )
        } else {
            app.t(
                "Pipe(duplex=False): one-way (an os.pipe)",
                "Pipe(duplex=False)：单向（一个 os.pipe）",
            )
        },
        theme.dim(),
    ));
    lines.push(Line::raw(if app.zh() {
        format!("发送 {} 个，收到 {} 个", run.pipe_sent, run.pipe_received)
    } else {
        format!("{} sent, {} received", run.pipe_sent, run.pipe_received)
    }));
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
            match (*duplex, app.zh()) {
                (true, false) => {
                    format!("{sent} requests, {replies} replies: every message arrived")
                }
                (true, true) => format!("{sent} 个请求，{replies} 个回复：每条消息都到达了"),
                (false, false) => {
                    format!("{received} of {sent} received, then EOFError: the writer closed")
                }
                (false, true) => {
                    format!("收到 {received} 个（共 {sent} 个），然后 EOFError：写端已关闭")
                }
            },
            if ok { theme.good() } else { theme.bad() },
        ));
    }
    // The notes above the conversation wrap (never cut at the edge); the conversation
    // gets the rows left under them, newest last.
    let mut lines = crate::ui::wrap::wrap(&lines, area.width.saturating_sub(2) as usize);
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
            app.t(
                "press r: main and one child talk through the pipe",
                "按 r：主进程和一个子进程通过管道对话",
            ),
            theme.dim(),
        ));
    }
    let p = Paragraph::new(lines).block(block(theme, app.t("pipe", "管道")));
    crate::ui::drawn::paragraph(&p, area, buf);
}
