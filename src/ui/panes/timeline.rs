//! The timeline: one strip per process of what it was doing over the last seconds, and
//! the time cursor with what came before and after it.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget};

use crate::app::App;
use crate::state::{Activity, TIMELINE_SECS, strip};
use crate::ui::block;
use crate::ui::theme::Theme;
use crate::ui::theme::activity_cell;

use super::proc_tag;

/// Columns before the strips: the border, the process letter and two spaces.
const LEFT: u16 = 1 + 3;

/// The stretch of run time the timeline draws, `(start, span)` in run seconds: the live
/// run's window, so scrubbing moves the cursor and not the picture; a cursor older than
/// that window gets a window around it.
pub fn window(app: &App) -> (f64, f64) {
    let live = &app.run;
    let span = live.now.clamp(0.1, TIMELINE_SECS);
    let start = live.now - span;
    match &app.time.cursor {
        Some(c) if c.state.now < start => ((c.state.now - span / 2.0).max(0.0), span),
        _ => (start, span),
    }
}

/// The run time (seconds) a click on column `x` of the timeline pane at `area` points to.
pub fn time_at_column(app: &App, area: Rect, x: u16) -> Option<f64> {
    let w = area.width.saturating_sub(4 + 2);
    let col = x.checked_sub(area.x + LEFT)?;
    if col >= w {
        return None;
    }
    let (start, span) = window(app);
    Some(start + span * (col as f64 + 0.5) / w as f64)
}

/// The legend's words for each activity a strip can show, in the order they are listed.
const LEGEND: &[(Activity, &str, &str)] = &[
    (Activity::Running, "running", "运行"),
    (
        Activity::Runnable,
        "runnable, no free core",
        "就绪，无空闲核",
    ),
    (Activity::BlockedLock, "lock", "等锁"),
    (Activity::BlockedQueue, "queue", "等队列"),
    (Activity::BlockedSync, "wait", "等待"),
    (Activity::BlockedJoin, "join", "等子进程"),
    (Activity::BlockedPipe, "pipe recv", "等管道"),
    (Activity::Sleeping, "sleeping", "睡眠"),
    (Activity::Gated, "step", "单步"),
    (Activity::Stopped, "paused", "暂停"),
];

/// One strip per process: running, runnable, blocked, sleeping, exited. With the time
/// cursor in the past, the strip up to the cursor is the state at the cursor, the rest
/// (dimmed) is what happened after it, and the cursor's column is marked. The legend
/// lists what the strips show, no more: on the top border while it fits, then on the
/// bottom one.
pub fn timeline(app: &App, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let live = &app.run;
    let at_cursor = app.time.cursor.as_ref().map(|c| &c.state);
    let w = area.width.saturating_sub(4 + 2) as usize;
    let h = area.height.saturating_sub(2) as usize;
    let (start, span) = window(app);
    let cursor_col = at_cursor.map(|s| ((s.now - start) / span * w as f64).floor() as i64);
    let mut lines = Vec::new();
    let mut shown_kinds = Vec::new();
    // Every process of the run, those born after the cursor too (their strips start
    // later): rows never jump while scrubbing.
    let rows = live.rows();
    let hidden = rows.len().saturating_sub(h);
    let shown = if hidden > 0 { h.saturating_sub(1) } else { h };
    for p in rows.iter().take(shown) {
        let past = at_cursor.and_then(|s| s.procs.get(&p.pid));
        let tag = proc_tag(theme, past.unwrap_or(p));
        let mut spans = vec![tag, Span::raw("  ")];
        let before = past.map(|q| strip(&q.history, q.born, start, span, w));
        let after = strip(&p.history, p.born, start, span, w);
        // Equal neighbours share one span.
        let mut run_of: Option<((char, Style), usize)> = None;
        for col in 0..w {
            let (a, dim) = match (cursor_col, &before) {
                (Some(c), _) if col as i64 == c => (None, false),
                (Some(c), Some(b)) if (col as i64) < c => (b[col], false),
                (Some(_), _) => (after[col], true),
                (None, _) => (after[col], false),
            };
            if let Some(a) = a
                && !shown_kinds.contains(&a)
            {
                shown_kinds.push(a);
            }
            let cell = match (cursor_col, dim) {
                (Some(c), _) if col as i64 == c => {
                    ('|', theme.key().add_modifier(Modifier::REVERSED))
                }
                (_, true) => {
                    let (ch, style) = cell_of(theme, a);
                    (ch, style.add_modifier(Modifier::DIM))
                }
                _ => cell_of(theme, a),
            };
            run_of = match run_of {
                Some((prev, n)) if prev == cell => Some((prev, n + 1)),
                Some(((ch, style), n)) => {
                    spans.push(Span::styled(ch.to_string().repeat(n), style));
                    Some((cell, 1))
                }
                None => Some((cell, 1)),
            };
        }
        if let Some(((ch, style), n)) = run_of {
            spans.push(Span::styled(ch.to_string().repeat(n), style));
        }
        lines.push(Line::from(spans));
    }
    if hidden > 0 {
        lines.push(Line::styled(
            if app.zh() {
                format!("…… 还有 {} 行：按 e 直到本窗格占满屏幕", hidden + 1)
            } else {
                format!(
                    "... {} more: press e until this pane fills the screen",
                    hidden + 1
                )
            },
            theme.key(),
        ));
    }
    let when = match (at_cursor, app.zh()) {
        (Some(s), false) => format!("| at {:.3}s of {:.3}s", s.now, start + span),
        (Some(s), true) => format!("| 位于 {:.3}s / {:.3}s", s.now, start + span),
        (None, false) => format!("last {span:.1}s"),
        (None, true) => format!("最近 {span:.1}s"),
    };
    let mut title = if app.zh() {
        format!("时间线：{when}")
    } else {
        format!("timeline: {when}")
    };
    // Each entry whole on one border or the other: none is cut in half.
    let room = (area.width as usize).saturating_sub(4);
    let mut bottom = String::new();
    for (a, en, zh) in LEGEND.iter().filter(|l| shown_kinds.contains(&l.0)) {
        let words = format!("{} {}", a.glyph(), app.t(en, zh));
        let width = |s: &str| unicode_width::UnicodeWidthStr::width(s);
        if bottom.is_empty() && width(&title) + 2 + width(&words) <= room {
            title.push_str("  ");
            title.push_str(&words);
        } else if width(&bottom) + 2 + width(&words) <= room {
            if !bottom.is_empty() {
                bottom.push_str("  ");
            }
            bottom.push_str(&words);
        }
    }
    let mut block = block(theme, &title);
    if !bottom.is_empty() {
        block = block.title_bottom(Span::styled(format!(" {bottom} "), theme.title()));
    }
    Paragraph::new(lines).block(block).render(area, buf);
}

fn cell_of(theme: &Theme, a: Option<Activity>) -> (char, Style) {
    a.map_or((' ', Style::default()), |a| activity_cell(theme, a))
}
