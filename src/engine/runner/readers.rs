//! Reading what the run's processes send: frames on the event pipe, output pipes passed
//! over a socket, the probe's connections, and the sequencer that puts a Python run's
//! events back in time order.

use std::io::Read;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, SyncSender};
use std::time::Duration;

use nix::sys::socket::{ControlMessageOwned, MsgFlags, recvmsg};

use crate::engine::protocol::{self, Decoder, Event, Frame, MAX_TEXT, Stream};

use super::{Shared, lock, send, spawn_named};

/// Accept the probe's connections until the run is reaped, reading events and output
/// from each; stop the run (in steps, `grace` apart) if more than `limit` of its
/// processes are alive at once.
pub(super) fn serve_probe(
    dir: crate::engine::python::ProbeDir,
    pgid: i32,
    (limit, grace): (usize, Duration),
    tx: &SyncSender<Frame>,
    shared: &Arc<Shared>,
    reaped: &AtomicBool,
) {
    let events = match dir.events.try_clone() {
        Ok(l) => OwnedFd::from(l),
        Err(_) => return,
    };
    let over = Arc::new(AtomicBool::new(false));
    // Each process has its own connection, read by its own thread: a get can arrive
    // before the put that preceded it. `tx` is the sequencer, which restores time order.
    let mut readers = Vec::new();
    loop {
        let done = reaped.load(Ordering::SeqCst);
        let mut fds = [
            libc::pollfd {
                fd: events.as_raw_fd(),
                events: libc::POLLIN,
                revents: 0,
            },
            libc::pollfd {
                fd: dir.output.as_raw_fd(),
                events: libc::POLLIN,
                revents: 0,
            },
        ];
        // SAFETY: polling two listening sockets we own.
        let n = unsafe { libc::poll(fds.as_mut_ptr(), 2, if done { 0 } else { 100 }) };
        if n <= 0 {
            if done {
                break;
            }
            continue;
        }
        if fds[0].revents != 0
            && let Some(conn) = crate::engine::python::accept(&events)
        {
            let (tx, shared, over) = (tx.clone(), shared.clone(), over.clone());
            readers.push(spawn_named("proclab-probe-events", move || {
                // Read as soon as a line comes, never paced: the probe's writes go to a
                // socket that holds only a few hundred lines (the kernel counts each
                // write's buffer, not its bytes), and a program thread waiting to write
                // is a program running differently (CPython's test_concurrent_futures
                // deadlocked on a race a 100 ms pause here made likely).
                let file = std::fs::File::from(conn);
                crate::engine::python::read_probe_lines(file, |r| match r {
                    Ok(frame) => {
                        // Forwarding notes a start or an end in the run's live PIDs.
                        shared.forward(&tx, frame);
                        let n = {
                            let mut live = lock(&shared.live);
                            // An exit the probe could not see (a child reaped by
                            // os.wait(), or never reaped): ask the kernel before
                            // counting it against the limit.
                            if live.len() > limit {
                                live.retain(|pid| super::sweep::start_time(*pid).is_some());
                            }
                            live.len()
                        };
                        if n > limit && !over.swap(true, Ordering::SeqCst) {
                            send(
                                &tx,
                                &shared,
                                0,
                                Event::Error {
                                    source: "limit".into(),
                                    message: format!(
                                        "the program had more than {limit} processes alive at once: proclab stopped it"
                                    ),
                                },
                            );
                            shared.stopped.store(true, Ordering::SeqCst);
                            super::stop_in_steps(pgid, shared.clone(), true, grace);
                        }
                    }
                    Err(message) => send(
                        &tx,
                        &shared,
                        0,
                        Event::Error {
                            source: "probe".into(),
                            message,
                        },
                    ),
                });
            }));
        }
        if fds[1].revents != 0
            && let Some(conn) = crate::engine::python::accept(&dir.output)
        {
            let (tx, shared) = (tx.clone(), shared.clone());
            readers.push(spawn_named("proclab-probe-output", move || {
                receive_outputs(conn, &tx, &shared)
            }));
        }
    }
    for r in readers {
        let _ = r.join();
    }
}

/// How long the sequencer holds an event for earlier ones from other processes.
const REORDER: Duration = Duration::from_millis(30);

/// Release frames in time order, each once it is [`REORDER`] old; all at the end.
pub(super) fn sequence(rx: mpsc::Receiver<Frame>, tx: &SyncSender<Frame>, shared: &Shared) {
    use std::cmp::Reverse;
    use std::collections::BinaryHeap;
    // (time, arrival number) keeps frames of equal time in arrival order.
    let mut heap: BinaryHeap<Reverse<(u64, u64)>> = BinaryHeap::new();
    let mut held: std::collections::HashMap<u64, Frame> = Default::default();
    let mut n = 0u64;
    let release = |heap: &mut BinaryHeap<Reverse<(u64, u64)>>,
                   held: &mut std::collections::HashMap<u64, Frame>,
                   until: u64| {
        while let Some(Reverse((t, k))) = heap.peek().copied() {
            if t > until {
                break;
            }
            heap.pop();
            // Noted already: every frame comes in through `Shared::forward`.
            if let Some(f) = held.remove(&k) {
                let _ = tx.send(f);
            }
        }
    };
    loop {
        match rx.recv_timeout(Duration::from_millis(10)) {
            Ok(f) => {
                if let Event::Exited { .. } = f.event {
                    shared.exit_seen(f.pid, f.t_us);
                    // Lines of that process already here, read after it exited, were
                    // written before: they go just before its exit.
                    let before = f.t_us.saturating_sub(1);
                    let mut moved = false;
                    for g in held.values_mut() {
                        if g.pid == f.pid
                            && g.t_us > before
                            && matches!(g.event, Event::Output { .. } | Event::OutputPart { .. })
                        {
                            g.t_us = before;
                            moved = true;
                        }
                    }
                    if moved {
                        heap = held.iter().map(|(k, g)| Reverse((g.t_us, *k))).collect();
                    }
                }
                heap.push(Reverse((f.t_us, n)));
                held.insert(n, f);
                n += 1;
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {}
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
        }
        let cutoff = protocol::now_us().saturating_sub(REORDER.as_micros() as u64);
        let cutoff = shared.exit_barrier().map_or(cutoff, |b| cutoff.min(b));
        release(&mut heap, &mut held, cutoff);
    }
    release(&mut heap, &mut held, u64::MAX);
}

/// How long a quiet event pipe is left to fill before the next read: four reads a second
/// at most, the pace the screen takes frames at. A user's action cuts the pause short
/// ([`Shared::hurry`]), so a step shows at once.
const QUIET_PAUSE: Duration = Duration::from_millis(250);

/// The event pipe's room, asked of the kernel: what a demo writes during a pause waits
/// there instead of making the demo wait.
const PIPE_ROOM: libc::c_int = 1 << 20;

/// Decode frames from the event pipe until every writer has gone.
pub(super) fn read_events(fd: OwnedFd, tx: &SyncSender<Frame>, shared: &Shared) {
    // Best effort: where the kernel gives less (its pipe-max-size, or the user's share of
    // pipe memory used up), the pipe keeps its 64 KiB and a flood is read without pauses.
    // SAFETY: fcntl on a pipe we own.
    unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_SETPIPE_SZ, PIPE_ROOM) };
    shared.reads_events();
    let mut file = std::fs::File::from(fd);
    let mut decoder = Decoder::new();
    let mut buf = vec![0u8; 64 * 1024];
    let report = |r: Result<Frame, protocol::DecodeError>| match r {
        Ok(frame) => shared.forward(tx, frame),
        Err(e) => send(
            tx,
            shared,
            0,
            Event::Error {
                source: "event pipe".into(),
                message: e.to_string(),
            },
        ),
    };
    loop {
        match file.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => {
                decoder.feed(&buf[..n]);
                while let Some(r) = decoder.next_frame() {
                    report(r);
                }
                // A short read means a quiet pipe: let its next frames gather for a
                // moment, so watching a run costs one wake-up per batch, not per frame.
                // The demo stamps each frame when it writes it, so nothing shifts in
                // time, and the pipe holds far more than a quiet demo writes in this
                // pause; a busy pipe gives full reads and is read without pausing.
                if n < buf.len() / 4 {
                    let pause = shared.pause(QUIET_PAUSE);
                    if !pause.is_zero() {
                        std::thread::park_timeout(pause);
                    }
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => {
                report(Err(protocol::DecodeError::Garbage(0, e.to_string())));
                break;
            }
        }
    }
    for r in decoder.finish() {
        report(r);
    }
}

/// Receive each demo process's output pipes (sent with SCM_RIGHTS) and read them.
pub(super) fn receive_outputs(sock: OwnedFd, tx: &SyncSender<Frame>, shared: &Arc<Shared>) {
    let mut readers = Vec::new();
    loop {
        // The sender's PID, then (from the probe) which streams it sends: bit 0 stdout,
        // bit 1 stderr; a bare PID sends both.
        let mut head = [0u8; 5];
        let mut space = nix::cmsg_space!([RawFd; 2]);
        let (bytes, received) = {
            let mut iov = [std::io::IoSliceMut::new(&mut head)];
            let msg = match recvmsg::<()>(
                sock.as_raw_fd(),
                &mut iov,
                Some(&mut space),
                MsgFlags::MSG_CMSG_CLOEXEC,
            ) {
                Ok(m) => m,
                Err(nix::errno::Errno::EINTR) => continue,
                Err(_) => break,
            };
            let mut received: Vec<RawFd> = Vec::new();
            if let Ok(cmsgs) = msg.cmsgs() {
                for c in cmsgs {
                    if let ControlMessageOwned::ScmRights(fds) = c {
                        received.extend(fds);
                    }
                }
            }
            (msg.bytes, received)
        };
        // SAFETY: SCM_RIGHTS installed these descriptors in our table; we own them now.
        let owned: Vec<OwnedFd> = received
            .into_iter()
            .map(|fd| unsafe { OwnedFd::from_raw_fd(fd) })
            .collect();
        let pid = i32::from_le_bytes([head[0], head[1], head[2], head[3]]);
        if bytes == 0 {
            break; // every sender has gone
        }
        let mask = if bytes >= 5 { head[4] } else { 0b11 };
        let streams = [(1u8, Stream::Stdout), (2u8, Stream::Stderr)]
            .into_iter()
            .filter(|(bit, _)| mask & bit != 0)
            .map(|(_, s)| s);
        let pipes: Vec<(OwnedFd, Stream)> = owned.into_iter().zip(streams).collect();
        shared.outputs_opened(pid, pipes.len() as u32);
        for (fd, stream) in pipes {
            let (tx, shared) = (tx.clone(), shared.clone());
            readers.push(spawn_named("proclab-output", move || {
                read_lines(fd, pid, stream, &tx, &shared)
            }));
        }
    }
    for r in readers {
        let _ = r.join();
    }
}

/// How long a pipe must be quiet before a line without its newline yet is shown.
const PARTIAL_AFTER_MS: u16 = 100;
/// A "line" longer than this without a newline is sent as a line of its own, so memory
/// stays bounded whatever a program writes.
const LONGEST_LINE: usize = 64 * 1024;

/// Read one output pipe line by line until it closes. A line without its newline yet (a
/// prompt, a test runner's `test_x ... ` before its result) is sent as
/// [`Event::OutputPart`] once the pipe has been quiet for [`PARTIAL_AFTER_MS`], so it
/// shows as it is written, not only when the line or the process ends.
pub(super) fn read_lines(
    src: impl Into<OwnedFd>,
    pid: i32,
    stream: Stream,
    tx: &SyncSender<Frame>,
    shared: &Shared,
) {
    use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
    use std::os::fd::AsFd;

    let mut file = std::fs::File::from(src.into());
    let mut pending: Vec<u8> = Vec::new();
    // Bytes of `pending` already shown as a part.
    let mut shown = 0;
    let mut buf = vec![0u8; 16 * 1024];
    // Stamped when read, or just before the process's exit if it has exited.
    let say = |event: Event| {
        shared.forward(
            tx,
            Frame {
                t_us: shared.output_stamp(pid),
                pid,
                event,
            },
        )
    };
    let line_event = |bytes: &[u8]| {
        let mut bytes = bytes;
        while let [rest @ .., b'\n' | b'\r'] = bytes {
            bytes = rest;
        }
        Event::Output {
            stream,
            line: protocol::clip(&String::from_utf8_lossy(bytes), MAX_TEXT),
        }
    };
    loop {
        if pending.len() > shown {
            let mut fds = [PollFd::new(file.as_fd(), PollFlags::POLLIN)];
            match poll(&mut fds, PollTimeout::from(PARTIAL_AFTER_MS)) {
                Ok(0) => {
                    let text = protocol::clip(&String::from_utf8_lossy(&pending), MAX_TEXT);
                    say(Event::OutputPart { stream, text });
                    shown = pending.len();
                    continue;
                }
                Err(nix::errno::Errno::EINTR) => continue,
                _ => {}
            }
        }
        let n = match file.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(_) => break,
        };
        pending.extend_from_slice(&buf[..n]);
        let mut start = 0;
        while let Some(i) = pending[start..].iter().position(|b| *b == b'\n') {
            say(line_event(&pending[start..start + i]));
            start += i + 1;
            shown = 0;
        }
        pending.drain(..start);
        if pending.len() > LONGEST_LINE {
            say(line_event(&pending));
            pending.clear();
            shown = 0;
        }
    }
    if !pending.is_empty() {
        say(line_event(&pending));
    }
    shared.output_closed(pid);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_bytes_on_the_event_pipe_give_an_error_event_and_good_frames_survive() {
        let (r, w) = nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC).expect("pipe");
        let good = |n: u32| Frame {
            t_us: n as u64,
            pid: 7,
            event: Event::LockWait { lock: n },
        };
        let writer = std::thread::spawn(move || {
            use std::io::Write;
            let mut w = std::fs::File::from(w);
            w.write_all(&protocol::encode_vec(&good(1)).expect("encodes"))
                .expect("write");
            let mut x: u32 = 12345;
            let noise: Vec<u8> = (0..3000)
                .map(|_| {
                    x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
                    (x >> 16) as u8
                })
                .collect();
            w.write_all(&noise).expect("write");
            w.write_all(&protocol::encode_vec(&good(2)).expect("encodes"))
                .expect("write");
        });
        let (tx, rx) = crate::engine::runner::channel();
        let shared = Shared::new();
        read_events(r, &tx, &shared);
        writer.join().expect("writer");
        let events: Vec<Event> = rx.try_iter().map(|f| f.event).collect();
        assert_eq!(events.first(), Some(&good(1).event));
        assert_eq!(events.last(), Some(&good(2).event), "{events:?}");
        let errors = events
            .iter()
            .filter(|e| matches!(e, Event::Error { source, .. } if source == "event pipe"))
            .count();
        assert!(errors >= 1, "garbage is reported");
        assert_eq!(shared.errors.load(Ordering::Relaxed) as usize, errors);
    }
}
