//! The timeline: one strip per process of what it was doing over the last seconds, and
//! the time cursor with what came before and after it.

use std::collections::VecDeque;

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget};

use crate::app::App;
use crate::state::{Activity, TIMELINE_SECS};
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

/// Walks a history forward in time: the activity at each later moment.
struct Walk<'a> {
    history: &'a VecDeque<(f64, Activity)>,
    born: f64,
    next: usize,
    current: Option<Activity>,
}

impl<'a> Walk<'a> {
    fn new(history: &'a VecDeque<(f64, Activity)>, born: f64) -> Self {
        Self {
            history,
            born,
            next: 0,
            current: None,
        }
    }

    fn at(&mut self, t: f64) -> Option<Activity> {
        while self.next < self.history.len() && self.history[self.next].0 <= t {
            self.current = Some(self.history[self.next].1);
            self.next += 1;
        }
        if t < self.born { None } else { self.current }
    }
}

/// One strip per process: running, blocked, sleeping, exited. With the time cursor in
/// the past, the strip up to the cursor is the state at the cursor, the rest (dimmed) is
/// what happened after it, and the cursor's column is marked.
pub fn timeline(app: &App, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let live = &app.run;
    let at_cursor = app.time.cursor.as_ref().map(|c| &c.state);
    let w = area.width.saturating_sub(4 + 2) as usize;
    let h = area.height.saturating_sub(2) as usize;
    let (start, span) = window(app);
    let cursor_col = at_cursor.map(|s| ((s.now - start) / span * w as f64).floor() as i64);
    let mut lines = Vec::new();
    // Every process of the run, those born after the cursor too (their strips start
    // later): rows never jump while scrubbing.
    let rows = live.rows();
    let hidden = rows.len().saturating_sub(h);
    let shown = if hidden > 0 { h.saturating_sub(1) } else { h };
    for p in rows.iter().take(shown) {
        let past = at_cursor.and_then(|s| s.procs.get(&p.pid));
        let tag = proc_tag(theme, past.unwrap_or(p));
        let mut spans = vec![tag, Span::raw("  ")];
        let mut before = past.map(|q| Walk::new(&q.history, q.born));
        let mut after = Walk::new(&p.history, p.born);
        // Equal neighbours share one span.
        let mut run_of: Option<((char, Style), usize)> = None;
        for col in 0..w {
            let t = start + span * (col as f64 + 0.5) / w.max(1) as f64;
            let cell = match (cursor_col, at_cursor) {
                (Some(c), _) if col as i64 == c => {
                    ('|', theme.key().add_modifier(Modifier::REVERSED))
                }
                (Some(c), Some(_)) if (col as i64) < c => {
                    let a = before.as_mut().and_then(|b| b.at(t));
                    after.at(t);
                    cell_of(theme, a)
                }
                (Some(_), Some(_)) => {
                    let (ch, style) = cell_of(theme, after.at(t));
                    (ch, style.add_modifier(Modifier::DIM))
                }
                _ => cell_of(theme, after.at(t)),
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
    // The legend's entries while they fit on the border, whole: none is cut in half.
    let legend: &[(&str, &str)] = &[
        ("# running", "# 运行"),
        ("L lock", "L 锁"),
        ("Q queue", "Q 队列"),
        ("W wait", "W 等待"),
        (". sleeping", ". 睡眠"),
        ("? step", "? 单步"),
        ("T paused", "T 暂停"),
    ];
    let room = (area.width as usize).saturating_sub(4);
    for (en, zh) in legend {
        let entry = format!("  {}", app.t(en, zh));
        let w = unicode_width::UnicodeWidthStr::width(title.as_str());
        if w + unicode_width::UnicodeWidthStr::width(entry.as_str()) > room {
            break;
        }
        title.push_str(&entry);
    }
    Paragraph::new(lines)
        .block(block(theme, &title))
        .render(area, buf);
}

fn cell_of(theme: &Theme, a: Option<Activity>) -> (char, Style) {
    a.map_or((' ', Style::default()), |a| activity_cell(theme, a))
}
