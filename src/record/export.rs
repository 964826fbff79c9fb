//! Screens for handouts: a drawn screen (a ratatui [`Buffer`]) as an SVG with its text as
//! text and its colours kept, or as one frame of an asciicast v2 recording (a JSON header
//! line, then `[time, "o", data]` lines) that asciinema's player and GIF tools read.

use std::fmt::Write as _;

use ratatui::buffer::Buffer;
use ratatui::style::{Color, Modifier};

/// Pixels per column and per row of the SVG (a monospace font at 14 px is 0.6 em wide).
const CELL_W: f64 = 8.4;
const CELL_H: f64 = 17.0;
const FONT_PX: f64 = 14.0;
/// The terminal's own colours in the SVG: a dark screen, as most projectors show best.
const BACKGROUND: &str = "#1c1c1c";
const FOREGROUND: &str = "#d0d0d0";

/// The hex colour an SVG uses for a terminal colour (`None` for the default).
fn hex(c: Color) -> Option<String> {
    let named = |s: &str| Some(s.to_string());
    match c {
        Color::Reset => None,
        Color::Black => named("#000000"),
        Color::Red => named("#d75f5f"),
        Color::Green => named("#87af5f"),
        Color::Yellow => named("#d7af5f"),
        Color::Blue => named("#5f87d7"),
        Color::Magenta => named("#af87d7"),
        Color::Cyan => named("#5fafaf"),
        Color::Gray => named("#bcbcbc"),
        Color::DarkGray => named("#767676"),
        Color::LightRed => named("#ff8787"),
        Color::LightGreen => named("#afd787"),
        Color::LightYellow => named("#ffd787"),
        Color::LightBlue => named("#87afff"),
        Color::LightMagenta => named("#d7afff"),
        Color::LightCyan => named("#87d7d7"),
        Color::White => named("#ffffff"),
        Color::Rgb(r, g, b) => Some(format!("#{r:02x}{g:02x}{b:02x}")),
        Color::Indexed(i) => Some(indexed(i)),
    }
}

/// xterm's 256-colour table.
fn indexed(i: u8) -> String {
    const BASE: [&str; 16] = [
        "#000000", "#cd0000", "#00cd00", "#cdcd00", "#0000ee", "#cd00cd", "#00cdcd", "#e5e5e5",
        "#7f7f7f", "#ff0000", "#00ff00", "#ffff00", "#5c5cff", "#ff00ff", "#00ffff", "#ffffff",
    ];
    match i {
        0..16 => BASE[i as usize].to_string(),
        16..232 => {
            let n = i - 16;
            let level = |v: u8| if v == 0 { 0 } else { 55 + v * 40 };
            format!(
                "#{:02x}{:02x}{:02x}",
                level(n / 36),
                level((n / 6) % 6),
                level(n % 6)
            )
        }
        _ => {
            let v = 8 + (i - 232) * 10;
            format!("#{v:02x}{v:02x}{v:02x}")
        }
    }
}

fn xml_escape(s: &str, out: &mut String) {
    for ch in s.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Control characters are not allowed in XML; the screen never means them.
            c if (c as u32) < 0x20 => out.push(' '),
            c => out.push(c),
        }
    }
}

/// One cell's look, as the SVG draws it.
#[derive(Clone, PartialEq)]
struct Look {
    fg: Option<String>,
    bg: Option<String>,
    bold: bool,
    dim: bool,
    italic: bool,
    underline: bool,
}

fn look(cell: &ratatui::buffer::Cell) -> Look {
    let (mut fg, mut bg) = (hex(cell.fg), hex(cell.bg));
    if cell.modifier.contains(Modifier::REVERSED) {
        let f = fg.take().unwrap_or_else(|| FOREGROUND.to_string());
        let b = bg.take().unwrap_or_else(|| BACKGROUND.to_string());
        fg = Some(b);
        bg = Some(f);
    }
    Look {
        fg,
        bg,
        bold: cell.modifier.contains(Modifier::BOLD),
        dim: cell.modifier.contains(Modifier::DIM),
        italic: cell.modifier.contains(Modifier::ITALIC),
        underline: cell.modifier.contains(Modifier::UNDERLINED),
    }
}

/// The screen as an SVG document: a background, a rectangle per coloured stretch, and the
/// text as `<text>` runs placed on the cell grid (so it can be searched and copied).
pub fn svg(buf: &Buffer, title: &str) -> String {
    let area = buf.area;
    let (w, h) = (area.width as f64 * CELL_W, area.height as f64 * CELL_H);
    let mut out = String::new();
    let _ = write!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w:.0}" height="{h:.0}" viewBox="0 0 {w:.1} {h:.1}" font-family="'DejaVu Sans Mono', 'Noto Sans Mono CJK SC', 'Noto Sans Mono', Menlo, Consolas, monospace" font-size="{FONT_PX}">"#
    );
    out.push_str("\n<title>");
    xml_escape(title, &mut out);
    out.push_str("</title>\n");
    let _ = writeln!(
        out,
        r#"<rect width="100%" height="100%" fill="{BACKGROUND}"/>"#
    );
    for y in 0..area.height {
        // Runs of cells that look the same, with the columns they cover.
        let mut runs: Vec<(u16, u16, Look, String)> = Vec::new();
        let mut x = 0;
        while x < area.width {
            let cell = &buf[(area.x + x, area.y + y)];
            let sym = cell.symbol();
            let cols = unicode_width::UnicodeWidthStr::width(sym).max(1) as u16;
            let l = look(cell);
            match runs.last_mut() {
                Some((_, n, prev, text)) if *prev == l => {
                    *n += cols;
                    text.push_str(sym);
                }
                _ => runs.push((x, cols, l, sym.to_string())),
            }
            x += cols;
        }
        let top = y as f64 * CELL_H;
        for (x0, n, l, _) in &runs {
            if let Some(bg) = &l.bg {
                let _ = writeln!(
                    out,
                    r#"<rect x="{:.1}" y="{top:.1}" width="{:.1}" height="{CELL_H:.1}" fill="{bg}"/>"#,
                    *x0 as f64 * CELL_W,
                    *n as f64 * CELL_W
                );
            }
        }
        for (x0, _, l, text) in runs {
            let trimmed = text.trim_end();
            if trimmed.trim_start().is_empty() {
                continue;
            }
            // Leading blanks become an offset, so every run starts on its own cell.
            let lead = text.len() - text.trim_start_matches(' ').len();
            let body = trimmed.trim_start_matches(' ');
            let cols = unicode_width::UnicodeWidthStr::width(body) as f64;
            let _ = write!(
                out,
                r#"<text x="{:.1}" y="{:.1}" textLength="{:.1}" lengthAdjust="spacingAndGlyphs" fill="{}""#,
                (x0 as usize + lead) as f64 * CELL_W,
                top + CELL_H * 0.78,
                cols * CELL_W,
                l.fg.as_deref().unwrap_or(FOREGROUND)
            );
            if l.bold {
                out.push_str(r#" font-weight="bold""#);
            }
            if l.dim {
                out.push_str(r#" fill-opacity="0.6""#);
            }
            if l.italic {
                out.push_str(r#" font-style="italic""#);
            }
            if l.underline {
                out.push_str(r#" text-decoration="underline""#);
            }
            out.push_str(r#" xml:space="preserve">"#);
            xml_escape(body, &mut out);
            out.push_str("</text>\n");
        }
    }
    out.push_str("</svg>\n");
    out
}

/// The asciicast v2 header line for a screen of this size.
pub fn cast_header(width: u16, height: u16, title: &str, unix_s: u64) -> String {
    serde_json::json!({
        "version": 2,
        "width": width,
        "height": height,
        "timestamp": unix_s,
        "title": title,
        "env": {"TERM": "xterm-256color", "SHELL": "/bin/sh"},
    })
    .to_string()
}

/// One asciicast output event at `secs` drawing `buf`: the whole screen the first time,
/// then only the rows that changed since `prev`. None when nothing changed.
pub fn cast_frame(prev: Option<&Buffer>, buf: &Buffer, secs: f64) -> Option<String> {
    let area = buf.area;
    let mut data = String::new();
    if prev.is_none() {
        // Hide the cursor, clear, home.
        data.push_str("\x1b[?25l\x1b[0m\x1b[2J\x1b[H");
    }
    for y in 0..area.height {
        let changed = prev.is_none_or(|p| {
            p.area != area
                || (0..area.width)
                    .any(|x| p[(area.x + x, area.y + y)] != buf[(area.x + x, area.y + y)])
        });
        if !changed {
            continue;
        }
        let _ = write!(data, "\x1b[{};1H", y + 1);
        let mut last: Option<String> = None;
        let mut x = 0;
        while x < area.width {
            let cell = &buf[(area.x + x, area.y + y)];
            let sgr = sgr(cell);
            if last.as_ref() != Some(&sgr) {
                data.push_str(&sgr);
                last = Some(sgr);
            }
            let sym = cell.symbol();
            data.push_str(if sym.is_empty() { " " } else { sym });
            x += unicode_width::UnicodeWidthStr::width(sym).max(1) as u16;
        }
        data.push_str("\x1b[0m");
    }
    if prev.is_some() && data.is_empty() {
        return None;
    }
    Some(serde_json::json!([(secs * 1e6).round() / 1e6, "o", data]).to_string())
}

/// The escape sequence that sets a cell's look.
fn sgr(cell: &ratatui::buffer::Cell) -> String {
    let mut codes = vec!["0".to_string()];
    let m = cell.modifier;
    for (flag, code) in [
        (Modifier::BOLD, "1"),
        (Modifier::DIM, "2"),
        (Modifier::ITALIC, "3"),
        (Modifier::UNDERLINED, "4"),
        (Modifier::REVERSED, "7"),
    ] {
        if m.contains(flag) {
            codes.push(code.into());
        }
    }
    if let Some(c) = ansi(cell.fg, false) {
        codes.push(c);
    }
    if let Some(c) = ansi(cell.bg, true) {
        codes.push(c);
    }
    format!("\x1b[{}m", codes.join(";"))
}

fn ansi(c: Color, bg: bool) -> Option<String> {
    let base = if bg { 40 } else { 30 };
    let bright = if bg { 100 } else { 90 };
    let ext = if bg { 48 } else { 38 };
    Some(match c {
        Color::Reset => return None,
        Color::Black => base.to_string(),
        Color::Red => (base + 1).to_string(),
        Color::Green => (base + 2).to_string(),
        Color::Yellow => (base + 3).to_string(),
        Color::Blue => (base + 4).to_string(),
        Color::Magenta => (base + 5).to_string(),
        Color::Cyan => (base + 6).to_string(),
        Color::Gray => (base + 7).to_string(),
        Color::DarkGray => bright.to_string(),
        Color::LightRed => (bright + 1).to_string(),
        Color::LightGreen => (bright + 2).to_string(),
        Color::LightYellow => (bright + 3).to_string(),
        Color::LightBlue => (bright + 4).to_string(),
        Color::LightMagenta => (bright + 5).to_string(),
        Color::LightCyan => (bright + 6).to_string(),
        Color::White => (bright + 7).to_string(),
        Color::Indexed(i) => format!("{ext};5;{i}"),
        Color::Rgb(r, g, b) => format!("{ext};2;{r};{g};{b}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::layout::Rect;
    use ratatui::style::Style;

    fn screen() -> Buffer {
        let mut b = Buffer::empty(Rect::new(0, 0, 20, 3));
        b.set_string(0, 0, "lock: <held> & 你好", Style::default().fg(Color::Red));
        b.set_string(2, 1, "B", Style::default().add_modifier(Modifier::REVERSED));
        b
    }

    #[test]
    fn the_svg_keeps_the_text_escaped_and_the_colours() {
        let s = svg(&screen(), "a <title>");
        assert!(s.starts_with("<svg"), "{s}");
        assert!(s.contains("lock: &lt;held&gt; &amp; 你好"), "{s}");
        assert!(s.contains("#d75f5f"), "red stays red: {s}");
        assert!(s.contains("a &lt;title&gt;"));
        // The reversed cell: its own background rectangle, at column 2.
        assert!(
            s.contains(&format!(r#"<rect x="{:.1}""#, 2.0 * CELL_W)),
            "{s}"
        );
        assert_eq!(s.matches("<text").count(), 2, "{s}");
    }

    #[test]
    fn cast_frames_draw_the_screen_then_only_what_changed() {
        let a = screen();
        let first = cast_frame(None, &a, 0.0).expect("a first frame");
        let v: serde_json::Value = serde_json::from_str(&first).expect("json");
        assert_eq!(v[1], "o");
        let data = v[2].as_str().expect("data");
        assert!(data.contains("lock: <held>"), "{data}");
        assert!(data.contains("\u{1b}[0;31m"), "red: {data:?}");
        assert_eq!(cast_frame(Some(&a), &a, 0.5), None, "nothing changed");
        let mut b = a.clone();
        b.set_string(0, 2, "done", Style::default());
        let next = cast_frame(Some(&a), &b, 0.5).expect("a change");
        assert!(
            next.contains("\\u001b[3;1H") && !next.contains("held"),
            "{next}"
        );
        let head: serde_json::Value =
            serde_json::from_str(&cast_header(20, 3, "t", 0)).expect("json");
        assert_eq!(head["version"], 2);
        assert_eq!(head["width"], 20);
    }
}
