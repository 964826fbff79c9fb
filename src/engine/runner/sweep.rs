//! What a Python program must not leave behind. The probe leaves a note in its folder
//! for each process of the program (with its start time), each shared memory segment it
//! creates, each named semaphore (`/dev/shm/sem.mp-*`) and its `pymp-*` temp folder.
//! When a run ends, or when the guard acts because proclab itself was killed, these
//! notes say what to end and what to remove — also a process that left the group with
//! `os.setsid()`, and what the program's resource tracker, killed with it, never unlinked.

use std::path::{Path, PathBuf};

/// Everything the program's processes noted.
#[derive(Debug, Default)]
pub struct Notes {
    /// (pid, start time in clock ticks since boot, as in /proc/PID/stat).
    pub pids: Vec<(i32, String)>,
    /// Names in /dev/shm of the segments the program created.
    pub segments: Vec<String>,
    /// Names of its named semaphores (`mp-...`: /dev/shm/sem.mp-...).
    pub semaphores: Vec<String>,
    /// Its `pymp-*` temp folders.
    pub temp_dirs: Vec<PathBuf>,
}

/// Read the notes in a probe folder (none if it is gone).
pub fn read_notes(dir: &Path) -> Notes {
    let mut notes = Notes::default();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return notes;
    };
    for e in entries.flatten() {
        let file = e.file_name().to_string_lossy().into_owned();
        let Some(rest) = file.strip_prefix("note-") else {
            continue;
        };
        let Some((kind, hex)) = rest.split_once('-') else {
            continue;
        };
        let Some(value) = unhex(hex) else {
            continue;
        };
        match kind {
            "pid" => {
                if let Ok(pid) = value.parse::<i32>()
                    && pid > 1
                {
                    let start = std::fs::read_to_string(e.path()).unwrap_or_default();
                    notes.pids.push((pid, start.trim().to_string()));
                }
            }
            "shm" if plain_name(&value) => notes.segments.push(value),
            "sem" if plain_name(&value) => notes.semaphores.push(value),
            "tmp" => {
                let path = PathBuf::from(&value);
                if is_pymp_dir(&path) {
                    notes.temp_dirs.push(path);
                }
            }
            _ => {}
        }
    }
    notes
}

fn unhex(hex: &str) -> Option<String> {
    if !hex.len().is_multiple_of(2) {
        return None;
    }
    let bytes: Option<Vec<u8>> = (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok())
        .collect();
    String::from_utf8(bytes?).ok()
}

/// A name that stays inside /dev/shm.
fn plain_name(name: &str) -> bool {
    !name.is_empty() && name != "." && name != ".." && !name.contains('/')
}

/// Only a folder multiprocessing made (`pymp-*`), named by an absolute path.
fn is_pymp_dir(path: &Path) -> bool {
    path.is_absolute()
        && !path
            .components()
            .any(|c| c == std::path::Component::ParentDir)
        && path
            .file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with("pymp-"))
}

/// The start time of a live, not yet dead, process (None if it is gone or a zombie).
pub fn start_time(pid: i32) -> Option<String> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let after = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = after.split_whitespace().collect();
    // Fields from 3 on: the state is field 3, the start time field 22.
    if fields.first() == Some(&"Z") || fields.first() == Some(&"X") {
        return None;
    }
    fields.get(19).map(|s| s.to_string())
}

/// Send `signal` to each noted process that is still the one noted (a PID reused by
/// another process since is left alone). Returns how many were signalled.
pub fn signal_noted(notes: &Notes, signal: i32) -> usize {
    let mut n = 0;
    for (pid, start) in &notes.pids {
        if start_time(*pid).is_some_and(|now| start.is_empty() || now == *start) {
            // SAFETY: signalling a process of the program, checked by its start time.
            unsafe { libc::kill(*pid, signal) };
            n += 1;
        }
    }
    n
}

/// End the noted processes still alive: SIGTERM, SIGKILL after `grace`, then up to 2 s
/// for them to go (reaping those re-parented to us), so that nothing they would still
/// write is left after [`remove_leftovers`].
pub fn end(notes: &Notes, grace: std::time::Duration) {
    use std::time::{Duration, Instant};
    if signal_noted(notes, libc::SIGTERM) == 0 {
        return;
    }
    let kill_at = Instant::now() + grace;
    let give_up = kill_at + Duration::from_secs(2);
    let mut killed = false;
    loop {
        for (pid, _) in &notes.pids {
            let mut status = 0;
            // SAFETY: reaping a process of the program if it is our child; harmless if not.
            unsafe { libc::waitpid(*pid, &mut status, libc::WNOHANG | libc::__WALL) };
        }
        if signal_noted(notes, 0) == 0 || Instant::now() >= give_up {
            return;
        }
        if !killed && Instant::now() >= kill_at {
            signal_noted(notes, libc::SIGKILL);
            killed = true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Remove what the program left in /dev/shm and its temp folders; what was removed.
pub fn remove_leftovers(notes: &Notes) -> Vec<String> {
    let mut removed = Vec::new();
    let shm = Path::new("/dev/shm");
    let files = notes.segments.iter().map(|s| shm.join(s)).chain(
        notes
            .semaphores
            .iter()
            .map(|s| shm.join(format!("sem.{s}"))),
    );
    for path in files {
        if std::fs::remove_file(&path).is_ok() {
            removed.push(path.display().to_string());
        }
    }
    for dir in &notes.temp_dirs {
        if std::fs::remove_dir_all(dir).is_ok() {
            removed.push(dir.display().to_string());
        }
    }
    removed
}

#[cfg(test)]
mod tests {
    use super::*;

    fn note(dir: &Path, kind: &str, value: &str, content: &str) {
        let hex: String = value.bytes().map(|b| format!("{b:02x}")).collect();
        std::fs::write(dir.join(format!("note-{kind}-{hex}")), content).expect("write");
    }

    #[test]
    fn notes_name_only_what_stays_in_dev_shm_and_pymp_folders() {
        let dir = tempfile::tempdir().expect("tmp");
        note(dir.path(), "shm", "psm_abc", "");
        note(dir.path(), "shm", "../etc/passwd", "");
        note(dir.path(), "sem", "mp-x1", "");
        note(dir.path(), "tmp", "/tmp/pymp-abc", "");
        note(dir.path(), "tmp", "/home/me", "");
        note(dir.path(), "pid", "4242", "123");
        std::fs::write(dir.path().join("note-shm-zz"), "").expect("write");
        let n = read_notes(dir.path());
        assert_eq!(n.segments, ["psm_abc"]);
        assert_eq!(n.semaphores, ["mp-x1"]);
        assert_eq!(n.temp_dirs, [PathBuf::from("/tmp/pymp-abc")]);
        assert_eq!(n.pids, [(4242, "123".to_string())]);
    }

    #[test]
    fn a_process_is_signalled_only_while_its_start_time_matches() {
        let mut child = std::process::Command::new("sleep")
            .arg("30")
            .spawn()
            .expect("sleep");
        let pid = child.id() as i32;
        let start = start_time(pid).expect("alive");
        let other = Notes {
            pids: vec![(pid, format!("{start}9"))],
            ..Notes::default()
        };
        assert_eq!(signal_noted(&other, libc::SIGKILL), 0, "a reused PID");
        let same = Notes {
            pids: vec![(pid, start)],
            ..Notes::default()
        };
        assert_eq!(signal_noted(&same, libc::SIGKILL), 1);
        let status = child.wait().expect("wait");
        use std::os::unix::process::ExitStatusExt;
        assert_eq!(status.signal(), Some(libc::SIGKILL));
        assert_eq!(start_time(pid), None);
    }
}
