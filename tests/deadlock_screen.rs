//! The lock pane of the Deadlock lesson, drawn from a fixed event script: while two
//! processes wait for each other's lock it says DEADLOCK and draws the wait-for cycle;
//! once a timed acquire gave up, it says one was seen and broken.

use proclab::app::App;
use proclab::engine::demos::DemoKind;
use proclab::engine::protocol::{Event, Frame, ObjectKind, Role};
use proclab::ui::{self, Theme};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

fn frame(t_ms: u64, pid: i32, event: Event) -> Frame {
    Frame {
        t_us: 1_000_000 + t_ms * 1000,
        pid,
        event,
    }
}

fn screen(app: &App) -> String {
    let area = Rect::new(0, 0, 120, 40);
    let mut buf = Buffer::empty(area);
    ui::render(
        app,
        &Theme {
            color: false,
            ..Default::default()
        },
        area,
        &mut buf,
    );
    (0..area.height)
        .map(|y| {
            (0..area.width)
                .map(|x| buf[(x, y)].symbol().to_string())
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Main (200) names two locks; worker 0 (201) holds lock_a, worker 1 (202) lock_b; each
/// then waits for the other's.
fn crossed() -> Vec<Frame> {
    let mut f = vec![frame(
        0,
        200,
        Event::RunStarted {
            demo: "deadlock".into(),
            params: vec![("mode".into(), "locks".into())],
            runner_pid: 100,
            main_pid: 200,
        },
    )];
    for (pid, ppid, role, label) in [
        (200, 100, Role::Main, "main"),
        (201, 200, Role::Worker, "worker 0"),
        (202, 200, Role::Worker, "worker 1"),
    ] {
        f.push(frame(
            1,
            pid,
            Event::Spawned {
                ppid,
                role,
                label: label.into(),
                start_method: "fork".into(),
            },
        ));
    }
    for (id, name) in [(1, "lock_a"), (2, "lock_b")] {
        f.push(frame(
            2,
            200,
            Event::Named {
                kind: ObjectKind::Lock,
                id,
                name: name.into(),
            },
        ));
    }
    for (pid, first, second) in [(201, 1, 2), (202, 2, 1)] {
        f.push(frame(
            3,
            pid,
            Event::LockAcquired {
                lock: first,
                waited_us: 0,
            },
        ));
        f.push(frame(4, pid, Event::LockWait { lock: second }));
    }
    f
}

fn app_after(frames: &[Frame]) -> App {
    let mut app = App::default();
    app.select(DemoKind::Deadlock);
    app.run_lesson = Some(app.lesson);
    for f in frames {
        app.on_frame(f);
    }
    app
}

#[test]
fn the_lock_pane_draws_the_wait_for_cycle_and_says_deadlock() {
    let s = screen(&app_after(&crossed()));
    assert!(s.contains("DEADLOCK: a wait-for cycle"), "{s}");
    assert!(
        s.contains("A holds lock_a, waits for lock_b (held by B)"),
        "{s}"
    );
    assert!(
        s.contains("B holds lock_b, waits for lock_a (held by A)"),
        "{s}"
    );
    assert!(s.contains("A -> B -> A"), "{s}");
    assert!(
        s.contains("waiting for lock_b"),
        "the tree says what A waits for: {s}"
    );
}

#[test]
fn once_a_timed_acquire_gave_up_the_pane_says_the_deadlock_was_broken() {
    let mut frames = crossed();
    frames.push(frame(
        3004,
        201,
        Event::SyncDone {
            kind: ObjectKind::Lock,
            id: 2,
            ok: false,
        },
    ));
    frames.push(frame(3005, 201, Event::LockReleased { lock: 1 }));
    frames.push(frame(
        3006,
        202,
        Event::LockAcquired {
            lock: 1,
            waited_us: 3_000_000,
        },
    ));
    let s = screen(&app_after(&frames));
    assert!(!s.contains("DEADLOCK:"), "{s}");
    assert!(
        s.contains("a deadlock was seen (wait-for cycle), then broken"),
        "{s}"
    );
    assert!(s.contains("released lock_a"), "A let lock_a go: {s}");
    assert!(s.contains("holds lock_a"), "and B took it: {s}");
}
