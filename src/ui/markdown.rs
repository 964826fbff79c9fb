//! Lesson texts from Markdown, parsed by `pulldown-cmark`: headings, paragraphs, lists
//! (nested, bulleted or numbered), inline `code`, **bold** and *italic* in any nesting,
//! and fenced code blocks (highlighted as Python). Each block becomes one long line;
//! [`crate::ui::wrap`] breaks it to the pane's width, list items under their text.

use pulldown_cmark::{Event, HeadingLevel, Options, Parser, Tag, TagEnd};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};

use crate::ui::Theme;

/// Lines ready for [`crate::ui::wrap::wrap`]: one line per heading, paragraph or list item,
/// an empty line between blocks, and the lines of each code block.
pub fn render(theme: &Theme, md: &str) -> Vec<Line<'static>> {
    let mut r = Renderer {
        theme,
        out: Vec::new(),
        line: Vec::new(),
        styles: vec![Style::default()],
        lists: Vec::new(),
        code: None,
    };
    for ev in Parser::new_ext(md, Options::empty()) {
        r.event(ev);
    }
    r.flush();
    while r.out.last().is_some_and(|l| l.width() == 0) {
        r.out.pop();
    }
    r.out
}

struct Renderer<'t> {
    theme: &'t Theme,
    out: Vec<Line<'static>>,
    /// The spans of the block being built.
    line: Vec<Span<'static>>,
    /// Inline styles, innermost last: bold inside a heading, code inside bold...
    styles: Vec<Style>,
    /// The open lists: the next number of a numbered one, `None` for bullets.
    lists: Vec<Option<u64>>,
    /// The source of the fenced code block being read.
    code: Option<String>,
}

impl Renderer<'_> {
    fn style(&self) -> Style {
        self.styles.last().copied().unwrap_or_default()
    }

    fn push_style(&mut self, f: impl FnOnce(Style) -> Style) {
        let s = f(self.style());
        self.styles.push(s);
    }

    fn text(&mut self, t: &str, style: Style) {
        if !t.is_empty() {
            self.line.push(Span::styled(t.to_string(), style));
        }
    }

    /// End the block being built (if any) as one line.
    fn flush(&mut self) {
        if !self.line.is_empty() {
            self.out.push(Line::from(std::mem::take(&mut self.line)));
        }
    }

    /// An empty line between blocks, outside lists (a list's items sit together).
    fn gap(&mut self) {
        if self.lists.is_empty() && self.out.last().is_some_and(|l| l.width() > 0) {
            self.out.push(Line::raw(""));
        }
    }

    /// The last character of the block so far, to join a line break inside a paragraph.
    fn last_char(&self) -> Option<char> {
        self.line.last().and_then(|s| s.content.chars().last())
    }

    fn event(&mut self, ev: Event) {
        match ev {
            Event::Start(Tag::Heading { level, .. }) => {
                self.flush();
                let mut s = self.theme.title();
                if level <= HeadingLevel::H2 {
                    s = s.add_modifier(Modifier::UNDERLINED);
                }
                self.styles.push(s);
            }
            Event::End(TagEnd::Heading(_)) => {
                self.styles.pop();
                self.flush();
                self.gap();
            }
            // Inside a list item the paragraph goes on the item's line.
            Event::Start(Tag::Paragraph) if self.lists.is_empty() => self.flush(),
            Event::End(TagEnd::Paragraph) if self.lists.is_empty() => {
                self.flush();
                self.gap();
            }
            Event::Start(Tag::List(first)) => {
                self.flush();
                self.lists.push(first);
            }
            Event::End(TagEnd::List(_)) => {
                self.flush();
                self.lists.pop();
                self.gap();
            }
            Event::Start(Tag::Item) => {
                self.flush();
                let depth = self.lists.len().saturating_sub(1);
                let marker = match self.lists.last_mut() {
                    Some(Some(n)) => {
                        *n += 1;
                        format!("{}. ", *n - 1)
                    }
                    _ => "- ".to_string(),
                };
                let indent = "  ".repeat(depth + 1);
                self.line
                    .push(Span::styled(format!("{indent}{marker}"), self.theme.key()));
            }
            Event::End(TagEnd::Item) => self.flush(),
            Event::Start(Tag::Emphasis) => self.push_style(|s| s.add_modifier(Modifier::ITALIC)),
            Event::Start(Tag::Strong) => self.push_style(|s| s.add_modifier(Modifier::BOLD)),
            Event::Start(Tag::Strikethrough) => {
                self.push_style(|s| s.add_modifier(Modifier::CROSSED_OUT))
            }
            Event::End(TagEnd::Emphasis | TagEnd::Strong | TagEnd::Strikethrough) => {
                self.styles.pop();
            }
            // A link shows its text; the address is not something a terminal reader follows.
            Event::Start(Tag::Link { .. }) => {
                self.push_style(|s| s.add_modifier(Modifier::UNDERLINED))
            }
            Event::End(TagEnd::Link) => {
                self.styles.pop();
            }
            // Lesson programs are Python, fenced or indented.
            Event::Start(Tag::CodeBlock(_)) => {
                self.flush();
                self.code = Some(String::new());
            }
            Event::End(TagEnd::CodeBlock) => {
                if let Some(src) = self.code.take() {
                    let src = src.strip_suffix('\n').unwrap_or(&src);
                    self.out
                        .extend(crate::ui::code::highlight_plain(self.theme, src));
                }
                self.gap();
            }
            Event::Text(t) => match &mut self.code {
                Some(src) => src.push_str(&t),
                None => {
                    let style = self.style();
                    self.text(&t, style);
                }
            },
            Event::Code(t) => {
                let style = self.style().patch(self.theme.fg(Color::Cyan));
                self.text(&t, style);
            }
            // A line break inside a paragraph: a space between words, nothing between two
            // Chinese characters (which have no spaces between them).
            Event::SoftBreak => {
                if self.last_char().is_some_and(|c| !is_wide(c)) {
                    let style = self.style();
                    self.text(" ", style);
                } else {
                    self.line.push(Span::raw(SOFT_JOIN));
                }
            }
            Event::HardBreak => self.flush(),
            Event::Rule => {
                self.flush();
                self.out.push(Line::styled("――――", self.theme.dim()));
                self.gap();
            }
            Event::Html(t) | Event::InlineHtml(t) => {
                let style = self.style();
                self.text(&t, style);
            }
            _ => {}
        }
        self.resolve_soft_join();
    }

    /// A soft break after a wide character waits for the next text: a space if that text
    /// starts with a narrow character ("中文 and"), nothing if with a wide one ("中文字").
    fn resolve_soft_join(&mut self) {
        let n = self.line.len();
        if n >= 2 && self.line[n - 2].content == SOFT_JOIN {
            let next_wide = self.line[n - 1].content.chars().next().is_some_and(is_wide);
            let style = self.line[n - 1].style;
            self.line[n - 2] = Span::styled(if next_wide { "" } else { " " }, style);
        }
    }
}

/// Stands for a soft break not yet resolved (see [`Renderer::resolve_soft_join`]).
const SOFT_JOIN: &str = "\u{0}";

fn is_wide(c: char) -> bool {
    unicode_width::UnicodeWidthChar::width(c).unwrap_or(0) > 1 || matches!(c, '，' | '。')
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
        let theme = Theme {
            color: false,
            ..Default::default()
        };
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
    fn code_inside_bold_is_bold_code_without_backticks() {
        let theme = Theme {
            color: false,
            ..Default::default()
        };
        let lines = render(&theme, "**call `q.get()` first** then");
        assert_eq!(text(&lines), vec!["call q.get() first then"]);
        let code = lines[0]
            .spans
            .iter()
            .find(|s| s.content == "q.get()")
            .expect("the code is its own span");
        assert!(code.style.add_modifier.contains(Modifier::BOLD));
        assert!(
            lines
                .iter()
                .all(|l| l.spans.iter().all(|s| !s.content.contains('`')))
        );
    }

    #[test]
    fn chinese_lines_of_a_paragraph_join_without_a_space() {
        let theme = Theme {
            color: false,
            ..Default::default()
        };
        let lines = render(&theme, "第一行\n第二行 and\nmore");
        assert_eq!(text(&lines), vec!["第一行第二行 and more"]);
    }

    #[test]
    fn numbered_and_nested_lists_and_code_blocks() {
        let theme = Theme {
            color: false,
            ..Default::default()
        };
        let md = "1. one\n2. two\n   - inner\n\n```python\nx = 1\n```\n";
        assert_eq!(
            text(&render(&theme, md)),
            vec!["  1. one", "  2. two", "    - inner", "", "    x = 1"]
        );
    }

    #[test]
    fn an_unclosed_marker_stays_literal() {
        let theme = Theme {
            color: false,
            ..Default::default()
        };
        assert_eq!(text(&render(&theme, "2 * 3 = 6")), vec!["2 * 3 = 6"]);
    }
}
