//! The protocol's types through both formats (postcard frames and JSON lines).

use super::*;

/// One of every event, so a new variant that breaks either format fails here.
pub(crate) fn every_event() -> Vec<Event> {
    vec![
        Event::RunStarted {
            demo: "lock".into(),
            params: vec![("workers".into(), "4".into())],
            runner_pid: 1,
            main_pid: 2,
        },
        Event::Spawned {
            ppid: 1,
            role: Role::PoolWorker,
            label: "worker 0".into(),
            start_method: "fork".into(),
        },
        Event::Exited {
            status: ExitStatus::Signal(9),
        },
        Event::Output {
            stream: Stream::Stderr,
            line: "héllo 你好".into(),
        },
        Event::Phase {
            name: "serial".into(),
        },
        Event::StepPoint {
            op: Op::Write,
            detail: "write counter = 6".into(),
        },
        Event::QueuePut {
            queue: 0,
            item: "p0#1".into(),
            seq: 1,
            size: 3,
        },
        Event::QueueGet {
            queue: 0,
            item: "p0#1".into(),
            seq: 1,
            producer: 77,
            size: 2,
        },
        Event::QueueBlocked {
            queue: 0,
            op: Op::Get,
        },
        Event::LockWait { lock: 0 },
        Event::LockAcquired {
            lock: 0,
            waited_us: 12,
        },
        Event::LockReleased { lock: 0 },
        Event::SharedRead {
            name: "counter".into(),
            index: 0,
            value: Scalar::I32(-5),
        },
        Event::SharedWrite {
            name: "array".into(),
            index: 3,
            value: Scalar::F64(0.25),
        },
        Event::TaskSubmitted {
            task: 1,
            arg: "(9, 'w812')".into(),
        },
        Event::TaskStarted {
            task: 1,
            arg: "1".into(),
        },
        Event::TaskDone {
            task: 1,
            result: "ValueError: no".into(),
            raised: true,
        },
        Event::ResultDelivered {
            task: 1,
            result: "1".into(),
            position: 0,
        },
        Event::PipeSend {
            conn: "parent_conn".into(),
            item: "3".into(),
        },
        Event::PipeRecv {
            conn: "child_conn".into(),
            item: None,
        },
        Event::Served {
            client: 9,
            request: "d['count']".into(),
        },
        Event::Outcome(Outcome::Pipe {
            duplex: true,
            sent: 5,
            received: 5,
            replies: 5,
            eof: false,
        }),
        Event::Outcome(Outcome::Manager {
            round_trips: 1000,
            proxy_us: 40.5,
            value_us: 0.2,
        }),
        Event::Outcome(Outcome::StartMethods {
            rows: vec![StartRow {
                method: "forkserver".into(),
                pid: 7,
                ppid: 6,
                parent: "forkserver".into(),
                latency_us: 900,
                config: "default".into(),
            }],
        }),
        Event::Outcome(Outcome::Orphan {
            pid: 8,
            ppid_before: 7,
            ppid_after: 1,
        }),
        Event::Outcome(Outcome::Chunks {
            chunksize: 1250,
            tasks: 20000,
            messages: 32,
            per_worker: vec![(9, 5000), (10, 15000)],
            wall_ms: 12.5,
        }),
        Event::Outcome(Outcome::Counter {
            expected: 80000,
            actual: 41234,
            locked: false,
        }),
        Event::Outcome(Outcome::Timing {
            variant: "processes".into(),
            workers: 4,
            wall_ms: 1.5,
            cpu_ms: 3.0,
            speedup: 1.9,
        }),
        Event::Outcome(Outcome::Pool {
            mode: "map".into(),
            tasks: 2,
            delivered: vec![(0, 0), (1, 1)],
            assignments: vec![(0, 10), (1, 11)],
            complete: true,
            distinct_pids: 2,
        }),
        Event::Outcome(Outcome::Queue {
            put: 4,
            got: 4,
            total: Some(10),
        }),
        Event::Outcome(Outcome::Shared {
            value: Scalar::I64(i64::MIN),
            array: vec![Scalar::F64(2.4)],
        }),
        Event::Outcome(Outcome::Processes {
            children: vec![(5, ExitStatus::Code(1))],
        }),
        Event::Sample(Sample {
            cores: vec![12.5, 100.0],
            procs: vec![ProcSample {
                pid: 5,
                ppid: 4,
                state: 'Z',
                cpu: 99.0,
                rss_kb: 2048,
                core: 1,
            }],
        }),
        Event::Error {
            source: "event pipe".into(),
            message: "bad".into(),
        },
        Event::RunEnded(RunSummary {
            demo: "lock".into(),
            main_status: Some(ExitStatus::Code(0)),
            wall_ms: 10.0,
            processes: 5,
            stopped: false,
            errors: 0,
        }),
        Event::User(UserAction::Pause),
        Event::User(UserAction::Resume),
        Event::User(UserAction::Tempo { ms: 200 }),
        Event::User(UserAction::Stepping { on: true }),
        Event::User(UserAction::Step),
        Event::User(UserAction::Stop),
        Event::Named {
            kind: ObjectKind::RLock,
            id: 7,
            name: "counter_lock".into(),
        },
        Event::SyncWait {
            kind: ObjectKind::Barrier,
            id: 3,
        },
        Event::SyncDone {
            kind: ObjectKind::Event,
            id: 3,
            ok: false,
        },
        Event::SyncAction {
            kind: ObjectKind::JoinableQueue,
            id: 4,
            action: "task_done".into(),
        },
        Event::ProxyCall {
            id: 9,
            method: "__getitem__".into(),
            arg: "'count'".into(),
            rtt_us: 23,
        },
        Event::ProxyRaised {
            id: 9,
            method: "index".into(),
            error: "ValueError: 5 is not in list".into(),
        },
        Event::ProcessStarted { latency_us: 1234 },
        Event::SharedMemory {
            name: "psm_1a2b".into(),
            op: ShmOp::Attach,
            size: 4096,
        },
        Event::SharedMemoryBytes {
            name: "psm_1a2b".into(),
            head: vec![0, 1, 255],
        },
        Event::SharedMemoryLeak {
            name: "psm_1a2b".into(),
            removed: true,
        },
        Event::OutputPart {
            stream: Stream::Stderr,
            text: "test_x ... ".into(),
        },
        Event::Warning {
            code: "value-race".into(),
            message: "an update is lost".into(),
            count: 3,
        },
        Event::ShareableList {
            name: "psm_1a2b".into(),
            values: vec!["1".into(), "'a'".into(), "None".into()],
        },
        Event::JoinWait { child: 12 },
        Event::RecvWait {
            conn: "parent_conn".into(),
        },
        Event::Sched(Sched {
            interval_us: 250_123,
            procs: vec![ProcSched {
                pid: 5,
                ran_us: 40_000,
                waited_us: 190_000,
            }],
        }),
    ]
}

/// Recordings are postcard: bytes an earlier proclab wrote must decode to the same events.
/// New variants go last so the variant numbers of these never move.
#[test]
fn events_encoded_before_the_scheduler_figures_still_decode() {
    let sample: &[u8] = &[
        22, 1, 0, 0, 72, 66, 1, 14, 12, 1, 82, 0, 0, 180, 66, 232, 7, 2,
    ];
    assert_eq!(
        postcard::from_bytes::<Event>(sample).expect("an old sample decodes"),
        Event::Sample(Sample {
            cores: vec![50.0],
            procs: vec![ProcSample {
                pid: 7,
                ppid: 6,
                state: 'R',
                cpu: 90.0,
                rss_kb: 1000,
                core: 1,
            }],
        })
    );
    let raised: &[u8] = &[37, 9, 5, 105, 110, 100, 101, 120, 1, 69];
    assert_eq!(
        postcard::from_bytes::<Event>(raised).expect("an old proxy_raised decodes"),
        Event::ProxyRaised {
            id: 9,
            method: "index".into(),
            error: "E".into(),
        }
    );
}

#[test]
fn mostly_waiting_means_over_half_the_interval_and_twice_what_it_ran() {
    let p = |ran_us, waited_us| ProcSched {
        pid: 1,
        ran_us,
        waited_us,
    };
    assert!(p(50_000, 190_000).mostly_waiting(250_000));
    assert!(!p(50_000, 100_000).mostly_waiting(250_000), "under half");
    // Threads sum past the interval: waiting must also beat running.
    assert!(!p(400_000, 200_000).mostly_waiting(250_000));
    // Sharing a core evenly (four busy processes on two cores) is running, not held back.
    assert!(!p(120_000, 130_000).mostly_waiting(250_000));
    assert!(
        p(60_000, 190_000).mostly_waiting(250_000),
        "under a third of the time"
    );
}

#[test]
fn clip_respects_char_boundaries() {
    assert_eq!(clip("你好世界", 4), "你…");
    assert_eq!(clip("abc", 10), "abc");
}

#[test]
fn a_fresh_image_is_told_as_like_spawn_and_a_fork_as_fork() {
    let spawned = |method: &str| Event::Spawned {
        ppid: 1,
        role: Role::Main,
        label: "main".into(),
        start_method: method.into(),
    };
    // A native demo's main (and a Python program) is started by exec: the line must say
    // which Python start method that is like, not name a fourth one.
    let main = words::describe(&spawned("exec"));
    assert!(
        main.contains("by exec (a fresh image, like spawn)"),
        "{main}"
    );
    let worker = words::describe(&spawned("fork"));
    assert!(worker.ends_with("by fork"), "{worker}");
    assert!(!worker.contains("spawn"), "{worker}");
}
