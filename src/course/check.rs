//! The lesson checker: `proclab lessons check DIR` lists every problem with its file and
//! line, so an instructor can fix a lesson without reading Rust. The tests are in
//! `check_tests.rs`.

use std::path::{Path, PathBuf};

use clap::ValueEnum;

use crate::course::format::{LessonFile, PANES, params_from};
use crate::engine::demos::DemoKind;

/// One problem found in a lesson folder.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    pub file: PathBuf,
    /// 1-based line, when the problem has one.
    pub line: Option<usize>,
    pub message: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let message = clip_quoted(&self.message);
        match self.line {
            Some(l) => write!(f, "{}:{l}: {message}", self.file.display()),
            None => write!(f, "{}: {message}", self.file.display()),
        }
    }
}

/// Longest quoted value a message repeats whole.
const QUOTED_MAX: usize = 60;

/// A message with each long quoted value (between `'…'` or `` `…` ``) cut to its start
/// and its length: a 5 MB value written by mistake must not be echoed back whole.
fn clip_quoted(message: &str) -> String {
    let mut out = String::with_capacity(message.len().min(1024));
    let mut rest = message;
    while let Some(open) = rest.find(['\'', '`']) {
        let q = rest[open..].chars().next().unwrap_or('\'');
        out.push_str(&rest[..=open]);
        let after = &rest[open + 1..];
        let Some(close) = after.find(q) else {
            rest = after;
            continue;
        };
        let value = &after[..close];
        let chars = value.chars().count();
        if chars > QUOTED_MAX {
            out.extend(value.chars().take(QUOTED_MAX / 2));
            out.push_str(&format!("… ({chars} characters)"));
        } else {
            out.push_str(value);
        }
        out.push(q);
        rest = &after[close + 1..];
    }
    out.push_str(rest);
    out
}

/// 1-based line of byte offset `at` in `text`.
fn line_of(text: &str, at: usize) -> usize {
    text[..at.min(text.len())].matches('\n').count() + 1
}

/// Line of the first `key =` (or `[key]`) at the start of a line, after line `from`.
fn line_of_key(text: &str, key: &str, from: usize) -> Option<usize> {
    text.lines().enumerate().skip(from).find_map(|(i, l)| {
        let l = l.trim_start();
        let is_key = l
            .strip_prefix(key)
            .is_some_and(|rest| rest.trim_start().starts_with('='));
        (is_key || l == format!("[{key}]")).then_some(i + 1)
    })
}

/// Line of the `n`th `[[steps]]` header (0-based n).
fn line_of_step(text: &str, n: usize) -> Option<usize> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| l.trim() == "[[steps]]")
        .nth(n)
        .map(|(i, _)| i + 1)
}

/// Check one lesson folder; every problem found, none if it is sound.
pub fn check_lesson(dir: &Path) -> Vec<Problem> {
    let mut out = Vec::new();
    let mut problem = |file: &Path, line: Option<usize>, message: String| {
        out.push(Problem {
            file: file.to_path_buf(),
            line,
            message,
        })
    };
    for (name, what) in [
        ("en.md", "the English text"),
        ("zh.md", "the Chinese text"),
        ("demo.py", "the Python program"),
    ] {
        let path = dir.join(name);
        match crate::files::read_text(&path) {
            Err(e) if e.is_not_found() => problem(&path, None, format!("missing: {what} ({name})")),
            Err(e) => problem(&path, None, e.reason()),
            Ok(t) if t.trim().is_empty() => {
                problem(&path, None, format!("empty: {what} has no text"))
            }
            Ok(t) if name.ends_with(".md") && !t.starts_with("# ") => {
                problem(&path, Some(1), "must start with a '# ' title line".into())
            }
            Ok(t) if t.contains('\t') => {
                let at = t.find('\t').unwrap_or(0);
                problem(
                    &path,
                    Some(line_of(&t, at)),
                    "contains a tab; use spaces".into(),
                )
            }
            Ok(_) => {}
        }
    }
    let toml_path = dir.join("lesson.toml");
    let text = match crate::files::read_text(&toml_path) {
        Ok(t) => t,
        Err(e) => {
            let message = if e.is_not_found() {
                "missing: lesson.toml".into()
            } else {
                e.reason()
            };
            problem(&toml_path, None, message);
            return out;
        }
    };
    let lesson: LessonFile = match toml::from_str(&text) {
        Ok(l) => l,
        Err(e) => {
            let line = e.span().map(|s| line_of(&text, s.start));
            problem(&toml_path, line, format!("bad TOML: {}", e.message()));
            return out;
        }
    };
    let demo = match DemoKind::from_str(&lesson.demo, true) {
        Ok(d) => Some(d),
        Err(_) => {
            let valid: Vec<&str> = DemoKind::ALL.iter().map(|d| d.name()).collect();
            problem(
                &toml_path,
                line_of_key(&text, "demo", 0),
                format!(
                    "unknown demo '{}'; valid: {}",
                    lesson.demo,
                    valid.join(", ")
                ),
            );
            None
        }
    };
    if let Some(d) = demo
        && let Err((key, msg)) = params_from(d, &lesson.params)
    {
        let start = line_of_key(&text, "params", 0).unwrap_or(1) - 1;
        let line = line_of_key(&text, &key, start).or(Some(start + 1));
        problem(&toml_path, line, msg);
    }
    for (key, pattern, needs) in [
        (
            "counter",
            &lesson.python.counter,
            &["actual", "expected"][..],
        ),
        ("timing", &lesson.python.timing, &["variant", "seconds"][..]),
    ] {
        if let Some(p) = pattern {
            let names: Vec<&str> = p
                .split('{')
                .skip(1)
                .filter_map(|s| s.split('}').next())
                .collect();
            let mut wanted: Vec<&str> = needs.to_vec();
            wanted.sort_unstable();
            let mut got = names.clone();
            got.sort_unstable();
            if got != wanted {
                problem(
                    &toml_path,
                    line_of_key(&text, key, 0),
                    format!(
                        "python.{key} must use the placeholders {{{}}} once each, got {:?}",
                        needs.join("}, {"),
                        names
                    ),
                );
            }
        }
    }
    // The program the steps' `find` texts point into (its own problems are listed above).
    let program = crate::files::read_text(&dir.join("demo.py")).ok();
    if lesson.steps.is_empty() {
        problem(
            &toml_path,
            None,
            "a lesson needs at least one [[steps]]".into(),
        );
    }
    for (i, s) in lesson.steps.iter().enumerate() {
        let line = line_of_step(&text, i);
        if let Some(p) = &s.prediction {
            if p.choices.len() < 2 {
                problem(
                    &toml_path,
                    line,
                    format!("step {}: a prediction needs at least two choices", i + 1),
                );
            }
            // Chinese students would otherwise see English choices on a Chinese screen
            // (only a plain yes/no is said in Chinese without them).
            if p.choices_zh.is_empty() && p.choices.iter().any(|c| c != "yes" && c != "no") {
                problem(
                    &toml_path,
                    line,
                    format!(
                        "step {}: choices {:?} need choices_zh, the same choices in Chinese",
                        i + 1,
                        p.choices
                    ),
                );
            }
            if !p.choices_zh.is_empty() && p.choices_zh.len() != p.choices.len() {
                problem(
                    &toml_path,
                    line,
                    format!(
                        "step {}: choices_zh has {} entries, choices has {}: they go in pairs",
                        i + 1,
                        p.choices_zh.len(),
                        p.choices.len()
                    ),
                );
            }
            if !p.choices.contains(&p.answer) {
                problem(
                    &toml_path,
                    line,
                    format!(
                        "step {}: answer '{}' is not one of the choices {:?}",
                        i + 1,
                        p.answer,
                        p.choices
                    ),
                );
            }
        }
        if let (Some(c), Some(d)) = (s.check, demo)
            && !c.demos().contains(&d)
        {
            problem(
                &toml_path,
                line,
                format!(
                    "step {}: check {} cannot be shown by the {} demo",
                    i + 1,
                    c.name(),
                    d.name()
                ),
            );
        }
        if let Some(program) = &program
            && let Err(text) = s.find.lines(program)
        {
            problem(
                &toml_path,
                line,
                format!(
                    "step {}: find '{text}' matches no line of {}",
                    i + 1,
                    dir.join("demo.py").display()
                ),
            );
        }
        if let Some(pane) = &s.pane
            && !PANES.contains(&pane.as_str())
        {
            problem(
                &toml_path,
                line,
                format!(
                    "step {}: pane '{pane}' points nowhere; panes: {}",
                    i + 1,
                    PANES.join(", ")
                ),
            );
        }
    }
    out
}

/// The `NN-slug` folders under `root`, in name order.
pub fn lesson_dirs(root: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(root)?
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.is_dir()
                && p.file_name().and_then(|n| n.to_str()).is_some_and(|n| {
                    n.len() > 3 && n[..2].chars().all(|c| c.is_ascii_digit()) && &n[2..3] == "-"
                })
        })
        .collect();
    dirs.sort();
    Ok(dirs)
}

/// Check every `NN-*` folder under `root`. Returns (lessons checked, problems).
pub fn check_dir(root: &Path) -> (usize, Vec<Problem>) {
    let dirs = match lesson_dirs(root) {
        Ok(d) => d,
        Err(e) => {
            return (
                0,
                vec![Problem {
                    file: root.to_path_buf(),
                    line: None,
                    message: format!("cannot read the folder: {e}"),
                }],
            );
        }
    };
    if dirs.is_empty() {
        return (
            0,
            vec![Problem {
                file: root.to_path_buf(),
                line: None,
                message: "no lesson folders (named like 01-process) here".into(),
            }],
        );
    }
    let mut problems: Vec<Problem> = misnamed_dirs(root, &dirs)
        .into_iter()
        .map(|dir| Problem {
            file: dir,
            line: None,
            message: "holds a lesson.toml but is not read as a lesson: name lesson folders \
                      NN-slug (two digits, a dash, a name), e.g. 05-lock"
                .into(),
        })
        .collect();
    problems.extend(dirs.iter().flat_map(|d| check_lesson(d)));
    problems.extend(duplicate_ids(&dirs));
    (dirs.len(), problems)
}

/// Folders that hold a lesson.toml under a name that is not `NN-slug` (`5-lock`,
/// `05 lock`): meant as lessons, but they would be skipped without a word.
fn misnamed_dirs(root: &Path, named: &[PathBuf]) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(root) else {
        return Vec::new();
    };
    let mut out: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir() && !named.contains(p) && p.join("lesson.toml").exists())
        .collect();
    out.sort();
    out
}

/// Lessons that share an `id` (progress and `--lesson` go by it): each is named.
fn duplicate_ids(dirs: &[PathBuf]) -> Vec<Problem> {
    let mut by_id: std::collections::BTreeMap<String, Vec<PathBuf>> = Default::default();
    for d in dirs {
        let path = d.join("lesson.toml");
        let id = crate::files::read_text(&path)
            .ok()
            .and_then(|t| t.parse::<toml::Table>().ok())
            .and_then(|t| t.get("id").and_then(|v| v.as_str()).map(str::to_string));
        if let Some(id) = id {
            by_id.entry(id).or_default().push(path);
        }
    }
    let mut out = Vec::new();
    for (id, paths) in by_id.into_iter().filter(|(_, p)| p.len() > 1) {
        for p in &paths {
            let others: Vec<String> = paths
                .iter()
                .filter(|o| *o != p)
                .map(|o| o.display().to_string())
                .collect();
            out.push(Problem {
                file: p.clone(),
                line: None,
                message: format!("id '{id}' is also the id of {}", others.join(", ")),
            });
        }
    }
    out
}

/// `proclab lessons check DIR`: print problems, return the exit code.
pub fn check_command(root: &Path) -> i32 {
    let (n, problems) = check_dir(root);
    for p in &problems {
        println!("{p}");
    }
    if problems.is_empty() {
        println!("{n} lessons OK");
        0
    } else {
        println!(
            "{} problem{} in {n} lessons",
            problems.len(),
            if problems.len() == 1 { "" } else { "s" }
        );
        1
    }
}

#[cfg(test)]
#[path = "check_tests.rs"]
mod tests;
