//! The children pane: how each child ended, zombies and orphans.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Style};
use ratatui::text::{Line, Span};

use crate::app::App;
use crate::engine::protocol::{ExitStatus, Outcome, Role};
use crate::state::Activity;
use crate::ui::block;
use crate::ui::theme::Theme;

use super::{proc_tag, waiting_list, wrapped};
use crate::course::words::{doing, short_status};

/// Process lesson: how each child ended (exit code, signal, zombie while unjoined).
pub fn children(app: &App, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let run = app.shown();
    let zh = app.zh();
    let mut lines = Vec::new();
    for p in run.rows() {
        if p.role == Role::Main || p.role == Role::Unknown {
            continue;
        }
        let (text, style) = match (p.exit, p.state) {
            (Some((st, _)), _) => (
                format!("{}{}", app.t("ended: ", "已结束："), short_status(st, zh)),
                if st == ExitStatus::Code(0) {
                    theme.dim()
                } else {
                    theme.bad()
                },
            ),
            (None, 'Z') => (
                app.t(
                    "ZOMBIE: finished, not joined",
                    "僵尸进程：已结束，未被 join",
                )
                .into(),
                theme.bad(),
            ),
            (None, _) if p.activity == Activity::Stopped => (
                app.t("stopped (paused)", "已停下（暂停）").into(),
                theme.fg(Color::Magenta),
            ),
            (None, _) if p.doing.is_empty() => {
                (app.t("running", "运行中").into(), Style::default())
            }
            (None, _) => (
                format!("{}{}", app.t("running: ", "运行中："), doing(&p.doing, zh)),
                Style::default(),
            ),
        };
        lines.push(Line::from(vec![
            proc_tag(theme, p),
            Span::styled(format!(" {:<10} {:>7}  ", p.label, p.pid), theme.proc(p)),
            Span::styled(text, style),
        ]));
    }
    if lines.is_empty() {
        lines.push(Line::styled(
            app.t(
                "children appear here when the demo runs",
                "演示运行时子进程会出现在这里",
            ),
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
                app.t(" (proclab, the subreaper)", "（proclab，即 subreaper）")
            } else if *ppid_after == 1 {
                " (init)"
            } else {
                ""
            };
            lines.push(Line::styled(
                format!(
                    "{} {pid}: PPID {ppid_before} -> {ppid_after}{who}",
                    app.t("orphan", "孤儿进程")
                ),
                theme.key(),
            ));
        }
    }
    lines.extend(waiting_list(app, theme));
    wrapped(
        &lines,
        0,
        block(theme, app.t("children", "子进程")),
        area,
        buf,
    );
}
