//! `pool`: a pool of W worker processes runs K tasks `x*x` (with adjustable cost) and
//! reports which PID ran which task. Modes:
//! - `map`: results handed over all at once, in input order;
//! - `imap`: results handed over in input order as soon as each is next in line;
//! - `unordered`: in completion order (`imap_unordered`, or `apply_async` callbacks);
//! - `maxtasksperchild`: each worker retires after `--maxtasks` tasks and is replaced by
//!   a new process with a new PID;
//! - `pinned`: an older tutorial's `apply_async` run: task 0 sleeps 10 s and pins its
//!   worker while the other tasks (2 s each) are served by the other workers, reused;
//!   results come back in completion order, as the tutorial's prints do.
//!
//! The workers are forked by main, as under the `fork` start method.
//!
//! Task i costs `1 + (5i + 3) mod 4` units of `--cost` loop iterations, so tasks finish
//! out of order and the modes differ visibly.

use std::collections::{BTreeSet, HashSet};
use std::io;

use serde::{Deserialize, Serialize};

use crate::engine::demos::{Ctx, cpu_job};
use crate::engine::ipc::Queue;
use crate::engine::protocol::{Event, Op, Outcome, Role};

#[derive(Debug, Serialize, Deserialize)]
enum TaskMsg {
    Task { index: u32, x: i64 },
    Stop,
}

#[derive(Debug, Serialize, Deserialize)]
enum ResultMsg {
    Done { index: u32, value: i64, pid: i32 },
    Retired { pid: i32 },
}

/// Most tasks in flight at once, so neither pipe can fill up while the parent is
/// blocked writing to the other.
const WINDOW: u32 = 512;
/// Entries of the outcome's lists (the outcome must fit in one pipe write).
const OUTCOME_ENTRIES: usize = 100;

/// How long task `i` sleeps in mode `pinned`: the tutorial's `time.sleep(10)` for the
/// first task and `time.sleep(2)` for the others.
pub fn pinned_sleep(i: u32) -> std::time::Duration {
    std::time::Duration::from_secs(if i == 0 { 10 } else { 2 })
}

/// Cost multiplier of task `i`.
pub fn units(i: u32) -> u64 {
    1 + (5 * i as u64 + 3) % 4
}

pub fn run(ctx: &Ctx) -> io::Result<()> {
    let p = &ctx.params;
    let mode = p.mode().to_string();
    let (w, k) = (p.workers(), p.tasks());
    let maxtasks = (mode == "maxtasksperchild").then(|| p.maxtasks());
    let tasks: Queue<TaskMsg> = Queue::new("tasks", 0).map_err(io::Error::other)?;
    let results: Queue<ResultMsg> = Queue::new("results", 0).map_err(io::Error::other)?;
    if mode == "pinned" {
        ctx.say(&format!(
            "main: pool = Pool({w}) (workers forked, like fork); \
             pool.apply_async(task, (i,)) for i in range({k}); task 0 sleeps 10 s, the others 2 s"
        ));
    } else {
        ctx.say(&format!(
            "main: with Pool({w}{}) as pool: {}(square, range({k}))  # workers forked, like fork",
            maxtasks.map_or(String::new(), |m| format!(", maxtasksperchild={m}")),
            match mode.as_str() {
                "unordered" => "imap_unordered",
                "imap" => "imap",
                _ => "map",
            }
        ));
    }
    let spawn = |n: u32| {
        ctx.fork(Role::PoolWorker, &format!("worker {n}"), |cx| {
            work(cx, &tasks, &results, maxtasks)
        })
    };
    let mut live = BTreeSet::new();
    let mut spawned = 0;
    for _ in 0..w {
        live.insert(spawn(spawned)?);
        spawned += 1;
    }

    let mut submitted = 0u32;
    let mut submit = |upto: u32| -> io::Result<()> {
        while submitted < upto.min(k) {
            let i = submitted;
            ctx.emit(Event::TaskSubmitted {
                task: i,
                arg: i.to_string(),
            });
            tasks
                .put(
                    &TaskMsg::Task {
                        index: i,
                        x: i as i64,
                    },
                    || {},
                    |_| {},
                )
                .map_err(io::Error::other)?;
            submitted += 1;
        }
        Ok(())
    };
    submit(WINDOW)?;

    let mut values: Vec<Option<i64>> = vec![None; k as usize];
    let mut assignments = Vec::new();
    let mut delivered = Vec::new();
    let mut next_in_order = 0usize;
    let mut received = 0u32;
    let deliver = |i: u32, v: i64, delivered: &mut Vec<(u32, i64)>| {
        ctx.emit(Event::ResultDelivered {
            task: i,
            result: v.to_string(),
            position: delivered.len() as u32,
        });
        delivered.push((i, v));
    };
    while received < k {
        let (msg, _) = results.get(|| {}).map_err(io::Error::other)?;
        match msg {
            ResultMsg::Done { index, value, pid } => {
                received += 1;
                assignments.push((index, pid));
                values[index as usize] = Some(value);
                match mode.as_str() {
                    "imap" => {
                        while let Some(Some(v)) = values.get(next_in_order) {
                            deliver(next_in_order as u32, *v, &mut delivered);
                            next_in_order += 1;
                        }
                    }
                    "unordered" | "pinned" => deliver(index, value, &mut delivered),
                    _ => {} // map: nothing reaches the caller until every task is done
                }
                submit(received + WINDOW)?;
            }
            ResultMsg::Retired { pid } => {
                live.remove(&pid);
                ctx.reap(pid);
                if received < k {
                    live.insert(spawn(spawned)?);
                    spawned += 1;
                }
            }
        }
    }
    if delivered.is_empty() {
        for (i, v) in values.iter().enumerate() {
            deliver(i as u32, v.unwrap_or_default(), &mut delivered);
        }
    }
    // pool.close(); pool.join(): one stop message per live worker, then reap them all.
    for _ in &live {
        tasks
            .put(&TaskMsg::Stop, || {}, |_| {})
            .map_err(io::Error::other)?;
    }
    // Workers that retire while we wait for the stop messages to be taken still report.
    while !live.is_empty() {
        let (msg, _) = results.get(|| {}).map_err(io::Error::other)?;
        if let ResultMsg::Retired { pid } = msg {
            live.remove(&pid);
            ctx.reap(pid);
        }
    }
    let distinct: HashSet<i32> = assignments.iter().map(|&(_, pid)| pid).collect();
    // The outcome must fit in one atomic pipe write: it carries the first entries, the
    // per-task events carry them all.
    let complete = delivered.len() <= OUTCOME_ENTRIES;
    delivered.truncate(OUTCOME_ENTRIES);
    assignments.truncate(OUTCOME_ENTRIES);
    let shown: Vec<String> = delivered
        .iter()
        .take(20)
        .map(|(_, v)| v.to_string())
        .collect();
    ctx.say(&format!(
        "main: results [{}{}] from {} worker PIDs",
        shown.join(", "),
        if delivered.len() > 20 { ", ..." } else { "" },
        distinct.len()
    ));
    ctx.emit(Event::Outcome(Outcome::Pool {
        mode,
        tasks: k,
        delivered,
        assignments,
        complete,
        distinct_pids: distinct.len() as u32,
    }));
    Ok(())
}

fn work(
    cx: &Ctx,
    tasks: &Queue<TaskMsg>,
    results: &Queue<ResultMsg>,
    maxtasks: Option<u32>,
) -> i32 {
    let me = std::process::id() as i32;
    let mut done = 0;
    loop {
        cx.gate(Op::Get, || "get a task".into());
        let msg = tasks.get(|| {
            cx.emit(Event::QueueBlocked {
                queue: 0,
                op: Op::Get,
            })
        });
        let (index, x) = match msg {
            Ok((TaskMsg::Task { index, x }, _)) => (index, x),
            Ok((TaskMsg::Stop, _)) => break,
            Err(e) => {
                eprintln!("pool worker: {e}");
                return 1;
            }
        };
        cx.emit(Event::TaskStarted {
            task: index,
            arg: x.to_string(),
        });
        if cx.params.mode() == "pinned" {
            let secs = pinned_sleep(index).as_secs();
            cx.gate(Op::Compute, || format!("task({x}): sleep({secs})"));
            std::thread::sleep(pinned_sleep(index));
        } else {
            cx.gate(Op::Compute, || format!("square({x})"));
            cpu_job(cx.params.cost().saturating_mul(units(index)));
        }
        let value = x * x;
        cx.emit(Event::TaskDone {
            task: index,
            result: value.to_string(),
            raised: false,
        });
        cx.gate(Op::Put, || format!("return {value}"));
        if results
            .put(
                &ResultMsg::Done {
                    index,
                    value,
                    pid: me,
                },
                || {},
                |_| {},
            )
            .is_err()
        {
            return 1;
        }
        done += 1;
        if maxtasks == Some(done) {
            cx.say(&format!(
                "pool worker {me}: {done} tasks done, retiring (maxtasksperchild)"
            ));
            let _ = results.put(&ResultMsg::Retired { pid: me }, || {}, |_| {});
            return 0;
        }
    }
    // The parent reaps on Retired; a normal stop also says so, so it can account for us.
    let _ = results.put(&ResultMsg::Retired { pid: me }, || {}, |_| {});
    0
}
