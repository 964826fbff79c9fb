//! Shared memory as the shared-memory pane shows it (each cell's value and last writer),
//! and the counter the lock and Manager lessons race on.

use crate::engine::protocol::{Outcome, Scalar};

use super::RunState;
use super::timeline::Activity;

/// One shared-memory cell.
#[derive(Debug, Clone, Copy)]
pub struct Cell {
    pub value: Scalar,
    pub writer: i32,
    /// Run seconds of the last write, for the flash.
    pub at: f64,
}

impl RunState {
    /// A process read a shared value.
    pub(super) fn on_shared_read(&mut self, pid: i32, at: f64, name: &str, value: Scalar) {
        self.proc_mut(pid, at).step_point = None;
        self.set_activity(
            pid,
            at,
            Activity::Running,
            Some(format!("read {name} = {value}")),
        );
    }

    /// A process wrote `name[index]`.
    pub(super) fn on_shared_write(
        &mut self,
        pid: i32,
        at: f64,
        name: &str,
        index: u32,
        value: Scalar,
    ) {
        let cells = self.shared.entry(name.to_string()).or_default();
        let i = index as usize;
        if i < 4096 {
            if cells.len() <= i {
                cells.resize(i + 1, None);
            }
            cells[i] = Some(Cell {
                value,
                writer: pid,
                at,
            });
        }
        // A Python lesson's counter is its demo.py's one Value; in a student's own
        // program a Value is just a cell (shown in the shared-memory pane).
        let python_counter = name.starts_with("Value(")
            && matches!(self.demo.as_str(), "lock" | "shared" | "manager");
        if name == "counter" || name == "d['count']" || python_counter {
            self.counter_seen = Some(value);
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

    /// Expected and actual counter, once the lock demo reports them.
    pub fn counter(&self) -> Option<(i64, i64, bool)> {
        self.counters().into_iter().next()
    }

    /// Every counter result the run reported, in order: a native demo reports one, a
    /// program may print several (the Manager lesson's, lock off then on).
    pub fn counters(&self) -> Vec<(i64, i64, bool)> {
        self.outcomes
            .iter()
            .filter_map(|o| match o {
                Outcome::Counter {
                    expected,
                    actual,
                    locked,
                } => Some((*expected, *actual, *locked)),
                _ => None,
            })
            .collect()
    }

    /// True while the counter is being written with no result reported for those
    /// writes yet (a program's next round after its first result, say).
    pub fn counter_live(&self) -> bool {
        self.counter_seen.is_some() && self.counter_writes > self.counter_writes_reported
    }
}
