//! `queue`: P producers and C consumers through one `Queue` (optionally bounded); every
//! put and get reported with the item and its producer. Mode `sum` is seed 000's example:
//! each worker puts the sum of `i + i**2 + i**3`, the parent gets them and adds them up.

use std::io;

use serde::{Deserialize, Serialize};

use crate::engine::demos::{Ctx, cpu_work_us};
use crate::engine::ipc::{Queue, Value};
use crate::engine::protocol::{Event, Op, Outcome, Role};

/// One queued item: who made it, its number in that producer's sequence, a value.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Item {
    producer: i32,
    index: u32,
    seq: u32,
    value: i64,
}

impl Item {
    fn preview(&self) -> String {
        format!("p{}#{}", self.index, self.seq)
    }
}

pub fn run(ctx: &Ctx) -> io::Result<()> {
    if ctx.params.mode() == "sum" {
        return run_sum(ctx);
    }
    let p = &ctx.params;
    let q: Queue<Option<Item>> = Queue::new("queue", p.maxsize()).map_err(io::Error::other)?;
    let got = Value::<i64>::new("got", 0)?;
    let bound = if q.maxsize() > 0 {
        format!("maxsize={}", q.maxsize())
    } else {
        "unbounded".into()
    };
    ctx.say(&format!(
        "main: q = Queue({bound}); {} x {}, {} (forked, like fork)",
        counted(p.producers() as u64, "producer"),
        counted(p.iterations(), "item"),
        counted(p.consumers() as u64, "consumer")
    ));
    let mut consumers = Vec::new();
    for c in 0..p.consumers() {
        consumers.push(ctx.fork(Role::Consumer, &format!("consumer {c}"), |cx| {
            consume(cx, &q, &got, c)
        })?);
    }
    let mut producers = Vec::new();
    for i in 0..p.producers() {
        producers.push(ctx.fork(Role::Producer, &format!("producer {i}"), |cx| {
            produce(cx, &q, i)
        })?);
    }
    for pid in producers {
        ctx.reap(pid);
    }
    // Every producer is done: one sentinel per consumer tells them to stop. They are
    // items like any other (`q.put(None)`): reported, so the queue's size adds up.
    for _ in &consumers {
        q.put(
            &None,
            || {},
            |size| {
                ctx.emit(Event::QueuePut {
                    queue: 0,
                    item: "None".into(),
                    seq: 0,
                    size,
                })
            },
        )
        .map_err(io::Error::other)?;
    }
    for pid in consumers {
        ctx.reap(pid);
    }
    let put = p.producers() * p.iterations() as u32;
    let got = got.get() as u32;
    ctx.say(&format!("main: {put} items put, {got} got"));
    ctx.emit(Event::Outcome(Outcome::Queue {
        put,
        got,
        total: None,
    }));
    Ok(())
}

fn produce(cx: &Ctx, q: &Queue<Option<Item>>, index: u32) -> i32 {
    let me = std::process::id() as i32;
    // The pace: each item takes real CPU work to make, and to use.
    let work = cx.params.work_us();
    for seq in 0..cx.params.iterations() as u32 {
        let item = Item {
            producer: me,
            index,
            seq,
            value: (index as i64) * 1000 + seq as i64,
        };
        if work > 0 {
            cx.gate(Op::Compute, || format!("compute {}", item.preview()));
            std::hint::black_box(cpu_work_us(work));
        }
        cx.gate(Op::Put, || format!("q.put({})", item.preview()));
        let r = q.put(
            &Some(item.clone()),
            || {
                cx.emit(Event::QueueBlocked {
                    queue: 0,
                    op: Op::Put,
                })
            },
            |size| {
                cx.emit(Event::QueuePut {
                    queue: 0,
                    item: item.preview(),
                    seq,
                    size,
                })
            },
        );
        if let Err(e) = r {
            eprintln!("producer {index}: put failed: {e}");
            return 1;
        }
    }
    cx.say(&format!(
        "producer {index}: put {} items",
        cx.params.iterations()
    ));
    0
}

fn consume(cx: &Ctx, q: &Queue<Option<Item>>, got: &Value<i64>, index: u32) -> i32 {
    let mut mine = 0;
    loop {
        cx.gate(Op::Get, || "q.get()".into());
        let (item, size) = match q.get(|| {
            cx.emit(Event::QueueBlocked {
                queue: 0,
                op: Op::Get,
            })
        }) {
            Ok(x) => x,
            Err(e) => {
                eprintln!("consumer {index}: get failed: {e}");
                return 1;
            }
        };
        let Some(item) = item else {
            cx.emit(Event::QueueGet {
                queue: 0,
                item: "None".into(),
                seq: 0,
                producer: nix::unistd::getppid().as_raw(),
                size,
            });
            break;
        };
        cx.emit(Event::QueueGet {
            queue: 0,
            item: item.preview(),
            seq: item.seq,
            producer: item.producer,
            size,
        });
        {
            let _g = got.get_lock().guard();
            got.set_unlocked(got.get_unlocked() + 1);
        }
        mine += 1;
        let work = cx.params.work_us();
        if work > 0 {
            cx.gate(Op::Compute, || format!("use {}", item.preview()));
            std::hint::black_box(cpu_work_us(work));
        }
    }
    cx.say(&format!(
        "consumer {index}: got {}",
        counted(mine as u64, "item")
    ));
    0
}

/// Seed 000: `job(q)` puts `sum(i + i**2 + i**3 for i in range(n))`; main adds the results.
fn run_sum(ctx: &Ctx) -> io::Result<()> {
    let p = &ctx.params;
    let n = p.iterations();
    let q: Queue<(i32, i64)> = Queue::new("queue", 0).map_err(io::Error::other)?;
    ctx.say(&format!(
        "main: {} workers (forked, like fork) each put sum(i + i**2 + i**3 for i in range({n}))",
        p.workers()
    ));
    let mut kids = Vec::new();
    for w in 0..p.workers() {
        kids.push(ctx.fork(Role::Worker, &format!("worker {w}"), |cx| {
            cx.gate(Op::Compute, || format!("job(q) over range({n})"));
            // black_box: computed at run time, in this process, not folded by the compiler.
            let res = seed_job(std::hint::black_box(n));
            cx.gate(Op::Put, || format!("q.put({res})"));
            let r = q.put(
                &(std::process::id() as i32, res),
                || {},
                |size| {
                    cx.emit(Event::QueuePut {
                        queue: 0,
                        item: res.to_string(),
                        seq: 0,
                        size,
                    })
                },
            );
            match r {
                Ok(_) => 0,
                Err(e) => {
                    eprintln!("worker {w}: put failed: {e}");
                    1
                }
            }
        })?);
    }
    // Get first, then join: joining a child before its queued data is read can deadlock
    // (CPython docs, "Joining processes that use queues"); the seed joins first.
    let mut total: i64 = 0;
    for _ in 0..kids.len() {
        ctx.gate(Op::Get, || "q.get()".into());
        let ((producer, res), size) = q
            .get(|| {
                ctx.emit(Event::QueueBlocked {
                    queue: 0,
                    op: Op::Get,
                })
            })
            .map_err(io::Error::other)?;
        ctx.emit(Event::QueueGet {
            queue: 0,
            item: res.to_string(),
            seq: 0,
            producer,
            size,
        });
        total += res;
    }
    for pid in kids {
        ctx.reap(pid);
    }
    ctx.say(&format!("main: res1 + res2 + ... = {total}"));
    ctx.emit(Event::Outcome(Outcome::Queue {
        put: p.workers(),
        got: p.workers(),
        total: Some(total),
    }));
    Ok(())
}

/// `sum(i + i**2 + i**3 for i in range(n))`, wrapping like the other jobs.
pub fn seed_job(n: u64) -> i64 {
    (0..n as i64).fold(0i64, |acc, i| {
        acc.wrapping_add(
            i.wrapping_add(i.wrapping_mul(i))
                .wrapping_add(i.wrapping_mul(i).wrapping_mul(i)),
        )
    })
}

/// `1 item`, `2 items`: a count with its noun, singular or plural.
fn counted(n: u64, noun: &str) -> String {
    format!("{n} {noun}{}", if n == 1 { "" } else { "s" })
}
