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

mod reader;
mod writer;

use std::io;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::engine::protocol::Frame;

pub use reader::{Reader, open};
pub use writer::Writer;

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
pub(crate) const QUEUE: usize = 16 * 1024;
/// A block's raw bytes may not claim more than this (a corrupt length must not make the
/// reader allocate gigabytes).
pub(crate) const MAX_BLOCK: usize = 16 * BLOCK_BYTES;
/// A header may not claim more than this.
pub(crate) const MAX_HEADER: usize = 1 << 20;

/// Open `path` to write a recording or an export into, created or emptied. Anything that
/// exists and is not a regular file is refused: a FIFO would block the writer (and the
/// run) until someone reads it, a device is not a file to keep.
pub fn output_file(path: &Path) -> io::Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    if let Ok(meta) = std::fs::metadata(path)
        && !meta.is_file()
    {
        return Err(io::Error::other("it is not a regular file"));
    }
    // Non-blocking, so even a FIFO made between the check and the open cannot hang us.
    std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
}

/// Check, before a run starts, that `path` can take a recording or an export, leaving
/// nothing behind: the reason in words if not.
pub fn check_output(path: &Path) -> Result<(), String> {
    use std::os::unix::fs::OpenOptionsExt;
    let why = |e: io::Error| format!("cannot write {}: {e}", path.display());
    match std::fs::metadata(path) {
        Ok(meta) if !meta.is_file() => Err(format!(
            "cannot write {}: it is not a regular file",
            path.display()
        )),
        Ok(_) => std::fs::OpenOptions::new()
            .append(true)
            .custom_flags(libc::O_NONBLOCK)
            .open(path)
            .map(drop)
            .map_err(why),
        Err(_) => {
            std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(path)
                .map_err(why)?;
            let _ = std::fs::remove_file(path);
            Ok(())
        }
    }
}

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
    /// The Python version of a Python run ("3.11").
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
        let python = param("runner")
            .filter(|r| *r == "python")
            .and_then(|_| python_version(Path::new(param("python")?)));
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

/// "3.11" for an interpreter, asked once per interpreter and process (asking starts
/// Python, which a run's start should not wait for twice).
fn python_version(python: &Path) -> Option<String> {
    use std::collections::HashMap;
    use std::sync::Mutex;
    static KNOWN: Mutex<Option<HashMap<PathBuf, Option<String>>>> = Mutex::new(None);
    let mut known = KNOWN.lock().unwrap_or_else(|e| e.into_inner());
    known
        .get_or_insert_with(HashMap::new)
        .entry(python.to_path_buf())
        .or_insert_with(|| {
            crate::engine::python::version(python).map(|v| format!("{}.{}", v.major, v.minor))
        })
        .clone()
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
    /// The exit code for it: 1 for a recording cut short or damaged (what came before is
    /// good), 2 for a file that is not one this proclab can read at all.
    pub fn exit_code(&self) -> i32 {
        if self.offset().is_some() { 1 } else { 2 }
    }

    /// The byte the reading stopped at, for a file cut short or damaged.
    pub fn offset(&self) -> Option<u64> {
        match self {
            ReadError::Corrupt { offset, .. } => Some(*offset),
            _ => None,
        }
    }
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
    fn a_damaged_frame_count_is_an_error_not_an_allocation() {
        let path = temp("count");
        write(&path, &frames(2000));
        let mut bytes = std::fs::read(&path).expect("read");
        // The first block's head starts right after the header: its third word counts
        // the frames.
        let head_len = u32::from_le_bytes([bytes[10], bytes[11], bytes[12], bytes[13]]) as usize;
        let at = 14 + head_len + 8;
        bytes[at..at + 4].copy_from_slice(&u32::MAX.to_le_bytes());
        std::fs::write(&path, &bytes).expect("write");
        let results: Vec<_> = open(&path).expect("open").collect();
        let _ = std::fs::remove_file(&path);
        assert_eq!(results.len(), 1, "nothing before the damaged block");
        let err = results[0].as_ref().expect_err("an error");
        assert_eq!(err.offset(), Some((14 + head_len) as u64), "{err}");
        assert_eq!(err.exit_code(), 1);
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
