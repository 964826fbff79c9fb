//! The SharedMemory and ProcessPoolExecutor demos through the real binary: a named
//! segment really is in /dev/shm and really gone afterwards, leaked or not; a worker's
//! error reaches the caller; a killed worker breaks the pool.

mod common;

use common::python::have_python;
use common::{Finished, Live, assert_group_gone, assert_no_shm_left, run_json};
use proclab::course::format::Check;
use proclab::course::judge;
use proclab::engine::protocol::{Event, ExitStatus, Role, ShmOp};
use proclab::state::RunState;

/// The tests here run one at a time: a segment one of them holds on purpose would be
/// taken for a leftover by another's check that nothing named proclab is in /dev/shm.
fn one_at_a_time() -> std::sync::MutexGuard<'static, ()> {
    static ONE: std::sync::Mutex<()> = std::sync::Mutex::new(());
    ONE.lock().unwrap_or_else(|e| e.into_inner())
}

fn state(run: &Finished) -> RunState {
    let mut s = RunState::new();
    for f in &run.frames {
        s.apply(f);
    }
    s
}

/// (pid, segment, op) of every SharedMemory event.
fn shm_ops(run: &Finished) -> Vec<(i32, String, ShmOp)> {
    run.frames
        .iter()
        .filter_map(|f| match &f.event {
            Event::SharedMemory { name, op, .. } => Some((f.pid, name.clone(), *op)),
            _ => None,
        })
        .collect()
}

fn said(run: &Finished, pid: i32, text: &str) -> bool {
    run.frames.iter().any(|f| {
        f.pid == pid && matches!(&f.event, Event::Output { line, .. } if line.contains(text))
    })
}

fn leaks(run: &Finished) -> Vec<(String, bool)> {
    run.frames
        .iter()
        .filter_map(|f| match &f.event {
            Event::SharedMemoryLeak { name, removed } => Some((name.clone(), *removed)),
            _ => None,
        })
        .collect()
}

#[test]
fn a_segment_is_in_dev_shm_attached_by_name_by_two_children_and_gone_after_unlink() {
    let _one = one_at_a_time();
    let run = run_json(&["shm", "--iterations", "4"]);
    let main = run.main_pid();
    let ops = shm_ops(&run);
    let name = format!("proclab_psm_{main}");
    assert!(
        ops.contains(&(main, name.clone(), ShmOp::Create)),
        "{ops:?}"
    );
    assert!(
        ops.contains(&(main, name.clone(), ShmOp::Unlink)),
        "{ops:?}"
    );
    let children: Vec<i32> = run
        .spawned()
        .into_iter()
        .filter(|(_, ppid, role, _)| *ppid == main && *role == Role::Worker)
        .map(|(pid, ..)| pid)
        .collect();
    assert_eq!(children.len(), 2, "a writer and a reader");
    for pid in &children {
        assert!(
            ops.contains(&(*pid, name.clone(), ShmOp::Attach)),
            "{ops:?}"
        );
        assert!(ops.contains(&(*pid, name.clone(), ShmOp::Close)), "{ops:?}");
    }
    // The demo looked in /dev/shm itself: there after create, gone after unlink.
    assert!(said(
        &run,
        main,
        &format!("/dev/shm/{name} exists (99 bytes)")
    ));
    assert!(said(&run, main, &format!("/dev/shm/{name} is gone")));
    // The reader, a separate process, read what the writer wrote, by name alone.
    let writer = children[0];
    let values = format!("[4, {writer}, 'writer was here']");
    assert!(
        said(&run, children[1], &values),
        "{:#?}",
        run.output_lines()
    );
    assert!(said(&run, main, &values), "main's own mapping shows it too");
    assert!(leaks(&run).is_empty(), "unlinked: no leak");
    assert!(!std::path::Path::new(&format!("/dev/shm/{name}")).exists());
    let s = state(&run);
    assert!(judge::shows(&s, Check::SegmentUnlinked));
    assert!(!judge::shows(&s, Check::SegmentLeaked));
}

#[test]
fn a_segment_never_unlinked_outlives_the_demo_and_proclab_removes_it() {
    let _one = one_at_a_time();
    let run = run_json(&["shm", "--mode", "leak"]);
    let main = run.main_pid();
    let name = format!("proclab_psm_{main}");
    assert!(
        !shm_ops(&run).iter().any(|(_, _, op)| *op == ShmOp::Unlink),
        "leak mode never unlinks"
    );
    // Still there after main closed it, as main saw it just before exiting...
    assert!(said(&run, main, &format!("/dev/shm/{name} exists")));
    // ...and removed by proclab once the demo was over, which says so.
    assert_eq!(leaks(&run), vec![(name.clone(), true)]);
    assert!(!std::path::Path::new(&format!("/dev/shm/{name}")).exists());
    let s = state(&run);
    assert!(judge::shows(&s, Check::SegmentLeaked));
    assert!(!judge::shows(&s, Check::SegmentUnlinked));
}

#[test]
fn a_shm_run_stopped_midway_leaves_no_segment_behind() {
    let _one = one_at_a_time();
    // Slow, so the segment exists when the run is stopped.
    let mut live = Live::start(&["shm", "--tempo", "500", "--iterations", "50"]);
    let main = live.main_pid();
    let f = live.until("the writer attached", |f| {
        matches!(
            f.event,
            Event::SharedMemory {
                op: ShmOp::Attach,
                ..
            }
        )
    });
    let Event::SharedMemory { name, .. } = f.event else {
        unreachable!("matched above")
    };
    assert!(std::path::Path::new(&format!("/dev/shm/{name}")).exists());
    // SAFETY: signalling the child process we started.
    unsafe { libc::kill(live.child.id() as i32, libc::SIGINT) };
    live.rest();
    let leaked: Vec<(String, bool)> = live
        .frames
        .iter()
        .filter_map(|f| match &f.event {
            Event::SharedMemoryLeak { name, removed } => Some((name.clone(), *removed)),
            _ => None,
        })
        .collect();
    assert_eq!(leaked, vec![(name.clone(), true)], "proclab removed it");
    assert!(!std::path::Path::new(&format!("/dev/shm/{name}")).exists());
    assert_group_gone(main);
    assert_no_shm_left();
}

/// A TaskDone: (task, result, raised, pid of the process that reported it).
type Done = (u32, String, bool, i32);

/// Every TaskDone, and the tasks in delivery order.
fn tasks(run: &Finished) -> (Vec<Done>, Vec<u32>) {
    let mut done = Vec::new();
    let mut delivered = Vec::new();
    for f in &run.frames {
        match &f.event {
            Event::TaskDone {
                task,
                result,
                raised,
            } => done.push((*task, result.clone(), *raised, f.pid)),
            Event::ResultDelivered { task, .. } => delivered.push(*task),
            _ => {}
        }
    }
    (done, delivered)
}

#[test]
fn a_task_that_raises_in_a_worker_raises_again_in_the_caller() {
    let _one = one_at_a_time();
    let run = run_json(&[
        "executor",
        "--workers",
        "2",
        "--tasks",
        "6",
        "--cost",
        "100000",
    ]);
    let main = run.main_pid();
    let workers: Vec<i32> = run
        .spawned()
        .into_iter()
        .filter(|(_, _, role, _)| *role == Role::PoolWorker)
        .map(|(pid, ..)| pid)
        .collect();
    assert_eq!(workers.len(), 2);
    let (done, mut delivered) = tasks(&run);
    // The error was raised in a worker process, not in main...
    let raised: Vec<_> = done.iter().filter(|d| d.2).collect();
    assert_eq!(raised.len(), 1, "{done:?}");
    assert_eq!(raised[0].0, 3);
    assert!(workers.contains(&raised[0].3), "raised in a worker");
    // ...and its text reached main, whose result() raised it.
    assert!(said(
        &run,
        main,
        "result() raised ValueError: 3 is not allowed"
    ));
    assert!(said(&run, main, "6 futures: 5 returned a value, 1 raised"));
    delivered.sort_unstable();
    assert_eq!(delivered, (0..6).collect::<Vec<_>>(), "each future once");
    let s = state(&run);
    assert!(judge::shows(&s, Check::TaskRaised));
    assert!(!judge::shows(&s, Check::PoolBroken));
}

#[test]
fn a_worker_killed_breaks_the_pool_and_fails_every_pending_future() {
    let _one = one_at_a_time();
    let run = run_json(&[
        "executor",
        "--mode",
        "kill",
        "--workers",
        "2",
        "--tasks",
        "6",
        "--cost",
        "100000",
    ]);
    let main = run.main_pid();
    let exits: Vec<(i32, ExitStatus)> = run
        .frames
        .iter()
        .filter_map(|f| match f.event {
            Event::Exited { status } if f.pid != main => Some((f.pid, status)),
            _ => None,
        })
        .collect();
    let statuses: Vec<ExitStatus> = exits.iter().map(|e| e.1).collect();
    assert!(
        statuses.contains(&ExitStatus::Signal(libc::SIGKILL)),
        "{exits:?}"
    );
    assert!(
        statuses.contains(&ExitStatus::Signal(libc::SIGTERM)),
        "the other worker is terminated: {exits:?}"
    );
    let (done, mut delivered) = tasks(&run);
    let broken: Vec<u32> = done
        .iter()
        .filter(|d| d.2 && d.1.starts_with("BrokenProcessPool"))
        .map(|d| d.0)
        .collect();
    assert!(
        broken.contains(&3),
        "the task that killed its worker: {done:?}"
    );
    // Every future completed: with a value, or with BrokenProcessPool.
    delivered.sort_unstable();
    assert_eq!(delivered, (0..6).collect::<Vec<_>>());
    let values = done.iter().filter(|d| !d.2).count();
    assert_eq!(values + broken.len(), 6, "{done:?}");
    assert!(said(&run, main, "now raises BrokenProcessPool"));
    let s = state(&run);
    assert!(judge::shows(&s, Check::PoolBroken));
    assert!(!judge::shows(&s, Check::TaskRaised));
}

#[test]
fn the_lessons_own_programs_complete_the_same_checks_under_the_python_runner() {
    let _one = one_at_a_time();
    if !have_python() {
        return;
    }
    // demo.py of lesson 11 unlinks two segments and leaks a third on purpose; its
    // resource tracker removes that one, so nothing is left for proclab to remove.
    let run = run_json(&["shm", "--runner", "python"]);
    let s = state(&run);
    assert!(judge::shows(&s, Check::SegmentUnlinked));
    assert!(judge::shows(&s, Check::SegmentLeaked));
    let leaked = leaks(&run);
    assert_eq!(leaked.len(), 1, "{leaked:?}");
    assert!(
        !leaked[0].1,
        "Python's resource tracker removed it, not proclab"
    );
    assert!(!std::path::Path::new(&format!("/dev/shm/{}", leaked[0].0)).exists());
    // demo.py of lesson 12: a ValueError from a worker, then a worker killed.
    let run = run_json(&["executor", "--runner", "python"]);
    let s = state(&run);
    assert!(judge::shows(&s, Check::TaskRaised));
    assert!(judge::shows(&s, Check::PoolBroken));
}

#[test]
fn a_segment_left_by_a_proclab_killed_with_sigkill_is_removed_by_the_next_shm_run() {
    let _one = one_at_a_time();
    let mut live = Live::start(&["shm", "--tempo", "500", "--iterations", "50"]);
    let main = live.main_pid();
    live.until("the segment is created", |f| {
        matches!(
            f.event,
            Event::SharedMemory {
                op: ShmOp::Create,
                ..
            }
        )
    });
    let path = format!("/dev/shm/proclab_psm_{main}");
    // SIGKILL: proclab runs no cleanup at all; its demo dies with it.
    let _ = live.child.kill();
    let _ = live.child.wait();
    assert_group_gone(main);
    assert!(
        std::path::Path::new(&path).exists(),
        "nothing could remove it"
    );
    let run = run_json(&["shm", "--iterations", "1"]);
    assert!(!std::path::Path::new(&path).exists());
    assert!(
        run.output_lines()
            .iter()
            .any(|l| l.contains(&format!("removed {path}, left by an earlier run"))),
        "{:#?}",
        run.output_lines()
    );
}
