//! The command line: `proclab run <demo>`, `proclab list`, `proclab bench`, and the
//! hidden `proclab __demo` that the runner re-executes as a demo's main process.

use std::collections::HashMap;
use std::io::{self, BufRead, Write};
use std::sync::Arc;

use clap::{Args, Parser, Subcommand};

use crate::engine::demos::{self, DemoKind, Params};
use crate::engine::protocol::{self, Event, Frame, Outcome, Stream};
use crate::engine::runner::{self, Run, RunOptions};

/// A terminal lab for Python's multiprocessing: real processes, real pipes, real shared
/// memory, real locks — watched live.
#[derive(Debug, Parser)]
#[command(name = "proclab", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    /// Open the terminal app at this lesson (its id, folder name or demo, e.g. lock).
    #[arg(long)]
    lesson: Option<String>,
    /// Teach the lessons in this folder (NN-slug/ folders, see lessons/README.md) instead
    /// of the built-in course.
    #[arg(long, value_name = "DIR")]
    lessons: Option<std::path::PathBuf>,
    /// Language of the lesson texts (default: from LC_ALL / LC_MESSAGES / LANG).
    #[arg(long, value_enum)]
    lang: Option<crate::course::Lang>,
    /// Forget which lessons are finished, then open the app.
    #[arg(long)]
    reset_progress: bool,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run a demo headless and print what its processes do (readable lines, or JSON).
    Run(RunArgs),
    /// List the demos.
    List,
    /// Work with lesson folders.
    #[command(subcommand)]
    Lessons(LessonsCommand),
    /// Measure event encoding/decoding speed and the observer's cost per sample.
    Bench(BenchArgs),
    /// Open the terminal app on your own Python program: its processes, queues, locks,
    /// shared values and output, live (needs python3).
    Watch(WatchArgs),
    /// Internal: the main process of a demo, started by `proclab run`.
    #[command(name = "__demo", hide = true)]
    Demo,
    /// Internal: kills a Python run's process group if proclab dies first.
    #[command(name = "__guard", hide = true)]
    Guard {
        pgid: String,
        dir: std::path::PathBuf,
    },
}

/// Which runner runs a demo.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Runner {
    /// The demos built into proclab: real processes, nothing to install.
    Native,
    /// A Python program under python3, observed by proclab's probe.
    Python,
}

#[derive(Debug, Args)]
struct WatchArgs {
    /// The Python interpreter (default: the first python3 on PATH).
    #[arg(long, value_name = "PATH")]
    python: Option<std::path::PathBuf>,
    /// Stop the program if it starts more than this many processes.
    #[arg(long, default_value_t = crate::engine::runner::MAX_PROCS, value_parser = clap::value_parser!(u32).range(1..))]
    max_procs: u32,
    /// The program.
    script: std::path::PathBuf,
    /// Its arguments.
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    args: Vec<String>,
}

#[derive(Debug, Subcommand)]
enum LessonsCommand {
    /// Check a folder of lessons (NN-slug/ with lesson.toml, en.md, zh.md, demo.py) and
    /// list every problem with its file and line.
    Check {
        /// The folder holding the lesson folders.
        dir: std::path::PathBuf,
    },
}

#[derive(Debug, Args)]
struct RunArgs {
    /// Which demo to run (with --runner python: whose lesson's demo.py).
    #[arg(value_enum, required_unless_present = "file")]
    demo: Option<DemoKind>,
    /// native (default) runs the built-in demo; python runs the lesson's demo.py, or
    /// --file, under python3 with proclab's probe.
    #[arg(long, value_enum)]
    runner: Option<Runner>,
    /// A Python program to run under the probe (implies --runner python).
    #[arg(long, value_name = "SCRIPT")]
    file: Option<std::path::PathBuf>,
    /// The Python interpreter (default: the first python3 on PATH).
    #[arg(long, value_name = "PATH")]
    python: Option<std::path::PathBuf>,
    /// Python runner: stop the program if it starts more than this many processes.
    #[arg(long, default_value_t = crate::engine::runner::MAX_PROCS, value_parser = clap::value_parser!(u32).range(1..))]
    max_procs: u32,
    /// Python runner: arguments for the program, after `--`.
    #[arg(last = true)]
    args: Vec<String>,
    /// Worker processes (process, queue --mode sum, pool, shared, lock, gil, manager,
    /// lifecycle); children per start method (start).
    #[arg(long, short = 'w')]
    workers: Option<u32>,
    /// Iterations: loop steps per job (process, gil), items per producer (queue),
    /// increments per worker (lock, shared, manager), messages (pipe).
    #[arg(long, short = 'n')]
    iterations: Option<u64>,
    /// Pool tasks.
    #[arg(long)]
    tasks: Option<u32>,
    /// Lock and manager demos: guard each read-then-write with a Lock.
    #[arg(long, conflicts_with = "no_lock")]
    lock: bool,
    /// Lock and manager demos: no Lock around the read-then-write (the default): updates
    /// get lost.
    #[arg(long)]
    no_lock: bool,
    /// Demo mode: queue items|sum; pool map|imap|unordered|maxtasksperchild;
    /// lock counter|print; gil cpu|io; pipe duplex|oneway; start all|fork|spawn|forkserver;
    /// lifecycle zombie|orphan|interrupt|terminate.
    #[arg(long, short = 'm')]
    mode: Option<String>,
    /// Delay per operation in ms, so a class can watch (0 = full speed).
    #[arg(long, default_value_t = 0, value_name = "MS")]
    tempo: u32,
    /// Step mode: every process waits before each operation; type a PID and Enter to let
    /// it do one, `all` to step every waiting process, `go` to leave step mode.
    #[arg(long)]
    step: bool,
    /// Print events as JSON lines (one object per line; the summary is the last line).
    #[arg(long)]
    json: bool,
    /// Include observer samples (per-core CPU, each process's state, CPU, RSS, core)
    /// every 250 ms.
    #[arg(long)]
    samples: bool,
    /// Queue: producer processes.
    #[arg(long)]
    producers: Option<u32>,
    /// Queue: consumer processes.
    #[arg(long)]
    consumers: Option<u32>,
    /// Queue: maxsize (0 = unbounded); put() blocks while the queue is full.
    #[arg(long)]
    maxsize: Option<u32>,
    /// Pool: loop steps per unit of task cost.
    #[arg(long)]
    cost: Option<u64>,
    /// Pool (maxtasksperchild mode): tasks per worker before it is replaced.
    #[arg(long)]
    maxtasks: Option<u32>,
    /// Process, lifecycle: leave finished children unjoined this long, so they show as
    /// zombies (lifecycle default 2000).
    #[arg(long, value_name = "MS")]
    zombie_ms: Option<u64>,
    /// Process: SIGKILL worker number K while it works.
    #[arg(long, value_name = "K")]
    kill: Option<u32>,
    /// Process: make worker number K panic.
    #[arg(long, value_name = "K")]
    panic: Option<u32>,
}

#[derive(Debug, Args)]
struct BenchArgs {
    /// Frames to encode and decode.
    #[arg(long, default_value_t = 1_000_000)]
    frames: u32,
    /// Observer samples to take.
    #[arg(long, default_value_t = 200)]
    samples: u32,
}

impl RunArgs {
    /// True when a native demo option was given.
    fn any_demo_option(&self) -> bool {
        self.workers.is_some()
            || self.iterations.is_some()
            || self.tasks.is_some()
            || self.lock
            || self.no_lock
            || self.mode.is_some()
            || self.producers.is_some()
            || self.consumers.is_some()
            || self.maxsize.is_some()
            || self.cost.is_some()
            || self.maxtasks.is_some()
            || self.zombie_ms.is_some()
            || self.kill.is_some()
            || self.panic.is_some()
            || self.tempo > 0
            || self.step
    }

    fn params(&self) -> Params {
        let mut p = Params::new(self.demo.unwrap_or(DemoKind::Process));
        p.workers = self.workers;
        p.iterations = self.iterations;
        p.tasks = self.tasks;
        p.lock = match (self.lock, self.no_lock) {
            (true, _) => Some(true),
            (_, true) => Some(false),
            _ => None,
        };
        p.mode = self.mode.clone();
        p.producers = self.producers;
        p.consumers = self.consumers;
        p.maxsize = self.maxsize;
        p.cost = self.cost;
        p.maxtasks = self.maxtasks;
        p.zombie_ms = self.zombie_ms;
        p.kill = self.kill;
        p.panic = self.panic;
        p.tempo_ms = self.tempo;
        p.step = self.step;
        p
    }
}

/// Run the command line; returns the process exit code.
pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return e.exit_code();
        }
    };
    match cli.command {
        Some(Command::Demo) => demos::main_process(),
        Some(Command::Guard { pgid, dir }) => crate::engine::runner::guard_main(&pgid, &dir),
        Some(Command::Watch(w)) => watch(w, cli.lang),
        Some(Command::List) => {
            list();
            0
        }
        Some(Command::Run(args)) => run(args),
        Some(Command::Lessons(LessonsCommand::Check { dir })) => {
            crate::course::format::check_command(&dir)
        }
        Some(Command::Bench(b)) => crate::bench::run(b.frames, b.samples),
        None => {
            let lessons = match &cli.lessons {
                None => crate::course::embedded(),
                Some(dir) => match crate::course::load(dir) {
                    Ok(l) => l,
                    Err(e) => {
                        eprintln!("proclab: cannot open these lessons: {e}");
                        return 2;
                    }
                },
            };
            if lessons.is_empty() {
                eprintln!("proclab: no lessons to teach");
                return 2;
            }
            let lesson = match &cli.lesson {
                None => None,
                Some(name) => match crate::course::find(&lessons, name) {
                    Some(i) => Some(i),
                    None => {
                        let ids: Vec<&str> = lessons.iter().map(|l| l.def.id.as_str()).collect();
                        eprintln!("proclab: no lesson '{name}'; lessons: {}", ids.join(", "));
                        return 2;
                    }
                },
            };
            crate::ui::terminal::main(crate::ui::terminal::Start {
                lessons,
                lesson,
                lang: cli.lang.unwrap_or_else(crate::course::Lang::from_env),
                reset_progress: cli.reset_progress,
                python: crate::engine::python::find_python(None).ok(),
                watch: None,
                max_procs: crate::engine::runner::MAX_PROCS as usize,
                record: None,
            })
        }
    }
}

fn list() {
    println!("demos (proclab run <demo> --help for options):");
    let w = DemoKind::ALL
        .iter()
        .map(|d| d.name().len())
        .max()
        .unwrap_or(0);
    for d in DemoKind::ALL {
        let modes = if d.modes().is_empty() {
            String::new()
        } else {
            format!("  [modes: {}]", d.modes().join(", "))
        };
        println!("  {:<w$} {}{modes}", d.name(), d.summary());
    }
    println!("\nlessons (proclab --lesson <id>):");
    let lessons = crate::course::embedded();
    let w = lessons.iter().map(|l| l.def.id.len()).max().unwrap_or(0);
    for (i, l) in lessons.iter().enumerate() {
        println!(
            "  {:>2} {:<w$}  {} / {}  (demo: {})",
            i + 1,
            l.def.id,
            l.def.title.en,
            l.def.title.zh,
            l.demo.name()
        );
    }
}

/// `proclab watch SCRIPT`: the app on a student's own program.
fn watch(w: WatchArgs, lang: Option<crate::course::Lang>) -> i32 {
    let python = match crate::engine::python::find_python(w.python.as_deref()) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("proclab: {e}");
            return 2;
        }
    };
    let text = match std::fs::read_to_string(&w.script) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("proclab: cannot read {}: {e}", w.script.display());
            return 2;
        }
    };
    let name = w
        .script
        .file_name()
        .map_or("script".into(), |n| n.to_string_lossy().into_owned());
    let lesson = crate::course::script_lesson(&w.script, &name, text);
    crate::ui::terminal::main(crate::ui::terminal::Start {
        lessons: vec![lesson],
        lesson: Some(0),
        lang: lang.unwrap_or_else(crate::course::Lang::from_env),
        reset_progress: false,
        python: Some(python),
        watch: Some((w.script, w.args)),
        max_procs: w.max_procs as usize,
        record: None,
    })
}

/// The Python program a run asks for, or the message saying why it cannot run.
fn python_program(args: &RunArgs) -> Result<Option<crate::engine::python::PythonProgram>, String> {
    let python_runner = args.file.is_some() || args.runner == Some(Runner::Python);
    if !python_runner {
        if args.python.is_some() || !args.args.is_empty() {
            return Err("--python and program arguments go with --runner python".into());
        }
        return Ok(None);
    }
    if args.runner == Some(Runner::Native) {
        return Err("--file runs a Python program: it needs the python runner".into());
    }
    if args.any_demo_option() {
        return Err(
            "the native demos' options do not apply to a Python program; give the program its arguments after --"
                .into(),
        );
    }
    let python = crate::engine::python::find_python(args.python.as_deref())?;
    match (&args.file, args.demo) {
        (Some(file), _) => {
            if !file.is_file() {
                return Err(format!("no such program: {}", file.display()));
            }
            Ok(Some(crate::engine::python::PythonProgram {
                python,
                script: file.clone(),
                script_text: None,
                args: args.args.clone(),
                name: args.demo.map_or("script".into(), |d| d.name().to_string()),
            }))
        }
        (None, Some(d)) => {
            let lesson = crate::course::embedded()
                .into_iter()
                .find(|l| l.demo == d)
                .ok_or_else(|| format!("no lesson runs the {} demo", d.name()))?;
            Ok(Some(crate::engine::python::PythonProgram {
                python,
                script: std::path::PathBuf::from("demo.py"),
                script_text: Some(lesson.demo_py.clone()),
                args: args.args.clone(),
                name: d.name().to_string(),
            }))
        }
        (None, None) => Err("say which demo's program to run, or give --file".into()),
    }
}

fn run(args: RunArgs) -> i32 {
    let python = match python_program(&args) {
        Ok(p) => p,
        Err(msg) => {
            eprintln!("error: {msg}\n\nFor more information, try 'proclab run --help'.");
            return 2;
        }
    };
    let params = args.params();
    if let Err(msg) = params.validate() {
        eprintln!("error: {msg}\n\nFor more information, try 'proclab run --help'.");
        return 2;
    }
    let stop_signals = runner::block_stop_signals();

    let mut opts = match RunOptions::new(params.clone()) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("error: cannot find the proclab executable: {e}");
            return 1;
        }
    };
    // A lesson's own program reports its results in its output: read them as its
    // lesson.toml's [python] patterns say, into the outcomes a native run would report.
    let results = match (&python, args.file.is_none(), args.demo) {
        (Some(_), true, Some(d)) => crate::course::embedded()
            .into_iter()
            .find(|l| l.demo == d)
            .map(|l| l.def.python),
        _ => None,
    };
    let mut serial_ms: Option<f64> = None;
    opts.python = python;
    opts.max_procs = args.max_procs as usize;
    if args.samples {
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
                    run.stop();
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
    if args.step {
        let run = run.clone();
        std::thread::spawn(move || step_from_stdin(&run));
    }

    let mut printer = Printer::new(args.json);
    let mut exit = 1;
    for frame in rx {
        let mut derived = Vec::new();
        if let (Some(r), Event::Output { line, .. }) = (&results, &frame.event) {
            for o in r.outcomes(line, serial_ms) {
                if let crate::engine::protocol::Outcome::Timing {
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
                run.stop();
            }
        }
        if let Event::RunEnded(summary) = &frame.event {
            exit = runner::exit_code(summary);
            break;
        }
    }
    drop(run);
    exit
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
    out: io::BufWriter<io::Stdout>,
}

impl Printer {
    fn new(json: bool) -> Self {
        Self {
            json,
            start_us: None,
            labels: HashMap::new(),
            out: io::BufWriter::new(io::stdout()),
        }
    }

    fn print(&mut self, f: &Frame) -> io::Result<()> {
        if let Event::Spawned { label, .. } = &f.event {
            self.labels.insert(f.pid, label.clone());
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
            writeln!(
                self.out,
                "{t:8.3}s {who:<14} {pid:>7}  {}",
                describe(&f.event)
            )?;
        }
        // Keep the stream live for whoever reads it (a test, a pipe into another tool).
        self.out.flush()
    }
}

/// One readable line for an event.
pub fn describe(e: &Event) -> String {
    match e {
        Event::RunStarted {
            demo,
            params,
            runner_pid,
            main_pid,
        } => {
            let p: Vec<String> = params.iter().map(|(k, v)| format!("{k}={v}")).collect();
            format!(
                "run {demo}: main pid {main_pid} (runner {runner_pid}); {}",
                p.join(" ")
            )
        }
        Event::Spawned {
            ppid,
            role,
            label,
            start_method,
        } => {
            format!(
                "started: {label} ({}), ppid {ppid}, by {start_method}",
                role_name(*role)
            )
        }
        Event::Exited { status } => format!("exited: {status}"),
        Event::Output {
            stream: Stream::Stdout,
            line,
        } => format!("| {line}"),
        Event::Output {
            stream: Stream::Stderr,
            line,
        } => format!("! {line}"),
        Event::Phase { name } => format!("== {name}"),
        Event::StepPoint { op, detail } => format!("waits to {op:?}: {detail}"),
        Event::QueuePut { item, size, .. } => format!("put {item} (size {size})"),
        Event::QueueGet {
            item,
            producer,
            size,
            ..
        } => {
            if *producer == 0 {
                format!("got {item} (size {size})")
            } else {
                format!("got {item} from pid {producer} (size {size})")
            }
        }
        Event::QueueBlocked { op, .. } => format!("blocked on queue {op:?}"),
        Event::LockWait { .. } => "waits for the lock".into(),
        Event::LockAcquired { waited_us, .. } => format!("holds the lock (waited {waited_us} µs)"),
        Event::LockReleased { .. } => "released the lock".into(),
        Event::SharedRead { name, index, value } => format!("read {name}[{index}] = {value}"),
        Event::SharedWrite { name, index, value } => format!("wrote {name}[{index}] = {value}"),
        Event::TaskSubmitted { task, arg } => format!("submitted task {task} (x={arg})"),
        Event::TaskStarted { task, arg } => format!("runs task {task} (x={arg})"),
        Event::TaskDone { task, result } => format!("finished task {task} = {result}"),
        Event::ResultDelivered {
            task,
            result,
            position,
        } => {
            format!("result #{position}: task {task} = {result}")
        }
        Event::PipeSend { conn, item } => format!("{conn}.send({item})"),
        Event::PipeRecv {
            conn,
            item: Some(item),
        } => format!("{conn}.recv() -> {item}"),
        Event::PipeRecv { conn, item: None } => {
            format!("{conn}.recv() -> EOFError (every write end closed)")
        }
        Event::Served { client, request } => format!("served {request} for pid {client}"),
        Event::Outcome(o) => format!("result: {}", describe_outcome(o)),
        Event::Sample(s) => {
            let cores: Vec<String> = s.cores.iter().map(|c| format!("{c:.0}%")).collect();
            let procs: Vec<String> = s
                .procs
                .iter()
                .map(|p| {
                    format!(
                        "{} {} {:.0}% core {} {} KB",
                        p.pid, p.state, p.cpu, p.core, p.rss_kb
                    )
                })
                .collect();
            format!("sample: cores [{}]  {}", cores.join(" "), procs.join(", "))
        }
        Event::Error { source, message } => format!("ERROR ({source}): {message}"),
        Event::User(a) => match a {
            crate::engine::protocol::UserAction::Pause => {
                "user: pause (SIGSTOP to the group)".into()
            }
            crate::engine::protocol::UserAction::Resume => "user: resume (SIGCONT)".into(),
            crate::engine::protocol::UserAction::Tempo { ms } => {
                format!("user: tempo {ms} ms per operation")
            }
            crate::engine::protocol::UserAction::Stepping { on: true } => {
                "user: step mode on".into()
            }
            crate::engine::protocol::UserAction::Stepping { on: false } => {
                "user: step mode off".into()
            }
            crate::engine::protocol::UserAction::Step => "user: one step".into(),
            crate::engine::protocol::UserAction::Stop => "user: stop".into(),
        },
        Event::RunEnded(s) => format!(
            "summary: {} demo, main {}, {} processes, {:.2} s{}{}",
            s.demo,
            s.main_status
                .map_or("never started".into(), |st| st.to_string()),
            s.processes,
            s.wall_ms / 1e3,
            if s.stopped { ", stopped" } else { "" },
            if s.errors > 0 {
                format!(", {} errors", s.errors)
            } else {
                String::new()
            }
        ),
    }
}

fn role_name(r: crate::engine::protocol::Role) -> &'static str {
    use crate::engine::protocol::Role::*;
    match r {
        Main => "main",
        Worker => "worker",
        Producer => "producer",
        Consumer => "consumer",
        PoolWorker => "pool worker",
        Variant => "variant",
        Server => "server",
        Unknown => "unknown",
    }
}

fn describe_outcome(o: &Outcome) -> String {
    match o {
        Outcome::Counter {
            expected,
            actual,
            locked,
        } => format!(
            "counter {actual} of {expected} expected, {} lost (lock {})",
            expected - actual,
            if *locked { "on" } else { "off" }
        ),
        Outcome::Timing {
            variant,
            workers,
            wall_ms,
            cpu_ms,
            speedup,
        } => {
            // A Python program's own timing line: no worker count or CPU time known.
            let how = if *workers > 0 {
                format!(" x{workers}: wall {wall_ms:.1} ms, cpu {cpu_ms:.1} ms")
            } else {
                format!(": wall {wall_ms:.1} ms")
            };
            format!("{variant}{how}, speedup {speedup:.2}x")
        }
        Outcome::Pool {
            mode,
            tasks,
            delivered,
            distinct_pids,
            complete,
            ..
        } => {
            let order: Vec<String> = delivered.iter().map(|(t, _)| t.to_string()).collect();
            format!(
                "{mode}: {tasks} results from {distinct_pids} PIDs, task order [{}{}]",
                order.join(" "),
                if *complete { "" } else { " ..." }
            )
        }
        Outcome::Queue { put, got, total } => format!(
            "{put} put, {got} got{}",
            total.map_or(String::new(), |t| format!(", total {t}"))
        ),
        Outcome::Shared { value, array } => {
            let a: Vec<String> = array.iter().map(|v| v.to_string()).collect();
            format!("value {value}, array [{}]", a.join(", "))
        }
        Outcome::Processes { children } => {
            let c: Vec<String> = children.iter().map(|(p, s)| format!("{p}: {s}")).collect();
            c.join("; ")
        }
        Outcome::Pipe {
            duplex,
            sent,
            received,
            replies,
            eof,
        } => format!(
            "{} pipe: {sent} sent, {received} received{}{}",
            if *duplex { "duplex" } else { "one-way" },
            if *duplex {
                format!(", {replies} replies")
            } else {
                String::new()
            },
            if *eof { ", then EOF" } else { "" }
        ),
        Outcome::Manager {
            round_trips,
            proxy_us,
            value_us,
        } => format!(
            "{round_trips} proxy round trips, {proxy_us:.1} µs each; v.value += 1 on a Value takes {value_us:.2} µs"
        ),
        Outcome::StartMethods { rows } => {
            let r: Vec<String> = rows
                .iter()
                .map(|r| {
                    format!(
                        "{} pid {} ppid {} ({}) in {:.1} ms, CONFIG={}",
                        r.method,
                        r.pid,
                        r.ppid,
                        r.parent,
                        r.latency_us as f64 / 1000.0,
                        r.config
                    )
                })
                .collect();
            r.join("; ")
        }
        Outcome::Orphan {
            pid,
            ppid_before,
            ppid_after,
        } => {
            format!("orphan {pid}: PPID {ppid_before} before its parent died, {ppid_after} after")
        }
    }
}
