//! What a process is doing over time: its activity and the history the timeline pane
//! draws, kept to the last [`TIMELINE_SECS`].

use std::collections::VecDeque;

/// Seconds of history the timeline keeps.
pub const TIMELINE_SECS: f64 = 30.0;
/// Activity changes kept per process at most: a process switching between blocked and
/// running a million times in a flood keeps only its latest changes (far more than the
/// pane has columns), so the state and its checkpoints stay small.
pub const HISTORY_MAX: usize = 4096;

/// What a process is doing, for the timeline and the process table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Activity {
    /// Running: kernel state R (or busy between samples) and, where the kernel keeps
    /// schedstats, on a core for most of the last interval.
    Running,
    /// Runnable but waiting for a core: kernel state R, and schedstats say it spent most
    /// of the last interval in a run queue (more cores wanted than the machine has).
    Runnable,
    /// Waiting for the lock.
    BlockedLock,
    /// Waiting on a queue (empty on get, full on put).
    BlockedQueue,
    /// Waiting on an Event, a Semaphore, a Barrier, a Condition or a queue's join().
    BlockedSync,
    /// Waiting in `join()` for a child to end.
    BlockedJoin,
    /// Waiting in a Pipe connection's `recv()` for something to be sent.
    BlockedPipe,
    /// Sleeping (kernel state S/D, idle since the last sample) without an event saying
    /// what it waits for.
    Sleeping,
    /// Waiting at a step gate for the user.
    Gated,
    /// Stopped by SIGSTOP (paused).
    Stopped,
    /// Exited (zombie until reaped, then gone).
    Exited,
}

/// Add an activity change to a history, dropping what is older than the timeline shows
/// (the oldest kept change still says what the process did at the window's start).
pub(super) fn record(history: &mut VecDeque<(f64, Activity)>, at: f64, activity: Activity) {
    history.push_back((at, activity));
    while history.len() > 2 && history[1].0 < at - TIMELINE_SECS || history.len() > HISTORY_MAX {
        history.pop_front();
    }
}

impl Activity {
    /// The character the timeline draws for it: every kind its own, so the strips read
    /// without colour (NO_COLOR) too.
    pub fn glyph(self) -> char {
        match self {
            Activity::Running => '#',
            Activity::Runnable => '+',
            Activity::BlockedLock => 'L',
            Activity::BlockedQueue => 'Q',
            Activity::BlockedSync => 'W',
            Activity::BlockedJoin => 'J',
            Activity::BlockedPipe => 'P',
            Activity::Sleeping => '.',
            Activity::Gated => '?',
            Activity::Stopped => 'T',
            Activity::Exited => ' ',
        }
    }
}

/// What a process did in each of `width` equal columns of the `span` seconds from `start`:
/// the activity that filled most of the column (a later one wins a tie), `None` where it
/// did not exist yet. A column says what the process mostly did then, not what it
/// happened to do at one instant of it.
pub fn strip(
    history: &VecDeque<(f64, Activity)>,
    born: f64,
    start: f64,
    span: f64,
    width: usize,
) -> Vec<Option<Activity>> {
    let mut out = Vec::with_capacity(width);
    // The first change that is not yet in effect at the current column's start.
    let mut next = 0;
    for col in 0..width {
        let t0 = start + span * col as f64 / width as f64;
        let t1 = start + span * (col + 1) as f64 / width as f64;
        while next < history.len() && history[next].0 <= t0 {
            next += 1;
        }
        let mut current = next.checked_sub(1).map(|i| history[i].1);
        let mut shares: Vec<(Option<Activity>, f64)> = Vec::new();
        let mut add = |what: Option<Activity>, from: f64, to: f64| {
            // Before its birth the process was nothing yet.
            let unborn = (to.min(born) - from).max(0.0);
            let lived = (to - from.max(born)).max(0.0);
            for (who, d) in [(None, unborn), (what, lived)] {
                if d > 0.0 {
                    match shares.iter_mut().find(|s| s.0 == who) {
                        Some(s) => s.1 += d,
                        None => shares.push((who, d)),
                    }
                }
            }
        };
        let (mut t, mut k) = (t0, next);
        while k < history.len() && history[k].0 < t1 {
            add(current, t, history[k].0);
            t = history[k].0;
            current = Some(history[k].1);
            k += 1;
        }
        add(current, t, t1);
        let mut best: Option<(Option<Activity>, f64)> = None;
        for s in shares {
            if best.is_none_or(|b| s.1 >= b.1) {
                best = Some(s);
            }
        }
        out.push(best.and_then(|b| b.0));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn drawn(history: &[(f64, Activity)], born: f64, width: usize) -> String {
        let h: VecDeque<(f64, Activity)> = history.iter().copied().collect();
        strip(&h, born, 0.0, width as f64, width)
            .into_iter()
            .map(|a| a.map_or('_', Activity::glyph))
            .collect()
    }

    #[test]
    fn each_column_shows_what_filled_most_of_it() {
        use Activity::*;
        // One second per column.
        let h = [
            (1.0, Running),
            (3.4, BlockedLock),
            (5.6, Sleeping),
            (7.0, Exited),
        ];
        assert_eq!(drawn(&h, 1.0, 9), "_##LLL.  ");
        // Born in the middle of a column: the column is its once it lived most of it.
        assert_eq!(drawn(&[(1.4, Runnable)], 1.4, 3), "_++");
        assert_eq!(drawn(&[(1.6, Runnable)], 1.6, 3), "__+");
        // A blink shorter than half a column does not take the column.
        let h = [(0.0, Running), (2.1, Stopped), (2.3, Running)];
        assert_eq!(drawn(&h, 0.0, 4), "####");
    }

    /// Events and samples in, strips out: a process mostly queued for a core is runnable,
    /// one blocked on the lock or a queue stays blocked however asleep the kernel finds
    /// it, and one asleep with no event saying why is sleeping.
    #[test]
    fn samples_and_events_give_running_runnable_blocked_and_sleeping() {
        use crate::engine::protocol::{Event, Op, ProcSample, ProcSched, Sample, Sched};
        use crate::state::RunState;
        use crate::state::tests::{f, spawned};
        let sample = |procs: &[(i32, char, f32)]| {
            Event::Sample(Sample {
                cores: vec![100.0],
                procs: procs
                    .iter()
                    .map(|&(pid, state, cpu)| ProcSample {
                        pid,
                        ppid: 10,
                        state,
                        cpu,
                        rss_kb: 1,
                        core: 0,
                    })
                    .collect(),
            })
        };
        let sched = |procs: &[(i32, u64, u64)]| {
            Event::Sched(Sched {
                interval_us: 250_000,
                procs: procs
                    .iter()
                    .map(|&(pid, ran_us, waited_us)| ProcSched {
                        pid,
                        ran_us,
                        waited_us,
                    })
                    .collect(),
            })
        };
        let mut s = RunState::new();
        s.apply(&spawned(0, 10, 1, "main"));
        for pid in [11, 12, 13] {
            s.apply(&spawned(0, pid, 10, "worker"));
        }
        // A on a core, B queued for one, C asleep and idle.
        s.apply(&f(
            1000,
            0,
            sched(&[(11, 240_000, 5_000), (12, 40_000, 200_000), (13, 0, 0)]),
        ));
        s.apply(&f(
            1000,
            0,
            sample(&[(11, 'R', 96.0), (12, 'R', 16.0), (13, 'S', 0.0)]),
        ));
        assert!(s.sched_seen);
        // B waits for the lock A takes; C waits on a full queue.
        s.apply(&f(
            2000,
            11,
            Event::LockAcquired {
                lock: 0,
                waited_us: 0,
            },
        ));
        s.apply(&f(2000, 12, Event::LockWait { lock: 0 }));
        s.apply(&f(
            2000,
            13,
            Event::QueueBlocked {
                queue: 0,
                op: Op::Put,
            },
        ));
        // The kernel finds both asleep: they stay blocked.
        s.apply(&f(
            3000,
            0,
            sched(&[(11, 250_000, 0), (12, 0, 0), (13, 0, 0)]),
        ));
        s.apply(&f(
            3000,
            0,
            sample(&[(11, 'R', 99.0), (12, 'S', 0.0), (13, 'S', 0.0)]),
        ));
        s.apply(&f(4000, 11, Event::LockReleased { lock: 0 }));
        s.apply(&f(
            4000,
            12,
            Event::LockAcquired {
                lock: 0,
                waited_us: 2,
            },
        ));
        // No scheduler figures this time: R is drawn running. B was caught asleep but
        // busy since the last sample: it ran.
        s.apply(&f(
            5000,
            0,
            sample(&[(11, 'R', 5.0), (12, 'S', 60.0), (13, 'S', 0.0)]),
        ));
        s.apply(&f(
            6000,
            0,
            sample(&[(11, 'S', 0.0), (12, 'S', 0.0), (13, 'S', 0.0)]),
        ));
        let drawn = |pid: i32| -> String {
            let p = &s.procs[&pid];
            strip(&p.history, p.born, 0.0, 7.0, 7)
                .into_iter()
                .map(|a| a.map_or('_', Activity::glyph))
                .collect()
        };
        assert_eq!(drawn(11), "######.");
        // Once it has the lock, B is what the kernel last saw (asleep, idle) until the next
        // sample finds it busy.
        assert_eq!(drawn(12), "#+LL.#.");
        assert_eq!(drawn(13), "#.QQQQQ");
    }
}
