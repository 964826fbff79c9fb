//! The event protocol: one serde [`Event`] enum that every demo process, the runner and
//! the observer speak. Native demos write length-prefixed postcard frames to the event
//! pipe; the same types serialise as JSON lines for `--json`.
//!
//! Wire format of one frame: a little-endian `u32` payload length, then the postcard
//! encoding of a [`Frame`]. A whole frame is at most [`PIPE_BUF`] bytes and is written
//! with a single `write()`, which POSIX makes atomic on a pipe, so frames from many
//! writer processes never interleave.
//!
//! postcard rather than bincode: bincode 3.0.0 is a deliberately non-compiling release
//! and the crate is flagged unmaintained (RUSTSEC-2025-0141); postcard 1.x is serde based,
//! compact and maintained.

use serde::{Deserialize, Serialize};
use thiserror::Error;

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
    /// The pool's parent submitted a task.
    TaskSubmitted { task: u32, arg: i64 },
    /// A pool worker (this pid) started a task.
    TaskStarted { task: u32, arg: i64 },
    /// A pool worker (this pid) finished a task.
    TaskDone { task: u32, result: i64 },
    /// The pool's parent handed a result to the caller; `position` counts deliveries.
    ResultDelivered {
        task: u32,
        result: i64,
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
}

/// Which standard stream a line came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
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

/// Why bytes could not be turned into frames.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum DecodeError {
    #[error("frame length {0} exceeds the {MAX_PAYLOAD}-byte limit")]
    Oversized(usize),
    #[error("frame of {0} bytes does not decode as an event: {1}")]
    Garbage(usize, String),
    #[error("stream ended inside a frame ({0} bytes left over)")]
    Truncated(usize),
}

/// Why an event could not be encoded.
#[derive(Debug, Error)]
pub enum EncodeError {
    #[error("event needs {0} bytes, more than a pipe write can carry atomically")]
    TooLarge(usize),
    #[error("postcard: {0}")]
    Postcard(#[from] postcard::Error),
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

/// Encode one frame (header + payload) into `buf`, returning the bytes to write.
pub fn encode<'a>(frame: &Frame, buf: &'a mut [u8; PIPE_BUF]) -> Result<&'a [u8], EncodeError> {
    let (head, body) = buf.split_at_mut(HEADER);
    let used = match postcard::to_slice(frame, body) {
        Ok(payload) => payload.len(),
        Err(postcard::Error::SerializeBufferFull) => {
            let size = postcard::to_stdvec(frame)
                .map(|v| v.len())
                .unwrap_or(usize::MAX);
            return Err(EncodeError::TooLarge(size));
        }
        Err(e) => return Err(e.into()),
    };
    head.copy_from_slice(&(used as u32).to_le_bytes());
    Ok(&buf[..HEADER + used])
}

/// Encode one frame into a new vector (tests, benchmarks).
pub fn encode_vec(frame: &Frame) -> Result<Vec<u8>, EncodeError> {
    let mut buf = [0u8; PIPE_BUF];
    Ok(encode(frame, &mut buf)?.to_vec())
}

/// Incremental decoder for a byte stream of frames.
///
/// Feed it whatever `read()` returned; take frames out with [`Decoder::next_frame`].
/// After a bad frame it resynchronises by skipping bytes until a well-formed frame
/// starts, and reports the skipped stretch as one error rather than one per byte.
#[derive(Default)]
pub struct Decoder {
    buf: Vec<u8>,
    /// Bytes already skipped in the current bad stretch, and its first error.
    skipping: Option<(usize, DecodeError)>,
    /// A good frame found right after a bad stretch, handed out after the error.
    pending: Option<Frame>,
    /// Bytes before this offset are consumed; compacted lazily so that skipping garbage
    /// one byte at a time stays linear.
    start: usize,
}

impl Decoder {
    /// A decoder with an empty buffer.
    pub fn new() -> Self {
        Self::default()
    }

    /// Append bytes read from the stream.
    pub fn feed(&mut self, bytes: &[u8]) {
        self.buf.drain(..self.start);
        self.start = 0;
        self.buf.extend_from_slice(bytes);
    }

    /// The next complete frame, an error for a bad stretch, or `None` when more bytes
    /// are needed.
    pub fn next_frame(&mut self) -> Option<Result<Frame, DecodeError>> {
        if let Some(frame) = self.pending.take() {
            return Some(Ok(frame));
        }
        loop {
            match self.try_frame_at_start() {
                Attempt::Frame(frame, used) => {
                    self.start += used;
                    // A good frame ends a bad stretch: report the stretch first.
                    if let Some((skipped, first)) = self.skipping.take() {
                        self.pending = Some(frame);
                        return Some(Err(describe_skip(skipped, first)));
                    }
                    return Some(Ok(frame));
                }
                Attempt::NeedMore => {
                    // Inside a bad stretch a "plausible" length may itself be garbage:
                    // if a whole valid frame starts further on, skip to it rather than
                    // wait for bytes that may never come.
                    if self.skipping.is_some()
                        && let Some(at) = self.next_valid_after(self.start)
                    {
                        if let Some((n, _)) = &mut self.skipping {
                            *n += at - self.start;
                        }
                        self.start = at;
                        continue;
                    }
                    return None;
                }
                Attempt::Bad(err) => {
                    self.start += 1;
                    match &mut self.skipping {
                        Some((n, _)) => *n += 1,
                        None => self.skipping = Some((1, err)),
                    }
                }
            }
        }
    }

    /// Call at end of stream: whatever frames and errors the remaining bytes hold. A frame
    /// cut short by the end is reported as [`DecodeError::Truncated`]; a length prefix that
    /// was waiting for bytes that never came is treated as garbage, so good frames behind
    /// it are still recovered.
    pub fn finish(&mut self) -> Vec<Result<Frame, DecodeError>> {
        let mut out = Vec::new();
        loop {
            while let Some(r) = self.next_frame() {
                out.push(r);
            }
            let left = self.buf.len() - self.start;
            if left == 0 {
                break;
            }
            if let Some(at) = self.next_valid_after(self.start) {
                let skipped = at - self.start;
                self.start = at;
                match &mut self.skipping {
                    Some((n, _)) => *n += skipped,
                    None => {
                        self.skipping =
                            Some((skipped, DecodeError::Garbage(left, "incomplete".into())))
                    }
                }
                continue;
            }
            if self.skipping.is_none() && self.looks_like_a_cut_frame() {
                out.push(Err(DecodeError::Truncated(left)));
                self.start = self.buf.len();
                break;
            }
            // Skip one byte of the incomplete stretch and look again.
            self.start += 1;
            match &mut self.skipping {
                Some((n, _)) => *n += 1,
                None => self.skipping = Some((1, DecodeError::Garbage(left, "incomplete".into()))),
            }
        }
        if let Some((n, first)) = self.skipping.take() {
            out.push(Err(describe_skip(n, first)));
        }
        self.buf.clear();
        self.start = 0;
        out
    }

    /// The first offset after `from` where a complete, valid frame starts.
    fn next_valid_after(&self, from: usize) -> Option<usize> {
        (from + 1..self.buf.len().saturating_sub(HEADER)).find(|&at| {
            let buf = &self.buf[at..];
            let len = u32::from_le_bytes([buf[0], buf[1], buf[2], buf[3]]) as usize;
            len > 0
                && len <= MAX_PAYLOAD
                && buf.len() >= HEADER + len
                && matches!(postcard::take_from_bytes::<Frame>(&buf[HEADER..HEADER + len]), Ok((_, rest)) if rest.is_empty())
        })
    }

    /// True when the unconsumed bytes are a plausible frame start that simply ran out.
    fn looks_like_a_cut_frame(&self) -> bool {
        let buf = &self.buf[self.start..];
        if buf.len() < HEADER {
            return true;
        }
        let len = u32::from_le_bytes([buf[0], buf[1], buf[2], buf[3]]) as usize;
        len > 0 && len <= MAX_PAYLOAD && buf.len() < HEADER + len
    }

    fn try_frame_at_start(&self) -> Attempt {
        let buf = &self.buf[self.start..];
        if buf.len() < HEADER {
            return Attempt::NeedMore;
        }
        let len = u32::from_le_bytes([buf[0], buf[1], buf[2], buf[3]]) as usize;
        if len == 0 || len > MAX_PAYLOAD {
            return Attempt::Bad(DecodeError::Oversized(len));
        }
        if buf.len() < HEADER + len {
            // While skipping garbage, a plausible length may be garbage too; waiting
            // for it is still right, since a real writer always sends whole frames.
            return Attempt::NeedMore;
        }
        let payload = &buf[HEADER..HEADER + len];
        match postcard::take_from_bytes::<Frame>(payload) {
            Ok((frame, [])) => Attempt::Frame(frame, HEADER + len),
            Ok((_, rest)) => Attempt::Bad(DecodeError::Garbage(
                len,
                format!("{} trailing bytes", rest.len()),
            )),
            Err(e) => Attempt::Bad(DecodeError::Garbage(len, e.to_string())),
        }
    }
}

enum Attempt {
    Frame(Frame, usize),
    NeedMore,
    Bad(DecodeError),
}

fn describe_skip(skipped: usize, first: DecodeError) -> DecodeError {
    match first {
        DecodeError::Oversized(len) => {
            DecodeError::Garbage(skipped, format!("bad length prefix {len}, bytes skipped"))
        }
        DecodeError::Garbage(_, why) => DecodeError::Garbage(skipped, why),
        other => other,
    }
}

/// One JSON line (no trailing newline) for a frame.
pub fn to_json_line(frame: &Frame) -> String {
    // Serialising plain data structures to JSON cannot fail: no maps with non-string
    // keys, no non-finite floats (NaN becomes null).
    serde_json::to_string(frame).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
}

/// Parse one JSON line into a frame.
pub fn from_json_line(line: &str) -> Result<Frame, serde_json::Error> {
    serde_json::from_str(line)
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
pub(crate) mod tests {
    use super::*;

    fn frame(event: Event) -> Frame {
        Frame {
            t_us: 123_456,
            pid: 4242,
            event,
        }
    }

    /// One of every event, so a new variant that breaks either format fails here.
    pub(crate) fn every_event() -> Vec<Event> {
        vec![
            Event::RunStarted {
                demo: "lock".into(),
                params: vec![("workers".into(), "4".into())],
                runner_pid: 1,
                main_pid: 2,
            },
            Event::Spawned {
                ppid: 1,
                role: Role::PoolWorker,
                label: "worker 0".into(),
                start_method: "fork".into(),
            },
            Event::Exited {
                status: ExitStatus::Signal(9),
            },
            Event::Output {
                stream: Stream::Stderr,
                line: "héllo 你好".into(),
            },
            Event::Phase {
                name: "serial".into(),
            },
            Event::StepPoint {
                op: Op::Write,
                detail: "write counter = 6".into(),
            },
            Event::QueuePut {
                queue: 0,
                item: "p0#1".into(),
                seq: 1,
                size: 3,
            },
            Event::QueueGet {
                queue: 0,
                item: "p0#1".into(),
                seq: 1,
                producer: 77,
                size: 2,
            },
            Event::QueueBlocked {
                queue: 0,
                op: Op::Get,
            },
            Event::LockWait { lock: 0 },
            Event::LockAcquired {
                lock: 0,
                waited_us: 12,
            },
            Event::LockReleased { lock: 0 },
            Event::SharedRead {
                name: "counter".into(),
                index: 0,
                value: Scalar::I32(-5),
            },
            Event::SharedWrite {
                name: "array".into(),
                index: 3,
                value: Scalar::F64(0.25),
            },
            Event::TaskSubmitted { task: 1, arg: 1 },
            Event::TaskStarted { task: 1, arg: 1 },
            Event::TaskDone { task: 1, result: 1 },
            Event::ResultDelivered {
                task: 1,
                result: 1,
                position: 0,
            },
            Event::PipeSend {
                conn: "parent_conn".into(),
                item: "3".into(),
            },
            Event::PipeRecv {
                conn: "child_conn".into(),
                item: None,
            },
            Event::Served {
                client: 9,
                request: "d['count']".into(),
            },
            Event::Outcome(Outcome::Pipe {
                duplex: true,
                sent: 5,
                received: 5,
                replies: 5,
                eof: false,
            }),
            Event::Outcome(Outcome::Manager {
                round_trips: 1000,
                proxy_us: 40.5,
                value_us: 0.2,
            }),
            Event::Outcome(Outcome::StartMethods {
                rows: vec![StartRow {
                    method: "forkserver".into(),
                    pid: 7,
                    ppid: 6,
                    parent: "forkserver".into(),
                    latency_us: 900,
                    config: "default".into(),
                }],
            }),
            Event::Outcome(Outcome::Orphan {
                pid: 8,
                ppid_before: 7,
                ppid_after: 1,
            }),
            Event::Outcome(Outcome::Counter {
                expected: 80000,
                actual: 41234,
                locked: false,
            }),
            Event::Outcome(Outcome::Timing {
                variant: "processes".into(),
                workers: 4,
                wall_ms: 1.5,
                cpu_ms: 3.0,
                speedup: 1.9,
            }),
            Event::Outcome(Outcome::Pool {
                mode: "map".into(),
                tasks: 2,
                delivered: vec![(0, 0), (1, 1)],
                assignments: vec![(0, 10), (1, 11)],
                complete: true,
                distinct_pids: 2,
            }),
            Event::Outcome(Outcome::Queue {
                put: 4,
                got: 4,
                total: Some(10),
            }),
            Event::Outcome(Outcome::Shared {
                value: Scalar::I64(i64::MIN),
                array: vec![Scalar::F64(2.4)],
            }),
            Event::Outcome(Outcome::Processes {
                children: vec![(5, ExitStatus::Code(1))],
            }),
            Event::Sample(Sample {
                cores: vec![12.5, 100.0],
                procs: vec![ProcSample {
                    pid: 5,
                    ppid: 4,
                    state: 'Z',
                    cpu: 99.0,
                    rss_kb: 2048,
                    core: 1,
                }],
            }),
            Event::Error {
                source: "event pipe".into(),
                message: "bad".into(),
            },
            Event::RunEnded(RunSummary {
                demo: "lock".into(),
                main_status: Some(ExitStatus::Code(0)),
                wall_ms: 10.0,
                processes: 5,
                stopped: false,
                errors: 0,
            }),
            Event::User(UserAction::Pause),
            Event::User(UserAction::Resume),
            Event::User(UserAction::Tempo { ms: 200 }),
            Event::User(UserAction::Stepping { on: true }),
            Event::User(UserAction::Step),
            Event::User(UserAction::Stop),
        ]
    }

    #[test]
    fn every_event_round_trips_through_postcard_and_json() {
        for event in every_event() {
            let f = frame(event);
            let bytes = encode_vec(&f).expect("encodes");
            assert!(bytes.len() <= PIPE_BUF);
            let mut d = Decoder::new();
            d.feed(&bytes);
            assert_eq!(d.next_frame(), Some(Ok(f.clone())));
            assert_eq!(d.next_frame(), None);
            assert_eq!(d.finish(), vec![]);
            let json = to_json_line(&f);
            assert!(!json.contains('\n'));
            assert_eq!(from_json_line(&json).expect("json parses"), f);
        }
    }

    #[test]
    fn frames_split_at_every_byte_boundary_still_decode() {
        let frames: Vec<Frame> = every_event().into_iter().map(frame).collect();
        let stream: Vec<u8> = frames
            .iter()
            .flat_map(|f| encode_vec(f).expect("encodes"))
            .collect();
        for chunk in [1, 2, 3, 7, 64, 4096] {
            let mut d = Decoder::new();
            let mut out = Vec::new();
            for piece in stream.chunks(chunk) {
                d.feed(piece);
                while let Some(r) = d.next_frame() {
                    out.push(r.expect("valid stream"));
                }
            }
            assert_eq!(out, frames, "chunk size {chunk}");
        }
    }

    #[test]
    fn oversized_length_is_an_error_not_an_allocation() {
        let mut d = Decoder::new();
        d.feed(&u32::MAX.to_le_bytes());
        d.feed(&[0; 16]);
        assert_eq!(d.next_frame(), None, "no good frame yet");
        let rest = d.finish();
        assert_eq!(rest.len(), 1, "{rest:?}");
        let err = rest[0].as_ref().expect_err("the stretch is an error");
        assert!(err.to_string().contains("bad length prefix"), "{err}");
    }

    #[test]
    fn truncated_stream_is_reported() {
        let bytes = encode_vec(&frame(Event::LockWait { lock: 3 })).expect("encodes");
        let mut d = Decoder::new();
        d.feed(&bytes[..bytes.len() - 1]);
        assert_eq!(d.next_frame(), None);
        assert_eq!(
            d.finish(),
            vec![Err(DecodeError::Truncated(bytes.len() - 1))]
        );
    }

    #[test]
    fn a_garbage_length_waiting_at_eof_does_not_hide_the_frames_behind_it() {
        let good = frame(Event::LockWait { lock: 2 });
        // Claims 3000 bytes, but only a good frame follows before the end.
        let mut stream = vec![0xb8, 0x0b, 0, 0];
        stream.extend(encode_vec(&good).expect("encodes"));
        let mut d = Decoder::new();
        d.feed(&stream);
        assert_eq!(d.next_frame(), None, "waits for the claimed 3000 bytes");
        let rest = d.finish();
        assert_eq!(rest.len(), 2, "{rest:?}");
        assert!(
            matches!(rest[0], Err(DecodeError::Garbage(4, _))),
            "{rest:?}"
        );
        assert_eq!(rest[1], Ok(good));
    }

    #[test]
    fn garbage_between_frames_gives_one_error_and_the_good_frames_survive() {
        let a = frame(Event::LockWait { lock: 1 });
        let b = frame(Event::LockReleased { lock: 1 });
        let mut stream = encode_vec(&a).expect("encodes");
        // A plausible length with an undecodable payload, then noise.
        stream.extend_from_slice(&[5, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff]);
        stream.extend_from_slice(&[0xde, 0xad, 0xbe, 0xef, 0xff, 0xff, 0xff, 0xff]);
        stream.extend(encode_vec(&b).expect("encodes"));
        let mut d = Decoder::new();
        d.feed(&stream);
        let mut got = Vec::new();
        while let Some(r) = d.next_frame() {
            got.push(r);
        }
        assert_eq!(got.len(), 3, "{got:?}");
        assert_eq!(got[0], Ok(a));
        assert!(
            matches!(got[1], Err(DecodeError::Garbage(17, _))),
            "{got:?}"
        );
        assert_eq!(got[2], Ok(b));
    }

    #[test]
    fn random_bytes_never_panic() {
        // A small xorshift generator: deterministic, no extra crate.
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        for round in 0..200 {
            let mut d = Decoder::new();
            let mut bytes = Vec::new();
            for _ in 0..(round * 37 % 5000) {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                bytes.push(x as u8);
            }
            d.feed(&bytes);
            while d.next_frame().is_some() {}
            d.finish();
        }
    }

    #[test]
    fn an_event_too_big_for_one_pipe_write_is_refused() {
        let f = frame(Event::Output {
            stream: Stream::Stdout,
            line: "x".repeat(PIPE_BUF),
        });
        assert!(matches!(encode_vec(&f), Err(EncodeError::TooLarge(n)) if n > PIPE_BUF));
    }

    #[test]
    fn clip_respects_char_boundaries() {
        assert_eq!(clip("你好世界", 4), "你…");
        assert_eq!(clip("abc", 10), "abc");
    }
}
