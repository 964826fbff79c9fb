//! Pipes and server processes: every object sent and received through a Pipe, and the
//! requests a Manager (or forkserver) served.

use super::RunState;
use super::timeline::Activity;

/// Pipe log entries kept.
pub const PIPE_LOG: usize = 200;

/// One object through a Pipe, as the pipe pane lists it.
#[derive(Debug, Clone, PartialEq)]
pub struct PipeEntry {
    pub pid: i32,
    /// The connection end used, e.g. "parent_conn".
    pub conn: String,
    /// True for send, false for recv.
    pub send: bool,
    /// The object; `None` for a recv that raised EOFError.
    pub item: Option<String>,
}

impl RunState {
    fn log_pipe(&mut self, e: PipeEntry) {
        self.pipe.push_back(e);
        while self.pipe.len() > PIPE_LOG {
            self.pipe.pop_front();
        }
    }

    /// `conn.send(item)` returned.
    pub(super) fn on_pipe_send(&mut self, pid: i32, at: f64, conn: &str, item: &str) {
        self.pipe_sent += 1;
        self.log_pipe(PipeEntry {
            pid,
            conn: conn.to_string(),
            send: true,
            item: Some(item.to_string()),
        });
        self.proc_mut(pid, at).step_point = None;
        self.set_activity(
            pid,
            at,
            Activity::Running,
            Some(format!("{conn}.send({item})")),
        );
    }

    /// `conn.recv()` returned `item`, or raised EOFError (`None`).
    pub(super) fn on_pipe_recv(&mut self, pid: i32, at: f64, conn: &str, item: Option<&str>) {
        if item.is_some() {
            self.pipe_received += 1;
        }
        self.log_pipe(PipeEntry {
            pid,
            conn: conn.to_string(),
            send: false,
            item: item.map(str::to_string),
        });
        self.proc_mut(pid, at).step_point = None;
        let what = match item {
            Some(i) => format!("{conn}.recv() -> {i}"),
            None => format!("{conn}.recv(): EOFError"),
        };
        self.set_activity(pid, at, Activity::Running, Some(what));
    }

    /// A server process handled a client's request.
    pub(super) fn on_served(&mut self, pid: i32, at: f64, client: i32, request: &str) {
        self.served += 1;
        self.set_activity(
            pid,
            at,
            Activity::Running,
            Some(format!("served {request} for {client}")),
        );
    }
}
