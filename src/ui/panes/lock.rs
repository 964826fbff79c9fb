//! The lock pane, and the lock and counter lines the Manager pane shows too.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use crate::app::App;
use crate::ui::block;
use crate::ui::theme::Theme;

use super::{proc_tag, waiting_list, wrapped};

/// The lock: free or held by whom, who waits, and the counter it protects.
pub fn lock(app: &App, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let run = app.shown();
    // In step mode the choice of who moves next matters most: it goes first.
    let mut lines = waiting_list(app, theme);
    lines.extend(lock_lines(app, theme));
    let expected_now = param(run, "workers")
        .zip(param(run, "iterations"))
        .map(|(w, n)| w * n);
    lines.extend(counter_lines(app, theme, "counter", expected_now));
    wrapped(
        &lines,
        0,
        block(
            theme,
            if run.sync.is_empty() {
                app.t("lock", "锁")
            } else {
                app.t("locks and waits", "锁与等待")
            },
        ),
        area,
        buf,
    );
}

/// A numeric run parameter, e.g. workers.
pub(super) fn param(run: &crate::state::RunState, k: &str) -> Option<i64> {
    run.params
        .iter()
        .find(|(key, _)| key == k)
        .and_then(|(_, v)| v.parse::<i64>().ok())
}

/// Who holds each lock, who waits for it, and whether this run uses it. A native demo
/// has one lock; a program may have several, each under its own name.
pub(super) fn lock_lines<'a>(app: &'a App, theme: &Theme) -> Vec<Line<'a>> {
    let run = app.shown();
    let mut lines = Vec::new();
    let none = crate::state::LockView::default();
    // No lock yet: the one the lesson is about, free (a program that uses only Events
    // and the like has none to show).
    let locks: Vec<(&u32, &crate::state::LockView)> =
        match (run.locks.is_empty(), run.sync.is_empty()) {
            (true, true) => vec![(&0, &none)],
            (true, false) => vec![],
            _ => run.locks.iter().collect(),
        };
    let many = locks.len() > 1;
    for (id, l) in &locks {
        // One lock: "lock: free"; several: each by its name (or id).
        let name = match (&l.name, many) {
            (Some(n), _) => n.clone(),
            (None, false) => app.t("lock", "锁").into(),
            (None, true) => format!("{} {id}", app.t("lock", "锁")),
        };
        let mut spans = vec![Span::raw(format!("{name}: "))];
        match l.holder.and_then(|pid| run.procs.get(&pid)) {
            Some(p) => {
                spans.push(Span::raw(app.t("held by ", "持有者 ")));
                spans.push(proc_tag(theme, p));
                spans.push(Span::styled(
                    format!(" {} ({})", p.label, p.pid),
                    theme.proc(p),
                ));
            }
            None => spans.push(Span::styled(app.t("free", "空闲"), theme.good())),
        }
        if many {
            spans.push(Span::styled(
                if app.zh() {
                    format!("  获取 {} 次", l.acquisitions)
                } else {
                    format!("  taken {}x", l.acquisitions)
                },
                theme.dim(),
            ));
            if !l.waiters.is_empty() {
                spans.push(Span::raw(app.t("  waiting: ", "  等待者：")));
            }
        } else {
            lines.push(Line::from(spans));
            spans = vec![Span::raw(app.t("waiting: ", "等待者："))];
            if l.waiters.is_empty() {
                spans.push(Span::styled(app.t("nobody", "无"), theme.dim()));
            }
        }
        for pid in &l.waiters {
            if let Some(p) = run.procs.get(pid) {
                spans.push(proc_tag(theme, p));
                spans.push(Span::raw(" "));
            }
        }
        lines.push(Line::from(spans));
    }
    lines.extend(cycle_lines(run, theme, app.zh()));
    // Events, Semaphores, Barriers, Conditions, joins: what was done last, who waits.
    for (id, s) in &run.sync {
        let mut spans = vec![Span::raw(format!("{}: ", run.sync_called(*id)))];
        match s
            .last
            .as_ref()
            .and_then(|(pid, what)| Some((run.procs.get(pid)?, what)))
        {
            Some((p, what)) => {
                spans.push(Span::styled(
                    if app.zh() {
                        format!("{what}()，由 ")
                    } else {
                        format!("{what}() by ")
                    },
                    theme.dim(),
                ));
                spans.push(proc_tag(theme, p));
            }
            None => spans.push(Span::styled(app.t("untouched", "未被使用"), theme.dim())),
        }
        // A Semaphore's slots: who holds one now, and the most held at once.
        if s.kind == crate::engine::protocol::ObjectKind::Semaphore && s.max_held > 0 {
            spans.push(Span::raw(app.t("  held by: ", "  持有者：")));
            for pid in &s.holders {
                if let Some(p) = run.procs.get(pid) {
                    spans.push(proc_tag(theme, p));
                    spans.push(Span::raw(" "));
                }
            }
            spans.push(Span::styled(
                if app.zh() {
                    format!("（同时最多 {} 个）", s.max_held)
                } else {
                    format!("(at most {} at once)", s.max_held)
                },
                theme.dim(),
            ));
        }
        if !s.waiters.is_empty() {
            spans.push(Span::raw(app.t("  waiting: ", "  等待者：")));
            for pid in &s.waiters {
                if let Some(p) = run.procs.get(pid) {
                    spans.push(proc_tag(theme, p));
                    spans.push(Span::raw(" "));
                }
            }
        }
        lines.push(Line::from(spans));
    }
    let acquisitions: u64 = locks.iter().map(|(_, l)| l.acquisitions).sum();
    // A Python program's locks are its own business: only a native run says "off".
    let locked_run = run
        .params
        .iter()
        .any(|(k, v)| (k == "lock" && v == "true") || k == "runner");
    let every = run
        .params
        .iter()
        .any(|(k, v)| (k == "step" && v == "true") || (k == "tempo_ms" && v != "0"));
    // A program's finished run that never took its one lock: the probe reports the
    // first acquisitions of every process, so none seen is none taken.
    let never_taken = run.python_run() && run.summary.is_some() && acquisitions == 0;
    if locks.len() == 1 && never_taken && !run.locks.is_empty() {
        lines.push(Line::styled(
            app.t(
                "no process took this lock in this run",
                "这次运行中没有进程获取过这把锁",
            ),
            theme.bad(),
        ));
    } else if locks.len() == 1 {
        lines.push(if locked_run || run.params.is_empty() {
            Line::styled(
                match (every, app.zh()) {
                    (true, false) => format!("acquisitions: {acquisitions}"),
                    (true, true) => format!("获取次数：{acquisitions}"),
                    (false, false) => {
                        format!("acquisitions seen: {acquisitions} (sampled at full speed)")
                    }
                    (false, true) => format!("看到的获取次数：{acquisitions}（全速运行时为抽样）"),
                },
                theme.dim(),
            )
        } else {
            Line::styled(
                app.t(
                    "this run does not use the lock: read and write race",
                    "这次运行不用锁：读和写互相竞争",
                ),
                theme.bad(),
            )
        });
    }
    lines
}

/// The counter: live while the run goes, then expected against actual.
pub(super) fn counter_lines<'a>(
    app: &'a App,
    theme: &Theme,
    name: &str,
    expected_now: Option<i64>,
) -> Vec<Line<'a>> {
    let run = app.shown();
    let mut lines = Vec::new();
    let results = run.counters();
    // Each result the run reported, then the counter as it is being written now if
    // those writes have no result yet.
    for &(expected, actual, locked) in &results {
        {
            let lost = expected - actual;
            let zh = app.zh();
            let lock = match (locked, zh) {
                (true, false) => "lock on",
                (false, false) => "lock off",
                (true, true) => "加锁",
                (false, true) => "不加锁",
            };
            lines.push(Line::raw(if zh {
                format!("{name}：{actual}，预期 {expected}")
            } else {
                format!("{name}: {actual} of {expected} expected")
            }));
            lines.push(match (lost > 0, zh) {
                (true, false) => Line::styled(
                    format!(
                        "{lost} update{} LOST ({lock})",
                        if lost == 1 { "" } else { "s" }
                    ),
                    theme.bad(),
                ),
                (true, true) => {
                    Line::styled(format!("丢失了 {lost} 次更新（{lock}）"), theme.bad())
                }
                (false, false) => Line::styled(
                    format!("exact: every update counted ({lock})"),
                    theme.good(),
                ),
                (false, true) => Line::styled(
                    format!("分毫不差：每次更新都计入了（{lock}）"),
                    theme.good(),
                ),
            });
        }
    }
    if results.is_empty() || run.counter_live() {
        {
            if let Some(v) = run.counter_seen {
                lines.push(Line::raw(if app.zh() {
                    format!(
                        "{name} 现在：{v}{}",
                        expected_now.map_or(String::new(), |e| format!("（结束时应为 {e}）"))
                    )
                } else {
                    format!(
                        "{name} now: {v}{}",
                        expected_now
                            .map_or(String::new(), |e| format!(" (expected at the end: {e})"))
                    )
                }));
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
                        if app.zh() {
                            format!(
                                "已加一 {} 次，计数器 {value}：到目前丢失了 {lost} 次更新",
                                run.counter_writes
                            )
                        } else {
                            format!(
                                "{} increments done, counter {value}: {lost} update{} lost so far",
                                run.counter_writes,
                                if lost == 1 { "" } else { "s" }
                            )
                        },
                        theme.bad(),
                    ));
                }
            }
        }
    }
    lines
}

/// The wait-for cycle, drawn when the locks' holders and waiters close one (a deadlock):
/// each process with the lock it holds and the one it waits for, and whose that is.
/// Once broken (a timed acquire gave up), the run still says it had one.
fn cycle_lines<'a>(run: &'a crate::state::RunState, theme: &Theme, zh: bool) -> Vec<Line<'a>> {
    let mut lines = Vec::new();
    let (cycle, now) = match (run.wait_cycle(), &run.deadlock_seen) {
        (Some(c), _) => (c, true),
        (None, Some(c)) => (c.clone(), false),
        (None, None) => return lines,
    };
    let name = |id: u32| {
        run.locks
            .get(&id)
            .and_then(|l| l.name.clone())
            .unwrap_or_else(|| format!("lock {id}"))
    };
    let tag = |pid: i32| match run.procs.get(&pid) {
        Some(p) => proc_tag(theme, p),
        None => Span::raw(pid.to_string()),
    };
    let said = match (now, zh) {
        (true, false) => "DEADLOCK: a wait-for cycle, none of them can go on",
        (true, true) => "死锁：等待形成了环，谁都无法继续",
        (false, false) => "a deadlock was seen (wait-for cycle), then broken:",
        (false, true) => "出现过死锁（等待环），后来被打破：",
    };
    lines.push(Line::styled(said, theme.bad()));
    for (i, w) in cycle.iter().enumerate() {
        // It holds the lock the one before it in the cycle waits for.
        let held = &cycle[(i + cycle.len() - 1) % cycle.len()];
        lines.push(Line::from(vec![
            Span::raw(" "),
            tag(w.pid),
            Span::raw(if zh {
                format!(" 持有 {}，等待 {}（持有者 ", name(held.lock), name(w.lock))
            } else {
                format!(
                    " holds {}, waits for {} (held by ",
                    name(held.lock),
                    name(w.lock)
                )
            }),
            tag(w.holder),
            Span::raw(if zh { "）" } else { ")" }),
        ]));
    }
    let mut round = vec![Span::raw(" ")];
    for w in &cycle {
        round.push(tag(w.pid));
        round.push(Span::raw(" -> "));
    }
    round.push(tag(cycle[0].pid));
    lines.push(Line::from(round));
    lines
}
