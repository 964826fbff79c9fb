//! The one-character name of a process, shared by every pane and by the words that tell
//! an event ("B read counter = 41").

use super::Proc;
use crate::engine::protocol::Role;

impl Proc {
    /// `M` for the main process, then capital letters and a-z by order of appearance, `*`
    /// after that. Letters, so they are not mistaken for worker numbers or PIDs, but none
    /// of the kernel's state letters (R S D T Z) nor M; ASCII, so they are one column in
    /// every locale.
    pub fn glyph(&self) -> char {
        if self.role == Role::Main {
            return 'M';
        }
        const GLYPHS: &[u8] = b"ABCEFGHIJKLNOPQUVWXYabcdefghijklmnopqrstuvwxyz";
        GLYPHS
            .get(self.order.wrapping_sub(1))
            .map_or('*', |b| *b as char)
    }
}
