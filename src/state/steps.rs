//! Step mode's numbers: each process that waits at a step gate is chosen by a number that
//! stays the same for the whole run, its letter's place (A is 1, B is 2, main is 0), so
//! `2` means B whether B waits at its gate, blocks on the lock or runs.

use super::RunState;
use crate::engine::protocol::Role;

/// One entry of step mode's list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Steppable {
    /// The number that chooses it.
    pub number: usize,
    pub pid: i32,
    /// It waits at its gate now: a step lets it do its next operation.
    pub waiting: bool,
    /// It has ended: it will never wait again.
    pub ended: bool,
}

impl RunState {
    /// The number that chooses `pid` in step mode: 0 for main, then its letter's place
    /// (the same for the whole run). `None` for a process that has not announced itself.
    pub fn step_number(&self, pid: i32) -> Option<usize> {
        let p = self.procs.get(&pid)?;
        if p.role == Role::Main {
            return Some(0);
        }
        (p.order >= 1 && p.order < Self::PROVISIONAL).then_some(p.order)
    }

    /// The process step number `n` chooses.
    pub fn by_step_number(&self, n: usize) -> Option<i32> {
        self.procs
            .keys()
            .copied()
            .find(|&pid| self.step_number(pid) == Some(n))
    }

    /// Every process that has waited at a step gate in this run, by number: whether it
    /// waits now or not, it keeps its place and number.
    pub fn steppable(&self) -> Vec<Steppable> {
        let mut out: Vec<Steppable> = self
            .gated_seen
            .iter()
            .filter_map(|&pid| {
                let p = self.procs.get(&pid)?;
                Some(Steppable {
                    number: self.step_number(pid)?,
                    pid,
                    waiting: p.step_point.is_some() && p.exit.is_none(),
                    ended: p.exit.is_some(),
                })
            })
            .collect();
        out.sort_by_key(|s| s.number);
        out
    }
}

#[cfg(test)]
mod tests {
    use crate::engine::protocol::{Event, Op, Scalar};
    use crate::state::RunState;
    use crate::state::tests::{f, spawned};

    /// B keeps number 2 while A and B take turns at their gates and B blocks.
    #[test]
    fn numbers_stay_with_their_processes_while_they_block_and_unblock() {
        let mut s = RunState::new();
        s.apply(&spawned(0, 10, 1, "main"));
        s.apply(&spawned(0, 11, 10, "worker 0"));
        s.apply(&spawned(0, 12, 10, "worker 1"));
        let gate = |op| Event::StepPoint {
            op,
            detail: "next".into(),
        };
        let numbers = |s: &RunState| -> Vec<(usize, i32, bool)> {
            s.steppable()
                .iter()
                .map(|x| (x.number, x.pid, x.waiting))
                .collect()
        };
        // B reaches its gate first: it is still 2, not 1.
        s.apply(&f(1, 12, gate(Op::Acquire)));
        assert_eq!(numbers(&s), vec![(2, 12, true)]);
        s.apply(&f(2, 11, gate(Op::Acquire)));
        assert_eq!(numbers(&s), vec![(1, 11, true), (2, 12, true)]);
        // A takes the lock, B blocks on it: neither waits at a gate, both keep numbers.
        s.apply(&f(
            3,
            11,
            Event::LockAcquired {
                lock: 0,
                waited_us: 0,
            },
        ));
        s.apply(&f(4, 12, Event::LockWait { lock: 0 }));
        assert_eq!(numbers(&s), vec![(1, 11, false), (2, 12, false)]);
        assert!(s.gated().is_empty());
        s.apply(&f(5, 11, gate(Op::Read)));
        s.apply(&f(
            6,
            11,
            Event::SharedRead {
                name: "counter".into(),
                index: 0,
                value: Scalar::I32(0),
            },
        ));
        s.apply(&f(7, 11, Event::LockReleased { lock: 0 }));
        s.apply(&f(
            8,
            12,
            Event::LockAcquired {
                lock: 0,
                waited_us: 4,
            },
        ));
        s.apply(&f(9, 12, gate(Op::Read)));
        assert_eq!(numbers(&s), vec![(1, 11, false), (2, 12, true)]);
        assert_eq!(s.by_step_number(2), Some(12));
        assert_eq!(s.by_step_number(0), Some(10), "main is 0");
        assert_eq!(s.step_number(11), Some(1));
    }
}
