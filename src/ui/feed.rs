//! A run as the screen sees it: started with its own channel, its frames taken from there
//! by the screen's loop, retired (or its `--record` file closed) when replaced. Each
//! run's frames wait in the run's own
//! bounded channel until the loop takes them, at the screen's pace: once per frame of the
//! screen while the run is quiet, at once again while it is busy. No thread wakes up per
//! frame or per batch only to pass frames on, and a busy run still slows to the screen's
//! pace rather than growing memory (the channel is bounded).

use std::sync::mpsc::{Receiver, TryRecvError};
use std::time::Instant;

use crate::engine::protocol::{Event, Frame};
use crate::engine::runner::{self, Run, RunOptions};
use crate::record::file::Writer;

/// What one take found.
#[derive(Debug, Default, PartialEq)]
pub struct Taken {
    /// Frames taken.
    pub frames: usize,
    /// Frames were still waiting when the time ran out: take again soon.
    pub more: bool,
    /// The run has sent its last frame.
    pub ended: bool,
}

/// Take the frames waiting in `rx` until `until`, handing each to `each` in order.
pub fn take(rx: &Receiver<Frame>, until: Instant, mut each: impl FnMut(Frame)) -> Taken {
    let mut t = Taken::default();
    loop {
        // A run's frames come in thousands only when it is busy: the clock is read once
        // every 64 frames, not per frame.
        if t.frames % 64 == 63 && Instant::now() >= until {
            t.more = true;
            return t;
        }
        match rx.try_recv() {
            Ok(f) => {
                t.frames += 1;
                each(f);
            }
            Err(TryRecvError::Empty) => return t,
            Err(TryRecvError::Disconnected) => {
                t.ended = true;
                return t;
            }
        }
    }
}

/// A run replaced before it ended, whose `--record` file still takes its last frames
/// (the exits and the summary); closed when they are in.
pub struct Closing {
    pub rx: Receiver<Frame>,
    pub file: Writer,
}

/// Write what the replaced runs have sent since; close the files of those that ended.
/// Returns the errors of closing them.
pub fn close_finished(closing: &mut Vec<Closing>) -> Vec<String> {
    let mut errors = Vec::new();
    let mut i = 0;
    while i < closing.len() {
        let c = &mut closing[i];
        let mut summary = false;
        let t = take(
            &c.rx,
            Instant::now() + std::time::Duration::from_millis(5),
            |f| {
                summary |= matches!(f.event, Event::RunEnded(_));
                c.file.push(f);
            },
        );
        if summary || t.ended {
            if let Err(e) = closing.remove(i).file.finish() {
                errors.push(e);
            }
        } else {
            i += 1;
        }
    }
    errors
}

/// A run about to be replaced keeps its `--record` file, which takes the rest of its
/// frames as they come; without one, its frames are dropped from now on.
pub fn keep_file(
    app: &mut crate::app::App,
    frames: &mut Option<Receiver<Frame>>,
    closing: &mut Vec<Closing>,
) {
    // The recorder is still there until the app takes in the run's summary.
    match (app.recorder.take(), frames.take()) {
        (Some(file), Some(rx)) => closing.push(Closing { rx, file }),
        (Some(file), None) => {
            if let Err(e) = file.finish() {
                app.add_message(e);
            }
        }
        (None, _) => {}
    }
}

/// Stop an old run without blocking the screen; its frames are dropped from now on.
pub fn retire(old: Option<Run>) {
    if let Some(run) = old {
        run.stop();
        std::thread::spawn(move || drop(run));
    }
}

/// Start a run whose frames wait in the returned channel until the screen takes them.
pub fn start(
    params: crate::engine::demos::Params,
    python: Option<(crate::engine::python::PythonProgram, usize)>,
) -> Result<(Run, Receiver<Frame>), String> {
    let mut opts = RunOptions::new(params).map_err(|e| e.to_string())?;
    if let Some((program, max_procs)) = python {
        opts.python = Some(program);
        opts.max_procs = max_procs;
    }
    opts.sample_every = Some(runner::MIN_SAMPLE);
    let (tx, rx) = runner::channel();
    let run = Run::start(opts, tx).map_err(|e| e.to_string())?;
    Ok((run, rx))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::protocol::Event;

    fn frame(n: u64) -> Frame {
        Frame {
            t_us: n,
            pid: 1,
            event: Event::Output {
                stream: crate::engine::protocol::Stream::Stdout,
                line: format!("line {n}"),
            },
        }
    }

    #[test]
    fn a_take_hands_over_every_waiting_frame_in_order_and_notices_the_end() {
        let (tx, rx) = std::sync::mpsc::sync_channel(16);
        for n in 0..5 {
            tx.send(frame(n)).unwrap();
        }
        let mut got = Vec::new();
        let far = Instant::now() + std::time::Duration::from_secs(60);
        let t = take(&rx, far, |f| got.push(f.t_us));
        assert_eq!(got, [0, 1, 2, 3, 4]);
        assert_eq!((t.frames, t.more, t.ended), (5, false, false));
        drop(tx);
        assert!(take(&rx, far, |_| {}).ended);
    }

    #[test]
    fn a_take_past_its_time_leaves_the_rest_for_the_next_one() {
        let (tx, rx) = std::sync::mpsc::sync_channel(1000);
        for n in 0..1000 {
            tx.send(frame(n)).unwrap();
        }
        let past = Instant::now();
        let t = take(&rx, past, |_| {});
        assert!(t.more, "{t:?}");
        assert!(t.frames < 1000);
        let rest = take(&rx, past + std::time::Duration::from_secs(60), |_| {});
        assert_eq!(t.frames + rest.frames, 1000);
    }
}
