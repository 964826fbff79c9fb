//! The lesson format (`lessons/NN-slug/lesson.toml` beside `en.md`, `zh.md`, `demo.py`)
//! and its validation: `proclab lessons check DIR` lists every problem with its file and
//! line, so an instructor can fix a lesson without reading Rust.

use std::path::{Path, PathBuf};

use clap::ValueEnum;
use serde::Deserialize;

use crate::engine::demos::{DemoKind, Params};

/// Text in both languages.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Text {
    pub en: String,
    pub zh: String,
}

/// What the student does in a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Read the text and the program.
    Read,
    /// Run the demo.
    Run,
    /// Look at a pane.
    Observe,
    /// Use step mode.
    Step,
}

/// A question asked before a run.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Prediction {
    pub en: String,
    pub zh: String,
    pub choices: Vec<String>,
    pub answer: String,
    /// The choices in Chinese, in the same order (optional; `choices` is shown if absent).
    #[serde(default)]
    pub choices_zh: Vec<String>,
}

impl Prediction {
    /// How to show `choice` (one of `choices`) in a language.
    pub fn show<'a>(&'a self, choice: &'a str, lang: crate::course::lang::Lang) -> &'a str {
        if lang == crate::course::lang::Lang::Zh
            && let Some(i) = self.choices.iter().position(|c| c == choice)
            && let Some(zh) = self.choices_zh.get(i)
        {
            return zh;
        }
        choice
    }
}

/// What a run must show for a step to complete itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Check {
    /// The demo ran to the end.
    RunCompleted,
    /// The counter ended below expected (lock, shared).
    LostUpdates,
    /// The counter ended exactly as expected (lock, shared).
    ExactCounter,
    /// Fewer worker PIDs than tasks (pool).
    PidReuse,
    /// A child was seen in state Z (process).
    ZombieSeen,
    /// Processes beat serial wall time (gil).
    ParallelSpeedup,
    /// Every object sent through the pipe arrived; in duplex mode every request got its
    /// reply; in one-way mode the reader saw EOF (pipe).
    AllMessagesReceived,
    /// A child's PPID was the forkserver, not main (start).
    ForkserverParent,
    /// A process outlived its parent and got a new PPID (lifecycle).
    OrphanReparented,
    /// Children were stopped by terminate(): they ended by SIGTERM (lifecycle).
    ChildrenTerminated,
}

impl Check {
    /// The name lesson.toml uses.
    pub fn name(self) -> &'static str {
        match self {
            Check::RunCompleted => "run_completed",
            Check::LostUpdates => "lost_updates",
            Check::ExactCounter => "exact_counter",
            Check::PidReuse => "pid_reuse",
            Check::ZombieSeen => "zombie_seen",
            Check::ParallelSpeedup => "parallel_speedup",
            Check::AllMessagesReceived => "all_messages_received",
            Check::ForkserverParent => "forkserver_parent",
            Check::OrphanReparented => "orphan_reparented",
            Check::ChildrenTerminated => "children_terminated",
        }
    }

    /// What a run must show, in words for the student: (English, Chinese).
    pub fn wants(self) -> (&'static str, &'static str) {
        match self {
            Check::RunCompleted => ("a run to the end", "一次完整运行到结束"),
            Check::LostUpdates => (
                "the counter ending below expected (lock off)",
                "计数器最终小于预期（不加锁）",
            ),
            Check::ExactCounter => (
                "the counter ending exactly as expected (lock on)",
                "计数器最终正好等于预期（加锁）",
            ),
            Check::PidReuse => ("fewer worker PIDs than tasks", "工作进程 PID 少于任务数"),
            Check::ZombieSeen => (
                "a finished child in state Z before join (mode zombie)",
                "join 之前已结束的子进程处于 Z 状态（zombie 模式）",
            ),
            Check::ParallelSpeedup => ("processes faster than serial", "多进程比串行更快"),
            Check::AllMessagesReceived => (
                "every message delivered (one-way: then EOF)",
                "每条消息都送达（单向：随后 EOF）",
            ),
            Check::ForkserverParent => (
                "a child whose parent is the forkserver (mode all or forkserver)",
                "父进程是 forkserver 的子进程（all 或 forkserver 模式）",
            ),
            Check::OrphanReparented => (
                "an orphan with a new parent (mode orphan)",
                "有了新父进程的孤儿进程（orphan 模式）",
            ),
            Check::ChildrenTerminated => (
                "children ended by SIGTERM (mode interrupt or terminate)",
                "被 SIGTERM 结束的子进程（interrupt 或 terminate 模式）",
            ),
        }
    }

    /// The demos whose runs can show this.
    pub fn demos(self) -> &'static [DemoKind] {
        match self {
            Check::RunCompleted => &DemoKind::ALL,
            Check::LostUpdates | Check::ExactCounter => {
                &[DemoKind::Lock, DemoKind::Shared, DemoKind::Manager]
            }
            Check::PidReuse => &[DemoKind::Pool],
            Check::ZombieSeen => &[DemoKind::Process, DemoKind::Lifecycle],
            Check::ParallelSpeedup => &[DemoKind::Gil],
            Check::AllMessagesReceived => &[DemoKind::Pipe],
            Check::ForkserverParent => &[DemoKind::Start],
            Check::OrphanReparented | Check::ChildrenTerminated => &[DemoKind::Lifecycle],
        }
    }
}

/// One step of a lesson.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    pub action: Action,
    pub text: Text,
    pub prediction: Option<Prediction>,
    pub check: Option<Check>,
    /// The pane the step is about: tree, cores, demo, output, timeline, code, text.
    pub pane: Option<String>,
}

/// A whole `lesson.toml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LessonFile {
    pub id: String,
    pub title: Text,
    pub demo: String,
    /// Defaults for the demo, named like `proclab run`'s options.
    #[serde(default)]
    pub params: toml::Table,
    pub steps: Vec<Step>,
    /// How to read results from demo.py's own output under the Python runner.
    #[serde(default)]
    pub python: PythonResults,
}

/// Lines of demo.py's output that carry a result, as patterns: literal text with
/// `{placeholders}`. Under the Python runner, a matching line becomes the same outcome a
/// native run reports, so the results pane and the step checks work for both.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PythonResults {
    /// e.g. `"counter = {actual}, expected {expected}"` (whole numbers).
    pub counter: Option<String>,
    /// e.g. `"{variant} {seconds} s"` (a name, then a number of seconds).
    pub timing: Option<String>,
}

impl PythonResults {
    /// The outcomes `line` reports, if it matches a pattern. `serial_ms` is the serial
    /// time seen so far, for a timing's speedup.
    pub fn outcomes(
        &self,
        line: &str,
        serial_ms: Option<f64>,
    ) -> Vec<crate::engine::protocol::Outcome> {
        use crate::engine::protocol::Outcome;
        // The leading number of a captured text ("80000 (lock off)" -> 80000).
        fn number(s: &str) -> Option<f64> {
            let end = s
                .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-'))
                .unwrap_or(s.len());
            s[..end].parse().ok()
        }
        fn get(caps: &[(String, String)], k: &str) -> Option<String> {
            caps.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone())
        }
        let mut out = Vec::new();
        if let Some(caps) = self
            .counter
            .as_deref()
            .and_then(|pat| match_pattern(pat, line))
            && let (Some(a), Some(e)) = (
                get(&caps, "actual").as_deref().and_then(number),
                get(&caps, "expected").as_deref().and_then(number),
            )
        {
            out.push(Outcome::Counter {
                expected: e as i64,
                actual: a as i64,
                locked: a == e,
            });
        }
        if let Some(caps) = self
            .timing
            .as_deref()
            .and_then(|pat| match_pattern(pat, line))
            && let (Some(v), Some(secs)) = (
                get(&caps, "variant"),
                get(&caps, "seconds").as_deref().and_then(number),
            )
        {
            let wall_ms = secs * 1000.0;
            let speedup = match (v.as_str(), serial_ms) {
                ("serial", _) => 1.0,
                (_, Some(s)) if wall_ms > 0.0 => s / wall_ms,
                _ => 0.0,
            };
            out.push(Outcome::Timing {
                variant: v,
                workers: 0,
                wall_ms,
                cpu_ms: 0.0,
                speedup,
            });
        }
        out
    }
}

/// Match `line` against a pattern with `{name}` placeholders; the captured texts by name,
/// trimmed. A placeholder takes everything up to the next literal piece (or the line's
/// end); the first literal piece may start anywhere in the line.
pub fn match_pattern(pattern: &str, line: &str) -> Option<Vec<(String, String)>> {
    // Split into literal, name, literal, name, ..., literal.
    let mut lits = Vec::new();
    let mut names = Vec::new();
    let mut rest = pattern;
    loop {
        match rest.find('{') {
            Some(open) => {
                let close = rest[open..].find('}')? + open;
                lits.push(&rest[..open]);
                names.push(&rest[open + 1..close]);
                rest = &rest[close + 1..];
            }
            None => {
                lits.push(rest);
                break;
            }
        }
    }
    let mut at = if lits[0].is_empty() {
        0
    } else {
        line.find(lits[0])? + lits[0].len()
    };
    let mut out = Vec::new();
    for (i, name) in names.iter().enumerate() {
        let next = lits[i + 1];
        let end = if next.is_empty() {
            line.len()
        } else {
            // A placeholder never captures an empty value: look past its first character.
            let start = line
                .get(at..)?
                .chars()
                .next()
                .map_or(line.len(), |c| at + c.len_utf8());
            start + line.get(start..)?.find(next)?
        };
        let value = line.get(at..end)?.trim();
        if value.is_empty() {
            return None;
        }
        out.push((name.to_string(), value.to_string()));
        at = end + next.len();
    }
    Some(out)
}

/// Pane names a step may point at.
pub const PANES: [&str; 7] = [
    "tree", "cores", "demo", "output", "timeline", "code", "text",
];

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
        match self.line {
            Some(l) => write!(f, "{}:{l}: {}", self.file.display(), self.message),
            None => write!(f, "{}: {}", self.file.display(), self.message),
        }
    }
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

/// The demo parameters a lesson's `[params]` table describes.
pub fn params_from(demo: DemoKind, table: &toml::Table) -> Result<Params, (String, String)> {
    let mut p = Params::new(demo);
    for (k, v) in table {
        let int = || {
            v.as_integer()
                .filter(|n| *n >= 0)
                .ok_or_else(|| (k.clone(), format!("{k} must be a whole number >= 0")))
        };
        match k.as_str() {
            "workers" => p.workers = Some(int()? as u32),
            "iterations" => p.iterations = Some(int()? as u64),
            "tasks" => p.tasks = Some(int()? as u32),
            "producers" => p.producers = Some(int()? as u32),
            "consumers" => p.consumers = Some(int()? as u32),
            "maxsize" => p.maxsize = Some(int()? as u32),
            "cost" => p.cost = Some(int()? as u64),
            "maxtasks" => p.maxtasks = Some(int()? as u32),
            "tempo" => p.tempo_ms = int()? as u32,
            "zombie_ms" => p.zombie_ms = Some(int()? as u64),
            "kill" => p.kill = Some(int()? as u32),
            "panic" => p.panic = Some(int()? as u32),
            "lock" => {
                p.lock = Some(
                    v.as_bool()
                        .ok_or_else(|| (k.clone(), "lock must be true or false".to_string()))?,
                )
            }
            "mode" => {
                p.mode = Some(
                    v.as_str()
                        .ok_or_else(|| (k.clone(), "mode must be a string".to_string()))?
                        .to_string(),
                )
            }
            other => {
                return Err((
                    other.to_string(),
                    format!(
                        "unknown parameter '{other}'; known: workers, iterations, tasks, lock, mode, producers, consumers, maxsize, cost, maxtasks, zombie_ms, kill, panic, tempo"
                    ),
                ));
            }
        }
    }
    p.validate().map_err(|m| ("params".to_string(), m))?;
    Ok(p)
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
        match std::fs::read_to_string(&path) {
            Err(_) => problem(&path, None, format!("missing: {what} ({name})")),
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
    let text = match std::fs::read_to_string(&toml_path) {
        Ok(t) => t,
        Err(_) => {
            problem(&toml_path, None, "missing: lesson.toml".into());
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
    let problems = dirs.iter().flat_map(|d| check_lesson(d)).collect();
    (dirs.len(), problems)
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
mod tests {
    use super::*;

    fn repo_lessons() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("lessons")
    }

    #[test]
    fn every_check_is_spelled_in_lesson_toml_as_its_name() {
        for c in [
            Check::RunCompleted,
            Check::LostUpdates,
            Check::ExactCounter,
            Check::PidReuse,
            Check::ZombieSeen,
            Check::ParallelSpeedup,
            Check::AllMessagesReceived,
            Check::ForkserverParent,
            Check::OrphanReparented,
            Check::ChildrenTerminated,
        ] {
            #[derive(Deserialize)]
            struct One {
                check: Check,
            }
            let parsed: One = toml::from_str(&format!("check = \"{}\"", c.name())).expect("parses");
            assert_eq!(parsed.check, c);
            assert!(!c.demos().is_empty(), "{}", c.name());
        }
    }

    #[test]
    fn result_patterns_capture_their_placeholders() {
        let got = match_pattern(
            "counter = {actual}, expected {expected}",
            "counter = 29468, expected 80000 (lock off)",
        );
        assert_eq!(
            got,
            Some(vec![
                ("actual".into(), "29468".into()),
                ("expected".into(), "80000 (lock off)".into())
            ])
        );
        let got = match_pattern("{variant} {seconds} s", "serial       1.44 s");
        assert_eq!(
            got,
            Some(vec![
                ("variant".into(), "serial".into()),
                ("seconds".into(), "1.44".into())
            ])
        );
        assert_eq!(match_pattern("count = {actual}", "nothing here"), None);
        assert_eq!(match_pattern("x{a}", "x"), None, "no empty capture");
    }

    #[test]
    fn the_shipped_lessons_are_clean() {
        let (_, problems) = check_dir(&repo_lessons());
        assert!(problems.is_empty(), "{problems:#?}");
    }

    fn broken(name: &str, edit: impl FnOnce(&Path)) -> Vec<Problem> {
        let root =
            std::env::temp_dir().join(format!("proclab-lessons-{}-{name}", std::process::id()));
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
        let text =
            std::fs::read_to_string(repo_lessons().join("05-lock/lesson.toml")).expect("read");
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
                "answer = \"no\"",
                "answer = \"no\", choices_zh = [\"会\"]",
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
}
