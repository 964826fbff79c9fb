//! The locks as the lock pane shows them: who holds each, who waits, how often it was
//! taken, and what the program calls it.

use std::collections::BTreeSet;

use super::RunState;
use super::timeline::Activity;

/// One lock's facts.
#[derive(Debug, Clone, Default)]
pub struct LockView {
    /// What the program calls it, when the probe could tell.
    pub name: Option<String>,
    pub holder: Option<i32>,
    pub waiters: BTreeSet<i32>,
    /// Acquisitions reported (at full speed this is a sample).
    pub acquisitions: u64,
}

impl RunState {
    /// What lock `id` is called in the words "doing" uses.
    fn lock_called(&self, id: u32) -> String {
        match self.locks.get(&id).and_then(|l| l.name.as_deref()) {
            Some(name) => name.to_string(),
            None => "the lock".into(),
        }
    }

    /// A process blocked in `acquire()`.
    pub(super) fn on_lock_wait(&mut self, pid: i32, at: f64, id: u32) {
        self.locks.entry(id).or_default().waiters.insert(pid);
        let what = format!("waiting for {}", self.lock_called(id));
        // Blocked in acquire(): it is past its gate and cannot take a step now.
        self.proc_mut(pid, at).step_point = None;
        self.set_activity(pid, at, Activity::BlockedLock, Some(what));
    }

    /// A process took the lock.
    pub(super) fn on_lock_acquired(&mut self, pid: i32, at: f64, id: u32) {
        let l = self.locks.entry(id).or_default();
        l.waiters.remove(&pid);
        l.holder = Some(pid);
        l.acquisitions += 1;
        let what = format!("holds {}", self.lock_called(id));
        self.proc_mut(pid, at).step_point = None;
        self.set_activity(pid, at, Activity::Running, Some(what));
    }

    /// A process let the lock go.
    pub(super) fn on_lock_released(&mut self, pid: i32, at: f64, id: u32) {
        let l = self.locks.entry(id).or_default();
        if l.holder == Some(pid) {
            l.holder = None;
        }
        let what = format!("released {}", self.lock_called(id));
        self.proc_mut(pid, at).step_point = None;
        self.set_activity(pid, at, Activity::Running, Some(what));
    }

    /// The program's name for a lock.
    pub(super) fn on_lock_named(&mut self, id: u32, name: &str) {
        self.locks.entry(id).or_default().name = Some(name.to_string());
    }

    /// A process that exited neither waits for a lock nor holds one any more.
    pub(super) fn lock_forget(&mut self, pid: i32) {
        for l in self.locks.values_mut() {
            l.waiters.remove(&pid);
            if l.holder == Some(pid) {
                l.holder = None;
            }
        }
    }

    /// True when the run took or waited for any lock.
    pub fn uses_locks(&self) -> bool {
        self.locks
            .values()
            .any(|l| l.acquisitions > 0 || l.holder.is_some() || !l.waiters.is_empty())
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
        assert_eq!(s.locks[&0].holder, Some(5));
        assert!(s.locks[&0].waiters.contains(&6));
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
        assert_eq!(s.locks[&0].holder, Some(6));
        assert!(s.locks[&0].waiters.is_empty());
        assert_eq!(s.locks[&0].acquisitions, 2);
        // The holder dying frees the lock in the picture.
        s.apply(&f(
            4,
            6,
            Event::Exited {
                status: ExitStatus::Signal(9),
            },
        ));
        assert_eq!(s.locks[&0].holder, None);
    }

    #[test]
    fn several_locks_are_kept_apart_under_their_names() {
        let mut s = RunState::new();
        s.apply(&f(
            0,
            1,
            Event::Named {
                kind: crate::engine::protocol::ObjectKind::Lock,
                id: 7,
                name: "left".into(),
            },
        ));
        s.apply(&f(
            1,
            5,
            Event::LockAcquired {
                lock: 7,
                waited_us: 0,
            },
        ));
        s.apply(&f(
            2,
            6,
            Event::LockAcquired {
                lock: 9,
                waited_us: 0,
            },
        ));
        s.apply(&f(3, 6, Event::LockWait { lock: 7 }));
        assert_eq!(s.locks[&7].holder, Some(5));
        assert_eq!(s.locks[&9].holder, Some(6));
        assert!(s.locks[&7].waiters.contains(&6));
        assert_eq!(s.locks[&7].name.as_deref(), Some("left"));
        assert_eq!(s.procs[&6].doing, "waiting for left");
        assert_eq!(s.procs[&5].doing, "holds left");
    }
}
