//! The lesson's key figure in big digits, for presenter mode: read from the run's state
//! at the time cursor and nothing else, so a figure the run has not measured shows its
//! label over "–", never a number. Drawn only when the screen is (no timer of its own).

use ratatui::buffer::Buffer;
use ratatui::layout::{Alignment, Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Widget};
use tui_big_text::{BigText, PixelSize};

use crate::app::App;
use crate::engine::demos::DemoKind;
use crate::engine::protocol::{Outcome, Role};
use crate::state::RunState;
use crate::ui::theme::Theme;

/// How a figure is to be read: plain, good news, bad news.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    /// Neither good nor bad news.
    Plain,
    /// Good news (no update lost, a speedup).
    Good,
    /// Bad news (updates lost, zombies, a deadlock).
    Bad,
}

/// One key figure: what it is, and its value once the run measured it.
#[derive(Debug, Clone, PartialEq)]
pub struct Figure {
    /// What the figure is, in the screen's language.
    pub label: String,
    /// None until the run has shown it.
    pub value: Option<String>,
    /// How to read it (its colour).
    pub tone: Tone,
}

fn fig(label: impl Into<String>, value: Option<String>, tone: Tone) -> Figure {
    Figure {
        label: label.into(),
        value,
        tone,
    }
}

/// Rows the figure strip needs: its label and the digits (half-height pixels of an 8x8
/// font make four rows).
pub const FIGURE_HEIGHT: u16 = 5;

/// What kind of figure a lesson (or a watched program) has.
enum Kind {
    Counter(&'static str),
    Speedups,
    Tasks,
    Chunks,
    Queue,
    Value,
    Segments,
    Procs,
    Pipe,
    Holders,
}

fn kind(app: &App, run: &RunState) -> Kind {
    // A student's own program: the figure of what it turns out to use, like its pane.
    if run.demo == "script" || app.watch.is_some() {
        return if !run.proxies.is_empty() {
            Kind::Counter("d['count']")
        } else if run.uses_locks() || !run.sync.is_empty() {
            Kind::Holders
        } else if run.queue_puts + run.queue_gets > 0 {
            Kind::Queue
        } else if !run.tasks.is_empty() {
            Kind::Tasks
        } else if !run.shared.is_empty() {
            Kind::Value
        } else {
            Kind::Procs
        };
    }
    match app.demo() {
        DemoKind::Lock => Kind::Counter("counter"),
        DemoKind::Manager => Kind::Counter("d['count']"),
        DemoKind::Gil => Kind::Speedups,
        DemoKind::Pool | DemoKind::Executor => Kind::Tasks,
        DemoKind::Chunksize => Kind::Chunks,
        DemoKind::Queue => Kind::Queue,
        DemoKind::Shared => Kind::Value,
        DemoKind::Shm => Kind::Segments,
        DemoKind::Process | DemoKind::Lifecycle | DemoKind::Start => Kind::Procs,
        DemoKind::Pipe => Kind::Pipe,
        DemoKind::Sync | DemoKind::Deadlock => Kind::Holders,
    }
}

/// The lesson's key figures at the time cursor.
pub fn figures(app: &App) -> Vec<Figure> {
    let run = app.shown();
    let zh = app.zh();
    // Counts are only figures once a run has started: before that there is nothing.
    let started = !run.demo.is_empty();
    let count = |n: usize| started.then(|| n.to_string());
    match kind(app, run) {
        Kind::Counter(name) => counter(app, run, name),
        Kind::Speedups => {
            let t: Vec<_> = run
                .timings()
                .into_iter()
                .filter(|(v, ..)| v != "serial")
                .collect();
            if t.is_empty() {
                return vec![fig(app.t("speedup", "加速比"), None, Tone::Plain)];
            }
            t.into_iter()
                .map(|(variant, _, speedup, _)| {
                    let name = crate::course::words::name(&variant, zh);
                    let tone = if speedup > 1.2 {
                        Tone::Good
                    } else if speedup < 0.9 {
                        Tone::Bad
                    } else {
                        Tone::Plain
                    };
                    let label = if zh {
                        format!("{name} 加速比")
                    } else {
                        format!("{name} speedup")
                    };
                    fig(label, Some(format!("{speedup:.1}x")), tone)
                })
                .collect()
        }
        Kind::Tasks => {
            let total = run.tasks.len();
            let done = run.tasks.iter().filter(|t| t.done.is_some()).count();
            let raised = run.tasks.iter().filter(|t| t.raised).count();
            let mut out = vec![fig(
                app.t("tasks done", "已完成任务"),
                (total > 0).then(|| format!("{done}/{total}")),
                Tone::Plain,
            )];
            if raised > 0 {
                out.push(fig(
                    app.t("raised", "抛出异常"),
                    Some(raised.to_string()),
                    Tone::Bad,
                ));
            }
            out
        }
        Kind::Chunks => {
            let maps: Vec<Figure> = run
                .outcomes
                .iter()
                .filter_map(|o| match o {
                    Outcome::Chunks {
                        chunksize, wall_ms, ..
                    } => Some(fig(
                        format!("chunksize={chunksize}"),
                        Some(format!("{wall_ms:.0}ms")),
                        Tone::Plain,
                    )),
                    _ => None,
                })
                .collect();
            if !maps.is_empty() {
                return maps;
            }
            // A Python program's own timing lines.
            let timed: Vec<Figure> = run
                .timings()
                .into_iter()
                .map(|(v, wall, ..)| fig(v, Some(format!("{wall:.0}ms")), Tone::Plain))
                .collect();
            if !timed.is_empty() {
                return timed;
            }
            vec![fig(app.t("wall time", "墙钟时间"), None, Tone::Plain)]
        }
        Kind::Queue => vec![
            fig(
                app.t("items in the queue", "队列中的数据项"),
                count(run.queue.len() + run.queue_hidden as usize),
                Tone::Plain,
            ),
            fig(
                app.t("items got", "已取出"),
                count(run.queue_gets as usize),
                Tone::Plain,
            ),
        ],
        Kind::Value => {
            let value = run
                .shared
                .iter()
                .find(|(n, _)| *n == "counter" || n.starts_with("Value("))
                .or_else(|| run.shared.iter().next())
                .and_then(|(_, cells)| cells.first().copied().flatten())
                .map(|c| c.value.to_string());
            vec![fig("Value", value, Tone::Plain)]
        }
        Kind::Segments => {
            let unlinked = run
                .segments
                .values()
                .filter(|s| s.unlinked_by.is_some())
                .count();
            let left = run.segments.values().filter(|s| s.leaked).count();
            vec![
                fig(
                    app.t("segments created", "已创建的共享内存段"),
                    count(run.segments.len()),
                    Tone::Plain,
                ),
                fig(
                    app.t("unlinked", "已 unlink"),
                    count(unlinked),
                    if left > 0 { Tone::Bad } else { Tone::Plain },
                ),
            ]
        }
        Kind::Procs => {
            let children = || {
                run.procs
                    .values()
                    .filter(|p| !matches!(p.role, Role::Main | Role::Unknown))
            };
            let alive = children()
                .filter(|p| p.exit.is_none() && p.state != 'Z')
                .count();
            let zombies = children()
                .filter(|p| p.exit.is_none() && p.state == 'Z')
                .count();
            vec![
                fig(
                    app.t("children alive", "存活的子进程"),
                    count(alive),
                    Tone::Plain,
                ),
                fig(
                    app.t("zombies", "僵尸进程"),
                    count(zombies),
                    if zombies > 0 { Tone::Bad } else { Tone::Plain },
                ),
            ]
        }
        Kind::Pipe => vec![
            fig(
                app.t("messages sent", "已发送的消息"),
                count(run.pipe_sent as usize),
                Tone::Plain,
            ),
            fig(
                app.t("received", "已接收"),
                count(run.pipe_received as usize),
                Tone::Plain,
            ),
        ],
        Kind::Holders => {
            if run.wait_cycle().is_some() || run.deadlock_seen.is_some() {
                // Once a timed acquire broke the cycle, the run still had one: said so.
                let label = if run.wait_cycle().is_some() {
                    app.t("each waits for the other", "互相等待")
                } else {
                    app.t(
                        "the run had one; a timeout broke it",
                        "这次运行出现过；超时打破了它",
                    )
                };
                return vec![fig(
                    label,
                    Some(app.t("DEADLOCK", "死锁").into()),
                    Tone::Bad,
                )];
            }
            let holders = run.locks.values().filter(|l| l.holder.is_some()).count()
                + run.sync.values().map(|s| s.holders.len()).sum::<usize>();
            let waiters = run.locks.values().map(|l| l.waiters.len()).sum::<usize>()
                + run.sync.values().map(|s| s.waiters.len()).sum::<usize>();
            vec![
                fig(app.t("holding", "持有者"), count(holders), Tone::Plain),
                fig(app.t("waiting", "等待者"), count(waiters), Tone::Plain),
            ]
        }
    }
}

/// The counter and the updates lost: expected against actual once the run reported
/// them; while it runs the counter as last written, and the loss only where every
/// write is reported (slow or step mode), as the lock pane says it.
fn counter(app: &App, run: &RunState, name: &str) -> Vec<Figure> {
    let zh = app.zh();
    let lost_label = |lost: bool| match (lost, zh) {
        (true, false) => "updates LOST".to_string(),
        (false, false) => "updates lost".to_string(),
        (_, true) => "丢失的更新".to_string(),
    };
    match run.counter() {
        Some((expected, actual, _)) => {
            let lost = expected - actual;
            vec![
                fig(
                    if zh {
                        format!("{name}（预期 {expected}）")
                    } else {
                        format!("{name} (expected {expected})")
                    },
                    Some(actual.to_string()),
                    Tone::Plain,
                ),
                fig(
                    lost_label(lost > 0),
                    Some(lost.to_string()),
                    if lost > 0 { Tone::Bad } else { Tone::Good },
                ),
            ]
        }
        None => {
            let every_write = run
                .params
                .iter()
                .any(|(k, v)| (k == "step" && v == "true") || (k == "tempo_ms" && v != "0"));
            let value = run.counter_seen.map(|v| v.to_string());
            let so_far = value
                .as_deref()
                .and_then(|v| v.parse::<u64>().ok())
                .filter(|v| every_write && run.demo == "lock" && run.counter_writes >= *v)
                .map(|v| run.counter_writes - v);
            vec![
                fig(name, value, Tone::Plain),
                fig(
                    lost_label(so_far.is_some_and(|n| n > 0)),
                    so_far.map(|n| n.to_string()),
                    if so_far.is_some_and(|n| n > 0) {
                        Tone::Bad
                    } else {
                        Tone::Plain
                    },
                ),
            ]
        }
    }
}

/// Draw the key figures side by side, each its label over its value in big digits.
pub fn figure(app: &App, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let figs = figures(app);
    if figs.is_empty() || area.height == 0 {
        return;
    }
    // Two columns between figures, so two numbers never read as one.
    let cells = Layout::horizontal(vec![Constraint::Fill(1); figs.len()])
        .spacing(2)
        .split(area);
    for (f, cell) in figs.iter().zip(cells.iter()) {
        let style = match f.tone {
            Tone::Plain => theme.title(),
            Tone::Good => theme.good(),
            Tone::Bad => theme.bad(),
        };
        let [label, digits] =
            Layout::vertical([Constraint::Length(1), Constraint::Min(0)]).areas(*cell);
        Paragraph::new(Line::raw(crate::ui::panes::clip_cols(
            &f.label,
            label.width.saturating_sub(2) as usize,
        )))
        .style(theme.title())
        .alignment(Alignment::Center)
        .render(label, buf);
        big(f.value.as_deref(), style, digits, buf);
    }
}

/// `value` as big as it fits: an 8x8 font in half-height pixels (8 columns a digit),
/// else in quadrants (4), else as plain text; "–" while there is no value.
fn big(value: Option<&str>, style: Style, area: Rect, buf: &mut Buffer) {
    let middle = Rect::new(
        area.x,
        area.y + area.height / 2,
        area.width,
        1.min(area.height),
    );
    let Some(v) = value else {
        Paragraph::new("–")
            .style(style)
            .alignment(Alignment::Center)
            .render(middle, buf);
        return;
    };
    let chars = v.chars().count() as u16;
    // The 8x8 font has no Chinese: such a value stays plain text.
    let size = if !v.is_ascii() {
        None
    } else if chars * 8 <= area.width {
        Some(PixelSize::HalfHeight)
    } else if chars * 4 <= area.width {
        Some(PixelSize::Quadrant)
    } else {
        None
    };
    match size {
        Some(px) if area.height >= 4 => BigText::builder()
            .pixel_size(px)
            .style(style)
            .lines(vec![Line::raw(v.to_string())])
            .centered()
            .build()
            .render(area, buf),
        _ => Paragraph::new(v.to_string())
            .style(style)
            .alignment(Alignment::Center)
            .render(middle, buf),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::protocol::{Event, Frame};

    #[test]
    fn before_a_run_every_figure_is_a_dash_never_a_number() {
        let mut app = App::default();
        for i in 0..app.lessons.len() {
            app.lesson = i;
            for f in figures(&app) {
                assert_eq!(f.value, None, "{}: {}", app.title(i), f.label);
            }
        }
    }

    #[test]
    fn the_lock_figures_are_the_runs_own_counter_and_loss() {
        let mut app = App::default();
        app.select(DemoKind::Lock);
        for event in [
            Event::RunStarted {
                demo: "lock".into(),
                params: vec![],
                runner_pid: 1,
                main_pid: 2,
            },
            Event::Outcome(Outcome::Counter {
                expected: 400,
                actual: 321,
                locked: false,
            }),
        ] {
            app.on_frame(&Frame {
                t_us: 1,
                pid: 2,
                event,
            });
        }
        let f = figures(&app);
        assert_eq!(f[0].value.as_deref(), Some("321"));
        assert_eq!(f[1].value.as_deref(), Some("79"));
        assert_eq!(f[1].tone, Tone::Bad);
    }
}
