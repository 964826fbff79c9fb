//! The command line as a user meets it: help, listing, and clear errors for bad input.

mod common;

use std::process::Command;

use common::bin;

fn proclab(args: &[&str]) -> (Option<i32>, String, String) {
    let out = Command::new(bin()).args(args).output().expect("runs");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn list_names_every_demo_and_lesson() {
    let (code, out, _) = proclab(&["list"]);
    assert_eq!(code, Some(0));
    for d in proclab::engine::demos::DemoKind::ALL {
        let d = d.name();
        assert!(out.contains(&format!("  {d} ")), "{d} missing from:\n{out}");
    }
    for id in ["start-methods", "lifecycle"] {
        assert!(
            out.contains(&format!(" {id} ")),
            "lesson {id} missing from:\n{out}"
        );
    }
}

#[test]
fn list_says_which_start_method_the_native_demos_imitate() {
    let (code, out, _) = proclab(&["list"]);
    assert_eq!(code, Some(0));
    // A student comparing a native demo with demo.py must know it is not CPython's
    // default method: main is a fresh image, its workers are forked.
    assert!(
        out.contains("like spawn"),
        "main's method missing from:\n{out}"
    );
    assert!(
        out.contains("like fork"),
        "the workers' method missing from:\n{out}"
    );
}

#[test]
fn every_command_has_help() {
    for args in [
        &["--help"][..],
        &["run", "--help"],
        &["list", "--help"],
        &["bench", "--help"],
    ] {
        let (code, out, _) = proclab(args);
        assert_eq!(code, Some(0), "{args:?}");
        assert!(out.contains("Usage:"), "{args:?}: {out}");
    }
}

#[test]
fn an_unknown_demo_lists_the_valid_ones() {
    let (code, _, err) = proclab(&["run", "locks"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("invalid value 'locks'"), "{err}");
    assert!(
        err.contains("lock") && err.contains("pool") && err.contains("gil"),
        "{err}"
    );
}

#[test]
fn an_unknown_flag_is_an_error() {
    let (code, _, err) = proclab(&["run", "lock", "--frobnicate"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("--frobnicate"), "{err}");
}

#[test]
fn a_flag_for_another_demo_says_which_flags_apply() {
    let (code, _, err) = proclab(&["run", "lock", "--tasks", "3"]);
    assert_eq!(code, Some(2));
    assert!(
        err.contains("--tasks does not apply to the lock demo"),
        "{err}"
    );
    assert!(err.contains("--iterations"), "{err}");
}

#[test]
fn a_bad_mode_and_bad_numbers_are_refused() {
    let (code, _, err) = proclab(&["run", "pool", "--mode", "fast"]);
    assert_eq!(code, Some(2));
    assert!(
        err.contains("map, imap, unordered, maxtasksperchild"),
        "{err}"
    );
    let (code, _, err) = proclab(&["run", "lock", "--workers", "0"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("--workers must be between 1 and"), "{err}");
    let (code, _, err) = proclab(&["run", "lock", "--workers", "many"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("invalid value 'many'"), "{err}");
    let (code, _, _) = proclab(&["run", "lock", "--lock", "--no-lock"]);
    assert_eq!(code, Some(2));
}

#[test]
fn readable_output_ends_with_a_summary_line() {
    let (code, out, _) = proclab(&["run", "shared", "--workers", "2", "--iterations", "5"]);
    assert_eq!(code, Some(0));
    let last = out.lines().last().unwrap_or_default();
    assert!(
        last.contains("summary: shared demo, main exit code 0, 3 processes"),
        "{last}"
    );
    assert!(out.contains("result: value 10"), "{out}");
}

#[test]
fn the_internal_demo_command_refuses_to_run_by_hand() {
    let (code, _, err) = proclab(&["__demo"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("started by `proclab run`"), "{err}");
}

#[test]
fn lessons_check_passes_the_shipped_lessons_and_fails_an_empty_folder() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/lessons");
    let (code, out, _) = proclab(&["lessons", "check", dir]);
    assert_eq!(code, Some(0), "{out}");
    let n = proclab::course::EMBEDDED.len();
    assert!(out.contains(&format!("{n} lessons OK")), "{out}");
    let empty = std::env::temp_dir().join(format!("proclab-empty-{}", std::process::id()));
    std::fs::create_dir_all(&empty).expect("dir");
    let (code, out, _) = proclab(&["lessons", "check", empty.to_str().expect("utf-8")]);
    let _ = std::fs::remove_dir_all(&empty);
    assert_eq!(code, Some(1));
    assert!(out.contains("no lesson folders"), "{out}");
}

#[test]
fn a_broken_lessons_folder_is_refused_before_the_app_opens() {
    let root = std::env::temp_dir().join(format!("proclab-broken-course-{}", std::process::id()));
    let dir = root.join("01-mine");
    std::fs::create_dir_all(&dir).expect("dir");
    let shipped = concat!(env!("CARGO_MANIFEST_DIR"), "/lessons/05-lock");
    for f in ["en.md", "zh.md", "demo.py"] {
        std::fs::copy(format!("{shipped}/{f}"), dir.join(f)).expect("copy");
    }
    let toml = std::fs::read_to_string(format!("{shipped}/lesson.toml")).expect("read");
    std::fs::write(
        dir.join("lesson.toml"),
        toml.replace("demo = \"lock\"", "demo = \"locks\""),
    )
    .expect("write");
    let (code, _, err) = proclab(&["--lessons", root.to_str().expect("utf-8")]);
    let _ = std::fs::remove_dir_all(&root);
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("01-mine/lesson.toml:3: unknown demo 'locks'"),
        "{err}"
    );
}

#[test]
fn an_unknown_lesson_names_the_lessons() {
    let (code, _, err) = proclab(&["--lesson", "locks"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("no lesson 'locks'"), "{err}");
    assert!(err.contains("process, queue, pool"), "{err}");
}

/// A copy of two shipped lessons under `root`, as `01-<a>` and `02-<b>`.
fn two_lessons(root: &std::path::Path) {
    for (name, from) in [("01-mine", "05-lock"), ("02-other", "03-pool")] {
        let dir = root.join(name);
        std::fs::create_dir_all(&dir).expect("dir");
        let shipped = format!("{}/lessons/{from}", env!("CARGO_MANIFEST_DIR"));
        for f in ["en.md", "zh.md", "demo.py", "lesson.toml"] {
            std::fs::copy(format!("{shipped}/{f}"), dir.join(f)).expect("copy");
        }
    }
}

/// What a careless or hostile lesson folder can hold is told file by file, and nothing
/// makes the check wait: a FIFO, bytes that are not text, a NUL, a misnamed folder, two
/// lessons with one id, a value of megabytes.
#[test]
fn lessons_check_names_every_broken_file_and_never_blocks() {
    let tmp = tempfile::Builder::new()
        .prefix("proclab-test-course-")
        .tempdir()
        .expect("temp dir");
    let root = tmp.path();
    two_lessons(root);
    let fifo = root.join("01-mine/en.md");
    std::fs::remove_file(&fifo).expect("rm");
    nix::unistd::mkfifo(&fifo, nix::sys::stat::Mode::S_IRWXU).expect("mkfifo");
    std::fs::write(root.join("01-mine/zh.md"), b"# T\n\xe4\xb8\xad\xff").expect("write");
    std::fs::write(root.join("02-other/demo.py"), b"print(1)\0\n").expect("write");
    std::fs::write(root.join("01-mine/demo.py"), b"\n").expect("write");
    let toml = std::fs::read_to_string(root.join("02-other/lesson.toml")).expect("read");
    let huge = "x".repeat(5_000_000);
    std::fs::write(
        root.join("02-other/lesson.toml"),
        toml.replace("id = \"pool\"", "id = \"lock\"").replacen(
            "action = \"run\"",
            &format!("action = \"{huge}\""),
            1,
        ),
    )
    .expect("write");
    std::fs::create_dir_all(root.join("3-misnamed")).expect("dir");
    std::fs::copy(
        root.join("01-mine/lesson.toml"),
        root.join("3-misnamed/lesson.toml"),
    )
    .expect("copy");
    // The check must answer on its own: a FIFO opened for reading would wait forever.
    let mut child = Command::new(bin())
        .args(["lessons", "check", root.to_str().expect("utf-8")])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("runs");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while child.try_wait().expect("wait").is_none() {
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            panic!("lessons check blocked on the FIFO");
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let out = child.wait_with_output().expect("output");
    let out = String::from_utf8_lossy(&out.stdout);
    assert!(out.lines().count() < 20, "{out}");
    for want in [
        "01-mine/en.md: is a FIFO (named pipe), not a regular file",
        "01-mine/zh.md: not valid UTF-8 text (at byte 7)",
        "02-other/demo.py: contains a NUL byte (at byte 8)",
        "01-mine/demo.py: empty: the Python program has no text",
        "3-misnamed: holds a lesson.toml but is not read as a lesson",
        "01-mine/lesson.toml: id 'lock' is also the id of",
        "02-other/lesson.toml: id 'lock' is also the id of",
        "(5000000 characters)",
    ] {
        assert!(out.contains(want), "missing {want:?} in:\n{out}");
    }
    assert!(
        out.len() < 4000,
        "no value echoed whole: {} bytes",
        out.len()
    );
}

/// A program that is not a regular file gets one answer from `run --file` and `watch`.
#[test]
fn a_program_that_is_not_a_file_is_refused_alike_by_run_and_watch() {
    for args in [
        &["run", "--file", "/dev/null"][..],
        &["watch", "/dev/null"][..],
    ] {
        let (code, _, err) = proclab(args);
        assert_eq!(code, Some(2), "{args:?}: {err}");
        assert!(
            err.contains("/dev/null: is a device, not a regular file"),
            "{args:?}: {err}"
        );
    }
}

#[test]
fn negative_and_huge_numbers_are_refused_with_the_value_given() {
    let (code, _, err) = proclab(&["run", "lock", "--workers", "-1"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("'-1' is negative"), "{err}");
    let (code, _, err) = proclab(&["run", "lock", "-w", "4", "-n", "4611686018427387904"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("got 4 x 4611686018427387904"), "{err}");
}

/// The conventions of a command-line tool: shell completions that the shell accepts and
/// that know the subcommands, and a man page.
#[test]
fn completions_and_a_man_page_are_printed() {
    let (code, out, err) = proclab(&["completions", "bash"]);
    assert_eq!(code, Some(0), "{err}");
    assert!(out.contains("complete -F _proclab"), "{out}");
    for sub in ["run", "watch", "replay", "export", "lessons"] {
        assert!(out.contains(sub), "bash completion lacks {sub}");
    }
    // The shell itself parses it.
    if let Ok(st) = Command::new("bash").args(["-n", "-c", &out]).status() {
        assert!(st.success(), "bash rejects the completion script");
    }
    for shell in ["zsh", "fish"] {
        let (code, out, err) = proclab(&["completions", shell]);
        assert_eq!(code, Some(0), "{shell}: {err}");
        assert!(out.contains("watch"), "{shell}: {out}");
    }
    let (code, _, err) = proclab(&["completions", "nope"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("bash") && err.contains("fish"), "{err}");
    let (code, out, err) = proclab(&["man"]);
    assert_eq!(code, Some(0), "{err}");
    assert!(
        out.starts_with(".ie") || out.contains(".TH proclab 1"),
        "{out}"
    );
    assert!(
        out.contains(".TH proclab 1") && out.contains("watch"),
        "{out}"
    );
}

#[test]
fn a_bad_theme_lists_the_themes() {
    let (code, _, err) = proclab(&["--theme", "neon"]);
    assert_eq!(code, Some(2), "{err}");
    for t in ["dark", "light", "high-contrast"] {
        assert!(err.contains(t), "{t} in {err}");
    }
}

#[test]
fn at_step_past_the_lessons_last_step_is_refused_with_its_steps() {
    let (code, _, err) = proclab(&["--lesson", "lock", "--at-step", "9"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("lesson 'lock' has steps 1-") && err.contains("there is no step 9"),
        "{err}"
    );
    let (code, _, err) = proclab(&["--at-step", "2"]);
    assert_eq!(code, Some(2), "--at-step needs --lesson: {err}");
    assert!(err.contains("--lesson"), "{err}");
}
