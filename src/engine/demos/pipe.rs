//! `pipe`: main and one child talk through a `Pipe`. Mode `duplex` (the default, like
//! `Pipe()`): one Unix socketpair, main sends `i`, the child replies `i*i`, then `None`
//! ends it. Mode `oneway` (like `Pipe(duplex=False)`): one `os.pipe()`, the child sends N
//! objects and closes its end; main closes its own copy of the write end and receives
//! until EOF.

use std::fs::File;
use std::io;
use std::os::fd::{AsRawFd, OwnedFd};
use std::os::unix::net::UnixStream;

use crate::engine::demos::Ctx;
use crate::engine::demos::ctx::Throttle;
use crate::engine::demos::wire::{recv, send};
use crate::engine::protocol::{Event, Op, Outcome, Role};

/// True when a `recv()` on `conn` would wait: nothing has been sent and the other end is
/// still open. Then the demo says so first ([`Event::RecvWait`]) and always reports the
/// recv that ends the wait, so the timeline shows the wait and its end.
fn nothing_to_read(conn: &impl AsRawFd) -> bool {
    let mut fd = libc::pollfd {
        fd: conn.as_raw_fd(),
        events: libc::POLLIN,
        revents: 0,
    };
    // SAFETY: one pollfd we own, zero timeout: it only asks.
    unsafe { libc::poll(&mut fd, 1, 0) == 0 }
}

/// Say the process is about to wait in `recv()` on `conn`, when it is; true if it did.
fn say_recv_wait(ctx: &Ctx, conn: &str, end: &impl AsRawFd) -> bool {
    let waits = nothing_to_read(end);
    if waits {
        ctx.emit(Event::RecvWait { conn: conn.into() });
    }
    waits
}

pub fn run(ctx: &Ctx) -> io::Result<()> {
    if ctx.params.mode() == "oneway" {
        oneway(ctx)
    } else {
        duplex(ctx)
    }
}

fn duplex(ctx: &Ctx) -> io::Result<()> {
    let n = ctx.params.iterations();
    let (parent_conn, child_conn) = UnixStream::pair()?;
    ctx.say("main: parent_conn, child_conn = Pipe()  # duplex: a Unix socketpair");
    let child_end = child_conn.try_clone()?;
    let kid = ctx.fork(Role::Worker, "child", move |cx| {
        // The child uses its own end only; its copy of the parent's end closes with it.
        let mut conn = child_end;
        let t = Throttle::new(20);
        loop {
            cx.gate(Op::Get, || "child_conn.recv()".into());
            let waited = say_recv_wait(cx, "child_conn", &conn);
            let msg: Option<Option<i64>> = match recv(&mut conn) {
                Ok(m) => m,
                Err(e) => {
                    eprintln!("child: recv failed: {e}");
                    return 1;
                }
            };
            let report = n <= 1000 || cx.report(&t);
            let Some(Some(x)) = msg else {
                if report || waited {
                    cx.emit(Event::PipeRecv {
                        conn: "child_conn".into(),
                        item: Some("None".into()),
                    });
                }
                cx.say("child: got None, closing child_conn");
                return 0;
            };
            if report || waited {
                cx.emit(Event::PipeRecv {
                    conn: "child_conn".into(),
                    item: Some(x.to_string()),
                });
            }
            let reply = x * x;
            cx.gate(Op::Put, || format!("child_conn.send({reply})"));
            // Reported before the bytes go in, so the receiver's report always comes after.
            if report {
                cx.emit(Event::PipeSend {
                    conn: "child_conn".into(),
                    item: reply.to_string(),
                });
            }
            if let Err(e) = send(&mut conn, &reply) {
                eprintln!("child: send failed: {e}");
                return 1;
            }
        }
    })?;
    drop(child_conn);
    let mut conn = parent_conn;
    let t = Throttle::new(20);
    let mut replies = 0u32;
    for i in 0..n as i64 {
        ctx.gate(Op::Put, || format!("parent_conn.send({i})"));
        let report = n <= 1000 || ctx.report(&t);
        if report {
            ctx.emit(Event::PipeSend {
                conn: "parent_conn".into(),
                item: i.to_string(),
            });
        }
        send(&mut conn, &Some(i))?;
        ctx.gate(Op::Get, || "parent_conn.recv()".into());
        let waited = say_recv_wait(ctx, "parent_conn", &conn);
        let Some(reply) = recv::<i64>(&mut conn)? else {
            ctx.say("main: the child closed its end early");
            break;
        };
        if report || waited {
            ctx.emit(Event::PipeRecv {
                conn: "parent_conn".into(),
                item: Some(reply.to_string()),
            });
        }
        replies += 1;
        if n <= 20 {
            ctx.say(&format!("main: sent {i}, reply {reply}"));
        }
    }
    ctx.gate(Op::Put, || "parent_conn.send(None)".into());
    ctx.emit(Event::PipeSend {
        conn: "parent_conn".into(),
        item: "None".into(),
    });
    send(&mut conn, &None::<i64>)?;
    ctx.reap(kid);
    ctx.say(&format!("main: {n} sent, {replies} replies"));
    ctx.emit(Event::Outcome(Outcome::Pipe {
        duplex: true,
        sent: n as u32,
        received: replies,
        replies,
        eof: false,
    }));
    Ok(())
}

fn oneway(ctx: &Ctx) -> io::Result<()> {
    let n = ctx.params.iterations();
    let (r, w): (OwnedFd, OwnedFd) = nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC)?;
    ctx.say("main: r, w = Pipe(duplex=False)  # one-way: an os.pipe()");
    let kid = ctx.fork(Role::Worker, "child", |cx| {
        let mut w = File::from(match w.try_clone() {
            Ok(fd) => fd,
            Err(e) => {
                eprintln!("child: {e}");
                return 1;
            }
        });
        let t = Throttle::new(20);
        for i in 0..n as i64 {
            cx.gate(Op::Put, || format!("w.send({i})"));
            if n <= 1000 || cx.report(&t) {
                cx.emit(Event::PipeSend {
                    conn: "w".into(),
                    item: i.to_string(),
                });
            }
            if let Err(e) = send(&mut w, &i) {
                eprintln!("child: send failed: {e}");
                return 1;
            }
        }
        cx.gate(Op::Compute, || "w.close()".into());
        cx.say(&format!("child: sent {n} objects, w.close()"));
        0
    })?;
    // Without this the pipe would still have a writer, this very process, and recv()
    // would wait forever instead of raising EOFError.
    ctx.gate(Op::Compute, || "w.close()  # main's own copy".into());
    drop(w);
    ctx.say("main: w.close()  # my copy of the write end, so EOF can come");
    let mut r = File::from(r);
    let t = Throttle::new(20);
    let mut received = 0u32;
    loop {
        ctx.gate(Op::Get, || "r.recv()".into());
        let waited = say_recv_wait(ctx, "r", &r);
        match recv::<i64>(&mut r)? {
            Some(x) => {
                received += 1;
                if waited || n <= 1000 || ctx.report(&t) {
                    ctx.emit(Event::PipeRecv {
                        conn: "r".into(),
                        item: Some(x.to_string()),
                    });
                }
                if n <= 20 {
                    ctx.say(&format!("main: received {x}"));
                }
            }
            None => {
                ctx.emit(Event::PipeRecv {
                    conn: "r".into(),
                    item: None,
                });
                ctx.say("main: EOFError: every copy of the write end is closed");
                break;
            }
        }
    }
    ctx.reap(kid);
    ctx.emit(Event::Outcome(Outcome::Pipe {
        duplex: false,
        sent: n as u32,
        received,
        replies: 0,
        eof: true,
    }));
    Ok(())
}
