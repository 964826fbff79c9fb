//! The recording: every run is an append-only list of frames (demo events, output lines,
//! observer samples, the user's actions), kept compactly in memory and optionally written
//! to a file ([`file`]). The screen shows the state *at a cursor*: built from a checkpoint
//! of the state and the frames after it ([`Recording::state_at`]), so any moment is a
//! cheap seek away. Replays, exports ([`export`]) and re-run schedules ([`schedule`]) all
//! come from the same frames.

pub mod export;
pub mod file;
pub mod schedule;
pub mod words;

use crate::engine::protocol::{Event, Frame};
use crate::state::RunState;

/// Frames per chunk; a checkpoint of the state may start each chunk, so seeking applies
/// at most this many frames (times the thinning stride, see [`Recording`]).
pub const CHUNK: usize = 4096;
/// Frames kept in memory at most (about 100 MB of encoded frames at worst); past it the
/// recording stops keeping frames and says so, while the run goes on live.
pub const MAX_FRAMES: usize = 4_000_000;
/// Memory the checkpoints may take; past it every other one is dropped, so a seek may
/// apply twice as many frames but memory stays bounded.
pub const CHECKPOINT_BUDGET: usize = 64 * 1024 * 1024;

/// Append `f` to `buf` as the file and the memory store both encode a frame: postcard of
/// `(dt, pid, event)`, `dt` the microseconds since `last_t` (zig-zag, may be negative).
pub fn encode_frame(buf: Vec<u8>, last_t: u64, f: &Frame) -> Result<Vec<u8>, postcard::Error> {
    let dt = f.t_us.wrapping_sub(last_t) as i64;
    postcard::to_extend(&(dt, f.pid, &f.event), buf)
}

/// Decode one frame written by [`encode_frame`] after a frame at `last_t`; returns it and
/// the bytes after it.
pub fn decode_frame(bytes: &[u8], last_t: u64) -> Result<(Frame, &[u8]), postcard::Error> {
    let ((dt, pid, event), rest): ((i64, i32, Event), &[u8]) = postcard::take_from_bytes(bytes)?;
    Ok((
        Frame {
            t_us: last_t.wrapping_add_signed(dt),
            pid,
            event,
        },
        rest,
    ))
}

/// A run's frames, in the order they were taken in, with checkpoints for seeking.
#[derive(Default)]
pub struct Recording {
    chunks: Vec<Chunk>,
    len: usize,
    /// Bytes of encoded frames held.
    bytes: usize,
    /// Frames not kept because the recording was full.
    dropped: u64,
    /// Keep checkpoints only on chunks whose number is a multiple of this.
    stride: usize,
    /// Approximate bytes the checkpoints hold.
    checkpoint_bytes: usize,
    /// Frames kept at most ([`MAX_FRAMES`] unless a test says otherwise).
    limit: usize,
}

/// Up to [`CHUNK`] encoded frames.
struct Chunk {
    data: Vec<u8>,
    count: usize,
    /// Time of the chunk's last frame (frames are delta-encoded within a chunk).
    last_t: u64,
    /// The largest frame time before this chunk's first frame (0 for the first chunk).
    max_before: u64,
    /// The largest frame time up to and including this chunk's last frame.
    max_after: u64,
    /// The state after every frame before this chunk, with its approximate size.
    start: Option<(Box<RunState>, usize)>,
}

impl Recording {
    /// An empty recording keeping up to [`MAX_FRAMES`] frames.
    pub fn new() -> Self {
        Self::with_limit(MAX_FRAMES)
    }

    /// An empty recording keeping up to `limit` frames.
    pub fn with_limit(limit: usize) -> Self {
        Self {
            stride: 1,
            limit,
            ..Self::default()
        }
    }

    /// Frames kept.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True before the first frame.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Frames that came after the recording was full and were not kept.
    pub fn dropped(&self) -> u64 {
        self.dropped
    }

    /// True once the recording keeps no more frames.
    pub fn is_full(&self) -> bool {
        self.len >= self.limit
    }

    /// Bytes of memory the recording holds, roughly (frames and checkpoints).
    pub fn memory(&self) -> usize {
        self.bytes + self.checkpoint_bytes
    }

    /// Keep `f`. `before` gives the state after every frame kept so far; it is called
    /// only when a checkpoint is due. Returns false (and counts the frame as dropped) once
    /// the recording is full.
    pub fn append(&mut self, f: &Frame, before: impl FnOnce() -> RunState) -> bool {
        if self.is_full() {
            self.dropped += 1;
            return false;
        }
        if self.chunks.last().is_none_or(|c| c.count == CHUNK) {
            let n = self.chunks.len();
            let max_before = self.chunks.last().map_or(0, |c| c.max_after);
            let start = n.is_multiple_of(self.stride).then(|| {
                let s = before();
                let size = s.approx_bytes();
                self.checkpoint_bytes += size;
                (Box::new(s), size)
            });
            self.chunks.push(Chunk {
                data: Vec::new(),
                count: 0,
                last_t: 0,
                max_before,
                max_after: max_before,
                start,
            });
            self.thin_checkpoints();
        }
        let Some(c) = self.chunks.last_mut() else {
            return false;
        };
        let old = c.data.len();
        match encode_frame(std::mem::take(&mut c.data), c.last_t, f) {
            Ok(data) => c.data = data,
            Err(_) => {
                // Plain data always encodes; should it not, the frame is counted, not lost
                // silently.
                self.dropped += 1;
                return false;
            }
        }
        self.bytes += c.data.len() - old;
        c.last_t = f.t_us;
        c.max_after = c.max_after.max(f.t_us);
        c.count += 1;
        self.len += 1;
        true
    }

    /// Past the budget, keep every other checkpoint (the first always stays).
    fn thin_checkpoints(&mut self) {
        while self.checkpoint_bytes > CHECKPOINT_BUDGET && self.stride < self.chunks.len() {
            self.stride *= 2;
            let stride = self.stride;
            for (i, c) in self.chunks.iter_mut().enumerate() {
                if !i.is_multiple_of(stride)
                    && let Some((_, size)) = c.start.take()
                {
                    self.checkpoint_bytes -= size;
                }
            }
        }
    }

    /// Frame `i` (0-based), decoded.
    pub fn frame(&self, i: usize) -> Option<Frame> {
        let c = self.chunks.get(i / CHUNK)?;
        self.frames_of(c).nth(i % CHUNK)
    }

    fn frames_of<'a>(&'a self, c: &'a Chunk) -> impl Iterator<Item = Frame> + 'a {
        let mut rest: &[u8] = &c.data;
        let mut last = 0u64;
        std::iter::from_fn(move || {
            if rest.is_empty() {
                return None;
            }
            let (f, tail) = decode_frame(rest, last).ok()?;
            rest = tail;
            last = f.t_us;
            Some(f)
        })
    }

    /// Every frame in `[from, to)`, in order.
    pub fn frames(&self, from: usize, to: usize) -> impl Iterator<Item = Frame> + '_ {
        let to = to.min(self.len);
        let first = from / CHUNK;
        self.chunks
            .iter()
            .enumerate()
            .skip(first)
            .take_while(move |(k, _)| k * CHUNK < to)
            .flat_map(move |(k, c)| {
                let base = k * CHUNK;
                self.frames_of(c)
                    .enumerate()
                    .filter(move |(j, _)| base + j >= from && base + j < to)
                    .map(|(_, f)| f)
            })
    }

    /// Apply the frames `[from, to)` to `state` (moving a cursor forward).
    pub fn advance(&self, state: &mut RunState, from: usize, to: usize) {
        for f in self.frames(from, to) {
            state.apply(&f);
        }
    }

    /// The index of the last frame before `before` that satisfies `pred`, if any
    /// (chunks are decoded newest first, so a long run of unwanted frames costs little).
    pub fn last_before(&self, before: usize, pred: impl Fn(&Frame) -> bool) -> Option<usize> {
        let before = before.min(self.len);
        if before == 0 {
            return None;
        }
        let last_chunk = (before - 1) / CHUNK;
        for k in (0..=last_chunk).rev() {
            let frames: Vec<Frame> = self.frames_of(&self.chunks[k]).collect();
            let end = (before - k * CHUNK).min(frames.len());
            if let Some(j) = frames[..end].iter().rposition(&pred) {
                return Some(k * CHUNK + j);
            }
        }
        None
    }

    /// The state after the first `at` frames: the nearest checkpoint at or before it, then
    /// the frames in between.
    pub fn state_at(&self, at: usize) -> RunState {
        let at = at.min(self.len);
        let k = (at / CHUNK).min(self.chunks.len().saturating_sub(1));
        let found = self.chunks[..self.chunks.len().min(k + 1)]
            .iter()
            .enumerate()
            .rev()
            .find_map(|(i, c)| c.start.as_ref().map(|(s, _)| (i * CHUNK, s)));
        let (from, mut state) = match found {
            Some((from, s)) => (from, (**s).clone()),
            None => (0, RunState::new()),
        };
        self.advance(&mut state, from, at);
        state
    }

    /// The time of the first frame (µs), if any.
    pub fn start_us(&self) -> Option<u64> {
        self.frame(0).map(|f| f.t_us)
    }

    /// The latest frame time seen in the first `at` frames (µs), 0 before any.
    pub fn time_at(&self, at: usize) -> u64 {
        if at == 0 {
            return 0;
        }
        let at = at.min(self.len);
        let k = (at - 1) / CHUNK;
        let Some(c) = self.chunks.get(k) else {
            return 0;
        };
        self.frames_of(c)
            .take(at - k * CHUNK)
            .fold(c.max_before, |m, f| m.max(f.t_us))
    }

    /// The latest frame time of the whole recording (µs).
    pub fn end_us(&self) -> u64 {
        self.chunks.last().map_or(0, |c| c.max_after)
    }

    /// How many frames happened by `t_us`: the cursor position showing that moment (every
    /// frame whose running latest time is at most `t_us`).
    pub fn index_at_time(&self, t_us: u64) -> usize {
        // The first chunk whose frames reach past t_us holds the answer.
        let k = self.chunks.partition_point(|c| c.max_after <= t_us);
        let Some(c) = self.chunks.get(k) else {
            return self.len;
        };
        let mut max = c.max_before;
        let mut n = k * CHUNK;
        for f in self.frames_of(c) {
            max = max.max(f.t_us);
            if max > t_us {
                break;
            }
            n += 1;
        }
        n
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::protocol::{Event, Role, Scalar};

    /// A lock-demo-like stream: two workers spawn, then read/write a counter.
    fn stream(n: usize) -> Vec<Frame> {
        let mut out = vec![
            Frame {
                t_us: 1_000_000,
                pid: 10,
                event: Event::Spawned {
                    ppid: 1,
                    role: Role::Main,
                    label: "main".into(),
                    start_method: "exec".into(),
                },
            },
            Frame {
                t_us: 1_000_100,
                pid: 11,
                event: Event::Spawned {
                    ppid: 10,
                    role: Role::Worker,
                    label: "worker 0".into(),
                    start_method: "fork".into(),
                },
            },
        ];
        for i in 0..n.saturating_sub(2) {
            out.push(Frame {
                t_us: 1_000_200 + i as u64 * 10 - (i % 3) as u64,
                pid: 11,
                event: Event::SharedWrite {
                    name: "counter".into(),
                    index: 0,
                    value: Scalar::I32(i as i32),
                },
            });
        }
        out
    }

    fn record(frames: &[Frame]) -> (Recording, RunState) {
        let mut rec = Recording::new();
        let mut live = RunState::new();
        for f in frames {
            rec.append(f, || live.clone());
            live.apply(f);
        }
        (rec, live)
    }

    #[test]
    fn frames_come_back_in_order() {
        let all = stream(10_000);
        let (rec, _) = record(&all);
        assert_eq!(rec.len(), all.len());
        let back: Vec<Frame> = rec.frames(0, rec.len()).collect();
        assert_eq!(back, all);
        assert_eq!(rec.frame(5000), Some(all[5000].clone()));
        assert_eq!(rec.frames(4090, 4100).count(), 10);
    }

    #[test]
    fn the_state_at_any_moment_is_the_state_built_frame_by_frame() {
        let all = stream(3 * CHUNK + 77);
        let (rec, live) = record(&all);
        for at in [
            0,
            1,
            2,
            100,
            CHUNK - 1,
            CHUNK,
            CHUNK + 1,
            2 * CHUNK + 5,
            all.len(),
        ] {
            let mut direct = RunState::new();
            for f in &all[..at] {
                direct.apply(f);
            }
            let sought = rec.state_at(at);
            assert_eq!(sought.counter_seen, direct.counter_seen, "at {at}");
            assert_eq!(sought.procs.len(), direct.procs.len(), "at {at}");
            assert_eq!(sought.now, direct.now, "at {at}");
        }
        assert_eq!(rec.state_at(all.len()).counter_seen, live.counter_seen);
    }

    #[test]
    fn time_lookups_follow_the_running_latest_time() {
        let all = stream(2 * CHUNK + 10);
        let (rec, _) = record(&all);
        let mut max = 0;
        for (i, f) in all.iter().enumerate() {
            max = u64::max(max, f.t_us);
            if i % 997 == 0 || i == all.len() - 1 {
                assert_eq!(rec.time_at(i + 1), max, "at {i}");
                let n = rec.index_at_time(max);
                assert!(n > i, "frame {i} happened by its own time");
                assert_eq!(rec.time_at(n), max);
            }
        }
        assert_eq!(rec.index_at_time(0), 0);
        assert_eq!(rec.index_at_time(u64::MAX), all.len());
        assert_eq!(rec.end_us(), max);
    }

    #[test]
    fn a_full_recording_says_so_and_keeps_what_it_had() {
        let all = stream(1000);
        let mut rec = Recording::with_limit(600);
        let mut live = RunState::new();
        for f in &all {
            rec.append(f, || live.clone());
            live.apply(f);
        }
        assert!(rec.is_full());
        assert_eq!(rec.len(), 600);
        assert_eq!(rec.dropped(), 400);
        assert_eq!(rec.frame(599), Some(all[599].clone()));
    }

    #[test]
    fn a_frame_costs_little_memory() {
        let all = stream(100_000);
        let (rec, _) = record(&all);
        let per = rec.memory() as f64 / all.len() as f64;
        assert!(per < 40.0, "{per} bytes per frame");
    }
}
