//! The step flow of a lesson: read, predict, run, observe. A finished run completes the
//! step when it shows what the step's check asks.

use crate::course::Lang;
use crate::course::format::{Action, Step};
use crate::course::judge::shows;

use super::App;

impl App {
    /// The open lesson's steps.
    pub fn steps(&self) -> &[Step] {
        &self.lessons[self.lesson].def.steps
    }

    /// The current step of the open lesson, if it has steps.
    pub fn step(&self) -> Option<&Step> {
        self.steps().get(self.step_at[self.lesson])
    }

    /// True on a step with nothing to run or check, followed by another step.
    pub(super) fn on_reading_step(&self) -> bool {
        let i = self.lesson;
        self.step().is_some_and(|s| {
            s.check.is_none() && s.prediction.is_none() && s.action == Action::Read
        }) && self.step_at[i] + 1 < self.steps().len()
    }

    /// True when the current step asks a prediction that has not been answered yet (never
    /// under `--no-predict`: the question is put to the class and the run goes on).
    pub fn awaiting_prediction(&self) -> bool {
        !self.no_predict
            && self.step().is_some_and(|s| s.prediction.is_some())
            && !self.answers[self.lesson].contains_key(&self.step_at[self.lesson])
    }

    /// After a run of this lesson ended: does it show what the current step asks? If so
    /// the step completes itself and the lesson moves on.
    pub(super) fn check_step(&mut self) {
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
        let zh = self.lang == Lang::Zh;
        // A run whose own measurements show a machine too busy for the comparison is
        // neither a pass nor a fail: said so, and the prediction is not graded on it.
        if let Some((en, zh_why)) = crate::course::judge::unfit(&self.run, check) {
            self.message = Some(if zh { zh_why } else { en });
            return;
        }
        if !shows(&self.run, check) {
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
        // Under --no-predict the class answered aloud: nothing to grade.
        let answer = self.answers[i].get(&at).filter(|_| !self.no_predict);
        let verdict = match (steps[at].prediction.as_ref(), answer, zh) {
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
}

#[cfg(test)]
mod tests {
    use crate::app::tests::frame;
    use crate::app::{App, Command, Key};
    use crate::engine::demos::DemoKind;
    use crate::engine::protocol::Event;

    /// A GIL run on a busy machine: its serial phase did not get a whole core, so it
    /// cannot show what parallelism does. It is said so, and neither passes the step nor
    /// grades the prediction; the same run on an idle machine does.
    #[test]
    fn a_run_too_busy_to_show_parallelism_is_not_graded() {
        use crate::course::format::Check;
        use crate::engine::protocol::{ExitStatus, Outcome, RunSummary};
        for (serial_cpu, graded) in [(600.0, false), (880.0, true)] {
            let mut app = App::default();
            app.select(DemoKind::Gil);
            let steps = &app.lessons[app.lesson].def.steps;
            let at = steps
                .iter()
                .position(|s| s.check == Some(Check::ParallelSpeedup))
                .expect("the GIL lesson checks the speedup");
            let answer = steps[at].prediction.as_ref().map(|p| p.answer.clone());
            app.step_at[app.lesson] = at;
            if let Some(a) = answer {
                app.answers[app.lesson].insert(at, a);
            }
            app.on_key(Key::Char('r'));
            let timing = |variant: &str, wall_ms: f64, cpu_ms: f64| {
                Event::Outcome(Outcome::Timing {
                    variant: variant.into(),
                    workers: 4,
                    wall_ms,
                    cpu_ms,
                    speedup: 900.0 / wall_ms,
                })
            };
            let frames = [
                Event::RunStarted {
                    demo: "gil".into(),
                    params: vec![],
                    runner_pid: 1,
                    main_pid: 2,
                },
                timing("serial", 900.0, serial_cpu),
                timing("processes", 300.0, 1100.0),
                Event::Exited {
                    status: ExitStatus::Code(0),
                },
                Event::RunEnded(RunSummary {
                    demo: "gil".into(),
                    main_status: Some(ExitStatus::Code(0)),
                    wall_ms: 2000.0,
                    processes: 8,
                    stopped: false,
                    errors: 0,
                }),
            ];
            for e in frames {
                app.on_frame(&frame(2, e));
            }
            let said = app.message.clone().unwrap_or_default();
            assert_eq!(app.checked[app.lesson].contains(&at), graded, "{said}");
            assert_eq!(said.contains("machine was busy"), !graded, "{said}");
            assert_eq!(said.contains("step"), graded, "{said}");
        }
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
}
