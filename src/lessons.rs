//! The lessons' Python programs, embedded in the binary. Each `lessons/NN-slug/demo.py`
//! is the program the lesson shows: a correct, runnable equivalent of what the native
//! demo does (a test runs every one under python3).

use crate::demos::DemoKind;

/// The Python program of a demo's lesson.
pub fn demo_py(d: DemoKind) -> &'static str {
    match d {
        DemoKind::Process => include_str!("../lessons/01-process/demo.py"),
        DemoKind::Queue => include_str!("../lessons/02-queue/demo.py"),
        DemoKind::Pool => include_str!("../lessons/03-pool/demo.py"),
        DemoKind::Shared => include_str!("../lessons/04-shared-memory/demo.py"),
        DemoKind::Lock => include_str!("../lessons/05-lock/demo.py"),
        DemoKind::Gil => include_str!("../lessons/06-gil/demo.py"),
    }
}

/// The lesson's text (English Markdown).
pub fn text_en(d: DemoKind) -> &'static str {
    match d {
        DemoKind::Process => include_str!("../lessons/01-process/en.md"),
        DemoKind::Queue => include_str!("../lessons/02-queue/en.md"),
        DemoKind::Pool => include_str!("../lessons/03-pool/en.md"),
        DemoKind::Shared => include_str!("../lessons/04-shared-memory/en.md"),
        DemoKind::Lock => include_str!("../lessons/05-lock/en.md"),
        DemoKind::Gil => include_str!("../lessons/06-gil/en.md"),
    }
}

/// The folder of a demo's lesson, relative to the repository.
pub fn dir(d: DemoKind) -> &'static str {
    match d {
        DemoKind::Process => "lessons/01-process",
        DemoKind::Queue => "lessons/02-queue",
        DemoKind::Pool => "lessons/03-pool",
        DemoKind::Shared => "lessons/04-shared-memory",
        DemoKind::Lock => "lessons/05-lock",
        DemoKind::Gil => "lessons/06-gil",
    }
}
