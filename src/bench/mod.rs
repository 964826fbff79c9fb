//! `proclab bench`: how fast events travel and what watching costs.
//!
//! - frames: encode + decode a realistic mix of events, single-threaded, and the same
//!   through a real pipe (one writer process, the runner's decoder reading);
//! - observer: CPU time the observer spends per sample while a demo's processes run,
//!   and what that is at the 250 ms sampling interval;
//! - a frame on the screen: the Lock lesson's screen while its run goes, on the kept
//!   screen the terminal uses (only what changed is drawn and written) and drawn afresh.
//!
//! - recording: appending a 1 M-event run to the in-memory recording, seeking to random
//!   moments of it (checkpoint, then apply forward), and writing it to a file;
//!
//! - flood (`--flood`): a real queue demo putting a million items as fast as it can,
//!   headless and recorded to a file: how fast, how much memory at the peak.
//!
//! - probe (`--probe`): what the Python runner's probe costs a program, 20 000 Queue
//!   put/get pairs between two processes, plain and under proclab.
//!
//! Run with `cargo run --release -- bench` (and `-- bench --flood`, `-- bench --probe`). Figures are printed, not asserted: the
//! machines are noisy.

mod runs;
pub use runs::{flood, probe_cost};

use std::io::{Read, Write};
use std::time::Instant;

use crate::engine::observer::Observer;
use crate::engine::protocol::{self, Decoder, Event, Frame, Op, Scalar, Stream};

fn mix(i: u32) -> Frame {
    let event = match i % 5 {
        0 => Event::QueuePut {
            queue: 0,
            item: format!("p{}#{}", i % 4, i),
            seq: i,
            size: (i % 8) as i32,
        },
        1 => Event::SharedWrite {
            name: "counter".into(),
            index: 0,
            value: Scalar::I32(i as i32),
        },
        2 => Event::LockAcquired {
            lock: 0,
            waited_us: (i % 100) as u64,
        },
        3 => Event::StepPoint {
            op: Op::Write,
            detail: format!("write counter = {i}"),
        },
        _ => Event::Output {
            stream: Stream::Stdout,
            line: format!("worker {}: job done (checksum {i:x})", i % 4),
        },
    };
    Frame {
        t_us: protocol::now_us(),
        pid: 1000 + (i % 64) as i32,
        event,
    }
}

fn cpu_time_us(clock: libc::clockid_t) -> f64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes into our timespec.
    unsafe { libc::clock_gettime(clock, &mut ts) };
    ts.tv_sec as f64 * 1e6 + ts.tv_nsec as f64 / 1e3
}

/// Run the benchmarks and print the figures. Returns the exit code.
pub fn run(frames: u32, samples: u32) -> i32 {
    if frames == 0 || samples == 0 {
        eprintln!("error: --frames and --samples must be at least 1");
        return 2;
    }
    println!(
        "proclab bench ({} build)",
        if cfg!(debug_assertions) {
            "debug"
        } else {
            "release"
        }
    );

    // 1. Encode + decode in memory.
    let input: Vec<Frame> = (0..1000).map(mix).collect();
    let mut buf = [0u8; protocol::PIPE_BUF];
    let mut decoder = Decoder::new();
    let mut bytes = 0usize;
    let mut decoded = 0u32;
    let t = Instant::now();
    for i in 0..frames {
        let f = &input[(i % 1000) as usize];
        let Ok(enc) = protocol::encode(f, &mut buf) else {
            eprintln!("bench: encode failed");
            return 1;
        };
        bytes += enc.len();
        decoder.feed(enc);
        while let Some(Ok(_)) = decoder.next_frame() {
            decoded += 1;
        }
    }
    let secs = t.elapsed().as_secs_f64();
    println!(
        "frames, in memory:   {:>12.0} frames/s encoded+decoded ({:.1} bytes/frame avg, {decoded} decoded)",
        frames as f64 / secs,
        bytes as f64 / frames as f64
    );

    // 2. Through a real pipe from another process.
    let Ok((r, w)) = nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC) else {
        eprintln!("bench: pipe failed");
        return 1;
    };
    let t = Instant::now();
    // SAFETY: the bench is single-threaded here; the child writes and _exits.
    let pid = unsafe { libc::fork() };
    if pid == 0 {
        drop(r);
        let mut w = std::fs::File::from(w);
        let mut buf = [0u8; protocol::PIPE_BUF];
        for i in 0..frames {
            if let Ok(enc) = protocol::encode(&input[(i % 1000) as usize], &mut buf)
                && w.write_all(enc).is_err()
            {
                break;
            }
        }
        // SAFETY: leave the forked child without running the parent's destructors.
        unsafe { libc::_exit(0) };
    }
    drop(w);
    let mut r = std::fs::File::from(r);
    let mut chunk = vec![0u8; 64 * 1024];
    let mut decoder = Decoder::new();
    let mut got = 0u32;
    while let Ok(n) = r.read(&mut chunk) {
        if n == 0 {
            break;
        }
        decoder.feed(&chunk[..n]);
        while let Some(Ok(_)) = decoder.next_frame() {
            got += 1;
        }
    }
    // SAFETY: reaping our own child.
    unsafe { libc::waitpid(pid, std::ptr::null_mut(), 0) };
    let secs = t.elapsed().as_secs_f64();
    println!(
        "frames, via a pipe:  {:>12.0} frames/s (one write() per frame; {got} of {frames} received)",
        got as f64 / secs
    );

    // 3. Observer cost per sample, with 8 busy demo-like children under us.
    let mut kids = Vec::new();
    for _ in 0..8 {
        // SAFETY: the children only spin until killed.
        match unsafe { libc::fork() } {
            0 => loop {
                // SAFETY: prctl with constants; the spinner dies with the bench.
                unsafe { libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) };
                std::hint::black_box(crate::engine::demos::cpu_job(1_000_000));
            },
            p if p > 0 => kids.push(p),
            _ => break,
        }
    }
    let mut obs = Observer::new(std::process::id() as i32);
    obs.sample(&kids);
    let c0 = cpu_time_us(libc::CLOCK_THREAD_CPUTIME_ID);
    let mut procs = 0;
    for _ in 0..samples {
        procs += obs.sample(&kids).procs.len();
    }
    let per = (cpu_time_us(libc::CLOCK_THREAD_CPUTIME_ID) - c0) / samples as f64;
    for k in &kids {
        // SAFETY: killing and reaping our own children.
        unsafe {
            libc::kill(*k, libc::SIGKILL);
            libc::waitpid(*k, std::ptr::null_mut(), 0);
        }
    }
    let r = recording_figures(1_000_000, 2000);
    println!(
        "recording, append:   {:>12.0} frames/s into memory ({:.1} bytes/frame held, checkpoints included)",
        r.append_per_s, r.memory_per_frame
    );
    println!(
        "seek 1M-event recording: p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms ({} random seeks)",
        r.seek_p50_ms, r.seek_p99_ms, r.seek_max_ms, r.seeks
    );
    match r.file {
        Ok((per_s, per_frame)) => println!(
            "recording, to file:  {per_s:>12.0} frames/s through the recorder thread ({per_frame:.1} bytes/frame on disk)"
        ),
        Err(e) => println!("recording, to file:  not measured: {e}"),
    }
    let (p50, p99) = render_times(1000);
    println!(
        "render 160x48:       {p50:>12.0} µs p50, {p99:.0} µs p99 (64 processes, 128 cores, full frame)"
    );
    let (kept, fresh) = frame_times(400);
    println!(
        "frame on the screen: {kept:>12.0} µs CPU p50 kept ({fresh:.0} µs drawn afresh), Lock lesson at 160x48, its run going"
    );
    println!(
        "observer:            {per:>12.1} µs CPU per sample ({} processes, {} cores) = {:.3}% of a core at one sample per 250 ms",
        procs / samples.max(1) as usize,
        obs.core_count(),
        per / 250_000.0 * 100.0
    );
    0
}

/// Full-frame render time at 160x48 with 64 processes and 128 cores: (p50, p99) in µs.
pub fn render_times(frames: usize) -> (f64, f64) {
    use crate::engine::protocol::{ProcSample, Sample};
    use ratatui::buffer::Buffer;
    use ratatui::layout::Rect;

    let mut run = LockRun::new(64, 5_000);
    // A few seconds of busy history: lock traffic, output, samples.
    for round in 0..400u32 {
        let pid = 201 + (round % 64) as i32;
        run.feed(pid, Event::LockWait { lock: 0 });
        run.feed(
            pid,
            Event::LockAcquired {
                lock: 0,
                waited_us: 3,
            },
        );
        run.feed(
            pid,
            Event::SharedWrite {
                name: "counter".into(),
                index: 0,
                value: Scalar::I32(round as i32),
            },
        );
        run.feed(pid, Event::LockReleased { lock: 0 });
        run.feed(
            pid,
            Event::Output {
                stream: Stream::Stdout,
                line: format!("step {round}"),
            },
        );
        if round % 50 == 0 {
            let procs = (0..65)
                .map(|i| ProcSample {
                    pid: 200 + i,
                    ppid: if i == 0 { 100 } else { 200 },
                    state: if i % 3 == 0 { 'R' } else { 'S' },
                    cpu: (i * 3 % 100) as f32,
                    rss_kb: 2048,
                    core: i % 128,
                })
                .collect();
            let cores = (0..128).map(|c| (c * 13 % 100) as f32).collect();
            run.feed(0, Event::Sample(Sample { cores, procs }));
        }
    }
    let theme = crate::ui::Theme {
        color: true,
        ..Default::default()
    };
    let area = Rect::new(0, 0, 160, 48);
    let mut times = Vec::with_capacity(frames);
    for _ in 0..frames {
        let mut buf = Buffer::empty(area);
        let t0 = Instant::now();
        crate::ui::render(&run.app, &theme, area, &mut buf);
        times.push(t0.elapsed().as_secs_f64() * 1e6);
        std::hint::black_box(&buf);
    }
    times.sort_by(f64::total_cmp);
    let at = |q: f64| times[((times.len() - 1) as f64 * q) as usize];
    (at(0.5), at(0.99))
}

/// The Lock lesson's screen at 160x48 while its run goes (between two frames a worker
/// writes the counter, and every other frame a sample comes): CPU µs per frame, p50, on
/// the terminal's kept screen (only what changed is drawn and written) and drawn afresh
/// as a whole screen each time (into a new buffer, then the changed cells written), both
/// writing to a sink.
pub fn frame_times(frames: usize) -> (f64, f64) {
    use crate::engine::protocol::{ProcSample, Sample};
    use ratatui::layout::Rect;

    let mut run = LockRun::new(4, 60_000);
    let theme = crate::ui::Theme {
        color: true,
        ..Default::default()
    };
    let area = Rect::new(0, 0, 160, 48);
    let Ok(mut canvas) = crate::ui::canvas::Canvas::new(std::io::sink(), area) else {
        return (f64::NAN, f64::NAN);
    };
    let Ok(mut whole) = ratatui::Terminal::with_options(
        ratatui::backend::CrosstermBackend::new(std::io::sink()),
        ratatui::TerminalOptions {
            viewport: ratatui::Viewport::Fixed(area),
        },
    ) else {
        return (f64::NAN, f64::NAN);
    };
    let (mut kept, mut fresh) = (Vec::new(), Vec::new());
    for i in 0..frames {
        let pid = 201 + (i % 4) as i32;
        run.feed(
            pid,
            Event::SharedWrite {
                name: "counter".into(),
                index: 0,
                value: Scalar::I32(i as i32 * 97),
            },
        );
        if i % 2 == 0 {
            let procs = (0..5)
                .map(|k| ProcSample {
                    pid: 200 + k,
                    ppid: if k == 0 { 100 } else { 200 },
                    state: if k == 0 { 'S' } else { 'R' },
                    cpu: ((i + k as usize * 13) % 100) as f32,
                    rss_kb: 2048,
                    core: k % 2,
                })
                .collect();
            let cores = vec![(i % 100) as f32, 100.0];
            run.feed(0, Event::Sample(Sample { cores, procs }));
        }
        let c0 = cpu_time_us(libc::CLOCK_THREAD_CPUTIME_ID);
        let _ = canvas.draw(|area, buf| crate::ui::render(&run.app, &theme, area, buf));
        let c1 = cpu_time_us(libc::CLOCK_THREAD_CPUTIME_ID);
        let _ = whole.draw(|f| crate::ui::render(&run.app, &theme, f.area(), f.buffer_mut()));
        let c2 = cpu_time_us(libc::CLOCK_THREAD_CPUTIME_ID);
        kept.push(c1 - c0);
        fresh.push(c2 - c1);
    }
    let p50 = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    (p50(&mut kept), p50(&mut fresh))
}

/// A synthetic Lock run fed into an app event by event, for measuring (and testing) the
/// screen: main 200 under proclab 100, its workers 201 and up, every process announced.
pub struct LockRun {
    pub app: crate::app::App,
    t_us: u64,
    step_us: u64,
}

impl LockRun {
    /// The run started with `workers` workers; each event comes `step_us` after the last.
    pub fn new(workers: i32, step_us: u64) -> LockRun {
        let mut app = crate::app::App::default();
        app.select(crate::engine::demos::DemoKind::Lock);
        let mut run = LockRun {
            app,
            t_us: 1_000_000,
            step_us,
        };
        run.feed(
            200,
            Event::RunStarted {
                demo: "lock".into(),
                params: vec![
                    ("workers".into(), workers.to_string()),
                    ("iterations".into(), "1000".into()),
                ],
                runner_pid: 100,
                main_pid: 200,
            },
        );
        for i in 0..=workers {
            run.feed(200 + i, main_or_worker(i, 100, 200));
        }
        run
    }

    /// The next event, from `pid`.
    pub fn feed(&mut self, pid: i32, event: Event) {
        self.t_us += self.step_us;
        self.app.on_frame(&Frame {
            t_us: self.t_us,
            pid,
            event,
        });
    }
}

/// Process `i` of a synthetic run announcing itself: 0 is main (child of `runner`), the
/// others its workers (children of `main`).
fn main_or_worker(i: i32, runner: i32, main: i32) -> Event {
    use crate::engine::protocol::Role;
    Event::Spawned {
        ppid: if i == 0 { runner } else { main },
        role: if i == 0 { Role::Main } else { Role::Worker },
        label: if i == 0 {
            "main".into()
        } else {
            format!("worker {}", i - 1)
        },
        start_method: "fork".into(),
    }
}

/// What the recording benchmark measured.
pub struct RecordingFigures {
    pub append_per_s: f64,
    pub memory_per_frame: f64,
    pub seeks: usize,
    pub seek_p50_ms: f64,
    pub seek_p99_ms: f64,
    pub seek_max_ms: f64,
    /// Frames per second through the file writer and bytes per frame on disk.
    pub file: Result<(f64, f64), String>,
}

/// A busy run's frames: a main process and eight workers taking a lock, reading and
/// writing a shared counter, putting and getting queue items, printing, with a sample
/// every 250 ms of run time.
pub fn busy_run(n: usize) -> impl Iterator<Item = Frame> {
    use crate::engine::protocol::{ProcSample, Sample};
    let t0 = 1_000_000_000u64;
    (0..n).map(move |i| {
        // Ten microseconds an event: a million of them make ten seconds of run.
        let t_us = t0 + i as u64 * 10;
        if i < 9 {
            return Frame {
                t_us,
                pid: 500 + i as i32,
                event: main_or_worker(i as i32, 400, 500),
            };
        }
        let pid = 501 + (i % 8) as i32;
        let k = i as u32;
        let event = if i % 25_000 == 0 {
            Event::Sample(Sample {
                cores: vec![(k % 100) as f32, 100.0 - (k % 100) as f32],
                procs: (0..9)
                    .map(|p| ProcSample {
                        pid: 500 + p,
                        ppid: if p == 0 { 400 } else { 500 },
                        state: if p % 2 == 0 { 'R' } else { 'S' },
                        cpu: 50.0,
                        rss_kb: 2048,
                        core: p % 2,
                    })
                    .collect(),
            })
        } else {
            match i % 8 {
                0 => Event::LockWait { lock: 0 },
                1 => Event::LockAcquired {
                    lock: 0,
                    waited_us: 3,
                },
                2 => Event::SharedRead {
                    name: "counter".into(),
                    index: 0,
                    value: Scalar::I32(k as i32 / 8),
                },
                3 => Event::SharedWrite {
                    name: "counter".into(),
                    index: 0,
                    value: Scalar::I32(k as i32 / 8 + 1),
                },
                4 => Event::LockReleased { lock: 0 },
                5 => Event::QueuePut {
                    queue: 0,
                    item: format!("p{}#{}", i % 8, k / 8),
                    seq: k / 8,
                    size: 1,
                },
                6 => Event::QueueGet {
                    queue: 0,
                    item: format!("p{}#{}", (i - 1) % 8, k / 8),
                    seq: k / 8,
                    producer: 501 + ((i - 1) % 8) as i32,
                    size: 0,
                },
                _ => Event::Output {
                    stream: Stream::Stdout,
                    line: format!("worker {}: step {}", i % 8, k / 8),
                },
            }
        };
        Frame {
            t_us,
            pid: if matches!(event, Event::Sample(_)) {
                0
            } else {
                pid
            },
            event,
        }
    })
}

/// Record `frames` frames of [`busy_run`], then time `seeks` seeks to random moments.
pub fn recording_figures(frames: usize, seeks: usize) -> RecordingFigures {
    use crate::record::Recording;
    use crate::state::RunState;
    let mut rec = Recording::new();
    let mut live = RunState::new();
    let t = Instant::now();
    for f in busy_run(frames) {
        rec.append(&f, || live.clone());
        live.apply(&f);
    }
    let append_per_s = frames as f64 / t.elapsed().as_secs_f64();
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut times: Vec<f64> = (0..seeks)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let at = (x % (rec.len() as u64 + 1)) as usize;
            let t0 = Instant::now();
            std::hint::black_box(rec.state_at(at));
            t0.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    times.sort_by(f64::total_cmp);
    let q = |p: f64| times[((times.len() - 1) as f64 * p) as usize];
    RecordingFigures {
        append_per_s,
        memory_per_frame: rec.memory() as f64 / frames.max(1) as f64,
        seeks,
        seek_p50_ms: q(0.5),
        seek_p99_ms: q(0.99),
        seek_max_ms: q(1.0),
        file: file_figures(frames),
    }
}

fn file_figures(frames: usize) -> Result<(f64, f64), String> {
    use crate::record::file::{Header, Writer};
    let path = std::env::temp_dir().join(format!("proclab-bench-{}.rec", std::process::id()));
    let t = Instant::now();
    let written = Writer::create(&path, &Header::now("lock", vec![], "native"))
        .map_err(|e| e.to_string())
        .and_then(|w| {
            for f in busy_run(frames) {
                w.push(f);
            }
            w.finish()
        });
    let secs = t.elapsed().as_secs_f64();
    let _ = std::fs::remove_file(&path);
    let w = written?;
    Ok((w.frames as f64 / secs, w.bytes_per_frame()))
}
