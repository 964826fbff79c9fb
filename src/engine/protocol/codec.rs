//! Frames as bytes. Wire format of one frame: a little-endian `u32` payload length, then
//! the postcard encoding of a [`Frame`]. A whole frame is at most [`PIPE_BUF`] bytes and
//! is written with a single `write()`, which POSIX makes atomic on a pipe, so frames from
//! many writer processes never interleave.
//!
//! postcard rather than bincode: bincode 3.0.0 is a deliberately non-compiling release
//! and the crate is flagged unmaintained (RUSTSEC-2025-0141); postcard 1.x is serde based,
//! compact and maintained.

use thiserror::Error;

use super::{Frame, HEADER, MAX_PAYLOAD, PIPE_BUF};

/// Why bytes could not be turned into frames.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum DecodeError {
    #[error("frame length {0} exceeds the {MAX_PAYLOAD}-byte limit")]
    Oversized(usize),
    #[error("frame of {0} bytes does not decode as an event: {1}")]
    Garbage(usize, String),
    #[error("stream ended inside a frame ({0} bytes left over)")]
    Truncated(usize),
}

/// Why an event could not be encoded.
#[derive(Debug, Error)]
pub enum EncodeError {
    #[error("event needs {0} bytes, more than a pipe write can carry atomically")]
    TooLarge(usize),
    #[error("postcard: {0}")]
    Postcard(#[from] postcard::Error),
}

/// Encode one frame (header + payload) into `buf`, returning the bytes to write.
pub fn encode<'a>(frame: &Frame, buf: &'a mut [u8; PIPE_BUF]) -> Result<&'a [u8], EncodeError> {
    let (head, body) = buf.split_at_mut(HEADER);
    let used = match postcard::to_slice(frame, body) {
        Ok(payload) => payload.len(),
        Err(postcard::Error::SerializeBufferFull) => {
            let size = postcard::to_stdvec(frame)
                .map(|v| v.len())
                .unwrap_or(usize::MAX);
            return Err(EncodeError::TooLarge(size));
        }
        Err(e) => return Err(e.into()),
    };
    head.copy_from_slice(&(used as u32).to_le_bytes());
    Ok(&buf[..HEADER + used])
}

/// Encode one frame into a new vector (tests, benchmarks).
pub fn encode_vec(frame: &Frame) -> Result<Vec<u8>, EncodeError> {
    let mut buf = [0u8; PIPE_BUF];
    Ok(encode(frame, &mut buf)?.to_vec())
}

/// Incremental decoder for a byte stream of frames.
///
/// Feed it whatever `read()` returned; take frames out with [`Decoder::next_frame`].
/// After a bad frame it resynchronises by skipping bytes until a well-formed frame
/// starts, and reports the skipped stretch as one error rather than one per byte.
#[derive(Default)]
pub struct Decoder {
    buf: Vec<u8>,
    /// Bytes already skipped in the current bad stretch, and its first error.
    skipping: Option<(usize, DecodeError)>,
    /// A good frame found right after a bad stretch, handed out after the error.
    pending: Option<Frame>,
    /// Bytes before this offset are consumed; compacted lazily so that skipping garbage
    /// one byte at a time stays linear.
    start: usize,
}

impl Decoder {
    /// A decoder with an empty buffer.
    pub fn new() -> Self {
        Self::default()
    }

    /// Append bytes read from the stream.
    pub fn feed(&mut self, bytes: &[u8]) {
        self.buf.drain(..self.start);
        self.start = 0;
        self.buf.extend_from_slice(bytes);
    }

    /// The next complete frame, an error for a bad stretch, or `None` when more bytes
    /// are needed.
    pub fn next_frame(&mut self) -> Option<Result<Frame, DecodeError>> {
        if let Some(frame) = self.pending.take() {
            return Some(Ok(frame));
        }
        loop {
            match self.try_frame_at_start() {
                Attempt::Frame(frame, used) => {
                    self.start += used;
                    // A good frame ends a bad stretch: report the stretch first.
                    if let Some((skipped, first)) = self.skipping.take() {
                        self.pending = Some(frame);
                        return Some(Err(describe_skip(skipped, first)));
                    }
                    return Some(Ok(frame));
                }
                Attempt::NeedMore => {
                    // Inside a bad stretch a "plausible" length may itself be garbage:
                    // if a whole valid frame starts further on, skip to it rather than
                    // wait for bytes that may never come.
                    if self.skipping.is_some()
                        && let Some(at) = self.next_valid_after(self.start)
                    {
                        if let Some((n, _)) = &mut self.skipping {
                            *n += at - self.start;
                        }
                        self.start = at;
                        continue;
                    }
                    return None;
                }
                Attempt::Bad(err) => {
                    self.start += 1;
                    match &mut self.skipping {
                        Some((n, _)) => *n += 1,
                        None => self.skipping = Some((1, err)),
                    }
                }
            }
        }
    }

    /// Call at end of stream: whatever frames and errors the remaining bytes hold. A frame
    /// cut short by the end is reported as [`DecodeError::Truncated`]; a length prefix that
    /// was waiting for bytes that never came is treated as garbage, so good frames behind
    /// it are still recovered.
    pub fn finish(&mut self) -> Vec<Result<Frame, DecodeError>> {
        let mut out = Vec::new();
        loop {
            while let Some(r) = self.next_frame() {
                out.push(r);
            }
            let left = self.buf.len() - self.start;
            if left == 0 {
                break;
            }
            if let Some(at) = self.next_valid_after(self.start) {
                let skipped = at - self.start;
                self.start = at;
                match &mut self.skipping {
                    Some((n, _)) => *n += skipped,
                    None => {
                        self.skipping =
                            Some((skipped, DecodeError::Garbage(left, "incomplete".into())))
                    }
                }
                continue;
            }
            if self.skipping.is_none() && self.looks_like_a_cut_frame() {
                out.push(Err(DecodeError::Truncated(left)));
                self.start = self.buf.len();
                break;
            }
            // Skip one byte of the incomplete stretch and look again.
            self.start += 1;
            match &mut self.skipping {
                Some((n, _)) => *n += 1,
                None => self.skipping = Some((1, DecodeError::Garbage(left, "incomplete".into()))),
            }
        }
        if let Some((n, first)) = self.skipping.take() {
            out.push(Err(describe_skip(n, first)));
        }
        self.buf.clear();
        self.start = 0;
        out
    }

    /// The first offset after `from` where a complete, valid frame starts.
    fn next_valid_after(&self, from: usize) -> Option<usize> {
        (from + 1..self.buf.len().saturating_sub(HEADER)).find(|&at| {
            let buf = &self.buf[at..];
            let len = u32::from_le_bytes([buf[0], buf[1], buf[2], buf[3]]) as usize;
            len > 0
                && len <= MAX_PAYLOAD
                && buf.len() >= HEADER + len
                && matches!(postcard::take_from_bytes::<Frame>(&buf[HEADER..HEADER + len]), Ok((_, rest)) if rest.is_empty())
        })
    }

    /// True when the unconsumed bytes are a plausible frame start that simply ran out.
    fn looks_like_a_cut_frame(&self) -> bool {
        let buf = &self.buf[self.start..];
        if buf.len() < HEADER {
            return true;
        }
        let len = u32::from_le_bytes([buf[0], buf[1], buf[2], buf[3]]) as usize;
        len > 0 && len <= MAX_PAYLOAD && buf.len() < HEADER + len
    }

    fn try_frame_at_start(&self) -> Attempt {
        let buf = &self.buf[self.start..];
        if buf.len() < HEADER {
            return Attempt::NeedMore;
        }
        let len = u32::from_le_bytes([buf[0], buf[1], buf[2], buf[3]]) as usize;
        if len == 0 || len > MAX_PAYLOAD {
            return Attempt::Bad(DecodeError::Oversized(len));
        }
        if buf.len() < HEADER + len {
            // While skipping garbage, a plausible length may be garbage too; waiting
            // for it is still right, since a real writer always sends whole frames.
            return Attempt::NeedMore;
        }
        let payload = &buf[HEADER..HEADER + len];
        match postcard::take_from_bytes::<Frame>(payload) {
            Ok((frame, [])) => Attempt::Frame(frame, HEADER + len),
            Ok((_, rest)) => Attempt::Bad(DecodeError::Garbage(
                len,
                format!("{} trailing bytes", rest.len()),
            )),
            Err(e) => Attempt::Bad(DecodeError::Garbage(len, e.to_string())),
        }
    }
}

enum Attempt {
    Frame(Frame, usize),
    NeedMore,
    Bad(DecodeError),
}

fn describe_skip(skipped: usize, first: DecodeError) -> DecodeError {
    match first {
        DecodeError::Oversized(len) => {
            DecodeError::Garbage(skipped, format!("bad length prefix {len}, bytes skipped"))
        }
        DecodeError::Garbage(_, why) => DecodeError::Garbage(skipped, why),
        other => other,
    }
}

/// One JSON line (no trailing newline) for a frame.
pub fn to_json_line(frame: &Frame) -> String {
    // Serialising plain data structures to JSON cannot fail: no maps with non-string
    // keys, no non-finite floats (NaN becomes null).
    serde_json::to_string(frame).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
}

/// Parse one JSON line into a frame.
pub fn from_json_line(line: &str) -> Result<Frame, serde_json::Error> {
    serde_json::from_str(line)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::protocol::tests::every_event;
    use crate::engine::protocol::{Event, Stream};

    fn frame(event: Event) -> Frame {
        Frame {
            t_us: 123_456,
            pid: 4242,
            event,
        }
    }

    #[test]
    fn every_event_round_trips_through_postcard_and_json() {
        for event in every_event() {
            let f = frame(event);
            let bytes = encode_vec(&f).expect("encodes");
            assert!(bytes.len() <= PIPE_BUF);
            let mut d = Decoder::new();
            d.feed(&bytes);
            assert_eq!(d.next_frame(), Some(Ok(f.clone())));
            assert_eq!(d.next_frame(), None);
            assert_eq!(d.finish(), vec![]);
            let json = to_json_line(&f);
            assert!(!json.contains('\n'));
            assert_eq!(from_json_line(&json).expect("json parses"), f);
        }
    }

    #[test]
    fn frames_split_at_every_byte_boundary_still_decode() {
        let frames: Vec<Frame> = every_event().into_iter().map(frame).collect();
        let stream: Vec<u8> = frames
            .iter()
            .flat_map(|f| encode_vec(f).expect("encodes"))
            .collect();
        for chunk in [1, 2, 3, 7, 64, 4096] {
            let mut d = Decoder::new();
            let mut out = Vec::new();
            for piece in stream.chunks(chunk) {
                d.feed(piece);
                while let Some(r) = d.next_frame() {
                    out.push(r.expect("valid stream"));
                }
            }
            assert_eq!(out, frames, "chunk size {chunk}");
        }
    }

    #[test]
    fn oversized_length_is_an_error_not_an_allocation() {
        let mut d = Decoder::new();
        d.feed(&u32::MAX.to_le_bytes());
        d.feed(&[0; 16]);
        assert_eq!(d.next_frame(), None, "no good frame yet");
        let rest = d.finish();
        assert_eq!(rest.len(), 1, "{rest:?}");
        let err = rest[0].as_ref().expect_err("the stretch is an error");
        assert!(err.to_string().contains("bad length prefix"), "{err}");
    }

    #[test]
    fn truncated_stream_is_reported() {
        let bytes = encode_vec(&frame(Event::LockWait { lock: 3 })).expect("encodes");
        let mut d = Decoder::new();
        d.feed(&bytes[..bytes.len() - 1]);
        assert_eq!(d.next_frame(), None);
        assert_eq!(
            d.finish(),
            vec![Err(DecodeError::Truncated(bytes.len() - 1))]
        );
    }

    #[test]
    fn a_garbage_length_waiting_at_eof_does_not_hide_the_frames_behind_it() {
        let good = frame(Event::LockWait { lock: 2 });
        // Claims 3000 bytes, but only a good frame follows before the end.
        let mut stream = vec![0xb8, 0x0b, 0, 0];
        stream.extend(encode_vec(&good).expect("encodes"));
        let mut d = Decoder::new();
        d.feed(&stream);
        assert_eq!(d.next_frame(), None, "waits for the claimed 3000 bytes");
        let rest = d.finish();
        assert_eq!(rest.len(), 2, "{rest:?}");
        assert!(
            matches!(rest[0], Err(DecodeError::Garbage(4, _))),
            "{rest:?}"
        );
        assert_eq!(rest[1], Ok(good));
    }

    #[test]
    fn garbage_between_frames_gives_one_error_and_the_good_frames_survive() {
        let a = frame(Event::LockWait { lock: 1 });
        let b = frame(Event::LockReleased { lock: 1 });
        let mut stream = encode_vec(&a).expect("encodes");
        // A plausible length with an undecodable payload, then noise.
        stream.extend_from_slice(&[5, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff]);
        stream.extend_from_slice(&[0xde, 0xad, 0xbe, 0xef, 0xff, 0xff, 0xff, 0xff]);
        stream.extend(encode_vec(&b).expect("encodes"));
        let mut d = Decoder::new();
        d.feed(&stream);
        let mut got = Vec::new();
        while let Some(r) = d.next_frame() {
            got.push(r);
        }
        assert_eq!(got.len(), 3, "{got:?}");
        assert_eq!(got[0], Ok(a));
        assert!(
            matches!(got[1], Err(DecodeError::Garbage(17, _))),
            "{got:?}"
        );
        assert_eq!(got[2], Ok(b));
    }

    #[test]
    fn random_bytes_never_panic() {
        // A small xorshift generator: deterministic, no extra crate.
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        for round in 0..200 {
            let mut d = Decoder::new();
            let mut bytes = Vec::new();
            for _ in 0..(round * 37 % 5000) {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                bytes.push(x as u8);
            }
            d.feed(&bytes);
            while d.next_frame().is_some() {}
            d.finish();
        }
    }

    #[test]
    fn an_event_too_big_for_one_pipe_write_is_refused() {
        let f = frame(Event::Output {
            stream: Stream::Stdout,
            line: "x".repeat(PIPE_BUF),
        });
        assert!(matches!(encode_vec(&f), Err(EncodeError::TooLarge(n)) if n > PIPE_BUF));
    }
}
