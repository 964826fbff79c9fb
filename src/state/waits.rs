//! Waits the run's events announce besides locks, queues and synchronisation objects: a
//! `join()` on a child that has not ended, a `recv()` with nothing sent yet. The timeline
//! draws them as blocked, not as sleeping.

use super::RunState;
use super::timeline::Activity;

impl RunState {
    /// `pid` waits in `join()` for `child`.
    pub(super) fn on_join_wait(&mut self, pid: i32, at: f64, child: i32) {
        self.joining.insert(pid, child);
        self.proc_mut(pid, at).step_point = None;
        // Words course::words knows, so the Chinese screen says it too.
        let what = format!("waiting for child {child}");
        self.set_activity(pid, at, Activity::BlockedJoin, Some(what));
    }

    /// `child` ended: whoever joined it goes on.
    pub(super) fn on_joined(&mut self, child: i32, at: f64) {
        self.joining.remove(&child);
        let joiners: Vec<i32> = self
            .joining
            .iter()
            .filter(|(_, c)| **c == child)
            .map(|(p, _)| *p)
            .collect();
        for pid in joiners {
            self.joining.remove(&pid);
            let what = format!("done waiting for child {child}");
            self.set_activity(pid, at, Activity::Running, Some(what));
        }
    }

    /// `pid` waits in `conn.recv()`; its [`crate::engine::protocol::Event::PipeRecv`]
    /// ends the wait.
    pub(super) fn on_recv_wait(&mut self, pid: i32, at: f64, conn: &str) {
        self.proc_mut(pid, at).step_point = None;
        let what = format!("waiting on {conn}.recv()");
        self.set_activity(pid, at, Activity::BlockedPipe, Some(what));
    }
}

#[cfg(test)]
mod tests {
    use crate::engine::protocol::{Event, ExitStatus, ProcSample, Sample};
    use crate::state::tests::{f, spawned};
    use crate::state::{Activity, RunState};

    #[test]
    fn a_join_blocks_until_the_child_ends_and_a_recv_until_it_receives() {
        let mut s = RunState::new();
        s.apply(&spawned(0, 10, 1, "main"));
        s.apply(&spawned(0, 11, 10, "child"));
        s.apply(&f(1, 10, Event::JoinWait { child: 11 }));
        s.apply(&f(1, 11, Event::RecvWait { conn: "r".into() }));
        // Asleep and idle in the kernel, but the events say why: blocked, not sleeping.
        s.apply(&f(
            2,
            0,
            Event::Sample(Sample {
                cores: vec![0.0],
                procs: [10, 11]
                    .map(|pid| ProcSample {
                        pid,
                        ppid: 1,
                        state: 'S',
                        cpu: 0.0,
                        rss_kb: 1,
                        core: 0,
                    })
                    .to_vec(),
            }),
        ));
        assert_eq!(s.procs[&10].activity, Activity::BlockedJoin);
        assert_eq!(s.procs[&11].activity, Activity::BlockedPipe);
        s.apply(&f(
            3,
            11,
            Event::PipeRecv {
                conn: "r".into(),
                item: None,
            },
        ));
        assert_ne!(s.procs[&11].activity, Activity::BlockedPipe);
        s.apply(&f(
            4,
            11,
            Event::Exited {
                status: ExitStatus::Code(0),
            },
        ));
        assert_ne!(s.procs[&10].activity, Activity::BlockedJoin);
        assert_eq!(s.procs[&10].doing, "done waiting for child 11");
        assert_eq!(
            crate::course::words::doing(&s.procs[&10].doing, true),
            "子进程已结束：11"
        );
    }
}
