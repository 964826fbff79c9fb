//! Pool tasks as the pool pane shows them: which worker ran each, and the order they
//! were submitted, completed and delivered in.

use super::RunState;
use super::timeline::Activity;

/// One pool task.
#[derive(Debug, Clone, Default)]
pub struct Task {
    /// A preview of its argument.
    pub arg: String,
    pub submitted: Option<u32>,
    pub pid: Option<i32>,
    /// A preview of its result, or of the exception it raised.
    pub done: Option<String>,
    /// It raised an exception (`done` says which).
    pub raised: bool,
    /// Position in completion order.
    pub completed: Option<u32>,
    /// Position in which the caller received it.
    pub delivered: Option<u32>,
}

impl RunState {
    /// The caller handed a task to the pool.
    pub(super) fn on_task_submitted(&mut self, task: u32, arg: &str) {
        let t = self.task_mut(task);
        t.arg = arg.to_string();
        t.submitted = Some(task);
    }

    /// A worker started a task.
    pub(super) fn on_task_started(&mut self, pid: i32, at: f64, task: u32, arg: &str) {
        let t = self.task_mut(task);
        t.arg = arg.to_string();
        t.pid = Some(pid);
        self.proc_mut(pid, at).step_point = None;
        // The native pool squares, except in mode pinned, where each task sleeps like
        // the tutorial's; a Python program's function is its own.
        let native = self.demo == "pool" && !self.python_run();
        let pinned = native
            && self
                .params
                .iter()
                .any(|(k, v)| k == "mode" && v == "pinned");
        let (activity, doing) = if pinned {
            (Activity::Sleeping, format!("task({arg}): sleep"))
        } else if native {
            (Activity::Running, format!("square({arg})"))
        } else {
            (Activity::Running, format!("task({arg})"))
        };
        self.set_activity(pid, at, activity, Some(doing));
    }

    /// A worker finished a task.
    pub(super) fn on_task_done(
        &mut self,
        pid: i32,
        at: f64,
        task: u32,
        result: &str,
        raised: bool,
    ) {
        let n = self.completions;
        self.completions += 1;
        let main = self.main_pid;
        let t = self.task_mut(task);
        t.done = Some(result.to_string());
        t.raised = raised;
        t.completed = Some(n);
        // The pool's own process ends a task that never started when the pool breaks
        // (BrokenProcessPool): no worker ran it, so none is named.
        if pid != main {
            t.pid.get_or_insert(pid);
        }
        let doing = if raised {
            format!("raised {result}")
        } else {
            format!("returned {result}")
        };
        self.set_activity(pid, at, Activity::Running, Some(doing));
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
                    arg: t.to_string(),
                },
            ));
        }
        let started = |task: u32| Event::TaskStarted {
            task,
            arg: task.to_string(),
        };
        let done = |task: u32, result: &str, raised: bool| Event::TaskDone {
            task,
            result: result.into(),
            raised,
        };
        s.apply(&f(1, 20, started(0)));
        s.apply(&f(1, 21, started(1)));
        s.apply(&f(2, 21, done(1, "(1, 'w1')", false)));
        s.apply(&f(3, 20, done(0, "ValueError: zero", true)));
        s.apply(&f(
            4,
            1,
            Event::ResultDelivered {
                task: 1,
                result: "(1, 'w1')".into(),
                position: 0,
            },
        ));
        assert_eq!(s.tasks.len(), 3);
        assert_eq!(s.tasks[1].pid, Some(21));
        assert_eq!(s.tasks[1].completed, Some(0));
        assert_eq!(s.tasks[0].completed, Some(1));
        assert_eq!(s.tasks[1].delivered, Some(0));
        assert_eq!(s.tasks[2].pid, None, "submitted, not started");
        assert_eq!(
            s.tasks[1].done.as_deref(),
            Some("(1, 'w1')"),
            "any result, as text"
        );
        assert!(s.tasks[0].raised && !s.tasks[1].raised);
        assert_eq!(s.procs[&20].doing, "raised ValueError: zero");
    }

    #[test]
    fn a_task_failed_by_a_broken_pool_before_it_started_names_no_worker() {
        let mut s = RunState::new();
        s.apply(&f(
            0,
            1,
            Event::RunStarted {
                demo: "executor".into(),
                params: vec![],
                runner_pid: 0,
                main_pid: 1,
            },
        ));
        for t in 0..2 {
            s.apply(&f(
                1,
                1,
                Event::TaskSubmitted {
                    task: t,
                    arg: t.to_string(),
                },
            ));
        }
        s.apply(&f(
            2,
            20,
            Event::TaskStarted {
                task: 0,
                arg: "0".into(),
            },
        ));
        // The worker running task 0 dies; the pool's process fails both futures.
        for t in 0..2 {
            s.apply(&f(
                3,
                1,
                Event::TaskDone {
                    task: t,
                    result: "BrokenProcessPool: ...".into(),
                    raised: true,
                },
            ));
        }
        assert_eq!(s.tasks[0].pid, Some(20), "the worker that was running it");
        assert_eq!(s.tasks[1].pid, None, "never ran anywhere");
        assert!(s.tasks.iter().all(|t| t.raised));
    }
}
