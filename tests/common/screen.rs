//! The app drawn on a test backend, read back as text: one line per row, a wide character
//! once (its second cell is a placeholder the terminal never shows), colours off.

use proclab::app::App;
use proclab::ui::{self, Theme};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

/// The screen `app` draws at `w` x `h`, as text.
pub fn screen(app: &App, w: u16, h: u16) -> String {
    let area = Rect::new(0, 0, w, h);
    let mut buf = Buffer::empty(area);
    let theme = Theme {
        color: false,
        ..Default::default()
    };
    ui::render(app, &theme, area, &mut buf);
    (0..h)
        .map(|y| {
            let mut line = String::new();
            let mut x = 0;
            while x < w {
                let sym = buf[(x, y)].symbol();
                line.push_str(sym);
                x += unicode_width::UnicodeWidthStr::width(sym).max(1) as u16;
            }
            line.trim_end().to_string()
        })
        .collect::<Vec<_>>()
        .join("\n")
}
