//! The pool pane: which worker ran which task, and in what order results came back.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use crate::app::App;
use crate::ui::block;
use crate::ui::theme::Theme;

use super::{clip_cols, proc_tag, wrapped};

/// Columns the argument preview may take at most.
const ARG_COLS: usize = 16;

/// Pool: which worker ran which task, submission vs completion vs delivery order.
pub fn pool(app: &App, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let run = app.shown();
    let total = run.tasks.len();
    let done = run.tasks.iter().filter(|t| t.done.is_some()).count();
    let raised = run.tasks.iter().filter(|t| t.raised).count();
    let bar_w = (area.width.saturating_sub(20) as usize).clamp(4, 40);
    let filled = (done * bar_w).checked_div(total).unwrap_or(0);
    let mut head = vec![
        Span::raw(format!("{done:>3}/{total:<3} ")),
        Span::styled("=".repeat(filled), theme.good()),
        Span::styled("-".repeat(bar_w - filled), theme.dim()),
    ];
    if raised > 0 {
        head.push(Span::styled(
            if app.zh() {
                format!("  {raised} 个抛出异常")
            } else {
                format!("  {raised} raised")
            },
            theme.bad(),
        ));
    }
    // What the order columns mean: on one line, or one line each when that does not fit
    // (a column's meaning is never broken in the middle).
    let (done_means, got_means) = (
        app.t("done#: order finished", "完成#：完成的次序"),
        app.t("got#: order received", "收到#：主进程收到的次序"),
    );
    let one_line = format!("{done_means}  {got_means}");
    let inner_w = area.width.saturating_sub(2) as usize;
    let legend: Vec<Line> = if unicode_width::UnicodeWidthStr::width(one_line.as_str()) <= inner_w {
        vec![Line::styled(one_line, theme.dim())]
    } else {
        vec![
            Line::styled(done_means, theme.dim()),
            Line::styled(got_means, theme.dim()),
        ]
    };
    // Two lines of heading, the legend, the border: the rest are rows.
    let legend_rows = crate::ui::wrap::wrap(&legend, inner_w).len();
    let room = (area.height.saturating_sub(4) as usize).saturating_sub(legend_rows);
    let hidden = total.saturating_sub(room);
    let rows = if hidden > 0 {
        room.saturating_sub(1)
    } else {
        room
    };
    // As wide as the arguments shown need (numbers need little), the result gets the rest.
    let arg_w = run
        .tasks
        .iter()
        .take(rows)
        .map(|t| unicode_width::UnicodeWidthStr::width(t.arg.as_str()))
        .max()
        .unwrap_or(0)
        .clamp(3, ARG_COLS);
    let result_cols = (area.width as usize).saturating_sub(2 + 5 + arg_w + 2 + 9 + 14);
    let mut lines = vec![
        Line::from(head),
        Line::styled(
            if app.zh() {
                // Chinese heads are two columns a character: padded by hand.
                format!(
                    "任务 {}参数  工作进程 完成# 收到#  结果",
                    " ".repeat(arg_w.saturating_sub(4))
                )
            } else {
                format!("task {:>arg_w$}  worker   done#  got#  result", "arg")
            },
            theme.dim(),
        ),
    ];
    for (i, t) in run.tasks.iter().enumerate().take(rows) {
        let worker: Vec<Span> = match t.pid.and_then(|pid| run.procs.get(&pid)) {
            Some(p) => vec![
                proc_tag(theme, p),
                Span::styled(format!("{:>7}", p.pid), theme.proc(p)),
            ],
            // Handed back to the caller without a worker ever taking it (its pickling
            // failed, or its pool broke): not waiting in the queue any more.
            None if t.delivered.is_some() => {
                vec![Span::styled(app.t(" not run", "  未运行"), theme.dim())]
            }
            None => vec![Span::styled(app.t("  queued", "  排队中"), theme.dim())],
        };
        let arg = clip_cols(&t.arg, arg_w);
        let pad = arg_w.saturating_sub(unicode_width::UnicodeWidthStr::width(arg.as_str()));
        let mut spans = vec![Span::raw(format!("{i:>4} {}{arg}  ", " ".repeat(pad)))];
        spans.extend(worker);
        spans.push(Span::raw(format!(
            "  {:>5} {:>5}  ",
            t.completed.map_or("-".into(), |c| c.to_string()),
            t.delivered.map_or("-".into(), |c| c.to_string()),
        )));
        match &t.done {
            Some(r) if t.raised => spans.push(Span::styled(
                clip_cols(&format!("{} {r}", app.t("raised", "抛出")), result_cols),
                theme.bad(),
            )),
            Some(r) => spans.push(Span::raw(clip_cols(r, result_cols))),
            None => spans.push(Span::styled("-", theme.dim())),
        }
        lines.push(Line::from(spans));
    }
    if hidden > 0 {
        lines.push(Line::styled(
            if app.zh() {
                format!("…… 还有 {} 个任务：按 e 放大本窗格", hidden + 1)
            } else {
                format!("... {} more tasks: e expands this pane", hidden + 1)
            },
            theme.key(),
        ));
    }
    lines.extend(legend);
    // The native demo's mode is in its parameters; a program's pool is its own.
    let pool = app.t("pool", "进程池");
    let title = match run.params.iter().find(|(k, _)| k == "mode") {
        Some((_, mode)) if !run.python_run() => format!("{pool} ({mode})"),
        _ => pool.to_string(),
    };
    // Rows are cut to fit; the legend wraps rather than lose its end at the edge.
    wrapped(&lines, 0, block(theme, &title), area, buf);
}
