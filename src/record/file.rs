//! The recording file: what `--record FILE` writes and `proclab replay FILE` reads.
//!
//! ```text
//! magic    8 bytes   "PROCLAB\0"
//! version  u16 LE    FORMAT_VERSION
//! header   u32 LE length, then the postcard encoding of a Header
//! blocks   until the end of the file, each:
//!   u32 LE  raw length      bytes of frames before compression
//!   u32 LE  stored length   bytes that follow this block's 16-byte head
//!   u32 LE  frames          how many frames the block holds
//!   u32 LE  CRC-32          of the stored bytes
//!   stored bytes            LZ4 block of the raw bytes, the header's bytes as its
//!                           dictionary (the run's first event repeats its parameters)
//! ```
//!
//! The raw bytes of a block are frames one after another, each the postcard encoding of
//! `(dt, pid, event)`: `dt` is the frame's microseconds minus the previous frame's in the
//! same block (the first frame's from 0, so every block stands alone), zig-zag varint.
//! Delta times, varints and LZ4 over a block of similar events keep a frame well under
//! 40 bytes on disk.
//!
//! The writer runs on its own thread (as tokio-console's recorder does), fed through a
//! bounded channel: the live path never waits on the disk unless the disk cannot keep up,
//! and memory stays bounded whatever the event rate. A block is written whole, at most
//! [`FLUSH_EVERY`] after its first frame, so a recording cut short by a crash keeps all but
//! its last moments, and a reader replays every whole block and then says at which byte it
//! stopped.

use std::fs::File;
use std::io::{self, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, SyncSender};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::engine::protocol::Frame;

/// The first bytes of every recording.
pub const MAGIC: &[u8; 8] = b"PROCLAB\0";
/// The format this proclab writes and reads. A change to [`Header`], to the block layout
/// or to the `Event` enum's encoding is a new version.
pub const FORMAT_VERSION: u16 = 1;
/// A block is written once its frames reach this many raw bytes...
pub const BLOCK_BYTES: usize = 64 * 1024;
/// ...or this long after its first frame, whichever comes first.
pub const FLUSH_EVERY: Duration = Duration::from_millis(100);
/// Frames waiting for the writer thread; past it the run waits for the disk.
const QUEUE: usize = 16 * 1024;
/// A block's raw bytes may not claim more than this (a corrupt length must not make the
/// reader allocate gigabytes).
const MAX_BLOCK: usize = 16 * BLOCK_BYTES;
/// A header may not claim more than this.
const MAX_HEADER: usize = 1 << 20;

/// What a recording says about itself before its frames.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Header {
    /// The proclab version that wrote it.
    pub proclab: String,
    /// The lesson it was recorded in (its id), if any.
    pub lesson: Option<String>,
    /// The demo's name, or the Python program's ("script" for a student's own).
    pub demo: String,
    /// The run's parameters, `key=value` pairs as the demo resolved them.
    pub params: Vec<(String, String)>,
    /// "native" or "python".
    pub runner: String,
    /// The Python version of a Python run ("3.11.7").
    pub python: Option<String>,
    /// Cores of the machine it ran on.
    pub cores: u32,
    /// When it was recorded, seconds since the Unix epoch.
    pub created_unix_s: u64,
}

impl Header {
    /// The header of a run recorded on this machine now, from the run's first event
    /// (which names the demo and its parameters), in `lesson` if it belongs to one.
    pub fn for_run(first: &Frame, lesson: Option<String>) -> Self {
        let (demo, params) = match &first.event {
            crate::engine::protocol::Event::RunStarted { demo, params, .. } => {
                (demo.as_str(), params.clone())
            }
            _ => ("unknown", Vec::new()),
        };
        let param = |k: &str| params.iter().find(|(key, _)| key == k).map(|(_, v)| v);
        let python = param("runner").filter(|r| *r == "python").and_then(|_| {
            let v = crate::engine::python::version(Path::new(param("python")?))?;
            Some(format!("{}.{}", v.major, v.minor))
        });
        let runner = if param("runner").is_some_and(|r| r == "python") {
            "python"
        } else {
            "native"
        };
        Self {
            lesson,
            python,
            ..Self::now(demo, params, runner)
        }
    }

    /// A header for a run on this machine, now.
    pub fn now(demo: &str, params: Vec<(String, String)>, runner: &str) -> Self {
        Self {
            proclab: env!("CARGO_PKG_VERSION").to_string(),
            lesson: None,
            demo: demo.to_string(),
            params,
            runner: runner.to_string(),
            python: None,
            cores: std::thread::available_parallelism().map_or(1, |n| n.get() as u32),
            created_unix_s: std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs()),
        }
    }
}

/// Why a recording could not be read (whole).
#[derive(Debug, Error)]
pub enum ReadError {
    #[error("cannot open {path}: {source}")]
    Open { path: PathBuf, source: io::Error },
    #[error("{path} is not a regular file")]
    NotAFile { path: PathBuf },
    #[error(
        "{path} is not a proclab recording (it does not start with the recording's magic bytes)"
    )]
    NotARecording { path: PathBuf },
    #[error(
        "{path} is a proclab recording of format {found}; this proclab ({}) reads format {FORMAT_VERSION} only: open it with the proclab that made it",
        env!("CARGO_PKG_VERSION")
    )]
    Version { path: PathBuf, found: u16 },
    #[error("{path}: stopped at byte {offset}: {why}")]
    Corrupt {
        path: PathBuf,
        offset: u64,
        why: String,
    },
}

impl ReadError {
    /// The byte the reading stopped at, for a file cut short or damaged.
    pub fn offset(&self) -> Option<u64> {
        match self {
            ReadError::Corrupt { offset, .. } => Some(*offset),
            _ => None,
        }
    }
}

/// Reads a recording frame by frame.
pub struct Reader {
    path: PathBuf,
    file: io::BufReader<File>,
    header: Header,
    /// Bytes consumed so far (the offset of the next block).
    offset: u64,
    /// Frames of the current block not yet handed out, in order.
    pending: std::collections::VecDeque<Frame>,
    /// Set once a block failed: nothing more is read.
    failed: bool,
    /// The header's bytes: every block's compression dictionary.
    dict: Vec<u8>,
}

/// Open a recording: check it is one, of this format, and read its header.
pub fn open(path: &Path) -> Result<Reader, ReadError> {
    let open_err = |source| ReadError::Open {
        path: path.to_path_buf(),
        source,
    };
    // A FIFO or a device must not block or stream forever: only regular files.
    let meta = std::fs::metadata(path).map_err(open_err)?;
    if !meta.is_file() {
        return Err(ReadError::NotAFile {
            path: path.to_path_buf(),
        });
    }
    let mut file = io::BufReader::new(File::open(path).map_err(open_err)?);
    let corrupt = |offset, why: String| ReadError::Corrupt {
        path: path.to_path_buf(),
        offset,
        why,
    };
    let mut magic = [0u8; 8];
    if read_full(&mut file, &mut magic).map_err(open_err)? < magic.len() || &magic != MAGIC {
        return Err(ReadError::NotARecording {
            path: path.to_path_buf(),
        });
    }
    let mut v = [0u8; 2];
    if read_full(&mut file, &mut v).map_err(open_err)? < 2 {
        return Err(corrupt(8, "the file ends inside the format version".into()));
    }
    let found = u16::from_le_bytes(v);
    if found != FORMAT_VERSION {
        return Err(ReadError::Version {
            path: path.to_path_buf(),
            found,
        });
    }
    let mut len = [0u8; 4];
    if read_full(&mut file, &mut len).map_err(open_err)? < 4 {
        return Err(corrupt(
            10,
            "the file ends inside the header's length".into(),
        ));
    }
    let len = u32::from_le_bytes(len) as usize;
    if len > MAX_HEADER {
        return Err(corrupt(10, format!("header length {len} is not plausible")));
    }
    let mut raw = vec![0u8; len];
    if read_full(&mut file, &mut raw).map_err(open_err)? < len {
        return Err(corrupt(14, "the file ends inside the header".into()));
    }
    let header: Header = postcard::from_bytes(&raw)
        .map_err(|e| corrupt(14, format!("the header does not decode: {e}")))?;
    Ok(Reader {
        path: path.to_path_buf(),
        file,
        header,
        offset: 14 + len as u64,
        pending: Default::default(),
        failed: false,
        dict: raw,
    })
}

impl Reader {
    /// The recording's header.
    pub fn header(&self) -> &Header {
        &self.header
    }

    /// Read the next block into `pending`. `Ok(false)` at a clean end of file.
    fn next_block(&mut self) -> Result<bool, ReadError> {
        let at = self.offset;
        let corrupt = |why: String| ReadError::Corrupt {
            path: self.path.clone(),
            offset: at,
            why,
        };
        let io_err = |e: io::Error| corrupt(format!("read error: {e}"));
        let mut head = [0u8; 16];
        let got = read_full(&mut self.file, &mut head).map_err(io_err)?;
        if got == 0 {
            return Ok(false);
        }
        if got < head.len() {
            return Err(corrupt(format!(
                "the file ends inside a block's head ({got} of 16 bytes): the recording was cut short"
            )));
        }
        let word = |i: usize| u32::from_le_bytes([head[i], head[i + 1], head[i + 2], head[i + 3]]);
        let (raw_len, stored_len, frames, crc) =
            (word(0) as usize, word(4) as usize, word(8), word(12));
        if raw_len > MAX_BLOCK || stored_len > MAX_BLOCK || frames == 0 {
            return Err(corrupt(format!(
                "a block head that is not plausible (raw {raw_len} bytes, stored {stored_len}, {frames} frames)"
            )));
        }
        let mut stored = vec![0u8; stored_len];
        let got = read_full(&mut self.file, &mut stored).map_err(io_err)?;
        if got < stored_len {
            return Err(corrupt(format!(
                "the file ends inside a block ({got} of {stored_len} bytes): the recording was cut short"
            )));
        }
        if crc32fast::hash(&stored) != crc {
            return Err(corrupt(
                "a block's checksum does not match: the file is damaged".into(),
            ));
        }
        let raw = lz4_flex::block::decompress_with_dict(&stored, raw_len, &self.dict)
            .map_err(|e| corrupt(format!("a block does not decompress: {e}")))?;
        let mut rest: &[u8] = &raw;
        let mut t = 0u64;
        let mut out = Vec::with_capacity(frames as usize);
        for _ in 0..frames {
            let (f, tail) = super::decode_frame(rest, t)
                .map_err(|e| corrupt(format!("a frame does not decode: {e}")))?;
            t = f.t_us;
            out.push(f);
            rest = tail;
        }
        if !rest.is_empty() {
            return Err(corrupt(format!(
                "{} bytes after the block's last frame",
                rest.len()
            )));
        }
        self.pending.extend(out);
        self.offset += 16 + stored_len as u64;
        Ok(true)
    }
}

impl Iterator for Reader {
    type Item = Result<Frame, ReadError>;

    /// The next frame; after an error, nothing more.
    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(f) = self.pending.pop_front() {
                return Some(Ok(f));
            }
            if self.failed {
                return None;
            }
            match self.next_block() {
                Ok(true) => continue,
                Ok(false) => return None,
                Err(e) => {
                    self.failed = true;
                    return Some(Err(e));
                }
            }
        }
    }
}

/// Read into `buf` until it is full or the file ends; returns the bytes read.
fn read_full(r: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

/// What a finished recording holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Written {
    pub frames: u64,
    pub bytes: u64,
}

impl Written {
    /// Bytes on disk per frame (header included).
    pub fn bytes_per_frame(&self) -> f64 {
        self.bytes as f64 / self.frames.max(1) as f64
    }
}

/// Writes a recording from its own thread.
pub struct Writer {
    path: PathBuf,
    tx: Option<SyncSender<Frame>>,
    thread: Option<JoinHandle<io::Result<Written>>>,
    /// The first write error, for whoever shows the run (the disk filled up, say).
    error: Arc<Mutex<Option<String>>>,
}

impl Writer {
    /// Create `path` (replacing it) and write the header at once, so that a path that
    /// cannot be written is reported before the run starts.
    pub fn create(path: &Path, header: &Header) -> io::Result<Writer> {
        let mut out = BufWriter::with_capacity(BLOCK_BYTES * 2, File::create(path)?);
        let head = postcard::to_stdvec(header).map_err(io::Error::other)?;
        out.write_all(MAGIC)?;
        out.write_all(&FORMAT_VERSION.to_le_bytes())?;
        out.write_all(&(head.len() as u32).to_le_bytes())?;
        out.write_all(&head)?;
        out.flush()?;
        let start = (MAGIC.len() + 2 + 4 + head.len()) as u64;
        let (tx, rx) = mpsc::sync_channel(QUEUE);
        let error = Arc::new(Mutex::new(None));
        let thread = {
            let error = error.clone();
            std::thread::Builder::new()
                .name("proclab-recorder".into())
                .spawn(move || {
                    let r = write_blocks(rx, out, start, head);
                    if let Err(e) = &r
                        && let Ok(mut slot) = error.lock()
                    {
                        *slot = Some(e.to_string());
                    }
                    r
                })?
        };
        Ok(Writer {
            path: path.to_path_buf(),
            tx: Some(tx),
            thread: Some(thread),
            error,
        })
    }

    /// Where it writes.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Record one frame. Waits only while the writer is [`QUEUE`] frames behind; after a
    /// write error the frame is not kept, and [`Writer::error`] says why.
    pub fn push(&self, frame: Frame) {
        if let Some(tx) = &self.tx {
            let _ = tx.send(frame);
        }
    }

    /// The write error that stopped the recording, if one did.
    pub fn error(&self) -> Option<String> {
        self.error.lock().ok().and_then(|e| e.clone())
    }

    /// Write what is left and close the file.
    pub fn finish(mut self) -> Result<Written, String> {
        self.close()
    }

    fn close(&mut self) -> Result<Written, String> {
        drop(self.tx.take());
        match self.thread.take().map(JoinHandle::join) {
            Some(Ok(Ok(w))) => Ok(w),
            Some(Ok(Err(e))) => Err(format!("cannot write {}: {e}", self.path.display())),
            Some(Err(_)) => Err(format!("the recorder of {} failed", self.path.display())),
            None => Err("the recording was already closed".into()),
        }
    }
}

impl Drop for Writer {
    fn drop(&mut self) {
        if self.thread.is_some() {
            let _ = self.close();
        }
    }
}

/// The writer thread: frames in, whole blocks out.
fn write_blocks(
    rx: Receiver<Frame>,
    mut out: BufWriter<File>,
    start: u64,
    dict: Vec<u8>,
) -> io::Result<Written> {
    let mut block = Block {
        dict,
        ..Block::default()
    };
    let mut written = Written {
        frames: 0,
        bytes: start,
    };
    let mut first_at: Option<Instant> = None;
    loop {
        let wait = first_at.map_or(Duration::from_secs(3600), |t| {
            FLUSH_EVERY.saturating_sub(t.elapsed())
        });
        match rx.recv_timeout(wait) {
            Ok(f) => {
                block.add(&f).map_err(io::Error::other)?;
                first_at.get_or_insert_with(Instant::now);
                if block.raw.len() >= BLOCK_BYTES {
                    written.bytes += block.write(&mut out)?;
                    written.frames += block.take_count();
                    first_at = None;
                }
            }
            Err(RecvTimeoutError::Timeout) => {
                written.bytes += block.write(&mut out)?;
                written.frames += block.take_count();
                first_at = None;
            }
            Err(RecvTimeoutError::Disconnected) => break,
        }
    }
    written.bytes += block.write(&mut out)?;
    written.frames += block.take_count();
    out.flush()?;
    out.get_ref().sync_data()?;
    Ok(written)
}

/// The frames of one block being collected.
#[derive(Default)]
struct Block {
    raw: Vec<u8>,
    frames: u32,
    /// The previous frame's time (0 before the first: blocks stand alone).
    last_t: u64,
    /// Frames written since the count was last taken.
    flushed: u64,
    /// The header's bytes, the compression dictionary.
    dict: Vec<u8>,
}

impl Block {
    fn add(&mut self, f: &Frame) -> Result<(), postcard::Error> {
        self.raw = super::encode_frame(std::mem::take(&mut self.raw), self.last_t, f)?;
        self.last_t = f.t_us;
        self.frames += 1;
        Ok(())
    }

    /// Write the block (if it has frames) and start a new one; returns the bytes written.
    fn write(&mut self, out: &mut impl Write) -> io::Result<u64> {
        if self.frames == 0 {
            return Ok(0);
        }
        let stored = lz4_flex::block::compress_with_dict(&self.raw, &self.dict);
        let mut head = [0u8; 16];
        head[0..4].copy_from_slice(&(self.raw.len() as u32).to_le_bytes());
        head[4..8].copy_from_slice(&(stored.len() as u32).to_le_bytes());
        head[8..12].copy_from_slice(&self.frames.to_le_bytes());
        head[12..16].copy_from_slice(&crc32fast::hash(&stored).to_le_bytes());
        out.write_all(&head)?;
        out.write_all(&stored)?;
        // Whole blocks reach the file, so a crash leaves a file that replays up to here.
        out.flush()?;
        self.flushed += self.frames as u64;
        self.raw.clear();
        self.frames = 0;
        self.last_t = 0;
        Ok((16 + stored.len()) as u64)
    }

    fn take_count(&mut self) -> u64 {
        std::mem::take(&mut self.flushed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::protocol::{Event, Scalar, Stream};

    fn temp(name: &str) -> PathBuf {
        std::env::temp_dir().join(format!(
            "proclab-rec-test-{}-{name}.rec",
            std::process::id()
        ))
    }

    fn frames(n: usize) -> Vec<Frame> {
        let mut t = 5_000_000_000u64;
        (0..n)
            .map(|i| {
                // Times go mostly forward, sometimes a little back (frames from several
                // processes arrive slightly out of order).
                t = if i % 7 == 3 { t - 3 } else { t + 17 };
                let pid = 4000 + (i % 4) as i32;
                let event = match i % 3 {
                    0 => Event::SharedRead {
                        name: "counter".into(),
                        index: 0,
                        value: Scalar::I32(i as i32),
                    },
                    1 => Event::SharedWrite {
                        name: "counter".into(),
                        index: 0,
                        value: Scalar::I32(i as i32 + 1),
                    },
                    _ => Event::Output {
                        stream: Stream::Stdout,
                        line: format!("worker {} step {i}", i % 4),
                    },
                };
                Frame {
                    t_us: t,
                    pid,
                    event,
                }
            })
            .collect()
    }

    fn write(path: &Path, all: &[Frame]) -> Written {
        let w = Writer::create(path, &Header::now("lock", vec![], "native")).expect("create");
        for f in all {
            w.push(f.clone());
        }
        w.finish().expect("finish")
    }

    #[test]
    fn frames_come_back_exactly_and_small() {
        let path = temp("exact");
        let all = frames(50_000);
        let w = write(&path, &all);
        assert_eq!(w.frames, 50_000);
        assert_eq!(w.bytes, std::fs::metadata(&path).expect("meta").len());
        assert!(
            w.bytes_per_frame() <= 40.0,
            "{} bytes per frame",
            w.bytes_per_frame()
        );
        let r = open(&path).expect("open");
        assert_eq!(r.header().demo, "lock");
        let back: Vec<Frame> = r.map(|f| f.expect("valid")).collect();
        let _ = std::fs::remove_file(&path);
        assert_eq!(back, all);
    }

    #[test]
    fn every_event_survives_the_file() {
        let path = temp("every");
        let all: Vec<Frame> = crate::engine::protocol::tests::every_event()
            .into_iter()
            .enumerate()
            .map(|(i, event)| Frame {
                t_us: 1000 + i as u64,
                pid: -(i as i32),
                event,
            })
            .collect();
        write(&path, &all);
        let back: Vec<Frame> = open(&path).expect("open").map(|f| f.expect("ok")).collect();
        let _ = std::fs::remove_file(&path);
        assert_eq!(back, all);
    }

    #[test]
    fn a_cut_file_replays_its_whole_blocks_then_names_the_byte() {
        let path = temp("cut");
        let all = frames(40_000);
        write(&path, &all);
        let bytes = std::fs::read(&path).expect("read");
        let cut = bytes.len() * 2 / 3;
        std::fs::write(&path, &bytes[..cut]).expect("write");
        let mut good = 0;
        let mut err = None;
        for f in open(&path).expect("open") {
            match f {
                Ok(f) => {
                    assert_eq!(f, all[good]);
                    good += 1;
                }
                Err(e) => err = Some(e),
            }
        }
        let _ = std::fs::remove_file(&path);
        let err = err.expect("the cut is reported");
        assert!(good > 0 && good < all.len(), "{good}");
        let at = err.offset().expect("an offset");
        assert!(at < cut as u64, "{at} {cut}");
        assert!(err.to_string().contains("cut short"), "{err}");
    }

    #[test]
    fn a_damaged_block_stops_the_replay_with_its_offset() {
        let path = temp("damaged");
        write(&path, &frames(40_000));
        let mut bytes = std::fs::read(&path).expect("read");
        let mid = bytes.len() / 2;
        bytes[mid] ^= 0x5a;
        std::fs::write(&path, &bytes).expect("write");
        let results: Vec<_> = open(&path).expect("open").collect();
        let _ = std::fs::remove_file(&path);
        let err = results
            .last()
            .expect("something")
            .as_ref()
            .expect_err("ends in an error");
        assert!(err.offset().is_some_and(|o| o <= mid as u64), "{err}");
        assert!(results.iter().filter(|r| r.is_ok()).count() > 0);
    }

    #[test]
    fn other_files_are_refused_with_what_they_are() {
        let path = temp("other");
        std::fs::write(&path, b"hello, I am a text file").expect("write");
        let e = open(&path).err().expect("refused");
        assert!(e.to_string().contains("not a proclab recording"), "{e}");
        let mut v2 = MAGIC.to_vec();
        v2.extend_from_slice(&2u16.to_le_bytes());
        std::fs::write(&path, &v2).expect("write");
        let e = open(&path).err().expect("refused");
        assert!(e.to_string().contains("format 2"), "{e}");
        assert!(
            e.to_string().contains(&format!("format {FORMAT_VERSION}")),
            "{e}"
        );
        let _ = std::fs::remove_file(&path);
        let dir = std::env::temp_dir();
        let e = open(&dir).err().expect("refused");
        assert!(e.to_string().contains("not a regular file"), "{e}");
    }

    #[test]
    fn random_damage_never_panics() {
        let path = temp("fuzz");
        write(&path, &frames(3000));
        let good = std::fs::read(&path).expect("read");
        let mut x: u64 = 0x2545_f491_4f6c_dd1d;
        for round in 0..300 {
            let mut bytes = good.clone();
            for _ in 0..(1 + round % 5) {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                let i = (x as usize) % bytes.len();
                bytes[i] = (x >> 32) as u8;
            }
            if round % 3 == 0 {
                bytes.truncate((x as usize) % bytes.len());
            }
            std::fs::write(&path, &bytes).expect("write");
            if let Ok(r) = open(&path) {
                for _ in r {}
            }
        }
        let _ = std::fs::remove_file(&path);
    }
}
