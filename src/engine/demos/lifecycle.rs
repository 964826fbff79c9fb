//! `lifecycle`: how processes end, and who cleans up.
//! - zombie: children exit at once; main joins them only after `--zombie-ms`, and until
//!   then they are zombies (state Z).
//! - orphan: main starts a parent that starts a child and exits without joining it; the
//!   child is re-parented to the nearest subreaper (proclab) and reaped by it.
//! - interrupt: workers ignore SIGINT (the Pool-initializer pattern); the whole process
//!   group gets SIGINT, as Ctrl-C in a terminal sends it; main terminates and joins them.
//! - terminate: seed 003's writer and endless reader; main joins the writer, then
//!   `reader.terminate()`.

use std::io::{self, Read, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use crate::engine::demos::{Ctx, cpu_job, pause_ms};
use crate::engine::ipc::Queue;
use crate::engine::protocol::{Event, Op, Outcome, Role};

pub fn run(ctx: &Ctx) -> io::Result<()> {
    match ctx.params.mode() {
        "orphan" => orphan(ctx),
        "interrupt" => interrupt(ctx),
        "terminate" => terminate(ctx),
        _ => zombie(ctx),
    }
}

fn zombie(ctx: &Ctx) -> io::Result<()> {
    let p = &ctx.params;
    let mut kids = Vec::new();
    for i in 0..p.workers() {
        kids.push(ctx.fork(Role::Worker, &format!("worker {i}"), |cx| {
            cx.gate(Op::Compute, || format!("return from job({i})"));
            cx.say(&format!("worker {i}: done, exiting"));
            0
        })?);
    }
    ctx.keep_unjoined(&kids, p.zombie_ms());
    let mut children = Vec::new();
    for (i, &pid) in kids.iter().enumerate() {
        ctx.gate(Op::Compute, || format!("join worker {i}"));
        let status = ctx.reap(pid);
        ctx.say(&format!(
            "main: joined worker {i} (pid {pid}): {status}; the zombie is gone"
        ));
        children.push((pid, status));
    }
    ctx.emit(Event::Outcome(Outcome::Processes { children }));
    Ok(())
}

fn orphan(ctx: &Ctx) -> io::Result<()> {
    // The parent tells main once its child is ready to outlive it.
    let (mut ready_r, ready_w) = std::io::pipe()?;
    // proclab, the subreaper the orphan is to be re-parented to.
    let runner = nix::unistd::getppid().as_raw();
    let parent = ctx.fork(Role::Worker, "parent", |cx| {
        let (mut kid_r, kid_w) = match std::io::pipe() {
            Ok(p) => p,
            Err(e) => {
                eprintln!("parent: {e}");
                return 1;
            }
        };
        let me = std::process::id() as i32;
        let kid = cx.fork(Role::Worker, "orphan", |c| {
            orphan_child(c, (me, runner), &kid_w)
        });
        if let Err(e) = kid {
            eprintln!("parent: cannot start the child: {e}");
            return 1;
        }
        // Only the child holds the write end now: if it dies early, read() returns 0.
        drop(kid_w);
        let mut b = [0u8; 1];
        let _ = kid_r.read(&mut b);
        cx.say("parent: my child runs; I never join it");
        let _ = (&ready_w).write_all(b"r");
        // Like demo.py's parent: it would sleep a minute; main kills it first.
        std::thread::sleep(Duration::from_secs(60));
        0
    })?;
    drop(ready_w);
    let mut b = [0u8; 1];
    let _ = ready_r.read(&mut b);
    ctx.gate(Op::Compute, || {
        "p.kill()  # SIGKILL: no cleanup runs in the parent".into()
    });
    ctx.say("main: p.kill(): SIGKILL to the parent, no cleanup runs in it");
    // SAFETY: signalling our own child.
    unsafe { libc::kill(parent, libc::SIGKILL) };
    let status = ctx.reap(parent);
    ctx.say(&format!(
        "main: joined the parent ({status}); its child lives on, re-parented"
    ));
    Ok(())
}

/// The orphan: note the parent, outlive it, note the new parent (`runner`, proclab).
fn orphan_child(c: &Ctx, (parent, runner): (i32, i32), ready: &io::PipeWriter) -> i32 {
    // Every demo process dies with its parent (PR_SET_PDEATHSIG), so none outlives a
    // killed proclab. This one must outlive its parent: switch that off first...
    // SAFETY: prctl with constant arguments.
    unsafe { libc::prctl(libc::PR_SET_PDEATHSIG, 0) };
    let before = nix::unistd::getppid().as_raw();
    c.say(&format!(
        "orphan: pid {}, ppid {before} (my parent)",
        std::process::id()
    ));
    let _ = (&*ready).write_all(b"r");
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut after = before;
    while after == parent && Instant::now() < deadline && !c.runner_gone() {
        std::thread::sleep(Duration::from_millis(5));
        after = nix::unistd::getppid().as_raw();
    }
    // ...and on again, now tied to the new parent: if proclab dies, so does the orphan.
    // SAFETY: prctl with constant arguments.
    unsafe { libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) };
    // If proclab died in the window, the new parent is init (or another subreaper) and
    // that tie would never fire. proclab is the subreaper: a new parent other than it
    // means it is gone or going (the kernel re-parents to no process that is exiting).
    // Its descriptors may close later than that: its death signal reaches main as soon
    // as the thread that started main ends, before its other threads have. Asked after
    // the prctl, this leaves no gap: either proclab was already gone (seen here) or its
    // death now signals us.
    if nix::unistd::getppid().as_raw() != after || after != runner || c.runner_gone() {
        return 1;
    }
    c.say(&format!(
        "orphan: my parent is gone; my ppid is now {after} (the nearest subreaper)"
    ));
    c.emit(Event::Outcome(Outcome::Orphan {
        pid: std::process::id() as i32,
        ppid_before: before,
        ppid_after: after,
    }));
    c.gate(Op::Compute, || "keep working as an orphan".into());
    // Live on a little, so the tree shows it under its new parent.
    pause_ms(1000 + 5 * c.ctl.tempo_ms() as u64);
    c.say("orphan: done; my new parent will reap me");
    0
}

/// Set by the SIGINT handler (main's, and each worker's).
static INTERRUPTED: AtomicBool = AtomicBool::new(false);

extern "C" fn on_sigint(_: libc::c_int) {
    INTERRUPTED.store(true, Ordering::SeqCst);
}

fn interrupt(ctx: &Ctx) -> io::Result<()> {
    // SAFETY: installing a handler that only stores to an atomic.
    unsafe { libc::signal(libc::SIGINT, on_sigint as *const () as libc::sighandler_t) };
    let mut kids = Vec::new();
    for i in 0..ctx.params.workers() {
        kids.push(ctx.fork(Role::Worker, &format!("worker {i}"), |cx| {
            // Like a Pool initializer's signal(SIGINT, SIG_IGN): Ctrl-C is for the parent
            // to handle. Python's SIG_IGN drops it without a trace; this handler (inherited
            // from main) only notes it, so the worker can say that it arrived.
            let mut k = 0u64;
            let mut told = false;
            loop {
                cx.gate(Op::Compute, || format!("job({k})"));
                std::hint::black_box(cpu_job(2_000_000));
                k += 1;
                if !told && INTERRUPTED.load(Ordering::SeqCst) {
                    told = true;
                    cx.say(&format!(
                        "worker {i}: SIGINT arrived too; ignored, I keep working"
                    ));
                }
            }
        })?);
    }
    let wait = Duration::from_millis(1500 + 10 * ctx.ctl.tempo_ms() as u64);
    ctx.say(&format!(
        "main: {} workers run endless jobs; SIGINT to the whole process group in {:.1} s, as Ctrl-C would send it",
        kids.len(),
        wait.as_secs_f64()
    ));
    std::thread::sleep(wait);
    ctx.emit(Event::Phase {
        name: "SIGINT to the process group (Ctrl-C)".into(),
    });
    // SAFETY: signalling our own process group, which holds only this demo's processes.
    unsafe { libc::kill(0, libc::SIGINT) };
    while !INTERRUPTED.load(Ordering::SeqCst) {
        std::thread::sleep(Duration::from_millis(5));
    }
    ctx.say("main: KeyboardInterrupt: the workers ignore it; terminate() and join() each");
    // A moment for the workers to finish their current job and say they got it too.
    std::thread::sleep(Duration::from_millis(300));
    let mut children = Vec::new();
    for (i, &pid) in kids.iter().enumerate() {
        ctx.gate(Op::Compute, || format!("worker {i}.terminate()"));
        // SAFETY: signalling our own child.
        unsafe { libc::kill(pid, libc::SIGTERM) };
        let status = ctx.reap(pid);
        ctx.say(&format!("main: worker {i} (pid {pid}) ended: {status}"));
        children.push((pid, status));
    }
    ctx.say("main: every worker joined: nothing left behind");
    ctx.emit(Event::Outcome(Outcome::Processes { children }));
    Ok(())
}

fn terminate(ctx: &Ctx) -> io::Result<()> {
    let q: Queue<(i32, String)> = Queue::new("queue", 0).map_err(io::Error::other)?;
    let writer = ctx.fork(Role::Producer, "writer", |cx| {
        cx.say(&format!("Process to write: {}", std::process::id()));
        for value in ["A", "B", "C"] {
            cx.gate(Op::Put, || format!("q.put('{value}')"));
            cx.say(&format!("Put {value} to queue..."));
            let r = q.put(
                &(std::process::id() as i32, value.to_string()),
                || {},
                |size| {
                    cx.emit(Event::QueuePut {
                        queue: 0,
                        item: value.into(),
                        seq: 0,
                        size,
                    })
                },
            );
            if r.is_err() {
                return 1;
            }
            pause_ms(100);
        }
        0
    })?;
    let reader = ctx.fork(Role::Consumer, "reader", |cx| {
        cx.say(&format!("Process to read: {}", std::process::id()));
        loop {
            cx.gate(Op::Get, || "q.get(True)".into());
            let got = q.get(|| {
                cx.emit(Event::QueueBlocked {
                    queue: 0,
                    op: Op::Get,
                })
            });
            let Ok(((producer, value), size)) = got else {
                return 1;
            };
            cx.emit(Event::QueueGet {
                queue: 0,
                item: value.clone(),
                seq: 0,
                producer,
                size,
            });
            cx.say(&format!("Get {value} from queue."));
        }
    })?;
    let mut children = vec![(writer, ctx.reap(writer))];
    ctx.say("main: pw.join() done; the reader loops forever: pr.terminate()");
    // Let the reader take the last item before it is stopped.
    std::thread::sleep(Duration::from_millis(200));
    ctx.gate(Op::Compute, || "pr.terminate()".into());
    // SAFETY: signalling our own child.
    unsafe { libc::kill(reader, libc::SIGTERM) };
    let status = ctx.reap(reader);
    ctx.say(&format!("main: reader ended: {status}"));
    children.push((reader, status));
    ctx.emit(Event::Outcome(Outcome::Processes { children }));
    Ok(())
}
