//! The Python runner's side in proclab: find an interpreter, prepare the probe's private
//! folder, and read what the probe reports.
//!
//! The probe (`assets/probe/`) is loaded by a private `sitecustomize.py` that proclab puts
//! first on `PYTHONPATH` for the program it runs, so every Python process of the program
//! loads it: the script, spawn children, the forkserver, the resource tracker. Each
//! process connects to two Unix sockets in a 0700 folder: `events.sock` for JSON lines of
//! [`crate::engine::protocol::Frame`], `output.sock` to hand over its stdout/stderr pipes.

use std::io::{BufRead, BufReader, Read};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::UnixListener;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// The probe's loader, written as `sitecustomize.py`.
pub const SITECUSTOMIZE: &str = include_str!("../../assets/probe/sitecustomize.py");
/// The probe itself, written as `proclab_probe.py`.
pub const PROBE: &str = include_str!("../../assets/probe/proclab_probe.py");

/// Environment variable naming the probe's folder.
pub const PROBE_DIR_ENV: &str = "PROCLAB_PROBE_DIR";
/// Environment variable holding proclab's PID, so the probe knows the script's process.
pub const RUNNER_PID_ENV: &str = "PROCLAB_RUNNER_PID";

/// Longest JSON line accepted from the probe.
pub const MAX_LINE: usize = 16 * 1024;

/// What to run under the Python runner.
#[derive(Debug, Clone, PartialEq)]
pub struct PythonProgram {
    /// The interpreter.
    pub python: PathBuf,
    /// The script.
    pub script: PathBuf,
    /// The script's text, for a lesson's embedded demo.py: written into the probe's
    /// folder under the name `script` and run from there.
    pub script_text: Option<String>,
    /// Its arguments.
    pub args: Vec<String>,
    /// The run's name: a lesson's demo name (the screen's panes follow it), or "script"
    /// for a student's own program.
    pub name: String,
}

/// The interpreter to use: `explicit` if given (it must run), else the first `python3` on
/// PATH. The error says how to get one.
pub fn find_python(explicit: Option<&Path>) -> Result<PathBuf, String> {
    // The interpreter itself (sys.executable), not a launcher such as a pyenv shim: a
    // launcher's helpers would show up in the process tree.
    if let Some(given) = explicit {
        // A bare name (`--python python3.12`) is looked up on PATH, as a shell would.
        let on_path = (given.components().count() == 1 && !given.exists())
            .then(|| {
                std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())
                    .map(|dir| dir.join(given))
                    .find(|c| c.is_file())
            })
            .flatten();
        let bare = given.components().count() == 1;
        let p = on_path.as_deref().unwrap_or(given);
        if !p.exists() {
            return Err(if bare {
                format!(
                    "{}: no such file, nor a program of that name on PATH (--python)",
                    given.display()
                )
            } else {
                format!("{}: no such file (--python)", given.display())
            });
        }
        return match version(p) {
            Some(v) => Ok(v.executable),
            None => Err(format!(
                "{} does not run as a Python interpreter (--python)",
                p.display()
            )),
        };
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    for dir in std::env::split_paths(&path) {
        let candidate = dir.join("python3");
        if candidate.is_file()
            && let Some(v) = version(&candidate)
        {
            return Ok(v.executable);
        }
    }
    Err(
        "no python3 on PATH: install Python 3.8 or newer (e.g. `apt-get install python3`) \
         or give one with --python PATH; the native runner needs nothing"
            .into(),
    )
}

/// What an interpreter says about itself.
#[derive(Debug, Clone, PartialEq)]
pub struct PythonInfo {
    pub major: u32,
    pub minor: u32,
    /// A free-threaded build running without the GIL (`sys._is_gil_enabled()` false).
    pub gil_disabled: bool,
    /// `sys.executable`: the interpreter behind any launcher (the path asked if empty).
    pub executable: PathBuf,
}

/// Ask an interpreter for its version and whether its GIL is off.
pub fn version(python: &Path) -> Option<PythonInfo> {
    let out = std::process::Command::new(python)
        .args([
            "-S",
            "-c",
            "import sys; g = getattr(sys, '_is_gil_enabled', lambda: True)(); \
             print(sys.version_info[0], sys.version_info[1], int(not g)); \
             print(sys.executable)",
        ])
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let mut lines = text.lines();
    let mut it = lines
        .next()?
        .split_whitespace()
        .map(|x| x.parse::<u32>().ok());
    let (major, minor, gil_disabled) = (it.next()??, it.next()??, it.next()?? == 1);
    let executable = lines
        .next()
        .map(str::trim)
        .filter(|e| !e.is_empty() && Path::new(e).is_file())
        .map_or_else(|| python.to_path_buf(), PathBuf::from);
    Some(PythonInfo {
        major,
        minor,
        gil_disabled,
        executable,
    })
}

/// Free-threaded interpreters on PATH (`python3.13t`, `python3.14t`, ...) whose GIL is
/// really off, for the GIL lesson's fourth bar.
pub fn free_threaded() -> Vec<PathBuf> {
    free_threaded_in(&std::env::var_os("PATH").unwrap_or_default())
}

/// [`free_threaded`] over the folders of `path` (a PATH-style list).
pub fn free_threaded_in(path: &std::ffi::OsStr) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for dir in std::env::split_paths(path) {
        for minor in 13..=20 {
            let p = dir.join(format!("python3.{minor}t"));
            if p.is_file() && !found.contains(&p) && version(&p).is_some_and(|v| v.gil_disabled) {
                found.push(p);
            }
        }
    }
    found
}

/// The probe's private folder: the probe's files and its two sockets. Removed on drop.
pub struct ProbeDir {
    pub path: PathBuf,
    /// JSON lines of events, one connection per process.
    pub events: UnixListener,
    /// Each process hands over its stdout/stderr pipes here (SOCK_SEQPACKET).
    pub output: OwnedFd,
}

impl ProbeDir {
    /// Make the folder (mode 0700, in the temporary directory), write the probe into it
    /// and listen on its sockets.
    pub fn create() -> std::io::Result<Self> {
        static N: AtomicU64 = AtomicU64::new(0);
        let path = std::env::temp_dir().join(format!(
            "proclab-probe-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        ));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir(&path)?;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o700))?;
        let made = (|| {
            std::fs::write(path.join("sitecustomize.py"), SITECUSTOMIZE)?;
            std::fs::write(path.join("proclab_probe.py"), PROBE)?;
            let events = UnixListener::bind(path.join("events.sock"))?;
            let output = seqpacket_listener(&path.join("output.sock"))?;
            Ok::<_, std::io::Error>((events, output))
        })();
        match made {
            Ok((events, output)) => Ok(Self {
                path,
                events,
                output,
            }),
            Err(e) => {
                let _ = std::fs::remove_dir_all(&path);
                Err(e)
            }
        }
    }
}

impl Drop for ProbeDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

fn seqpacket_listener(path: &Path) -> std::io::Result<OwnedFd> {
    use nix::sys::socket::{
        AddressFamily, Backlog, SockFlag, SockType, UnixAddr, bind, listen, socket,
    };
    let fd = socket(
        AddressFamily::Unix,
        SockType::SeqPacket,
        SockFlag::SOCK_CLOEXEC,
        None,
    )?;
    bind(fd.as_raw_fd(), &UnixAddr::new(path)?)?;
    listen(&fd, Backlog::new(128)?)?;
    Ok(fd)
}

/// Accept one pending connection on a listening socket, if any.
pub fn accept(listener: &OwnedFd) -> Option<OwnedFd> {
    // SAFETY: accept4 on a listening socket we own; the result is a new descriptor.
    let fd = unsafe {
        libc::accept4(
            listener.as_raw_fd(),
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            libc::SOCK_CLOEXEC,
        )
    };
    // SAFETY: accept4 returned a fresh descriptor that we now own.
    (fd >= 0).then(|| unsafe { OwnedFd::from_raw_fd(fd) })
}

/// Read JSON lines from one probe connection until it closes, handing each decoded
/// frame (or a description of a bad line) to `deliver`.
pub fn read_probe_lines(
    conn: impl std::io::Read,
    mut deliver: impl FnMut(Result<crate::engine::protocol::Frame, String>),
) {
    let mut reader = BufReader::new(conn);
    let mut line = Vec::new();
    loop {
        line.clear();
        // A line longer than MAX_LINE is cut there and reported as bad, never buffered
        // without bound.
        match (&mut reader)
            .take(MAX_LINE as u64 + 1)
            .read_until(b'\n', &mut line)
        {
            Ok(0) => break,
            Ok(_) => {
                if line.len() > MAX_LINE {
                    deliver(Err(format!("probe line longer than {MAX_LINE} bytes")));
                    // Skip to the end of that line.
                    let mut rest = Vec::new();
                    if reader.read_until(b'\n', &mut rest).unwrap_or(0) == 0 {
                        break;
                    }
                    continue;
                }
                let text = String::from_utf8_lossy(&line);
                let text = text.trim();
                if text.is_empty() {
                    continue;
                }
                deliver(crate::engine::protocol::from_json_line(text).map_err(|e| e.to_string()));
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(_) => break,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn good_bad_and_huge_lines_each_get_their_verdict() {
        let mut input = Vec::new();
        input.extend_from_slice(br#"{"t_us":1,"pid":5,"event":{"exited":{"status":{"code":0}}}}"#);
        input.push(b'\n');
        input.extend_from_slice(b"not json\n");
        input.extend(std::iter::repeat_n(b'x', MAX_LINE + 10));
        input.push(b'\n');
        input.extend_from_slice(
            br#"{"t_us":2,"pid":6,"event":{"exited":{"status":{"signal":15}}}}"#,
        );
        let mut got = Vec::new();
        read_probe_lines(&input[..], |r| got.push(r));
        assert_eq!(got.len(), 4, "{got:?}");
        assert!(matches!(&got[0], Ok(f) if f.pid == 5));
        assert!(got[1].is_err());
        assert!(matches!(&got[2], Err(m) if m.contains("longer than")));
        assert!(
            matches!(&got[3], Ok(f) if f.pid == 6),
            "the stream recovers"
        );
    }

    #[test]
    fn a_free_threaded_interpreter_is_found_only_if_its_gil_is_off() {
        let dir = std::env::temp_dir().join(format!("proclab-ft-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("dir");
        // Stand-ins answering the version question as a 3.13t and a 3.14t would; the
        // 3.14t here runs with its GIL re-enabled.
        for (name, answer) in [("python3.13t", "3 13 1"), ("python3.14t", "3 14 0")] {
            let p = dir.join(name);
            std::fs::write(&p, format!("#!/bin/sh\necho {answer}\n")).expect("write");
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        }
        let found = free_threaded_in(dir.as_os_str());
        let _ = std::fs::remove_dir_all(&dir);
        assert_eq!(found, vec![dir.join("python3.13t")]);
    }

    #[test]
    fn the_probe_folder_is_private_and_removed() {
        let d = ProbeDir::create().expect("create");
        let mode = std::fs::metadata(&d.path)
            .expect("meta")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o700);
        assert!(d.path.join("sitecustomize.py").is_file());
        let path = d.path.clone();
        drop(d);
        assert!(!path.exists());
    }
}
