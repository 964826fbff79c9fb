//! Pool tasks as the pool pane shows them: which worker ran each, and the order they
//! were submitted, completed and delivered in.

use super::RunState;
use super::timeline::Activity;

/// One pool task.
#[derive(Debug, Clone, Default)]
pub struct Task {
    pub arg: i64,
    pub submitted: Option<u32>,
    pub pid: Option<i32>,
    pub done: Option<i64>,
    /// Position in completion order.
    pub completed: Option<u32>,
    /// Position in which the caller received it.
    pub delivered: Option<u32>,
}

impl RunState {
    /// The caller handed a task to the pool.
    pub(super) fn on_task_submitted(&mut self, task: u32, arg: i64) {
        let t = self.task_mut(task);
        t.arg = arg;
        t.submitted = Some(task);
    }

    /// A worker started a task.
    pub(super) fn on_task_started(&mut self, pid: i32, at: f64, task: u32, arg: i64) {
        let t = self.task_mut(task);
        t.arg = arg;
        t.pid = Some(pid);
        self.proc_mut(pid, at).step_point = None;
        // The native pool squares; a Python program's function is its own.
        let doing = if self.demo == "pool" && !self.python_run() {
            format!("square({arg})")
        } else {
            format!("task {arg}")
        };
        self.set_activity(pid, at, Activity::Running, Some(doing));
    }

    /// A worker finished a task.
    pub(super) fn on_task_done(&mut self, pid: i32, at: f64, task: u32, result: i64) {
        let n = self.completions;
        self.completions += 1;
        let t = self.task_mut(task);
        t.done = Some(result);
        t.completed = Some(n);
        t.pid.get_or_insert(pid);
        self.set_activity(
            pid,
            at,
            Activity::Running,
            Some(format!("returned {result}")),
        );
    }

    /// The caller received a task's result, `position`th.
    pub(super) fn on_result_delivered(&mut self, task: u32, position: u32) {
        self.task_mut(task).delivered = Some(position);
    }

    fn task_mut(&mut self, task: u32) -> &mut Task {
        // Rows in first-seen order, whatever the ids (a Python pool's are sparse); at
        // most 100 000 rows, the pool demo's own limit.
        let next = self.task_rows.len().min(99_999);
        let i = *self.task_rows.entry(task).or_insert(next);
        if self.tasks.len() <= i {
            self.tasks.resize(i + 1, Task::default());
        }
        &mut self.tasks[i]
    }
}

#[cfg(test)]
mod tests {
    use crate::engine::protocol::Event;
    use crate::state::RunState;
    use crate::state::tests::f;

    #[test]
    fn pool_tasks_record_worker_completion_and_delivery_order() {
        let mut s = RunState::new();
        for t in 0..3 {
            s.apply(&f(
                0,
                1,
                Event::TaskSubmitted {
                    task: t,
                    arg: t as i64,
                },
            ));
        }
        s.apply(&f(1, 20, Event::TaskStarted { task: 0, arg: 0 }));
        s.apply(&f(1, 21, Event::TaskStarted { task: 1, arg: 1 }));
        s.apply(&f(2, 21, Event::TaskDone { task: 1, result: 1 }));
        s.apply(&f(3, 20, Event::TaskDone { task: 0, result: 0 }));
        s.apply(&f(
            4,
            1,
            Event::ResultDelivered {
                task: 1,
                result: 1,
                position: 0,
            },
        ));
        assert_eq!(s.tasks.len(), 3);
        assert_eq!(s.tasks[1].pid, Some(21));
        assert_eq!(s.tasks[1].completed, Some(0));
        assert_eq!(s.tasks[0].completed, Some(1));
        assert_eq!(s.tasks[1].delivered, Some(0));
        assert_eq!(s.tasks[2].pid, None, "submitted, not started");
    }
}
