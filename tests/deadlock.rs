//! The deadlock demo through the real binary: the wait-for cycle of two locks taken in
//! opposite order, broken by a timed acquire; join() before get() of an item bigger than
//! the pipe, ended by getting first. Nothing of either is left behind.

mod common;

use common::{Live, run_json};
use proclab::course::format::Check;
use proclab::course::judge;
use proclab::engine::protocol::{Event, ExitStatus, ObjectKind, Role};
use proclab::state::RunState;

fn state_of(frames: &[proclab::engine::protocol::Frame]) -> RunState {
    let mut s = RunState::new();
    for f in frames {
        s.apply(f);
    }
    s
}

#[test]
fn crossed_locks_form_a_wait_for_cycle_until_a_timed_acquire_gives_up() {
    let run = run_json(&["deadlock"]);
    // By label: siblings forked moments apart may announce themselves in either order.
    let mut spawned: Vec<(String, i32)> = run
        .spawned()
        .into_iter()
        .filter(|(_, _, role, _)| *role == Role::Worker)
        .map(|(pid, _, _, label)| (label, pid))
        .collect();
    spawned.sort();
    let workers: Vec<i32> = spawned.iter().map(|(_, pid)| *pid).collect();
    assert_eq!(spawned.len(), 2);
    assert_eq!(spawned[0].0, "worker 0");
    let s = state_of(&run.frames);
    let cycle = s
        .deadlock_seen
        .clone()
        .expect("the run showed a wait-for cycle");
    // Each worker waited for the lock the other held.
    assert_eq!(cycle.len(), 2, "{cycle:?}");
    let mut in_cycle: Vec<i32> = cycle.iter().map(|w| w.pid).collect();
    in_cycle.sort();
    let mut want = workers.clone();
    want.sort();
    assert_eq!(in_cycle, want);
    assert_ne!(cycle[0].lock, cycle[1].lock, "two different locks");
    assert_eq!(cycle[0].holder, cycle[1].pid);
    assert_eq!(cycle[1].holder, cycle[0].pid);
    // It was broken by worker 0's timed acquire giving up; at the end nobody waits.
    let gave_up = run.frames.iter().any(|f| {
        f.pid == workers[0]
            && matches!(
                f.event,
                Event::SyncDone {
                    kind: ObjectKind::Lock,
                    ok: false,
                    ..
                }
            )
    });
    assert!(gave_up, "worker 0 says it gave up");
    assert_eq!(s.wait_cycle(), None);
    for pid in &workers {
        assert_eq!(s.procs[pid].exit.map(|e| e.0), Some(ExitStatus::Code(0)));
    }
    assert!(judge::shows(&s, Check::DeadlockSeen));
    assert!(!judge::shows(&s, Check::JoinBeforeGet));
}

#[test]
fn join_before_get_holds_the_child_until_main_gets_its_item() {
    let run = run_json(&["deadlock", "--mode", "join"]);
    let child = run
        .spawned()
        .into_iter()
        .find(|(_, _, role, _)| *role == Role::Worker)
        .map(|(pid, ..)| pid)
        .expect("a child");
    let at = |pred: &dyn Fn(&Event) -> bool| {
        run.frames
            .iter()
            .position(|f| pred(&f.event))
            .expect("event present")
    };
    let warned = at(&|e| matches!(e, Event::Warning { code, .. } if code == "join-before-get"));
    let got = at(&|e| matches!(e, Event::QueueGet { producer, .. } if *producer == child));
    let child_exit = run
        .frames
        .iter()
        .position(|f| f.pid == child && matches!(f.event, Event::Exited { .. }))
        .expect("the child was joined");
    // Main saw the child stuck while it waited in join(), and the child ended only once
    // main had read its item.
    assert!(
        warned < got && got < child_exit,
        "{warned} {got} {child_exit}"
    );
    let lines = run.output_lines();
    assert!(
        lines.iter().any(|l| l.contains("65536 of 100000")
            || l.contains("of 100000 bytes in the pipe; it is full")),
        "{lines:?}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.contains("q.get() took 100000 bytes"))
    );
    let s = state_of(&run.frames);
    assert!(judge::shows(&s, Check::JoinBeforeGet));
    assert!(!judge::shows(&s, Check::DeadlockSeen));
}

#[test]
fn a_deadlocked_run_stopped_with_ctrl_c_leaves_nothing_behind() {
    let mut live = Live::start(&["deadlock"]);
    let main = live.main_pid();
    // Both workers blocked in their second acquire: the deadlock is on.
    let mut waits = 0;
    live.until("both workers waiting", |f| {
        waits += matches!(f.event, Event::LockWait { .. }) as u32;
        waits == 2
    });
    // SAFETY: signalling the proclab we started.
    unsafe { libc::kill(live.child.id() as i32, libc::SIGINT) };
    live.rest();
    let Some(Event::RunEnded(summary)) = live.frames.last().map(|f| f.event.clone()) else {
        panic!("no summary")
    };
    assert!(summary.stopped);
    common::assert_group_gone(main);
    common::assert_no_shm_left();
}

#[test]
fn the_lessons_own_program_shows_the_same_wait_for_cycle_under_the_python_runner() {
    if !common::python::have_python() {
        return;
    }
    let run = run_json(&["deadlock", "--runner", "python"]);
    let s = state_of(&run.frames);
    let cycle = s
        .deadlock_seen
        .clone()
        .expect("a wait-for cycle from the probe's events");
    assert_eq!(cycle.len(), 2, "{cycle:?}");
    let names: Vec<Option<&str>> = cycle
        .iter()
        .map(|w| s.locks[&w.lock].name.as_deref())
        .collect();
    assert!(
        names.contains(&Some("lock_a")) && names.contains(&Some("lock_b")),
        "{names:?}"
    );
    // The timed acquire that gave up was reported, so nobody is left waiting.
    assert_eq!(s.wait_cycle(), None);
    assert!(s.locks.values().all(|l| l.waiters.is_empty()));
    assert!(judge::shows(&s, Check::DeadlockSeen));
    assert!(
        judge::shows(&s, Check::JoinBeforeGet),
        "the probe saw join before get"
    );
}
