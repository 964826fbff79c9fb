//! The lock demo: lost updates without the lock, exact counts with it, and a lost update
//! made by hand in step mode.

mod common;

use std::collections::HashMap;
use std::io::Write;

use common::{Live, run_json};
use proclab::engine::protocol::{Event, Op, Outcome};

fn counter(args: &[&str]) -> (i64, i64) {
    let run = run_json(args);
    match run.outcomes().pop() {
        Some(Outcome::Counter {
            expected, actual, ..
        }) => (expected, actual),
        other => panic!("no counter outcome: {other:?}"),
    }
}

#[test]
fn without_the_lock_updates_are_lost_and_with_it_the_count_is_exact() {
    let args = ["lock", "--workers", "4", "--iterations", "20000"];
    let mut short = 0;
    for _ in 0..10 {
        let (expected, actual) = counter(&[&args[..], &["--no-lock"]].concat());
        assert_eq!(expected, 80_000);
        assert!(actual <= expected);
        short += (actual < expected) as u32;
    }
    assert!(
        short >= 9,
        "updates lost in only {short} of 10 runs without the lock"
    );
    for _ in 0..10 {
        let (expected, actual) = counter(&[&args[..], &["--lock"]].concat());
        assert_eq!(actual, expected, "with the lock every update counts");
    }
}

#[test]
fn stepping_two_workers_by_hand_loses_an_update() {
    let mut live = Live::start(&[
        "lock",
        "--no-lock",
        "--workers",
        "2",
        "--iterations",
        "1",
        "--step",
    ]);
    let mut stdin = live.child.stdin.take().expect("stdin");
    let mut at = HashMap::new();
    // Both workers stop before reading the counter.
    while at.len() < 2 {
        let f = live.until("two read step points", |f| {
            matches!(f.event, Event::StepPoint { op: Op::Read, .. })
        });
        at.insert(f.pid, ());
    }
    let pids: Vec<i32> = at.keys().copied().collect();
    // Step a process once it waits at its gate, and wait for what that one operation did.
    let mut step = |pid: i32, wrote: bool, live: &mut Live| {
        let waiting = |f: &proclab::engine::protocol::Frame| {
            f.pid == pid && matches!(f.event, Event::StepPoint { .. })
        };
        let last_step_point = live.frames.iter().rposition(waiting);
        let last_effect = live.frames.iter().rposition(|f| {
            f.pid == pid
                && matches!(
                    f.event,
                    Event::SharedRead { .. } | Event::SharedWrite { .. }
                )
        });
        if last_step_point.is_none() || last_step_point < last_effect {
            live.until("the process at its next gate", waiting);
        }
        writeln!(stdin, "{pid}").expect("write step");
        live.until("the stepped operation", |f| {
            f.pid == pid
                && match f.event {
                    Event::SharedRead { .. } => !wrote,
                    Event::SharedWrite { .. } => wrote,
                    _ => false,
                }
        })
    };
    // A reads 0, B reads 0, A writes 1, B writes 1: one increment is lost.
    step(pids[0], false, &mut live);
    step(pids[1], false, &mut live);
    step(pids[0], true, &mut live);
    step(pids[1], true, &mut live);
    live.rest();
    let reads: Vec<String> = live
        .frames
        .iter()
        .filter_map(|f| match &f.event {
            Event::SharedRead { value, .. } => Some(value.to_string()),
            _ => None,
        })
        .collect();
    assert_eq!(reads, vec!["0", "0"], "both read the same value");
    let outcome = live.frames.iter().find_map(|f| match &f.event {
        Event::Outcome(Outcome::Counter {
            expected, actual, ..
        }) => Some((*expected, *actual)),
        _ => None,
    });
    assert_eq!(outcome, Some((2, 1)), "two increments, one survived");
    assert!(matches!(
        live.frames.last().map(|f| &f.event),
        Some(Event::RunEnded(_))
    ));
}
