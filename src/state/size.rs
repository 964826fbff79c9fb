//! How much memory a state holds, roughly: the recording keeps copies of the state as
//! checkpoints and must stay within a budget.

use super::RunState;

impl RunState {
    /// Approximate heap bytes of this state (a few percent either way is fine: it only
    /// decides when checkpoints are thinned).
    pub fn approx_bytes(&self) -> usize {
        let text = |s: &String| s.capacity() + 24;
        let procs: usize = self
            .procs
            .values()
            .map(|p| 160 + text(&p.label) + text(&p.doing) + p.history.len() * 16)
            .sum();
        let output: usize = self.output.iter().map(|(_, _, l)| 32 + text(l)).sum();
        let queue: usize = self.queue.iter().map(|q| 8 + text(&q.item)).sum();
        let pipe: usize = self
            .pipe
            .iter()
            .map(|e| 40 + text(&e.conn) + e.item.as_ref().map_or(0, text))
            .sum();
        let shared: usize = self.shared.values().map(|c| 48 + c.len() * 32).sum();
        let errors: usize = self.errors.iter().map(text).sum();
        512 + procs
            + output
            + queue
            + pipe
            + shared
            + errors
            + self.tasks.len() * (std::mem::size_of::<super::Task>() + 16)
            + self.outcomes.len() * 256
            + (self.start_methods.len() + self.start_latency.len()) * 64
    }
}
