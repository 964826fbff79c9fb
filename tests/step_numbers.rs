//! Step mode's numbers in the lock lesson: `1` is A and `2` is B for the whole run, while
//! either waits at its gate, blocks on the lock or runs. Made-up PIDs and times.

#[path = "common/screen.rs"]
mod drawn;
use drawn::screen;
use proclab::app::{App, Command, Key};
use proclab::engine::demos::DemoKind;
use proclab::engine::protocol::{Event, Frame, Op, Role};

/// Feeds frames 10 ms apart to the app.
struct Feed {
    t: u64,
    app: App,
}

impl Feed {
    fn new() -> Self {
        let mut app = App::default();
        app.select(DemoKind::Lock);
        app.run_lesson = Some(app.lesson);
        let mut feed = Feed { t: 1_000_000, app };
        feed.at(
            100,
            Event::RunStarted {
                demo: "lock".into(),
                params: vec![("lock".into(), "true".into())],
                runner_pid: 100,
                main_pid: 200,
            },
        );
        for (pid, ppid, role, label) in [
            (200, 100, Role::Main, "main"),
            (201, 200, Role::Worker, "worker 0"),
            (202, 200, Role::Worker, "worker 1"),
        ] {
            feed.at(
                pid,
                Event::Spawned {
                    ppid,
                    role,
                    label: label.into(),
                    start_method: "fork".into(),
                },
            );
        }
        feed
    }

    fn at(&mut self, pid: i32, event: Event) -> &mut Self {
        self.t += 10_000;
        self.app.on_frame(&Frame {
            t_us: self.t,
            pid,
            event,
        });
        self
    }

    fn gate(&mut self, pid: i32, op: Op, detail: &str) -> &mut Self {
        self.at(
            pid,
            Event::StepPoint {
                op,
                detail: detail.into(),
            },
        )
    }

    /// Press the keys; what the last one asks of the runner.
    fn keys(&mut self, keys: &[Key]) -> Vec<Command> {
        keys.iter()
            .map(|k| self.app.on_key(*k))
            .last()
            .unwrap_or_default()
    }
}

/// The step list's line for a worker, from its number to the end of the pane.
fn listed(text: &str, number: usize, letter: char) -> String {
    let head = format!(" {number}) {letter} ");
    text.lines()
        .find_map(|l| l.find(&head).map(|i| l[i..].to_string()))
        .unwrap_or_else(|| panic!("no {head:?} in the step list:\n{text}"))
}

#[test]
fn numbers_stay_put_while_a_worker_blocks_on_the_lock() {
    let mut f = Feed::new();
    f.keys(&[Key::Char(' ')]);
    // B reaches its gate before A: B is still 2.
    f.gate(202, Op::Acquire, "acquire lock");
    let s = screen(&f.app, 120, 40);
    assert!(listed(&s, 2, 'B').contains("next: acquire lock"), "{s}");
    assert!(!s.contains(" 1) B "), "{s}");
    f.gate(201, Op::Acquire, "acquire lock");

    // B takes the lock and stops before reading.
    assert_eq!(
        f.keys(&[Key::Char('2'), Key::Enter]),
        vec![Command::Step(202)]
    );
    f.at(
        202,
        Event::LockAcquired {
            lock: 0,
            waited_us: 0,
        },
    );
    f.gate(202, Op::Read, "read counter");
    // A asks for the lock B holds: it blocks, no longer at a gate.
    assert_eq!(
        f.keys(&[Key::Char('1'), Key::Enter]),
        vec![Command::Step(201)]
    );
    f.at(201, Event::LockWait { lock: 0 });
    let s = screen(&f.app, 120, 40);
    assert!(
        listed(&s, 1, 'A').contains("not at its gate: waiting"),
        "{s}"
    );
    assert!(listed(&s, 2, 'B').contains("next: read counter"), "{s}");
    // A stays chosen: Enter does not step B behind the user's back.
    assert_eq!(f.keys(&[Key::Enter]), vec![]);
    let said = f.app.message.clone().unwrap_or_default();
    assert!(said.contains("A is not at its gate"), "{said}");
    // 2 is still B.
    assert_eq!(
        f.keys(&[Key::Char('2'), Key::Enter]),
        vec![Command::Step(202)]
    );
    insta::assert_snapshot!(screen(&f.app, 80, 24));

    // B releases; A gets the lock and reaches its next gate: still 1.
    f.at(202, Event::LockReleased { lock: 0 });
    f.at(
        201,
        Event::LockAcquired {
            lock: 0,
            waited_us: 30_000,
        },
    );
    f.gate(201, Op::Read, "read counter");
    let s = screen(&f.app, 120, 40);
    assert!(listed(&s, 1, 'A').contains("next: read counter"), "{s}");
    assert!(listed(&s, 2, 'B').contains("not at its gate"), "{s}");
    assert_eq!(
        f.keys(&[Key::Char('1'), Key::Enter]),
        vec![Command::Step(201)]
    );
}

#[test]
fn tab_moves_between_waiting_processes_by_number() {
    let mut f = Feed::new();
    f.keys(&[Key::Char(' ')]);
    f.gate(202, Op::Acquire, "acquire lock");
    f.gate(201, Op::Acquire, "acquire lock");
    // Nothing chosen yet: the first waiting one by number, A.
    assert_eq!(f.app.selected_pid(), Some(201));
    f.keys(&[Key::Tab]);
    assert_eq!(f.app.selected_pid(), Some(202));
    f.keys(&[Key::Tab]);
    assert_eq!(f.app.selected_pid(), Some(201));
    f.keys(&[Key::BackTab]);
    assert_eq!(f.app.selected_pid(), Some(202));
    // A blocks: Tab from A goes to the next waiting one, B.
    f.keys(&[Key::Char('1')]);
    f.at(201, Event::LockWait { lock: 0 });
    assert_eq!(
        f.app.selected_pid(),
        None,
        "A is chosen and not at its gate"
    );
    f.keys(&[Key::Tab]);
    assert_eq!(f.app.selected_pid(), Some(202));
}
