//! The Manager pane: the server process and the race on its proxied dict.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use crate::app::App;
use crate::engine::protocol::{Outcome, Role};
use crate::ui::block;
use crate::ui::theme::Theme;

use super::lock::{counter_lines, lock_lines, param};
use super::{proc_tag, waiting_list, wrapped};

/// Manager lesson: the server process, the proxied dict and the race on it.
pub fn manager(app: &App, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let run = app.shown();
    let mut lines = waiting_list(app, theme);
    // The Manager's own server: Python also starts a resource tracker and, under
    // forkserver, a fork server, which are servers of another kind.
    let server = run.rows().into_iter().find(|p| {
        p.role == Role::Server && !matches!(p.label.as_str(), "resource_tracker" | "forkserver")
    });
    lines.push(match server {
        Some(p) => Line::from(vec![
            Span::raw(app.t("server: ", "服务进程：")),
            proc_tag(theme, p),
            Span::styled(format!(" {} ({})", p.label, p.pid), theme.proc(p)),
            Span::styled(
                if p.doing.is_empty() {
                    String::new()
                } else {
                    format!(
                        "  {}{}",
                        app.t("last: ", "最近："),
                        crate::course::words::doing(&p.doing, app.zh())
                    )
                },
                theme.dim(),
            ),
        ]),
        None => Line::styled(
            app.t(
                "server: Manager() starts it when the demo runs",
                "服务进程：演示运行时由 Manager() 启动",
            ),
            theme.dim(),
        ),
    });
    // A program's proxied objects: calls, the last one and by whom, the mean round trip.
    // At full speed the probe reports a sample of the calls: "seen", not "made".
    for (id, p) in run.proxies_in_order() {
        let mut spans = vec![Span::raw(if app.zh() {
            format!(
                "{}：看到 {} 次调用，每次 {:.0} µs",
                run.proxy_called(id),
                p.calls,
                p.mean_rtt_us()
            )
        } else {
            format!(
                "{}: {} calls seen, {:.0} µs each",
                run.proxy_called(id),
                p.calls,
                p.mean_rtt_us()
            )
        })];
        if p.raised > 0 {
            spans.push(Span::styled(
                if app.zh() {
                    format!("，{} 次抛出异常", p.raised)
                } else {
                    format!(", {} raised", p.raised)
                },
                theme.bad(),
            ));
        }
        if let Some((pid, call)) = &p.last
            && let Some(q) = run.procs.get(pid)
        {
            spans.push(Span::styled(app.t("  last ", "  最近 "), theme.dim()));
            spans.push(proc_tag(theme, q));
            spans.push(Span::raw(format!(" {call}")));
        }
        lines.push(Line::from(spans));
    }
    if run.proxies.is_empty() {
        lines.push(Line::styled(
            app.t(
                "d['count'] += c  is  get round trip, then set round trip",
                "d['count'] += c  就是  一次 get 往返，再一次 set 往返",
            ),
            theme.dim(),
        ));
    }
    // A program's Manager lock is a proxy too, listed above with its calls: the native
    // lock's lines would say it was never taken.
    if !(run.python_run() && run.locks.is_empty() && run.sync.is_empty()) {
        lines.extend(lock_lines(app, theme));
    }
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
        lines.push(Line::raw(if app.zh() {
            format!(
                "{round_trips} 次往返，每次 {proxy_us:.1} µs；对 Value 执行 v.value += 1：{value_us:.2} µs"
            )
        } else {
            format!(
                "{round_trips} round trips, {proxy_us:.1} µs each; v.value += 1 on a Value: {value_us:.2} µs"
            )
        }));
    }
    wrapped(
        &lines,
        0,
        block(theme, app.t("manager", "管理器")),
        area,
        buf,
    );
}
