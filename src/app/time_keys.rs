//! Keys for time: moving the cursor, playing the recording, saving it (`w`), re-running a
//! step-mode run's schedule on fresh processes (`a`), and what a replay refuses to do.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::engine::protocol::Frame;
use crate::record::file::{Header, Writer, Written};
use crate::record::schedule::{Do, Player, Schedule};

use super::time::JUMP_US;
use super::{App, Command, Key};

/// Time between two steps of a re-run schedule in the app, so a class can follow them.
pub const SCHEDULE_PACE: Duration = Duration::from_millis(300);

impl App {
    /// A key about time, handled; `None` for any other key.
    pub(super) fn on_time_key(&mut self, key: Key) -> Option<Vec<Command>> {
        let moved = match key {
            Key::Left | Key::Char(',') => self.time.back(),
            Key::Right | Key::Char('.') => self.time.forward(),
            Key::ShiftLeft | Key::Char('<') => self.time.jump(-(JUMP_US as i64)),
            Key::ShiftRight | Key::Char('>') => self.time.jump(JUMP_US as i64),
            Key::Home => self.time.home(),
            Key::End => {
                self.time.end();
                Ok(())
            }
            Key::Char('P') => match self.time.toggle_play() {
                Ok(true) => {
                    let speed = self.time.speed();
                    self.message = Some(if self.zh() {
                        format!("以 {speed}x 播放录制（P 暂停，{{ }} 调速度）")
                    } else {
                        format!("playing the recording at {speed}x (P pauses, {{ }} speed)")
                    });
                    Ok(())
                }
                Ok(false) => {
                    self.message =
                        Some(self.say("playback paused (P plays on)", "播放已暂停（按 P 继续）"));
                    Ok(())
                }
                Err(e) => Err(e),
            },
            Key::Char('{') | Key::Char('}') => {
                let by = if key == Key::Char('}') { 1 } else { -1 };
                let speed = self.time.change_speed(by);
                self.message = Some(if self.zh() {
                    format!("播放速度 {speed}x")
                } else {
                    format!("playback at {speed}x")
                });
                Ok(())
            }
            Key::Char('w') => {
                self.message = Some(match self.save_recording() {
                    // The path first: a narrow bottom line cuts the end, not the name.
                    Ok((path, w)) => {
                        self.kept = true;
                        if self.zh() {
                            format!(
                                "已保存 {}（{} 个事件；用 proclab replay 查看）",
                                path.display(),
                                w.frames
                            )
                        } else {
                            format!(
                                "saved {} ({} events; proclab replay shows it)",
                                path.display(),
                                w.frames
                            )
                        }
                    }
                    Err(e) => e,
                });
                Ok(())
            }
            Key::Char('a') => return Some(self.rerun_schedule()),
            // Stepping acts on the live run: looking at the past, say how to get back.
            Key::Enter | Key::Tab | Key::BackTab if self.time.cursor.is_some() => {
                Err("showing the past: End goes back to live, then step")
            }
            _ => return None,
        };
        if let Err(why) = moved {
            self.message = Some(self.say(why, time_words_zh(why)));
        }
        self.align_cursor();
        Some(vec![])
    }

    /// In a replay no process starts: the keys that would start or steer one say why.
    pub(super) fn refuse_in_replay(&mut self, key: Key) -> Option<Vec<Command>> {
        let file = self.replay.as_ref()?.display().to_string();
        let lesson = self.current_lesson().def.id.clone();
        let why = match key {
            Key::Char(
                'r' | 'R' | 's' | 'p' | 'l' | '+' | '=' | '-' | '[' | ']' | 'm' | ' ' | 'a',
            )
            | Key::Enter
                if self.zh() =>
            {
                format!("{file} 的回放：不会启动任何进程（要实时运行：proclab --lesson {lesson}）")
            }
            Key::Char(
                'r' | 'R' | 's' | 'p' | 'l' | '+' | '=' | '-' | '[' | ']' | 'm' | ' ' | 'a',
            )
            | Key::Enter => format!(
                "a replay of {file}: it starts no process (to run it live: proclab --lesson {lesson})"
            ),
            Key::Up | Key::Down | Key::Char('j' | 'k') => self.say(
                "a replay shows one run: quit and open proclab to take the other lessons",
                "回放只显示一次运行：退出后打开 proclab 学习其他课程",
            ),
            _ => return None,
        };
        self.message = Some(why);
        Some(vec![])
    }

    /// Where the current run's recording is saved by `w`: the current folder if it can be
    /// written, else proclab's data folder.
    fn save_path(&self) -> PathBuf {
        let stem = format!(
            "proclab-{}-{}",
            self.run_lesson
                .and_then(|i| self.lessons.get(i))
                .map_or(self.run.demo.as_str(), |l| l.def.id.as_str()),
            local_stamp()
        );
        // A new file, never one saved before (two saves in one second get -2, -3...).
        let fresh = |dir: &Path| {
            (1..100)
                .map(|n| numbered(&dir.join(format!("{stem}.rec")), n))
                .find(|p| {
                    std::fs::OpenOptions::new()
                        .create_new(true)
                        .write(true)
                        .open(p)
                        .map(|_| std::fs::remove_file(p))
                        .is_ok()
                })
        };
        fresh(Path::new(""))
            .or_else(|| {
                crate::course::progress::default_path()
                    .and_then(|p| p.parent().map(|d| d.join("recordings")))
                    .filter(|d| std::fs::create_dir_all(d).is_ok())
                    .and_then(|d| fresh(&d))
            })
            .unwrap_or_else(|| PathBuf::from(format!("{stem}.rec")))
    }

    /// Write the current run's recording to a file (`w`).
    pub fn save_recording(&mut self) -> Result<(PathBuf, Written), String> {
        if let Some(file) = &self.replay {
            return Err(format!("this replay is a file already: {}", file.display()));
        }
        let Some(first) = self.time.rec.frame(0) else {
            return Err("nothing recorded yet: press r to run".into());
        };
        let path = self.save_path();
        let header = Header::for_run(&first, self.run_lesson_id());
        let w = Writer::create(&path, &header)
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        for f in self.time.rec.frames(0, self.time.rec.len()) {
            w.push(f);
        }
        let written = w.finish()?;
        if self.time.rec.is_full() {
            return Err(format!(
                "saved only the first {} events to {}: the recording was full (use --record FILE to keep a whole run)",
                written.frames,
                path.display()
            ));
        }
        Ok((path, written))
    }

    /// The lesson id of the current run, for a recording's header.
    fn run_lesson_id(&self) -> Option<String> {
        if self.watch.is_some() {
            return None;
        }
        self.run_lesson
            .and_then(|i| self.lessons.get(i))
            .map(|l| l.def.id.clone())
    }

    /// With `--record FILE`, start writing a run that just began (its first frame).
    pub(super) fn start_recording(&mut self, first: &Frame) {
        let Some(base) = self.record_to.clone() else {
            return;
        };
        self.runs_recorded += 1;
        let path = numbered(&base, self.runs_recorded);
        match Writer::create(&path, &Header::for_run(first, self.run_lesson_id())) {
            Ok(w) => {
                self.recorder = Some(w);
                self.kept = true;
            }
            Err(e) if self.zh() => {
                self.message = Some(format!("无法录制到 {}：{e}", path.display()))
            }
            Err(e) => self.message = Some(format!("cannot record to {}: {e}", path.display())),
        }
    }

    /// The run ended: close its file; what to say about it.
    pub(super) fn finish_recording(&mut self) -> Option<String> {
        let w = self.recorder.take()?;
        let path = w.path().to_path_buf();
        let zh = self.zh();
        Some(match w.finish() {
            Ok(done) if zh => format!(
                "已把 {} 个事件录制到 {}（每个事件 {:.1} 字节）",
                done.frames,
                path.display(),
                done.bytes_per_frame()
            ),
            Ok(done) => format!(
                "recorded {} events to {} ({:.1} bytes/event)",
                done.frames,
                path.display(),
                done.bytes_per_frame()
            ),
            Err(e) => e,
        })
    }

    /// `a`: run this recording's step-mode schedule again on fresh processes.
    fn rerun_schedule(&mut self) -> Vec<Command> {
        if self.python_chosen() {
            self.message = Some(self.say(
                "a recorded schedule re-runs on the native demo (R switches); a Python program is stepped by hand (space)",
                "录制的调度只能在内置演示上重放（按 R 切换）；Python 程序请用空格手动单步",
            ));
            return vec![];
        }
        let schedule = match Schedule::from_frames(self.time.rec.frames(0, self.time.rec.len())) {
            Ok(s) => s,
            Err(e) => {
                self.message = Some(e);
                return vec![];
            }
        };
        if schedule.params.demo != self.demo() {
            self.message = Some("the recorded run is another lesson's demo".into());
            return vec![];
        }
        self.message = Some(if self.zh() {
            format!(
                "正在重放录制的调度：在新进程上执行 {} 步，每 {:.1} 秒一步",
                schedule.steps(),
                SCHEDULE_PACE.as_secs_f64()
            )
        } else {
            format!(
                "re-running the recorded schedule: {} steps on new processes, one every {:.1} s",
                schedule.steps(),
                SCHEDULE_PACE.as_secs_f64()
            )
        });
        let params = schedule.params.clone();
        self.player = Some((Player::new(schedule), Instant::now()));
        self.stepping = true;
        self.paused = false;
        self.run_lesson = Some(self.lesson);
        self.run_python = false;
        self.selected = None;
        vec![Command::Start(params)]
    }

    /// True when `r` would throw away a run worth keeping: one being looked at in the past,
    /// or one stepped by hand, that is neither saved nor recorded to a file.
    pub(super) fn worth_keeping(&self) -> bool {
        !self.kept
            && self.replay.is_none()
            && !self.time.rec.is_empty()
            && (self.time.cursor.is_some() || self.run.steps > 0)
    }

    /// The run a schedule drove ended: how it went.
    pub(super) fn finish_schedule(&mut self) -> Option<String> {
        let (player, _) = self.player.take()?;
        let (done, all) = player.steps_made();
        Some(match player.diverged() {
            Some(why) => format!("the run left the schedule: {why}"),
            None if !player.finished() => format!(
                "the run ended after {done} of the schedule's {all} steps (waiting for {})",
                player.waiting_for().unwrap_or_default()
            ),
            None if player.past_the_end() => format!(
                "schedule re-run: all {all} steps made; the rest is yours (Enter steps, space runs freely)"
            ),
            None => format!("schedule re-run: all {all} steps made on new processes"),
        })
    }

    /// What time asks for now: the playback moves on, a re-run schedule takes its next
    /// step when its pace allows. Returns commands for the runner; true in the second
    /// place when the screen changed.
    pub fn tick(&mut self, now: Instant) -> (Vec<Command>, bool) {
        let was_playing = self.time.playing();
        let mut changed = self.time.tick(now);
        if changed {
            self.align_cursor();
        }
        if was_playing && !self.time.playing() {
            self.message = Some(self.say(
                "playback reached the end: live again",
                "播放到了结尾：回到实时",
            ));
        }
        let mut out = Vec::new();
        // A paused run cannot do its operations: the schedule waits with it.
        if let Some((player, next)) = &mut self.player
            && now >= *next
            && !self.paused
        {
            for d in player.ready() {
                out.push(match d {
                    Do::Step(pid) => Command::Step(pid),
                    Do::Stepping(on) => Command::SetStepping(on),
                    Do::Stop => Command::Stop,
                });
            }
            if !out.is_empty() {
                *next = now + SCHEDULE_PACE;
                changed = true;
            }
            if let Some(why) = player.diverged() {
                self.message = Some(format!("the run left the schedule: {why}"));
            }
        }
        // Every recorded move made: the rest of the run is the user's again.
        if self.player.as_ref().is_some_and(|(p, _)| p.finished())
            && let Some(note) = self.finish_schedule()
        {
            self.add_message(note);
        }
        (out, changed)
    }

    /// True while something moves without input (playback, a schedule): the terminal
    /// loop wakes up often enough for it.
    pub fn animating(&self) -> bool {
        self.time.playing() || self.player.is_some()
    }
}

/// `base` for the first run, `base-2.ext` for the second, and so on.
fn numbered(base: &Path, n: u32) -> PathBuf {
    if n <= 1 {
        return base.to_path_buf();
    }
    let stem = base
        .file_stem()
        .map_or("run".into(), |s| s.to_string_lossy().into_owned());
    let name = match base.extension() {
        Some(ext) => format!("{stem}-{n}.{}", ext.to_string_lossy()),
        None => format!("{stem}-{n}"),
    };
    base.with_file_name(name)
}

/// Local date and time as `YYYYmmdd-HHMMSS`, for file names.
fn local_stamp() -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs()) as libc::time_t;
    // SAFETY: localtime_r fills the tm we own from a time_t we own.
    let tm = unsafe {
        let mut tm: libc::tm = std::mem::zeroed();
        libc::localtime_r(&now, &mut tm);
        tm
    };
    format!(
        "{:04}{:02}{:02}-{:02}{:02}{:02}",
        tm.tm_year + 1900,
        tm.tm_mon + 1,
        tm.tm_mday,
        tm.tm_hour,
        tm.tm_min,
        tm.tm_sec
    )
}

/// The time cursor's refusals (see `time.rs`) in Chinese.
fn time_words_zh(en: &str) -> &'static str {
    match en {
        "at the start of the recording" => "已在录制的开头",
        "already live: ← goes back one event" => "已是实时：按 ← 后退一个事件",
        "already live: < goes back 100 ms" => "已是实时：按 < 后退 100 ms",
        "nothing recorded yet: press r to run" => "还没有录制：按 r 运行",
        "showing the past: End goes back to live, then step" => {
            "正在显示过去：按 End 回到实时，再单步"
        }
        _ => "时间光标无法移动",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::protocol::{Event, Role, Sample, Scalar};

    fn at(t_ms: u64, pid: i32, event: Event) -> Frame {
        Frame {
            t_us: 1_000_000 + t_ms * 1000,
            pid,
            event,
        }
    }

    fn spawned(t_ms: u64, pid: i32, role: Role, label: &str) -> Frame {
        at(
            t_ms,
            pid,
            Event::Spawned {
                ppid: 10,
                role,
                label: label.into(),
                start_method: "fork".into(),
            },
        )
    }

    fn write(t_ms: u64, pid: i32, v: i32) -> Frame {
        at(
            t_ms,
            pid,
            Event::SharedWrite {
                name: "counter".into(),
                index: 0,
                value: Scalar::I32(v),
            },
        )
    }

    fn started() -> Frame {
        at(
            0,
            10,
            Event::RunStarted {
                demo: "lock".into(),
                params: vec![],
                runner_pid: 1,
                main_pid: 10,
            },
        )
    }

    #[test]
    fn a_process_keeps_its_letter_at_every_moment() {
        let mut app = App::default();
        app.on_frame(&started());
        app.on_frame(&spawned(1, 10, Role::Main, "main"));
        // Worker 1 (pid 12) announces itself before worker 0 (pid 11): once both have,
        // they take letters in fork (PID) order: 11 is A, 12 is B.
        app.on_frame(&spawned(2, 12, Role::Worker, "worker 1"));
        app.on_frame(&write(3, 12, 1));
        app.on_frame(&spawned(4, 11, Role::Worker, "worker 0"));
        app.on_frame(&write(5, 11, 2));
        assert_eq!(app.run.procs[&12].glyph(), 'B');
        // Back to pid 12's write, when pid 11 had not announced itself yet.
        for _ in 0..2 {
            app.on_key(Key::Left);
        }
        assert_eq!(app.time.position(), Some((4, 6)));
        let shown = app.shown();
        assert!(!shown.procs.contains_key(&11));
        assert_eq!(shown.procs[&12].glyph(), 'B', "the letter of the whole run");
        let told = crate::record::words::tell(&app.time.current_frame().expect("frame"), shown);
        assert!(told.starts_with("B (12) wrote counter"), "{told}");
    }

    #[test]
    fn arrows_pass_over_samples_and_r_keeps_a_studied_run_until_asked_twice() {
        let mut app = App::default();
        app.select(crate::engine::demos::DemoKind::Lock);
        app.on_frame(&started());
        app.on_frame(&spawned(1, 11, Role::Worker, "worker 0"));
        app.on_frame(&write(2, 11, 1));
        for t in 3..20 {
            app.on_frame(&at(
                t,
                0,
                Event::Sample(Sample {
                    cores: vec![50.0],
                    procs: vec![],
                }),
            ));
        }
        app.on_frame(&write(30, 11, 2));
        app.on_key(Key::Left);
        assert_eq!(
            app.shown().counter_seen,
            Some(Scalar::I32(1)),
            "back past 17 samples"
        );
        assert_eq!(app.time.position(), Some((3, 21)));
        app.on_key(Key::Right);
        assert_eq!(app.time.position(), None, "forward past them: the live end");
        app.on_key(Key::Left);
        // Looking at the past, r first asks; a second r runs.
        assert!(app.on_key(Key::Char('r')).is_empty());
        assert!(
            app.message
                .as_deref()
                .is_some_and(|m| m.contains("w saves it"))
        );
        app.on_key(Key::Char('r'));
        assert!(
            app.message
                .as_deref()
                .is_some_and(|m| !m.contains("w saves it")),
            "the second r goes on (here: to the lesson's prediction): {:?}",
            app.message
        );
    }

    #[test]
    fn a_replay_refuses_every_key_that_would_start_a_process() {
        let mut app = App {
            replay: Some(PathBuf::from("r.rec")),
            ..App::default()
        };
        app.on_frame(&started());
        for k in ['r', 'R', 'a', ' ', 's', 'p'] {
            assert!(app.on_key(Key::Char(k)).is_empty(), "{k}");
            assert!(
                app.message
                    .as_deref()
                    .is_some_and(|m| m.contains("starts no process")),
                "{k}: {:?}",
                app.message
            );
        }
    }

    #[test]
    fn later_runs_get_numbered_files() {
        assert_eq!(numbered(Path::new("r.rec"), 1), PathBuf::from("r.rec"));
        assert_eq!(
            numbered(Path::new("d/r.rec"), 3),
            PathBuf::from("d/r-3.rec")
        );
        assert_eq!(numbered(Path::new("run"), 2), PathBuf::from("run-2"));
    }
}
