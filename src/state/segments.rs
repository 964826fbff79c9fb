//! A program's `multiprocessing.shared_memory` segments: who created, attached, closed
//! and unlinked each, its first bytes as proclab last read them, and whether it leaked.

use std::collections::BTreeSet;

use crate::engine::protocol::ShmOp;

use super::RunState;
use super::timeline::Activity;

/// One shared memory segment.
#[derive(Debug, Clone, Default)]
pub struct Segment {
    pub size: u64,
    pub created_by: Option<i32>,
    /// Processes that attached it by name, and those that closed their mapping.
    pub attached: BTreeSet<i32>,
    pub closed: BTreeSet<i32>,
    pub unlinked_by: Option<i32>,
    /// Its first bytes, read from /dev/shm by proclab.
    pub head: Vec<u8>,
    /// Never unlinked by the program.
    pub leaked: bool,
    /// proclab removed it from /dev/shm after the run (else the resource tracker had).
    pub removed_by_proclab: bool,
    /// Its values, when it holds a ShareableList (decoded by proclab from its bytes).
    pub list: Option<Vec<String>>,
}

impl RunState {
    /// A process created, attached, closed or unlinked a segment.
    pub(super) fn on_shm(&mut self, pid: i32, at: f64, name: &str, op: ShmOp, size: u64) {
        let s = self.segments.entry(name.to_string()).or_default();
        if size > 0 {
            s.size = size;
        }
        match op {
            ShmOp::Create => s.created_by = Some(pid),
            ShmOp::Attach => {
                s.attached.insert(pid);
            }
            ShmOp::Close => {
                s.closed.insert(pid);
            }
            ShmOp::Unlink => s.unlinked_by = Some(pid),
        }
        let what = format!(
            "{} shared memory {name}",
            crate::engine::protocol::words::shm_verb(op)
        );
        self.set_activity(pid, at, Activity::Running, Some(what));
    }

    /// proclab read a segment's first bytes.
    pub(super) fn on_shm_bytes(&mut self, name: &str, head: &[u8]) {
        self.segments.entry(name.to_string()).or_default().head = head.to_vec();
    }

    /// proclab read a ShareableList's values.
    pub(super) fn on_shareable_list(&mut self, name: &str, values: &[String]) {
        self.segments.entry(name.to_string()).or_default().list = Some(values.to_vec());
    }

    /// A segment was never unlinked; `removed`: proclab removed it.
    pub(super) fn on_shm_leak(&mut self, name: &str, removed: bool) {
        let s = self.segments.entry(name.to_string()).or_default();
        s.leaked = true;
        s.removed_by_proclab = removed;
    }
}
