//! Every lesson's demo.py is a correct, runnable program: run under the machine's python3,
//! it exits 0 in bounded time and prints what the lesson says it prints.

mod common;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::python::have_python;
use proclab::course;
use proclab::engine::demos::DemoKind;

fn run(d: DemoKind, args: &[&str]) -> Option<String> {
    if !have_python() {
        return None;
    }
    let py = "python3";
    let all = course::embedded();
    let lesson = all
        .iter()
        .find(|l| l.demo == d)
        .expect("a lesson runs this demo");
    let path = format!("{}/{}/demo.py", env!("CARGO_MANIFEST_DIR"), lesson.dir);
    // The embedded text is the file on disk.
    let on_disk = std::fs::read_to_string(&path).expect("demo.py exists");
    assert_eq!(on_disk, lesson.demo_py);
    let start = Instant::now();
    let out = Command::new(py)
        .arg(&path)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("python3 runs");
    assert!(
        start.elapsed() < Duration::from_secs(60),
        "{path} took {:?}",
        start.elapsed()
    );
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{path} failed: {}\n{stdout}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(stdout)
}

#[test]
fn process_children_exit_with_their_own_codes() {
    let Some(out) = run(DemoKind::Process, &[]) else {
        return;
    };
    // Codes no crash gives (an uncaught exception exits with 1).
    assert!(
        out.contains("exitcode 10") && out.contains("exitcode 11"),
        "{out}"
    );
    // Each child says whether its parent is main (fork, spawn) or the forkserver.
    let children: Vec<&str> = out.lines().filter(|l| l.starts_with("worker ")).collect();
    assert_eq!(children.len(), 2, "{out}");
    for line in children {
        assert!(
            line.contains("(main)") || line.contains("(not main: the forkserver)"),
            "{line}"
        );
    }
}

#[test]
fn queue_sums_what_the_workers_put() {
    let Some(out) = run(DemoKind::Queue, &[]) else {
        return;
    };
    let per: i64 = (0..1000i64).map(|i| i + i * i + i * i * i).sum();
    assert_eq!(out.trim(), (2 * per).to_string());
}

#[test]
fn pool_keeps_input_order() {
    let Some(out) = run(DemoKind::Pool, &[]) else {
        return;
    };
    assert!(
        out.contains("results: [0, 1, 4, 9, 16, 25, 36, 49]"),
        "{out}"
    );
}

#[test]
fn shared_memory_counts_every_locked_increment() {
    let Some(out) = run(DemoKind::Shared, &[]) else {
        return;
    };
    assert!(out.contains("counter.value = 30"), "{out}");
    assert!(out.contains("[1.0, 1.0, 1.0]"), "{out}");
    // The tutorial's numbers fit 8-byte cells and wrap around, silently, in 4-byte ones.
    assert!(
        out.contains("Array('I', 4 bytes each) holds [2695792496, 270489169]"),
        "{out}"
    );
    if cfg!(target_pointer_width = "64") {
        assert!(
            out.contains("Array('L', 8 bytes each) holds [45645465456, 4565456465]"),
            "{out}"
        );
    }
}

#[test]
fn lock_is_exact_with_the_lock() {
    let Some(out) = run(DemoKind::Lock, &["--lock"]) else {
        return;
    };
    assert!(out.contains("counter = 80000, expected 80000"), "{out}");
    let Some(out) = run(DemoKind::Lock, &[]) else {
        return;
    };
    assert!(out.contains("expected 80000 (lock off)"), "{out}");
}

#[test]
fn gil_prints_three_timings() {
    let Some(out) = run(DemoKind::Gil, &[]) else {
        return;
    };
    for label in ["serial", "threads", "processes"] {
        assert!(
            out.lines()
                .any(|l| l.starts_with(label) && l.ends_with(" s")),
            "{out}"
        );
    }
}

#[test]
fn pipe_replies_squares_then_reads_until_eof() {
    let Some(out) = run(DemoKind::Pipe, &[]) else {
        return;
    };
    assert!(out.contains("sent 4, reply 16"), "{out}");
    assert!(out.trim_end().ends_with("received 4\nEOF"), "{out}");
}

#[test]
fn manager_dict_is_exact_only_with_the_lock() {
    let Some(out) = run(DemoKind::Manager, &[]) else {
        return;
    };
    assert!(
        out.contains("lock on:  count = 1500 (expected 1500)"),
        "{out}"
    );
    assert!(out.contains("lock off: count = "), "{out}");
}

#[test]
fn start_methods_show_who_the_parent_is() {
    let Some(out) = run(DemoKind::Start, &[]) else {
        return;
    };
    let main = out
        .lines()
        .find_map(|l| l.strip_prefix("main: pid "))
        .and_then(|l| l.split(',').next())
        .expect("main prints its pid")
        .to_string();
    assert!(
        out.contains(&format!("ppid {main} (main), CONFIG = 'changed by main'")),
        "the fork child is main's and sees the change: {out}"
    );
    assert!(
        out.contains("(not main), CONFIG = 'default'"),
        "forkserver: {out}"
    );
    // The real error is shown, not hidden behind a catch-all.
    assert!(
        out.contains("spawn cannot pickle a lambda target: Can't pickle"),
        "{out}"
    );
    // fork frees a Process target from pickling, not a Pool task.
    assert!(
        out.contains("a fork Pool cannot pickle a lambda: Can't pickle"),
        "{out}"
    );
}

#[test]
fn lifecycle_shows_a_zombie_an_orphan_and_a_terminated_reader() {
    let Some(out) = run(DemoKind::Lifecycle, &[]) else {
        return;
    };
    for line in [
        "zombie: state Z before join()",
        "zombie: reaped by join(): True",
        // Under forkserver the server reaps the child: no zombie waits for join().
        "forkserver: reaped before join(): True",
        "parent: exitcode -9",
        "reader: got C",
        "reader: exitcode -15",
    ] {
        assert!(out.contains(line), "{line}: {out}");
    }
}

#[test]
fn shared_memory_segments_are_attached_by_name_and_a_leak_is_cleaned_up_with_a_warning() {
    if !have_python() {
        return;
    }
    let lesson = course::embedded()
        .into_iter()
        .find(|l| l.demo == DemoKind::Shm)
        .expect("a lesson runs the shm demo");
    let path = format!("{}/{}/demo.py", env!("CARGO_MANIFEST_DIR"), lesson.dir);
    // Waits for stderr's end too: the resource tracker, which holds it, has then exited.
    let out = Command::new("python3")
        .arg(&path)
        .stdin(Stdio::null())
        .output()
        .expect("python3 runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    for line in [
        "- in /dev/shm: True",
        "main: the child wrote b'hello'",
        "main: after unlink() - in /dev/shm: False",
        "'writer was here']",
    ] {
        assert!(stdout.contains(line), "{line}: {stdout}");
    }
    assert!(
        stderr.contains("There appear to be 1 leaked shared_memory objects"),
        "the resource tracker's warning: {stderr}"
    );
    // The segment the program leaked is gone: the tracker unlinked it.
    let leaked = stdout
        .lines()
        .find_map(|l| l.strip_prefix("main: exits without unlinking "))
        .and_then(|rest| rest.split_whitespace().next())
        .expect("the program names the segment it leaks");
    assert!(!std::path::Path::new(&format!("/dev/shm/{leaked}")).exists());
}

#[test]
fn executor_errors_come_back_and_a_killed_worker_breaks_the_pool() {
    let Some(out) = run(DemoKind::Executor, &[]) else {
        return;
    };
    for line in [
        "slow_square(3) raised ValueError: 3 is not allowed",
        // The worker's own traceback, carried back as the exception's __cause__.
        "in slow_square",
        "submit(<lambda>): PicklingError:",
        "submit(local): AttributeError:",
        "result(): BrokenProcessPool: A process in the process pool was terminated abruptly",
        "submit(): BrokenProcessPool:",
    ] {
        assert!(out.contains(line), "{line}: {out}");
    }
    // Every other future returned its value.
    for x in [0, 1, 2, 4, 5] {
        assert!(
            out.contains(&format!("slow_square({x}) = {}", x * x)),
            "{out}"
        );
    }
}

#[test]
fn sync_gates_throttles_meets_in_rounds_and_consumes_only_what_was_made() {
    let Some(out) = run(DemoKind::Sync, &[]) else {
        return;
    };
    let at = |s: &str| out.find(s).unwrap_or_else(|| panic!("no {s:?} in {out}"));
    assert!(at("main: go.set()") < at("got a slot"), "{out}");
    assert_eq!(out.matches("gave the slot back").count(), 4, "{out}");
    assert_eq!(out.matches("waiting at the barrier").count(), 9, "{out}");
    assert_eq!(out.matches("took an item").count(), 6, "{out}");
    assert!(out.contains("main: stock at the end 0"), "{out}");
}

#[test]
fn deadlock_gives_up_on_the_crossed_lock_and_gets_before_joining() {
    let Some(out) = run(DemoKind::Deadlock, &[]) else {
        return;
    };
    assert!(out.contains("worker 0: gave up on lock_b"), "{out}");
    assert!(out.contains("worker 1: holds both"), "{out}");
    assert!(out.contains("child still alive: a deadlock"), "{out}");
    assert!(
        out.contains("main: got 100000 bytes, then joined (exit code 0)"),
        "{out}"
    );
}

#[test]
fn chunksize_one_sends_a_message_per_task_and_the_default_sixteen() {
    let Some(out) = run(DemoKind::Chunksize, &[]) else {
        return;
    };
    assert!(out.contains("chunksize=1: 20000 task messages"), "{out}");
    assert!(out.contains("chunksize=1250: 16 task messages"), "{out}");
    assert!(out.contains("same results: True"), "{out}");
    // The lesson's [python] timing pattern reads both times.
    let lesson = course::embedded()
        .into_iter()
        .find(|l| l.demo == DemoKind::Chunksize)
        .expect("the lesson");
    let timed = out
        .lines()
        .filter(|l| !lesson.def.python.outcomes(l, None).is_empty())
        .count();
    assert_eq!(timed, 2, "{out}");
}
