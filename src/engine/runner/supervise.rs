//! The supervisor thread of a run: it starts the demo (or the Python program and its
//! guard), the readers of its pipes and sockets and the observer, reaps every process of
//! the group, and sends the summary last. It is the thread that forks the demo, so the
//! demo's parent-death signal fires only when it ends.

use std::os::fd::OwnedFd;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Sender, SyncSender};
use std::time::{Duration, Instant};

use crate::engine::demos::ctx::decode_status;
use crate::engine::ipc::Control;
use crate::engine::observer::Observer;
use crate::engine::protocol::{self, Event, Frame, RunSummary, Stream};

use super::readers::{read_events, read_lines, receive_outputs, sequence, serve_probe};
use super::spawn::{spawn_guard, spawn_main, spawn_python};
use super::sweep;
use super::{MIN_SAMPLE, QUEUE, RunError, RunOptions, Shared, lock, send, spawn_named};

pub(super) fn supervise(
    opts: RunOptions,
    probe: Option<crate::engine::python::ProbeDir>,
    tx: SyncSender<Frame>,
    shared: Arc<Shared>,
    control: Arc<Control>,
    [ev_read, ev_write, out_mine, out_theirs]: [OwnedFd; 4],
    started: Sender<Result<i32, RunError>>,
) -> RunSummary {
    let demo = match &opts.python {
        Some(py) => py.name.clone(),
        None => opts.params.demo.name().to_string(),
    };
    let t0 = Instant::now();
    let spawned = match (&opts.python, &probe) {
        (Some(py), Some(dir)) => {
            drop(ev_write);
            drop(out_theirs);
            let mut py = py.clone();
            // A lesson's embedded program is written beside the probe and run from there.
            let written = match &py.script_text {
                Some(text) => {
                    py.script = dir.path.join(&py.script);
                    std::fs::write(&py.script, text).map_err(|source| RunError::Setup {
                        what: "lesson program",
                        source,
                    })
                }
                None => Ok(()),
            };
            written.and_then(|()| spawn_python(&py, dir))
        }
        _ => spawn_main(&opts, &control, ev_write, out_theirs),
    };
    let mut child = match spawned {
        Ok(c) => c,
        Err(e) => {
            let _ = started.send(Err(e));
            return RunSummary {
                demo,
                main_status: None,
                wall_ms: 0.0,
                processes: 0,
                stopped: false,
                errors: 1,
            };
        }
    };
    let main_pid = child.id() as i32;
    send(
        &tx,
        &shared,
        main_pid,
        Event::RunStarted {
            demo: demo.clone(),
            params: match &opts.python {
                Some(py) => {
                    let mut p = vec![
                        ("runner".to_string(), "python".to_string()),
                        ("python".to_string(), py.python.display().to_string()),
                        ("script".to_string(), py.script.display().to_string()),
                    ];
                    if !py.args.is_empty() {
                        p.push(("args".to_string(), py.args.join(" ")));
                    }
                    // Held operations are reported one by one, as in a native run.
                    if opts.params.tempo_ms > 0 {
                        p.push(("tempo_ms".to_string(), opts.params.tempo_ms.to_string()));
                    }
                    if opts.params.step {
                        p.push(("step".to_string(), "true".to_string()));
                    }
                    // Paths and arguments can be any length; the first event (and a
                    // recording's header, made from it) keeps a readable start of each.
                    for (_, v) in &mut p {
                        *v = protocol::clip(v, protocol::MAX_TEXT);
                    }
                    p
                }
                None => opts.params.resolved(),
            },
            runner_pid: std::process::id() as i32,
            main_pid,
        },
    );
    let _ = started.send(Ok(main_pid));
    // Python's children have no parent-death signal: if proclab is killed, a guard
    // process kills the group for it.
    let guard = probe
        .as_ref()
        .and_then(|dir| spawn_guard(&opts.exe, main_pid, &dir.path).ok());
    let reaped = Arc::new(AtomicBool::new(false));

    // A Python program's processes each report over their own connection: everything
    // about the run (events, output, exits) goes through the sequencer, which puts it
    // back in time order. Native frames come through one pipe, in order already.
    let real_tx = tx;
    let (tx, sequencer) = if probe.is_some() {
        let (seq_tx, seq_rx) = mpsc::sync_channel::<Frame>(QUEUE);
        let (out, shared) = (real_tx.clone(), shared.clone());
        let h = spawn_named("proclab-probe-order", move || {
            sequence(seq_rx, &out, &shared)
        });
        (seq_tx, Some(h))
    } else {
        (real_tx.clone(), None)
    };
    let mut readers = Vec::new();
    readers.push(spawn_named("proclab-events", {
        let (tx, shared) = (tx.clone(), shared.clone());
        move || read_events(ev_read, &tx, &shared)
    }));
    readers.push(spawn_named("proclab-outputs", {
        let (tx, shared) = (tx.clone(), shared.clone());
        move || receive_outputs(out_mine, &tx, &shared)
    }));
    let notes_dir = probe.as_ref().map(|d| d.path.clone());
    if let Some(dir) = probe {
        let (tx, shared, reaped) = (tx.clone(), shared.clone(), reaped.clone());
        let limit = (opts.max_procs, opts.grace);
        readers.push(spawn_named("proclab-probe", move || {
            serve_probe(dir, main_pid, limit, &tx, &shared, &reaped)
        }));
    }
    shared.outputs_opened(
        main_pid,
        u32::from(child.stdout.is_some()) + u32::from(child.stderr.is_some()),
    );
    if let Some(out) = child.stdout.take() {
        let (tx, shared) = (tx.clone(), shared.clone());
        readers.push(spawn_named("proclab-main-out", move || {
            read_lines(out, main_pid, Stream::Stdout, &tx, &shared)
        }));
    }
    if let Some(err) = child.stderr.take() {
        let (tx, shared) = (tx.clone(), shared.clone());
        readers.push(spawn_named("proclab-main-err", move || {
            read_lines(err, main_pid, Stream::Stderr, &tx, &shared)
        }));
    }
    // A Python program's shared memory segments (and the shm demo's) are read even when
    // no process samples are asked for: their contents are part of what the run did.
    let segments = opts.python.is_some() || opts.params.demo == crate::engine::demos::DemoKind::Shm;
    let observe = opts
        .sample_every
        .map(|every| (every, true))
        .or(segments.then_some((MIN_SAMPLE, false)));
    let observer = observe.map(|(every, samples)| {
        let every = every.max(MIN_SAMPLE);
        let (tx, shared) = (tx.clone(), shared.clone());
        spawn_named("proclab-observer", move || {
            let mut obs = Observer::new(main_pid);
            while !shared.done.load(Ordering::SeqCst) {
                if samples {
                    let known: Vec<i32> = lock(&shared.live).iter().copied().collect();
                    let sample = obs.sample(&known);
                    // The scheduler's figures go first: the sample that follows reads them.
                    if let Some(sched) = obs.take_sched() {
                        shared.forward(
                            &tx,
                            Frame {
                                t_us: protocol::now_us(),
                                pid: 0,
                                event: Event::Sched(sched),
                            },
                        );
                    }
                    shared.forward(
                        &tx,
                        Frame {
                            t_us: protocol::now_us(),
                            pid: 0,
                            event: Event::Sample(sample),
                        },
                    );
                }
                for event in shared.segment_changes() {
                    shared.forward(
                        &tx,
                        Frame {
                            t_us: protocol::now_us(),
                            pid: 0,
                            event,
                        },
                    );
                }
                sleep_unless_done(every, &shared.done);
            }
        })
    });

    // Reap every child until none is left: the main process, and any worker orphaned
    // by it (we are their subreaper).
    let mut main_status = None;
    loop {
        let mut status = 0;
        // Only the demo's own group: the host program's other children (a TUI may run
        // other commands, or an old run may still be ending) are none of our business.
        // Orphans keep the group when they are re-parented to us.
        // SAFETY: waitpid on children in the demo's process group.
        let pid = unsafe { libc::waitpid(-main_pid, &mut status, libc::__WALL) };
        if pid > 0 {
            let st = decode_status(status);
            if pid == main_pid {
                main_status = Some(st);
                // The last frames (workers' exits, the summary) come without the pause.
                shared.hurry();
            }
            send(&tx, &shared, pid, Event::Exited { status: st });
            continue;
        }
        match std::io::Error::last_os_error().raw_os_error() {
            Some(libc::EINTR) => continue,
            _ => break, // ECHILD: nothing left
        }
    }
    // The group is gone; a process that left it (os.setsid()) would outlive the run and
    // keep its output pipes open: it ends now, SIGTERM then SIGKILL.
    let notes = notes_dir.as_deref().map(sweep::read_notes);
    if let Some(notes) = &notes {
        sweep::end(notes, opts.grace);
    }
    reaped.store(true, Ordering::SeqCst);
    if let Some(mut g) = guard {
        let _ = g.kill();
        let _ = g.wait();
    }
    // Every writer is gone, so the pipes and the socket reach end of file.
    for r in readers {
        let _ = r.join();
    }
    shared.done.store(true, Ordering::SeqCst);
    if let Some(o) = observer {
        o.thread().unpark();
        let _ = o.join();
    }
    for (name, removed) in shared.leaked_segments() {
        send(&tx, &shared, 0, Event::SharedMemoryLeak { name, removed });
    }
    // What a stopped program's cleanup never ran for: named semaphores, segments, its
    // pymp-* folder (after a clean exit its resource tracker has removed them already).
    if let Some(notes) = &notes {
        sweep::remove_leftovers(notes);
    }
    let summary = RunSummary {
        demo,
        main_status,
        wall_ms: (t0.elapsed().as_secs_f64() * 1e4).round() / 10.0,
        processes: lock(&shared.seen).len() as u32,
        stopped: shared.stopped.load(Ordering::SeqCst),
        errors: shared.errors.load(Ordering::Relaxed),
    };
    // Everything else first: the summary is the last event.
    drop(tx);
    if let Some(h) = sequencer {
        let _ = h.join();
    }
    shared.finish(
        &real_tx,
        Frame {
            t_us: protocol::now_us(),
            pid: main_pid,
            event: Event::RunEnded(summary.clone()),
        },
    );
    summary
}

/// Wait `total`, or less if the run ends first: the thread parks (one wake-up per sample,
/// not a poll every few milliseconds) and is unparked when `done` is set.
fn sleep_unless_done(total: Duration, done: &AtomicBool) {
    let until = Instant::now() + total;
    while !done.load(Ordering::SeqCst) {
        let left = until.saturating_duration_since(Instant::now());
        if left.is_zero() {
            break;
        }
        std::thread::park_timeout(left);
    }
}
