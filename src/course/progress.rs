//! Which lessons a user has finished, kept between runs in the XDG data directory
//! (`$XDG_DATA_HOME/proclab/progress.json`, else `~/.local/share/proclab/progress.json`).
//! Written atomically (a temporary file renamed over the old one); a file that does not
//! parse is kept as a backup and progress starts afresh, with a message saying so.

use std::collections::BTreeSet;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// What is stored.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Progress {
    /// Format version, for future changes.
    pub version: u32,
    /// Finished lessons, by folder name (e.g. "05-lock").
    pub done: BTreeSet<String>,
}

/// The progress file's usual place, if a home or data directory is known.
pub fn default_path() -> Option<PathBuf> {
    let var = |k: &str| {
        std::env::var_os(k)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    let base = var("XDG_DATA_HOME").or_else(|| var("HOME").map(|h| h.join(".local/share")))?;
    Some(base.join("proclab").join("progress.json"))
}

impl Progress {
    /// Read progress from `path`. A missing file is no progress; a corrupt one is moved
    /// aside (its new name is in the message) and progress starts empty.
    pub fn load(path: &Path) -> (Progress, Option<String>) {
        use crate::files::FileError;
        let text = match crate::files::read_text(path) {
            Ok(t) => t,
            Err(e) if e.is_not_found() => return (Progress::new(), None),
            // Bytes that are not text are a corrupt file: kept aside like any other.
            Err(e @ (FileError::NotUtf8 { .. } | FileError::Nul { .. })) => {
                return Self::set_aside(path, &e.reason());
            }
            Err(e) => {
                return (
                    Progress::new(),
                    Some(format!("cannot read progress: {e}; progress starts empty")),
                );
            }
        };
        match serde_json::from_str::<Progress>(&text) {
            Ok(p) => (p, None),
            Err(e) => Self::set_aside(path, &e.to_string()),
        }
    }

    /// A corrupt progress file is moved aside (its new name is in the message), never
    /// overwritten, and progress starts empty.
    fn set_aside(path: &Path, why: &str) -> (Progress, Option<String>) {
        let backup = path.with_extension(format!("json.corrupt-{}", std::process::id()));
        let msg = if std::fs::rename(path, &backup).is_ok() {
            format!(
                "progress file was corrupt ({why}); kept as {}, starting afresh",
                backup.display()
            )
        } else {
            format!(
                "progress file {} is corrupt ({why}); starting afresh",
                path.display()
            )
        };
        (Progress::new(), Some(msg))
    }

    /// Empty progress.
    pub fn new() -> Progress {
        Progress {
            version: 1,
            done: BTreeSet::new(),
        }
    }

    /// Write atomically: a temporary file in the same directory, synced, then renamed.
    pub fn save(&self, path: &Path) -> io::Result<()> {
        let dir = path.parent().unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir)?;
        // Never replace what is not a file of ours (a FIFO, a folder) with one.
        if let Ok(m) = std::fs::symlink_metadata(path)
            && !m.is_file()
        {
            return Err(io::Error::other(format!(
                "{} is not a regular file; progress not saved",
                path.display()
            )));
        }
        let tmp = dir.join(format!(".progress.json.{}.tmp", std::process::id()));
        let result = (|| {
            let mut f = std::fs::File::create(&tmp)?;
            f.write_all(
                serde_json::to_string_pretty(self)
                    .map_err(io::Error::other)?
                    .as_bytes(),
            )?;
            f.sync_all()?;
            std::fs::rename(&tmp, path)
        })();
        if result.is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::FileTypeExt;

    /// A progress path inside a private folder; the folder goes when the guard does.
    fn scratch(name: &str) -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::Builder::new()
            .prefix(&format!("proclab-test-{name}-"))
            .tempdir()
            .expect("temp dir");
        let path = dir.path().join("proclab").join("progress.json");
        (dir, path)
    }

    #[test]
    fn progress_survives_a_save_and_load() {
        let (_dir, path) = scratch("roundtrip");
        let (mut p, warning) = Progress::load(&path);
        assert_eq!(
            (p.done.len(), warning),
            (0, None),
            "no file: no progress, no fuss"
        );
        p.done.insert("05-lock".into());
        p.save(&path).expect("saves, creating the directory");
        let (again, warning) = Progress::load(&path);
        assert_eq!(warning, None);
        assert_eq!(again, p);
        let leftovers: Vec<_> = std::fs::read_dir(path.parent().expect("dir"))
            .expect("dir")
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
            .collect();
        assert!(leftovers.is_empty(), "no temporary file left");
    }

    #[test]
    fn a_corrupt_file_is_kept_as_a_backup_and_progress_resets() {
        let (_dir, path) = scratch("corrupt");
        std::fs::create_dir_all(path.parent().expect("dir")).expect("dir");
        std::fs::write(&path, "{ not json").expect("write");
        let (p, warning) = Progress::load(&path);
        assert!(p.done.is_empty());
        let warning = warning.expect("the user is told");
        assert!(
            warning.contains("corrupt") && warning.contains("kept as"),
            "{warning}"
        );
        assert!(!path.exists(), "moved aside");
        let backups = std::fs::read_dir(path.parent().expect("dir"))
            .expect("dir")
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().contains("corrupt"))
            .count();
        assert_eq!(backups, 1);
    }

    #[test]
    fn bytes_that_are_not_text_are_kept_as_a_backup_too() {
        let (_dir, path) = scratch("binary");
        std::fs::create_dir_all(path.parent().expect("dir")).expect("dir");
        std::fs::write(&path, b"{\"done\": [\"\xff\"]}").expect("write");
        let (p, warning) = Progress::load(&path);
        assert!(p.done.is_empty());
        let warning = warning.expect("the user is told");
        assert!(
            warning.contains("not valid UTF-8") && warning.contains("kept as"),
            "{warning}"
        );
        assert!(!path.exists(), "moved aside, not left to be overwritten");
    }

    #[test]
    fn a_fifo_in_its_place_is_neither_waited_on_nor_replaced() {
        let (_dir, path) = scratch("fifo");
        std::fs::create_dir_all(path.parent().expect("dir")).expect("dir");
        nix::unistd::mkfifo(&path, nix::sys::stat::Mode::S_IRWXU).expect("mkfifo");
        // No writer: a blocking open would hang here.
        let (p, warning) = Progress::load(&path);
        assert!(p.done.is_empty());
        let warning = warning.expect("the user is told");
        assert!(warning.contains("FIFO"), "{warning}");
        let err = p.save(&path).expect_err("not replaced");
        assert!(err.to_string().contains("not a regular file"), "{err}");
        assert!(
            std::fs::symlink_metadata(&path)
                .expect("still there")
                .file_type()
                .is_fifo()
        );
    }
}
