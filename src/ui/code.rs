//! A small Python syntax highlighter for the code pane: keywords, names being defined,
//! decorators, builtins, strings (triple-quoted ones across lines), numbers and comments.
//! Enough for lesson programs; no regex engine, no grammar files. Measured against the
//! crates that do this (syntect, tree-sitter-highlight): they add about 2.5 MB to the
//! binary, and syntect's first highlight alone takes 50-60 ms of CPU; this one takes
//! under 0.1 ms.

use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};

use crate::ui::Theme;

const KEYWORDS: &[&str] = &[
    "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class", "continue",
    "def", "del", "elif", "else", "except", "finally", "for", "from", "global", "if", "import",
    "in", "is", "lambda", "nonlocal", "not", "or", "pass", "raise", "return", "try", "while",
    "with", "yield",
];

const BUILTINS: &[&str] = &[
    "print",
    "range",
    "sum",
    "len",
    "list",
    "dict",
    "set",
    "tuple",
    "int",
    "str",
    "float",
    "open",
    "enumerate",
    "zip",
    "map",
    "sorted",
    "min",
    "max",
    "abs",
    "isinstance",
    "SystemExit",
    "ValueError",
    "RuntimeError",
    "__name__",
];

/// Token kinds the highlighter tells apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Plain,
    Keyword,
    Defined,
    Builtin,
    Str,
    Number,
    Comment,
}

fn style(theme: &Theme, k: Kind) -> Style {
    match k {
        Kind::Plain => Style::default(),
        Kind::Keyword => theme.fg(Color::Magenta).add_modifier(Modifier::BOLD),
        Kind::Defined => theme.fg(Color::Yellow).add_modifier(Modifier::BOLD),
        Kind::Builtin => theme.fg(Color::Cyan),
        Kind::Str => theme.fg(Color::Green),
        Kind::Number => theme.fg(Color::LightBlue),
        Kind::Comment => theme.dim().add_modifier(Modifier::ITALIC),
    }
}

/// Split source into lines of (kind, text) tokens.
pub fn tokens(source: &str) -> Vec<Vec<(Kind, String)>> {
    let mut out = Vec::new();
    // The quote that opened a string still open at the end of the previous line.
    let mut open: Option<&'static str> = None;
    for raw in source.lines() {
        let line = raw.replace('\t', "    ");
        let mut toks: Vec<(Kind, String)> = Vec::new();
        let mut rest = line.as_str();
        let mut after_def = false;
        while !rest.is_empty() {
            if let Some(q) = open {
                match rest.find(q) {
                    Some(i) => {
                        toks.push((Kind::Str, rest[..i + q.len()].to_string()));
                        rest = &rest[i + q.len()..];
                        open = None;
                    }
                    None => {
                        toks.push((Kind::Str, rest.to_string()));
                        rest = "";
                    }
                }
                continue;
            }
            let c = rest.chars().next().unwrap_or(' ');
            if c == '#' {
                toks.push((Kind::Comment, rest.to_string()));
                break;
            }
            // String literals, with an optional f/r/b prefix already consumed as a name.
            if let Some(q) = ["\"\"\"", "'''", "\"", "'"]
                .into_iter()
                .find(|q| rest.starts_with(q))
            {
                let body = &rest[q.len()..];
                let end = if q.len() == 3 {
                    body.find(q)
                } else {
                    find_unescaped(body, q.chars().next().unwrap_or('"'))
                };
                match end {
                    Some(i) => {
                        let n = q.len() + i + q.len();
                        toks.push((Kind::Str, rest[..n].to_string()));
                        rest = &rest[n..];
                    }
                    None => {
                        toks.push((Kind::Str, rest.to_string()));
                        if q.len() == 3 {
                            open = Some(if q.starts_with('"') { "\"\"\"" } else { "'''" });
                        }
                        rest = "";
                    }
                }
                continue;
            }
            // A decorator (`@functools.wraps(f)` at the start of a line) names what wraps
            // the definition below it: coloured like a name being defined.
            if c == '@' && toks.iter().all(|(_, t)| t.trim().is_empty()) {
                let n = 1 + rest[1..]
                    .find(|ch: char| !(ch.is_alphanumeric() || ch == '_' || ch == '.'))
                    .unwrap_or(rest.len() - 1);
                toks.push((Kind::Defined, rest[..n].to_string()));
                rest = &rest[n..];
                continue;
            }
            if c.is_ascii_digit() {
                let n = rest
                    .find(|ch: char| !(ch.is_ascii_alphanumeric() || ch == '_' || ch == '.'))
                    .unwrap_or(rest.len());
                toks.push((Kind::Number, rest[..n].to_string()));
                rest = &rest[n..];
                continue;
            }
            if c.is_alphabetic() || c == '_' {
                let n = rest
                    .find(|ch: char| !(ch.is_alphanumeric() || ch == '_'))
                    .unwrap_or(rest.len());
                let word = &rest[..n];
                let kind = if after_def {
                    after_def = false;
                    Kind::Defined
                } else if KEYWORDS.contains(&word) {
                    after_def = word == "def" || word == "class";
                    Kind::Keyword
                } else if BUILTINS.contains(&word) {
                    Kind::Builtin
                } else {
                    Kind::Plain
                };
                toks.push((kind, word.to_string()));
                rest = &rest[n..];
                continue;
            }
            let n = c.len_utf8();
            match toks.last_mut() {
                Some((Kind::Plain, s)) => s.push_str(&rest[..n]),
                _ => toks.push((Kind::Plain, rest[..n].to_string())),
            }
            rest = &rest[n..];
        }
        out.push(toks);
    }
    out
}

fn find_unescaped(s: &str, quote: char) -> Option<usize> {
    let mut escaped = false;
    for (i, c) in s.char_indices() {
        if escaped {
            escaped = false;
        } else if c == '\\' {
            escaped = true;
        } else if c == quote {
            return Some(i);
        }
    }
    None
}

/// Highlighted lines without line numbers (code blocks inside lesson text).
pub fn highlight_plain(theme: &Theme, source: &str) -> Vec<Line<'static>> {
    tokens(source)
        .into_iter()
        .map(|toks| {
            let mut spans = vec![Span::raw("    ")];
            spans.extend(
                toks.into_iter()
                    .map(|(k, t)| Span::styled(t, style(theme, k))),
            );
            Line::from(spans)
        })
        .collect()
}

/// Highlighted lines with line numbers.
pub fn highlight(theme: &Theme, source: &str) -> Vec<Line<'static>> {
    highlight_marked(theme, source, &[])
}

/// Highlighted lines with line numbers; the lines in `marked` (0-based) carry a `>` after
/// their number, shown reversed, and are bold, so they stand out without colours too.
pub fn highlight_marked(theme: &Theme, source: &str, marked: &[usize]) -> Vec<Line<'static>> {
    tokens(source)
        .into_iter()
        .enumerate()
        .map(|(i, toks)| {
            let mark = marked.contains(&i);
            let gutter = if mark {
                Span::styled(
                    format!("{:>3}>", i + 1),
                    theme.key().add_modifier(Modifier::REVERSED),
                )
            } else {
                Span::styled(format!("{:>3} ", i + 1), theme.dim())
            };
            let mut spans = vec![gutter];
            spans.extend(toks.into_iter().map(|(k, t)| {
                let s = style(theme, k);
                Span::styled(
                    t,
                    if mark {
                        s.add_modifier(Modifier::BOLD)
                    } else {
                        s
                    },
                )
            }));
            Line::from(spans)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(src: &str) -> Vec<(Kind, String)> {
        tokens(src)
            .into_iter()
            .flatten()
            .filter(|(_, t)| !t.trim().is_empty())
            .collect()
    }

    #[test]
    fn a_decorator_is_coloured_and_an_at_sign_in_an_expression_is_not() {
        let k = kinds("@functools.lru_cache(maxsize=2)\ndef f(a, b):\n    return a @ b");
        assert_eq!(k[0], (Kind::Defined, "@functools.lru_cache".into()));
        assert!(k.contains(&(Kind::Number, "2".into())));
        assert!(
            !k.iter()
                .any(|(kind, t)| *kind == Kind::Defined && t.contains(" @"))
        );
        assert!(k.contains(&(Kind::Defined, "f".into())));
    }

    #[test]
    fn keywords_names_strings_numbers_and_comments_are_told_apart() {
        let k = kinds("def job(q):  # put it\n    q.put(\"x\" + 'y', 42)");
        assert!(k.contains(&(Kind::Keyword, "def".into())));
        assert!(k.contains(&(Kind::Defined, "job".into())));
        assert!(k.contains(&(Kind::Comment, "# put it".into())));
        assert!(k.contains(&(Kind::Str, "\"x\"".into())));
        assert!(k.contains(&(Kind::Str, "'y'".into())));
        assert!(k.contains(&(Kind::Number, "42".into())));
    }

    #[test]
    fn a_docstring_across_lines_stays_a_string() {
        let t = tokens("\"\"\"one\ntwo # not a comment\n\"\"\"\nx = 1");
        assert_eq!(t[1], vec![(Kind::Str, "two # not a comment".into())]);
        assert_eq!(t[2], vec![(Kind::Str, "\"\"\"".into())]);
        assert!(t[3].contains(&(Kind::Number, "1".into())));
    }

    #[test]
    fn escaped_quotes_do_not_end_a_string() {
        let k = kinds(r#"print("a \" b")"#);
        assert!(k.contains(&(Kind::Str, r#""a \" b""#.into())), "{k:?}");
    }
}
