//! Presenter mode (`--present`, `F`): for the back of a room. One pane large (the one
//! the step is about, else the demo's), the step in one line, and the lesson's key
//! figure in big digits; no lesson list, no secondary panes, a blank line between blocks.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;

use crate::app::{App, Pane};
use crate::ui::panes::{FIGURE_HEIGHT, clip_cols};
use crate::ui::{Screen, Theme, ThemeKind};

/// The theme the screen is painted with: presenter mode is for a projector, so high
/// contrast, unless `--theme` asked for one.
pub fn theme_kind(given: Option<ThemeKind>, present: bool) -> ThemeKind {
    match (given, present) {
        (Some(kind), _) => kind,
        (None, true) => ThemeKind::HighContrast,
        (None, false) => ThemeKind::default(),
    }
}

/// Where everything goes in presenter mode (the caller checked the minimum size).
pub fn layout(app: &App, area: Rect) -> Screen {
    let [header, _, step, _, figure, _, pane, status] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Length(2),
        Constraint::Length(1),
        Constraint::Length(FIGURE_HEIGHT),
        Constraint::Length(1),
        Constraint::Min(6),
        Constraint::Length(1),
    ])
    .areas(area);
    // `e` still picks another pane to show large.
    let shown = app.expanded.or(app.step_pane()).unwrap_or(Pane::Demo);
    Screen {
        header,
        status,
        lessons: None,
        lesson: None,
        panes: vec![(shown, pane)],
        step: Some(step),
        figure: Some(figure),
    }
}

/// The first sentence of a step's text: what fits one line on a projector.
fn first_sentence(text: &str) -> &str {
    let text = text.trim();
    let end = text
        .char_indices()
        .find(|&(i, c)| {
            matches!(c, '。' | '！' | '？')
                || (matches!(c, '.' | '!' | '?' | ':')
                    && text[i + c.len_utf8()..].starts_with(char::is_whitespace))
        })
        .map_or(text.len(), |(i, c)| i + c.len_utf8());
    &text[..end]
}

/// The step in one line, and below it the step's prediction (its choices kept in
/// sight) or the next run's lock setting where the lesson has a lock.
pub fn step_lines(app: &App, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let zh = app.zh();
    let w = area.width as usize;
    let (head, text) = match app.step() {
        Some(step) => {
            let at = app.step_at[app.lesson];
            let n = app.steps().len();
            (
                if zh {
                    format!("第 {}/{n} 步：", at + 1)
                } else {
                    format!("Step {}/{n}: ", at + 1)
                },
                first_sentence(if zh { &step.text.zh } else { &step.text.en }).to_string(),
            )
        }
        None => (
            String::new(),
            app.t(app.demo().summary(), app.demo().summary_zh())
                .to_string(),
        ),
    };
    let room = w.saturating_sub(unicode_width::UnicodeWidthStr::width(head.as_str()));
    let mut lines = vec![Line::from(vec![
        Span::styled(head, theme.key()),
        Span::styled(clip_cols(&text, room), theme.title()),
    ])];
    let at = app.step_at[app.lesson];
    match app.step().and_then(|s| s.prediction.as_ref()) {
        Some(p) => {
            let answer = match app.answers[app.lesson].get(&at) {
                Some(a) => vec![Span::styled(
                    if zh {
                        format!("  你的回答：{}", p.show(a, app.lang))
                    } else {
                        format!("  you said: {}", p.show(a, app.lang))
                    },
                    theme.good(),
                )],
                None => p
                    .choices
                    .iter()
                    .enumerate()
                    .flat_map(|(i, c)| {
                        [
                            Span::styled(format!("  {}", i + 1), theme.key()),
                            Span::raw(format!(") {}", p.show(c, app.lang))),
                        ]
                    })
                    .collect(),
            };
            // The question gives way to the choices: they are what the room answers.
            let used: usize = answer.iter().map(|s| s.width()).sum();
            let question = if zh {
                format!("预测：{}", p.zh)
            } else {
                format!("Predict: {}", p.en)
            };
            let mut spans = vec![Span::styled(
                clip_cols(&question, w.saturating_sub(used)),
                theme.title(),
            )];
            spans.extend(answer);
            lines.push(Line::from(spans));
        }
        None if app
            .demo()
            .options()
            .contains(&crate::engine::demos::Opt::Lock) =>
        {
            let on = app.current().lock;
            lines.push(Line::from(vec![
                Span::raw(app.t("next run: lock ", "下次运行：锁")),
                if on {
                    Span::styled(app.t("ON", "开"), theme.good())
                } else {
                    Span::styled(app.t("OFF", "关"), theme.bad())
                },
            ]));
        }
        None => {}
    }
    for (i, line) in lines.into_iter().enumerate().take(area.height as usize) {
        line.render(Rect::new(area.x, area.y + i as u16, area.width, 1), buf);
    }
}

#[cfg(test)]
mod tests {
    use super::{ThemeKind, first_sentence, theme_kind};

    #[test]
    fn presenter_mode_is_high_contrast_unless_a_theme_was_asked_for() {
        assert_eq!(theme_kind(None, true), ThemeKind::HighContrast);
        assert_eq!(theme_kind(Some(ThemeKind::Light), true), ThemeKind::Light);
        assert_eq!(theme_kind(Some(ThemeKind::Dark), true), ThemeKind::Dark);
        assert_eq!(theme_kind(None, false), ThemeKind::Dark);
    }

    #[test]
    fn a_step_is_cut_after_its_first_sentence_in_either_language() {
        assert_eq!(first_sentence("Run it. Then look at 0.5 s."), "Run it.");
        assert_eq!(first_sentence("按 r。然后看。"), "按 r。");
        assert_eq!(first_sentence("No end"), "No end");
    }
}
