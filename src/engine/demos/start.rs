//! `start`: the three start methods side by side. Before starting anything, main changes
//! a global at run time (`CONFIG`). Then, for each method, N children report their PID,
//! their PPID, how long they took to start and the `CONFIG` they see:
//! - fork: a copy of main (`fork()`): PPID main, sees the change, starts fastest;
//! - spawn: a fresh program image (fork + exec of this binary, as CPython execs a fresh
//!   interpreter): PPID main, sees the default, starts slowest;
//! - forkserver: main starts a fresh server process once and asks it for each child over
//!   a socket; the server forks it: PPID is the forkserver, the child sees the default.

use std::io;
use std::os::fd::{AsRawFd, FromRawFd};
use std::os::unix::net::UnixStream;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::engine::demos::ctx::fds;
use crate::engine::demos::wire::{recv, send};
use crate::engine::demos::{Ctx, pause_ms};
use crate::engine::protocol::{self, Event, Op, Outcome, Role, StartRow};

/// `CONFIG` of the lesson: "default" in a fresh image, "changed by main" once main ran.
static CONFIG_CHANGED: AtomicBool = AtomicBool::new(false);

fn config() -> &'static str {
    if CONFIG_CHANGED.load(Ordering::SeqCst) {
        "changed by main"
    } else {
        "default"
    }
}

pub fn run(ctx: &Ctx) -> io::Result<()> {
    let n = ctx.params.workers();
    let methods: Vec<&str> = match ctx.params.mode() {
        "all" => vec!["fork", "spawn", "forkserver"],
        m => vec![m],
    };
    ctx.say(&format!(
        "main: pid {}, CONFIG = '{}'; now CONFIG = 'changed by main'",
        std::process::id(),
        config()
    ));
    CONFIG_CHANGED.store(true, Ordering::SeqCst);
    for method in methods {
        ctx.emit(Event::Phase {
            name: format!("{method}: starting {n} children"),
        });
        match method {
            "fork" => {
                let mut kids = Vec::new();
                for i in 0..n {
                    ctx.gate(Op::Compute, || format!("start fork child {i}"));
                    let t0 = protocol::now_us();
                    kids.push(ctx.fork(Role::Worker, &format!("fork child {i}"), |cx| {
                        child(cx, "fork", i, t0, protocol::now_us())
                    })?);
                }
                for pid in kids {
                    ctx.reap(pid);
                }
            }
            "spawn" => {
                let mut kids = Vec::new();
                for i in 0..n {
                    ctx.gate(Op::Compute, || format!("start spawn child {i}"));
                    let t0 = protocol::now_us();
                    kids.push(ctx.spawn_exec(&format!("spawn-child:{i}:{t0}"), None)?);
                }
                for pid in kids {
                    ctx.reap(pid);
                }
            }
            _ => {
                let (mut conn, server_end) = UnixStream::pair()?;
                let server = ctx.spawn_exec("forkserver", Some(server_end.as_raw_fd()))?;
                drop(server_end);
                for i in 0..n {
                    ctx.gate(Op::Compute, || format!("ask the forkserver for child {i}"));
                    let t0 = protocol::now_us();
                    send(&mut conn, &(i, t0))?;
                    let pid: Option<i32> = recv(&mut conn)?;
                    ctx.say(&format!(
                        "main: the forkserver started child {i}: pid {}",
                        pid.unwrap_or(-1)
                    ));
                }
                // Closing the socket tells the server to reap its children and leave.
                drop(conn);
                ctx.reap(server);
            }
        }
    }
    Ok(())
}

/// A child's first and only job: say how it was started and what it sees.
pub fn child(cx: &Ctx, method: &str, i: u32, t0: u64, started_us: u64) -> i32 {
    let ppid = nix::unistd::getppid().as_raw();
    let row = StartRow {
        method: method.into(),
        pid: std::process::id() as i32,
        ppid,
        parent: if method == "forkserver" {
            "forkserver".into()
        } else {
            "main".into()
        },
        latency_us: started_us.saturating_sub(t0),
        config: config().into(),
    };
    cx.gate(Op::Print, || {
        format!("print pid, ppid, CONFIG ({method} child {i})")
    });
    cx.say(&format!(
        "{method} child {i}: pid {}, ppid {ppid} ({}), started in {:.1} ms, CONFIG = '{}'",
        row.pid,
        row.parent,
        row.latency_us as f64 / 1000.0,
        row.config
    ));
    cx.emit(Event::Outcome(Outcome::StartMethods { rows: vec![row] }));
    // Stay a moment at a slow tempo, so the tree shows the child under its parent.
    pause_ms(cx.ctl.tempo_ms() as u64 * 5);
    0
}

/// The forkserver: a fresh image that forks a child for each request on its socket.
pub fn forkserver(cx: &Ctx) -> i32 {
    // SAFETY: spawn_exec passed the socket as this descriptor; nothing else owns it.
    let mut conn = unsafe { UnixStream::from_raw_fd(fds::PASSED) };
    let main = nix::unistd::getppid().as_raw();
    let mut kids = Vec::new();
    loop {
        let req: Option<(u32, u64)> = match recv(&mut conn) {
            Ok(r) => r,
            Err(e) => {
                eprintln!("forkserver: bad request: {e}");
                None
            }
        };
        let Some((i, t0)) = req else { break };
        cx.emit(Event::Served {
            client: main,
            request: format!("start child {i}"),
        });
        let pid = cx.fork_as(
            Role::Worker,
            &format!("forkserver child {i}"),
            "forkserver",
            |c| child(c, "forkserver", i, t0, protocol::now_us()),
        );
        let pid = match pid {
            Ok(p) => p,
            Err(e) => {
                eprintln!("forkserver: fork failed: {e}");
                -1
            }
        };
        if pid > 0 {
            kids.push(pid);
        }
        if send(&mut conn, &pid).is_err() {
            break;
        }
    }
    for pid in kids {
        cx.reap(pid);
    }
    0
}
