//! The lesson format: `lessons/NN-slug/lesson.toml` beside `en.md`, `zh.md` and
//! `demo.py`, and what its fields mean. The checker (`check.rs`) validates a folder of them;
//! the tests are in `format_tests.rs`.

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
    /// How to show `choice` (one of `choices`) in a language. Without `choices_zh`, a
    /// plain "yes" or "no" is still said in Chinese.
    pub fn show<'a>(&'a self, choice: &'a str, lang: crate::course::lang::Lang) -> &'a str {
        if lang != crate::course::lang::Lang::Zh {
            return choice;
        }
        if let Some(i) = self.choices.iter().position(|c| c == choice)
            && let Some(zh) = self.choices_zh.get(i)
        {
            return zh;
        }
        match choice {
            "yes" => "是",
            "no" => "否",
            _ => choice,
        }
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
    /// A segment was created, attached by name by another process, and unlinked (shm).
    SegmentUnlinked,
    /// A segment was never unlinked: a leak, removed after the run (shm).
    SegmentLeaked,
    /// A task raised in a worker and the caller got the exception (executor).
    TaskRaised,
    /// A worker died and the pool's futures failed with BrokenProcessPool (executor).
    PoolBroken,
    /// Processes waited for locks in a cycle, each holding what the next wants (deadlock).
    DeadlockSeen,
    /// Processes waited for a Semaphore's slot while others held them (sync).
    SemaphoreThrottled,
    /// Two maps of the same tasks ran with different chunksizes (chunksize).
    ChunksizesCompared,
    /// A parent waited in join() for a child that could not end before its queued item
    /// was read (deadlock).
    JoinBeforeGet,
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
            Check::SegmentUnlinked => "segment_unlinked",
            Check::SegmentLeaked => "segment_leaked",
            Check::TaskRaised => "task_raised",
            Check::PoolBroken => "pool_broken",
            Check::DeadlockSeen => "deadlock_seen",
            Check::ChunksizesCompared => "chunksizes_compared",
            Check::SemaphoreThrottled => "semaphore_throttled",
            Check::JoinBeforeGet => "join_before_get",
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
            Check::SegmentUnlinked => (
                "a segment attached by name by another process, then unlinked",
                "另一个进程按名字连接的共享内存段，最后被 unlink",
            ),
            Check::SegmentLeaked => (
                "a segment never unlinked: a leak (mode leak)",
                "从未 unlink 的共享内存段：泄漏（leak 模式）",
            ),
            Check::TaskRaised => (
                "a task's exception raised again by result() in the caller",
                "任务的异常在调用方的 result() 中再次抛出",
            ),
            Check::PoolBroken => (
                "a killed worker and futures failing with BrokenProcessPool (mode kill)",
                "工作进程被杀，future 以 BrokenProcessPool 失败（kill 模式）",
            ),
            Check::SemaphoreThrottled => (
                "workers waiting for a Semaphore's slot (mode semaphore)",
                "工作进程排队等待 Semaphore 的名额（semaphore 模式）",
            ),
            Check::ChunksizesCompared => (
                "the same map with two chunksizes, to the end",
                "同一个 map 用两种 chunksize 各运行一次，直到结束",
            ),
            Check::DeadlockSeen => (
                "a wait-for cycle among the locks (mode locks)",
                "锁之间出现等待环（locks 模式）",
            ),
            Check::JoinBeforeGet => (
                "main stuck in join() while the child's item waits in the pipe (mode join)",
                "主进程卡在 join()，子进程的数据还堵在管道里（join 模式）",
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
            Check::SegmentUnlinked | Check::SegmentLeaked => &[DemoKind::Shm],
            Check::TaskRaised | Check::PoolBroken => &[DemoKind::Executor],
            Check::DeadlockSeen | Check::JoinBeforeGet => &[DemoKind::Deadlock],
            Check::SemaphoreThrottled => &[DemoKind::Sync],
            Check::ChunksizesCompared => &[DemoKind::Chunksize],
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
    /// Lines of demo.py the step talks about, found by their text: the program pane
    /// scrolls to them and marks them.
    #[serde(default)]
    pub find: Find,
}

/// `find = "w.close()"` or `find = ["Pipe(", "recv()"]`: each text is one or more lines of
/// demo.py as written there (indentation aside); every place it appears is marked.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(from = "FindToml")]
pub struct Find(pub Vec<String>);

/// What `find` may be written as in lesson.toml.
#[derive(Deserialize)]
#[serde(untagged)]
enum FindToml {
    One(String),
    Many(Vec<String>),
}

impl From<FindToml> for Find {
    fn from(f: FindToml) -> Self {
        match f {
            FindToml::One(s) => Find(vec![s]),
            FindToml::Many(v) => Find(v),
        }
    }
}

impl Find {
    /// The 0-based lines of `program` each text marks, in order, or the first text that
    /// marks none (an empty text marks none either).
    pub fn lines(&self, program: &str) -> Result<Vec<usize>, String> {
        let source: Vec<&str> = program.lines().collect();
        let mut marked = std::collections::BTreeSet::new();
        for text in &self.0 {
            let want: Vec<&str> = text
                .lines()
                .map(str::trim)
                .skip_while(|l| l.is_empty())
                .collect();
            let want: Vec<&str> = match want.iter().rposition(|l| !l.is_empty()) {
                Some(last) => want[..=last].to_vec(),
                None => return Err(text.clone()),
            };
            let mut found = false;
            for start in 0..source.len().saturating_sub(want.len() - 1) {
                // The first and last lines may be parts of theirs; the middle ones whole.
                let fits = want.iter().enumerate().all(|(k, w)| {
                    let line = source[start + k].trim();
                    if k == 0 || k + 1 == want.len() {
                        line.contains(w)
                    } else {
                        line == *w
                    }
                });
                if fits {
                    found = true;
                    marked.extend(start..start + want.len());
                }
            }
            if !found {
                return Err(text.clone());
            }
        }
        Ok(marked.into_iter().collect())
    }
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
    /// The argument that turns demo.py's lock on (`"--lock"`): with it, `l` switches
    /// the lock for the lesson's own program too.
    pub lock_arg: Option<String>,
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
            // Whether the lock was on, as the line says it ("(lock off)", "lock on:");
            // a line that does not say is taken as locked only if nothing was lost.
            let locked = match (line.contains("lock on"), line.contains("lock off")) {
                (true, false) => true,
                (false, true) => false,
                _ => a == e,
            };
            out.push(Outcome::Counter {
                expected: e as i64,
                actual: a as i64,
                locked,
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

/// The demo parameters a lesson's `[params]` table describes.
pub fn params_from(demo: DemoKind, table: &toml::Table) -> Result<Params, (String, String)> {
    let mut p = Params::new(demo);
    for (k, v) in table {
        // Each number is checked against its field's range before it is stored, and
        // refused with the value as written: `workers = 4294967297` must not pass as 1.
        let int = || {
            v.as_integer().filter(|n| *n >= 0).ok_or_else(|| {
                (
                    k.clone(),
                    format!("{k} must be a whole number >= 0, got {v}"),
                )
            })
        };
        let u32_ = || {
            int().and_then(|n| {
                u32::try_from(n).map_err(|_| {
                    (
                        k.clone(),
                        format!("{k} must be at most {}, got {n}", u32::MAX),
                    )
                })
            })
        };
        let u64_ = || int().map(|n| n as u64);
        match k.as_str() {
            "workers" => p.workers = Some(u32_()?),
            "iterations" => p.iterations = Some(u64_()?),
            "tasks" => p.tasks = Some(u32_()?),
            "producers" => p.producers = Some(u32_()?),
            "consumers" => p.consumers = Some(u32_()?),
            "maxsize" => p.maxsize = Some(u32_()?),
            "cost" => p.cost = Some(u64_()?),
            "maxtasks" => p.maxtasks = Some(u32_()?),
            "tempo" => p.tempo_ms = u32_()?,
            "zombie_ms" => p.zombie_ms = Some(u64_()?),
            "work_us" => p.work_us = Some(u64_()?),
            "kill" => p.kill = Some(u32_()?),
            "panic" => p.panic = Some(u32_()?),
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
                        "unknown parameter '{other}'; known: workers, iterations, tasks, lock, mode, producers, consumers, maxsize, cost, maxtasks, zombie_ms, kill, panic, work_us, tempo"
                    ),
                ));
            }
        }
    }
    p.validate().map_err(|m| ("params".to_string(), m))?;
    Ok(p)
}

#[cfg(test)]
#[path = "format_tests.rs"]
mod tests;
