//! The pane chooser (`v`): each pane with its number key, shown or hidden; the step's
//! own pane says it stays while the step is about it.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Widget};

use crate::app::{App, Pane, panes_for};
use crate::ui::{CODE_MIN_WIDTH, Theme, block};

/// What a pane is, for the chooser, in the screen's language.
fn what(app: &App, p: Pane) -> &'static str {
    match p {
        Pane::Demo => app.t("the lesson's own pane", "本课的窗格"),
        Pane::Text => app.t("lesson text", "课文"),
        Pane::Code => app.t("Python program", "Python 程序"),
        Pane::Tree => app.t("process tree", "进程树"),
        Pane::Cores => app.t("cores", "CPU 核心"),
        Pane::Output => app.t("output", "输出"),
        Pane::Timeline => app.t("timeline", "时间线"),
    }
}

/// Draw the chooser over the screen, near its top left corner.
pub fn chooser(app: &App, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let panes = panes_for(app.demo());
    let mut lines = Vec::new();
    for (i, p) in panes.iter().enumerate() {
        let hidden = app.is_hidden(*p);
        let mut spans = vec![
            Span::styled(format!(" {} ", i + 1), theme.key()),
            if hidden {
                Span::styled(app.t("[ ] ", "[ ] "), theme.dim())
            } else {
                Span::styled("[x] ", theme.good())
            },
            Span::raw(what(app, *p)),
        ];
        if hidden && app.pane_shown(*p) {
            spans.push(Span::styled(
                app.t(
                    "  (shown: the step is about it)",
                    "  （仍显示：本步讲的就是它）",
                ),
                theme.key(),
            ));
        } else if matches!(p, Pane::Text | Pane::Code) && area.width < CODE_MIN_WIDTH {
            spans.push(Span::styled(
                if app.zh() {
                    format!("  （{CODE_MIN_WIDTH} 列起）")
                } else {
                    format!("  (from {CODE_MIN_WIDTH} columns)")
                },
                theme.dim(),
            ));
        } else if *p == Pane::Timeline && area.height < 30 {
            spans.push(Span::styled(
                app.t("  (from 30 rows)", "  （30 行起）"),
                theme.dim(),
            ));
        }
        lines.push(Line::from(spans));
    }
    if app.present {
        lines.push(Line::styled(
            app.t(
                " presenter mode shows one pane: F leaves it",
                " 演示模式只显示一个窗格：按 F 退出",
            ),
            theme.dim(),
        ));
    }
    let w = 60.min(area.width);
    let h = (lines.len() as u16 + 2).min(area.height);
    let r = Rect::new(
        area.x + 2.min(area.width - w),
        area.y + 2.min(area.height - h),
        w,
        h,
    );
    Clear.render(r, buf);
    let title = if app.zh() {
        format!("窗格：1-{} 隐藏/显示，v 或 Esc 关闭", panes.len())
    } else {
        format!("panes: 1-{} hide/show, v or Esc closes", panes.len())
    };
    crate::ui::panes::wrapped(&lines, 0, block(theme, &title), r, buf);
}
