//! The runner: starts a demo as its own process group, captures everything it says and
//! prints, and makes sure that when the run ends — normally, by `stop()`, or because
//! proclab itself dies — no demo process is left.
//!
//! How nothing survives:
//! - the demo's main process gets `PR_SET_PDEATHSIG(SIGKILL)` and each forked worker gets
//!   the same towards its parent, so `kill -9` of proclab takes the whole tree down;
//! - proclab is a child subreaper (`PR_SET_CHILD_SUBREAPER`), so workers orphaned by a
//!   crashed demo main are re-parented here, reaped and reported;
//! - stop goes in steps a grace period apart (a Python program: SIGINT, SIGTERM, SIGKILL;
//!   a native demo: SIGTERM, SIGKILL), to the group and every known PID, so the program's
//!   own cleanup runs; the run ends only when `waitpid` says no child is left;
//! - a Python program's processes, segments, semaphores and temp folders are noted by
//!   the probe (`sweep`): what is still there at the end is ended or removed, by proclab
//!   or, if proclab was killed, by its guard.
//!
//! `PR_SET_PDEATHSIG` fires when the *thread* that forked the child exits, so the demo is
//! spawned by the supervisor thread, which lives until everything is reaped.
//!
//! The run's threads live here (start, stop, supervise); `spawn` starts the processes
//! and ties them to proclab, `readers` turns what they send into events.

mod readers;
mod shared;
mod spawn;
mod supervise;
mod sweep;

use shared::{Shared, lock, send};

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::sync::mpsc::{self, Receiver, SyncSender};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use nix::sys::socket::{AddressFamily, SockFlag, SockType, socketpair};
use thiserror::Error;

use crate::engine::demos::Params;
use crate::engine::ipc::Control;
use crate::engine::protocol::{self, Event, ExitStatus, Frame, RunSummary, UserAction};

use supervise::supervise;

pub use spawn::{block_stop_signals, guard_main};

/// Why a run could not start.
#[derive(Debug, Error)]
pub enum RunError {
    #[error("{0}")]
    BadParams(String),
    #[error("cannot set up the demo's {what}: {source}")]
    Setup {
        what: &'static str,
        source: std::io::Error,
    },
    #[error("cannot start the demo process {exe}: {source}")]
    Spawn {
        exe: PathBuf,
        source: std::io::Error,
    },
}

/// How to run a demo.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// The proclab binary to re-execute as the demo's main process.
    pub exe: PathBuf,
    /// What to run.
    pub params: Params,
    /// Emit observer samples every this many ms (None: no samples). At least 250.
    pub sample_every: Option<Duration>,
    /// Time between the steps of a stop (SIGINT, SIGTERM, SIGKILL).
    pub grace: Duration,
    /// Run this Python program under the probe instead of the native demo.
    pub python: Option<crate::engine::python::PythonProgram>,
    /// The most processes a run may start; past it the run is killed (a script that
    /// forks without end must not take the machine down).
    pub max_procs: usize,
}

/// Default for [`RunOptions::max_procs`].
pub const MAX_PROCS: u32 = 256;

/// The observer never samples faster than this (sysinfo and /proc CPU figures are
/// unreliable below ~200 ms, and the watcher must not disturb the watched).
pub const MIN_SAMPLE: Duration = Duration::from_millis(250);

impl RunOptions {
    /// Options for running `params` with this very binary.
    pub fn new(params: Params) -> std::io::Result<Self> {
        Ok(Self {
            exe: std::env::current_exe()?,
            params,
            sample_every: None,
            grace: Duration::from_millis(1000),
            python: None,
            max_procs: MAX_PROCS as usize,
        })
    }
}

/// Frames a run's channel holds before the run waits for its reader: enough to ride out
/// a slow redraw, small enough that a flood of events costs little memory (the demo
/// slows to the reader's pace instead).
pub const QUEUE: usize = 8192;

/// The bounded channel a run's frames travel through.
pub fn channel() -> (SyncSender<Frame>, Receiver<Frame>) {
    mpsc::sync_channel(QUEUE)
}

/// A running demo. Dropping it stops the demo and waits for it to be gone.
pub struct Run {
    main_pid: i32,
    /// A Python program (stopped with SIGINT, as Ctrl-C would).
    python: bool,
    control: Arc<Control>,
    shared: Arc<Shared>,
    supervisor: Option<JoinHandle<RunSummary>>,
    grace: Duration,
}

impl Run {
    /// Start a demo; every event goes to `tx`, ending with [`Event::RunEnded`].
    /// The channel is bounded (see [`channel`]): whoever holds the receiver must keep
    /// taking frames or drop it, or the demo waits for them.
    pub fn start(opts: RunOptions, tx: SyncSender<Frame>) -> Result<Run, RunError> {
        opts.params.validate().map_err(RunError::BadParams)?;
        let setup = |what| move |source| RunError::Setup { what, source };
        let (ev_read, ev_write) = nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC)
            .map_err(|e| setup("event pipe")(e.into()))?;
        // A Python program's probe folder is made first: its control block is a file there.
        let probe = match opts.python {
            Some(_) => {
                Some(crate::engine::python::ProbeDir::create().map_err(setup("probe folder"))?)
            }
            None => None,
        };
        let control = Arc::new(
            match &probe {
                Some(dir) => Control::in_file(&dir.path.join("control")),
                None => Control::new(),
            }
            .map_err(setup("control block"))?,
        );
        control.set_tempo_ms(opts.params.tempo_ms);
        control.set_stepping(opts.params.step);
        let (out_mine, out_theirs) = socketpair(
            AddressFamily::Unix,
            SockType::SeqPacket,
            None,
            SockFlag::SOCK_CLOEXEC,
        )
        .map_err(|e| setup("output socket")(e.into()))?;
        // Orphaned demo processes come to us, so we can reap and report them.
        // SAFETY: prctl with constant arguments.
        unsafe { libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1) };

        let shared = Arc::new(Shared::new());
        let grace = opts.grace;
        let python = opts.python.is_some();
        let (started_tx, started_rx) = mpsc::channel();
        let sup_shared = shared.clone();
        let sup_control = control.clone();
        let supervisor = std::thread::Builder::new()
            .name("proclab-supervisor".into())
            .spawn(move || {
                supervise(
                    opts,
                    probe,
                    tx,
                    sup_shared,
                    sup_control,
                    [ev_read, ev_write, out_mine, out_theirs],
                    started_tx,
                )
            })
            .map_err(setup("supervisor thread"))?;
        match started_rx.recv() {
            Ok(Ok(main_pid)) => Ok(Run {
                main_pid,
                python,
                control,
                shared,
                supervisor: Some(supervisor),
                grace,
            }),
            Ok(Err(e)) => {
                let _ = supervisor.join();
                Err(e)
            }
            Err(_) => Err(RunError::Setup {
                what: "supervisor thread",
                source: std::io::Error::other("supervisor ended before starting the demo"),
            }),
        }
    }

    /// PID of the demo's main process.
    pub fn main_pid(&self) -> i32 {
        self.main_pid
    }

    /// The process group of the demo (the main process leads it).
    pub fn pgid(&self) -> i32 {
        self.main_pid
    }

    /// PIDs announced and still alive.
    pub fn live_pids(&self) -> Vec<i32> {
        lock(&self.shared.live).iter().copied().collect()
    }

    /// True once every demo process is gone and all output is in.
    pub fn is_done(&self) -> bool {
        self.shared.done.load(Ordering::SeqCst)
    }

    /// Put the user's action into the run's stream (and so into its recording), ahead of
    /// the run's next frame, unless the run has ended: the summary stays the last event.
    /// Never waits.
    fn user(&self, pid: i32, action: UserAction) -> bool {
        let mut u = lock(&self.shared.user);
        if u.1 {
            return false;
        }
        u.0.push(Frame {
            t_us: protocol::now_us(),
            pid,
            event: Event::User(action),
        });
        drop(u);
        self.shared.hurry();
        true
    }

    /// Change the delay per operation while running.
    pub fn set_tempo_ms(&self, ms: u32) {
        if self.control.tempo_ms() != ms {
            self.user(0, UserAction::Tempo { ms });
        }
        self.control.set_tempo_ms(ms);
    }

    /// True while step mode is on.
    pub fn stepping(&self) -> bool {
        self.control.stepping()
    }

    /// Turn step mode on or off while running.
    pub fn set_stepping(&self, on: bool) {
        if self.control.stepping() != on {
            self.user(0, UserAction::Stepping { on });
        }
        self.control.set_stepping(on);
    }

    /// Let `pid` do exactly one operation (step mode). False unless it is waiting at a
    /// step point right now with no step pending.
    pub fn step(&self, pid: i32) -> bool {
        // Told before it happens, so the step comes before what the process then does.
        if !self.control.waiting(pid) || !self.user(pid, UserAction::Step) {
            return false;
        }
        self.control.step(pid)
    }

    /// Freeze every demo process (SIGSTOP to the group; they show state T).
    pub fn pause(&self) {
        if !self.is_done() && self.user(0, UserAction::Pause) {
            self.signal_group(libc::SIGSTOP);
        }
    }

    /// Let frozen processes run again.
    pub fn resume(&self) {
        if !self.is_done() && self.user(0, UserAction::Resume) {
            self.signal_group(libc::SIGCONT);
        }
    }

    fn signal_group(&self, sig: i32) {
        if !self.is_done() {
            // SAFETY: signalling the demo's own process group.
            unsafe { libc::kill(-self.main_pid, sig) };
        }
    }

    /// Ask the demo to end, in steps (see [`stop_in_steps`]). Returns at once;
    /// [`Run::wait`] waits for the end.
    pub fn stop(&self) {
        self.stop_as(true);
    }

    /// Stop the run for a reason of proclab's own (its output went away, a recording
    /// cannot be written, a schedule cannot be followed): the same stop, not told as the
    /// user's.
    pub fn stop_quietly(&self) {
        self.stop_as(false);
    }

    fn stop_as(&self, by_user: bool) {
        if self.is_done() || self.shared.stopped.swap(true, Ordering::SeqCst) {
            return;
        }
        if by_user {
            self.user(0, UserAction::Stop);
        }
        stop_in_steps(self.main_pid, self.shared.clone(), self.python, self.grace);
    }

    /// Wait for the run to end and return its summary.
    pub fn wait(mut self) -> RunSummary {
        self.join()
    }

    fn join(&mut self) -> RunSummary {
        match self.supervisor.take() {
            Some(h) => h.join().unwrap_or_else(|_| RunSummary {
                demo: String::new(),
                main_status: None,
                wall_ms: 0.0,
                processes: 0,
                stopped: true,
                errors: 1,
            }),
            None => RunSummary {
                demo: String::new(),
                main_status: None,
                wall_ms: 0.0,
                processes: 0,
                stopped: true,
                errors: 0,
            },
        }
    }
}

impl Drop for Run {
    fn drop(&mut self) {
        if self.supervisor.is_some() {
            self.stop();
            self.join();
        }
    }
}

/// Send `sig` to the group, and to every known PID that left the group (`os.setsid()`).
/// Once each: a second SIGINT would interrupt the cleanup the first one started.
fn signal_everything(pgid: i32, shared: &Shared, sig: i32) {
    // SAFETY: signalling the demo's own processes.
    unsafe { libc::kill(-pgid, sig) };
    for pid in lock(&shared.live).iter() {
        // SAFETY: as above; a PID already reaped by us cannot have been reused while we
        // still list it, because we remove it when we report its exit.
        unsafe {
            if libc::getpgid(*pid) != pgid {
                libc::kill(*pid, sig);
            }
        }
    }
}

/// End the run in steps, a grace period apart, so the program's own cleanup runs: a
/// Python program first gets what Ctrl-C in its terminal would give it (SIGINT:
/// KeyboardInterrupt, its `finally` blocks and exit handlers, its resource tracker
/// unlinking semaphores), then SIGTERM; a native demo SIGTERM; whatever is left, SIGKILL.
/// SIGINT goes to the group only, as Ctrl-C's does (a process that left it with
/// `os.setsid()` would not get it); the later steps also reach every known PID outside
/// the group. SIGCONT goes with the first, in case the run is paused. Returns at once;
/// stops stepping when the run is over.
fn stop_in_steps(pgid: i32, shared: Arc<Shared>, python: bool, grace: Duration) {
    if shared.done.load(Ordering::SeqCst) {
        return;
    }
    let later: &[i32] = if python {
        // SAFETY: signalling the demo's own process group.
        unsafe { libc::kill(-pgid, libc::SIGINT) };
        &[libc::SIGTERM, libc::SIGKILL]
    } else {
        signal_everything(pgid, &shared, libc::SIGTERM);
        &[libc::SIGKILL]
    };
    signal_everything(pgid, &shared, libc::SIGCONT);
    let _ = std::thread::Builder::new()
        .name("proclab-stop".into())
        .spawn(move || {
            for sig in later {
                let until = Instant::now() + grace;
                while Instant::now() < until {
                    if shared.done.load(Ordering::SeqCst) {
                        return;
                    }
                    std::thread::sleep(Duration::from_millis(20));
                }
                signal_everything(pgid, &shared, *sig);
            }
        });
}

fn spawn_named(name: &str, f: impl FnOnce() + Send + 'static) -> JoinHandle<()> {
    std::thread::Builder::new()
        .name(name.into())
        .spawn(f)
        .unwrap_or_else(|_| std::thread::spawn(|| {}))
}

/// How the run's main process ended, as a process exit code for `proclab run`.
pub fn exit_code(summary: &RunSummary) -> i32 {
    match summary.main_status {
        _ if summary.stopped => 130,
        Some(ExitStatus::Code(0)) => 0,
        Some(ExitStatus::Code(_)) => 1,
        Some(ExitStatus::Signal(s)) => 128 + s,
        None => 1,
    }
}
