//! Every run is a recording: kept losslessly in a file, replayed without starting a
//! process, exported for handouts, and a hand-made race re-run on new processes. The
//! real binary, headless and in a pseudo-terminal.
//!
//! One file for one feature: its tests share a recording's helpers and read as the
//! README's "Time travel" section does, one behaviour after another.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use common::tui::Tui;
use common::{assert_group_gone, assert_no_shm_left, bin};
use proclab::engine::protocol::{Event, Frame, Op, Outcome, Role, UserAction, from_json_line};

/// A private folder for this test's files, removed when dropped.
struct Dir(PathBuf);

impl Dir {
    fn new(name: &str) -> Dir {
        let d = std::env::temp_dir().join(format!("proclab-tt-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).expect("temp dir");
        Dir(d)
    }

    fn path(&self, f: &str) -> PathBuf {
        self.0.join(f)
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// `proclab <args>`: (exit code, stdout, stderr).
fn proclab(args: &[&str]) -> (Option<i32>, String, String) {
    let out = Command::new(bin())
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("proclab runs");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// `proclab export REC --svg SVG --at AT`.
fn export_svg(rec: &str, svg: &Path, at: &str) -> (Option<i32>, String, String) {
    proclab(&[
        "export",
        rec,
        "--svg",
        svg.to_str().expect("path"),
        "--at",
        at,
    ])
}

fn frames(json: &str) -> Vec<Frame> {
    json.lines()
        .map(|l| from_json_line(l).unwrap_or_else(|e| panic!("bad line {l:?}: {e}")))
        .collect()
}

/// Record a run with `args` (plus --json --record), replay it with --json, and check the
/// two outputs are the same bytes and the file holds at most 40 bytes per event.
fn round_trip(dir: &Dir, args: &[&str]) -> Vec<Frame> {
    let rec = dir.path("r.rec");
    let rec_s = rec.to_str().expect("utf-8 path");
    let mut all = vec!["run"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--json", "--record", rec_s]);
    let (code, live, err) = proclab(&all);
    assert_eq!(code, Some(0), "{err}");
    assert!(
        err.contains("recorded"),
        "the run says where it recorded: {err}"
    );
    let (code, replayed, err) = proclab(&["replay", rec_s, "--json"]);
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(
        replayed, live,
        "replay --json prints exactly what run --json printed"
    );
    let events = live.lines().count();
    let bytes = std::fs::metadata(&rec).expect("the file").len();
    assert!(
        bytes as f64 <= 40.0 * events as f64,
        "{bytes} bytes for {events} events"
    );
    frames(&live)
}

#[test]
fn a_native_run_replays_event_for_event() {
    let dir = Dir::new("native");
    let f = round_trip(
        &dir,
        &[
            "lock",
            "--no-lock",
            "--workers",
            "3",
            "--iterations",
            "3000",
            "--samples",
        ],
    );
    assert!(f.iter().any(|f| matches!(f.event, Event::Outcome(_))));
    // A busier run, with many kinds of events: queue items, samples, output.
    round_trip(
        &dir,
        &[
            "queue",
            "-n",
            "2000",
            "--producers",
            "3",
            "--consumers",
            "2",
            "--samples",
        ],
    );
}

#[test]
fn a_python_run_replays_event_for_event() {
    let dir = Dir::new("python");
    let prog = dir.path("prog.py");
    std::fs::write(
        &prog,
        "import multiprocessing as mp\n\
         def work(q, lock, v):\n    for i in range(50):\n        q.put(i)\n        with lock:\n            v.value += 1\n\
         if __name__ == '__main__':\n    q = mp.Queue(); lock = mp.Lock(); v = mp.Value('i', 0)\n\
         \x20   ps = [mp.Process(target=work, args=(q, lock, v)) for _ in range(2)]\n\
         \x20   [p.start() for p in ps]\n    got = [q.get() for _ in range(100)]\n\
         \x20   [p.join() for p in ps]\n    print('total', sum(got), v.value)\n",
    )
    .expect("program");
    let f = round_trip(&dir, &["--file", prog.to_str().expect("path")]);
    assert!(
        f.iter().any(
            |f| matches!(&f.event, Event::Output { line, .. } if line.starts_with("total 2450 100"))
        ),
        "the program ran to its end"
    );
}

#[test]
fn a_cut_or_foreign_file_is_refused_or_replayed_up_to_where_it_stops() {
    let dir = Dir::new("cut");
    let rec = dir.path("r.rec");
    let rec_s = rec.to_str().expect("path");
    let (code, live, err) = proclab(&["run", "queue", "-n", "20000", "--json", "--record", rec_s]);
    assert_eq!(code, Some(0), "{err}");
    let bytes = std::fs::read(&rec).expect("file");
    std::fs::write(&rec, &bytes[..bytes.len() * 2 / 3]).expect("cut");
    let (code, replayed, err) = proclab(&["replay", rec_s, "--json"]);
    assert_eq!(code, Some(1), "a cut file is not a success");
    assert!(err.contains("stopped at byte"), "{err}");
    assert!(err.contains("cut short"), "{err}");
    let n = replayed.lines().count();
    assert!(n > 0 && n < live.lines().count(), "{n} lines");
    assert!(
        live.starts_with(&replayed),
        "what it replays is the run's start"
    );

    // The app and export say the same, never a panic.
    let svg = dir.path("s.svg");
    let (code, _, err) = export_svg(rec_s, &svg, "0");
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("stopped at byte"), "{err}");
    assert!(svg.exists(), "what came before is exported");

    std::fs::write(&rec, b"#!/bin/sh\necho not a recording\n").expect("write");
    let (code, _, err) = proclab(&["replay", rec_s, "--json"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("not a proclab recording"), "{err}");
    let mut other = b"PROCLAB\0".to_vec();
    other.extend_from_slice(&7u16.to_le_bytes());
    std::fs::write(&rec, &other).expect("write");
    let (code, _, err) = proclab(&["replay", rec_s, "--json"]);
    assert_eq!(code, Some(2));
    assert!(
        err.contains("format 7") && err.contains("reads format 1"),
        "{err}"
    );
    let (code, _, err) = proclab(&["replay", "/no/such.rec", "--json"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("/no/such.rec"), "{err}");
}

/// Make a lost update by hand: two workers, each read then write; worker 0 reads, worker
/// 1 reads the same value, then both write (one increment lost), and so on until the
/// run ends. Returns the run's counter outcome.
fn lost_update_by_hand(rec: &Path) -> (i64, i64) {
    let mut child = Command::new(bin())
        .args(["run", "lock", "--step", "-w", "2", "-n", "3", "--no-lock"])
        .args(["--json", "--record", rec.to_str().expect("path")])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("proclab starts");
    // A driver that waits for an event that never comes must fail, not hang CI.
    let pid = child.id() as i32;
    std::thread::spawn(move || {
        std::thread::sleep(Duration::from_secs(60));
        // SAFETY: signalling the child we started; harmless if it is already gone.
        unsafe { libc::kill(pid, libc::SIGINT) };
    });
    let mut stdin = child.stdin.take().expect("stdin");
    let mut workers: Vec<i32> = Vec::new();
    let mut waiting: std::collections::BTreeMap<i32, Op> = Default::default();
    let mut counter = None;
    let mut granted: std::collections::BTreeMap<i32, u32> = Default::default();
    for line in BufReader::new(child.stdout.take().expect("stdout")).lines() {
        let f = from_json_line(&line.expect("line")).expect("json");
        match f.event {
            Event::Spawned {
                role: Role::Worker, ..
            } => workers.push(f.pid),
            Event::StepPoint { op, .. } => {
                waiting.insert(f.pid, op);
            }
            Event::Exited { .. } => {
                waiting.remove(&f.pid);
                workers.retain(|w| *w != f.pid);
            }
            Event::Outcome(Outcome::Counter {
                expected, actual, ..
            }) => counter = Some((expected, actual)),
            Event::RunEnded(_) => break,
            _ => {}
        }
        // Wait until every worker with operations left waits, then let one go: the first
        // reader, else the first writer. Both read before either writes: a lost update
        // each round. (A worker's end is reported only when main joins it, so a worker
        // is done when it has had its 3 reads and 3 writes.)
        workers.retain(|w| granted.get(w).copied().unwrap_or(0) < 6);
        if !workers.is_empty() && workers.iter().all(|w| waiting.contains_key(w)) {
            let pick = workers
                .iter()
                .find(|w| waiting[w] == Op::Read)
                .or_else(|| workers.first())
                .copied()
                .expect("a worker");
            waiting.remove(&pick);
            *granted.entry(pick).or_insert(0) += 1;
            writeln!(stdin, "{pick}").expect("step");
        }
    }
    drop(stdin);
    let _ = child.wait();
    counter.expect("the run reports its counter")
}

#[test]
fn a_hand_made_lost_update_re_runs_the_same_three_times_out_of_three() {
    let dir = Dir::new("schedule");
    let rec = dir.path("race.rec");
    let (expected, actual) = lost_update_by_hand(&rec);
    assert!(
        actual < expected,
        "the race lost updates: {actual} of {expected}"
    );
    for _ in 0..3 {
        let (code, out, err) = proclab(&[
            "run",
            "lock",
            "--schedule",
            rec.to_str().expect("path"),
            "--json",
        ]);
        assert_eq!(code, Some(0), "{err}");
        assert!(err.contains("all 12 steps made"), "{err}");
        let f = frames(&out);
        let again = f.iter().find_map(|f| match &f.event {
            Event::Outcome(Outcome::Counter {
                expected, actual, ..
            }) => Some((*expected, *actual)),
            _ => None,
        });
        assert_eq!(again, Some((expected, actual)), "the same updates lost");
        // New processes, stepped by the schedule (its steps are in the stream too).
        let steps = f
            .iter()
            .filter(|f| matches!(f.event, Event::User(UserAction::Step)))
            .count();
        assert_eq!(steps, 12);
        let main = f
            .iter()
            .find_map(|f| match f.event {
                Event::RunStarted { main_pid, .. } => Some(main_pid),
                _ => None,
            })
            .expect("started");
        assert_group_gone(main);
    }
    // Options that would change the run, or another demo, are refused.
    let (code, _, err) = proclab(&["run", "pool", "--schedule", rec.to_str().expect("p")]);
    assert_eq!(code, Some(2));
    assert!(err.contains("run of the lock demo"), "{err}");
    let (code, _, err) = proclab(&[
        "run",
        "lock",
        "--schedule",
        rec.to_str().expect("p"),
        "-w",
        "3",
    ]);
    assert_eq!(code, Some(2));
    assert!(err.contains("its own options"), "{err}");
    assert_no_shm_left();
}

#[test]
fn export_writes_a_still_and_a_cast_of_the_run() {
    let dir = Dir::new("export");
    let rec = dir.path("r.rec");
    let rec_s = rec.to_str().expect("path");
    let (code, _, err) = proclab(&[
        "run",
        "lock",
        "--no-lock",
        "-w",
        "3",
        "-n",
        "3000",
        "--json",
        "--record",
        rec_s,
    ]);
    assert_eq!(code, Some(0), "{err}");
    let svg = dir.path("s.svg");
    let (code, _, err) = export_svg(rec_s, &svg, "60");
    assert_eq!(code, Some(0), "{err}");
    let s = std::fs::read_to_string(&svg).expect("svg");
    assert!(s.starts_with("<svg") && s.trim_end().ends_with("</svg>"));
    // The end of the run, as the app shows it: the lesson, its lock pane, the counter.
    assert!(s.contains("Lock") && s.contains("counter:"), "{s}");
    assert!(s.contains("of 9000 expected"), "{s}");
    assert!(s.contains("width=\"1008\""), "120 columns of 8.4 px");

    let cast = dir.path("r.cast");
    let (code, _, err) = proclab(&[
        "export",
        rec_s,
        "--cast",
        cast.to_str().expect("path"),
        "--size",
        "100x30",
        "--speed",
        "0.5",
    ]);
    assert_eq!(code, Some(0), "{err}");
    let text = std::fs::read_to_string(&cast).expect("cast");
    let mut lines = text.lines();
    let head: serde_json::Value =
        serde_json::from_str(lines.next().expect("header")).expect("json");
    assert_eq!(head["version"], 2);
    assert_eq!(
        (head["width"].as_u64(), head["height"].as_u64()),
        (Some(100), Some(30))
    );
    let mut last = -1.0;
    let mut shown = String::new();
    for l in lines {
        let v: serde_json::Value = serde_json::from_str(l).expect("event line");
        let t = v[0].as_f64().expect("time");
        assert!(t >= last, "times go forward");
        last = t;
        assert_eq!(v[1], "o");
        shown.push_str(v[2].as_str().expect("data"));
    }
    assert!(
        shown.contains("of 9000 expected"),
        "the cast reaches the end"
    );
    assert!(shown.contains("REPLAY"), "it replays through the run");

    let (code, _, err) = proclab(&["export", rec_s, "--svg", "x.svg"]);
    assert_eq!(code, Some(2), "--svg needs --at: {err}");
    // Past the end is the end, however far.
    let (code, _, err) = export_svg(rec_s, &svg, "1e20");
    assert_eq!(code, Some(0), "{err}");
    // The recording is not overwritten by its own export.
    let (code, _, err) = export_svg(rec_s, &rec, "0");
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("the recording itself"), "{err}");
    let (code, _, err) = proclab(&["export", rec_s, "--cast", "x.cast", "--size", "10x10"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("at least 80x24"), "{err}");
}

/// The screen's header line.
fn header(screen: &str) -> &str {
    screen.lines().next().unwrap_or("")
}

/// "k/n" after PAST (or REPLAY) in the header: the cursor's position.
fn position(screen: &str) -> (usize, usize) {
    let h = header(screen);
    let after = h
        .split("PAST")
        .nth(1)
        .or_else(|| h.split("REPLAY").nth(1))
        .unwrap_or_else(|| panic!("not in the past: {h}"));
    let word = after
        .split_whitespace()
        .find(|w| w.contains('/'))
        .unwrap_or_else(|| panic!("no position: {h}"));
    let (k, n) = word.split_once('/').expect("k/n");
    (k.parse().expect("k"), n.parse().expect("n"))
}

/// The pool pane's "done/total" figure (0 before any task is submitted).
fn pool_done(screen: &str) -> usize {
    screen
        .lines()
        .find_map(|l| {
            let l = l.split("││").nth(1)?;
            let mut words = l.split_whitespace();
            let (d, t) = words.next()?.split_once('/')?;
            let bar = words.next()?;
            (t.parse::<u32>().ok()? <= 8 && bar.chars().all(|c| c == '=' || c == '-'))
                .then(|| d.parse().ok())?
        })
        .unwrap_or(0)
}

#[test]
fn in_the_app_the_pool_run_is_walked_event_by_event_from_its_start() {
    let dir = Dir::new("walk");
    let mut t = Tui::start_in(Some(&dir.0), &["--lesson", "pool"], 120, 40, &[]);
    t.wait_for("ready: press r");
    t.run_past_prediction();
    t.wait_for("ended: exit code 0");
    t.wait_for("8/8");
    // Back to the first event: nothing has run yet.
    t.keys("\x1b[H");
    let s = t.wait_for("PAST");
    let (at, n) = position(&s);
    assert_eq!(at, 1);
    assert!(
        header(&s).contains("the pool run started"),
        "{}",
        header(&s)
    );
    // One event at a time: the table fills task by task, never two at once, and the
    // header tells each event.
    let mut done = 0;
    let mut told = std::collections::BTreeSet::new();
    let mut k = at;
    for _ in 2..=n {
        t.keys("\x1b[C");
        // The next event (observer samples are passed over), or the live end.
        let s = t.wait_until(&format!("the event after {k}"), |s| {
            s.contains("PAST") && position(s).0 > k || !s.contains("PAST")
        });
        if !s.contains("PAST") {
            break;
        }
        k = position(&s).0;
        assert!(
            !header(&s).contains("sample:"),
            "samples are passed over: {}",
            header(&s)
        );
        let now = pool_done(&s);
        assert!(
            now == done || now == done + 1,
            "{done} -> {now} at event {k}"
        );
        done = now;
        told.insert(header(&s).to_string());
    }
    assert_eq!(done, 8, "every task was shown done on the way");
    assert!(told.len() > 10, "each event is told in words");
    // A jump back and a click on the timeline move the cursor too.
    t.keys("<");
    let s = t.wait_for("PAST");
    assert!(position(&s).0 < n);
    t.keys("\x1b[F");
    t.wait_until("live again", |s| !s.contains("PAST") && s.contains("ended"));
    // w keeps the run in a file of the current folder, which replays it.
    t.keys("w");
    t.wait_for("saved");
    t.keys("q");
    assert!(t.wait_exit().success());
    let saved: Vec<PathBuf> = std::fs::read_dir(&dir.0)
        .expect("dir")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "rec"))
        .collect();
    assert_eq!(saved.len(), 1, "{saved:?}");
    let name = saved[0]
        .file_name()
        .expect("name")
        .to_string_lossy()
        .into_owned();
    assert!(name.starts_with("proclab-pool-"), "{name}");
    let (code, out, err) = proclab(&["replay", saved[0].to_str().expect("path"), "--json"]);
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(out.lines().count(), n, "every event of the run");
}

#[test]
fn a_replay_starts_no_process_and_says_why_for_the_keys_that_would() {
    let dir = Dir::new("replay");
    let rec = dir.path("r.rec");
    let (code, _, err) = proclab(&[
        "run",
        "lock",
        "--no-lock",
        "-w",
        "2",
        "-n",
        "2000",
        "--json",
        "--record",
        rec.to_str().expect("path"),
    ]);
    assert_eq!(code, Some(0), "{err}");
    let mut t = Tui::start(&["replay", rec.to_str().expect("path")], 120, 40);
    let s = t.wait_for("REPLAY");
    assert!(
        s.contains("Lock"),
        "it opens at the recording's lesson:\n{s}"
    );
    t.keys("r");
    t.wait_for("starts no process");
    t.keys(" ");
    t.wait_for("starts no process");
    // Play it: it reaches the end of the run as it was recorded.
    t.keys("P");
    t.wait_until("the end", |s| s.contains("of 4000 expected"));
    let pid = t.child.process_id().expect("pid");
    let children =
        std::fs::read_to_string(format!("/proc/{pid}/task/{pid}/children")).unwrap_or_default();
    assert!(children.trim().is_empty(), "no child process: {children}");
    // A click on the timeline's first column goes to the run's start.
    let s = t.screen();
    let row = s
        .lines()
        .position(|l| l.contains("timeline"))
        .expect("the timeline pane")
        + 1;
    let line: Vec<char> = s.lines().nth(row).expect("a strip").chars().collect();
    // The border, the letter and two spaces come before the strip's first column.
    let col = (0..line.len() - 1)
        .find(|&i| line[i] == '│' && line[i + 1] == 'M')
        .expect("main's strip")
        + 5;
    t.keys(&format!(
        "\x1b[<0;{};{}M\x1b[<0;{};{}m",
        col,
        row + 1,
        col,
        row + 1
    ));
    let s = t.wait_until("the cursor", |s| header(s).contains("s of "));
    // The start in time: a run's first moments hold many of its few events (the
    // processes start and say so within microseconds), so the event count is no measure.
    let (at, length) = replay_time(&s);
    assert!(at < length / 2.0, "{}", header(&s));
    assert!(position(&s).0 < position(&s).1, "{}", header(&s));
    t.keys("q");
    assert!(t.wait_exit().success());
}

/// "T s of L s" after REPLAY in the header: the cursor's time and the recording's length.
fn replay_time(screen: &str) -> (f64, f64) {
    let h = header(screen);
    let words: Vec<&str> = h
        .split("REPLAY")
        .nth(1)
        .unwrap_or_else(|| panic!("not a replay: {h}"))
        .split_whitespace()
        .collect();
    let secs = |w: &str| w.trim_end_matches('s').parse::<f64>().expect("seconds");
    (secs(words[0]), secs(words[2]))
}

#[test]
fn quitting_during_a_flood_is_prompt_and_leaves_nothing() {
    // A lesson folder whose queue lesson floods: 8 producers of a million items each.
    let dir = Dir::new("flood");
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("lessons");
    for e in std::fs::read_dir(&src).expect("lessons").flatten() {
        if !e.path().is_dir() {
            continue;
        }
        let to = dir.path(&e.file_name().to_string_lossy());
        std::fs::create_dir_all(&to).expect("dir");
        for f in std::fs::read_dir(e.path()).expect("lesson").flatten() {
            std::fs::copy(f.path(), to.join(f.file_name())).expect("copy");
        }
    }
    let toml = dir.path("02-queue/lesson.toml");
    let text = std::fs::read_to_string(&toml).expect("toml");
    // Full speed: no tempo and no work per item (the lesson's watchable pace).
    let text: String = text
        .lines()
        .filter(|l| !l.starts_with("tempo =") && !l.starts_with("work_us ="))
        .map(|l| format!("{l}\n"))
        .collect();
    let text = text
        .replace("producers = 2", "producers = 8")
        .replace("consumers = 1", "consumers = 8")
        .replace("iterations = 5", "iterations = 1000000");
    assert!(text.contains("iterations = 1000000"), "{text}");
    std::fs::write(&toml, text).expect("write");
    let lessons = dir.0.to_str().expect("path").to_string();
    let mut t = Tui::start(&["--lessons", &lessons, "--lesson", "queue"], 120, 40);
    t.wait_for("ready: press r");
    t.run_past_prediction();
    let s = t.wait_until("the flood", |s| {
        s.contains("running") && s.contains("put,") && !s.contains(" 0 put,")
    });
    let main = common::tui::number_after(&s, "main pid");
    std::thread::sleep(Duration::from_millis(500));
    let asked = std::time::Instant::now();
    t.keys("q");
    assert!(t.wait_exit().success());
    // Generous: the figure itself is measured by `proclab bench --flood`, not here.
    assert!(
        asked.elapsed() < Duration::from_secs(5),
        "q took {:?}",
        asked.elapsed()
    );
    assert_group_gone(main as i32);
    assert_no_shm_left();
}

#[test]
fn the_app_records_every_run_with_record() {
    let dir = Dir::new("app-record");
    let rec = dir.path("class.rec");
    let mut t = Tui::start(
        &[
            "--record",
            rec.to_str().expect("path"),
            "--lesson",
            "process",
        ],
        120,
        40,
    );
    t.wait_for("ready: press r");
    t.run_past_prediction();
    t.wait_for("ended: exit code 0");
    t.wait_for("recorded");
    // A second run goes to a second file.
    t.keys("r");
    t.wait_until("the second recording", |_| dir.path("class-2.rec").exists());
    t.wait_for("class-2.rec");
    t.keys("q");
    assert!(t.wait_exit().success());
    for f in ["class.rec", "class-2.rec"] {
        let (code, out, err) = proclab(&["replay", dir.path(f).to_str().expect("p"), "--json"]);
        assert_eq!(code, Some(0), "{f}: {err}");
        let frames = frames(&out);
        assert!(matches!(
            frames.first().map(|f| &f.event),
            Some(Event::RunStarted { .. })
        ));
        assert!(matches!(
            frames.last().map(|f| &f.event),
            Some(Event::RunEnded(_))
        ));
    }
}

#[test]
fn a_reader_that_goes_away_during_a_flood_ends_the_run() {
    // `proclab run ... | head -c 1000`: the run must notice and end, whatever it was doing
    // (stopping it must never wait for the very output nobody reads any more).
    for _ in 0..3 {
        let mut child = Command::new(bin())
            .args(["run", "queue", "--producers", "4", "--consumers", "4"])
            .args(["-n", "1000000", "--json"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("proclab starts");
        let mut out = child.stdout.take().expect("stdout");
        let mut first = vec![0u8; 1000];
        std::io::Read::read_exact(&mut out, &mut first).expect("some output");
        let main = from_json_line(
            String::from_utf8_lossy(&first)
                .lines()
                .next()
                .expect("a line"),
        )
        .ok()
        .and_then(|f| match f.event {
            Event::RunStarted { main_pid, .. } => Some(main_pid),
            _ => None,
        })
        .expect("the run's first event");
        std::thread::sleep(Duration::from_millis(300));
        drop(out);
        let until = std::time::Instant::now() + Duration::from_secs(20);
        loop {
            if child.try_wait().expect("wait").is_some() {
                break;
            }
            if std::time::Instant::now() > until {
                let _ = child.kill();
                panic!("proclab did not end after its reader went away");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        assert_group_gone(main);
    }
    assert_no_shm_left();
}
