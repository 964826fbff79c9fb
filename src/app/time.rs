//! The time cursor: where in the recording the screen is. Without a cursor the screen is
//! live; with one it shows the state after the cursor's frames, built by the recording
//! from its nearest checkpoint. Scrubbing never touches the run: new frames keep arriving
//! into the recording and the live state while the cursor stays put.

use std::time::Instant;

use crate::engine::protocol::Frame;
use crate::record::Recording;
use crate::state::RunState;

/// Playback speeds, slowest first (`{` and `}` move between them).
pub const SPEEDS: [f64; 6] = [0.1, 0.25, 0.5, 1.0, 2.0, 4.0];
/// The speed playback starts at: 1×.
const DEFAULT_SPEED: usize = 3;
/// How far `<` and `>` jump, in microseconds of run time.
pub const JUMP_US: u64 = 100_000;

impl super::App {
    /// The state the screen shows: at the time cursor, else live.
    pub fn shown(&self) -> &RunState {
        self.time.shown(&self.run)
    }

    /// Give the processes at the cursor the letters and colours they have in the whole
    /// run: at an earlier moment fewer siblings have announced themselves, and the order
    /// (hence the letter) they would get there is not the one every other screen showed.
    pub fn align_cursor(&mut self) {
        let live = &self.run;
        if let Some(c) = &mut self.time.cursor {
            for p in c.state.procs.values_mut() {
                if let Some(l) = live.procs.get(&p.pid) {
                    p.order = l.order;
                    if p.role == crate::engine::protocol::Role::Unknown {
                        p.role = l.role;
                    }
                }
            }
        }
    }

    /// Show the moment `t_us` (a click on the timeline, an export).
    pub fn seek_time(&mut self, t_us: u64) {
        self.time.seek_time(t_us);
        self.align_cursor();
    }
}

/// Where an export streaming through a recording is (no recording is kept in memory
/// then, so no cursor either): what the header says instead of the cursor's position.
#[derive(Debug, Clone, Default)]
pub struct Streamed {
    /// Frames applied so far, and in the whole file.
    pub at: usize,
    pub len: usize,
    /// Seconds the whole recording spans.
    pub total_s: f64,
    /// The last frame applied.
    pub last: Option<Frame>,
}

/// A moment of the recording being shown.
pub struct Cursor {
    /// Frames applied: the screen shows the state after frame `at - 1`.
    pub at: usize,
    /// The state at the cursor.
    pub state: RunState,
    /// Playing forward: since this wall-clock moment, from this recording time (µs).
    pub play: Option<(Instant, u64)>,
}

/// The recording of the current run and the cursor into it.
pub struct TimeTravel {
    pub rec: Recording,
    pub cursor: Option<Cursor>,
    /// Index into [`SPEEDS`].
    pub speed: usize,
}

impl Default for TimeTravel {
    fn default() -> Self {
        Self::new(Recording::new())
    }
}

impl TimeTravel {
    /// Live, on this recording.
    pub fn new(rec: Recording) -> Self {
        Self {
            rec,
            cursor: None,
            speed: DEFAULT_SPEED,
        }
    }

    /// A new run: an empty recording, live (the playback speed stays as chosen).
    pub fn restart(&mut self) {
        self.rec = Recording::new();
        self.cursor = None;
    }

    /// Keep a frame of the run; `live` is the state before it.
    pub fn append(&mut self, f: &Frame, live: &RunState) {
        self.rec.append(f, || live.clone());
    }

    /// The state the screen shows: the cursor's, else the live one.
    pub fn shown<'a>(&'a self, live: &'a RunState) -> &'a RunState {
        self.cursor.as_ref().map_or(live, |c| &c.state)
    }

    /// The cursor's position and the recording's length, while looking at the past.
    pub fn position(&self) -> Option<(usize, usize)> {
        self.cursor.as_ref().map(|c| (c.at, self.rec.len()))
    }

    /// True while playing.
    pub fn playing(&self) -> bool {
        self.cursor.as_ref().is_some_and(|c| c.play.is_some())
    }

    /// The playback speed.
    pub fn speed(&self) -> f64 {
        SPEEDS[self.speed.min(SPEEDS.len() - 1)]
    }

    /// The frame the cursor just applied (the event the header tells), if any.
    pub fn current_frame(&self) -> Option<Frame> {
        let at = self.cursor.as_ref()?.at;
        at.checked_sub(1).and_then(|i| self.rec.frame(i))
    }

    /// How far the cursor is behind the latest recorded moment (µs).
    pub fn behind_us(&self) -> Option<u64> {
        let c = self.cursor.as_ref()?;
        Some(self.rec.end_us().saturating_sub(self.rec.time_at(c.at)))
    }

    fn place(&mut self, at: usize) {
        let at = at.min(self.rec.len());
        let play = self.cursor.as_ref().and_then(|c| c.play);
        match &mut self.cursor {
            // Forward from where we are: apply only the frames in between.
            Some(c) if at >= c.at => {
                self.rec.advance(&mut c.state, c.at, at);
                c.at = at;
            }
            _ => {
                self.cursor = Some(Cursor {
                    at,
                    state: self.rec.state_at(at),
                    play,
                })
            }
        }
    }

    /// Where the cursor is, or the live end.
    fn at(&self) -> usize {
        self.cursor.as_ref().map_or(self.rec.len(), |c| c.at)
    }

    /// One event back (observer samples are passed over: they are measurements, not
    /// events, and would bury the operations of a slow, hand-stepped run). Err with the
    /// reason when there is none.
    pub fn back(&mut self) -> Result<(), &'static str> {
        let at = self.at();
        if at <= 1 {
            return Err("at the start of the recording");
        }
        let to = self
            .rec
            .last_before(at - 1, |f| !f.event.is_measurement())
            .map_or(1, |i| i + 1)
            .max(1);
        self.stop_playing();
        self.place(to);
        Ok(())
    }

    /// One event forward (past samples, as [`TimeTravel::back`]); reaching the end goes
    /// live again.
    pub fn forward(&mut self) -> Result<(), &'static str> {
        let Some(c) = &self.cursor else {
            return Err("already live: ← goes back one event");
        };
        let to = self
            .rec
            .frames(c.at, self.rec.len())
            .position(|f| !f.event.is_measurement())
            .map_or(self.rec.len(), |k| c.at + k + 1);
        self.stop_playing();
        if to >= self.rec.len() {
            self.cursor = None;
        } else {
            self.place(to);
        }
        Ok(())
    }

    /// Jump by `delta_us` of run time (negative: back).
    pub fn jump(&mut self, delta_us: i64) -> Result<(), &'static str> {
        let at = self.at();
        if self.rec.is_empty() {
            return Err("nothing recorded yet: press r to run");
        }
        let now = self.rec.time_at(at.max(1));
        let target = now.saturating_add_signed(delta_us);
        let mut to = self.rec.index_at_time(target);
        if delta_us < 0 {
            if at <= 1 {
                return Err("at the start of the recording");
            }
            // Always move, even through a crowd of frames with one time stamp.
            to = to.clamp(1, at - 1);
        } else if self.cursor.is_none() {
            return Err("already live: < goes back 100 ms");
        }
        if to >= self.rec.len() {
            self.cursor = None;
        } else {
            self.place(to);
            // Playing on from here: the clock restarts at the new moment.
            let now_us = self.rec.time_at(to);
            if let Some(c) = &mut self.cursor
                && c.play.is_some()
            {
                c.play = Some((Instant::now(), now_us));
            }
        }
        Ok(())
    }

    /// The moment the run started (its first event).
    pub fn home(&mut self) -> Result<(), &'static str> {
        if self.rec.is_empty() {
            return Err("nothing recorded yet: press r to run");
        }
        self.stop_playing();
        self.cursor = None;
        self.place(1);
        Ok(())
    }

    /// Live again.
    pub fn end(&mut self) {
        self.cursor = None;
    }

    /// Show the moment `t_us` (a click on the timeline).
    pub fn seek_time(&mut self, t_us: u64) {
        if self.rec.is_empty() {
            return;
        }
        let to = self.rec.index_at_time(t_us).max(1);
        if to >= self.rec.len() {
            self.cursor = None;
        } else {
            self.stop_playing();
            self.cursor = None;
            self.place(to);
        }
    }

    /// Play from the cursor (from the start when live), or pause the playback.
    pub fn toggle_play(&mut self) -> Result<bool, &'static str> {
        if self.rec.is_empty() {
            return Err("nothing recorded yet: press r to run");
        }
        if self.playing() {
            self.stop_playing();
            return Ok(false);
        }
        if self.cursor.is_none() {
            self.place(1);
        }
        let from = self.rec.time_at(self.at());
        if let Some(c) = &mut self.cursor {
            c.play = Some((Instant::now(), from));
        }
        Ok(true)
    }

    fn stop_playing(&mut self) {
        if let Some(c) = &mut self.cursor {
            c.play = None;
        }
    }

    /// Faster (+1) or slower (-1) playback; keeps playing from where it is.
    pub fn change_speed(&mut self, by: i32) -> f64 {
        let next = (self.speed as i32 + by).clamp(0, SPEEDS.len() as i32 - 1) as usize;
        if next != self.speed {
            // Restart the clock at the current moment, so the new speed applies from here.
            if let Some(c) = &mut self.cursor
                && c.play.is_some()
            {
                c.play = Some((Instant::now(), self.rec.time_at(c.at)));
            }
            self.speed = next;
        }
        self.speed()
    }

    /// Move a playing cursor to the moment the clock says; at the end of the recording
    /// playback stops and the screen is live again. True if it moved.
    pub fn tick(&mut self, now: Instant) -> bool {
        let Some((since, from)) = self.cursor.as_ref().and_then(|c| c.play) else {
            return false;
        };
        let t = from + (now.duration_since(since).as_secs_f64() * self.speed() * 1e6) as u64;
        let to = self.rec.index_at_time(t);
        let before = self.at();
        if to >= self.rec.len() {
            // The end of the recording is the live picture.
            self.cursor = None;
        } else {
            self.place(to);
        }
        self.at() != before
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::protocol::{Event, Scalar};

    fn recorded(n: usize) -> (TimeTravel, RunState) {
        let mut tt = TimeTravel::default();
        let mut live = RunState::new();
        for i in 0..n {
            let f = Frame {
                t_us: 1_000_000 + i as u64 * 10_000,
                pid: 5,
                event: Event::SharedWrite {
                    name: "counter".into(),
                    index: 0,
                    value: Scalar::I32(i as i32),
                },
            };
            tt.append(&f, &live);
            live.apply(&f);
        }
        (tt, live)
    }

    #[test]
    fn back_and_forward_move_one_event_and_the_end_is_live() {
        let (mut tt, live) = recorded(50);
        assert_eq!(tt.shown(&live).counter_seen, Some(Scalar::I32(49)));
        tt.back().expect("back");
        assert_eq!(tt.position(), Some((49, 50)));
        assert_eq!(tt.shown(&live).counter_seen, Some(Scalar::I32(48)));
        tt.back().expect("back");
        tt.forward().expect("forward");
        assert_eq!(tt.shown(&live).counter_seen, Some(Scalar::I32(48)));
        tt.forward().expect("forward");
        assert!(tt.cursor.is_none(), "the last event is the live end");
        assert!(tt.forward().is_err());
    }

    #[test]
    fn jumps_move_by_run_time_and_home_is_the_first_event() {
        let (mut tt, live) = recorded(100);
        tt.jump(-(JUMP_US as i64)).expect("jump back");
        // 10 ms per event: 100 ms is 10 events.
        assert_eq!(tt.position(), Some((90, 100)));
        assert_eq!(tt.behind_us(), Some(100_000));
        tt.home().expect("home");
        assert_eq!(tt.position(), Some((1, 100)));
        assert_eq!(tt.shown(&live).counter_seen, Some(Scalar::I32(0)));
        assert!(tt.back().is_err(), "nothing before the first event");
        tt.jump(JUMP_US as i64).expect("jump forward");
        assert_eq!(tt.position(), Some((11, 100)));
        tt.end();
        assert!(tt.shown(&live).counter_seen == live.counter_seen);
    }

    #[test]
    fn a_jump_while_playing_plays_on_from_where_it_lands() {
        let (mut tt, _) = recorded(100);
        tt.home().expect("home");
        tt.toggle_play().expect("plays");
        tt.jump(JUMP_US as i64).expect("jump");
        assert_eq!(tt.position(), Some((11, 100)));
        assert!(tt.playing());
        // A moment later the clock has not put the cursor back where it was.
        tt.tick(Instant::now());
        assert!(
            tt.position().is_some_and(|(at, _)| at >= 11),
            "{:?}",
            tt.position()
        );
    }

    #[test]
    fn playback_follows_the_clock_at_its_speed_and_stops_at_the_end() {
        let (mut tt, live) = recorded(100);
        tt.home().expect("home");
        tt.toggle_play().expect("plays");
        let start = tt.cursor.as_ref().and_then(|c| c.play).expect("playing").0;
        // Half a second at 1×: 50 events of 10 ms.
        assert!(tt.tick(start + std::time::Duration::from_millis(500)));
        assert_eq!(tt.position(), Some((51, 100)));
        assert_eq!(tt.change_speed(-2), 0.25);
        let restarted = tt.cursor.as_ref().and_then(|c| c.play).expect("playing").0;
        tt.tick(restarted + std::time::Duration::from_millis(400));
        assert_eq!(tt.position(), Some((61, 100)), "0.4 s at 0.25x is 100 ms");
        tt.tick(restarted + std::time::Duration::from_secs(100));
        assert_eq!(tt.position(), None, "the end is live");
        assert!(!tt.playing(), "stops at the end");
        assert_eq!(tt.shown(&live).counter_seen, live.counter_seen);
    }
}
