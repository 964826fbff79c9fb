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
