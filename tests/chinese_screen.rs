//! The whole screen in Chinese: the real binary at 120x40 with `--lang zh`, a lesson run
//! to its end, and no English word on screen but the program's own (its code, its
//! processes' names and what they printed), the lesson's names and a few terms that
//! have no Chinese (PID, CPU...).

mod common;

use std::collections::BTreeSet;

use common::tui::Tui;
use proclab::course::{self, Lang, Lesson};

/// ASCII words of two letters or more (single letters are keys, glyphs and units).
fn words(text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut cur = String::new();
    for c in text.chars().chain(std::iter::once(' ')) {
        if c.is_ascii_alphanumeric() || c == '_' {
            cur.push(c);
        } else {
            // A run of one letter ("QQQQ") is the timeline's glyphs, and main's M then
            // letters in order ("MAB", "AB") a list of processes, not a word; a name with
            // a digit or an underscore (a segment's `proclab_psm_2817`) is the program's.
            let glyphs = cur.chars().all(|c| cur.starts_with(c));
            let letters = cur.strip_prefix('M').unwrap_or(&cur);
            let process_list = !letters.is_empty()
                && letters.bytes().all(|b| b.is_ascii_uppercase())
                && letters.as_bytes().windows(2).all(|w| w[0] < w[1]);
            let name = cur.contains(|c: char| c == '_' || c.is_ascii_digit());
            if cur.len() > 1
                && !glyphs
                && !process_list
                && !name
                && cur.starts_with(|c: char| c.is_ascii_alphabetic())
            {
                out.insert(std::mem::take(&mut cur));
            }
            cur.clear();
        }
    }
    out
}

/// What the screen may show in English for `lesson`: the lesson's own content (its
/// program, its text and steps, the titles of all lessons), the words of a real run of
/// the same demo (process names, what they printed), and terms without a Chinese word.
fn allowed(lessons: &[Lesson], lesson: &Lesson) -> Allowed {
    let mut ok = words(
        "proclab PID PPID CPU RSS ms CONFIG Python python3 GIL SIGTERM SIGKILL SIGINT \
         SIGSTOP SIGCONT EOFError demo.py Ctrl Tab Enter Esc Home End PgUp PgDn Up Down space",
    );
    let mut content: Vec<String> = lessons.iter().map(|l| l.title(Lang::Zh).into()).collect();
    content.push(lesson.demo_py.clone());
    content.push(lesson.text(Lang::Zh).into());
    for step in &lesson.def.steps {
        content.push(step.text.zh.clone());
        if let Some(p) = &step.prediction {
            content.push(p.zh.clone());
            // The choices as the screen shows them in Chinese.
            content.extend(p.choices.iter().map(|c| p.show(c, Lang::Zh).to_string()));
        }
    }
    // The mode names and parameters are the demo's own words (`--mode counter`).
    content.push(lesson.demo.modes().join(" "));
    content.push(toml::to_string(&lesson.def.params).unwrap_or_default());
    ok.extend(words(&content.join("\n")));
    let run = common::run_json(&[&lesson.def.demo]);
    for (_, _, _, label) in run.spawned() {
        ok.extend(words(&label));
    }
    let mut printed = BTreeSet::new();
    for line in run.output_lines() {
        printed.extend(words(&line));
    }
    Allowed { words: ok, printed }
}

struct Allowed {
    words: BTreeSet<String>,
    /// What the processes printed: the output pane breaks it where the width ends, as a
    /// terminal does, so a piece of one of these words is the program's too.
    printed: BTreeSet<String>,
}

/// `screen` without the cores pane's process markers: the letters after a core's load
/// ("100% MAB") are the processes on it, not a word.
fn without_core_markers(screen: &str) -> String {
    let mut out = String::new();
    let mut rest = screen;
    while let Some(i) = rest.find("% ") {
        out.push_str(&rest[..i + 2]);
        rest = rest[i + 2..].trim_start_matches(|c: char| c.is_ascii_uppercase() || c == '+');
    }
    out.push_str(rest);
    out
}

fn english_left(screen: &str, ok: &Allowed) -> Vec<String> {
    // Names on this screen (a segment's `proclab_psm_2817`), whose start may show alone
    // where a column ends.
    let names: Vec<&str> = screen
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|t| t.contains(|c: char| c == '_' || c.is_ascii_digit()))
        .collect();
    words(&without_core_markers(screen))
        .into_iter()
        .filter(|w| !ok.words.contains(w) && !ok.printed.iter().any(|p| p.contains(w.as_str())))
        .filter(|w| !names.iter().any(|n| n.starts_with(w.as_str())))
        .collect()
}

#[test]
fn a_lesson_run_in_chinese_shows_no_english_word_of_proclab_s_own() {
    let lessons = course::embedded();
    for id in [
        "lock",
        "queue",
        "pool",
        "process",
        "pipe",
        "manager",
        "start-methods",
        "lifecycle",
        "shm",
        "executor",
        "sync",
        "deadlock",
        "chunksize",
    ] {
        let i = course::find(&lessons, id).expect("lesson");
        let ok = allowed(&lessons, &lessons[i]);
        let mut t = Tui::start(&["--lesson", id, "--lang", "zh"], 120, 40);
        let ready = t.wait_for("就绪：按 r 运行");
        let left = english_left(&ready, &ok);
        assert!(left.is_empty(), "{id}, before a run: {left:?}\n{ready}");
        // Past the reading step and a prediction if the next step asks one (first
        // choice), then the run.
        t.keys("r");
        let next = t.wait_until("a prediction or a run", |s| {
            s.contains("预测：") || s.contains("运行中") || s.contains("已结束")
        });
        if next.contains("预测：") && !next.contains("你的回答") {
            let next = t.settled();
            let left = english_left(&next, &ok);
            assert!(left.is_empty(), "{id}, the prediction: {left:?}\n{next}");
            t.keys("1");
            t.keys("r");
        }
        t.wait_for("已结束");
        // The whole last frame, not one caught half written (the key bar's old tail).
        let ended = t.settled();
        let left = english_left(&ended, &ok);
        assert!(left.is_empty(), "{id}, after the run: {left:?}\n{ended}");
        t.keys("?");
        t.wait_for("不留下任何进程");
        // Only the help box (78 columns, centred): the panes behind it are cut by it.
        let help: Vec<String> = t.parser.screen().rows(21, 78).skip(6).take(28).collect();
        let help = help.join("\n");
        let left = english_left(&help, &ok);
        assert!(left.is_empty(), "{id}, the help: {left:?}\n{help}");
        t.keys("q");
        t.keys("q");
        t.wait_exit();
    }
}

#[test]
fn the_same_screen_in_english_is_caught_by_this_test() {
    // The check above must be able to fail: in English the words are not allowed.
    let lessons = course::embedded();
    let i = course::find(&lessons, "lock").expect("lesson");
    let ok = allowed(&lessons, &lessons[i]);
    let mut t = Tui::start(&["--lesson", "lock"], 120, 40);
    let ready = t.wait_for("ready: press r");
    let left = english_left(&ready, &ok);
    for w in ["press", "pace", "lessons", "mode"] {
        assert!(left.contains(&w.to_string()), "{w} caught: {left:?}");
    }
    t.keys("q");
    t.wait_exit();
}

#[test]
fn presenter_mode_in_chinese_shows_no_english_word_of_proclab_s_own() {
    let lessons = course::embedded();
    for id in ["lock", "pool", "process", "deadlock"] {
        let i = course::find(&lessons, id).expect("lesson");
        let mut ok = allowed(&lessons, &lessons[i]);
        // The step's pane may be the program, titled with its path (lessons/NN-slug/).
        ok.words.extend(words(&lessons[i].dir));
        let mut t = Tui::start(&["--present", "--lesson", id, "--lang", "zh"], 100, 30);
        let ready = t.wait_for("就绪：按 r 运行");
        let left = english_left(&ready, &ok);
        assert!(left.is_empty(), "{id}, before a run: {left:?}\n{ready}");
        t.keys("r");
        let next = t.wait_until("a prediction or a run", |s| {
            s.contains("预测：") || s.contains("运行中") || s.contains("已结束")
        });
        if next.contains("预测：") && !next.contains("你的回答") {
            let next = t.settled();
            let left = english_left(&next, &ok);
            assert!(left.is_empty(), "{id}, the prediction: {left:?}\n{next}");
            t.keys("1");
            t.keys("r");
        }
        t.wait_for("已结束");
        // The whole last frame, not one caught half written (the key bar's old tail).
        let ended = t.settled();
        let left = english_left(&ended, &ok);
        assert!(left.is_empty(), "{id}, after the run: {left:?}\n{ended}");
        // The pane chooser too.
        t.keys("v");
        let chooser = t.wait_for("窗格：1-");
        let left = english_left(&chooser, &ok);
        assert!(
            left.is_empty(),
            "{id}, the pane chooser: {left:?}\n{chooser}"
        );
        t.keys("q");
        t.wait_exit();
    }
}
