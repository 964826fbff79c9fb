//! The sync demo through the real binary: an Event gate, a Semaphore of two slots, a
//! Barrier between rounds and a Condition between a producer and consumers, each made of
//! real process-shared memory. Asserts the orders and counts those objects guarantee.

mod common;

use common::run_json;
use proclab::course::format::Check;
use proclab::course::judge;
use proclab::engine::protocol::{Event, ObjectKind};
use proclab::state::RunState;

fn state_of(run: &common::Finished) -> RunState {
    let mut s = RunState::new();
    for f in &run.frames {
        s.apply(f);
    }
    s
}

/// Where in the output the first line containing `text` is.
fn first(lines: &[String], text: &str) -> usize {
    lines
        .iter()
        .position(|l| l.contains(text))
        .unwrap_or_else(|| panic!("no line with {text:?} in {lines:#?}"))
}

#[test]
fn the_gate_holds_everyone_and_two_slots_let_two_work_at_once() {
    let run = run_json(&["sync", "--mode", "semaphore", "--workers", "4"]);
    let lines = run.output_lines();
    let set = first(&lines, "main: go.set()");
    assert!(
        set < first(&lines, "got a slot"),
        "nobody started before go.set()"
    );
    let s = state_of(&run);
    let slots = s
        .sync
        .values()
        .find(|v| v.kind == ObjectKind::Semaphore)
        .expect("the semaphore");
    assert_eq!(
        slots.max_held, 2,
        "never more than its two slots held at once: {lines:#?}"
    );
    // Each slot is held 0.8 s: a worker reaching the semaphore meanwhile must wait.
    assert!(
        slots.waits >= 1,
        "four workers, two slots: some had to wait: {lines:#?}"
    );
    assert!(slots.holders.is_empty(), "every slot given back");
    assert_eq!(lines.iter().filter(|l| l.contains("got a slot")).count(), 4);
    assert!(judge::shows(&s, Check::SemaphoreThrottled));
}

#[test]
fn no_worker_starts_a_round_before_every_worker_finished_the_last() {
    let run = run_json(&["sync", "--mode", "barrier", "--workers", "3"]);
    let lines = run.output_lines();
    for r in 0..2 {
        let last_done = (0..3)
            .map(|i| first(&lines, &format!("worker {i}: round {r} done")))
            .max()
            .expect("three workers");
        for i in 0..3 {
            let next = first(&lines, &format!("worker {i}: round {} done", r + 1));
            assert!(
                last_done < next,
                "worker {i} finished round {} early",
                r + 1
            );
        }
    }
    let s = state_of(&run);
    let b = s
        .sync
        .values()
        .find(|v| v.kind == ObjectKind::Barrier)
        .expect("the barrier");
    assert_eq!(b.waits, 9, "three workers x three rounds");
    assert!(!judge::shows(&s, Check::SemaphoreThrottled));
}

#[test]
fn consumers_sleep_on_the_condition_and_never_take_what_was_not_made() {
    let run = run_json(&["sync", "--mode", "condition", "--workers", "2"]);
    let lines = run.output_lines();
    let (mut made, mut taken) = (0, 0);
    for l in &lines {
        made += l.starts_with("producer: item") as i32;
        taken += l.contains(": took an item") as i32;
        assert!(
            taken <= made,
            "an item taken before it was made: {lines:#?}"
        );
    }
    assert_eq!((made, taken), (6, 6));
    assert!(lines.iter().any(|l| l == "main: stock at the end 0"));
    let waited = run.frames.iter().any(|f| {
        matches!(
            f.event,
            Event::SyncWait {
                kind: ObjectKind::Condition,
                ..
            }
        )
    });
    assert!(waited, "a consumer slept in cond.wait()");
}
