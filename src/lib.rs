//! proclab: a terminal lab for learning Python's `multiprocessing` with real processes.
//!
//! The folders follow the path an event takes (see DESIGN.md, "Layout"):
//! - [`engine`]: what runs: the event [`engine::protocol`], the [`engine::runner`], the
//!   [`engine::observer`], the Python probe host ([`engine::python`]), the native
//!   [`engine::demos`] and their [`engine::ipc`] building blocks
//! - [`record`]: the recording of a run: append, checkpoints, seek, file format, export
//! - [`state`]: what the screen knows at a moment, built only from events
//! - [`course`]: the lessons, their format and checker, progress
//! - [`app`]: keys to commands, settings, the step flow, the modes (live, replay, headless)
//! - [`ui`]: the terminal loop, the layout, one file per pane, theme, Markdown and code
//! - [`cli`]: the command line only; [`bench`]: `proclab bench`; [`files`]: reading the
//!   files a user names (never blocking on a FIFO, bad text told with its byte offset)

pub mod app;
pub mod bench;
pub mod cli;
pub mod course;
pub mod engine;
pub mod files;
pub mod record;
pub mod state;
pub mod ui;
