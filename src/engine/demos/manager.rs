//! `manager`: like `Manager().dict()`. A server process owns `d = {'count': 0}` in its own
//! private memory; every other process holds a proxy: a Unix socket to the server, one
//! request and one reply per operation. Worker i (c = i+1) does `d['count'] += c`
//! N times: a get round trip, then a set round trip, so two workers can both read the
//! same old value and one update is lost. `--lock` does each `+=` holding a Lock.

use std::io;
use std::os::fd::AsRawFd;
use std::os::unix::net::UnixStream;
use std::time::Instant;

use serde::{Deserialize, Serialize};

use crate::engine::demos::ctx::Throttle;
use crate::engine::demos::lock::{acquire, release};
use crate::engine::demos::wire::{recv, send};
use crate::engine::demos::{Ctx, cpu_work_us};
use crate::engine::ipc::{Elem, Lock, Value};
use crate::engine::protocol::{Event, Op, Outcome, Role};

/// One proxy call. Like a real proxy's, each one names the method and its arguments.
#[derive(Debug, Serialize, Deserialize)]
enum Request {
    /// Introduces the client (a real proxy's connection carries its process's identity).
    Hello(i32),
    Get(String),
    Set(String, i64),
}

/// The server: answers requests on every client socket until all are closed.
fn serve(cx: &Ctx, mut clients: Vec<UnixStream>) -> i32 {
    let mut dict: std::collections::BTreeMap<String, i64> = Default::default();
    dict.insert("count".into(), 0);
    let mut who: Vec<i32> = vec![0; clients.len()];
    let mut open: Vec<bool> = vec![true; clients.len()];
    let t = Throttle::new(20);
    while open.iter().any(|o| *o) {
        let mut fds: Vec<libc::pollfd> = clients
            .iter()
            .zip(&open)
            .map(|(c, o)| libc::pollfd {
                fd: if *o { c.as_raw_fd() } else { -1 },
                events: libc::POLLIN,
                revents: 0,
            })
            .collect();
        // SAFETY: polling descriptors this process owns.
        let r = unsafe { libc::poll(fds.as_mut_ptr(), fds.len() as libc::nfds_t, -1) };
        if r < 0 {
            if io::Error::last_os_error().raw_os_error() == Some(libc::EINTR) {
                continue;
            }
            eprintln!(
                "manager server: poll failed: {}",
                io::Error::last_os_error()
            );
            return 1;
        }
        for (i, f) in fds.iter().enumerate() {
            if f.revents == 0 || !open[i] {
                continue;
            }
            let req: Option<Request> = match recv(&mut clients[i]) {
                Ok(r) => r,
                Err(e) => {
                    eprintln!("manager server: bad request: {e}");
                    None
                }
            };
            let reply = match req {
                None => {
                    open[i] = false;
                    continue;
                }
                Some(Request::Hello(pid)) => {
                    who[i] = pid;
                    0
                }
                Some(Request::Get(k)) => {
                    let v = dict.get(&k).copied().unwrap_or(0);
                    if cx.report(&t) {
                        cx.emit(Event::Served {
                            client: who[i],
                            request: format!("d['{k}'] -> {v}"),
                        });
                    }
                    v
                }
                Some(Request::Set(k, v)) => {
                    if cx.report(&t) {
                        cx.emit(Event::Served {
                            client: who[i],
                            request: format!("d['{k}'] = {v}"),
                        });
                    }
                    dict.insert(k, v);
                    v
                }
            };
            if send(&mut clients[i], &reply).is_err() {
                open[i] = false;
            }
        }
    }
    cx.say(&format!(
        "manager server: every proxy closed; d = {{'count': {}}}",
        dict.get("count").copied().unwrap_or(0)
    ));
    0
}

/// A proxy call: one request, one reply.
fn call(conn: &mut UnixStream, req: &Request) -> io::Result<i64> {
    send(conn, req)?;
    recv(conn)?.ok_or_else(|| io::Error::other("the manager server is gone"))
}

pub fn run(ctx: &Ctx) -> io::Result<()> {
    let p = &ctx.params;
    let (w, n, use_lock) = (p.workers(), p.iterations(), p.lock());
    let lock = Lock::new("lock")?;
    // One socket per proxy holder: the workers, and main itself.
    let mut server_ends = Vec::new();
    let mut client_ends = Vec::new();
    for _ in 0..=w {
        let (s, c) = UnixStream::pair()?;
        server_ends.push(s);
        client_ends.push(Some(c));
    }
    ctx.say("main: m = Manager(); d = m.dict(); d['count'] = 0");
    let server = ctx.fork(Role::Server, "manager server", |cx| {
        // The server keeps only its own ends, so a client's exit closes its socket.
        client_ends.clear();
        serve(cx, std::mem::take(&mut server_ends))
    })?;
    drop(server_ends);
    ctx.say(&format!(
        "main: {w} workers each do d['count'] += c, {n} times (c = 1..{w}), lock {}",
        if use_lock { "ON" } else { "OFF" }
    ));
    let mut kids = Vec::new();
    for i in 0..w {
        let c = i as i64 + 1;
        let mut mine = client_ends[i as usize].take();
        kids.push(ctx.fork(Role::Worker, &format!("worker {i}"), |cx| {
            // Close the other proxies' sockets: they are not this worker's.
            for e in client_ends.iter_mut() {
                *e = None;
            }
            let Some(conn) = mine.as_mut() else { return 1 };
            match work(cx, conn, &lock, use_lock, c, n) {
                Ok(()) => 0,
                Err(e) => {
                    eprintln!("worker {i}: {e}");
                    1
                }
            }
        })?);
        mine.take();
    }
    let mut conn = client_ends[w as usize]
        .take()
        .ok_or_else(|| io::Error::other("main's proxy socket is missing"))?;
    client_ends.clear();
    for pid in kids {
        ctx.reap(pid);
    }
    call(&mut conn, &Request::Hello(std::process::id() as i32))?;
    let actual = call(&mut conn, &Request::Get("count".into()))?;
    let expected = n as i64 * (w as i64 * (w as i64 + 1) / 2);
    ctx.report_counter("d['count']", expected, actual, use_lock);
    // The price of a proxy: time round trips against `v.value += 1` on a Value (a read
    // and a write, each under the Value's own lock).
    let reps = 200;
    let t0 = Instant::now();
    for _ in 0..reps {
        call(&mut conn, &Request::Get("count".into()))?;
    }
    let proxy_us = t0.elapsed().as_secs_f64() * 1e6 / reps as f64;
    let v = Value::<i64>::new("v", 0)?;
    let value_reps = 20_000;
    let t0 = Instant::now();
    for _ in 0..value_reps {
        v.set(std::hint::black_box(v.get()) + 1);
    }
    let value_us = t0.elapsed().as_secs_f64() * 1e6 / value_reps as f64;
    ctx.say(&format!(
        "main: one proxy round trip {proxy_us:.1} µs; one v.value += 1 on a Value {value_us:.2} µs"
    ));
    drop(conn);
    ctx.reap(server);
    ctx.emit(Event::Outcome(Outcome::Manager {
        round_trips: 2 * w as u64 * n + reps + 2,
        proxy_us,
        value_us,
    }));
    Ok(())
}

/// One worker: `d['count'] += c`, n times, as two proxy calls.
fn work(
    cx: &Ctx,
    conn: &mut UnixStream,
    lock: &Lock,
    use_lock: bool,
    c: i64,
    n: u64,
) -> io::Result<()> {
    call(conn, &Request::Hello(std::process::id() as i32))?;
    let t_lock = Throttle::new(20);
    let t_value = Throttle::new(20);
    for _ in 0..n {
        let report_lock = cx.report(&t_lock);
        if use_lock {
            acquire(cx, lock, report_lock);
        }
        cx.gate(Op::Read, || "d['count']  # get round trip".into());
        let v = call(conn, &Request::Get("count".into()))?;
        let report = cx.detailed();
        if report {
            cx.emit(Event::SharedRead {
                name: "d['count']".into(),
                index: 0,
                value: v.scalar(),
            });
        }
        // The pace's work sits between the get and the set, where the race is.
        std::hint::black_box(cpu_work_us(cx.params.work_us()));
        cx.gate(Op::Write, || format!("d['count'] = {}  # read {v}", v + c));
        call(conn, &Request::Set("count".into(), v + c))?;
        if report || t_value.due() {
            cx.emit(Event::SharedWrite {
                name: "d['count']".into(),
                index: 0,
                value: (v + c).scalar(),
            });
        }
        if use_lock {
            release(cx, lock, report_lock);
        }
    }
    Ok(())
}
