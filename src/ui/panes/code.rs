//! The lesson's Python program, highlighted.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

use crate::app::App;
use crate::ui::block;
use crate::ui::theme::Theme;

use super::wrapped;

/// The lesson's Python program, with syntax colours and line numbers.
pub fn code(app: &App, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let lesson = app.current_lesson();
    let title = if app.watch.is_some() {
        lesson.dir.clone()
    } else {
        format!("{}/demo.py", lesson.dir)
    };
    // A wrapped line reads better than a cut one.
    let lines = crate::ui::code::highlight(theme, &lesson.demo_py);
    wrapped(&lines, 0, block(theme, &title), area, buf);
}
