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
