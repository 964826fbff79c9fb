//! Step mode's choice of process: by Tab, by its number (the same for the whole run, see
//! `RunState::steppable`) or by a click, and which process Enter steps.

use super::App;

impl App {
    /// Choose `pid` for the next step; false unless it waits at a step point.
    pub fn choose(&mut self, pid: i32) -> bool {
        let ok = self.stepping && self.run.gated().contains(&pid);
        if ok {
            self.selected = Some(pid);
        }
        ok
    }

    /// The process chosen for the next step: the one chosen while it lives (waiting at
    /// its gate or not), else the first waiting one.
    pub fn chosen_pid(&self) -> Option<i32> {
        let alive = |pid: &i32| self.run.procs.get(pid).is_some_and(|p| p.exit.is_none());
        self.selected
            .filter(alive)
            .or_else(|| self.run.gated().first().copied())
    }

    /// The PID Enter would step now: the chosen process if it waits at its gate.
    pub fn selected_pid(&self) -> Option<i32> {
        self.chosen_pid()
            .filter(|pid| self.run.gated().contains(pid))
    }

    /// Tab (`by` 1) and Shift+Tab (`by` -1): the next (previous) waiting process by step
    /// number after the chosen one.
    pub(super) fn cycle_chosen(&mut self, by: isize) {
        let waiting: Vec<i32> = self
            .run
            .steppable()
            .into_iter()
            .filter(|s| s.waiting)
            .map(|s| s.pid)
            .collect();
        let n = waiting.len() as isize;
        if n == 0 {
            return;
        }
        let number = |pid: Option<i32>| pid.and_then(|p| self.run.step_number(p));
        let here = number(self.chosen_pid());
        let next = match waiting.iter().position(|p| Some(*p) == self.chosen_pid()) {
            Some(i) => (i as isize + by).rem_euclid(n),
            // Not waiting itself: the first waiting one past its number.
            None => {
                let past = waiting
                    .iter()
                    .position(|&p| number(Some(p)) > here)
                    .unwrap_or(0) as isize;
                if by > 0 {
                    past
                } else {
                    (past - 1).rem_euclid(n)
                }
            }
        };
        self.selected = Some(waiting[next as usize]);
    }

    /// A number key in step mode: choose the process with that number, which keeps it
    /// for the whole run.
    pub(super) fn choose_number(&mut self, n: usize) {
        let listed = self.run.steppable();
        match listed.iter().find(|s| s.number == n) {
            Some(s) if !s.ended => {
                self.selected = Some(s.pid);
                if !s.waiting {
                    let name = self.run.procs.get(&s.pid).map_or('?', |p| p.glyph());
                    self.message = Some(if self.zh() {
                        format!(
                            "已选 {n}（{name}）：它现在不在单步点，等它停下后 Enter 才能让它走一步"
                        )
                    } else {
                        format!(
                            "{n} ({name}) chosen: it is not at its gate now; Enter steps it once it is"
                        )
                    });
                }
            }
            Some(_) => {
                self.message = Some(self.say("that process has ended", "该进程已结束"));
            }
            None if self.stepping => {
                self.message = Some(self.say(
                    "no process with that number waits for steps",
                    "没有这个编号的单步进程",
                ));
            }
            None => {}
        }
    }
}
