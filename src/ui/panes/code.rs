//! The lesson's Python program, highlighted.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

use crate::app::App;
use crate::ui::block;
use crate::ui::theme::Theme;

use ratatui::widgets::{Paragraph, Widget};

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
    let block = block(theme, &title);
    let inner = block.inner(area);
    block.render(area, buf);
    // The gutter of line numbers is 4 columns ("{:>3} " in ui::code::highlight).
    let rows = crate::ui::wrap::wrap_code(&lines, inner.width as usize, 4);
    Paragraph::new(rows).render(inner, buf);
}
