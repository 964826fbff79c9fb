//! Futex helpers and a process-shared start barrier.
//!
//! Futexes on `MAP_SHARED` memory (without `FUTEX_PRIVATE_FLAG`) wake waiters in other
//! processes: the kernel keys them by the underlying page, not the address space.

use std::io;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use crate::engine::ipc::mapping::Mapping;

/// Sleep while `*word == expected`, at most `timeout`. Spurious returns are allowed.
pub fn futex_wait(word: &AtomicU32, expected: u32, timeout: Duration) {
    let ts = libc::timespec {
        tv_sec: timeout.as_secs() as libc::time_t,
        tv_nsec: timeout.subsec_nanos() as libc::c_long,
    };
    // SAFETY: FUTEX_WAIT reads the u32 at a valid, aligned address; the timeout lives on
    // our stack for the duration of the call.
    unsafe {
        libc::syscall(
            libc::SYS_futex,
            word.as_ptr(),
            libc::FUTEX_WAIT,
            expected,
            &ts as *const libc::timespec,
        )
    };
}

/// Wake every process sleeping on `word`.
pub fn futex_wake_all(word: &AtomicU32) {
    // SAFETY: FUTEX_WAKE only uses the address as a key.
    unsafe { libc::syscall(libc::SYS_futex, word.as_ptr(), libc::FUTEX_WAKE, i32::MAX) };
}

/// `multiprocessing.Barrier`-like start line: `wait()` returns once `parties` processes
/// have arrived. The demos use it so workers start their loops together, as they would
/// in a slower language, instead of finishing before the next one is even forked.
pub struct Barrier {
    map: Mapping,
    parties: u32,
}

impl Barrier {
    /// A barrier for `parties` processes.
    pub fn new(name: &str, parties: u32) -> io::Result<Self> {
        Ok(Self {
            map: Mapping::new(name, std::mem::size_of::<AtomicU32>())?,
            parties,
        })
    }

    fn arrived(&self) -> &AtomicU32 {
        // SAFETY: the mapping holds one zero-initialised AtomicU32.
        unsafe { self.map.get::<AtomicU32>() }
    }

    /// Arrive and wait for the others.
    pub fn wait(&self) {
        let n = self.arrived().fetch_add(1, Ordering::SeqCst) + 1;
        if n >= self.parties {
            futex_wake_all(self.arrived());
            return;
        }
        loop {
            let now = self.arrived().load(Ordering::SeqCst);
            if now >= self.parties {
                return;
            }
            futex_wait(self.arrived(), now, Duration::from_millis(100));
        }
    }
}
