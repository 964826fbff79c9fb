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
        let h = [(1.0, Running), (3.4, BlockedLock), (5.6, Sleeping), (7.0, Exited)];
        assert_eq!(drawn(&h, 1.0, 9), "_##LLL.  ");
        // Born in the middle of a column: the column is its once it lived most of it.
        assert_eq!(drawn(&[(1.4, Runnable)], 1.4, 3), "_++");
        assert_eq!(drawn(&[(1.6, Runnable)], 1.6, 3), "__+");
        // A blink shorter than half a column does not take the column.
        let h = [(0.0, Running), (2.1, Stopped), (2.3, Running)];
        assert_eq!(drawn(&h, 0.0, 4), "####");
    }
}
