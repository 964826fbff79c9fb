//! proclab: a terminal lab for learning Python's `multiprocessing` with real processes.
//!
//! - [`protocol`]: the event enum and its postcard / JSON encodings
//! - [`ipc`]: shared memory, locks, queues, step gates
//! - [`demos`]: the native demos (one file each)
//! - [`runner`]: starts, watches, steps and stops a demo; nothing survives it
//! - [`observer`]: per-core CPU and the demo's process tree from /proc
//! - [`state`]: what the screen knows, built from events; [`app`]: keys to commands
//! - [`ui`]: drawing (panes in `ui/panes.rs`); [`tui`]: the terminal loop
//! - [`lessons`]: the lessons' Python programs (`lessons/NN-slug/demo.py`)
//! - [`cli`]: the command line; [`bench`]: `proclab bench`

pub mod app;
pub mod bench;
pub mod cli;
pub mod course;
pub mod demos;
pub mod ipc;
pub mod lessons;
pub mod observer;
pub mod progress;
pub mod protocol;
pub mod python;
pub mod runner;
pub mod state;
pub mod tui;
pub mod ui;
