//! Every lesson's demo.py is a correct, runnable program: run under the machine's python3,
//! it exits 0 in bounded time and prints what the lesson says it prints.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use proclab::demos::DemoKind;
use proclab::lessons;

fn python() -> Option<&'static str> {
    let ok = Command::new("python3")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    ok.then_some("python3")
}

fn run(d: DemoKind, args: &[&str]) -> Option<String> {
    let Some(py) = python() else {
        eprintln!("skipped: no python3 on PATH (CI installs it)");
        return None;
    };
    let all = lessons::embedded();
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
    assert!(
        out.contains("exitcode 0") && out.contains("exitcode 1"),
        "{out}"
    );
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
