//! Breaking styled lines to a width, by the Unicode line breaking rules (UAX #14, the
//! `unicode-linebreak` crate): between words, and between Chinese characters, which have
//! no spaces between them. Widths are terminal columns (`unicode-width`: a Chinese
//! character takes two). Nothing is cut: a piece wider than the whole width is split
//! between characters. A list item (or any indented line) wraps under its own text.

use ratatui::style::Style;
use ratatui::text::{Line, Span};
use unicode_linebreak::{BreakOpportunity, linebreaks};
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// `lines` broken to at most `width` columns each.
pub fn wrap(lines: &[Line<'_>], width: usize) -> Vec<Line<'static>> {
    wrap_with(lines, width, hanging_indent)
}

/// Program lines after a gutter of `gutter` columns (line numbers): a long line goes on
/// under its own code, past the gutter and the line's own indentation.
pub fn wrap_code(lines: &[Line<'_>], width: usize, gutter: usize) -> Vec<Line<'static>> {
    wrap_with(lines, width, |text| {
        let code = text.get(gutter..).unwrap_or("");
        gutter + code.len() - code.trim_start_matches(' ').len()
    })
}

/// `lines` broken to `width`, each continuation indented by `indent(line's text)`.
fn wrap_with(
    lines: &[Line<'_>],
    width: usize,
    indent: impl Fn(&str) -> usize,
) -> Vec<Line<'static>> {
    let width = width.max(1);
    let mut out = Vec::new();
    for line in lines {
        wrap_line(line, width, &indent, &mut out);
    }
    out
}

/// The text of a line and where each of its spans starts in it.
struct Flat {
    text: String,
    /// (start byte, style) of each span, in order.
    styles: Vec<(usize, Style)>,
}

impl Flat {
    fn of(line: &Line<'_>) -> Flat {
        let mut text = String::new();
        let mut styles = Vec::new();
        for s in &line.spans {
            styles.push((text.len(), line.style.patch(s.style)));
            text.push_str(&s.content);
        }
        Flat { text, styles }
    }

    /// The spans covering bytes `start..end`, each piece in its own style.
    fn spans(&self, start: usize, end: usize) -> Vec<Span<'static>> {
        let mut out = Vec::new();
        for (i, (from, style)) in self.styles.iter().enumerate() {
            let to = self.styles.get(i + 1).map_or(self.text.len(), |s| s.0);
            let (a, b) = (start.max(*from), end.min(to));
            if a < b {
                out.push(Span::styled(self.text[a..b].to_string(), *style));
            }
        }
        out
    }
}

/// The columns a wrapped line's continuation is indented by: its leading spaces and its
/// list marker ("- ", "* ", "12. "), so an item's later lines stand under its text.
fn hanging_indent(text: &str) -> usize {
    let spaces = text.len() - text.trim_start_matches(' ').len();
    let rest = &text[spaces..];
    let marker = if rest.starts_with("- ") || rest.starts_with("* ") {
        2
    } else {
        let digits = rest.len() - rest.trim_start_matches(|c: char| c.is_ascii_digit()).len();
        if digits > 0 && rest[digits..].starts_with(". ") {
            digits + 2
        } else {
            0
        }
    };
    spaces + marker
}

fn wrap_line(
    line: &Line<'_>,
    width: usize,
    indent_of: &impl Fn(&str) -> usize,
    out: &mut Vec<Line<'static>>,
) {
    let flat = Flat::of(line);
    let text = flat.text.as_str();
    if text.width() <= width {
        out.push(Line::from(flat.spans(0, text.len())).style(line.style));
        return;
    }
    // An indent that would leave less than half the width is not kept.
    let indent = Some(indent_of(text))
        .filter(|i| *i * 2 <= width)
        .unwrap_or(0);
    // The pieces between break opportunities: each ends where a break is allowed.
    let mut pieces = Vec::new();
    let mut from = 0;
    for (at, kind) in linebreaks(text) {
        if at > from {
            pieces.push((
                from,
                at,
                kind == BreakOpportunity::Mandatory && at < text.len(),
            ));
        }
        from = at;
    }
    let mut rows: Vec<(usize, usize)> = Vec::new();
    let mut start = 0;
    let mut end = 0;
    let mut used = 0;
    let room = |rows: &Vec<(usize, usize)>| {
        if rows.is_empty() {
            width
        } else {
            width - indent
        }
    };
    for (a, b, hard) in pieces {
        let piece = &text[a..b];
        // Spaces at the end of a piece may hang past the edge: they are not drawn.
        let visible = piece.trim_end().width();
        if used > 0 && used + visible > room(&rows) {
            rows.push((start, end));
            start = a;
            used = 0;
        }
        // A piece wider than a whole row (a long word, a path): split between characters.
        if used == 0 && visible > room(&rows) {
            let mut cut = a;
            for (i, c) in piece.char_indices() {
                let w = c.width().unwrap_or(0);
                if used + w > room(&rows) && used > 0 {
                    rows.push((start, a + i));
                    start = a + i;
                    used = 0;
                }
                used += w;
                cut = a + i + c.len_utf8();
            }
            end = cut;
            used = text[start..end].trim_end().width();
        } else {
            end = b;
            used += piece.width();
        }
        if hard {
            rows.push((start, end));
            start = end;
            used = 0;
        }
    }
    if start < text.len() || rows.is_empty() {
        rows.push((start, text.len()));
    }
    for (i, (a, b)) in rows.into_iter().enumerate() {
        let row = text[a..b].trim_end_matches([' ', '\n', '\r']);
        let mut spans = Vec::new();
        if i > 0 && indent > 0 {
            spans.push(Span::raw(" ".repeat(indent)));
        }
        spans.extend(flat.spans(a, a + row.len()));
        out.push(Line::from(spans).style(line.style));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(lines: &[Line]) -> Vec<String> {
        lines.iter().map(|l| l.to_string()).collect()
    }

    #[test]
    fn chinese_breaks_between_characters_and_loses_nothing() {
        let para = "多个进程各自有独立的内存，所以一个进程改变的全局变量，另一个进程看不到。要共享数据，请用队列、管道或共享内存。";
        for width in [7, 10, 13, 20, 31] {
            let out = rows(&wrap(&[Line::raw(para)], width));
            assert!(out.len() > 1, "width {width}: wrapped");
            for r in &out {
                assert!(
                    r.width() <= width,
                    "width {width}: {r:?} is {} wide",
                    r.width()
                );
            }
            assert_eq!(
                out.concat(),
                para,
                "width {width}: every character kept, in order"
            );
            // Filled between characters, not only at punctuation: each row but the last
            // leaves less room than one more character (plus a punctuation mark that
            // may not start a line).
            for r in &out[..out.len() - 1] {
                assert!(r.width() + 4 >= width, "width {width}: {r:?} is short");
            }
        }
        // The rules of line breaking: a closing mark never starts a line.
        let out = rows(&wrap(&[Line::raw(para)], 10));
        assert!(
            out.iter()
                .all(|r| !r.starts_with('，') && !r.starts_with('。'))
        );
    }

    #[test]
    fn english_breaks_between_words() {
        let out = rows(&wrap(&[Line::raw("the quick brown fox jumps")], 11));
        assert_eq!(out, vec!["the quick", "brown fox", "jumps"]);
    }

    #[test]
    fn a_list_item_wraps_under_its_text() {
        let item = Line::from(vec![
            Span::raw("  - "),
            Span::raw("一个很长的列表项，它的后续行应当和文字对齐而不是和横线对齐"),
        ]);
        let out = rows(&wrap(&[item], 20));
        assert!(out.len() > 2);
        assert!(out[0].starts_with("  - 一"));
        for r in &out[1..] {
            assert!(r.starts_with("    ") && !r.starts_with("     "), "{r:?}");
            assert!(r.width() <= 20);
        }
        let numbered = rows(&wrap(&[Line::raw("  12. alpha beta gamma delta")], 17));
        assert_eq!(numbered, vec!["  12. alpha beta", "      gamma delta"]);
    }

    #[test]
    fn a_program_line_wraps_under_its_code_past_the_line_number() {
        let line = Line::raw("  8     time.sleep(0.05)  # a task that takes a moment");
        let out = rows(&wrap_code(&[line], 40, 4));
        assert_eq!(
            out,
            vec![
                "  8     time.sleep(0.05)  # a task that",
                "        takes a moment"
            ]
        );
    }

    #[test]
    fn a_word_wider_than_the_width_is_split_not_cut() {
        let out = rows(&wrap(&[Line::raw("see /a/very/long/path/name.py now")], 8));
        assert!(out.iter().all(|r| r.width() <= 8));
        assert_eq!(
            out.concat().replace(' ', ""),
            "see/a/very/long/path/name.pynow"
        );
    }

    #[test]
    fn styles_follow_their_text_across_rows() {
        let bold = Style::default().add_modifier(ratatui::style::Modifier::BOLD);
        let line = Line::from(vec![
            Span::raw("plain words "),
            Span::styled("bold words", bold),
        ]);
        let out = wrap(&[line], 12);
        assert_eq!(rows(&out), vec!["plain words", "bold words"]);
        assert_eq!(out[1].spans[0].style, bold);
    }
}
