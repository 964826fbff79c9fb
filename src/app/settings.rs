//! The settings of the next run: what the keys changed per lesson, the parameters a
//! native run gets from them, and whether `r` runs a Python program instead.

use crate::course::Lesson;
use crate::engine::demos::{DemoKind, Params};
use crate::engine::python::PythonProgram;

use super::App;

/// Delays per operation that `[` and `]` step through.
pub const TEMPOS: [u32; 8] = [0, 20, 50, 100, 200, 500, 1000, 2000];

/// Per-lesson settings the user changes with keys; they apply to the next run
/// (tempo and step mode also to the current one).
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    pub workers: u32,
    pub lock: bool,
    pub tempo: u32,
    pub mode: usize,
    /// `f`: the lesson's watchable pace is off for the next run (full speed).
    pub fast: bool,
    /// The lesson sets a watchable pace (a tempo, CPU work per operation, a bigger job)
    /// that `f` can drop: fixed by its lesson.toml, so found once, not every frame.
    pub paced: bool,
}

impl Settings {
    /// The settings a lesson's lesson.toml asks for.
    pub(super) fn of(l: &Lesson) -> Self {
        let d = l.demo;
        let p =
            crate::course::format::params_from(d, &l.def.params).unwrap_or_else(|_| Params::new(d));
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
            fast: false,
            paced: {
                let mut fast = p.clone();
                full_speed(&mut fast);
                fast.tempo_ms = 0;
                fast != p
            },
        }
    }
}

/// A lesson's parameters without its pace: no CPU work per operation, and the demo's own
/// quick job sizes where the lesson made them bigger to watch (the tempo is the
/// settings' own).
fn full_speed(p: &mut Params) {
    p.work_us = None;
    match p.demo {
        DemoKind::Process => p.iterations = None,
        DemoKind::Pool => p.cost = None,
        _ => {}
    }
}

impl App {
    /// The selected lesson's settings.
    pub fn current(&self) -> &Settings {
        &self.settings[self.lesson]
    }

    pub(super) fn current_mut(&mut self) -> &mut Settings {
        &mut self.settings[self.lesson]
    }

    /// The selected lesson's mode name.
    pub fn mode(&self) -> Option<&'static str> {
        self.demo().modes().get(self.current().mode).copied()
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
        if s.fast {
            full_speed(&mut p);
        }
        p.mode = self.mode().map(str::to_string);
        p.tempo_ms = s.tempo;
        p.step = self.stepping;
        p
    }

    /// The lesson sets a watchable pace (a tempo, CPU work per operation, a bigger job)
    /// that `f` can turn off.
    pub fn has_pace(&self) -> bool {
        self.current().paced
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
        let zh = self.zh();
        Some(match (&self.watch, zh) {
            (Some((script, args)), false) if args.is_empty() => {
                format!("{} under {python}", script.display())
            }
            (Some((script, args)), true) if args.is_empty() => {
                format!("用 {python} 运行 {}", script.display())
            }
            (Some((script, args)), false) => {
                format!(
                    "{} under {python} with {}",
                    script.display(),
                    args.join(" ")
                )
            }
            (Some((script, args)), true) => {
                format!("用 {python} 运行 {} {}", script.display(), args.join(" "))
            }
            (None, _) => match (self.python_lock_arg(), zh) {
                (Some(arg), false) if self.current().lock => {
                    format!("the lesson's demo.py {arg} under {python}")
                }
                (Some(arg), true) if self.current().lock => {
                    format!("用 {python} 运行本课的 demo.py {arg}")
                }
                (_, false) => format!("the lesson's demo.py under {python}"),
                (_, true) => format!("用 {python} 运行本课的 demo.py"),
            },
        })
    }

    /// The argument that turns the lesson's demo.py lock on, if it has one (never for a
    /// program of the user's own).
    pub fn python_lock_arg(&self) -> Option<&str> {
        if self.watch.is_some() {
            return None;
        }
        self.current_lesson().def.python.lock_arg.as_deref()
    }

    /// The Python program `r` runs now, if the Python runner is chosen.
    pub fn python_program(&self) -> Option<PythonProgram> {
        if !self.python_chosen() {
            return None;
        }
        let python = self.python.clone()?;
        if let Some((script, args)) = &self.watch {
            return Some(PythonProgram {
                python,
                script: script.clone(),
                script_text: None,
                args: args.clone(),
                name: "script".into(),
            });
        }
        let lesson = self.current_lesson();
        let args = match self.python_lock_arg() {
            Some(arg) if self.current().lock => vec![arg.to_string()],
            _ => Vec::new(),
        };
        Some(PythonProgram {
            python,
            script: std::path::PathBuf::from("demo.py"),
            script_text: Some(lesson.demo_py.clone()),
            args,
            name: lesson.demo.name().to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::app::{App, Command, Key};
    use crate::engine::demos::DemoKind;

    #[test]
    fn f_drops_the_lessons_pace_and_brings_it_back() {
        let mut app = App::default();
        app.select(DemoKind::Queue);
        let paced = app.params();
        assert!(paced.work_us() > 0 && paced.tempo_ms > 0, "{paced:?}");
        assert_eq!(app.on_key(Key::Char('f')), vec![Command::SetTempo(0)]);
        let fast = app.params();
        assert_eq!((fast.work_us(), fast.tempo_ms), (0, 0));
        assert_eq!(
            fast.iterations(),
            paced.iterations(),
            "only the pace changes"
        );
        assert_eq!(
            app.on_key(Key::Char('f')),
            vec![Command::SetTempo(paced.tempo_ms)]
        );
        assert_eq!(app.params(), paced);
        // The Process lesson's pace is its job size: full speed is the demo's own.
        app.select(DemoKind::Process);
        let job = app.params().iterations();
        app.on_key(Key::Char('f'));
        assert!(app.params().iterations() < job);
        // A lesson without a pace says so and changes nothing.
        app.select(DemoKind::Gil);
        let before = app.params();
        assert!(app.on_key(Key::Char('f')).is_empty());
        assert!(
            app.message
                .as_deref()
                .unwrap_or("")
                .contains("full speed already")
        );
        assert_eq!(app.params(), before);
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
    fn under_the_python_runner_step_tempo_and_the_lessons_lock_switch_apply() {
        let mut app = App::default();
        app.select(DemoKind::Lock);
        app.python = Some("/usr/bin/python3".into());
        app.on_key(Key::Char('R'));
        assert_eq!(app.on_key(Key::Char(' ')), vec![Command::SetStepping(true)]);
        assert_eq!(app.on_key(Key::Char(']')), vec![Command::SetTempo(20)]);
        // The tempo and step mode go with the Python run's options.
        assert!(app.params().step);
        assert_eq!(app.params().tempo_ms, 20);
        // l runs demo.py with the argument lesson.toml names.
        app.on_key(Key::Char('l'));
        assert_eq!(app.python_program().expect("python").args, ["--lock"]);
        app.on_key(Key::Char('l'));
        assert!(app.python_program().expect("python").args.is_empty());
        // What only the native demo has stays refused.
        app.on_key(Key::Char('+'));
        assert!(app.message.as_deref().unwrap_or("").contains("native demo"));
        // A lesson whose program has no lock switch says so.
        app.select(DemoKind::Pipe);
        app.use_python = true;
        app.on_key(Key::Char('l'));
        assert!(app.python_program().expect("python").args.is_empty());
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
}
