//! `executor`: `concurrent.futures.ProcessPoolExecutor`, natively. Main starts W worker
//! processes, submits K calls of `slow_square(x)` into a real pipe (the call queue) and
//! takes the replies from another (the result queue) in the order they finish, as
//! `as_completed` yields them. Task i costs `1 + (5i + 3) mod 4` units, so that order is
//! not the submission order. Modes:
//! - `raise`: `slow_square(3)` raises; its error text and where it was raised travel back
//!   through the result pipe, and main's `result()` for that future raises it;
//! - `kill`: `slow_square(3)` kills its own worker with SIGKILL. Main, which waits on the
//!   result pipe and on its workers' exits at once (as the executor's manager thread waits
//!   on the result reader and the process sentinels), sees the death, fails every pending
//!   future with BrokenProcessPool and terminates the other workers, as CPython does.

use std::collections::BTreeSet;
use std::io;

use serde::{Deserialize, Serialize};

use crate::engine::demos::pool::units;
use crate::engine::demos::{Ctx, cpu_job};
use crate::engine::ipc::Queue;
use crate::engine::protocol::{Event, Op, Role};

#[derive(Debug, Serialize, Deserialize)]
enum Call {
    Task { index: u32, x: i64 },
    Stop,
}

#[derive(Debug, Serialize, Deserialize)]
enum Reply {
    Value { index: u32, value: i64, pid: i32 },
    Raised { index: u32, error: String, pid: i32 },
}

/// What CPython's futures raise once a worker died (`concurrent/futures/process.py`).
pub const BROKEN: &str = "BrokenProcessPool: A process in the process pool was terminated abruptly while the future was running or pending.";
/// What `submit()` raises afterwards.
const BROKEN_SUBMIT: &str = "BrokenProcessPool: A child process terminated abruptly, the process pool is not usable anymore";

/// The task that raises or kills its worker.
fn bad_task(tasks: u32) -> u32 {
    3.min(tasks.saturating_sub(1))
}

pub fn run(ctx: &Ctx) -> io::Result<()> {
    let p = &ctx.params;
    let (w, k) = (p.workers(), p.tasks());
    let kill = p.mode() == "kill";
    let bad = bad_task(k);
    let calls: Queue<Call> = Queue::new("calls", 0)?;
    let replies: Queue<Reply> = Queue::new("results", 0)?;
    ctx.say(&format!(
        "main: with ProcessPoolExecutor(max_workers={w}) as ex: futures = [ex.submit(slow_square, x) for x in range({k})]"
    ));
    let mut live = BTreeSet::new();
    for i in 0..w {
        live.insert(ctx.fork(Role::PoolWorker, &format!("worker {i}"), |cx| {
            work(cx, &calls, &replies, bad, kill)
        })?);
    }
    // At most 1000 small calls and replies (params.rs): both fit in their pipes' buffers,
    // so submitting everything before reading a reply cannot block.
    for i in 0..k {
        ctx.emit(Event::TaskSubmitted {
            task: i,
            arg: i.to_string(),
        });
        calls
            .put(
                &Call::Task {
                    index: i,
                    x: i as i64,
                },
                || {},
                |_| {},
            )
            .map_err(io::Error::other)?;
    }
    ctx.say("main: for f in as_completed(futures): print(f.result())");
    let mut pending: BTreeSet<u32> = (0..k).collect();
    let mut position = 0u32;
    let (mut values, mut raised) = (0u32, 0u32);
    let mut dead = None;
    while !pending.is_empty() {
        // Replies already written come first, as the manager thread reads the result
        // pipe before it looks at the sentinels.
        if replies.wait_readable(50) {
            let (reply, _) = replies.get(|| {}).map_err(io::Error::other)?;
            let index = match reply {
                Reply::Value { index, value, pid } => {
                    values += 1;
                    ctx.say(&format!(
                        "main: slow_square({index}) = {value}   (worker {pid})"
                    ));
                    ctx.emit(Event::ResultDelivered {
                        task: index,
                        result: value.to_string(),
                        position,
                    });
                    index
                }
                Reply::Raised { index, error, pid } => {
                    raised += 1;
                    ctx.say(&format!(
                        "main: future of slow_square({index}): result() raised {error}"
                    ));
                    ctx.say(&format!(
                        "main:   the worker's traceback came with it: raised in worker {pid}, in slow_square({index})"
                    ));
                    ctx.emit(Event::ResultDelivered {
                        task: index,
                        result: format!("raised {error}"),
                        position,
                    });
                    index
                }
            };
            position += 1;
            pending.remove(&index);
            continue;
        }
        if let Some(&pid) = live.iter().find(|&&pid| super::ctx::exited(pid)) {
            dead = Some(pid);
            break;
        }
    }
    if let Some(pid) = dead {
        live.remove(&pid);
        let status = ctx.reap(pid);
        ctx.say(&format!(
            "main: worker {pid} is gone ({status}): every pending future fails"
        ));
        // No worker will ever report these: the executor itself sets the exception.
        for &task in &pending {
            ctx.emit(Event::TaskDone {
                task,
                result: BROKEN.into(),
                raised: true,
            });
            ctx.emit(Event::ResultDelivered {
                task,
                result: format!("raised {BROKEN}"),
                position,
            });
            position += 1;
            ctx.say(&format!(
                "main: future of slow_square({task}): result() raised {BROKEN}"
            ));
        }
        raised += pending.len() as u32;
        // "Terminate remaining workers forcibly: the queues or their locks may be in a
        // dirty state and block forever" (CPython's comment).
        for &pid in &live {
            // SAFETY: signalling our own child, not reaped yet.
            unsafe { libc::kill(pid, libc::SIGTERM) };
        }
        for pid in std::mem::take(&mut live) {
            ctx.reap(pid);
        }
        ctx.say(&format!("main: ex.submit(...) now raises {BROKEN_SUBMIT}"));
    } else {
        // shutdown(wait=True): one stop message per worker, then join them.
        for _ in &live {
            calls
                .put(&Call::Stop, || {}, |_| {})
                .map_err(io::Error::other)?;
        }
        for pid in std::mem::take(&mut live) {
            ctx.reap(pid);
        }
    }
    ctx.say(&format!(
        "main: {k} futures: {values} returned a value, {raised} raised"
    ));
    Ok(())
}

fn work(cx: &Ctx, calls: &Queue<Call>, replies: &Queue<Reply>, bad: u32, kill: bool) -> i32 {
    let me = std::process::id() as i32;
    loop {
        cx.gate(Op::Get, || "call_queue.get()".into());
        let (index, x) = match calls.get(|| {
            cx.emit(Event::QueueBlocked {
                queue: 0,
                op: Op::Get,
            })
        }) {
            Ok((Call::Task { index, x }, _)) => (index, x),
            Ok((Call::Stop, _)) => return 0,
            Err(e) => {
                eprintln!("executor worker: {e}");
                return 1;
            }
        };
        cx.emit(Event::TaskStarted {
            task: index,
            arg: x.to_string(),
        });
        cx.gate(Op::Compute, || format!("slow_square({x})"));
        cpu_job(cx.params.cost().saturating_mul(units(index)));
        if index == bad && kill {
            cx.say(&format!(
                "worker {me}: slow_square({x}) runs os.kill(os.getpid(), SIGKILL)"
            ));
            // SAFETY: killing this very process, as the task asks.
            unsafe { libc::kill(me, libc::SIGKILL) };
        }
        let reply = if index == bad && !kill {
            let error = format!("ValueError: {x} is not allowed");
            cx.emit(Event::TaskDone {
                task: index,
                result: error.clone(),
                raised: true,
            });
            Reply::Raised {
                index,
                error,
                pid: me,
            }
        } else {
            let value = x * x;
            cx.emit(Event::TaskDone {
                task: index,
                result: value.to_string(),
                raised: false,
            });
            Reply::Value {
                index,
                value,
                pid: me,
            }
        };
        cx.gate(Op::Put, || "result_queue.put(...)".into());
        if replies.put(&reply, || {}, |_| {}).is_err() {
            return 1;
        }
    }
}
