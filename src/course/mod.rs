//! The lessons the app teaches: the set embedded in the binary (`lessons/NN-slug/`), or an
//! instructor's own folder given with `--lessons DIR`. Each lesson is `lesson.toml` (its
//! steps and which demo it runs), `en.md` and `zh.md` (its text) and `demo.py` (the program
//! it shows: a correct, runnable equivalent of the native demo; a test runs every one).

pub mod check;
pub mod format;
pub mod judge;
pub mod lang;
pub mod progress;
pub mod words;

use std::path::Path;

use clap::ValueEnum;

pub use lang::Lang;

use crate::course::format::LessonFile;
use crate::engine::demos::DemoKind;

/// One lesson, ready for the app.
#[derive(Debug, Clone)]
pub struct Lesson {
    /// Where it came from: `lessons/05-lock` for the embedded set, else the folder path.
    pub dir: String,
    /// The parsed `lesson.toml`.
    pub def: LessonFile,
    /// The demo it runs.
    pub demo: DemoKind,
    /// The text, English Markdown.
    pub en: String,
    /// The text, Simplified Chinese Markdown.
    pub zh: String,
    /// The Python program.
    pub demo_py: String,
}

/// One embedded lesson's files.
pub struct Embedded {
    /// The folder, relative to the repository.
    pub dir: &'static str,
    pub en: &'static str,
    pub zh: &'static str,
    pub demo_py: &'static str,
    pub toml: &'static str,
}

macro_rules! embed {
    ($dir:literal) => {
        Embedded {
            dir: $dir,
            en: include_str!(concat!("../../", $dir, "/en.md")),
            zh: include_str!(concat!("../../", $dir, "/zh.md")),
            demo_py: include_str!(concat!("../../", $dir, "/demo.py")),
            toml: include_str!(concat!("../../", $dir, "/lesson.toml")),
        }
    };
}

/// The shipped course, in order. `proclab lessons check lessons` and a test keep it clean.
pub const EMBEDDED: &[Embedded] = &[
    embed!("lessons/01-process"),
    embed!("lessons/02-queue"),
    embed!("lessons/03-pool"),
    embed!("lessons/04-shared-memory"),
    embed!("lessons/05-lock"),
    embed!("lessons/06-gil"),
    embed!("lessons/07-pipe"),
    embed!("lessons/08-manager"),
    embed!("lessons/09-start-methods"),
    embed!("lessons/10-lifecycle"),
    embed!("lessons/11-shared-memory-segments"),
    embed!("lessons/12-executor"),
    embed!("lessons/13-sync"),
    embed!("lessons/14-deadlock"),
    embed!("lessons/15-chunksize"),
];

impl Embedded {
    /// Parse into a [`Lesson`]; `None` only for a broken build (a test parses them all).
    pub fn lesson(&self) -> Option<Lesson> {
        let def: LessonFile = toml::from_str(self.toml).ok()?;
        let demo = DemoKind::from_str(&def.demo, true).ok()?;
        Some(Lesson {
            dir: self.dir.to_string(),
            def,
            demo,
            en: self.en.to_string(),
            zh: self.zh.to_string(),
            demo_py: self.demo_py.to_string(),
        })
    }
}

/// The embedded course.
pub fn embedded() -> Vec<Lesson> {
    EMBEDDED.iter().filter_map(Embedded::lesson).collect()
}

/// An instructor's course: every `NN-slug/` folder under `root`, in name order. Refused,
/// with every problem listed as `file:line: message`, unless `proclab lessons check` would
/// pass it: the app never opens half a course.
pub fn load(root: &Path) -> Result<Vec<Lesson>, String> {
    let (_, problems) = crate::course::check::check_dir(root);
    if !problems.is_empty() {
        let list: Vec<String> = problems.iter().map(|p| p.to_string()).collect();
        return Err(format!(
            "{} problem{} in {}:\n{}",
            problems.len(),
            if problems.len() == 1 { "" } else { "s" },
            root.display(),
            list.join("\n")
        ));
    }
    let read = |dir: &Path, name: &str| {
        crate::files::read_text(&dir.join(name)).map_err(|e| e.to_string())
    };
    let mut out = Vec::new();
    for dir in
        crate::course::check::lesson_dirs(root).map_err(|e| format!("{}: {e}", root.display()))?
    {
        let toml_text = read(&dir, "lesson.toml")?;
        let def: LessonFile = toml::from_str(&toml_text)
            .map_err(|e| format!("{}: {e}", dir.join("lesson.toml").display()))?;
        let demo = DemoKind::from_str(&def.demo, true)
            .map_err(|e| format!("{}: {e}", dir.join("lesson.toml").display()))?;
        out.push(Lesson {
            dir: dir.display().to_string(),
            def,
            demo,
            en: read(&dir, "en.md")?,
            zh: read(&dir, "zh.md")?,
            demo_py: read(&dir, "demo.py")?,
        });
    }
    Ok(out)
}

/// `proclab watch`: a one-step "lesson" around a student's own program, so the app shows
/// the program beside what it does.
pub fn script_lesson(path: &Path, name: &str, text: String) -> Lesson {
    let step = crate::course::format::Step {
        action: crate::course::format::Action::Run,
        text: crate::course::format::Text {
            en: format!("Press r to run {name} under python3 with proclab's probe; s stops it."),
            zh: format!("按 r 用 python3 和 proclab 的探针运行 {name}；按 s 停止。"),
        },
        prediction: None,
        check: None,
        pane: Some("tree".into()),
        find: Default::default(),
    };
    let en = format!(
        "# {name}\n\nproclab runs your program under python3 with a small probe loaded through a \
         private `sitecustomize`. Every process of it appears in the tree with its real PID and \
         PPID, whatever the start method; queue puts and gets, its locks, events, barriers and \
         semaphores, pipe messages, `Value`/`Array` writes, shared memory, manager calls and \
         pool and executor tasks are reported (at most a few hundred a second per kind), and \
         each process's output is shown against its PID. Classic mistakes (a lost update on a \
         `Value`, a missing main guard, join before get, a pool used after its `with` block, a \
         lambda sent to a pool) are told as WARNING lines.\n\nPress space for step mode: each \
         process then waits before every operation on what it shares until you let it go \
         (Tab or 1-9 chooses, Enter steps) — make `v.value += 1` lose an update by hand.\n"
    );
    let zh = format!(
        "# {name}\n\nproclab 用 python3 运行你的程序，并通过私有的 `sitecustomize` 加载一个小探针。\
         无论用哪种启动方式，程序的每个进程都以真实的 PID 和 PPID 出现在进程树里；队列的 put 和 get、\
         锁、Event、Barrier、Semaphore、Pipe 消息、`Value`/`Array` 的写入、共享内存、Manager 调用\
         以及进程池和 executor 的任务都会上报（每类每秒最多几百条），每个进程的输出都标着它的 PID。\
         常见错误（`Value` 上丢失的更新、缺少 main 保护、先 join 后 get、在 `with` 块之后使用进程池、\
         把 lambda 发给进程池）会以 WARNING 行提示。\n\n按空格进入单步模式：每个进程在操作共享的东西之前\
         都会停下，直到你放行（Tab 或 1-9 选择，Enter 单步）——亲手让 `v.value += 1` 丢失一次更新。\n"
    );
    Lesson {
        dir: path.display().to_string(),
        def: LessonFile {
            id: "script".into(),
            title: crate::course::format::Text {
                en: name.to_string(),
                zh: name.to_string(),
            },
            demo: "process".into(),
            params: Default::default(),
            steps: vec![step],
            python: Default::default(),
        },
        demo: DemoKind::Process,
        en,
        zh,
        demo_py: text,
    }
}

/// The index of the lesson called `name`: its id, its folder name, or its demo's name.
pub fn find(lessons: &[Lesson], name: &str) -> Option<usize> {
    lessons
        .iter()
        .position(|l| l.def.id == name || l.slug() == name)
        .or_else(|| lessons.iter().position(|l| l.demo.name() == name))
}

impl Lesson {
    /// The text in a language.
    pub fn text(&self, lang: Lang) -> &str {
        match lang {
            Lang::En => &self.en,
            Lang::Zh => &self.zh,
        }
    }

    /// The folder's own name, e.g. "05-lock": the lesson's key in the progress file.
    pub fn slug(&self) -> &str {
        self.dir
            .trim_end_matches('/')
            .rsplit('/')
            .next()
            .unwrap_or(&self.dir)
    }

    /// The title in a language.
    pub fn title(&self, lang: Lang) -> &str {
        match lang {
            Lang::En => &self.def.title.en,
            Lang::Zh => &self.def.title.zh,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_checker_sees_every_embedded_lesson() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("lessons");
        let (n, _) = crate::course::check::check_dir(&root);
        assert_eq!(n, EMBEDDED.len());
    }

    #[test]
    fn every_embedded_lesson_parses_and_has_both_texts_without_tabs() {
        let all = embedded();
        assert_eq!(
            all.len(),
            EMBEDDED.len(),
            "a shipped lesson.toml does not parse"
        );
        for l in &all {
            for (lang, text) in [("en", &l.en), ("zh", &l.zh)] {
                assert!(
                    text.starts_with("# "),
                    "{} {lang}: starts with a title",
                    l.dir
                );
                assert!(!text.contains('\t'), "{} {lang}: no tabs", l.dir);
            }
            assert!(
                l.zh.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
                "{}",
                l.dir
            );
        }
    }

    #[test]
    fn lessons_are_found_by_id_folder_or_demo() {
        let all = embedded();
        let lock = find(&all, "lock").expect("by id");
        assert_eq!(all[lock].demo, DemoKind::Lock);
        assert_eq!(find(&all, "05-lock"), Some(lock));
        assert_eq!(
            all[find(&all, "shared").expect("by demo")].demo,
            DemoKind::Shared
        );
        assert_eq!(find(&all, "nope"), None);
    }
}
