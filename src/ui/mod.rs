//! Drawing. Reads [`App`] and [`crate::state::RunState`], never changes them. `render`
//! draws into any buffer (the terminal, a test backend, a benchmark); each pane has its
//! own file in `panes/`, and `layout` says where each one goes.

pub mod code;
pub mod export;
pub mod layout;
pub mod markdown;
pub mod panes;
pub mod terminal;
pub mod theme;

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Widget, Wrap};

use crate::app::{App, Pane};
use crate::engine::demos::DemoKind;
pub use layout::{CODE_MIN_WIDTH, LESSON_LIST_MIN_WIDTH, MIN_HEIGHT, MIN_WIDTH, Screen, screen};
pub use panes::{time_at_column, timeline_window};
pub use theme::Theme;

/// Draw the whole screen.
pub fn render(app: &App, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let Some(s) = screen(app, area) else {
        too_small(area, buf);
        return;
    };
    render_header(app, theme, s.header, buf);
    render_status(app, theme, s.status, buf);
    if let Some(r) = s.lessons {
        panes::lessons(app, theme, r, buf);
    }
    if let Some(r) = s.lesson {
        panes::lesson(app, theme, r, buf);
    }
    let focus = app.step().and_then(|st| st.pane.as_deref());
    for (p, r) in s.panes {
        pane(app, theme, p, r, buf);
        if focus == Some(pane_name(p)) {
            highlight_border(theme, r, buf);
        }
    }
    if app.help {
        help(app, theme, area, buf);
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

fn too_small(area: Rect, buf: &mut Buffer) {
    let msg = vec![
        Line::from(format!("enlarge the terminal to {MIN_WIDTH}x{MIN_HEIGHT}")),
        Line::from(format!("(now {}x{})", area.width, area.height)),
        Line::from("q quits"),
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
    let state = if run.running() {
        if app.paused {
            Span::styled(" PAUSED ", theme.bad().add_modifier(Modifier::REVERSED))
        } else {
            Span::styled(format!(" running {:.1}s ", run.now), theme.good())
        }
    } else if let Some(s) = &run.summary {
        let how = match (s.stopped, s.main_status) {
            (true, _) => "stopped".to_string(),
            (false, Some(st)) => format!("ended: {st}"),
            (false, None) => "failed to start".into(),
        };
        Span::styled(
            format!(" {how} after {:.1}s ", s.wall_ms / 1e3),
            theme.dim(),
        )
    } else {
        Span::styled(" ready: press r ", theme.dim())
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
            let when = if app.replay.is_some() {
                format!(" REPLAY {:.3}s of {:.3}s ", run.now, length as f64 / 1e6)
            } else {
                format!(" PAST {:.3}s, {behind:.3}s behind live ", run.now)
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
                spans.push(Span::styled(
                    crate::record::words::tell(&f, run),
                    theme.title(),
                ));
                spans.push(Span::raw("  "));
            }
        }
        None => {
            if app.replay.is_some() {
                spans.push(Span::styled(
                    format!(" REPLAY end, {:.3}s ", length as f64 / 1e6),
                    theme.key().add_modifier(Modifier::REVERSED),
                ));
                // A recording cut short (proclab was killed) has no summary: say where it
                // stops rather than "running".
                if run.summary.is_none() {
                    spans.push(Span::styled(
                        " the recording stops here, before the run's end ",
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
            format!(" RECORDING FAILED: {e} "),
            theme.bad().add_modifier(Modifier::REVERSED),
        ));
    }
    if app.time.rec.is_full() {
        // Said, never silent: what the cursor can reach, and where the rest went.
        let rest = match (&app.recorder, &app.replay) {
            (Some(w), _) => format!("; all in {}", w.path().display()),
            (None, Some(_)) => "; the cursor reaches only those".into(),
            (None, None) => "; --record FILE keeps all".into(),
        };
        spans.push(Span::styled(
            format!(
                " RECORDING FULL: first {} events kept{rest} ",
                app.time.rec.len()
            ),
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
            " STEP MODE ",
            theme.key().add_modifier(Modifier::REVERSED),
        ));
    }
    if run.main_pid > 0 {
        spans.push(Span::styled(
            format!("  main pid {}", run.main_pid),
            theme.dim(),
        ));
    }
    // An error the run reported (a bad frame, the process limit...) stays in sight.
    if let Some(e) = run.errors.last() {
        spans.push(Span::styled(
            format!(
                "  ERROR {e}{}",
                if run.errors.len() > 1 {
                    " (and more)"
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
                "  WARNING {code}{}",
                if total > 1 {
                    format!(" ({total} warnings)")
                } else {
                    String::new()
                }
            ),
            theme.bad().add_modifier(Modifier::BOLD),
        ));
    }
    Line::from(spans).render(area, buf);
}

fn render_status(app: &App, theme: &Theme, area: Rect, buf: &mut Buffer) {
    // A message (the answer to the last key) has the whole line until the next key, so it
    // is never cut by the header's other news; help and quit stay in sight after it.
    if let Some(m) = &app.message {
        let tail = "  ? help  q quit";
        let room = (area.width as usize).saturating_sub(tail.len() + 2);
        let shown = crate::ui::panes::clip_cols(m, room);
        Line::from(vec![
            Span::styled(
                format!(" {shown} "),
                theme.key().add_modifier(Modifier::REVERSED),
            ),
            Span::styled("  ?", theme.key()),
            Span::raw(" help  "),
            Span::styled("q", theme.key()),
            Span::raw(" quit"),
        ])
        .render(area, buf);
        return;
    }
    let mut spans = Vec::new();
    let hints: &[(&str, &str)] = if app.replay.is_some() {
        &[
            ("<- ->", "event"),
            ("< >", "100 ms"),
            ("Home", "start"),
            ("End", "end"),
            ("P", "play"),
            ("{}", "speed"),
            ("e", "expand"),
            ("?", "help"),
            ("q", "quit"),
        ]
    } else if app.time.cursor.is_some() {
        &[
            ("<- ->", "event"),
            ("< >", "100 ms"),
            ("Home", "start"),
            ("End", "live"),
            ("P", "play"),
            ("{}", "speed"),
            ("w", "save"),
            ("?", "help"),
            ("q", "quit"),
        ]
    } else if app.stepping {
        &[
            ("Tab", "choose"),
            ("Enter", "step"),
            ("space", "leave step"),
            ("s", "stop"),
            ("?", "help"),
            ("q", "quit"),
        ]
    } else {
        &[
            ("r", "run"),
            ("s", "stop"),
            ("p", "pause"),
            ("<-", "past"),
            ("l", "lock"),
            ("+-", "workers"),
            ("[]", "tempo"),
            ("m", "mode"),
            ("space", "step"),
            ("e", "expand"),
            ("?", "help"),
            ("q", "quit"),
        ]
    };
    // Narrow terminals get one space between hints, and `?` and `q` first, so they are
    // always on screen.
    let narrow = area.width < LESSON_LIST_MIN_WIDTH;
    let mut order: Vec<&(&str, &str)> = hints.iter().collect();
    if narrow {
        order.sort_by_key(|(k, _)| !matches!(*k, "?" | "q"));
    }
    for (k, what) in order {
        spans.push(Span::styled(*k, theme.key()));
        spans.push(Span::raw(if narrow {
            format!(" {what} ")
        } else {
            format!(" {what}  ")
        }));
    }
    Line::from(spans).render(area, buf);
}

/// Every key, for the help overlay (and the README).
pub const KEYS: &[(&str, &str)] = &[
    ("Up/Down, j/k", "choose a lesson"),
    ("r", "run the lesson's demo (real processes)"),
    ("s", "stop it: SIGTERM to its group, SIGKILL after 1 s"),
    ("p", "pause / resume (SIGSTOP / SIGCONT: state T)"),
    ("l", "lock on/off for the next run (Lock, Manager)"),
    ("+ / -", "more / fewer workers for the next run"),
    ("[ / ]", "less / more delay per operation, live"),
    ("m", "next mode for the next run"),
    (
        "space",
        "step mode: every process waits before each operation",
    ),
    ("Tab, 1-9", "choose the waiting process"),
    ("Enter", "let it do exactly one operation"),
    ("e", "expand the next pane to full screen; Esc back"),
    (
        "<- / ->",
        "back / forward one event in time (the run goes on)",
    ),
    (
        "< / >",
        "back / forward 100 ms; click the timeline: that moment",
    ),
    ("Home / End", "the run's first event / live again"),
    ("P", "play the recording from the cursor; again: pause"),
    ("{ / }", "slower / faster playback (0.1x to 4x)"),
    ("w", "save this run's recording to a file"),
    ("a", "re-run this step-mode run's schedule on new processes"),
    ("PgUp / PgDn", "scroll the lesson text"),
    ("L", "lesson text in English / 中文"),
    ("n / b", "next / previous step of the lesson"),
    (
        "R",
        "runner: native demo / the lesson's demo.py under python3",
    ),
    ("1-9", "answer the step's prediction (before r)"),
    ("?", "this help (any other key closes it)"),
    (
        "q, Ctrl-C",
        "quit: the demo is stopped, nothing is left running",
    ),
];

fn help(app: &App, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let w = 78.min(area.width);
    let h = (KEYS.len() as u16 + 2).min(area.height);
    let r = Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    );
    Clear.render(r, buf);
    // A small terminal shows part of the list: Up/Down scroll it, and the title says so.
    let room = h.saturating_sub(2) as usize;
    let first = (app.help_scroll as usize).min(KEYS.len().saturating_sub(room));
    let lines: Vec<Line> = KEYS
        .iter()
        .skip(first)
        .take(room)
        .map(|(k, what)| {
            Line::from(vec![
                Span::styled(format!("{k:>14}  "), theme.key()),
                Span::raw(*what),
            ])
        })
        .collect();
    let title = match (first > 0, first + room < KEYS.len()) {
        (false, false) => "keys (any key closes)".to_string(),
        (_, true) => format!(
            "keys {}-{} of {}: Down for more",
            first + 1,
            first + room,
            KEYS.len()
        ),
        (true, false) => format!(
            "keys {}-{} of {}: Up for the first",
            first + 1,
            KEYS.len(),
            KEYS.len()
        ),
    };
    Paragraph::new(lines)
        .block(block(theme, &title))
        .render(r, buf);
}
