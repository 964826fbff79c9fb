//! `shared`: a `Value('i', 0)` and an `Array('d', W)` in shared memory. Every worker adds
//! to the Value under its `get_lock()` and writes its own progress into its Array cell;
//! the parent prints what it sees afterwards, without any copying back.

use std::io;

use crate::engine::demos::ctx::Throttle;
use crate::engine::demos::{Ctx, cpu_work_us};
use crate::engine::ipc::{Array, Elem, Value};
use crate::engine::protocol::{Event, Op, Outcome, Role};

pub fn run(ctx: &Ctx) -> io::Result<()> {
    let p = &ctx.params;
    let (w, n) = (p.workers(), p.iterations());
    let counter = Value::<i32>::new("counter", 0)?;
    let progress = Array::<f64>::new("progress", w as usize)?;
    ctx.say(&format!(
        "main: counter = Value('{}', 0); progress = Array('{}', {w}); {w} workers x {n} steps (forked, like fork)",
        i32::TYPECODE,
        f64::TYPECODE
    ));
    let mut kids = Vec::new();
    for i in 0..w {
        kids.push(ctx.fork(Role::Worker, &format!("worker {i}"), |cx| {
            let t_counter = Throttle::new(20);
            let t_cell = Throttle::new(20);
            let work = cx.params.work_us();
            for k in 1..=n {
                // The pace: each step is real CPU work before its writes.
                if work > 0 {
                    cx.gate(Op::Compute, || format!("compute step {k} of {n}"));
                    std::hint::black_box(cpu_work_us(work));
                }
                cx.gate(Op::Acquire, || "with counter.get_lock()".into());
                let v = {
                    let _g = counter.get_lock().guard();
                    let v = counter.get_unlocked() + 1;
                    counter.set_unlocked(v);
                    v
                };
                if cx.report(&t_counter) || k == n {
                    cx.emit(Event::SharedWrite {
                        name: counter.name().into(),
                        index: 0,
                        value: v.scalar(),
                    });
                }
                let frac = k as f64 / n as f64;
                cx.gate(Op::Write, || format!("progress[{i}] = {frac:.2}"));
                progress.set(i as usize, frac);
                if cx.report(&t_cell) || k == n {
                    cx.emit(Event::SharedWrite {
                        name: progress.name().into(),
                        index: i,
                        value: frac.scalar(),
                    });
                }
            }
            cx.say(&format!("worker {i}: done, progress[{i}] = 1.0"));
            0
        })?);
    }
    for pid in kids {
        ctx.reap(pid);
    }
    let value = counter.get();
    let array = progress.to_vec();
    ctx.say(&format!(
        "main: counter.value = {value} (expected {}); progress[:] = {array:?}",
        w as u64 * n
    ));
    ctx.emit(Event::Outcome(Outcome::Shared {
        value: value.scalar(),
        array: array.into_iter().map(Elem::scalar).collect(),
    }));
    Ok(())
}
