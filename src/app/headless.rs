//! The app without a screen: `proclab run` starts a demo (or a Python program), prints
//! what its processes do as readable lines or JSON lines, and takes step commands on
//! standard input.

use std::collections::HashMap;
use std::io::{self, BufRead, Write};
use std::path::Path;
use std::sync::Arc;

use crate::engine::demos::{DemoKind, Params};
use crate::engine::protocol::words::describe_named;
use crate::engine::protocol::{self, Event, Frame};
use crate::engine::python::PythonProgram;
use crate::engine::runner::{self, Run, RunOptions};

/// A headless run, as the command line asked for it (already checked).
#[derive(Debug)]
pub struct Headless {
    /// The native demo's parameters (a Python run takes its demo and tempo from them).
    pub params: Params,
    /// The Python program to run under the probe instead of the native demo.
    pub python: Option<PythonProgram>,
    /// The lesson whose `[python]` patterns read the program's results from its output:
    /// set when the program is that lesson's own demo.py.
    pub lesson: Option<DemoKind>,
    /// Stop a Python program that starts more processes than this.
    pub max_procs: usize,
    /// Print observer samples too.
    pub samples: bool,
    /// Step mode, with step commands on standard input.
    pub step: bool,
    /// JSON lines instead of readable lines.
    pub json: bool,
    /// Also write the run's recording here.
    pub record: Option<std::path::PathBuf>,
    /// Step the run through this recorded schedule (instead of commands on stdin).
    pub schedule: Option<crate::record::schedule::Schedule>,
    /// The lesson the run belongs to, for the recording's header.
    pub lesson_id: Option<String>,
}

/// The Python program to run: `file`, or else the demo's lesson's demo.py, under
/// `python` (default: the first python3 on PATH).
pub fn python_program(
    python: Option<&Path>,
    file: Option<&Path>,
    demo: Option<DemoKind>,
    args: &[String],
) -> Result<PythonProgram, String> {
    let python = crate::engine::python::find_python(python)?;
    match (file, demo) {
        (Some(file), _) => {
            crate::files::check_regular(file).map_err(|e| e.to_string())?;
            Ok(PythonProgram {
                python,
                script: file.to_path_buf(),
                script_text: None,
                args: args.to_vec(),
                name: demo.map_or("script".into(), |d| d.name().to_string()),
            })
        }
        (None, Some(d)) => {
            let lesson = crate::course::embedded()
                .into_iter()
                .find(|l| l.demo == d)
                .ok_or_else(|| format!("no lesson runs the {} demo", d.name()))?;
            Ok(PythonProgram {
                python,
                script: std::path::PathBuf::from("demo.py"),
                script_text: Some(lesson.demo_py.clone()),
                args: args.to_vec(),
                name: d.name().to_string(),
            })
        }
        (None, None) => Err("say which demo's program to run, or give --file".into()),
    }
}

/// Run it to the end, printing every event; returns the process exit code.
pub fn run(h: Headless) -> i32 {
    // A path that cannot be written is refused before anything starts.
    if let Some(path) = &h.record
        && let Err(e) = crate::record::file::check_output(path)
    {
        eprintln!("error: {e}");
        return 2;
    }
    let stop_signals = runner::block_stop_signals();

    let mut opts = match RunOptions::new(h.params) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("error: cannot find the proclab executable: {e}");
            return 1;
        }
    };
    // A lesson's own program reports its results in its output: read them as its
    // lesson.toml's [python] patterns say, into the outcomes a native run would report.
    let results = match (&h.python, h.lesson) {
        (Some(_), Some(d)) => crate::course::embedded()
            .into_iter()
            .find(|l| l.demo == d)
            .map(|l| l.def.python),
        _ => None,
    };
    let mut serial_ms: Option<f64> = None;
    opts.python = h.python;
    opts.max_procs = h.max_procs;
    if h.samples {
        opts.sample_every = Some(runner::MIN_SAMPLE);
    }
    let (tx, rx) = runner::channel();
    let run = match Run::start(opts, tx) {
        Ok(r) => Arc::new(r),
        Err(e) => {
            eprintln!("error: {e}");
            return 1;
        }
    };
    {
        let run = run.clone();
        std::thread::spawn(move || {
            while let Ok(sig) = stop_signals.wait() {
                eprintln!("proclab: {sig}, stopping the demo");
                run.stop();
            }
        });
    }
    {
        // A reader that went away (`proclab run ... | head -1`) is noticed at the next
        // write; a demo that has nothing more to say for minutes would keep running until
        // then. Poll for it instead.
        let run = run.clone();
        std::thread::spawn(move || {
            loop {
                let mut fd = libc::pollfd {
                    fd: 1,
                    events: 0,
                    revents: 0,
                };
                // SAFETY: polling our own stdout for an error or hang-up, no data moved.
                let n = unsafe { libc::poll(&mut fd, 1, 200) };
                if n > 0 && fd.revents & (libc::POLLERR | libc::POLLHUP) != 0 {
                    run.stop_quietly();
                    return;
                }
                if run.is_done() {
                    return;
                }
                if n < 0 {
                    std::thread::sleep(std::time::Duration::from_millis(200));
                }
            }
        });
    }
    let mut player = h.schedule.map(|s| {
        eprintln!(
            "schedule: {} steps of a recorded run, on new processes",
            s.steps()
        );
        crate::record::schedule::Player::new(s)
    });
    if h.step && player.is_none() {
        let run = run.clone();
        std::thread::spawn(move || step_from_stdin(&run));
    }

    let mut printer = Printer::new(h.json);
    let mut recorder: Option<crate::record::file::Writer> = None;
    let mut record_error = None;
    let mut exit = 1;
    loop {
        // Flush only when nothing else is waiting: a flood is written in big pieces, a
        // trickle line by line.
        let frame = match rx.try_recv() {
            Ok(f) => f,
            Err(_) => {
                if printer.flush().is_err() {
                    run.stop_quietly();
                }
                // A schedule may have a move waiting on time alone (see `schedule::SETTLE`).
                match rx.recv_timeout(std::time::Duration::from_millis(100)) {
                    Ok(f) => f,
                    Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
                        if let Some(p) = &mut player {
                            make_moves(p, &run);
                        }
                        continue;
                    }
                    Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => break,
                }
            }
        };
        if let (Some(path), Event::RunStarted { .. }) = (&h.record, &frame.event) {
            let header = crate::record::file::Header::for_run(&frame, h.lesson_id.clone());
            match crate::record::file::Writer::create(path, &header) {
                Ok(w) => recorder = Some(w),
                Err(e) => {
                    // Asked to keep the run and cannot: say so at the end, exit 1 (not as
                    // if the user had stopped it).
                    record_error = Some(format!("cannot write {}: {e}", path.display()));
                    run.stop_quietly();
                }
            }
        }
        let mut derived = Vec::new();
        if let (Some(r), Event::Output { line, .. }) = (&results, &frame.event) {
            for o in r.outcomes(line, serial_ms) {
                if let protocol::Outcome::Timing {
                    variant, wall_ms, ..
                } = &o
                    && variant == "serial"
                {
                    serial_ms = Some(*wall_ms);
                }
                derived.push(Frame {
                    event: Event::Outcome(o),
                    ..frame.clone()
                });
            }
        }
        for f in std::iter::once(&frame).chain(&derived) {
            if printer.print(f).is_err() {
                // Our stdout is gone (e.g. piped into `head`): stop the demo quietly.
                run.stop_quietly();
            }
            if let Some(w) = &recorder {
                w.push(f.clone());
            }
        }
        if let Some(p) = &mut player {
            follow_schedule(p, &frame, &run);
        }
        if let Event::RunEnded(summary) = &frame.event {
            exit = runner::exit_code(summary);
            break;
        }
    }
    let _ = printer.flush();
    drop(run);
    if let Some(p) = &player {
        let (done, all) = p.steps_made();
        match p.diverged() {
            Some(why) => {
                eprintln!("schedule: the run left the schedule: {why}");
                exit = exit.max(1);
            }
            None if !p.finished() => {
                eprintln!("schedule: the run ended after {done} of its {all} steps");
                exit = exit.max(1);
            }
            None => eprintln!("schedule: all {all} steps made"),
        }
    }
    if let Some(w) = recorder {
        let path = w.path().to_path_buf();
        match w.finish() {
            Ok(done) => eprintln!(
                "recorded {} events to {} ({:.1} bytes/event)",
                done.frames,
                path.display(),
                done.bytes_per_frame()
            ),
            Err(e) => record_error = Some(e),
        }
    }
    if let Some(e) = record_error {
        eprintln!("error: the recording is not complete: {e}");
        exit = 1;
    }
    exit
}

/// Take in a frame of the run, then make the schedule's moves it is ready for.
fn follow_schedule(p: &mut crate::record::schedule::Player, frame: &Frame, run: &Run) {
    p.observe(frame);
    make_moves(p, run);
}

/// Make the schedule's moves the run is ready for.
fn make_moves(p: &mut crate::record::schedule::Player, run: &Run) {
    use crate::record::schedule::Do;
    for d in p.ready() {
        match d {
            Do::Step(pid) => {
                run.step(pid);
            }
            Do::Stepping(on) => run.set_stepping(on),
            Do::Stop => run.stop(),
        }
    }
    if p.diverged().is_some() {
        run.stop_quietly();
    } else if p.past_the_end() && run.stepping() {
        // The recording ends here (cut short?): let the run finish on its own.
        eprintln!("schedule: every recorded step is made; the rest runs freely");
        run.set_stepping(false);
    }
}

/// Headless step mode: commands on stdin.
fn step_from_stdin(run: &Run) {
    eprintln!(
        "step mode: type a PID and Enter to let it do one operation; 'all' steps every process; 'go' runs freely"
    );
    for line in io::stdin().lock().lines() {
        let Ok(line) = line else { break };
        match line.trim() {
            "" => {}
            "all" => {
                for pid in run.live_pids() {
                    run.step(pid);
                }
            }
            "go" => run.set_stepping(false),
            other => match other.parse::<i32>() {
                Ok(pid) if run.step(pid) => {}
                Ok(pid) => eprintln!("step: {pid} is not waiting at a step point"),
                Err(_) => eprintln!("step: '{other}' is not a PID, 'all' or 'go'"),
            },
        }
    }
    // No more commands can come: do not leave the demo waiting forever.
    eprintln!("step mode: standard input closed, running freely from here");
    run.set_stepping(false);
}

/// Prints frames as readable lines or JSON lines.
struct Printer {
    json: bool,
    start_us: Option<u64>,
    labels: HashMap<i32, String>,
    /// The names the program gave its objects, by id.
    names: HashMap<u32, String>,
    out: io::BufWriter<io::Stdout>,
}

impl Printer {
    fn new(json: bool) -> Self {
        Self {
            json,
            start_us: None,
            labels: HashMap::new(),
            names: HashMap::new(),
            out: io::BufWriter::new(io::stdout()),
        }
    }

    fn print(&mut self, f: &Frame) -> io::Result<()> {
        if let Event::Named { id, name, .. } = &f.event {
            self.names.insert(*id, name.clone());
        }
        // A forked Python child is announced at the fork, then named by its Process: the
        // second time is said as its name, not as a second start.
        let mut renamed = None;
        if let Event::Spawned { label, .. } = &f.event
            && let Some(old) = self.labels.insert(f.pid, label.clone())
        {
            if old == *label && !self.json {
                // Announced by its parent and by itself: once is enough in words.
                return Ok(());
            }
            renamed = Some(old);
        }
        if self.json {
            writeln!(self.out, "{}", protocol::to_json_line(f))?;
        } else {
            let start = *self.start_us.get_or_insert(f.t_us);
            let t = f.t_us.saturating_sub(start) as f64 / 1e6;
            let who = self.labels.get(&f.pid).map_or("", String::as_str);
            let pid = if f.pid > 0 {
                f.pid.to_string()
            } else {
                String::new()
            };
            let what = match (&renamed, &f.event) {
                (Some(old), Event::Spawned { label, role, .. }) => format!(
                    "is {label} ({}), started above as {old}",
                    crate::engine::protocol::words::role_name(*role)
                ),
                _ => describe_named(&f.event, |id| self.names.get(&id).map(String::as_str)),
            };
            writeln!(self.out, "{t:8.3}s {who:<14} {pid:>7}  {what}")?;
        }
        Ok(())
    }

    /// Hand what is printed to whoever reads it (a test, a pipe into another tool).
    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}
