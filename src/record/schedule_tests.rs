//! Tests of [`super`]: reading a schedule out of step-mode frames and playing it on
//! new processes.

use super::*;

fn f(pid: i32, event: Event) -> Frame {
    Frame {
        t_us: 0,
        pid,
        event,
    }
}

fn spawned(pid: i32, role: Role, label: &str) -> Frame {
    f(
        pid,
        Event::Spawned {
            ppid: 1,
            role,
            label: label.into(),
            start_method: "fork".into(),
        },
    )
}

fn started(step: bool) -> Frame {
    f(
        10,
        Event::RunStarted {
            demo: "lock".into(),
            params: vec![
                ("workers".into(), "2".into()),
                ("iterations".into(), "3".into()),
                ("lock".into(), "false".into()),
                ("mode".into(), "counter".into()),
                ("tempo_ms".into(), "0".into()),
                ("step".into(), step.to_string()),
            ],
            runner_pid: 1,
            main_pid: 10,
        },
    )
}

fn point(pid: i32, op: Op) -> Frame {
    f(
        pid,
        Event::StepPoint {
            op,
            detail: String::new(),
        },
    )
}

fn read(pid: i32, v: i32) -> Frame {
    f(
        pid,
        Event::SharedRead {
            name: "counter".into(),
            index: 0,
            value: crate::engine::protocol::Scalar::I32(v),
        },
    )
}

fn step(pid: i32) -> Frame {
    f(pid, Event::User(UserAction::Step))
}

#[test]
fn a_schedule_is_replayed_on_new_pids_one_operation_at_a_time() {
    // By hand: worker 1 reads, worker 0 reads, worker 1 goes on to write.
    let recorded = vec![
        started(true),
        spawned(10, Role::Main, "main"),
        spawned(11, Role::Worker, "worker 0"),
        spawned(12, Role::Worker, "worker 1"),
        point(11, Op::Read),
        point(12, Op::Read),
        step(12),
        read(12, 0),
        point(12, Op::Write),
        step(11),
        read(11, 0),
        point(11, Op::Write),
        step(12),
    ];
    let s = Schedule::from_frames(recorded).expect("a schedule");
    assert_eq!(s.steps(), 3);
    assert_eq!(s.params.workers, Some(2));
    assert!(!s.params.lock());
    let mut p = Player::new(s);
    // The new run: other PIDs, and worker 1 announces itself first.
    for (pid, role, label) in [
        (20, Role::Main, "main"),
        (22, Role::Worker, "worker 1"),
        (21, Role::Worker, "worker 0"),
    ] {
        assert!(p.on_frame(&spawned(pid, role, label)).is_empty());
    }
    assert!(
        p.on_frame(&point(21, Op::Read)).is_empty(),
        "worker 1 goes first"
    );
    assert_eq!(p.on_frame(&point(22, Op::Read)), vec![Do::Step(22)]);
    // Worker 0 goes only once worker 1 has done its read and waits again.
    assert!(p.ready().is_empty());
    assert!(p.on_frame(&read(22, 0)).is_empty());
    assert_eq!(p.on_frame(&point(22, Op::Write)), vec![Do::Step(21)]);
    assert!(p.on_frame(&read(21, 0)).is_empty());
    assert_eq!(p.on_frame(&point(21, Op::Write)), vec![Do::Step(22)]);
    assert!(p.finished());
    assert!(
        p.past_the_end(),
        "worker 0 still waits: the recording has no more"
    );
}

#[test]
fn the_order_kept_is_the_order_the_operations_happened_in() {
    // Both let go at once; worker 1 read first.
    let recorded = vec![
        started(true),
        spawned(11, Role::Worker, "worker 0"),
        spawned(12, Role::Worker, "worker 1"),
        point(11, Op::Read),
        point(12, Op::Read),
        step(11),
        step(12),
        read(12, 0),
        read(11, 0),
    ];
    let s = Schedule::from_frames(recorded).expect("schedule");
    let who: Vec<String> = s
        .moves
        .iter()
        .filter_map(|m| match m {
            Move::Step { who, .. } => Some(who.to_string()),
            _ => None,
        })
        .collect();
    assert_eq!(who, vec!["worker 1", "worker 0"]);
}

#[test]
fn a_process_that_ends_before_its_step_ends_the_schedule() {
    let recorded = vec![
        started(true),
        spawned(11, Role::Worker, "worker 0"),
        spawned(12, Role::Worker, "worker 1"),
        point(12, Op::Read),
        step(12),
        read(12, 0),
    ];
    let mut p = Player::new(Schedule::from_frames(recorded).expect("schedule"));
    p.on_frame(&spawned(21, Role::Worker, "worker 0"));
    p.on_frame(&spawned(22, Role::Worker, "worker 1"));
    p.on_frame(&point(21, Op::Read));
    p.on_frame(&f(
        22,
        Event::Exited {
            status: crate::engine::protocol::ExitStatus::Code(0),
        },
    ));
    assert!(p.ready().is_empty());
    assert!(
        p.diverged().is_some_and(|d| d.contains("worker 1 ended")),
        "{:?}",
        p.diverged()
    );
}

#[test]
fn a_run_that_goes_another_way_is_reported() {
    let recorded = vec![
        started(true),
        spawned(11, Role::Worker, "worker 0"),
        point(11, Op::Read),
        f(11, Event::User(UserAction::Step)),
    ];
    let mut p = Player::new(Schedule::from_frames(recorded).expect("schedule"));
    p.on_frame(&spawned(31, Role::Worker, "worker 0"));
    assert!(p.on_frame(&point(31, Op::Write)).is_empty());
    assert!(
        p.diverged().is_some_and(|d| d.contains("Read")),
        "{:?}",
        p.diverged()
    );
}

#[test]
fn runs_without_steps_or_not_started_stepping_are_refused_with_why() {
    let free = vec![started(false), spawned(11, Role::Worker, "worker 0")];
    let e = Schedule::from_frames(free).expect_err("refused");
    assert!(e.contains("step mode"), "{e}");
    let idle = vec![started(true), spawned(11, Role::Worker, "worker 0")];
    let e = Schedule::from_frames(idle).expect_err("refused");
    assert!(e.contains("no steps"), "{e}");
}

#[test]
fn recorded_parameters_round_trip_through_their_words() {
    for d in DemoKind::ALL {
        let mut p = Params::new(d);
        p.step = true;
        p.tempo_ms = 20;
        let back = params_from_resolved(d.name(), &p.resolved()).expect("parses");
        assert_eq!(back.resolved(), p.resolved(), "{}", d.name());
    }
    let e = params_from_resolved("lock", &[("workers".into(), "99999999999".into())])
        .expect_err("too big");
    assert!(e.contains("workers=99999999999"), "{e}");
}
