//! Shared memory: anonymous `memfd` mappings shared across `fork()`, and the `Value` /
//! `Array` types built on them.
//!
//! CPython backs `Value`/`Array` with a file in `/dev/shm` that it unlinks at once
//! (`multiprocessing/heap.py`); a memfd is the same tmpfs object without ever having a
//! name in `/dev/shm`, so nothing can be left behind there even after `kill -9`.

use std::io;
use std::sync::atomic::{AtomicI32, AtomicI64, AtomicU64, Ordering};

use crate::engine::ipc::lock::Lock;
use crate::engine::ipc::mapping::Mapping;
use crate::engine::protocol::Scalar;

/// An element type a shared `Value`/`Array` can hold, with the atomic cell that stores it.
pub trait Elem: Copy + Send + Sync + 'static {
    /// The cell type in shared memory (all-zero is a valid 0).
    type Cell: Send + Sync;
    /// CPython's typecode for this type.
    const TYPECODE: char;
    /// Read a cell.
    fn load(cell: &Self::Cell) -> Self;
    /// Write a cell.
    fn store(cell: &Self::Cell, v: Self);
    /// The protocol's representation.
    fn scalar(self) -> Scalar;
}

impl Elem for i32 {
    type Cell = AtomicI32;
    const TYPECODE: char = 'i';
    fn load(cell: &AtomicI32) -> i32 {
        cell.load(Ordering::SeqCst)
    }
    fn store(cell: &AtomicI32, v: i32) {
        cell.store(v, Ordering::SeqCst)
    }
    fn scalar(self) -> Scalar {
        Scalar::I32(self)
    }
}

impl Elem for i64 {
    type Cell = AtomicI64;
    const TYPECODE: char = 'q';
    fn load(cell: &AtomicI64) -> i64 {
        cell.load(Ordering::SeqCst)
    }
    fn store(cell: &AtomicI64, v: i64) {
        cell.store(v, Ordering::SeqCst)
    }
    fn scalar(self) -> Scalar {
        Scalar::I64(self)
    }
}

impl Elem for f64 {
    type Cell = AtomicU64;
    const TYPECODE: char = 'd';
    fn load(cell: &AtomicU64) -> f64 {
        f64::from_bits(cell.load(Ordering::SeqCst))
    }
    fn store(cell: &AtomicU64, v: f64) {
        cell.store(v.to_bits(), Ordering::SeqCst)
    }
    fn scalar(self) -> Scalar {
        Scalar::F64(self)
    }
}

/// `multiprocessing.Array(typecode, n)`: n cells in shared memory plus the lock that
/// `get_lock()` returns. Like CPython's default `lock=True`, every single read and every
/// single write takes that lock on its own, so a read-modify-write is *not* atomic.
pub struct Array<T: Elem> {
    name: String,
    map: Mapping,
    len: usize,
    lock: Lock,
    _t: std::marker::PhantomData<T>,
}

impl<T: Elem> Array<T> {
    /// A zero-filled array of `len` cells.
    pub fn new(name: &str, len: usize) -> io::Result<Self> {
        let map = Mapping::new(name, len.max(1) * std::mem::size_of::<T::Cell>())?;
        let lock = Lock::new(&format!("{name}.lock"))?;
        Ok(Self {
            name: name.to_string(),
            map,
            len,
            lock,
            _t: std::marker::PhantomData,
        })
    }

    /// An array holding `values`.
    pub fn from_values(name: &str, values: &[T]) -> io::Result<Self> {
        let a = Self::new(name, values.len())?;
        for (i, v) in values.iter().enumerate() {
            a.set(i, *v);
        }
        Ok(a)
    }

    fn cells(&self) -> &[T::Cell] {
        // SAFETY: the mapping was sized for `len` cells; atomics are valid when zero.
        unsafe { self.map.slice(0, self.len) }
    }

    /// The name shown in events.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Number of cells.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True for a zero-length array.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// `a[i]`, under the array's own lock (as CPython's synchronized wrapper does).
    pub fn get(&self, i: usize) -> T {
        let _g = self.lock.guard();
        T::load(&self.cells()[i])
    }

    /// `a[i] = v`, under the array's own lock.
    pub fn set(&self, i: usize, v: T) {
        let _g = self.lock.guard();
        T::store(&self.cells()[i], v)
    }

    /// Read without the lock: for code that already holds `get_lock()`.
    pub fn get_unlocked(&self, i: usize) -> T {
        T::load(&self.cells()[i])
    }

    /// Write without the lock: for code that already holds `get_lock()`.
    pub fn set_unlocked(&self, i: usize, v: T) {
        T::store(&self.cells()[i], v)
    }

    /// `get_lock()`: the lock guarding this object.
    pub fn get_lock(&self) -> &Lock {
        &self.lock
    }

    /// Every cell, read one by one.
    pub fn to_vec(&self) -> Vec<T> {
        (0..self.len).map(|i| self.get(i)).collect()
    }
}

/// `multiprocessing.Value(typecode, v)`: a one-cell [`Array`].
pub struct Value<T: Elem>(Array<T>);

impl<T: Elem> Value<T> {
    /// A shared value starting at `v`.
    pub fn new(name: &str, v: T) -> io::Result<Self> {
        Ok(Self(Array::from_values(name, &[v])?))
    }
    /// The name shown in events.
    pub fn name(&self) -> &str {
        self.0.name()
    }
    /// `v.value` (takes the value's lock for the read alone).
    pub fn get(&self) -> T {
        self.0.get(0)
    }
    /// `v.value = x` (takes the value's lock for the write alone).
    pub fn set(&self, v: T) {
        self.0.set(0, v)
    }
    /// Read while already holding `get_lock()`.
    pub fn get_unlocked(&self) -> T {
        self.0.get_unlocked(0)
    }
    /// Write while already holding `get_lock()`.
    pub fn set_unlocked(&self, v: T) {
        self.0.set_unlocked(0, v)
    }
    /// `get_lock()`.
    pub fn get_lock(&self) -> &Lock {
        self.0.get_lock()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_forked_child_writes_what_the_parent_reads() {
        let v = Value::<i64>::new("test.value", 5).expect("value");
        let a = Array::<f64>::from_values("test.array", &[2.4, 6.0, 7.2, 0.9]).expect("array");
        // SAFETY: the test process forks a child that only touches shared memory and exits.
        match unsafe { libc::fork() } {
            0 => {
                v.set(v.get() + 37);
                a.set(3, 1.5);
                unsafe { libc::_exit(0) };
            }
            pid => {
                let mut status = 0;
                unsafe { libc::waitpid(pid, &mut status, 0) };
                assert_eq!(v.get(), 42);
                assert_eq!(a.to_vec(), vec![2.4, 6.0, 7.2, 1.5]);
            }
        }
    }

    #[test]
    fn nothing_appears_in_dev_shm() {
        let before: Vec<_> = std::fs::read_dir("/dev/shm")
            .map(|d| d.filter_map(|e| e.ok()).map(|e| e.file_name()).collect())
            .unwrap_or_default();
        let _v = Value::<i32>::new("test.noshm", 1).expect("value");
        let after: Vec<_> = std::fs::read_dir("/dev/shm")
            .map(|d| d.filter_map(|e| e.ok()).map(|e| e.file_name()).collect())
            .unwrap_or_default();
        let new: Vec<_> = after.iter().filter(|n| !before.contains(n)).collect();
        assert!(
            new.iter().all(|n| !n.to_string_lossy().contains("proclab")),
            "{new:?}"
        );
    }
}
