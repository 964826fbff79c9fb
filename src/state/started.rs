//! The start methods table of a Python program's run: each `multiprocessing` child as
//! the probe saw it start (its method, its parent, its time from `start()` to its own
//! code). A native run's children report their rows themselves.

use crate::engine::protocol::{Outcome, StartRow};

use super::{OutKind, RunState};

impl RunState {
    /// One row per child: the native demo's own rows, else each Python Process whose
    /// start the probe timed, in row order.
    pub fn start_rows(&self) -> Vec<StartRow> {
        let native: Vec<StartRow> = self
            .outcomes
            .iter()
            .flat_map(|o| match o {
                Outcome::StartMethods { rows } => rows.clone(),
                _ => vec![],
            })
            .collect();
        if !native.is_empty() {
            return native;
        }
        self.rows()
            .into_iter()
            .filter_map(|p| {
                let latency_us = *self.start_latency.get(&p.pid)?;
                let method = self.start_methods.get(&p.pid)?.clone();
                let parent = if p.ppid == self.main_pid {
                    "main".to_string()
                } else {
                    self.procs
                        .get(&p.ppid)
                        .map_or_else(|| format!("pid {}", p.ppid), |q| q.label.clone())
                };
                Some(StartRow {
                    method,
                    pid: p.pid,
                    ppid: p.ppid,
                    parent,
                    latency_us,
                    config: self.config_printed(p.pid).unwrap_or_default(),
                })
            })
            .collect()
    }

    /// The value of `CONFIG` a process printed itself (`... CONFIG = 'default'`), as the
    /// start methods lesson's program prints it; none if it printed none.
    fn config_printed(&self, pid: i32) -> Option<String> {
        self.output
            .iter()
            .filter(|(p, kind, _)| *p == pid && *kind == OutKind::Stdout)
            .find_map(|(_, _, line)| {
                let (_, after) = line.split_once("CONFIG = ")?;
                let v = after.trim();
                let v = v
                    .strip_prefix('\'')
                    .and_then(|v| v.split_once('\''))
                    .map_or(v, |(inner, _)| inner);
                Some(v.to_string())
            })
    }
}

#[cfg(test)]
mod tests {
    use crate::engine::protocol::{Event, Role, Stream};
    use crate::state::RunState;
    use crate::state::tests::f;

    fn child(s: &mut RunState, t: u64, pid: i32, ppid: i32, label: &str, method: &str) {
        s.apply(&f(
            t,
            pid,
            Event::Spawned {
                ppid,
                role: Role::Worker,
                label: label.into(),
                start_method: method.into(),
            },
        ));
    }

    #[test]
    fn python_children_fill_the_table_with_their_method_parent_and_measured_start() {
        let mut s = RunState::new();
        s.apply(&f(
            0,
            10,
            Event::RunStarted {
                demo: "start".into(),
                params: vec![("runner".into(), "python".into())],
                runner_pid: 1,
                main_pid: 10,
            },
        ));
        s.apply(&crate::state::tests::spawned(0, 10, 1, "main"));
        child(&mut s, 1, 11, 10, "fork()", "fork");
        child(&mut s, 2, 11, 10, "ForkProcess-1", "fork");
        s.apply(&f(3, 11, Event::ProcessStarted { latency_us: 2500 }));
        s.apply(&f(
            4,
            11,
            Event::Output {
                stream: Stream::Stdout,
                line: "fork: pid 11, ppid 10 (main), CONFIG = 'changed by main'".into(),
            },
        ));
        child(&mut s, 5, 12, 10, "forkserver", "exec");
        // A forkserver's child: forked there, then its Process names its method.
        child(&mut s, 6, 13, 12, "fork()", "fork");
        child(&mut s, 7, 13, 12, "ForkServerProcess-2", "forkserver");
        s.apply(&f(8, 13, Event::ProcessStarted { latency_us: 90_000 }));
        let rows = s.start_rows();
        let got: Vec<(&str, i32, &str, u64, &str)> = rows
            .iter()
            .map(|r| {
                (
                    r.method.as_str(),
                    r.ppid,
                    r.parent.as_str(),
                    r.latency_us,
                    r.config.as_str(),
                )
            })
            .collect();
        assert_eq!(
            got,
            vec![
                ("fork", 10, "main", 2500, "changed by main"),
                ("forkserver", 12, "forkserver", 90_000, ""),
            ],
            "the forkserver itself was not timed: no row"
        );
    }
}
