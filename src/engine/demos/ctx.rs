//! The runtime every demo process shares: how it reports events, prints, forks workers,
//! waits at step gates and reaps its children.

use std::io::{self, IoSlice, Write};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::panic::AssertUnwindSafe;

use nix::sys::socket::{ControlMessage, MsgFlags, sendmsg};

use crate::engine::demos::Params;
use crate::engine::ipc::Control;
use crate::engine::ipc::control::Pass;
use crate::engine::protocol::{self, Event, ExitStatus, Frame, MAX_TEXT, Op, PIPE_BUF, Role};

/// Descriptor numbers the runner hands a demo's main process.
pub mod fds {
    /// Write end of the event pipe.
    pub const EVENTS: i32 = 3;
    /// The control block's memfd.
    pub const CONTROL: i32 = 4;
    /// Unix socket over which each process sends the read ends of its output pipes.
    pub const OUTPUT: i32 = 5;
    /// A descriptor a demo passes to a process it starts with [`super::Ctx::spawn_exec`].
    pub const PASSED: i32 = 6;
}

/// Set in a process started by [`Ctx::spawn_exec`]: what it is to run.
pub const EXEC_ENV: &str = "PROCLAB_EXEC";

/// Environment variable holding the demo's parameters as JSON.
pub const PARAMS_ENV: &str = "PROCLAB_PARAMS";

/// Everything a demo process needs; inherited by each forked child.
pub struct Ctx {
    /// The run's parameters.
    pub params: Params,
    /// Tempo and step control written by the runner.
    pub ctl: Control,
    events: RawFd,
    output: Option<RawFd>,
}

impl Ctx {
    /// Set up from the descriptors and environment the runner provided.
    pub fn from_runner() -> io::Result<Self> {
        let raw = std::env::var(PARAMS_ENV).map_err(|_| {
            io::Error::other(format!(
                "{PARAMS_ENV} is not set: demos are started by `proclab run`"
            ))
        })?;
        let params: Params = serde_json::from_str(&raw).map_err(io::Error::other)?;
        for fd in [fds::EVENTS, fds::CONTROL, fds::OUTPUT] {
            // SAFETY: F_GETFD only inspects the descriptor table.
            if unsafe { libc::fcntl(fd, libc::F_GETFD) } < 0 {
                return Err(io::Error::other(format!(
                    "descriptor {fd} missing: demos are started by `proclab run`"
                )));
            }
        }
        // SAFETY: the runner passed this memfd as fd CONTROL and nothing else owns it.
        let ctl = Control::from_fd(unsafe { OwnedFd::from_raw_fd(fds::CONTROL) })?;
        Ok(Self {
            params,
            ctl,
            events: fds::EVENTS,
            output: Some(fds::OUTPUT),
        })
    }

    /// Report an event about this process.
    pub fn emit(&self, event: Event) {
        self.emit_about(std::process::id() as i32, event);
    }

    /// Report an event about another process (e.g. a child that was reaped).
    pub fn emit_about(&self, pid: i32, event: Event) {
        let frame = Frame {
            t_us: protocol::now_us(),
            pid,
            event,
        };
        let mut buf = [0u8; PIPE_BUF];
        let bytes = match protocol::encode(&frame, &mut buf) {
            Ok(b) => b.to_vec(),
            Err(e) => {
                let fallback = Frame {
                    event: Event::Error {
                        source: "demo".into(),
                        message: format!("event dropped: {e}"),
                    },
                    ..frame
                };
                match protocol::encode_vec(&fallback) {
                    Ok(b) => b,
                    Err(_) => return,
                }
            }
        };
        // One write() of at most PIPE_BUF bytes: atomic on a pipe, never interleaved.
        loop {
            // SAFETY: writing a live buffer to the event pipe descriptor.
            let n = unsafe { libc::write(self.events, bytes.as_ptr().cast(), bytes.len()) };
            if n >= 0 || io::Error::last_os_error().raw_os_error() != Some(libc::EINTR) {
                break;
            }
        }
    }

    /// True once proclab is gone: nobody reads the event pipe any more (a pipe's write
    /// end polls as an error when its last reader has closed). A process that has
    /// switched off its parent-death signal asks this instead of trusting that signal.
    pub fn runner_gone(&self) -> bool {
        let mut pfd = libc::pollfd {
            fd: self.events,
            events: 0,
            revents: 0,
        };
        // SAFETY: polling one live descriptor without waiting.
        let n = unsafe { libc::poll(&mut pfd, 1, 0) };
        n > 0 && pfd.revents & (libc::POLLERR | libc::POLLHUP | libc::POLLNVAL) != 0
    }

    /// True when every operation should be reported (slow or step mode); at full speed
    /// demos report a sample instead, so the event stream does not slow the race down.
    pub fn detailed(&self) -> bool {
        self.ctl.stepping() || self.ctl.tempo_ms() > 0
    }

    /// Wait at this process's gate before `op`: the tempo delay, or in step mode until
    /// the user steps this process.
    pub fn gate(&self, op: Op, detail: impl FnOnce() -> String) -> Pass {
        self.ctl.pass(|| {
            self.emit(Event::StepPoint {
                op,
                detail: detail(),
            })
        })
    }

    /// Print one line of this process's output. It travels as an Output event on the event
    /// pipe, stamped here when it is said, so it takes its place among the events in the
    /// order things happened: through the stdout pipe it would be stamped only when the
    /// runner reads it, and could show after its effects ("joined worker 0" before worker
    /// 0's "job done"). The stdout and stderr pipes still carry anything else (a panic).
    pub fn say(&self, line: &str) {
        self.emit(Event::Output {
            stream: protocol::Stream::Stdout,
            line: protocol::clip(line, MAX_TEXT),
        });
    }

    /// Announce this process: its real PID and PPID as the kernel reports them.
    pub fn announce(&self, role: Role, label: &str, start_method: &str) {
        self.emit(Event::Spawned {
            ppid: nix::unistd::getppid().as_raw(),
            role,
            label: label.to_string(),
            start_method: start_method.to_string(),
        });
    }

    /// Fork a child that runs `body` and exits with its return value (101 if it panics).
    /// Returns the child's PID in the parent.
    pub fn fork(&self, role: Role, label: &str, body: impl FnOnce(&Ctx) -> i32) -> io::Result<i32> {
        self.fork_as(role, label, "fork", body)
    }

    /// [`Ctx::fork`], announcing the child as started by `method` (e.g. "forkserver").
    pub fn fork_as(
        &self,
        role: Role,
        label: &str,
        method: &str,
        body: impl FnOnce(&Ctx) -> i32,
    ) -> io::Result<i32> {
        let parent = std::process::id() as i32;
        let _ = io::stdout().flush();
        // SAFETY: demo processes are single-threaded when they fork (threads exist only in
        // the GIL demo's variant process, which never forks), so the child may run any code.
        let pid = unsafe { libc::fork() };
        if pid < 0 {
            return Err(io::Error::last_os_error());
        }
        if pid > 0 {
            return Ok(pid);
        }
        // Child. Die with the parent, whatever kills it, so no demo process outlives the run.
        // SAFETY: prctl with constant arguments.
        unsafe { libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) };
        if nix::unistd::getppid().as_raw() != parent {
            // The parent died before prctl took effect.
            // SAFETY: leaving at once without running the parent's destructors.
            unsafe { libc::_exit(1) };
        }
        // Announce first, so the order of announcements follows the order of forks.
        self.announce(role, label, method);
        self.adopt_output();
        let code = std::panic::catch_unwind(AssertUnwindSafe(|| body(self))).unwrap_or(101);
        self.ctl.release_gate();
        let _ = io::stdout().flush();
        let _ = io::stderr().flush();
        // SAFETY: _exit skips the parent's atexit handlers and destructors, as a forked
        // child must.
        unsafe { libc::_exit(code) }
    }

    /// Start a fresh program image, as the `spawn` start method starts a fresh interpreter:
    /// fork, then exec this binary's `__demo` with `PROCLAB_EXEC` naming what to run.
    /// `pass_fd`, if given, becomes descriptor [`fds::PASSED`] in the new image. Returns the
    /// child's PID.
    pub fn spawn_exec(&self, what: &str, pass_fd: Option<RawFd>) -> io::Result<i32> {
        use std::ffi::CString;
        // Everything exec needs is built before fork: after fork only async-signal-safe
        // calls are made.
        let exe = CString::new("/proc/self/exe").map_err(io::Error::other)?;
        let argv0 = CString::new("proclab").map_err(io::Error::other)?;
        let argv1 = CString::new("__demo").map_err(io::Error::other)?;
        let argv = [argv0.as_ptr(), argv1.as_ptr(), std::ptr::null()];
        let mut env: Vec<CString> = std::env::vars_os()
            .filter(|(k, _)| k != EXEC_ENV)
            .filter_map(|(k, v)| {
                let mut kv = k.into_encoded_bytes();
                kv.push(b'=');
                kv.extend(v.into_encoded_bytes());
                CString::new(kv).ok()
            })
            .collect();
        env.push(CString::new(format!("{EXEC_ENV}={what}")).map_err(io::Error::other)?);
        let mut envp: Vec<*const libc::c_char> = env.iter().map(|c| c.as_ptr()).collect();
        envp.push(std::ptr::null());
        let parent = std::process::id() as i32;
        let _ = io::stdout().flush();
        // SAFETY: the demo process is single-threaded; the child only calls prctl, getppid,
        // dup2, execve and _exit before the new image takes over.
        let pid = unsafe { libc::fork() };
        if pid < 0 {
            return Err(io::Error::last_os_error());
        }
        if pid > 0 {
            return Ok(pid);
        }
        // SAFETY: async-signal-safe calls on prepared data, then exec or _exit.
        unsafe {
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
            if libc::getppid() != parent {
                libc::_exit(1);
            }
            if let Some(fd) = pass_fd {
                // dup2 clears close-on-exec on the copy, so it survives exec.
                libc::dup2(fd, fds::PASSED);
            }
            libc::execve(exe.as_ptr(), argv.as_ptr(), envp.as_ptr());
            libc::_exit(127)
        }
    }

    /// In a process started by [`Ctx::spawn_exec`]: announce it and take its own output
    /// pipes, as a forked child does.
    pub fn begin_exec_child(&self, role: Role, label: &str, method: &str) {
        self.announce(role, label, method);
        self.adopt_output();
    }

    /// Wait for a child, report how it ended and return that.
    pub fn reap(&self, pid: i32) -> ExitStatus {
        // A join that will wait says so: the timeline draws the wait as blocked.
        if !exited(pid) {
            self.emit(Event::JoinWait { child: pid });
        }
        let _hold = HoldStopSignals::new();
        let status = wait_for(pid);
        self.emit_about(pid, Event::Exited { status });
        status
    }

    /// Give this process its own stdout/stderr pipes and send their read ends to the
    /// runner, which then attributes every byte to this PID.
    fn adopt_output(&self) {
        let Some(sock) = self.output else { return };
        let (Ok((out_r, out_w)), Ok((err_r, err_w))) = (
            nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC),
            nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC),
        ) else {
            return;
        };
        let pid = (std::process::id() as i32).to_le_bytes();
        let iov = [IoSlice::new(&pid)];
        let fds = [out_r.as_raw_fd(), err_r.as_raw_fd()];
        let cmsg = [ControlMessage::ScmRights(&fds)];
        if sendmsg::<()>(sock, &iov, &cmsg, MsgFlags::empty(), None).is_err() {
            return; // keep the inherited streams: still captured, just not split by PID
        }
        // SAFETY: dup2 onto the standard descriptors; the originals are closed on drop.
        unsafe {
            libc::dup2(out_w.as_raw_fd(), 1);
            libc::dup2(err_w.as_raw_fd(), 2);
        }
    }
}

/// Holds back SIGTERM/SIGINT/SIGHUP while alive. Reaping and reporting a child must not
/// be cut in half by a stop: once reaped, only this process can tell how the child ended.
/// A stop signal that arrives meanwhile takes effect as soon as the report is written.
struct HoldStopSignals(libc::sigset_t);

impl HoldStopSignals {
    fn new() -> Self {
        // SAFETY: building a signal set on the stack and changing this thread's mask.
        unsafe {
            let mut set: libc::sigset_t = std::mem::zeroed();
            libc::sigemptyset(&mut set);
            for s in [libc::SIGTERM, libc::SIGINT, libc::SIGHUP] {
                libc::sigaddset(&mut set, s);
            }
            let mut old: libc::sigset_t = std::mem::zeroed();
            libc::pthread_sigmask(libc::SIG_BLOCK, &set, &mut old);
            Self(old)
        }
    }
}

/// Run `f` with SIGTERM/SIGINT/SIGHUP held back: a step that makes something the runner
/// must clean up (a segment in /dev/shm) and the event that tells it so happen together
/// or not at all.
pub(crate) fn uninterrupted<R>(f: impl FnOnce() -> R) -> R {
    let _hold = HoldStopSignals::new();
    f()
}

impl Drop for HoldStopSignals {
    fn drop(&mut self) {
        // SAFETY: restoring the mask saved in `new`.
        unsafe { libc::pthread_sigmask(libc::SIG_SETMASK, &self.0, std::ptr::null_mut()) };
    }
}

impl Ctx {
    /// Leave finished children unjoined for `ms`: until then they are zombies (state Z).
    /// Waits until every one has exited (without reaping it) first.
    pub fn keep_unjoined(&self, kids: &[i32], ms: u64) {
        for &pid in kids {
            wait_exited_not_reaped(pid);
        }
        self.emit(Event::Phase {
            name: format!("children finished, not joined for {ms} ms: zombies (state Z)"),
        });
        self.say(&format!(
            "main: every child has finished; join() in {ms} ms — until then they are zombies"
        ));
        std::thread::sleep(std::time::Duration::from_millis(ms));
    }

    /// Report a shared counter's end: its line, and the outcome the checks read.
    pub fn report_counter(&self, name: &str, expected: i64, actual: i64, locked: bool) {
        let lost = expected - actual;
        self.say(&format!(
            "main: {name} = {actual}, expected {expected}{}",
            if lost > 0 {
                format!(" — {lost} update{} lost", if lost == 1 { "" } else { "s" })
            } else {
                String::new()
            }
        ));
        self.emit(Event::Outcome(crate::engine::protocol::Outcome::Counter {
            expected,
            actual,
            locked,
        }));
    }
}

/// Block until child `pid` has exited without reaping it (waitid with WNOWAIT), so it
/// stays a zombie until the real join.
pub fn wait_exited_not_reaped(pid: i32) {
    loop {
        // SAFETY: a zeroed siginfo_t is valid output space for waitid.
        let mut info: libc::siginfo_t = unsafe { std::mem::zeroed() };
        // SAFETY: waiting on our own child; WNOWAIT leaves it reapable.
        let r = unsafe {
            libc::waitid(
                libc::P_PID,
                pid as libc::id_t,
                &mut info,
                libc::WEXITED | libc::WNOWAIT,
            )
        };
        if r == 0 || io::Error::last_os_error().raw_os_error() != Some(libc::EINTR) {
            return;
        }
    }
}

/// waitpid with EINTR retried, as an [`ExitStatus`].
pub fn wait_for(pid: i32) -> ExitStatus {
    let mut status = 0;
    loop {
        // SAFETY: waiting on our own child.
        let r = unsafe { libc::waitpid(pid, &mut status, libc::__WALL) };
        if r == pid {
            return decode_status(status);
        }
        if r < 0 && io::Error::last_os_error().raw_os_error() != Some(libc::EINTR) {
            // Already reaped elsewhere: report what we can.
            return ExitStatus::Code(-1);
        }
    }
}

/// Turn a raw wait status into an [`ExitStatus`].
pub fn decode_status(status: i32) -> ExitStatus {
    if libc::WIFSIGNALED(status) {
        ExitStatus::Signal(libc::WTERMSIG(status))
    } else {
        ExitStatus::Code(libc::WEXITSTATUS(status))
    }
}

/// At full speed, lets a process report at most one event of a kind per interval, so a
/// tight loop of 80 000 operations does not become 80 000 events.
pub struct Throttle {
    last: std::cell::Cell<u64>,
    every_us: u64,
}

impl Throttle {
    /// At most one report every `ms` milliseconds.
    pub fn new(ms: u64) -> Self {
        Self {
            last: std::cell::Cell::new(0),
            every_us: ms * 1000,
        }
    }

    /// True if a report is due now (and counts it as made).
    pub fn due(&self) -> bool {
        let now = protocol::now_us();
        if now - self.last.get() >= self.every_us {
            self.last.set(now);
            true
        } else {
            false
        }
    }
}

impl Ctx {
    /// Whether to report this operation: always in slow/step mode, else when `t` allows.
    pub fn report(&self, t: &Throttle) -> bool {
        self.detailed() || t.due()
    }
}

impl Ctx {
    /// Like [`Ctx::reap`], also returning the child's CPU time (user + system, ms) from
    /// the kernel's accounting (`wait4`), which includes all of its threads.
    pub fn reap_with_cpu(&self, pid: i32) -> (ExitStatus, f64) {
        let _hold = HoldStopSignals::new();
        let mut status = 0;
        // SAFETY: a zeroed rusage is valid output space for wait4.
        let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
        loop {
            // SAFETY: waiting on our own child.
            let r = unsafe { libc::wait4(pid, &mut status, libc::__WALL, &mut usage) };
            if r == pid {
                break;
            }
            if r < 0 && io::Error::last_os_error().raw_os_error() != Some(libc::EINTR) {
                return (self.reap(pid), 0.0);
            }
        }
        let ms = |t: libc::timeval| t.tv_sec as f64 * 1e3 + t.tv_usec as f64 / 1e3;
        let status = decode_status(status);
        self.emit_about(pid, Event::Exited { status });
        (status, ms(usage.ru_utime) + ms(usage.ru_stime))
    }
}

/// Whether child `pid` has ended, without reaping it, so a later [`Ctx::reap`] still
/// reports how it ended.
pub fn exited(pid: i32) -> bool {
    // SAFETY: a zeroed siginfo_t is valid output space for waitid.
    let mut info: libc::siginfo_t = unsafe { std::mem::zeroed() };
    // SAFETY: asking about our own child; WNOWAIT leaves it reapable.
    let r = unsafe {
        libc::waitid(
            libc::P_PID,
            pid as libc::id_t,
            &mut info,
            libc::WEXITED | libc::WNOHANG | libc::WNOWAIT,
        )
    };
    // SAFETY: si_pid is set when waitid found a child that changed state, zero otherwise.
    r == 0 && unsafe { info.si_pid() } == pid
}
