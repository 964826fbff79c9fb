//! The lesson's own text, rendered from Markdown.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

use crate::app::App;
use crate::ui::block;
use crate::ui::theme::Theme;

use super::wrapped;

/// The lesson's text, rendered Markdown, scrolled with PgUp/PgDn (unless the step is
/// about the program: then they scroll that).
pub fn text(app: &App, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let lines = crate::ui::markdown::render(theme, app.current_lesson().text(app.lang));
    wrapped(
        &lines,
        app.text_scroll,
        // PgUp/PgDn scroll the program instead on a step about it.
        block(
            theme,
            if app.scrolls_code() {
                app.t("lesson", "课文")
            } else {
                app.t("lesson (PgUp/PgDn)", "课文（PgUp/PgDn）")
            },
        ),
        area,
        buf,
    );
}
