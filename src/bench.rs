//! `proclab bench`: how fast events travel and what watching costs.

pub fn run(_frames: u32, _samples: u32) -> i32 {
    0
}
