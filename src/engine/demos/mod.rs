//! The native demos: real process trees `proclab → demo main → workers`, each built from
//! the IPC objects in [`crate::engine::ipc`] and reporting every step as an [`crate::engine::protocol::Event`].
//!
//! A demo's main process is `proclab` re-executed by the runner (like the `spawn` start
//! method); it forks its workers (like `fork`). Each demo lives in its own file.

mod chunksize;
pub mod ctx;
mod deadlock;
mod executor;
mod gil;
mod lifecycle;
mod lock;
mod manager;
mod params;
mod pipe;
mod pool;
mod process;
mod queue;
mod shared;
mod shm;
mod start;
mod sync;
mod wire;

use serde::{Deserialize, Serialize};

pub use ctx::Ctx;
pub use params::{MAX_WORKERS, Params};

use crate::engine::protocol::Role;

/// The demos `proclab run` knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum DemoKind {
    /// Process: children print PID/PPID, work, exit with distinct codes; zombies; kill.
    Process,
    /// Queue: producers and consumers through one queue; the seed's "sum" example.
    Queue,
    /// Pool: workers reused across tasks; map, imap, unordered, maxtasksperchild, pinned.
    Pool,
    /// Shared memory: a Value('i') and an Array('d') written by several processes.
    Shared,
    /// Lock: a shared counter incremented with and without a lock.
    Lock,
    /// GIL: serial vs threads (GIL model) vs threads (no GIL) vs processes.
    Gil,
    /// Pipe: main and one child send objects through a Pipe (duplex or one-way).
    Pipe,
    /// Manager: a server process holds a dict; workers race on d['count'] += c.
    Manager,
    /// Start methods: children started by fork, spawn and forkserver side by side.
    Start,
    /// Lifecycle: zombies, orphans, Ctrl-C and terminate().
    Lifecycle,
    /// SharedMemory: a named POSIX segment in /dev/shm, attached by name; unlinked or leaked.
    Shm,
    /// ProcessPoolExecutor: futures in completion order, a task's error, a killed worker.
    Executor,
    /// Deadlock: two locks taken in opposite order; join before get with a big item.
    Deadlock,
    /// Synchronisation: Event as a start gate, Semaphore(2), Barrier, Condition.
    Sync,
    /// Chunksize: many tiny pool tasks with chunksize=1 against map's default.
    Chunksize,
}

/// Every option a demo may take, and which demos take it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Opt {
    Workers,
    Iterations,
    Tasks,
    Lock,
    Mode,
    Producers,
    Consumers,
    Maxsize,
    Cost,
    Maxtasks,
    ZombieMs,
    Kill,
    Panic,
    WorkUs,
}

impl Opt {
    /// The command-line spelling.
    pub fn flag(self) -> &'static str {
        match self {
            Opt::Workers => "--workers",
            Opt::Iterations => "--iterations",
            Opt::Tasks => "--tasks",
            Opt::Lock => "--lock/--no-lock",
            Opt::Mode => "--mode",
            Opt::Producers => "--producers",
            Opt::Consumers => "--consumers",
            Opt::Maxsize => "--maxsize",
            Opt::Cost => "--cost",
            Opt::Maxtasks => "--maxtasks",
            Opt::ZombieMs => "--zombie-ms",
            Opt::Kill => "--kill",
            Opt::Panic => "--panic",
            Opt::WorkUs => "--work-us",
        }
    }
}

impl DemoKind {
    /// Every demo, in lesson order.
    pub const ALL: [DemoKind; 15] = [
        DemoKind::Process,
        DemoKind::Queue,
        DemoKind::Pool,
        DemoKind::Shared,
        DemoKind::Lock,
        DemoKind::Gil,
        DemoKind::Pipe,
        DemoKind::Manager,
        DemoKind::Start,
        DemoKind::Lifecycle,
        DemoKind::Shm,
        DemoKind::Executor,
        DemoKind::Sync,
        DemoKind::Deadlock,
        DemoKind::Chunksize,
    ];

    /// The name used on the command line.
    pub fn name(self) -> &'static str {
        match self {
            DemoKind::Process => "process",
            DemoKind::Queue => "queue",
            DemoKind::Pool => "pool",
            DemoKind::Shared => "shared",
            DemoKind::Lock => "lock",
            DemoKind::Gil => "gil",
            DemoKind::Pipe => "pipe",
            DemoKind::Manager => "manager",
            DemoKind::Start => "start",
            DemoKind::Lifecycle => "lifecycle",
            DemoKind::Shm => "shm",
            DemoKind::Executor => "executor",
            DemoKind::Deadlock => "deadlock",
            DemoKind::Sync => "sync",
            DemoKind::Chunksize => "chunksize",
        }
    }

    /// One line on what the demo shows.
    pub fn summary(self) -> &'static str {
        match self {
            DemoKind::Process => {
                "children print their PID and PPID, work, exit with distinct codes; the parent joins them"
            }
            DemoKind::Queue => {
                "producers and consumers share one Queue; every put and get reported"
            }
            DemoKind::Pool => "a Pool of worker processes runs x*x tasks; which PID ran which task",
            DemoKind::Shared => {
                "a Value('i') and an Array('d') in shared memory, written by several processes"
            }
            DemoKind::Lock => {
                "workers increment one shared counter; without the Lock updates are lost"
            }
            DemoKind::Gil => {
                "the same CPU-bound job serial, in threads under a GIL model, in threads without one, in processes"
            }
            DemoKind::Pipe => "main and one child send objects through a Pipe, duplex or one-way",
            DemoKind::Manager => {
                "a Manager's server process holds a dict; workers race on d['count'] += c"
            }
            DemoKind::Start => {
                "children started by fork, spawn and forkserver: their parents, start times, globals"
            }
            DemoKind::Lifecycle => {
                "a zombie until joined, an orphan re-parented, Ctrl-C and terminate() without leftovers"
            }
            DemoKind::Shm => {
                "a named segment in /dev/shm: created by main, attached by name by two children, then unlinked (or leaked)"
            }
            DemoKind::Executor => {
                "worker processes take futures from a pipe; results in completion order, a task's error, a killed worker"
            }
            DemoKind::Deadlock => {
                "two locks taken in opposite order: a wait-for cycle; join() before get() of a big item"
            }
            DemoKind::Sync => {
                "an Event as a start gate, Semaphore(2) throttling, a Barrier, a Condition"
            }
            DemoKind::Chunksize => {
                "pool.map of 20000 tiny tasks, chunksize=1 against the default: messages, tasks per worker, time"
            }
        }
    }

    /// [`DemoKind::summary`] in Chinese, for the lesson pane under `--lang zh`.
    pub fn summary_zh(self) -> &'static str {
        match self {
            DemoKind::Process => {
                "子进程打印自己的 PID 和 PPID，工作后以各不相同的退出码退出；父进程 join 它们"
            }
            DemoKind::Queue => "生产者和消费者共用一个 Queue；每次 put 和 get 都会报告",
            DemoKind::Pool => "一个由工作进程组成的 Pool 执行 x*x 任务；哪个 PID 执行了哪个任务",
            DemoKind::Shared => "共享内存中的一个 Value('i') 和一个 Array('d')，由多个进程写入",
            DemoKind::Lock => "工作进程给同一个共享计数器加一；不用 Lock 就会丢失更新",
            DemoKind::Gil => {
                "同一个 CPU 密集型任务：串行、在 GIL 模型下用线程、不带 GIL 用线程、用进程"
            }
            DemoKind::Pipe => "主进程和一个子进程通过 Pipe 传送对象，双向或单向",
            DemoKind::Manager => {
                "Manager 的服务进程持有一个 dict；工作进程竞相执行 d['count'] += c"
            }
            DemoKind::Start => {
                "分别用 fork、spawn 和 forkserver 启动的子进程：它们的父进程、启动耗时、全局变量"
            }
            DemoKind::Lifecycle => {
                "join 之前的僵尸进程、被重新收养的孤儿进程、Ctrl-C 与 terminate() 不留残余"
            }
            DemoKind::Shm => {
                "/dev/shm 中一个有名字的 POSIX 共享内存段，其他进程按名字附加；unlink 或泄漏"
            }
            DemoKind::Executor => {
                "工作进程从管道取 future；结果按完成顺序返回，任务的异常，被杀死的工作进程"
            }
            DemoKind::Deadlock => "两把锁按相反顺序获取：等待环；对一个大数据项先 join() 后 get()",
            DemoKind::Sync => "Event 作起跑门，Semaphore(2) 限流，Barrier，Condition",
            DemoKind::Chunksize => {
                "pool.map 处理 20000 个小任务，chunksize=1 对比默认值：消息数、每个工作进程的任务数、耗时"
            }
        }
    }

    /// The `--mode` values the demo accepts; the first is the default.
    pub fn modes(self) -> &'static [&'static str] {
        match self {
            DemoKind::Process | DemoKind::Shared | DemoKind::Manager => &[],
            DemoKind::Pipe => &["duplex", "oneway"],
            DemoKind::Start => &["all", "fork", "spawn", "forkserver"],
            DemoKind::Lifecycle => &["zombie", "orphan", "interrupt", "terminate"],
            DemoKind::Queue => &["items", "sum"],
            DemoKind::Pool => &["map", "imap", "unordered", "maxtasksperchild", "pinned"],
            DemoKind::Lock => &["counter", "print"],
            DemoKind::Gil => &["cpu", "io"],
            DemoKind::Shm => &["unlink", "leak"],
            DemoKind::Executor => &["raise", "kill"],
            DemoKind::Deadlock => &["locks", "join"],
            DemoKind::Sync => &["semaphore", "barrier", "condition"],
            DemoKind::Chunksize => &[],
        }
    }

    /// The options that mean something for this demo.
    pub fn options(self) -> &'static [Opt] {
        use Opt::*;
        match self {
            DemoKind::Process => &[Workers, Iterations, ZombieMs, Kill, Panic],
            DemoKind::Queue => &[
                Workers, Iterations, Mode, Producers, Consumers, Maxsize, WorkUs,
            ],
            DemoKind::Pool => &[Workers, Tasks, Mode, Cost, Maxtasks],
            DemoKind::Shared => &[Workers, Iterations, WorkUs],
            DemoKind::Lock => &[Workers, Iterations, Lock, Mode, WorkUs],
            DemoKind::Gil => &[Workers, Iterations, Mode],
            DemoKind::Pipe => &[Iterations, Mode],
            DemoKind::Manager => &[Workers, Iterations, Lock, WorkUs],
            DemoKind::Start => &[Workers, Mode],
            DemoKind::Lifecycle => &[Workers, Mode, ZombieMs],
            DemoKind::Shm => &[Iterations, Mode],
            DemoKind::Executor => &[Workers, Tasks, Mode, Cost],
            DemoKind::Deadlock => &[Mode],
            DemoKind::Sync => &[Workers, Mode],
            DemoKind::Chunksize => &[Workers, Tasks],
        }
    }

    fn default_workers(self) -> u32 {
        match self {
            DemoKind::Process | DemoKind::Queue | DemoKind::Lifecycle => 2,
            DemoKind::Shm | DemoKind::Executor => 2,
            DemoKind::Pool | DemoKind::Shared => 3,
            DemoKind::Lock | DemoKind::Gil | DemoKind::Sync | DemoKind::Chunksize => 4,
            DemoKind::Pipe | DemoKind::Start => 1,
            DemoKind::Deadlock => 2,
            DemoKind::Manager => 5,
        }
    }

    fn default_iterations(self) -> u64 {
        match self {
            DemoKind::Process => 600_000_000,
            DemoKind::Queue => 5,
            DemoKind::Pool => 1,
            DemoKind::Shared => 10,
            DemoKind::Lock => 20_000,
            DemoKind::Gil => 400_000_000,
            DemoKind::Pipe => 5,
            DemoKind::Manager => 100,
            DemoKind::Shm => 5,
            DemoKind::Executor => 1,
            DemoKind::Start
            | DemoKind::Lifecycle
            | DemoKind::Deadlock
            | DemoKind::Sync
            | DemoKind::Chunksize => 1,
        }
    }

    /// The role of this demo's ordinary child processes.
    pub fn worker_role(self) -> Role {
        match self {
            DemoKind::Pool | DemoKind::Executor | DemoKind::Chunksize => Role::PoolWorker,
            DemoKind::Gil => Role::Variant,
            _ => Role::Worker,
        }
    }
}

/// Entry point of a demo's main process (`proclab __demo`). Returns its exit code.
pub fn main_process() -> i32 {
    // For a spawned child: the moment its own code begins, after exec.
    let started_us = crate::engine::protocol::now_us();
    let ctx = match Ctx::from_runner() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("proclab: cannot start demo: {e}");
            return 2;
        }
    };
    // A demo process that panics says why in one line on its stderr (captured and shown
    // against its PID), like a Python traceback's last line, without a Rust backtrace.
    std::panic::set_hook(Box::new(|info| {
        let msg = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or("panic");
        let at = info
            .location()
            .map_or(String::new(), |l| format!(" ({}:{})", l.file(), l.line()));
        eprintln!("panic in pid {}: {msg}{at}", std::process::id());
    }));
    // A process this demo started as a fresh image (see `Ctx::spawn_exec`).
    if let Ok(what) = std::env::var(ctx::EXEC_ENV) {
        let code = match what.split(':').collect::<Vec<_>>()[..] {
            ["forkserver"] => {
                ctx.begin_exec_child(Role::Server, "forkserver", "spawn");
                start::forkserver(&ctx)
            }
            ["spawn-child", i, t0] => {
                let (Ok(i), Ok(t0)) = (i.parse(), t0.parse()) else {
                    eprintln!("proclab: bad {}={what}", ctx::EXEC_ENV);
                    return 2;
                };
                ctx.begin_exec_child(Role::Worker, &format!("spawn child {i}"), "spawn");
                start::child(&ctx, "spawn", i, t0, started_us)
            }
            _ => {
                eprintln!("proclab: bad {}={what}", ctx::EXEC_ENV);
                2
            }
        };
        ctx.ctl.release_gate();
        return code;
    }
    ctx.announce(Role::Main, "main", "exec");
    let result = match ctx.params.demo {
        DemoKind::Process => process::run(&ctx),
        DemoKind::Queue => queue::run(&ctx),
        DemoKind::Pool => pool::run(&ctx),
        DemoKind::Shared => shared::run(&ctx),
        DemoKind::Lock => lock::run(&ctx),
        DemoKind::Gil => gil::run(&ctx),
        DemoKind::Pipe => pipe::run(&ctx),
        DemoKind::Manager => manager::run(&ctx),
        DemoKind::Start => start::run(&ctx),
        DemoKind::Lifecycle => lifecycle::run(&ctx),
        DemoKind::Shm => shm::run(&ctx),
        DemoKind::Executor => executor::run(&ctx),
        DemoKind::Deadlock => deadlock::run(&ctx),
        DemoKind::Sync => sync::run(&ctx),
        DemoKind::Chunksize => chunksize::run(&ctx),
    };
    ctx.ctl.release_gate();
    match result {
        Ok(()) => 0,
        Err(e) => {
            ctx.emit(crate::engine::protocol::Event::Error {
                source: ctx.params.demo.name().into(),
                message: e.to_string(),
            });
            eprintln!("demo failed: {e}");
            1
        }
    }
}

/// A busy loop the optimiser cannot remove: `iterations` steps of `r += i + i*i`, the
/// seed tutorials' CPU-bound job. Never inlined: every variant of the GIL comparison must
/// run the very same machine code, or the comparison measures the compiler.
#[inline(never)]
pub fn cpu_job(iterations: u64) -> u64 {
    let mut r: u64 = 0;
    for i in 0..iterations {
        let i = std::hint::black_box(i);
        r = r.wrapping_add(i.wrapping_add(i.wrapping_mul(i)));
    }
    r
}

/// Compute for `us` microseconds of this thread's own CPU time: real work, so a paced run
/// shows its processes busy on the cores (a sleep would show them idle). CPU time, not
/// the wall clock, so a process that waits for a core still does all its work.
pub fn cpu_work_us(us: u64) -> u64 {
    if us == 0 {
        return 0;
    }
    let cpu_ns = || {
        let mut ts = libc::timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        // SAFETY: a valid clock id and a valid out-pointer.
        unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
        ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64
    };
    let end = cpu_ns() + us * 1000;
    let mut r = 0u64;
    // Reading the clock is a system call: check it every few thousand loop steps.
    while cpu_ns() < end {
        r = r.wrapping_add(cpu_job(2000));
    }
    r
}

/// Sleep for the demo's tempo between non-gated steps of a visible loop (e.g. between
/// prints), so slow mode is slow everywhere.
pub(crate) fn pause_ms(ms: u64) {
    if ms > 0 {
        std::thread::sleep(std::time::Duration::from_millis(ms));
    }
}
