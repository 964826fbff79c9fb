//! A lesson's own demo.py under the probe (the app's `R`) fills the lesson's pane as the
//! native demo does: the events of a real run, fed to the real App and drawn.

mod common;

use common::python::have_python;
use common::run_json;
use common::screen::screen;
use proclab::app::App;
use proclab::engine::demos::DemoKind;
use proclab::engine::protocol::{Event, Frame, Outcome};

/// The lesson's demo.py run headless under the probe.
fn run_demo(demo: &str) -> Vec<Frame> {
    run_json(&["--runner", "python", demo]).frames
}

/// The app at the lesson, after taking in `frames`.
fn app_after(demo: DemoKind, frames: &[Frame]) -> App {
    let mut app = App::default();
    app.select(demo);
    app.run_lesson = Some(app.lesson);
    for f in frames {
        app.on_frame(f);
    }
    app
}

#[test]
fn manager_pane_follows_the_count_through_the_proxies_and_shows_both_results() {
    if !have_python() {
        return;
    }
    let frames = run_demo("manager");
    let first = frames
        .iter()
        .position(|f| matches!(f.event, Event::Outcome(Outcome::Counter { .. })))
        .expect("demo.py printed a count");
    // Before the first result: the count as the workers write it through the proxy.
    let app = app_after(DemoKind::Manager, &frames[..first]);
    let text = screen(&app, 200, 60);
    assert!(text.contains("d['count'] now: "), "{text}");
    // At the end: the lock-off result and the lock-on one, each with its verdict.
    let app = app_after(DemoKind::Manager, &frames);
    let text = screen(&app, 200, 60);
    assert_eq!(
        text.matches("d['count']: ").count(),
        2,
        "one line per result: {text}"
    );
    assert!(text.contains("(lock off)"), "{text}");
    assert!(
        text.contains("exact: every update counted (lock on)"),
        "{text}"
    );
    // The Manager's lock is a proxy: no line says a native lock was never taken.
    assert!(!text.contains("acquisitions seen: 0"), "{text}");
}

#[test]
fn start_methods_table_is_filled_from_what_the_probe_timed() {
    if !have_python() {
        return;
    }
    let frames = run_demo("start");
    let app = app_after(DemoKind::Start, &frames);
    let run = app.shown();
    let rows = run.start_rows();
    for method in ["fork", "spawn", "forkserver"] {
        let r = rows
            .iter()
            .find(|r| r.method == method)
            .unwrap_or_else(|| panic!("a {method} row: {rows:?}"));
        assert!(r.latency_us > 0, "{r:?}");
        let parent = &run.procs[&r.ppid];
        if method == "forkserver" {
            assert_eq!(parent.label, "forkserver", "{r:?}");
            assert_eq!(r.parent, "forkserver");
        } else {
            assert_eq!(r.ppid, run.main_pid, "{r:?}");
            assert_eq!(r.parent, "main");
        }
        // What the child printed: only fork saw main's change.
        let want = if method == "fork" {
            "changed by main"
        } else {
            "default"
        };
        assert_eq!(r.config, want, "{r:?}");
    }
    let text = screen(&app, 200, 60);
    for method in ["A fork ", " spawn ", " forkserver "] {
        assert!(text.contains(method), "{method}: {text}");
    }
}

#[test]
fn an_orphan_moves_under_its_new_parent() {
    if !have_python() {
        return;
    }
    let frames = run_demo("lifecycle");
    let app = app_after(DemoKind::Lifecycle, &frames);
    let run = app.shown();
    // The orphan prints the PPID the kernel gave it once its parent was killed.
    let (orphan, after) = run
        .output
        .iter()
        .find_map(|(pid, _, line)| {
            let n = line.strip_prefix("orphan: ppid after ")?;
            Some((*pid, n.split_whitespace().next()?.parse::<i32>().ok()?))
        })
        .expect("the orphan said its new parent");
    assert_eq!(
        run.procs[&orphan].ppid, after,
        "the tree follows the kernel"
    );
    assert!(
        run.tree().contains(&(orphan, 0)),
        "drawn under proclab, not under its dead parent: {:?}",
        run.tree()
    );
    let text = screen(&app, 200, 60);
    assert!(
        text.contains(&format!("orphan {orphan}: PPID ")),
        "the children pane says it: {text}"
    );
}

#[test]
fn pool_table_says_in_which_order_the_caller_got_each_result() {
    if !have_python() {
        return;
    }
    let frames = run_demo("pool");
    let app = app_after(DemoKind::Pool, &frames);
    let run = app.shown();
    assert!(!run.tasks.is_empty());
    // map(square, range(8)) hands every result back in input order: the task of x
    // was got x-th, whichever worker finished it when.
    for t in &run.tasks {
        assert_eq!(
            t.delivered.map(|p| p.to_string()),
            Some(t.arg.clone()),
            "{:?}",
            run.tasks
        );
    }
    assert!(run.tasks.iter().all(|t| t.pid.is_some()), "{:?}", run.tasks);
}

#[test]
fn lock_pane_says_when_the_program_never_took_its_lock() {
    if !have_python() {
        return;
    }
    let off = run_demo("lock");
    let text = screen(&app_after(DemoKind::Lock, &off), 200, 60);
    assert!(
        text.contains("no process took this lock in this run"),
        "{text}"
    );
    let on = run_json(&["--runner", "python", "lock", "--", "--lock"]).frames;
    let text = screen(&app_after(DemoKind::Lock, &on), 200, 60);
    assert!(!text.contains("no process took this lock"), "{text}");
    assert!(text.contains("acquisitions seen: "), "{text}");
}
