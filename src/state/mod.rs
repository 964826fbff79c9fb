//! What the screen knows about a run, built only from events. No terminal code here:
//! every pane reads this, and tests feed it event sequences directly. [`RunState::apply`]
//! hands each event to the part it updates, one file each: processes, queue, pool,
//! shared memory, lock, pipe, and the timeline of what each process did.

mod glyph;
mod lock;
mod pipe;
mod pool;
mod procs;
mod proxy;
mod queue;
mod segments;
mod shared;
mod size;
mod started;
mod steps;
mod sync;
mod timeline;
mod waits;

use std::collections::{BTreeMap, HashMap, VecDeque};

use crate::engine::protocol::{
    Event, Frame, ObjectKind, Op, Outcome, RunSummary, Scalar, Stream, UserAction,
};

pub use lock::{LockView, WaitFor};
pub use pipe::{PIPE_LOG, PipeEntry};
pub use pool::Task;
pub use procs::Proc;
pub use proxy::ProxyView;
pub use queue::{QUEUE_CHIPS, QueueItem};
pub use segments::Segment;
pub use shared::Cell;
pub use steps::Steppable;
pub use sync::SyncView;
pub use timeline::{Activity, TIMELINE_SECS, strip};

/// What a line of the output pane is: what a process printed on stdout or stderr, or a
/// warning proclab gives about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OutKind {
    Stdout,
    Stderr,
    Warning,
    /// An error the run reported (the process limit, a bad frame): proclab's words, kept
    /// whole here while the header has room only for its start.
    Error,
}

impl From<Stream> for OutKind {
    fn from(s: Stream) -> Self {
        match s {
            Stream::Stdout => OutKind::Stdout,
            Stream::Stderr => OutKind::Stderr,
        }
    }
}

/// Output lines kept for the output pane.
pub const OUTPUT_LINES: usize = 500;

/// Everything about the current (or last) run.
/// Error reports kept (a stream of garbage must not grow the state without bound).
pub const ERRORS_KEPT: usize = 100;

#[derive(Debug, Default, Clone)]
pub struct RunState {
    pub demo: String,
    pub params: Vec<(String, String)>,
    pub runner_pid: i32,
    pub main_pid: i32,
    start_us: Option<u64>,
    /// Run seconds of the newest event.
    pub now: f64,
    pub procs: BTreeMap<i32, Proc>,
    pub cores: Vec<f32>,
    /// Queue contents in FIFO order (from put/get events).
    /// The front of the queue (at most [`QUEUE_CHIPS`] items; see `queue_hidden`).
    pub queue: VecDeque<QueueItem>,
    /// Items in the queue behind the kept ones: counted, not kept, so a queue a flood
    /// fills to millions costs no memory.
    pub queue_hidden: u64,
    pub queue_blocked: BTreeMap<i32, Op>,
    pub queue_puts: u64,
    pub queue_gets: u64,
    pub tasks: Vec<Task>,
    /// Task id to row in `tasks`.
    task_rows: HashMap<u32, usize>,
    completions: u32,
    pub shared: BTreeMap<String, Vec<Option<Cell>>>,
    /// The run's locks by id (a native demo has one, id 0; a program any number).
    pub locks: BTreeMap<u32, LockView>,
    /// The first wait-for cycle among the locks this run showed (a deadlock), if any.
    pub deadlock_seen: Option<Vec<WaitFor>>,
    /// A program's Events, Semaphores, Barriers, Conditions and joined queues, by id.
    pub sync: BTreeMap<u32, SyncView>,
    /// Objects a Manager holds for the program, by id.
    pub proxies: BTreeMap<u32, ProxyView>,
    /// A program's shared memory segments, by name.
    pub segments: BTreeMap<String, Segment>,
    /// The counter's latest value as written (lock demo).
    pub counter_seen: Option<Scalar>,
    /// Writes of the counter reported (every one of them in slow or step mode).
    pub counter_writes: u64,
    /// `counter_writes` when the last counter result came.
    pub counter_writes_reported: u64,
    /// How each process was started, as it said ("fork", "spawn", "forkserver", "exec").
    pub start_methods: BTreeMap<i32, String>,
    /// A Python Process's time from its parent's `start()` to its own code, µs.
    pub start_latency: BTreeMap<i32, u64>,
    /// The observer measured run-queue waits (schedstats): the timeline can tell
    /// runnable from running.
    pub sched_seen: bool,
    /// Processes the scheduler's latest figures found mostly waiting for a core, for the
    /// sample that follows them.
    queued: std::collections::BTreeSet<i32>,
    /// A sample showed a demo process in state Z.
    pub zombie_seen: bool,
    /// (pid, old PPID, new PPID) for each process a sample showed with a new parent.
    pub reparented: Vec<(i32, i32, i32)>,
    /// Sends and receives through a Pipe, oldest first (the last [`PIPE_LOG`]).
    pub pipe: VecDeque<PipeEntry>,
    pub pipe_sent: u64,
    pub pipe_received: u64,
    /// Requests server processes (Manager, forkserver) handled.
    pub served: u64,
    pub output: VecDeque<(i32, OutKind, String)>,
    /// Output lines dropped from the front to stay within [`OUTPUT_LINES`].
    pub output_dropped: u64,
    /// Lines still being written (no newline yet), by process and stream: where each
    /// stands in `output`, counted from the first line ever kept, so the whole line
    /// replaces its start in place.
    output_partial: HashMap<(i32, Stream), u64>,
    /// Classic mistakes seen, by code: how many times.
    pub warnings: BTreeMap<String, u64>,
    /// The code of the newest warning.
    pub last_warning: Option<String>,
    pub phase: Option<String>,
    pub outcomes: Vec<Outcome>,
    /// The run's error reports, the first [`ERRORS_KEPT`] of them.
    pub errors: Vec<String>,
    /// Error reports past those kept.
    pub errors_dropped: u64,
    pub summary: Option<RunSummary>,
    /// The user froze the run (and has not resumed it).
    pub paused: bool,
    /// Step mode is on.
    pub stepping: bool,
    /// Delay per operation the user set during the run (ms).
    pub tempo_ms: u32,
    /// Processes waiting in `join()`, and for which child.
    joining: BTreeMap<i32, i32>,
    /// Processes that have waited at a step gate in this run (step mode's list).
    gated_seen: std::collections::BTreeSet<i32>,
    /// Steps the user granted (step mode).
    pub steps: u64,
    /// The user asked the run to stop.
    pub stop_asked: bool,
}

impl RunState {
    /// A fresh state for a new run.
    pub fn new() -> Self {
        Self::default()
    }

    /// True while the run has started and not ended.
    pub fn running(&self) -> bool {
        self.start_us.is_some() && self.summary.is_none()
    }

    /// Seconds since the run started for a frame's time.
    fn secs(&mut self, t_us: u64) -> f64 {
        let start = *self.start_us.get_or_insert(t_us);
        t_us.saturating_sub(start) as f64 / 1e6
    }

    /// Take in one event.
    pub fn apply(&mut self, f: &Frame) {
        let at = self.secs(f.t_us);
        self.now = self.now.max(at);
        let pid = f.pid;
        match &f.event {
            Event::RunStarted {
                demo,
                params,
                runner_pid,
                main_pid,
            } => {
                self.demo = demo.clone();
                self.params = params.clone();
                self.runner_pid = *runner_pid;
                self.main_pid = *main_pid;
            }
            Event::Spawned {
                ppid,
                role,
                label,
                start_method,
            } => {
                self.on_spawned(pid, at, *ppid, *role, label);
                // The newest word counts: a fork child a forkserver made says "fork",
                // then its Process says "forkserver".
                self.start_methods.insert(pid, start_method.clone());
            }
            Event::Exited { status } => {
                self.on_exited(pid, at, *status);
                // What it held or waited for goes with it.
                self.lock_forget(pid);
                self.sync_forget(pid);
                self.queue_blocked.remove(&pid);
                self.on_joined(pid, at);
            }
            Event::Output { stream, line } => {
                self.on_output(pid, *stream, line);
                self.output_partial.remove(&(pid, *stream));
            }
            Event::OutputPart { stream, text } => self.on_output_part(pid, *stream, text),
            Event::Warning {
                code,
                message,
                count,
            } => {
                *self.warnings.entry(code.clone()).or_default() += u64::from(*count).max(1);
                self.last_warning = Some(code.clone());
                let text = format!(
                    "{code}: {message}{}",
                    crate::engine::protocol::words::times(*count)
                );
                self.push_output(pid, OutKind::Warning, text);
            }
            Event::Phase { name } => self.phase = Some(name.clone()),
            Event::StepPoint { op, detail } => self.on_step_point(pid, at, *op, detail),
            Event::QueuePut { item, size, .. } => self.on_queue_put(pid, at, item, *size),
            Event::QueueGet {
                item,
                producer,
                size,
                ..
            } => self.on_queue_get(pid, at, item, *producer, *size),
            Event::QueueBlocked { op, .. } => self.on_queue_blocked(pid, at, *op),
            Event::LockWait { lock } => self.on_lock_wait(pid, at, *lock),
            Event::LockAcquired { lock, .. } => self.on_lock_acquired(pid, at, *lock),
            Event::LockReleased { lock } => self.on_lock_released(pid, at, *lock),
            Event::Named {
                kind: ObjectKind::Lock | ObjectKind::RLock,
                id,
                name,
            } => self.on_lock_named(*id, name),
            Event::Named {
                kind: ObjectKind::Proxy,
                id,
                name,
            } => self.on_proxy_named(*id, name),
            Event::Named { kind, id, name } => self.on_sync_named(*kind, *id, name),
            Event::ProxyCall {
                id,
                method,
                arg,
                rtt_us,
            } => self.on_proxy_call(pid, at, *id, method, arg, *rtt_us),
            Event::SharedMemory { name, op, size } => self.on_shm(pid, at, name, *op, *size),
            Event::SharedMemoryBytes { name, head } => self.on_shm_bytes(name, head),
            Event::SharedMemoryLeak { name, removed } => self.on_shm_leak(name, *removed),
            Event::ShareableList { name, values } => self.on_shareable_list(name, values),
            Event::ProxyRaised { id, method, error } => {
                self.on_proxy_raised(pid, at, *id, method, error)
            }
            Event::ProcessStarted { latency_us } => {
                self.start_latency.insert(pid, *latency_us);
            }
            Event::SyncWait { kind, id } => self.on_sync_wait(pid, at, *kind, *id),
            // A lock's timed acquire() that gave up.
            Event::SyncDone {
                kind: ObjectKind::Lock | ObjectKind::RLock,
                id,
                ..
            } => self.on_lock_gave_up(pid, at, *id),
            Event::SyncDone { kind, id, ok } => self.on_sync_done(pid, at, *kind, *id, *ok),
            Event::SyncAction { kind, id, action } => {
                self.on_sync_action(pid, at, *kind, *id, action)
            }
            Event::SharedRead { name, value, .. } => self.on_shared_read(pid, at, name, *value),
            Event::SharedWrite { name, index, value } => {
                self.on_shared_write(pid, at, name, *index, *value)
            }
            Event::TaskSubmitted { task, arg } => self.on_task_submitted(*task, arg),
            Event::TaskStarted { task, arg } => self.on_task_started(pid, at, *task, arg),
            Event::TaskDone {
                task,
                result,
                raised,
            } => self.on_task_done(pid, at, *task, result, *raised),
            Event::ResultDelivered { task, position, .. } => {
                self.on_result_delivered(*task, *position)
            }
            Event::PipeSend { conn, item } => self.on_pipe_send(pid, at, conn, item),
            Event::PipeRecv { conn, item } => self.on_pipe_recv(pid, at, conn, item.as_deref()),
            Event::Served { client, request } => self.on_served(pid, at, *client, request),
            Event::Outcome(o) => {
                // The orphan knows its new parent before the next sample does.
                if let Outcome::Orphan {
                    pid, ppid_after, ..
                } = o
                {
                    self.re_parent(*pid, at, *ppid_after);
                }
                if let Outcome::Counter { .. } = o {
                    self.counter_writes_reported = self.counter_writes;
                }
                self.outcomes.push(o.clone())
            }
            Event::Sample(s) => self.on_sample(s, at),
            Event::Sched(s) => self.on_sched(s),
            Event::JoinWait { child } => self.on_join_wait(pid, at, *child),
            Event::RecvWait { conn } => self.on_recv_wait(pid, at, conn),
            Event::Error { source, message } => {
                if self.errors.len() < ERRORS_KEPT {
                    self.errors.push(format!("{source}: {message}"));
                    self.push_output(pid, OutKind::Error, format!("{source}: {message}"));
                } else {
                    self.errors_dropped += 1;
                }
            }
            Event::User(action) => match action {
                UserAction::Pause => self.paused = true,
                UserAction::Resume => self.paused = false,
                UserAction::Tempo { ms } => self.tempo_ms = *ms,
                UserAction::Stepping { on } => self.stepping = *on,
                UserAction::Step => self.steps += 1,
                UserAction::Stop => self.stop_asked = true,
            },
            Event::RunEnded(s) => {
                self.summary = Some(s.clone());
                for p in self.procs.values_mut() {
                    p.step_point = None;
                }
            }
        }
    }

    /// A line a process printed; the oldest go beyond [`OUTPUT_LINES`].
    fn on_output(&mut self, pid: i32, stream: Stream, line: &str) {
        if let Some(at) = self.partial_slot(pid, stream) {
            *at = line.to_string();
            return;
        }
        self.push_output(pid, stream.into(), line.to_string());
    }

    fn push_output(&mut self, pid: i32, kind: OutKind, text: String) {
        self.output.push_back((pid, kind, text));
        while self.output.len() > OUTPUT_LINES {
            self.output.pop_front();
            self.output_dropped += 1;
        }
    }

    fn on_output_part(&mut self, pid: i32, stream: Stream, text: &str) {
        if let Some(at) = self.partial_slot(pid, stream) {
            *at = text.to_string();
            return;
        }
        self.on_output(pid, stream, text);
        let index = self.output_dropped + self.output.len() as u64 - 1;
        self.output_partial.insert((pid, stream), index);
    }

    /// The output line that holds this process's unfinished line on this stream, if it is
    /// still kept.
    fn partial_slot(&mut self, pid: i32, stream: Stream) -> Option<&mut String> {
        let index = *self.output_partial.get(&(pid, stream))?;
        let at = index.checked_sub(self.output_dropped)? as usize;
        self.output.get_mut(at).map(|o| &mut o.2)
    }

    /// True for a run of a Python program (the probe's events).
    pub fn python_run(&self) -> bool {
        self.params
            .iter()
            .any(|(k, v)| k == "runner" && v == "python")
    }

    /// The GIL comparison so far: (variant, wall ms, speedup, cpu ms).
    pub fn timings(&self) -> Vec<(String, f64, f64, f64)> {
        self.outcomes
            .iter()
            .filter_map(|o| match o {
                Outcome::Timing {
                    variant,
                    wall_ms,
                    speedup,
                    cpu_ms,
                    ..
                } => Some((variant.clone(), *wall_ms, *speedup, *cpu_ms)),
                _ => None,
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::protocol::Role;

    /// A frame at `t_ms` after a fixed start.
    pub(super) fn f(t_ms: u64, pid: i32, event: Event) -> Frame {
        Frame {
            t_us: 1_000_000 + t_ms * 1000,
            pid,
            event,
        }
    }

    /// `pid` announcing itself as a child of `ppid` (main when `ppid` is 1).
    pub(super) fn spawned(t: u64, pid: i32, ppid: i32, label: &str) -> Frame {
        f(
            t,
            pid,
            Event::Spawned {
                ppid,
                role: if ppid == 1 { Role::Main } else { Role::Worker },
                label: label.into(),
                start_method: "fork".into(),
            },
        )
    }

    #[test]
    fn an_unfinished_line_shows_where_it_was_written_and_becomes_the_whole_line() {
        let mut s = RunState::new();
        let part = |text: &str| Event::OutputPart {
            stream: Stream::Stderr,
            text: text.into(),
        };
        let line = |stream, text: &str| Event::Output {
            stream,
            line: text.into(),
        };
        s.apply(&f(0, 3, part("test_a ... ")));
        s.apply(&f(1, 4, line(Stream::Stdout, "other process")));
        s.apply(&f(2, 3, part("test_a ... still")));
        s.apply(&f(3, 3, line(Stream::Stderr, "test_a ... ok")));
        s.apply(&f(4, 3, line(Stream::Stderr, "next line")));
        let texts: Vec<&str> = s.output.iter().map(|o| o.2.as_str()).collect();
        assert_eq!(texts, ["test_a ... ok", "other process", "next line"]);
    }

    #[test]
    fn output_is_bounded_and_counts_what_it_dropped() {
        let mut s = RunState::new();
        for i in 0..OUTPUT_LINES + 7 {
            s.apply(&f(
                0,
                3,
                Event::Output {
                    stream: Stream::Stdout,
                    line: i.to_string(),
                },
            ));
        }
        assert_eq!(s.output.len(), OUTPUT_LINES);
        assert_eq!(s.output_dropped, 7);
        assert_eq!(s.output.front().map(|o| o.2.as_str()), Some("7"));
    }
}
