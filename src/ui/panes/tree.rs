//! The process tree: one stable row per process, fresh and exited rows marked.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget};

use crate::app::App;
use crate::engine::protocol::ExitStatus;
use crate::ui::block;
use crate::ui::theme::Theme;

use super::{FRESH_SECS, clip, proc_tag};

/// The process tree: proclab -> demo main -> workers, one stable row each.
pub fn tree(app: &App, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let run = app.shown();
    let zh = app.zh();
    let wide = area.width >= 72;
    // The name column is as wide as the longest name ("ForkProcess-12" is not cut) while
    // the "doing" column keeps at least 24 columns; 12 at the least.
    let fixed = if wide {
        2 + 8 + 8 + 3 + 5 + 7 + 5 + 2
    } else {
        2 + 8 + 8 + 3 + 5 + 2
    };
    let longest = run
        .tree()
        .iter()
        .filter_map(|(pid, depth)| {
            let p = run.procs.get(pid)?;
            Some(2 * depth.min(&4) + unicode_width::UnicodeWidthStr::width(p.label.as_str()))
        })
        .max()
        .unwrap_or(0);
    let room = (area.width as usize).saturating_sub(2 + fixed + 24);
    let nw = longest.clamp(12, room.max(12));
    // Column heads padded by display width: a Chinese head is two columns a character.
    let pad = |s: &str, w: usize| {
        let n = unicode_width::UnicodeWidthStr::width(s);
        format!("{s}{}", " ".repeat(w.saturating_sub(n)))
    };
    let (name, core, doing) = (
        pad(app.t("name", "名称"), nw),
        app.t("core", "核"),
        app.t("doing", "正在做"),
    );
    let header = if wide {
        format!(
            "  {:>7} {:>7} {name} S {:>4} {:>6} {:>4}  {doing}",
            "PID", "PPID", "CPU%", "RSS", core
        )
    } else {
        format!(
            "  {:>7} {:>7} {name} S {:>4}  {doing}",
            "PID", "PPID", "CPU%"
        )
    };
    let mut lines = vec![Line::styled(header, theme.dim())];
    if run.runner_pid > 0 {
        lines.push(Line::styled(
            format!("  {:>7} {:>7} {:<nw$}", run.runner_pid, "", "proclab"),
            theme.dim(),
        ));
    }
    let selected = if app.stepping { app.chosen_pid() } else { None };
    for (pid, depth) in run.tree() {
        let Some(p) = run.procs.get(&pid) else {
            continue;
        };
        let indent = "  ".repeat(depth.min(4));
        let name = format!("{indent}{}", p.label);
        let mut row_style = Style::default();
        let age = run.now - p.born;
        let (status, status_style) = match p.exit {
            Some((st, at)) => {
                let s = match st {
                    ExitStatus::Code(0) => theme.dim(),
                    _ => theme.bad(),
                };
                if run.now - at < FRESH_SECS {
                    row_style = theme.bad();
                } else {
                    row_style = theme.dim();
                }
                (crate::course::words::short_status(st, zh), s)
            }
            None => (crate::course::words::doing(&p.doing, zh), Style::default()),
        };
        if age < FRESH_SECS && p.exit.is_none() && run.running() {
            row_style = row_style.add_modifier(Modifier::BOLD);
        }
        if selected == Some(pid) {
            row_style = row_style.add_modifier(Modifier::REVERSED);
        }
        let new_mark = if age < FRESH_SECS && p.exit.is_none() && run.running() {
            "+"
        } else {
            " "
        };
        let core = if p.core >= 0 {
            p.core.to_string()
        } else {
            "-".into()
        };
        // Reaped means gone: whatever the last sample said, there is no state any more.
        let state = if p.exit.is_some() { '-' } else { p.state };
        let rss = if p.rss_kb >= 10_240 {
            format!("{}M", p.rss_kb / 1024)
        } else {
            format!("{}K", p.rss_kb)
        };
        let tag = proc_tag(theme, p);
        let fields = if wide {
            format!(
                "{:>7} {:>7} {:<nw$} {} {:>4.0} {:>6} {:>4}  ",
                p.pid,
                p.ppid,
                clip(&name, nw),
                state,
                p.cpu,
                rss,
                core
            )
        } else {
            format!(
                "{:>7} {:>7} {:<nw$} {} {:>4.0}  ",
                p.pid,
                p.ppid,
                clip(&name, nw),
                state,
                p.cpu
            )
        };
        let used = 1 + tag.width() + unicode_width::UnicodeWidthStr::width(fields.as_str());
        lines.push(Line::from(vec![
            Span::styled(new_mark, theme.good()),
            tag,
            Span::styled(fields, row_style),
            // What does not fit ends in `~`, never silently: `e` gives the pane the screen.
            Span::styled(
                super::clip_cols(&status, (area.width as usize).saturating_sub(2 + used)),
                status_style.patch(row_style),
            ),
        ]));
    }
    if run.procs.is_empty() {
        let none = if app.time.cursor.is_some() || app.replay.is_some() {
            app.t(
                "  no process has started yet at this moment",
                "  此刻还没有进程启动",
            )
        } else {
            app.t("  no processes yet: press r", "  还没有进程：按 r 运行")
        };
        lines.push(Line::styled(none, theme.dim()));
    }
    // More rows than room: say how many are hidden rather than cutting silently.
    let room = area.height.saturating_sub(2) as usize;
    if lines.len() > room && room > 1 {
        let hidden = lines.len() - (room - 1);
        lines.truncate(room - 1);
        // The long hint where it fits whole, a short one where it does not: never cut.
        let width = area.width.saturating_sub(2) as usize;
        let long = if zh {
            format!("  …… 还有 {hidden} 行：按 e 直到本窗格占满屏幕")
        } else {
            format!("  ... {hidden} more rows: press e until this pane fills the screen")
        };
        let text = if unicode_width::UnicodeWidthStr::width(long.as_str()) <= width {
            long
        } else if zh {
            format!("  …… 还有 {hidden} 行（按 e 放大）")
        } else {
            format!("  ... {hidden} more rows (e: expand)")
        };
        lines.push(Line::styled(text, theme.key()));
    }
    let title = format!("{} ({})", app.t("processes", "进程"), run.procs.len());
    Paragraph::new(lines)
        .block(block(theme, &title))
        .render(area, buf);
}
