//! Drawing. Reads [`App`] and [`crate::state::RunState`], never changes them. `render`
//! draws into any buffer (the terminal, a test backend, a benchmark); each pane has its
//! own file in `panes/`, and `layout` says where each one goes.

mod bars;
pub mod canvas;
mod chooser;
pub mod code;
mod drawn;
pub mod export;
mod feed;
pub mod layout;
pub mod markdown;
mod memo;
pub mod panes;
pub mod present;
pub mod terminal;
pub mod theme;
pub mod wrap;

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Widget, Wrap};

use crate::app::{App, Pane};
use crate::engine::demos::DemoKind;
pub use bars::KEYS;
pub use layout::{CODE_MIN_WIDTH, LESSON_LIST_MIN_WIDTH, MIN_HEIGHT, MIN_WIDTH, Screen, screen};
pub use panes::{time_at_column, timeline_window};
pub use theme::{Theme, ThemeKind};

/// Draw the whole screen.
pub fn render(app: &App, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let Some(s) = screen(app, area) else {
        drawn::layout(0, buf);
        drawn::draw(None, area, buf, |buf| too_small(app, area, buf));
        return;
    };
    app.code_in_sight
        .set(s.panes.iter().any(|(p, _)| *p == crate::app::Pane::Code));
    let focus = app.step().and_then(|st| st.pane.as_deref());
    // Everything that says where panes go or what lies over them (see `drawn`).
    let layout = (
        (s.header, s.status, s.lessons, s.lesson, s.step, s.figure),
        &s.panes,
        focus,
        (app.chooser, app.help),
    );
    drawn::layout(drawn::fingerprint(layout), buf);
    drawn::draw(None, s.header, buf, |buf| {
        render_header(app, theme, s.header, buf)
    });
    drawn::pane(true, s.status, buf, |buf| {
        bars::render_status(app, theme, s.status, buf)
    });
    if let Some(r) = s.lessons {
        drawn::pane(true, r, buf, |buf| panes::lessons(app, theme, r, buf));
    }
    if let Some(r) = s.lesson {
        drawn::pane(true, r, buf, |buf| panes::lesson(app, theme, r, buf));
    }
    if let Some(r) = s.step {
        drawn::draw(None, r, buf, |buf| present::step_lines(app, theme, r, buf));
    }
    if let Some(r) = s.figure {
        drawn::draw(None, r, buf, |buf| panes::figure(app, theme, r, buf));
    }
    for (p, r) in s.panes {
        // The process list, the cores and the timeline change with every sample.
        let keyed = !matches!(p, Pane::Tree | Pane::Cores | Pane::Timeline);
        drawn::pane(keyed, r, buf, |buf| pane(app, theme, p, r, buf));
        if focus == Some(pane_name(p)) {
            highlight_border(theme, r, buf);
        }
    }
    if app.chooser {
        drawn::over(area, buf, |buf| chooser::chooser(app, theme, area, buf));
    }
    if app.help {
        drawn::over(area, buf, |buf| bars::help(app, theme, area, buf));
    }
}

/// The process drawn on screen row `row` of the process pane at `r`, if any: the pane
/// lists a header line and the runner before the tree's rows.
pub fn tree_row_pid(app: &App, r: Rect, row: u16) -> Option<i32> {
    let first = r.y + 1 + 1 + u16::from(app.shown().runner_pid > 0);
    let i = row.checked_sub(first)? as usize;
    app.shown().tree().get(i).map(|(pid, _)| *pid)
}

/// The name a lesson step uses for a pane (see `course::PANES`).
pub fn pane_name(p: Pane) -> &'static str {
    p.name()
}

/// Recolour a pane's border (and title) so the pane the current step is about stands out;
/// bold as well as coloured, so it also shows without colours.
fn highlight_border(theme: &Theme, r: Rect, buf: &mut Buffer) {
    if r.width < 2 || r.height < 2 {
        return;
    }
    let style = theme.key();
    for edge in [
        Rect::new(r.x, r.y, r.width, 1),
        Rect::new(r.x, r.y + r.height - 1, r.width, 1),
        Rect::new(r.x, r.y, 1, r.height),
        Rect::new(r.x + r.width - 1, r.y, 1, r.height),
    ] {
        buf.set_style(edge, style);
    }
}

fn pane(app: &App, theme: &Theme, p: Pane, area: Rect, buf: &mut Buffer) {
    match p {
        Pane::Tree => panes::tree(app, theme, area, buf),
        Pane::Cores => panes::cores(app, theme, area, buf),
        Pane::Output => panes::output(app, theme, area, buf),
        Pane::Timeline => panes::timeline(app, theme, area, buf),
        Pane::Code => panes::code(app, theme, area, buf),
        Pane::Text => panes::text(app, theme, area, buf),
        // A student's own program: the pane for what it turns out to use.
        Pane::Demo if app.shown().demo == "script" => {
            let run = app.shown();
            if !run.proxies.is_empty() {
                panes::manager(app, theme, area, buf)
            } else if run.uses_locks() || !run.sync.is_empty() {
                panes::lock(app, theme, area, buf)
            } else if run.queue_puts + run.queue_gets > 0 {
                panes::queue(app, theme, area, buf)
            } else if !run.tasks.is_empty() {
                panes::pool(app, theme, area, buf)
            } else if !run.shared.is_empty() || !run.segments.is_empty() {
                panes::shared(app, theme, area, buf)
            } else {
                panes::children(app, theme, area, buf)
            }
        }
        Pane::Demo => match app.demo() {
            DemoKind::Lock => panes::lock(app, theme, area, buf),
            DemoKind::Queue => panes::queue(app, theme, area, buf),
            DemoKind::Pool => panes::pool(app, theme, area, buf),
            DemoKind::Shared => panes::shared(app, theme, area, buf),
            DemoKind::Gil => panes::results(app, theme, area, buf),
            DemoKind::Process | DemoKind::Lifecycle => panes::children(app, theme, area, buf),
            DemoKind::Pipe => panes::pipe(app, theme, area, buf),
            DemoKind::Manager => panes::manager(app, theme, area, buf),
            DemoKind::Start => panes::start_methods(app, theme, area, buf),
            DemoKind::Shm => panes::shared(app, theme, area, buf),
            DemoKind::Executor => panes::pool(app, theme, area, buf),
            DemoKind::Deadlock if app.mode() == Some("join") => panes::queue(app, theme, area, buf),
            DemoKind::Deadlock | DemoKind::Sync => panes::lock(app, theme, area, buf),
            DemoKind::Chunksize => panes::chunks(app, theme, area, buf),
        },
    }
}

/// A bordered pane with a bold title.
pub(crate) fn block<'a>(theme: &Theme, title: &'a str) -> Block<'a> {
    Block::bordered()
        .border_style(theme.border())
        .title(Span::styled(format!(" {title} "), theme.title()))
}

fn too_small(app: &App, area: Rect, buf: &mut Buffer) {
    let msg = vec![
        Line::from(if app.zh() {
            format!("请把终端放大到 {MIN_WIDTH}x{MIN_HEIGHT}")
        } else {
            format!("enlarge the terminal to {MIN_WIDTH}x{MIN_HEIGHT}")
        }),
        Line::from(if app.zh() {
            format!("（现在 {}x{}）", area.width, area.height)
        } else {
            format!("(now {}x{})", area.width, area.height)
        }),
        Line::from(app.t("q quits", "按 q 退出")),
    ];
    let h = (msg.len() as u16).min(area.height);
    let y = area.y + area.height.saturating_sub(h) / 2;
    Paragraph::new(msg)
        .centered()
        .wrap(Wrap { trim: true })
        .render(Rect::new(area.x, y, area.width, h), buf);
}

fn render_header(app: &App, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let run = app.shown();
    let zh = app.zh();
    let state = if run.running() {
        if app.paused {
            Span::styled(
                app.t(" PAUSED ", " 已暂停 "),
                theme.bad().add_modifier(Modifier::REVERSED),
            )
        } else if zh {
            Span::styled(format!(" 运行中 {:.1}s ", run.now), theme.good())
        } else {
            Span::styled(format!(" running {:.1}s ", run.now), theme.good())
        }
    } else if let Some(s) = &run.summary {
        let how = match (s.stopped, s.main_status, zh) {
            (true, _, false) => "stopped".to_string(),
            (true, _, true) => "已停止".to_string(),
            (false, Some(st), false) => format!("ended: {st}"),
            (false, Some(st), true) => {
                format!("已结束：{}", crate::course::words::status(st, true))
            }
            (false, None, false) => "failed to start".into(),
            (false, None, true) => "未能启动".into(),
        };
        Span::styled(
            if zh {
                format!(" {how}，用时 {:.1}s ", s.wall_ms / 1e3)
            } else {
                format!(" {how} after {:.1}s ", s.wall_ms / 1e3)
            },
            theme.dim(),
        )
    } else {
        Span::styled(app.t(" ready: press r ", " 就绪：按 r 运行 "), theme.dim())
    };
    let mut spans = vec![
        Span::styled(
            " proclab ",
            Style::default().add_modifier(Modifier::BOLD | Modifier::REVERSED),
        ),
        Span::raw(" "),
        Span::styled(
            format!(
                "{}/{} {}",
                app.lesson + 1,
                app.lessons.len(),
                app.title(app.lesson)
            ),
            theme.title(),
        ),
        Span::raw("  "),
    ];
    // A replay's live state holds the whole file, even past what the cursor can reach.
    let length = if let Some(s) = &app.streamed {
        (s.total_s * 1e6) as u64
    } else if app.replay.is_some() {
        (app.run.now * 1e6) as u64
    } else {
        app.time
            .rec
            .end_us()
            .saturating_sub(app.time.rec.start_us().unwrap_or(0))
    };
    // Where the event under the cursor is told: the part that gives way when the line
    // is too long, so the main PID, an error or a warning after it stay in sight.
    let mut told: Option<usize> = None;
    let position = app
        .time
        .position()
        .map(|p| (p, app.time.current_frame()))
        .or_else(|| {
            app.streamed
                .as_ref()
                .map(|s| ((s.at, s.len), s.last.clone()))
        });
    match position {
        // Looking at the past: how far back (in a replay: where in the run), which event,
        // and the playback.
        Some(((at, len), current)) => {
            let behind = app.time.behind_us().unwrap_or(0) as f64 / 1e6;
            let when = match (app.replay.is_some(), zh) {
                (true, false) => {
                    format!(" REPLAY {:.3}s of {:.3}s ", run.now, length as f64 / 1e6)
                }
                (true, true) => format!(" 回放 {:.3}s / {:.3}s ", run.now, length as f64 / 1e6),
                (false, false) => format!(" PAST {:.3}s, {behind:.3}s behind live ", run.now),
                (false, true) => format!(" 过去 {:.3}s，比实时晚 {behind:.3}s ", run.now),
            };
            spans.push(Span::styled(
                when,
                theme.key().add_modifier(Modifier::REVERSED),
            ));
            if app.time.playing() {
                spans.push(Span::styled(
                    format!(" > {}x ", app.time.speed()),
                    theme.good().add_modifier(Modifier::REVERSED),
                ));
            }
            spans.push(Span::styled(format!(" {at}/{len} "), theme.dim()));
            if let Some(f) = current {
                told = Some(spans.len());
                spans.push(Span::styled(
                    crate::record::words::tell_in(&f, run, app.lang),
                    theme.title(),
                ));
                spans.push(Span::raw("  "));
            }
        }
        None => {
            if app.replay.is_some() {
                spans.push(Span::styled(
                    if zh {
                        format!(" 回放结束，{:.3}s ", length as f64 / 1e6)
                    } else {
                        format!(" REPLAY end, {:.3}s ", length as f64 / 1e6)
                    },
                    theme.key().add_modifier(Modifier::REVERSED),
                ));
                // A recording cut short (proclab was killed) has no summary: say where it
                // stops rather than "running".
                if run.summary.is_none() {
                    spans.push(Span::styled(
                        app.t(
                            " the recording stops here, before the run's end ",
                            " 录制在此中断，运行尚未结束 ",
                        ),
                        theme.bad(),
                    ));
                } else {
                    spans.push(state);
                }
            } else {
                spans.push(state);
            }
        }
    }
    // The disk filled up, say: the file is no longer what the run is.
    if let Some(e) = app.recorder.as_ref().and_then(|w| w.error()) {
        spans.push(Span::styled(
            if zh {
                format!(" 录制失败：{e} ")
            } else {
                format!(" RECORDING FAILED: {e} ")
            },
            theme.bad().add_modifier(Modifier::REVERSED),
        ));
    }
    if app.time.rec.is_full() {
        // Said, never silent: what the cursor can reach, and where the rest went.
        let rest = match (&app.recorder, &app.replay, zh) {
            (Some(w), _, false) => format!("; all in {}", w.path().display()),
            (Some(w), _, true) => format!("；全部在 {}", w.path().display()),
            (None, Some(_), false) => "; the cursor reaches only those".into(),
            (None, Some(_), true) => "；光标只能到达这些".into(),
            (None, None, false) => "; --record FILE keeps all".into(),
            (None, None, true) => "；用 --record FILE 可保留全部".into(),
        };
        spans.push(Span::styled(
            if zh {
                format!(" 录制已满：只保留了前 {} 个事件{rest} ", app.time.rec.len())
            } else {
                format!(
                    " RECORDING FULL: first {} events kept{rest} ",
                    app.time.rec.len()
                )
            },
            theme.bad().add_modifier(Modifier::REVERSED),
        ));
    }
    if app.use_python || app.watch.is_some() {
        spans.push(Span::styled(
            " PYTHON ",
            theme.key().add_modifier(Modifier::REVERSED),
        ));
        spans.push(Span::raw(" "));
    }
    if app.stepping {
        spans.push(Span::styled(
            app.t(" STEP MODE ", " 单步模式 "),
            theme.key().add_modifier(Modifier::REVERSED),
        ));
    }
    if run.main_pid > 0 {
        spans.push(Span::styled(
            if zh {
                format!("  主进程 PID {}", run.main_pid)
            } else {
                format!("  main pid {}", run.main_pid)
            },
            theme.dim(),
        ));
    }
    // An error the run reported (a bad frame, the process limit...) stays in sight.
    if let Some(e) = run.errors.last() {
        spans.push(Span::styled(
            format!(
                "  {} {e}{}",
                app.t("ERROR", "错误"),
                if run.errors.len() > 1 {
                    app.t(" (and more)", "（还有更多）")
                } else {
                    ""
                }
            ),
            theme.bad().add_modifier(Modifier::BOLD),
        ));
    }
    // A classic mistake the program made: its code here, its words in the output pane.
    if let Some(code) = &run.last_warning {
        let total: u64 = run.warnings.values().sum();
        spans.push(Span::styled(
            format!(
                "  {} {code}{}",
                app.t("WARNING", "警告"),
                match (total > 1, zh) {
                    (false, _) => String::new(),
                    (true, false) => format!(" ({total} warnings)"),
                    (true, true) => format!("（共 {total} 个警告）"),
                }
            ),
            theme.bad().add_modifier(Modifier::BOLD),
        ));
    }
    let width: usize = spans.iter().map(|s| s.width()).sum();
    if let Some(i) = told
        && width > area.width as usize
    {
        let over = width - area.width as usize;
        let keep = spans[i].width().saturating_sub(over).max(12);
        let style = spans[i].style;
        spans[i] = Span::styled(crate::ui::panes::clip_cols(&spans[i].content, keep), style);
    }
    Line::from(spans).render(area, buf);
}
