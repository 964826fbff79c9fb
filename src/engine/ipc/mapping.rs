//! A `MAP_SHARED` memfd mapping: the memory every IPC object of a demo lives in, made
//! before the demo forks so parent and children share it.

use std::ffi::CString;
use std::io;
use std::os::fd::{AsFd, AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::ptr::NonNull;

/// A `MAP_SHARED` mapping of a memfd. Unmapped on drop; the memory itself lives on as long
/// as any process maps it.
pub struct Mapping {
    ptr: NonNull<u8>,
    len: usize,
    fd: OwnedFd,
}

// SAFETY: the mapping is plain memory; every type placed in it is made of atomics or
// process-shared semaphores, which are safe to use from any thread or process.
unsafe impl Send for Mapping {}
unsafe impl Sync for Mapping {}

impl Mapping {
    /// Create a zero-filled shared mapping of `len` bytes; `name` shows in /proc/PID/maps.
    pub fn new(name: &str, len: usize) -> io::Result<Self> {
        let cname = CString::new(format!("proclab:{name}")).map_err(io::Error::other)?;
        // SAFETY: plain syscall with a valid C string.
        let raw = unsafe { libc::memfd_create(cname.as_ptr(), libc::MFD_CLOEXEC) };
        if raw < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: memfd_create returned a fresh descriptor that we now own.
        let fd = unsafe { OwnedFd::from_raw_fd(raw) };
        // SAFETY: ftruncate on our own descriptor.
        if unsafe { libc::ftruncate(fd.as_raw_fd(), len as libc::off_t) } != 0 {
            return Err(io::Error::last_os_error());
        }
        Self::map(fd, len)
    }

    /// Map an existing shared-memory descriptor (handed down by the runner).
    pub fn from_fd(fd: OwnedFd) -> io::Result<Self> {
        let meta = std::fs::File::from(fd.try_clone()?).metadata()?;
        Self::map(fd, meta.len() as usize)
    }

    fn map(fd: OwnedFd, len: usize) -> io::Result<Self> {
        let len = len.max(1);
        // SAFETY: a fresh shared mapping of a descriptor we own; checked below.
        let ptr = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                len,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_SHARED,
                fd.as_raw_fd(),
                0,
            )
        };
        if ptr == libc::MAP_FAILED {
            return Err(io::Error::last_os_error());
        }
        let ptr = NonNull::new(ptr.cast()).ok_or_else(|| io::Error::other("mmap returned null"))?;
        Ok(Self { ptr, len, fd })
    }

    /// Size in bytes.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Always false: a mapping has at least one byte.
    pub fn is_empty(&self) -> bool {
        false
    }

    /// The descriptor, to pass to another process.
    pub fn raw_fd(&self) -> RawFd {
        self.fd.as_fd().as_raw_fd()
    }

    /// View the start of the mapping as `T`.
    ///
    /// # Safety
    /// `T` must be valid when all-zero (or initialised by the caller before use), made only
    /// of types safe to share between processes (atomics, process-shared semaphores), and
    /// fit in the mapping.
    pub unsafe fn get<T>(&self) -> &T {
        assert!(
            std::mem::size_of::<T>() <= self.len,
            "type larger than mapping"
        );
        // SAFETY: guaranteed by the caller; mmap returns page-aligned memory.
        unsafe { &*self.ptr.as_ptr().cast::<T>() }
    }

    /// View `n` elements of `T` starting at byte `offset`.
    ///
    /// # Safety
    /// As for [`Mapping::get`], and `offset` must be aligned for `T`.
    pub unsafe fn slice<T>(&self, offset: usize, n: usize) -> &[T] {
        assert!(
            offset + n * std::mem::size_of::<T>() <= self.len,
            "slice past mapping"
        );
        assert_eq!(offset % std::mem::align_of::<T>(), 0, "misaligned slice");
        // SAFETY: bounds and alignment checked; validity guaranteed by the caller.
        unsafe { std::slice::from_raw_parts(self.ptr.as_ptr().add(offset).cast::<T>(), n) }
    }
}

impl Drop for Mapping {
    fn drop(&mut self) {
        // SAFETY: we mapped exactly this range.
        unsafe { libc::munmap(self.ptr.as_ptr().cast(), self.len) };
    }
}
