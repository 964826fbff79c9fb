//! What the screen knows about a run, built only from events. No terminal code here:
//! every pane reads this, and tests feed it event sequences directly.

mod glyph;
mod size;

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};

use crate::engine::protocol::{
    Event, ExitStatus, Frame, Op, Outcome, ProcSample, Role, RunSummary, Scalar, Stream, UserAction,
};

/// Output lines kept for the output pane.
pub const OUTPUT_LINES: usize = 500;
/// Seconds of history the timeline keeps.
pub const TIMELINE_SECS: f64 = 30.0;

/// What a process is doing, for the timeline and the process table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Activity {
    /// Running or runnable (kernel state R) or otherwise busy.
    Running,
    /// Waiting for the lock.
    BlockedLock,
    /// Waiting on a queue (empty on get, full on put).
    BlockedQueue,
    /// Sleeping (kernel state S/D) without a known reason.
    Sleeping,
    /// Waiting at a step gate for the user.
    Gated,
    /// Stopped by SIGSTOP (paused).
    Stopped,
    /// Exited (zombie until reaped, then gone).
    Exited,
}

/// One process of the run.
#[derive(Debug, Clone)]
pub struct Proc {
    pub pid: i32,
    pub ppid: i32,
    pub role: Role,
    pub label: String,
    /// Its place in first-seen order: rows never jump.
    pub order: usize,
    /// Kernel state letter from the last sample.
    pub state: char,
    pub cpu: f32,
    pub rss_kb: u64,
    pub core: i32,
    /// What it is doing now, in the lesson's words ("job(3)", "waiting for lock").
    pub doing: String,
    pub activity: Activity,
    /// When it appeared (run seconds).
    pub born: f64,
    /// How and when it ended.
    pub exit: Option<(ExitStatus, f64)>,
    /// The operation it waits to do, in step mode.
    pub step_point: Option<(Op, String)>,
    /// (run seconds, activity) changes, oldest first.
    pub history: VecDeque<(f64, Activity)>,
}

/// One pool task.
#[derive(Debug, Clone, Default)]
pub struct Task {
    pub arg: i64,
    pub submitted: Option<u32>,
    pub pid: Option<i32>,
    pub done: Option<i64>,
    /// Position in completion order.
    pub completed: Option<u32>,
    /// Position in which the caller received it.
    pub delivered: Option<u32>,
}

/// One shared-memory cell.
#[derive(Debug, Clone, Copy)]
pub struct Cell {
    pub value: Scalar,
    pub writer: i32,
    /// Run seconds of the last write, for the flash.
    pub at: f64,
}

/// The lock pane's facts.
#[derive(Debug, Clone, Default)]
pub struct LockView {
    pub holder: Option<i32>,
    pub waiters: BTreeSet<i32>,
    /// Acquisitions reported (at full speed this is a sample).
    pub acquisitions: u64,
}

/// A queued item as the queue pane shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct QueueItem {
    pub item: String,
    pub producer: i32,
}

/// One object through a Pipe, as the pipe pane lists it.
#[derive(Debug, Clone, PartialEq)]
pub struct PipeEntry {
    pub pid: i32,
    /// The connection end used, e.g. "parent_conn".
    pub conn: String,
    /// True for send, false for recv.
    pub send: bool,
    /// The object; `None` for a recv that raised EOFError.
    pub item: Option<String>,
}

/// Pipe log entries kept.
pub const PIPE_LOG: usize = 200;

/// Everything about the current (or last) run.
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
    pub queue: VecDeque<QueueItem>,
    pub queue_blocked: BTreeMap<i32, Op>,
    pub queue_puts: u64,
    pub queue_gets: u64,
    pub tasks: Vec<Task>,
    /// Task id to row in `tasks`.
    task_rows: HashMap<u32, usize>,
    completions: u32,
    pub shared: BTreeMap<String, Vec<Option<Cell>>>,
    pub lock: LockView,
    /// The counter's latest value as written (lock demo).
    pub counter_seen: Option<Scalar>,
    /// Writes of the counter reported (every one of them in slow or step mode).
    pub counter_writes: u64,
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
    pub output: VecDeque<(i32, Stream, String)>,
    /// Output lines dropped from the front to stay within [`OUTPUT_LINES`].
    pub output_dropped: u64,
    pub phase: Option<String>,
    pub outcomes: Vec<Outcome>,
    pub errors: Vec<String>,
    pub summary: Option<RunSummary>,
    /// The user froze the run (and has not resumed it).
    pub paused: bool,
    /// Step mode is on.
    pub stepping: bool,
    /// Delay per operation the user set during the run (ms).
    pub tempo_ms: u32,
    /// Steps the user granted (step mode).
    pub steps: u64,
    /// The user asked the run to stop.
    pub stop_asked: bool,
}

impl RunState {
    fn log_pipe(&mut self, e: PipeEntry) {
        self.pipe.push_back(e);
        while self.pipe.len() > PIPE_LOG {
            self.pipe.pop_front();
        }
    }

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

    /// Processes in stable first-seen order.
    pub fn rows(&self) -> Vec<&Proc> {
        let mut v: Vec<&Proc> = self.procs.values().collect();
        v.sort_by_key(|p| (p.order, p.pid));
        v
    }

    /// Processes mentioned by an event before they announced themselves get a
    /// provisional place after every announced one.
    const PROVISIONAL: usize = 1 << 20;

    /// The process with this PID, created on first mention so events that arrive before
    /// the process's own announcement still land somewhere.
    fn proc_mut(&mut self, pid: i32, at: f64) -> &mut Proc {
        let order = Self::PROVISIONAL + self.procs.len();
        self.procs.entry(pid).or_insert_with(|| Proc {
            pid,
            ppid: 0,
            role: Role::Unknown,
            label: format!("pid {pid}"),
            order,
            state: '?',
            cpu: 0.0,
            rss_kb: 0,
            core: -1,
            doing: String::new(),
            activity: Activity::Running,
            born: at,
            exit: None,
            step_point: None,
            history: VecDeque::from([(at, Activity::Running)]),
        })
    }

    fn set_activity(&mut self, pid: i32, at: f64, activity: Activity, doing: Option<String>) {
        let p = self.proc_mut(pid, at);
        if p.exit.is_some() {
            return;
        }
        if let Some(d) = doing {
            p.doing = d;
        }
        if p.activity != activity {
            p.activity = activity;
            p.history.push_back((at, activity));
            while p.history.len() > 2 && p.history[1].0 < at - TIMELINE_SECS {
                p.history.pop_front();
            }
        }
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
                ppid, role, label, ..
            } => {
                // A process takes its place (and glyph) when it announces itself, so the
                // order follows the forks rather than whichever event happened to come first.
                let announced = self.announced();
                let p = self.proc_mut(pid, at);
                if p.order >= Self::PROVISIONAL {
                    p.order = announced;
                }
                p.ppid = *ppid;
                p.born = p.born.min(at);
                self.sort_new_siblings(*ppid, at);
                let p = self.proc_mut(pid, at);
                p.role = *role;
                p.label = label.clone();
            }
            Event::Exited { status } => {
                let p = self.proc_mut(pid, at);
                if p.exit.is_none() {
                    p.exit = Some((*status, at));
                    p.cpu = 0.0;
                    p.doing = status.to_string();
                    p.step_point = None;
                    p.activity = Activity::Exited;
                    p.history.push_back((at, Activity::Exited));
                }
                self.lock.waiters.remove(&pid);
                if self.lock.holder == Some(pid) {
                    self.lock.holder = None;
                }
                self.queue_blocked.remove(&pid);
            }
            Event::Output { stream, line } => {
                self.output.push_back((pid, *stream, line.clone()));
                while self.output.len() > OUTPUT_LINES {
                    self.output.pop_front();
                    self.output_dropped += 1;
                }
            }
            Event::Phase { name } => self.phase = Some(name.clone()),
            Event::StepPoint { op, detail } => {
                self.proc_mut(pid, at).step_point = Some((*op, detail.clone()));
                self.set_activity(pid, at, Activity::Gated, Some(format!("next: {detail}")));
            }
            Event::QueuePut { item, size, .. } => {
                self.queue.push_back(QueueItem {
                    item: item.clone(),
                    producer: pid,
                });
                self.trim_queue(*size);
                self.queue_puts += 1;
                self.queue_blocked.remove(&pid);
                self.proc_mut(pid, at).step_point = None;
                self.set_activity(pid, at, Activity::Running, Some(format!("q.put({item})")));
            }
            Event::QueueGet {
                item,
                producer,
                size,
                ..
            } => {
                if let Some(i) = self
                    .queue
                    .iter()
                    .position(|q| &q.item == item && (q.producer == *producer || *producer == 0))
                {
                    self.queue.remove(i);
                }
                self.trim_queue(*size);
                self.queue_gets += 1;
                self.queue_blocked.remove(&pid);
                self.proc_mut(pid, at).step_point = None;
                self.set_activity(
                    pid,
                    at,
                    Activity::Running,
                    Some(format!("q.get() -> {item}")),
                );
            }
            Event::QueueBlocked { op, .. } => {
                self.queue_blocked.insert(pid, *op);
                let what = if *op == Op::Put {
                    "q.put() blocked: full"
                } else {
                    "q.get() blocked: empty"
                };
                self.set_activity(pid, at, Activity::BlockedQueue, Some(what.into()));
            }
            Event::LockWait { .. } => {
                self.lock.waiters.insert(pid);
                // Blocked in acquire(): it is past its gate and cannot take a step now.
                self.proc_mut(pid, at).step_point = None;
                self.set_activity(
                    pid,
                    at,
                    Activity::BlockedLock,
                    Some("waiting for lock".into()),
                );
            }
            Event::LockAcquired { .. } => {
                self.lock.waiters.remove(&pid);
                self.lock.holder = Some(pid);
                self.lock.acquisitions += 1;
                self.proc_mut(pid, at).step_point = None;
                self.set_activity(pid, at, Activity::Running, Some("holds the lock".into()));
            }
            Event::LockReleased { .. } => {
                if self.lock.holder == Some(pid) {
                    self.lock.holder = None;
                }
                self.proc_mut(pid, at).step_point = None;
                self.set_activity(pid, at, Activity::Running, Some("released the lock".into()));
            }
            Event::SharedRead { name, value, .. } => {
                self.proc_mut(pid, at).step_point = None;
                self.set_activity(
                    pid,
                    at,
                    Activity::Running,
                    Some(format!("read {name} = {value}")),
                );
            }
            Event::SharedWrite { name, index, value } => {
                let cells = self.shared.entry(name.clone()).or_default();
                let i = *index as usize;
                if i < 4096 {
                    if cells.len() <= i {
                        cells.resize(i + 1, None);
                    }
                    cells[i] = Some(Cell {
                        value: *value,
                        writer: pid,
                        at,
                    });
                }
                // A Python lesson's counter is its demo.py's one Value; in a student's own
                // program a Value is just a cell (shown in the shared-memory pane).
                let python_counter = name.starts_with("Value(")
                    && matches!(self.demo.as_str(), "lock" | "shared" | "manager");
                if name == "counter" || name == "d['count']" || python_counter {
                    self.counter_seen = Some(*value);
                    self.counter_writes += 1;
                }
                self.proc_mut(pid, at).step_point = None;
                self.set_activity(
                    pid,
                    at,
                    Activity::Running,
                    Some(format!("{name}[{index}] = {value}")),
                );
            }
            Event::TaskSubmitted { task, arg } => {
                let t = self.task_mut(*task);
                t.arg = *arg;
                t.submitted = Some(*task);
            }
            Event::TaskStarted { task, arg } => {
                let t = self.task_mut(*task);
                t.arg = *arg;
                t.pid = Some(pid);
                self.proc_mut(pid, at).step_point = None;
                // The native pool squares; a Python program's function is its own.
                let doing = if self.demo == "pool" && !self.python_run() {
                    format!("square({arg})")
                } else {
                    format!("task {arg}")
                };
                self.set_activity(pid, at, Activity::Running, Some(doing));
            }
            Event::TaskDone { task, result } => {
                let n = self.completions;
                self.completions += 1;
                let t = self.task_mut(*task);
                t.done = Some(*result);
                t.completed = Some(n);
                t.pid.get_or_insert(pid);
                self.set_activity(
                    pid,
                    at,
                    Activity::Running,
                    Some(format!("returned {result}")),
                );
            }
            Event::ResultDelivered { task, position, .. } => {
                self.task_mut(*task).delivered = Some(*position);
            }
            Event::PipeSend { conn, item } => {
                self.pipe_sent += 1;
                self.log_pipe(PipeEntry {
                    pid,
                    conn: conn.clone(),
                    send: true,
                    item: Some(item.clone()),
                });
                self.proc_mut(pid, at).step_point = None;
                self.set_activity(
                    pid,
                    at,
                    Activity::Running,
                    Some(format!("{conn}.send({item})")),
                );
            }
            Event::PipeRecv { conn, item } => {
                if item.is_some() {
                    self.pipe_received += 1;
                }
                self.log_pipe(PipeEntry {
                    pid,
                    conn: conn.clone(),
                    send: false,
                    item: item.clone(),
                });
                self.proc_mut(pid, at).step_point = None;
                let what = match item {
                    Some(i) => format!("{conn}.recv() -> {i}"),
                    None => format!("{conn}.recv(): EOFError"),
                };
                self.set_activity(pid, at, Activity::Running, Some(what));
            }
            Event::Served { client, request } => {
                self.served += 1;
                self.set_activity(
                    pid,
                    at,
                    Activity::Running,
                    Some(format!("served {request} for {client}")),
                );
            }
            Event::Outcome(o) => {
                // The orphan knows its new parent before the next sample does.
                if let Outcome::Orphan {
                    pid, ppid_after, ..
                } = o
                {
                    self.proc_mut(*pid, at).ppid = *ppid_after;
                }
                self.outcomes.push(o.clone())
            }
            Event::Sample(s) => {
                self.cores = s.cores.clone();
                for ps in &s.procs {
                    self.absorb_sample(ps, at);
                }
                // A process seen only by a sample (a launcher's short-lived helper, say)
                // that is gone again never gets an exit report: drop its row.
                let sampled: BTreeSet<i32> = s.procs.iter().map(|p| p.pid).collect();
                self.procs.retain(|pid, p| {
                    p.role != Role::Unknown || p.exit.is_some() || sampled.contains(pid)
                });
            }
            Event::Error { source, message } => {
                self.errors.push(format!("{source}: {message}"));
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

    fn task_mut(&mut self, task: u32) -> &mut Task {
        // Rows in first-seen order, whatever the ids (a Python pool's are sparse); at
        // most 100 000 rows, the pool demo's own limit.
        let next = self.task_rows.len().min(99_999);
        let i = *self.task_rows.entry(task).or_insert(next);
        if self.tasks.len() <= i {
            self.tasks.resize(i + 1, Task::default());
        }
        &mut self.tasks[i]
    }

    /// True for a run of a Python program (the probe's events).
    pub fn python_run(&self) -> bool {
        self.params
            .iter()
            .any(|(k, v)| k == "runner" && v == "python")
    }

    /// The queue's real size, when an event tells it: chips beyond it are items whose get
    /// was not reported (a busy program's reports are sampled) or not recognised.
    fn trim_queue(&mut self, size: i32) {
        if let Ok(size) = usize::try_from(size) {
            while self.queue.len() > size {
                self.queue.pop_front();
            }
        }
    }

    fn absorb_sample(&mut self, s: &ProcSample, at: f64) {
        self.zombie_seen |= s.state == 'Z';
        let old = self.proc_mut(s.pid, at).ppid;
        if old > 0 && s.ppid > 0 && old != s.ppid {
            self.reparented.push((s.pid, old, s.ppid));
        }
        let p = self.proc_mut(s.pid, at);
        p.ppid = s.ppid;
        p.state = s.state;
        p.cpu = if p.exit.is_some() { 0.0 } else { s.cpu };
        p.rss_kb = s.rss_kb;
        p.core = s.core;
        if p.exit.is_some() {
            return;
        }
        // The kernel's word decides between running and sleeping unless an event said why
        // the process waits.
        let activity = match (s.state, p.activity) {
            ('T' | 't', _) => Activity::Stopped,
            ('Z', _) => Activity::Exited,
            (_, a @ (Activity::BlockedLock | Activity::BlockedQueue | Activity::Gated)) => a,
            ('R', _) => Activity::Running,
            _ => Activity::Sleeping,
        };
        self.set_activity(s.pid, at, activity, None);
    }

    /// Processes waiting at a step gate, in row order.
    pub fn gated(&self) -> Vec<i32> {
        self.rows()
            .into_iter()
            .filter(|p| p.step_point.is_some() && p.exit.is_none())
            .map(|p| p.pid)
            .collect()
    }

    /// Expected and actual counter, once the lock demo reports them.
    pub fn counter(&self) -> Option<(i64, i64, bool)> {
        self.outcomes.iter().find_map(|o| match o {
            Outcome::Counter {
                expected,
                actual,
                locked,
            } => Some((*expected, *actual, *locked)),
            _ => None,
        })
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

    /// Children of `pid` in row order (for the tree).
    pub fn children(&self, pid: i32) -> Vec<i32> {
        self.rows()
            .into_iter()
            .filter(|p| p.ppid == pid && p.pid != pid)
            .map(|p| p.pid)
            .collect()
    }

    /// Siblings forked moments apart may announce themselves out of order; within their
    /// first half second, give them their places (and glyphs) in PID order, which is the
    /// order they were forked in. Older rows never move.
    fn sort_new_siblings(&mut self, ppid: i32, at: f64) {
        let mut young: Vec<(i32, usize)> = self
            .procs
            .values()
            .filter(|p| p.ppid == ppid && p.order < Self::PROVISIONAL && at - p.born < 0.5)
            .map(|p| (p.pid, p.order))
            .collect();
        let mut orders: Vec<usize> = young.iter().map(|y| y.1).collect();
        orders.sort_unstable();
        young.sort_unstable_by_key(|y| y.0);
        for ((pid, _), order) in young.into_iter().zip(orders) {
            if let Some(p) = self.procs.get_mut(&pid) {
                p.order = order;
            }
        }
    }

    /// Number of processes that announced themselves (their glyph order).
    pub fn announced(&self) -> usize {
        self.procs
            .values()
            .filter(|p| p.order < Self::PROVISIONAL)
            .count()
    }

    /// PIDs by row order with their tree depth (main at 0).
    pub fn tree(&self) -> Vec<(i32, usize)> {
        let mut out = Vec::new();
        let mut placed = HashMap::new();
        let roots: Vec<i32> = self
            .rows()
            .into_iter()
            .filter(|p| !self.procs.contains_key(&p.ppid) || p.ppid == p.pid)
            .map(|p| p.pid)
            .collect();
        fn walk(
            s: &RunState,
            pid: i32,
            depth: usize,
            out: &mut Vec<(i32, usize)>,
            placed: &mut HashMap<i32, ()>,
        ) {
            if placed.insert(pid, ()).is_some() {
                return;
            }
            out.push((pid, depth));
            for c in s.children(pid) {
                walk(s, c, depth + 1, out, placed);
            }
        }
        for r in roots {
            walk(self, r, 0, &mut out, &mut placed);
        }
        // Anything in a cycle or otherwise unplaced still gets a row.
        for p in self.rows() {
            if !placed.contains_key(&p.pid) {
                out.push((p.pid, 0));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::protocol::Sample;

    fn f(t_ms: u64, pid: i32, event: Event) -> Frame {
        Frame {
            t_us: 1_000_000 + t_ms * 1000,
            pid,
            event,
        }
    }

    fn spawned(t: u64, pid: i32, ppid: i32, label: &str) -> Frame {
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
    fn rows_keep_first_seen_order_and_the_tree_nests_workers_under_main() {
        let mut s = RunState::new();
        s.apply(&spawned(0, 10, 1, "main"));
        s.apply(&spawned(1, 12, 10, "worker 1"));
        s.apply(&spawned(2, 11, 10, "worker 0"));
        let order: Vec<i32> = s.rows().iter().map(|p| p.pid).collect();
        assert_eq!(
            order,
            vec![10, 11, 12],
            "siblings announced moments apart sort by PID"
        );
        assert_eq!(s.tree(), vec![(10, 0), (11, 1), (12, 1)]);
        // A late sibling does not move the rows already shown.
        s.apply(&spawned(2000, 9, 10, "worker 2"));
        let order: Vec<i32> = s.rows().iter().map(|p| p.pid).collect();
        assert_eq!(order, vec![10, 11, 12, 9]);
        // A sample must not reorder anything.
        s.apply(&f(
            3,
            0,
            Event::Sample(Sample {
                cores: vec![50.0, 10.0],
                procs: vec![ProcSample {
                    pid: 11,
                    ppid: 10,
                    state: 'R',
                    cpu: 99.0,
                    rss_kb: 1,
                    core: 1,
                }],
            }),
        ));
        let order: Vec<i32> = s.rows().iter().map(|p| p.pid).collect();
        assert_eq!(order, vec![10, 11, 12, 9]);
        assert_eq!(s.procs[&11].core, 1);
    }

    #[test]
    fn the_queue_holds_what_was_put_and_not_yet_got() {
        let mut s = RunState::new();
        let put = |t, pid, item: &str| {
            f(
                t,
                pid,
                Event::QueuePut {
                    queue: 0,
                    item: item.into(),
                    seq: 0,
                    size: t as i32 + 1,
                },
            )
        };
        s.apply(&put(0, 5, "p0#0"));
        s.apply(&put(1, 6, "p1#0"));
        s.apply(&put(2, 5, "p0#1"));
        s.apply(&f(
            3,
            7,
            Event::QueueGet {
                queue: 0,
                item: "p0#0".into(),
                seq: 0,
                producer: 5,
                size: 2,
            },
        ));
        let left: Vec<&str> = s.queue.iter().map(|q| q.item.as_str()).collect();
        assert_eq!(left, vec!["p1#0", "p0#1"]);
        assert_eq!(s.queue[0].producer, 6, "chips remember their producer");
        // A get whose item is not recognised still leaves no more chips than the size.
        s.apply(&f(
            4,
            7,
            Event::QueueGet {
                queue: 0,
                item: "<object at 0x7f>".into(),
                seq: 0,
                producer: 0,
                size: 1,
            },
        ));
        let left: Vec<&str> = s.queue.iter().map(|q| q.item.as_str()).collect();
        assert_eq!(left, vec!["p0#1"], "the oldest goes first");
    }

    #[test]
    fn the_lock_pane_tracks_holder_and_waiters() {
        let mut s = RunState::new();
        s.apply(&f(
            0,
            5,
            Event::LockAcquired {
                lock: 0,
                waited_us: 0,
            },
        ));
        s.apply(&f(1, 6, Event::LockWait { lock: 0 }));
        assert_eq!(s.lock.holder, Some(5));
        assert!(s.lock.waiters.contains(&6));
        assert_eq!(s.procs[&6].activity, Activity::BlockedLock);
        s.apply(&f(2, 5, Event::LockReleased { lock: 0 }));
        s.apply(&f(
            3,
            6,
            Event::LockAcquired {
                lock: 0,
                waited_us: 9,
            },
        ));
        assert_eq!(s.lock.holder, Some(6));
        assert!(s.lock.waiters.is_empty());
        assert_eq!(s.lock.acquisitions, 2);
        // The holder dying frees the lock in the picture.
        s.apply(&f(
            4,
            6,
            Event::Exited {
                status: ExitStatus::Signal(9),
            },
        ));
        assert_eq!(s.lock.holder, None);
    }

    #[test]
    fn pool_tasks_record_worker_completion_and_delivery_order() {
        let mut s = RunState::new();
        for t in 0..3 {
            s.apply(&f(
                0,
                1,
                Event::TaskSubmitted {
                    task: t,
                    arg: t as i64,
                },
            ));
        }
        s.apply(&f(1, 20, Event::TaskStarted { task: 0, arg: 0 }));
        s.apply(&f(1, 21, Event::TaskStarted { task: 1, arg: 1 }));
        s.apply(&f(2, 21, Event::TaskDone { task: 1, result: 1 }));
        s.apply(&f(3, 20, Event::TaskDone { task: 0, result: 0 }));
        s.apply(&f(
            4,
            1,
            Event::ResultDelivered {
                task: 1,
                result: 1,
                position: 0,
            },
        ));
        assert_eq!(s.tasks.len(), 3);
        assert_eq!(s.tasks[1].pid, Some(21));
        assert_eq!(s.tasks[1].completed, Some(0));
        assert_eq!(s.tasks[0].completed, Some(1));
        assert_eq!(s.tasks[1].delivered, Some(0));
        assert_eq!(s.tasks[2].pid, None, "submitted, not started");
    }

    #[test]
    fn step_points_list_the_gated_processes_until_they_move() {
        let mut s = RunState::new();
        s.apply(&spawned(0, 10, 1, "main"));
        s.apply(&spawned(0, 11, 10, "worker 0"));
        s.apply(&f(
            1,
            11,
            Event::StepPoint {
                op: Op::Read,
                detail: "read counter".into(),
            },
        ));
        assert_eq!(s.gated(), vec![11]);
        assert_eq!(s.procs[&11].doing, "next: read counter");
        s.apply(&f(
            2,
            11,
            Event::SharedRead {
                name: "counter".into(),
                index: 0,
                value: Scalar::I32(0),
            },
        ));
        assert!(s.gated().is_empty());
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

    #[test]
    fn a_paused_process_shows_stopped_and_an_exited_one_keeps_its_status() {
        let mut s = RunState::new();
        s.apply(&spawned(0, 11, 10, "worker 0"));
        let sample = |state| {
            Event::Sample(Sample {
                cores: vec![],
                procs: vec![ProcSample {
                    pid: 11,
                    ppid: 10,
                    state,
                    cpu: 0.0,
                    rss_kb: 0,
                    core: 0,
                }],
            })
        };
        s.apply(&f(1, 0, sample('T')));
        assert_eq!(s.procs[&11].activity, Activity::Stopped);
        s.apply(&f(
            2,
            11,
            Event::Exited {
                status: ExitStatus::Code(3),
            },
        ));
        s.apply(&f(3, 0, sample('Z')));
        assert_eq!(s.procs[&11].exit.map(|e| e.0), Some(ExitStatus::Code(3)));
        assert_eq!(s.procs[&11].activity, Activity::Exited);
    }
}
