//! What the processes printed, wrapped under each line's glyph and PID.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::app::App;
use crate::state::OutKind;
use crate::ui::block;
use crate::ui::theme::Theme;

use super::proc_tag;

/// What each process printed, newest at the bottom.
pub fn output(app: &App, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let run = app.shown();
    let h = area.height.saturating_sub(2) as usize;
    // Long lines wrap under their prefix (glyph and PID), newest at the bottom.
    const PREFIX: usize = 9;
    let text_w = (area.width.saturating_sub(2) as usize)
        .saturating_sub(PREFIX)
        .max(8);
    let mut lines: Vec<Line> = Vec::new();
    for (pid, stream, line) in run.output.iter().rev() {
        if lines.len() >= h {
            break;
        }
        let (tag, style) = match run.procs.get(pid) {
            Some(p) => (proc_tag(theme, p), theme.proc(p)),
            None => (Span::raw("?"), Style::default()),
        };
        let (text_style, line) = match stream {
            OutKind::Stderr => (theme.bad(), line.clone()),
            // proclab's own words, not the program's: marked so they are never taken for
            // something it printed.
            OutKind::Warning => (
                theme.bad().add_modifier(ratatui::style::Modifier::REVERSED),
                format!(
                    "{} {}",
                    app.t("WARNING", "警告"),
                    crate::course::words::warning(line, app.zh())
                ),
            ),
            OutKind::Error => (
                theme.bad().add_modifier(ratatui::style::Modifier::REVERSED),
                format!("ERROR {line}"),
            ),
            OutKind::Stdout => (Style::default(), line.clone()),
        };
        // A program's output is cut where the width ends, as a terminal does; proclab's
        // own words wrap between words.
        let pieces = if matches!(stream, OutKind::Warning | OutKind::Error) {
            wrap_words(&line, text_w)
        } else {
            wrap(&line, text_w)
        };
        let mut entry: Vec<Line> = pieces
            .into_iter()
            .enumerate()
            .map(|(i, piece)| {
                let head = if i == 0 {
                    vec![tag.clone(), Span::styled(format!("{pid:>7} "), style)]
                } else {
                    vec![Span::raw(" ".repeat(PREFIX))]
                };
                let mut spans = head;
                spans.push(Span::styled(piece, text_style));
                Line::from(spans)
            })
            .collect();
        entry.append(&mut lines);
        lines = entry;
    }
    let skip = lines.len().saturating_sub(h);
    let p = Paragraph::new(lines.split_off(skip)).block(block(theme, app.t("output", "输出")));
    crate::ui::drawn::paragraph(&p, area, buf);
}

/// proclab's own words broken to `width` columns by the screen's line breaking rules
/// (between words, and between Chinese characters: a warning in Chinese has no spaces).
fn wrap_words(text: &str, width: usize) -> Vec<String> {
    crate::ui::wrap::wrap(&[Line::raw(text)], width)
        .into_iter()
        .map(|l| l.spans.iter().map(|s| s.content.as_ref()).collect())
        .collect()
}

/// Cut `text` into pieces of at most `width` terminal columns (wide characters count 2).
fn wrap(text: &str, width: usize) -> Vec<String> {
    use unicode_width::UnicodeWidthChar;
    let mut out = vec![String::new()];
    let mut used = 0;
    for c in text.chars() {
        let c = if c == '\t' { ' ' } else { c };
        let w = c.width().unwrap_or(0);
        if used + w > width && used > 0 {
            out.push(String::new());
            used = 0;
        }
        if let Some(last) = out.last_mut() {
            last.push(c);
        }
        used += w;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::wrap;

    #[test]
    fn wrapping_counts_wide_characters_twice() {
        assert_eq!(wrap("abcdef", 4), vec!["abcd", "ef"]);
        assert_eq!(wrap("你好世界", 5), vec!["你好", "世界"]);
        assert_eq!(wrap("", 4), vec![""]);
    }
}
