//! Writing a recording from its own thread: frames come through a bounded channel and
//! leave as whole, checksummed, compressed blocks.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, SyncSender};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::engine::protocol::Frame;

use super::{BLOCK_BYTES, FLUSH_EVERY, FORMAT_VERSION, Header, MAGIC, QUEUE, Written};

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
        let mut out = BufWriter::with_capacity(BLOCK_BYTES * 2, super::output_file(path)?);
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
        self.raw = crate::record::encode_frame(std::mem::take(&mut self.raw), self.last_t, f)?;
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
