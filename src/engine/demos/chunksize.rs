//! `chunksize`: what a task costs when it is tiny. A pool of W forked workers squares
//! N numbers twice, as `pool.map(square, range(N), chunksize=1)` and then with map's
//! default chunksize, `ceil(N / (4 × W))` (`Pool._map_async`). Tasks travel as CPython's
//! do: main's task thread writes one message per chunk into a pipe that the workers read
//! under a read lock; each worker writes one message of results per chunk into a second
//! pipe under a write lock; main reads them. Each map reports its chunks, the messages
//! through both pipes, how many tasks each worker ran, and its wall time as measured.

use std::io::{self, Read, Write};
use std::os::fd::OwnedFd;
use std::time::Instant;

use crate::engine::demos::Ctx;
use crate::engine::ipc::Lock;
use crate::engine::protocol::{Event, Op, Outcome, Role};

/// One task message: first number, how many, chunk index; `count == 0` tells a worker
/// to stop (CPython's `None` sentinel).
const TASK_BYTES: usize = 12;

pub fn run(ctx: &Ctx) -> io::Result<()> {
    let (w, n) = (ctx.params.workers(), ctx.params.tasks());
    let (task_r, task_w) = pipe()?;
    let (res_r, res_w) = pipe()?;
    let read_lock = Lock::new("inqueue._rlock")?;
    let write_lock = Lock::new("outqueue._wlock")?;
    ctx.say(&format!(
        "main: Pool({w}) (workers forked, as under the fork start method); map(square, range({n})) with chunksize=1, then with the default"
    ));
    let mut kids = Vec::new();
    for i in 0..w {
        let (task_r, res_w) = (&task_r, &res_w);
        let (read_lock, write_lock) = (&read_lock, &write_lock);
        kids.push(ctx.fork(
            Role::PoolWorker,
            &format!("worker {i}"),
            move |cx| match worker(cx, task_r, res_w, read_lock, write_lock) {
                Ok(()) => 0,
                Err(e) => {
                    eprintln!("worker {i}: {e}");
                    1
                }
            },
        )?);
    }
    drop(task_r);
    drop(res_w);
    let mut task_w = std::fs::File::from(task_w);
    let mut res_r = std::fs::File::from(res_r);
    let default = n.div_ceil(4 * w);
    let mut sums = Vec::new();
    for chunksize in [1, default] {
        sums.push(map(ctx, &mut task_w, &mut res_r, n, chunksize)?);
    }
    // One stop message per worker, as Pool.close() does.
    for _ in 0..w {
        task_w.write_all(&[0u8; TASK_BYTES])?;
    }
    for pid in kids {
        ctx.reap(pid);
    }
    let expected: u64 = (0..u64::from(n)).map(|x| x * x).sum();
    ctx.say(&format!(
        "main: both maps returned the same {n} squares (sum {}): {}",
        sums[0],
        if sums.iter().all(|s| *s == expected) {
            "correct"
        } else {
            "WRONG"
        }
    ));
    Ok(())
}

fn pipe() -> io::Result<(OwnedFd, OwnedFd)> {
    nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC).map_err(io::Error::from)
}

/// One `pool.map`: a thread hands out the chunks while this thread collects results.
/// Returns the sum of the squares received.
fn map(
    ctx: &Ctx,
    task_w: &mut std::fs::File,
    res_r: &mut std::fs::File,
    n: u32,
    chunksize: u32,
) -> io::Result<u64> {
    let chunks = n.div_ceil(chunksize);
    ctx.emit(Event::Phase {
        name: format!("map(square, range({n}), chunksize={chunksize}): {chunks} chunks"),
    });
    ctx.gate(Op::Compute, || {
        format!("pool.map(..., chunksize={chunksize})")
    });
    let t0 = Instant::now();
    let mut per_worker: Vec<(i32, u32)> = Vec::new();
    let mut sum = 0u64;
    let fed = std::thread::scope(|s| -> io::Result<()> {
        // CPython's task handler thread: the pipe fills long before the results are
        // read, so handing out and collecting must go on at once.
        let feeder = s.spawn(move || -> io::Result<()> {
            for c in 0..chunks {
                let start = c * chunksize;
                let len = chunksize.min(n - start);
                let mut msg = [0u8; TASK_BYTES];
                msg[..4].copy_from_slice(&start.to_le_bytes());
                msg[4..8].copy_from_slice(&len.to_le_bytes());
                msg[8..].copy_from_slice(&c.to_le_bytes());
                task_w.write_all(&msg)?;
            }
            Ok(())
        });
        let mut got = 0;
        while got < chunks {
            let mut head = [0u8; 12];
            res_r.read_exact(&mut head)?;
            let pid = i32::from_le_bytes([head[4], head[5], head[6], head[7]]);
            let len = u32::from_le_bytes([head[8], head[9], head[10], head[11]]);
            let mut body = vec![0u8; len as usize * 8];
            res_r.read_exact(&mut body)?;
            sum += body
                .chunks_exact(8)
                .map(|b| u64::from_le_bytes(b.try_into().unwrap_or([0; 8])))
                .sum::<u64>();
            match per_worker.iter_mut().find(|(p, _)| *p == pid) {
                Some((_, k)) => *k += len,
                None => per_worker.push((pid, len)),
            }
            got += 1;
        }
        feeder
            .join()
            .map_err(|_| io::Error::other("task thread panicked"))?
    });
    fed?;
    let wall_ms = t0.elapsed().as_secs_f64() * 1e3;
    per_worker.sort();
    ctx.say(&format!(
        "main: chunksize={chunksize}: {chunks} task messages, {chunks} result messages, {wall_ms:.0} ms; tasks per worker {:?}",
        per_worker.iter().map(|(_, k)| *k).collect::<Vec<_>>()
    ));
    ctx.emit(Event::Outcome(Outcome::Chunks {
        chunksize,
        tasks: n,
        messages: 2 * chunks,
        per_worker,
        wall_ms,
    }));
    Ok(sum)
}

/// A pool worker: take a chunk under the read lock, square it, send the results under
/// the write lock; until the stop message.
fn worker(
    cx: &Ctx,
    task_r: &OwnedFd,
    res_w: &OwnedFd,
    read_lock: &Lock,
    write_lock: &Lock,
) -> io::Result<()> {
    let mut tasks = std::fs::File::from(task_r.try_clone()?);
    let mut results = std::fs::File::from(res_w.try_clone()?);
    let pid = std::process::id() as i32;
    let mut out = Vec::new();
    loop {
        let mut msg = [0u8; TASK_BYTES];
        {
            let _held = read_lock.guard();
            tasks.read_exact(&mut msg)?;
        }
        let word = |i: usize| u32::from_le_bytes([msg[i], msg[i + 1], msg[i + 2], msg[i + 3]]);
        let (start, len, chunk) = (word(0), word(4), word(8));
        if len == 0 {
            return Ok(());
        }
        cx.gate(Op::Compute, || {
            format!("chunk {chunk}: square {len} numbers")
        });
        out.clear();
        out.extend_from_slice(&chunk.to_le_bytes());
        out.extend_from_slice(&pid.to_le_bytes());
        out.extend_from_slice(&len.to_le_bytes());
        for x in u64::from(start)..u64::from(start + len) {
            out.extend_from_slice(&(x * x).to_le_bytes());
        }
        let _held = write_lock.guard();
        results.write_all(&out)?;
    }
}
