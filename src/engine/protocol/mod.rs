//! The event protocol: one serde [`Event`] enum that every demo process, the runner and
//! the observer speak. Native demos write length-prefixed postcard frames to the event
//! pipe ([`codec`]); the same types serialise as JSON lines for `--json`, and [`words`]
//! says each one in a readable line.

pub mod codec;
pub mod words;

use serde::{Deserialize, Serialize};

pub use codec::*;

/// POSIX guarantees writes of at most this many bytes to a pipe are atomic (Linux: 4096).
pub const PIPE_BUF: usize = libc::PIPE_BUF;
/// Bytes of the length prefix.
pub const HEADER: usize = 4;
/// Largest payload a frame may carry.
pub const MAX_PAYLOAD: usize = PIPE_BUF - HEADER;
/// Output lines and previews longer than this are cut so a frame always fits.
pub const MAX_TEXT: usize = 1024;

/// One event with the time it happened and the process it concerns.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Frame {
    /// CLOCK_MONOTONIC in microseconds: one clock shared by every process on the machine.
    pub t_us: u64,
    /// The process the event is about (the emitter, the exited child, the printer); 0 for
    /// machine-wide events such as samples.
    pub pid: i32,
    /// What happened.
    pub event: Event,
}

/// Everything that can happen during a run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Event {
    /// The runner started a demo: emitted once, first.
    RunStarted {
        demo: String,
        /// The parameters as resolved by the demo, `key=value` pairs, for the record.
        params: Vec<(String, String)>,
        runner_pid: i32,
        main_pid: i32,
    },
    /// A process began; sent by the process itself, so `pid`/`ppid` are what the kernel says.
    Spawned {
        ppid: i32,
        role: Role,
        /// Short human name, e.g. "worker 2" or "producer 0".
        label: String,
        /// How it was created: "exec" (re-executed binary, like spawn) or "fork".
        start_method: String,
    },
    /// A process ended and was reaped by its parent (or by the runner as subreaper).
    Exited { status: ExitStatus },
    /// One line a process wrote to its stdout or stderr.
    Output { stream: Stream, line: String },
    /// The demo entered a new phase ("serial", "threads (GIL model)", ...).
    Phase { name: String },
    /// A gated process stopped before an operation and waits for a step (step mode).
    StepPoint { op: Op, detail: String },
    /// An item went into a queue. `size` is the queue length just after.
    QueuePut {
        queue: u32,
        item: String,
        seq: u32,
        size: i32,
    },
    /// An item came out of a queue; `producer` is the pid that put it.
    QueueGet {
        queue: u32,
        item: String,
        seq: u32,
        producer: i32,
        size: i32,
    },
    /// The process is about to block on a queue (empty for get, full for put).
    QueueBlocked { queue: u32, op: Op },
    /// The process wants the lock and it is held by someone else.
    LockWait { lock: u32 },
    /// The process now holds the lock.
    LockAcquired { lock: u32, waited_us: u64 },
    /// The process released the lock.
    LockReleased { lock: u32 },
    /// A shared-memory cell was read (shown in slow and step mode).
    SharedRead {
        name: String,
        index: u32,
        value: Scalar,
    },
    /// A shared-memory cell was written.
    SharedWrite {
        name: String,
        index: u32,
        value: Scalar,
    },
    /// The pool's parent submitted a task; `arg` is a short preview of its argument
    /// (`3`, `(9, 'w812')`), whatever its type.
    TaskSubmitted { task: u32, arg: String },
    /// A pool worker (this pid) started a task.
    TaskStarted { task: u32, arg: String },
    /// A pool worker (this pid) finished a task: a preview of what it returned, or with
    /// `raised` the exception it raised ("ZeroDivisionError: division by zero").
    TaskDone {
        task: u32,
        result: String,
        raised: bool,
    },
    /// The pool's parent handed a result to the caller; `position` counts deliveries.
    ResultDelivered {
        task: u32,
        result: String,
        position: u32,
    },
    /// A Pipe connection end (`conn`, e.g. "parent_conn") sent an object.
    PipeSend { conn: String, item: String },
    /// A Pipe connection end received an object; `None` is EOFError: every copy of the
    /// other end was closed.
    PipeRecv { conn: String, item: Option<String> },
    /// A server process (a Manager's, the forkserver) handled one request from `client`.
    Served { client: i32, request: String },
    /// A demo's measured outcome.
    Outcome(Outcome),
    /// Observer sample of the machine's cores and the demo's processes.
    Sample(Sample),
    /// Something went wrong that the user should see (bad frame, failed spawn, ...).
    Error { source: String, message: String },
    /// The run is over: emitted once, last.
    RunEnded(RunSummary),
    /// The user acted on the run (pause, step, tempo, stop), recorded where it happened in
    /// the stream so a replay shows it and a step-mode run's schedule can be re-run. For a
    /// step, the frame's `pid` is the process let go.
    User(UserAction),
    /// The program made an object the events name by `id` (a lock's in LockWait...): what
    /// the program calls it (`lock`, `counter_lock`) or where it was made (`lock@prog.py:12`).
    Named {
        kind: ObjectKind,
        id: u32,
        name: String,
    },
    /// The process waits on a synchronisation object: an Event's `wait()`, a Semaphore's
    /// `acquire()`, a Barrier's or a Condition's `wait()`, a JoinableQueue's `join()`.
    SyncWait { kind: ObjectKind, id: u32 },
    /// It stopped waiting: `ok` is false when it timed out (or the barrier broke).
    SyncDone { kind: ObjectKind, id: u32, ok: bool },
    /// It acted on one: "set", "clear", "release", "notify", "notify_all", "task_done".
    SyncAction {
        kind: ObjectKind,
        id: u32,
        action: String,
    },
    /// A Manager proxy (`id`, see [`Event::Named`]) called `method` in the server process
    /// for this process: a preview of its argument, and the round trip it took.
    ProxyCall {
        id: u32,
        method: String,
        arg: String,
        rtt_us: u64,
    },
    /// This process created, attached, closed or unlinked a `shared_memory` segment
    /// (`name` as in /dev/shm, `size` in bytes).
    SharedMemory { name: String, op: ShmOp, size: u64 },
    /// proclab read a segment's first bytes from /dev/shm itself (sampled, read-only: the
    /// program's memory is never touched), when they changed.
    SharedMemoryBytes { name: String, head: Vec<u8> },
    /// A segment the program created and never unlinked: still in /dev/shm at the end
    /// (`removed`: proclab removed it, so nothing is left behind), or already cleaned up by
    /// Python's resource tracker.
    SharedMemoryLeak { name: String, removed: bool },
    /// The start of a line a process wrote without its newline yet (a prompt, a test
    /// runner's `test_x ... `), sent once its pipe has been quiet for a moment so it shows
    /// as it is written; `text` is all of the line so far. The whole line still follows as
    /// one [`Event::Output`], so the Output events alone are exactly the lines printed.
    OutputPart { stream: Stream, text: String },
    /// A classic multiprocessing mistake, seen as it happened (Python runner). `code` is
    /// stable (`value-race`, `no-main-guard`, `join-before-get`, `pool-after-close`,
    /// `unpicklable`; see the README); `count` is how many times it happened in this
    /// process since its last warning of that code was sent (at least 1).
    Warning {
        code: String,
        message: String,
        count: u32,
    },
    /// A segment that holds a `ShareableList`: its values as proclab read and decoded
    /// them from /dev/shm (sampled, read-only), in Python's notation, when they changed.
    ShareableList { name: String, values: Vec<String> },
    /// The proxy call this process just reported (the [`Event::ProxyCall`] before it)
    /// raised: `error` is the exception as the program sees it
    /// (`ValueError: 5 is not in list`). A variant of its own, added last, so recordings
    /// written before it still read.
    ProxyRaised {
        id: u32,
        method: String,
        error: String,
    },
    /// A `multiprocessing` Process (this pid) reached its own code, `latency_us` after its
    /// parent called `start()`, whatever its start method (Python runner). Added last,
    /// so recordings written before it still read.
    ProcessStarted { latency_us: u64 },
    /// How long each of the run's processes ran and how long it waited in a run queue for
    /// a core since the previous sample (`/proc/PID/schedstat`), sent just before the
    /// [`Event::Sample`] of the same moment; never sent where the kernel keeps no
    /// schedstats. A variant of its own, added last, so recordings written before it still
    /// read (a new field in [`ProcSample`] would not).
    Sched(Sched),
    /// The process waits in `join()` for `child`, which has not ended yet: blocked until
    /// that child's [`Event::Exited`] (or its own next event). Added last, like
    /// [`Event::Sched`].
    JoinWait { child: i32 },
    /// The process waits in `recv()` on connection end `conn` with nothing to read yet:
    /// blocked until its [`Event::PipeRecv`] (or its next event). Added last.
    RecvWait { conn: String },
}

impl Event {
    /// True for the observer's measurements (samples, the scheduler's figures) as opposed
    /// to what the program or the user did.
    pub fn is_measurement(&self) -> bool {
        matches!(self, Event::Sample(_) | Event::Sched(_))
    }
}

/// What a process did to a shared memory segment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ShmOp {
    Create,
    Attach,
    Close,
    Unlink,
}

/// What kind of object a [`Event::Named`] names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ObjectKind {
    Lock,
    RLock,
    Event,
    Semaphore,
    Barrier,
    Condition,
    JoinableQueue,
    /// An object a Manager's server process holds, reached through proxies.
    Proxy,
}

impl ObjectKind {
    /// The multiprocessing class it is.
    pub fn class(self) -> &'static str {
        match self {
            ObjectKind::Lock => "Lock",
            ObjectKind::RLock => "RLock",
            ObjectKind::Event => "Event",
            ObjectKind::Semaphore => "Semaphore",
            ObjectKind::Barrier => "Barrier",
            ObjectKind::Condition => "Condition",
            ObjectKind::JoinableQueue => "JoinableQueue",
            ObjectKind::Proxy => "proxy",
        }
    }
}

/// What the user did to a running demo.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UserAction {
    /// Froze every process (SIGSTOP to the group).
    Pause,
    /// Let them run again (SIGCONT).
    Resume,
    /// Set the delay per operation.
    Tempo { ms: u32 },
    /// Turned step mode on or off.
    Stepping { on: bool },
    /// Let the frame's process do exactly one operation.
    Step,
    /// Asked the run to stop.
    Stop,
}

/// What a process is for in its demo.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// The demo's main process (the Python script's `__main__`).
    Main,
    /// A plain `Process` child.
    Worker,
    /// Puts items into a queue.
    Producer,
    /// Gets items from a queue.
    Consumer,
    /// A member of a process pool.
    PoolWorker,
    /// A process that runs one variant of a comparison (GIL demo).
    Variant,
    /// A server other processes ask for work: a Manager's server, the forkserver.
    Server,
    /// A process the runner did not start directly and that never introduced itself.
    Unknown,
}

/// An operation a gated process can be stopped before.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Op {
    Compute,
    Read,
    Write,
    Acquire,
    Release,
    Put,
    Get,
    Print,
    /// A Pipe connection's send (Python runner).
    Send,
    /// A Pipe connection's recv (Python runner).
    Recv,
    /// A wait on an Event, Barrier, Condition or Semaphore (Python runner).
    Wait,
}

/// Which standard stream a line came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stream {
    Stdout,
    Stderr,
}

/// How a process ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExitStatus {
    /// `exit(code)`.
    Code(i32),
    /// Killed by this signal number (Python shows `exitcode == -signal`).
    Signal(i32),
}

/// A value held in shared memory.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scalar {
    I32(i32),
    I64(i64),
    F64(f64),
}

/// What a demo measured, for the summary and the results pane.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Shared counter demo: how many increments should have happened and how many did.
    Counter {
        expected: i64,
        actual: i64,
        locked: bool,
    },
    /// One variant of the GIL comparison.
    Timing {
        variant: String,
        workers: u32,
        wall_ms: f64,
        cpu_ms: f64,
        /// Serial wall time divided by this variant's wall time.
        speedup: f64,
    },
    /// Pool demo: results in the order the caller received them, and who ran what (in
    /// completion order). The lists hold the first 100 entries; `complete` says whether
    /// that is all of them (the per-task events always carry everything).
    Pool {
        mode: String,
        tasks: u32,
        delivered: Vec<(u32, i64)>,
        assignments: Vec<(u32, i32)>,
        complete: bool,
        distinct_pids: u32,
    },
    /// Queue demo: items put and got; for the sum mode the total.
    Queue {
        put: u32,
        got: u32,
        total: Option<i64>,
    },
    /// Shared memory demo: final contents.
    Shared { value: Scalar, array: Vec<Scalar> },
    /// Process demo: children and how each ended.
    Processes { children: Vec<(i32, ExitStatus)> },
    /// Pipe demo: objects sent and received, replies (duplex), whether EOF was seen.
    Pipe {
        duplex: bool,
        sent: u32,
        received: u32,
        replies: u32,
        eof: bool,
    },
    /// Manager demo: proxy round trips made, and the cost of one proxy round trip against
    /// one `v.value += 1` on a `Value`, in microseconds.
    Manager {
        round_trips: u64,
        proxy_us: f64,
        value_us: f64,
    },
    /// Start methods demo: one row per child.
    StartMethods { rows: Vec<StartRow> },
    /// Lifecycle demo: a process whose parent exited, and its PPID before and after.
    Orphan {
        pid: i32,
        ppid_before: i32,
        ppid_after: i32,
    },
    /// Chunksize demo: one `pool.map` of `tasks` tiny tasks in chunks of `chunksize`:
    /// the messages through the pool's pipes (one per chunk each way), the tasks each
    /// worker (pid) ran, and the wall time measured.
    Chunks {
        chunksize: u32,
        tasks: u32,
        messages: u32,
        per_worker: Vec<(i32, u32)>,
        wall_ms: f64,
    },
}

/// One child of the start methods demo.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StartRow {
    /// "fork", "spawn" or "forkserver".
    pub method: String,
    pub pid: i32,
    pub ppid: i32,
    /// Who the parent is: "main" or "forkserver".
    pub parent: String,
    /// From the parent's `start()` to the child's first line of its own code.
    pub latency_us: u64,
    /// The value of the run-time global the child saw.
    pub config: String,
}

/// One observer sample.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sample {
    /// Busy percentage of each core since the previous sample.
    pub cores: Vec<f32>,
    /// The demo's processes, ordered by pid.
    pub procs: Vec<ProcSample>,
}

/// One process as the observer saw it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProcSample {
    pub pid: i32,
    pub ppid: i32,
    /// Kernel state letter: R, S, D, Z, T, ...
    pub state: char,
    /// CPU use since the previous sample, percent of one core.
    pub cpu: f32,
    pub rss_kb: u64,
    /// The core the process last ran on.
    pub core: i32,
}

/// The scheduler's view of the run's processes over one sampling interval.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sched {
    /// Microseconds since the previous sample.
    pub interval_us: u64,
    /// The processes sampled both times, ordered by pid.
    pub procs: Vec<ProcSched>,
}

/// One process's share of the CPU over an interval, summed over its threads.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ProcSched {
    pub pid: i32,
    /// Microseconds it ran on a core.
    pub ran_us: u64,
    /// Microseconds it was runnable but waited for a core.
    pub waited_us: u64,
}

impl ProcSched {
    /// True when it spent most of an `interval_us` ready to run but without a core: more
    /// than half the interval, and more than twice as long as it ran. Four busy processes
    /// on two cores each run about half the time and wait the other half: they share the
    /// cores and are drawn running, as the cores pane shows them; a process that got a
    /// core for less than a third of the time it wanted one is the one held back.
    pub fn mostly_waiting(&self, interval_us: u64) -> bool {
        self.waited_us * 2 > interval_us && self.waited_us > 2 * self.ran_us
    }
}

/// The closing summary of a run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunSummary {
    pub demo: String,
    /// How the demo's main process ended.
    pub main_status: Option<ExitStatus>,
    pub wall_ms: f64,
    /// Processes that took part (main included).
    pub processes: u32,
    /// True when the run was stopped before the demo finished.
    pub stopped: bool,
    /// Error events emitted during the run.
    pub errors: u32,
}

/// Cut `s` to at most `max` bytes on a character boundary.
pub fn clip(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_string();
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &s[..end])
}

/// CLOCK_MONOTONIC now, in microseconds.
pub fn now_us() -> u64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes into the timespec we own; CLOCK_MONOTONIC always exists.
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut ts) };
    ts.tv_sec as u64 * 1_000_000 + ts.tv_nsec as u64 / 1_000
}

/// A readable name for a signal number, e.g. 9 → "SIGKILL".
pub fn signal_name(sig: i32) -> String {
    nix::sys::signal::Signal::try_from(sig)
        .map(|s| s.as_str().to_string())
        .unwrap_or_else(|_| format!("signal {sig}"))
}

impl std::fmt::Display for ExitStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ExitStatus::Code(c) => write!(f, "exit code {c}"),
            ExitStatus::Signal(s) => write!(f, "killed by {} (exitcode -{s})", signal_name(*s)),
        }
    }
}

impl std::fmt::Display for Scalar {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Scalar::I32(v) => write!(f, "{v}"),
            Scalar::I64(v) => write!(f, "{v}"),
            Scalar::F64(v) => write!(f, "{v:?}"),
        }
    }
}

#[cfg(test)]
pub(crate) mod tests;
