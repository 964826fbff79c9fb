//! Big digits as presenter mode draws them, to find them on a screen read back as text.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

/// `text` drawn by the big-digit font the way presenter mode draws it (half-height
/// pixels), row by row, without the blank columns around it.
pub fn big_rows(text: &str) -> Vec<String> {
    use ratatui::widgets::Widget;
    let area = Rect::new(0, 0, text.chars().count() as u16 * 8, 4);
    let mut buf = Buffer::empty(area);
    tui_big_text::BigText::builder()
        .pixel_size(tui_big_text::PixelSize::HalfHeight)
        .lines(vec![text.into()])
        .build()
        .render(area, &mut buf);
    (0..area.height)
        .map(|y| (0..area.width).map(|x| buf[(x, y)].symbol()).collect())
        .collect()
}

/// True when the screen shows `text` in big digits: its rows one under the other.
pub fn shows_big(screen: &str, text: &str) -> bool {
    let big = big_rows(text);
    let lines: Vec<&str> = screen.lines().collect();
    let from = |line: &str, col: usize| line.chars().skip(col).collect::<String>();
    lines.windows(big.len()).any(|w| {
        let width = w[0].chars().count();
        (0..width).any(|col| {
            w.iter()
                .zip(&big)
                .all(|(line, row)| from(line, col).starts_with(row.trim_end()))
        })
    })
}
