//! The lessons' files, embedded in the binary. Each `lessons/NN-slug/` holds `en.md` and
//! `zh.md`, the lesson's text, and `demo.py`, the program the lesson shows: a correct,
//! runnable equivalent of what the native demo does (a test runs every one under python3).

use crate::demos::DemoKind;

/// One lesson's embedded files.
pub struct Lesson {
    /// The folder, relative to the repository.
    pub dir: &'static str,
    /// The text, English Markdown.
    pub en: &'static str,
    /// The text, Simplified Chinese Markdown.
    pub zh: &'static str,
    /// The Python program.
    pub demo_py: &'static str,
    /// The lesson's definition (`lesson.toml`).
    pub toml: &'static str,
}

macro_rules! lesson {
    ($dir:literal) => {
        Lesson {
            dir: $dir,
            en: include_str!(concat!("../", $dir, "/en.md")),
            zh: include_str!(concat!("../", $dir, "/zh.md")),
            demo_py: include_str!(concat!("../", $dir, "/demo.py")),
            toml: include_str!(concat!("../", $dir, "/lesson.toml")),
        }
    };
}

const PROCESS: Lesson = lesson!("lessons/01-process");
const QUEUE: Lesson = lesson!("lessons/02-queue");
const POOL: Lesson = lesson!("lessons/03-pool");
const SHARED: Lesson = lesson!("lessons/04-shared-memory");
const LOCK: Lesson = lesson!("lessons/05-lock");
const GIL: Lesson = lesson!("lessons/06-gil");

/// The language of the lesson texts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Lang {
    /// English.
    En,
    /// Simplified Chinese (简体中文).
    Zh,
}

impl Lang {
    /// From the locale: the first of LC_ALL, LC_MESSAGES, LANG that is set; `zh*` means
    /// Chinese, anything else English.
    pub fn from_env() -> Lang {
        let var = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
        let locale = var("LC_ALL")
            .or_else(|| var("LC_MESSAGES"))
            .or_else(|| var("LANG"))
            .unwrap_or_default();
        Lang::from_locale(&locale)
    }

    /// `zh_CN.UTF-8` and friends are Chinese; everything else is English.
    pub fn from_locale(locale: &str) -> Lang {
        if locale.to_ascii_lowercase().starts_with("zh") {
            Lang::Zh
        } else {
            Lang::En
        }
    }

    /// The other language.
    pub fn toggled(self) -> Lang {
        match self {
            Lang::En => Lang::Zh,
            Lang::Zh => Lang::En,
        }
    }
}

impl Lesson {
    /// The text in a language.
    pub fn text(&self, lang: Lang) -> &'static str {
        match lang {
            Lang::En => self.en,
            Lang::Zh => self.zh,
        }
    }
}

impl Lesson {
    /// The parsed definition; the shipped lessons are checked by a test, so this only
    /// fails for a broken build.
    pub fn definition(&self) -> Option<crate::course::LessonFile> {
        toml::from_str(self.toml).ok()
    }

    /// The folder's own name, e.g. "05-lock": the lesson's id in the progress file.
    pub fn slug(&self) -> &'static str {
        self.dir.rsplit('/').next().unwrap_or(self.dir)
    }
}

/// The lesson of a demo.
pub fn of(d: DemoKind) -> &'static Lesson {
    match d {
        DemoKind::Process => &PROCESS,
        DemoKind::Queue => &QUEUE,
        DemoKind::Pool => &POOL,
        DemoKind::Shared => &SHARED,
        DemoKind::Lock => &LOCK,
        DemoKind::Gil => &GIL,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_locales_choose_chinese() {
        assert_eq!(Lang::from_locale("zh_CN.UTF-8"), Lang::Zh);
        assert_eq!(Lang::from_locale("zh_TW"), Lang::Zh);
        assert_eq!(Lang::from_locale("en_US.UTF-8"), Lang::En);
        assert_eq!(Lang::from_locale("C.UTF-8"), Lang::En);
        assert_eq!(Lang::from_locale(""), Lang::En);
    }

    #[test]
    fn every_lesson_has_both_texts_without_tabs() {
        for d in DemoKind::ALL {
            let l = of(d);
            for (lang, text) in [("en", l.en), ("zh", l.zh)] {
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
}
