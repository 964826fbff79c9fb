//! The TUI's application state and key handling, without a terminal: keys go in,
//! [`Command`]s for the runner come out, events from the run update [`RunState`].

pub mod time;

use std::collections::BTreeSet;

use crate::engine::demos::{DemoKind, Params};
use crate::engine::protocol::{Event, Frame};
use crate::state::RunState;

/// Delays per operation that `[` and `]` step through.
pub const TEMPOS: [u32; 8] = [0, 20, 50, 100, 200, 500, 1000, 2000];

/// What the app asks the runner to do.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    /// Stop any current run and start this one.
    Start(Params),
    Stop,
    Pause,
    Resume,
    SetTempo(u32),
    SetStepping(bool),
    Step(i32),
    /// Stop any current run and start this Python program under the probe.
    StartPython(crate::engine::python::PythonProgram),
    /// Stop the current run and stop listening to it (the lesson changed).
    Discard,
    Quit,
}

/// A pane that can be expanded with `e`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pane {
    Tree,
    Cores,
    Demo,
    Output,
    Timeline,
    /// The lesson's Python program.
    Code,
    /// The lesson's text.
    Text,
}

impl Pane {
    /// The name a lesson step uses for the pane (see `course::PANES`).
    pub fn name(self) -> &'static str {
        match self {
            Pane::Tree => "tree",
            Pane::Cores => "cores",
            Pane::Demo => "demo",
            Pane::Output => "output",
            Pane::Timeline => "timeline",
            Pane::Code => "code",
            Pane::Text => "text",
        }
    }
}

/// The panes a lesson shows, in the order `e` cycles through them.
pub fn panes_for(_demo: DemoKind) -> &'static [Pane] {
    &[
        Pane::Demo,
        Pane::Text,
        Pane::Code,
        Pane::Tree,
        Pane::Cores,
        Pane::Output,
        Pane::Timeline,
    ]
}

/// Per-lesson settings the user changes with keys; they apply to the next run
/// (tempo and step mode also to the current one).
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    pub workers: u32,
    pub lock: bool,
    pub tempo: u32,
    pub mode: usize,
}

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
}

/// The whole app.
pub struct App {
    /// The course: embedded, or an instructor's folder (`--lessons DIR`).
    pub lessons: Vec<crate::course::Lesson>,
    /// Index into `lessons`.
    pub lesson: usize,
    pub settings: Vec<Settings>,
    /// The live state of the current (or last) run: every frame applied.
    pub run: RunState,
    /// The run's recording and the time cursor into it.
    pub time: time::TimeTravel,
    /// The lesson of the current/last run, if any.
    pub run_lesson: Option<usize>,
    pub paused: bool,
    pub stepping: bool,
    /// Index into the gated processes (step mode) chosen with Tab or a number.
    pub selected: usize,
    pub expanded: Option<Pane>,
    /// Lines the lesson text is scrolled down by (PgUp/PgDn).
    pub text_scroll: u16,
    /// Language of the lesson text.
    pub lang: crate::course::Lang,
    pub help: bool,
    /// Finished lessons: every step that checks a run has seen its run.
    pub done: BTreeSet<usize>,
    /// The step each lesson is at.
    pub step_at: Vec<usize>,
    /// Steps whose check a run has shown, per lesson.
    pub checked: Vec<BTreeSet<usize>>,
    /// The answer given to each step's prediction, per lesson.
    pub answers: Vec<std::collections::BTreeMap<usize, String>>,
    /// A one-line message on the status bar.
    pub message: Option<String>,
    /// The Python interpreter found at start, if any.
    pub python: Option<std::path::PathBuf>,
    /// Run lessons' own demo.py under the probe instead of the native demos (`R`).
    pub use_python: bool,
    /// `proclab watch`: the student's program and its arguments.
    pub watch: Option<(std::path::PathBuf, Vec<String>)>,
    /// The last run was a Python program.
    pub run_python: bool,
    /// Free-threaded interpreters found at start (`python3.13t`...), for the GIL lesson.
    pub free_threaded: Vec<std::path::PathBuf>,
    /// The current run is the GIL lesson's program under this free-threaded interpreter,
    /// adding its threads bar to these results of the run before.
    pub ft_run: Option<(String, Vec<crate::engine::protocol::Outcome>)>,
    /// Commands a run's end asks for (the runner takes them after each event).
    pub pending: Vec<Command>,
    pub quit: bool,
}

impl Default for App {
    fn default() -> Self {
        Self::new(crate::course::embedded())
    }
}

impl App {
    /// The app at the first lesson of `lessons`, each with its lesson.toml's defaults.
    pub fn new(lessons: Vec<crate::course::Lesson>) -> Self {
        let settings = lessons
            .iter()
            .map(|l| {
                let d = l.demo;
                let p = crate::course::format::params_from(d, &l.def.params)
                    .unwrap_or_else(|_| Params::new(d));
                let queue_items = d == DemoKind::Queue && p.mode() != "sum";
                Settings {
                    workers: if queue_items {
                        p.producers()
                    } else {
                        p.workers()
                    },
                    lock: p.lock(),
                    tempo: p.tempo_ms,
                    mode: d.modes().iter().position(|m| *m == p.mode()).unwrap_or(0),
                }
            })
            .collect();
        let n = lessons.len();
        Self {
            lessons,
            lesson: 0,
            settings,
            run: RunState::new(),
            time: time::TimeTravel::default(),
            run_lesson: None,
            paused: false,
            stepping: false,
            selected: 0,
            expanded: None,
            text_scroll: 0,
            lang: crate::course::Lang::En,
            help: false,
            done: BTreeSet::new(),
            step_at: vec![0; n],
            checked: vec![BTreeSet::new(); n],
            answers: vec![Default::default(); n],
            message: None,
            python: None,
            use_python: false,
            watch: None,
            run_python: false,
            free_threaded: Vec::new(),
            ft_run: None,
            pending: Vec::new(),
            quit: false,
        }
    }

    /// Open the first lesson that runs this demo.
    pub fn select(&mut self, demo: DemoKind) {
        if let Some(i) = self.lessons.iter().position(|l| l.demo == demo) {
            self.lesson = i;
        }
    }

    /// The open lesson.
    pub fn current_lesson(&self) -> &crate::course::Lesson {
        &self.lessons[self.lesson]
    }

    /// The open lesson's steps.
    pub fn steps(&self) -> &[crate::course::format::Step] {
        &self.lessons[self.lesson].def.steps
    }

    /// The selected lesson's demo.
    pub fn demo(&self) -> DemoKind {
        self.lessons[self.lesson].demo
    }

    /// The selected lesson's settings.
    pub fn current(&self) -> &Settings {
        &self.settings[self.lesson]
    }

    fn current_mut(&mut self) -> &mut Settings {
        &mut self.settings[self.lesson]
    }

    /// The selected lesson's mode name.
    pub fn mode(&self) -> Option<&'static str> {
        self.demo().modes().get(self.current().mode).copied()
    }

    /// True while a run is going on.
    pub fn running(&self) -> bool {
        self.run.running()
    }

    /// Parameters for running the selected lesson now.
    pub fn params(&self) -> Params {
        let lesson = self.current_lesson();
        // The lesson's own [params] first (an instructor may set iterations, maxsize...),
        // then what the user changed with keys.
        let from_lesson = crate::course::format::params_from(lesson.demo, &lesson.def.params).ok();
        let p = self.with_settings(from_lesson.unwrap_or_else(|| Params::new(lesson.demo)));
        if p.validate().is_ok() {
            p
        } else {
            // A key made the lesson's extras invalid (say maxtasks in another pool mode).
            self.with_settings(Params::new(lesson.demo))
        }
    }

    fn with_settings(&self, mut p: Params) -> Params {
        let d = p.demo;
        let s = self.current();
        if d.options().contains(&crate::engine::demos::Opt::Workers) {
            // Queue's items mode counts producers, not workers.
            if d == DemoKind::Queue && self.mode() != Some("sum") {
                p.producers = Some(s.workers);
                p.workers = None;
            } else {
                p.workers = Some(s.workers);
                p.producers = None;
                p.consumers = None;
            }
        }
        if d.options().contains(&crate::engine::demos::Opt::Lock) {
            p.lock = Some(s.lock);
        }
        // By hand or slowed down, thousands of increments per worker would never end.
        if matches!(d, DemoKind::Lock | DemoKind::Manager) {
            if self.stepping {
                p.iterations = Some(3);
            } else if s.tempo > 0 {
                p.iterations = Some(if d == DemoKind::Lock { 100 } else { 20 });
            }
        }
        p.mode = self.mode().map(str::to_string);
        p.tempo_ms = s.tempo;
        p.step = self.stepping;
        p
    }

    /// Results a line of the Python program's output carries, per its lesson's
    /// `[python]` patterns: the outcomes a native run would report.
    fn results_from_output(&self, line: &str) -> Vec<crate::engine::protocol::Outcome> {
        let Some(lesson) = self.run_lesson.and_then(|i| self.lessons.get(i)) else {
            return vec![];
        };
        let serial = self
            .run
            .timings()
            .iter()
            .find(|t| t.0 == "serial")
            .map(|t| t.1);
        let found = lesson.def.python.outcomes(line, serial);
        match &self.ft_run {
            None => found,
            // Under the free-threaded interpreter only its threads bar is new.
            Some((label, _)) => found
                .into_iter()
                .filter_map(|o| match o {
                    crate::engine::protocol::Outcome::Timing {
                        variant,
                        workers,
                        wall_ms,
                        cpu_ms,
                        speedup,
                    } if variant == "threads" => Some(crate::engine::protocol::Outcome::Timing {
                        variant: format!("threads ({label}, no GIL)"),
                        workers,
                        wall_ms,
                        cpu_ms,
                        speedup,
                    }),
                    _ => None,
                })
                .collect(),
        }
    }

    /// True when `r` runs a Python program (a watched one, or the lesson's own).
    pub fn python_chosen(&self) -> bool {
        self.python.is_some() && (self.watch.is_some() || self.use_python)
    }

    /// What `r` runs under the Python runner, in words (drawn every frame: no copy of the
    /// program's text).
    pub fn python_next_run(&self) -> Option<String> {
        if !self.python_chosen() {
            return None;
        }
        let python = self.python.as_ref()?.display();
        Some(match &self.watch {
            Some((script, args)) if args.is_empty() => {
                format!("{} under {python}", script.display())
            }
            Some((script, args)) => {
                format!(
                    "{} under {python} with {}",
                    script.display(),
                    args.join(" ")
                )
            }
            None => format!("the lesson's demo.py under {python}"),
        })
    }

    /// The Python program `r` runs now, if the Python runner is chosen.
    pub fn python_program(&self) -> Option<crate::engine::python::PythonProgram> {
        if !self.python_chosen() {
            return None;
        }
        let python = self.python.clone()?;
        if let Some((script, args)) = &self.watch {
            return Some(crate::engine::python::PythonProgram {
                python,
                script: script.clone(),
                script_text: None,
                args: args.clone(),
                name: "script".into(),
            });
        }
        let lesson = self.current_lesson();
        Some(crate::engine::python::PythonProgram {
            python,
            script: std::path::PathBuf::from("demo.py"),
            script_text: Some(lesson.demo_py.clone()),
            args: Vec::new(),
            name: lesson.demo.name().to_string(),
        })
    }

    /// Take in an event from the run.
    pub fn on_frame(&mut self, f: &Frame) {
        if let Event::RunStarted { .. } = f.event {
            self.run = RunState::new();
            // The free-threaded run adds a bar to the results of the run before it.
            if let Some((_, carried)) = &self.ft_run {
                for o in carried.clone() {
                    self.run.apply(&Frame {
                        t_us: f.t_us,
                        pid: 0,
                        event: Event::Outcome(o),
                    });
                }
            }
        }
        self.run.apply(f);
        if self.run_python
            && let Event::Output { line, .. } = &f.event
        {
            for o in self.results_from_output(line) {
                self.run.apply(&Frame {
                    t_us: f.t_us,
                    pid: f.pid,
                    event: Event::Outcome(o),
                });
            }
        }
        if let Event::RunEnded(summary) = &f.event {
            self.paused = false;
            if self.ft_run.take().is_none()
                && self.run_python
                && self.demo() == DemoKind::Gil
                && self.watch.is_none()
                && summary.main_status == Some(crate::engine::protocol::ExitStatus::Code(0))
                && !summary.stopped
                && let Some(ft) = self.free_threaded.first().cloned()
            {
                let label = ft
                    .file_name()
                    .map_or("free-threaded".into(), |n| n.to_string_lossy().into_owned());
                let carried: Vec<crate::engine::protocol::Outcome> = self
                    .run
                    .outcomes
                    .iter()
                    .filter(|o| matches!(o, crate::engine::protocol::Outcome::Timing { .. }))
                    .cloned()
                    .collect();
                if let Some(mut program) = self.python_program() {
                    program.python = ft;
                    self.message = Some(format!(
                        "a free-threaded Python is here: timing the threads under {label}..."
                    ));
                    self.ft_run = Some((label, carried));
                    self.pending.push(Command::StartPython(program));
                    return;
                }
            }
            self.check_step();
        }
        if self.stepping {
            let n = self.run.gated().len();
            if n > 0 && self.selected >= n {
                self.selected = n - 1;
            }
        }
    }

    /// Lesson `i`'s title in the current language.
    pub fn title(&self, i: usize) -> &str {
        self.lessons.get(i).map_or("", |l| l.title(self.lang))
    }

    /// The current step of the open lesson, if it has steps.
    pub fn step(&self) -> Option<&crate::course::format::Step> {
        self.steps().get(self.step_at[self.lesson])
    }

    /// True on a step with nothing to run or check, followed by another step.
    fn on_reading_step(&self) -> bool {
        let i = self.lesson;
        self.step().is_some_and(|s| {
            s.check.is_none()
                && s.prediction.is_none()
                && s.action == crate::course::format::Action::Read
        }) && self.step_at[i] + 1 < self.steps().len()
    }

    /// True when the current step asks a prediction that has not been answered yet.
    pub fn awaiting_prediction(&self) -> bool {
        self.step().is_some_and(|s| s.prediction.is_some())
            && !self.answers[self.lesson].contains_key(&self.step_at[self.lesson])
    }

    /// After a run of this lesson ended: does it show what the current step asks? If so
    /// the step completes itself and the lesson moves on.
    fn check_step(&mut self) {
        let Some(i) = self.run_lesson else {
            return;
        };
        if i != self.lesson {
            return;
        }
        let at = self.step_at[i];
        let steps = &self.lessons[i].def.steps;
        let Some(check) = steps.get(at).and_then(|s| s.check) else {
            return;
        };
        let zh = self.lang == crate::course::Lang::Zh;
        if !crate::app::shows(&self.run, check) {
            let (en, zh_wants) = check.wants();
            let native = if self.run_python {
                self.say(" (or press R for the native demo)", "（或按 R 换原生演示）")
            } else {
                String::new()
            };
            self.message = Some(if zh {
                format!("这次运行没有显示：{zh_wants}。再试一次{native}")
            } else {
                format!("this run did not show {en}: try again{native}")
            });
            return;
        }
        self.checked[i].insert(at);
        let verdict = match (steps[at].prediction.as_ref(), self.answers[i].get(&at), zh) {
            (Some(p), Some(a), false) if *a == p.answer => {
                " Your prediction was right.".to_string()
            }
            (Some(p), Some(a), true) if *a == p.answer => " 你的预测是对的。".to_string(),
            (Some(p), Some(a), false) => {
                format!(" You predicted '{a}'; the answer is '{}'.", p.answer)
            }
            (Some(p), Some(a), true) => format!(
                " 你预测的是 '{}'，答案是 '{}'。",
                p.show(a, self.lang),
                p.show(&p.answer, self.lang)
            ),
            _ => String::new(),
        };
        self.message = Some(if zh {
            format!("第 {} 步完成。{verdict}", at + 1)
        } else {
            format!("step {} done.{verdict}", at + 1)
        });
        let with_checks: Vec<usize> = (0..steps.len())
            .filter(|k| steps[*k].check.is_some())
            .collect();
        if at + 1 < steps.len() {
            self.step_at[i] = at + 1;
        }
        if with_checks.iter().all(|k| self.checked[i].contains(k)) {
            self.done.insert(i);
        }
    }

    /// Choose `pid` for the next step; false unless it waits at a step point.
    pub fn choose(&mut self, pid: i32) -> bool {
        match self.run.gated().iter().position(|p| *p == pid) {
            Some(i) if self.stepping => {
                self.selected = i;
                true
            }
            _ => false,
        }
    }

    /// The PID chosen for the next step, if any process waits.
    pub fn selected_pid(&self) -> Option<i32> {
        let g = self.run.gated();
        g.get(self.selected.min(g.len().saturating_sub(1))).copied()
    }

    /// A message in the lesson language.
    fn say(&self, en: &str, zh: &str) -> String {
        match self.lang {
            crate::course::Lang::En => en.to_string(),
            crate::course::Lang::Zh => zh.to_string(),
        }
    }

    /// Handle one key; returns what the runner must do.
    pub fn on_key(&mut self, key: Key) -> Vec<Command> {
        self.message = None;
        if self.help {
            // Any key closes the help; q and Ctrl-C still quit.
            self.help = false;
            if !matches!(key, Key::Char('q') | Key::CtrlC) {
                return vec![];
            }
        }
        match key {
            Key::Char('q') | Key::CtrlC => {
                self.quit = true;
                vec![Command::Quit]
            }
            Key::Char('?') => {
                self.help = true;
                vec![]
            }
            Key::Esc => {
                self.expanded = None;
                vec![]
            }
            Key::Char('L') => {
                self.lang = self.lang.toggled();
                self.message = Some(match self.lang {
                    crate::course::Lang::En => "lesson text: English".into(),
                    crate::course::Lang::Zh => "lesson text: 中文".into(),
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
                            crate::course::Lang::En => {
                                format!("you predict '{choice}': now press r")
                            }
                            crate::course::Lang::Zh => {
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
                if self.running() {
                    self.message = Some("restarted: the previous run was stopped".into());
                }
                self.paused = false;
                self.run_lesson = Some(self.lesson);
                self.selected = 0;
                match self.python_program() {
                    Some(program) => {
                        self.run_python = true;
                        if self.stepping || self.current().tempo > 0 {
                            self.message = Some(
                                "step mode and tempo slow the native demos; a Python program runs at its own pace".into(),
                            );
                        }
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
                    self.message = Some("proclab watch runs your Python program".into());
                    return vec![];
                }
                match &self.python {
                    None => {
                        self.message = Some(
                            "no python3 on PATH: install Python 3.8+ (apt-get install python3) or use --python; the native runner needs nothing".into(),
                        )
                    }
                    Some(py) => {
                        self.use_python = !self.use_python;
                        self.message = Some(if self.use_python {
                            format!("runner: the lesson's demo.py under {} (press r)", py.display())
                        } else {
                            "runner: native demo (press r)".to_string()
                        });
                    }
                }
                vec![]
            }
            Key::Char('+' | '=' | '-' | '[' | ']' | 'm' | 'l' | ' ') if self.python_chosen() => {
                self.message = Some(
                    "that key sets up the native demo; a Python program runs as written (R: native)"
                        .into(),
                );
                vec![]
            }
            Key::Char('s') => {
                if self.running() {
                    vec![Command::Stop]
                } else {
                    self.message = Some("nothing is running: press r to run".into());
                    vec![]
                }
            }
            Key::Char('p') => {
                if !self.running() {
                    self.message = Some("nothing to pause: press r to run".into());
                    return vec![];
                }
                self.paused = !self.paused;
                vec![if self.paused {
                    Command::Pause
                } else {
                    Command::Resume
                }]
            }
            Key::Char('l') => {
                if !self
                    .demo()
                    .options()
                    .contains(&crate::engine::demos::Opt::Lock)
                {
                    self.message = Some("this lesson's demo has no lock to switch".into());
                    return vec![];
                }
                let s = self.current_mut();
                s.lock = !s.lock;
                self.message = Some(format!(
                    "lock {} for the next run (press r)",
                    if self.current().lock { "ON" } else { "OFF" }
                ));
                vec![]
            }
            Key::Char('+') | Key::Char('=') => self.change_workers(1),
            Key::Char('-') => self.change_workers(-1),
            Key::Char('[') => self.change_tempo(-1),
            Key::Char(']') => self.change_tempo(1),
            Key::Char('m') => {
                let n = self.demo().modes().len();
                if n == 0 {
                    self.message = Some("this lesson has one mode".into());
                    return vec![];
                }
                let s = self.current_mut();
                s.mode = (s.mode + 1) % n;
                self.message = Some(format!(
                    "mode {} for the next run",
                    self.mode().unwrap_or("")
                ));
                vec![]
            }
            Key::Char(' ') => {
                self.stepping = !self.stepping;
                self.selected = 0;
                vec![Command::SetStepping(self.stepping)]
            }
            Key::Tab => {
                let n = self.run.gated().len().max(1);
                self.selected = (self.selected + 1) % n;
                vec![]
            }
            Key::BackTab => {
                let n = self.run.gated().len().max(1);
                self.selected = (self.selected + n - 1) % n;
                vec![]
            }
            Key::Char(c @ '1'..='9') => {
                let i = c as usize - '1' as usize;
                if i < self.run.gated().len() {
                    self.selected = i;
                }
                vec![]
            }
            Key::Enter => match (self.stepping, self.selected_pid()) {
                (true, Some(pid)) => vec![Command::Step(pid)],
                (true, None) => {
                    self.message = Some("no process is waiting for a step yet".into());
                    vec![]
                }
                (false, _) => {
                    self.message = Some("press space for step mode first".into());
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
                self.expanded = match self.expanded {
                    None => step_pane.or(panes.first().copied()),
                    Some(p) => panes
                        .iter()
                        .position(|x| *x == p)
                        .and_then(|i| panes.get(i + 1))
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
            self.message = Some(format!(
                "stopped the {} demo",
                self.title(self.run_lesson.unwrap_or(self.lesson))
            ));
        }
        self.lesson = i;
        self.expanded = None;
        self.text_scroll = 0;
        self.paused = false;
        self.run = RunState::new();
        self.run_lesson = None;
        vec![Command::Discard]
    }

    fn change_workers(&mut self, by: i32) -> Vec<Command> {
        if !self
            .demo()
            .options()
            .contains(&crate::engine::demos::Opt::Workers)
        {
            self.message = Some("this lesson's demo has a fixed number of processes".into());
            return vec![];
        }
        let s = self.current_mut();
        s.workers = (s.workers as i32 + by).clamp(1, 64) as u32;
        let n = self.current().workers;
        self.message = Some(format!(
            "{n} worker{} for the next run (press r)",
            if n == 1 { "" } else { "s" }
        ));
        vec![]
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

/// Whether a finished run shows what a step's check asks.
pub fn shows(run: &RunState, check: crate::course::format::Check) -> bool {
    use crate::course::format::Check;
    use crate::engine::protocol::{ExitStatus, Outcome};
    let completed = run
        .summary
        .as_ref()
        .is_some_and(|s| !s.stopped && s.main_status == Some(ExitStatus::Code(0)));
    // Each check reads the native demo's outcome, or failing that what the events show
    // (a Python program's run has no native outcomes).
    let counters = || {
        run.outcomes.iter().filter_map(|o| match o {
            Outcome::Counter {
                expected, actual, ..
            } => Some((*expected, *actual)),
            _ => None,
        })
    };
    let others = || {
        run.procs
            .values()
            .filter(|p| p.pid != run.main_pid && p.role != crate::engine::protocol::Role::Server)
    };
    completed && match check {
        Check::RunCompleted => true,
        Check::LostUpdates => counters().any(|(e, a)| a < e),
        Check::ExactCounter => {
            let param = |k: &str| {
                run.params
                    .iter()
                    .find(|(key, _)| key == k)
                    .and_then(|(_, v)| v.parse::<i64>().ok())
            };
            let shared_exact = run.outcomes.iter().any(|o| match o {
                Outcome::Shared { value, .. } => {
                    let want = param("workers")
                        .zip(param("iterations"))
                        .map(|(w, n)| w * n);
                    want.is_some_and(|w| value.to_string() == w.to_string())
                }
                _ => false,
            });
            counters().any(|(e, a)| a == e) || shared_exact
        }
        Check::PidReuse => {
            let started: Vec<i32> = run.tasks.iter().filter_map(|t| t.pid).collect();
            let pids: std::collections::BTreeSet<i32> = started.iter().copied().collect();
            run.outcomes.iter().any(
                |o| matches!(o, Outcome::Pool { tasks, distinct_pids, .. } if distinct_pids < tasks),
            ) || (!pids.is_empty() && pids.len() < started.len())
        }
        Check::ZombieSeen => run.zombie_seen,
        Check::ParallelSpeedup => run
            .timings()
            .iter()
            .any(|(v, _, speedup, _)| v == "processes" && *speedup > 1.2),
        Check::AllMessagesReceived => run.outcomes.iter().any(|o| {
            matches!(o, Outcome::Pipe { duplex, sent, received, replies, eof }
                if received == sent && if *duplex { replies == sent } else { *eof })
        }),
        Check::ForkserverParent => {
            let servers: Vec<i32> = run
                .procs
                .values()
                .filter(|p| p.role == crate::engine::protocol::Role::Server)
                .map(|p| p.pid)
                .collect();
            let forkservers: Vec<i32> = run
                .procs
                .values()
                .filter(|p| p.role == crate::engine::protocol::Role::Server && p.label == "forkserver")
                .map(|p| p.pid)
                .collect();
            run.outcomes.iter().any(|o| match o {
                Outcome::StartMethods { rows } => rows.iter().any(|r| {
                    r.method == "forkserver" && r.ppid != run.main_pid && servers.contains(&r.ppid)
                }),
                _ => false,
            }) || others().any(|p| forkservers.contains(&p.ppid))
        }
        Check::OrphanReparented => {
            run.outcomes.iter().any(
                |o| matches!(o, Outcome::Orphan { ppid_before, ppid_after, .. } if ppid_before != ppid_after),
            ) || !run.reparented.is_empty()
        }
        Check::ChildrenTerminated => {
            run.outcomes.iter().any(|o| match o {
                Outcome::Processes { children } => children
                    .iter()
                    .any(|(_, s)| *s == ExitStatus::Signal(libc::SIGTERM)),
                _ => false,
            }) || others().any(|p| {
                p.exit
                    .is_some_and(|(s, _)| s == ExitStatus::Signal(libc::SIGTERM))
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::protocol::{Op, Role};

    fn frame(pid: i32, event: Event) -> Frame {
        Frame {
            t_us: 1,
            pid,
            event,
        }
    }

    #[test]
    fn r_runs_the_selected_lesson_with_its_settings() {
        let mut app = App::default();
        app.select(DemoKind::Lock);
        app.on_key(Key::Char('l'));
        app.on_key(Key::Char('-'));
        // Past the reading step and its prediction.
        app.on_key(Key::Char('r'));
        app.on_key(Key::Char('1'));
        let cmds = app.on_key(Key::Char('r'));
        let Some(Command::Start(p)) = cmds.first() else {
            panic!("{cmds:?}")
        };
        assert_eq!(p.demo, DemoKind::Lock);
        assert_eq!(p.lock, Some(true), "l toggled the default (off) to on");
        assert_eq!(p.workers, Some(3));
        assert_eq!(p.validate(), Ok(()));
    }

    #[test]
    fn capital_r_switches_to_the_lessons_own_program_when_python_is_there() {
        let mut app = App::default();
        app.select(DemoKind::Pipe);
        app.on_key(Key::Char('R'));
        assert!(!app.use_python, "no interpreter known");
        assert!(app.message.as_deref().unwrap_or("").contains("no python3"));
        app.python = Some("/usr/bin/python3".into());
        app.on_key(Key::Char('R'));
        assert!(app.use_python);
        app.on_key(Key::Char('r')); // past the reading step
        app.on_key(Key::Char('1'));
        let cmds = app.on_key(Key::Char('r'));
        let Some(Command::StartPython(p)) = cmds.first() else {
            panic!("{cmds:?}")
        };
        assert_eq!(p.name, "pipe");
        assert_eq!(
            p.script_text.as_deref(),
            Some(app.current_lesson().demo_py.as_str())
        );
        app.on_key(Key::Char('R'));
        let cmds = app.on_key(Key::Char('r'));
        assert!(matches!(cmds.first(), Some(Command::Start(_))), "{cmds:?}");
    }

    #[test]
    fn a_python_run_is_checked_by_what_its_program_prints() {
        let mut app = App::default();
        app.select(DemoKind::Lock);
        app.python = Some("/usr/bin/python3".into());
        app.on_key(Key::Char('R'));
        app.on_key(Key::Char('r'));
        app.on_key(Key::Char('2')); // "no": the counter will not reach 80000
        let cmds = app.on_key(Key::Char('r'));
        assert!(matches!(cmds.first(), Some(Command::StartPython(_))));
        let at = app.step_at[app.lesson];
        let frames = [
            Event::RunStarted {
                demo: "lock".into(),
                params: vec![("runner".into(), "python".into())],
                runner_pid: 1,
                main_pid: 2,
            },
            Event::Output {
                stream: crate::engine::protocol::Stream::Stdout,
                line: "counter = 35220, expected 80000 (lock off)".into(),
            },
            Event::Exited {
                status: crate::engine::protocol::ExitStatus::Code(0),
            },
            Event::RunEnded(crate::engine::protocol::RunSummary {
                demo: "lock".into(),
                main_status: Some(crate::engine::protocol::ExitStatus::Code(0)),
                wall_ms: 500.0,
                processes: 5,
                stopped: false,
                errors: 0,
            }),
        ];
        for e in frames {
            app.on_frame(&frame(2, e));
        }
        assert!(app.checked[app.lesson].contains(&at), "{:?}", app.message);
        assert!(app.message.as_deref().unwrap_or("").contains("right"));
    }

    #[test]
    fn a_free_threaded_python_adds_a_threads_bar_to_the_gil_results() {
        use crate::engine::protocol::{ExitStatus, RunSummary, Stream};
        let mut app = App::default();
        app.select(DemoKind::Gil);
        app.python = Some("/usr/bin/python3".into());
        app.free_threaded = vec!["/opt/py/python3.13t".into()];
        app.on_key(Key::Char('R'));
        app.on_key(Key::Char('r'));
        app.on_key(Key::Char('1'));
        let cmds = app.on_key(Key::Char('r'));
        assert!(matches!(cmds.first(), Some(Command::StartPython(_))));
        let run = |app: &mut App, lines: &[&str]| {
            app.on_frame(&frame(
                2,
                Event::RunStarted {
                    demo: "gil".into(),
                    params: vec![],
                    runner_pid: 1,
                    main_pid: 2,
                },
            ));
            for l in lines {
                app.on_frame(&frame(
                    2,
                    Event::Output {
                        stream: Stream::Stdout,
                        line: l.to_string(),
                    },
                ));
            }
            app.on_frame(&frame(
                2,
                Event::RunEnded(RunSummary {
                    demo: "gil".into(),
                    main_status: Some(ExitStatus::Code(0)),
                    wall_ms: 1.0,
                    processes: 1,
                    stopped: false,
                    errors: 0,
                }),
            ));
        };
        run(
            &mut app,
            &[
                "serial       1.20 s",
                "threads      1.25 s",
                "processes    0.65 s",
            ],
        );
        let Some(Command::StartPython(p)) = app.pending.pop() else {
            panic!("a second run under the free-threaded interpreter")
        };
        assert_eq!(p.python, std::path::PathBuf::from("/opt/py/python3.13t"));
        run(
            &mut app,
            &[
                "serial       1.10 s",
                "threads      0.60 s",
                "processes    0.62 s",
            ],
        );
        let t = app.run.timings();
        let names: Vec<&str> = t.iter().map(|x| x.0.as_str()).collect();
        assert_eq!(
            names,
            [
                "serial",
                "threads",
                "processes",
                "threads (python3.13t, no GIL)"
            ]
        );
        assert!((t[3].2 - 2.0).abs() < 0.01, "1.20 s serial / 0.60 s: {t:?}");
        assert!(app.pending.is_empty(), "one free-threaded run, not a loop");
    }

    #[test]
    fn every_lesson_starts_valid_parameters() {
        let mut app = App::default();
        for d in DemoKind::ALL {
            app.select(d);
            for _ in 0..d.modes().len().max(1) {
                assert_eq!(app.params().validate(), Ok(()), "{d:?} {:?}", app.mode());
                app.on_key(Key::Char('m'));
            }
        }
    }

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

    fn finished_lock_run(app: &mut App, expected: i64, actual: i64) {
        use crate::engine::protocol::{ExitStatus, Outcome, RunSummary};
        app.on_frame(&frame(
            1,
            Event::RunStarted {
                demo: "lock".into(),
                params: vec![],
                runner_pid: 1,
                main_pid: 2,
            },
        ));
        app.on_frame(&frame(
            2,
            Event::Outcome(Outcome::Counter {
                expected,
                actual,
                locked: false,
            }),
        ));
        app.on_frame(&frame(
            2,
            Event::RunEnded(RunSummary {
                demo: "lock".into(),
                main_status: Some(ExitStatus::Code(0)),
                wall_ms: 1.0,
                processes: 5,
                stopped: false,
                errors: 0,
            }),
        ));
    }

    #[test]
    fn read_predict_run_observe_completes_steps_and_the_lesson() {
        let mut app = App::default();
        app.select(DemoKind::Lock);
        assert_eq!(app.step_at[app.lesson], 0, "starts reading");
        assert_eq!(
            app.on_key(Key::Char('r')),
            vec![],
            "the prediction comes first"
        );
        assert!(app.awaiting_prediction());
        app.on_key(Key::Char('2'));
        assert_eq!(
            app.answers[app.lesson].get(&1).map(String::as_str),
            Some("no")
        );
        let cmds = app.on_key(Key::Char('r'));
        assert!(matches!(cmds.first(), Some(Command::Start(_))), "{cmds:?}");
        // An exact count does not show lost updates: the step stays.
        finished_lock_run(&mut app, 80_000, 80_000);
        assert_eq!(app.step_at[app.lesson], 1);
        // Lost updates complete it, and the prediction is judged.
        finished_lock_run(&mut app, 80_000, 41_000);
        assert_eq!(app.step_at[app.lesson], 2);
        assert!(
            app.message
                .as_deref()
                .is_some_and(|m| m.contains("prediction was right"))
        );
        assert!(!app.done.contains(&app.lesson), "one more check to go");
        finished_lock_run(&mut app, 80_000, 80_000);
        assert!(
            app.done.contains(&app.lesson),
            "every checked step seen: lesson done"
        );
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
