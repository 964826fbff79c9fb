//! Process-shared semaphores and locks.
//!
//! CPython's `multiprocessing.Lock` is a `SemLock`: a POSIX semaphore with value 1. These
//! are POSIX semaphores too (`sem_init` with `pshared = 1`), placed in a shared mapping
//! so every forked child uses the very same kernel-visible object. The lock also records
//! its holder's PID, which is what the lock pane shows.

use std::io;
use std::sync::atomic::{AtomicI32, Ordering};

use crate::engine::ipc::mapping::Mapping;

#[repr(C)]
struct RawSem {
    sem: libc::sem_t,
    holder: AtomicI32,
}

/// A counting semaphore shared between processes (`multiprocessing.Semaphore`).
pub struct Semaphore {
    map: Mapping,
}

impl Semaphore {
    /// A semaphore with `value` permits.
    pub fn new(name: &str, value: u32) -> io::Result<Self> {
        let map = Mapping::new(name, std::mem::size_of::<RawSem>())?;
        let s = Self { map };
        // SAFETY: the mapping is fresh, zeroed, sized for RawSem and shared; pshared = 1.
        if unsafe { libc::sem_init(s.sem_ptr(), 1, value) } != 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(s)
    }

    fn raw(&self) -> &RawSem {
        // SAFETY: the mapping holds an initialised RawSem (see `new`).
        unsafe { self.map.get::<RawSem>() }
    }

    fn sem_ptr(&self) -> *mut libc::sem_t {
        std::ptr::from_ref(&self.raw().sem).cast_mut()
    }

    /// Take one permit, blocking until one is free.
    pub fn wait(&self) {
        // SAFETY: sem_wait on an initialised process-shared semaphore; retried on EINTR.
        while unsafe { libc::sem_wait(self.sem_ptr()) } != 0 {
            if io::Error::last_os_error().raw_os_error() != Some(libc::EINTR) {
                break;
            }
        }
    }

    /// Take one permit, waiting at most `timeout`; false when the time ran out
    /// (`acquire(timeout=...)` returning False).
    pub fn wait_timeout(&self, timeout: std::time::Duration) -> bool {
        let mut now = libc::timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        // SAFETY: clock_gettime writes into a timespec we own. sem_timedwait wants an
        // absolute CLOCK_REALTIME deadline.
        unsafe { libc::clock_gettime(libc::CLOCK_REALTIME, &mut now) };
        let nanos = now.tv_nsec as u64 + u64::from(timeout.subsec_nanos());
        let deadline = libc::timespec {
            tv_sec: now.tv_sec
                + timeout.as_secs() as libc::time_t
                + (nanos / 1_000_000_000) as libc::time_t,
            tv_nsec: (nanos % 1_000_000_000) as libc::c_long,
        };
        loop {
            // SAFETY: as for `wait`; the deadline lives on our stack.
            if unsafe { libc::sem_timedwait(self.sem_ptr(), &deadline) } == 0 {
                return true;
            }
            if io::Error::last_os_error().raw_os_error() != Some(libc::EINTR) {
                return false;
            }
        }
    }

    /// Take one permit if one is free now.
    pub fn try_wait(&self) -> bool {
        // SAFETY: as for `wait`.
        unsafe { libc::sem_trywait(self.sem_ptr()) == 0 }
    }

    /// Give one permit back.
    pub fn post(&self) {
        // SAFETY: as for `wait`.
        unsafe { libc::sem_post(self.sem_ptr()) };
    }

    /// Permits free now (a snapshot; may change at once).
    pub fn value(&self) -> i32 {
        let mut v = 0;
        // SAFETY: as for `wait`.
        unsafe { libc::sem_getvalue(self.sem_ptr(), &mut v) };
        v
    }
}

/// `multiprocessing.Lock`: a semaphore of one that remembers who holds it.
pub struct Lock {
    sem: Semaphore,
}

impl Lock {
    /// A free lock.
    pub fn new(name: &str) -> io::Result<Self> {
        Ok(Self {
            sem: Semaphore::new(name, 1)?,
        })
    }

    /// Block until this process holds the lock.
    pub fn acquire(&self) {
        self.sem.wait();
        self.sem
            .raw()
            .holder
            .store(std::process::id() as i32, Ordering::SeqCst);
    }

    /// Take the lock if it is free now.
    pub fn try_acquire(&self) -> bool {
        let ok = self.sem.try_wait();
        if ok {
            self.sem
                .raw()
                .holder
                .store(std::process::id() as i32, Ordering::SeqCst);
        }
        ok
    }

    /// Take the lock within `timeout`, or give up: `lock.acquire(timeout=...)`.
    pub fn acquire_timeout(&self, timeout: std::time::Duration) -> bool {
        let ok = self.sem.wait_timeout(timeout);
        if ok {
            self.sem
                .raw()
                .holder
                .store(std::process::id() as i32, Ordering::SeqCst);
        }
        ok
    }

    /// Release the lock (like `SemLock`, any process may release it).
    pub fn release(&self) {
        self.sem.raw().holder.store(0, Ordering::SeqCst);
        self.sem.post();
    }

    /// PID of the holder, 0 when free.
    pub fn holder(&self) -> i32 {
        self.sem.raw().holder.load(Ordering::SeqCst)
    }

    /// Acquire and release when the guard drops (`with lock:`).
    pub fn guard(&self) -> LockGuard<'_> {
        self.acquire();
        LockGuard(self)
    }
}

/// Releases its lock on drop.
pub struct LockGuard<'a>(&'a Lock);

impl Drop for LockGuard<'_> {
    fn drop(&mut self) {
        self.0.release();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_child_blocks_until_the_parent_releases() {
        let lock = Lock::new("test.lock").expect("lock");
        let flag = crate::engine::ipc::Value::<i32>::new("test.flag", 0).expect("value");
        lock.acquire();
        assert_eq!(lock.holder(), std::process::id() as i32);
        // SAFETY: the child only uses shared-memory objects and exits with _exit.
        match unsafe { libc::fork() } {
            0 => {
                lock.acquire();
                // The parent set the flag before releasing, so we must see it.
                let seen = flag.get();
                lock.release();
                unsafe { libc::_exit(if seen == 1 { 0 } else { 1 }) };
            }
            pid => {
                std::thread::sleep(std::time::Duration::from_millis(50));
                assert!(!lock.try_acquire(), "held by us, so not free");
                flag.set(1);
                lock.release();
                let mut status = 0;
                unsafe { libc::waitpid(pid, &mut status, 0) };
                assert!(libc::WIFEXITED(status));
                assert_eq!(libc::WEXITSTATUS(status), 0, "child saw the flag");
                assert_eq!(lock.holder(), 0, "free again");
            }
        }
    }

    #[test]
    fn a_semaphore_counts_permits() {
        let s = Semaphore::new("test.sem", 2).expect("sem");
        assert!(s.try_wait());
        assert!(s.try_wait());
        assert!(!s.try_wait());
        s.post();
        assert_eq!(s.value(), 1);
        assert!(s.wait_timeout(std::time::Duration::from_millis(10)));
        assert!(
            !s.wait_timeout(std::time::Duration::from_millis(20)),
            "no permit left: the timed wait gives up"
        );
    }
}
