//! The lesson pane: the current step (or what to try), its prediction, and the settings
//! of the next run.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Color;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use crate::app::App;
use crate::engine::demos::DemoKind;
use crate::ui::block;
use crate::ui::theme::Theme;

use super::wrapped;

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
        (DemoKind::Chunksize, _) => {
            "Press r: the same 20000 tiny tasks with chunksize=1, then the default; compare messages and time.".into()
        }
        (DemoKind::Sync, Some("barrier")) => {
            "Press r: fast workers wait at the Barrier (W on the timeline) until the slowest arrives.".into()
        }
        (DemoKind::Sync, Some("condition")) => {
            "Press r: consumers sleep in cond.wait() until the producer's notify(); no CPU spent waiting.".into()
        }
        (DemoKind::Sync, _) => {
            "Press r: workers wait for the go Event, then Semaphore(2) lets two burn CPU at a time (CPU%).".into()
        }
        (DemoKind::Deadlock, Some("join")) => {
            "Press r: main joins the child before getting its 100000-byte item; after 3 s it gets first.".into()
        }
        (DemoKind::Deadlock, _) => {
            "Press r: two workers take two locks in opposite order; the lock pane draws who waits for whom.".into()
        }
        (DemoKind::Lifecycle, _) => {
            "Press r: finished children stay in the tree as zombies (Z) until main joins them.".into()
        }
        (DemoKind::Shm, Some("leak")) => {
            "Press r: main exits without unlink(); the segment stays in /dev/shm until proclab removes it.".into()
        }
        (DemoKind::Shm, _) => {
            "Press r: main creates a segment, two children attach it by name, main unlinks it. m: leak.".into()
        }
        (DemoKind::Executor, Some("kill")) => {
            "Press r: slow_square(3) kills its own worker; every pending future gets BrokenProcessPool.".into()
        }
        (DemoKind::Executor, _) => {
            "Press r: results come in completion order; slow_square(3) raises and result() raises it. m: kill.".into()
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
    // Under the Python runner the next run is a program, not the native demo's settings;
    // a replay has no next run, only the recorded one.
    let settings = if app.replay.is_some() {
        let params: Vec<String> = app
            .run
            .params
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        Line::from(vec![
            Span::styled("recorded run: ", theme.dim()),
            Span::raw(params.join(" ")),
        ])
    } else {
        match app.python_next_run() {
            Some(what) => Line::from(vec![
                Span::styled("next run: ", theme.dim()),
                Span::raw(what),
            ]),
            None => Line::from(settings),
        }
    };
    lines.push(settings);
    if area.height > 5 {
        let what = if app.watch.is_some() || app.current_lesson().def.id == "script" {
            "your program: its processes, queues, pipes, locks, events, values, pool and executor tasks, manager calls and output, reported by the probe"
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
