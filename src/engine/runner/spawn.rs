//! Starting the run's processes: the native demo's main, a Python program under the
//! probe, and the guard that cleans up after a Python run if proclab dies; each is tied
//! to proclab's life before it execs. The signals proclab blocks for its own stop
//! handling are set here too, since every child must start without them.

use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};

use crate::engine::demos::ctx::{PARAMS_ENV, fds};
use crate::engine::ipc::Control;

use super::{RunError, RunOptions};

/// Move `fd` out of the range 3..=5 so the dup2 calls in the child cannot clobber it.
fn above_targets(fd: OwnedFd) -> std::io::Result<OwnedFd> {
    // SAFETY: F_DUPFD_CLOEXEC makes a new descriptor >= 10 that we then own.
    let new = unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_DUPFD_CLOEXEC, 10) };
    if new < 0 {
        return Err(std::io::Error::last_os_error());
    }
    // SAFETY: fcntl returned a fresh descriptor.
    Ok(unsafe { OwnedFd::from_raw_fd(new) })
}

pub(super) fn spawn_main(
    opts: &RunOptions,
    control: &Control,
    ev_write: OwnedFd,
    out_theirs: OwnedFd,
) -> Result<std::process::Child, RunError> {
    let setup = |what| move |source| RunError::Setup { what, source };
    let params = serde_json::to_string(&opts.params)
        .map_err(|e| setup("parameters")(std::io::Error::other(e)))?;
    let ev = above_targets(ev_write).map_err(setup("event pipe"))?;
    let ctl = above_targets(
        // The control block's descriptor is shared; dup it for the child.
        nix::unistd::dup(unsafe {
            std::os::fd::BorrowedFd::borrow_raw(control.mapping().raw_fd())
        })
        .map_err(|e| setup("control block")(e.into()))?,
    )
    .map_err(setup("control block"))?;
    let out = above_targets(out_theirs).map_err(setup("output socket"))?;
    let sources: [RawFd; 3] = [ev.as_raw_fd(), ctl.as_raw_fd(), out.as_raw_fd()];
    let parent = std::process::id() as i32;
    let mut cmd = Command::new(&opts.exe);
    cmd.arg("__demo")
        .env(PARAMS_ENV, params)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0);
    // SAFETY: only async-signal-safe calls (dup2, prctl, sigprocmask, getppid, _exit)
    // between fork and exec.
    unsafe {
        cmd.pre_exec(move || {
            for (src, dst) in sources.iter().zip([fds::EVENTS, fds::CONTROL, fds::OUTPUT]) {
                if libc::dup2(*src, dst) < 0 {
                    return Err(std::io::Error::last_os_error());
                }
            }
            tie_to_parent(parent, libc::SIGKILL, true);
            Ok(())
        });
    }
    let child = cmd.spawn().map_err(|source| RunError::Spawn {
        exe: opts.exe.clone(),
        source,
    })?;
    // Our copies of the child's ends close here, so end-of-file comes when the demo ends.
    drop((ev, ctl, out));
    Ok(child)
}

/// Start the script under the probe: `python script args` (its own buffering: the probe
/// buffers pipes by line, as a terminal does), its own process group, the
/// probe's folder first on PYTHONPATH, dying with proclab like the native main does.
pub(super) fn spawn_python(
    py: &crate::engine::python::PythonProgram,
    dir: &crate::engine::python::ProbeDir,
) -> Result<std::process::Child, RunError> {
    let mut pythonpath = std::ffi::OsString::from(dir.path.as_os_str());
    if let Some(old) = std::env::var_os("PYTHONPATH").filter(|p| !p.is_empty()) {
        pythonpath.push(":");
        pythonpath.push(old);
    }
    let parent = std::process::id() as i32;
    let mut cmd = Command::new(&py.python);
    cmd.arg(&py.script)
        .args(&py.args)
        .env("PYTHONPATH", pythonpath)
        // No __pycache__ beside the student's files.
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .env(crate::engine::python::PROBE_DIR_ENV, &dir.path)
        .env(crate::engine::python::RUNNER_PID_ENV, parent.to_string())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0);
    // SAFETY: only async-signal-safe calls between fork and exec.
    unsafe {
        cmd.pre_exec(move || {
            tie_to_parent(parent, libc::SIGKILL, true);
            // A proclab started with SIGINT ignored (`proclab ... &` in a script) would
            // pass that on through exec, and Python would then ignore the SIGINT a stop
            // starts with, skipping its cleanup: the program starts as from a terminal.
            libc::signal(libc::SIGINT, libc::SIG_DFL);
            Ok(())
        });
    }
    cmd.spawn().map_err(|source| RunError::Spawn {
        exe: py.python.clone(),
        source,
    })
}

/// `proclab __guard PGID DIR`: a process of its own that SIGKILLs the demo's group and
/// removes the probe's folder if proclab dies first (its parent-death signal tells it),
/// and otherwise is killed at the run's end.
pub(super) fn spawn_guard(
    exe: &std::path::Path,
    pgid: i32,
    dir: &std::path::Path,
) -> std::io::Result<std::process::Child> {
    let parent = std::process::id() as i32;
    let mut cmd = Command::new(exe);
    cmd.arg("__guard")
        .arg(pgid.to_string())
        .arg(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .process_group(0);
    // SAFETY: only async-signal-safe calls between fork and exec.
    unsafe {
        cmd.pre_exec(move || {
            // SIGTERM when proclab's supervisor thread ends; the guard waits for it, so
            // its own mask (SIGTERM blocked or not) is set up by the guard itself.
            tie_to_parent(parent, libc::SIGTERM, false);
            Ok(())
        });
    }
    cmd.spawn()
}

/// In a child between fork and exec: get `signal` when proclab's spawning thread ends
/// (even if proclab is SIGKILLed), leave at once if proclab is already gone, and with
/// `clear_mask` start with no blocked signals (proclab blocks some for its own handling;
/// a demo must not inherit that).
///
/// # Safety
/// Only async-signal-safe calls: fit for `pre_exec`.
unsafe fn tie_to_parent(parent: i32, signal: i32, clear_mask: bool) {
    // SAFETY: prctl, getppid, _exit, sigemptyset and sigprocmask are async-signal-safe.
    unsafe {
        libc::prctl(libc::PR_SET_PDEATHSIG, signal);
        if libc::getppid() != parent {
            libc::_exit(1);
        }
        if clear_mask {
            let mut empty: libc::sigset_t = std::mem::zeroed();
            libc::sigemptyset(&mut empty);
            libc::sigprocmask(libc::SIG_SETMASK, &empty, std::ptr::null_mut());
        }
    }
}

/// The guard's body (see [`spawn_guard`]). Returns its exit code.
pub fn guard_main(pgid: &str, dir: &std::path::Path) -> i32 {
    let Ok(pgid) = pgid.parse::<i32>() else {
        eprintln!("proclab: __guard takes a process group id");
        return 2;
    };
    if pgid <= 1 {
        return 2;
    }
    // SAFETY: building a signal set and waiting for SIGTERM (blocked first, so it
    // cannot be missed between the check and the wait).
    unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        libc::sigaddset(&mut set, libc::SIGTERM);
        libc::sigprocmask(libc::SIG_BLOCK, &set, std::ptr::null_mut());
        let mut sig = 0;
        libc::sigwait(&set, &mut sig);
        libc::kill(-pgid, libc::SIGKILL);
    }
    // Only ever a probe folder of ours.
    let ours = dir.starts_with(std::env::temp_dir())
        && dir
            .file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with("proclab-probe-"));
    if ours {
        // Processes that left the group (os.setsid()), then what their cleanup, killed
        // with them, never removed: the probe noted each in its folder.
        // Nobody waits for the program any more: no grace.
        let notes = super::sweep::read_notes(dir);
        super::sweep::end(&notes, std::time::Duration::ZERO);
        super::sweep::remove_leftovers(&notes);
        let _ = std::fs::remove_dir_all(dir);
    }
    0
}

/// Block SIGINT, SIGTERM and SIGHUP in the calling thread (and so in every thread it
/// starts afterwards) and return the set, for one thread to `wait()` on and turn into a
/// clean stop. Call before starting threads. Demo processes get an empty mask again.
pub fn block_stop_signals() -> nix::sys::signal::SigSet {
    use nix::sys::signal::{SigSet, Signal};
    let mut set = SigSet::empty();
    for s in [Signal::SIGINT, Signal::SIGTERM, Signal::SIGHUP] {
        set.add(s);
    }
    let _ = set.thread_block();
    set
}
