//! The command line: `proclab run <demo>`, `proclab list`, `proclab bench`, and the
//! hidden `proclab __demo` that the runner re-executes as a demo's main process. Parsing
//! and dispatch only: `run` goes to [`crate::app::headless`], the app to
//! [`crate::ui::terminal`].
//!
//! Every flag and its checks in this file, as a user's `--help` reads them;
//! `cli/commands.rs` does what each subcommand asks, `cli/values.rs` parses values.

mod commands;
mod values;
use commands::{list, print_all, record_path_ok, replay, run, watch};
use values::{seconds, size, speed, whole_u32, whole_u64};

use clap::{Args, Parser, Subcommand};

use crate::app::headless::Headless;
use crate::engine::demos::{self, DemoKind, Params};

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
    /// Put each step's prediction to the class instead of waiting for an answer: the
    /// question and its choices show, r runs at once, nothing is graded or recorded.
    #[arg(long)]
    no_predict: bool,
    /// Open --lesson at its step N (1 is the first): an instructor can start further on.
    #[arg(long, value_name = "N", requires = "lesson", value_parser = clap::value_parser!(u32).range(1..))]
    at_step: Option<u32>,
    /// Record every run of the app to this file (the second run to FILE-2, ...); `w` in
    /// the app saves the current run anywhere.
    #[arg(long, value_name = "FILE")]
    record: Option<std::path::PathBuf>,
    /// The app's colours: dark (a dark terminal, the default), light (a light one),
    /// high-contrast (a projector: nothing dimmed, bold, the brightest colours). NO_COLOR
    /// still wins.
    #[arg(long, value_enum, global = true)]
    theme: Option<crate::ui::ThemeKind>,
    /// Presenter mode, for a projector: the step's pane large, the lesson's key figure
    /// in big digits, the high-contrast theme unless --theme is given. F in the app
    /// switches it.
    #[arg(long, global = true)]
    present: bool,
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
    /// Open a recorded run (--record, or w in the app) in the app, starting no process; or
    /// print its events as JSON lines.
    Replay(ReplayArgs),
    /// Write a recorded run as a picture (SVG of the screen at a moment) or as an
    /// asciicast (the app replaying it), for handouts.
    Export(ExportArgs),
    /// Print a shell completion script: `proclab completions bash > /etc/bash_completion.d/proclab`,
    /// or `source <(proclab completions bash)` for this shell.
    Completions {
        /// bash, zsh, fish, elvish or powershell.
        shell: clap_complete::Shell,
    },
    /// Print proclab's man page (roff): `proclab man > proclab.1; man ./proclab.1`.
    Man,
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
    /// Stop the program if more than this many of its processes are alive at once.
    #[arg(long, default_value_t = crate::engine::runner::MAX_PROCS, value_parser = clap::value_parser!(u32).range(1..))]
    max_procs: u32,
    /// Record every run to this file (the second run to FILE-2, ...).
    #[arg(long, value_name = "FILE")]
    record: Option<std::path::PathBuf>,
    /// The program.
    script: std::path::PathBuf,
    /// Its arguments.
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    args: Vec<String>,
}

#[derive(Debug, Args)]
struct ReplayArgs {
    /// The recording.
    file: std::path::PathBuf,
    /// Print the recorded events as JSON lines, exactly as `proclab run --json` printed
    /// them, instead of opening the app.
    #[arg(long)]
    json: bool,
    /// Language of the lesson texts (default: from LC_ALL / LC_MESSAGES / LANG).
    #[arg(long, value_enum)]
    lang: Option<crate::course::Lang>,
}

#[derive(Debug, Args)]
#[command(group = clap::ArgGroup::new("output").required(true).multiple(true).args(["svg", "cast"]))]
struct ExportArgs {
    /// The recording.
    file: std::path::PathBuf,
    /// Write the screen at --at as an SVG (text as text, colours kept).
    #[arg(long, value_name = "OUT", requires = "at")]
    svg: Option<std::path::PathBuf>,
    /// The moment for --svg, in seconds from the run's start (e.g. 0.05).
    #[arg(long, value_name = "SECONDS", value_parser = seconds, allow_hyphen_values = true, requires = "svg")]
    at: Option<f64>,
    /// Write an asciicast v2 of the app replaying the run (asciinema plays it).
    #[arg(long, value_name = "OUT")]
    cast: Option<std::path::PathBuf>,
    /// The screen's size, columns x rows.
    #[arg(long, value_name = "WxH", default_value = "120x40", value_parser = size)]
    size: (u16, u16),
    /// Playback speed of the cast: 0.1 makes a 0.2 s run last 2 s.
    #[arg(long, default_value_t = 1.0, value_parser = speed)]
    speed: f64,
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
    #[arg(value_enum, required_unless_present_any = ["file", "schedule"])]
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
    /// Python runner: stop the program if more than this many of its processes are alive
    /// at once.
    #[arg(long, default_value_t = crate::engine::runner::MAX_PROCS, value_parser = clap::value_parser!(u32).range(1..))]
    max_procs: u32,
    /// Python runner: arguments for the program, after `--`.
    #[arg(last = true)]
    args: Vec<String>,
    /// Worker processes (process, queue --mode sum, pool, shared, lock, gil, manager,
    /// lifecycle); children per start method (start).
    #[arg(long, short = 'w', value_parser = whole_u32, allow_hyphen_values = true)]
    workers: Option<u32>,
    /// Iterations: loop steps per job (process, gil), items per producer (queue),
    /// increments per worker (lock, shared, manager), messages (pipe).
    #[arg(long, short = 'n', value_parser = whole_u64, allow_hyphen_values = true)]
    iterations: Option<u64>,
    /// Pool tasks.
    #[arg(long, value_parser = whole_u32, allow_hyphen_values = true)]
    tasks: Option<u32>,
    /// Lock and manager demos: guard each read-then-write with a Lock.
    #[arg(long, conflicts_with = "no_lock")]
    lock: bool,
    /// Lock and manager demos: no Lock around the read-then-write (the default): updates
    /// get lost.
    #[arg(long)]
    no_lock: bool,
    /// Demo mode: queue items|sum; pool map|imap|unordered|maxtasksperchild|pinned;
    /// lock counter|print; gil cpu|io; pipe duplex|oneway; start all|fork|spawn|forkserver;
    /// lifecycle zombie|orphan|interrupt|terminate; shm unlink|leak; executor raise|kill.
    #[arg(long, short = 'm')]
    mode: Option<String>,
    /// Delay per operation in ms, so a class can watch (0 = full speed).
    #[arg(long, default_value_t = 0, value_name = "MS", value_parser = whole_u32, allow_hyphen_values = true)]
    tempo: u32,
    /// Step mode: every process waits before each operation; type a PID and Enter to let
    /// it do one, `all` to step every waiting process, `go` to leave step mode.
    #[arg(long)]
    step: bool,
    /// Print events as JSON lines (one object per line; the summary is the last line).
    #[arg(long)]
    json: bool,
    /// Also record the run to this file (`proclab replay FILE` shows it again).
    #[arg(long, value_name = "FILE")]
    record: Option<std::path::PathBuf>,
    /// Re-run a recorded step-mode run's schedule on new processes: the same process does
    /// the same operation in the same order (the demo's options come from the recording).
    #[arg(long, value_name = "FILE", conflicts_with_all = ["file", "runner", "step"])]
    schedule: Option<std::path::PathBuf>,
    /// Include observer samples (per-core CPU, each process's state, CPU, RSS, core)
    /// every 250 ms.
    #[arg(long)]
    samples: bool,
    /// Queue: producer processes.
    #[arg(long, value_parser = whole_u32, allow_hyphen_values = true)]
    producers: Option<u32>,
    /// Queue: consumer processes.
    #[arg(long, value_parser = whole_u32, allow_hyphen_values = true)]
    consumers: Option<u32>,
    /// Queue: maxsize (0 = unbounded); put() blocks while the queue is full.
    #[arg(long, value_parser = whole_u32, allow_hyphen_values = true)]
    maxsize: Option<u32>,
    /// Pool: loop steps per unit of task cost.
    #[arg(long, value_parser = whole_u64, allow_hyphen_values = true)]
    cost: Option<u64>,
    /// Pool (maxtasksperchild mode): tasks per worker before it is replaced.
    #[arg(long, value_parser = whole_u32, allow_hyphen_values = true)]
    maxtasks: Option<u32>,
    /// Process, lifecycle: leave finished children unjoined this long, so they show as
    /// zombies (lifecycle default 2000).
    #[arg(long, value_name = "MS", value_parser = whole_u64, allow_hyphen_values = true)]
    zombie_ms: Option<u64>,
    /// Process: SIGKILL worker number K while it works.
    #[arg(long, value_name = "K", value_parser = whole_u32, allow_hyphen_values = true)]
    kill: Option<u32>,
    /// Process: make worker number K panic.
    #[arg(long, value_name = "K", value_parser = whole_u32, allow_hyphen_values = true)]
    panic: Option<u32>,
    /// Lock, manager, queue, shared: CPU work per operation, in microseconds of the
    /// process's own CPU time (a real loop): slows a run down to watch with its cores busy.
    #[arg(long, value_name = "US", value_parser = whole_u64, allow_hyphen_values = true)]
    work_us: Option<u64>,
}

#[derive(Debug, Args)]
struct BenchArgs {
    /// Frames to encode and decode.
    #[arg(long, default_value_t = 1_000_000, value_parser = whole_u32, allow_hyphen_values = true)]
    frames: u32,
    /// Observer samples to take.
    #[arg(long, default_value_t = 200, value_parser = whole_u32, allow_hyphen_values = true)]
    samples: u32,
    /// Instead, measure a flood: `run queue` with 8 producers and 8 consumers putting N
    /// items each (125000: a million items, two million events), recorded to a file:
    /// wall time, events per second, peak memory, bytes per event.
    #[arg(long, value_name = "N", num_args = 0..=1, default_missing_value = "125000")]
    flood: Option<u64>,
    /// Instead, measure what the Python runner's probe costs a program: 20 000 Queue
    /// put/get pairs between two processes, plain and under proclab, ROUNDS times each
    /// (needs python3).
    #[arg(long, value_name = "ROUNDS", num_args = 0..=1, default_missing_value = "7", conflicts_with = "flood")]
    probe: Option<u32>,
}

impl RunArgs {
    /// True when a native demo option was given.
    fn any_demo_option(&self) -> bool {
        self.any_native_option() || self.tempo > 0 || self.step
    }

    /// Options only the native demos take (tempo and step mode hold a Python program's
    /// operations too).
    fn any_native_option(&self) -> bool {
        !self.native_options().is_empty()
    }

    /// The native-only options given, by their flags, to name them in a refusal.
    fn native_options(&self) -> Vec<&'static str> {
        [
            ("--workers", self.workers.is_some()),
            ("--iterations", self.iterations.is_some()),
            ("--tasks", self.tasks.is_some()),
            ("--lock", self.lock),
            ("--no-lock", self.no_lock),
            ("--mode", self.mode.is_some()),
            ("--producers", self.producers.is_some()),
            ("--consumers", self.consumers.is_some()),
            ("--maxsize", self.maxsize.is_some()),
            ("--cost", self.cost.is_some()),
            ("--maxtasks", self.maxtasks.is_some()),
            ("--zombie-ms", self.zombie_ms.is_some()),
            ("--kill", self.kill.is_some()),
            ("--panic", self.panic.is_some()),
            ("--work-us", self.work_us.is_some()),
        ]
        .into_iter()
        .filter_map(|(flag, given)| given.then_some(flag))
        .collect()
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
        p.work_us = self.work_us;
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
        Some(Command::Watch(w)) => watch(w, cli.lang, cli.theme, cli.present),
        Some(Command::List) => {
            list();
            0
        }
        Some(Command::Run(args)) => run(args),
        Some(Command::Completions { shell }) => {
            use clap::CommandFactory;
            let mut out = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "proclab", &mut out);
            print_all(&out, "the completion script")
        }
        Some(Command::Man) => {
            use clap::CommandFactory;
            let mut out = Vec::new();
            match clap_mangen::Man::new(Cli::command()).render(&mut out) {
                Ok(()) => print_all(&out, "the man page"),
                Err(e) => {
                    eprintln!("proclab: cannot render the man page: {e}");
                    1
                }
            }
        }
        Some(Command::Lessons(LessonsCommand::Check { dir })) => {
            crate::course::check::check_command(&dir)
        }
        Some(Command::Bench(b)) => match (b.flood, b.probe) {
            (Some(n), _) => crate::bench::flood(n),
            (None, Some(rounds)) => crate::bench::probe_cost(rounds.max(1)),
            (None, None) => crate::bench::run(b.frames, b.samples),
        },
        Some(Command::Replay(r)) => replay(r, cli.theme, cli.present),
        Some(Command::Export(x)) => crate::ui::export::export(&crate::ui::export::Export {
            file: x.file,
            svg: x.svg.zip(x.at),
            cast: x.cast,
            width: x.size.0,
            height: x.size.1,
            speed: x.speed,
        }),
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
            if !record_path_ok(cli.record.as_deref()) {
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
            let at_step = match (cli.at_step, lesson) {
                (Some(n), Some(i)) => {
                    let steps = lessons[i].def.steps.len();
                    if n as usize > steps {
                        eprintln!(
                            "proclab: lesson '{}' has steps 1-{steps}; there is no step {n}",
                            lessons[i].def.id
                        );
                        return 2;
                    }
                    Some(n as usize - 1)
                }
                _ => None,
            };
            crate::ui::terminal::main(crate::ui::terminal::Start {
                lessons,
                lesson,
                no_predict: cli.no_predict,
                at_step,
                lang: cli.lang.unwrap_or_else(crate::course::Lang::from_env),
                reset_progress: cli.reset_progress,
                python: crate::engine::python::find_python(None).ok(),
                watch: None,
                max_procs: crate::engine::runner::MAX_PROCS as usize,
                record: cli.record,
                theme: cli.theme,
                present: cli.present,
            })
        }
    }
}
