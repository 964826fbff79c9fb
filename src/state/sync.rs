//! Synchronisation objects a program uses besides locks: Events, Semaphores, Barriers,
//! Conditions and JoinableQueues' join(): who waits on each, and what was done to it last.

use std::collections::BTreeSet;

use crate::engine::protocol::ObjectKind;

use super::RunState;
use super::timeline::Activity;

/// One synchronisation object.
#[derive(Debug, Clone)]
pub struct SyncView {
    pub kind: ObjectKind,
    /// What the program calls it, when the probe could tell.
    pub name: Option<String>,
    pub waiters: BTreeSet<i32>,
    /// The last thing done to it and by whom ("set" by pid 12).
    pub last: Option<(i32, String)>,
    /// A Semaphore: the processes holding one of its slots now.
    pub holders: BTreeSet<i32>,
    /// A Semaphore: the most slots held at once so far.
    pub max_held: usize,
    /// Waits that began on it.
    pub waits: u64,
}

impl SyncView {
    /// `pid` took one of a Semaphore's slots.
    fn hold(&mut self, pid: i32) {
        self.holders.insert(pid);
        self.max_held = self.max_held.max(self.holders.len());
    }
}

impl RunState {
    fn sync_mut(&mut self, kind: ObjectKind, id: u32) -> &mut SyncView {
        self.sync.entry(id).or_insert_with(|| SyncView {
            kind,
            name: None,
            waiters: BTreeSet::new(),
            last: None,
            holders: BTreeSet::new(),
            max_held: 0,
            waits: 0,
        })
    }

    /// How the words call object `id`: its name and class ("done (Event)").
    pub fn sync_called(&self, id: u32) -> String {
        match self.sync.get(&id) {
            Some(s) => match &s.name {
                Some(n) => format!("{n} ({})", s.kind.class()),
                None => format!("a {} ({id})", s.kind.class()),
            },
            None => format!("object {id}"),
        }
    }

    /// The program's name for an object.
    pub(super) fn on_sync_named(&mut self, kind: ObjectKind, id: u32, name: &str) {
        self.sync_mut(kind, id).name = Some(name.to_string());
    }

    /// A process began to wait on an object.
    pub(super) fn on_sync_wait(&mut self, pid: i32, at: f64, kind: ObjectKind, id: u32) {
        let s = self.sync_mut(kind, id);
        s.waiters.insert(pid);
        s.waits += 1;
        let what = format!("waiting on {}", self.sync_called(id));
        self.proc_mut(pid, at).step_point = None;
        self.set_activity(pid, at, Activity::BlockedSync, Some(what));
    }

    /// It stopped waiting.
    pub(super) fn on_sync_done(&mut self, pid: i32, at: f64, kind: ObjectKind, id: u32, ok: bool) {
        let s = self.sync_mut(kind, id);
        s.waiters.remove(&pid);
        // Passing a Barrier or getting a Semaphore slot is the news on those (an Event's
        // or a Condition's is who set or notified it, which stays).
        let did = match kind {
            ObjectKind::Barrier => Some("wait"),
            ObjectKind::Semaphore => Some("acquire"),
            _ => None,
        };
        if let (true, Some(did)) = (ok, did) {
            s.last = Some((pid, did.to_string()));
        }
        if ok && kind == ObjectKind::Semaphore {
            s.hold(pid);
        }
        let what = if ok {
            format!("done waiting on {}", self.sync_called(id))
        } else {
            format!("gave up on {}", self.sync_called(id))
        };
        self.set_activity(pid, at, Activity::Running, Some(what));
    }

    /// It set, cleared, released or notified an object.
    pub(super) fn on_sync_action(
        &mut self,
        pid: i32,
        at: f64,
        kind: ObjectKind,
        id: u32,
        action: &str,
    ) {
        let s = self.sync_mut(kind, id);
        s.last = Some((pid, action.to_string()));
        match (kind, action) {
            (ObjectKind::Semaphore, "acquire") => s.hold(pid),
            (ObjectKind::Semaphore, "release") => {
                s.holders.remove(&pid);
            }
            _ => {}
        }
        let what = format!("{}.{action}()", self.sync_called(id));
        self.set_activity(pid, at, Activity::Running, Some(what));
    }

    /// A process that ended waits on nothing any more.
    pub(super) fn sync_forget(&mut self, pid: i32) {
        for s in self.sync.values_mut() {
            s.waiters.remove(&pid);
            s.holders.remove(&pid);
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::engine::protocol::{Event, ObjectKind};
    use crate::state::tests::f;
    use crate::state::{Activity, RunState};

    #[test]
    fn a_barrier_all_passed_and_a_semaphore_taken_at_once_are_not_untouched() {
        let mut s = RunState::new();
        for pid in [5, 6] {
            s.apply(&f(
                1,
                pid,
                Event::SyncWait {
                    kind: ObjectKind::Barrier,
                    id: 1,
                },
            ));
        }
        s.apply(&f(
            2,
            6,
            Event::SyncDone {
                kind: ObjectKind::Barrier,
                id: 1,
                ok: true,
            },
        ));
        assert_eq!(s.sync[&1].last, Some((6, "wait".to_string())));
        assert_eq!(s.sync[&1].waiters.iter().copied().collect::<Vec<_>>(), [5]);
        s.apply(&f(
            3,
            7,
            Event::SyncAction {
                kind: ObjectKind::Semaphore,
                id: 2,
                action: "acquire".into(),
            },
        ));
        assert_eq!(s.sync[&2].last, Some((7, "acquire".to_string())));
    }

    #[test]
    fn waiters_on_an_event_are_kept_until_it_is_set() {
        let mut s = RunState::new();
        let named = Event::Named {
            kind: ObjectKind::Event,
            id: 4,
            name: "ready".into(),
        };
        s.apply(&f(0, 1, named));
        for pid in [5, 6] {
            s.apply(&f(
                1,
                pid,
                Event::SyncWait {
                    kind: ObjectKind::Event,
                    id: 4,
                },
            ));
        }
        assert_eq!(s.sync[&4].waiters.len(), 2);
        assert_eq!(s.procs[&5].activity, Activity::BlockedSync);
        assert_eq!(s.procs[&5].doing, "waiting on ready (Event)");
        s.apply(&f(
            2,
            1,
            Event::SyncAction {
                kind: ObjectKind::Event,
                id: 4,
                action: "set".into(),
            },
        ));
        s.apply(&f(
            3,
            5,
            Event::SyncDone {
                kind: ObjectKind::Event,
                id: 4,
                ok: true,
            },
        ));
        assert_eq!(
            s.sync[&4].waiters.iter().copied().collect::<Vec<_>>(),
            vec![6]
        );
        assert_eq!(s.sync[&4].last, Some((1, "set".into())));
        assert_eq!(s.procs[&5].activity, Activity::Running);
    }

    #[test]
    fn a_semaphore_knows_who_holds_its_slots_and_the_most_held_at_once() {
        let mut s = RunState::new();
        let sem = ObjectKind::Semaphore;
        let act = |action: &str| Event::SyncAction {
            kind: sem,
            id: 2,
            action: action.into(),
        };
        s.apply(&f(0, 5, act("acquire")));
        s.apply(&f(1, 6, act("acquire")));
        s.apply(&f(2, 7, Event::SyncWait { kind: sem, id: 2 }));
        s.apply(&f(3, 5, act("release")));
        s.apply(&f(
            4,
            7,
            Event::SyncDone {
                kind: sem,
                id: 2,
                ok: true,
            },
        ));
        let v = &s.sync[&2];
        assert_eq!(v.holders.iter().copied().collect::<Vec<_>>(), [6, 7]);
        assert_eq!(v.max_held, 2);
        assert_eq!(v.waits, 1);
    }
}
