//! What runs: the event protocol, the runner that starts and stops a demo, the observer
//! that samples its processes, the Python probe host, the native demos and the IPC pieces
//! they are built from. Nothing here knows about the screen or the lessons.

pub mod demos;
pub mod ipc;
pub mod observer;
pub mod protocol;
pub mod python;
pub mod runner;
pub mod shareable_list;
