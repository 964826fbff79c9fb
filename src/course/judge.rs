//! Whether a finished run shows what a lesson step's `check` asks. It reads only the
//! run's state, so the app, the headless runner and tests all judge a run the same way.

use crate::course::format::Check;
use crate::engine::protocol::{ExitStatus, Outcome, Role};
use crate::state::RunState;

/// Share of a core the serial phase must get for a run to show parallelism: below it,
/// something else on the machine was taking the cores.
pub const SERIAL_CORE_MIN: f64 = 0.85;

/// Why a finished run cannot be judged for `check`, in English and Chinese: what it
/// measured shows the machine was too busy for the comparison the check is about. A run
/// that did not measure it is judged as usual.
pub fn unfit(run: &RunState, check: Check) -> Option<(String, String)> {
    if check != Check::ParallelSpeedup {
        return None;
    }
    let t = run.timings();
    let (_, wall, _, cpu) = t.iter().find(|(v, ..)| v == "serial")?;
    if *wall <= 0.0 || *cpu <= 0.0 {
        return None;
    }
    let share = cpu / wall;
    (share < SERIAL_CORE_MIN).then(|| {
        (
            format!(
                "the machine was busy: the serial run got only {share:.2} of a core, so this run cannot show what parallelism does; it is not graded (try again when the machine is idle)"
            ),
            format!(
                "机器正忙：串行运行只分到 {share:.2} 个核，这次运行无法显示并行的效果，不计入评判（等机器空闲时再试）"
            ),
        )
    })
}

/// Whether a finished run shows what a step's check asks.
pub fn shows(run: &RunState, check: Check) -> bool {
    let completed = run
        .summary
        .as_ref()
        .is_some_and(|s| !s.stopped && s.main_status == Some(ExitStatus::Code(0)));
    // Each check reads the native demo's outcome, or failing that what the events show
    // (a Python program's run has no native outcomes).
    let counters = || {
        run.outcomes.iter().filter_map(|o| match o {
            Outcome::Counter {
                expected, actual, ..
            } => Some((*expected, *actual)),
            _ => None,
        })
    };
    let others = || {
        run.procs
            .values()
            .filter(|p| p.pid != run.main_pid && p.role != Role::Server)
    };
    completed && match check {
        Check::RunCompleted => true,
        Check::LostUpdates => counters().any(|(e, a)| a < e),
        Check::ExactCounter => {
            let param = |k: &str| {
                run.params
                    .iter()
                    .find(|(key, _)| key == k)
                    .and_then(|(_, v)| v.parse::<i64>().ok())
            };
            let shared_exact = run.outcomes.iter().any(|o| match o {
                Outcome::Shared { value, .. } => {
                    let want = param("workers")
                        .zip(param("iterations"))
                        .map(|(w, n)| w * n);
                    want.is_some_and(|w| value.to_string() == w.to_string())
                }
                _ => false,
            });
            counters().any(|(e, a)| a == e) || shared_exact
        }
        Check::PidReuse => {
            let started: Vec<i32> = run.tasks.iter().filter_map(|t| t.pid).collect();
            let pids: std::collections::BTreeSet<i32> = started.iter().copied().collect();
            run.outcomes.iter().any(
                |o| matches!(o, Outcome::Pool { tasks, distinct_pids, .. } if distinct_pids < tasks),
            ) || (!pids.is_empty() && pids.len() < started.len())
        }
        Check::ZombieSeen => run.zombie_seen,
        Check::ParallelSpeedup => run
            .timings()
            .iter()
            .any(|(v, _, speedup, _)| v == "processes" && *speedup > 1.2),
        Check::AllMessagesReceived => run.outcomes.iter().any(|o| {
            matches!(o, Outcome::Pipe { duplex, sent, received, replies, eof }
                if received == sent && if *duplex { replies == sent } else { *eof })
        }),
        Check::ForkserverParent => {
            let servers: Vec<i32> = run
                .procs
                .values()
                .filter(|p| p.role == Role::Server)
                .map(|p| p.pid)
                .collect();
            let forkservers: Vec<i32> = run
                .procs
                .values()
                .filter(|p| p.role == Role::Server && p.label == "forkserver")
                .map(|p| p.pid)
                .collect();
            run.outcomes.iter().any(|o| match o {
                Outcome::StartMethods { rows } => rows.iter().any(|r| {
                    r.method == "forkserver" && r.ppid != run.main_pid && servers.contains(&r.ppid)
                }),
                _ => false,
            }) || others().any(|p| forkservers.contains(&p.ppid))
        }
        Check::OrphanReparented => {
            run.outcomes.iter().any(
                |o| matches!(o, Outcome::Orphan { ppid_before, ppid_after, .. } if ppid_before != ppid_after),
            ) || !run.reparented.is_empty()
        }
        Check::SegmentUnlinked => run.segments.values().any(|s| {
            s.created_by.is_some()
                && s.attached.iter().any(|p| Some(*p) != s.created_by)
                && s.unlinked_by.is_some()
                && !s.leaked
        }),
        Check::SegmentLeaked => run.segments.values().any(|s| s.leaked),
        Check::TaskRaised => run.tasks.iter().any(|t| {
            t.raised
                && t.delivered.is_some()
                && t.done.as_ref().is_some_and(|d| !d.contains("BrokenProcessPool"))
        }),
        Check::PoolBroken => {
            let broken = run.tasks.iter().any(|t| {
                t.raised && t.done.as_ref().is_some_and(|d| d.contains("BrokenProcessPool"))
            });
            let killed = others().any(|p| {
                p.exit
                    .is_some_and(|(s, _)| s == ExitStatus::Signal(libc::SIGKILL))
            });
            broken && killed
        }
        Check::DeadlockSeen => run.deadlock_seen.is_some(),
        // The native demo's outcomes, or two timing lines of demo.py.
        Check::ChunksizesCompared => {
            let sizes: std::collections::BTreeSet<u32> = run
                .outcomes
                .iter()
                .filter_map(|o| match o {
                    Outcome::Chunks { chunksize, .. } => Some(*chunksize),
                    _ => None,
                })
                .collect();
            sizes.len() >= 2 || run.timings().len() >= 2
        }
        Check::SemaphoreThrottled => run.sync.values().any(|s| {
            s.kind == crate::engine::protocol::ObjectKind::Semaphore && s.waits > 0 && s.max_held > 0
        }),
        Check::JoinBeforeGet => run.warnings.contains_key("join-before-get"),
        Check::ChildrenTerminated => {
            run.outcomes.iter().any(|o| match o {
                Outcome::Processes { children } => children
                    .iter()
                    .any(|(_, s)| *s == ExitStatus::Signal(libc::SIGTERM)),
                _ => false,
            }) || others().any(|p| {
                p.exit
                    .is_some_and(|(s, _)| s == ExitStatus::Signal(libc::SIGTERM))
            })
        }
    }
}
