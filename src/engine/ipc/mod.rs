//! Inter-process building blocks the native demos are made of: real shared memory, real
//! process-shared semaphores and locks, real pipes. Each object lives in a `MAP_SHARED`
//! mapping created before the demo forks, so parent and children touch the same memory,
//! exactly like CPython's `multiprocessing` objects inherited by a forked child.

pub mod control;
pub mod lock;
pub mod mapping;
pub mod queue;
pub mod shm;
pub mod sync;

pub use control::Control;
pub use lock::{Lock, Semaphore};
pub use mapping::Mapping;
pub use queue::Queue;
pub use shm::{Array, Elem, Value};
pub use sync::Barrier;
