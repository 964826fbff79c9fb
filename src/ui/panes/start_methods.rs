//! The start methods pane: each child's method, parent, start time and what it saw.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};

use crate::app::App;
use crate::ui::block;
use crate::ui::theme::Theme;

use super::{proc_tag, waiting_list, wrapped};

/// Start methods lesson: each child's method, parent, start time and what it saw.
pub fn start_methods(app: &App, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let run = app.shown();
    let mut lines = waiting_list(app, theme);
    let zh = app.zh();
    lines.push(Line::styled(
        if zh {
            // Chinese heads are two columns a character: padded by hand.
            "  方式         pid  ppid 父进程       启动  CONFIG".to_string()
        } else {
            format!(
                "  {:<10}{:>6}{:>6} {:<10}{:>7}  CONFIG",
                "method", "pid", "ppid", "parent", "start"
            )
        },
        theme.title(),
    ));
    // Each native child reports its own row; a Python program's are what the probe saw.
    let rows = run.start_rows();
    let python = run.python_run();
    if !rows.is_empty() {
        for r in &rows {
            let p = run.procs.get(&r.pid);
            let style = p.map_or(Style::default(), |p| theme.proc(p));
            let mut spans = vec![match p {
                Some(p) => proc_tag(theme, p),
                None => Span::raw(" "),
            }];
            spans.push(Span::styled(
                format!(
                    " {:<10}{:>6}{:>6} {:<10} {:>6}  ",
                    r.method,
                    r.pid,
                    r.ppid,
                    if zh && r.parent == "main" {
                        "主进程  "
                    } else {
                        &r.parent
                    },
                    short_time(r.latency_us)
                ),
                style,
            ));
            // "changed by main" or "default": one word is enough in the table. A
            // program's child that printed no CONFIG has none to show.
            let (word, st) = if r.config.is_empty() {
                ("-", theme.dim())
            } else if r.config == "default" {
                (app.t("default", "默认"), theme.dim())
            } else {
                (app.t("changed", "已改变"), theme.key())
            };
            spans.push(Span::styled(word, st));
            lines.push(Line::from(spans));
        }
        lines.push(Line::styled(
            app.t(
                "CONFIG: changed = saw main's run-time change; default = a fresh image",
                "CONFIG：已改变 = 看到了主进程运行时的修改；默认 = 全新的映像",
            ),
            theme.dim(),
        ));
        lines.push(Line::styled(
            if python {
                app.t(
                    "start: from the parent's start() to the child's own code, as the probe timed it (its own loading included); CONFIG: as the child printed it",
                    "启动：从父进程调用 start() 到子进程开始运行自己的代码，由探针计时（含探针自身的加载）；CONFIG：子进程自己打印的值",
                )
            } else {
                app.t(
                    "CPython's spawn and forkserver also start a resource_tracker; this native demo has nothing to track",
                    "CPython 的 spawn 和 forkserver 还会启动一个 resource_tracker；这个内置演示没有需要跟踪的资源",
                )
            },
            theme.dim(),
        ));
    } else if run.running() {
        lines.push(Line::styled(
            app.t(
                "children are starting: see the process tree",
                "子进程正在启动：请看进程树",
            ),
            theme.dim(),
        ));
    } else {
        lines.push(Line::styled(
            app.t(
                "press r: children start under fork, spawn and forkserver",
                "按 r：子进程分别用 fork、spawn 和 forkserver 启动",
            ),
            theme.dim(),
        ));
    }
    wrapped(
        &lines,
        0,
        block(theme, app.t("start methods", "启动方式")),
        area,
        buf,
    );
}

/// A start time in at most six columns, so a ten-letter parent ("forkserver") keeps a
/// space before it: "0.5ms", "10.2ms", "365ms", "1.24s" (a Python spawn on a loaded
/// machine takes seconds).
fn short_time(us: u64) -> String {
    let ms = us as f64 / 1000.0;
    match ms {
        m if m < 99.95 => format!("{m:.1}ms"),
        m if m < 999.5 => format!("{m:.0}ms"),
        m if m < 9995.0 => format!("{:.2}s", m / 1000.0),
        m => format!("{:.1}s", m / 1000.0),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn start_times_fit_six_columns() {
        for (us, want) in [
            (500, "0.5ms"),
            (10_240, "10.2ms"),
            (365_600, "366ms"),
            (1_240_000, "1.24s"),
            (12_300_000, "12.3s"),
        ] {
            assert_eq!(super::short_time(us), want);
            assert!(want.len() <= 6);
        }
    }
}
