//! The Python runner: real Python programs under the probe, their events compared with
//! what the programs print themselves and with what the kernel says. Skipped (with a
//! message) only where no python3 is installed; CI installs it.
//!
//! One file for the runner's contract (start, stop, limits, output, cleanup); what the
//! probe observes, its invisibility and its warnings have files of their own.

mod common;

use std::collections::{HashMap, HashSet};
use std::process::{Command, Stdio};

use common::python::{have_python, printed, run_script, script};
use common::{Finished, Live, assert_group_gone, bin, run_json};
use proclab::engine::protocol::{Event, ExitStatus, Role, Stream};

fn start_methods(run: &Finished) -> HashMap<i32, String> {
    run.frames
        .iter()
        .filter_map(|f| match &f.event {
            Event::Spawned { start_method, .. } => Some((f.pid, start_method.clone())),
            _ => None,
        })
        .collect()
}

#[test]
fn every_process_is_announced_with_the_pid_and_ppid_it_prints_itself() {
    if !have_python() {
        return;
    }
    let run = run_script(
        "tree",
        r#"
import multiprocessing as mp, os
def job(n):
    print(f"child {n} pid={os.getpid()} ppid={os.getppid()}")
if __name__ == "__main__":
    print(f"main pid={os.getpid()}")
    ps = [mp.get_context("fork").Process(target=job, args=(i,)) for i in range(3)]
    ps += [mp.get_context("spawn").Process(target=job, args=(i,)) for i in range(3, 5)]
    for p in ps: p.start()
    for p in ps: p.join()
    print("exitcodes", [p.exitcode for p in ps])
"#,
        &[],
    );
    let main = run.main_pid();
    let out = printed(&run);
    assert_eq!(out[&main][0], format!("main pid={main}"));
    let spawned = run.spawned();
    // A forked child is announced as soon as it exists ("fork()"), then with its name.
    let mut children: Vec<_> = Vec::new();
    for s in spawned.iter().filter(|s| s.2 == Role::Worker) {
        children.retain(|c: &&(i32, i32, Role, String)| c.0 != s.0);
        children.push(s);
    }
    assert_eq!(children.len(), 5, "{spawned:?}");
    assert!(
        children.iter().all(|c| c.3.contains("Process-")),
        "each ends up with its Process name: {children:?}"
    );
    let methods = start_methods(&run);
    for (pid, ppid, _, _) in &children {
        assert_eq!(*ppid, main, "every child's parent is the script");
        let line = &out[pid][0];
        assert!(
            line.ends_with(&format!("pid={pid} ppid={ppid}")),
            "{line} (announced {pid}/{ppid})"
        );
    }
    let spawn_children = children.iter().filter(|c| methods[&c.0] == "spawn").count();
    assert_eq!(spawn_children, 2, "{methods:?}");
    // Each child's end was reported by the parent's join().
    for (pid, ..) in &children {
        assert!(
            run.frames.iter().any(|f| f.pid == *pid
                && matches!(
                    f.event,
                    Event::Exited {
                        status: ExitStatus::Code(0)
                    }
                )),
            "exit of {pid}"
        );
    }
}

#[test]
fn under_forkserver_the_parent_is_the_forkserver_and_the_helpers_are_labelled() {
    if !have_python() {
        return;
    }
    let run = run_script(
        "forkserver",
        r#"
import multiprocessing as mp, os
def job():
    print(f"ppid={os.getppid()}")
if __name__ == "__main__":
    p = mp.get_context("forkserver").Process(target=job)
    p.start(); p.join()
"#,
        &[],
    );
    let main = run.main_pid();
    let spawned = run.spawned();
    let server = spawned
        .iter()
        .find(|s| s.3 == "forkserver")
        .expect("the forkserver is announced");
    assert_eq!(server.2, Role::Server);
    assert_eq!(server.1, main);
    assert!(
        spawned
            .iter()
            .any(|s| s.3 == "resource_tracker" && s.2 == Role::Server),
        "{spawned:?}"
    );
    let child = spawned
        .iter()
        .find(|s| s.2 == Role::Worker)
        .expect("the child");
    assert_eq!(
        child.1, server.0,
        "the child's PPID is the forkserver, not main"
    );
    assert_eq!(printed(&run)[&child.0], vec![format!("ppid={}", server.0)]);
}

#[test]
fn a_pool_reuses_its_workers_and_reports_each_task() {
    if !have_python() {
        return;
    }
    let run = run_script(
        "pool",
        r#"
import multiprocessing as mp
def sq(x): return x * x
if __name__ == "__main__":
    with mp.Pool(2) as pool:
        print(pool.map(sq, range(8), chunksize=1))
"#,
        &[],
    );
    let workers: HashSet<i32> = run
        .spawned()
        .into_iter()
        .filter(|s| s.2 == Role::PoolWorker)
        .map(|s| s.0)
        .collect();
    // On a loaded machine one worker can take all eight tasks before the other has run
    // a line; leaving the `with` block then terminates it unannounced.
    assert!((1..=2).contains(&workers.len()), "{workers:?}");
    let mut ran: Vec<(i32, i64)> = run
        .frames
        .iter()
        .filter_map(|f| match &f.event {
            Event::TaskStarted { arg, .. } => Some((f.pid, arg.parse().expect("a number"))),
            _ => None,
        })
        .collect();
    ran.sort_by_key(|r| r.1);
    assert_eq!(ran.len(), 8, "{ran:?}");
    let args: Vec<i64> = ran.iter().map(|r| r.1).collect();
    assert_eq!(
        args,
        (0..8).collect::<Vec<_>>(),
        "each task's real argument"
    );
    let results: Vec<String> = run
        .frames
        .iter()
        .filter_map(|f| match &f.event {
            Event::TaskDone { result, .. } => Some(result.clone()),
            _ => None,
        })
        .collect();
    assert!(results.contains(&"49".to_string()), "{results:?}");
    assert!(ran.iter().all(|(pid, _)| workers.contains(pid)));
    let out = printed(&run);
    assert_eq!(out[&run.main_pid()], vec!["[0, 1, 4, 9, 16, 25, 36, 49]"]);
}

#[test]
fn queue_items_locks_and_values_are_reported_as_the_program_uses_them() {
    if !have_python() {
        return;
    }
    let run = run_script(
        "ipc",
        r#"
import multiprocessing as mp
def producer(q, lock, v):
    for item in ["A", "B", "C"]:
        q.put(item)
    with lock:
        v.value += 1
if __name__ == "__main__":
    q, lock, v = mp.Queue(), mp.Lock(), mp.Value("i", 0)
    p = mp.Process(target=producer, args=(q, lock, v))
    p.start()
    print([q.get() for _ in range(3)])
    p.join()
    print("value", v.value)
"#,
        &[],
    );
    let main = run.main_pid();
    let child = run
        .spawned()
        .into_iter()
        .find(|s| s.2 == Role::Worker)
        .expect("child")
        .0;
    let puts: Vec<(i32, String)> = run
        .frames
        .iter()
        .filter_map(|f| match &f.event {
            Event::QueuePut { item, .. } => Some((f.pid, item.clone())),
            _ => None,
        })
        .collect();
    let gets: Vec<(i32, String)> = run
        .frames
        .iter()
        .filter_map(|f| match &f.event {
            Event::QueueGet { item, .. } => Some((f.pid, item.clone())),
            _ => None,
        })
        .collect();
    let items = ["'A'", "'B'", "'C'"].map(String::from);
    assert_eq!(
        puts,
        items.iter().map(|i| (child, i.clone())).collect::<Vec<_>>()
    );
    assert_eq!(
        gets,
        items.iter().map(|i| (main, i.clone())).collect::<Vec<_>>()
    );
    // The program's own lock, once; none of the queue's internal locks.
    let acquired: Vec<i32> = run
        .frames
        .iter()
        .filter(|f| matches!(f.event, Event::LockAcquired { .. }))
        .map(|f| f.pid)
        .collect();
    assert_eq!(acquired, vec![child]);
    assert!(run.frames.iter().any(|f| f.pid == child
        && matches!(&f.event, Event::SharedWrite { name, .. } if name == "Value('i')")));
    assert_eq!(
        printed(&run)[&main].last().map(String::as_str),
        Some("value 1")
    );
}

#[test]
fn a_traceback_reaches_the_output_and_the_exit_code_says_it_failed() {
    if !have_python() {
        return;
    }
    let run = run_script(
        "broken",
        "print('before')\nraise ValueError('on purpose')\n",
        &[],
    );
    let main = run.main_pid();
    let err: Vec<String> = run
        .frames
        .iter()
        .filter_map(|f| match &f.event {
            Event::Output {
                stream: Stream::Stderr,
                line,
            } if f.pid == main => Some(line.clone()),
            _ => None,
        })
        .collect();
    assert!(err.iter().any(|l| l.starts_with("Traceback")), "{err:?}");
    assert!(err.iter().any(|l| l == "ValueError: on purpose"), "{err:?}");
    assert_eq!(run.code, Some(1));
    let syntax = run_script("syntax", "def broken(:\n", &[]);
    assert!(syntax.frames.iter().any(|f| matches!(&f.event,
        Event::Output { stream: Stream::Stderr, line } if line.contains("SyntaxError"))));
}

#[test]
fn a_program_that_forks_without_end_is_stopped_at_the_limit() {
    if !have_python() {
        return;
    }
    let run = run_script(
        "bomb",
        r#"
import multiprocessing as mp, time
if __name__ == "__main__":
    ps = []
    for i in range(200):
        p = mp.Process(target=time.sleep, args=(30,))
        p.start()
        ps.append(p)
    for p in ps: p.join()
"#,
        &["--max-procs", "20"],
    );
    let errors = run.errors();
    assert!(
        errors.iter().any(|e| e.contains("more than 20 processes")),
        "{errors:?}"
    );
    // The summary counts each error once.
    let counted = run.frames.iter().find_map(|f| match &f.event {
        Event::RunEnded(s) => Some(s.errors as usize),
        _ => None,
    });
    assert_eq!(counted, Some(errors.len()), "{errors:?}");
    let started = run
        .spawned()
        .iter()
        .map(|s| s.0)
        .collect::<HashSet<_>>()
        .len();
    assert!(
        started < 60,
        "stopped soon after the limit: {started} started"
    );
}

/// Start `proclab run --file SCRIPT --json` and read until the program prints "running";
/// the live run and its main PID.
fn until_running(path: &std::path::Path) -> (Live, i32) {
    let mut live = Live::start(&["--file", path.to_str().expect("utf-8")]);
    let main = live.main_pid();
    live.until(
        "the program's 'running'",
        |f| matches!(&f.event, Event::Output { line, .. } if line == "running"),
    );
    (live, main)
}

#[test]
fn an_endless_program_is_stopped_and_leaves_nothing() {
    if !have_python() {
        return;
    }
    let path = script(
        "endless",
        r#"
import multiprocessing as mp, time
def spin():
    while True: time.sleep(0.05)
if __name__ == "__main__":
    ps = [mp.Process(target=spin) for _ in range(3)]
    for p in ps: p.start()
    print("running", flush=True)
    for p in ps: p.join()
"#,
    );
    let (mut live, main) = until_running(&path);
    // SAFETY: signalling the proclab we started.
    unsafe { libc::kill(live.child.id() as i32, libc::SIGTERM) };
    let status = live.child.wait().expect("wait");
    assert_eq!(status.code(), Some(130));
    assert_group_gone(main);
}

#[test]
fn when_proclab_is_killed_the_guard_takes_the_program_down() {
    if !have_python() {
        return;
    }
    let path = script(
        "orphans",
        r#"
import multiprocessing as mp, time
if __name__ == "__main__":
    ps = [mp.Process(target=time.sleep, args=(60,)) for _ in range(3)]
    for p in ps: p.start()
    print("running", flush=True)
    for p in ps: p.join()
"#,
    );
    let (mut live, main) = until_running(&path);
    // Python's children have no parent-death signal of their own.
    // SAFETY: signalling the proclab we started.
    unsafe { libc::kill(live.child.id() as i32, libc::SIGKILL) };
    let _ = live.child.wait();
    assert_group_gone(main);
    let prefix = format!("proclab-probe-{}-", live.child.id());
    let left = || {
        std::fs::read_dir(std::env::temp_dir())
            .expect("tmp")
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().starts_with(&prefix))
            .count()
    };
    let until = std::time::Instant::now() + std::time::Duration::from_secs(3);
    while left() > 0 && std::time::Instant::now() < until {
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert_eq!(left(), 0, "the guard removes the probe's folder too");
}

#[test]
fn the_lesson_programs_run_under_the_python_runner() {
    if !have_python() {
        return;
    }
    let run = run_json(&["lock", "--runner", "python"]);
    let out = printed(&run);
    let main = run.main_pid();
    let line = out[&main]
        .iter()
        .find(|l| l.contains("expected 80000"))
        .unwrap_or_else(|| panic!("{out:?}"));
    // The lesson's [python] pattern turns the program's own line into the outcome a
    // native run reports.
    let counter = run
        .outcomes()
        .into_iter()
        .find_map(|o| match o {
            proclab::engine::protocol::Outcome::Counter {
                expected, actual, ..
            } => Some((expected, actual)),
            _ => None,
        })
        .expect("a counter outcome");
    assert_eq!(counter.0, 80000);
    assert!(
        line.starts_with(&format!("counter = {}, ", counter.1)),
        "{line}"
    );
    assert!(counter.1 <= 80000);
    let run = run_json(&["start", "--runner", "python"]);
    let spawned = run.spawned();
    assert!(spawned.iter().any(|s| s.3 == "forkserver"), "{spawned:?}");
}

#[test]
fn a_missing_interpreter_or_script_is_a_clear_error() {
    let out = Command::new(bin())
        .args(["run", "--file", "/nonexistent/x.py"])
        .output()
        .expect("runs");
    if have_python() {
        assert_eq!(out.status.code(), Some(2));
        assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/x.py: no such file"));
    }
    let out = Command::new(bin())
        .args([
            "run",
            "lock",
            "--runner",
            "python",
            "--python",
            "/nonexistent/python3",
        ])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no such file (--python)"), "{err}");
    let out = Command::new(bin())
        .args(["run", "lock", "--runner", "python", "--workers", "3"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("arguments after --"));
}

#[test]
fn a_child_of_os_fork_is_shown_with_its_own_output_and_exit() {
    if !have_python() {
        return;
    }
    let run = run_script(
        "rawfork",
        "import os\npid = os.fork()\nif pid == 0:\n    print('child', os.getpid())\n    os._exit(3)\nos.waitpid(pid, 0)\nprint('parent done')\n",
        &[],
    );
    let main = run.main_pid();
    let child = run
        .spawned()
        .into_iter()
        .find(|s| s.1 == main && s.2 == Role::Worker)
        .expect("the forked child is announced");
    assert_eq!(printed(&run)[&child.0], vec![format!("child {}", child.0)]);
    assert!(run.frames.iter().any(|f| f.pid == child.0
        && matches!(
            f.event,
            Event::Exited {
                status: ExitStatus::Code(3)
            }
        )));
}

/// `proclab run lock --runner python --json -- ARGS`: the lesson's own program.
fn lock_program(args: &[&str]) -> (i64, i64) {
    let out = Command::new(bin())
        .args(["run", "lock", "--runner", "python", "--json", "--"])
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("runs");
    let text = String::from_utf8_lossy(&out.stdout);
    text.lines()
        .filter_map(|l| proclab::engine::protocol::from_json_line(l).ok())
        .find_map(|f| match f.event {
            Event::Outcome(proclab::engine::protocol::Outcome::Counter {
                expected,
                actual,
                ..
            }) => Some((expected, actual)),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no counter in:\n{text}"))
}

#[test]
fn the_lock_lessons_program_loses_updates_without_the_lock_and_not_with_it() {
    if !have_python() {
        return;
    }
    let (expected, actual) = lock_program(&[]);
    assert_eq!(expected, 80000);
    assert!(actual < expected, "v.value += 1 is not atomic: {actual}");
    let (expected, actual) = lock_program(&["--lock"]);
    assert_eq!((expected, actual), (80000, 80000));
}

#[test]
fn the_limit_counts_processes_alive_at_once_not_all_ever_started() {
    if !have_python() {
        return;
    }
    // Thirty short-lived children, one at a time: never more than two processes at once.
    let run = run_script(
        "oneatatime",
        "import multiprocessing as mp\ndef f(i):\n    pass\nif __name__ == '__main__':\n    for i in range(30):\n        p = mp.Process(target=f, args=(i,))\n        p.start()\n        p.join()\n    print('all done')\n",
        &["--max-procs", "5"],
    );
    assert_eq!(run.code, Some(0), "{:?}", run.errors());
    assert!(run.errors().is_empty(), "{:?}", run.errors());
    assert_eq!(printed(&run)[&run.main_pid()], ["all done"]);
    let children = run
        .spawned()
        .iter()
        .filter(|s| s.2 == Role::Worker)
        .map(|s| s.0)
        .collect::<HashSet<_>>();
    assert_eq!(children.len(), 30);
}

/// The names a program printed on a line starting with `tag`, after the tag.
fn named(run_frames: &[proclab::engine::protocol::Frame], tag: &str) -> Vec<String> {
    run_frames
        .iter()
        .find_map(|f| match &f.event {
            Event::Output { line, .. } if line.starts_with(tag) => Some(
                line.split_whitespace()
                    .skip(1)
                    .map(String::from)
                    .collect::<Vec<_>>(),
            ),
            _ => None,
        })
        .unwrap_or_else(|| panic!("the program printed no {tag:?} line"))
}

/// What of a program is still there: /dev/shm entries (`sem.NAME` for a semaphore
/// `/NAME`, `NAME` for a segment), folders and live processes, waiting up to 3 s for
/// them to go.
fn left_of(shm: &[String], dirs: &[String], pids: &[i32]) -> Vec<String> {
    let until = std::time::Instant::now() + std::time::Duration::from_secs(3);
    loop {
        let mut left: Vec<String> = shm
            .iter()
            .map(|n| match n.strip_prefix('/') {
                Some(sem) => format!("/dev/shm/sem.{sem}"),
                None => format!("/dev/shm/{n}"),
            })
            .chain(dirs.iter().cloned())
            .filter(|p| std::path::Path::new(p).exists())
            .collect();
        for pid in pids {
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
            if stat
                .rsplit_once(')')
                .is_some_and(|(_, r)| !r.trim_start().starts_with('Z'))
            {
                left.push(format!("process {pid}"));
            }
        }
        if left.is_empty() || std::time::Instant::now() > until {
            return left;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

/// A program with what a killed run would leave: a process that left the group, a
/// shared memory segment, a spawn Queue's semaphores and a Manager's pymp- folder.
const LEAVES: &str = r#"
import multiprocessing as mp, os, sys, time
from multiprocessing import shared_memory
def daemon(q):
    os.setsid()
    q.put(os.getpid())
    time.sleep(60)
if __name__ == "__main__":
    ctx = mp.get_context("spawn")
    q = ctx.Queue()
    manager = ctx.Manager()
    shm = shared_memory.SharedMemory(create=True, size=64)
    p = ctx.Process(target=daemon, args=(q,))
    p.start()
    print("pids", q.get(timeout=30), flush=True)
    sems = [l._semlock.name for l in (q._rlock, q._wlock, q._sem) if l is not None]
    print("shm", shm.name, *sems, flush=True)
    print("dirs", mp.util.get_temp_dir(), flush=True)
    print("running", flush=True)
    try:
        time.sleep(60)
    finally:
        print("cleanup ran", flush=True)
"#;

fn leaves_of(frames: &[proclab::engine::protocol::Frame]) -> (Vec<String>, Vec<String>, Vec<i32>) {
    let pids = named(frames, "pids ")
        .iter()
        .map(|p| p.parse().expect("pid"))
        .collect();
    (named(frames, "shm "), named(frames, "dirs "), pids)
}

#[test]
fn after_kill_9_of_proclab_nothing_of_the_program_is_left() {
    if !have_python() {
        return;
    }
    let path = script("leaves", LEAVES);
    let (mut live, main) = until_running(&path);
    let (shm, dirs, pids) = leaves_of(&live.frames);
    assert_eq!(
        left_of(&shm, &dirs, &pids).len(),
        shm.len() + dirs.len() + pids.len()
    );
    // SAFETY: signalling the proclab we started.
    unsafe { libc::kill(live.child.id() as i32, libc::SIGKILL) };
    let _ = live.child.wait();
    assert_group_gone(main);
    assert_eq!(left_of(&shm, &dirs, &pids), Vec::<String>::new());
}

#[test]
fn a_stop_lets_the_program_clean_up_also_when_proclab_was_started_ignoring_sigint() {
    if !have_python() {
        return;
    }
    let path = script("cleanup", LEAVES);
    let mut live = Live::start_ignoring_sigint(&["--file", path.to_str().expect("utf-8")]);
    let main = live.main_pid();
    live.until(
        "the program's 'running'",
        |f| matches!(&f.event, Event::Output { line, .. } if line == "running"),
    );
    let (shm, dirs, pids) = leaves_of(&live.frames);
    // SAFETY: signalling the proclab we started.
    unsafe { libc::kill(live.child.id() as i32, libc::SIGTERM) };
    live.rest();
    assert_eq!(live.child.wait().expect("wait").code(), Some(130));
    // The program got the Ctrl-C a terminal would give it and ran its own cleanup.
    assert!(
        live.frames.iter().any(|f| f.pid == main
            && matches!(&f.event, Event::Output { line, .. } if line == "cleanup ran")),
        "the program's finally block ran"
    );
    assert_group_gone(main);
    assert_eq!(left_of(&shm, &dirs, &pids), Vec::<String>::new());
}

#[test]
fn a_program_stopped_at_the_limit_leaves_no_semaphores() {
    if !have_python() {
        return;
    }
    let run = run_script(
        "spawnbomb",
        r#"
import multiprocessing as mp, time
if __name__ == "__main__":
    ctx = mp.get_context("spawn")
    q = ctx.Queue()
    print("shm", *[l._semlock.name for l in (q._rlock, q._wlock, q._sem)], flush=True)
    ps = [ctx.Process(target=time.sleep, args=(30,)) for _ in range(12)]
    for p in ps:
        p.start()
    for p in ps:
        p.join()
"#,
        &["--max-procs", "4"],
    );
    assert!(
        run.errors()
            .iter()
            .any(|e| e.contains("more than 4 processes")),
        "{:?}",
        run.errors()
    );
    let shm = named(&run.frames, "shm ");
    assert_eq!(shm.len(), 3);
    assert_eq!(left_of(&shm, &[], &[]), Vec::<String>::new());
}

/// Two workers add 1 to one Value, once each; main prints the counter.
const TWO_INCREMENTS: &str = r#"
import multiprocessing as mp
def work(v):
    v.value += 1
if __name__ == "__main__":
    v = mp.Value("i", 0)
    ps = [mp.Process(target=work, args=(v,)) for _ in range(2)]
    for p in ps: p.start()
    for p in ps: p.join()
    print("counter =", v.value)
"#;

#[test]
fn in_step_mode_a_lost_update_is_made_by_hand_in_real_cpython() {
    if !have_python() {
        return;
    }
    use std::io::Write;
    let path = script("handrace", TWO_INCREMENTS);
    let mut live = Live::start(&["--file", path.to_str().expect("utf-8"), "--step"]);
    let main = live.main_pid();
    let mut waiting = Vec::new();
    while waiting.len() < 2 {
        let f = live.until("two workers at a step point", |f| {
            f.pid != main && matches!(f.event, Event::StepPoint { .. })
        });
        assert!(matches!(
            f.event,
            Event::StepPoint {
                op: proclab::engine::protocol::Op::Read,
                ..
            }
        ));
        waiting.push(f.pid);
    }
    let (a, b) = (waiting[0], waiting[1]);
    let mut stdin = live.child.stdin.take().expect("stdin");
    // A reads, B reads, A writes, B writes: each waits for the user before each.
    for (pid, op) in [
        (a, proclab::engine::protocol::Op::Write),
        (b, proclab::engine::protocol::Op::Write),
    ] {
        writeln!(stdin, "{pid}").expect("step");
        live.until("the read, then the write's step point", |f| {
            f.pid == pid && matches!(f.event, Event::StepPoint { op: o, .. } if o == op)
        });
    }
    for pid in [a, b] {
        writeln!(stdin, "{pid}").expect("step");
        live.until("the write", |f| {
            f.pid == pid && matches!(f.event, Event::SharedWrite { .. })
        });
    }
    writeln!(stdin, "go").expect("leave step mode");
    live.rest();
    let reads: Vec<(i32, String)> = live
        .frames
        .iter()
        .filter_map(|f| match &f.event {
            Event::SharedRead { value, .. } if f.pid != main => Some((f.pid, value.to_string())),
            _ => None,
        })
        .collect();
    assert_eq!(reads, [(a, "0".to_string()), (b, "0".to_string())]);
    let out: Vec<&str> = live
        .frames
        .iter()
        .filter_map(|f| match &f.event {
            Event::Output { line, .. } if f.pid == main => Some(line.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(out, ["counter = 1"], "two increments, one lost");
}

#[test]
fn at_a_tempo_every_read_and_write_of_a_python_program_is_reported() {
    if !have_python() {
        return;
    }
    let run = run_script("tempo", TWO_INCREMENTS, &["--tempo", "20"]);
    let main = run.main_pid();
    let workers: HashSet<i32> = run
        .spawned()
        .iter()
        .filter(|s| s.2 == Role::Worker)
        .map(|s| s.0)
        .collect();
    for kind in ["read", "write"] {
        let by: HashSet<i32> = run
            .frames
            .iter()
            .filter(|f| f.pid != main)
            .filter(|f| match kind {
                "read" => matches!(f.event, Event::SharedRead { .. }),
                _ => matches!(f.event, Event::SharedWrite { .. }),
            })
            .map(|f| f.pid)
            .collect();
        assert_eq!(by, workers, "every worker's {kind}");
    }
    // Full speed reports no reads: they would slow the race they show.
    let fast = run_script("fast", TWO_INCREMENTS, &[]);
    assert!(
        !fast
            .frames
            .iter()
            .any(|f| matches!(f.event, Event::SharedRead { .. }))
    );
}

#[test]
fn a_python_workers_last_line_comes_before_its_parent_says_it_joined_it() {
    if !have_python() {
        return;
    }
    // A line is read from its process's own pipe, stamped when read but never after the
    // process's exit; later events wait for an exited process's pipes to end.
    let prog = "import multiprocessing as mp\ndef work(i):\n    print('worker', i, 'done')\nif __name__ == '__main__':\n    ps = [mp.Process(target=work, args=(i,)) for i in range(12)]\n    for p in ps: p.start()\n    for i, p in enumerate(ps):\n        p.join()\n        print('joined', i)\n";
    for _ in 0..2 {
        let run = run_script("lastwords", prog, &[]);
        let lines = run.output_lines();
        for i in 0..12 {
            let at = |s: String| lines.iter().position(|l| *l == s).expect("printed");
            assert!(
                at(format!("worker {i} done")) < at(format!("joined {i}")),
                "{lines:#?}"
            );
        }
    }
}

#[test]
fn in_readable_lines_each_process_starts_once() {
    if !have_python() {
        return;
    }
    let path = script("startsonce", TWO_INCREMENTS);
    let out = Command::new(bin())
        .args(["run", "--file", path.to_str().expect("utf-8")])
        .stdin(Stdio::null())
        .output()
        .expect("runs");
    let text = String::from_utf8_lossy(&out.stdout);
    let mut started: HashMap<String, usize> = HashMap::new();
    for l in text.lines().filter(|l| l.contains(" started: ")) {
        let pid = l.split_whitespace().nth(2).unwrap_or_default().to_string();
        *started.entry(pid).or_default() += 1;
    }
    assert_eq!(started.len(), 3, "{text}");
    assert!(started.values().all(|n| *n == 1), "{text}");
    // The fork, then the name its Process gives it.
    assert_eq!(text.matches("is Process-").count(), 2, "{text}");
}

#[test]
fn a_resource_tracker_is_announced_with_the_parent_that_started_it() {
    if !have_python() {
        return;
    }
    // main starts the tracker and ends at once: the tracker's interpreter is still
    // starting when its parent is gone.
    let prog = "import os\nfrom multiprocessing import resource_tracker\nresource_tracker.ensure_running()\npid = resource_tracker._resource_tracker._pid\nppid = [l for l in open('/proc/%d/status' % pid) if l.startswith('PPid')][0].split()[1]\nprint(pid, ppid)\n";
    let run = run_script("tracker", prog, &[]);
    let main = run.main_pid();
    let said: Vec<i32> = printed(&run)[&main][0]
        .split_whitespace()
        .map(|s| s.parse().expect("pid"))
        .collect();
    assert_eq!(said[1], main);
    let announced: Vec<(i32, i32)> = run
        .spawned()
        .into_iter()
        .filter(|s| s.3 == "resource_tracker")
        .map(|s| (s.0, s.1))
        .collect();
    assert!(!announced.is_empty(), "{:?}", run.spawned());
    assert!(
        announced.iter().all(|a| *a == (said[0], main)),
        "{announced:?}"
    );
}
