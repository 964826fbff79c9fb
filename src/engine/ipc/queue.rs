//! `multiprocessing.Queue`, natively: one pipe shared by every process, a read lock so
//! that one consumer at a time takes a whole message, and a bounded semaphore for
//! `maxsize`. Each message is one `write()` of at most `PIPE_BUF` bytes, so producers
//! never interleave and need no write lock.
//!
//! Unlike CPython there is no feeder thread: `put()` writes straight into the pipe and
//! blocks once the kernel's pipe buffer (64 KiB on Linux) is full.

use std::io;
use std::marker::PhantomData;
use std::os::fd::{AsRawFd, OwnedFd};
use std::sync::atomic::{AtomicI32, Ordering};

use serde::Serialize;
use serde::de::DeserializeOwned;
use thiserror::Error;

use crate::engine::ipc::lock::{Lock, Semaphore};
use crate::engine::ipc::mapping::Mapping;
use crate::engine::protocol::PIPE_BUF;

/// Why a queue operation failed.
#[derive(Debug, Error)]
pub enum QueueError {
    #[error("item needs {0} bytes; a queue message must fit in one pipe write")]
    TooLarge(usize),
    #[error("item does not decode: {0}")]
    Decode(#[from] postcard::Error),
    #[error("queue pipe: {0}")]
    Io(#[from] io::Error),
    #[error("queue pipe closed")]
    Closed,
}

/// A multi-producer, multi-consumer queue of `T` between processes.
pub struct Queue<T> {
    read: OwnedFd,
    write: OwnedFd,
    read_lock: Lock,
    /// Free places when bounded (`maxsize`).
    slots: Option<Semaphore>,
    size: Mapping,
    maxsize: u32,
    _t: PhantomData<fn(T) -> T>,
}

impl<T: Serialize + DeserializeOwned> Queue<T> {
    /// A queue; `maxsize` 0 means unbounded (up to the pipe's buffer).
    pub fn new(name: &str, maxsize: u32) -> io::Result<Self> {
        let (read, write) = nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC)?;
        let slots = if maxsize > 0 {
            Some(Semaphore::new(&format!("{name}.slots"), maxsize)?)
        } else {
            None
        };
        Ok(Self {
            read,
            write,
            read_lock: Lock::new(&format!("{name}.rlock"))?,
            slots,
            size: Mapping::new(&format!("{name}.size"), 4)?,
            maxsize,
            _t: PhantomData,
        })
    }

    fn size_cell(&self) -> &AtomicI32 {
        // SAFETY: a 4-byte zeroed shared mapping holds one AtomicI32.
        unsafe { self.size.get::<AtomicI32>() }
    }

    /// `maxsize` (0 = unbounded).
    pub fn maxsize(&self) -> u32 {
        self.maxsize
    }

    /// Items in the queue now: approximate, like `qsize()`.
    pub fn qsize(&self) -> i32 {
        self.size_cell().load(Ordering::SeqCst)
    }

    /// Put an item, blocking while the queue is full. `on_block` runs once, just before
    /// blocking, so the caller can report it; `on_commit` runs with the new size just
    /// before the item enters the pipe, so a report of the put always precedes any report
    /// of its get. Returns the size just after.
    pub fn put(
        &self,
        item: &T,
        on_block: impl FnOnce(),
        on_commit: impl FnOnce(i32),
    ) -> Result<i32, QueueError> {
        let mut buf = [0u8; PIPE_BUF];
        let used = match postcard::to_slice(item, &mut buf[4..]) {
            Ok(b) => b.len(),
            Err(postcard::Error::SerializeBufferFull) => {
                return Err(QueueError::TooLarge(
                    postcard::to_stdvec(item)
                        .map(|v| v.len() + 4)
                        .unwrap_or(usize::MAX),
                ));
            }
            Err(e) => return Err(e.into()),
        };
        buf[..4].copy_from_slice(&(used as u32).to_le_bytes());
        if let Some(slots) = &self.slots
            && !slots.try_wait()
        {
            on_block();
            slots.wait();
        }
        // Count before writing so a fast consumer never sees the size go negative.
        let size = self.size_cell().fetch_add(1, Ordering::SeqCst) + 1;
        on_commit(size);
        write_all_once(self.write.as_raw_fd(), &buf[..4 + used])?;
        Ok(size)
    }

    /// Get an item, blocking while the queue is empty. `on_block` runs once if it looks
    /// empty. Returns the item and the size just after.
    pub fn get(&self, on_block: impl FnOnce()) -> Result<(T, i32), QueueError> {
        if !self.readable_now() {
            on_block();
        }
        self.read_lock.acquire();
        let result = (|| {
            let mut head = [0u8; 4];
            read_exact(self.read.as_raw_fd(), &mut head)?;
            let len = u32::from_le_bytes(head) as usize;
            if len > PIPE_BUF - 4 {
                return Err(QueueError::TooLarge(len));
            }
            let mut body = vec![0u8; len];
            read_exact(self.read.as_raw_fd(), &mut body)?;
            Ok(postcard::from_bytes::<T>(&body)?)
        })();
        self.read_lock.release();
        let item = result?;
        let size = self.size_cell().fetch_sub(1, Ordering::SeqCst) - 1;
        if let Some(slots) = &self.slots {
            slots.post();
        }
        Ok((item, size))
    }

    /// Wait up to `ms` for something to read, without taking it: for a parent that must
    /// also notice a child dying while it waits for results (as ProcessPoolExecutor's
    /// manager thread waits on the result pipe and the workers' sentinels together).
    pub fn wait_readable(&self, ms: i32) -> bool {
        let mut pfd = libc::pollfd {
            fd: self.read.as_raw_fd(),
            events: libc::POLLIN,
            revents: 0,
        };
        // SAFETY: one valid pollfd.
        unsafe { libc::poll(&mut pfd, 1, ms) > 0 }
    }

    fn readable_now(&self) -> bool {
        let mut pfd = libc::pollfd {
            fd: self.read.as_raw_fd(),
            events: libc::POLLIN,
            revents: 0,
        };
        // SAFETY: one valid pollfd, zero timeout.
        unsafe { libc::poll(&mut pfd, 1, 0) > 0 }
    }
}

/// One `write()` of the whole buffer (at most PIPE_BUF, so the kernel does it atomically).
fn write_all_once(fd: i32, bytes: &[u8]) -> Result<(), QueueError> {
    loop {
        // SAFETY: writing from a live buffer to a descriptor we hold.
        let n = unsafe { libc::write(fd, bytes.as_ptr().cast(), bytes.len()) };
        if n >= 0 {
            return if n as usize == bytes.len() {
                Ok(())
            } else {
                Err(QueueError::Io(io::Error::other("short pipe write")))
            };
        }
        let e = io::Error::last_os_error();
        if e.raw_os_error() != Some(libc::EINTR) {
            return Err(e.into());
        }
    }
}

fn read_exact(fd: i32, mut buf: &mut [u8]) -> Result<(), QueueError> {
    while !buf.is_empty() {
        // SAFETY: reading into a live buffer from a descriptor we hold.
        let n = unsafe { libc::read(fd, buf.as_mut_ptr().cast(), buf.len()) };
        if n == 0 {
            return Err(QueueError::Closed);
        }
        if n < 0 {
            let e = io::Error::last_os_error();
            if e.raw_os_error() == Some(libc::EINTR) {
                continue;
            }
            return Err(e.into());
        }
        buf = &mut buf[n as usize..];
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_from_two_children_arrive_once_each_in_per_producer_order() {
        let q: Queue<(u32, u32)> = Queue::new("test.q", 3).expect("queue");
        let mut kids = Vec::new();
        for p in 0..2u32 {
            // SAFETY: the child only uses the queue and exits with _exit.
            match unsafe { libc::fork() } {
                0 => {
                    for i in 0..50 {
                        if q.put(&(p, i), || {}, |_| {}).is_err() {
                            unsafe { libc::_exit(1) };
                        }
                    }
                    unsafe { libc::_exit(0) };
                }
                pid => kids.push(pid),
            }
        }
        let mut next = [0u32; 2];
        for _ in 0..100 {
            let ((p, i), _) = q.get(|| {}).expect("get");
            assert_eq!(i, next[p as usize], "producer {p} in order");
            next[p as usize] += 1;
            assert!(q.qsize() <= 3, "maxsize holds");
        }
        assert_eq!(next, [50, 50]);
        for k in kids {
            let mut st = 0;
            unsafe { libc::waitpid(k, &mut st, 0) };
            assert_eq!(libc::WEXITSTATUS(st), 0);
        }
    }
}
