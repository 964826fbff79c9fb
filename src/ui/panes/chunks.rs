//! The chunksize lesson's pane: for each `pool.map` of the run, its chunks, the messages
//! through the pool's pipes, the tasks each worker ran and the wall time measured.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use crate::app::App;
use crate::engine::protocol::Outcome;
use crate::ui::block;
use crate::ui::theme::Theme;

use super::proc_tag;

/// Each map as a row of figures and a bar of its wall time (longest = full width).
pub fn chunks(app: &App, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let run = app.shown();
    let maps: Vec<&Outcome> = run
        .outcomes
        .iter()
        .filter(|o| matches!(o, Outcome::Chunks { .. }))
        .collect();
    // A Python program's own timing lines ("chunksize=1 0.81 s") when there are no maps.
    let timings = run.timings();
    let longest = maps
        .iter()
        .filter_map(|o| match o {
            Outcome::Chunks { wall_ms, .. } => Some(*wall_ms),
            _ => None,
        })
        .chain(timings.iter().map(|t| t.1))
        .fold(1e-3, f64::max);
    // Room for the figures beside the longest bar.
    let bar_w = area.width.saturating_sub(22).clamp(4, 60) as usize;
    let bar = |ms: f64| "#".repeat(((ms / longest) * bar_w as f64).round().max(1.0) as usize);
    let mut lines = Vec::new();
    for o in maps {
        let Outcome::Chunks {
            chunksize,
            tasks,
            messages,
            per_worker,
            wall_ms,
        } = o
        else {
            continue;
        };
        let zh = app.zh();
        lines.push(Line::styled(
            if zh {
                format!(
                    "chunksize={chunksize}：{tasks} 个任务，分成 {} 块",
                    messages / 2
                )
            } else {
                format!(
                    "chunksize={chunksize}: {tasks} tasks in {} chunks",
                    messages / 2
                )
            },
            theme.title(),
        ));
        lines.push(Line::raw(if zh {
            format!(
                " {messages} 条消息（发出 {} 块任务，收回 {} 块结果）",
                messages / 2,
                messages / 2
            )
        } else {
            format!(
                " {messages} messages ({} tasks out, {} results back)",
                messages / 2,
                messages / 2
            )
        }));
        let mut per = vec![Span::raw(
            app.t(" tasks per worker: ", " 每个工作进程的任务数："),
        )];
        for (pid, k) in per_worker {
            if let Some(p) = run.procs.get(pid) {
                per.push(proc_tag(theme, p));
            }
            per.push(Span::raw(format!(" {k}  ")));
        }
        lines.push(Line::from(per));
        lines.push(Line::from(vec![
            Span::styled(bar(*wall_ms), theme.key()),
            Span::raw(if zh {
                format!(" {wall_ms:.0} ms（实测）")
            } else {
                format!(" {wall_ms:.0} ms (measured)")
            }),
        ]));
    }
    for (variant, wall, ..) in &timings {
        lines.push(Line::raw(if app.zh() {
            format!("{variant}：{wall:.0} ms（实测）")
        } else {
            format!("{variant}: {wall:.0} ms (measured)")
        }));
        lines.push(Line::styled(bar(*wall), theme.key()));
    }
    if let Some(phase) = &run.phase
        && run.running()
    {
        lines.push(Line::styled(
            format!("{}{phase}", app.t("now: ", "现在：")),
            theme.dim(),
        ));
    }
    if lines.is_empty() {
        lines.push(Line::styled(
            app.t(
                "press r: the same tasks with chunksize=1, then map's default",
                "按 r：同样的任务先用 chunksize=1，再用 map 的默认值",
            ),
            theme.dim(),
        ));
    }
    super::wrapped(&lines, 0, block(theme, app.t("chunks", "分块")), area, buf);
}
