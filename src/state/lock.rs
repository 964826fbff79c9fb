//! The locks as the lock pane shows them: who holds each, who waits, how often it was
//! taken, and what the program calls it.

use std::collections::{BTreeMap, BTreeSet};

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

/// One link of a wait-for cycle: `pid` waits for `lock`, which `holder` holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WaitFor {
    pub pid: i32,
    pub lock: u32,
    pub holder: i32,
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
        self.note_deadlock();
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

    /// A timed `acquire()` gave up: the process no longer waits for the lock.
    pub(super) fn on_lock_gave_up(&mut self, pid: i32, at: f64, id: u32) {
        self.locks.entry(id).or_default().waiters.remove(&pid);
        let what = format!("gave up on {}", self.lock_called(id));
        self.proc_mut(pid, at).step_point = None;
        self.set_activity(pid, at, Activity::Running, Some(what));
    }

    /// The wait-for cycle among the locks now, if there is one: each process of it waits
    /// for a lock the next one holds, the last for one the first holds, so none of them
    /// can ever go on (a deadlock). Starts at the lowest PID of the cycle.
    pub fn wait_cycle(&self) -> Option<Vec<WaitFor>> {
        // Each waiter's edge: the lock it waits for and that lock's holder. A process
        // waits in one acquire() at a time; the lowest lock id wins if reports disagree.
        let mut edge: BTreeMap<i32, WaitFor> = BTreeMap::new();
        for (id, l) in &self.locks {
            let Some(holder) = l.holder else { continue };
            for &pid in &l.waiters {
                if pid != holder {
                    edge.entry(pid).or_insert(WaitFor {
                        pid,
                        lock: *id,
                        holder,
                    });
                }
            }
        }
        for &start in edge.keys() {
            let mut path: Vec<WaitFor> = Vec::new();
            let mut at = start;
            while let Some(e) = edge.get(&at) {
                if let Some(i) = path.iter().position(|w| w.pid == at) {
                    let mut cycle = path.split_off(i);
                    let low = (0..cycle.len()).min_by_key(|&k| cycle[k].pid).unwrap_or(0);
                    cycle.rotate_left(low);
                    return Some(cycle);
                }
                path.push(e.clone());
                at = e.holder;
            }
        }
        None
    }

    /// Note a deadlock the first time one forms, so it is still told after it was broken.
    fn note_deadlock(&mut self) {
        if self.deadlock_seen.is_none() {
            self.deadlock_seen = self.wait_cycle();
        }
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
    use crate::state::{Activity, RunState, WaitFor};

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

    /// Two processes, two locks taken in opposite order: 5 holds 1 and waits for 2, 6
    /// holds 2 and waits for 1.
    fn crossed() -> RunState {
        let mut s = RunState::new();
        let acquired = |lock| Event::LockAcquired { lock, waited_us: 0 };
        s.apply(&f(0, 5, acquired(1)));
        s.apply(&f(1, 6, acquired(2)));
        s.apply(&f(2, 5, Event::LockWait { lock: 2 }));
        s
    }

    #[test]
    fn two_locks_taken_in_opposite_order_make_a_wait_for_cycle() {
        let mut s = crossed();
        assert_eq!(s.wait_cycle(), None, "one waiter alone is no deadlock");
        assert!(s.deadlock_seen.is_none());
        s.apply(&f(3, 6, Event::LockWait { lock: 1 }));
        let want = vec![
            WaitFor {
                pid: 5,
                lock: 2,
                holder: 6,
            },
            WaitFor {
                pid: 6,
                lock: 1,
                holder: 5,
            },
        ];
        assert_eq!(s.wait_cycle(), Some(want.clone()));
        assert_eq!(s.deadlock_seen, Some(want));
    }

    #[test]
    fn a_timed_acquire_that_gives_up_breaks_the_cycle_and_the_deadlock_stays_told() {
        let mut s = crossed();
        s.apply(&f(3, 6, Event::LockWait { lock: 1 }));
        s.apply(&f(
            4,
            5,
            Event::SyncDone {
                kind: crate::engine::protocol::ObjectKind::Lock,
                id: 2,
                ok: false,
            },
        ));
        assert_eq!(s.wait_cycle(), None);
        assert!(!s.locks[&2].waiters.contains(&5));
        assert_eq!(s.procs[&5].doing, "gave up on the lock");
        s.apply(&f(5, 5, Event::LockReleased { lock: 1 }));
        s.apply(&f(
            6,
            6,
            Event::LockAcquired {
                lock: 1,
                waited_us: 4,
            },
        ));
        assert_eq!(s.wait_cycle(), None);
        assert!(s.deadlock_seen.is_some(), "the run showed one");
    }

    #[test]
    fn waiting_in_a_chain_without_a_cycle_is_no_deadlock() {
        let mut s = crossed();
        // 7 waits for 1 (held by 5), 5 waits for 2 (held by 6), 6 waits for nothing.
        s.apply(&f(3, 7, Event::LockWait { lock: 1 }));
        assert_eq!(s.wait_cycle(), None);
        assert!(s.deadlock_seen.is_none());
    }
}
