//! The lesson's own text, rendered from Markdown.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

use crate::app::App;
use crate::ui::block;
use crate::ui::memo::Memo;
use crate::ui::theme::Theme;

use ratatui::text::Line;

/// What identifies a wrapped lesson text: where its source lives, its length, the width
/// it was broken for and the theme it was styled with.
type Key = (usize, usize, u16, Theme);

thread_local! {
    /// The last lesson text drawn, wrapped: drawing is on one thread, the app's.
    static CACHE: Memo<Key, Vec<Line<'static>>> = const { Memo::new() };
}

/// The lesson's text, rendered Markdown, scrolled with PgUp/PgDn (unless the step is
/// about the program: then they scroll that).
pub fn text(app: &App, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let source = app.current_lesson().text(app.lang);
    let width = area.width.saturating_sub(2);
    // Parsing and line-breaking a whole lesson is most of a frame's cost, and the text
    // changes only with the lesson, language, width or theme: done once per change, not
    // four times a second while a run is watched.
    let key = (source.as_ptr() as usize, source.len(), width, *theme);
    let rows = CACHE.with(|m| {
        m.get(key, || {
            let lines = crate::ui::markdown::render(theme, source);
            crate::ui::wrap::wrap(&lines, width as usize)
        })
    });
    // PgUp/PgDn scroll the program instead on a step about it.
    let block = block(
        theme,
        if app.scrolls_code() {
            app.t("lesson", "课文")
        } else {
            app.t("lesson (PgUp/PgDn)", "课文（PgUp/PgDn）")
        },
    );
    // The rows come from the cache's key: it stands for them.
    let drawn = crate::ui::drawn::fingerprint((key, app.text_scroll, &block));
    super::prewrapped(&rows, app.text_scroll as usize, block, (area, drawn), buf);
}
