//! Reading a recording: the header first, then whole blocks, frame by frame; the first
//! damaged or missing byte ends the reading with its offset.

use std::fs::File;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use crate::engine::protocol::Frame;

use super::{FORMAT_VERSION, Header, MAGIC, MAX_BLOCK, MAX_HEADER, ReadError};

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
        // A frame takes at least three bytes (time, pid, event): a count beyond that is
        // damage, not a reason to allocate.
        if raw_len > MAX_BLOCK
            || stored_len > MAX_BLOCK
            || frames == 0
            || frames as usize * 3 > raw_len
        {
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
            let (f, tail) = crate::record::decode_frame(rest, t)
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
