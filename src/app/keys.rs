//! Keys to commands: each key changes the app and says what the runner must do.

use crate::course::Lang;
use crate::engine::demos::Opt;
use crate::state::RunState;

use super::settings::{Settings, TEMPOS};
use super::{App, Command, panes_for};

/// A key, reduced to what the app cares about (so tests need no terminal).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    Char(char),
    Up,
    Down,
    Tab,
    BackTab,
    Enter,
    Esc,
    PageUp,
    PageDown,
    CtrlC,
    Left,
    Right,
    /// Shift+Left and Shift+Right: bigger steps in time.
    ShiftLeft,
    ShiftRight,
    Home,
    End,
}

impl App {
    /// Handle one key; returns what the runner must do.
    pub fn on_key(&mut self, key: Key) -> Vec<Command> {
        self.message = None;
        let confirming = std::mem::take(&mut self.confirm_new_run);
        if self.help {
            // Up and down scroll it (a small terminal shows part of it); any other key
            // closes it; q and Ctrl-C still quit.
            match key {
                Key::Down | Key::Char('j') => self.help_scroll = self.help_scroll.saturating_add(1),
                Key::PageDown => self.help_scroll = self.help_scroll.saturating_add(10),
                Key::Up | Key::Char('k') => self.help_scroll = self.help_scroll.saturating_sub(1),
                Key::PageUp => self.help_scroll = self.help_scroll.saturating_sub(10),
                _ => {
                    self.help = false;
                    if !matches!(key, Key::Char('q') | Key::CtrlC) {
                        return vec![];
                    }
                }
            }
            if self.help {
                return vec![];
            }
        }
        if let Some(commands) = self.on_view_key(key) {
            return commands;
        }
        if let Some(commands) = self.on_instructor_key(key) {
            return commands;
        }
        if let Some(commands) = self.refuse_in_replay(key) {
            return commands;
        }
        if let Some(commands) = self.on_time_key(key) {
            return commands;
        }
        if self.player.is_some() && matches!(key, Key::Enter | Key::Char(' ')) {
            self.message = Some(self.say(
                "the recorded schedule is stepping this run: s stops it",
                "录制的调度正在单步推进这次运行：按 s 停止",
            ));
            return vec![];
        }
        // A hand-stepped race, or the past being studied, is not thrown away by one key.
        if key == Key::Char('r') && !confirming && self.worth_keeping() {
            self.confirm_new_run = true;
            self.message = Some(self.say(
                "r starts a new run and this one is gone: w saves it first; r again to run",
                "按 r 会开始新的运行，这次运行将丢失：先按 w 保存；再按一次 r 运行",
            ));
            return vec![];
        }
        match key {
            Key::Char('q') | Key::CtrlC => {
                self.quit = true;
                vec![Command::Quit]
            }
            Key::Char('?') => {
                self.help = true;
                self.help_scroll = 0;
                vec![]
            }
            Key::Esc => {
                self.expanded = None;
                vec![]
            }
            Key::Char('L') => {
                self.lang = self.lang.toggled();
                self.message = Some(match self.lang {
                    Lang::En => "lesson text: English".into(),
                    Lang::Zh => "课文语言：中文".into(),
                });
                vec![]
            }
            Key::PageDown => {
                self.text_scroll = self.text_scroll.saturating_add(5);
                vec![]
            }
            Key::PageUp => {
                self.text_scroll = self.text_scroll.saturating_sub(5);
                vec![]
            }
            Key::Up | Key::Char('k') => self.move_lesson(-1),
            Key::Down | Key::Char('j') => self.move_lesson(1),
            Key::Char(c @ '1'..='9') if !self.stepping && self.awaiting_prediction() => {
                let n = c as usize - '1' as usize;
                let at = self.step_at[self.lesson];
                let choice = self
                    .step()
                    .and_then(|s| s.prediction.as_ref())
                    .and_then(|p| p.choices.get(n).cloned());
                match choice {
                    Some(choice) => {
                        self.message = Some(match self.lang {
                            Lang::En => {
                                format!("you predict '{choice}': now press r")
                            }
                            Lang::Zh => {
                                let shown = self
                                    .step()
                                    .and_then(|s| s.prediction.as_ref())
                                    .map_or(choice.as_str(), |p| p.show(&choice, self.lang));
                                format!("你的预测：'{shown}'。现在按 r")
                            }
                        });
                        self.answers[self.lesson].insert(at, choice);
                    }
                    None => {
                        self.message = Some(self.say(
                            "choose one of the numbered answers",
                            "请选择一个带编号的答案",
                        ))
                    }
                }
                vec![]
            }
            Key::Char('n') => {
                let i = self.lesson;
                if self.step_at[i] + 1 < self.steps().len() {
                    self.step_at[i] += 1;
                }
                vec![]
            }
            Key::Char('b') => {
                let i = self.lesson;
                self.step_at[i] = self.step_at[i].saturating_sub(1);
                vec![]
            }
            Key::Char('r') if !self.stepping && self.on_reading_step() => {
                // Reading is done: the run belongs to the next step, which may first ask
                // for a prediction.
                self.step_at[self.lesson] += 1;
                if self.awaiting_prediction() {
                    self.message = Some(self.say(
                        "first predict: press the number of your answer",
                        "先预测：按下你的答案的编号",
                    ));
                    return vec![];
                }
                self.on_key(Key::Char('r'))
            }
            Key::Char('r') if self.awaiting_prediction() && !self.stepping => {
                self.message = Some(self.say(
                    "first predict: press the number of your answer",
                    "先预测：按下你的答案的编号",
                ));
                vec![]
            }
            Key::Char('r') => {
                self.player = None;
                if self.running() {
                    self.message = Some(self.say(
                        "restarted: the previous run was stopped",
                        "已重新开始：上一次运行已停止",
                    ));
                }
                self.paused = false;
                self.run_lesson = Some(self.lesson);
                self.selected = None;
                match self.python_program() {
                    Some(program) => {
                        self.run_python = true;
                        vec![Command::StartPython(program)]
                    }
                    None => {
                        self.run_python = false;
                        vec![Command::Start(self.params())]
                    }
                }
            }
            Key::Char('R') => {
                if self.watch.is_some() {
                    self.message = Some(self.say(
                        "proclab watch runs your Python program",
                        "proclab watch 运行的是你的 Python 程序",
                    ));
                    return vec![];
                }
                match &self.python {
                    None => {
                        self.message = Some(self.say(
                            "no python3 on PATH: install Python 3.8+ (apt-get install python3) or use --python; the native runner needs nothing",
                            "PATH 中没有 python3：请安装 Python 3.8+（apt-get install python3）或使用 --python；内置演示不需要它",
                        ))
                    }
                    Some(py) => {
                        self.use_python = !self.use_python;
                        self.message = Some(match (self.use_python, self.zh()) {
                            (true, false) => format!(
                                "runner: the lesson's demo.py under {} (press r)",
                                py.display()
                            ),
                            (true, true) => {
                                format!("运行方式：用 {} 运行本课的 demo.py（按 r）", py.display())
                            }
                            (false, _) => self.say(
                                "runner: native demo (press r)",
                                "运行方式：内置演示（按 r）",
                            ),
                        });
                    }
                }
                vec![]
            }
            Key::Char('+' | '=' | '-' | 'm') if self.python_chosen() => {
                self.message = Some(self.say(
                    "that key sets up the native demo; a Python program runs as written (R: native)",
                    "这个键用来设置内置演示；Python 程序按原样运行（R：换内置演示）",
                ));
                vec![]
            }
            Key::Char('l') if self.python_chosen() && self.python_lock_arg().is_none() => {
                self.message = Some(self.say(
                    "a Python program has its own lock; this one has no switch for it (R: native)",
                    "Python 程序有自己的锁；这个程序没有开关锁的参数（R：换内置演示）",
                ));
                vec![]
            }
            Key::Char('s') => {
                if self.running() {
                    vec![Command::Stop]
                } else {
                    self.message = Some(self.say(
                        "nothing is running: press r to run",
                        "没有在运行的演示：按 r 运行",
                    ));
                    vec![]
                }
            }
            Key::Char('p') => {
                if !self.running() {
                    self.message = Some(self.say(
                        "nothing to pause: press r to run",
                        "没有可暂停的：按 r 运行",
                    ));
                    return vec![];
                }
                self.paused = !self.paused;
                if !self.paused
                    && let Some((player, _)) = &mut self.player
                {
                    player.resumed();
                }
                vec![if self.paused {
                    Command::Pause
                } else {
                    Command::Resume
                }]
            }
            Key::Char('l') => {
                if !self.demo().options().contains(&Opt::Lock) {
                    self.message = Some(self.say(
                        "this lesson's demo has no lock to switch",
                        "本课的演示没有可开关的锁",
                    ));
                    return vec![];
                }
                let s = self.current_mut();
                s.lock = !s.lock;
                let on = if self.current().lock { "ON" } else { "OFF" };
                let on_zh = if self.current().lock { "开" } else { "关" };
                let zh = self.zh();
                self.message = Some(match self.python_lock_arg() {
                    Some(arg) if self.python_chosen() && self.current().lock && zh => {
                        format!("下次运行锁：{on_zh}：demo.py {arg}（按 r）")
                    }
                    Some(arg) if self.python_chosen() && self.current().lock => {
                        format!("lock {on} for the next run: demo.py {arg} (press r)")
                    }
                    _ if zh => format!("下次运行锁：{on_zh}（按 r）"),
                    _ => format!("lock {on} for the next run (press r)"),
                });
                vec![]
            }
            Key::Char('+') | Key::Char('=') => self.change_workers(1),
            Key::Char('-') => self.change_workers(-1),
            Key::Char('[') => self.change_tempo(-1),
            Key::Char(']') => self.change_tempo(1),
            Key::Char('f') => self.toggle_pace(),
            Key::Char('m') => {
                let n = self.demo().modes().len();
                if n == 0 {
                    self.message = Some(self.say("this lesson has one mode", "本课只有一种模式"));
                    return vec![];
                }
                let s = self.current_mut();
                s.mode = (s.mode + 1) % n;
                let m = self.mode().unwrap_or("");
                self.message = Some(if self.zh() {
                    format!("下次运行的模式：{m}")
                } else {
                    format!("mode {m} for the next run")
                });
                vec![]
            }
            Key::Char(' ') => {
                self.stepping = !self.stepping;
                self.selected = None;
                vec![Command::SetStepping(self.stepping)]
            }
            Key::Tab => {
                self.cycle_chosen(1);
                vec![]
            }
            Key::BackTab => {
                self.cycle_chosen(-1);
                vec![]
            }
            Key::Char(c @ '0'..='9') => {
                self.choose_number(c as usize - '0' as usize);
                vec![]
            }
            Key::Enter => match (self.stepping, self.selected_pid(), self.chosen_pid()) {
                (true, Some(pid), _) => vec![Command::Step(pid)],
                (true, None, Some(pid)) => {
                    let p = self.run.procs.get(&pid);
                    let name = p.map_or('?', |p| p.glyph());
                    let doing = p.map_or(String::new(), |p| {
                        crate::course::words::doing(&p.doing, self.zh())
                    });
                    self.message = Some(if self.zh() {
                        format!("{name} 不在单步点（{doing}）：Tab 选择一个在等待的进程")
                    } else {
                        format!("{name} is not at its gate ({doing}): Tab chooses one that is")
                    });
                    vec![]
                }
                (true, None, None) => {
                    self.message = Some(self.say(
                        "no process is waiting for a step yet",
                        "还没有进程在等待单步",
                    ));
                    vec![]
                }
                (false, ..) => {
                    self.message =
                        Some(self.say("press space for step mode first", "请先按空格进入单步模式"));
                    vec![]
                }
            },
            Key::Char('e') => {
                let panes = panes_for(self.demo());
                // First the pane the step is about, then the others in order.
                let step_pane = self
                    .step()
                    .and_then(|s| s.pane.as_deref())
                    .and_then(|name| panes.iter().find(|p| p.name() == name))
                    .copied();
                // Every pane once, going round from the step's, then back: a step about
                // the program still reaches the text before it in the list.
                let first = step_pane
                    .and_then(|p| panes.iter().position(|x| *x == p))
                    .unwrap_or(0);
                let order: Vec<_> = panes[first..].iter().chain(&panes[..first]).collect();
                self.expanded = match self.expanded {
                    None => order.first().copied().copied(),
                    Some(p) => order
                        .iter()
                        .position(|x| **x == p)
                        .and_then(|i| order.get(i + 1))
                        .copied()
                        .copied(),
                };
                vec![]
            }
            _ => vec![],
        }
    }

    fn move_lesson(&mut self, by: isize) -> Vec<Command> {
        let n = self.lessons.len() as isize;
        let next = (self.lesson as isize + by).rem_euclid(n) as usize;
        if next == self.lesson {
            return vec![];
        }
        self.open_lesson(next)
    }

    /// Switch to lesson `i`: another lesson's demo must not keep running (or keep showing)
    /// behind the new one.
    pub fn open_lesson(&mut self, i: usize) -> Vec<Command> {
        if i == self.lesson || i >= self.lessons.len() {
            return vec![];
        }
        if self.running() {
            let title = self.title(self.run_lesson.unwrap_or(self.lesson));
            self.message = Some(if self.zh() {
                format!("已停止「{title}」的演示")
            } else {
                format!("stopped the {title} demo")
            });
        }
        self.lesson = i;
        self.player = None;
        self.expanded = None;
        self.text_scroll = 0;
        self.paused = false;
        self.run = RunState::new();
        self.time.restart();
        if let Some(note) = self.finish_recording() {
            self.add_message(note);
        }
        self.run_lesson = None;
        vec![Command::Discard]
    }

    fn change_workers(&mut self, by: i32) -> Vec<Command> {
        if !self.demo().options().contains(&Opt::Workers) {
            self.message = Some(self.say(
                "this lesson's demo has a fixed number of processes",
                "本课演示的进程数是固定的",
            ));
            return vec![];
        }
        let s = self.current_mut();
        s.workers = (s.workers as i32 + by).clamp(1, 64) as u32;
        let n = self.current().workers;
        self.message = Some(if self.zh() {
            format!("下次运行：{n} 个工作进程（按 r）")
        } else {
            format!(
                "{n} worker{} for the next run (press r)",
                if n == 1 { "" } else { "s" }
            )
        });
        vec![]
    }

    /// `f`: full speed for the next run, or back to the lesson's watchable pace (its
    /// tempo applies to the current run at once, as `[` `]` do).
    fn toggle_pace(&mut self) -> Vec<Command> {
        if !self.has_pace() {
            self.message = Some(self.say(
                "this lesson runs at full speed already",
                "本课已经是全速运行",
            ));
            return vec![];
        }
        let lesson_tempo = Settings::of(self.current_lesson()).tempo;
        let s = self.current_mut();
        s.fast = !s.fast;
        s.tempo = if s.fast { 0 } else { lesson_tempo };
        let (fast, tempo) = (s.fast, s.tempo);
        self.message = Some(if fast {
            self.say(
                "next run at full speed (f: the lesson's pace)",
                "下次运行全速（f：恢复课程节奏）",
            )
        } else {
            self.say(
                "next run at the lesson's pace (f: full speed)",
                "下次运行使用课程节奏（f：全速）",
            )
        });
        vec![Command::SetTempo(tempo)]
    }

    fn change_tempo(&mut self, by: i32) -> Vec<Command> {
        let i = TEMPOS
            .iter()
            .position(|t| *t >= self.current().tempo)
            .unwrap_or(0) as i32;
        let next = TEMPOS[(i + by).clamp(0, TEMPOS.len() as i32 - 1) as usize];
        self.current_mut().tempo = next;
        vec![Command::SetTempo(next)]
    }
}

#[cfg(test)]
mod tests {
    use crate::app::tests::frame;
    use crate::app::{App, Command, Key, panes_for};
    use crate::engine::protocol::{Event, Op, Role};

    #[test]
    fn tempo_keys_step_through_the_list_and_apply_live() {
        let mut app = App::default();
        assert_eq!(app.on_key(Key::Char(']')), vec![Command::SetTempo(20)]);
        assert_eq!(app.on_key(Key::Char(']')), vec![Command::SetTempo(50)]);
        assert_eq!(app.on_key(Key::Char('[')), vec![Command::SetTempo(20)]);
        for _ in 0..20 {
            app.on_key(Key::Char(']'));
        }
        assert_eq!(app.current().tempo, 2000);
    }

    #[test]
    fn enter_steps_the_process_chosen_with_tab() {
        let mut app = App::default();
        app.on_key(Key::Char(' '));
        assert!(app.stepping);
        // Main first, as in every run: the workers are A (1) and B (2).
        app.on_frame(&frame(
            10,
            Event::Spawned {
                ppid: 1,
                role: Role::Main,
                label: "main".into(),
                start_method: "exec".into(),
            },
        ));
        for pid in [11, 12] {
            app.on_frame(&frame(
                pid,
                Event::Spawned {
                    ppid: 10,
                    role: Role::Worker,
                    label: format!("w{pid}"),
                    start_method: "fork".into(),
                },
            ));
            app.on_frame(&frame(
                pid,
                Event::StepPoint {
                    op: Op::Read,
                    detail: "read".into(),
                },
            ));
        }
        assert_eq!(app.on_key(Key::Enter), vec![Command::Step(11)]);
        app.on_key(Key::Tab);
        assert_eq!(app.on_key(Key::Enter), vec![Command::Step(12)]);
        app.on_key(Key::Char('1'));
        assert_eq!(app.on_key(Key::Enter), vec![Command::Step(11)]);
    }

    #[test]
    fn help_swallows_the_next_key_but_q_still_quits() {
        let mut app = App::default();
        app.on_key(Key::Char('?'));
        assert!(app.help);
        assert_eq!(app.on_key(Key::Char('r')), vec![]);
        assert!(!app.help);
        app.on_key(Key::Char('?'));
        assert_eq!(app.on_key(Key::Char('q')), vec![Command::Quit]);
    }

    #[test]
    fn e_cycles_through_the_panes_and_back() {
        let mut app = App::default();
        let n = panes_for(app.demo()).len();
        for _ in 0..n {
            app.on_key(Key::Char('e'));
            assert!(app.expanded.is_some());
        }
        app.on_key(Key::Char('e'));
        assert_eq!(app.expanded, None);
    }
}
