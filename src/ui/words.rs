//! Words several panes draw, in both languages. A pane's own words sit in the pane, picked
//! with `app.t(en, zh)`; what more than one pane says about the same thing lives here.

use crate::engine::protocol::{ExitStatus, signal_name};

/// How a process ended, in full: "exit code 1", "killed by SIGKILL (exitcode -9)".
pub fn status(st: ExitStatus, zh: bool) -> String {
    match (st, zh) {
        (ExitStatus::Code(c), false) => format!("exit code {c}"),
        (ExitStatus::Code(c), true) => format!("退出码 {c}"),
        (ExitStatus::Signal(s), false) => {
            format!("killed by {} (exitcode -{s})", signal_name(s))
        }
        (ExitStatus::Signal(s), true) => {
            format!("被 {} 杀死（exitcode -{s}）", signal_name(s))
        }
    }
}

/// How a process ended, short enough for a table cell: "exit 0", "退出 0", "SIGKILL".
pub fn short_status(st: ExitStatus, zh: bool) -> String {
    match (st, zh) {
        (ExitStatus::Code(c), false) => format!("exit {c}"),
        (ExitStatus::Code(c), true) => format!("退出 {c}"),
        (ExitStatus::Signal(s), _) => signal_name(s),
    }
}
