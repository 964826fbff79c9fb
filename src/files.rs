//! Reading the files a user names (lesson files, the progress file, a program to watch):
//! only regular files, opened without ever blocking, and text refused with the reason a
//! user can act on (not valid UTF-8 at byte N, a NUL byte at byte N) instead of "missing".

use std::fmt;
use std::fs::File;
use std::io::{self, Read};
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

/// Why a file could not be read, with its path.
#[derive(Debug)]
pub enum FileError {
    NotFound(PathBuf),
    /// A FIFO, a device, a socket or a folder: what it is instead.
    NotRegular(PathBuf, &'static str),
    NotUtf8 {
        path: PathBuf,
        offset: usize,
    },
    Nul {
        path: PathBuf,
        offset: usize,
    },
    Io(PathBuf, io::Error),
}

impl FileError {
    pub fn is_not_found(&self) -> bool {
        matches!(self, FileError::NotFound(_))
    }
}

impl FileError {
    /// The file it is about.
    pub fn path(&self) -> &Path {
        match self {
            FileError::NotFound(p) | FileError::NotRegular(p, _) | FileError::Io(p, _) => p,
            FileError::NotUtf8 { path, .. } | FileError::Nul { path, .. } => path,
        }
    }

    /// What is wrong, without the path (for a list that names the file already).
    pub fn reason(&self) -> String {
        match self {
            FileError::NotFound(_) => "no such file".into(),
            FileError::NotRegular(_, what) => format!("is {what}, not a regular file"),
            FileError::NotUtf8 { offset, .. } => {
                format!("not valid UTF-8 text (at byte {offset})")
            }
            FileError::Nul { offset, .. } => format!("contains a NUL byte (at byte {offset})"),
            FileError::Io(_, e) => e.to_string(),
        }
    }
}

impl fmt::Display for FileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path().display(), self.reason())
    }
}

impl std::error::Error for FileError {}

/// What a file that is not a regular one is, in words.
fn kind_of(t: std::fs::FileType) -> &'static str {
    if t.is_dir() {
        "a folder"
    } else if t.is_fifo() {
        "a FIFO (named pipe)"
    } else if t.is_socket() {
        "a socket"
    } else if t.is_char_device() || t.is_block_device() {
        "a device"
    } else {
        "not a file"
    }
}

/// The bytes of a regular file. The open never blocks (O_NONBLOCK: opening a FIFO for
/// reading would wait for a writer), and what it opened is checked before any read, so a
/// FIFO or a device is refused at once.
pub fn read_bytes(path: &Path) -> Result<Vec<u8>, FileError> {
    let (file, len) = open_regular(path)?;
    let mut bytes = Vec::with_capacity(len as usize);
    (&file)
        .read_to_end(&mut bytes)
        .map_err(|e| FileError::Io(path.to_path_buf(), e))?;
    Ok(bytes)
}

/// Open without blocking, then refuse what is not a regular file; returns its length.
fn open_regular(path: &Path) -> Result<(File, u64), FileError> {
    let file = File::options()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
        .map_err(|e| match e.kind() {
            io::ErrorKind::NotFound => FileError::NotFound(path.to_path_buf()),
            _ => FileError::Io(path.to_path_buf(), e),
        })?;
    let meta = file
        .metadata()
        .map_err(|e| FileError::Io(path.to_path_buf(), e))?;
    if !meta.is_file() {
        return Err(FileError::NotRegular(
            path.to_path_buf(),
            kind_of(meta.file_type()),
        ));
    }
    Ok((file, meta.len()))
}

/// Only that `path` is a regular file that can be opened for reading (for a program
/// another process will read).
pub fn check_regular(path: &Path) -> Result<(), FileError> {
    open_regular(path).map(drop)
}

/// A regular file's text: valid UTF-8 without NUL bytes.
pub fn read_text(path: &Path) -> Result<String, FileError> {
    let bytes = read_bytes(path)?;
    if let Some(offset) = bytes.iter().position(|&b| b == 0) {
        return Err(FileError::Nul {
            path: path.to_path_buf(),
            offset,
        });
    }
    String::from_utf8(bytes).map_err(|e| FileError::NotUtf8 {
        path: path.to_path_buf(),
        offset: e.utf8_error().valid_up_to(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fifo_a_folder_and_a_device_are_refused_at_once_without_blocking() {
        let dir = tempfile::tempdir().expect("temp dir");
        let fifo = dir.path().join("en.md");
        nix::unistd::mkfifo(&fifo, nix::sys::stat::Mode::S_IRWXU).expect("mkfifo");
        // No writer ever opens it: a blocking open would hang this test.
        let e = read_text(&fifo).expect_err("a FIFO");
        assert!(
            e.to_string()
                .contains("is a FIFO (named pipe), not a regular file"),
            "{e}"
        );
        let e = read_text(dir.path()).expect_err("a folder");
        assert!(e.to_string().contains("is a folder"), "{e}");
        let e = read_text(Path::new("/dev/null")).expect_err("a device");
        assert!(e.to_string().contains("/dev/null: is a device"), "{e}");
        let e = read_text(&dir.path().join("nope")).expect_err("missing");
        assert!(e.is_not_found(), "{e}");
    }

    #[test]
    fn bad_text_is_told_with_its_byte_offset() {
        let dir = tempfile::tempdir().expect("temp dir");
        let p = dir.path().join("zh.md");
        std::fs::write(&p, b"# T\n\xe4\xb8\xad\xff rest").expect("write");
        let e = read_text(&p).expect_err("invalid UTF-8");
        assert!(
            e.to_string().contains("not valid UTF-8 text (at byte 7)"),
            "{e}"
        );
        std::fs::write(&p, b"# T\nab\0c").expect("write");
        let e = read_text(&p).expect_err("NUL");
        assert!(e.to_string().contains("NUL byte (at byte 6)"), "{e}");
        std::fs::write(&p, "# 标题\n").expect("write");
        assert_eq!(read_text(&p).expect("good text"), "# 标题\n");
    }
}
