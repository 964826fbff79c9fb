//! The timeline pane drawn from a fixed event script: every kind of strip (running,
//! runnable, blocked on a lock, a queue, an Event, a join or a recv, sleeping, at a step
//! gate, paused)
//! with its own glyph and a legend that lists exactly those, in English and in Chinese.
//! Made-up PIDs and times: nothing volatile reaches the snapshots.

#[path = "common/screen.rs"]
mod drawn;
use drawn::screen;
use proclab::app::{App, Key};
use proclab::engine::demos::DemoKind;
use proclab::engine::protocol::{
    Event, Frame, ObjectKind, Op, ProcSample, ProcSched, Role, Sample, Sched,
};

/// Frames 10 ms apart.
struct Script {
    t: u64,
    frames: Vec<Frame>,
}

impl Script {
    fn at(&mut self, pid: i32, event: Event) -> &mut Self {
        self.t += 10_000;
        self.frames.push(Frame {
            t_us: self.t,
            pid,
            event,
        });
        self
    }
}

/// The workers of the script: pid, label, kernel state, CPU %, µs on a core and µs
/// queued for one over each 250 ms sample.
const WORKERS: &[(i32, &str, char, f32, u64, u64)] = &[
    (201, "on a core", 'R', 97.0, 240_000, 4_000),
    (202, "queued", 'R', 20.0, 50_000, 190_000),
    (203, "lock", 'S', 0.0, 0, 0),
    (204, "queue", 'S', 0.0, 0, 0),
    (205, "event", 'S', 0.0, 0, 0),
    (206, "asleep", 'S', 0.0, 0, 0),
    (207, "gated", 'S', 0.0, 0, 0),
    (208, "paused", 'T', 0.0, 0, 0),
    (209, "join", 'S', 0.0, 0, 0),
    (210, "recv", 'S', 0.0, 0, 0),
];

fn script() -> Script {
    let mut s = Script {
        t: 1_000_000,
        frames: Vec::new(),
    };
    s.at(
        100,
        Event::RunStarted {
            demo: "sync".into(),
            params: vec![],
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
    for (pid, label, ..) in WORKERS {
        s.at(
            *pid,
            Event::Spawned {
                ppid: 200,
                role: Role::Worker,
                label: label.to_string(),
                start_method: "fork".into(),
            },
        );
    }
    s.at(203, Event::LockWait { lock: 0 });
    s.at(
        204,
        Event::QueueBlocked {
            queue: 0,
            op: Op::Get,
        },
    );
    s.at(
        205,
        Event::SyncWait {
            kind: ObjectKind::Event,
            id: 1,
        },
    );
    s.at(209, Event::JoinWait { child: 201 });
    s.at(
        210,
        Event::RecvWait {
            conn: "child_conn".into(),
        },
    );
    s.at(
        207,
        Event::StepPoint {
            op: Op::Read,
            detail: "read counter".into(),
        },
    );
    // The observer's figures, each sample after the scheduler's of the same interval.
    for _ in 0..30 {
        s.at(
            0,
            Event::Sched(Sched {
                interval_us: 250_000,
                procs: WORKERS
                    .iter()
                    .map(|w| ProcSched {
                        pid: w.0,
                        ran_us: w.4,
                        waited_us: w.5,
                    })
                    .collect(),
            }),
        );
        let mut procs = vec![ProcSample {
            pid: 200,
            ppid: 100,
            state: 'S',
            cpu: 0.0,
            rss_kb: 2048,
            core: 0,
        }];
        procs.extend(WORKERS.iter().map(|w| ProcSample {
            pid: w.0,
            ppid: 200,
            state: w.2,
            cpu: w.3,
            rss_kb: 2048,
            core: 0,
        }));
        s.at(
            0,
            Event::Sample(Sample {
                cores: vec![100.0],
                procs,
            }),
        );
    }
    s
}

/// The app after the script, with the timeline pane filling the screen.
fn timeline_app() -> App {
    let mut app = App::default();
    app.select(DemoKind::Sync);
    app.run_lesson = Some(app.lesson);
    for f in &script().frames {
        app.on_frame(f);
    }
    while app.expanded != Some(proclab::app::Pane::Timeline) {
        app.on_key(Key::Char('e'));
        assert!(app.expanded.is_some(), "the timeline pane can be expanded");
    }
    app
}

#[test]
fn every_state_has_its_own_glyph_and_the_legend_names_each() {
    let app = timeline_app();
    let text = screen(&app, 120, 24);
    // Each worker's strip ends in its own glyph.
    for (glyph, letter) in [
        ('#', 'A'),
        ('+', 'B'),
        ('L', 'C'),
        ('Q', 'D'),
        ('W', 'E'),
        ('.', 'F'),
        ('?', 'G'),
        ('T', 'H'),
        ('J', 'I'),
        ('P', 'J'),
    ] {
        let row = text
            .lines()
            .find(|l| l.contains(&format!("│{letter}  ")))
            .unwrap_or_else(|| panic!("no strip for {letter}:\n{text}"));
        let last = row.trim_end_matches('│').trim_end().chars().last();
        assert_eq!(last, Some(glyph), "{letter}: {row}");
    }
    for words in [
        "# running",
        "+ runnable, no free core",
        "L lock",
        "Q queue",
        "W wait",
        ". sleeping",
        "? step",
        "T paused",
        "J join",
        "P pipe recv",
    ] {
        assert!(text.contains(words), "legend lacks {words}:\n{text}");
    }
    insta::assert_snapshot!(text);
}

#[test]
fn the_legend_is_chinese_in_chinese_and_fits_at_80_columns() {
    let mut app = timeline_app();
    app.on_key(Key::Char('L'));
    let text = screen(&app, 80, 24);
    for words in ["# 运行", "+ 就绪，无空闲核", "L 等锁", "Q 等队列", ". 睡眠"] {
        assert!(text.contains(words), "legend lacks {words}:\n{text}");
    }
    insta::assert_snapshot!(text);
}

#[test]
fn without_scheduler_figures_the_legend_does_not_claim_runnable() {
    let mut app = App::default();
    app.select(DemoKind::Sync);
    app.run_lesson = Some(app.lesson);
    for f in script()
        .frames
        .iter()
        .filter(|f| !matches!(f.event, Event::Sched(_)))
    {
        app.on_frame(f);
    }
    while app.expanded != Some(proclab::app::Pane::Timeline) {
        app.on_key(Key::Char('e'));
    }
    let text = screen(&app, 120, 24);
    assert!(text.contains("# running"), "{text}");
    assert!(!text.contains("runnable"), "{text}");
    let b = text
        .lines()
        .find(|l| l.contains("│B  "))
        .expect("B's strip");
    assert!(!b.contains('+'), "R without figures is drawn running: {b}");
}
