//! The queue pane: items in flight as chips, blocked puts and gets, the final count.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};

use crate::app::App;
use crate::ui::block;
use crate::ui::theme::Theme;

use super::{proc_tag, waiting_list, wrapped};

/// The queue's items as chips coloured by producer, oldest first.
pub fn queue(app: &App, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let run = app.shown();
    let size = run.queue.len() as u64 + run.queue_hidden;
    let mut lines = vec![Line::raw(if app.zh() {
        format!(
            "大小 {size}，放入 {} 个，取出 {} 个",
            run.queue_puts, run.queue_gets
        )
    } else {
        format!(
            "size {size}, {} put, {} got",
            run.queue_puts, run.queue_gets
        )
    })];
    let mut chips = vec![Span::styled(app.t("front> ", "队头> "), theme.dim())];
    for q in &run.queue {
        let style = run
            .procs
            .get(&q.producer)
            .map_or(Style::default(), |p| theme.proc(p));
        chips.push(Span::styled(
            format!("[{}]", q.item),
            style.add_modifier(Modifier::BOLD),
        ));
        chips.push(Span::raw(" "));
    }
    if run.queue_hidden > 0 {
        chips.push(Span::styled(
            if app.zh() {
                format!("+{} 个（只计数，不保留）", run.queue_hidden)
            } else {
                format!("+{} more (counted, not kept)", run.queue_hidden)
            },
            theme.dim(),
        ));
    } else if run.queue.is_empty() {
        chips.push(Span::styled(app.t("(empty)", "（空）"), theme.dim()));
    }
    lines.push(Line::from(chips));
    for (pid, op) in &run.queue_blocked {
        if let Some(p) = run.procs.get(pid) {
            lines.push(Line::from(vec![
                proc_tag(theme, p),
                Span::styled(
                    match (*op == crate::engine::protocol::Op::Put, app.zh()) {
                        (true, false) => format!(" {} blocked on {op:?} (full)", p.label),
                        (false, false) => format!(" {} blocked on {op:?} (empty)", p.label),
                        (true, true) => format!(" {} 阻塞于 put（队列已满）", p.label),
                        (false, true) => format!(" {} 阻塞于 get（队列为空）", p.label),
                    },
                    theme.fg(Color::Yellow),
                ),
            ]));
        }
    }
    if let Some(crate::engine::protocol::Outcome::Queue { put, got, total }) = run
        .outcomes
        .iter()
        .find(|o| matches!(o, crate::engine::protocol::Outcome::Queue { .. }))
    {
        let style = if put == got {
            theme.good()
        } else {
            theme.bad()
        };
        lines.push(Line::styled(
            if app.zh() {
                format!(
                    "完成：放入 {put} 个，取出 {got} 个{}",
                    total.map_or(String::new(), |t| format!("，总和 {t}"))
                )
            } else {
                format!(
                    "done: {put} put, {got} got{}",
                    total.map_or(String::new(), |t| format!(", total {t}"))
                )
            },
            style,
        ));
    }
    lines.extend(waiting_list(app, theme));
    wrapped(&lines, 0, block(theme, app.t("queue", "队列")), area, buf);
}
