//! Helpers shared by the integration tests: run the real binary, read its JSON events,
//! and check that nothing of a run is left behind.
#![allow(dead_code)]

pub mod big;
pub mod python;
pub mod screen;
pub mod tui;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use proclab::engine::protocol::{Event, Frame, Outcome, Role, from_json_line};

/// The proclab binary cargo built for these tests.
pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_proclab")
}

/// A finished headless run.
pub struct Finished {
    pub frames: Vec<Frame>,
    pub code: Option<i32>,
    pub stderr: String,
}

/// Run `proclab run <args> --json` to the end and parse every line.
pub fn run_json(args: &[&str]) -> Finished {
    // --json before a program's own arguments (after `--`), which are not proclab's.
    let split = args.iter().position(|a| *a == "--").unwrap_or(args.len());
    let out = Command::new(bin())
        .arg("run")
        .args(&args[..split])
        .arg("--json")
        .args(&args[split..])
        .stdin(Stdio::null())
        .output()
        .expect("proclab runs");
    let text = String::from_utf8_lossy(&out.stdout);
    let frames: Vec<Frame> = text
        .lines()
        .map(|l| from_json_line(l).unwrap_or_else(|e| panic!("bad JSON line {l:?}: {e}")))
        .collect();
    let f = Finished {
        frames,
        code: out.status.code(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    f.assert_clean_end();
    f
}

impl Finished {
    /// Every line any process printed, in the order proclab shows them.
    pub fn output_lines(&self) -> Vec<String> {
        self.frames
            .iter()
            .filter_map(|f| match &f.event {
                Event::Output { line, .. } => Some(line.clone()),
                _ => None,
            })
            .collect()
    }

    /// The demo's main PID (from the first event).
    pub fn main_pid(&self) -> i32 {
        match &self.frames.first().map(|f| &f.event) {
            Some(Event::RunStarted { main_pid, .. }) => *main_pid,
            other => panic!("first event is not run_started: {other:?}"),
        }
    }

    /// (pid, ppid, role, label) of every process that announced itself.
    pub fn spawned(&self) -> Vec<(i32, i32, Role, String)> {
        self.frames
            .iter()
            .filter_map(|f| match &f.event {
                Event::Spawned {
                    ppid, role, label, ..
                } => Some((f.pid, *ppid, *role, label.clone())),
                _ => None,
            })
            .collect()
    }

    /// Every outcome event.
    pub fn outcomes(&self) -> Vec<Outcome> {
        self.frames
            .iter()
            .filter_map(|f| match &f.event {
                Event::Outcome(o) => Some(o.clone()),
                _ => None,
            })
            .collect()
    }

    /// Checks every run must pass: summary last, no error events, no process left.
    pub fn assert_clean_end(&self) {
        let last = self.frames.last().expect("some output");
        assert!(
            matches!(last.event, Event::RunEnded(_)),
            "summary is the last line, got {:?}\nstderr: {}",
            last.event,
            self.stderr
        );
        let pgid = self.main_pid();
        assert_group_gone(pgid);
        assert_no_shm_left();
    }

    /// Error events, if any.
    pub fn errors(&self) -> Vec<String> {
        self.frames
            .iter()
            .filter_map(|f| match &f.event {
                Event::Error { message, .. } => Some(message.clone()),
                _ => None,
            })
            .collect()
    }
}

/// PIDs of live processes (not zombies) whose process group is `pgid`.
pub fn group_members(pgid: i32) -> Vec<(i32, char)> {
    let mut out = Vec::new();
    for e in std::fs::read_dir("/proc").expect("/proc").flatten() {
        let Ok(pid) = e.file_name().to_string_lossy().parse::<i32>() else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
            continue;
        };
        // Fields after the command name, which is in parentheses and may hold spaces.
        let Some(rest) = stat.rfind(')').map(|i| &stat[i + 2..]) else {
            continue;
        };
        let f: Vec<&str> = rest.split_whitespace().collect();
        let state = f[0].chars().next().unwrap_or('?');
        if f[2].parse::<i32>() == Ok(pgid) {
            out.push((pid, state));
        }
    }
    out
}

/// Wait up to 3 s for every process of the group to be gone.
pub fn assert_group_gone(pgid: i32) {
    let until = Instant::now() + Duration::from_secs(3);
    loop {
        let left = group_members(pgid);
        if left.is_empty() {
            return;
        }
        assert!(
            Instant::now() < until,
            "demo processes left behind in group {pgid}: {left:?}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Nothing named after proclab in /dev/shm whose run has ended. A segment is named after
/// its demo's main PID (`proclab_psm_PID`): one whose process is still alive belongs to a
/// run going on elsewhere on the machine (another test binary, a lesson open in a
/// terminal), not to a run this test left behind.
pub fn assert_no_shm_left() {
    let alive = |name: &str| {
        let digits: String = name
            .chars()
            .rev()
            .take_while(char::is_ascii_digit)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        !digits.is_empty() && std::path::Path::new(&format!("/proc/{digits}")).exists()
    };
    if let Ok(dir) = std::fs::read_dir("/dev/shm") {
        let left: Vec<String> = dir
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.contains("proclab") && !alive(n))
            .collect();
        assert!(left.is_empty(), "left in /dev/shm: {left:?}");
    }
}

/// A run in progress whose JSON lines are read as they come.
pub struct Live {
    pub child: Child,
    lines: std::io::Lines<BufReader<std::process::ChildStdout>>,
    pub frames: Vec<Frame>,
}

impl Live {
    /// The demo's main PID, from the run's first event.
    pub fn main_pid(&mut self) -> i32 {
        let f = self.until("run_started", |f| {
            matches!(f.event, Event::RunStarted { .. })
        });
        match f.event {
            Event::RunStarted { main_pid, .. } => main_pid,
            _ => unreachable!("matched above"),
        }
    }

    /// Start `proclab run <args> --json` with stdin piped.
    pub fn start(args: &[&str]) -> Live {
        Self::start_cmd(args, false)
    }

    /// The same, with SIGINT ignored, as a shell script's `proclab ... &` starts it.
    pub fn start_ignoring_sigint(args: &[&str]) -> Live {
        Self::start_cmd(args, true)
    }

    fn start_cmd(args: &[&str], ignore_sigint: bool) -> Live {
        use std::os::unix::process::CommandExt;
        let mut cmd = Command::new(bin());
        cmd.arg("run")
            .args(args)
            .arg("--json")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        if ignore_sigint {
            // SAFETY: signal() is async-signal-safe.
            unsafe {
                cmd.pre_exec(|| {
                    libc::signal(libc::SIGINT, libc::SIG_IGN);
                    Ok(())
                });
            }
        }
        let mut child = cmd.spawn().expect("proclab starts");
        let lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
        // A test that waits for an event that never comes must fail, not hang CI: after a
        // minute the run is interrupted (SIGINT ends it cleanly, so the reads end too).
        let pid = child.id() as i32;
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_secs(60));
            // SAFETY: signalling the child we started; harmless if it is already gone.
            unsafe { libc::kill(pid, libc::SIGINT) };
        });
        Live {
            child,
            lines,
            frames: Vec::new(),
        }
    }

    /// Read events until `pred` holds for one; returns it.
    pub fn until(&mut self, what: &str, mut pred: impl FnMut(&Frame) -> bool) -> Frame {
        for line in self.lines.by_ref() {
            let line = line.expect("read stdout");
            let frame = from_json_line(&line).expect("valid JSON line");
            self.frames.push(frame.clone());
            if pred(&frame) {
                return frame;
            }
        }
        panic!("stream ended before {what}; got {:#?}", self.frames);
    }

    /// Read every remaining event.
    pub fn rest(&mut self) {
        for line in self.lines.by_ref() {
            let line = line.expect("read stdout");
            self.frames
                .push(from_json_line(&line).expect("valid JSON line"));
        }
    }
}

impl Drop for Live {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
