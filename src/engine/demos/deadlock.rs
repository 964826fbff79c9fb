//! `deadlock`: two ways processes wait for each other forever, each shown live and then
//! ended by the demo, which says how.
//!
//! - `locks`: worker 0 takes `lock_a` then `lock_b`, worker 1 `lock_b` then `lock_a`. A
//!   barrier between the first and the second acquire makes sure both hold their first
//!   lock, so the crossed waits always happen: a wait-for cycle. Worker 0's second
//!   acquire has a timeout (`lock_b.acquire(timeout=3)`): it gives up, says so, and
//!   releases `lock_a`, so worker 1 gets it and the run ends.
//! - `join`: a child puts an item bigger than the pipe's 64 KiB buffer on a queue; its
//!   feeder thread writes it into a real pipe and blocks once the pipe is full. The child
//!   cannot end until its feeder has written everything, and main waits in `join()`
//!   before `get()`. After `join(timeout=3)` main reads the item first, and then the join
//!   returns at once.

use std::io;
use std::os::fd::{AsRawFd, OwnedFd};
use std::time::Duration;

use crate::engine::demos::Ctx;
use crate::engine::ipc::{Barrier, Lock};
use crate::engine::protocol::{Event, ObjectKind, Op, Role};

/// How long the timed waits of both modes give the deadlock before the demo ends it.
const PATIENCE: Duration = Duration::from_secs(3);
/// The item of the join mode: more than a pipe holds by default (64 KiB).
const ITEM_BYTES: usize = 100_000;

pub fn run(ctx: &Ctx) -> io::Result<()> {
    match ctx.params.mode() {
        "join" => join_before_get(ctx),
        _ => crossed_locks(ctx),
    }
}

fn crossed_locks(ctx: &Ctx) -> io::Result<()> {
    let locks = [(1, Lock::new("lock_a")?), (2, Lock::new("lock_b")?)];
    for (id, name) in [(1, "lock_a"), (2, "lock_b")] {
        ctx.emit(Event::Named {
            kind: ObjectKind::Lock,
            id,
            name: name.into(),
        });
    }
    // Both hold their first lock before either asks for its second.
    let both_hold = Barrier::new("both_hold", 2)?;
    ctx.say(
        "main: worker 0 takes lock_a then lock_b; worker 1 takes lock_b then lock_a (workers forked, as under the fork start method)",
    );
    let mut kids = Vec::new();
    for i in 0..2usize {
        let (first, second) = (&locks[i], &locks[1 - i]);
        let both_hold = &both_hold;
        kids.push(ctx.fork(Role::Worker, &format!("worker {i}"), move |cx| {
            take(cx, first.0, &first.1, None);
            cx.say(&format!("worker {i}: holds {}", name(first.0)));
            both_hold.wait();
            // Worker 0 gives up after a while; worker 1 waits as long as it takes, so
            // it is the one that gets through.
            let patience = (i == 0).then_some(PATIENCE);
            cx.say(&format!(
                "worker {i}: {}.acquire({})",
                name(second.0),
                patience.map_or(String::new(), |p| format!("timeout={}", p.as_secs()))
            ));
            if !take(cx, second.0, &second.1, patience) {
                cx.say(&format!(
                    "worker {i}: gave up on {} after {} s: a deadlock (each holds what the other waits for); releasing {}",
                    name(second.0),
                    PATIENCE.as_secs(),
                    name(first.0)
                ));
                give(cx, first.0, &first.1);
                return 0;
            }
            cx.say(&format!("worker {i}: holds both, done"));
            give(cx, second.0, &second.1);
            give(cx, first.0, &first.1);
            0
        })?);
    }
    for pid in kids {
        ctx.reap(pid);
    }
    ctx.say("main: both workers joined");
    Ok(())
}

fn name(id: u32) -> &'static str {
    if id == 1 { "lock_a" } else { "lock_b" }
}

/// Acquire lock `id`, reporting the wait; with a timeout, false (and reported) if it
/// ran out.
fn take(cx: &Ctx, id: u32, lock: &Lock, timeout: Option<Duration>) -> bool {
    cx.gate(Op::Acquire, || format!("{}.acquire()", name(id)));
    let t0 = crate::engine::protocol::now_us();
    if !lock.try_acquire() {
        cx.emit(Event::LockWait { lock: id });
        let ok = match timeout {
            Some(t) => lock.acquire_timeout(t),
            None => {
                lock.acquire();
                true
            }
        };
        if !ok {
            cx.emit(Event::SyncDone {
                kind: ObjectKind::Lock,
                id,
                ok: false,
            });
            return false;
        }
    }
    cx.emit(Event::LockAcquired {
        lock: id,
        waited_us: crate::engine::protocol::now_us() - t0,
    });
    true
}

fn give(cx: &Ctx, id: u32, lock: &Lock) {
    cx.gate(Op::Release, || format!("{}.release()", name(id)));
    // Report first: once released, the next holder's report may overtake ours.
    cx.emit(Event::LockReleased { lock: id });
    lock.release();
}

fn join_before_get(ctx: &Ctx) -> io::Result<()> {
    let (r, w) = nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC).map_err(io::Error::from)?;
    // SAFETY: F_GETPIPE_SZ only reads the pipe's capacity.
    let capacity = unsafe { libc::fcntl(r.as_raw_fd(), libc::F_GETPIPE_SZ) };
    ctx.say(&format!(
        "main: the queue's pipe holds {capacity} bytes; the child puts an item of {ITEM_BYTES}"
    ));
    let pid = ctx.fork(Role::Worker, "worker 0", |cx| child(cx, &w))?;
    drop(w);
    ctx.gate(Op::Compute, || "p.join(timeout=3) before q.get()".into());
    ctx.say("main: p.join(timeout=3), before q.get()");
    let started = std::time::Instant::now();
    let mut warned = false;
    while started.elapsed() < PATIENCE {
        if super::ctx::exited(pid) {
            break;
        }
        if !warned && started.elapsed() >= Duration::from_secs(1) {
            warned = true;
            let mut in_pipe: libc::c_int = 4;
            // SAFETY: FIONREAD writes the bytes waiting in the pipe into our int.
            unsafe { libc::ioctl(r.as_raw_fd(), libc::FIONREAD, &mut in_pipe) };
            ctx.emit(Event::Warning {
                code: "join-before-get".into(),
                message: format!(
                    "worker 0 cannot end: its feeder has put {} of {ITEM_BYTES} bytes in the full pipe and waits for a reader, while main waits in join() for it", in_pipe - 4
                ),
                count: 1,
            });
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    if !super::ctx::exited(pid) {
        ctx.say(&format!(
            "main: join(timeout=3) returned after {:.1} s and the child is still alive: a deadlock, it would wait forever. Now q.get() first:",
            started.elapsed().as_secs_f64()
        ));
    }
    ctx.gate(Op::Get, || "q.get()".into());
    let got = read_item(&r)?;
    ctx.emit(Event::QueueGet {
        queue: 0,
        item: preview(),
        seq: 0,
        producer: pid,
        size: 0,
    });
    ctx.say(&format!("main: q.get() took {got} bytes; now p.join()"));
    let t = std::time::Instant::now();
    ctx.reap(pid);
    ctx.say(&format!(
        "main: joined the child {:.0} ms after get()",
        t.elapsed().as_secs_f64() * 1e3
    ));
    Ok(())
}

fn preview() -> String {
    format!("b'x' * {ITEM_BYTES}")
}

/// The child: put the item, let a feeder thread write it into the pipe, and before
/// exiting wait for the feeder (as a process does for its queues' feeder threads).
fn child(cx: &Ctx, w: &OwnedFd) -> i32 {
    cx.gate(Op::Put, || format!("q.put({})", preview()));
    cx.emit(Event::QueuePut {
        queue: 0,
        item: preview(),
        seq: 0,
        size: 1,
    });
    cx.say("worker 0: q.put() returned at once; a feeder thread writes the item into the pipe");
    std::thread::scope(|s| {
        s.spawn(|| feed(cx, w));
        cx.say("worker 0: done; before it can exit, it waits for its feeder thread");
    });
    cx.say("worker 0: the feeder wrote everything; exiting");
    0
}

/// Write a length-prefixed item, non-blocking, so the moment the pipe is full is seen
/// and told; then wait until there is room again.
fn feed(cx: &Ctx, w: &OwnedFd) {
    let mut data = (ITEM_BYTES as u32).to_le_bytes().to_vec();
    data.resize(4 + ITEM_BYTES, b'x');
    let fd = w.as_raw_fd();
    // SAFETY: F_SETFL on our own descriptor.
    unsafe { libc::fcntl(fd, libc::F_SETFL, libc::O_NONBLOCK) };
    let mut at = 0;
    let mut told = false;
    while at < data.len() {
        // SAFETY: writing from a live buffer to our pipe.
        let n = unsafe { libc::write(fd, data[at..].as_ptr().cast(), data.len() - at) };
        if n > 0 {
            at += n as usize;
            continue;
        }
        match io::Error::last_os_error().raw_os_error() {
            Some(libc::EAGAIN) => {
                if !told {
                    told = true;
                    cx.say(&format!(
                        "worker 0 (feeder): {} of {} bytes in the pipe; it is full, write() waits for a reader",
                        at.saturating_sub(4),
                        ITEM_BYTES
                    ));
                }
                let mut pfd = libc::pollfd {
                    fd,
                    events: libc::POLLOUT,
                    revents: 0,
                };
                // SAFETY: poll on one descriptor we own.
                unsafe { libc::poll(&mut pfd, 1, 100) };
            }
            Some(libc::EINTR) => {}
            _ => return,
        }
    }
}

/// Read one length-prefixed item; its length.
fn read_item(r: &OwnedFd) -> io::Result<usize> {
    let mut f = std::fs::File::from(r.try_clone()?);
    let mut len = [0u8; 4];
    io::Read::read_exact(&mut f, &mut len)?;
    let mut item = vec![0u8; u32::from_le_bytes(len) as usize];
    io::Read::read_exact(&mut f, &mut item)?;
    Ok(item.len())
}
