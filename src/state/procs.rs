//! The run's processes: their rows and tree, what samples say about them, step gates,
//! exits and re-parenting.

use std::collections::{BTreeSet, HashMap, VecDeque};

use crate::engine::protocol::{ExitStatus, Op, ProcSample, Role, Sample, Sched};

use super::RunState;
use super::timeline::{self, Activity};

/// Below this CPU % over the last sample's interval, a process sampled asleep is idle.
const IDLE_CPU: f32 = 5.0;

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
    /// The last sample found it runnable but mostly waiting for a core.
    pub queued: bool,
    /// When it appeared (run seconds).
    pub born: f64,
    /// How and when it ended.
    pub exit: Option<(ExitStatus, f64)>,
    /// The operation it waits to do, in step mode.
    pub step_point: Option<(Op, String)>,
    /// (run seconds, activity) changes, oldest first.
    pub history: VecDeque<(f64, Activity)>,
}

impl RunState {
    /// Processes in stable first-seen order.
    pub fn rows(&self) -> Vec<&Proc> {
        let mut v: Vec<&Proc> = self.procs.values().collect();
        v.sort_by_key(|p| (p.order, p.pid));
        v
    }

    /// Processes mentioned by an event before they announced themselves get a
    /// provisional place after every announced one.
    pub(super) const PROVISIONAL: usize = 1 << 20;

    /// The process with this PID, created on first mention so events that arrive before
    /// the process's own announcement still land somewhere.
    pub(super) fn proc_mut(&mut self, pid: i32, at: f64) -> &mut Proc {
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
            queued: false,
            born: at,
            exit: None,
            step_point: None,
            history: VecDeque::from([(at, Activity::Running)]),
        })
    }

    /// What a live process does now; `doing` replaces its words when given.
    pub(super) fn set_activity(
        &mut self,
        pid: i32,
        at: f64,
        activity: Activity,
        doing: Option<String>,
    ) {
        let p = self.proc_mut(pid, at);
        if p.exit.is_some() {
            return;
        }
        if let Some(d) = doing {
            p.doing = d;
        }
        // An operation an event reports says the process acted, not that it keeps a core
        // busy: one the last sample found asleep and idle (a worker sleeping between
        // operations at a tempo) stays drawn as sleeping, not as running, and one it found
        // queued for a core stays runnable.
        let activity = match activity {
            Activity::Running if matches!(p.state, 'S' | 'D' | 'I') && p.cpu < IDLE_CPU => {
                Activity::Sleeping
            }
            Activity::Running if p.queued => Activity::Runnable,
            a => a,
        };
        if p.activity != activity {
            p.activity = activity;
            timeline::record(&mut p.history, at, activity);
        }
    }

    /// A process announced itself: its role, label, parent and place.
    pub(super) fn on_spawned(&mut self, pid: i32, at: f64, ppid: i32, role: Role, label: &str) {
        // A process takes its place (and glyph) when it announces itself, so the
        // order follows the forks rather than whichever event happened to come first.
        let announced = self.announced();
        let p = self.proc_mut(pid, at);
        if p.order >= Self::PROVISIONAL {
            p.order = announced;
        }
        p.ppid = ppid;
        p.born = p.born.min(at);
        self.sort_new_siblings(ppid, at);
        let p = self.proc_mut(pid, at);
        p.role = role;
        p.label = label.to_string();
    }

    /// A process ended (its first report counts).
    pub(super) fn on_exited(&mut self, pid: i32, at: f64, status: ExitStatus) {
        let p = self.proc_mut(pid, at);
        if p.exit.is_none() {
            p.exit = Some((status, at));
            p.cpu = 0.0;
            p.doing = status.to_string();
            p.step_point = None;
            p.activity = Activity::Exited;
            p.history.push_back((at, Activity::Exited));
        }
    }

    /// A process waits at its step gate for the user.
    pub(super) fn on_step_point(&mut self, pid: i32, at: f64, op: Op, detail: &str) {
        self.gated_seen.insert(pid);
        self.proc_mut(pid, at).step_point = Some((op, detail.to_string()));
        self.set_activity(pid, at, Activity::Gated, Some(format!("next: {detail}")));
    }

    /// An orphan reported its new parent: it knows before the next sample does.
    pub(super) fn re_parent(&mut self, pid: i32, at: f64, ppid: i32) {
        self.proc_mut(pid, at).ppid = ppid;
    }

    /// The scheduler's figures for the interval the next sample closes.
    pub(super) fn on_sched(&mut self, s: &Sched) {
        self.sched_seen = true;
        self.queued = s
            .procs
            .iter()
            .filter(|p| p.mostly_waiting(s.interval_us))
            .map(|p| p.pid)
            .collect();
    }

    /// The observer's sample: core loads and every process's kernel view.
    pub(super) fn on_sample(&mut self, s: &Sample, at: f64) {
        self.cores = s.cores.clone();
        for ps in &s.procs {
            self.absorb_sample(ps, at);
        }
        self.queued.clear();
        // A process seen only by a sample (a launcher's short-lived helper, say)
        // that is gone again never gets an exit report: drop its row.
        let sampled: BTreeSet<i32> = s.procs.iter().map(|p| p.pid).collect();
        self.procs
            .retain(|pid, p| p.role != Role::Unknown || p.exit.is_some() || sampled.contains(pid));
    }

    fn absorb_sample(&mut self, s: &ProcSample, at: f64) {
        self.zombie_seen |= s.state == 'Z';
        let old = self.proc_mut(s.pid, at).ppid;
        if old > 0 && s.ppid > 0 && old != s.ppid {
            self.reparented.push((s.pid, old, s.ppid));
        }
        let queued = self.queued.contains(&s.pid);
        let p = self.proc_mut(s.pid, at);
        p.ppid = s.ppid;
        p.state = s.state;
        p.cpu = if p.exit.is_some() { 0.0 } else { s.cpu };
        p.rss_kb = s.rss_kb;
        p.core = s.core;
        if p.exit.is_some() {
            return;
        }
        // R is running or runnable alike: the scheduler's figures tell them apart.
        p.queued = queued && s.state == 'R';
        let idle = s.cpu < IDLE_CPU;
        // The kernel's word decides between running and sleeping unless an event said why
        // the process waits; one caught asleep that was busy since the last sample ran.
        let activity = match (s.state, p.activity) {
            ('T' | 't', _) => Activity::Stopped,
            ('Z', _) => Activity::Exited,
            (
                _,
                a @ (Activity::BlockedLock
                | Activity::BlockedQueue
                | Activity::BlockedSync
                | Activity::BlockedJoin
                | Activity::BlockedPipe
                | Activity::Gated),
            ) => a,
            ('R', _) if p.queued => Activity::Runnable,
            ('R', _) => Activity::Running,
            (_, _) if !idle => Activity::Running,
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
    use crate::engine::protocol::{Event, ExitStatus, Op, ProcSample, Sample, Scalar};
    use crate::state::tests::{f, spawned};
    use crate::state::{Activity, RunState};

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

    /// The timeline's `#` means running: a worker the kernel found asleep and idle (it
    /// sleeps between operations at a tempo) is not drawn as running because it just
    /// reported an operation; one that burns a core is.
    #[test]
    fn an_operation_does_not_make_an_idle_sleeping_process_look_running() {
        let sample = |cpu: f32| {
            Event::Sample(Sample {
                cores: vec![0.0],
                procs: vec![ProcSample {
                    pid: 11,
                    ppid: 10,
                    state: 'S',
                    cpu,
                    rss_kb: 1,
                    core: 0,
                }],
            })
        };
        let write = || Event::SharedWrite {
            name: "counter".into(),
            index: 0,
            value: Scalar::I32(1),
        };
        let mut s = RunState::new();
        s.apply(&spawned(0, 10, 1, "main"));
        s.apply(&spawned(0, 11, 10, "worker 0"));
        s.apply(&f(1, 11, write()));
        assert_eq!(s.procs[&11].activity, Activity::Running, "no sample yet");
        s.apply(&f(2, 0, sample(0.0)));
        s.apply(&f(3, 11, write()));
        assert_eq!(s.procs[&11].activity, Activity::Sleeping);
        assert_eq!(
            s.procs[&11].doing, "counter[0] = 1",
            "what it did still shows"
        );
        s.apply(&f(4, 0, sample(80.0)));
        s.apply(&f(5, 11, write()));
        assert_eq!(
            s.procs[&11].activity,
            Activity::Running,
            "busy between samples"
        );
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
