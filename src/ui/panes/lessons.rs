//! The lesson list, on wide terminals: every lesson with its progress mark.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::Line;
use ratatui::widgets::Paragraph;

use crate::app::App;
use crate::ui::block;
use crate::ui::theme::Theme;

/// The lesson list with progress marks.
pub fn lessons(app: &App, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let lines: Vec<Line> = (0..app.lessons.len())
        .map(|i| {
            let mark = if app.done.contains(&i) { "✓" } else { " " };
            let text = format!("{mark}{:>2} {}", i + 1, app.title(i));
            if i == app.lesson {
                Line::styled(
                    text,
                    Style::default().add_modifier(Modifier::REVERSED | Modifier::BOLD),
                )
            } else {
                Line::raw(text)
            }
        })
        .collect();
    let list = Paragraph::new(lines).block(block(theme, app.t("lessons", "课程")));
    crate::ui::drawn::paragraph(&list, area, buf);
}
