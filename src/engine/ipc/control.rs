//! The control block: shared memory the runner writes and every demo process reads, for
//! what the user changes while a demo runs — tempo, step mode, and "let process X do one
//! operation".
//!
//! Each gated process owns one gate (claimed by PID). In step mode a process announces the
//! operation it is about to do, then sleeps on its gate's futex until the runner adds a
//! permit. No messages travel back to a busy process: the runner just writes memory.

use std::io;
use std::os::fd::OwnedFd;
use std::sync::atomic::{AtomicI32, AtomicU32, Ordering};
use std::time::Duration;

use crate::engine::ipc::mapping::Mapping;
use crate::engine::ipc::sync::{futex_wait, futex_wake_all};

/// How many processes can be gated at once; later ones run ungated.
pub const MAX_GATES: usize = 1024;

#[repr(C)]
struct Gate {
    pid: AtomicI32,
    permits: AtomicU32,
    /// 1 while the process sleeps at the gate.
    waiting: AtomicU32,
}

#[repr(C)]
struct Block {
    tempo_ms: AtomicU32,
    stepping: AtomicU32,
    gates: [Gate; MAX_GATES],
}

/// A handle on the control block; cheap to share across fork.
pub struct Control {
    map: Mapping,
}

/// What a gate wait ended with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pass {
    /// Not in step mode: go on at once (after the tempo delay).
    Free,
    /// Step mode: one permit was used.
    Stepped,
}

impl Control {
    /// A new control block (made by the runner).
    pub fn new() -> io::Result<Self> {
        Ok(Self {
            map: Mapping::new("control", std::mem::size_of::<Block>())?,
        })
    }

    /// A new control block in a file (made by the runner for a Python program, whose
    /// probe maps the file: Python cannot be handed a descriptor without the program
    /// seeing one more). Same layout, little-endian: tempo_ms u32 at 0, stepping u32 at
    /// 4, then [`MAX_GATES`] gates of (pid i32, permits u32, waiting u32) from 8.
    pub fn in_file(path: &std::path::Path) -> io::Result<Self> {
        use std::os::unix::fs::OpenOptionsExt;
        let file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(path)?;
        file.set_len(std::mem::size_of::<Block>() as u64)?;
        Ok(Self {
            map: Mapping::from_fd(OwnedFd::from(file))?,
        })
    }

    /// Map the block the runner passed down.
    pub fn from_fd(fd: OwnedFd) -> io::Result<Self> {
        let map = Mapping::from_fd(fd)?;
        if map.len() < std::mem::size_of::<Block>() {
            return Err(io::Error::other("control block too small"));
        }
        Ok(Self { map })
    }

    /// The descriptor to hand to the demo.
    pub fn mapping(&self) -> &Mapping {
        &self.map
    }

    fn block(&self) -> &Block {
        // SAFETY: the mapping is at least one Block of atomics, valid when zero.
        unsafe { self.map.get::<Block>() }
    }

    /// Delay per operation in milliseconds (0 = full speed).
    pub fn tempo_ms(&self) -> u32 {
        self.block().tempo_ms.load(Ordering::Relaxed)
    }

    /// Change the delay per operation; takes effect at each process's next operation.
    pub fn set_tempo_ms(&self, ms: u32) {
        self.block().tempo_ms.store(ms, Ordering::Relaxed);
    }

    /// True while step mode is on.
    pub fn stepping(&self) -> bool {
        self.block().stepping.load(Ordering::SeqCst) != 0
    }

    /// Turn step mode on or off; turning it off releases every waiting process.
    pub fn set_stepping(&self, on: bool) {
        self.block().stepping.store(on as u32, Ordering::SeqCst);
        if !on {
            for g in self.block().gates.iter() {
                if g.pid.load(Ordering::SeqCst) != 0 {
                    futex_wake_all(&g.permits);
                }
            }
        }
    }

    /// True while `pid` waits at its gate with no step granted yet.
    pub fn waiting(&self, pid: i32) -> bool {
        self.gate_of(pid).is_some_and(|g| {
            g.waiting.load(Ordering::SeqCst) == 1 && g.permits.load(Ordering::SeqCst) == 0
        })
    }

    /// Let process `pid` do one operation. False unless it is waiting at its gate with
    /// no step pending: pressing twice before it moves still means one operation.
    pub fn step(&self, pid: i32) -> bool {
        match self.gate_of(pid) {
            Some(g) if g.waiting.load(Ordering::SeqCst) == 1 => {
                let granted = g
                    .permits
                    .compare_exchange(0, 1, Ordering::SeqCst, Ordering::SeqCst)
                    .is_ok();
                futex_wake_all(&g.permits);
                granted
            }
            _ => false,
        }
    }

    fn gate_of(&self, pid: i32) -> Option<&Gate> {
        self.block()
            .gates
            .iter()
            .find(|g| g.pid.load(Ordering::SeqCst) == pid)
    }

    /// This process's gate, claimed on first use.
    fn my_gate(&self) -> Option<&Gate> {
        let me = std::process::id() as i32;
        if let Some(g) = self.gate_of(me) {
            return Some(g);
        }
        let g = self.block().gates.iter().find(|g| {
            g.pid
                .compare_exchange(0, me, Ordering::SeqCst, Ordering::SeqCst)
                .is_ok()
        })?;
        g.permits.store(0, Ordering::SeqCst);
        g.waiting.store(0, Ordering::SeqCst);
        Some(g)
    }

    /// Called by a demo process before an operation. In step mode, `announce` is called
    /// (to report the operation) and the process sleeps until stepped or until step mode
    /// ends; otherwise it sleeps for the tempo.
    pub fn pass(&self, announce: impl FnOnce()) -> Pass {
        if !self.stepping() {
            let t = self.tempo_ms();
            if t > 0 {
                std::thread::sleep(Duration::from_millis(t as u64));
            }
            return Pass::Free;
        }
        let Some(gate) = self.my_gate() else {
            return Pass::Free;
        };
        gate.waiting.store(1, Ordering::SeqCst);
        announce();
        let pass = loop {
            let p = gate.permits.load(Ordering::SeqCst);
            if p > 0 {
                if gate
                    .permits
                    .compare_exchange(p, p - 1, Ordering::SeqCst, Ordering::SeqCst)
                    .is_ok()
                {
                    break Pass::Stepped;
                }
                continue;
            }
            if !self.stepping() {
                break Pass::Free;
            }
            futex_wait(&gate.permits, 0, Duration::from_millis(200));
        };
        gate.waiting.store(0, Ordering::SeqCst);
        pass
    }

    /// Give this process's gate back (on exit), so long runs do not run out of gates.
    pub fn release_gate(&self) {
        if let Some(g) = self.gate_of(std::process::id() as i32) {
            g.pid.store(0, Ordering::SeqCst);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stepped_child_does_exactly_one_operation_per_step() {
        let ctl = Control::new().expect("control");
        let done = crate::engine::ipc::Value::<i32>::new("test.ops", 0).expect("value");
        ctl.set_stepping(true);
        // SAFETY: the child only touches shared memory and exits with _exit; it dies with
        // the test process (a failed assertion must not leave it waiting at its gate,
        // holding the test's output open).
        let child = match unsafe { libc::fork() } {
            0 => {
                unsafe { libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) };
                for _ in 0..3 {
                    ctl.pass(|| {});
                    done.set(done.get() + 1);
                }
                unsafe { libc::_exit(0) };
            }
            pid => pid,
        };
        // Killed and reaped however the test ends.
        struct Reap(i32);
        impl Drop for Reap {
            fn drop(&mut self) {
                // SAFETY: our own child.
                unsafe {
                    libc::kill(self.0, libc::SIGKILL);
                    libc::waitpid(self.0, std::ptr::null_mut(), 0);
                }
            }
        }
        let _reap = Reap(child);
        let wait_for = |n: i32| {
            for _ in 0..400 {
                if done.get() == n {
                    return;
                }
                std::thread::sleep(Duration::from_millis(5));
            }
        };
        let step = || {
            for _ in 0..400 {
                if ctl.step(child) {
                    return true;
                }
                std::thread::sleep(Duration::from_millis(5));
            }
            false
        };
        std::thread::sleep(Duration::from_millis(100));
        assert_eq!(done.get(), 0, "gated: nothing happens without a step");
        // The child claims its gate when it first reaches it.
        assert!(step(), "the waiting child takes a step");
        // Pressing again at once is refused while the first step is unused, and granted
        // only if the child has already done its operation and waits again: either way
        // each granted step is exactly one operation.
        let again = ctl.step(child);
        let want = 1 + i32::from(again);
        wait_for(want);
        std::thread::sleep(Duration::from_millis(50));
        assert_eq!(done.get(), want, "one step, one operation");
        if !again {
            assert!(step(), "waiting again: one more step");
            wait_for(2);
            std::thread::sleep(Duration::from_millis(50));
            assert_eq!(done.get(), 2, "one more step, one more operation");
        }
        ctl.set_stepping(false);
        wait_for(3);
        assert_eq!(done.get(), 3, "leaving step mode lets it run on");
    }
}
