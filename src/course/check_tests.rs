//! Tests of [`super`]: the lesson checker on the shipped lessons and on broken copies.

use super::*;

fn repo_lessons() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("lessons")
}

#[test]
fn the_shipped_lessons_are_clean() {
    let (_, problems) = check_dir(&repo_lessons());
    assert!(problems.is_empty(), "{problems:#?}");
}

fn broken(name: &str, edit: impl FnOnce(&Path)) -> Vec<Problem> {
    let root = std::env::temp_dir().join(format!("proclab-lessons-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    let dir = root.join("05-lock");
    std::fs::create_dir_all(&dir).expect("dir");
    for f in ["lesson.toml", "en.md", "zh.md", "demo.py"] {
        std::fs::copy(repo_lessons().join("05-lock").join(f), dir.join(f)).expect("copy");
    }
    edit(&dir);
    let (_, problems) = check_dir(&root);
    let _ = std::fs::remove_dir_all(&root);
    problems
}

fn rewrite(dir: &Path, from: &str, to: &str) {
    let p = dir.join("lesson.toml");
    let t = std::fs::read_to_string(&p).expect("read");
    assert!(t.contains(from), "{from}");
    std::fs::write(&p, t.replacen(from, to, 1)).expect("write");
}

#[test]
fn bad_toml_is_reported_with_its_line() {
    let p = broken("toml", |d| rewrite(d, "[params]", "[params"));
    assert_eq!(p.len(), 1, "{p:?}");
    assert!(p[0].message.starts_with("bad TOML"), "{}", p[0]);
    assert_eq!(p[0].line, Some(5));
}

#[test]
fn an_unknown_demo_names_the_valid_ones() {
    let p = broken("demo", |d| {
        rewrite(d, "demo = \"lock\"", "demo = \"locks\"")
    });
    assert_eq!(p.len(), 1, "{p:?}");
    assert!(
        p[0].to_string()
            .contains("lesson.toml:3: unknown demo 'locks'"),
        "{}",
        p[0]
    );
    assert!(p[0].message.contains("process, queue, pool"), "{}", p[0]);
}

#[test]
fn a_step_pointing_nowhere_and_a_wrong_answer_are_found() {
    let p = broken("step", |d| {
        rewrite(d, "pane = \"demo\"", "pane = \"counter\"");
        rewrite(d, "answer = \"no\"", "answer = \"maybe\"");
    });
    assert_eq!(p.len(), 2, "{p:?}");
    // Both problems are reported at the [[steps]] header of the step that has them.
    let text = std::fs::read_to_string(repo_lessons().join("05-lock/lesson.toml")).expect("read");
    let lines: Vec<&str> = text.lines().collect();
    let pane_at = lines
        .iter()
        .position(|l| l.contains("pane = \"demo\""))
        .expect("a step with pane demo");
    let header = lines[..pane_at]
        .iter()
        .rposition(|l| l.trim() == "[[steps]]")
        .expect("its header")
        + 1;
    assert!(p.iter().all(|x| x.line == Some(header)), "{p:?}");
    assert!(
        p.iter()
            .any(|x| x.message.contains("pane 'counter' points nowhere"))
    );
    assert!(p.iter().any(|x| x.message.contains("answer 'maybe'")));
}

#[test]
fn chinese_choices_must_pair_with_the_choices() {
    let p = broken("zh-choices", |d| {
        rewrite(
            d,
            "choices_zh = [\"会\", \"不会\"]",
            "choices_zh = [\"会\"]",
        )
    });
    assert_eq!(p.len(), 1, "{p:?}");
    assert!(
        p[0].message
            .contains("choices_zh has 1 entries, choices has 2"),
        "{}",
        p[0]
    );
}

#[test]
fn choices_other_than_yes_and_no_need_their_chinese() {
    let p = broken("zh-missing", |d| {
        rewrite(
            d,
            "choices = [\"yes\", \"no\"], choices_zh = [\"会\", \"不会\"], answer = \"no\"",
            "choices = [\"reaches it\", \"stays below\"], answer = \"stays below\"",
        )
    });
    assert_eq!(p.len(), 1, "{p:?}");
    assert!(p[0].message.contains("need choices_zh"), "{}", p[0]);
    // A plain yes/no is said in Chinese without them: nothing to report.
    let p = broken("zh-yesno", |d| {
        rewrite(d, ", choices_zh = [\"会\", \"不会\"]", "")
    });
    assert!(p.is_empty(), "{p:?}");
}

#[test]
fn a_missing_language_file_and_bad_params_are_found() {
    let p = broken("files", |d| {
        std::fs::remove_file(d.join("zh.md")).expect("remove");
        rewrite(d, "iterations = 20000", "iterations = 20000\ntasks = 3");
    });
    assert_eq!(p.len(), 2, "{p:?}");
    assert!(
        p.iter()
            .any(|x| x.file.ends_with("zh.md") && x.message.contains("missing"))
    );
    assert!(p.iter().any(|x| {
        x.message
            .contains("--tasks does not apply to the lock demo")
    }));
}

#[test]
fn a_find_that_matches_no_line_of_the_program_is_reported_with_the_file() {
    let p = broken("find-missing", |d| {
        rewrite(
            d,
            "action = \"read\"",
            "action = \"read\"\nfind = [\"counter.value += 1\", \"counter.value =+ 1\"]",
        )
    });
    assert_eq!(p.len(), 1, "{p:?}");
    let steps_line = include_str!("../../lessons/05-lock/lesson.toml")
        .lines()
        .position(|l| l.trim() == "[[steps]]")
        .map(|i| i + 1);
    assert_eq!(p[0].line, steps_line, "the step's [[steps]] line: {}", p[0]);
    assert!(
        p[0].message.contains("find 'counter.value =+ 1'") && p[0].message.contains("demo.py"),
        "{}",
        p[0]
    );
    // Lines as written in demo.py, several at once, indentation aside: found.
    let p = broken("find-ok", |d| {
        rewrite(
            d,
            "action = \"read\"",
            "action = \"read\"\nfind = \"\"\"\nwith lock:\n    counter.value += 1\n\"\"\"",
        )
    });
    assert!(p.is_empty(), "{p:?}");
}
