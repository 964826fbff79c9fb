//! Just enough Markdown for lesson texts: `#` headings, paragraphs, `-` lists, inline
//! `code`, **bold** and *italic*, and fenced code blocks (Python, highlighted).

use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};

use crate::ui::Theme;

/// Lines ready for a wrapping paragraph: one line per heading, paragraph or list item.
pub fn render(theme: &Theme, md: &str) -> Vec<Line<'static>> {
    let mut out: Vec<Line<'static>> = Vec::new();
    let mut para: Vec<String> = Vec::new();
    let mut fence: Option<Vec<String>> = None;
    let flush = |para: &mut Vec<String>, out: &mut Vec<Line<'static>>| {
        if para.is_empty() {
            return;
        }
        let text = para.join(" ");
        para.clear();
        let (prefix, body) = match text.strip_prefix("- ") {
            Some(rest) => (Some("  - "), rest.to_string()),
            None => (None, text),
        };
        let mut spans = Vec::new();
        if let Some(p) = prefix {
            spans.push(Span::styled(p, theme.key()));
        }
        spans.extend(inline(theme, &body));
        out.push(Line::from(spans));
    };
    for raw in md.lines() {
        let line = raw.trim_end();
        if let Some(code) = &mut fence {
            if line.trim_start().starts_with("```") {
                let src = code.join("\n");
                out.extend(crate::ui::code::highlight_plain(theme, &src));
                fence = None;
            } else {
                code.push(line.to_string());
            }
            continue;
        }
        if line.trim_start().starts_with("```") {
            flush(&mut para, &mut out);
            fence = Some(Vec::new());
            continue;
        }
        if let Some(h) = line.strip_prefix('#') {
            flush(&mut para, &mut out);
            let title = h.trim_start_matches('#').trim().to_string();
            out.push(Line::styled(
                title,
                theme.title().add_modifier(Modifier::UNDERLINED),
            ));
            continue;
        }
        if line.trim().is_empty() {
            flush(&mut para, &mut out);
            out.push(Line::raw(""));
            continue;
        }
        if line.starts_with("- ") {
            flush(&mut para, &mut out);
        }
        para.push(line.trim().to_string());
    }
    flush(&mut para, &mut out);
    if let Some(code) = fence {
        out.extend(crate::ui::code::highlight_plain(theme, &code.join("\n")));
    }
    while out.last().is_some_and(|l| l.width() == 0) {
        out.pop();
    }
    out
}

/// Inline markup: `code`, **bold**, *italic*.
fn inline(theme: &Theme, text: &str) -> Vec<Span<'static>> {
    let mut spans = Vec::new();
    let mut plain = String::new();
    let mut rest = text;
    let push_plain = |plain: &mut String, spans: &mut Vec<Span<'static>>| {
        if !plain.is_empty() {
            spans.push(Span::raw(std::mem::take(plain)));
        }
    };
    while let Some(c) = rest.chars().next() {
        let styled = |marker: &str, style: Style| -> Option<(Span<'static>, usize)> {
            let body = rest.strip_prefix(marker)?;
            let end = body.find(marker)?;
            (end > 0).then(|| {
                (
                    Span::styled(body[..end].to_string(), style),
                    marker.len() * 2 + end,
                )
            })
        };
        let found = if rest.starts_with('`') {
            styled("`", theme.fg(Color::Cyan))
        } else if rest.starts_with("**") {
            styled("**", Style::default().add_modifier(Modifier::BOLD))
        } else if rest.starts_with('*') {
            styled("*", Style::default().add_modifier(Modifier::ITALIC))
        } else {
            None
        };
        match found {
            Some((span, used)) => {
                push_plain(&mut plain, &mut spans);
                spans.push(span);
                rest = &rest[used..];
            }
            None => {
                plain.push(c);
                rest = &rest[c.len_utf8()..];
            }
        }
    }
    push_plain(&mut plain, &mut spans);
    spans
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(lines: &[Line]) -> Vec<String> {
        lines
            .iter()
            .map(|l| l.spans.iter().map(|s| s.content.as_ref()).collect())
            .collect()
    }

    #[test]
    fn headings_paragraphs_lists_and_inline_markup() {
        let theme = Theme { color: false };
        let md = "# Title\n\nOne line\ncontinues here.\n\n- first `code`\n  wraps\n- **second**\n";
        let lines = render(&theme, md);
        assert_eq!(
            text(&lines),
            vec![
                "Title",
                "",
                "One line continues here.",
                "",
                "  - first code wraps",
                "  - second",
            ]
        );
        let bold = &lines[5].spans[1];
        assert!(bold.style.add_modifier.contains(Modifier::BOLD));
    }

    #[test]
    fn an_unclosed_marker_stays_literal() {
        let theme = Theme { color: false };
        assert_eq!(text(&render(&theme, "2 * 3 = 6")), vec!["2 * 3 = 6"]);
    }
}
