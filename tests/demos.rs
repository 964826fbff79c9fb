//! Each demo run through the real binary, checking what makes it real.
//!
//! One file, a section per demo in lesson order: a demo's tests are short and share the
//! run helpers; the newer demos (shm, executor, sync, deadlock, chunksize) have files of
//! their own.

mod common;

use std::collections::{HashMap, HashSet};
use std::process::Command;

use common::{Live, run_json};
use proclab::engine::protocol::{Event, ExitStatus, Outcome, Role, Stream};

#[test]
fn process_children_have_their_own_pids_and_the_main_as_parent() {
    let run = run_json(&["process", "--workers", "3", "--iterations", "1000"]);
    let main = run.main_pid();
    let workers: Vec<_> = run
        .spawned()
        .into_iter()
        .filter(|(_, _, role, _)| *role == Role::Worker)
        .collect();
    assert_eq!(workers.len(), 3);
    for (pid, ppid, _, label) in &workers {
        assert_ne!(*pid, main, "{label} is a separate process");
        assert_eq!(*ppid, main, "{label}'s parent is the demo main");
    }
    // Distinct exit codes, each reported by the parent that reaped the child.
    let Some(Outcome::Processes { children }) = run.outcomes().pop() else {
        panic!("no process outcome")
    };
    let codes: HashSet<_> = children.iter().map(|(_, s)| *s).collect();
    assert_eq!(codes.len(), 3, "{children:?}");
    // Each child's own line is attributed to its PID, and names that PID.
    for (pid, ..) in &workers {
        let said = run.frames.iter().any(|f| {
            f.pid == *pid
                && matches!(&f.event, Event::Output { stream: Stream::Stdout, line }
                    if line.contains(&format!("pid {pid}, ppid {main}")))
        });
        assert!(said, "worker {pid} printed its PID and PPID");
    }
}

#[test]
fn ps_sees_the_same_pids_and_parents_while_the_demo_runs() {
    // Long jobs, so the processes are still there when we look.
    let mut live = Live::start(&["process", "--workers", "2", "--iterations", "100000000000"]);
    let mut workers = HashMap::new();
    let mut main = 0;
    while workers.len() < 2 {
        let f = live.until("two workers", |f| matches!(f.event, Event::Spawned { .. }));
        if let Event::Spawned { ppid, role, .. } = f.event {
            match role {
                Role::Main => main = f.pid,
                _ => {
                    workers.insert(f.pid, ppid);
                }
            }
        }
    }
    let pids: Vec<String> = workers.keys().map(|p| p.to_string()).collect();
    let ps = Command::new("ps")
        .args(["-o", "pid=,ppid=,pgid=", "-p", &pids.join(",")])
        .output()
        .expect("ps runs");
    let text = String::from_utf8_lossy(&ps.stdout);
    let mut seen = 0;
    for line in text.lines() {
        let v: Vec<i32> = line
            .split_whitespace()
            .filter_map(|x| x.parse().ok())
            .collect();
        assert_eq!(workers.get(&v[0]), Some(&v[1]), "ps: {line}");
        assert_eq!(v[1], main, "parent is the demo main");
        assert_eq!(v[2], main, "in the demo's own process group");
        seen += 1;
    }
    assert_eq!(seen, 2, "ps lists both workers:\n{text}");
}

#[test]
fn a_panicking_and_a_killed_worker_are_reported_with_their_exit_status() {
    let run = run_json(&["process", "--workers", "3", "--panic", "0", "--kill", "1"]);
    let labels: HashMap<i32, String> = run
        .spawned()
        .into_iter()
        .map(|(pid, _, _, label)| (pid, label))
        .collect();
    let status_of = |label: &str| {
        run.frames
            .iter()
            .find_map(|f| match f.event {
                Event::Exited { status }
                    if labels.get(&f.pid).map(String::as_str) == Some(label) =>
                {
                    Some(status)
                }
                _ => None,
            })
            .unwrap_or_else(|| panic!("{label} exit reported"))
    };
    assert_eq!(status_of("worker 0"), ExitStatus::Code(101), "panic");
    assert_eq!(status_of("worker 1"), ExitStatus::Signal(9), "SIGKILL");
    // 10 + its number: never 1, the code an uncaught exception gives.
    assert_eq!(
        status_of("worker 2"),
        ExitStatus::Code(12),
        "normal, distinct code"
    );
    let panic_line = run.frames.iter().any(|f| {
        labels.get(&f.pid).map(String::as_str) == Some("worker 0")
            && matches!(&f.event, Event::Output { stream: Stream::Stderr, line } if line.contains("panics on purpose"))
    });
    assert!(
        panic_line,
        "the panic message is shown against the worker's PID"
    );
    assert_eq!(run.code, Some(0), "the demo itself survives its workers");
}

#[test]
fn unjoined_children_show_as_zombies_until_joined() {
    let run = run_json(&[
        "process",
        "--iterations",
        "1000",
        "--zombie-ms",
        "700",
        "--samples",
    ]);
    assert!(
        every_worker_seen_as_zombie(&run) > 0,
        "a sample shows every finished, unjoined child in state Z"
    );
}

/// How many workers a run had, if one sample showed all of them in state Z; else 0.
fn every_worker_seen_as_zombie(run: &common::Finished) -> usize {
    let workers: HashSet<i32> = run
        .spawned()
        .into_iter()
        .filter(|s| s.2 == Role::Worker)
        .map(|s| s.0)
        .collect();
    let all_z = run.frames.iter().any(|f| match &f.event {
        Event::Sample(s) => {
            s.procs
                .iter()
                .filter(|p| workers.contains(&p.pid) && p.state == 'Z')
                .count()
                == workers.len()
        }
        _ => false,
    });
    if all_z { workers.len() } else { 0 }
}

#[test]
fn queue_delivers_every_item_once_and_each_producer_in_order() {
    let run = run_json(&[
        "queue",
        "--producers",
        "3",
        "--consumers",
        "1",
        "--iterations",
        "40",
        "--maxsize",
        "2",
    ]);
    let mut put = HashSet::new();
    let mut got = Vec::new();
    let mut next: HashMap<i32, u32> = HashMap::new();
    let mut sentinels = (0, 0);
    for f in &run.frames {
        match &f.event {
            // The consumer's stop sign, `q.put(None)` by main: an item like the others.
            Event::QueuePut { item, size, .. } if item == "None" => {
                assert_eq!(f.pid, run.main_pid(), "main puts the sentinel");
                assert!(*size <= 2, "maxsize 2 holds, size {size}");
                sentinels.0 += 1;
            }
            Event::QueueGet { item, size, .. } if item == "None" => {
                assert_eq!(*size, 0, "the sentinel is the last item");
                sentinels.1 += 1;
            }
            Event::QueuePut { item, size, .. } => {
                assert!(put.insert((f.pid, item.clone())), "put once: {item}");
                assert!(*size <= 2, "maxsize 2 holds, size {size}");
            }
            Event::QueueGet {
                item,
                producer,
                seq,
                ..
            } => {
                assert!(
                    put.contains(&(*producer, item.clone())),
                    "{item} was put (and reported) before it was got"
                );
                let n = next.entry(*producer).or_default();
                assert_eq!(*seq, *n, "producer {producer}'s items arrive in order");
                *n += 1;
                got.push((*producer, item.clone()));
            }
            _ => {}
        }
    }
    assert_eq!(put.len(), 120);
    assert_eq!(sentinels, (1, 1), "one sentinel for the one consumer");
    let unique: HashSet<_> = got.iter().cloned().collect();
    assert_eq!(got.len(), 120, "every item got");
    assert_eq!(unique.len(), 120, "no item got twice");
}

#[test]
fn many_consumers_share_the_items_without_duplicates() {
    let run = run_json(&[
        "queue",
        "--producers",
        "2",
        "--consumers",
        "3",
        "--iterations",
        "50",
    ]);
    let got: Vec<(i32, String, i32)> = run
        .frames
        .iter()
        .filter_map(|f| match &f.event {
            Event::QueueGet { item, producer, .. } if item != "None" => {
                Some((*producer, item.clone(), f.pid))
            }
            _ => None,
        })
        .collect();
    // Each consumer stops at one sentinel of its own.
    let stops: Vec<i32> = run
        .frames
        .iter()
        .filter(|f| matches!(&f.event, Event::QueueGet { item, .. } if item == "None"))
        .map(|f| f.pid)
        .collect();
    assert_eq!(stops.len(), 3);
    assert_eq!(stops.iter().collect::<HashSet<_>>().len(), 3);
    let unique: HashSet<_> = got.iter().map(|(p, i, _)| (*p, i.clone())).collect();
    assert_eq!(got.len(), 100);
    assert_eq!(unique.len(), 100);
    let consumers: HashSet<i32> = got.iter().map(|g| g.2).collect();
    assert!(!consumers.is_empty() && consumers.len() <= 3);
}

#[test]
fn queue_sum_mode_adds_what_each_worker_put() {
    let run = run_json(&[
        "queue",
        "--mode",
        "sum",
        "--workers",
        "3",
        "--iterations",
        "1000",
    ]);
    let per_worker: i64 = (0..1000i64).map(|i| i + i * i + i * i * i).sum();
    assert_eq!(
        run.outcomes(),
        vec![Outcome::Queue {
            put: 3,
            got: 3,
            total: Some(3 * per_worker)
        }]
    );
}

/// (task, pid) assignments, (task, result) deliveries, distinct worker PIDs.
type PoolRun = (Vec<(u32, i32)>, Vec<(u32, i64)>, u32);

fn pool(mode: &str) -> PoolRun {
    let run = run_json(&[
        "pool",
        "--workers",
        "3",
        "--tasks",
        "8",
        "--mode",
        mode,
        "--cost",
        "2000000",
    ]);
    match run.outcomes().pop() {
        Some(Outcome::Pool {
            assignments,
            delivered,
            distinct_pids,
            ..
        }) => (assignments, delivered, distinct_pids),
        other => panic!("no pool outcome: {other:?}"),
    }
}

#[test]
fn pool_map_reuses_three_workers_and_keeps_input_order() {
    let (assignments, delivered, distinct) = pool("map");
    assert_eq!(assignments.len(), 8, "8 task -> PID assignments");
    let pids: HashSet<i32> = assignments.iter().map(|a| a.1).collect();
    assert_eq!(pids.len(), 3, "8 tasks over exactly 3 worker PIDs");
    assert_eq!(distinct, 3);
    let expected: Vec<(u32, i64)> = (0..8).map(|i| (i, (i * i) as i64)).collect();
    assert_eq!(delivered, expected, "map: x*x in input order");
}

#[test]
fn pool_unordered_delivers_in_completion_order() {
    let (assignments, delivered, _) = pool("unordered");
    // Assignments are recorded as results arrive, i.e. in completion order.
    let completion: Vec<u32> = assignments.iter().map(|a| a.0).collect();
    let order: Vec<u32> = delivered.iter().map(|d| d.0).collect();
    assert_eq!(order, completion);
    for (task, value) in delivered {
        assert_eq!(value, (task * task) as i64);
    }
}

#[test]
fn pool_imap_delivers_in_input_order() {
    let (_, delivered, _) = pool("imap");
    let order: Vec<u32> = delivered.iter().map(|d| d.0).collect();
    assert_eq!(order, (0..8).collect::<Vec<_>>());
}

#[test]
fn pool_maxtasksperchild_replaces_workers_with_new_pids() {
    let (assignments, _, distinct) = pool("maxtasksperchild");
    assert_eq!(assignments.len(), 8);
    assert!(
        distinct > 3,
        "workers were replaced: {distinct} PIDs for 3 slots"
    );
    let mut per_pid: HashMap<i32, u32> = HashMap::new();
    for (_, pid) in assignments {
        *per_pid.entry(pid).or_default() += 1;
    }
    assert!(
        per_pid.values().all(|&n| n <= 2),
        "no worker ran more than 2 tasks: {per_pid:?}"
    );
}

#[test]
fn pool_pinned_one_long_task_holds_its_worker_while_another_is_reused() {
    // Two workers, three tasks: task 0 sleeps 10 s, tasks 1 and 2 sleep 2 s each.
    let run = run_json(&["pool", "--workers", "2", "--tasks", "3", "--mode", "pinned"]);
    let Some(Outcome::Pool {
        assignments,
        delivered,
        ..
    }) = run.outcomes().pop()
    else {
        panic!("no pool outcome")
    };
    let pid_of = |task: u32| {
        assignments
            .iter()
            .find(|a| a.0 == task)
            .map(|a| a.1)
            .expect("every task ran")
    };
    assert_ne!(pid_of(0), pid_of(1), "the long task holds its own worker");
    assert_eq!(
        pid_of(1),
        pid_of(2),
        "the other worker is reused while task 0 still sleeps"
    );
    let order: Vec<u32> = delivered.iter().map(|d| d.0).collect();
    assert_eq!(
        order,
        [1, 2, 0],
        "results in completion order: {delivered:?}"
    );
}

#[test]
fn a_pool_of_many_tasks_still_reports_its_outcome_and_every_task() {
    let run = run_json(&["pool", "--workers", "2", "--tasks", "600", "--cost", "0"]);
    assert!(run.errors().is_empty(), "{:?}", run.errors());
    match run.outcomes().pop() {
        Some(Outcome::Pool {
            tasks,
            delivered,
            complete,
            ..
        }) => {
            assert_eq!(tasks, 600);
            assert!(!complete, "the outcome carries the first entries only");
            assert_eq!(delivered.first(), Some(&(0, 0)), "map: input order");
        }
        other => panic!("no pool outcome: {other:?}"),
    }
    let delivered = run
        .frames
        .iter()
        .filter(|f| matches!(f.event, Event::ResultDelivered { .. }))
        .count();
    assert_eq!(delivered, 600, "every result is reported as an event");
}

#[test]
fn shared_value_and_array_hold_what_the_workers_wrote() {
    let run = run_json(&["shared", "--workers", "3", "--iterations", "50"]);
    match run.outcomes().pop() {
        Some(Outcome::Shared { value, array }) => {
            assert_eq!(
                value.to_string(),
                "150",
                "3 x 50 increments under get_lock()"
            );
            assert_eq!(array.len(), 3);
            assert!(array.iter().all(|v| v.to_string() == "1.0"), "{array:?}");
        }
        other => panic!("no shared outcome: {other:?}"),
    }
    // Writes come from the workers, not the parent.
    let main = run.main_pid();
    assert!(
        run.frames
            .iter()
            .any(|f| matches!(f.event, Event::SharedWrite { .. }) && f.pid != main)
    );
}

#[test]
fn samples_list_the_demo_processes_and_every_core() {
    let run = run_json(&[
        "process",
        "--workers",
        "2",
        "--iterations",
        "2000000000",
        "--samples",
    ]);
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let spawned: HashSet<i32> = run.spawned().into_iter().map(|s| s.0).collect();
    let mut busy_worker_seen = false;
    for f in &run.frames {
        if let Event::Sample(s) = &f.event {
            assert!(s.cores.len() >= cores, "one figure per core");
            for p in &s.procs {
                assert!(
                    spawned.contains(&p.pid),
                    "only the demo's PIDs are sampled: {p:?}"
                );
                busy_worker_seen |= p.ppid == run.main_pid() && p.cpu > 20.0 && p.core >= 0;
            }
        }
    }
    assert!(
        busy_worker_seen,
        "a working child shows CPU use and its core"
    );
}

/// (conn, item) of every pipe send (true) or receive (false), in order.
fn pipe_events(run: &common::Finished) -> Vec<(bool, String, Option<String>)> {
    run.frames
        .iter()
        .filter_map(|f| match &f.event {
            Event::PipeSend { conn, item } => Some((true, conn.clone(), Some(item.clone()))),
            Event::PipeRecv { conn, item } => Some((false, conn.clone(), item.clone())),
            _ => None,
        })
        .collect()
}

#[test]
fn a_duplex_pipe_carries_requests_one_way_and_replies_the_other() {
    let run = run_json(&["pipe", "--iterations", "6"]);
    let main = run.main_pid();
    let child = run
        .spawned()
        .into_iter()
        .find(|s| s.3 == "child")
        .expect("child");
    assert_eq!(child.1, main, "the child's parent is main");
    let ev = pipe_events(&run);
    let replies: Vec<String> = ev
        .iter()
        .filter(|e| !e.0 && e.1 == "parent_conn")
        .filter_map(|e| e.2.clone())
        .collect();
    assert_eq!(replies, ["0", "1", "4", "9", "16", "25"], "i*i, in order");
    let requests: Vec<String> = ev
        .iter()
        .filter(|e| !e.0 && e.1 == "child_conn")
        .filter_map(|e| e.2.clone())
        .collect();
    assert_eq!(requests, ["0", "1", "2", "3", "4", "5", "None"]);
    // A receive is never reported before its send: the sender reports, then writes.
    for (k, e) in ev.iter().enumerate() {
        if !e.0 {
            let sent_before = ev[..k].iter().any(|s| s.0 && s.1 != e.1 && s.2 == e.2);
            assert!(sent_before, "{e:?} received before it was sent: {ev:?}");
        }
    }
    assert!(run.outcomes().iter().any(|o| matches!(
        o,
        Outcome::Pipe {
            duplex: true,
            sent: 6,
            replies: 6,
            ..
        }
    )));
}

#[test]
fn a_one_way_pipe_ends_in_eof_once_every_write_end_is_closed() {
    let run = run_json(&["pipe", "--mode", "oneway", "--iterations", "4"]);
    let ev = pipe_events(&run);
    let got: Vec<Option<String>> = ev.iter().filter(|e| !e.0).map(|e| e.2.clone()).collect();
    assert_eq!(
        got,
        [
            Some("0".to_string()),
            Some("1".to_string()),
            Some("2".to_string()),
            Some("3".to_string()),
            None
        ],
        "four objects, then EOFError"
    );
    assert!(run.outcomes().iter().any(|o| matches!(
        o,
        Outcome::Pipe {
            duplex: false,
            received: 4,
            eof: true,
            ..
        }
    )));
}

fn manager_run(lock: &str) -> (common::Finished, i64, i64, f64, f64) {
    let run = run_json(&["manager", "--workers", "4", "--iterations", "300", lock]);
    let (mut e, mut a, mut p, mut v) = (0, 0, 0.0, 0.0);
    for o in run.outcomes() {
        match o {
            Outcome::Counter {
                expected, actual, ..
            } => (e, a) = (expected, actual),
            Outcome::Manager {
                proxy_us, value_us, ..
            } => (p, v) = (proxy_us, value_us),
            _ => {}
        }
    }
    (run, e, a, p, v)
}

#[test]
fn the_manager_dict_lives_in_a_server_process_and_loses_updates_without_a_lock() {
    let (run, expected, actual, proxy_us, value_us) = manager_run("--no-lock");
    let main = run.main_pid();
    let server = run
        .spawned()
        .into_iter()
        .find(|s| s.2 == Role::Server)
        .expect("a server process");
    assert_eq!(
        server.1, main,
        "Manager() starts the server as main's child"
    );
    assert_eq!(expected, 300 * (1 + 2 + 3 + 4));
    assert!(
        actual < expected,
        "get and set are separate round trips: {actual} of {expected}"
    );
    assert!(
        proxy_us > 5.0 * value_us,
        "a proxy round trip ({proxy_us} µs) costs far more than v.value += 1 ({value_us} µs)"
    );
    for f in &run.frames {
        if let Event::Served { .. } = f.event {
            assert_eq!(f.pid, server.0, "only the server serves");
        }
    }
}

#[test]
fn the_manager_dict_is_exact_with_the_lock() {
    let (_, expected, actual, _, _) = manager_run("--lock");
    assert_eq!(actual, expected);
}

#[test]
fn start_methods_differ_in_parent_and_in_what_the_child_inherits() {
    let run = run_json(&["start", "--workers", "2"]);
    let main = run.main_pid();
    let spawned = run.spawned();
    let server = spawned
        .iter()
        .find(|s| s.2 == Role::Server && s.3 == "forkserver")
        .expect("a forkserver process");
    assert_eq!(server.1, main);
    let methods: HashMap<i32, String> = run
        .frames
        .iter()
        .filter_map(|f| match &f.event {
            Event::Spawned { start_method, .. } => Some((f.pid, start_method.clone())),
            _ => None,
        })
        .collect();
    let rows: Vec<proclab::engine::protocol::StartRow> = run
        .outcomes()
        .into_iter()
        .flat_map(|o| match o {
            Outcome::StartMethods { rows } => rows,
            _ => vec![],
        })
        .collect();
    assert_eq!(rows.len(), 6, "{rows:?}");
    for r in &rows {
        assert_eq!(methods[&r.pid], r.method, "announced with its method");
        match r.method.as_str() {
            "fork" => {
                assert_eq!(r.ppid, main);
                assert_eq!(r.config, "changed by main", "fork copies main's memory");
            }
            "spawn" => {
                assert_eq!(r.ppid, main);
                assert_eq!(r.config, "default", "a fresh image");
            }
            "forkserver" => {
                assert_eq!(r.ppid, server.0, "the forkserver is the parent, not main");
                assert_eq!(r.config, "default");
            }
            m => panic!("unexpected method {m}"),
        }
    }
}

#[test]
fn an_orphan_is_re_parented_to_proclab_and_reaped() {
    let run = run_json(&["lifecycle", "--mode", "orphan"]);
    let runner = match &run.frames[0].event {
        Event::RunStarted { runner_pid, .. } => *runner_pid,
        _ => panic!("first event"),
    };
    let spawned = run.spawned();
    let parent = spawned.iter().find(|s| s.3 == "parent").expect("parent").0;
    let orphan = spawned.iter().find(|s| s.3 == "orphan").expect("orphan");
    assert_eq!(orphan.1, parent);
    let o = run
        .outcomes()
        .into_iter()
        .find_map(|o| match o {
            Outcome::Orphan {
                pid,
                ppid_before,
                ppid_after,
            } => Some((pid, ppid_before, ppid_after)),
            _ => None,
        })
        .expect("the orphan reports its new parent");
    assert_eq!(
        o,
        (orphan.0, parent, runner),
        "proclab, the subreaper, adopts it"
    );
    let parent_end = run.frames.iter().find_map(|f| match f.event {
        Event::Exited { status } if f.pid == parent => Some(status),
        _ => None,
    });
    assert_eq!(
        parent_end,
        Some(ExitStatus::Signal(9)),
        "main kills the parent, as demo.py does with p.kill()"
    );
    let reaped = run.frames.iter().any(|f| {
        f.pid == orphan.0
            && matches!(
                f.event,
                Event::Exited {
                    status: ExitStatus::Code(0)
                }
            )
    });
    assert!(reaped, "its new parent reaped it");
}

fn statuses(run: &common::Finished) -> Vec<ExitStatus> {
    run.outcomes()
        .into_iter()
        .flat_map(|o| match o {
            Outcome::Processes { children } => children.into_iter().map(|c| c.1).collect(),
            _ => vec![],
        })
        .collect()
}

#[test]
fn ctrl_c_reaches_the_whole_group_and_main_terminates_its_workers() {
    let run = run_json(&["lifecycle", "--mode", "interrupt", "--workers", "3"]);
    assert_eq!(statuses(&run), vec![ExitStatus::Signal(15); 3]);
    let told = run
        .frames
        .iter()
        .filter(|f| {
            matches!(&f.event, Event::Output { line, .. } if line.contains("SIGINT arrived too"))
        })
        .count();
    assert_eq!(told, 3, "every worker got the group's SIGINT");
    let main = run.frames.iter().rev().find_map(|f| match &f.event {
        Event::RunEnded(s) => s.main_status,
        _ => None,
    });
    assert_eq!(
        main,
        Some(ExitStatus::Code(0)),
        "main handled SIGINT and exited cleanly"
    );
}

#[test]
fn terminate_stops_the_endless_reader_after_it_got_every_item() {
    let run = run_json(&["lifecycle", "--mode", "terminate"]);
    assert_eq!(
        statuses(&run),
        vec![ExitStatus::Code(0), ExitStatus::Signal(15)],
        "the writer ends by itself, the reader by SIGTERM"
    );
    let got: Vec<String> = run
        .frames
        .iter()
        .filter_map(|f| match &f.event {
            Event::QueueGet { item, .. } => Some(item.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(got, ["A", "B", "C"]);
}

#[test]
fn lifecycle_zombies_show_in_state_z_until_joined() {
    let run = run_json(&["lifecycle", "--zombie-ms", "700", "--samples"]);
    assert_eq!(
        every_worker_seen_as_zombie(&run),
        2,
        "a sample shows both finished, unjoined children in state Z"
    );
}

/// Position of the first output line starting with `prefix`.
fn said_at(lines: &[String], prefix: &str) -> usize {
    lines
        .iter()
        .position(|l| l.starts_with(prefix))
        .unwrap_or_else(|| panic!("no line {prefix:?} in {lines:#?}"))
}

#[test]
fn a_workers_last_words_come_before_its_parent_says_it_joined_it() {
    // Each line is stamped in the process that says it, in the one stream of events: the
    // order on screen is the order things happened, however busy the machine.
    for _ in 0..3 {
        let run = run_json(&["process", "--workers", "8", "--iterations", "1000"]);
        let lines = run.output_lines();
        for i in 0..8 {
            let done = said_at(&lines, &format!("worker {i}: job done"));
            let joined = said_at(&lines, &format!("main: joined worker {i} "));
            assert!(done < joined, "worker {i}: {lines:#?}");
        }
    }
}
