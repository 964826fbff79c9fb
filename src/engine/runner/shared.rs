//! What the runner's threads share about a run: the processes alive and seen, the user's
//! actions waiting to enter the stream, the program's shared memory segments (read by
//! proclab from /dev/shm) and each process's output pipes (to put its last lines before
//! its exit).

use std::collections::BTreeSet;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::mpsc::SyncSender;
use std::time::{Duration, Instant};

use crate::engine::protocol::{self, Event, Frame};

/// State the runner's threads share.
pub(super) struct Shared {
    /// PIDs announced and not yet reported gone.
    pub(super) live: Mutex<BTreeSet<i32>>,
    /// Every PID that took part.
    pub(super) seen: Mutex<BTreeSet<i32>>,
    pub(super) errors: AtomicU32,
    pub(super) stopped: AtomicBool,
    pub(super) done: AtomicBool,
    /// The user's actions not yet in the stream, and whether the summary has gone (then
    /// no more may come). `Run`'s methods only put them here, never into the bounded
    /// channel themselves: they are called by whoever drains that channel, which must
    /// never wait for it.
    pub(super) user: Mutex<(Vec<Frame>, bool)>,
    /// Taken while frames go into the channel, so the user's actions waiting in `user`
    /// enter it before the next frame of the run (a step before what it let happen).
    pub(super) sending: Mutex<()>,
    /// The program's shared memory segments, by name.
    segments: Mutex<std::collections::BTreeMap<String, Segment>>,
    /// Each process's output pipes still open, and when it exited (see
    /// [`Shared::exit_barrier`]).
    outputs: Mutex<std::collections::HashMap<i32, OutputPipes>>,
    /// The PIDs whose exit may still hold frames back: the sequencer asks for every
    /// frame, so it looks at these few, not at every process the run ever had.
    draining: Mutex<Vec<i32>>,
    /// The thread that reads the run's event pipe, and until when it reads without
    /// pausing (see [`Shared::hurry`]).
    reader: Mutex<(Option<std::thread::Thread>, Option<Instant>)>,
}

/// How long the event pipe is read without pauses after the user acts.
const HURRY: Duration = Duration::from_millis(500);

/// A process's output pipes, for putting its lines before its exit.
#[derive(Default)]
struct OutputPipes {
    /// Pipes still being read.
    open: u32,
    /// When it exited (CLOCK_MONOTONIC µs) and when proclab heard of it.
    exited: Option<(u64, Instant)>,
}

/// How long the sequencer waits for an exited process's last lines.
const EXIT_DRAIN: Duration = Duration::from_millis(300);

/// What the runner knows of a shared memory segment of the program.
#[derive(Default)]
struct Segment {
    /// The program created it (rather than attaching one made elsewhere).
    created: bool,
    unlinked: bool,
    /// Its first bytes as last read, to report only changes.
    head: Vec<u8>,
    /// Its values, if it holds a ShareableList, as last read.
    list: Option<Vec<String>>,
}

/// Bytes of a segment proclab reads and shows.
const SEGMENT_HEAD: usize = 64;
/// Segments up to this size are read whole, to decode a ShareableList in one.
const SEGMENT_WHOLE: usize = 64 * 1024;

impl Shared {
    /// Nothing seen yet.
    pub(super) fn new() -> Self {
        Shared {
            live: Mutex::new(BTreeSet::new()),
            seen: Mutex::new(BTreeSet::new()),
            errors: AtomicU32::new(0),
            stopped: AtomicBool::new(false),
            done: AtomicBool::new(false),
            user: Mutex::new((Vec::new(), false)),
            sending: Mutex::new(()),
            segments: Mutex::new(Default::default()),
            outputs: Mutex::new(Default::default()),
            draining: Mutex::new(Vec::new()),
            reader: Mutex::new((None, None)),
        }
    }

    /// The calling thread reads the event pipe (until the run ends).
    pub(super) fn reads_events(&self) {
        lock(&self.reader).0 = Some(std::thread::current());
    }

    /// The user acted (a step, a resume, a stop...) or the demo's main process ended:
    /// what follows is read at once, not after the reader's pause, so it shows as soon as
    /// the screen takes it.
    pub(super) fn hurry(&self) {
        let mut r = lock(&self.reader);
        r.1 = Some(Instant::now() + HURRY);
        if let Some(t) = &r.0 {
            t.unpark();
        }
    }

    /// How long a quiet event pipe is left to fill before the next read: `quiet`, or
    /// nothing for a moment after [`Shared::hurry`].
    pub(super) fn pause(&self, quiet: Duration) -> Duration {
        match lock(&self.reader).1 {
            Some(until) if Instant::now() < until => Duration::ZERO,
            _ => quiet,
        }
    }

    /// `n` more output pipes of `pid` are being read.
    pub(super) fn outputs_opened(&self, pid: i32, n: u32) {
        let exited = {
            let mut outputs = lock(&self.outputs);
            let o = outputs.entry(pid).or_default();
            o.open += n;
            o.exited.is_some()
        };
        // Pipes handed over after its exit was seen may hold its last lines too. (Never
        // with `outputs` held: `exit_barrier` takes `draining` first.)
        if exited {
            lock(&self.draining).push(pid);
        }
    }

    /// One output pipe of `pid` reached its end.
    pub(super) fn output_closed(&self, pid: i32) {
        if let Some(o) = lock(&self.outputs).get_mut(&pid) {
            o.open = o.open.saturating_sub(1);
        }
    }

    /// `pid` exited at `t_us` (its Exited event reached the sequencer).
    pub(super) fn exit_seen(&self, pid: i32, t_us: u64) {
        lock(&self.outputs).entry(pid).or_default().exited = Some((t_us, Instant::now()));
        lock(&self.draining).push(pid);
    }

    /// The time to stamp a line of `pid` read now: now, or just before its exit if it has
    /// exited (it wrote the line before it ended, whenever proclab got to read it).
    pub(super) fn output_stamp(&self, pid: i32) -> u64 {
        let now = protocol::now_us();
        match lock(&self.outputs).get(&pid).and_then(|o| o.exited) {
            Some((t, _)) => now.min(t.saturating_sub(1)),
            None => now,
        }
    }

    /// Frames after this time wait: a process exited then and its pipes may still hold
    /// lines it wrote before (each waits until its pipes end, at most [`EXIT_DRAIN`]). So
    /// "joined worker 0" never shows before worker 0's last words.
    pub(super) fn exit_barrier(&self) -> Option<u64> {
        let mut draining = lock(&self.draining);
        if draining.is_empty() {
            return None;
        }
        let outputs = lock(&self.outputs);
        let holding = |pid: &i32| {
            outputs
                .get(pid)
                .filter(|o| o.open > 0)
                .and_then(|o| o.exited)
                .filter(|(_, heard)| heard.elapsed() < EXIT_DRAIN)
                .map(|(t, _)| t.saturating_sub(1))
        };
        draining.retain(|pid| holding(pid).is_some());
        draining.iter().filter_map(holding).min()
    }

    /// Put `frame` into the stream, after the user's actions that came before it.
    pub(super) fn forward(&self, tx: &SyncSender<Frame>, frame: Frame) {
        self.note(&frame);
        let _turn = lock(&self.sending);
        let waiting = std::mem::take(&mut lock(&self.user).0);
        for u in waiting {
            let _ = tx.send(u);
        }
        let _ = tx.send(frame);
    }

    /// The run's last frame: the user's actions still waiting, then the summary; after it
    /// no user action is taken any more.
    pub(super) fn finish(&self, tx: &SyncSender<Frame>, summary: Frame) {
        let _turn = lock(&self.sending);
        let waiting = {
            let mut u = lock(&self.user);
            u.1 = true;
            std::mem::take(&mut u.0)
        };
        for u in waiting {
            let _ = tx.send(u);
        }
        self.note(&summary);
        let _ = tx.send(summary);
    }

    pub(super) fn note(&self, frame: &Frame) {
        match &frame.event {
            Event::Spawned { .. } => {
                lock(&self.live).insert(frame.pid);
                lock(&self.seen).insert(frame.pid);
            }
            Event::Exited { .. } => {
                lock(&self.live).remove(&frame.pid);
            }
            Event::Error { .. } => {
                self.errors.fetch_add(1, Ordering::Relaxed);
            }
            Event::SharedMemory { name, op, .. } => {
                let mut segs = lock(&self.segments);
                let s = segs.entry(name.clone()).or_default();
                match op {
                    protocol::ShmOp::Create => s.created = true,
                    protocol::ShmOp::Unlink => s.unlinked = true,
                    _ => {}
                }
            }
            _ => {}
        }
    }

    /// What changed since the last look in each segment still linked, read from /dev/shm
    /// (read-only, without blocking): its first bytes, and its values if it holds a
    /// ShareableList.
    pub(super) fn segment_changes(&self) -> Vec<Event> {
        let mut out = Vec::new();
        for (name, s) in lock(&self.segments).iter_mut() {
            if s.unlinked {
                continue;
            }
            let Some(bytes) = read_segment(name) else {
                continue;
            };
            let head = bytes[..bytes.len().min(SEGMENT_HEAD)].to_vec();
            if head != s.head {
                s.head = head.clone();
                out.push(Event::SharedMemoryBytes {
                    name: name.clone(),
                    head,
                });
            }
            // A readable start of a long list: an event stays small.
            let list = crate::engine::shareable_list::decode(&bytes).map(|v| {
                let mut shown: Vec<String> =
                    v.iter().take(32).map(|x| protocol::clip(x, 40)).collect();
                if v.len() > 32 {
                    shown.push(format!("… {} more", v.len() - 32));
                }
                shown
            });
            if list.is_some() && list != s.list {
                s.list = list.clone();
                out.push(Event::ShareableList {
                    name: name.clone(),
                    values: list.unwrap_or_default(),
                });
            }
        }
        out
    }

    /// Segments the program created and never unlinked: each removed from /dev/shm if it
    /// is still there (nothing a program under proclab makes is left behind).
    pub(super) fn leaked_segments(&self) -> Vec<(String, bool)> {
        lock(&self.segments)
            .iter()
            .filter(|(_, s)| s.created && !s.unlinked)
            .map(|(name, _)| {
                let removed = segment_path(name).is_some_and(|p| std::fs::remove_file(p).is_ok());
                (name.clone(), removed)
            })
            .collect()
    }
}

/// Where a segment lives, for a name a segment can have: nothing that could point outside
/// /dev/shm.
fn segment_path(name: &str) -> Option<std::path::PathBuf> {
    let ok = !name.is_empty()
        && name.len() <= 255
        && name != "."
        && name != ".."
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
    ok.then(|| std::path::Path::new("/dev/shm").join(name))
}

/// A segment's first bytes, read without blocking and without changing it.
fn read_segment(name: &str) -> Option<Vec<u8>> {
    use std::io::Read;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(segment_path(name)?)
        .ok()?;
    if !f.metadata().ok()?.is_file() {
        return None;
    }
    // A small segment whole (a ShareableList is decoded from all of it), a large one only
    // its head.
    let len = f.metadata().ok()?.len() as usize;
    let want = if len <= SEGMENT_WHOLE {
        len
    } else {
        SEGMENT_HEAD
    };
    let mut bytes = vec![0u8; want];
    let mut got = 0;
    while got < want {
        match f.read(&mut bytes[got..]) {
            Ok(0) | Err(_) => break,
            Ok(n) => got += n,
        }
    }
    bytes.truncate(got);
    Some(bytes)
}

pub(super) fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

pub(super) fn send(tx: &SyncSender<Frame>, shared: &Shared, pid: i32, event: Event) {
    shared.forward(
        tx,
        Frame {
            t_us: protocol::now_us(),
            pid,
            event,
        },
    );
}
