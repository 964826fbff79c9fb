//! The real binary in a pseudo-terminal: keys in, screen read back with a terminal
//! emulator (vt100). No tmux needed.

mod common;

use std::time::Duration;

use common::tui::{Tui, number_after};
use common::{assert_group_gone, assert_no_shm_left};

#[test]
fn the_lock_lesson_loses_updates_without_the_lock_and_is_exact_with_it() {
    let mut t = Tui::start(&["--lesson", "lock"], 120, 40);
    t.wait_for("ready: press r");
    // Reading step done: the next step asks a prediction before the run.
    t.keys("r");
    t.wait_for("Predict: With the lock off, will the counter reach 80000?");
    t.keys("r");
    t.wait_for("first predict");
    t.keys("2");
    t.wait_for("you said: no");
    t.keys("r");
    let s = t.wait_for(" LOST (lock off)");
    t.wait_for("Your prediction was right");
    let actual = number_after(&s, "counter:");
    let expected = number_after(&s, &format!("counter: {actual} of"));
    assert!(actual < expected, "lock off: {actual} < {expected}");
    let main = number_after(&s, "main pid");

    t.keys("l");
    t.wait_for("lock ON");
    t.keys("r");
    let s = t.wait_for("every update counted");
    let actual = number_after(&s, "counter:");
    let expected2 = number_after(&s, &format!("counter: {actual} of"));
    assert_eq!(actual, expected2, "lock on: exact");
    assert_eq!(expected, expected2);
    let main2 = number_after(&s, "main pid");
    assert_ne!(main, main2, "a second run is a new process tree");

    t.keys("q");
    let st = t.wait_exit();
    assert!(st.success(), "q exits cleanly");
    assert!(
        !t.parser.screen().alternate_screen(),
        "terminal left the alternate screen"
    );
    assert!(!t.parser.screen().hide_cursor(), "the cursor shows again");
    assert_group_gone(main2 as i32);
    assert_no_shm_left();
}

#[test]
fn ctrl_c_while_a_demo_runs_quits_and_leaves_nothing_running() {
    let mut t = Tui::start(&["--lesson", "process"], 100, 30);
    t.wait_for("ready: press r");
    // Workers that would run for minutes (past the reading step and its prediction).
    t.keys("+");
    t.run_past_prediction();
    let s = t.wait_for("worker 2");
    let main = number_after(&s, "main pid");
    t.keys("\x03");
    t.wait_exit();
    assert!(!t.parser.screen().alternate_screen());
    assert_group_gone(main as i32);
}

#[test]
fn step_mode_lets_the_user_lose_an_update_by_hand() {
    // Wide enough that no step description wraps, narrow enough to have no code column.
    let mut t = Tui::start(&["--lesson", "lock"], 150, 48);
    t.wait_for("ready: press r");
    // Two workers, step mode on, run.
    t.keys("--");
    t.keys(" ");
    t.keys("r");
    t.wait_for("2) B");
    // The step list line of one worker: "N) G worker K (pid) next: ...".
    let about = |s: &str, worker: &str| -> String {
        s.lines()
            .find(|l| l.contains(&format!(" {worker} (")) && l.contains(") "))
            .unwrap_or_default()
            .to_string()
    };
    // A reads, B reads, A writes, B writes.
    t.keys("1\r");
    t.wait_until("A about to write 1", |s| {
        about(s, "worker 0").contains("next: write counter = 1 (read 0)")
    });
    t.keys("2\r");
    t.wait_until("B about to write 1", |s| {
        about(s, "worker 1").contains("next: write counter = 1 (read 0)")
    });
    t.keys("1\r");
    t.wait_for("counter now: 1");
    t.keys("2\r");
    let s = t.wait_until("B wrote too", |s| {
        !about(s, "worker 1").contains("next: write")
    });
    // Two increments done, and the shared counter says 1: one update lost, by hand.
    assert!(s.contains("counter now: 1 "), "{s}");
    // Leave step mode: both finish the rest at full speed and the run reports the total.
    t.keys(" ");
    t.wait_for(" LOST (lock off)");
    t.keys("q");
    t.wait_exit();
}

#[test]
fn sigterm_and_sighup_quit_cleanly_while_a_demo_runs() {
    for sig in [libc::SIGTERM, libc::SIGHUP] {
        let mut t = Tui::start(&["--lesson", "process"], 100, 30);
        t.wait_for("ready: press r");
        t.run_past_prediction();
        let s = t.wait_for("worker 1");
        let main = number_after(&s, "main pid");
        let pid = t.child.process_id().expect("pid") as i32;
        // SAFETY: signalling the child we started.
        unsafe { libc::kill(pid, sig) };
        t.wait_exit();
        assert!(
            !t.parser.screen().alternate_screen(),
            "terminal restored after signal {sig}"
        );
        assert_group_gone(main as i32);
    }
}

#[test]
fn a_panic_restores_the_terminal_and_kills_the_demo() {
    let mut t = Tui::start_with(
        &["--lesson", "process"],
        100,
        30,
        &[("PROCLAB_TEST_PANIC_ON_RUN", "1"), ("RUST_BACKTRACE", "0")],
    );
    t.wait_for("ready: press r");
    t.run_past_prediction();
    let st = t.wait_exit();
    assert!(!st.success(), "a panic is a failure exit");
    assert!(
        !t.parser.screen().alternate_screen(),
        "terminal restored after the panic"
    );
    assert!(
        !t.parser.screen().hide_cursor(),
        "the cursor shows again after the panic"
    );
    let s = t.screen();
    assert!(
        s.contains("PROCLAB_TEST_PANIC_ON_RUN"),
        "the panic message is readable:\n{s}"
    );
    // Whatever demo processes had started are gone.
    let left: Vec<String> = std::fs::read_dir("/proc")
        .expect("/proc")
        .flatten()
        .filter_map(|e| {
            std::fs::read_to_string(e.path().join("environ"))
                .ok()
                .map(|env| (e, env))
        })
        .filter(|(_, env)| {
            env.contains("PROCLAB_TEST_PANIC_ON_RUN") && env.contains("PROCLAB_PARAMS")
        })
        .map(|(e, _)| e.file_name().to_string_lossy().into_owned())
        .collect();
    std::thread::sleep(Duration::from_millis(300));
    let still: Vec<&String> = left
        .iter()
        .filter(|pid| {
            std::fs::read_to_string(format!("/proc/{pid}/stat"))
                .is_ok_and(|st| !st.contains(") Z "))
        })
        .collect();
    assert!(
        still.is_empty(),
        "demo processes survived the panic: {still:?}"
    );
}

#[test]
fn a_finished_lesson_is_remembered_and_the_app_reopens_at_the_next_one() {
    // Removed when the test ends, passed or failed.
    let tmp = tempfile::Builder::new()
        .prefix("proclab-progress-")
        .tempdir()
        .expect("temp dir");
    let data = tmp.path();
    let env = [("XDG_DATA_HOME", data.to_str().expect("utf-8 path"))];
    let mut t = Tui::start_with(&["--lesson", "process"], 120, 40, &env);
    t.wait_for("ready: press r");
    t.run_past_prediction();
    t.wait_for("ended: exit code 0");
    t.wait_for("✓ 1 Process");
    t.keys("q");
    t.wait_exit();
    let saved = std::fs::read_to_string(data.join("proclab/progress.json")).expect("saved");
    assert!(saved.contains("01-process"), "{saved}");

    // Reopened without --lesson: the mark is there and the next lesson is open.
    let mut t = Tui::start_with(&[], 120, 40, &env);
    let n = proclab::course::EMBEDDED.len();
    let s = t.wait_for(&format!("2/{n} Queue"));
    assert!(s.contains("✓ 1 Process"), "{s}");
    t.keys("q");
    t.wait_exit();

    // A corrupt file is reported, kept, and progress starts afresh.
    std::fs::write(data.join("proclab/progress.json"), "{ broken").expect("write");
    let mut t = Tui::start_with(&[], 120, 40, &env);
    let s = t.wait_for("kept as");
    assert!(s.contains(&format!("1/{n} Process")), "{s}");
    t.keys("q");
    t.wait_exit();
}

#[test]
fn watch_runs_a_students_program_and_shows_what_each_process_printed() {
    let have_python = std::process::Command::new("python3")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !have_python {
        eprintln!("skipped: no python3 on PATH (CI installs it)");
        return;
    }
    let tmp = tempfile::Builder::new()
        .prefix("proclab-watch-")
        .tempdir()
        .expect("temp dir");
    let dir = tmp.path();
    let script = dir.join("mine.py");
    std::fs::write(
        &script,
        "import multiprocessing as mp, os\n\
         def hello(n):\n    print(f'hello from child {n}')\n\
         if __name__ == '__main__':\n\
         \x20   ps = [mp.Process(target=hello, args=(i,)) for i in range(2)]\n\
         \x20   [p.start() for p in ps]; [p.join() for p in ps]\n\
         \x20   print('all joined')\n",
    )
    .expect("write");
    let path = script.to_str().expect("utf-8");
    let mut t = Tui::start_with(&["watch", path], 120, 40, &[]);
    t.wait_for("mine.py");
    t.keys("r");
    let s = t.wait_for("ended: exit code 0");
    assert!(s.contains(" PYTHON "), "{s}");
    let main = number_after(&s, "main pid");
    let s = t.wait_for("all joined");
    assert!(s.contains("hello from child 0"), "{s}");
    assert!(s.contains("Process-1"), "the children are in the tree: {s}");
    t.keys("q");
    t.wait_exit();
    assert_group_gone(main as i32);
}

/// The cores pane's rows: `  0 |||||     48% AB` — the letters after the percentage are
/// the processes the last sample found burning that core.
fn busy_letters(screen: &str) -> String {
    let mut out = String::new();
    for line in screen.lines() {
        // The cores pane is the box titled "cores"; its rows hold "|" bars and a "%".
        for cell in line.split('│') {
            let cell = cell.trim();
            if let Some((bar, rest)) = cell.split_once('%')
                && bar.contains('|')
            {
                out.extend(rest.chars().filter(|c| c.is_ascii_uppercase()));
            }
        }
    }
    out
}

#[test]
fn the_paced_lessons_are_still_running_a_second_after_r_with_a_busy_core() {
    for lesson in ["process", "queue", "pool", "shared", "lock", "manager"] {
        let mut t = Tui::start(&["--lesson", lesson], 120, 40);
        t.wait_for("ready: press r");
        // Past the reading step; answer the prediction where the run step has one.
        t.keys("r");
        let s = t.wait_until("the run step", |s| s.contains("Step 2/"));
        if s.contains("Predict:") {
            t.keys("1");
            t.wait_for("you said");
        }
        t.keys("r");
        let s = t.wait_until("running in the header", |s| {
            s.lines().next().unwrap_or("").contains("running")
        });
        let main = number_after(&s, "main pid");
        std::thread::sleep(Duration::from_secs(1));
        t.pump(Duration::from_millis(50));
        // A busy core shows within the next samples (every 250 ms), while it still runs.
        let s = t.wait_until("a busy core while running", |s| {
            !busy_letters(s).is_empty() || !s.lines().next().unwrap_or("").contains("running")
        });
        let header = s.lines().next().unwrap_or("").to_string();
        assert!(
            header.contains("running"),
            "{lesson}: a second after r the run should still be on:\n{s}"
        );
        assert!(
            !busy_letters(&s).is_empty(),
            "{lesson}: the cores pane shows no busy process:\n{s}"
        );
        // f: full speed for the next run, said on the next-run line.
        t.keys("f");
        t.wait_for("full speed (f)");
        t.keys("q");
        assert!(t.wait_exit().success(), "{lesson}: q exits cleanly");
        assert_group_gone(main as i32);
    }
}

#[test]
fn presenter_mode_shows_the_lock_runs_counter_in_big_digits_at_100x30() {
    let mut t = Tui::start(&["--present", "--lesson", "lock"], 100, 30);
    t.wait_for("ready: press r");
    t.run_past_prediction();
    // The lock pane, shown large, says the run's own counter; the figure above it
    // draws that number in big digits.
    let s = t.wait_for(" LOST (lock off)");
    let actual = number_after(&s, "counter:");
    let expected = number_after(&s, &format!("counter: {actual} of"));
    for (what, n) in [("counter", actual), ("updates lost", expected - actual)] {
        assert!(
            common::big::shows_big(&s, &n.to_string()),
            "the {what} {n} in big digits:\n{s}"
        );
    }
    let main = number_after(&s, "main pid");
    t.keys("q");
    let st = t.wait_exit();
    assert!(st.success(), "q exits cleanly");
    assert!(
        !t.parser.screen().alternate_screen(),
        "terminal left the alternate screen"
    );
    assert_group_gone(main as i32);
    assert_no_shm_left();
}

#[test]
fn no_predict_starts_the_run_at_once_while_the_question_is_on_screen() {
    let mut t = Tui::start(&["--lesson", "lock", "--no-predict"], 120, 40);
    t.wait_for("ready: press r");
    // A slow run, still going when the screen is read back.
    t.keys("]]]]");
    t.wait_for("tempo 200 ms");
    // One r: past the reading step, and the predicting step runs without an answer.
    t.keys("r");
    let s = t.wait_until("a run beside the question", |s| {
        s.contains("Ask the class: With the lock off, will the counter reach 80000?")
            && s.contains("main pid")
            && s.contains(" running ")
    });
    assert!(s.contains("yes / no"), "{s}");
    assert!(!s.contains("first predict"), "{s}");
    let main = number_after(&s, "main pid");
    t.keys("q");
    t.wait_exit();
    assert_group_gone(main as i32);
    assert_no_shm_left();
}

#[test]
fn x_twice_forgets_one_lesson_in_the_progress_file_and_keeps_the_others() {
    let data = tempfile::Builder::new()
        .prefix("proclab-pty-reset-")
        .tempdir()
        .expect("temp dir");
    let file = data.path().join("proclab").join("progress.json");
    std::fs::create_dir_all(file.parent().expect("dir")).expect("dir");
    std::fs::write(
        &file,
        r#"{"version": 1, "done": ["01-process", "05-lock"]}"#,
    )
    .expect("write");
    let home = data.path().to_string_lossy().into_owned();
    let mut t = Tui::start_with(
        &["--lesson", "lock"],
        120,
        40,
        &[("XDG_DATA_HOME", home.as_str())],
    );
    t.wait_for("ready: press r");
    t.keys("X");
    t.wait_for("X again or y resets Lock");
    t.keys("y");
    t.wait_for("progress forgotten");
    let read = || std::fs::read_to_string(&file).unwrap_or_default();
    t.wait_until("the file without the lock lesson", |_| {
        let p = read();
        p.contains("01-process") && !p.contains("05-lock")
    });
    t.keys("q");
    t.wait_exit();
}

/// The screen follows the terminal's size while a run goes: drawn whole at the new size,
/// its bottom line the key bar, its right edge the panes' borders, nothing of the old
/// size left over.
#[test]
fn a_resized_terminal_gets_the_whole_screen_at_its_new_size() {
    let mut t = Tui::start(&["--lesson", "lock"], 100, 30);
    t.wait_for("ready: press r");
    t.run_past_prediction();
    t.wait_for("running");
    for (cols, rows) in [(150u16, 45u16), (90, 28)] {
        t.resize(cols, rows);
        t.wait_until(&format!("the screen at {cols}x{rows}"), |s| {
            let lines: Vec<&str> = s.lines().collect();
            lines.len() == rows as usize
                && lines[rows as usize - 1].contains("q quit")
                && lines[1].chars().count() == cols as usize
                && lines[1].ends_with('┐')
        });
        let s = t.settled();
        let lines: Vec<&str> = s.lines().collect();
        // Every row but the header and the key bar lies between two borders.
        for (i, l) in lines.iter().enumerate().take(rows as usize - 1).skip(1) {
            let last = l.chars().last();
            assert!(
                matches!(last, Some('┐' | '│' | '┘')),
                "row {i} at {cols}x{rows} ends inside a pane: {l:?}\n{s}"
            );
        }
    }
    t.keys("q");
    assert!(t.wait_exit().success());
}
