//! `lock`: W workers each increment one shared counter N times as `v.value += 1`, i.e. a
//! read and then a write, each under the Value's own internal lock (CPython's default
//! `lock=True`). Without the Lock around the pair, increments are lost; with it
//! (`--lock`) the count is exact. Mode `print` is seed 001's `job(val, step, lock)`.

use std::io;
use std::time::Duration;

use crate::engine::demos::ctx::Throttle;
use crate::engine::demos::{Ctx, cpu_work_us, pause_ms};
use crate::engine::ipc::{Barrier, Elem, Lock, Value};
use crate::engine::protocol::{Event, Op, Role};

pub fn run(ctx: &Ctx) -> io::Result<()> {
    let p = &ctx.params;
    let (w, n, use_lock) = (p.workers(), p.iterations(), p.lock());
    let counter = Value::<i32>::new("counter", 0)?;
    let lock = Lock::new("lock")?;
    let start = Barrier::new("start", w)?;
    let print_mode = p.mode() == "print";
    ctx.say(&format!(
        "main: {w} workers (forked, like fork), {n} increments each, lock {}",
        if use_lock { "ON" } else { "OFF" }
    ));
    let mut kids = Vec::new();
    for i in 0..w {
        kids.push(ctx.fork(Role::Worker, &format!("worker {i}"), |cx| {
            // Start together so the loops overlap, as they would in a slower language.
            start.wait();
            if print_mode {
                seed_job(cx, &counter, &lock, use_lock, 2 * i as i32 + 1, n)
            } else {
                increment(cx, &counter, &lock, use_lock, n)
            }
        })?);
    }
    for pid in kids {
        ctx.reap(pid);
    }
    let actual = counter.get() as i64;
    let expected = if print_mode {
        (0..w as i64).map(|i| (2 * i + 1) * n as i64).sum()
    } else {
        w as i64 * n as i64
    };
    ctx.report_counter("counter", expected, actual, use_lock);
    Ok(())
}

/// Take the lock, reporting a wait if someone else holds it.
pub(crate) fn acquire(cx: &Ctx, lock: &Lock, report: bool) {
    cx.gate(Op::Acquire, || "lock.acquire()".into());
    let t0 = crate::engine::protocol::now_us();
    if !lock.try_acquire() {
        if report {
            cx.emit(Event::LockWait { lock: 0 });
        }
        lock.acquire();
    }
    if report {
        cx.emit(Event::LockAcquired {
            lock: 0,
            waited_us: crate::engine::protocol::now_us() - t0,
        });
    }
}

pub(crate) fn release(cx: &Ctx, lock: &Lock, report: bool) {
    cx.gate(Op::Release, || "lock.release()".into());
    // Report first: once released, the next holder's report may overtake ours.
    if report {
        cx.emit(Event::LockReleased { lock: 0 });
    }
    lock.release();
}

fn increment(cx: &Ctx, counter: &Value<i32>, lock: &Lock, use_lock: bool, n: u64) -> i32 {
    let work_us = cx.params.work_us();
    let t_lock = Throttle::new(20);
    let t_value = Throttle::new(20);
    for _ in 0..n {
        // One decision per iteration, so a reported acquire is always followed by its
        // reported release.
        let report_lock = cx.report(&t_lock);
        if use_lock {
            acquire(cx, lock, report_lock);
        }
        cx.gate(Op::Read, || "read counter".into());
        let v = counter.get();
        let report = cx.detailed();
        if report {
            cx.emit(Event::SharedRead {
                name: counter.name().into(),
                index: 0,
                value: v.scalar(),
            });
        }
        // The pace's work sits between the read and the write, as CPython's bytecode
        // does between `counter.value` and `counter.value = `: the longer this window,
        // the more often another worker's write falls into it.
        std::hint::black_box(cpu_work_us(work_us));
        cx.gate(Op::Write, || {
            format!("write counter = {} (read {v})", v + 1)
        });
        counter.set(v + 1);
        if report || t_value.due() {
            cx.emit(Event::SharedWrite {
                name: counter.name().into(),
                index: 0,
                value: (v + 1).scalar(),
            });
        }
        if use_lock {
            release(cx, lock, report_lock);
        }
    }
    0
}

/// Seed 001: `job(val, step, lock)` adds `step` five times, printing after each add and
/// sleeping 0.1 s; with the lock one worker's prints come as a block.
fn seed_job(cx: &Ctx, val: &Value<i32>, lock: &Lock, use_lock: bool, step: i32, n: u64) -> i32 {
    if use_lock {
        acquire(cx, lock, true);
    }
    for _ in 0..n {
        cx.gate(Op::Read, || format!("val.value += {step}"));
        let v = val.get() + step;
        val.set(v);
        cx.emit(Event::SharedWrite {
            name: val.name().into(),
            index: 0,
            value: v.scalar(),
        });
        cx.gate(Op::Print, || format!("print({v})"));
        cx.say(&v.to_string());
        pause_ms(Duration::from_millis(100).as_millis() as u64);
    }
    if use_lock {
        release(cx, lock, true);
    }
    0
}
