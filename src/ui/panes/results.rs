//! The GIL lesson's results: wall time per variant.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};

use crate::app::App;
use crate::ui::block;
use crate::ui::theme::Theme;

use super::clip;

/// The GIL comparison: wall time per variant as bars, with the speedup.
pub fn results(app: &App, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let run = app.shown();
    let t = run.timings();
    let max = t.iter().map(|x| x.1).fold(1.0, f64::max);
    let bar_w = area.width.saturating_sub(48).clamp(4, 60) as usize;
    let zh = app.zh();
    // The native demo models the GIL; a Python program runs under the interpreter's own
    // and times itself.
    let mut lines = vec![Line::styled(
        if run.python_run() {
            app.t(
                "wall time as the program printed it, shorter is faster",
                "程序自己打印的墙钟时间，越短越快",
            )
        } else {
            app.t(
                "wall time, shorter is faster; GIL = a model",
                "墙钟时间，越短越快；GIL = 模型",
            )
        },
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
            Span::raw({
                let v = clip(&crate::course::words::name(variant, zh), 20);
                let w = unicode_width::UnicodeWidthStr::width(v.as_str());
                format!("{v}{}", " ".repeat(20usize.saturating_sub(w)))
            }),
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
    if t.iter().any(|x| x.3 > 0.0) {
        // CPU time shows the work was the same; the machine's speed can still vary.
        lines.push(Line::styled(
            app.t(
                "cpu = CPU time of the variant's processes (same work: similar cpu)",
                "cpu = 该方式各进程所用的 CPU 时间（同样的工作：cpu 相近）",
            ),
            theme.dim(),
        ));
    }
    if let Some(phase) = &run.phase
        && run.running()
    {
        lines.push(Line::styled(
            format!(
                "{}{}",
                app.t("now: ", "现在："),
                crate::course::words::name(phase, zh)
            ),
            theme.key(),
        ));
    }
    if t.is_empty() && !run.running() {
        lines.push(Line::styled(
            app.t(
                "press r: four variants run one after another",
                "按 r：四种方式依次运行",
            ),
            theme.dim(),
        ));
    }
    // The bars fit the width; the notes wrap rather than lose their end at the edge.
    super::wrapped(&lines, 0, block(theme, app.t("results", "结果")), area, buf);
}
