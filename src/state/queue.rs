//! The queue as the queue pane shows it: items in FIFO order with their producers, and
//! who is blocked on a full or empty queue.

use crate::engine::protocol::Op;

use super::RunState;
use super::timeline::Activity;

/// Items of a queue kept as chips; the pane shows fewer, and a flood can put millions.
pub const QUEUE_CHIPS: usize = 1024;

/// A queued item as the queue pane shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct QueueItem {
    pub item: String,
    pub producer: i32,
}

impl RunState {
    /// `q.put(item)` returned; `size` is the queue's size the program reported.
    pub(super) fn on_queue_put(&mut self, pid: i32, at: f64, item: &str, size: i32) {
        // Kept chips are always the queue's front: once one item is hidden, the later
        // ones are too, until the hidden ones have been got.
        if self.queue.len() < QUEUE_CHIPS && self.queue_hidden == 0 {
            self.queue.push_back(QueueItem {
                item: item.to_string(),
                producer: pid,
            });
        } else {
            self.queue_hidden += 1;
        }
        self.trim_queue(size);
        self.queue_puts += 1;
        self.queue_blocked.remove(&pid);
        self.proc_mut(pid, at).step_point = None;
        self.set_activity(pid, at, Activity::Running, Some(format!("q.put({item})")));
    }

    /// `q.get()` returned `item`, put by `producer` (0 when unknown).
    pub(super) fn on_queue_get(&mut self, pid: i32, at: f64, item: &str, producer: i32, size: i32) {
        if let Some(i) = self
            .queue
            .iter()
            .position(|q| q.item == item && (q.producer == producer || producer == 0))
        {
            self.queue.remove(i);
        } else if self.queue.is_empty() {
            self.queue_hidden = self.queue_hidden.saturating_sub(1);
        }
        self.trim_queue(size);
        self.queue_gets += 1;
        self.queue_blocked.remove(&pid);
        self.proc_mut(pid, at).step_point = None;
        self.set_activity(
            pid,
            at,
            Activity::Running,
            Some(format!("q.get() -> {item}")),
        );
    }

    /// A put found the queue full, or a get found it empty.
    pub(super) fn on_queue_blocked(&mut self, pid: i32, at: f64, op: Op) {
        self.queue_blocked.insert(pid, op);
        let what = if op == Op::Put {
            "q.put() blocked: full"
        } else {
            "q.get() blocked: empty"
        };
        self.set_activity(pid, at, Activity::BlockedQueue, Some(what.into()));
    }

    /// The queue's real size, when an event tells it: chips beyond it are items whose get
    /// was not reported (a busy program's reports are sampled) or not recognised.
    fn trim_queue(&mut self, size: i32) {
        if let Ok(size) = u64::try_from(size) {
            while self.queue.len() as u64 + self.queue_hidden > size {
                if self.queue.pop_front().is_none() {
                    self.queue_hidden = size;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::engine::protocol::Event;
    use crate::state::RunState;
    use crate::state::tests::f;

    #[test]
    fn the_queue_holds_what_was_put_and_not_yet_got() {
        let mut s = RunState::new();
        let put = |t, pid, item: &str| {
            f(
                t,
                pid,
                Event::QueuePut {
                    queue: 0,
                    item: item.into(),
                    seq: 0,
                    size: t as i32 + 1,
                },
            )
        };
        s.apply(&put(0, 5, "p0#0"));
        s.apply(&put(1, 6, "p1#0"));
        s.apply(&put(2, 5, "p0#1"));
        s.apply(&f(
            3,
            7,
            Event::QueueGet {
                queue: 0,
                item: "p0#0".into(),
                seq: 0,
                producer: 5,
                size: 2,
            },
        ));
        let left: Vec<&str> = s.queue.iter().map(|q| q.item.as_str()).collect();
        assert_eq!(left, vec!["p1#0", "p0#1"]);
        assert_eq!(s.queue[0].producer, 6, "chips remember their producer");
        // A get whose item is not recognised still leaves no more chips than the size.
        s.apply(&f(
            4,
            7,
            Event::QueueGet {
                queue: 0,
                item: "<object at 0x7f>".into(),
                seq: 0,
                producer: 0,
                size: 1,
            },
        ));
        let left: Vec<&str> = s.queue.iter().map(|q| q.item.as_str()).collect();
        assert_eq!(left, vec!["p0#1"], "the oldest goes first");
    }
}
