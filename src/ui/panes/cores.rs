//! The cores: load per core and which of the demo's processes last ran on each.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget};

use crate::app::App;
use crate::state::Proc;
use crate::ui::block;
use crate::ui::theme::Theme;

use super::proc_tag;

/// Per-core load with the demo's busy processes as markers on the core they last ran on.
pub fn cores(app: &App, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let run = app.shown();
    let inner_h = area.height.saturating_sub(2) as usize;
    let inner_w = area.width.saturating_sub(2) as usize;
    let n = run.cores.len();
    // Who burns which core, computed once (row order, live processes only). A process
    // the last sample found asleep and idle is not drawn beside a core's load: that load
    // is someone else's, and the marker would claim it.
    let mut on_core: Vec<Vec<&Proc>> = vec![Vec::new(); n];
    for p in run.rows() {
        let busy = p.state == 'R' || p.cpu >= 1.0;
        if busy && p.exit.is_none() && p.core >= 0 && (p.core as usize) < n {
            on_core[p.core as usize].push(p);
        }
    }
    let mut lines = Vec::new();
    if n == 0 {
        // The only line of an empty pane: wrapped below, never cut at the edge.
        lines.push(Line::styled(
            app.t(
                "samples arrive every 250 ms while a demo runs",
                "演示运行时每 250 ms 采样一次",
            ),
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
        format!("{} ({n})", app.t("cores", "CPU 核"))
    } else {
        format!(
            "{} ({n}){}",
            app.t("cores", "CPU 核"),
            app.t(": last sample", "：最后一次采样")
        )
    };
    // Too narrow for the note: the count alone rather than a cut word.
    let title = if unicode_width::UnicodeWidthStr::width(title.as_str()) + 2 > inner_w {
        format!("{} ({n})", app.t("cores", "CPU 核"))
    } else {
        title
    };
    if n == 0 {
        super::wrapped(&lines, 0, block(theme, &title), area, buf);
    } else {
        Paragraph::new(lines)
            .block(block(theme, &title))
            .render(area, buf);
    }
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
