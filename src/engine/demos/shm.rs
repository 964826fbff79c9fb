//! `shm`: `multiprocessing.shared_memory`, natively. Main creates a named POSIX segment
//! (`shm_open`, so it appears as `/dev/shm/NAME`) and lays `ShareableList([0, 0, 'created
//! by main'])` out in it byte for byte as CPython 3.9+ does, so proclab's own reader of
//! /dev/shm shows it as Python would. Two children then attach it **by name**, as a
//! process that was not forked from main has to: a writer sets `sl[0]`, `sl[1]` and
//! `sl[2]`, then a reader prints what it finds. Main sees the same bytes through its own
//! mapping, closes it and unlinks the name.
//!
//! Mode `leak` skips `unlink()`: the segment outlives every process of the demo. proclab
//! then removes it at the end of the run and says so (a SharedMemoryLeak event), the job
//! Python's resource tracker does with its "leaked shared_memory objects" warning.

use std::ffi::CString;
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

use crate::engine::demos::Ctx;
use crate::engine::demos::ctx::uninterrupted;
use crate::engine::protocol::{Event, Op, Role, Scalar, ShmOp};

/// One item of a ShareableList this demo uses.
#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    Int(i64),
    Str(String),
}

/// Bytes a `str` item may grow to: CPython rounds the first value's length up to 8.
fn allocated(s: &str) -> usize {
    s.len().div_ceil(8).max(1) * 8
}

/// A ShareableList laid out as CPython 3.9+ does (`shared_memory.py`): the item count,
/// N + 1 offsets into the data area, the data area, each item's `struct` format in 8
/// bytes, and one back-transform code per item (0 as is, 1 str). Native byte order, as
/// `struct` without a prefix. Returns the bytes and where each item's data starts.
pub fn layout(items: &[Item]) -> (Vec<u8>, Vec<usize>) {
    let n = items.len();
    let sizes: Vec<usize> = items
        .iter()
        .map(|i| match i {
            Item::Int(_) => 8,
            Item::Str(s) => allocated(s),
        })
        .collect();
    let mut offsets = vec![0usize];
    for s in &sizes {
        offsets.push(offsets.last().copied().unwrap_or(0) + s);
    }
    let data_start = (n + 2) * 8;
    let formats_at = data_start + offsets[n];
    let mut b = vec![0u8; formats_at + n * 8 + n];
    b[..8].copy_from_slice(&(n as i64).to_ne_bytes());
    for (i, o) in offsets.iter().enumerate() {
        b[8 + 8 * i..16 + 8 * i].copy_from_slice(&(*o as i64).to_ne_bytes());
    }
    let mut at = Vec::with_capacity(n);
    for (i, item) in items.iter().enumerate() {
        let pos = data_start + offsets[i];
        at.push(pos);
        let (format, code) = match item {
            Item::Int(v) => {
                b[pos..pos + 8].copy_from_slice(&v.to_ne_bytes());
                ("q".to_string(), 0)
            }
            Item::Str(s) => {
                b[pos..pos + s.len()].copy_from_slice(s.as_bytes());
                (format!("{}s", sizes[i]), 1)
            }
        };
        let f = formats_at + 8 * i;
        b[f..f + format.len()].copy_from_slice(format.as_bytes());
        b[formats_at + n * 8 + i] = code;
    }
    (b, at)
}

/// A mapping of a named POSIX shared memory segment, unmapped on drop (`close()`).
struct Segment {
    ptr: *mut u8,
    len: usize,
}

impl Segment {
    /// `SharedMemory(name, create=True, size=len)`: a new name in /dev/shm (never an
    /// existing one), sized and mapped. On failure nothing is left behind.
    fn create(name: &str, len: usize) -> io::Result<Self> {
        let fd = open(name, libc::O_CREAT | libc::O_EXCL | libc::O_RDWR)?;
        // SAFETY: ftruncate on a descriptor we own.
        let sized = unsafe { libc::ftruncate(fd.as_raw_fd(), len as libc::off_t) } == 0;
        let mapped = if sized {
            map(&fd, len)
        } else {
            Err(io::Error::last_os_error())
        };
        if mapped.is_err() {
            let _ = unlink(name);
        }
        mapped
    }

    /// `SharedMemory(name)`: attach an existing segment by its name alone.
    fn attach(name: &str) -> io::Result<Self> {
        let fd = open(name, libc::O_RDWR)?;
        let len = std::fs::File::from(fd.try_clone()?).metadata()?.len() as usize;
        map(&fd, len)
    }

    fn write(&self, at: usize, bytes: &[u8]) {
        assert!(at + bytes.len() <= self.len, "write past the segment");
        // SAFETY: in bounds (checked); the segment is plain shared bytes.
        unsafe { std::ptr::copy_nonoverlapping(bytes.as_ptr(), self.ptr.add(at), bytes.len()) }
    }

    fn read(&self, at: usize, len: usize) -> Vec<u8> {
        assert!(at + len <= self.len, "read past the segment");
        let mut out = vec![0u8; len];
        // SAFETY: in bounds (checked); the segment is plain shared bytes.
        unsafe { std::ptr::copy_nonoverlapping(self.ptr.add(at), out.as_mut_ptr(), len) };
        out
    }

    fn set_int(&self, at: usize, v: i64) {
        self.write(at, &v.to_ne_bytes());
    }

    fn int(&self, at: usize) -> i64 {
        let b = self.read(at, 8);
        i64::from_ne_bytes(b.try_into().unwrap_or([0; 8]))
    }

    /// Set a `str` item: its bytes, padded with NULs to the room it was given (`struct`'s
    /// `16s` pads so; CPython refuses a longer value with ValueError, as this does).
    fn set_str(&self, at: usize, room: usize, s: &str) -> io::Result<()> {
        if s.len() > room {
            return Err(io::Error::other(
                "ValueError: bytes/str item exceeds available storage",
            ));
        }
        let mut b = vec![0u8; room];
        b[..s.len()].copy_from_slice(s.as_bytes());
        self.write(at, &b);
        Ok(())
    }

    fn str(&self, at: usize, room: usize) -> String {
        let b = self.read(at, room);
        let end = b.iter().rposition(|c| *c != 0).map_or(0, |i| i + 1);
        String::from_utf8_lossy(&b[..end]).into_owned()
    }
}

impl Drop for Segment {
    fn drop(&mut self) {
        // SAFETY: unmapping the mapping this value owns.
        unsafe { libc::munmap(self.ptr.cast(), self.len) };
    }
}

fn open(name: &str, flags: i32) -> io::Result<OwnedFd> {
    let c = CString::new(format!("/{name}")).map_err(io::Error::other)?;
    // SAFETY: shm_open with a valid C string; the descriptor is owned below.
    let fd = unsafe { libc::shm_open(c.as_ptr(), flags | libc::O_CLOEXEC, 0o600) };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: a fresh descriptor that nothing else owns.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// Map the segment; the descriptor may close afterwards (the mapping keeps it alive).
fn map(fd: &OwnedFd, len: usize) -> io::Result<Segment> {
    // SAFETY: a fresh shared mapping of a descriptor we hold; checked below.
    let ptr = unsafe {
        libc::mmap(
            std::ptr::null_mut(),
            len.max(1),
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_SHARED,
            fd.as_raw_fd(),
            0,
        )
    };
    if ptr == libc::MAP_FAILED {
        return Err(io::Error::last_os_error());
    }
    Ok(Segment {
        ptr: ptr.cast(),
        len: len.max(1),
    })
}

/// `unlink()`: remove the name from /dev/shm; mappings still open stay valid.
fn unlink(name: &str) -> io::Result<()> {
    let c = CString::new(format!("/{name}")).map_err(io::Error::other)?;
    // SAFETY: shm_unlink with a valid C string.
    if unsafe { libc::shm_unlink(c.as_ptr()) } != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// What `ls -l /dev/shm/NAME` would say, seen by this process.
fn in_dev_shm(name: &str) -> String {
    match std::fs::metadata(format!("/dev/shm/{name}")) {
        Ok(m) => format!("/dev/shm/{name} exists ({} bytes)", m.len()),
        Err(_) => format!("/dev/shm/{name} is gone"),
    }
}

const NOTE: &str = "created by main";
const WRITTEN: &str = "writer was here";

/// Remove the segments of earlier shm runs whose main process is gone: only a proclab
/// killed with SIGKILL (which runs no cleanup) can have left one. A live PID's segment is
/// another run's, and stays.
fn remove_stale(ctx: &Ctx) {
    let Ok(dir) = std::fs::read_dir("/dev/shm") else {
        return;
    };
    for e in dir.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        let Some(pid) = name
            .strip_prefix("proclab_psm_")
            .and_then(|p| p.parse::<u32>().ok())
        else {
            continue;
        };
        if !std::path::Path::new(&format!("/proc/{pid}")).exists() && unlink(&name).is_ok() {
            ctx.say(&format!(
                "main: removed /dev/shm/{name}, left by an earlier run whose proclab was killed"
            ));
        }
    }
}

pub fn run(ctx: &Ctx) -> io::Result<()> {
    remove_stale(ctx);
    let leak = ctx.params.mode() == "leak";
    let n = ctx.params.iterations() as i64;
    // "proclab" in the name: the tests' check that nothing is left in /dev/shm finds it.
    let name = format!("proclab_psm_{}", std::process::id());
    let (bytes, at) = layout(&[Item::Int(0), Item::Int(0), Item::Str(NOTE.into())]);
    let room = allocated(NOTE);
    let size = bytes.len() as u64;
    ctx.gate(Op::Write, || {
        format!("sl = ShareableList([0, 0, '{NOTE}'])")
    });
    // The segment and the event that tells the runner to clean it up, both or neither.
    let seg = uninterrupted(|| {
        let seg = Segment::create(&name, bytes.len())?;
        ctx.emit(Event::SharedMemory {
            name: name.clone(),
            op: ShmOp::Create,
            size,
        });
        io::Result::Ok(seg)
    })?;
    seg.write(0, &bytes);
    ctx.say(&format!(
        "main: sl = ShareableList([0, 0, '{NOTE}']): segment '{name}', {size} bytes; {}",
        in_dev_shm(&name)
    ));

    // Each child attaches by name. The mapping a forked child inherits from main is left
    // untouched: under spawn or forkserver there would be none, only the name.
    let writer = ctx.fork(Role::Worker, "writer", |cx| {
        let me = std::process::id() as i64;
        let run = || -> io::Result<()> {
            cx.gate(Op::Read, || format!("ShareableList(name='{name}')"));
            let s = Segment::attach(&name)?;
            cx.emit(Event::SharedMemory {
                name: name.clone(),
                op: ShmOp::Attach,
                size: s.len as u64,
            });
            cx.say(&format!(
                "writer: attached '{name}' by name ({} bytes)",
                s.len
            ));
            let wrote = |index: u32, v: i64| {
                cx.emit(Event::SharedWrite {
                    name: "sl".into(),
                    index,
                    value: Scalar::I64(v),
                })
            };
            for i in 1..=n {
                cx.gate(Op::Write, || format!("sl[0] = {i}"));
                s.set_int(at[0], i);
                wrote(0, i);
            }
            cx.gate(Op::Write, || "sl[1] = os.getpid()".into());
            s.set_int(at[1], me);
            wrote(1, me);
            cx.gate(Op::Write, || format!("sl[2] = '{WRITTEN}'"));
            s.set_str(at[2], room, WRITTEN)?;
            cx.say(&format!(
                "writer: sl[0] = {n}, sl[1] = {me}, sl[2] = '{WRITTEN}'; sl.shm.close()"
            ));
            drop(s);
            cx.emit(Event::SharedMemory {
                name: name.clone(),
                op: ShmOp::Close,
                size,
            });
            Ok(())
        };
        report(cx, "writer", run())
    })?;
    ctx.reap(writer);

    let reader = ctx.fork(Role::Worker, "reader", |cx| {
        let run = || -> io::Result<()> {
            cx.gate(Op::Read, || format!("ShareableList(name='{name}')"));
            let s = Segment::attach(&name)?;
            cx.emit(Event::SharedMemory {
                name: name.clone(),
                op: ShmOp::Attach,
                size: s.len as u64,
            });
            cx.gate(Op::Read, || "list(sl)".into());
            let (a, b, c) = (s.int(at[0]), s.int(at[1]), s.str(at[2], room));
            for (index, v) in [(0, a), (1, b)] {
                cx.emit(Event::SharedRead {
                    name: "sl".into(),
                    index,
                    value: Scalar::I64(v),
                });
            }
            cx.say(&format!(
                "reader: attached '{name}' by name and read [{a}, {b}, '{c}']; sl.shm.close()"
            ));
            drop(s);
            cx.emit(Event::SharedMemory {
                name: name.clone(),
                op: ShmOp::Close,
                size,
            });
            Ok(())
        };
        report(cx, "reader", run())
    })?;
    ctx.reap(reader);

    ctx.gate(Op::Read, || "list(sl)".into());
    let (a, b, c) = (seg.int(at[0]), seg.int(at[1]), seg.str(at[2], room));
    ctx.say(&format!(
        "main: its own mapping shows [{a}, {b}, '{c}']: the same memory, nothing copied back"
    ));
    drop(seg);
    ctx.emit(Event::SharedMemory {
        name: name.clone(),
        op: ShmOp::Close,
        size,
    });
    if leak {
        ctx.say(&format!(
            "main: sl.shm.close() and exit WITHOUT sl.shm.unlink(): {}",
            in_dev_shm(&name)
        ));
        ctx.say("main: no process of the demo is left to unlink it; proclab removes it after the run and reports the leak");
    } else {
        ctx.gate(Op::Write, || "sl.shm.unlink()".into());
        uninterrupted(|| {
            unlink(&name)?;
            ctx.emit(Event::SharedMemory {
                name: name.clone(),
                op: ShmOp::Unlink,
                size,
            });
            io::Result::Ok(())
        })?;
        ctx.say(&format!(
            "main: sl.shm.close(); sl.shm.unlink(): {}",
            in_dev_shm(&name)
        ));
    }
    Ok(())
}

/// A child's exit code, saying why it failed if it did.
fn report(cx: &Ctx, who: &str, r: io::Result<()>) -> i32 {
    match r {
        Ok(()) => 0,
        Err(e) => {
            cx.say(&format!("{who}: {e}"));
            1
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_layout_is_the_one_python_writes_and_proclab_decodes() {
        let (b, at) = layout(&[Item::Int(0), Item::Int(0), Item::Str(NOTE.into())]);
        // bytes(ShareableList([0, 0, 'created by main']).shm.buf), from CPython 3.13.
        let python = "030000000000000000000000000000000800000000000000\
                      100000000000000020000000000000000000000000000000\
                      000000000000000063726561746564206279206d61696e00\
                      710000000000000071000000000000003136730000000000\
                      000001";
        let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
        assert_eq!(hex, python);
        assert_eq!(at, vec![40, 48, 56]);
        assert_eq!(
            crate::engine::shareable_list::decode(&b),
            Some(vec!["0".into(), "0".into(), format!("'{NOTE}'")])
        );
    }

    #[test]
    fn a_segment_created_by_name_is_attached_by_name_and_gone_after_unlink() {
        let name = format!("proclab_psm_unit_{}", std::process::id());
        let (bytes, at) = layout(&[Item::Int(1), Item::Str("ab".into())]);
        let a = Segment::create(&name, bytes.len()).expect("create");
        a.write(0, &bytes);
        assert!(
            Segment::create(&name, 8).is_err(),
            "create=True never reuses a name"
        );
        let b = Segment::attach(&name).expect("attach");
        b.set_int(at[0], 42);
        b.set_str(at[1], 8, "xyz").expect("fits");
        assert!(
            b.set_str(at[1], 8, "123456789").is_err(),
            "too long for its room"
        );
        assert_eq!((a.int(at[0]), a.str(at[1], 8)), (42, "xyz".to_string()));
        drop((a, b));
        assert!(std::path::Path::new(&format!("/dev/shm/{name}")).exists());
        unlink(&name).expect("unlink");
        assert!(!std::path::Path::new(&format!("/dev/shm/{name}")).exists());
        assert!(Segment::attach(&name).is_err(), "no name, no attach");
    }
}
