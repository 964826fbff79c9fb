//! The lock as the lock pane shows it: who holds it, who waits, how often it was taken.

use std::collections::BTreeSet;

use super::RunState;
use super::timeline::Activity;

/// The lock pane's facts.
#[derive(Debug, Clone, Default)]
pub struct LockView {
    pub holder: Option<i32>,
    pub waiters: BTreeSet<i32>,
    /// Acquisitions reported (at full speed this is a sample).
    pub acquisitions: u64,
}

impl RunState {
    /// A process blocked in `acquire()`.
    pub(super) fn on_lock_wait(&mut self, pid: i32, at: f64) {
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

    /// A process took the lock.
    pub(super) fn on_lock_acquired(&mut self, pid: i32, at: f64) {
        self.lock.waiters.remove(&pid);
        self.lock.holder = Some(pid);
        self.lock.acquisitions += 1;
        self.proc_mut(pid, at).step_point = None;
        self.set_activity(pid, at, Activity::Running, Some("holds the lock".into()));
    }

    /// A process let the lock go.
    pub(super) fn on_lock_released(&mut self, pid: i32, at: f64) {
        if self.lock.holder == Some(pid) {
            self.lock.holder = None;
        }
        self.proc_mut(pid, at).step_point = None;
        self.set_activity(pid, at, Activity::Running, Some("released the lock".into()));
    }

    /// A process that exited neither waits for the lock nor holds it any more.
    pub(super) fn lock_forget(&mut self, pid: i32) {
        self.lock.waiters.remove(&pid);
        if self.lock.holder == Some(pid) {
            self.lock.holder = None;
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::engine::protocol::{Event, ExitStatus};
    use crate::state::tests::f;
    use crate::state::{Activity, RunState};

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
}
