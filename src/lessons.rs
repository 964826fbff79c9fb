//! The lessons' files, embedded in the binary. Each `lessons/NN-slug/` holds `en.md`, the
//! lesson's text, and `demo.py`, the program the lesson shows: a correct, runnable
//! equivalent of what the native demo does (a test runs every one under python3).

use crate::demos::DemoKind;

/// One lesson's embedded files.
pub struct Lesson {
    /// The folder, relative to the repository.
    pub dir: &'static str,
    /// The text, English Markdown.
    pub en: &'static str,
    /// The Python program.
    pub demo_py: &'static str,
}

macro_rules! lesson {
    ($dir:literal) => {
        Lesson {
            dir: $dir,
            en: include_str!(concat!("../", $dir, "/en.md")),
            demo_py: include_str!(concat!("../", $dir, "/demo.py")),
        }
    };
}

const PROCESS: Lesson = lesson!("lessons/01-process");
const QUEUE: Lesson = lesson!("lessons/02-queue");
const POOL: Lesson = lesson!("lessons/03-pool");
const SHARED: Lesson = lesson!("lessons/04-shared-memory");
const LOCK: Lesson = lesson!("lessons/05-lock");
const GIL: Lesson = lesson!("lessons/06-gil");

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
