//! `gil`: seed 001's CPU-bound job run four ways — serially, by T threads under a **GIL
//! model**, by T threads with no GIL, and by T processes — with wall time, CPU time and
//! speedup for each. Mode `io` replaces the computation by sleeps (blocking I/O), where
//! threads do as well as processes.
//!
//! The GIL model is a model, not CPython: native threads must hold one global lock to
//! compute, and a thread that waits 5 ms (`sys.getswitchinterval()`, CPython >= 3.2) asks
//! the holder to hand it over, as CPython's forced switching does. Blocking I/O (sleep)
//! releases it. Each variant runs in its own child process, so the demo's main process
//! stays single-threaded and the kernel's `wait4` accounting gives each variant's CPU time.

use std::io;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use crate::engine::demos::{Ctx, cpu_job};
use crate::engine::protocol::{Event, Op, Outcome, Role};

/// CPython's default `sys.getswitchinterval()`.
pub const SWITCH_INTERVAL: Duration = Duration::from_millis(5);
/// Loop iterations between checks for a drop request (about 0.1 ms of work).
const SLICE: u64 = 100_000;
/// One simulated blocking I/O call in `io` mode.
const IO_CALL: Duration = Duration::from_millis(10);

#[derive(Clone, Copy, PartialEq)]
enum Variant {
    Serial,
    ThreadsGil,
    ThreadsFree,
    Processes,
}

impl Variant {
    /// The process's label: short enough for the process table.
    fn label(self) -> &'static str {
        match self {
            Variant::Serial => "serial",
            Variant::ThreadsGil => "GIL threads",
            Variant::ThreadsFree => "free threads",
            Variant::Processes => "processes",
        }
    }

    fn name(self) -> &'static str {
        match self {
            Variant::Serial => "serial",
            Variant::ThreadsGil => "threads (GIL model)",
            Variant::ThreadsFree => "threads (no GIL)",
            Variant::Processes => "processes",
        }
    }
}

pub fn run(ctx: &Ctx) -> io::Result<()> {
    let p = &ctx.params;
    let (t, n, io_mode) = (p.workers(), p.iterations(), p.mode() == "io");
    ctx.say(&format!(
        "main: {t} jobs of {}, four ways (the GIL here is a model; see the lesson)",
        if io_mode {
            format!("{n} blocking calls x {} ms", IO_CALL.as_millis())
        } else {
            format!("{n} loop steps")
        }
    ));
    let job = move |gil: Option<&Gil>| {
        if io_mode {
            io_job(n, gil)
        } else {
            cpu_job_under(n, gil)
        }
    };
    let mut serial_wall = None;
    for v in [
        Variant::Serial,
        Variant::ThreadsGil,
        Variant::ThreadsFree,
        Variant::Processes,
    ] {
        ctx.emit(Event::Phase {
            name: v.name().into(),
        });
        let start = Instant::now();
        let cpu_ms = match v {
            Variant::Serial => {
                let pid = ctx.fork(Role::Variant, v.label(), |cx| {
                    for j in 0..t {
                        cx.gate(Op::Compute, || format!("job {j}"));
                        job(None);
                    }
                    0
                })?;
                ctx.reap_with_cpu(pid).1
            }
            Variant::ThreadsGil | Variant::ThreadsFree => {
                let pid = ctx.fork(Role::Variant, v.label(), |cx| {
                    cx.gate(Op::Compute, || format!("start {t} threads"));
                    let gil = (v == Variant::ThreadsGil).then(Gil::new);
                    std::thread::scope(|s| {
                        for _ in 0..t {
                            let gil = gil.as_ref();
                            s.spawn(move || {
                                if let Some(g) = gil {
                                    g.take();
                                }
                                job(gil);
                                if let Some(g) = gil {
                                    g.release();
                                }
                            });
                        }
                    });
                    if let Some(g) = &gil {
                        cx.say(&if io_mode {
                            "GIL model: released around every blocking call".to_string()
                        } else {
                            format!(
                                "GIL model: {} forced switches (a waiter asks after {} ms)",
                                g.switches.load(Ordering::Relaxed),
                                SWITCH_INTERVAL.as_millis()
                            )
                        });
                    }
                    0
                })?;
                ctx.reap_with_cpu(pid).1
            }
            Variant::Processes => {
                let mut kids = Vec::new();
                for j in 0..t {
                    kids.push(ctx.fork(Role::Variant, &format!("process {j}"), |cx| {
                        cx.gate(Op::Compute, || format!("job {j}"));
                        job(None);
                        0
                    })?);
                }
                kids.into_iter().map(|pid| ctx.reap_with_cpu(pid).1).sum()
            }
        };
        // Round to what is printed, so the printed speedup is the ratio of printed times.
        let wall_ms = (start.elapsed().as_secs_f64() * 1e3 * 10.0).round() / 10.0;
        let cpu_ms = (cpu_ms * 10.0).round() / 10.0;
        let serial = *serial_wall.get_or_insert(wall_ms);
        let speedup = ((serial / wall_ms.max(0.1)) * 100.0).round() / 100.0;
        ctx.say(&format!(
            "{:<20} wall {wall_ms:>9.1} ms  cpu {cpu_ms:>9.1} ms  speedup {speedup:.2}x",
            v.name()
        ));
        ctx.emit(Event::Outcome(Outcome::Timing {
            variant: v.name().into(),
            workers: t,
            wall_ms,
            cpu_ms,
            speedup,
        }));
    }
    Ok(())
}

/// The CPU job; under the GIL model it offers the GIL back whenever asked.
fn cpu_job_under(n: u64, gil: Option<&Gil>) -> u64 {
    let Some(g) = gil else { return cpu_job(n) };
    let mut left = n;
    let mut r = 0u64;
    while left > 0 {
        let step = left.min(SLICE);
        r = r.wrapping_add(cpu_job(step));
        left -= step;
        g.yield_if_asked();
    }
    r
}

/// The I/O job: `n` blocking calls; under the GIL model each call releases the GIL.
fn io_job(n: u64, gil: Option<&Gil>) -> u64 {
    for _ in 0..n {
        match gil {
            Some(g) => {
                g.release();
                std::thread::sleep(IO_CALL);
                g.take();
            }
            None => std::thread::sleep(IO_CALL),
        }
    }
    n
}

struct GilState {
    locked: bool,
    /// Incremented at every take, so a waiter can tell whether anyone got the GIL.
    switch_number: u64,
}

/// The GIL model: a lock with CPython's time-based forced switching.
struct Gil {
    state: Mutex<GilState>,
    cv: Condvar,
    drop_request: AtomicBool,
    switches: AtomicU64,
}

impl Gil {
    fn new() -> Self {
        Self {
            state: Mutex::new(GilState {
                locked: false,
                switch_number: 0,
            }),
            cv: Condvar::new(),
            drop_request: AtomicBool::new(false),
            switches: AtomicU64::new(0),
        }
    }

    fn lock_state(&self) -> MutexGuard<'_, GilState> {
        // A panicking job thread must not wedge the others: the state stays consistent.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Block until this thread holds the GIL; after waiting a whole switch interval
    /// without anyone getting it, ask the holder to drop it.
    fn take(&self) {
        let mut s = self.lock_state();
        while s.locked {
            let seen = s.switch_number;
            let (g, timeout) = self
                .cv
                .wait_timeout(s, SWITCH_INTERVAL)
                .unwrap_or_else(|e| e.into_inner());
            s = g;
            if timeout.timed_out() && s.locked && s.switch_number == seen {
                self.drop_request.store(true, Ordering::Release);
            }
        }
        s.locked = true;
        s.switch_number += 1;
        self.drop_request.store(false, Ordering::Release);
        self.cv.notify_all();
    }

    fn release(&self) {
        let mut s = self.lock_state();
        s.locked = false;
        self.cv.notify_all();
    }

    /// Called between slices of work: if another thread asked, hand the GIL over and wait
    /// until someone else has taken it (CPython's FORCE_SWITCHING), then queue for it again.
    fn yield_if_asked(&self) {
        if !self.drop_request.load(Ordering::Acquire) {
            return;
        }
        let mut s = self.lock_state();
        let mine = s.switch_number;
        s.locked = false;
        self.cv.notify_all();
        while s.switch_number == mine {
            s = self.cv.wait(s).unwrap_or_else(|e| e.into_inner());
        }
        drop(s);
        self.switches.fetch_add(1, Ordering::Relaxed);
        self.take();
    }
}
