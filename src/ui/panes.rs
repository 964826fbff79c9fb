//! One function per pane. Each draws from the app's state into its rectangle.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget, Wrap};

use crate::app::App;
use crate::engine::demos::DemoKind;
use crate::engine::protocol::{ExitStatus, Outcome, Role, Stream};
use crate::state::{Activity, Proc};
use crate::ui::block;
use crate::ui::theme::{Theme, activity_cell, glyph};

/// How long a new row stays highlighted and an exited row stays red, in run seconds.
const FRESH_SECS: f64 = 3.0;

fn proc_tag<'a>(theme: &Theme, p: &Proc) -> Span<'a> {
    Span::styled(
        format!("{}", glyph(p)),
        theme.proc(p).add_modifier(Modifier::BOLD),
    )
}

/// The lesson list with progress marks.
pub fn lessons(app: &App, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let lines: Vec<Line> = (0..app.lessons.len())
        .map(|i| {
            let mark = if app.done.contains(&i) { "✓" } else { " " };
            let text = format!("{mark}{:>2} {}", i + 1, app.title(i));
            if i == app.lesson {
                Line::styled(
                    text,
                    Style::default().add_modifier(Modifier::REVERSED | Modifier::BOLD),
                )
            } else {
                Line::raw(text)
            }
        })
        .collect();
    Paragraph::new(lines)
        .block(block(theme, "lessons"))
        .render(area, buf);
}

/// What the lesson is about, what to try, and the settings of the next run.
pub fn lesson(app: &App, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let d = app.demo();
    let s = app.current();
    let s_workers = s.workers;
    let try_this = match (d, app.mode()) {
        (DemoKind::Process, _) => {
            "Press r: each child prints its own PID and its parent's. Compare with ps.".to_string()
        }
        (DemoKind::Queue, Some("sum")) => {
            "Press r: each worker puts its sum; the parent gets them all first, then joins.".into()
        }
        (DemoKind::Queue, _) => {
            "Press r: items travel as chips from the producers to the consumer, in order per producer.".into()
        }
        (DemoKind::Pool, _) => format!(
            "Press r: {s_workers} worker PID{} serve all tasks. m: imap / unordered / maxtasksperchild.",
            if s_workers == 1 { "" } else { "s" }
        ),
        (DemoKind::Shared, _) => {
            "Press r: every worker writes the same Value and its own Array cell.".into()
        }
        (DemoKind::Lock, _) => {
            "Press r with the lock OFF: the counter falls short. Press l, then r: exact. Space: be the scheduler.".into()
        }
        (DemoKind::Gil, Some("io")) => {
            "Press r: blocking calls (sleeps) serial, in threads, in processes: threads keep up.".into()
        }
        (DemoKind::Gil, _) => {
            "Press r and compare the bars: under the GIL, threads are no faster than serial.".into()
        }
        (DemoKind::Pipe, Some("oneway")) => {
            "Press r: the child sends, then closes; main gets EOFError once every write end is closed.".into()
        }
        (DemoKind::Pipe, _) => {
            "Press r: main sends i, the child replies i*i, both through one duplex Pipe.".into()
        }
        (DemoKind::Manager, _) => {
            "Press r: the server process holds the dict; with the lock OFF, d['count'] += c loses updates. l: lock.".into()
        }
        (DemoKind::Start, _) => {
            "Press r: compare each child's PPID, start time and CONFIG. m: one method at a time.".into()
        }
        (DemoKind::Lifecycle, Some("orphan")) => {
            "Press r: the parent exits first; watch the child's PPID change in the tree.".into()
        }
        (DemoKind::Lifecycle, Some("interrupt")) => {
            "Press r: the demo gets SIGINT like Ctrl-C; main terminates and joins its workers.".into()
        }
        (DemoKind::Lifecycle, Some("terminate")) => {
            "Press r: the reader loops forever; main joins the writer, then reader.terminate().".into()
        }
        (DemoKind::Lifecycle, _) => {
            "Press r: finished children stay in the tree as zombies (Z) until main joins them.".into()
        }
    };
    let (one, many) = match d {
        DemoKind::Queue if app.mode() != Some("sum") => ("producer", "producers"),
        DemoKind::Start => ("child per method", "children per method"),
        _ => ("worker", "workers"),
    };
    let mut settings = vec![Span::styled("next run: ", theme.dim())];
    if d.options().contains(&crate::engine::demos::Opt::Workers) {
        settings.push(Span::raw(format!(
            "{} {}, ",
            s.workers,
            if s.workers == 1 { one } else { many }
        )));
    }
    if d.options().contains(&crate::engine::demos::Opt::Lock) {
        settings.push(Span::raw("lock "));
        settings.push(if s.lock {
            Span::styled("ON", theme.good())
        } else {
            Span::styled("OFF", theme.bad())
        });
        settings.push(Span::raw(", "));
    }
    if let Some(m) = app.mode() {
        settings.push(Span::raw(format!("mode {m}, ")));
    }
    settings.push(Span::raw(format!("tempo {} ms", s.tempo)));
    // Slowed down or stepped by hand, the counting demos run fewer iterations: say so.
    if matches!(d, DemoKind::Lock | DemoKind::Manager) && (app.stepping || s.tempo > 0) {
        settings.push(Span::styled(
            format!(", {} iterations each (slow run)", app.params().iterations()),
            theme.key(),
        ));
    }
    if app.stepping {
        settings.push(Span::styled(", step mode", theme.key()));
    }
    let zh = app.lang == crate::course::Lang::Zh;
    let mut lines = Vec::new();
    let steps = app.steps();
    match app.step() {
        Some(step) => {
            let at = app.step_at[app.lesson];
            let mark = if app.checked[app.lesson].contains(&at) {
                " ✓"
            } else {
                ""
            };
            let mut text = vec![
                Span::styled(
                    if zh {
                        format!("第 {}/{} 步{mark}：", at + 1, steps.len())
                    } else {
                        format!("Step {}/{}{mark}: ", at + 1, steps.len())
                    },
                    theme.key(),
                ),
                Span::styled(
                    if zh {
                        step.text.zh.clone()
                    } else {
                        step.text.en.clone()
                    },
                    theme.fg(Color::Cyan),
                ),
            ];
            // The program and the text have panes of their own only on wide screens
            // (buf.area is the whole terminal); elsewhere say how to reach them.
            let narrow = buf.area.width < crate::ui::CODE_MIN_WIDTH;
            if let Some(pane @ ("code" | "text")) = step.pane.as_deref()
                && narrow
                && app.expanded.is_none()
            {
                let what = match (pane, zh) {
                    ("code", false) => "  (e: show the program)",
                    ("code", true) => "  （按 e 查看程序）",
                    (_, false) => "  (e: show the lesson text)",
                    (_, true) => "  （按 e 查看课文）",
                };
                text.push(Span::styled(what, theme.key()));
            }
            let step_line = Line::from(text);
            // An open question is what the student must act on: it goes first, so a
            // small pane still shows it.
            let asking = app.awaiting_prediction();
            if !asking {
                lines.push(step_line.clone());
            }
            if let Some(p) = &step.prediction {
                let mut spans = vec![Span::styled(
                    if zh {
                        format!("预测：{}  ", p.zh)
                    } else {
                        format!("Predict: {}  ", p.en)
                    },
                    theme.title(),
                )];
                match app.answers[app.lesson].get(&at) {
                    Some(a) => spans.push(Span::styled(
                        if zh {
                            format!("你的回答：{}", p.show(a, app.lang))
                        } else {
                            format!("you said: {a}")
                        },
                        theme.good(),
                    )),
                    None => {
                        for (i, c) in p.choices.iter().enumerate() {
                            spans.push(Span::styled(format!("{}", i + 1), theme.key()));
                            spans.push(Span::raw(format!(") {}  ", p.show(c, app.lang))));
                        }
                    }
                }
                lines.push(Line::from(spans));
            }
            if asking {
                lines.push(step_line);
            }
        }
        None => lines.push(Line::styled(try_this, theme.fg(Color::Cyan))),
    }
    // Under the Python runner the next run is a program, not the native demo's settings.
    let settings = match app.python_next_run() {
        Some(what) => Line::from(vec![
            Span::styled("next run: ", theme.dim()),
            Span::raw(what),
        ]),
        None => Line::from(settings),
    };
    lines.push(settings);
    if area.height > 5 {
        let what = if app.watch.is_some() {
            "your program: its processes, queues, locks, values, pool tasks and output, reported by the probe"
        } else {
            d.summary()
        };
        lines.push(Line::styled(
            if zh {
                format!("{what}  (n/b：下一步/上一步)")
            } else {
                format!("{what}  (n/b: next/previous step)")
            },
            theme.dim(),
        ));
    }
    wrapped(
        Paragraph::new(lines).wrap(Wrap { trim: true }),
        block(theme, app.title(app.lesson)),
        area,
        buf,
    );
}

/// Draw a wrapping paragraph of text that may hold wide (CJK) characters inside `block`.
/// ratatui's wrapper can end a line with a two-column character on the last column, one
/// column past the edge, where it would cover the border; one spare column keeps it in.
fn wrapped(p: Paragraph, block: ratatui::widgets::Block, area: Rect, buf: &mut Buffer) {
    let inner = block.inner(area);
    block.render(area, buf);
    let text = Rect {
        width: inner.width.saturating_sub(1),
        ..inner
    };
    p.render(text, buf);
}

/// The process tree: proclab -> demo main -> workers, one stable row each.
pub fn tree(app: &App, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let run = &app.run;
    let wide = area.width >= 72;
    let header = if wide {
        format!(
            "  {:>7} {:>7} {:<12} S {:>4} {:>6} {:>4}  doing",
            "PID", "PPID", "name", "CPU%", "RSS", "core"
        )
    } else {
        format!(
            "  {:>7} {:>7} {:<12} S {:>4}  doing",
            "PID", "PPID", "name", "CPU%"
        )
    };
    let mut lines = vec![Line::styled(header, theme.dim())];
    if run.runner_pid > 0 {
        lines.push(Line::styled(
            format!("  {:>7} {:>7} {:<12}", run.runner_pid, "", "proclab"),
            theme.dim(),
        ));
    }
    let selected = if app.stepping {
        app.selected_pid()
    } else {
        None
    };
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
                (short_status(st), s)
            }
            None => (p.doing.clone(), Style::default()),
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
        lines.push(Line::from(vec![
            Span::styled(new_mark, theme.good()),
            proc_tag(theme, p),
            Span::styled(
                if wide {
                    format!(
                        "{:>7} {:>7} {:<12} {} {:>4.0} {:>6} {:>4}  ",
                        p.pid,
                        p.ppid,
                        clip(&name, 12),
                        state,
                        p.cpu,
                        rss,
                        core
                    )
                } else {
                    format!(
                        "{:>7} {:>7} {:<12} {} {:>4.0}  ",
                        p.pid,
                        p.ppid,
                        clip(&name, 12),
                        state,
                        p.cpu
                    )
                },
                row_style,
            ),
            Span::styled(status, status_style.patch(row_style)),
        ]));
    }
    if run.procs.is_empty() {
        lines.push(Line::styled("  no processes yet: press r", theme.dim()));
    }
    // More rows than room: say how many are hidden rather than cutting silently.
    let room = area.height.saturating_sub(2) as usize;
    if lines.len() > room && room > 1 {
        let hidden = lines.len() - (room - 1);
        lines.truncate(room - 1);
        lines.push(Line::styled(
            format!("  ... {hidden} more rows: press e until this pane fills the screen"),
            theme.key(),
        ));
    }
    let title = format!("processes ({})", run.procs.len());
    Paragraph::new(lines)
        .block(block(theme, &title))
        .render(area, buf);
}

/// "exit 0", "exit 101", "SIGKILL": short enough for a table cell.
fn short_status(st: ExitStatus) -> String {
    match st {
        ExitStatus::Code(c) => format!("exit {c}"),
        ExitStatus::Signal(s) => crate::engine::protocol::signal_name(s),
    }
}

fn clip(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        let mut out: String = s.chars().take(n.saturating_sub(1)).collect();
        out.push('~');
        out
    }
}

/// Per-core load with the demo's processes as markers on the core they last ran on.
pub fn cores(app: &App, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let run = &app.run;
    let inner_h = area.height.saturating_sub(2) as usize;
    let inner_w = area.width.saturating_sub(2) as usize;
    let n = run.cores.len();
    // Who sits on which core, computed once (row order, live processes only).
    let mut on_core: Vec<Vec<&Proc>> = vec![Vec::new(); n];
    for p in run.rows() {
        if p.exit.is_none() && p.core >= 0 && (p.core as usize) < n {
            on_core[p.core as usize].push(p);
        }
    }
    let mut lines = Vec::new();
    if n == 0 {
        lines.push(Line::styled(
            "samples arrive every 250 ms while a demo runs",
            theme.dim(),
        ));
    } else if n <= inner_h {
        let bar_w = inner_w.saturating_sub(20).clamp(4, 30);
        let room = inner_w.saturating_sub(bar_w + 10);
        for (i, load) in run.cores.iter().enumerate() {
            let filled = ((load / 100.0) * bar_w as f32)
                .round()
                .clamp(0.0, bar_w as f32) as usize;
            let mut spans = vec![
                Span::raw(format!("{i:>3} ")),
                Span::styled("|".repeat(filled), load_style(theme, *load)),
                Span::styled(".".repeat(bar_w - filled), theme.dim()),
                Span::raw(format!(" {load:>3.0}% ")),
            ];
            let here = &on_core[i];
            let shown = if here.len() > room {
                room.saturating_sub(3)
            } else {
                here.len()
            };
            spans.extend(here.iter().take(shown).map(|p| proc_tag(theme, p)));
            if shown < here.len() {
                spans.push(Span::raw(format!("+{}", here.len() - shown)));
            }
            lines.push(Line::from(spans));
        }
    } else {
        // Many cores: a compact heat map, 5 columns per core: number, load level, and the
        // first process on it.
        let per_row = (inner_w / 5).max(1);
        for (row, loads) in run.cores.chunks(per_row).enumerate().take(inner_h) {
            let mut spans = Vec::new();
            for (j, load) in loads.iter().enumerate() {
                let i = row * per_row + j;
                let level = [' ', '.', ':', '+', '#'][((load / 25.0).round() as usize).min(4)];
                spans.push(Span::styled(format!("{:>3}", i % 1000), theme.dim()));
                spans.push(Span::styled(level.to_string(), load_style(theme, *load)));
                spans.push(match on_core[i].first() {
                    Some(p) => proc_tag(theme, p),
                    None => Span::raw(" "),
                });
            }
            lines.push(Line::from(spans));
        }
    }
    let title = if run.running() || n == 0 {
        format!("cores ({n})")
    } else {
        format!("cores ({n}): last sample of the run")
    };
    Paragraph::new(lines)
        .block(block(theme, &title))
        .render(area, buf);
}

fn load_style(theme: &Theme, load: f32) -> Style {
    if load > 80.0 {
        theme.fg(Color::Red)
    } else if load > 40.0 {
        theme.fg(Color::Yellow)
    } else {
        theme.fg(Color::Green)
    }
}

/// What each process printed, newest at the bottom.
pub fn output(app: &App, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let run = &app.run;
    let h = area.height.saturating_sub(2) as usize;
    // Long lines wrap under their prefix (glyph and PID), newest at the bottom.
    const PREFIX: usize = 9;
    let text_w = (area.width.saturating_sub(2) as usize)
        .saturating_sub(PREFIX)
        .max(8);
    let mut lines: Vec<Line> = Vec::new();
    for (pid, stream, line) in run.output.iter().rev() {
        if lines.len() >= h {
            break;
        }
        let (tag, style) = match run.procs.get(pid) {
            Some(p) => (proc_tag(theme, p), theme.proc(p)),
            None => (Span::raw("?"), Style::default()),
        };
        let text_style = if *stream == Stream::Stderr {
            theme.bad()
        } else {
            Style::default()
        };
        let pieces = wrap(line, text_w);
        let mut entry: Vec<Line> = pieces
            .into_iter()
            .enumerate()
            .map(|(i, piece)| {
                let head = if i == 0 {
                    vec![tag.clone(), Span::styled(format!("{pid:>7} "), style)]
                } else {
                    vec![Span::raw(" ".repeat(PREFIX))]
                };
                let mut spans = head;
                spans.push(Span::styled(piece, text_style));
                Line::from(spans)
            })
            .collect();
        entry.append(&mut lines);
        lines = entry;
    }
    let skip = lines.len().saturating_sub(h);
    Paragraph::new(lines.split_off(skip))
        .block(block(theme, "output"))
        .render(area, buf);
}

/// Cut `text` into pieces of at most `width` terminal columns (wide characters count 2).
fn wrap(text: &str, width: usize) -> Vec<String> {
    use unicode_width::UnicodeWidthChar;
    let mut out = vec![String::new()];
    let mut used = 0;
    for c in text.chars() {
        let c = if c == '\t' { ' ' } else { c };
        let w = c.width().unwrap_or(0);
        if used + w > width && used > 0 {
            out.push(String::new());
            used = 0;
        }
        if let Some(last) = out.last_mut() {
            last.push(c);
        }
        used += w;
    }
    out
}

/// The lesson's text, rendered Markdown, scrolled with PgUp/PgDn.
pub fn text(app: &App, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let lines = crate::ui::markdown::render(theme, app.current_lesson().text(app.lang));
    wrapped(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .scroll((app.text_scroll, 0)),
        block(theme, "lesson (PgUp/PgDn)"),
        area,
        buf,
    );
}

/// The lesson's Python program, with syntax colours and line numbers.
pub fn code(app: &App, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let lesson = app.current_lesson();
    let title = if app.watch.is_some() {
        lesson.dir.clone()
    } else {
        format!("{}/demo.py", lesson.dir)
    };
    // A wrapped line reads better than a cut one.
    let lines = crate::ui::code::highlight(theme, &lesson.demo_py);
    wrapped(
        Paragraph::new(lines).wrap(Wrap { trim: false }),
        block(theme, &title),
        area,
        buf,
    );
}

/// One strip per process over the last seconds: running, blocked, sleeping, exited.
pub fn timeline(app: &App, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let run = &app.run;
    let w = area.width.saturating_sub(4 + 2) as usize;
    let h = area.height.saturating_sub(2) as usize;
    let span = run.now.clamp(0.1, crate::state::TIMELINE_SECS);
    let start = run.now - span;
    let mut lines = Vec::new();
    let rows = run.rows();
    let hidden = rows.len().saturating_sub(h);
    let shown = if hidden > 0 { h.saturating_sub(1) } else { h };
    for p in rows.iter().take(shown) {
        let mut spans = vec![proc_tag(theme, p), Span::raw("  ")];
        // Columns go forward in time, so one pass over the history serves the whole row,
        // and equal neighbours share one span.
        let mut next = 0;
        let mut current = None;
        let mut run_of: Option<(Option<Activity>, usize)> = None;
        let flush = |spans: &mut Vec<Span>, a: Option<Activity>, n: usize| {
            let (c, style) = a.map_or((' ', Style::default()), |a| activity_cell(theme, a));
            spans.push(Span::styled(c.to_string().repeat(n), style));
        };
        for col in 0..w {
            let t = start + span * (col as f64 + 0.5) / w.max(1) as f64;
            while next < p.history.len() && p.history[next].0 <= t {
                current = Some(p.history[next].1);
                next += 1;
            }
            let a = if t < p.born { None } else { current };
            run_of = match run_of {
                Some((prev, n)) if prev == a => Some((prev, n + 1)),
                Some((prev, n)) => {
                    flush(&mut spans, prev, n);
                    Some((a, 1))
                }
                None => Some((a, 1)),
            };
        }
        if let Some((a, n)) = run_of {
            flush(&mut spans, a, n);
        }
        lines.push(Line::from(spans));
    }
    if hidden > 0 {
        lines.push(Line::styled(
            format!(
                "... {} more: press e until this pane fills the screen",
                hidden + 1
            ),
            theme.key(),
        ));
    }
    let title = format!(
        "timeline: last {span:.1}s  # running  L lock  Q queue  . sleeping  ? step  T paused"
    );
    Paragraph::new(lines)
        .block(block(theme, &title))
        .render(area, buf);
}

fn waiting_list<'a>(app: &'a App, theme: &Theme) -> Vec<Line<'a>> {
    let mut lines = Vec::new();
    if !app.stepping {
        return lines;
    }
    let gated = app.run.gated();
    lines.push(Line::styled(
        "you are the scheduler: Tab/1-9 choose, Enter lets it do one step",
        theme.key(),
    ));
    let chosen = app.selected_pid();
    for (i, pid) in gated.iter().enumerate() {
        let Some(p) = app.run.procs.get(pid) else {
            continue;
        };
        let detail = p
            .step_point
            .as_ref()
            .map_or(String::new(), |(_, d)| d.clone());
        let mut style = theme.proc(p);
        if chosen == Some(*pid) {
            style = style.add_modifier(Modifier::REVERSED);
        }
        lines.push(Line::from(vec![
            Span::styled(format!(" {}) ", i + 1), theme.key()),
            proc_tag(theme, p),
            Span::styled(format!(" {} ({pid}) next: {detail}", p.label), style),
        ]));
    }
    if gated.is_empty() {
        lines.push(Line::styled(
            " no process is waiting yet (press r to run)",
            theme.dim(),
        ));
    }
    lines
}

/// The lock: free or held by whom, who waits, and the counter it protects.
pub fn lock(app: &App, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let run = &app.run;
    // In step mode the choice of who moves next matters most: it goes first.
    let mut lines = waiting_list(app, theme);
    lines.extend(lock_lines(app, theme));
    let expected_now = param(run, "workers")
        .zip(param(run, "iterations"))
        .map(|(w, n)| w * n);
    lines.extend(counter_lines(app, theme, "counter", expected_now));
    Paragraph::new(lines)
        .wrap(Wrap { trim: true })
        .block(block(theme, "lock"))
        .render(area, buf);
}

/// A numeric run parameter, e.g. workers.
fn param(run: &crate::state::RunState, k: &str) -> Option<i64> {
    run.params
        .iter()
        .find(|(key, _)| key == k)
        .and_then(|(_, v)| v.parse::<i64>().ok())
}

/// Who holds the lock, who waits for it, and whether this run uses it.
fn lock_lines<'a>(app: &'a App, theme: &Theme) -> Vec<Line<'a>> {
    let run = &app.run;
    let mut lines = Vec::new();
    let holder = match run.lock.holder.and_then(|pid| run.procs.get(&pid)) {
        Some(p) => Line::from(vec![
            Span::raw("lock: held by "),
            proc_tag(theme, p),
            Span::styled(format!(" {} ({})", p.label, p.pid), theme.proc(p)),
        ]),
        None => Line::from(vec![
            Span::raw("lock: "),
            Span::styled("free", theme.good()),
        ]),
    };
    lines.push(holder);
    let mut waiters = vec![Span::raw("waiting: ")];
    for pid in &run.lock.waiters {
        if let Some(p) = run.procs.get(pid) {
            waiters.push(proc_tag(theme, p));
            waiters.push(Span::raw(" "));
        }
    }
    if run.lock.waiters.is_empty() {
        waiters.push(Span::styled("nobody", theme.dim()));
    }
    lines.push(Line::from(waiters));
    // A Python program's locks are its own business: only a native run says "off".
    let locked_run = run
        .params
        .iter()
        .any(|(k, v)| (k == "lock" && v == "true") || k == "runner");
    let every = run
        .params
        .iter()
        .any(|(k, v)| (k == "step" && v == "true") || (k == "tempo_ms" && v != "0"));
    lines.push(if locked_run || run.params.is_empty() {
        Line::styled(
            if every {
                format!("acquisitions: {}", run.lock.acquisitions)
            } else {
                format!(
                    "acquisitions seen: {} (sampled at full speed)",
                    run.lock.acquisitions
                )
            },
            theme.dim(),
        )
    } else {
        Line::styled(
            "this run does not use the lock: read and write race",
            theme.bad(),
        )
    });
    lines
}

/// The counter: live while the run goes, then expected against actual.
fn counter_lines<'a>(
    app: &'a App,
    theme: &Theme,
    name: &str,
    expected_now: Option<i64>,
) -> Vec<Line<'a>> {
    let run = &app.run;
    let mut lines = Vec::new();
    match run.counter() {
        Some((expected, actual, locked)) => {
            let lost = expected - actual;
            let lock = if locked { "lock on" } else { "lock off" };
            lines.push(Line::raw(format!(
                "{name}: {actual} of {expected} expected"
            )));
            lines.push(if lost > 0 {
                Line::styled(format!("{lost} updates LOST ({lock})"), theme.bad())
            } else {
                Line::styled(
                    format!("exact: every update counted ({lock})"),
                    theme.good(),
                )
            });
        }
        None => {
            if let Some(v) = run.counter_seen {
                lines.push(Line::raw(format!(
                    "{name} now: {v}{}",
                    expected_now.map_or(String::new(), |e| format!(" (expected at the end: {e})"))
                )));
                // In slow and step mode every write is reported, so the loss is exact.
                // (Each write adds 1 only in the lock demo.)
                let every_write = run
                    .params
                    .iter()
                    .any(|(k, v)| (k == "step" && v == "true") || (k == "tempo_ms" && v != "0"));
                let value = v.to_string().parse::<u64>().unwrap_or(0);
                if every_write && run.counter_writes > value && run.demo == "lock" {
                    let lost = run.counter_writes - value;
                    lines.push(Line::styled(
                        format!(
                            "{} increments done, counter {value}: {lost} update{} lost so far",
                            run.counter_writes,
                            if lost == 1 { "" } else { "s" }
                        ),
                        theme.bad(),
                    ));
                }
            }
        }
    }
    lines
}

/// The queue's items as chips coloured by producer, oldest first.
pub fn queue(app: &App, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let run = &app.run;
    let mut lines = vec![Line::raw(format!(
        "size {}, {} put, {} got",
        run.queue.len(),
        run.queue_puts,
        run.queue_gets
    ))];
    let mut chips = vec![Span::styled("front> ", theme.dim())];
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
    if run.queue.is_empty() {
        chips.push(Span::styled("(empty)", theme.dim()));
    }
    lines.push(Line::from(chips));
    for (pid, op) in &run.queue_blocked {
        if let Some(p) = run.procs.get(pid) {
            lines.push(Line::from(vec![
                proc_tag(theme, p),
                Span::styled(
                    format!(
                        " {} blocked on {:?} ({})",
                        p.label,
                        op,
                        if *op == crate::engine::protocol::Op::Put {
                            "full"
                        } else {
                            "empty"
                        }
                    ),
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
            format!(
                "done: {put} put, {got} got{}",
                total.map_or(String::new(), |t| format!(", total {t}"))
            ),
            style,
        ));
    }
    lines.extend(waiting_list(app, theme));
    Paragraph::new(lines)
        .wrap(Wrap { trim: true })
        .block(block(theme, "queue"))
        .render(area, buf);
}

/// Pool: which worker ran which task, submission vs completion vs delivery order.
pub fn pool(app: &App, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let run = &app.run;
    let total = run.tasks.len();
    let done = run.tasks.iter().filter(|t| t.done.is_some()).count();
    let bar_w = (area.width.saturating_sub(20) as usize).clamp(4, 40);
    let filled = (done * bar_w).checked_div(total).unwrap_or(0);
    let mut lines = vec![
        Line::from(vec![
            Span::raw(format!("{done:>3}/{total:<3} ")),
            Span::styled("=".repeat(filled), theme.good()),
            Span::styled("-".repeat(bar_w - filled), theme.dim()),
        ]),
        Line::styled("task   x  worker   done#  got#  result", theme.dim()),
    ];
    let room = area.height.saturating_sub(4) as usize;
    for (i, t) in run.tasks.iter().enumerate().take(room) {
        let worker: Vec<Span> = match t.pid.and_then(|pid| run.procs.get(&pid)) {
            Some(p) => vec![
                proc_tag(theme, p),
                Span::styled(format!("{:>7}", p.pid), theme.proc(p)),
            ],
            None => vec![Span::styled("  queued", theme.dim())],
        };
        let mut spans = vec![Span::raw(format!("{i:>4} {:>3}  ", t.arg))];
        spans.extend(worker);
        spans.push(Span::raw(format!(
            "  {:>5} {:>5}  {}",
            t.completed.map_or("-".into(), |c| c.to_string()),
            t.delivered.map_or("-".into(), |c| c.to_string()),
            t.done.map_or("-".into(), |r| r.to_string())
        )));
        lines.push(Line::from(spans));
    }
    let title = format!("pool ({})", app.mode().unwrap_or("map"));
    Paragraph::new(lines)
        .block(block(theme, &title))
        .render(area, buf);
}

/// Shared memory cells with their live value and last writer; fresh writes stand out.
pub fn shared(app: &App, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let run = &app.run;
    let mut lines = Vec::new();
    for (name, cells) in &run.shared {
        let mut spans = vec![Span::styled(format!("{name:<9}"), theme.title())];
        for cell in cells.iter() {
            match cell {
                Some(c) => {
                    let writer = run.procs.get(&c.writer);
                    let mut style = writer.map_or(Style::default(), |p| theme.proc(p));
                    if run.now - c.at < 0.3 && run.running() {
                        style = style.add_modifier(Modifier::REVERSED);
                    }
                    spans.push(Span::raw(" ["));
                    if let Some(p) = writer {
                        spans.push(proc_tag(theme, p));
                        spans.push(Span::raw(" "));
                    }
                    spans.push(Span::styled(c.value.to_string(), style));
                    spans.push(Span::raw("]"));
                }
                None => spans.push(Span::styled(" [ ]", theme.dim())),
            }
        }
        lines.push(Line::from(spans));
    }
    if lines.is_empty() {
        lines.push(Line::styled(
            "shared cells appear when a process writes them",
            theme.dim(),
        ));
    }
    lines.push(Line::styled(
        "[w value]: last writer's glyph and the value it wrote",
        theme.dim(),
    ));
    lines.extend(waiting_list(app, theme));
    Paragraph::new(lines)
        .wrap(Wrap { trim: true })
        .block(block(theme, "shared memory"))
        .render(area, buf);
}

/// The GIL comparison: wall time per variant as bars, with the speedup.
pub fn results(app: &App, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let run = &app.run;
    let t = run.timings();
    let max = t.iter().map(|x| x.1).fold(1.0, f64::max);
    let bar_w = area.width.saturating_sub(48).clamp(4, 60) as usize;
    let mut lines = vec![Line::styled(
        "wall time, shorter is faster; GIL = a model",
        theme.dim(),
    )];
    for (variant, wall, speedup, cpu) in &t {
        let n = ((wall / max) * bar_w as f64).round() as usize;
        let style = if *speedup > 1.2 {
            theme.good()
        } else if *speedup < 0.9 {
            theme.bad()
        } else {
            Style::default()
        };
        lines.push(Line::from(vec![
            Span::raw(format!("{:<20}", clip(variant, 20))),
            Span::styled("#".repeat(n.max(1)), style),
            Span::raw(" ".repeat(bar_w.saturating_sub(n.max(1)))),
            Span::raw(if *cpu > 0.0 {
                format!(" {wall:>6.0} ms x{speedup:.2} cpu {cpu:>5.0}")
            } else {
                // A Python program's own timing line: wall time only.
                format!(" {wall:>6.0} ms x{speedup:.2}")
            }),
        ]));
    }
    if !t.is_empty() {
        // CPU time shows the work was the same; the machine's speed can still vary.
        lines.push(Line::styled(
            "cpu = CPU time of the variant's processes (same work: similar cpu)",
            theme.dim(),
        ));
    }
    if let Some(phase) = &run.phase
        && run.running()
    {
        lines.push(Line::styled(format!("now: {phase}"), theme.key()));
    }
    if t.is_empty() && !run.running() {
        lines.push(Line::styled(
            "press r: four variants run one after another",
            theme.dim(),
        ));
    }
    Paragraph::new(lines)
        .block(block(theme, "results"))
        .render(area, buf);
}

/// Process lesson: how each child ended (exit code, signal, zombie while unjoined).
pub fn children(app: &App, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let run = &app.run;
    let mut lines = Vec::new();
    for p in run.rows() {
        if p.role == Role::Main || p.role == Role::Unknown {
            continue;
        }
        let (text, style) = match (p.exit, p.state) {
            (Some((st, _)), _) => (
                format!("ended: {}", short_status(st)),
                if st == ExitStatus::Code(0) {
                    theme.dim()
                } else {
                    theme.bad()
                },
            ),
            (None, 'Z') => ("ZOMBIE: finished, not joined".into(), theme.bad()),
            (None, _) if p.activity == Activity::Stopped => {
                ("stopped (paused)".into(), theme.fg(Color::Magenta))
            }
            (None, _) if p.doing.is_empty() => ("running".into(), Style::default()),
            (None, _) => (format!("running: {}", p.doing), Style::default()),
        };
        lines.push(Line::from(vec![
            proc_tag(theme, p),
            Span::styled(format!(" {:<10} {:>7}  ", p.label, p.pid), theme.proc(p)),
            Span::styled(text, style),
        ]));
    }
    if lines.is_empty() {
        lines.push(Line::styled(
            "children appear here when the demo runs",
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
                " (proclab, the subreaper)".to_string()
            } else if *ppid_after == 1 {
                " (init)".to_string()
            } else {
                String::new()
            };
            lines.push(Line::styled(
                format!("orphan {pid}: PPID {ppid_before} -> {ppid_after}{who}"),
                theme.key(),
            ));
        }
    }
    lines.extend(waiting_list(app, theme));
    Paragraph::new(lines)
        .wrap(Wrap { trim: false })
        .block(block(theme, "children"))
        .render(area, buf);
}

/// Pipe lesson: the two connection ends and every object sent and received, newest last.
pub fn pipe(app: &App, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let run = &app.run;
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

/// Manager lesson: the server process, the proxied dict and the race on it.
pub fn manager(app: &App, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let run = &app.run;
    let mut lines = waiting_list(app, theme);
    let server = run.rows().into_iter().find(|p| p.role == Role::Server);
    lines.push(match server {
        Some(p) => Line::from(vec![
            Span::raw("server: "),
            proc_tag(theme, p),
            Span::styled(format!(" {} ({})", p.label, p.pid), theme.proc(p)),
            Span::styled(
                if p.doing.is_empty() {
                    String::new()
                } else {
                    format!("  last: {}", p.doing)
                },
                theme.dim(),
            ),
        ]),
        None => Line::styled(
            "server: Manager() starts it when the demo runs",
            theme.dim(),
        ),
    });
    lines.push(Line::styled(
        "d['count'] += c  is  get round trip, then set round trip",
        theme.dim(),
    ));
    lines.extend(lock_lines(app, theme));
    // Worker i adds i+1 each time: expected = iterations * (1 + 2 + ... + workers).
    let expected_now = param(run, "workers")
        .zip(param(run, "iterations"))
        .map(|(w, n)| n * w * (w + 1) / 2);
    lines.extend(counter_lines(app, theme, "d['count']", expected_now));
    if let Some(Outcome::Manager {
        proxy_us,
        value_us,
        round_trips,
    }) = run
        .outcomes
        .iter()
        .find(|o| matches!(o, Outcome::Manager { .. }))
    {
        lines.push(Line::raw(format!(
            "{round_trips} round trips, {proxy_us:.1} µs each; v.value += 1 on a Value: {value_us:.2} µs"
        )));
    }
    Paragraph::new(lines)
        .wrap(Wrap { trim: true })
        .block(block(theme, "manager"))
        .render(area, buf);
}

/// Start methods lesson: each child's method, parent, start time and what it saw.
pub fn start_methods(app: &App, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let run = &app.run;
    let mut lines = waiting_list(app, theme);
    lines.push(Line::styled(
        format!(
            "  {:<10}{:>6}{:>6} {:<10}{:>7}  CONFIG",
            "method", "pid", "ppid", "parent", "start"
        ),
        theme.title(),
    ));
    // Each child reports its own row.
    let rows: Vec<&crate::engine::protocol::StartRow> = run
        .outcomes
        .iter()
        .flat_map(|o| match o {
            Outcome::StartMethods { rows } => rows.iter().collect(),
            _ => vec![],
        })
        .collect();
    if !rows.is_empty() {
        for r in rows {
            let p = run.procs.get(&r.pid);
            let style = p.map_or(Style::default(), |p| theme.proc(p));
            let mut spans = vec![match p {
                Some(p) => proc_tag(theme, p),
                None => Span::raw(" "),
            }];
            spans.push(Span::styled(
                format!(
                    " {:<10}{:>6}{:>6} {:<10}{:>5.1}ms  ",
                    r.method,
                    r.pid,
                    r.ppid,
                    r.parent,
                    r.latency_us as f64 / 1000.0
                ),
                style,
            ));
            // "changed by main" or "default": one word is enough in the table.
            let (word, st) = if r.config == "default" {
                ("default", theme.dim())
            } else {
                ("changed", theme.key())
            };
            spans.push(Span::styled(word, st));
            lines.push(Line::from(spans));
        }
        lines.push(Line::styled(
            "CONFIG: changed = saw main's run-time change; default = a fresh image",
            theme.dim(),
        ));
        lines.push(Line::styled(
            "CPython's spawn and forkserver also start a resource_tracker; this native demo has nothing to track",
            theme.dim(),
        ));
    } else if run.running() {
        lines.push(Line::styled(
            "children are starting: see the process tree",
            theme.dim(),
        ));
    } else {
        lines.push(Line::styled(
            "press r: children start under fork, spawn and forkserver",
            theme.dim(),
        ));
    }
    Paragraph::new(lines)
        .wrap(Wrap { trim: false })
        .block(block(theme, "start methods"))
        .render(area, buf);
}

#[cfg(test)]
mod tests {
    use super::wrap;

    #[test]
    fn wrapping_counts_wide_characters_twice() {
        assert_eq!(wrap("abcdef", 4), vec!["abcd", "ef"]);
        assert_eq!(wrap("你好世界", 5), vec!["你好", "世界"]);
        assert_eq!(wrap("", 4), vec![""]);
    }
}
