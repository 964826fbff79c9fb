//! What the screen shows, as the user chooses it: presenter mode (`F`) and the pane
//! chooser (`v`), whose number keys hide and show panes.

use super::{App, Command, Key, Pane, panes_for};

impl App {
    /// The pane the current step is about, if the lesson names one that exists.
    pub fn step_pane(&self) -> Option<Pane> {
        let name = self.step()?.pane.as_deref()?;
        panes_for(self.demo())
            .iter()
            .find(|p| p.name() == name)
            .copied()
    }

    /// True when `p` was hidden with the chooser in this lesson.
    pub fn is_hidden(&self, p: Pane) -> bool {
        self.hidden.get(self.lesson).is_some_and(|h| h.contains(&p))
    }

    /// True when the layout gives `p` room: not hidden, or hidden but the pane the
    /// current step is about (a step never points at nothing).
    pub fn pane_shown(&self, p: Pane) -> bool {
        !self.is_hidden(p) || self.step_pane() == Some(p)
    }

    /// Keys of the presenter mode and the pane chooser; None for every other key.
    pub(super) fn on_view_key(&mut self, key: Key) -> Option<Vec<Command>> {
        if self.chooser {
            match key {
                Key::Esc | Key::Char('v') => {
                    self.chooser = false;
                    return Some(vec![]);
                }
                Key::Char(c @ '1'..='9') => {
                    self.toggle_pane(c as usize - '1' as usize);
                    return Some(vec![]);
                }
                // Any other key closes the chooser and does what it always does.
                _ => self.chooser = false,
            }
        }
        match key {
            Key::Char('v') => {
                self.chooser = true;
                Some(vec![])
            }
            Key::Char('F') => {
                self.present = !self.present;
                self.message = Some(if self.present {
                    self.say(
                        "presenter mode: one big pane and the key figure (F: back)",
                        "演示模式：一个大窗格和关键数字（F：返回）",
                    )
                } else {
                    self.say("presenter mode off", "已退出演示模式")
                });
                Some(vec![])
            }
            _ => None,
        }
    }

    /// Hide or show the chooser's pane number `i` (from 0) in this lesson.
    fn toggle_pane(&mut self, i: usize) {
        let Some(&p) = panes_for(self.demo()).get(i) else {
            self.message = Some(self.say("no pane has that number", "没有这个编号的窗格"));
            return;
        };
        let Some(hidden) = self.hidden.get_mut(self.lesson) else {
            return;
        };
        if !hidden.remove(&p) {
            hidden.insert(p);
            // Said, never silent: the step's own pane stays while the step is about it.
            if self.step_pane() == Some(p) {
                self.message = Some(self.say(
                    "hidden, but shown while the current step is about it",
                    "已隐藏，但当前步骤讲的正是它，所以仍然显示",
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::app::{App, Key, Pane, panes_for};

    #[test]
    fn v_then_a_number_hides_a_pane_until_pressed_again_and_esc_closes() {
        let mut app = App::default();
        app.on_key(Key::Char('v'));
        assert!(app.chooser);
        let i = panes_for(app.demo())
            .iter()
            .position(|p| *p == Pane::Cores)
            .expect("cores");
        app.on_key(Key::Char(char::from(b'1' + i as u8)));
        assert!(app.is_hidden(Pane::Cores));
        assert!(!app.pane_shown(Pane::Cores));
        app.on_key(Key::Esc);
        assert!(!app.chooser);
        // Still hidden after the chooser closed, and a number now answers a prediction
        // or chooses a process again rather than toggling.
        assert!(app.is_hidden(Pane::Cores));
        app.on_key(Key::Char('v'));
        app.on_key(Key::Char(char::from(b'1' + i as u8)));
        assert!(!app.is_hidden(Pane::Cores));
    }

    #[test]
    fn the_steps_own_pane_is_never_hidden_silently() {
        let mut app = App::default();
        let (lesson, at, pane) = app
            .lessons
            .iter()
            .enumerate()
            .find_map(|(l, lesson)| {
                lesson.def.steps.iter().enumerate().find_map(|(s, st)| {
                    let name = st.pane.as_deref()?;
                    let p = panes_for(lesson.demo).iter().find(|p| p.name() == name)?;
                    Some((l, s, *p))
                })
            })
            .expect("a step that names a pane");
        app.lesson = lesson;
        app.step_at[lesson] = at;
        let i = panes_for(app.demo())
            .iter()
            .position(|p| *p == pane)
            .unwrap();
        app.on_key(Key::Char('v'));
        app.on_key(Key::Char(char::from(b'1' + i as u8)));
        assert!(app.is_hidden(pane));
        assert!(app.pane_shown(pane), "the step's pane stays on screen");
        assert!(app.message.is_some(), "and the screen says why");
    }

    #[test]
    fn f_toggles_presenter_mode() {
        let mut app = App::default();
        app.on_key(Key::Char('F'));
        assert!(app.present);
        app.on_key(Key::Char('F'));
        assert!(!app.present);
    }
}
