//! The one-character name of a process, shared by every pane and by the words that tell
//! an event ("B read counter = 41").

use super::Proc;
use crate::engine::protocol::Role;

impl Proc {
    /// `M` for the main process, then the alphabet without M (A B C D … L N … Z), a-z,
    /// and `*` after that: the fourth worker is D, as a class counts. Letters, so they are
    /// not mistaken for worker numbers or PIDs; the kernel's state letters (R S D T Z)
    /// stand in a column of their own; ASCII, so they are one column in every locale.
    pub fn glyph(&self) -> char {
        if self.role == Role::Main {
            return 'M';
        }
        const GLYPHS: &[u8] = b"ABCDEFGHIJKLNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
        GLYPHS
            .get(self.order.wrapping_sub(1))
            .map_or('*', |b| *b as char)
    }
}

#[cfg(test)]
mod tests {
    use crate::state::RunState;
    use crate::state::tests::spawned;

    #[test]
    fn workers_are_lettered_as_a_class_counts_and_main_is_m() {
        let mut s = RunState::new();
        s.apply(&spawned(0, 10, 1, "main"));
        for pid in 11..=26 {
            s.apply(&spawned(0, pid, 10, &format!("worker {}", pid - 11)));
        }
        let letters: String = s.rows().iter().map(|p| p.glyph()).collect();
        assert_eq!(letters, "MABCDEFGHIJKLNOPQ");
    }
}
