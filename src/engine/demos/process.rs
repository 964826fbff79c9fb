//! `process`: N children print their PID and PPID, do a short CPU job and exit with
//! distinct codes (10, 11, ...: never 1, an uncaught exception's code); the parent joins
//! them. Main forks the children itself, as the `fork` start method does, so each PPID is
//! main's (under `forkserver` it would be the server's). Options: leave finished children unjoined for a
//! while (zombies, state Z), SIGKILL one child, make one child panic.

use std::io;
use std::time::Duration;

use crate::engine::demos::{Ctx, cpu_job};
use crate::engine::protocol::{Event, Op, Outcome, Role};

pub fn run(ctx: &Ctx) -> io::Result<()> {
    let p = &ctx.params;
    let n = p.workers();
    let iters = p.iterations();
    ctx.say(&format!(
        "main: pid {}, starting {n} children (forked by main, like the fork start method)",
        std::process::id()
    ));
    let mut kids = Vec::new();
    for i in 0..n {
        let pid = ctx.fork(Role::Worker, &format!("worker {i}"), |c| {
            c.say(&format!(
                "worker {i}: pid {}, ppid {}",
                std::process::id(),
                nix::unistd::getppid()
            ));
            if c.params.panic == Some(i) {
                c.gate(Op::Compute, || format!("job({i}) (will panic)"));
                panic!("worker {i} panics on purpose (--panic {i})");
            }
            loop {
                c.gate(Op::Compute, || format!("job({i})"));
                let r = cpu_job(iters);
                // The child chosen with --kill keeps working until the parent kills it.
                if c.params.kill != Some(i) {
                    c.gate(Op::Print, || format!("print result of job({i})"));
                    // An exit code is one byte: distinct for the first 240 children.
                    let code = 10 + (i % 240) as i32;
                    c.say(&format!(
                        "worker {i}: job done (checksum {r:x}), exiting with code {code}"
                    ));
                    return code;
                }
            }
        })?;
        kids.push(pid);
    }
    if let Some(k) = p.kill {
        // Let the victim get going first, so the kill lands mid-job.
        std::thread::sleep(Duration::from_millis(300 + 5 * p.tempo_ms as u64));
        let victim = kids[k as usize];
        ctx.say(&format!("main: os.kill({victim}, SIGKILL)  # worker {k}"));
        // SAFETY: signalling our own child.
        unsafe { libc::kill(victim, libc::SIGKILL) };
    }
    if p.zombie_ms() > 0 {
        ctx.keep_unjoined(&kids, p.zombie_ms());
    }
    let mut children = Vec::new();
    for (i, &pid) in kids.iter().enumerate() {
        let status = ctx.reap(pid);
        ctx.say(&format!("main: joined worker {i} (pid {pid}): {status}"));
        children.push((pid, status));
    }
    ctx.emit(Event::Outcome(Outcome::Processes { children }));
    Ok(())
}
