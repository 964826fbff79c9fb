//! Ending a run any way a user can: Ctrl-C, SIGTERM, `kill -9` of proclab, a closed
//! stdout. Afterwards no demo process may remain and nothing may be left in /dev/shm.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use common::{Live, assert_group_gone, assert_no_shm_left, bin, group_members};
use proclab::engine::protocol::{Event, Role};

/// Start a long process demo and wait until both workers are running.
fn started() -> (Live, i32) {
    let mut live = Live::start(&["process", "--workers", "2", "--iterations", "100000000000"]);
    let mut workers = 0;
    let mut main = 0;
    while workers < 2 {
        let f = live.until("workers started", |f| {
            matches!(f.event, Event::Spawned { .. })
        });
        if let Event::Spawned { role, .. } = f.event {
            if role == Role::Main {
                main = f.pid;
            } else {
                workers += 1;
            }
        }
    }
    assert_eq!(
        group_members(main).len(),
        3,
        "main and two workers are running"
    );
    (live, main)
}

fn stopped_by(signal: i32) {
    let (mut live, main) = started();
    // SAFETY: signalling the child process we started.
    unsafe { libc::kill(live.child.id() as i32, signal) };
    live.rest();
    let status = live.child.wait().expect("proclab exits");
    assert_eq!(status.code(), Some(130), "stopped runs exit with 130");
    match live.frames.last().map(|f| &f.event) {
        Some(Event::RunEnded(s)) => assert!(s.stopped, "summary says it was stopped"),
        other => panic!("no summary after the signal: {other:?}"),
    }
    let exits = live
        .frames
        .iter()
        .filter(|f| matches!(f.event, Event::Exited { .. }))
        .count();
    assert_eq!(exits, 3, "every process's end is reported");
    assert_group_gone(main);
    assert_no_shm_left();
}

#[test]
fn ctrl_c_stops_the_demo_and_reports_it() {
    stopped_by(libc::SIGINT);
}

#[test]
fn sigterm_stops_the_demo_and_reports_it() {
    stopped_by(libc::SIGTERM);
}

#[test]
fn kill_9_of_proclab_takes_the_demo_down_too() {
    let (mut live, main) = started();
    live.child.kill().expect("SIGKILL proclab");
    live.child.wait().expect("reaped");
    assert_group_gone(main);
    assert_no_shm_left();
}

#[test]
fn a_closed_stdout_stops_the_demo_without_a_panic() {
    let mut child = Command::new(bin())
        .args(["run", "process", "--iterations", "100000000000"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("starts");
    let mut first = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut first)
        .expect("one line");
    // The reader is dropped here, like `proclab run ... | head -1`.
    let main: i32 = first
        .split("main pid ")
        .nth(1)
        .and_then(|s| s.split_whitespace().next())
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("first line names the main pid: {first}"));
    let out = child.wait_with_output().expect("exits");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_group_gone(main);
}

/// Whether `pid` still exists (a zombie counts as gone: it runs nothing).
fn alive(pid: i32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .map(|s| {
            let state = s
                .rsplit(')')
                .next()
                .and_then(|r| r.split_whitespace().next());
            state != Some("Z")
        })
        .unwrap_or(false)
}

/// The orphan of the lifecycle demo turns its parent-death signal off to outlive its
/// parent. If proclab is killed in that window, the orphan must still end, in either
/// way of waiting (the tempo, or a gate held in step mode).
#[test]
fn kill_9_of_proclab_in_the_orphans_window_leaves_no_orphan() {
    for extra in [&["--tempo", "2000"][..], &["--step"][..]] {
        let mut args = vec!["lifecycle", "--mode", "orphan"];
        args.extend_from_slice(extra);
        let mut live = Live::start(&args);
        let orphan = live
            .until(
                "the orphan started",
                |f| matches!(&f.event, Event::Spawned { label, .. } if label == "orphan"),
            )
            .pid;
        // Main now waits (its tempo, or its gate in step mode) before it kills the
        // parent: the orphan is in its window.
        std::thread::sleep(std::time::Duration::from_millis(300));
        live.child.kill().expect("SIGKILL proclab");
        live.child.wait().expect("reaped");
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while alive(orphan) && std::time::Instant::now() < deadline {
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        let left = alive(orphan);
        if left {
            // SAFETY: not leaving the stray behind for the next test.
            unsafe { libc::kill(orphan, libc::SIGKILL) };
        }
        assert!(!left, "{extra:?}: the orphan {orphan} outlived proclab");
    }
}
