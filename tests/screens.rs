//! Whole screens, drawn from fixed event scripts and compared with reviewed snapshots.
//! The scripts use made-up PIDs and times, so nothing volatile reaches the snapshots.
//!
//! One file: every screen test shares the same script builder and renderer, and the
//! snapshots it names live beside it in `snapshots/`.

#[path = "common/screen.rs"]
mod drawn;
use drawn::screen;
use proclab::app::{App, Key, Pane, panes_for};
use proclab::engine::demos::DemoKind;
use proclab::engine::protocol::{
    Event, ExitStatus, Frame, Op, Outcome, ProcSample, Role, RunSummary, Sample, Scalar, ShmOp,
    Stream,
};
use proclab::ui::{self, Theme};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

#[path = "common/big.rs"]
mod big;
use big::shows_big;

struct Script {
    t: u64,
    frames: Vec<Frame>,
}

impl Script {
    fn new(demo: &str, params: &[(&str, &str)]) -> Self {
        let mut s = Script {
            t: 1_000_000,
            frames: Vec::new(),
        };
        s.at(
            100,
            Event::RunStarted {
                demo: demo.into(),
                params: params
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
                runner_pid: 100,
                main_pid: 200,
            },
        );
        s.at(
            200,
            Event::Spawned {
                ppid: 100,
                role: Role::Main,
                label: "main".into(),
                start_method: "exec".into(),
            },
        );
        s
    }

    fn at(&mut self, pid: i32, event: Event) -> &mut Self {
        self.t += 10_000;
        self.frames.push(Frame {
            t_us: self.t,
            pid,
            event,
        });
        self
    }

    fn workers(&mut self, role: Role, labels: &[&str]) -> &mut Self {
        for (i, l) in labels.iter().enumerate() {
            self.at(
                201 + i as i32,
                Event::Spawned {
                    ppid: 200,
                    role,
                    label: l.to_string(),
                    start_method: "fork".into(),
                },
            );
        }
        self
    }

    fn sample(&mut self, cores: &[f32], procs: &[(i32, char, f32, i32)]) -> &mut Self {
        self.at(
            0,
            Event::Sample(Sample {
                cores: cores.to_vec(),
                procs: procs
                    .iter()
                    .map(|&(pid, state, cpu, core)| ProcSample {
                        pid,
                        ppid: if pid == 200 { 100 } else { 200 },
                        state,
                        cpu,
                        rss_kb: 2048,
                        core,
                    })
                    .collect(),
            }),
        )
    }

    /// Workers 201 and 202 both wait in step mode before reading the counter.
    fn both_at_read(&mut self) -> &mut Self {
        for pid in [201, 202] {
            self.at(
                pid,
                Event::StepPoint {
                    op: Op::Read,
                    detail: "read counter".into(),
                },
            );
        }
        self
    }

    fn say(&mut self, pid: i32, line: &str) -> &mut Self {
        self.at(
            pid,
            Event::Output {
                stream: Stream::Stdout,
                line: line.into(),
            },
        )
    }

    fn end(&mut self, wall_ms: f64) -> &mut Self {
        self.at(
            200,
            Event::Exited {
                status: ExitStatus::Code(0),
            },
        );
        self.at(
            200,
            Event::RunEnded(RunSummary {
                demo: String::new(),
                main_status: Some(ExitStatus::Code(0)),
                wall_ms,
                processes: 3,
                stopped: false,
                errors: 0,
            }),
        )
    }
}

fn app_with(demo: DemoKind, script: &Script) -> App {
    let mut app = App::default();
    app.select(demo);
    app.run_lesson = Some(app.lesson);
    for f in &script.frames {
        app.on_frame(f);
    }
    app
}

/// A lock run without the lock: 23117 of 40000, 16883 updates lost.
fn lock_run_without_the_lock() -> Script {
    let mut s = Script::new(
        "lock",
        &[("workers", "2"), ("iterations", "20000"), ("lock", "false")],
    );
    s.workers(Role::Worker, &["worker 0", "worker 1"])
        .sample(
            &[97.0, 99.0],
            &[(200, 'S', 0.0, 1), (201, 'R', 98.0, 0), (202, 'R', 97.0, 1)],
        )
        .at(
            201,
            Event::SharedWrite {
                name: "counter".into(),
                index: 0,
                value: Scalar::I32(9000),
            },
        )
        .at(
            201,
            Event::Exited {
                status: ExitStatus::Code(0),
            },
        )
        .at(
            202,
            Event::Exited {
                status: ExitStatus::Code(0),
            },
        )
        .say(
            200,
            "main: counter = 23117, expected 40000 — 16883 updates lost",
        )
        .at(
            200,
            Event::Outcome(Outcome::Counter {
                expected: 40000,
                actual: 23117,
                locked: false,
            }),
        )
        .end(80.0);
    s
}

#[test]
fn lock_lesson_after_a_run_without_the_lock() {
    let s = lock_run_without_the_lock();
    let app = app_with(DemoKind::Lock, &s);
    insta::assert_snapshot!(screen(&app, 120, 36));
}

#[test]
fn lock_lesson_in_step_mode_at_80x24() {
    let mut s = Script::new(
        "lock",
        &[("workers", "2"), ("iterations", "1"), ("lock", "false")],
    );
    s.workers(Role::Worker, &["worker 0", "worker 1"])
        .both_at_read()
        .at(
            201,
            Event::SharedRead {
                name: "counter".into(),
                index: 0,
                value: Scalar::I32(0),
            },
        )
        .at(
            201,
            Event::StepPoint {
                op: Op::Write,
                detail: "write counter = 1 (read 0)".into(),
            },
        );
    let mut app = app_with(DemoKind::Lock, &s);
    app.on_key(Key::Char(' '));
    app.on_key(Key::Tab);
    insta::assert_snapshot!(screen(&app, 80, 24));
}

#[test]
fn queue_lesson_with_items_waiting() {
    let mut s = Script::new("queue", &[("producers", "2"), ("consumers", "1")]);
    s.workers(Role::Producer, &["producer 0", "producer 1", "consumer 0"]);
    for (n, (pid, item)) in [(201, "p0#0"), (202, "p1#0"), (201, "p0#1"), (202, "p1#1")]
        .into_iter()
        .enumerate()
    {
        s.at(
            pid,
            Event::QueuePut {
                queue: 0,
                item: item.into(),
                seq: 0,
                size: n as i32 + 1,
            },
        );
    }
    s.at(
        203,
        Event::QueueGet {
            queue: 0,
            item: "p0#0".into(),
            seq: 0,
            producer: 201,
            size: 3,
        },
    )
    .at(
        202,
        Event::QueueBlocked {
            queue: 0,
            op: Op::Put,
        },
    );
    let app = app_with(DemoKind::Queue, &s);
    insta::assert_snapshot!(screen(&app, 120, 36));
}

#[test]
fn pool_lesson_mid_run() {
    let mut s = Script::new(
        "pool",
        &[("workers", "2"), ("tasks", "4"), ("mode", "unordered")],
    );
    s.workers(Role::PoolWorker, &["worker 0", "worker 1"]);
    for t in 0..4 {
        s.at(
            200,
            Event::TaskSubmitted {
                task: t,
                arg: t.to_string(),
            },
        );
    }
    s.at(
        201,
        Event::TaskStarted {
            task: 0,
            arg: "0".into(),
        },
    )
    .at(
        202,
        Event::TaskStarted {
            task: 1,
            arg: "1".into(),
        },
    )
    .at(
        202,
        Event::TaskDone {
            task: 1,
            result: "1".into(),
            raised: false,
        },
    )
    .at(
        200,
        Event::ResultDelivered {
            task: 1,
            result: "1".into(),
            position: 0,
        },
    )
    .at(
        202,
        Event::TaskStarted {
            task: 2,
            arg: "2".into(),
        },
    );
    let app = app_with(DemoKind::Pool, &s);
    insta::assert_snapshot!(screen(&app, 120, 36));
}

#[test]
fn gil_lesson_results() {
    let mut s = Script::new("gil", &[("workers", "4")]);
    for (v, wall, speedup) in [
        ("serial", 900.0, 1.0),
        ("threads (GIL model)", 910.0, 0.99),
        ("threads (no GIL)", 470.0, 1.91),
        ("processes", 480.0, 1.88),
    ] {
        s.at(
            200,
            Event::Outcome(Outcome::Timing {
                variant: v.into(),
                workers: 4,
                wall_ms: wall,
                cpu_ms: wall,
                speedup,
            }),
        );
    }
    s.end(2800.0);
    let app = app_with(DemoKind::Gil, &s);
    insta::assert_snapshot!(screen(&app, 120, 36));
}

#[test]
fn gil_results_of_the_lessons_python_program_claim_no_model_and_no_cpu() {
    let mut s = Script::new("gil", &[("runner", "python")]);
    // demo.py's own timing lines: wall time only, under the interpreter's real GIL.
    for (v, wall, speedup) in [
        ("serial", 1310.0, 1.0),
        ("threads", 1260.0, 1.04),
        ("processes", 700.0, 1.87),
    ] {
        s.at(
            200,
            Event::Outcome(Outcome::Timing {
                variant: v.into(),
                workers: 0,
                wall_ms: wall,
                cpu_ms: 0.0,
                speedup,
            }),
        );
    }
    s.end(3300.0);
    let text = screen(&app_with(DemoKind::Gil, &s), 120, 36);
    assert!(
        text.contains("wall time as the program printed it"),
        "{text}"
    );
    assert!(!text.contains("GIL = a model"), "{text}");
    assert!(
        !text.contains("cpu = CPU time"),
        "no cpu figure to explain: {text}"
    );
}

#[test]
fn an_executor_task_no_worker_took_is_not_shown_as_queued() {
    let mut s = Script::new("executor", &[("runner", "python")]);
    // The caller submitted it and got its error back; no worker ever started it.
    s.at(
        200,
        Event::TaskSubmitted {
            task: 7,
            arg: "1".into(),
        },
    )
    .at(
        200,
        Event::ResultDelivered {
            task: 7,
            result: "raised PicklingError".into(),
            position: 0,
        },
    )
    .end(100.0);
    let text = screen(&app_with(DemoKind::Executor, &s), 120, 36);
    assert!(text.contains(" not run"), "{text}");
    assert!(!text.contains("queued"), "{text}");
}

#[test]
fn process_lesson_with_zombies_and_a_killed_child() {
    let mut s = Script::new("process", &[("workers", "2")]);
    s.workers(Role::Worker, &["worker 0", "worker 1"])
        .say(201, "worker 0: pid 201, ppid 200")
        .at(
            202,
            Event::Exited {
                status: ExitStatus::Signal(9),
            },
        )
        .sample(&[3.0, 1.0], &[(200, 'S', 0.0, 0), (201, 'Z', 0.0, 1)]);
    let app = app_with(DemoKind::Process, &s);
    insta::assert_snapshot!(screen(&app, 120, 36));
}

#[test]
fn shared_lesson_cells() {
    let mut s = Script::new("shared", &[("workers", "2")]);
    s.workers(Role::Worker, &["worker 0", "worker 1"])
        .at(
            201,
            Event::SharedWrite {
                name: "counter".into(),
                index: 0,
                value: Scalar::I32(7),
            },
        )
        .at(
            201,
            Event::SharedWrite {
                name: "progress".into(),
                index: 0,
                value: Scalar::F64(0.5),
            },
        )
        .at(
            202,
            Event::SharedWrite {
                name: "progress".into(),
                index: 1,
                value: Scalar::F64(0.25),
            },
        );
    let app = app_with(DemoKind::Shared, &s);
    insta::assert_snapshot!(screen(&app, 120, 36));
}

#[test]
fn a_small_terminal_asks_to_be_enlarged() {
    let app = App::default();
    let s = screen(&app, 60, 20);
    assert!(s.contains("enlarge the terminal to 80x24"), "{s}");
    assert!(s.contains("(now 60x20)"), "{s}");
}

#[test]
fn every_size_from_80x24_to_250x70_draws_without_panicking() {
    let mut s = Script::new("lock", &[("workers", "64")]);
    let labels: Vec<String> = (0..64).map(|i| format!("worker {i}")).collect();
    let refs: Vec<&str> = labels.iter().map(String::as_str).collect();
    s.workers(Role::Worker, &refs);
    let cores: Vec<f32> = (0..128).map(|i| (i * 7 % 100) as f32).collect();
    let procs: Vec<(i32, char, f32, i32)> =
        (0..64).map(|i| (201 + i, 'R', 50.0, i % 128)).collect();
    s.sample(&cores, &procs);
    let app = app_with(DemoKind::Lock, &s);
    for (w, h) in [
        (80, 24),
        (81, 25),
        (100, 30),
        (120, 40),
        (160, 48),
        (250, 70),
        (79, 24),
        (1, 1),
    ] {
        let text = screen(&app, w, h);
        if w >= 80 && h >= 24 {
            assert!(text.contains("processes (65)"), "{w}x{h}");
            assert!(
                text.contains("more rows"),
                "{w}x{h}: hidden rows are counted"
            );
            assert!(text.contains("cores (128)"), "{w}x{h}");
        }
    }
}

#[test]
fn a_click_on_a_process_row_lands_on_the_process_drawn_there() {
    let mut s = Script::new("lock", &[("workers", "2")]);
    s.workers(Role::Worker, &["worker 0", "worker 1"])
        .both_at_read();
    let mut app = app_with(DemoKind::Lock, &s);
    app.on_key(Key::Char(' '));
    let area = Rect::new(0, 0, 120, 36);
    let layout = ui::screen(&app, area).expect("big enough");
    let (_, tree) = layout
        .panes
        .iter()
        .find(|(p, _)| *p == proclab::app::Pane::Tree)
        .copied()
        .expect("tree pane");
    let text = screen(&app, 120, 36);
    let row_of = |pid: &str| {
        text.lines()
            .position(|l| l.contains(&format!(" {pid} ")) && l.contains("worker"))
            .expect("row drawn") as u16
    };
    assert_eq!(ui::tree_row_pid(&app, tree, row_of("202")), Some(202));
    assert_eq!(ui::tree_row_pid(&app, tree, row_of("201")), Some(201));
    assert!(app.choose(202));
    assert_eq!(app.selected_pid(), Some(202));
}

#[test]
fn a_wide_screen_shows_the_lessons_python_program() {
    let mut s = Script::new("queue", &[("producers", "2")]);
    s.workers(Role::Producer, &["producer 0", "producer 1"]);
    let app = app_with(DemoKind::Queue, &s);
    insta::assert_snapshot!(screen(&app, 180, 40));
}

#[test]
fn the_lesson_text_switches_to_chinese_and_wraps_by_display_width() {
    let s = Script::new("lock", &[("workers", "4")]);
    let mut app = app_with(DemoKind::Lock, &s);
    app.on_key(Key::Char('L'));
    let text = screen(&app, 180, 40);
    assert!(text.contains("锁 Lock"), "{text}");
    // Every screen row is exactly as wide as the terminal: wide characters take two
    // columns and nothing spills over the borders.
    for line in text.lines() {
        let w: usize = line
            .chars()
            .map(|c| unicode_width::UnicodeWidthChar::width(c).unwrap_or(0))
            .sum();
        assert!(w <= 180, "row wider than the screen ({w}): {line}");
    }
    insta::assert_snapshot!(text);
}

#[test]
fn the_pane_a_step_is_about_is_highlighted_and_every_step_pane_exists() {
    use proclab::app::Pane;
    // Every name a step may use belongs to a real pane.
    let all = [
        Pane::Tree,
        Pane::Cores,
        Pane::Demo,
        Pane::Output,
        Pane::Timeline,
        Pane::Code,
        Pane::Text,
    ];
    let names: Vec<&str> = all.iter().map(|p| ui::pane_name(*p)).collect();
    assert_eq!(names, proclab::course::format::PANES);

    // The Lock lesson's second step is about the demo pane: its border is drawn bold.
    let s = Script::new("lock", &[("workers", "2")]);
    let mut app = app_with(DemoKind::Lock, &s);
    app.on_key(Key::Char('n'));
    let area = Rect::new(0, 0, 120, 36);
    let mut buf = Buffer::empty(area);
    ui::render(
        &app,
        &Theme {
            color: false,
            ..Default::default()
        },
        area,
        &mut buf,
    );
    let layout = ui::screen(&app, area).expect("fits");
    let bold = |r: Rect| {
        buf[(r.x, r.y)]
            .modifier
            .contains(ratatui::style::Modifier::BOLD)
    };
    for (p, r) in &layout.panes {
        assert_eq!(bold(*r), *p == Pane::Demo, "{p:?}");
    }
}

#[test]
fn at_80x24_an_open_prediction_is_on_screen_and_e_shows_the_steps_pane() {
    let mut app = App::default();
    app.select(DemoKind::Pipe);
    app.on_key(Key::Char('r'));
    assert!(app.awaiting_prediction());
    let text = screen(&app, 80, 24);
    assert!(text.contains("Predict:"), "{text}");
    // Step 1 is about the program, which has no pane of its own at 80 columns.
    let mut app = App::default();
    app.select(DemoKind::Pipe);
    assert!(screen(&app, 80, 24).contains("(e: show the program)"));
    app.on_key(Key::Char('e'));
    assert_eq!(app.expanded, Some(proclab::app::Pane::Code));
}

#[test]
fn pipe_lesson_conversation() {
    let mut s = Script::new("pipe", &[("iterations", "3"), ("mode", "duplex")]);
    s.workers(Role::Worker, &["child"]);
    for i in 0..3 {
        let (x, r) = (i.to_string(), (i * i).to_string());
        s.at(
            200,
            Event::PipeSend {
                conn: "parent_conn".into(),
                item: x.clone(),
            },
        )
        .at(
            201,
            Event::PipeRecv {
                conn: "child_conn".into(),
                item: Some(x),
            },
        )
        .at(
            201,
            Event::PipeSend {
                conn: "child_conn".into(),
                item: r.clone(),
            },
        )
        .at(
            200,
            Event::PipeRecv {
                conn: "parent_conn".into(),
                item: Some(r),
            },
        );
    }
    s.at(
        200,
        Event::Outcome(Outcome::Pipe {
            duplex: true,
            sent: 3,
            received: 3,
            replies: 3,
            eof: false,
        }),
    )
    .end(12.0);
    let app = app_with(DemoKind::Pipe, &s);
    let text = screen(&app, 120, 36);
    assert!(
        text.contains("3 requests, 3 replies: every message arrived"),
        "{text}"
    );
    insta::assert_snapshot!(text);
}

#[test]
fn manager_lesson_shows_the_server_and_the_lost_updates() {
    let mut s = Script::new(
        "manager",
        &[("workers", "2"), ("iterations", "100"), ("lock", "false")],
    );
    s.at(
        201,
        Event::Spawned {
            ppid: 200,
            role: Role::Server,
            label: "manager server".into(),
            start_method: "fork".into(),
        },
    )
    .at(
        202,
        Event::Spawned {
            ppid: 200,
            role: Role::Worker,
            label: "worker 0".into(),
            start_method: "fork".into(),
        },
    )
    .at(
        201,
        Event::Served {
            client: 202,
            request: "d['count'] -> 41".into(),
        },
    )
    .at(
        202,
        Event::SharedWrite {
            name: "d['count']".into(),
            index: 0,
            value: Scalar::I64(42),
        },
    )
    .at(
        200,
        Event::Outcome(Outcome::Counter {
            expected: 300,
            actual: 214,
            locked: false,
        }),
    )
    .at(
        200,
        Event::Outcome(Outcome::Manager {
            round_trips: 602,
            proxy_us: 25.0,
            value_us: 0.2,
        }),
    )
    .end(40.0);
    let app = app_with(DemoKind::Manager, &s);
    let text = screen(&app, 120, 36);
    assert!(text.contains("server: "), "{text}");
    assert!(text.contains("86 updates LOST"), "{text}");
    insta::assert_snapshot!(text);
}

#[test]
fn start_methods_lesson_table() {
    let mut s = Script::new("start", &[("workers", "1"), ("mode", "all")]);
    let rows = [
        (
            201,
            200,
            "fork",
            "main",
            500,
            "changed by main",
            "fork child 0",
        ),
        (202, 200, "spawn", "main", 1500, "default", "spawn child 0"),
        (
            204,
            203,
            "forkserver",
            "forkserver",
            3300,
            "default",
            "forkserver child 0",
        ),
    ];
    s.at(
        203,
        Event::Spawned {
            ppid: 200,
            role: Role::Server,
            label: "forkserver".into(),
            start_method: "spawn".into(),
        },
    );
    for (pid, ppid, method, parent, latency_us, config, label) in rows {
        s.at(
            pid,
            Event::Spawned {
                ppid,
                role: Role::Worker,
                label: label.into(),
                start_method: method.into(),
            },
        )
        .at(
            pid,
            Event::Outcome(Outcome::StartMethods {
                rows: vec![proclab::engine::protocol::StartRow {
                    method: method.into(),
                    pid,
                    ppid,
                    parent: parent.into(),
                    latency_us,
                    config: config.into(),
                }],
            }),
        );
    }
    s.end(10.0);
    let app = app_with(DemoKind::Start, &s);
    let text = screen(&app, 120, 36);
    for method in ["fork ", "spawn ", "forkserver "] {
        assert!(text.contains(method), "a row for {method}: {text}");
    }
    insta::assert_snapshot!(text);
}

#[test]
fn start_methods_lesson_table_of_the_lessons_python_program() {
    let mut s = Script::new("start", &[("runner", "python")]);
    s.at(
        203,
        Event::Spawned {
            ppid: 200,
            role: Role::Server,
            label: "forkserver".into(),
            start_method: "exec".into(),
        },
    );
    // As the probe tells them: each Process names its method once it runs, then says
    // how long after its parent's start() that was; the child prints its CONFIG.
    for (pid, ppid, method, label, latency_us, config) in [
        (201, 200, "fork", "ForkProcess-1", 6_100, "changed by main"),
        (202, 200, "spawn", "SpawnProcess-2", 1_240_000, "default"),
        (
            204,
            203,
            "forkserver",
            "ForkServerProcess-3",
            244_000,
            "default",
        ),
    ] {
        s.at(
            pid,
            Event::Spawned {
                ppid,
                role: Role::Worker,
                label: label.into(),
                start_method: method.into(),
            },
        )
        .at(pid, Event::ProcessStarted { latency_us })
        .say(
            pid,
            &format!("{method}: pid {pid}, ppid {ppid}, CONFIG = '{config}'"),
        );
    }
    s.end(1500.0);
    let app = app_with(DemoKind::Start, &s);
    let text = screen(&app, 120, 36);
    assert!(
        text.contains("forkserver   204   203 forkserver  244ms  default"),
        "{text}"
    );
    assert!(
        text.contains("spawn        202   200 main        1.24s  default"),
        "{text}"
    );
    insta::assert_snapshot!(text);
}

#[test]
fn lifecycle_lesson_orphan_re_parented() {
    let mut s = Script::new("lifecycle", &[("mode", "orphan")]);
    s.workers(Role::Worker, &["parent"])
        .at(
            202,
            Event::Spawned {
                ppid: 201,
                role: Role::Worker,
                label: "orphan".into(),
                start_method: "fork".into(),
            },
        )
        .at(
            201,
            Event::Exited {
                status: ExitStatus::Code(0),
            },
        )
        .at(
            202,
            Event::Outcome(Outcome::Orphan {
                pid: 202,
                ppid_before: 201,
                ppid_after: 100,
            }),
        );
    let app = app_with(DemoKind::Lifecycle, &s);
    let text = screen(&app, 120, 36);
    assert!(
        text.contains("orphan 202: PPID 201 -> 100 (proclab"),
        "{text}"
    );
    assert!(
        text.contains("202     100 orphan"),
        "the tree shows the new parent at once: {text}"
    );
    insta::assert_snapshot!(text);
}

#[test]
fn a_watched_programs_demo_pane_follows_what_it_uses() {
    let mut s = Script::new("script", &[("runner", "python")]);
    s.workers(Role::Worker, &["Process-1"]).at(
        201,
        Event::QueuePut {
            queue: 7,
            item: "'A'".into(),
            seq: 0,
            size: 1,
        },
    );
    let mut app = App::new(vec![proclab::course::script_lesson(
        std::path::Path::new("/tmp/mine.py"),
        "mine.py",
        "print('hi')\n".into(),
    )]);
    app.watch = Some(("/tmp/mine.py".into(), vec![]));
    app.python = Some("/usr/bin/python3".into());
    app.run_lesson = Some(0);
    for f in &s.frames {
        app.on_frame(f);
    }
    let text = screen(&app, 120, 36);
    assert!(text.contains("┌ queue"), "a queue was used: {text}");
    assert!(text.contains("['A']"), "{text}");
    assert!(
        text.contains("/tmp/mine.py under /usr/bin/python3"),
        "{text}"
    );
    assert!(text.contains(" PYTHON "), "{text}");
}

#[test]
fn a_warning_is_marked_as_proclabs_in_the_output_and_named_on_the_header() {
    let mut s = Script::new("script", &[("runner", "python")]);
    s.workers(Role::Worker, &["Process-1", "Process-2"])
        .say(201, "working")
        .at(
            202,
            Event::Warning {
                code: "value-race".into(),
                message: "read Value('i') = 41, then another process wrote 42 before this write of 42 with no lock held: that update is lost".into(),
                count: 3,
            },
        );
    let app = app_with(DemoKind::Lock, &s);
    let shown = screen(&app, 160, 40);
    assert!(shown.contains("WARNING value-race (3 warnings)"), "{shown}");
    // Its words in full, wrapped between words, in the output pane, marked as proclab's.
    for piece in [
        "WARNING value-race: read",
        "another process wrote 42",
        "update is lost (×3)",
    ] {
        assert!(shown.contains(piece), "{piece:?} in\n{shown}");
    }
}

/// An error the run reported is readable whole on screen: the header has room only for
/// its start at 120 columns, the output pane keeps all of it, wrapped between words.
#[test]
fn an_error_is_shown_whole_in_the_output_pane_not_only_cut_in_the_header() {
    let mut s = Script::new("script", &[("runner", "python")]);
    s.workers(Role::Worker, &["Process-1"]).at(
        0,
        Event::Error {
            source: "process limit".into(),
            message: "the program started more than 16 processes alive at once (--max-procs 16); it was stopped: SIGINT, then SIGTERM, then SIGKILL".into(),
        },
    );
    let app = app_with(DemoKind::Lock, &s);
    let shown = screen(&app, 120, 40);
    assert!(shown.contains("ERROR process limit"), "{shown}");
    for piece in [
        "ERROR process limit: the program",
        "(--max-procs 16)",
        "then SIGKILL",
    ] {
        assert!(shown.contains(piece), "{piece:?} in\n{shown}");
    }
}

#[test]
fn a_leaked_segment_says_it_was_never_unlinked_and_who_removed_it() {
    let shm = |op| Event::SharedMemory {
        name: "proclab_psm_200".into(),
        op,
        size: 99,
    };
    let mut s = Script::new("shm", &[("mode", "leak")]);
    s.workers(Role::Worker, &["writer"])
        .at(200, shm(ShmOp::Create))
        .at(201, shm(ShmOp::Attach))
        .at(201, shm(ShmOp::Close))
        .at(200, shm(ShmOp::Close))
        .at(
            0,
            Event::SharedMemoryLeak {
                name: "proclab_psm_200".into(),
                removed: true,
            },
        );
    let app = app_with(DemoKind::Shm, &s);
    let shown = screen(&app, 120, 36);
    assert!(shown.contains("┌ shared memory"), "{shown}");
    assert!(shown.contains("LEAK: never unlinked"), "{shown}");
    assert!(shown.contains("(proclab removed"), "{shown}");
    assert!(!shown.contains("unlinked by"), "{shown}");
}

/// The cores pane marks the processes that burn a core, not the ones asleep on it: an
/// idle worker beside another program's 100 % would claim that load.
#[test]
fn the_cores_pane_marks_busy_processes_only() {
    use proclab::engine::protocol::{ProcSample, Sample};
    let sampled = |pid: i32, state: char, cpu: f32, core: i32| ProcSample {
        pid,
        ppid: 200,
        state,
        cpu,
        rss_kb: 1000,
        core,
    };
    let mut s = Script::new("process", &[]);
    s.workers(Role::Worker, &["worker 0", "worker 1"]).at(
        0,
        Event::Sample(Sample {
            cores: vec![100.0, 100.0],
            procs: vec![sampled(201, 'R', 99.0, 0), sampled(202, 'S', 0.0, 1)],
        }),
    );
    let app = app_with(DemoKind::Process, &s);
    let shown = screen(&app, 120, 40);
    let row = |core: &str| {
        shown
            .lines()
            .find(|l| l.contains(&format!("│  {core} ||||||||||")))
            .unwrap_or_else(|| panic!("core {core} in\n{shown}"))
            .to_string()
    };
    assert!(row("0").contains("100% A"), "{}", row("0"));
    assert!(!row("1").contains("100% B"), "{}", row("1"));
}

#[test]
fn presenter_mode_shows_the_lock_runs_counter_and_loss_in_big_digits_at_100x30() {
    let s = lock_run_without_the_lock();
    let mut app = app_with(DemoKind::Lock, &s);
    app.on_key(Key::Char('F'));
    assert!(app.present);
    // The message of the key is gone at the next key: the snapshot shows the key bar.
    app.message = None;
    let out = screen(&app, 100, 30);
    assert!(
        shows_big(&out, "23117"),
        "the counter in big digits:\n{out}"
    );
    assert!(shows_big(&out, "16883"), "the loss in big digits:\n{out}");
    assert!(
        !shows_big(&out, "40000"),
        "the expected count is not the figure"
    );
    // No lesson list, no secondary panes: the lock pane alone.
    let s = ui::screen(&app, Rect::new(0, 0, 100, 30)).expect("fits");
    assert_eq!(s.panes.len(), 1);
    assert!(s.lessons.is_none());
    insta::assert_snapshot!(out);
}

#[test]
fn presenter_mode_before_a_run_shows_the_figures_labels_over_a_dash() {
    let mut app = App::default();
    app.select(DemoKind::Lock);
    app.present = true;
    let out = screen(&app, 100, 30);
    assert!(out.contains("updates lost"), "{out}");
    assert!(out.contains('–'), "{out}");
    assert!(
        !out.contains('▀') && !out.contains('█'),
        "no big digit: {out}"
    );
    // Every size from the smallest up still fits presenter mode.
    for (w, h) in [(80, 24), (120, 40), (200, 60)] {
        screen(&app, w, h);
    }
}

#[test]
fn the_pane_chooser_lists_the_panes_and_hidden_ones_give_their_room_away() {
    let s = lock_run_without_the_lock();
    let mut app = app_with(DemoKind::Lock, &s);
    let area = Rect::new(0, 0, 120, 36);
    let before = ui::screen(&app, area).expect("fits");
    let rect = |s: &ui::Screen, p: Pane| s.panes.iter().find(|(q, _)| *q == p).map(|(_, r)| *r);
    // Hide the cores and the output: the tree and the lock pane take their rows whole.
    let number = |p: Pane| {
        let i = panes_for(app.demo()).iter().position(|q| *q == p).unwrap();
        Key::Char(char::from(b'1' + i as u8))
    };
    let (cores, output) = (number(Pane::Cores), number(Pane::Output));
    app.on_key(Key::Char('v'));
    app.on_key(cores);
    app.on_key(output);
    insta::assert_snapshot!(screen(&app, 120, 36));
    app.on_key(Key::Esc);
    let after = ui::screen(&app, area).expect("fits");
    assert_eq!(rect(&after, Pane::Cores), None);
    assert_eq!(rect(&after, Pane::Output), None);
    let (tree0, tree1) = (
        rect(&before, Pane::Tree).unwrap(),
        rect(&after, Pane::Tree).unwrap(),
    );
    let (demo0, demo1) = (
        rect(&before, Pane::Demo).unwrap(),
        rect(&after, Pane::Demo).unwrap(),
    );
    assert!(tree1.width > tree0.width && demo1.width > demo0.width);
    // Every size still draws with panes hidden, in both modes.
    for (w, h) in [(80, 24), (120, 40), (200, 60)] {
        screen(&app, w, h);
        app.present = !app.present;
        screen(&app, w, h);
        app.present = !app.present;
    }
    // A new run of the lesson keeps them hidden.
    for f in &s.frames {
        app.on_frame(f);
    }
    assert_eq!(rect(&ui::screen(&app, area).unwrap(), Pane::Cores), None);
}

/// Rows of `text` (a screen) that hold `needle`.
fn rows_with<'a>(text: &'a str, needle: &str) -> Vec<&'a str> {
    text.lines().filter(|l| l.contains(needle)).collect()
}

#[test]
fn a_step_about_the_program_scrolls_to_its_lines_and_marks_them() {
    let mut app = App::default();
    app.select(DemoKind::Pipe);
    let at = app
        .steps()
        .iter()
        .position(|s| s.find.0.iter().any(|f| f.contains("w.close()")))
        .expect("the pipe lesson points at the parent's w.close()");
    app.on_key(Key::Char('g'));
    app.on_key(Key::Char(char::from(b'1' + at as u8)));
    assert_eq!(app.step_at[app.lesson], at);
    let marks = app.code_marks();
    let program: Vec<&str> = app.current_lesson().demo_py.lines().collect();
    // Beside the lesson on a wide screen: the marked lines are in sight, with a marker
    // in the gutter, and only those.
    let text = screen(&app, 200, 60);
    for l in &marks {
        let row = format!("{:>3}>", l + 1);
        let hits = rows_with(&text, &row);
        assert_eq!(hits.len(), 1, "line {} marked once: {text}", l + 1);
        assert!(hits[0].contains(program[*l].trim()), "{}", hits[0]);
    }
    insta::assert_snapshot!(text);

    // Expanded on a small screen: still in sight; PgDn and PgUp move the program.
    app.on_key(Key::Char('e'));
    assert_eq!(app.expanded, Some(proclab::app::Pane::Code));
    let small = screen(&app, 80, 24);
    let first_number = |s: &str| -> usize {
        s.lines()
            .skip(2)
            .find_map(|l| {
                let t = l.trim_start_matches(['│', '|', ' ']);
                t.split(|c: char| !c.is_ascii_digit())
                    .next()
                    .and_then(|n| n.parse().ok())
            })
            .expect("a numbered line")
    };
    let top = first_number(&small);
    assert!(
        rows_with(&small, &format!("{:>3}>", marks[0] + 1)).len() == 1,
        "{small}"
    );
    app.on_key(Key::PageUp);
    let up = screen(&app, 80, 24);
    assert_eq!(first_number(&up), top - 5, "{up}");
    app.on_key(Key::PageDown);
    assert_eq!(first_number(&screen(&app, 80, 24)), top);
}

#[test]
fn the_pool_pane_says_how_many_tasks_are_hidden_and_what_its_columns_mean() {
    let mut s = Script::new(
        "pool",
        &[("workers", "2"), ("tasks", "12"), ("mode", "map")],
    );
    s.workers(Role::PoolWorker, &["worker 0", "worker 1"]);
    for t in 0..12 {
        s.at(
            200,
            Event::TaskSubmitted {
                task: t,
                arg: t.to_string(),
            },
        );
    }
    s.at(
        201,
        Event::TaskStarted {
            task: 0,
            arg: "0".into(),
        },
    )
    .at(
        201,
        Event::TaskDone {
            task: 0,
            result: "0".into(),
            raised: false,
        },
    );
    for zh in [false, true] {
        let mut app = app_with(DemoKind::Pool, &s);
        if zh {
            app.lang = proclab::course::Lang::Zh;
        }
        let text = screen(&app, 80, 24);
        let (more, done, got) = if zh {
            (
                "个任务：按 e 放大本窗格",
                "完成#：完成的次序",
                "收到#：主进程收到的次序",
            )
        } else {
            (
                "more tasks: e expands this pane",
                "done#: order finished",
                "got#: order received",
            )
        };
        for what in [more, done, got] {
            assert_eq!(
                rows_with(&text, what).len(),
                1,
                "{what} whole on screen: {text}"
            );
        }
        // The count is the rows left out: the task numbers shown plus it make all 12.
        // A task row starts with its number in four columns, then its argument.
        let shown = text
            .lines()
            .filter(|l| {
                let row: Vec<char> = l.chars().skip(1).take(6).collect();
                row.len() == 6
                    && row[..4]
                        .iter()
                        .collect::<String>()
                        .trim()
                        .parse::<u32>()
                        .is_ok()
                    && row[4] == ' '
            })
            .count();
        let said = rows_with(&text, more)[0]
            .split(|c: char| !c.is_ascii_digit())
            .find_map(|n| n.parse::<usize>().ok())
            .expect("a number");
        assert_eq!(shown + said, 12, "{text}");
        if !zh {
            insta::assert_snapshot!(text);
        }
    }
}

#[test]
fn no_predict_puts_the_question_to_the_class_and_g_says_the_step() {
    let mut app = App {
        no_predict: true,
        ..App::default()
    };
    app.select(DemoKind::Lock);
    app.on_key(Key::Char('g'));
    app.on_key(Key::Char('2'));
    let text = screen(&app, 80, 24);
    assert!(text.contains("Step 2/"), "{text}");
    assert!(text.contains("now at step 2 of"), "{text}");
    assert!(
        text.contains("Ask the class: With the lock off, will the counter reach 80000?"),
        "{text}"
    );
    assert!(text.contains("yes / no"), "{text}");
    assert!(
        !text.contains("1) yes"),
        "no numbered answers to press: {text}"
    );
    insta::assert_snapshot!(text);
    app.lang = proclab::course::Lang::Zh;
    let text = screen(&app, 80, 24);
    assert!(text.contains("问全班："), "{text}");
}
