//! An instructor's keys: go to any step (`g`), forget one lesson's progress (`X`), scroll
//! the program pane (PgUp/PgDn when the step is about it), and `--no-predict`, which asks
//! a prediction of the class without holding the run back for an answer.

use super::{App, Command, Key, Pane};

/// Lines PgUp/PgDn move a pane by.
const PAGE: i32 = 5;
/// Lines of the program shown above the first line a step marks.
const CONTEXT: usize = 2;

impl App {
    /// Keys of this file, taken before the others; None leaves the key to them.
    pub(super) fn on_instructor_key(&mut self, key: Key) -> Option<Vec<Command>> {
        let resetting = std::mem::take(&mut self.confirm_reset);
        if let Some(typed) = self.goto.take() {
            return self.goto_key(typed, key);
        }
        match key {
            Key::Char('X' | 'y') if resetting => {
                self.reset_lesson(self.lesson);
                Some(vec![])
            }
            Key::Char('X') => {
                self.confirm_reset = true;
                // Short enough for the status line of an 80-column terminal.
                self.message = Some(if self.zh() {
                    format!("再按 X 或 y：重置「{}」", self.title(self.lesson))
                } else {
                    format!("X again or y resets {}", self.title(self.lesson))
                });
                Some(vec![])
            }
            Key::Char('g') if !self.steps().is_empty() => {
                self.goto = Some(String::new());
                self.goto_prompt("");
                Some(vec![])
            }
            Key::PageUp | Key::PageDown if self.scrolls_code() => {
                let by = if key == Key::PageUp { -PAGE } else { PAGE };
                let n = self.current_lesson().demo_py.lines().count().max(1);
                let at = self.step_at[self.lesson];
                // From the top line on screen, within what keeps the pane full.
                let (shown, last) = match self.code_shown.get() {
                    Some((l, s, top, last)) if l == self.lesson && s == at => (top, last),
                    Some((l, _, _, last)) if l == self.lesson => (self.code_top().min(last), last),
                    _ => (self.code_top(), n - 1),
                };
                let top = (shown as i32 + by).clamp(0, last as i32);
                let delta = top - self.code_auto_top() as i32;
                self.code_scroll = Some(((self.lesson, self.step_at[self.lesson]), delta));
                Some(vec![])
            }
            _ => None,
        }
    }

    /// A key while `g` waits for a step number: digits, then Enter (or at once when no
    /// more digits could make a step of this lesson); Esc gives up; any other key gives up
    /// and does what it does.
    fn goto_key(&mut self, mut typed: String, key: Key) -> Option<Vec<Command>> {
        let total = self.steps().len();
        match key {
            Key::Char(d @ '0'..='9') => {
                typed.push(d);
                let n: usize = typed.parse().unwrap_or(0);
                if n == 0 || n > total {
                    self.message = Some(if self.zh() {
                        format!("没有第 {n} 步：本课有第 1-{total} 步")
                    } else {
                        format!("no step {n}: this lesson has steps 1-{total}")
                    });
                } else if n * 10 > total {
                    self.go_to_step(n - 1);
                } else {
                    self.goto_prompt(&typed);
                    self.goto = Some(typed);
                }
                Some(vec![])
            }
            Key::Enter => {
                match typed.parse::<usize>() {
                    Ok(n) if (1..=total).contains(&n) => self.go_to_step(n - 1),
                    _ => self.message = Some(self.say("go to step: cancelled", "跳转：已取消")),
                }
                Some(vec![])
            }
            Key::Esc => {
                self.message = Some(self.say("go to step: cancelled", "跳转：已取消"));
                Some(vec![])
            }
            _ => None,
        }
    }

    fn goto_prompt(&mut self, typed: &str) {
        let total = self.steps().len();
        self.message = Some(if self.zh() {
            format!("跳到第几步：{typed}_（1-{total}，再按 Enter）")
        } else {
            format!("go to step: {typed}_ (1-{total}, then Enter)")
        });
    }

    /// Make step `at` (0-based) of the open lesson the current one, ahead or behind.
    pub fn go_to_step(&mut self, at: usize) {
        let total = self.steps().len();
        if at >= total {
            return;
        }
        let i = self.lesson;
        let from = self.step_at[i];
        self.step_at[i] = at;
        self.text_scroll = 0;
        let (en, zh) = match at.cmp(&from) {
            std::cmp::Ordering::Greater => (" (skipped ahead)", "（向前跳过）"),
            std::cmp::Ordering::Less => (" (back)", "（返回）"),
            std::cmp::Ordering::Equal => ("", ""),
        };
        self.message = Some(if self.zh() {
            format!("现在是第 {}/{total} 步{zh}", at + 1)
        } else {
            format!("now at step {} of {total}{en}", at + 1)
        });
    }

    /// Forget lesson `i`'s progress: its step, checks, answers and done mark (the app
    /// writes the progress file when the done marks change).
    pub fn reset_lesson(&mut self, i: usize) {
        if i >= self.lessons.len() {
            return;
        }
        self.step_at[i] = 0;
        self.checked[i].clear();
        self.answers[i].clear();
        self.done.remove(&i);
        if i == self.lesson {
            self.text_scroll = 0;
            self.code_scroll = None;
        }
        self.message = Some(if self.zh() {
            format!("已清除「{}」的进度：回到第 1 步", self.title(i))
        } else {
            format!("{}: progress forgotten, back to step 1", self.title(i))
        });
    }

    /// True when PgUp/PgDn scroll the program rather than the lesson text: it is expanded,
    /// or nothing is, the step is about it and the screen shows it (a narrow screen shows
    /// the text only: that is what scrolls).
    pub fn scrolls_code(&self) -> bool {
        match self.expanded {
            Some(p) => p == Pane::Code,
            None => {
                self.step().and_then(|s| s.pane.as_deref()) == Some("code")
                    && self.code_in_sight.get()
            }
        }
    }

    /// The lines of the program (0-based) the current step marks.
    pub fn code_marks(&self) -> Vec<usize> {
        self.step()
            .and_then(|s| s.find.lines(&self.current_lesson().demo_py).ok())
            .unwrap_or_default()
    }

    /// The program's first line shown when the user has not scrolled: a little above the
    /// first marked line.
    fn code_auto_top(&self) -> usize {
        self.code_marks()
            .first()
            .map_or(0, |l| l.saturating_sub(CONTEXT))
    }

    /// How far the user scrolled the program on this step (0 on any other).
    fn code_delta(&self) -> i32 {
        match self.code_scroll {
            Some((at, d)) if at == (self.lesson, self.step_at[self.lesson]) => d,
            _ => 0,
        }
    }

    /// The program's line (0-based) at the top of its pane, before the pane keeps its
    /// last screenful full.
    pub fn code_top(&self) -> usize {
        let n = self.current_lesson().demo_py.lines().count();
        (self.code_auto_top() as i64 + i64::from(self.code_delta())).clamp(0, n.max(1) as i64 - 1)
            as usize
    }
}

#[cfg(test)]
mod tests {
    use crate::app::tests::frame;
    use crate::app::{App, Command, Key, Pane, panes_for};
    use crate::engine::demos::DemoKind;
    use crate::engine::protocol::{Event, ExitStatus, Outcome, RunSummary};

    /// A lock run that ends with `actual` of `expected`.
    fn lock_run(app: &mut App, expected: i64, actual: i64) {
        let events = [
            Event::RunStarted {
                demo: "lock".into(),
                params: vec![],
                runner_pid: 1,
                main_pid: 2,
            },
            Event::Outcome(Outcome::Counter {
                expected,
                actual,
                locked: false,
            }),
            Event::RunEnded(RunSummary {
                demo: "lock".into(),
                main_status: Some(ExitStatus::Code(0)),
                wall_ms: 1.0,
                processes: 5,
                stopped: false,
                errors: 0,
            }),
        ];
        for e in events {
            app.on_frame(&frame(2, e));
        }
    }

    #[test]
    fn e_reaches_every_pane_from_any_step_and_then_goes_back() {
        let mut app = App::default();
        let mut code_steps = 0;
        for lesson in 0..app.lessons.len() {
            app.open_lesson(lesson);
            for at in 0..app.steps().len() {
                app.step_at[lesson] = at;
                app.expanded = None;
                code_steps +=
                    usize::from(app.step().and_then(|s| s.pane.as_deref()) == Some("code"));
                let panes = panes_for(app.demo());
                let mut seen = Vec::new();
                for _ in 0..panes.len() {
                    app.on_key(Key::Char('e'));
                    seen.extend(app.expanded);
                }
                for p in panes {
                    assert!(
                        seen.contains(p),
                        "lesson {lesson} step {at}: {p:?} not reached: {seen:?}"
                    );
                }
                app.on_key(Key::Char('e'));
                assert_eq!(app.expanded, None, "then back to the whole screen");
            }
        }
        assert!(
            code_steps >= 5,
            "steps about the program were among them: {code_steps}"
        );
        // The first `e` on a step about the program shows the program.
        app.select(DemoKind::Pipe);
        app.step_at[app.lesson] = 0;
        app.expanded = None;
        app.on_key(Key::Char('e'));
        assert_eq!(app.expanded, Some(Pane::Code));
    }

    #[test]
    fn no_predict_asks_without_holding_the_run_or_grading_it() {
        let mut app = App {
            no_predict: true,
            ..App::default()
        };
        app.select(DemoKind::Lock);
        // Past the reading step to the one with the prediction, and the run starts at once.
        let cmds = app.on_key(Key::Char('r'));
        assert!(matches!(cmds.first(), Some(Command::Start(_))), "{cmds:?}");
        let at = app.step_at[app.lesson];
        assert!(app.step().and_then(|s| s.prediction.as_ref()).is_some());
        assert!(!app.awaiting_prediction());
        // A digit is no answer.
        app.on_key(Key::Char('2'));
        assert!(app.answers[app.lesson].is_empty());
        lock_run(&mut app, 80_000, 41_000);
        assert!(
            app.checked[app.lesson].contains(&at),
            "the step still completes"
        );
        let said = app.message.clone().unwrap_or_default();
        assert!(
            said.contains("step 2 done") && !said.contains("predict"),
            "{said}"
        );
        assert!(
            app.answers[app.lesson].is_empty(),
            "nothing recorded as answered"
        );
    }

    #[test]
    fn x_twice_forgets_one_lessons_progress_and_nothing_else() {
        let mut app = App::default();
        app.select(DemoKind::Lock);
        let lock = app.lesson;
        app.done.insert(0);
        app.on_key(Key::Char('r'));
        app.on_key(Key::Char('2'));
        app.on_key(Key::Char('r'));
        lock_run(&mut app, 80_000, 41_000);
        lock_run(&mut app, 80_000, 80_000);
        assert!(app.done.contains(&lock));
        assert!(!app.answers[lock].is_empty() && !app.checked[lock].is_empty());
        // One X only asks; another key lets it go.
        app.on_key(Key::Char('X'));
        assert!(
            app.message
                .as_deref()
                .is_some_and(|m| m.contains("X again"))
        );
        app.on_key(Key::Char('n'));
        assert!(
            app.done.contains(&lock),
            "not forgotten without the second key"
        );
        app.on_key(Key::Char('X'));
        app.on_key(Key::Char('y'));
        assert!(!app.done.contains(&lock));
        assert_eq!(app.step_at[lock], 0);
        assert!(app.answers[lock].is_empty() && app.checked[lock].is_empty());
        assert!(app.done.contains(&0), "other lessons keep theirs");
    }

    #[test]
    fn g_and_a_number_goes_to_that_step_ahead_or_back() {
        let mut app = App::default();
        app.select(DemoKind::Lifecycle);
        let total = app.steps().len();
        assert!(total < 10, "one digit is a whole step number here");
        app.on_key(Key::Char('g'));
        assert!(
            app.message
                .as_deref()
                .is_some_and(|m| m.contains("go to step"))
        );
        app.on_key(Key::Char('4'));
        assert_eq!(app.step_at[app.lesson], 3, "skipped ahead");
        assert!(
            app.message
                .as_deref()
                .is_some_and(|m| m.contains(&format!("step 4 of {total}")))
        );
        app.on_key(Key::Char('g'));
        app.on_key(Key::Char('1'));
        assert_eq!(app.step_at[app.lesson], 0, "and back");
        app.on_key(Key::Char('g'));
        app.on_key(Key::Char('9'));
        assert_eq!(app.step_at[app.lesson], 0, "no step 9");
        assert!(
            app.message
                .as_deref()
                .is_some_and(|m| m.contains("no step 9"))
        );
        // Esc gives up; another key gives up and does its own work.
        app.on_key(Key::Char('g'));
        app.on_key(Key::Esc);
        assert!(app.goto.is_none());
        app.on_key(Key::Char('g'));
        app.on_key(Key::Char('n'));
        assert_eq!(app.step_at[app.lesson], 1, "n went to the next step");
    }

    #[test]
    fn the_program_follows_the_step_and_pgdn_scrolls_it_when_the_step_is_about_it() {
        let mut app = App::default();
        app.select(DemoKind::Pipe);
        let close = app
            .steps()
            .iter()
            .position(|s| s.find.0.iter().any(|f| f.contains("w.close()")))
            .expect("the pipe lesson points at w.close()");
        app.go_to_step(close);
        let marks = app.code_marks();
        assert!(!marks.is_empty());
        for l in &marks {
            let line = app.current_lesson().demo_py.lines().nth(*l).unwrap_or("");
            assert!(
                line.contains("w.close()") || line.contains("Close OUR copy"),
                "{line}"
            );
        }
        let top = app.code_top();
        assert!(top <= marks[0] && marks[0] - top <= 2, "{top} {marks:?}");
        app.on_key(Key::PageDown);
        assert_eq!(app.code_top(), top + 5);
        assert_eq!(app.text_scroll, 0, "the text stays");
        app.on_key(Key::PageUp);
        app.on_key(Key::PageUp);
        assert_eq!(app.code_top(), top.saturating_sub(5));
        // A screen too narrow for the program beside the text scrolls the text.
        app.code_in_sight.set(false);
        app.on_key(Key::PageDown);
        assert_eq!(app.text_scroll, 5, "the text, on screen, moves");
        app.text_scroll = 0;
        app.code_in_sight.set(true);
        // On a step about another pane, PgDn scrolls the text as before.
        app.go_to_step(1);
        assert_eq!(app.code_top(), 0);
        app.on_key(Key::PageDown);
        assert_eq!(app.text_scroll, 5);
    }
}
