//! `sync`: the synchronisation objects of `multiprocessing`, each made of real
//! process-shared memory (futex words and POSIX semaphores in a `MAP_SHARED` mapping):
//!
//! - `semaphore`: an Event is the start gate (every worker waits until main sets it),
//!   then a Semaphore(2) lets at most two workers burn CPU at once;
//! - `barrier`: workers of different speeds meet at a Barrier after each of 3 rounds;
//! - `condition`: a producer makes items one by one and notifies a Condition; consumers
//!   sleep in `wait()` until there is stock.
//!
//! Every wait, set, acquire, release and notify is reported, so the lock pane shows who
//! waits on what and the tree's CPU column who burns.

use std::io;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use crate::engine::demos::{Ctx, cpu_job};
use crate::engine::ipc::sync::{futex_wait, futex_wake_all};
use crate::engine::ipc::{Lock, Mapping, Semaphore, Value};
use crate::engine::protocol::{Event, ObjectKind, Op, Role};

/// How long a worker of the semaphore mode burns CPU once it holds a slot.
const BURN: Duration = Duration::from_millis(800);
/// Slots of the semaphore mode's Semaphore.
const SLOTS: u32 = 2;
/// Rounds of the barrier mode.
const ROUNDS: u32 = 3;
/// Items each consumer of the condition mode takes.
const ITEMS_EACH: u32 = 3;

const GO: u32 = 1;
const SLOTS_ID: u32 = 2;
const BARRIER: u32 = 3;
const COND: u32 = 4;

pub fn run(ctx: &Ctx) -> io::Result<()> {
    match ctx.params.mode() {
        "barrier" => barrier(ctx),
        "condition" => condition(ctx),
        _ => semaphore(ctx),
    }
}

fn named(ctx: &Ctx, kind: ObjectKind, id: u32, name: &str) {
    ctx.emit(Event::Named {
        kind,
        id,
        name: name.into(),
    });
}

/// Burn CPU for `d` of wall time, in small jobs so the end is on time.
fn burn(d: Duration) {
    let end = Instant::now() + d;
    while Instant::now() < end {
        std::hint::black_box(cpu_job(100_000));
    }
}

/// Report a wait on object `id`, block in `wait`, report its end.
fn waiting(cx: &Ctx, kind: ObjectKind, id: u32, wait: impl FnOnce()) {
    cx.emit(Event::SyncWait { kind, id });
    wait();
    cx.emit(Event::SyncDone { kind, id, ok: true });
}

fn act(cx: &Ctx, kind: ObjectKind, id: u32, action: &str) {
    cx.emit(Event::SyncAction {
        kind,
        id,
        action: action.into(),
    });
}

/// `multiprocessing.Event`: a flag word; waiters sleep on it as a futex.
struct Flag(Mapping);

impl Flag {
    fn new(name: &str) -> io::Result<Self> {
        Ok(Self(Mapping::new(name, 4)?))
    }
    fn word(&self) -> &AtomicU32 {
        // SAFETY: the mapping holds one zero-initialised AtomicU32.
        unsafe { self.0.get::<AtomicU32>() }
    }
    fn set(&self) {
        self.word().store(1, Ordering::SeqCst);
        futex_wake_all(self.word());
    }
    fn wait(&self) {
        while self.word().load(Ordering::SeqCst) == 0 {
            futex_wait(self.word(), 0, Duration::from_millis(100));
        }
    }
}

fn semaphore(ctx: &Ctx) -> io::Result<()> {
    let w = ctx.params.workers();
    let go = Flag::new("go")?;
    let slots = Semaphore::new("slots", SLOTS)?;
    named(ctx, ObjectKind::Event, GO, "go");
    named(ctx, ObjectKind::Semaphore, SLOTS_ID, "slots");
    ctx.say(&format!(
        "main: {w} workers (forked, as under the fork start method) wait for go (an Event); slots = Semaphore({SLOTS}) lets {SLOTS} burn CPU at once"
    ));
    let mut kids = Vec::new();
    for i in 0..w {
        let (go, slots) = (&go, &slots);
        kids.push(ctx.fork(Role::Worker, &format!("worker {i}"), move |cx| {
            cx.gate(Op::Wait, || "go.wait()".into());
            waiting(cx, ObjectKind::Event, GO, || go.wait());
            cx.gate(Op::Acquire, || "slots.acquire()".into());
            if slots.try_wait() {
                act(cx, ObjectKind::Semaphore, SLOTS_ID, "acquire");
            } else {
                waiting(cx, ObjectKind::Semaphore, SLOTS_ID, || slots.wait());
            }
            cx.say(&format!("worker {i}: got a slot, burning CPU"));
            cx.gate(Op::Compute, || "burn CPU for 0.8 s".into());
            burn(BURN);
            cx.gate(Op::Release, || "slots.release()".into());
            // Report first: the next holder's report must not come before ours.
            act(cx, ObjectKind::Semaphore, SLOTS_ID, "release");
            slots.post();
            cx.say(&format!("worker {i}: gave the slot back"));
            0
        })?);
    }
    // Long enough for every worker to be seen waiting at the gate.
    std::thread::sleep(Duration::from_millis(500));
    ctx.gate(Op::Write, || "go.set()".into());
    ctx.say("main: go.set()");
    act(ctx, ObjectKind::Event, GO, "set");
    go.set();
    for pid in kids {
        ctx.reap(pid);
    }
    Ok(())
}

/// `multiprocessing.Barrier`, reusable: the last of `parties` to arrive starts a new
/// generation and wakes the others, who sleep while the generation is theirs.
struct Rounds {
    map: Mapping,
    parties: u32,
}

impl Rounds {
    fn new(parties: u32) -> io::Result<Self> {
        Ok(Self {
            map: Mapping::new("barrier", 8)?,
            parties,
        })
    }
    fn words(&self) -> &[AtomicU32] {
        // SAFETY: the mapping holds two zero-initialised AtomicU32: arrived, generation.
        unsafe { self.map.slice::<AtomicU32>(0, 2) }
    }
    fn wait(&self) {
        let [arrived, generation] = self.words() else {
            return;
        };
        let gen_now = generation.load(Ordering::SeqCst);
        if arrived.fetch_add(1, Ordering::SeqCst) + 1 == self.parties {
            arrived.store(0, Ordering::SeqCst);
            generation.fetch_add(1, Ordering::SeqCst);
            futex_wake_all(generation);
            return;
        }
        while generation.load(Ordering::SeqCst) == gen_now {
            futex_wait(generation, gen_now, Duration::from_millis(100));
        }
    }
}

fn barrier(ctx: &Ctx) -> io::Result<()> {
    let w = ctx.params.workers();
    let b = Rounds::new(w)?;
    named(ctx, ObjectKind::Barrier, BARRIER, "barrier");
    ctx.say(&format!(
        "main: barrier = Barrier({w}); worker i works (i+1) x 0.2 s per round, {ROUNDS} rounds"
    ));
    let mut kids = Vec::new();
    for i in 0..w {
        let b = &b;
        kids.push(ctx.fork(Role::Worker, &format!("worker {i}"), move |cx| {
            for r in 0..ROUNDS {
                cx.gate(Op::Compute, || format!("round {r}: work"));
                burn(Duration::from_millis(200 * (u64::from(i) + 1)));
                cx.say(&format!(
                    "worker {i}: round {r} done, waiting at the barrier"
                ));
                cx.gate(Op::Wait, || "barrier.wait()".into());
                waiting(cx, ObjectKind::Barrier, BARRIER, || b.wait());
            }
            0
        })?);
    }
    for pid in kids {
        ctx.reap(pid);
    }
    Ok(())
}

/// `multiprocessing.Condition`: a lock, and a sequence word waiters sleep on. `wait()`
/// notes the sequence, releases the lock, sleeps until a notify changes the word, and
/// takes the lock again; the caller checks its condition again (as `wait_for` does).
struct Cond {
    lock: Lock,
    seq: Mapping,
}

impl Cond {
    fn new() -> io::Result<Self> {
        Ok(Self {
            lock: Lock::new("cond.lock")?,
            seq: Mapping::new("cond.seq", 4)?,
        })
    }
    fn word(&self) -> &AtomicU32 {
        // SAFETY: the mapping holds one zero-initialised AtomicU32.
        unsafe { self.seq.get::<AtomicU32>() }
    }
    fn wait(&self) {
        let seq = self.word().load(Ordering::SeqCst);
        self.lock.release();
        futex_wait(self.word(), seq, Duration::from_millis(200));
        self.lock.acquire();
    }
    /// Wake one waiter.
    fn notify(&self) {
        self.word().fetch_add(1, Ordering::SeqCst);
        // SAFETY: FUTEX_WAKE only uses the address as a key.
        unsafe { libc::syscall(libc::SYS_futex, self.word().as_ptr(), libc::FUTEX_WAKE, 1) };
    }
}

fn condition(ctx: &Ctx) -> io::Result<()> {
    let consumers = ctx.params.workers();
    let items = consumers * ITEMS_EACH;
    let cond = Cond::new()?;
    let stock = Value::<i32>::new("stock", 0)?;
    named(ctx, ObjectKind::Condition, COND, "cond");
    ctx.say(&format!(
        "main: {consumers} consumers take {ITEMS_EACH} items each; one producer makes {items}, one every 0.3 s"
    ));
    let mut kids = Vec::new();
    for i in 0..consumers {
        let (cond, stock) = (&cond, &stock);
        kids.push(
            ctx.fork(Role::Consumer, &format!("consumer {i}"), move |cx| {
                for _ in 0..ITEMS_EACH {
                    let _held = cond.lock.guard();
                    while stock.get() == 0 {
                        cx.gate(Op::Wait, || "cond.wait()".into());
                        waiting(cx, ObjectKind::Condition, COND, || cond.wait());
                    }
                    let left = stock.get() - 1;
                    stock.set(left);
                    cx.say(&format!("consumer {i}: took an item, stock {left}"));
                }
                0
            })?,
        );
    }
    let (cond_ref, stock_ref) = (&cond, &stock);
    kids.push(ctx.fork(Role::Producer, "producer", move |cx| {
        for k in 0..items {
            cx.gate(Op::Compute, || format!("make item {k}"));
            std::thread::sleep(Duration::from_millis(300));
            let _held = cond_ref.lock.guard();
            let now = stock_ref.get() + 1;
            stock_ref.set(now);
            cx.say(&format!("producer: item {k} ready, stock {now}"));
            cx.gate(Op::Write, || "cond.notify()".into());
            act(cx, ObjectKind::Condition, COND, "notify");
            cond_ref.notify();
        }
        0
    })?);
    for pid in kids {
        ctx.reap(pid);
    }
    ctx.say(&format!("main: stock at the end {}", stock.get()));
    Ok(())
}
