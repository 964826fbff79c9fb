//! The shared memory pane: each cell's value and last writer.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};

use crate::app::App;
use crate::ui::block;
use crate::ui::theme::Theme;

use super::{proc_tag, waiting_list, wrapped};

/// Shared memory cells with their live value and last writer; fresh writes stand out.
pub fn shared(app: &App, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let run = app.shown();
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
    // shared_memory segments: who made, attached, closed and unlinked each, its bytes.
    for (name, seg) in &run.segments {
        let mut spans = vec![Span::styled(
            format!("{name} ({} B)", seg.size),
            theme.title(),
        )];
        let mut who = |label: &str, pids: &mut dyn Iterator<Item = &i32>| {
            let pids: Vec<&crate::state::Proc> = pids.filter_map(|p| run.procs.get(p)).collect();
            if !pids.is_empty() {
                spans.push(Span::styled(format!(" {label} "), theme.dim()));
                for p in pids {
                    spans.push(proc_tag(theme, p));
                }
            }
        };
        who(app.t("created by", "创建者"), &mut seg.created_by.iter());
        who(app.t("attached by", "附加者"), &mut seg.attached.iter());
        who(app.t("closed by", "关闭者"), &mut seg.closed.iter());
        who(
            app.t("unlinked by", "unlink 者"),
            &mut seg.unlinked_by.iter(),
        );
        if seg.leaked {
            spans.push(Span::styled(
                app.t("  LEAK: never unlinked", "  泄漏：从未 unlink"),
                theme.bad(),
            ));
            spans.push(Span::styled(
                if seg.removed_by_proclab {
                    app.t(
                        " (proclab removed it after the run)",
                        "（运行结束后由 proclab 删除）",
                    )
                } else {
                    app.t(
                        " (the resource tracker removed it)",
                        "（由 resource tracker 删除）",
                    )
                },
                theme.dim(),
            ));
        }
        lines.push(Line::from(spans));
        if let Some(values) = &seg.list {
            lines.push(Line::styled(
                format!("  ShareableList([{}])", values.join(", ")),
                theme.good(),
            ));
        }
        if !seg.head.is_empty() {
            lines.push(Line::styled(
                format!(
                    "  {}{}",
                    app.t("read by proclab: ", "proclab 读到："),
                    crate::engine::protocol::words::bytes_preview(&seg.head)
                ),
                theme.dim(),
            ));
        }
    }
    if lines.is_empty() {
        lines.push(Line::styled(
            app.t(
                "shared cells appear when a process writes them",
                "进程写入共享格子后，格子会出现在这里",
            ),
            theme.dim(),
        ));
    }
    lines.push(Line::styled(
        app.t(
            "[w value]: last writer's glyph and the value it wrote",
            "[w 值]：最后写入者的标记和它写入的值",
        ),
        theme.dim(),
    ));
    lines.extend(waiting_list(app, theme));
    wrapped(
        &lines,
        0,
        block(theme, app.t("shared memory", "共享内存")),
        area,
        buf,
    );
}
