//! The TUI's application state, without a terminal: keys go in (`keys`), [`Command`]s
//! for the runner come out, events from the run update [`RunState`] and move the lesson's
//! steps along (`flow`); `settings` hold what the next run will be.

mod flow;
pub mod headless;
mod instruct;
mod keys;
mod settings;
mod step_keys;
mod time_keys;
mod view;

pub mod replay;
pub mod time;

use std::collections::BTreeSet;

use crate::engine::demos::{DemoKind, Params};
use crate::engine::protocol::{Event, Frame};
use crate::state::RunState;

pub use keys::Key;
pub use settings::{Settings, TEMPOS};

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

/// A pane that can be expanded with `e` (and hidden with `v`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
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
    /// `--record FILE`: every run is also written there (the second run to FILE-2, ...).
    pub record_to: Option<std::path::PathBuf>,
    /// The file the current run is being written to.
    pub recorder: Option<crate::record::file::Writer>,
    /// Runs recorded to files so far (for their numbers).
    pub runs_recorded: u32,
    /// The recording is kept somewhere (saved with `w`, or written by `--record`).
    pub kept: bool,
    /// `r` was pressed once on a run worth keeping: the next `r` starts the new run.
    pub confirm_new_run: bool,
    /// `proclab replay FILE`: the recording shown; no process is ever started.
    pub replay: Option<std::path::PathBuf>,
    /// An export's place in the recording it streams through.
    pub streamed: Option<time::Streamed>,
    /// A recorded schedule being re-run on fresh processes, and when its next step may go.
    pub player: Option<(crate::record::schedule::Player, std::time::Instant)>,
    /// The lesson of the current/last run, if any.
    pub run_lesson: Option<usize>,
    pub paused: bool,
    pub stepping: bool,
    /// The process chosen for the next step (Tab, its number or a click); it stays chosen
    /// while it runs or blocks between its gates.
    pub selected: Option<i32>,
    pub expanded: Option<Pane>,
    /// Lines the lesson text is scrolled down by (PgUp/PgDn).
    pub text_scroll: u16,
    /// Language of the lesson text.
    pub lang: crate::course::Lang,
    pub help: bool,
    /// Presenter mode (`--present`, `F`): one big pane and the lesson's key figure.
    pub present: bool,
    /// The pane chooser (`v`) is open.
    pub chooser: bool,
    /// Panes hidden with the chooser, per lesson (kept across runs).
    pub hidden: Vec<BTreeSet<Pane>>,
    /// Lines the help is scrolled down by (it may not fit a small terminal).
    pub help_scroll: u16,
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
    /// `--no-predict`: predictions are asked of the class, not answered, graded or
    /// waited for.
    pub no_predict: bool,
    /// `g` was pressed: the step number typed so far.
    pub goto: Option<String>,
    /// `X` was pressed once: X again (or y) forgets the open lesson's progress.
    pub confirm_reset: bool,
    /// Lines the user scrolled the program by, on one (lesson, step).
    pub code_scroll: Option<((usize, usize), i32)>,
    /// What the program pane last drew: (lesson, step, its top line, the lowest top line
    /// that keeps the pane full), so PgUp/PgDn move from what is on screen.
    pub code_shown: std::cell::Cell<Option<(usize, usize, usize, usize)>>,
    /// The last screen drawn had the program pane on it (true until a screen is drawn), so
    /// PgUp/PgDn never scroll a pane out of sight.
    pub code_in_sight: std::cell::Cell<bool>,
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
        let settings = lessons.iter().map(Settings::of).collect();
        let n = lessons.len();
        Self {
            lessons,
            lesson: 0,
            settings,
            run: RunState::new(),
            time: time::TimeTravel::default(),
            record_to: None,
            recorder: None,
            runs_recorded: 0,
            kept: false,
            confirm_new_run: false,
            replay: None,
            streamed: None,
            player: None,
            run_lesson: None,
            paused: false,
            stepping: false,
            selected: None,
            expanded: None,
            text_scroll: 0,
            lang: crate::course::Lang::En,
            help: false,
            present: false,
            chooser: false,
            hidden: vec![BTreeSet::new(); n],
            help_scroll: 0,
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
            no_predict: false,
            goto: None,
            confirm_reset: false,
            code_scroll: None,
            code_shown: std::cell::Cell::new(None),
            code_in_sight: std::cell::Cell::new(true),
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

    /// The selected lesson's demo.
    pub fn demo(&self) -> DemoKind {
        self.lessons[self.lesson].demo
    }

    /// True while a run is going on.
    pub fn running(&self) -> bool {
        self.run.running()
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

    /// Take in an event from the run.
    pub fn on_frame(&mut self, f: &Frame) {
        if let Event::RunStarted { .. } = f.event {
            self.run = RunState::new();
            self.time.restart();
            self.kept = false;
            if let Some(note) = self.finish_recording() {
                self.add_message(note);
            }
            self.start_recording(f);
            self.take(f);
            // The free-threaded run adds a bar to the results of the run before it.
            if let Some((_, carried)) = self.ft_run.clone() {
                for o in carried {
                    self.take(&Frame {
                        t_us: f.t_us,
                        pid: 0,
                        event: Event::Outcome(o),
                    });
                }
            }
        } else {
            self.take(f);
        }
        if self.run_python
            && let Event::Output { line, .. } = &f.event
        {
            for o in self.results_from_output(line) {
                self.take(&Frame {
                    t_us: f.t_us,
                    pid: f.pid,
                    event: Event::Outcome(o),
                });
            }
        }
        if let Some((player, _)) = &mut self.player {
            player.observe(f);
        }
        // A new process can reorder its young siblings' letters: the past follows.
        if matches!(f.event, Event::Spawned { .. }) {
            self.align_cursor();
        }
        if let Event::RunEnded(summary) = &f.event {
            self.paused = false;
            // Said after what the lesson says about the run (check_step's verdict).
            let notes: Vec<String> = [self.finish_schedule(), self.finish_recording()]
                .into_iter()
                .flatten()
                .collect();
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
                    self.message = Some(if self.zh() {
                        format!("这里有一个自由线程的 Python：正在用 {label} 为线程计时……")
                    } else {
                        format!(
                            "a free-threaded Python is here: timing the threads under {label}..."
                        )
                    });
                    self.ft_run = Some((label, carried));
                    self.pending.push(Command::StartPython(program));
                    for n in notes {
                        self.add_message(n);
                    }
                    return;
                }
            }
            self.check_step();
            for n in notes {
                self.add_message(n);
            }
        }
    }

    /// Apply a frame to the live state, keeping it in the recording (and the file) first:
    /// everything the screen ever showed can be shown again.
    pub fn take(&mut self, f: &Frame) {
        self.time.append(f, &self.run);
        if let Some(w) = &self.recorder {
            w.push(f.clone());
        }
        self.run.apply(f);
    }

    /// Add to the message line (after what it says already).
    pub fn add_message(&mut self, m: String) {
        self.message = Some(match self.message.take() {
            Some(old) => format!("{old}  {m}"),
            None => m,
        });
    }

    /// Lesson `i`'s title in the current language.
    pub fn title(&self, i: usize) -> &str {
        self.lessons.get(i).map_or("", |l| l.title(self.lang))
    }

    /// A message in the lesson language.
    fn say(&self, en: &str, zh: &str) -> String {
        self.lang.t(en, zh).to_string()
    }

    /// Words for the screen in the current language (see [`crate::course::Lang::t`]).
    pub fn t<'a>(&self, en: &'a str, zh: &'a str) -> &'a str {
        self.lang.t(en, zh)
    }

    /// The screen is in Chinese: for texts built with `format!`.
    pub fn zh(&self) -> bool {
        self.lang.is_zh()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A frame from `pid` (the time does not matter to the app).
    pub(super) fn frame(pid: i32, event: Event) -> Frame {
        Frame {
            t_us: 1,
            pid,
            event,
        }
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
}
