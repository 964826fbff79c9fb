//! The runner as the TUI will drive it: pause, resume, stop while paused. Alone in its
//! own test binary because the runner becomes the subreaper of its process and reaps
//! every child it has.

use std::time::{Duration, Instant};

use proclab::engine::demos::{DemoKind, Params};
use proclab::engine::protocol::Event;
use proclab::engine::runner::{Run, RunOptions};

fn state_of(pid: i32) -> Option<char> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    stat.rfind(')').and_then(|i| stat[i + 2..].chars().next())
}

fn wait_for(what: &str, mut f: impl FnMut() -> bool) {
    let until = Instant::now() + Duration::from_secs(5);
    while !f() {
        assert!(Instant::now() < until, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn pause_freezes_the_group_and_stop_works_even_while_paused() {
    let mut params = Params::new(DemoKind::Process);
    params.iterations = Some(100_000_000_000);
    let mut opts = RunOptions::new(params).expect("options");
    opts.exe = env!("CARGO_BIN_EXE_proclab").into();
    opts.grace = Duration::from_millis(300);
    let (tx, rx) = proclab::engine::runner::channel();
    let run = Run::start(opts, tx).expect("starts");
    wait_for("main and two workers", || run.live_pids().len() == 3);
    // The runner reaps only its demo: other children of the host program are untouched.
    for _ in 0..20 {
        let st = std::process::Command::new("true")
            .status()
            .expect("true runs and is waited for");
        assert!(st.success());
    }
    let pids = run.live_pids();
    run.pause();
    wait_for("state T everywhere", || {
        pids.iter().all(|&p| state_of(p) == Some('T'))
    });
    run.resume();
    wait_for("running again", || {
        pids.iter()
            .all(|&p| matches!(state_of(p), Some('R') | Some('S')))
    });
    run.pause();
    run.stop();
    let summary = run.wait();
    assert!(summary.stopped);
    for p in pids {
        assert_eq!(state_of(p), None, "pid {p} is gone");
    }
    let events: Vec<Event> = rx.try_iter().map(|f| f.event).collect();
    assert!(matches!(events.last(), Some(Event::RunEnded(_))));
    let exits = events
        .iter()
        .filter(|e| matches!(e, Event::Exited { .. }))
        .count();
    assert_eq!(exits, 3, "each process's end is reported");
}
