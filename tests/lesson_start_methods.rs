//! Every lesson's `demo.py` (every folder under `lessons/`, so a new lesson is picked up
//! without touching this file) holds under each start method a student may have as the
//! default: `fork` (Linux up to 3.13), `spawn` (macOS, Windows) and `forkserver` (Linux
//! from 3.14). Each program runs unchanged under the machine's python3 with the default
//! forced to one method; it must exit 0, print no traceback, leave no process and no
//! temporary folder behind, and show the outcome its lesson's `[python]` patterns read.

mod common;

use std::io::Read;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use common::group_members;
use common::python::have_python;
use proclab::course::format::Check;
use proclab::course::{self, Lesson, judge};
use proclab::engine::demos::DemoKind;
use proclab::engine::protocol::{Event, ExitStatus, Frame, Outcome, RunSummary};
use proclab::state::RunState;

const METHODS: [&str; 3] = ["fork", "spawn", "forkserver"];
/// The environment variable the sitecustomize below reads.
const FORCE_ENV: &str = "PROCLAB_TEST_START_METHOD";
/// Python runs at once: demos are short but CPU-bound on a 2-core machine.
const PARALLEL: usize = 3;
/// A demo that has not ended by then hangs (e.g. a join before a get): stop and fail it.
const HANG: Duration = Duration::from_secs(180);

/// Imported by every Python process started with the folder on PYTHONPATH, spawn and
/// forkserver children included. It changes the *default* start method the way a
/// platform's default differs (3.14 made forkserver Linux's), without fixing it: a
/// program that calls `set_start_method()` or `get_context()` itself still decides.
const SITECUSTOMIZE: &str = r#"
import os

_method = os.environ.get("PROCLAB_TEST_START_METHOD")
if _method:
    import multiprocessing.context as _ctx

    _ctx._default_context._default_context = _ctx._concrete_contexts[_method]
"#;

/// A folder holding the sitecustomize; also the programs' TMPDIR, so the test can tell
/// they left nothing behind. Removed when dropped, also when the test fails.
fn site_dir() -> tempfile::TempDir {
    let dir = tempfile::Builder::new()
        .prefix("proclab-startmethods-")
        .tempdir()
        .expect("temp dir");
    std::fs::write(dir.path().join("sitecustomize.py"), SITECUSTOMIZE).expect("write");
    dir
}

/// What one run of a program printed and how it ended.
struct Ran {
    code: Option<i32>,
    stdout: String,
    stderr: String,
    /// Problems seen around the run itself (a hang, processes left behind).
    trouble: Vec<String>,
}

/// Run `python3 script args` with the default start method forced to `method`, in a
/// process group of its own that must be empty once it has ended.
fn run_python(site: &Path, method: &str, script: &Path, args: &[&str]) -> Ran {
    let mut child = Command::new("python3")
        .arg(script)
        .args(args)
        .current_dir(script.parent().expect("a folder"))
        .env("PYTHONPATH", site)
        .env(FORCE_ENV, method)
        .env("TMPDIR", site)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .spawn()
        .expect("python3 starts");
    let pgid = child.id() as i32;
    let read = |mut r: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut s = String::new();
            let _ = r.read_to_string(&mut s);
            s
        })
    };
    let out = read(Box::new(child.stdout.take().expect("stdout")));
    let err = read(Box::new(child.stderr.take().expect("stderr")));
    let mut trouble = Vec::new();
    let started = Instant::now();
    let status = loop {
        if let Ok(Some(s)) = child.try_wait() {
            break Some(s);
        }
        if started.elapsed() > HANG {
            trouble.push(format!("still running after {HANG:?}: stopped"));
            break None;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    // Helpers such as the forkserver and the resource tracker end on their own once main
    // has gone (they read EOF); give them a moment, then stop anything that stays.
    let grace = Instant::now() + Duration::from_secs(10);
    while status.is_some() && !group_members(pgid).is_empty() && Instant::now() < grace {
        std::thread::sleep(Duration::from_millis(50));
    }
    let left = group_members(pgid);
    if status.is_some() && !left.is_empty() {
        trouble.push(format!("processes left behind: {left:?}"));
    }
    if status.is_none() || !left.is_empty() {
        // SAFETY: signalling the group this test started.
        unsafe { libc::kill(-pgid, libc::SIGKILL) };
        let _ = child.wait();
    }
    Ran {
        code: status.and_then(|s| s.code()),
        stdout: out.join().unwrap_or_default(),
        stderr: err.join().unwrap_or_default(),
        trouble,
    }
}

/// A finished run as the app's state would hold it: the outcomes the lesson's `[python]`
/// patterns read from the output, then the end. The lesson's checks judge it.
fn judged_state(lesson: &Lesson, ran: &Ran) -> (RunState, Vec<Outcome>) {
    let mut run = RunState::new();
    let frame = |event| Frame {
        t_us: 1,
        pid: 1,
        event,
    };
    run.apply(&frame(Event::RunStarted {
        demo: lesson.demo.name().into(),
        params: Vec::new(),
        runner_pid: 0,
        main_pid: 1,
    }));
    let mut serial_ms = None;
    let mut outcomes = Vec::new();
    for line in ran.stdout.lines() {
        for o in lesson.def.python.outcomes(line, serial_ms) {
            if let Outcome::Timing {
                variant, wall_ms, ..
            } = &o
                && variant == "serial"
            {
                serial_ms = Some(*wall_ms);
            }
            run.apply(&frame(Event::Outcome(o.clone())));
            outcomes.push(o);
        }
    }
    run.apply(&frame(Event::RunEnded(RunSummary {
        demo: lesson.demo.name().into(),
        main_status: ran.code.map(ExitStatus::Code),
        wall_ms: 0.0,
        processes: 1,
        stopped: false,
        errors: 0,
    })));
    (run, outcomes)
}

/// One program run of one lesson under one method: with the lesson's lock argument or
/// without it, and the checks that run must pass.
struct Job<'a> {
    lesson: &'a Lesson,
    method: &'static str,
    lock_on: bool,
    checks: Vec<Check>,
}

/// The runs a lesson needs under one method. A counter check is judged on the run the
/// app would judge it on: lost updates with the lock off, an exact count with the lock on
/// (when `l` can switch demo.py's lock; otherwise on the one run). `parallel_speedup`
/// compares timings, which a loaded test machine cannot promise: the test only asks that
/// the timings it compares are printed and read.
fn jobs_for<'a>(lesson: &'a Lesson, method: &'static str) -> Vec<Job<'a>> {
    let checks: Vec<Check> = lesson.def.steps.iter().filter_map(|s| s.check).collect();
    let has_lock_arg = lesson.def.python.lock_arg.is_some();
    let counter = |c: &Check| matches!(c, Check::LostUpdates | Check::ExactCounter);
    let mut jobs = vec![Job {
        lesson,
        method,
        lock_on: false,
        checks: checks
            .iter()
            .copied()
            .filter(|c| counter(c) && (!has_lock_arg || *c == Check::LostUpdates))
            .collect(),
    }];
    if has_lock_arg {
        jobs.push(Job {
            lesson,
            method,
            lock_on: true,
            checks: checks
                .iter()
                .copied()
                .filter(|c| *c == Check::ExactCounter)
                .collect(),
        });
    }
    jobs
}

/// What is wrong with one job's run, if anything.
fn problems(site: &Path, job: &Job) -> Vec<String> {
    let lesson = job.lesson;
    let script = PathBuf::from(&lesson.dir).join("demo.py");
    let args: Vec<&str> = match (&lesson.def.python.lock_arg, job.lock_on) {
        (Some(a), true) => vec![a.as_str()],
        _ => Vec::new(),
    };
    let ran = run_python(site, job.method, &script, &args);
    let mut out = ran.trouble.clone();
    if ran.code != Some(0) {
        out.push(format!("exit code {:?}", ran.code));
    }
    if ran.stderr.contains("Traceback") {
        out.push("a traceback on stderr".into());
    }
    let (state, outcomes) = judged_state(lesson, &ran);
    let python = &lesson.def.python;
    if python.counter.is_some()
        && !outcomes
            .iter()
            .any(|o| matches!(o, Outcome::Counter { .. }))
    {
        out.push(format!(
            "no line matches the counter pattern {:?}",
            python.counter.as_deref().unwrap_or_default()
        ));
    }
    if python.timing.is_some() {
        let timed = state.timings();
        // The GIL lesson compares serial against processes; another lesson's timings
        // (chunksize=1 against the default, say) are two of its own variants.
        if lesson.demo == DemoKind::Gil {
            for variant in ["serial", "processes"] {
                if !timed.iter().any(|(v, ..)| v == variant) {
                    out.push(format!("no {variant} timing read by {:?}", python.timing));
                }
            }
        } else if timed.len() < 2 {
            out.push(format!(
                "fewer than two timings read by {:?}: {timed:?}",
                python.timing
            ));
        }
    }
    for check in &job.checks {
        if !judge::shows(&state, *check) {
            out.push(format!("the run does not show {}", check.wants().0));
        }
    }
    if out.is_empty() {
        return out;
    }
    vec![format!(
        "{} under {}{}: {}\n--- stdout\n{}--- stderr\n{}",
        script.display(),
        job.method,
        if job.lock_on { " (lock on)" } else { "" },
        out.join("; "),
        ran.stdout,
        ran.stderr
    )]
}

fn lessons() -> Vec<Lesson> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("lessons");
    course::load(&root).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn every_demo_py_shows_its_outcome_under_fork_spawn_and_forkserver() {
    if !have_python() {
        return;
    }
    let lessons = lessons();
    assert!(!lessons.is_empty(), "no lessons found");
    let site = site_dir();
    let queue: Mutex<Vec<Job>> = Mutex::new(
        lessons
            .iter()
            .flat_map(|l| METHODS.iter().flat_map(move |m| jobs_for(l, m)))
            .collect(),
    );
    let runs = queue.lock().map(|q| q.len()).unwrap_or(0);
    let failures: Mutex<Vec<String>> = Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..PARALLEL {
            s.spawn(|| {
                // The guard is moved into the closure and dropped there: the queue is
                // not held while a job runs.
                while let Some(job) = queue.lock().ok().and_then(|mut q| q.pop()) {
                    let found = problems(site.path(), &job);
                    if let Ok(mut f) = failures.lock() {
                        f.extend(found);
                    }
                }
            });
        }
    });
    let failures = failures.into_inner().unwrap_or_default();
    assert!(
        failures.is_empty(),
        "{} of {runs} runs failed:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
    let left: Vec<String> = std::fs::read_dir(site.path())
        .expect("the folder")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n != "sitecustomize.py" && n != "__pycache__")
        .collect();
    assert!(left.is_empty(), "left in the programs' TMPDIR: {left:?}");
}

/// The forcing itself: the default python reports is the forced one, a program may still
/// choose its own, and a spawned child finds the function defined in `__main__`.
#[test]
fn the_forced_default_is_what_python_uses_and_spawn_children_find_main() {
    if !have_python() {
        return;
    }
    let site = site_dir();
    let folder = tempfile::Builder::new()
        .prefix("proclab-startmethods-script-")
        .tempdir()
        .expect("temp dir");
    let script = folder.path().join("probe.py");
    std::fs::write(
        &script,
        r#"
import multiprocessing as mp
import sys


def child(q):
    q.put(mp.current_process().name)


if __name__ == "__main__":
    if len(sys.argv) > 1:
        mp.set_start_method(sys.argv[1])
    q = mp.Queue()
    p = mp.Process(target=child, args=(q,), name="from-main")
    p.start()
    print("method", mp.get_start_method(), "child", q.get())
    p.join()
"#,
    )
    .expect("write");
    for method in METHODS {
        let ran = run_python(site.path(), method, &script, &[]);
        assert_eq!(ran.code, Some(0), "{method}: {}", ran.stderr);
        assert!(ran.trouble.is_empty(), "{method}: {:?}", ran.trouble);
        assert_eq!(
            ran.stdout.trim(),
            format!("method {method} child from-main"),
            "{}",
            ran.stderr
        );
        // A program that names its own method overrides the forced default.
        let own = if method == "spawn" { "fork" } else { "spawn" };
        let ran = run_python(site.path(), method, &script, &[own]);
        assert_eq!(ran.code, Some(0), "{method} then {own}: {}", ran.stderr);
        assert_eq!(ran.stdout.trim(), format!("method {own} child from-main"));
    }
}

/// The test can fail: a lesson whose program never loses an update with the lock off,
/// or crashes in a child, is reported, with the reason.
#[test]
fn a_demo_that_does_not_show_its_outcome_is_reported() {
    if !have_python() {
        return;
    }
    let site = site_dir();
    let root = tempfile::Builder::new()
        .prefix("proclab-startmethods-lessons-")
        .tempdir()
        .expect("temp dir");
    let dir = root.path().join("05-lock");
    std::fs::create_dir(&dir).expect("dir");
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("lessons/05-lock");
    for f in ["lesson.toml", "en.md", "zh.md"] {
        std::fs::copy(repo.join(f), dir.join(f)).expect("copy");
    }
    let cases = [
        (
            // One process counting alone: exact with the lock off too.
            "print('counter = 80000, expected 80000 (lock off)')\n",
            "the counter ending below expected",
        ),
        (
            // A child crashes; main still exits 0 and prints a lost update.
            r#"
import multiprocessing as mp

def boom():
    raise ValueError("boom")

if __name__ == "__main__":
    p = mp.Process(target=boom)
    p.start()
    p.join()
    print("counter = 1, expected 2 (lock off)")
"#,
            "a traceback on stderr",
        ),
    ];
    for (program, want) in cases {
        std::fs::write(dir.join("demo.py"), program).expect("write");
        let lessons = course::load(root.path()).unwrap_or_else(|e| panic!("{e}"));
        let job = Job {
            lesson: &lessons[0],
            method: "spawn",
            lock_on: false,
            checks: vec![Check::LostUpdates],
        };
        let found = problems(site.path(), &job);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].contains(want), "{want}: {}", found[0]);
    }
}
